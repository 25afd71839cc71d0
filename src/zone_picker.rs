//! The time-zone picker: every zone the browser knows, searchable, the visitor's own
//! first, each with its current offset.
//!
//! A text input with a `<datalist>`: the browser's own search-as-you-type, keyboard and
//! screen-reader behaviour, for a few lines of code. The list is filled the first time
//! the input takes focus (about 400 zones' offsets are computed then, not at start-up).

use chrono::{DateTime, Utc};
use freebusy_core::zone::Zone;

use crate::browser_zone::BrowserZone;
use crate::grid::markup::escape_into;
use crate::grid::utc_offset;

/// The picker's entries: `(IANA name, label)`, the visitor's `own` zone first, then the
/// others by name; each label is the offset at `now` and the name with spaces for
/// underscores (so "new york" finds America/New_York). `offset` is `None` for a zone
/// the browser turns out not to know, which is left out.
pub fn entries(
    names: Vec<String>,
    own: &str,
    now: DateTime<Utc>,
    offset: impl Fn(&str, DateTime<Utc>) -> Option<i32>,
) -> Vec<(String, String)> {
    let mut names = names;
    for extra in [own, "UTC"] {
        if !names.iter().any(|name| name == extra) {
            names.push(extra.to_owned());
        }
    }
    names.sort_unstable_by(|a, b| (a != own).cmp(&(b != own)).then_with(|| a.cmp(b)));
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let seconds = offset(&name, now)?;
            let label = format!("({}) {}", utc_offset(seconds), name.replace('_', " "));
            Some((name, label))
        })
        .collect()
}

/// The `<option>`s of the picker's datalist.
pub fn options_markup(entries: &[(String, String)]) -> String {
    let mut html = String::with_capacity(entries.len() * 64);
    for (name, label) in entries {
        html.push_str(r#"<option value=""#);
        escape_into(&mut html, name);
        html.push_str(r#"" label=""#);
        escape_into(&mut html, label);
        html.push_str(r#""></option>"#);
    }
    html
}

/// The offset of the zone `name` at `now`, as the browser knows it.
pub fn browser_offset(name: &str, now: DateTime<Utc>) -> Option<i32> {
    BrowserZone::new(name)
        .ok()
        .map(|zone| zone.offset_at(now).local_minus_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn offsets(name: &str, _: DateTime<Utc>) -> Option<i32> {
        match name {
            "UTC" => Some(0),
            "Europe/Berlin" => Some(3600),
            "America/New_York" => Some(-5 * 3600),
            "Asia/Kolkata" => Some(5 * 3600 + 1800),
            _ => None,
        }
    }

    // The visitor's own zone comes first, the rest by name, each with its offset; a name
    // the browser does not know is left out and UTC is always there.
    #[test]
    fn own_zone_first_then_by_name_with_offsets() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let names = [
            "Europe/Berlin",
            "America/New_York",
            "Mars/Olympus",
            "Asia/Kolkata",
        ]
        .map(String::from)
        .to_vec();
        let entries = entries(names, "Europe/Berlin", now, offsets);
        let labels: Vec<&str> = entries.iter().map(|(_, label)| label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "(UTC+01:00) Europe/Berlin",
                "(UTC-05:00) America/New York",
                "(UTC+05:30) Asia/Kolkata",
                "(UTC+00:00) UTC"
            ]
        );
        assert_eq!(entries[1].0, "America/New_York");
        let html = options_markup(&entries);
        assert!(html.starts_with(
            r#"<option value="Europe/Berlin" label="(UTC+01:00) Europe/Berlin"></option>"#
        ));
    }

    // A browser that cannot list its zones still offers the visitor's own and UTC.
    #[test]
    fn without_a_list_the_own_zone_and_utc_remain() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let entries = entries(Vec::new(), "America/New_York", now, offsets);
        let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["America/New_York", "UTC"]);
    }
}
