//! The week grid: which slots a week has in a time zone, DST included.

use core::fmt;

use chrono::{
    DateTime, Datelike, Days, MappedLocalTime, NaiveDate, NaiveDateTime, TimeDelta, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

use crate::zone::{Zone, day_start, earliest_at_or_after, resolve_local};
use crate::{Slot, Window};

/// Days in a week.
const WEEK_DAYS: u64 = 7;
/// Minutes in a day: a visible-hours end of 1440 means 24:00, the next midnight.
const DAY_MINUTES: u16 = 24 * 60;

/// The first day of the week containing `date`, for weeks that begin on `first_weekday`.
///
/// Returns `None` only when that day would fall before the first representable date.
///
/// # Example
///
/// ```
/// use chrono::{NaiveDate, Weekday};
/// use freebusy_core::week::week_start;
///
/// let friday = NaiveDate::from_ymd_opt(2026, 4, 24).unwrap();
/// assert_eq!(week_start(friday, Weekday::Mon), NaiveDate::from_ymd_opt(2026, 4, 20));
/// assert_eq!(week_start(friday, Weekday::Sun), NaiveDate::from_ymd_opt(2026, 4, 19));
/// assert_eq!(week_start(friday, Weekday::Fri), Some(friday));
/// ```
pub fn week_start(date: NaiveDate, first_weekday: Weekday) -> Option<NaiveDate> {
    let back =
        (date.weekday().num_days_from_monday() + 7 - first_weekday.num_days_from_monday()) % 7;
    date.checked_sub_days(Days::new(u64::from(back)))
}

/// Why a week cannot be laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WeekError {
    /// The visible hours end at or before they start.
    EmptyVisibleHours,
    /// The visible hours reach past 24:00.
    VisibleHoursPastMidnight,
    /// The slot length is zero minutes.
    ZeroSlotLength,
    /// The week lies at the edge of the representable calendar.
    OutOfRange,
}

impl fmt::Display for WeekError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WeekError::EmptyVisibleHours => "the visible hours end at or before they start",
            WeekError::VisibleHoursPastMidnight => "the visible hours reach past 24:00",
            WeekError::ZeroSlotLength => "the slot length is zero minutes",
            WeekError::OutOfRange => "the week is outside the representable calendar",
        })
    }
}

impl std::error::Error for WeekError {}

/// The part of each day the grid shows, as local wall-clock minutes since midnight.
///
/// Minutes rather than `NaiveTime` because the end may be 24:00 (1440), the next
/// midnight, which `NaiveTime` cannot express. Local, because "9 to 5" means the same
/// clock times every day even when a DST change makes one day shorter.
///
/// # Errors
///
/// [`VisibleHours::new`] returns [`WeekError::EmptyVisibleHours`] unless
/// `start < end`, and [`WeekError::VisibleHoursPastMidnight`] if `end > 1440`.
///
/// # Example
///
/// ```
/// use freebusy_core::week::{VisibleHours, WeekError};
///
/// let office = VisibleHours::new(9 * 60, 17 * 60)?;
/// assert_eq!((office.start_minute(), office.end_minute()), (540, 1020));
/// assert_eq!(VisibleHours::whole_day().end_minute(), 1440);
/// assert_eq!(VisibleHours::new(600, 600), Err(WeekError::EmptyVisibleHours));
/// # Ok::<(), WeekError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "UncheckedVisibleHours")]
pub struct VisibleHours {
    start_minute: u16,
    end_minute: u16,
}

impl VisibleHours {
    /// From `start_minute` (included) to `end_minute` (excluded), minutes since midnight.
    ///
    /// # Errors
    ///
    /// See the type's `# Errors`.
    pub fn new(start_minute: u16, end_minute: u16) -> Result<VisibleHours, WeekError> {
        if end_minute > DAY_MINUTES {
            return Err(WeekError::VisibleHoursPastMidnight);
        }
        if start_minute >= end_minute {
            return Err(WeekError::EmptyVisibleHours);
        }
        Ok(VisibleHours {
            start_minute,
            end_minute,
        })
    }

    /// Midnight to midnight.
    pub const fn whole_day() -> VisibleHours {
        VisibleHours {
            start_minute: 0,
            end_minute: DAY_MINUTES,
        }
    }

    /// The first visible minute after local midnight.
    pub fn start_minute(&self) -> u16 {
        self.start_minute
    }

    /// The minute after local midnight at which the visible hours end (1440 is 24:00).
    pub fn end_minute(&self) -> u16 {
        self.end_minute
    }
}

impl Default for VisibleHours {
    fn default() -> Self {
        VisibleHours::whole_day()
    }
}

#[derive(Deserialize)]
struct UncheckedVisibleHours {
    start_minute: u16,
    end_minute: u16,
}

impl TryFrom<UncheckedVisibleHours> for VisibleHours {
    type Error = WeekError;

    fn try_from(raw: UncheckedVisibleHours) -> Result<Self, Self::Error> {
        VisibleHours::new(raw.start_minute, raw.end_minute)
    }
}

/// What week grid to lay out: its first local date, the visible hours and the slot length.
///
/// The first date is whatever the caller says; use [`week_start`] to get it from any
/// date and the locale's first day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WeekSpec {
    /// The local date of the week's first day.
    pub first_day: NaiveDate,
    /// The part of each day shown.
    pub visible: VisibleHours,
    /// The slot length in minutes; slot boundaries fall every `slot_minutes` from the
    /// visible start, in local time.
    pub slot_minutes: u16,
}

/// One local day of the grid: its date, visible span in UTC and slots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Day {
    date: NaiveDate,
    visible: Option<Window>,
    slots: Vec<Slot>,
}

impl Day {
    /// The local date.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The visible hours in UTC: from the first instant the wall clock reads the visible
    /// start (or later) to the first instant it reads the visible end (or later). `None`
    /// when a DST gap swallows all of it.
    pub fn visible(&self) -> Option<Window> {
        self.visible
    }

    /// The day's slots, in UTC order.
    ///
    /// They tile `[first slot start, visible end)`: each ends where the next begins. The
    /// first slot starts at the visible start, unless the visible start falls in a DST
    /// gap and the next boundary that exists is later.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }
}

/// A laid-out week: seven days of slots with their UTC spans.
///
/// # Errors
///
/// [`Week::layout`] returns [`WeekError`] for a zero slot length or a week at the edge
/// of the calendar.
///
/// # Example
///
/// A week in a fixed zone, 9:00 to 17:00 in 30-minute slots:
///
/// ```
/// use chrono::{FixedOffset, NaiveDate, Timelike};
/// use freebusy_core::week::{VisibleHours, Week, WeekSpec};
///
/// let spec = WeekSpec {
///     first_day: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
///     visible: VisibleHours::new(9 * 60, 17 * 60)?,
///     slot_minutes: 30,
/// };
/// let paris_summer = FixedOffset::east_opt(2 * 3600).unwrap();
/// let week = Week::layout(&spec, &paris_summer)?;
/// assert_eq!(week.days().len(), 7);
/// let monday = &week.days()[0];
/// assert_eq!(monday.slots().len(), 16);
/// assert_eq!(monday.slots()[0].start().hour(), 7); // 09:00 at UTC+2
/// # Ok::<(), freebusy_core::week::WeekError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Week {
    days: Vec<Day>,
}

impl Week {
    /// Lays out the week of `spec` in `zone`.
    ///
    /// Slot starts are the local boundaries (visible start + k × slot length, before the
    /// visible end) that exist: a boundary repeated by a fall-back transition gives two
    /// slots with distinct UTC starts, one skipped by a spring-forward transition gives
    /// none. Each slot ends at the next one's start, the last at the visible end.
    ///
    /// # Errors
    ///
    /// [`WeekError::ZeroSlotLength`] if `spec.slot_minutes` is 0;
    /// [`WeekError::OutOfRange`] at the edges of the representable calendar.
    pub fn layout<Z: Zone + ?Sized>(spec: &WeekSpec, zone: &Z) -> Result<Week, WeekError> {
        if spec.slot_minutes == 0 {
            return Err(WeekError::ZeroSlotLength);
        }
        let days = (0..WEEK_DAYS)
            .map(|offset| {
                let date = spec
                    .first_day
                    .checked_add_days(Days::new(offset))
                    .ok_or(WeekError::OutOfRange)?;
                layout_day(date, spec, zone)
            })
            .collect::<Result<Vec<Day>, WeekError>>()?;
        Ok(Week { days })
    }

    /// The seven days, in order.
    pub fn days(&self) -> &[Day] {
        &self.days
    }

    /// Every slot of the week, in UTC order.
    pub fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.days.iter().flat_map(|day| day.slots.iter())
    }
}

/// The UTC span of the seven local days starting on `first_day`: what to fetch.
///
/// Whole days, not just the visible hours, so that one fetch serves any visible hours and
/// all-day periods are seen whole. A DST change makes the span 167 or 169 hours long.
///
/// # Errors
///
/// [`WeekError::OutOfRange`] at the edges of the representable calendar.
///
/// # Example
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use freebusy_core::week::week_window;
///
/// let window = week_window(&Utc, NaiveDate::from_ymd_opt(2026, 4, 20).unwrap())?;
/// assert_eq!(window.start(), Utc.with_ymd_and_hms(2026, 4, 20, 0, 0, 0).unwrap());
/// assert_eq!(window.end(), Utc.with_ymd_and_hms(2026, 4, 27, 0, 0, 0).unwrap());
/// # Ok::<(), freebusy_core::week::WeekError>(())
/// ```
pub fn week_window<Z: Zone + ?Sized>(zone: &Z, first_day: NaiveDate) -> Result<Window, WeekError> {
    let after = first_day
        .checked_add_days(Days::new(WEEK_DAYS))
        .ok_or(WeekError::OutOfRange)?;
    let start = day_start(zone, first_day).ok_or(WeekError::OutOfRange)?;
    let end = day_start(zone, after).ok_or(WeekError::OutOfRange)?;
    Window::new(start, end).map_err(|_| WeekError::OutOfRange)
}

fn local_minute(date: NaiveDate, minute: u16) -> Option<NaiveDateTime> {
    date.and_time(chrono::NaiveTime::MIN)
        .checked_add_signed(TimeDelta::minutes(i64::from(minute)))
}

fn layout_day<Z: Zone + ?Sized>(
    date: NaiveDate,
    spec: &WeekSpec,
    zone: &Z,
) -> Result<Day, WeekError> {
    let visible_at = |minute| {
        local_minute(date, minute)
            .and_then(|local| earliest_at_or_after(zone, local))
            .ok_or(WeekError::OutOfRange)
    };
    let visible_start = visible_at(spec.visible.start_minute)?;
    let visible_end = visible_at(spec.visible.end_minute)?;
    let Ok(visible) = Window::new(visible_start, visible_end) else {
        return Ok(Day {
            date,
            visible: None,
            slots: Vec::new(),
        });
    };

    let mut starts: Vec<(NaiveDateTime, DateTime<Utc>)> = Vec::new();
    let boundaries = (spec.visible.start_minute..spec.visible.end_minute)
        .step_by(usize::from(spec.slot_minutes));
    for minute in boundaries {
        let local = local_minute(date, minute).ok_or(WeekError::OutOfRange)?;
        match resolve_local(zone, local) {
            MappedLocalTime::Single(instant) => starts.push((local, instant)),
            MappedLocalTime::Ambiguous(earlier, later) => {
                starts.push((local, earlier));
                starts.push((local, later));
            }
            MappedLocalTime::None => {}
        }
    }
    // A boundary repeated near the visible end can fall after it (the clock reached the
    // end, then went back): such a start is outside the visible span.
    starts.retain(|&(_, instant)| visible.contains(instant));
    starts.sort_unstable_by_key(|&(_, instant)| instant);

    let ends = starts
        .iter()
        .skip(1)
        .map(|&(_, instant)| instant)
        .chain([visible.end()]);
    let slots = starts
        .iter()
        .zip(ends)
        .filter_map(|(&(local, start), end)| Slot::new(local, zone.offset_at(start), start, end))
        .collect();
    Ok(Day {
        date,
        visible: Some(visible),
        slots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Any day of the week, for any first weekday, maps into the week that contains it.
    #[test]
    fn week_start_is_within_the_six_days_before() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        for first in [Weekday::Mon, Weekday::Sat, Weekday::Sun] {
            let start = week_start(date, first).unwrap();
            assert_eq!(start.weekday(), first);
            assert!((date - start).num_days() < 7 && start <= date);
        }
    }

    // A zero slot length is an error, not an infinite loop.
    #[test]
    fn a_zero_slot_length_is_rejected() {
        let spec = WeekSpec {
            first_day: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
            visible: VisibleHours::whole_day(),
            slot_minutes: 0,
        };
        assert_eq!(Week::layout(&spec, &Utc), Err(WeekError::ZeroSlotLength));
    }

    // Weeks at the end of the calendar give an error, never a panic.
    #[test]
    fn a_week_at_the_end_of_the_calendar_is_out_of_range() {
        let spec = WeekSpec {
            first_day: NaiveDate::MAX,
            visible: VisibleHours::whole_day(),
            slot_minutes: 60,
        };
        assert_eq!(Week::layout(&spec, &Utc), Err(WeekError::OutOfRange));
        assert_eq!(
            week_window(&Utc, NaiveDate::MAX),
            Err(WeekError::OutOfRange)
        );
        // Some weekday before the first representable date has no week start.
        assert!(
            [Weekday::Mon, Weekday::Sun]
                .iter()
                .any(|&first| week_start(NaiveDate::MIN, first).is_none())
        );
    }

    // A slot longer than the visible hours gives one slot cut at the visible end.
    #[test]
    fn a_slot_longer_than_the_visible_hours_is_cut_at_the_end() {
        let spec = WeekSpec {
            first_day: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
            visible: VisibleHours::new(9 * 60, 10 * 60).unwrap(),
            slot_minutes: 90,
        };
        let week = Week::layout(&spec, &Utc).unwrap();
        let slot = week.days()[0].slots()[0];
        assert_eq!(slot.end() - slot.start(), TimeDelta::hours(1));
    }
}
