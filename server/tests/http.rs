//! The HTTP surface over a real loopback socket: health, errors, CORS, rate limits.

mod common;

use common::{TestServer, client, raw_exchange, status_and_json};
use reqwest::StatusCode;
use serde_json::Value;

const ORIGIN: &str = "http://localhost:8080";

async fn server() -> TestServer {
    TestServer::start(&[
        "--allow-origin",
        ORIGIN,
        "--rate-per-second",
        "100",
        "--rate-burst",
        "100",
    ])
    .await
}

async fn error_code(response: reqwest::Response) -> String {
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "errors are JSON"
    );
    let body: Value = response.json().await.expect("JSON body");
    assert!(body["error"]["message"].is_string(), "message in {body}");
    body["error"]["code"].as_str().expect("code").to_owned()
}

// Pins that /healthz reads the database and says so in JSON.
#[tokio::test]
async fn healthz_answers_ok_with_the_schema_version() {
    let server = server().await;
    let response = client().get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(
        body["schema_version"],
        freebusy_server::store::SCHEMA_VERSION
    );
}

// Pins the JSON 404 for paths no route matches.
#[tokio::test]
async fn an_unknown_route_answers_404_in_the_error_shape() {
    let server = server().await;
    let response = client()
        .get(server.url("/no/such/route"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "not_found");
}

// Pins the JSON 405 for a known path with a method it does not take.
#[tokio::test]
async fn a_wrong_method_answers_405_in_the_error_shape() {
    let server = server().await;
    let response = client()
        .delete(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(response).await, "method_not_allowed");
}

// Pins that the configured origin is granted, by name (never `*`).
#[tokio::test]
async fn the_configured_origin_gets_an_allow_origin_grant() {
    let server = server().await;
    let response = client()
        .get(server.url("/healthz"))
        .header("Origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
}

// Pins that an origin not on the list gets no grant at all.
#[tokio::test]
async fn another_origin_gets_no_grant() {
    let server = server().await;
    let response = client()
        .get(server.url("/healthz"))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

// Pins the preflight a browser sends before a JSON POST with an idempotency key.
#[tokio::test]
async fn a_preflight_for_a_json_post_is_granted_to_the_configured_origin() {
    let server = server().await;
    let response = client()
        .request(reqwest::Method::OPTIONS, server.url("/healthz"))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    assert!(
        allowed.contains("content-type") && allowed.contains("idempotency-key"),
        "{allowed}"
    );
}

// Pins that a preflight from an unlisted origin is not granted.
#[tokio::test]
async fn a_preflight_from_another_origin_is_not_granted() {
    let server = server().await;
    let response = client()
        .request(reqwest::Method::OPTIONS, server.url("/healthz"))
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

// Pins the 429: per client, JSON, with Retry-After readable by the configured origin.
#[tokio::test]
async fn exceeding_the_rate_answers_429_with_retry_after() {
    let server = TestServer::start(&[
        "--allow-origin",
        ORIGIN,
        "--rate-per-second",
        "1",
        "--rate-burst",
        "2",
    ])
    .await;
    let client = client();
    let get = || {
        client
            .get(server.url("/healthz"))
            .header("Origin", ORIGIN)
            .send()
    };
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    // The bucket refills one request per second; a slow machine may get one more in.
    let mut refused = get().await.unwrap();
    for _ in 0..3 {
        if refused.status() == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        refused = get().await.unwrap();
    }
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(refused.headers()["access-control-allow-origin"], ORIGIN);
    let exposed = refused.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(exposed.contains("retry-after"), "{exposed}");
    assert_eq!(error_code(refused).await, "too_many_requests");
}

// Pins RFC 9112 section 3.2: an HTTP/1.1 request without exactly one valid Host is a 400
// in the error shape; HTTP/1.0 may go without.
#[tokio::test]
async fn a_request_without_exactly_one_valid_host_answers_400() {
    let server = server().await;
    let within = std::time::Duration::from_secs(10);
    for request in [
        "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a.example:99999\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: me@a.example\r\nConnection: close\r\n\r\n",
    ] {
        let (status, body) =
            status_and_json(&raw_exchange(&server, request.as_bytes(), within).await);
        assert_eq!(status, 400, "{request:?}");
        assert_eq!(body["error"]["code"], "bad_request", "{request:?}");
    }
    for request in [
        "GET /healthz HTTP/1.0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: [::1]:3000\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    ] {
        let (status, _) = status_and_json(&raw_exchange(&server, request.as_bytes(), within).await);
        assert_eq!(status, 200, "{request:?}");
    }
}

// Pins that a declared Content-Length past --max-body-bytes is a 413 at once: the
// server does not wait for a body it would refuse (the request timeout is a minute).
#[tokio::test]
async fn a_declared_length_past_the_limit_answers_413_without_waiting_for_the_body() {
    let server = TestServer::start(&[
        "--request-timeout-ms",
        "60000",
        "--idle-timeout-ms",
        "90000",
    ])
    .await;
    let request = "POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                   Content-Length: 10000000\r\nConnection: close\r\n\r\n{";
    let started = std::time::Instant::now();
    let answer = raw_exchange(
        &server,
        request.as_bytes(),
        std::time::Duration::from_secs(30),
    )
    .await;
    let (status, body) = status_and_json(&answer);
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "answered only after {:?}",
        started.elapsed()
    );
}

// Pins that paths the framework cannot decode are refused in the error shape, as JSON,
// on every route that takes a path parameter.
#[tokio::test]
async fn undecodable_paths_answer_400_in_the_error_shape() {
    let server = server().await;
    for request in [
        "GET /%ff@example.com?start=1&end=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /v1/free_busy/pages/%ff HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n",
        "DELETE /v1/bookings/%ff HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n",
    ] {
        let answer = raw_exchange(
            &server,
            request.as_bytes(),
            std::time::Duration::from_secs(10),
        )
        .await;
        let (status, body) = status_and_json(&answer);
        assert_eq!(status, 400, "{request:?}");
        assert_eq!(body["error"]["code"], "bad_request", "{request:?}");
        assert!(body["error"]["message"].is_string(), "{body}");
    }
}
