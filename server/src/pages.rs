//! The visitor's pages, served by the server: small HTML documents that work without
//! JavaScript (issue 17's cancel and reschedule links).
//!
//! Every page is one [`Page`]: a title and a body of markup built here, every text in
//! it escaped ([`escape`]), answered with a strict Content Security Policy (nothing
//! loads; the one inline stylesheet is allowed by its hash; forms post only to this
//! server), `Referrer-Policy: no-referrer` (the link's token must not leak to another
//! site), `Cache-Control: no-store` (nor stay in a shared cache), and no framing.
//! Times are shown in UTC and in each host's own zone, in English.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::store::{Account, Booking};

/// The pages' only style, inline (no request, no file to serve), allowed by its hash.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;\
padding:0 1rem;color:#1a1a1a;background:#fff}h1{font-size:1.5rem}\
.when{padding:.75rem 1rem;border-left:4px solid #2a6fdb;background:#f3f6fb}\
.note{color:#555}.error{padding:.75rem 1rem;border-left:4px solid #b3261e;background:#fbeeee}\
.done{padding:.75rem 1rem;border-left:4px solid #1e7b34;background:#edf7ef}\
fieldset{border:1px solid #ccc;margin:1rem 0}legend{font-weight:600}\
label{display:inline-block;margin:.25rem .75rem .25rem 0;white-space:nowrap}\
button{font:inherit;padding:.5rem 1rem;margin:.5rem 0}nav{display:flex;gap:1rem;margin:1rem 0}\
@media (prefers-color-scheme:dark){body{color:#eee;background:#121212}\
.when{background:#1c2533}.error{background:#3a1d1b}.done{background:#17301d}.note{color:#aaa}}";

/// The Content Security Policy of every page: nothing but the inline style above.
static POLICY: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
});

/// One page to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The HTTP status.
    pub status: StatusCode,
    /// The title, as text (escaped here).
    pub title: String,
    /// The body's markup (already escaped by whoever built it).
    pub body: String,
}

impl Page {
    /// A page with `status`, `title` (text) and `body` (markup).
    pub fn new(status: StatusCode, title: &str, body: String) -> Page {
        Page {
            status,
            title: title.to_owned(),
            body,
        }
    }

    /// A page that only says what went wrong (and, in `detail`, what the visitor can do).
    pub fn problem(status: StatusCode, title: &str, detail: &str) -> Page {
        Page::new(
            status,
            title,
            format!("<p class=\"error\">{}</p>", escape(detail)),
        )
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <meta name=\"robots\" content=\"noindex\">\
             <title>{title}</title><style>{STYLE}</style></head>\
             <body><main><h1>{title}</h1>{body}</main></body></html>\n",
            title = escape(&self.title),
            body = self.body,
        );
        let mut response = (self.status, html).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        if let Ok(policy) = HeaderValue::from_str(&POLICY) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        response
    }
}

/// A "see the page again" answer to a form (POST-redirect-GET): 303 to `location`,
/// relative to the form's own path, so a `--public-url` prefix is kept.
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// `text` safe inside HTML text and attribute values (double-quoted).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// `text` as one query-string value.
pub fn query_value(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A date in words, e.g. "Tuesday 21 April 2026".
pub fn day_text<Z: chrono::TimeZone>(at: &DateTime<Z>) -> String
where
    Z::Offset: std::fmt::Display,
{
    at.format("%A %-d %B %Y").to_string()
}

/// A span as a visitor reads it: the day and the times in UTC, then in each host's
/// zone that is not UTC (with the host's date when it differs), e.g. "Tuesday 21 April
/// 2026, 10:00–10:30 UTC (11:00–11:30 Europe/Berlin, alice@example.com)".
pub fn span_text(start: DateTime<Utc>, end: DateTime<Utc>, hosts: &[Account]) -> String {
    let mut text = format!(
        "{}, {}–{} UTC",
        day_text(&start),
        start.format("%H:%M"),
        end.format("%H:%M")
    );
    let mut zones: Vec<(Tz, Vec<&str>)> = Vec::new();
    for host in hosts.iter().filter(|host| host.time_zone != Tz::UTC) {
        match zones.iter_mut().find(|(zone, _)| *zone == host.time_zone) {
            Some((_, names)) => names.push(&host.email),
            None => zones.push((host.time_zone, vec![&host.email])),
        }
    }
    let local: Vec<String> = zones
        .iter()
        .map(|(zone, names)| {
            let (from, to) = (start.with_timezone(zone), end.with_timezone(zone));
            let date = if from.date_naive() == start.date_naive() {
                String::new()
            } else {
                format!("{} ", from.format("%a %-d %b"))
            };
            format!(
                "{date}{}–{} {}, {}",
                from.format("%H:%M"),
                to.format("%H:%M"),
                zone.name(),
                names.join(", ")
            )
        })
        .collect();
    if !local.is_empty() {
        text.push_str(&format!(" ({})", local.join("; ")));
    }
    text
}

/// The booking as the pages summarise it: when (UTC and the hosts' zones), with whom,
/// for whom.
pub fn summary(booking: &Booking, hosts: &[Account]) -> String {
    let names: Vec<&str> = hosts.iter().map(|host| host.email.as_str()).collect();
    format!(
        "<p class=\"when\"><strong>{}</strong><br>with {}<br>booked by {} ({})</p>",
        escape(&span_text(booking.terms.start, booking.terms.end, hosts)),
        escape(&names.join(", ")),
        escape(&booking.terms.booker_name),
        escape(&booking.terms.booker_email),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_stays_text() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn a_span_reads_in_utc_and_in_each_hosts_zone() {
        let host = |id, email: &str, zone| Account {
            id,
            email: email.into(),
            time_zone: zone,
        };
        let start: DateTime<Utc> = "2026-04-21T22:30:00Z".parse().unwrap();
        let end: DateTime<Utc> = "2026-04-21T23:00:00Z".parse().unwrap();
        let hosts = [
            host(1, "ann@example.com", Tz::UTC),
            host(2, "kai@example.com", chrono_tz::Asia::Tokyo),
            host(3, "lou@example.com", chrono_tz::Asia::Tokyo),
        ];
        assert_eq!(
            span_text(start, end, &hosts),
            "Tuesday 21 April 2026, 22:30–23:00 UTC \
             (Wed 22 Apr 07:30–08:00 Asia/Tokyo, kai@example.com, lou@example.com)"
        );
    }

    #[test]
    fn the_policy_allows_exactly_the_pages_style() {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
        assert!(POLICY.contains(&format!("style-src 'sha256-{hash}'")));
        assert!(POLICY.starts_with("default-src 'none';"));
        assert!(POLICY.contains("form-action 'self'"));
    }
}
