//! A CalDAV client (RFC 4791, with WebDAV RFC 4918, sync RFC 6578 and discovery
//! RFC 6764): what the sources' sync uses to read hosts' calendars and to write
//! bookings back into them.
//!
//! One [`Client`] is one account on one server. Everything it does is a bounded HTTP
//! exchange ([`Limits`]: a deadline over the whole exchange, a byte cap enforced while
//! the body streams in, a few redirects), and every failure is a [`CalDavError`] a sync
//! loop can act on. It never panics on what a server sends.
//!
//! - Finding calendars: [`Client::discover`] (`/.well-known/caldav`,
//!   `current-user-principal`, `calendar-home-set`, then the collections with their
//!   [`CalendarInfo`]), or [`Client::collection_info`] for one known collection URL.
//! - Reading: [`Client::calendar_query`] (events overlapping a window), [`Client::sync_collection`]
//!   (`sync-collection`: what changed since a token), [`Client::calendar_multiget`],
//!   [`Client::get`], and [`Client::free_busy_query`] (the server's own free-busy answer).
//! - Writing: [`Client::put`] with a [`Precondition`] (`If-None-Match: *` to create,
//!   `If-Match` to replace) and [`Client::delete`]; a 412 is
//!   [`CalDavError::PreconditionFailed`].
//!
//! The client parses no iCalendar: it hands over calendar data as text for
//! `freebusy_core::wire::ics::parse`, and sends what `ics::write` made.
//!
//! What servers do differently, and how the client copes (checked against Radicale 3.9
//! and Xandikos 0.4 in `server/tests/caldav.rs`):
//! - Prefixes differ (`C:`, `ns2:`, default namespaces): names are matched by namespace.
//! - `/.well-known/caldav` answers a PROPFIND with 301 (Radicale) or 302 (Xandikos):
//!   redirects are followed keeping the method and body.
//! - Some servers do not return `calendar-data` in a `sync-collection` answer
//!   (Xandikos): those members are fetched with `calendar-multiget`.
//! - An unknown or expired sync token is refused with 403 (Radicale), 412 (Xandikos),
//!   409 or 410 (others): any of these starts a full resync.
//! - Xandikos needs `Content-Type: application/xml` on every XML body.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unreachable,
        clippy::todo
    )
)]

mod discovery;
mod error;
mod multistatus;
mod report;
mod transport;
mod write;
mod xml;

use std::fmt;
use std::time::Duration;

pub use reqwest::Url;
use serde::{Deserialize, Serialize};

pub use super::{Credentials, Secret};
pub use error::{CalDavError, RetryAfter, ShownUrl};

use transport::Transport;
pub use transport::http_client;

/// Bounds on every request a [`Client`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The whole exchange, redirects and body included (30 s by default).
    pub timeout: Duration,
    /// Setting up a connection, TLS included (10 s by default).
    pub connect_timeout: Duration,
    /// The largest body accepted, counted after decompression (20 MiB by default).
    pub max_body_bytes: u64,
    /// Redirects followed for one request (5 by default).
    pub max_redirects: u8,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 20 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// A CalDAV account on one server. Cloning is cheap and shares the connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Transport,
}

impl Client {
    /// A client for `base`: a server URL (`https://cal.example.com/`), a principal URL,
    /// or a calendar collection URL. Only http and https; a URL with `user:password@`
    /// in it is refused, since credentials belong in `credentials` (which are never
    /// printed) and not in a URL that ends up in logs.
    pub fn new(
        base: Url,
        credentials: Option<Credentials>,
        limits: Limits,
    ) -> Result<Client, CalDavError> {
        let http = http_client(&limits)?;
        Client::with_http(http, base, credentials, limits)
    }

    /// Like [`Client::new`], over a shared `http` client (one connection pool for many
    /// sources). It must not follow redirects itself, because reqwest turns a
    /// redirected PROPFIND or REPORT into a GET: build it with
    /// `redirect(Policy::none())`, or with [`http_client`]. A client that does follow
    /// them gets [`CalDavError::Client`] on the first redirect instead of a wrong
    /// answer. `limits.connect_timeout` is then the shared client's business.
    pub fn with_http(
        http: reqwest::Client,
        base: Url,
        credentials: Option<Credentials>,
        limits: Limits,
    ) -> Result<Client, CalDavError> {
        if !matches!(base.scheme(), "http" | "https") {
            return Err(CalDavError::InvalidUrl {
                reason: format!("{} is not http or https", base.scheme()),
            });
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(CalDavError::InvalidUrl {
                reason: "no host".to_owned(),
            });
        }
        if transport::has_credentials(&base) {
            return Err(CalDavError::InvalidUrl {
                reason: "the URL holds credentials; give them separately".to_owned(),
            });
        }
        Ok(Client {
            transport: Transport::new(http, base, credentials, limits),
        })
    }

    /// The URL the client was made with.
    pub fn base(&self) -> &Url {
        self.transport.base()
    }
}

/// A resource's path as the server names it (`/dav/ann/work/abc.ics`): the key of a
/// calendar object in sync answers. It is the path of the URL the server's `href`
/// resolves to, so the same resource has the same `Href` in every answer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Href(String);

impl Href {
    /// The `Href` of a URL.
    pub fn of(url: &Url) -> Href {
        Href(url.path().to_owned())
    }

    /// As text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Href {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// An entity tag exactly as the server wrote it, quotes (and any `W/`) included: what
/// `If-Match` must repeat.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ETag(String);

impl ETag {
    /// An ETag read back from storage.
    pub fn new(value: impl Into<String>) -> ETag {
        ETag(value.into())
    }

    /// As text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A `sync-collection` token (RFC 6578): opaque, kept between syncs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SyncToken(String);

impl SyncToken {
    /// A token read back from storage.
    pub fn new(value: impl Into<String>) -> SyncToken {
        SyncToken(value.into())
    }

    /// As text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What discovery found for the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovery {
    /// The account's principal (`None` when the URL given was a calendar collection).
    pub principal: Option<Url>,
    /// Its calendar home(s) (`calendar-home-set`).
    pub homes: Vec<Url>,
    /// The calendar collections found in the homes (or the one given).
    pub calendars: Vec<CalendarInfo>,
}

/// A calendar collection and what the server says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarInfo {
    /// The collection's URL.
    pub url: Url,
    /// `displayname`, when set and not empty.
    pub display_name: Option<String>,
    /// `supported-calendar-component-set` (`VEVENT`, `VTODO`, ...), upper case; `None`
    /// when the server does not say, which means any (RFC 4791 5.2.3).
    pub components: Option<Vec<String>>,
    /// From `current-user-privilege-set` (RFC 3744): whether this account may write
    /// events here (`write`, `write-content` or `all`); `None` when the server does not
    /// say (then only a write attempt tells).
    pub writable: Option<bool>,
    /// Apple's `getctag`: changes whenever anything in the collection does.
    pub ctag: Option<String>,
    /// The current `sync-token`, when the collection supports sync.
    pub sync_token: Option<SyncToken>,
    /// `supported-report-set`; `None` when the server does not say.
    pub reports: Option<Reports>,
}

impl CalendarInfo {
    /// Whether the collection can hold events (what free/busy is made of).
    pub fn has_events(&self) -> bool {
        self.components
            .as_ref()
            .is_none_or(|components| components.iter().any(|name| name == "VEVENT"))
    }

    /// Whether `sync-collection` is worth trying: announced, or nothing announced but a
    /// sync token given.
    pub fn supports_sync(&self) -> bool {
        match &self.reports {
            Some(reports) => reports.sync_collection,
            None => self.sync_token.is_some(),
        }
    }
}

/// The REPORTs a collection announces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reports {
    /// `DAV:sync-collection` (RFC 6578).
    pub sync_collection: bool,
    /// `calendar-query` (RFC 4791 7.8).
    pub calendar_query: bool,
    /// `calendar-multiget` (RFC 4791 7.9).
    pub calendar_multiget: bool,
    /// `free-busy-query` (RFC 4791 7.10).
    pub free_busy_query: bool,
}

/// One calendar object resource: its name, version and iCalendar text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Its path, the key to store it under.
    pub href: Href,
    /// Its full URL (for `put` and `delete`).
    pub url: Url,
    /// Its ETag, when the server gave one.
    pub etag: Option<ETag>,
    /// The iCalendar document, as text.
    pub data: String,
}

/// What a [`Client::sync_collection`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sync {
    /// The token to pass next time.
    pub token: SyncToken,
    /// `true` when this is the whole collection (the first sync, or a resync after the
    /// server refused the old token): replace the snapshot with `changed`. `false`:
    /// apply `changed` and `removed` to the snapshot.
    pub full: bool,
    /// Resources new or changed since the token (all of them when `full`).
    pub changed: Vec<Resource>,
    /// Resources gone since the token (empty when `full`).
    pub removed: Vec<Href>,
}

/// What a [`Client::calendar_multiget`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Multiget {
    /// The resources that exist.
    pub found: Vec<Resource>,
    /// The hrefs asked for that do not (deleted meanwhile).
    pub missing: Vec<Href>,
}

/// The condition a [`Client::put`] sends, so that two writers never overwrite each
/// other unknowingly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// Create only: `If-None-Match: *` (412 if something is already there).
    Absent,
    /// Replace exactly this version: `If-Match` (412 if it changed meanwhile).
    Matches(ETag),
    /// No condition (last writer wins); for resources nobody else edits.
    None,
}
