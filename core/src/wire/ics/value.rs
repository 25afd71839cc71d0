//! The parser's typed values, checked and turned into chrono values.
//!
//! The parser keeps what it could not type as text, and a date it typed may still be
//! impossible (month 13, hour 25): everything here answers `None` for those, never
//! panics, and the caller turns `None` into a skipped entry with the property's name.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendarComponent, ICalendarDuration, ICalendarEntry, ICalendarParameterName,
    ICalendarProperty, ICalendarValue,
};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// Years outside this range are refused: no calendar means them, and the recurrence
/// engine's arithmetic is only trusted well inside chrono's limits.
pub(crate) const YEARS: core::ops::RangeInclusive<i32> = 1600..=2999;

/// A `DATE` or `DATE-TIME` value as written: which of the three forms it has decides
/// where in time it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Moment {
    /// `VALUE=DATE`: a calendar day, placed in the account's zone.
    Date(NaiveDate),
    /// A local time: floating (no `TZID`), or in the `TZID` the property names.
    Local(NaiveDateTime),
    /// `…Z`: an instant.
    Utc(DateTime<Utc>),
}

impl Moment {
    /// The local wall-clock reading (midnight for a date; the UTC reading for UTC).
    pub(crate) fn naive(self) -> NaiveDateTime {
        match self {
            Moment::Date(date) => date.and_time(chrono::NaiveTime::MIN),
            Moment::Local(local) => local,
            Moment::Utc(instant) => instant.naive_utc(),
        }
    }
}

/// A checked `DATE` or `DATE-TIME`.
pub(crate) fn moment(value: &PartialDateTime) -> Option<Moment> {
    let date = date(value)?;
    let (Some(hour), Some(minute)) = (value.hour, value.minute) else {
        return Some(Moment::Date(date));
    };
    // A leap second (":60") is read as the last second of its minute.
    let second = value.second.unwrap_or(0).min(59);
    let local = date.and_hms_opt(u32::from(hour), u32::from(minute), u32::from(second))?;
    match (value.tz_hour, value.tz_minute) {
        (None, None) => Some(Moment::Local(local)),
        (hours, minutes) => {
            let seconds =
                i32::from(hours.unwrap_or(0)) * 3600 + i32::from(minutes.unwrap_or(0)) * 60;
            let offset = FixedOffset::east_opt(if value.tz_minus { -seconds } else { seconds })?;
            Some(Moment::Utc(local.checked_sub_offset(offset)?.and_utc()))
        }
    }
}

fn date(value: &PartialDateTime) -> Option<NaiveDate> {
    let year = i32::from(value.year?);
    if !YEARS.contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, u32::from(value.month?), u32::from(value.day?))
}

/// A local date-time with its time of day (a `VTIMEZONE` onset), ignoring any offset.
pub(crate) fn naive_date_time(value: &PartialDateTime) -> Option<NaiveDateTime> {
    moment(value).map(Moment::naive)
}

/// A `UTC-OFFSET` value (`TZOFFSETTO:+0530`).
pub(crate) fn utc_offset(value: &ICalendarValue) -> Option<FixedOffset> {
    let value = value.as_partial_date_time()?;
    let seconds = i32::from(value.tz_hour?) * 3600
        + i32::from(value.tz_minute.unwrap_or(0)) * 60
        + i32::from(value.second.unwrap_or(0));
    FixedOffset::east_opt(if value.tz_minus { -seconds } else { seconds })
}

/// A `DURATION`: the nominal part (days, weeks: local-time arithmetic) and the exact
/// part (hours, minutes, seconds), as RFC 5545 3.3.6 distinguishes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Duration {
    /// Whole days (weeks counted as 7), negative for a negative duration.
    pub(crate) days: i64,
    /// The exact part.
    pub(crate) exact: TimeDelta,
}

/// Longest accepted duration: nothing on a calendar lasts longer than ten years.
const MAX_DURATION_DAYS: i64 = 3_660;

pub(crate) fn duration(value: &ICalendarDuration) -> Option<Duration> {
    let days = i64::from(value.weeks)
        .checked_mul(7)?
        .checked_add(i64::from(value.days))?;
    let seconds = i64::from(value.hours)
        .checked_mul(3600)?
        .checked_add(i64::from(value.minutes).checked_mul(60)?)?
        .checked_add(i64::from(value.seconds))?;
    if days > MAX_DURATION_DAYS || seconds > MAX_DURATION_DAYS * 86_400 {
        return None;
    }
    let sign = if value.neg { -1 } else { 1 };
    Some(Duration {
        days: sign * days,
        exact: TimeDelta::try_seconds(sign * seconds)?,
    })
}

/// The `TZID` parameter of a property, if any.
pub(crate) fn tzid(entry: &ICalendarEntry) -> Option<&str> {
    entry
        .parameters(&ICalendarParameterName::Tzid)
        .find_map(|value| value.as_text())
}

/// The first value of an extension property (`X-…`), its name compared without case.
pub(crate) fn extension<'a>(
    component: &'a ICalendarComponent,
    name: &str,
) -> Option<&'a ICalendarValue> {
    component
        .entries
        .iter()
        .find(|entry| matches!(&entry.name, ICalendarProperty::Other(other) if other.eq_ignore_ascii_case(name)))
        .and_then(|entry| entry.values.first())
}
