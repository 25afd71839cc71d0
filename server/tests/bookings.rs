//! Bookings in the store: check-and-insert is atomic, idempotent and policy-aware.
//! (The HTTP routes over them are pinned in `booking_routes.rs`.)

use std::sync::Arc;

use chrono::{DateTime, Utc};
use freebusy_core::Status;
use freebusy_server::store::{
    AccountImport, Blocker, Blocking, BookingOutcome, BookingTerms, CalendarImport, EventImport,
    EventSpan, Location, NewBooking, Store,
};
use tokio::sync::Barrier;

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
        time_zone: chrono_tz::UTC,
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
            source: None,
        }],
    }]
}

async fn open_file(dir: &tempfile::TempDir) -> Store {
    Store::open(&Location::Sqlite(dir.path().join("bookings.sqlite3")))
        .await
        .unwrap()
}

async fn open(dir: &tempfile::TempDir) -> (Store, i64) {
    let store = open_file(dir).await;
    store
        .import(alice_day(), at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    let alice = store
        .account_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    (store, alice)
}

fn request(host: i64, start: &str, end: &str, key: Option<&str>) -> NewBooking {
    NewBooking {
        terms: BookingTerms {
            hosts: vec![host],
            start: at(start),
            end: at(end),
            booker_name: "Bea Booker".into(),
            booker_email: "bea@example.org".into(),
            note: Some("intro call".into()),
        },
        idempotency_key: key.map(str::to_owned),
        cancel_token_hash: "hash-of-token".into(),
    }
}

const STRICT: Blocking = Blocking { tentative: true };
const NOW: &str = "2026-04-19T12:00:00Z";

// Pins the core rule: the second of two overlapping bookings is refused.
#[tokio::test]
async fn the_second_of_two_overlapping_bookings_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir).await;
    let first = store
        .insert_booking_if_free(
            request(alice, "2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z", None),
            STRICT,
            at(NOW),
        )
        .await
        .unwrap();
    let BookingOutcome::Created(first) = first else {
        panic!("first booking refused: {first:?}")
    };
    assert_eq!(first.terms.hosts, [alice]);
    assert_eq!(first.id.len(), 32);
    let second = store
        .insert_booking_if_free(
            request(alice, "2026-04-20T10:15:00Z", "2026-04-20T10:45:00Z", None),
            STRICT,
            at(NOW),
        )
        .await
        .unwrap();
    assert_eq!(
        second,
        BookingOutcome::Taken(vec![Blocker {
            account_id: alice,
            status: Status::Busy
        }])
    );
    assert_eq!(store.counts().await.unwrap().bookings, 1);
}

// Pins half-open bookings: back to back is not overlapping.
#[tokio::test]
async fn back_to_back_bookings_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir).await;
    for (start, end) in [
        ("2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z"),
        ("2026-04-20T10:30:00Z", "2026-04-20T11:00:00Z"),
    ] {
        let outcome = store
            .insert_booking_if_free(request(alice, start, end, None), STRICT, at(NOW))
            .await
            .unwrap();
        assert!(
            matches!(outcome, BookingOutcome::Created(_)),
            "{start}: {outcome:?}"
        );
    }
}

// Pins which events block: busy yes, free and deleted no, tentative by policy.
#[tokio::test]
async fn busy_events_block_and_free_or_deleted_ones_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir).await;
    let try_book = async |start: &str, end: &str, blocking: Blocking| {
        store
            .insert_booking_if_free(request(alice, start, end, None), blocking, at(NOW))
            .await
            .unwrap()
    };
    assert!(matches!(
        try_book("2026-04-20T09:30:00Z", "2026-04-20T10:30:00Z", STRICT).await,
        BookingOutcome::Taken(_)
    ));
    assert!(matches!(
        try_book("2026-04-20T11:30:00Z", "2026-04-20T11:45:00Z", STRICT).await,
        BookingOutcome::Taken(_)
    ));
    let lenient = Blocking { tentative: false };
    assert!(matches!(
        try_book("2026-04-20T11:30:00Z", "2026-04-20T11:45:00Z", lenient).await,
        BookingOutcome::Created(_)
    ));
    assert!(matches!(
        try_book("2026-04-20T13:00:00Z", "2026-04-20T14:00:00Z", STRICT).await,
        BookingOutcome::Created(_)
    ));
    assert!(matches!(
        try_book("2026-04-20T15:00:00Z", "2026-04-20T16:00:00Z", STRICT).await,
        BookingOutcome::Created(_)
    ));
}

// Pins idempotency: a retried request with the same key gets the same booking back.
#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_returns_the_first_booking() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir).await;
    let booking = request(
        alice,
        "2026-04-20T10:00:00Z",
        "2026-04-20T10:30:00Z",
        Some("key-1"),
    );
    let BookingOutcome::Created(first) = store
        .insert_booking_if_free(booking.clone(), STRICT, at(NOW))
        .await
        .unwrap()
    else {
        panic!("first booking refused")
    };
    let retry = store
        .insert_booking_if_free(booking.clone(), STRICT, at("2026-04-19T12:00:05Z"))
        .await
        .unwrap();
    assert_eq!(retry, BookingOutcome::Replayed(first));
    assert_eq!(store.counts().await.unwrap().bookings, 1);
}

// Pins cancellation: only with the right token hash, and it frees the slot.
#[tokio::test]
async fn a_cancelled_booking_frees_its_slot() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir).await;
    let slot = request(alice, "2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z", None);
    let BookingOutcome::Created(booking) = store
        .insert_booking_if_free(slot.clone(), STRICT, at(NOW))
        .await
        .unwrap()
    else {
        panic!("booking refused")
    };
    assert_eq!(
        store
            .cancel_booking(&booking.id, "wrong-hash", at(NOW))
            .await
            .unwrap(),
        None
    );
    let cancelled = store
        .cancel_booking(&booking.id, "hash-of-token", at("2026-04-19T13:00:00Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cancelled.cancelled_at, Some(at("2026-04-19T13:00:00Z")));
    let again = store
        .cancel_booking(&booking.id, "hash-of-token", at("2026-04-19T14:00:00Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.cancelled_at,
        Some(at("2026-04-19T13:00:00Z")),
        "the first time is kept"
    );
    assert!(matches!(
        store
            .insert_booking_if_free(slot.clone(), STRICT, at(NOW))
            .await
            .unwrap(),
        BookingOutcome::Created(_)
    ));
}

// Pins atomicity across connections: two writers racing for one slot, one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_connections_racing_for_one_slot_book_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir).await;
    drop(store);
    let start = Arc::new(Barrier::new(2));
    let mut racers = Vec::new();
    for _ in 0..2 {
        // Each racer has its own store, so its own connection to the file.
        let store = open_file(&dir).await;
        let start = Arc::clone(&start);
        racers.push(tokio::spawn(async move {
            start.wait().await;
            let slot = request(alice, "2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z", None);
            store
                .insert_booking_if_free(slot, STRICT, at(NOW))
                .await
                .unwrap()
        }));
    }
    let mut outcomes: Vec<BookingOutcome> = Vec::new();
    for racer in racers {
        outcomes.push(racer.await.unwrap());
    }
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, BookingOutcome::Created(_)))
        .count();
    assert_eq!(created, 1, "{outcomes:?}");
    assert_eq!(open_file(&dir).await.counts().await.unwrap().bookings, 1);
}
