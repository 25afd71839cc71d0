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
use crate::reload;
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
    let store = Store::open_with(&config.db, config.store_options()).await?;
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

/// Starts the sources: applies `--seed` as the whole config (its sources configured,
/// sources it no longer names stopped; without `--seed`, every source stops), then runs
/// their sync and the outbox's delivery loop, and watches the file
/// (SIGHUP, changes) to apply it again. All run in the background for as long as the
/// server's state lives (they stop once every handle on it is dropped).
///
/// # Errors
///
/// The seed's error at start-up, naming the entry; nothing runs then.
pub async fn start_sources(state: &AppState, config: &Config) -> Result<(), SeedError> {
    if let Some(path) = &config.seed {
        let webhooks = state.outbox().webhooks();
        let applied =
            reload::apply(path, state.store(), state.sources(), webhooks, Utc::now()).await?;
        tracing::info!(seed = %path.display(), sources = applied.sources, "sources configured");
        reload::watch(path.clone(), state.sources(), webhooks);
    } else {
        // No config file, so no source: ones a former config left in the database stop
        // (rather than serve their last snapshot forever).
        let retired = state
            .store()
            .retire_sources_except(Vec::new(), Utc::now())
            .await?;
        if retired > 0 {
            tracing::info!(retired, "no --seed: sources of an earlier config stopped");
        }
    }
    state.sources().run();
    state.outbox().run();
    Ok(())
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
    ("PATCH", "/v1/bookings/{id}"),
    ("DELETE", "/v1/bookings/{id}"),
    ("GET", "/v1/rules/{email}"),
    ("GET", "/v1/bookings/{id}/invitation.ics"),
    ("GET", "/v1/messages/{language}"),
    ("GET", "/v1/sources"),
    ("GET", "/widget/{file}"),
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
        .route(
            "/v1/bookings/{id}",
            delete(routes::bookings::cancel).patch(routes::bookings::change),
        )
        .route(
            "/v1/bookings/{id}/invitation.ics",
            get(routes::invitation::download),
        )
        .route("/v1/rules/{email}", get(routes::rules::of_host))
        .route("/v1/messages/{language}", get(routes::messages::catalogue))
        .route("/v1/sources", get(routes::sources::status))
        // The visitor's pages (HTML, for people; not in the OpenAPI document).
        .route(
            "/bookings/{id}/cancel",
            get(routes::manage::cancel_page).post(routes::manage::cancel_form),
        )
        .route(
            "/bookings/{id}/reschedule",
            get(routes::manage::reschedule_page).post(routes::manage::reschedule_form),
        )
        .route(
            "/widget/{file}",
            get(routes::widget::file).with_state(config.widget_dir.clone()),
        )
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
