//! iCalendar (RFC 5545): feeds read into free/busy instances, and events written for
//! invitations and CalDAV (behind the `ics` feature, which the widget never compiles).
//!
//! Two steps, so that a feed is parsed once and expanded for many questions:
//!
//! 1. [`parse`]: bytes to a checked [`Calendar`]. Times are typed, `TZID`s resolved
//!    (IANA names, Windows names, the feed's own `VTIMEZONE`s), rules built, overrides
//!    grouped with their series. A component that cannot be read becomes a [`Skipped`]
//!    with its [`SkipReason`]; only a document that is not iCalendar at all, or is cut off,
//!    is a [`ParseError`].
//! 2. [`Calendar::expand`]: the calendar, a [`Window`] and an [`Account`] (its addresses
//!    and its zone) to an [`Expansion`]: every [`Instance`] that overlaps the window,
//!    with its [`Status`] for that account, what was skipped, and whether (and from when)
//!    the answer was [`Cut`].
//!
//! [`write()`] goes the other way: a [`NewEvent`] as a `VCALENDAR` document.
//!
//! # What the engine reads, and how
//!
//! - `VEVENT` with `DTSTART` and `DTEND`, `DURATION` or neither (a date lasts a day, a
//!   date-time takes no time and is left out); `RRULE` (all frequencies and `BY` parts,
//!   `COUNT`, `UNTIL`), `RDATE` (times and periods), `EXDATE`, `RECURRENCE-ID` overrides
//!   (moved, cancelled, re-timed, and `RANGE=THISANDFUTURE`), overrides without a master.
//! - `VFREEBUSY` periods: `FBTYPE=FREE` is free, `BUSY-TENTATIVE` tentative, anything else
//!   busy (RFC 5545 3.2.9: an unknown type counts as `BUSY`).
//! - Times: UTC; local times in a named zone (a time in a DST gap moves forward by the
//!   gap's length, a repeated time means its first occurrence, RFC 5545 3.3.5); floating
//!   times and dates in the account's zone.
//! - Status, strongest rule first: `STATUS:CANCELLED` takes no time (no instance); the
//!   account's own `ATTENDEE` (its address, case-insensitive, `mailto:` or not) with
//!   `PARTSTAT=DECLINED` or `DELEGATED` is free; `X-MICROSOFT-CDO-BUSYSTATUS` decides where
//!   present (`FREE` and `WORKINGELSEWHERE` free, `TENTATIVE` tentative, `BUSY` and `OOF`
//!   busy), because Outlook writes it as the truth and `TRANSP` only as an approximation
//!   of it; `TRANSP:TRANSPARENT` is free; `STATUS:TENTATIVE` and the account's own
//!   `PARTSTAT` `NEEDS-ACTION` (also when absent, unless the account is the organizer) or
//!   `TENTATIVE` are tentative; everything else is busy.
//!
//! # Example
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use freebusy_core::wire::ics::{self, Account};
//! use freebusy_core::{Status, Window};
//!
//! let feed = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//example//EN\r\n\
//! BEGIN:VEVENT\r\nUID:walk@example.com\r\nDTSTAMP:20100101T000000Z\r\n\
//! DTSTART;TZID=Europe/London:20100104T080000\r\nDURATION:PT30M\r\nRRULE:FREQ=DAILY\r\n\
//! END:VEVENT\r\nEND:VCALENDAR\r\n";
//! let calendar = ics::parse(feed)?;
//!
//! // A daily event since 2010 still blocks a Tuesday in 2026 (08:00 BST is 07:00 UTC).
//! let tuesday = Window::new(
//!     Utc.with_ymd_and_hms(2026, 4, 21, 0, 0, 0).unwrap(),
//!     Utc.with_ymd_and_hms(2026, 4, 22, 0, 0, 0).unwrap(),
//! )?;
//! let account = Account::new("ann@example.com", chrono_tz::Europe::London);
//! let expansion = calendar.expand(tuesday, &account);
//! let [walk] = expansion.instances.as_slice() else { panic!("one instance") };
//! assert_eq!(walk.period.start(), Utc.with_ymd_and_hms(2026, 4, 21, 7, 0, 0).unwrap());
//! assert_eq!(walk.period.status(), Status::Busy);
//! assert_eq!(walk.key(), "walk@example.com/20260421T070000Z");
//! assert!(expansion.cut.is_none() && expansion.skipped.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::zone::Zone;
use crate::{Period, Status, Window};

mod expand;
mod model;
mod recur;
mod text;
mod value;
mod windows_zones;
mod write;
mod zones;

pub use write::{Attendee, Method, NewEvent, WriteError, write};

/// Why a document is not a calendar at all. Problems inside a calendar are [`Skipped`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ParseError {
    /// No `BEGIN:VCALENDAR`: an HTML error page, JSON, garbage.
    NotICalendar,
    /// A `VCALENDAR` without its `END:VCALENDAR`: the download was cut off, and reading
    /// what is there would make the missing events look free.
    Truncated,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::NotICalendar => "not an iCalendar document (no BEGIN:VCALENDAR)",
            ParseError::Truncated => "the iCalendar document is cut off (no END:VCALENDAR)",
        })
    }
}

impl std::error::Error for ParseError {}

/// A part of the feed that was left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Skipped {
    /// Which part: `VEVENT <uid>`, `VFREEBUSY <uid>` or `line <n>`.
    pub what: String,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// Why a part of a feed was left out.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum SkipReason {
    /// A content line without a colon: not a property.
    BadLine,
    /// A `VEVENT` without `DTSTART`: nothing says when it is.
    MissingStart,
    /// A property (named) whose value is not a valid date, time, duration or period.
    UnreadableValue(String),
    /// `DTSTART` and `DTEND` of different types (one a date, the other a date-time).
    MismatchedEnd,
    /// A `TZID` that is no IANA or Windows zone and that the feed does not define.
    UnknownZone(String),
    /// An `RRULE` this engine cannot run, with the reason.
    UnreadableRule(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::BadLine => f.write_str("not a content line (no colon)"),
            SkipReason::MissingStart => f.write_str("no DTSTART"),
            SkipReason::UnreadableValue(property) => write!(f, "unreadable {property}"),
            SkipReason::MismatchedEnd => {
                f.write_str("DTSTART and DTEND are not both dates or both times")
            }
            SkipReason::UnknownZone(tzid) => write!(f, "unknown time zone {tzid:?}"),
            SkipReason::UnreadableRule(why) => write!(f, "unreadable RRULE: {why}"),
        }
    }
}

/// A checked calendar, ready to be expanded for any window and account.
///
/// Made by [`parse`]; holds every readable event series and free/busy period of the
/// document (all its `VCALENDAR`s) and what was skipped.
#[derive(Clone, Debug)]
pub struct Calendar {
    series: Vec<model::Series>,
    busy: Vec<model::BusyPeriod>,
    skipped: Vec<Skipped>,
}

/// Reads an iCalendar document.
///
/// Takes bytes because RFC 5545 folds lines at 75 octets, which may split a UTF-8
/// character: lines are unfolded before they are decoded. Invalid UTF-8 in a text value
/// becomes U+FFFD; it cannot change a time.
///
/// # Errors
///
/// [`ParseError`] when the document holds no `VCALENDAR`, or its last one is cut off.
/// Everything else that is wrong is reported in [`Calendar::skipped`].
///
/// # Example
///
/// ```
/// use freebusy_core::wire::ics::{self, ParseError, SkipReason};
///
/// let calendar = ics::parse(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")?;
/// assert_eq!(calendar.skipped()[0].reason, SkipReason::MissingStart);
/// assert_eq!(ics::parse(b"<html>502 Bad Gateway</html>").unwrap_err(), ParseError::NotICalendar);
/// assert_eq!(ics::parse(b"BEGIN:VCALENDAR\r\nBEGIN:VEV").unwrap_err(), ParseError::Truncated);
/// # Ok::<(), ParseError>(())
/// ```
pub fn parse(bytes: &[u8]) -> Result<Calendar, ParseError> {
    let unfolded = text::unfold(bytes)?;
    let mut calendar = Calendar {
        series: Vec::new(),
        busy: Vec::new(),
        skipped: unfolded.skipped,
    };
    let mut parser = calcard::Parser::new(&unfolded.text);
    let mut found = false;
    loop {
        match parser.entry() {
            calcard::Entry::ICalendar(document) => {
                found = true;
                model::read_calendar(
                    &document.components,
                    &mut calendar.series,
                    &mut calendar.busy,
                    &mut calendar.skipped,
                );
            }
            calcard::Entry::Eof => break,
            calcard::Entry::TooManyComponents => break,
            // Lines the unfolding pass let through but the parser refused, vCards, and
            // mismatched END lines: the parser recovers and goes on.
            _ => {}
        }
    }
    if found {
        Ok(calendar)
    } else {
        Err(ParseError::NotICalendar)
    }
}

impl Calendar {
    /// The parts of the document that were left out, in document order.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// How many event series (a `UID`'s master and overrides) the calendar holds.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    /// The instances that overlap `window`, with their status for `account`, within the
    /// default [`Limits`].
    pub fn expand<Z: Zone>(&self, window: Window, account: &Account<Z>) -> Expansion {
        self.expand_with(window, account, Limits::default())
    }

    /// [`Calendar::expand`] with other [`Limits`].
    pub fn expand_with<Z: Zone>(
        &self,
        window: Window,
        account: &Account<Z>,
        limits: Limits,
    ) -> Expansion {
        expand::expand(self, window, account, limits)
    }
}

/// Whose calendar it is: the addresses that identify the account's own `ATTENDEE`
/// entries, and the zone that floating times and dates are placed in.
#[derive(Clone, Debug)]
pub struct Account<Z> {
    /// Lowercase addresses, without `mailto:`.
    emails: Vec<String>,
    /// The account's time zone.
    pub zone: Z,
}

impl<Z: Zone> Account<Z> {
    /// An account with one address.
    pub fn new(email: &str, zone: Z) -> Account<Z> {
        Account {
            emails: vec![normalize_address(email)],
            zone,
        }
    }

    /// The same account, also known by `email` (an alias).
    pub fn with_alias(mut self, email: &str) -> Account<Z> {
        self.emails.push(normalize_address(email));
        self
    }

    /// The account's addresses, normalized (lowercase, no `mailto:`).
    pub fn emails(&self) -> &[String] {
        &self.emails
    }
}

fn normalize_address(email: &str) -> String {
    let email = email.trim();
    let email = match email.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => {
            email.get(7..).unwrap_or_default()
        }
        _ => email,
    };
    email.trim().to_lowercase()
}

/// Bounds on one expansion, so that no feed can make it hang or exhaust memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// At most this many instances in the answer (default 20,000: a week of a calendar
    /// with an event every minute is 10,080).
    pub max_instances: usize,
    /// At most this many local times taken from one rule (default 500,000). Rules without
    /// `COUNT` start near the window and need few; a counted minutely rule from years ago
    /// is what this stops.
    pub max_steps_per_rule: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_instances: 20_000,
            max_steps_per_rule: 500_000,
        }
    }
}

/// What [`Calendar::expand`] found in a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    /// The window asked about.
    pub window: Window,
    /// Every instance that overlaps the window (not clipped), sorted by start.
    pub instances: Vec<Instance>,
    /// What the calendar left out (the same for every window).
    pub skipped: Vec<Skipped>,
    /// Set when a limit stopped the expansion: from `unknown_from` on, the answer is
    /// incomplete.
    pub cut: Option<Cut>,
}

impl Expansion {
    /// The engine's periods: one per blocking instance, and an [`Status::Unknown`] period
    /// from a cut to the window's end, so that time nobody could read is never free.
    pub fn periods(&self) -> Vec<Period> {
        let mut periods: Vec<Period> = self
            .instances
            .iter()
            .map(|instance| instance.period)
            .filter(|period| period.status().is_blocking())
            .collect();
        if let Some(unknown) = self
            .cut
            .as_ref()
            .and_then(|cut| Period::new(cut.unknown_from, self.window.end(), Status::Unknown).ok())
        {
            periods.push(unknown);
        }
        periods
    }
}

/// An expansion stopped by a [`Limits`] bound.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Cut {
    /// Instances before this instant are complete; after it, unknown.
    pub unknown_from: DateTime<Utc>,
    /// Which bound.
    pub reason: CutReason,
}

/// Which bound cut an expansion.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CutReason {
    /// More instances in the window than [`Limits::max_instances`].
    TooManyInstances {
        /// The limit.
        limit: usize,
    },
    /// One rule needed more steps than [`Limits::max_steps_per_rule`] to reach the window's
    /// end.
    RuleTooLong {
        /// The series' `UID`.
        uid: String,
        /// The limit.
        steps: u64,
    },
}

impl fmt::Display for CutReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CutReason::TooManyInstances { limit } => {
                write!(f, "more than {limit} instances in the window")
            }
            CutReason::RuleTooLong { uid, steps } => {
                write!(
                    f,
                    "the rule of {uid:?} needs more than {steps} steps to reach the window"
                )
            }
        }
    }
}

/// Where an instance comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A `VEVENT` (or one instance of its recurrence).
    Event,
    /// A `FREEBUSY` period of a `VFREEBUSY`.
    FreeBusy,
}

/// The original start of a recurring instance (what its `RECURRENCE-ID` would be).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum RecurrenceId {
    /// Of an all-day series.
    Date(NaiveDate),
    /// Of a series of floating times (its instant depends on the account's zone).
    Local(NaiveDateTime),
    /// Of a series in UTC or a named zone.
    Instant(DateTime<Utc>),
}

impl fmt::Display for RecurrenceId {
    /// The iCalendar form: `20260421`, `20260421T090000`, `20260421T070000Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecurrenceId::Date(date) => write!(f, "{}", date.format("%Y%m%d")),
            RecurrenceId::Local(local) => write!(f, "{}", local.format("%Y%m%dT%H%M%S")),
            RecurrenceId::Instant(instant) => write!(f, "{}", instant.format("%Y%m%dT%H%M%SZ")),
        }
    }
}

/// One occurrence of an event (or one free/busy period) that overlaps the window.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Instance {
    /// The component's `UID` (a stable stand-in when the feed has none).
    pub uid: String,
    /// 0, or how many earlier series in the feed had the same `UID` (broken feeds repeat
    /// them); part of [`Instance::key`].
    pub duplicate: u32,
    /// The original start, for instances of a recurring series and overrides; `None` for
    /// a single event and for free/busy periods.
    pub recurrence_id: Option<RecurrenceId>,
    /// When, and the status for the account. Not clipped to the window.
    pub period: Period,
    /// Whether it comes from a `DATE` (all-day) start.
    pub all_day: bool,
    /// A `VEVENT` or a `VFREEBUSY` period.
    pub origin: Origin,
}

impl Instance {
    /// A key unique within one feed and stable across re-reads of it: the `UID`, then
    /// the recurrence identifier (`uid/20260421T070000Z`), or for free/busy periods the
    /// span (`uid/20260420T090000Z/20260420T100000Z`).
    pub fn key(&self) -> String {
        let uid = if self.duplicate == 0 {
            self.uid.clone()
        } else {
            format!("{}#{}", self.uid, self.duplicate)
        };
        let stamp = |instant: DateTime<Utc>| instant.format("%Y%m%dT%H%M%SZ").to_string();
        match (self.origin, self.recurrence_id) {
            (Origin::FreeBusy, _) => format!(
                "{uid}/{}/{}",
                stamp(self.period.start()),
                stamp(self.period.end())
            ),
            (Origin::Event, Some(recurrence_id)) => format!("{uid}/{recurrence_id}"),
            (Origin::Event, None) => uid,
        }
    }
}
