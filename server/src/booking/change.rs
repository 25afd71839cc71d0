//! Changing a booking after the click: cancelling it, or moving it to another time for
//! the same hosts and duration (issue 17), apart from HTTP.
//!
//! [`Change::read`] checks a `PATCH /v1/bookings/{id}` body strictly (one of two shapes,
//! nothing else); [`reschedule`] moves a booking through [`Store::reschedule_booking`],
//! the one operation no two requests for one slot can both pass.

use chrono::{DateTime, TimeDelta, Utc};
use freebusy_core::Window;
use serde_json::{Map, Value};

use super::request::instant;
use crate::auth;
use crate::error::{ApiError, ParamCheck};
use crate::rules;
use crate::state::BookingPolicy;
use crate::store::{Booking, Reschedule, RescheduleOutcome, Store};

/// What a `PATCH` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `{"status": "cancelled"}`.
    Cancel,
    /// `{"start": T}` or `{"start": T, "end": E}`: move the booking to start at `start`,
    /// keeping its duration; `end`, when given, must be `start` plus that duration.
    Move {
        /// The new start.
        start: DateTime<Utc>,
        /// The new end as the client computed it, if it sent one.
        end: Option<DateTime<Utc>>,
    },
}

impl Change {
    /// Reads a body: exactly `{"status": "cancelled"}`, or `start` (RFC 3339, whole
    /// seconds) with an optional `end`, and no other field: a typo must not be mistaken
    /// for a move.
    ///
    /// # Errors
    ///
    /// 422 naming each field: `errors.required` (neither `status` nor `start`),
    /// `errors.invalid` (a `status` other than `"cancelled"`, a time that is not RFC 3339
    /// whole seconds, `status` together with times), `errors.unknown_field`.
    pub fn read(fields: &Map<String, Value>) -> Result<Change, ApiError> {
        let mut check = ParamCheck::new();
        for name in fields.keys() {
            if !matches!(name.as_str(), "status" | "start" | "end") {
                check.fail(name, "errors.unknown_field", "not a field of this request");
            }
        }
        let change = match (fields.get("status"), fields.get("start"), fields.get("end")) {
            (Some(status), None, None) => match status {
                Value::String(text) if text == "cancelled" => Some(Change::Cancel),
                _ => {
                    check.fail(
                        "status",
                        "errors.invalid",
                        "the only status a booking can be given is \"cancelled\"",
                    );
                    None
                }
            },
            (Some(_), _, _) => {
                check.fail(
                    "status",
                    "errors.invalid",
                    "either cancel (status) or move (start, end), not both",
                );
                None
            }
            (None, None, _) => {
                check.fail(
                    "start",
                    "errors.required",
                    "give {\"start\": …} to move the booking or {\"status\": \"cancelled\"}",
                );
                None
            }
            (None, Some(start), end) => {
                let start = check.take("start", instant(Some(start)));
                let end = match end {
                    None => Some(None),
                    Some(end) => check.take("end", instant(Some(end))).map(Some),
                };
                start
                    .zip(end)
                    .map(|(start, end)| Change::Move { start, end })
            }
        };
        check.finish(change)
    }
}

/// Moves booking `id` (opened by `token`, one of its cancel tokens) to start at `start`,
/// keeping its hosts and its duration; `end`, if the client sent one, must agree.
///
/// The same rules as a booking: the hosts' rules ([`crate::rules`]) judged inside the
/// move's transaction, with the booking's own old time left out, and tentative time
/// blocking unless the rules or `policy.allow_over_tentative` allow it.
///
/// # Errors
///
/// 404 for an unknown id or a token that does not open it (not told apart); 409
/// [`ApiError::Conflict`] for a cancelled booking; 422 on `end` for another duration,
/// on `start` for a time in the past; the rules' 422s and 409s as for a booking
/// (`errors.outside_working_hours`, `errors.too_soon`, …, [`ApiError::RuleConflict`]);
/// 409 [`ApiError::SlotTaken`] naming each host who is not free then (the booking keeps
/// its old time); 500/503 if the store fails.
pub async fn reschedule(
    store: &Store,
    id: &str,
    token: &str,
    (start, end): (DateTime<Utc>, Option<DateTime<Utc>>),
    policy: BookingPolicy,
    now: DateTime<Utc>,
) -> Result<Booking, ApiError> {
    let hash = auth::token_hash(token);
    let booking = store
        .booking_opened_by(id, &hash)
        .await?
        .ok_or_else(not_found)?;
    if booking.cancelled_at.is_some() {
        return Err(cancelled());
    }
    let duration = booking.terms.end - booking.terms.start;
    let new_end = start
        .checked_add_signed(duration)
        .ok_or_else(|| ApiError::param("start", "errors.invalid", "out of range"))?;
    let mut check = ParamCheck::new();
    if end.is_some_and(|end| end != new_end) {
        check.fail(
            "end",
            "errors.duration_changed",
            &format!(
                "a reschedule keeps the booking's duration of {} minutes; the end would be {}",
                duration.num_minutes(),
                freebusy_core::wire::rfc3339::format(new_end)
            ),
        );
    }
    // The same moving bound as a new booking, unless this is a retry of the move just
    // made (the booking is there already: nothing to check, the answer is the same).
    let already_there = booking.terms.start == start;
    if start < now && !already_there {
        check.fail("start", "errors.in_the_past", "must not be in the past");
    }
    if duration > TimeDelta::minutes(i64::from(policy.max_minutes)) && !already_there {
        check.fail(
            "end",
            "errors.too_long",
            &format!("a booking may last at most {} minutes", policy.max_minutes),
        );
    }
    check.finish(Some(()))?;
    let hosts = store.hosts_of(&booking.id).await?;
    let (judged, blocking) = rules::of_hosts(store, &hosts, policy).await?;
    let meeting = Window::new(start, new_end)
        .map_err(|_| ApiError::param("start", "errors.invalid", "out of range"))?;
    let guard = rules::booking_guard(judged.clone(), meeting, now)?;
    let moving = Reschedule {
        id: booking.id.clone(),
        cancel_token_hash: hash,
        start,
        end: new_end,
    };
    match store
        .reschedule_booking(moving, blocking, Some(guard), now)
        .await?
    {
        RescheduleOutcome::Moved(booking) | RescheduleOutcome::Unchanged(booking) => Ok(booking),
        RescheduleOutcome::Cancelled(_) => Err(cancelled()),
        RescheduleOutcome::NotFound => Err(not_found()),
        RescheduleOutcome::Refused(refusal) => Err(rules::refused(refusal, &judged)),
        RescheduleOutcome::Taken(blockers) => Err(super::slot_taken(&blockers, &hosts)),
    }
}

/// The answer for an id and token that do not match.
pub fn not_found() -> ApiError {
    ApiError::NotFound("no booking with this id and cancel token".into())
}

/// The answer for a move of a cancelled booking.
pub fn cancelled() -> ApiError {
    ApiError::Conflict("this booking is cancelled; a cancelled booking cannot be moved".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ParamError;
    use serde_json::json;

    fn read(body: Value) -> Result<Change, ApiError> {
        let Value::Object(fields) = body else {
            unreachable!()
        };
        Change::read(&fields)
    }

    fn keys(error: ApiError) -> Vec<(String, String)> {
        let ApiError::Unprocessable(errors) = error else {
            panic!("not a 422: {error:?}")
        };
        errors
            .into_iter()
            .flat_map(|(field, problems)| {
                problems
                    .into_iter()
                    .map(move |problem: ParamError| (field.clone(), problem.key))
            })
            .collect()
    }

    #[test]
    fn a_cancel_and_a_move_are_the_two_shapes() {
        assert_eq!(
            read(json!({"status": "cancelled"})).unwrap(),
            Change::Cancel
        );
        let start: DateTime<Utc> = "2030-01-07T10:00:00Z".parse().unwrap();
        assert_eq!(
            read(json!({"start": "2030-01-07T10:00:00Z"})).unwrap(),
            Change::Move { start, end: None }
        );
        assert_eq!(
            read(json!({"start": "2030-01-07T10:00:00Z", "end": "2030-01-07T10:30:00Z"})).unwrap(),
            Change::Move {
                start,
                end: Some("2030-01-07T10:30:00Z".parse().unwrap())
            }
        );
    }

    #[test]
    fn anything_else_is_refused_naming_the_field() {
        let refused = |body| keys(read(body).unwrap_err());
        let pair = |field: &str, key: &str| vec![(field.to_owned(), key.to_owned())];
        assert_eq!(refused(json!({})), pair("start", "errors.required"));
        assert_eq!(
            refused(json!({"status": "confirmed"})),
            pair("status", "errors.invalid")
        );
        assert_eq!(
            refused(json!({"status": null})),
            pair("status", "errors.invalid")
        );
        assert_eq!(
            refused(json!({"status": "cancelled", "start": "2030-01-07T10:00:00Z"})),
            pair("status", "errors.invalid")
        );
        assert_eq!(
            refused(json!({"end": "2030-01-07T10:00:00Z"})),
            pair("start", "errors.required")
        );
        assert_eq!(
            refused(json!({"start": "tomorrow"})),
            pair("start", "errors.invalid")
        );
        assert_eq!(
            refused(json!({"start": "2030-01-07T10:00:00.5Z"})),
            pair("start", "errors.invalid")
        );
        assert_eq!(
            refused(json!({"start": "2030-01-07T10:00:00Z", "strat": 1})),
            pair("strat", "errors.unknown_field")
        );
    }
}
