//! The store: window semantics, durability settings, persistence and schema versions.

use chrono::{DateTime, Utc};
use freebusy_core::{Status, Window};
use freebusy_server::store::{
    AccountImport, CalendarImport, EventFilter, EventImport, EventSpan, Location, Store, StoreError,
};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn window(start: &str, end: &str) -> Window {
    Window::new(at(start), at(end)).unwrap()
}

/// One account with one calendar `cal_a` holding a busy event 10:00–11:00 UTC.
fn one_meeting() -> Vec<AccountImport> {
    vec![AccountImport {
        email: "alice@example.com".into(),
        time_zone: chrono_tz::UTC,
        rules: None,
        calendars: vec![CalendarImport {
            id: "cal_a".into(),
            name: "Work".into(),
            events: vec![EventImport {
                uid: "evt_meeting".into(),
                event_id: None,
                span: EventSpan::Timed {
                    start: at("2026-04-20T10:00:00Z"),
                    end: at("2026-04-20T11:00:00Z"),
                },
                status: Status::Busy,
                deleted: false,
                last_modified: None,
            }],
            source: None,
        }],
    }]
}

async fn open(path: &std::path::Path) -> Result<Store, StoreError> {
    Store::open(&Location::Sqlite(path.to_owned())).await
}

async fn store_with_meeting(dir: &tempfile::TempDir) -> Store {
    let store = open(&dir.path().join("store.sqlite3")).await.unwrap();
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
#[tokio::test]
async fn an_event_touching_the_window_edge_is_not_returned() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_meeting(&dir).await;
    assert!(
        uids(
            &store,
            window("2026-04-20T11:00:00Z", "2026-04-20T12:00:00Z")
        )
        .await
        .is_empty()
    );
    assert!(
        uids(
            &store,
            window("2026-04-20T09:00:00Z", "2026-04-20T10:00:00Z")
        )
        .await
        .is_empty()
    );
    assert_eq!(
        uids(
            &store,
            window("2026-04-20T10:59:59Z", "2026-04-20T12:00:00Z")
        )
        .await,
        ["evt_meeting"]
    );
    assert_eq!(
        uids(
            &store,
            window("2026-04-20T10:15:00Z", "2026-04-20T10:30:00Z")
        )
        .await,
        ["evt_meeting"]
    );
    assert_eq!(
        uids(
            &store,
            window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z")
        )
        .await,
        ["evt_meeting"]
    );
}

// Pins that an empty calendar list asks nothing and finds nothing.
#[tokio::test]
async fn no_calendars_means_no_events() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_meeting(&dir).await;
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

// Pins durability across close and reopen of the same file.
#[tokio::test]
async fn data_persists_after_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    drop(store_with_meeting(&dir).await);
    let store = open(&dir.path().join("store.sqlite3")).await.unwrap();
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
async fn the_file_is_in_wal_mode_with_full_sync_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let store = open(&path).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 4);
    let settings = store.as_sqlite().unwrap().settings().await.unwrap();
    assert_eq!(settings.journal_mode, "wal");
    assert!(settings.synchronous_full);
    assert!(settings.foreign_keys);
    // WAL mode is stored in the file itself, so any other connection sees it too.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

// Pins that a file from a newer server is refused rather than misread.
#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    drop(open(&path).await.unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    match open(&path).await {
        Err(StoreError::NewerSchema {
            found: 99,
            known: 4,
        }) => {}
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

// Pins incremental sync: last_modified is "on or after", deleted events included.
#[tokio::test]
async fn events_modified_since_includes_the_boundary_and_deletions() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_meeting(&dir).await;
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
