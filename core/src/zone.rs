//! Time zones as the engine needs them: one question, "what is the UTC offset at this
//! instant?", and local-time resolution built on it.
//!
//! A full tz database compiled to wasm costs about 230 KB gzip, more than the widget's
//! whole bundle budget. So the engine never names a zone or carries rules: the widget
//! answers [`Zone::offset_at`] with the browser's `Intl` API (every IANA zone the browser
//! knows, zero bytes of data), the server and the tests with `chrono-tz` behind the
//! `tzdb` feature. Everything else — which instants a local time denotes, where a day
//! starts — is derived here from that one answer, so it is the same code in both places.

use chrono::{DateTime, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// A time zone, reduced to the one thing the engine asks of it.
///
/// Implementations must answer for any instant without panicking. Offsets are what
/// `chrono` can represent (strictly less than a day either way), which covers every zone
/// in use.
///
/// # Example
///
/// A zone fixed at UTC+10:30 (Lord Howe in winter):
///
/// ```
/// use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
/// use freebusy_core::zone::{Zone, resolve_local};
///
/// let lord_howe_winter = FixedOffset::east_opt(10 * 3600 + 1800).unwrap();
/// let local = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
/// let instant = resolve_local(&lord_howe_winter, local).single().unwrap();
/// assert_eq!(instant, Utc.with_ymd_and_hms(2026, 5, 31, 22, 30, 0).unwrap());
/// assert_eq!(lord_howe_winter.offset_at(instant).local_minus_utc(), 37_800);
/// ```
pub trait Zone {
    /// The offset in force at `instant`: local time = UTC + offset.
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset;
}

impl Zone for Utc {
    fn offset_at(&self, _instant: DateTime<Utc>) -> FixedOffset {
        chrono::Offset::fix(&Utc)
    }
}

impl Zone for FixedOffset {
    fn offset_at(&self, _instant: DateTime<Utc>) -> FixedOffset {
        *self
    }
}

impl<Z: Zone + ?Sized> Zone for &Z {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        (**self).offset_at(instant)
    }
}

impl<Z: Zone + ?Sized> Zone for Box<Z> {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        (**self).offset_at(instant)
    }
}

/// The wall-clock time in `zone` at `instant`, or `None` past the end of the calendar.
pub fn local_time_at<Z: Zone + ?Sized>(zone: &Z, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
    instant
        .naive_utc()
        .checked_add_offset(zone.offset_at(instant))
}

/// The instants at which the wall clock in `zone` reads `local`.
///
/// - `Single(t)`: the usual case.
/// - `Ambiguous(earlier, later)`: `local` is repeated after a fall-back transition.
/// - `None`: `local` is skipped by a spring-forward transition (or out of range).
///
/// Only [`Zone::offset_at`] is used. The candidate offsets are those in force a day
/// before, at, and a day after `local` read as if it were UTC; a candidate `o` is kept
/// when the zone really uses `o` at `local - o`. That finds every answer as long as the
/// zone changes offset at most once within that two-day span, which holds for every
/// zone in the tz database's modern rules (the same method as the Temporal polyfill's).
///
/// # Example
///
/// ```
/// use chrono::{FixedOffset, MappedLocalTime, NaiveDate, TimeZone, Utc};
/// use freebusy_core::zone::resolve_local;
///
/// let utc_plus_2 = FixedOffset::east_opt(7200).unwrap();
/// let local = NaiveDate::from_ymd_opt(2026, 4, 24).unwrap().and_hms_opt(23, 0, 0).unwrap();
/// assert_eq!(
///     resolve_local(&utc_plus_2, local),
///     MappedLocalTime::Single(Utc.with_ymd_and_hms(2026, 4, 24, 21, 0, 0).unwrap()),
/// );
/// ```
pub fn resolve_local<Z: Zone + ?Sized>(
    zone: &Z,
    local: NaiveDateTime,
) -> MappedLocalTime<DateTime<Utc>> {
    let as_utc = local.and_utc();
    let day = TimeDelta::days(1);
    let probes = [
        as_utc.checked_sub_signed(day),
        Some(as_utc),
        as_utc.checked_add_signed(day),
    ];
    let mut found: Vec<DateTime<Utc>> = Vec::with_capacity(3);
    for probe in probes.into_iter().flatten() {
        let offset = zone.offset_at(probe);
        let Some(candidate) = local.checked_sub_offset(offset) else {
            continue;
        };
        let candidate = candidate.and_utc();
        if zone.offset_at(candidate) == offset && !found.contains(&candidate) {
            found.push(candidate);
        }
    }
    // At most three candidates: the earliest and the latest, without a sort (each sort
    // instantiated is kilobytes of the widget's bundle).
    match (found.iter().min(), found.iter().max()) {
        (Some(&earlier), Some(&later)) if earlier != later => {
            MappedLocalTime::Ambiguous(earlier, later)
        }
        (Some(&only), _) => MappedLocalTime::Single(only),
        _ => MappedLocalTime::None,
    }
}

/// The first instant at which the wall clock in `zone` reads `local` or later.
///
/// For a local time that exists this is its (earliest) instant. For one skipped by a
/// spring-forward gap it is the transition itself: "midnight" on a day whose midnight
/// does not exist is when that day actually begins. This is what all-day periods and the
/// end of visible hours need: a boundary that is never lost, only moved to the instant
/// the clock jumps past it.
///
/// The transition is found by bisection over [`Zone::offset_at`], to the second.
/// Returns `None` only at the edges of the representable calendar.
///
/// # Example
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use freebusy_core::zone::earliest_at_or_after;
///
/// let midnight = NaiveDate::from_ymd_opt(2026, 4, 26).unwrap().and_hms_opt(0, 0, 0).unwrap();
/// assert_eq!(
///     earliest_at_or_after(&Utc, midnight),
///     Some(Utc.with_ymd_and_hms(2026, 4, 26, 0, 0, 0).unwrap()),
/// );
/// ```
pub fn earliest_at_or_after<Z: Zone + ?Sized>(
    zone: &Z,
    local: NaiveDateTime,
) -> Option<DateTime<Utc>> {
    match resolve_local(zone, local) {
        MappedLocalTime::Single(instant) | MappedLocalTime::Ambiguous(instant, _) => Some(instant),
        MappedLocalTime::None => gap_end(zone, local),
    }
}

/// The first instant of local day `date` in `zone` (its midnight, or the moment the
/// clock jumps past a midnight that does not exist).
///
/// # Example
///
/// ```
/// use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
/// use freebusy_core::zone::day_start;
///
/// let new_york_winter = FixedOffset::west_opt(5 * 3600).unwrap();
/// let day = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
/// assert_eq!(day_start(&new_york_winter, day), Some(Utc.with_ymd_and_hms(2026, 1, 15, 5, 0, 0).unwrap()));
/// ```
pub fn day_start<Z: Zone + ?Sized>(zone: &Z, date: NaiveDate) -> Option<DateTime<Utc>> {
    earliest_at_or_after(zone, date.and_time(chrono::NaiveTime::MIN))
}

/// The transition that skips `local`: the first whole second whose wall-clock time is at
/// or after `local`.
fn gap_end<Z: Zone + ?Sized>(zone: &Z, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let reaches = |seconds: i64| {
        DateTime::from_timestamp(seconds, 0)
            .and_then(|instant| local_time_at(zone, instant))
            .is_some_and(|wall| wall >= local)
    };
    let as_utc = local.and_utc().timestamp();
    // The transition lies between `local - later offset` and `local - earlier offset`;
    // the wide bracket (offsets are under a day) is the fallback for stranger zones.
    let narrow = {
        let before = DateTime::from_timestamp(as_utc - 86_400, 0).map(|t| zone.offset_at(t));
        let after = DateTime::from_timestamp(as_utc + 86_400, 0).map(|t| zone.offset_at(t));
        match (before, after) {
            (Some(before), Some(after)) => {
                let (small, large) = if before.local_minus_utc() <= after.local_minus_utc() {
                    (before, after)
                } else {
                    (after, before)
                };
                Some((
                    as_utc - i64::from(large.local_minus_utc()) - 1,
                    as_utc - i64::from(small.local_minus_utc()) + 1,
                ))
            }
            _ => None,
        }
    };
    let wide = (as_utc - 86_400, as_utc + 86_400);
    let (mut low, mut high) = narrow
        .filter(|&(low, high)| !reaches(low) && reaches(high))
        .unwrap_or(wide);
    if reaches(low) || !reaches(high) {
        return None;
    }
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if reaches(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    DateTime::from_timestamp(high, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// UTC-5 until 2026-03-08 07:00Z, UTC-4 until 2026-11-01 06:00Z, then UTC-5:
    /// New York's 2026 rules, written out so this module tests without a tz database.
    struct NewYork2026;

    impl Zone for NewYork2026 {
        fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
            let spring = Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap();
            let fall = Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap();
            let hours = if instant >= spring && instant < fall {
                4
            } else {
                5
            };
            FixedOffset::west_opt(hours * 3600).unwrap()
        }
    }

    fn local(month: u32, day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, month, day)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
    }

    // A local time inside the spring-forward gap has no instant.
    #[test]
    fn a_skipped_local_time_resolves_to_nothing() {
        assert_eq!(
            resolve_local(&NewYork2026, local(3, 8, 2, 30)),
            MappedLocalTime::None
        );
    }

    // A repeated local time resolves to both instants, earlier first.
    #[test]
    fn a_repeated_local_time_resolves_to_both_instants() {
        assert_eq!(
            resolve_local(&NewYork2026, local(11, 1, 1, 30)),
            MappedLocalTime::Ambiguous(
                Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 11, 1, 6, 30, 0).unwrap(),
            )
        );
    }

    // A skipped local time moves to the transition instant, not to an hour later.
    #[test]
    fn earliest_at_or_after_a_skipped_time_is_the_transition() {
        assert_eq!(
            earliest_at_or_after(&NewYork2026, local(3, 8, 2, 30)),
            Some(Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap())
        );
    }

    // The extremes of the calendar give `None`, never a panic.
    #[test]
    fn resolving_at_the_edges_of_the_calendar_does_not_panic() {
        let _ = resolve_local(&NewYork2026, NaiveDateTime::MAX);
        let _ = resolve_local(&NewYork2026, NaiveDateTime::MIN);
        let _ = earliest_at_or_after(&NewYork2026, NaiveDateTime::MAX);
        let _ = earliest_at_or_after(&NewYork2026, NaiveDateTime::MIN);
        let _ = day_start(&NewYork2026, NaiveDate::MAX);
    }
}
