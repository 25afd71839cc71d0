//! The week grid as data: what each cell shows and says, and how the keyboard moves.
//!
//! Pure (no DOM, no signals), so it is tested natively; the [`crate::Scheduler`]
//! component only renders a [`Grid`] and applies [`Grid::step`].
//!
//! Rows are local times of day and columns are days. The engine's slots are placed by
//! their local start time, so a DST week is drawn as the wall clock runs: a time skipped
//! by a spring-forward transition is an empty cell on that day, and a time repeated by a
//! fall-back transition gets a second row ("again") filled only on that day.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use freebusy_core::week::Week;
use freebusy_core::zone::{Zone, local_time_at};
use freebusy_core::{GroupAvailability, SlotStatus, Status};

use crate::options::HourCycle;

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// One attendee who blocks a slot, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotBlocker {
    /// The attendee's email.
    pub attendee: String,
    /// Their status over the slot (never free).
    pub status: Status,
}

/// One slot of the grid, ready to render.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The first instant of the slot.
    pub start: DateTime<Utc>,
    /// The first instant after the slot.
    pub end: DateTime<Utc>,
    /// What it shows (the `data-status` attribute).
    pub status: SlotStatus,
    /// Whether choosing it opens the confirm step.
    pub bookable: bool,
    /// The label drawn in the cell: the start time.
    pub time_label: String,
    /// When it is, e.g. "Tuesday 24 November, 14:00 to 14:30" (the confirm step's title).
    pub when: String,
    /// The accessible name, e.g. "Tuesday 24 November, 14:00 to 14:30, free".
    pub name: String,
    /// Who blocks it and how; empty for free and past slots.
    pub blockers: Vec<SlotBlocker>,
    /// Where "now" falls inside the slot, in thousandths of it, when it does (whole
    /// numbers: formatting floats would cost the bundle kilobytes).
    pub now_at: Option<u16>,
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
    /// The attendees' combined availability.
    pub group: &'a GroupAvailability,
    /// The attendees' emails, in the order the group was combined.
    pub attendees: &'a [String],
    /// The current instant.
    pub now: DateTime<Utc>,
    /// 12- or 24-hour labels.
    pub hour_cycle: HourCycle,
    /// Whether tentative slots are bookable.
    pub book_tentative: bool,
}

/// A position in the grid: row and day column.
pub type Position = (usize, usize);

/// A keyboard command, from the WAI-ARIA grid pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Arrow up: the same day, an earlier time.
    Up,
    /// Arrow down: the same day, a later time.
    Down,
    /// Arrow left: the previous day, the same time.
    Left,
    /// Arrow right: the next day, the same time.
    Right,
    /// Home: the first slot of the row.
    RowStart,
    /// End: the last slot of the row.
    RowEnd,
    /// Ctrl+Home: the first slot of the grid.
    GridStart,
    /// Ctrl+End: the last slot of the grid.
    GridEnd,
}

impl Step {
    /// The step for a `KeyboardEvent.key`, with whether Ctrl (or Cmd) was held.
    pub fn from_key(key: &str, control: bool) -> Option<Step> {
        Some(match (key, control) {
            ("ArrowUp", _) => Step::Up,
            ("ArrowDown", _) => Step::Down,
            ("ArrowLeft", _) => Step::Left,
            ("ArrowRight", _) => Step::Right,
            ("Home", false) => Step::RowStart,
            ("End", false) => Step::RowEnd,
            ("Home", true) => Step::GridStart,
            ("End", true) => Step::GridEnd,
            _ => return None,
        })
    }
}

impl Grid {
    /// Lays out `input.week` as rows of local times and columns of days.
    pub fn build(input: &GridInput<'_>) -> Grid {
        let days: Vec<DayHeading> = input
            .week
            .days()
            .iter()
            .map(|day| day_heading(day.date()))
            .collect();
        // Row keys: (local time, occurrence), so a repeated local time gets two rows.
        let mut keys: Vec<(NaiveTime, usize)> = Vec::new();
        let mut placed: Vec<Vec<((NaiveTime, usize), Cell)>> = Vec::new();
        for (column, day) in input.week.days().iter().enumerate() {
            let transition_day = day
                .slots()
                .windows(2)
                .any(|pair| pair.first().map(|s| s.offset()) != pair.get(1).map(|s| s.offset()));
            let mut cells = Vec::new();
            let mut seen: Vec<NaiveTime> = Vec::new();
            for slot in day.slots() {
                let time = slot.local().time();
                let occurrence = seen.iter().filter(|&&t| t == time).count();
                seen.push(time);
                let key = (time, occurrence);
                if !keys.contains(&key) {
                    keys.push(key);
                }
                let assessed = slot.assess(input.group, input.now);
                let end_time = local_time_at(input.zone, slot.end())
                    .map_or_else(|| slot.local().time(), |local| local.time());
                let offset_note = if transition_day {
                    format!(" ({})", utc_offset(slot.offset().local_minus_utc()))
                } else {
                    String::new()
                };
                let blockers: Vec<SlotBlocker> = assessed
                    .blockers
                    .iter()
                    .map(|blocker| SlotBlocker {
                        attendee: input
                            .attendees
                            .get(blocker.attendee)
                            .cloned()
                            .unwrap_or_else(|| format!("attendee {}", blocker.attendee + 1)),
                        status: blocker.status,
                    })
                    .collect();
                let status = assessed.status;
                let bookable = status == SlotStatus::Free
                    || (status == SlotStatus::Tentative && input.book_tentative);
                let when = format!(
                    "{}, {}{offset_note} to {}",
                    days.get(column)
                        .map(|d| d.long.as_str())
                        .unwrap_or_default(),
                    clock(time, input.hour_cycle),
                    clock(end_time, input.hour_cycle),
                );
                let mut name = format!("{when}, {}", status.as_str());
                if !blockers.is_empty() {
                    name.push_str(" (");
                    name.push_str(&blocker_text(&blockers));
                    name.push(')');
                }
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
                        time_label: clock(time, input.hour_cycle),
                        when,
                        name,
                        blockers,
                        now_at,
                    },
                ));
            }
            placed.push(cells);
        }
        keys.sort();
        let rows = keys
            .iter()
            .map(|key| Row {
                label: if key.1 == 0 {
                    clock(key.0, input.hour_cycle)
                } else {
                    format!("{} again", clock(key.0, input.hour_cycle))
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
            })
            .collect();
        Grid { days, rows }
    }

    /// The cell at `position`, if there is one.
    pub fn cell(&self, (row, column): Position) -> Option<&Cell> {
        self.rows.get(row)?.cells.get(column)?.as_ref()
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

    /// Where focus starts: the first bookable cell, else the first cell.
    pub fn first_focus(&self) -> Option<Position> {
        self.positions()
            .find(|&position| self.cell(position).is_some_and(|cell| cell.bookable))
            .or_else(|| self.positions().next())
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
            Step::Left => (0..column).rev().map(|c| (row, c)).find(filled),
            Step::Right => (column + 1..columns).map(|c| (row, c)).find(filled),
            Step::RowStart => (0..columns).map(|c| (row, c)).find(filled),
            Step::RowEnd => (0..columns).rev().map(|c| (row, c)).find(filled),
            Step::GridStart => self.positions().next(),
            Step::GridEnd => self.positions().last(),
        };
        found.unwrap_or(from)
    }
}

/// "alice@example.com busy, bob@example.com tentative".
pub fn blocker_text(blockers: &[SlotBlocker]) -> String {
    blockers
        .iter()
        .map(|blocker| format!("{} {}", blocker.attendee, blocker.status.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn day_heading(date: NaiveDate) -> DayHeading {
    let weekday = WEEKDAYS
        .get(date.weekday().num_days_from_monday() as usize)
        .copied()
        .unwrap_or_default();
    let month = MONTHS
        .get(date.month0() as usize)
        .copied()
        .unwrap_or_default();
    DayHeading {
        date,
        short: format!(
            "{} {} {}",
            weekday.get(..3).unwrap_or(weekday),
            date.day(),
            month.get(..3).unwrap_or(month)
        ),
        long: format!("{weekday} {} {month}", date.day()),
    }
}

/// The seven days from `first`, as people write a week: "23–29 November 2026",
/// "30 November – 6 December 2026", "28 December 2026 – 3 January 2027".
pub fn week_label(first: NaiveDate) -> String {
    let last = first
        .checked_add_days(chrono::Days::new(6))
        .unwrap_or(first);
    let month = |date: NaiveDate| {
        MONTHS
            .get(date.month0() as usize)
            .copied()
            .unwrap_or_default()
    };
    if first.year() != last.year() {
        format!(
            "{} {} {} – {} {} {}",
            first.day(),
            month(first),
            first.year(),
            last.day(),
            month(last),
            last.year()
        )
    } else if first.month() != last.month() {
        format!(
            "{} {} – {} {} {}",
            first.day(),
            month(first),
            last.day(),
            month(last),
            last.year()
        )
    } else {
        format!(
            "{}–{} {} {}",
            first.day(),
            last.day(),
            month(last),
            last.year()
        )
    }
}

/// "14:00", or "2:00 pm" on a 12-hour clock.
pub fn clock(time: NaiveTime, cycle: HourCycle) -> String {
    match cycle {
        HourCycle::H24 => format!("{:02}:{:02}", time.hour(), time.minute()),
        HourCycle::H12 => {
            let (pm, hour) = time.hour12();
            format!(
                "{hour}:{:02} {}",
                time.minute(),
                if pm { "pm" } else { "am" }
            )
        }
    }
}

/// "UTC−05:00" style, with an ASCII minus for screen readers' sake.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The grid's rows as HTML: a header row of days, then a row per local time.
///
/// The component sets this as the grid's content in one step and handles clicks and
/// keys by delegation, instead of building ~150 reactive elements: the bundle is
/// smaller and a week paints in one parse. Every text and attribute is escaped (attendee
/// emails come from the host page). `stop` is the one cell with `tabindex="0"`.
pub fn markup(grid: &Grid, stop: Option<Position>) -> String {
    let mut html = String::with_capacity(256 + grid.rows.len() * 7 * 260);
    html.push_str(r#"<div role="row" class="freebusy-row freebusy-head"><div role="columnheader" class="freebusy-corner"><span class="freebusy-hidden">Time</span></div>"#);
    for day in &grid.days {
        html.push_str(r#"<div role="columnheader" class="freebusy-day" aria-label=""#);
        escape_into(&mut html, &day.long);
        html.push_str(r#"">"#);
        escape_into(&mut html, &day.short);
        html.push_str("</div>");
    }
    html.push_str("</div>");
    for (row_index, row) in grid.rows.iter().enumerate() {
        html.push_str(
            r#"<div role="row" class="freebusy-row"><div role="rowheader" class="freebusy-time">"#,
        );
        escape_into(&mut html, &row.label);
        html.push_str("</div>");
        for (column, cell) in row.cells.iter().enumerate() {
            let tabindex = if stop == Some((row_index, column)) {
                "0"
            } else {
                "-1"
            };
            match cell {
                Some(cell) => cell_markup(&mut html, cell, tabindex),
                None => html.push_str(r#"<div role="gridcell" class="freebusy-none" aria-label="no such time on this day (clock change)"></div>"#),
            }
        }
        html.push_str("</div>");
    }
    html
}

fn cell_markup(html: &mut String, cell: &Cell, tabindex: &str) {
    html.push_str(r#"<div role="gridcell" class="freebusy-slot" data-start=""#);
    html.push_str(&rfc3339(cell.start));
    html.push_str(r#"" data-end=""#);
    html.push_str(&rfc3339(cell.end));
    html.push_str(r#"" data-status=""#);
    html.push_str(cell.status.as_str());
    html.push('"');
    if !cell.blockers.is_empty() {
        html.push_str(r#" title=""#);
        escape_into(html, &blocker_text(&cell.blockers));
        html.push('"');
    }
    let mark = status_mark(cell.status);
    if cell.bookable {
        html.push_str(r#"><button type="button" tabindex=""#);
        html.push_str(tabindex);
        html.push_str(r#"" aria-label=""#);
        escape_into(html, &cell.name);
        html.push_str(r#"">"#);
        escape_into(html, &cell.time_label);
        html.push_str(r#"<span class="freebusy-mark" aria-hidden="true">"#);
        html.push_str(mark);
        html.push_str("</span></button>");
    } else {
        html.push_str(r#" tabindex=""#);
        html.push_str(tabindex);
        html.push_str(r#"" aria-disabled="true" aria-label=""#);
        escape_into(html, &cell.name);
        html.push_str(r#""><span class="freebusy-mark" aria-hidden="true">"#);
        html.push_str(mark);
        html.push_str("</span>");
    }
    if let Some(at) = cell.now_at {
        html.push_str(&format!(
            r#"<span class="freebusy-now" aria-hidden="true" style="top: {}.{}%"></span>"#,
            at / 10,
            at % 10
        ));
    }
    html.push_str("</div>");
}

/// The loading skeleton as HTML: the week's times, without statuses.
pub fn skeleton_markup(week: &Week, hour_cycle: HourCycle) -> String {
    let mut html = String::new();
    let Some(day) = week.days().first() else {
        return html;
    };
    for slot in day.slots() {
        html.push_str(r#"<div role="row" class="freebusy-row freebusy-skeleton"><div role="rowheader" class="freebusy-time">"#);
        escape_into(&mut html, &clock(slot.local().time(), hour_cycle));
        html.push_str("</div>");
        for _ in 0..7 {
            html.push_str(r#"<div role="gridcell" class="freebusy-placeholder"></div>"#);
        }
        html.push_str("</div>");
    }
    html
}

/// A word per status, so statuses are not told by colour alone.
pub fn status_mark(status: SlotStatus) -> &'static str {
    match status {
        SlotStatus::Free | SlotStatus::Past => "",
        SlotStatus::Tentative => "tentative",
        SlotStatus::Busy => "busy",
        SlotStatus::Unknown => "unknown",
    }
}

/// `text` made safe inside HTML text and double- or single-quoted attributes.
fn escape_into(html: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            other => html.push(other),
        }
    }
}

/// RFC 3339 in UTC with a `Z`, as the DOM contract and the server use.
pub fn rfc3339(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, TimeZone};
    use freebusy_core::week::{VisibleHours, WeekSpec};
    use freebusy_core::{Availability, Period};

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
            .single()
            .unwrap()
    }

    fn week(first: NaiveDate, zone: &dyn Zone, from: u16, to: u16) -> Week {
        let spec = WeekSpec {
            first_day: first,
            visible: VisibleHours::new(from, to).unwrap(),
            slot_minutes: 30,
        };
        Week::layout(&spec, zone).unwrap()
    }

    fn grid(week: &Week, zone: &dyn Zone, group: &GroupAvailability, now: DateTime<Utc>) -> Grid {
        let attendees = ["alice@example.com".to_owned(), "bob@example.com".to_owned()];
        Grid::build(&GridInput {
            week,
            zone,
            group,
            attendees: &attendees,
            now,
            hour_cycle: HourCycle::H24,
            book_tentative: false,
        })
    }

    fn monday_23() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    // Every slot carries an accessible name with the day, both times and the status.
    #[test]
    fn a_free_slot_is_named_by_day_times_and_status() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let grid = grid(&week, &Utc, &GroupAvailability::default(), at(1, 0, 0));
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
        let alice =
            Availability::merge([Period::new(at(24, 14, 0), at(24, 15, 0), Status::Busy).unwrap()]);
        let bob =
            Availability::merge([
                Period::new(at(24, 14, 0), at(24, 14, 30), Status::Tentative).unwrap(),
            ]);
        let group = GroupAvailability::combine([&alice, &bob]);
        let grid = grid(&week, &Utc, &group, at(1, 0, 0));
        let cell = grid.cell((0, 1)).unwrap();
        assert_eq!(cell.status, SlotStatus::Busy);
        assert!(!cell.bookable);
        assert_eq!(
            cell.name,
            "Tuesday 24 November, 14:00 to 14:30, busy (alice@example.com busy, bob@example.com tentative)"
        );
    }

    // Tentative time is bookable only when the host page allows it.
    #[test]
    fn tentative_is_bookable_only_when_allowed() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let bob =
            Availability::merge([
                Period::new(at(24, 14, 0), at(24, 14, 30), Status::Tentative).unwrap(),
            ]);
        let group = GroupAvailability::from(&bob);
        let attendees = ["bob@example.com".to_owned()];
        let mut input = GridInput {
            week: &week,
            zone: &Utc,
            group: &group,
            attendees: &attendees,
            now: at(1, 0, 0),
            hour_cycle: HourCycle::H24,
            book_tentative: false,
        };
        assert!(!Grid::build(&input).cell((0, 1)).unwrap().bookable);
        input.book_tentative = true;
        assert!(Grid::build(&input).cell((0, 1)).unwrap().bookable);
    }

    // Past slots are not bookable, and the slot containing now knows where now is.
    #[test]
    fn past_slots_are_not_bookable_and_now_is_marked() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let grid = grid(&week, &Utc, &GroupAvailability::default(), at(24, 14, 15));
        let monday = grid.cell((0, 0)).unwrap();
        assert_eq!(monday.status, SlotStatus::Past);
        assert!(!monday.bookable);
        let now_cell = grid.cell((0, 1)).unwrap();
        assert_eq!(now_cell.now_at, Some(500));
        assert_eq!(grid.cell((1, 1)).unwrap().status, SlotStatus::Free);
    }

    // A 12-hour clock labels slots the way 12-hour locales read them.
    #[test]
    fn a_twelve_hour_clock_says_am_and_pm() {
        let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(clock(time(14, 30), HourCycle::H12), "2:30 pm");
        assert_eq!(clock(time(0, 0), HourCycle::H12), "12:00 am");
        assert_eq!(clock(time(9, 5), HourCycle::H24), "09:05");
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
        let grid = grid(&week, &NewYork, &GroupAvailability::default(), at(1, 0, 0));
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
        let mut grid = grid(&week, &Utc, &GroupAvailability::default(), at(1, 0, 0));
        grid.rows[0].cells[1] = None;
        assert_eq!(grid.step((0, 0), Step::Right), (0, 2));
        assert_eq!(grid.step((0, 0), Step::Left), (0, 0));
        assert_eq!(grid.step((0, 0), Step::Up), (0, 0));
        assert_eq!(grid.step((0, 0), Step::Down), (1, 0));
        assert_eq!(grid.step((1, 3), Step::RowStart), (1, 0));
        assert_eq!(grid.step((1, 3), Step::RowEnd), (1, 6));
        assert_eq!(grid.step((1, 3), Step::GridStart), (0, 0));
        assert_eq!(grid.step((0, 3), Step::GridEnd), (1, 6));
        assert_eq!(Step::from_key("End", true), Some(Step::GridEnd));
        assert_eq!(Step::from_key("Enter", false), None);
    }

    // Focus starts on the first bookable slot, not on a past one.
    #[test]
    fn focus_starts_on_the_first_bookable_slot() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let grid = grid(&week, &Utc, &GroupAvailability::default(), at(24, 14, 40));
        assert_eq!(grid.first_focus(), Some((0, 2)));
    }

    // Hostile attendee names cannot inject markup: every text and attribute is escaped.
    #[test]
    fn markup_escapes_what_the_host_page_supplies() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let evil =
            Availability::merge(
                [Period::new(at(24, 14, 0), at(24, 14, 30), Status::Busy).unwrap()],
            );
        let group = GroupAvailability::from(&evil);
        let attendees = [r#""><img src=x onerror=alert(1)>'&"#.to_owned()];
        let grid = Grid::build(&GridInput {
            week: &week,
            zone: &Utc,
            group: &group,
            attendees: &attendees,
            now: at(1, 0, 0),
            hour_cycle: HourCycle::H24,
            book_tentative: false,
        });
        let html = markup(&grid, grid.first_focus());
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&amp; busy"));
    }

    // The markup carries the DOM contract: data-start/end/status, one tab stop, buttons
    // only on bookable slots.
    #[test]
    fn markup_carries_the_dom_contract_and_one_tab_stop() {
        let week = week(monday_23(), &Utc, 14 * 60, 15 * 60);
        let grid = grid(&week, &Utc, &GroupAvailability::default(), at(24, 14, 15));
        let html = markup(&grid, Some((1, 1)));
        assert_eq!(html.matches(r#"tabindex="0""#).count(), 1);
        assert_eq!(html.matches(r#"role="gridcell""#).count(), 14);
        assert!(html.contains(r#"data-start="2026-11-24T14:30:00Z" data-end="2026-11-24T15:00:00Z" data-status="free"><button type="button" tabindex="0" aria-label="Tuesday 24 November, 14:30 to 15:00, free">14:30"#), "{html}");
        assert!(html.contains(r#"data-start="2026-11-23T14:00:00Z" data-end="2026-11-23T14:30:00Z" data-status="past" tabindex="-1" aria-disabled="true""#), "{html}");
        assert!(html.contains(r#"style="top: 50.0%""#));
        assert_eq!(html.matches("<button").count(), 11);
    }

    // The DOM contract's times are UTC with a Z and no fraction.
    #[test]
    fn rfc3339_is_utc_with_z() {
        let instant = DateTime::<Utc>::from_timestamp(1_795_000_000, 0).unwrap_or_default();
        assert_eq!(rfc3339(instant), "2026-11-18T11:06:40Z");
    }

    // A week is labelled the way people write date ranges, across months and years too.
    #[test]
    fn weeks_are_labelled_as_date_ranges() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(week_label(date(2026, 11, 23)), "23–29 November 2026");
        assert_eq!(
            week_label(date(2026, 11, 30)),
            "30 November – 6 December 2026"
        );
        assert_eq!(
            week_label(date(2026, 12, 28)),
            "28 December 2026 – 3 January 2027"
        );
    }
}
