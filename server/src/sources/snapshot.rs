//! From parsed objects to the events a source calendar holds: every instance over the
//! rolling horizon, keyed by `Instance::key`, and unknown events for the time the
//! snapshot does not cover (before its first horizon, after its horizon, from a cut).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Days, NaiveTime, Utc};
use chrono_tz::Tz;
use freebusy_core::wire::ics::{self, Cut, Instance, Skipped};
use freebusy_core::{Status, Window};
use serde::Serialize;

use super::spec::SourceSpec;
use crate::store::model::{UNKNOWN_UID_PREFIX, all_time};
use crate::store::{Account, EventSpan, SnapshotEvent};

/// The uid of the unknown event before the time a snapshot covers.
pub const UNKNOWN_BEFORE_UID: &str = "freebusy:unknown-before";
/// The uid of the unknown event after a snapshot's horizon.
pub const UNKNOWN_AFTER_UID: &str = "freebusy:unknown-after";
/// The uid of the unknown event from where an expansion was cut to the horizon's end.
pub const UNKNOWN_CUT_UID: &str = "freebusy:unknown-cut";
/// How many skipped entries the status lists (all of them are counted).
pub const MAX_LISTED_SKIPPED: usize = 50;

/// The window a source is expanded over on `now`'s day: from midnight UTC
/// `past_days` before today to midnight UTC `future_days` after it. It moves once a
/// day, so an unchanged feed is expanded again only once a day.
pub fn horizon(spec: &SourceSpec, now: DateTime<Utc>) -> Window {
    let today = now.date_naive();
    let day = |date: chrono::NaiveDate| date.and_time(NaiveTime::MIN).and_utc();
    let start = today
        .checked_sub_days(Days::new(u64::from(spec.past_days)))
        .map_or(all_time().0, day);
    let end = today
        .checked_add_days(Days::new(u64::from(spec.future_days)))
        .map_or(all_time().1, day);
    Window::new(start, end)
        .unwrap_or_else(|_| Window::new(all_time().0, all_time().1).expect("all time is a window"))
}

/// One object of a source, parsed (or not).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Its href.
    pub href: String,
    /// The engine's calendar, or why the object is not one.
    pub calendar: Result<Arc<ics::Calendar>, ics::ParseError>,
}

/// What the status says about an expansion.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Objects read (1 for a feed).
    pub objects: usize,
    /// Objects that are not iCalendar at all, by href.
    pub unreadable: Vec<String>,
    /// Instances in the horizon.
    pub instances: usize,
    /// Components left out, with their reasons (the first [`MAX_LISTED_SKIPPED`]).
    pub skipped: Vec<Skipped>,
    /// How many were left out in all.
    pub skipped_total: usize,
    /// Where and why the expansion stopped early; the time after it is unknown.
    pub cut: Option<Cut>,
}

/// The events of a snapshot of `objects`, expanded over `horizon` for `account`, with
/// the unknown periods before `covered_from` (or the horizon's start), after the
/// horizon, and after a cut.
pub fn events(
    objects: &[Parsed],
    account: &Account,
    horizon: Window,
    covered_from: Option<DateTime<Utc>>,
) -> (Vec<SnapshotEvent>, Report) {
    let reader = ics::Account::new(&account.email, account.time_zone);
    let mut report = Report {
        objects: objects.len(),
        ..Report::default()
    };
    let mut events = Vec::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut cut: Option<Cut> = None;
    for (index, object) in objects.iter().enumerate() {
        let calendar = match &object.calendar {
            Ok(calendar) => calendar,
            Err(_) => {
                report.unreadable.push(object.href.clone());
                continue;
            }
        };
        let expansion = calendar.expand(horizon, &reader);
        for skipped in expansion.skipped {
            report.skipped_total += 1;
            if report.skipped.len() < MAX_LISTED_SKIPPED {
                report.skipped.push(skipped);
            }
        }
        if let Some(this) = expansion.cut
            && cut
                .as_ref()
                .is_none_or(|cut| this.unknown_from < cut.unknown_from)
        {
            cut = Some(this);
        }
        for instance in &expansion.instances {
            if crate::booking::is_event_uid(&instance.uid) {
                // A booking written here by the outbox: the booking itself blocks.
                continue;
            }
            let mut key = instance.key();
            if key.starts_with(UNKNOWN_UID_PREFIX) || !keys.insert(key.clone()) {
                // Another object (a CalDAV collection may hold the same UID twice) or
                // a UID posing as ours: keep both, apart.
                key = format!("{key}#object{index}");
                if !keys.insert(key.clone()) {
                    continue;
                }
            }
            events.push(SnapshotEvent {
                uid: key,
                span: span(instance, &account.time_zone),
                status: instance.period.status(),
            });
        }
    }
    report.instances = events.len();
    let (first, last) = all_time();
    let covered_from = covered_from.map_or(horizon.start(), |from| from.min(horizon.start()));
    let mut unknown = |uid: &str, start: DateTime<Utc>, end: DateTime<Utc>| {
        if start < end {
            events.push(SnapshotEvent {
                uid: uid.to_owned(),
                span: EventSpan::Timed { start, end },
                status: Status::Unknown,
            });
        }
    };
    unknown(UNKNOWN_BEFORE_UID, first, covered_from);
    unknown(UNKNOWN_AFTER_UID, horizon.end(), last);
    if let Some(cut) = &cut {
        unknown(
            UNKNOWN_CUT_UID,
            cut.unknown_from.max(horizon.start()),
            horizon.end(),
        );
    }
    report.cut = cut;
    (events, report)
}

/// An instance as the store keeps it: all-day instances by their dates in the
/// account's zone (the store places them at midnight there again), others by instant.
fn span(instance: &Instance, zone: &Tz) -> EventSpan {
    let (start, end) = (instance.period.start(), instance.period.end());
    if instance.all_day {
        let (first, after) = (
            start.with_timezone(zone).date_naive(),
            end.with_timezone(zone).date_naive(),
        );
        if first < after {
            return EventSpan::AllDay {
                start: first,
                end: after,
            };
        }
    }
    EventSpan::Timed { start, end }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::SeedSource;

    fn spec() -> SourceSpec {
        SourceSpec::from_seed(
            "cal",
            &SeedSource {
                kind: "ics".into(),
                url: Some("https://x.example/feed.ics".into()),
                ..SeedSource::default()
            },
        )
        .unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn parsed(feed: &str) -> Vec<Parsed> {
        vec![Parsed {
            href: "feed.ics".into(),
            calendar: ics::parse(feed.as_bytes()).map(Arc::new),
        }]
    }

    fn account() -> Account {
        Account {
            id: 1,
            email: "ann@example.com".into(),
            time_zone: chrono_tz::UTC,
        }
    }

    // Midnight UTC, 44 days back to 366 ahead, whatever the time of day.
    #[test]
    fn the_horizon_is_whole_days_around_today() {
        let horizon = horizon(&spec(), utc("2026-04-20T17:45:00Z"));
        assert_eq!(horizon.start(), utc("2026-03-07T00:00:00Z"));
        assert_eq!(horizon.end(), utc("2027-04-21T00:00:00Z"));
    }

    // A feed too big to expand is cut: the rest of the horizon is an unknown event, and
    // the time before and after the snapshot is unknown too.
    #[test]
    fn a_cut_expansion_leaves_the_rest_of_the_horizon_unknown() {
        let feed = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:tick\r\nDTSTAMP:20260101T000000Z\r\n\
                    DTSTART:20260101T000000Z\r\nDURATION:PT30S\r\nRRULE:FREQ=MINUTELY\r\n\
                    END:VEVENT\r\nEND:VCALENDAR\r\n";
        let horizon =
            Window::new(utc("2026-04-01T00:00:00Z"), utc("2026-05-01T00:00:00Z")).unwrap();
        let (events, report) = events(&parsed(feed), &account(), horizon, None);
        let cut = report.cut.expect("cut");
        let unknown: Vec<(&str, EventSpan)> = events
            .iter()
            .filter(|event| event.status == Status::Unknown)
            .map(|event| (event.uid.as_str(), event.span))
            .collect();
        assert_eq!(
            unknown,
            [
                (
                    UNKNOWN_BEFORE_UID,
                    EventSpan::Timed {
                        start: all_time().0,
                        end: horizon.start()
                    }
                ),
                (
                    UNKNOWN_AFTER_UID,
                    EventSpan::Timed {
                        start: horizon.end(),
                        end: all_time().1
                    }
                ),
                (
                    UNKNOWN_CUT_UID,
                    EventSpan::Timed {
                        start: cut.unknown_from,
                        end: horizon.end()
                    }
                ),
            ]
        );
        assert_eq!(report.instances, events.len() - 3);
    }

    // All-day instances keep their dates; a UID posing as one of ours is kept apart.
    #[test]
    fn all_day_instances_are_dates_and_our_uids_cannot_be_taken() {
        let feed = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:freebusy:unread\r\nDTSTAMP:20260101T000000Z\r\n\
                    DTSTART;VALUE=DATE:20260424\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let horizon =
            Window::new(utc("2026-04-01T00:00:00Z"), utc("2026-05-01T00:00:00Z")).unwrap();
        let (events, _) = events(
            &parsed(feed),
            &account(),
            horizon,
            Some(utc("2026-03-01T00:00:00Z")),
        );
        assert_eq!(events[0].uid, "freebusy:unread#object0");
        assert_eq!(
            events[0].span,
            EventSpan::AllDay {
                start: chrono::NaiveDate::from_ymd_opt(2026, 4, 24).unwrap(),
                end: chrono::NaiveDate::from_ymd_opt(2026, 4, 25).unwrap(),
            }
        );
        // Covered since March: unknown only before that.
        assert_eq!(
            events[1].span,
            EventSpan::Timed {
                start: all_time().0,
                end: utc("2026-03-01T00:00:00Z")
            }
        );
    }
}
