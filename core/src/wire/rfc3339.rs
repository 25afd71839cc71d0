//! Instants on the wire: RFC 3339 in, UTC with `Z` out.
//!
//! Public for readers and writers of other document representations (the widget reads
//! JavaScript objects, the server writes its booking JSON); serde uses it through
//! `#[serde(with)]`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// `2018-01-22T19:00:00Z`: UTC with `Z`, whole seconds unless the instant has a fraction.
///
/// The one RFC 3339 formatter: the wire documents, the widget's `data-start` attributes
/// and the server's booking times all write instants with it.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::wire::rfc3339;
///
/// let instant = Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap();
/// assert_eq!(rfc3339::format(instant), "2026-11-24T14:00:00Z");
/// ```
pub fn format(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Any RFC 3339 time, whatever its offset, as the UTC instant it denotes.
///
/// ```
/// use freebusy_core::wire::rfc3339;
///
/// let instant = rfc3339::parse("2026-11-24T15:00:00+01:00").unwrap();
/// assert_eq!(instant.to_rfc3339(), "2026-11-24T14:00:00+00:00");
/// assert!(rfc3339::parse("2026-11-24 14:00").is_none());
/// ```
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|instant| instant.to_utc())
}

/// For `#[serde(with = "...")]`.
pub(crate) fn serialize<S: Serializer>(
    instant: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*instant))
}

/// For `#[serde(with = "...")]`.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DateTime<Utc>, D::Error> {
    let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    parse(&text)
        .ok_or_else(|| serde::de::Error::custom(format_args!("not an RFC 3339 time: {text:?}")))
}
