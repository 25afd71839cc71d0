//! The times a booking could move to: for the reschedule page, the starts at which a
//! meeting of the booking's duration can be booked with all of its hosts in a window,
//! by the engine's own rule ([`rule::bookable`]: the hosts' working hours, notice,
//! horizon, buffers, step and daily limit, over their merged availability).
//!
//! Each host's availability and bookings are read from the store without the booking's
//! own (it may move into part of its own time, as [`Store::reschedule_booking`]
//! allows, and it does not count towards its own day's limit). A listed start is a
//! suggestion: the move itself is checked again, atomically, by the store's guard.

use chrono::{DateTime, TimeDelta, Utc};
use freebusy_core::rule::{self, Host, Rules};
use freebusy_core::{Availability, Period, Window};

use crate::error::ApiError;
use crate::rules;
use crate::state::BookingPolicy;
use crate::store::{Account, Booking, EventQuery, Store, bookings_calendar_id};

/// How far around the window a host's calendars are read: a buffer or a local day that
/// starts or ends just outside the window still counts.
const MARGIN_DAYS: i64 = 2;

/// The starts in `window` at which `booking`'s duration can be booked with every one of
/// `hosts` (with their rules, `policy`'s tentative setting, and the clock at `now`).
///
/// # Errors
///
/// 500/503 if the store fails or holds rules it cannot read.
pub async fn openings(
    store: &Store,
    booking: &Booking,
    hosts: &[Account],
    window: Window,
    policy: BookingPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, ApiError> {
    let duration = booking.terms.end - booking.terms.start;
    let Ok(minutes) = u32::try_from(duration.num_minutes()) else {
        return Ok(Vec::new());
    };
    let margin = TimeDelta::days(MARGIN_DAYS);
    let read = Window::new(window.start() - margin, window.end() + margin)
        .map_err(|error| ApiError::Internal(format!("the reschedule window: {error}")))?;
    let mut seen: Vec<(Rules, Availability, Vec<Window>)> = Vec::with_capacity(hosts.len());
    for host in hosts {
        let rules = rules::of_account(store, host, policy).await?;
        let (availability, bookings) = calendars_of(store, booking, host, read).await?;
        seen.push((rules, availability, bookings));
    }
    let judged: Vec<Host<'_>> = hosts
        .iter()
        .zip(&seen)
        .map(|(account, (rules, availability, bookings))| {
            Host::new(rules, &account.time_zone, availability).with_bookings(bookings)
        })
        .collect();
    Ok(rule::bookable(&judged, minutes, now, window)
        .meetings()
        .iter()
        .map(Window::start)
        .collect())
}

/// `host`'s merged availability over `window` and their bookings there (by start),
/// both without `booking` itself.
async fn calendars_of(
    store: &Store,
    booking: &Booking,
    host: &Account,
    window: Window,
) -> Result<(Availability, Vec<Window>), ApiError> {
    let query = EventQuery {
        calendars: None,
        window,
        all_managed: false,
    };
    let Some(found) = store.account_events(&host.email, query).await? else {
        return Ok((Availability::default(), Vec::new()));
    };
    let own_calendar = bookings_calendar_id(host.id);
    let events: Vec<_> = found
        .overlapping
        .iter()
        .filter(|event| !event.deleted)
        .filter(|event| {
            !(event.calendar_id == own_calendar && event.event_id.as_deref() == Some(&booking.id))
        })
        .collect();
    let mut bookings: Vec<Window> = events
        .iter()
        .filter(|event| event.calendar_id == own_calendar && event.is_managed())
        .filter_map(|event| {
            let (start, end) = event.span.bounds(&found.account.time_zone);
            Window::new(start, end).ok()
        })
        .collect();
    bookings.sort_unstable_by_key(Window::start);
    let periods = events.iter().filter_map(|event| {
        let (start, end) = event.span.bounds(&found.account.time_zone);
        Period::new(start, end, event.status).ok()
    });
    Ok((Availability::merge(periods), bookings))
}
