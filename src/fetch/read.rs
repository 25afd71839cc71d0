//! Reading the engine's wire types out of `JSON.parse`d values.
//!
//! By hand rather than through serde: serde's deserializers format their error
//! messages (floats included), and with serde-wasm-bindgen that machinery was a tenth of
//! the widget's bundle. The rules are the engine's: times through
//! [`freebusy_core::wire::rfc3339`], Cronofy period times through
//! [`PeriodTime::from_text`](freebusy_core::wire::cronofy::PeriodTime::from_text) and
//! `from_fields`, statuses through [`WireStatus::from_text`], leniently where the
//! engine's serde form is lenient (an odd period is skipped later, not fatal).

use freebusy_core::rule::{Rules, TimeRange};
use freebusy_core::wire::WireStatus;
use freebusy_core::wire::cronofy::{FreeBusyPeriod, FreeBusyResponse, Pages, PeriodTime};
use freebusy_core::wire::date;
use freebusy_core::wire::rfc3339;
use freebusy_core::wire::rules::{WEEKDAYS, weekday_key};
use freebusy_core::wire::zonio::AvailabilityPeriod;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `object[key]`; `undefined` for a missing key or a value that is not an object.
fn field(object: &JsValue, key: &str) -> JsValue {
    if !object.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// What a value is, for messages: "a number", "null", ...
fn kind(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if value.is_undefined() {
        "missing".into()
    } else if Array::is_array(value) {
        "an array".into()
    } else if value.is_object() {
        "an object".into()
    } else if value.as_bool().is_some() {
        "a boolean".into()
    } else if value.as_f64().is_some() {
        "a number".into()
    } else {
        "not text".into()
    }
}

/// Text, or what the value was instead.
fn text(value: &JsValue) -> Result<String, String> {
    value.as_string().ok_or_else(|| kind(value))
}

fn optional_text(value: &JsValue) -> Option<String> {
    value.as_string()
}

fn list(value: &JsValue, what: &str) -> Result<Array, String> {
    if Array::is_array(value) {
        Ok(value.clone().unchecked_into())
    } else {
        Err(format!("{what} is {}, not a list", kind(value)))
    }
}

fn status(value: &JsValue) -> WireStatus {
    match text(value) {
        Ok(text) => WireStatus::from_text(&text),
        Err(kind) => WireStatus::Other(kind),
    }
}

/// A Zonio-style answer: `[{start, end, type}]` with RFC 3339 times.
pub fn zonio_response(value: &JsValue) -> Result<Vec<AvailabilityPeriod>, String> {
    let periods = list(value, "the answer")?;
    let mut read = Vec::with_capacity(periods.length() as usize);
    for (index, period) in periods.iter().enumerate() {
        let time = |key: &str| {
            let value = field(&period, key);
            text(&value)
                .ok()
                .and_then(|text| rfc3339::parse(&text))
                .ok_or_else(|| format!("period {}: {key} is not an RFC 3339 time", index + 1))
        };
        let kind = field(&period, "type");
        if kind.is_undefined() {
            return Err(format!("period {}: type is missing", index + 1));
        }
        read.push(AvailabilityPeriod {
            start: time("start")?,
            end: time("end")?,
            kind: status(&kind),
        });
    }
    Ok(read)
}

/// A Cronofy period time: text, `{time, tzid}`, or something unparseable.
fn period_time(value: &JsValue) -> PeriodTime {
    if let Some(text) = value.as_string() {
        PeriodTime::from_text(&text)
    } else if value.is_object() && !Array::is_array(value) {
        let time = field(value, "time");
        let time = (!time.is_undefined()).then(|| text(&time));
        PeriodTime::from_fields(time, optional_text(&field(value, "tzid")))
    } else {
        PeriodTime::Unparseable(kind(value))
    }
}

/// A page of a Cronofy-style answer: `{pages, free_busy}`.
pub fn cronofy_response(value: &JsValue) -> Result<FreeBusyResponse, String> {
    let pages = field(value, "pages");
    let number = |key: &str| {
        whole(&field(&pages, key)).ok_or_else(|| format!("pages.{key} is not a whole number"))
    };
    let pages = Pages {
        current: number("current")?,
        total: number("total")?,
        next_page: optional_text(&field(&pages, "next_page")),
    };
    let periods = list(&field(value, "free_busy"), "free_busy")?;
    let mut free_busy = Vec::with_capacity(periods.length() as usize);
    for (index, period) in periods.iter().enumerate() {
        let calendar_id = text(&field(&period, "calendar_id"))
            .map_err(|kind| format!("period {}: calendar_id is {kind}", index + 1))?;
        free_busy.push(FreeBusyPeriod {
            calendar_id,
            start: period_time(&field(&period, "start")),
            end: period_time(&field(&period, "end")),
            free_busy_status: status(&field(&period, "free_busy_status")),
            event_uid: optional_text(&field(&period, "event_uid")),
            event_id: optional_text(&field(&period, "event_id")),
            deleted: field(&period, "deleted").as_bool(),
        });
    }
    Ok(FreeBusyResponse {
        pages,
        free_busy,
        userinfo: None,
    })
}

/// A 422's `{"errors": {field: [{key, description}]}}` as `(field, description)`.
pub fn field_errors(value: &JsValue) -> Result<Vec<(String, String)>, String> {
    let errors = field(value, "errors");
    if !errors.is_object() {
        return Err("the answer has no errors object".into());
    }
    let mut read = Vec::new();
    for entry in Object::entries(errors.unchecked_ref()).iter() {
        let entry: Array = entry.unchecked_into();
        let name = entry.get(0).as_string().unwrap_or_default();
        let problems = list(&entry.get(1), &name)?;
        for problem in problems.iter() {
            let description = optional_text(&field(&problem, "description"))
                .or_else(|| optional_text(&field(&problem, "key")))
                .unwrap_or_else(|| "is invalid".into());
            read.push((name.clone(), description));
        }
    }
    Ok(read)
}

/// A whole number from 0 to `u32::MAX`.
fn whole(value: &JsValue) -> Option<u32> {
    value
        .as_f64()
        .filter(|number| number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(number))
        .map(|number| number as u32)
}

/// `[{start, end}]`: wall-clock ranges, each checked by the engine; `None` for anything
/// else.
fn time_ranges(value: &JsValue) -> Option<Vec<TimeRange>> {
    let items = Array::is_array(value).then(|| value.unchecked_ref::<Array>().clone())?;
    let mut read = Vec::with_capacity(items.length() as usize);
    for item in items.iter() {
        let end = |key: &str| field(&item, key).as_string();
        read.push(TimeRange::parse(&end("start")?, &end("end")?).ok()?);
    }
    Some(read)
}

/// A host's rules (`GET /v1/rules/{email}`), read and checked in one pass: every field
/// optional, each taking the engine's default when missing, exactly as the server reads
/// its seed (`weekly` given replaces the default week whole: a day it leaves out is a
/// day off), every value through the engine's own checks ([`Rules::set_hours`] and the
/// other setters). Fields the widget does not know are ignored (a newer server may add
/// some; it still checks every booking).
///
/// # Errors
///
/// The key of the first field that is not what the engine accepts ("the answer" when
/// it is not an object). Why not is not said: the server checks the same rules at
/// start-up, so this is a server the widget does not match, and the words for every
/// problem would cost the bundle more than they could tell.
pub fn rules(value: &JsValue) -> Result<Rules, &'static str> {
    if !value.is_object() || Array::is_array(value) {
        return Err("the answer");
    }
    let mut rules = Rules::default();
    let present = |key: &str| Some(field(value, key)).filter(|field| !field.is_undefined());
    if let Some(zone) = present("time_zone") {
        zone.as_string()
            .and_then(|zone| rules.set_time_zone(&zone).ok())
            .ok_or("time_zone")?;
    }
    if let Some(weekly) = present("weekly") {
        if !weekly.is_object() || Array::is_array(&weekly) {
            return Err("weekly");
        }
        for day in WEEKDAYS {
            let key = weekday_key(day);
            let ranges = match field(&weekly, key) {
                missing if missing.is_undefined() => Vec::new(),
                given => time_ranges(&given).ok_or(key)?,
            };
            rules.set_hours(day, &ranges).map_err(|_| key)?;
        }
    }
    if let Some(overrides) = present("overrides") {
        let entries = Array::is_array(&overrides)
            .then(|| overrides.unchecked_into::<Array>())
            .ok_or("overrides")?;
        for (index, entry) in entries.iter().enumerate() {
            let date = field(&entry, "date")
                .as_string()
                .and_then(|text| date::parse(&text))
                .ok_or("overrides")?;
            let hours = match field(&entry, "hours") {
                missing if missing.is_undefined() => Vec::new(),
                given => time_ranges(&given).ok_or("overrides")?,
            };
            rules
                .set_override(date, &hours, Some(index))
                .map_err(|_| "overrides")?;
        }
    }
    let mut numbers = rules.numbers();
    for (key, number) in [
        ("notice_minutes", &mut numbers.notice_minutes),
        ("horizon_days", &mut numbers.horizon_days),
        ("buffer_before_minutes", &mut numbers.buffer_before_minutes),
        ("buffer_after_minutes", &mut numbers.buffer_after_minutes),
        ("step_minutes", &mut numbers.step_minutes),
    ] {
        if let Some(value) = present(key) {
            *number = whole(&value).ok_or(key)?;
        }
    }
    if let Some(limit) = present("max_per_day") {
        numbers.max_per_day = if limit.is_null() {
            None
        } else {
            Some(whole(&limit).ok_or("max_per_day")?)
        };
    }
    rules
        .set_numbers(numbers)
        .map_err(|refused| refused.field.key())?;
    if let Some(durations) = present("durations_minutes") {
        let minutes = Array::is_array(&durations)
            .then(|| durations.unchecked_into::<Array>())
            .and_then(|items| {
                items
                    .iter()
                    .map(|item| whole(&item))
                    .collect::<Option<Vec<u32>>>()
            })
            .ok_or("durations_minutes")?;
        rules
            .set_durations(&minutes)
            .map_err(|_| "durations_minutes")?;
    }
    if let Some(tentative) = present("book_over_tentative") {
        rules.set_book_over_tentative(tentative.as_bool().ok_or("book_over_tentative")?);
    }
    Ok(rules)
}
