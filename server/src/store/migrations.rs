//! The schema of both backends, as one ordered list of migrations.
//!
//! Each migration is a folder under `store/migrations/` holding the same change twice,
//! `sqlite.sql` and `postgres.sql`, side by side: a migration cannot be added to one
//! backend and forgotten in the other (a missing file does not compile), and both
//! backends count the same schema versions. Migration `i` (0-based) takes a database
//! from version `i` to `i + 1`; once shipped, a migration is never edited: a change is a
//! new folder at the end of `MIGRATIONS`.
//!
//! To add a table: write `NNNN_what/sqlite.sql` and `NNNN_what/postgres.sql`, append
//! `migration!("NNNN_what")` below, then the operations that use it in each backend
//! (see the `store` module) and a contract test that runs on both.

/// One schema change, in each backend's dialect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// The folder's name, e.g. `0005_leases`.
    pub name: &'static str,
    /// The change for SQLite, run in one transaction.
    pub sqlite: &'static str,
    /// The change for PostgreSQL, run in one transaction.
    pub postgres: &'static str,
}

macro_rules! migration {
    ($name:literal) => {
        Migration {
            name: $name,
            sqlite: include_str!(concat!("migrations/", $name, "/sqlite.sql")),
            postgres: include_str!(concat!("migrations/", $name, "/postgres.sql")),
        }
    };
}

/// Every migration, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    migration!("0001_accounts_calendars_events_bookings"),
    migration!("0002_booking_cancel_tokens"),
    migration!("0003_sources"),
    migration!("0004_event_window_bound"),
    migration!("0005_leases"),
    migration!("0006_outbox"),
    migration!("0007_lifecycle"),
    migration!("0008_account_rules"),
];

/// The schema version this build migrates databases to: the number of migrations.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Events longer than this (two days, in seconds) are read through their end, not
/// through their calendar's longest event (migration 0004): so one long event (a trip,
/// a source's unknown time) does not widen every window query of its calendar. The
/// queries write it into their text as a literal, so that both planners match the
/// partial indexes; a test below keeps it the migration's number.
pub(crate) const LONG_EVENT_SECONDS: i64 = 172_800;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_event_threshold_is_the_one_the_window_migration_indexes() {
        let bound = MIGRATIONS
            .iter()
            .find(|m| m.name == "0004_event_window_bound")
            .expect("the window migration");
        for sql in [bound.sqlite, bound.postgres] {
            assert!(sql.contains(&format!("end_at - start_at > {LONG_EVENT_SECONDS}")));
            assert!(sql.contains(&format!("end_at - start_at <= {LONG_EVENT_SECONDS}")));
        }
    }
}
