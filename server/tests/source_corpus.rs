//! The conformance corpus (core/tests/ics/corpus) served as feeds: for every fixture
//! and window of corpus.json, the server's Zonio-style answer, read through a feed into
//! the store, equals the engine's own expansion of the same bytes in that window. The
//! engine is the reference that core/tests/ics_corpus.rs holds against the Python
//! oracle (with its listed, deliberate differences), so this is not a second oracle:
//! it shows that fetching, the rolling horizon, storing instances by key, all-day days
//! in the account's zone and the merge lose nothing on the way, on either store.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::db::TestDb;
use common::feed::{Answer, FeedServer, sources_report};
use common::{NO_RATE_LIMIT, TestServer, client};
use freebusy_core::wire::ics::{self, Account};
use freebusy_core::wire::zonio;
use freebusy_core::{Availability, Window};
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/ics")
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn reference(bytes: &[u8], email: &str, zone: chrono_tz::Tz, window: Window) -> Value {
    let calendar = ics::parse(bytes).unwrap();
    let periods = calendar
        .expand(window, &Account::new(email, zone))
        .periods();
    serde_json::to_value(zonio::response(
        &Availability::merge(periods).clipped(window),
    ))
    .unwrap()
}

on_both_backends!(every_corpus_window_through_a_feed_equals_the_engine);

// `db` names the backend; each fixture gets a fresh database of its own on it (every
// fixture's calendar has the same id).
async fn every_corpus_window_through_a_feed_equals_the_engine(db: TestDb) {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus_dir().join("corpus.json")).unwrap())
            .unwrap();
    let feeds = FeedServer::start().await;
    let today = Utc::now();
    let mut compared = 0;
    for fixture in manifest["fixtures"].as_array().unwrap() {
        let file = fixture["file"].as_str().unwrap();
        let email = fixture["email"].as_str().unwrap();
        let zone_name = fixture["zone"].as_str().unwrap();
        let zone: chrono_tz::Tz = zone_name.parse().unwrap();
        let bytes = std::fs::read(corpus_dir().join("corpus").join(file)).unwrap();
        feeds.set(file, Answer::Bytes(bytes.clone()));
        let windows: Vec<Window> = fixture["windows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                Window::new(
                    utc(pair[0].as_str().unwrap()),
                    utc(pair[1].as_str().unwrap()),
                )
                .unwrap()
            })
            .collect();
        // A horizon that holds every window of the fixture, as an operator would set it.
        let first = windows.iter().map(Window::start).min().unwrap();
        let last = windows.iter().map(Window::end).max().unwrap();
        let past_days = ((today - first).num_days() + 2).max(0);
        let future_days = ((last - today).num_days() + 2).max(1);
        let seed = format!(
            r#"{{"accounts": [{{"email": "{email}", "time_zone": "{zone_name}", "calendars": [
                {{"id": "cal_corpus", "name": "Corpus", "source": {{"kind": "ics",
                  "url": "{}", "past_days": {past_days}, "future_days": {future_days}}}}}
            ]}}]}}"#,
            feeds.url(file)
        );
        let mut flags = vec!["--token", "ops=ops@example.com:read_sources"];
        flags.extend(NO_RATE_LIMIT);
        let fixture_db = TestDb::new(db.backend).await.expect("a database like db");
        let server = TestServer::start_on(&fixture_db, Some(&seed), &flags).await;
        let started = Instant::now();
        loop {
            let status = sources_report(&server, "ops").await;
            if status["sources"][0]["state"] == "ok" {
                assert!(
                    status["sources"][0]["expansion"]["cut"].is_null(),
                    "{file}: the horizon was cut: {status}"
                );
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{file} was not read: {status}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The Zonio-style route takes at most 62 days: longer windows go in parts.
        let parts = windows.iter().enumerate().flat_map(|(index, window)| {
            let mut parts = Vec::new();
            let mut start = window.start();
            while start < window.end() {
                let end = (start + chrono::TimeDelta::days(62)).min(window.end());
                parts.push((index, Window::new(start, end).unwrap()));
                start = end;
            }
            parts
        });
        for (index, window) in parts {
            let window = &window;
            let answer: Value = client()
                .get(server.url(&format!(
                    "/{email}?start={}&end={}",
                    window.start().timestamp(),
                    window.end().timestamp()
                )))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let expected = reference(&bytes, email, zone, *window);
            assert_eq!(answer, expected, "{file} window {index}");
            compared += 1;
        }
    }
    assert!(compared >= 60, "only {compared} windows compared");
}
