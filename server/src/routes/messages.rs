//! `GET /v1/messages/{language}`: the widget's texts in one language, as a JSON object
//! of key and text (the keys of the widget's `messages` option).
//!
//! The widget compiles only English; a visitor in another language gets it from here,
//! from the server the widget already reads (so embedders add no `connect-src`). Public
//! and the same for everyone (it reveals nothing): cached for a day, with an ETag that
//! changes with the texts, and `If-None-Match` gets a 304. CORS as for every route.

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode, header};
use axum::response::IntoResponse;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::segment::Segment;

/// How long browsers and caches may keep a catalogue without asking again.
pub const CACHE_CONTROL: &str = "public, max-age=86400";

/// The catalogue of `language` (`de`, `fr`, `es`, `ja`, `ar`, and `en`).
///
/// # Errors
///
/// 400 for a path that does not decode, 404 for a language without a catalogue.
pub async fn catalogue(
    Segment(language): Segment<String>,
    headers: HeaderMap,
) -> Result<Response<Body>, ApiError> {
    let body = freebusy_messages::catalogue_json(&language).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no catalogue for the language {language:?}; these have one: en, {}",
            freebusy_messages::TRANSLATED.join(", ")
        ))
    })?;
    let digest = Sha256::digest(body.as_bytes());
    let etag: String = digest
        .iter()
        .take(12)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let etag = format!("\"{etag}\"");
    let fresh = crate::conditional::not_modified(&headers, &etag);
    let (status, body) = if fresh {
        (StatusCode::NOT_MODIFIED, Body::empty())
    } else {
        (StatusCode::OK, Body::from(body))
    };
    let response = (
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CACHE_CONTROL, CACHE_CONTROL.to_owned()),
            (header::ETAG, etag),
        ],
        body,
    );
    Ok(response.into_response())
}
