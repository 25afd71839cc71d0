//! How each source stands, for operators (`GET /v1/sources`): what it reads (redacted),
//! whether it has ever been read, how old its snapshot is, its last error, when it is
//! tried next, and what its expansion skipped or cut. Never a secret or a full URL.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use freebusy_core::wire::rfc3339;
use serde::Serialize;

use super::spec::SourceSpec;
use crate::store::{SourceRecord, SyncState};

/// One source's status.
#[derive(Debug, Clone, Serialize)]
pub struct SourceStatus {
    /// The calendar the source fills.
    pub calendar_id: String,
    /// The owning account's address.
    pub account: String,
    /// `ics` or `caldav`.
    pub kind: &'static str,
    /// Where it reads, redacted (`https://host/…`); `null` when this server's config
    /// does not name the source (another replica's, or one being removed).
    pub location: Option<String>,
    /// `ok`; `stale` (the last read failed, the snapshot is served); `unread` (never
    /// read yet: its time is unknown); `failing` (never read, and reads fail).
    pub state: &'static str,
    /// When the snapshot was last written.
    pub snapshot_at: Option<String>,
    /// Seconds since the last successful read: how old what is served is.
    pub age_seconds: Option<i64>,
    /// When the last attempt ended.
    pub last_attempt_at: Option<String>,
    /// When the last successful read ended.
    pub last_success_at: Option<String>,
    /// The last failure (cleared by a success); never a secret or a URL.
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<String>,
    /// Failures in a row.
    pub failures: u32,
    /// When the next attempt is due.
    pub next_attempt_at: String,
    /// Events in the snapshot (unknown periods included).
    pub events: usize,
    /// The time the snapshot covers (before and after, it is unknown).
    pub covered: Option<Span>,
    /// What the last expansion read, skipped (with reasons) and where it was cut.
    pub expansion: serde_json::Value,
}

/// A stretch of time, in RFC 3339 UTC.
#[derive(Debug, Clone, Serialize)]
pub struct Span {
    /// Inclusive start.
    pub start: String,
    /// Exclusive end.
    pub end: String,
}

/// The status of every stored source, on `now`.
pub fn of(
    records: &[SourceRecord],
    specs: &Arc<BTreeMap<String, Arc<SourceSpec>>>,
    now: DateTime<Utc>,
) -> Vec<SourceStatus> {
    records
        .iter()
        .map(|record| {
            let state = &record.state;
            SourceStatus {
                calendar_id: record.calendar_id.clone(),
                account: record.account.email.clone(),
                kind: record.definition.kind.as_str(),
                location: specs
                    .get(&record.calendar_id)
                    .map(|spec| spec.location.to_string()),
                state: name(state),
                snapshot_at: state.snapshot_at.map(rfc3339::format),
                age_seconds: state.last_success_at.map(|at| (now - at).num_seconds()),
                last_attempt_at: state.last_attempt_at.map(rfc3339::format),
                last_success_at: state.last_success_at.map(rfc3339::format),
                last_error: state.last_error.clone(),
                last_error_at: state.last_error_at.map(rfc3339::format),
                failures: state.failures,
                next_attempt_at: rfc3339::format(state.next_attempt_at),
                events: state.events,
                covered: state.covered.map(|window| Span {
                    start: rfc3339::format(window.start()),
                    end: rfc3339::format(window.end()),
                }),
                expansion: state.report.clone(),
            }
        })
        .collect()
}

fn name(state: &SyncState) -> &'static str {
    match (state.snapshot_at.is_some(), state.failures > 0) {
        (true, false) => "ok",
        (true, true) => "stale",
        (false, false) => "unread",
        (false, true) => "failing",
    }
}
