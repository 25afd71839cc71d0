//! JSON request bodies, read strictly, every refusal in the API's error shape.
//!
//! Routes take [`JsonBody<T>`] instead of `axum::Json<T>`: 415 unless the body is
//! declared `Content-Type: application/json` (with no parameter but `charset=utf-8`:
//! JSON is UTF-8, RFC 8259, and `+json` types are other formats this API does not
//! take); 413 past the body limit; 400 `invalid_json` for malformed JSON and
//! `invalid_body` for JSON of the wrong shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::ApiError;

/// A JSON request body of type `T`; rejections become [`ApiError`]s.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        // `Bytes` honours the body limit layer.
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest(rejection.body_text())
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|error| match error.classify() {
                Category::Data => ApiError::InvalidBody(error.to_string()),
                Category::Syntax | Category::Eof | Category::Io => {
                    ApiError::InvalidJson(error.to_string())
                }
            })
    }
}

/// Whether the headers declare exactly `application/json`, perhaps with
/// `charset=utf-8` (any case, quoted or not), and no other parameter.
pub fn is_json(headers: &HeaderMap) -> bool {
    let Some(mime) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<mime::Mime>().ok())
    else {
        return false;
    };
    mime.type_() == mime::APPLICATION
        && mime.subtype() == mime::JSON
        && mime.suffix().is_none()
        && mime.params().all(|(name, value)| {
            name == mime::CHARSET && value.as_str().eq_ignore_ascii_case("utf-8")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn declared(content_type: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        is_json(&headers)
    }

    // Pins which Content-Types are JSON: application/json, charset UTF-8 at most.
    #[test]
    fn only_application_json_in_utf8_is_json() {
        for accepted in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/json; charset=\"utf-8\"",
        ] {
            assert!(declared(accepted), "{accepted}");
        }
        for refused in [
            "application/json+evil",
            "application/vnd.api+json",
            "application/json; charset=utf-16",
            "application/json; charset=latin1",
            "application/json; boundary=x",
            "text/json",
            "text/plain",
            "application/jsonx",
            "",
        ] {
            assert!(!declared(refused), "{refused}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }
}
