//! The Zonio-style answer: a person's merged busy and tentative periods across all
//! their calendars (bookings included, as busy managed events), clipped to the window.
//!
//! Busy wins where busy and tentative overlap, free time is not reported, deleted
//! events do not count; the merge is the engine's. This API names no time zone, so
//! all-day events count from midnight in their owner's zone (UTC unless the seed names
//! one). It has no `unknown` either: unknown time is sent as busy, and a person with a
//! source never read gets a 503, as the API's document says for free/busy not found in
//! time.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use freebusy_core::{Availability, Period, Window};

use chrono_tz::Tz;

use super::read_sources_first;
use crate::error::ApiError;
use crate::sources::Sources;
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
/// account or its account no calendar. A source never read is read first, waiting at
/// most `wait`.
///
/// # Errors
///
/// 503 when a source of the person is still unread after the wait; 500 if the store
/// fails.
pub async fn availability(
    store: &Store,
    sources: &Sources,
    wait: Duration,
    address: &str,
    window: Window,
) -> Result<Option<Availability>, ApiError> {
    let query = EventQuery {
        calendars: None,
        window,
        all_managed: false,
    };
    let Some(found) = store.account_events(address, query.clone()).await? else {
        return Ok(None);
    };
    if found.calendars.is_empty() {
        return Ok(None);
    }
    let found = read_sources_first(store, sources, wait, address, &query, found).await?;
    if !found.unread.is_empty() {
        return Err(ApiError::Timeout(
            "free/busy not found in time: a calendar of this person has not been read yet".into(),
        ));
    }
    let zone = found.account.time_zone;
    let periods = found
        .overlapping
        .iter()
        .filter(|event| !event.deleted)
        .filter_map(|event| event_period(event, &zone));
    Ok(Some(Availability::merge(periods).clipped(window)))
}

/// An event as an engine period; all-day events span their dates from midnight in
/// the owner's zone.
fn event_period(event: &Event, zone: &Tz) -> Option<Period> {
    let (start, end) = event.span.bounds(zone);
    Period::new(start, end, event.status).ok()
}
