//! Email addresses: how accounts are identified in both APIs. The rule is the engine's
//! ([`freebusy_core::wire::email`]), shared with the widget.

pub use freebusy_core::wire::email::check;
