//! `POST /v1/bookings` and `DELETE /v1/bookings/{id}` over loopback HTTP and real SQLite.

mod common;

use common::{NO_RATE_LIMIT, TestServer, at, booking_day, booking_seed, client};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ORIGIN: &str = "http://localhost:8080";

async fn server() -> TestServer {
    let mut flags = vec!["--allow-origin", ORIGIN];
    flags.extend(NO_RATE_LIMIT);
    TestServer::start_with_seed(&booking_seed(), &flags).await
}

/// A valid booking of alice from `start` to `end` (HH:MM on the booking day).
fn booking(start: &str, end: &str, key: &str) -> Value {
    json!({
        "hosts": ["alice@example.com"],
        "start": at(start),
        "end": at(end),
        "name": "Dana",
        "email": "dana@example.org",
        "note": "About the roadmap",
        "idempotency_key": key,
    })
}

async fn post(server: &TestServer, body: &Value) -> (StatusCode, Value) {
    let response = client()
        .post(server.url("/v1/bookings"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn cancel(server: &TestServer, id: &str, token: Option<&str>) -> StatusCode {
    let mut request = client().delete(server.url(&format!("/v1/bookings/{id}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status()
}

/// Alice's Zonio-style periods on the booking day.
async fn alice_day(server: &TestServer) -> Value {
    let start = booking_day()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    client()
        .get(server.url(&format!(
            "/alice@example.com?start={start}&end={}",
            start + 86_400
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The field names of a 422 body, checking its shape on the way.
fn fields_of(body: &Value) -> Vec<String> {
    let errors = body["errors"].as_object().expect("a 422 errors object");
    for problems in errors.values() {
        for problem in problems.as_array().unwrap() {
            assert!(problem["key"].as_str().unwrap().starts_with("errors."));
            assert!(problem["description"].is_string());
        }
    }
    errors.keys().cloned().collect()
}

// Pins the 201 contract: every field, UTC times, a cancel token, and the booking shows
// as busy in the host's Zonio-style free/busy.
#[tokio::test]
async fn a_booking_of_free_time_answers_201_and_becomes_busy_time() {
    let server = server().await;
    let (status, body) = post(&server, &booking("12:00", "12:30", "k1")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"].as_str().unwrap().len(), 32);
    assert_eq!(body["hosts"], json!(["alice@example.com"]));
    assert_eq!(body["start"], at("12:00"));
    assert_eq!(body["end"], at("12:30"));
    assert_eq!(body["name"], "Dana");
    assert_eq!(body["email"], "dana@example.org");
    assert_eq!(body["note"], "About the roadmap");
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["cancelled_at"], Value::Null);
    assert_eq!(body["cancel_token"].as_str().unwrap().len(), 64);
    let day = alice_day(&server).await;
    assert!(
        day.as_array().unwrap().contains(&json!({
            "start": at("12:00"), "end": at("12:30"), "type": "busy"
        })),
        "{day}"
    );
}

// Pins the 409: a second booking overlapping the first, with who blocks and how.
#[tokio::test]
async fn second_booking_of_the_same_slot_is_refused_with_409() {
    let server = server().await;
    assert_eq!(
        post(&server, &booking("12:00", "12:30", "k1")).await.0,
        StatusCode::CREATED
    );
    let (status, body) = post(&server, &booking("12:15", "12:45", "k2")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "conflict");
    assert_eq!(
        body["error"]["blockers"],
        json!([{"host": "alice@example.com", "status": "busy"}])
    );
    // Back to back is not overlapping.
    assert_eq!(
        post(&server, &booking("12:30", "13:00", "k3")).await.0,
        StatusCode::CREATED
    );
}

// Pins what blocks: a busy event, a tentative one by default, and any host of several.
#[tokio::test]
async fn busy_and_tentative_events_of_any_host_block_a_booking() {
    let server = server().await;
    let (status, body) = post(&server, &booking("10:30", "11:30", "k1")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = post(&server, &booking("14:00", "14:30", "k2")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["blockers"][0]["status"], "tentative");
    let mut both = booking("09:30", "09:45", "k3");
    both["hosts"] = json!(["alice@example.com", "bob@example.com"]);
    let (status, body) = post(&server, &both).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"]["blockers"],
        json!([{"host": "bob@example.com", "status": "busy"}])
    );
}

// Pins --allow-booking-over-tentative, and that a group booking blocks every host.
#[tokio::test]
async fn tentative_time_is_bookable_when_the_server_allows_it() {
    let mut flags = vec!["--allow-booking-over-tentative"];
    flags.extend(NO_RATE_LIMIT);
    let server = TestServer::start_with_seed(&booking_seed(), &flags).await;
    let mut group = booking("14:00", "14:30", "k1");
    group["hosts"] = json!(["alice@example.com", "Bob@Example.com"]);
    let (status, body) = post(&server, &group).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["hosts"],
        json!(["alice@example.com", "bob@example.com"])
    );
    let mut bob = booking("14:15", "14:45", "k2");
    bob["hosts"] = json!(["bob@example.com"]);
    assert_eq!(post(&server, &bob).await.0, StatusCode::CONFLICT);
}

// Pins idempotency: the same key and body give the same booking (200) and a further
// cancel token that works; the first token keeps working too.
#[tokio::test]
async fn replaying_a_request_returns_the_same_booking_with_200() {
    let server = server().await;
    let request = booking("12:00", "12:30", "retry-me");
    let (status, first) = post(&server, &request).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = post(&server, &request).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["created_at"], first["created_at"]);
    assert_ne!(again["cancel_token"], first["cancel_token"]);
    let id = first["id"].as_str().unwrap();
    assert_eq!(
        cancel(&server, id, again["cancel_token"].as_str()).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        cancel(&server, id, first["cancel_token"].as_str()).await,
        StatusCode::NO_CONTENT
    );
}

// Pins a reused key: a different body under a used key is refused with 422 on the key.
#[tokio::test]
async fn a_used_idempotency_key_with_another_body_is_422() {
    let server = server().await;
    assert_eq!(
        post(&server, &booking("12:00", "12:30", "same")).await.0,
        StatusCode::CREATED
    );
    let (status, body) = post(&server, &booking("16:00", "16:30", "same")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields_of(&body), ["idempotency_key"]);
    assert_eq!(body["errors"]["idempotency_key"][0]["key"], "errors.reused");
}

// Pins cancellation: 204, the slot is free again, a second DELETE is 204 too.
#[tokio::test]
async fn cancelling_with_the_token_frees_the_slot() {
    let server = server().await;
    let (_, booked) = post(&server, &booking("12:00", "12:30", "k1")).await;
    let id = booked["id"].as_str().unwrap();
    let token = booked["cancel_token"].as_str().unwrap();
    assert_eq!(
        cancel(&server, id, Some(token)).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        cancel(&server, id, Some(token)).await,
        StatusCode::NO_CONTENT
    );
    let day = alice_day(&server).await;
    assert!(!day.to_string().contains(&at("12:00")), "{day}");
    assert_eq!(
        post(&server, &booking("12:00", "12:30", "k2")).await.0,
        StatusCode::CREATED
    );
}

// Pins the refusals of DELETE: no token 401, a wrong token or unknown id 404, and the
// booking still stands.
#[tokio::test]
async fn cancelling_without_the_right_token_is_refused() {
    let server = server().await;
    let (_, booked) = post(&server, &booking("12:00", "12:30", "k1")).await;
    let id = booked["id"].as_str().unwrap();
    assert_eq!(cancel(&server, id, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        cancel(&server, id, Some("not-the-token")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        cancel(
            &server,
            "00000000000000000000000000000000",
            booked["cancel_token"].as_str()
        )
        .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&server, &booking("12:00", "12:30", "k2")).await.0,
        StatusCode::CONFLICT
    );
}

// Pins the 422s by field: each invalid request names exactly the fields at fault.
#[tokio::test]
async fn invalid_bookings_answer_422_by_field() {
    let server = server().await;
    let past = (chrono::Utc::now() - chrono::TimeDelta::days(1))
        .format("%Y-%m-%dT10:00:00Z")
        .to_string();
    let past_end = (chrono::Utc::now() - chrono::TimeDelta::days(1))
        .format("%Y-%m-%dT10:30:00Z")
        .to_string();
    let with = |field: &str, value: Value| {
        let mut body = booking("12:00", "12:30", "k");
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = booking("12:00", "12:30", "k");
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let cases: Vec<(Value, &[&str])> = vec![
        (booking("12:30", "12:00", "k"), &["end"]),
        (booking("12:00", "12:00", "k"), &["end"]),
        (booking("08:00", "12:01", "k"), &["end"]),
        // In the past, and so long (the past morning to the booking day) that `end` fails too.
        (with("start", json!(past)), &["end", "start"]),
        (
            {
                let mut body = with("start", json!(past));
                body["end"] = json!(past_end);
                body
            },
            &["start"],
        ),
        (with("start", json!("tomorrow at ten")), &["start"]),
        (with("start", json!(12)), &["start"]),
        (
            with("end", json!(at("12:30").replace(":00Z", ":00.5Z"))),
            &["end"],
        ),
        (with("hosts", json!([])), &["hosts"]),
        (with("hosts", json!("alice@example.com")), &["hosts"]),
        (with("hosts", json!(["not an address"])), &["hosts"]),
        (with("hosts", json!(["nobody@example.com"])), &["hosts"]),
        (with("hosts", json!(["carol@example.com"])), &["hosts"]),
        (
            with("hosts", json!(vec!["alice@example.com"; 11])),
            &["hosts"],
        ),
        (with("email", json!("dana")), &["email"]),
        (with("email", json!("dana@example.org\u{0}")), &["email"]),
        (with("name", json!("")), &["name"]),
        (with("name", json!("   ")), &["name"]),
        (with("name", json!("x".repeat(201))), &["name"]),
        (with("name", json!("Dana\u{7}")), &["name"]),
        (with("note", json!("n".repeat(2001))), &["note"]),
        (with("note", json!("esc \u{1b}[31m")), &["note"]),
        (with("note", json!(42)), &["note"]),
        (with("idempotency_key", json!("")), &["idempotency_key"]),
        (
            with("idempotency_key", json!("k".repeat(129))),
            &["idempotency_key"],
        ),
        (without("name"), &["name"]),
        (without("idempotency_key"), &["idempotency_key"]),
        (
            json!({}),
            &["email", "end", "hosts", "idempotency_key", "name", "start"],
        ),
    ];
    for (body, fields) in cases {
        let (status, answer) = post(&server, &body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} -> {answer}"
        );
        assert_eq!(fields_of(&answer), fields, "{body}");
    }
    // A note may span lines; a missing or null note is no note.
    let (status, body) = post(&server, &with("note", json!("line one\nline two"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut quiet = without("note");
    quiet["start"] = json!(at("16:00"));
    quiet["end"] = json!(at("16:30"));
    quiet["idempotency_key"] = json!("k-quiet");
    let (status, body) = post(&server, &quiet).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["note"], Value::Null);
    // An empty note is no note, exactly like a blank one.
    for (note, from, to) in [("", "17:00", "17:30"), ("   ", "18:00", "18:30")] {
        let mut blank = with("note", json!(note));
        blank["start"] = json!(at(from));
        blank["end"] = json!(at(to));
        blank["idempotency_key"] = json!(format!("k-blank-{from}"));
        let (status, body) = post(&server, &blank).await;
        assert_eq!(status, StatusCode::CREATED, "{note:?}: {body}");
        assert_eq!(body["note"], Value::Null, "{note:?}");
    }
}

// Pins the bodies that are not booking requests at all: 400, 413, 415.
#[tokio::test]
async fn bodies_that_are_not_json_objects_are_refused_before_any_check() {
    let server = server().await;
    let send = |content_type: &'static str, body: String| {
        client()
            .post(server.url("/v1/bookings"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases = [
        ("application/json", "{\"hosts\": [".to_owned(), 400),
        ("application/json", "[1, 2, 3]".to_owned(), 400),
        ("application/json", "\"just a string\"".to_owned(), 400),
        (
            "text/plain",
            booking("12:00", "12:30", "k").to_string(),
            415,
        ),
        (
            "application/json",
            format!("{{\"name\": \"{}\"}}", "x".repeat(100_000)),
            413,
        ),
    ];
    for (content_type, body, expected) in cases {
        let response = send(content_type, body).await.unwrap();
        assert_eq!(response.status().as_u16(), expected, "{content_type}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{body}");
    }
}

// Pins the race: 50 concurrent requests for one slot, exactly one 201, the rest 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_bookings_of_one_slot_make_exactly_one() {
    let server = server().await;
    let client = client();
    let requests = (0..50).map(|i| {
        let request = client
            .post(server.url("/v1/bookings"))
            .json(&booking("12:00", "12:30", &format!("racer-{i}")))
            .send();
        async move { request.await.unwrap().status() }
    });
    let statuses = futures_join_all(requests).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 49), "{statuses:?}");
}

/// Runs every future concurrently on the runtime and collects their outputs in order.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

// Pins the CORS the widget needs: preflights for the JSON POST and the DELETE with a
// bearer token, and Retry-After exposed on real responses; nothing for other origins.
#[tokio::test]
async fn browsers_on_the_configured_origin_may_book_and_cancel() {
    let server = server().await;
    for (method, headers) in [("POST", "content-type"), ("DELETE", "authorization")] {
        let response = client()
            .request(reqwest::Method::OPTIONS, server.url("/v1/bookings/x"))
            .header("Origin", ORIGIN)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{method}");
        let h = response.headers();
        assert_eq!(h["access-control-allow-origin"], ORIGIN);
        let methods = h["access-control-allow-methods"].to_str().unwrap();
        for m in ["GET", "POST", "DELETE", "OPTIONS"] {
            assert!(methods.contains(m), "{methods}");
        }
        let allowed = h["access-control-allow-headers"].to_str().unwrap();
        assert!(
            allowed.contains("content-type") && allowed.contains("authorization"),
            "{allowed}"
        );
    }
    let response = client()
        .post(server.url("/v1/bookings"))
        .header("Origin", ORIGIN)
        .json(&booking("12:00", "12:30", "k1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(exposed.contains("retry-after"), "{exposed}");

    let response = client()
        .request(reqwest::Method::OPTIONS, server.url("/v1/bookings"))
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
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

// Pins the methods of the booking paths: anything else is a JSON 405.
#[tokio::test]
async fn other_methods_on_booking_paths_answer_405() {
    let server = server().await;
    for (method, path) in [
        (reqwest::Method::GET, "/v1/bookings"),
        (reqwest::Method::PUT, "/v1/bookings"),
        (reqwest::Method::GET, "/v1/bookings/abc"),
        (reqwest::Method::PATCH, "/v1/bookings/abc"),
    ] {
        let response = client()
            .request(method.clone(), server.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }
}
