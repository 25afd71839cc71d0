//! The visitor's pages behind the links of [`crate::booking::links`]:
//! `/bookings/{id}/cancel?token=T` and `/bookings/{id}/reschedule?token=T`.
//!
//! Each `GET` shows the booking and a form that `POST`s to the same path (the token in a
//! hidden field); the `POST` does it and answers 303 back to the `GET`
//! (POST-redirect-GET, so a reload repeats nothing). The reschedule page lists, one week
//! at a time (`&week=YYYY-MM-DD`, days in the first host's zone), the starts at which
//! the booking's duration is free for all its hosts. A wrong link, a cancelled booking
//! or a time taken meanwhile is a page that says so; the store failing is a 503 page.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use freebusy_core::Window;
use freebusy_core::wire::rfc3339;
use freebusy_core::zone;

use crate::auth;
use crate::booking::{self, change, openings};
use crate::error::ApiError;
use crate::pages::{Page, day_text, escape, query_value, see_other, summary};
use crate::query::QueryString;
use crate::segment::Segment;
use crate::state::AppState;
use crate::store::{Account, Booking};

/// How many weeks ahead the reschedule page goes.
const MAX_WEEKS_AHEAD: u64 = 52;

/// `GET /bookings/{id}/cancel?token=T`: the booking and a button that cancels it.
pub async fn cancel_page(
    State(state): State<AppState>,
    Segment(id): Segment<String>,
    RawQuery(query): RawQuery,
) -> Page {
    let query = QueryString::parse(query.as_deref());
    let (token, booking, hosts) = match opened(&state, &id, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    if let Some(cancelled) = booking.cancelled_at {
        return Page::new(
            StatusCode::OK,
            "This booking is cancelled",
            format!(
                "{}<p class=\"done\">Cancelled on {} at {} UTC. The time is free again.</p>",
                summary(&booking, &hosts),
                escape(&day_text(&cancelled)),
                cancelled.format("%H:%M"),
            ),
        );
    }
    Page::new(
        StatusCode::OK,
        "Cancel your booking",
        format!(
            "{}<form method=\"post\" action=\"cancel\">\
             <input type=\"hidden\" name=\"token\" value=\"{}\">\
             <button type=\"submit\">Cancel this booking</button></form>\
             <p class=\"note\">Or <a href=\"reschedule?token={link}\">pick another time</a> \
             instead.</p>",
            summary(&booking, &hosts),
            escape(token),
            link = escape(&query_value(token)),
        ),
    )
}

/// `POST /bookings/{id}/cancel` (`token=T`): cancels, then back to the page.
pub async fn cancel_form(
    State(state): State<AppState>,
    Segment(id): Segment<String>,
    body: Bytes,
) -> Response {
    let form = Form::read(&body);
    let Some(token) = form.token else {
        return incomplete_link().into_response();
    };
    match booking::cancel(state.store(), &id, &token, Utc::now()).await {
        Ok(_) => {
            state.outbox().wake();
            see_other(&format!("cancel?token={}", query_value(&token)))
        }
        Err(ApiError::NotFound(_)) => wrong_link().into_response(),
        Err(error) => trouble(&error).into_response(),
    }
}

/// `GET /bookings/{id}/reschedule?token=T[&week=YYYY-MM-DD]`: the week's free starts.
pub async fn reschedule_page(
    State(state): State<AppState>,
    Segment(id): Segment<String>,
    RawQuery(query): RawQuery,
) -> Page {
    let query = QueryString::parse(query.as_deref());
    let (token, booking, hosts) = match opened(&state, &id, &query).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let week = query.single("week").ok().flatten();
    let notice = match query.single("moved").ok().flatten() {
        Some(_) => Notice::Moved,
        None => Notice::None,
    };
    week_page(&state, &booking, &hosts, token, week, notice).await
}

/// `POST /bookings/{id}/reschedule` (`token=T&start=RFC3339`): moves the booking, then
/// back to the page; a time taken meanwhile is the page again, saying so.
pub async fn reschedule_form(
    State(state): State<AppState>,
    Segment(id): Segment<String>,
    body: Bytes,
) -> Response {
    let form = Form::read(&body);
    let Some(token) = form.token else {
        return incomplete_link().into_response();
    };
    let (booking, hosts) = match open(&state, &id, &token).await {
        Ok(found) => found,
        Err(page) => return page.into_response(),
    };
    let week = form.week.as_deref();
    let Some(start) = form.start.as_deref().and_then(rfc3339::parse) else {
        let notice = Notice::Refused("Pick one of the times below.".into());
        return week_page(&state, &booking, &hosts, &token, week, notice)
            .await
            .into_response();
    };
    let now = Utc::now();
    let moved = change::reschedule(
        state.store(),
        &id,
        &token,
        (start, None),
        state.booking_policy(),
        now,
    )
    .await;
    let notice = match moved {
        Ok(_) => {
            state.outbox().wake();
            return see_other(&format!("reschedule?token={}&moved=1", query_value(&token)));
        }
        Err(ApiError::SlotTaken { .. }) => Notice::Taken,
        Err(ApiError::Unprocessable(errors)) => Notice::Refused(format!(
            "That time cannot be booked: {}.",
            errors
                .values()
                .flatten()
                .map(|problem| problem.description.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        Err(ApiError::NotFound(_)) => return wrong_link().into_response(),
        Err(ApiError::Conflict(_)) => return cancelled_page(&booking, &hosts).into_response(),
        Err(error) => return trouble(&error).into_response(),
    };
    week_page(&state, &booking, &hosts, &token, week, notice)
        .await
        .into_response()
}

/// What the reschedule page says above the times.
enum Notice {
    None,
    Moved,
    Taken,
    Refused(String),
}

/// The reschedule page for `booking`: its summary, then one week of free starts in the
/// first host's zone, with links to the weeks before and after.
async fn week_page(
    state: &AppState,
    booking: &Booking,
    hosts: &[Account],
    token: &str,
    week: Option<&str>,
    notice: Notice,
) -> Page {
    if booking.cancelled_at.is_some() {
        return cancelled_page(booking, hosts);
    }
    let zone = hosts.first().map_or(Tz::UTC, |host| host.time_zone);
    let now = Utc::now();
    let today = now.with_timezone(&zone).date_naive();
    let last = today + Days::new(7 * MAX_WEEKS_AHEAD);
    let first_day = week
        .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .filter(|day| *day >= today && *day <= last)
        .unwrap_or(today);
    let after = first_day + Days::new(7);
    let Ok(window) = Window::new(midnight(zone, first_day), midnight(zone, after)) else {
        return trouble(&ApiError::Internal("an empty week".into()));
    };
    let starts = match openings::openings(
        state.store(),
        booking,
        hosts,
        window,
        state.booking_policy(),
        now,
    )
    .await
    {
        Ok(starts) => starts,
        Err(error) => return trouble(&error),
    };
    let (status, banner) = match notice {
        Notice::None => (StatusCode::OK, String::new()),
        Notice::Moved => (
            StatusCode::OK,
            "<p class=\"done\">Your booking has been moved. The hosts' calendars are being \
             updated.</p>"
                .to_owned(),
        ),
        Notice::Taken => (
            StatusCode::CONFLICT,
            "<p class=\"error\">That time was taken meanwhile. Your booking keeps its time; \
             please pick another.</p>"
                .to_owned(),
        ),
        Notice::Refused(text) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("<p class=\"error\">{}</p>", escape(&text)),
        ),
    };
    let link = |day: NaiveDate, text: &str| {
        format!(
            "<a href=\"reschedule?token={}&amp;week={day}\">{text}</a>",
            escape(&query_value(token))
        )
    };
    let mut nav = String::from("<nav>");
    if first_day > today {
        let previous = first_day.checked_sub_days(Days::new(7)).unwrap_or(today);
        nav.push_str(&link(previous.max(today), "← Previous week"));
    }
    if after <= last {
        nav.push_str(&link(after, "Next week →"));
    }
    nav.push_str("</nav>");
    let mut days = String::new();
    let mut current: Option<NaiveDate> = None;
    for start in starts.iter().filter(|start| **start != booking.terms.start) {
        let local = start.with_timezone(&zone);
        if current != Some(local.date_naive()) {
            if current.is_some() {
                days.push_str("</fieldset>");
            }
            current = Some(local.date_naive());
            days.push_str(&format!(
                "<fieldset><legend>{}</legend>",
                escape(&day_text(&local))
            ));
        }
        let label = if zone == Tz::UTC {
            format!("{} UTC", local.format("%H:%M"))
        } else {
            format!(
                "{} {} · {} UTC",
                local.format("%H:%M"),
                zone.name(),
                start.format("%H:%M")
            )
        };
        days.push_str(&format!(
            "<label><input type=\"radio\" name=\"start\" value=\"{}\" required> {}</label>",
            escape(&rfc3339::format(*start)),
            escape(&label)
        ));
    }
    let choices = if current.is_some() {
        format!(
            "<form method=\"post\" action=\"reschedule\">\
             <input type=\"hidden\" name=\"token\" value=\"{}\">\
             <input type=\"hidden\" name=\"week\" value=\"{first_day}\">{days}</fieldset>\
             <button type=\"submit\">Move my booking</button></form>",
            escape(token)
        )
    } else {
        "<p>No free times this week for all the hosts. Try another week.</p>".to_owned()
    };
    let duration = (booking.terms.end - booking.terms.start).num_minutes();
    Page::new(
        status,
        "Pick a new time",
        format!(
            "{banner}{}<p>The same hosts, {duration} minutes. Times from {} to {} \
             ({}):</p>{nav}{choices}{nav}\
             <p class=\"note\">Or <a href=\"cancel?token={}\">cancel the booking</a>.</p>",
            summary(booking, hosts),
            escape(&day_text(&window.start().with_timezone(&zone))),
            escape(&day_text(
                &(window.end().with_timezone(&zone) - chrono::TimeDelta::days(1))
            )),
            escape(zone.name()),
            escape(&query_value(token)),
        ),
    )
}

/// The first instant of `day` in `zone`: the engine's rule ([`zone::day_start`]), so a
/// day that starts in a DST gap starts when the gap ends. Dates beyond chrono's range
/// fall back to UTC.
fn midnight(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    zone::day_start(&zone, day).unwrap_or_else(|| day.and_time(NaiveTime::MIN).and_utc())
}

/// The link's token, the booking it opens and its hosts; otherwise the page to answer.
async fn opened<'q>(
    state: &AppState,
    id: &str,
    query: &'q QueryString,
) -> Result<(&'q str, Booking, Vec<Account>), Page> {
    let token = query
        .single("token")
        .ok()
        .flatten()
        .ok_or_else(incomplete_link)?;
    let (booking, hosts) = open(state, id, token).await?;
    Ok((token, booking, hosts))
}

/// The booking that `token` opens, and its hosts; otherwise the page to answer.
async fn open(state: &AppState, id: &str, token: &str) -> Result<(Booking, Vec<Account>), Page> {
    let store = state.store();
    let found = store
        .booking_opened_by(id, &auth::token_hash(token))
        .await
        .map_err(|error| trouble(&error.into()))?;
    let booking = found.ok_or_else(wrong_link)?;
    let hosts = store
        .hosts_of(&booking.id)
        .await
        .map_err(|error| trouble(&error.into()))?;
    Ok((booking, hosts))
}

/// A form's fields (`application/x-www-form-urlencoded`; the first of each name).
struct Form {
    token: Option<String>,
    start: Option<String>,
    week: Option<String>,
}

impl Form {
    fn read(body: &[u8]) -> Form {
        let mut form = Form {
            token: None,
            start: None,
            week: None,
        };
        for (name, value) in url::form_urlencoded::parse(body) {
            let slot = match name.as_ref() {
                "token" => &mut form.token,
                "start" => &mut form.start,
                "week" => &mut form.week,
                _ => continue,
            };
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value.into_owned());
            }
        }
        form
    }
}

fn cancelled_page(booking: &Booking, hosts: &[Account]) -> Page {
    Page::new(
        StatusCode::CONFLICT,
        "This booking is cancelled",
        format!(
            "{}<p class=\"error\">A cancelled booking cannot be moved. Book a new time \
             on the page where you booked this one.</p>",
            summary(booking, hosts)
        ),
    )
}

fn incomplete_link() -> Page {
    Page::problem(
        StatusCode::NOT_FOUND,
        "This link is not complete",
        "The link has no token. Open the whole link from your confirmation email.",
    )
}

fn wrong_link() -> Page {
    Page::problem(
        StatusCode::NOT_FOUND,
        "This link does not open a booking",
        "It may be mistyped or cut short. Open the whole link from your confirmation email.",
    )
}

/// The page for a failure of ours (the database away or slow): nothing was changed.
fn trouble(error: &ApiError) -> Page {
    tracing::warn!(%error, "a booking page could not be served");
    Page::problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "Please try again in a moment",
        "We could not reach the bookings just now. Nothing was changed.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_keeps_the_first_of_each_field_and_ignores_others() {
        let form = Form::read(b"token=ab%2Bc&start=2030-01-07T10%3A00%3A00Z&token=zz&x=1");
        assert_eq!(form.token.as_deref(), Some("ab+c"));
        assert_eq!(form.start.as_deref(), Some("2030-01-07T10:00:00Z"));
        assert_eq!(form.week, None);
    }

    #[test]
    fn a_midnight_in_a_dst_gap_is_the_first_instant_after_it() {
        // Havana skips 00:00-01:00 on 2026-03-08.
        let day = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let first = midnight(chrono_tz::America::Havana, day);
        assert_eq!(
            first,
            "2026-03-08T05:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
