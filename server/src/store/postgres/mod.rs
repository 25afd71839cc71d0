//! The PostgreSQL backend: SQL for a database that several server processes share.
//!
//! A [`PgStore`] is a pool of connections (deadpool-postgres over tokio-postgres, no
//! TLS) with limits and timeouts from [`StoreOptions`]: at most `pool_size`
//! connections, each wait (for a pooled connection, for a new one, for a statement)
//! bounded by `timeout`. A database that goes away makes operations fail with
//! [`StoreError::Unavailable`] (the API's 503) at once or within the timeout, never
//! hang; dead connections are dropped from the pool as they are noticed and new ones
//! are made on demand, so the store recovers by itself when the database returns.
//!
//! The schema is the same as SQLite's (see `store/migrations/`), applied at start-up
//! in one transaction under an advisory lock, so replicas starting together migrate
//! once. Times are bigint unix seconds, as in SQLite.
//!
//! Bookings (`postgres/bookings.rs`) hold across replicas through the database itself: see the
//! module for the mechanism and why it holds. Leases (`postgres/leases.rs`) let background work
//! run once per item.

mod bookings;
mod leases;
mod outbox;
mod reschedule;
mod sources;

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use deadpool_postgres::{
    GenericClient, Hook, HookError, Manager, ManagerConfig, Object, Pool, PoolError,
    RecyclingMethod, Runtime,
};
use freebusy_core::Status;
use freebusy_core::wire::rules::RulesDocument;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::migrations::{LONG_EVENT_SECONDS as LONG, MIGRATIONS, SCHEMA_VERSION};
use super::model::{
    Account, AccountEvents, AccountImport, Calendar, Counts, Event, EventFilter, EventImport,
    EventQuery, EventSpan, ImportReport,
};
use super::{StoreError, StoreOptions};

/// A PostgreSQL database holding accounts, calendars, events, bookings and leases; a
/// cheap handle on one pool, cloned by every request.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PgStore")
            .field("max_size", &status.max_size)
            .field("size", &status.size)
            .finish_non_exhaustive()
    }
}

/// The advisory lock migrations run under: two arbitrary 32-bit keys ("free", 1), the
/// same in every process of every version.
const MIGRATION_LOCK: (i32, i32) = (0x6672_6565, 1);

/// How often a transaction that PostgreSQL aborted for a deadlock or a serialisation
/// failure is tried again before the error is returned.
const ATTEMPTS: usize = 5;

/// How many events of one import are sent to the server before their answers are read.
const PIPELINE: usize = 256;

/// Checks that `url` is a connection string tokio-postgres understands, so `--db` fails
/// at start-up with a message rather than at the first request.
pub(super) fn check_url(url: &str) -> Result<(), String> {
    tokio_postgres::Config::from_str(url)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", redacted(url)))
}

/// `url` with its password, if any, replaced by `***`.
pub(super) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

impl From<tokio_postgres::Error> for StoreError {
    /// Connection trouble (refused, reset, closed, timed out, the server shutting down or
    /// out of connections, a statement past `statement_timeout`) is
    /// [`StoreError::Unavailable`]; anything else PostgreSQL said is
    /// [`StoreError::Postgres`].
    fn from(error: tokio_postgres::Error) -> Self {
        if is_unavailable(&error) {
            StoreError::Unavailable(error.to_string())
        } else {
            StoreError::Postgres(error)
        }
    }
}

fn is_unavailable(error: &tokio_postgres::Error) -> bool {
    if let Some(code) = error.code() {
        // Class 08: connection exceptions; 57P0x: the server shutting down or starting;
        // 53300: too many connections; 57014: statement_timeout; 55P03: lock_timeout.
        return code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
                SqlState::TOO_MANY_CONNECTIONS,
                SqlState::QUERY_CANCELED,
                SqlState::LOCK_NOT_AVAILABLE,
            ]
            .contains(code);
    }
    if error.is_closed() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    // tokio-postgres has no public kind; these two carry no io::Error.
    let text = error.to_string();
    text.starts_with("timeout") || text.starts_with("error connecting")
}

impl From<PoolError> for StoreError {
    fn from(error: PoolError) -> Self {
        match error {
            PoolError::Backend(error) => StoreError::from(error),
            PoolError::Timeout(_) => {
                StoreError::Unavailable("no PostgreSQL connection could be had in time".to_owned())
            }
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

/// Whether PostgreSQL aborted the transaction for a reason that a retry can cure.
fn is_retryable(error: &StoreError) -> bool {
    matches!(error, StoreError::Postgres(e)
        if e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
            || e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED))
}

/// Whether `error` is PostgreSQL's `code`.
fn has_code(error: &tokio_postgres::Error, code: &SqlState) -> bool {
    error.code() == Some(code)
}

/// Runs `attempt` until it succeeds, fails for good, or [`ATTEMPTS`] runs were aborted
/// for a deadlock or a serialisation failure.
///
/// A closure returning a future rather than an async closure: the futures of async
/// closures are not `Send` for every lifetime, which `tokio::spawn` of a caller needs.
async fn retrying<T, F, A>(mut attempt: A) -> Result<T, StoreError>
where
    A: FnMut() -> F,
    F: Future<Output = Result<T, StoreError>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(error) if tries < ATTEMPTS && is_retryable(&error) => tries += 1,
            other => return other,
        }
    }
}

const EVENT_COLUMNS: &str = "e.calendar_id, e.uid, e.event_id, e.status, e.all_day, e.start_date, \
     e.end_date, e.start_at, e.end_at, e.deleted, e.last_modified";

/// Events overlapping the window [`start`, `end`) (two parameters, e.g. `$3`), of
/// calendars `c` chosen by the caller's condition, in two disjoint parts, each an index
/// range bounded on both sides (migration 0004): events of at most two days through
/// each calendar's longest one, longer ones through their end. Unordered.
fn overlapping_parts(from_and_condition: &str, end: &str, start: &str) -> String {
    format!(
        "SELECT {EVENT_COLUMNS} {from_and_condition}
           AND e.start_at < {end} AND e.start_at > {start} - c.longest_event_seconds
           AND e.end_at > {start} AND e.end_at - e.start_at <= {LONG}
         UNION ALL
         SELECT {EVENT_COLUMNS} {from_and_condition}
           AND e.end_at - e.start_at > {LONG} AND e.end_at > {start} AND e.start_at < {end}"
    )
}

/// [`overlapping_parts`] ordered by start, end, calendar and uid.
fn overlapping_events(from_and_condition: &str, end: &str, start: &str) -> String {
    format!(
        "{} ORDER BY start_at, end_at, calendar_id, uid",
        overlapping_parts(from_and_condition, end, start)
    )
}

/// The account whose address is `$1`, ignoring ASCII case, through the unique index.
const ACCOUNT_IS: &str = r#"lower(a.email COLLATE "C") = lower($1::text COLLATE "C")"#;

impl PgStore {
    /// Connects to `url` and brings its schema up to date; see
    /// [`Store::open_with`](super::Store::open_with).
    pub(super) async fn open(url: &str, options: StoreOptions) -> Result<PgStore, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Setup(format!("{}: {e}", redacted(url))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("freebusy-server");
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // A connection whose socket closed is dropped when it comes back; one
                // that died unnoticed fails its next statement (a 503) and is dropped
                // then. No extra round trip per request.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let statement_timeout = options.timeout.as_millis();
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .recycle_timeout(Some(options.timeout))
            // Every statement is bounded by the timeout. Generic plans: the statements are
            // prepared once per connection and their best plan does not depend on the
            // values, while PostgreSQL's default kept re-planning the week query on every
            // call (about 1 ms of planning for 0.1 ms of work; BENCHMARKS.md, backend).
            .post_create(Hook::async_fn(move |client, _| {
                Box::pin(async move {
                    client
                        .batch_execute(&format!(
                            "SET statement_timeout = {statement_timeout};
                             SET plan_cache_mode = force_generic_plan"
                        ))
                        .await
                        .map_err(HookError::Backend)
                })
            }))
            .build()
            .map_err(|e| StoreError::Setup(e.to_string()))?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// A pooled connection: a free one, or a new one while fewer than `pool_size` exist.
    async fn client(&self) -> Result<Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// The pool's limit and how many connections it holds now.
    pub fn pool_status(&self) -> (usize, usize) {
        let status = self.pool.status();
        (status.max_size, status.size)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The lock first: whoever waits for it then sees the winner's migrations. A big
        // table may take longer than a request's statement timeout.
        tx.batch_execute(&format!(
            "SET LOCAL statement_timeout = 0;
             SELECT pg_advisory_xact_lock({}, {});
             CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    integer PRIMARY KEY,
                 name       text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             );",
            MIGRATION_LOCK.0, MIGRATION_LOCK.1
        ))
        .await?;
        let version: i64 = tx
            .query_one(
                "SELECT coalesce(max(version), 0)::bigint FROM schema_migrations",
                &[],
            )
            .await?
            .get(0);
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(migration.postgres).await?;
            let number = i32::try_from(index + 1).unwrap_or(i32::MAX);
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[&number, &migration.name],
            )
            .await?;
            tracing::info!(migration = migration.name, "PostgreSQL schema migrated");
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn schema_version(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT coalesce(max(version), 0)::bigint FROM schema_migrations")
            .await?;
        Ok(client.query_one(&statement, &[]).await?.get(0))
    }

    pub(super) async fn counts(&self) -> Result<Counts, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM calendars),
                        (SELECT count(*) FROM events), (SELECT count(*) FROM bookings)",
                &[],
            )
            .await?;
        let count = |index: usize| usize::try_from(row.get::<_, i64>(index)).unwrap_or(0);
        Ok(Counts {
            accounts: count(0),
            calendars: count(1),
            events: count(2),
            bookings: count(3),
        })
    }

    pub(super) async fn import(
        &self,
        accounts: &[AccountImport],
        now: DateTime<Utc>,
    ) -> Result<ImportReport, StoreError> {
        retrying(move || self.try_import(accounts, now)).await
    }

    async fn try_import(
        &self,
        accounts: &[AccountImport],
        now: DateTime<Utc>,
    ) -> Result<ImportReport, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut report = ImportReport::default();
        let mut ids = Vec::with_capacity(accounts.len());
        for account in accounts {
            report.accounts += tx
                .execute(
                    r#"INSERT INTO accounts (email, time_zone, rules) VALUES ($1, $2, $3)
                       ON CONFLICT ((lower(email COLLATE "C"))) DO NOTHING"#,
                    &[
                        &account.email,
                        &account.time_zone.name(),
                        &account.rules_json()?,
                    ],
                )
                .await? as usize;
            let id: i64 = tx
                .query_one(
                    &format!("SELECT a.id FROM accounts a WHERE {ACCOUNT_IS}"),
                    &[&account.email],
                )
                .await?
                .get(0);
            ids.push(id);
        }
        // The hosts' locks, in the order bookings take them (see `bookings`): a booking
        // of these accounts waits for this import to finish and then sees all of it, or
        // runs before it. Exclusive (as bookings take them), since a zone may change.
        let mut locked = ids.clone();
        locked.sort_unstable();
        locked.dedup();
        tx.query(
            "SELECT id FROM accounts WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
            &[&locked],
        )
        .await?;
        let upsert = tx.prepare(UPSERT_EVENT).await?;
        for (account, account_id) in accounts.iter().zip(&ids) {
            // Rules are replaced whole; an unchanged document is the same text.
            report.accounts += tx
                .execute(
                    "UPDATE accounts SET time_zone = $2, rules = $3
                     WHERE id = $1
                       AND (time_zone IS DISTINCT FROM $2 OR rules IS DISTINCT FROM $3)",
                    &[
                        account_id,
                        &account.time_zone.name(),
                        &account.rules_json()?,
                    ],
                )
                .await? as usize;
            for calendar in &account.calendars {
                report.calendars += tx
                    .execute(
                        "INSERT INTO calendars (id, account_id, name) VALUES ($1, $2, $3)
                         ON CONFLICT (id) DO UPDATE SET
                             account_id = excluded.account_id, name = excluded.name
                         WHERE calendars.account_id IS DISTINCT FROM excluded.account_id
                            OR calendars.name IS DISTINCT FROM excluded.name",
                        &[&calendar.id, account_id, &calendar.name],
                    )
                    .await? as usize;
                report.calendars +=
                    sources::define(&tx, &calendar.id, calendar.source.as_ref(), now).await?;
                let rows: Vec<EventRow<'_>> = calendar
                    .events
                    .iter()
                    .map(|event| EventRow::new(&calendar.id, event, &account.time_zone, now))
                    .collect();
                // Pipelined: a chunk of upserts goes out before their answers are read,
                // and the server runs them in order, as one by one would.
                for chunk in rows.chunks(PIPELINE) {
                    let params: Vec<_> = chunk.iter().map(EventRow::params).collect();
                    let written = futures_util::future::try_join_all(
                        params.iter().map(|params| tx.execute(&upsert, params)),
                    )
                    .await?;
                    report.events += written.iter().sum::<u64>() as usize;
                }
            }
            // The zone may have changed, or a calendar come from another account.
            place_all_day(&tx, *account_id, &account.time_zone).await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    pub(super) async fn account_by_email(
        &self,
        email: &str,
    ) -> Result<Option<Account>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "SELECT a.id, a.email, a.time_zone FROM accounts a WHERE {ACCOUNT_IS}"
            ))
            .await?;
        client
            .query_opt(&statement, &[&email])
            .await?
            .map(|row| account_from_row(&row))
            .transpose()
    }

    /// See `Store::account_rules`.
    pub(super) async fn account_rules(
        &self,
        account_id: i64,
    ) -> Result<Option<RulesDocument>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT rules FROM accounts WHERE id = $1")
            .await?;
        let text: Option<Option<String>> = client
            .query_opt(&statement, &[&account_id])
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        AccountImport::rules_from_json(account_id, text.flatten())
    }

    pub(super) async fn calendars_of(&self, account_id: i64) -> Result<Vec<Calendar>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT id, account_id, name FROM calendars WHERE account_id = $1 ORDER BY id",
            )
            .await?;
        Ok(client
            .query(&statement, &[&account_id])
            .await?
            .iter()
            .map(|row| Calendar {
                id: row.get(0),
                account_id: row.get(1),
                name: row.get(2),
            })
            .collect())
    }

    /// One statement for what a free/busy answer needs: the account, each of its
    /// calendars with whether it is a source never read, and the chosen calendars'
    /// events in the window (a `LEFT JOIN LATERAL` per calendar, so an account without
    /// calendars or events still comes back). With `all_managed`, the managed events
    /// are a second statement pipelined beside it, in the same round trip. Both see the
    /// latest commit when they run, as on SQLite.
    ///
    /// One statement rather than three: on the week query each statement is a
    /// PostgreSQL backend's CPU on the same machine (BENCHMARKS.md, backend).
    pub(super) async fn account_events(
        &self,
        email: &str,
        query: &EventQuery,
    ) -> Result<Option<AccountEvents>, StoreError> {
        let client = self.client().await?;
        let chosen = "($2::text[] IS NULL OR c.id = ANY($2))";
        // Event columns first (0 to 10, as `event_from_row` reads them), then the
        // account (11 to 13), the calendar (14, 15) and whether it is chosen and unread.
        let overlapping = overlapping_parts(
            &format!("FROM events e WHERE e.calendar_id = c.id AND {chosen}"),
            "$3",
            "$4",
        );
        let found_sql = format!(
            "SELECT e.*, a.id, a.email, a.time_zone, c.id, c.name,
                    {chosen} AND s.calendar_id IS NOT NULL AND s.snapshot_at IS NULL
             FROM accounts a
             LEFT JOIN calendars c ON c.account_id = a.id
             LEFT JOIN sources s ON s.calendar_id = c.id
             LEFT JOIN LATERAL ({overlapping}) e ON true
             WHERE {ACCOUNT_IS}
             ORDER BY e.start_at, e.end_at, e.calendar_id, e.uid"
        );
        let managed_sql = format!(
            "SELECT {EVENT_COLUMNS} FROM accounts a JOIN calendars c ON c.account_id = a.id
             JOIN events e ON e.calendar_id = c.id
             WHERE {ACCOUNT_IS} AND {chosen} AND e.managed
             ORDER BY e.start_at, e.end_at, e.calendar_id, e.uid"
        );
        let (start, end) = (
            query.window.start().timestamp(),
            query.window.end().timestamp(),
        );
        let calendars = &query.calendars;
        let found_params: [&(dyn ToSql + Sync); 4] = [&email, calendars, &end, &start];
        let managed_params: [&(dyn ToSql + Sync); 2] = [&email, calendars];
        let found = async {
            let statement = client.prepare_cached(&found_sql).await?;
            client.query(&statement, &found_params).await
        };
        let managed = async {
            if query.all_managed {
                let statement = client.prepare_cached(&managed_sql).await?;
                client.query(&statement, &managed_params).await
            } else {
                Ok(Vec::new())
            }
        };
        let (rows, managed) = tokio::try_join!(found, managed)?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let account = Account {
            id: first.try_get(11)?,
            email: first.try_get(12)?,
            time_zone: time_zone(first.try_get(13)?)?,
        };
        // A calendar comes once per event of it in the window (or once without one);
        // ids are `COLLATE "C"`, so bytewise order is the database's.
        let mut seen: HashSet<&str> = HashSet::new();
        let mut calendars: Vec<Calendar> = Vec::new();
        let mut unread: Vec<String> = Vec::new();
        let mut overlapping = Vec::new();
        for row in &rows {
            if let Some(id) = row.try_get::<_, Option<&str>>(14)?
                && seen.insert(id)
            {
                if row.try_get::<_, Option<bool>>(16)? == Some(true) {
                    unread.push(id.to_owned());
                }
                calendars.push(Calendar {
                    id: id.to_owned(),
                    account_id: account.id,
                    name: row.try_get(15)?,
                });
            }
            // Every event row has a uid; a calendar without events in the window has none.
            if row.try_get::<_, Option<&str>>(1)?.is_some() {
                overlapping.push(event_from_row(row)?);
            }
        }
        calendars.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        unread.sort_unstable();
        Ok(Some(AccountEvents {
            account,
            calendars,
            overlapping,
            managed: events_from_rows(&managed)?,
            unread,
        }))
    }

    pub(super) async fn events(
        &self,
        calendar_ids: &[String],
        filter: EventFilter,
    ) -> Result<Vec<Event>, StoreError> {
        if calendar_ids.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.client().await?;
        let rows = match filter {
            EventFilter::Overlapping(window) => {
                let sql = overlapping_events(
                    "FROM calendars c JOIN events e ON e.calendar_id = c.id
                     WHERE c.id = ANY($1)",
                    "$2",
                    "$3",
                );
                let statement = client.prepare_cached(&sql).await?;
                let (start, end) = (window.start().timestamp(), window.end().timestamp());
                client
                    .query(&statement, &[&calendar_ids, &end, &start])
                    .await?
            }
            EventFilter::ModifiedSince(since) => {
                let statement = client
                    .prepare_cached(&format!(
                        "SELECT {EVENT_COLUMNS} FROM events e
                         WHERE e.calendar_id = ANY($1) AND e.last_modified >= $2
                         ORDER BY e.start_at, e.end_at, e.calendar_id, e.uid"
                    ))
                    .await?;
                client
                    .query(&statement, &[&calendar_ids, &since.timestamp()])
                    .await?
            }
            EventFilter::Managed => {
                let statement = client
                    .prepare_cached(&format!(
                        "SELECT {EVENT_COLUMNS} FROM events e
                         WHERE e.calendar_id = ANY($1) AND e.managed
                         ORDER BY e.start_at, e.end_at, e.calendar_id, e.uid"
                    ))
                    .await?;
                client.query(&statement, &[&calendar_ids]).await?
            }
        };
        events_from_rows(&rows)
    }
}

/// Inserts or updates one event; the WHERE makes an identical re-import write nothing,
/// so `last_modified` (and with it incremental sync) only moves on a real change. An
/// all-day event changes with its dates; where its days start (its owner's zone) is
/// [`place_all_day`]'s.
const UPSERT_EVENT: &str = "INSERT INTO events (calendar_id, uid, managed, event_id, status,
         all_day, start_date, end_date, start_at, end_at, deleted, last_modified)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (calendar_id, uid) DO UPDATE SET
         managed = excluded.managed, event_id = excluded.event_id,
         status = excluded.status, all_day = excluded.all_day,
         start_date = excluded.start_date, end_date = excluded.end_date,
         start_at = excluded.start_at, end_at = excluded.end_at,
         deleted = excluded.deleted, last_modified = excluded.last_modified
     WHERE events.managed IS DISTINCT FROM excluded.managed
        OR events.event_id IS DISTINCT FROM excluded.event_id
        OR events.status IS DISTINCT FROM excluded.status
        OR events.all_day IS DISTINCT FROM excluded.all_day
        OR events.start_date IS DISTINCT FROM excluded.start_date
        OR events.end_date IS DISTINCT FROM excluded.end_date
        OR (NOT excluded.all_day AND (events.start_at IS DISTINCT FROM excluded.start_at
                                      OR events.end_at IS DISTINCT FROM excluded.end_at))
        OR events.deleted IS DISTINCT FROM excluded.deleted
        OR ($13::boolean AND events.last_modified IS DISTINCT FROM excluded.last_modified)";

/// One event's columns for [`UPSERT_EVENT`].
struct EventRow<'a> {
    calendar_id: &'a str,
    uid: &'a str,
    managed: bool,
    event_id: Option<&'a str>,
    status: &'static str,
    all_day: bool,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    start_at: i64,
    end_at: i64,
    deleted: bool,
    last_modified: i64,
    explicit_last_modified: bool,
}

impl<'a> EventRow<'a> {
    fn new(
        calendar_id: &'a str,
        event: &'a EventImport,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> EventRow<'a> {
        let (start, end) = event.span.bounds(zone);
        let (all_day, start_date, end_date) = match event.span {
            EventSpan::Timed { .. } => (false, None, None),
            EventSpan::AllDay { start, end } => (true, Some(start), Some(end)),
        };
        EventRow {
            calendar_id,
            uid: &event.uid,
            managed: event.event_id.is_some(),
            event_id: event.event_id.as_deref(),
            status: event.status.as_str(),
            all_day,
            start_date,
            end_date,
            start_at: start.timestamp(),
            end_at: end.timestamp(),
            deleted: event.deleted,
            last_modified: event.last_modified.unwrap_or(now).timestamp(),
            explicit_last_modified: event.last_modified.is_some(),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 13] {
        [
            &self.calendar_id,
            &self.uid,
            &self.managed,
            &self.event_id,
            &self.status,
            &self.all_day,
            &self.start_date,
            &self.end_date,
            &self.start_at,
            &self.end_at,
            &self.deleted,
            &self.last_modified,
            &self.explicit_last_modified,
        ]
    }
}

/// Moves the `start_at`/`end_at` of the account's all-day events to midnight in `zone`
/// where they are elsewhere (the zone changed, or a calendar changed hands). Their
/// dates did not change, so neither does `last_modified`.
async fn place_all_day(
    tx: &impl GenericClient,
    account_id: i64,
    zone: &Tz,
) -> Result<(), StoreError> {
    let rows = tx
        .query(
            "SELECT e.id, e.start_date, e.end_date, e.start_at, e.end_at FROM events e
             JOIN calendars c ON c.id = e.calendar_id
             WHERE c.account_id = $1 AND e.all_day",
            &[&account_id],
        )
        .await?;
    let mut moved: Vec<(i64, i64, i64)> = Vec::new();
    for row in &rows {
        let id: i64 = row.try_get(0)?;
        let (Some(start), Some(end)) = (
            row.try_get::<_, Option<NaiveDate>>(1)?,
            row.try_get::<_, Option<NaiveDate>>(2)?,
        ) else {
            return Err(StoreError::Corrupt(format!(
                "event {id} is all-day without dates"
            )));
        };
        let (start_at, end_at) = EventSpan::AllDay { start, end }.bounds(zone);
        let bounds = (start_at.timestamp(), end_at.timestamp());
        if bounds != (row.try_get(3)?, row.try_get(4)?) {
            moved.push((id, bounds.0, bounds.1));
        }
    }
    if moved.is_empty() {
        return Ok(());
    }
    let update = tx
        .prepare("UPDATE events SET start_at = $2, end_at = $3 WHERE id = $1")
        .await?;
    for chunk in moved.chunks(PIPELINE) {
        let params: Vec<[&(dyn ToSql + Sync); 3]> = chunk
            .iter()
            .map(|(id, start, end)| -> [&(dyn ToSql + Sync); 3] { [id, start, end] })
            .collect();
        futures_util::future::try_join_all(params.iter().map(|p| tx.execute(&update, p))).await?;
    }
    Ok(())
}

/// An account from a row whose first three columns are its id, address and zone.
fn account_from_row(row: &Row) -> Result<Account, StoreError> {
    Ok(Account {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        time_zone: time_zone(row.try_get(2)?)?,
    })
}

/// The IANA zone an `accounts.time_zone` column names.
fn time_zone(zone: &str) -> Result<Tz, StoreError> {
    zone.parse::<Tz>()
        .map_err(|_| StoreError::Corrupt(format!("time zone {zone:?} is not an IANA zone")))
}

fn events_from_rows(rows: &[Row]) -> Result<Vec<Event>, StoreError> {
    rows.iter().map(event_from_row).collect()
}

fn event_from_row(row: &Row) -> Result<Event, StoreError> {
    let status: String = row.try_get(3)?;
    let status = status
        .parse::<Status>()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let all_day: bool = row.try_get(4)?;
    let span = if all_day {
        let (start, end): (Option<NaiveDate>, Option<NaiveDate>) =
            (row.try_get(5)?, row.try_get(6)?);
        match (start, end) {
            (Some(start), Some(end)) => EventSpan::AllDay { start, end },
            _ => return Err(StoreError::Corrupt("an all-day event without dates".into())),
        }
    } else {
        EventSpan::Timed {
            start: unix_seconds(row.try_get(7)?)?,
            end: unix_seconds(row.try_get(8)?)?,
        }
    };
    Ok(Event {
        calendar_id: row.try_get(0)?,
        uid: row.try_get(1)?,
        event_id: row.try_get(2)?,
        span,
        status,
        deleted: row.try_get(9)?,
        last_modified: unix_seconds(row.try_get(10)?)?,
    })
}

/// An instant from the unix seconds a column holds.
fn unix_seconds(seconds: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| StoreError::Corrupt(format!("time {seconds} is out of range")))
}
