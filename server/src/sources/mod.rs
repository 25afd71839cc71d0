//! Calendar sources: the connectors that read hosts' real calendars and feed the store.
//!
//! - [`caldav`]: the CalDAV protocol client (discovery, reports, sync, write-back).

pub mod caldav;
