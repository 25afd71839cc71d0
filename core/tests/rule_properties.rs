//! Properties of the rule, checked against a brute-force reference on random hosts,
//! calendars and bookings, in windows around the DST changes of real zones.
//!
//! The reference reads the rules literally, minute by minute: a range of a local date
//! runs from the first minute at which the zone's wall clock reads its start (or later)
//! to the first minute it reads its end (found by scanning, not by the engine's
//! bisection); a meeting is inside working hours when each of its minutes is; its start
//! must be a wall-clock time of the first host's grid; and so on for each setting.

// proptest needs an OS random source: native only.
#![cfg(not(target_arch = "wasm32"))]

use chrono::{
    DateTime, Days, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc,
};
use chrono_tz::Tz;
use freebusy_core::rule::{Host, Reason, Refusal, Rules, TimeRange, bookable, check, unavailable};
use freebusy_core::wire::rules as rules_wire;
use freebusy_core::zone::{Zone, local_time_at, resolve_local};
use freebusy_core::{Availability, Period, Status, Window};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Zones with whole-hour, half-hour (Lord Howe), 45-minute (Chatham, Kathmandu) and no
/// DST changes, and offsets from -5 to +13:45.
const ZONES: [(&str, Tz); 7] = [
    ("Europe/London", chrono_tz::Europe::London),
    ("America/New_York", chrono_tz::America::New_York),
    ("Australia/Lord_Howe", chrono_tz::Australia::Lord_Howe),
    ("Pacific/Chatham", chrono_tz::Pacific::Chatham),
    ("Asia/Kathmandu", chrono_tz::Asia::Kathmandu),
    ("Asia/Kolkata", chrono_tz::Asia::Kolkata),
    ("UTC", chrono_tz::UTC),
];

/// Days of 2026 on which one of those zones (by index) changes offset, and one on which
/// none does.
const DAYS: [(u32, u32, usize); 9] = [
    (3, 8, 1),   // New York springs forward
    (3, 29, 0),  // London springs forward
    (4, 5, 2),   // Lord Howe falls back by half an hour
    (4, 5, 3),   // Chatham falls back
    (9, 27, 3),  // Chatham springs forward
    (10, 4, 2),  // Lord Howe springs forward by half an hour
    (10, 25, 0), // London falls back
    (11, 1, 1),  // New York falls back
    (6, 15, 6),  // nothing changes
];

const DURATIONS: [u32; 5] = [15, 30, 45, 60, 90];

fn minute() -> TimeDelta {
    TimeDelta::minutes(1)
}

#[derive(Clone, Debug)]
struct HostCase {
    zone: Tz,
    rules: Rules,
    availability: Availability,
    /// Also the periods the calendars hold, for the reference's linear scans.
    periods: Vec<Period>,
    bookings: Vec<Window>,
}

#[derive(Clone, Debug)]
struct Scenario {
    hosts: Vec<HostCase>,
    now: DateTime<Utc>,
    window: Window,
    duration: u32,
}

impl Scenario {
    fn hosts(&self) -> Vec<Host<'_>> {
        self.hosts
            .iter()
            .map(|host| {
                Host::new(&host.rules, &host.zone, &host.availability).with_bookings(&host.bookings)
            })
            .collect()
    }

    fn meeting(&self, start: DateTime<Utc>) -> Window {
        Window::new(start, start + TimeDelta::minutes(i64::from(self.duration))).unwrap()
    }
}

/// A day's ranges on 5-minute boundaries: anywhere in the day, in the small hours where
/// clocks change, or one long range.
fn day_ranges() -> impl Strategy<Value = Vec<TimeRange>> {
    let boundaries = |most| {
        prop::collection::vec(0_u32..=most, 0..=6).prop_map(|mut boundaries| {
            boundaries.sort_unstable();
            boundaries.dedup();
            boundaries
                .chunks_exact(2)
                .map(|pair| TimeRange::new(pair[0] * 5, pair[1] * 5).unwrap())
                .collect::<Vec<_>>()
        })
    };
    prop_oneof![
        2 => boundaries(288),
        2 => boundaries(60),
        3 => (0_u32..=48, 192_u32..=288).prop_map(|(start, end)| {
            vec![TimeRange::new(start * 5, end * 5).unwrap()]
        }),
    ]
}

/// Spans on a 5-minute grid over the four days around `base`.
fn spans(base: DateTime<Utc>, count: usize, longest: i64) -> impl Strategy<Value = Vec<Window>> {
    prop::collection::vec((0_i64..4 * 288, 1_i64..=longest), 0..count).prop_map(move |spans| {
        spans
            .into_iter()
            .map(|(start, length)| {
                let start = base + TimeDelta::minutes(5 * start);
                Window::new(start, start + TimeDelta::minutes(5 * length)).unwrap()
            })
            .collect()
    })
}

/// A host, in the zone that changes on `base_day` (mostly) or any other.
fn host(base_day: NaiveDate, changing: usize, duration: u32) -> impl Strategy<Value = HostCase> {
    let base = (base_day - Days::new(2)).and_time(NaiveTime::MIN).and_utc();
    let rules = (
        prop_oneof![3 => Just(changing), 1 => 0..ZONES.len()],
        prop::array::uniform7(day_ranges()),
        (
            prop::option::of(day_ranges()),
            prop::collection::vec((0_u64..6, day_ranges()), 0..3),
        ),
        prop_oneof![2 => Just(0_u32), 1 => 0_u32..=600],
        prop_oneof![3 => 3_u32..=6, 1 => 0_u32..=2],
        (
            prop_oneof![Just(0_u32), 0_u32..=45],
            prop_oneof![Just(0_u32), 0_u32..=45],
        ),
        (
            prop::sample::subsequence(DURATIONS.to_vec(), 0..=5),
            prop::bool::weighted(0.8),
        ),
        prop::sample::select(vec![5_u32, 10, 15, 20, 30, 45, 60]),
        prop::option::of(1_u32..=3),
        any::<bool>(),
    );
    let calendars = (
        spans(base, 6, 36),
        prop::collection::vec(0..Status::ALL.len(), 6),
        spans(base, 4, 12),
    );
    (rules, calendars).prop_map(
        move |(
            (zone, weekly, overrides, notice, horizon, buffers, durations, step, max, tentative),
            (spans, statuses, bookings),
        )| {
            let (name, tz) = ZONES[zone];
            let mut rules = Rules::default().with_time_zone(name).unwrap();
            for (day, ranges) in weekly.iter().enumerate() {
                let weekday = chrono::Weekday::try_from(day as u8).unwrap();
                rules = rules.with_hours(weekday, ranges).unwrap();
            }
            let (on_the_day, overrides) = overrides;
            if let Some(ranges) = on_the_day {
                rules = rules.with_override(base_day, &ranges).unwrap();
            }
            for (offset, ranges) in overrides {
                rules = rules
                    .with_override(base_day - Days::new(2) + Days::new(offset), &ranges)
                    .unwrap();
            }
            let (mut offered, include) = durations;
            if include || offered.is_empty() {
                offered.push(duration);
            }
            offered.sort_unstable();
            offered.dedup();
            let rules = rules
                .with_notice_minutes(notice)
                .unwrap()
                .with_horizon_days(horizon)
                .unwrap()
                .with_buffers_minutes(buffers.0, buffers.1)
                .unwrap()
                .with_durations_minutes(&offered)
                .unwrap()
                .with_step_minutes(step)
                .unwrap()
                .with_max_per_day(max)
                .unwrap()
                .with_book_over_tentative(tentative);
            let periods: Vec<Period> = spans
                .iter()
                .zip(statuses)
                .map(|(span, status)| {
                    Period::new(span.start(), span.end(), Status::ALL[status]).unwrap()
                })
                .collect();
            HostCase {
                zone: tz,
                rules,
                availability: Availability::merge(periods.iter().copied()),
                periods,
                bookings,
            }
        },
    )
}

/// One to `max_hosts` hosts, a window of half a day to two days near a DST change, and
/// a `now` (any minute) from three days before the window to half a day into it.
fn scenario(max_hosts: usize) -> impl Strategy<Value = Scenario> {
    (0..DAYS.len(), prop::sample::select(DURATIONS.to_vec())).prop_flat_map(
        move |(day, duration)| {
            let (month, day, changing) = DAYS[day];
            let base_day = NaiveDate::from_ymd_opt(2026, month, day).unwrap();
            (
                prop::collection::vec(host(base_day, changing, duration), 1..=max_hosts),
                0_i64..48,
                1_i64..=4,
                (prop_oneof![-144_i64..=12, -24_i64..=24], 0_i64..30),
            )
                .prop_map(move |(hosts, start, halves, (now, minutes))| {
                    let start = (base_day - Days::new(1)).and_time(NaiveTime::MIN).and_utc()
                        + TimeDelta::minutes(30 * start);
                    let window = Window::new(start, start + TimeDelta::hours(12 * halves)).unwrap();
                    Scenario {
                        hosts,
                        now: start + TimeDelta::minutes(30 * now + minutes),
                        window,
                        duration,
                    }
                })
        },
    )
}

/// The first whole minute at which the wall clock in `zone` reads `local` or later,
/// by scanning minute by minute from before the earliest offset in force nearby.
fn first_reading(zone: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let as_utc = local.and_utc();
    let largest = [as_utc - TimeDelta::days(1), as_utc + TimeDelta::days(1)]
        .iter()
        .map(|&t| zone.offset_at(t).local_minus_utc())
        .max()
        .unwrap();
    let mut t = as_utc - TimeDelta::seconds(i64::from(largest)) - TimeDelta::minutes(2);
    while local_time_at(zone, t).unwrap() < local {
        t += minute();
    }
    t
}

/// The rules read literally, minute by minute.
struct Reference<'a> {
    scenario: &'a Scenario,
    /// Per host: each range of each nearby local date as `[first reading of its start,
    /// first reading of its end)`.
    working: Vec<Vec<(DateTime<Utc>, DateTime<Utc>)>>,
}

impl<'a> Reference<'a> {
    fn new(scenario: &'a Scenario) -> Self {
        let first = scenario.window.start().date_naive() - Days::new(3);
        let last = scenario.window.end().date_naive() + Days::new(3);
        let working = scenario
            .hosts
            .iter()
            .map(|host| {
                let mut spans = Vec::new();
                for date in first.iter_days().take_while(|d| *d <= last) {
                    let midnight = date.and_time(NaiveTime::MIN);
                    for range in host.rules.hours_on(date) {
                        let at = |m: u32| midnight + TimeDelta::minutes(i64::from(m));
                        let start = first_reading(&host.zone, at(range.start_minute()));
                        let end = first_reading(&host.zone, at(range.end_minute()));
                        if start < end {
                            spans.push((start, end));
                        }
                    }
                }
                spans
            })
            .collect();
        Reference { scenario, working }
    }

    fn host(&self, index: usize) -> &HostCase {
        &self.scenario.hosts[index]
    }

    fn local(&self, index: usize, t: DateTime<Utc>) -> NaiveDateTime {
        local_time_at(&self.host(index).zone, t).unwrap()
    }

    fn works_at(&self, index: usize, t: DateTime<Utc>) -> bool {
        self.working[index]
            .iter()
            .any(|&(start, end)| start <= t && t < end)
    }

    /// Whether each minute the meeting touches is working time (range boundaries and
    /// zone transitions fall on whole minutes).
    fn works_throughout(&self, index: usize, meeting: Window) -> bool {
        let start = meeting.start();
        let mut t = start - TimeDelta::seconds(start.timestamp().rem_euclid(60));
        while t < meeting.end() {
            if !self.works_at(index, t) {
                return false;
            }
            t += minute();
        }
        true
    }

    fn earliest(&self, index: usize) -> DateTime<Utc> {
        self.scenario.now + TimeDelta::minutes(i64::from(self.host(index).rules.notice_minutes()))
    }

    fn last_day(&self, index: usize) -> NaiveDate {
        self.local(index, self.scenario.now).date()
            + Days::new(u64::from(self.host(index).rules.horizon_days()))
    }

    fn past_horizon(&self, index: usize, t: DateTime<Utc>) -> bool {
        self.local(index, t).date() > self.last_day(index)
    }

    fn day_full(&self, index: usize, t: DateTime<Utc>) -> bool {
        let host = self.host(index);
        let day = self.local(index, t).date();
        let booked = host
            .bookings
            .iter()
            .filter(|booking| self.local(index, booking.start()).date() == day)
            .count();
        host.rules
            .max_per_day()
            .is_some_and(|limit| booked >= limit as usize)
    }

    /// Whether anything the host's rules keep a meeting off overlaps `[from, to)`.
    fn blocked(&self, index: usize, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        let host = self.host(index);
        let blocks = |status: Status| match status {
            Status::Free => false,
            Status::Tentative => !host.rules.book_over_tentative(),
            Status::Unknown | Status::Busy => true,
        };
        let overlaps = |start: DateTime<Utc>, end: DateTime<Utc>| start < to && from < end;
        host.periods
            .iter()
            .any(|p| blocks(p.status()) && overlaps(p.start(), p.end()))
            || host.bookings.iter().any(|b| overlaps(b.start(), b.end()))
    }

    fn buffers(&self, index: usize, meeting: Window) -> (DateTime<Utc>, DateTime<Utc>) {
        let rules = &self.host(index).rules;
        (
            meeting.start() - TimeDelta::minutes(i64::from(rules.buffer_before_minutes())),
            meeting.end() + TimeDelta::minutes(i64::from(rules.buffer_after_minutes())),
        )
    }

    /// Whether `start` is a wall-clock time of the first host's grid.
    fn on_grid(&self, start: DateTime<Utc>) -> bool {
        let rules = &self.host(0).rules;
        let local = self.local(0, start);
        let seconds = (local.time() - NaiveTime::MIN).num_seconds();
        seconds % 60 == 0
            && rules.hours_on(local.date()).iter().any(|range| {
                let minute = (seconds / 60) as u32;
                range.contains_minute(minute)
                    && (minute - range.start_minute()).is_multiple_of(rules.step_minutes())
            })
    }

    /// Whether host `index`'s rules and calendars allow `meeting` (the grid aside).
    fn allows(&self, index: usize, meeting: Window) -> bool {
        let rules = &self.host(index).rules;
        let (before, after) = self.buffers(index, meeting);
        rules.offers(self.scenario.duration)
            && meeting.start() >= self.earliest(index)
            && !self.past_horizon(index, meeting.start())
            && self.works_throughout(index, meeting)
            && !self.day_full(index, meeting.start())
            && !self.blocked(index, before, after)
    }

    fn admits(&self, meeting: Window) -> bool {
        self.on_grid(meeting.start())
            && (0..self.scenario.hosts.len()).all(|index| self.allows(index, meeting))
    }

    /// Whether `reason` is true of host `index` for `meeting`.
    fn holds(&self, index: usize, meeting: Window, reason: Reason) -> bool {
        let rules = &self.host(index).rules;
        let (before, after) = self.buffers(index, meeting);
        let minutes = (meeting.end() - meeting.start()).num_minutes() as u32;
        match reason {
            Reason::NotOffered => !rules.offers(minutes),
            Reason::TooLong { longest_minutes } => {
                minutes > longest_minutes
                    && rules.durations_minutes().last() == Some(&longest_minutes)
            }
            Reason::TooSoon { earliest } => {
                earliest == self.earliest(index) && meeting.start() < earliest
            }
            Reason::TooFarAhead { last_day } => {
                last_day == self.last_day(index) && self.past_horizon(index, meeting.start())
            }
            Reason::OutsideWorkingHours => !self.works_throughout(index, meeting),
            Reason::NotOnStep { .. } => index == 0 && !self.on_grid(meeting.start()),
            Reason::DayFull { .. } => self.day_full(index, meeting.start()),
            Reason::Busy { .. } => self.blocked(index, meeting.start(), meeting.end()),
            Reason::WithinBuffer { .. } => {
                !self.blocked(index, meeting.start(), meeting.end())
                    && self.blocked(index, before, after)
            }
        }
    }

    /// Every whole minute of the window.
    fn minutes(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        let window = self.scenario.window;
        (0..)
            .map(move |k| window.start() + TimeDelta::minutes(k))
            .take_while(move |t| *t < window.end())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    // Nothing outside working hours, inside the notice, past the horizon, on a full day,
    // busy or within a buffer is ever bookable: every opening lies wholly inside each
    // host's working hours and free time, and starts on the first host's grid.
    #[test]
    fn no_opening_is_outside_hours_too_soon_too_far_full_busy_or_within_a_buffer(
        scenario in scenario(3),
    ) {
        let reference = Reference::new(&scenario);
        let openings = bookable(&scenario.hosts(), scenario.duration, scenario.now, scenario.window);
        for meeting in openings.meetings() {
            prop_assert!(scenario.window.contains(meeting.start()));
            prop_assert_eq!(meeting.end() - meeting.start(), TimeDelta::minutes(i64::from(scenario.duration)));
            prop_assert!(reference.on_grid(meeting.start()), "{:?} is off the grid", meeting);
            for index in 0..scenario.hosts.len() {
                let (before, after) = reference.buffers(index, *meeting);
                prop_assert!(reference.works_throughout(index, *meeting), "host {} is not working at {:?}", index, meeting);
                prop_assert!(meeting.start() >= reference.earliest(index), "{:?} is within host {}'s notice", meeting, index);
                prop_assert!(!reference.past_horizon(index, meeting.start()), "{:?} is past host {}'s horizon", meeting, index);
                prop_assert!(!reference.day_full(index, meeting.start()), "{:?} is on host {}'s full day", meeting, index);
                prop_assert!(!reference.blocked(index, meeting.start(), meeting.end()), "host {} is busy at {:?}", index, meeting);
                prop_assert!(!reference.blocked(index, before, after), "{:?} is within host {}'s buffer", meeting, index);
            }
        }
        prop_assert!(openings.meetings().windows(2).all(|pair| pair[0].start() < pair[1].start()));
    }

    // And every start the rules allow is offered: the openings are exactly the starts
    // the reference admits, minute by minute across DST changes.
    #[test]
    fn every_start_the_rules_allow_is_offered(scenario in scenario(2)) {
        let reference = Reference::new(&scenario);
        let openings = bookable(&scenario.hosts(), scenario.duration, scenario.now, scenario.window);
        let admitted: Vec<DateTime<Utc>> = reference
            .minutes()
            .filter(|&t| reference.admits(scenario.meeting(t)))
            .collect();
        let offered: Vec<DateTime<Utc>> = openings.meetings().iter().map(|m| m.start()).collect();
        prop_assert_eq!(offered, admitted);
    }

    // check() accepts exactly the openings, refuses everything else (off-grid instants
    // and starts with seconds included), and each refusal names a reason that is true
    // of the host it names.
    #[test]
    fn check_agrees_with_bookable_and_its_reasons_are_true(
        scenario in scenario(2),
        seconds in 1_i64..60,
        longer in prop::sample::select(DURATIONS.to_vec()),
    ) {
        let reference = Reference::new(&scenario);
        let hosts = scenario.hosts();
        let openings = bookable(&hosts, scenario.duration, scenario.now, scenario.window);
        // Every fifth minute, and each minute next to where a host's notice ends.
        let mut instants: Vec<DateTime<Utc>> = reference.minutes().step_by(5).collect();
        for index in 0..hosts.len() {
            let earliest = reference.earliest(index);
            let earliest = earliest - TimeDelta::seconds(earliest.timestamp().rem_euclid(60));
            instants.extend((-6..=6).map(|k| earliest + TimeDelta::minutes(k)));
        }
        instants.retain(|t| scenario.window.contains(*t));
        for t in instants {
            for start in [t, t + TimeDelta::seconds(seconds)] {
                let meeting = scenario.meeting(start);
                let verdict = check(&hosts, meeting, scenario.now);
                prop_assert_eq!(verdict.is_ok(), openings.starts_at(start), "{:?}: {:?}", start, verdict);
                if let Err(Refusal::Host { host, reason }) = verdict {
                    prop_assert!(reference.holds(host, meeting, reason), "{:?}: host {} {:?} is not true", meeting, host, reason);
                } else if let Err(other) = verdict {
                    prop_assert!(false, "{:?}", other);
                }
            }
            // Another length is judged as bookable() judges that length.
            let other = Window::new(t, t + TimeDelta::minutes(i64::from(longer))).unwrap();
            let listed = bookable(&hosts, longer, scenario.now, Window::new(t, t + minute()).unwrap());
            prop_assert_eq!(check(&hosts, other, scenario.now).is_ok(), listed.starts_at(t));
        }
    }

    // The notice is exact to the minute: had now been a minute later than the notice of
    // any host allows for an opening, that opening would have been too soon.
    #[test]
    fn an_opening_a_minute_inside_a_hosts_notice_is_too_soon(scenario in scenario(2)) {
        let hosts = scenario.hosts();
        let openings = bookable(&hosts, scenario.duration, scenario.now, scenario.window);
        for meeting in openings.meetings().iter().take(8) {
            for host in &hosts {
                let notice = i64::from(host.rules.notice_minutes());
                let later = meeting.start() - TimeDelta::minutes(notice) + minute();
                let refusal = check(&hosts, *meeting, later).map_err(|r| r.code());
                prop_assert_eq!(refusal, Err("too_soon"), "{:?} as of {:?}", meeting, later);
                let starts = bookable(&hosts, scenario.duration, later, scenario.window);
                prop_assert!(!starts.starts_at(meeting.start()));
            }
        }
    }

    // With several hosts in different zones, the openings are the intersection of each
    // host's own, when the others' grids include the first's (a 5-minute step does, in
    // every zone). One exception, in a fall-back fold: a host's working time can include
    // the repeated hour before their range's start, where their own grid has no start
    // but the first host's may; there the host's check refuses only for the grid.
    #[test]
    fn several_hosts_in_different_zones_are_offered_the_intersection(scenario in scenario(3)) {
        let mut scenario = scenario;
        for host in scenario.hosts.iter_mut().skip(1) {
            host.rules = host.rules.clone().with_step_minutes(5).unwrap();
        }
        let hosts = scenario.hosts();
        let (now, window) = (scenario.now, scenario.window);
        let alone: Vec<_> = hosts
            .iter()
            .map(|host| bookable(std::slice::from_ref(host), scenario.duration, now, window))
            .collect();
        let together = bookable(&hosts, scenario.duration, now, window);
        for meeting in together.meetings() {
            prop_assert!(alone[0].starts_at(meeting.start()));
            for (index, host) in hosts.iter().enumerate().skip(1) {
                let repeated = matches!(
                    resolve_local(host.zone, local_time_at(host.zone, meeting.start()).unwrap()),
                    MappedLocalTime::Ambiguous(..)
                );
                prop_assert!(
                    alone[index].starts_at(meeting.start())
                        || (repeated
                            && check(std::slice::from_ref(host), *meeting, now).map_err(|r| r.code())
                                == Err("not_on_step")),
                    "{:?} is offered together but not by host {}", meeting, index
                );
            }
        }
        for meeting in alone[0].meetings() {
            if alone.iter().all(|openings| openings.starts_at(meeting.start())) {
                prop_assert!(together.starts_at(meeting.start()), "{:?} is missing", meeting);
            }
        }
    }

    // Unavailable time is exactly the time some host's rules close (outside working
    // hours, before the notice, past the horizon, a full day), and no opening starts in it.
    #[test]
    fn unavailable_time_is_what_the_rules_close_and_holds_no_opening(scenario in scenario(2)) {
        let reference = Reference::new(&scenario);
        let hosts = scenario.hosts();
        let closed = unavailable(&hosts, scenario.now, scenario.window);
        for t in reference.minutes().step_by(5) {
            let expected = (0..hosts.len()).any(|index| {
                !reference.works_at(index, t)
                    || t < reference.earliest(index)
                    || reference.past_horizon(index, t)
                    || reference.day_full(index, t)
            });
            prop_assert_eq!(closed.contains(t), expected, "{:?}", t);
        }
        for meeting in bookable(&hosts, scenario.duration, scenario.now, scenario.window).meetings() {
            prop_assert!(!closed.contains(meeting.start()));
        }
        prop_assert!(closed.windows().windows(2).all(|pair| pair[0].end() < pair[1].start()));
    }

    // Rules survive their wire form unchanged.
    #[test]
    fn rules_round_trip_through_their_json_document(scenario in scenario(1)) {
        let rules = &scenario.hosts[0].rules;
        let written = rules_wire::to_json(rules).unwrap();
        prop_assert_eq!(&rules_wire::parse(&written).unwrap(), rules);
    }

    // Arbitrary documents never panic: each is read as rules or refused with a message.
    #[test]
    fn arbitrary_rules_documents_are_read_or_refused_never_panicking(document in document()) {
        let body = document.to_string();
        if let Ok(rules) = rules_wire::parse(&body) {
            let written = rules_wire::to_json(&rules).unwrap();
            prop_assert_eq!(rules_wire::parse(&written).unwrap(), rules);
        }
    }

    // Each number is accepted exactly within its documented range.
    #[test]
    fn numbers_are_accepted_exactly_within_their_documented_ranges(value in prop_oneof![0_u32..=2000, any::<u32>()]) {
        let rules = Rules::default();
        prop_assert_eq!(rules.clone().with_notice_minutes(value).is_ok(), value <= 525_600);
        prop_assert_eq!(rules.clone().with_horizon_days(value).is_ok(), value <= 3650);
        prop_assert_eq!(rules.clone().with_buffers_minutes(value, 0).is_ok(), value <= 720);
        prop_assert_eq!(rules.clone().with_step_minutes(value).is_ok(), (5..=720).contains(&value));
        prop_assert_eq!(rules.clone().with_durations_minutes(&[value]).is_ok(), (5..=720).contains(&value));
        prop_assert_eq!(rules.with_max_per_day(Some(value)).is_ok(), (1..=1000).contains(&value));
    }
}

/// A JSON value for a rules field: sometimes right, often wrong.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("09:00")),
        Just(json!("24:00")),
        Just(json!("2026-12-24")),
        Just(json!("Europe/London")),
        Just(json!(30)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!(u64::MAX)),
        Just(json!(null)),
        Just(json!(true)),
        Just(json!([])),
        Just(json!([15, 30, 30])),
        Just(json!([{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}])),
        Just(json!([{"start": "13:00", "end": "09:00"}])),
        Just(json!([{"start": "00:00", "end": "24:00", "extra": 1}])),
        Just(json!({"monday": [{"start": "09:00", "end": "17:00"}], "sunday": 3})),
        Just(json!([{"date": "2026-02-30", "hours": []}])),
        Just(json!([{"date": "2026-12-24"}, {"date": "2026-12-24", "hours": []}])),
        "[0-9:/A-Za-z_ -]{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "time_zone",
        "weekly",
        "overrides",
        "notice_minutes",
        "horizon_days",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "durations_minutes",
        "step_minutes",
        "max_per_day",
        "book_over_tentative",
        "unknown",
    ]);
    prop::collection::vec((keys, field_value()), 0..8).prop_map(|fields| {
        Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect(),
        )
    })
}

// The reference itself: the scan finds the transition instant for a skipped time and
// the earlier instant for a repeated one.
#[test]
fn the_reference_scan_reads_gaps_and_folds_like_the_wall_clock() {
    let zone = chrono_tz::America::New_York;
    let local = |month, day, hour, minute| {
        NaiveDate::from_ymd_opt(2026, month, day)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
    };
    let utc = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
    assert_eq!(
        first_reading(&zone, local(3, 8, 2, 30)),
        utc("2026-03-08T07:00:00Z")
    );
    assert_eq!(
        first_reading(&zone, local(11, 1, 1, 30)),
        utc("2026-11-01T05:30:00Z")
    );
    assert_eq!(
        first_reading(&zone, local(6, 1, 9, 0)),
        utc("2026-06-01T13:00:00Z")
    );
}
