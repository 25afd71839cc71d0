//! The checked calendar: what [`parse`](super::parse) keeps of each component.
//!
//! Everything that does not depend on the account or the window is decided here, once:
//! times are typed and their `TZID`s resolved, rules are built, overrides are grouped
//! with their series. A component that cannot be read is a [`Skipped`] with its reason.

use std::collections::HashMap;

use calcard::icalendar::{
    ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarFreeBusyType,
    ICalendarParameterName, ICalendarParameterValue, ICalendarParticipationStatus, ICalendarPeriod,
    ICalendarProperty, ICalendarStatus, ICalendarTransparency, ICalendarValue,
};

use super::recur::LocalRule;
use super::value::{self, Duration, Moment};
use super::zones::{TimeZone, Zones};
use super::{SkipReason, Skipped};
use crate::Status;

/// A `DATE`/`DATE-TIME` with the zone its `TZID` names (only for local times).
#[derive(Clone, Debug)]
pub(crate) struct Time {
    pub(crate) moment: Moment,
    pub(crate) zone: Option<TimeZone>,
}

/// How long each instance lasts.
#[derive(Clone, Debug)]
pub(crate) enum Length {
    /// `DTEND`: the exact time between `DTSTART` and it, for every instance.
    Until(Time),
    /// `DURATION`: nominal days (local time) plus an exact part.
    Duration(Duration),
    /// Neither: a day for a date, nothing for a date-time (RFC 5545 3.6.1).
    Default,
}

/// An `RDATE`: an extra start, or an extra period with its own end.
#[derive(Clone, Debug)]
pub(crate) enum ExtraDate {
    At(Time),
    Until(Time, Time),
    For(Time, Duration),
}

/// The account's part in an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Attendee {
    /// Lowercase address without `mailto:`.
    pub(crate) address: String,
    /// `PARTSTAT` in upper case, `None` when absent.
    pub(crate) partstat: Option<String>,
}

/// What decides an event's status (see [`super::status_of`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Traits {
    /// `STATUS`, upper case.
    pub(crate) status: Option<String>,
    pub(crate) transparent: bool,
    /// `X-MICROSOFT-CDO-BUSYSTATUS`, upper case.
    pub(crate) busy_status: Option<String>,
    /// Lowercase address of `ORGANIZER`.
    pub(crate) organizer: Option<String>,
    pub(crate) attendees: Vec<Attendee>,
}

/// One `VEVENT`'s time and status.
#[derive(Clone, Debug)]
pub(crate) struct Occurrence {
    pub(crate) start: Time,
    pub(crate) length: Length,
    pub(crate) rules: Vec<LocalRule>,
    pub(crate) extra: Vec<ExtraDate>,
    pub(crate) excluded: Vec<Time>,
    pub(crate) traits: Traits,
}

/// A `VEVENT` with a `RECURRENCE-ID`.
#[derive(Clone, Debug)]
pub(crate) struct Override {
    pub(crate) recurrence_id: Time,
    /// `RANGE=THISANDFUTURE`.
    pub(crate) and_future: bool,
    pub(crate) occurrence: Occurrence,
}

/// All components of one `UID`: the series' master and its overrides.
#[derive(Clone, Debug)]
pub(crate) struct Series {
    pub(crate) uid: String,
    /// 0 for the first master with this UID; later duplicates count up, so that keys stay
    /// unique in feeds that repeat a UID.
    pub(crate) duplicate: u32,
    pub(crate) master: Option<Occurrence>,
    pub(crate) overrides: Vec<Override>,
}

/// One `FREEBUSY` period.
#[derive(Clone, Debug)]
pub(crate) struct BusyPeriod {
    pub(crate) uid: String,
    pub(crate) start: Time,
    pub(crate) end: Time,
    pub(crate) status: Status,
}

/// Reads the components of one parsed `VCALENDAR` into `series` and `busy`.
pub(crate) fn read_calendar(
    components: &[ICalendarComponent],
    series: &mut Vec<Series>,
    busy: &mut Vec<BusyPeriod>,
    skipped: &mut Vec<Skipped>,
) {
    let zones = Zones::from_components(components);
    let mut by_uid: HashMap<String, usize> = series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.duplicate == 0)
        .map(|(index, s)| (s.uid.clone(), index))
        .collect();
    for component in components {
        match component.component_type {
            ICalendarComponentType::VEvent => {
                let uid = uid_of(component);
                match read_event(component, &zones) {
                    Ok((Some(recurrence_id), and_future, occurrence)) => {
                        let index = *by_uid.entry(uid.clone()).or_insert_with(|| {
                            series.push(Series {
                                uid: uid.clone(),
                                duplicate: 0,
                                master: None,
                                overrides: Vec::new(),
                            });
                            series.len() - 1
                        });
                        if let Some(series) = series.get_mut(index) {
                            series.overrides.push(Override {
                                recurrence_id,
                                and_future,
                                occurrence,
                            });
                        }
                    }
                    Ok((None, _, occurrence)) => {
                        let existing = by_uid.get(&uid).and_then(|&index| series.get_mut(index));
                        match existing {
                            Some(found) if found.master.is_none() => {
                                found.master = Some(occurrence)
                            }
                            Some(_) => {
                                let duplicate = series.iter().filter(|s| s.uid == uid).count();
                                series.push(Series {
                                    uid,
                                    duplicate: u32::try_from(duplicate).unwrap_or(u32::MAX),
                                    master: Some(occurrence),
                                    overrides: Vec::new(),
                                });
                            }
                            None => {
                                by_uid.insert(uid.clone(), series.len());
                                series.push(Series {
                                    uid,
                                    duplicate: 0,
                                    master: Some(occurrence),
                                    overrides: Vec::new(),
                                });
                            }
                        }
                    }
                    Err(reason) => skipped.push(Skipped {
                        what: format!("VEVENT {uid}"),
                        reason,
                    }),
                }
            }
            ICalendarComponentType::VFreebusy => read_free_busy(component, busy, skipped),
            _ => {}
        }
    }
}

/// The `UID`, or a stable stand-in made from the component's times and summary.
fn uid_of(component: &ICalendarComponent) -> String {
    if let Some(uid) = component.uid().map(str::trim).filter(|uid| !uid.is_empty()) {
        return uid.to_owned();
    }
    // FNV-1a over what identifies an event to a person: stable across re-reads.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for property in [
        ICalendarProperty::Dtstart,
        ICalendarProperty::Dtend,
        ICalendarProperty::Duration,
        ICalendarProperty::Summary,
        ICalendarProperty::RecurrenceId,
    ] {
        let text = component
            .property(&property)
            .map(|entry| format!("{:?}", entry.values))
            .unwrap_or_default();
        for byte in text.bytes().chain([0]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("no-uid-{hash:016x}")
}

type EventParts = (Option<Time>, bool, Occurrence);

fn read_event(component: &ICalendarComponent, zones: &Zones) -> Result<EventParts, SkipReason> {
    let start_entry = component
        .property(&ICalendarProperty::Dtstart)
        .ok_or(SkipReason::MissingStart)?;
    let start = time_of(start_entry, zones, "DTSTART")?;
    let length = match (
        component.property(&ICalendarProperty::Dtend),
        component.property(&ICalendarProperty::Duration),
    ) {
        (Some(end), _) => {
            let end = time_of(end, zones, "DTEND")?;
            if matches!(start.moment, Moment::Date(_)) != matches!(end.moment, Moment::Date(_)) {
                return Err(SkipReason::MismatchedEnd);
            }
            Length::Until(end)
        }
        (None, Some(duration)) => Length::Duration(duration_of(duration)?),
        (None, None) => Length::Default,
    };
    let mut rules = Vec::new();
    for entry in component.properties(&ICalendarProperty::Rrule) {
        match entry.values.first() {
            Some(ICalendarValue::RecurrenceRule(rule)) => {
                rules.push(LocalRule::from_rule(rule).map_err(SkipReason::UnreadableRule)?);
            }
            other => {
                return Err(SkipReason::UnreadableRule(format!(
                    "not a recurrence rule: {}",
                    shown(other)
                )));
            }
        }
    }
    let mut extra = Vec::new();
    for entry in component.properties(&ICalendarProperty::Rdate) {
        let zone = zone_of(entry, zones)?;
        for value in &entry.values {
            extra.push(match value {
                ICalendarValue::PartialDateTime(at) => ExtraDate::At(Time {
                    moment: moment_of(at, "RDATE")?,
                    zone: zone.clone(),
                }),
                ICalendarValue::Period(ICalendarPeriod::Range { start, end }) => ExtraDate::Until(
                    Time {
                        moment: moment_of(start, "RDATE")?,
                        zone: zone.clone(),
                    },
                    Time {
                        moment: moment_of(end, "RDATE")?,
                        zone: zone.clone(),
                    },
                ),
                ICalendarValue::Period(ICalendarPeriod::Duration { start, duration }) => {
                    ExtraDate::For(
                        Time {
                            moment: moment_of(start, "RDATE")?,
                            zone: zone.clone(),
                        },
                        value::duration(duration)
                            .ok_or(SkipReason::UnreadableValue("RDATE".into()))?,
                    )
                }
                _ => return Err(SkipReason::UnreadableValue("RDATE".into())),
            });
        }
    }
    let mut excluded = Vec::new();
    for entry in component.properties(&ICalendarProperty::Exdate) {
        let zone = zone_of(entry, zones)?;
        for value in &entry.values {
            let ICalendarValue::PartialDateTime(at) = value else {
                return Err(SkipReason::UnreadableValue("EXDATE".into()));
            };
            excluded.push(Time {
                moment: moment_of(at, "EXDATE")?,
                zone: zone.clone(),
            });
        }
    }
    let (recurrence_id, and_future) = match component.property(&ICalendarProperty::RecurrenceId) {
        Some(entry) => {
            let and_future = entry
                .parameters(&ICalendarParameterName::Range)
                // The parser reads RANGE=THISANDFUTURE (its only value) as `Bool(true)`.
                .any(|range| {
                    matches!(range, ICalendarParameterValue::Bool(true))
                        || range
                            .as_text()
                            .is_some_and(|text| text.eq_ignore_ascii_case("THISANDFUTURE"))
                });
            (Some(time_of(entry, zones, "RECURRENCE-ID")?), and_future)
        }
        None => (None, false),
    };
    Ok((
        recurrence_id,
        and_future,
        Occurrence {
            start,
            length,
            rules,
            extra,
            excluded,
            traits: traits_of(component),
        },
    ))
}

fn traits_of(component: &ICalendarComponent) -> Traits {
    let status = component
        .property(&ICalendarProperty::Status)
        .and_then(|entry| {
            entry.values.first().map(|value| match value {
                ICalendarValue::Status(ICalendarStatus::Cancelled) => "CANCELLED".to_owned(),
                ICalendarValue::Status(ICalendarStatus::Tentative) => "TENTATIVE".to_owned(),
                ICalendarValue::Status(ICalendarStatus::Confirmed) => "CONFIRMED".to_owned(),
                other => shown(Some(other)).to_ascii_uppercase(),
            })
        });
    let transparent = component
        .property(&ICalendarProperty::Transp)
        .and_then(|entry| entry.values.first())
        .is_some_and(|value| match value {
            ICalendarValue::Transparency(transparency) => {
                *transparency == ICalendarTransparency::Transparent
            }
            other => shown(Some(other)).eq_ignore_ascii_case("TRANSPARENT"),
        });
    let busy_status = value::extension(component, "X-MICROSOFT-CDO-BUSYSTATUS")
        .map(|value| shown(Some(value)).trim().to_ascii_uppercase());
    let organizer = component
        .property(&ICalendarProperty::Organizer)
        .and_then(address_of);
    let attendees = component
        .properties(&ICalendarProperty::Attendee)
        .filter_map(|entry| {
            Some(Attendee {
                address: address_of(entry)?,
                partstat: entry
                    .parameter(&ICalendarParameterName::Partstat)
                    .map(partstat_text),
            })
        })
        .collect();
    Traits {
        status,
        transparent,
        busy_status,
        organizer,
        attendees,
    }
}

fn partstat_text(value: &ICalendarParameterValue) -> String {
    match value {
        ICalendarParameterValue::Partstat(status) => match status {
            ICalendarParticipationStatus::NeedsAction => "NEEDS-ACTION",
            ICalendarParticipationStatus::Accepted => "ACCEPTED",
            ICalendarParticipationStatus::Declined => "DECLINED",
            ICalendarParticipationStatus::Tentative => "TENTATIVE",
            ICalendarParticipationStatus::Delegated => "DELEGATED",
            ICalendarParticipationStatus::Completed => "COMPLETED",
            ICalendarParticipationStatus::InProcess => "IN-PROCESS",
            ICalendarParticipationStatus::Failed => "FAILED",
        }
        .to_owned(),
        other => other
            .as_text()
            .unwrap_or_default()
            .trim()
            .to_ascii_uppercase(),
    }
}

/// The address of an `ORGANIZER`/`ATTENDEE`: lowercase, without `mailto:`.
fn address_of(entry: &ICalendarEntry) -> Option<String> {
    let text = entry.calendar_address().map(str::to_owned).or_else(|| {
        entry.values.first().map(|value| match value {
            ICalendarValue::Uri(calcard::icalendar::Uri::Location(location)) => location.clone(),
            other => shown(Some(other)),
        })
    })?;
    let text = text.trim();
    let address = match text.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => text.get(7..).unwrap_or_default(),
        _ => text,
    };
    let address = address.trim().to_lowercase();
    (!address.is_empty()).then_some(address)
}

/// A value as text, for status-like properties the parser did not type.
fn shown(value: Option<&ICalendarValue>) -> String {
    match value {
        Some(ICalendarValue::Text(text)) => text.clone(),
        Some(ICalendarValue::Uri(calcard::icalendar::Uri::Location(text))) => text.clone(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn zone_of(entry: &ICalendarEntry, zones: &Zones) -> Result<Option<TimeZone>, SkipReason> {
    match value::tzid(entry) {
        Some(tzid) => zones
            .resolve(tzid)
            .map(Some)
            .ok_or_else(|| SkipReason::UnknownZone(tzid.trim().to_owned())),
        None => Ok(None),
    }
}

fn moment_of(
    value: &calcard::common::PartialDateTime,
    property: &str,
) -> Result<Moment, SkipReason> {
    value::moment(value).ok_or_else(|| SkipReason::UnreadableValue(property.to_owned()))
}

fn time_of(entry: &ICalendarEntry, zones: &Zones, property: &str) -> Result<Time, SkipReason> {
    let at = entry
        .values
        .first()
        .and_then(ICalendarValue::as_partial_date_time)
        .ok_or_else(|| SkipReason::UnreadableValue(property.to_owned()))?;
    let moment = moment_of(at, property)?;
    // A TZID on a UTC time or a date means nothing (RFC 5545 3.2.19); only local times
    // need their zone, and only then is an unknown one an error.
    let zone = match moment {
        Moment::Local(_) => zone_of(entry, zones)?,
        Moment::Date(_) | Moment::Utc(_) => None,
    };
    Ok(Time { moment, zone })
}

fn duration_of(entry: &ICalendarEntry) -> Result<Duration, SkipReason> {
    match entry.values.first() {
        Some(ICalendarValue::Duration(duration)) => {
            value::duration(duration).ok_or_else(|| SkipReason::UnreadableValue("DURATION".into()))
        }
        _ => Err(SkipReason::UnreadableValue("DURATION".into())),
    }
}

fn read_free_busy(
    component: &ICalendarComponent,
    busy: &mut Vec<BusyPeriod>,
    skipped: &mut Vec<Skipped>,
) {
    let uid = uid_of(component);
    for entry in component.properties(&ICalendarProperty::Freebusy) {
        // RFC 5545 3.2.9: an FBTYPE this engine does not know counts as BUSY.
        let status = match entry.parameter(&ICalendarParameterName::Fbtype) {
            Some(ICalendarParameterValue::Fbtype(ICalendarFreeBusyType::Free)) => Status::Free,
            Some(ICalendarParameterValue::Fbtype(ICalendarFreeBusyType::BusyTentative)) => {
                Status::Tentative
            }
            Some(other)
                if other
                    .as_text()
                    .is_some_and(|t| t.eq_ignore_ascii_case("FREE")) =>
            {
                Status::Free
            }
            Some(other)
                if other
                    .as_text()
                    .is_some_and(|t| t.eq_ignore_ascii_case("BUSY-TENTATIVE")) =>
            {
                Status::Tentative
            }
            _ => Status::Busy,
        };
        for value in &entry.values {
            let period = match value {
                ICalendarValue::Period(ICalendarPeriod::Range { start, end }) => {
                    match (value::moment(start), value::moment(end)) {
                        (Some(start), Some(end)) => Some((start, end)),
                        _ => None,
                    }
                }
                ICalendarValue::Period(ICalendarPeriod::Duration { start, duration }) => {
                    match (value::moment(start), value::duration(duration)) {
                        (Some(Moment::Utc(start)), Some(length)) if length.days == 0 => start
                            .checked_add_signed(length.exact)
                            .map(|end| (Moment::Utc(start), Moment::Utc(end))),
                        (Some(start @ Moment::Local(local)), Some(length)) => local
                            .checked_add_signed(length.exact + chrono::TimeDelta::days(length.days))
                            .map(|end| (start, Moment::Local(end))),
                        (Some(Moment::Utc(start)), Some(length)) => start
                            .checked_add_signed(length.exact + chrono::TimeDelta::days(length.days))
                            .map(|end| (Moment::Utc(start), Moment::Utc(end))),
                        _ => None,
                    }
                }
                _ => None,
            };
            match period {
                Some((start, end)) => busy.push(BusyPeriod {
                    uid: uid.clone(),
                    start: Time {
                        moment: start,
                        zone: None,
                    },
                    end: Time {
                        moment: end,
                        zone: None,
                    },
                    status,
                }),
                None => skipped.push(Skipped {
                    what: format!("VFREEBUSY {uid}"),
                    reason: SkipReason::UnreadableValue("FREEBUSY".into()),
                }),
            }
        }
    }
}
