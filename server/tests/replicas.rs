//! Several server processes on one PostgreSQL: the real binary, twice, over HTTP.
//! Races for one slot and for overlapping slots split across both, `kill -9` of one
//! while bookings stream, both starting at once on a fresh database, and a database
//! that goes away and comes back.
//!
//! These need PostgreSQL (`FREEBUSY_TEST_POSTGRES`, see `common/db.rs`); without it they
//! say so on stderr and do nothing.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::at;
use common::db::{Backend, TestDb};
use freebusy_server::store::{Location, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Barrier;

const BINARY: &str = env!("CARGO_BIN_EXE_freebusy-server");

/// A server process; killed when dropped.
struct Replica {
    child: Child,
    url: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns the binary on `db` with the booking seed (each replica upserts it, as
/// replicas started from one configuration would). Generous timeouts: the machine is
/// shared, and these tests are about who wins, not how fast.
fn spawn(db: &str, seed: &Path) -> Child {
    Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--db", db, "--seed"])
        .arg(seed)
        .args(common::NO_RATE_LIMIT)
        .args(["--db-timeout-ms", "30000", "--request-timeout-ms", "60000"])
        .args(["--idle-timeout-ms", "90000"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server binary starts")
}

/// Waits for a spawned server's "listening on" line.
fn ready(mut child: Child) -> Replica {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a first line");
    let url = line
        .trim()
        .strip_prefix("freebusy-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Replica { child, url }
}

/// A fresh PostgreSQL database and two replicas on it, started at the same moment.
async fn two_replicas() -> Option<(TestDb, [Replica; 2])> {
    let db = TestDb::new(Backend::Postgres).await?;
    let seed = db.dir.path().join("seed.json");
    std::fs::write(&seed, common::booking_seed()).unwrap();
    let (a, b) = (spawn(&db.db_flag(), &seed), spawn(&db.db_flag(), &seed));
    let replicas = [ready(a), ready(b)];
    Some((db, replicas))
}

/// A booking of dave (no events) on the booking day, `minutes` after midnight.
fn dave(minutes: usize, length: usize, key: &str) -> Value {
    let hh_mm = |m: usize| format!("{:02}:{:02}", m / 60, m % 60);
    json!({
        "hosts": ["dave@example.com"],
        "start": at(&hh_mm(minutes)),
        "end": at(&hh_mm(minutes + length)),
        "name": "Race Test",
        "email": "race@example.org",
        "idempotency_key": key,
    })
}

/// Sends every body at once (after a barrier), body `n` to replica `n % 2`; returns
/// each answer's status and JSON, in order.
async fn race(replicas: &[Replica; 2], bodies: Vec<Value>) -> Vec<(StatusCode, Value)> {
    let client = reqwest::Client::new();
    let start = Arc::new(Barrier::new(bodies.len()));
    let senders: Vec<_> = bodies
        .into_iter()
        .enumerate()
        .map(|(n, body)| {
            let url = format!("{}/v1/bookings", replicas[n % 2].url);
            let (client, start) = (client.clone(), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                let response = client.post(url).json(&body).send().await.unwrap();
                let status = response.status();
                (
                    status,
                    response.json::<Value>().await.unwrap_or(Value::Null),
                )
            })
        })
        .collect();
    let mut answers = Vec::new();
    for sender in senders {
        answers.push(sender.await.unwrap());
    }
    answers
}

/// How many answers had each status.
fn tally(answers: &[(StatusCode, Value)]) -> std::collections::BTreeMap<u16, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for (status, _) in answers {
        *counts.entry(status.as_u16()).or_default() += 1;
    }
    counts
}

// Pins the headline promise across replicas: 200 requests for one slot, split across
// two processes, give exactly one 201 and 199 409s, and no 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_requests_for_one_slot_across_two_replicas_book_it_once() {
    let Some((db, replicas)) = two_replicas().await else {
        return;
    };
    let bodies = (0..200)
        .map(|n| dave(600, 30, &format!("one-slot-{n}")))
        .collect();
    let answers = race(&replicas, bodies).await;
    assert_eq!(
        tally(&answers),
        [(201, 1), (409, 199)].into_iter().collect(),
        "{:?}",
        answers.iter().find(|(s, _)| s.is_server_error())
    );
    assert_eq!(db.open().await.counts().await.unwrap().bookings, 1);
}

// Pins the overlap rule across replicas: 200 half-hour requests, each shifted by five
// minutes (the hosts' rules' step), split across two processes; the accepted ones never overlap, and they are
// exactly the bookings stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_shifted_overlapping_requests_leave_no_two_bookings_overlapping() {
    let Some((db, replicas)) = two_replicas().await else {
        return;
    };
    let bodies = (0..200)
        .map(|n| dave(60 + 5 * n, 30, &format!("shifted-{n}")))
        .collect();
    let answers = race(&replicas, bodies).await;
    let counts = tally(&answers);
    assert!(
        counts.keys().all(|&status| status == 201 || status == 409),
        "{counts:?}"
    );
    let store = db.open().await;
    let mut accepted = Vec::new();
    for (status, body) in &answers {
        if *status == StatusCode::CREATED {
            let booking = store
                .booking(body["id"].as_str().unwrap())
                .await
                .unwrap()
                .expect("an acknowledged booking is stored");
            accepted.push((booking.terms.start, booking.terms.end));
        }
    }
    accepted.sort();
    // Every refused request overlaps an accepted one, and one accepted booking blocks
    // at most 11 of the 200 starts (its own and five either side): at least 19 land,
    // whatever order they arrived in.
    assert!(accepted.len() >= 19, "{accepted:?}");
    for pair in accepted.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlapping bookings {pair:?}");
    }
    assert_eq!(store.counts().await.unwrap().bookings, accepted.len());
}

// Pins durability across replicas: bookings stream into both, one is killed with
// SIGKILL mid-stream; every booking either one acknowledged is stored, the survivor
// keeps serving, and it refuses the taken slots and replays their keys.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_of_one_replica_while_bookings_stream_loses_no_acknowledged_booking() {
    let Some((db, mut replicas)) = two_replicas().await else {
        return;
    };
    let client = reqwest::Client::new();
    let acknowledged = Arc::new(AtomicUsize::new(0));
    // 8 clients, 4 per replica, each taking the next free five-minute slot (288 a day).
    let urls = [replicas[0].url.clone(), replicas[1].url.clone()];
    let workers = common::stream_bookings(&urls, 8, "stream", &acknowledged);
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.load(Ordering::SeqCst) < 30 {
        assert!(Instant::now() < deadline, "bookings never got going");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let killed = Command::new("kill")
        .args(["-KILL", &replicas[0].child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    replicas[0].child.wait().unwrap();
    let mut created = Vec::new();
    for worker in workers {
        created.extend(worker.await.unwrap());
    }
    assert!(created.len() >= 30);

    let store = db.open().await;
    for (slot, id) in &created {
        let booking = store.booking(id).await.unwrap();
        assert!(
            booking.is_some(),
            "acknowledged booking {id} (slot {slot}) was lost"
        );
    }
    // Nothing beyond them landed either: every stored booking was acknowledged or was
    // in flight on the killed replica when it died (at most one per its 4 clients).
    let stored = store.counts().await.unwrap().bookings;
    assert!(
        stored >= created.len() && stored <= created.len() + 4,
        "{stored} vs {}",
        created.len()
    );

    let survivor = &replicas[1].url;
    for (slot, _) in created.iter().take(5) {
        let response = client
            .post(format!("{survivor}/v1/bookings"))
            .json(&common::dave_slot(*slot, "after-kill"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT, "slot {slot}");
    }
    let (slot, id) = &created[0];
    let replay: Value = client
        .post(format!("{survivor}/v1/bookings"))
        .json(&common::dave_slot(*slot, "stream"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        &replay["id"], id,
        "the idempotency key holds on the other replica"
    );
}

// Pins what both replicas see: a booking made through one is busy time in the other's
// free/busy answer at once (no cache between them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_through_one_replica_is_busy_time_on_the_other() {
    let Some((_db, replicas)) = two_replicas().await else {
        return;
    };
    let client = reqwest::Client::new();
    let made = client
        .post(format!("{}/v1/bookings", replicas[0].url))
        .json(&dave(600, 30, "seen-elsewhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let day = common::booking_day()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let answer: Value = client
        .get(format!(
            "{}/dave@example.com?start={}&end={}",
            replicas[1].url,
            day.timestamp(),
            day.timestamp() + 86_400
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!([{"start": at("10:00"), "end": at("10:30"), "type": "busy"}])
    );
}

/// `scripts/postgres.sh` with these arguments; its stdout.
fn cluster(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres.sh");
    let output = Command::new(script)
        .args(args)
        .output()
        .expect("postgres.sh runs");
    assert!(
        output.status.success(),
        "postgres.sh {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Polls `url` until it answers `want`; fails the test after a minute.
async fn until_status(client: &reqwest::Client, url: &str, want: StatusCode) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = client.get(url).send().await {
            if response.status() == want {
                return response.json().await.unwrap_or(Value::Null);
            }
            assert!(
                !response.status().is_server_error() || response.status().as_u16() == 503,
                "{url}: {}",
                response.status()
            );
        }
        assert!(Instant::now() < deadline, "{url} never answered {want}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// Pins "a database that goes away gives 503s and recovers by itself": a cluster of its
// own (the shared one must stay up) is stopped under a running server, which answers
// 503 `unavailable` on every route that needs it, then started again, after which the
// same process serves and books without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_gives_503s_and_the_server_recovers_when_it_returns() {
    if common::db::cluster_url().is_none() {
        eprintln!("FREEBUSY_TEST_POSTGRES is not set: this PostgreSQL test ran nothing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("cluster");
    let data_arg = data.to_str().unwrap();
    let url = format!("{}/postgres", cluster(&["start", data_arg]));
    struct Cleanup(String);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ =
                Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres.sh"))
                    .args(["remove", &self.0])
                    .status();
        }
    }
    let _cleanup = Cleanup(data_arg.to_owned());
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, common::booking_seed()).unwrap();
    let replica = ready(
        Command::new(BINARY)
            .args(["--listen", "127.0.0.1:0", "--db", &url, "--seed"])
            .arg(&seed)
            .args(common::NO_RATE_LIMIT)
            .args(["--db-timeout-ms", "2000"])
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let health = format!("{}/healthz", replica.url);
    let day = common::booking_day()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let week = format!(
        "{}/alice@example.com?start={}&end={}",
        replica.url,
        day.timestamp(),
        day.timestamp() + 86_400
    );
    until_status(&client, &health, StatusCode::OK).await;
    until_status(&client, &week, StatusCode::OK).await;

    cluster(&["stop", data_arg]);
    let body = until_status(&client, &health, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["error"]["code"], "unavailable");
    let body = until_status(&client, &week, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    let refused = client
        .post(format!("{}/v1/bookings", replica.url))
        .json(&dave(600, 30, "while-away"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");

    cluster(&["start", data_arg]);
    until_status(&client, &health, StatusCode::OK).await;
    until_status(&client, &week, StatusCode::OK).await;
    let booked = client
        .post(format!("{}/v1/bookings", replica.url))
        .json(&dave(600, 30, "after-return"))
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), StatusCode::CREATED);
    let store = Store::open(&url.parse::<Location>().unwrap())
        .await
        .unwrap();
    assert_eq!(store.counts().await.unwrap().bookings, 1);
}

/// Next week's Monday (UTC), so a feed's week is inside the sync's horizon.
fn next_monday() -> chrono::NaiveDate {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    today + chrono::Days::new(u64::from(7 - today.weekday().num_days_from_monday()))
}

/// A seed file in `db`'s folder: ann, whose one calendar is the ICS feed at `url`
/// (read hourly, with this timeout).
fn feed_seed(db: &TestDb, url: &str, timeout_seconds: u64) -> std::path::PathBuf {
    let seed = db.dir.path().join("feed-seed.json");
    std::fs::write(
        &seed,
        format!(
            r#"{{"accounts": [{{"email": "ann@example.com", "calendars": [
                {{"id": "cal_ann_feed", "name": "Feed", "source": {{"kind": "ics",
                  "url": "{url}", "interval_seconds": 3600, "timeout_seconds": {timeout_seconds}}}}}
            ]}}]}}"#
        ),
    )
    .unwrap();
    seed
}

/// Polls ann's Zonio-style week at next Monday on `replica` until the feed has been
/// read (no unknown time left), within `within`; the week's periods.
async fn until_read(replica: &Replica, within: Duration) -> Value {
    let client = reqwest::Client::new();
    let monday = next_monday().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let url = format!(
        "{}/ann@example.com?start={}&end={}",
        replica.url,
        monday.timestamp(),
        monday.timestamp() + 7 * 86_400
    );
    let deadline = Instant::now() + within;
    loop {
        if let Ok(response) = client.get(&url).send().await
            && response.status() == StatusCode::OK
        {
            let week: Value = response.json().await.unwrap_or(Value::Null);
            let periods = week.as_array().cloned().unwrap_or_default();
            if !periods.is_empty() && periods.iter().all(|p| p["type"] != "unknown") {
                return week;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never answered ann's week from the feed",
            replica.url
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// Pins sync across replicas: two servers started at the same moment on a fresh
// database, both configured with the same feed, fetch it once between them (the
// source's lease) and both answer from that one snapshot.
#[tokio::test]
async fn two_replicas_read_a_feed_once_and_both_answer_from_it() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let feeds = common::feed::FeedServer::start().await;
    let wednesday = next_monday() + chrono::Days::new(2);
    feeds.set(
        "ann.ics",
        common::feed::Answer::Ics(common::feed::weekly_feed(wednesday, "Review")),
    );
    let seed = feed_seed(&db, &feeds.url("ann.ics"), 30);
    let (a, b) = (spawn(&db.db_flag(), &seed), spawn(&db.db_flag(), &seed));
    let replicas = [ready(a), ready(b)];
    let first = until_read(&replicas[0], Duration::from_secs(60)).await;
    let second = until_read(&replicas[1], Duration::from_secs(60)).await;
    assert_eq!(first, second);
    assert_eq!(
        first.as_array().map(Vec::len),
        Some(2),
        "Monday's weekly and Wednesday's one-off: {first}"
    );
    assert_eq!(
        feeds.seen("ann.ics").len(),
        1,
        "one fetch for both replicas"
    );
}

// Pins the takeover: a replica killed with -9 in the middle of a read (its feed never
// answers) leaves the source's lease behind; another replica takes the source over once
// the lease lapses, reads it, and the lease's generation shows the takeover.
#[tokio::test]
async fn a_source_whose_reader_was_killed_mid_read_is_taken_over() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let feeds = common::feed::FeedServer::start().await;
    feeds.set("ann.ics", common::feed::Answer::Never);
    let seed = feed_seed(&db, &feeds.url("ann.ics"), 3);
    let mut doomed = ready(spawn(&db.db_flag(), &seed));
    let deadline = Instant::now() + Duration::from_secs(30);
    while feeds.seen("ann.ics").is_empty() {
        assert!(Instant::now() < deadline, "the first replica never fetched");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();
    let wednesday = next_monday() + chrono::Days::new(2);
    feeds.set(
        "ann.ics",
        common::feed::Answer::Ics(common::feed::weekly_feed(wednesday, "Review")),
    );
    let survivor = ready(spawn(&db.db_flag(), &seed));
    // The lease lasts the read's bound (3 x 3 s + 1 s) plus 10 s; the survivor looks at
    // the schedule every 30 s.
    until_read(&survivor, Duration::from_secs(90)).await;
    assert_eq!(feeds.seen("ann.ics").len(), 2);
    let generation = db
        .query_i64("SELECT generation FROM leases WHERE name = 'source_sync'")
        .await;
    assert_eq!(generation, 2, "taken over once");
}

// Pins issue 17's promise across replicas: moves of 40 bookings and 40 new bookings,
// all into one slot at once and split across two processes, leave exactly one winner
// (a 200 or a 201) and 79 409s; every loser keeps its time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn moves_and_bookings_racing_for_one_slot_across_two_replicas_leave_one_winner() {
    let Some((db, replicas)) = two_replicas().await else {
        return;
    };
    let client = reqwest::Client::new();
    let mut booked = Vec::new();
    for n in 0..40 {
        let url = format!("{}/v1/bookings", replicas[n % 2].url);
        let body = dave(780 + 5 * n, 5, &format!("spread-{n}"));
        let response = client.post(url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        booked.push(response.json::<Value>().await.unwrap());
    }
    let start = Arc::new(Barrier::new(80));
    let mut senders = Vec::new();
    for (n, booking) in booked.iter().enumerate() {
        let url = format!(
            "{}/v1/bookings/{}",
            replicas[n % 2].url,
            booking["id"].as_str().unwrap()
        );
        let token = booking["cancel_token"].as_str().unwrap().to_owned();
        let (client, start) = (client.clone(), Arc::clone(&start));
        senders.push(tokio::spawn(async move {
            start.wait().await;
            let response = client
                .patch(url)
                .bearer_auth(token)
                .json(&json!({"start": at("12:00")}))
                .send()
                .await
                .unwrap();
            (
                response.status(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }));
    }
    for n in 0..40 {
        let url = format!("{}/v1/bookings", replicas[(n + 1) % 2].url);
        let body = dave(720, 5, &format!("fresh-{n}"));
        let (client, start) = (client.clone(), Arc::clone(&start));
        senders.push(tokio::spawn(async move {
            start.wait().await;
            let response = client.post(url).json(&body).send().await.unwrap();
            (
                response.status(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }));
    }
    let mut answers = Vec::new();
    for sender in senders {
        answers.push(sender.await.unwrap());
    }
    let counts = tally(&answers);
    let winners = counts.get(&200).copied().unwrap_or(0) + counts.get(&201).copied().unwrap_or(0);
    assert_eq!(
        (winners, counts.get(&409).copied()),
        (1, Some(79)),
        "{counts:?}"
    );
    let store = db.open().await;
    assert_eq!(
        store.counts().await.unwrap().bookings,
        40 + counts.get(&201).copied().unwrap_or(0)
    );
    // The losers that tried to move are where they were.
    for (booking, (status, _)) in booked.iter().zip(&answers) {
        let stored = store
            .booking(booking["id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        let expected = if *status == StatusCode::OK {
            at("12:00")
        } else {
            booking["start"].as_str().unwrap().to_owned()
        };
        assert_eq!(
            freebusy_core::wire::rfc3339::format(stored.terms.start),
            expected
        );
    }
}
