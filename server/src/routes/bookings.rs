//! `POST /v1/bookings`, `PATCH /v1/bookings/{id}` and `DELETE /v1/bookings/{id}`:
//! booking a slot with one or more hosts, and cancelling or moving it with the token
//! handed out at booking time.
//!
//! The body is read as a JSON object and checked by [`BookingRequest::read`]; only a
//! body that is not JSON, or not an object, answers 400. [`booking::book`] decides.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use freebusy_core::wire::rfc3339;
use serde::Serialize;
use serde_json::Value;

use crate::auth::bearer_token;
use crate::booking::change::{self, Change};
use crate::booking::{self, Booked, BookingRequest};
use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::segment::Segment;
use crate::state::AppState;
use crate::store::{Account, Booking};

/// A booking as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BookingResponse {
    /// The booking id (32 hex digits).
    pub id: String,
    /// The hosts' addresses, in the order the request gave them.
    pub hosts: Vec<String>,
    /// The first instant, RFC 3339 UTC.
    pub start: String,
    /// The first instant after it, RFC 3339 UTC.
    pub end: String,
    /// The booker's name.
    pub name: String,
    /// The booker's address.
    pub email: String,
    /// The booker's note, or `null`.
    pub note: Option<String>,
    /// When it was booked, RFC 3339 UTC.
    pub created_at: String,
    /// When it was cancelled, or `null` (only a replay or a `PATCH` can see a cancelled
    /// booking).
    pub cancelled_at: Option<String>,
    /// Its iCalendar `SEQUENCE`: 0 when booked, one more per reschedule.
    pub sequence: u32,
    /// The secret that cancels or moves it (`Authorization: Bearer TOKEN`); only in the
    /// answers to `POST`, which hand one out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_token: Option<String>,
}

/// Books a slot: 201 with the booking and its cancel token; 200 with the same booking
/// (and a further cancel token) when the idempotency key and the body repeat an earlier
/// request.
///
/// # Errors
///
/// 400/415/413 for a body that is not a JSON object, 422 per field, 409 when a host is
/// not free.
pub async fn create(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let now = Utc::now();
    let Value::Object(fields) = body else {
        return Err(ApiError::InvalidBody("expected a JSON object".into()));
    };
    let request = BookingRequest::read(&fields, state.booking_policy(), now)?;
    let booked = booking::book(
        state.store(),
        &request,
        state.booking_policy(),
        state.outbox(),
        now,
    )
    .await?;
    // The booking's deliveries are in the outbox already (same transaction): start them.
    state.outbox().wake();
    let status = if booked.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(response(booked, &request))).into_response())
}

/// Changes a booking with one of its cancel tokens: `{"status": "cancelled"}` cancels it,
/// `{"start": T}` (or with its `end`) moves it, keeping hosts and duration. 200 with the
/// booking as it now stands; repeating either answers the same.
///
/// # Errors
///
/// 401 without a bearer token; 400/413/415 for a body that is not a JSON object; 422 per
/// field; 404 for an unknown id or a token that does not open it; 409 for a cancelled
/// booking, or a time a host is not free (the booking keeps its old time).
pub async fn change(
    State(state): State<AppState>,
    Segment(id): Segment<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<BookingResponse>, ApiError> {
    let now = Utc::now();
    let token = bearer_token(&headers).ok_or(ApiError::Unauthorized)?;
    let Value::Object(fields) = body else {
        return Err(ApiError::InvalidBody("expected a JSON object".into()));
    };
    let store = state.store();
    let booking = match Change::read(&fields)? {
        Change::Cancel => booking::cancel(store, &id, token, now).await?,
        Change::Move { start, end } => {
            change::reschedule(store, &id, token, (start, end), state.booking_policy(), now).await?
        }
    };
    state.outbox().wake();
    let hosts = store.hosts_of(&booking.id).await?;
    Ok(Json(shown(booking, &hosts)))
}

/// A booking as the answers that hand out no token show it: hosts in the order of
/// their accounts' ids (the order they were booked in is not kept).
fn shown(booking: Booking, hosts: &[Account]) -> BookingResponse {
    let hosts = booking
        .terms
        .hosts
        .iter()
        .filter_map(|id| hosts.iter().find(|account| account.id == *id))
        .map(|account| account.email.clone())
        .collect();
    BookingResponse {
        id: booking.id,
        hosts,
        start: rfc3339::format(booking.terms.start),
        end: rfc3339::format(booking.terms.end),
        name: booking.terms.booker_name,
        email: booking.terms.booker_email,
        note: booking.terms.note,
        created_at: rfc3339::format(booking.created_at),
        cancelled_at: booking.cancelled_at.map(rfc3339::format),
        sequence: booking.sequence,
        cancel_token: None,
    }
}

/// Cancels a booking: 204, also when it was cancelled already.
///
/// # Errors
///
/// 401 without a bearer token; 404 for an unknown id or a token that does not cancel it.
pub async fn cancel(
    State(state): State<AppState>,
    Segment(id): Segment<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = bearer_token(&headers).ok_or(ApiError::Unauthorized)?;
    booking::cancel(state.store(), &id, token, Utc::now()).await?;
    state.outbox().wake();
    Ok(StatusCode::NO_CONTENT)
}

fn response(booked: Booked, request: &BookingRequest) -> BookingResponse {
    let Booked {
        booking,
        hosts,
        cancel_token,
        ..
    } = booked;
    // The request's order, each address as the host's account spells it.
    let ordered = request
        .hosts()
        .iter()
        .map(|address| {
            hosts
                .iter()
                .find(|account| account.email.eq_ignore_ascii_case(address))
                .map_or_else(|| address.clone(), |account| account.email.clone())
        })
        .collect();
    BookingResponse {
        hosts: ordered,
        cancel_token: Some(cancel_token.token),
        ..shown(booking, &hosts)
    }
}
