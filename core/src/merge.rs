//! The merge rule: one person's calendars into one availability.
//!
//! This is the one place the rule lives. Periods are half-open `[start, end)` in UTC;
//! where they overlap the strongest status wins (`Busy > Unknown > Tentative > Free`);
//! what nobody reports is free, so free periods add nothing and the result holds only
//! non-free time.

use core::ops::{BitOr, Shl, Shr};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::{Period, Status, Window};

/// One person's availability: non-free periods, sorted, disjoint and coalesced.
///
/// *Sorted* by start; *disjoint*, no two periods share an instant; *coalesced*, two
/// periods that touch always differ in status (adjacent periods of one status are
/// joined). Free time is the absence of a period, so free periods never appear. These
/// invariants make a person's status at an instant a binary search, and make merging
/// idempotent: merging an `Availability` again returns it unchanged.
///
/// Built by [`Availability::merge`]: each start and end becomes one integer key (its
/// instant counted from the first day, what happens there in the top bits), the keys are
/// sorted by a radix sort (no comparisons; one pass per 13-bit digit of the time span,
/// two for a year in seconds) and swept once with one counter per status. O(n) for a
/// given span; O(n log span) in general.
///
/// Deserializing merges too, so a deserialized value keeps the invariants.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::{Availability, Period, Status};
///
/// let at = |h| Utc.with_ymd_and_hms(2026, 4, 24, h, 0, 0).unwrap();
/// let merged = Availability::merge([
///     Period::new(at(9), at(12), Status::Tentative)?,
///     Period::new(at(10), at(11), Status::Busy)?,
///     Period::new(at(12), at(13), Status::Tentative)?,
///     Period::new(at(15), at(16), Status::Free)?,
/// ]);
/// let spans: Vec<_> = merged.periods().iter().map(|p| (p.start(), p.end(), p.status())).collect();
/// assert_eq!(spans, [
///     (at(9), at(10), Status::Tentative),
///     (at(10), at(11), Status::Busy),
///     (at(11), at(13), Status::Tentative),
/// ]);
/// assert_eq!(merged.status_at(at(15)), Status::Free);
/// # Ok::<(), freebusy_core::PeriodError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<Period>", into = "Vec<Period>")]
pub struct Availability {
    periods: Vec<Period>,
}

impl Availability {
    /// Merges periods from any number of calendars, in any order.
    ///
    /// Free periods are accepted and ignored: they never block.
    pub fn merge<I: IntoIterator<Item = Period>>(periods: I) -> Availability {
        // Generic code is compiled in the caller's crate at the caller's opt-level (the
        // widget builds for size), so this only collects (in place for a `Vec`) and the
        // merge itself is one function compiled here, at the engine's opt-level.
        merge_periods(&periods.into_iter().collect::<Vec<Period>>())
    }

    /// Like [`merge`](Availability::merge), keeping only what falls inside `window`.
    pub fn merge_within<I: IntoIterator<Item = Period>>(
        periods: I,
        window: Window,
    ) -> Availability {
        Availability::merge(periods).clipped(window)
    }

    /// The merged periods: non-free, sorted, disjoint, coalesced.
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// The merged periods, by value.
    pub fn into_periods(self) -> Vec<Period> {
        self.periods
    }

    /// Whether the person is free for all time.
    pub fn is_empty(&self) -> bool {
        self.periods.is_empty()
    }

    /// The status at `instant`: that of the period containing it, or `Free`.
    pub fn status_at(&self, instant: DateTime<Utc>) -> Status {
        let index = self.periods.partition_point(|p| p.end() <= instant);
        match self.periods.get(index) {
            Some(period) if period.contains(instant) => period.status(),
            _ => Status::Free,
        }
    }

    /// The periods that overlap `window`, unclipped, found by binary search.
    pub fn overlapping(&self, window: Window) -> &[Period] {
        let from = self.periods.partition_point(|p| p.end() <= window.start());
        let to = self.periods.partition_point(|p| p.start() < window.end());
        self.periods.get(from..to).unwrap_or(&[])
    }

    /// The same availability, cut to `window`: periods outside it are dropped and those
    /// across its edges are shortened.
    pub fn clipped(&self, window: Window) -> Availability {
        let periods = self
            .overlapping(window)
            .iter()
            .filter_map(|period| period.clipped_to(window))
            .collect();
        Availability { periods }
    }
}

impl From<Vec<Period>> for Availability {
    /// Merges, so that the invariants hold whatever the vector held.
    fn from(periods: Vec<Period>) -> Self {
        Availability::merge(periods)
    }
}

impl From<Availability> for Vec<Period> {
    fn from(availability: Availability) -> Self {
        availability.periods
    }
}

impl FromIterator<Period> for Availability {
    fn from_iter<I: IntoIterator<Item = Period>>(periods: I) -> Self {
        Availability::merge(periods)
    }
}

/// Merges one person's calendars: shorthand for [`Availability::merge`].
pub fn merge<I: IntoIterator<Item = Period>>(periods: I) -> Availability {
    Availability::merge(periods)
}

/// Merges collected periods (see [`Availability::merge`]): one integer key per
/// boundary, sorted by radix, then one sweep with a counter per status.
fn merge_periods(periods: &[Period]) -> Availability {
    // One cheap pass (dates and nanosecond fields, no arithmetic) picks the narrowest key
    // that orders every instant exactly: the first and last days give the span, and any
    // fraction of a second asks for nanoseconds. (`naive_utc` throughout: `DateTime`'s
    // own `date_naive` and `Timelike` go through an offset addition out of line.)
    let Some(first) = periods.first() else {
        return Availability::default();
    };
    let (mut first_day, mut last_day) = (
        first.start().naive_utc().date(),
        first.end().naive_utc().date(),
    );
    let mut fractions = 0;
    for period in periods {
        let (start, end) = (period.start().naive_utc(), period.end().naive_utc());
        first_day = first_day.min(start.date());
        last_day = last_day.max(end.date());
        fractions |= start.nanosecond() | end.nanosecond();
    }
    let origin = Origin {
        day: day_number(first_day),
        timestamp: first_day.and_time(NaiveTime::MIN).and_utc().timestamp(),
    };
    let days = (day_number(last_day) - origin.day + 1).unsigned_abs();
    let span = bit_length(days * SECONDS_PER_DAY);
    if fractions == 0 && span <= u32::BITS - EVENT_BITS {
        merge_on(periods, &Seconds(origin), span)
    } else {
        merge_on(periods, &Nanoseconds(origin), span + NANOSECOND_BITS)
    }
}

/// The merge proper, on one timeline: `bits` is how many low bits of a key its instants
/// can use.
fn merge_on<T: Timeline>(periods: &[Period], timeline: &T, bits: u32) -> Availability {
    // Free periods get keys too, of strength 0, which the sweep counts but never reads:
    // no branch here, and the keys' number is known.
    let mut keys = vec![T::Key::default(); periods.len().saturating_mul(2)];
    for (pair, period) in keys.chunks_exact_mut(2).zip(periods) {
        let strength = strength(period.status());
        if let [start, end] = pair {
            *start = boundary(timeline.key(period.start()), strength << 1 | 1);
            *end = boundary(timeline.key(period.end()), strength << 1);
        }
    }
    sort_by_instant(&mut keys, bits);

    // One branch per key, and one that is rarely taken on dense calendars: whether this
    // is the last boundary at its instant and the strength changes there. The last key
    // needs no check: after it nothing covers, so it closes whatever is open.
    let mut sweep = Sweep::default();
    for pair in keys.windows(2) {
        if let [key, next] = *pair {
            sweep.count(event(key));
            let (at, now) = (instant(key), sweep.strongest());
            if (instant(next) != at) & (now != sweep.open.1) {
                sweep.change(at, now, timeline);
            }
        }
    }
    if let Some(&last) = keys.last() {
        sweep.change(instant(last), 0, timeline);
    }
    Availability {
        periods: sweep.merged,
    }
}

/// The state of the sweep over sorted boundary keys.
struct Sweep<K> {
    /// How many input periods of each strength cover the current instant (index 0,
    /// free, stays unused).
    covering: [isize; 4],
    /// Where the current strength began, and that strength (0: free).
    open: (K, usize),
    merged: Vec<Period>,
}

impl<K: Key> Default for Sweep<K> {
    fn default() -> Self {
        Sweep {
            covering: [0; 4],
            open: (K::default(), 0),
            merged: Vec::new(),
        }
    }
}

impl<K: Key> Sweep<K> {
    /// Counts a boundary's event in (a start) or out (an end), without branching on it.
    fn count(&mut self, event: usize) {
        if let Some(count) = self.covering.get_mut(event >> 1) {
            *count += (event & 1) as isize * 2 - 1;
        }
    }

    /// The strongest strength counted: 0 (free) to 3 (busy).
    fn strongest(&self) -> usize {
        let [_, tentative, unknown, busy] = self.covering;
        let covered =
            usize::from(tentative > 0) | usize::from(unknown > 0) << 1 | usize::from(busy > 0) << 2;
        (usize::BITS - covered.leading_zeros()) as usize
    }

    /// The strength changes to `now` at `at`: closes the open period there, if any.
    fn change<T: Timeline<Key = K>>(&mut self, at: K, now: usize, timeline: &T) {
        let (start, open) = core::mem::replace(&mut self.open, (at, now));
        if open == 0 {
            return;
        }
        // Instants come from the timeline's keys and a period closes only at a later
        // boundary, so none of this fails; if it did, a period would be dropped rather
        // than the merge panic.
        if let (Some(start), Some(end), Some(&status)) = (
            timeline.instant(start),
            timeline.instant(at),
            Status::ALL.get(open),
        ) && let Ok(period) = Period::new(start, end, status)
        {
            self.merged.push(period);
        }
    }
}

/// A status's place in the strength order, `Free` 0 to `Busy` 3 (`Status` declares its
/// variants in that order, as [`Status::ALL`] lists them).
fn strength(status: Status) -> u8 {
    status as u8
}

fn bit_length(value: u64) -> u32 {
    u64::BITS - value.leading_zeros()
}

/// How many top bits of a key hold its event: strength << 1 | 1 for a start, strength
/// << 1 for an end.
const EVENT_BITS: u32 = 3;

/// A boundary's key: its instant in the low bits, its event in the top [`EVENT_BITS`],
/// so that keys sort by instant once sorted by their low bits.
fn boundary<K: Key>(instant: K, event: u8) -> K {
    K::from(event) << (K::BITS - EVENT_BITS) | instant
}

fn instant<K: Key>(key: K) -> K {
    key << EVENT_BITS >> EVENT_BITS
}

fn event<K: Key>(key: K) -> usize {
    (key >> (K::BITS - EVENT_BITS)).low()
}

/// An unsigned integer a boundary key is made of.
trait Key:
    Copy
    + Default
    + Eq
    + From<u8>
    + Shl<u32, Output = Self>
    + Shr<u32, Output = Self>
    + BitOr<Output = Self>
{
    const BITS: u32;
    /// The low bits of `value` (truncating: callers pass values that fit).
    fn from_low(value: u64) -> Self;
    /// The low bits, as an index (truncating).
    fn low(self) -> usize;
}

macro_rules! key {
    ($($int:ty),*) => {$(
        impl Key for $int {
            const BITS: u32 = <$int>::BITS;
            fn from_low(value: u64) -> Self {
                value as $int
            }
            fn low(self) -> usize {
                self as usize
            }
        }
    )*};
}
key!(u32, u128);

const SECONDS_PER_DAY: u64 = 86_400;

/// A count of days in the proleptic Gregorian calendar (from an epoch of its own: only
/// differences mean anything). chrono has one, but out of line and, in the widget, built
/// for size; this one is inlined into the merge's loops.
fn day_number(date: NaiveDate) -> i64 {
    // Whole 400-year cycles added so that the year is positive (chrono's years start at
    // -262,143) and integer division rounds down; 32-bit arithmetic, cheap in wasm.
    let year = date.year() - 1 + 400 * 656;
    let days = 365 * year + year / 4 - year / 100 + year / 400;
    i64::from(days) + i64::from(date.ordinal())
}

/// Midnight of the first day with a boundary, where a timeline's keys count from.
#[derive(Clone, Copy)]
struct Origin {
    /// Its [`day_number`].
    day: i64,
    /// Its Unix timestamp.
    timestamp: i64,
}

impl Origin {
    /// Whole seconds from the origin to `at` (never before it).
    fn seconds_to(self, at: DateTime<Utc>) -> u64 {
        let at = at.naive_utc();
        let days = (day_number(at.date()) - self.day).unsigned_abs();
        // `NaiveTime`'s, a field; `NaiveDateTime`'s recomputes it from hours and minutes.
        days * SECONDS_PER_DAY + u64::from(at.time().num_seconds_from_midnight())
    }

    /// The instant `seconds` and `nanoseconds` after the origin.
    fn plus(self, seconds: u64, nanoseconds: u32) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.timestamp.checked_add_unsigned(seconds)?, nanoseconds)
    }
}

/// How one merge turns instants into integers that sort like them, and back.
trait Timeline {
    type Key: Key;
    /// `at` (never before the origin) as a key's instant bits.
    fn key(&self, at: DateTime<Utc>) -> Self::Key;
    /// The instant of a key's instant bits.
    fn instant(&self, key: Self::Key) -> Option<DateTime<Utc>>;
}

/// Whole seconds from the origin in 32-bit keys (29 bits of instant: 17 years): what
/// calendars send, a week or a year at a time.
struct Seconds(Origin);

impl Timeline for Seconds {
    type Key = u32;

    fn key(&self, at: DateTime<Utc>) -> u32 {
        u32::from_low(self.0.seconds_to(at))
    }

    fn instant(&self, key: u32) -> Option<DateTime<Utc>> {
        self.0.plus(u64::from(key), 0)
    }
}

/// Nanoseconds (under 2 × 10⁹, leap seconds included) need 31 bits.
const NANOSECOND_BITS: u32 = 31;

/// Seconds from the origin and nanoseconds within the second in 128-bit keys (76 bits
/// of instant cover chrono's whole range): for fractions of a second, leap seconds, and
/// spans longer than 17 years. Slower than [`Seconds`] (the 50-year input of the
/// benchmarks merges in 1.4 times the time it would take with 64-bit keys), but a third
/// key width would cost the widget's bundle more than such inputs are worth.
struct Nanoseconds(Origin);

impl Timeline for Nanoseconds {
    type Key = u128;

    fn key(&self, at: DateTime<Utc>) -> u128 {
        u128::from(self.0.seconds_to(at)) << NANOSECOND_BITS
            | u128::from(at.naive_utc().nanosecond())
    }

    fn instant(&self, key: u128) -> Option<DateTime<Utc>> {
        let seconds = u64::try_from(key >> NANOSECOND_BITS).ok()?;
        let nanoseconds = u32::try_from(key & ((1 << NANOSECOND_BITS) - 1)).ok()?;
        self.0.plus(seconds, nanoseconds)
    }
}

/// Sorts `keys` by their low `bits` bits: an LSD radix sort (stable, one pass per digit,
/// no comparisons). Digits of up to 11 bits keep the counters in the L1 cache; short
/// lists get narrower digits, as clearing counters would cost more than passes saved.
fn sort_by_instant<K: Key>(keys: &mut Vec<K>, bits: u32) {
    let len = keys.len();
    let widest = bit_length(len as u64).clamp(4, 13);
    let passes = bits.div_ceil(widest);
    if len < 2 || passes == 0 {
        return;
    }
    let width = bits.div_ceil(passes);
    let radix = 1_usize << width;
    // The event bits are masked off: the last digit may reach past `bits`.
    let digit = |key: K, pass: usize| (instant(key) >> (pass as u32 * width)).low() & (radix - 1);
    // Every pass's counts in one read of the keys.
    let mut counts = vec![0_usize; radix * passes as usize];
    for &key in keys.iter() {
        for (pass, counts) in counts.chunks_exact_mut(radix).enumerate() {
            if let Some(count) = counts.get_mut(digit(key, pass)) {
                *count += 1;
            }
        }
    }
    let mut sorted = vec![K::default(); len];
    for (pass, counts) in counts.chunks_exact_mut(radix).enumerate() {
        if counts.contains(&len) {
            continue; // every key has this digit: nothing moves
        }
        // Counts into the first position of each digit.
        let mut position = 0;
        for count in counts.iter_mut() {
            (*count, position) = (position, position + *count);
        }
        for &key in keys.iter() {
            if let Some(next) = counts.get_mut(digit(key, pass)) {
                if let Some(slot) = sorted.get_mut(*next) {
                    *slot = key;
                }
                *next += 1;
            }
        }
        core::mem::swap(keys, &mut sorted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 24, hour, 0, 0)
            .single()
            .unwrap()
    }

    fn period(from: u32, to: u32, status: Status) -> Period {
        Period::new(at(from), at(to), status).unwrap()
    }

    fn spans(availability: &Availability) -> Vec<(u32, u32, Status)> {
        use chrono::Timelike;
        availability
            .periods()
            .iter()
            .map(|p| (p.start().hour(), p.end().hour(), p.status()))
            .collect()
    }

    // Zonio's rule: where a busy and a tentative period overlap, busy is reported.
    #[test]
    fn busy_wins_where_busy_and_tentative_overlap() {
        let merged = merge([
            period(9, 11, Status::Tentative),
            period(10, 12, Status::Busy),
        ]);
        assert_eq!(
            spans(&merged),
            [(9, 10, Status::Tentative), (10, 12, Status::Busy)]
        );
    }

    // Unknown is never free and outranks tentative.
    #[test]
    fn unknown_wins_over_tentative_and_is_never_free() {
        let merged = merge([
            period(9, 11, Status::Tentative),
            period(9, 10, Status::Unknown),
        ]);
        assert_eq!(
            spans(&merged),
            [(9, 10, Status::Unknown), (10, 11, Status::Tentative)]
        );
    }

    // Free periods never block, even when they overlap busy time.
    #[test]
    fn free_periods_do_not_block() {
        let merged = merge([period(9, 17, Status::Free), period(10, 11, Status::Busy)]);
        assert_eq!(spans(&merged), [(10, 11, Status::Busy)]);
    }

    // Touching periods of one status become one; of different statuses, stay two.
    #[test]
    fn adjacent_periods_of_one_status_are_coalesced() {
        let merged = merge([
            period(9, 10, Status::Busy),
            period(10, 11, Status::Busy),
            period(11, 12, Status::Tentative),
        ]);
        assert_eq!(
            spans(&merged),
            [(9, 11, Status::Busy), (11, 12, Status::Tentative)]
        );
    }

    // A gap between two busy periods stays free.
    #[test]
    fn time_nobody_reports_is_free() {
        let merged = merge([period(9, 10, Status::Busy), period(11, 12, Status::Busy)]);
        assert_eq!(merged.status_at(at(10)), Status::Free);
        assert_eq!(merged.status_at(at(9)), Status::Busy);
        assert_eq!(merged.status_at(at(12)), Status::Free);
    }

    // Clipping to a window shortens periods across its edges.
    #[test]
    fn merging_within_a_window_clips_at_its_edges() {
        let window = Window::new(at(10), at(12)).unwrap();
        let merged = Availability::merge_within(
            [
                period(8, 11, Status::Busy),
                period(11, 14, Status::Tentative),
            ],
            window,
        );
        assert_eq!(
            spans(&merged),
            [(10, 11, Status::Busy), (11, 12, Status::Tentative)]
        );
    }

    // The merge's own day count agrees with chrono's over chrono's whole range: years
    // before the common era, leap days and century years included.
    #[test]
    fn day_numbers_count_days_as_chrono_does() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let special = [
            NaiveDate::MIN,
            NaiveDate::MAX,
            ymd(-401, 12, 31),
            ymd(-400, 2, 29),
            ymd(-1, 12, 31),
            ymd(0, 2, 29),
            ymd(1, 1, 1),
            ymd(1900, 3, 1),
            ymd(2000, 2, 29),
            ymd(2100, 3, 1),
        ];
        let strided = (0..).map_while(|step| {
            NaiveDate::MIN.checked_add_signed(chrono::TimeDelta::days(9_973 * step))
        });
        for date in special.into_iter().chain(strided) {
            assert_eq!(
                day_number(date) - day_number(epoch),
                (date - epoch).num_days(),
                "{date}"
            );
        }
    }

    // Deserializing goes through the merge, so invariants hold for any input.
    #[test]
    fn deserializing_an_availability_merges_it() {
        let json = r#"[
            {"start": "2026-04-24T10:00:00Z", "end": "2026-04-24T11:00:00Z", "status": "busy"},
            {"start": "2026-04-24T09:00:00Z", "end": "2026-04-24T10:00:00Z", "status": "busy"}
        ]"#;
        let availability: Availability = serde_json::from_str(json).unwrap();
        assert_eq!(spans(&availability), [(9, 11, Status::Busy)]);
    }
}
