//! Every attendee's week, in either API style.

use super::http::{Http, HttpRequest};
use super::{FetchError, Sending, expect_success, parse, read, send_patiently};
use crate::messages::Text;
use crate::options::{Api, Options};
use chrono::{Days, NaiveDate};
use freebusy_core::wire::cronofy::{self, FreeBusyResponse};
use freebusy_core::wire::zonio::{self, AvailabilityPeriod, RequestWindow};
use freebusy_core::zone::Zone;
use freebusy_core::{Availability, Period, Status, Window};

/// A bound on Cronofy pages per attendee, against a server that pages forever.
const MOST_PAGES: usize = 50;

/// Why an attendee's calendar could not be read (their time then counts as unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownReason {
    /// 404: the server has no calendar for them.
    NotFound,
    /// 401 or 403: their token was refused.
    Refused,
    /// Their address is not an email address: nothing was asked about them.
    Malformed,
}

impl UnknownReason {
    /// The reason in the `freebusy:loaded` detail (stable English, for host pages).
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownReason::NotFound => "no calendar found",
            UnknownReason::Refused => "their calendar token was refused",
            UnknownReason::Malformed => "not an email address",
        }
    }

    /// The reason as the visitor is told it.
    pub fn text(self) -> Text {
        match self {
            UnknownReason::NotFound => Text::AttendeeNotFound,
            UnknownReason::Refused => Text::AttendeeRefused,
            UnknownReason::Malformed => Text::AttendeeMalformed,
        }
    }
}

/// What is known of one attendee's week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttendeeWeek {
    /// Their merged calendar, and how many entries of it could not be read.
    Calendar {
        /// Non-free periods, merged.
        availability: Availability,
        /// Entries skipped as unreadable.
        skipped: usize,
    },
    /// Nothing could be read for them: their whole week counts as unknown.
    Unknown(UnknownReason),
}

impl AttendeeWeek {
    /// The availability the grid uses: unknown attendees are unknown all of `window`.
    pub fn availability(&self, window: Window) -> Availability {
        match self {
            AttendeeWeek::Calendar { availability, .. } => availability.clone(),
            AttendeeWeek::Unknown(_) => {
                Availability::merge(Period::new(window.start(), window.end(), Status::Unknown).ok())
            }
        }
    }
}

/// The week to fetch: the UTC span to read, the week's first local date and the zone it
/// is shown in.
#[derive(Clone, Debug)]
pub struct WeekQuery<'a> {
    /// The backend base URL, without a trailing slash.
    pub backend: &'a str,
    /// The options (API style, attendees, tokens).
    pub options: &'a Options,
    /// The UTC span to read (Zonio style): the week, with a margin so that another zone
    /// needs no new request.
    pub window: Window,
    /// The first local date of the week (Cronofy style asks for dates).
    pub first_day: NaiveDate,
    /// The zone name sent as Cronofy's `tzid` when the options name none.
    pub zone_name: &'a str,
}

/// Reads every attendee's week, one request per attendee, in parallel.
///
/// `zone` places Cronofy's all-day dates (the request's `tzid`). `sending` says which
/// group the requests abort with, their timeout, and who is told each time a 429 makes
/// the widget wait (so the user sees why nothing happens). Per attendee a 404 (or a
/// refused token) gives [`AttendeeWeek::Unknown`], and so does an address that is not
/// an email address (without a request); anything worse fails the whole week, because
/// a grid missing someone's busy time would offer slots that are not free.
///
/// # Errors
///
/// The first [`FetchError`] among the attendees; [`FetchError::Aborted`] if the group
/// was aborted.
pub async fn fetch_week(
    http: &dyn Http,
    query: &WeekQuery<'_>,
    zone: &dyn Zone,
    sending: &Sending<'_>,
) -> Result<Vec<AttendeeWeek>, FetchError> {
    let requests = query
        .options
        .attendees
        .iter()
        .enumerate()
        .map(|(index, attendee)| fetch_attendee(http, query, zone, index, attendee, sending));
    let results = futures::future::join_all(requests).await;
    let mut weeks = Vec::with_capacity(results.len());
    for result in results {
        weeks.push(result?);
    }
    Ok(weeks)
}

async fn fetch_attendee(
    http: &dyn Http,
    query: &WeekQuery<'_>,
    zone: &dyn Zone,
    index: usize,
    attendee: &str,
    sending: &Sending<'_>,
) -> Result<AttendeeWeek, FetchError> {
    if freebusy_core::wire::email::check(attendee).is_err() {
        return Ok(AttendeeWeek::Unknown(UnknownReason::Malformed));
    }
    let email = String::from(js_sys::encode_uri_component(attendee));
    match &query.options.api {
        Api::Zonio => {
            let window = RequestWindow::from(query.window);
            let request = HttpRequest {
                method: "GET",
                url: format!("{}/{email}?{}", query.backend, window.query()),
                bearer: None,
                body: None,
            };
            let response = send_patiently(http, request, sending).await?;
            if let Some(unknown) = unknown_attendee(response.status) {
                return Ok(unknown);
            }
            expect_success(response.status)?;
            let periods: Vec<AvailabilityPeriod> =
                parse(&response.body, Some(attendee), read::zonio_response)?;
            let conversion = zonio::to_periods(&periods);
            Ok(AttendeeWeek::Calendar {
                availability: Availability::merge(conversion.periods),
                skipped: conversion.skipped.len(),
            })
        }
        Api::Cronofy { tzid, .. } => {
            let tzid = tzid.as_deref().unwrap_or(query.zone_name);
            // A day either side: the request's zone may differ from the one shown.
            let from = query.first_day.checked_sub_days(Days::new(1));
            let to = query.first_day.checked_add_days(Days::new(8));
            let (Some(from), Some(to)) = (from, to) else {
                return Err(FetchError::Unexpected(0));
            };
            let mut url = format!(
                "{}/v1/free_busy?tzid={}&from={from}&to={to}",
                query.backend,
                js_sys::encode_uri_component(tzid)
            );
            let mut periods = Vec::new();
            let mut skipped = 0;
            for _ in 0..MOST_PAGES {
                let request = HttpRequest {
                    method: "GET",
                    url,
                    bearer: query.options.token_for(index).map(str::to_owned),
                    body: None,
                };
                let response = send_patiently(http, request, sending).await?;
                if let Some(unknown) = unknown_attendee(response.status) {
                    return Ok(unknown);
                }
                expect_success(response.status)?;
                let page: FreeBusyResponse =
                    parse(&response.body, Some(attendee), read::cronofy_response)?;
                let conversion = cronofy::to_periods(&page.free_busy, zone);
                periods.extend(conversion.periods);
                skipped += conversion.skipped.len();
                match page.pages.next_page {
                    Some(next) => url = next,
                    None => break,
                }
            }
            Ok(AttendeeWeek::Calendar {
                availability: Availability::merge(periods),
                skipped,
            })
        }
    }
}

/// 404 and refused tokens mark one attendee unknown instead of failing the week.
fn unknown_attendee(status: u16) -> Option<AttendeeWeek> {
    match status {
        404 => Some(AttendeeWeek::Unknown(UnknownReason::NotFound)),
        401 | 403 => Some(AttendeeWeek::Unknown(UnknownReason::Refused)),
        _ => None,
    }
}
