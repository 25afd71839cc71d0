//! A server with one account's sources, read the way the source tests read it: the
//! status route, the two free/busy APIs for next week, and waiting for a condition.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, TimeDelta, Utc};
use freebusy_server::state::AppState;
use reqwest::StatusCode;
use serde_json::Value;

use super::db::TestDb;
use super::feed::sources_report;
use super::{NO_RATE_LIMIT, TestServer, client};

/// Next week's Monday (UTC), so every test's week is inside the horizon.
pub fn next_monday() -> NaiveDate {
    let today = Utc::now().date_naive();
    today + Days::new(u64::from(7 - today.weekday().num_days_from_monday()))
}

/// The app over a real socket with `seed`, tokens `ops` (`read_sources`) and `ann`
/// (ann@example.com), no rate limit, and `flags`, over a fresh SQLite file.
pub async fn start(seed: &str, flags: &[&str]) -> (AppState, TestServer) {
    start_on(None, seed, flags).await
}

/// As [`start`], over `db` (either backend) if given.
pub async fn start_on(db: Option<&TestDb>, seed: &str, flags: &[&str]) -> (AppState, TestServer) {
    let mut all = vec![
        "--token",
        "ops=ops@example.com:read_sources",
        "--token",
        "ann=ann@example.com",
    ];
    all.extend(NO_RATE_LIMIT);
    all.extend(flags);
    let db = db.map(TestDb::db_flag);
    let (_, state, router, dir) = TestServer::configured_on(db.as_deref(), Some(seed), &all).await;
    (state, TestServer::serve(router, dir).await)
}

/// Waits for `condition` (checked every 20 ms) for up to 60 s: generous, so that a
/// loaded machine does not fail the test, and never a fixed sleep.
pub async fn wait_for<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The status of the server's first source.
pub async fn source_status(server: &TestServer) -> Value {
    sources_report(server, "ops").await["sources"][0].clone()
}

/// Waits until the first source's state is `state`; its status then.
pub async fn wait_for_state(server: &TestServer, state: &str) -> Value {
    wait_for(&format!("the source to be {state}"), || async {
        source_status(server).await["state"] == state
    })
    .await;
    source_status(server).await
}

/// The Zonio-style answer for ann in next week.
pub async fn zonio_week(server: &TestServer) -> (StatusCode, Value) {
    let monday = next_monday().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let response = client()
        .get(server.url(&format!(
            "/ann@example.com?start={}&end={}",
            monday.timestamp(),
            (monday + TimeDelta::days(7)).timestamp()
        )))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The Cronofy-style periods for ann in next week.
pub async fn cronofy_week(server: &TestServer) -> Vec<Value> {
    let monday = next_monday();
    let response = client()
        .get(server.url(&format!(
            "/v1/free_busy?tzid=Etc/UTC&from={monday}&to={}&include_ids=true",
            monday + Days::new(7)
        )))
        .bearer_auth("ann")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["free_busy"].as_array().unwrap().clone()
}
