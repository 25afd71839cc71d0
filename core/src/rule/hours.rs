//! Working hours as the host writes them: wall-clock ranges within a local day.

use core::fmt;

use super::Problem;

/// Minutes in a day: an end of 1440 is 24:00, the next midnight.
pub(crate) const DAY_MINUTES: u32 = 24 * 60;

/// A span of wall-clock time within one local day, `[start, end)` in minutes since
/// midnight; the end may be 24:00 (1440), the next midnight.
///
/// Wall-clock minutes, not a duration: "09:00–17:00" means the same clock times on every
/// day, so a host in London works 09:00–17:00 local on both sides of a DST change, and
/// the UTC span follows the zone (see [`Rules::working_windows`](super::Rules::working_windows)).
///
/// # Errors
///
/// [`TimeRange::new`] and [`TimeRange::parse`] return a [`Problem`]: the range is empty
/// or inverted ([`Problem::EmptyRange`]), ends after 24:00 ([`Problem::PastMidnight`]),
/// or a text is not `HH:MM` ([`Problem::NotATime`]).
///
/// # Example
///
/// ```
/// use freebusy_core::rule::{Problem, TimeRange};
///
/// let morning = TimeRange::parse("09:00", "12:30")?;
/// assert_eq!((morning.start_minute(), morning.end_minute()), (540, 750));
/// assert_eq!(morning.to_string(), "09:00-12:30");
/// assert_eq!(TimeRange::parse("22:00", "24:00")?.end_minute(), 1440);
/// assert_eq!(TimeRange::parse("17:00", "09:00"), Err(Problem::EmptyRange));
/// assert_eq!(TimeRange::parse("9am", "10:00"), Err(Problem::NotATime("9am".into())));
/// # Ok::<(), Problem>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeRange {
    start: u32,
    end: u32,
}

impl TimeRange {
    /// From `start_minute` (included) to `end_minute` (excluded), minutes since midnight.
    ///
    /// # Errors
    ///
    /// [`Problem::PastMidnight`] if `end_minute > 1440`, [`Problem::EmptyRange`] unless
    /// `start_minute < end_minute`.
    pub fn new(start_minute: u32, end_minute: u32) -> Result<TimeRange, Problem> {
        if end_minute > DAY_MINUTES {
            return Err(Problem::PastMidnight);
        }
        if start_minute >= end_minute {
            return Err(Problem::EmptyRange);
        }
        Ok(TimeRange {
            start: start_minute,
            end: end_minute,
        })
    }

    /// From two wall-clock texts, `HH:MM` each (`00:00` to `24:00`).
    ///
    /// # Errors
    ///
    /// [`Problem::NotATime`] with the text that is not `HH:MM`, then as [`TimeRange::new`].
    pub fn parse(start: &str, end: &str) -> Result<TimeRange, Problem> {
        let minute = |text: &str| parse_clock(text).ok_or_else(|| Problem::NotATime(text.into()));
        TimeRange::new(minute(start)?, minute(end)?)
    }

    /// The first minute after midnight in the range.
    pub fn start_minute(&self) -> u32 {
        self.start
    }

    /// The minute after midnight at which the range ends (1440 is 24:00).
    pub fn end_minute(&self) -> u32 {
        self.end
    }

    /// Whether `minute` (since midnight) falls in `[start, end)`.
    pub fn contains_minute(&self, minute: u32) -> bool {
        self.start <= minute && minute < self.end
    }
}

impl fmt::Display for TimeRange {
    /// `09:00-17:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", clock_text(self.start), clock_text(self.end))
    }
}

/// `HH:MM` as minutes since midnight, `00:00` to `24:00`; `None` for anything else
/// (other lengths, `9:00`, `24:30`, `12:60`).
pub(crate) fn parse_clock(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    if bytes.len() != 5 || bytes.get(2) != Some(&b':') {
        return None;
    }
    let two = |at: usize| -> Option<u32> {
        let tens = *bytes.get(at)?;
        let ones = *bytes.get(at + 1)?;
        (tens.is_ascii_digit() && ones.is_ascii_digit())
            .then(|| u32::from(tens - b'0') * 10 + u32::from(ones - b'0'))
    };
    let (hours, minutes) = (two(0)?, two(3)?);
    let minute = hours * 60 + minutes;
    (minutes < 60 && minute <= DAY_MINUTES).then_some(minute)
}

/// Minutes since midnight as `HH:MM` (1440 as `24:00`).
pub(crate) fn clock_text(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// One day's working ranges: sorted by start and never overlapping (touching is allowed).
/// Empty is a day off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct DayHours {
    ranges: Vec<TimeRange>,
}

impl DayHours {
    /// Checks that no two ranges share a minute, and sorts them.
    ///
    /// The error names a range by its position in `ranges` and the one it overlaps.
    pub(crate) fn checked(ranges: &[TimeRange]) -> Result<DayHours, (usize, Problem)> {
        // Insertion in the order written (days have a handful of ranges; a sort would be
        // another kilobyte of the widget's bundle): each range is checked against its
        // neighbours, so an overlap always names the range written later.
        let mut sorted: Vec<(TimeRange, usize)> = Vec::with_capacity(ranges.len());
        for (index, &range) in ranges.iter().enumerate() {
            let at = sorted.partition_point(|(other, _)| other.start <= range.start);
            let before = at.checked_sub(1).and_then(|i| sorted.get(i));
            let after = sorted.get(at);
            let overlapping = before
                .filter(|(other, _)| other.end > range.start)
                .or(after.filter(|(other, _)| other.start < range.end));
            if let Some(&(_, other)) = overlapping {
                return Err((index, Problem::Overlaps { other }));
            }
            sorted.insert(at, (range, index));
        }
        Ok(DayHours {
            ranges: sorted.into_iter().map(|(range, _)| range).collect(),
        })
    }

    /// Monday to Friday's default, 09:00–17:00.
    pub(crate) fn office() -> DayHours {
        DayHours {
            ranges: vec![TimeRange {
                start: 9 * 60,
                end: 17 * 60,
            }],
        }
    }

    pub(crate) fn ranges(&self) -> &[TimeRange] {
        &self.ranges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The one accepted clock shape, and the near misses.
    #[test]
    fn clock_times_are_exactly_hh_mm_from_midnight_to_24_00() {
        assert_eq!(parse_clock("00:00"), Some(0));
        assert_eq!(parse_clock("09:05"), Some(545));
        assert_eq!(parse_clock("24:00"), Some(1440));
        for text in [
            "",
            "9:00",
            "09:0",
            "09-00",
            "24:01",
            "25:00",
            "12:60",
            "+9:00",
            "09:00 ",
            "٠٩:٠٠",
        ] {
            assert_eq!(parse_clock(text), None, "{text}");
        }
        assert_eq!(clock_text(1440), "24:00");
        assert_eq!(clock_text(545), "09:05");
    }

    // Overlapping ranges are refused, naming the later-written one; touching ones are kept.
    #[test]
    fn overlapping_ranges_are_refused_and_touching_ones_kept() {
        let range = |a, b| TimeRange::new(a, b).unwrap();
        assert_eq!(
            DayHours::checked(&[range(780, 1020), range(540, 800)]),
            Err((1, Problem::Overlaps { other: 0 }))
        );
        let touching = DayHours::checked(&[range(720, 1020), range(540, 720)]).unwrap();
        assert_eq!(touching.ranges(), [range(540, 720), range(720, 1020)]);
    }
}
