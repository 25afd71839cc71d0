//! What can go wrong talking to a CalDAV server, as kinds a sync loop can act on.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Url;

/// A URL as it may be shown in an error, a log line or a status page: without any
/// `user:password@` part and with the query replaced by `?…` (secret addresses put
/// their tokens there). The path stays: it is what an operator needs to find the
/// calendar.
#[derive(Clone, PartialEq, Eq)]
pub struct ShownUrl(String);

impl ShownUrl {
    /// The printable form of `url`.
    pub fn new(url: &Url) -> ShownUrl {
        let mut shown = url.clone();
        // Neither can fail on an http(s) URL, which is all the client ever holds; on a
        // URL that cannot have them there is nothing to remove.
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.set_fragment(None);
        let had_query = shown.query().is_some();
        shown.set_query(None);
        let mut text: String = shown.into();
        if had_query {
            text.push_str("?…");
        }
        ShownUrl(text)
    }

    /// The printable form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShownUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for ShownUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, formatter)
    }
}

impl From<&Url> for ShownUrl {
    fn from(url: &Url) -> ShownUrl {
        ShownUrl::new(url)
    }
}

/// When the server asked us to come back (`Retry-After`, RFC 9110 10.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 120`.
    Delay(Duration),
    /// `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`.
    At(DateTime<Utc>),
}

impl RetryAfter {
    /// Reads a `Retry-After` value; `None` for anything else (a negative number, a
    /// date in another format).
    pub fn parse(value: &str) -> Option<RetryAfter> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) {
            // More digits than a u64 holds is "a very long time", not an error.
            let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
            return Some(RetryAfter::Delay(Duration::from_secs(seconds)));
        }
        // IMF-fixdate is RFC 2822's format with "GMT"; chrono reads both.
        DateTime::parse_from_rfc2822(value)
            .ok()
            .map(|at| RetryAfter::At(at.with_timezone(&Utc)))
    }

    /// How long to wait from `now` (zero for a moment already past).
    pub fn delay_from(self, now: DateTime<Utc>) -> Duration {
        match self {
            RetryAfter::Delay(delay) => delay,
            RetryAfter::At(at) => (at - now).to_std().unwrap_or(Duration::ZERO),
        }
    }
}

/// Why a CalDAV request did not give what was asked. Messages never contain
/// credentials, and URLs appear as [`ShownUrl`]s.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CalDavError {
    /// 401: the credentials are wrong, missing or expired.
    #[error("the CalDAV server at {url} refused the credentials (401)")]
    Unauthorized {
        /// Where.
        url: ShownUrl,
    },
    /// 403: these credentials may not do this.
    #[error("the CalDAV server forbids this on {url} (403)")]
    Forbidden {
        /// Where.
        url: ShownUrl,
    },
    /// 404 or 410: nothing there (a moved or deleted calendar).
    #[error("nothing at {url} ({status})")]
    NotFound {
        /// Where.
        url: ShownUrl,
        /// 404 or 410.
        status: u16,
    },
    /// The URL answers, but is not a calendar collection (RFC 4791 4.2).
    #[error("{url} is not a calendar collection")]
    NotACalendar {
        /// Where.
        url: ShownUrl,
    },
    /// 412: the resource changed since its ETag was read (`If-Match`), or already exists
    /// (`If-None-Match: *`). Read it again before deciding.
    #[error("{url} changed on the server, or already exists (412)")]
    PreconditionFailed {
        /// Which resource.
        url: ShownUrl,
    },
    /// 429: slow down, and come back after `retry_after` when given.
    #[error("the CalDAV server at {url} asks to slow down (429)")]
    Throttled {
        /// Where.
        url: ShownUrl,
        /// The server's `Retry-After`, if it sent a readable one.
        retry_after: Option<RetryAfter>,
    },
    /// 5xx: the server failed (503 may carry a `Retry-After`).
    #[error("the CalDAV server at {url} failed ({status})")]
    Upstream {
        /// Where.
        url: ShownUrl,
        /// The status, 500 to 599.
        status: u16,
        /// The server's `Retry-After`, if it sent a readable one.
        retry_after: Option<RetryAfter>,
    },
    /// A status this request has no meaning for (say, 400 or 405).
    #[error("unexpected answer {status} to {method} {url}")]
    UnexpectedStatus {
        /// The request's method.
        method: String,
        /// Where.
        url: ShownUrl,
        /// The status.
        status: u16,
    },
    /// The answer is not what CalDAV says it must be: not XML, not a multistatus, not
    /// UTF-8, cut off, or missing what was asked for.
    #[error("unreadable answer from {url}: {reason}")]
    Malformed {
        /// Where.
        url: ShownUrl,
        /// What was wrong, in a few words.
        reason: String,
    },
    /// The answer is larger than [`Limits::max_body_bytes`](super::Limits).
    #[error("the answer from {url} is larger than {limit} bytes")]
    TooLarge {
        /// Where.
        url: ShownUrl,
        /// The limit it went over.
        limit: u64,
    },
    /// No complete answer within [`Limits::timeout`](super::Limits).
    #[error("no answer from {url} within {after:?}")]
    Timeout {
        /// Where.
        url: ShownUrl,
        /// The limit.
        after: Duration,
    },
    /// The server could not be reached: refused connection, unknown host, TLS failure,
    /// or the connection broke.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// Where.
        url: ShownUrl,
        /// What the network layer said (never credentials, never the URL again).
        reason: String,
    },
    /// A redirect led back to a URL already visited with the same request.
    #[error("redirect loop at {url}")]
    RedirectLoop {
        /// The URL met twice.
        url: ShownUrl,
    },
    /// More redirects than [`Limits::max_redirects`](super::Limits).
    #[error("more than {limit} redirects, the last to {url}")]
    TooManyRedirects {
        /// The last URL reached.
        url: ShownUrl,
        /// The limit.
        limit: u8,
    },
    /// A redirect from https to plain http, or to something that is not http(s): refused,
    /// since it would send the request (and credentials) in clear or somewhere odd.
    #[error("refused a redirect from {from} to {to}")]
    InsecureRedirect {
        /// Where the redirect came from.
        from: ShownUrl,
        /// Where it pointed.
        to: ShownUrl,
    },
    /// The server does not offer what is needed here (for example no `sync-collection`,
    /// no `calendar-home-set`).
    #[error("{url} does not support {what}")]
    Unsupported {
        /// Where.
        url: ShownUrl,
        /// What is missing.
        what: &'static str,
    },
    /// A URL the client cannot use (not http(s), credentials inside it, no host).
    #[error("unusable URL: {reason}")]
    InvalidUrl {
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be set up (TLS roots, for instance).
    #[error("the HTTP client could not be built: {reason}")]
    Client {
        /// Why.
        reason: String,
    },
}

impl CalDavError {
    /// Whether trying again later, without changing the configuration, may succeed: a
    /// sync loop backs off and retries these, and reports the others as needing an
    /// operator (wrong password, wrong URL, not a calendar).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CalDavError::Throttled { .. }
                | CalDavError::Upstream { .. }
                | CalDavError::Timeout { .. }
                | CalDavError::Unreachable { .. }
                | CalDavError::Malformed { .. }
        )
    }

    /// The server's `Retry-After`, when it gave one.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            CalDavError::Throttled { retry_after, .. }
            | CalDavError::Upstream { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn shown_urls_lose_credentials_and_queries() {
        let url = Url::parse("https://ann:pw@cal.example.com/dav/ann/?token=abc#x").unwrap();
        assert_eq!(
            ShownUrl::new(&url).as_str(),
            "https://cal.example.com/dav/ann/?…"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(
            RetryAfter::parse(" 120 "),
            Some(RetryAfter::Delay(Duration::from_secs(120)))
        );
        let at = Utc.with_ymd_and_hms(2026, 10, 21, 7, 28, 0).unwrap();
        assert_eq!(
            RetryAfter::parse("Wed, 21 Oct 2026 07:28:00 GMT"),
            Some(RetryAfter::At(at))
        );
        assert_eq!(
            RetryAfter::At(at).delay_from(at - chrono::Duration::seconds(30)),
            Duration::from_secs(30)
        );
        assert_eq!(
            RetryAfter::At(at).delay_from(at + chrono::Duration::seconds(30)),
            Duration::ZERO
        );
        assert_eq!(RetryAfter::parse("-5"), None);
        assert_eq!(RetryAfter::parse("soon"), None);
        assert_eq!(
            RetryAfter::parse("99999999999999999999999"),
            Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
        );
    }
}
