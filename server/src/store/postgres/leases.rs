//! Leases in PostgreSQL: each operation is one statement, atomic under concurrency.
//!
//! Two replicas acquiring one item both reach the `ON CONFLICT` row; the first locks and
//! updates it, the second waits, re-reads the updated row and finds the lease live, so
//! it gets no row back. Time is the database server's (`statement_timestamp()`, in
//! milliseconds), never a replica's.

use super::{PgStore, StoreError};
use crate::store::model::{Lease, from_unix_ms};

/// The database's clock, in unix milliseconds, fixed for the statement.
const NOW_MS: &str = "(extract(epoch FROM statement_timestamp()) * 1000)::bigint";

impl PgStore {
    /// See `Store::acquire_lease`.
    pub(in crate::store) async fn acquire_lease(
        &self,
        name: &str,
        item: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "INSERT INTO leases (name, item, holder, generation, expires_at)
                 VALUES ($1, $2, $3, 1, {NOW_MS} + $4)
                 ON CONFLICT (name, item) DO UPDATE SET
                     holder = excluded.holder, generation = leases.generation + 1,
                     expires_at = excluded.expires_at
                 WHERE leases.expires_at <= {NOW_MS}
                 RETURNING generation, expires_at"
            ))
            .await?;
        client
            .query_opt(&statement, &[&name, &item, &holder, &ttl_ms])
            .await?
            .map(|row| {
                Ok(Lease {
                    name: name.to_owned(),
                    item: item.to_owned(),
                    holder: holder.to_owned(),
                    generation: row.try_get(0)?,
                    expires_at: from_unix_ms(row.try_get(1)?)?,
                })
            })
            .transpose()
    }

    /// See `Store::renew_lease`.
    pub(in crate::store) async fn renew_lease(
        &self,
        lease: &Lease,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "UPDATE leases SET expires_at = {NOW_MS} + $5
                 WHERE name = $1 AND item = $2 AND holder = $3 AND generation = $4
                 RETURNING expires_at"
            ))
            .await?;
        client
            .query_opt(
                &statement,
                &[
                    &lease.name,
                    &lease.item,
                    &lease.holder,
                    &lease.generation,
                    &ttl_ms,
                ],
            )
            .await?
            .map(|row| {
                Ok(Lease {
                    expires_at: from_unix_ms(row.try_get(0)?)?,
                    ..lease.clone()
                })
            })
            .transpose()
    }

    /// See `Store::release_lease`.
    pub(in crate::store) async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "UPDATE leases SET holder = '', expires_at = 0
                 WHERE name = $1 AND item = $2 AND holder = $3 AND generation = $4",
            )
            .await?;
        let released = client
            .execute(
                &statement,
                &[&lease.name, &lease.item, &lease.holder, &lease.generation],
            )
            .await?;
        Ok(released == 1)
    }
}
