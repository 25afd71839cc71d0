//! `GET /{email}?start={unix}&end={unix}`: the Zonio-style free/busy API.
//!
//! The answer is the person's merged busy and tentative periods across all their
//! calendars (bookings included, as busy managed events), clipped to the window, as a
//! JSON array of `{start, end, type}` in ISO 8601 UTC. Busy wins where busy and
//! tentative overlap; free time is not reported. The merge is the engine's.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, TimeDelta, Utc};
use freebusy_core::wire::zonio::{self, AvailabilityPeriod};
use freebusy_core::{Availability, Period, Window};

use crate::app::AppState;
use crate::email;
use crate::error::ApiError;
use crate::routes::query::QueryString;
use crate::store::{self, Event, EventSpan, Store, StoreError};

/// The longest window one request may ask for: two months, which covers any month
/// view; longer asks are refused rather than left to the deadline.
pub const MAX_WINDOW_DAYS: i64 = 62;

/// Answers the merged availability of `email` within `[start, end)`.
///
/// # Errors
///
/// 400 for an invalid address or window, 404 when the address has no calendar, 503
/// when the answer takes longer than `--freebusy-deadline-ms`.
pub async fn availability(
    State(state): State<AppState>,
    Path(address): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<AvailabilityPeriod>>, ApiError> {
    email::check(&address).map_err(|why| {
        ApiError::BadRequest(format!("{address:?} is not an email address: {why}"))
    })?;
    let window = requested_window(&QueryString::parse(raw.as_deref()))?;
    let work = state.with_store(move |store| merged_availability(store, &address, window));
    let answer = tokio::time::timeout(state.freebusy_deadline(), work)
        .await
        .map_err(|_| ApiError::Timeout("free/busy not found in time".into()))??;
    let availability = answer?.ok_or_else(|| {
        ApiError::NotFound("free/busy not found: no calendar for this address".into())
    })?;
    Ok(Json(zonio::response(&availability)))
}

/// The `start` and `end` parameters as a window, checked.
fn requested_window(query: &QueryString) -> Result<Window, ApiError> {
    let instant = |name: &str| -> Result<DateTime<Utc>, ApiError> {
        let text = query
            .single(name)
            .map_err(|_| ApiError::BadRequest(format!("{name} is given more than once")))?
            .ok_or_else(|| {
                ApiError::BadRequest(format!("{name} is required (Unix time in seconds)"))
            })?;
        // Digits with an optional minus only: `parse` alone would also take `+1`.
        let digits = text.strip_prefix('-').unwrap_or(text);
        let seconds: i64 = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
            .ok_or_else(|| {
                ApiError::BadRequest(format!("{name} must be an integer (Unix time in seconds)"))
            })?;
        DateTime::from_timestamp(seconds, 0)
            .ok_or_else(|| ApiError::BadRequest(format!("{name} is out of range")))
    };
    let (start, end) = (instant("start")?, instant("end")?);
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

/// The merged availability of `address` in `window`; `None` if it has no calendar.
fn merged_availability(
    store: &mut Store,
    address: &str,
    window: Window,
) -> Result<Option<Availability>, StoreError> {
    let Some(account) = store.account_by_email(address)? else {
        return Ok(None);
    };
    let calendars: Vec<String> = store
        .calendars_of(account.id)?
        .into_iter()
        .map(|calendar| calendar.id)
        .collect();
    if calendars.is_empty() {
        return Ok(None);
    }
    let store_window = store::Window::new(window.start(), window.end())
        .ok_or_else(|| StoreError::Invalid("an empty window".into()))?;
    let events = store.events_overlapping(&calendars, store_window)?;
    let periods = events
        .iter()
        .filter(|e| !e.deleted)
        .filter_map(engine_period);
    Ok(Some(Availability::merge(periods).clipped(window)))
}

/// An event as an engine period; all-day events span their dates at UTC midnight,
/// since this API names no time zone.
pub fn engine_period(event: &Event) -> Option<Period> {
    let (start, end) = match event.span {
        EventSpan::Timed { start, end } => (start, end),
        EventSpan::AllDay { .. } => {
            let (start, end) = event.span.unix_bounds();
            (
                DateTime::from_timestamp(start, 0)?,
                DateTime::from_timestamp(end, 0)?,
            )
        }
    };
    Period::new(start, end, engine_status(event.status)).ok()
}

/// The store's status as the engine's (the same four, in two crates).
pub fn engine_status(status: store::Status) -> freebusy_core::Status {
    match status {
        store::Status::Busy => freebusy_core::Status::Busy,
        store::Status::Tentative => freebusy_core::Status::Tentative,
        store::Status::Free => freebusy_core::Status::Free,
        store::Status::Unknown => freebusy_core::Status::Unknown,
    }
}
