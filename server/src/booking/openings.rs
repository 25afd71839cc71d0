//! The times a booking could move to: for the reschedule page, the starts at which a
//! meeting of the booking's duration fits for all of its hosts in a window.
//!
//! Each host's availability is read from the store and merged by the engine
//! ([`Availability::merge`]), without the booking's own events (it may move into part
//! of its own time, as [`Store::reschedule_booking`] allows). A listed start is a
//! suggestion: the move itself is checked again, atomically, by the store.

use chrono::{DateTime, TimeDelta, Utc};
use freebusy_core::{Availability, Period, Window};

use crate::error::ApiError;
use crate::state::BookingPolicy;
use crate::store::{Account, Booking, EventQuery, Store, bookings_calendar_id};

/// How far apart offered starts are.
pub const STEP_MINUTES: i64 = 30;

/// The starts in `window` (each on a [`STEP_MINUTES`] boundary, not before `now`) at
/// which `booking`'s duration is free for every one of `hosts`: no event in the way
/// that `policy` counts (busy and unknown always; tentative unless allowed).
///
/// # Errors
///
/// 500/503 if the store fails.
pub async fn openings(
    store: &Store,
    booking: &Booking,
    hosts: &[Account],
    window: Window,
    policy: BookingPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, ApiError> {
    let duration = booking.terms.end - booking.terms.start;
    let mut calendars = Vec::with_capacity(hosts.len());
    for host in hosts {
        calendars.push(host_availability(store, booking, host, window).await?);
    }
    let step = TimeDelta::minutes(STEP_MINUTES);
    let seconds = step.num_seconds();
    let first = window.start().max(now);
    let aligned = (first.timestamp() + seconds - 1).div_euclid(seconds) * seconds;
    let mut start = DateTime::from_timestamp(aligned, 0).unwrap_or(first);
    let mut starts = Vec::new();
    while start + duration <= window.end() {
        let meeting = (start, start + duration);
        let free = calendars.iter().all(|calendar| {
            calendar.periods().iter().all(|period| {
                period.end() <= meeting.0
                    || period.start() >= meeting.1
                    || period.status().is_bookable(policy.allow_over_tentative)
            })
        });
        if free {
            starts.push(start);
        }
        start += step;
    }
    Ok(starts)
}

/// `host`'s merged availability over `window`, without `booking`'s own events.
async fn host_availability(
    store: &Store,
    booking: &Booking,
    host: &Account,
    window: Window,
) -> Result<Availability, ApiError> {
    let query = EventQuery {
        calendars: None,
        window,
        all_managed: false,
    };
    let Some(found) = store.account_events(&host.email, query).await? else {
        return Ok(Availability::default());
    };
    let own_calendar = bookings_calendar_id(host.id);
    let periods = found
        .overlapping
        .iter()
        .filter(|event| !event.deleted)
        .filter(|event| {
            !(event.calendar_id == own_calendar && event.event_id.as_deref() == Some(&booking.id))
        })
        .filter_map(|event| {
            let (start, end) = event.span.bounds(&found.account.time_zone);
            Period::new(start, end, event.status).ok()
        });
    Ok(Availability::merge(periods))
}
