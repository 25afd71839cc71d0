//! One HTTP exchange with a CalDAV server, bounded: a deadline over the whole exchange
//! (redirects and body included), a byte cap checked while the body streams in,
//! redirects followed by hand, and credentials only where they belong.
//!
//! Redirects are followed here rather than by reqwest because reqwest turns a
//! redirected PROPFIND or REPORT into a bodiless GET (its rules are the browser's, for
//! forms); RFC 6764 discovery relies on `/.well-known/caldav` redirecting a PROPFIND.

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use tokio::time::Instant;

use super::Limits;
use super::error::{CalDavError, RetryAfter, ShownUrl};
use crate::sources::Credentials;

/// What the client sends on every request.
const USER_AGENT: &str = concat!("freebusy/", env!("CARGO_PKG_VERSION"), " (CalDAV)");

/// The HTTP side of a [`Client`](super::Client).
#[derive(Clone, Debug)]
pub struct Transport {
    http: reqwest::Client,
    credentials: Option<Credentials>,
    base: Url,
    limits: Limits,
}

/// A request to send.
#[derive(Debug)]
pub struct Request {
    /// `PROPFIND`, `REPORT`, `PUT`, ...
    pub method: Method,
    /// Where.
    pub url: Url,
    /// Extra headers (`Depth`, `If-Match`, `Content-Type`, ...).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The body, resent on each redirect.
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A WebDAV request with an XML body (PROPFIND, REPORT) and a `Depth`.
    pub fn xml(method: Method, url: &Url, depth: Depth, body: String) -> Request {
        Request {
            method,
            url: url.clone(),
            headers: vec![
                (
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/xml; charset=utf-8"),
                ),
                (HeaderName::from_static("depth"), depth.header()),
            ],
            body: Some(body.into_bytes()),
        }
    }
}

/// The `Depth` header (RFC 4918 10.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// The resource itself.
    Zero,
    /// The resource and its members.
    One,
}

impl Depth {
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Depth::Zero => "0",
            Depth::One => "1",
        })
    }
}

/// The WebDAV method `name` (PROPFIND, REPORT): extension methods have no constants.
pub fn method(name: &'static str) -> Result<Method, CalDavError> {
    Method::from_bytes(name.as_bytes()).map_err(|_| CalDavError::Client {
        reason: format!("{name} is not an HTTP method"),
    })
}

/// A complete answer: status, headers and the whole (capped) body.
#[derive(Debug)]
pub struct Answer {
    /// The method asked.
    pub method: Method,
    /// The URL that finally answered (after redirects): hrefs are relative to it.
    pub url: Url,
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, decompressed, at most `max_body_bytes`.
    pub body: Vec<u8>,
}

/// An HTTP client fit for CalDAV: rustls, gzip, `connect_timeout`, our user agent, and
/// no redirects of its own (the transport follows them, keeping the method).
pub fn http_client(limits: &Limits) -> Result<reqwest::Client, CalDavError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(limits.connect_timeout)
        .user_agent(USER_AGENT)
        .build()
        .map_err(|error| CalDavError::Client {
            reason: error_chain(&error),
        })
}

impl Transport {
    /// A transport for `base` (already checked to be http(s), without credentials)
    /// over `http`, which must not follow redirects itself ([`http_client`] makes one).
    pub fn new(
        http: reqwest::Client,
        base: Url,
        credentials: Option<Credentials>,
        limits: Limits,
    ) -> Transport {
        Transport {
            http,
            credentials,
            base,
            limits,
        }
    }

    /// The URL the client was configured with.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Sends `request`, following up to `max_redirects` redirects (method and body
    /// kept), all within one `timeout`.
    pub async fn send(&self, request: Request) -> Result<Answer, CalDavError> {
        let deadline = Instant::now() + self.limits.timeout;
        let mut url = request.url.clone();
        let mut visited: Vec<Url> = Vec::new();
        loop {
            let answer = match tokio::time::timeout_at(deadline, self.once(&request, &url)).await {
                Ok(answer) => answer?,
                Err(_) => {
                    return Err(CalDavError::Timeout {
                        url: ShownUrl::new(&url),
                        after: self.limits.timeout,
                    });
                }
            };
            let Some(next) = redirect_target(&answer)? else {
                return Ok(answer);
            };
            visited.push(url);
            if visited.contains(&next) {
                return Err(CalDavError::RedirectLoop {
                    url: ShownUrl::new(&next),
                });
            }
            if visited.len() > usize::from(self.limits.max_redirects) {
                return Err(CalDavError::TooManyRedirects {
                    url: ShownUrl::new(&next),
                    limit: self.limits.max_redirects,
                });
            }
            url = next;
        }
    }

    async fn once(&self, request: &Request, url: &Url) -> Result<Answer, CalDavError> {
        let mut builder = self.http.request(request.method.clone(), url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if sends_credentials(&self.base, url) {
            builder = match &self.credentials {
                None => builder,
                Some(Credentials::Basic { username, password }) => {
                    builder.basic_auth(username, Some(password.expose()))
                }
                Some(Credentials::Bearer(token)) => builder.bearer_auth(token.expose()),
            };
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|error| self.network_error(&error, url))?;
        if response.url() != url {
            // reqwest followed a redirect itself and may have turned this PROPFIND or
            // REPORT into a GET: what came back does not answer what was asked.
            return Err(CalDavError::Client {
                reason: "the HTTP client follows redirects itself; build it with \
                         redirect::Policy::none() (caldav::http_client does)"
                    .to_owned(),
            });
        }
        let limit = self.limits.max_body_bytes;
        let too_large = || CalDavError::TooLarge {
            url: ShownUrl::new(url),
            limit,
        };
        // A declared length over the cap fails before reading anything. (With gzip,
        // reqwest hides the compressed length; the streaming check below still holds.)
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.network_error(&error, url))?
        {
            if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(
            method = %request.method,
            url = %ShownUrl::new(url),
            status = response.status().as_u16(),
            bytes = body.len(),
            "caldav exchange"
        );
        Ok(Answer {
            method: request.method.clone(),
            url: url.clone(),
            status: response.status(),
            headers: response.headers().clone(),
            body,
        })
    }

    fn network_error(&self, error: &reqwest::Error, url: &Url) -> CalDavError {
        let url = ShownUrl::new(url);
        if error.is_timeout() {
            CalDavError::Timeout {
                url,
                after: if error.is_connect() {
                    self.limits.connect_timeout
                } else {
                    self.limits.timeout
                },
            }
        } else if error.is_decode() {
            CalDavError::Malformed {
                url,
                reason: format!("the body could not be decoded: {}", error_chain(error)),
            }
        } else {
            CalDavError::Unreachable {
                url,
                reason: error_chain(error),
            }
        }
    }
}

/// Credentials go to the configured origin; to another origin only when both are https,
/// since servers such as iCloud hand out partition hosts (and TLS vouches for them);
/// never to plain http elsewhere.
fn sends_credentials(base: &Url, url: &Url) -> bool {
    let same_origin = base.scheme() == url.scheme()
        && base.host_str() == url.host_str()
        && base.port_or_known_default() == url.port_or_known_default();
    same_origin || (base.scheme() == "https" && url.scheme() == "https")
}

/// The next URL when `answer` is a redirect with a usable `Location`; an error when the
/// target is not allowed; `None` when there is nothing to follow.
fn redirect_target(answer: &Answer) -> Result<Option<Url>, CalDavError> {
    if !matches!(answer.status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = answer
        .headers
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
    else {
        return Ok(None);
    };
    let next = answer
        .url
        .join(location.trim())
        .map_err(|_| CalDavError::Malformed {
            url: ShownUrl::new(&answer.url),
            reason: "a redirect to an unreadable Location".to_owned(),
        })?;
    let insecure = !matches!(
        (answer.url.scheme(), next.scheme()),
        ("https", "https") | ("http", "http" | "https")
    );
    if insecure || next.host_str().is_none() || has_credentials(&next) {
        return Err(CalDavError::InsecureRedirect {
            from: ShownUrl::new(&answer.url),
            to: ShownUrl::new(&next),
        });
    }
    Ok(Some(next))
}

/// Whether a URL carries `user:password@`.
pub fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// An error and its causes, joined, without reqwest's own top line (which repeats the
/// URL).
fn error_chain(error: &reqwest::Error) -> String {
    let mut reasons: Vec<String> = Vec::new();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !reasons.iter().any(|seen| seen.contains(&text)) {
            reasons.push(text);
        }
        cause = inner.source();
    }
    if reasons.is_empty() {
        let kind = if error.is_connect() {
            "connection failed"
        } else if error.is_body() {
            "the connection broke while reading the answer"
        } else if error.is_request() {
            "the request could not be sent"
        } else {
            "HTTP error"
        };
        reasons.push(kind.to_owned());
    }
    reasons.join(": ")
}

impl Answer {
    /// Whether the status is one of `accepted`.
    pub fn is(&self, accepted: &[u16]) -> bool {
        accepted.contains(&self.status.as_u16())
    }

    /// `Ok(self)` when the status is one of `accepted`, else the error it means.
    pub fn expect(self, accepted: &[u16]) -> Result<Answer, CalDavError> {
        if self.is(accepted) {
            Ok(self)
        } else {
            Err(self.error())
        }
    }

    /// The error this (unwanted) status means.
    pub fn error(&self) -> CalDavError {
        self.error_for(self.status.as_u16())
    }

    /// The error `status` means for this request (also a status inside a multistatus).
    pub fn error_for(&self, status: u16) -> CalDavError {
        let url = ShownUrl::new(&self.url);
        let retry_after = self
            .header(RETRY_AFTER.as_str())
            .and_then(RetryAfter::parse);
        match status {
            401 => CalDavError::Unauthorized { url },
            403 => CalDavError::Forbidden { url },
            status @ (404 | 410) => CalDavError::NotFound { url, status },
            412 => CalDavError::PreconditionFailed { url },
            429 => CalDavError::Throttled { url, retry_after },
            status @ 500..=599 => CalDavError::Upstream {
                url,
                status,
                retry_after,
            },
            status => CalDavError::UnexpectedStatus {
                method: self.method.to_string(),
                url,
                status,
            },
        }
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    }

    /// A `Malformed` error about this answer.
    pub fn malformed(&self, reason: impl Into<String>) -> CalDavError {
        CalDavError::Malformed {
            url: ShownUrl::new(&self.url),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn redirect(from: &str, location: &str) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_str(location).unwrap());
        Answer {
            method: Method::GET,
            url: url(from),
            status: StatusCode::MOVED_PERMANENTLY,
            headers,
            body: Vec::new(),
        }
    }

    #[test]
    fn credentials_stay_on_their_origin_unless_both_ends_are_https() {
        let plain = url("http://127.0.0.1:5232/");
        assert!(sends_credentials(
            &plain,
            &url("http://127.0.0.1:5232/ann/")
        ));
        assert!(!sends_credentials(&plain, &url("http://127.0.0.1:5233/")));
        assert!(!sends_credentials(&plain, &url("http://evil.example/")));
        let tls = url("https://caldav.icloud.com/");
        assert!(sends_credentials(
            &tls,
            &url("https://p12-caldav.icloud.com/1/")
        ));
        assert!(!sends_credentials(&tls, &url("http://caldav.icloud.com/")));
    }

    #[test]
    fn redirects_resolve_relative_locations_and_refuse_downgrades() {
        let next = redirect_target(&redirect("http://h/.well-known/caldav", "/dav/"))
            .unwrap()
            .unwrap();
        assert_eq!(next.as_str(), "http://h/dav/");
        for (from, to) in [
            ("https://h/.well-known/caldav", "http://h/dav/"),
            ("https://h/", "ftp://h/"),
            ("http://h/", "https://u:p@h/"),
        ] {
            assert!(
                matches!(
                    redirect_target(&redirect(from, to)),
                    Err(CalDavError::InsecureRedirect { .. })
                ),
                "{from} -> {to}"
            );
        }
    }
}
