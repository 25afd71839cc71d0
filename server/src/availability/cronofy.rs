//! The Cronofy-style answer: one period per event of the token's account (with its
//! calendar, uid and managed `event_id`), not merged, as Cronofy documents and its
//! incremental sync needs; and how the answer is cut into pages.
//!
//! What is reported: events of the chosen calendars (all of the account's by default)
//! overlapping `[from, to)` in the query's zone (all-day events by date), without
//! managed ones unless `include_managed` (then, with neither `from` nor `to`, every
//! managed event of all time), without deleted ones unless `include_deleted`, without
//! free timed ones unless `include_free` (free all-day events always, as documented),
//! and only those modified at or after `last_modified` when given. Ordered by start
//! (an all-day event from its first local midnight), then calendar, then uid.
//!
//! Paging: [`PAGE_SIZE`] periods per page, by keyset: a later page is the same query
//! re-run and read from just after the [`Position`] (the order's key) of the previous
//! page's last period, so a period that stays where it is while a client reads the
//! pages comes back exactly once, whatever is booked, cancelled or added meanwhile (a
//! new one appears if it sorts after the client's position). There is no server-side
//! cursor to expire, and every replica can answer any page.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use freebusy_core::zone::day_start;
use freebusy_core::{Status, Window};
use serde::{Deserialize, Serialize};

use super::read_sources_first;
use crate::error::ApiError;
use crate::sources::Sources;
use crate::store::{Calendar, Event, EventQuery, EventSpan, Store};

/// Periods per page.
pub const PAGE_SIZE: usize = 100;
/// Days before today that `from` defaults to.
pub const DEFAULT_DAYS_BACK: u64 = 42;
/// Days after today that `to` defaults to.
pub const DEFAULT_DAYS_AHEAD: u64 = 201;

/// The parameters of a free/busy query, each checked on its own (the route reads
/// them); the rules between them and the account are [`page`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeBusyQuery {
    /// The `tzid` as given, echoed in localized times.
    pub tzid: String,
    /// The zone `tzid` names: `from`, `to` and all-day events are days in it.
    pub zone: Tz,
    /// The first day, inclusive; `None` for the default.
    pub from: Option<NaiveDate>,
    /// The day after the last, exclusive; `None` for the default.
    pub to: Option<NaiveDate>,
    /// Only these calendars; empty for all of the account's.
    pub calendar_ids: Vec<String>,
    /// Report managed events (bookings, and events with an `event_id`).
    pub include_managed: bool,
    /// Report free timed events.
    pub include_free: bool,
    /// Report deleted events and cancelled bookings.
    pub include_deleted: bool,
    /// Report `event_uid` and `event_id`.
    pub include_ids: bool,
    /// Report times as `{time, tzid}` in the query's zone.
    pub localized_times: bool,
    /// Report the account as `userinfo`.
    pub include_userinfo: bool,
    /// Only events modified at or after this.
    pub last_modified: Option<DateTime<Utc>>,
}

/// Where a period stands in the answer's order: its start (an all-day event's first
/// local midnight), as Unix seconds, then its calendar, then its uid. Unique per
/// period, so "after this position" is exact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position {
    /// The start, Unix seconds.
    pub start: i64,
    /// The calendar's id.
    pub calendar_id: String,
    /// The event's uid within its calendar.
    pub uid: String,
}

/// Which page to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageAt {
    /// The first.
    First,
    /// Page `number`, which holds the periods after `after`.
    After {
        /// This page's number (from 2).
        number: u32,
        /// The previous page's last period.
        after: Position,
    },
}

/// One page of the answer: its events, and where it stands among the pages.
#[derive(Debug, Clone)]
pub struct Page {
    /// This page's events, in order.
    pub events: Vec<Event>,
    /// This page's number, from 1.
    pub number: u32,
    /// How many pages there are, as of this page: the ones before it and those its
    /// remaining periods fill; at least this page's number.
    pub total: u32,
    /// Where the next page starts (after this position); `None` on the last page.
    pub next: Option<Position>,
    /// The account's id, with `include_userinfo` and an account to report.
    pub account_id: Option<i64>,
}

/// The page `at` of what `query` reports for the account of `email`, with the
/// defaults of `from` and `to` counted from the day `today` in the query's zone (the
/// first page's day, for every page of one read). A token for an address with no
/// account yet has nothing to report: one empty page. A chosen source never read is
/// read first, waiting at most `wait`; if it is still unread, its calendar reports one
/// `unknown` period over all time.
///
/// # Errors
///
/// 422 for a `calendar_ids[]` entry that is not the account's, or a `from`/`to` that
/// ends up not before the other once defaults are applied; 500 if the store fails.
pub async fn page(
    store: &Store,
    sources: &Sources,
    wait: Duration,
    email: &str,
    query: &FreeBusyQuery,
    at: &PageAt,
    today: NaiveDate,
) -> Result<Page, ApiError> {
    let (events, account_id) = match reported(store, sources, wait, email, query, today).await? {
        Some((events, account_id)) => (events, query.include_userinfo.then_some(account_id)),
        None => (Vec::new(), None),
    };
    let (number, rest): (u32, Vec<(Position, Event)>) = match at {
        PageAt::First => (1, events),
        PageAt::After { number, after } => (
            *number,
            events
                .into_iter()
                .filter(|(position, _)| position > after)
                .collect(),
        ),
    };
    let later_pages = rest.len().saturating_sub(1) / PAGE_SIZE;
    let total = number.saturating_add(u32::try_from(later_pages).unwrap_or(u32::MAX));
    let next = (rest.len() > PAGE_SIZE).then(|| rest[PAGE_SIZE - 1].0.clone());
    Ok(Page {
        events: rest
            .into_iter()
            .take(PAGE_SIZE)
            .map(|(_, event)| event)
            .collect(),
        number,
        total,
        next,
        account_id,
    })
}

/// Every event the query reports, in order with its position, and the account's id;
/// `None` without an account.
async fn reported(
    store: &Store,
    sources: &Sources,
    wait: Duration,
    email: &str,
    query: &FreeBusyQuery,
    today: NaiveDate,
) -> Result<Option<(Vec<(Position, Event)>, i64)>, ApiError> {
    let days = match DayRange::of(query, today) {
        Ok(days) => days,
        Err(problem) => {
            // The calendars are checked first, and nothing is wrong without an account.
            let Some(account) = store.account_by_email(email).await? else {
                return Ok(None);
            };
            check_calendars(query, &store.calendars_of(account.id).await?)?;
            return Err(problem);
        }
    };
    let wanted = EventQuery {
        calendars: (!query.calendar_ids.is_empty()).then(|| query.calendar_ids.clone()),
        window: days.wide_window()?,
        // Managed events are not bound by the default window.
        all_managed: query.include_managed && query.from.is_none() && query.to.is_none(),
    };
    let Some(found) = store.account_events(email, wanted.clone()).await? else {
        return Ok(None);
    };
    check_calendars(query, &found.calendars)?;
    let found = read_sources_first(store, sources, wait, email, &wanted, found).await?;

    let mut events: Vec<Event> = found
        .overlapping
        .into_iter()
        .filter(|event| days.contains(event))
        .collect();
    let mut seen: HashSet<(String, String)> = events
        .iter()
        .map(|e| (e.calendar_id.clone(), e.uid.clone()))
        .collect();
    for event in found.managed {
        if seen.insert((event.calendar_id.clone(), event.uid.clone())) {
            events.push(event);
        }
    }
    let mut selected: Vec<(Position, Event)> = events
        .into_iter()
        .filter(|e| query.include_managed || !e.is_managed())
        .filter(|e| query.include_deleted || !e.deleted)
        .filter(|e| {
            query.include_free
                || e.status != Status::Free
                || matches!(e.span, EventSpan::AllDay { .. })
        })
        .filter(|e| {
            query
                .last_modified
                .is_none_or(|since| e.last_modified >= since)
        })
        .map(|e| (position(&e, &query.zone), e))
        .collect();
    selected.sort_by(|(a, _), (b, _)| a.cmp(b));
    Ok(Some((selected, found.account.id)))
}

/// 422 unless every requested calendar is one of the account's.
fn check_calendars(query: &FreeBusyQuery, own: &[Calendar]) -> Result<(), ApiError> {
    let unknown: Vec<&String> = query
        .calendar_ids
        .iter()
        .filter(|id| !own.iter().any(|calendar| &calendar.id == *id))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::param(
        "calendar_ids",
        "errors.unknown_calendar",
        &format!("not a calendar of this account: {unknown:?}"),
    ))
}

/// The days `[from, to)` a query covers, defaults applied, and their instants.
struct DayRange {
    from: NaiveDate,
    to: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl DayRange {
    fn of(query: &FreeBusyQuery, today: NaiveDate) -> Result<DayRange, ApiError> {
        let from = query
            .from
            .unwrap_or_else(|| today - Days::new(DEFAULT_DAYS_BACK));
        let to = query
            .to
            .unwrap_or_else(|| today + Days::new(DEFAULT_DAYS_AHEAD));
        if to <= from {
            // Only one of the two was given, and the other's default lies beyond it.
            return Err(ApiError::param(
                "to",
                "errors.invalid",
                "must be after from (from defaults to 42 days ago, to to 201 days ahead)",
            ));
        }
        let (Some(start), Some(end)) = (day_start(&query.zone, from), day_start(&query.zone, to))
        else {
            return Err(ApiError::param("from", "errors.invalid", "out of range"));
        };
        Ok(DayRange {
            from,
            to,
            start,
            end,
        })
    }

    /// The window to ask the store for: all-day events sit at UTC midnight there, so
    /// it is widened by two days each side, and [`DayRange::contains`] decides exactly.
    fn wide_window(&self) -> Result<Window, ApiError> {
        Window::new(
            self.start - TimeDelta::days(2),
            self.end + TimeDelta::days(2),
        )
        .map_err(|e| ApiError::Internal(format!("free/busy window: {e}")))
    }

    /// Whether `event` overlaps the days: timed events by instant, all-day ones by date.
    fn contains(&self, event: &Event) -> bool {
        match event.span {
            EventSpan::Timed { start, end } => start < self.end && end > self.start,
            EventSpan::AllDay { start, end } => start < self.to && end > self.from,
        }
    }
}

fn position(event: &Event, zone: &Tz) -> Position {
    let start = match event.span {
        EventSpan::Timed { start, .. } => start.timestamp(),
        EventSpan::AllDay { start, .. } => {
            day_start(zone, start).map_or(i64::MIN, |instant| instant.timestamp())
        }
    };
    Position {
        start,
        calendar_id: event.calendar_id.clone(),
        uid: event.uid.clone(),
    }
}
