//! Expansion: a checked calendar, a window and an account in; the instances that touch
//! the window out.
//!
//! Bounded by the window, not by a count from the first instance: a rule without `COUNT`
//! is fast-forwarded to just before the window (see `recur::fast_forward`), so a daily
//! event from 2010 costs a handful of steps. What stays unbounded in principle (a counted
//! rule a million steps long, a window of centuries over a minutely rule) is cut by
//! [`Limits`], and the cut says from which instant on the answer is unknown.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, MappedLocalTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use super::model::{BusyPeriod, ExtraDate, Length, Occurrence, Series, Time, Traits};
use super::value::Moment;
use super::{Account, Calendar, Cut, CutReason, Expansion, Instance, Limits, Origin, RecurrenceId};
use crate::zone::{Zone, earliest_at_or_after, local_time_at, resolve_local};
use crate::{Period, Status, Window};

/// How far outside the window local times are looked at: more than any UTC offset, so
/// that a local time on the window's edge is never missed.
const MARGIN: TimeDelta = TimeDelta::days(2);

/// Where a series' local times are in time.
#[derive(Clone, Copy)]
enum Base<'a> {
    /// `…Z` times: the local reading is the UTC reading.
    Utc,
    /// Times in a named zone.
    Zoned(&'a super::zones::TimeZone),
    /// Floating times, placed in the account's zone.
    Floating,
    /// Dates, each a whole day in the account's zone.
    Dates,
}

struct Placer<'a, Z: Zone> {
    account: &'a Z,
}

impl<Z: Zone> Placer<'_, Z> {
    /// The instant a local time in `base` denotes: the earlier of a repeated time, and a
    /// time in a gap shifted forward by the gap's length (RFC 5545 3.3.5).
    fn place(&self, base: Base<'_>, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match base {
            Base::Utc => Some(local.and_utc()),
            Base::Zoned(zone) => place_in(zone, local),
            Base::Floating => place_in(self.account, local),
            Base::Dates => crate::zone::day_start(self.account, local.date()),
        }
    }

    /// The instant of a typed time, in its own zone (or the account's).
    fn instant(&self, time: &Time) -> Option<DateTime<Utc>> {
        match (time.moment, &time.zone) {
            (Moment::Utc(instant), _) => Some(instant),
            (Moment::Local(local), Some(zone)) => place_in(zone, local),
            (Moment::Local(local), None) => place_in(self.account, local),
            (Moment::Date(date), _) => crate::zone::day_start(self.account, date),
        }
    }

    /// The wall-clock reading of `instant` in `base`.
    fn local(&self, base: Base<'_>, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
        match base {
            Base::Utc => Some(instant.naive_utc()),
            Base::Zoned(zone) => local_time_at(zone, instant),
            Base::Floating | Base::Dates => local_time_at(self.account, instant),
        }
    }
}

fn place_in<Z: Zone + ?Sized>(zone: &Z, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match resolve_local(zone, local) {
        MappedLocalTime::Single(instant) | MappedLocalTime::Ambiguous(instant, _) => Some(instant),
        MappedLocalTime::None => {
            // In a gap: read with the offset in force before it.
            let transition = earliest_at_or_after(zone, local)?;
            let before = zone.offset_at(transition.checked_sub_signed(TimeDelta::seconds(1))?);
            Some(local.checked_sub_offset(before)?.and_utc())
        }
    }
}

fn base_of(time: &Time) -> Base<'_> {
    match (time.moment, &time.zone) {
        (Moment::Utc(_), _) => Base::Utc,
        (Moment::Local(_), Some(zone)) => Base::Zoned(zone),
        (Moment::Local(_), None) => Base::Floating,
        (Moment::Date(_), _) => Base::Dates,
    }
}

/// One instance before its status is known: where it came from and when it is.
#[derive(Clone, Copy)]
struct Candidate {
    /// The instant of its original start: what `EXDATE` and `RECURRENCE-ID` name.
    original: DateTime<Utc>,
    /// Its local start in the series' base.
    local: NaiveDateTime,
    /// An end of its own (`RDATE;VALUE=PERIOD`).
    end: Option<DateTime<Utc>>,
}

/// The status of an instance for `account`, or `None` for one that takes no time at all
/// (`STATUS:CANCELLED`). The precedence, strongest first:
///
/// 1. `STATUS:CANCELLED`: no instance.
/// 2. The account's own `ATTENDEE` with `PARTSTAT=DECLINED` (or `DELEGATED`): free.
/// 3. `X-MICROSOFT-CDO-BUSYSTATUS`: `FREE`/`WORKINGELSEWHERE` free, `TENTATIVE`
///    tentative, `BUSY`/`OOF` busy; other values are ignored.
/// 4. `TRANSP:TRANSPARENT`: free.
/// 5. `STATUS:TENTATIVE`, or the account's own `PARTSTAT` `NEEDS-ACTION` (also when
///    absent, RFC 5545's default, unless the account organizes the event) or
///    `TENTATIVE`: tentative.
/// 6. Otherwise busy.
pub(crate) fn status_of(traits: &Traits, emails: &[String]) -> Option<Status> {
    if traits.status.as_deref() == Some("CANCELLED") {
        return None;
    }
    let own = traits
        .attendees
        .iter()
        .find(|attendee| emails.contains(&attendee.address));
    let organizer = traits
        .organizer
        .as_ref()
        .is_some_and(|organizer| emails.iter().any(|email| email == organizer));
    let partstat = own.map(|attendee| match &attendee.partstat {
        Some(partstat) => partstat.as_str(),
        None if organizer => "ACCEPTED",
        None => "NEEDS-ACTION",
    });
    if matches!(partstat, Some("DECLINED" | "DELEGATED")) {
        return Some(Status::Free);
    }
    match traits.busy_status.as_deref() {
        Some("FREE" | "WORKINGELSEWHERE") => return Some(Status::Free),
        Some("TENTATIVE") => return Some(Status::Tentative),
        Some("BUSY" | "OOF") => return Some(Status::Busy),
        _ => {}
    }
    if traits.transparent {
        return Some(Status::Free);
    }
    if traits.status.as_deref() == Some("TENTATIVE")
        || matches!(partstat, Some("NEEDS-ACTION" | "TENTATIVE"))
    {
        return Some(Status::Tentative);
    }
    Some(Status::Busy)
}

/// The state of one expansion: what was found, and how much budget is left.
struct Run<'a, Z: Zone> {
    placer: Placer<'a, Z>,
    window: Window,
    emails: &'a [String],
    limits: Limits,
    instances: Vec<Instance>,
    cut: Option<Cut>,
}

impl<Z: Zone> Run<'_, Z> {
    fn cut_at(&mut self, at: DateTime<Utc>, reason: CutReason) {
        let at = at.max(self.window.start());
        if self.cut.as_ref().is_none_or(|cut| at < cut.unknown_from) {
            self.cut = Some(Cut {
                unknown_from: at,
                reason,
            });
        }
    }

    /// The end of an instance that starts at `local` (instant `start`) in `base`.
    fn end_of(
        &self,
        occurrence: &Occurrence,
        base: Base<'_>,
        local: NaiveDateTime,
        start: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        match &occurrence.length {
            Length::Until(end) => {
                if matches!(base, Base::Dates) {
                    let days = (end.moment.naive().date() - occurrence.start.moment.naive().date())
                        .num_days();
                    let date = local
                        .date()
                        .checked_add_signed(TimeDelta::try_days(days)?)?;
                    return crate::zone::day_start(self.placer.account, date);
                }
                let exact = self.placer.instant(end)? - self.placer.instant(&occurrence.start)?;
                start.checked_add_signed(exact)
            }
            Length::Duration(duration) => {
                let nominal = local.checked_add_signed(TimeDelta::try_days(duration.days)?)?;
                let after_days = if duration.days == 0 {
                    start
                } else {
                    self.placer.place(base, nominal)?
                };
                after_days.checked_add_signed(duration.exact)
            }
            Length::Default => match base {
                Base::Dates => {
                    crate::zone::day_start(self.placer.account, local.date().succ_opt()?)
                }
                _ => Some(start),
            },
        }
    }

    /// The longest any instance of `occurrence` can last, as an upper bound.
    fn longest(&self, occurrence: &Occurrence) -> TimeDelta {
        let day = TimeDelta::days(1);
        match &occurrence.length {
            Length::Until(end) => {
                let span = end.moment.naive() - occurrence.start.moment.naive();
                span.abs() + day
            }
            Length::Duration(duration) => {
                TimeDelta::try_days(duration.days.abs() + 1).unwrap_or(day) + duration.exact.abs()
            }
            Length::Default => day,
        }
    }

    fn expand_series(&mut self, series: &Series) {
        let Some(master) = &series.master else {
            for item in &series.overrides {
                self.push_single(series, &item.occurrence, Some(&item.recurrence_id));
            }
            return;
        };
        let base = base_of(&master.start);
        let overrides: Vec<(DateTime<Utc>, &super::model::Override)> = series
            .overrides
            .iter()
            .filter_map(|item| Some((self.placer.instant(&item.recurrence_id)?, item)))
            .collect();
        let replaced: HashSet<DateTime<Utc>> = overrides.iter().map(|(at, _)| *at).collect();
        let mut from_now_on: Vec<(DateTime<Utc>, &super::model::Override)> = overrides
            .iter()
            .filter(|(_, item)| item.and_future)
            .copied()
            .collect();
        from_now_on.sort_by_key(|(at, _)| *at);

        let candidates = self.candidates(series, master, base);
        let excluded: HashSet<DateTime<Utc>> = master
            .excluded
            .iter()
            .filter(|time| !matches!(time.moment, Moment::Date(_)) || matches!(base, Base::Dates))
            .filter_map(|time| self.placer.instant(time))
            .collect();
        let excluded_days: HashSet<NaiveDate> = master
            .excluded
            .iter()
            .filter_map(|time| match time.moment {
                Moment::Date(date) if !matches!(base, Base::Dates) => Some(date),
                _ => None,
            })
            .collect();
        let recurring = !master.rules.is_empty() || !master.extra.is_empty();
        for candidate in candidates {
            if excluded.contains(&candidate.original)
                || excluded_days.contains(&candidate.local.date())
                || replaced.contains(&candidate.original)
            {
                continue;
            }
            let recurrence_id = recurring.then(|| recurrence_id(&master.start, candidate));
            // RANGE=THISANDFUTURE: the latest such override at or before this instance
            // moves it and lends it its length and status.
            let future = from_now_on
                .iter()
                .rev()
                .find(|(at, _)| *at <= candidate.original);
            let (occurrence, start, local) = match future {
                Some((at, item)) => {
                    let Some(moved) = self.placer.instant(&item.occurrence.start) else {
                        continue;
                    };
                    let Some(start) = candidate.original.checked_add_signed(moved - *at) else {
                        continue;
                    };
                    let local = self.placer.local(base, start).unwrap_or(candidate.local);
                    (&item.occurrence, start, local)
                }
                None => {
                    let Some(start) = self.placer.place(base, candidate.local) else {
                        continue;
                    };
                    (master, start, candidate.local)
                }
            };
            let end = match candidate.end {
                Some(end) if future.is_none() => Some(end),
                _ => self.end_of(occurrence, base, local, start),
            };
            let Some(end) = end else { continue };
            self.push(series, occurrence, start, end, recurrence_id, base);
        }
        for (_, item) in &overrides {
            self.push_single(series, &item.occurrence, Some(&item.recurrence_id));
        }
    }

    /// The master's starts near the window: `DTSTART`, each rule's times, `RDATE`s.
    fn candidates(
        &mut self,
        series: &Series,
        master: &Occurrence,
        base: Base<'_>,
    ) -> Vec<Candidate> {
        let mut found: BTreeMap<DateTime<Utc>, Candidate> = BTreeMap::new();
        let start_local = master.start.moment.naive();
        let longest = self.longest(master);
        let window = self.window;
        let (Some(lower), Some(upper)) = (
            window
                .start()
                .naive_utc()
                .checked_sub_signed(MARGIN + longest),
            window.end().naive_utc().checked_add_signed(MARGIN),
        ) else {
            return Vec::new();
        };
        let add =
            |found: &mut BTreeMap<_, _>, placer: &Placer<'_, Z>, local: NaiveDateTime, end| {
                if let Some(original) = placer.place(base, local) {
                    found.entry(original).or_insert(Candidate {
                        original,
                        local,
                        end,
                    });
                }
            };
        if start_local >= lower && start_local <= upper {
            add(&mut found, &self.placer, start_local, None);
        }
        for rule in &master.rules {
            let from = super::recur::fast_forward(rule, start_local, lower);
            let times = match rule.local_times(from) {
                Ok(times) => times,
                Err(_) => continue,
            };
            let until = rule.until();
            let mut steps: u64 = 0;
            for local in times {
                steps += 1;
                if local > upper {
                    break;
                }
                let past_until = match until {
                    Some(Moment::Utc(until)) => match self.placer.place(base, local) {
                        Some(at) => at > until,
                        None => false,
                    },
                    Some(Moment::Date(until)) => local.date() > until,
                    Some(Moment::Local(until)) => local > until,
                    None => false,
                };
                if past_until {
                    // Local times only grow; a zone's fold cannot bring one back before
                    // UNTIL by more than the margin.
                    if until.is_some_and(|until| local > until.naive() + MARGIN) {
                        break;
                    }
                    continue;
                }
                if steps > self.limits.max_steps_per_rule {
                    let at = self.placer.place(base, local).unwrap_or(window.start());
                    self.cut_at(
                        at,
                        CutReason::RuleTooLong {
                            uid: series.uid.clone(),
                            steps: self.limits.max_steps_per_rule,
                        },
                    );
                    break;
                }
                if local >= lower {
                    add(&mut found, &self.placer, local, None);
                    if found.len() > self.limits.max_instances {
                        let at = self.placer.place(base, local).unwrap_or(window.start());
                        self.cut_at(
                            at,
                            CutReason::TooManyInstances {
                                limit: self.limits.max_instances,
                            },
                        );
                        break;
                    }
                }
            }
        }
        for extra in &master.extra {
            let (time, end) = match extra {
                ExtraDate::At(time) => (time, None),
                ExtraDate::Until(time, end) => (time, self.placer.instant(end)),
                ExtraDate::For(time, duration) => (
                    time,
                    self.placer.instant(time).and_then(|start| {
                        start.checked_add_signed(
                            duration.exact + TimeDelta::try_days(duration.days).unwrap_or_default(),
                        )
                    }),
                ),
            };
            let Some(original) = self.placer.instant(time) else {
                continue;
            };
            let local = match (time.moment, base) {
                (Moment::Date(date), _) => date.and_time(chrono::NaiveTime::MIN),
                _ => match self.placer.local(base, original) {
                    Some(local) => local,
                    None => continue,
                },
            };
            if local >= lower && local <= upper {
                found.entry(original).or_insert(Candidate {
                    original,
                    local,
                    end,
                });
            }
        }
        found.into_values().collect()
    }

    /// An override (or a lone component) as one instance of its own.
    fn push_single(
        &mut self,
        series: &Series,
        occurrence: &Occurrence,
        recurrence_id: Option<&Time>,
    ) {
        let base = base_of(&occurrence.start);
        let Some(start) = self.placer.instant(&occurrence.start) else {
            return;
        };
        let Some(end) = self.end_of(occurrence, base, occurrence.start.moment.naive(), start)
        else {
            return;
        };
        let recurrence_id = recurrence_id.map(|time| match time.moment {
            Moment::Date(date) => RecurrenceId::Date(date),
            Moment::Utc(instant) => RecurrenceId::Instant(instant),
            Moment::Local(local) => match &time.zone {
                Some(zone) => {
                    place_in(zone, local).map_or(RecurrenceId::Local(local), RecurrenceId::Instant)
                }
                None => RecurrenceId::Local(local),
            },
        });
        self.push(series, occurrence, start, end, recurrence_id, base);
    }

    fn push(
        &mut self,
        series: &Series,
        occurrence: &Occurrence,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        recurrence_id: Option<RecurrenceId>,
        base: Base<'_>,
    ) {
        if !(start < self.window.end() && self.window.start() < end) {
            return;
        }
        let Some(status) = status_of(&occurrence.traits, self.emails) else {
            return;
        };
        let Ok(period) = Period::new(start, end, status) else {
            return;
        };
        self.instances.push(Instance {
            uid: series.uid.clone(),
            duplicate: series.duplicate,
            recurrence_id,
            period,
            all_day: matches!(base, Base::Dates),
            origin: Origin::Event,
        });
    }

    fn push_busy(&mut self, busy: &BusyPeriod) {
        let (Some(start), Some(end)) = (
            self.placer.instant(&busy.start),
            self.placer.instant(&busy.end),
        ) else {
            return;
        };
        if !(start < self.window.end() && self.window.start() < end) {
            return;
        }
        if let Ok(period) = Period::new(start, end, busy.status) {
            self.instances.push(Instance {
                uid: busy.uid.clone(),
                duplicate: 0,
                recurrence_id: None,
                period,
                all_day: false,
                origin: Origin::FreeBusy,
            });
        }
    }
}

/// The recurrence identifier of a series instance, in the form of the series' `DTSTART`.
fn recurrence_id(start: &Time, candidate: Candidate) -> RecurrenceId {
    match start.moment {
        Moment::Date(_) => RecurrenceId::Date(candidate.local.date()),
        Moment::Local(_) if start.zone.is_none() => RecurrenceId::Local(candidate.local),
        _ => RecurrenceId::Instant(candidate.original),
    }
}

pub(crate) fn expand<Z: Zone>(
    calendar: &Calendar,
    window: Window,
    account: &Account<Z>,
    limits: Limits,
) -> Expansion {
    let mut run = Run {
        placer: Placer {
            account: &account.zone,
        },
        window,
        emails: &account.emails,
        limits,
        instances: Vec::new(),
        cut: None,
    };
    for series in &calendar.series {
        run.expand_series(series);
    }
    for busy in &calendar.busy {
        run.push_busy(busy);
    }
    let mut instances = run.instances;
    instances.sort_by(|a, b| {
        (a.period.start(), a.period.end(), &a.uid).cmp(&(b.period.start(), b.period.end(), &b.uid))
    });
    let mut cut = run.cut;
    if let Some(first_dropped) = instances.get(limits.max_instances) {
        let at = first_dropped.period.start().max(window.start());
        if cut.as_ref().is_none_or(|cut| at < cut.unknown_from) {
            cut = Some(Cut {
                unknown_from: at,
                reason: CutReason::TooManyInstances {
                    limit: limits.max_instances,
                },
            });
        }
    }
    if let Some(cut) = &cut {
        instances.retain(|instance| instance.period.start() < cut.unknown_from);
        instances.truncate(limits.max_instances);
    }
    Expansion {
        window,
        instances,
        skipped: calendar.skipped.clone(),
        cut,
    }
}
