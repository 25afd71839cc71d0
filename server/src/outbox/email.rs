//! Delivering [`DeliveryKind::Email`](crate::store::DeliveryKind) messages: the
//! invitation (`METHOD:REQUEST`), its update after a reschedule (the same `UID`, the
//! booking's current `SEQUENCE`) and its cancel (`METHOD:CANCEL`) to one person, over
//! SMTP (`--smtp-url`) with lettre.
//!
//! - The message is `multipart/alternative`: a text/plain letter (times in the reader's
//!   zone: a host's account zone, the visitor's from the booking request or UTC) and the
//!   invitation as
//!   `text/calendar; method=…` ([`invitation`]).
//! - The visitor's letter carries links to cancel, reschedule and download
//!   ([`ManageLinks`]); they need a clear cancel token, and only hashes are stored, so
//!   each attempt mints one and stores its hash before sending. The clear token exists
//!   only in the email; a failed attempt leaves a hash nobody holds the token of.
//! - `Message-ID` is `<MESSAGE_ID@DOMAIN>` (the outbox message's id, the sender's
//!   domain): a retry after a crash between sending and recording is the same message to
//!   the receiving side.
//! - A `created` message of a booking cancelled before it was sent is not sent (and
//!   records that), and neither is its cancel then: nobody is told of a meeting they
//!   never heard of. Every SMTP failure is retried until the outbox gives up.

use std::str::FromStr;
use std::time::Duration;

use freebusy_core::wire::ics::Method;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Attempt;
use crate::auth::CancelToken;
use crate::booking::invitation::{self, Change, Reader};
use crate::booking::links::ManageLinks;
use crate::config::{PublicUrl, SmtpSecurity, SmtpUrl};
use crate::store::{OutboxAction, OutboxMessage, Store};

/// How long one SMTP exchange may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// What a delivered email leaves in its message's `result`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sent {
    /// The `Message-ID` sent, or `None` when nothing needed sending.
    pub message_id: Option<String>,
    /// Why nothing was sent, if it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The zone the times were written in for the visitor, kept for the cancel and
    /// updates that follow (the message's own `payload` is cleared once settled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// The zone named by a `{"time_zone": …}` JSON (a payload or a [`Sent`]), if any.
fn zone_in(json: Option<&str>) -> Option<chrono_tz::Tz> {
    let value: serde_json::Value = serde_json::from_str(json?).ok()?;
    value.get("time_zone")?.as_str()?.parse().ok()
}

/// The SMTP side of invitations: the transport, the sender, the links' base.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
    public_url: PublicUrl,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer sending through `smtp` as `from`, with links under `public_url`, and
    /// `credentials` (user name, password) if the relay wants them.
    ///
    /// # Errors
    ///
    /// A message for a sender that is not an address, or a TLS setup that fails.
    pub fn new(
        smtp: &SmtpUrl,
        from: &str,
        credentials: Option<(String, String)>,
        public_url: PublicUrl,
    ) -> Result<Mailer, String> {
        let from = Mailbox::from_str(from)
            .map_err(|e| format!("--mail-from {from:?} is not an address: {e}"))?;
        let domain = from.email.domain().to_owned();
        let tls = || {
            TlsParameters::new(smtp.host.clone())
                .map_err(|e| format!("--smtp-url: cannot set up TLS: {e}"))
        };
        let tls = match smtp.security {
            SmtpSecurity::Plain => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(tls()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            domain,
            public_url,
        })
    }
}

/// Delivers `message` (an invitation, its update or its cancel) to its target address.
pub async fn deliver(store: &Store, mailer: &Mailer, message: &OutboxMessage) -> Attempt {
    let booking = match store.booking(&message.booking_id).await {
        Ok(Some(booking)) => booking,
        Ok(None) => return Attempt::Impossible("the booking no longer exists".into()),
        Err(error) => return store_failed(&error),
    };
    let hosts = match store.hosts_of(&booking.id).await {
        Ok(hosts) => hosts,
        Err(error) => return store_failed(&error),
    };
    let change = match message.action {
        OutboxAction::Created => Change::Booked,
        OutboxAction::Rescheduled => Change::Moved,
        OutboxAction::Cancelled => Change::Cancelled,
    };
    let created = message
        .created_result
        .as_deref()
        .and_then(|json| serde_json::from_str::<Sent>(json).ok());
    let never_sent = created
        .as_ref()
        .is_some_and(|sent| sent.message_id.is_none());
    let skip = match change {
        Change::Booked | Change::Moved if booking.cancelled_at.is_some() => {
            Some("the booking was cancelled before this was sent")
        }
        Change::Cancelled if never_sent => Some("the invitation was never sent"),
        _ => None,
    };
    if let Some(why) = skip {
        if change == Change::Moved {
            // No result: the cancel that follows must see the invitation the reader
            // did get (and its zone), not this update that never went out.
            return Attempt::Delivered(None);
        }
        return sent(None, Some(why), None);
    }
    let visitor = message
        .target
        .eq_ignore_ascii_case(&booking.terms.booker_email);
    let reader = if visitor {
        let links = if change == Change::Cancelled {
            None
        } else {
            let token = match CancelToken::new() {
                Ok(token) => token,
                Err(error) => return failed(format!("no cancel token: {error:?}")),
            };
            if let Err(error) = store.add_cancel_token(&booking.id, &token.hash).await {
                return store_failed(&error);
            }
            Some(ManageLinks::new(
                &mailer.public_url,
                &booking.id,
                &token.token,
            ))
        };
        // The request's zone: in this message's payload, or kept by the invitation.
        let zone = zone_in(message.payload.as_deref())
            .or_else(|| zone_in(message.created_result.as_deref()))
            .unwrap_or(chrono_tz::UTC);
        Reader::Visitor { zone, links }
    } else {
        let zone = hosts
            .iter()
            .find(|host| host.email.eq_ignore_ascii_case(&message.target))
            .map_or(chrono_tz::UTC, |host| host.time_zone);
        Reader::Host { zone }
    };
    let method = if change == Change::Cancelled {
        Method::Cancel
    } else {
        Method::Request
    };
    let calendar = match invitation::calendar(&booking, &hosts, method, message.created_at) {
        Ok(calendar) => calendar,
        Err(error) => return Attempt::Impossible(format!("cannot write the invitation: {error}")),
    };
    let letter = invitation::letter(&booking, &hosts, change, &reader);
    let to_name = visitor.then(|| booking.terms.booker_name.clone());
    let to = match lettre::Address::from_str(&message.target) {
        Ok(address) => Mailbox::new(to_name, address),
        Err(error) => return Attempt::Impossible(format!("not an address: {error}")),
    };
    let message_id = format!("<{}@{}>", message.id, mailer.domain);
    let method_name = if method == Method::Cancel {
        "CANCEL"
    } else {
        "REQUEST"
    };
    let calendar_type = match ContentType::parse(&format!(
        "text/calendar; method={method_name}; charset=utf-8"
    )) {
        Ok(content_type) => content_type,
        Err(error) => return Attempt::Impossible(format!("content type: {error}")),
    };
    let email = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(letter.subject)
        .message_id(Some(message_id.clone()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(letter.text),
                )
                .singlepart(SinglePart::builder().header(calendar_type).body(calendar)),
        );
    let email = match email {
        Ok(email) => email,
        Err(error) => return Attempt::Impossible(format!("cannot build the email: {error}")),
    };
    let kept_zone = match &reader {
        Reader::Visitor { zone, .. } if *zone != chrono_tz::UTC => Some(zone.name().to_owned()),
        _ => None,
    };
    match mailer.transport.send(email).await {
        Ok(_) => sent(Some(message_id), None, kept_zone),
        Err(error) => failed(format!("SMTP: {error}")),
    }
}

fn sent(message_id: Option<String>, skipped: Option<&str>, time_zone: Option<String>) -> Attempt {
    let sent = Sent {
        message_id,
        skipped: skipped.map(str::to_owned),
        time_zone,
    };
    Attempt::Delivered(serde_json::to_string(&sent).ok())
}

fn failed(error: String) -> Attempt {
    Attempt::Failed {
        error,
        retry_after: None,
    }
}

fn store_failed(error: &crate::store::StoreError) -> Attempt {
    failed(format!("the store failed: {error}"))
}
