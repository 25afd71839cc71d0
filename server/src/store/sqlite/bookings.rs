//! Bookings in SQLite: check-and-insert in one transaction, lookups, and cancellation.
//!
//! The one property only storage can give lives here: two requests for the same slot
//! cannot both succeed, even from two processes on one file.
//!
//! A booking is also a busy *managed* event (`event_id` = the booking id, uid
//! `booking_{id}`) in each host's "Bookings" calendar (id `bookings_{account id}`,
//! created with the host's first booking), written in the booking's transaction. So
//! both free/busy APIs see bookings with no special case, and cancelling marks those
//! events deleted, which incremental sync reports.

use chrono::{DateTime, Utc};
use freebusy_core::{Period, Status, Window};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params, params_from_iter};

use super::{Database, StoreError, time_column};
use crate::store::migrations::LONG_EVENT_SECONDS as LONG;
use crate::store::model::{
    Account, Blocker, Blocking, Booking, BookingGuard, BookingOutcome, BookingTerms, HostSnapshot,
    NewBooking, OutboxAction, bookings_calendar_id,
};

const BOOKING_COLUMNS: &str = "id, start_at, end_at, booker_name, booker_email, note, \
     idempotency_key, cancel_token_hash, created_at, cancelled_at, sequence";

impl Database {
    /// See `Store::insert_booking_if_free`.
    ///
    /// The check and the insert run in one `IMMEDIATE` transaction, which takes SQLite's
    /// write lock before reading: a second writer (thread or process) waits, then sees
    /// the first one's booking.
    pub(in crate::store) fn insert_booking_if_free(
        &mut self,
        booking: &NewBooking,
        blocking: Blocking,
        now: DateTime<Utc>,
    ) -> Result<BookingOutcome, StoreError> {
        self.insert_booking(booking, blocking, None, now)
    }

    /// See `Store::insert_booking_checked`: the guard runs in the same `IMMEDIATE`
    /// transaction, after the idempotency check and before the overlap check.
    pub(in crate::store) fn insert_booking_checked(
        &mut self,
        booking: &NewBooking,
        blocking: Blocking,
        guard: BookingGuard,
        now: DateTime<Utc>,
    ) -> Result<BookingOutcome, StoreError> {
        self.insert_booking(booking, blocking, Some(guard), now)
    }

    fn insert_booking(
        &mut self,
        booking: &NewBooking,
        blocking: Blocking,
        guard: Option<BookingGuard>,
        now: DateTime<Utc>,
    ) -> Result<BookingOutcome, StoreError> {
        let terms = &booking.terms;
        let hosts = terms.checked_hosts()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(key) = &booking.idempotency_key {
            let existing: Option<String> = tx
                .query_row(
                    "SELECT id FROM bookings WHERE idempotency_key = ?1",
                    params![key],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(id) = existing {
                let existing = read_booking(&tx, &id)?.ok_or_else(|| vanished(&id))?;
                return Ok(BookingOutcome::Replayed(existing));
            }
        }

        if let Some(guard) = guard {
            let snapshots = hosts
                .iter()
                .map(|&host| host_snapshot(&tx, host, guard.window, None))
                .collect::<Result<Vec<_>, _>>()?;
            if let Err(refusal) = (guard.check)(&snapshots) {
                return Ok(BookingOutcome::Refused(refusal));
            }
        }

        let (start, end) = (terms.start.timestamp(), terms.end.timestamp());
        let found = blockers(&tx, &hosts, (start, end), blocking, None)?;
        if !found.is_empty() {
            return Ok(BookingOutcome::Taken(found));
        }

        let id: String = tx.query_row(
            "INSERT INTO bookings (id, start_at, end_at, booker_name, booker_email, note,
                                   idempotency_key, cancel_token_hash, created_at)
             VALUES (lower(hex(randomblob(16))), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             RETURNING id",
            params![
                start,
                end,
                terms.booker_name,
                terms.booker_email,
                terms.note,
                booking.idempotency_key,
                booking.cancel_token_hash,
                now.timestamp(),
            ],
            |row| row.get(0),
        )?;
        for host in &hosts {
            tx.execute(
                "INSERT INTO booking_hosts (booking_id, account_id) VALUES (?1, ?2)",
                params![id, host],
            )?;
            let calendar = bookings_calendar_id(*host);
            tx.execute(
                "INSERT INTO calendars (id, account_id, name) VALUES (?1, ?2, 'Bookings')
                 ON CONFLICT (id) DO NOTHING",
                params![calendar, host],
            )?;
            tx.execute(
                "INSERT INTO events (calendar_id, uid, managed, event_id, status, all_day,
                                     start_at, end_at, deleted, last_modified)
                 VALUES (?1, ?2, 1, ?3, 'busy', 0, ?4, ?5, 0, ?6)",
                params![
                    calendar,
                    format!("booking_{id}"),
                    id,
                    start,
                    end,
                    now.timestamp()
                ],
            )?;
        }
        // In the booking's transaction: a crash after the answer loses no delivery.
        super::outbox::enqueue(&tx, &id, OutboxAction::Created, now)?;
        super::outbox::announce(&tx, &id, &booking.audience, now)?;
        let created = read_booking(&tx, &id)?.ok_or_else(|| vanished(&id))?;
        tx.commit()?;
        Ok(BookingOutcome::Created(created))
    }

    /// See `Store::booking`.
    pub(in crate::store) fn booking(&self, id: &str) -> Result<Option<Booking>, StoreError> {
        read_booking(&self.conn, id)
    }

    /// See `Store::cancel_booking`.
    pub(in crate::store) fn cancel_booking(
        &mut self,
        id: &str,
        cancel_token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Booking>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let matched = tx.execute(
            "UPDATE bookings SET cancelled_at = coalesce(cancelled_at, ?3)
             WHERE id = ?1 AND (cancel_token_hash = ?2 OR EXISTS (
                 SELECT 1 FROM booking_cancel_tokens t
                 WHERE t.booking_id = ?1 AND t.token_hash = ?2))",
            params![id, cancel_token_hash, now.timestamp()],
        )?;
        let booking = if matched == 1 {
            tx.execute(
                // Through the hosts' bookings calendars, so the (calendar_id, event_id)
                // index finds the rows without reading other events.
                "UPDATE events SET deleted = 1, last_modified = ?2
                 WHERE calendar_id IN (SELECT 'bookings_' || account_id FROM booking_hosts
                                       WHERE booking_id = ?1)
                   AND event_id = ?1 AND managed = 1 AND uid = 'booking_' || ?1
                   AND deleted = 0",
                params![id, now.timestamp()],
            )?;
            super::outbox::enqueue(&tx, id, OutboxAction::Cancelled, now)?;
            read_booking(&tx, id)?
        } else {
            None
        };
        tx.commit()?;
        Ok(booking)
    }

    /// See `Store::hosts_of`.
    pub(in crate::store) fn hosts_of(&self, id: &str) -> Result<Vec<Account>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT a.id, a.email, a.time_zone FROM booking_hosts h
             JOIN accounts a ON a.id = h.account_id WHERE h.booking_id = ?1 ORDER BY a.id",
        )?;
        let hosts = statement
            .query_map(params![id], super::account_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(hosts)
    }

    /// See `Store::booking_opened_by`.
    pub(in crate::store) fn booking_opened_by(
        &self,
        id: &str,
        cancel_token_hash: &str,
    ) -> Result<Option<Booking>, StoreError> {
        let opens: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM bookings WHERE id = ?1 AND cancel_token_hash = ?2)
                 OR EXISTS (SELECT 1 FROM booking_cancel_tokens
                            WHERE booking_id = ?1 AND token_hash = ?2)",
            params![id, cancel_token_hash],
            |row| row.get(0),
        )?;
        if opens {
            read_booking(&self.conn, id)
        } else {
            Ok(None)
        }
    }

    /// See `Store::add_cancel_token`.
    pub(in crate::store) fn add_cancel_token(
        &mut self,
        id: &str,
        cancel_token_hash: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO booking_cancel_tokens (booking_id, token_hash) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
            params![id, cancel_token_hash],
        )?;
        Ok(())
    }
}

/// The hosts who are not free for `[start, end)` (unix seconds), strongest status per
/// host: events `blocking` counts and other bookings not cancelled. `except` is a
/// booking whose own time does not count (the one being moved): its managed events and
/// itself are left out.
pub(super) fn blockers(
    tx: &rusqlite::Connection,
    hosts: &[i64],
    (start, end): (i64, i64),
    blocking: Blocking,
    except: Option<&str>,
) -> Result<Vec<Blocker>, StoreError> {
    // Status names are fixed ASCII words, so they can stand in the SQL text.
    let blocking_statuses = Status::ALL
        .into_iter()
        .filter(|&status| blocking.blocks(status))
        .map(|status| format!("'{status}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // ?1 is the end, ?2 the start, then the hosts, then their bookings calendars, then
    // the booking to leave out (NULL for none).
    let numbered = |from: usize| {
        (from..from + hosts.len())
            .map(|n| format!("?{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (host_list, bookings_calendars) = (numbered(3), numbered(3 + hosts.len()));
    let except_at = 3 + 2 * hosts.len();
    let not_own_event = format!("(e.managed = 0 OR e.uid IS NOT ('booking_' || ?{except_at}))");
    // Every part is an index range bounded on both sides (migration 0004), so the
    // check costs what is near the slot, not the hosts' history: events of at most
    // two days through each calendar's longest one, bookings likewise through the
    // hosts' bookings calendars (each booking is one of their events), and longer
    // events and bookings through their end. CROSS JOIN keeps SQLite's planner on
    // that order: the hosts' calendars, or the bookings in range, first.
    let sql = format!(
        "SELECT c.account_id, e.status FROM calendars c CROSS JOIN events e
         WHERE c.account_id IN ({host_list}) AND e.calendar_id = c.id AND e.deleted = 0
           AND e.status IN ({blocking_statuses})
           AND e.start_at < ?1 AND e.start_at > ?2 - c.longest_event_seconds
           AND e.end_at > ?2 AND {not_own_event}
         UNION
         SELECT c.account_id, e.status FROM calendars c CROSS JOIN events e
         WHERE c.account_id IN ({host_list}) AND e.calendar_id = c.id AND e.deleted = 0
           AND e.status IN ({blocking_statuses})
           AND e.end_at - e.start_at > {LONG} AND e.end_at > ?2 AND e.start_at < ?1
           AND {not_own_event}
         UNION
         SELECT h.account_id, 'busy' FROM bookings b CROSS JOIN booking_hosts h
         WHERE h.booking_id = b.id AND h.account_id IN ({host_list})
           AND b.cancelled_at IS NULL AND b.start_at < ?1 AND b.end_at > ?2
           AND b.id IS NOT ?{except_at}
           AND b.start_at > ?2 - (SELECT coalesce(max(longest_event_seconds), 0)
                                  FROM calendars WHERE id IN ({bookings_calendars}))
         UNION
         SELECT h.account_id, 'busy' FROM bookings b CROSS JOIN booking_hosts h
         WHERE h.booking_id = b.id AND h.account_id IN ({host_list})
           AND b.cancelled_at IS NULL AND b.end_at - b.start_at > {LONG}
           AND b.end_at > ?2 AND b.start_at < ?1 AND b.id IS NOT ?{except_at}
         ORDER BY 1"
    );
    let values = [Value::Integer(end), Value::Integer(start)]
        .into_iter()
        .chain(hosts.iter().map(|&host| Value::Integer(host)))
        .chain(
            hosts
                .iter()
                .map(|&host| Value::Text(bookings_calendar_id(host))),
        )
        .chain([except.map_or(Value::Null, |id| Value::Text(id.to_owned()))]);
    let found: Vec<(i64, String)> = tx
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values), |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(Blocker::strongest_per_host(&found))
}

/// What a booking guard sees of `host` over `window`: their events not deleted (every
/// status, clipped to the window, by start) and their bookings not cancelled (by start).
///
/// Both are read in the two bounded parts of the window queries (migration 0004), so a
/// checked booking costs what lies near its window, not the host's history (nor a
/// source's unknown time before and after what it read, which are long events): events
/// of at most two days through each calendar's longest one, bookings likewise through
/// the host's bookings calendar (each booking is one of its events), and longer ones
/// through their end.
pub(super) fn host_snapshot(
    conn: &rusqlite::Connection,
    host: i64,
    window: Window,
    except: Option<&str>,
) -> Result<HostSnapshot, StoreError> {
    let (start, end) = (window.start().timestamp(), window.end().timestamp());
    let mut periods = Vec::new();
    let mut events = conn.prepare_cached(&format!(
        "SELECT e.start_at, e.end_at, e.status FROM calendars c CROSS JOIN events e
         WHERE c.account_id = ?1 AND e.calendar_id = c.id AND e.deleted = 0
           AND e.start_at < ?2 AND e.start_at > ?3 - c.longest_event_seconds
           AND e.end_at > ?3 AND e.end_at - e.start_at <= {LONG}
           AND (e.managed = 0 OR e.uid IS NOT ('booking_' || ?4))
         UNION ALL
         SELECT e.start_at, e.end_at, e.status FROM calendars c CROSS JOIN events e
         WHERE c.account_id = ?1 AND e.calendar_id = c.id AND e.deleted = 0
           AND e.end_at - e.start_at > {LONG} AND e.end_at > ?3 AND e.start_at < ?2
           AND (e.managed = 0 OR e.uid IS NOT ('booking_' || ?4))
         ORDER BY 1, 2, 3"
    ))?;
    let mut rows = events.query(params![host, end, start, except])?;
    while let Some(row) = rows.next()? {
        let status: String = row.get(2)?;
        let status = status.parse::<Status>().map_err(|_| {
            StoreError::Corrupt(format!("an event of account {host} has status {status:?}"))
        })?;
        let period = Period::new(time_column(row, 0)?, time_column(row, 1)?, status)
            .map_err(|error| StoreError::Corrupt(format!("an event of account {host}: {error}")))?;
        periods.extend(period.clipped_to(window));
    }
    let mut bookings = Vec::new();
    let mut statement = conn.prepare_cached(&format!(
        "SELECT b.start_at, b.end_at FROM bookings b CROSS JOIN booking_hosts h
         WHERE h.booking_id = b.id AND h.account_id = ?1 AND b.cancelled_at IS NULL
           AND b.start_at < ?2 AND b.end_at > ?3 AND b.end_at - b.start_at <= {LONG}
           AND b.start_at > ?3 - (SELECT coalesce(max(longest_event_seconds), 0)
                                  FROM calendars WHERE id = ?4)
           AND b.id IS NOT ?5
         UNION ALL
         SELECT b.start_at, b.end_at FROM bookings b CROSS JOIN booking_hosts h
         WHERE h.booking_id = b.id AND h.account_id = ?1 AND b.cancelled_at IS NULL
           AND b.end_at - b.start_at > {LONG} AND b.end_at > ?3 AND b.start_at < ?2
           AND b.id IS NOT ?5
         ORDER BY 1, 2"
    ))?;
    let mut rows = statement.query(params![
        host,
        end,
        start,
        bookings_calendar_id(host),
        except
    ])?;
    while let Some(row) = rows.next()? {
        let booked = Window::new(time_column(row, 0)?, time_column(row, 1)?).map_err(|error| {
            StoreError::Corrupt(format!("a booking of account {host}: {error}"))
        })?;
        bookings.push(booked);
    }
    Ok(HostSnapshot {
        account_id: host,
        periods,
        bookings,
    })
}

pub(super) fn read_booking(
    conn: &rusqlite::Connection,
    id: &str,
) -> Result<Option<Booking>, StoreError> {
    let Some(mut booking) = conn
        .query_row(
            &format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = ?1"),
            params![id],
            booking_from_row,
        )
        .optional()?
    else {
        return Ok(None);
    };
    booking.terms.hosts = conn
        .prepare_cached(
            "SELECT account_id FROM booking_hosts WHERE booking_id = ?1 ORDER BY account_id",
        )?
        .query_map(params![id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(booking))
}

fn booking_from_row(row: &Row<'_>) -> rusqlite::Result<Booking> {
    let cancelled_at: Option<i64> = row.get(9)?;
    Ok(Booking {
        id: row.get(0)?,
        terms: BookingTerms {
            hosts: Vec::new(),
            start: time_column(row, 1)?,
            end: time_column(row, 2)?,
            booker_name: row.get(3)?,
            booker_email: row.get(4)?,
            note: row.get(5)?,
        },
        idempotency_key: row.get(6)?,
        cancel_token_hash: row.get(7)?,
        created_at: time_column(row, 8)?,
        cancelled_at: match cancelled_at {
            Some(_) => Some(time_column(row, 9)?),
            None => None,
        },
        sequence: row.get(10)?,
    })
}

pub(super) fn vanished(id: &str) -> StoreError {
    StoreError::Corrupt(format!("booking {id} vanished inside its own transaction"))
}
