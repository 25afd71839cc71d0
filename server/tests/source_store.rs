//! The store's contract for sources, spoken only through `Store` (so a second backend
//! runs the same tests): a source starts unread, a snapshot replaces its events
//! atomically and moves `last_modified` only on change, a stale record is dropped,
//! failures keep the snapshot, a redefinition starts over, a removal deletes what the
//! source brought; and an account's zone places its all-day events.

mod common;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use common::db::TestDb;
use freebusy_core::{Status, Window};
use freebusy_server::store::model::UNREAD_UID;
use freebusy_server::store::{
    AccountImport, CalendarImport, Event, EventFilter, EventImport, EventSpan, ObjectChange,
    Snapshot, SnapshotEvent, SourceDefinition, SourceKind, SourceObject, Store, SyncOutcome,
    SyncRecord,
};

on_both_backends!(
    a_source_starts_unread_and_its_first_snapshot_replaces_the_unknown,
    snapshots_delete_what_went_upstream_but_keep_history_before_the_horizon,
    stale_records_are_dropped_failures_keep_the_snapshot_and_redefinitions_start_over,
    an_accounts_zone_places_its_all_day_events_and_moves_them_when_it_changes,
    objects_are_replaced_changed_removed_or_kept_as_the_snapshot_says,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn definition(fingerprint: &str) -> SourceDefinition {
    SourceDefinition {
        kind: SourceKind::Ics,
        fingerprint: fingerprint.into(),
        writable: false,
    }
}

fn account(
    zone: Tz,
    source: Option<SourceDefinition>,
    events: Vec<EventImport>,
) -> Vec<AccountImport> {
    vec![AccountImport {
        email: "ann@example.com".into(),
        time_zone: zone,
        rules: None,
        calendars: vec![CalendarImport {
            id: "cal_ann".into(),
            name: "Feed".into(),
            events,
            source,
        }],
    }]
}

/// ann's events that overlap `[start, end)`.
async fn overlapping(store: &Store, start: &str, end: &str) -> Vec<Event> {
    store
        .events(
            &["cal_ann".into()],
            EventFilter::Overlapping(Window::new(at(start), at(end)).unwrap()),
        )
        .await
        .unwrap()
}

/// A store on `db` where ann's calendar is the source `f1`, defined at `now` and unread.
async fn with_unread_source(db: &TestDb, now: DateTime<Utc>) -> Store {
    let store = db.open().await;
    store
        .import(account(Tz::UTC, Some(definition("f1")), vec![]), now)
        .await
        .unwrap();
    store
}

async fn live(store: &Store) -> Vec<(String, Status)> {
    let mut events: Vec<(String, Status)> = store
        .events(
            &["cal_ann".into()],
            EventFilter::ModifiedSince(DateTime::UNIX_EPOCH),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|event| !event.deleted)
        .map(|event| (event.uid, event.status))
        .collect();
    events.sort();
    events
}

fn timed(uid: &str, start: &str, end: &str, status: Status) -> SnapshotEvent {
    SnapshotEvent {
        uid: uid.into(),
        span: EventSpan::Timed {
            start: at(start),
            end: at(end),
        },
        status,
    }
}

/// Busy "a" on 21 April and tentative "b" on 22 April.
fn a_and_b() -> Vec<SnapshotEvent> {
    vec![
        timed(
            "a",
            "2026-04-21T09:00:00Z",
            "2026-04-21T10:00:00Z",
            Status::Busy,
        ),
        timed(
            "b",
            "2026-04-22T09:00:00Z",
            "2026-04-22T10:00:00Z",
            Status::Tentative,
        ),
    ]
}

fn snapshot(events: Vec<SnapshotEvent>) -> Snapshot {
    Snapshot {
        objects: ObjectChange::Replace(vec![SourceObject {
            href: "feed.ics".into(),
            etag: Some("\"1\"".into()),
            body: b"BEGIN:VCALENDAR".to_vec(),
        }]),
        horizon: Window::new(at("2026-04-01T00:00:00Z"), at("2026-06-01T00:00:00Z")).unwrap(),
        events,
        report: serde_json::json!({"instances": 2}),
    }
}

fn read(fingerprint: &str, when: &str, snapshot: Option<Snapshot>) -> SyncRecord {
    SyncRecord {
        calendar_id: "cal_ann".into(),
        fingerprint: fingerprint.into(),
        at: at(when),
        next_attempt_at: at(when) + TimeDelta::minutes(5),
        outcome: SyncOutcome::Read {
            cursor: r#"{"etag":"\"1\""}"#.into(),
            body_hash: Some("abc".into()),
            snapshot,
        },
    }
}

async fn a_source_starts_unread_and_its_first_snapshot_replaces_the_unknown(db: TestDb) {
    let now = at("2026-04-20T08:00:00Z");
    let store = with_unread_source(&db, now).await;
    assert_eq!(
        live(&store).await,
        [(UNREAD_UID.to_owned(), Status::Unknown)]
    );
    let record = store.source("cal_ann").await.unwrap().unwrap();
    assert!(record.state.snapshot_at.is_none());
    assert_eq!(record.state.next_attempt_at, now, "due at once");
    let found = store
        .account_events(
            "ann@example.com",
            freebusy_server::store::EventQuery {
                calendars: None,
                window: Window::new(at("2026-04-20T00:00:00Z"), at("2026-04-21T00:00:00Z"))
                    .unwrap(),
                all_managed: false,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.unread, ["cal_ann"]);

    let report = store
        .record_sync(read(
            "f1",
            "2026-04-20T08:01:00Z",
            Some(snapshot(a_and_b())),
        ))
        .await
        .unwrap();
    assert!(report.recorded);
    assert_eq!((report.written, report.deleted), (2, 1));
    assert_eq!(
        live(&store).await,
        [
            ("a".to_owned(), Status::Busy),
            ("b".to_owned(), Status::Tentative)
        ]
    );
    let record = store.source("cal_ann").await.unwrap().unwrap();
    assert_eq!(record.state.snapshot_at, Some(at("2026-04-20T08:01:00Z")));
    assert_eq!(record.state.events, 2);
    assert_eq!(store.source_objects("cal_ann").await.unwrap().len(), 1);

    // The same snapshot again writes nothing: last_modified stays.
    let again = store
        .record_sync(read(
            "f1",
            "2026-04-20T09:00:00Z",
            Some(snapshot(a_and_b())),
        ))
        .await
        .unwrap();
    assert_eq!((again.written, again.deleted), (0, 0));
    let since = store
        .events(
            &["cal_ann".into()],
            EventFilter::ModifiedSince(at("2026-04-20T08:30:00Z")),
        )
        .await
        .unwrap();
    assert!(since.is_empty());
}

async fn snapshots_delete_what_went_upstream_but_keep_history_before_the_horizon(db: TestDb) {
    let store = db.open().await;
    store
        .import(
            account(Tz::UTC, Some(definition("f1")), vec![]),
            at("2026-03-01T00:00:00Z"),
        )
        .await
        .unwrap();
    store
        .record_sync(read(
            "f1",
            "2026-03-01T00:01:00Z",
            Some(snapshot(vec![
                timed(
                    "old",
                    "2026-03-10T09:00:00Z",
                    "2026-03-10T10:00:00Z",
                    Status::Busy,
                ),
                timed(
                    "a",
                    "2026-04-21T09:00:00Z",
                    "2026-04-21T10:00:00Z",
                    Status::Busy,
                ),
                timed(
                    "gone",
                    "2026-04-23T09:00:00Z",
                    "2026-04-23T10:00:00Z",
                    Status::Busy,
                ),
            ])),
        ))
        .await
        .unwrap();
    // A later snapshot (horizon from 1 April) no longer has "gone"; "old" ended before
    // the horizon and stays as it was read.
    let report = store
        .record_sync(read(
            "f1",
            "2026-04-20T08:00:00Z",
            Some(snapshot(vec![timed(
                "a",
                "2026-04-21T09:00:00Z",
                "2026-04-21T10:00:00Z",
                Status::Busy,
            )])),
        ))
        .await
        .unwrap();
    assert_eq!(report.deleted, 1);
    assert_eq!(
        live(&store).await,
        [
            ("a".to_owned(), Status::Busy),
            ("old".to_owned(), Status::Busy)
        ]
    );
}

async fn stale_records_are_dropped_failures_keep_the_snapshot_and_redefinitions_start_over(
    db: TestDb,
) {
    let now = at("2026-04-20T08:00:00Z");
    let store = with_unread_source(&db, now).await;
    let event = timed(
        "a",
        "2026-04-21T09:00:00Z",
        "2026-04-21T10:00:00Z",
        Status::Busy,
    );
    store
        .record_sync(read(
            "f1",
            "2026-04-20T08:01:00Z",
            Some(snapshot(vec![event.clone()])),
        ))
        .await
        .unwrap();

    let failure = SyncRecord {
        outcome: SyncOutcome::Failed {
            error: "the upstream answered HTTP 500".into(),
        },
        ..read("f1", "2026-04-20T08:10:00Z", None)
    };
    assert!(store.record_sync(failure.clone()).await.unwrap().recorded);
    store.record_sync(failure).await.unwrap();
    let record = store.source("cal_ann").await.unwrap().unwrap();
    assert_eq!(record.state.failures, 2);
    assert_eq!(
        record.state.last_error.as_deref(),
        Some("the upstream answered HTTP 500")
    );
    assert_eq!(
        record.state.last_success_at,
        Some(at("2026-04-20T08:01:00Z"))
    );
    assert_eq!(live(&store).await, [("a".to_owned(), Status::Busy)]);

    // A record for another definition (the config changed meanwhile) writes nothing.
    let stale = store
        .record_sync(read("f0", "2026-04-20T08:20:00Z", Some(snapshot(vec![]))))
        .await
        .unwrap();
    assert!(!stale.recorded);
    assert_eq!(live(&store).await, [("a".to_owned(), Status::Busy)]);

    // Redefined (another URL): unread again, its old events and objects gone.
    store
        .import(account(Tz::UTC, Some(definition("f2")), vec![]), now)
        .await
        .unwrap();
    assert_eq!(
        live(&store).await,
        [(UNREAD_UID.to_owned(), Status::Unknown)]
    );
    let record = store.source("cal_ann").await.unwrap().unwrap();
    assert!(record.state.snapshot_at.is_none() && record.state.failures == 0);
    assert!(store.source_objects("cal_ann").await.unwrap().is_empty());

    // Removed from the config: nothing of it stays live.
    assert_eq!(store.retire_sources_except(vec![], now).await.unwrap(), 1);
    assert!(store.sources().await.unwrap().is_empty());
    assert!(live(&store).await.is_empty());
}

async fn an_accounts_zone_places_its_all_day_events_and_moves_them_when_it_changes(db: TestDb) {
    let store = db.open().await;
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 4, d).unwrap();
    let holiday = EventImport {
        uid: "holiday".into(),
        event_id: None,
        span: EventSpan::AllDay {
            start: day(24),
            end: day(25),
        },
        status: Status::Busy,
        deleted: false,
        last_modified: None,
    };
    let now = at("2026-04-01T00:00:00Z");
    let berlin: Tz = "Europe/Berlin".parse().unwrap();
    store
        .import(account(berlin, None, vec![holiday.clone()]), now)
        .await
        .unwrap();
    // 24 April in Berlin starts at 22:00 UTC on the 23rd.
    let found = overlapping(&store, "2026-04-23T22:00:00Z", "2026-04-23T23:00:00Z").await;
    assert_eq!(found.len(), 1);
    assert_eq!(
        store
            .account_by_email("ann@example.com")
            .await
            .unwrap()
            .unwrap()
            .time_zone,
        berlin
    );

    // Back to UTC: the same dates, now from UTC midnight; last_modified unchanged.
    store
        .import(
            account(Tz::UTC, None, vec![holiday]),
            at("2026-04-02T00:00:00Z"),
        )
        .await
        .unwrap();
    let found = overlapping(&store, "2026-04-23T22:00:00Z", "2026-04-23T23:00:00Z").await;
    assert!(found.is_empty());
    let found = overlapping(&store, "2026-04-24T23:00:00Z", "2026-04-25T00:00:00Z").await;
    assert_eq!(found[0].last_modified, now);
}

// Pins the stored objects (what a CalDAV delta is merged with): Replace makes them
// exactly these, Apply changes some and removes others by href, Keep leaves them; always
// ordered by href, bytes as given.
async fn objects_are_replaced_changed_removed_or_kept_as_the_snapshot_says(db: TestDb) {
    let store = with_unread_source(&db, at("2026-04-20T08:00:00Z")).await;
    let object = |href: &str, etag: Option<&str>, body: &[u8]| SourceObject {
        href: href.into(),
        etag: etag.map(str::to_owned),
        body: body.to_vec(),
    };
    let stored = async || -> Vec<(String, Option<String>, Vec<u8>)> {
        store
            .source_objects("cal_ann")
            .await
            .unwrap()
            .into_iter()
            .map(|o| (o.href, o.etag, o.body))
            .collect()
    };
    let with = |objects: ObjectChange| Snapshot {
        objects,
        ..snapshot(a_and_b())
    };
    let replace = ObjectChange::Replace(vec![
        object("/cal/b.ics", Some("\"b1\""), b"B1"),
        object("/cal/a.ics", None, b"A1\x00\xff"),
    ]);
    store
        .record_sync(read("f1", "2026-04-20T08:01:00Z", Some(with(replace))))
        .await
        .unwrap();
    assert_eq!(
        stored().await,
        [
            ("/cal/a.ics".into(), None, b"A1\x00\xff".to_vec()),
            ("/cal/b.ics".into(), Some("\"b1\"".into()), b"B1".to_vec()),
        ]
    );
    let apply = ObjectChange::Apply {
        changed: vec![
            object("/cal/b.ics", Some("\"b2\""), b"B2"),
            object("/cal/c.ics", Some("\"c1\""), b"C1"),
        ],
        removed: vec!["/cal/a.ics".into(), "/cal/gone-already.ics".into()],
    };
    store
        .record_sync(read("f1", "2026-04-20T08:02:00Z", Some(with(apply))))
        .await
        .unwrap();
    let after_apply = vec![
        (
            "/cal/b.ics".to_owned(),
            Some("\"b2\"".to_owned()),
            b"B2".to_vec(),
        ),
        (
            "/cal/c.ics".to_owned(),
            Some("\"c1\"".to_owned()),
            b"C1".to_vec(),
        ),
    ];
    assert_eq!(stored().await, after_apply);
    store
        .record_sync(read(
            "f1",
            "2026-04-20T08:03:00Z",
            Some(with(ObjectChange::Keep)),
        ))
        .await
        .unwrap();
    assert_eq!(stored().await, after_apply);
}
