//! freebusy: an embeddable week-grid scheduling widget.
//!
//! Everything testable lives in this library; `main.rs` only mounts the demo page.
//! Logic that can be a pure function lives in the availability engine
//! ([`freebusy_core`]) or in [`grid`] and [`options`], tested natively; the components
//! wire signals to them, and all I/O goes through [`fetch`].
//!
//! Three ways in: the [`Scheduler`] component (Rust), [`embed::mount`] (JavaScript's
//! `mount(element, options)`) and the `<freebusy-scheduler>` custom element
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
pub mod options;
mod scheduler;
mod week_nav;

pub use options::Options;
pub use scheduler::Scheduler;
pub use week_nav::WeekNav;
