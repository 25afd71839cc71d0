//! Sources: calendars whose events come from elsewhere (an ICS feed, a CalDAV
//! calendar), read in the background into the store, so that every free/busy answer is
//! served from the store and never waits on an upstream longer than the deadline.
//!
//! Data flows one way: [`spec`] (a source as the config file describes it, secrets
//! resolved) -> a connector fetches ([`ics_feed`], [`caldav_calendar`] with the
//! [`caldav`] client) what changed, as [`Fetched`] -> [`snapshot`] parses each body once with the engine and
//! expands it over the rolling horizon -> the store replaces the calendar's events
//! atomically ([`crate::store::Store::record_sync`]). [`sync`] runs this per source
//! (intervals, jitter, backoff, Retry-After, an immediate read for a request that finds a
//! source never read), [`status`] says how each stands, [`http`] is the one HTTP client
//! with its limits.
//!
//! # Unknown, never free
//!
//! A source nobody has read yet holds one unknown event over all time
//! ([`crate::store::model::UNREAD_UID`]); a snapshot holds unknown events before the
//! time it covers, after its horizon and from where its expansion was cut. So the
//! Cronofy-style route reports `unknown` periods there, the Zonio-style route (which
//! has no such status) answers 503 for a person with a source never read and busy for
//! the rest, and the booking check refuses all of it, with no special case.

pub mod caldav;
pub mod caldav_calendar;
pub mod http;
pub mod ics_feed;
pub mod snapshot;
pub mod spec;
pub mod status;
pub mod sync;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use spec::SourceSpec;
pub use sync::Sources;

/// A secret (a password, a token, a feed's secret address) read from the environment
/// or a file: `{:?}` and `{}` print `[redacted]`, so it cannot reach a log, an error or
/// a status by accident. Only [`Secret::expose`] gives the text, at the point of use.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret's text.
    pub fn new(text: impl Into<Arc<str>>) -> Secret {
        Secret(text.into())
    }

    /// The secret's text, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How a source proves who it reads for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// HTTP Basic: a user name and a password (CalDAV servers, protected feeds).
    Basic {
        /// The user name (not a secret: it is shown in the status).
        username: String,
        /// The password.
        password: Secret,
    },
    /// `Authorization: Bearer` with a token.
    Bearer(Secret),
}

/// One object of a calendar as fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Where it was read: a CalDAV object's path; for a feed, [`ics_feed::FEED_HREF`].
    pub href: String,
    /// Its entity tag, if the upstream gave one.
    pub etag: Option<String>,
    /// Its iCalendar bytes.
    pub body: Vec<u8>,
}

/// What one fetch found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The whole calendar: an ICS feed's body, or every object of a CalDAV calendar.
    Full {
        /// Every object.
        resources: Vec<Resource>,
        /// What to send next time.
        cursor: Cursor,
    },
    /// Only the changes since the cursor (CalDAV `sync-collection`).
    Delta {
        /// Objects new or changed.
        changed: Vec<Resource>,
        /// Hrefs of objects gone.
        removed: Vec<String>,
        /// What to send next time.
        cursor: Cursor,
    },
    /// Nothing changed (HTTP 304, or the same sync token).
    NotModified {
        /// What to send next time.
        cursor: Cursor,
    },
}

/// What a connector remembers for its next conditional fetch; stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The feed's `ETag`, sent back as `If-None-Match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The feed's `Last-Modified`, sent back as `If-Modified-Since`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// A CalDAV collection's RFC 6578 sync token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<String>,
    /// The CalDAV collection found by discovery, so that discovery runs once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
}

/// Why a fetch failed. Its text never holds a secret or a URL (feed addresses are
/// secrets too), so it can be logged and shown in the status as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The upstream did not answer in full within the source's timeout.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// The body is larger than the source's byte cap.
    #[error("the answer is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// An HTTP error status (other than the ones below).
    #[error("the upstream answered HTTP {code}{}", retry_note(*.retry_after))]
    Status {
        /// The status code.
        code: u16,
        /// How long the upstream asked us to wait (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// 401 or 403: the credentials are wrong or missing.
    #[error("the upstream refused the credentials (HTTP {0})")]
    Unauthorized(u16),
    /// 404 or 410: the calendar is not there (any more).
    #[error("the upstream has no such calendar (HTTP {0})")]
    NotFound(u16),
    /// Too many redirects, a loop, or a redirect that would downgrade to plain HTTP.
    #[error("redirects: {0}")]
    Redirects(String),
    /// The connection failed: DNS, refused, reset, TLS, a broken body.
    #[error("transport: {0}")]
    Transport(String),
    /// The answer is not what the protocol says (not iCalendar, not a multistatus).
    #[error("{0}")]
    Protocol(String),
    /// The CalDAV sync token is no longer valid: the next fetch must be a full one.
    #[error("the sync token was refused; a full read follows")]
    SyncTokenInvalid,
}

fn retry_note(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |wait| {
        format!(" (retry after {} s)", wait.as_secs())
    })
}

impl FetchError {
    /// How long the upstream asked us to wait before the next attempt.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
