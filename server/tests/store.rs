//! The store: window semantics, durability settings, persistence and schema versions.

use chrono::{DateTime, Utc};
use freebusy_server::store::{
    AccountImport, CalendarImport, EventImport, EventSpan, Status, Store, StoreError, Window,
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
        }],
    }]
}

fn store_with_meeting(dir: &tempfile::TempDir) -> Store {
    let mut store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
    store
        .import(&one_meeting(), at("2026-04-19T00:00:00Z"))
        .unwrap();
    store
}

fn uids(store: &Store, window: Window) -> Vec<String> {
    store
        .events_overlapping(&["cal_a".to_owned()], window)
        .unwrap()
        .into_iter()
        .map(|event| event.uid)
        .collect()
}

// Pins half-open overlap: touching at either edge is not overlapping.
#[test]
fn an_event_touching_the_window_edge_is_not_returned() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_meeting(&dir);
    assert!(
        uids(
            &store,
            window("2026-04-20T11:00:00Z", "2026-04-20T12:00:00Z")
        )
        .is_empty()
    );
    assert!(
        uids(
            &store,
            window("2026-04-20T09:00:00Z", "2026-04-20T10:00:00Z")
        )
        .is_empty()
    );
    assert_eq!(
        uids(
            &store,
            window("2026-04-20T10:59:59Z", "2026-04-20T12:00:00Z")
        ),
        ["evt_meeting"]
    );
    assert_eq!(
        uids(
            &store,
            window("2026-04-20T10:15:00Z", "2026-04-20T10:30:00Z")
        ),
        ["evt_meeting"]
    );
    assert_eq!(
        uids(
            &store,
            window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z")
        ),
        ["evt_meeting"]
    );
}

// Pins that an empty calendar list asks nothing and finds nothing.
#[test]
fn no_calendars_means_no_events() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_meeting(&dir);
    let day = window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z");
    assert!(store.events_overlapping(&[], day).unwrap().is_empty());
}

// Pins that a window must have positive length.
#[test]
fn an_empty_or_inverted_window_cannot_be_built() {
    assert!(Window::new(at("2026-04-20T10:00:00Z"), at("2026-04-20T10:00:00Z")).is_none());
    assert!(Window::new(at("2026-04-20T11:00:00Z"), at("2026-04-20T10:00:00Z")).is_none());
}

// Pins durability across close and reopen of the same file.
#[test]
fn data_persists_after_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    drop(store_with_meeting(&dir));
    let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
    let alice = store
        .account_by_email("alice@example.com")
        .unwrap()
        .expect("alice persisted");
    assert_eq!(store.calendars_of(alice.id).unwrap()[0].id, "cal_a");
    assert_eq!(
        uids(
            &store,
            window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z")
        ),
        ["evt_meeting"]
    );
}

// Pins the settings durability depends on: WAL, synchronous=FULL, foreign keys.
#[test]
fn the_file_is_in_wal_mode_with_full_sync_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    let settings = store.settings().unwrap();
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
#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    match Store::open(&path) {
        Err(StoreError::NewerSchema {
            found: 99,
            known: 2,
        }) => {}
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

// Pins incremental sync: last_modified is "on or after", deleted events included.
#[test]
fn events_modified_since_includes_the_boundary_and_deletions() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_meeting(&dir);
    let mut changed = one_meeting();
    changed[0].calendars[0].events[0].deleted = true;
    store.import(&changed, at("2026-04-21T00:00:00Z")).unwrap();
    let calendars = ["cal_a".to_owned()];
    let since = store
        .events_modified_since(&calendars, at("2026-04-21T00:00:00Z"))
        .unwrap();
    assert_eq!(since.len(), 1);
    assert!(since[0].deleted);
    assert!(
        store
            .events_modified_since(&calendars, at("2026-04-21T00:00:01Z"))
            .unwrap()
            .is_empty()
    );
}
