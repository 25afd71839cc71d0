//! Storage, behind one interface: [`Store`].
//!
//! Everything above the store (seed loading, the domain modules) talks in the types of
//! [`model`] and calls the async methods of [`Store`]; which database answers is chosen
//! in one place, [`Store::open`], from a [`Location`]. Today that is SQLite
//! ([`sqlite`], the only module with SQL); a second backend (PostgreSQL) becomes a
//! second [`Location`], a second variant of [`Store`] and one more arm in each of its
//! methods, without touching a route or a domain module.
//!
//! # Why an enum of backends, not a trait object
//!
//! Every operation is async (a network database is; SQLite runs its blocking work on
//! `spawn_blocking`, so a commit that waits for the disk never stalls an async worker).
//! Async methods on a `dyn` trait need a boxed future per call; an enum dispatches with
//! one `match` and no allocation, and the compiler checks that every operation handles
//! every backend. Each method here is one operation of the contract every backend keeps
//! (the store tests pin it), so its documentation says what must hold, not how SQLite
//! does it; each arm hands the work to its backend (for SQLite, a closure over
//! [`sqlite::Database`] on the blocking pool).
//!
//! # Why some reads are coarse
//!
//! A free/busy answer reads an account, its calendars and their events in one call
//! ([`Store::account_events`]): each call is one trip to the blocking pool, and on the
//! week query those trips are most of the cost (BENCHMARKS.md, backend).

pub mod model;
pub mod sqlite;

pub use model::{
    Account, AccountEvents, AccountImport, Blocker, Blocking, Booking, BookingGuard,
    BookingOutcome, BookingTerms, Calendar, CalendarImport, Counts, Event, EventFilter,
    EventImport, EventQuery, EventSpan, HostSnapshot, ImportReport, NewBooking, ObjectChange,
    Snapshot, SnapshotEvent, SourceDefinition, SourceKind, SourceObject, SourceRecord, SyncOutcome,
    SyncRecord, SyncReport, SyncState, bookings_calendar_id,
};

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use sqlite::SqliteStore;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite itself refused or failed (I/O, constraint, locked past the busy timeout).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer server whose schema this one does not know.
    #[error("database schema version {found} is newer than this server knows ({known})")]
    NewerSchema {
        /// The database's schema version.
        found: i64,
        /// The newest version this build can migrate to.
        known: i64,
    },
    /// The database could not be put in the mode durability depends on.
    #[error("database setup failed: {0}")]
    Setup(String),
    /// The caller asked for something the data model forbids (e.g. a booking without
    /// hosts); a bug in the caller, which should have validated first.
    #[error("invalid request to the store: {0}")]
    Invalid(String),
    /// The database holds something it should not (e.g. an out-of-range time).
    #[error("database holds unexpected data: {0}")]
    Corrupt(String),
    /// The blocking task running the work panicked or was cancelled.
    #[error("store task failed: {0}")]
    Task(String),
}

/// Where the data lives: the value of `--db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file, created if missing.
    Sqlite(PathBuf),
}

impl FromStr for Location {
    type Err = String;

    /// Any text is a SQLite file path (a PostgreSQL URL will be told apart here).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err("the database location is empty".into());
        }
        Ok(Location::Sqlite(PathBuf::from(text)))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The store: a cheap handle (clone it freely) on whichever backend [`Store::open`]
/// picked.
#[derive(Debug, Clone)]
pub enum Store {
    /// A SQLite file.
    Sqlite(SqliteStore),
}

/// Runs the arm for whichever backend `$store` is: the one `match` each operation has,
/// which a second backend extends.
macro_rules! on_backend {
    ($store:expr, $backend:ident => $call:expr) => {
        match $store {
            Store::Sqlite($backend) => $call,
        }
    };
}

impl Store {
    /// Opens (or creates) the database at `location` and brings its schema up to date.
    /// The one place a backend is chosen.
    ///
    /// # Errors
    ///
    /// Fails if the database cannot be opened or written, cannot be made durable, or was
    /// written by a newer server ([`StoreError::NewerSchema`]).
    pub async fn open(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::Sqlite(path) => Ok(Store::Sqlite(SqliteStore::open(path).await?)),
        }
    }

    /// The SQLite backend, for what only it has (its connection settings, or holding
    /// its connection in a test); `None` on another backend.
    pub fn as_sqlite(&self) -> Option<&SqliteStore> {
        on_backend!(self, sqlite => Some(sqlite))
    }

    /// The schema version of the database; reading it also proves the database
    /// answers, which is what the health check wants.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        on_backend!(self, sqlite => sqlite.run(|db| db.schema_version()).await?)
    }

    /// How many accounts, calendars, events and bookings the store holds.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        on_backend!(self, sqlite => sqlite.run(|db| db.counts()).await?)
    }

    /// Creates or updates accounts, calendars and events atomically: all of them land,
    /// or none do.
    ///
    /// Upserts by account email (ignoring case), calendar id and (calendar id, event
    /// uid), so importing the same data twice changes nothing, and an event's
    /// `last_modified` moves only when something about it changed. Nothing is removed:
    /// an event missing from the import stays as it was (mark it `deleted` to remove it
    /// from availability).
    ///
    /// # Errors
    ///
    /// Fails on a constraint the input breaks (e.g. an `event_id` already used by
    /// another event of the calendar) or on I/O; nothing is written then.
    pub async fn import(
        &self,
        accounts: Vec<AccountImport>,
        now: DateTime<Utc>,
    ) -> Result<ImportReport, StoreError> {
        on_backend!(self, sqlite => sqlite.run(move |db| db.import(&accounts, now)).await?)
    }

    /// The account with this address, ignoring case.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        let email = email.to_owned();
        on_backend!(self, sqlite => sqlite.run(move |db| db.account_by_email(&email)).await?)
    }

    /// The calendars of an account, ordered by id.
    pub async fn calendars_of(&self, account_id: i64) -> Result<Vec<Calendar>, StoreError> {
        on_backend!(self, sqlite => sqlite.run(move |db| db.calendars_of(account_id)).await?)
    }

    /// The account with this address (ignoring case), all its calendars, and the events
    /// `query` asks for, read together; `None` if there is no such account.
    pub async fn account_events(
        &self,
        email: &str,
        query: EventQuery,
    ) -> Result<Option<AccountEvents>, StoreError> {
        let email = email.to_owned();
        on_backend!(self, sqlite => sqlite.run(move |db| db.account_events(&email, &query)).await?)
    }

    /// The events of these calendars that `filter` selects, ordered by start; every
    /// status, and deleted events too (which of them count is the caller's decision:
    /// the APIs differ, and incremental sync must see deletions).
    ///
    /// Overlap is half-open on both sides: an event ending exactly at the window's start,
    /// or starting exactly at its end, does not overlap it. All-day events are matched
    /// at UTC midnight of their dates (see [`EventSpan`]).
    pub async fn events(
        &self,
        calendar_ids: &[String],
        filter: EventFilter,
    ) -> Result<Vec<Event>, StoreError> {
        let ids = calendar_ids.to_vec();
        on_backend!(self, sqlite => sqlite.run(move |db| db.events(&ids, filter)).await?)
    }

    /// Stores `booking` if every host is free for all of `[start, end)`, atomically:
    /// two requests for overlapping time never both succeed, from any number of
    /// connections or processes.
    ///
    /// A host is not free when a non-deleted event in any of their calendars that
    /// `blocking` counts overlaps the booking, or when another booking they host that is
    /// not cancelled overlaps it (half-open, so back-to-back bookings are fine). All-day
    /// events are matched at UTC midnight, as in [`Store::events`]. A
    /// booking is also a busy managed event (`event_id` = the booking id, uid
    /// `booking_{id}`) in each host's bookings calendar ([`bookings_calendar_id`]),
    /// written with it, so both free/busy APIs see it with no special case.
    ///
    /// With an idempotency key already used, nothing is written and the earlier
    /// booking comes back as [`BookingOutcome::Replayed`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] for no hosts or `end <= start`; a database error for an
    /// unknown host or I/O.
    pub async fn insert_booking_if_free(
        &self,
        booking: NewBooking,
        blocking: Blocking,
        now: DateTime<Utc>,
    ) -> Result<BookingOutcome, StoreError> {
        on_backend!(self, sqlite => {
            sqlite.run(move |db| db.insert_booking_if_free(&booking, blocking, now)).await?
        })
    }

    /// As [`Store::insert_booking_if_free`], with `guard` judging the hosts inside the
    /// same transaction, before the overlap check: its check sees each host's events
    /// not deleted and bookings not cancelled overlapping `guard.window`, as they stand
    /// while no other booking can be written, and a refusal writes nothing
    /// ([`BookingOutcome::Refused`]). A repeated idempotency key replays before the
    /// guard runs (the first request passed it).
    ///
    /// # Errors
    ///
    /// As [`Store::insert_booking_if_free`].
    pub async fn insert_booking_checked(
        &self,
        booking: NewBooking,
        blocking: Blocking,
        guard: BookingGuard,
        now: DateTime<Utc>,
    ) -> Result<BookingOutcome, StoreError> {
        on_backend!(self, sqlite => {
            sqlite
                .run(move |db| db.insert_booking_checked(&booking, blocking, guard, now))
                .await?
        })
    }

    /// The account's rules document as last imported, `None` for the defaults (and for
    /// an unknown id). Its `time_zone` is not the account's zone: the caller sets it
    /// ([`crate::rules`]).
    pub async fn account_rules(
        &self,
        account_id: i64,
    ) -> Result<Option<freebusy_core::wire::rules::RulesDocument>, StoreError> {
        on_backend!(self, sqlite => sqlite.run(move |db| db.account_rules(account_id)).await?)
    }

    /// The booking with this id, cancelled or not.
    pub async fn booking(&self, id: &str) -> Result<Option<Booking>, StoreError> {
        let id = id.to_owned();
        on_backend!(self, sqlite => sqlite.run(move |db| db.booking(&id)).await?)
    }

    /// Marks a booking cancelled if `cancel_token_hash` matches its first token or one
    /// added by [`Store::add_cancel_token`]; returns the booking as it now stands, or
    /// `None` if no booking has this id and hash. Its managed events become deleted
    /// (and so reported by incremental sync).
    ///
    /// Cancelling twice is harmless: the first cancellation time is kept.
    pub async fn cancel_booking(
        &self,
        id: &str,
        cancel_token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Booking>, StoreError> {
        let (id, hash) = (id.to_owned(), cancel_token_hash.to_owned());
        on_backend!(self, sqlite => sqlite.run(move |db| db.cancel_booking(&id, &hash, now)).await?)
    }

    /// Adds another valid cancel token (its hash) to a booking; see
    /// [`Store::cancel_booking`]. Adding the same one twice is harmless.
    pub async fn add_cancel_token(
        &self,
        id: &str,
        cancel_token_hash: &str,
    ) -> Result<(), StoreError> {
        let (id, hash) = (id.to_owned(), cancel_token_hash.to_owned());
        on_backend!(self, sqlite => sqlite.run(move |db| db.add_cancel_token(&id, &hash)).await?)
    }

    /// Stops every source whose calendar is not in `keep` (the config no longer names
    /// it): its sync state and objects go, and the events it brought are deleted (kept
    /// as deleted, so incremental sync reports them gone). Returns how many stopped.
    ///
    /// A calendar becomes a source, is redefined, or stops being one through
    /// [`Store::import`] ([`CalendarImport::source`]): a new or redefined source starts
    /// unread, holding one unknown event ([`model::UNREAD_UID`]) over all time until its
    /// first snapshot, so its time is never free before anyone read it.
    pub async fn retire_sources_except(
        &self,
        keep: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        on_backend!(self, sqlite => sqlite.run(move |db| db.retire_sources_except(&keep, now)).await?)
    }

    /// Every source, with its owner and sync state, ordered by calendar id.
    pub async fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        on_backend!(self, sqlite => sqlite.run(|db| db.sources(None)).await?)
    }

    /// The source filling `calendar_id`, if that calendar is one.
    pub async fn source(&self, calendar_id: &str) -> Result<Option<SourceRecord>, StoreError> {
        let id = calendar_id.to_owned();
        on_backend!(self, sqlite => {
            sqlite.run(move |db| db.sources(Some(&id)).map(|mut found| found.pop())).await?
        })
    }

    /// The objects last fetched for a source, ordered by href.
    pub async fn source_objects(&self, calendar_id: &str) -> Result<Vec<SourceObject>, StoreError> {
        let id = calendar_id.to_owned();
        on_backend!(self, sqlite => sqlite.run(move |db| db.source_objects(&id)).await?)
    }

    /// Records one sync attempt atomically, unless the source was redefined or removed
    /// since it started (its fingerprint differs): then nothing is written and
    /// [`SyncReport::recorded`] is `false`.
    ///
    /// A failure counts one more failure and keeps the snapshot. A read resets the
    /// failures and stores the cursor; with a [`Snapshot`] it also replaces the objects
    /// as [`ObjectChange`] says and makes the calendar's events those of the snapshot:
    /// each one upserted by uid (so `last_modified` moves only for a real change), and
    /// every other live event from elsewhere that ends after the horizon's start, and
    /// every earlier unknown period, deleted. Events that ended before the horizon stay
    /// as they were last read. Managed events are never touched.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] for a snapshot that repeats a uid; I/O.
    pub async fn record_sync(&self, record: SyncRecord) -> Result<SyncReport, StoreError> {
        on_backend!(self, sqlite => sqlite.run(move |db| db.record_sync(&record)).await?)
    }
}
