//! The availability engine: wire formats of the free/busy APIs, the merge rule and week
//! slots. Pure: no DOM and no I/O, so it builds for native and wasm32 alike.
//!
//! Data flows one way:
//!
//! ```text
//! wire JSON ──> engine periods ──> merged availability ──> group ──> week slots
//! (wire::zonio, (Period)           (merge)                 (group)   (week, slot)
//!  wire::cronofy)
//! ```
//!
//! - [`Status`] and its strength order `Free < Tentative < Unknown < Busy`.
//! - [`Period`]: a half-open UTC span with a status; [`Window`]: a span without one.
//! - [`merge`](mod@merge): one person's calendars into an [`Availability`] (sorted,
//!   disjoint, coalesced, non-free periods), O(n) for a given time span (a radix sort).
//! - [`group`]: attendees into a [`GroupAvailability`] that keeps who blocks each span.
//! - [`zone`]: the [`Zone`](zone::Zone) trait (UTC offset at an instant, all the engine
//!   asks of a time zone) and local-time resolution across DST gaps and folds.
//! - [`week`] and [`slot`]: the week grid in a zone, and what each slot shows.
//! - [`rule`]: hosts' [`Rules`](rule::Rules) (working hours in their zone, notice,
//!   horizon, buffers, durations, step, bookings per day) and the one rule of what can
//!   be booked: [`bookable`](rule::bookable) and its twin [`check`](rule::check), and the
//!   [`unavailable`](rule::unavailable) time the week grid shows apart from busy.
//! - [`wire`]: the Zonio and Cronofy documents, both directions, and the rules document;
//!   with the `ics` feature also `wire::ics`: iCalendar feeds parsed and expanded into
//!   instances for a window and an account, and events written for invitations and CalDAV.
//!
//! No clock: whatever depends on the current time takes `now` as an argument.
//!
//! # Features
//!
//! - `json` (default): `parse_*` and `to_json` over `serde_json`.
//! - `tzdb`: [`Zone`](zone::Zone) for `chrono_tz::Tz`, for native users; too large for
//!   the widget's wasm bundle, which implements `Zone` with the browser's `Intl` instead.
//! - `ics` (implies `tzdb`): `wire::ics`, for the server. The widget never compiles it.
//!
//! # Example
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use freebusy_core::week::{VisibleHours, Week, WeekSpec};
//! use freebusy_core::wire::zonio;
//! use freebusy_core::{Availability, GroupAvailability, SlotStatus};
//!
//! let body = r#"[{"start": "2026-04-20T09:00:00Z", "end": "2026-04-20T10:00:00Z", "type": "busy"}]"#;
//! let conversion = zonio::to_periods(&zonio::parse_response(body)?);
//! let group = GroupAvailability::from(&Availability::merge(conversion.periods));
//!
//! let spec = WeekSpec {
//!     first_day: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
//!     visible: VisibleHours::new(9 * 60, 12 * 60).unwrap(),
//!     slot_minutes: 60,
//! };
//! let week = Week::layout(&spec, &Utc).unwrap();
//! let now = Utc.with_ymd_and_hms(2026, 4, 19, 12, 0, 0).unwrap();
//! let monday: Vec<&str> = week.days()[0]
//!     .slots()
//!     .iter()
//!     .map(|slot| slot.assess(&group, now).status.as_str())
//!     .collect();
//! assert_eq!(monday, ["busy", "free", "free"]);
//! # Ok::<(), serde_json::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// "Never panics on any input": the library code may not unwrap, index or panic; tests may.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unreachable,
        clippy::todo
    )
)]

pub mod group;
pub mod merge;
pub mod period;
pub mod rule;
pub mod slot;
pub mod status;
pub mod week;
pub mod wire;
pub mod zone;

#[cfg(feature = "tzdb")]
mod tzdb;

pub use group::{Blocker, GroupAvailability, GroupSegment};
pub use merge::{Availability, merge};
pub use period::{Period, PeriodError, Window};
pub use slot::{Slot, SlotAvailability, SlotStatus};
pub use status::Status;
