//! `GET /widget/{file}`: the widget's files (see [`crate::widget`]), when the server was
//! started with `--widget-dir`.
//!
//! Any page may load them (`Access-Control-Allow-Origin: *`: a module script and its
//! wasm are fetched in CORS mode, and they are public), with the encoding, caching and
//! ETag the file module chose; `If-None-Match` gets a 304. `Timing-Allow-Origin: *` lets
//! the page measure them (transfer sizes, phases) with Resource Timing.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;

use crate::error::ApiError;
use crate::widget::WidgetFiles;

/// Serves the file `name` of the widget directory.
pub async fn file(
    State(files): State<Option<WidgetFiles>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    let Some(file) = files.as_ref().and_then(|files| files.get(&name)) else {
        let why = if files.is_some() {
            format!("the widget has no file named {name:?}")
        } else {
            "this server does not serve the widget (start it with --widget-dir)".to_owned()
        };
        return ApiError::NotFound(why).into_response();
    };
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok());
    let (body, encoding, etag) = file.negotiate(accept);
    let cache = if file.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    let fresh = crate::conditional::not_modified(&headers, &etag);
    let mut response = Response::builder()
        .status(if fresh {
            StatusCode::NOT_MODIFIED
        } else {
            StatusCode::OK
        })
        .header(header::CONTENT_TYPE, file.content_type)
        .header(header::CACHE_CONTROL, cache)
        .header(header::ETAG, &etag)
        .header(header::VARY, "accept-encoding")
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header("cross-origin-resource-policy", "cross-origin")
        // Lets the embedding page's Resource Timing see sizes and phases (public files).
        .header("timing-allow-origin", "*")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if let Some(coding) = encoding.header() {
        response = response.header(header::CONTENT_ENCODING, coding);
    }
    let body = if fresh {
        Body::empty()
    } else {
        Body::from(body)
    };
    response.body(body).unwrap_or_else(|_| {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        response
    })
}
