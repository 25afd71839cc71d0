//! A real server on a loopback socket over a real SQLite file, for the HTTP tests.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::path::PathBuf;

use clap::Parser;
use freebusy_server::app::{self, AppState};
use freebusy_server::config::Config;
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
        let dir = tempfile::tempdir().expect("tempdir");
        let db: PathBuf = dir.path().join("freebusy.sqlite3");
        let mut argv = vec![
            "freebusy-server".to_owned(),
            "--db".into(),
            db.display().to_string(),
        ];
        argv.extend(flags.iter().map(|flag| (*flag).to_owned()));
        let config = Config::parse_from(argv);
        config.check().expect("test config is consistent");
        let store = app::open_store(&config, chrono::Utc::now()).expect("store opens");
        let router = app::router(AppState::new(store, &config), &config);
        TestServer::serve(router, dir).await
    }

    /// Serves an already built router on a fresh loopback port.
    pub async fn serve(router: axum::Router, dir: TempDir) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app::serve(listener, router, async {
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
