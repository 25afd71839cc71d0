//! Dates, times and zones in the visitor's language, from the browser's `Intl`.
//!
//! Every language the browser knows, its numbering system and its 12- or 24-hour clock,
//! for no data in the bundle. [`IntlLabels`] answers the grid's [`Labels`]; the rest
//! finds the visitor's locale and the zones the browser knows.

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::grid::Labels;
use crate::options::HourCycle;

#[wasm_bindgen]
extern "C" {
    /// `Intl.DateTimeFormat`.
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    #[derive(Clone, Debug)]
    type Formatter;

    // `catch`: an unknown zone or a malformed locale throws a RangeError, which must
    // become a message, not a trap.
    #[wasm_bindgen(catch, constructor, js_namespace = Intl, js_class = "DateTimeFormat")]
    fn new(locales: &str, options: &Object) -> Result<Formatter, JsValue>;

    // Numbers (milliseconds since the epoch) are what `format` and `formatRange` read
    // dates as; no `Date` objects are made.
    #[wasm_bindgen(method)]
    fn format(this: &Formatter, millis: f64) -> String;

    #[wasm_bindgen(method, catch, js_name = formatRange)]
    fn format_range(this: &Formatter, start: f64, end: f64) -> Result<String, JsValue>;

    #[wasm_bindgen(catch, js_namespace = Intl, js_name = supportedValuesOf)]
    fn supported_values_of(key: &str) -> Result<Array, JsValue>;

    /// `Intl.Locale`.
    #[wasm_bindgen(js_namespace = Intl, js_name = Locale)]
    type IntlLocale;

    // A constructor: called without `new` it throws, which is how the first day once
    // stayed Monday everywhere.
    #[wasm_bindgen(catch, constructor, js_namespace = Intl, js_class = "Locale")]
    fn new(tag: &str) -> Result<IntlLocale, JsValue>;

    #[wasm_bindgen(method)]
    fn maximize(this: &IntlLocale) -> IntlLocale;

    #[wasm_bindgen(method, getter)]
    fn region(this: &IntlLocale) -> Option<String>;
}

/// An `Intl.DateTimeFormat` options object.
fn options(fields: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object
}

fn formatter(locale: &str, fields: &[(&str, &str)]) -> Option<Formatter> {
    Formatter::new(locale, &options(fields)).ok()
}

/// Dates and times in one locale, times in one zone.
#[derive(Clone, Debug)]
pub struct IntlLabels {
    time: Formatter,
    day_short: Formatter,
    day_long: Formatter,
    weekday: Formatter,
    day_number: Formatter,
    week: Formatter,
}

impl IntlLabels {
    /// Labels in `locale`, times in `zone`, on the locale's clock unless `hour_cycle`
    /// says otherwise.
    ///
    /// `None` when the browser refuses the locale or the zone.
    pub fn new(locale: &str, zone: &str, hour_cycle: Option<HourCycle>) -> Option<IntlLabels> {
        // A 24-hour clock asked for is written 08:30 (with `numeric` hours, naming the
        // cycle makes some locales drop the zero); otherwise the locale decides.
        let mut time = vec![("minute", "2-digit"), ("timeZone", zone)];
        match hour_cycle {
            Some(HourCycle::H12) => time.extend([("hour", "numeric"), ("hourCycle", "h12")]),
            Some(HourCycle::H24) => time.extend([("hour", "2-digit"), ("hourCycle", "h23")]),
            None => time.push(("hour", "numeric")),
        }
        // Dates are calendar dates, formatted at their noon in UTC so that no zone moves
        // them to another day.
        Some(IntlLabels {
            time: formatter(locale, &time)?,
            day_short: formatter(
                locale,
                &[
                    ("weekday", "short"),
                    ("day", "numeric"),
                    ("month", "short"),
                    ("timeZone", "UTC"),
                ],
            )?,
            day_long: formatter(
                locale,
                &[
                    ("weekday", "long"),
                    ("day", "numeric"),
                    ("month", "long"),
                    ("timeZone", "UTC"),
                ],
            )?,
            weekday: formatter(locale, &[("weekday", "short"), ("timeZone", "UTC")])?,
            day_number: formatter(locale, &[("day", "numeric"), ("timeZone", "UTC")])?,
            week: formatter(
                locale,
                &[
                    ("day", "numeric"),
                    ("month", "long"),
                    ("year", "numeric"),
                    ("timeZone", "UTC"),
                ],
            )?,
        })
    }
}

fn millis(instant: DateTime<Utc>) -> f64 {
    instant.timestamp_millis() as f64
}

fn noon(date: NaiveDate) -> f64 {
    date.and_hms_opt(12, 0, 0)
        .map_or(0.0, |noon| millis(noon.and_utc()))
}

/// `formatRange`, or both ends joined where a browser lacks it.
fn range(formatter: &Formatter, start: f64, end: f64) -> String {
    formatter
        .format_range(start, end)
        .unwrap_or_else(|_| format!("{} – {}", formatter.format(start), formatter.format(end)))
}

impl Labels for IntlLabels {
    fn time(&self, instant: DateTime<Utc>) -> String {
        self.time.format(millis(instant))
    }

    fn time_range(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        range(&self.time, millis(start), millis(end))
    }

    fn day(&self, date: NaiveDate, long: bool) -> String {
        let formatter = if long {
            &self.day_long
        } else {
            &self.day_short
        };
        formatter.format(noon(date))
    }

    fn day_parts(&self, date: NaiveDate) -> (String, String) {
        (
            self.weekday.format(noon(date)),
            self.day_number.format(noon(date)),
        )
    }

    fn week(&self, first: NaiveDate, last: NaiveDate) -> String {
        range(&self.week, noon(first), noon(last))
    }
}

/// Whether the browser accepts `tag` as a locale.
pub fn accepts_locale(tag: &str) -> bool {
    !tag.trim().is_empty() && formatter(tag, &[]).is_some()
}

/// The browser's first language (`navigator.languages`), else English.
pub fn browser_locale() -> String {
    web_sys::window()
        .and_then(|window| {
            let navigator = window.navigator();
            navigator
                .languages()
                .get(0)
                .as_string()
                .or_else(|| navigator.language())
        })
        .filter(|tag| accepts_locale(tag))
        .unwrap_or_else(|| "en".into())
}

/// The locale's first day of the week: `Intl.Locale`'s week info (`getWeekInfo()` in
/// newer engines, the `weekInfo` getter in older ones), else, where a browser has none
/// (Firefox), the CLDR rule for the locale's region (its likely one when the tag names
/// none: `ar` is Egypt's); Monday when nothing is known.
pub fn first_day(tag: &str) -> Weekday {
    let Ok(locale) = IntlLocale::new(tag) else {
        return Weekday::Mon;
    };
    let info = Reflect::get(&locale, &"getWeekInfo".into())
        .ok()
        .and_then(|method| method.dyn_into::<js_sys::Function>().ok())
        .and_then(|method| method.call0(&locale).ok())
        .or_else(|| Reflect::get(&locale, &"weekInfo".into()).ok())
        .filter(JsValue::is_object);
    let first = info
        .and_then(|info| Reflect::get(&info, &"firstDay".into()).ok())
        .and_then(|day| day.as_f64());
    match first.map(|day| day as u8) {
        Some(7) => Weekday::Sun,
        Some(day @ 1..=6) => Weekday::try_from(day - 1).unwrap_or(Weekday::Mon),
        _ => locale.maximize().region().map_or(Weekday::Mon, |region| {
            crate::locale::first_day_in_region(&region)
        }),
    }
}

/// Every IANA zone the browser knows (`Intl.supportedValuesOf`); empty where a browser
/// cannot list them (any zone it knows can still be typed).
pub fn zone_names() -> Vec<String> {
    supported_values_of("timeZone")
        .map(|names| names.iter().filter_map(|name| name.as_string()).collect())
        .unwrap_or_default()
}
