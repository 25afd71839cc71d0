//! Time zones named by `TZID`: IANA names, Windows names, and `VTIMEZONE` definitions.
//!
//! The parser leaves a `TZID` as text; this module decides what it means, in this order:
//!
//! 1. `UTC`/`GMT`/`Z` and IANA names (`Europe/Berlin`), also behind a path prefix
//!    (`/mozilla.org/20050126_1/Europe/Berlin`, `/freeassociation.sourceforge.net/…`).
//! 2. Windows names (`W. Europe Standard Time`), through CLDR's table.
//! 3. The feed's own `VTIMEZONE` with that `TZID`: its `X-LIC-LOCATION` if that is an
//!    IANA name, else its `STANDARD`/`DAYLIGHT` rules, evaluated here.
//!
//! IANA data wins over a feed's copy of the same zone because it knows the zone's whole
//! history, while exported `VTIMEZONE`s usually carry only the current rules (Outlook
//! writes them from 1601). A `TZID` that is none of these is an error the caller reports
//! ([`SkipReason::UnknownZone`](super::SkipReason::UnknownZone)), never a guess of UTC.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use calcard::icalendar::{
    ICalendarComponent, ICalendarComponentType, ICalendarProperty, ICalendarValue,
};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};

use super::recur::{self, LocalRule};
use super::value;
use super::windows_zones::WINDOWS_ZONES;
use crate::zone::Zone;

/// A resolved time zone: all the engine asks of it is [`Zone::offset_at`].
#[derive(Clone, Debug)]
pub(crate) enum TimeZone {
    /// An IANA zone from the tz database.
    Iana(chrono_tz::Tz),
    /// A zone only the feed defines.
    Defined(Arc<DefinedZone>),
}

impl Zone for TimeZone {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        match self {
            TimeZone::Iana(zone) => zone.offset_at(instant),
            TimeZone::Defined(zone) => zone.offset_at(instant),
        }
    }
}

/// A `VTIMEZONE` evaluated into its transitions.
#[derive(Debug)]
pub(crate) struct DefinedZone {
    /// `(instant of the change, offset from then on)`, sorted by instant.
    transitions: Vec<(DateTime<Utc>, FixedOffset)>,
    /// The offset before the first transition (its `TZOFFSETFROM`).
    initial: FixedOffset,
}

impl Zone for DefinedZone {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        let after = self.transitions.partition_point(|(at, _)| *at <= instant);
        match after
            .checked_sub(1)
            .and_then(|last| self.transitions.get(last))
        {
            Some((_, offset)) => *offset,
            None => self.initial,
        }
    }
}

/// Transitions are computed up to this year; later instants keep the last offset.
const LAST_TRANSITION_YEAR: i32 = 2200;
/// At most this many onsets per observance (a yearly rule from 1601 to 2200 has 600).
const MAX_ONSETS: usize = 2_000;

impl DefinedZone {
    /// Evaluates a `VTIMEZONE`'s observances, or `None` if it defines none usably.
    fn from_component(calendar: &[ICalendarComponent], zone: &ICalendarComponent) -> Option<Self> {
        let mut transitions = Vec::new();
        for child in zone
            .component_ids
            .iter()
            .filter_map(|&id| calendar.get(usize::try_from(id).ok()?))
        {
            if !matches!(
                child.component_type,
                ICalendarComponentType::Standard | ICalendarComponentType::Daylight
            ) {
                continue;
            }
            observance_onsets(child, &mut transitions);
        }
        transitions.sort_by_key(|(at, _, _)| *at);
        let (_, first_from, _) = *transitions.first()?;
        Some(DefinedZone {
            transitions: transitions
                .into_iter()
                .map(|(at, _, to)| (at, to))
                .collect(),
            initial: first_from,
        })
    }
}

/// `(instant, offset before, offset after)` of every onset of one observance.
fn observance_onsets(
    observance: &ICalendarComponent,
    out: &mut Vec<(DateTime<Utc>, FixedOffset, FixedOffset)>,
) {
    let offset = |property: ICalendarProperty| {
        observance
            .property(&property)
            .and_then(|entry| entry.values.first())
            .and_then(value::utc_offset)
    };
    let (Some(from), Some(to)) = (
        offset(ICalendarProperty::Tzoffsetfrom),
        offset(ICalendarProperty::Tzoffsetto),
    ) else {
        return;
    };
    let Some(start) = observance
        .property(&ICalendarProperty::Dtstart)
        .and_then(|entry| entry.values.first())
        .and_then(ICalendarValue::as_partial_date_time)
        .and_then(value::naive_date_time)
    else {
        return;
    };
    let onset = |local: NaiveDateTime| local.checked_sub_offset(from).map(|utc| utc.and_utc());
    let end = chrono::NaiveDate::from_ymd_opt(LAST_TRANSITION_YEAR, 1, 1)
        .and_then(|date| date.and_hms_opt(0, 0, 0));
    let mut found = 0usize;
    let mut push = |at: DateTime<Utc>, out: &mut Vec<_>| {
        found += 1;
        out.push((at, from, to));
    };
    if let Some(at) = onset(start) {
        push(at, out);
    }
    for entry in observance.properties(&ICalendarProperty::Rrule) {
        let Some(rule) = entry.values.first().and_then(LocalRule::from_value) else {
            continue;
        };
        // UNTIL is in UTC (RFC 5545 3.8.5.3): compared with the onset's instant.
        let until = rule.until_instant();
        for local in recur::iterate_local(&rule, start, MAX_ONSETS) {
            if end.is_some_and(|end| local >= end) {
                break;
            }
            let Some(at) = onset(local) else { break };
            if until.is_some_and(|until| at > until + TimeDelta::seconds(1)) {
                break;
            }
            push(at, out);
        }
    }
    for entry in observance.properties(&ICalendarProperty::Rdate) {
        for local in entry
            .values
            .iter()
            .filter_map(ICalendarValue::as_partial_date_time)
            .filter_map(value::naive_date_time)
        {
            if let Some(at) = onset(local) {
                push(at, out);
            }
        }
    }
}

/// The zones a calendar names, resolved once per `TZID`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Zones {
    /// `VTIMEZONE`s of the feed by `TZID`, resolved.
    defined: HashMap<String, TimeZone>,
}

impl Zones {
    /// Reads every `VTIMEZONE` of the calendar's components.
    pub(crate) fn from_components(components: &[ICalendarComponent]) -> Zones {
        let mut defined = HashMap::new();
        for component in components
            .iter()
            .filter(|c| c.component_type == ICalendarComponentType::VTimezone)
        {
            let Some(tzid) = component
                .property(&ICalendarProperty::Tzid)
                .and_then(|entry| entry.values.first())
                .and_then(ICalendarValue::as_text)
            else {
                continue;
            };
            let location = value::extension(component, "X-LIC-LOCATION")
                .and_then(ICalendarValue::as_text)
                .and_then(iana);
            let zone = location.map(TimeZone::Iana).or_else(|| {
                DefinedZone::from_component(components, component)
                    .map(|zone| TimeZone::Defined(Arc::new(zone)))
            });
            if let Some(zone) = zone {
                defined.insert(tzid.trim().to_owned(), zone);
            }
        }
        Zones { defined }
    }

    /// What `tzid` means here, or `None` if nothing defines it.
    pub(crate) fn resolve(&self, tzid: &str) -> Option<TimeZone> {
        let tzid = tzid.trim().trim_matches('"');
        named(tzid)
            .map(TimeZone::Iana)
            .or_else(|| self.defined.get(tzid).cloned())
    }
}

/// An IANA or Windows zone name, as written or behind a path prefix.
fn named(tzid: &str) -> Option<chrono_tz::Tz> {
    if let Some(zone) = iana(tzid).or_else(|| windows(tzid)) {
        return Some(zone);
    }
    // "/mozilla.org/20050126_1/Europe/Berlin": try each tail after a slash.
    tzid.match_indices('/')
        .filter_map(|(at, _)| tzid.get(at + 1..))
        .find_map(iana)
}

fn iana(name: &str) -> Option<chrono_tz::Tz> {
    let name = name.trim();
    match name {
        "Z" | "UTC" | "GMT" | "Etc/UTC" | "Etc/GMT" => Some(chrono_tz::UTC),
        _ => chrono_tz::Tz::from_str(name).ok(),
    }
}

/// A Windows zone name (`Pacific Standard Time`) through CLDR's table; case-insensitive
/// because feeds are not consistent about it.
pub(crate) fn windows(name: &str) -> Option<chrono_tz::Tz> {
    let name = name.trim();
    let found = match WINDOWS_ZONES.binary_search_by(|(windows, _)| (*windows).cmp(name)) {
        Ok(at) => WINDOWS_ZONES.get(at),
        Err(_) => WINDOWS_ZONES
            .iter()
            .find(|(windows, _)| windows.eq_ignore_ascii_case(name)),
    };
    found.and_then(|(_, iana_name)| chrono_tz::Tz::from_str(iana_name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every Windows name in the table maps to a zone the tz database knows.
    #[test]
    fn every_windows_name_maps_to_a_known_iana_zone() {
        for (windows_name, iana_name) in WINDOWS_ZONES {
            assert!(
                windows(windows_name).is_some(),
                "{windows_name} -> {iana_name} is not in chrono-tz"
            );
        }
        assert!(WINDOWS_ZONES.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    // Prefixed IANA names (Lightning, libical) resolve; a made-up name does not.
    #[test]
    fn prefixed_iana_names_resolve_and_made_up_names_do_not() {
        assert_eq!(
            named("/mozilla.org/20050126_1/Europe/Berlin"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(
            named("w. europe standard time"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(named("Mars/Olympus_Mons"), None);
    }
}
