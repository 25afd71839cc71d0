//! The application: shared state, the route table, and serving it.
//!
//! [`router`] is what both the binary and the tests run, so the tests exercise the same
//! routes and layers as production.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::routing::{delete, get, post};
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;

use crate::config::{Config, TokenGrant};
use crate::demo;
use crate::error::ApiError;
use crate::layers;
use crate::routes;
use crate::seed::{Seed, SeedError};
use crate::store::Store;

/// What the booking route will enforce, from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingPolicy {
    /// The longest booking accepted, in minutes.
    pub max_minutes: u32,
    /// Whether a booking may cover time the host holds only tentatively.
    pub allow_over_tentative: bool,
}

/// State shared by every handler: the store and the settings handlers need.
///
/// # Why one connection behind a mutex
///
/// SQLite allows one writer at a time anyway, and a booking must check-and-insert
/// atomically; one connection serialises that for free and keeps the prepared statement
/// cache warm. The work runs in `spawn_blocking`, because with `synchronous=FULL` a
/// commit waits for the disk and must not stall the async workers. Should reads ever
/// queue behind each other, WAL allows a pool of read connections beside this one.
#[derive(Clone)]
pub struct AppState {
    store: Arc<Mutex<Store>>,
    tokens: Arc<HashMap<String, TokenGrant>>,
    freebusy_deadline: Duration,
    booking: BookingPolicy,
}

impl AppState {
    /// State over an opened store, with the handler settings taken from `config`.
    pub fn new(store: Store, config: &Config) -> AppState {
        let tokens = config
            .tokens
            .iter()
            .map(|grant| (grant.token.clone(), grant.clone()))
            .collect();
        AppState {
            store: Arc::new(Mutex::new(store)),
            tokens: Arc::new(tokens),
            freebusy_deadline: config.freebusy_deadline(),
            booking: BookingPolicy {
                max_minutes: config.max_booking_minutes,
                allow_over_tentative: config.allow_booking_over_tentative,
            },
        }
    }

    /// Runs `work` on the store on a blocking thread and returns its result.
    ///
    /// # Errors
    ///
    /// [`ApiError::Internal`] if `work` panicked; errors of `work` itself are in `T`,
    /// for the caller to map (the health check and a booking map them differently).
    pub async fn with_store<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Store) -> T + Send + 'static,
        T: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            // A panic mid-call poisons the mutex, but SQLite rolled the transaction
            // back when it unwound, so the connection is still sound to use.
            let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut store)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("store task failed: {e}")))
    }

    /// The grant of a bearer token, if the token is known.
    pub fn token(&self, token: &str) -> Option<&TokenGrant> {
        self.tokens.get(token)
    }

    /// How long a free/busy answer may take before the API answers 503.
    pub fn freebusy_deadline(&self) -> Duration {
        self.freebusy_deadline
    }

    /// What the booking route enforces.
    pub fn booking_policy(&self) -> BookingPolicy {
        self.booking
    }
}

/// Opens (or creates) the database of `--db`, then upserts `--seed` and, with
/// `--demo`, the demo week containing `now`; logs what each changed.
///
/// # Errors
///
/// The store's or the seed's error, naming the file or the offending entry.
pub fn open_store(config: &Config, now: DateTime<Utc>) -> Result<Store, SeedError> {
    let mut store = Store::open(&config.db)?;
    if let Some(path) = &config.seed {
        let report = Seed::read(path)?.load_into(&mut store, now)?;
        tracing::info!(seed = %path.display(), ?report, "seed loaded");
    }
    if config.demo {
        let report = demo::week_seed(now.date_naive()).load_into(&mut store, now)?;
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
    ("GET", "/v1/free_busy/pages/{page}"),
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
            "/v1/free_busy/pages/{page}",
            get(routes::free_busy::later_page),
        )
        .route("/v1/bookings", post(routes::bookings::create))
        .route("/v1/bookings/{id}", delete(routes::bookings::cancel))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .with_state(state);
    layers::around(routes, config)
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
///
/// Serves with each connection's peer address, which the rate limiter keys on.
///
/// # Errors
///
/// Fails only if accepting connections fails for good.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
