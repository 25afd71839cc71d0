//! The rule: which meetings can be booked with these hosts, and why one cannot.

use core::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::host::{
    HostView, earliest_start, horizon, local_date, local_days, plus_minutes, seconds_between,
    starts_on,
};
use super::{Host, windows};
use crate::{Status, Window};

/// The meetings that can be booked, as [`bookable`] found them: sorted by start, each
/// as long as the duration asked for.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::rule::{Host, Rules, bookable};
/// use freebusy_core::{Availability, Window};
///
/// let rules = Rules::default().with_notice_minutes(0)?;
/// let free = Availability::default();
/// let monday = Window::new(
///     Utc.with_ymd_and_hms(2026, 4, 20, 0, 0, 0).unwrap(),
///     Utc.with_ymd_and_hms(2026, 4, 21, 0, 0, 0).unwrap(),
/// )?;
/// let now = Utc.with_ymd_and_hms(2026, 4, 19, 12, 0, 0).unwrap();
/// let openings = bookable(&[Host::new(&rules, &Utc, &free)], 30, now, monday);
/// assert_eq!(openings.meetings().len(), 16); // 09:00, 09:30, … 16:30
/// let morning = Window::new(
///     Utc.with_ymd_and_hms(2026, 4, 20, 9, 0, 0).unwrap(),
///     Utc.with_ymd_and_hms(2026, 4, 20, 10, 0, 0).unwrap(),
/// )?;
/// assert_eq!(openings.starting_within(morning).len(), 2);
/// assert!(openings.starts_at(Utc.with_ymd_and_hms(2026, 4, 20, 16, 30, 0).unwrap()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Openings {
    meetings: Vec<Window>,
}

impl Openings {
    /// The bookable meetings, sorted by start.
    pub fn meetings(&self) -> &[Window] {
        &self.meetings
    }

    /// Whether nothing can be booked.
    pub fn is_empty(&self) -> bool {
        self.meetings.is_empty()
    }

    /// The bookable meetings that start within `window` (a grid cell, a day), found by
    /// binary search.
    pub fn starting_within(&self, window: Window) -> &[Window] {
        let from = self
            .meetings
            .partition_point(|meeting| meeting.start() < window.start());
        let to = self
            .meetings
            .partition_point(|meeting| meeting.start() < window.end());
        self.meetings.get(from..to).unwrap_or(&[])
    }

    /// Whether a bookable meeting starts at `instant`.
    pub fn starts_at(&self, instant: DateTime<Utc>) -> bool {
        self.meetings
            .binary_search_by_key(&instant, |meeting| meeting.start())
            .is_ok()
    }
}

/// Why one host's rules or calendars refuse a meeting.
///
/// [`Reason::code`] is a stable snake_case name for APIs and the widget's message
/// catalogue; `Display` is a short English sentence for logs and API messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The meeting's length is not one the host offers.
    NotOffered,
    /// The meeting is longer than the longest length the host offers.
    TooLong {
        /// The longest length offered, in minutes.
        longest_minutes: u32,
    },
    /// The meeting starts sooner than the host's minimum notice allows (or in the past).
    TooSoon {
        /// The earliest start the notice allows.
        earliest: DateTime<Utc>,
    },
    /// The meeting starts further ahead than the host's booking horizon.
    TooFarAhead {
        /// The last local date a meeting may start on.
        last_day: NaiveDate,
    },
    /// Some of the meeting is outside the host's working hours.
    OutsideWorkingHours,
    /// The meeting does not start at one of the start times the host offers.
    NotOnStep {
        /// The host's step, in minutes.
        step_minutes: u32,
    },
    /// The host's day has as many bookings as they allow.
    DayFull {
        /// The host's limit of bookings per day.
        limit: u32,
    },
    /// The host's calendars (or bookings) hold the time.
    Busy {
        /// The strongest status in the meeting's time that keeps it out.
        status: Status,
    },
    /// The time the host keeps free before or after a meeting is not free.
    WithinBuffer {
        /// The strongest status in the buffer that keeps it out.
        status: Status,
    },
}

impl Reason {
    /// The stable name: `not_offered`, `too_long`, `too_soon`, `too_far_ahead`,
    /// `outside_working_hours`, `not_on_step`, `day_full`, `busy`, `within_buffer`.
    pub const fn code(&self) -> &'static str {
        match self {
            Reason::NotOffered => "not_offered",
            Reason::TooLong { .. } => "too_long",
            Reason::TooSoon { .. } => "too_soon",
            Reason::TooFarAhead { .. } => "too_far_ahead",
            Reason::OutsideWorkingHours => "outside_working_hours",
            Reason::NotOnStep { .. } => "not_on_step",
            Reason::DayFull { .. } => "day_full",
            Reason::Busy { .. } => "busy",
            Reason::WithinBuffer { .. } => "within_buffer",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotOffered => f.write_str("this meeting length is not offered"),
            Reason::TooLong { longest_minutes } => write!(
                f,
                "the meeting is longer than the longest offered ({longest_minutes} minutes)"
            ),
            Reason::TooSoon { .. } => {
                f.write_str("the meeting starts sooner than the minimum notice allows")
            }
            Reason::TooFarAhead { .. } => {
                f.write_str("the meeting starts further ahead than bookings are taken")
            }
            Reason::OutsideWorkingHours => f.write_str("the meeting is outside working hours"),
            Reason::NotOnStep { step_minutes } => write!(
                f,
                "the meeting does not start at an offered start time (every {step_minutes} minutes)"
            ),
            Reason::DayFull { limit } => write!(f, "the day is full ({limit} bookings)"),
            Reason::Busy { status } => write!(f, "the time is not free ({status})"),
            Reason::WithinBuffer { status } => {
                write!(
                    f,
                    "the time kept free around the meeting is not free ({status})"
                )
            }
        }
    }
}

/// Why a meeting cannot be booked: no host was given, or one host refuses, and why.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::rule::{Host, Reason, Refusal, Rules, check};
/// use freebusy_core::{Availability, Window};
///
/// let rules = Rules::default();
/// let free = Availability::default();
/// let saturday = Window::new(
///     Utc.with_ymd_and_hms(2026, 4, 25, 10, 0, 0).unwrap(),
///     Utc.with_ymd_and_hms(2026, 4, 25, 10, 30, 0).unwrap(),
/// )?;
/// let now = Utc.with_ymd_and_hms(2026, 4, 20, 12, 0, 0).unwrap();
/// let refusal = check(&[Host::new(&rules, &Utc, &free)], saturday, now).unwrap_err();
/// assert_eq!(refusal, Refusal::Host { host: 0, reason: Reason::OutsideWorkingHours });
/// assert_eq!(refusal.code(), "outside_working_hours");
/// # Ok::<(), freebusy_core::PeriodError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// No host was given: there is nobody to meet.
    NoHosts,
    /// A host refuses it.
    Host {
        /// The host's position in the list given.
        host: usize,
        /// Why.
        reason: Reason,
    },
}

impl Refusal {
    /// The refusing host's position, if any.
    pub fn host(&self) -> Option<usize> {
        match self {
            Refusal::NoHosts => None,
            Refusal::Host { host, .. } => Some(*host),
        }
    }

    /// Why the host refuses, if a host does.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Refusal::NoHosts => None,
            Refusal::Host { reason, .. } => Some(*reason),
        }
    }

    /// The stable name: `no_hosts`, or the [`Reason::code`].
    pub const fn code(&self) -> &'static str {
        match self {
            Refusal::NoHosts => "no_hosts",
            Refusal::Host { reason, .. } => reason.code(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoHosts => f.write_str("there is no host to meet"),
            Refusal::Host { host, reason } => write!(f, "host {host}: {reason}"),
        }
    }
}

impl std::error::Error for Refusal {}

/// The meeting lengths, in minutes, that every one of `hosts` offers, shortest first:
/// the choice to give a visitor (empty without hosts).
///
/// # Example
///
/// ```
/// use chrono::Utc;
/// use freebusy_core::Availability;
/// use freebusy_core::rule::{Host, Rules, durations_offered};
///
/// let (ana, bo) = (
///     Rules::default().with_durations_minutes(&[15, 30, 60])?,
///     Rules::default().with_durations_minutes(&[30, 45, 60])?,
/// );
/// let free = Availability::default();
/// let hosts = [Host::new(&ana, &Utc, &free), Host::new(&bo, &Utc, &free)];
/// assert_eq!(durations_offered(&hosts), [30, 60]);
/// # Ok::<(), freebusy_core::rule::RuleError>(())
/// ```
pub fn durations_offered(hosts: &[Host<'_>]) -> Vec<u32> {
    let Some((first, others)) = hosts.split_first() else {
        return Vec::new();
    };
    let mut offered = first.rules.durations_minutes().to_vec();
    offered.retain(|&minutes| others.iter().all(|host| host.rules.offers(minutes)));
    offered
}

/// The meetings of `duration_minutes` that can be booked with all of `hosts`, starting
/// within `window`, as of `now`.
///
/// A start is bookable when, for every host: the duration is one they offer; it is at
/// least their notice after `now` and on or before the last day of their horizon (in
/// their zone); the whole meeting is inside their working hours; their local day is
/// not full; and the meeting, with their buffers before and after it, covers no time
/// their calendars or bookings hold (tentative time only if they allow booking over
/// it). Starts come from the first host's grid (each working range's start and every
/// step after it, on their wall clock): the first host is the organiser, and with
/// hosts in zones half an hour apart no common grid would exist.
///
/// [`check`] is the same rule for one meeting: it accepts exactly the meetings this
/// returns.
///
/// # Example
///
/// Alice in London and Bo in New York, both 09:00–17:00 local, share the afternoon in
/// London (the morning in New York):
///
/// ```
/// use chrono::{TimeZone, Timelike, Utc};
/// use freebusy_core::rule::{Host, Rules, bookable};
/// use freebusy_core::{Availability, Window};
///
/// let hour = Rules::default().with_durations_minutes(&[60])?.with_step_minutes(60)?;
/// let london = hour.clone().with_time_zone("Europe/London")?;
/// let new_york = hour.with_time_zone("America/New_York")?;
/// let free = Availability::default();
/// let hosts = [
///     Host::new(&london, &chrono_tz::Europe::London, &free),
///     Host::new(&new_york, &chrono_tz::America::New_York, &free),
/// ];
/// let day = Window::new(
///     Utc.with_ymd_and_hms(2026, 1, 14, 0, 0, 0).unwrap(),
///     Utc.with_ymd_and_hms(2026, 1, 15, 0, 0, 0).unwrap(),
/// )?;
/// let now = Utc.with_ymd_and_hms(2026, 1, 12, 9, 0, 0).unwrap();
/// let starts: Vec<u32> = bookable(&hosts, 60, now, day)
///     .meetings()
///     .iter()
///     .map(|meeting| meeting.start().hour())
///     .collect();
/// assert_eq!(starts, [14, 15, 16]); // 09:00, 10:00 and 11:00 in New York
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn bookable(
    hosts: &[Host<'_>],
    duration_minutes: u32,
    now: DateTime<Utc>,
    window: Window,
) -> Openings {
    let Some(first) = hosts.first() else {
        return Openings::default();
    };
    // Shortcuts only: each of these would refuse every start below anyway.
    if !hosts.iter().all(|host| host.rules.offers(duration_minutes)) {
        return Openings::default();
    }
    let duration = i64::from(duration_minutes);
    let from = hosts
        .iter()
        .map(|host| earliest_start(host.rules, now))
        .fold(window.start(), DateTime::max);
    let to = hosts
        .iter()
        .filter_map(|host| horizon(host, now).1)
        .fold(window.end(), DateTime::min);
    let (Ok(starts), Some(span_end)) = (Window::new(from, to), plus_minutes(to, duration)) else {
        return Openings::default();
    };
    let Ok(span) = Window::new(from, span_end) else {
        return Openings::default();
    };
    let views = views(hosts, now, span);
    let mut candidates = Vec::new();
    for date in local_days(first.zone, starts) {
        starts_on(first.rules, first.zone, date, &mut candidates);
    }
    let mut meetings: Vec<Window> = Vec::new();
    for start in candidates {
        if let Some(end) = plus_minutes(start, duration)
            && let Ok(meeting) = Window::new(start, end)
            && starts.contains(start)
            && refusal(&views, meeting, true).is_ok()
        {
            // In order but for a fold's second instants, which come after the next
            // label's first.
            windows::insert_by_start(&mut meetings, meeting);
        }
    }
    Openings { meetings }
}

/// Whether `meeting` can be booked with all of `hosts` as of `now`, and if not, why.
///
/// The same rule as [`bookable`], for one meeting: `check` accepts a meeting exactly
/// when `bookable` with its length returns it, so the server (which checks) and the
/// widget (which lists) cannot disagree. Where several reasons apply, the first in this
/// order is given, checked for every host before the next: length, notice, horizon,
/// working hours, start step (first host), day full, busy, buffer.
///
/// # Errors
///
/// [`Refusal::NoHosts`] without hosts, else [`Refusal::Host`] with the host and the
/// [`Reason`].
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::rule::{Host, Reason, Refusal, Rules, check};
/// use freebusy_core::{Availability, Period, Status, Window};
///
/// let rules = Rules::default().with_buffers_minutes(15, 0)?;
/// let calendar = Availability::merge([Period::new(
///     Utc.with_ymd_and_hms(2026, 4, 20, 9, 0, 0).unwrap(),
///     Utc.with_ymd_and_hms(2026, 4, 20, 10, 0, 0).unwrap(),
///     Status::Busy,
/// )?]);
/// let hosts = [Host::new(&rules, &Utc, &calendar)];
/// let now = Utc.with_ymd_and_hms(2026, 4, 17, 12, 0, 0).unwrap();
/// let at = |h, m| Utc.with_ymd_and_hms(2026, 4, 20, h, m, 0).unwrap();
///
/// let right_after = Window::new(at(10, 0), at(10, 30))?;
/// assert_eq!(
///     check(&hosts, right_after, now),
///     Err(Refusal::Host { host: 0, reason: Reason::WithinBuffer { status: Status::Busy } }),
/// );
/// assert_eq!(check(&hosts, Window::new(at(10, 30), at(11, 0))?, now), Ok(()));
/// assert_eq!(
///     check(&hosts, Window::new(at(10, 30), at(11, 15))?, now).unwrap_err().code(),
///     "too_long",
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check(hosts: &[Host<'_>], meeting: Window, now: DateTime<Utc>) -> Result<(), Refusal> {
    let Some(first) = hosts.first() else {
        return Err(Refusal::NoHosts);
    };
    let views = views(hosts, now, meeting);
    let start = meeting.start();
    let mut starts = Vec::new();
    if let Some(date) = local_date(first.zone, start) {
        starts_on(first.rules, first.zone, date, &mut starts);
    }
    let on_step = starts.contains(&start);
    refusal(&views, meeting, on_step)
}

fn views<'a>(hosts: &[Host<'a>], now: DateTime<Utc>, span: Window) -> Vec<HostView<'a>> {
    hosts
        .iter()
        .enumerate()
        .map(|(index, host)| HostView::new(index, *host, now, span))
        .collect()
}

/// The meeting's length in whole minutes; `None` for a length with seconds.
fn whole_minutes(meeting: Window) -> Option<u32> {
    let (seconds, whole) = seconds_between(meeting.start(), meeting.end());
    (whole && seconds % 60 == 0)
        .then(|| u32::try_from(seconds / 60).ok())
        .flatten()
}

/// The checks, in the order their reasons are given.
#[derive(Clone, Copy)]
enum Test {
    Length,
    Notice,
    Horizon,
    WorkingHours,
    Step,
    DayFull,
    Busy,
    Buffer,
}

const TESTS: [Test; 8] = [
    Test::Length,
    Test::Notice,
    Test::Horizon,
    Test::WorkingHours,
    Test::Step,
    Test::DayFull,
    Test::Busy,
    Test::Buffer,
];

/// The first refusal, test by test, each for every host in turn.
///
/// `on_step` says whether the meeting starts on the first host's grid: [`bookable`]
/// only asks about such starts, [`check`] looks it up. One loop over a `match` rather
/// than a closure per test: the same code, a fraction of the bytes in the widget.
fn refusal(views: &[HostView<'_>], meeting: Window, on_step: bool) -> Result<(), Refusal> {
    for test in TESTS {
        for view in views {
            if let Some(reason) = view_refuses(view, test, meeting, on_step) {
                return Err(Refusal::Host {
                    host: view.index,
                    reason,
                });
            }
        }
    }
    Ok(())
}

fn view_refuses(view: &HostView<'_>, test: Test, meeting: Window, on_step: bool) -> Option<Reason> {
    let rules = view.host.rules;
    let start = meeting.start();
    match test {
        Test::Length => {
            let longest_minutes = rules.durations_minutes().last().copied().unwrap_or(0);
            let (seconds, whole) = seconds_between(start, meeting.end());
            let longest = i64::from(longest_minutes) * 60;
            if seconds > longest || (seconds == longest && !whole) {
                Some(Reason::TooLong { longest_minutes })
            } else {
                let offered = whole_minutes(meeting).is_some_and(|m| rules.offers(m));
                (!offered).then_some(Reason::NotOffered)
            }
        }
        Test::Notice => (start < view.earliest).then_some(Reason::TooSoon {
            earliest: view.earliest,
        }),
        Test::Horizon => {
            view.horizon_end
                .is_some_and(|end| start >= end)
                .then_some(Reason::TooFarAhead {
                    last_day: view.last_day,
                })
        }
        Test::WorkingHours => {
            (!view.works_throughout(meeting)).then_some(Reason::OutsideWorkingHours)
        }
        // The grid is the first host's.
        Test::Step => (view.index == 0 && !on_step).then_some(Reason::NotOnStep {
            step_minutes: rules.step_minutes(),
        }),
        Test::DayFull => view.day_is_full(start).then(|| Reason::DayFull {
            limit: rules.max_per_day().unwrap_or(0),
        }),
        Test::Busy => view
            .blocking_in(meeting)
            .map(|status| Reason::Busy { status }),
        Test::Buffer => {
            let before = plus_minutes(start, -i64::from(rules.buffer_before_minutes()))
                .and_then(|from| Window::new(from, start).ok());
            let after = plus_minutes(meeting.end(), i64::from(rules.buffer_after_minutes()))
                .and_then(|to| Window::new(meeting.end(), to).ok());
            let status = before
                .and_then(|buffer| view.blocking_in(buffer))
                .max(after.and_then(|buffer| view.blocking_in(buffer)));
            status.map(|status| Reason::WithinBuffer { status })
        }
    }
}
