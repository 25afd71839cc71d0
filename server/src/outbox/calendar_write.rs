//! Delivering [`DeliveryKind::CalendarWrite`](crate::store::DeliveryKind) messages: a
//! booking written into a host's CalDAV calendar as a VEVENT (the host as ORGANIZER,
//! the visitor as ATTENDEE, the note as DESCRIPTION), and removed on cancel.
//!
//! - The event's `UID` is the booking's ([`booking::event_uid`]) and its resource name
//!   follows from it ([`Client::resource_url`]), so a repeated delivery (a crash between
//!   the PUT and recording it) finds the same resource: the PUT is `If-None-Match: *`,
//!   and a 412 there is read back and counts as delivered when the `UID` is ours.
//! - The removal is a DELETE `If-Match` the ETag the PUT returned; 404/410 is done (it is
//!   gone already), and a 412 (the host edited the event) reads it again and deletes it
//!   when it is still ours.
//! - Failures the server may get over (429, 5xx, timeouts, no connection, garbage) and
//!   the ones an operator must fix (401, 403, a calendar not found) are both retried
//!   with backoff until the outbox gives up, so fixing a password in time loses nothing.
//!
//! The event comes back in the calendar's next read; the sync leaves it out
//! ([`booking::is_event_uid`]), since the booking itself blocks the time.

use serde::{Deserialize, Serialize};

use super::Attempt;
use crate::booking;
use crate::sources::caldav::{CalDavError, Client, ETag, Precondition, Url};
use crate::sources::{FetchError, Sources};
use crate::store::{OutboxAction, OutboxMessage, Store};
use freebusy_core::wire::ics::{self, Attendee, Method, NewEvent};

/// What a delivered write leaves in its message's `result`: where the event is, and its
/// ETag if the server gave one (the cancel's `If-Match`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// The event's resource URL.
    pub url: String,
    /// Its ETag after the write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// Delivers `message` (a write or a removal) to its target calendar.
pub async fn deliver(store: &Store, sources: &Sources, message: &OutboxMessage) -> Attempt {
    let booking = match store.booking(&message.booking_id).await {
        Ok(Some(booking)) => booking,
        Ok(None) => return Attempt::Impossible("the booking no longer exists".into()),
        Err(error) => return failed(format!("the store failed: {error}"), None),
    };
    let (client, collection) = match sources.booking_writer(&message.target).await {
        Ok(Some(writer)) => writer,
        Ok(None) => {
            return Attempt::Impossible(
                "the calendar is no longer a CalDAV source with write_bookings".into(),
            );
        }
        Err(error) => return from_fetch(error),
    };
    let uid = booking::event_uid(&booking.id);
    match message.action {
        OutboxAction::Created if booking.cancelled_at.is_some() => {
            // Cancelled before it was written: nothing to write; the removal that follows
            // finds nothing, which is done too.
            Attempt::Delivered(None)
        }
        OutboxAction::Created => {
            let organizer = match store.source(&message.target).await {
                Ok(Some(record)) => record.account.email,
                Ok(None) => {
                    return Attempt::Impossible("the calendar is no longer a source".into());
                }
                Err(error) => return failed(format!("the store failed: {error}"), None),
            };
            let event = NewEvent {
                uid: uid.clone(),
                stamp: booking.created_at,
                sequence: 0,
                start: booking.terms.start,
                end: booking.terms.end,
                summary: format!("Booking: {}", booking.terms.booker_name),
                description: booking.terms.note.clone(),
                location: None,
                organizer: Attendee {
                    email: organizer,
                    name: None,
                },
                attendees: vec![Attendee {
                    email: booking.terms.booker_email.clone(),
                    name: Some(booking.terms.booker_name.clone()),
                }],
            };
            let text = match ics::write(&event, Method::None) {
                Ok(text) => text,
                Err(error) => {
                    return Attempt::Impossible(format!("cannot write the event: {error}"));
                }
            };
            create(
                &client,
                &Client::resource_url(&collection, &uid),
                &uid,
                &text,
            )
            .await
        }
        OutboxAction::Cancelled => {
            let written: Option<Written> = message
                .created_result
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok());
            let (url, etag) = match written {
                Some(written) => match Url::parse(&written.url) {
                    Ok(url) => (url, written.etag.map(ETag::new)),
                    Err(_) => (Client::resource_url(&collection, &uid), None),
                },
                // Never recorded as written (skipped, or given up): remove what may be
                // there all the same; nothing there is done.
                None => (Client::resource_url(&collection, &uid), None),
            };
            remove(&client, &url, &uid, etag).await
        }
        // Moving the written event is the reschedule's part (issue 17, branch resched).
        OutboxAction::Rescheduled => Attempt::Impossible(
            "updating a calendar's copy after a reschedule is not implemented here".into(),
        ),
    }
}

/// PUTs the event unless something is at `url` already; something that is ours counts
/// as delivered.
async fn create(client: &Client, url: &Url, uid: &str, text: &str) -> Attempt {
    match client.put(url, text, Precondition::Absent).await {
        Ok(etag) => delivered(url, etag),
        Err(CalDavError::PreconditionFailed { .. }) => match client.get(url).await {
            Ok(resource) if holds_uid(&resource.data, uid) => delivered(url, resource.etag),
            Ok(_) => {
                Attempt::Impossible("another event already has this booking's resource name".into())
            }
            Err(error) => from_caldav(error),
        },
        Err(error) => from_caldav(error),
    }
}

/// DELETEs the event at `url` if it is still there; if it changed since (`etag`), only
/// when it is still ours.
async fn remove(client: &Client, url: &Url, uid: &str, etag: Option<ETag>) -> Attempt {
    match client.delete(url, etag.as_ref()).await {
        Ok(()) => Attempt::Delivered(None),
        Err(CalDavError::PreconditionFailed { .. }) => match client.get(url).await {
            Ok(resource) if holds_uid(&resource.data, uid) => {
                match client.delete(url, resource.etag.as_ref()).await {
                    Ok(()) => Attempt::Delivered(None),
                    Err(error) => from_caldav(error),
                }
            }
            // Someone put another event there: not ours to remove.
            Ok(_) | Err(CalDavError::NotFound { .. }) => Attempt::Delivered(None),
            Err(error) => from_caldav(error),
        },
        Err(error) => from_caldav(error),
    }
}

/// Whether the iCalendar `data` is the event with `uid` (an unfolded `UID:` line).
fn holds_uid(data: &str, uid: &str) -> bool {
    data.lines()
        .any(|line| line.trim_end_matches('\r') == format!("UID:{uid}"))
}

fn delivered(url: &Url, etag: Option<ETag>) -> Attempt {
    let written = Written {
        url: url.to_string(),
        etag: etag.map(|etag| etag.as_str().to_owned()),
    };
    Attempt::Delivered(serde_json::to_string(&written).ok())
}

fn failed(error: String, retry_after: Option<std::time::Duration>) -> Attempt {
    Attempt::Failed { error, retry_after }
}

/// A CalDAV failure as an attempt that is retried, its text without the URL (the
/// source's own error mapping), with the server's `Retry-After`.
fn from_caldav(error: CalDavError) -> Attempt {
    from_fetch(FetchError::from(error))
}

fn from_fetch(error: FetchError) -> Attempt {
    let retry_after = match &error {
        FetchError::Status { retry_after, .. } => *retry_after,
        _ => None,
    };
    failed(error.to_string(), retry_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unfolded_uid_line_of_ours_matches() {
        let uid = "booking-0a1b@freebusy";
        assert!(holds_uid(
            "BEGIN:VEVENT\r\nUID:booking-0a1b@freebusy\r\nEND:VEVENT\r\n",
            uid
        ));
        assert!(!holds_uid("UID:booking-0a1b@freebusy.other\r\n", uid));
        assert!(!holds_uid("DESCRIPTION:UID:booking-0a1b@freebusy\r\n", uid));
    }
}
