//! Durability of bookings: the real binary, killed with SIGKILL while bookings are in
//! flight, then restarted on the same file.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{booking_seed, dave_slot, stream_bookings};
use freebusy_server::store::{Location, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_freebusy-server");

/// Starts the binary on `db` with the booking seed; returns it and its base URL.
fn start(dir: &std::path::Path) -> (Child, String) {
    let seed = dir.join("seed.json");
    std::fs::write(&seed, booking_seed()).unwrap();
    let mut child = Command::new(BINARY)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--rate-per-second",
            "100000",
            "--rate-burst",
            "100000",
            "--seed",
        ])
        .arg(&seed)
        .arg("--db")
        .arg(dir.join("crash.sqlite3"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = common::listening_url(&mut child)
        .unwrap_or_else(|line| panic!("unexpected first line {line:?}"));
    (child, url)
}

// Pins "a 201 means on disk": bookings race a SIGKILL; after it, every acknowledged
// booking is in the file, and a restarted server refuses those slots.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_booking_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = start(dir.path());
    let client = reqwest::Client::new();
    let acknowledged = Arc::new(AtomicUsize::new(0));
    // 8 clients keep bookings in flight, each taking the next free slot (288 a day).
    let workers = stream_bookings(std::slice::from_ref(&url), 8, "crash", &acknowledged);
    while acknowledged.load(Ordering::SeqCst) < 30 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let killed = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap();
    let mut created = Vec::new();
    for worker in workers {
        created.extend(worker.await.unwrap());
    }
    assert!(created.len() >= 30);
    assert!(
        created.len() < 288,
        "the kill should land while bookings are still in flight"
    );

    let store = Store::open(&Location::Sqlite(dir.path().join("crash.sqlite3")))
        .await
        .unwrap();
    for (_, id) in &created {
        let booking = store.booking(id).await.unwrap();
        assert!(booking.is_some(), "acknowledged booking {id} was lost");
    }
    drop(store);

    let (mut child, url) = start(dir.path());
    for (n, _) in created.iter().take(5) {
        let mut again = dave_slot(*n, "crash");
        again["idempotency_key"] = json!(format!("after-restart-{n}"));
        let response = client
            .post(format!("{url}/v1/bookings"))
            .json(&again)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT, "slot {n}");
    }
    let (n, id) = &created[0];
    let replay: Value = client
        .post(format!("{url}/v1/bookings"))
        .json(&dave_slot(*n, "crash"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(&replay["id"], id, "the idempotency key survives too");
    child.kill().unwrap();
    child.wait().unwrap();
}
