//! Moving a booking in SQLite: the check and the move in one `IMMEDIATE` transaction,
//! so a reschedule and a booking (or two reschedules) into one slot serialise on the
//! write lock like two bookings do, and the second sees the first.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::bookings::{blockers, host_snapshot, read_booking, vanished};
use super::{Database, StoreError};
use crate::store::model::{Blocking, BookingGuard, OutboxAction, Reschedule, RescheduleOutcome};

impl Database {
    /// See `Store::reschedule_booking`.
    pub(in crate::store) fn reschedule_booking(
        &mut self,
        moving: &Reschedule,
        blocking: Blocking,
        guard: Option<&BookingGuard>,
        now: DateTime<Utc>,
    ) -> Result<RescheduleOutcome, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let opened: Option<String> = tx
            .query_row(
                "SELECT id FROM bookings b WHERE b.id = ?1 AND (b.cancel_token_hash = ?2
                     OR EXISTS (SELECT 1 FROM booking_cancel_tokens t
                                WHERE t.booking_id = ?1 AND t.token_hash = ?2))",
                params![moving.id, moving.cancel_token_hash],
                |row| row.get(0),
            )
            .optional()?;
        let Some(id) = opened else {
            return Ok(RescheduleOutcome::NotFound);
        };
        let booking = read_booking(&tx, &id)?.ok_or_else(|| vanished(&id))?;
        if booking.cancelled_at.is_some() {
            return Ok(RescheduleOutcome::Cancelled(booking));
        }
        if booking.terms.start == moving.start && booking.terms.end == moving.end {
            return Ok(RescheduleOutcome::Unchanged(booking));
        }
        if let Some(guard) = guard {
            let snapshots = booking
                .terms
                .hosts
                .iter()
                .map(|&host| host_snapshot(&tx, host, guard.window, Some(&id)))
                .collect::<Result<Vec<_>, _>>()?;
            if let Err(refusal) = (guard.check)(&snapshots) {
                return Ok(RescheduleOutcome::Refused(refusal));
            }
        }
        let (start, end) = (moving.start.timestamp(), moving.end.timestamp());
        let found = blockers(&tx, &booking.terms.hosts, (start, end), blocking, Some(&id))?;
        if !found.is_empty() {
            return Ok(RescheduleOutcome::Taken(found));
        }
        tx.execute(
            "UPDATE bookings SET start_at = ?2, end_at = ?3, sequence = sequence + 1
             WHERE id = ?1",
            params![id, start, end],
        )?;
        // Through the hosts' bookings calendars, as the cancel finds them.
        tx.execute(
            "UPDATE events SET start_at = ?2, end_at = ?3, last_modified = ?4
             WHERE calendar_id IN (SELECT 'bookings_' || account_id FROM booking_hosts
                                   WHERE booking_id = ?1)
               AND event_id = ?1 AND managed = 1 AND uid = 'booking_' || ?1
               AND deleted = 0",
            params![id, start, end, now.timestamp()],
        )?;
        // In the move's transaction: a crash after the answer loses no update.
        super::outbox::enqueue(&tx, &id, OutboxAction::Rescheduled, now)?;
        let moved = read_booking(&tx, &id)?.ok_or_else(|| vanished(&id))?;
        tx.commit()?;
        Ok(RescheduleOutcome::Moved(moved))
    }
}
