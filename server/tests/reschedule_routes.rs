//! `PATCH /v1/bookings/{id}` over a real socket: moving a booking frees its old time and
//! takes the new one in both free/busy views, repeating a request answers the same, a
//! taken time changes nothing, a cancel by `PATCH` is a cancel, and every malformed or
//! unauthorised request gets its documented status (`DELETE` keeps working beside it).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use common::{NO_RATE_LIMIT, TestServer, at, booking_day, booking_seed, client};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn server() -> TestServer {
    TestServer::start_with_seed(&booking_seed(), &NO_RATE_LIMIT).await
}

static KEYS: AtomicUsize = AtomicUsize::new(0);

/// Books `host` from `start` to `end` (`HH:MM` on the booking day); the 201's body.
async fn book(server: &TestServer, host: &str, start: &str, end: &str) -> Value {
    let response = client()
        .post(server.url("/v1/bookings"))
        .json(&json!({
            "hosts": [host], "start": at(start), "end": at(end),
            "name": "Dana", "email": "dana@example.org",
            "idempotency_key": format!("{host}-{start}-{}", KEYS.fetch_add(1, Ordering::Relaxed)),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Sends `body` as a PATCH of `booking` with `token`; the status and JSON body.
async fn patch(
    server: &TestServer,
    id: &str,
    token: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    let mut request = client()
        .patch(server.url(&format!("/v1/bookings/{id}")))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn token(booked: &Value) -> &str {
    booked["cancel_token"].as_str().unwrap()
}

fn id(booked: &Value) -> &str {
    booked["id"].as_str().unwrap()
}

/// The Zonio-style busy periods of `email` on the booking day.
async fn day_of(server: &TestServer, email: &str) -> Value {
    let start: DateTime<Utc> = at("00:00").parse().unwrap();
    let url = format!(
        "/{email}?start={}&end={}",
        start.timestamp(),
        start.timestamp() + 86_400
    );
    let response = client().get(server.url(&url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn busy(start: &str, end: &str) -> Value {
    json!({"start": at(start), "end": at(end), "type": "busy"})
}

#[tokio::test]
async fn a_move_frees_the_old_time_takes_the_new_one_and_answers_the_same_when_repeated() {
    let server = server().await;
    let booked = book(&server, "dave@example.com", "10:00", "10:30").await;
    assert_eq!(booked["sequence"], 0);

    let (status, moved) = patch(
        &server,
        id(&booked),
        Some(token(&booked)),
        &json!({"start": at("12:00")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["id"], booked["id"]);
    assert_eq!(
        (moved["start"].clone(), moved["end"].clone()),
        (json!(at("12:00")), json!(at("12:30")))
    );
    assert_eq!(moved["sequence"], 1);
    assert_eq!(moved["hosts"], json!(["dave@example.com"]));
    assert_eq!(moved["cancelled_at"], Value::Null);
    assert!(moved.get("cancel_token").is_none(), "no new token: {moved}");
    assert_eq!(
        day_of(&server, "dave@example.com").await,
        json!([busy("12:00", "12:30")])
    );

    // A retry (say, after a lost answer), with or without the end, answers the same.
    for body in [
        json!({"start": at("12:00")}),
        json!({"start": at("12:00"), "end": at("12:30")}),
    ] {
        let (status, again) = patch(&server, id(&booked), Some(token(&booked)), &body).await;
        assert_eq!((status, &again), (StatusCode::OK, &moved));
    }
    // The old time is bookable again; the new one is not.
    book(&server, "dave@example.com", "10:00", "10:30").await;
    let response = client()
        .post(server.url("/v1/bookings"))
        .json(&json!({
            "hosts": ["dave@example.com"], "start": at("12:15"), "end": at("12:45"),
            "name": "Eve", "email": "eve@example.org", "idempotency_key": "eve",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_taken_time_is_a_409_naming_the_host_and_the_booking_keeps_its_time() {
    let server = server().await;
    // alice is busy 10:00-11:00 and tentative 14:00-15:00.
    let booked = book(&server, "alice@example.com", "12:00", "12:30").await;
    for (start, status) in [("10:30", "busy"), ("14:00", "tentative")] {
        let (code, body) = patch(
            &server,
            id(&booked),
            Some(token(&booked)),
            &json!({"start": at(start)}),
        )
        .await;
        assert_eq!(code, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "conflict");
        assert_eq!(
            body["error"]["blockers"],
            json!([{"host": "alice@example.com", "status": status}])
        );
    }
    let alice = day_of(&server, "alice@example.com").await;
    assert!(
        alice.as_array().unwrap().contains(&busy("12:00", "12:30")),
        "{alice}"
    );
}

#[tokio::test]
async fn a_cancel_by_patch_is_a_cancel_and_a_cancelled_booking_cannot_move() {
    let server = server().await;
    let booked = book(&server, "dave@example.com", "10:00", "10:30").await;
    let (status, cancelled) = patch(
        &server,
        id(&booked),
        Some(token(&booked)),
        &json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert!(cancelled["cancelled_at"].is_string(), "{cancelled}");
    assert_eq!(day_of(&server, "dave@example.com").await, json!([]));
    // Again: the same answer, the first cancellation time kept.
    let (status, again) = patch(
        &server,
        id(&booked),
        Some(token(&booked)),
        &json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!((status, &again), (StatusCode::OK, &cancelled));

    let (status, body) = patch(
        &server,
        id(&booked),
        Some(token(&booked)),
        &json!({"start": at("12:00")}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cancelled"),
        "{body}"
    );
    assert_eq!(day_of(&server, "dave@example.com").await, json!([]));

    // DELETE still cancels (another booking).
    let other = book(&server, "dave@example.com", "16:00", "16:30").await;
    let response = client()
        .delete(server.url(&format!("/v1/bookings/{}", id(&other))))
        .bearer_auth(token(&other))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_request_without_the_right_token_finds_nothing_and_moves_nothing() {
    let server = server().await;
    let booked = book(&server, "dave@example.com", "10:00", "10:30").await;
    let other = book(&server, "dave@example.com", "11:00", "11:30").await;
    let move_to_noon = json!({"start": at("12:00")});
    let (status, body) = patch(&server, id(&booked), None, &move_to_noon).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Another booking's token opens only that booking; an unknown id is the same 404.
    let (status, body) = patch(&server, id(&booked), Some(token(&other)), &move_to_noon).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
    let (status, _) = patch(
        &server,
        &"0".repeat(32),
        Some(token(&booked)),
        &move_to_noon,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        day_of(&server, "dave@example.com").await,
        json!([busy("10:00", "10:30"), busy("11:00", "11:30")])
    );
}

#[tokio::test]
async fn malformed_changes_are_refused_by_field_and_change_nothing() {
    let server = server().await;
    let booked = book(&server, "dave@example.com", "10:00", "10:30").await;
    let yesterday = format!("{}T10:00:00Z", booking_day() - chrono::Days::new(3));
    for (body, field, key) in [
        (json!({}), "start", "errors.required"),
        (json!({"status": "confirmed"}), "status", "errors.invalid"),
        (
            json!({"status": "cancelled", "start": at("12:00")}),
            "status",
            "errors.invalid",
        ),
        (json!({"start": "noon"}), "start", "errors.invalid"),
        (
            json!({"start": at("12:00"), "duration": 30}),
            "duration",
            "errors.unknown_field",
        ),
        (
            json!({"start": at("12:00"), "end": at("13:00")}),
            "end",
            "errors.duration_changed",
        ),
        (json!({"start": yesterday}), "start", "errors.in_the_past"),
    ] {
        let (status, answer) = patch(&server, id(&booked), Some(token(&booked)), &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["errors"][field][0]["key"], key, "{body}: {answer}");
    }
    let response = client()
        .patch(server.url(&format!("/v1/bookings/{}", id(&booked))))
        .bearer_auth(token(&booked))
        .header("content-type", "application/json")
        .body("[1, 2")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        day_of(&server, "dave@example.com").await,
        json!([busy("10:00", "10:30")])
    );
}

/// ruth works 09:00-17:00 (UTC) every day, 30-minute meetings every 30 minutes, no
/// notice; nora works all day with four hours' notice and at most two bookings a day.
fn rules_seed() -> String {
    let every_day = |range: &str| {
        let days = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        let week: serde_json::Map<String, Value> = days
            .iter()
            .map(|day| {
                (
                    (*day).to_owned(),
                    json!([serde_json::from_str::<Value>(range).unwrap()]),
                )
            })
            .collect();
        Value::Object(week)
    };
    json!({"accounts": [
        {"email": "ruth@example.com", "calendars": [{"id": "cal_ruth", "name": "Work", "events": []}],
         "rules": {"weekly": every_day(r#"{"start": "09:00", "end": "17:00"}"#),
                   "notice_minutes": 0, "durations_minutes": [30], "step_minutes": 30}},
        {"email": "nora@example.com", "calendars": [{"id": "cal_nora", "name": "Work", "events": []}],
         "rules": {"weekly": every_day(r#"{"start": "00:00", "end": "24:00"}"#),
                   "notice_minutes": 240, "durations_minutes": [30], "step_minutes": 30,
                   "max_per_day": 2}},
    ]})
    .to_string()
}

/// The first half-hour mark at least `minutes` from now, RFC 3339.
fn half_hour_after(minutes: i64) -> String {
    let at = Utc::now() + chrono::TimeDelta::minutes(minutes);
    let seconds = at.timestamp().div_euclid(1800) * 1800 + 1800;
    freebusy_core::wire::rfc3339::format(DateTime::from_timestamp(seconds, 0).unwrap())
}

#[tokio::test]
async fn a_move_obeys_the_hosts_rules_and_each_refusal_names_its_reason() {
    let server = TestServer::start_with_seed(&rules_seed(), &NO_RATE_LIMIT).await;
    let ruths = book(&server, "ruth@example.com", "10:00", "10:30").await;
    let (status, body) = patch(
        &server,
        id(&ruths),
        Some(token(&ruths)),
        &json!({"start": at("17:00")}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"]["start"][0]["key"], "errors.outside_working_hours",
        "{body}"
    );
    let (status, body) = patch(
        &server,
        id(&ruths),
        Some(token(&ruths)),
        &json!({"start": at("12:15")}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"]["start"][0]["key"], "errors.not_on_step",
        "{body}"
    );
    // Within the hours and on the step: moved.
    let (status, body) = patch(
        &server,
        id(&ruths),
        Some(token(&ruths)),
        &json!({"start": at("16:30")}),
    )
    .await;
    assert_eq!(
        (status, body["start"].clone()),
        (StatusCode::OK, json!(at("16:30"))),
        "{body}"
    );

    let noras = book(&server, "nora@example.com", "10:00", "10:30").await;
    let soon = half_hour_after(60);
    let (status, body) = patch(
        &server,
        id(&noras),
        Some(token(&noras)),
        &json!({"start": soon}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"]["start"][0]["key"], "errors.too_soon",
        "{body}"
    );
    // Her day's limit counts other bookings, not the one moving within that day.
    book(&server, "nora@example.com", "12:00", "12:30").await;
    let (status, body) = patch(
        &server,
        id(&noras),
        Some(token(&noras)),
        &json!({"start": at("14:00")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let third = book_status(&server, "nora@example.com", "16:00", "16:30").await;
    assert_eq!(third, StatusCode::CONFLICT, "the day is full with two");
    // Refused moves left everything where it was.
    assert_eq!(
        day_of(&server, "ruth@example.com").await,
        json!([busy("16:30", "17:00")])
    );
    assert_eq!(
        day_of(&server, "nora@example.com").await,
        json!([busy("12:00", "12:30"), busy("14:00", "14:30")])
    );
}

/// Tries to book `host` from `start` to `end`; the status.
async fn book_status(server: &TestServer, host: &str, start: &str, end: &str) -> StatusCode {
    client()
        .post(server.url("/v1/bookings"))
        .json(&json!({
            "hosts": [host], "start": at(start), "end": at(end),
            "name": "Dana", "email": "dana@example.org",
            "idempotency_key": format!("status-{}", KEYS.fetch_add(1, Ordering::Relaxed)),
        }))
        .send()
        .await
        .unwrap()
        .status()
}
