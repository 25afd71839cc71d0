//! One host as the rule sees them, and what their rules mean in UTC.

use core::fmt;

use chrono::{DateTime, Days, MappedLocalTime, NaiveDate, NaiveTime, TimeDelta, Utc};

use super::{Rules, windows};
use crate::zone::{Zone, day_start, earliest_at_or_after, local_time_at, resolve_local};
use crate::{Availability, Status, Window};

/// One host of a meeting: their rules, their home zone, their merged calendars and
/// their bookings.
///
/// - `zone` answers for [`Rules::time_zone`]: chrono-tz on the server, the browser's
///   `Intl` in the widget. The engine never looks the name up itself.
/// - `availability` is the host's merged free/busy ([`Availability::merge`]).
/// - `bookings` are the host's bookings not cancelled, on (at least) the local days the
///   question covers. They count towards [`Rules::max_per_day`] and are busy time,
///   whether or not `availability` holds them too (on the server it does: bookings are
///   events of the host's bookings calendar). The widget, which cannot see which busy
///   time is a booking, passes none; the server's check still counts them.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::rule::{Host, Rules};
/// use freebusy_core::{Availability, Window};
///
/// let rules = Rules::default();
/// let free = Availability::default();
/// let booked = [Window::new(
///     Utc.with_ymd_and_hms(2026, 4, 20, 9, 0, 0).unwrap(),
///     Utc.with_ymd_and_hms(2026, 4, 20, 9, 30, 0).unwrap(),
/// )?];
/// let host = Host::new(&rules, &Utc, &free).with_bookings(&booked);
/// assert_eq!(host.bookings.len(), 1);
/// # Ok::<(), freebusy_core::PeriodError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Host<'a> {
    /// The host's rules.
    pub rules: &'a Rules,
    /// The host's home zone, the one [`Rules::time_zone`] names.
    pub zone: &'a dyn Zone,
    /// The host's merged calendars.
    pub availability: &'a Availability,
    /// The host's bookings (not cancelled).
    pub bookings: &'a [Window],
}

impl fmt::Debug for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host")
            .field("rules", self.rules)
            .field("zone", &self.rules.time_zone())
            .field("availability", self.availability)
            .field("bookings", &self.bookings)
            .finish()
    }
}

impl<'a> Host<'a> {
    /// A host without bookings.
    pub fn new(rules: &'a Rules, zone: &'a dyn Zone, availability: &'a Availability) -> Host<'a> {
        Host {
            rules,
            zone,
            availability,
            bookings: &[],
        }
    }

    /// The same host with these bookings.
    pub fn with_bookings(self, bookings: &'a [Window]) -> Host<'a> {
        Host { bookings, ..self }
    }
}

impl Rules {
    /// The host's working time within `span`, in UTC: sorted, disjoint, and coalesced
    /// (a range ending at 24:00 joins one starting at 00:00 the next day).
    ///
    /// Each range runs from the first instant the wall clock in `zone` reads its start
    /// (or later) to the first instant it reads its end (or later). So working hours
    /// stay on the local clock across DST changes; a range across a spring-forward gap
    /// is shorter in real time and one across a fall-back fold longer; a range inside a
    /// gap is no time at all; and a range ending in a fold ends the first time the
    /// clock reads its end.
    ///
    /// # Example
    ///
    /// A host in London works 09:00–17:00 local on both sides of the change to summer
    /// time (29 March 2026):
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use freebusy_core::Window;
    /// use freebusy_core::rule::Rules;
    ///
    /// let rules = Rules::default().with_time_zone("Europe/London")?;
    /// let london = chrono_tz::Europe::London;
    /// let week = Window::new(
    ///     Utc.with_ymd_and_hms(2026, 3, 27, 0, 0, 0).unwrap(),
    ///     Utc.with_ymd_and_hms(2026, 3, 31, 0, 0, 0).unwrap(),
    /// )?;
    /// let hours: Vec<(u32, u32)> = rules
    ///     .working_windows(&london, week)
    ///     .iter()
    ///     .map(|w| (chrono::Timelike::hour(&w.start()), chrono::Timelike::hour(&w.end())))
    ///     .collect();
    /// // Friday in GMT, Monday in BST (UTC+1): 09:00–17:00 on the wall clock both days.
    /// assert_eq!(hours, [(9, 17), (8, 16)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn working_windows(&self, zone: &dyn Zone, span: Window) -> Vec<Window> {
        let mut working: Vec<Window> = Vec::new();
        for date in local_days(zone, span) {
            for range in self.hours_on(date) {
                let start = at_minute(zone, date, range.start_minute());
                let end = at_minute(zone, date, range.end_minute());
                if let (Some(start), Some(end)) = (start, end)
                    && let Ok(window) = Window::new(start.max(span.start()), end.min(span.end()))
                {
                    windows::add(&mut working, window);
                }
            }
        }
        working
    }
}

/// `instant` plus `minutes` (which may be negative); `None` past the calendar's edges.
///
/// In Unix seconds rather than through `TimeDelta`: one small path for every offset the
/// rule adds, where chrono's date-normalising addition would be inlined at each.
pub(crate) fn plus_minutes(instant: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
    let seconds = instant.timestamp().checked_add(minutes.checked_mul(60)?)?;
    DateTime::from_timestamp(seconds, instant.timestamp_subsec_nanos())
}

/// The seconds from `start` to `end` and whether they are whole (no fraction left).
pub(crate) fn seconds_between(start: DateTime<Utc>, end: DateTime<Utc>) -> (i64, bool) {
    (
        end.timestamp() - start.timestamp(),
        end.timestamp_subsec_nanos() == start.timestamp_subsec_nanos(),
    )
}

/// The local date in `zone` at `instant`.
pub(crate) fn local_date(zone: &dyn Zone, instant: DateTime<Utc>) -> Option<NaiveDate> {
    local_time_at(zone, instant).map(|local| local.date())
}

/// Every local date whose day could meet `span`: from the day before its start's to the
/// day after its end's (offsets are under a day, so that is enough).
///
/// Loops and vectors rather than iterator adapters throughout this module: nested
/// `flat_map`s cost the widget's bundle several times the code of a loop.
pub(crate) fn local_days(zone: &dyn Zone, span: Window) -> Vec<NaiveDate> {
    let first = local_date(zone, span.start()).and_then(|date| date.pred_opt());
    let last = local_date(zone, span.end()).and_then(|date| date.succ_opt());
    let mut days = Vec::new();
    if let (Some(mut date), Some(last)) = (first, last) {
        while date <= last {
            days.push(date);
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
    }
    days
}

/// The local wall-clock time `minute` minutes after midnight of `date` (1440 is the
/// next midnight).
fn local_minute(date: NaiveDate, minute: u32) -> Option<chrono::NaiveDateTime> {
    date.and_time(NaiveTime::MIN)
        .checked_add_signed(TimeDelta::minutes(i64::from(minute)))
}

/// The first instant the wall clock reads `minute` of `date` or later.
fn at_minute(zone: &dyn Zone, date: NaiveDate, minute: u32) -> Option<DateTime<Utc>> {
    local_minute(date, minute).and_then(|local| earliest_at_or_after(zone, local))
}

/// The start times the host's grid offers on local date `date`, pushed onto `starts`:
/// each working range's start and every step after it within the range, on the wall
/// clock; a time that occurs twice (a fall-back fold) gives both instants, one that does
/// not occur (a spring-forward gap) none. Each has `date` as its local date.
pub(crate) fn starts_on(
    rules: &Rules,
    zone: &dyn Zone,
    date: NaiveDate,
    starts: &mut Vec<DateTime<Utc>>,
) {
    let step = rules.step_minutes().max(1);
    for range in rules.hours_on(date) {
        let mut minute = range.start_minute();
        while minute < range.end_minute() {
            match local_minute(date, minute).map(|local| resolve_local(zone, local)) {
                Some(MappedLocalTime::Single(only)) => starts.push(only),
                Some(MappedLocalTime::Ambiguous(earlier, later)) => {
                    starts.push(earlier);
                    starts.push(later);
                }
                _ => {}
            }
            minute += step;
        }
    }
}

/// A host's rules resolved for one question: the instants their notice and horizon
/// allow, their working time over the span asked about, their bookings by local day.
pub(crate) struct HostView<'a> {
    /// The host's position in the question.
    pub(crate) index: usize,
    pub(crate) host: Host<'a>,
    /// No meeting may start before this: now plus the notice.
    pub(crate) earliest: DateTime<Utc>,
    /// The last local date a meeting may start on.
    pub(crate) last_day: NaiveDate,
    /// The first instant after `last_day`; `None` past the end of the calendar.
    pub(crate) horizon_end: Option<DateTime<Utc>>,
    /// Working time within the span.
    pub(crate) working: Vec<Window>,
    /// The local start date of each booking (a host has few in a window: scanned, not
    /// sorted).
    booking_days: Vec<NaiveDate>,
}

/// Now plus the host's notice.
pub(crate) fn earliest_start(rules: &Rules, now: DateTime<Utc>) -> DateTime<Utc> {
    plus_minutes(now, i64::from(rules.notice_minutes())).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The last local date a booking may start on, and the instant that day ends.
pub(crate) fn horizon(host: &Host<'_>, now: DateTime<Utc>) -> (NaiveDate, Option<DateTime<Utc>>) {
    let last_day = local_date(host.zone, now)
        .and_then(|today| today.checked_add_days(Days::new(u64::from(host.rules.horizon_days()))))
        .unwrap_or(NaiveDate::MAX);
    let end = last_day
        .succ_opt()
        .and_then(|after| day_start(host.zone, after));
    (last_day, end)
}

impl<'a> HostView<'a> {
    /// The host's view of a question about meetings within `span`.
    pub(crate) fn new(index: usize, host: Host<'a>, now: DateTime<Utc>, span: Window) -> Self {
        let (last_day, horizon_end) = horizon(&host, now);
        let mut booking_days: Vec<NaiveDate> = Vec::with_capacity(host.bookings.len());
        for booking in host.bookings {
            booking_days.extend(local_date(host.zone, booking.start()));
        }
        HostView {
            index,
            host,
            earliest: earliest_start(host.rules, now),
            last_day,
            horizon_end,
            working: host.rules.working_windows(host.zone, span),
            booking_days,
        }
    }

    /// Whether all of `meeting` is working time.
    pub(crate) fn works_throughout(&self, meeting: Window) -> bool {
        let after = self
            .working
            .partition_point(|window| window.start() <= meeting.start());
        after
            .checked_sub(1)
            .and_then(|index| self.working.get(index))
            .is_some_and(|window| meeting.end() <= window.end())
    }

    /// How many bookings start on local day `day`.
    fn bookings_on(&self, day: NaiveDate) -> usize {
        self.booking_days.iter().filter(|&&d| d == day).count()
    }

    /// Whether the local day of `instant` has as many bookings as the rules allow.
    pub(crate) fn day_is_full(&self, instant: DateTime<Utc>) -> bool {
        let limit = self.host.rules.max_per_day();
        limit.is_some_and(|limit| {
            local_date(self.host.zone, instant)
                .is_some_and(|day| self.bookings_on(day) >= limit as usize)
        })
    }

    /// The local days that have as many bookings as the rules allow.
    pub(crate) fn full_days(&self) -> Vec<NaiveDate> {
        let Some(limit) = self.host.rules.max_per_day() else {
            return Vec::new();
        };
        let mut full: Vec<NaiveDate> = Vec::new();
        for &day in &self.booking_days {
            if !full.contains(&day) && self.bookings_on(day) >= limit as usize {
                full.push(day);
            }
        }
        full
    }

    /// Whether the rules keep a meeting off time of `status` ([`Status::is_bookable`],
    /// with the host's choice about tentative time).
    fn blocks(&self, status: Status) -> bool {
        !status.is_bookable(self.host.rules.book_over_tentative())
    }

    /// The strongest status in `window` that keeps a meeting out: of the host's
    /// calendars (tentative only if the rules say so) and of their bookings (busy).
    pub(crate) fn blocking_in(&self, window: Window) -> Option<Status> {
        let calendars = self
            .host
            .availability
            .overlapping(window)
            .iter()
            .map(|period| period.status())
            .filter(|&status| self.blocks(status))
            .max();
        let booked = self
            .host
            .bookings
            .iter()
            .any(|booking| booking.start() < window.end() && window.start() < booking.end())
            .then_some(Status::Busy);
        calendars.max(booked)
    }
}
