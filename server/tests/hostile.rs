//! Hostile input: every answer is a 4xx (never a 5xx), and the server keeps serving.

mod common;

use std::io::{Read, Write};

use common::{NO_RATE_LIMIT, TestServer, at, booking_seed, client};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn server() -> TestServer {
    let mut flags = vec!["--token", "t=alice@example.com"];
    flags.extend(NO_RATE_LIMIT);
    TestServer::start_with_seed(&booking_seed(), &flags).await
}

/// Asserts a 4xx, or a connection the server closed on an oversized request; and that
/// the server still answers its health check afterwards.
async fn assert_refused(server: &TestServer, what: &str, sent: reqwest::Result<reqwest::Response>) {
    if let Ok(response) = sent {
        let status = response.status();
        assert!(status.is_client_error(), "{what}: {status}");
    }
    let health = client().get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "still serving after {what}"
    );
}

// Pins odd paths and query strings on the free/busy routes: always 4xx.
#[tokio::test]
async fn odd_paths_and_query_strings_are_4xx() {
    let server = server().await;
    let long_address = format!("{}@example.com", "a".repeat(5000));
    let long_query = format!("/alice@example.com?start=x&end=2&{}", "x=y&".repeat(2000));
    let paths = [
        "/%00",
        "/%ff%fe",
        "/..%2F..%2Fetc%2Fpasswd",
        "/alice@example.com%0d%0aX-Injected:%201",
        "/'%3B%20DROP%20TABLE%20accounts%3B--@example.com?start=1&end=2",
        "/al%C3%AFce@example.com?start=1&end=2",
        long_address.as_str(),
        long_query.as_str(),
        "/alice@example.com?%zz=%zz",
        "/alice@example.com?start=%00&end=%00",
        "/alice@example.com?&&&=&=",
        "/alice@example.com?start=1e3&end=2e3",
        "/alice@example.com?start=0x10&end=0x20",
        "/alice@example.com?start=+1&end=+2",
        "/v1/free_busy?tzid=%00",
        "/v1/free_busy?tzid=../../etc/passwd",
        "/v1/free_busy?tzid=Etc/UTC&from=9999999-01-01",
        "/v1/free_busy?tzid=Etc/UTC&from=-262144-01-01&to=262143-12-31",
        "/v1/free_busy?tzid=Etc/UTC&last_modified=%ff",
        "/v1/free_busy?tzid=Etc/UTC&to=0001-01-01",
        "/v1/free_busy?tzid=Etc/UTC&from=9999-12-31",
        "/v1/free_busy/pages/99999999999999999999?tzid=Etc/UTC",
        "/v1/free_busy/pages/0?tzid=Etc/UTC",
        "/v1/bookings/../../healthz",
    ];
    for path in paths {
        let sent = client().get(server.url(path)).bearer_auth("t").send().await;
        if let Ok(response) = &sent
            && response.status().is_success()
        {
            // Only routes that normalise to something valid may succeed.
            let short: String = path.chars().take(100).collect();
            assert!(
                path.contains("healthz") || path.contains("from="),
                "{short}"
            );
            continue;
        }
        let short: String = path.chars().take(100).collect();
        assert_refused(&server, &short, sent).await;
    }
}

// Pins hostile booking bodies: broken JSON, wrong types, nesting, huge and odd bodies.
#[tokio::test]
async fn hostile_booking_bodies_are_4xx() {
    let server = server().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/json", b"".to_vec()),
        ("application/json", b"{".to_vec()),
        ("application/json", b"{\"hosts\": NaN}".to_vec()),
        ("application/json", b"\xef\xbb\xbf{}".to_vec()),
        ("application/json", b"{\"name\": \"\xff\xfe\"}".to_vec()),
        ("application/json", deep.into_bytes()),
        ("application/json", b"null".to_vec()),
        ("application/json", b"{\"hosts\": {\"$gt\": \"\"}}".to_vec()),
        (
            "application/json",
            b"{\"start\": 1e999, \"end\": -1e999}".to_vec(),
        ),
        ("application/json", vec![b' '; 20_000]),
        ("application/json", vec![b'x'; 2_000_000]),
        ("text/plain", b"{}".to_vec()),
        ("application/x-www-form-urlencoded", b"hosts=a".to_vec()),
        ("multipart/form-data; boundary=x", b"--x--".to_vec()),
        ("application/jsonx", b"{}".to_vec()),
    ];
    for (content_type, body) in bodies {
        let what = format!("{content_type} {} bytes", body.len());
        let sent = client()
            .post(server.url("/v1/bookings"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await;
        assert_refused(&server, &what, sent).await;
    }
    let sent = client()
        .post(server.url("/v1/bookings"))
        .body("{}")
        .send()
        .await;
    assert_refused(&server, "no content type", sent).await;
}

// Pins that hostile strings which are valid are stored as data, not interpreted, and
// come back unchanged.
#[tokio::test]
async fn hostile_but_valid_strings_are_stored_as_data() {
    let server = server().await;
    let name = "Robert'); DROP TABLE bookings;-- <script>alert(1)</script> \u{202e}";
    let response = client()
        .post(server.url("/v1/bookings"))
        .header("content-type", "application/json; charset=utf-8")
        .json(&json!({
            "hosts": ["dave@example.com"], "start": at("12:00"), "end": at("12:30"),
            "name": name, "email": "x@example.org", "note": "😀\n\t",
            "idempotency_key": "🔑 key"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["name"], name);
    let health = client().get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

// Pins hostile cancellations and headers: odd ids, broken Authorization headers.
#[tokio::test]
async fn hostile_cancellations_are_4xx() {
    let server = server().await;
    let long_id = "f".repeat(10_000);
    for (id, auth) in [
        ("x", "Bearer"),
        ("x", "Bearer "),
        ("x", "Basic dXNlcjpwYXNz"),
        ("%00", "Bearer abc"),
        ("'%20OR%201=1--", "Bearer ' OR 1=1--"),
        (long_id.as_str(), "Bearer abc"),
        ("x", "bearer \u{7f}"),
    ] {
        let sent = client()
            .delete(server.url(&format!("/v1/bookings/{id}")))
            .header("authorization", auth)
            .send()
            .await;
        assert_refused(&server, &format!("DELETE {id} {auth}"), sent).await;
    }
    let sent = client()
        .delete(server.url("/v1/bookings/x"))
        .header(
            "authorization",
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
        )
        .send()
        .await;
    assert_refused(&server, "non-UTF-8 token", sent).await;
}

// Pins that garbage on the socket does not take the server down.
#[tokio::test]
async fn garbage_on_the_socket_does_not_stop_the_server() {
    let server = server().await;
    let address = server.base.trim_start_matches("http://").to_owned();
    let garbage = tokio::task::spawn_blocking(move || {
        for payload in [
            &b"\x00\x01\x02\x03 garbage\r\n\r\n"[..],
            b"GET / HTTP/9.9\r\n\r\n",
            b"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            b"POST /v1/bookings HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{",
        ] {
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_millis(300)))
                .unwrap();
            let _ = stream.write_all(payload);
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
            let text = String::from_utf8_lossy(&answer);
            assert!(!text.starts_with("HTTP/1.1 5"), "{text}");
        }
    });
    garbage.await.unwrap();
    let health = client().get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
