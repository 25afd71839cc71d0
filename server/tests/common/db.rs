//! The two backends the store contract runs on: a fresh SQLite file, or a fresh
//! PostgreSQL database, per test.
//!
//! PostgreSQL comes from `FREEBUSY_TEST_POSTGRES`, the URL (without a database name) of
//! a cluster where tests may create databases; `scripts/test.sh` always starts one
//! (`scripts/postgres.sh run`), so there a missing PostgreSQL fails the step. A bare
//! `cargo test` without it runs the SQLite half and says on stderr that the PostgreSQL
//! half did nothing; `scripts/postgres.sh run cargo test` runs both.
//!
//! A test file writes each contract test as `async fn name(db: TestDb)` and lists it in
//! [`on_both_backends!`](crate::on_both_backends), which makes `sqlite::name` and
//! `postgres::name`. A test written but not listed is dead code, which clippy refuses.

use std::sync::atomic::{AtomicUsize, Ordering};

use freebusy_server::store::{Location, Store, StoreError, StoreOptions};
use tempfile::TempDir;

/// The environment variable naming the test cluster.
pub const POSTGRES_ENV: &str = "FREEBUSY_TEST_POSTGRES";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a fresh temporary folder.
    Sqlite,
    /// A fresh database in the cluster of `FREEBUSY_TEST_POSTGRES`.
    Postgres,
}

/// Runs each listed `async fn(TestDb)` as two tests, `sqlite::NAME` and `postgres::NAME`.
#[macro_export]
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let db = $crate::common::db::TestDb::new($crate::common::db::Backend::Sqlite);
                    if let Some(db) = db.await {
                        super::$test(db).await;
                    }
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let db = $crate::common::db::TestDb::new($crate::common::db::Backend::Postgres);
                    if let Some(db) = db.await {
                        super::$test(db).await;
                    }
                }
            )+
        }
    };
}

/// A fresh, empty database that lives as long as the value.
pub struct TestDb {
    /// Which backend it is.
    pub backend: Backend,
    /// Where it is: a file in [`TestDb::dir`], or a PostgreSQL URL.
    pub location: Location,
    /// A temporary folder for the test's files (the SQLite file lives here).
    pub dir: TempDir,
    /// The cluster URL and the database's name, to drop it afterwards.
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database on `backend`; `None` for PostgreSQL without
    /// `FREEBUSY_TEST_POSTGRES` (said on stderr).
    pub async fn new(backend: Backend) -> Option<TestDb> {
        let dir = tempfile::tempdir().expect("tempdir");
        match backend {
            Backend::Sqlite => Some(TestDb {
                backend,
                location: Location::Sqlite(dir.path().join("store.sqlite3")),
                dir,
                postgres: None,
            }),
            Backend::Postgres => {
                let Some(cluster) = cluster_url() else {
                    eprintln!(
                        "{POSTGRES_ENV} is not set: this PostgreSQL test ran nothing \
                         (scripts/postgres.sh run cargo test runs it)"
                    );
                    return None;
                };
                let name = fresh_database(&cluster).await;
                Some(TestDb {
                    backend,
                    location: format!("{cluster}/{name}")
                        .parse()
                        .expect("a PostgreSQL URL"),
                    dir,
                    postgres: Some((cluster, name)),
                })
            }
        }
    }

    /// A store on this database (each call is another store: another connection, or
    /// another pool, as another process would have).
    pub async fn open(&self) -> Store {
        self.try_open(StoreOptions::default())
            .await
            .expect("the store opens")
    }

    /// A store on this database with these options, or why it did not open.
    pub async fn try_open(&self, options: StoreOptions) -> Result<Store, StoreError> {
        Store::open_with(&self.location, options).await
    }

    /// The value for `--db`.
    pub fn db_flag(&self) -> String {
        match &self.location {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => url.clone(),
        }
    }

    /// Runs `sql` on its own connection, beside any store: for tests that reach behind
    /// the store (a newer schema, a row no store method would write).
    pub async fn execute(&self, sql: &str) -> Result<(), String> {
        match &self.location {
            Location::Sqlite(path) => {
                let path = path.clone();
                let sql = sql.to_owned();
                tokio::task::spawn_blocking(move || {
                    rusqlite::Connection::open(path)
                        .and_then(|conn| conn.execute_batch(&sql))
                        .map_err(|e| e.to_string())
                })
                .await
                .expect("blocking task")
            }
            Location::Postgres(url) => {
                let client = connect(url).await;
                client.batch_execute(sql).await.map_err(|e| {
                    e.as_db_error()
                        .map_or_else(|| e.to_string(), |db| db.message().to_owned())
                })
            }
        }
    }
}

impl TestDb {
    /// The one integer `sql` selects, read on its own connection behind the store (for
    /// tests that check what the store keeps, such as a calendar's window bound).
    pub async fn query_i64(&self, sql: &str) -> i64 {
        match &self.location {
            Location::Sqlite(path) => {
                let (path, sql) = (path.clone(), sql.to_owned());
                tokio::task::spawn_blocking(move || {
                    rusqlite::Connection::open(path)
                        .and_then(|conn| conn.query_row(&sql, [], |row| row.get(0)))
                        .unwrap_or_else(|e| panic!("{sql}: {e}"))
                })
                .await
                .expect("blocking task")
            }
            Location::Postgres(url) => connect(url)
                .await
                .query_one(sql, &[])
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .get(0),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((cluster, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread with
        // a runtime of its own drops the database (closing the store's connections).
        let doomed = name.clone();
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    let client = connect(&format!("{cluster}/postgres")).await;
                    client
                        .batch_execute(&format!(
                            "DROP DATABASE IF EXISTS \"{doomed}\" WITH (FORCE)"
                        ))
                        .await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {name}: {dropped:?}");
        }
    }
}

/// The test cluster's URL without a database name, if one is configured.
pub fn cluster_url() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty())
        .map(|url| url.trim_end_matches('/').to_owned())
}

/// A client on `url`, its connection driven by a task of the current runtime.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(connection);
    client
}

/// Creates an empty database in the cluster, named after the running test.
async fn fresh_database(cluster: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let test: String = std::thread::current()
        .name()
        .unwrap_or("test")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let suffix = format!(
        "_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    // PostgreSQL keeps 63 bytes of a name.
    let keep = 63 - "fb_".len() - suffix.len();
    let test = &test[test.len().saturating_sub(keep)..];
    let name = format!("fb_{test}{suffix}").to_ascii_lowercase();
    let client = connect(&format!("{cluster}/postgres")).await;
    client
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
    name
}
