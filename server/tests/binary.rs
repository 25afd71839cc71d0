//! The binary itself: flags in, a listening URL out, a clean stop on SIGTERM.

mod common;

use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_freebusy-server");

// Pins start-up end to end: demo data, the printed URL, a live /healthz, and a graceful
// exit with status 0 on SIGTERM.
#[cfg(unix)]
#[tokio::test]
async fn the_binary_serves_the_demo_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--demo", "--db"])
        .arg(dir.path().join("demo.sqlite3"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = common::listening_url(&mut child)
        .unwrap_or_else(|line| panic!("unexpected first line {line:?}"));
    let health = reqwest::get(format!("{url}/healthz")).await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
}

// Pins that a bad seed stops start-up with a message naming the entry.
#[test]
fn a_bad_seed_stops_start_up_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, r#"{"accounts": [{"email": "not-an-address"}]}"#).unwrap();
    let output = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .arg("--db")
        .arg(dir.path().join("seed.sqlite3"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(r#"accounts[0] "not-an-address""#),
        "{stderr}"
    );
}

// Pins that flags which could never work stop start-up with a message naming the
// problem, instead of a server that silently never matches, links nowhere or refuses
// every body.
#[test]
fn flags_that_can_never_work_are_refused_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--allow-origin", "http://a b"], "not an origin"),
        (
            &["--allow-origin", "http://allowed.example:80"],
            "default port",
        ),
        (
            &["--allow-origin", "http://allowed.example:70000"],
            "not an origin",
        ),
        (&["--listen", "127.0.0.1:70000"], "65535"),
        (
            &["--public-url", "https://calendar.example.com:70000"],
            "not a URL",
        ),
        (
            &["--public-url", "https://calendar.example.com/?a=b"],
            "query",
        ),
        (&["--max-body-bytes", "0"], "--max-body-bytes"),
        (
            &["--token", "t=alice@example.com:read_calendars"],
            "unknown scope",
        ),
        (&["--idle-timeout-ms", "5000"], "--idle-timeout-ms"),
        (
            &["--max-connections", "10", "--max-connections-per-ip", "20"],
            "--max-connections-per-ip",
        ),
    ];
    for (flags, expected) in cases {
        let listen: &[&str] = if flags.contains(&"--listen") {
            &[]
        } else {
            &["--listen", "127.0.0.1:0"]
        };
        let output = Command::new(BINARY)
            .args(listen)
            .arg("--db")
            .arg(dir.path().join("flags.sqlite3"))
            .args(*flags)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{flags:?} started");
        assert!(output.stdout.is_empty(), "{flags:?} listened");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
    }
}
