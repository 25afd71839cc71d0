//! The application: the route table, serving it, and opening the store it runs on.
//!
//! [`router`] is what both the binary and the tests run, so the tests exercise the same
//! routes and layers as production. Only `main.rs` and the tests use this module: it
//! is where the rooms are put together.

use std::future::Future;

use axum::Router;
use axum::routing::{delete, get, post};
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::demo;
use crate::layers;
use crate::listener::{self, ConnectionLimits};
use crate::routes;
use crate::seed::{Seed, SeedError};
use crate::state::AppState;
use crate::store::Store;

/// Opens (or creates) the database of `--db`, then upserts `--seed` and, with
/// `--demo`, the demo week containing `now`; logs what each changed.
///
/// # Errors
///
/// The store's or the seed's error, naming the file or the offending entry.
pub async fn open_store(config: &Config, now: DateTime<Utc>) -> Result<Store, SeedError> {
    let store = Store::open(&config.db).await?;
    if let Some(path) = &config.seed {
        let report = Seed::read(path)?.load_into(&store, now).await?;
        tracing::info!(seed = %path.display(), ?report, "seed loaded");
    }
    if config.demo {
        let report = demo::week_seed(now.date_naive())
            .load_into(&store, now)
            .await?;
        tracing::info!(?report, "demo week loaded");
    }
    Ok(store)
}

/// Every route as `(method, path)`, in the router's path syntax: the list the OpenAPI
/// document is checked against (a test keeps the two and [`router`] in step).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
    ("GET", "/{email}"),
    ("GET", "/v1/free_busy"),
    ("GET", "/v1/free_busy/pages/{cursor}"),
    ("POST", "/v1/bookings"),
    ("DELETE", "/v1/bookings/{id}"),
];

/// The whole HTTP application: every route, and the layers around them.
pub fn router(state: AppState, config: &Config) -> Router {
    let routes = Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/openapi.json", get(routes::openapi::document))
        // Static paths win over this capture, so `/healthz` stays the health check.
        .route("/{email}", get(routes::zonio::availability))
        .route("/v1/free_busy", get(routes::free_busy::first_page))
        .route(
            "/v1/free_busy/pages/{cursor}",
            get(routes::free_busy::later_page),
        )
        .route("/v1/bookings", post(routes::bookings::create))
        .route("/v1/bookings/{id}", delete(routes::bookings::cancel))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .with_state(state);
    layers::around(routes, config)
}

/// Serves `app` on `listener` within `limits` (see [`crate::listener`]) until
/// `shutdown` completes, then finishes the requests in flight.
///
/// Every request carries its peer's address, which the rate limiter keys on.
///
/// # Errors
///
/// Fails only if the listener's address cannot be read.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener::serve(listener, app, limits, shutdown).await
}
