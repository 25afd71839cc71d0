//! The week grid as data: what each cell shows and says, and how the keyboard moves.
//!
//! Pure (no DOM, no signals), so it is tested natively; the widget's state
//! ([`crate::state`]) builds a [`Grid`] and [`markup()`] turns it into HTML.
//!
//! Rows are local times of day and columns are days. The engine's slots are placed by
//! their local start time, so a DST week is drawn as the wall clock runs: a time skipped
//! by a spring-forward transition is an empty cell on that day, and a time repeated by a
//! fall-back transition gets a second row ("again") filled only on that day.
//!
//! Words come from the message catalogue and dates and times from [`Labels`] (the
//! browser's `Intl` in the widget), so the grid speaks the visitor's language.

pub mod keys;
pub mod markup;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use freebusy_core::rule::{Openings, SlotOffer, Unavailable};
use freebusy_core::week::Week;
use freebusy_core::zone::{Zone, local_time_at};
use freebusy_core::{GroupAvailability, SlotStatus, Status};

use crate::messages::{Catalogue, Text};
use crate::options::Explain;

pub use keys::Step;
pub use markup::{markup, skeleton_markup};

/// Dates and times in the visitor's language and the shown zone.
///
/// The widget answers with `Intl.DateTimeFormat` ([`crate::intl::IntlLabels`]); tests
/// with plain English.
pub trait Labels {
    /// The wall-clock time of `instant` in the shown zone, e.g. "14:00" or "2:00 PM".
    fn time(&self, instant: DateTime<Utc>) -> String;
    /// From `start` to `end` on one clock, e.g. "14:00–15:30".
    fn time_range(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> String;
    /// A date as a column heading ("Tue 24 Nov") or in full ("Tuesday 24 November").
    fn day(&self, date: NaiveDate, long: bool) -> String;
    /// A date in two short parts for a narrow button: the weekday and the day of the
    /// month ("Tue", "24").
    fn day_parts(&self, date: NaiveDate) -> (String, String);
    /// The seven days from `first` to `last`, e.g. "23–29 November 2026".
    fn week(&self, first: NaiveDate, last: NaiveDate) -> String;
}

/// What a cell shows: a slot's availability, that it is past, or that the hosts' rules
/// do not offer it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellStatus {
    /// Starts before now.
    Past,
    /// Free for every attendee.
    Free,
    /// Someone is tentative, nobody worse.
    Tentative,
    /// Someone's calendar could not be read.
    Unknown,
    /// Someone is busy.
    Busy,
    /// Free or not, the hosts' rules (working hours, notice, horizon) do not offer it:
    /// greyed, never bookable, and not announced as busy.
    Unavailable,
}

impl CellStatus {
    /// The `data-status` value.
    pub fn as_str(self) -> &'static str {
        match self {
            CellStatus::Past => "past",
            CellStatus::Free => "free",
            CellStatus::Tentative => "tentative",
            CellStatus::Unknown => "unknown",
            CellStatus::Busy => "busy",
            CellStatus::Unavailable => "unavailable",
        }
    }

    /// The word for it in the visitor's language.
    pub fn text(self) -> Text {
        match self {
            CellStatus::Past => Text::StatusPast,
            CellStatus::Free => Text::StatusFree,
            CellStatus::Tentative => Text::StatusTentative,
            CellStatus::Unknown => Text::StatusUnknown,
            CellStatus::Busy => Text::StatusBusy,
            CellStatus::Unavailable => Text::StatusUnavailable,
        }
    }

    /// Whether it is drawn as blocked time: consecutive blocked cells of one status form
    /// one block.
    pub fn blocked(self) -> bool {
        matches!(
            self,
            CellStatus::Tentative
                | CellStatus::Unknown
                | CellStatus::Busy
                | CellStatus::Unavailable
        )
    }
}

impl From<SlotStatus> for CellStatus {
    fn from(status: SlotStatus) -> Self {
        match status {
            SlotStatus::Past => CellStatus::Past,
            SlotStatus::Free => CellStatus::Free,
            SlotStatus::Tentative => CellStatus::Tentative,
            SlotStatus::Unknown => CellStatus::Unknown,
            SlotStatus::Busy => CellStatus::Busy,
        }
    }
}

/// One attendee who blocks a slot, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotBlocker {
    /// The attendee's email.
    pub attendee: String,
    /// Their status over the slot (never free).
    pub status: Status,
}

/// Where a cell lies in a run of consecutive blocked cells of one status in its column,
/// which the grid draws as one block with its time range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Not in a run of two or more (a free or past cell, or a lone blocked one).
    Alone,
    /// The run's first cell, which carries the block's label.
    Start {
        /// The run's span, e.g. "09:00–10:30".
        range: String,
    },
    /// Inside the run.
    Middle,
    /// The run's last cell.
    End,
}

/// One slot of the grid, ready to render.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The first instant of the slot.
    pub start: DateTime<Utc>,
    /// The first instant after the slot.
    pub end: DateTime<Utc>,
    /// What it shows (the `data-status` attribute).
    pub status: CellStatus,
    /// Whether choosing it opens the confirm step.
    pub bookable: bool,
    /// With the hosts' rules: the starts of the meetings offered in it, the first of
    /// which its label and name give (empty when not bookable; without rules a booking
    /// starts with the slot).
    pub starts: Vec<DateTime<Utc>>,
    /// The label drawn in the cell: the start time.
    pub time_label: String,
    /// When it is, e.g. "Tuesday 24 November, 14:00 to 14:30" (the confirm step's title).
    pub when: String,
    /// The accessible name, e.g. "Tuesday 24 November, 14:00 to 14:30, free".
    pub name: String,
    /// Who blocks it and how; empty for free and past slots.
    pub blockers: Vec<SlotBlocker>,
    /// What the visitor is told about who blocks it (its accessible name's and tooltip's
    /// part in parentheses), as much as [`Explain`] allows; `None` when nothing is.
    pub explanation: Option<String>,
    /// Where "now" falls inside the slot, in thousandths of it, when it does (whole
    /// numbers: formatting floats would cost the bundle kilobytes).
    pub now_at: Option<u16>,
    /// Its place in a block of blocked time.
    pub block: Block,
}

/// A column heading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayHeading {
    /// The local date.
    pub date: NaiveDate,
    /// "Tue 24 Nov".
    pub short: String,
    /// "Tuesday 24 November".
    pub long: String,
}

/// A day of the phone layout's day strip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayTab {
    /// "Tue".
    pub weekday: String,
    /// "24".
    pub number: String,
    /// "Tuesday 24 November".
    pub long: String,
    /// Whether it is the day shown.
    pub selected: bool,
}

/// A row: one local time of day, with a cell (or none) per day.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The row heading, e.g. "14:00", or "01:00 again" for a repeated hour.
    pub label: String,
    /// One entry per day; `None` where that day has no slot at this time.
    pub cells: Vec<Option<Cell>>,
}

/// The laid-out week, ready to render.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Grid {
    /// The seven column headings.
    pub days: Vec<DayHeading>,
    /// The rows, earliest local time first.
    pub rows: Vec<Row>,
}

/// What the grid needs besides the week: availability, the clock and presentation.
pub struct GridInput<'a> {
    /// The laid-out week.
    pub week: &'a Week,
    /// The zone the week was laid out in.
    pub zone: &'a dyn Zone,
    /// Dates and times in the visitor's language, in that zone.
    pub labels: &'a dyn Labels,
    /// The visitor's texts.
    pub messages: &'a Catalogue,
    /// The attendees' combined availability.
    pub group: &'a GroupAvailability,
    /// The attendees' emails, in the order the group was combined.
    pub attendees: &'a [String],
    /// The current instant.
    pub now: DateTime<Utc>,
    /// Whether tentative slots are bookable.
    pub book_tentative: bool,
    /// What the hosts' rules offer for the meeting length chosen; `None` when there are
    /// no rules (every free slot is offered, booked as the slot).
    pub offer: Option<&'a Offer>,
    /// How much a blocked slot tells about who blocks it.
    pub explain: Explain,
}

/// What the hosts' rules offer in the week, for one meeting length: the engine's
/// [`bookable`](freebusy_core::rule::bookable) meetings and
/// [`unavailable`](freebusy_core::rule::unavailable) time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offer {
    /// The meetings that can be booked, sorted by start.
    pub openings: Openings,
    /// The time the rules close (outside working hours, notice, horizon).
    pub unavailable: Unavailable,
    /// The meeting length, in minutes.
    pub minutes: u32,
}

/// A position in the grid: row and day column.
pub type Position = (usize, usize);

impl Grid {
    /// Lays out `input.week` as rows of local times and columns of days.
    pub fn build(input: &GridInput<'_>) -> Grid {
        let messages = input.messages;
        let days: Vec<DayHeading> = input
            .week
            .days()
            .iter()
            .map(|day| DayHeading {
                date: day.date(),
                short: input.labels.day(day.date(), false),
                long: input.labels.day(day.date(), true),
            })
            .collect();
        // Row keys: (local time, occurrence), with the start of one slot at that time for
        // its label; a repeated local time gets two rows.
        let mut keys: Vec<((NaiveTime, usize), DateTime<Utc>)> = Vec::new();
        let mut placed: Vec<Vec<((NaiveTime, usize), Cell)>> = Vec::new();
        for (column, day) in input.week.days().iter().enumerate() {
            let transition_day = day
                .slots()
                .windows(2)
                .any(|pair| pair.first().map(|s| s.offset()) != pair.get(1).map(|s| s.offset()));
            let day_name = days
                .get(column)
                .map(|d| d.long.as_str())
                .unwrap_or_default();
            let mut cells = Vec::new();
            let mut seen: Vec<NaiveTime> = Vec::new();
            for slot in day.slots() {
                let time = slot.local().time();
                let occurrence = seen.iter().filter(|&&t| t == time).count();
                seen.push(time);
                let key = (time, occurrence);
                if !keys.iter().any(|(known, _)| *known == key) {
                    keys.push((key, slot.start()));
                }
                let (assessed, status, starts) = offered(input, slot);
                let (bookable, meeting_end) = match input.offer {
                    Some(offer) => (
                        !starts.is_empty(),
                        starts.first().and_then(|start| {
                            start.checked_add_signed(TimeDelta::minutes(i64::from(offer.minutes)))
                        }),
                    ),
                    None => (
                        status == CellStatus::Free
                            || (status == CellStatus::Tentative && input.book_tentative),
                        None,
                    ),
                };
                // The rules' unavailable time keeps the calendars' reasons to itself, and
                // a free cell is named by the meeting it offers, which nothing blocks
                // (busy time before its start is not that meeting's).
                let blockers: Vec<SlotBlocker> = assessed
                    .blockers
                    .iter()
                    .filter(|_| !matches!(status, CellStatus::Unavailable | CellStatus::Free))
                    .map(|blocker| SlotBlocker {
                        attendee: input
                            .attendees
                            .get(blocker.attendee)
                            .cloned()
                            .unwrap_or_else(|| format!("{}", blocker.attendee + 1)),
                        status: blocker.status,
                    })
                    .collect();
                // A cell offering a meeting is named by it: its first start and its end.
                let (start, end) = match (starts.first(), meeting_end) {
                    (Some(&start), Some(end)) => (start, end),
                    _ => (slot.start(), slot.end()),
                };
                let time_label = input.labels.time(start);
                let start_label = if transition_day {
                    format!(
                        "{time_label} ({})",
                        utc_offset(slot.offset().local_minus_utc())
                    )
                } else {
                    time_label.clone()
                };
                let when = messages.fill(
                    Text::SlotWhen,
                    &[
                        ("day", day_name),
                        ("start", &start_label),
                        ("end", &input.labels.time(end)),
                    ],
                );
                let status_word = messages.get(status.text());
                let explanation =
                    explanation(&blockers, input.attendees.len(), input.explain, messages);
                let name = slot_name(messages, &when, status_word, explanation.as_deref());
                let now_at = (slot.start() <= input.now && input.now < slot.end()).then(|| {
                    let into = (input.now - slot.start()).num_seconds().max(0);
                    let length = (slot.end() - slot.start()).num_seconds().max(1);
                    u16::try_from(into * 1000 / length).unwrap_or(999)
                });
                cells.push((
                    key,
                    Cell {
                        start: slot.start(),
                        end: slot.end(),
                        status,
                        bookable,
                        starts,
                        time_label,
                        when,
                        name,
                        blockers,
                        explanation,
                        now_at,
                        block: Block::Alone,
                    },
                ));
            }
            placed.push(cells);
        }
        keys.sort_unstable_by_key(|(key, _)| *key);
        let rows = keys
            .iter()
            .map(|(key, start)| {
                let time = input.labels.time(*start);
                Row {
                    label: if key.1 == 0 {
                        time
                    } else {
                        messages.fill(Text::GridAgain, &[("time", &time)])
                    },
                    cells: placed
                        .iter()
                        .map(|cells| {
                            cells
                                .iter()
                                .find(|(k, _)| k == key)
                                .map(|(_, cell)| cell.clone())
                        })
                        .collect(),
                }
            })
            .collect();
        let mut grid = Grid { days, rows };
        grid.mark_blocks(input.labels, messages);
        grid
    }

    /// Marks each column's runs of two or more consecutive blocked cells of one status
    /// (no empty position between them) as blocks, the first carrying the run's span.
    /// The first cell's name says the span beside the status, as its drawn mark does
    /// ("busy 09:00–10:30"): a name must hold the visible text (WCAG 2.5.3).
    fn mark_blocks(&mut self, labels: &dyn Labels, messages: &Catalogue) {
        for column in 0..self.days.len() {
            let mut row = 0;
            while row < self.rows.len() {
                let Some(status) = self
                    .cell((row, column))
                    .map(|cell| cell.status)
                    .filter(|status| status.blocked())
                else {
                    row += 1;
                    continue;
                };
                let mut last = row;
                while self
                    .cell((last + 1, column))
                    .is_some_and(|cell| cell.status == status)
                {
                    last += 1;
                }
                if last > row {
                    let start = self.cell((row, column)).map(|cell| cell.start);
                    let end = self.cell((last, column)).map(|cell| cell.end);
                    let range = match (start, end) {
                        (Some(start), Some(end)) => labels.time_range(start, end),
                        _ => String::new(),
                    };
                    for (index, at) in (row..=last).enumerate() {
                        if let Some(cell) = self.cell_mut((at, column)) {
                            if index == 0 {
                                let status = format!("{} {range}", messages.get(status.text()));
                                cell.name = slot_name(
                                    messages,
                                    &cell.when,
                                    &status,
                                    cell.explanation.as_deref(),
                                );
                            }
                            cell.block = if index == 0 {
                                Block::Start {
                                    range: range.clone(),
                                }
                            } else if at == last {
                                Block::End
                            } else {
                                Block::Middle
                            };
                        }
                    }
                }
                row = last + 1;
            }
        }
    }

    /// The cell at `position`, if there is one.
    pub fn cell(&self, (row, column): Position) -> Option<&Cell> {
        self.rows.get(row)?.cells.get(column)?.as_ref()
    }

    fn cell_mut(&mut self, (row, column): Position) -> Option<&mut Cell> {
        self.rows.get_mut(row)?.cells.get_mut(column)?.as_mut()
    }

    /// Every position that holds a cell, row by row.
    pub fn positions(&self) -> impl Iterator<Item = Position> + '_ {
        self.rows.iter().enumerate().flat_map(|(row, cells)| {
            cells
                .cells
                .iter()
                .enumerate()
                .filter(|(_, cell)| cell.is_some())
                .map(move |(column, _)| (row, column))
        })
    }

    /// Every cell, row by row.
    pub fn cells(&self) -> impl Iterator<Item = &Cell> + '_ {
        self.rows
            .iter()
            .flat_map(|row| row.cells.iter().filter_map(Option::as_ref))
    }

    /// Where focus starts within `columns`: the first bookable cell, else the first cell.
    pub fn first_focus(&self, columns: std::ops::Range<usize>) -> Option<Position> {
        let inside = |position: &Position| columns.contains(&position.1);
        self.positions()
            .filter(inside)
            .find(|&position| self.cell(position).is_some_and(|cell| cell.bookable))
            .or_else(|| self.positions().find(inside))
    }

    /// The position holding the slot that starts at `start`.
    pub fn find(&self, start: DateTime<Utc>) -> Option<Position> {
        self.positions()
            .find(|&position| self.cell(position).is_some_and(|cell| cell.start == start))
    }

    /// Where `step` from `from` lands: the nearest cell in that direction, skipping
    /// empty positions; `from` itself when there is none.
    pub fn step(&self, from: Position, step: Step) -> Position {
        let (row, column) = from;
        let filled = |position: &Position| self.cell(*position).is_some();
        let rows = self.rows.len();
        let columns = self.days.len();
        let found = match step {
            Step::Up => (0..row).rev().map(|r| (r, column)).find(filled),
            Step::Down => (row + 1..rows).map(|r| (r, column)).find(filled),
            Step::Previous => (0..column).rev().map(|c| (row, c)).find(filled),
            Step::Next => (column + 1..columns).map(|c| (row, c)).find(filled),
            Step::RowStart => (0..columns).map(|c| (row, c)).find(filled),
            Step::RowEnd => (0..columns).rev().map(|c| (row, c)).find(filled),
            Step::GridStart => self.positions().next(),
            Step::GridEnd => self.positions().last(),
        };
        found.unwrap_or(from)
    }
}

/// What `slot` shows and offers: the calendars' verdict, its status, and the starts of
/// the meetings the rules offer in it.
///
/// Without rules, the calendars' status. With them ([`SlotOffer::assess`]): past; else
/// unavailable where the rules close all of it; else free (tentative, if the calendars
/// say so) where a meeting of the chosen length starts in it; else the calendars'
/// status, where free becomes unavailable (no meeting of that length can start there,
/// which a free, unclickable cell would not tell).
fn offered(
    input: &GridInput<'_>,
    slot: &freebusy_core::Slot,
) -> (
    freebusy_core::SlotAvailability,
    CellStatus,
    Vec<DateTime<Utc>>,
) {
    let Some(offer) = input.offer else {
        let assessed = slot.assess(input.group, input.now);
        let status = CellStatus::from(assessed.status);
        return (assessed, status, Vec::new());
    };
    let rule = SlotOffer::assess(
        slot,
        input.group,
        &offer.openings,
        &offer.unavailable,
        input.now,
    );
    let calendars = CellStatus::from(rule.availability.status);
    let starts: Vec<DateTime<Utc>> = rule
        .openings
        .iter()
        .map(|meeting| meeting.start())
        .collect();
    let status = match calendars {
        CellStatus::Past => CellStatus::Past,
        _ if rule.unavailable => CellStatus::Unavailable,
        CellStatus::Tentative => CellStatus::Tentative,
        _ if !starts.is_empty() => CellStatus::Free,
        CellStatus::Free => CellStatus::Unavailable,
        other => other,
    };
    (rule.availability, status, starts)
}

/// Sorts `items` (stably) where `after(a, b)` says `a` belongs after `b`: an insertion
/// sort, linear on input that is (nearly) in order already, as the grid's rows and the
/// zone list are. A general sort is kilobytes of the bundle per type it sorts.
pub fn sort_nearly_sorted<T>(items: &mut [T], after: impl Fn(&T, &T) -> bool) {
    for sorted in 1..items.len() {
        let mut at = sorted;
        while at > 0
            && let (Some(before), Some(this)) = (items.get(at - 1), items.get(at))
            && after(before, this)
        {
            items.swap(at - 1, at);
            at -= 1;
        }
    }
}

/// A slot's accessible name: when it is and its status, with what the visitor may learn
/// of who blocks it.
fn slot_name(messages: &Catalogue, when: &str, status: &str, explanation: Option<&str>) -> String {
    match explanation {
        None => messages.fill(Text::SlotName, &[("when", when), ("status", status)]),
        Some(blockers) => messages.fill(
            Text::SlotBlocked,
            &[("when", when), ("status", status), ("blockers", blockers)],
        ),
    }
}

/// What a visitor is told about who blocks a slot: nothing (the default, for public
/// pages), "2 of 3 people", or each attendee with their status.
fn explanation(
    blockers: &[SlotBlocker],
    attendees: usize,
    explain: Explain,
    messages: &Catalogue,
) -> Option<String> {
    if blockers.is_empty() {
        return None;
    }
    match explain {
        Explain::None => None,
        Explain::Count => Some(messages.fill(
            Text::SlotCount,
            &[
                ("count", &blockers.len().to_string()),
                ("total", &attendees.max(blockers.len()).to_string()),
            ],
        )),
        Explain::Attendees => Some(blocker_text(blockers, messages)),
    }
}

/// "alice@example.com busy, bob@example.com tentative", in the visitor's language.
pub fn blocker_text(blockers: &[SlotBlocker], messages: &Catalogue) -> String {
    blockers
        .iter()
        .map(|blocker| {
            messages.fill(
                Text::SlotBlocker,
                &[
                    ("attendee", &blocker.attendee),
                    (
                        "status",
                        messages.get(CellStatus::from(SlotStatus::from(blocker.status)).text()),
                    ),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join(messages.get(Text::ListSeparator))
}

/// "UTC-05:00" style, with an ASCII minus for screen readers' sake.
pub fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// When `[start, end)` is in `zone`, for the confirm step: "Tuesday 24 November, 14:00
/// to 14:30" in `labels`' language.
pub fn when(
    zone: &dyn Zone,
    labels: &dyn Labels,
    messages: &Catalogue,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> String {
    let day = local_time_at(zone, start)
        .map(|local| labels.day(local.date(), true))
        .unwrap_or_default();
    messages.fill(
        Text::SlotWhen,
        &[
            ("day", &day),
            ("start", &labels.time(start)),
            ("end", &labels.time(end)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{PlainLabels, at, monday_23};
    use chrono::{FixedOffset, TimeZone};
    use freebusy_core::rule::{Host, Rules, TimeRange, bookable, unavailable};
    use freebusy_core::week::{VisibleHours, WeekSpec};
    use freebusy_core::{Availability, Period, Window};

    fn week(first: NaiveDate, zone: &dyn Zone, from: u16, to: u16) -> Week {
        let spec = WeekSpec {
            first_day: first,
            visible: VisibleHours::new(from, to).unwrap(),
            slot_minutes: 30,
        };
        Week::layout(&spec, zone).unwrap()
    }

    struct Setup<'a> {
        zone: &'a dyn Zone,
        group: GroupAvailability,
        attendees: Vec<String>,
        now: DateTime<Utc>,
        book_tentative: bool,
        offer: Option<Offer>,
        messages: Catalogue,
        explain: Explain,
    }

    impl<'a> Setup<'a> {
        fn new(zone: &'a dyn Zone) -> Setup<'a> {
            Setup {
                zone,
                group: GroupAvailability::default(),
                attendees: vec!["alice@example.com".into(), "bob@example.com".into()],
                now: at(1, 0, 0),
                book_tentative: false,
                offer: None,
                messages: Catalogue::default(),
                explain: Explain::Attendees,
            }
        }

        fn grid(&self, week: &Week) -> Grid {
            let labels = PlainLabels(self.zone);
            Grid::build(&GridInput {
                week,
                zone: self.zone,
                labels: &labels,
                messages: &self.messages,
                group: &self.group,
                attendees: &self.attendees,
                now: self.now,
                book_tentative: self.book_tentative,
                offer: self.offer.as_ref(),
                explain: self.explain,
            })
        }

        /// What one host with `rules` (in UTC) and `calendar` offers on 23–25 November
        /// for meetings of `minutes`.
        fn offer(&mut self, rules: &Rules, calendar: &Availability, minutes: u32) {
            let host = [Host::new(rules, &Utc, calendar)];
            let days = Window::new(at(23, 0, 0), at(26, 0, 0)).unwrap();
            self.group = GroupAvailability::from(calendar);
            self.offer = Some(Offer {
                openings: bookable(&host, minutes, self.now, days),
                unavailable: unavailable(&host, self.now, days),
                minutes,
            });
        }
    }

    /// Rules of a host working 14:30–15:30 on Tuesdays (and not on Mondays), any
    /// notice.
    fn tuesday_afternoon(step: u32, durations: &[u32]) -> Rules {
        Rules::default()
            .with_notice_minutes(0)
            .and_then(|rules| rules.with_hours(chrono::Weekday::Mon, &[]))
            .and_then(|rules| rules.with_step_minutes(step))
            .and_then(|rules| rules.with_durations_minutes(durations))
            .and_then(|rules| {
                rules.with_hours(
                    chrono::Weekday::Tue,
                    &[TimeRange::parse("14:30", "15:30").unwrap()],
                )
            })
            .unwrap()
    }

    fn busy(from: DateTime<Utc>, to: DateTime<Utc>, status: Status) -> Availability {
        Availability::merge([Period::new(from, to, status).unwrap()])
    }

    // Every slot carries an accessible name with the day, both times and the status.
    #[test]
    fn a_free_slot_is_named_by_day_times_and_status() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let grid = Setup::new(&Utc).grid(&week);
        let tuesday_two = grid.cell((0, 1)).unwrap();
        assert_eq!(
            tuesday_two.name,
            "Tuesday 24 November, 14:00 to 14:30, free"
        );
        assert!(tuesday_two.bookable);
        assert_eq!(grid.days[1].short, "Tue 24 Nov");
    }

    // A blocked slot says who blocks it and how, and nothing else.
    #[test]
    fn a_blocked_slot_names_its_blockers_and_their_statuses() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let mut setup = Setup::new(&Utc);
        let alice = busy(at(24, 14, 0), at(24, 15, 0), Status::Busy);
        let bob = busy(at(24, 14, 0), at(24, 14, 30), Status::Tentative);
        setup.group = GroupAvailability::combine([&alice, &bob]);
        let grid = setup.grid(&week);
        let cell = grid.cell((0, 1)).unwrap();
        assert_eq!(cell.status, CellStatus::Busy);
        assert!(!cell.bookable);
        assert_eq!(
            cell.name,
            "Tuesday 24 November, 14:00 to 14:30, busy 14:00–15:00 (alice@example.com busy, bob@example.com tentative)"
        );
    }

    // What a visitor learns about who blocks a slot is the embedder's choice: by default
    // only the status, or how many people, or who and how.
    #[test]
    fn explain_says_nothing_a_count_or_who() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let mut setup = Setup::new(&Utc);
        let alice = busy(at(24, 14, 0), at(24, 14, 30), Status::Busy);
        let bob = Availability::default();
        setup.group = GroupAvailability::combine([&alice, &bob]);
        setup.explain = Explain::None;
        let cell = setup.grid(&week).cell((0, 1)).cloned().unwrap();
        assert_eq!(cell.name, "Tuesday 24 November, 14:00 to 14:30, busy");
        assert_eq!(cell.explanation, None);
        setup.explain = Explain::Count;
        let cell = setup.grid(&week).cell((0, 1)).cloned().unwrap();
        assert_eq!(
            cell.name,
            "Tuesday 24 November, 14:00 to 14:30, busy (1 of 2 people)"
        );
        setup.explain = Explain::Attendees;
        let cell = setup.grid(&week).cell((0, 1)).cloned().unwrap();
        assert_eq!(cell.explanation.as_deref(), Some("alice@example.com busy"));
    }

    // The names are in the catalogue's language, the words of statuses included.
    #[test]
    fn names_are_in_the_catalogues_language() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let mut setup = Setup::new(&Utc);
        setup.messages = Catalogue::default().translated(crate::messages::translation("de"));
        let alice = busy(at(24, 14, 0), at(24, 14, 30), Status::Busy);
        setup.group = GroupAvailability::from(&alice);
        let grid = setup.grid(&week);
        assert_eq!(
            grid.cell((0, 1)).unwrap().name,
            "Tuesday 24 November, 14:00 bis 14:30, belegt (alice@example.com belegt)"
        );
        assert_eq!(
            grid.cell((1, 1)).unwrap().name,
            "Tuesday 24 November, 14:30 bis 15:00, frei"
        );
    }

    // Tentative time is bookable only when the host page allows it.
    #[test]
    fn tentative_is_bookable_only_when_allowed() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let mut setup = Setup::new(&Utc);
        let bob = busy(at(24, 14, 0), at(24, 14, 30), Status::Tentative);
        setup.group = GroupAvailability::from(&bob);
        assert!(!setup.grid(&week).cell((0, 1)).unwrap().bookable);
        setup.book_tentative = true;
        assert!(setup.grid(&week).cell((0, 1)).unwrap().bookable);
    }

    // Past slots are not bookable, and the slot containing now knows where now is.
    #[test]
    fn past_slots_are_not_bookable_and_now_is_marked() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let mut setup = Setup::new(&Utc);
        setup.now = at(24, 14, 15);
        let grid = setup.grid(&week);
        let monday = grid.cell((0, 0)).unwrap();
        assert_eq!(monday.status, CellStatus::Past);
        assert!(!monday.bookable);
        let now_cell = grid.cell((0, 1)).unwrap();
        assert_eq!(now_cell.now_at, Some(500));
        assert_eq!(grid.cell((1, 1)).unwrap().status, CellStatus::Free);
    }

    // Outside the host's working hours time is unavailable, not busy, and says nothing
    // of the calendar there; inside them busy time stays busy.
    #[test]
    fn time_outside_working_hours_is_unavailable_not_busy() {
        let week = week(monday_23(), &Utc, 14 * 60, 16 * 60);
        let mut setup = Setup::new(&Utc);
        let alice = Availability::merge([
            Period::new(at(24, 15, 0), at(24, 15, 30), Status::Busy).unwrap(),
            Period::new(at(24, 15, 30), at(24, 16, 0), Status::Busy).unwrap(),
        ]);
        setup.offer(&tuesday_afternoon(30, &[30]), &alice, 30);
        let grid = setup.grid(&week);
        let statuses: Vec<CellStatus> = (0..4)
            .map(|row| grid.cell((row, 1)).unwrap().status)
            .collect();
        assert_eq!(
            statuses,
            [
                CellStatus::Unavailable,
                CellStatus::Free,
                CellStatus::Busy,
                CellStatus::Unavailable
            ]
        );
        let closed = grid.cell((0, 1)).unwrap();
        assert!(!closed.bookable && closed.starts.is_empty());
        assert_eq!(
            closed.name,
            "Tuesday 24 November, 14:00 to 14:30, unavailable"
        );
        let busy_at_night = grid.cell((3, 1)).unwrap();
        assert!(busy_at_night.blockers.is_empty(), "{busy_at_night:?}");
        assert_eq!(
            busy_at_night.name,
            "Tuesday 24 November, 15:30 to 16:00, unavailable"
        );
        assert!(grid.cell((1, 1)).unwrap().bookable);
        // Monday has no working hours at all.
        assert_eq!(grid.cell((1, 0)).unwrap().status, CellStatus::Unavailable);
    }

    // With a longer meeting only the starts where all of it fits are offered, each cell
    // named by the meeting it books; free time where it does not fit is unavailable.
    #[test]
    fn a_longer_meeting_is_offered_only_where_it_fits() {
        let week = week(monday_23(), &Utc, 14 * 60, 16 * 60);
        let mut setup = Setup::new(&Utc);
        setup.offer(
            &tuesday_afternoon(30, &[30, 60]),
            &Availability::default(),
            60,
        );
        let grid = setup.grid(&week);
        let fits = grid.cell((1, 1)).unwrap();
        assert_eq!((fits.status, fits.bookable), (CellStatus::Free, true));
        assert_eq!(fits.starts, [at(24, 14, 30)]);
        assert_eq!(fits.name, "Tuesday 24 November, 14:30 to 15:30, free");
        let too_late = grid.cell((2, 1)).unwrap();
        assert_eq!(
            (too_late.status, too_late.bookable),
            (CellStatus::Unavailable, false)
        );
    }

    // A step finer than the grid offers several starts in one cell; the cell is labelled
    // with the first, a start off the cell's own time shows that time.
    #[test]
    fn a_fine_step_offers_several_starts_in_a_cell() {
        let week = week(monday_23(), &Utc, 14 * 60, 16 * 60);
        let mut setup = Setup::new(&Utc);
        let alice = busy(at(24, 15, 0), at(24, 15, 10), Status::Busy);
        setup.offer(&tuesday_afternoon(10, &[20]), &alice, 20);
        let grid = setup.grid(&week);
        let first = grid.cell((1, 1)).unwrap();
        assert_eq!(first.starts, [at(24, 14, 30), at(24, 14, 40)]);
        let after_busy = grid.cell((2, 1)).unwrap();
        assert_eq!(after_busy.starts, [at(24, 15, 10)]);
        assert_eq!(after_busy.status, CellStatus::Free);
        assert_eq!(after_busy.time_label, "15:10");
        assert_eq!(after_busy.name, "Tuesday 24 November, 15:10 to 15:30, free");
    }

    // Consecutive blocked slots of one status are one block with the run's span; each
    // keeps its own name, and a lone blocked slot or a change of status is not merged.
    #[test]
    fn consecutive_blocked_slots_form_one_block() {
        let week = week(monday_23(), &Utc, 9 * 60, 12 * 60);
        let mut setup = Setup::new(&Utc);
        let alice = busy(at(23, 9, 0), at(23, 10, 30), Status::Busy);
        let bob = busy(at(23, 10, 30), at(23, 11, 0), Status::Tentative);
        let carol = busy(at(24, 11, 0), at(24, 11, 30), Status::Busy);
        setup.attendees.push("carol@example.com".into());
        setup.group = GroupAvailability::combine([&alice, &bob, &carol]);
        let grid = setup.grid(&week);
        let blocks: Vec<Block> = (0..6)
            .map(|row| grid.cell((row, 0)).unwrap().block.clone())
            .collect();
        assert_eq!(
            blocks,
            [
                Block::Start {
                    range: "09:00–10:30".into()
                },
                Block::Middle,
                Block::End,
                Block::Alone,
                Block::Alone,
                Block::Alone
            ]
        );
        assert!(
            grid.cell((1, 0))
                .unwrap()
                .name
                .starts_with("Monday 23 November, 09:30 to 10:00, busy")
        );
        // The first cell's name holds the span its mark shows.
        assert!(
            grid.cell((0, 0))
                .unwrap()
                .name
                .starts_with("Monday 23 November, 09:00 to 09:30, busy 09:00–10:30 ("),
            "{}",
            grid.cell((0, 0)).unwrap().name
        );
        assert_eq!(grid.cell((4, 1)).unwrap().block, Block::Alone);
    }

    // A fall-back day repeats its 01:00 and 01:30 rows; the other days leave them empty.
    #[test]
    fn a_fall_back_day_repeats_its_hour_in_rows_of_its_own() {
        // New York: EDT (UTC-4) until 2026-11-01 06:00 UTC, then EST (UTC-5).
        struct NewYork;
        impl Zone for NewYork {
            fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
                let hours = if instant < at(1, 6, 0) { -4 } else { -5 };
                FixedOffset::east_opt(hours * 3600).unwrap()
            }
        }
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let week = week(sunday - chrono::Days::new(6), &NewYork, 0, 3 * 60);
        let grid = Setup::new(&NewYork).grid(&week);
        let labels: Vec<&str> = grid.rows.iter().map(|row| row.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "00:00",
                "00:30",
                "01:00",
                "01:00 again",
                "01:30",
                "01:30 again",
                "02:00",
                "02:30"
            ]
        );
        let sunday_column = 6;
        let repeated = grid.cell((3, sunday_column)).unwrap();
        assert_eq!(repeated.start, at(1, 6, 0));
        assert!(
            repeated.name.contains("01:00 (UTC-05:00) to 01:30"),
            "{}",
            repeated.name
        );
        assert!(grid.cell((3, 0)).is_none());
        let sunday_slots = grid
            .rows
            .iter()
            .filter(|row| row.cells[sunday_column].is_some())
            .count();
        assert_eq!(sunday_slots, 8);
    }

    // Arrows skip empty cells, stop at the edges, and Home/End stay in the row.
    #[test]
    fn arrows_skip_empty_cells_and_stop_at_the_edges() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let mut grid = Setup::new(&Utc).grid(&week);
        grid.rows[0].cells[1] = None;
        assert_eq!(grid.step((0, 0), Step::Next), (0, 2));
        assert_eq!(grid.step((0, 0), Step::Previous), (0, 0));
        assert_eq!(grid.step((0, 0), Step::Up), (0, 0));
        assert_eq!(grid.step((0, 0), Step::Down), (1, 0));
        assert_eq!(grid.step((1, 3), Step::RowStart), (1, 0));
        assert_eq!(grid.step((1, 3), Step::RowEnd), (1, 6));
        assert_eq!(grid.step((1, 3), Step::GridStart), (0, 0));
        assert_eq!(grid.step((0, 3), Step::GridEnd), (1, 6));
    }

    // Focus starts on the first bookable slot, not on a past one, within the columns
    // shown.
    #[test]
    fn focus_starts_on_the_first_bookable_slot_shown() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let mut setup = Setup::new(&Utc);
        setup.now = at(24, 14, 40);
        let grid = setup.grid(&week);
        assert_eq!(grid.first_focus(0..7), Some((0, 2)));
        assert_eq!(grid.first_focus(4..5), Some((0, 4)));
        // A day with nothing bookable starts on its first cell.
        assert_eq!(grid.first_focus(0..1), Some((0, 0)));
    }

    // The confirm step can say when a slot is in another zone.
    #[test]
    fn when_is_told_in_any_zone() {
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
        let text = when(
            &tokyo,
            &PlainLabels(&tokyo),
            &Catalogue::default(),
            at(24, 14, 0),
            at(24, 14, 30),
        );
        assert_eq!(text, "Tuesday 24 November, 23:00 to 23:30");
        let late = Utc.with_ymd_and_hms(2026, 11, 24, 15, 0, 0).unwrap();
        assert!(
            when(
                &tokyo,
                &PlainLabels(&tokyo),
                &Catalogue::default(),
                late,
                late
            )
            .starts_with("Wednesday 25")
        );
    }

    // Offsets are written with an ASCII sign.
    #[test]
    fn offsets_have_an_ascii_sign() {
        assert_eq!(utc_offset(-5 * 3600), "UTC-05:00");
        assert_eq!(utc_offset(5 * 3600 + 1800), "UTC+05:30");
    }
}
