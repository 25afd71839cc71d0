//! Path parameters (`/{email}`, `/v1/bookings/{id}`, `/v1/free_busy/pages/{cursor}`),
//! with axum's rejections mapped into [`ApiError`], so that a path that does not decode
//! (e.g. `%ff`, not UTF-8) answers 400 in the API's error shape, not in plain text.

use axum::extract::FromRequestParts;
use axum::extract::rejection::PathRejection;

use crate::error::ApiError;

/// A percent-decoded path parameter; rejections become [`ApiError`]s.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Segment<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        match rejection {
            PathRejection::FailedToDeserializePathParams(error) => {
                ApiError::BadRequest(format!("the path does not decode: {}", error.body_text()))
            }
            // The route table names a parameter its handler does not take: a bug.
            other => ApiError::Internal(other.body_text()),
        }
    }
}
