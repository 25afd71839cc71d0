//! A booking as an invitation: the iCalendar (RFC 5546) that the emails carry and the
//! `.ics` download serves, and the plain-text letter around it.
//!
//! - `UID` is [`event_uid`] (the same as the CalDAV write-back), `SEQUENCE` the
//!   booking's (raised by reschedules; a cancel is one more, so it supersedes the last
//!   request), `DTSTAMP` when the message was written, `DTSTART`/`DTEND` in UTC.
//! - `ORGANIZER` is the first host (lowest account id); the visitor and any other hosts
//!   are `ATTENDEE`s (`PARTSTAT=NEEDS-ACTION;RSVP=TRUE`).
//! - The engine's writer ([`ics::write`]) escapes text and refuses addresses or a `UID`
//!   that could end a line, so a name or note cannot add properties. No token is ever
//!   in the calendar: it is the same for every recipient.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use freebusy_core::wire::ics::{self, Attendee, Method, NewEvent, WriteError};

use super::event_uid;
use super::links::ManageLinks;
use crate::store::{Account, Booking};

/// What a message says happened, which decides the iTIP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Booked: `METHOD:REQUEST`.
    Booked,
    /// Moved: `METHOD:REQUEST` with the raised `SEQUENCE`.
    Moved,
    /// Cancelled: `METHOD:CANCEL`.
    Cancelled,
}

/// The invitation of `booking` (hosts `hosts`, ascending by id) as an iCalendar document
/// with `method`, stamped `stamp`.
///
/// # Errors
///
/// The writer's, for a booking it cannot represent (an address that is not one).
pub fn calendar(
    booking: &Booking,
    hosts: &[Account],
    method: Method,
    stamp: DateTime<Utc>,
) -> Result<String, WriteError> {
    let (organizer, others) = match hosts.split_first() {
        Some((first, rest)) => (first.email.clone(), rest),
        None => (booking.terms.booker_email.clone(), &[][..]),
    };
    let mut attendees = vec![Attendee {
        email: booking.terms.booker_email.clone(),
        name: Some(booking.terms.booker_name.clone()),
    }];
    attendees.extend(others.iter().map(|host| Attendee {
        email: host.email.clone(),
        name: None,
    }));
    let sequence = if method == Method::Cancel {
        booking.sequence.saturating_add(1)
    } else {
        booking.sequence
    };
    let event = NewEvent {
        uid: event_uid(&booking.id),
        stamp,
        sequence,
        start: booking.terms.start,
        end: booking.terms.end,
        summary: summary(booking, hosts),
        // One kind of line break: iCalendar escapes `\n` only.
        description: booking
            .terms
            .note
            .as_ref()
            .map(|note| note.replace("\r\n", "\n").replace('\r', "\n")),
        location: None,
        organizer: Attendee {
            email: organizer,
            name: None,
        },
        attendees,
    };
    ics::write(&event, method)
}

/// The event's title: the visitor and the hosts.
pub fn summary(booking: &Booking, hosts: &[Account]) -> String {
    let hosts: Vec<&str> = hosts.iter().map(|host| host.email.as_str()).collect();
    format!("{} and {}", booking.terms.booker_name, hosts.join(", "))
}

/// Who a letter goes to: the visitor (with their links) or a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// The visitor, reading times in `zone`, with links to manage the booking.
    Visitor {
        /// Their zone (UTC unless the booking said otherwise).
        zone: Tz,
        /// The links their token opens; none once the booking is cancelled.
        links: Option<ManageLinks>,
    },
    /// A host, reading times in their account's zone.
    Host {
        /// The host's zone.
        zone: Tz,
    },
}

/// A letter's subject and plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The subject line (no line breaks: names cannot hold them).
    pub subject: String,
    /// The text/plain body.
    pub text: String,
}

/// The letter about `change` of `booking` for `reader`.
pub fn letter(booking: &Booking, hosts: &[Account], change: Change, reader: &Reader) -> Letter {
    let zone = match reader {
        Reader::Visitor { zone, .. } | Reader::Host { zone } => *zone,
    };
    let when = span_in(booking.terms.start, booking.terms.end, zone);
    let title = summary(booking, hosts);
    let subject = match change {
        Change::Booked => format!("Invitation: {title} @ {when}"),
        Change::Moved => format!("Updated invitation: {title} @ {when}"),
        Change::Cancelled => format!("Cancelled: {title} @ {when}"),
    };
    let host_list: Vec<&str> = hosts.iter().map(|host| host.email.as_str()).collect();
    let what = match (change, reader) {
        (Change::Booked, Reader::Visitor { .. }) => "Your booking is confirmed.",
        (Change::Booked, Reader::Host { .. }) => "You have a new booking.",
        (Change::Moved, _) => "This booking has moved to a new time.",
        (Change::Cancelled, _) => "This booking has been cancelled.",
    };
    let mut text = format!(
        "{what}\n\nWhen: {when}\nWith: {} <{}>\nHosts: {}\n",
        booking.terms.booker_name,
        booking.terms.booker_email,
        host_list.join(", ")
    );
    if let Some(note) = &booking.terms.note {
        text.push_str("Note:\n");
        for line in note.lines() {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
    }
    if let Reader::Visitor {
        links: Some(links), ..
    } = reader
        && change != Change::Cancelled
    {
        text.push_str(&format!(
            "\nNeed to change it?\nReschedule: {}\nCancel: {}\nAdd to calendar: {}\n",
            links.reschedule, links.cancel, links.calendar
        ));
    }
    text.push_str("\nThe invitation is attached for your calendar.\n");
    Letter { subject, text }
}

/// `[start, end)` as a reader in `zone` sees it, e.g. `Tuesday 21 April 2026, 10:00-10:30
/// (Europe/Berlin)`; an end on another local day names its date too.
pub fn span_in(start: DateTime<Utc>, end: DateTime<Utc>, zone: Tz) -> String {
    let (start, end) = (start.with_timezone(&zone), end.with_timezone(&zone));
    let end_text = if start.date_naive() == end.date_naive() {
        end.format("%H:%M").to_string()
    } else {
        end.format("%A %-d %B %Y, %H:%M").to_string()
    };
    format!(
        "{}-{end_text} ({})",
        start.format("%A %-d %B %Y, %H:%M"),
        zone.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::BookingTerms;
    use chrono::TimeZone;

    fn booking(name: &str, note: Option<&str>) -> Booking {
        Booking {
            id: "0a1b2c".into(),
            terms: BookingTerms {
                hosts: vec![1, 2],
                start: Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap(),
                end: Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap(),
                booker_name: name.into(),
                booker_email: "dana@example.org".into(),
                note: note.map(str::to_owned),
            },
            idempotency_key: None,
            cancel_token_hash: String::new(),
            created_at: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
            cancelled_at: None,
            sequence: 2,
        }
    }

    fn hosts() -> Vec<Account> {
        vec![
            Account {
                id: 1,
                email: "alice@example.com".into(),
                time_zone: chrono_tz::Europe::Berlin,
            },
            Account {
                id: 2,
                email: "bob@example.com".into(),
                time_zone: chrono_tz::UTC,
            },
        ]
    }

    #[test]
    fn times_read_in_the_readers_zone_across_a_dst_change() {
        // 00:30-01:30 UTC on the day Berlin springs forward at 01:00 UTC.
        let b = booking("Dana", None);
        assert_eq!(
            span_in(b.terms.start, b.terms.end, chrono_tz::Europe::Berlin),
            "Sunday 29 March 2026, 01:30-03:30 (Europe/Berlin)"
        );
        assert_eq!(
            span_in(b.terms.start, b.terms.end, chrono_tz::America::Los_Angeles),
            "Saturday 28 March 2026, 17:30-18:30 (America/Los_Angeles)"
        );
    }

    #[test]
    fn the_organizer_is_the_first_host_and_a_cancel_supersedes_the_last_request() {
        let b = booking("Dana", None);
        let stamp = b.created_at;
        let request = calendar(&b, &hosts(), Method::Request, stamp)
            .unwrap()
            .replace("\r\n ", "");
        assert!(request.contains("METHOD:REQUEST\r\n"), "{request}");
        assert!(request.contains("ORGANIZER:mailto:alice@example.com\r\n"));
        assert!(request.contains("mailto:bob@example.com"));
        assert!(request.contains("SEQUENCE:2\r\n"));
        let cancel = calendar(&b, &hosts(), Method::Cancel, stamp).unwrap();
        assert!(cancel.contains("METHOD:CANCEL\r\n"));
        assert!(cancel.contains("SEQUENCE:3\r\n"));
        let publish = calendar(&b, &hosts(), Method::Publish, stamp).unwrap();
        assert!(publish.contains("METHOD:PUBLISH\r\n"));
        assert!(!publish.contains("ATTENDEE"));
    }

    #[test]
    fn hostile_names_and_notes_stay_text() {
        let b = booking(
            "Eve\" ;X-EVIL=1:",
            Some("line one\r\nATTENDEE:mailto:mallory@evil.example\nEND:VEVENT"),
        );
        let text = calendar(&b, &hosts(), Method::Request, b.created_at).unwrap();
        let unfolded = text.replace("\r\n ", "");
        assert!(!unfolded.contains("\r\nATTENDEE:mailto:mallory"), "{text}");
        assert_eq!(unfolded.matches("\r\nEND:VEVENT\r\n").count(), 1, "{text}");
        assert!(!unfolded.contains("\r\nX-EVIL"), "{text}");
        let letter = letter(
            &b,
            &hosts(),
            Change::Booked,
            &Reader::Host {
                zone: chrono_tz::UTC,
            },
        );
        assert!(!letter.subject.contains('\n'));
    }

    #[test]
    fn only_the_visitor_reads_links_and_never_after_a_cancel() {
        let b = booking("Dana", None);
        let base = crate::config::parse_public_url("https://cal.example.com").unwrap();
        let visitor = Reader::Visitor {
            zone: chrono_tz::UTC,
            links: Some(ManageLinks::new(&base, &b.id, "feed")),
        };
        let booked = letter(&b, &hosts(), Change::Booked, &visitor);
        assert!(
            booked
                .text
                .contains("Cancel: https://cal.example.com/bookings/0a1b2c/cancel?token=feed")
        );
        let host = letter(
            &b,
            &hosts(),
            Change::Booked,
            &Reader::Host {
                zone: chrono_tz::Europe::Berlin,
            },
        );
        assert!(!host.text.contains("token="));
        assert!(host.text.contains("(Europe/Berlin)"));
        let cancelled = letter(&b, &hosts(), Change::Cancelled, &visitor);
        assert!(!cancelled.text.contains("token="));
        assert!(cancelled.subject.starts_with("Cancelled: "));
    }
}
