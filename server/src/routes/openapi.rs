//! `GET /openapi.json`: the OpenAPI 3.1 document of every route.
//!
//! Kept by hand in `server/openapi.json` (it documents choices, not just types); the
//! `openapi` test checks that its paths and methods are exactly [`crate::app::ROUTES`]
//! and that each of those answers over HTTP.

use axum::http::header;
use axum::response::IntoResponse;

/// The document, as served.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

/// Serves [`DOCUMENT`] as JSON.
pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
