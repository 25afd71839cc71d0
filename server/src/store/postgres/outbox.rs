//! The outbox in PostgreSQL: the same statements as SQLite's (one text, shared in
//! `model::outbox_sql`), written inside the booking's or the cancel's transaction.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{PgStore, StoreError};
use crate::store::model::{
    Audience, Lease, OutboxAction, OutboxMessage, OutboxOutcome, outbox_sql as sql,
    outbox_sql_for_postgres as pg,
};

/// A fresh message id per row (128 random bits, hex).
const NEW_ID: &str = "replace(gen_random_uuid()::text, '-', '')";

/// Writes the messages booking `booking_id` owes for `action`, inside `tx` (see the
/// SQLite twin).
pub(super) async fn enqueue(
    tx: &impl GenericClient,
    booking_id: &str,
    action: OutboxAction,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let now = now.timestamp();
    let statement = match action {
        OutboxAction::Created => format!(
            "INSERT INTO outbox (id, kind, booking_id, target, action, created_at, due_at)
             SELECT {NEW_ID}, 'calendar_write', h.booking_id, s.calendar_id, 'created', $2, $2
             FROM booking_hosts h JOIN calendars c ON c.account_id = h.account_id
             JOIN sources s ON s.calendar_id = c.id
             WHERE h.booking_id = $1 AND s.writable AND s.kind = 'caldav'
             ORDER BY s.calendar_id"
        ),
        OutboxAction::Cancelled | OutboxAction::Rescheduled => format!(
            "INSERT INTO outbox (id, kind, booking_id, target, action, created_at, due_at)
             SELECT {NEW_ID}, o.kind, o.booking_id, o.target, '{}', $2, $2 {}",
            action.as_str(),
            pg(sql::copied_from(action))
        ),
    };
    let statement = tx.prepare_cached(&statement).await?;
    Ok(tx.execute(&statement, &[&booking_id, &now]).await?)
}

/// Writes the `created` emails and webhook calls `audience` asks for, inside `tx` (see
/// the SQLite twin).
pub(super) async fn announce(
    tx: &impl GenericClient,
    booking_id: &str,
    audience: &Audience,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let now = now.timestamp();
    let mut written = 0;
    if audience.email {
        let statement = tx
            .prepare_cached(&format!(
                "INSERT INTO outbox (id, kind, booking_id, target, action, created_at, due_at,
                                     payload)
                 SELECT {NEW_ID}, 'email', $1, r.target, 'created', $2, $2,
                        CASE WHEN r.rank = 0 THEN $3::text END {}",
                pg(sql::EMAILS_FROM)
            ))
            .await?;
        let payload = audience.visitor_payload();
        written += tx
            .execute(&statement, &[&booking_id, &now, &payload])
            .await?;
    }
    if !audience.webhooks.is_empty() {
        let statement = tx
            .prepare_cached(&format!(
                "INSERT INTO outbox (id, kind, booking_id, target, action, created_at, due_at)
                 VALUES ({NEW_ID}, 'webhook', $1, $3, 'created', $2, $2)"
            ))
            .await?;
        for webhook in &audience.webhooks {
            written += tx
                .execute(&statement, &[&booking_id, &now, webhook])
                .await?;
        }
    }
    Ok(written)
}

impl PgStore {
    /// See `Store::due_outbox`.
    pub(in crate::store) async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&pg(&format!("SELECT {} {}", sql::COLUMNS, sql::DUE)))
            .await?;
        let rows = client
            .query(&statement, &[&now.timestamp(), &i64::from(limit)])
            .await?;
        rows.iter().map(message).collect()
    }

    /// See `Store::outbox_message`.
    pub(in crate::store) async fn outbox_message(
        &self,
        id: &str,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "SELECT {} FROM outbox o WHERE o.id = $1",
                sql::COLUMNS
            ))
            .await?;
        client
            .query_opt(&statement, &[&id])
            .await?
            .as_ref()
            .map(message)
            .transpose()
    }

    /// See `Store::outbox_of`.
    pub(in crate::store) async fn outbox_of(
        &self,
        booking_id: &str,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "SELECT {} FROM outbox o WHERE o.booking_id = $1 ORDER BY o.seq",
                sql::COLUMNS
            ))
            .await?;
        let rows = client.query(&statement, &[&booking_id]).await?;
        rows.iter().map(message).collect()
    }

    /// See `Store::next_outbox_due`.
    pub(in crate::store) async fn next_outbox_due(
        &self,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT min(due_at) FROM outbox WHERE state = 'pending'",
                &[],
            )
            .await?;
        let next: Option<i64> = row.try_get(0)?;
        Ok(next.and_then(|seconds| DateTime::from_timestamp(seconds, 0)))
    }

    /// See `Store::finish_outbox`.
    pub(in crate::store) async fn finish_outbox(
        &self,
        lease: &Lease,
        outcome: &OutboxOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (state, due, done, result, error) = OutboxMessage::finish_columns(outcome, now);
        let client = self.client().await?;
        let statement = client.prepare_cached(&pg(sql::FINISH)).await?;
        let changed = client
            .execute(
                &statement,
                &[
                    &lease.item,
                    &lease.holder,
                    &state,
                    &now.timestamp(),
                    &due,
                    &done,
                    &result,
                    &error,
                    &lease.generation,
                ],
            )
            .await?;
        Ok(changed == 1)
    }
}

fn message(row: &Row) -> Result<OutboxMessage, StoreError> {
    OutboxMessage::from_columns(
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
        row.try_get(5)?,
        row.try_get(6)?,
        i64::from(row.try_get::<_, i32>(7)?),
        (row.try_get(8)?, row.try_get(9)?, row.try_get(11)?),
        row.try_get(10)?,
        row.try_get(12)?,
        (row.try_get(13)?, row.try_get(14)?),
    )
}
