//! The grid as HTML.
//!
//! The component sets this as the grid's content in one step and handles clicks and
//! keys by delegation, instead of building ~150 reactive elements: the bundle is
//! smaller and a week paints in one parse. Every text and attribute is escaped (attendee
//! emails and message overrides come from the host page). No inline `style`: the now
//! line's position is a `data-at` the component applies through the CSSOM, so a strict
//! `style-src` policy holds.

use std::ops::Range;

use crate::grid::{Block, Cell, CellStatus, DayTab, Grid, Position};
use crate::messages::{Catalogue, Text};
use freebusy_core::wire::rfc3339;

/// The grid's rows for the days in `columns` (all seven, or the one day of the phone
/// layout): a header row of days, then a row per local time. `stop` is the one cell
/// with `tabindex="0"`.
pub fn markup(
    grid: &Grid,
    columns: Range<usize>,
    stop: Option<Position>,
    messages: &Catalogue,
) -> String {
    let mut html = String::with_capacity(256 + grid.rows.len() * columns.len() * 300);
    head_row(&mut html, messages);
    for day in grid.days.get(columns.clone()).unwrap_or_default() {
        html.push_str(r#"<div role="columnheader" class="freebusy-day" aria-label=""#);
        escape_into(&mut html, &day.long);
        // The short form is the visible text (a header needs some), the long one its
        // accessible name.
        html.push_str(r#""><span>"#);
        escape_into(&mut html, &day.short);
        html.push_str(r#"</span><span class="freebusy-long">"#);
        escape_into(&mut html, &day.long);
        html.push_str("</span></div>");
    }
    html.push_str("</div>");
    for (row_index, row) in grid.rows.iter().enumerate() {
        html.push_str(
            r#"<div role="row" class="freebusy-row"><div role="rowheader" class="freebusy-time">"#,
        );
        escape_into(&mut html, &row.label);
        html.push_str("</div>");
        for column in columns.clone() {
            let tabindex = if stop == Some((row_index, column)) {
                "0"
            } else {
                "-1"
            };
            match row.cells.get(column).and_then(Option::as_ref) {
                Some(cell) => cell_markup(&mut html, cell, tabindex, messages),
                None => {
                    html.push_str(r#"<div role="gridcell" class="freebusy-none" aria-label=""#);
                    escape_into(&mut html, messages.get(Text::GridNoTime));
                    html.push_str(r#""></div>"#);
                }
            }
        }
        html.push_str("</div>");
    }
    html
}

fn head_row(html: &mut String, messages: &Catalogue) {
    html.push_str(r#"<div role="row" class="freebusy-row freebusy-head"><div role="columnheader" class="freebusy-corner"><span class="freebusy-hidden">"#);
    escape_into(html, messages.get(Text::GridTime));
    html.push_str("</span></div>");
}

fn cell_markup(html: &mut String, cell: &Cell, tabindex: &str, messages: &Catalogue) {
    html.push_str(r#"<div role="gridcell" class="freebusy-slot" data-start=""#);
    html.push_str(&rfc3339::format(cell.start));
    html.push_str(r#"" data-end=""#);
    html.push_str(&rfc3339::format(cell.end));
    html.push_str(r#"" data-status=""#);
    html.push_str(cell.status.as_str());
    html.push('"');
    match &cell.block {
        Block::Alone => {}
        Block::Start { .. } => html.push_str(r#" data-block="start""#),
        Block::Middle => html.push_str(r#" data-block="middle""#),
        Block::End => html.push_str(r#" data-block="end""#),
    }
    if let Some(explanation) = &cell.explanation {
        html.push_str(r#" title=""#);
        escape_into(html, explanation);
        html.push('"');
    }
    if cell.bookable {
        html.push_str(r#"><button type="button" tabindex=""#);
        html.push_str(tabindex);
        html.push_str(r#"" aria-label=""#);
        escape_into(html, &cell.name);
        html.push_str(r#"">"#);
        escape_into(html, &cell.time_label);
        mark(html, cell, messages);
        html.push_str("</button>");
    } else {
        html.push_str(r#" tabindex=""#);
        html.push_str(tabindex);
        html.push_str(r#"" aria-disabled="true" aria-label=""#);
        escape_into(html, &cell.name);
        html.push_str(r#"">"#);
        mark(html, cell, messages);
    }
    if let Some(at) = cell.now_at {
        html.push_str(r#"<span class="freebusy-now" aria-hidden="true" data-at=""#);
        html.push_str(&at.to_string());
        html.push_str(r#""></span>"#);
    }
    html.push_str("</div>");
}

/// The word in the cell (statuses are not told by colour alone), and a block's span in
/// its first cell; the rest of a block shows only its shading.
fn mark(html: &mut String, cell: &Cell, messages: &Catalogue) {
    let word = match (cell.status, &cell.block) {
        (CellStatus::Free | CellStatus::Past, _) => return,
        (_, Block::Middle | Block::End) => return,
        (status, _) => messages.get(status.text()),
    };
    html.push_str(r#"<span class="freebusy-mark" aria-hidden="true">"#);
    escape_into(html, word);
    if let Block::Start { range } = &cell.block {
        // A space, so that the visible text reads "Busy 09:00–10:30" as the name does.
        html.push_str(r#" <span class="freebusy-range">"#);
        escape_into(html, range);
        html.push_str("</span>");
    }
    html.push_str("</span>");
}

/// The loading skeleton as HTML: the week's row labels and `columns` placeholder cells
/// per row, without statuses.
pub fn skeleton_markup(rows: &[String], columns: usize, messages: &Catalogue) -> String {
    let mut html = String::new();
    for label in rows {
        html.push_str(r#"<div role="row" class="freebusy-row freebusy-skeleton"><div role="rowheader" class="freebusy-time">"#);
        escape_into(&mut html, label);
        html.push_str("</div>");
        for _ in 0..columns {
            html.push_str(r#"<div role="gridcell" class="freebusy-placeholder"></div>"#);
        }
        html.push_str("</div>");
    }
    if html.is_empty() {
        head_row(&mut html, messages);
        html.push_str("</div>");
    }
    html
}

/// The phone layout's day strip: a button per day, the one shown pressed; each names
/// its day in full and shows it short.
pub fn day_tabs_markup(tabs: &[DayTab]) -> String {
    let mut html = String::new();
    for (index, tab) in tabs.iter().enumerate() {
        html.push_str(r#"<button type="button" data-day=""#);
        html.push_str(&index.to_string());
        html.push_str(r#"" aria-pressed=""#);
        html.push_str(if tab.selected { "true" } else { "false" });
        html.push_str(r#"" aria-label=""#);
        escape_into(&mut html, &tab.long);
        html.push_str(r#""><span>"#);
        escape_into(&mut html, &tab.weekday);
        html.push_str("</span><span>");
        escape_into(&mut html, &tab.number);
        html.push_str("</span></button>");
    }
    html
}

/// `text` made safe inside HTML text and double- or single-quoted attributes.
pub fn escape_into(html: &mut String, text: &str) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::GridInput;
    use crate::testing::{PlainLabels, at, monday_23};
    use chrono::Utc;
    use freebusy_core::week::{VisibleHours, Week, WeekSpec};
    use freebusy_core::{Availability, GroupAvailability, Period, Status};

    fn grid_with(group: &GroupAvailability, attendees: &[String], now_day: u32) -> Grid {
        let spec = WeekSpec {
            first_day: monday_23(),
            visible: VisibleHours::new(14 * 60, 15 * 60).unwrap(),
            slot_minutes: 30,
        };
        let week = Week::layout(&spec, &Utc).unwrap();
        Grid::build(&GridInput {
            week: &week,
            zone: &Utc,
            labels: &PlainLabels(&Utc),
            messages: &Catalogue::default(),
            group,
            attendees,
            now: at(now_day, 14, 15),
            book_tentative: false,
            offer: None,
            explain: crate::options::Explain::Attendees,
        })
    }

    // Hostile attendee names cannot inject markup: every text and attribute is escaped.
    #[test]
    fn markup_escapes_what_the_host_page_supplies() {
        let evil =
            Availability::merge(
                [Period::new(at(24, 14, 0), at(24, 14, 30), Status::Busy).unwrap()],
            );
        let group = GroupAvailability::from(&evil);
        let attendees = [r#""><img src=x onerror=alert(1)>'&"#.to_owned()];
        let grid = grid_with(&group, &attendees, 1);
        let html = markup(&grid, 0..7, grid.first_focus(0..7), &Catalogue::default());
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&amp; busy"));
    }

    // The markup carries the DOM contract: data-start/end/status, one tab stop, buttons
    // only on bookable slots, and no inline style.
    #[test]
    fn markup_carries_the_dom_contract_and_one_tab_stop() {
        let grid = grid_with(&GroupAvailability::default(), &[], 24);
        let html = markup(&grid, 0..7, Some((1, 1)), &Catalogue::default());
        assert_eq!(html.matches(r#"tabindex="0""#).count(), 1);
        assert_eq!(html.matches(r#"role="gridcell""#).count(), 14);
        assert!(html.contains(r#"data-start="2026-11-24T14:30:00Z" data-end="2026-11-24T15:00:00Z" data-status="free"><button type="button" tabindex="0" aria-label="Tuesday 24 November, 14:30 to 15:00, free">14:30"#), "{html}");
        assert!(html.contains(r#"data-start="2026-11-23T14:00:00Z" data-end="2026-11-23T14:30:00Z" data-status="past" tabindex="-1" aria-disabled="true""#), "{html}");
        assert!(html.contains(r#"<span class="freebusy-now" aria-hidden="true" data-at="500">"#));
        assert!(!html.contains("style="));
        assert_eq!(html.matches("<button").count(), 11);
    }

    // The phone layout draws one day: its heading and its cells only.
    #[test]
    fn one_day_is_drawn_alone() {
        let grid = grid_with(&GroupAvailability::default(), &[], 1);
        let html = markup(&grid, 3..4, Some((0, 3)), &Catalogue::default());
        assert_eq!(html.matches(r#"role="gridcell""#).count(), 2);
        assert_eq!(
            html.matches(r#"role="columnheader" class="freebusy-day""#)
                .count(),
            1
        );
        assert!(html.contains("Thursday 26 November"));
        assert!(html.contains(r#"data-start="2026-11-26T14:00:00Z""#));
        assert!(!html.contains("2026-11-25T"));
        assert_eq!(html.matches(r#"tabindex="0""#).count(), 1);
    }

    // A block's first cell carries its word and span; the others only their names.
    #[test]
    fn a_block_is_labelled_once() {
        let alice =
            Availability::merge([Period::new(at(24, 14, 0), at(24, 15, 0), Status::Busy).unwrap()]);
        let group = GroupAvailability::from(&alice);
        let grid = grid_with(&group, &["alice@example.com".to_owned()], 1);
        let html = markup(&grid, 1..2, None, &Catalogue::default());
        assert!(html.contains(r#"data-block="start""#));
        assert!(html.contains(r#"data-block="end""#));
        assert_eq!(html.matches(r#"class="freebusy-mark""#).count(), 1);
        assert!(
            html.contains(r#"busy <span class="freebusy-range">14:00–15:00</span>"#),
            "{html}"
        );
        // Its name holds its visible text (word and span), as WCAG 2.5.3 asks.
        assert!(html.contains(
            r#"aria-label="Tuesday 24 November, 14:00 to 14:30, busy 14:00–15:00 (alice@example.com busy)""#
        ));
        assert!(html.contains(
            r#"aria-label="Tuesday 24 November, 14:30 to 15:00, busy (alice@example.com busy)""#
        ));
    }

    // The day strip names each day, marks the one shown, and escapes what it shows.
    #[test]
    fn the_day_strip_marks_the_day_shown() {
        let tabs = [
            DayTab {
                weekday: "Mo".into(),
                number: "7".into(),
                long: "Monday <7>".into(),
                selected: false,
            },
            DayTab {
                weekday: "Di".into(),
                number: "8".into(),
                long: "Tuesday".into(),
                selected: true,
            },
        ];
        let html = day_tabs_markup(&tabs);
        assert!(html.starts_with(r#"<button type="button" data-day="0" aria-pressed="false" aria-label="Monday &lt;7&gt;"><span>Mo</span><span>7</span></button>"#), "{html}");
        assert!(html.contains(r#"data-day="1" aria-pressed="true""#));
    }

    // The skeleton shows the times with placeholders for the columns shown.
    #[test]
    fn the_skeleton_shows_times_and_placeholders() {
        let rows = ["08:00".to_owned(), "08:30".to_owned()];
        let html = skeleton_markup(&rows, 7, &Catalogue::default());
        assert_eq!(html.matches("freebusy-placeholder").count(), 14);
        assert!(html.contains(">08:30<"));
        assert_eq!(
            skeleton_markup(&rows, 1, &Catalogue::default())
                .matches("freebusy-placeholder")
                .count(),
            2
        );
    }
}
