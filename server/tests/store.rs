//! The store contract, on both backends: window semantics, persistence, schema
//! versions and migrations; and SQLite's durability settings.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use common::db::{Backend, TestDb};
use freebusy_core::{Status, Window};
use freebusy_server::store::{
    AccountImport, CalendarImport, EventFilter, EventImport, EventQuery, EventSpan, SCHEMA_VERSION,
    Store, StoreError,
};
use tokio::sync::Barrier;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn window(start: &str, end: &str) -> Window {
    Window::new(at(start), at(end)).unwrap()
}

fn timed(uid: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> EventImport {
    EventImport {
        uid: uid.into(),
        event_id: None,
        span: EventSpan::Timed { start, end },
        status: Status::Busy,
        deleted: false,
        last_modified: None,
    }
}

/// One account with one calendar `cal_a` holding these events.
fn alice_with(events: Vec<EventImport>) -> Vec<AccountImport> {
    vec![AccountImport {
        email: "alice@example.com".into(),
        time_zone: chrono_tz::UTC,
        rules: None,
        calendars: vec![CalendarImport {
            id: "cal_a".into(),
            name: "Work".into(),
            events,
            source: None,
        }],
    }]
}

/// One account with one calendar `cal_a` holding a busy event 10:00–11:00 UTC.
fn one_meeting() -> Vec<AccountImport> {
    alice_with(vec![timed(
        "evt_meeting",
        at("2026-04-20T10:00:00Z"),
        at("2026-04-20T11:00:00Z"),
    )])
}

async fn store_with_meeting(db: &TestDb) -> Store {
    let store = db.open().await;
    store
        .import(one_meeting(), at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    store
}

async fn uids(store: &Store, window: Window) -> Vec<String> {
    store
        .events(&["cal_a".to_owned()], EventFilter::Overlapping(window))
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.uid)
        .collect()
}

// Pins half-open overlap: touching at either edge is not overlapping.
async fn an_event_touching_the_window_edge_is_not_returned(db: TestDb) {
    let store = store_with_meeting(&db).await;
    let cases = [
        (("2026-04-20T11:00:00Z", "2026-04-20T12:00:00Z"), false),
        (("2026-04-20T09:00:00Z", "2026-04-20T10:00:00Z"), false),
        (("2026-04-20T10:59:59Z", "2026-04-20T12:00:00Z"), true),
        (("2026-04-20T10:15:00Z", "2026-04-20T10:30:00Z"), true),
        (("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z"), true),
    ];
    for ((start, end), found) in cases {
        let expected: &[&str] = if found { &["evt_meeting"] } else { &[] };
        assert_eq!(
            uids(&store, window(start, end)).await,
            expected,
            "{start}..{end}"
        );
    }
}

// Pins that an empty calendar list asks nothing and finds nothing.
async fn no_calendars_means_no_events(db: TestDb) {
    let store = store_with_meeting(&db).await;
    let day = window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z");
    assert!(
        store
            .events(&[], EventFilter::Overlapping(day))
            .await
            .unwrap()
            .is_empty()
    );
}

// Pins that a window must have positive length.
#[test]
fn an_empty_or_inverted_window_cannot_be_built() {
    assert!(Window::new(at("2026-04-20T10:00:00Z"), at("2026-04-20T10:00:00Z")).is_err());
    assert!(Window::new(at("2026-04-20T11:00:00Z"), at("2026-04-20T10:00:00Z")).is_err());
}

// Pins durability across closing and reopening the database.
async fn data_persists_after_closing_and_reopening(db: TestDb) {
    drop(store_with_meeting(&db).await);
    let store = db.open().await;
    let alice = store
        .account_by_email("alice@example.com")
        .await
        .unwrap()
        .expect("alice persisted");
    assert_eq!(store.calendars_of(alice.id).await.unwrap()[0].id, "cal_a");
    assert_eq!(
        uids(
            &store,
            window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z")
        )
        .await,
        ["evt_meeting"]
    );
}

// Pins the settings durability depends on: WAL, synchronous=FULL, foreign keys.
#[tokio::test]
async fn the_sqlite_file_is_in_wal_mode_with_full_sync_and_foreign_keys() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let store = db.open().await;
    let settings = store.as_sqlite().unwrap().settings().await.unwrap();
    assert_eq!(settings.journal_mode, "wal");
    assert!(settings.synchronous_full);
    assert!(settings.foreign_keys);
    // WAL mode is stored in the file itself, so any other connection sees it too.
    let freebusy_server::store::Location::Sqlite(path) = &db.location else {
        unreachable!()
    };
    let conn = rusqlite::Connection::open(path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

// Pins the schema version: every migration applied, the same count on both backends.
async fn a_new_database_gets_every_migration(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 8);
    // Opening again migrates nothing and changes nothing.
    drop(store);
    assert_eq!(
        db.open().await.schema_version().await.unwrap(),
        SCHEMA_VERSION
    );
}

// Pins that a database from a newer server is refused rather than misread.
async fn a_newer_schema_is_refused(db: TestDb) {
    drop(db.open().await);
    let newer = match db.backend {
        Backend::Sqlite => "PRAGMA user_version = 99",
        Backend::Postgres => "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')",
    };
    db.execute(newer).await.unwrap();
    match db.try_open(Default::default()).await {
        Err(StoreError::NewerSchema { found: 99, known }) => assert_eq!(known, SCHEMA_VERSION),
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

// Pins "safe when replicas start at once": many stores opening one fresh database
// together all succeed, and the migrations ran once.
async fn stores_opening_a_fresh_database_at_once_migrate_it_once(db: TestDb) {
    let db = Arc::new(db);
    let start = Arc::new(Barrier::new(6));
    let openers: Vec<_> = (0..6)
        .map(|_| {
            let (db, start) = (Arc::clone(&db), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                db.try_open(Default::default()).await
            })
        })
        .collect();
    for opener in openers {
        let store = opener.await.unwrap().expect("every store opens");
        assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    }
    if db.backend == Backend::Postgres {
        let store = db.open().await;
        drop(store);
        let client = common::db::connect(&db.db_flag()).await;
        let applied: i64 = client
            .query_one("SELECT count(*) FROM schema_migrations", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(applied, SCHEMA_VERSION);
    }
}

// Pins incremental sync: last_modified is "on or after", deleted events included.
async fn events_modified_since_includes_the_boundary_and_deletions(db: TestDb) {
    let store = store_with_meeting(&db).await;
    let mut changed = one_meeting();
    changed[0].calendars[0].events[0].deleted = true;
    store
        .import(changed, at("2026-04-21T00:00:00Z"))
        .await
        .unwrap();
    let calendars = ["cal_a".to_owned()];
    let since = store
        .events(
            &calendars,
            EventFilter::ModifiedSince(at("2026-04-21T00:00:00Z")),
        )
        .await
        .unwrap();
    assert_eq!(since.len(), 1);
    assert!(since[0].deleted);
    assert!(
        store
            .events(
                &calendars,
                EventFilter::ModifiedSince(at("2026-04-21T00:00:01Z"))
            )
            .await
            .unwrap()
            .is_empty()
    );
}

// Pins the window bound: an event far longer than the rest, starting long before the
// window, is still found inside it (and its edges are still half-open), also after it
// was lengthened by a later import; events of up to two days and longer ones are both
// found, on either side of the threshold, and whichever way an event changes.
async fn a_long_event_that_began_long_before_the_window_is_found(db: TestDb) {
    let store = db.open().await;
    let day = |n: i64| at("2026-01-01T00:00:00Z") + Duration::days(n);
    let mut events: Vec<EventImport> = (0..200)
        .map(|n| timed(&format!("short_{n}"), day(n), day(n) + Duration::hours(1)))
        .collect();
    events.push(timed("leave", day(10), day(100)));
    store
        .import(alice_with(events), at("2026-01-01T00:00:00Z"))
        .await
        .unwrap();
    let found = |from: i64, to: i64| {
        let store = store.clone();
        async move {
            let window = Window::new(day(from), day(to)).unwrap();
            let mut uids = uids(&store, window).await;
            uids.sort();
            uids
        }
    };
    assert_eq!(found(95, 96).await, ["leave", "short_95"]);
    assert_eq!(found(100, 101).await, ["short_100"], "the end is exclusive");
    assert_eq!(found(99, 100).await, ["leave", "short_99"]);
    // Lengthened in place: the calendar's bound follows the update.
    store
        .import(
            alice_with(vec![timed("leave", day(10), day(150))]),
            at("2026-01-02T00:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(found(149, 150).await, ["leave", "short_149"]);
    // Long events are found through their end: they never widen the calendar's bound,
    // which stays the longest event of at most two days (here one hour).
    let bound = "SELECT longest_event_seconds FROM calendars WHERE id = 'cal_a'";
    assert_eq!(db.query_i64(bound).await, 3600);
    // Two days exactly is the longest the bound takes; a second more is long.
    store
        .import(
            alice_with(vec![
                timed("two_days", day(160), day(162)),
                timed("longer", day(170), day(172) + Duration::seconds(1)),
                // Lengthened from an hour to 47 hours, starting a day and more before.
                timed("short_180", day(180), day(180) + Duration::hours(47)),
            ]),
            at("2026-01-03T00:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(db.query_i64(bound).await, 2 * 86_400);
    assert_eq!(found(161, 162).await, ["short_161", "two_days"]);
    assert_eq!(found(172, 173).await, ["longer", "short_172"]);
    assert_eq!(found(181, 182).await, ["short_180", "short_181"]);
    // Shortened from long to short: found through the bound from then on.
    store
        .import(
            alice_with(vec![timed("leave", day(10), day(11) + Duration::hours(12))]),
            at("2026-01-04T00:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(found(11, 12).await, ["leave", "short_11"]);
    assert_eq!(found(120, 121).await, ["short_120"]);
    // And the free/busy read sees the same.
    let read = store
        .account_events(
            "alice@example.com",
            EventQuery {
                calendars: None,
                window: Window::new(day(171), day(172)).unwrap(),
                all_managed: false,
            },
        )
        .await
        .unwrap()
        .unwrap();
    let mut seen: Vec<&str> = read.overlapping.iter().map(|e| e.uid.as_str()).collect();
    seen.sort();
    assert_eq!(seen, ["longer", "short_171"]);
}

// Pins the order of events and of calendars: bytewise, on both backends (PostgreSQL's
// locale must not reorder ids).
async fn events_and_calendars_are_ordered_bytewise(db: TestDb) {
    let store = db.open().await;
    let ten = at("2026-04-20T10:00:00Z");
    let calendar = |id: &str, uids: &[&str]| CalendarImport {
        id: id.into(),
        name: id.into(),
        events: uids
            .iter()
            .map(|uid| timed(uid, ten, ten + Duration::hours(1)))
            .collect(),
        source: None,
    };
    store
        .import(
            vec![AccountImport {
                email: "Alice@Example.com".into(),
                time_zone: chrono_tz::UTC,
                rules: None,
                calendars: vec![
                    calendar("cal_b", &["b", "B", "_"]),
                    calendar("Cal_A", &["a"]),
                    calendar("cal_a", &["a"]),
                ],
            }],
            ten,
        )
        .await
        .unwrap();
    let alice = store
        .account_by_email("ALICE@example.COM")
        .await
        .unwrap()
        .expect("case-insensitive address");
    assert_eq!(alice.email, "Alice@Example.com", "kept as first stored");
    let ids: Vec<String> = store
        .calendars_of(alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["Cal_A", "cal_a", "cal_b"]);
    let events = store
        .events(
            &ids,
            EventFilter::Overlapping(window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z")),
        )
        .await
        .unwrap();
    let order: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.calendar_id.as_str(), e.uid.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("Cal_A", "a"),
            ("cal_a", "a"),
            ("cal_b", "B"),
            ("cal_b", "_"),
            ("cal_b", "b")
        ]
    );
}

// Pins the PostgreSQL pool's limit: however many operations run at once, a store opens
// at most `pool_size` connections, and every operation still completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_store_never_opens_more_connections_than_its_pool_size() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let options = freebusy_server::store::StoreOptions {
        pool_size: 2,
        ..Default::default()
    };
    let store = db.try_open(options).await.unwrap();
    store
        .import(one_meeting(), at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    let readers: Vec<_> = (0..40)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                uids(
                    &store,
                    window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z"),
                )
                .await
            })
        })
        .collect();
    for reader in readers {
        assert_eq!(reader.await.unwrap(), ["evt_meeting"]);
    }
    let (max, size) = store.as_postgres().unwrap().pool_status();
    assert_eq!(max, 2);
    assert!(size <= 2, "{size} connections");
    let client = common::db::connect(&db.db_flag()).await;
    let open: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'freebusy-server'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(open <= 2, "{open} server connections");
}

// Pins the SQLite readers' limit and timeout: with every reader busy, a read waits at
// most the store's timeout and then fails as "unavailable" (a 503), not forever; and
// writes do not wait for readers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_read_waits_for_a_reader_at_most_its_timeout() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let options = freebusy_server::store::StoreOptions {
        pool_size: 1,
        timeout: std::time::Duration::from_millis(200),
    };
    let store = db.try_open(options).await.unwrap();
    let (let_go, held_until) = std::sync::mpsc::channel::<()>();
    let (taken, is_taken) = tokio::sync::oneshot::channel::<()>();
    let hog = store.clone();
    let holder = tokio::spawn(async move {
        hog.as_sqlite()
            .unwrap()
            .read(move |_| {
                let _ = taken.send(());
                let _ = held_until.recv_timeout(std::time::Duration::from_secs(30));
            })
            .await
    });
    is_taken.await.unwrap();
    match store.counts().await {
        Err(error) => assert!(error.is_unavailable(), "{error}"),
        Ok(counts) => panic!("a read got through a full pool: {counts:?}"),
    }
    store
        .import(one_meeting(), at("2026-04-19T00:00:00Z"))
        .await
        .expect("the writer is not a reader");
    let_go.send(()).unwrap();
    holder.await.unwrap().unwrap();
    assert_eq!(store.counts().await.unwrap().events, 1);
}

on_both_backends!(
    an_event_touching_the_window_edge_is_not_returned,
    no_calendars_means_no_events,
    data_persists_after_closing_and_reopening,
    a_new_database_gets_every_migration,
    a_newer_schema_is_refused,
    stores_opening_a_fresh_database_at_once_migrate_it_once,
    events_modified_since_includes_the_boundary_and_deletions,
    a_long_event_that_began_long_before_the_window_is_found,
    events_and_calendars_are_ordered_bytewise,
);
