//! The iCalendar engine's promises, one feed at a time: bounded by the window, cut with
//! a reason, zones never guessed, statuses by the documented precedence, stable keys,
//! and a writer whose output the reader reads back.
#![cfg(feature = "ics")]

use chrono::{DateTime, TimeZone, Utc};
use freebusy_core::wire::ics::{
    self, Account, Attendee, CutReason, Limits, Method, NewEvent, ParseError, SkipReason,
};
use freebusy_core::{Status, Window};

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn window(start: DateTime<Utc>, end: DateTime<Utc>) -> Window {
    Window::new(start, end).unwrap()
}

/// A VCALENDAR around `events` (each a VEVENT body without BEGIN/END).
fn feed(events: &[&str]) -> Vec<u8> {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    for event in events {
        text.push_str("BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\n");
        for line in event.lines() {
            text.push_str(line.trim());
            text.push_str("\r\n");
        }
        text.push_str("END:VEVENT\r\n");
    }
    text.push_str("END:VCALENDAR\r\n");
    text.into_bytes()
}

fn ann() -> Account<chrono_tz::Tz> {
    Account::new("ann@example.com", chrono_tz::Europe::Berlin)
}

fn statuses(events: &[&str], window: Window) -> Vec<(DateTime<Utc>, Status)> {
    ics::parse(&feed(events))
        .unwrap()
        .expand(window, &ann())
        .instances
        .iter()
        .map(|instance| (instance.period.start(), instance.period.status()))
        .collect()
}

// A daily event since 2010 blocks a Tuesday in 2026, and reaching it takes a handful of
// rule steps, not the 5,800 days in between: expansion starts near the window.
#[test]
fn a_daily_event_since_2010_blocks_next_tuesday_in_a_handful_of_steps() {
    let calendar = ics::parse(&feed(&[
        "UID:walk\nDTSTART;TZID=Europe/London:20100104T080000\nDURATION:PT30M\nRRULE:FREQ=DAILY",
    ]))
    .unwrap();
    let tight = Limits {
        max_instances: 100,
        max_steps_per_rule: 20,
    };
    let tuesday = window(at(2026, 4, 21, 0, 0), at(2026, 4, 22, 0, 0));
    let expansion = calendar.expand_with(tuesday, &ann(), tight);
    assert_eq!(expansion.cut, None);
    let starts: Vec<_> = expansion
        .instances
        .iter()
        .map(|i| i.period.start())
        .collect();
    assert_eq!(starts, [at(2026, 4, 21, 7, 0)]);
}

// A counted rule (which must be counted from its first instance) that would need more
// steps than the limit to reach the window is cut, and the window is unknown from there.
#[test]
fn a_counted_rule_too_long_to_reach_the_window_is_cut_and_the_rest_is_unknown() {
    let calendar = ics::parse(&feed(&[
        "UID:tick\nDTSTART:20100101T000000Z\nDURATION:PT1S\nRRULE:FREQ=SECONDLY;COUNT=2000000000",
    ]))
    .unwrap();
    let week = window(at(2026, 4, 20, 0, 0), at(2026, 4, 27, 0, 0));
    let expansion = calendar.expand(week, &ann());
    let cut = expansion.cut.clone().expect("cut");
    assert!(matches!(cut.reason, CutReason::RuleTooLong { ref uid, .. } if uid == "tick"));
    assert_eq!(cut.unknown_from, week.start());
    let periods = expansion.periods();
    assert_eq!(periods.len(), 1);
    assert_eq!(
        (periods[0].start(), periods[0].end(), periods[0].status()),
        (week.start(), week.end(), Status::Unknown)
    );
}

// A window of a year over an every-minute rule is cut at the instance limit: the
// instances before the cut are complete and the time after it is unknown, never free.
#[test]
fn too_many_instances_in_the_window_are_cut_at_the_limit() {
    let calendar = ics::parse(&feed(&[
        "UID:every-minute\nDTSTART:20260101T000000Z\nDURATION:PT30S\nRRULE:FREQ=MINUTELY",
    ]))
    .unwrap();
    let year = window(at(2026, 1, 1, 0, 0), at(2027, 1, 1, 0, 0));
    let expansion = calendar.expand(year, &ann());
    let limit = Limits::default().max_instances;
    let cut = expansion.cut.clone().expect("cut");
    assert_eq!(cut.reason, CutReason::TooManyInstances { limit });
    assert_eq!(expansion.instances.len(), limit);
    assert!(
        expansion
            .instances
            .iter()
            .all(|i| i.period.start() < cut.unknown_from)
    );
    let last = expansion.periods().pop().unwrap();
    assert_eq!(
        (last.start(), last.end(), last.status()),
        (cut.unknown_from, year.end(), Status::Unknown)
    );
}

// A rule that can never match ends with no instances instead of looping forever.
#[test]
fn a_rule_that_never_matches_ends_instead_of_hanging() {
    let never = statuses(
        &[
            "UID:never\nDTSTART:20260101T090000Z\nDURATION:PT1H\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        ],
        window(at(2026, 1, 1, 0, 0), at(2030, 1, 1, 0, 0)),
    );
    assert_eq!(
        never,
        [(at(2026, 1, 1, 9, 0), Status::Busy)],
        "only DTSTART itself"
    );
}

// A TZID nobody defines skips its event with the zone's name; it is never read as UTC.
#[test]
fn an_unknown_tzid_skips_its_event_with_the_name_and_is_never_read_as_utc() {
    let calendar = ics::parse(&feed(&[
        "UID:mars\nDTSTART;TZID=Mars/Olympus_Mons:20260421T100000\nDURATION:PT1H",
    ]))
    .unwrap();
    assert_eq!(
        calendar.skipped()[0].reason,
        SkipReason::UnknownZone("Mars/Olympus_Mons".into())
    );
    let expansion = calendar.expand(window(at(2026, 4, 20, 0, 0), at(2026, 4, 27, 0, 0)), &ann());
    assert!(expansion.instances.is_empty());
    assert_eq!(expansion.skipped, calendar.skipped());
}

// Floating times and dates are placed in the account's zone: the same feed blocks
// different instants for an account in Berlin and one in New York.
#[test]
fn floating_times_and_dates_follow_the_accounts_zone() {
    let calendar = ics::parse(&feed(&[
        "UID:gym\nDTSTART:20260421T070000\nDTEND:20260421T080000",
        "UID:day\nDTSTART;VALUE=DATE:20260422",
    ]))
    .unwrap();
    let week = window(at(2026, 4, 20, 0, 0), at(2026, 4, 27, 0, 0));
    let starts = |zone| {
        calendar
            .expand(week, &Account::new("ann@example.com", zone))
            .instances
            .iter()
            .map(|i| (i.period.start(), i.period.end()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        starts(chrono_tz::Europe::Berlin),
        [
            (at(2026, 4, 21, 5, 0), at(2026, 4, 21, 6, 0)),
            (at(2026, 4, 21, 22, 0), at(2026, 4, 22, 22, 0))
        ]
    );
    assert_eq!(
        starts(chrono_tz::America::New_York),
        [
            (at(2026, 4, 21, 11, 0), at(2026, 4, 21, 12, 0)),
            (at(2026, 4, 22, 4, 0), at(2026, 4, 23, 4, 0))
        ]
    );
}

// The status precedence: cancelled takes no time; the account's decline beats Outlook's
// busy status; Outlook's busy status beats TRANSP; an unanswered invitation is tentative,
// but the organizer's own event without PARTSTAT is busy; an alias counts as the account.
#[test]
fn statuses_follow_the_documented_precedence() {
    let week = window(at(2026, 4, 20, 0, 0), at(2026, 4, 27, 0, 0));
    let one = |body: &str| statuses(&[body], week);
    assert_eq!(
        one(
            "UID:a\nDTSTART:20260420T090000Z\nDURATION:PT1H\nSTATUS:CANCELLED\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY"
        ),
        []
    );
    assert_eq!(
        one(
            "UID:b\nDTSTART:20260420T090000Z\nDURATION:PT1H\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\nATTENDEE;PARTSTAT=DECLINED:mailto:ANN@example.com"
        ),
        [(at(2026, 4, 20, 9, 0), Status::Free)]
    );
    assert_eq!(
        one(
            "UID:c\nDTSTART:20260420T090000Z\nDURATION:PT1H\nTRANSP:TRANSPARENT\nX-MICROSOFT-CDO-BUSYSTATUS:OOF"
        ),
        [(at(2026, 4, 20, 9, 0), Status::Busy)]
    );
    assert_eq!(
        one(
            "UID:d\nDTSTART:20260420T090000Z\nDURATION:PT1H\nORGANIZER:mailto:bob@example.org\nATTENDEE:mailto:ann@example.com"
        ),
        [(at(2026, 4, 20, 9, 0), Status::Tentative)]
    );
    assert_eq!(
        one(
            "UID:e\nDTSTART:20260420T090000Z\nDURATION:PT1H\nORGANIZER:mailto:ann@example.com\nATTENDEE:mailto:ann@example.com"
        ),
        [(at(2026, 4, 20, 9, 0), Status::Busy)]
    );
    let alias =
        Account::new("ann@example.com", chrono_tz::UTC).with_alias("MAILTO:ann.smith@example.com");
    let declined = ics::parse(&feed(&["UID:f\nDTSTART:20260420T090000Z\nDURATION:PT1H\nATTENDEE;PARTSTAT=DECLINED:mailto:Ann.Smith@example.com"])).unwrap();
    assert_eq!(
        declined.expand(week, &alias).instances[0].period.status(),
        Status::Free
    );
}

// Every instance has a key unique in its feed, and the same key when the feed is read
// again or asked about in an overlapping window.
#[test]
fn instance_keys_are_unique_and_stable_across_reads_and_windows() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ics/corpus/19-google-export.ics"
    ))
    .unwrap();
    let account = Account::new("ann@example.com", chrono_tz::Europe::Zurich);
    let keys = |window: Window| {
        ics::parse(&bytes)
            .unwrap()
            .expand(window, &account)
            .instances
            .iter()
            .map(|i| (i.period.start(), i.key()))
            .collect::<Vec<_>>()
    };
    let two_weeks = keys(window(at(2026, 4, 13, 0, 0), at(2026, 4, 27, 0, 0)));
    let mut unique: Vec<_> = two_weeks.iter().map(|(_, key)| key.clone()).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), two_weeks.len());
    let second_week = keys(window(at(2026, 4, 20, 0, 0), at(2026, 4, 27, 0, 0)));
    assert!(second_week.iter().all(|entry| two_weeks.contains(entry)));
    assert!(
        two_weeks
            .iter()
            .any(|(_, key)| key == "6bq0oqcf9v3s0ap5ngmnpo8b8m@google.com/20260420T073000Z")
    );
}

// Documents that are not calendars, or are cut off, are errors; junk is never a calendar.
#[test]
fn non_calendars_and_cut_off_calendars_are_errors() {
    assert_eq!(ics::parse(b"").unwrap_err(), ParseError::NotICalendar);
    assert_eq!(
        ics::parse(b"{\"error\": 503}").unwrap_err(),
        ParseError::NotICalendar
    );
    let whole = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ics/corpus/13-count.ics"
    ))
    .unwrap();
    for cut in [20, 200, 400, whole.len() - 20] {
        assert_eq!(
            ics::parse(&whole[..cut]).unwrap_err(),
            ParseError::Truncated,
            "cut at {cut}"
        );
    }
    // 50 MB of printable garbage: an error, not a hang or an allocation storm.
    let garbage: Vec<u8> = (0..50_000_000u64)
        .map(|i| b' ' + ((i * 7919) % 90) as u8)
        .collect();
    assert_eq!(ics::parse(&garbage).unwrap_err(), ParseError::NotICalendar);
}

fn booking() -> NewEvent {
    NewEvent {
        uid: "booking-42@freebusy.example".into(),
        stamp: at(2026, 4, 1, 12, 0),
        sequence: 0,
        start: at(2026, 4, 21, 9, 0),
        end: at(2026, 4, 21, 9, 30),
        summary: "Intro call with Zoë".into(),
        description: Some(format!(
            "Agenda: pricing, the demo; questions\\answers\nsecond line {}",
            "ünïcödé ".repeat(20)
        )),
        location: Some("Room 4, Building B".into()),
        organizer: Attendee {
            email: "ann@example.com".into(),
            name: Some("Ann Example".into()),
        },
        attendees: vec![Attendee {
            email: "visitor@example.org".into(),
            name: Some("Vis \"Itor\"".into()),
        }],
    }
}

// The writer folds every line at 75 octets or fewer (never inside a UTF-8 character),
// ends lines with CRLF, escapes text, and writes the scheduling properties.
#[test]
fn the_writer_folds_escapes_and_writes_the_scheduling_properties() {
    let text = ics::write(&booking(), Method::Request).unwrap();
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'));
    }
    let unfolded = text.replace("\r\n ", "");
    for expected in [
        "METHOD:REQUEST",
        "UID:booking-42@freebusy.example",
        "DTSTAMP:20260401T120000Z",
        "SEQUENCE:0",
        "DTSTART:20260421T090000Z",
        "DTEND:20260421T093000Z",
        "SUMMARY:Intro call with Zoë",
        "DESCRIPTION:Agenda: pricing\\, the demo\\; questions\\\\answers\\nsecond line ünïcödé",
        "LOCATION:Room 4\\, Building B",
        "ORGANIZER;CN=\"Ann Example\":mailto:ann@example.com",
        "STATUS:CONFIRMED",
    ] {
        assert!(
            unfolded.contains(expected),
            "missing {expected:?} in\n{unfolded}"
        );
    }
    let attendee = unfolded
        .lines()
        .find(|l| l.starts_with("ATTENDEE"))
        .unwrap();
    for part in [
        "CN=\"Vis 'Itor'\";",
        "PARTSTAT=NEEDS-ACTION",
        "RSVP=TRUE",
        "ROLE=REQ-PARTICIPANT",
        "mailto:visitor@example.org",
    ] {
        assert!(attendee.contains(part), "{attendee}");
    }
}

// What the writer writes, the reader reads back: the booking blocks its span for the
// host, is tentative for the invited visitor, and its cancel takes no time at all.
#[test]
fn a_written_booking_reads_back_and_its_cancel_frees_the_time() {
    let day = window(at(2026, 4, 21, 0, 0), at(2026, 4, 22, 0, 0));
    let request = ics::parse(ics::write(&booking(), Method::Request).unwrap().as_bytes()).unwrap();
    assert!(request.skipped().is_empty());
    let host = request.expand(day, &Account::new("ann@example.com", chrono_tz::UTC));
    let [instance] = host.instances.as_slice() else {
        panic!("{host:?}")
    };
    assert_eq!(
        (
            instance.period.start(),
            instance.period.end(),
            instance.period.status()
        ),
        (at(2026, 4, 21, 9, 0), at(2026, 4, 21, 9, 30), Status::Busy)
    );
    assert_eq!(instance.key(), "booking-42@freebusy.example");
    let visitor = request.expand(day, &Account::new("visitor@example.org", chrono_tz::UTC));
    assert_eq!(visitor.instances[0].period.status(), Status::Tentative);
    let mut cancel = booking();
    cancel.sequence = 1;
    let cancelled = ics::parse(ics::write(&cancel, Method::Cancel).unwrap().as_bytes()).unwrap();
    assert!(
        cancelled
            .expand(day, &Account::new("ann@example.com", chrono_tz::UTC))
            .instances
            .is_empty()
    );
    let text = ics::write(&cancel, Method::Cancel).unwrap();
    assert!(
        text.contains("METHOD:CANCEL\r\n")
            && text.contains("SEQUENCE:1\r\n")
            && text.contains("STATUS:CANCELLED\r\n")
    );
}

// Values that would break the document out of its property are refused, not written.
#[test]
fn the_writer_refuses_what_would_break_the_document() {
    let mut bad = booking();
    bad.uid = "x\r\nATTENDEE:mailto:evil@example.com".into();
    assert_eq!(
        ics::write(&bad, Method::Request),
        Err(ics::WriteError::BadUid)
    );
    let mut bad = booking();
    bad.attendees[0].email = "visitor@example.org\r\nX:y".into();
    assert!(matches!(
        ics::write(&bad, Method::Request),
        Err(ics::WriteError::BadAddress(_))
    ));
    let mut bad = booking();
    bad.end = bad.start;
    assert_eq!(
        ics::write(&bad, Method::None),
        Err(ics::WriteError::EmptySpan)
    );
    // A line break in a name or a text value is escaped, never a new property.
    let mut odd = booking();
    odd.organizer.name = Some("Ann\r\nATTENDEE:mailto:evil@example.com".into());
    odd.summary = "Hi\r\nATTENDEE:mailto:evil@example.com".into();
    let text = ics::write(&odd, Method::Request).unwrap();
    assert_eq!(text.replace("\r\n ", "").matches("\r\nATTENDEE").count(), 1);
}
