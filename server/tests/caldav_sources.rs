//! CalDAV sources end to end: a real Radicale or Xandikos (started per test on loopback
//! by `common/caldav_peer.rs`), the freebusy server reading it into real SQLite, and
//! both free/busy APIs and the status route over HTTP. Events put into the CalDAV
//! server are busy (or tentative) in both APIs; a change and a deletion upstream are
//! seen after the next sync, which is incremental (sync-collection); a calendar is
//! found by name; a server without sync-collection is read with calendar-queries; a
//! wrong password, an unknown calendar name and an unreachable server are failures with a clear status, and their time is unknown, never free. The last
//! test runs the real binary and reads its logs.

mod common;

#[path = "common/caldav_peer.rs"]
#[macro_use]
mod caldav_peer;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use caldav_peer::{Kind, PASSWORD, Peer, USER};
use chrono::{Days, NaiveDate, TimeDelta};
use common::feed::sources_report;
use common::source_api::{
    self, next_monday, source_status, start, wait_for, wait_for_state, zonio_week,
};
use common::{TestServer, client};
use freebusy_server::state::AppState;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;

const CALENDAR: &str = "cal_ann_caldav";

fn day(offset: u64) -> NaiveDate {
    next_monday() + Days::new(offset)
}

/// One calendar object: a VEVENT with `uid` on `date` from `from` to `to` (UTC hours),
/// with extra properties (`RRULE:…`, `STATUS:TENTATIVE`).
fn event(uid: &str, date: NaiveDate, from: u32, to: u32, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//freebusy tests//EN\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:{d}T{from:02}0000Z\r\nDTEND:{d}T{to:02}0000Z\r\n{extra}\
         SUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        d = date.format("%Y%m%d"),
    )
}

/// A weekly busy hour on Mondays 09:00-10:00 UTC since January, and a tentative hour
/// on next Wednesday 14:00-15:00 UTC.
fn first_events() -> Vec<(&'static str, String)> {
    vec![
        (
            "weekly.ics",
            event(
                "weekly@test",
                NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
                9,
                10,
                "RRULE:FREQ=WEEKLY\r\n",
            ),
        ),
        (
            "once.ics",
            event("once@test", day(2), 14, 15, "STATUS:TENTATIVE\r\n"),
        ),
    ]
}

fn period(date: NaiveDate, from: u32, to: u32, kind: &str) -> Value {
    json!({
        "start": format!("{date}T{from:02}:00:00Z"),
        "end": format!("{date}T{to:02}:00:00Z"),
        "type": kind,
    })
}

/// A file holding `text`, in `dir`; its path.
fn secret_file(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, format!("{text}\n")).unwrap();
    path.display().to_string()
}

/// The `source` entry for `url`: the peer's user and a password file (Radicale), none
/// (Xandikos), and `calendar` when given.
fn source(kind: Kind, url: &str, calendar: Option<&str>, password_file: Option<&str>) -> String {
    let mut entry =
        json!({"kind": "caldav", "url": url, "interval_seconds": 3600, "timeout_seconds": 5});
    if let Some(calendar) = calendar {
        entry["calendar"] = json!(calendar);
    }
    if kind == Kind::Radicale {
        entry["username"] = json!(USER);
        entry["password_file"] = json!(password_file.expect("Radicale needs a password"));
    }
    entry.to_string()
}

fn seed(source: &str) -> String {
    format!(
        r#"{{"accounts": [{{"email": "ann@example.com", "calendars": [
            {{"id": "{CALENDAR}", "name": "CalDAV", "source": {source}}}
        ]}}]}}"#
    )
}

/// A peer of `kind` holding `events`, a password file for it, and the seed's source
/// entry for its calendar collection.
async fn peer_with(kind: Kind, events: &[(&str, String)]) -> Option<(Peer, TempDir)> {
    let events: Vec<(&str, &str)> = events.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let peer = Peer::start(kind, &events).await?;
    Some((peer, tempfile::tempdir().unwrap()))
}

/// The Cronofy-style periods for ann in next week, as "start uid status" lines (the
/// uid is `-` for unknown time).
async fn cronofy_week(server: &TestServer) -> Vec<String> {
    source_api::cronofy_week(server)
        .await
        .iter()
        .map(|period| {
            format!(
                "{} {} {}",
                period["start"].as_str().unwrap_or("?"),
                period["event_uid"].as_str().unwrap_or("-"),
                period["free_busy_status"].as_str().unwrap_or("?"),
            )
        })
        .collect()
}

/// The week of `first_events` in the Zonio-style answer.
fn first_week() -> Value {
    json!([
        period(day(0), 9, 10, "busy"),
        period(day(2), 14, 15, "tentative")
    ])
}

/// Both APIs answer next week with `zonio` (the Zonio-style periods) and `cronofy`
/// (the Cronofy-style ones, as [`cronofy_week`] lines).
async fn assert_week(server: &TestServer, zonio: Value, cronofy: &[String]) {
    assert_eq!(zonio_week(server).await, (StatusCode::OK, zonio));
    assert_eq!(cronofy_week(server).await, cronofy);
}

/// What the sync remembers for the source (its cursor, as stored).
async fn cursor(state: &AppState) -> Value {
    let record = state.store().source(CALENDAR).await.unwrap().unwrap();
    serde_json::from_str(&record.state.cursor).unwrap()
}

/// Both APIs agree the time is unknown: the Zonio-style route answers 503 (a source
/// never read), the Cronofy-style route one unknown period over the week.
async fn assert_unknown_never_free(server: &TestServer) {
    let (code, body) = zonio_week(server).await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let periods = cronofy_week(server).await;
    assert_eq!(periods.len(), 1, "{periods:?}");
    assert!(periods[0].ends_with(" unknown"), "{periods:?}");
}

on_both_peers!(
    events_in_the_caldav_calendar_are_busy_or_tentative_in_both_apis,
    changes_and_deletions_upstream_are_seen_after_the_next_incremental_sync,
    a_calendar_named_in_the_config_is_discovered_from_the_server_url,
    an_unknown_calendar_name_fails_naming_the_calendars_there,
);

async fn events_in_the_caldav_calendar_are_busy_or_tentative_in_both_apis(kind: Kind) {
    let Some((peer, dir)) = peer_with(kind, &first_events()).await else {
        return;
    };
    let password = secret_file(&dir, "password", PASSWORD);
    let entry = source(kind, peer.calendar.as_str(), None, Some(&password));
    let (state, server) = start(&seed(&entry), &[]).await;

    let status = wait_for_state(&server, "ok").await;
    assert_eq!(status["kind"], "caldav");
    assert_eq!(status["failures"], 0);
    assert_eq!(status["expansion"]["objects"], 2, "{status}");
    assert!(status["last_error"].is_null());

    assert_week(
        &server,
        first_week(),
        &[
            format!(
                "{}T09:00:00Z weekly@test/{}T090000Z busy",
                day(0),
                day(0).format("%Y%m%d")
            ),
            format!("{}T14:00:00Z once@test tentative", day(2)),
        ],
    )
    .await;
    // Read with sync-collection: the token is kept for the next, incremental read.
    assert!(cursor(&state).await["sync_token"].is_string());
}

async fn changes_and_deletions_upstream_are_seen_after_the_next_incremental_sync(kind: Kind) {
    let Some((peer, dir)) = peer_with(kind, &first_events()).await else {
        return;
    };
    let password = secret_file(&dir, "password", PASSWORD);
    let entry = source(kind, peer.calendar.as_str(), None, Some(&password));
    let (state, server) = start(&seed(&entry), &[]).await;
    let first = wait_for_state(&server, "ok").await;
    let first_token = cursor(&state).await["sync_token"].clone();

    // Nothing changed upstream: the same token, nothing rewritten.
    state.sources().read_now(CALENDAR).await;
    let same = source_status(&server).await;
    assert_eq!(same["state"], "ok");
    assert_eq!(same["snapshot_at"], first["snapshot_at"]);
    assert_eq!(cursor(&state).await["sync_token"], first_token);

    // Another calendar app moves the tentative hour to Thursday and confirms it, adds
    // Friday 11:00, and deletes the weekly series.
    peer.put_upstream("once.ics", &event("once@test", day(3), 14, 15, ""))
        .await;
    peer.put_upstream("new.ics", &event("new@test", day(4), 11, 12, ""))
        .await;
    peer.delete_upstream("weekly.ics").await;
    state.sources().read_now(CALENDAR).await;

    let moved = json!([
        period(day(3), 14, 15, "busy"),
        period(day(4), 11, 12, "busy")
    ]);
    assert_week(
        &server,
        moved.clone(),
        &[
            format!("{}T14:00:00Z once@test busy", day(3)),
            format!("{}T11:00:00Z new@test busy", day(4)),
        ],
    )
    .await;
    let after = source_status(&server).await;
    assert_eq!(after["expansion"]["objects"], 2, "{after}");
    assert_ne!(cursor(&state).await["sync_token"], first_token);

    // The server goes away: the snapshot is still served, and the status says so.
    drop(peer);
    state.sources().read_now(CALENDAR).await;
    let stale = source_status(&server).await;
    assert_eq!(stale["state"], "stale", "{stale}");
    assert!(
        stale["last_error"]
            .as_str()
            .unwrap()
            .starts_with("transport: cannot connect"),
        "{stale}"
    );
    assert_eq!(zonio_week(&server).await.1, moved);
}

async fn a_calendar_named_in_the_config_is_discovered_from_the_server_url(kind: Kind) {
    let Some((peer, dir)) = peer_with(kind, &first_events()).await else {
        return;
    };
    let password = secret_file(&dir, "password", PASSWORD);
    // Radicale's calendar is displayed as "Calendar"; both have "calendar" as the last
    // segment of its path.
    let name = match kind {
        Kind::Radicale => "Calendar",
        Kind::Xandikos => "calendar",
    };
    let entry = source(kind, peer.root.as_str(), Some(name), Some(&password));
    let (state, server) = start(&seed(&entry), &[]).await;

    wait_for_state(&server, "ok").await;
    assert_eq!(zonio_week(&server).await.1, first_week());
    // Discovery ran once; the collection is remembered for the next reads.
    assert_eq!(cursor(&state).await["collection"], peer.calendar.as_str());
    peer.delete_upstream("once.ics").await;
    state.sources().read_now(CALENDAR).await;
    assert_eq!(
        zonio_week(&server).await.1,
        json!([period(day(0), 9, 10, "busy")])
    );
}

async fn an_unknown_calendar_name_fails_naming_the_calendars_there(kind: Kind) {
    let Some((peer, dir)) = peer_with(kind, &first_events()).await else {
        return;
    };
    let password = secret_file(&dir, "password", PASSWORD);
    let entry = source(kind, peer.root.as_str(), Some("Holidays"), Some(&password));
    let (_state, server) = start(&seed(&entry), &["--freebusy-deadline-ms", "300"]).await;

    let status = wait_for_state(&server, "failing").await;
    let error = status["last_error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "no calendar called \"Holidays\"; the account's calendars with events are"
        ),
        "{error}"
    );
    assert!(error.contains("alendar\""), "{error}");
    assert_unknown_never_free(&server).await;
}

/// A proxy in front of `upstream` that answers 501 to every `sync-collection` REPORT, as
/// a server without RFC 6578 does; it counts the REPORTs it sees, by kind.
struct NoSyncProxy {
    url: String,
    reports: Arc<Mutex<Vec<&'static str>>>,
}

impl NoSyncProxy {
    async fn start(upstream: &reqwest::Url) -> NoSyncProxy {
        let reports: Arc<Mutex<Vec<&'static str>>> = Arc::default();
        let seen = Arc::clone(&reports);
        let upstream = upstream.clone();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let forward = move |request: axum::extract::Request| {
            let (seen, upstream, http) = (Arc::clone(&seen), upstream.clone(), http.clone());
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, 1 << 24).await.unwrap();
                let text = String::from_utf8_lossy(&body);
                if parts.method.as_str() == "REPORT" {
                    let kind = if text.contains("sync-collection") {
                        "sync-collection"
                    } else if text.contains("calendar-query") {
                        "calendar-query"
                    } else {
                        "other"
                    };
                    seen.lock().unwrap().push(kind);
                    if kind == "sync-collection" {
                        return (StatusCode::NOT_IMPLEMENTED, Vec::new());
                    }
                }
                let target = upstream.join(parts.uri.path()).unwrap();
                let mut forwarded = http.request(parts.method.clone(), target).body(body);
                for name in ["authorization", "depth", "content-type"] {
                    if let Some(value) = parts.headers.get(name) {
                        forwarded = forwarded.header(name, value);
                    }
                }
                let answer = forwarded.send().await.unwrap();
                let status = answer.status();
                (status, answer.bytes().await.unwrap().to_vec())
            }
        };
        let app = axum::Router::new().fallback(forward);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        NoSyncProxy { url, reports }
    }

    fn reports(&self) -> Vec<&'static str> {
        self.reports.lock().unwrap().clone()
    }
}

// A server without sync-collection is read with a calendar-query over the horizon each
// time: events are busy, and a change and a deletion upstream are seen at the next read.
#[tokio::test]
async fn a_server_without_sync_collection_is_read_with_calendar_queries() {
    let Some((peer, dir)) = peer_with(Kind::Radicale, &first_events()).await else {
        return;
    };
    let proxy = NoSyncProxy::start(&peer.root).await;
    let password = secret_file(&dir, "password", PASSWORD);
    let url = format!("{}{}", proxy.url, peer.calendar.path());
    let entry = source(Kind::Radicale, &url, None, Some(&password));
    let (state, server) = start(&seed(&entry), &[]).await;

    wait_for_state(&server, "ok").await;
    assert_eq!(zonio_week(&server).await.1, first_week());
    assert!(cursor(&state).await["sync_token"].is_null());
    assert_eq!(proxy.reports(), ["sync-collection", "calendar-query"]);

    peer.put_upstream("once.ics", &event("once@test", day(3), 14, 15, ""))
        .await;
    peer.delete_upstream("weekly.ics").await;
    state.sources().read_now(CALENDAR).await;
    assert_eq!(
        zonio_week(&server).await.1,
        json!([period(day(3), 14, 15, "busy")])
    );
    assert_eq!(proxy.reports().last(), Some(&"calendar-query"));
}

// A wrong password is a failure whose status says the credentials were refused and
// never shows the password; the time is unknown, never free.
#[tokio::test]
async fn a_wrong_password_is_a_clear_failure_that_shows_no_secret() {
    let Some((peer, dir)) = peer_with(Kind::Radicale, &first_events()).await else {
        return;
    };
    let wrong = "not-the-password-SECRET-9913";
    let password = secret_file(&dir, "password", wrong);
    let entry = source(
        Kind::Radicale,
        peer.calendar.as_str(),
        None,
        Some(&password),
    );
    let (_state, server) = start(&seed(&entry), &["--freebusy-deadline-ms", "300"]).await;

    let status = wait_for_state(&server, "failing").await;
    assert_eq!(
        status["last_error"],
        "the upstream refused the credentials (HTTP 401)"
    );
    let report = sources_report(&server, "ops").await.to_string();
    assert!(!report.contains(wrong), "{report}");
    assert!(!report.contains(PASSWORD), "{report}");
    assert!(!report.contains(&password), "no secret file path: {report}");
    assert_unknown_never_free(&server).await;
}

// A CalDAV server that does not answer at all is a failure too: unknown, never free.
#[tokio::test]
async fn an_unreachable_caldav_server_is_unknown_never_free() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/{USER}/calendar/");
    drop(closed);
    let entry = json!({"kind": "caldav", "url": url, "timeout_seconds": 2}).to_string();
    let (_state, server) = start(&seed(&entry), &["--freebusy-deadline-ms", "300"]).await;

    assert_unknown_never_free(&server).await;
    let status = wait_for_state(&server, "failing").await;
    assert!(
        status["last_error"]
            .as_str()
            .unwrap()
            .starts_with("transport: cannot connect"),
        "{status}"
    );
    assert_eq!(status["location"], format!("http://127.0.0.1:{port}/…"));
}

/// SOURCES.md's Radicale example, as written, but for the peer's port, user and
/// collection (the page's are `127.0.0.1:5232`, `lin` and `work`).
fn documented_radicale_source(peer: &Peer) -> String {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("SOURCES.md"),
    )
    .unwrap();
    let source = page
        .split("```json\n")
        .skip(1)
        .filter_map(|rest| serde_json::from_str::<Value>(&rest[..rest.find("```").unwrap()]).ok())
        .flat_map(|seed| {
            seed["accounts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .flat_map(|account| account["calendars"].as_array().cloned().unwrap_or_default())
        })
        .find(|calendar| calendar["id"] == "lin_radicale")
        .expect("SOURCES.md has the Radicale example")["source"]
        .clone();
    assert_eq!(source["url"], "http://127.0.0.1:5232/lin/work/");
    assert_eq!(source["username"], "lin");
    source
        .to_string()
        .replace("http://127.0.0.1:5232/lin/work/", peer.calendar.as_str())
        .replace(r#""lin""#, &format!("{USER:?}"))
}

const BINARY: &str = env!("CARGO_BIN_EXE_freebusy-server");

/// A child process killed when dropped, also when an assertion fails first.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// The real binary, configured as SOURCES.md says (a password in an environment
// variable, another in a file, and the page's Radicale example): the good calendars
// are read and busy over HTTP, the one with a wrong password fails with a clear status,
// and no password reaches the logs (at debug level) or the status.
#[tokio::test]
async fn the_binary_reads_caldav_sources_and_logs_no_password() {
    let Some((peer, dir)) = peer_with(Kind::Radicale, &first_events()).await else {
        return;
    };
    let wrong = "wrong-SECRET-pw-5521";
    let wrong_file = secret_file(&dir, "wrong-password", wrong);
    let seed_text = format!(
        r#"{{"accounts": [
            {{"email": "ann@example.com", "calendars": [{{"id": "{CALENDAR}", "name": "Work",
              "source": {{"kind": "caldav", "url": "{root}", "calendar": "Calendar",
                          "username": "{USER}", "password_env": "ANN_CALDAV_PASSWORD"}}}}]}},
            {{"email": "bob@example.com", "calendars": [{{"id": "cal_bob", "name": "Work",
              "source": {{"kind": "caldav", "url": "{calendar}",
                          "username": "{USER}", "password_file": "{wrong_file}"}}}}]}},
            {{"email": "lin@example.org", "calendars": [{{"id": "lin_radicale", "name": "Radicale",
              "source": {documented}}}]}}
        ]}}"#,
        root = peer.root,
        calendar = peer.calendar,
        documented = documented_radicale_source(&peer),
    );
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, seed_text).unwrap();
    let mut child = Stopped(
        common::binary_with_seed(BINARY, &seed, &dir.path().join("db.sqlite3"))
            .env("ANN_CALDAV_PASSWORD", PASSWORD)
            .env("LIN_RADICALE_PASSWORD", PASSWORD)
            .spawn()
            .unwrap(),
    );
    let child = &mut child.0;
    let (logs, reader) = common::collect_stderr(child);
    let base = common::listening_url(child);
    let checks = async {
        let base = base.unwrap_or_else(|line| panic!("did not start: {line:?}"));
        let report = || async {
            client()
                .get(format!("{base}/v1/sources"))
                .bearer_auth("ops")
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        };
        let source = |report: &Value, id: &str| {
            report["sources"]
                .as_array()
                .unwrap()
                .iter()
                .find(|source| source["calendar_id"] == id)
                .cloned()
                .unwrap_or(Value::Null)
        };
        wait_for("the three sources to be read", || async {
            let report = report().await;
            source(&report, CALENDAR)["state"] == "ok"
                && source(&report, "lin_radicale")["state"] == "ok"
                && source(&report, "cal_bob")["state"] == "failing"
        })
        .await;
        let monday = next_monday().and_hms_opt(0, 0, 0).unwrap().and_utc();
        let week = |email: &str| {
            let url = format!(
                "{base}/{email}?start={}&end={}",
                monday.timestamp(),
                (monday + TimeDelta::days(7)).timestamp()
            );
            async move {
                let answer = client().get(url).send().await.unwrap();
                (answer.status(), answer.json::<Value>().await.unwrap())
            }
        };
        let read = first_week();
        assert_eq!(
            week("ann@example.com").await,
            (StatusCode::OK, read.clone())
        );
        assert_eq!(week("lin@example.org").await, (StatusCode::OK, read));
        assert_eq!(
            week("bob@example.com").await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
        let report = report().await;
        assert_eq!(
            source(&report, "cal_bob")["last_error"],
            "the upstream refused the credentials (HTTP 401)"
        );
        report.to_string()
    };
    let outcome = tokio::time::timeout(Duration::from_secs(120), checks).await;
    let _ = child.kill();
    let _ = child.wait();
    reader.join().unwrap();
    let report = outcome.expect("the checks finished in time");
    let logs = logs.lock().unwrap().clone();
    assert!(logs.contains("source read failed"), "the failure is logged");
    for secret in [PASSWORD, wrong] {
        assert!(!logs.contains(secret), "a password in the logs");
        assert!(!report.contains(secret), "a password in the status");
    }
}
