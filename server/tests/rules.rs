//! Hosts' rules over loopback HTTP, on both backends (real SQLite and PostgreSQL):
//! `GET /v1/rules/{email}` publishes them, and `POST /v1/bookings` refuses what they
//! forbid, naming the reason, whoever sends the request.

mod common;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use common::db::TestDb;
use common::{NO_RATE_LIMIT, TestServer, client};
use freebusy_core::wire::rfc3339;
use freebusy_server::seed::Seed;
use reqwest::StatusCode;
use serde_json::{Value, json};

const LONDON: Tz = chrono_tz::Europe::London;
const NEW_YORK: Tz = chrono_tz::America::New_York;

/// The first Monday at least two days after today in London: past hana's day of notice
/// and within her horizon, whatever day the tests run.
fn monday() -> NaiveDate {
    let mut day = Utc::now().with_timezone(&LONDON).date_naive() + Days::new(2);
    while day.weekday() != Weekday::Mon {
        day = day + Days::new(1);
    }
    day
}

/// `HH:MM` on `date` in `zone`, as RFC 3339 UTC.
fn local(zone: Tz, date: NaiveDate, hh_mm: &str) -> String {
    let time = chrono::NaiveTime::parse_from_str(hh_mm, "%H:%M").unwrap();
    let instant: DateTime<Utc> = zone
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .unwrap()
        .with_timezone(&Utc);
    rfc3339::format(instant)
}

/// hana, in London: weekdays 09:00-12:00 and 13:00-17:00, a day's notice, 14 days
/// ahead, 15 minutes kept free around meetings, 30 or 60 minutes every 30, two
/// bookings a day, Wednesday off and Thursday 18:00-20:00 only that week; busy Monday
/// 15:00-16:00. ned, in New York, with the defaults but no notice. carol: nothing set.
fn seed() -> String {
    let monday = monday();
    let hours = json!([{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]);
    json!({"accounts": [
        {"email": "hana@example.com", "time_zone": "Europe/London",
         "rules": {
            "weekly": {"monday": hours, "tuesday": hours, "wednesday": hours,
                       "thursday": hours, "friday": hours},
            "overrides": [
                {"date": (monday + Days::new(2)).to_string()},
                {"date": (monday + Days::new(3)).to_string(),
                 "hours": [{"start": "18:00", "end": "20:00"}]}
            ],
            "notice_minutes": 1440, "horizon_days": 14,
            "buffer_before_minutes": 15, "buffer_after_minutes": 15,
            "durations_minutes": [30, 60], "step_minutes": 30, "max_per_day": 2
         },
         "calendars": [{"id": "cal_hana", "name": "Work", "events": [
            {"uid": "h1", "start": local(LONDON, monday, "15:00"),
             "end": local(LONDON, monday, "16:00"), "status": "busy"}
         ]}]},
        {"email": "ned@example.com", "time_zone": "America/New_York",
         "rules": {"notice_minutes": 0},
         "calendars": [{"id": "cal_ned", "name": "Work", "events": []}]},
        {"email": "carol@example.com",
         "calendars": [{"id": "cal_carol", "name": "Work", "events": []}]}
    ]})
    .to_string()
}

async fn server(db: &TestDb) -> TestServer {
    TestServer::start_on(db, Some(&seed()), &NO_RATE_LIMIT).await
}

async fn book(server: &TestServer, hosts: &[&str], start: &str, end: &str) -> (StatusCode, Value) {
    let response = client()
        .post(server.url("/v1/bookings"))
        .json(&json!({
            "hosts": hosts, "start": start, "end": end, "name": "Dana",
            "email": "dana@example.org", "idempotency_key": format!("{hosts:?} {start} {end}"),
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A booking of hana on `date` from `from` to `to` (London time).
async fn book_hana(
    server: &TestServer,
    date: NaiveDate,
    from: &str,
    to: &str,
) -> (StatusCode, Value) {
    book(
        server,
        &["hana@example.com"],
        &local(LONDON, date, from),
        &local(LONDON, date, to),
    )
    .await
}

/// The one 422 error's field, key and description.
fn refused_field(body: &Value) -> (String, String, String) {
    let errors = body["errors"].as_object().expect("a 422 body");
    assert_eq!(errors.len(), 1, "{body}");
    let (field, list) = errors.iter().next().unwrap();
    (
        field.clone(),
        list[0]["key"].as_str().unwrap().to_owned(),
        list[0]["description"].as_str().unwrap().to_owned(),
    )
}

// Pins the published document: the seed's rules in the account's zone, the defaults
// where nothing was set, nothing for an unknown address.
async fn the_rules_route_publishes_each_hosts_rules_in_their_zone(db: TestDb) {
    let server = server(&db).await;
    let get = |path: String| {
        let request = client().get(server.url(&path));
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, hana) = get("/v1/rules/hana@example.com".into()).await;
    assert_eq!(status, StatusCode::OK, "{hana}");
    assert_eq!(hana["time_zone"], "Europe/London");
    assert_eq!(
        hana["weekly"]["monday"],
        json!([{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}])
    );
    assert_eq!(hana["weekly"]["saturday"], json!([]));
    assert_eq!(hana["overrides"][0]["hours"], json!([]));
    assert_eq!(hana["durations_minutes"], json!([30, 60]));
    assert_eq!(hana["max_per_day"], 2);
    assert_eq!(hana["book_over_tentative"], false);

    let (status, carol) = get("/v1/rules/Carol@Example.com".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(carol["time_zone"], "UTC");
    assert_eq!(
        carol["weekly"]["friday"],
        json!([{"start": "09:00", "end": "17:00"}])
    );
    assert_eq!(carol["weekly"]["sunday"], json!([]));
    assert_eq!(carol["notice_minutes"], 240);
    assert_eq!(carol["durations_minutes"], json!([30]));
    // Nothing but the rules: no calendar, event or booking.
    let keys: Vec<&String> = carol.as_object().unwrap().keys().collect();
    assert!(
        keys.iter()
            .all(|key| !key.contains("calendar") && !key.contains("event"))
    );

    assert_eq!(
        get("/v1/rules/nobody@example.com".into()).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/v1/rules/not-an-address".into()).await.0,
        StatusCode::BAD_REQUEST
    );
}

// Pins each 422 reason: the request is wrong whatever the calendars hold.
async fn bookings_against_the_rules_answer_422_naming_the_reason(db: TestDb) {
    let server = server(&db).await;
    let monday = monday();
    let cases: [(NaiveDate, &str, &str, &str, &str); 6] = [
        (
            monday,
            "12:00",
            "12:30",
            "start",
            "errors.outside_working_hours",
        ),
        (
            monday + Days::new(5),
            "10:00",
            "10:30",
            "start",
            "errors.outside_working_hours",
        ),
        (
            monday + Days::new(2),
            "10:00",
            "10:30",
            "start",
            "errors.outside_working_hours",
        ),
        (monday, "09:15", "09:45", "start", "errors.not_on_step"),
        (monday, "09:00", "09:45", "end", "errors.not_offered"),
        (monday, "09:00", "11:00", "end", "errors.too_long"),
    ];
    for (date, from, to, field, key) in cases {
        let (status, body) = book_hana(&server, date, from, to).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{date} {from}: {body}"
        );
        let (got_field, got_key, description) = refused_field(&body);
        assert_eq!(
            (got_field.as_str(), got_key.as_str()),
            (field, key),
            "{date} {from}"
        );
        assert!(
            description.starts_with("hana@example.com: "),
            "{description}"
        );
    }
    let (_, body) = book_hana(&server, monday, "09:00", "09:45").await;
    assert!(
        refused_field(&body).2.contains("offered: 30, 60 minutes"),
        "{body}"
    );

    // Within the day's notice, and past the 14-day horizon.
    let soon = Utc::now() + chrono::TimeDelta::hours(2);
    let soon = Utc
        .timestamp_opt(soon.timestamp() / 1800 * 1800, 0)
        .unwrap();
    let (status, body) = book(
        &server,
        &["hana@example.com"],
        &rfc3339::format(soon),
        &rfc3339::format(soon + chrono::TimeDelta::minutes(30)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (field, key, description) = refused_field(&body);
    assert_eq!((field.as_str(), key.as_str()), ("start", "errors.too_soon"));
    assert!(description.contains("the earliest is "), "{description}");
    let (status, body) = book_hana(&server, monday + Days::new(21), "09:00", "09:30").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(refused_field(&body).1, "errors.too_far_ahead");

    // What the rules allow is booked: the override's evening, a plain morning.
    let (status, body) = book_hana(&server, monday + Days::new(3), "18:00", "19:00").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = book_hana(&server, monday, "09:00", "10:00").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

// Pins the 409s: busy time, the buffers around it and around bookings, a full day.
async fn bookings_that_conflict_with_what_is_booked_answer_409_naming_the_reason(db: TestDb) {
    let server = server(&db).await;
    let monday = monday();
    let (status, body) = book_hana(&server, monday, "15:00", "15:30").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["blockers"],
        json!([{"host": "hana@example.com", "status": "busy"}])
    );
    // The 15 minutes after 14:30-15:00 and before 16:00-16:30 touch the busy hour.
    for (from, to) in [("14:30", "15:00"), ("16:00", "16:30")] {
        let (status, body) = book_hana(&server, monday, from, to).await;
        assert_eq!(status, StatusCode::CONFLICT, "{from}: {body}");
        assert_eq!(body["error"]["code"], "conflict");
        assert_eq!(body["error"]["reason"], "within_buffer", "{body}");
        assert_eq!(body["error"]["host"], "hana@example.com");
    }
    // Two bookings fill Tuesday; the buffer keeps 10:00 from following 09:30 directly.
    let tuesday = monday + Days::new(1);
    assert_eq!(
        book_hana(&server, tuesday, "09:00", "09:30").await.0,
        StatusCode::CREATED
    );
    let (status, body) = book_hana(&server, tuesday, "09:30", "10:00").await;
    assert_eq!(
        (status, body["error"]["reason"].clone()),
        (StatusCode::CONFLICT, json!("within_buffer"))
    );
    assert_eq!(
        book_hana(&server, tuesday, "10:00", "10:30").await.0,
        StatusCode::CREATED
    );
    let (status, body) = book_hana(&server, tuesday, "14:00", "14:30").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "day_full");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 bookings"),
        "{body}"
    );
    // A cancelled booking no longer counts: none was cancelled here, and Friday is free.
    assert_eq!(
        book_hana(&server, monday + Days::new(4), "14:00", "14:30")
            .await
            .0,
        StatusCode::CREATED
    );
}

// Pins hosts in two zones: only the hours both work, the refusal naming who does not.
async fn hosts_in_two_zones_are_bookable_only_where_their_hours_meet(db: TestDb) {
    let server = server(&db).await;
    let tuesday = monday() + Days::new(1);
    let both = ["hana@example.com", "ned@example.com"];
    // 10:00 in London is 05:00 or 06:00 in New York.
    let (status, body) = book(
        &server,
        &both,
        &local(LONDON, tuesday, "10:00"),
        &local(LONDON, tuesday, "10:30"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (field, key, description) = refused_field(&body);
    assert_eq!(
        (field.as_str(), key.as_str()),
        ("start", "errors.outside_working_hours")
    );
    assert!(
        description.starts_with("ned@example.com: "),
        "{description}"
    );
    // 15:00 in London is 10:00 or 11:00 in New York: both work then.
    let (status, body) = book(
        &server,
        &both,
        &local(LONDON, tuesday, "15:00"),
        &local(LONDON, tuesday, "15:30"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // ned alone, on his own clock: 16:30 in New York is his last half hour.
    let (status, body) = book(
        &server,
        &["ned@example.com"],
        &local(NEW_YORK, tuesday, "16:30"),
        &local(NEW_YORK, tuesday, "17:00"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = book(
        &server,
        &["ned@example.com"],
        &local(NEW_YORK, tuesday, "17:00"),
        &local(NEW_YORK, tuesday, "17:30"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

// Pins the seed's checks of rules: the field named, no second zone.
#[test]
fn a_seed_with_rules_the_engine_refuses_names_the_account_and_the_field() {
    let load = |rules: Value| {
        let seed = json!({"accounts": [{"email": "hana@example.com", "time_zone": "Europe/London",
                                        "rules": rules, "calendars": []}]});
        Seed::from_json(&seed.to_string())
            .unwrap()
            .validate()
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let overlap = load(json!({"weekly": {"monday": [
        {"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}}));
    assert!(
        overlap.contains(r#"accounts[0] "hana@example.com""#),
        "{overlap}"
    );
    assert!(
        overlap.contains("rules.weekly.monday[1]: overlaps range 0"),
        "{overlap}"
    );
    let zone = load(json!({"time_zone": "Europe/Paris"}));
    assert!(zone.contains("set the account's time_zone"), "{zone}");
    let step = load(json!({"step_minutes": 1}));
    assert!(step.contains("rules.step_minutes"), "{step}");
    let unknown = load(json!({"working_hours": {}}));
    assert!(
        unknown.contains("unknown field `working_hours`"),
        "{unknown}"
    );
}

on_both_backends!(
    the_rules_route_publishes_each_hosts_rules_in_their_zone,
    bookings_against_the_rules_answer_422_naming_the_reason,
    bookings_that_conflict_with_what_is_booked_answer_409_naming_the_reason,
    hosts_in_two_zones_are_bookable_only_where_their_hours_meet,
);
