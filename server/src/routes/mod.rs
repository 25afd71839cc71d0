//! The HTTP handlers, one module per API: each reads the request, calls the domain
//! ([`crate::availability`], [`crate::booking`]) and shapes the answer. No route uses
//! another; `app::router` lists them.

pub mod bookings;
pub mod free_busy;
pub mod health;
pub mod invitation;
pub mod manage;
pub mod messages;
pub mod openapi;
pub mod rules;
pub mod sources;
pub mod widget;
pub mod zonio;

use axum::http::{Method, Uri};

use crate::error::ApiError;

/// Any path no route matches: 404 in the API's JSON error shape.
pub async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {method} {}", uri.path()))
}

/// A known path with a method it does not take: 405 in the JSON error shape.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
