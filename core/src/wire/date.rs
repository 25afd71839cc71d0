//! Calendar dates on the wire: exactly `YYYY-MM-DD`, as both APIs and the widget's
//! options write them.
//!
//! Read by hand rather than with chrono's format-string parser: that parser is several
//! kilobytes of the widget's bundle for a ten-character format.

use chrono::NaiveDate;

/// `2026-11-24` as a date; `None` for anything else (other lengths, signs, `2026-2-4`,
/// impossible dates such as `2026-02-30`).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use freebusy_core::wire::date;
///
/// assert_eq!(date::parse("2026-11-24"), NaiveDate::from_ymd_opt(2026, 11, 24));
/// assert_eq!(date::parse("2026-02-30"), None);
/// assert_eq!(date::parse("26-11-24"), None);
/// ```
pub fn parse(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0u32, |value, &byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + u32::from(byte - b'0'))
        })
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The one accepted shape, and the near misses a format-string parser would let by.
    #[test]
    fn only_four_two_two_digit_dates_are_read() {
        assert_eq!(parse("0001-01-01"), NaiveDate::from_ymd_opt(1, 1, 1));
        assert_eq!(parse("9999-12-31"), NaiveDate::from_ymd_opt(9999, 12, 31));
        assert_eq!(parse("2028-02-29"), NaiveDate::from_ymd_opt(2028, 2, 29));
        for text in [
            "",
            "2026-11-2",
            "2026-1-024",
            "+026-11-24",
            "2026/11/24",
            "2026-11-24 ",
            "2026-13-01",
            "2026-00-10",
            "2026-11-00",
            "2027-02-29",
            "２０２６-11-24",
            "2026-1a-24",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
