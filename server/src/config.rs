//! The server's configuration: command-line flags, each with an environment variable.
//!
//! Every value is checked while parsing, so a bad flag stops the server at start-up
//! with a message naming it, not at the first request that needs it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::Parser;

use crate::auth::{TokenGrant, parse_token};
use crate::store::Location;
use crate::widget::WidgetFiles;

/// The freebusy server: free/busy APIs and bookings over SQLite.
#[derive(Debug, Clone, Parser)]
#[command(name = "freebusy-server", version, about)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "FREEBUSY_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// SQLite database file; created if missing.
    #[arg(long, env = "FREEBUSY_DB", default_value = "freebusy.sqlite3")]
    pub db: Location,

    /// A web origin allowed to call the API from a browser, e.g. `http://localhost:8080`.
    /// Repeatable (comma-separated in the environment). Without any, no origin gets a
    /// CORS grant.
    #[arg(
        long = "allow-origin",
        env = "FREEBUSY_ALLOW_ORIGIN",
        value_delimiter = ',',
        value_parser = parse_origin
    )]
    pub allow_origins: Vec<HeaderValue>,

    /// A JSON seed file (see SEED.md) upserted at start-up.
    #[arg(long, env = "FREEBUSY_SEED")]
    pub seed: Option<PathBuf>,

    /// Upsert a demo week (four people, the current week) at start-up.
    #[arg(long, env = "FREEBUSY_DEMO")]
    pub demo: bool,

    /// A bearer token for the Cronofy-style API: `TOKEN=EMAIL` grants `read_free_busy`
    /// for that account; `TOKEN=EMAIL:SCOPE,SCOPE` grants exactly the listed scopes, and
    /// `TOKEN=EMAIL:` none (the token is known but forbidden). Repeatable
    /// (space-separated in the environment).
    #[arg(
        long = "token",
        env = "FREEBUSY_TOKEN",
        value_name = "TOKEN=EMAIL[:SCOPES]",
        value_delimiter = ' ',
        value_parser = parse_token
    )]
    pub tokens: Vec<TokenGrant>,

    /// Requests per second each client IP may make, on average.
    #[arg(long, env = "FREEBUSY_RATE_PER_SECOND", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_per_second: u32,

    /// Requests a client IP may make in a burst above the average rate.
    #[arg(long, env = "FREEBUSY_RATE_BURST", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_burst: u32,

    /// How long a free/busy answer may take before the API gives up (503), in ms.
    #[arg(long, env = "FREEBUSY_FREEBUSY_DEADLINE_MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    pub freebusy_deadline_ms: u64,

    /// How long any request may take before it is answered 503, in ms.
    #[arg(long, env = "FREEBUSY_REQUEST_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_ms: u64,

    /// The largest request body accepted, in bytes (larger ones get 413).
    #[arg(long, env = "FREEBUSY_MAX_BODY_BYTES", default_value_t = 16 * 1024)]
    pub max_body_bytes: usize,

    /// The longest booking accepted, in minutes.
    #[arg(long, env = "FREEBUSY_MAX_BOOKING_MINUTES", default_value_t = 240, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_booking_minutes: u32,

    /// Let bookings land on time the host holds only tentatively.
    #[arg(long, env = "FREEBUSY_ALLOW_BOOKING_OVER_TENTATIVE")]
    pub allow_booking_over_tentative: bool,

    /// The widget's release build (`dist/` after `trunk build --release`), served at
    /// `/widget/` (e.g. `/widget/freebusy.js`), so one binary hosts data and widget.
    /// Read once at start-up.
    #[arg(long = "widget-dir", env = "FREEBUSY_WIDGET_DIR", value_name = "DIR", value_parser = parse_widget_dir)]
    pub widget_dir: Option<WidgetFiles>,
}

/// Reads the widget directory while the flags are parsed, so a bad one stops the server
/// at start-up with the flag's name.
fn parse_widget_dir(text: &str) -> Result<WidgetFiles, String> {
    WidgetFiles::load(std::path::Path::new(text))
}

impl Config {
    /// The free/busy deadline as a duration.
    pub fn freebusy_deadline(&self) -> Duration {
        Duration::from_millis(self.freebusy_deadline_ms)
    }

    /// The whole-request timeout as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// Checks rules between flags that clap cannot express one flag at a time.
    ///
    /// # Errors
    ///
    /// A message naming the flags in conflict.
    pub fn check(&self) -> Result<(), String> {
        // A deadline past the request timeout would never fire: the timeout would
        // answer first, with a less specific error.
        if self.freebusy_deadline_ms >= self.request_timeout_ms {
            return Err(format!(
                "--freebusy-deadline-ms ({}) must be less than --request-timeout-ms ({})",
                self.freebusy_deadline_ms, self.request_timeout_ms
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for grant in &self.tokens {
            if !seen.insert(grant.token.as_str()) {
                return Err("--token: the same token is given twice".to_owned());
            }
        }
        Ok(())
    }
}

/// Parses a web origin `scheme://host[:port]`, exactly as browsers send it.
///
/// # Errors
///
/// A message for `*`, a path or trailing slash (browsers never send those, so such an
/// origin would silently never match), or a missing scheme.
pub fn parse_origin(text: &str) -> Result<HeaderValue, String> {
    if text == "*" {
        return Err("`*` is not accepted: list each origin that may call the API".into());
    }
    let Some((scheme, host)) = text.split_once("://") else {
        return Err(format!("{text:?} needs a scheme, e.g. http://{text}"));
    };
    if !matches!(scheme, "http" | "https") {
        return Err(format!("{text:?} must start with http:// or https://"));
    }
    if host.is_empty() || host.contains('/') {
        return Err(format!(
            "{text:?} must be scheme://host[:port] with no path or trailing slash"
        ));
    }
    HeaderValue::from_str(text).map_err(|_| format!("{text:?} is not a valid header value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins that origins must be exactly what a browser sends in `Origin`.
    #[test]
    fn origins_must_be_scheme_host_and_port_only() {
        assert!(parse_origin("http://localhost:8080").is_ok());
        for text in [
            "*",
            "localhost:8080",
            "http://localhost:8080/",
            "ftp://x.example",
            "http://",
        ] {
            assert!(parse_origin(text).is_err(), "{text:?}");
        }
    }

    // Pins the defaults the issue names and the cross-flag check.
    #[test]
    fn defaults_parse_and_a_deadline_past_the_timeout_is_refused() {
        let config = Config::parse_from(["freebusy-server"]);
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert!(config.check().is_ok());
        let config = Config::parse_from([
            "freebusy-server",
            "--freebusy-deadline-ms",
            "5000",
            "--request-timeout-ms",
            "5000",
        ]);
        assert!(config.check().is_err());
    }
}
