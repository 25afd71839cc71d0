//! Hosts' rules (working hours, notice, horizon, buffers, durations, bookings per day):
//! where they come from, what the server publishes, and how a booking is judged by them.
//!
//! The rule itself is the engine's ([`freebusy_core::rule`]): the widget evaluates the
//! same function in the browser on the same document, so the grid never offers what the
//! server would refuse. This module only builds each host's [`Rules`] and turns a
//! [`Refusal`] into the API's answer.
//!
//! - The home zone is the account's `time_zone` (one field, not a second one in the
//!   rules): a seed's `rules` object must not name one ([`from_seed`]).
//! - No `rules` means the engine's documented defaults (Monday–Friday 09:00–17:00 in
//!   the account's zone, 4 hours' notice, 60 days ahead, 30-minute meetings every 30
//!   minutes; server/SEED.md).
//! - `--allow-booking-over-tentative` lets every host be booked over tentative time, as
//!   if each host's rules said `book_over_tentative`; what is published says so too.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use freebusy_core::rule::{self, Host, Reason, Refusal, Rules};
use freebusy_core::wire::rfc3339;
use freebusy_core::wire::rules::RulesDocument;
use freebusy_core::{Availability, Window};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::BookingPolicy;
use crate::store::{Account, Blocking, BookingGuard, HostSnapshot, Store};

/// A host's rules as they apply: the stored document (or the defaults) in the account's
/// zone, with the server's tentative policy.
///
/// # Errors
///
/// 500 if the store fails or holds a document the engine refuses (the seed is checked
/// on load, so that is a bug or a hand-edited database).
pub async fn of_account(
    store: &Store,
    account: &Account,
    policy: BookingPolicy,
) -> Result<Rules, ApiError> {
    let document = store.account_rules(account.id).await?;
    effective(document, account.time_zone, policy).map_err(|problem| {
        ApiError::Internal(format!("stored rules of {}: {problem}", account.email))
    })
}

/// Each host's rules as they apply ([`of_account`]), and the store's last-line overlap
/// rule they imply: tentative time blocks unless some host's rules book over it (the
/// guard then refuses it for the hosts whose rules do not). A booking and a move judge
/// their hosts the same way.
///
/// # Errors
///
/// As [`of_account`].
pub async fn of_hosts(
    store: &Store,
    hosts: &[Account],
    policy: BookingPolicy,
) -> Result<(Vec<(Account, Rules)>, Blocking), ApiError> {
    let mut judged = Vec::with_capacity(hosts.len());
    for account in hosts {
        judged.push((account.clone(), of_account(store, account, policy).await?));
    }
    let blocking = Blocking {
        tentative: !judged.iter().any(|(_, rules)| rules.book_over_tentative()),
    };
    Ok((judged, blocking))
}

/// `document` (or the defaults) in `zone`, with `policy`'s tentative setting.
///
/// # Errors
///
/// The engine's [`rule::RuleError`], as text naming the field.
pub fn effective(
    document: Option<RulesDocument>,
    zone: Tz,
    policy: BookingPolicy,
) -> Result<Rules, String> {
    let mut document = document.unwrap_or_default();
    document.time_zone = zone.name().to_owned();
    document.book_over_tentative |= policy.allow_over_tentative;
    Rules::try_from(document).map_err(|error| error.to_string())
}

/// A seed account's `rules` object, checked by the engine in the account's `zone`.
///
/// # Errors
///
/// What is wrong, naming the field: a `time_zone` (the account's is the one), a field
/// the document does not have, a value of the wrong type, or one the engine refuses
/// (`weekly.monday[1]: overlaps range 0 of the same day`).
pub fn from_seed(object: &Map<String, Value>, zone: Tz) -> Result<RulesDocument, String> {
    if object.contains_key("time_zone") {
        return Err(
            "rules.time_zone: the rules are in the account's zone; set the account's time_zone"
                .into(),
        );
    }
    let mut object = object.clone();
    object.insert("time_zone".into(), Value::String(zone.name().to_owned()));
    let document: RulesDocument =
        serde_json::from_value(Value::Object(object)).map_err(|error| format!("rules: {error}"))?;
    Rules::try_from(document.clone()).map_err(|error| format!("rules.{error}"))?;
    Ok(document)
}

/// How far around a meeting a booking guard reads: a host's local day of the start
/// lies within 26 hours of it on either side (offsets are at most 14 hours from UTC,
/// days at most 25 hours long), and buffers reach at most [`rule::MAX_BUFFER_MINUTES`]
/// beyond the meeting.
fn guard_window(meeting: Window) -> Result<Window, ApiError> {
    let reach = TimeDelta::hours(26) + TimeDelta::minutes(i64::from(rule::MAX_BUFFER_MINUTES));
    let start = meeting.start().checked_sub_signed(reach);
    let end = meeting.end().checked_add_signed(reach);
    start
        .zip(end)
        .and_then(|(start, end)| Window::new(start, end).ok())
        .ok_or_else(|| ApiError::param("start", "errors.invalid", "out of range"))
}

/// The guard that judges a booking of `meeting` with `hosts` (accounts and their rules,
/// in the request's order) by their rules, inside the booking's transaction.
///
/// The check builds each host's availability from what the store holds then (events
/// with all-day ones in the host's zone, bookings as busy time and towards the day's
/// count) and asks [`rule::check`]; the first host's grid decides the start times.
///
/// # Errors
///
/// 422 for a meeting too far from the representable range.
pub fn booking_guard(
    hosts: Vec<(Account, Rules)>,
    meeting: Window,
    now: DateTime<Utc>,
) -> Result<BookingGuard, ApiError> {
    let window = guard_window(meeting)?;
    let check = move |snapshots: &[HostSnapshot]| {
        let seen: Vec<(Availability, Vec<Window>)> = hosts
            .iter()
            .map(|(account, _)| {
                snapshots
                    .iter()
                    .find(|snapshot| snapshot.account_id == account.id)
                    .map_or_else(
                        || (Availability::default(), Vec::new()),
                        |snapshot| {
                            (
                                Availability::merge(snapshot.periods.iter().copied()),
                                snapshot.bookings.clone(),
                            )
                        },
                    )
            })
            .collect();
        let judged: Vec<Host<'_>> = hosts
            .iter()
            .zip(&seen)
            .map(|((account, rules), (availability, bookings))| {
                Host::new(rules, &account.time_zone, availability).with_bookings(bookings)
            })
            .collect();
        rule::check(&judged, meeting, now)
    };
    Ok(BookingGuard {
        window,
        check: Box::new(check),
    })
}

/// The answer to a booking the rules refuse: 422 naming the field (`start` for when it
/// starts, `end` for how long it is) with `errors.<reason>` for a request no state of
/// the calendars could make bookable; 409 for one that conflicts with busy time, a
/// booking or a full day.
pub fn refused(refusal: Refusal, hosts: &[(Account, Rules)]) -> ApiError {
    let Refusal::Host { host, reason } = refusal else {
        return ApiError::param("hosts", "errors.required", "at least one host is required");
    };
    let (address, rules) = hosts
        .get(host)
        .map_or(("a host", None), |(account, rules)| {
            (account.email.as_str(), Some(rules))
        });
    let key = format!("errors.{}", reason.code());
    let field = match reason {
        Reason::NotOffered | Reason::TooLong { .. } => "end",
        Reason::Busy { status } => {
            return ApiError::SlotTaken {
                message: "a host is not free for all of this time".into(),
                blockers: vec![(address.to_owned(), status.as_str())],
            };
        }
        Reason::DayFull { .. } | Reason::WithinBuffer { .. } => {
            return ApiError::RuleConflict {
                message: format!("{address}: {reason}"),
                reason: reason.code(),
                host: address.to_owned(),
            };
        }
        _ => "start",
    };
    let detail = match reason {
        Reason::NotOffered => rules.map_or_else(String::new, |rules| {
            let offered: Vec<String> = rules
                .durations_minutes()
                .iter()
                .map(u32::to_string)
                .collect();
            format!(" (offered: {} minutes)", offered.join(", "))
        }),
        Reason::TooSoon { earliest } => format!(" (the earliest is {})", rfc3339::format(earliest)),
        Reason::TooFarAhead { last_day } => format!(" (the last day is {last_day})"),
        _ => String::new(),
    };
    ApiError::param(field, &key, &format!("{address}: {reason}{detail}"))
}
