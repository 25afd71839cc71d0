//! SQL for sources: their definitions, their sync state, the objects last fetched, and
//! snapshots written as the source calendar's events.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use freebusy_core::Window;
use rusqlite::{OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::{Database, account_from_row, conversion_error, time_column, upsert_event};
use crate::store::StoreError;
use crate::store::model::{
    ObjectChange, Snapshot, SourceChange, SourceDefinition, SourceKind, SourceObject, SourceRecord,
    SyncOutcome, SyncRecord, SyncReport, SyncState, UNKNOWN_UID_PREFIX, unread_event,
};

/// Makes `calendar_id` the source `definition` describes, or (with `None`) a calendar
/// of listed events again; returns 1 if anything about its source changed.
///
/// A new or redefined source starts unread: the calendar's events from elsewhere are
/// deleted and the unread event stands for all its time until the first snapshot.
pub(super) fn define(
    tx: &Transaction<'_>,
    calendar_id: &str,
    definition: Option<&SourceDefinition>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let stored: Option<(String, String, bool)> = tx
        .query_row(
            "SELECT kind, fingerprint, writable FROM sources WHERE calendar_id = ?1",
            params![calendar_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let stored_ref = stored
        .as_ref()
        .map(|(k, f, w)| (k.as_str(), f.as_str(), *w));
    match SourceChange::of(stored_ref, definition) {
        SourceChange::Keep => return Ok(0),
        SourceChange::Retire => retire(tx, calendar_id, now)?,
        SourceChange::SetWritable(writable) => {
            tx.execute(
                "UPDATE sources SET writable = ?2 WHERE calendar_id = ?1",
                params![calendar_id, writable],
            )?;
        }
        SourceChange::Restart(definition) => {
            tx.execute(
                "DELETE FROM sources WHERE calendar_id = ?1",
                params![calendar_id],
            )?;
            tx.execute(
                "INSERT INTO sources (calendar_id, kind, fingerprint, writable, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    calendar_id,
                    definition.kind.as_str(),
                    definition.fingerprint,
                    definition.writable,
                    now.timestamp()
                ],
            )?;
            delete_events_except(tx, calendar_id, &HashSet::new(), None, now)?;
            upsert_event(tx, calendar_id, &unread_event(), &chrono_tz::UTC, now)?;
        }
    }
    Ok(1)
}

/// Stops the source of `calendar_id`: its state and objects go, and the events it
/// brought are deleted (so incremental sync reports them gone).
fn retire(tx: &Transaction<'_>, calendar_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM sources WHERE calendar_id = ?1",
        params![calendar_id],
    )?;
    delete_events_except(tx, calendar_id, &HashSet::new(), None, now)?;
    Ok(())
}

/// Marks deleted the calendar's live events from elsewhere (not managed) whose uid is
/// not in `keep`: all of them, or with `after`, those ending after it and the unknown
/// periods (older history stays as it was read). Returns how many.
fn delete_events_except(
    tx: &Transaction<'_>,
    calendar_id: &str,
    keep: &HashSet<&str>,
    after: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut select = tx.prepare_cached(
        "SELECT id, uid, end_at FROM events
         WHERE calendar_id = ?1 AND managed = 0 AND deleted = 0",
    )?;
    let rows: Vec<(i64, String, i64)> = select
        .query_map(params![calendar_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut delete =
        tx.prepare_cached("UPDATE events SET deleted = 1, last_modified = ?2 WHERE id = ?1")?;
    let mut deleted = 0;
    for (id, uid, end_at) in rows {
        let current = after
            .is_none_or(|after| end_at > after.timestamp() || uid.starts_with(UNKNOWN_UID_PREFIX));
        if current && !keep.contains(uid.as_str()) {
            deleted += delete.execute(params![id, now.timestamp()])?;
        }
    }
    Ok(deleted)
}

impl Database {
    pub(in crate::store) fn retire_sources_except(
        &mut self,
        keep: &[String],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let all: Vec<String> = tx
            .prepare("SELECT calendar_id FROM sources")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let keep: HashSet<&str> = keep.iter().map(String::as_str).collect();
        let mut retired = 0;
        for calendar_id in all.iter().filter(|id| !keep.contains(id.as_str())) {
            retire(&tx, calendar_id, now)?;
            retired += 1;
        }
        tx.commit()?;
        Ok(retired)
    }

    pub(in crate::store) fn sources(
        &self,
        calendar_id: Option<&str>,
    ) -> Result<Vec<SourceRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT a.id, a.email, a.time_zone, s.calendar_id, s.kind, s.fingerprint,
                    s.writable, s.cursor, s.body_hash, s.snapshot_at, s.covered_from,
                    s.covered_to, s.horizon_from, s.horizon_to, s.last_attempt_at,
                    s.last_success_at, s.last_error, s.last_error_at, s.failures,
                    s.next_attempt_at, s.events, s.report
             FROM sources s
             JOIN calendars c ON c.id = s.calendar_id
             JOIN accounts a ON a.id = c.account_id
             WHERE ?1 IS NULL OR s.calendar_id = ?1
             ORDER BY s.calendar_id",
        )?;
        let records = statement
            .query_map(params![calendar_id], source_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(records)
    }

    pub(in crate::store) fn source_objects(
        &self,
        calendar_id: &str,
    ) -> Result<Vec<SourceObject>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT href, etag, body FROM source_objects WHERE calendar_id = ?1 ORDER BY href",
        )?;
        let objects = statement
            .query_map(params![calendar_id], |row| {
                Ok(SourceObject {
                    href: row.get(0)?,
                    etag: row.get(1)?,
                    body: row.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(objects)
    }

    pub(in crate::store) fn record_sync(
        &mut self,
        record: &SyncRecord,
    ) -> Result<SyncReport, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: Option<String> = tx
            .query_row(
                "SELECT fingerprint FROM sources WHERE calendar_id = ?1",
                params![record.calendar_id],
                |row| row.get(0),
            )
            .optional()?;
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
                    "UPDATE sources SET last_attempt_at = ?2, last_error = ?3,
                         last_error_at = ?2, failures = failures + 1, next_attempt_at = ?4
                     WHERE calendar_id = ?1",
                    params![record.calendar_id, at, error, next],
                )?;
            }
            SyncOutcome::Read {
                cursor,
                body_hash,
                snapshot,
            } => {
                tx.execute(
                    "UPDATE sources SET cursor = ?2, body_hash = COALESCE(?3, body_hash),
                         last_attempt_at = ?4, last_success_at = ?4, last_error = NULL,
                         last_error_at = NULL, failures = 0, next_attempt_at = ?5
                     WHERE calendar_id = ?1",
                    params![record.calendar_id, cursor, body_hash, at, next],
                )?;
                if let Some(snapshot) = snapshot {
                    let (written, deleted) =
                        write_snapshot(&tx, &record.calendar_id, snapshot, record.at)?;
                    report.written = written;
                    report.deleted = deleted;
                }
            }
        }
        tx.commit()?;
        Ok(report)
    }
}

/// Replaces the objects, the events within the horizon and the unknown periods of a
/// source with `snapshot`; returns (events written, events deleted).
fn write_snapshot(
    tx: &Transaction<'_>,
    calendar_id: &str,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    match &snapshot.objects {
        ObjectChange::Replace(objects) => {
            tx.execute(
                "DELETE FROM source_objects WHERE calendar_id = ?1",
                params![calendar_id],
            )?;
            put_objects(tx, calendar_id, objects)?;
        }
        ObjectChange::Apply { changed, removed } => {
            let mut delete = tx.prepare_cached(
                "DELETE FROM source_objects WHERE calendar_id = ?1 AND href = ?2",
            )?;
            for href in removed {
                delete.execute(params![calendar_id, href])?;
            }
            put_objects(tx, calendar_id, changed)?;
        }
        ObjectChange::Keep => {}
    }
    let zone_name: String = tx.query_row(
        "SELECT a.time_zone FROM calendars c JOIN accounts a ON a.id = c.account_id
         WHERE c.id = ?1",
        params![calendar_id],
        |row| row.get(0),
    )?;
    let zone = zone_name
        .parse::<chrono_tz::Tz>()
        .map_err(|_| StoreError::Corrupt(format!("time zone {zone_name:?} is not IANA")))?;
    let (imports, keep) = snapshot.imports(calendar_id)?;
    let mut written = 0;
    for import in &imports {
        written += upsert_event(tx, calendar_id, import, &zone, now)?;
    }
    let deleted =
        delete_events_except(tx, calendar_id, &keep, Some(snapshot.horizon.start()), now)?;
    let report = serde_json::to_string(&snapshot.report)
        .map_err(|e| StoreError::Invalid(format!("snapshot report: {e}")))?;
    tx.execute(
        "UPDATE sources SET snapshot_at = ?2,
             covered_from = MIN(COALESCE(covered_from, ?3), ?3), covered_to = ?4,
             horizon_from = ?3, horizon_to = ?4, events = ?5, report = ?6
         WHERE calendar_id = ?1",
        params![
            calendar_id,
            now.timestamp(),
            snapshot.horizon.start().timestamp(),
            snapshot.horizon.end().timestamp(),
            snapshot.events.len() as i64,
            report
        ],
    )?;
    Ok((written, deleted))
}

fn put_objects(
    tx: &Transaction<'_>,
    calendar_id: &str,
    objects: &[SourceObject],
) -> Result<(), StoreError> {
    let mut put = tx.prepare_cached(
        "INSERT INTO source_objects (calendar_id, href, etag, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (calendar_id, href) DO UPDATE SET etag = excluded.etag, body = excluded.body",
    )?;
    for object in objects {
        put.execute(params![calendar_id, object.href, object.etag, object.body])?;
    }
    Ok(())
}

fn source_from_row(row: &Row<'_>) -> rusqlite::Result<SourceRecord> {
    let account = account_from_row(row)?;
    let kind: String = row.get(4)?;
    let kind = SourceKind::from_name(&kind)
        .ok_or_else(|| conversion_error(4, StoreError::Corrupt(format!("source kind {kind:?}"))))?;
    let optional_time = |index: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        match row.get::<_, Option<i64>>(index)? {
            None => Ok(None),
            Some(_) => time_column(row, index).map(Some),
        }
    };
    let window = |from: usize, to: usize| -> rusqlite::Result<Option<Window>> {
        Ok(match (optional_time(from)?, optional_time(to)?) {
            (Some(start), Some(end)) => Window::new(start, end).ok(),
            _ => None,
        })
    };
    let report: String = row.get(21)?;
    let report = serde_json::from_str(&report).map_err(|e| conversion_error(21, e))?;
    let failures: i64 = row.get(18)?;
    let events: i64 = row.get(20)?;
    Ok(SourceRecord {
        calendar_id: row.get(3)?,
        account,
        definition: SourceDefinition {
            kind,
            fingerprint: row.get(5)?,
            writable: row.get(6)?,
        },
        state: SyncState {
            cursor: row.get(7)?,
            body_hash: row.get(8)?,
            snapshot_at: optional_time(9)?,
            covered: window(10, 11)?,
            horizon: window(12, 13)?,
            last_attempt_at: optional_time(14)?,
            last_success_at: optional_time(15)?,
            last_error: row.get(16)?,
            last_error_at: optional_time(17)?,
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            next_attempt_at: time_column(row, 19)?,
            events: usize::try_from(events).unwrap_or(0),
            report,
        },
    })
}
