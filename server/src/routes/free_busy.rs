//! `GET /v1/free_busy`: the Cronofy-style free/busy API, and its further pages at
//! `GET /v1/free_busy/pages/{cursor}`.
//!
//! Checks the token and reads the parameters, asks [`crate::availability::cronofy`] for the
//! page, and shapes it: all-day events as dates, times in UTC or (`localized_times`) in
//! the query's zone, `pages.next_page` as a link under `--public-url` (or the address
//! the connection came in on; never the request's `Host`) to an opaque, self-contained
//! cursor: the first page's query and day, the next page's number and the position it
//! starts after. A page link takes no query string (one a client appends is ignored),
//! and needs the same token.

use axum::Json;
use axum::extract::{Extension, RawQuery, State};
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use freebusy_core::wire::cronofy::{FreeBusyPeriod, FreeBusyResponse, Pages, PeriodTime, UserInfo};
use freebusy_core::wire::{WireStatus, date, rfc3339};
use serde::{Deserialize, Serialize};

use crate::auth::Scope;
use crate::availability::cronofy::{self, FreeBusyQuery, Page, PageAt, Position};
use crate::availability::in_time;
use crate::config::PublicUrl;
use crate::error::{ApiError, ParamCheck, ParamError};
use crate::listener::LocalAddr;
use crate::query::QueryString;
use crate::segment::Segment;
use crate::state::AppState;
use crate::store::{Event, EventSpan};

/// What a page link carries: everything needed to read the next page, so that no
/// parameter has to be appended to it and nothing is kept on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    /// The first page's query string, checked again on every page.
    query: String,
    /// The first page's day in the query's zone, which the defaults count from.
    today: NaiveDate,
    /// The number of the page it links to.
    page: u32,
    /// The previous page's last period.
    after: Position,
}

impl Cursor {
    /// URL-safe base64 of its JSON: opaque to clients, and one path segment.
    fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("a cursor always serializes");
        URL_SAFE_NO_PAD.encode(json)
    }

    fn decode(text: &str) -> Option<Cursor> {
        let json = URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// The first page of a free/busy query.
///
/// # Errors
///
/// 401 for a missing or unknown token, 403 without `read_free_busy`, 422 for invalid
/// parameters, 503 past the free/busy deadline.
pub async fn first_page(
    State(state): State<AppState>,
    local: Option<Extension<LocalAddr>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<FreeBusyResponse>, ApiError> {
    let grant = state.tokens().authorize(&headers, Scope::ReadFreeBusy)?;
    let raw = raw.unwrap_or_default();
    let query = read_query(&QueryString::parse(Some(&raw)))?;
    let today = Utc::now().with_timezone(&query.zone).date_naive();
    let page = page_in_time(&state, &grant.email, &query, &PageAt::First, today).await?;
    let base = link_base(&state, local);
    Ok(Json(response(&page, &query, &raw, today, base.as_ref())))
}

/// A further page of a free/busy query, as `pages.next_page` links it.
///
/// # Errors
///
/// As [`first_page`]; 404 for a cursor this server did not hand out, 400 for a path
/// that does not decode.
pub async fn later_page(
    State(state): State<AppState>,
    local: Option<Extension<LocalAddr>>,
    headers: HeaderMap,
    Segment(cursor): Segment<String>,
) -> Result<Json<FreeBusyResponse>, ApiError> {
    let grant = state.tokens().authorize(&headers, Scope::ReadFreeBusy)?;
    let cursor = Cursor::decode(&cursor)
        .filter(|cursor| cursor.page >= 2)
        .ok_or_else(|| ApiError::NotFound("no such page: not a link this server made".into()))?;
    let query = read_query(&QueryString::parse(Some(&cursor.query)))?;
    let at = PageAt::After {
        number: cursor.page,
        after: cursor.after,
    };
    let page = page_in_time(&state, &grant.email, &query, &at, cursor.today).await?;
    let base = link_base(&state, local);
    Ok(Json(response(
        &page,
        &query,
        &cursor.query,
        cursor.today,
        base.as_ref(),
    )))
}

/// One page of `email`'s free/busy, or 503 past the free/busy deadline.
async fn page_in_time(
    state: &AppState,
    email: &str,
    query: &FreeBusyQuery,
    at: &PageAt,
    today: NaiveDate,
) -> Result<Page, ApiError> {
    let answer = cronofy::page(
        state.store(),
        state.sources(),
        state.source_wait(),
        email,
        query,
        at,
        today,
    );
    in_time(state.freebusy_deadline(), answer).await
}

/// Where links point: `--public-url`, else the address the connection came in on;
/// without either (a router run without the listener), links are relative.
fn link_base(state: &AppState, local: Option<Extension<LocalAddr>>) -> Option<PublicUrl> {
    state
        .public_url()
        .cloned()
        .or_else(|| local.map(|Extension(LocalAddr(address))| PublicUrl::of_local(address)))
}

fn response(
    page: &Page,
    query: &FreeBusyQuery,
    raw_query: &str,
    today: NaiveDate,
    base: Option<&PublicUrl>,
) -> FreeBusyResponse {
    let next_page = page.next.clone().map(|after| {
        let cursor = Cursor {
            query: raw_query.to_owned(),
            today,
            page: page.number.saturating_add(1),
            after,
        };
        let path = format!("/v1/free_busy/pages/{}", cursor.encode());
        base.map_or_else(|| path.clone(), |base| base.join(&path))
    });
    let userinfo = page.account_id.map(|id| UserInfo {
        sub: Some(format!("acc_{id}")),
        cronofy_type: Some("userinfo".into()),
    });
    FreeBusyResponse {
        pages: Pages {
            current: page.number,
            total: page.total,
            next_page,
        },
        free_busy: page
            .events
            .iter()
            .map(|event| wire_period(event, query))
            .collect(),
        userinfo,
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
    // One problem per parameter: a repeated tzid is that, not also a missing one.
    let zone = check.take("tzid", single(query, "tzid").and_then(zone));
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
