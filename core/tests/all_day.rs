//! All-day (Date) periods: whole local days in the zone given, across zones and DST.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::{America, Pacific};
use freebusy_core::wire::cronofy::{self, FreeBusyPeriod, PeriodTime};
use freebusy_core::zone::{Zone, day_start};
use freebusy_core::{Period, Status};

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn all_day(start: NaiveDate, end: NaiveDate) -> FreeBusyPeriod {
    FreeBusyPeriod {
        calendar_id: "cal".into(),
        start: PeriodTime::Date(start),
        end: PeriodTime::Date(end),
        free_busy_status: Status::Busy.into(),
        event_uid: None,
        event_id: None,
        deleted: None,
    }
}

fn convert(period: FreeBusyPeriod, zone: &impl Zone) -> Period {
    let conversion = cronofy::to_periods(&[period], zone);
    assert!(conversion.skipped.is_empty(), "{:?}", conversion.skipped);
    conversion.periods[0]
}

// The same date is a different span of UTC in Auckland and in Los Angeles.
#[test]
fn the_same_all_day_date_covers_different_instants_in_auckland_and_los_angeles() {
    let day = all_day(date(2026, 4, 26), date(2026, 4, 27));
    let auckland = convert(day.clone(), &Pacific::Auckland);
    let los_angeles = convert(day, &America::Los_Angeles);
    assert_eq!(auckland.start(), utc("2026-04-25T12:00:00Z"));
    assert_eq!(auckland.end(), utc("2026-04-26T12:00:00Z"));
    assert_eq!(los_angeles.start(), utc("2026-04-26T07:00:00Z"));
    assert_eq!(los_angeles.end(), utc("2026-04-27T07:00:00Z"));
    // Auckland's day begins 19 hours before Los Angeles' (UTC+12 against UTC-7).
    assert_eq!(los_angeles.start() - auckland.start(), TimeDelta::hours(19));
}

// An all-day span across a spring-forward is one hour short of whole 24-hour days.
#[test]
fn an_all_day_span_across_spring_forward_is_47_hours() {
    let weekend = convert(
        all_day(date(2026, 3, 7), date(2026, 3, 9)),
        &America::New_York,
    );
    assert_eq!(weekend.end() - weekend.start(), TimeDelta::hours(47));
}

// Santiago skips midnight on 6 September 2026: the day starts at 01:00 local.
#[test]
fn an_all_day_period_on_a_day_without_midnight_starts_at_the_transition() {
    let zone = America::Santiago;
    assert_eq!(
        day_start(&zone, date(2026, 9, 6)),
        Some(utc("2026-09-06T04:00:00Z"))
    );
    let day = convert(all_day(date(2026, 9, 6), date(2026, 9, 7)), &zone);
    assert_eq!(day.start(), utc("2026-09-06T04:00:00Z"));
    assert_eq!(day.end() - day.start(), TimeDelta::hours(23));
}

// A localized date uses the zone given for dates, like a plain one.
#[test]
fn a_localized_all_day_date_is_a_local_day_too() {
    let period = FreeBusyPeriod {
        start: PeriodTime::LocalizedDate {
            date: date(2026, 4, 26),
            tzid: "Pacific/Auckland".into(),
        },
        end: PeriodTime::LocalizedDate {
            date: date(2026, 4, 27),
            tzid: "Pacific/Auckland".into(),
        },
        ..all_day(date(2026, 4, 26), date(2026, 4, 27))
    };
    let day = convert(period, &Pacific::Auckland);
    assert_eq!(day.start(), utc("2026-04-25T12:00:00Z"));
}

// A one-date all-day period (start date == end date) is zero-length and skipped.
#[test]
fn an_all_day_period_ending_on_its_start_date_is_skipped_as_zero_length() {
    let conversion = cronofy::to_periods(
        &[all_day(date(2026, 4, 26), date(2026, 4, 26))],
        &Pacific::Auckland,
    );
    assert!(conversion.periods.is_empty());
    assert_eq!(
        conversion.skipped[0].reason,
        freebusy_core::wire::SkipReason::ZeroLength
    );
}
