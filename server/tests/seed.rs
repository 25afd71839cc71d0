//! The seed format: the documented example, upserts, rejections, and the demo week;
//! what lands in the store is checked on both backends.

mod common;

use std::path::Path;

use chrono::{DateTime, Datelike, Days, Utc, Weekday};
use common::db::TestDb;
use freebusy_core::week::week_start;
use freebusy_core::{Status, Window};
use freebusy_server::demo;
use freebusy_server::seed::{Seed, SeedError};
use freebusy_server::store::{EventFilter, EventSpan, Store};

/// The first ```json block of SEED.md: the documented example, loaded as it stands.
fn documented_example() -> Seed {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("SEED.md")).unwrap();
    let start = doc.find("```json\n").expect("SEED.md has a json block") + "```json\n".len();
    let end = start + doc[start..].find("```").expect("the block is closed");
    Seed::from_json(&doc[start..end]).expect("the documented example parses")
}

fn now() -> DateTime<Utc> {
    "2026-04-25T00:00:00Z".parse().unwrap()
}

async fn fresh_store(db: &TestDb) -> Store {
    db.open().await
}

/// The error message of validating `seed_json`, which must be invalid.
fn rejection(seed_json: &str) -> String {
    match Seed::from_json(seed_json).and_then(|seed| seed.validate().map(|_| ())) {
        Ok(()) => panic!("seed was accepted: {seed_json}"),
        Err(error) => error.to_string(),
    }
}

/// A one-event seed for alice with this event JSON.
fn with_event(event: &str) -> String {
    format!(
        r#"{{"accounts": [{{"email": "alice@example.com", "calendars": [
            {{"id": "cal_a", "name": "Work", "events": [{event}]}}]}}]}}"#
    )
}

// Pins that SEED.md's example is valid and loads every account, calendar and event.
async fn the_documented_example_loads(db: TestDb) {
    let store = fresh_store(&db).await;
    let report = documented_example().load_into(&store, now()).await.unwrap();
    assert_eq!(
        (report.accounts, report.calendars, report.events),
        (3, 3, 8)
    );
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.accounts, counts.calendars, counts.events),
        (3, 3, 8)
    );
}

// Pins the upsert: loading the same seed twice leaves the same rows and changes none.
async fn loading_the_example_twice_changes_nothing(db: TestDb) {
    let store = fresh_store(&db).await;
    let seed = documented_example();
    seed.load_into(&store, now()).await.unwrap();
    let before = store.counts().await.unwrap();
    let later: DateTime<Utc> = "2026-05-01T00:00:00Z".parse().unwrap();
    let report = seed.load_into(&store, later).await.unwrap();
    assert_eq!(
        (report.accounts, report.calendars, report.events),
        (0, 0, 0)
    );
    assert_eq!(store.counts().await.unwrap(), before);
    let calendars = vec!["cal_alice_work".to_owned()];
    assert!(
        store
            .events(&calendars, EventFilter::ModifiedSince(later))
            .await
            .unwrap()
            .is_empty()
    );
}

// Pins that a changed event is updated in place and its last_modified moves.
async fn reloading_a_changed_event_updates_it_and_its_last_modified(db: TestDb) {
    let store = fresh_store(&db).await;
    let mut seed = documented_example();
    seed.load_into(&store, now()).await.unwrap();
    seed.accounts[0].calendars[0].events[0].status = "tentative".into();
    let later: DateTime<Utc> = "2026-05-01T00:00:00Z".parse().unwrap();
    let report = seed.load_into(&store, later).await.unwrap();
    assert_eq!(report.events, 1);
    let changed = store
        .events(
            &["cal_alice_work".to_owned()],
            EventFilter::ModifiedSince(later),
        )
        .await
        .unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].uid, "evt_alice_standup");
    assert_eq!(changed[0].status, Status::Tentative);
    assert_eq!(changed[0].last_modified, later);
    assert_eq!(store.counts().await.unwrap().events, 8);
}

// Pins that every field of the example survives the trip through the store.
async fn the_example_keeps_dates_flags_and_managed_ids(db: TestDb) {
    let store = fresh_store(&db).await;
    documented_example().load_into(&store, now()).await.unwrap();
    let alice = store
        .account_by_email("ALICE@example.com")
        .await
        .unwrap()
        .expect("case-insensitive");
    let ids: Vec<String> = store
        .calendars_of(alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["cal_alice_home", "cal_alice_work"]);
    let week = Window::new(
        "2026-04-20T00:00:00Z".parse().unwrap(),
        "2026-04-27T00:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let events = store
        .events(&ids, EventFilter::Overlapping(week))
        .await
        .unwrap();
    let find = |uid: &str| {
        events
            .iter()
            .find(|e| e.uid == uid)
            .unwrap_or_else(|| panic!("{uid}"))
    };
    let holiday = find("evt_alice_holiday");
    assert_eq!(
        holiday.span,
        EventSpan::AllDay {
            start: "2026-04-24".parse().unwrap(),
            end: "2026-04-25".parse().unwrap()
        }
    );
    assert_eq!(holiday.status, Status::Free);
    assert!(find("evt_alice_cancelled_lunch").deleted);
    assert_eq!(
        find("evt_alice_intro_call").event_id.as_deref(),
        Some("booking-42")
    );
    assert!(!find("evt_alice_standup").is_managed());
    let review = find("evt_alice_review");
    assert_eq!(
        review.span,
        EventSpan::Timed {
            start: "2026-04-20T11:00:00Z".parse().unwrap(),
            end: "2026-04-20T12:30:00Z".parse().unwrap()
        }
    );
    assert_eq!(
        review.last_modified,
        "2026-04-01T08:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
}

// Pins that a malformed email is refused, naming the account.
#[test]
fn a_bad_email_is_rejected_naming_the_account() {
    let message = rejection(r#"{"accounts": [{"email": "alice.example.com"}]}"#);
    assert!(
        message.contains(r#"accounts[0] "alice.example.com""#),
        "{message}"
    );
    assert!(message.contains("has no @"), "{message}");
}

// Pins that an end not after its start is refused, naming the event.
#[test]
fn an_end_not_after_start_is_rejected_naming_the_event() {
    let message = rejection(&with_event(
        r#"{"uid": "evt_x", "start": "2026-04-20T10:00:00Z", "end": "2026-04-20T10:00:00Z", "status": "busy"}"#,
    ));
    assert!(
        message.contains(r#"calendars[0] "cal_a" / events[0] "evt_x""#),
        "{message}"
    );
    assert!(message.contains("is not after start"), "{message}");
}

// Pins that a status outside busy|tentative|free|unknown is refused.
#[test]
fn an_unknown_status_is_rejected() {
    let message = rejection(&with_event(
        r#"{"uid": "evt_x", "start": "2026-04-20", "end": "2026-04-21", "status": "bussy"}"#,
    ));
    assert!(message.contains(r#"unknown status "bussy""#), "{message}");
}

// Pins that one event cannot be half all-day and half timed.
#[test]
fn mixing_a_date_and_a_time_is_rejected() {
    let message = rejection(&with_event(
        r#"{"uid": "evt_x", "start": "2026-04-20", "end": "2026-04-20T12:00:00Z", "status": "busy"}"#,
    ));
    assert!(message.contains("mix a date and a time"), "{message}");
}

// Pins that a time without offset is refused rather than guessed as UTC.
#[test]
fn a_time_without_offset_is_rejected() {
    let message = rejection(&with_event(
        r#"{"uid": "evt_x", "start": "2026-04-20T10:00:00", "end": "2026-04-20T11:00:00", "status": "busy"}"#,
    ));
    assert!(message.contains("RFC 3339 time with offset"), "{message}");
}

// Pins the reserved calendar ids: bookings live in `bookings_{account id}`.
#[test]
fn calendar_ids_of_the_bookings_kind_are_reserved() {
    let message = rejection(
        r#"{"accounts": [{"email": "alice@example.com", "calendars": [{"id": "bookings_2", "name": "Mine"}]}]}"#,
    );
    assert!(message.contains("reserved for bookings"), "{message}");
}

// Pins the duplicate-id rules: accounts, calendars across the seed, uids per calendar.
#[test]
fn duplicate_ids_are_rejected() {
    let message = rejection(
        r#"{"accounts": [{"email": "alice@example.com"}, {"email": "Alice@Example.com"}]}"#,
    );
    assert!(message.contains("duplicate account email"), "{message}");
    let message = rejection(
        r#"{"accounts": [
            {"email": "alice@example.com", "calendars": [{"id": "cal_a", "name": "A"}]},
            {"email": "bob@example.com", "calendars": [{"id": "cal_a", "name": "B"}]}]}"#,
    );
    assert!(
        message.contains(
            r#"accounts[1] "bob@example.com" / calendars[0] "cal_a": duplicate calendar id"#
        ),
        "{message}"
    );
    let event = r#"{"uid": "evt_x", "start": "2026-04-20", "end": "2026-04-21", "status": "busy"}"#;
    let message = rejection(&with_event(&format!("{event}, {event}")));
    assert!(
        message.contains(r#"events[1] "evt_x": duplicate event uid"#),
        "{message}"
    );
}

// Pins that typos in field names are errors, not silently ignored.
#[test]
fn an_unknown_field_is_rejected() {
    let message = rejection(&with_event(
        r#"{"uid": "evt_x", "start": "2026-04-20", "end": "2026-04-21", "staus": "busy"}"#,
    ));
    assert!(message.contains("staus"), "{message}");
}

// Pins that a refused seed writes nothing, even when its first entries were fine.
async fn a_refused_seed_writes_nothing(db: TestDb) {
    let store = fresh_store(&db).await;
    let seed =
        Seed::from_json(r#"{"accounts": [{"email": "alice@example.com"}, {"email": "nope"}]}"#)
            .unwrap();
    assert!(matches!(
        seed.load_into(&store, now()).await,
        Err(SeedError::Invalid { .. })
    ));
    assert_eq!(store.counts().await.unwrap().accounts, 0);
}

// Pins what the demo promises: >= 3 people, busy and tentative this week, an all-day
// event, overlapping calendars of one person, and idempotent reloads.
async fn the_demo_week_is_realistic_and_reloads_without_change(db: TestDb) {
    let store = fresh_store(&db).await;
    let now = Utc::now();
    let seed = demo::week_seed(now.date_naive());
    seed.load_into(&store, now).await.unwrap();
    assert_eq!(seed.load_into(&store, now).await.unwrap().events, 0);
    assert!(store.counts().await.unwrap().accounts >= 3);

    let monday = week_start(now.date_naive(), Weekday::Mon).unwrap();
    assert_eq!(monday.weekday(), chrono::Weekday::Mon);
    let week = Window::new(
        monday.and_hms_opt(0, 0, 0).unwrap().and_utc(),
        (monday + Days::new(7))
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc(),
    )
    .unwrap();
    let mut all_day = 0;
    for email in ["alice@example.com", "bob@example.com", "carol@example.com"] {
        let account = store.account_by_email(email).await.unwrap().expect(email);
        let ids: Vec<String> = store
            .calendars_of(account.id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        let events = store
            .events(&ids, EventFilter::Overlapping(week))
            .await
            .unwrap();
        assert!(
            events.iter().any(|e| e.status == Status::Busy),
            "{email} has busy time"
        );
        assert!(
            events.iter().any(|e| e.status == Status::Tentative),
            "{email} has tentative time"
        );
        all_day += events
            .iter()
            .filter(|e| matches!(e.span, EventSpan::AllDay { .. }))
            .count();
    }
    assert!(all_day >= 1, "an all-day event this week");

    // alice's two calendars overlap: some pair of her events from different calendars
    // intersects.
    let alice = store
        .account_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<String> = store
        .calendars_of(alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids.len(), 2);
    let events = store
        .events(&ids, EventFilter::Overlapping(week))
        .await
        .unwrap();
    let overlap = events.iter().any(|a| {
        events.iter().any(|b| {
            let ((a0, a1), (b0, b1)) = (
                a.span.bounds(&chrono_tz::UTC),
                b.span.bounds(&chrono_tz::UTC),
            );
            a.calendar_id != b.calendar_id && !a.deleted && !b.deleted && a0 < b1 && b0 < a1
        })
    });
    assert!(overlap, "alice's calendars overlap");
}

on_both_backends!(
    the_documented_example_loads,
    loading_the_example_twice_changes_nothing,
    reloading_a_changed_event_updates_it_and_its_last_modified,
    the_example_keeps_dates_flags_and_managed_ids,
    a_refused_seed_writes_nothing,
    the_demo_week_is_realistic_and_reloads_without_change,
);

// Pins a host's webhooks: http(s) only, a `whsec_` secret from a file or variable that
// no error ever repeats, names unique and without `#`; a good one is checked whole.
#[test]
fn a_hosts_webhooks_are_checked_and_their_secrets_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.secret");
    std::fs::write(&good, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n").unwrap();
    let bad = dir.path().join("bad.secret");
    std::fs::write(&bad, "hunter2-plain-secret\n").unwrap();
    let seed = |hooks: &str| {
        format!(r#"{{"accounts": [{{"email": "ann@example.com", "webhooks": {hooks}}}]}}"#)
    };
    let file = |path: &std::path::Path| path.display().to_string();
    let hook = |url: &str, secret: &std::path::Path| {
        format!(r#"{{"url": "{url}", "secret_file": "{}"}}"#, file(secret))
    };

    let checked = Seed::from_json(&seed(&format!(
        "[{}, {}]",
        hook("https://crm.example.com/in", &good),
        hook("http://127.0.0.1:9/hook", &good)
    )))
    .unwrap()
    .check()
    .unwrap();
    let names: Vec<&str> = checked.webhooks[0]
        .1
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(checked.webhooks[0].0, "ann@example.com");
    assert_eq!(names, ["1", "2"]);

    let message = rejection(&seed(&format!(
        "[{}]",
        hook("https://crm.example.com", &bad)
    )));
    assert!(message.contains(r#"webhooks[0] "1""#), "{message}");
    assert!(message.contains("whsec_"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    let message = rejection(&seed(&format!(
        "[{}]",
        hook("ftp://crm.example.com", &good)
    )));
    assert!(message.contains("http"), "{message}");
    let message = rejection(&seed(r#"[{"url": "https://crm.example.com"}]"#));
    assert!(message.contains("secret_env"), "{message}");
    let twice = format!(
        r#"[{{"name": "crm", "url": "https://a.example", "secret_file": "{0}"}},
            {{"name": "crm", "url": "https://b.example", "secret_file": "{0}"}}]"#,
        file(&good)
    );
    assert!(rejection(&seed(&twice)).contains("duplicate webhook name"));
}
