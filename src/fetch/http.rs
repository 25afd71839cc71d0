//! HTTP as the widget makes it: one request type, one response type, and the [`Http`]
//! trait with the browser's fetch behind it ([`BrowserHttp`]) or a test double.

use std::future::Future;
use std::pin::Pin;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, RequestMode, Response};

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

/// A boxed future of whether a server answered at all.
pub type ReachFuture = Pin<Box<dyn Future<Output = bool>>>;

/// Where HTTP goes: the browser's fetch, or a test double.
pub trait Http {
    /// Sends `request`; `signal` aborts it.
    fn send(&self, request: HttpRequest, signal: Option<AbortSignal>) -> HttpFuture;

    /// Whether `url`'s server answers a request that reads nothing (`no-cors`): after a
    /// failed request, `true` means the server refused this page (CORS), not that it
    /// is unreachable. No by default.
    fn reaches(&self, _url: &str) -> ReachFuture {
        Box::pin(async { false })
    }
}

/// [`Http`] over the browser's `fetch`, through web-sys (a wrapper crate such as
/// gloo-net brought streams and `std::io` errors into the bundle for nothing).
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserHttp;

impl Http for BrowserHttp {
    fn send(&self, request: HttpRequest, signal: Option<AbortSignal>) -> HttpFuture {
        Box::pin(async move {
            let aborted = || signal.as_ref().is_some_and(AbortSignal::aborted);
            let failed = |error: JsValue| {
                if aborted() {
                    HttpError::Aborted
                } else {
                    HttpError::Network(network_message(&error))
                }
            };
            let init = RequestInit::new();
            init.set_method(request.method);
            init.set_signal(signal.as_ref());
            let headers = Headers::new().map_err(failed)?;
            if let Some(token) = &request.bearer {
                headers
                    .set("authorization", &format!("Bearer {token}"))
                    .map_err(failed)?;
            }
            if let Some(body) = &request.body {
                headers
                    .set("content-type", "application/json")
                    .map_err(failed)?;
                init.set_body(&JsValue::from_str(body));
            }
            init.set_headers(&headers);
            let response: Response = fetch(&request.url, &init)
                .await
                .map_err(failed)?
                .unchecked_into();
            let status = response.status();
            let retry_after = response.headers().get("retry-after").ok().flatten();
            let body = JsFuture::from(response.text().map_err(failed)?)
                .await
                .map_err(failed)?
                .as_string()
                .unwrap_or_default();
            Ok(HttpResponse {
                status,
                retry_after,
                body,
            })
        })
    }

    fn reaches(&self, url: &str) -> ReachFuture {
        let init = RequestInit::new();
        init.set_mode(RequestMode::NoCors);
        let url = url.to_owned();
        Box::pin(async move { fetch(&url, &init).await.is_ok() })
    }
}

/// `fetch(url, init)` on the window.
async fn fetch(url: &str, init: &RequestInit) -> Result<JsValue, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    JsFuture::from(window.fetch_with_str_and_init(url, init)).await
}

/// The browser's message for a failed fetch (a `TypeError`'s `message`).
fn network_message(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .unwrap_or_else(|| "the request failed".into())
}
