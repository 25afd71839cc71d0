//! All of the widget's I/O: free/busy reads of both API styles, and bookings.
//!
//! Components call this module, never `fetch` directly. It talks HTTP through the
//! [`Http`] trait: [`GlooHttp`] in the browser, a test double in the fault-case tests,
//! so 429s, 404s, 503s, network errors and malformed documents can be produced on demand.
//!
//! Documents are parsed with the browser's `JSON.parse` and serde-wasm-bindgen into the
//! engine's wire types, which keeps serde_json out of the bundle.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Days, NaiveDate, Utc};
use freebusy_core::wire::cronofy::{self, FreeBusyResponse};
use freebusy_core::wire::zonio::{self, AvailabilityPeriod, RequestWindow};
use freebusy_core::zone::Zone;
use freebusy_core::{Availability, Period, Status, Window};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use crate::options::{Api, Options};

/// How often a 429 is retried before the widget gives up and says so.
pub const RATE_LIMIT_RETRIES: u32 = 3;
/// The longest `Retry-After` the widget waits out; a longer one is reported instead.
pub const LONGEST_RETRY_WAIT_SECONDS: u32 = 30;
/// A bound on Cronofy pages per attendee, against a server that pages forever.
const MOST_PAGES: usize = 50;

/// One HTTP request as the widget makes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// A bearer token for the `Authorization` header.
    pub bearer: Option<String>,
    /// A JSON body (sent with `content-type: application/json`).
    pub body: Option<String>,
}

/// What came back: the status, the `Retry-After` header and the body text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, when the server exposed one.
    pub retry_after: Option<String>,
    /// The body, as text.
    pub body: String,
}

/// Why no response came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// The request was aborted (the user left the week).
    Aborted,
    /// The network failed (offline, DNS, CORS refused, connection reset).
    Network(String),
}

/// A boxed future, as [`Http`] returns (the browser is single-threaded: no `Send`).
pub type HttpFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>>>>;

/// Where HTTP goes: the browser's fetch, or a test double.
pub trait Http {
    /// Sends `request`; `signal` aborts it.
    fn send(&self, request: HttpRequest, signal: Option<AbortSignal>) -> HttpFuture;
}

/// [`Http`] over the browser's fetch, through gloo-net.
#[derive(Clone, Copy, Debug, Default)]
pub struct GlooHttp;

impl Http for GlooHttp {
    fn send(&self, request: HttpRequest, signal: Option<AbortSignal>) -> HttpFuture {
        Box::pin(async move {
            use gloo_net::http::RequestBuilder;
            let mut builder = RequestBuilder::new(&request.url)
                .method(if request.method == "POST" {
                    gloo_net::http::Method::POST
                } else {
                    gloo_net::http::Method::GET
                })
                .abort_signal(signal.as_ref());
            if let Some(token) = &request.bearer {
                builder = builder.header("authorization", &format!("Bearer {token}"));
            }
            let sent = match request.body {
                Some(body) => match builder
                    .header("content-type", "application/json")
                    .body(body)
                {
                    Ok(request) => request.send().await,
                    Err(error) => Err(error),
                },
                None => builder.send().await,
            };
            let aborted = || signal.as_ref().is_some_and(AbortSignal::aborted);
            let response = sent.map_err(|error| {
                if aborted() {
                    HttpError::Aborted
                } else {
                    HttpError::Network(network_message(&error))
                }
            })?;
            let status = response.status();
            let retry_after = response.headers().get("retry-after");
            let body = response.text().await.map_err(|error| {
                if aborted() {
                    HttpError::Aborted
                } else {
                    HttpError::Network(network_message(&error))
                }
            })?;
            Ok(HttpResponse {
                status,
                retry_after,
                body,
            })
        })
    }
}

/// The browser's message for a failed fetch. Not `to_string()`: gloo's error type can
/// also hold serde_json errors, whose formatting would cost the bundle for nothing.
fn network_message(error: &gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(error) => error.message.clone(),
        _ => "the request failed".into(),
    }
}

/// What is known of one attendee's week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttendeeWeek {
    /// Their merged calendar, and how many entries of it could not be read.
    Calendar {
        /// Non-free periods, merged.
        availability: Availability,
        /// Entries skipped as unreadable.
        skipped: usize,
    },
    /// Nothing could be read for them: their whole week counts as unknown.
    Unknown {
        /// Why, for the notice under the grid.
        reason: String,
    },
}

impl AttendeeWeek {
    /// The availability the grid uses: unknown attendees are unknown all week.
    pub fn availability(&self, window: Window) -> Availability {
        match self {
            AttendeeWeek::Calendar { availability, .. } => availability.clone(),
            AttendeeWeek::Unknown { .. } => {
                Availability::merge(Period::new(window.start(), window.end(), Status::Unknown).ok())
            }
        }
    }
}

/// Why a week could not be shown. Each message is for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The user left the week; nobody needs to hear about it.
    Aborted,
    /// Still 429 after [`RATE_LIMIT_RETRIES`] retries, or asked to wait too long.
    RateLimited,
    /// 5xx: the backend is down or too slow.
    Unavailable(u16),
    /// No answer at all.
    Network(String),
    /// An answer the widget cannot read.
    Malformed {
        /// Whose answer.
        attendee: String,
        /// What was wrong with it.
        detail: String,
    },
    /// Another status the widget does not expect.
    Unexpected(u16),
}

impl FetchError {
    /// A short machine-readable code, for `freebusy:error` events.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::Aborted => "aborted",
            FetchError::RateLimited => "rate_limited",
            FetchError::Unavailable(_) => "unavailable",
            FetchError::Network(_) => "network",
            FetchError::Malformed { .. } => "malformed",
            FetchError::Unexpected(_) => "unexpected_status",
        }
    }

    /// Whether trying again may help (so a retry button is offered).
    pub fn can_retry(&self) -> bool {
        !matches!(self, FetchError::Aborted)
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Aborted => write!(f, "The request was cancelled."),
            FetchError::RateLimited => write!(
                f,
                "The calendar server is busy (too many requests). Please try again in a minute."
            ),
            FetchError::Unavailable(status) => write!(
                f,
                "The calendar server is unavailable right now (HTTP {status}). Please try again."
            ),
            FetchError::Network(_) => write!(
                f,
                "The calendar server could not be reached. Check your connection and try again."
            ),
            FetchError::Malformed { attendee, detail } => write!(
                f,
                "The calendar server sent availability for {attendee} that cannot be read ({detail})."
            ),
            FetchError::Unexpected(status) => {
                write!(f, "The calendar server answered with HTTP {status}.")
            }
        }
    }
}

/// The week to fetch: its UTC window, its first local date and the zone it is shown in.
#[derive(Clone, Debug)]
pub struct WeekQuery<'a> {
    /// The backend base URL, without a trailing slash.
    pub backend: &'a str,
    /// The options (API style, attendees, tokens).
    pub options: &'a Options,
    /// The UTC window of the seven local days.
    pub window: Window,
    /// The first local date of the week.
    pub first_day: NaiveDate,
    /// The zone name sent as Cronofy's `tzid` when the options name none.
    pub zone_name: &'a str,
}

/// Reads every attendee's week, one request per attendee, in parallel.
///
/// `zone` places Cronofy's all-day dates (the request's `tzid`). `on_wait` is told each
/// time a 429 makes the widget wait, with the seconds it waits, so the user sees why
/// nothing happens. Per attendee a 404 (or a refused token) gives
/// [`AttendeeWeek::Unknown`]; anything worse fails the whole week, because a grid
/// missing someone's busy time would offer slots that are not free.
///
/// # Errors
///
/// The first [`FetchError`] among the attendees; [`FetchError::Aborted`] if `signal`
/// was aborted.
pub async fn fetch_week(
    http: &dyn Http,
    query: &WeekQuery<'_>,
    zone: &dyn Zone,
    signal: Option<AbortSignal>,
    on_wait: &dyn Fn(u32),
) -> Result<Vec<AttendeeWeek>, FetchError> {
    let requests = query
        .options
        .attendees
        .iter()
        .enumerate()
        .map(|(index, attendee)| {
            fetch_attendee(http, query, zone, index, attendee, &signal, on_wait)
        });
    let results = futures::future::join_all(requests).await;
    let mut weeks = Vec::with_capacity(results.len());
    for result in results {
        weeks.push(result?);
    }
    Ok(weeks)
}

async fn fetch_attendee(
    http: &dyn Http,
    query: &WeekQuery<'_>,
    zone: &dyn Zone,
    index: usize,
    attendee: &str,
    signal: &Option<AbortSignal>,
    on_wait: &dyn Fn(u32),
) -> Result<AttendeeWeek, FetchError> {
    let email = String::from(js_sys::encode_uri_component(attendee));
    match &query.options.api {
        Api::Zonio => {
            let window = RequestWindow::from(query.window);
            let request = HttpRequest {
                method: "GET",
                url: format!("{}/{email}?{}", query.backend, window.query()),
                bearer: None,
                body: None,
            };
            let response = send_patiently(http, request, signal, on_wait).await?;
            if let Some(unknown) = unknown_attendee(response.status) {
                return Ok(unknown);
            }
            expect_success(response.status)?;
            let periods: Vec<AvailabilityPeriod> =
                parse(&response.body, attendee, read::zonio_response)?;
            let conversion = zonio::to_periods(&periods);
            Ok(AttendeeWeek::Calendar {
                availability: Availability::merge(conversion.periods),
                skipped: conversion.skipped.len(),
            })
        }
        Api::Cronofy { tzid, .. } => {
            let tzid = tzid.as_deref().unwrap_or(query.zone_name);
            // A day either side: the request's zone may differ from the one shown.
            let from = query.first_day.checked_sub_days(Days::new(1));
            let to = query.first_day.checked_add_days(Days::new(8));
            let (Some(from), Some(to)) = (from, to) else {
                return Err(FetchError::Unexpected(0));
            };
            let mut url = format!(
                "{}/v1/free_busy?tzid={}&from={from}&to={to}",
                query.backend,
                js_sys::encode_uri_component(tzid)
            );
            let mut periods = Vec::new();
            let mut skipped = 0;
            for _ in 0..MOST_PAGES {
                let request = HttpRequest {
                    method: "GET",
                    url,
                    bearer: query.options.token_for(index).map(str::to_owned),
                    body: None,
                };
                let response = send_patiently(http, request, signal, on_wait).await?;
                if let Some(unknown) = unknown_attendee(response.status) {
                    return Ok(unknown);
                }
                expect_success(response.status)?;
                let page: FreeBusyResponse =
                    parse(&response.body, attendee, read::cronofy_response)?;
                let conversion = cronofy::to_periods(&page.free_busy, zone);
                periods.extend(conversion.periods);
                skipped += conversion.skipped.len();
                match page.pages.next_page {
                    Some(next) => url = next,
                    None => break,
                }
            }
            Ok(AttendeeWeek::Calendar {
                availability: Availability::merge(periods),
                skipped,
            })
        }
    }
}

/// 404 and refused tokens mark one attendee unknown instead of failing the week.
fn unknown_attendee(status: u16) -> Option<AttendeeWeek> {
    let reason = match status {
        404 => "no calendar found",
        401 | 403 => "their calendar token was refused",
        _ => return None,
    };
    Some(AttendeeWeek::Unknown {
        reason: reason.into(),
    })
}

fn expect_success(status: u16) -> Result<(), FetchError> {
    match status {
        200..=299 => Ok(()),
        429 => Err(FetchError::RateLimited),
        500..=599 => Err(FetchError::Unavailable(status)),
        _ => Err(FetchError::Unexpected(status)),
    }
}

/// Parses `body` with the browser's JSON.parse, then reads it with `read`.
fn parse<T>(
    body: &str,
    attendee: &str,
    read: impl Fn(&JsValue) -> Result<T, String>,
) -> Result<T, FetchError> {
    let malformed = |detail: String| FetchError::Malformed {
        attendee: attendee.to_owned(),
        detail,
    };
    let value =
        js_sys::JSON::parse(body).map_err(|_| malformed("the response is not JSON".into()))?;
    read(&value).map_err(malformed)
}

/// Sends `request`, waiting out 429s as `Retry-After` asks, a bounded number of times.
async fn send_patiently(
    http: &dyn Http,
    request: HttpRequest,
    signal: &Option<AbortSignal>,
    on_wait: &dyn Fn(u32),
) -> Result<HttpResponse, FetchError> {
    let mut retries = 0;
    loop {
        let response =
            http.send(request.clone(), signal.clone())
                .await
                .map_err(|error| match error {
                    HttpError::Aborted => FetchError::Aborted,
                    HttpError::Network(message) => FetchError::Network(message),
                })?;
        if response.status != 429 {
            return Ok(response);
        }
        let wait = retry_after_seconds(response.retry_after.as_deref());
        if retries >= RATE_LIMIT_RETRIES || wait > LONGEST_RETRY_WAIT_SECONDS {
            return Err(FetchError::RateLimited);
        }
        retries += 1;
        on_wait(wait);
        sleep(wait).await;
        if signal.as_ref().is_some_and(AbortSignal::aborted) {
            return Err(FetchError::Aborted);
        }
    }
}

/// `Retry-After` in seconds; an HTTP date or a missing header counts as one second.
pub fn retry_after_seconds(header: Option<&str>) -> u32 {
    header
        .and_then(|value| value.trim().parse::<u32>().ok())
        .unwrap_or(1)
}

/// Waits `seconds` on the browser's timer.
pub async fn sleep(seconds: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(seconds.saturating_mul(1000)).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A booking as the server takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BookingRequest {
    /// The attendees' emails.
    pub hosts: Vec<String>,
    /// The slot's start, RFC 3339 UTC.
    pub start: String,
    /// The slot's end, RFC 3339 UTC.
    pub end: String,
    /// Who books.
    pub name: String,
    /// Their email.
    pub email: String,
    /// An optional note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// One key per confirm step, so a repeated submit books once.
    pub idempotency_key: String,
}

impl BookingRequest {
    /// A booking of `[start, end)` for `hosts`.
    pub fn new(
        hosts: Vec<String>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        idempotency_key: String,
    ) -> BookingRequest {
        BookingRequest {
            hosts,
            start: rfc3339(start),
            end: rfc3339(end),
            name: String::new(),
            email: String::new(),
            note: None,
            idempotency_key,
        }
    }
}

pub use crate::grid::rfc3339;

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
}

impl std::fmt::Display for BookingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BookingError::Conflict => write!(
                f,
                "Sorry, that slot was just taken by someone else. The week has been refreshed: please pick another slot."
            ),
            BookingError::Invalid(_) => write!(f, "Please correct the fields marked below."),
            BookingError::Failed(error) => error.fmt(f),
        }
    }
}

/// Posts a booking to `{backend}/v1/bookings`; the booking's id on success.
///
/// # Errors
///
/// [`BookingError::Conflict`] on 409, [`BookingError::Invalid`] on 422, otherwise
/// [`BookingError::Failed`].
pub async fn book(
    http: &dyn Http,
    backend: &str,
    booking: &BookingRequest,
) -> Result<String, BookingError> {
    let body = to_js(booking)
        .ok()
        .and_then(|value| js_sys::JSON::stringify(&value).ok())
        .map(String::from)
        .unwrap_or_default();
    let request = HttpRequest {
        method: "POST",
        url: format!("{backend}/v1/bookings"),
        bearer: None,
        body: Some(body),
    };
    let response = send_patiently(http, request, &None, &|_| {})
        .await
        .map_err(BookingError::Failed)?;
    match response.status {
        200 | 201 => booking_id(&response.body).ok_or_else(|| {
            BookingError::Failed(FetchError::Malformed {
                attendee: "the booking".into(),
                detail: "the answer has no booking id".into(),
            })
        }),
        409 => Err(BookingError::Conflict),
        422 => {
            let errors = parse(&response.body, "the booking", read::field_errors)
                .map_err(BookingError::Failed)?;
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
/// out). Read without serde: an untagged enum would pull serde's buffering machinery
/// into the bundle for one field.
fn booking_id(body: &str) -> Option<String> {
    let value = js_sys::JSON::parse(body).ok()?;
    let id = js_sys::Reflect::get(&value, &JsValue::from_str("id")).ok()?;
    id.as_string()
        .or_else(|| id.as_f64().map(|number| (number as i64).to_string()))
        .filter(|id| !id.is_empty())
}

/// `value` as a plain JS object (serde-wasm-bindgen's default makes maps `Map`s, which
/// `JSON.stringify` and host pages would not expect).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, serde_wasm_bindgen::Error> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
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

/// Reading the engine's wire types out of `JSON.parse`d values.
///
/// By hand rather than through serde: serde's deserializers format their error
/// messages (floats included), and with serde-wasm-bindgen that machinery was a tenth of
/// the widget's bundle. The rules are the engine's: times through
/// [`freebusy_core::wire::rfc3339`], Cronofy period times through
/// [`PeriodTime::from_text`](freebusy_core::wire::cronofy::PeriodTime::from_text) and
/// `from_fields`, statuses through [`WireStatus::from_text`], leniently where the
/// engine's serde form is lenient (an odd period is skipped later, not fatal).
mod read {
    use freebusy_core::wire::WireStatus;
    use freebusy_core::wire::cronofy::{FreeBusyPeriod, FreeBusyResponse, Pages, PeriodTime};
    use freebusy_core::wire::rfc3339;
    use freebusy_core::wire::zonio::AvailabilityPeriod;
    use js_sys::{Array, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    /// `object[key]`; `undefined` for a missing key or a value that is not an object.
    fn field(object: &JsValue, key: &str) -> JsValue {
        if !object.is_object() {
            return JsValue::UNDEFINED;
        }
        Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    /// What a value is, for messages: "a number", "null", ...
    fn kind(value: &JsValue) -> String {
        if value.is_null() {
            "null".into()
        } else if value.is_undefined() {
            "missing".into()
        } else if Array::is_array(value) {
            "an array".into()
        } else if value.is_object() {
            "an object".into()
        } else if value.as_bool().is_some() {
            "a boolean".into()
        } else if value.as_f64().is_some() {
            "a number".into()
        } else {
            "not text".into()
        }
    }

    /// Text, or what the value was instead.
    fn text(value: &JsValue) -> Result<String, String> {
        value.as_string().ok_or_else(|| kind(value))
    }

    fn optional_text(value: &JsValue) -> Option<String> {
        value.as_string()
    }

    fn list(value: &JsValue, what: &str) -> Result<Array, String> {
        if Array::is_array(value) {
            Ok(value.clone().unchecked_into())
        } else {
            Err(format!("{what} is {}, not a list", kind(value)))
        }
    }

    fn status(value: &JsValue) -> WireStatus {
        match text(value) {
            Ok(text) => WireStatus::from_text(&text),
            Err(kind) => WireStatus::Other(kind),
        }
    }

    /// A Zonio-style answer: `[{start, end, type}]` with RFC 3339 times.
    pub fn zonio_response(value: &JsValue) -> Result<Vec<AvailabilityPeriod>, String> {
        let periods = list(value, "the answer")?;
        let mut read = Vec::with_capacity(periods.length() as usize);
        for (index, period) in periods.iter().enumerate() {
            let time = |key: &str| {
                let value = field(&period, key);
                text(&value)
                    .ok()
                    .and_then(|text| rfc3339::parse(&text))
                    .ok_or_else(|| format!("period {}: {key} is not an RFC 3339 time", index + 1))
            };
            let kind = field(&period, "type");
            if kind.is_undefined() {
                return Err(format!("period {}: type is missing", index + 1));
            }
            read.push(AvailabilityPeriod {
                start: time("start")?,
                end: time("end")?,
                kind: status(&kind),
            });
        }
        Ok(read)
    }

    /// A Cronofy period time: text, `{time, tzid}`, or something unparseable.
    fn period_time(value: &JsValue) -> PeriodTime {
        if let Some(text) = value.as_string() {
            PeriodTime::from_text(&text)
        } else if value.is_object() && !Array::is_array(value) {
            let time = field(value, "time");
            let time = (!time.is_undefined()).then(|| text(&time));
            PeriodTime::from_fields(time, optional_text(&field(value, "tzid")))
        } else {
            PeriodTime::Unparseable(kind(value))
        }
    }

    /// A page of a Cronofy-style answer: `{pages, free_busy}`.
    pub fn cronofy_response(value: &JsValue) -> Result<FreeBusyResponse, String> {
        let pages = field(value, "pages");
        let number = |key: &str| {
            field(&pages, key)
                .as_f64()
                .filter(|number| {
                    number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(number)
                })
                .map(|number| number as u32)
                .ok_or_else(|| format!("pages.{key} is not a whole number"))
        };
        let pages = Pages {
            current: number("current")?,
            total: number("total")?,
            next_page: optional_text(&field(&pages, "next_page")),
        };
        let periods = list(&field(value, "free_busy"), "free_busy")?;
        let mut free_busy = Vec::with_capacity(periods.length() as usize);
        for (index, period) in periods.iter().enumerate() {
            let calendar_id = text(&field(&period, "calendar_id"))
                .map_err(|kind| format!("period {}: calendar_id is {kind}", index + 1))?;
            free_busy.push(FreeBusyPeriod {
                calendar_id,
                start: period_time(&field(&period, "start")),
                end: period_time(&field(&period, "end")),
                free_busy_status: status(&field(&period, "free_busy_status")),
                event_uid: optional_text(&field(&period, "event_uid")),
                event_id: optional_text(&field(&period, "event_id")),
                deleted: field(&period, "deleted").as_bool(),
            });
        }
        Ok(FreeBusyResponse {
            pages,
            free_busy,
            userinfo: None,
        })
    }

    /// A 422's `{"errors": {field: [{key, description}]}}` as `(field, description)`.
    pub fn field_errors(value: &JsValue) -> Result<Vec<(String, String)>, String> {
        let errors = field(value, "errors");
        if !errors.is_object() {
            return Err("the answer has no errors object".into());
        }
        let mut read = Vec::new();
        for entry in Object::entries(errors.unchecked_ref()).iter() {
            let entry: Array = entry.unchecked_into();
            let name = entry.get(0).as_string().unwrap_or_default();
            let problems = list(&entry.get(1), &name)?;
            for problem in problems.iter() {
                let description = optional_text(&field(&problem, "description"))
                    .or_else(|| optional_text(&field(&problem, "key")))
                    .unwrap_or_else(|| "is invalid".into());
                read.push((name.clone(), description));
            }
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Retry-After in seconds is used as is; dates and garbage fall back to a second.
    #[test]
    fn retry_after_reads_seconds_and_falls_back_to_one() {
        assert_eq!(retry_after_seconds(Some("2")), 2);
        assert_eq!(retry_after_seconds(Some(" 7 ")), 7);
        assert_eq!(
            retry_after_seconds(Some("Wed, 21 Oct 2026 07:28:00 GMT")),
            1
        );
        assert_eq!(retry_after_seconds(None), 1);
    }
}
