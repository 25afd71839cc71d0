//! Delivering [`DeliveryKind::Webhook`](crate::store::DeliveryKind) messages: a booking's
//! `booking.created`, `booking.cancelled` and `booking.rescheduled` POSTed as JSON to the
//! server's webhook (`--webhook-url`) and to each host's own (the seed's `webhooks`),
//! signed the Standard Webhooks way.
//!
//! - Headers: `webhook-id` (the outbox message's id: the same on every retry, so a
//!   receiver dedupes by it), `webhook-timestamp` (unix seconds of this attempt) and
//!   `webhook-signature: v1,BASE64` (HMAC-SHA256 over `id.timestamp.body` with the
//!   secret's bytes: `whsec_` then base64).
//! - A 2xx is delivered; anything else (3xx too: redirects are not followed), a timeout
//!   or no connection is retried with the outbox's backoff, never sooner than the
//!   receiver's `Retry-After`, until the outbox gives up after three days.
//! - Errors name the status or the failure, never the URL (it may hold a token) or the
//!   secret.
//!
//! The body names the booking as it stands at delivery (its `sequence` orders updates)
//! and never a cancel token; server/README.md documents it with a verification example.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use freebusy_core::wire::rfc3339;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::Attempt;
use crate::store::{Account, Booking, OutboxAction, OutboxMessage, Store};

/// The name of the server-wide webhook (`--webhook-url`) in outbox targets.
pub const SERVER_WEBHOOK: &str = "server";

/// How long one call may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A webhook secret in the Standard Webhooks form: `whsec_` then base64 of the key.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl SigningKey {
    /// Reads `whsec_BASE64` (at least 16 bytes of key, as the spec's 24 to 64 suggest).
    ///
    /// # Errors
    ///
    /// A message that names the expected form, never the text given.
    pub fn parse(text: &str) -> Result<SigningKey, String> {
        let key = text
            .trim()
            .strip_prefix("whsec_")
            .ok_or("a webhook secret must be whsec_ followed by base64 (Standard Webhooks)")?;
        let bytes = STANDARD
            .decode(key)
            .map_err(|_| "a webhook secret's part after whsec_ must be base64")?;
        if bytes.len() < 16 {
            return Err("a webhook secret needs at least 16 bytes of key".into());
        }
        Ok(SigningKey(bytes))
    }

    /// `v1,BASE64`: the signature of `body` sent as message `id` at `timestamp`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// One webhook: where to POST, and the secret to sign with. `{:?}` shows only the URL's
/// scheme and host (its path or query may hold a token).
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// An `http` or `https` URL.
    pub url: url::Url,
    /// The signing secret.
    pub secret: SigningKey,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Webhook({}://{}/…)",
            self.url.scheme(),
            self.url.host_str().unwrap_or("")
        )
    }
}

impl Webhook {
    /// A webhook at `url` (http or https only) signed with `secret`.
    ///
    /// # Errors
    ///
    /// A message for another scheme or a URL that does not parse (without the URL: it
    /// may hold a token).
    pub fn new(url: &str, secret: SigningKey) -> Result<Webhook, String> {
        Ok(Webhook {
            url: Webhook::check_url(url)?,
            secret,
        })
    }

    /// `url` if it can be a webhook's: http or https, with a host.
    ///
    /// # Errors
    ///
    /// As [`Webhook::new`].
    pub fn check_url(url: &str) -> Result<url::Url, String> {
        let url = url::Url::parse(url).map_err(|e| format!("the webhook URL is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err("a webhook URL must be http:// or https:// with a host".into());
        }
        Ok(url)
    }
}

/// The webhooks in force: the server's, and each host's (by address, replaced whenever
/// the config file is applied). Shared by the booking route (who is told) and the
/// deliverer (where to).
#[derive(Debug, Clone, Default)]
pub struct Webhooks {
    server: Option<Arc<Webhook>>,
    hosts: Arc<RwLock<HostWebhooks>>,
}

/// Each host's webhooks by lower-cased address: (name, webhook) in the config's order.
type HostWebhooks = HashMap<String, Vec<(String, Arc<Webhook>)>>;

/// One host's webhooks as the config file names them: the address, then each webhook's
/// name and webhook.
pub type HostConfig = (String, Vec<(String, Webhook)>);

impl Webhooks {
    /// The server-wide webhook, if any, and no host's yet.
    pub fn new(server: Option<Webhook>) -> Webhooks {
        Webhooks {
            server: server.map(Arc::new),
            hosts: Arc::default(),
        }
    }

    /// Makes `hosts` (address, then each webhook's name and webhook) the hosts' webhooks
    /// in force.
    pub fn configure_hosts(&self, hosts: Vec<HostConfig>) {
        let map = hosts
            .into_iter()
            .map(|(email, hooks)| {
                let hooks = hooks
                    .into_iter()
                    .map(|(name, hook)| (name, Arc::new(hook)))
                    .collect();
                (email.to_ascii_lowercase(), hooks)
            })
            .collect();
        if let Ok(mut current) = self.hosts.write() {
            *current = map;
        }
    }

    /// The names of the webhooks a booking of `hosts` calls: the server's, then each
    /// host's (`EMAIL#NAME`).
    pub fn names_for(&self, hosts: &[Account]) -> Vec<String> {
        let mut names: Vec<String> = self
            .server
            .iter()
            .map(|_| SERVER_WEBHOOK.to_owned())
            .collect();
        if let Ok(map) = self.hosts.read() {
            for host in hosts {
                let email = host.email.to_ascii_lowercase();
                for (name, _) in map.get(&email).into_iter().flatten() {
                    names.push(format!("{email}#{name}"));
                }
            }
        }
        names
    }

    /// The webhook named `name` in an outbox target, if it is still configured.
    pub fn get(&self, name: &str) -> Option<Arc<Webhook>> {
        if name == SERVER_WEBHOOK {
            return self.server.clone();
        }
        let (email, hook) = name.rsplit_once('#')?;
        let map = self.hosts.read().ok()?;
        map.get(email)?
            .iter()
            .find(|(candidate, _)| candidate == hook)
            .map(|(_, webhook)| Arc::clone(webhook))
    }
}

/// The JSON body of a webhook call (Standard Webhooks' `type`, `timestamp`, `data`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// `booking.created`, `booking.cancelled` or `booking.rescheduled`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// When it happened (the message was written), RFC 3339 UTC.
    pub timestamp: String,
    /// The booking.
    pub data: EventBooking,
}

/// The booking as a webhook tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventBooking {
    /// The booking id.
    pub id: String,
    /// `confirmed` or `cancelled`.
    pub status: &'static str,
    /// Start, RFC 3339 UTC.
    pub start: String,
    /// End, RFC 3339 UTC.
    pub end: String,
    /// The hosts' addresses (the first is the invitation's organizer).
    pub hosts: Vec<String>,
    /// Who booked.
    pub attendee: EventAttendee,
    /// The visitor's note, or `null`.
    pub note: Option<String>,
    /// The iCalendar `SEQUENCE`: 0 when booked, one more per reschedule.
    pub sequence: u32,
    /// The invitation's `UID` (the same in emails and calendars).
    pub uid: String,
    /// When it was booked, RFC 3339 UTC.
    pub created_at: String,
    /// When it was cancelled, or `null`.
    pub cancelled_at: Option<String>,
}

/// The visitor of a webhook's booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventAttendee {
    /// Their name.
    pub name: String,
    /// Their address.
    pub email: String,
}

impl Event {
    /// What `message` tells about `booking` (whose hosts are `hosts`).
    pub fn of(message: &OutboxMessage, booking: &Booking, hosts: &[Account]) -> Event {
        Event {
            kind: match message.action {
                OutboxAction::Created => "booking.created",
                OutboxAction::Cancelled => "booking.cancelled",
                OutboxAction::Rescheduled => "booking.rescheduled",
            },
            timestamp: rfc3339::format(message.created_at),
            data: EventBooking {
                id: booking.id.clone(),
                status: if booking.cancelled_at.is_some() {
                    "cancelled"
                } else {
                    "confirmed"
                },
                start: rfc3339::format(booking.terms.start),
                end: rfc3339::format(booking.terms.end),
                hosts: hosts.iter().map(|host| host.email.clone()).collect(),
                attendee: EventAttendee {
                    name: booking.terms.booker_name.clone(),
                    email: booking.terms.booker_email.clone(),
                },
                note: booking.terms.note.clone(),
                sequence: booking.sequence,
                uid: crate::booking::event_uid(&booking.id),
                created_at: rfc3339::format(booking.created_at),
                cancelled_at: booking.cancelled_at.map(rfc3339::format),
            },
        }
    }
}

/// The HTTP client webhook calls go through: bounded, no redirects, rustls.
///
/// # Errors
///
/// A message if the TLS backend cannot start.
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("freebusy-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the webhook client: {e}"))
}

/// Delivers `message` to the webhook its target names.
pub async fn deliver(
    store: &Store,
    client: &reqwest::Client,
    webhooks: &Webhooks,
    message: &OutboxMessage,
) -> Attempt {
    let Some(webhook) = webhooks.get(&message.target) else {
        return Attempt::Impossible("the webhook is no longer configured".into());
    };
    let booking = match store.booking(&message.booking_id).await {
        Ok(Some(booking)) => booking,
        Ok(None) => return Attempt::Impossible("the booking no longer exists".into()),
        Err(error) => return failed(format!("the store failed: {error}"), None),
    };
    let hosts = match store.hosts_of(&booking.id).await {
        Ok(hosts) => hosts,
        Err(error) => return failed(format!("the store failed: {error}"), None),
    };
    let body = match serde_json::to_vec(&Event::of(message, &booking, &hosts)) {
        Ok(body) => body,
        Err(error) => return Attempt::Impossible(format!("cannot write the event: {error}")),
    };
    let timestamp = Utc::now().timestamp();
    let sent = client
        .post(webhook.url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", &message.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            webhook.secret.sign(&message.id, timestamp, &body),
        )
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Attempt::Delivered(Some(
            serde_json::json!({"status": response.status().as_u16()}).to_string(),
        )),
        Ok(response) => {
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(retry_after);
            let why = if status.is_redirection() {
                " (redirects are not followed)"
            } else {
                ""
            };
            failed(
                format!("the webhook answered HTTP {status}{why}"),
                retry_after,
            )
        }
        Err(error) => {
            let why = if error.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else if error.is_connect() {
                "cannot connect to the webhook".to_owned()
            } else {
                format!("the webhook call failed: {}", error.without_url())
            };
            failed(why, None)
        }
    }
}

/// A `Retry-After` value: delay seconds, or an HTTP date (its distance from now).
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&Utc) - Utc::now()).to_std().ok()
}

fn failed(error: String, retry_after: Option<Duration>) -> Attempt {
    Attempt::Failed { error, retry_after }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks specification's own example (its test vectors).
    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        let secret = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    // The README's example call verifies with the secret it names, so the documented
    // format is the one sent.
    #[test]
    fn the_documented_example_call_verifies() {
        let readme = include_str!("../../README.md");
        let example = &readme[readme.find("```http\nPOST /hook").unwrap()..];
        let header = |name: &str| {
            example
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{name}: ")))
                .unwrap()
        };
        let body = example.lines().nth(7).unwrap();
        let secret = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let timestamp = header("webhook-timestamp").parse().unwrap();
        assert_eq!(
            secret.sign(header("webhook-id"), timestamp, body.as_bytes()),
            header("webhook-signature")
        );
        let event: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["type"], "booking.created");
    }

    #[test]
    fn secrets_must_be_whsec_base64_and_never_echoed() {
        for bad in ["plain-secret-value", "whsec_!!!notbase64", "whsec_c2hvcnQ="] {
            let error = SigningKey::parse(bad).unwrap_err();
            assert!(!error.contains(bad), "{error}");
        }
        let secret = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(format!("{secret:?}"), "SigningKey(…)");
    }

    #[test]
    fn only_http_urls_are_webhooks() {
        let secret = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let hook = Webhook::new("https://hooks.example.com/in?t=s3cret", secret.clone()).unwrap();
        assert_eq!(format!("{hook:?}"), "Webhook(https://hooks.example.com/…)");
        for bad in ["ftp://hooks.example.com", "file:///etc/passwd", "not a url"] {
            assert!(Webhook::new(bad, secret.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(retry_after("120"), Some(Duration::from_secs(120)));
        let later = (Utc::now() + chrono::TimeDelta::seconds(600)).to_rfc2822();
        let wait = retry_after(&later).unwrap();
        assert!(wait > Duration::from_secs(590) && wait <= Duration::from_secs(600));
        assert_eq!(retry_after("soon"), None);
    }
}
