//! freebusy: an embeddable week-grid scheduling widget.
//!
//! Everything testable lives in this library; `main.rs` only mounts the demo page.
//! Logic that can be a pure function lives in the availability engine
//! ([`freebusy_core`]); the components here wire signals to it.

mod week_nav;

pub use week_nav::WeekNav;
