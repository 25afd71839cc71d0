//! A status as it arrives on the wire: known, or kept as it was for a skip reason.

use core::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Status;

/// A period's status field as read: one of the four statuses, or anything else kept
/// verbatim.
///
/// Lenient so that one period with a status this engine does not know (a future API
/// version, a typo) is skipped with a reason instead of failing the whole response.
/// Anything that is not a string (a number, `null`) becomes `Other` with a short
/// description.
///
/// # Example
///
/// ```
/// use freebusy_core::Status;
/// use freebusy_core::wire::WireStatus;
///
/// let known: WireStatus = serde_json::from_str(r#""tentative""#).unwrap();
/// assert_eq!(known, WireStatus::Known(Status::Tentative));
/// let other: WireStatus = serde_json::from_str(r#""out_of_office""#).unwrap();
/// assert_eq!(other, WireStatus::Other("out_of_office".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum WireStatus {
    /// One of `free`, `tentative`, `unknown`, `busy`.
    Known(Status),
    /// Anything else, as it was written.
    Other(String),
}

impl WireStatus {
    /// A status as written: one of the four known names, or [`WireStatus::Other`].
    pub fn from_text(text: &str) -> WireStatus {
        match text.parse::<Status>() {
            Ok(status) => WireStatus::Known(status),
            Err(_) => WireStatus::Other(text.to_owned()),
        }
    }
}

impl From<Status> for WireStatus {
    fn from(status: Status) -> Self {
        WireStatus::Known(status)
    }
}

impl Serialize for WireStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            WireStatus::Known(status) => serializer.serialize_str(status.as_str()),
            WireStatus::Other(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for WireStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(LenientText)
            .map(|text| match text {
                Ok(text) => WireStatus::from_text(&text),
                Err(description) => WireStatus::Other(description),
            })
    }
}

/// Reads any value: `Ok(text)` for a string, `Err(description)` for anything else.
///
/// Shared by the lenient wire fields. Sequences and maps are drained so that the
/// surrounding document keeps parsing.
pub(crate) struct LenientText;

impl<'de> Visitor<'de> for LenientText {
    type Value = Result<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Ok(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Err(format!("the boolean {v}")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Err(format!("the number {v}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Err(format!("the number {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Err(format!("the number {v}")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err("null".to_owned()))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err("null".to_owned()))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(LenientText)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err("an array".to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err("an object".to_owned()))
    }
}
