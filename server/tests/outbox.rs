//! The outbox, end to end and as a store contract.
//!
//! - Store (both backends, spoken only through `Store`): a booking whose host has a
//!   writable CalDAV source calendar gets one message in its own transaction (a host
//!   without one gets none); a cancel adds its removal, once, due only after the write is
//!   settled; messages are taken under leases and only the lease's holder settles them;
//!   retries move the due time; giving up keeps the reason.
//! - CalDAV (a real Radicale or Xandikos per test, the app over a real socket): a
//!   booking appears in the host's calendar with its times, UID, organizer, attendee and
//!   note; a cancel removes it; with the CalDAV server down the booking still answers 201
//!   and the event appears once the server is back; the event read back by the sync is
//!   not a second blocker, and a cancelled booking's time is free at once.

mod common;

#[path = "common/caldav_peer.rs"]
#[macro_use]
mod caldav_peer;

use std::time::Duration;

use caldav_peer::{Kind, PASSWORD, Peer, USER};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use common::client;
use common::db::TestDb;
use common::source_api::{next_monday, start, wait_for, wait_for_state, zonio_week};
use freebusy_core::Window;
use freebusy_core::rule::{Reason, Refusal};
use freebusy_server::booking;
use freebusy_server::store::{
    AccountImport, Blocking, BookingGuard, BookingOutcome, BookingTerms, CalendarImport,
    DeliveryKind, HostSnapshot, NewBooking, OUTBOX_LEASE, ObjectChange, OutboxAction,
    OutboxOutcome, OutboxState, Snapshot, SourceDefinition, SourceKind, Store, SyncOutcome,
    SyncRecord,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    a_booking_writes_one_message_per_writable_calendar_of_its_hosts_in_its_transaction,
    a_booking_of_a_read_only_source_owes_nothing,
    a_booking_the_rules_accept_owes_its_write_and_a_refused_one_nothing,
    a_cancel_waits_for_the_write_and_only_the_lease_holder_settles_a_message,
    retries_move_the_due_time_and_giving_up_keeps_the_reason,
);

on_both_peers!(
    a_booking_appears_in_the_hosts_caldav_calendar_and_a_cancel_removes_it,
    a_booking_made_while_the_caldav_server_is_down_lands_once_it_is_back,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

const NOW: &str = "2026-04-20T08:00:00Z";

/// ann with the CalDAV source `cal_ann` (writable or not), read once and empty, and bob
/// with a plain calendar.
async fn store_with_source(db: &TestDb, writable: bool) -> (Store, i64, i64) {
    let store = db.open().await;
    let source = SourceDefinition {
        kind: SourceKind::Caldav,
        fingerprint: "f1".into(),
        writable,
    };
    let calendar = |id: &str, source: Option<SourceDefinition>| CalendarImport {
        id: id.into(),
        name: id.into(),
        events: vec![],
        source,
    };
    store
        .import(
            vec![
                AccountImport {
                    email: "ann@example.com".into(),
                    time_zone: Tz::UTC,
                    rules: None,
                    calendars: vec![calendar("cal_ann", Some(source))],
                },
                AccountImport {
                    email: "bob@example.com".into(),
                    time_zone: Tz::UTC,
                    rules: None,
                    calendars: vec![calendar("cal_bob", None)],
                },
            ],
            at(NOW),
        )
        .await
        .unwrap();
    let read = SyncRecord {
        calendar_id: "cal_ann".into(),
        fingerprint: "f1".into(),
        at: at(NOW),
        next_attempt_at: at(NOW) + TimeDelta::minutes(5),
        outcome: SyncOutcome::Read {
            cursor: "{}".into(),
            body_hash: None,
            snapshot: Some(Snapshot {
                objects: ObjectChange::Replace(vec![]),
                horizon: Window::new(at("2026-04-01T00:00:00Z"), at("2026-06-01T00:00:00Z"))
                    .unwrap(),
                events: vec![],
                report: json!({}),
            }),
        },
    };
    assert!(store.record_sync(read).await.unwrap().recorded);
    let id = |email: &'static str| {
        let store = store.clone();
        async move { store.account_by_email(email).await.unwrap().unwrap().id }
    };
    let (ann, bob) = (id("ann@example.com").await, id("bob@example.com").await);
    (store, ann, bob)
}

/// A 30-minute booking of `hosts` on 2026-04-21, `offset` hours after 10:00 UTC.
fn booking_of(hosts: Vec<i64>, offset: i64) -> NewBooking {
    let start = at("2026-04-21T10:00:00Z") + TimeDelta::hours(offset);
    NewBooking {
        terms: BookingTerms {
            hosts,
            start,
            end: start + TimeDelta::minutes(30),
            booker_name: "Dana".into(),
            booker_email: "dana@example.org".into(),
            note: None,
        },
        idempotency_key: Some(format!("key-{offset}")),
        cancel_token_hash: "hash".into(),
        audience: Default::default(),
    }
}

/// Books `hosts` 10:00-10:30 on 2026-04-21 plus `offset` hours; the booking's id.
async fn book(store: &Store, hosts: Vec<i64>, offset: i64) -> String {
    common::book_in_store(store, booking_of(hosts, offset), at(NOW)).await
}

/// A guard over the booking's day that answers `verdict`, whatever it sees.
fn guard(verdict: Result<(), Refusal>) -> BookingGuard {
    BookingGuard {
        window: Window::new(at("2026-04-21T00:00:00Z"), at("2026-04-22T00:00:00Z")).unwrap(),
        check: Box::new(move |_: &[HostSnapshot]| verdict),
    }
}

// Pins the path every HTTP booking takes (the hosts' rules checked in the transaction):
// it owes its write-back like any other, and a booking the rules refuse owes nothing.
async fn a_booking_the_rules_accept_owes_its_write_and_a_refused_one_nothing(db: TestDb) {
    let (store, ann, _) = store_with_source(&db, true).await;
    let blocking = Blocking { tentative: true };
    let refusal = Refusal::Host {
        host: 0,
        reason: Reason::OutsideWorkingHours,
    };
    let refused = store
        .insert_booking_checked(
            booking_of(vec![ann], 0),
            blocking,
            guard(Err(refusal)),
            at(NOW),
        )
        .await
        .unwrap();
    assert_eq!(refused, BookingOutcome::Refused(refusal));
    assert_eq!(db.query_i64("SELECT count(*) FROM outbox").await, 0);

    let accepted = store
        .insert_booking_checked(booking_of(vec![ann], 1), blocking, guard(Ok(())), at(NOW))
        .await
        .unwrap();
    let BookingOutcome::Created(booking) = accepted else {
        panic!("expected a booking, got {accepted:?}")
    };
    let messages = store.outbox_of(&booking.id).await.unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(
        (messages[0].action, messages[0].target.as_str()),
        (OutboxAction::Created, "cal_ann")
    );
    assert_eq!(db.query_i64("SELECT count(*) FROM outbox").await, 1);
}

async fn a_booking_writes_one_message_per_writable_calendar_of_its_hosts_in_its_transaction(
    db: TestDb,
) {
    let (store, ann, bob) = store_with_source(&db, true).await;
    let both = book(&store, vec![ann, bob], 0).await;
    let messages = store.outbox_of(&both).await.unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(
        (
            message.kind,
            message.action,
            message.state,
            message.target.as_str()
        ),
        (
            DeliveryKind::CalendarWrite,
            OutboxAction::Created,
            OutboxState::Pending,
            "cal_ann"
        )
    );
    assert_eq!((message.attempts, message.due_at), (0, at(NOW)));
    assert_eq!(message.id.len(), 32);

    let bobs = book(&store, vec![bob], 1).await;
    assert!(store.outbox_of(&bobs).await.unwrap().is_empty());
    // The message ids are unique per row, never the booking's.
    let other = book(&store, vec![ann], 2).await;
    let other = &store.outbox_of(&other).await.unwrap()[0];
    assert_ne!(other.id, message.id);
    assert_eq!(db.query_i64("SELECT count(*) FROM outbox").await, 2);
}

async fn a_booking_of_a_read_only_source_owes_nothing(db: TestDb) {
    let (store, ann, _) = store_with_source(&db, false).await;
    let id = book(&store, vec![ann], 0).await;
    assert!(store.outbox_of(&id).await.unwrap().is_empty());
}

async fn a_cancel_waits_for_the_write_and_only_the_lease_holder_settles_a_message(db: TestDb) {
    let (store, ann, _) = store_with_source(&db, true).await;
    let id = book(&store, vec![ann], 0).await;
    let later = at(NOW) + TimeDelta::minutes(1);
    store
        .cancel_booking(&id, "hash", later)
        .await
        .unwrap()
        .unwrap();
    // Cancelling again writes no second removal.
    store
        .cancel_booking(&id, "hash", later)
        .await
        .unwrap()
        .unwrap();
    let messages = store.outbox_of(&id).await.unwrap();
    let actions: Vec<_> = messages.iter().map(|m| m.action).collect();
    assert_eq!(actions, [OutboxAction::Created, OutboxAction::Cancelled]);
    let (create, removal) = (&messages[0], &messages[1]);

    // Only the write is due: the removal may not overtake it.
    let due: Vec<String> = ids(store.due_outbox(later, 10).await.unwrap());
    assert_eq!(due, [create.id.as_str()]);

    let ttl = Duration::from_secs(60);
    let lease = store
        .acquire_lease(OUTBOX_LEASE, &create.id, "worker-a", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .acquire_lease(OUTBOX_LEASE, &create.id, "worker-b", ttl)
            .await
            .unwrap()
            .is_none(),
        "a held message is not taken twice"
    );
    // A worker whose lease is not (or no longer) the current one records nothing.
    let stale = freebusy_server::store::Lease {
        generation: lease.generation + 1,
        ..lease.clone()
    };
    let written = r#"{"url":"http://127.0.0.1:1/c/x.ics","etag":"\"e1\""}"#;
    let delivered = || OutboxOutcome::Delivered {
        result: Some(written.into()),
    };
    assert!(
        !store
            .finish_outbox(&stale, delivered(), later)
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_outbox(&lease, delivered(), later)
            .await
            .unwrap()
    );
    // Settled once: a second report is refused.
    assert!(
        !store
            .finish_outbox(&lease, delivered(), later)
            .await
            .unwrap()
    );
    store.release_lease(&lease).await.unwrap();

    let create = store.outbox_message(&create.id).await.unwrap().unwrap();
    assert_eq!(
        (create.state, create.attempts, create.done_at),
        (OutboxState::Done, 1, Some(later))
    );
    assert_eq!(create.result.as_deref(), Some(written));
    // Now the removal is due, and carries what the write left (where, and the ETag).
    let due = store.due_outbox(later, 10).await.unwrap();
    assert_eq!(ids(due.clone()), [removal.id.as_str()]);
    assert_eq!(due[0].created_result.as_deref(), Some(written));
    assert_eq!(store.next_outbox_due().await.unwrap(), Some(later));
}

async fn retries_move_the_due_time_and_giving_up_keeps_the_reason(db: TestDb) {
    let (store, ann, _) = store_with_source(&db, true).await;
    let id = book(&store, vec![ann], 0).await;
    let message = store.outbox_of(&id).await.unwrap().remove(0);
    let ttl = Duration::from_secs(60);
    let lease = store
        .acquire_lease(OUTBOX_LEASE, &message.id, "worker-a", ttl)
        .await
        .unwrap()
        .unwrap();
    let retry_at = at(NOW) + TimeDelta::seconds(4);
    let retry = OutboxOutcome::Retry {
        at: retry_at,
        error: "the upstream answered HTTP 503".into(),
    };
    assert!(store.finish_outbox(&lease, retry, at(NOW)).await.unwrap());
    assert!(store.due_outbox(at(NOW), 10).await.unwrap().is_empty());
    assert_eq!(store.next_outbox_due().await.unwrap(), Some(retry_at));
    let due = store.due_outbox(retry_at, 10).await.unwrap();
    assert_eq!(
        (due[0].attempts, due[0].last_error.as_deref()),
        (1, Some("the upstream answered HTTP 503"))
    );

    let gave_up = OutboxOutcome::GaveUp {
        error: "the upstream refused the credentials (HTTP 401)".into(),
    };
    assert!(
        store
            .finish_outbox(&lease, gave_up, retry_at)
            .await
            .unwrap()
    );
    let message = store.outbox_message(&message.id).await.unwrap().unwrap();
    assert_eq!(message.state, OutboxState::Failed);
    assert_eq!(message.attempts, 2);
    assert_eq!(
        message.last_error.as_deref(),
        Some("the upstream refused the credentials (HTTP 401)")
    );
    assert!(
        store
            .due_outbox(retry_at + TimeDelta::days(9), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.next_outbox_due().await.unwrap(), None);
}

fn ids(messages: Vec<freebusy_server::store::OutboxMessage>) -> Vec<String> {
    messages.into_iter().map(|message| message.id).collect()
}

// ---- CalDAV, end to end ----

const CALENDAR: &str = "cal_ann_caldav";

fn day(offset: u64) -> NaiveDate {
    next_monday() + Days::new(offset)
}

/// A seed where ann's only calendar is the peer's collection, written back to; her
/// rules are open ([`common::OPEN_RULES`]): these tests are about the write-back.
fn seed(peer: &Peer, dir: &tempfile::TempDir) -> String {
    let mut source = json!({
        "kind": "caldav", "url": peer.calendar.as_str(), "interval_seconds": 3600,
        "timeout_seconds": 5, "write_bookings": true,
    });
    if peer.kind == Kind::Radicale {
        let password = dir.path().join("password");
        std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
        source["username"] = json!(USER);
        source["password_file"] = json!(password.display().to_string());
    }
    let rules: Value = serde_json::from_str(common::OPEN_RULES).unwrap();
    json!({"accounts": [{"email": "ann@example.com", "rules": rules, "calendars": [
        {"id": CALENDAR, "name": "Work", "source": source}
    ]}]})
    .to_string()
}

/// A booking of ann next Tuesday 10:00-11:00 UTC.
fn booking_body(key: &str) -> Value {
    json!({
        "hosts": ["ann@example.com"],
        "start": format!("{}T10:00:00Z", day(1)),
        "end": format!("{}T11:00:00Z", day(1)),
        "name": "Dana Visitor",
        "email": "dana@example.org",
        "note": "About the roadmap; and pricing",
        "idempotency_key": key,
    })
}

/// Books ann next Tuesday 10:00-11:00 UTC; the 201's body.
async fn book_ann(server: &common::TestServer) -> Value {
    let response = client()
        .post(server.url("/v1/bookings"))
        .json(&booking_body("outbox-test-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// The booking's event in the peer, once it is there (or gone, with `present` false).
async fn wait_for_event(peer: &Peer, id: &str, present: bool) -> Option<String> {
    let name = format!("{}.ics", booking::event_uid(id));
    wait_for(
        if present {
            "the event upstream"
        } else {
            "the event gone"
        },
        || async { peer.get_upstream(&name).await.is_some() == present },
    )
    .await;
    peer.get_upstream(&name).await
}

/// The Zonio-style busy periods of ann next week.
async fn week_periods(server: &common::TestServer) -> Value {
    let (status, periods) = zonio_week(server).await;
    assert_eq!(status, StatusCode::OK, "{periods}");
    periods
}

fn tuesday_ten() -> Value {
    json!([{
        "start": format!("{}T10:00:00Z", day(1)),
        "end": format!("{}T11:00:00Z", day(1)),
        "type": "busy",
    }])
}

async fn a_booking_appears_in_the_hosts_caldav_calendar_and_a_cancel_removes_it(kind: Kind) {
    let Some(peer) = Peer::start(kind, &[]).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (state, server) = start(&seed(&peer, &dir), &[]).await;
    wait_for_state(&server, "ok").await;

    let booked = book_ann(&server).await;
    let id = booked["id"].as_str().unwrap();
    let text = wait_for_event(&peer, id, true).await.unwrap();
    let d = day(1).format("%Y%m%d");
    for line in [
        format!("UID:{}", booking::event_uid(id)),
        format!("DTSTART:{d}T100000Z"),
        format!("DTEND:{d}T110000Z"),
        "ORGANIZER:mailto:ann@example.com".to_owned(),
        "DESCRIPTION:About the roadmap\\; and pricing".to_owned(),
        "SUMMARY:Booking: Dana Visitor".to_owned(),
    ] {
        assert!(
            text.lines().any(|l| l.trim_end() == line),
            "{line} in\n{text}"
        );
    }
    assert!(text.contains("mailto:dana@example.org"), "{text}");
    wait_for("the write settled", || async {
        state.store().outbox_of(id).await.unwrap()[0].state == OutboxState::Done
    })
    .await;
    let messages = state.store().outbox_of(id).await.unwrap();
    assert!(messages[0].result.as_deref().unwrap().contains("\"url\""));

    // Read back by the sync, the event is not a second blocker: one busy hour.
    state.sources().read_now(CALENDAR).await;
    assert_eq!(week_periods(&server).await, tuesday_ten());

    let cancel = client()
        .delete(server.url(&format!("/v1/bookings/{id}")))
        .bearer_auth(booked["cancel_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), StatusCode::NO_CONTENT);
    // Free at once, before the removal upstream is even read back.
    assert_eq!(week_periods(&server).await, json!([]));
    wait_for_event(&peer, id, false).await;
    wait_for("the removal settled", || async {
        state.store().outbox_of(id).await.unwrap()[1].state == OutboxState::Done
    })
    .await;
    state.sources().read_now(CALENDAR).await;
    assert_eq!(week_periods(&server).await, json!([]));
}

async fn a_booking_made_while_the_caldav_server_is_down_lands_once_it_is_back(kind: Kind) {
    let Some(mut peer) = Peer::start(kind, &[]).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (state, server) = start(&seed(&peer, &dir), &[]).await;
    wait_for_state(&server, "ok").await;
    peer.stop();

    // The snapshot still serves, so the booking is taken: 201, and the slot is busy.
    let booked = book_ann(&server).await;
    let id = booked["id"].as_str().unwrap().to_owned();
    assert_eq!(week_periods(&server).await, tuesday_ten());
    wait_for("a failed attempt", || async {
        let message = state.store().outbox_of(&id).await.unwrap().remove(0);
        message.attempts >= 1 && message.state == OutboxState::Pending
    })
    .await;
    let message = state.store().outbox_of(&id).await.unwrap().remove(0);
    let error = message.last_error.unwrap();
    assert!(error.contains("connect"), "{error}");
    assert!(
        !error.contains("127.0.0.1"),
        "no URL in the reason: {error}"
    );

    peer.restart().await;
    let text = wait_for_event(&peer, &id, true).await.unwrap();
    assert!(text.contains(&booking::event_uid(&id)));
    assert_eq!(week_periods(&server).await, tuesday_ten());
}

const BINARY: &str = env!("CARGO_BIN_EXE_freebusy-server");

/// The real binary on `seed` and `db`, and its base URL.
fn binary(seed: &std::path::Path, db: &std::path::Path) -> (common::Running, String) {
    let mut child = common::Running(common::binary_with_seed(BINARY, seed, db).spawn().unwrap());
    // Logs are not read here; drain them so the child never blocks on a full pipe.
    let _ = common::collect_stderr(&mut child.0);
    let base = common::listening_url(&mut child.0).unwrap_or_else(|line| panic!("{line:?}"));
    (child, base)
}

fn query(db: &std::path::Path, sql: &str) -> i64 {
    common::sqlite_number(db, sql)
}

// `kill -9` after the 201 of a booking whose calendar write could not be delivered yet
// (the CalDAV server is down): a new process on the same database delivers it once the
// CalDAV server is back. The kill waits for the first failed attempt to be recorded and
// its lease released, so the new process need not wait for a dead one's lease to lapse.
#[tokio::test]
async fn a_write_owed_when_the_server_is_killed_is_delivered_by_the_next_process() {
    let Some(mut peer) = Peer::start(Kind::Radicale, &[]).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, self::seed(&peer, &dir)).unwrap();
    let db = dir.path().join("db.sqlite3");

    let (mut first, base) = binary(&seed, &db);
    let status = || async {
        let report: Value = client()
            .get(format!("{base}/v1/sources"))
            .bearer_auth("ops")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        report["sources"][0]["state"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    wait_for("the source read", || async { status().await == "ok" }).await;
    peer.stop();
    let response = client()
        .post(format!("{base}/v1/bookings"))
        .json(&booking_body("kill-9"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    common::kill_9_once_tried(&mut first, &db).await;

    peer.restart().await;
    let (_second, _) = binary(&seed, &db);
    wait_for_event(&peer, &id, true).await;
    wait_for("the write recorded as done", || async {
        query(&db, "SELECT count(*) FROM outbox WHERE state = 'done'") == 1
    })
    .await;
}
