//! The examples of both API documents, read and written by the wire modules.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use freebusy_core::wire::cronofy::{self, FreeBusyPeriod, FreeBusyResponse, Pages, PeriodTime};
use freebusy_core::wire::{SkipReason, Skipped, WireStatus, zonio};
use freebusy_core::{Availability, Period, Status};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

// Zonio's response example reads as one busy and one tentative period.
#[test]
fn zonio_example_response_reads_as_busy_then_tentative() {
    let response = zonio::parse_response(&fixture("zonio-response.json")).unwrap();
    let conversion = zonio::to_periods(&response);
    assert!(conversion.skipped.is_empty());
    let expected = [
        Period::new(
            utc("2018-01-22T17:00:00Z"),
            utc("2018-01-22T19:00:00Z"),
            Status::Busy,
        )
        .unwrap(),
        Period::new(
            utc("2018-01-23T08:00:00Z"),
            utc("2018-01-23T11:00:00Z"),
            Status::Tentative,
        )
        .unwrap(),
    ];
    assert_eq!(conversion.periods, expected);
}

// Writing the parsed Zonio example gives back the same JSON document.
#[test]
fn zonio_example_response_round_trips() {
    let text = fixture("zonio-response.json");
    let response = zonio::parse_response(&text).unwrap();
    assert_eq!(json(&zonio::to_json(&response).unwrap()), json(&text));
}

// Any RFC 3339 offset is accepted and normalised to UTC with a `Z`.
#[test]
fn zonio_times_with_an_offset_are_normalised_to_utc() {
    let response = zonio::parse_response(
        r#"[{"start": "2018-01-22T18:00:00+01:00", "end": "2018-01-22T14:00:00-05:00", "type": "busy"}]"#,
    )
    .unwrap();
    assert_eq!(response[0].start, utc("2018-01-22T17:00:00Z"));
    assert_eq!(response[0].end, utc("2018-01-22T19:00:00Z"));
    assert!(
        zonio::to_json(&response)
            .unwrap()
            .contains(r#""end":"2018-01-22T19:00:00Z""#)
    );
}

// A Zonio time that is not RFC 3339 is a typed error for the document.
#[test]
fn zonio_time_that_is_not_rfc3339_is_an_error() {
    let result = zonio::parse_response(
        r#"[{"start": "yesterday", "end": "2018-01-22T19:00:00Z", "type": "busy"}]"#,
    );
    assert!(result.is_err());
}

// An unknown Zonio type skips only its own entry.
#[test]
fn zonio_unknown_type_skips_its_entry_only() {
    let response = zonio::parse_response(
        r#"[
          {"start": "2018-01-22T17:00:00Z", "end": "2018-01-22T19:00:00Z", "type": "out_of_office"},
          {"start": "2018-01-22T19:00:00Z", "end": "2018-01-22T20:00:00Z", "type": "busy"}
        ]"#,
    )
    .unwrap();
    let conversion = zonio::to_periods(&response);
    assert_eq!(conversion.periods.len(), 1);
    assert_eq!(
        conversion.skipped,
        [Skipped {
            index: 0,
            reason: SkipReason::UnknownStatus("out_of_office".into())
        }]
    );
}

// The request window is two Unix-second query parameters.
#[test]
fn zonio_request_window_is_unix_seconds() {
    let request: zonio::RequestWindow =
        serde_json::from_str(r#"{"start": 1516640400, "end": 1516647600}"#).unwrap();
    let window = request.window().unwrap();
    assert_eq!(window.start(), utc("2018-01-22T17:00:00Z"));
    assert_eq!(request.query(), "start=1516640400&end=1516647600");
}

// Unknown time never reads as free in a Zonio response: it is sent as busy.
#[test]
fn zonio_response_from_availability_sends_unknown_as_busy() {
    let availability = Availability::merge([
        Period::new(
            utc("2018-01-22T17:00:00Z"),
            utc("2018-01-22T18:00:00Z"),
            Status::Unknown,
        )
        .unwrap(),
        Period::new(
            utc("2018-01-22T18:00:00Z"),
            utc("2018-01-22T19:00:00Z"),
            Status::Busy,
        )
        .unwrap(),
        Period::new(
            utc("2018-01-23T08:00:00Z"),
            utc("2018-01-23T11:00:00Z"),
            Status::Tentative,
        )
        .unwrap(),
    ]);
    let response = zonio::response(&availability);
    let expected = r#"[
      {"start": "2018-01-22T17:00:00Z", "end": "2018-01-22T19:00:00Z", "type": "busy"},
      {"start": "2018-01-23T08:00:00Z", "end": "2018-01-23T11:00:00Z", "type": "tentative"}
    ]"#;
    assert_eq!(json(&zonio::to_json(&response).unwrap()), json(expected));
}

// Cronofy's first example: paging with a next page and one busy period.
#[test]
fn cronofy_example_response_reads_pages_and_one_busy_period() {
    let response = cronofy::parse_response(&fixture("cronofy-response.json")).unwrap();
    assert_eq!(
        response.pages,
        Pages {
            current: 1,
            total: 2,
            next_page: Some(
                "https://api.cronofy.com/v1/free_busy/pages/caa2dca822d5d74d98104489".into()
            ),
        }
    );
    let period = &response.free_busy[0];
    assert_eq!(
        period.calendar_id,
        "cal_U9uuErStTG@EAAAB_IsAsykA2DBTWqQTf-f0kJw"
    );
    assert_eq!(period.free_busy_status, WireStatus::Known(Status::Busy));
    let conversion = response.to_periods(&Utc);
    assert_eq!(
        conversion.periods,
        [Period::new(
            utc("2026-04-24T08:00:00Z"),
            utc("2026-04-24T08:30:00Z"),
            Status::Busy
        )
        .unwrap()]
    );
}

// The examples exactly as printed have trailing commas, which strict JSON rejects.
#[test]
fn cronofy_examples_verbatim_with_trailing_commas_are_rejected() {
    for name in [
        "cronofy-response-verbatim.txt",
        "cronofy-incremental-verbatim.txt",
    ] {
        let error = cronofy::parse_response(&fixture(name)).unwrap_err();
        assert!(
            error.to_string().contains("trailing comma"),
            "{name}: {error}"
        );
    }
}

// The incremental example: ids and the deleted flag are read; the deleted all-day free
// period is left out, neither a period nor a skipped entry.
#[test]
fn cronofy_incremental_example_leaves_the_deleted_period_out() {
    let response = cronofy::parse_response(&fixture("cronofy-incremental.json")).unwrap();
    assert_eq!(response.pages.next_page, None);
    let [busy, deleted] = response.free_busy.as_slice() else {
        panic!("two periods expected");
    };
    assert_eq!(
        busy.event_uid.as_deref(),
        Some("evt_external_54008b1a4a41730f8d5c6037")
    );
    assert_eq!(busy.deleted, Some(false));
    assert_eq!(
        deleted.start,
        PeriodTime::Date(NaiveDate::from_ymd_opt(2026, 4, 26).unwrap())
    );
    assert_eq!(deleted.free_busy_status, WireStatus::Known(Status::Free));
    assert_eq!(deleted.deleted, Some(true));

    let conversion = response.to_periods(&Utc);
    assert_eq!(conversion.periods.len(), 1);
    assert!(conversion.skipped.is_empty());
}

// Both Cronofy examples survive a write and a re-read unchanged.
#[test]
fn cronofy_example_responses_round_trip() {
    for name in ["cronofy-response.json", "cronofy-incremental.json"] {
        let text = fixture(name);
        let response = cronofy::parse_response(&text).unwrap();
        let written = cronofy::to_json(&response).unwrap();
        assert_eq!(json(&written), json(&text), "{name}");
        assert_eq!(
            cronofy::parse_response(&written).unwrap(),
            response,
            "{name}"
        );
    }
}

// The 422 example body reads, and the same body is written for a missing tzid.
#[test]
fn cronofy_error_example_reads_and_writes() {
    let text = fixture("cronofy-error.json");
    let body = cronofy::parse_error(&text).unwrap();
    assert_eq!(body.errors["tzid"][0].key, "errors.required");
    assert_eq!(body.errors["tzid"][0].description, "required");
    let written = cronofy::ErrorResponse::single("tzid", "errors.required", "required");
    assert_eq!(json(&serde_json::to_string(&written).unwrap()), json(&text));
}

// A localized `{time, tzid}` keeps its offset and denotes the right instant.
#[test]
fn cronofy_localized_time_keeps_its_offset() {
    let text = fixture("cronofy-localized-time.json");
    let time: PeriodTime = serde_json::from_str(&text).unwrap();
    let PeriodTime::LocalizedTime { time: local, tzid } = &time else {
        panic!("a localized time expected, got {time:?}");
    };
    assert_eq!(tzid, "Europe/Paris");
    assert_eq!(local.offset(), &FixedOffset::east_opt(7200).unwrap());
    assert_eq!(time.instant(&Utc), Ok(utc("2026-04-24T21:00:00Z")));
    assert_eq!(json(&serde_json::to_string(&time).unwrap()), json(&text));
}

// The server can write every kind of period time: Time, Date, and localized.
#[test]
fn cronofy_response_can_be_written_with_times_dates_and_localized_times() {
    let paris = chrono_tz::Europe::Paris;
    let start = utc("2026-04-24T21:00:00Z");
    let meeting = Period::new(start, utc("2026-04-24T22:00:00Z"), Status::Tentative).unwrap();
    let mut localized = FreeBusyPeriod::from_period("cal_1", &meeting);
    localized.start = PeriodTime::localized(meeting.start(), &paris, "Europe/Paris");
    localized.end = PeriodTime::localized(meeting.end(), &paris, "Europe/Paris");
    let holiday = FreeBusyPeriod {
        start: NaiveDate::from_ymd_opt(2026, 4, 26).unwrap().into(),
        end: NaiveDate::from_ymd_opt(2026, 4, 27).unwrap().into(),
        free_busy_status: Status::Busy.into(),
        ..FreeBusyPeriod::from_period("cal_2", &meeting)
    };
    let response = FreeBusyResponse {
        pages: Pages {
            current: 1,
            total: 1,
            next_page: None,
        },
        free_busy: vec![
            FreeBusyPeriod::from_period("cal_1", &meeting),
            localized,
            holiday,
        ],
        userinfo: None,
    };
    let expected = r#"{
      "pages": {"current": 1, "total": 1},
      "free_busy": [
        {"calendar_id": "cal_1", "start": "2026-04-24T21:00:00Z", "end": "2026-04-24T22:00:00Z",
         "free_busy_status": "tentative"},
        {"calendar_id": "cal_1",
         "start": {"time": "2026-04-24T23:00:00+02:00", "tzid": "Europe/Paris"},
         "end": {"time": "2026-04-25T00:00:00+02:00", "tzid": "Europe/Paris"},
         "free_busy_status": "tentative"},
        {"calendar_id": "cal_2", "start": "2026-04-26", "end": "2026-04-27", "free_busy_status": "busy"}
      ]
    }"#;
    assert_eq!(json(&cronofy::to_json(&response).unwrap()), json(expected));
}

// Bad periods are skipped with their reasons and positions; the good one survives.
#[test]
fn cronofy_malformed_periods_are_skipped_with_reasons() {
    let body = r#"{
      "pages": {"current": 1, "total": 1},
      "free_busy": [
        {"calendar_id": "c", "start": "2026-04-24T08:00:00Z", "end": "2026-04-24T08:00:00Z", "free_busy_status": "busy"},
        {"calendar_id": "c", "start": "2026-04-24T09:00:00Z", "end": "2026-04-24T08:00:00Z", "free_busy_status": "busy"},
        {"calendar_id": "c", "start": "2026-04-24T08:00:00Z", "end": "2026-04-24T09:00:00Z", "free_busy_status": "maybe"},
        {"calendar_id": "c", "start": "soon", "end": "2026-04-24T09:00:00Z", "free_busy_status": "busy"},
        {"calendar_id": "c", "start": 1776, "end": {"tzid": "Europe/Paris"}, "free_busy_status": null},
        {"calendar_id": "c", "start": "2026-04-24T08:00:00Z", "end": "2026-04-24T09:00:00Z", "free_busy_status": "unknown"}
      ]
    }"#;
    let conversion = cronofy::parse_response(body).unwrap().to_periods(&Utc);
    let reasons: Vec<(usize, SkipReason)> = conversion
        .skipped
        .into_iter()
        .map(|skipped| (skipped.index, skipped.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            (0, SkipReason::ZeroLength),
            (1, SkipReason::Inverted),
            (2, SkipReason::UnknownStatus("maybe".into())),
            (3, SkipReason::UnparseableTime("soon".into())),
            (4, SkipReason::UnparseableTime("the number 1776".into())),
        ]
    );
    assert_eq!(
        conversion.periods,
        [Period::new(
            utc("2026-04-24T08:00:00Z"),
            utc("2026-04-24T09:00:00Z"),
            Status::Unknown
        )
        .unwrap()]
    );
}

// Userinfo is optional; its identifiers are kept when present.
#[test]
fn cronofy_userinfo_is_read_when_present() {
    let body = r#"{
      "pages": {"current": 1, "total": 1},
      "free_busy": [],
      "userinfo": {"sub": "acc_5700a00eb0ccd07000000000", "cronofy.type": "account", "cronofy.data": {"profiles": []}}
    }"#;
    let response = cronofy::parse_response(body).unwrap();
    let userinfo = response.userinfo.unwrap();
    assert_eq!(
        userinfo.sub.as_deref(),
        Some("acc_5700a00eb0ccd07000000000")
    );
    assert_eq!(userinfo.cronofy_type.as_deref(), Some("account"));
}

// A date end is exclusive: 26th to 27th is exactly the 26th, local midnight to midnight.
#[test]
fn cronofy_all_day_end_date_is_exclusive() {
    let period = FreeBusyPeriod {
        calendar_id: "c".into(),
        start: NaiveDate::from_ymd_opt(2026, 4, 26).unwrap().into(),
        end: NaiveDate::from_ymd_opt(2026, 4, 27).unwrap().into(),
        free_busy_status: Status::Busy.into(),
        event_uid: None,
        event_id: None,
        deleted: None,
    };
    let conversion = cronofy::to_periods(&[period], &Utc);
    let day = conversion.periods[0];
    assert_eq!(
        day.start(),
        Utc.with_ymd_and_hms(2026, 4, 26, 0, 0, 0).unwrap()
    );
    assert_eq!(
        day.end(),
        Utc.with_ymd_and_hms(2026, 4, 27, 0, 0, 0).unwrap()
    );
}
