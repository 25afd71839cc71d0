//! The wire formats of the two free/busy APIs, both directions, and of hosts' rules
//! ([`rules`]).
//!
//! Parsing is strict about JSON (a trailing comma is an error, whatever the Cronofy
//! document's examples show) and lenient about content: one period with an unknown
//! status or an unreadable time does not lose the whole response. Such a period stays
//! in the wire value as it was read, and turning wire periods into engine
//! [`Period`](crate::Period)s reports it as [`Skipped`] with a [`SkipReason`].
//!
//! The wire types only derive serde: the `json` feature adds `parse_*`/`to_json`
//! conveniences over `serde_json`, while the widget deserializes the same types from
//! JavaScript values with `serde-wasm-bindgen` and ships no JSON parser of its own.

pub mod booking;
pub mod cronofy;
pub mod date;
pub mod email;
#[cfg(feature = "ics")]
pub mod ics;
pub mod rules;
pub mod zonio;

mod conversion;
pub mod rfc3339;
mod wire_status;

pub use conversion::{Conversion, SkipReason, Skipped};
pub use wire_status::WireStatus;
