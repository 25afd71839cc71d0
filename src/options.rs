//! What a host page can configure, with the defaults the issue documents.
//!
//! One parser serves every way in: the custom element's attributes, the JS `mount`
//! options object (turned into the same names) and Rust users who build [`Options`]
//! themselves. A value that does not parse falls back to its default and is reported as
//! a [`Problem`], so a typo in an attribute shows a message instead of a blank box.

use chrono::{NaiveDate, Weekday};
use freebusy_core::week::VisibleHours;

use crate::messages::{Catalogue, Overrides, Text, parse_overrides};

/// The backend the demo server listens on, used by the demo page only.
pub const DEMO_BACKEND: &str = "http://127.0.0.1:3000";

/// Every attribute the custom element reads, in the order they are documented.
pub const ATTRIBUTES: [&str; 17] = [
    "backend",
    "api",
    "tokens",
    "tzid",
    "attendees",
    "week",
    "time-zone",
    "first-day",
    "hour-cycle",
    "visible-hours",
    "slot-minutes",
    "book-tentative",
    "bookings",
    "locale",
    "messages",
    "explain",
    "timeout",
];

/// The longest a request may wait for an answer before the widget gives up and offers
/// to try again, unless `timeout` says otherwise: past the server's own 10-second
/// request timeout, so a slow server's 503 arrives first.
pub const DEFAULT_TIMEOUT_SECONDS: u16 = 15;

/// How much a blocked slot tells the visitor about who blocks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Explain {
    /// Only its status ("busy"): what a public page should show, and the default.
    #[default]
    None,
    /// How many of the attendees block it ("busy (2 of 3 people)").
    Count,
    /// Each blocking attendee's email and status ("busy (alice@example.com busy)"):
    /// for pages whose visitors may know that, like a team's own.
    Attendees,
}

/// Which free/busy API the backend speaks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Api {
    /// Zonio-style: `GET {backend}/{email}?start=&end=` (unix seconds). The default.
    #[default]
    Zonio,
    /// Cronofy-style: `GET {backend}/v1/free_busy?tzid=&from=&to=` with a bearer token.
    Cronofy {
        /// One bearer token per attendee, in the attendees' order (a token reads one
        /// account's calendars).
        tokens: Vec<String>,
        /// The zone the request names, which places all-day periods. `None`: the zone
        /// the week is shown in.
        tzid: Option<String>,
    },
}

/// Where a confirmed booking goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Bookings {
    /// `POST {backend}/v1/bookings`. The default.
    #[default]
    Server,
    /// Nothing is posted: the host page handles `freebusy:slotselect` itself.
    EventOnly,
}

/// 12- or 24-hour clock labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HourCycle {
    /// `2:00 pm`.
    H12,
    /// `14:00`.
    H24,
}

/// The widget's configuration. `Options::default()` is the documented default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The backend's base URL, without a trailing slash. Default: the page's origin.
    pub backend: Option<String>,
    /// The free/busy API style. Default: [`Api::Zonio`].
    pub api: Api,
    /// The attendees' emails; a slot is free only when all of them are. Default: none.
    pub attendees: Vec<String>,
    /// A date in the week first shown. Default: today.
    pub week: Option<NaiveDate>,
    /// The IANA zone the grid is drawn in. Default: the browser's.
    pub time_zone: Option<String>,
    /// The first day of the week. Default: the locale's.
    pub first_day: Option<Weekday>,
    /// 12- or 24-hour labels. Default: the locale's.
    pub hour_cycle: Option<HourCycle>,
    /// The part of each day shown. Default: 08:00 to 18:00.
    pub visible: VisibleHours,
    /// The slot length in minutes. Default: 30.
    pub slot_minutes: u16,
    /// Whether tentative time can be booked. Default: no.
    pub book_tentative: bool,
    /// Where bookings go. Default: [`Bookings::Server`].
    pub bookings: Bookings,
    /// The visitor's language (a BCP 47 tag like `de-DE`): dates, times and the
    /// catalogue. Default: the browser's.
    pub locale: Option<String>,
    /// Wordings that replace the catalogue's, any language. Default: none.
    pub messages: Overrides,
    /// How much a blocked slot tells about who blocks it. Default: [`Explain::None`].
    pub explain: Explain,
    /// Seconds a request may wait for an answer. Default: [`DEFAULT_TIMEOUT_SECONDS`].
    pub timeout_seconds: u16,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backend: None,
            api: Api::Zonio,
            attendees: Vec::new(),
            week: None,
            time_zone: None,
            first_day: None,
            hour_cycle: None,
            visible: default_visible(),
            slot_minutes: 30,
            book_tentative: false,
            bookings: Bookings::Server,
            locale: None,
            messages: Vec::new(),
            explain: Explain::None,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
        }
    }
}

fn default_visible() -> VisibleHours {
    VisibleHours::new(8 * 60, 18 * 60).unwrap_or_default()
}

/// An attribute value that could not be used; its default was used instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The attribute's name.
    pub attribute: &'static str,
    /// The value as given.
    pub value: String,
    /// What was expected.
    pub expected: &'static str,
}

impl Problem {
    /// The problem in the visitor's language (the expected form stays as documented).
    pub fn describe(&self, messages: &Catalogue) -> String {
        messages.fill(
            Text::ProblemOption,
            &[
                ("attribute", self.attribute),
                ("value", &self.value),
                ("expected", self.expected),
            ],
        )
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}=\"{}\" is not {}; using the default",
            self.attribute, self.value, self.expected
        )
    }
}

impl Options {
    /// Options from attribute-style names ([`ATTRIBUTES`]); `attribute` returns a
    /// name's value, `None` when absent. Unusable values become [`Problem`]s.
    ///
    /// # Example
    ///
    /// ```
    /// use freebusy::options::Options;
    ///
    /// let (options, problems) = Options::from_attributes(|name| match name {
    ///     "attendees" => Some("a@example.com, b@example.com".into()),
    ///     "slot-minutes" => Some("15".into()),
    ///     _ => None,
    /// });
    /// assert_eq!(options.attendees, ["a@example.com", "b@example.com"]);
    /// assert_eq!(options.slot_minutes, 15);
    /// assert!(problems.is_empty());
    /// ```
    pub fn from_attributes(attribute: impl Fn(&str) -> Option<String>) -> (Options, Vec<Problem>) {
        // One copy in the bundle for every caller (the element, `mount`, tests).
        Options::read(&attribute)
    }

    fn read(attribute: &dyn Fn(&str) -> Option<String>) -> (Options, Vec<Problem>) {
        let mut options = Options::default();
        let mut problems = Vec::new();
        let mut problem = |attribute: &'static str, value: &str, expected: &'static str| {
            problems.push(Problem {
                attribute,
                value: value.to_owned(),
                expected,
            })
        };
        let get = |name: &str| {
            attribute(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };

        options.backend = get("backend").map(|url| url.trim_end_matches('/').to_owned());
        options.attendees = get("attendees")
            .map(|list| split_list(&list))
            .unwrap_or_default();
        match get("api").as_deref() {
            None | Some("zonio") => {}
            Some("cronofy") => {
                options.api = Api::Cronofy {
                    tokens: get("tokens")
                        .map(|list| split_list(&list))
                        .unwrap_or_default(),
                    tzid: get("tzid"),
                }
            }
            Some(other) => problem("api", other, "\"zonio\" or \"cronofy\""),
        }
        if let Some(week) = get("week") {
            match freebusy_core::wire::date::parse(&week) {
                Some(date) => options.week = Some(date),
                None => problem("week", &week, "a date like 2026-11-24"),
            }
        }
        options.time_zone = get("time-zone");
        if let Some(day) = get("first-day") {
            match day.parse::<Weekday>() {
                Ok(weekday) => options.first_day = Some(weekday),
                Err(_) => problem("first-day", &day, "a weekday like \"monday\""),
            }
        }
        if let Some(cycle) = get("hour-cycle") {
            match cycle.as_str() {
                "12" | "h12" => options.hour_cycle = Some(HourCycle::H12),
                "24" | "h23" | "h24" => options.hour_cycle = Some(HourCycle::H24),
                _ => problem("hour-cycle", &cycle, "\"12\" or \"24\""),
            }
        }
        if let Some(hours) = get("visible-hours") {
            match parse_visible_hours(&hours) {
                Some(visible) => options.visible = visible,
                None => problem("visible-hours", &hours, "a range like 08:00-18:00"),
            }
        }
        if let Some(minutes) = get("slot-minutes") {
            match minutes.parse::<u16>() {
                Ok(length @ 5..=720) => options.slot_minutes = length,
                _ => problem("slot-minutes", &minutes, "a whole number from 5 to 720"),
            }
        }
        if let Some(flag) = get("book-tentative") {
            match flag.as_str() {
                "true" | "book-tentative" | "yes" => options.book_tentative = true,
                "false" | "no" => options.book_tentative = false,
                _ => problem("book-tentative", &flag, "\"true\" or \"false\""),
            }
        } else if attribute("book-tentative").is_some() {
            // A bare boolean attribute (`<freebusy-scheduler book-tentative>`).
            options.book_tentative = true;
        }
        match get("bookings").as_deref() {
            None | Some("server") => {}
            Some("event-only") => options.bookings = Bookings::EventOnly,
            Some(other) => problem("bookings", other, "\"server\" or \"event-only\""),
        }
        options.locale = get("locale");
        if let Some(json) = get("messages") {
            match parse_overrides(&json) {
                Some((overrides, unknown)) => {
                    options.messages = overrides;
                    for key in unknown {
                        problem("messages", &key, "a message key (see the README)");
                    }
                }
                None => problem("messages", &json, "a JSON object of strings"),
            }
        }
        match get("explain").as_deref() {
            None | Some("none") => {}
            Some("count") => options.explain = Explain::Count,
            Some("attendees") => options.explain = Explain::Attendees,
            Some(other) => problem("explain", other, "\"attendees\", \"count\" or \"none\""),
        }
        if let Some(seconds) = get("timeout") {
            match seconds.parse::<u16>() {
                Ok(seconds @ 1..=300) => options.timeout_seconds = seconds,
                _ => problem(
                    "timeout",
                    &seconds,
                    "a whole number of seconds from 1 to 300",
                ),
            }
        }
        (options, problems)
    }

    /// Whether `backend` can be fetched from: an `http://` or `https://` address with a
    /// host, or a path on the page's own origin (`/api`). Anything else would send every
    /// request somewhere nobody meant and end in "no calendar found".
    pub fn usable_backend(backend: &str) -> bool {
        if backend.starts_with('/') && !backend.starts_with("//") {
            return !backend.contains(char::is_whitespace);
        }
        let rest = backend
            .strip_prefix("https://")
            .or_else(|| backend.strip_prefix("http://"));
        rest.is_some_and(|rest| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty()
                && !host.starts_with(':')
                && !rest.contains(|c: char| c.is_whitespace() || c.is_control())
        })
    }

    /// The bearer token for the attendee at `index`, in Cronofy mode.
    pub fn token_for(&self, index: usize) -> Option<&str> {
        match &self.api {
            Api::Cronofy { tokens, .. } => tokens.get(index).map(String::as_str),
            Api::Zonio => None,
        }
    }
}

/// A comma-separated list, trimmed, without empty entries.
fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `HH:MM-HH:MM`, where the end may be `24:00`.
fn parse_visible_hours(text: &str) -> Option<VisibleHours> {
    let (start, end) = text.split_once('-')?;
    VisibleHours::new(minute_of_day(start)?, minute_of_day(end)?).ok()
}

fn minute_of_day(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    (hours <= 24 && minutes < 60).then_some(hours * 60 + minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> (Options, Vec<Problem>) {
        Options::from_attributes(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    // No attributes at all gives exactly the documented defaults.
    #[test]
    fn no_attributes_give_the_documented_defaults() {
        let (options, problems) = parse(&[]);
        assert_eq!(options, Options::default());
        assert_eq!(options.visible.start_minute(), 8 * 60);
        assert_eq!(options.visible.end_minute(), 18 * 60);
        assert_eq!(options.slot_minutes, 30);
        assert!(!options.book_tentative);
        assert_eq!(options.bookings, Bookings::Server);
        assert_eq!(options.api, Api::Zonio);
        assert!(problems.is_empty());
    }

    // Every attribute maps to its option.
    #[test]
    fn every_attribute_maps_to_its_option() {
        let (options, problems) = parse(&[
            ("backend", "https://cal.example.com/"),
            ("api", "cronofy"),
            ("tokens", "t1, t2"),
            ("tzid", "Europe/Paris"),
            ("attendees", "a@example.com,,b@example.com "),
            ("week", "2026-11-24"),
            ("time-zone", "America/New_York"),
            ("first-day", "sunday"),
            ("hour-cycle", "12"),
            ("visible-hours", "07:30-24:00"),
            ("slot-minutes", "15"),
            ("book-tentative", "true"),
            ("bookings", "event-only"),
            ("locale", "de-DE"),
            ("messages", r#"{"week.next": "Weiter"}"#),
            ("explain", "count"),
            ("timeout", "40"),
        ]);
        assert_eq!(options.explain, Explain::Count);
        assert_eq!(options.timeout_seconds, 40);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(options.locale.as_deref(), Some("de-DE"));
        assert_eq!(options.messages, [(Text::WeekNext, "Weiter".to_owned())]);
        assert_eq!(options.backend.as_deref(), Some("https://cal.example.com"));
        assert_eq!(
            options.api,
            Api::Cronofy {
                tokens: vec!["t1".into(), "t2".into()],
                tzid: Some("Europe/Paris".into())
            }
        );
        assert_eq!(options.token_for(1), Some("t2"));
        assert_eq!(options.attendees, ["a@example.com", "b@example.com"]);
        assert_eq!(options.week, NaiveDate::from_ymd_opt(2026, 11, 24));
        assert_eq!(options.time_zone.as_deref(), Some("America/New_York"));
        assert_eq!(options.first_day, Some(Weekday::Sun));
        assert_eq!(options.hour_cycle, Some(HourCycle::H12));
        assert_eq!(options.visible.start_minute(), 7 * 60 + 30);
        assert_eq!(options.visible.end_minute(), 24 * 60);
        assert_eq!(options.slot_minutes, 15);
        assert!(options.book_tentative);
        assert_eq!(options.bookings, Bookings::EventOnly);
    }

    // A bad value keeps the default and says which attribute was wrong.
    #[test]
    fn a_bad_value_keeps_the_default_and_is_reported() {
        let (options, problems) = parse(&[
            ("slot-minutes", "0"),
            ("visible-hours", "18:00-08:00"),
            ("api", "caldav"),
        ]);
        assert_eq!(options.slot_minutes, 30);
        assert_eq!(options.visible, default_visible());
        assert_eq!(options.api, Api::Zonio);
        let named: Vec<&str> = problems.iter().map(|p| p.attribute).collect();
        assert_eq!(named, ["api", "visible-hours", "slot-minutes"]);
        assert!(problems[0].to_string().contains("api=\"caldav\""));
    }

    // Messages that are not an object of strings, or name unknown keys, are reported;
    // the known keys still apply.
    #[test]
    fn bad_messages_are_reported_and_known_keys_kept() {
        let (options, problems) =
            parse(&[("messages", r#"{"week.nxt": "x", "week.today": "Jetzt"}"#)]);
        assert_eq!(options.messages, [(Text::WeekToday, "Jetzt".to_owned())]);
        assert_eq!(problems[0].value, "week.nxt");
        let (options, problems) = parse(&[("messages", "week.next=Later")]);
        assert!(options.messages.is_empty());
        assert_eq!(
            problems[0].describe(&Catalogue::default()),
            "messages=\"week.next=Later\" is not a JSON object of strings; using the default"
        );
    }

    // A backend is an http(s) address with a host, or a path on the page's origin.
    #[test]
    fn a_backend_must_be_a_web_address_or_a_path() {
        for good in [
            "https://cal.example.com",
            "http://127.0.0.1:3000",
            "https://cal.example.com/api",
            "/api",
        ] {
            assert!(Options::usable_backend(good), "{good}");
        }
        for bad in [
            "not a url",
            "cal.example.com",
            "ftp://cal.example.com",
            "https://",
            "https://:80",
            "//cal.example.com",
            "https://cal example.com",
        ] {
            assert!(!Options::usable_backend(bad), "{bad}");
        }
    }

    // The privacy default tells only the status; a bad timeout keeps the default.
    #[test]
    fn explain_defaults_to_nothing_and_a_bad_timeout_is_reported() {
        let (options, problems) = parse(&[("timeout", "0"), ("explain", "everything")]);
        assert_eq!(options.explain, Explain::None);
        assert_eq!(options.timeout_seconds, DEFAULT_TIMEOUT_SECONDS);
        let named: Vec<&str> = problems.iter().map(|p| p.attribute).collect();
        assert_eq!(named, ["explain", "timeout"]);
    }

    // A bare boolean attribute switches tentative booking on.
    #[test]
    fn a_bare_book_tentative_attribute_means_yes() {
        let (options, _) = parse(&[("book-tentative", "")]);
        assert!(options.book_tentative);
    }
}
