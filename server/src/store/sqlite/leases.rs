//! Leases in SQLite: each operation is one statement on the writer, which SQLite runs
//! under its write lock, so two processes on one file never both get an item.
//!
//! The clock is this machine's: every process sharing a SQLite file runs on it.

use chrono::Utc;
use rusqlite::{OptionalExtension, params};

use super::{Database, StoreError};
use crate::store::model::{Lease, from_unix_ms};

impl Database {
    /// See `Store::acquire_lease`.
    pub(in crate::store) fn acquire_lease(
        &mut self,
        name: &str,
        item: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let now = Utc::now().timestamp_millis();
        // Inserted, or taken over when lapsed or released; a live lease is left alone
        // and RETURNING then yields no row.
        let row = self
            .conn
            .prepare_cached(
                "INSERT INTO leases (name, item, holder, generation, expires_at)
                 VALUES (?1, ?2, ?3, 1, ?4 + ?5)
                 ON CONFLICT (name, item) DO UPDATE SET
                     holder = excluded.holder, generation = leases.generation + 1,
                     expires_at = excluded.expires_at
                 WHERE leases.expires_at <= ?4
                 RETURNING generation, expires_at",
            )?
            .query_row(params![name, item, holder, now, ttl_ms], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
            })
            .optional()?;
        row.map(|(generation, expires_at)| {
            Ok(Lease {
                name: name.to_owned(),
                item: item.to_owned(),
                holder: holder.to_owned(),
                generation,
                expires_at: from_unix_ms(expires_at)?,
            })
        })
        .transpose()
    }

    /// See `Store::renew_lease`.
    pub(in crate::store) fn renew_lease(
        &mut self,
        lease: &Lease,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let expires_at = Utc::now().timestamp_millis().saturating_add(ttl_ms);
        let renewed = self
            .conn
            .prepare_cached(
                "UPDATE leases SET expires_at = ?5
                 WHERE name = ?1 AND item = ?2 AND holder = ?3 AND generation = ?4",
            )?
            .execute(params![
                lease.name,
                lease.item,
                lease.holder,
                lease.generation,
                expires_at
            ])?;
        if renewed == 0 {
            return Ok(None);
        }
        Ok(Some(Lease {
            expires_at: from_unix_ms(expires_at)?,
            ..lease.clone()
        }))
    }

    /// See `Store::release_lease`.
    pub(in crate::store) fn release_lease(&mut self, lease: &Lease) -> Result<bool, StoreError> {
        // The row stays (with its generation) so the next holder's token is larger.
        let released = self
            .conn
            .prepare_cached(
                "UPDATE leases SET holder = '', expires_at = 0
                 WHERE name = ?1 AND item = ?2 AND holder = ?3 AND generation = ?4",
            )?
            .execute(params![
                lease.name,
                lease.item,
                lease.holder,
                lease.generation
            ])?;
        Ok(released == 1)
    }
}
