//! [`Zone`] for the full IANA tz database (`chrono-tz`), behind the `tzdb` feature.
//!
//! For native users only: the server, the tests and the benchmarks. The widget answers
//! [`Zone`] from the browser instead, because the database costs more than its whole
//! bundle budget.

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};

use crate::zone::Zone;

impl Zone for chrono_tz::Tz {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        self.offset_from_utc_datetime(&instant.naive_utc()).fix()
    }
}
