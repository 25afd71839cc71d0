//! The result of turning wire periods into engine periods: what was kept, what was not
//! and why.

use core::fmt;

use serde::Serialize;

use crate::{Period, PeriodError};

/// Engine periods read from a wire document, and the entries that could not be used.
///
/// `periods` holds a [`Period`] for every usable entry, free ones included (they carry
/// [`Status::Free`](crate::Status::Free), which the merge ignores, so they never block).
/// Deleted entries (Cronofy's `deleted: true`) are left out of both lists: a deleted event
/// is not a problem with the document, it just no longer takes any time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversion {
    /// The usable periods, in document order.
    pub periods: Vec<Period>,
    /// The entries dropped, in document order.
    pub skipped: Vec<Skipped>,
}

/// A wire entry that was dropped, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The entry's position in the document's list of periods.
    pub index: usize,
    /// Why it was dropped (the first problem found: times, then status, then span).
    pub reason: SkipReason,
}

/// Why a wire entry could not become a period.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum SkipReason {
    /// Start equals end.
    ZeroLength,
    /// Start is after end.
    Inverted,
    /// A status this engine does not know, as written.
    UnknownStatus(String),
    /// A start or end that is neither an RFC 3339 time nor a date, as written.
    UnparseableTime(String),
    /// A date whose day cannot be placed in time (the edge of the calendar).
    OutOfRange(String),
}

impl From<PeriodError> for SkipReason {
    fn from(error: PeriodError) -> Self {
        match error {
            PeriodError::ZeroLength => SkipReason::ZeroLength,
            PeriodError::Inverted => SkipReason::Inverted,
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::ZeroLength => f.write_str("zero-length period (start equals end)"),
            SkipReason::Inverted => f.write_str("inverted period (start is after end)"),
            SkipReason::UnknownStatus(status) => write!(f, "unknown status {status:?}"),
            SkipReason::UnparseableTime(text) => write!(f, "unparseable time {text:?}"),
            SkipReason::OutOfRange(text) => write!(f, "date out of range {text:?}"),
        }
    }
}
