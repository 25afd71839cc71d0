//! Properties of the merge and of group combination, checked against a brute-force
//! reference on random inputs.

// proptest needs an OS random source: native only.
#![cfg(not(target_arch = "wasm32"))]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use freebusy_core::{Availability, GroupAvailability, Period, Status};
use proptest::prelude::*;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 24, 0, 0, 0).unwrap()
}

/// Periods on a coarse 15-minute grid over a few hours, so that overlaps, shared
/// boundaries and adjacency are common.
fn period() -> impl Strategy<Value = Period> {
    (0_i64..40, 1_i64..12, 0_usize..4).prop_map(|(start, length, status)| {
        let start = base() + TimeDelta::minutes(15 * start);
        let end = start + TimeDelta::minutes(15 * length);
        Period::new(start, end, Status::ALL[status]).unwrap()
    })
}

fn periods() -> impl Strategy<Value = Vec<Period>> {
    prop::collection::vec(period(), 0..40)
}

/// Every boundary of the inputs, and a midpoint between each two consecutive ones and
/// on either side: one instant inside each piece of time where the inputs are constant.
fn sample_instants(periods: &[Period]) -> Vec<DateTime<Utc>> {
    let mut boundaries: Vec<DateTime<Utc>> =
        periods.iter().flat_map(|p| [p.start(), p.end()]).collect();
    boundaries.sort();
    boundaries.dedup();
    let mut samples = boundaries.clone();
    samples.extend(
        boundaries
            .windows(2)
            .map(|pair| pair[0] + (pair[1] - pair[0]) / 2),
    );
    if let (Some(first), Some(last)) = (boundaries.first(), boundaries.last()) {
        samples.push(*first - TimeDelta::minutes(1));
        samples.push(*last + TimeDelta::minutes(1));
    }
    samples
}

/// The reference rule: the strongest status among inputs covering `instant`, else free.
fn brute_force_status(periods: &[Period], instant: DateTime<Utc>) -> Status {
    periods
        .iter()
        .filter(|p| p.contains(instant))
        .map(|p| p.status())
        .max()
        .unwrap_or(Status::Free)
}

/// The status a list of periods gives `instant`, by linear scan (no invariants assumed).
fn scanned_status(periods: &[Period], instant: DateTime<Utc>) -> Status {
    periods
        .iter()
        .find(|p| p.contains(instant))
        .map_or(Status::Free, |p| p.status())
}

proptest! {
    // The output is sorted, disjoint, coalesced, and holds no free periods.
    #[test]
    fn merged_periods_are_sorted_disjoint_coalesced_and_never_free(input in periods()) {
        let merged = Availability::merge(input);
        for period in merged.periods() {
            prop_assert_ne!(period.status(), Status::Free);
        }
        for pair in merged.periods().windows(2) {
            prop_assert!(pair[0].end() <= pair[1].start(), "sorted and disjoint");
            prop_assert!(
                pair[0].end() < pair[1].start() || pair[0].status() != pair[1].status(),
                "touching periods differ in status"
            );
        }
    }

    // At every instant the merged status is the strongest input status covering it.
    #[test]
    fn merged_status_is_the_strongest_input_status_at_every_instant(input in periods()) {
        let merged = Availability::merge(input.clone());
        for instant in sample_instants(&input) {
            let expected = brute_force_status(&input, instant);
            prop_assert_eq!(scanned_status(merged.periods(), instant), expected);
            prop_assert_eq!(merged.status_at(instant), expected);
        }
    }

    // The order of the input does not matter.
    #[test]
    fn merging_does_not_depend_on_input_order(
        (input, shuffled) in periods().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
    ) {
        prop_assert_eq!(Availability::merge(input), Availability::merge(shuffled));
    }

    // Merging a merged availability changes nothing.
    #[test]
    fn merging_twice_changes_nothing(input in periods()) {
        let once = Availability::merge(input);
        let twice = Availability::merge(once.periods().to_vec());
        prop_assert_eq!(once, twice);
    }

    // The group status at every instant is the worst attendee status, and the blockers
    // are exactly the attendees who are not free then, with their statuses.
    #[test]
    fn group_status_is_the_worst_attendee_status_with_exact_blockers(
        attendees in prop::collection::vec(periods(), 0..5)
    ) {
        let merged: Vec<Availability> = attendees.iter().cloned().map(Availability::merge).collect();
        let group = GroupAvailability::combine(&merged);
        let all: Vec<Period> = attendees.iter().flatten().copied().collect();
        for instant in sample_instants(&all) {
            let expected: Vec<(usize, Status)> = attendees
                .iter()
                .enumerate()
                .map(|(index, periods)| (index, brute_force_status(periods, instant)))
                .filter(|(_, status)| *status != Status::Free)
                .collect();
            let segment = group.segments().iter().find(|s| s.start() <= instant && instant < s.end());
            let actual: Vec<(usize, Status)> = segment
                .map(|s| s.blockers().iter().map(|b| (b.attendee, b.status)).collect())
                .unwrap_or_default();
            prop_assert_eq!(&actual, &expected);
            let worst = expected.iter().map(|(_, s)| *s).max().unwrap_or(Status::Free);
            prop_assert_eq!(group.status_at(instant), worst);
        }
        for pair in group.segments().windows(2) {
            prop_assert!(pair[0].end() <= pair[1].start());
            prop_assert!(pair[0].end() < pair[1].start() || pair[0].blockers() != pair[1].blockers());
        }
    }
}

/// The merge written the simplest way: every piece of time between two consecutive
/// boundaries gets the strongest status covering it; free pieces are dropped and
/// touching pieces of one status joined. Quadratic, and independent of the engine's
/// boundary keys and radix sort.
fn reference_merge(periods: &[Period]) -> Vec<Period> {
    let mut instants: Vec<DateTime<Utc>> =
        periods.iter().flat_map(|p| [p.start(), p.end()]).collect();
    instants.sort();
    instants.dedup();
    let mut merged: Vec<Period> = Vec::new();
    for pair in instants.windows(2) {
        let status = brute_force_status(periods, pair[0]);
        if status == Status::Free {
            continue;
        }
        match merged.last_mut() {
            Some(last) if last.end() == pair[0] && last.status() == status => {
                *last = Period::new(last.start(), pair[1], status).unwrap();
            }
            _ => merged.push(Period::new(pair[0], pair[1], status).unwrap()),
        }
    }
    merged
}

/// Two distinct instants as a period with any status.
fn period_between(a: DateTime<Utc>, b: DateTime<Utc>, status: usize) -> Option<Period> {
    Period::new(a.min(b), a.max(b), Status::ALL[status]).ok()
}

/// Instants across all of chrono's range (years -262143 to 262142), clustered around a
/// few anchors so that periods still overlap: spans no 32-bit key can hold.
fn far_apart_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let (min, max) = (
        DateTime::<Utc>::MIN_UTC.timestamp(),
        DateTime::<Utc>::MAX_UTC.timestamp(),
    );
    let anchors = [min, -62_135_596_800, 0, 1_777_000_000, 253_402_300_799, max];
    (0..anchors.len(), -3_i64..3, 0_i64..2).prop_filter_map(
        "in chrono's range",
        move |(anchor, hours, end)| {
            let seconds = anchors[anchor].checked_add(3600 * hours + end)?;
            DateTime::from_timestamp(seconds.clamp(min, max), 0)
        },
    )
}

/// Instants with fractions of a second, leap seconds (nanoseconds ≥ 10⁹ in the 60th
/// second of a minute) included, around one day.
fn fractional_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let nanoseconds = prop_oneof![
        Just(0_u32),
        Just(1),
        Just(999_999_999),
        Just(1_000_000_000),
        Just(1_999_999_999),
        0_u32..2_000_000_000,
    ];
    (0_i64..8, nanoseconds).prop_filter_map("a valid instant", |(step, nanoseconds)| {
        // Minute ends (:59) on a 15-minute grid, where leap seconds are allowed.
        let seconds = base().timestamp() + 900 * step - 1;
        DateTime::from_timestamp(seconds, nanoseconds)
    })
}

fn periods_of<S: Strategy<Value = DateTime<Utc>>>(
    instant: fn() -> S,
) -> impl Strategy<Value = Vec<Period>> {
    let period = (instant(), instant(), 0_usize..4)
        .prop_filter_map("start before end", |(a, b, status)| {
            period_between(a, b, status)
        });
    prop::collection::vec(period, 0..40)
}

proptest! {
    // Exactly the reference's periods, on a calendar-like grid (the engine's 32-bit keys).
    #[test]
    fn merging_gives_the_reference_periods_on_a_grid(input in periods()) {
        let merged = Availability::merge(input.clone());
        prop_assert_eq!(merged.periods(), &reference_merge(&input)[..]);
    }

    // And across thousands of centuries, with fractions of a second and leap seconds
    // (the engine's 128-bit keys), and with everything mixed.
    #[test]
    fn merging_gives_the_reference_periods_across_centuries(input in periods_of(far_apart_instant)) {
        let merged = Availability::merge(input.clone());
        prop_assert_eq!(merged.periods(), &reference_merge(&input)[..]);
    }

    #[test]
    fn merging_gives_the_reference_periods_with_fractions_of_seconds(input in periods_of(fractional_instant)) {
        let merged = Availability::merge(input.clone());
        prop_assert_eq!(merged.periods(), &reference_merge(&input)[..]);
    }

    #[test]
    fn merging_gives_the_reference_periods_for_mixed_inputs(
        grid in periods(),
        far in periods_of(far_apart_instant),
        fractional in periods_of(fractional_instant),
    ) {
        let input: Vec<Period> = grid.into_iter().chain(far).chain(fractional).collect();
        let merged = Availability::merge(input.clone());
        prop_assert_eq!(merged.periods(), &reference_merge(&input)[..]);
    }
}

/// A second reference for large inputs, where the quadratic one is too slow: the sweep
/// as it was written before boundary keys, over boundaries sorted with a comparator.
fn comparison_sort_merge(periods: &[Period]) -> Vec<Period> {
    let mut boundaries: Vec<(DateTime<Utc>, Status, i64)> = periods
        .iter()
        .filter(|p| p.status() != Status::Free)
        .flat_map(|p| [(p.start(), p.status(), 1), (p.end(), p.status(), -1)])
        .collect();
    boundaries.sort_by_key(|&(at, _, _)| at);
    let mut covering = [0_i64; 4];
    let mut merged: Vec<Period> = Vec::new();
    let mut open: Option<(DateTime<Utc>, Status)> = None;
    for (index, &(at, status, delta)) in boundaries.iter().enumerate() {
        covering[status as usize] += delta;
        if boundaries.get(index + 1).is_some_and(|next| next.0 == at) {
            continue;
        }
        let now = (1..4)
            .rev()
            .find(|&s| covering[s] > 0)
            .map(|s| Status::ALL[s]);
        if now == open.map(|(_, status)| status) {
            continue;
        }
        if let Some((start, status)) = open {
            merged.push(Period::new(start, at, status).unwrap());
        }
        open = now.map(|status| (at, status));
    }
    merged
}

/// Many periods on a minute grid over months, or with fractions of a second: enough
/// boundaries for the radix sort's widest digits and several passes.
fn many_periods() -> impl Strategy<Value = Vec<Period>> {
    let minute = (0_i64..200_000, 1_i64..17, 0_usize..4).prop_map(|(start, quarters, status)| {
        let start = base() + TimeDelta::minutes(start);
        Period::new(
            start,
            start + TimeDelta::minutes(15 * quarters),
            Status::ALL[status],
        )
        .unwrap()
    });
    let fractional = (0_i64..200_000, 1_i64..2_000_000_000, 0_usize..4).prop_map(
        |(start, nanoseconds, status)| {
            let start = base() + TimeDelta::seconds(start);
            Period::new(
                start,
                start + TimeDelta::nanoseconds(nanoseconds),
                Status::ALL[status],
            )
            .unwrap()
        },
    );
    prop_oneof![
        prop::collection::vec(minute, 1000..6000),
        prop::collection::vec(fractional, 1000..6000),
    ]
}

/// Many periods over a span of seconds at or near a power of two, where the engine
/// changes key widths (2^29 seconds is the most a 32-bit key holds) and where the
/// radix sort's last digit reaches past the span.
fn periods_over_edge_spans() -> impl Strategy<Value = Vec<Period>> {
    let spans = prop::sample::select(vec![
        (1_i64 << 13) - 1,
        1 << 13,
        (1 << 26) + 1,
        (1 << 29) - 2,
        (1 << 29) - 1,
        1 << 29,
        (1 << 29) + 1,
        (1 << 30) - 1,
        (1 << 33) + 7,
    ]);
    (spans, 1000_usize..3000).prop_flat_map(|(span, count)| {
        let period = (0..span, 1_i64..7200, 0_usize..4).prop_map(move |(start, length, status)| {
            let start = base() + TimeDelta::seconds(start);
            let end = (start + TimeDelta::seconds(length)).min(base() + TimeDelta::seconds(span));
            period_between(start, end.max(start + TimeDelta::seconds(1)), status).unwrap()
        });
        // One period at each end, so that the span is exactly `span`.
        let ends = [
            Period::new(base(), base() + TimeDelta::seconds(1), Status::Busy).unwrap(),
            Period::new(
                base() + TimeDelta::seconds(span - 1),
                base() + TimeDelta::seconds(span),
                Status::Tentative,
            )
            .unwrap(),
        ];
        prop::collection::vec(period, count).prop_map(move |mut periods| {
            periods.extend(ends);
            periods
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn merging_over_spans_at_key_widths_gives_the_comparison_sort_periods(input in periods_over_edge_spans()) {
        let merged = Availability::merge(input.clone());
        prop_assert_eq!(merged.periods(), &comparison_sort_merge(&input)[..]);
    }

    // Thousands of periods: the same periods as the comparison-sort sweep.
    #[test]
    fn merging_many_periods_gives_the_comparison_sort_periods(input in many_periods()) {
        let merged = Availability::merge(input.clone());
        prop_assert_eq!(merged.periods(), &comparison_sort_merge(&input)[..]);
    }
}
