//! The Cronofy free/busy API: `{pages, free_busy: [...]}` responses, their period times
//! (a `Time`, a `Date`, or with `localized_times` a `{time, tzid}` object), and the 422
//! error body `{"errors": {field: [{key, description}]}}`.
//!
//! Note the API document's examples have trailing commas (`"deleted": false,`). Real
//! responses do not, and the parser here is strict JSON: it rejects them.

use std::collections::BTreeMap;

use core::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::wire_status::LenientText;
use super::{Conversion, SkipReason, Skipped, WireStatus, rfc3339};
use crate::zone::{Zone, day_start};
use crate::{Period, Status};

/// A free/busy response page.
///
/// # Example
///
/// ```
/// use chrono::Utc;
/// use freebusy_core::wire::cronofy;
///
/// let response = cronofy::parse_response(r#"{
///   "pages": {"current": 1, "total": 1},
///   "free_busy": [{
///     "calendar_id": "cal_1",
///     "start": "2026-04-24T08:00:00Z",
///     "end": "2026-04-24T08:30:00Z",
///     "free_busy_status": "busy"
///   }]
/// }"#)?;
/// let conversion = response.to_periods(&Utc);
/// assert_eq!(conversion.periods.len(), 1);
/// assert!(conversion.skipped.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeBusyResponse {
    /// Which page this is.
    pub pages: Pages,
    /// The periods on this page.
    pub free_busy: Vec<FreeBusyPeriod>,
    /// The embedded userinfo, when `include_userinfo` was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo: Option<UserInfo>,
}

impl FreeBusyResponse {
    /// Engine periods from this page; see [`to_periods`].
    pub fn to_periods<Z: Zone + ?Sized>(&self, zone: &Z) -> Conversion {
        to_periods(&self.free_busy, zone)
    }
}

/// Paging of a free/busy response.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pages {
    /// This page's number, from 1.
    pub current: u32,
    /// How many pages there are.
    pub total: u32,
    /// The URL of the next page, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<String>,
}

/// The parts of an embedded userinfo response that identify the account.
///
/// Only the identifiers are kept: the engine needs no profile data, and keeping an
/// arbitrary JSON value would tie the wire types to one JSON library.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserInfo {
    /// The account's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The kind of account (`cronofy.type`).
    #[serde(
        rename = "cronofy.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cronofy_type: Option<String>,
}

/// One free/busy period as Cronofy sends it.
///
/// `start`, `end` and `free_busy_status` are read leniently (see [`PeriodTime`] and
/// [`WireStatus`]), so that one bad period is skipped with a reason rather than failing
/// the page.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FreeBusyPeriod {
    /// The calendar the period comes from.
    pub calendar_id: String,
    /// When the period starts.
    pub start: PeriodTime,
    /// When the period ends (a `Date` end is exclusive: the day before is the last day).
    pub end: PeriodTime,
    /// `busy`, `tentative`, `free` or `unknown`.
    pub free_busy_status: WireStatus,
    /// The event's identifier, with `include_ids`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_uid: Option<String>,
    /// The caller's own id for an event it manages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Whether the event was deleted, with `include_deleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

impl FreeBusyPeriod {
    /// A period from an engine period, its times as plain UTC `Time`s.
    pub fn from_period(calendar_id: impl Into<String>, period: &Period) -> FreeBusyPeriod {
        FreeBusyPeriod {
            calendar_id: calendar_id.into(),
            start: PeriodTime::Time(period.start()),
            end: PeriodTime::Time(period.end()),
            free_busy_status: WireStatus::Known(period.status()),
            event_uid: None,
            event_id: None,
            deleted: None,
        }
    }
}

/// A period's start or end: a `Time`, a `Date`, or either with a `tzid`.
///
/// `Time`s are kept in UTC (they are instants); a localized time keeps its offset, which
/// Cronofy sets to match the `tzid`. `Date`s are local days in the zone the free/busy
/// request named; [`to_periods`] takes that zone. Anything else is kept as
/// `Unparseable` so that only its period is skipped.
///
/// # Example
///
/// ```
/// use chrono::{FixedOffset, TimeZone, Utc};
/// use freebusy_core::wire::cronofy::PeriodTime;
///
/// let paris = FixedOffset::east_opt(2 * 3600).unwrap();
/// let instant = Utc.with_ymd_and_hms(2026, 4, 24, 21, 0, 0).unwrap();
/// let localized = PeriodTime::localized(instant, &paris, "Europe/Paris");
/// assert_eq!(
///     serde_json::to_string(&localized).unwrap(),
///     r#"{"time":"2026-04-24T23:00:00+02:00","tzid":"Europe/Paris"}"#,
/// );
/// let back: PeriodTime = serde_json::from_str(r#""2026-04-24""#).unwrap();
/// assert!(matches!(back, PeriodTime::Date(_)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PeriodTime {
    /// An instant, e.g. `"2026-04-24T08:00:00Z"`.
    Time(DateTime<Utc>),
    /// A local day, e.g. `"2026-04-26"`.
    Date(NaiveDate),
    /// `{"time": "2026-04-24T23:00:00+02:00", "tzid": "Europe/Paris"}`.
    LocalizedTime {
        /// The instant, with the zone's offset at it.
        time: DateTime<FixedOffset>,
        /// The IANA zone name.
        tzid: String,
    },
    /// `{"time": "2026-04-26", "tzid": "Europe/Paris"}`.
    LocalizedDate {
        /// The local day.
        date: NaiveDate,
        /// The IANA zone name.
        tzid: String,
    },
    /// Anything else, as written (or described, for a non-string).
    Unparseable(String),
}

impl PeriodTime {
    /// A localized time: `instant` written with `zone`'s offset at it, labelled `tzid`.
    pub fn localized<Z: Zone + ?Sized>(
        instant: DateTime<Utc>,
        zone: &Z,
        tzid: impl Into<String>,
    ) -> PeriodTime {
        PeriodTime::LocalizedTime {
            time: instant.with_timezone(&zone.offset_at(instant)),
            tzid: tzid.into(),
        }
    }

    /// A period time written as text: an RFC 3339 time (any offset, kept as UTC), a
    /// date, or else [`PeriodTime::Unparseable`] holding the text.
    ///
    /// The serde form reads strings with this; so do readers of other document
    /// representations (the widget reads JavaScript objects).
    pub fn from_text(text: &str) -> PeriodTime {
        PeriodTimeVisitor::from_text(Ok(text.to_owned()))
    }

    /// A `{time, tzid}` object from its fields: each `Ok(text)` when it was a string,
    /// `Err(what it was instead)` otherwise, `None` when absent. Without a `tzid` the
    /// time is read as a plain one; without a `time` it is unparseable.
    pub fn from_fields(time: Option<Result<String, String>>, tzid: Option<String>) -> PeriodTime {
        let Some(time) = time else {
            return PeriodTime::Unparseable("an object without \"time\"".to_owned());
        };
        match time {
            Ok(text) => match (read_time_or_date(&text), tzid) {
                (Some(TimeOrDate::Time(time)), Some(tzid)) => {
                    PeriodTime::LocalizedTime { time, tzid }
                }
                (Some(TimeOrDate::Date(date)), Some(tzid)) => {
                    PeriodTime::LocalizedDate { date, tzid }
                }
                // Without a tzid it is a plain value in an object: read it as one.
                (Some(TimeOrDate::Time(time)), None) => PeriodTime::Time(time.to_utc()),
                (Some(TimeOrDate::Date(date)), None) => PeriodTime::Date(date),
                (None, _) => PeriodTime::Unparseable(text),
            },
            Err(description) => PeriodTime::Unparseable(description),
        }
    }

    /// The instant this denotes, reading dates as the start of that day in `zone`.
    ///
    /// # Errors
    ///
    /// [`SkipReason::UnparseableTime`] for `Unparseable`, [`SkipReason::OutOfRange`] for
    /// a day that cannot be placed in time.
    pub fn instant<Z: Zone + ?Sized>(&self, zone: &Z) -> Result<DateTime<Utc>, SkipReason> {
        match self {
            PeriodTime::Time(instant) => Ok(*instant),
            PeriodTime::LocalizedTime { time, .. } => Ok(time.to_utc()),
            PeriodTime::Date(date) | PeriodTime::LocalizedDate { date, .. } => {
                day_start(zone, *date).ok_or_else(|| SkipReason::OutOfRange(date.to_string()))
            }
            PeriodTime::Unparseable(text) => Err(SkipReason::UnparseableTime(text.clone())),
        }
    }
}

impl From<DateTime<Utc>> for PeriodTime {
    fn from(instant: DateTime<Utc>) -> Self {
        PeriodTime::Time(instant)
    }
}

impl From<NaiveDate> for PeriodTime {
    fn from(date: NaiveDate) -> Self {
        PeriodTime::Date(date)
    }
}

const DATE_FORMAT: &str = "%Y-%m-%d";

/// A `Time` (with any offset) or a `Date`, read from text.
enum TimeOrDate {
    Time(DateTime<FixedOffset>),
    Date(NaiveDate),
}

fn read_time_or_date(text: &str) -> Option<TimeOrDate> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(TimeOrDate::Time(time));
    }
    super::date::parse(text).map(TimeOrDate::Date)
}

impl Serialize for PeriodTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PeriodTime::Time(instant) => serializer.serialize_str(&rfc3339::format(*instant)),
            PeriodTime::Date(date) => serializer.collect_str(&date.format(DATE_FORMAT)),
            PeriodTime::LocalizedTime { time, tzid } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("time", &time.to_rfc3339_opts(SecondsFormat::AutoSi, true))?;
                map.serialize_entry("tzid", tzid)?;
                map.end()
            }
            PeriodTime::LocalizedDate { date, tzid } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("time", &date.format(DATE_FORMAT).to_string())?;
                map.serialize_entry("tzid", tzid)?;
                map.end()
            }
            PeriodTime::Unparseable(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for PeriodTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PeriodTimeVisitor)
    }
}

struct PeriodTimeVisitor;

/// A lenient `String` for the fields of a `{time, tzid}` object.
struct AnyText(Result<String, String>);

impl<'de> Deserialize<'de> for AnyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientText).map(AnyText)
    }
}

impl PeriodTimeVisitor {
    fn from_text(text: Result<String, String>) -> PeriodTime {
        match text {
            Ok(text) => match read_time_or_date(&text) {
                Some(TimeOrDate::Time(time)) => PeriodTime::Time(time.to_utc()),
                Some(TimeOrDate::Date(date)) => PeriodTime::Date(date),
                None => PeriodTime::Unparseable(text),
            },
            Err(description) => PeriodTime::Unparseable(description),
        }
    }
}

impl<'de> Visitor<'de> for PeriodTimeVisitor {
    type Value = PeriodTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a time, a date, or {time, tzid}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Self::from_text(Ok(v.to_owned())))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut time: Option<Result<String, String>> = None;
        let mut tzid: Option<String> = None;
        while let Some(key) = map.next_key::<AnyText>()? {
            match key.0.as_deref() {
                Ok("time") => time = Some(map.next_value::<AnyText>()?.0),
                Ok("tzid") => tzid = map.next_value::<AnyText>()?.0.ok(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(PeriodTime::from_fields(time, tzid))
    }

    // Everything else is not a time: keep a description, never fail the document.
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        LenientText.visit_bool(v).map(Self::from_text)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        LenientText.visit_i64(v).map(Self::from_text)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        LenientText.visit_u64(v).map(Self::from_text)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        LenientText.visit_f64(v).map(Self::from_text)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        LenientText.visit_unit().map(Self::from_text)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        LenientText.visit_none().map(Self::from_text)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(PeriodTimeVisitor)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        LenientText.visit_seq(seq).map(Self::from_text)
    }
}

/// Engine periods from Cronofy free/busy periods, with the entries that could not be
/// used.
///
/// `zone` places `Date` values: a date is the local day from its midnight (or the first
/// instant after a midnight that does not exist) to the next day's, and an end date is
/// exclusive, so `start "2026-04-26"`, `end "2026-04-27"` is the whole 26th. Pass the
/// zone named by the request's `tzid`. Times carry their own offset and need no zone.
///
/// Deleted periods are left out (they take no time); free ones are kept with
/// [`Status::Free`], which never blocks. Zero-length and inverted periods, unknown
/// statuses and unreadable times are skipped with a reason.
pub fn to_periods<Z: Zone + ?Sized>(periods: &[FreeBusyPeriod], zone: &Z) -> Conversion {
    let mut conversion = Conversion::default();
    for (index, entry) in periods.iter().enumerate() {
        if entry.deleted == Some(true) {
            continue;
        }
        match to_period(entry, zone) {
            Ok(period) => conversion.periods.push(period),
            Err(reason) => conversion.skipped.push(Skipped { index, reason }),
        }
    }
    conversion
}

fn to_period<Z: Zone + ?Sized>(entry: &FreeBusyPeriod, zone: &Z) -> Result<Period, SkipReason> {
    let start = entry.start.instant(zone)?;
    let end = entry.end.instant(zone)?;
    let status: Status = match &entry.free_busy_status {
        WireStatus::Known(status) => *status,
        WireStatus::Other(text) => return Err(SkipReason::UnknownStatus(text.clone())),
    };
    Ok(Period::new(start, end, status)?)
}

/// The 422 error body: for each invalid parameter, its errors.
///
/// # Example
///
/// ```
/// use freebusy_core::wire::cronofy::ErrorResponse;
///
/// let body = ErrorResponse::single("tzid", "errors.required", "required");
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"errors":{"tzid":[{"key":"errors.required","description":"required"}]}}"#,
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// Errors by parameter name.
    pub errors: BTreeMap<String, Vec<FieldError>>,
}

impl ErrorResponse {
    /// A body with one error for one parameter.
    pub fn single(
        field: impl Into<String>,
        key: impl Into<String>,
        description: impl Into<String>,
    ) -> ErrorResponse {
        let error = FieldError {
            key: key.into(),
            description: description.into(),
        };
        ErrorResponse {
            errors: BTreeMap::from([(field.into(), vec![error])]),
        }
    }
}

/// One error about one parameter.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldError {
    /// For programs, e.g. `errors.required`.
    pub key: String,
    /// For people, e.g. `required`.
    pub description: String,
}

/// Parses a free/busy response body (strict JSON).
///
/// # Errors
///
/// Malformed JSON (including trailing commas) or a missing required field. Unknown
/// statuses and unreadable times do not fail: see [`to_periods`].
#[cfg(feature = "json")]
pub fn parse_response(body: &str) -> Result<FreeBusyResponse, serde_json::Error> {
    serde_json::from_str(body)
}

/// Parses a 422 error body (strict JSON).
///
/// # Errors
///
/// Malformed JSON or a body of another shape.
#[cfg(feature = "json")]
pub fn parse_error(body: &str) -> Result<ErrorResponse, serde_json::Error> {
    serde_json::from_str(body)
}

/// A free/busy response body.
///
/// # Errors
///
/// None in practice (every field serializes); the `Result` is `serde_json`'s.
#[cfg(feature = "json")]
pub fn to_json(response: &FreeBusyResponse) -> Result<String, serde_json::Error> {
    serde_json::to_string(response)
}
