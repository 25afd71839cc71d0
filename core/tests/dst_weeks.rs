//! Week grids across DST changes in real zones: slot counts, skipped and repeated local
//! times, and slots that tile the day in UTC.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use chrono_tz::{America, Australia, Europe};
use freebusy_core::week::{Day, VisibleHours, Week, WeekSpec, week_start, week_window};
use freebusy_core::zone::local_time_at;
use freebusy_core::{Availability, GroupAvailability, Period, SlotStatus, Status};

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// The week containing `day` (weeks starting on Sunday), laid out in `zone`.
fn week_of(zone: Tz, day: NaiveDate, visible: VisibleHours, slot_minutes: u16) -> Week {
    let spec = WeekSpec {
        first_day: week_start(day, Weekday::Sun).unwrap(),
        visible,
        slot_minutes,
    };
    Week::layout(&spec, &zone).unwrap()
}

fn day_of(week: &Week, day: NaiveDate) -> &Day {
    week.days().iter().find(|d| d.date() == day).unwrap()
}

fn labels(day: &Day) -> Vec<NaiveTime> {
    day.slots().iter().map(|slot| slot.local().time()).collect()
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
}

/// Every day's slots start at the visible start, end at the visible end, and each ends
/// where the next begins; each label is the wall-clock time at its start.
fn assert_tiles(week: &Week, zone: Tz) {
    for day in week.days() {
        let visible = day.visible().unwrap();
        let slots = day.slots();
        assert_eq!(
            slots.first().unwrap().start(),
            visible.start(),
            "{}",
            day.date()
        );
        assert_eq!(slots.last().unwrap().end(), visible.end(), "{}", day.date());
        for pair in slots.windows(2) {
            assert_eq!(pair[0].end(), pair[1].start(), "{}", day.date());
        }
        for slot in slots {
            assert!(slot.start() < slot.end());
            assert_eq!(local_time_at(&zone, slot.start()), Some(slot.local()));
        }
    }
}

// New York springs forward on 8 March 2026: a 23-hour day with no 02:00.
#[test]
fn new_york_spring_forward_day_has_23_hourly_slots_and_no_2am() {
    let zone = America::New_York;
    let week = week_of(zone, date(2026, 3, 8), VisibleHours::whole_day(), 60);
    let sunday = day_of(&week, date(2026, 3, 8));
    assert_eq!(sunday.slots().len(), 23);
    assert!(!labels(sunday).contains(&hm(2, 0)));
    assert_eq!(day_of(&week, date(2026, 3, 9)).slots().len(), 24);
    assert_tiles(&week, zone);
}

// In 30-minute slots the same day has 46, and neither 02:00 nor 02:30.
#[test]
fn new_york_spring_forward_day_in_half_hours_skips_the_missing_hour() {
    let zone = America::New_York;
    let week = week_of(zone, date(2026, 3, 8), VisibleHours::whole_day(), 30);
    let sunday = day_of(&week, date(2026, 3, 8));
    assert_eq!(sunday.slots().len(), 46);
    let labels = labels(sunday);
    assert!(!labels.contains(&hm(2, 0)) && !labels.contains(&hm(2, 30)));
    // The slot before the gap is a real half hour: 01:30 EST to 03:00 EDT.
    let before_gap = sunday
        .slots()
        .iter()
        .find(|s| s.local().time() == hm(1, 30))
        .unwrap();
    assert_eq!(
        before_gap.end() - before_gap.start(),
        TimeDelta::minutes(30)
    );
    assert_tiles(&week, zone);
}

// New York falls back on 1 November 2026: 25 hourly slots, 01:00 twice, an hour apart.
#[test]
fn new_york_fall_back_day_shows_the_repeated_hour_twice() {
    let zone = America::New_York;
    let week = week_of(zone, date(2026, 11, 1), VisibleHours::whole_day(), 60);
    let sunday = day_of(&week, date(2026, 11, 1));
    assert_eq!(sunday.slots().len(), 25);
    let repeated: Vec<_> = sunday
        .slots()
        .iter()
        .filter(|s| s.local().time() == hm(1, 0))
        .collect();
    assert_eq!(repeated.len(), 2);
    assert_eq!(repeated[0].start(), utc("2026-11-01T05:00:00Z"));
    assert_eq!(repeated[1].start(), utc("2026-11-01T06:00:00Z"));
    assert_eq!(repeated[0].offset().local_minus_utc(), -4 * 3600);
    assert_eq!(repeated[1].offset().local_minus_utc(), -5 * 3600);
    assert_tiles(&week, zone);
}

// Visible hours that straddle the gap keep only the boundaries that exist.
#[test]
fn visible_hours_across_the_gap_keep_the_boundaries_that_exist() {
    let zone = America::New_York;
    let visible = VisibleHours::new(60, 4 * 60).unwrap();
    let week = week_of(zone, date(2026, 3, 8), visible, 30);
    let sunday = day_of(&week, date(2026, 3, 8));
    assert_eq!(labels(sunday), [hm(1, 0), hm(1, 30), hm(3, 0), hm(3, 30)]);
    assert_eq!(sunday.visible().unwrap().end(), utc("2026-03-08T08:00:00Z"));
    assert_tiles(&week, zone);
}

// London: 29 March 2026 has no 01:00; 25 October 2026 has it twice.
#[test]
fn london_dst_days_skip_and_repeat_one_am() {
    let zone = Europe::London;
    let spring = week_of(zone, date(2026, 3, 29), VisibleHours::whole_day(), 60);
    let spring_day = day_of(&spring, date(2026, 3, 29));
    assert_eq!(spring_day.slots().len(), 23);
    assert!(!labels(spring_day).contains(&hm(1, 0)));
    assert_tiles(&spring, zone);

    let autumn = week_of(zone, date(2026, 10, 25), VisibleHours::whole_day(), 60);
    let autumn_day = day_of(&autumn, date(2026, 10, 25));
    assert_eq!(autumn_day.slots().len(), 25);
    let one_am: Vec<_> = autumn_day
        .slots()
        .iter()
        .filter(|s| s.local().time() == hm(1, 0))
        .map(|s| s.start())
        .collect();
    assert_eq!(
        one_am,
        [utc("2026-10-25T00:00:00Z"), utc("2026-10-25T01:00:00Z")]
    );
    assert_tiles(&autumn, zone);
}

// Lord Howe moves its clocks by 30 minutes: on 5 April 2026 01:30 to 02:00 repeats,
// making 49 half-hour slots, and the hourly 01:00 slot lasts 90 minutes.
#[test]
fn lord_howe_fall_back_repeats_half_an_hour() {
    let zone = Australia::Lord_Howe;
    let half_hours = week_of(zone, date(2026, 4, 5), VisibleHours::whole_day(), 30);
    let day = day_of(&half_hours, date(2026, 4, 5));
    assert_eq!(day.slots().len(), 49);
    let repeated: Vec<_> = day
        .slots()
        .iter()
        .filter(|s| s.local().time() == hm(1, 30))
        .map(|s| s.start())
        .collect();
    assert_eq!(
        repeated,
        [utc("2026-04-04T14:30:00Z"), utc("2026-04-04T15:00:00Z")]
    );
    assert_tiles(&half_hours, zone);

    let hours = week_of(zone, date(2026, 4, 5), VisibleHours::whole_day(), 60);
    let day = day_of(&hours, date(2026, 4, 5));
    assert_eq!(day.slots().len(), 24);
    let one_am = day
        .slots()
        .iter()
        .find(|s| s.local().time() == hm(1, 0))
        .unwrap();
    assert_eq!(one_am.end() - one_am.start(), TimeDelta::minutes(90));
    assert_tiles(&hours, zone);
}

// On 4 October 2026 Lord Howe skips 02:00 to 02:30: 47 half-hour slots, no 02:00.
#[test]
fn lord_howe_spring_forward_skips_half_an_hour() {
    let zone = Australia::Lord_Howe;
    let week = week_of(zone, date(2026, 10, 4), VisibleHours::whole_day(), 30);
    let day = day_of(&week, date(2026, 10, 4));
    assert_eq!(day.slots().len(), 47);
    let labels = labels(day);
    assert!(!labels.contains(&hm(2, 0)));
    assert!(labels.contains(&hm(1, 30)) && labels.contains(&hm(2, 30)));
    assert_eq!(
        day.visible().unwrap().end() - day.visible().unwrap().start(),
        TimeDelta::minutes(23 * 60 + 30)
    );
    assert_tiles(&week, zone);
}

// A week's fetch window is its seven local days: 167 hours across a spring-forward.
#[test]
fn week_window_spans_the_local_days_whatever_their_length() {
    let zone = America::New_York;
    let spring = week_window(&zone, date(2026, 3, 8)).unwrap();
    assert_eq!(spring.start(), utc("2026-03-08T05:00:00Z"));
    assert_eq!(spring.end() - spring.start(), TimeDelta::hours(167));
    let autumn = week_window(&zone, date(2026, 11, 1)).unwrap();
    assert_eq!(autumn.end() - autumn.start(), TimeDelta::hours(169));
    let lord_howe = week_window(&Australia::Lord_Howe, date(2026, 4, 5)).unwrap();
    assert_eq!(
        lord_howe.end() - lord_howe.start(),
        TimeDelta::minutes(7 * 24 * 60 + 30)
    );
}

// Slots show past, or the strongest status over them, with who blocks them.
#[test]
fn slot_statuses_follow_the_group_and_now() {
    let zone = Europe::London;
    let visible = VisibleHours::new(9 * 60, 12 * 60).unwrap();
    let week = week_of(zone, date(2026, 4, 20), visible, 60);
    let monday = day_of(&week, date(2026, 4, 20));
    // 09:00 BST is 08:00Z.
    let ana = Availability::merge([Period::new(
        utc("2026-04-20T08:30:00Z"),
        utc("2026-04-20T09:00:00Z"),
        Status::Tentative,
    )
    .unwrap()]);
    let bo = Availability::merge([Period::new(
        utc("2026-04-20T10:00:00Z"),
        utc("2026-04-20T10:15:00Z"),
        Status::Unknown,
    )
    .unwrap()]);
    let group = GroupAvailability::combine([&ana, &bo]);
    let now = utc("2026-04-19T12:00:00Z");
    let statuses: Vec<&str> = monday
        .slots()
        .iter()
        .map(|slot| slot.assess(&group, now).status.as_str())
        .collect();
    assert_eq!(statuses, ["tentative", "free", "unknown"]);
    let third = monday.slots()[2].assess(&group, now);
    assert_eq!(third.blockers.len(), 1);
    assert_eq!(third.blockers[0].attendee, 1);

    let later = utc("2026-04-20T08:00:01Z");
    assert_eq!(
        monday.slots()[0].assess(&group, later).status,
        SlotStatus::Past
    );
    assert_eq!(
        monday.slots()[1].assess(&group, later).status,
        SlotStatus::Free
    );
    assert_eq!(monday.slots()[0].start().hour(), 8);
}
