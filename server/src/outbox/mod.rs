//! The durable outbox: every delivery a booking owes the outside world, written in the
//! booking's own transaction (see `Store::insert_booking_if_free`), delivered here.
//!
//! One loop per process claims due messages ([`Store::due_outbox`]), each under a lease
//! ([`OUTBOX_LEASE`], item = the message id) so that replicas deliver it once, reads it
//! again under the lease, hands it to the deliverer of its [`DeliveryKind`], and records
//! the end ([`Store::finish_outbox`], fenced by the lease): delivered, due again after an
//! exponential backoff (never sooner than the receiver's `Retry-After`), or, after
//! [`OutboxPolicy::give_up_after`] (or for a message that can never be delivered), given
//! up with its reason kept. A process killed mid-delivery leaves its lease to lapse; the
//! message is then delivered again, which every deliverer makes harmless (a calendar
//! write is `If-None-Match: *` with a stable UID).
//!
//! Kinds: [`DeliveryKind::CalendarWrite`] ([`calendar_write`]), [`DeliveryKind::Email`]
//! ([`email`]: invitations over SMTP) and [`DeliveryKind::Webhook`] ([`webhook`]:
//! Standard Webhooks calls). Which emails and webhooks a booking owes is its
//! [`Audience`], decided here from the configuration ([`Outbox::audience`]) and written
//! by the store with the booking.

pub mod calendar_write;
pub mod email;
pub mod webhook;

use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::config::Channels;
use crate::sources::Sources;
use crate::store::{
    Account, Audience, DeliveryKind, Lease, OUTBOX_LEASE, OutboxMessage, OutboxOutcome,
    OutboxState, Store,
};

/// How the loop retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxPolicy {
    /// The wait after the first failure; it doubles with each further one.
    pub first_retry: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// How long after it was written a message is still retried.
    pub give_up_after: Duration,
    /// How long one delivery may take (the lease outlives it by a margin).
    pub attempt_timeout: Duration,
}

impl Default for OutboxPolicy {
    /// 2 s, doubling to an hour at most, for three days: an upstream down over a long
    /// weekend still gets its bookings.
    fn default() -> OutboxPolicy {
        OutboxPolicy {
            first_retry: Duration::from_secs(2),
            max_backoff: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(3 * 24 * 3600),
            attempt_timeout: Duration::from_secs(120),
        }
    }
}

impl OutboxPolicy {
    /// The wait after `failures` failures in a row.
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.first_retry
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

/// How one attempt went, as a deliverer tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Delivered (or found delivered already), leaving this result (JSON) to keep.
    Delivered(Option<String>),
    /// Not delivered this time; `retry_after` is the receiver's wish, if it said one.
    Failed {
        /// Why, without secrets or URLs.
        error: String,
        /// The receiver's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Can never be delivered (the booking is gone, the calendar no longer writable).
    Impossible(String),
}

/// The outbox's delivery loop and its wake-up call.
#[derive(Debug, Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    sources: Sources,
    wake: Arc<Notify>,
    holder: String,
    policy: OutboxPolicy,
    channels: Channels,
    /// Webhook calls' client, built on first use.
    http: tokio::sync::OnceCell<Result<reqwest::Client, String>>,
}

/// The most messages claimed per round, and delivered at once.
const BATCH: u32 = 32;
const CONCURRENT: usize = 4;
/// The longest the loop sleeps without looking (another replica may have written).
const IDLE: Duration = Duration::from_secs(15);

impl Outbox {
    /// An outbox over `store`, writing to the calendars `sources` configures, and
    /// sending emails and webhook calls through `channels`.
    pub fn new(store: Store, sources: Sources, policy: OutboxPolicy, channels: Channels) -> Outbox {
        Outbox {
            inner: Arc::new(Inner {
                store,
                sources,
                wake: Arc::new(Notify::new()),
                holder: crate::sources::sync::holder_name(),
                policy,
                channels,
                http: tokio::sync::OnceCell::new(),
            }),
        }
    }

    /// Who a booking of `hosts` tells besides their calendars: everyone by email when
    /// SMTP is configured, and the server's and those hosts' webhooks.
    pub fn audience(&self, hosts: &[Account]) -> Audience {
        Audience {
            email: self.inner.channels.mailer.is_some(),
            webhooks: self.inner.channels.webhooks.names_for(hosts),
            visitor_zone: None,
        }
    }

    /// The webhooks in force (the config file replaces the hosts' ones).
    pub fn webhooks(&self) -> &webhook::Webhooks {
        &self.inner.channels.webhooks
    }

    /// Tells the loop that messages were written (a booking, a cancel): it looks now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Starts the loop; it runs until every handle on this outbox is dropped.
    pub fn run(&self) -> JoinHandle<()> {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let wake = Arc::clone(&self.inner.wake);
        tokio::spawn(async move {
            loop {
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                let wait = Outbox { inner }.deliver_due(Utc::now()).await;
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = wake.notified() => {}
                }
            }
        })
    }

    /// Delivers every message due at `now` that no other worker holds, and answers how
    /// long to wait before looking again.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Duration {
        let store = &self.inner.store;
        let due = match store.due_outbox(now, BATCH).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "cannot read the outbox");
                return Duration::from_secs(5);
            }
        };
        let full = due.len() == BATCH as usize;
        futures_util::stream::iter(due)
            .for_each_concurrent(CONCURRENT, |message| self.attempt(message))
            .await;
        if full {
            return Duration::ZERO;
        }
        match store.next_outbox_due().await {
            Ok(Some(next)) => (next - Utc::now()).to_std().unwrap_or_default().min(IDLE),
            Ok(None) => IDLE,
            Err(_) => Duration::from_secs(5),
        }
    }

    /// One attempt at `message`, under its lease.
    async fn attempt(&self, message: OutboxMessage) {
        let (store, policy) = (&self.inner.store, self.inner.policy);
        let ttl = policy.attempt_timeout + Duration::from_secs(30);
        let lease = match store
            .acquire_lease(OUTBOX_LEASE, &message.id, &self.inner.holder, ttl)
            .await
        {
            Ok(Some(lease)) => lease,
            Ok(None) => return, // another worker has it
            Err(error) => {
                tracing::warn!(%error, message = %message.id, "cannot lease an outbox message");
                return;
            }
        };
        // Read again under the lease: another worker may have settled it meanwhile.
        match store.outbox_message(&message.id).await {
            Ok(Some(current))
                if current.state == OutboxState::Pending && current.due_at <= Utc::now() =>
            {
                let attempt = match tokio::time::timeout(
                    policy.attempt_timeout,
                    self.deliver(&current),
                )
                .await
                {
                    Ok(attempt) => attempt,
                    Err(_) => Attempt::Failed {
                        error: format!("no answer within {} s", policy.attempt_timeout.as_secs()),
                        retry_after: None,
                    },
                };
                self.record(&current, &lease, attempt).await;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, message = %message.id, "cannot read it"),
        }
        if let Err(error) = store.release_lease(&lease).await {
            tracing::debug!(%error, "cannot release an outbox lease (it will lapse)");
        }
    }

    async fn deliver(&self, message: &OutboxMessage) -> Attempt {
        match message.kind {
            DeliveryKind::CalendarWrite => {
                calendar_write::deliver(&self.inner.store, &self.inner.sources, message).await
            }
            DeliveryKind::Email => match &self.inner.channels.mailer {
                Some(mailer) => email::deliver(&self.inner.store, mailer, message).await,
                // Written while SMTP was configured; kept for a restart that has it again.
                None => Attempt::Failed {
                    error: "no --smtp-url is configured now".into(),
                    retry_after: None,
                },
            },
            DeliveryKind::Webhook => {
                let client = self.inner.http.get_or_init(|| async { webhook::client() });
                match client.await {
                    Ok(client) => {
                        webhook::deliver(
                            &self.inner.store,
                            client,
                            &self.inner.channels.webhooks,
                            message,
                        )
                        .await
                    }
                    Err(error) => Attempt::Failed {
                        error: error.clone(),
                        retry_after: None,
                    },
                }
            }
        }
    }

    async fn record(&self, message: &OutboxMessage, lease: &Lease, attempt: Attempt) {
        let now = Utc::now();
        let outcome = outcome(&self.inner.policy, message, attempt, now);
        match &outcome {
            OutboxOutcome::Delivered { .. } => tracing::info!(
                message = %message.id, kind = message.kind.as_str(),
                action = message.action.as_str(), "outbox message delivered"
            ),
            OutboxOutcome::Retry { at, error } => tracing::warn!(
                message = %message.id, kind = message.kind.as_str(), %error, retry_at = %at,
                "outbox delivery failed; will retry"
            ),
            OutboxOutcome::GaveUp { error } => tracing::error!(
                message = %message.id, kind = message.kind.as_str(), %error,
                "outbox delivery given up"
            ),
        }
        match self.inner.store.finish_outbox(lease, outcome, now).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                message = %message.id,
                "outbox lease taken over during the delivery; result dropped"
            ),
            Err(error) => tracing::warn!(%error, message = %message.id, "cannot record it"),
        }
    }
}

/// What `attempt` at `message` means for its row at `now`, under `policy`.
pub fn outcome(
    policy: &OutboxPolicy,
    message: &OutboxMessage,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> OutboxOutcome {
    match attempt {
        Attempt::Delivered(result) => OutboxOutcome::Delivered { result },
        Attempt::Impossible(error) => OutboxOutcome::GaveUp { error },
        Attempt::Failed { error, retry_after } => {
            let age = (now - message.created_at).to_std().unwrap_or_default();
            if age >= policy.give_up_after {
                return OutboxOutcome::GaveUp {
                    error: format!(
                        "{error} (retried {} times over {} h)",
                        message.attempts + 1,
                        age.as_secs() / 3600
                    ),
                };
            }
            let wait = policy
                .backoff(message.attempts + 1)
                .max(retry_after.unwrap_or_default().min(policy.max_backoff));
            OutboxOutcome::Retry {
                at: now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1)),
                error,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OutboxAction;

    fn message(attempts: u32, created_at: DateTime<Utc>) -> OutboxMessage {
        OutboxMessage {
            id: "m".into(),
            seq: 1,
            kind: DeliveryKind::CalendarWrite,
            booking_id: "b".into(),
            target: "c".into(),
            action: OutboxAction::Created,
            state: OutboxState::Pending,
            attempts,
            created_at,
            due_at: created_at,
            last_error: None,
            done_at: None,
            result: None,
            created_result: None,
            payload: None,
        }
    }

    fn failed(retry_after: Option<u64>) -> Attempt {
        Attempt::Failed {
            error: "HTTP 503".into(),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        let policy = OutboxPolicy::default();
        let now = Utc::now();
        let waits: Vec<i64> = [0, 1, 2, 3, 20]
            .into_iter()
            .map(
                |attempts| match outcome(&policy, &message(attempts, now), failed(None), now) {
                    OutboxOutcome::Retry { at, .. } => (at - now).num_seconds(),
                    other => panic!("expected a retry, got {other:?}"),
                },
            )
            .collect();
        assert_eq!(waits, [2, 4, 8, 16, 3600]);
    }

    #[test]
    fn a_retry_after_is_respected_but_capped() {
        let policy = OutboxPolicy::default();
        let now = Utc::now();
        let wait = |after| match outcome(&policy, &message(0, now), failed(Some(after)), now) {
            OutboxOutcome::Retry { at, .. } => (at - now).num_seconds(),
            other => panic!("expected a retry, got {other:?}"),
        };
        assert_eq!(wait(120), 120);
        assert_eq!(wait(1), 2);
        assert_eq!(wait(10 * 24 * 3600), 3600);
    }

    #[test]
    fn a_message_is_given_up_only_after_days_with_its_reason() {
        let policy = OutboxPolicy::default();
        let now = Utc::now();
        let young = message(40, now - TimeDelta::hours(71));
        assert!(matches!(
            outcome(&policy, &young, failed(None), now),
            OutboxOutcome::Retry { .. }
        ));
        let old = message(80, now - TimeDelta::hours(72));
        match outcome(&policy, &old, failed(None), now) {
            OutboxOutcome::GaveUp { error } => {
                assert!(
                    error.starts_with("HTTP 503 (retried 81 times over 72 h)"),
                    "{error}"
                );
            }
            other => panic!("expected to give up, got {other:?}"),
        }
        assert_eq!(
            outcome(&policy, &young, Attempt::Impossible("gone".into()), now),
            OutboxOutcome::GaveUp {
                error: "gone".into()
            }
        );
    }
}
