//! The freebusy backend: two free/busy APIs and bookings over embedded SQLite.
//!
//! - [`config`]: the command-line flags and their environment variables.
//! - [`store`]: the SQLite database, the only module with SQL.
//! - [`seed`] and [`demo`]: data loaded at start-up, from a file or generated.
//! - [`app`]: the shared state and the route table; [`routes`]: the handlers;
//!   [`layers`]: CORS, tracing, rate limits, timeouts and body limits around them.
//! - [`error`]: the one error type, and the one JSON shape of every error.

#![warn(missing_docs)]

pub mod app;
pub mod config;
pub mod demo;
pub mod email;
pub mod error;
pub mod json_body;
pub mod layers;
pub mod routes;
pub mod seed;
pub mod store;
