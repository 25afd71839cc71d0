//! Sources in PostgreSQL: their definitions, their sync state, the objects last fetched,
//! and snapshots written as the source calendar's events. The same operations, rules
//! and values as `sqlite/sources.rs`.
//!
//! Recording a sync locks the source's row (two replicas that synced one source at
//! once write one after the other, and the second re-checks the fingerprint against
//! the first's commit) and shares its owner's account row as imports do, so a booking
//! of the owner waits for the snapshot and then sees all of it, or runs before it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use freebusy_core::Window;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{
    EventRow, PIPELINE, PgStore, StoreError, UPSERT_EVENT, account_from_row, retrying, unix_seconds,
};
use crate::store::model::{
    ObjectChange, Snapshot, SourceChange, SourceDefinition, SourceKind, SourceObject, SourceRecord,
    SyncOutcome, SyncRecord, SyncReport, SyncState, UNKNOWN_UID_PREFIX, unread_event,
};

/// Makes `calendar_id` the source `definition` describes, or (with `None`) a calendar
/// of listed events again; returns 1 if anything about its source changed. See
/// `sqlite/sources.rs`: a new or redefined source starts unread.
pub(super) async fn define(
    tx: &impl GenericClient,
    calendar_id: &str,
    definition: Option<&SourceDefinition>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let stored = tx
        .query_opt(
            "SELECT kind, fingerprint, writable FROM sources WHERE calendar_id = $1",
            &[&calendar_id],
        )
        .await?
        .map(|row| -> Result<(String, String, bool), StoreError> {
            Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
        })
        .transpose()?;
    let stored_ref = stored
        .as_ref()
        .map(|(k, f, w)| (k.as_str(), f.as_str(), *w));
    match SourceChange::of(stored_ref, definition) {
        SourceChange::Keep => return Ok(0),
        SourceChange::Retire => retire(tx, calendar_id, now).await?,
        SourceChange::SetWritable(writable) => {
            tx.execute(
                "UPDATE sources SET writable = $2 WHERE calendar_id = $1",
                &[&calendar_id, &writable],
            )
            .await?;
        }
        SourceChange::Restart(definition) => {
            tx.execute(
                "DELETE FROM sources WHERE calendar_id = $1",
                &[&calendar_id],
            )
            .await?;
            tx.execute(
                "INSERT INTO sources (calendar_id, kind, fingerprint, writable, next_attempt_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &calendar_id,
                    &definition.kind.as_str(),
                    &definition.fingerprint,
                    &definition.writable,
                    &now.timestamp(),
                ],
            )
            .await?;
            delete_events_except(tx, calendar_id, &HashSet::new(), None, now).await?;
            let unread = unread_event();
            let row = EventRow::new(calendar_id, &unread, &chrono_tz::UTC, now);
            tx.execute(UPSERT_EVENT, &row.params()).await?;
        }
    }
    Ok(1)
}

/// Stops the source of `calendar_id`: its state and objects go, and the events it
/// brought are deleted (so incremental sync reports them gone).
async fn retire(
    tx: &impl GenericClient,
    calendar_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM sources WHERE calendar_id = $1",
        &[&calendar_id],
    )
    .await?;
    delete_events_except(tx, calendar_id, &HashSet::new(), None, now).await?;
    Ok(())
}

/// Marks deleted the calendar's live events from elsewhere (not managed) whose uid is
/// not in `keep`: all of them, or with `after`, those ending after it and the unknown
/// periods (older history stays as it was read). Returns how many.
async fn delete_events_except(
    tx: &impl GenericClient,
    calendar_id: &str,
    keep: &HashSet<&str>,
    after: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let keep: Vec<&str> = keep.iter().copied().collect();
    let after = after.map(|after| after.timestamp());
    let deleted = tx
        .execute(
            "UPDATE events SET deleted = true, last_modified = $5
             WHERE calendar_id = $1 AND NOT managed AND NOT deleted
               AND NOT (uid = ANY($2::text[]))
               AND ($3::bigint IS NULL OR end_at > $3 OR starts_with(uid, $4))",
            &[
                &calendar_id,
                &keep,
                &after,
                &UNKNOWN_UID_PREFIX,
                &now.timestamp(),
            ],
        )
        .await?;
    Ok(deleted as usize)
}

const SOURCE_SELECT: &str = "SELECT a.id, a.email, a.time_zone, s.calendar_id, s.kind,
        s.fingerprint, s.writable, s.cursor, s.body_hash, s.snapshot_at, s.covered_from,
        s.covered_to, s.horizon_from, s.horizon_to, s.last_attempt_at, s.last_success_at,
        s.last_error, s.last_error_at, s.failures, s.next_attempt_at, s.events, s.report
     FROM sources s
     JOIN calendars c ON c.id = s.calendar_id
     JOIN accounts a ON a.id = c.account_id";

impl PgStore {
    /// See `Store::retire_sources_except`.
    pub(in crate::store) async fn retire_sources_except(
        &self,
        keep: &[String],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        retrying(move || self.try_retire_sources_except(keep, now)).await
    }

    async fn try_retire_sources_except(
        &self,
        keep: &[String],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let all: Vec<String> = tx
            .query("SELECT calendar_id FROM sources ORDER BY calendar_id", &[])
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        let keep: HashSet<&str> = keep.iter().map(String::as_str).collect();
        let mut retired = 0;
        for calendar_id in all.iter().filter(|id| !keep.contains(id.as_str())) {
            retire(&tx, calendar_id, now).await?;
            retired += 1;
        }
        tx.commit().await?;
        Ok(retired)
    }

    /// See `Store::sources` (`None`) and `Store::source`.
    pub(in crate::store) async fn sources(
        &self,
        calendar_id: Option<&str>,
    ) -> Result<Vec<SourceRecord>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "{SOURCE_SELECT} WHERE $1::text IS NULL OR s.calendar_id = $1
                 ORDER BY s.calendar_id"
            ))
            .await?;
        client
            .query(&statement, &[&calendar_id])
            .await?
            .iter()
            .map(source_from_row)
            .collect()
    }

    /// See `Store::source_objects`.
    pub(in crate::store) async fn source_objects(
        &self,
        calendar_id: &str,
    ) -> Result<Vec<SourceObject>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT href, etag, body FROM source_objects WHERE calendar_id = $1
                 ORDER BY href",
            )
            .await?;
        client
            .query(&statement, &[&calendar_id])
            .await?
            .iter()
            .map(|row| {
                Ok(SourceObject {
                    href: row.try_get(0)?,
                    etag: row.try_get(1)?,
                    body: row.try_get(2)?,
                })
            })
            .collect()
    }

    /// See `Store::record_sync`, and this module for its locks.
    pub(in crate::store) async fn record_sync(
        &self,
        record: &SyncRecord,
    ) -> Result<SyncReport, StoreError> {
        retrying(move || self.try_record_sync(record)).await
    }

    async fn try_record_sync(&self, record: &SyncRecord) -> Result<SyncReport, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The owner first, shared, as imports take it (exclusively) before the source.
        let owner = tx
            .query_opt(
                "SELECT a.id, a.time_zone FROM accounts a
                 JOIN calendars c ON c.account_id = a.id
                 WHERE c.id = $1 FOR SHARE OF a",
                &[&record.calendar_id],
            )
            .await?;
        let Some(owner) = owner else {
            return Ok(SyncReport::default());
        };
        let current: Option<String> = tx
            .query_opt(
                "SELECT fingerprint FROM sources WHERE calendar_id = $1 FOR UPDATE",
                &[&record.calendar_id],
            )
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        if current.as_deref() != Some(record.fingerprint.as_str()) {
            return Ok(SyncReport::default());
        }
        let (at, next) = (record.at.timestamp(), record.next_attempt_at.timestamp());
        let mut report = SyncReport {
            recorded: true,
            ..SyncReport::default()
        };
        match &record.outcome {
            SyncOutcome::Failed { error } => {
                tx.execute(
                    "UPDATE sources SET last_attempt_at = $2, last_error = $3,
                         last_error_at = $2, failures = failures + 1, next_attempt_at = $4
                     WHERE calendar_id = $1",
                    &[&record.calendar_id, &at, error, &next],
                )
                .await?;
            }
            SyncOutcome::Read {
                cursor,
                body_hash,
                snapshot,
            } => {
                tx.execute(
                    "UPDATE sources SET cursor = $2, body_hash = COALESCE($3, body_hash),
                         last_attempt_at = $4, last_success_at = $4, last_error = NULL,
                         last_error_at = NULL, failures = 0, next_attempt_at = $5
                     WHERE calendar_id = $1",
                    &[&record.calendar_id, cursor, body_hash, &at, &next],
                )
                .await?;
                if let Some(snapshot) = snapshot {
                    let zone: String = owner.try_get(1)?;
                    let zone = zone.parse::<chrono_tz::Tz>().map_err(|_| {
                        StoreError::Corrupt(format!("time zone {zone:?} is not IANA"))
                    })?;
                    let (written, deleted) =
                        write_snapshot(&tx, &record.calendar_id, snapshot, &zone, record.at)
                            .await?;
                    report.written = written;
                    report.deleted = deleted;
                }
            }
        }
        tx.commit().await?;
        Ok(report)
    }
}

/// Replaces the objects, the events within the horizon and the unknown periods of a
/// source with `snapshot`; returns (events written, events deleted).
async fn write_snapshot(
    tx: &impl GenericClient,
    calendar_id: &str,
    snapshot: &Snapshot,
    zone: &chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    match &snapshot.objects {
        ObjectChange::Replace(objects) => {
            tx.execute(
                "DELETE FROM source_objects WHERE calendar_id = $1",
                &[&calendar_id],
            )
            .await?;
            put_objects(tx, calendar_id, objects).await?;
        }
        ObjectChange::Apply { changed, removed } => {
            tx.execute(
                "DELETE FROM source_objects WHERE calendar_id = $1 AND href = ANY($2::text[])",
                &[&calendar_id, removed],
            )
            .await?;
            put_objects(tx, calendar_id, changed).await?;
        }
        ObjectChange::Keep => {}
    }
    let (imports, keep) = snapshot.imports(calendar_id)?;
    let upsert = tx.prepare(UPSERT_EVENT).await?;
    let rows: Vec<EventRow<'_>> = imports
        .iter()
        .map(|event| EventRow::new(calendar_id, event, zone, now))
        .collect();
    let mut written = 0;
    // Pipelined, as imports are: a chunk goes out before its answers are read.
    for chunk in rows.chunks(PIPELINE) {
        let params: Vec<_> = chunk.iter().map(EventRow::params).collect();
        let counts = futures_util::future::try_join_all(
            params.iter().map(|params| tx.execute(&upsert, params)),
        )
        .await?;
        written += counts.iter().sum::<u64>() as usize;
    }
    let deleted =
        delete_events_except(tx, calendar_id, &keep, Some(snapshot.horizon.start()), now).await?;
    let report = serde_json::to_string(&snapshot.report)
        .map_err(|e| StoreError::Invalid(format!("snapshot report: {e}")))?;
    tx.execute(
        "UPDATE sources SET snapshot_at = $2,
             covered_from = LEAST(COALESCE(covered_from, $3), $3), covered_to = $4,
             horizon_from = $3, horizon_to = $4, events = $5, report = $6
         WHERE calendar_id = $1",
        &[
            &calendar_id,
            &now.timestamp(),
            &snapshot.horizon.start().timestamp(),
            &snapshot.horizon.end().timestamp(),
            &(snapshot.events.len() as i64),
            &report,
        ],
    )
    .await?;
    Ok((written, deleted))
}

async fn put_objects(
    tx: &impl GenericClient,
    calendar_id: &str,
    objects: &[SourceObject],
) -> Result<(), StoreError> {
    if objects.is_empty() {
        return Ok(());
    }
    let put = tx
        .prepare(
            "INSERT INTO source_objects (calendar_id, href, etag, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (calendar_id, href) DO UPDATE SET etag = excluded.etag,
                 body = excluded.body",
        )
        .await?;
    for chunk in objects.chunks(PIPELINE) {
        let params: Vec<[&(dyn ToSql + Sync); 4]> = chunk
            .iter()
            .map(|object| -> [&(dyn ToSql + Sync); 4] {
                [&calendar_id, &object.href, &object.etag, &object.body]
            })
            .collect();
        futures_util::future::try_join_all(params.iter().map(|p| tx.execute(&put, p))).await?;
    }
    Ok(())
}

fn source_from_row(row: &Row) -> Result<SourceRecord, StoreError> {
    let account = account_from_row(row)?;
    let kind: String = row.try_get(4)?;
    let kind = SourceKind::from_name(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("source kind {kind:?}")))?;
    let optional_time = |index: usize| -> Result<Option<DateTime<Utc>>, StoreError> {
        row.try_get::<_, Option<i64>>(index)?
            .map(unix_seconds)
            .transpose()
    };
    let window = |from: usize, to: usize| -> Result<Option<Window>, StoreError> {
        Ok(match (optional_time(from)?, optional_time(to)?) {
            (Some(start), Some(end)) => Window::new(start, end).ok(),
            _ => None,
        })
    };
    let report: String = row.try_get(21)?;
    let report = serde_json::from_str(&report)
        .map_err(|e| StoreError::Corrupt(format!("source report: {e}")))?;
    let failures: i64 = row.try_get(18)?;
    let events: i64 = row.try_get(20)?;
    Ok(SourceRecord {
        calendar_id: row.try_get(3)?,
        account,
        definition: SourceDefinition {
            kind,
            fingerprint: row.try_get(5)?,
            writable: row.try_get(6)?,
        },
        state: SyncState {
            cursor: row.try_get(7)?,
            body_hash: row.try_get(8)?,
            snapshot_at: optional_time(9)?,
            covered: window(10, 11)?,
            horizon: window(12, 13)?,
            last_attempt_at: optional_time(14)?,
            last_success_at: optional_time(15)?,
            last_error: row.try_get(16)?,
            last_error_at: optional_time(17)?,
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            next_attempt_at: unix_seconds(row.try_get(19)?)?,
            events: usize::try_from(events).unwrap_or(0),
            report,
        },
    })
}
