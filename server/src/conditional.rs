//! Conditional GETs: whether a request's `If-None-Match` names the current ETag, so that
//! it is answered 304 with no body. Used by the public, cacheable routes (the widget's
//! files, the message catalogues).

use axum::http::{HeaderMap, header};

/// Whether any `If-None-Match` header of `headers` is `*` or lists `etag` (weak or
/// strong: a GET compares weakly).
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == etag
        })
}
