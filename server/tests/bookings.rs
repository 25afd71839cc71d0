//! Bookings in the store: check-and-insert is atomic, idempotent and policy-aware.
//! (The HTTP routes over them are pinned in `booking_routes.rs`.)

use std::sync::Arc;

use chrono::{DateTime, Utc};
use freebusy_core::rule::{Reason, Refusal};
use freebusy_core::wire::rules::RulesDocument;
use freebusy_core::{Period, Status, Window};
use freebusy_server::store::{
    AccountImport, Blocker, Blocking, BookingGuard, BookingOutcome, BookingTerms, CalendarImport,
    EventImport, EventSpan, HostSnapshot, Location, NewBooking, Store,
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
        rules: None,
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

const BLOCK_TENTATIVE: Blocking = Blocking { tentative: true };

/// A guard over `window` that records what it saw and answers `verdict`.
fn recording_guard(
    window: (&str, &str),
    seen: Arc<std::sync::Mutex<Vec<HostSnapshot>>>,
    verdict: Result<(), Refusal>,
) -> BookingGuard {
    BookingGuard {
        window: Window::new(at(window.0), at(window.1)).unwrap(),
        check: Box::new(move |snapshots: &[HostSnapshot]| {
            seen.lock().unwrap().extend_from_slice(snapshots);
            verdict
        }),
    }
}

// Pins what a guard sees: the host's events not deleted, every status, clipped to its
// window, and their bookings not cancelled, read inside the booking's transaction.
#[tokio::test]
async fn a_booking_guard_sees_the_hosts_events_and_bookings_in_its_window() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir).await;
    let first = request(
        alice,
        "2026-04-20T16:00:00Z",
        "2026-04-20T16:30:00Z",
        Some("k1"),
    );
    let outcome = store
        .insert_booking_if_free(first, BLOCK_TENTATIVE, at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    assert!(matches!(outcome, BookingOutcome::Created(_)));

    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let guard = recording_guard(
        ("2026-04-20T09:30:00Z", "2026-04-20T17:00:00Z"),
        seen.clone(),
        Ok(()),
    );
    let second = request(
        alice,
        "2026-04-20T12:00:00Z",
        "2026-04-20T12:30:00Z",
        Some("k2"),
    );
    let outcome = store
        .insert_booking_checked(second, BLOCK_TENTATIVE, guard, at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    assert!(matches!(outcome, BookingOutcome::Created(_)), "{outcome:?}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].account_id, alice);
    let period = |start: &str, end: &str, status| Period::new(at(start), at(end), status).unwrap();
    assert_eq!(
        seen[0].periods,
        [
            period("2026-04-20T09:30:00Z", "2026-04-20T10:00:00Z", Status::Busy),
            period(
                "2026-04-20T11:00:00Z",
                "2026-04-20T12:00:00Z",
                Status::Tentative
            ),
            period("2026-04-20T13:00:00Z", "2026-04-20T14:00:00Z", Status::Free),
            // The first booking, as the busy event of alice's bookings calendar.
            period("2026-04-20T16:00:00Z", "2026-04-20T16:30:00Z", Status::Busy),
        ]
    );
    assert_eq!(
        seen[0].bookings,
        [Window::new(at("2026-04-20T16:00:00Z"), at("2026-04-20T16:30:00Z")).unwrap()]
    );
}

// Pins a refusal: nothing is written, the refusal comes back as it was, and a replay of
// a booking made earlier is answered before the guard runs.
#[tokio::test]
async fn a_booking_guard_refusal_writes_nothing_and_a_replay_skips_the_guard() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir).await;
    let refusal = Refusal::Host {
        host: 0,
        reason: Reason::OutsideWorkingHours,
    };
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let guard = recording_guard(
        ("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z"),
        seen.clone(),
        Err(refusal),
    );
    let refused = request(
        alice,
        "2026-04-20T18:00:00Z",
        "2026-04-20T18:30:00Z",
        Some("k1"),
    );
    let outcome = store
        .insert_booking_checked(refused, BLOCK_TENTATIVE, guard, at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(outcome, BookingOutcome::Refused(refusal));
    assert_eq!(store.counts().await.unwrap().bookings, 0);

    let made = request(
        alice,
        "2026-04-20T12:00:00Z",
        "2026-04-20T12:30:00Z",
        Some("k2"),
    );
    let outcome = store
        .insert_booking_if_free(made.clone(), BLOCK_TENTATIVE, at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    let BookingOutcome::Created(booking) = outcome else {
        panic!("{outcome:?}")
    };
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let guard = recording_guard(
        ("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z"),
        seen.clone(),
        Err(refusal),
    );
    let outcome = store
        .insert_booking_checked(made, BLOCK_TENTATIVE, guard, at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(outcome, BookingOutcome::Replayed(booking));
    assert!(seen.lock().unwrap().is_empty());
}

// Pins the rules kept with an account: stored, replaced whole by the next import, and
// gone back to the defaults (None) when an import has none.
#[tokio::test]
async fn an_accounts_rules_are_stored_and_replaced_by_each_import() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice) = open(&dir).await;
    assert_eq!(store.account_rules(alice).await.unwrap(), None);
    let rules = RulesDocument {
        notice_minutes: 0,
        durations_minutes: vec![15, 45],
        ..RulesDocument::default()
    };
    let mut accounts = alice_day();
    accounts[0].rules = Some(rules.clone());
    let report = store
        .import(accounts.clone(), at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(report.accounts, 1);
    assert_eq!(store.account_rules(alice).await.unwrap(), Some(rules));
    // The same rules again change nothing.
    let report = store
        .import(accounts, at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(report.accounts, 0);
    store
        .import(alice_day(), at("2026-04-19T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(store.account_rules(alice).await.unwrap(), None);
}
