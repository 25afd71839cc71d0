//! Real CalDAV servers for the tests: Radicale and Xandikos from the pinned virtualenv
//! `scripts/setup.sh` makes (`$FREEBUSY_VENV`, list in scripts/python-tools.txt).
//!
//! Each [`Peer`] is its own server process on a free loopback port with its own storage
//! in a temporary folder, so tests are independent and run in parallel. Both start from a
//! pre-filled folder: Radicale's is written here (its storage is plain files); Xandikos'
//! (git repositories) is copied from a template Xandikos made once, and its events are
//! put through its own HTTP. [`Peer::start`] waits until the port
//! answers (polling, no fixed sleep) and the peer is killed when dropped.
//!
//! Without the virtualenv, `start` returns `None` after printing why, so a plain
//! `cargo test` elsewhere skips these tests; with `FREEBUSY_REQUIRE_PEERS` or `CI` set
//! (scripts/test.sh sets the first) a missing server is a failure.

#![allow(dead_code, unused_macros)] // Each test binary uses a different part of this module.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use freebusy_server::sources::caldav::{Credentials, Secret, Url};
use tempfile::TempDir;
use tokio::time::Instant;

/// One test per peer for each scenario named: `async fn scenario(kind: Kind)` in the
/// test file, with `Kind` in scope there.
macro_rules! on_both_peers {
    ($($scenario:ident),* $(,)?) => {
        mod radicale {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Kind::Radicale).await
            })*
        }
        mod xandikos {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Kind::Xandikos).await
            })*
        }
    };
}

/// Which server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Radicale 3 (Python, file storage, htpasswd auth).
    Radicale,
    /// Xandikos (Python, git storage, no authentication of its own).
    Xandikos,
}

/// The account every peer has.
pub const USER: &str = "alice";
/// Its password (Radicale; Xandikos has no authentication over plain http).
pub const PASSWORD: &str = "correct horse battery staple";

/// A running CalDAV server with one user and one calendar.
pub struct Peer {
    /// Which server.
    pub kind: Kind,
    /// `http://127.0.0.1:PORT/`.
    pub root: Url,
    /// The user's calendar collection (ends with `/`).
    pub calendar: Url,
    /// The user's calendar home (`calendar-home-set`).
    pub home: Url,
    /// The storage folder (Radicale: `collection-root/` inside).
    pub dir: TempDir,
    child: Child,
    http: reqwest::Client,
}

/// Where the virtualenv's programs are: `$FREEBUSY_VENV`, which scripts/env.sh names by
/// a hash of scripts/python-tools.txt.
fn venv_bin() -> Option<PathBuf> {
    Some(PathBuf::from(std::env::var_os("FREEBUSY_VENV")?).join("bin"))
}

/// Whether a missing peer must fail the test (scripts/test.sh, CI).
pub fn peers_required() -> bool {
    std::env::var_os("FREEBUSY_REQUIRE_PEERS").is_some() || std::env::var_os("CI").is_some()
}

/// The program for `kind`, or `None` (after saying why) when the test should be skipped.
fn program(kind: Kind) -> Option<PathBuf> {
    let name = match kind {
        Kind::Radicale => "radicale",
        Kind::Xandikos => "xandikos",
    };
    let found = venv_bin()
        .map(|bin| bin.join(name))
        .filter(|path| path.exists());
    if found.is_none() {
        assert!(
            !peers_required(),
            "{name} is missing from $FREEBUSY_VENV: run scripts/setup.sh \
             (it installs scripts/python-tools.txt)"
        );
        eprintln!(
            "SKIPPED: no {name} in $FREEBUSY_VENV (see scripts/env.sh); scripts/setup.sh installs it"
        );
    }
    found
}

/// A free loopback port below the ephemeral range (where outgoing connections can take a
/// port for a moment), falling back to one the kernel picks.
fn free_port() -> u16 {
    for _ in 0..50 {
        let mut bytes = [0u8; 2];
        getrandom::fill(&mut bytes).unwrap();
        let port = 20_000 + u16::from_le_bytes(bytes) % 12_000;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

impl Peer {
    /// Starts a `kind` server whose user's calendar holds `events` (file name, iCalendar
    /// text); `None` when the server is not installed and peers are not required.
    pub async fn start(kind: Kind, events: &[(&str, &str)]) -> Option<Peer> {
        let program = program(kind)?;
        let dir = tempfile::tempdir().unwrap();
        if kind == Kind::Xandikos {
            copy_tree(
                &xandikos_template(&program).await,
                &dir.path().join("storage"),
            );
        }
        if kind == Kind::Radicale {
            let calendar = dir
                .path()
                .join("storage/collection-root")
                .join(USER)
                .join("calendar");
            std::fs::create_dir_all(&calendar).unwrap();
            std::fs::write(
                calendar.join(".Radicale.props"),
                r#"{"C:supported-calendar-component-set": "VEVENT", "D:displayname": "Calendar", "tag": "VCALENDAR"}"#,
            )
            .unwrap();
            for (name, ics) in events {
                std::fs::write(calendar.join(name), ics).unwrap();
            }
            std::fs::write(dir.path().join("users"), format!("{USER}:{PASSWORD}\n")).unwrap();
            std::fs::write(dir.path().join("config"), "").unwrap();
        }
        // A port can be taken between the check and the server's bind: try a few.
        let http = reqwest::Client::new();
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = free_port();
            let log = dir.path().join(format!("log-{port}"));
            let mut child = spawn(kind, &program, dir.path(), port, &log, false);
            match wait_until_ready(&mut child, &http, port, &log).await {
                Ok(()) => {
                    let peer = Peer::new(kind, dir, child, port, http);
                    if kind == Kind::Xandikos {
                        for (name, ics) in events {
                            peer.put_upstream(name, ics).await;
                        }
                    }
                    return Some(peer);
                }
                Err(text) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_log = text;
                    if !(last_log.contains("in use") || last_log.contains("Errno 98")) {
                        break;
                    }
                }
            }
        }
        panic!("{kind:?} did not start:\n{last_log}");
    }

    fn new(kind: Kind, dir: TempDir, child: Child, port: u16, http: reqwest::Client) -> Peer {
        let root = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let (home, calendar) = match kind {
            Kind::Radicale => (format!("/{USER}/"), format!("/{USER}/calendar/")),
            Kind::Xandikos => (
                format!("/{USER}/calendars/"),
                format!("/{USER}/calendars/calendar/"),
            ),
        };
        Peer {
            kind,
            home: root.join(&home).unwrap(),
            calendar: root.join(&calendar).unwrap(),
            root,
            dir,
            child,
            http,
        }
    }

    /// The user's credentials (Xandikos: none; it leaves authentication to a proxy).
    pub fn credentials(&self) -> Option<Credentials> {
        match self.kind {
            Kind::Radicale => Some(Credentials::Basic {
                username: USER.to_owned(),
                password: Secret::new(PASSWORD),
            }),
            Kind::Xandikos => None,
        }
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.kind {
            Kind::Radicale => request.basic_auth(USER, Some(PASSWORD)),
            Kind::Xandikos => request,
        }
    }

    /// The URL of `name` in the calendar.
    pub fn event_url(&self, name: &str) -> Url {
        self.calendar.join(name).unwrap()
    }

    /// Stores `ics` as `name` through the server's own HTTP, as another client would
    /// (no precondition); the new ETag, if any.
    pub async fn put_upstream(&self, name: &str, ics: &str) -> Option<String> {
        let request = self
            .http
            .put(self.event_url(name))
            .header("content-type", "text/calendar; charset=utf-8")
            .body(ics.to_owned());
        let response = self.upstream(request, name).await;
        response
            .headers()
            .get("etag")
            .map(|etag| etag.to_str().unwrap().to_owned())
    }

    /// Deletes `name` through the server's own HTTP.
    pub async fn delete_upstream(&self, name: &str) {
        self.upstream(self.http.delete(self.event_url(name)), name)
            .await;
    }

    /// Sends a change as the user's other calendar app would; it must succeed.
    async fn upstream(&self, request: reqwest::RequestBuilder, name: &str) -> reqwest::Response {
        let response = self.authorized(request).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{name}: {}",
            response.status()
        );
        response
    }

    /// The text of `name` in the calendar, read through the server's own HTTP; `None`
    /// when it is not there (404).
    pub async fn get_upstream(&self, name: &str) -> Option<String> {
        let response = self
            .authorized(self.http.get(self.event_url(name)))
            .send()
            .await
            .unwrap();
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return None;
        }
        assert!(
            response.status().is_success(),
            "{name}: {}",
            response.status()
        );
        Some(response.text().await.unwrap())
    }

    /// Stops the server (its storage stays): an upstream outage.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port over the same storage, after [`stop`].
    pub async fn restart(&mut self) {
        let program = program(self.kind).expect("the peer ran before");
        let port = self.root.port().expect("a loopback port");
        let log = self.dir.path().join(format!("log-{port}-again"));
        self.child = spawn(self.kind, &program, self.dir.path(), port, &log, false);
        if let Err(text) = wait_until_ready(&mut self.child, &self.http, port, &log).await {
            panic!("{:?} did not start again:\n{text}", self.kind);
        }
    }

    /// Replaces a whole collection with a calendar file (Radicale: a PUT on the
    /// collection imports it, one resource per UID); the status.
    pub async fn import_collection(&self, name: &str, ics: &[u8]) -> reqwest::StatusCode {
        let url = self.root.join(&format!("/{USER}/{name}/")).unwrap();
        self.authorized(self.http.put(url))
            .header("content-type", "text/calendar; charset=utf-8")
            .body(ics.to_vec())
            .send()
            .await
            .unwrap()
            .status()
    }
}

/// Polls until the port accepts connections and the server answers HTTP; the log when
/// the server exits first or takes absurdly long.
async fn wait_until_ready(
    child: &mut Child,
    http: &reqwest::Client,
    port: u16,
    log: &Path,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let address: SocketAddr = (Ipv4Addr::LOCALHOST, port).into();
    let root = format!("http://127.0.0.1:{port}/");
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            return Err(format!("exited with {status}:\n{text}"));
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok()
            && http.get(&root).send().await.is_ok()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            return Err(format!("not answering after 60 s:\n{text}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A Xandikos storage folder with the user and its default calendar, made once (by
/// Xandikos itself, `--defaults`) and kept in cargo's test scratch folder, keyed by the
/// program's modification time so that a rebuilt virtualenv makes a new one. Copying it
/// is much cheaper than having each server create its git repositories.
async fn xandikos_template(program: &Path) -> PathBuf {
    static TEMPLATE: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let stamp = std::fs::metadata(program)
                .and_then(|metadata| metadata.modified())
                .ok()
                .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |age| age.as_secs());
            let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
            let template = scratch.join(format!("xandikos-template-{stamp}"));
            if template.join("ready").exists() {
                return template;
            }
            std::fs::create_dir_all(&scratch).unwrap();
            let making = tempfile::tempdir_in(&scratch).unwrap();
            let http = reqwest::Client::new();
            let mut made = false;
            for _ in 0..5 {
                let port = free_port();
                let log = making.path().join("log");
                let mut child = spawn(Kind::Xandikos, program, making.path(), port, &log, true);
                let ready = wait_until_ready(&mut child, &http, port, &log).await;
                let _ = child.kill();
                let _ = child.wait();
                match ready {
                    Ok(()) => {
                        made = true;
                        break;
                    }
                    Err(text) if text.contains("in use") || text.contains("Errno 98") => {}
                    Err(text) => panic!("making the Xandikos template:\n{text}"),
                }
            }
            assert!(made, "making the Xandikos template: no free port");
            let storage = making.path().join("storage");
            std::fs::write(storage.join("ready"), "").unwrap();
            // Another test binary may have made one meanwhile: then use that.
            if std::fs::rename(&storage, &template).is_err() {
                assert!(template.join("ready").exists());
            }
            template
        })
        .await
        .clone()
}

/// Copies a folder tree (files and folders only, which is all a template holds).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn spawn(kind: Kind, program: &Path, dir: &Path, port: u16, log: &Path, defaults: bool) -> Child {
    let mut command = Command::new(program);
    match kind {
        Kind::Radicale => {
            command
                .arg("--config")
                .arg(dir.join("config"))
                .arg("--hosts")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--storage-filesystem-folder")
                .arg(dir.join("storage"))
                .args(["--auth-type", "htpasswd", "--auth-htpasswd-filename"])
                .arg(dir.join("users"))
                .args(["--auth-htpasswd-encryption", "plain"])
                // No 1 s pause after a wrong password: the test of it stays fast.
                .args(["--auth-delay", "0", "--web-type", "none"])
                .args(["--logging-level", "warning"]);
        }
        Kind::Xandikos => {
            command
                .args(["serve", "--no-detect-systemd"])
                .args(defaults.then_some("--defaults"))
                .arg("--directory")
                .arg(dir.join("storage"))
                .arg("--state-dir")
                .arg(dir.join("state"))
                .args(["--listen-address", "127.0.0.1", "--port"])
                .arg(port.to_string())
                .args(["--current-user-principal", &format!("/{USER}/")]);
        }
    }
    let log_file = std::fs::File::create(log).unwrap();
    command
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .spawn()
        .unwrap_or_else(|error| panic!("starting {}: {error}", program.display()))
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
