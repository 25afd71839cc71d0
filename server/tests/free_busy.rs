//! `GET /v1/free_busy`: the Cronofy-style API over loopback HTTP and real SQLite; the
//! tests that lean on the store (the answer, managed events, pages) on PostgreSQL too.

mod common;

use common::db::TestDb;
use common::{NO_RATE_LIMIT, TestServer, at, booking_seed, client, documented_seed};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ALICE: &str = "alice-token";

on_both_backends!(
    the_documented_example_answers_per_event_with_all_day_dates,
    the_include_flags_add_managed_and_deleted_events_with_their_ids,
    long_answers_are_paged_with_next_page_links_this_server_serves,
    bookings_are_the_managed_events,
    pages_stay_consistent_while_bookings_land_between_them,
);

async fn server() -> TestServer {
    TestServer::start_with_seed(&documented_seed(), &flags()).await
}

/// As [`server`], on `db`.
async fn server_on(db: &TestDb) -> TestServer {
    TestServer::start_on(db, Some(&documented_seed()), &flags()).await
}

/// The tokens of [`server`], without a rate limit.
fn flags() -> Vec<&'static str> {
    let mut flags = vec![
        "--token",
        "alice-token=alice@example.com",
        "--token",
        "alice-no-scope=alice@example.com:",
        "--token",
        "alice-events=alice@example.com:read_events",
    ];
    flags.extend(NO_RATE_LIMIT);
    flags
}

async fn free_busy(server: &TestServer, token: &str, query: &str) -> (StatusCode, Value) {
    get_url(&server.url(&format!("/v1/free_busy?{query}")), token).await
}

async fn get_url(url: &str, token: &str) -> (StatusCode, Value) {
    let response = client().get(url).bearer_auth(token).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The documented seed's week for alice in UTC.
const WEEK: &str = "tzid=Etc/UTC&from=2026-04-20&to=2026-04-25";

// Pins the default answer: alice's non-managed, non-deleted events across her calendars,
// ordered by start, free ones left out except the all-day one, which is a date.
async fn the_documented_example_answers_per_event_with_all_day_dates(db: TestDb) {
    let server = server_on(&db).await;
    let (status, body) = free_busy(&server, ALICE, WEEK).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({
            "pages": {"current": 1, "total": 1},
            "free_busy": [
                {"calendar_id": "cal_alice_work", "start": "2026-04-20T09:00:00Z", "end": "2026-04-20T09:15:00Z", "free_busy_status": "busy"},
                {"calendar_id": "cal_alice_work", "start": "2026-04-20T11:00:00Z", "end": "2026-04-20T12:30:00Z", "free_busy_status": "tentative"},
                {"calendar_id": "cal_alice_home", "start": "2026-04-20T12:30:00Z", "end": "2026-04-20T13:30:00Z", "free_busy_status": "busy"},
                {"calendar_id": "cal_alice_home", "start": "2026-04-24", "end": "2026-04-25", "free_busy_status": "free"},
            ]
        })
    );
}

fn uids(body: &Value) -> Vec<String> {
    body["free_busy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|period| period["event_uid"].as_str().unwrap_or("?").to_owned())
        .collect()
}

// Pins include_managed, include_deleted and include_ids together, as incremental sync
// uses them: the managed event with its event_id, the deleted one flagged.
async fn the_include_flags_add_managed_and_deleted_events_with_their_ids(db: TestDb) {
    let server = server_on(&db).await;
    let (_, body) = free_busy(
        &server,
        ALICE,
        &format!("{WEEK}&include_managed=true&include_deleted=true&include_ids=true"),
    )
    .await;
    assert_eq!(
        uids(&body),
        [
            "evt_alice_standup",
            "evt_alice_review",
            "evt_alice_dentist",
            "evt_alice_intro_call",
            "evt_alice_cancelled_lunch",
            "evt_alice_holiday"
        ]
    );
    let periods = body["free_busy"].as_array().unwrap();
    assert_eq!(periods[3]["event_id"], "booking-42");
    assert_eq!(periods[4]["deleted"], true);
    assert_eq!(periods[0]["deleted"], false);
    assert!(periods[0].get("event_id").is_none(), "only managed events");
    // Without include_ids there are no ids.
    let (_, plain) = free_busy(&server, ALICE, &format!("{WEEK}&include_managed=true")).await;
    assert!(!plain.to_string().contains("event_uid"));
    assert_eq!(plain["free_busy"].as_array().unwrap().len(), 5);
}

// Pins include_free for timed events (the all-day free one is always there).
#[tokio::test]
async fn include_free_adds_free_timed_events() {
    let seed = r#"{"accounts": [{"email": "alice@example.com", "calendars": [
        {"id": "c", "name": "Work", "events": [
            {"uid": "free", "start": "2026-04-20T09:00:00Z", "end": "2026-04-20T10:00:00Z", "status": "free"}]}]}]}"#;
    let server =
        TestServer::start_with_seed(seed, &["--token", "alice-token=alice@example.com"]).await;
    let (_, body) = free_busy(&server, ALICE, WEEK).await;
    assert_eq!(body["free_busy"], json!([]));
    let (_, body) = free_busy(&server, ALICE, &format!("{WEEK}&include_free=true")).await;
    assert_eq!(body["free_busy"][0]["free_busy_status"], "free");
}

// Pins `to` as exclusive and `from` as inclusive, in the tzid's days.
#[tokio::test]
async fn to_is_exclusive_and_dates_are_days_of_the_tzid() {
    let server = server().await;
    let (_, body) = free_busy(&server, ALICE, "tzid=Etc/UTC&from=2026-04-20&to=2026-04-24").await;
    assert!(!body.to_string().contains("2026-04-24"), "{body}");
    let (_, body) = free_busy(&server, ALICE, "tzid=Etc/UTC&from=2026-04-24&to=2026-04-25").await;
    assert_eq!(body["free_busy"].as_array().unwrap().len(), 1);
    // 09:00Z on the 20th is already the 20th in Tokyo: from=21 in Tokyo leaves it out.
    let (_, body) = free_busy(
        &server,
        ALICE,
        "tzid=Asia/Tokyo&from=2026-04-21&to=2026-04-24",
    )
    .await;
    assert_eq!(body["free_busy"], json!([]), "{body}");
}

// Pins localized_times: times with the tzid's offset, dates with the tzid.
#[tokio::test]
async fn localized_times_carry_the_offset_and_tzid() {
    let server = server().await;
    let (_, body) = free_busy(
        &server,
        ALICE,
        "tzid=Europe/Paris&from=2026-04-20&to=2026-04-25&localized_times=true",
    )
    .await;
    let periods = body["free_busy"].as_array().unwrap();
    assert_eq!(
        periods[0]["start"],
        json!({"time": "2026-04-20T11:00:00+02:00", "tzid": "Europe/Paris"})
    );
    assert_eq!(
        periods.last().unwrap()["end"],
        json!({"time": "2026-04-25", "tzid": "Europe/Paris"})
    );
}

// Pins calendar_ids[]: only those calendars; another account's calendar is a 422.
#[tokio::test]
async fn calendar_ids_restrict_to_the_accounts_own_calendars() {
    let server = server().await;
    let (_, body) = free_busy(
        &server,
        ALICE,
        &format!("{WEEK}&calendar_ids[]=cal_alice_home"),
    )
    .await;
    let calendars: Vec<&str> = body["free_busy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["calendar_id"].as_str().unwrap())
        .collect();
    assert_eq!(calendars, ["cal_alice_home", "cal_alice_home"]);
    let (_, both) = free_busy(
        &server,
        ALICE,
        &format!("{WEEK}&calendar_ids%5B%5D=cal_alice_home&calendar_ids%5B%5D=cal_alice_work"),
    )
    .await;
    assert_eq!(both["free_busy"].as_array().unwrap().len(), 4);
    let (status, body) = free_busy(
        &server,
        ALICE,
        &format!("{WEEK}&calendar_ids[]=cal_bob_work"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"]["calendar_ids"].is_array(), "{body}");
}

// Pins last_modified ("on or after") and include_userinfo.
#[tokio::test]
async fn last_modified_and_userinfo_are_honoured() {
    let server = server().await;
    let (_, body) = free_busy(
        &server,
        ALICE,
        &format!("{WEEK}&include_ids=true&last_modified=2026-04-01T08:00:01Z"),
    )
    .await;
    assert!(!uids(&body).contains(&"evt_alice_review".to_owned()));
    let (_, body) = free_busy(
        &server,
        ALICE,
        &format!(
            "{WEEK}&include_ids=true&last_modified=2026-04-01T08:00:00Z&include_userinfo=true"
        ),
    )
    .await;
    assert!(uids(&body).contains(&"evt_alice_review".to_owned()));
    assert_eq!(body["userinfo"]["cronofy.type"], "userinfo");
    assert!(
        body["userinfo"]["sub"]
            .as_str()
            .unwrap()
            .starts_with("acc_")
    );
}

// Pins the defaults: 42 days back to 201 days ahead for ordinary events, while managed
// events are not bound by them when neither from nor to is given.
#[tokio::test]
async fn default_dates_span_42_days_back_to_201_ahead_except_for_managed_events() {
    let day = |offset: i64| (chrono::Utc::now() + chrono::TimeDelta::days(offset)).date_naive();
    let event = |uid: &str, offset: i64, managed: bool| {
        let id = if managed {
            format!(r#", "event_id": "{uid}""#)
        } else {
            String::new()
        };
        format!(
            r#"{{"uid": "{uid}", "start": "{}T10:00:00Z", "end": "{}T11:00:00Z", "status": "busy"{id}}}"#,
            day(offset),
            day(offset)
        )
    };
    let seed = format!(
        r#"{{"accounts": [{{"email": "alice@example.com", "calendars": [{{"id": "c", "name": "W", "events": [{}]}}]}}]}}"#,
        [
            event("too_old", -44, false),
            event("old", -40, false),
            event("soon", 10, false),
            event("far", 199, false),
            event("too_far", 203, false),
            event("managed_old", -300, true),
        ]
        .join(", ")
    );
    let server =
        TestServer::start_with_seed(&seed, &["--token", "alice-token=alice@example.com"]).await;
    let (_, body) = free_busy(&server, ALICE, "tzid=Etc/UTC&include_ids=true").await;
    assert_eq!(uids(&body), ["old", "soon", "far"]);
    let (_, body) = free_busy(
        &server,
        ALICE,
        "tzid=Etc/UTC&include_ids=true&include_managed=true",
    )
    .await;
    assert_eq!(uids(&body), ["managed_old", "old", "soon", "far"]);
}

// Pins the authorisation errors: 401 without or with an unknown token, 403 without the
// scope, and read_events including read_free_busy.
#[tokio::test]
async fn tokens_are_checked_before_anything_else() {
    let server = server().await;
    let response = client()
        .get(server.url("/v1/free_busy?tzid=Etc/UTC"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        free_busy(&server, "who-knows", "").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = free_busy(&server, "alice-no-scope", "tzid=Etc/UTC").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "forbidden");
    assert_eq!(
        free_busy(&server, "alice-events", WEEK).await.0,
        StatusCode::OK
    );
}

// Pins the documented 422 body for a missing tzid, and 422s for other bad parameters.
#[tokio::test]
async fn invalid_parameters_answer_the_documented_422() {
    let server = server().await;
    let (status, body) = free_busy(&server, ALICE, "from=2026-04-20").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"errors": {"tzid": [{"key": "errors.required", "description": "required"}]}})
    );
    // A repeated tzid gets its one error, not also a spurious `errors.required`.
    let (_, body) = free_busy(&server, ALICE, "tzid=Etc/UTC&tzid=Europe/Paris").await;
    assert_eq!(
        body,
        json!({"errors": {"tzid": [{"key": "errors.invalid", "description": "given more than once"}]}})
    );
    for (query, field) in [
        ("tzid=Mars/Olympus_Mons", "tzid"),
        ("tzid=Etc/UTC&tzid=Europe/Paris", "tzid"),
        ("tzid=Etc/UTC&from=yesterday", "from"),
        ("tzid=Etc/UTC&to=2026-02-30", "to"),
        ("tzid=Etc/UTC&from=2026-04-20&to=2026-04-20", "to"),
        ("tzid=Etc/UTC&include_free=yes", "include_free"),
        ("tzid=Etc/UTC&include_managed=1", "include_managed"),
        ("tzid=Etc/UTC&last_modified=2026-04-01", "last_modified"),
        ("tzid=Etc/UTC&to=2000-01-01", "to"),
        ("tzid=Etc/UTC&from=3000-01-01", "to"),
        ("tzid=Etc/UTC&from=0000-12-31", "from"),
        ("tzid=Etc/UTC&to=262143-12-31", "to"),
        ("tzid=Etc/UTC&from=-262144-01-01", "from"),
        // Exactly YYYY-MM-DD, as documented: the engine's date reader, not chrono's.
        ("tzid=Etc/UTC&from=2026-4-1", "from"),
        ("tzid=Etc/UTC&to=+2026-04-01", "to"),
    ] {
        let (status, body) = free_busy(&server, ALICE, query).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            body["errors"][field][0]["key"].is_string(),
            "{query}: {body}"
        );
    }
}

// Pins paging: 100 periods a page, next_page links that this server serves, the last
// page without one, and 404 past the end.
async fn long_answers_are_paged_with_next_page_links_this_server_serves(db: TestDb) {
    let seed = common::many_events_seed(250);
    let mut flags = vec!["--token", "alice-token=alice@example.com"];
    flags.extend(NO_RATE_LIMIT);
    let server = TestServer::start_on(&db, Some(&seed), &flags).await;
    let (status, mut page) = free_busy(&server, ALICE, &many_events_query()).await;
    assert_eq!(status, StatusCode::OK);
    let mut seen = Vec::new();
    let mut numbers = Vec::new();
    loop {
        numbers.push(page["pages"]["current"].as_u64().unwrap());
        assert_eq!(page["pages"]["total"], 3);
        seen.extend(uids(&page));
        let Some(next) = page["pages"]["next_page"].as_str() else {
            break;
        };
        assert!(next.starts_with(&server.base), "{next}");
        let (status, body) = get_url(next, ALICE).await;
        assert_eq!(status, StatusCode::OK);
        page = body;
    }
    assert_eq!(numbers, [1, 2, 3]);
    let expected: Vec<String> = (0..250).map(|i| format!("e{i:03}")).collect();
    assert_eq!(seen, expected);
    let (status, _) = get_url(&server.url(&format!("/v1/free_busy/pages/4?{WEEK}")), ALICE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get_url(&server.url(&format!("/v1/free_busy/pages/x?{WEEK}")), ALICE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// Pins bookings as managed events: in the host's Bookings calendar with the booking id
// as event_id, and deleted once cancelled.
async fn bookings_are_the_managed_events(db: TestDb) {
    let mut flags = vec!["--token", "alice-token=alice@example.com"];
    flags.extend(NO_RATE_LIMIT);
    let server = TestServer::start_on(&db, Some(&booking_seed()), &flags).await;
    let booked: Value = client()
        .post(server.url("/v1/bookings"))
        .json(&json!({
            "hosts": ["alice@example.com"], "start": at("12:00"), "end": at("12:30"),
            "name": "Dana", "email": "dana@example.org", "idempotency_key": "k"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = booked["id"].as_str().unwrap();
    let query = "tzid=Etc/UTC&include_managed=true&include_ids=true&include_deleted=true";
    let (_, body) = free_busy(&server, ALICE, query).await;
    let managed: Vec<&Value> = body["free_busy"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["event_id"] == id)
        .collect();
    assert_eq!(managed.len(), 1, "{body}");
    assert_eq!(managed[0]["calendar_id"], "bookings_1");
    assert_eq!(managed[0]["start"], at("12:00"));
    assert_eq!(managed[0]["free_busy_status"], "busy");
    assert_eq!(managed[0]["deleted"], false);
    let (_, plain) = free_busy(&server, ALICE, "tzid=Etc/UTC").await;
    assert!(
        !plain.to_string().contains(&at("12:00")),
        "not managed by default"
    );

    let cancelled = client()
        .delete(server.url(&format!("/v1/bookings/{id}")))
        .bearer_auth(booked["cancel_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::NO_CONTENT);
    let (_, body) = free_busy(&server, ALICE, query).await;
    let managed = body["free_busy"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["event_id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(managed["deleted"], true);
}

// Pins the 503 of this API too: the deadline covers the store work behind a page.
#[tokio::test]
async fn an_answer_slower_than_the_deadline_is_503() {
    let (state, router, dir) = TestServer::build(
        Some(&documented_seed()),
        &[
            "--freebusy-deadline-ms",
            "100",
            // One read connection, which the test holds busy.
            "--db-pool-size",
            "1",
            "--token",
            "alice-token=alice@example.com",
        ],
    )
    .await;
    let server = TestServer::serve(router, dir).await;
    let hog = state.clone();
    let (holding, held_now) = tokio::sync::oneshot::channel();
    let held = tokio::spawn(async move {
        hog.store()
            .as_sqlite()
            .expect("the tests run on SQLite")
            .read(move |_| {
                // Holding the pool's only reader now: let the test go on.
                let _ = holding.send(());
                std::thread::sleep(std::time::Duration::from_millis(600))
            })
            .await
    });
    held_now.await.expect("the hog took the reader");
    let (status, body) = free_busy(&server, ALICE, WEEK).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "timeout");
    held.await.unwrap().unwrap();
    assert_eq!(free_busy(&server, ALICE, WEEK).await.0, StatusCode::OK);
}

/// The query over the days of [`many_events_seed`], managed events (bookings) included.
fn many_events_query() -> String {
    let day = common::booking_day();
    format!(
        "tzid=Etc/UTC&from={day}&to={}&include_ids=true&include_managed=true",
        day + chrono::Days::new(3)
    )
}

/// Sends a GET with a `Host` of its own choosing.
async fn get_with_host(url: &str, host: &str) -> Value {
    let response = client()
        .get(url)
        .bearer_auth(ALICE)
        .header("host", host)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

// Pins that next_page is built from --public-url (its scheme and path prefix kept, as
// behind a TLS-terminating proxy), never from the request's Host.
#[tokio::test]
async fn next_page_is_under_the_public_url_whatever_the_host_header_says() {
    let mut flags = vec![
        "--token",
        "alice-token=alice@example.com",
        "--public-url",
        "https://calendar.example.com/freebusy/",
    ];
    flags.extend(NO_RATE_LIMIT);
    let server = TestServer::start_with_seed(&common::many_events_seed(150), &flags).await;
    let url = server.url(&format!("/v1/free_busy?{}", many_events_query()));
    let body = get_with_host(&url, "evil.example").await;
    let next = body["pages"]["next_page"].as_str().unwrap();
    assert!(
        next.starts_with("https://calendar.example.com/freebusy/v1/free_busy/pages/"),
        "{next}"
    );
    assert!(!next.contains("evil"), "{next}");
}

// Pins the default base: http:// and the address the connection came in on, not Host.
#[tokio::test]
async fn without_a_public_url_next_page_names_the_listening_address() {
    let mut flags = vec!["--token", "alice-token=alice@example.com"];
    flags.extend(NO_RATE_LIMIT);
    let server = TestServer::start_with_seed(&common::many_events_seed(150), &flags).await;
    let url = server.url(&format!("/v1/free_busy?{}", many_events_query()));
    let body = get_with_host(&url, "evil.example").await;
    let next = body["pages"]["next_page"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/v1/free_busy/pages/", server.base)),
        "{next}"
    );
}

// Pins page links as self-contained and opaque: one path segment, no query string, and
// the same page when a client appends parameters of its own (the Cronofy SDK does).
#[tokio::test]
async fn a_page_link_needs_nothing_appended_and_ignores_what_is() {
    let mut flags = vec!["--token", "alice-token=alice@example.com"];
    flags.extend(NO_RATE_LIMIT);
    let server = TestServer::start_with_seed(&common::many_events_seed(150), &flags).await;
    let (_, first) = free_busy(&server, ALICE, &many_events_query()).await;
    let next = first["pages"]["next_page"].as_str().unwrap().to_owned();
    assert!(!next.contains('?'), "{next}");
    let (status, plain) = get_url(&next, ALICE).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(plain["pages"]["current"], 2);
    assert_eq!(uids(&plain).len(), 50);
    let (status, appended) = get_url(&format!("{next}?tzid=Europe/Paris&a=b"), ALICE).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(appended, plain);
    // A link is worth nothing without the token, and a made-up one is not a page.
    let response = client().get(&next).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = get_url(&server.url("/v1/free_busy/pages/bm9wZQ"), ALICE).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

/// Books alice from `start` for 5 minutes; the booking's id.
async fn book_alice(
    server: &TestServer,
    start: chrono::DateTime<chrono::Utc>,
    key: &str,
) -> String {
    let end = start + chrono::TimeDelta::minutes(5);
    let response = client()
        .post(server.url("/v1/bookings"))
        .json(&json!({
            "hosts": ["alice@example.com"],
            "start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "end": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "name": "Dana", "email": "dana@example.org", "idempotency_key": key,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

// Pins keyset pages: bookings made between reading page 1 and the next pages shift
// nothing. Every period there all along comes back exactly once; a booking before the
// reader's position is not reported, one after it is, once.
async fn pages_stay_consistent_while_bookings_land_between_them(db: TestDb) {
    let mut flags = vec!["--token", "alice-token=alice@example.com"];
    flags.extend(NO_RATE_LIMIT);
    let server = TestServer::start_on(&db, Some(&common::many_events_seed(250)), &flags).await;
    let (status, mut page) = free_busy(&server, ALICE, &many_events_query()).await;
    assert_eq!(status, StatusCode::OK);
    let midnight = common::booking_day()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    // Into the gaps after e010 (on page 1, before the position) and e200 (on page 3).
    let early = book_alice(&server, midnight + chrono::TimeDelta::minutes(105), "early").await;
    let late = book_alice(&server, midnight + chrono::TimeDelta::minutes(2005), "late").await;
    let mut seen = uids(&page);
    while let Some(next) = page["pages"]["next_page"].as_str().map(str::to_owned) {
        let (status, body) = get_url(&next, ALICE).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(uids(&body));
        page = body;
    }
    let mut expected: Vec<String> = (0..250).map(|i| format!("e{i:03}")).collect();
    expected.insert(201, format!("booking_{late}"));
    assert_eq!(
        seen, expected,
        "the early booking {early} sorts before page 2"
    );
}
