//! Moving a booking (issue 17), as a store contract on both backends and as a write-back
//! to a real CalDAV server.
//!
//! - Store: a booking moves to a free time (also into part of its own old time) keeping
//!   its id, hosts and terms, its `sequence` raised and its old time free; a time that is
//!   not free changes nothing; a wrong token or id finds nothing; a cancelled booking
//!   cannot move; the same move again changes nothing; each move writes one
//!   `rescheduled` message per target a `created` one went to, none after a cancel; and
//!   many moves and bookings racing for one slot (from two stores on one database, as
//!   two processes) leave exactly one winner.
//! - CalDAV (Radicale and Xandikos): after a reschedule over HTTP the peer holds the
//!   event once, at the new time with the higher SEQUENCE; an event the host edited
//!   meanwhile (a 412 on `If-Match`) is read back and replaced because it is still ours.

mod common;

#[path = "common/caldav_peer.rs"]
#[macro_use]
mod caldav_peer;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use caldav_peer::{Kind, PASSWORD, Peer, USER};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use common::client;
use common::db::TestDb;
use common::source_api::{next_monday, start, wait_for, wait_for_state, zonio_week};
use freebusy_core::rule::{Reason, Refusal};
use freebusy_core::{Status, Window};
use freebusy_server::booking;
use freebusy_server::store::{
    AccountImport, Audience, Blocker, Blocking, BookingGuard, BookingOutcome, BookingTerms,
    CalendarImport, EventImport, EventSpan, NewBooking, OUTBOX_LEASE, ObjectChange, OutboxAction,
    OutboxOutcome, OutboxState, Reschedule, RescheduleOutcome, Snapshot, SourceDefinition,
    SourceKind, Store, SyncOutcome, SyncRecord,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Barrier;

on_both_backends!(
    a_booking_moves_to_a_free_time_keeping_its_id_and_raising_its_sequence,
    a_move_into_part_of_its_own_old_time_is_free,
    a_time_that_is_not_free_changes_nothing,
    only_a_token_of_the_booking_moves_it_and_never_a_cancelled_one,
    the_same_move_again_changes_nothing,
    a_guard_sees_the_hosts_without_the_moving_booking_and_its_refusal_changes_nothing,
    each_move_owes_one_update_per_written_calendar_and_none_after_a_cancel,
    a_move_reaches_every_email_and_webhook_once_and_a_cancel_sees_the_last_real_write,
    many_moves_and_bookings_racing_for_one_slot_leave_exactly_one_winner,
);

on_both_peers!(
    a_rescheduled_booking_moves_in_the_hosts_caldav_calendar_with_a_higher_sequence,
    an_event_the_host_edited_is_replaced_by_the_move_because_it_is_still_ours,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

const NOW: &str = "2026-04-19T12:00:00Z";
const STRICT: Blocking = Blocking { tentative: true };

fn event(uid: &str, start: &str, end: &str, status: Status) -> EventImport {
    EventImport {
        uid: uid.into(),
        event_id: None,
        span: EventSpan::Timed {
            start: at(start),
            end: at(end),
        },
        status,
        deleted: false,
        last_modified: None,
    }
}

/// alice (busy 09–10, tentative 11–12 on 20 April) and bob (free all day), and, if
/// `writable`, alice's CalDAV source calendar `cal_alice_dav` marked `write_bookings`
/// (read once, empty).
async fn open(db: &TestDb, writable: bool) -> (Store, i64, i64) {
    let store = db.open().await;
    let mut calendars = vec![CalendarImport {
        id: "cal_alice".into(),
        name: "Work".into(),
        events: vec![
            event(
                "busy",
                "2026-04-20T09:00:00Z",
                "2026-04-20T10:00:00Z",
                Status::Busy,
            ),
            event(
                "maybe",
                "2026-04-20T11:00:00Z",
                "2026-04-20T12:00:00Z",
                Status::Tentative,
            ),
        ],
        source: None,
    }];
    if writable {
        calendars.push(CalendarImport {
            id: "cal_alice_dav".into(),
            name: "CalDAV".into(),
            events: vec![],
            source: Some(SourceDefinition {
                kind: SourceKind::Caldav,
                fingerprint: "f1".into(),
                writable: true,
            }),
        });
    }
    let accounts = vec![
        AccountImport {
            email: "alice@example.com".into(),
            time_zone: Tz::UTC,
            calendars,
            rules: None,
        },
        AccountImport {
            email: "bob@example.com".into(),
            time_zone: Tz::UTC,
            calendars: vec![CalendarImport {
                id: "cal_bob".into(),
                name: "Work".into(),
                events: vec![],
                source: None,
            }],
            rules: None,
        },
    ];
    store.import(accounts, at(NOW)).await.unwrap();
    if writable {
        let read = SyncRecord {
            calendar_id: "cal_alice_dav".into(),
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
    }
    let id = |email: &'static str| {
        let store = store.clone();
        async move { store.account_by_email(email).await.unwrap().unwrap().id }
    };
    let (alice, bob) = (id("alice@example.com").await, id("bob@example.com").await);
    (store, alice, bob)
}

fn new_booking(hosts: Vec<i64>, start: &str, end: &str, key: &str) -> NewBooking {
    NewBooking {
        terms: BookingTerms {
            hosts,
            start: at(start),
            end: at(end),
            booker_name: "Bea Booker".into(),
            booker_email: "bea@example.org".into(),
            note: Some("intro call".into()),
        },
        idempotency_key: Some(key.into()),
        cancel_token_hash: "hash-of-token".into(),
        audience: Default::default(),
    }
}

/// Books `hosts` for `[start, end)` on 20 April (`HH:MM`); the booking's id.
async fn book(store: &Store, hosts: Vec<i64>, start: &str, end: &str) -> String {
    let (start, end) = (day_at(start), day_at(end));
    static KEYS: AtomicUsize = AtomicUsize::new(0);
    let key = format!("key-{}", KEYS.fetch_add(1, Ordering::Relaxed));
    match store
        .insert_booking_if_free(new_booking(hosts, &start, &end, &key), STRICT, at(NOW))
        .await
        .unwrap()
    {
        BookingOutcome::Created(booking) => booking.id,
        other => panic!("expected a booking, got {other:?}"),
    }
}

fn day_at(hh_mm: &str) -> String {
    format!("2026-04-20T{hh_mm}:00Z")
}

fn moving(id: &str, start: &str, end: &str) -> Reschedule {
    Reschedule {
        id: id.into(),
        cancel_token_hash: "hash-of-token".into(),
        start: at(&day_at(start)),
        end: at(&day_at(end)),
    }
}

fn later() -> DateTime<Utc> {
    at(NOW) + TimeDelta::minutes(5)
}

async fn a_booking_moves_to_a_free_time_keeping_its_id_and_raising_its_sequence(db: TestDb) {
    let (store, alice, bob) = open(&db, false).await;
    let id = book(&store, vec![alice, bob], "10:00", "10:30").await;
    let before = store.booking(&id).await.unwrap().unwrap();
    assert_eq!(before.sequence, 0);

    let outcome = store
        .reschedule_booking(moving(&id, "13:00", "13:30"), STRICT, None, later())
        .await
        .unwrap();
    let RescheduleOutcome::Moved(moved) = outcome else {
        panic!("not moved: {outcome:?}")
    };
    assert_eq!(moved.id, id);
    assert_eq!(moved.sequence, 1);
    assert_eq!(
        (moved.terms.start, moved.terms.end),
        (at(&day_at("13:00")), at(&day_at("13:30")))
    );
    // Everything but the time is the booking's as it was.
    assert_eq!(moved.terms.hosts, before.terms.hosts);
    assert_eq!(moved.terms.booker_name, before.terms.booker_name);
    assert_eq!(moved.created_at, before.created_at);
    assert_eq!(store.booking(&id).await.unwrap().unwrap(), moved);

    // The old time is free for both hosts, the new one taken for each of them.
    book(&store, vec![alice, bob], "10:00", "10:30").await;
    let refused = store
        .insert_booking_if_free(
            new_booking(vec![bob], &day_at("13:15"), &day_at("13:45"), "k-bob"),
            STRICT,
            later(),
        )
        .await
        .unwrap();
    assert_eq!(
        refused,
        BookingOutcome::Taken(vec![Blocker {
            account_id: bob,
            status: Status::Busy
        }])
    );
    // The booking's busy events in the hosts' bookings calendars moved with it: one
    // busy half hour each, at the new time.
    let moved_events = db
        .query_i64(&format!(
            "SELECT count(*) FROM events WHERE event_id = '{id}' AND deleted = {f} \
             AND start_at = {} AND end_at = {}",
            at(&day_at("13:00")).timestamp(),
            at(&day_at("13:30")).timestamp(),
            f = false_literal(&db),
        ))
        .await;
    assert_eq!(moved_events, 2);
}

/// `false` as the backend writes it in SQL (SQLite stores booleans as 0/1).
fn false_literal(db: &TestDb) -> &'static str {
    if db.db_flag().starts_with("postgres") {
        "false"
    } else {
        "0"
    }
}

async fn a_move_into_part_of_its_own_old_time_is_free(db: TestDb) {
    let (store, alice, _) = open(&db, false).await;
    let id = book(&store, vec![alice], "10:00", "10:30").await;
    let outcome = store
        .reschedule_booking(moving(&id, "10:15", "10:45"), STRICT, None, later())
        .await
        .unwrap();
    assert!(
        matches!(&outcome, RescheduleOutcome::Moved(b) if b.terms.start == at(&day_at("10:15"))),
        "{outcome:?}"
    );
    // And back again, over the time it holds now.
    let outcome = store
        .reschedule_booking(moving(&id, "10:00", "10:30"), STRICT, None, later())
        .await
        .unwrap();
    assert!(
        matches!(&outcome, RescheduleOutcome::Moved(b) if b.sequence == 2),
        "{outcome:?}"
    );
}

async fn a_time_that_is_not_free_changes_nothing(db: TestDb) {
    let (store, alice, bob) = open(&db, false).await;
    let id = book(&store, vec![alice, bob], "10:00", "10:30").await;
    let other = book(&store, vec![bob], "14:00", "14:30").await;
    let before = store.booking(&id).await.unwrap().unwrap();

    for (start, end, blockers) in [
        // alice's busy event.
        ("09:30", "10:00", vec![(alice, Status::Busy)]),
        // alice's tentative event (blocking tentative time).
        ("11:30", "12:00", vec![(alice, Status::Tentative)]),
        // bob's other booking.
        ("14:15", "14:45", vec![(bob, Status::Busy)]),
    ] {
        let outcome = store
            .reschedule_booking(moving(&id, start, end), STRICT, None, later())
            .await
            .unwrap();
        let expected = blockers
            .into_iter()
            .map(|(account_id, status)| Blocker { account_id, status })
            .collect();
        assert_eq!(outcome, RescheduleOutcome::Taken(expected), "{start}");
    }
    // The booking is as it was, and owes nobody anything new.
    assert_eq!(store.booking(&id).await.unwrap().unwrap(), before);
    assert!(
        store
            .booking(&other)
            .await
            .unwrap()
            .unwrap()
            .cancelled_at
            .is_none()
    );
    // Its old time is still its own.
    let refused = store
        .insert_booking_if_free(
            new_booking(vec![alice], &day_at("10:00"), &day_at("10:30"), "k2"),
            STRICT,
            later(),
        )
        .await
        .unwrap();
    assert!(matches!(refused, BookingOutcome::Taken(_)), "{refused:?}");
    // Over tentative time when the policy lets bookings cover it.
    let outcome = store
        .reschedule_booking(
            moving(&id, "11:30", "12:00"),
            Blocking { tentative: false },
            None,
            later(),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, RescheduleOutcome::Moved(_)),
        "{outcome:?}"
    );
}

async fn only_a_token_of_the_booking_moves_it_and_never_a_cancelled_one(db: TestDb) {
    let (store, alice, _) = open(&db, false).await;
    let id = book(&store, vec![alice], "10:00", "10:30").await;
    let wrong_token = Reschedule {
        cancel_token_hash: "another-hash".into(),
        ..moving(&id, "13:00", "13:30")
    };
    assert_eq!(
        store
            .reschedule_booking(wrong_token.clone(), STRICT, None, later())
            .await
            .unwrap(),
        RescheduleOutcome::NotFound
    );
    let unknown = Reschedule {
        id: "0".repeat(32),
        ..moving(&id, "13:00", "13:30")
    };
    assert_eq!(
        store
            .reschedule_booking(unknown, STRICT, None, later())
            .await
            .unwrap(),
        RescheduleOutcome::NotFound
    );
    // A token handed out on a replay opens it too.
    store.add_cancel_token(&id, "another-hash").await.unwrap();
    let outcome = store
        .reschedule_booking(wrong_token, STRICT, None, later())
        .await
        .unwrap();
    assert!(
        matches!(outcome, RescheduleOutcome::Moved(_)),
        "{outcome:?}"
    );

    let cancelled = store
        .cancel_booking(&id, "hash-of-token", later())
        .await
        .unwrap()
        .unwrap();
    let outcome = store
        .reschedule_booking(moving(&id, "15:00", "15:30"), STRICT, None, later())
        .await
        .unwrap();
    assert_eq!(outcome, RescheduleOutcome::Cancelled(cancelled.clone()));
    assert_eq!(store.booking(&id).await.unwrap().unwrap(), cancelled);
}

async fn a_guard_sees_the_hosts_without_the_moving_booking_and_its_refusal_changes_nothing(
    db: TestDb,
) {
    let (store, alice, bob) = open(&db, true).await;
    let id = book(&store, vec![alice, bob], "10:00", "10:30").await;
    book(&store, vec![bob], "15:00", "15:30").await;
    let before = store.booking(&id).await.unwrap().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let guard = |refuse: bool| {
        let seen = Arc::clone(&seen);
        BookingGuard {
            window: Window::new(at(&day_at("00:00")), at("2026-04-21T00:00:00Z")).unwrap(),
            check: Box::new(move |snapshots: &[freebusy_server::store::HostSnapshot]| {
                seen.lock().unwrap().push(snapshots.to_vec());
                if refuse {
                    Err(Refusal::Host {
                        host: 0,
                        reason: Reason::OutsideWorkingHours,
                    })
                } else {
                    Ok(())
                }
            }),
        }
    };
    let outcome = store
        .reschedule_booking(
            moving(&id, "13:00", "13:30"),
            STRICT,
            Some(guard(true)),
            later(),
        )
        .await
        .unwrap();
    assert_eq!(
        outcome,
        RescheduleOutcome::Refused(Refusal::Host {
            host: 0,
            reason: Reason::OutsideWorkingHours
        })
    );
    assert_eq!(store.booking(&id).await.unwrap().unwrap(), before);
    assert_eq!(
        store.outbox_of(&id).await.unwrap().len(),
        1,
        "only the create"
    );
    {
        let seen = seen.lock().unwrap();
        let snapshots = &seen[0];
        assert_eq!(
            snapshots.iter().map(|s| s.account_id).collect::<Vec<_>>(),
            [alice, bob]
        );
        // The moving booking is in neither host's bookings nor their busy time; bob's
        // other booking is.
        let ten = at(&day_at("10:00"));
        for snapshot in snapshots {
            assert!(
                snapshot.bookings.iter().all(|b| b.start() != ten),
                "{snapshot:?}"
            );
            assert!(
                snapshot.periods.iter().all(|p| p.start() != ten),
                "{snapshot:?}"
            );
        }
        let bobs = &snapshots[1];
        assert_eq!(
            bobs.bookings.iter().map(|b| b.start()).collect::<Vec<_>>(),
            [at(&day_at("15:00"))]
        );
        // alice's busy event is there.
        assert!(
            snapshots[0]
                .periods
                .iter()
                .any(|p| p.start() == at(&day_at("09:00")))
        );
    }
    let outcome = store
        .reschedule_booking(
            moving(&id, "13:00", "13:30"),
            STRICT,
            Some(guard(false)),
            later(),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, RescheduleOutcome::Moved(_)),
        "{outcome:?}"
    );
    // A repeat is answered before the guard: it does not run again.
    let runs = seen.lock().unwrap().len();
    store
        .reschedule_booking(
            moving(&id, "13:00", "13:30"),
            STRICT,
            Some(guard(true)),
            later(),
        )
        .await
        .unwrap();
    assert_eq!(seen.lock().unwrap().len(), runs);
}

async fn the_same_move_again_changes_nothing(db: TestDb) {
    let (store, alice, _) = open(&db, true).await;
    let id = book(&store, vec![alice], "10:00", "10:30").await;
    let RescheduleOutcome::Moved(moved) = store
        .reschedule_booking(moving(&id, "13:00", "13:30"), STRICT, None, later())
        .await
        .unwrap()
    else {
        panic!("not moved")
    };
    let again = store
        .reschedule_booking(moving(&id, "13:00", "13:30"), STRICT, None, later())
        .await
        .unwrap();
    assert_eq!(again, RescheduleOutcome::Unchanged(moved));
    let actions: Vec<_> = store
        .outbox_of(&id)
        .await
        .unwrap()
        .iter()
        .map(|message| message.action)
        .collect();
    assert_eq!(actions, [OutboxAction::Created, OutboxAction::Rescheduled]);
}

/// Moves booking `id` to 13:00 and then to 14:00 (30 minutes each).
async fn move_twice(store: &Store, id: &str) {
    for (start, end) in [("13:00", "13:30"), ("14:00", "14:30")] {
        let outcome = store
            .reschedule_booking(moving(id, start, end), STRICT, None, later())
            .await
            .unwrap();
        assert!(
            matches!(outcome, RescheduleOutcome::Moved(_)),
            "{outcome:?}"
        );
    }
}

async fn each_move_owes_one_update_per_written_calendar_and_none_after_a_cancel(db: TestDb) {
    let (store, alice, bob) = open(&db, true).await;
    // bob has no writable calendar: the one target is alice's CalDAV calendar.
    let id = book(&store, vec![alice, bob], "10:00", "10:30").await;
    let bobs = book(&store, vec![bob], "16:00", "16:30").await;
    move_twice(&store, &id).await;
    let messages = store.outbox_of(&id).await.unwrap();
    let rows: Vec<_> = messages
        .iter()
        .map(|m| (m.action, m.target.as_str(), m.state))
        .collect();
    assert_eq!(
        rows,
        [
            (OutboxAction::Created, "cal_alice_dav", OutboxState::Pending),
            (
                OutboxAction::Rescheduled,
                "cal_alice_dav",
                OutboxState::Pending
            ),
            (
                OutboxAction::Rescheduled,
                "cal_alice_dav",
                OutboxState::Pending
            ),
        ]
    );
    // An update waits for the write before it, like a removal does.
    let due: Vec<_> = store
        .due_outbox(later(), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.action)
        .collect();
    assert_eq!(due, [OutboxAction::Created]);
    // bob's own booking owes nothing, moved or not.
    store
        .reschedule_booking(moving(&bobs, "17:00", "17:30"), STRICT, None, later())
        .await
        .unwrap();
    assert!(store.outbox_of(&bobs).await.unwrap().is_empty());

    store
        .cancel_booking(&id, "hash-of-token", later())
        .await
        .unwrap()
        .unwrap();
    let outcome = store
        .reschedule_booking(moving(&id, "15:00", "15:30"), STRICT, None, later())
        .await
        .unwrap();
    assert!(matches!(outcome, RescheduleOutcome::Cancelled(_)));
    let actions: Vec<_> = store
        .outbox_of(&id)
        .await
        .unwrap()
        .iter()
        .map(|m| m.action)
        .collect();
    assert_eq!(
        actions,
        [
            OutboxAction::Created,
            OutboxAction::Rescheduled,
            OutboxAction::Rescheduled,
            OutboxAction::Cancelled
        ]
    );
}

/// Settles message `id` as delivered with `result`, as the delivery loop would.
async fn settle(store: &Store, id: &str, result: Option<&str>) {
    let lease = store
        .acquire_lease(
            OUTBOX_LEASE,
            id,
            "worker",
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap()
        .unwrap();
    let delivered = OutboxOutcome::Delivered {
        result: result.map(str::to_owned),
    };
    assert!(
        store
            .finish_outbox(&lease, delivered, later())
            .await
            .unwrap()
    );
    store.release_lease(&lease).await.unwrap();
}

// With emails and a webhook in its audience, a move owes one update to every target the
// booking's creation reached (the calendar, the visitor and both hosts, the webhook),
// exactly once per move; and what an update or removal builds on is the last delivered
// write that left a result: an update skipped because the booking was cancelled in
// between (no result) does not hide the write before it.
async fn a_move_reaches_every_email_and_webhook_once_and_a_cancel_sees_the_last_real_write(
    db: TestDb,
) {
    let (store, alice, bob) = open(&db, true).await;
    let mut new = new_booking(
        vec![alice, bob],
        &day_at("10:00"),
        &day_at("10:30"),
        "audience",
    );
    new.audience = Audience {
        email: true,
        webhooks: vec!["server".into()],
        visitor_zone: Some("Asia/Tokyo".into()),
    };
    let BookingOutcome::Created(booking) = store
        .insert_booking_if_free(new, STRICT, at(NOW))
        .await
        .unwrap()
    else {
        panic!("expected a booking")
    };
    let id = booking.id;
    move_twice(&store, &id).await;
    let messages = store.outbox_of(&id).await.unwrap();
    let targets = |action: OutboxAction| -> Vec<(String, String)> {
        messages
            .iter()
            .filter(|m| m.action == action)
            .map(|m| (m.kind.as_str().to_owned(), m.target.clone()))
            .collect()
    };
    let created = targets(OutboxAction::Created);
    assert_eq!(
        created,
        [
            ("calendar_write", "cal_alice_dav"),
            ("email", "bea@example.org"),
            ("email", "alice@example.com"),
            ("email", "bob@example.com"),
            ("webhook", "server"),
        ]
        .map(|(kind, target)| (kind.to_owned(), target.to_owned()))
    );
    let moved = targets(OutboxAction::Rescheduled);
    assert_eq!(moved.len(), 2 * created.len(), "{moved:?}");
    assert_eq!(moved[..created.len()], created[..]);
    assert_eq!(moved[created.len()..], created[..]);

    // The visitor's invitation and first update went out; the second update is skipped
    // (it finds the booking cancelled) and leaves no result.
    let visitor: Vec<_> = messages
        .iter()
        .filter(|m| m.target == "bea@example.org")
        .map(|m| m.id.clone())
        .collect();
    let first = r#"{"message_id":"<first@x>","time_zone":"Asia/Tokyo"}"#;
    let update = r#"{"message_id":"<update@x>","time_zone":"Asia/Tokyo"}"#;
    settle(&store, &visitor[0], Some(first)).await;
    settle(&store, &visitor[1], Some(update)).await;
    store
        .cancel_booking(&id, "hash-of-token", later())
        .await
        .unwrap()
        .unwrap();
    settle(&store, &visitor[2], None).await;
    let messages = store.outbox_of(&id).await.unwrap();
    let cancels = messages
        .iter()
        .filter(|m| m.action == OutboxAction::Cancelled)
        .count();
    assert_eq!(cancels, created.len(), "one removal or CANCEL per target");
    let cancel = messages
        .iter()
        .find(|m| m.action == OutboxAction::Cancelled && m.target == "bea@example.org")
        .unwrap();
    let cancel = store.outbox_message(&cancel.id).await.unwrap().unwrap();
    assert_eq!(cancel.created_result.as_deref(), Some(update));
}

/// How many each side tries: moves of distinct bookings and fresh bookings, all into
/// 12:00–12:30.
const RACERS: usize = 24;

async fn many_moves_and_bookings_racing_for_one_slot_leave_exactly_one_winner(db: TestDb) {
    let (store, alice, bob) = open(&db, false).await;
    // A second store on the same database: another process, or a replica.
    let other = db.open().await;
    // Bookings of alice and bob all over the afternoon, each to be moved to 12:00.
    let mut ids = Vec::new();
    for n in 0..RACERS {
        let start = at(&day_at("13:00")) + TimeDelta::minutes(30 * n as i64);
        let new = new_booking(
            if n % 2 == 0 {
                vec![alice]
            } else {
                vec![alice, bob]
            },
            &start.to_rfc3339(),
            &(start + TimeDelta::minutes(30)).to_rfc3339(),
            &format!("spread-{n}"),
        );
        match store
            .insert_booking_if_free(new, STRICT, at(NOW))
            .await
            .unwrap()
        {
            BookingOutcome::Created(booking) => ids.push(booking.id),
            outcome => panic!("{outcome:?}"),
        }
    }
    let barrier = Arc::new(Barrier::new(2 * RACERS));
    let mut tasks = Vec::new();
    for (n, id) in ids.into_iter().enumerate() {
        let store = if n % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let outcome = store
                .reschedule_booking(moving(&id, "12:00", "12:30"), STRICT, None, later())
                .await
                .unwrap();
            matches!(outcome, RescheduleOutcome::Moved(_))
        }));
    }
    for n in 0..RACERS {
        let store = if n % 2 == 0 {
            other.clone()
        } else {
            store.clone()
        };
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let new = new_booking(
                vec![alice],
                &day_at("12:10"),
                &day_at("12:40"),
                &format!("racer-{n}"),
            );
            let outcome = store
                .insert_booking_if_free(new, STRICT, later())
                .await
                .unwrap();
            matches!(outcome, BookingOutcome::Created(_))
        }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1);
    let holding = db
        .query_i64(&format!(
            "SELECT count(*) FROM bookings WHERE cancelled_at IS NULL \
             AND start_at < {} AND end_at > {}",
            at(&day_at("12:40")).timestamp(),
            at(&day_at("12:00")).timestamp()
        ))
        .await;
    assert_eq!(holding, 1);
}

// ---- CalDAV, end to end ----

const CALENDAR: &str = "cal_ann_caldav";

fn day(offset: u64) -> NaiveDate {
    next_monday() + Days::new(offset)
}

/// A seed where ann's only calendar is the peer's collection, written back to.
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
    // Open rules (any time, no notice): these tests are about the write-back.
    let rules: Value = serde_json::from_str(common::OPEN_RULES).unwrap();
    json!({"accounts": [{"email": "ann@example.com", "rules": rules, "calendars": [
        {"id": CALENDAR, "name": "Work", "source": source}
    ]}]})
    .to_string()
}

/// Books ann next Tuesday 10:00–11:00 UTC and waits until the event is in the peer; the
/// 201's body.
async fn book_ann(server: &common::TestServer, peer: &Peer) -> Value {
    let response = client()
        .post(server.url("/v1/bookings"))
        .json(&json!({
            "hosts": ["ann@example.com"],
            "start": format!("{}T10:00:00Z", day(1)),
            "end": format!("{}T11:00:00Z", day(1)),
            "name": "Dana Visitor",
            "email": "dana@example.org",
            "idempotency_key": "reschedule-test",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let booked: Value = response.json().await.unwrap();
    let id = booked["id"].as_str().unwrap();
    wait_for("the event upstream", || async {
        peer.get_upstream(&resource(id)).await.is_some()
    })
    .await;
    booked
}

fn resource(id: &str) -> String {
    format!("{}.ics", booking::event_uid(id))
}

/// Moves the booking to next Wednesday 15:00 UTC over HTTP: 200 with sequence 1.
async fn move_to_wednesday(server: &common::TestServer, booked: &Value) {
    let id = booked["id"].as_str().unwrap();
    let response = client()
        .patch(server.url(&format!("/v1/bookings/{id}")))
        .bearer_auth(booked["cancel_token"].as_str().unwrap())
        .json(&json!({"start": format!("{}T15:00:00Z", day(2))}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let moved: Value = response.json().await.unwrap();
    assert_eq!(moved["sequence"], 1);
    assert_eq!(moved["end"], format!("{}T16:00:00Z", day(2)));
}

/// Waits until the peer's copy is the moved one; its text.
async fn wait_for_moved_event(peer: &Peer, id: &str) -> String {
    let dtstart = format!("DTSTART:{}T150000Z", day(2).format("%Y%m%d"));
    wait_for("the moved event upstream", || async {
        peer.get_upstream(&resource(id))
            .await
            .is_some_and(|text| text.lines().any(|line| line.trim_end() == dtstart))
    })
    .await;
    peer.get_upstream(&resource(id)).await.unwrap()
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l.trim_end() == line)
}

async fn a_rescheduled_booking_moves_in_the_hosts_caldav_calendar_with_a_higher_sequence(
    kind: Kind,
) {
    let Some(peer) = Peer::start(kind, &[]).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (state, server) = start(&seed(&peer, &dir), &[]).await;
    wait_for_state(&server, "ok").await;
    let booked = book_ann(&server, &peer).await;
    let id = booked["id"].as_str().unwrap();

    move_to_wednesday(&server, &booked).await;
    let text = wait_for_moved_event(&peer, id).await;
    let wednesday = day(2).format("%Y%m%d");
    for line in [
        format!("UID:{}", booking::event_uid(id)),
        format!("DTSTART:{wednesday}T150000Z"),
        format!("DTEND:{wednesday}T160000Z"),
        "SEQUENCE:1".to_owned(),
    ] {
        assert!(has_line(&text, &line), "{line} in\n{text}");
    }
    // Once: one VEVENT in the resource, and the update settled after the write.
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 1, "{text}");
    wait_for("the update settled", || async {
        let messages = state.store().outbox_of(id).await.unwrap();
        messages.len() == 2 && messages.iter().all(|m| m.state == OutboxState::Done)
    })
    .await;
    // Read back, the calendar shows the booking once, at its new time only.
    state.sources().read_now(CALENDAR).await;
    let (status, periods) = zonio_week(&server).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        periods,
        json!([{
            "start": format!("{}T15:00:00Z", day(2)),
            "end": format!("{}T16:00:00Z", day(2)),
            "type": "busy",
        }])
    );
}

async fn an_event_the_host_edited_is_replaced_by_the_move_because_it_is_still_ours(kind: Kind) {
    let Some(peer) = Peer::start(kind, &[]).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (state, server) = start(&seed(&peer, &dir), &[]).await;
    wait_for_state(&server, "ok").await;
    let booked = book_ann(&server, &peer).await;
    let id = booked["id"].as_str().unwrap();
    wait_for("the write settled", || async {
        state.store().outbox_of(id).await.unwrap()[0].state == OutboxState::Done
    })
    .await;
    // The host adds a location in their calendar app: the ETag the write recorded is
    // stale now, so the update's If-Match fails (412).
    let edited = peer
        .get_upstream(&resource(id))
        .await
        .unwrap()
        .replace("SUMMARY:", "LOCATION:Room 4\r\nSUMMARY:");
    peer.put_upstream(&resource(id), &edited).await;

    move_to_wednesday(&server, &booked).await;
    let text = wait_for_moved_event(&peer, id).await;
    assert!(has_line(&text, "SEQUENCE:1"), "{text}");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 1, "{text}");
    wait_for("the update settled", || async {
        state.store().outbox_of(id).await.unwrap()[1].state == OutboxState::Done
    })
    .await;
}
