//! Periods: half-open spans of UTC time with a status, and query windows.

use core::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Status;

/// Why a start and an end do not make a period or a window.
///
/// Zero-length and inverted spans are dropped "with a reason" rather than repaired:
/// swapping an inverted pair would invent a period nobody reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeriodError {
    /// `start == end`: a half-open span with nothing in it.
    ZeroLength,
    /// `start > end`.
    Inverted,
}

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PeriodError::ZeroLength => "the period is zero-length (start equals end)",
            PeriodError::Inverted => "the period is inverted (start is after end)",
        })
    }
}

impl std::error::Error for PeriodError {}

fn check_span(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), PeriodError> {
    match start.cmp(&end) {
        core::cmp::Ordering::Less => Ok(()),
        core::cmp::Ordering::Equal => Err(PeriodError::ZeroLength),
        core::cmp::Ordering::Greater => Err(PeriodError::Inverted),
    }
}

/// A half-open span of time `[start, end)` in UTC with one status.
///
/// Half-open, so that a period ending at 10:00 and one starting at 10:00 touch without
/// overlapping, and a week split into slots has no instant counted twice. Times are UTC
/// because overlap is only meaningful between instants; local time is a question of
/// display, answered by [`crate::zone`].
///
/// The fields are private so that every `Period` satisfies `start < end`; deserializing
/// checks it too.
///
/// # Errors
///
/// [`Period::new`] returns [`PeriodError`] when `start >= end`.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::{Period, PeriodError, Status};
///
/// let nine = Utc.with_ymd_and_hms(2026, 4, 24, 9, 0, 0).unwrap();
/// let ten = Utc.with_ymd_and_hms(2026, 4, 24, 10, 0, 0).unwrap();
/// let meeting = Period::new(nine, ten, Status::Busy)?;
/// assert!(meeting.contains(nine) && !meeting.contains(ten));
/// assert_eq!(Period::new(ten, nine, Status::Busy), Err(PeriodError::Inverted));
/// # Ok::<(), PeriodError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "UncheckedPeriod")]
pub struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    status: Status,
}

impl Period {
    /// A period from `start` (included) to `end` (excluded).
    ///
    /// # Errors
    ///
    /// [`PeriodError::ZeroLength`] if `start == end`, [`PeriodError::Inverted`] if
    /// `start > end`.
    pub fn new(
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        status: Status,
    ) -> Result<Period, PeriodError> {
        check_span(start, end)?;
        Ok(Period { start, end, status })
    }

    /// The first instant of the period.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the period.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// How available the person is during the period.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Whether `instant` falls in `[start, end)`.
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.start <= instant && instant < self.end
    }

    /// The same span with another status.
    pub fn with_status(self, status: Status) -> Period {
        Period { status, ..self }
    }

    /// The part of the period inside `window`, if any.
    pub fn clipped_to(&self, window: Window) -> Option<Period> {
        let start = self.start.max(window.start);
        let end = self.end.min(window.end);
        (start < end).then_some(Period {
            start,
            end,
            ..*self
        })
    }
}

/// The serde shape of [`Period`], checked on the way in.
#[derive(Deserialize)]
struct UncheckedPeriod {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    status: Status,
}

impl TryFrom<UncheckedPeriod> for Period {
    type Error = PeriodError;

    fn try_from(raw: UncheckedPeriod) -> Result<Self, Self::Error> {
        Period::new(raw.start, raw.end, raw.status)
    }
}

/// A half-open span of UTC time `[start, end)` that a question is about: the week being
/// shown, the range fetched from an API, the bounds merged periods are clipped to.
///
/// A separate type from [`Period`] because a window has no status, and keeping the two
/// apart stops a query range from being merged as if someone were busy during it.
///
/// # Errors
///
/// [`Window::new`] returns [`PeriodError`] when `start >= end`.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::Window;
///
/// let start = Utc.with_ymd_and_hms(2026, 4, 20, 0, 0, 0).unwrap();
/// let end = Utc.with_ymd_and_hms(2026, 4, 27, 0, 0, 0).unwrap();
/// let week = Window::new(start, end)?;
/// assert_eq!(week.end() - week.start(), chrono::TimeDelta::days(7));
/// # Ok::<(), freebusy_core::PeriodError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "UncheckedWindow")]
pub struct Window {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Window {
    /// A window from `start` (included) to `end` (excluded).
    ///
    /// # Errors
    ///
    /// [`PeriodError::ZeroLength`] if `start == end`, [`PeriodError::Inverted`] if
    /// `start > end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Window, PeriodError> {
        check_span(start, end)?;
        Ok(Window { start, end })
    }

    /// The first instant of the window.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the window.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// Whether `instant` falls in `[start, end)`.
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.start <= instant && instant < self.end
    }
}

/// The serde shape of [`Window`], checked on the way in.
#[derive(Deserialize)]
struct UncheckedWindow {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TryFrom<UncheckedWindow> for Window {
    type Error = PeriodError;

    fn try_from(raw: UncheckedWindow) -> Result<Self, Self::Error> {
        Window::new(raw.start, raw.end)
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

    // A zero-length period is rejected with its own reason, not silently kept.
    #[test]
    fn zero_length_period_is_rejected() {
        assert_eq!(
            Period::new(at(9), at(9), Status::Busy),
            Err(PeriodError::ZeroLength)
        );
    }

    // Clipping keeps only the overlap and drops a period that merely touches the window.
    #[test]
    fn clipping_keeps_the_overlap_only() {
        let period = Period::new(at(8), at(12), Status::Busy).unwrap();
        let window = Window::new(at(10), at(14)).unwrap();
        let clipped = period.clipped_to(window).unwrap();
        assert_eq!((clipped.start(), clipped.end()), (at(10), at(12)));
        let touching = Window::new(at(12), at(14)).unwrap();
        assert_eq!(period.clipped_to(touching), None);
    }
}
