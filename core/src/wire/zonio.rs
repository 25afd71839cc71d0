//! The Zonio Freebusy API (v1.0): a request window in Unix seconds, and a response that
//! is an array of `{start, end, type}` with `type` `busy` or `tentative`.
//!
//! Zonio reports only what is not free; anything not reported is free. Its own rule,
//! "busy is reported where busy and tentative overlap", is the engine's merge rule.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::rfc3339;
use super::{Conversion, SkipReason, Skipped, WireStatus};
use crate::{Availability, Period, Status, Window};

/// The `start` and `end` query parameters of `GET /{email}?start=..&end=..`, in Unix
/// seconds.
///
/// Plain integers because that is the wire; [`RequestWindow::window`] checks them.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::Window;
/// use freebusy_core::wire::zonio::RequestWindow;
///
/// let week = Window::new(
///     Utc.with_ymd_and_hms(2018, 1, 22, 0, 0, 0).unwrap(),
///     Utc.with_ymd_and_hms(2018, 1, 29, 0, 0, 0).unwrap(),
/// )?;
/// let request = RequestWindow::from(week);
/// assert_eq!(request.query(), "start=1516579200&end=1517184000");
/// assert_eq!(request.window(), Some(week));
/// # Ok::<(), freebusy_core::PeriodError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestWindow {
    /// Start of the requested interval, Unix seconds.
    pub start: i64,
    /// End of the requested interval, Unix seconds.
    pub end: i64,
}

impl RequestWindow {
    /// The query string, `start=..&end=..`.
    pub fn query(&self) -> String {
        format!("start={}&end={}", self.start, self.end)
    }

    /// The window asked for; `None` if it is empty, inverted or out of range.
    pub fn window(&self) -> Option<Window> {
        let start = DateTime::from_timestamp(self.start, 0)?;
        let end = DateTime::from_timestamp(self.end, 0)?;
        Window::new(start, end).ok()
    }
}

impl From<Window> for RequestWindow {
    /// Whole seconds, rounded outwards so that the request covers the whole window.
    fn from(window: Window) -> Self {
        let start = window.start().timestamp();
        let end = window.end().timestamp() + i64::from(window.end().timestamp_subsec_nanos() > 0);
        RequestWindow { start, end }
    }
}

/// One entry of a Zonio response: a span that is busy or tentative.
///
/// Times serialize as ISO 8601 UTC (`2018-01-22T19:00:00Z`); any RFC 3339 time is
/// accepted when reading and normalised to UTC. A time that is not RFC 3339 fails the
/// whole document (Zonio's times are machine-made, so that means a broken response);
/// an unknown `type` only skips its entry.
///
/// # Example
///
/// ```
/// use freebusy_core::wire::zonio;
///
/// let periods = zonio::parse_response(r#"[
///   {"start": "2018-01-22T18:00:00+01:00", "end": "2018-01-22T19:00:00Z", "type": "busy"}
/// ]"#)?;
/// assert_eq!(zonio::to_json(&periods)?,
///     r#"[{"start":"2018-01-22T17:00:00Z","end":"2018-01-22T19:00:00Z","type":"busy"}]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AvailabilityPeriod {
    /// Interval start.
    #[serde(with = "rfc3339")]
    pub start: DateTime<Utc>,
    /// Interval end.
    #[serde(with = "rfc3339")]
    pub end: DateTime<Utc>,
    /// `busy` or `tentative` (the other two engine statuses are read too).
    #[serde(rename = "type")]
    pub kind: WireStatus,
}

/// Engine periods from a Zonio response, with the entries that could not be used.
///
/// Zonio only defines `busy` and `tentative`; `free` and `unknown` are read as the
/// engine's statuses of those names, anything else is skipped with
/// [`SkipReason::UnknownStatus`].
pub fn to_periods(response: &[AvailabilityPeriod]) -> Conversion {
    let mut conversion = Conversion::default();
    for (index, entry) in response.iter().enumerate() {
        let period = match &entry.kind {
            WireStatus::Other(text) => Err(SkipReason::UnknownStatus(text.clone())),
            WireStatus::Known(status) => {
                Period::new(entry.start, entry.end, *status).map_err(SkipReason::from)
            }
        };
        match period {
            Ok(period) => conversion.periods.push(period),
            Err(reason) => conversion.skipped.push(Skipped { index, reason }),
        }
    }
    conversion
}

/// A Zonio response describing `availability`.
///
/// Zonio has no `unknown`, and what it does not report is free, so unknown time is sent
/// as `busy`: it must never look bookable. Periods that become adjacent and equal by
/// that mapping are joined.
pub fn response(availability: &Availability) -> Vec<AvailabilityPeriod> {
    let mut entries: Vec<AvailabilityPeriod> = Vec::new();
    for period in availability.periods() {
        let status = match period.status() {
            Status::Free => continue,
            Status::Tentative => Status::Tentative,
            Status::Unknown | Status::Busy => Status::Busy,
        };
        if let Some(last) = entries.last_mut()
            && last.end == period.start()
            && last.kind == WireStatus::Known(status)
        {
            last.end = period.end();
            continue;
        }
        entries.push(AvailabilityPeriod {
            start: period.start(),
            end: period.end(),
            kind: WireStatus::Known(status),
        });
    }
    entries
}

/// Parses a Zonio response body (strict JSON).
///
/// # Errors
///
/// Malformed JSON, a missing field, or a time that is not RFC 3339.
#[cfg(feature = "json")]
pub fn parse_response(body: &str) -> Result<Vec<AvailabilityPeriod>, serde_json::Error> {
    serde_json::from_str(body)
}

/// A Zonio response body.
///
/// # Errors
///
/// None in practice (every field serializes); the `Result` is `serde_json`'s.
#[cfg(feature = "json")]
pub fn to_json(response: &[AvailabilityPeriod]) -> Result<String, serde_json::Error> {
    serde_json::to_string(response)
}
