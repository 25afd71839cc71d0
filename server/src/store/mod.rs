//! Storage: the one module that speaks SQL.
//!
//! A [`Store`] owns one SQLite connection to a file. Everything above it (seed loading,
//! routes) talks in the domain's types: accounts, calendars, events, bookings. Times are
//! stored as UTC unix seconds, so window queries are integer comparisons and the
//! half-open rule `[start, end)` is exact; all-day events also keep their dates.
//!
//! Durability: the file runs in WAL mode with `synchronous=FULL`, so a committed
//! transaction (say, the one behind a booking's 201) survives a `kill -9` or power loss.

mod bookings;
mod schema;

pub use bookings::{Blocker, Blocking, Booking, BookingOutcome, NewBooking, bookings_calendar_id};

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params, params_from_iter};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite itself refused or failed (I/O, constraint, locked past the busy timeout).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer server whose schema this one does not know.
    #[error("database schema version {found} is newer than this server knows ({known})")]
    NewerSchema {
        /// The file's `user_version`.
        found: i64,
        /// The newest version this build can migrate to.
        known: i64,
    },
    /// The file could not be put in the mode durability depends on.
    #[error("database setup failed: {0}")]
    Setup(String),
    /// The caller asked for something the data model forbids (e.g. a booking without
    /// hosts); a bug in the caller, which should have validated first.
    #[error("invalid request to the store: {0}")]
    Invalid(String),
    /// The database holds something it should not (e.g. an out-of-range time).
    #[error("database holds unexpected data: {0}")]
    Corrupt(String),
}

/// How an event affects its owner's availability (Cronofy's `free_busy_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The owner is busy.
    Busy,
    /// The owner is probably busy, e.g. an invitation not yet answered.
    Tentative,
    /// The event does not block the owner's time.
    Free,
    /// The source did not say; documented by Cronofy, not expected in practice.
    Unknown,
}

impl Status {
    /// Every status, in the order the APIs document them.
    pub const ALL: [Status; 4] = [
        Status::Busy,
        Status::Tentative,
        Status::Free,
        Status::Unknown,
    ];

    /// The lowercase wire name, as both APIs and the seed format spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Busy => "busy",
            Status::Tentative => "tentative",
            Status::Free => "free",
            Status::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Status`] from a name that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?} (expected busy, tentative, free or unknown)")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
            .ok_or_else(|| UnknownStatus(name.to_owned()))
    }
}

/// When an event happens: two instants, or whole days.
///
/// All-day events are floating dates with no time zone (a holiday is the whole day
/// wherever its owner is), which is why they are not just two instants. For window
/// queries the store places them at UTC midnight; a route that knows the caller's
/// time zone should widen its window by a day and decide itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSpan {
    /// A timed event from `start` (inclusive) to `end` (exclusive).
    Timed {
        /// The first instant of the event.
        start: DateTime<Utc>,
        /// The first instant after the event.
        end: DateTime<Utc>,
    },
    /// An all-day event covering the dates from `start` up to but excluding `end`.
    AllDay {
        /// The first day of the event.
        start: NaiveDate,
        /// The first day after the event.
        end: NaiveDate,
    },
}

impl EventSpan {
    /// The span as UTC unix seconds `[start, end)`; all-day dates at UTC midnight.
    pub fn unix_bounds(&self) -> (i64, i64) {
        match *self {
            EventSpan::Timed { start, end } => (start.timestamp(), end.timestamp()),
            EventSpan::AllDay { start, end } => (utc_midnight(start), utc_midnight(end)),
        }
    }
}

fn utc_midnight(date: NaiveDate) -> i64 {
    date.and_time(NaiveTime::MIN).and_utc().timestamp()
}

/// A person whose availability the server knows, identified by email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The row id; stable for the life of the database.
    pub id: i64,
    /// The address as first stored; lookups ignore case.
    pub email: String,
}

/// One calendar of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// The public ASCII id (`calendar_id` in the Cronofy-style API).
    pub id: String,
    /// The owning account's row id.
    pub account_id: i64,
    /// A human name, e.g. "Work".
    pub name: String,
}

/// One event in a calendar, with everything either free/busy API can report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The calendar holding the event.
    pub calendar_id: String,
    /// The event's uid, unique within its calendar (`event_uid`).
    pub uid: String,
    /// For events managed through this service, the caller's id (`event_id`);
    /// `None` for events that came from elsewhere.
    pub event_id: Option<String>,
    /// When it happens.
    pub span: EventSpan,
    /// How it affects availability.
    pub status: Status,
    /// Deleted events are kept so incremental sync can report the deletion.
    pub deleted: bool,
    /// When the event last changed, for `last_modified` queries.
    pub last_modified: DateTime<Utc>,
}

impl Event {
    /// Whether the event is managed by this service (Cronofy's `include_managed`).
    pub fn is_managed(&self) -> bool {
        self.event_id.is_some()
    }
}

/// A half-open UTC time window `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Window {
    /// The window from `start` up to but excluding `end`; `None` unless `start < end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Window> {
        (start < end).then_some(Window { start, end })
    }

    /// The first instant in the window.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the window.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }
}

/// An account to create or update, with its calendars (see [`Store::import`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountImport {
    /// The account's address (the upsert key, compared ignoring case).
    pub email: String,
    /// Calendars to create or update under this account.
    pub calendars: Vec<CalendarImport>,
}

/// A calendar to create or update, with its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarImport {
    /// The calendar id (the upsert key).
    pub id: String,
    /// The calendar's name.
    pub name: String,
    /// Events to create or update in this calendar.
    pub events: Vec<EventImport>,
}

/// An event to create or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventImport {
    /// The event uid (the upsert key, within its calendar).
    pub uid: String,
    /// `Some` for a managed event, see [`Event::event_id`].
    pub event_id: Option<String>,
    /// When it happens.
    pub span: EventSpan,
    /// How it affects availability.
    pub status: Status,
    /// Whether the event is deleted.
    pub deleted: bool,
    /// An explicit modification time; `None` means "now, if anything changed".
    pub last_modified: Option<DateTime<Utc>>,
}

/// What an [`Store::import`] changed: rows inserted or updated, not rows seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Accounts created.
    pub accounts: usize,
    /// Calendars created or changed.
    pub calendars: usize,
    /// Events created or changed.
    pub events: usize,
}

/// How many rows each table holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows in `accounts`.
    pub accounts: usize,
    /// Rows in `calendars`.
    pub calendars: usize,
    /// Rows in `events`, deleted ones included.
    pub events: usize,
    /// Rows in `bookings`, cancelled ones included.
    pub bookings: usize,
}

/// Connection settings, as reported by [`Store::settings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `wal` for a file store.
    pub journal_mode: String,
    /// Whether every commit syncs to disk (`synchronous=FULL`).
    pub synchronous_full: bool,
    /// Whether foreign keys are enforced.
    pub foreign_keys: bool,
}

/// A SQLite database file holding accounts, calendars, events and bookings.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

const EVENT_COLUMNS: &str = "calendar_id, uid, event_id, status, all_day, start_date, end_date, \
     start_at, end_at, deleted, last_modified";

impl Store {
    /// Opens the database at `path`, creating the file if missing and bringing its
    /// schema up to date.
    ///
    /// # Errors
    ///
    /// Fails if the file cannot be opened or written, cannot enter WAL mode, or was
    /// written by a newer server ([`StoreError::NewerSchema`]).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        // Another process (a second server, the sqlite3 shell) may hold the write lock
        // briefly; waiting beats failing the request.
        conn.busy_timeout(Duration::from_secs(5))?;
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
        Ok(Store { conn })
    }

    /// The schema version of the file (`PRAGMA user_version`); reading it also proves
    /// the database answers, which is what the health check wants.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// The connection's settings that durability and integrity depend on, as SQLite
    /// reports them (they are per connection, so only the store can tell).
    pub fn settings(&self) -> Result<Settings, StoreError> {
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

    /// How many rows each table holds.
    pub fn counts(&self) -> Result<Counts, StoreError> {
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

    /// Creates or updates accounts, calendars and events in one transaction: all of
    /// them land, or none do.
    ///
    /// Upserts by account email, calendar id and (calendar id, event uid), so importing
    /// the same data twice changes nothing, and an event's `last_modified` moves only
    /// when something about it changed. Nothing is removed: an event missing from the
    /// import stays as it was (mark it `deleted` to remove it from availability).
    ///
    /// # Errors
    ///
    /// Fails on a constraint the input breaks (e.g. an `event_id` already used by
    /// another event of the calendar) or on I/O; nothing is written then.
    pub fn import(
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
                "INSERT INTO accounts (email) VALUES (?1) ON CONFLICT (email) DO NOTHING",
                params![account.email],
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
                for event in &calendar.events {
                    report.events += upsert_event(&tx, &calendar.id, event, now)?;
                }
            }
        }
        tx.commit()?;
        Ok(report)
    }

    /// The account with this address, ignoring case.
    pub fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        // Cached: every free/busy request starts here.
        Ok(self
            .conn
            .prepare_cached("SELECT id, email FROM accounts WHERE email = ?1")?
            .query_row(params![email], |row| {
                Ok(Account {
                    id: row.get(0)?,
                    email: row.get(1)?,
                })
            })
            .optional()?)
    }

    /// The calendars of an account, ordered by id.
    pub fn calendars_of(&self, account_id: i64) -> Result<Vec<Calendar>, StoreError> {
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

    /// Events of these calendars that overlap `window`, ordered by start.
    ///
    /// Overlap is half-open on both sides: an event ending exactly at the window's start,
    /// or starting exactly at its end, is not returned. Every status and deleted events
    /// are included; which of them count is the caller's decision (the APIs differ).
    /// All-day events are matched at UTC midnight of their dates (see [`EventSpan`]).
    pub fn events_overlapping(
        &self,
        calendar_ids: &[String],
        window: Window,
    ) -> Result<Vec<Event>, StoreError> {
        if calendar_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE calendar_id IN ({}) AND start_at < ? AND end_at > ?
             ORDER BY start_at, end_at, calendar_id, uid",
            placeholders(calendar_ids.len())
        );
        let bounds = [window.end.timestamp(), window.start.timestamp()];
        self.events_where(&sql, calendar_ids, &bounds)
    }

    /// Events of these calendars modified at or after `since`, ordered by start;
    /// deleted events included, as incremental sync needs to see deletions.
    pub fn events_modified_since(
        &self,
        calendar_ids: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<Event>, StoreError> {
        if calendar_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE calendar_id IN ({}) AND last_modified >= ?
             ORDER BY start_at, end_at, calendar_id, uid",
            placeholders(calendar_ids.len())
        );
        self.events_where(&sql, calendar_ids, &[since.timestamp()])
    }

    /// Every managed event of these calendars, deleted ones included, ordered by start:
    /// Cronofy's managed events are not bound by the default window.
    pub fn managed_events(&self, calendar_ids: &[String]) -> Result<Vec<Event>, StoreError> {
        if calendar_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE calendar_id IN ({}) AND managed = 1
             ORDER BY start_at, end_at, calendar_id, uid",
            placeholders(calendar_ids.len())
        );
        self.events_where(&sql, calendar_ids, &[])
    }

    fn events_where(
        &self,
        sql: &str,
        calendar_ids: &[String],
        times: &[i64],
    ) -> Result<Vec<Event>, StoreError> {
        // Cached by its text: one statement per calendar count, reused by every request
        // for an account with that many calendars.
        let mut statement = self.conn.prepare_cached(sql)?;
        let values = calendar_ids
            .iter()
            .map(|id| rusqlite::types::Value::Text(id.clone()))
            .chain(times.iter().map(|&t| rusqlite::types::Value::Integer(t)));
        let events = statement
            .query_map(params_from_iter(values), event_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(events)
    }
}

/// Brings the schema up to the newest version, one transaction per migration.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let known = schema::MIGRATIONS.len() as i64;
    loop {
        // IMMEDIATE takes the write lock before reading the version, so two servers
        // starting on one file cannot both run the same migration.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version > known {
            return Err(StoreError::NewerSchema {
                found: version,
                known,
            });
        }
        if version == known {
            return Ok(());
        }
        tx.execute_batch(schema::MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

/// Inserts or updates one event; returns 1 if a row was written, 0 if it was unchanged.
fn upsert_event(
    tx: &rusqlite::Transaction<'_>,
    calendar_id: &str,
    event: &EventImport,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let (start_at, end_at) = event.span.unix_bounds();
    let (all_day, start_date, end_date) = match event.span {
        EventSpan::Timed { .. } => (false, None, None),
        EventSpan::AllDay { start, end } => (true, Some(start.to_string()), Some(end.to_string())),
    };
    let last_modified = event.last_modified.unwrap_or(now).timestamp();
    // The WHERE clause makes an identical re-import a no-op, so `last_modified` (and
    // with it incremental sync) only moves on a real change.
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
            OR events.start_at IS NOT excluded.start_at
            OR events.end_at IS NOT excluded.end_at
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

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
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
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|e| conversion_error(index, e))
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
