//! What the store holds, in the domain's words: accounts, calendars, events, bookings,
//! and what goes in and comes out of each operation. Every backend speaks these types;
//! none of them knows SQL.
//!
//! Statuses and windows are the engine's ([`Status`], [`Window`]): the store has no
//! vocabulary of its own.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use freebusy_core::rule::Refusal;
use freebusy_core::wire::rules::RulesDocument;
use freebusy_core::zone::day_start;
use freebusy_core::{Period, Status, Window};
use serde::{Deserialize, Serialize};

/// When an event happens: two instants, or whole days.
///
/// All-day events are dates, not instants (a holiday is a whole day of its owner's),
/// which is why they are not just two instants. The store places them at midnight in
/// their account's time zone ([`EventSpan::bounds`] with [`Account::time_zone`]; UTC
/// unless the seed names another zone) for window queries, the booking check and the
/// Zonio-style answer; a caller that reports dates in another zone (the Cronofy-style
/// route) widens its window by two days and decides by date itself.
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
    /// The span as instants `[start, end)`, all-day dates from the first instant of
    /// their day in `zone` (the owner's: [`Account::time_zone`]), which is where window
    /// queries and the booking check place them.
    pub fn bounds(&self, zone: &Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        match *self {
            EventSpan::Timed { start, end } => (start, end),
            EventSpan::AllDay { start, end } => (midnight(zone, start), midnight(zone, end)),
        }
    }
}

/// The first instant of `date` in `zone`; the engine's rule, so a day that starts in a
/// DST gap starts when the gap ends. Dates beyond chrono's range fall back to UTC.
fn midnight(zone: &Tz, date: NaiveDate) -> DateTime<Utc> {
    day_start(zone, date).unwrap_or_else(|| date.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// A person whose availability the server knows, identified by email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The row id; stable for the life of the database.
    pub id: i64,
    /// The address as first stored; lookups ignore case.
    pub email: String,
    /// The account's IANA time zone (UTC unless the seed names one): where its all-day
    /// events and its sources' floating times are placed.
    pub time_zone: Tz,
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

/// The start of every bookings calendar's id; seeds may not use it.
pub const BOOKINGS_CALENDAR_PREFIX: &str = "bookings_";

/// The id of the calendar that holds an account's bookings (created with the host's
/// first booking): `bookings_{account id}`.
pub fn bookings_calendar_id(account_id: i64) -> String {
    format!("{BOOKINGS_CALENDAR_PREFIX}{account_id}")
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

/// An account to create or update, with its calendars (see `Store::import`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountImport {
    /// The account's address (the upsert key, compared ignoring case).
    pub email: String,
    /// The account's time zone (see [`Account::time_zone`]); changing it moves the
    /// account's all-day events to midnight in the new zone (their dates, and so their
    /// `last_modified`, stay).
    pub time_zone: Tz,
    /// The account's rules as a host (working hours, notice, durations...), `None` for
    /// the defaults; their `time_zone` is the account's, whatever the document says
    /// (see [`crate::rules`]). Stored as JSON beside the account, replaced whole.
    pub rules: Option<RulesDocument>,
    /// Calendars to create or update under this account.
    pub calendars: Vec<CalendarImport>,
}

impl AccountImport {
    /// The rules as both stores keep them: the document's JSON (its fields in a fixed
    /// order, so an unchanged document compares equal and an import counts no change),
    /// or `None` (NULL) for the defaults.
    pub(crate) fn rules_json(&self) -> Result<Option<String>, crate::store::StoreError> {
        self.rules
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|error| {
                crate::store::StoreError::Invalid(format!("rules of {}: {error}", self.email))
            })
    }

    /// Reads rules as [`AccountImport::rules_json`] stored them; text that does not parse
    /// is [`crate::store::StoreError::Corrupt`].
    pub(crate) fn rules_from_json(
        account_id: i64,
        text: Option<String>,
    ) -> Result<Option<RulesDocument>, crate::store::StoreError> {
        text.map(|text| {
            serde_json::from_str(&text).map_err(|error| {
                crate::store::StoreError::Corrupt(format!("account {account_id}'s rules: {error}"))
            })
        })
        .transpose()
    }
}

/// A calendar to create or update, with its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarImport {
    /// The calendar id (the upsert key).
    pub id: String,
    /// The calendar's name.
    pub name: String,
    /// Events to create or update in this calendar; empty for a source calendar.
    pub events: Vec<EventImport>,
    /// `Some` when the calendar's events come from a remote source (an ICS feed, a
    /// CalDAV calendar) that sync keeps up to date; `None` for a calendar of listed
    /// events, which also stops and removes a source the calendar had.
    pub source: Option<SourceDefinition>,
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

/// What an import changed: rows inserted or updated, not rows seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Accounts created.
    pub accounts: usize,
    /// Calendars created or changed.
    pub calendars: usize,
    /// Events created or changed.
    pub events: usize,
}

/// How many of each thing the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Accounts.
    pub accounts: usize,
    /// Calendars, bookings calendars included.
    pub calendars: usize,
    /// Events, deleted ones included.
    pub events: usize,
    /// Bookings, cancelled ones included.
    pub bookings: usize,
}

/// Which events of some calendars to read (see `Store::events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFilter {
    /// Those overlapping the window.
    Overlapping(Window),
    /// Those modified at or after this instant, as incremental sync asks.
    ModifiedSince(DateTime<Utc>),
    /// The managed ones, whenever they happen.
    Managed,
}

/// What a free/busy answer reads of one account (see `Store::account_events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Only these of the account's calendars; `None` for all of them. Ids that are not
    /// the account's find nothing: compare them with [`AccountEvents::calendars`].
    pub calendars: Option<Vec<String>>,
    /// Events overlapping this window (half-open; all-day events at UTC midnight).
    pub window: Window,
    /// Also every managed event of those calendars, whenever it happens.
    pub all_managed: bool,
}

/// One account's calendars and the events an [`EventQuery`] asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountEvents {
    /// The account.
    pub account: Account,
    /// All of its calendars, ordered by id.
    pub calendars: Vec<Calendar>,
    /// Events of the chosen calendars overlapping the window, ordered by start; every
    /// status, deleted ones included (which count is the caller's decision).
    pub overlapping: Vec<Event>,
    /// With `all_managed`, every managed event of the chosen calendars, also those in
    /// `overlapping`; otherwise empty.
    pub managed: Vec<Event>,
    /// The chosen calendars that are sources never read yet (each holds only its
    /// [`UNREAD_UID`] event), ordered by id.
    pub unread: Vec<String>,
}

/// What a booking is for: who hosts it, when, and who books it. A repeated request
/// (the same idempotency key) is a retry only if its terms are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingTerms {
    /// Account ids of the hosts, ascending and without repeats as stored; every one
    /// must be free for the booking to land.
    pub hosts: Vec<i64>,
    /// The first instant of the booking.
    pub start: DateTime<Utc>,
    /// The first instant after it; must be after `start`.
    pub end: DateTime<Utc>,
    /// The booker's name.
    pub booker_name: String,
    /// The booker's address.
    pub booker_email: String,
    /// A free-text note from the booker.
    pub note: Option<String>,
}

impl BookingTerms {
    /// The hosts ascending and without repeats, as every backend stores them.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`](crate::store::StoreError::Invalid) for no hosts, or an
    /// end not after the start: the caller's bug.
    pub(crate) fn checked_hosts(&self) -> Result<Vec<i64>, crate::store::StoreError> {
        let mut hosts = self.hosts.clone();
        hosts.sort_unstable();
        hosts.dedup();
        if hosts.is_empty() {
            return Err(crate::store::StoreError::Invalid(
                "a booking needs at least one host".into(),
            ));
        }
        if self.end <= self.start {
            return Err(crate::store::StoreError::Invalid(
                "a booking must end after it starts".into(),
            ));
        }
        Ok(hosts)
    }
}

/// A booking to make: its terms, and what the client and the booker hold to come
/// back to it.
#[derive(Debug, Clone)]
pub struct NewBooking {
    /// Who, when, by whom.
    pub terms: BookingTerms,
    /// The client's idempotency key (the booking route always sends one).
    pub idempotency_key: Option<String>,
    /// A hash of the cancel token handed to the booker (the token itself is not kept).
    pub cancel_token_hash: String,
    /// Who hears about it besides the hosts' calendars (emails, webhooks); written to the
    /// outbox in the booking's transaction.
    pub audience: Audience,
}

/// Who is told about a booking besides the hosts' writable calendars, as the server's
/// configuration decides at booking time: the store writes one outbox message for each
/// in the booking's own transaction, and its cancel and reschedules reach the same ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    /// An invitation email to the visitor and to each host (SMTP is configured).
    pub email: bool,
    /// The webhooks to call, by name ([`crate::outbox::webhook::Webhooks`]: `server`, or
    /// `HOST_EMAIL#NAME` for a host's own).
    pub webhooks: Vec<String>,
    /// The visitor's time zone (IANA name), if the request named one: kept in their
    /// email's `payload` as `{"time_zone": …}`.
    pub visitor_zone: Option<String>,
}

impl Audience {
    /// The `payload` of the visitor's invitation message, if it needs one.
    pub fn visitor_payload(&self) -> Option<String> {
        self.visitor_zone
            .as_ref()
            .map(|zone| serde_json::json!({ "time_zone": zone }).to_string())
    }
}

/// A stored booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// The booking id: 32 random hex digits.
    pub id: String,
    /// Who, when, by whom; hosts ascending.
    pub terms: BookingTerms,
    /// The idempotency key it was made with.
    pub idempotency_key: Option<String>,
    /// The hash of its first cancel token.
    pub cancel_token_hash: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Its iCalendar `SEQUENCE`: 0 when booked, raised by each reschedule.
    pub sequence: u32,
}

/// Which event statuses keep a host from being booked: those that
/// [`Status::is_bookable`] refuses, with tentative time bookable unless `tentative`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocking {
    /// Whether tentative events block a booking.
    pub tentative: bool,
}

impl Blocking {
    /// Whether an event with `status` keeps its owner from being booked.
    pub fn blocks(self, status: Status) -> bool {
        !status.is_bookable(!self.tentative)
    }
}

/// What booking a slot did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingOutcome {
    /// The booking was stored.
    Created(Booking),
    /// A booking with this idempotency key exists already; nothing was written. The
    /// caller compares its terms with the request to tell a retry from a reused key.
    Replayed(Booking),
    /// Some hosts are not free then; nothing was written.
    Taken(Vec<Blocker>),
    /// The guard's check refused the booking ([`BookingGuard`]); nothing was written.
    Refused(Refusal),
}

/// A check the hosts' rules make inside the booking's transaction, on what the store
/// holds then: no booking made between the check and the insert can slip past it
/// (a day's last allowed booking, a buffer around a booking just made).
pub struct BookingGuard {
    /// The span the check needs to see: every host's events and bookings overlapping
    /// it are read.
    pub window: Window,
    /// Judges the hosts as they stand, in the order of the booking's `hosts` (ascending
    /// account ids); `Err` refuses the booking.
    pub check: GuardCheck,
}

/// A [`BookingGuard`]'s judgement on the hosts as the store holds them: `Fn`, not
/// `FnOnce`, because PostgreSQL runs it again when it retries an aborted transaction.
pub type GuardCheck = Box<dyn Fn(&[HostSnapshot]) -> Result<(), Refusal> + Send + Sync>;

impl fmt::Debug for BookingGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BookingGuard")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

/// One host as a [`BookingGuard`] sees them inside the booking's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSnapshot {
    /// The host's account id.
    pub account_id: i64,
    /// Their events not deleted that overlap the guard's window, every status (bookings
    /// included, as the busy events of their bookings calendar), all-day ones placed in
    /// the account's zone; clipped to the window.
    pub periods: Vec<Period>,
    /// Their bookings not cancelled that overlap the window, by start.
    pub bookings: Vec<Window>,
}

/// A booking to move: which one, the hash of a token that opens it, and where to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reschedule {
    /// The booking's id.
    pub id: String,
    /// The hash of one of its cancel tokens (the token is the right to move it).
    pub cancel_token_hash: String,
    /// The new first instant.
    pub start: DateTime<Utc>,
    /// The new first instant after it; must be after `start`.
    pub end: DateTime<Utc>,
}

/// What moving a booking did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RescheduleOutcome {
    /// The booking now holds the new time, its old time is free, its `sequence` is one
    /// higher, and its deliveries (`rescheduled`) are in the outbox.
    Moved(Booking),
    /// The booking holds this time already (a retried request); nothing was written.
    Unchanged(Booking),
    /// Some hosts are not free for the new time; nothing was written, the booking
    /// keeps its old time.
    Taken(Vec<Blocker>),
    /// The booking is cancelled; a cancelled booking cannot move.
    Cancelled(Booking),
    /// The guard's check (the hosts' rules) refused the new time; nothing was written.
    Refused(Refusal),
    /// No booking has this id and token hash (the two are not told apart).
    NotFound,
}

/// A host who is not free for a requested booking, and the strongest status in the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocker {
    /// The host's account id.
    pub account_id: i64,
    /// `busy` (an event or another booking), `unknown` or `tentative`.
    pub status: Status,
}

impl Blocker {
    /// One blocker per host (ascending), with the strongest status found for it.
    pub(crate) fn strongest_per_host(found: &[(i64, String)]) -> Vec<Blocker> {
        let mut blockers: Vec<Blocker> = Vec::new();
        for (account_id, status) in found {
            // The query only yields known names; an odd one is treated as busy.
            let status = status.parse().unwrap_or(Status::Busy);
            match blockers.last_mut() {
                Some(last) if last.account_id == *account_id => {
                    last.status = last.status.max(status)
                }
                _ => blockers.push(Blocker {
                    account_id: *account_id,
                    status,
                }),
            }
        }
        blockers
    }
}

/// The right to do one item of background work until `expires_at`, held by one worker
/// across every replica (see `Store::acquire_lease`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The kind of work, e.g. `source_sync` or `outbox`.
    pub name: String,
    /// Which item of that kind, e.g. a source id or an outbox message id.
    pub item: String,
    /// Who holds it: a name unique to one worker of one process run.
    pub holder: String,
    /// The fencing token: it grows with every acquisition of this item, so work guarded
    /// by an older lease can be told apart (and refused) after a takeover.
    pub generation: i64,
    /// When the lease lapses unless renewed, on the database's clock (milliseconds).
    pub expires_at: DateTime<Utc>,
}

/// The longest lease that can be taken at once; longer work renews.
pub(crate) const MAX_LEASE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// A lease duration in whole milliseconds (at least one), or why it is refused.
pub(crate) fn lease_ttl_ms(ttl: std::time::Duration) -> Result<i64, crate::store::StoreError> {
    if ttl.is_zero() || ttl > MAX_LEASE {
        return Err(crate::store::StoreError::Invalid(format!(
            "a lease lasts more than 0 and at most {} s, not {ttl:?}",
            MAX_LEASE.as_secs()
        )));
    }
    Ok(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1))
}

/// Refuses empty lease names, items and holders (a released lease's holder is empty).
pub(crate) fn check_lease_names(
    name: &str,
    item: &str,
    holder: &str,
) -> Result<(), crate::store::StoreError> {
    if name.is_empty() || item.is_empty() || holder.is_empty() {
        return Err(crate::store::StoreError::Invalid(
            "a lease needs a name, an item and a holder".into(),
        ));
    }
    Ok(())
}

/// An instant from unix milliseconds, as leases keep them.
pub(crate) fn from_unix_ms(ms: i64) -> Result<DateTime<Utc>, crate::store::StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| crate::store::StoreError::Corrupt(format!("time {ms} ms is out of range")))
}

/// The uid of the event a source calendar holds until its first snapshot: unknown over
/// [`all_time`], so that nothing reads a source nobody has read yet as free.
pub const UNREAD_UID: &str = "freebusy:unread";

/// The start of every uid the server makes for a source calendar's unknown time
/// ([`UNREAD_UID`], and the sync's unknown periods before, after and past a cut of its
/// snapshot); a snapshot always replaces all of them.
pub const UNKNOWN_UID_PREFIX: &str = "freebusy:";

/// The span the server's unknown periods are cut from: 1970 to the last day of year 9999
/// (the Cronofy-style route's dates end there), so "unknown from here on" is a period.
pub fn all_time() -> (DateTime<Utc>, DateTime<Utc>) {
    (
        DateTime::UNIX_EPOCH,
        NaiveDate::from_ymd_opt(9999, 12, 31)
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map_or(DateTime::UNIX_EPOCH, |time| time.and_utc()),
    )
}

/// The kind of upstream a source calendar reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// An iCalendar feed: `https://`, `http://` or `webcal://` URL, or a local file.
    Ics,
    /// A CalDAV calendar collection.
    Caldav,
}

impl SourceKind {
    /// The kind's name as stored and reported: `ics` or `caldav`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Ics => "ics",
            SourceKind::Caldav => "caldav",
        }
    }

    /// The kind named `text`, as [`SourceKind::as_str`] writes it.
    pub fn from_name(text: &str) -> Option<SourceKind> {
        match text {
            "ics" => Some(SourceKind::Ics),
            "caldav" => Some(SourceKind::Caldav),
            _ => None,
        }
    }
}

/// What the store keeps of a source's configuration: never a secret, and never its
/// URL (a feed's secret address is a credential), only a digest of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDefinition {
    /// What kind of upstream it is.
    pub kind: SourceKind,
    /// A digest of what identifies the upstream (URL, collection, user name): when it
    /// changes, the source starts over (its sync state, objects and snapshot go, and it
    /// is unread again).
    pub fingerprint: String,
    /// Whether bookings may be written into it (a CalDAV calendar the account may
    /// write); ICS feeds never are. Nothing writes back yet.
    pub writable: bool,
}

/// A source calendar as stored: its definition, its owner and its sync state.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// The calendar the source fills.
    pub calendar_id: String,
    /// The account owning the calendar (its address and zone drive the expansion).
    pub account: Account,
    /// What it reads.
    pub definition: SourceDefinition,
    /// How its sync stands.
    pub state: SyncState,
}

/// How a source's sync stands (see [`SyncRecord`] for how each field moves).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncState {
    /// What the connector keeps for its next conditional fetch (JSON, opaque here).
    pub cursor: String,
    /// A digest of the last body read, to tell a 200 that changed nothing.
    pub body_hash: Option<String>,
    /// When the last snapshot was written; `None` while the source has never been read
    /// (it then holds only the [`UNREAD_UID`] event).
    pub snapshot_at: Option<DateTime<Utc>>,
    /// The time the snapshot covers: from the first snapshot's horizon start to the
    /// last one's end.
    pub covered: Option<Window>,
    /// The horizon the last snapshot was expanded over.
    pub horizon: Option<Window>,
    /// When the last attempt ended, whatever its outcome.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the last attempt that read the upstream successfully ended.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last failure's message (never a secret or a URL), cleared by a success.
    pub last_error: Option<String>,
    /// When that failure happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Failures since the last success (what the backoff grows with).
    pub failures: u32,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
    /// How many events the last snapshot held.
    pub events: usize,
    /// What the last expansion skipped and where it was cut (JSON, for the status).
    pub report: serde_json::Value,
}

/// One object of a source as fetched: a feed is one, a CalDAV calendar one per event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceObject {
    /// Where it was read from (the feed's URL digest, or the CalDAV object's path).
    pub href: String,
    /// Its entity tag, if the upstream gave one.
    pub etag: Option<String>,
    /// Its iCalendar bytes, kept so the snapshot can be expanded again (as the horizon
    /// rolls, or after a change to another object) without fetching.
    pub body: Vec<u8>,
}

/// How a snapshot changes the stored objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectChange {
    /// These are all the objects now.
    Replace(Vec<SourceObject>),
    /// These changed or are new, and those hrefs are gone.
    Apply {
        /// Objects to insert or replace.
        changed: Vec<SourceObject>,
        /// Hrefs to remove.
        removed: Vec<String>,
    },
    /// The objects stay as they are (the same bodies, a new horizon).
    Keep,
}

/// One event of a snapshot: an expanded instance (or an unknown period) of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotEvent {
    /// Its key, unique in the snapshot and stable across re-reads (`Instance::key`).
    pub uid: String,
    /// When.
    pub span: EventSpan,
    /// Its status for the account.
    pub status: Status,
}

/// A new snapshot of a source: the events it holds within `horizon`, and what to keep
/// for the next sync.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The objects' change.
    pub objects: ObjectChange,
    /// The horizon the events were expanded over.
    pub horizon: Window,
    /// Every event of the source overlapping the horizon, plus its unknown periods.
    pub events: Vec<SnapshotEvent>,
    /// What the expansion skipped and where it was cut (JSON, for the status).
    pub report: serde_json::Value,
}

/// What one sync attempt found.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncOutcome {
    /// The upstream was read; with a snapshot when the events must be rewritten.
    Read {
        /// The connector's state for the next conditional fetch.
        cursor: String,
        /// The digest of the body read (`None`: keep the stored one).
        body_hash: Option<String>,
        /// `None` when nothing changed and the horizon is the same.
        snapshot: Option<Snapshot>,
    },
    /// The attempt failed; the snapshot stays as it is.
    Failed {
        /// Why, for the status (never a secret or a URL).
        error: String,
    },
}

/// One sync attempt to record (see `Store::record_sync`).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRecord {
    /// The source calendar.
    pub calendar_id: String,
    /// The definition the attempt ran for: if the source was redefined meanwhile, the
    /// record is stale and is dropped.
    pub fingerprint: String,
    /// When the attempt ended.
    pub at: DateTime<Utc>,
    /// When the next one is due.
    pub next_attempt_at: DateTime<Utc>,
    /// What it found.
    pub outcome: SyncOutcome,
}

/// What recording a sync changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// `false` when the record was stale (the source was redefined or removed) and
    /// nothing was written.
    pub recorded: bool,
    /// Events created or changed (in status, time, or back from deleted).
    pub written: usize,
    /// Events that disappeared upstream and are now deleted.
    pub deleted: usize,
}

/// What an import does to a calendar's stored source, decided the same way by both
/// backends from what is stored and what the import defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceChange<'a> {
    /// Nothing changes.
    Keep,
    /// The calendar stops being a source: its state and objects go, its events are
    /// deleted.
    Retire,
    /// The same upstream; `writable` becomes this.
    SetWritable(bool),
    /// A new or redefined source (another kind or fingerprint): any stored one goes,
    /// and the calendar starts unread ([`unread_event`]) as this one.
    Restart(&'a SourceDefinition),
}

impl SourceChange<'_> {
    /// The change from the stored `(kind, fingerprint, writable)`, if any, to `wanted`.
    pub(crate) fn of<'a>(
        stored: Option<(&str, &str, bool)>,
        wanted: Option<&'a SourceDefinition>,
    ) -> SourceChange<'a> {
        match (stored, wanted) {
            (None, None) => SourceChange::Keep,
            (Some(_), None) => SourceChange::Retire,
            (Some((kind, fingerprint, writable)), Some(wanted))
                if kind == wanted.kind.as_str() && fingerprint == wanted.fingerprint =>
            {
                if writable == wanted.writable {
                    SourceChange::Keep
                } else {
                    SourceChange::SetWritable(wanted.writable)
                }
            }
            (_, Some(wanted)) => SourceChange::Restart(wanted),
        }
    }
}

/// The event a source calendar holds until its first snapshot ([`UNREAD_UID`]):
/// unknown over [`all_time`].
pub(crate) fn unread_event() -> EventImport {
    let (start, end) = all_time();
    EventImport {
        uid: UNREAD_UID.to_owned(),
        event_id: None,
        span: EventSpan::Timed { start, end },
        status: Status::Unknown,
        deleted: false,
        last_modified: None,
    }
}

impl Snapshot {
    /// The snapshot's events as imports of `calendar_id`, and their uids (what a
    /// snapshot keeps).
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`](crate::store::StoreError::Invalid) if a uid repeats.
    pub(crate) fn imports(
        &self,
        calendar_id: &str,
    ) -> Result<(Vec<EventImport>, std::collections::HashSet<&str>), crate::store::StoreError> {
        let mut keep = std::collections::HashSet::with_capacity(self.events.len());
        let mut imports = Vec::with_capacity(self.events.len());
        for event in &self.events {
            if !keep.insert(event.uid.as_str()) {
                return Err(crate::store::StoreError::Invalid(format!(
                    "snapshot of {calendar_id} repeats the uid {:?}",
                    event.uid
                )));
            }
            imports.push(EventImport {
                uid: event.uid.clone(),
                event_id: None,
                span: event.span,
                status: event.status,
                deleted: false,
                last_modified: None,
            });
        }
        Ok((imports, keep))
    }
}

#[cfg(test)]
mod source_change_tests {
    use super::*;

    // Pins how an import's source definition meets the stored one, for both backends.
    #[test]
    fn a_source_is_kept_retired_updated_or_restarted_by_what_the_import_says() {
        let ics = |fingerprint: &str, writable: bool| SourceDefinition {
            kind: SourceKind::Ics,
            fingerprint: fingerprint.into(),
            writable,
        };
        let (same, writable, other) = (ics("f1", false), ics("f1", true), ics("f2", false));
        let caldav = SourceDefinition {
            kind: SourceKind::Caldav,
            ..ics("f1", false)
        };
        let stored = Some(("ics", "f1", false));
        assert_eq!(SourceChange::of(None, None), SourceChange::Keep);
        assert_eq!(SourceChange::of(stored, None), SourceChange::Retire);
        assert_eq!(SourceChange::of(stored, Some(&same)), SourceChange::Keep);
        assert_eq!(
            SourceChange::of(stored, Some(&writable)),
            SourceChange::SetWritable(true)
        );
        assert_eq!(
            SourceChange::of(stored, Some(&other)),
            SourceChange::Restart(&other)
        );
        assert_eq!(
            SourceChange::of(stored, Some(&caldav)),
            SourceChange::Restart(&caldav)
        );
        assert_eq!(
            SourceChange::of(None, Some(&same)),
            SourceChange::Restart(&same)
        );
    }
}

/// What kind of delivery an outbox message is; each kind has its own deliverer in
/// `crate::outbox`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryKind {
    /// A booking written to (or removed from) a host's writable CalDAV calendar; the
    /// message's target is that source calendar's id.
    CalendarWrite,
    /// An invitation email (or its cancel or update) to one person; the target is the
    /// address.
    Email,
    /// A webhook call; the target is the webhook's name in the configuration.
    Webhook,
}

impl DeliveryKind {
    /// Every kind, in the order the loop looks at them.
    pub const ALL: [DeliveryKind; 3] = [
        DeliveryKind::CalendarWrite,
        DeliveryKind::Email,
        DeliveryKind::Webhook,
    ];

    /// The name in the `outbox.kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::CalendarWrite => "calendar_write",
            DeliveryKind::Email => "email",
            DeliveryKind::Webhook => "webhook",
        }
    }

    /// The kind of a column value.
    pub fn from_name(name: &str) -> Option<DeliveryKind> {
        DeliveryKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// What happened to the booking that a message tells its receiver about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxAction {
    /// The booking was made.
    Created,
    /// The booking was cancelled.
    Cancelled,
    /// The booking was moved to another time (its `sequence` raised).
    Rescheduled,
}

impl OutboxAction {
    /// The name in the `outbox.action` column.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxAction::Created => "created",
            OutboxAction::Cancelled => "cancelled",
            OutboxAction::Rescheduled => "rescheduled",
        }
    }

    /// The action of a column value.
    pub fn from_name(name: &str) -> Option<OutboxAction> {
        [
            OutboxAction::Created,
            OutboxAction::Cancelled,
            OutboxAction::Rescheduled,
        ]
        .into_iter()
        .find(|action| action.as_str() == name)
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Waiting for its due time (or being delivered now, under a lease).
    Pending,
    /// Delivered.
    Done,
    /// Given up after retrying for too long; `last_error` says why.
    Failed,
}

impl OutboxState {
    /// The name in the `outbox.state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Done => "done",
            OutboxState::Failed => "failed",
        }
    }

    /// The state of a column value.
    pub fn from_name(name: &str) -> Option<OutboxState> {
        [OutboxState::Pending, OutboxState::Done, OutboxState::Failed]
            .into_iter()
            .find(|state| state.as_str() == name)
    }
}

/// One outbox message: a delivery a booking owes, written with the booking (or its
/// cancel) in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Its idempotent id, unique forever: receivers dedupe by it, leases name it.
    pub id: String,
    /// The order of writing; a message waits for the earlier ones of its booking and
    /// target.
    pub seq: i64,
    /// What delivers it.
    pub kind: DeliveryKind,
    /// The booking it is about.
    pub booking_id: String,
    /// Who receives it (for a calendar write: the source calendar's id).
    pub target: String,
    /// What it says happened.
    pub action: OutboxAction,
    /// Where it stands.
    pub state: OutboxState,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due.
    pub due_at: DateTime<Utc>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub done_at: Option<DateTime<Utc>>,
    /// What the delivery left (JSON), e.g. the written resource and its ETag.
    pub result: Option<String>,
    /// The result of the last delivered write (`created` or `rescheduled`) of the same
    /// booking, target and kind that left one: what a `rescheduled` one replaces and a
    /// `cancelled` one removes (the resource and its ETag; for an email, what was sent).
    /// A write that was skipped (cancelled before it went out) leaves none, so it never
    /// hides the one before it.
    pub created_result: Option<String>,
    /// What the delivery needs that the booking does not keep (JSON), if its writer left
    /// anything; cleared once the message is settled.
    pub payload: Option<String>,
}

/// How one delivery attempt ended, as [`crate::store::Store::finish_outbox`] records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxOutcome {
    /// Delivered, leaving `result` (JSON) behind.
    Delivered {
        /// What the delivery left, if anything worth keeping.
        result: Option<String>,
    },
    /// Not delivered; try again at `at`.
    Retry {
        /// When to try again.
        at: DateTime<Utc>,
        /// Why it failed.
        error: String,
    },
    /// Not delivered, and never will be: retried for too long, or impossible.
    GaveUp {
        /// Why.
        error: String,
    },
}

/// The lease name outbox deliveries are taken under (the item is the message id).
pub const OUTBOX_LEASE: &str = "outbox";

/// The outbox's SQL, written once for both backends with `?N` parameters (PostgreSQL
/// takes them as `$N`: [`outbox_sql_for_postgres`]). Each query selects
/// `COLUMNS`, read by [`OutboxMessage::from_columns`].
pub(crate) mod outbox_sql {
    /// The columns of a message, then the result of its last delivered write (see
    /// `OutboxMessage::created_result`), then its payload.
    pub const COLUMNS: &str = "o.seq, o.id, o.kind, o.booking_id, o.target, o.action, \
        o.state, o.attempts, o.created_at, o.due_at, o.last_error, o.done_at, o.result, \
        (SELECT p.result FROM outbox p WHERE p.booking_id = o.booking_id \
           AND p.target = o.target AND p.kind = o.kind \
           AND p.action IN ('created', 'rescheduled') \
           AND p.state = 'done' AND p.result IS NOT NULL ORDER BY p.seq DESC LIMIT 1), \
        o.payload";

    /// Pending messages due at `?1`, at most `?2`, whose earlier messages (same booking,
    /// target and kind) are all settled: a cancel never overtakes its create.
    pub const DUE: &str = "FROM outbox o WHERE o.state = 'pending' AND o.due_at <= ?1
          AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.booking_id = o.booking_id
                          AND e.target = o.target AND e.kind = o.kind AND e.seq < o.seq
                          AND e.state = 'pending')
        ORDER BY o.due_at, o.seq LIMIT ?2";

    /// Records an attempt (`?1` id, `?2` holder, `?3` state, `?4` now, `?5` next due or
    /// NULL, `?6` done at or NULL, `?7` result or NULL, `?8` error or NULL, `?9` the
    /// lease's generation), only while that lease is still the holder's: a worker whose
    /// lease was taken over records nothing.
    pub const FINISH: &str = "UPDATE outbox SET state = ?3, attempts = attempts + 1,
            last_attempt_at = ?4, due_at = coalesce(?5, due_at), done_at = ?6,
            result = coalesce(?7, result), last_error = ?8,
            payload = CASE WHEN ?3 = 'pending' THEN payload END
        WHERE id = ?1 AND state = 'pending' AND EXISTS (
            SELECT 1 FROM leases l WHERE l.name = 'outbox' AND l.item = ?1
              AND l.holder = ?2 AND l.generation = ?9)";

    /// The booking's `cancelled` messages, one per target its `created` ones went to
    /// (`?1` booking, `?2` now, `?3` a new id per row: see each backend), unless written
    /// already (cancelling twice writes nothing more).
    pub const CANCELLED_FROM: &str = "FROM outbox o
        WHERE o.booking_id = ?1 AND o.action = 'created'
          AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.booking_id = o.booking_id
                          AND x.target = o.target AND x.kind = o.kind
                          AND x.action = 'cancelled')
        ORDER BY o.seq";

    /// The booking's `rescheduled` messages (`?1` booking, `?2` now): one per target its
    /// `created` ones went to, each reschedule again, none once it is cancelled.
    pub const RESCHEDULED_FROM: &str = "FROM outbox o
        WHERE o.booking_id = ?1 AND o.action = 'created'
          AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.booking_id = o.booking_id
                          AND x.action = 'cancelled')
        ORDER BY o.seq";

    /// Which `created` messages a cancel or a reschedule copies (`FROM …`).
    pub fn copied_from(action: super::OutboxAction) -> &'static str {
        match action {
            super::OutboxAction::Rescheduled => RESCHEDULED_FROM,
            _ => CANCELLED_FROM,
        }
    }

    /// The booking's invitation emails (`?1` booking, `?2` now; the new ids come from
    /// each backend): the visitor first, then each host who is not the visitor.
    pub const EMAILS_FROM: &str = "FROM (
          SELECT b.booker_email AS target, 0 AS rank FROM bookings b WHERE b.id = ?1
          UNION ALL
          SELECT a.email, 1 + a.id FROM booking_hosts h
            JOIN accounts a ON a.id = h.account_id JOIN bookings b ON b.id = h.booking_id
            WHERE h.booking_id = ?1 AND lower(a.email) <> lower(b.booker_email)
        ) r ORDER BY r.rank";
}

/// `sql` with `?N` parameters written as PostgreSQL's `$N`.
pub(crate) fn outbox_sql_for_postgres(sql: &str) -> String {
    sql.replace('?', "$")
}

impl OutboxMessage {
    /// A message from its columns ([`outbox_sql::COLUMNS`], in order), as either driver
    /// reads them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_columns(
        seq: i64,
        id: String,
        kind: &str,
        booking_id: String,
        target: String,
        action: &str,
        state: &str,
        attempts: i64,
        times: (i64, i64, Option<i64>),
        last_error: Option<String>,
        result: Option<String>,
        (created_result, payload): (Option<String>, Option<String>),
    ) -> Result<OutboxMessage, crate::store::StoreError> {
        let corrupt = |what: &str, value: &str| {
            crate::store::StoreError::Corrupt(format!("outbox {what} {value:?} is unknown"))
        };
        let at = |seconds: i64| {
            DateTime::from_timestamp(seconds, 0).ok_or_else(|| {
                crate::store::StoreError::Corrupt(format!("time {seconds} is out of range"))
            })
        };
        let (created_at, due_at, done_at) = times;
        Ok(OutboxMessage {
            seq,
            kind: DeliveryKind::from_name(kind).ok_or_else(|| corrupt("kind", kind))?,
            action: OutboxAction::from_name(action).ok_or_else(|| corrupt("action", action))?,
            state: OutboxState::from_name(state).ok_or_else(|| corrupt("state", state))?,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            created_at: at(created_at)?,
            due_at: at(due_at)?,
            done_at: done_at.map(at).transpose()?,
            id,
            booking_id,
            target,
            last_error,
            result,
            created_result,
            payload,
        })
    }

    /// The columns [`outbox_sql::FINISH`] writes for `outcome` at `now`: state, next
    /// due, done at, result, error.
    pub(crate) fn finish_columns(
        outcome: &OutboxOutcome,
        now: DateTime<Utc>,
    ) -> (
        &'static str,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
    ) {
        match outcome {
            OutboxOutcome::Delivered { result } => (
                OutboxState::Done.as_str(),
                None,
                Some(now.timestamp()),
                result.clone(),
                None,
            ),
            OutboxOutcome::Retry { at, error } => (
                OutboxState::Pending.as_str(),
                Some(at.timestamp()),
                None,
                None,
                Some(error.clone()),
            ),
            OutboxOutcome::GaveUp { error } => (
                OutboxState::Failed.as_str(),
                None,
                None,
                None,
                Some(error.clone()),
            ),
        }
    }
}
