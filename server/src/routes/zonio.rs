//! `GET /{email}?start={unix}&end={unix}`: the Zonio-style free/busy API.
//!
//! Reads the address and the window, asks [`crate::availability::zonio`] and answers a JSON
//! array of `{start, end, type}` in ISO 8601 UTC.

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{DateTime, Utc};
use freebusy_core::Window;
use freebusy_core::wire::zonio::{self, AvailabilityPeriod};

use crate::availability::{self, in_time};
use crate::email;
use crate::error::ApiError;
use crate::query::QueryString;
use crate::segment::Segment;
use crate::state::AppState;

/// Answers the merged availability of `email` within `[start, end)`.
///
/// # Errors
///
/// 400 for an invalid address or window, 404 when the address has no calendar, 503
/// when the answer takes longer than `--freebusy-deadline-ms` or a source of the
/// person has not been read yet.
pub async fn availability(
    State(state): State<AppState>,
    Segment(address): Segment<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<AvailabilityPeriod>>, ApiError> {
    email::check(&address).map_err(|why| {
        ApiError::BadRequest(format!("{address:?} is not an email address: {why}"))
    })?;
    let window = requested_window(&QueryString::parse(raw.as_deref()))?;
    let answer = availability::zonio::availability(
        state.store(),
        state.sources(),
        state.source_wait(),
        &address,
        window,
    );
    let availability = in_time(state.freebusy_deadline(), answer)
        .await?
        .ok_or_else(|| {
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
    availability::zonio::window(start, end)
}
