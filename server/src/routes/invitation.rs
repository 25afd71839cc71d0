//! `GET /v1/bookings/{id}/invitation.ics?token=T`: the booking's invitation as a file
//! ("Add to calendar"), opened by one of its cancel tokens (the visitor's links carry
//! one).
//!
//! - `METHOD:PUBLISH`, not `REQUEST`: a download is a copy for the reader's own
//!   calendar, not an iTIP message awaiting a reply (calendars offer to accept or decline
//!   a `REQUEST` and mail the answer to the organizer, who waits for none). The `UID` and
//!   `SEQUENCE` are the emailed invitation's, so a calendar holding both sees one event,
//!   and the current ones after a reschedule.
//! - A cancelled booking answers its `METHOD:CANCEL` form (200): opening it removes the
//!   event from a calendar that imported it.
//! - 404 for an unknown id or a token that does not open it (not told apart); 400 for no
//!   token or a repeated one.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use freebusy_core::wire::ics::Method;

use crate::auth;
use crate::booking::invitation;
use crate::error::ApiError;
use crate::query::QueryString;
use crate::segment::Segment;
use crate::state::AppState;

/// The invitation file of booking `id`.
///
/// # Errors
///
/// 400 without exactly one `token`; 404 for an unknown id or a token that does not
/// open it; 500 if the store fails.
pub async fn download(
    State(state): State<AppState>,
    Segment(id): Segment<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryString::parse(raw.as_deref());
    let token = match query.single("token") {
        Ok(Some(token)) if !token.is_empty() => token,
        Ok(_) => return Err(ApiError::BadRequest("token is required".into())),
        Err(_) => return Err(ApiError::BadRequest("token is given more than once".into())),
    };
    let store = state.store();
    let booking = store
        .booking_opened_by(&id, &auth::token_hash(token))
        .await?
        .ok_or_else(|| ApiError::NotFound("no booking with this id and token".into()))?;
    let hosts = store.hosts_of(&booking.id).await?;
    let method = if booking.cancelled_at.is_some() {
        Method::Cancel
    } else {
        Method::Publish
    };
    let stamp = booking.cancelled_at.unwrap_or_else(Utc::now);
    let text = invitation::calendar(&booking, &hosts, method, stamp)
        .map_err(|error| ApiError::Internal(format!("cannot write the invitation: {error}")))?;
    let method_name = if method == Method::Cancel {
        "CANCEL"
    } else {
        "PUBLISH"
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format!("text/calendar; charset=utf-8; method={method_name}"),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"invitation.ics\"".to_owned(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
        ],
        text,
    )
        .into_response())
}
