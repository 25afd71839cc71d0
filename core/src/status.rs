//! The availability statuses and their strength order.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// How available someone is during a period.
///
/// The variants are declared in order of *strength*, and the derived [`Ord`] is that
/// order: `Free < Tentative < Unknown < Busy`. Wherever periods overlap, the strongest
/// status wins, so "combine" is always [`Ord::max`].
///
/// `Unknown` outranks `Tentative` on purpose: a host page may allow booking over
/// tentative time, and a slot that is tentative in one calendar and unknown in another
/// must still never become bookable. `Unknown` is never treated as free. `Busy` is
/// definite, so it outranks everything.
///
/// Serialized in lowercase (`"free"`, `"tentative"`, `"unknown"`, `"busy"`), as both
/// free/busy APIs spell them.
///
/// # Example
///
/// ```
/// use freebusy_core::Status;
///
/// assert!(Status::Busy > Status::Unknown);
/// assert!(Status::Unknown > Status::Tentative);
/// assert_eq!(Status::Tentative.max(Status::Unknown), Status::Unknown);
/// assert_eq!("tentative".parse::<Status>(), Ok(Status::Tentative));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Available. Free is also what nobody reports: the absence of a period.
    Free,
    /// Probably busy, e.g. an invitation not yet answered.
    Tentative,
    /// A source reported the time but could not say how it is used. Never free.
    Unknown,
    /// Definitely not available.
    Busy,
}

impl Status {
    /// Every status, weakest first.
    pub const ALL: [Status; 4] = [
        Status::Free,
        Status::Tentative,
        Status::Unknown,
        Status::Busy,
    ];

    /// The lowercase name used on the wire and in the widget's `data-status`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Free => "free",
            Status::Tentative => "tentative",
            Status::Unknown => "unknown",
            Status::Busy => "busy",
        }
    }

    /// Whether time with this status keeps a slot from being free (everything but `Free`).
    pub const fn is_blocking(self) -> bool {
        !matches!(self, Status::Free)
    }

    /// Whether time with this status may be booked: free time always, tentative time
    /// only where the host allows booking over it (`over_tentative`), unknown and busy
    /// time never. The one statement of the rule; the server's booking check and the
    /// widget's clickable slots both ask it.
    ///
    /// ```
    /// use freebusy_core::Status;
    ///
    /// assert!(Status::Free.is_bookable(false));
    /// assert!(!Status::Tentative.is_bookable(false));
    /// assert!(Status::Tentative.is_bookable(true));
    /// assert!(!Status::Unknown.is_bookable(true));
    /// ```
    pub const fn is_bookable(self, over_tentative: bool) -> bool {
        match self {
            Status::Free => true,
            Status::Tentative => over_tentative,
            Status::Unknown | Status::Busy => false,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is none of `free`, `tentative`, `unknown` or `busy`.
///
/// Holds the rejected text so that a skipped entry can say what it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownStatusName(pub String);

impl fmt::Display for UnknownStatusName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown free/busy status {:?}", self.0)
    }
}

impl std::error::Error for UnknownStatusName {}

impl FromStr for Status {
    type Err = UnknownStatusName;

    /// Parses the exact lowercase wire names; anything else is an error, not a guess.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatusName(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The strength order is the declaration order, which the merge relies on.
    #[test]
    fn statuses_are_ordered_by_strength() {
        assert!(Status::Free < Status::Tentative);
        assert!(Status::Tentative < Status::Unknown);
        assert!(Status::Unknown < Status::Busy);
    }

    // Parsing and printing are inverse for every status, and strict for anything else.
    #[test]
    fn status_names_round_trip_and_unknown_names_are_rejected() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        assert_eq!(
            "Busy".parse::<Status>(),
            Err(UnknownStatusName("Busy".into()))
        );
    }
}
