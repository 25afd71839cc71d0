//! The outbox in SQLite: messages written inside the booking's (or the cancel's)
//! transaction, claimed by the delivery loop under leases, and settled.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{Database, StoreError};
use crate::store::model::{
    Audience, Lease, OutboxAction, OutboxMessage, OutboxOutcome, outbox_sql as sql,
};

/// A fresh message id per row (128 random bits, hex).
const NEW_ID: &str = "lower(hex(randomblob(16)))";

/// Writes the messages booking `booking_id` owes for `action`, inside `tx`: on
/// creation, one calendar write per writable CalDAV source calendar of its hosts; on
/// cancel, one removal per target a `created` message went to (calendars, addresses,
/// webhooks), once; on each reschedule, one update per such target, unless cancelled.
pub(super) fn enqueue(
    tx: &Transaction<'_>,
    booking_id: &str,
    action: OutboxAction,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let written = match action {
        OutboxAction::Created => tx.execute(
            &format!(
                "INSERT INTO outbox (id, kind, booking_id, target, action, created_at, due_at)
                 SELECT {NEW_ID}, 'calendar_write', h.booking_id, s.calendar_id, 'created',
                        ?2, ?2
                 FROM booking_hosts h JOIN calendars c ON c.account_id = h.account_id
                 JOIN sources s ON s.calendar_id = c.id
                 WHERE h.booking_id = ?1 AND s.writable = 1 AND s.kind = 'caldav'
                 ORDER BY s.calendar_id"
            ),
            params![booking_id, now.timestamp()],
        )?,
        OutboxAction::Cancelled | OutboxAction::Rescheduled => tx.execute(
            // The action's name is a fixed word, safe in the SQL text.
            &format!(
                "INSERT INTO outbox (id, kind, booking_id, target, action, created_at, due_at)
                 SELECT {NEW_ID}, o.kind, o.booking_id, o.target, '{}', ?2, ?2 {}",
                action.as_str(),
                sql::copied_from(action)
            ),
            params![booking_id, now.timestamp()],
        )?,
    };
    Ok(written)
}

/// Writes the `created` emails and webhook calls of booking `booking_id` that `audience`
/// asks for, inside `tx` (after [`enqueue`], so the order is calendars, emails, webhooks).
pub(super) fn announce(
    tx: &Transaction<'_>,
    booking_id: &str,
    audience: &Audience,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut written = 0;
    if audience.email {
        written += tx.execute(
            &format!(
                "INSERT INTO outbox (id, kind, booking_id, target, action, created_at, due_at,
                                     payload)
                 SELECT {NEW_ID}, 'email', ?1, r.target, 'created', ?2, ?2,
                        CASE WHEN r.rank = 0 THEN ?3 END {}",
                sql::EMAILS_FROM
            ),
            params![booking_id, now.timestamp(), audience.visitor_payload()],
        )?;
    }
    for webhook in &audience.webhooks {
        written += tx.execute(
            &format!(
                "INSERT INTO outbox (id, kind, booking_id, target, action, created_at, due_at)
                 VALUES ({NEW_ID}, 'webhook', ?1, ?3, 'created', ?2, ?2)"
            ),
            params![booking_id, now.timestamp(), webhook],
        )?;
    }
    Ok(written)
}

impl Database {
    /// See `Store::due_outbox`.
    pub(in crate::store) fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut statement =
            self.conn
                .prepare_cached(&format!("SELECT {} {}", sql::COLUMNS, sql::DUE))?;
        let rows = statement.query_map(params![now.timestamp(), limit], message_columns)?;
        rows.map(|row| row?).collect()
    }

    /// See `Store::outbox_message`.
    pub(in crate::store) fn outbox_message(
        &self,
        id: &str,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {} FROM outbox o WHERE o.id = ?1",
                sql::COLUMNS
            ))?
            .query_row(params![id], message_columns)
            .optional()?
            .transpose()
    }

    /// See `Store::outbox_of`.
    pub(in crate::store) fn outbox_of(
        &self,
        booking_id: &str,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {} FROM outbox o WHERE o.booking_id = ?1 ORDER BY o.seq",
            sql::COLUMNS
        ))?;
        let rows = statement.query_map(params![booking_id], message_columns)?;
        rows.map(|row| row?).collect()
    }

    /// See `Store::next_outbox_due`.
    pub(in crate::store) fn next_outbox_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let next: Option<i64> = self.conn.query_row(
            "SELECT min(due_at) FROM outbox WHERE state = 'pending'",
            [],
            |row| row.get(0),
        )?;
        Ok(next.and_then(|seconds| DateTime::from_timestamp(seconds, 0)))
    }

    /// See `Store::finish_outbox`.
    pub(in crate::store) fn finish_outbox(
        &mut self,
        lease: &Lease,
        outcome: &OutboxOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (state, due, done, result, error) = OutboxMessage::finish_columns(outcome, now);
        let changed = self.conn.prepare_cached(sql::FINISH)?.execute(params![
            lease.item,
            lease.holder,
            state,
            now.timestamp(),
            due,
            done,
            result,
            error,
            lease.generation,
        ])?;
        Ok(changed == 1)
    }
}

fn message_columns(row: &Row<'_>) -> rusqlite::Result<Result<OutboxMessage, StoreError>> {
    Ok(OutboxMessage::from_columns(
        row.get(0)?,
        row.get(1)?,
        &row.get::<_, String>(2)?,
        row.get(3)?,
        row.get(4)?,
        &row.get::<_, String>(5)?,
        &row.get::<_, String>(6)?,
        row.get(7)?,
        (row.get(8)?, row.get(9)?, row.get(11)?),
        row.get(10)?,
        row.get(12)?,
        (row.get(13)?, row.get(14)?),
    ))
}
