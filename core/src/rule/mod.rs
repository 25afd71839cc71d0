//! Hosts' rules, and the one rule that decides which meetings can be booked.
//!
//! ```text
//! Rules (checked) ─┐
//! Zone ────────────┤
//! Availability ────┼─> Host ──> bookable(hosts, duration, now, window) ──> Openings
//! bookings ────────┘        └─> check(hosts, meeting, now) ──────────────> Ok | Refusal
//!                           └─> unavailable(hosts, now, window) ─────────> Unavailable
//! ```
//!
//! - [`Rules`]: a host's home zone (by IANA name), weekly working hours ([`TimeRange`]s
//!   per weekday), date overrides, minimum notice, booking horizon, buffers, meeting
//!   durations, start-time step, bookings per day, and whether tentative time may be
//!   booked. Every field is checked when set; a [`RuleError`] names the [`Field`] and
//!   the [`Problem`]. The wire form is [`RulesDocument`](crate::wire::rules::RulesDocument).
//! - [`Host`]: one host's rules with a [`Zone`](crate::zone::Zone) for their home zone,
//!   their merged [`Availability`](crate::Availability) and their bookings.
//! - [`bookable`] lists the meetings that can be booked; [`check`] says whether one can,
//!   or gives the [`Refusal`] and its [`Reason`]; [`durations_offered`] is the choice of
//!   lengths every host offers. They share one predicate, so they agree
//!   by construction: the server checks with the function the widget lists with.
//! - [`unavailable`] and [`SlotOffer`]: for the week grid, time the rules close (shown
//!   "unavailable", apart from busy) and what a slot offers.
//!
//! Local time only at the edges: working hours are wall-clock ranges in each host's
//! zone, turned into UTC windows per local date through the zone (DST gaps and folds
//! included); everything else compares instants.
//!
//! # Example
//!
//! ```
//! use chrono::{TimeZone, Utc, Weekday};
//! use freebusy_core::rule::{Host, Reason, Refusal, Rules, TimeRange, bookable, check};
//! use freebusy_core::{Availability, Period, Status, Window};
//!
//! // Carol, in Sydney, works 09:00–13:00 on Mondays and offers 30- and 60-minute calls.
//! let rules = Rules::default()
//!     .with_time_zone("Australia/Sydney")?
//!     .with_hours(Weekday::Mon, &[TimeRange::parse("09:00", "13:00")?])?
//!     .with_durations_minutes(&[30, 60])?;
//! let sydney = chrono_tz::Australia::Sydney;
//! // Busy 10:00–11:00 Sydney time (UTC+10 in June).
//! let at = |d, h| Utc.with_ymd_and_hms(2026, 6, d, h, 0, 0).unwrap();
//! let calendar = Availability::merge([Period::new(at(15, 0), at(15, 1), Status::Busy)?]);
//! let carol = [Host::new(&rules, &sydney, &calendar)];
//!
//! let now = at(10, 0);
//! let monday = Window::new(at(14, 23), at(15, 3))?; // 09:00–13:00 in Sydney
//! let starts: Vec<_> = bookable(&carol, 60, now, monday).meetings().iter().map(|m| m.start()).collect();
//! assert_eq!(starts, [at(14, 23), at(15, 1), at(15, 1) + chrono::TimeDelta::minutes(30), at(15, 2)]);
//!
//! let during = Window::new(at(15, 0), at(15, 1))?;
//! assert_eq!(
//!     check(&carol, during, now),
//!     Err(Refusal::Host { host: 0, reason: Reason::Busy { status: Status::Busy } }),
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bookable;
mod host;
mod hours;
mod rules;
mod unavailable;
mod windows;

pub use bookable::{Openings, Reason, Refusal, bookable, check, durations_offered};
pub use host::Host;
pub use hours::TimeRange;
pub use rules::{
    DEFAULT_DURATION_MINUTES, DEFAULT_HORIZON_DAYS, DEFAULT_NOTICE_MINUTES, DEFAULT_STEP_MINUTES,
    DEFAULT_TIME_ZONE, Field, MAX_BOOKINGS_PER_DAY, MAX_BUFFER_MINUTES, MAX_HORIZON_DAYS,
    MAX_MINUTES, MAX_NOTICE_MINUTES, MAX_OVERRIDES, MAX_ZONE_NAME_BYTES, MIN_MINUTES, Numbers,
    Problem, RuleError, Rules,
};
pub use unavailable::{SlotOffer, Unavailable, unavailable};

pub(crate) use hours::clock_text;
pub(crate) use rules::day_key;
