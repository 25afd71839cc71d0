//! Leases, on both backends: the primitive background work (source sync, the outbox)
//! uses to run once per item across replicas, and to take over from a replica that died.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::db::TestDb;
use freebusy_server::store::{Lease, StoreError};
use tokio::sync::Barrier;

const LONG: Duration = Duration::from_secs(600);

/// Polls `attempt` until it yields a value; fails the test after a minute.
async fn eventually<T>(mut attempt: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = attempt().await {
            return value;
        }
        assert!(Instant::now() < deadline, "the condition never held");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// Pins the basic contract: one live lease per item, not re-entrant, renewable and
// releasable by its holder only, and the next acquisition gets a larger generation.
async fn a_lease_is_held_by_one_holder_until_released(db: TestDb) {
    let store = db.open().await;
    let first = store
        .acquire_lease("source_sync", "src_1", "replica-a", LONG)
        .await
        .unwrap()
        .expect("a fresh item can be leased");
    assert_eq!(
        (
            first.name.as_str(),
            first.item.as_str(),
            first.holder.as_str()
        ),
        ("source_sync", "src_1", "replica-a")
    );
    assert!(first.expires_at > chrono::Utc::now() + chrono::Duration::seconds(500));
    for holder in ["replica-b", "replica-a"] {
        assert_eq!(
            store
                .acquire_lease("source_sync", "src_1", holder, LONG)
                .await
                .unwrap(),
            None,
            "{holder} must not get a live lease"
        );
    }
    // Other items, and the same item of other work, are separate leases.
    assert!(
        store
            .acquire_lease("source_sync", "src_2", "replica-b", LONG)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .acquire_lease("outbox", "src_1", "replica-b", LONG)
            .await
            .unwrap()
            .is_some()
    );

    let renewed = store
        .renew_lease(&first, LONG)
        .await
        .unwrap()
        .expect("the holder renews");
    assert_eq!(renewed.generation, first.generation);
    assert!(renewed.expires_at >= first.expires_at);
    let stranger = Lease {
        holder: "replica-b".into(),
        ..first.clone()
    };
    assert_eq!(store.renew_lease(&stranger, LONG).await.unwrap(), None);
    assert!(!store.release_lease(&stranger).await.unwrap());

    assert!(store.release_lease(&renewed).await.unwrap());
    assert!(
        !store.release_lease(&renewed).await.unwrap(),
        "released once"
    );
    assert_eq!(
        store.renew_lease(&renewed, LONG).await.unwrap(),
        None,
        "a released lease is gone"
    );
    let next = store
        .acquire_lease("source_sync", "src_1", "replica-b", LONG)
        .await
        .unwrap()
        .expect("a released item can be leased at once");
    assert!(next.generation > first.generation);
}

// Pins takeover: a holder that stops renewing (its replica died) loses the item once
// the lease lapses; the next holder gets a larger generation, and the old holder's
// renew and release then fail, so its late work can be refused.
async fn a_lapsed_lease_is_taken_over_and_fences_the_old_holder(db: TestDb) {
    let store = db.open().await;
    let other_replica = db.open().await;
    let dead = store
        .acquire_lease("outbox", "msg_7", "replica-a", Duration::from_millis(50))
        .await
        .unwrap()
        .unwrap();
    let taken = eventually(async || {
        other_replica
            .acquire_lease("outbox", "msg_7", "replica-b", LONG)
            .await
            .unwrap()
    })
    .await;
    assert!(taken.generation > dead.generation);
    assert_eq!(store.renew_lease(&dead, LONG).await.unwrap(), None);
    assert!(!store.release_lease(&dead).await.unwrap());
    assert!(
        other_replica
            .renew_lease(&taken, LONG)
            .await
            .unwrap()
            .is_some()
    );
}

// Pins that a lapsed lease nobody took is still its holder's to renew: no one else
// can have worked on the item meanwhile.
async fn a_lapsed_lease_nobody_took_can_be_renewed(db: TestDb) {
    let store = db.open().await;
    let lease = store
        .acquire_lease(
            "source_sync",
            "src_1",
            "replica-a",
            Duration::from_millis(1),
        )
        .await
        .unwrap()
        .unwrap();
    let renewed = store.renew_lease(&lease, LONG).await.unwrap().unwrap();
    assert_eq!(renewed.generation, lease.generation);
}

// Pins once per item under concurrency: workers on two stores (two replicas) all try
// every item at once; each item goes to exactly one of them.
async fn racing_workers_on_two_replicas_get_each_item_once(db: TestDb) {
    let replicas = [db.open().await, db.open().await];
    let items: Vec<String> = (0..40).map(|n| format!("item_{n}")).collect();
    let won: Arc<Mutex<BTreeMap<String, Vec<String>>>> = Arc::default();
    let start = Arc::new(Barrier::new(8));
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let store = replicas[worker % 2].clone();
            let (items, won, start) = (items.clone(), Arc::clone(&won), Arc::clone(&start));
            tokio::spawn(async move {
                let holder = format!("replica-{}-worker-{worker}", worker % 2);
                start.wait().await;
                // Each worker walks the items from its own offset, so they collide.
                for n in 0..items.len() {
                    let item = &items[(n + worker * 5) % items.len()];
                    if let Some(lease) = store
                        .acquire_lease("source_sync", item, &holder, LONG)
                        .await
                        .unwrap()
                    {
                        won.lock()
                            .unwrap()
                            .entry(lease.item)
                            .or_default()
                            .push(holder.clone());
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let won = won.lock().unwrap();
    assert_eq!(won.len(), items.len(), "every item was taken");
    for (item, holders) in won.iter() {
        assert_eq!(holders.len(), 1, "{item} went to {holders:?}");
    }
}

// Pins the refusals: no empty names, no zero or day-long leases.
async fn a_lease_needs_names_and_a_sensible_duration(db: TestDb) {
    let store = db.open().await;
    for (name, item, holder, ttl) in [
        ("", "i", "h", LONG),
        ("n", "", "h", LONG),
        ("n", "i", "", LONG),
        ("n", "i", "h", Duration::ZERO),
        ("n", "i", "h", Duration::from_secs(2 * 24 * 3600)),
    ] {
        assert!(
            matches!(
                store.acquire_lease(name, item, holder, ttl).await,
                Err(StoreError::Invalid(_))
            ),
            "{name:?} {item:?} {holder:?} {ttl:?}"
        );
    }
}

on_both_backends!(
    a_lease_is_held_by_one_holder_until_released,
    a_lapsed_lease_is_taken_over_and_fences_the_old_holder,
    a_lapsed_lease_nobody_took_can_be_renewed,
    racing_workers_on_two_replicas_get_each_item_once,
    a_lease_needs_names_and_a_sensible_duration,
);
