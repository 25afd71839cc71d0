//! freebusy: an embeddable week-grid scheduling widget.
//!
//! Everything testable lives in this library; `main.rs` only mounts the demo page.
//! Data flows one way: [`options`] -> [`fetch`] (all I/O) -> the engine
//! ([`freebusy_core`]) -> [`state`] (a plain type with methods, tested natively) -> the
//! component ([`Scheduler`]), which only wires signals and DOM events to the state.
//!
//! - [`options`]: what a host page configures, one parser for every way in.
//! - [`fetch`]: free/busy reads of both API styles and bookings, behind [`fetch::Http`].
//! - [`state`]: the widget's state and its transitions ([`state::SchedulerState`]).
//! - [`grid`]: the week as cells, blocks and keyboard moves, and its markup.
//! - [`messages`] and [`locale`]: the texts (English built in, five more languages read from the server), and which one; [`intl`]:
//!   dates, times and zones from the browser's `Intl`; [`browser_zone`]: the engine's
//!   `Zone` answered by `Intl`; [`zone_picker`]: the zone list.
//! - [`events`] and [`js`]: what the host page hears, as plain JS objects.
//! - [`embed`]: the custom element and `mount()`.
//!
//! Three ways in: the [`Scheduler`] component (Rust), the [`embed`] module's JavaScript
//! `mount(element, options)` and the `<freebusy-scheduler>` custom element
//! ([`embed::define_element`]).
//!
//! In a Leptos app (the README's example, compiled by the doc tests):
//!
//! ```no_run
//! use freebusy::{Options, Scheduler};
//! use leptos::prelude::*;
//!
//! #[component]
//! fn Booking() -> impl IntoView {
//!     let options = Options {
//!         backend: Some("https://calendar.example.com".into()),
//!         attendees: vec!["alice@example.com".into(), "bob@example.com".into()],
//!         ..Options::default()
//!     };
//!     view! { <Scheduler options /> }
//! }
//! ```

pub mod browser_zone;
pub mod embed;
pub mod events;
pub mod fetch;
pub mod grid;
pub mod intl;
pub mod js;
pub mod locale;
pub mod messages;
pub mod options;
pub mod regions;
mod scheduler;
pub mod state;
pub mod zone_picker;

#[cfg(test)]
mod testing;

pub use options::Options;
pub use scheduler::{COMPACT_BELOW_PX, OptionChanges, Scheduler};
