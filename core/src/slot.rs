//! Slots: the bookable cells of the week grid, and what a slot shows.

use core::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde::Serialize;

use crate::{Blocker, GroupAvailability, Status, Window};

/// One cell of the week grid: a local label time and the UTC span it covers.
///
/// `start` is an instant at which the wall clock reads `local`; `end` is the next slot's
/// start (or the end of the visible hours), so a day's slots tile its visible time in UTC
/// with no gap and no overlap. Usually `end - start` is the slot length; next to a DST
/// transition it is not (the slot before a spring-forward gap is cut short or runs
/// on to the next existing boundary), which is what the wall clock really does.
///
/// On a fall-back day a repeated local time gives two slots with the same `local` and
/// distinct `start`s; `offset` tells them apart (e.g. `-04:00` then `-05:00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Slot {
    local: NaiveDateTime,
    /// Serialized as seconds east of UTC (`-14400` for UTC-4).
    #[serde(serialize_with = "offset_seconds")]
    offset: FixedOffset,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

fn offset_seconds<S: serde::Serializer>(
    offset: &FixedOffset,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_i32(offset.local_minus_utc())
}

impl Slot {
    /// A slot; `None` unless `start < end`.
    pub fn new(
        local: NaiveDateTime,
        offset: FixedOffset,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Option<Slot> {
        (start < end).then_some(Slot {
            local,
            offset,
            start,
            end,
        })
    }

    /// The local date and time the grid labels the slot with.
    pub fn local(&self) -> NaiveDateTime {
        self.local
    }

    /// The zone's UTC offset at the slot's start.
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    /// The first instant of the slot.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the slot.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// The slot's span as a window.
    pub fn window(&self) -> Option<Window> {
        Window::new(self.start, self.end).ok()
    }

    /// What the slot shows, given the group's availability and the current instant.
    ///
    /// A slot is [`SlotStatus::Past`] when it *starts* before `now`: one already under
    /// way cannot be booked for its whole length, so it is treated as gone. Otherwise the
    /// slot takes the strongest status overlapping any part of it (a slot is only free
    /// if all of it is free for everyone), with the attendees who block it.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{FixedOffset, TimeZone, Utc};
    /// use freebusy_core::{Availability, GroupAvailability, Period, Slot, SlotStatus, Status};
    ///
    /// let at = |h, m| Utc.with_ymd_and_hms(2026, 4, 24, h, m, 0).unwrap();
    /// let utc = FixedOffset::east_opt(0).unwrap();
    /// let slot = Slot::new(at(9, 0).naive_utc(), utc, at(9, 0), at(9, 30)).unwrap();
    /// let busy = Availability::merge([Period::new(at(9, 15), at(10, 0), Status::Busy)?]);
    /// let group = GroupAvailability::from(&busy);
    ///
    /// assert_eq!(slot.assess(&group, at(8, 0)).status, SlotStatus::Busy);
    /// assert_eq!(slot.assess(&group, at(9, 1)).status, SlotStatus::Past);
    /// assert_eq!(slot.assess(&group, at(9, 0)).status.as_str(), "busy");
    /// # Ok::<(), freebusy_core::PeriodError>(())
    /// ```
    pub fn assess(&self, group: &GroupAvailability, now: DateTime<Utc>) -> SlotAvailability {
        if self.start < now {
            return SlotAvailability {
                status: SlotStatus::Past,
                blockers: Vec::new(),
            };
        }
        let Some(window) = self.window() else {
            return SlotAvailability {
                status: SlotStatus::Free,
                blockers: Vec::new(),
            };
        };
        let (status, blockers) = group.assess(window);
        SlotAvailability {
            status: status.into(),
            blockers,
        }
    }
}

/// What a slot shows: its availability, or that it is past.
///
/// The string form ([`SlotStatus::as_str`], also the serde form) is the widget's
/// `data-status` attribute: `free`, `tentative`, `unknown`, `busy` or `past`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotStatus {
    /// Starts before now: not bookable, whatever the calendars say.
    Past,
    /// Free for every attendee.
    Free,
    /// Someone is tentative, nobody worse.
    Tentative,
    /// Someone's status is unknown, nobody busy. Never bookable.
    Unknown,
    /// Someone is busy.
    Busy,
}

impl SlotStatus {
    /// The `data-status` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            SlotStatus::Past => "past",
            SlotStatus::Free => "free",
            SlotStatus::Tentative => "tentative",
            SlotStatus::Unknown => "unknown",
            SlotStatus::Busy => "busy",
        }
    }

    /// The availability the slot shows; `None` for a past slot.
    pub const fn status(self) -> Option<Status> {
        match self {
            SlotStatus::Past => None,
            SlotStatus::Free => Some(Status::Free),
            SlotStatus::Tentative => Some(Status::Tentative),
            SlotStatus::Unknown => Some(Status::Unknown),
            SlotStatus::Busy => Some(Status::Busy),
        }
    }

    /// Whether a slot showing this can be booked: never when past, else as
    /// [`Status::is_bookable`] says.
    ///
    /// ```
    /// use freebusy_core::SlotStatus;
    ///
    /// assert!(SlotStatus::Free.is_bookable(false));
    /// assert!(SlotStatus::Tentative.is_bookable(true));
    /// assert!(!SlotStatus::Past.is_bookable(true));
    /// ```
    pub const fn is_bookable(self, over_tentative: bool) -> bool {
        match self.status() {
            Some(status) => status.is_bookable(over_tentative),
            None => false,
        }
    }
}

impl From<Status> for SlotStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Free => SlotStatus::Free,
            Status::Tentative => SlotStatus::Tentative,
            Status::Unknown => SlotStatus::Unknown,
            Status::Busy => SlotStatus::Busy,
        }
    }
}

impl fmt::Display for SlotStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A slot's status and who blocks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlotAvailability {
    /// What the slot shows.
    pub status: SlotStatus,
    /// Each attendee blocking any part of the slot, with their strongest status there,
    /// sorted by attendee; empty for free and past slots.
    pub blockers: Vec<Blocker>,
}
