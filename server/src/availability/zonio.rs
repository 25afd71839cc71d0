//! The Zonio-style answer: a person's merged busy and tentative periods across all
//! their calendars (bookings included, as busy managed events), clipped to the window.
//!
//! Busy wins where busy and tentative overlap, free time is not reported, deleted
//! events do not count; the merge is the engine's. This API names no time zone, so
//! all-day events count from UTC midnight of their dates.

use chrono::{DateTime, TimeDelta, Utc};
use freebusy_core::{Availability, Period, Window};

use crate::error::ApiError;
use crate::store::{Event, EventQuery, Store};

/// The longest window one request may ask for: two months, which covers any month
/// view; longer asks are refused rather than left to the deadline.
pub const MAX_WINDOW_DAYS: i64 = 62;

/// The window `[start, end)` a request may ask about.
///
/// # Errors
///
/// 400 when `end` is not after `start` or the window is longer than
/// [`MAX_WINDOW_DAYS`].
pub fn window(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Window, ApiError> {
    if end <= start {
        return Err(ApiError::BadRequest("end must be after start".into()));
    }
    if end - start > TimeDelta::days(MAX_WINDOW_DAYS) {
        return Err(ApiError::BadRequest(format!(
            "the window may be at most {MAX_WINDOW_DAYS} days long"
        )));
    }
    Window::new(start, end).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// The merged availability of `address` in `window`; `None` if the address has no
/// account or its account no calendar.
///
/// # Errors
///
/// 500 if the store fails.
pub async fn availability(
    store: &Store,
    address: &str,
    window: Window,
) -> Result<Option<Availability>, ApiError> {
    let query = EventQuery {
        calendars: None,
        window,
        all_managed: false,
    };
    let Some(found) = store.account_events(address, query).await? else {
        return Ok(None);
    };
    if found.calendars.is_empty() {
        return Ok(None);
    }
    let periods = found
        .overlapping
        .iter()
        .filter(|event| !event.deleted)
        .filter_map(event_period);
    Ok(Some(Availability::merge(periods).clipped(window)))
}

/// An event as an engine period; all-day events span their dates at UTC midnight.
fn event_period(event: &Event) -> Option<Period> {
    let (start, end) = event.span.utc_bounds();
    Period::new(start, end, event.status).ok()
}
