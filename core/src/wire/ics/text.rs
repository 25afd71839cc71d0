//! The byte-level pass before the parser: unfolding, line ends, and the checks the
//! parser does not make.
//!
//! RFC 5545 folds lines at 75 *octets*, so a fold may split a UTF-8 character in two:
//! unfolding must happen on bytes, before decoding, or the character is lost (the parser
//! takes `&str`). The parser also accepts a file cut off in the middle as if it were
//! whole and drops a line without a colon without saying so; both are found here:
//! a cut-off feed is an error (reading it would make its missing events look free), and
//! every dropped line is reported.

use super::{ParseError, SkipReason, Skipped};

/// The feed as logical lines joined by CRLF, ready for the parser, and the lines dropped.
pub(crate) struct Unfolded {
    pub(crate) text: String,
    pub(crate) skipped: Vec<Skipped>,
}

/// Unfolds `bytes` and checks that it holds at least one complete `VCALENDAR`.
pub(crate) fn unfold(bytes: &[u8]) -> Result<Unfolded, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // (first physical line number, bytes) of each logical line.
    let mut logical: Vec<(usize, Vec<u8>)> = Vec::new();
    for (index, physical) in bytes.split(|&b| b == b'\n').enumerate() {
        let physical = physical.strip_suffix(b"\r").unwrap_or(physical);
        match (physical.split_first(), logical.last_mut()) {
            (Some((b' ' | b'\t', rest)), Some((_, line))) => line.extend_from_slice(rest),
            _ => logical.push((index + 1, physical.to_vec())),
        }
    }
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 32);
    let mut skipped = Vec::new();
    let mut open = false;
    let mut seen_calendar = false;
    for (number, line) in logical {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if !line.contains(&b':') {
            skipped.push(Skipped {
                what: format!("line {number}"),
                reason: SkipReason::BadLine,
            });
            continue;
        }
        let line = String::from_utf8_lossy(&line);
        let marker = line.trim_end();
        if marker.eq_ignore_ascii_case("BEGIN:VCALENDAR") {
            open = true;
            seen_calendar = true;
        } else if marker.eq_ignore_ascii_case("END:VCALENDAR") {
            open = false;
        }
        text.push_str(&line);
        text.push_str("\r\n");
    }
    match (seen_calendar, open) {
        (false, _) => Err(ParseError::NotICalendar),
        (true, true) => Err(ParseError::Truncated),
        (true, false) => Ok(Unfolded { text, skipped }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A fold inside a UTF-8 character joins its bytes again before decoding.
    #[test]
    fn a_fold_inside_a_utf8_character_is_joined_before_decoding() {
        let unfolded =
            unfold(b"BEGIN:VCALENDAR\r\nSUMMARY:Caf\xc3\r\n \xa9\r\nEND:VCALENDAR\r\n").unwrap();
        assert!(unfolded.text.contains("SUMMARY:Caf\u{e9}\r\n"));
    }

    // A feed cut off before END:VCALENDAR is an error, not a shorter calendar.
    #[test]
    fn a_cut_off_feed_is_an_error() {
        assert!(matches!(
            unfold(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026"),
            Err(ParseError::Truncated)
        ));
        assert!(matches!(
            unfold(b"<html>nope</html>"),
            Err(ParseError::NotICalendar)
        ));
    }
}
