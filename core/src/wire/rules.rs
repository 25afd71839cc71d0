//! A host's rules on the wire: the document the server publishes and the widget reads.
//!
//! ```json
//! {
//!   "time_zone": "Europe/London",
//!   "weekly": {
//!     "monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
//!     "tuesday": [{"start": "09:00", "end": "17:00"}],
//!     "wednesday": [], "thursday": [{"start": "09:00", "end": "17:00"}],
//!     "friday": [{"start": "09:00", "end": "13:00"}], "saturday": [], "sunday": []
//!   },
//!   "overrides": [
//!     {"date": "2026-12-24", "hours": []},
//!     {"date": "2026-12-27", "hours": [{"start": "10:00", "end": "14:00"}]}
//!   ],
//!   "notice_minutes": 240,
//!   "horizon_days": 60,
//!   "buffer_before_minutes": 0,
//!   "buffer_after_minutes": 10,
//!   "durations_minutes": [15, 30, 60],
//!   "step_minutes": 15,
//!   "max_per_day": 6,
//!   "book_over_tentative": false
//! }
//! ```
//!
//! - Times are wall-clock `HH:MM` in `time_zone` (an end may be `24:00`); dates are
//!   `YYYY-MM-DD`; every length is in minutes, the horizon in local days.
//! - Every field is optional on the way in and takes its default when missing (see
//!   [`Rules`]); `weekly` given replaces the default week whole, so a weekday it leaves
//!   out is a day off. `max_per_day` is `null` (or missing) for no limit. Unknown fields
//!   are an error, so a misspelt setting is not silently ignored.
//! - Written out, every field is present, ranges sorted, overrides sorted by date.
//!
//! [`Rules`] (de)serializes through [`RulesDocument`], which holds plain values (text and
//! numbers) with every field public: a reader without serde (the widget reads
//! `JSON.parse`d values by hand, like [`PeriodTime::from_fields`](super::cronofy::PeriodTime::from_fields))
//! fills one in and converts it with `Rules::try_from`, through the same checks.

use chrono::Weekday;
use serde::{Deserialize, Serialize};

use super::date;
use crate::rule::{Field, Numbers, Problem, RuleError, Rules, TimeRange, clock_text, day_key};

/// The weekdays in the document's order, Monday first.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The key of `day` in [`WeeklyDocument`]: `monday` … `sunday`.
pub fn weekday_key(day: Weekday) -> &'static str {
    day_key(day)
}

/// The rules document: every field of [`Rules`] as plain values.
///
/// `RulesDocument::default()` is the defaults, written out. Convert with
/// `Rules::try_from(document)` (checked) and `RulesDocument::from(&rules)`.
///
/// # Example
///
/// ```
/// use freebusy_core::rule::{Field, Rules};
/// use freebusy_core::wire::rules::{RangeDocument, RulesDocument};
///
/// let mut document = RulesDocument { time_zone: "Asia/Kolkata".into(), step_minutes: 15, ..RulesDocument::default() };
/// document.weekly.saturday = vec![RangeDocument::new("10:00", "14:00")];
/// let rules = Rules::try_from(document.clone())?;
/// assert_eq!(rules.time_zone(), "Asia/Kolkata");
///
/// document.weekly.monday.push(RangeDocument::new("16:00", "18:00"));
/// let refused = Rules::try_from(document).unwrap_err();
/// assert_eq!(refused.to_string(), "weekly.monday[1]: overlaps range 0 of the same day");
/// # Ok::<(), freebusy_core::rule::RuleError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesDocument {
    /// The home time zone's IANA name.
    pub time_zone: String,
    /// Working hours per weekday.
    pub weekly: WeeklyDocument,
    /// Other hours on given dates.
    pub overrides: Vec<OverrideDocument>,
    /// Minimum notice, minutes.
    pub notice_minutes: u32,
    /// Booking horizon, local days after today.
    pub horizon_days: u32,
    /// Free time needed before a meeting, minutes.
    pub buffer_before_minutes: u32,
    /// Free time needed after a meeting, minutes.
    pub buffer_after_minutes: u32,
    /// Meeting lengths offered, minutes.
    pub durations_minutes: Vec<u32>,
    /// Start-time step, minutes.
    pub step_minutes: u32,
    /// Most bookings starting on one local day; `None` (`null`) for no limit.
    pub max_per_day: Option<u32>,
    /// Whether tentative time may be booked.
    pub book_over_tentative: bool,
}

/// Working ranges per weekday; a missing or empty day is a day off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct WeeklyDocument {
    pub monday: Vec<RangeDocument>,
    pub tuesday: Vec<RangeDocument>,
    pub wednesday: Vec<RangeDocument>,
    pub thursday: Vec<RangeDocument>,
    pub friday: Vec<RangeDocument>,
    pub saturday: Vec<RangeDocument>,
    pub sunday: Vec<RangeDocument>,
}

impl WeeklyDocument {
    /// The ranges of `day`.
    pub fn day(&self, day: Weekday) -> &[RangeDocument] {
        match day {
            Weekday::Mon => &self.monday,
            Weekday::Tue => &self.tuesday,
            Weekday::Wed => &self.wednesday,
            Weekday::Thu => &self.thursday,
            Weekday::Fri => &self.friday,
            Weekday::Sat => &self.saturday,
            Weekday::Sun => &self.sunday,
        }
    }

    /// The ranges of `day`, to fill in.
    pub fn day_mut(&mut self, day: Weekday) -> &mut Vec<RangeDocument> {
        match day {
            Weekday::Mon => &mut self.monday,
            Weekday::Tue => &mut self.tuesday,
            Weekday::Wed => &mut self.wednesday,
            Weekday::Thu => &mut self.thursday,
            Weekday::Fri => &mut self.friday,
            Weekday::Sat => &mut self.saturday,
            Weekday::Sun => &mut self.sunday,
        }
    }
}

/// A wall-clock range, `{"start": "09:00", "end": "17:00"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeDocument {
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`, up to `24:00`.
    pub end: String,
}

impl RangeDocument {
    /// A range from two texts.
    pub fn new(start: impl Into<String>, end: impl Into<String>) -> RangeDocument {
        RangeDocument {
            start: start.into(),
            end: end.into(),
        }
    }
}

impl From<&TimeRange> for RangeDocument {
    fn from(range: &TimeRange) -> Self {
        RangeDocument::new(
            clock_text(range.start_minute()),
            clock_text(range.end_minute()),
        )
    }
}

/// Other hours on one date, `{"date": "2026-12-24", "hours": []}` (none: a day off).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideDocument {
    /// `YYYY-MM-DD`, a local date in the host's zone.
    pub date: String,
    /// The ranges that day; missing or empty for a day off.
    #[serde(default)]
    pub hours: Vec<RangeDocument>,
}

impl Default for RulesDocument {
    /// The defaults of [`Rules::default`], written out (as literals, so that a reader
    /// starting from them pulls no formatting code into the widget).
    fn default() -> Self {
        let office = || vec![RangeDocument::new("09:00", "17:00")];
        RulesDocument {
            time_zone: crate::rule::DEFAULT_TIME_ZONE.to_owned(),
            weekly: WeeklyDocument {
                monday: office(),
                tuesday: office(),
                wednesday: office(),
                thursday: office(),
                friday: office(),
                saturday: Vec::new(),
                sunday: Vec::new(),
            },
            overrides: Vec::new(),
            notice_minutes: crate::rule::DEFAULT_NOTICE_MINUTES,
            horizon_days: crate::rule::DEFAULT_HORIZON_DAYS,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            durations_minutes: vec![crate::rule::DEFAULT_DURATION_MINUTES],
            step_minutes: crate::rule::DEFAULT_STEP_MINUTES,
            max_per_day: None,
            book_over_tentative: false,
        }
    }
}

impl From<&Rules> for RulesDocument {
    fn from(rules: &Rules) -> Self {
        let ranges = |ranges: &[TimeRange]| ranges.iter().map(RangeDocument::from).collect();
        let mut weekly = WeeklyDocument::default();
        for day in WEEKDAYS {
            *weekly.day_mut(day) = ranges(rules.weekly_hours(day));
        }
        RulesDocument {
            time_zone: rules.time_zone().to_owned(),
            weekly,
            overrides: rules
                .overrides()
                .map(|(date, hours)| OverrideDocument {
                    date: date.to_string(),
                    hours: ranges(hours),
                })
                .collect(),
            notice_minutes: rules.notice_minutes(),
            horizon_days: rules.horizon_days(),
            buffer_before_minutes: rules.buffer_before_minutes(),
            buffer_after_minutes: rules.buffer_after_minutes(),
            durations_minutes: rules.durations_minutes().to_vec(),
            step_minutes: rules.step_minutes(),
            max_per_day: rules.max_per_day(),
            book_over_tentative: rules.book_over_tentative(),
        }
    }
}

impl From<Rules> for RulesDocument {
    fn from(rules: Rules) -> Self {
        RulesDocument::from(&rules)
    }
}

/// The ranges of a document list, each text checked, the error naming its position.
fn read_ranges(
    ranges: &[RangeDocument],
    field: impl Fn(usize) -> Field,
) -> Result<Vec<TimeRange>, RuleError> {
    let mut read = Vec::with_capacity(ranges.len());
    for (index, range) in ranges.iter().enumerate() {
        match TimeRange::parse(&range.start, &range.end) {
            Ok(range) => read.push(range),
            Err(problem) => {
                return Err(RuleError {
                    field: field(index),
                    problem,
                });
            }
        }
    }
    Ok(read)
}

impl TryFrom<RulesDocument> for Rules {
    type Error = RuleError;

    /// Checks the document field by field, in its order; the first problem is the error.
    fn try_from(document: RulesDocument) -> Result<Self, Self::Error> {
        let mut rules = Rules::default();
        rules.set_time_zone(&document.time_zone)?;
        for day in WEEKDAYS {
            let ranges = read_ranges(document.weekly.day(day), |range| Field::Weekly {
                day,
                range: Some(range),
            })?;
            rules.set_hours(day, &ranges)?;
        }
        for (index, entry) in document.overrides.iter().enumerate() {
            let at = |range| Field::Override { index, range };
            let date = date::parse(&entry.date).ok_or_else(|| RuleError {
                field: at(None),
                problem: Problem::NotADate(entry.date.clone()),
            })?;
            let ranges = read_ranges(&entry.hours, |range| at(Some(range)))?;
            rules
                .set_override(date, &ranges, Some(index))
                .map_err(|mut refused| {
                    // A date listed twice: name the entry that listed it first.
                    if let Problem::DuplicateDate { other } = &mut refused.problem {
                        *other = document
                            .overrides
                            .iter()
                            .position(|earlier| date::parse(&earlier.date) == Some(date))
                            .unwrap_or(0);
                    }
                    refused
                })?;
        }
        rules.set_numbers(Numbers {
            notice_minutes: document.notice_minutes,
            horizon_days: document.horizon_days,
            buffer_before_minutes: document.buffer_before_minutes,
            buffer_after_minutes: document.buffer_after_minutes,
            step_minutes: document.step_minutes,
            max_per_day: document.max_per_day,
        })?;
        rules.set_durations(&document.durations_minutes)?;
        rules.book_over_tentative = document.book_over_tentative;
        Ok(rules)
    }
}

/// Parses a rules document (strict JSON) and checks it.
///
/// # Errors
///
/// Malformed JSON, a field of the wrong type or an unknown field, or a [`RuleError`]
/// (as the message of a `serde_json` error, naming the field).
///
/// # Example
///
/// ```
/// use freebusy_core::wire::rules;
///
/// let parsed = rules::parse(r#"{"time_zone": "Europe/Berlin", "durations_minutes": [20, 40]}"#)?;
/// assert_eq!(parsed.durations_minutes(), [20, 40]);
/// assert_eq!(parsed.notice_minutes(), 240); // a default
/// let refused = rules::parse(r#"{"step_minutes": 0}"#).unwrap_err();
/// assert!(refused.to_string().contains("step_minutes: must be from 5 to 720"));
/// assert!(rules::parse(r#"{"notice_minute": 60}"#).is_err()); // misspelt
/// # Ok::<(), serde_json::Error>(())
/// ```
#[cfg(feature = "json")]
pub fn parse(body: &str) -> Result<Rules, serde_json::Error> {
    serde_json::from_str(body)
}

/// The rules as a JSON document, every field written.
///
/// # Errors
///
/// None in practice (every field serializes); the `Result` is `serde_json`'s.
#[cfg(feature = "json")]
pub fn to_json(rules: &Rules) -> Result<String, serde_json::Error> {
    serde_json::to_string(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The defaults written out are Monday to Friday, nine to five, in UTC.
    #[test]
    fn the_default_document_is_a_weekday_office_in_utc() {
        let document = RulesDocument::default();
        assert_eq!(document.time_zone, "UTC");
        assert_eq!(
            document.weekly.monday,
            [RangeDocument::new("09:00", "17:00")]
        );
        assert!(document.weekly.saturday.is_empty() && document.weekly.sunday.is_empty());
        assert_eq!(document.durations_minutes, [30]);
        assert_eq!(document, RulesDocument::from(&Rules::default()));
        assert_eq!(Rules::try_from(document), Ok(Rules::default()));
    }

    // A bad override names its entry in the document, whatever the date order.
    #[test]
    fn override_problems_name_the_entry_as_written() {
        let mut document = RulesDocument {
            overrides: vec![
                OverrideDocument {
                    date: "2026-12-31".into(),
                    hours: vec![],
                },
                OverrideDocument {
                    date: "2026-12-24".into(),
                    hours: vec![
                        RangeDocument::new("10:00", "12:00"),
                        RangeDocument::new("11:00", "13:00"),
                    ],
                },
                OverrideDocument {
                    date: "2026-12-31".into(),
                    hours: vec![],
                },
            ],
            ..RulesDocument::default()
        };
        let refused = Rules::try_from(document.clone()).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "overrides[1].hours[1]: overlaps range 0 of the same day"
        );
        document.overrides[1].hours.pop();
        let refused = Rules::try_from(document.clone()).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "overrides[2].date: the date is overridden already, by entry 0"
        );
        document.overrides[2].date = "31/12/2026".into();
        assert_eq!(
            Rules::try_from(document).unwrap_err().to_string(),
            "overrides[2].date: \"31/12/2026\" is not a date (YYYY-MM-DD)"
        );
    }
}
