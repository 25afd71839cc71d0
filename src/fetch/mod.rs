//! All of the widget's I/O: free/busy reads of both API styles, and bookings.
//!
//! The widget's state never does I/O; the component runs what this module offers.
//! Requests go through the [`Http`] trait: [`BrowserHttp`] in the browser, a test double in
//! the fault-case tests, so 429s, 404s, 503s, network errors and malformed documents
//! can be produced on demand.
//!
//! - [`http`]: requests, responses and the [`Http`] trait.
//! - [`week`]: every attendee's week ([`fetch_week`]).
//! - [`rules`]: the hosts' published rules ([`fetch_rules`]).
//! - [`catalogue`]: the visitor's message catalogue beyond English
//!   ([`fetch_catalogue`]).
//! - [`booking`]: posting a booking ([`book`]).
//! - [`read`]: the engine's wire types out of `JSON.parse`d values, which keeps
//!   serde_json and serde's deserializers out of the bundle.
//!
//! Shared by both: waiting out 429s ([`RATE_LIMIT_RETRIES`], `Retry-After`), a timeout
//! on every request (the widget never waits for ever), telling a CORS refusal from an
//! unreachable server, [`Requests`] (every request's abort signal, so leaving a week or
//! removing the widget aborts what is in flight) and what a failure means
//! ([`FetchError`]).

pub mod booking;
pub mod catalogue;
pub mod http;
pub mod read;
pub mod rules;
pub mod week;

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use futures::future::{Either, MaybeDone, maybe_done, select};
use wasm_bindgen::JsValue;
use web_sys::AbortController;

use crate::messages::{Catalogue, Text};

pub use booking::{BookingError, BookingRequest, book, idempotency_key};
pub use catalogue::fetch_catalogue;
pub use http::{BrowserHttp, Http, HttpError, HttpFuture, HttpRequest, HttpResponse, ReachFuture};
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
    /// No answer within the timeout, in seconds; the request was aborted.
    Timeout(u16),
    /// The server answers, but not to this page: it refused the page's origin (CORS).
    Cors {
        /// The server's origin, e.g. `https://calendar.example.com`.
        server: String,
        /// The page's origin, which the server must allow.
        page: String,
    },
    /// 413: the request was larger than the server takes.
    TooLarge,
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
            FetchError::Timeout(_) => "timeout",
            FetchError::Cors { .. } => "cors",
            FetchError::TooLarge => "too_large",
            FetchError::Malformed { .. } => "malformed",
            FetchError::Unexpected(_) => "unexpected_status",
        }
    }

    /// Whether trying again may help (so a retry button is offered).
    pub fn can_retry(&self) -> bool {
        !matches!(self, FetchError::Aborted)
    }

    /// What the embedder can fix, in English, for the console and the `freebusy:error`
    /// detail's `hint`; `None` when it is nothing the page can fix.
    pub fn hint(&self) -> Option<String> {
        match self {
            FetchError::Cors { server, page } => Some(format!(
                "freebusy: the calendar server {server} refused this page's origin {page} (CORS): allow that origin on the server, e.g. freebusy-server --allow-origin {page}"
            )),
            _ => None,
        }
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
            FetchError::Timeout(seconds) => {
                messages.fill(Text::ErrorTimeout, &[("seconds", &seconds.to_string())])
            }
            FetchError::Cors { .. } => messages.get(Text::ErrorCors).to_owned(),
            FetchError::TooLarge => messages.get(Text::ErrorTooLarge).to_owned(),
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
        413 => Err(FetchError::TooLarge),
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

/// The abort signals of a group of requests (a week's, a booking's): aborting the group
/// aborts every request in it, and any made after that start aborted.
#[derive(Clone, Default)]
pub struct Requests(Rc<RefCell<RequestGroup>>);

#[derive(Default)]
struct RequestGroup {
    aborted: bool,
    controllers: Vec<AbortController>,
}

impl Requests {
    /// A new controller in the group, for one request.
    fn controller(&self) -> Option<AbortController> {
        let controller = AbortController::new().ok()?;
        let mut group = self.0.borrow_mut();
        if group.aborted {
            controller.abort();
        }
        group.controllers.push(controller.clone());
        Some(controller)
    }

    /// Aborts every request of the group, now and later.
    pub fn abort(&self) {
        let mut group = self.0.borrow_mut();
        group.aborted = true;
        for controller in group.controllers.drain(..) {
            controller.abort();
        }
    }

    /// Whether the group was aborted.
    pub fn aborted(&self) -> bool {
        self.0.borrow().aborted
    }
}

/// How a request is sent: which group it belongs to, its timeout, and who hears that a
/// 429 makes it wait (with the seconds it waits).
pub struct Sending<'a> {
    /// The group whose abort aborts it.
    pub requests: &'a Requests,
    /// Seconds to wait for an answer.
    pub timeout_seconds: u16,
    /// Told each wait for a 429.
    pub on_wait: &'a dyn Fn(u32),
}

/// Sends `request` once, within the timeout; a network failure is told apart into a
/// CORS refusal (the server answers a `no-cors` request for the same URL) or an
/// unreachable server.
async fn send_once(
    http: &dyn Http,
    request: HttpRequest,
    sending: &Sending<'_>,
) -> Result<HttpResponse, FetchError> {
    let controller = sending.requests.controller();
    let signal = controller.as_ref().map(AbortController::signal);
    let url = request.url.clone();
    let timer = Box::pin(sleep_millis(u32::from(sending.timeout_seconds) * 1000));
    let outcome = match select(http.send(request, signal), timer).await {
        Either::Left((outcome, _)) => outcome,
        Either::Right(_) => {
            if let Some(controller) = controller {
                controller.abort();
            }
            return Err(if sending.requests.aborted() {
                FetchError::Aborted
            } else {
                FetchError::Timeout(sending.timeout_seconds)
            });
        }
    };
    match outcome {
        Ok(response) => Ok(response),
        Err(HttpError::Aborted) => Err(FetchError::Aborted),
        Err(HttpError::Network(message)) => {
            if !sending.requests.aborted() && http.reaches(&url).await {
                Err(FetchError::Cors {
                    server: origin_of(&url),
                    page: page_origin(),
                })
            } else {
                Err(FetchError::Network(message))
            }
        }
    }
}

/// Sends `request`, waiting out 429s as `Retry-After` asks, a bounded number of times.
async fn send_patiently(
    http: &dyn Http,
    request: HttpRequest,
    sending: &Sending<'_>,
) -> Result<HttpResponse, FetchError> {
    let mut retries = 0;
    loop {
        let response = send_once(http, request.clone(), sending).await?;
        if response.status != 429 {
            return Ok(response);
        }
        let wait = retry_after_seconds(response.retry_after.as_deref());
        if retries >= RATE_LIMIT_RETRIES || wait > LONGEST_RETRY_WAIT_SECONDS {
            return Err(FetchError::RateLimited);
        }
        retries += 1;
        (sending.on_wait)(wait);
        sleep(wait).await;
        if sending.requests.aborted() {
            return Err(FetchError::Aborted);
        }
    }
}

/// `scheme://host[:port]` of an absolute URL; the page's origin for a path.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => page_origin(),
    }
}

fn page_origin() -> String {
    web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default()
}

/// `Retry-After` in seconds; an HTTP date or a missing header counts as one second.
pub fn retry_after_seconds(header: Option<&str>) -> u32 {
    header
        .and_then(|value| value.trim().parse::<u32>().ok())
        .unwrap_or(1)
}

/// Waits `seconds` on the browser's timer.
pub async fn sleep(seconds: u32) {
    sleep_millis(seconds.saturating_mul(1000)).await;
}

/// Waits `millis` milliseconds on the browser's timer.
pub async fn sleep_millis(millis: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(millis).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
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
        let german = Catalogue::default().translated(crate::messages::translation("de"));
        assert_eq!(
            FetchError::Unexpected(418).describe(&german),
            "Der Kalenderserver antwortete mit HTTP 418."
        );
    }
}
