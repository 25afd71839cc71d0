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
use crate::outbox::email::Mailer;
use crate::outbox::webhook::{SigningKey, Webhook, Webhooks};
use crate::store::{Location, StoreOptions};
use crate::widget::WidgetFiles;

/// The freebusy server: free/busy APIs and bookings over SQLite or PostgreSQL.
#[derive(Debug, Clone, Parser)]
#[command(name = "freebusy-server", version, about)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "FREEBUSY_LISTEN", default_value = "127.0.0.1:3000", value_parser = parse_listen)]
    pub listen: SocketAddr,

    /// The URL clients reach this server at, e.g. `https://calendar.example.com` behind
    /// a TLS-terminating proxy (a path prefix is kept): the base of the links the API
    /// hands out (`pages.next_page`). Without it, `http://` and the address the
    /// connection came in on; never the request's `Host` header.
    #[arg(long, env = "FREEBUSY_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<PublicUrl>,

    /// Where the data lives: a SQLite database file (created if missing), or a
    /// PostgreSQL database as `postgres://USER:PASSWORD@HOST:PORT/DBNAME`, which any
    /// number of server processes may share.
    #[arg(long, env = "FREEBUSY_DB", default_value = "freebusy.sqlite3")]
    pub db: Location,

    /// PostgreSQL: the most connections this process opens. SQLite: the read-only
    /// connections beside the one writer.
    #[arg(long, env = "FREEBUSY_DB_POOL_SIZE", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_pool_size: u32,

    /// How long a store operation may wait for the database (a connection, a statement,
    /// a lock) before it fails with 503, in ms.
    #[arg(long, env = "FREEBUSY_DB_TIMEOUT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    pub db_timeout_ms: u64,

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

    /// The largest request body accepted, in bytes (larger ones get 413, at once when
    /// `Content-Length` says so).
    #[arg(long, env = "FREEBUSY_MAX_BODY_BYTES", default_value_t = 16 * 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_bytes: u64,

    /// How long a client may take to send a request's head, from when the connection
    /// opens or its previous response is sent; so also how long a kept-alive
    /// connection may sit idle. Then the connection is closed.
    #[arg(long, env = "FREEBUSY_HEADER_READ_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_ms: u64,

    /// How long a connection may go without a byte moving either way (a client that
    /// stops sending its body or reading its response) before it is closed, in ms;
    /// more than the request timeout.
    #[arg(long, env = "FREEBUSY_IDLE_TIMEOUT_MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_ms: u64,

    /// Connections open at once; more wait for one to close. Default 1024, lowered to
    /// fit the open-file limit (`ulimit -n`) less 64; a value that does not fit is
    /// refused.
    #[arg(long, env = "FREEBUSY_MAX_CONNECTIONS", value_parser = clap::value_parser!(u64).range(1..=1 << 24))]
    pub max_connections: Option<u64>,

    /// Connections open at once from one client (an IPv4 address, an IPv6 /64); its
    /// further connections are closed at once. Behind a proxy every client has the
    /// proxy's address: raise it to the proxy's pool size.
    #[arg(long, env = "FREEBUSY_MAX_CONNECTIONS_PER_IP", default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=1 << 24))]
    pub max_connections_per_ip: u64,

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

    /// The SMTP relay invitations go through: `smtps://HOST[:PORT]` (implicit TLS, port
    /// 465), `smtp://HOST[:PORT]?tls=starttls` (STARTTLS required, port 587) or
    /// `smtp://HOST[:PORT]` (plain, port 25: for a local relay or sink only). Credentials
    /// come from `FREEBUSY_SMTP_USERNAME` and `FREEBUSY_SMTP_PASSWORD` (or
    /// `FREEBUSY_SMTP_PASSWORD_FILE`), never the URL. Needs `--mail-from` and
    /// `--public-url`. Without it no email is sent and none is queued.
    #[arg(long = "smtp-url", env = "FREEBUSY_SMTP_URL", value_parser = parse_smtp_url)]
    pub smtp_url: Option<SmtpUrl>,

    /// The sender of invitation emails, e.g. `Bookings <bookings@example.com>`.
    #[arg(long = "mail-from", env = "FREEBUSY_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// A webhook every booking's `booking.created`, `booking.cancelled` and
    /// `booking.rescheduled` are POSTed to (http or https), signed with the secret in
    /// `FREEBUSY_WEBHOOK_SECRET` (or the file `FREEBUSY_WEBHOOK_SECRET_FILE` names):
    /// `whsec_` then base64, as Standard Webhooks has it.
    #[arg(long = "webhook-url", env = "FREEBUSY_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// No TLS at all (`smtp://`): a relay on this machine or a test sink.
    Plain,
    /// STARTTLS, required (`smtp://…?tls=starttls`).
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Tls,
}

/// `--smtp-url`, checked: where the relay is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    /// The relay's host name or IP address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// TLS or not.
    pub security: SmtpSecurity,
}

/// Parses `--smtp-url`.
///
/// # Errors
///
/// A message for another scheme, credentials in the URL (they belong in the
/// environment), a path, or a query other than `tls=starttls`.
pub fn parse_smtp_url(text: &str) -> Result<SmtpUrl, String> {
    let url = url::Url::parse(text).map_err(|e| format!("not an SMTP URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("put SMTP credentials in FREEBUSY_SMTP_USERNAME and \
             FREEBUSY_SMTP_PASSWORD (or FREEBUSY_SMTP_PASSWORD_FILE), not in the URL"
            .into());
    }
    let host = url
        .host_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| format!("{text:?} needs a host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
        return Err(format!("{text:?} must not have a path or a fragment"));
    }
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let starttls = match query.as_slice() {
        [] => false,
        [(key, value)] if key == "tls" && matches!(value.as_str(), "starttls" | "required") => true,
        _ => return Err(format!("{text:?}: the only query is ?tls=starttls")),
    };
    let (security, port) = match (url.scheme(), starttls) {
        ("smtps", false) => (SmtpSecurity::Tls, 465),
        ("smtp", true) => (SmtpSecurity::StartTls, 587),
        ("smtp", false) => (SmtpSecurity::Plain, 25),
        ("smtps", true) => return Err("smtps:// is TLS already; drop ?tls=starttls".into()),
        _ => return Err(format!("{text:?} must start with smtp:// or smtps://")),
    };
    Ok(SmtpUrl {
        host,
        port: url.port().unwrap_or(port),
        security,
    })
}

/// A secret from the environment variable `name`, or from the file `{name}_FILE` names
/// (its trailing line break dropped).
///
/// # Errors
///
/// A message naming the variable or the file, never the secret.
pub fn secret_from_env(name: &str) -> Result<Option<String>, String> {
    if let Ok(value) = std::env::var(name) {
        return Ok(Some(value));
    }
    let file_var = format!("{name}_FILE");
    match std::env::var(&file_var) {
        Ok(path) => std::fs::read_to_string(&path)
            .map(|text| Some(text.trim_end_matches(['\r', '\n']).to_owned()))
            .map_err(|e| format!("{file_var}: cannot read {path}: {e}")),
        Err(_) => Ok(None),
    }
}

/// The outbox's ways out besides calendars, as the flags configure them.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    /// Invitation emails, if `--smtp-url` is set.
    pub mailer: Option<Mailer>,
    /// The webhooks: the server's (`--webhook-url`) and, once the config file is
    /// applied, each host's.
    pub webhooks: Webhooks,
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

    /// The store's pool size and timeout.
    pub fn store_options(&self) -> StoreOptions {
        StoreOptions {
            pool_size: self.db_pool_size as usize,
            timeout: Duration::from_millis(self.db_timeout_ms),
        }
    }

    /// The whole-request timeout as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The body limit in bytes, as the layers take it.
    pub fn body_limit(&self) -> usize {
        usize::try_from(self.max_body_bytes).unwrap_or(usize::MAX)
    }

    /// The outbox's ways out that the flags configure: the mailer (`--smtp-url`) and the
    /// server's webhook (`--webhook-url`), with their secrets read from the environment.
    ///
    /// # Errors
    ///
    /// A message naming the flag or variable at fault (never a secret).
    pub fn channels(&self) -> Result<Channels, String> {
        let mailer = match (&self.smtp_url, &self.mail_from, &self.public_url) {
            (Some(smtp), Some(from), Some(public_url)) => {
                let user = std::env::var("FREEBUSY_SMTP_USERNAME").ok();
                let password = secret_from_env("FREEBUSY_SMTP_PASSWORD")?;
                let credentials = match (user, password) {
                    (Some(user), Some(password)) => Some((user, password)),
                    (None, None) => None,
                    _ => {
                        return Err("set both FREEBUSY_SMTP_USERNAME and \
                             FREEBUSY_SMTP_PASSWORD, or neither"
                            .into());
                    }
                };
                if credentials.is_some() && smtp.security == SmtpSecurity::Plain {
                    return Err("--smtp-url: credentials are never sent over plain \
                         smtp://; use smtps:// or ?tls=starttls"
                        .into());
                }
                Some(Mailer::new(smtp, from, credentials, public_url.clone())?)
            }
            _ => None,
        };
        let server = match &self.webhook_url {
            Some(url) => {
                Webhook::check_url(url).map_err(|e| format!("--webhook-url: {e}"))?;
                let secret = secret_from_env("FREEBUSY_WEBHOOK_SECRET")?.ok_or(
                    "--webhook-url needs FREEBUSY_WEBHOOK_SECRET (or _FILE): whsec_ then base64",
                )?;
                let secret = SigningKey::parse(&secret)
                    .map_err(|e| format!("FREEBUSY_WEBHOOK_SECRET: {e}"))?;
                Some(Webhook::new(url, secret).map_err(|e| format!("--webhook-url: {e}"))?)
            }
            None => None,
        };
        Ok(Channels {
            mailer,
            webhooks: Webhooks::new(server),
        })
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
        // The idle timeout watches bytes; a handler at work moves none, so a shorter one
        // would cut slow answers that the request timeout still allows.
        if self.idle_timeout_ms <= self.request_timeout_ms {
            return Err(format!(
                "--idle-timeout-ms ({}) must be more than --request-timeout-ms ({})",
                self.idle_timeout_ms, self.request_timeout_ms
            ));
        }
        if let Some(max) = self.max_connections
            && self.max_connections_per_ip > max
        {
            return Err(format!(
                "--max-connections-per-ip ({}) must not be more than --max-connections ({max})",
                self.max_connections_per_ip
            ));
        }
        if self.smtp_url.is_some() {
            if self.mail_from.is_none() {
                return Err("--smtp-url needs --mail-from (the invitations' sender)".into());
            }
            if self.public_url.is_none() {
                return Err("--smtp-url needs --public-url: the invitations' links to \
                     cancel and reschedule must be absolute"
                    .into());
            }
        }
        self.channels()?;
        let mut seen = std::collections::HashSet::new();
        for grant in &self.tokens {
            if !seen.insert(grant.token.as_str()) {
                return Err("--token: the same token is given twice".to_owned());
            }
        }
        Ok(())
    }
}

/// Parses `--listen`: an IP address and a port, with a message that says which is
/// wrong.
///
/// # Errors
///
/// A message for a missing or out-of-range port, or a host that is not an IP address.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!("{text:?} must be IP:PORT, e.g. 127.0.0.1:3000"));
    };
    if port.parse::<u16>().is_err() {
        return Err(format!(
            "{text:?}: the port must be a number from 0 to 65535"
        ));
    }
    Err(format!(
        "{text:?}: {host:?} is not an IP address (IPv6 goes in brackets: [::1]:3000)"
    ))
}

/// Parses a web origin `scheme://host[:port]`, exactly as browsers send it in `Origin`
/// (the ASCII serialization of the origin): lower-case host, punycode, no default port.
///
/// # Errors
///
/// A message for `*`, anything that is not a URL (a space, a port past 65535), another
/// scheme than http or https, and any origin a browser would never send as written (a
/// path or trailing slash, the scheme's default port, upper case), naming the form to
/// give instead; such an origin would silently never match.
pub fn parse_origin(text: &str) -> Result<HeaderValue, String> {
    if text == "*" {
        return Err("`*` is not accepted: list each origin that may call the API".into());
    }
    if !text.contains("://") {
        return Err(format!("{text:?} needs a scheme, e.g. http://{text}"));
    }
    let url = url::Url::parse(text).map_err(|e| format!("{text:?} is not an origin: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{text:?} must start with http:// or https://"));
    }
    let origin = url.origin().ascii_serialization();
    if origin != text {
        let why = if url.port().is_none()
            && text
                .rsplit_once(':')
                .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            "a browser never sends the default port"
        } else {
            "a browser sends it as scheme://host[:port], lower case, with no path"
        };
        return Err(format!(
            "{text:?} would never match: {why}; give {origin:?}"
        ));
    }
    HeaderValue::from_str(&origin).map_err(|_| format!("{text:?} is not a valid header value"))
}

/// The base URL of this server as its clients see it (`--public-url`), without a
/// trailing slash: links are this followed by a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// The base for links on a connection to `local` when no `--public-url` is given:
    /// `http://` and the server's own address.
    pub fn of_local(local: SocketAddr) -> PublicUrl {
        PublicUrl(format!("http://{local}"))
    }

    /// The URL of `path` (which starts with `/`) under this base.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

/// Parses `--public-url`: an http or https URL with a host, perhaps a path prefix, and
/// nothing else.
///
/// # Errors
///
/// A message for anything that is not such a URL (a port past 65535, a query, a
/// fragment, a user name).
pub fn parse_public_url(text: &str) -> Result<PublicUrl, String> {
    let url = url::Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{text:?} must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{text:?} needs a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{text:?} must not have a query or a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{text:?} must not carry a user name or password"));
    }
    Ok(PublicUrl(url.as_str().trim_end_matches('/').to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins that origins must be exactly what a browser sends in `Origin`.
    #[test]
    fn origins_must_be_scheme_host_and_port_only() {
        assert!(parse_origin("http://localhost:8080").is_ok());
        assert!(parse_origin("https://[::1]:8443").is_ok());
        for text in [
            "*",
            "localhost:8080",
            "http://localhost:8080/",
            "ftp://x.example",
            "http://",
            "http://a b",
            "http://allowed.example:80",
            "https://allowed.example:443",
            "http://allowed.example:65536",
            "http://Allowed.example",
            "http://allowed.example:",
            "http://u@allowed.example",
        ] {
            assert!(parse_origin(text).is_err(), "{text:?}");
        }
        let message = parse_origin("http://allowed.example:80").unwrap_err();
        assert!(message.contains("default port"), "{message}");
        assert!(message.contains(r#""http://allowed.example""#), "{message}");
    }

    // Pins --public-url: a base without a trailing slash, path prefix kept, nothing else.
    #[test]
    fn public_urls_are_bases_for_links() {
        let base = parse_public_url("https://calendar.example.com").unwrap();
        assert_eq!(base.join("/v1/x"), "https://calendar.example.com/v1/x");
        let base = parse_public_url("https://example.com/freebusy/").unwrap();
        assert_eq!(base.join("/v1/x"), "https://example.com/freebusy/v1/x");
        for text in [
            "calendar.example.com",
            "ftp://calendar.example.com",
            "https://calendar.example.com:70000",
            "https://calendar.example.com/?a=b",
            "https://calendar.example.com/#top",
            "https://me@calendar.example.com",
        ] {
            assert!(parse_public_url(text).is_err(), "{text:?}");
        }
    }

    // Pins --smtp-url: the three forms, their default ports, and no credentials in it.
    #[test]
    fn smtp_urls_name_their_protection_and_never_carry_credentials() {
        let url = |text| parse_smtp_url(text).map(|u| (u.host, u.port, u.security));
        assert_eq!(
            url("smtps://mail.example.com"),
            Ok(("mail.example.com".into(), 465, SmtpSecurity::Tls))
        );
        assert_eq!(
            url("smtp://mail.example.com?tls=starttls"),
            Ok(("mail.example.com".into(), 587, SmtpSecurity::StartTls))
        );
        assert_eq!(
            url("smtp://127.0.0.1:2525"),
            Ok(("127.0.0.1".into(), 2525, SmtpSecurity::Plain))
        );
        assert_eq!(
            url("smtp://[::1]:25"),
            Ok(("::1".into(), 25, SmtpSecurity::Plain))
        );
        for bad in [
            "smtp://user:secret@mail.example.com",
            "smtps://mail.example.com?tls=starttls",
            "smtp://mail.example.com?tls=maybe",
            "smtp://mail.example.com/path",
            "http://mail.example.com",
            "smtp://",
        ] {
            let error = parse_smtp_url(bad).unwrap_err();
            assert!(!error.contains("secret"), "{error}");
        }
    }

    // Pins that --listen names the wrong part, and refuses ports past 65535.
    #[test]
    fn listen_addresses_need_an_ip_and_a_port_that_exists() {
        assert!(parse_listen("[::1]:0").is_ok());
        assert!(
            parse_listen("127.0.0.1:70000")
                .unwrap_err()
                .contains("65535")
        );
        assert!(
            parse_listen("localhost:3000")
                .unwrap_err()
                .contains("not an IP")
        );
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
