//! Moving a booking in PostgreSQL, under the same serialisation as booking
//! (`bookings.rs` says why it holds): the hosts' account rows locked `FOR NO KEY UPDATE`
//! in ascending id order, then the booking's own row, then the check and the move; the
//! exclusion constraint beneath refuses an overlap whatever slips past.

use chrono::{DateTime, Utc};
use tokio_postgres::error::SqlState;

use super::bookings::{BOOKING_SELECT, blockers, booking_from_row, host_snapshots};
use super::{ATTEMPTS, PgStore, StoreError, has_code, is_retryable};
use crate::store::model::{Blocking, BookingGuard, OutboxAction, Reschedule, RescheduleOutcome};

impl PgStore {
    /// See `Store::reschedule_booking`.
    pub(in crate::store) async fn reschedule_booking(
        &self,
        moving: &Reschedule,
        blocking: Blocking,
        guard: Option<&BookingGuard>,
        now: DateTime<Utc>,
    ) -> Result<RescheduleOutcome, StoreError> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.try_reschedule(moving, blocking, guard, now).await {
                Ok(Some(outcome)) => return Ok(outcome),
                // The exclusion constraint refused the move: someone holds the time.
                Ok(None) => {
                    let client = self.client().await?;
                    let hosts = booking_hosts(&client, &moving.id).await?;
                    let span = (moving.start.timestamp(), moving.end.timestamp());
                    let found = blockers(&client, &hosts, span, blocking, Some(&moving.id)).await?;
                    if !found.is_empty() {
                        return Ok(RescheduleOutcome::Taken(found));
                    }
                }
                Err(error) if !is_retryable(&error) => return Err(error),
                Err(error) if tries >= ATTEMPTS => return Err(error),
                Err(_) => {}
            }
            if tries >= ATTEMPTS {
                return Err(StoreError::Unavailable(
                    "the reschedule kept conflicting with others; try again".into(),
                ));
            }
        }
    }

    /// One attempt; `None` when the exclusion constraint refused the new time.
    async fn try_reschedule(
        &self,
        moving: &Reschedule,
        blocking: Blocking,
        guard: Option<&BookingGuard>,
        now: DateTime<Utc>,
    ) -> Result<Option<RescheduleOutcome>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The hosts of a booking never change, so they can be read before the locks.
        let hosts = booking_hosts(&tx, &moving.id).await?;
        if hosts.is_empty() {
            return Ok(Some(RescheduleOutcome::NotFound));
        }
        let lock = tx
            .prepare_cached(
                "SELECT id FROM accounts WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
            )
            .await?;
        tx.query(&lock, &[&hosts]).await?;
        let opened = tx
            .prepare_cached(
                "SELECT id FROM bookings b WHERE b.id = $1 AND (b.cancel_token_hash = $2
                     OR EXISTS (SELECT 1 FROM booking_cancel_tokens t
                                WHERE t.booking_id = $1 AND t.token_hash = $2))
                 FOR UPDATE",
            )
            .await?;
        if tx
            .query_opt(&opened, &[&moving.id, &moving.cancel_token_hash])
            .await?
            .is_none()
        {
            return Ok(Some(RescheduleOutcome::NotFound));
        }
        let by_id = tx
            .prepare_cached(&format!("{BOOKING_SELECT} WHERE b.id = $1"))
            .await?;
        let booking = booking_from_row(&tx.query_one(&by_id, &[&moving.id]).await?)?;
        if booking.cancelled_at.is_some() {
            return Ok(Some(RescheduleOutcome::Cancelled(booking)));
        }
        if booking.terms.start == moving.start && booking.terms.end == moving.end {
            return Ok(Some(RescheduleOutcome::Unchanged(booking)));
        }
        if let Some(guard) = guard {
            let snapshots = host_snapshots(&tx, &hosts, guard.window, Some(&moving.id)).await?;
            if let Err(refusal) = (guard.check)(&snapshots) {
                // Dropping the transaction rolls it back: nothing was written.
                return Ok(Some(RescheduleOutcome::Refused(refusal)));
            }
        }
        let (start, end) = (moving.start.timestamp(), moving.end.timestamp());
        let found = blockers(&tx, &hosts, (start, end), blocking, Some(&moving.id)).await?;
        if !found.is_empty() {
            return Ok(Some(RescheduleOutcome::Taken(found)));
        }
        let id = &moving.id;
        tx.execute(
            "UPDATE bookings SET start_at = $2, end_at = $3, sequence = sequence + 1
             WHERE id = $1",
            &[id, &start, &end],
        )
        .await?;
        let during = tx
            .execute(
                "UPDATE booking_hosts SET during = int8range($2, $3) WHERE booking_id = $1",
                &[id, &start, &end],
            )
            .await;
        match during {
            Err(error) if has_code(&error, &SqlState::EXCLUSION_VIOLATION) => return Ok(None),
            other => other?,
        };
        tx.execute(
            "UPDATE events SET start_at = $2, end_at = $3, last_modified = $4
             WHERE calendar_id IN (SELECT 'bookings_' || account_id FROM booking_hosts
                                   WHERE booking_id = $1)
               AND event_id = $1 AND managed AND uid = 'booking_' || $1 AND NOT deleted",
            &[id, &start, &end, &now.timestamp()],
        )
        .await?;
        // In the move's transaction: a crash after the answer loses no update.
        super::outbox::enqueue(&tx, id, OutboxAction::Rescheduled, now).await?;
        let moved = booking_from_row(&tx.query_one(&by_id, &[id]).await?)?;
        tx.commit().await?;
        Ok(Some(RescheduleOutcome::Moved(moved)))
    }
}

/// The account ids of booking `id`'s hosts, ascending (none for an unknown booking).
async fn booking_hosts(
    client: &impl deadpool_postgres::GenericClient,
    id: &str,
) -> Result<Vec<i64>, StoreError> {
    let statement = client
        .prepare_cached(
            "SELECT account_id FROM booking_hosts WHERE booking_id = $1 ORDER BY account_id",
        )
        .await?;
    Ok(client
        .query(&statement, &[&id])
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect())
}
