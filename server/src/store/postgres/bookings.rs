//! Bookings in PostgreSQL: check-and-insert that holds across replicas.
//!
//! # The mechanism, and why it holds
//!
//! A booking transaction (READ COMMITTED) first locks its hosts' `accounts` rows,
//! `FOR NO KEY UPDATE`, in ascending id order. Every booking of a host, from any
//! replica, therefore runs after the previous one committed or rolled back; and because
//! each statement under READ COMMITTED sees everything committed before it starts, the
//! check that follows the lock sees every earlier booking and every event that an import
//! committed. Imports take the same rows `FOR SHARE` (also in id order), so an import of
//! a host's events and a booking of that host never overlap in time: the booking sees all
//! of the import or none of it. Ascending order on both sides means two multi-host
//! bookings (or a booking and an import) cannot deadlock; should PostgreSQL still abort
//! one (deadlock or serialisation failure), it is retried.
//!
//! Beneath the locks, the database itself refuses overlapping bookings whatever the
//! code does: `booking_hosts` carries each booking's range, and the exclusion constraint
//! `booking_hosts_no_overlap` (GiST over `account_id WITH =, during WITH &&`, not
//! cancelled) rejects a second overlapping row of one host even from a path that forgot
//! the lock. If it ever fires here, the blockers are read again and reported as a 409.
//!
//! The idempotency key is `UNIQUE`: two replicas inserting the same key cannot both
//! commit; the loser reads the winner's booking and replays it.
//!
//! Why not SERIALIZABLE: under contention for one slot (the 200-request race) most
//! transactions would be aborted and retried, each retry a chance of running out of
//! attempts; a lock per host queues them instead, and each one after the first finds
//! the slot taken at once.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use freebusy_core::{Period, Status, Window};
use tokio_postgres::error::SqlState;

use super::{ATTEMPTS, PgStore, StoreError, has_code, is_retryable, unix_seconds};
use crate::store::migrations::LONG_EVENT_SECONDS as LONG;
use crate::store::model::{
    Account, Blocker, Blocking, Booking, BookingGuard, BookingOutcome, BookingTerms, HostSnapshot,
    NewBooking, OutboxAction, bookings_calendar_id,
};

/// Why a booking transaction was rolled back without an outcome.
enum Conflict {
    /// Another transaction committed the same idempotency key first.
    KeyTaken,
    /// The exclusion constraint refused an overlapping booking.
    Overlap,
}

pub(super) const BOOKING_SELECT: &str =
    "SELECT b.id, b.start_at, b.end_at, b.booker_name, b.booker_email,
         b.note, b.idempotency_key, b.cancel_token_hash, b.created_at, b.cancelled_at,
         ARRAY(SELECT h.account_id FROM booking_hosts h WHERE h.booking_id = b.id
               ORDER BY h.account_id), b.sequence
     FROM bookings b";

impl PgStore {
    /// See `Store::insert_booking_if_free`, and this module for how it holds.
    pub(in crate::store) async fn insert_booking_if_free(
        &self,
        booking: &NewBooking,
        blocking: Blocking,
        now: DateTime<Utc>,
    ) -> Result<BookingOutcome, StoreError> {
        self.insert_booking(booking, blocking, None, now).await
    }

    /// See `Store::insert_booking_checked`: the guard judges the hosts under their
    /// locks, so what it saw stays true until the booking commits; it runs again on
    /// each retry.
    pub(in crate::store) async fn insert_booking_checked(
        &self,
        booking: &NewBooking,
        blocking: Blocking,
        guard: BookingGuard,
        now: DateTime<Utc>,
    ) -> Result<BookingOutcome, StoreError> {
        self.insert_booking(booking, blocking, Some(&guard), now)
            .await
    }

    async fn insert_booking(
        &self,
        booking: &NewBooking,
        blocking: Blocking,
        guard: Option<&BookingGuard>,
        now: DateTime<Utc>,
    ) -> Result<BookingOutcome, StoreError> {
        let terms = &booking.terms;
        let hosts = terms.checked_hosts()?;
        let mut tries = 0;
        loop {
            tries += 1;
            let attempt = self
                .try_booking(&hosts, booking, blocking, guard, now)
                .await;
            match attempt {
                Ok(Ok(outcome)) => return Ok(outcome),
                Ok(Err(Conflict::KeyTaken)) => {
                    let key = booking.idempotency_key.as_deref().unwrap_or_default();
                    if let Some(existing) = self.booking_with_key(key).await? {
                        return Ok(BookingOutcome::Replayed(existing));
                    }
                }
                Ok(Err(Conflict::Overlap)) => {
                    let client = self.client().await?;
                    let blockers = blockers(
                        &client,
                        &hosts,
                        (terms.start.timestamp(), terms.end.timestamp()),
                        blocking,
                        None,
                    )
                    .await?;
                    if !blockers.is_empty() {
                        return Ok(BookingOutcome::Taken(blockers));
                    }
                }
                Err(error) if !is_retryable(&error) => return Err(error),
                Err(error) if tries >= ATTEMPTS => return Err(error),
                Err(_) => {}
            }
            if tries >= ATTEMPTS {
                return Err(StoreError::Unavailable(
                    "the booking kept conflicting with others; try again".into(),
                ));
            }
        }
    }

    async fn try_booking(
        &self,
        hosts: &[i64],
        booking: &NewBooking,
        blocking: Blocking,
        guard: Option<&BookingGuard>,
        now: DateTime<Utc>,
    ) -> Result<Result<BookingOutcome, Conflict>, StoreError> {
        let terms = &booking.terms;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let lock = tx
            .prepare_cached(
                "SELECT id FROM accounts WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
            )
            .await?;
        let locked = tx.query(&lock, &[&hosts]).await?;
        if locked.len() != hosts.len() {
            return Err(StoreError::Invalid(format!(
                "a host of {hosts:?} is not an account"
            )));
        }
        if let Some(key) = &booking.idempotency_key {
            let by_key = tx
                .prepare_cached(&format!("{BOOKING_SELECT} WHERE b.idempotency_key = $1"))
                .await?;
            if let Some(row) = tx.query_opt(&by_key, &[key]).await? {
                return Ok(Ok(BookingOutcome::Replayed(booking_from_row(&row)?)));
            }
        }
        if let Some(guard) = guard {
            let snapshots = host_snapshots(&tx, hosts, guard.window, None).await?;
            if let Err(refusal) = (guard.check)(&snapshots) {
                // Dropping the transaction rolls it back: nothing was written.
                return Ok(Ok(BookingOutcome::Refused(refusal)));
            }
        }
        let found = blockers(
            &tx,
            hosts,
            (terms.start.timestamp(), terms.end.timestamp()),
            blocking,
            None,
        )
        .await?;
        if !found.is_empty() {
            return Ok(Ok(BookingOutcome::Taken(found)));
        }

        let id = new_booking_id()?;
        let (start, end, created) = (
            terms.start.timestamp(),
            terms.end.timestamp(),
            now.timestamp(),
        );
        let insert = tx
            .prepare_cached(
                "INSERT INTO bookings (id, start_at, end_at, booker_name, booker_email, note,
                                       idempotency_key, cancel_token_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .await?;
        let inserted = tx
            .execute(
                &insert,
                &[
                    &id,
                    &start,
                    &end,
                    &terms.booker_name,
                    &terms.booker_email,
                    &terms.note,
                    &booking.idempotency_key,
                    &booking.cancel_token_hash,
                    &created,
                ],
            )
            .await;
        match inserted {
            Err(error) if has_code(&error, &SqlState::UNIQUE_VIOLATION) => {
                return Ok(Err(Conflict::KeyTaken));
            }
            other => other?,
        };
        let host_row = tx
            .prepare_cached(
                "INSERT INTO booking_hosts (booking_id, account_id, during)
                 VALUES ($1, $2, int8range($3, $4))",
            )
            .await?;
        let calendar = tx
            .prepare_cached(
                "INSERT INTO calendars (id, account_id, name) VALUES ($1, $2, 'Bookings')
                 ON CONFLICT (id) DO NOTHING",
            )
            .await?;
        let event = tx
            .prepare_cached(
                "INSERT INTO events (calendar_id, uid, managed, event_id, status, all_day,
                                     start_at, end_at, deleted, last_modified)
                 VALUES ($1, $2, true, $3, 'busy', false, $4, $5, false, $6)",
            )
            .await?;
        let uid = format!("booking_{id}");
        for host in hosts {
            match tx.execute(&host_row, &[&id, host, &start, &end]).await {
                Err(error) if has_code(&error, &SqlState::EXCLUSION_VIOLATION) => {
                    return Ok(Err(Conflict::Overlap));
                }
                other => other?,
            };
            let calendar_id = bookings_calendar_id(*host);
            tx.execute(&calendar, &[&calendar_id, host]).await?;
            tx.execute(&event, &[&calendar_id, &uid, &id, &start, &end, &created])
                .await?;
        }
        let by_id = tx
            .prepare_cached(&format!("{BOOKING_SELECT} WHERE b.id = $1"))
            .await?;
        // In the booking's transaction: a crash after the answer loses no delivery.
        super::outbox::enqueue(&tx, &id, OutboxAction::Created, now).await?;
        super::outbox::announce(&tx, &id, &booking.audience, now).await?;
        let created = booking_from_row(&tx.query_one(&by_id, &[&id]).await?)?;
        tx.commit().await?;
        Ok(Ok(BookingOutcome::Created(created)))
    }

    async fn booking_with_key(&self, key: &str) -> Result<Option<Booking>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!("{BOOKING_SELECT} WHERE b.idempotency_key = $1"))
            .await?;
        client
            .query_opt(&statement, &[&key])
            .await?
            .map(|row| booking_from_row(&row))
            .transpose()
    }

    /// See `Store::booking`.
    pub(in crate::store) async fn booking(&self, id: &str) -> Result<Option<Booking>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!("{BOOKING_SELECT} WHERE b.id = $1"))
            .await?;
        client
            .query_opt(&statement, &[&id])
            .await?
            .map(|row| booking_from_row(&row))
            .transpose()
    }

    /// See `Store::cancel_booking`.
    pub(in crate::store) async fn cancel_booking(
        &self,
        id: &str,
        cancel_token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Booking>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let cancelled_at = now;
        let now = now.timestamp();
        let matched = tx
            .query_opt(
                "UPDATE bookings SET cancelled_at = coalesce(cancelled_at, $3)
                 WHERE id = $1 AND (cancel_token_hash = $2 OR EXISTS (
                     SELECT 1 FROM booking_cancel_tokens t
                     WHERE t.booking_id = $1 AND t.token_hash = $2))
                 RETURNING id",
                &[&id, &cancel_token_hash, &now],
            )
            .await?;
        if matched.is_none() {
            return Ok(None);
        }
        // Frees the time for the exclusion constraint too.
        tx.execute(
            "UPDATE booking_hosts SET cancelled = true WHERE booking_id = $1 AND NOT cancelled",
            &[&id],
        )
        .await?;
        tx.execute(
            "UPDATE events SET deleted = true, last_modified = $2
             WHERE calendar_id IN (SELECT 'bookings_' || account_id FROM booking_hosts
                                   WHERE booking_id = $1)
               AND event_id = $1 AND managed AND uid = 'booking_' || $1 AND NOT deleted",
            &[&id, &now],
        )
        .await?;
        super::outbox::enqueue(&tx, id, OutboxAction::Cancelled, cancelled_at).await?;
        let booking = tx
            .query_opt(&format!("{BOOKING_SELECT} WHERE b.id = $1"), &[&id])
            .await?
            .map(|row| booking_from_row(&row))
            .transpose()?;
        tx.commit().await?;
        Ok(booking)
    }

    /// See `Store::hosts_of`.
    pub(in crate::store) async fn hosts_of(&self, id: &str) -> Result<Vec<Account>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT a.id, a.email, a.time_zone FROM booking_hosts h
                 JOIN accounts a ON a.id = h.account_id WHERE h.booking_id = $1 ORDER BY a.id",
            )
            .await?;
        client
            .query(&statement, &[&id])
            .await?
            .iter()
            .map(super::account_from_row)
            .collect()
    }

    /// See `Store::booking_opened_by`.
    pub(in crate::store) async fn booking_opened_by(
        &self,
        id: &str,
        cancel_token_hash: &str,
    ) -> Result<Option<Booking>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "{BOOKING_SELECT} WHERE b.id = $1 AND (b.cancel_token_hash = $2 OR EXISTS (
                     SELECT 1 FROM booking_cancel_tokens t
                     WHERE t.booking_id = $1 AND t.token_hash = $2))"
            ))
            .await?;
        client
            .query_opt(&statement, &[&id, &cancel_token_hash])
            .await?
            .map(|row| booking_from_row(&row))
            .transpose()
    }

    /// See `Store::add_cancel_token`.
    pub(in crate::store) async fn add_cancel_token(
        &self,
        id: &str,
        cancel_token_hash: &str,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO booking_cancel_tokens (booking_id, token_hash) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&id, &cancel_token_hash],
            )
            .await?;
        Ok(())
    }
}

/// The hosts who are not free for the booking: events that `blocking` counts and other
/// bookings, each part bounded on both sides (events of at most two days through each
/// calendar's longest one, longer ones through their end, bookings through the GiST
/// index of the exclusion constraint).
pub(super) async fn blockers(
    client: &impl GenericClient,
    hosts: &[i64],
    (start, end): (i64, i64),
    blocking: Blocking,
    except: Option<&str>,
) -> Result<Vec<Blocker>, StoreError> {
    let statuses: Vec<&str> = Status::ALL
        .into_iter()
        .filter(|&status| blocking.blocks(status))
        .map(Status::as_str)
        .collect();
    let statement = client
        .prepare_cached(&format!(
            "SELECT c.account_id, e.status FROM calendars c JOIN events e ON e.calendar_id = c.id
             WHERE c.account_id = ANY($1) AND NOT e.deleted AND e.status = ANY($2)
               AND e.start_at < $3 AND e.start_at > $4 - c.longest_event_seconds
               AND e.end_at > $4 AND NOT (e.managed AND e.uid IS NOT DISTINCT FROM 'booking_' || $5::text)
             UNION
             SELECT c.account_id, e.status FROM calendars c JOIN events e ON e.calendar_id = c.id
             WHERE c.account_id = ANY($1) AND NOT e.deleted AND e.status = ANY($2)
               AND e.end_at - e.start_at > {LONG} AND e.end_at > $4 AND e.start_at < $3
               AND NOT (e.managed AND e.uid IS NOT DISTINCT FROM 'booking_' || $5::text)
             UNION
             SELECT h.account_id, 'busy' FROM booking_hosts h
             WHERE h.account_id = ANY($1) AND NOT h.cancelled
               AND h.during && int8range($4, $3) AND h.booking_id IS DISTINCT FROM $5::text
             ORDER BY 1"
        ))
        .await?;
    let found: Vec<(i64, String)> = client
        .query(&statement, &[&hosts, &statuses, &end, &start, &except])
        .await?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    Ok(Blocker::strongest_per_host(&found))
}

/// What a booking guard sees of each host over `window`, in the order of `hosts`
/// (ascending): their events not deleted (every status, clipped to the window, by
/// start) and their bookings not cancelled (by start). The events are read in the two
/// bounded parts of the window queries (migration 0004).
pub(super) async fn host_snapshots(
    client: &impl GenericClient,
    hosts: &[i64],
    window: Window,
    except: Option<&str>,
) -> Result<Vec<HostSnapshot>, StoreError> {
    let events = client
        .prepare_cached(&format!(
            "SELECT c.account_id, e.start_at, e.end_at, e.status
             FROM calendars c JOIN events e ON e.calendar_id = c.id
             WHERE c.account_id = ANY($1) AND NOT e.deleted
               AND e.start_at < $2 AND e.start_at > $3 - c.longest_event_seconds
               AND e.end_at > $3 AND e.end_at - e.start_at <= {LONG}
               AND NOT (e.managed AND e.uid IS NOT DISTINCT FROM 'booking_' || $4::text)
             UNION ALL
             SELECT c.account_id, e.start_at, e.end_at, e.status
             FROM calendars c JOIN events e ON e.calendar_id = c.id
             WHERE c.account_id = ANY($1) AND NOT e.deleted
               AND e.end_at - e.start_at > {LONG} AND e.end_at > $3 AND e.start_at < $2
               AND NOT (e.managed AND e.uid IS NOT DISTINCT FROM 'booking_' || $4::text)
             ORDER BY 1, 2, 3"
        ))
        .await?;
    let bookings = client
        .prepare_cached(
            "SELECT h.account_id, b.start_at, b.end_at
             FROM booking_hosts h JOIN bookings b ON b.id = h.booking_id
             WHERE h.account_id = ANY($1) AND NOT h.cancelled
               AND h.during && int8range($3, $2) AND h.booking_id IS DISTINCT FROM $4::text
             ORDER BY 1, 2, 3",
        )
        .await?;
    let (start, end) = (window.start().timestamp(), window.end().timestamp());
    let mut snapshots: Vec<HostSnapshot> = hosts
        .iter()
        .map(|&account_id| HostSnapshot {
            account_id,
            periods: Vec::new(),
            bookings: Vec::new(),
        })
        .collect();
    let snapshot_of = |account_id: i64| {
        let found = snapshots
            .iter()
            .position(|snapshot| snapshot.account_id == account_id);
        found.ok_or_else(|| {
            StoreError::Corrupt(format!("a row of account {account_id}, not a host"))
        })
    };
    let mut placed = Vec::new();
    for row in client
        .query(&events, &[&hosts, &end, &start, &except])
        .await?
    {
        let host: i64 = row.try_get(0)?;
        let status: String = row.try_get(3)?;
        let status = status.parse::<Status>().map_err(|_| {
            StoreError::Corrupt(format!("an event of account {host} has status {status:?}"))
        })?;
        let period = Period::new(
            unix_seconds(row.try_get(1)?)?,
            unix_seconds(row.try_get(2)?)?,
            status,
        )
        .map_err(|error| StoreError::Corrupt(format!("an event of account {host}: {error}")))?;
        placed.push((snapshot_of(host)?, period));
    }
    let mut booked = Vec::new();
    for row in client
        .query(&bookings, &[&hosts, &end, &start, &except])
        .await?
    {
        let host: i64 = row.try_get(0)?;
        let window = Window::new(
            unix_seconds(row.try_get(1)?)?,
            unix_seconds(row.try_get(2)?)?,
        )
        .map_err(|error| StoreError::Corrupt(format!("a booking of account {host}: {error}")))?;
        booked.push((snapshot_of(host)?, window));
    }
    for (index, period) in placed {
        snapshots[index].periods.extend(period.clipped_to(window));
    }
    for (index, booking) in booked {
        snapshots[index].bookings.push(booking);
    }
    Ok(snapshots)
}

/// 32 random hex digits from the OS, as SQLite's `lower(hex(randomblob(16)))` makes.
fn new_booking_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Setup(format!("no random source for a booking id: {e}")))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

pub(super) fn booking_from_row(row: &tokio_postgres::Row) -> Result<Booking, StoreError> {
    let cancelled_at: Option<i64> = row.try_get(9)?;
    Ok(Booking {
        id: row.try_get(0)?,
        terms: BookingTerms {
            hosts: row.try_get(10)?,
            start: unix_seconds(row.try_get(1)?)?,
            end: unix_seconds(row.try_get(2)?)?,
            booker_name: row.try_get(3)?,
            booker_email: row.try_get(4)?,
            note: row.try_get(5)?,
        },
        idempotency_key: row.try_get(6)?,
        cancel_token_hash: row.try_get(7)?,
        created_at: unix_seconds(row.try_get(8)?)?,
        cancelled_at: cancelled_at.map(unix_seconds).transpose()?,
        sequence: u32::try_from(row.try_get::<_, i32>(11)?).unwrap_or(0),
    })
}
