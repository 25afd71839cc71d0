//! Booking a slot, and cancelling it: the decisions, apart from HTTP.
//!
//! - [`request`]: the request body read into a checked [`BookingRequest`].
//! - [`book`]: the hosts must be accounts with a calendar; the store books them only if
//!   their rules allow it and all are free ([`Store::insert_booking_checked`], in one
//!   transaction no two requests can both pass); a repeated idempotency key is a retry
//!   only with the same terms.
//! - [`cancel`]: with the token handed out at booking time.
//! - [`links`]: the visitor's links to cancel, reschedule and add to a calendar.
//! - [`change`]: a `PATCH` read strictly, and moving a booking to another time
//!   ([`Store::reschedule_booking`], as atomic as booking).
//! - [`invitation`]: the booking as an iCalendar invitation and the letter around it.

pub mod change;
pub mod invitation;
pub mod links;
pub mod openings;
pub mod request;

pub use request::BookingRequest;

use chrono::{DateTime, Utc};
use freebusy_core::Window;

use crate::auth::{self, CancelToken};
use crate::error::{ApiError, ParamCheck};
use crate::outbox::Outbox;
use crate::rules;
use crate::state::BookingPolicy;
use crate::store::{
    Account, Audience, Blocker, Booking, BookingOutcome, BookingTerms, NewBooking, Store,
};

/// A booking that holds: new, or the one an earlier identical request made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    /// The booking as stored.
    pub booking: Booking,
    /// Whether an earlier request with the same idempotency key and terms made it.
    pub replayed: bool,
    /// The hosts' accounts, in the request's order.
    pub hosts: Vec<Account>,
    /// A cancel token for the booker. A replay gets a fresh one too: the first is not
    /// kept in clear, so it cannot be handed out again.
    pub cancel_token: CancelToken,
}

/// Books `request` if every host's rules allow it and every host is free for all of it.
///
/// The rules ([`crate::rules`]) are judged inside the booking's transaction, so requests
/// that never came through the widget get the same answer. Tentative time blocks unless
/// the host's rules or `policy.allow_over_tentative` allow it; busy and unknown time
/// always do (`Status::is_bookable`).
///
/// # Errors
///
/// 422 for a host that is not an account or has no calendar, for an idempotency key
/// reused with other terms, and for a meeting the rules refuse whatever the calendars
/// hold (`errors.too_soon`, `errors.too_far_ahead`, `errors.outside_working_hours`,
/// `errors.not_on_step` on `start`; `errors.not_offered`, `errors.too_long` on `end`);
/// 409 ([`ApiError::SlotTaken`]) when a host is not free, naming each with the
/// strongest status in the way, and ([`ApiError::RuleConflict`]) for a full day or a
/// buffer that is not free; 500 if the store fails.
///
/// `outbox` decides who else is told (emails, webhooks); those messages are written in
/// the booking's transaction.
pub async fn book(
    store: &Store,
    request: &BookingRequest,
    policy: BookingPolicy,
    outbox: &Outbox,
    now: DateTime<Utc>,
) -> Result<Booked, ApiError> {
    let hosts = host_accounts(store, request.hosts()).await?;
    let mut host_ids: Vec<i64> = hosts.iter().map(|account| account.id).collect();
    host_ids.sort_unstable();
    host_ids.dedup();
    let terms = BookingTerms {
        hosts: host_ids,
        start: request.start(),
        end: request.end(),
        booker_name: request.name().to_owned(),
        booker_email: request.email().to_owned(),
        note: request.note().map(str::to_owned),
    };
    let cancel_token = CancelToken::new()?;
    let new = NewBooking {
        terms: terms.clone(),
        idempotency_key: Some(request.idempotency_key().to_owned()),
        cancel_token_hash: cancel_token.hash.clone(),
        audience: Audience {
            visitor_zone: request.time_zone().map(|zone| zone.name().to_owned()),
            ..outbox.audience(&hosts)
        },
    };
    let (judged, blocking) = rules::of_hosts(store, &hosts, policy).await?;
    let meeting = Window::new(request.start(), request.end())
        .map_err(|_| ApiError::param("end", "errors.before_start", "must be after start"))?;
    let guard = rules::booking_guard(judged.clone(), meeting, now)?;
    let outcome = store
        .insert_booking_checked(new, blocking, guard, now)
        .await?;
    let (booking, replayed) = match outcome {
        BookingOutcome::Refused(refusal) => return Err(rules::refused(refusal, &judged)),
        BookingOutcome::Created(booking) => (booking, false),
        BookingOutcome::Replayed(booking) if booking.terms == terms => {
            store
                .add_cancel_token(&booking.id, &cancel_token.hash)
                .await?;
            (booking, true)
        }
        BookingOutcome::Replayed(_) => {
            return Err(ApiError::param(
                "idempotency_key",
                "errors.reused",
                "this idempotency key was used for a different booking request",
            ));
        }
        BookingOutcome::Taken(blockers) => return Err(slot_taken(&blockers, &hosts)),
    };
    Ok(Booked {
        booking,
        replayed,
        hosts,
        cancel_token,
    })
}

/// Cancels booking `id` with the bearer `token` handed out for it, returning it as it
/// now stands; cancelling twice is fine.
///
/// # Errors
///
/// 404 for an unknown id or a token that does not cancel it (the two are not told
/// apart, so ids cannot be probed); 500 if the store fails.
pub async fn cancel(
    store: &Store,
    id: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Booking, ApiError> {
    let cancelled = store
        .cancel_booking(id, &auth::token_hash(token), now)
        .await?;
    cancelled.ok_or_else(change::not_found)
}

/// The `UID` of booking `booking_id` as an iCalendar event: the event written into the
/// hosts' CalDAV calendars (and, later, the invitations), stable for the booking's life.
pub fn event_uid(booking_id: &str) -> String {
    format!("booking-{booking_id}@freebusy")
}

/// Whether `uid` is one [`event_uid`] makes: a booking's own copy in a host's calendar,
/// which a sync of that calendar leaves out (the booking blocks its time by itself, and
/// a cancelled one must free it at once, before its removal upstream is read back).
pub fn is_event_uid(uid: &str) -> bool {
    uid.strip_prefix("booking-")
        .and_then(|rest| rest.strip_suffix("@freebusy"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// The account of each host address, in order; every one must exist and have a
/// calendar to book into.
async fn host_accounts(store: &Store, addresses: &[String]) -> Result<Vec<Account>, ApiError> {
    let mut check = ParamCheck::new();
    let mut hosts = Vec::with_capacity(addresses.len());
    for address in addresses {
        match store.account_by_email(address).await? {
            None => check.fail(
                "hosts",
                "errors.unknown_host",
                &format!("{address} is not a host here"),
            ),
            Some(account) if store.calendars_of(account.id).await?.is_empty() => check.fail(
                "hosts",
                "errors.unknown_host",
                &format!("{address} has no calendar to book into"),
            ),
            Some(account) => hosts.push(account),
        }
    }
    check.finish(Some(hosts))
}

/// The 409 for hosts who are not free, each named by address.
fn slot_taken(blockers: &[Blocker], hosts: &[Account]) -> ApiError {
    ApiError::SlotTaken {
        message: "a host is not free for all of this time".into(),
        blockers: blockers
            .iter()
            .map(|blocker| {
                let host = hosts
                    .iter()
                    .find(|account| account.id == blocker.account_id)
                    .map_or_else(String::new, |account| account.email.clone());
                (host, blocker.status.as_str())
            })
            .collect(),
    }
}
