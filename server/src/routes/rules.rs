//! `GET /v1/rules/{email}`: a host's rules as the engine's rules document, for the
//! widget to evaluate the same rule as the booking check ([`crate::rules`]).
//!
//! Public, like the free/busy routes the widget reads: it says when a host takes
//! meetings and nothing else (no calendar, event or booking).

use axum::Json;
use axum::extract::State;
use freebusy_core::wire::rules::RulesDocument;

use crate::email;
use crate::error::ApiError;
use crate::rules;
use crate::segment::Segment;
use crate::state::AppState;

/// The rules of the host at `address`: their home zone (the account's), weekly hours,
/// date overrides, notice, horizon, buffers, durations, step, bookings per day, and
/// whether tentative time may be booked; the documented defaults where the host set
/// nothing.
///
/// # Errors
///
/// 400 for an invalid address, 404 for an address that is not a host here, 500 if the
/// store fails.
pub async fn of_host(
    State(state): State<AppState>,
    Segment(address): Segment<String>,
) -> Result<Json<RulesDocument>, ApiError> {
    email::check(&address).map_err(|why| {
        ApiError::BadRequest(format!("{address:?} is not an email address: {why}"))
    })?;
    let account = state
        .store()
        .account_by_email(&address)
        .await?
        .ok_or_else(|| ApiError::NotFound("no host with this address".into()))?;
    let rules = rules::of_account(state.store(), &account, state.booking_policy()).await?;
    Ok(Json(RulesDocument::from(&rules)))
}
