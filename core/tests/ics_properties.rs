//! Properties of the iCalendar engine over generated input: no input makes it panic or
//! run unbounded, expansion near the window equals expansion from the first instance,
//! and whatever the writer writes reads back.
#![cfg(all(feature = "ics", not(target_arch = "wasm32")))]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use freebusy_core::Window;
use freebusy_core::wire::ics::{self, Account, Attendee, Limits, Method, NewEvent};
use proptest::prelude::*;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ics/corpus");

fn fixtures() -> Vec<Vec<u8>> {
    let mut all: Vec<_> = std::fs::read_dir(CORPUS)
        .unwrap()
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    all.sort();
    all
}

fn year_2026() -> Window {
    Window::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap()
}

/// Parses and expands `bytes` over a year, checking the answer's own invariants.
fn read_and_check(bytes: &[u8]) {
    let Ok(calendar) = ics::parse(bytes) else {
        return;
    };
    let limits = Limits {
        max_instances: 2_000,
        max_steps_per_rule: 20_000,
    };
    let account = Account::new("ann@example.com", chrono_tz::Europe::Berlin);
    let expansion = calendar.expand_with(year_2026(), &account, limits);
    assert!(expansion.instances.len() <= limits.max_instances);
    for instance in &expansion.instances {
        assert!(
            instance.period.start() < year_2026().end()
                && year_2026().start() < instance.period.end()
        );
    }
    if let Some(cut) = &expansion.cut {
        assert!(
            expansion
                .instances
                .iter()
                .all(|i| i.period.start() < cut.unknown_from)
        );
    }
}

/// Lines that have broken parsers before: huge counts, impossible dates, odd zones.
const HOSTILE: &[&str] = &[
    "RRULE:FREQ=SECONDLY;COUNT=4294967295",
    "RRULE:FREQ=MINUTELY;BYSETPOS=-9999,9999;BYHOUR=25",
    "RRULE:FREQ=YEARLY;BYWEEKNO=-53,53;BYYEARDAY=-366,366;BYDAY=-53MO",
    "RRULE:FREQ=DAILY;UNTIL=99991231T235959Z;INTERVAL=65535",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=-31,31;BYMONTH=2",
    "DTSTART;TZID=W. Europe Standard Time:16010101T000000",
    "DTSTART;VALUE=DATE:99991231",
    "DTSTART:00000000T000000Z",
    "DURATION:P99999999W",
    "DURATION:-PT1S",
    "DTEND;TZID=/mozilla.org/x/Europe/Berlin:20260101T000000",
    "EXDATE;VALUE=PERIOD:20260101T000000Z/PT1H",
    "RDATE;VALUE=PERIOD:20260101T000000Z/19000101T000000Z",
    "RECURRENCE-ID;RANGE=THISANDFUTURE:20260105T090000Z",
    "BEGIN:VTIMEZONE",
    "TZOFFSETTO:+9999",
    "FREEBUSY;FBTYPE=BUSY:20260101T000000Z/P9999D",
    "BEGIN:VEVENT",
    "END:VCALENDAR",
    "ATTENDEE;PARTSTAT=\"DECLINED:mailto:ann@example.com",
];

#[derive(Debug, Clone)]
enum Edit {
    Truncate(usize),
    Delete(usize),
    Insert(usize, u8),
    Line(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Truncate),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        (any::<usize>(), 0..HOSTILE.len()).prop_map(|(at, line)| Edit::Line(at, line)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len().max(1);
        match *edit {
            Edit::Truncate(at) => bytes.truncate(at % len),
            Edit::Delete(at) if !bytes.is_empty() => {
                bytes.remove(at % bytes.len());
            }
            Edit::Delete(_) => {}
            Edit::Insert(at, byte) => bytes.insert(
                at % len.min(bytes.len() + 1).max(1).min(bytes.len() + 1),
                byte,
            ),
            Edit::Line(at, line) => {
                // At a line start, so the hostile line is read as a property.
                let mut at = at % len.min(bytes.len()).max(1);
                while at > 0 && bytes.get(at - 1) != Some(&b'\n') {
                    at -= 1;
                }
                let tail = bytes.split_off(at.min(bytes.len()));
                bytes.extend_from_slice(HOSTILE[line].as_bytes());
                bytes.extend_from_slice(b"\r\n");
                bytes.extend(tail);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    // Any bytes at all: an error or a calendar, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
        read_and_check(&bytes);
        let mut framed = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n".to_vec();
        framed.extend_from_slice(&bytes);
        framed.extend_from_slice(b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
        read_and_check(&framed);
    }

    // Damaged real feeds (truncated, bytes lost or added, hostile lines spliced in):
    // never a panic, and every answer within its limits.
    #[test]
    fn damaged_fixtures_never_panic_and_stay_bounded(
        which in 0usize..32,
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let all = fixtures();
        let bytes = apply(all[which % all.len()].clone(), &edits);
        read_and_check(&bytes);
    }
}

#[derive(Debug, Clone)]
struct Rule {
    frequency: &'static str,
    interval: u32,
    days: Vec<&'static str>,
    hours: Vec<u32>,
    start_offset_hours: i64,
    week_offset: i64,
}

fn rule() -> impl Strategy<Value = Rule> {
    let days = proptest::sample::subsequence(vec!["MO", "TU", "WE", "TH", "FR", "SA", "SU"], 0..4);
    let hours = proptest::sample::subsequence((0u32..24).collect::<Vec<_>>(), 0..4);
    (
        prop_oneof![
            Just("HOURLY"),
            Just("DAILY"),
            Just("WEEKLY"),
            Just("MINUTELY")
        ],
        1u32..12,
        days,
        hours,
        0i64..(6 * 365 * 24),
        0i64..52,
    )
        .prop_map(
            |(frequency, interval, days, hours, start_offset_hours, week_offset)| Rule {
                frequency,
                interval: if frequency == "MINUTELY" {
                    [15, 20, 30, 60][interval as usize % 4]
                } else {
                    interval
                },
                days,
                hours,
                start_offset_hours,
                week_offset,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    // Starting near the window (the fast-forward) gives exactly the instances that
    // iterating from the first one gives: same starts, same ends, nothing lost at DST.
    #[test]
    fn expanding_near_the_window_equals_expanding_from_the_first_instance(rule in rule()) {
        let first = Utc.with_ymd_and_hms(2020, 1, 1, 9, 15, 0).unwrap() + TimeDelta::hours(rule.start_offset_hours);
        let local = first.with_timezone(&chrono_tz::Europe::Berlin).naive_local();
        let mut parts = vec![format!("FREQ={}", rule.frequency), format!("INTERVAL={}", rule.interval)];
        if !rule.days.is_empty() {
            parts.push(format!("BYDAY={}", rule.days.join(",")));
        }
        if !rule.hours.is_empty() && rule.frequency != "WEEKLY" {
            parts.push(format!("BYHOUR={}", rule.hours.iter().map(u32::to_string).collect::<Vec<_>>().join(",")));
        }
        let text = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:p\r\nDTSTART;TZID=Europe/Berlin:{}\r\nDURATION:PT10M\r\nRRULE:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            local.format("%Y%m%dT%H%M%S"),
            parts.join(";"),
        );
        let calendar = ics::parse(text.as_bytes()).unwrap();
        prop_assert!(calendar.skipped().is_empty(), "{:?}", calendar.skipped());
        let week_start = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap() + TimeDelta::weeks(rule.week_offset);
        let week = Window::new(week_start, week_start + TimeDelta::weeks(1)).unwrap();
        let account = Account::new("ann@example.com", chrono_tz::UTC);
        let near = calendar.expand(week, &account);
        // A window that begins before the first instance cannot be fast-forwarded.
        let from_first = Window::new(first - TimeDelta::days(1), week.end()).unwrap();
        let huge = Limits { max_instances: 10_000_000, max_steps_per_rule: 100_000_000 };
        let all = calendar.expand_with(from_first, &account, huge);
        prop_assert!(near.cut.is_none() && all.cut.is_none());
        let in_week = |instances: &[ics::Instance]| -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
            instances
                .iter()
                .filter(|i| i.period.start() < week.end() && week.start() < i.period.end())
                .map(|i| (i.period.start(), i.period.end()))
                .collect()
        };
        prop_assert_eq!(in_week(&near.instances), in_week(&all.instances), "{}", text);
    }

    // Whatever the text (any Unicode, control characters, quotes), the writer's lines are
    // at most 75 octets, and the event reads back with its UID and span.
    #[test]
    fn written_events_fold_correctly_and_read_back(
        summary in "\\PC{0,200}",
        description in proptest::option::of("[\\PC\r\n\t\\\\;,\"]{0,300}"),
        name in proptest::option::of("\\PC{0,40}"),
        start_minutes in 0i64..(5 * 365 * 24 * 60),
        length_minutes in 1i64..(3 * 24 * 60),
    ) {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + TimeDelta::minutes(start_minutes);
        let event = NewEvent {
            uid: "round-trip@freebusy.example".into(),
            stamp: start,
            sequence: 3,
            start,
            end: start + TimeDelta::minutes(length_minutes),
            summary,
            description,
            location: None,
            organizer: Attendee { email: "ann@example.com".into(), name },
            attendees: vec![Attendee { email: "visitor@example.org".into(), name: None }],
        };
        let text = ics::write(&event, Method::Request).unwrap();
        for line in text.split("\r\n") {
            prop_assert!(line.len() <= 75, "{} octets: {:?}", line.len(), line);
        }
        let calendar = ics::parse(text.as_bytes()).unwrap();
        prop_assert!(calendar.skipped().is_empty(), "{:?}", calendar.skipped());
        let around = Window::new(event.start - TimeDelta::days(1), event.end + TimeDelta::days(1)).unwrap();
        let expansion = calendar.expand(around, &Account::new("ann@example.com", chrono_tz::UTC));
        prop_assert_eq!(expansion.instances.len(), 1);
        let instance = &expansion.instances[0];
        prop_assert_eq!(instance.uid.as_str(), "round-trip@freebusy.example");
        prop_assert_eq!((instance.period.start(), instance.period.end()), (event.start, event.end));
    }
}
