//! The config file with sources, in the real binary: secrets from the environment,
//! a good reload on SIGHUP applies, a bad one is refused whole (naming the entry) while
//! the old config keeps running, and no secret ever reaches the logs, the status, the
//! health check or an error.

mod common;

use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::feed::{Answer, FeedServer, weekly_feed};
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_freebusy-server");
const PASSWORD: &str = "pw-SECRET-0451";
const SECRET_PATH: &str = "private-SECRET-7f3a9c";

struct Running {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl Running {
    fn start(seed: &std::path::Path, db: &std::path::Path, feed_url: &str) -> Running {
        let mut child = common::binary_with_seed(BINARY, seed, db)
            .env("ANN_FEED_URL", feed_url)
            .env("ANN_FEED_PASSWORD", PASSWORD)
            .spawn()
            .unwrap();
        let (stderr, _reader) = common::collect_stderr(&mut child);
        let url = common::listening_url(&mut child).unwrap_or_else(|line| {
            panic!("unexpected first line {line:?}: {}", stderr.lock().unwrap())
        });
        Running { child, url, stderr }
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    async fn status(&self) -> Value {
        reqwest::Client::new()
            .get(format!("{}/v1/sources", self.url))
            .bearer_auth("ops")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn text(&self, path: &str) -> (u16, String) {
        let response = reqwest::get(format!("{}{path}", self.url)).await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn wait_for(&self, what: &str, condition: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = self.status().await;
            if condition(&status) {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {status}\n{}",
                self.stderr.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Running {
    // A failed assertion must not leave the server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn source<'a>(status: &'a Value, calendar: &str) -> Option<&'a Value> {
    status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|source| source["calendar_id"] == calendar)
}

fn state_of(status: &Value, calendar: &str) -> String {
    source(status, calendar).map_or_else(String::new, |source| {
        source["state"].as_str().unwrap_or_default().to_owned()
    })
}

fn ann(interval: u32) -> String {
    format!(
        r#"{{"email": "ann@example.com", "time_zone": "Europe/Berlin", "calendars": [
            {{"id": "cal_ann", "name": "Google", "source": {{"kind": "ics",
              "url_env": "ANN_FEED_URL", "username": "ann", "password_env": "ANN_FEED_PASSWORD",
              "interval_seconds": {interval}}}}}]}}"#
    )
}

fn bob(file: &std::path::Path, interval: u32) -> String {
    format!(
        r#"{{"email": "bob@example.com", "calendars": [
            {{"id": "cal_bob", "name": "Local", "source": {{"kind": "ics",
              "url": "file://{}", "interval_seconds": {interval}}}}}]}}"#,
        file.display()
    )
}

#[cfg(unix)]
#[tokio::test]
async fn reloads_apply_whole_or_not_at_all_and_secrets_never_show() {
    let feeds = FeedServer::start().await;
    let wednesday = chrono::Utc::now().date_naive() + chrono::Days::new(3);
    feeds.set(SECRET_PATH, Answer::Ics(weekly_feed(wednesday, "Review")));
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    let bob_file = dir.path().join("bob.ics");
    std::fs::write(&bob_file, weekly_feed(wednesday, "Bob's")).unwrap();
    std::fs::write(&seed, format!(r#"{{"accounts": [{}]}}"#, ann(3600))).unwrap();
    let server = Running::start(
        &seed,
        &dir.path().join("db.sqlite3"),
        &feeds.url(SECRET_PATH),
    );

    // The secret address and the password from the environment reach the feed.
    server
        .wait_for("ann's feed", |status| state_of(status, "cal_ann") == "ok")
        .await;
    let seen = feeds.seen(SECRET_PATH);
    assert!(
        seen[0].headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );

    // A good reload on SIGHUP: bob and his file source arrive.
    std::fs::write(
        &seed,
        format!(r#"{{"accounts": [{}, {}]}}"#, ann(1), bob(&bob_file, 3600)),
    )
    .unwrap();
    server.signal("HUP");
    let status = server
        .wait_for("bob's source", |status| state_of(status, "cal_bob") == "ok")
        .await;
    assert_eq!(
        source(&status, "cal_bob").unwrap()["location"],
        "file://…/bob.ics"
    );
    assert!(status["config"]["refused_because"].is_null());

    // A bad reload (carol is fine, bob's interval is not) is refused whole.
    let bad = format!(
        r#"{{"accounts": [{}, {}, {{"email": "carol@example.com", "calendars": [
            {{"id": "cal_carol", "name": "Work", "events": []}}]}}]}}"#,
        ann(1),
        bob(&bob_file, 0)
    );
    std::fs::write(&seed, bad).unwrap();
    server.signal("HUP");
    let status = server
        .wait_for("the refusal", |status| {
            status["config"]["refused_because"].is_string()
        })
        .await;
    let because = status["config"]["refused_because"].as_str().unwrap();
    assert!(
        because.contains(r#"accounts[1] "bob@example.com" / calendars[0] "cal_bob" / source"#)
            && because.contains("interval_seconds is 0"),
        "{because}"
    );
    let (code, _) = server.text("/carol@example.com?start=0&end=86400").await;
    assert_eq!(code, 404, "nothing of the refused file was applied");
    assert_eq!(state_of(&status, "cal_bob"), "ok");

    // The old config keeps running: ann's feed (interval 1 s) is read again, and when
    // it starts refusing the credentials, that shows, without the password.
    feeds.set(SECRET_PATH, Answer::Status(401, None));
    let status = server
        .wait_for("ann's failure", |status| {
            source(status, "cal_ann").is_some_and(|source| source["failures"].as_u64() >= Some(1))
        })
        .await;
    assert_eq!(state_of(&status, "cal_ann"), "stale");

    let (_, health) = server.text("/healthz").await;
    server.signal("TERM");
    let mut server = server;
    assert!(server.child.wait().unwrap().success());
    let logs = server.stderr.lock().unwrap().clone();
    assert!(logs.contains("config reloaded"), "{logs}");
    assert!(logs.contains("config refused"), "{logs}");
    assert!(logs.contains("source read failed"), "{logs}");
    let everything = format!("{logs}\n{status}\n{health}");
    for secret in [PASSWORD, SECRET_PATH, "SECRET"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }
    let basic = seen[0].headers["authorization"].to_str().unwrap()[6..].to_owned();
    assert!(!everything.contains(&basic));
}

#[test]
fn a_missing_secret_stops_start_up_naming_the_entry_not_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"accounts": [{"email": "ann@example.com", "calendars": [
            {"id": "cal_ann", "name": "Work", "source": {"kind": "caldav",
              "url": "https://dav.example.com/calendars/ann/work/", "username": "ann",
              "password_env": "FREEBUSY_TEST_UNSET_PASSWORD"}}]}]}"#,
    )
    .unwrap();
    let output = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .arg("--db")
        .arg(dir.path().join("db.sqlite3"))
        .env_remove("FREEBUSY_TEST_UNSET_PASSWORD")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(r#"accounts[0] "ann@example.com" / calendars[0] "cal_ann" / source"#)
            && stderr.contains("FREEBUSY_TEST_UNSET_PASSWORD"),
        "{stderr}"
    );
}
