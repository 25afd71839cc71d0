//! A host's rules: checked field by field, with documented defaults.

use core::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::TimeRange;
use super::hours::DayHours;
use crate::wire::rules::RulesDocument;

/// The zone a host is in when none is set.
pub const DEFAULT_TIME_ZONE: &str = "UTC";
/// No booking may start sooner than this after now, when nothing is set: four hours, so
/// that a host sees a booking before it happens (Calendly's default, and the issue's).
pub const DEFAULT_NOTICE_MINUTES: u32 = 4 * 60;
/// How many local days ahead a booking may start, when nothing is set: sixty, enough for
/// any ordinary meeting and short enough that a host's calendar is still true that far.
pub const DEFAULT_HORIZON_DAYS: u32 = 60;
/// The meeting length offered when nothing is set: thirty minutes.
pub const DEFAULT_DURATION_MINUTES: u32 = 30;
/// The start-time step when nothing is set: thirty minutes, so a default 30-minute
/// meeting gives one start per 30-minute grid cell at tidy times (09:00, 09:30).
pub const DEFAULT_STEP_MINUTES: u32 = 30;

/// The shortest meeting, and the smallest start-time step, a host may set.
pub const MIN_MINUTES: u32 = 5;
/// The longest meeting, and the largest start-time step, a host may set: twelve hours.
pub const MAX_MINUTES: u32 = 12 * 60;
/// The longest minimum notice: 365 days.
pub const MAX_NOTICE_MINUTES: u32 = 365 * 24 * 60;
/// The furthest booking horizon: ten years of days.
pub const MAX_HORIZON_DAYS: u32 = 3650;
/// The longest buffer before or after a meeting: twelve hours.
pub const MAX_BUFFER_MINUTES: u32 = 12 * 60;
/// The largest "bookings per day" limit.
pub const MAX_BOOKINGS_PER_DAY: u32 = 1000;
/// The most date overrides one host may have.
pub const MAX_OVERRIDES: usize = 1000;
/// The longest time zone name accepted (the longest IANA name is 32 bytes).
pub const MAX_ZONE_NAME_BYTES: usize = 64;

/// Which setting a [`RuleError`] is about, displayed as its path in the wire document
/// ([`RulesDocument`](crate::wire::rules::RulesDocument)): `weekly.monday[1]`,
/// `overrides[0].date`, `step_minutes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// `time_zone`.
    TimeZone,
    /// `weekly.<day>`, or one range of it.
    Weekly {
        /// The weekday.
        day: Weekday,
        /// The range's position as written, if the problem is one range.
        range: Option<usize>,
    },
    /// `overrides`, the list as a whole.
    Overrides,
    /// `overrides[index].date`, or one range of `overrides[index].hours`.
    Override {
        /// The override's position.
        index: usize,
        /// The range's position as written; `None` for the date.
        range: Option<usize>,
    },
    /// `notice_minutes`.
    NoticeMinutes,
    /// `horizon_days`.
    HorizonDays,
    /// `buffer_before_minutes`.
    BufferBeforeMinutes,
    /// `buffer_after_minutes`.
    BufferAfterMinutes,
    /// `durations_minutes`, or one entry of it.
    Durations {
        /// The entry's position, if the problem is one entry.
        index: Option<usize>,
    },
    /// `step_minutes`.
    StepMinutes,
    /// `max_per_day`.
    MaxPerDay,
}

/// The key of a weekday in the wire document: `monday` … `sunday`.
pub(crate) fn day_key(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

impl Field {
    /// The document's key the field is under: `weekly`, `overrides`, `notice_minutes`, …
    pub fn key(&self) -> &'static str {
        match self {
            Field::TimeZone => "time_zone",
            Field::Weekly { .. } => "weekly",
            Field::Overrides | Field::Override { .. } => "overrides",
            Field::NoticeMinutes => "notice_minutes",
            Field::HorizonDays => "horizon_days",
            Field::BufferBeforeMinutes => "buffer_before_minutes",
            Field::BufferAfterMinutes => "buffer_after_minutes",
            Field::Durations { .. } => "durations_minutes",
            Field::StepMinutes => "step_minutes",
            Field::MaxPerDay => "max_per_day",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Field::TimeZone => f.write_str("time_zone"),
            Field::Weekly { day, range: None } => write!(f, "weekly.{}", day_key(day)),
            Field::Weekly {
                day,
                range: Some(range),
            } => write!(f, "weekly.{}[{range}]", day_key(day)),
            Field::Overrides => f.write_str("overrides"),
            Field::Override { index, range: None } => write!(f, "overrides[{index}].date"),
            Field::Override {
                index,
                range: Some(range),
            } => write!(f, "overrides[{index}].hours[{range}]"),
            Field::NoticeMinutes => f.write_str("notice_minutes"),
            Field::HorizonDays => f.write_str("horizon_days"),
            Field::BufferBeforeMinutes => f.write_str("buffer_before_minutes"),
            Field::BufferAfterMinutes => f.write_str("buffer_after_minutes"),
            Field::Durations { index: None } => f.write_str("durations_minutes"),
            Field::Durations { index: Some(index) } => write!(f, "durations_minutes[{index}]"),
            Field::StepMinutes => f.write_str("step_minutes"),
            Field::MaxPerDay => f.write_str("max_per_day"),
        }
    }
}

/// What is wrong with a setting.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Problem {
    /// Not a wall-clock time `HH:MM` from `00:00` to `24:00`; holds the text.
    NotATime(String),
    /// Not a date `YYYY-MM-DD`; holds the text.
    NotADate(String),
    /// A range that ends at or before it starts.
    EmptyRange,
    /// A range that ends after 24:00.
    PastMidnight,
    /// Shares time with range `other` (its position as written) of the same day.
    Overlaps {
        /// The position of the range overlapped.
        other: usize,
    },
    /// The date is overridden already, by entry `other`.
    DuplicateDate {
        /// The position of the first override of the date.
        other: usize,
    },
    /// Repeats entry `other` of the same list.
    Duplicate {
        /// The position of the first occurrence.
        other: usize,
    },
    /// A number outside `min..=max`.
    OutOfRange {
        /// The smallest value allowed.
        min: u32,
        /// The largest value allowed.
        max: u32,
    },
    /// An empty list or name where one is needed.
    Missing,
    /// Not an IANA time zone name; holds the text.
    NotAZoneName(String),
    /// More entries than allowed.
    TooMany {
        /// The most allowed.
        max: usize,
    },
}

impl fmt::Display for Problem {
    // Plain quotes rather than `{:?}`: Debug escaping pulls Unicode tables into the
    // widget's bundle.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotATime(text) => {
                write!(f, "\"{text}\" is not a time of day (HH:MM, 00:00 to 24:00)")
            }
            Problem::NotADate(text) => write!(f, "\"{text}\" is not a date (YYYY-MM-DD)"),
            Problem::EmptyRange => f.write_str("the range ends at or before it starts"),
            Problem::PastMidnight => f.write_str("the range ends after 24:00"),
            Problem::Overlaps { other } => write!(f, "overlaps range {other} of the same day"),
            Problem::DuplicateDate { other } => {
                write!(f, "the date is overridden already, by entry {other}")
            }
            Problem::Duplicate { other } => write!(f, "repeats entry {other}"),
            Problem::OutOfRange { min, max } => write!(f, "must be from {min} to {max}"),
            Problem::Missing => f.write_str("must not be empty"),
            Problem::NotAZoneName(text) => write!(
                f,
                "\"{text}\" is not an IANA time zone name (such as Europe/London)"
            ),
            Problem::TooMany { max } => write!(f, "at most {max} entries"),
        }
    }
}

impl std::error::Error for Problem {}

/// A setting that is not a rule: which one ([`Field`]) and why ([`Problem`]).
///
/// Displayed as `field: problem`, e.g. `weekly.monday[1]: overlaps range 0 of the same
/// day`, which is what a host editing a config file needs to see.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RuleError {
    /// The setting.
    pub field: Field,
    /// What is wrong with it.
    pub problem: Problem,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for RuleError {}

fn error(field: Field, problem: Problem) -> RuleError {
    RuleError { field, problem }
}

/// `value` if it lies in `min..=max`, else [`Problem::OutOfRange`] for `field`.
fn within(field: Field, value: u32, min: u32, max: u32) -> Result<u32, RuleError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(error(field, Problem::OutOfRange { min, max }))
    }
}

/// A plausible IANA name: `Europe/London`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`,
/// `UTC`. The engine has no tz database, so whether the zone exists is for the caller
/// who builds its [`Zone`](crate::zone::Zone) (chrono-tz, the browser's `Intl`).
fn is_zone_name(name: &str) -> bool {
    let allowed =
        |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'_' | b'+' | b'-');
    !name.is_empty()
        && name.len() <= MAX_ZONE_NAME_BYTES
        && name.bytes().all(allowed)
        && name.split('/').all(|part| !part.is_empty())
}

/// The numeric settings, checked together by [`Rules::set_numbers`]; start from
/// [`Rules::numbers`] and change the ones a document gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numbers {
    /// Minimum notice, minutes.
    pub notice_minutes: u32,
    /// Booking horizon, local days after today.
    pub horizon_days: u32,
    /// Free time needed before a meeting, minutes.
    pub buffer_before_minutes: u32,
    /// Free time needed after a meeting, minutes.
    pub buffer_after_minutes: u32,
    /// Start-time step, minutes.
    pub step_minutes: u32,
    /// Most bookings starting on one local day; `None` for no limit.
    pub max_per_day: Option<u32>,
}

/// A host's rules for being booked, every field checked.
///
/// - **Home time zone** (an IANA name). The engine knows zones only through the
///   [`Zone`](crate::zone::Zone) trait, so the callers pair these rules with a zone
///   implementation of this name (the server with chrono-tz, the widget with `Intl`).
/// - **Weekly working hours** in that zone: per weekday, any number of non-overlapping
///   wall-clock [`TimeRange`]s; none is a day off.
/// - **Date overrides**: other ranges (or none, a day off) on one local date.
/// - **Minimum notice** in minutes of real time: no booking starts sooner after now.
/// - **Booking horizon** in local days: a booking starts at most this many days after
///   today in the host's zone (0: today only). Calendar days, not `now + n × 24 h`, so a
///   day's slots do not vanish one by one as the clock moves.
/// - **Buffers** before and after a meeting, in minutes: that much time next to it must
///   be free too (free of busy time and of other bookings). Buffers may reach outside
///   working hours; the meeting itself may not.
/// - **Meeting durations** offered, in minutes, and the **start-time step**: starts lie
///   at each working range's start and every step after it, on the wall clock.
/// - **Bookings per day**: at most this many bookings start on one local day.
/// - **Booking over tentative time**: whether time the host holds only tentatively may
///   be booked (busy and unknown time never may).
///
/// `Rules::default()` is the documented defaults: Monday–Friday 09:00–17:00 in UTC,
/// 240 minutes' notice, a 60-day horizon, no buffers, 30-minute meetings on a 30-minute
/// step, no daily limit, tentative time not bookable.
///
/// Built with `with_*` methods, each checking its one field and naming it in the
/// [`RuleError`], or from the wire document (serde, or plain values:
/// [`RulesDocument`](crate::wire::rules::RulesDocument)) with the same checks.
///
/// # Example
///
/// ```
/// use chrono::{NaiveDate, Weekday};
/// use freebusy_core::rule::{Field, Problem, Rules, TimeRange};
///
/// let lunch_break = [TimeRange::parse("09:00", "12:00")?, TimeRange::parse("14:00", "18:00")?];
/// let rules = Rules::default()
///     .with_time_zone("Europe/London")?
///     .with_hours(Weekday::Mon, &lunch_break)?
///     .with_hours(Weekday::Fri, &[])?
///     .with_override(NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(), &[])?
///     .with_durations_minutes(&[15, 30, 60])?
///     .with_step_minutes(15)?;
/// assert_eq!(rules.weekly_hours(Weekday::Mon), lunch_break);
/// assert!(rules.weekly_hours(Weekday::Fri).is_empty());
/// assert_eq!(rules.durations_minutes(), [15, 30, 60]);
///
/// let refused = rules.with_step_minutes(0).unwrap_err();
/// assert_eq!(refused.field, Field::StepMinutes);
/// assert_eq!(refused.to_string(), "step_minutes: must be from 5 to 720");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RulesDocument", into = "RulesDocument")]
pub struct Rules {
    pub(crate) time_zone: String,
    /// Monday first.
    pub(crate) weekly: [DayHours; 7],
    /// Sorted by date, one entry per date.
    pub(crate) overrides: Vec<(NaiveDate, DayHours)>,
    pub(crate) notice_minutes: u32,
    pub(crate) horizon_days: u32,
    pub(crate) buffer_before_minutes: u32,
    pub(crate) buffer_after_minutes: u32,
    /// Sorted, no repeats, never empty.
    pub(crate) durations_minutes: Vec<u32>,
    pub(crate) step_minutes: u32,
    pub(crate) max_per_day: Option<u32>,
    pub(crate) book_over_tentative: bool,
}

impl Default for Rules {
    fn default() -> Self {
        let office = DayHours::office;
        Rules {
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
            weekly: [
                office(),
                office(),
                office(),
                office(),
                office(),
                DayHours::default(),
                DayHours::default(),
            ],
            overrides: Vec::new(),
            notice_minutes: DEFAULT_NOTICE_MINUTES,
            horizon_days: DEFAULT_HORIZON_DAYS,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            durations_minutes: vec![DEFAULT_DURATION_MINUTES],
            step_minutes: DEFAULT_STEP_MINUTES,
            max_per_day: None,
            book_over_tentative: false,
        }
    }
}

impl Rules {
    /// The home time zone's IANA name.
    pub fn time_zone(&self) -> &str {
        &self.time_zone
    }

    /// The weekly working ranges of `day`, sorted; empty for a day off.
    pub fn weekly_hours(&self, day: Weekday) -> &[TimeRange] {
        self.weekly
            .get(day.num_days_from_monday() as usize)
            .map_or(&[], DayHours::ranges)
    }

    /// The date overrides, sorted by date: each date's ranges (empty for a day off).
    pub fn overrides(&self) -> impl Iterator<Item = (NaiveDate, &[TimeRange])> {
        self.overrides
            .iter()
            .map(|(date, hours)| (*date, hours.ranges()))
    }

    /// The working ranges on local date `date`: its override if it has one, else its
    /// weekday's.
    pub fn hours_on(&self, date: NaiveDate) -> &[TimeRange] {
        match self.overrides.binary_search_by_key(&date, |(day, _)| *day) {
            Ok(index) => self
                .overrides
                .get(index)
                .map_or(&[], |(_, hours)| hours.ranges()),
            Err(_) => self.weekly_hours(date.weekday()),
        }
    }

    /// The minimum notice, in minutes.
    pub fn notice_minutes(&self) -> u32 {
        self.notice_minutes
    }

    /// The booking horizon, in local days after today.
    pub fn horizon_days(&self) -> u32 {
        self.horizon_days
    }

    /// The free time needed before a meeting, in minutes.
    pub fn buffer_before_minutes(&self) -> u32 {
        self.buffer_before_minutes
    }

    /// The free time needed after a meeting, in minutes.
    pub fn buffer_after_minutes(&self) -> u32 {
        self.buffer_after_minutes
    }

    /// The meeting durations offered, in minutes, shortest first (never empty).
    pub fn durations_minutes(&self) -> &[u32] {
        &self.durations_minutes
    }

    /// Whether a meeting of `minutes` is offered.
    pub fn offers(&self, minutes: u32) -> bool {
        self.durations_minutes.binary_search(&minutes).is_ok()
    }

    /// The start-time step, in minutes.
    pub fn step_minutes(&self) -> u32 {
        self.step_minutes
    }

    /// The most bookings that may start on one local day; `None` for no limit.
    pub fn max_per_day(&self) -> Option<u32> {
        self.max_per_day
    }

    /// Whether time the host holds only tentatively may be booked.
    pub fn book_over_tentative(&self) -> bool {
        self.book_over_tentative
    }

    /// The home time zone, by IANA name.
    ///
    /// # Errors
    ///
    /// [`Problem::NotAZoneName`] for text that cannot be an IANA name (empty, spaces,
    /// over 64 bytes, empty parts).
    pub fn with_time_zone(mut self, name: &str) -> Result<Rules, RuleError> {
        self.set_time_zone(name)?;
        Ok(self)
    }

    /// The weekly working ranges of `day`, in any order; none for a day off.
    ///
    /// # Errors
    ///
    /// [`Problem::Overlaps`] for two ranges sharing a minute, naming the one written later.
    pub fn with_hours(mut self, day: Weekday, ranges: &[TimeRange]) -> Result<Rules, RuleError> {
        self.set_hours(day, ranges)?;
        Ok(self)
    }

    /// Other working ranges on one local date (none: a day off), replacing any earlier
    /// override of that date.
    ///
    /// # Errors
    ///
    /// [`Problem::Overlaps`] as for [`with_hours`](Rules::with_hours), naming the
    /// override by its position in date order; [`Problem::TooMany`] past
    /// [`MAX_OVERRIDES`].
    pub fn with_override(
        mut self,
        date: NaiveDate,
        ranges: &[TimeRange],
    ) -> Result<Rules, RuleError> {
        self.set_override(date, ranges, None)?;
        Ok(self)
    }

    /// The minimum notice, 0 to [`MAX_NOTICE_MINUTES`].
    ///
    /// # Errors
    ///
    /// [`Problem::OutOfRange`].
    pub fn with_notice_minutes(mut self, minutes: u32) -> Result<Rules, RuleError> {
        self.set_numbers(Numbers {
            notice_minutes: minutes,
            ..self.numbers()
        })?;
        Ok(self)
    }

    /// The booking horizon, 0 (today only) to [`MAX_HORIZON_DAYS`] local days.
    ///
    /// # Errors
    ///
    /// [`Problem::OutOfRange`].
    pub fn with_horizon_days(mut self, days: u32) -> Result<Rules, RuleError> {
        self.set_numbers(Numbers {
            horizon_days: days,
            ..self.numbers()
        })?;
        Ok(self)
    }

    /// The free time needed before and after a meeting, 0 to [`MAX_BUFFER_MINUTES`] each.
    ///
    /// # Errors
    ///
    /// [`Problem::OutOfRange`], naming the buffer.
    pub fn with_buffers_minutes(mut self, before: u32, after: u32) -> Result<Rules, RuleError> {
        self.set_numbers(Numbers {
            buffer_before_minutes: before,
            buffer_after_minutes: after,
            ..self.numbers()
        })?;
        Ok(self)
    }

    /// The meeting durations offered, [`MIN_MINUTES`] to [`MAX_MINUTES`] each, any order.
    ///
    /// # Errors
    ///
    /// [`Problem::Missing`] for none, [`Problem::OutOfRange`] or [`Problem::Duplicate`]
    /// naming the entry.
    pub fn with_durations_minutes(mut self, minutes: &[u32]) -> Result<Rules, RuleError> {
        self.set_durations(minutes)?;
        Ok(self)
    }

    /// The start-time step, [`MIN_MINUTES`] to [`MAX_MINUTES`].
    ///
    /// # Errors
    ///
    /// [`Problem::OutOfRange`] (a zero step among them).
    pub fn with_step_minutes(mut self, minutes: u32) -> Result<Rules, RuleError> {
        self.set_numbers(Numbers {
            step_minutes: minutes,
            ..self.numbers()
        })?;
        Ok(self)
    }

    /// The most bookings starting on one local day, 1 to [`MAX_BOOKINGS_PER_DAY`], or
    /// `None` for no limit. (To close a day, give it no working hours.)
    ///
    /// # Errors
    ///
    /// [`Problem::OutOfRange`].
    pub fn with_max_per_day(mut self, limit: Option<u32>) -> Result<Rules, RuleError> {
        self.set_numbers(Numbers {
            max_per_day: limit,
            ..self.numbers()
        })?;
        Ok(self)
    }

    /// Whether time the host holds only tentatively may be booked.
    pub fn with_book_over_tentative(mut self, allowed: bool) -> Rules {
        self.book_over_tentative = allowed;
        self
    }

    /// Sets whether time the host holds only tentatively may be booked, in place.
    pub fn set_book_over_tentative(&mut self, allowed: bool) {
        self.book_over_tentative = allowed;
    }

    // The setters below do the checking, in place: `with_*`, the wire document and the
    // widget's one-pass reader share them, so the widget's bundle carries each check once.

    /// Sets the home time zone's IANA name.
    ///
    /// # Errors
    ///
    /// `time_zone`: not shaped like an IANA name.
    pub fn set_time_zone(&mut self, name: &str) -> Result<(), RuleError> {
        if !is_zone_name(name) {
            return Err(error(Field::TimeZone, Problem::NotAZoneName(name.into())));
        }
        name.clone_into(&mut self.time_zone);
        Ok(())
    }

    /// Sets the working ranges of `day` (none: a day off).
    ///
    /// # Errors
    ///
    /// `weekly.<day>[i]`: ranges that overlap.
    pub fn set_hours(&mut self, day: Weekday, ranges: &[TimeRange]) -> Result<(), RuleError> {
        let hours = DayHours::checked(ranges).map_err(|(index, problem)| {
            error(
                Field::Weekly {
                    day,
                    range: Some(index),
                },
                problem,
            )
        })?;
        if let Some(slot) = self.weekly.get_mut(day.num_days_from_monday() as usize) {
            *slot = hours;
        }
        Ok(())
    }

    /// Sets the override of `date`; `listed` is the entry's position in a document
    /// (errors name it, and a date listed twice is an error there) or `None` (errors name
    /// the position in date order, and a later override replaces an earlier one).
    ///
    /// # Errors
    ///
    /// `overrides[i]`: overlapping ranges, a date listed twice, more than
    /// [`MAX_OVERRIDES`].
    pub fn set_override(
        &mut self,
        date: NaiveDate,
        ranges: &[TimeRange],
        listed: Option<usize>,
    ) -> Result<(), RuleError> {
        let position = self.overrides.binary_search_by_key(&date, |(day, _)| *day);
        let index = listed.unwrap_or_else(|| position.unwrap_or_else(|index| index));
        let hours = DayHours::checked(ranges).map_err(|(range, problem)| {
            error(
                Field::Override {
                    index,
                    range: Some(range),
                },
                problem,
            )
        })?;
        match position {
            Ok(at) if listed.is_none() => {
                if let Some(entry) = self.overrides.get_mut(at) {
                    entry.1 = hours;
                }
            }
            Ok(_) => {
                return Err(error(
                    Field::Override { index, range: None },
                    Problem::DuplicateDate { other: 0 },
                ));
            }
            Err(_) if self.overrides.len() >= MAX_OVERRIDES => {
                return Err(error(
                    Field::Overrides,
                    Problem::TooMany { max: MAX_OVERRIDES },
                ));
            }
            Err(at) => self.overrides.insert(at, (date, hours)),
        }
        Ok(())
    }

    /// Sets the meeting lengths offered, in any order.
    ///
    /// # Errors
    ///
    /// `durations_minutes`: none, one out of range, or one listed twice.
    pub fn set_durations(&mut self, minutes: &[u32]) -> Result<(), RuleError> {
        if minutes.is_empty() {
            return Err(error(Field::Durations { index: None }, Problem::Missing));
        }
        let mut sorted = Vec::with_capacity(minutes.len());
        for (index, &duration) in minutes.iter().enumerate() {
            let field = Field::Durations { index: Some(index) };
            within(field, duration, MIN_MINUTES, MAX_MINUTES)?;
            match sorted.binary_search(&duration) {
                Ok(_) => {
                    let other = minutes.iter().position(|&m| m == duration).unwrap_or(0);
                    return Err(error(field, Problem::Duplicate { other }));
                }
                Err(at) => sorted.insert(at, duration),
            }
        }
        self.durations_minutes = sorted;
        Ok(())
    }

    /// Every numeric setting, as [`Rules::set_numbers`] takes them.
    pub fn numbers(&self) -> Numbers {
        Numbers {
            notice_minutes: self.notice_minutes,
            horizon_days: self.horizon_days,
            buffer_before_minutes: self.buffer_before_minutes,
            buffer_after_minutes: self.buffer_after_minutes,
            step_minutes: self.step_minutes,
            max_per_day: self.max_per_day,
        }
    }

    /// Checks and sets every numeric setting at once (nothing is set on an error).
    ///
    /// # Errors
    ///
    /// The first setting, in the document's order, out of its range.
    pub fn set_numbers(&mut self, numbers: Numbers) -> Result<(), RuleError> {
        let notice_minutes = within(
            Field::NoticeMinutes,
            numbers.notice_minutes,
            0,
            MAX_NOTICE_MINUTES,
        )?;
        let horizon_days = within(
            Field::HorizonDays,
            numbers.horizon_days,
            0,
            MAX_HORIZON_DAYS,
        )?;
        let buffer_before_minutes = within(
            Field::BufferBeforeMinutes,
            numbers.buffer_before_minutes,
            0,
            MAX_BUFFER_MINUTES,
        )?;
        let buffer_after_minutes = within(
            Field::BufferAfterMinutes,
            numbers.buffer_after_minutes,
            0,
            MAX_BUFFER_MINUTES,
        )?;
        let step_minutes = within(
            Field::StepMinutes,
            numbers.step_minutes,
            MIN_MINUTES,
            MAX_MINUTES,
        )?;
        let max_per_day = match numbers.max_per_day {
            Some(limit) => Some(within(Field::MaxPerDay, limit, 1, MAX_BOOKINGS_PER_DAY)?),
            None => None,
        };
        self.notice_minutes = notice_minutes;
        self.horizon_days = horizon_days;
        self.buffer_before_minutes = buffer_before_minutes;
        self.buffer_after_minutes = buffer_after_minutes;
        self.step_minutes = step_minutes;
        self.max_per_day = max_per_day;
        Ok(())
    }
}
