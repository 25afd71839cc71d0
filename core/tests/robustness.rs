//! Arbitrary input never panics: wire documents, local times, weeks.

// proptest needs an OS random source: native only.
#![cfg(not(target_arch = "wasm32"))]

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use freebusy_core::week::{VisibleHours, Week, WeekSpec};
use freebusy_core::wire::{cronofy, zonio};
use freebusy_core::zone::{earliest_at_or_after, local_time_at, resolve_local};
use proptest::prelude::*;
use serde_json::{Value, json};

const ZONES: [Tz; 6] = [
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Santiago,
    chrono_tz::Pacific::Auckland,
    chrono_tz::UTC,
];

/// A JSON value for a period's time or status: sometimes right, often wrong.
fn field() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("2026-04-24T08:00:00Z")),
        Just(json!("2026-04-24T09:30:00+02:00")),
        Just(json!("2026-04-26")),
        Just(json!({"time": "2026-04-24T23:00:00+02:00", "tzid": "Europe/Paris"})),
        Just(json!({"time": "2026-04-27", "tzid": "Europe/Paris"})),
        Just(json!({"tzid": 3, "time": [1, {"a": null}]})),
        Just(json!("busy")),
        Just(json!("tentative")),
        Just(json!("free")),
        Just(json!("unknown")),
        Just(json!("+262143-12-31")),
        Just(json!("-262144-01-01")),
        Just(json!(null)),
        Just(json!(true)),
        Just(json!(-1.5)),
        Just(json!(u64::MAX)),
        Just(json!([])),
        any::<String>().prop_map(Value::String),
        "[0-9+:TZ-]{0,30}".prop_map(Value::String),
    ]
}

fn period() -> impl Strategy<Value = Value> {
    (field(), field(), field(), prop::option::of(any::<bool>())).prop_map(
        |(start, end, status, deleted)| {
            let mut period = json!({
                "calendar_id": "cal",
                "start": start,
                "end": end,
                "free_busy_status": status,
            });
            if let (Some(deleted), Some(object)) = (deleted, period.as_object_mut()) {
                object.insert("deleted".into(), json!(deleted));
            }
            period
        },
    )
}

proptest! {
    // Any Cronofy page of arbitrary periods parses, and converting it never panics:
    // every non-deleted entry becomes a period or a skipped entry.
    #[test]
    fn converting_arbitrary_cronofy_periods_never_panics(
        periods in prop::collection::vec(period(), 0..12),
        zone in prop::sample::select(ZONES.to_vec()),
    ) {
        let deleted = periods.iter().filter(|p| p["deleted"] == json!(true)).count();
        let body = json!({"pages": {"current": 1, "total": 1}, "free_busy": periods}).to_string();
        let response = cronofy::parse_response(&body).unwrap();
        let conversion = response.to_periods(&zone);
        prop_assert_eq!(conversion.periods.len() + conversion.skipped.len() + deleted, periods.len());
        // What was read can be written back.
        prop_assert!(cronofy::to_json(&response).is_ok());
    }

    // Arbitrary Zonio documents give a value or an error, and converting never panics.
    #[test]
    fn parsing_arbitrary_zonio_periods_never_panics(
        entries in prop::collection::vec((field(), field(), field()), 0..8)
    ) {
        let body = Value::Array(
            entries.into_iter().map(|(start, end, kind)| json!({"start": start, "end": end, "type": kind})).collect(),
        ).to_string();
        if let Ok(response) = zonio::parse_response(&body) {
            let conversion = zonio::to_periods(&response);
            prop_assert_eq!(conversion.periods.len() + conversion.skipped.len(), response.len());
        }
    }

    // Arbitrary text never panics either parser.
    #[test]
    fn parsing_arbitrary_text_never_panics(text in any::<String>()) {
        let _ = cronofy::parse_response(&text);
        let _ = cronofy::parse_error(&text);
        let _ = zonio::parse_response(&text);
    }

    // Every instant a local time resolves to shows that local time, and the earliest
    // instant at or after it is where the clock first reaches it.
    #[test]
    fn local_times_resolve_to_instants_showing_them(
        seconds in 1_700_000_000_i64..1_900_000_000,
        zone in prop::sample::select(ZONES.to_vec()),
    ) {
        let local: NaiveDateTime = DateTime::from_timestamp(seconds, 0).unwrap().naive_utc();
        for instant in [resolve_local(&zone, local).earliest(), resolve_local(&zone, local).latest()].into_iter().flatten() {
            prop_assert_eq!(local_time_at(&zone, instant), Some(local));
        }
        let first = earliest_at_or_after(&zone, local).unwrap();
        prop_assert!(local_time_at(&zone, first).unwrap() >= local);
        let before = local_time_at(&zone, first - TimeDelta::seconds(1)).unwrap();
        prop_assert!(before < local);
    }

    // Local times anywhere in the calendar, near its edges too, never panic.
    #[test]
    fn resolving_any_local_time_never_panics(
        seconds in i64::MIN..i64::MAX,
        zone in prop::sample::select(ZONES.to_vec()),
    ) {
        let instant = DateTime::<Utc>::from_timestamp(seconds % 8_210_298_412_800, 0);
        if let Some(local) = instant.map(|i| i.naive_utc()) {
            let _ = resolve_local(&zone, local);
            let _ = earliest_at_or_after(&zone, local);
        }
    }

    // Any week, in any zone, with any visible hours and slot length, tiles its days.
    #[test]
    fn any_week_tiles_its_visible_hours(
        days in 0_u64..4000,
        start in 0_u16..1440,
        length in 1_u16..1440,
        slot_minutes in 1_u16..200,
        zone in prop::sample::select(ZONES.to_vec()),
    ) {
        let first_day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(days);
        let Ok(visible) = VisibleHours::new(start, start.saturating_add(length).min(1440)) else {
            return Ok(());
        };
        let week = Week::layout(&WeekSpec { first_day, visible, slot_minutes }, &zone).unwrap();
        for day in week.days() {
            let (Some(window), Some(first), Some(last)) = (day.visible(), day.slots().first(), day.slots().last()) else {
                continue;
            };
            prop_assert!(first.start() >= window.start());
            prop_assert_eq!(last.end(), window.end());
            for pair in day.slots().windows(2) {
                prop_assert_eq!(pair[0].end(), pair[1].start());
                prop_assert!(pair[0].start() < pair[1].start());
            }
            for slot in day.slots() {
                prop_assert_eq!(local_time_at(&zone, slot.start()), Some(slot.local()));
            }
        }
    }
}
