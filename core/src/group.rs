//! Group availability: several attendees combined, keeping who blocks each span and how.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Availability, Period, Status, Window};

/// One attendee's part in keeping a span of time from being free.
///
/// Only the attendee's position and status: enough to answer "why is this slot not
/// free?" ("attendee 2 is busy") while revealing nothing a free/busy API would not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Blocker {
    /// The attendee's index in the list given to [`GroupAvailability::combine`].
    pub attendee: usize,
    /// The attendee's status over the span (never `Free`).
    pub status: Status,
}

/// A span `[start, end)` during which the group's blockers do not change.
///
/// `status` is the strongest of the blockers' statuses: the worst status wins, because a
/// meeting needs everyone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupSegment {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    status: Status,
    blockers: Vec<Blocker>,
}

impl GroupSegment {
    /// The first instant of the segment.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the segment.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// The group's status: the strongest among the blockers.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Who blocks the segment and how, by attendee index (never empty).
    pub fn blockers(&self) -> &[Blocker] {
        &self.blockers
    }
}

/// The availability of a group: where anyone is not free, who, and how.
///
/// Segments are sorted, disjoint, and coalesced: two touching segments always differ in
/// their blockers. Time with no segment is free for everyone. Combining is a sweep over
/// all attendees' sorted boundaries, O(n log n) in the total number of periods, plus the
/// size of the output's blocker lists.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::{Availability, Blocker, GroupAvailability, Period, Status};
///
/// let at = |h| Utc.with_ymd_and_hms(2026, 4, 24, h, 0, 0).unwrap();
/// let ana = Availability::merge([Period::new(at(9), at(11), Status::Tentative)?]);
/// let bo = Availability::merge([Period::new(at(10), at(12), Status::Busy)?]);
/// let group = GroupAvailability::combine([&ana, &bo]);
///
/// let both = &group.segments()[1];
/// assert_eq!((both.start(), both.end(), both.status()), (at(10), at(11), Status::Busy));
/// assert_eq!(both.blockers(), [
///     Blocker { attendee: 0, status: Status::Tentative },
///     Blocker { attendee: 1, status: Status::Busy },
/// ]);
/// # Ok::<(), freebusy_core::PeriodError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupAvailability {
    segments: Vec<GroupSegment>,
}

impl GroupAvailability {
    /// Combines attendees' availabilities; an attendee is named by its position.
    pub fn combine<'a, I>(attendees: I) -> GroupAvailability
    where
        I: IntoIterator<Item = &'a Availability>,
    {
        // Each attendee's periods are sorted and disjoint, so their boundaries are in
        // order already: they are merged attendee by attendee (the smallest next one
        // each time) rather than sorted. Attendees are few, and a sort instantiated here
        // is kilobytes of the widget's bundle. Ends come before starts at one instant:
        // an attendee's periods are disjoint, so one ending where the next begins must
        // leave the new status in place.
        let lists: Vec<&[Period]> = attendees
            .into_iter()
            .map(|availability| availability.periods())
            .collect();
        let count = lists.len();
        let mut next: Vec<usize> = vec![0; count];
        let mut boundaries: Vec<Boundary> =
            Vec::with_capacity(lists.iter().map(|periods| periods.len() * 2).sum());
        loop {
            let mut smallest: Option<(usize, Boundary)> = None;
            for (attendee, periods) in lists.iter().enumerate() {
                let position = next.get(attendee).copied().unwrap_or(usize::MAX);
                let Some(period) = periods.get(position / 2) else {
                    continue;
                };
                let starts = position % 2 == 0;
                let boundary = Boundary {
                    at: if starts { period.start() } else { period.end() },
                    starts,
                    attendee,
                    status: period.status(),
                };
                if smallest
                    .as_ref()
                    .is_none_or(|(_, best)| (boundary.at, starts) < (best.at, best.starts))
                {
                    smallest = Some((attendee, boundary));
                }
            }
            let Some((attendee, boundary)) = smallest else {
                break;
            };
            if let Some(position) = next.get_mut(attendee) {
                *position += 1;
            }
            boundaries.push(boundary);
        }

        // Each attendee's status now, by position (a Vec, not a map: attendees are few
        // and dense, and a map's code costs the widget's bundle kilobytes).
        let mut active: Vec<Option<Status>> = vec![None; count];
        let mut segments: Vec<GroupSegment> = Vec::new();
        let mut open: Option<(DateTime<Utc>, Vec<Blocker>)> = None;
        let mut rest = boundaries.as_slice();
        while let Some(first) = rest.first() {
            let at = first.at;
            let same_instant = rest.partition_point(|boundary| boundary.at == at);
            let (here, later) = rest.split_at(same_instant);
            rest = later;
            for boundary in here {
                let Some(slot) = active.get_mut(boundary.attendee) else {
                    continue;
                };
                if boundary.starts {
                    *slot = Some(boundary.status);
                } else if *slot == Some(boundary.status) {
                    *slot = None;
                }
            }
            let blockers: Vec<Blocker> = active
                .iter()
                .enumerate()
                .filter_map(|(attendee, status)| status.map(|status| Blocker { attendee, status }))
                .collect();
            let unchanged = open.as_ref().is_some_and(|(_, open)| *open == blockers);
            if unchanged || (open.is_none() && blockers.is_empty()) {
                continue;
            }
            if let Some((start, blockers)) = open.take() {
                push_segment(&mut segments, start, at, blockers);
            }
            if !blockers.is_empty() {
                open = Some((at, blockers));
            }
        }
        GroupAvailability { segments }
    }

    /// The segments: sorted, disjoint, coalesced; free time has none.
    pub fn segments(&self) -> &[GroupSegment] {
        &self.segments
    }

    /// The group's status at `instant`.
    pub fn status_at(&self, instant: DateTime<Utc>) -> Status {
        let index = self.segments.partition_point(|s| s.end <= instant);
        match self.segments.get(index) {
            Some(segment) if segment.start <= instant => segment.status,
            _ => Status::Free,
        }
    }

    /// The segments that overlap `window`, found by binary search.
    pub fn overlapping(&self, window: Window) -> &[GroupSegment] {
        let from = self.segments.partition_point(|s| s.end <= window.start());
        let to = self.segments.partition_point(|s| s.start < window.end());
        self.segments.get(from..to).unwrap_or(&[])
    }

    /// The strongest status anywhere in `window`, and each attendee blocking any part of
    /// it with that attendee's strongest status there (sorted by attendee).
    pub fn assess(&self, window: Window) -> (Status, Vec<Blocker>) {
        // Kept sorted by attendee; a handful of entries, so a Vec beats a map.
        let mut blockers: Vec<Blocker> = Vec::new();
        let mut status = Status::Free;
        for segment in self.overlapping(window) {
            status = status.max(segment.status);
            for blocker in &segment.blockers {
                match blockers.binary_search_by_key(&blocker.attendee, |b| b.attendee) {
                    Ok(index) => {
                        if let Some(known) = blockers.get_mut(index) {
                            known.status = known.status.max(blocker.status);
                        }
                    }
                    Err(index) => blockers.insert(index, *blocker),
                }
            }
        }
        (status, blockers)
    }
}

impl From<&Availability> for GroupAvailability {
    /// A group of one, so that a single person's week goes through the same slot code.
    fn from(availability: &Availability) -> Self {
        GroupAvailability::combine([availability])
    }
}

fn push_segment(
    segments: &mut Vec<GroupSegment>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    blockers: Vec<Blocker>,
) {
    let status = blockers
        .iter()
        .map(|blocker| blocker.status)
        .max()
        .unwrap_or(Status::Free);
    if start < end && !blockers.is_empty() {
        segments.push(GroupSegment {
            start,
            end,
            status,
            blockers,
        });
    }
}

/// A start or end of one attendee's merged period.
#[derive(Clone, Copy)]
struct Boundary {
    at: DateTime<Utc>,
    starts: bool,
    attendee: usize,
    status: Status,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Period;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 24, hour, 0, 0)
            .single()
            .unwrap()
    }

    fn person(periods: &[(u32, u32, Status)]) -> Availability {
        Availability::merge(
            periods
                .iter()
                .map(|&(from, to, status)| Period::new(at(from), at(to), status).unwrap()),
        )
    }

    // The worst status of any attendee is the group's.
    #[test]
    fn the_worst_attendee_status_wins_for_the_group() {
        let group = GroupAvailability::combine([
            &person(&[(9, 12, Status::Tentative)]),
            &person(&[(10, 11, Status::Unknown)]),
        ]);
        assert_eq!(group.status_at(at(9)), Status::Tentative);
        assert_eq!(group.status_at(at(10)), Status::Unknown);
        assert_eq!(group.status_at(at(11)), Status::Tentative);
        assert_eq!(group.status_at(at(12)), Status::Free);
    }

    // When one attendee's status changes at an instant, the new one is kept.
    #[test]
    fn an_attendee_changing_status_at_a_boundary_keeps_the_new_status() {
        let group = GroupAvailability::combine([&person(&[
            (9, 10, Status::Busy),
            (10, 11, Status::Tentative),
        ])]);
        assert_eq!(group.segments().len(), 2);
        assert_eq!(
            group.segments()[1].blockers(),
            [Blocker {
                attendee: 0,
                status: Status::Tentative
            }]
        );
    }

    // Segments change when blockers change, even if the group status does not.
    #[test]
    fn segments_split_where_the_blockers_change() {
        let group = GroupAvailability::combine([
            &person(&[(9, 11, Status::Busy)]),
            &person(&[(10, 12, Status::Busy)]),
        ]);
        let spans: Vec<usize> = group
            .segments()
            .iter()
            .map(|s| s.blockers().len())
            .collect();
        assert_eq!(spans, [1, 2, 1]);
    }

    // Assessing a window reports each blocker once with its strongest status there.
    #[test]
    fn assessing_a_window_reports_each_blocker_once() {
        let group = GroupAvailability::combine([
            &person(&[(9, 10, Status::Tentative), (10, 11, Status::Busy)]),
            &person(&[]),
        ]);
        let (status, blockers) = group.assess(Window::new(at(9), at(11)).unwrap());
        assert_eq!(status, Status::Busy);
        assert_eq!(
            blockers,
            [Blocker {
                attendee: 0,
                status: Status::Busy
            }]
        );
    }
}
