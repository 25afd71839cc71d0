//! Hosts' rules by example: what can be booked, what is refused and why, across DST
//! changes in real zones and with hosts in different zones.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use chrono_tz::{America, Asia, Australia, Europe};
use freebusy_core::rule::{
    Host, Openings, Reason, Refusal, Rules, SlotOffer, TimeRange, bookable, check, unavailable,
};
use freebusy_core::wire::rules::{self as rules_wire, RulesDocument};
use freebusy_core::zone::{Zone, local_time_at};
use freebusy_core::{Availability, GroupAvailability, Period, Slot, SlotStatus, Status, Window};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn window(start: &str, end: &str) -> Window {
    Window::new(utc(start), utc(end)).unwrap()
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn range(start: &str, end: &str) -> TimeRange {
    TimeRange::parse(start, end).unwrap()
}

/// Rules without notice, so that examples can ask about any time after `now`.
fn rules_in(zone: &str) -> Rules {
    Rules::default()
        .with_time_zone(zone)
        .unwrap()
        .with_notice_minutes(0)
        .unwrap()
}

fn free() -> Availability {
    Availability::default()
}

fn busy(start: &str, end: &str, status: Status) -> Availability {
    Availability::merge([Period::new(utc(start), utc(end), status).unwrap()])
}

/// The local wall-clock starts ("HH:MM") of the openings, in `zone`.
fn local_starts(openings: &[Window], zone: Tz) -> Vec<String> {
    openings
        .iter()
        .map(|meeting| {
            local_time_at(&zone, meeting.start())
                .unwrap()
                .format("%H:%M")
                .to_string()
        })
        .collect()
}

/// A host in New York working `ranges` on `day`, offering hour-long meetings on the hour.
fn hourly_in_new_york(day: NaiveDate, ranges: &[TimeRange]) -> Rules {
    rules_in("America/New_York")
        .with_override(day, ranges)
        .unwrap()
        .with_durations_minutes(&[60])
        .unwrap()
        .with_step_minutes(60)
        .unwrap()
}

/// What one host with a free calendar offers.
fn alone(
    rules: &Rules,
    zone: &dyn Zone,
    minutes: u32,
    now: DateTime<Utc>,
    window: Window,
) -> Openings {
    bookable(&[Host::new(rules, zone, &free())], minutes, now, window)
}

fn reason(refusal: Result<(), Refusal>) -> Option<Reason> {
    refusal.err().and_then(|refusal| refusal.reason())
}

// Nothing set: Monday to Friday, 09:00–17:00 UTC, 30-minute meetings every 30 minutes,
// four hours' notice, sixty days ahead.
#[test]
fn a_host_who_set_nothing_is_bookable_on_weekdays_from_nine_to_five_utc() {
    let rules = Rules::default();
    let calendar = free();
    let hosts = [Host::new(&rules, &Utc, &calendar)];
    let now = utc("2026-04-17T12:00:00Z");
    let week = window("2026-04-20T00:00:00Z", "2026-04-27T00:00:00Z");
    let openings = bookable(&hosts, 30, now, week);
    assert_eq!(openings.meetings().len(), 5 * 16);
    assert_eq!(
        openings.meetings()[0],
        window("2026-04-20T09:00:00Z", "2026-04-20T09:30:00Z")
    );
    assert_eq!(
        openings.meetings().last().copied(),
        Some(window("2026-04-24T16:30:00Z", "2026-04-24T17:00:00Z"))
    );
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-20T09:00:00Z", "2026-04-20T10:00:00Z"),
            now
        )),
        Some(Reason::TooLong {
            longest_minutes: 30
        })
    );
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-17T13:00:00Z", "2026-04-17T13:30:00Z"),
            now
        )),
        Some(Reason::TooSoon {
            earliest: utc("2026-04-17T16:00:00Z")
        })
    );
}

// The notice is exact: a meeting starting right at now plus the notice is bookable, one
// starting a minute sooner is too soon.
#[test]
fn a_meeting_may_start_exactly_when_the_notice_ends_and_not_a_minute_sooner() {
    let rules = rules_in("UTC")
        .with_notice_minutes(125)
        .unwrap()
        .with_step_minutes(5)
        .unwrap();
    let calendar = free();
    let hosts = [Host::new(&rules, &Utc, &calendar)];
    let now = utc("2026-04-20T08:55:00Z");
    assert_eq!(
        check(
            &hosts,
            window("2026-04-20T11:00:00Z", "2026-04-20T11:30:00Z"),
            now
        ),
        Ok(())
    );
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-20T11:00:00Z", "2026-04-20T11:30:00Z"),
            now + TimeDelta::minutes(1)
        )),
        Some(Reason::TooSoon {
            earliest: utc("2026-04-20T11:01:00Z")
        })
    );
    let openings = bookable(
        &hosts,
        30,
        now,
        window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z"),
    );
    assert_eq!(openings.meetings()[0].start(), utc("2026-04-20T11:00:00Z"));
}

// London changes to summer time on Sunday 29 March 2026: 09:00–17:00 is 09–17 UTC on
// the Friday before and 08–16 UTC on the Monday after.
#[test]
fn a_london_host_works_nine_to_five_local_on_both_sides_of_the_spring_change() {
    let rules = rules_in("Europe/London");
    let calendar = free();
    let hosts = [Host::new(&rules, &Europe::London, &calendar)];
    let now = utc("2026-03-20T00:00:00Z");
    let friday = bookable(
        &hosts,
        30,
        now,
        window("2026-03-27T00:00:00Z", "2026-03-28T00:00:00Z"),
    );
    let monday = bookable(
        &hosts,
        30,
        now,
        window("2026-03-30T00:00:00Z", "2026-03-31T00:00:00Z"),
    );
    assert_eq!(friday.meetings()[0].start(), utc("2026-03-27T09:00:00Z"));
    assert_eq!(monday.meetings()[0].start(), utc("2026-03-30T08:00:00Z"));
    assert_eq!(
        local_starts(friday.meetings(), Europe::London),
        local_starts(monday.meetings(), Europe::London)
    );
    assert_eq!(friday.meetings().len(), 16);
}

// London returns to GMT on Sunday 25 October 2026.
#[test]
fn a_london_host_works_nine_to_five_local_on_both_sides_of_the_autumn_change() {
    let rules = rules_in("Europe/London");
    let calendar = free();
    let hosts = [Host::new(&rules, &Europe::London, &calendar)];
    let now = utc("2026-10-20T00:00:00Z");
    let openings = bookable(
        &hosts,
        30,
        now,
        window("2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z"),
    );
    let fridays: Vec<_> = openings
        .meetings()
        .iter()
        .filter(|m| m.start() < utc("2026-10-24T00:00:00Z"))
        .collect();
    let mondays: Vec<_> = openings
        .meetings()
        .iter()
        .filter(|m| m.start() > utc("2026-10-26T00:00:00Z"))
        .collect();
    assert_eq!(fridays[0].start(), utc("2026-10-23T08:00:00Z"));
    assert_eq!(mondays[0].start(), utc("2026-10-26T09:00:00Z"));
    assert_eq!((fridays.len(), mondays.len()), (16, 16));
}

// New York springs forward on Sunday 8 March 2026: from midnight to six is five hours,
// and there is no 02:00 to start at.
#[test]
fn a_23_hour_day_has_no_start_at_the_skipped_hour() {
    let rules = hourly_in_new_york(date(2026, 3, 8), &[range("00:00", "06:00")]);
    let sunday = window("2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z");
    let openings = alone(
        &rules,
        &America::New_York,
        60,
        utc("2026-03-01T00:00:00Z"),
        sunday,
    );
    assert_eq!(
        local_starts(openings.meetings(), America::New_York),
        ["00:00", "01:00", "03:00", "04:00", "05:00"]
    );
    let working: TimeDelta = rules
        .working_windows(&America::New_York, sunday)
        .iter()
        .map(|w| w.end() - w.start())
        .sum();
    assert_eq!(working, TimeDelta::hours(5));
}

// New York falls back on Sunday 1 November 2026: from midnight to four is five hours,
// and 01:00 happens twice, so there are two starts labelled 01:00.
#[test]
fn a_25_hour_day_offers_both_of_the_repeated_hour() {
    let rules = hourly_in_new_york(date(2026, 11, 1), &[range("00:00", "04:00")]);
    let sunday = window("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z");
    let openings = alone(
        &rules,
        &America::New_York,
        60,
        utc("2026-10-25T00:00:00Z"),
        sunday,
    );
    assert_eq!(
        local_starts(openings.meetings(), America::New_York),
        ["00:00", "01:00", "01:00", "02:00", "03:00"]
    );
    assert_eq!(openings.meetings()[1].start(), utc("2026-11-01T05:00:00Z"));
    assert_eq!(openings.meetings()[2].start(), utc("2026-11-01T06:00:00Z"));
    assert_eq!(openings.meetings()[4].end(), utc("2026-11-01T09:00:00Z"));
}

// Lord Howe Island moves its clocks by half an hour: on 4 October 2026 02:00 becomes
// 02:30, and on 5 April 2026 02:00 goes back to 01:30.
#[test]
fn lord_howe_loses_and_gains_half_an_hour_of_working_time() {
    let rules = rules_in("Australia/Lord_Howe")
        .with_override(date(2026, 10, 4), &[range("01:00", "04:00")])
        .unwrap()
        .with_override(date(2026, 4, 5), &[range("01:00", "03:00")])
        .unwrap();
    let calendar = free();
    let hosts = [Host::new(&rules, &Australia::Lord_Howe, &calendar)];
    let spring = bookable(
        &hosts,
        30,
        utc("2026-09-01T00:00:00Z"),
        window("2026-10-03T12:00:00Z", "2026-10-04T12:00:00Z"),
    );
    assert_eq!(
        local_starts(spring.meetings(), Australia::Lord_Howe),
        ["01:00", "01:30", "02:30", "03:00", "03:30"]
    );
    let autumn = bookable(
        &hosts,
        30,
        utc("2026-03-01T00:00:00Z"),
        window("2026-04-04T12:00:00Z", "2026-04-05T12:00:00Z"),
    );
    assert_eq!(
        local_starts(autumn.meetings(), Australia::Lord_Howe),
        ["01:00", "01:30", "01:30", "02:00", "02:30"]
    );
    let total = |openings: &[Window]| openings.len() as i64 * 30;
    assert_eq!(total(spring.meetings()), 150); // three hours on the clock, 2 h 30 of time
    assert_eq!(total(autumn.meetings()), 150); // two hours on the clock, 2 h 30 of time
}

// A range running into a spring-forward gap ends when the clock jumps; one inside the
// gap is no time at all, so the day is unavailable.
#[test]
fn a_range_into_a_gap_ends_at_the_jump_and_one_inside_it_is_no_time() {
    let zone = America::New_York;
    let into = rules_in("America/New_York")
        .with_override(date(2026, 3, 8), &[range("01:00", "02:30")])
        .unwrap();
    let sunday = window("2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z");
    assert_eq!(
        into.working_windows(&zone, sunday),
        [window("2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z")]
    );
    let inside = rules_in("America/New_York")
        .with_override(date(2026, 3, 8), &[range("02:10", "02:50")])
        .unwrap();
    assert!(inside.working_windows(&zone, sunday).is_empty());
    let calendar = free();
    let hosts = [Host::new(&inside, &zone, &calendar)];
    let now = utc("2026-03-01T00:00:00Z");
    assert!(bookable(&hosts, 30, now, sunday).is_empty());
    assert!(unavailable(&hosts, now, sunday).covers(sunday));
}

// A range across a fall-back fold lasts an hour longer; one ending inside the fold
// ends the first time the clock reads its end.
#[test]
fn a_range_across_a_fold_is_longer_and_one_ending_in_it_ends_the_first_time() {
    let zone = America::New_York;
    let sunday = window("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z");
    let across = rules_in("America/New_York")
        .with_override(date(2026, 11, 1), &[range("00:30", "03:00")])
        .unwrap();
    assert_eq!(
        across.working_windows(&zone, sunday),
        [window("2026-11-01T04:30:00Z", "2026-11-01T08:00:00Z")]
    );
    let ending = rules_in("America/New_York")
        .with_override(date(2026, 11, 1), &[range("00:00", "01:30")])
        .unwrap();
    assert_eq!(
        ending.working_windows(&zone, sunday),
        [window("2026-11-01T04:00:00Z", "2026-11-01T05:30:00Z")]
    );
}

// Between 8 and 29 March 2026 New York is on summer time and London is not: 09:00–17:00
// in both overlaps for four hours, then for three once London changes too.
#[test]
fn hosts_in_london_and_new_york_are_offered_only_the_hours_they_share() {
    let london_rules = rules_in("Europe/London");
    let new_york_rules = rules_in("America/New_York");
    let calendar = free();
    let hosts = [
        Host::new(&london_rules, &Europe::London, &calendar),
        Host::new(&new_york_rules, &America::New_York, &calendar),
    ];
    let now = utc("2026-03-01T00:00:00Z");
    let before = bookable(
        &hosts,
        30,
        now,
        window("2026-03-16T00:00:00Z", "2026-03-17T00:00:00Z"),
    );
    assert_eq!(before.meetings()[0].start(), utc("2026-03-16T13:00:00Z"));
    assert_eq!(before.meetings().len(), 8);
    let after = bookable(
        &hosts,
        30,
        now,
        window("2026-03-30T00:00:00Z", "2026-03-31T00:00:00Z"),
    );
    assert_eq!(after.meetings()[0].start(), utc("2026-03-30T13:00:00Z"));
    assert_eq!(after.meetings().len(), 6);
    // New York's 16:00 is London's 20:00 (GMT) or 21:00 (BST): outside London's hours.
    assert_eq!(
        check(
            &hosts,
            window("2026-03-16T20:00:00Z", "2026-03-16T20:30:00Z"),
            now
        ),
        Err(Refusal::Host {
            host: 0,
            reason: Reason::OutsideWorkingHours
        })
    );
}

// Kolkata is half an hour off London: the starts are on the first host's grid.
#[test]
fn with_hosts_half_an_hour_apart_the_first_hosts_grid_gives_the_starts() {
    let hourly = |zone: &str| {
        rules_in(zone)
            .with_durations_minutes(&[60])
            .unwrap()
            .with_step_minutes(60)
            .unwrap()
    };
    let (london, kolkata) = (hourly("Europe/London"), hourly("Asia/Kolkata"));
    let calendar = free();
    let london_host = Host::new(&london, &Europe::London, &calendar);
    let kolkata_host = Host::new(&kolkata, &Asia::Kolkata, &calendar);
    let now = utc("2026-01-01T00:00:00Z");
    let day = window("2026-01-14T00:00:00Z", "2026-01-15T00:00:00Z");
    // Overlap 09:00–11:30 UTC (Kolkata works 03:30–11:30 UTC).
    let starts = |hosts: &[Host<'_>]| -> Vec<DateTime<Utc>> {
        bookable(hosts, 60, now, day)
            .meetings()
            .iter()
            .map(|m| m.start())
            .collect()
    };
    assert_eq!(
        starts(&[london_host, kolkata_host]),
        [utc("2026-01-14T09:00:00Z"), utc("2026-01-14T10:00:00Z")]
    );
    assert_eq!(
        starts(&[kolkata_host, london_host]),
        [utc("2026-01-14T09:30:00Z"), utc("2026-01-14T10:30:00Z")]
    );
    assert_eq!(
        reason(check(
            &[kolkata_host, london_host],
            window("2026-01-14T09:00:00Z", "2026-01-14T10:00:00Z"),
            now
        )),
        Some(Reason::NotOnStep { step_minutes: 60 })
    );
}

// The horizon counts the host's local days: with a one-day horizon, a host in Auckland
// at 08:00 on Tuesday (19:00 Monday UTC) takes bookings on Tuesday and Wednesday only.
#[test]
fn the_horizon_counts_local_days_in_the_hosts_zone() {
    let rules = rules_in("Pacific/Auckland")
        .with_horizon_days(1)
        .unwrap()
        .with_hours(Weekday::Thu, &[range("00:00", "24:00")])
        .unwrap();
    let calendar = free();
    let hosts = [Host::new(&rules, &chrono_tz::Pacific::Auckland, &calendar)];
    let now = utc("2026-04-20T20:00:00Z"); // Tuesday 21 April, 08:00 in Auckland (NZST)
    // Wednesday 16:30 in Auckland: the last start of the last day.
    assert_eq!(
        check(
            &hosts,
            window("2026-04-22T04:30:00Z", "2026-04-22T05:00:00Z"),
            now
        ),
        Ok(())
    );
    // Thursday 00:00 in Auckland is a day too far.
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-22T12:00:00Z", "2026-04-22T12:30:00Z"),
            now
        )),
        Some(Reason::TooFarAhead {
            last_day: date(2026, 4, 22)
        })
    );
}

// Offered lengths only: a length in between is not offered, a longer one too long.
#[test]
fn only_offered_lengths_can_be_booked() {
    let rules = rules_in("UTC")
        .with_durations_minutes(&[15, 30, 60])
        .unwrap();
    let calendar = free();
    let hosts = [Host::new(&rules, &Utc, &calendar)];
    let now = utc("2026-04-01T00:00:00Z");
    let monday = window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z");
    assert_eq!(bookable(&hosts, 15, now, monday).meetings().len(), 16);
    assert_eq!(bookable(&hosts, 60, now, monday).meetings().len(), 15);
    assert!(bookable(&hosts, 45, now, monday).is_empty());
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-20T09:00:00Z", "2026-04-20T09:45:00Z"),
            now
        )),
        Some(Reason::NotOffered)
    );
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-20T09:00:00Z", "2026-04-20T11:00:00Z"),
            now
        )),
        Some(Reason::TooLong {
            longest_minutes: 60
        })
    );
    let seconds = Window::new(utc("2026-04-20T09:00:00Z"), utc("2026-04-20T09:15:30Z")).unwrap();
    assert_eq!(
        reason(check(&hosts, seconds, now)),
        Some(Reason::NotOffered)
    );
}

// Starts come at the working range's start and every step after it.
#[test]
fn starts_follow_each_ranges_start_and_the_step() {
    let rules = rules_in("UTC")
        .with_hours(
            Weekday::Mon,
            &[range("09:10", "11:00"), range("13:00", "14:00")],
        )
        .unwrap()
        .with_step_minutes(45)
        .unwrap();
    let calendar = free();
    let hosts = [Host::new(&rules, &Utc, &calendar)];
    let now = utc("2026-04-01T00:00:00Z");
    let openings = bookable(
        &hosts,
        30,
        now,
        window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z"),
    );
    assert_eq!(
        local_starts(openings.meetings(), chrono_tz::UTC),
        ["09:10", "09:55", "13:00"]
    );
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-20T09:00:00Z", "2026-04-20T09:30:00Z"),
            now
        )),
        Some(Reason::OutsideWorkingHours)
    );
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-20T09:30:00Z", "2026-04-20T10:00:00Z"),
            now
        )),
        Some(Reason::NotOnStep { step_minutes: 45 })
    );
}

// A day's bookings are counted on the host's local day: in Tokyo, 23:00 UTC is the
// next morning.
#[test]
fn a_full_day_refuses_more_bookings_counted_on_the_hosts_local_day() {
    let rules = rules_in("Asia/Tokyo").with_max_per_day(Some(2)).unwrap();
    let calendar = free();
    // Tuesday 21 April in Tokyo: 09:00 and 09:30 local.
    let booked = [
        window("2026-04-21T00:00:00Z", "2026-04-21T00:30:00Z"),
        window("2026-04-21T00:30:00Z", "2026-04-21T01:00:00Z"),
    ];
    let hosts = [Host::new(&rules, &Asia::Tokyo, &calendar).with_bookings(&booked)];
    let now = utc("2026-04-01T00:00:00Z");
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-21T05:00:00Z", "2026-04-21T05:30:00Z"),
            now
        )),
        Some(Reason::DayFull { limit: 2 })
    );
    // Monday 20 April in Tokyo is not full, even at 16:30 local (07:30 UTC).
    assert_eq!(
        check(
            &hosts,
            window("2026-04-20T07:30:00Z", "2026-04-20T08:00:00Z"),
            now
        ),
        Ok(())
    );
    let tuesday = window("2026-04-20T15:00:00Z", "2026-04-21T15:00:00Z");
    assert!(bookable(&hosts, 30, now, tuesday).is_empty());
    assert!(unavailable(&hosts, now, tuesday).covers(tuesday));
}

// Bookings are busy time even when the calendars given do not show them.
#[test]
fn bookings_are_busy_time_even_when_the_calendar_does_not_show_them() {
    let rules = rules_in("UTC");
    let calendar = free();
    let booked = [window("2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z")];
    let hosts = [Host::new(&rules, &Utc, &calendar).with_bookings(&booked)];
    let now = utc("2026-04-01T00:00:00Z");
    assert_eq!(
        reason(check(&hosts, booked[0], now)),
        Some(Reason::Busy {
            status: Status::Busy
        })
    );
}

// Tentative time is bookable only when the host allows it; unknown time never.
#[test]
fn tentative_time_is_bookable_only_when_the_host_allows_it_and_unknown_never() {
    let meeting = window("2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z");
    let now = utc("2026-04-01T00:00:00Z");
    let tentative = busy(
        "2026-04-20T10:00:00Z",
        "2026-04-20T11:00:00Z",
        Status::Tentative,
    );
    let unknown = busy(
        "2026-04-20T10:00:00Z",
        "2026-04-20T11:00:00Z",
        Status::Unknown,
    );
    let strict = rules_in("UTC");
    let lenient = rules_in("UTC").with_book_over_tentative(true);
    assert_eq!(
        reason(check(&[Host::new(&strict, &Utc, &tentative)], meeting, now)),
        Some(Reason::Busy {
            status: Status::Tentative
        })
    );
    assert_eq!(
        check(&[Host::new(&lenient, &Utc, &tentative)], meeting, now),
        Ok(())
    );
    assert_eq!(
        reason(check(&[Host::new(&lenient, &Utc, &unknown)], meeting, now)),
        Some(Reason::Busy {
            status: Status::Unknown
        })
    );
}

// Buffers keep time free next to the meeting; they may reach outside working hours.
#[test]
fn buffers_keep_time_free_around_a_meeting_even_outside_working_hours() {
    let rules = rules_in("UTC").with_buffers_minutes(15, 10).unwrap();
    let calendar = busy("2026-04-20T08:50:00Z", "2026-04-20T09:00:00Z", Status::Busy);
    let hosts = [Host::new(&rules, &Utc, &calendar)];
    let now = utc("2026-04-01T00:00:00Z");
    // Busy until 09:00 outside working hours: 09:00 is within the 15 minutes before.
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-20T09:00:00Z", "2026-04-20T09:30:00Z"),
            now
        )),
        Some(Reason::WithinBuffer {
            status: Status::Busy
        })
    );
    assert_eq!(
        check(
            &hosts,
            window("2026-04-20T09:30:00Z", "2026-04-20T10:00:00Z"),
            now
        ),
        Ok(())
    );
    // Nothing after 17:00 is busy, so the 16:30 meeting's ten minutes after it are free.
    assert_eq!(
        check(
            &hosts,
            window("2026-04-20T16:30:00Z", "2026-04-20T17:00:00Z"),
            now
        ),
        Ok(())
    );
    let later = busy(
        "2026-04-20T11:05:00Z",
        "2026-04-20T12:00:00Z",
        Status::Tentative,
    );
    let hosts = [Host::new(&rules, &Utc, &later)];
    assert_eq!(
        reason(check(
            &hosts,
            window("2026-04-20T10:30:00Z", "2026-04-20T11:00:00Z"),
            now
        )),
        Some(Reason::WithinBuffer {
            status: Status::Tentative
        })
    );
}

// A date override closes one day, or gives it other hours, and leaves the week alone.
#[test]
fn a_date_override_closes_one_day_or_changes_its_hours() {
    let rules = rules_in("Europe/Paris")
        .with_override(date(2026, 12, 24), &[range("09:00", "12:00")])
        .unwrap()
        .with_override(date(2026, 12, 25), &[])
        .unwrap();
    let calendar = free();
    let hosts = [Host::new(&rules, &Europe::Paris, &calendar)];
    let now = utc("2026-12-01T00:00:00Z");
    let days = |from: &str, to: &str| bookable(&hosts, 30, now, window(from, to)).meetings().len();
    assert_eq!(days("2026-12-23T00:00:00Z", "2026-12-24T00:00:00Z"), 16);
    assert_eq!(days("2026-12-24T00:00:00Z", "2026-12-25T00:00:00Z"), 6);
    assert_eq!(days("2026-12-25T00:00:00Z", "2026-12-26T00:00:00Z"), 0);
}

// Refusals are given reason by reason across all hosts: the second host's notice comes
// before the first host's busy calendar.
#[test]
fn the_first_reason_in_order_is_given_whichever_host_it_is() {
    let first = rules_in("UTC");
    let second = rules_in("UTC").with_notice_minutes(24 * 60).unwrap();
    let busy_first = busy("2026-04-20T10:00:00Z", "2026-04-20T11:00:00Z", Status::Busy);
    let calendar = free();
    let hosts = [
        Host::new(&first, &Utc, &busy_first),
        Host::new(&second, &Utc, &calendar),
    ];
    let now = utc("2026-04-20T00:00:00Z");
    assert_eq!(
        check(
            &hosts,
            window("2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z"),
            now
        ),
        Err(Refusal::Host {
            host: 1,
            reason: Reason::TooSoon {
                earliest: utc("2026-04-21T00:00:00Z")
            }
        })
    );
    assert_eq!(
        check(
            &[],
            window("2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z"),
            now
        ),
        Err(Refusal::NoHosts)
    );
    assert!(
        bookable(
            &[],
            30,
            now,
            window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z")
        )
        .is_empty()
    );
}

// In the grid, time outside working hours is unavailable, not busy, even when the
// calendar is busy then; a busy slot inside working hours stays busy.
#[test]
fn time_outside_working_hours_is_unavailable_rather_than_busy() {
    let rules = rules_in("UTC");
    let calendar = Availability::merge([
        Period::new(
            utc("2026-04-20T07:00:00Z"),
            utc("2026-04-20T08:00:00Z"),
            Status::Busy,
        )
        .unwrap(),
        Period::new(
            utc("2026-04-20T10:00:00Z"),
            utc("2026-04-20T10:30:00Z"),
            Status::Busy,
        )
        .unwrap(),
    ]);
    let hosts = [Host::new(&rules, &Utc, &calendar)];
    let now = utc("2026-04-19T00:00:00Z");
    let day = window("2026-04-20T00:00:00Z", "2026-04-21T00:00:00Z");
    let openings = bookable(&hosts, 30, now, day);
    let closed = unavailable(&hosts, now, day);
    let group = GroupAvailability::from(&calendar);
    let offer = |start: &str, end: &str| {
        let slot = Slot::new(
            utc(start).naive_utc(),
            chrono::FixedOffset::east_opt(0).unwrap(),
            utc(start),
            utc(end),
        )
        .unwrap();
        SlotOffer::assess(&slot, &group, &openings, &closed, now)
    };
    let early = offer("2026-04-20T07:00:00Z", "2026-04-20T07:30:00Z");
    assert!(early.unavailable && !early.is_bookable());
    assert_eq!(early.availability.status, SlotStatus::Busy);
    let meeting = offer("2026-04-20T10:00:00Z", "2026-04-20T10:30:00Z");
    assert!(!meeting.unavailable && !meeting.is_bookable());
    assert_eq!(meeting.availability.status, SlotStatus::Busy);
    let open = offer("2026-04-20T10:30:00Z", "2026-04-20T11:00:00Z");
    assert!(!open.unavailable && open.is_bookable());
    // A slot half outside working hours is not "unavailable": part of it can be booked.
    let edge = offer("2026-04-20T08:30:00Z", "2026-04-20T09:30:00Z");
    assert!(!edge.unavailable && edge.is_bookable());
}

// The documented JSON example reads as documented and writes back the same rules.
#[test]
fn the_documented_rules_document_reads_and_round_trips() {
    let body = r#"{
      "time_zone": "Europe/London",
      "weekly": {
        "monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
        "tuesday": [{"start": "09:00", "end": "17:00"}],
        "wednesday": [], "thursday": [{"start": "09:00", "end": "17:00"}],
        "friday": [{"start": "09:00", "end": "13:00"}], "saturday": [], "sunday": []
      },
      "overrides": [
        {"date": "2026-12-24", "hours": []},
        {"date": "2026-12-27", "hours": [{"start": "10:00", "end": "14:00"}]}
      ],
      "notice_minutes": 240,
      "horizon_days": 60,
      "buffer_before_minutes": 0,
      "buffer_after_minutes": 10,
      "durations_minutes": [15, 30, 60],
      "step_minutes": 15,
      "max_per_day": 6,
      "book_over_tentative": false
    }"#;
    let rules = rules_wire::parse(body).unwrap();
    assert_eq!(
        rules.weekly_hours(Weekday::Mon),
        [range("09:00", "12:00"), range("13:00", "17:00")]
    );
    assert!(rules.weekly_hours(Weekday::Wed).is_empty());
    assert!(rules.hours_on(date(2026, 12, 24)).is_empty());
    assert_eq!(
        rules.hours_on(date(2026, 12, 27)),
        [range("10:00", "14:00")]
    );
    assert_eq!(rules.max_per_day(), Some(6));
    let written = rules_wire::to_json(&rules).unwrap();
    assert_eq!(rules_wire::parse(&written).unwrap(), rules);
    let value: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(value["weekly"]["friday"][0]["end"], "13:00");
    assert_eq!(value["overrides"][0]["date"], "2026-12-24");
}

// A partial document keeps the defaults for what it leaves out; its `weekly` replaces
// the default week whole.
#[test]
fn a_partial_document_keeps_the_defaults_it_leaves_out() {
    let rules =
        rules_wire::parse(r#"{"weekly": {"saturday": [{"start": "10:00", "end": "16:00"}]}}"#)
            .unwrap();
    assert!(rules.weekly_hours(Weekday::Mon).is_empty());
    assert_eq!(rules.weekly_hours(Weekday::Sat), [range("10:00", "16:00")]);
    assert_eq!(rules.time_zone(), "UTC");
    assert_eq!(rules.notice_minutes(), 240);
    let empty = rules_wire::parse("{}").unwrap();
    assert_eq!(empty, Rules::default());
    assert_eq!(RulesDocument::from(&empty), RulesDocument::default());
}

// Each bad setting is refused with its field named.
#[test]
fn each_bad_setting_names_its_field() {
    let refusals = [
        (
            r#"{"time_zone": "Europe London"}"#,
            "time_zone: \"Europe London\" is not an IANA time zone name (such as Europe/London)",
        ),
        (
            r#"{"weekly": {"monday": [{"start": "17:00", "end": "09:00"}]}}"#,
            "weekly.monday[0]: the range ends at or before it starts",
        ),
        (
            r#"{"weekly": {"friday": [{"start": "9:00", "end": "17:00"}]}}"#,
            "weekly.friday[0]: \"9:00\" is not a time of day (HH:MM, 00:00 to 24:00)",
        ),
        (
            r#"{"notice_minutes": 600000}"#,
            "notice_minutes: must be from 0 to 525600",
        ),
        (
            r#"{"horizon_days": 4000}"#,
            "horizon_days: must be from 0 to 3650",
        ),
        (
            r#"{"buffer_after_minutes": 721}"#,
            "buffer_after_minutes: must be from 0 to 720",
        ),
        (
            r#"{"durations_minutes": []}"#,
            "durations_minutes: must not be empty",
        ),
        (
            r#"{"durations_minutes": [30, 60, 30]}"#,
            "durations_minutes[2]: repeats entry 0",
        ),
        (
            r#"{"durations_minutes": [0]}"#,
            "durations_minutes[0]: must be from 5 to 720",
        ),
        (
            r#"{"step_minutes": 0}"#,
            "step_minutes: must be from 5 to 720",
        ),
        (
            r#"{"max_per_day": 0}"#,
            "max_per_day: must be from 1 to 1000",
        ),
    ];
    for (body, message) in refusals {
        let error = rules_wire::parse(body).unwrap_err().to_string();
        assert!(error.starts_with(message), "{body}: {error}");
    }
}
