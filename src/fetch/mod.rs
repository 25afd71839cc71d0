//! All of the widget's I/O: free/busy reads of both API styles, and bookings.
//!
//! The widget's state never does I/O; the component runs what this module offers.
//! Requests go through the [`Http`] trait: [`GlooHttp`] in the browser, a test double in
//! the fault-case tests, so 429s, 404s, 503s, network errors and malformed documents
//! can be produced on demand.
//!
//! - [`http`]: requests, responses and the [`Http`] trait.
//! - [`week`]: every attendee's week ([`fetch_week`]).
//! - [`rules`]: the hosts' published rules ([`fetch_rules`]).
//! - [`booking`]: posting a booking ([`book`]).
//! - [`read`]: the engine's wire types out of `JSON.parse`d values, which keeps
//!   serde_json and serde's deserializers out of the bundle.
//!
//! Shared by both: waiting out 429s ([`RATE_LIMIT_RETRIES`], `Retry-After`) and what a
//! failure means ([`FetchError`]).

pub mod booking;
pub mod http;
pub mod read;
pub mod rules;
pub mod week;

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use futures::future::{MaybeDone, maybe_done};
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

use crate::messages::{Catalogue, Text};

pub use booking::{BookingError, BookingRequest, book, idempotency_key};
pub use http::{GlooHttp, Http, HttpError, HttpFuture, HttpRequest, HttpResponse};
pub use rules::fetch_rules;
pub use week::{AttendeeWeek, UnknownReason, WeekQuery, fetch_week};

/// How often a 429 is retried before the widget gives up and says so.
pub const RATE_LIMIT_RETRIES: u32 = 3;
/// The longest `Retry-After` the widget waits out; a longer one is reported instead.
pub const LONGEST_RETRY_WAIT_SECONDS: u32 = 30;

/// Why a week (or a booking's request) failed.
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
        /// Whose answer; `None` for the booking's.
        attendee: Option<String>,
        /// What was wrong with it (technical, in English).
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

    /// What the visitor is told, in their language.
    pub fn describe(&self, messages: &Catalogue) -> String {
        match self {
            FetchError::Aborted => String::new(),
            FetchError::RateLimited => messages.get(Text::ErrorRateLimited).to_owned(),
            FetchError::Unavailable(status) => {
                messages.fill(Text::ErrorUnavailable, &[("status", &status.to_string())])
            }
            FetchError::Network(_) => messages.get(Text::ErrorNetwork).to_owned(),
            FetchError::Malformed { attendee, detail } => messages.fill(
                Text::ErrorMalformed,
                &[
                    (
                        "attendee",
                        attendee
                            .as_deref()
                            .unwrap_or_else(|| messages.get(Text::BookingSubject)),
                    ),
                    ("detail", detail),
                ],
            ),
            FetchError::Unexpected(status) => {
                messages.fill(Text::ErrorUnexpected, &[("status", &status.to_string())])
            }
        }
    }
}

/// Runs `futures` together; their outputs in order.
///
/// `futures::future::join_all` without its mode for many futures: that mode is a
/// `FuturesOrdered` per future type, kilobytes of the bundle, for a handful of
/// attendees. Every future is polled on each wake-up, which is nothing for a few.
pub(crate) async fn all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<MaybeDone<F>>>> = futures
        .into_iter()
        .map(|future| Box::pin(maybe_done(future)))
        .collect();
    poll_fn(|context| {
        let mut ready = true;
        for future in &mut pending {
            ready &= future.as_mut().poll(context).is_ready();
        }
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    pending
        .iter_mut()
        .filter_map(|future| future.as_mut().take_output())
        .collect()
}

/// 2xx is fine; anything else is the error it means.
fn expect_success(status: u16) -> Result<(), FetchError> {
    match status {
        200..=299 => Ok(()),
        429 => Err(FetchError::RateLimited),
        500..=599 => Err(FetchError::Unavailable(status)),
        _ => Err(FetchError::Unexpected(status)),
    }
}

/// Parses `body` with the browser's JSON.parse, then reads it with `read`; whatever is
/// wrong is [`FetchError::Malformed`] for `attendee`.
fn parse<T>(
    body: &str,
    attendee: Option<&str>,
    read: impl Fn(&JsValue) -> Result<T, String>,
) -> Result<T, FetchError> {
    let malformed = |detail: String| FetchError::Malformed {
        attendee: attendee.map(str::to_owned),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::Language;

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

    // Each failure is told in the visitor's language, with its status or whose answer.
    #[test]
    fn failures_are_described_in_the_visitors_language() {
        let english = Catalogue::default();
        assert_eq!(
            FetchError::Unavailable(503).describe(&english),
            "The calendar server is unavailable right now (HTTP 503). Please try again."
        );
        let malformed = FetchError::Malformed {
            attendee: Some("bob@example.com".into()),
            detail: "the response is not JSON".into(),
        };
        assert_eq!(
            malformed.describe(&english),
            "The calendar server sent availability for bob@example.com that cannot be read (the response is not JSON)."
        );
        let booking = FetchError::Malformed {
            attendee: None,
            detail: "x".into(),
        };
        assert!(booking.describe(&english).contains("for the booking that"));
        let german = Catalogue::new(Language::German, Vec::new());
        assert_eq!(
            FetchError::Unexpected(418).describe(&german),
            "Der Kalenderserver antwortete mit HTTP 418."
        );
    }
}
