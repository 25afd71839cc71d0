//! The demo week: a realistic [`Seed`] for the week containing a given day.
//!
//! Four people with busy and tentative mixes, overlaps across the calendars of one
//! person, a free block, a deleted event, a managed event and all-day events, so the
//! widget shows every case without hand-written data. Each person has a home zone and
//! rules (`rules_of`). Event times are UTC. Event uids carry
//! the week's Monday, so loading the demo twice in one week changes nothing, and a
//! server started next week adds that week's events beside the old ones.

use chrono::{Days, NaiveDate, NaiveTime, Weekday};
use freebusy_core::Status::{self, Busy, Free, Tentative};
use freebusy_core::week::week_start;
use freebusy_core::wire::rfc3339;
use serde_json::{Map, Value, json};

use crate::seed::{Seed, SeedAccount, SeedCalendar, SeedEvent};

/// When a demo event happens, relative to the week's Monday.
enum When {
    /// `day` days after Monday, from `start` to `end` o'clock UTC (`"HH:MM"`).
    At(u64, &'static str, &'static str),
    /// All day, `days` days starting `day` days after Monday.
    AllDay(u64, u64),
}

/// One row of the demo week: whose calendar, a short tag for the uid, when, status.
struct Entry {
    calendar: &'static str,
    tag: &'static str,
    when: When,
    status: Status,
    deleted: bool,
    event_id: Option<&'static str>,
}

const fn entry(calendar: &'static str, tag: &'static str, when: When, status: Status) -> Entry {
    Entry {
        calendar,
        tag,
        when,
        status,
        deleted: false,
        event_id: None,
    }
}

/// Each person's home zone and rules (server/SEED.md, "Rules"): a team spread over
/// three zones, so the week shows working hours apart from busy time, and the grid with
/// several hosts only where their days overlap.
///
/// - alice, London: a long lunch (12:00–14:00), meetings of 15, 30 or 60 minutes every
///   15 minutes, 10 minutes kept free after each meeting.
/// - bob, Berlin: a four-day week (Monday to Thursday, 08:00–16:00).
/// - carol, New York: 09:00–17:00, at most four bookings a day, a day's notice.
/// - dave, the defaults but for the zone: Kolkata.
fn rules_of(email: &str) -> (Option<&'static str>, Option<Map<String, Value>>) {
    let (zone, rules) = match email {
        "alice@example.com" => {
            let hours =
                json!([{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "17:30"}]);
            (
                "Europe/London",
                json!({
                    "weekly": {"monday": hours, "tuesday": hours, "wednesday": hours,
                               "thursday": hours, "friday": hours},
                    "notice_minutes": 60,
                    "buffer_after_minutes": 10,
                    "durations_minutes": [15, 30, 60],
                    "step_minutes": 15,
                }),
            )
        }
        "bob@example.com" => {
            let hours = json!([{"start": "08:00", "end": "16:00"}]);
            (
                "Europe/Berlin",
                json!({
                    "weekly": {"monday": hours, "tuesday": hours, "wednesday": hours,
                               "thursday": hours},
                    "notice_minutes": 120,
                    "durations_minutes": [30, 60],
                }),
            )
        }
        "carol@example.com" => (
            "America/New_York",
            json!({
                "notice_minutes": 1440,
                "durations_minutes": [30, 60],
                "max_per_day": 4,
            }),
        ),
        "dave@example.com" => return (Some("Asia/Kolkata"), None),
        _ => return (None, None),
    };
    (Some(zone), rules.as_object().cloned())
}

/// The people of the demo and their calendars (id suffix, name).
const PEOPLE: [(&str, &[(&str, &str)]); 4] = [
    (
        "alice@example.com",
        &[("alice_work", "Work"), ("alice_home", "Personal")],
    ),
    ("bob@example.com", &[("bob_work", "Work")]),
    (
        "carol@example.com",
        &[("carol_work", "Work"), ("carol_travel", "Travel")],
    ),
    ("dave@example.com", &[("dave_work", "Work")]),
];

// A table, one event a line, so the week reads at a glance.
#[rustfmt::skip]
fn week_entries() -> Vec<Entry> {
    use When::{AllDay, At};
    let mut entries = Vec::new();
    // A daily stand-up that alice, bob and carol share.
    for day in 0..5 {
        for calendar in ["alice_work", "bob_work", "carol_work"] {
            entries.push(entry(calendar, STANDUP_TAGS[day as usize], At(day, "09:00", "09:15"), Busy));
        }
    }
    entries.extend([
        // alice: work and personal calendars overlap on Tuesday (busy over tentative)
        // and on Wednesday (busy over busy).
        entry("alice_work", "one-on-one", At(1, "10:00", "11:00"), Busy),
        entry("alice_home", "dentist", At(1, "10:30", "12:00"), Tentative),
        entry("alice_work", "design-review", At(2, "13:00", "15:00"), Busy),
        entry("alice_home", "school-run", At(2, "14:30", "15:30"), Busy),
        entry("alice_work", "focus", At(3, "14:00", "16:00"), Free),
        Entry { deleted: true, ..entry("alice_work", "cancelled-lunch", At(4, "12:00", "13:00"), Busy) },
        // bob: an afternoon block, pending invitations, and an overlap in one calendar.
        entry("bob_work", "workshop", At(0, "13:00", "17:00"), Busy),
        entry("bob_work", "vendor-call", At(1, "11:00", "12:00"), Tentative),
        entry("bob_work", "planning", At(3, "10:00", "11:30"), Tentative),
        entry("bob_work", "customer", At(3, "11:00", "12:00"), Busy),
        // carol: away all Wednesday, and a meeting booked through this service.
        entry("carol_travel", "offsite", AllDay(2, 1), Busy),
        entry("carol_work", "interviews", At(0, "10:00", "12:00"), Tentative),
        entry("carol_work", "budget", At(3, "14:00", "15:00"), Busy),
        Entry { event_id: Some("demo-booking-1"), ..entry("carol_work", "booked-intro", At(4, "10:00", "10:30"), Busy) },
        // dave: a conference marked free all Thursday and Friday, and a busy Monday.
        entry("dave_work", "conference", AllDay(3, 2), Free),
        entry("dave_work", "release", At(0, "09:00", "12:00"), Busy),
        entry("dave_work", "retro", At(0, "15:00", "16:00"), Tentative),
        entry("dave_work", "hiring", At(1, "16:00", "17:00"), Busy),
    ]);
    entries
}

const STANDUP_TAGS: [&str; 5] = [
    "standup-mon",
    "standup-tue",
    "standup-wed",
    "standup-thu",
    "standup-fri",
];

/// The demo seed for the week (Monday to Sunday, as in ISO 8601) containing `today`.
pub fn week_seed(today: NaiveDate) -> Seed {
    // Only the first days of the calendar have no Monday before them.
    let monday = week_start(today, Weekday::Mon).unwrap_or(today);
    let entries = week_entries();
    let accounts = PEOPLE
        .iter()
        .map(|(email, calendars)| SeedAccount {
            email: (*email).to_owned(),
            time_zone: rules_of(email).0.map(str::to_owned),
            rules: rules_of(email).1,
            webhooks: Vec::new(),
            calendars: calendars
                .iter()
                .map(|(suffix, name)| SeedCalendar {
                    id: format!("cal_demo_{suffix}"),
                    name: (*name).to_owned(),
                    events: entries
                        .iter()
                        .filter(|entry| entry.calendar == *suffix)
                        .map(|entry| demo_event(monday, entry))
                        .collect(),
                    source: None,
                })
                .collect(),
        })
        .collect();
    Seed { accounts }
}

fn demo_event(monday: NaiveDate, entry: &Entry) -> SeedEvent {
    let (start, end) = match entry.when {
        When::At(day, start, end) => {
            let date = monday + Days::new(day);
            (utc_time(date, start), utc_time(date, end))
        }
        When::AllDay(day, days) => {
            let first = monday + Days::new(day);
            (first.to_string(), (first + Days::new(days)).to_string())
        }
    };
    SeedEvent {
        uid: format!("evt_demo_{monday}_{}_{}", entry.calendar, entry.tag),
        start,
        end,
        status: entry.status.as_str().to_owned(),
        deleted: entry.deleted,
        event_id: entry.event_id.map(str::to_owned),
        last_modified: None,
    }
}

fn utc_time(date: NaiveDate, hh_mm: &str) -> String {
    // The table above is static, so a malformed time is a bug caught by the tests.
    let time = NaiveTime::parse_from_str(hh_mm, "%H:%M").expect("demo times are HH:MM");
    rfc3339::format(date.and_time(time).and_utc())
}
