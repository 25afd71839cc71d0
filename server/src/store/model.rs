//! What the store holds, in the domain's words: accounts, calendars, events, bookings,
//! and what goes in and comes out of each operation. Every backend speaks these types;
//! none of them knows SQL.
//!
//! Statuses and windows are the engine's ([`Status`], [`Window`]): the store has no
//! vocabulary of its own.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use freebusy_core::{Status, Window};

/// When an event happens: two instants, or whole days.
///
/// All-day events are floating dates with no time zone (a holiday is the whole day
/// wherever its owner is), which is why they are not just two instants. For window
/// queries the store places them at UTC midnight ([`EventSpan::utc_bounds`]); a caller
/// that knows the reader's time zone widens its window by a day and decides itself.
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
    /// The span as instants `[start, end)`; all-day dates at UTC midnight, which is
    /// where window queries and the booking check place them.
    pub fn utc_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        match *self {
            EventSpan::Timed { start, end } => (start, end),
            EventSpan::AllDay { start, end } => (utc_midnight(start), utc_midnight(end)),
        }
    }
}

fn utc_midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
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
}

/// A host who is not free for a requested booking, and the strongest status in the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocker {
    /// The host's account id.
    pub account_id: i64,
    /// `busy` (an event or another booking), `unknown` or `tentative`.
    pub status: Status,
}
