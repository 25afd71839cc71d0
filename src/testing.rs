//! Test helpers: plain English labels without `Intl`, the dates the tests use, and a
//! widget state to start from.

use std::rc::Rc;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use freebusy_core::zone::{Zone, local_time_at};
use freebusy_core::{Availability, Period, Status};

use crate::fetch::AttendeeWeek;
use crate::grid::Labels;
use crate::messages::Catalogue;
use crate::options::Options;
use crate::state::{Fetch, SchedulerState, Setup, ShownZone};

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// British English on a 24-hour clock in a zone, as `Intl` would write `en-GB`.
pub struct PlainLabels<Z: Zone>(pub Z);

impl<Z: Zone> Labels for PlainLabels<Z> {
    fn time(&self, instant: DateTime<Utc>) -> String {
        let local = local_time_at(&self.0, instant).unwrap_or_default();
        format!("{:02}:{:02}", local.hour(), local.minute())
    }

    fn time_range(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        format!("{}–{}", self.time(start), self.time(end))
    }

    fn day(&self, date: NaiveDate, long: bool) -> String {
        let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
        let month = MONTHS[date.month0() as usize];
        if long {
            format!("{weekday} {} {month}", date.day())
        } else {
            format!("{} {} {}", &weekday[..3], date.day(), &month[..3])
        }
    }

    fn day_parts(&self, date: NaiveDate) -> (String, String) {
        let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
        (weekday[..3].to_owned(), date.day().to_string())
    }

    fn week(&self, first: NaiveDate, last: NaiveDate) -> String {
        let month = |date: NaiveDate| MONTHS[date.month0() as usize];
        if first.month() == last.month() {
            format!(
                "{}–{} {} {}",
                first.day(),
                last.day(),
                month(last),
                last.year()
            )
        } else {
            format!(
                "{} {} – {} {} {}",
                first.day(),
                month(first),
                last.day(),
                month(last),
                last.year()
            )
        }
    }
}

/// 2026-11-`day` at `hour`:`minute` UTC.
pub fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .single()
        .unwrap()
}

/// Monday 23 November 2026.
pub fn monday_23() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// `y-m-d h:min` UTC.
pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap()
}

/// The IANA zone `name` (from chrono-tz), with plain English labels in it.
pub fn shown_zone(name: &str) -> ShownZone {
    let tz: chrono_tz::Tz = name.parse().unwrap();
    ShownZone {
        name: name.to_owned(),
        zone: Rc::new(tz),
        labels: Rc::new(PlainLabels(tz)),
    }
}

/// Alice and bob, the week of Wednesday 9 January 2030.
pub fn two_attendees() -> Options {
    Options {
        attendees: vec!["alice@example.com".into(), "bob@example.com".into()],
        week: NaiveDate::from_ymd_opt(2030, 1, 9),
        ..Options::default()
    }
}

/// The state's setup for `options`: shown in UTC, English, Monday first, the device in
/// Berlin, on Sunday 6 January 2030 at noon.
pub fn setup(options: Options) -> Setup {
    Setup {
        options,
        messages: Catalogue::default(),
        catalogue: None,
        right_to_left: false,
        first_weekday: Weekday::Mon,
        zone: shown_zone("UTC"),
        device_zone: shown_zone("Europe/Berlin"),
        now: utc(2030, 1, 6, 12, 0),
        problems: Vec::new(),
        can_fetch: true,
    }
}

/// Alice busy Monday 7 January 09:00–10:00, bob tentative 09:30–10:30.
pub fn weeks() -> Vec<AttendeeWeek> {
    let calendar = |start, end, status| AttendeeWeek::Calendar {
        availability: Availability::merge([Period::new(start, end, status).unwrap()]),
        skipped: 0,
    };
    vec![
        calendar(utc(2030, 1, 7, 9, 0), utc(2030, 1, 7, 10, 0), Status::Busy),
        calendar(
            utc(2030, 1, 7, 9, 30),
            utc(2030, 1, 7, 10, 30),
            Status::Tentative,
        ),
    ]
}

/// A new state for alice and bob, shown in `zone` with `messages`.
pub fn state_in(zone: &str, messages: Catalogue) -> (SchedulerState, Option<Fetch>) {
    let mut setup = setup(two_attendees());
    setup.zone = shown_zone(zone);
    setup.messages = messages;
    SchedulerState::new(setup)
}

/// Alice and bob's week, loaded, shown in UTC.
pub fn loaded_state() -> SchedulerState {
    let (mut state, fetch) = SchedulerState::new(setup(two_attendees()));
    let fetch = fetch.unwrap();
    state.loaded(fetch.generation, fetch.window, weeks());
    state
}
