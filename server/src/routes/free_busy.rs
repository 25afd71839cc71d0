//! `GET /v1/free_busy`: the Cronofy-style free/busy API, and its further pages at
//! `GET /v1/free_busy/pages/{page}`.
//!
//! Unlike the Zonio-style API this reports events one by one (with their calendar, and
//! with `include_ids` their uid and managed `event_id`), not merged: that is what
//! Cronofy documents, and what its incremental sync needs. All-day events are reported
//! as dates. Bookings are the managed events.
//!
//! Paging: [`PAGE_SIZE`] periods per page, ordered by start; `pages.next_page` is this
//! server's `/v1/free_busy/pages/{n}` with the same query string, so a page is the same
//! query re-run and cut at another place.

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use freebusy_core::wire::WireStatus;
use freebusy_core::wire::cronofy::{FreeBusyPeriod, FreeBusyResponse, Pages, PeriodTime, UserInfo};
use freebusy_core::zone::day_start;

use crate::app::AppState;
use crate::config::READ_FREE_BUSY;
use crate::error::{ApiError, ParamError, ParamErrors};
use crate::routes::bookings::bearer_token;
use crate::routes::query::QueryString;
use crate::routes::zonio::engine_status;
use crate::store::{self, Event, EventSpan, Status, Store, StoreError};

/// Periods per page.
pub const PAGE_SIZE: usize = 100;
/// Days before today that `from` defaults to.
pub const DEFAULT_DAYS_BACK: u64 = 42;
/// Days after today that `to` defaults to.
pub const DEFAULT_DAYS_AHEAD: u64 = 201;

/// The parameters of a free/busy query, checked.
#[derive(Debug, Clone)]
struct FreeBusyQuery {
    tzid: String,
    zone: Tz,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    calendar_ids: Vec<String>,
    include_managed: bool,
    include_free: bool,
    include_deleted: bool,
    include_ids: bool,
    localized_times: bool,
    include_userinfo: bool,
    last_modified: Option<DateTime<Utc>>,
}

/// The first page of a free/busy query.
///
/// # Errors
///
/// 401 for a missing or unknown token, 403 without `read_free_busy`, 422 for invalid
/// parameters, 503 past the free/busy deadline.
pub async fn first_page(
    state: State<AppState>,
    headers: HeaderMap,
    raw: RawQuery,
) -> Result<Json<FreeBusyResponse>, ApiError> {
    page_of(state, headers, raw, 1).await
}

/// A further page of a free/busy query, as `pages.next_page` links it.
///
/// # Errors
///
/// As [`first_page`], and 404 for a page that does not exist.
pub async fn later_page(
    state: State<AppState>,
    headers: HeaderMap,
    Path(page): Path<String>,
    raw: RawQuery,
) -> Result<Json<FreeBusyResponse>, ApiError> {
    let page: u32 = page
        .parse()
        .ok()
        .filter(|&page| page >= 1)
        .ok_or_else(|| ApiError::NotFound("no such page".into()))?;
    page_of(state, headers, raw, page).await
}

async fn page_of(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    page: u32,
) -> Result<Json<FreeBusyResponse>, ApiError> {
    let token = bearer_token(&headers).ok_or(ApiError::Unauthorized)?;
    let grant = state.token(token).ok_or(ApiError::Unauthorized)?;
    if !grant.can_read_free_busy() {
        return Err(ApiError::Forbidden(READ_FREE_BUSY));
    }
    let email = grant.email.clone();
    let query = read_query(&QueryString::parse(raw.as_deref()))?;
    let today = Utc::now().with_timezone(&query.zone).date_naive();
    let work = state.with_store(move |store| free_busy(store, &email, &query, today));
    let (periods, account_id) = tokio::time::timeout(state.freebusy_deadline(), work)
        .await
        .map_err(|_| ApiError::Timeout("free/busy not found in time".into()))????;

    let total = periods.len().div_ceil(PAGE_SIZE).max(1);
    let index = page as usize - 1;
    if index >= total {
        return Err(ApiError::NotFound(format!(
            "page {page} does not exist; there are {total}"
        )));
    }
    let next_page = (index + 1 < total).then(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .map_or_else(String::new, |host| format!("http://{host}"));
        let query = raw.as_deref().map_or_else(String::new, |q| format!("?{q}"));
        format!("{host}/v1/free_busy/pages/{}{query}", page + 1)
    });
    let page_periods: Vec<FreeBusyPeriod> = periods
        .into_iter()
        .skip(index * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let userinfo = account_id.map(|id| UserInfo {
        sub: Some(format!("acc_{id}")),
        cronofy_type: Some("userinfo".into()),
    });
    Ok(Json(FreeBusyResponse {
        pages: Pages {
            current: page,
            total: u32::try_from(total).unwrap_or(u32::MAX),
            next_page,
        },
        free_busy: page_periods,
        userinfo,
    }))
}

/// Every period the query selects, in order; and the account id when `include_userinfo`.
#[allow(clippy::type_complexity)]
fn free_busy(
    store: &mut Store,
    email: &str,
    query: &FreeBusyQuery,
    today: NaiveDate,
) -> Result<Result<(Vec<FreeBusyPeriod>, Option<i64>), ApiError>, StoreError> {
    let Some(account) = store.account_by_email(email)? else {
        // A token for an address with no account yet: nothing to report.
        return Ok(Ok((Vec::new(), None)));
    };
    let own: Vec<String> = store
        .calendars_of(account.id)?
        .into_iter()
        .map(|calendar| calendar.id)
        .collect();
    let calendars = if query.calendar_ids.is_empty() {
        own
    } else {
        let unknown: Vec<&String> = query
            .calendar_ids
            .iter()
            .filter(|id| !own.contains(id))
            .collect();
        if !unknown.is_empty() {
            return Ok(Err(ApiError::param(
                "calendar_ids",
                "errors.unknown_calendar",
                &format!("not a calendar of this account: {unknown:?}"),
            )));
        }
        query.calendar_ids.clone()
    };

    let from = query
        .from
        .unwrap_or_else(|| today - Days::new(DEFAULT_DAYS_BACK));
    let to = query
        .to
        .unwrap_or_else(|| today + Days::new(DEFAULT_DAYS_AHEAD));
    if to <= from {
        // Only one of the two was given, and the other's default lies beyond it.
        return Ok(Err(ApiError::param(
            "to",
            "errors.invalid",
            "must be after from (from defaults to 42 days ago, to to 201 days ahead)",
        )));
    }
    let (Some(window_start), Some(window_end)) =
        (day_start(&query.zone, from), day_start(&query.zone, to))
    else {
        return Ok(Err(ApiError::param(
            "from",
            "errors.invalid",
            "out of range",
        )));
    };
    // All-day events sit at UTC midnight in the store: widen by a day each side, then
    // compare their dates exactly.
    let wide = store::Window::new(
        window_start - chrono::TimeDelta::days(2),
        window_end + chrono::TimeDelta::days(2),
    )
    .ok_or_else(|| StoreError::Invalid("an empty window".into()))?;
    let in_window = |event: &Event| match event.span {
        EventSpan::Timed { start, end } => start < window_end && end > window_start,
        EventSpan::AllDay { start, end } => start < to && end > from,
    };
    let mut events: Vec<Event> = store
        .events_overlapping(&calendars, wide)?
        .into_iter()
        .filter(in_window)
        .collect();
    if query.include_managed && query.from.is_none() && query.to.is_none() {
        // Managed events are not bound by the default window.
        let mut seen: HashSet<(String, String)> = events
            .iter()
            .map(|e| (e.calendar_id.clone(), e.uid.clone()))
            .collect();
        for event in store.managed_events(&calendars)? {
            if seen.insert((event.calendar_id.clone(), event.uid.clone())) {
                events.push(event);
            }
        }
    }
    let mut selected: Vec<(i64, Event)> = events
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
        .map(|e| (sort_key(&e, &query.zone), e))
        .collect();
    selected
        .sort_by(|(a, x), (b, y)| (a, &x.calendar_id, &x.uid).cmp(&(b, &y.calendar_id, &y.uid)));
    let periods = selected
        .iter()
        .map(|(_, event)| wire_period(event, query))
        .collect();
    let account_id = query.include_userinfo.then_some(account.id);
    Ok(Ok((periods, account_id)))
}

fn sort_key(event: &Event, zone: &Tz) -> i64 {
    match event.span {
        EventSpan::Timed { start, .. } => start.timestamp(),
        EventSpan::AllDay { start, .. } => {
            day_start(zone, start).map_or(i64::MIN, |instant| instant.timestamp())
        }
    }
}

fn wire_period(event: &Event, query: &FreeBusyQuery) -> FreeBusyPeriod {
    let time = |instant: DateTime<Utc>| {
        if query.localized_times {
            PeriodTime::localized(instant, &query.zone, query.tzid.clone())
        } else {
            PeriodTime::Time(instant)
        }
    };
    let date = |date: NaiveDate| {
        if query.localized_times {
            PeriodTime::LocalizedDate {
                date,
                tzid: query.tzid.clone(),
            }
        } else {
            PeriodTime::Date(date)
        }
    };
    let (start, end) = match event.span {
        EventSpan::Timed { start, end } => (time(start), time(end)),
        EventSpan::AllDay { start, end } => (date(start), date(end)),
    };
    FreeBusyPeriod {
        calendar_id: event.calendar_id.clone(),
        start,
        end,
        free_busy_status: WireStatus::Known(engine_status(event.status)),
        event_uid: query.include_ids.then(|| event.uid.clone()),
        event_id: if query.include_ids {
            event.event_id.clone()
        } else {
            None
        },
        deleted: query.include_deleted.then_some(event.deleted),
    }
}

/// Checks every parameter, collecting all problems into one 422.
fn read_query(query: &QueryString) -> Result<FreeBusyQuery, ApiError> {
    let mut errors = ParamErrors::new();
    let mut fail = |name: &str, key: &str, description: &str| {
        errors.entry(name.to_owned()).or_default().push(ParamError {
            key: key.to_owned(),
            description: description.to_owned(),
        });
    };
    let single = |name: &str, fail: &mut dyn FnMut(&str, &str, &str)| match query.single(name) {
        Ok(value) => value.map(str::to_owned),
        Err(_) => {
            fail(name, "errors.invalid", "given more than once");
            None
        }
    };

    let tzid = single("tzid", &mut fail);
    let zone = match tzid.as_deref() {
        None | Some("") => {
            fail("tzid", "errors.required", "required");
            None
        }
        Some(name) => match name.parse::<Tz>() {
            Ok(zone) => Some(zone),
            Err(_) => {
                fail(
                    "tzid",
                    "errors.unknown_tzid",
                    "not a time zone of the IANA database",
                );
                None
            }
        },
    };
    let date = |name: &str, fail: &mut dyn FnMut(&str, &str, &str)| {
        let text = single(name, fail)?;
        // Years 1..=9999 keep every later day and instant sum far from chrono's limits.
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) if (1..=9999).contains(&date.year()) => Some(date),
            _ => {
                fail(
                    name,
                    "errors.invalid_date",
                    "must be a date like 2026-04-20",
                );
                None
            }
        }
    };
    let from = date("from", &mut fail);
    let to = date("to", &mut fail);
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        fail("to", "errors.invalid", "must be after from");
    }
    let flag =
        |name: &str, fail: &mut dyn FnMut(&str, &str, &str)| match single(name, fail).as_deref() {
            None => false,
            Some("true") => true,
            Some("false") => false,
            Some(_) => {
                fail(name, "errors.invalid_boolean", "must be true or false");
                false
            }
        };
    let include_managed = flag("include_managed", &mut fail);
    let include_free = flag("include_free", &mut fail);
    let include_deleted = flag("include_deleted", &mut fail);
    let include_ids = flag("include_ids", &mut fail);
    let localized_times = flag("localized_times", &mut fail);
    let include_userinfo = flag("include_userinfo", &mut fail);
    let last_modified = match single("last_modified", &mut fail) {
        None => None,
        Some(text) => match DateTime::parse_from_rfc3339(&text) {
            Ok(time) => Some(time.to_utc()),
            Err(_) => {
                fail(
                    "last_modified",
                    "errors.invalid_time",
                    "must be a time like 2026-04-20T09:00:00Z",
                );
                None
            }
        },
    };
    let calendar_ids: Vec<String> = query.all("calendar_ids[]").map(str::to_owned).collect();

    if !errors.is_empty() {
        return Err(ApiError::Unprocessable(errors));
    }
    let (Some(tzid), Some(zone)) = (tzid, zone) else {
        return Err(ApiError::param("tzid", "errors.required", "required"));
    };
    Ok(FreeBusyQuery {
        tzid,
        zone,
        from,
        to,
        calendar_ids,
        include_managed,
        include_free,
        include_deleted,
        include_ids,
        localized_times,
        include_userinfo,
        last_modified,
    })
}
