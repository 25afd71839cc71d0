//! Reading the engine's wire types out of `JSON.parse`d values.
//!
//! By hand rather than through serde: serde's deserializers format their error
//! messages (floats included), and with serde-wasm-bindgen that machinery was a tenth of
//! the widget's bundle. The rules are the engine's: times through
//! [`freebusy_core::wire::rfc3339`], Cronofy period times through
//! [`PeriodTime::from_text`](freebusy_core::wire::cronofy::PeriodTime::from_text) and
//! `from_fields`, statuses through [`WireStatus::from_text`], leniently where the
//! engine's serde form is lenient (an odd period is skipped later, not fatal).

use freebusy_core::wire::WireStatus;
use freebusy_core::wire::cronofy::{FreeBusyPeriod, FreeBusyResponse, Pages, PeriodTime};
use freebusy_core::wire::rfc3339;
use freebusy_core::wire::rules::{
    OverrideDocument, RangeDocument, RulesDocument, WEEKDAYS, WeeklyDocument, weekday_key,
};
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
    let number = |key: &str| whole(&field(&pages, key), key).map_err(|why| format!("pages.{why}"));
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

/// A whole number from 0 to `u32::MAX`, or why not.
fn whole(value: &JsValue, key: &str) -> Result<u32, String> {
    value
        .as_f64()
        .filter(|number| number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(number))
        .map(|number| number as u32)
        .ok_or_else(|| format!("{key} is not a whole number"))
}

/// `[{start, end}]`: wall-clock ranges, texts checked later by the engine.
fn ranges(value: &JsValue, what: &str) -> Result<Vec<RangeDocument>, String> {
    let items = list(value, what)?;
    let mut read = Vec::with_capacity(items.length() as usize);
    for item in items.iter() {
        let end = |key: &str| {
            text(&field(&item, key)).map_err(|kind| format!("{what}: a range's {key} is {kind}"))
        };
        read.push(RangeDocument {
            start: end("start")?,
            end: end("end")?,
        });
    }
    Ok(read)
}

/// A host's rules document (`GET /v1/rules/{email}`): every field optional, each taking
/// the engine's default when missing, exactly as the server reads its seed. Fields the
/// widget does not know are ignored (a newer server may add some; it still checks every
/// booking). The values are checked by `Rules::try_from`, not here.
pub fn rules_document(value: &JsValue) -> Result<RulesDocument, String> {
    if !value.is_object() || Array::is_array(value) {
        return Err(format!("the rules are {}, not an object", kind(value)));
    }
    let mut document = RulesDocument::default();
    let present = |key: &str| Some(field(value, key)).filter(|field| !field.is_undefined());
    if let Some(zone) = present("time_zone") {
        document.time_zone = text(&zone).map_err(|kind| format!("time_zone is {kind}"))?;
    }
    if let Some(weekly) = present("weekly") {
        // A week given replaces the default one whole: a day left out is a day off.
        document.weekly = WeeklyDocument::default();
        for day in WEEKDAYS {
            let key = weekday_key(day);
            let ranges_of_day = field(&weekly, key);
            if !ranges_of_day.is_undefined() {
                *document.weekly.day_mut(day) = ranges(&ranges_of_day, key)?;
            }
        }
    }
    if let Some(overrides) = present("overrides") {
        let entries = list(&overrides, "overrides")?;
        for entry in entries.iter() {
            let hours = field(&entry, "hours");
            document.overrides.push(OverrideDocument {
                date: text(&field(&entry, "date"))
                    .map_err(|kind| format!("an override's date is {kind}"))?,
                hours: if hours.is_undefined() {
                    Vec::new()
                } else {
                    ranges(&hours, "overrides")?
                },
            });
        }
    }
    for (key, number) in [
        ("notice_minutes", &mut document.notice_minutes),
        ("horizon_days", &mut document.horizon_days),
        ("buffer_before_minutes", &mut document.buffer_before_minutes),
        ("buffer_after_minutes", &mut document.buffer_after_minutes),
        ("step_minutes", &mut document.step_minutes),
    ] {
        if let Some(value) = present(key) {
            *number = whole(&value, key)?;
        }
    }
    if let Some(durations) = present("durations_minutes") {
        let items = list(&durations, "durations_minutes")?;
        document.durations_minutes = Vec::with_capacity(items.length() as usize);
        for item in items.iter() {
            document
                .durations_minutes
                .push(whole(&item, "durations_minutes")?);
        }
    }
    if let Some(limit) = present("max_per_day") {
        document.max_per_day = if limit.is_null() {
            None
        } else {
            Some(whole(&limit, "max_per_day")?)
        };
    }
    if let Some(tentative) = present("book_over_tentative") {
        document.book_over_tentative = tentative
            .as_bool()
            .ok_or_else(|| format!("book_over_tentative is {}", kind(&tentative)))?;
    }
    Ok(document)
}
