//! The merge rule: one person's calendars into one availability.
//!
//! This is the one place the rule lives. Periods are half-open `[start, end)` in UTC;
//! where they overlap the strongest status wins (`Busy > Unknown > Tentative > Free`);
//! what nobody reports is free, so free periods add nothing and the result holds only
//! non-free time.

use chrono::{DateTime, Utc};
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
/// Built by [`Availability::merge`], a sweep over the sorted start and end boundaries
/// with one counter per status: O(n log n) for the sort, O(n) for the sweep.
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
        let mut boundaries: Vec<Boundary> = Vec::new();
        for period in periods {
            let Some(rank) = blocking_rank(period.status()) else {
                continue;
            };
            boundaries.push(Boundary {
                at: period.start(),
                rank,
                delta: 1,
            });
            boundaries.push(Boundary {
                at: period.end(),
                rank,
                delta: -1,
            });
        }
        boundaries.sort_unstable_by_key(|boundary| boundary.at);

        // How many input periods of each blocking status cover the current instant.
        let mut covering = [0_i64; BLOCKING.len()];
        let mut merged: Vec<Period> = Vec::new();
        let mut open: Option<(DateTime<Utc>, Status)> = None;
        let mut rest = boundaries.as_slice();
        while let Some(first) = rest.first() {
            let at = first.at;
            let same_instant = rest.partition_point(|boundary| boundary.at == at);
            let (here, later) = rest.split_at(same_instant);
            rest = later;
            for boundary in here {
                if let Some(count) = covering.get_mut(boundary.rank) {
                    *count += boundary.delta;
                }
            }
            let now_status = strongest(&covering);
            let open_status = open.map(|(_, status)| status);
            if now_status == open_status {
                continue;
            }
            if let Some((start, status)) = open {
                push_period(&mut merged, start, at, status);
            }
            open = now_status.map(|status| (at, status));
        }
        Availability { periods: merged }
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

/// The blocking statuses, weakest first; a counter index is a position in this list.
const BLOCKING: [Status; 3] = [Status::Tentative, Status::Unknown, Status::Busy];

fn blocking_rank(status: Status) -> Option<usize> {
    BLOCKING.iter().position(|&blocking| blocking == status)
}

/// The strongest status with a positive count, or `None` for free.
fn strongest(covering: &[i64; BLOCKING.len()]) -> Option<Status> {
    BLOCKING
        .iter()
        .zip(covering)
        .rev()
        .find(|(_, count)| **count > 0)
        .map(|(status, _)| *status)
}

fn push_period(merged: &mut Vec<Period>, start: DateTime<Utc>, end: DateTime<Utc>, status: Status) {
    // The sweep only closes a period at a later boundary, so `new` cannot fail; the
    // check stays so that a broken invariant drops a period instead of panicking.
    if let Ok(period) = Period::new(start, end, status) {
        merged.push(period);
    }
}

/// A start (`delta = 1`) or end (`delta = -1`) of an input period.
#[derive(Clone, Copy)]
struct Boundary {
    at: DateTime<Utc>,
    rank: usize,
    delta: i64,
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
