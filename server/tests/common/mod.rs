//! A real server on a loopback socket over a real SQLite file (or, through
//! [`TestServer::start_on`], either backend's database), for the HTTP tests.

#![allow(dead_code)] // Each test binary uses a different part of this module.

pub mod db;
pub mod feed;
pub mod source_api;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::Child;
use std::sync::{Arc, Mutex};

use clap::Parser;
use freebusy_server::app;
use freebusy_server::config::Config;
use freebusy_server::listener::ConnectionLimits;
use freebusy_server::state::AppState;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A running server; it stops when dropped.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    /// Holds the database file; removed when the server is dropped.
    pub dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// Starts the server with these flags (beside `--db`, which points into a tempdir).
    pub async fn start(flags: &[&str]) -> TestServer {
        let (config, _, router, dir) = TestServer::configured(None, flags).await;
        TestServer::serve_with(router, dir, &config).await
    }

    /// Starts the server with `seed_json` loaded through `--seed`, and these flags.
    pub async fn start_with_seed(seed_json: &str, flags: &[&str]) -> TestServer {
        let (config, _, router, dir) = TestServer::configured(Some(seed_json), flags).await;
        TestServer::serve_with(router, dir, &config).await
    }

    /// The state and router a server would run, over a fresh tempdir database, for tests
    /// that need to reach behind the HTTP surface.
    pub async fn build(
        seed_json: Option<&str>,
        flags: &[&str],
    ) -> (AppState, axum::Router, TempDir) {
        let (_, state, router, dir) = TestServer::configured(seed_json, flags).await;
        (state, router, dir)
    }

    /// Starts the server on `db` (either backend, for HTTP tests listed in
    /// [`on_both_backends!`](crate::on_both_backends)), with `seed_json` if given, and
    /// these flags. `db` must outlive the server.
    pub async fn start_on(db: &db::TestDb, seed_json: Option<&str>, flags: &[&str]) -> TestServer {
        let (config, _, router, dir) =
            TestServer::configured_on(Some(&db.db_flag()), seed_json, flags).await;
        TestServer::serve_with(router, dir, &config).await
    }

    /// As [`TestServer::build`], with the parsed flags.
    pub async fn configured(
        seed_json: Option<&str>,
        flags: &[&str],
    ) -> (Config, AppState, axum::Router, TempDir) {
        TestServer::configured_on(None, seed_json, flags).await
    }

    /// As [`TestServer::configured`], on the database `db` names (`--db`), or on a fresh
    /// SQLite file in the tempdir without one.
    pub async fn configured_on(
        db: Option<&str>,
        seed_json: Option<&str>,
        flags: &[&str],
    ) -> (Config, AppState, axum::Router, TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = db.map_or_else(
            || {
                let file: PathBuf = dir.path().join("freebusy.sqlite3");
                file.display().to_string()
            },
            str::to_owned,
        );
        let mut argv = vec!["freebusy-server".to_owned(), "--db".into(), db];
        if let Some(seed_json) = seed_json {
            let seed = dir.path().join("seed.json");
            std::fs::write(&seed, seed_json).expect("write seed");
            argv.extend(["--seed".to_owned(), seed.display().to_string()]);
        }
        argv.extend(flags.iter().map(|flag| (*flag).to_owned()));
        let config = Config::parse_from(argv);
        config.check().expect("test config is consistent");
        let store = app::open_store(&config, chrono::Utc::now())
            .await
            .expect("store opens");
        let state = AppState::new(store, &config);
        app::start_sources(&state, &config)
            .await
            .expect("sources start");
        let router = app::router(state.clone(), &config);
        (config, state, router, dir)
    }

    /// Serves an already built router on a fresh loopback port, with the default
    /// connection limits.
    pub async fn serve(router: axum::Router, dir: TempDir) -> TestServer {
        let config = Config::parse_from(["freebusy-server"]);
        TestServer::serve_with(router, dir, &config).await
    }

    /// Serves an already built router on a fresh loopback port, with the connection
    /// limits of `config`.
    pub async fn serve_with(router: axum::Router, dir: TempDir, config: &Config) -> TestServer {
        let limits = ConnectionLimits::from_config(config).expect("limits fit");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app::serve(listener, router, limits, async {
            let _ = stopped.await;
        }));
        TestServer {
            base,
            dir,
            stop: Some(stop),
        }
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A client that never pools connections across tests' servers.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// The first ```json block of SEED.md: the documented example (April 2026).
pub fn documented_seed() -> String {
    let doc =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("SEED.md"))
            .expect("SEED.md");
    let start = doc.find("```json\n").expect("SEED.md has a json block") + "```json\n".len();
    let end = start + doc[start..].find("```").expect("the block is closed");
    doc[start..end].to_owned()
}

/// The day the booking tests book on: two days from now (UTC), so never in the past.
pub fn booking_day() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::TimeDelta::days(2)).date_naive()
}

/// An RFC 3339 UTC time on [`booking_day`], e.g. `at("10:00")`.
pub fn at(hh_mm: &str) -> String {
    format!("{}T{hh_mm}:00Z", booking_day())
}

/// Rules that take any 5-, 15-, 30- or 60-minute meeting starting on a five-minute mark, any
/// day, with no notice: for tests about calendars and bookings, not about rules (the
/// booking day may be a weekend).
pub const OPEN_RULES: &str = r#"{"weekly": {
    "monday": [{"start": "00:00", "end": "24:00"}], "tuesday": [{"start": "00:00", "end": "24:00"}],
    "wednesday": [{"start": "00:00", "end": "24:00"}], "thursday": [{"start": "00:00", "end": "24:00"}],
    "friday": [{"start": "00:00", "end": "24:00"}], "saturday": [{"start": "00:00", "end": "24:00"}],
    "sunday": [{"start": "00:00", "end": "24:00"}]},
  "notice_minutes": 0, "durations_minutes": [5, 15, 30, 60], "step_minutes": 5}"#;

/// Hosts on [`booking_day`], all with [`OPEN_RULES`]: alice busy 10:00-11:00 and
/// tentative 14:00-15:00, bob busy 09:00-10:00, carol without any calendar, dave with
/// an empty calendar.
pub fn booking_seed() -> String {
    format!(
        r#"{{"accounts": [
          {{"email": "alice@example.com", "rules": {OPEN_RULES}, "calendars": [{{"id": "cal_alice", "name": "Work", "events": [
            {{"uid": "a1", "start": "{}", "end": "{}", "status": "busy"}},
            {{"uid": "a2", "start": "{}", "end": "{}", "status": "tentative"}}
          ]}}]}},
          {{"email": "bob@example.com", "rules": {OPEN_RULES}, "calendars": [{{"id": "cal_bob", "name": "Work", "events": [
            {{"uid": "b1", "start": "{}", "end": "{}", "status": "busy"}}
          ]}}]}},
          {{"email": "carol@example.com", "calendars": []}},
          {{"email": "dave@example.com", "rules": {OPEN_RULES}, "calendars": [{{"id": "cal_dave", "name": "Work", "events": []}}]}}
        ]}}"#,
        at("10:00"),
        at("11:00"),
        at("14:00"),
        at("15:00"),
        at("09:00"),
        at("10:00"),
    )
}

/// Flags that keep the rate limit out of the way of tests that send many requests.
pub const NO_RATE_LIMIT: [&str; 4] = ["--rate-per-second", "100000", "--rate-burst", "100000"];

/// A five-minute booking of dave (who has no events) in slot `n` (0 to 287) of
/// [`booking_day`], with idempotency key `{key}-{n}`.
pub fn dave_slot(n: usize, key: &str) -> serde_json::Value {
    let minutes = n * 5;
    let hh_mm = |m: usize| format!("{:02}:{:02}", m / 60, m % 60);
    serde_json::json!({
        "hosts": ["dave@example.com"],
        "start": at(&hh_mm(minutes)),
        "end": at(&hh_mm(minutes + 5)),
        "name": "Stream Test",
        "email": "stream@example.org",
        "idempotency_key": format!("{key}-{n}"),
    })
}

/// Keeps bookings in flight: `workers` clients, client `w` posting to `urls[w % len]`,
/// each taking the next free slot of the day ([`dave_slot`]) until the day is full or
/// its server stops answering 201 (say, because it was killed). Each returns the
/// `(slot, booking id)` it saw acknowledged; `acknowledged` counts them as they come.
pub fn stream_bookings(
    urls: &[String],
    workers: usize,
    key: &'static str,
    acknowledged: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<Vec<(usize, String)>>> {
    use std::sync::atomic::Ordering;
    let client = reqwest::Client::new();
    let next_slot = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    (0..workers)
        .map(|worker| {
            let url = format!("{}/v1/bookings", urls[worker % urls.len()]);
            let client = client.clone();
            let (next_slot, acknowledged) = (next_slot.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let mut created = Vec::new();
                loop {
                    let slot = next_slot.fetch_add(1, Ordering::SeqCst);
                    if slot >= 288 {
                        return created;
                    }
                    let sent = client.post(&url).json(&dave_slot(slot, key)).send().await;
                    let Ok(response) = sent else { return created };
                    if response.status() != reqwest::StatusCode::CREATED {
                        return created;
                    }
                    let Ok(body) = response.json::<serde_json::Value>().await else {
                        return created;
                    };
                    created.push((slot, body["id"].as_str().unwrap_or_default().to_owned()));
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect()
}

/// Sends `request` as raw bytes to `server` and reads the whole answer (the request
/// should say `Connection: close`), within `within`; the answer's text, or what came
/// before the time ran out.
pub async fn raw_exchange(
    server: &TestServer,
    request: &[u8],
    within: std::time::Duration,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream.write_all(request).await.expect("send");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(within, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status code and the JSON body of a raw HTTP/1.1 answer.
pub fn status_and_json(answer: &str) -> (u16, serde_json::Value) {
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((answer, ""));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "not JSON: {answer:?}"
    );
    (
        status,
        serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body:?}")),
    )
}

/// A seed of `count` busy events for alice in calendar `c`, uids `e000`…, 5 minutes
/// each, every 10 minutes from midnight UTC of [`booking_day`] (so bookings fit in the
/// gaps, in the future).
pub fn many_events_seed(count: i64) -> String {
    let midnight = booking_day().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let events: Vec<String> = (0..count)
        .map(|i| {
            let start = midnight + chrono::TimeDelta::minutes(i * 10);
            let end = start + chrono::TimeDelta::minutes(5);
            format!(
                r#"{{"uid": "e{i:03}", "start": "{}", "end": "{}", "status": "busy"}}"#,
                start.to_rfc3339(),
                end.to_rfc3339()
            )
        })
        .collect();
    format!(
        r#"{{"accounts": [{{"email": "alice@example.com", "rules": {OPEN_RULES}, "calendars": [{{"id": "c", "name": "W", "events": [{}]}}]}}]}}"#,
        events.join(", ")
    )
}

/// The URL a started binary prints first (`freebusy-server listening on URL`), read from
/// its piped stdout; the line it printed instead as the error.
pub fn listening_url(child: &mut Child) -> Result<String, String> {
    let stdout = child.stdout.take().ok_or("stdout is not piped")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|error| error.to_string())?;
    line.trim()
        .strip_prefix("freebusy-server listening on ")
        .map(str::to_owned)
        .ok_or(line)
}

/// Everything a started binary writes to its piped stderr, collected as it comes by a
/// thread (which ends when the process does).
pub fn collect_stderr(child: &mut Child) -> (Arc<Mutex<String>>, std::thread::JoinHandle<()>) {
    let collected = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let sink = Arc::clone(&collected);
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buffer) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    });
    (collected, reader)
}

/// Books `new` in `store` at `now` (tentative time blocking), which must succeed; the
/// booking's id.
pub async fn book_in_store(
    store: &freebusy_server::store::Store,
    new: freebusy_server::store::NewBooking,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    use freebusy_server::store::{Blocking, BookingOutcome};
    match store
        .insert_booking_if_free(new, Blocking { tentative: true }, now)
        .await
        .unwrap()
    {
        BookingOutcome::Created(booking) => booking.id,
        other => panic!("expected a booking, got {other:?}"),
    }
}

/// A child process killed when dropped, also when an assertion fails first.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One number from the SQLite file `db` (behind a running binary).
pub fn sqlite_number(db: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

/// `kill -9` of `child` (a binary on the SQLite file `db`) once every outbox message
/// has been tried and no outbox lease is held, so that the next process need not wait
/// out a dead one's leases.
pub async fn kill_9_once_tried(child: &mut Running, db: &std::path::Path) {
    source_api::wait_for("first attempts, recorded and let go", || async {
        sqlite_number(db, "SELECT min(attempts) FROM outbox") >= 1
            && sqlite_number(
                db,
                "SELECT count(*) FROM leases WHERE name = 'outbox' AND holder <> ''",
            ) == 0
    })
    .await;
    // SIGKILL: no shutdown, nothing flushed by the process itself.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
}

/// The server binary (`binary`, the test's `CARGO_BIN_EXE_freebusy-server`) on a free
/// loopback port with `seed` and the SQLite file `db`, a token `ops` with scope
/// `read_sources`, logging at debug level, its output piped; add environment variables
/// and spawn it.
pub fn binary_with_seed(
    binary: &str,
    seed: &std::path::Path,
    db: &std::path::Path,
) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    command
        .args([
            "--listen",
            "127.0.0.1:0",
            "--token",
            "ops=ops@example.com:read_sources",
        ])
        .arg("--seed")
        .arg(seed)
        .arg("--db")
        .arg(db)
        .env("RUST_LOG", "debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}
