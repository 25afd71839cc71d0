//! The SQLite backend: SQL for one file.
//!
//! A [`SqliteStore`] owns one writer connection behind a mutex and a pool of read-only
//! connections beside it, and runs every operation on one of them in `spawn_blocking`:
//! with `synchronous=FULL` a commit waits for the disk and must not stall the async
//! workers. Its operations are those of [`Store`](super::Store); [`Database`] holds the
//! synchronous SQL they run.
//!
//! # Why one writer and a pool of readers
//!
//! SQLite allows one writer at a time anyway, and a booking must check-and-insert
//! atomically; one write connection serialises that for free and keeps its prepared
//! statement cache warm. Reads need no such order: in WAL mode a reader sees the last
//! committed transaction and never waits for the writer, so free/busy queries run on
//! read-only connections ([`StoreOptions::pool_size`](super::StoreOptions) of them) and
//! no longer queue behind one mutex (BENCHMARKS.md, backend). A read that spans several
//! statements sees each one's latest commit, as on PostgreSQL.
//!
//! Times are stored as UTC unix seconds, so window queries are integer comparisons and
//! the half-open rule `[start, end)` is exact; all-day events also keep their dates.
//!
//! Durability: the file runs in WAL mode with `synchronous=FULL`, so a committed
//! transaction (say, the one behind a booking's 201) survives a `kill -9` or power loss.

mod bookings;
mod leases;
mod outbox;
mod reschedule;
mod sources;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use freebusy_core::Status;
use freebusy_core::wire::date;
use freebusy_core::wire::rules::RulesDocument;
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params, params_from_iter,
};

use super::migrations::{LONG_EVENT_SECONDS as LONG, MIGRATIONS, SCHEMA_VERSION};
use super::model::{
    Account, AccountEvents, AccountImport, Calendar, Counts, Event, EventFilter, EventImport,
    EventQuery, EventSpan, ImportReport,
};
use super::{StoreError, StoreOptions};

/// Connection settings, as reported by [`SqliteStore::settings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `wal` for a file store.
    pub journal_mode: String,
    /// Whether every commit syncs to disk (`synchronous=FULL`).
    pub synchronous_full: bool,
    /// Whether foreign keys are enforced.
    pub foreign_keys: bool,
}

/// A SQLite database file holding accounts, calendars, events and bookings; a cheap
/// handle, cloned by every request. [`Store`](super::Store)'s operations run their
/// [`Database`] method through [`SqliteStore::read`] or [`SqliteStore::write`].
#[derive(Clone)]
pub struct SqliteStore {
    writer: Arc<Mutex<Database>>,
    readers: deadpool::unmanaged::Pool<Database>,
    wait: Duration,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("readers", &self.readers.status().max_size)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

/// One connection, on which [`SqliteStore::read`] or [`SqliteStore::write`] runs work;
/// its methods are the synchronous halves of [`Store`](super::Store)'s operations, and
/// hold all the SQL. Those that write take `&mut self`, which only the writer lends.
#[derive(Debug)]
pub struct Database {
    conn: Connection,
}

impl SqliteStore {
    /// Opens the database at `path`; see [`Store::open_with`](super::Store::open_with).
    pub(super) async fn open(
        path: &Path,
        options: StoreOptions,
    ) -> Result<SqliteStore, StoreError> {
        let path: PathBuf = path.to_owned();
        let wait = options.timeout;
        let readers = options.pool_size.max(1);
        let (writer, read_only) = tokio::task::spawn_blocking(move || {
            // The writer first: it creates the file, sets WAL mode and migrates, so the
            // readers open a file that is ready.
            let writer = Database::open(&path, wait)?;
            let read_only = (0..readers)
                .map(|_| Database::open_read_only(&path, wait))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, StoreError>((writer, read_only))
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            readers: deadpool::unmanaged::Pool::from(read_only),
            wait,
        })
    }

    /// Runs `work` on a read-only connection on a blocking thread and returns its
    /// result; waits at most the store's timeout for a free one.
    ///
    /// Public for what the common interface has no operation for, e.g. a test that
    /// holds every reader to see a deadline pass.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if no reader was free in time; [`StoreError::Task`]
    /// if `work` panicked. Errors of `work` itself are in `T`.
    pub async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Database) -> T + Send + 'static,
        T: Send + 'static,
    {
        let reader = tokio::time::timeout(self.wait, self.readers.get())
            .await
            .map_err(|_| {
                StoreError::Unavailable("no SQLite read connection was free in time".into())
            })?
            .map_err(|e| StoreError::Task(e.to_string()))?;
        tokio::task::spawn_blocking(move || work(&reader))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))
    }

    /// Runs `work` on the write connection on a blocking thread and returns its result.
    ///
    /// Public for what the common interface has no operation for.
    ///
    /// # Errors
    ///
    /// [`StoreError::Task`] if `work` panicked; errors of `work` itself are in `T`.
    pub async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Database) -> T + Send + 'static,
        T: Send + 'static,
    {
        let database = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || {
            // A panic mid-call poisons the mutex, but SQLite rolled the transaction
            // back when it unwound, so the connection is still sound to use.
            let mut database = database.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut database)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))
    }

    /// The write connection's settings that durability and integrity depend on, as
    /// SQLite reports them (they are per connection, so only the store can tell).
    pub async fn settings(&self) -> Result<Settings, StoreError> {
        self.write(|db| db.settings()).await?
    }
}

const EVENT_COLUMNS: &str = "e.calendar_id, e.uid, e.event_id, e.status, e.all_day, e.start_date, \
     e.end_date, e.start_at, e.end_at, e.deleted, e.last_modified";

impl Database {
    fn open(path: &Path, wait: Duration) -> Result<Database, StoreError> {
        let mut conn = Connection::open(path)?;
        // Another process (a second server, the sqlite3 shell) may hold the write lock
        // briefly; waiting beats failing the request.
        conn.busy_timeout(wait)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Setup(format!(
                "{} refused WAL mode (got {mode})",
                path.display()
            )));
        }
        // FULL syncs the WAL on every commit: a commit that returned is on disk.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate(&mut conn)?;
        Ok(Database { conn })
    }

    /// A read-only connection to a file the writer has set up. WAL mode is a property
    /// of the file, so it holds for this connection too.
    fn open_read_only(path: &Path, wait: Duration) -> Result<Database, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(wait)?;
        Ok(Database { conn })
    }

    pub(in crate::store) fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    pub(in crate::store) fn settings(&self) -> Result<Settings, StoreError> {
        let read = |pragma: &str| -> Result<String, StoreError> {
            Ok(self
                .conn
                .query_row(&format!("PRAGMA {pragma}"), [], |row| {
                    row.get::<_, rusqlite::types::Value>(0)
                })
                .map(|value| match value {
                    rusqlite::types::Value::Integer(n) => n.to_string(),
                    rusqlite::types::Value::Text(text) => text,
                    other => format!("{other:?}"),
                })?)
        };
        Ok(Settings {
            journal_mode: read("journal_mode")?,
            // 2 is FULL in SQLite's numbering.
            synchronous_full: read("synchronous")? == "2",
            foreign_keys: read("foreign_keys")? == "1",
        })
    }

    pub(in crate::store) fn counts(&self) -> Result<Counts, StoreError> {
        let count = |table: &str| -> Result<usize, StoreError> {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                        row.get(0)
                    })?;
            Ok(n as usize)
        };
        Ok(Counts {
            accounts: count("accounts")?,
            calendars: count("calendars")?,
            events: count("events")?,
            bookings: count("bookings")?,
        })
    }

    pub(in crate::store) fn import(
        &mut self,
        accounts: &[AccountImport],
        now: DateTime<Utc>,
    ) -> Result<ImportReport, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = ImportReport::default();
        for account in accounts {
            report.accounts += tx.execute(
                "INSERT INTO accounts (email, time_zone, rules) VALUES (?1, ?2, ?3)
                 ON CONFLICT (email) DO UPDATE SET
                     time_zone = excluded.time_zone, rules = excluded.rules
                 WHERE accounts.time_zone IS NOT excluded.time_zone
                    OR accounts.rules IS NOT excluded.rules",
                params![
                    account.email,
                    account.time_zone.name(),
                    account.rules_json()?
                ],
            )?;
            let account_id: i64 = tx.query_row(
                "SELECT id FROM accounts WHERE email = ?1",
                params![account.email],
                |row| row.get(0),
            )?;
            for calendar in &account.calendars {
                report.calendars += tx.execute(
                    "INSERT INTO calendars (id, account_id, name) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET
                         account_id = excluded.account_id, name = excluded.name
                     WHERE calendars.account_id IS NOT excluded.account_id
                        OR calendars.name IS NOT excluded.name",
                    params![calendar.id, account_id, calendar.name],
                )?;
                report.calendars +=
                    sources::define(&tx, &calendar.id, calendar.source.as_ref(), now)?;
                for event in &calendar.events {
                    report.events +=
                        upsert_event(&tx, &calendar.id, event, &account.time_zone, now)?;
                }
            }
            // The zone may have changed, or a calendar come from another account.
            place_all_day(&tx, account_id, &account.time_zone)?;
        }
        tx.commit()?;
        Ok(report)
    }

    pub(in crate::store) fn account_by_email(
        &self,
        email: &str,
    ) -> Result<Option<Account>, StoreError> {
        // Cached: every free/busy request starts here.
        Ok(self
            .conn
            .prepare_cached("SELECT id, email, time_zone FROM accounts WHERE email = ?1")?
            .query_row(params![email], account_from_row)
            .optional()?)
    }

    pub(in crate::store) fn account_rules(
        &self,
        account_id: i64,
    ) -> Result<Option<RulesDocument>, StoreError> {
        let text: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT rules FROM accounts WHERE id = ?1")?
            .query_row(params![account_id], |row| row.get(0))
            .optional()?;
        AccountImport::rules_from_json(account_id, text.flatten())
    }

    pub(in crate::store) fn calendars_of(
        &self,
        account_id: i64,
    ) -> Result<Vec<Calendar>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, account_id, name FROM calendars WHERE account_id = ?1 ORDER BY id",
        )?;
        let calendars = statement
            .query_map(params![account_id], |row| {
                Ok(Calendar {
                    id: row.get(0)?,
                    account_id: row.get(1)?,
                    name: row.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(calendars)
    }

    /// Two statements, both cached: the account with each calendar and whether it is a
    /// source never read, then the chosen calendars' events (and, if asked, their managed
    /// ones). The week query is mostly such per-statement costs (BENCHMARKS.md,
    /// backend), so the account, its calendars and their sources come in one.
    pub(in crate::store) fn account_events(
        &self,
        email: &str,
        query: &EventQuery,
    ) -> Result<Option<AccountEvents>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT a.id, a.email, a.time_zone, c.id, c.name,
                    s.calendar_id IS NOT NULL AND s.snapshot_at IS NULL
             FROM accounts a
             LEFT JOIN calendars c ON c.account_id = a.id
             LEFT JOIN sources s ON s.calendar_id = c.id
             WHERE a.email = ?1 ORDER BY c.id",
        )?;
        let mut rows = statement.query(params![email])?;
        let Some(first) = rows.next()? else {
            return Ok(None);
        };
        let account = account_from_row(first)?;
        let mut calendars: Vec<Calendar> = Vec::new();
        let mut never_read: Vec<String> = Vec::new();
        let mut row = Some(first);
        while let Some(current) = row {
            // An account without calendars comes back once, with no calendar.
            if let Some(id) = current.get::<_, Option<String>>(3)? {
                if current.get::<_, Option<bool>>(5)? == Some(true) {
                    never_read.push(id.clone());
                }
                calendars.push(Calendar {
                    id,
                    account_id: account.id,
                    name: current.get(4)?,
                });
            }
            row = rows.next()?;
        }
        let chosen: Vec<String> = match &query.calendars {
            None => calendars
                .iter()
                .map(|calendar| calendar.id.clone())
                .collect(),
            Some(wanted) => {
                let own: HashSet<&str> = calendars.iter().map(|c| c.id.as_str()).collect();
                let mut chosen: Vec<String> = Vec::new();
                for id in wanted {
                    if own.contains(id.as_str()) && !chosen.contains(id) {
                        chosen.push(id.clone());
                    }
                }
                chosen
            }
        };
        let overlapping = self.events(&chosen, EventFilter::Overlapping(query.window))?;
        let managed = if query.all_managed {
            self.events(&chosen, EventFilter::Managed)?
        } else {
            Vec::new()
        };
        // In calendar order, which is by id, as before.
        let unread = never_read
            .into_iter()
            .filter(|id| chosen.contains(id))
            .collect();
        Ok(Some(AccountEvents {
            account,
            calendars,
            overlapping,
            managed,
            unread,
        }))
    }

    pub(in crate::store) fn events(
        &self,
        calendar_ids: &[String],
        filter: EventFilter,
    ) -> Result<Vec<Event>, StoreError> {
        if calendar_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = placeholders(calendar_ids.len());
        let ids_values = || {
            calendar_ids
                .iter()
                .map(|id| rusqlite::types::Value::Text(id.clone()))
        };
        let integer = rusqlite::types::Value::Integer;
        let (sql, values): (String, Vec<rusqlite::types::Value>) = match filter {
            // Two disjoint parts, each an index range bounded on both sides (migration
            // 0004), whatever came before: events of at most two days starting in
            // [start - the calendar's longest of them, end), and longer ones ending
            // after the start (numbered parameters: ?1 the start, ?2 the end, then ids).
            EventFilter::Overlapping(window) => {
                let (start, end) = (window.start().timestamp(), window.end().timestamp());
                let ids = numbered(3, calendar_ids.len());
                (
                    format!(
                        "SELECT * FROM (
                             SELECT {EVENT_COLUMNS} FROM calendars c JOIN events e ON e.calendar_id = c.id
                             WHERE c.id IN ({ids}) AND e.start_at < ?2
                               AND e.start_at > ?1 - c.longest_event_seconds AND e.end_at > ?1
                               AND e.end_at - e.start_at <= {LONG}
                             UNION ALL
                             SELECT {EVENT_COLUMNS} FROM events e
                             WHERE e.calendar_id IN ({ids}) AND e.end_at - e.start_at > {LONG}
                               AND e.end_at > ?1 AND e.start_at < ?2)
                         ORDER BY start_at, end_at, calendar_id, uid"
                    ),
                    [integer(start), integer(end)]
                        .into_iter()
                        .chain(ids_values())
                        .collect(),
                )
            }
            EventFilter::ModifiedSince(since) => (
                format!(
                    "SELECT {EVENT_COLUMNS} FROM events e
                     WHERE e.calendar_id IN ({ids}) AND e.last_modified >= ?
                     ORDER BY e.start_at, e.end_at, e.calendar_id, e.uid"
                ),
                ids_values().chain([integer(since.timestamp())]).collect(),
            ),
            EventFilter::Managed => (
                format!(
                    "SELECT {EVENT_COLUMNS} FROM events e
                     WHERE e.calendar_id IN ({ids}) AND e.managed = 1
                     ORDER BY e.start_at, e.end_at, e.calendar_id, e.uid"
                ),
                ids_values().collect(),
            ),
        };
        self.events_where(&sql, values)
    }

    fn events_where(
        &self,
        sql: &str,
        values: Vec<rusqlite::types::Value>,
    ) -> Result<Vec<Event>, StoreError> {
        // Cached by its text: one statement per calendar count, reused by every request
        // for an account with that many calendars.
        let mut statement = self.conn.prepare_cached(sql)?;
        let events = statement
            .query_map(params_from_iter(values), event_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(events)
    }
}

/// Brings the schema up to the newest version, one transaction per migration.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    loop {
        // IMMEDIATE takes the write lock before reading the version, so two servers
        // starting on one file cannot both run the same migration.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[version as usize].sqlite)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

/// Inserts or updates one event; returns 1 if a row was written, 0 if it was unchanged.
fn upsert_event(
    tx: &rusqlite::Transaction<'_>,
    calendar_id: &str,
    event: &EventImport,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let (start_at, end_at) = unix_bounds(&event.span, zone);
    let (all_day, start_date, end_date) = match event.span {
        EventSpan::Timed { .. } => (false, None, None),
        EventSpan::AllDay { start, end } => (true, Some(start.to_string()), Some(end.to_string())),
    };
    let last_modified = event.last_modified.unwrap_or(now).timestamp();
    // The WHERE clause makes an identical re-import a no-op, so `last_modified` (and
    // with it incremental sync) only moves on a real change. An all-day event changes
    // with its dates; where its days start (its owner's zone) is `place_all_day`'s.
    let written = tx.execute(
        "INSERT INTO events (calendar_id, uid, managed, event_id, status, all_day,
                             start_date, end_date, start_at, end_at, deleted, last_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (calendar_id, uid) DO UPDATE SET
             managed = excluded.managed, event_id = excluded.event_id,
             status = excluded.status, all_day = excluded.all_day,
             start_date = excluded.start_date, end_date = excluded.end_date,
             start_at = excluded.start_at, end_at = excluded.end_at,
             deleted = excluded.deleted, last_modified = excluded.last_modified
         WHERE events.managed IS NOT excluded.managed
            OR events.event_id IS NOT excluded.event_id
            OR events.status IS NOT excluded.status
            OR events.all_day IS NOT excluded.all_day
            OR events.start_date IS NOT excluded.start_date
            OR events.end_date IS NOT excluded.end_date
            OR (excluded.all_day = 0 AND (events.start_at IS NOT excluded.start_at
                                          OR events.end_at IS NOT excluded.end_at))
            OR events.deleted IS NOT excluded.deleted
            OR (?13 AND events.last_modified IS NOT excluded.last_modified)",
        params![
            calendar_id,
            event.uid,
            event.event_id.is_some(),
            event.event_id,
            event.status.as_str(),
            all_day,
            start_date,
            end_date,
            start_at,
            end_at,
            event.deleted,
            last_modified,
            event.last_modified.is_some(),
        ],
    )?;
    Ok(written)
}

/// The span as the `start_at`/`end_at` columns hold it: UTC unix seconds, all-day
/// dates from midnight in the owner's zone.
fn unix_bounds(span: &EventSpan, zone: &Tz) -> (i64, i64) {
    let (start, end) = span.bounds(zone);
    (start.timestamp(), end.timestamp())
}

/// Moves the `start_at`/`end_at` of the account's all-day events to midnight in `zone`
/// where they are elsewhere (the zone changed, or a calendar changed hands). Their
/// dates did not change, so neither does `last_modified`.
fn place_all_day(
    tx: &rusqlite::Transaction<'_>,
    account_id: i64,
    zone: &Tz,
) -> Result<(), StoreError> {
    let mut select = tx.prepare_cached(
        "SELECT e.id, e.start_date, e.end_date, e.start_at, e.end_at FROM events e
         JOIN calendars c ON c.id = e.calendar_id
         WHERE c.account_id = ?1 AND e.all_day = 1",
    )?;
    let rows: Vec<(i64, String, String, i64, i64)> = select
        .query_map(params![account_id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut update =
        tx.prepare_cached("UPDATE events SET start_at = ?2, end_at = ?3 WHERE id = ?1")?;
    for (id, start, end, start_at, end_at) in rows {
        let (Some(start), Some(end)) = (date::parse(&start), date::parse(&end)) else {
            return Err(StoreError::Corrupt(format!(
                "event {id} has dates {start:?} and {end:?}"
            )));
        };
        let bounds = unix_bounds(&EventSpan::AllDay { start, end }, zone);
        if bounds != (start_at, end_at) {
            update.execute(params![id, bounds.0, bounds.1])?;
        }
    }
    Ok(())
}

fn account_from_row(row: &Row<'_>) -> rusqlite::Result<Account> {
    let zone: String = row.get(2)?;
    let time_zone = zone.parse::<Tz>().map_err(|_| {
        conversion_error(
            2,
            StoreError::Corrupt(format!("time zone {zone:?} is not an IANA zone")),
        )
    })?;
    Ok(Account {
        id: row.get(0)?,
        email: row.get(1)?,
        time_zone,
    })
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// `?from, ?from+1, …`: `n` numbered parameters, for a statement naming them twice.
fn numbered(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    let status: String = row.get(3)?;
    let status = status
        .parse::<Status>()
        .map_err(|e| conversion_error(3, e))?;
    let all_day: bool = row.get(4)?;
    let span = if all_day {
        let start = date_column(row, 5)?;
        let end = date_column(row, 6)?;
        EventSpan::AllDay { start, end }
    } else {
        EventSpan::Timed {
            start: time_column(row, 7)?,
            end: time_column(row, 8)?,
        }
    };
    Ok(Event {
        calendar_id: row.get(0)?,
        uid: row.get(1)?,
        event_id: row.get(2)?,
        span,
        status,
        deleted: row.get(9)?,
        last_modified: time_column(row, 10)?,
    })
}

fn date_column(row: &Row<'_>, index: usize) -> rusqlite::Result<NaiveDate> {
    let text: String = row.get(index)?;
    date::parse(&text).ok_or_else(|| {
        conversion_error(
            index,
            StoreError::Corrupt(format!("date {text:?} is not YYYY-MM-DD")),
        )
    })
}

fn time_column(row: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let seconds: i64 = row.get(index)?;
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| {
        conversion_error(
            index,
            StoreError::Corrupt(format!("time {seconds} is out of range")),
        )
    })
}

fn conversion_error(
    index: usize,
    error: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(error))
}
