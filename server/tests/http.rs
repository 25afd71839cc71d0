//! The HTTP surface over a real loopback socket: health, errors, CORS, rate limits.

mod common;

use common::{TestServer, client};
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
    assert_eq!(body["schema_version"], 3);
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
