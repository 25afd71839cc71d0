//! HTTP as the widget makes it: one request type, one response type, and the [`Http`]
//! trait with the browser's fetch behind it ([`GlooHttp`]) or a test double.

use std::future::Future;
use std::pin::Pin;

use web_sys::AbortSignal;

/// One HTTP request as the widget makes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// A bearer token for the `Authorization` header.
    pub bearer: Option<String>,
    /// A JSON body (sent with `content-type: application/json`).
    pub body: Option<String>,
}

/// What came back: the status, the `Retry-After` header and the body text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, when the server exposed one.
    pub retry_after: Option<String>,
    /// The body, as text.
    pub body: String,
}

/// Why no response came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// The request was aborted (the user left the week).
    Aborted,
    /// The network failed (offline, DNS, CORS refused, connection reset).
    Network(String),
}

/// A boxed future, as [`Http`] returns (the browser is single-threaded: no `Send`).
pub type HttpFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>>>>;

/// Where HTTP goes: the browser's fetch, or a test double.
pub trait Http {
    /// Sends `request`; `signal` aborts it.
    fn send(&self, request: HttpRequest, signal: Option<AbortSignal>) -> HttpFuture;
}

/// [`Http`] over the browser's fetch, through gloo-net.
#[derive(Clone, Copy, Debug, Default)]
pub struct GlooHttp;

impl Http for GlooHttp {
    fn send(&self, request: HttpRequest, signal: Option<AbortSignal>) -> HttpFuture {
        Box::pin(async move {
            use gloo_net::http::RequestBuilder;
            let mut builder = RequestBuilder::new(&request.url)
                .method(if request.method == "POST" {
                    gloo_net::http::Method::POST
                } else {
                    gloo_net::http::Method::GET
                })
                .abort_signal(signal.as_ref());
            if let Some(token) = &request.bearer {
                builder = builder.header("authorization", &format!("Bearer {token}"));
            }
            let sent = match request.body {
                Some(body) => match builder
                    .header("content-type", "application/json")
                    .body(body)
                {
                    Ok(request) => request.send().await,
                    Err(error) => Err(error),
                },
                None => builder.send().await,
            };
            let aborted = || signal.as_ref().is_some_and(AbortSignal::aborted);
            let response = sent.map_err(|error| {
                if aborted() {
                    HttpError::Aborted
                } else {
                    HttpError::Network(network_message(&error))
                }
            })?;
            let status = response.status();
            let retry_after = response.headers().get("retry-after");
            let body = response.text().await.map_err(|error| {
                if aborted() {
                    HttpError::Aborted
                } else {
                    HttpError::Network(network_message(&error))
                }
            })?;
            Ok(HttpResponse {
                status,
                retry_after,
                body,
            })
        })
    }
}

/// The browser's message for a failed fetch. Not `to_string()`: gloo's error type can
/// also hold serde_json errors, whose formatting would cost the bundle for nothing.
fn network_message(error: &gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(error) => error.message.clone(),
        _ => "the request failed".into(),
    }
}
