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
