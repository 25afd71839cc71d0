//! The one HTTP client every source uses, and the limits around each request: bounded
//! redirects that never downgrade to plain HTTP and never loop, a byte cap on the
//! (decompressed) body, `Retry-After`, and errors that never carry a URL.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::redirect::{Attempt, Policy};

use super::{Credentials, FetchError};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;
/// The longest `Retry-After` honoured; a longer one waits this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The client for every source: rustls, gzip, [`MAX_REDIRECTS`] redirects, a connect
/// timeout of 10 s (each request sets its own overall timeout), a user agent naming us.
///
/// # Errors
///
/// Only if the TLS backend cannot start (no usable root certificates at all).
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("freebusy/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .redirect(Policy::custom(redirect))
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {}", describe(&e)))
}

/// Follows a redirect unless it is one too many, goes back to a URL already visited,
/// or leaves HTTPS for plain HTTP (which would send the credentials in clear).
fn redirect(attempt: Attempt<'_>) -> reqwest::redirect::Action {
    let previous = attempt.previous();
    if previous.len() > MAX_REDIRECTS {
        return attempt.error(RedirectRefused("more than 5 redirects"));
    }
    if previous.iter().any(|url| url == attempt.url()) {
        return attempt.error(RedirectRefused("a redirect loop"));
    }
    let downgrade = previous.last().is_some_and(|last| last.scheme() == "https")
        && attempt.url().scheme() != "https";
    if downgrade {
        return attempt.error(RedirectRefused("a redirect from https to plain http"));
    }
    attempt.follow()
}

#[derive(Debug)]
struct RedirectRefused(&'static str);

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RedirectRefused {}

/// Adds the source's credentials to a request.
pub fn authorize(
    request: reqwest::RequestBuilder,
    credentials: Option<&Credentials>,
) -> reqwest::RequestBuilder {
    match credentials {
        None => request,
        Some(Credentials::Basic { username, password }) => {
            request.basic_auth(username, Some(password.expose()))
        }
        Some(Credentials::Bearer(token)) => request.bearer_auth(token.expose()),
    }
}

/// Reads a response's body, at most `limit` bytes of it (after decompression: a small
/// gzip body cannot expand past the cap).
///
/// # Errors
///
/// [`FetchError::TooLarge`] past the cap (a declared length over it fails before
/// reading), or the transport's error.
pub async fn body(
    mut response: reqwest::Response,
    limit: u64,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(FetchError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e, timeout))? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(FetchError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date (from `now`),
/// at most [`MAX_RETRY_AFTER`].
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let text = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let wait = if let Ok(seconds) = text.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let when = DateTime::parse_from_rfc2822(text).ok()?.with_timezone(&Utc);
        (when - now).to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// The [`FetchError`] for a failed request, without its URL.
pub fn classify(error: &reqwest::Error, timeout: Duration) -> FetchError {
    if error.is_timeout() {
        return FetchError::Timeout(timeout);
    }
    if error.is_redirect() {
        return FetchError::Redirects(innermost(error));
    }
    FetchError::Transport(describe(error))
}

/// The error and its causes as one line, with no URL in it (reqwest puts the URL in
/// its own message; the causes below it are the transport's).
fn describe(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    if error.is_connect() {
        parts.push("cannot connect".into());
    } else if error.is_body() || error.is_decode() {
        parts.push("the answer broke off or could not be decoded".into());
    } else if error.is_request() {
        parts.push("the request failed".into());
    }
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !text.contains("://") && !parts.contains(&text) {
            parts.push(text);
        }
        cause = inner.source();
    }
    if parts.is_empty() {
        parts.push("the request failed".into());
    }
    parts.join(": ")
}

fn innermost(error: &reqwest::Error) -> String {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    let mut last = None;
    while let Some(inner) = cause {
        last = Some(inner.to_string());
        cause = inner.source();
    }
    last.filter(|text| !text.contains("://"))
        .unwrap_or_else(|| "refused".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    // Both forms RFC 9110 allows, and a cap on absurd waits.
    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        let now = DateTime::parse_from_rfc3339("2026-04-20T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(120)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Mon, 20 Apr 2026 10:05:00 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(300)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("99999999"));
        assert_eq!(retry_after(&headers, now), Some(MAX_RETRY_AFTER));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }
}
