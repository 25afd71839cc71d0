//! ICS feed sources end to end: a feed server in the test on loopback, the freebusy
//! server reading it into real SQLite (and PostgreSQL, for what reaches the store), and
//! both APIs (and the status route) over HTTP.
//! Every upstream misbehaviour the issue lists: 304, 200 with the same body, 500, 429
//! with Retry-After, slow, never, oversized (also after gzip), gzip, redirects and a
//! loop, garbage, a truncated file; and the deadline.

mod common;

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, TimeDelta, Utc};
use common::db::TestDb;
use common::feed::{Answer, FeedServer, sources_report, weekly_feed};
use common::source_api::{
    cronofy_week, next_monday, source_status, start, start_on, wait_for, wait_for_state, zonio_week,
};
use common::{TestServer, client};
use freebusy_server::state::AppState;
use reqwest::StatusCode;
use serde_json::Value;

const CALENDAR: &str = "cal_ann_feed";

// What reaches the store (snapshots, their history, unknown time, zones, a removed
// source) runs on both backends; how feeds are fetched does not depend on one.
on_both_backends!(
    a_feed_is_read_into_the_store_and_answered_from_it,
    conditional_requests_and_unchanged_bodies_keep_the_snapshot_as_it_was,
    a_change_upstream_replaces_the_snapshot_and_deletions_disappear,
    a_failing_feed_keeps_serving_its_snapshot_and_says_so,
    a_source_that_cannot_be_read_is_unknown_never_free,
    a_changed_config_file_is_applied_and_a_removed_source_stops,
    all_day_feed_events_are_days_in_the_accounts_zone,
);

fn seed(source: &str) -> String {
    format!(
        r#"{{"accounts": [{{"email": "ann@example.com", "calendars": [
            {{"id": "{CALENDAR}", "name": "Feed", "source": {source}}}
        ]}}]}}"#
    )
}

fn feed_source(url: &str, extra: &str) -> String {
    format!(r#"{{"kind": "ics", "url": "{url}", "interval_seconds": 3600{extra}}}"#)
}

/// ann's calendar as a feed of a weekly review on `wednesday`'s weekday, served at
/// `ann.ics`, and a server reading it.
async fn reading_review(
    db: Option<&TestDb>,
    wednesday: NaiveDate,
) -> (FeedServer, AppState, TestServer) {
    let feeds = FeedServer::start().await;
    feeds.set("ann.ics", Answer::Ics(weekly_feed(wednesday, "Review")));
    let seed = seed(&feed_source(&feeds.url("ann.ics"), ""));
    let (state, server) = start_on(db, &seed, &[]).await;
    (feeds, state, server)
}

/// The start of the next whole second, once it has come: the store keeps times in
/// whole seconds, so "modified since" must start after the last write's second.
async fn next_second() -> chrono::DateTime<Utc> {
    let start = Utc::now().timestamp();
    wait_for("the next second", || async {
        Utc::now().timestamp() > start
    })
    .await;
    chrono::DateTime::from_timestamp(start + 1, 0).unwrap()
}

/// The feed calendar's events written or deleted since `since`.
async fn modified_since(
    state: &AppState,
    since: chrono::DateTime<Utc>,
) -> Vec<freebusy_server::store::Event> {
    state
        .store()
        .events(
            &[CALENDAR.to_owned()],
            freebusy_server::store::EventFilter::ModifiedSince(since),
        )
        .await
        .unwrap()
}

async fn wait_for_failures(server: &TestServer, failures: u64) -> Value {
    wait_for(&format!("{failures} failures"), || async {
        source_status(server).await["failures"].as_u64() >= Some(failures)
    })
    .await;
    source_status(server).await
}

fn busy_week_of(feed_tentative: NaiveDate) -> Value {
    let monday = next_monday();
    serde_json::json!([
        {"start": format!("{monday}T09:00:00Z"), "end": format!("{monday}T10:00:00Z"), "type": "busy"},
        {"start": format!("{feed_tentative}T14:00:00Z"), "end": format!("{feed_tentative}T15:00:00Z"), "type": "tentative"},
    ])
}

// A feed is read at start-up into the store: both APIs answer from it, its instances
// keyed by UID and recurrence, and the status says ok with what it read.
async fn a_feed_is_read_into_the_store_and_answered_from_it(db: TestDb) {
    let wednesday = next_monday() + Days::new(2);
    let (feeds, _state, server) = reading_review(Some(&db), wednesday).await;

    let status = wait_for_state(&server, "ok").await;
    assert_eq!(status["kind"], "ics");
    assert_eq!(status["account"], "ann@example.com");
    assert_eq!(status["failures"], 0);
    assert!(status["last_error"].is_null());
    assert!(
        status["expansion"]["instances"].as_u64().unwrap() > 50,
        "{status}"
    );

    let (code, periods) = zonio_week(&server).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(periods, busy_week_of(wednesday));

    let uids: Vec<String> = cronofy_week(&server)
        .await
        .iter()
        .map(|period| format!("{} {}", period["event_uid"], period["free_busy_status"]))
        .collect();
    assert_eq!(
        uids,
        [
            format!(
                "\"weekly@test/{}T090000Z\" \"busy\"",
                next_monday().format("%Y%m%d")
            ),
            "\"once@test\" \"tentative\"".to_owned(),
        ]
    );
    // Only one fetch was needed for all of that: reads come from the store.
    assert_eq!(feeds.seen("ann.ics").len(), 1);
}

// An ETag is sent back as If-None-Match; the 304 keeps the snapshot exactly, and an
// unchanged 200 (a server that ignores conditional requests) changes nothing either:
// last_modified stays, so Cronofy-style incremental queries see nothing new.
async fn conditional_requests_and_unchanged_bodies_keep_the_snapshot_as_it_was(db: TestDb) {
    let feeds = FeedServer::start().await;
    let wednesday = next_monday() + Days::new(2);
    let body = weekly_feed(wednesday, "Review");
    feeds.set("ann.ics", Answer::Ics(body.clone()));
    let (state, server) = start_on(
        Some(&db),
        &seed(&feed_source(&feeds.url("ann.ics"), "")),
        &[],
    )
    .await;
    let first = wait_for_state(&server, "ok").await;
    let events_before = state
        .store()
        .events(
            &[CALENDAR.to_owned()],
            freebusy_server::store::EventFilter::Managed,
        )
        .await
        .unwrap();
    assert!(events_before.is_empty(), "feed events are not managed");
    state.sources().read_now(CALENDAR).await;
    let seen = feeds.seen("ann.ics");
    assert_eq!(seen.len(), 2);
    let etag = seen[1]
        .headers
        .get("if-none-match")
        .expect("If-None-Match sent");
    assert!(etag.to_str().unwrap().starts_with('"'));

    // Now a server that answers 200 with the same body whatever it is asked.
    feeds.set("ann.ics", Answer::Always(body));
    let before = next_second().await;
    state.sources().read_now(CALENDAR).await;
    let after_same = source_status(&server).await;
    assert_eq!(after_same["state"], "ok");
    assert_eq!(
        after_same["snapshot_at"], first["snapshot_at"],
        "no rewrite for the same body"
    );
    let changed = modified_since(&state, before).await;
    assert!(changed.is_empty(), "nothing moved: {changed:?}");
}

// A change upstream replaces the snapshot: a moved event moves, a removed one is
// deleted (reported so to incremental sync), the rest keeps its last_modified.
async fn a_change_upstream_replaces_the_snapshot_and_deletions_disappear(db: TestDb) {
    let wednesday = next_monday() + Days::new(2);
    let (feeds, state, server) = reading_review(Some(&db), wednesday).await;
    wait_for_state(&server, "ok").await;

    // The one-off moves to Thursday.
    let thursday = wednesday + Days::new(1);
    feeds.set("ann.ics", Answer::Ics(weekly_feed(thursday, "Review")));
    let before = next_second().await;
    state.sources().read_now(CALENDAR).await;
    let (_, periods) = zonio_week(&server).await;
    assert_eq!(periods, busy_week_of(thursday));
    let changed = modified_since(&state, before).await;
    let changed: Vec<&str> = changed.iter().map(|event| event.uid.as_str()).collect();
    assert_eq!(changed, ["once@test"], "only the moved event changed");

    // The series goes away upstream: its instances are deleted.
    let only_once = weekly_feed(thursday, "Review").replace(
        "BEGIN:VEVENT\r\nUID:weekly@test\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\n",
        "",
    );
    assert!(!only_once.contains("weekly@test"));
    feeds.set("ann.ics", Answer::Ics(only_once));
    state.sources().read_now(CALENDAR).await;
    let (_, periods) = zonio_week(&server).await;
    assert_eq!(periods, serde_json::json!([busy_week_of(thursday)[1]]));
    let response = client()
        .get(server.url(&format!(
            "/v1/free_busy?tzid=Etc/UTC&from={}&to={}&include_ids=true&include_deleted=true",
            next_monday(),
            next_monday() + Days::new(7)
        )))
        .bearer_auth("ann")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    let deleted: Vec<&Value> = body["free_busy"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|period| period["deleted"] == true)
        .collect();
    assert!(
        deleted.iter().any(|period| period["event_uid"]
            .as_str()
            .unwrap()
            .starts_with("weekly@test/")),
        "{body}"
    );
}

// A failing upstream keeps the snapshot, which is still served; the status says how
// old it is and why it failed, and the failures count up with backoff.
async fn a_failing_feed_keeps_serving_its_snapshot_and_says_so(db: TestDb) {
    let wednesday = next_monday() + Days::new(2);
    let (feeds, state, server) = reading_review(Some(&db), wednesday).await;
    wait_for_state(&server, "ok").await;

    feeds.set("ann.ics", Answer::Status(500, None));
    state.sources().read_now(CALENDAR).await;
    let status = source_status(&server).await;
    assert_eq!(status["state"], "stale");
    assert_eq!(status["failures"], 1);
    assert_eq!(status["last_error"], "the upstream answered HTTP 500");
    assert!(status["age_seconds"].as_i64().unwrap() >= 0);
    assert!(status["last_success_at"].is_string());
    let (code, periods) = zonio_week(&server).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(periods, busy_week_of(wednesday));

    // The first retry after a failure waits the interval (capped at a minute), ±10 %.
    let next =
        chrono::DateTime::parse_from_rfc3339(status["next_attempt_at"].as_str().unwrap()).unwrap();
    let wait = next.with_timezone(&Utc) - Utc::now();
    assert!(
        wait > TimeDelta::seconds(45) && wait <= TimeDelta::seconds(67),
        "{wait}"
    );

    // Garbage and a cut-off file are failures too, never an empty (free) calendar.
    for (answer, error) in [
        (
            Answer::Always("<html>502 Bad Gateway</html>".into()),
            "not an iCalendar document",
        ),
        (
            Answer::Always(weekly_feed(wednesday, "Review").replace("END:VCALENDAR\r\n", "")),
            "cut off",
        ),
    ] {
        feeds.set("ann.ics", answer);
        state.sources().read_now(CALENDAR).await;
        let status = source_status(&server).await;
        assert_eq!(status["state"], "stale");
        assert!(
            status["last_error"].as_str().unwrap().contains(error),
            "{status}"
        );
        assert_eq!(zonio_week(&server).await.1, busy_week_of(wednesday));
    }
}

// 429 with Retry-After: the next attempt waits at least that long.
#[tokio::test]
async fn retry_after_pushes_the_next_attempt_back() {
    let feeds = FeedServer::start().await;
    feeds.set("ann.ics", Answer::Status(429, Some("7200")));
    let (_state, server) = start(&seed(&feed_source(&feeds.url("ann.ics"), "")), &[]).await;
    let status = wait_for_failures(&server, 1).await;
    assert_eq!(status["state"], "failing");
    assert_eq!(
        status["last_error"],
        "the upstream answered HTTP 429 (retry after 7200 s)"
    );
    let next =
        chrono::DateTime::parse_from_rfc3339(status["next_attempt_at"].as_str().unwrap()).unwrap();
    assert!(next.with_timezone(&Utc) - Utc::now() > TimeDelta::seconds(7200 * 9 / 10));
}

// A source never read is unknown, never free: the Cronofy-style route reports an
// unknown period over the whole query, the Zonio-style one answers 503, and a booking
// over that time is refused.
async fn a_source_that_cannot_be_read_is_unknown_never_free(db: TestDb) {
    let feeds = FeedServer::start().await;
    feeds.set("ann.ics", Answer::Never);
    let source = feed_source(&feeds.url("ann.ics"), r#", "timeout_seconds": 1"#);
    let (_state, server) = start_on(
        Some(&db),
        &seed(&source),
        &["--freebusy-deadline-ms", "300"],
    )
    .await;

    let started = Instant::now();
    let (code, body) = zonio_week(&server).await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not found in time")
    );
    let periods = cronofy_week(&server).await;
    assert_eq!(periods.len(), 1, "{periods:?}");
    assert_eq!(periods[0]["free_busy_status"], "unknown");
    assert_eq!(periods[0]["calendar_id"], CALENDAR);
    assert!(started.elapsed() < Duration::from_secs(5));

    let status = wait_for_failures(&server, 1).await;
    assert_eq!(status["state"], "failing");
    assert_eq!(status["last_error"], "no complete answer within 1s");

    let start_at = format!("{}T10:00:00Z", next_monday() + Days::new(1));
    let end_at = format!("{}T10:30:00Z", next_monday() + Days::new(1));
    let response = client()
        .post(server.url("/v1/bookings"))
        .json(&serde_json::json!({
            "hosts": ["ann@example.com"], "start": start_at, "end": end_at,
            "name": "Visitor", "email": "visitor@example.com", "idempotency_key": "k1"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "{}",
        response.text().await.unwrap()
    );
}

// The deadline: a feed slower than --freebusy-deadline-ms gives 503 / unknown within
// the deadline, the read goes on, and the next request is served from its snapshot.
#[tokio::test]
async fn a_slow_first_read_answers_within_the_deadline_and_the_next_request_has_it() {
    let feeds = FeedServer::start().await;
    let wednesday = next_monday() + Days::new(2);
    feeds.set(
        "ann.ics",
        Answer::Slow(
            Duration::from_millis(2000),
            Box::new(Answer::Ics(weekly_feed(wednesday, "Review"))),
        ),
    );
    let source = feed_source(&feeds.url("ann.ics"), r#", "timeout_seconds": 30"#);
    let (_state, server2) = start(&seed(&source), &["--freebusy-deadline-ms", "500"]).await;

    let started = Instant::now();
    let (code, _) = zonio_week(&server2).await;
    let took = started.elapsed();
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        took < Duration::from_millis(1400),
        "answered within the deadline: {took:?}"
    );
    let started = Instant::now();
    let periods = cronofy_week(&server2).await;
    assert!(started.elapsed() < Duration::from_millis(1400));
    assert_eq!(periods.len(), 1, "{periods:?}");
    assert_eq!(periods[0]["free_busy_status"], "unknown");
    assert_eq!(
        feeds.seen("ann.ics").len(),
        1,
        "the requests joined the one read"
    );

    wait_for_state(&server2, "ok").await;
    let started = Instant::now();
    let (code, periods) = zonio_week(&server2).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(periods, busy_week_of(wednesday));
    assert!(started.elapsed() < Duration::from_millis(500));
}

// Slow past the source's timeout, oversized, oversized once inflated, a redirect loop:
// each fails with its reason and leaves the time unknown.
#[tokio::test]
async fn timeouts_size_caps_and_redirect_loops_fail_with_their_reason() {
    let feeds = FeedServer::start().await;
    let cases = [
        (
            "slow",
            Answer::Slow(Duration::from_secs(3), Box::new(Answer::Always("x".into()))),
            "no complete answer within 1s",
        ),
        (
            "big",
            Answer::Oversized(50_000),
            "larger than the limit of 20000 bytes",
        ),
        (
            "bomb",
            Answer::Gzip("BEGIN:VCALENDAR\r\n".to_owned() + &"X-FILLER:0\r\n".repeat(20_000)),
            "larger than the limit of 20000 bytes",
        ),
        ("loop-a", Answer::Redirect("loop-b".into()), "redirect loop"),
    ];
    feeds.set("loop-b", Answer::Redirect("loop-a".into()));
    for (name, answer, error) in cases {
        feeds.set(name, answer);
        let source = feed_source(
            &feeds.url(name),
            r#", "timeout_seconds": 1, "max_bytes": 20000"#,
        );
        let (_state, server) = start(&seed(&source), &[]).await;
        let status = wait_for_failures(&server, 1).await;
        assert_eq!(status["state"], "failing", "{name}");
        assert!(
            status["last_error"].as_str().unwrap().contains(error),
            "{name}: {status}"
        );
        assert!(
            !status.to_string().contains(&format!("/{name}")),
            "{name}: the status shows the host only: {status}"
        );
        assert_eq!(
            cronofy_week(&server).await[0]["free_busy_status"],
            "unknown"
        );
    }
}

// gzip bodies are inflated and redirects (within bounds) followed.
#[tokio::test]
async fn gzip_feeds_and_redirects_are_read() {
    let feeds = FeedServer::start().await;
    let wednesday = next_monday() + Days::new(2);
    feeds.set("zipped", Answer::Gzip(weekly_feed(wednesday, "Review")));
    feeds.set("moved", Answer::Redirect("zipped".into()));
    let (_state, server) = start(&seed(&feed_source(&feeds.url("moved"), "")), &[]).await;
    wait_for_state(&server, "ok").await;
    assert_eq!(zonio_week(&server).await.1, busy_week_of(wednesday));
    let seen = feeds.seen("zipped");
    assert!(
        seen[0].headers["accept-encoding"]
            .to_str()
            .unwrap()
            .contains("gzip"),
        "gzip is asked for"
    );
}

// Basic credentials from a file reach the upstream, and never the status or errors.
#[tokio::test]
async fn credentials_from_a_file_are_sent_and_never_shown() {
    let feeds = FeedServer::start().await;
    feeds.set("private", Answer::Status(401, None));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("password");
    std::fs::write(&file, "correct-horse-battery\n").unwrap();
    let source = feed_source(
        &feeds.url("private"),
        &format!(
            r#", "username": "ann", "password_file": "{}""#,
            file.display()
        ),
    );
    let (_state, server) = start(&seed(&source), &[]).await;
    let status = wait_for_failures(&server, 1).await;
    assert_eq!(
        status["last_error"],
        "the upstream refused the credentials (HTTP 401)"
    );
    let authorization = feeds.seen("private")[0].headers["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(authorization.starts_with("Basic "));
    let everything = format!(
        "{status} {}",
        client()
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    );
    assert!(!everything.contains("correct-horse"), "{everything}");
    assert!(!everything.contains(&authorization[6..]), "{everything}");
}

// The config file is watched: turning the source calendar back into a calendar of
// listed events (no restart, no signal) stops the source, deletes what it brought, and
// the listed events take its place; the status no longer lists it.
async fn a_changed_config_file_is_applied_and_a_removed_source_stops(db: TestDb) {
    let (_feeds, _state, server) = reading_review(Some(&db), next_monday() + Days::new(2)).await;
    wait_for_state(&server, "ok").await;

    let friday = next_monday() + Days::new(4);
    let listed = format!(
        r#"{{"accounts": [{{"email": "ann@example.com", "calendars": [
            {{"id": "{CALENDAR}", "name": "Feed", "events": [
                {{"uid": "lunch", "start": "{friday}T12:00:00Z", "end": "{friday}T13:00:00Z", "status": "busy"}}
            ]}}
        ]}}]}}"#
    );
    std::fs::write(server.dir.path().join("seed.json"), listed).unwrap();
    wait_for("the source to stop", || async {
        sources_report(&server, "ops").await["sources"]
            .as_array()
            .unwrap()
            .is_empty()
    })
    .await;
    let (code, periods) = zonio_week(&server).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        periods,
        serde_json::json!([{"start": format!("{friday}T12:00:00Z"), "end": format!("{friday}T13:00:00Z"), "type": "busy"}])
    );
}

// All-day events of a feed are the account's days: in Europe/Berlin a holiday on
// Friday is busy from Thursday 23:00 UTC (winter) in the Zonio-style answer, and a date
// in the Cronofy-style one.
async fn all_day_feed_events_are_days_in_the_accounts_zone(db: TestDb) {
    let feeds = FeedServer::start().await;
    let friday = next_monday() + Days::new(4);
    let after = friday + Days::new(1);
    feeds.set(
        "ann.ics",
        Answer::Ics(format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:holiday@test\r\n\
             DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            friday.format("%Y%m%d")
        )),
    );
    let seed = format!(
        r#"{{"accounts": [{{"email": "ann@example.com", "time_zone": "Europe/Berlin", "calendars": [
            {{"id": "{CALENDAR}", "name": "Feed", "source": {}}}
        ]}}]}}"#,
        feed_source(&feeds.url("ann.ics"), "")
    );
    let (_state, server) = start_on(Some(&db), &seed, &[]).await;
    wait_for_state(&server, "ok").await;
    let zone: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let midnight = |day: NaiveDate| {
        freebusy_core::wire::rfc3339::format(freebusy_core::zone::day_start(&zone, day).unwrap())
    };
    let (_, periods) = zonio_week(&server).await;
    assert_eq!(
        periods,
        serde_json::json!([{"start": midnight(friday), "end": midnight(after), "type": "busy"}])
    );
    let periods = cronofy_week(&server).await;
    assert_eq!(periods[0]["start"], friday.to_string());
    assert_eq!(periods[0]["end"], after.to_string());
}
