//! Time zones from the browser's `Intl` API.
//!
//! The engine asks a zone only for its UTC offset at an instant ([`Zone`]); the browser
//! knows every IANA zone, so the widget carries no tz data (a tz database would cost
//! more than the whole bundle budget).

use std::cell::RefCell;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use freebusy_core::zone::Zone;
use js_sys::{Array, Date, Intl::DateTimeFormat, Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // `Intl.DateTimeFormat(...)` with `catch`: an unknown zone throws a RangeError,
    // which must become a message, not a panic.
    #[wasm_bindgen(catch, js_namespace = Intl, js_name = DateTimeFormat)]
    fn date_time_format(locales: &JsValue, options: &Object) -> Result<DateTimeFormat, JsValue>;
}

/// An IANA time zone answered by the browser.
///
/// Offsets are cached per instant: a week layout and the hosts' rules ask the same
/// instants several times, and `formatToParts` is the costly part. The cache is a
/// sorted list, not a hash map: a map's hashing and table code would cost the bundle
/// kilobytes for a few hundred entries.
#[derive(Debug)]
pub struct BrowserZone {
    name: String,
    format: DateTimeFormat,
    offsets: RefCell<Vec<(i64, FixedOffset)>>,
}

impl BrowserZone {
    /// The zone named `name` (e.g. `"America/New_York"`, in any case), named as the
    /// browser spells it.
    ///
    /// # Errors
    ///
    /// The browser's message when it does not know the zone.
    pub fn new(name: &str) -> Result<BrowserZone, String> {
        let options = Object::new();
        let set = |key: &str, value: &str| {
            let _ = Reflect::set(&options, &key.into(), &value.into());
        };
        set("timeZone", name);
        set("hourCycle", "h23");
        for field in ["year", "month", "day", "hour", "minute", "second"] {
            set(field, "numeric");
        }
        let locales = JsValue::from_str("en-US");
        let format = date_time_format(&locales, &options)
            .map_err(|_| format!("the browser does not know the time zone \"{name}\""))?;
        // The browser's spelling ("europe/berlin" is Europe/Berlin).
        let name = Reflect::get(&format.resolved_options(), &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string())
            .unwrap_or_else(|| name.to_owned());
        Ok(BrowserZone {
            name,
            format,
            offsets: RefCell::default(),
        })
    }

    /// The browser's own zone, or UTC if it cannot say.
    pub fn browser_default() -> BrowserZone {
        let name = browser_zone_name();
        BrowserZone::new(&name)
            .or_else(|_| BrowserZone::new("UTC"))
            .unwrap_or_else(|_| BrowserZone {
                name: "UTC".into(),
                format: DateTimeFormat::new(&Array::new(), &Object::new()),
                offsets: RefCell::default(),
            })
    }

    /// The IANA name, as shown in the time-zone label.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn compute_offset(&self, instant: DateTime<Utc>) -> Option<FixedOffset> {
        let millis = instant.timestamp_millis() as f64;
        let parts = self.format.format_to_parts(&Date::new(&millis.into()));
        let mut fields = [0i64; 6];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
            fields[slot] = value.parse().ok()?;
        }
        let [year, month, day, hour, minute, second] = fields;
        let local = NaiveDate::from_ymd_opt(
            i32::try_from(year).ok()?,
            u32::try_from(month).ok()?,
            u32::try_from(day).ok()?,
        )?
        .and_hms_opt(
            // Some engines say 24 for midnight even with h23.
            u32::try_from(hour % 24).ok()?,
            u32::try_from(minute).ok()?,
            u32::try_from(second).ok()?,
        )?;
        let seconds = (local - instant.naive_utc()).num_seconds();
        FixedOffset::east_opt(i32::try_from(seconds).ok()?)
    }
}

impl Zone for BrowserZone {
    fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        let key = instant.timestamp();
        let known = self
            .offsets
            .borrow()
            .binary_search_by_key(&key, |&(at, _)| at);
        let at = match known {
            Ok(index) => {
                if let Some(&(_, offset)) = self.offsets.borrow().get(index) {
                    return offset;
                }
                index
            }
            Err(index) => index,
        };
        let utc = FixedOffset::east_opt(0).unwrap_or_else(|| chrono::Offset::fix(&Utc));
        let offset = self.compute_offset(instant).unwrap_or(utc);
        self.offsets.borrow_mut().insert(at, (key, offset));
        offset
    }
}

/// The browser's IANA zone name (`"UTC"` if it cannot say).
pub fn browser_zone_name() -> String {
    let format = DateTimeFormat::new(&Array::new(), &Object::new());
    Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()
        .and_then(|zone| zone.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// The current instant, from the browser's clock.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Date::now() as i64).unwrap_or_default()
}
