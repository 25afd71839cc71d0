//! Bookings in the store: check-and-insert is atomic, idempotent and policy-aware.
//! (The HTTP routes over them are pinned in `booking_routes.rs`.)

use std::sync::{Arc, Barrier};

use chrono::{DateTime, Utc};
use freebusy_server::store::{
    AccountImport, Blocker, Blocking, BookingOutcome, CalendarImport, EventImport, EventSpan,
    NewBooking, Status, Store,
};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn event(uid: &str, start: &str, end: &str, status: Status, deleted: bool) -> EventImport {
    EventImport {
        uid: uid.into(),
        event_id: None,
        span: EventSpan::Timed {
            start: at(start),
            end: at(end),
        },
        status,
        deleted,
        last_modified: None,
    }
}

/// alice's calendar on 20 April: busy 09–10, tentative 11–12, free 13–14, and a
/// deleted busy event 15–16.
fn alice_day() -> Vec<AccountImport> {
    vec![AccountImport {
        email: "alice@example.com".into(),
        calendars: vec![CalendarImport {
            id: "cal_alice".into(),
            name: "Work".into(),
            events: vec![
                event(
                    "busy",
                    "2026-04-20T09:00:00Z",
                    "2026-04-20T10:00:00Z",
                    Status::Busy,
                    false,
                ),
                event(
                    "maybe",
                    "2026-04-20T11:00:00Z",
                    "2026-04-20T12:00:00Z",
                    Status::Tentative,
                    false,
                ),
                event(
                    "free",
                    "2026-04-20T13:00:00Z",
                    "2026-04-20T14:00:00Z",
                    Status::Free,
                    false,
                ),
                event(
                    "gone",
                    "2026-04-20T15:00:00Z",
                    "2026-04-20T16:00:00Z",
                    Status::Busy,
                    true,
                ),
            ],
        }],
    }]
}

fn open(dir: &tempfile::TempDir) -> (Store, i64) {
    let mut store = Store::open(&dir.path().join("bookings.sqlite3")).unwrap();
    store
        .import(&alice_day(), at("2026-04-19T00:00:00Z"))
        .unwrap();
    let alice = store
        .account_by_email("alice@example.com")
        .unwrap()
        .unwrap()
        .id;
    (store, alice)
}

fn request(host: i64, start: &str, end: &str, key: Option<&str>) -> NewBooking {
    NewBooking {
        hosts: vec![host],
        start: at(start),
        end: at(end),
        booker_name: "Bea Booker".into(),
        booker_email: "bea@example.org".into(),
        note: Some("intro call".into()),
        idempotency_key: key.map(str::to_owned),
        cancel_token_hash: "hash-of-token".into(),
    }
}

const STRICT: Blocking = Blocking { tentative: true };
const NOW: &str = "2026-04-19T12:00:00Z";

// Pins the core rule: the second of two overlapping bookings is refused.
#[test]
fn the_second_of_two_overlapping_bookings_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, alice) = open(&dir);
    let first = store
        .insert_booking_if_free(
            &request(alice, "2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z", None),
            STRICT,
            at(NOW),
        )
        .unwrap();
    let BookingOutcome::Created(first) = first else {
        panic!("first booking refused: {first:?}")
    };
    assert_eq!(first.hosts, [alice]);
    assert_eq!(first.id.len(), 32);
    let second = store
        .insert_booking_if_free(
            &request(alice, "2026-04-20T10:15:00Z", "2026-04-20T10:45:00Z", None),
            STRICT,
            at(NOW),
        )
        .unwrap();
    assert_eq!(
        second,
        BookingOutcome::Taken(vec![Blocker {
            account_id: alice,
            status: Status::Busy
        }])
    );
    assert_eq!(store.counts().unwrap().bookings, 1);
}

// Pins half-open bookings: back to back is not overlapping.
#[test]
fn back_to_back_bookings_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, alice) = open(&dir);
    for (start, end) in [
        ("2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z"),
        ("2026-04-20T10:30:00Z", "2026-04-20T11:00:00Z"),
    ] {
        let outcome = store
            .insert_booking_if_free(&request(alice, start, end, None), STRICT, at(NOW))
            .unwrap();
        assert!(
            matches!(outcome, BookingOutcome::Created(_)),
            "{start}: {outcome:?}"
        );
    }
}

// Pins which events block: busy yes, free and deleted no, tentative by policy.
#[test]
fn busy_events_block_and_free_or_deleted_ones_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, alice) = open(&dir);
    let mut try_book = |start: &str, end: &str, blocking: Blocking| {
        store
            .insert_booking_if_free(&request(alice, start, end, None), blocking, at(NOW))
            .unwrap()
    };
    assert!(matches!(
        try_book("2026-04-20T09:30:00Z", "2026-04-20T10:30:00Z", STRICT),
        BookingOutcome::Taken(_)
    ));
    assert!(matches!(
        try_book("2026-04-20T11:30:00Z", "2026-04-20T11:45:00Z", STRICT),
        BookingOutcome::Taken(_)
    ));
    let lenient = Blocking { tentative: false };
    assert!(matches!(
        try_book("2026-04-20T11:30:00Z", "2026-04-20T11:45:00Z", lenient),
        BookingOutcome::Created(_)
    ));
    assert!(matches!(
        try_book("2026-04-20T13:00:00Z", "2026-04-20T14:00:00Z", STRICT),
        BookingOutcome::Created(_)
    ));
    assert!(matches!(
        try_book("2026-04-20T15:00:00Z", "2026-04-20T16:00:00Z", STRICT),
        BookingOutcome::Created(_)
    ));
}

// Pins idempotency: a retried request with the same key gets the same booking back.
#[test]
fn a_retry_with_the_same_idempotency_key_returns_the_first_booking() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, alice) = open(&dir);
    let booking = request(
        alice,
        "2026-04-20T10:00:00Z",
        "2026-04-20T10:30:00Z",
        Some("key-1"),
    );
    let BookingOutcome::Created(first) = store
        .insert_booking_if_free(&booking, STRICT, at(NOW))
        .unwrap()
    else {
        panic!("first booking refused")
    };
    let retry = store
        .insert_booking_if_free(&booking, STRICT, at("2026-04-19T12:00:05Z"))
        .unwrap();
    assert_eq!(retry, BookingOutcome::Replayed(first));
    assert_eq!(store.counts().unwrap().bookings, 1);
}

// Pins cancellation: only with the right token hash, and it frees the slot.
#[test]
fn a_cancelled_booking_frees_its_slot() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, alice) = open(&dir);
    let slot = request(alice, "2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z", None);
    let BookingOutcome::Created(booking) = store
        .insert_booking_if_free(&slot, STRICT, at(NOW))
        .unwrap()
    else {
        panic!("booking refused")
    };
    assert_eq!(
        store
            .cancel_booking(&booking.id, "wrong-hash", at(NOW))
            .unwrap(),
        None
    );
    let cancelled = store
        .cancel_booking(&booking.id, "hash-of-token", at("2026-04-19T13:00:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(cancelled.cancelled_at, Some(at("2026-04-19T13:00:00Z")));
    let again = store
        .cancel_booking(&booking.id, "hash-of-token", at("2026-04-19T14:00:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(
        again.cancelled_at,
        Some(at("2026-04-19T13:00:00Z")),
        "the first time is kept"
    );
    assert!(matches!(
        store
            .insert_booking_if_free(&slot, STRICT, at(NOW))
            .unwrap(),
        BookingOutcome::Created(_)
    ));
}

// Pins atomicity across connections: two writers racing for one slot, one wins.
#[test]
fn two_connections_racing_for_one_slot_book_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir);
    drop(store);
    let start = Arc::new(Barrier::new(2));
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let path = dir.path().join("bookings.sqlite3");
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                let mut store = Store::open(&path).unwrap();
                start.wait();
                let slot = request(alice, "2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z", None);
                store
                    .insert_booking_if_free(&slot, STRICT, at(NOW))
                    .unwrap()
            })
        })
        .collect();
    let outcomes: Vec<BookingOutcome> = racers
        .into_iter()
        .map(|racer| racer.join().unwrap())
        .collect();
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, BookingOutcome::Created(_)))
        .count();
    assert_eq!(created, 1, "{outcomes:?}");
    assert_eq!(
        Store::open(&dir.path().join("bookings.sqlite3"))
            .unwrap()
            .counts()
            .unwrap()
            .bookings,
        1
    );
}
