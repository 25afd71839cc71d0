//! Recurrence rules, iterated in local wall-clock time by the `rrule` crate.
//!
//! RFC 5545 rules count in local time: "every day at 09:00" stays at 09:00 across a DST
//! change. So the rule runs on naive local times (handed to `rrule` as if they were UTC,
//! where nothing ever shifts), and the caller places each local time in its zone. That
//! also makes zones only the feed defines work, which `rrule` (IANA zones only) cannot.
//!
//! Traps of the crate, and what is done about them here:
//! - Without `RRuleSet::limit()` its iterator has no bound on empty iterations: a rule
//!   that matches nothing (`FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`) runs on to the crate's
//!   last year. Always set, so it gives up after 100,000 empty iterations.
//! - `MINUTELY`/`SECONDLY` rules filtered by hour or day lose instances (an rrule.js
//!   heritage): rewritten as the equivalent `DAILY` rule (`LocalRule::as_daily`).
//! - `UNTIL` is compared by `rrule` in the zone of `DTSTART`; here it is stripped and
//!   compared by the caller with each instance's real instant (RFC 5545: `UNTIL` in UTC
//!   for zoned starts), so a zone only the feed defines still ends the series correctly.
//! - A count from the first instance is the only bound `rrule` offers; the caller bounds
//!   by the query window instead, and [`fast_forward`] lets a rule without `COUNT` start
//!   near the window rather than in 2010.

use calcard::icalendar::{
    ICalendarFrequency, ICalendarRecurrenceRule, ICalendarValue, ICalendarWeekday,
};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use rrule::{Frequency, NWeekday, RRule, RRuleSet, Unvalidated, Weekday};

use super::value::{self, Moment};

/// A recurrence rule as read, without its `UNTIL` (kept apart, see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct LocalRule {
    source: ICalendarRecurrenceRule,
    rule: RRule<Unvalidated>,
    frequency: ICalendarFrequency,
    interval: u16,
    until: Option<Moment>,
}

/// The `BYHOUR`/`BYMINUTE`/`BYSECOND` lists to give `rrule`, when they differ from the rule's.
struct Times {
    hours: Vec<u8>,
    minutes: Vec<u8>,
    seconds: Vec<u8>,
}

/// `rule` as an `rrule` rule of `frequency` and `interval`, times replaced by `times`.
fn build(
    rule: &ICalendarRecurrenceRule,
    frequency: ICalendarFrequency,
    interval: u16,
    times: Option<Times>,
) -> Result<RRule<Unvalidated>, String> {
    let mut built = RRule::new(match frequency {
        ICalendarFrequency::Yearly => Frequency::Yearly,
        ICalendarFrequency::Monthly => Frequency::Monthly,
        ICalendarFrequency::Weekly => Frequency::Weekly,
        ICalendarFrequency::Daily => Frequency::Daily,
        ICalendarFrequency::Hourly => Frequency::Hourly,
        ICalendarFrequency::Minutely => Frequency::Minutely,
        ICalendarFrequency::Secondly => Frequency::Secondly,
    })
    .interval(interval)
    .week_start(weekday(rule.wkst.unwrap_or(ICalendarWeekday::Monday)));
    if let Some(count) = rule.count {
        built = built.count(count);
    }
    if !rule.bysetpos.is_empty() {
        built = built.by_set_pos(rule.bysetpos.clone());
    }
    if !rule.bymonth.is_empty() {
        let months = rule
            .bymonth
            .iter()
            .map(|month| chrono::Month::try_from(month.month()).map_err(|_| "BYMONTH out of range"))
            .collect::<Result<Vec<_>, _>>()?;
        built = built.by_month(&months);
    }
    if !rule.bymonthday.is_empty() {
        built = built.by_month_day(rule.bymonthday.clone());
    }
    if !rule.byyearday.is_empty() {
        built = built.by_year_day(rule.byyearday.clone());
    }
    if !rule.byweekno.is_empty() {
        built = built.by_week_no(rule.byweekno.clone());
    }
    if !rule.byday.is_empty() {
        built = built.by_weekday(
            rule.byday
                .iter()
                .map(|day| match day.ordwk {
                    Some(n) => NWeekday::Nth(n, weekday(day.weekday)),
                    None => NWeekday::Every(weekday(day.weekday)),
                })
                .collect(),
        );
    }
    let (hours, minutes, seconds) = match times {
        Some(times) => (times.hours, times.minutes, times.seconds),
        None => (
            rule.byhour.clone(),
            rule.byminute.clone(),
            rule.bysecond.clone(),
        ),
    };
    if !hours.is_empty() {
        built = built.by_hour(hours);
    }
    if !minutes.is_empty() {
        built = built.by_minute(minutes);
    }
    if !seconds.is_empty() {
        built = built.by_second(seconds);
    }
    Ok(built)
}

impl LocalRule {
    /// The rule of an `RRULE` value, or `None` if it is not one this engine can run.
    pub(crate) fn from_value(value: &ICalendarValue) -> Option<LocalRule> {
        match value {
            ICalendarValue::RecurrenceRule(rule) => LocalRule::from_rule(rule).ok(),
            _ => None,
        }
    }

    /// The rule, or why it cannot be run.
    pub(crate) fn from_rule(rule: &ICalendarRecurrenceRule) -> Result<LocalRule, String> {
        if rule.rscale.is_some() || rule.bymonth.iter().any(|month| month.is_leap()) {
            return Err("non-Gregorian calendars (RSCALE) are not supported".into());
        }
        let frequency = rule.freq;
        let interval = rule.interval.unwrap_or(1).max(1);
        let until = match &rule.until {
            Some(until) => Some(value::moment(until).ok_or("UNTIL is not a valid date or time")?),
            None => None,
        };
        Ok(LocalRule {
            source: rule.clone(),
            rule: build(rule, frequency, interval, None)?,
            frequency,
            interval,
            until,
        })
    }

    /// `UNTIL`, as written.
    pub(crate) fn until(&self) -> Option<Moment> {
        self.until
    }

    /// `UNTIL` when it is an instant (the RFC's form for zoned starts).
    pub(crate) fn until_instant(&self) -> Option<DateTime<Utc>> {
        match self.until {
            Some(Moment::Utc(instant)) => Some(instant),
            _ => None,
        }
    }

    /// Whether the rule has a `COUNT` (which must be counted from `DTSTART`).
    pub(crate) fn counted(&self) -> bool {
        self.source.count.is_some()
    }

    /// The same rule as a `DAILY` one, for `MINUTELY`/`SECONDLY` rules that filter by
    /// hour or by day: `rrule` 0.14 (like rrule.js it is ported from) loses instances
    /// of those, e.g. `FREQ=MINUTELY;INTERVAL=30;BYHOUR=10,11;BYDAY=WE` from a Friday yields
    /// nothing. When `INTERVAL` divides 60 the minutes (seconds) the rule reaches are the
    /// same in every hour (minute), so the `DAILY` rule with those as `BYMINUTE`
    /// (`BYSECOND`) has exactly the same instances, in the same order (so `COUNT` holds).
    fn as_daily(&self, start: NaiveDateTime) -> Option<Result<RRule<Unvalidated>, String>> {
        let rule = &self.source;
        let filtered = !rule.byhour.is_empty()
            || !rule.byday.is_empty()
            || !rule.bymonthday.is_empty()
            || !rule.bymonth.is_empty()
            || !rule.byyearday.is_empty()
            || !rule.byweekno.is_empty();
        let sub_minute = match self.frequency {
            ICalendarFrequency::Minutely => false,
            ICalendarFrequency::Secondly => true,
            _ => return None,
        };
        if !filtered {
            return None;
        }
        let interval = u8::try_from(self.interval).ok().filter(|i| 60 % i == 0);
        let (Some(interval), true) = (interval, rule.bysetpos.is_empty()) else {
            return Some(Err(format!(
                "{} with INTERVAL={} and BYHOUR/BYDAY filters{} is not supported",
                if sub_minute { "SECONDLY" } else { "MINUTELY" },
                self.interval,
                if rule.bysetpos.is_empty() {
                    ""
                } else {
                    " and BYSETPOS"
                }
            )));
        };
        let reached = |first: u32, keep: &[u8]| -> Vec<u8> {
            (0..60u8)
                .filter(|value| {
                    u32::from(*value) % u32::from(interval) == first % u32::from(interval)
                })
                .filter(|value| keep.is_empty() || keep.contains(value))
                .collect()
        };
        let all_hours = || (0..24u8).collect::<Vec<_>>();
        let all_minutes = || (0..60u8).collect::<Vec<_>>();
        let hours = if rule.byhour.is_empty() {
            all_hours()
        } else {
            rule.byhour.clone()
        };
        let times = if sub_minute {
            Times {
                hours,
                minutes: if rule.byminute.is_empty() {
                    all_minutes()
                } else {
                    rule.byminute.clone()
                },
                seconds: reached(chrono::Timelike::second(&start), &rule.bysecond),
            }
        } else {
            Times {
                hours,
                minutes: reached(chrono::Timelike::minute(&start), &rule.byminute),
                seconds: if rule.bysecond.is_empty() {
                    vec![u8::try_from(chrono::Timelike::second(&start)).unwrap_or(0)]
                } else {
                    rule.bysecond.clone()
                },
            }
        };
        if times.minutes.is_empty() || times.seconds.is_empty() {
            return Some(Err("the rule reaches no minute or second".into()));
        }
        Some(build(rule, ICalendarFrequency::Daily, 1, Some(times)))
    }

    /// Local times of the rule from `start` (`DTSTART`'s local reading), in order.
    ///
    /// # Errors
    ///
    /// The `rrule` crate's reason when it refuses the rule for this start (e.g.
    /// `BYHOUR=25`, or `BYSETPOS` without another `BY` part).
    pub(crate) fn local_times(&self, start: NaiveDateTime) -> Result<LocalTimes, String> {
        let rule = match self.as_daily(start) {
            Some(daily) => daily?,
            None => self.rule.clone(),
        };
        let start = start.and_utc().with_timezone(&rrule::Tz::UTC);
        let set: RRuleSet = rule
            .build(start)
            .map_err(|error| error.to_string())?
            .limit();
        Ok(LocalTimes {
            inner: (&set).into_iter(),
        })
    }
}

/// Local times produced by a rule (see [`LocalRule::local_times`]).
pub(crate) struct LocalTimes {
    inner: rrule::RRuleSetIter,
}

impl Iterator for LocalTimes {
    type Item = NaiveDateTime;

    fn next(&mut self) -> Option<NaiveDateTime> {
        self.inner.next().map(|time| time.naive_utc())
    }
}

/// The rule's local times from `start`, at most `max` of them; nothing if it cannot run.
pub(crate) fn iterate_local(
    rule: &LocalRule,
    start: NaiveDateTime,
    max: usize,
) -> impl Iterator<Item = NaiveDateTime> {
    rule.local_times(start).ok().into_iter().flatten().take(max)
}

/// A later start for `rule` that yields the same times from `target` on, or `start`.
///
/// For a rule without `COUNT` whose period is a fixed length of local time (seconds up to
/// weeks), moving `DTSTART` by whole multiples of `INTERVAL` periods keeps every period
/// boundary and every value implied from `DTSTART` (time of day, weekday), so the times at
/// or after the new start are exactly the original's. Months and years vary in length and
/// are cheap to iterate anyway (a monthly rule since 1900 is 1,500 steps); a counted rule
/// must count from its first instance.
pub(crate) fn fast_forward(
    rule: &LocalRule,
    start: NaiveDateTime,
    target: NaiveDateTime,
) -> NaiveDateTime {
    if rule.counted() || target <= start {
        return start;
    }
    let unit = match rule.frequency {
        ICalendarFrequency::Secondly => 1,
        ICalendarFrequency::Minutely => 60,
        ICalendarFrequency::Hourly => 3_600,
        ICalendarFrequency::Daily => 86_400,
        ICalendarFrequency::Weekly => 7 * 86_400,
        ICalendarFrequency::Monthly | ICalendarFrequency::Yearly => return start,
    };
    let step = unit * i64::from(rule.interval);
    let behind = (target - start).num_seconds();
    let Some(shift) = (behind / step).checked_mul(step) else {
        return start;
    };
    TimeDelta::try_seconds(shift)
        .and_then(|shift| start.checked_add_signed(shift))
        .unwrap_or(start)
}

fn weekday(day: ICalendarWeekday) -> Weekday {
    match day {
        ICalendarWeekday::Monday => Weekday::Mon,
        ICalendarWeekday::Tuesday => Weekday::Tue,
        ICalendarWeekday::Wednesday => Weekday::Wed,
        ICalendarWeekday::Thursday => Weekday::Thu,
        ICalendarWeekday::Friday => Weekday::Fri,
        ICalendarWeekday::Saturday => Weekday::Sat,
        ICalendarWeekday::Sunday => Weekday::Sun,
    }
}
