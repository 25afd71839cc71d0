//! The cross-cutting concerns, as tower layers around every route: tracing, CORS, rate
//! limiting, the `Host` check, the request timeout, the body limit and panics.
//!
//! From the outside in, a request meets: the trace span (so every request, even a
//! refused one, is logged once), CORS (so browsers can read even a 429 and its
//! `Retry-After`; preflights are answered here and never count against the rate), the
//! rate limiter (cheap refusals before any work), the `Host` check (RFC 9112 §3.2), the
//! declared body length (413 at once, before waiting for a body it would refuse), the
//! timeout, a handler's panic turned into a 500 in the error shape, and the body limit
//! for bodies that do not declare their length. Every refusal is in the one error
//! shape ([`ApiError`]). Limits on connections themselves are the listener's
//! ([`crate::listener`]).

use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::uri::Authority;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, Version, header};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use governor::middleware::NoOpMiddleware;
use tower::{BoxError, ServiceBuilder};
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::PeerIpKeyExtractor;
use tower_governor::{GovernorError, governor::GovernorConfig};
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::Config;
use crate::error::ApiError;

/// An idempotency-key header, allowed in preflights for clients that send one; the
/// booking route itself reads the key from the body (`idempotency_key`) and ignores it.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// Wraps `routes` in every layer, configured from `config`.
pub fn around(routes: Router, config: &Config) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<Body>| {
            // The path only: query strings may carry emails and tokens.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        })
        .on_request(())
        // One line per request, when the response is ready; 5xx are in it too, so the
        // separate failure line would only repeat it.
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(LatencyUnit::Millis),
        )
        .on_failure(());
    routes
        .layer(DefaultBodyLimit::max(config.body_limit()))
        .layer(
            ServiceBuilder::new()
                .layer(trace)
                .layer(cors(&config.allow_origins))
                .layer(rate_limit(config))
                .layer(middleware::from_fn(one_valid_host))
                .layer(middleware::from_fn_with_state(
                    config.max_body_bytes,
                    declared_length_within,
                ))
                .layer(HandleErrorLayer::new(timeout_error))
                .timeout(config.request_timeout())
                .layer(CatchPanicLayer::custom(panic_error)),
        )
}

/// 400 for a request with more than one `Host`, a `Host` that is not `host[:port]`, or,
/// in HTTP/1.1, none (RFC 9112 §3.2). The server never builds a URL from it (links use
/// `--public-url`), but a request without a clear target is refused, as the RFC says.
async fn one_valid_host(request: Request<Body>, next: Next) -> Response<Body> {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let problem = match (hosts.next(), hosts.next()) {
        (Some(_), Some(_)) => Some("more than one Host header"),
        (None, _) if request.version() == Version::HTTP_11 => {
            Some("an HTTP/1.1 request needs a Host header (RFC 9112, section 3.2)")
        }
        (Some(host), None) if !is_valid_host(host) => {
            Some("the Host header is not host[:port] (RFC 9112, section 3.2)")
        }
        _ => None,
    };
    match problem {
        Some(problem) => ApiError::BadRequest(problem.into()).into_response(),
        None => next.run(request).await,
    }
}

/// `uri-host [":" port]`: empty (allowed by the grammar), or an authority without user
/// information whose port, if any, is a number up to 65535.
fn is_valid_host(value: &HeaderValue) -> bool {
    let Ok(text) = value.to_str() else {
        return false;
    };
    if text.is_empty() {
        return true;
    }
    let Ok(authority) = text.parse::<Authority>() else {
        return false;
    };
    let port_ok = match text.rsplit_once(':') {
        // An IPv6 literal's colons are inside the brackets.
        Some((_, port)) if !port.ends_with(']') => authority.port_u16().is_some(),
        _ => true,
    };
    !text.contains('@') && port_ok
}

/// 413 at once for a `Content-Length` past `--max-body-bytes`, instead of reading (or
/// waiting for) a body that will be refused anyway.
async fn declared_length_within(
    State(limit): State<u64>,
    request: Request<Body>,
    next: Next,
) -> Response<Body> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return ApiError::PayloadTooLarge.into_response();
    }
    next.run(request).await
}

/// A handler's panic: 500 in the error shape (the panic itself goes to the log).
fn panic_error(panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a handler panicked".to_owned());
    ApiError::Internal(format!("panic: {detail}")).into_response()
}

/// CORS grants for exactly `origins`; any other origin gets no CORS headers.
pub fn cors(origins: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, IDEMPOTENCY_KEY])
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

/// A per-client-IP token bucket: `--rate-per-second` on average, `--rate-burst` at once.
pub fn rate_limit(config: &Config) -> GovernorLayer<PeerIpKeyExtractor, NoOpMiddleware, Body> {
    let period = Duration::from_nanos(1_000_000_000 / u64::from(config.rate_per_second));
    let governor = GovernorConfigBuilder::default()
        .period(period.max(Duration::from_nanos(1)))
        .burst_size(config.rate_burst)
        .finish()
        .expect("rate and burst are at least 1, as the flags enforce");
    let governor = Arc::new(governor);
    forget_idle_clients(Arc::downgrade(&governor));
    GovernorLayer::new(governor).error_handler(rate_limit_error)
}

/// The limiter remembers every client IP; drop the ones whose bucket is full again, so
/// memory follows the active clients. Stops when the router is dropped.
fn forget_idle_clients(governor: Weak<GovernorConfig<PeerIpKeyExtractor, NoOpMiddleware>>) {
    // Outside a runtime (e.g. a router built in a sync test) there is nothing to sweep.
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(60));
        loop {
            ticks.tick().await;
            let Some(governor) = governor.upgrade() else {
                return;
            };
            governor.limiter().retain_recent();
        }
    });
}

fn rate_limit_error(error: GovernorError) -> Response<Body> {
    match error {
        // The governor rounds the wait down to whole seconds; round up instead, so a
        // client that waits exactly `Retry-After` is let in.
        GovernorError::TooManyRequests { wait_time, .. } => ApiError::TooManyRequests {
            retry_after_secs: wait_time + 1,
        }
        .into_response(),
        GovernorError::UnableToExtractKey => ApiError::Internal(
            "rate limiter found no peer address: serve with connect info (app::serve)".into(),
        )
        .into_response(),
        GovernorError::Other { code, msg, .. } => {
            ApiError::Internal(format!("rate limiter: {code} {}", msg.unwrap_or_default()))
                .into_response()
        }
    }
}

async fn timeout_error(error: BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::Timeout("the request took too long".into())
    } else {
        ApiError::Internal(format!("unhandled layer error: {error}"))
    }
}
