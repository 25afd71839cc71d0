//! Posting a booking, and what the server's answer means.

use chrono::{DateTime, Utc};
use freebusy_core::wire::rfc3339;
use wasm_bindgen::JsValue;

use super::http::{Http, HttpRequest};
use super::{FetchError, Sending, expect_success, parse, read, send_patiently};
use crate::js::{JsObject, array};
use crate::messages::{Catalogue, Text};

/// A booking as the server takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingRequest {
    /// The attendees' emails.
    pub hosts: Vec<String>,
    /// The slot's start.
    pub start: DateTime<Utc>,
    /// The booking's end.
    pub end: DateTime<Utc>,
    /// Who books.
    pub name: String,
    /// Their email.
    pub email: String,
    /// An optional note.
    pub note: Option<String>,
    /// One key per confirm step, so a repeated submit books once.
    pub idempotency_key: String,
}

impl BookingRequest {
    /// The JSON body `POST /v1/bookings` takes (times RFC 3339 UTC).
    pub fn to_json(&self) -> String {
        JsObject::new()
            .set(
                "hosts",
                array(&self.hosts, |host| JsValue::from(host.as_str())),
            )
            .set("start", rfc3339::format(self.start))
            .set("end", rfc3339::format(self.end))
            .set("name", self.name.as_str())
            .set("email", self.email.as_str())
            .set_some("note", self.note.as_deref())
            .set("idempotency_key", self.idempotency_key.as_str())
            .to_json()
    }
}

/// Why a booking was not made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BookingError {
    /// 409: someone else took the slot first.
    Conflict,
    /// 422: field errors, as `(field, description)`.
    Invalid(Vec<(String, String)>),
    /// Anything else, as a fetch failure.
    Failed(FetchError),
}

impl BookingError {
    /// A short machine-readable code, for `freebusy:error` events.
    pub fn code(&self) -> &'static str {
        match self {
            BookingError::Conflict => "conflict",
            BookingError::Invalid(_) => "invalid",
            BookingError::Failed(error) => error.code(),
        }
    }

    /// What the visitor is told, in their language.
    pub fn describe(&self, messages: &Catalogue) -> String {
        match self {
            BookingError::Conflict => messages.get(Text::BookingConflict).to_owned(),
            BookingError::Invalid(_) => messages.get(Text::BookingInvalid).to_owned(),
            BookingError::Failed(error) => error.describe(messages),
        }
    }
}

/// Posts a booking to `{backend}/v1/bookings`; the booking's id (and its cancel token,
/// if the server gave one) on success. `sending`
/// gives its group (removing the widget aborts it) and timeout.
///
/// # Errors
///
/// [`BookingError::Conflict`] on 409, [`BookingError::Invalid`] on 422, otherwise
/// [`BookingError::Failed`].
pub async fn book(
    http: &dyn Http,
    backend: &str,
    booking: &BookingRequest,
    sending: &Sending<'_>,
) -> Result<(String, Option<String>), BookingError> {
    let request = HttpRequest {
        method: "POST",
        url: format!("{backend}/v1/bookings"),
        bearer: None,
        body: Some(booking.to_json()),
    };
    let response = send_patiently(http, request, sending)
        .await
        .map_err(BookingError::Failed)?;
    match response.status {
        200 | 201 => booked(&response.body).ok_or_else(|| {
            BookingError::Failed(FetchError::Malformed {
                attendee: None,
                detail: "the answer has no booking id".into(),
            })
        }),
        409 => Err(BookingError::Conflict),
        422 => {
            let errors =
                parse(&response.body, None, read::field_errors).map_err(BookingError::Failed)?;
            Err(BookingError::Invalid(errors))
        }
        status => Err(BookingError::Failed(
            expect_success(status)
                .err()
                .unwrap_or(FetchError::Unexpected(status)),
        )),
    }
}

/// The booking's id from the server's answer, as text (a string, or a number written
/// out), and its cancel token if the answer has one (it opens the visitor's links).
/// Read without serde: an untagged enum would pull serde's buffering machinery into the
/// bundle for two fields.
fn booked(body: &str) -> Option<(String, Option<String>)> {
    let value = js_sys::JSON::parse(body).ok()?;
    let field = |name| js_sys::Reflect::get(&value, &JsValue::from_str(name)).ok();
    let id = field("id")?;
    let id = id
        .as_string()
        .or_else(|| id.as_f64().map(|number| (number as i64).to_string()))
        .filter(|id| !id.is_empty())?;
    Some((
        id,
        field("cancel_token").and_then(|token| token.as_string()),
    ))
}

/// A fresh idempotency key: `crypto.randomUUID()`, or time and randomness without it.
pub fn idempotency_key() -> String {
    web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.random_uuid())
        // Whole numbers: formatting the floats themselves would put float formatting
        // (~8 KB gzip) into the bundle for this rare fallback.
        .unwrap_or_else(|| {
            format!(
                "{}-{}",
                js_sys::Date::now() as u64,
                (js_sys::Math::random() * 1e15) as u64
            )
        })
}
