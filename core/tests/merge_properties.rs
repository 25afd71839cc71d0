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
