//! The freebusy backend: two free/busy APIs and bookings over embedded SQLite.
//!
//! A request goes through the rooms one way: layers -> route -> domain -> store, with
//! the engine (`freebusy_core`) for every fact about time and status.
//!
//! - [`app`]: the route table, serving it, and opening the store with its seed; the
//!   only module that knows every other (only `main.rs` and the tests use it).
//! - [`listener`]: accepting connections and serving HTTP/1.1 on them, with the
//!   header-read and idle timeouts and the connection caps.
//! - [`layers`]: CORS, tracing, rate limits, the `Host` check, timeouts and body limits
//!   around every route.
//! - [`routes`]: one module per API; each reads the request ([`query`] for query
//!   strings, [`segment`] for path parameters, [`json_body`] for bodies), calls the
//!   domain and shapes the answer. No route uses another.
//! - Domain: [`availability`] (what each free/busy API reports, the deadline, the
//!   Cronofy-style pages) and [`booking`] (the checked request, the host check, the
//!   replay comparison, the booking rule). They know the store and the engine, not HTTP
//!   extractors.
//! - [`store`]: one interface ([`store::Store`]) over a backend chosen in one place;
//!   its types in [`store::model`]; SQL only in [`store::sqlite`].
//! - [`state`]: what handlers share ([`state::AppState`]) and the policies the flags
//!   set; [`auth`]: bearer tokens, scopes, cancel tokens and their hashes;
//!   [`config`]: the flags.
//! - [`seed`] and [`demo`]: data loaded at start-up, from a file or generated;
//!   [`reload`]: the seed file kept in force without a restart (SIGHUP, file changes);
//!   [`email`]: what an address is.
//! - [`sources`]: calendars read from elsewhere (ICS feeds, CalDAV calendars through
//!   [`sources::caldav`], the CalDAV client), synced in the background into the store,
//!   with their status.
//! - [`error`]: the one error type, and the one JSON shape of every error.
//! - [`widget`]: the widget's own files (`--widget-dir`), served by
//!   [`routes::widget`] with their precompressed forms and integrity hashes.
//! - [`pages`]: the visitor's HTML pages (cancel, reschedule) as markup with their
//!   security headers, served by [`routes::manage`].

#![warn(missing_docs)]

pub mod app;
pub mod auth;
pub mod availability;
pub mod booking;
pub mod conditional;
pub mod config;
pub mod demo;
pub mod email;
pub mod error;
pub mod json_body;
pub mod layers;
pub mod listener;
pub mod outbox;
pub mod pages;
pub mod query;
pub mod reload;
pub mod routes;
pub mod rules;
pub mod seed;
pub mod segment;
pub mod sources;
pub mod state;
pub mod store;
pub mod widget;
