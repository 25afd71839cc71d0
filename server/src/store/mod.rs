//! Storage, behind one interface: [`Store`].
//!
//! Everything above the store (seed loading, the domain modules) talks in the types of
//! [`model`] and calls the async methods of [`Store`]; which database answers is chosen
//! in one place, [`Store::open_with`], from a [`Location`]: a file path is SQLite
//! ([`sqlite`]), a `postgres://` URL is PostgreSQL ([`postgres`]). Those two modules are
//! the only ones with SQL; their schema is one list of migrations in two dialects
//! ([`migrations`]), applied when the store opens.
//!
//! # Why an enum of backends, not a trait object
//!
//! Every operation is async (a network database is; SQLite runs its blocking work on
//! `spawn_blocking`, so a commit that waits for the disk never stalls an async worker).
//! Async methods on a `dyn` trait need a boxed future per call; an enum dispatches with
//! one `match` and no allocation, and the compiler checks that every operation handles
//! every backend. Each method here is one operation of the contract every backend keeps
//! (the store tests in `server/tests/` run every one of them on both backends), so its
//! documentation says what must hold, not how a backend does it.
//!
//! # Adding an operation
//!
//! Add the method here with its contract, an arm per backend (`sqlite.read(..)` or
//! `sqlite.write(..)` over a [`sqlite::Database`] method; an `async fn` on
//! [`postgres::PgStore`]), and a contract test listed in the test file's
//! `on_both_backends!`. A new table is a new migration folder first (see
//! [`migrations`]).
//!
//! # Why some reads are coarse
//!
//! A free/busy answer reads an account, its calendars and their events in one call
//! ([`Store::account_events`]): each call is one trip to the blocking pool or one round
//! trip to PostgreSQL, and on the week query those trips are most of the cost
//! (BENCHMARKS.md, backend).

pub mod migrations;
pub mod model;
pub mod postgres;
pub mod sqlite;

pub use migrations::SCHEMA_VERSION;
pub use model::{
    Account, AccountEvents, AccountImport, Audience, Blocker, Blocking, Booking, BookingGuard,
    BookingOutcome, BookingTerms, Calendar, CalendarImport, Counts, DeliveryKind, Event,
    EventFilter, EventImport, EventQuery, EventSpan, HostSnapshot, ImportReport, Lease, NewBooking,
    OUTBOX_LEASE, ObjectChange, OutboxAction, OutboxMessage, OutboxOutcome, OutboxState,
    Reschedule, RescheduleOutcome, Snapshot, SnapshotEvent, SourceDefinition, SourceKind,
    SourceObject, SourceRecord, SyncOutcome, SyncRecord, SyncReport, SyncState,
    bookings_calendar_id,
};

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

use postgres::PgStore;
use sqlite::SqliteStore;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database does not answer now (gone away, refusing connections, too slow, no
    /// free connection in time); worth retrying later. The HTTP API answers 503.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// SQLite itself refused or failed (I/O, constraint, locked past the busy timeout).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused a statement (a constraint, a bug in our SQL); its connection
    /// problems are [`StoreError::Unavailable`] instead.
    #[error("database error: {0}")]
    Postgres(tokio_postgres::Error),
    /// The database was written by a newer server whose schema this one does not know.
    #[error("database schema version {found} is newer than this server knows ({known})")]
    NewerSchema {
        /// The database's schema version.
        found: i64,
        /// The newest version this build can migrate to.
        known: i64,
    },
    /// The database could not be put in the mode durability depends on, or its
    /// location is unusable.
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

impl StoreError {
    /// Whether the failure is the database being away or overloaded (a 503, worth a
    /// retry), rather than a bug or bad data (a 500).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => matches!(
                failure.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            _ => false,
        }
    }
}

/// Where the data lives: the value of `--db`.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file, created if missing.
    Sqlite(PathBuf),
    /// A PostgreSQL database, as a `postgres://` or `postgresql://` URL (libpq's
    /// format: `postgres://user:password@host:port/dbname?options`).
    Postgres(String),
}

impl FromStr for Location {
    type Err = String;

    /// A `postgres://` or `postgresql://` URL is PostgreSQL; any other text is a SQLite
    /// file path.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err("the database location is empty".into());
        }
        if let Some((scheme, rest)) = text.split_once("://") {
            let scheme = scheme.to_ascii_lowercase();
            if scheme == "postgres" || scheme == "postgresql" {
                // The driver wants the scheme in lower case.
                let url = format!("{scheme}://{rest}");
                postgres::check_url(&url)?;
                return Ok(Location::Postgres(url));
            }
        }
        Ok(Location::Sqlite(PathBuf::from(text)))
    }
}

impl fmt::Display for Location {
    /// The path, or the URL with any password replaced by `***` (this goes to logs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => write!(f, "{}", postgres::redacted(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Location::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&postgres::redacted(url))
                .finish(),
        }
    }
}

/// How many connections a store keeps and how long it waits for the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// PostgreSQL: the most connections this process opens. SQLite: the read-only
    /// connections beside the one writer.
    pub pool_size: usize,
    /// The longest wait for a connection (a free pooled one, or a new one to
    /// PostgreSQL), for a statement on PostgreSQL, and for SQLite's write lock; past it
    /// an operation fails with [`StoreError::Unavailable`].
    pub timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            pool_size: 8,
            timeout: Duration::from_secs(5),
        }
    }
}

/// The store: a cheap handle (clone it freely) on whichever backend [`Store::open_with`]
/// picked.
#[derive(Debug, Clone)]
pub enum Store {
    /// A SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database, shared by any number of server processes.
    Postgres(PgStore),
}

impl Store {
    /// Opens the database at `location` with the default [`StoreOptions`]; see
    /// [`Store::open_with`].
    ///
    /// # Errors
    ///
    /// As [`Store::open_with`].
    pub async fn open(location: &Location) -> Result<Store, StoreError> {
        Store::open_with(location, StoreOptions::default()).await
    }

    /// Opens (or creates) the database at `location` and brings its schema up to date:
    /// the one place a backend is chosen.
    ///
    /// Migrations run one at a time however many processes open the same database at
    /// once (SQLite: under its write lock; PostgreSQL: under an advisory lock), so
    /// replicas can start together.
    ///
    /// # Errors
    ///
    /// Fails if the database cannot be reached, opened or written, cannot be made
    /// durable, or was written by a newer server ([`StoreError::NewerSchema`]).
    pub async fn open_with(
        location: &Location,
        options: StoreOptions,
    ) -> Result<Store, StoreError> {
        match location {
            Location::Sqlite(path) => Ok(Store::Sqlite(SqliteStore::open(path, options).await?)),
            Location::Postgres(url) => Ok(Store::Postgres(PgStore::open(url, options).await?)),
        }
    }

    /// The SQLite backend, for what only it has (its connection settings, or holding
    /// its connections in a test); `None` on another backend.
    pub fn as_sqlite(&self) -> Option<&SqliteStore> {
        match self {
            Store::Sqlite(sqlite) => Some(sqlite),
            Store::Postgres(_) => None,
        }
    }

    /// The PostgreSQL backend, for what only it has (its pool); `None` on another
    /// backend.
    pub fn as_postgres(&self) -> Option<&PgStore> {
        match self {
            Store::Postgres(postgres) => Some(postgres),
            Store::Sqlite(_) => None,
        }
    }

    /// The schema version of the database; reading it also proves the database
    /// answers, which is what the health check wants.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(sqlite) => sqlite.read(|db| db.schema_version()).await?,
            Store::Postgres(postgres) => postgres.schema_version().await,
        }
    }

    /// How many accounts, calendars, events and bookings the store holds.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        match self {
            Store::Sqlite(sqlite) => sqlite.read(|db| db.counts()).await?,
            Store::Postgres(postgres) => postgres.counts().await,
        }
    }

    /// Creates or updates accounts, calendars and events atomically: all of them land,
    /// or none do.
    ///
    /// Upserts by account email (ignoring ASCII case), calendar id and (calendar id,
    /// event uid), so importing the same data twice changes nothing, and an event's
    /// `last_modified` moves only when something about it changed. Nothing is removed:
    /// an event missing from the import stays as it was (mark it `deleted` to remove it
    /// from availability).
    ///
    /// An import and a booking of the same host are serialised: a booking sees every
    /// event of an import that finished before it, or none of an import still running.
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
        match self {
            Store::Sqlite(sqlite) => sqlite.write(move |db| db.import(&accounts, now)).await?,
            Store::Postgres(postgres) => postgres.import(&accounts, now).await,
        }
    }

    /// The account with this address, ignoring ASCII case.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let email = email.to_owned();
                sqlite.read(move |db| db.account_by_email(&email)).await?
            }
            Store::Postgres(postgres) => postgres.account_by_email(email).await,
        }
    }

    /// The calendars of an account, ordered by id (bytewise).
    pub async fn calendars_of(&self, account_id: i64) -> Result<Vec<Calendar>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => sqlite.read(move |db| db.calendars_of(account_id)).await?,
            Store::Postgres(postgres) => postgres.calendars_of(account_id).await,
        }
    }

    /// The account with this address (ignoring ASCII case), all its calendars, and the
    /// events `query` asks for, read together; `None` if there is no such account.
    ///
    /// The cost of the window part depends on the events it returns (plus, per
    /// calendar, those starting up to its longest event of at most two days before the
    /// window, and its longer events still to end), not on how much history the
    /// calendars hold.
    pub async fn account_events(
        &self,
        email: &str,
        query: EventQuery,
    ) -> Result<Option<AccountEvents>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let email = email.to_owned();
                sqlite
                    .read(move |db| db.account_events(&email, &query))
                    .await?
            }
            Store::Postgres(postgres) => postgres.account_events(email, &query).await,
        }
    }

    /// The events of these calendars that `filter` selects, ordered by start, end,
    /// calendar id and uid; every status, and deleted events too (which of them count
    /// is the caller's decision: the APIs differ, and incremental sync must see
    /// deletions).
    ///
    /// Overlap is half-open on both sides: an event ending exactly at the window's start,
    /// or starting exactly at its end, does not overlap it. All-day events are matched
    /// at UTC midnight of their dates (see [`EventSpan`]).
    pub async fn events(
        &self,
        calendar_ids: &[String],
        filter: EventFilter,
    ) -> Result<Vec<Event>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let ids = calendar_ids.to_vec();
                sqlite.read(move |db| db.events(&ids, filter)).await?
            }
            Store::Postgres(postgres) => postgres.events(calendar_ids, filter).await,
        }
    }

    /// Stores `booking` if every host is free for all of `[start, end)`, atomically:
    /// two requests for overlapping time never both succeed, from any number of
    /// connections, processes or replicas.
    ///
    /// A host is not free when a non-deleted event in any of their calendars that
    /// `blocking` counts overlaps the booking, or when another booking they host that is
    /// not cancelled overlaps it (half-open, so back-to-back bookings are fine). All-day
    /// events are matched at UTC midnight, as in [`Store::events`]. A
    /// booking is also a busy managed event (`event_id` = the booking id, uid
    /// `booking_{id}`) in each host's bookings calendar ([`bookings_calendar_id`]),
    /// written with it, so both free/busy APIs see it with no special case.
    ///
    /// With an idempotency key already used (by any replica), nothing is written and the
    /// earlier booking comes back as [`BookingOutcome::Replayed`].
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
        match self {
            Store::Sqlite(sqlite) => {
                sqlite
                    .write(move |db| db.insert_booking_if_free(&booking, blocking, now))
                    .await?
            }
            Store::Postgres(postgres) => {
                postgres
                    .insert_booking_if_free(&booking, blocking, now)
                    .await
            }
        }
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
        match self {
            Store::Sqlite(sqlite) => {
                sqlite
                    .write(move |db| db.insert_booking_checked(&booking, blocking, guard, now))
                    .await?
            }
            Store::Postgres(postgres) => {
                postgres
                    .insert_booking_checked(&booking, blocking, guard, now)
                    .await
            }
        }
    }

    /// The account's rules document as last imported, `None` for the defaults (and for
    /// an unknown id). Its `time_zone` is not the account's zone: the caller sets it
    /// ([`crate::rules`]).
    pub async fn account_rules(
        &self,
        account_id: i64,
    ) -> Result<Option<freebusy_core::wire::rules::RulesDocument>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => sqlite.read(move |db| db.account_rules(account_id)).await?,
            Store::Postgres(postgres) => postgres.account_rules(account_id).await,
        }
    }

    /// The booking with this id, cancelled or not.
    pub async fn booking(&self, id: &str) -> Result<Option<Booking>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let id = id.to_owned();
                sqlite.read(move |db| db.booking(&id)).await?
            }
            Store::Postgres(postgres) => postgres.booking(id).await,
        }
    }

    /// Marks a booking cancelled if `cancel_token_hash` matches its first token or one
    /// added by [`Store::add_cancel_token`]; returns the booking as it now stands, or
    /// `None` if no booking has this id and hash. Its managed events become deleted
    /// (and so reported by incremental sync), and its time is free again.
    ///
    /// Cancelling twice is harmless: the first cancellation time is kept.
    pub async fn cancel_booking(
        &self,
        id: &str,
        cancel_token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Booking>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let (id, hash) = (id.to_owned(), cancel_token_hash.to_owned());
                sqlite
                    .write(move |db| db.cancel_booking(&id, &hash, now))
                    .await?
            }
            Store::Postgres(postgres) => postgres.cancel_booking(id, cancel_token_hash, now).await,
        }
    }

    /// The accounts of booking `id`'s hosts, ascending by id (the first is the
    /// invitation's organizer); empty for an unknown booking.
    pub async fn hosts_of(&self, id: &str) -> Result<Vec<Account>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let id = id.to_owned();
                sqlite.read(move |db| db.hosts_of(&id)).await?
            }
            Store::Postgres(postgres) => postgres.hosts_of(id).await,
        }
    }

    /// Booking `id`, cancelled or not, if `cancel_token_hash` is one of its cancel
    /// tokens' hashes (as [`Store::cancel_booking`] checks them); else `None`, whether
    /// the id or the token is wrong.
    pub async fn booking_opened_by(
        &self,
        id: &str,
        cancel_token_hash: &str,
    ) -> Result<Option<Booking>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let (id, hash) = (id.to_owned(), cancel_token_hash.to_owned());
                sqlite
                    .read(move |db| db.booking_opened_by(&id, &hash))
                    .await?
            }
            Store::Postgres(postgres) => postgres.booking_opened_by(id, cancel_token_hash).await,
        }
    }

    /// Adds another valid cancel token (its hash) to a booking; see
    /// [`Store::cancel_booking`]. Adding the same one twice is harmless.
    pub async fn add_cancel_token(
        &self,
        id: &str,
        cancel_token_hash: &str,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let (id, hash) = (id.to_owned(), cancel_token_hash.to_owned());
                sqlite
                    .write(move |db| db.add_cancel_token(&id, &hash))
                    .await?
            }
            Store::Postgres(postgres) => postgres.add_cancel_token(id, cancel_token_hash).await,
        }
    }

    /// Moves booking `moving.id` to `[moving.start, moving.end)` if `moving.cancel_token_hash`
    /// opens it (as for [`Store::cancel_booking`]) and every one of its hosts is free
    /// then, atomically, under the same serialisation as [`Store::insert_booking_if_free`]:
    /// a reschedule and a booking (or two reschedules) into one slot never both land.
    ///
    /// "Free" is as for a booking, except that the booking's own old time does not count
    /// (a meeting may move by a quarter of an hour into its own time). The booking keeps
    /// its id, hosts and event UID; its managed events move with it (so incremental sync
    /// reports the change), its `sequence` is raised by one, and one `rescheduled`
    /// outbox message is written per target a `created` one went to, in the same
    /// transaction. When the new time is not free, nothing changes.
    ///
    /// With a `guard` (the hosts' rules), its check runs inside the transaction, after
    /// the token and before the overlap check, on snapshots of the hosts without this
    /// booking's own time (its events and itself), as for
    /// [`Store::insert_booking_checked`]; a refusal is [`RescheduleOutcome::Refused`].
    ///
    /// A booking already at exactly this time is [`RescheduleOutcome::Unchanged`], and
    /// nothing is written (the guard does not run), so a retried request answers the
    /// same; a cancelled one is [`RescheduleOutcome::Cancelled`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] for `end <= start`; a database error for I/O.
    pub async fn reschedule_booking(
        &self,
        moving: Reschedule,
        blocking: Blocking,
        guard: Option<BookingGuard>,
        now: DateTime<Utc>,
    ) -> Result<RescheduleOutcome, StoreError> {
        if moving.end <= moving.start {
            return Err(StoreError::Invalid(
                "a booking must end after it starts".into(),
            ));
        }
        match self {
            Store::Sqlite(sqlite) => {
                sqlite
                    .write(move |db| db.reschedule_booking(&moving, blocking, guard.as_ref(), now))
                    .await?
            }
            Store::Postgres(postgres) => {
                postgres
                    .reschedule_booking(&moving, blocking, guard.as_ref(), now)
                    .await
            }
        }
    }

    /// Pending outbox messages due at `now` (at most `limit`, earliest first), each one
    /// only once every earlier message of its booking and target is settled. Several
    /// workers may see the same message: take its lease ([`OUTBOX_LEASE`], item = its id)
    /// and read it again with [`Store::outbox_message`] before delivering.
    pub async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => sqlite.read(move |db| db.due_outbox(now, limit)).await?,
            Store::Postgres(postgres) => postgres.due_outbox(now, limit).await,
        }
    }

    /// The outbox message `id`, if there is one.
    pub async fn outbox_message(&self, id: &str) -> Result<Option<OutboxMessage>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let id = id.to_owned();
                sqlite.read(move |db| db.outbox_message(&id)).await?
            }
            Store::Postgres(postgres) => postgres.outbox_message(id).await,
        }
    }

    /// Every outbox message of booking `booking_id`, in the order they were written.
    pub async fn outbox_of(&self, booking_id: &str) -> Result<Vec<OutboxMessage>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let id = booking_id.to_owned();
                sqlite.read(move |db| db.outbox_of(&id)).await?
            }
            Store::Postgres(postgres) => postgres.outbox_of(booking_id).await,
        }
    }

    /// When the earliest pending outbox message is due, if any is pending.
    pub async fn next_outbox_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => sqlite.read(|db| db.next_outbox_due()).await?,
            Store::Postgres(postgres) => postgres.next_outbox_due().await,
        }
    }

    /// Records how an attempt at the message `lease.item` ended, at `now`: delivered,
    /// due again later, or given up. Only the lease's holder, while the lease is still
    /// theirs (same generation), records anything, and only on a pending message; the
    /// answer says whether it did.
    pub async fn finish_outbox(
        &self,
        lease: &Lease,
        outcome: OutboxOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let lease = lease.clone();
                sqlite
                    .write(move |db| db.finish_outbox(&lease, &outcome, now))
                    .await?
            }
            Store::Postgres(postgres) => postgres.finish_outbox(lease, &outcome, now).await,
        }
    }

    /// Takes the lease on `item` of the work `name` for `holder`, for `ttl`, if nobody
    /// holds it: it was never taken, was released, or lapsed (its holder stopped
    /// renewing it, e.g. because its process died). `None` while another lease on the
    /// item is live, whoever holds it (the same holder too: a lease is not re-entrant).
    ///
    /// At most one caller gets a given item at a time, across every process and
    /// replica on this database. Each acquisition has a larger
    /// [`Lease::generation`] than the one before it. Expiry is judged on the database's
    /// clock, so replicas whose clocks disagree still agree on who holds what.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] for an empty name, item or holder, or a `ttl` of zero or
    /// over a day.
    pub async fn acquire_lease(
        &self,
        name: &str,
        item: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let ttl_ms = model::lease_ttl_ms(ttl)?;
        model::check_lease_names(name, item, holder)?;
        match self {
            Store::Sqlite(sqlite) => {
                let (name, item, holder) = (name.to_owned(), item.to_owned(), holder.to_owned());
                sqlite
                    .write(move |db| db.acquire_lease(&name, &item, &holder, ttl_ms))
                    .await?
            }
            Store::Postgres(postgres) => postgres.acquire_lease(name, item, holder, ttl_ms).await,
        }
    }

    /// Extends `lease` to `ttl` from now, if it is still this holder's (same
    /// generation, not released). A lease that lapsed but that nobody took over can
    /// still be renewed: no one else can have worked on the item meanwhile. `None`
    /// means the lease is lost: stop the work, and do not record its result.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] for a `ttl` of zero or over a day.
    pub async fn renew_lease(
        &self,
        lease: &Lease,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let ttl_ms = model::lease_ttl_ms(ttl)?;
        match self {
            Store::Sqlite(sqlite) => {
                let lease = lease.clone();
                sqlite
                    .write(move |db| db.renew_lease(&lease, ttl_ms))
                    .await?
            }
            Store::Postgres(postgres) => postgres.renew_lease(lease, ttl_ms).await,
        }
    }

    /// Gives `lease` up so that the item can be taken at once, if it is still this
    /// holder's; `false` if it was lost already (then releasing is a no-op).
    pub async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let lease = lease.clone();
                sqlite.write(move |db| db.release_lease(&lease)).await?
            }
            Store::Postgres(postgres) => postgres.release_lease(lease).await,
        }
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
        match self {
            Store::Sqlite(sqlite) => {
                sqlite
                    .write(move |db| db.retire_sources_except(&keep, now))
                    .await?
            }
            Store::Postgres(postgres) => postgres.retire_sources_except(&keep, now).await,
        }
    }

    /// Every source, with its owner and sync state, ordered by calendar id (bytewise).
    pub async fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => sqlite.read(|db| db.sources(None)).await?,
            Store::Postgres(postgres) => postgres.sources(None).await,
        }
    }

    /// The source filling `calendar_id`, if that calendar is one.
    pub async fn source(&self, calendar_id: &str) -> Result<Option<SourceRecord>, StoreError> {
        let found = match self {
            Store::Sqlite(sqlite) => {
                let id = calendar_id.to_owned();
                sqlite.read(move |db| db.sources(Some(&id))).await??
            }
            Store::Postgres(postgres) => postgres.sources(Some(calendar_id)).await?,
        };
        Ok(found.into_iter().next())
    }

    /// The objects last fetched for a source, ordered by href (bytewise).
    pub async fn source_objects(&self, calendar_id: &str) -> Result<Vec<SourceObject>, StoreError> {
        match self {
            Store::Sqlite(sqlite) => {
                let id = calendar_id.to_owned();
                sqlite.read(move |db| db.source_objects(&id)).await?
            }
            Store::Postgres(postgres) => postgres.source_objects(calendar_id).await,
        }
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
    /// as they were last read. Managed events are never touched. Serialised with
    /// imports and bookings of the calendar's owner, so a booking sees all of a
    /// snapshot or none of it.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] for a snapshot that repeats a uid; I/O.
    pub async fn record_sync(&self, record: SyncRecord) -> Result<SyncReport, StoreError> {
        match self {
            Store::Sqlite(sqlite) => sqlite.write(move |db| db.record_sync(&record)).await?,
            Store::Postgres(postgres) => postgres.record_sync(&record).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins how `--db` picks the backend: a postgres:// or postgresql:// URL (any case)
    // is PostgreSQL, anything else a SQLite path, and a malformed URL is refused.
    #[test]
    fn a_postgres_url_picks_postgresql_and_anything_else_sqlite() {
        for url in [
            "postgres://app@db.internal:5432/freebusy",
            "postgresql://app:pw@127.0.0.1/freebusy?connect_timeout=3",
            "POSTGRES://app@db/freebusy",
        ] {
            assert!(
                matches!(url.parse::<Location>(), Ok(Location::Postgres(_))),
                "{url}"
            );
        }
        for path in [
            "freebusy.sqlite3",
            "/var/lib/freebusy/db",
            "postgres.sqlite3",
        ] {
            assert_eq!(
                path.parse::<Location>(),
                Ok(Location::Sqlite(PathBuf::from(path)))
            );
        }
        assert!("".parse::<Location>().is_err());
        assert!(
            "postgres://app@db:notaport/freebusy"
                .parse::<Location>()
                .is_err()
        );
    }

    // Pins that a PostgreSQL password never reaches a log line or a debug print.
    #[test]
    fn a_postgres_password_is_hidden_when_shown() {
        let location: Location =
            "postgres://app:s3cret@db:5432/freebusy?password=s3cret&connect_timeout=3"
                .parse()
                .unwrap();
        let shown = location.to_string();
        assert_eq!(
            shown,
            "postgres://app:***@db:5432/freebusy?password=***&connect_timeout=3"
        );
        assert!(!format!("{location:?}").contains("s3cret"));
        let plain: Location = "postgres://app@db/freebusy".parse().unwrap();
        assert_eq!(plain.to_string(), "postgres://app@db/freebusy");
    }
}
