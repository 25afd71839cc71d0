//! `GET /v1/free_busy`: the Cronofy-style free/busy API, and its further pages at
//! `GET /v1/free_busy/pages/{page}`.
//!
//! Checks the token and reads the parameters, asks [`crate::availability::cronofy`] for the
//! page, and shapes it: all-day events as dates, times in UTC or (`localized_times`) in
//! the query's zone, `pages.next_page` as this server's `/v1/free_busy/pages/{n}` with
//! the same query string.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use freebusy_core::wire::cronofy::{FreeBusyPeriod, FreeBusyResponse, Pages, PeriodTime, UserInfo};
use freebusy_core::wire::{WireStatus, date, rfc3339};

use crate::auth::Scope;
use crate::availability::cronofy::{self, FreeBusyQuery};
use crate::availability::in_time;
use crate::error::{ApiError, ParamCheck, ParamError};
use crate::query::QueryString;
use crate::state::AppState;
use crate::store::{Event, EventSpan};

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
    number: u32,
) -> Result<Json<FreeBusyResponse>, ApiError> {
    let grant = state.tokens().authorize(&headers, Scope::ReadFreeBusy)?;
    let query = read_query(&QueryString::parse(raw.as_deref()))?;
    let today = Utc::now().with_timezone(&query.zone).date_naive();
    let answer = cronofy::page(
        state.store(),
        state.sources(),
        state.source_wait(),
        &grant.email,
        &query,
        number,
        today,
    );
    let page = in_time(state.freebusy_deadline(), answer).await?;

    let next_page = page.has_next().then(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .map_or_else(String::new, |host| format!("http://{host}"));
        let query = raw.as_deref().map_or_else(String::new, |q| format!("?{q}"));
        format!("{host}/v1/free_busy/pages/{}{query}", page.number + 1)
    });
    let userinfo = page.account_id.map(|id| UserInfo {
        sub: Some(format!("acc_{id}")),
        cronofy_type: Some("userinfo".into()),
    });
    Ok(Json(FreeBusyResponse {
        pages: Pages {
            current: page.number,
            total: page.total,
            next_page,
        },
        free_busy: page
            .events
            .iter()
            .map(|event| wire_period(event, &query))
            .collect(),
        userinfo,
    }))
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
        free_busy_status: WireStatus::Known(event.status),
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
    let mut check = ParamCheck::new();
    let tzid = check.take("tzid", single(query, "tzid")).flatten();
    let zone = check.take("tzid", zone(tzid));
    let from = check
        .take("from", single(query, "from").and_then(day))
        .flatten();
    let to = check
        .take("to", single(query, "to").and_then(day))
        .flatten();
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        check.fail("to", "errors.invalid", "must be after from");
    }
    let mut flag = |name: &str| {
        check
            .take(name, single(query, name).and_then(boolean))
            .unwrap_or(false)
    };
    let include_managed = flag("include_managed");
    let include_free = flag("include_free");
    let include_deleted = flag("include_deleted");
    let include_ids = flag("include_ids");
    let localized_times = flag("localized_times");
    let include_userinfo = flag("include_userinfo");
    let last_modified = check
        .take(
            "last_modified",
            single(query, "last_modified").and_then(instant),
        )
        .flatten();
    let calendar_ids: Vec<String> = query.all("calendar_ids[]").map(str::to_owned).collect();
    // A parameter that failed is recorded in `check`, whatever stands in for it here.
    let built = zone.map(|(tzid, zone)| FreeBusyQuery {
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
    });
    check.finish(built)
}

/// A parameter that may be given once.
fn single<'a>(query: &'a QueryString, name: &'a str) -> Result<Option<&'a str>, ParamError> {
    query
        .single(name)
        .map_err(|_| ParamError::new("errors.invalid", "given more than once"))
}

/// `tzid`: required, an IANA zone.
fn zone(tzid: Option<&str>) -> Result<(String, Tz), ParamError> {
    match tzid {
        None | Some("") => Err(ParamError::new("errors.required", "required")),
        Some(name) => name
            .parse::<Tz>()
            .map(|zone| (name.to_owned(), zone))
            .map_err(|_| {
                ParamError::new(
                    "errors.unknown_tzid",
                    "not a time zone of the IANA database",
                )
            }),
    }
}

/// `from` or `to`: exactly `YYYY-MM-DD`, in years 1 to 9999, which keeps every later
/// day and instant sum far from chrono's limits.
fn day(text: Option<&str>) -> Result<Option<NaiveDate>, ParamError> {
    text.map(|text| {
        date::parse(text)
            .filter(|date| (1..=9999).contains(&date.year()))
            .ok_or_else(|| ParamError::new("errors.invalid_date", "must be a date like 2026-04-20"))
    })
    .transpose()
}

/// A flag: absent is false.
fn boolean(text: Option<&str>) -> Result<bool, ParamError> {
    match text {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ParamError::new(
            "errors.invalid_boolean",
            "must be true or false",
        )),
    }
}

/// `last_modified`: an RFC 3339 time.
fn instant(text: Option<&str>) -> Result<Option<DateTime<Utc>>, ParamError> {
    text.map(|text| {
        rfc3339::parse(text).ok_or_else(|| {
            ParamError::new(
                "errors.invalid_time",
                "must be a time like 2026-04-20T09:00:00Z",
            )
        })
    })
    .transpose()
}
