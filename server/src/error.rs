//! The one error type of the HTTP API, and the one JSON shape every error has.
//!
//! Every error answers
//!
//! ```json
//! {"error": {"code": "not_found", "message": "no route for GET /nope"}}
//! ```
//!
//! with a stable, machine-readable `code` and a human `message`, except
//! [`ApiError::Unprocessable`]: the Cronofy-style API documents its own 422 body,
//! `{"errors": {"tzid": [{"key": "errors.required", "description": "required"}]}}`,
//! and clients of that API parse exactly that.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::store::StoreError;

/// Every way a request can fail, each with its status and `code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `invalid_json`: the body is not JSON.
    #[error("request body is not valid JSON: {0}")]
    InvalidJson(String),
    /// 400 `invalid_body`: JSON, but not of the shape the route takes.
    #[error("request body does not match what this route takes: {0}")]
    InvalidBody(String),
    /// 400 `bad_request`: a parameter is wrong (for our own routes).
    #[error("{0}")]
    BadRequest(String),
    /// 401 `unauthorized`: no or an unknown bearer token.
    #[error("missing or unknown bearer token")]
    Unauthorized,
    /// 403 `forbidden`: a known token without the scope the route needs.
    #[error("this token does not grant the {0} scope")]
    Forbidden(&'static str),
    /// 404 `not_found`: no such route or resource.
    #[error("{0}")]
    NotFound(String),
    /// 405 `method_not_allowed`.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// 409 `conflict`: e.g. the slot was taken meanwhile.
    #[error("{0}")]
    Conflict(String),
    /// 409 `conflict` for a booking: some hosts are not free, each with the strongest
    /// status in the way (`busy`, `unknown` or `tentative`).
    #[error("{message}")]
    SlotTaken {
        /// For people.
        message: String,
        /// `(host address, status)` for each host who is not free.
        blockers: Vec<(String, &'static str)>,
    },
    /// 409 `conflict` for a booking the hosts' rules refuse because of what is booked
    /// or busy around it: `reason` is `day_full` or `within_buffer`, `host` the host's
    /// address.
    #[error("{message}")]
    RuleConflict {
        /// For people.
        message: String,
        /// The engine's reason code ([`freebusy_core::rule::Reason::code`]).
        reason: &'static str,
        /// The host whose rule refused.
        host: String,
    },
    /// 413 `payload_too_large`: the body exceeds `--max-body-bytes`.
    #[error("request body is too large")]
    PayloadTooLarge,
    /// 415 `unsupported_media_type`: a body that is not `application/json`.
    #[error("expected a request with Content-Type: application/json")]
    UnsupportedMediaType,
    /// 422 in the Cronofy-style shape `{"errors": {param: [{key, description}]}}`.
    #[error("invalid parameters: {}", .0.keys().cloned().collect::<Vec<_>>().join(", "))]
    Unprocessable(ParamErrors),
    /// 429 `too_many_requests`, with `Retry-After` in seconds.
    #[error("too many requests; retry after {retry_after_secs}s")]
    TooManyRequests {
        /// Seconds until a request from this client will be accepted again.
        retry_after_secs: u64,
    },
    /// 503 `timeout`: the request took longer than the server allows.
    #[error("{0}")]
    Timeout(String),
    /// 503 `unavailable`: a dependency (the database) does not answer.
    #[error("{0}")]
    Unavailable(String),
    /// 500 `internal`: a bug or an unexpected failure; details go to the log only.
    #[error("internal error")]
    Internal(String),
}

/// The Cronofy-style 422 errors: parameter name to its problems.
pub type ParamErrors = BTreeMap<String, Vec<ParamError>>;

/// One problem with one parameter, in the Cronofy-style 422 body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParamError {
    /// For programs, e.g. `errors.required`.
    pub key: String,
    /// For people, e.g. `required`.
    pub description: String,
}

impl ParamError {
    /// A problem, e.g. `ParamError::new("errors.required", "required")`.
    pub fn new(key: &str, description: &str) -> ParamError {
        ParamError {
            key: key.to_owned(),
            description: description.to_owned(),
        }
    }
}

/// Collects every problem of a request's parameters (or body fields), so that one 422
/// names all of them, and builds the checked value only when there are none.
///
/// Each field is read through [`ParamCheck::take`], which records its problem and
/// leaves `None`; the checked value is then built from the `Some`s with `?` and handed
/// to [`ParamCheck::finish`].
#[derive(Debug, Default)]
pub struct ParamCheck {
    errors: ParamErrors,
}

impl ParamCheck {
    /// Nothing wrong yet.
    pub fn new() -> ParamCheck {
        ParamCheck::default()
    }

    /// Records a problem with `name`.
    pub fn fail(&mut self, name: &str, key: &str, description: &str) {
        self.errors
            .entry(name.to_owned())
            .or_default()
            .push(ParamError::new(key, description));
    }

    /// The value of a check of `name`; `None`, with the problem recorded, if it failed.
    pub fn take<T>(&mut self, name: &str, checked: Result<T, ParamError>) -> Option<T> {
        match checked {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.entry(name.to_owned()).or_default().push(error);
                None
            }
        }
    }

    /// `value` if no problem was recorded; otherwise the 422 naming every problem.
    ///
    /// # Errors
    ///
    /// [`ApiError::Unprocessable`] with what was recorded.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ApiError> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(ApiError::Unprocessable(self.errors)),
        }
    }
}

impl ApiError {
    /// A 422 for one parameter, e.g. `ApiError::param("tzid", "errors.required", "required")`.
    pub fn param(name: &str, key: &str, description: &str) -> ApiError {
        let mut check = ParamCheck::new();
        check.fail(name, key, description);
        ApiError::Unprocessable(check.errors)
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidJson(_) | ApiError::InvalidBody(_) | ApiError::BadRequest(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::SlotTaken { .. } | ApiError::RuleConflict { .. } => {
                StatusCode::CONFLICT
            }
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Timeout(_) | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable `code` of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::InvalidBody(_) => "invalid_body",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) | ApiError::SlotTaken { .. } | ApiError::RuleConflict { .. } => {
                "conflict"
            }
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Timeout(_) => "timeout",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::Unprocessable(errors) => json!({ "errors": errors }),
            ApiError::SlotTaken { message, blockers } => {
                let blockers: Vec<_> = blockers
                    .iter()
                    .map(|(host, status)| json!({ "host": host, "status": status }))
                    .collect();
                json!({ "error": { "code": self.code(), "message": message, "blockers": blockers } })
            }
            ApiError::RuleConflict {
                message,
                reason,
                host,
            } => json!({ "error": {
                "code": self.code(), "message": message, "reason": reason, "host": host
            } }),
            ApiError::Internal(detail) => {
                // The client learns only that it failed; the operator gets the cause.
                tracing::error!(%detail, "internal error");
                json!({ "error": { "code": self.code(), "message": self.to_string() } })
            }
            _ => json!({ "error": { "code": self.code(), "message": self.to_string() } }),
        };
        let mut response = (status, Json(body)).into_response();
        match &self {
            ApiError::TooManyRequests { retry_after_secs } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            ApiError::Unauthorized => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    /// A database that is away or overloaded is a 503 (the client may retry); anything
    /// else the store reports is a 500.
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            // The cause (host names, the driver's words) is for the operator.
            tracing::warn!(%error, "database unavailable");
            ApiError::Unavailable("the database does not answer; try again shortly".into())
        } else {
            ApiError::Internal(error.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn body_of(error: ApiError) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let response = error.into_response();
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap();
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    // Pins the one shape of ordinary errors: {"error": {"code", "message"}}.
    #[tokio::test]
    async fn ordinary_errors_have_code_and_message() {
        let (status, _, body) = body_of(ApiError::NotFound("no such thing".into())).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            json!({"error": {"code": "not_found", "message": "no such thing"}})
        );
    }

    // Pins the Cronofy-style 422 body, exactly as its documentation shows it.
    #[tokio::test]
    async fn unprocessable_uses_the_cronofy_errors_shape() {
        let (status, _, body) =
            body_of(ApiError::param("tzid", "errors.required", "required")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            json!({"errors": {"tzid": [{"key": "errors.required", "description": "required"}]}})
        );
    }

    // Pins that internal details stay in the log, not in the response.
    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let (status, _, body) = body_of(ApiError::Internal("disk on fire at /var/db".into())).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("disk"), "{body}");
    }

    // Pins the headers some errors carry: Retry-After on 429, a Bearer challenge on 401.
    #[tokio::test]
    async fn rate_limit_and_auth_errors_carry_their_headers() {
        let (_, headers, _) = body_of(ApiError::TooManyRequests {
            retry_after_secs: 3,
        })
        .await;
        assert_eq!(headers[header::RETRY_AFTER], "3");
        let (status, headers, _) = body_of(ApiError::Unauthorized).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    }
}
