//! `POST /v1/bookings` and `DELETE /v1/bookings/{id}`: booking a slot with one or more
//! hosts, and cancelling it with the token handed out at booking time.
//!
//! The body is read as a JSON object and checked field by field, so that every problem
//! answers 422 in the `{"errors": {field: [{key, description}]}}` shape, next to the
//! field it is about (the widget shows them by its form fields). Only a body that is not
//! JSON, or not an object, answers 400.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::app::{AppState, BookingPolicy};
use crate::email;
use crate::error::{ApiError, ParamError, ParamErrors};
use crate::json_body::JsonBody;
use crate::store::{
    Account, Blocker, Blocking, Booking, BookingOutcome, NewBooking, Store, StoreError,
};

/// The most hosts one booking may have.
pub const MAX_HOSTS: usize = 10;
/// The longest booker name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// The longest idempotency key, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;

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
    /// When it was cancelled, or `null` (only a replay can see a cancelled booking).
    pub cancelled_at: Option<String>,
    /// The secret that cancels it: `DELETE` with `Authorization: Bearer TOKEN`.
    pub cancel_token: String,
}

/// A booking request whose fields all passed their checks.
#[derive(Debug, Clone)]
struct BookingRequest {
    hosts: Vec<String>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    name: String,
    email: String,
    note: Option<String>,
    idempotency_key: String,
}

/// What the store work of a booking came to.
enum Booked {
    Created(Booking, Vec<Account>),
    Replayed(Booking, Vec<Account>),
    Taken(Vec<Blocker>, Vec<Account>),
    KeyReused,
    HostProblems(ParamErrors),
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
    let request = read_request(&fields, state.booking_policy(), now)?;
    let (token, token_hash) = new_cancel_token()?;
    let policy = state.booking_policy();
    let request_for_store = request.clone();
    let booked = state
        .with_store(move |store| book(store, &request_for_store, &token_hash, policy, now))
        .await??;
    match booked {
        Booked::Created(booking, hosts) => Ok((
            StatusCode::CREATED,
            Json(response(&booking, &request, &hosts, token)),
        )
            .into_response()),
        Booked::Replayed(booking, hosts) => Ok((
            StatusCode::OK,
            Json(response(&booking, &request, &hosts, token)),
        )
            .into_response()),
        Booked::Taken(blockers, hosts) => Err(ApiError::SlotTaken {
            message: "a host is not free for all of this time".into(),
            blockers: blockers
                .iter()
                .map(|blocker| {
                    let host = hosts
                        .iter()
                        .find(|account| account.id == blocker.account_id)
                        .map_or_else(String::new, |account| account.email.clone());
                    (host, blocker.status.as_str())
                })
                .collect(),
        }),
        Booked::KeyReused => Err(field_error(
            "idempotency_key",
            "errors.reused",
            "this idempotency key was used for a different booking request",
        )),
        Booked::HostProblems(errors) => Err(ApiError::Unprocessable(errors)),
    }
}

/// Cancels a booking: 204, also when it was cancelled already.
///
/// # Errors
///
/// 401 without a bearer token; 404 for an unknown id or a token that does not cancel it
/// (the two are not told apart, so ids cannot be probed).
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = bearer_token(&headers).ok_or(ApiError::Unauthorized)?;
    let hash = token_hash(token);
    let now = Utc::now();
    let cancelled = state
        .with_store(move |store| store.cancel_booking(&id, &hash, now))
        .await??;
    match cancelled {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(ApiError::NotFound(
            "no booking with this id and cancel token".into(),
        )),
    }
}

/// The token of `Authorization: Bearer TOKEN`, if the header is there and well formed.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn book(
    store: &mut Store,
    request: &BookingRequest,
    token_hash: &str,
    policy: BookingPolicy,
    now: DateTime<Utc>,
) -> Result<Booked, StoreError> {
    let mut hosts = Vec::new();
    let mut problems: Vec<ParamError> = Vec::new();
    for address in &request.hosts {
        match store.account_by_email(address)? {
            None => problems.push(param_error(
                "errors.unknown_host",
                &format!("{address} is not a host here"),
            )),
            Some(account) if store.calendars_of(account.id)?.is_empty() => {
                problems.push(param_error(
                    "errors.unknown_host",
                    &format!("{address} has no calendar to book into"),
                ));
            }
            Some(account) => hosts.push(account),
        }
    }
    if !problems.is_empty() {
        return Ok(Booked::HostProblems(BTreeMap::from([(
            "hosts".to_owned(),
            problems,
        )])));
    }
    let new = NewBooking {
        hosts: hosts.iter().map(|account| account.id).collect(),
        start: request.start,
        end: request.end,
        booker_name: request.name.clone(),
        booker_email: request.email.clone(),
        note: request.note.clone(),
        idempotency_key: Some(request.idempotency_key.clone()),
        cancel_token_hash: token_hash.to_owned(),
    };
    let blocking = Blocking {
        tentative: !policy.allow_over_tentative,
    };
    Ok(match store.insert_booking_if_free(&new, blocking, now)? {
        BookingOutcome::Created(booking) => Booked::Created(booking, hosts),
        BookingOutcome::Replayed(booking) => {
            let mut wanted = new.hosts.clone();
            wanted.sort_unstable();
            wanted.dedup();
            let same = booking.hosts == wanted
                && booking.start == new.start
                && booking.end == new.end
                && booking.booker_name == new.booker_name
                && booking.booker_email == new.booker_email
                && booking.note == new.note;
            if same {
                store.add_cancel_token(&booking.id, token_hash)?;
                Booked::Replayed(booking, hosts)
            } else {
                Booked::KeyReused
            }
        }
        BookingOutcome::Taken(blockers) => Booked::Taken(blockers, hosts),
    })
}

fn response(
    booking: &Booking,
    request: &BookingRequest,
    hosts: &[Account],
    cancel_token: String,
) -> BookingResponse {
    BookingResponse {
        id: booking.id.clone(),
        // The request's order, each address as the host's account spells it.
        hosts: request
            .hosts
            .iter()
            .map(|address| {
                hosts
                    .iter()
                    .find(|account| account.email.eq_ignore_ascii_case(address))
                    .map_or_else(|| address.clone(), |account| account.email.clone())
            })
            .collect(),
        start: utc_text(booking.start),
        end: utc_text(booking.end),
        name: booking.booker_name.clone(),
        email: booking.booker_email.clone(),
        note: booking.note.clone(),
        created_at: utc_text(booking.created_at),
        cancelled_at: booking.cancelled_at.map(utc_text),
        cancel_token,
    }
}

fn utc_text(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Checks every field, collecting all problems into one 422.
fn read_request(
    fields: &Map<String, Value>,
    policy: BookingPolicy,
    now: DateTime<Utc>,
) -> Result<BookingRequest, ApiError> {
    let mut errors = ParamErrors::new();
    let mut fail = |field: &str, key: &str, description: &str| {
        errors
            .entry(field.to_owned())
            .or_default()
            .push(param_error(key, description));
    };

    let hosts = match fields.get("hosts") {
        None | Some(Value::Null) => {
            fail("hosts", "errors.required", "required");
            Vec::new()
        }
        Some(Value::Array(items)) if items.is_empty() => {
            fail("hosts", "errors.required", "at least one host is required");
            Vec::new()
        }
        Some(Value::Array(items)) if items.len() > MAX_HOSTS => {
            fail(
                "hosts",
                "errors.too_many",
                &format!("at most {MAX_HOSTS} hosts"),
            );
            Vec::new()
        }
        Some(Value::Array(items)) => {
            let mut hosts: Vec<String> = Vec::new();
            for item in items {
                match item.as_str().map(str::trim) {
                    Some(address) if email::check(address).is_ok() => {
                        if !hosts.iter().any(|h| h.eq_ignore_ascii_case(address)) {
                            hosts.push(address.to_owned());
                        }
                    }
                    _ => fail(
                        "hosts",
                        "errors.invalid_email",
                        "each host must be an email address",
                    ),
                }
            }
            hosts
        }
        Some(_) => {
            fail(
                "hosts",
                "errors.invalid",
                "must be a list of email addresses",
            );
            Vec::new()
        }
    };

    let mut instant = |field: &str| -> Option<DateTime<Utc>> {
        let Some(text) = fields.get(field).and_then(Value::as_str) else {
            match fields.get(field) {
                None | Some(Value::Null) => fail(field, "errors.required", "required"),
                Some(_) => fail(field, "errors.invalid", "must be an RFC 3339 time"),
            }
            return None;
        };
        match DateTime::parse_from_rfc3339(text) {
            Ok(time) if time.nanosecond() == 0 => Some(time.to_utc()),
            Ok(_) => {
                fail(field, "errors.invalid", "must be a whole second");
                None
            }
            Err(_) => {
                fail(
                    field,
                    "errors.invalid",
                    "must be an RFC 3339 time, e.g. 2026-04-20T09:00:00Z",
                );
                None
            }
        }
    };
    let start = instant("start");
    let end = instant("end");
    if let (Some(start), Some(end)) = (start, end) {
        if end <= start {
            fail("end", "errors.before_start", "must be after start");
        } else if end - start > chrono::TimeDelta::minutes(i64::from(policy.max_minutes)) {
            fail(
                "end",
                "errors.too_long",
                &format!("a booking may last at most {} minutes", policy.max_minutes),
            );
        }
        if start < now {
            fail("start", "errors.in_the_past", "must not be in the past");
        }
    }

    let name = text_field(fields, "name", MAX_NAME_CHARS, false, &mut fail);
    if let Some(name) = &name
        && name.trim().is_empty()
    {
        fail("name", "errors.required", "required");
    }
    let booker_email = text_field(fields, "email", 254, false, &mut fail);
    if let Some(address) = &booker_email
        && !address.is_empty()
        && let Err(why) = email::check(address)
    {
        fail(
            "email",
            "errors.invalid_email",
            &format!("not an email address: {why}"),
        );
    }
    let note = match fields.get("note") {
        None | Some(Value::Null) => None,
        Some(_) => text_field(fields, "note", MAX_NOTE_CHARS, true, &mut fail),
    };
    let key = text_field(
        fields,
        "idempotency_key",
        MAX_IDEMPOTENCY_KEY_CHARS,
        false,
        &mut fail,
    );

    if !errors.is_empty() {
        return Err(ApiError::Unprocessable(errors));
    }
    match (start, end, name, booker_email, key) {
        (Some(start), Some(end), Some(name), Some(email), Some(idempotency_key)) => {
            Ok(BookingRequest {
                hosts,
                start,
                end,
                name: name.trim().to_owned(),
                email,
                note: note.filter(|note| !note.trim().is_empty()),
                idempotency_key,
            })
        }
        // Every `None` above recorded an error, so this is not reached.
        _ => Err(ApiError::Internal(
            "booking fields missing after checks".into(),
        )),
    }
}

/// A required (or, for the note, optional) string field: present, a string, not empty,
/// at most `max_chars` characters, no control characters (line breaks and tabs only
/// where `multiline`).
fn text_field(
    fields: &Map<String, Value>,
    field: &str,
    max_chars: usize,
    multiline: bool,
    fail: &mut impl FnMut(&str, &str, &str),
) -> Option<String> {
    let text = match fields.get(field) {
        None | Some(Value::Null) => {
            fail(field, "errors.required", "required");
            return None;
        }
        Some(Value::String(text)) => text,
        Some(_) => {
            fail(field, "errors.invalid", "must be a string");
            return None;
        }
    };
    if text.is_empty() {
        fail(field, "errors.required", "required");
        return None;
    }
    if text.chars().count() > max_chars {
        fail(
            field,
            "errors.too_long",
            &format!("at most {max_chars} characters"),
        );
        return None;
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        fail(
            field,
            "errors.invalid",
            "must not contain control characters",
        );
        return None;
    }
    Some(text.clone())
}

fn param_error(key: &str, description: &str) -> ParamError {
    ParamError {
        key: key.to_owned(),
        description: description.to_owned(),
    }
}

fn field_error(field: &str, key: &str, description: &str) -> ApiError {
    ApiError::param(field, key, description)
}

/// A fresh cancel token (64 hex digits from the OS's random source) and its hash.
fn new_cancel_token() -> Result<(String, String), ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("no random source for a cancel token: {e}")))?;
    let token = hex(&bytes);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// The SHA-256 of a cancel token, in hex: all the store keeps.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
