//! What every handler shares: the store, the known tokens, and the policies the flags
//! set.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::Tokens;
use crate::config::{Channels, Config, PublicUrl};
use crate::outbox::{Outbox, OutboxPolicy};
use crate::sources::Sources;
use crate::store::Store;

/// What the booking route enforces, from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingPolicy {
    /// The longest booking accepted, in minutes.
    pub max_minutes: u32,
    /// Whether a booking may cover time the host holds only tentatively.
    pub allow_over_tentative: bool,
}

/// State shared by every handler; cloned per request, so everything in it is a handle.
#[derive(Debug, Clone)]
pub struct AppState {
    store: Store,
    sources: Sources,
    outbox: Outbox,
    tokens: Arc<Tokens>,
    freebusy_deadline: Duration,
    booking: BookingPolicy,
    public_url: Option<Arc<PublicUrl>>,
}

impl AppState {
    /// State over an opened store, with the handler settings taken from `config`.
    pub fn new(store: Store, config: &Config) -> AppState {
        let sources = Sources::new(store.clone());
        // `Config::check` (run first by the binary) has refused what `channels` refuses.
        let channels = config.channels().unwrap_or_else(|error| {
            tracing::error!(%error, "emails and webhooks are off");
            Channels::default()
        });
        AppState {
            outbox: Outbox::new(
                store.clone(),
                sources.clone(),
                OutboxPolicy::default(),
                channels,
            ),
            sources,
            store,
            tokens: Arc::new(Tokens::new(&config.tokens)),
            freebusy_deadline: config.freebusy_deadline(),
            booking: BookingPolicy {
                max_minutes: config.max_booking_minutes,
                allow_over_tentative: config.allow_booking_over_tentative,
            },
            public_url: config.public_url.clone().map(Arc::new),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The sync of the configured sources (idle until `app::start_sources` runs it).
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The deliveries bookings owe (calendar write-backs), idle until
    /// `app::start_sources` runs it.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// How long a free/busy answer waits for a source never read before it answers
    /// without it: three quarters of the deadline, so that the answer (unknown time, or
    /// the Zonio-style 503) still comes within it.
    pub fn source_wait(&self) -> Duration {
        self.freebusy_deadline * 3 / 4
    }

    /// The bearer tokens the server knows.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// How long a free/busy answer may take before the API answers 503.
    pub fn freebusy_deadline(&self) -> Duration {
        self.freebusy_deadline
    }

    /// The base of the links the API hands out, when `--public-url` gives one.
    pub fn public_url(&self) -> Option<&PublicUrl> {
        self.public_url.as_deref()
    }

    /// What the booking route enforces.
    pub fn booking_policy(&self) -> BookingPolicy {
        self.booking
    }
}
