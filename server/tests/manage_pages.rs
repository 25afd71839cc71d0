//! The visitor's pages over a real socket: `/bookings/{id}/cancel` and
//! `/bookings/{id}/reschedule`, as a browser without JavaScript uses them (a form
//! posted, a 303 followed by hand), with their security headers, escaped text, and a
//! clear page for every way a link can fail.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Days, Utc};
use common::{NO_RATE_LIMIT, TestServer, at, booking_day, booking_seed};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

async fn server() -> TestServer {
    TestServer::start_with_seed(&booking_seed(), &NO_RATE_LIMIT).await
}

/// A browser that does not follow redirects (the test follows them).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

static KEYS: AtomicUsize = AtomicUsize::new(0);

/// Books `host` `start`–`end` (`HH:MM` on the booking day) for `name`; the 201's body.
async fn book(server: &TestServer, host: &str, start: &str, end: &str, name: &str) -> Value {
    let response = browser()
        .post(server.url("/v1/bookings"))
        .json(&json!({
            "hosts": [host], "start": at(start), "end": at(end),
            "name": name, "email": "dana@example.org",
            "idempotency_key": format!("page-{}", KEYS.fetch_add(1, Ordering::Relaxed)),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

fn page_path(booked: &Value, page: &str) -> String {
    format!(
        "/bookings/{}/{page}?token={}",
        booked["id"].as_str().unwrap(),
        booked["cancel_token"].as_str().unwrap()
    )
}

/// GETs `path`; the status, headers and text.
async fn get(server: &TestServer, path: &str) -> (StatusCode, HeaderMap, String) {
    let response = browser().get(server.url(path)).send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

/// Posts `form` to `path` as a browser submits a form; the status and headers.
async fn post_form(
    server: &TestServer,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = browser()
        .post(server.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

fn assert_page_headers(headers: &HeaderMap) {
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.starts_with("default-src 'none'; style-src 'sha256-"),
        "{policy}"
    );
    assert!(policy.contains("form-action 'self'"), "{policy}");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
}

/// The Zonio-style busy periods of `email` on the booking day.
async fn day_of(server: &TestServer, email: &str) -> Value {
    let start: DateTime<Utc> = at("00:00").parse().unwrap();
    let url = format!(
        "/{email}?start={}&end={}",
        start.timestamp(),
        start.timestamp() + 86_400
    );
    browser()
        .get(server.url(&url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn busy(start: &str, end: &str) -> Value {
    json!({"start": at(start), "end": at(end), "type": "busy"})
}

#[tokio::test]
async fn the_cancel_page_cancels_with_a_form_and_shows_the_booking_cancelled_after() {
    let server = server().await;
    let booked = book(
        &server,
        "dave@example.com",
        "10:00",
        "10:30",
        "<b>Eve & \"Co\"</b>",
    )
    .await;
    let path = page_path(&booked, "cancel");
    let (status, headers, html) = get(&server, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_page_headers(&headers);
    assert!(html.contains("Cancel your booking"), "{html}");
    // The visitor's own text is text, never markup.
    assert!(
        html.contains("&lt;b&gt;Eve &amp; &quot;Co&quot;&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>Eve"), "{html}");
    let day = booking_day().format("%A %-d %B %Y").to_string();
    assert!(html.contains(&format!("{day}, 10:00–10:30 UTC")), "{html}");
    assert!(
        html.contains("<form method=\"post\" action=\"cancel\">"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");

    let token = booked["cancel_token"].as_str().unwrap();
    let id = booked["id"].as_str().unwrap();
    let (status, headers, _) = post_form(
        &server,
        &format!("/bookings/{id}/cancel"),
        &[("token", token)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], format!("cancel?token={token}"));
    assert_eq!(day_of(&server, "dave@example.com").await, json!([]));
    let (status, _, html) = get(&server, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("This booking is cancelled"), "{html}");
    assert!(!html.contains("<form"), "{html}");
    // Posting again (a reload of the form) changes nothing and lands on the same page.
    let (status, _, _) = post_form(
        &server,
        &format!("/bookings/{id}/cancel"),
        &[("token", token)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_wrong_or_incomplete_link_is_a_clear_page_and_changes_nothing() {
    let server = server().await;
    let booked = book(&server, "dave@example.com", "10:00", "10:30", "Dana").await;
    let id = booked["id"].as_str().unwrap();
    for page in ["cancel", "reschedule"] {
        for (path, title) in [
            (
                format!("/bookings/{id}/{page}?token=nope"),
                "This link does not open a booking",
            ),
            (
                format!("/bookings/{}/{page}?token=nope", "0".repeat(32)),
                "This link does not open a booking",
            ),
            (
                format!("/bookings/{id}/{page}"),
                "This link is not complete",
            ),
        ] {
            let (status, headers, html) = get(&server, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_page_headers(&headers);
            assert!(html.contains(title), "{path}: {html}");
        }
        let (status, _, html) = post_form(
            &server,
            &format!("/bookings/{id}/{page}"),
            &[("token", "nope")],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("This link does not open a booking"), "{html}");
    }
    assert_eq!(
        day_of(&server, "dave@example.com").await,
        json!([busy("10:00", "10:30")])
    );
}

#[tokio::test]
async fn the_reschedule_page_offers_the_free_starts_and_moves_the_booking_with_a_form() {
    let server = server().await;
    // alice is busy 10:00-11:00 and tentative 14:00-15:00 on the booking day.
    let booked = book(&server, "alice@example.com", "12:00", "12:30", "Dana").await;
    let week = booking_day().to_string();
    let path = format!("{}&week={week}", page_path(&booked, "reschedule"));
    let (status, headers, html) = get(&server, &path).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_page_headers(&headers);
    let offered = |html: &str, hh_mm: &str| html.contains(&format!("value=\"{}\"", at(hh_mm)));
    assert!(
        offered(&html, "09:00") && offered(&html, "11:00") && offered(&html, "16:00"),
        "{html}"
    );
    // Not where alice is busy or tentative, and not the booking's own time.
    for taken in ["10:00", "10:30", "14:00", "14:30", "12:00"] {
        assert!(!offered(&html, taken), "{taken} offered:\n{html}");
    }
    // But into part of its own time, yes.
    assert!(offered(&html, "12:30"), "{html}");
    assert!(html.contains("Next week →"), "{html}");

    let id = booked["id"].as_str().unwrap();
    let token = booked["cancel_token"].as_str().unwrap();
    let start = at("16:00");
    let form = [
        ("token", token),
        ("start", start.as_str()),
        ("week", week.as_str()),
    ];
    let (status, headers, _) =
        post_form(&server, &format!("/bookings/{id}/reschedule"), &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers["location"],
        format!("reschedule?token={token}&moved=1")
    );
    let alice = day_of(&server, "alice@example.com").await;
    assert!(
        alice.as_array().unwrap().contains(&busy("16:00", "16:30")),
        "{alice}"
    );
    assert!(
        !alice.as_array().unwrap().contains(&busy("12:00", "12:30")),
        "{alice}"
    );
    let (status, _, html) = get(
        &server,
        &format!("{}&moved=1", page_path(&booked, "reschedule")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Your booking has been moved"), "{html}");
    let day = booking_day().format("%A %-d %B %Y").to_string();
    assert!(html.contains(&format!("{day}, 16:00–16:30 UTC")), "{html}");
}

#[tokio::test]
async fn a_time_taken_meanwhile_is_the_page_again_saying_so_and_the_booking_stays() {
    let server = server().await;
    let booked = book(&server, "dave@example.com", "10:00", "10:30", "Dana").await;
    // Someone else takes 13:00 after the page was shown.
    book(&server, "dave@example.com", "13:00", "13:30", "Fast Fred").await;
    let id = booked["id"].as_str().unwrap();
    let token = booked["cancel_token"].as_str().unwrap();
    let start = at("13:00");
    let form = [("token", token), ("start", start.as_str())];
    let (status, headers, html) =
        post_form(&server, &format!("/bookings/{id}/reschedule"), &form).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_page_headers(&headers);
    assert!(html.contains("That time was taken meanwhile"), "{html}");
    assert!(html.contains("Pick a new time"), "{html}");
    // No start at all is the page again too.
    let (status, _, html) = post_form(
        &server,
        &format!("/bookings/{id}/reschedule"),
        &[("token", token)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Pick one of the times below."), "{html}");
    assert_eq!(
        day_of(&server, "dave@example.com").await,
        json!([busy("10:00", "10:30"), busy("13:00", "13:30")])
    );
}

#[tokio::test]
async fn a_cancelled_booking_cannot_be_moved_and_its_page_says_so() {
    let server = server().await;
    let booked = book(&server, "dave@example.com", "10:00", "10:30", "Dana").await;
    let id = booked["id"].as_str().unwrap();
    let token = booked["cancel_token"].as_str().unwrap();
    post_form(
        &server,
        &format!("/bookings/{id}/cancel"),
        &[("token", token)],
    )
    .await;
    let (status, _, html) = get(&server, &page_path(&booked, "reschedule")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains("A cancelled booking cannot be moved"),
        "{html}"
    );
    let start = at("12:00");
    let form = [("token", token), ("start", start.as_str())];
    let (status, _, html) = post_form(&server, &format!("/bookings/{id}/reschedule"), &form).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains("A cancelled booking cannot be moved"),
        "{html}"
    );
    assert_eq!(day_of(&server, "dave@example.com").await, json!([]));
}

#[tokio::test]
async fn the_weeks_go_forward_and_back_from_today_but_not_before_it() {
    let server = server().await;
    let booked = book(&server, "dave@example.com", "10:00", "10:30", "Dana").await;
    let next = booking_day() + Days::new(7);
    let path = format!("{}&week={next}", page_path(&booked, "reschedule"));
    let (status, _, html) = get(&server, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("← Previous week"), "{html}");
    assert!(
        html.contains(&format!("&amp;week={}", next + Days::new(7))),
        "{html}"
    );
    // A week before today (or no date at all) is this week, with nothing before it.
    let (_, _, html) = get(
        &server,
        &format!("{}&week=2001-01-01", page_path(&booked, "reschedule")),
    )
    .await;
    assert!(!html.contains("← Previous week"), "{html}");
}
