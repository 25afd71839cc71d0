//! Bookings in the store, on both backends: check-and-insert is atomic, idempotent and
//! policy-aware, also between stores (processes, replicas) on one database. (The HTTP
//! routes over them are pinned in `booking_routes.rs`; two server processes on one
//! PostgreSQL in `replicas.rs`.)

mod common;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use common::db::TestDb;
use freebusy_core::rule::{Reason, Refusal};
use freebusy_core::wire::rules::RulesDocument;
use freebusy_core::{Period, Status, Window};
use freebusy_server::store::{
    AccountImport, Blocker, Blocking, BookingGuard, BookingOutcome, BookingTerms, CalendarImport,
    EventImport, EventSpan, HostSnapshot, NewBooking, Store,
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

async fn open(db: &TestDb) -> (Store, i64) {
    let store = db.open().await;
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
        audience: Default::default(),
    }
}

const STRICT: Blocking = Blocking { tentative: true };
const NOW: &str = "2026-04-19T12:00:00Z";

// Pins the core rule: the second of two overlapping bookings is refused.
async fn the_second_of_two_overlapping_bookings_is_refused(db: TestDb) {
    let (store, alice) = open(&db).await;
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
async fn back_to_back_bookings_both_land(db: TestDb) {
    let (store, alice) = open(&db).await;
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
async fn busy_events_block_and_free_or_deleted_ones_do_not(db: TestDb) {
    let (store, alice) = open(&db).await;
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

// Pins the check's long parts: a busy event of weeks that began long before the slot,
// and a booking of three days, block what they overlap, with short events around them.
async fn long_events_and_bookings_that_began_days_before_still_block(db: TestDb) {
    let (store, alice) = open(&db).await;
    let mut trip = alice_day();
    trip[0].calendars[0].events = vec![event(
        "trip",
        "2026-03-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
        Status::Busy,
        false,
    )];
    store.import(trip, at(NOW)).await.unwrap();
    let try_book = async |start: &str, end: &str| {
        store
            .insert_booking_if_free(request(alice, start, end, None), STRICT, at(NOW))
            .await
            .unwrap()
    };
    let BookingOutcome::Taken(blockers) =
        try_book("2026-03-31T23:00:00Z", "2026-04-01T01:00:00Z").await
    else {
        panic!("booked during a trip of a month")
    };
    assert_eq!(blockers[0].status, Status::Busy);
    assert!(matches!(
        try_book("2026-04-01T00:00:00Z", "2026-04-01T01:00:00Z").await,
        BookingOutcome::Created(_)
    ));
    assert!(matches!(
        try_book("2026-04-25T00:00:00Z", "2026-04-28T00:00:00Z").await,
        BookingOutcome::Created(_)
    ));
    assert!(matches!(
        try_book("2026-04-27T12:00:00Z", "2026-04-27T13:00:00Z").await,
        BookingOutcome::Taken(_)
    ));
}

// Pins idempotency: a retried request with the same key gets the same booking back.
async fn a_retry_with_the_same_idempotency_key_returns_the_first_booking(db: TestDb) {
    let (store, alice) = open(&db).await;
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
async fn a_cancelled_booking_frees_its_slot(db: TestDb) {
    let (store, alice) = open(&db).await;
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

/// Runs `requests` at once, each on the store of its index modulo `stores`, after a
/// barrier; returns the outcomes in request order.
async fn race(db: &TestDb, stores: usize, requests: Vec<NewBooking>) -> Vec<BookingOutcome> {
    let mut opened = Vec::new();
    for _ in 0..stores {
        // Each its own store: its own connections, as another process would have.
        opened.push(db.open().await);
    }
    let start = Arc::new(Barrier::new(requests.len()));
    let racers: Vec<_> = requests
        .into_iter()
        .enumerate()
        .map(|(n, request)| {
            let store = opened[n % stores].clone();
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                store
                    .insert_booking_if_free(request, STRICT, at(NOW))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for racer in racers {
        outcomes.push(racer.await.unwrap());
    }
    outcomes
}

fn created(outcomes: &[BookingOutcome]) -> Vec<&freebusy_server::store::Booking> {
    outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            BookingOutcome::Created(booking) => Some(booking),
            _ => None,
        })
        .collect()
}

// Pins atomicity across stores: many writers on separate connections (processes)
// racing for one slot, one wins and every other one is told the slot is taken.
async fn stores_racing_for_one_slot_book_it_once(db: TestDb) {
    let (_store, alice) = open(&db).await;
    let slot = request(alice, "2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z", None);
    let outcomes = race(&db, 4, vec![slot; 24]).await;
    assert_eq!(created(&outcomes).len(), 1, "{outcomes:?}");
    for outcome in &outcomes {
        assert!(
            matches!(outcome, BookingOutcome::Created(_))
                || *outcome
                    == BookingOutcome::Taken(vec![Blocker {
                        account_id: alice,
                        status: Status::Busy
                    }]),
            "{outcome:?}"
        );
    }
    assert_eq!(db.open().await.counts().await.unwrap().bookings, 1);
}

// Pins the overlap rule under a race: bookings shifted by ten minutes, each half an
// hour long, from several stores at once; no two that landed overlap.
async fn racing_shifted_slots_never_leave_two_overlapping_bookings(db: TestDb) {
    let (store, alice) = open(&db).await;
    let base = at("2026-04-20T16:00:00Z");
    let requests: Vec<NewBooking> = (0..30)
        .map(|n| {
            let start = base + chrono::Duration::minutes(10 * n);
            let mut booking = request(alice, NOW, NOW, None);
            booking.terms.start = start;
            booking.terms.end = start + chrono::Duration::minutes(30);
            booking
        })
        .collect();
    let outcomes = race(&db, 3, requests).await;
    let mut landed: Vec<_> = created(&outcomes)
        .into_iter()
        .map(|b| (b.terms.start, b.terms.end))
        .collect();
    landed.sort();
    assert!(!landed.is_empty());
    for pair in landed.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlapping bookings {pair:?}");
    }
    assert_eq!(store.counts().await.unwrap().bookings, landed.len());
}

// Pins idempotency across stores: one key sent by many at once makes one booking, and
// every other sender gets that same booking back.
async fn one_idempotency_key_from_racing_stores_makes_one_booking(db: TestDb) {
    let (_store, alice) = open(&db).await;
    let slot = request(
        alice,
        "2026-04-20T10:00:00Z",
        "2026-04-20T10:30:00Z",
        Some("same-key"),
    );
    let outcomes = race(&db, 4, vec![slot; 12]).await;
    let made = created(&outcomes);
    assert_eq!(made.len(), 1, "{outcomes:?}");
    for outcome in &outcomes {
        match outcome {
            BookingOutcome::Created(_) => {}
            BookingOutcome::Replayed(booking) => assert_eq!(booking, made[0]),
            other => panic!("expected the first booking back, got {other:?}"),
        }
    }
}

// Pins multi-host bookings under a race: pairs and single hosts for one slot, in any
// order, never book a host twice.
async fn racing_multi_host_bookings_never_book_a_host_twice(db: TestDb) {
    let (store, alice) = open(&db).await;
    store
        .import(
            vec![AccountImport {
                email: "bob@example.com".into(),
                time_zone: chrono_tz::UTC,
                rules: None,
                calendars: vec![CalendarImport {
                    id: "cal_bob".into(),
                    name: "Work".into(),
                    events: Vec::new(),
                    source: None,
                }],
            }],
            at(NOW),
        )
        .await
        .unwrap();
    let bob = store
        .account_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let hosts = [vec![alice, bob], vec![bob, alice], vec![alice], vec![bob]];
    let requests: Vec<NewBooking> = (0..16)
        .map(|n| {
            let mut booking = request(alice, "2026-04-20T16:00:00Z", "2026-04-20T16:30:00Z", None);
            booking.terms.hosts = hosts[n % hosts.len()].clone();
            booking
        })
        .collect();
    let outcomes = race(&db, 2, requests).await;
    let made = created(&outcomes);
    for host in [alice, bob] {
        let times = made
            .iter()
            .filter(|b| b.terms.hosts.contains(&host))
            .count();
        assert_eq!(times, 1, "host {host} in {made:?}");
    }
}

// Pins what a booking keeps: read back by id, it is what the insert returned.
async fn a_booking_reads_back_as_it_was_made(db: TestDb) {
    let (store, alice) = open(&db).await;
    let BookingOutcome::Created(made) = store
        .insert_booking_if_free(
            request(
                alice,
                "2026-04-20T10:00:00Z",
                "2026-04-20T10:30:00Z",
                Some("k"),
            ),
            STRICT,
            at(NOW),
        )
        .await
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(made.created_at, at(NOW));
    assert_eq!(made.idempotency_key.as_deref(), Some("k"));
    assert_eq!(made.terms.note.as_deref(), Some("intro call"));
    assert_eq!(store.booking(&made.id).await.unwrap(), Some(made.clone()));
    assert_eq!(store.booking("no-such-id").await.unwrap(), None);
    // A booking with no hosts, or no length, is the caller's bug.
    let mut empty = request(alice, "2026-04-20T12:00:00Z", "2026-04-20T12:00:00Z", None);
    assert!(
        store
            .insert_booking_if_free(empty.clone(), STRICT, at(NOW))
            .await
            .is_err()
    );
    empty.terms.end = at("2026-04-20T12:30:00Z");
    empty.terms.hosts.clear();
    assert!(
        store
            .insert_booking_if_free(empty, STRICT, at(NOW))
            .await
            .is_err()
    );
}

// Pins the database's own guarantee on PostgreSQL, beneath the store's locks: a second
// overlapping booking of a host is refused even when written by plain SQL that skips
// the store, and a cancelled booking no longer counts.
#[tokio::test]
async fn postgresql_itself_refuses_overlapping_bookings_of_a_host() {
    let Some(db) = TestDb::new(common::db::Backend::Postgres).await else {
        return;
    };
    let (store, alice) = open(&db).await;
    let BookingOutcome::Created(first) = store
        .insert_booking_if_free(
            request(alice, "2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z", None),
            STRICT,
            at(NOW),
        )
        .await
        .unwrap()
    else {
        panic!("refused")
    };
    let (start, end) = (
        at("2026-04-20T10:15:00Z").timestamp(),
        at("2026-04-20T10:45:00Z").timestamp(),
    );
    let sneak = format!(
        "INSERT INTO bookings (id, start_at, end_at, booker_name, booker_email,
                               cancel_token_hash, created_at)
         VALUES ('sneaky', {start}, {end}, 'S', 's@example.org', 'h', 0);
         INSERT INTO booking_hosts (booking_id, account_id, during)
         VALUES ('sneaky', {alice}, int8range({start}, {end}));"
    );
    let refused = db.execute(&sneak).await.unwrap_err();
    assert!(refused.contains("booking_hosts_no_overlap"), "{refused}");
    store
        .cancel_booking(&first.id, "hash-of-token", at(NOW))
        .await
        .unwrap()
        .unwrap();
    db.execute(&sneak)
        .await
        .expect("the cancelled booking no longer counts");
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

/// What a guard over `window` saw when `host` booked 12:00-12:30 on 2026-04-20 (which
/// must land), at `now`.
async fn seen_by_a_guard(
    store: &Store,
    host: i64,
    window: (&str, &str),
    blocking: Blocking,
    now: &str,
) -> Vec<HostSnapshot> {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let guard = recording_guard(window, seen.clone(), Ok(()));
    let meeting = request(
        host,
        "2026-04-20T12:00:00Z",
        "2026-04-20T12:30:00Z",
        Some("meeting"),
    );
    let outcome = store
        .insert_booking_checked(meeting, blocking, guard, at(now))
        .await
        .unwrap();
    assert!(matches!(outcome, BookingOutcome::Created(_)), "{outcome:?}");
    seen.lock().unwrap().clone()
}

// Pins what a guard sees: the host's events not deleted, every status, clipped to its
// window, and their bookings not cancelled, read inside the booking's transaction.
async fn a_booking_guard_sees_the_hosts_events_and_bookings_in_its_window(db: TestDb) {
    let (store, alice) = open(&db).await;
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

    let seen = seen_by_a_guard(
        &store,
        alice,
        ("2026-04-20T09:30:00Z", "2026-04-20T17:00:00Z"),
        BLOCK_TENTATIVE,
        "2026-04-19T00:00:00Z",
    )
    .await;
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

// Pins the bounds of what a guard reads: everything that reaches into its window (a
// long tentative trip, an event and a long booking that began before it, the day's
// earlier booking the day cap counts, one just after that a buffer must see), and
// nothing that ended before it or starts after it.
async fn a_booking_guard_sees_long_and_crossing_events_and_bookings_but_nothing_outside(
    db: TestDb,
) {
    let store = db.open().await;
    let mut accounts = alice_day();
    accounts[0].calendars[0].events = vec![
        event(
            "long-ago",
            "2020-04-20T09:00:00Z",
            "2020-04-20T10:00:00Z",
            Status::Busy,
            false,
        ),
        event(
            "trip",
            "2026-04-10T00:00:00Z",
            "2026-05-10T00:00:00Z",
            Status::Tentative,
            false,
        ),
        event(
            "late-show",
            "2026-04-19T22:00:00Z",
            "2026-04-20T01:00:00Z",
            Status::Busy,
            false,
        ),
        event(
            "next-day",
            "2026-04-21T09:00:00Z",
            "2026-04-21T10:00:00Z",
            Status::Busy,
            false,
        ),
    ];
    store
        .import(accounts, at("2026-04-01T00:00:00Z"))
        .await
        .unwrap();
    let alice = store
        .account_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    // The trip is tentative: these bookings are made over it.
    let over_tentative = Blocking { tentative: false };
    for (key, start, end) in [
        ("old", "2026-04-12T10:00:00Z", "2026-04-12T10:30:00Z"),
        ("long", "2026-04-17T12:00:00Z", "2026-04-19T22:00:00Z"),
        ("morning", "2026-04-20T08:00:00Z", "2026-04-20T08:30:00Z"),
        ("after", "2026-04-20T12:30:00Z", "2026-04-20T12:45:00Z"),
        ("later", "2026-04-22T08:00:00Z", "2026-04-22T08:30:00Z"),
    ] {
        let made = store
            .insert_booking_if_free(
                request(alice, start, end, Some(key)),
                over_tentative,
                at("2026-04-01T00:00:00Z"),
            )
            .await
            .unwrap();
        assert!(
            matches!(made, BookingOutcome::Created(_)),
            "{key}: {made:?}"
        );
    }

    let seen = seen_by_a_guard(
        &store,
        alice,
        ("2026-04-19T21:00:00Z", "2026-04-21T00:00:00Z"),
        over_tentative,
        "2026-04-01T00:00:00Z",
    )
    .await;
    let period = |start: &str, end: &str, status| Period::new(at(start), at(end), status).unwrap();
    let window = |start: &str, end: &str| Window::new(at(start), at(end)).unwrap();
    assert_eq!(
        seen[0].periods,
        [
            period(
                "2026-04-19T21:00:00Z",
                "2026-04-21T00:00:00Z",
                Status::Tentative
            ),
            period("2026-04-19T21:00:00Z", "2026-04-19T22:00:00Z", Status::Busy),
            period("2026-04-19T22:00:00Z", "2026-04-20T01:00:00Z", Status::Busy),
            period("2026-04-20T08:00:00Z", "2026-04-20T08:30:00Z", Status::Busy),
            period("2026-04-20T12:30:00Z", "2026-04-20T12:45:00Z", Status::Busy),
        ]
    );
    assert_eq!(
        seen[0].bookings,
        [
            window("2026-04-17T12:00:00Z", "2026-04-19T22:00:00Z"),
            window("2026-04-20T08:00:00Z", "2026-04-20T08:30:00Z"),
            window("2026-04-20T12:30:00Z", "2026-04-20T12:45:00Z"),
        ]
    );
}

// Pins a refusal: nothing is written, the refusal comes back as it was, and a replay of
// a booking made earlier is answered before the guard runs.
async fn a_booking_guard_refusal_writes_nothing_and_a_replay_skips_the_guard(db: TestDb) {
    let (store, alice) = open(&db).await;
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
async fn an_accounts_rules_are_stored_and_replaced_by_each_import(db: TestDb) {
    let (store, alice) = open(&db).await;
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

on_both_backends!(
    the_second_of_two_overlapping_bookings_is_refused,
    back_to_back_bookings_both_land,
    busy_events_block_and_free_or_deleted_ones_do_not,
    long_events_and_bookings_that_began_days_before_still_block,
    a_retry_with_the_same_idempotency_key_returns_the_first_booking,
    a_cancelled_booking_frees_its_slot,
    stores_racing_for_one_slot_book_it_once,
    racing_shifted_slots_never_leave_two_overlapping_bookings,
    one_idempotency_key_from_racing_stores_makes_one_booking,
    racing_multi_host_bookings_never_book_a_host_twice,
    a_booking_reads_back_as_it_was_made,
    a_booking_guard_sees_the_hosts_events_and_bookings_in_its_window,
    a_booking_guard_sees_long_and_crossing_events_and_bookings_but_nothing_outside,
    a_booking_guard_refusal_writes_nothing_and_a_replay_skips_the_guard,
    an_accounts_rules_are_stored_and_replaced_by_each_import,
);
