//! The listener against slow, idle and numerous connections: the real binary, on
//! loopback, under a low open-file limit where the test says so.
//!
//! Every wait here is for a condition, with a generous bound: the machine is shared.

#![cfg(unix)]

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_freebusy-server");

/// The real server, started with `flags` under `ulimit -n` of `open_files`; killed
/// when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(open_files: u32, flags: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n {open_files} && exec \"$0\" \"$@\""))
            .arg(BINARY)
            .args(["--listen", "127.0.0.1:0", "--rate-per-second", "100000"])
            .args(["--rate-burst", "100000", "--db"])
            .arg(dir.path().join("listener.sqlite3"))
            .args(flags)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .await
            .unwrap();
        let address = line
            .trim()
            .strip_prefix("freebusy-server listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        Server {
            child,
            address,
            _dir: dir,
        }
    }

    /// Whether `/healthz` answers 200 within `within`, over a fresh connection from
    /// 127.0.0.1.
    async fn healthz_within(&self, within: Duration) -> bool {
        let request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        let exchange = async {
            let mut stream = TcpStream::connect(self.address).await.ok()?;
            stream.write_all(request.as_bytes()).await.ok()?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await.ok()?;
            Some(answer.starts_with(b"HTTP/1.1 200"))
        };
        matches!(tokio::time::timeout(within, exchange).await, Ok(Some(true)))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// What the dripping clients have done so far.
#[derive(Default)]
struct Drips {
    /// Connections the kernel completed (accepted by the server or queued for it).
    connected: AtomicUsize,
    /// Connections found closed by the server.
    closed: AtomicUsize,
    /// Header bytes sent.
    bytes: AtomicUsize,
    stop: AtomicBool,
}

/// Keeps `count` connections from `source` dripping one header byte every 500 ms to
/// `server`, opening a new one whenever the server closes one, until told to stop.
fn drip(server: SocketAddr, source: &str, count: usize, drips: &Arc<Drips>) {
    let source: SocketAddr = format!("{source}:0").parse().unwrap();
    for _ in 0..count {
        let drips = Arc::clone(drips);
        tokio::spawn(async move {
            while !drips.stop.load(Ordering::Relaxed) {
                let socket = TcpSocket::new_v4().unwrap();
                socket.bind(source).unwrap();
                let Ok(mut stream) = socket.connect(server).await else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                };
                drips.connected.fetch_add(1, Ordering::Relaxed);
                let _ = stream
                    .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Drip: ")
                    .await;
                let mut ticks = tokio::time::interval(Duration::from_millis(500));
                let mut buffer = [0u8; 256];
                loop {
                    tokio::select! {
                        _ = ticks.tick() => {
                            if drips.stop.load(Ordering::Relaxed) {
                                return;
                            }
                            if stream.write_all(b"a").await.is_err() {
                                break;
                            }
                            drips.bytes.fetch_add(1, Ordering::Relaxed);
                        }
                        read = stream.read(&mut buffer) => {
                            if matches!(read, Ok(0) | Err(_)) {
                                break;
                            }
                        }
                    }
                }
                drips.closed.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
}

/// Waits until `condition` holds, checking every 100 ms, for at most `bound`.
async fn eventually(bound: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + bound;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    condition()
}

// Pins the scenario: under an open-file limit of 256, 300 connections that drip
// a header byte every 500 ms (from three addresses, so the per-client cap does not
// apply) neither crash the server nor keep /healthz down: it answers within a bounded
// time while they keep dripping, and keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dripping_connections_past_the_open_file_limit_do_not_keep_healthz_down() {
    let server = Server::start(256, &["--header-read-timeout-ms", "2000"]).await;
    let drips = Arc::new(Drips::default());
    for source in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] {
        drip(server.address, source, 100, &drips);
    }
    // More connections than the server may open files: its cap (256 - 64) is full.
    assert!(
        eventually(Duration::from_secs(60), || drips
            .connected
            .load(Ordering::Relaxed)
            >= 256)
        .await,
        "only {} dripping connections were made",
        drips.connected.load(Ordering::Relaxed)
    );
    let started = Instant::now();
    let mut answered = false;
    while !answered && started.elapsed() < Duration::from_secs(60) {
        answered = server.healthz_within(Duration::from_secs(10)).await;
    }
    assert!(answered, "/healthz did not answer within 60 s");
    // And it keeps answering while they drip on.
    let bytes_before = drips.bytes.load(Ordering::Relaxed);
    for _ in 0..3 {
        assert!(server.healthz_within(Duration::from_secs(20)).await);
    }
    assert!(
        eventually(Duration::from_secs(30), || drips
            .bytes
            .load(Ordering::Relaxed)
            > bytes_before + 100)
        .await,
        "the dripping stopped"
    );
    // The header-read timeout, not the clients, ended the dripping connections.
    assert!(drips.closed.load(Ordering::Relaxed) >= 100);
    drips.stop.store(true, Ordering::Relaxed);
}

// Pins the per-client cap: one client's connections past --max-connections-per-ip are
// closed at once, and another client is served meanwhile, without waiting for any
// timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_cannot_take_more_than_its_share_of_connections() {
    let server = Server::start(
        1024,
        &[
            "--max-connections-per-ip",
            "20",
            "--header-read-timeout-ms",
            "60000",
            "--idle-timeout-ms",
            "90000",
        ],
    )
    .await;
    let drips = Arc::new(Drips::default());
    drip(server.address, "127.0.0.2", 40, &drips);
    assert!(
        eventually(Duration::from_secs(60), || drips
            .closed
            .load(Ordering::Relaxed)
            >= 20)
        .await,
        "the connections past the cap were not closed"
    );
    assert!(server.healthz_within(Duration::from_secs(20)).await);
    drips.stop.store(true, Ordering::Relaxed);
}

// Pins the header-read timeout on one connection: a head that is still dripping after
// --header-read-timeout-ms is closed; so is a kept-alive connection idle that long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_heads_and_idle_kept_alive_connections_are_closed_after_the_header_timeout() {
    let server = Server::start(1024, &["--header-read-timeout-ms", "1000"]).await;
    let mut dripping = TcpStream::connect(server.address).await.unwrap();
    dripping
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let closed = async {
        let mut buffer = [0u8; 256];
        loop {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(200)) => {
                    if dripping.write_all(b"X-A: b\r\n").await.is_err() {
                        return;
                    }
                }
                read = dripping.read(&mut buffer) => {
                    if matches!(read, Ok(0) | Err(_)) {
                        return;
                    }
                }
            }
        }
    };
    assert!(
        tokio::time::timeout(Duration::from_secs(30), closed)
            .await
            .is_ok(),
        "a dripping head was never closed"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));

    let mut kept = TcpStream::connect(server.address).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read_all = kept.read_to_end(&mut answer);
    assert!(
        tokio::time::timeout(Duration::from_secs(30), read_all)
            .await
            .is_ok(),
        "an idle kept-alive connection was never closed"
    );
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
}

// Pins the idle timeout: a client that asks and never reads stalls the server's writes;
// once nothing has moved for --idle-timeout-ms, the connection is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_closed_after_the_idle_timeout() {
    let server = Server::start(
        1024,
        &[
            "--idle-timeout-ms",
            "3000",
            "--request-timeout-ms",
            "2000",
            "--freebusy-deadline-ms",
            "1000",
        ],
    )
    .await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    // Far more answer than the socket buffers hold (the document is tens of KB).
    let request = b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000);
    let sent = tokio::time::timeout(Duration::from_secs(30), stream.write_all(&request)).await;
    assert!(sent.is_ok(), "the server never read the requests");
    // Not reading is the scenario itself, so this pause is the stimulus, not a wait for
    // a condition: more than three idle timeouts.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let mut answer = Vec::new();
    let read_all = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer));
    assert!(read_all.await.is_ok(), "the stalled connection stayed open");
    let one = include_str!("../openapi.json").len();
    assert!(
        answer.len() < one * 1000,
        "every answer was delivered ({} bytes)",
        answer.len()
    );
}
