//! The ICS feed connector: one iCalendar document at a URL or in a file, read with a
//! conditional request (`If-None-Match`, `If-Modified-Since`) so an unchanged feed costs
//! a 304. Servers that ignore those and answer 200 anyway are caught later, by the body's
//! digest ([`super::sync`]).

use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use tokio::io::AsyncReadExt;

use super::spec::{Location, SourceSpec};
use super::{Cursor, FetchError, Fetched, Resource, http};

/// The href of a feed's one object: the URL itself is a secret and is not stored.
pub const FEED_HREF: &str = "feed.ics";

/// Reads the feed of `spec`, conditionally on `cursor`.
///
/// # Errors
///
/// A [`FetchError`] for every way the read can fail: timeout, too large, an HTTP error
/// status (with `Retry-After`), refused credentials, not found, redirects, transport.
pub async fn fetch(
    client: &reqwest::Client,
    spec: &SourceSpec,
    cursor: &Cursor,
) -> Result<Fetched, FetchError> {
    match &spec.location {
        Location::File(path) => read_file(path, spec.max_bytes).await,
        Location::Http(url) => {
            let mut request = client.get(url.expose().clone()).timeout(spec.timeout);
            if let Some(etag) = &cursor.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(modified) = &cursor.last_modified {
                request = request.header(IF_MODIFIED_SINCE, modified);
            }
            let request = http::authorize(request, spec.credentials.as_ref());
            let response = request
                .send()
                .await
                .map_err(|e| http::classify(&e, spec.timeout))?;
            answer(response, spec.max_bytes, spec.timeout, cursor).await
        }
    }
}

async fn answer(
    response: reqwest::Response,
    limit: u64,
    timeout: Duration,
    cursor: &Cursor,
) -> Result<Fetched, FetchError> {
    let status = response.status();
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|value: &reqwest::header::HeaderValue| value.to_str().ok())
            .map(str::to_owned)
    };
    match status {
        StatusCode::NOT_MODIFIED => Ok(Fetched::NotModified {
            cursor: cursor.clone(),
        }),
        status if status.is_success() => {
            let next = Cursor {
                etag: header(ETAG),
                last_modified: header(LAST_MODIFIED),
                ..Cursor::default()
            };
            let body = http::body(response, limit, timeout).await?;
            Ok(Fetched::Full {
                resources: vec![Resource {
                    href: FEED_HREF.into(),
                    etag: next.etag.clone(),
                    body,
                }],
                cursor: next,
            })
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Err(FetchError::Unauthorized(status.as_u16()))
        }
        StatusCode::NOT_FOUND | StatusCode::GONE => Err(FetchError::NotFound(status.as_u16())),
        status => Err(FetchError::Status {
            code: status.as_u16(),
            retry_after: http::retry_after(response.headers(), Utc::now()),
        }),
    }
}

async fn read_file(path: &std::path::Path, limit: u64) -> Result<Fetched, FetchError> {
    let io =
        |e: std::io::Error| FetchError::Transport(format!("cannot read the file ({})", e.kind()));
    let file = tokio::fs::File::open(path).await.map_err(io)?;
    let mut body = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut body)
        .await
        .map_err(io)?;
    if body.len() as u64 > limit {
        return Err(FetchError::TooLarge { limit });
    }
    Ok(Fetched::Full {
        resources: vec![Resource {
            href: FEED_HREF.into(),
            etag: None,
            body,
        }],
        cursor: Cursor::default(),
    })
}
