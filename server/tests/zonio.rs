//! `GET /{email}?start=&end=`: the Zonio-style API over loopback HTTP and real SQLite;
//! the tests that read the store's windows on PostgreSQL too.

mod common;

use std::time::Duration;

use common::db::TestDb;
use common::{TestServer, client, documented_seed};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    the_documented_example_merges_alices_calendars,
    busy_wins_over_tentative_and_periods_are_clipped_to_the_window,
    all_day_and_unknown_events_are_busy_time,
    an_address_without_calendars_answers_404,
);

/// Unix seconds of an RFC 3339 time.
fn unix(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

async fn get(server: &TestServer, path: &str) -> (StatusCode, Value) {
    let response = client().get(server.url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn day_query(day: &str) -> String {
    format!(
        "start={}&end={}",
        unix(&format!("{day}T00:00:00Z")),
        unix(&format!("{day}T00:00:00Z")) + 86_400
    )
}

// Pins the documented seed's Monday for alice, merged across her two calendars: the
// review is tentative until the dentist's busy hour begins; free time is not reported.
async fn the_documented_example_merges_alices_calendars(db: TestDb) {
    let server = TestServer::start_on(&db, Some(&documented_seed()), &[]).await;
    let (status, body) = get(
        &server,
        &format!("/alice@example.com?{}", day_query("2026-04-20")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!([
            {"start": "2026-04-20T09:00:00Z", "end": "2026-04-20T09:15:00Z", "type": "busy"},
            {"start": "2026-04-20T11:00:00Z", "end": "2026-04-20T12:30:00Z", "type": "tentative"},
            {"start": "2026-04-20T12:30:00Z", "end": "2026-04-20T13:30:00Z", "type": "busy"},
        ])
    );
}

// Pins "busy wins" where a busy and a tentative event overlap in two calendars, and the
// clipping of periods to the requested window.
async fn busy_wins_over_tentative_and_periods_are_clipped_to_the_window(db: TestDb) {
    let seed = r#"{"accounts": [{"email": "erin@example.com", "calendars": [
        {"id": "c1", "name": "Work", "events": [
            {"uid": "t", "start": "2026-05-04T08:00:00Z", "end": "2026-05-04T12:00:00Z", "status": "tentative"}]},
        {"id": "c2", "name": "Home", "events": [
            {"uid": "b", "start": "2026-05-04T09:00:00Z", "end": "2026-05-04T10:00:00Z", "status": "busy"},
            {"uid": "f", "start": "2026-05-04T13:00:00Z", "end": "2026-05-04T14:00:00Z", "status": "free"},
            {"uid": "d", "start": "2026-05-04T15:00:00Z", "end": "2026-05-04T16:00:00Z", "status": "busy", "deleted": true}]}
    ]}]}"#;
    let server = TestServer::start_on(&db, Some(seed), &[]).await;
    let query = format!(
        "start={}&end={}",
        unix("2026-05-04T08:30:00Z"),
        unix("2026-05-05T00:00:00Z")
    );
    let (status, body) = get(&server, &format!("/erin@example.com?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!([
            {"start": "2026-05-04T08:30:00Z", "end": "2026-05-04T09:00:00Z", "type": "tentative"},
            {"start": "2026-05-04T09:00:00Z", "end": "2026-05-04T10:00:00Z", "type": "busy"},
            {"start": "2026-05-04T10:00:00Z", "end": "2026-05-04T12:00:00Z", "type": "tentative"},
        ])
    );
}

// Pins all-day events (placed at UTC midnight) and "unknown" reported as busy.
async fn all_day_and_unknown_events_are_busy_time(db: TestDb) {
    let server = TestServer::start_on(&db, Some(&documented_seed()), &[]).await;
    let query = format!(
        "start={}&end={}",
        unix("2026-04-20T00:00:00Z"),
        unix("2026-04-25T00:00:00Z")
    );
    let (status, body) = get(&server, &format!("/BOB@example.com?{query}")).await;
    assert_eq!(status, StatusCode::OK, "addresses ignore case");
    assert_eq!(
        body,
        json!([
            {"start": "2026-04-20T15:00:00Z", "end": "2026-04-20T16:00:00Z", "type": "busy"},
            {"start": "2026-04-22T00:00:00Z", "end": "2026-04-24T00:00:00Z", "type": "busy"},
        ])
    );
}

// Pins the 404: no account, or an account without any calendar.
async fn an_address_without_calendars_answers_404(db: TestDb) {
    let server = TestServer::start_on(&db, Some(&documented_seed()), &[]).await;
    let query = day_query("2026-04-20");
    for address in ["nobody@example.com", "carol@example.com"] {
        let (status, body) = get(&server, &format!("/{address}?{query}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{address}");
        assert_eq!(body["error"]["code"], "not_found");
    }
}

// Pins the 400s: a bad address, and missing, non-integer, repeated, inverted, empty and
// too long windows; each a JSON error, none a 5xx.
#[tokio::test]
async fn invalid_addresses_and_windows_answer_400_in_json() {
    let server = TestServer::start_with_seed(&documented_seed(), &[]).await;
    let ok = day_query("2026-04-20");
    let cases = [
        format!("/not-an-address?{ok}"),
        format!("/alice@localhost?{ok}"),
        format!("/al%20ice@example.com?{ok}"),
        "/alice@example.com".to_owned(),
        "/alice@example.com?start=1776643200".to_owned(),
        "/alice@example.com?start=abc&end=1776729600".to_owned(),
        "/alice@example.com?start=1776643200.5&end=1776729600".to_owned(),
        "/alice@example.com?start=1776643200&end=1776643200".to_owned(),
        "/alice@example.com?start=1776729600&end=1776643200".to_owned(),
        "/alice@example.com?start=1776643200&start=1&end=1776729600".to_owned(),
        "/alice@example.com?start=0&end=99999999999".to_owned(),
        "/alice@example.com?start=-99999999999999999&end=99999999999999999".to_owned(),
        "/alice@example.com?start=99999999999999999999999&end=1".to_owned(),
    ];
    for path in cases {
        let (status, body) = get(&server, &path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{path}");
    }
}

// Pins the longest window accepted: exactly 62 days passes, one second more does not.
#[tokio::test]
async fn a_window_of_62_days_is_the_longest_accepted() {
    let server = TestServer::start_with_seed(&documented_seed(), &[]).await;
    let start = unix("2026-04-01T00:00:00Z");
    let longest = start + 62 * 86_400;
    let (status, _) = get(
        &server,
        &format!("/alice@example.com?start={start}&end={longest}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get(
        &server,
        &format!("/alice@example.com?start={start}&end={}", longest + 1),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// Pins the 503: when the store cannot answer within --freebusy-deadline-ms (here it is
// held busy by other work), the route gives up in time with the documented status.
#[tokio::test]
async fn an_answer_slower_than_the_deadline_is_503() {
    let (state, router, dir) = TestServer::build(
        Some(&documented_seed()),
        // One read connection, which the test holds busy.
        &["--freebusy-deadline-ms", "100", "--db-pool-size", "1"],
    )
    .await;
    let server = TestServer::serve(router, dir).await;
    let hog = state.clone();
    let (holding, held_now) = tokio::sync::oneshot::channel();
    let held = tokio::spawn(async move {
        hog.store()
            .as_sqlite()
            .expect("the tests run on SQLite")
            .read(move |_| {
                // Holding the pool's only reader now: let the test go on.
                let _ = holding.send(());
                std::thread::sleep(Duration::from_millis(800))
            })
            .await
    });
    held_now.await.expect("the hog took the reader");
    let started = std::time::Instant::now();
    let (status, body) = get(
        &server,
        &format!("/alice@example.com?{}", day_query("2026-04-20")),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "timeout");
    assert!(started.elapsed() < Duration::from_millis(700));
    held.await.unwrap().unwrap();
    let (status, _) = get(
        &server,
        &format!("/alice@example.com?{}", day_query("2026-04-20")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "serves again once the store is free"
    );
}

// Pins the 429 on this route, with Retry-After.
#[tokio::test]
async fn too_many_requests_answer_429_with_retry_after() {
    let server = TestServer::start_with_seed(
        &documented_seed(),
        &["--rate-per-second", "1", "--rate-burst", "2"],
    )
    .await;
    let path = format!("/alice@example.com?{}", day_query("2026-04-20"));
    let mut last = None;
    for _ in 0..6 {
        let response = client().get(server.url(&path)).send().await.unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            last = Some(response);
            break;
        }
    }
    let refused = last.expect("the limit is reached within 6 requests");
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
}
