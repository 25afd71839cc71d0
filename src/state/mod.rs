//! The widget's state and every transition it goes through, as a plain type.
//!
//! [`SchedulerState`] knows the week shown, what was fetched for it, the grid built from
//! that, where focus is, the confirm step and what the visitor was told. Its methods are
//! the transitions — loading, loaded, failed, week and day changes, the time zone,
//! keys, choosing a slot, submitting, booking outcomes, retries — and they return what
//! the component must do about them: a [`Fetch`] to start, a [`Notice`] to dispatch.
//! It does no I/O and touches no DOM, so it is tested natively like the engine; the
//! [`Scheduler`](crate::Scheduler) component keeps one in a signal and wires DOM events
//! and requests to it.
//!
//! The hosts' rules (issue 14) come with the first week ([`Fetch::rules`],
//! [`SchedulerState::rules_loaded`]); the grid is then the engine's own answer, the
//! same functions the server checks bookings with: [`rule::bookable`] for the meeting
//! length chosen ([`SchedulerState::choose_duration`], from [`rule::durations_offered`]),
//! [`rule::unavailable`] for the time the rules close (drawn
//! [`CellStatus::Unavailable`](crate::grid::CellStatus::Unavailable), not busy), per slot
//! through [`rule::SlotOffer`]. Several hosts get the intersection of what each offers.
//! Without published rules every free slot is offered, booked as the slot or for
//! [`SchedulerState::set_duration`].

use std::ops::Range;
use std::rc::Rc;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc, Weekday};
use freebusy_core::rule::{self, Host, Rules};
use freebusy_core::week::{Week, WeekSpec, week_start, week_window};
use freebusy_core::zone::{Zone, local_time_at};
use freebusy_core::{Availability, GroupAvailability, Period, Status, Window};

use crate::events::{AttendeeDetail, Notice, SlotDetail, SlotSummary};
use crate::fetch::{AttendeeWeek, BookingError, BookingRequest, FetchError};
use crate::grid::{
    self, Cell, DayTab, Grid, GridInput, Labels, Offer, Position, Step, markup, skeleton_markup,
};
use crate::messages::{Catalogue, Text};
use crate::options::{Api, Bookings, Options};

/// How far past the week, each way, availability is fetched: another zone's week is
/// then (almost always) inside what was fetched, and picking it needs no request.
const FETCH_MARGIN: Days = Days::new(1);

/// A zone the grid can be shown in: its IANA name, its offsets, and dates and times in
/// the visitor's language in it.
#[derive(Clone)]
pub struct ShownZone {
    /// The IANA name.
    pub name: String,
    /// Its UTC offsets.
    pub zone: Rc<dyn Zone>,
    /// Dates and times in it.
    pub labels: Rc<dyn Labels>,
}

impl std::fmt::Debug for ShownZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// One host's published rules, with their home zone as the browser answers it.
#[derive(Clone, Debug)]
pub struct HostRules {
    /// The rules.
    pub rules: Rules,
    /// The zone [`Rules::time_zone`] names.
    pub zone: ShownZone,
}

/// What is known of the hosts' rules.
#[derive(Clone, Debug, Default)]
enum RulesKnown {
    /// Not read yet: the next fetch reads them with the week.
    #[default]
    Unread,
    /// The server publishes none (for some attendee): free time is offered as is.
    Unpublished,
    /// One entry per attendee, in their order.
    Published(Vec<HostRules>),
}

/// What the state starts from: the options and what the component learnt from the
/// browser.
pub struct Setup {
    /// The host page's options.
    pub options: Options,
    /// The visitor's texts.
    pub messages: Catalogue,
    /// The language whose catalogue is still to be read from the server (`de`), when
    /// the visitor's is not English and this page has not read it yet: the widget is
    /// hidden until the first fetch brings it, or fails to.
    pub catalogue: Option<&'static str>,
    /// Whether the layout runs right to left.
    pub right_to_left: bool,
    /// The first day of the week.
    pub first_weekday: Weekday,
    /// The zone the grid is shown in first.
    pub zone: ShownZone,
    /// The visitor's device zone (the confirm step also gives times in it).
    pub device_zone: ShownZone,
    /// The current instant.
    pub now: DateTime<Utc>,
    /// Problems with the options, already in the visitor's words.
    pub problems: Vec<String>,
    /// Whether the options name a backend that can be asked at all; without one (or
    /// without attendees) nothing is fetched and nothing is bookable.
    pub can_fetch: bool,
}

/// How far a week's availability has come.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// Requests in flight; `waiting` is a 429's wait in seconds.
    Loading {
        /// Seconds the server asked to wait, while waiting.
        waiting: Option<u32>,
    },
    /// Every attendee answered (some perhaps as unknown), for `window`.
    Loaded {
        /// One entry per attendee.
        weeks: Vec<AttendeeWeek>,
        /// The span that was fetched.
        window: Window,
    },
    /// The week cannot be shown.
    Failed(FetchError),
}

/// A fetch the component must start (aborting the one before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fetch {
    /// Which fetch this is; answers to older ones are ignored.
    pub generation: u64,
    /// The UTC span to read.
    pub window: Window,
    /// The week's first local date.
    pub first_day: NaiveDate,
    /// Whether the hosts' rules are to be read too (they are read once, with the first
    /// week that loads); hand them to [`SchedulerState::rules_loaded`] before
    /// [`SchedulerState::loaded`].
    pub rules: bool,
    /// The language whose catalogue is to be read too; hand it to
    /// [`SchedulerState::catalogue_loaded`] before [`SchedulerState::loaded`].
    pub catalogue: Option<&'static str>,
}

/// What the booking form says after a submit.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FormState {
    /// While the booking is posted.
    pub submitting: bool,
    /// The alert at the top of the form.
    pub message: Option<String>,
    /// The server's field errors, as `(field, description)`.
    pub field_errors: Vec<(String, String)>,
    /// What was typed, so redrawing the form (after a refused submit) keeps it.
    pub name: String,
    /// As typed.
    pub email: String,
    /// As typed.
    pub note: String,
}

impl FormState {
    /// The field errors for `field`, joined; `None` when it has none.
    pub fn error_for(&self, field: &str) -> Option<String> {
        let messages: Vec<&str> = self
            .field_errors
            .iter()
            .filter(|(name, _)| name == field)
            .map(|(_, message)| message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }

    /// Field errors about anything but the form's own fields (e.g. `start`).
    pub fn other_errors(&self) -> Vec<String> {
        self.field_errors
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "name" | "email" | "note"))
            .map(|(name, message)| format!("{name}: {message}"))
            .collect()
    }
}

/// The open confirm step.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirm {
    /// The slot chosen.
    pub cell: Cell,
    /// Where the booking starts: the slot's start, or the meeting start the hosts' rules
    /// offer in it that the visitor chose.
    pub start: DateTime<Utc>,
    /// Where the booking ends (the slot's end, or its start plus the chosen duration).
    pub end: DateTime<Utc>,
    /// When the booking is, in the shown zone (the step's title).
    pub when: String,
    /// This confirm step's idempotency key: every submit of it books at most once.
    pub key: String,
    /// The form.
    pub form: FormState,
    /// When it is, in the shown zone; then in the visitor's device zone if that differs.
    pub times: Vec<String>,
}

/// What a key press did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOutcome {
    /// Not the grid's key: let the browser have it.
    Unhandled,
    /// Focus moved to [`SchedulerState::focus`].
    Moved,
    /// Another week is shown.
    Week(Option<Fetch>),
}

/// The widget's state. See the module documentation.
pub struct SchedulerState {
    options: Options,
    messages: Rc<Catalogue>,
    right_to_left: bool,
    first_weekday: Weekday,
    zone: ShownZone,
    device_zone: ShownZone,
    problems: Vec<String>,
    can_fetch: bool,
    now: DateTime<Utc>,
    this_week: NaiveDate,
    week: NaiveDate,
    layout: Option<Week>,
    load: Load,
    generation: u64,
    grid: Option<Grid>,
    focus: Option<DateTime<Utc>>,
    refocus: bool,
    keep: Option<(usize, String)>,
    compact: bool,
    day: usize,
    confirm: Option<Confirm>,
    confirmation: Option<String>,
    manage: Option<(String, String)>,
    booking_alert: Option<String>,
    zone_alert: Option<String>,
    rules: RulesKnown,
    duration: Option<TimeDelta>,
    catalogue: Option<&'static str>,
}

impl SchedulerState {
    /// The state for `setup`, showing the options' week (else this week), loading.
    /// Start the returned [`Fetch`] (`None` when the week cannot be laid out; the state
    /// then says so).
    pub fn new(setup: Setup) -> (SchedulerState, Option<Fetch>) {
        let mut problems = setup.problems;
        if setup.options.attendees.is_empty() {
            problems.push(setup.messages.get(Text::ProblemNoAttendees).to_owned());
        }
        let mut state = SchedulerState {
            can_fetch: setup.can_fetch,
            options: setup.options,
            messages: Rc::new(setup.messages),
            right_to_left: setup.right_to_left,
            first_weekday: setup.first_weekday,
            zone: setup.zone,
            device_zone: setup.device_zone,
            problems,
            now: setup.now,
            this_week: NaiveDate::default(),
            week: NaiveDate::default(),
            layout: None,
            load: Load::Loading { waiting: None },
            generation: 0,
            grid: None,
            focus: None,
            refocus: false,
            keep: None,
            compact: false,
            day: 0,
            confirm: None,
            confirmation: None,
            manage: None,
            booking_alert: None,
            zone_alert: None,
            rules: RulesKnown::Unread,
            duration: None,
            catalogue: setup.catalogue,
        };
        state.this_week = state.week_of(state.today());
        state.week = state
            .options
            .week
            .map(|date| state.week_of(date))
            .unwrap_or(state.this_week);
        state.day = state.today_column().unwrap_or(0);
        state.lay_out();
        let fetch = state.begin_fetch();
        // Nothing to fetch, so no catalogue either: English (the problems say why).
        if fetch.is_none() {
            state.catalogue = None;
        }
        (state, fetch)
    }

    /// The host page changed the options (an attribute, say): the state takes `setup`
    /// and keeps what the visitor was doing — the week they look at (unless the `week`
    /// option itself changed), the layout, focus and an open confirm step with what was
    /// typed. It fetches again only when the source of availability changed (backend,
    /// API, attendees) or what was fetched does not cover the new week.
    pub fn reconfigure(&mut self, setup: Setup) -> Option<Fetch> {
        let same_source = setup.can_fetch == self.can_fetch
            && setup.options.backend == self.options.backend
            && setup.options.api == self.options.api
            && setup.options.attendees == self.options.attendees;
        let new_week = setup.options.week != self.options.week;
        let mut problems = setup.problems;
        if setup.options.attendees.is_empty() {
            problems.push(setup.messages.get(Text::ProblemNoAttendees).to_owned());
        }
        self.options = setup.options;
        self.messages = Rc::new(setup.messages);
        self.right_to_left = setup.right_to_left;
        self.first_weekday = setup.first_weekday;
        self.zone = setup.zone;
        self.device_zone = setup.device_zone;
        self.problems = problems;
        self.can_fetch = setup.can_fetch;
        self.now = setup.now;
        self.this_week = self.week_of(self.today());
        let shown = match self.options.week {
            Some(date) if new_week => date,
            _ => self.week,
        };
        self.week = self.week_of(shown);
        self.lay_out();
        self.catalogue = setup.catalogue;
        let fetch = if same_source && self.catalogue.is_none() {
            self.refetch_unless_covered()
        } else {
            // A new language's catalogue comes with the week, fetched again with it.
            self.begin_fetch()
        };
        if fetch.is_none() {
            self.catalogue = None;
        }
        fetch
    }

    /// What the visitor has typed into the open confirm step, so that a redraw of the
    /// whole widget (after the options changed) keeps it.
    pub fn typed(&mut self, name: &str, email: &str, note: &str) {
        if let Some(confirm) = self.confirm.as_mut().filter(|c| !c.form.submitting) {
            confirm.form.name = name.to_owned();
            confirm.form.email = email.to_owned();
            confirm.form.note = note.to_owned();
        }
    }

    // ------------------------------------------------------------------ queries

    /// Whether the visitor's catalogue is still being read: the widget is then hidden,
    /// so that it never shows English first.
    pub fn translating(&self) -> bool {
        self.catalogue.is_some()
    }

    /// Fetch `generation` read the catalogue of `language` (it had `catalogue`), or
    /// could not (`None`: the widget stays English). True when the texts changed, so
    /// the whole widget is to be drawn again; answers to older fetches change nothing.
    pub fn catalogue_loaded(
        &mut self,
        generation: u64,
        language: &str,
        texts: Option<Rc<crate::messages::Overrides>>,
    ) -> bool {
        if generation != self.generation || self.catalogue != Some(language) {
            return false;
        }
        self.catalogue = None;
        if let Some(texts) = texts {
            self.messages = Rc::new(self.messages.translated(texts));
        }
        true
    }

    /// The visitor's texts.
    pub fn messages(&self) -> &Catalogue {
        &self.messages
    }

    /// The options the state was made with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Whether the layout runs right to left.
    pub fn right_to_left(&self) -> bool {
        self.right_to_left
    }

    /// The zone the grid is shown in.
    pub fn zone(&self) -> &ShownZone {
        &self.zone
    }

    /// The visitor's device zone.
    pub fn device_zone(&self) -> &ShownZone {
        &self.device_zone
    }

    /// Problems with the options, for the alert above the grid.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The zone shown and its offset that week: "Asia/Kolkata (UTC+05:30)".
    pub fn zone_label(&self) -> String {
        let at = self
            .week_window()
            .map(|week| week.start())
            .filter(|_| self.week != self.this_week)
            .unwrap_or(self.now);
        let offset = self.zone.zone.offset_at(at).local_minus_utc();
        format!("{} ({})", self.zone.name, grid::utc_offset(offset))
    }

    /// Whether nothing can be fetched (no attendees, or no usable backend): every slot
    /// is then unavailable.
    pub fn unusable(&self) -> bool {
        !self.can_fetch || self.options.attendees.is_empty()
    }

    /// The first local date of the week shown.
    pub fn week(&self) -> NaiveDate {
        self.week
    }

    /// The load of the week shown.
    pub fn load(&self) -> &Load {
        &self.load
    }

    /// Whether the week is loading (`aria-busy`).
    pub fn loading(&self) -> bool {
        matches!(self.load, Load::Loading { .. })
    }

    /// The grid, once the week is loaded.
    pub fn grid(&self) -> Option<&Grid> {
        self.grid.as_ref()
    }

    /// The slot focus is on (or was last on), by its start.
    pub fn focus(&self) -> Option<DateTime<Utc>> {
        self.focus
    }

    /// Whether the phone layout is on.
    pub fn compact(&self) -> bool {
        self.compact
    }

    /// The day column the phone layout shows.
    pub fn day(&self) -> usize {
        self.day
    }

    /// The open confirm step.
    pub fn confirm(&self) -> Option<&Confirm> {
        self.confirm.as_ref()
    }

    /// The meeting length bookings take, when one was chosen (with the hosts' rules,
    /// always: the shortest they all offer unless the visitor chose another).
    pub fn duration(&self) -> Option<TimeDelta> {
        self.duration
    }

    /// The meeting lengths, in minutes, every host offers, shortest first; empty without
    /// published rules. The visitor chooses among them when there are several.
    pub fn durations(&self) -> Vec<u32> {
        match &self.rules {
            RulesKnown::Published(hosts) => {
                let free = Availability::default();
                let hosts: Vec<Host<'_>> = hosts
                    .iter()
                    .map(|host| Host::new(&host.rules, host.zone.zone.as_ref(), &free))
                    .collect();
                rule::durations_offered(&hosts)
            }
            _ => Vec::new(),
        }
    }

    /// The chosen meeting length in whole minutes, if any.
    pub fn duration_minutes(&self) -> Option<u32> {
        self.duration
            .and_then(|duration| u32::try_from(duration.num_minutes()).ok())
    }

    /// "23–29 November 2026", in the visitor's language.
    pub fn week_label(&self) -> String {
        let last = self
            .week
            .checked_add_days(Days::new(6))
            .unwrap_or(self.week);
        self.zone.labels.week(self.week, last)
    }

    /// The grid's accessible name.
    pub fn grid_label(&self) -> String {
        self.messages
            .fill(Text::GridLabel, &[("week", &self.week_label())])
    }

    /// The live status lines: loading or waiting, attendees shown as unknown, and the
    /// last booking's confirmation.
    pub fn status_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match &self.load {
            Load::Loading {
                waiting: Some(seconds),
            } => lines.push(
                self.messages
                    .fill(Text::Waiting, &[("seconds", &seconds.to_string())]),
            ),
            Load::Loading { waiting: None } => {
                lines.push(self.messages.get(Text::Loading).to_owned())
            }
            Load::Loaded { weeks, .. } => {
                if matches!(self.rules, RulesKnown::Published(_)) && self.durations().is_empty() {
                    lines.push(self.messages.get(Text::NoCommonDuration).to_owned());
                }
                for (email, week) in self.options.attendees.iter().zip(weeks) {
                    if let AttendeeWeek::Unknown(reason) = week {
                        lines.push(self.messages.fill(
                            Text::AttendeeUnknown,
                            &[
                                ("email", email),
                                ("reason", self.messages.get(reason.text())),
                            ],
                        ));
                    }
                }
            }
            Load::Failed(_) => {}
        }
        lines
    }

    /// The last booking's confirmation.
    pub fn confirmation(&self) -> Option<&str> {
        self.confirmation.as_deref()
    }

    /// The last booking's id and cancel token, for the visitor's links ("Add to
    /// calendar", "Reschedule", "Cancel booking"), when the server gave a token.
    pub fn manage(&self) -> Option<(&str, &str)> {
        self.manage
            .as_ref()
            .map(|(id, token)| (id.as_str(), token.as_str()))
    }

    /// Why the week cannot be shown, and whether a retry is offered.
    pub fn week_error(&self) -> Option<(String, bool)> {
        match &self.load {
            Load::Failed(error) => Some((error.describe(&self.messages), error.can_retry())),
            _ => None,
        }
    }

    /// What went wrong with the last booking, when the form closed over it.
    pub fn booking_alert(&self) -> Option<&str> {
        self.booking_alert.as_deref()
    }

    /// Why the zone the visitor typed was not taken.
    pub fn zone_alert(&self) -> Option<&str> {
        self.zone_alert.as_deref()
    }

    /// The day columns drawn: all seven, or the phone layout's one.
    pub fn columns(&self) -> Range<usize> {
        let days = self.layout.as_ref().map_or(7, |week| week.days().len());
        if self.compact {
            let day = self.day.min(days.saturating_sub(1));
            day..day + 1
        } else {
            0..days
        }
    }

    /// The phone layout's day strip.
    pub fn day_tabs(&self) -> Vec<DayTab> {
        self.layout
            .iter()
            .flat_map(|week| week.days())
            .enumerate()
            .map(|(column, day)| {
                let (weekday, number) = self.zone.labels.day_parts(day.date());
                DayTab {
                    weekday,
                    number,
                    long: self.zone.labels.day(day.date(), true),
                    selected: column == self.day,
                }
            })
            .collect()
    }

    /// The one cell with `tabindex="0"`: the focused slot when it is drawn, else the
    /// first bookable one drawn.
    pub fn tab_stop(&self) -> Option<Position> {
        let grid = self.grid.as_ref()?;
        let columns = self.columns();
        self.focus
            .and_then(|start| grid.find(start))
            .filter(|(_, column)| columns.contains(column))
            .or_else(|| grid.first_focus(columns))
    }

    /// The grid's content: the week (or day) when loaded, else the skeleton.
    pub fn grid_markup(&self) -> String {
        match &self.grid {
            Some(grid) => markup(grid, self.columns(), self.tab_stop(), &self.messages),
            None => {
                let rows: Vec<String> = self
                    .layout
                    .as_ref()
                    .and_then(|week| week.days().first())
                    .map(|day| {
                        day.slots()
                            .iter()
                            .map(|slot| self.zone.labels.time(slot.start()))
                            .collect()
                    })
                    .unwrap_or_default();
                skeleton_markup(&rows, self.columns().len(), &self.messages)
            }
        }
    }

    /// Whether the grid should take focus after it is drawn next (the keyboard moved to
    /// a week or day not drawn yet); cleared by [`SchedulerState::focused`].
    pub fn wants_focus(&self) -> bool {
        self.refocus
    }

    /// The cell starting at `start`.
    pub fn cell(&self, start: DateTime<Utc>) -> Option<&Cell> {
        let grid = self.grid.as_ref()?;
        grid.find(start).and_then(|position| grid.cell(position))
    }

    // ------------------------------------------------------------------ loading

    /// Starts fetching the week shown: the state is loading until
    /// [`SchedulerState::loaded`] or [`SchedulerState::failed`] for this fetch.
    fn begin_fetch(&mut self) -> Option<Fetch> {
        self.generation += 1;
        self.grid = None;
        let window = self.week_window().and_then(|week| {
            let start = week.start().checked_sub_days(FETCH_MARGIN)?;
            let end = week.end().checked_add_days(FETCH_MARGIN)?;
            Window::new(start, end).ok()
        });
        match (window, self.layout.is_some()) {
            // Nothing to ask: the week is drawn at once, all of it unavailable.
            (Some(window), true) if self.unusable() => {
                self.load = Load::Loaded {
                    weeks: Vec::new(),
                    window,
                };
                self.build_grid();
                None
            }
            (Some(window), true) => {
                self.load = Load::Loading { waiting: None };
                Some(Fetch {
                    generation: self.generation,
                    window,
                    first_day: self.week,
                    rules: matches!(self.rules, RulesKnown::Unread),
                    catalogue: self.catalogue,
                })
            }
            _ => {
                self.load = Load::Failed(FetchError::Unexpected(0));
                None
            }
        }
    }

    /// A 429 makes fetch `generation` wait `seconds`.
    pub fn waiting(&mut self, generation: u64, seconds: u32) {
        if generation == self.generation && self.loading() {
            self.load = Load::Loading {
                waiting: Some(seconds),
            };
        }
    }

    /// Fetch `generation` read every attendee's week; the `freebusy:loaded` notice, unless
    /// the fetch is stale.
    pub fn loaded(
        &mut self,
        generation: u64,
        window: Window,
        weeks: Vec<AttendeeWeek>,
    ) -> Option<Notice> {
        if generation != self.generation {
            return None;
        }
        self.load = Load::Loaded { weeks, window };
        self.build_grid();
        self.loaded_notice()
    }

    /// Fetch `generation` failed; the `freebusy:error` notice, unless the fetch is stale
    /// or was aborted.
    pub fn failed(&mut self, generation: u64, error: FetchError) -> Option<Notice> {
        if generation != self.generation || error == FetchError::Aborted {
            return None;
        }
        let notice = Notice::Error {
            code: error.code(),
            message: error.describe(&self.messages),
            hint: error.hint(),
        };
        self.load = Load::Failed(error);
        Some(notice)
    }

    /// "Try again", or a refresh after a booking.
    pub fn retry(&mut self) -> Option<Fetch> {
        self.begin_fetch()
    }

    /// The clock moved on: past slots and the now line follow it.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.this_week = self.week_of(self.today());
        self.build_grid();
    }

    // ------------------------------------------------------------------ weeks, days, zones

    /// Shows the week containing `date`.
    pub fn show_week(&mut self, date: NaiveDate) -> Option<Fetch> {
        let first = self.week_of(date);
        if first == self.week && self.layout.is_some() {
            return None;
        }
        self.week = first;
        self.focus = None;
        self.lay_out();
        if first == self.this_week {
            self.day = self.today_column().unwrap_or(self.day);
        }
        self.refetch_unless_covered()
    }

    /// The week after (`forward`) or before the one shown.
    pub fn step_week(&mut self, forward: bool) -> Option<Fetch> {
        let moved = if forward {
            self.week.checked_add_days(Days::new(7))
        } else {
            self.week.checked_sub_days(Days::new(7))
        };
        moved.and_then(|date| self.show_week(date))
    }

    /// Back to the week containing today.
    pub fn show_this_week(&mut self) -> Option<Fetch> {
        self.show_week(self.this_week)
    }

    /// Switches the phone layout on (the element is narrower than a week needs) or off.
    pub fn set_compact(&mut self, compact: bool) {
        self.compact = compact;
    }

    /// Shows day `column` in the phone layout; focus goes to its slot at the time focus
    /// was at, else its first bookable one.
    pub fn show_day(&mut self, column: usize) {
        let days = self.layout.as_ref().map_or(0, |week| week.days().len());
        if column >= days {
            return;
        }
        let row = self
            .grid
            .as_ref()
            .zip(self.focus)
            .and_then(|(grid, start)| grid.find(start))
            .map(|(row, _)| row);
        self.day = column;
        self.focus = self.grid.as_ref().and_then(|grid| {
            row.and_then(|row| grid.cell((row, column)))
                .or_else(|| {
                    grid.first_focus(column..column + 1)
                        .and_then(|at| grid.cell(at))
                })
                .map(|cell| cell.start)
        });
    }

    /// Shows the grid in `zone` instead; fetches only when what was fetched does not
    /// cover that zone's week (or the Cronofy-style request names the shown zone).
    pub fn set_zone(&mut self, zone: ShownZone) -> Option<Fetch> {
        self.zone_alert = None;
        if zone.name == self.zone.name {
            return None;
        }
        self.zone = zone;
        self.this_week = self.week_of(self.today());
        self.lay_out();
        let names_zone = matches!(&self.options.api, Api::Cronofy { tzid: None, .. });
        if names_zone {
            return self.begin_fetch();
        }
        self.refetch_unless_covered()
    }

    /// The visitor typed a zone the browser does not know: the grid stays as it is,
    /// and says so.
    pub fn zone_refused(&mut self, name: &str) {
        self.zone_alert = Some(self.messages.fill(
            Text::ZoneUnknown,
            &[("zone", name), ("shown", &self.zone.name)],
        ));
    }

    fn refetch_unless_covered(&mut self) -> Option<Fetch> {
        let covered = match (&self.load, self.week_window()) {
            (Load::Loaded { window, .. }, Some(week)) => {
                window.start() <= week.start() && week.end() <= window.end()
            }
            _ => false,
        };
        if covered {
            self.build_grid();
            None
        } else {
            self.begin_fetch()
        }
    }

    // ------------------------------------------------------------------ rules (issue 14)

    /// Fetch `generation` read the hosts' rules (it had `rules`): one entry per
    /// attendee, or `None` when the server publishes none. Call it before
    /// [`SchedulerState::loaded`] for the same fetch, whose grid then follows them; the
    /// meeting length becomes the shortest every host offers. Ignored for a stale fetch.
    pub fn rules_loaded(&mut self, generation: u64, rules: Option<Vec<HostRules>>) {
        if generation != self.generation {
            return;
        }
        self.rules = match rules {
            Some(hosts) if hosts.len() == self.options.attendees.len() => {
                RulesKnown::Published(hosts)
            }
            _ => RulesKnown::Unpublished,
        };
        let shortest = self.durations().first().copied();
        if let Some(minutes) = shortest {
            self.duration = Some(TimeDelta::minutes(i64::from(minutes)));
        }
        self.build_grid();
    }

    /// The visitor chose meetings of `minutes`, one of [`SchedulerState::durations`]:
    /// the grid shows where meetings of that length start. Another length is ignored.
    pub fn choose_duration(&mut self, minutes: u32) {
        if self.durations().contains(&minutes) && self.duration_minutes() != Some(minutes) {
            self.duration = Some(TimeDelta::minutes(i64::from(minutes)));
            self.confirm = None;
            self.build_grid();
        }
    }

    /// Without published rules: the meeting length bookings take instead of the slot's
    /// (`None`: the slot's). With them the length is chosen among theirs instead
    /// ([`SchedulerState::choose_duration`]).
    pub fn set_duration(&mut self, duration: Option<TimeDelta>) {
        if !matches!(self.rules, RulesKnown::Published(_)) {
            self.duration = duration;
        }
    }

    // ------------------------------------------------------------------ the keyboard

    /// A key pressed in the grid (`control`: Ctrl or Cmd held).
    pub fn key(&mut self, key: &str, control: bool) -> KeyOutcome {
        if matches!(key, "PageUp" | "PageDown") {
            // The same weekday and time in the other week, once it is drawn.
            self.keep = self.tab_stop().and_then(|(row, column)| {
                let label = self.grid.as_ref()?.rows.get(row)?.label.clone();
                Some((column, label))
            });
            let fetch = self.step_week(key == "PageDown");
            self.refocus = true;
            self.apply_keep();
            return KeyOutcome::Week(fetch);
        }
        let Some(step) = Step::from_key(key, control, self.right_to_left) else {
            return KeyOutcome::Unhandled;
        };
        let Some(from) = self.tab_stop() else {
            return KeyOutcome::Moved;
        };
        let Some(grid) = &self.grid else {
            return KeyOutcome::Moved;
        };
        // In the phone layout, up, down, Home and End stay in the day shown; the other
        // moves change the day.
        let day = |rows: &mut dyn Iterator<Item = usize>| {
            rows.map(|row| (row, from.1))
                .find(|&at| grid.cell(at).is_some())
                .unwrap_or(from)
        };
        let to = match (self.compact, step) {
            (true, Step::RowStart | Step::RowEnd) => from,
            (true, Step::GridStart) => day(&mut (0..grid.rows.len())),
            (true, Step::GridEnd) => day(&mut (0..grid.rows.len()).rev()),
            _ => grid.step(from, step),
        };
        if let Some(cell) = grid.cell(to) {
            self.focus = Some(cell.start);
        }
        if self.compact && to.1 != self.day {
            self.day = to.1;
            self.refocus = true;
        }
        KeyOutcome::Moved
    }

    /// The grid was drawn and focus put on its tab stop (see
    /// [`SchedulerState::wants_focus`]).
    pub fn focused(&mut self) {
        self.refocus = false;
    }

    // ------------------------------------------------------------------ booking

    /// The visitor chose the slot starting at `start`; the `freebusy:slotselect` notice
    /// when it is bookable (the host page may cancel it).
    pub fn choose(&mut self, start: DateTime<Utc>) -> Option<Notice> {
        let cell = self.cell(start).filter(|cell| cell.bookable)?.clone();
        self.focus = Some(start);
        let meeting = Self::first_start(&cell);
        Some(Notice::SlotSelect(self.slot_detail(
            &cell,
            meeting,
            self.booking_end(meeting, &cell),
        )))
    }

    /// The slotselect was not cancelled: opens the confirm step for `start` with a fresh
    /// idempotency `key`. `false` when no form opens (`bookings="event-only"`).
    pub fn open_confirm(&mut self, start: DateTime<Utc>, key: String) -> bool {
        if self.options.bookings == Bookings::EventOnly {
            return false;
        }
        let Some(cell) = self.cell(start).filter(|cell| cell.bookable).cloned() else {
            return false;
        };
        let meeting = Self::first_start(&cell);
        let end = self.booking_end(meeting, &cell);
        self.confirmation = None;
        self.manage = None;
        self.booking_alert = None;
        let times = self.times(meeting, end);
        let when = cell.when.clone();
        self.confirm = Some(Confirm {
            cell,
            start: meeting,
            end,
            when,
            key,
            form: FormState::default(),
            times,
        });
        true
    }

    /// In the confirm step, the visitor chose another of the meeting starts the slot
    /// offers (see [`Cell::starts`]); any other instant is ignored.
    pub fn choose_start(&mut self, start: DateTime<Utc>) {
        let Some(confirm) = &self.confirm else {
            return;
        };
        if !confirm.cell.starts.contains(&start) || confirm.start == start {
            return;
        }
        let cell = confirm.cell.clone();
        let end = self.booking_end(start, &cell);
        let times = self.times(start, end);
        let when = self.when(start, end);
        if let Some(confirm) = &mut self.confirm {
            confirm.start = start;
            confirm.end = end;
            confirm.when = when;
            confirm.times = times;
        }
    }

    /// Cancel (or Escape): the confirm step closes and focus goes back to its slot.
    pub fn cancel_confirm(&mut self) {
        if let Some(confirm) = self.confirm.take() {
            self.focus = Some(confirm.cell.start);
            self.refocus = true;
        }
    }

    /// Submit with what was typed: the request to post, unless one is in flight.
    pub fn submit(&mut self, name: &str, email: &str, note: &str) -> Option<BookingRequest> {
        let attendees = self.options.attendees.clone();
        let confirm = self
            .confirm
            .as_mut()
            .filter(|confirm| !confirm.form.submitting)?;
        confirm.form = FormState {
            submitting: true,
            name: name.trim().to_owned(),
            email: email.trim().to_owned(),
            note: note.trim().to_owned(),
            ..FormState::default()
        };
        Some(BookingRequest {
            hosts: attendees,
            start: confirm.start,
            end: confirm.end,
            name: confirm.form.name.clone(),
            email: confirm.form.email.clone(),
            note: Some(confirm.form.note.clone()).filter(|note| !note.is_empty()),
            idempotency_key: confirm.key.clone(),
        })
    }

    /// The server booked it as `id`: the confirmation (with the visitor's links when the
    /// server gave a cancel `token`), the `freebusy:booked` notice and the refetch that
    /// shows the slot taken.
    pub fn booked(&mut self, id: &str, token: Option<&str>) -> (Option<Notice>, Option<Fetch>) {
        let Some(confirm) = self.confirm.take() else {
            return (None, None);
        };
        // Only what can stand in a link as it is (the server's are hex).
        let plain = |text: &str| {
            !text.is_empty()
                && text
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        };
        self.manage = token
            .filter(|token| plain(id) && plain(token))
            .map(|token| (id.to_owned(), token.to_owned()));
        self.focus = Some(confirm.cell.start);
        self.refocus = true;
        self.confirmation = Some(
            self.messages
                .fill(Text::Booked, &[("when", &confirm.when), ("id", id)]),
        );
        let notice = Notice::Booked {
            id: id.to_owned(),
            slot: self.slot_detail(&confirm.cell, confirm.start, confirm.end),
            name: confirm.form.name,
            email: confirm.form.email,
        };
        (Some(notice), self.retry())
    }

    /// The booking failed: a conflict closes the form and refetches; refused fields or
    /// another failure keep the form open with what was typed and the errors.
    pub fn booking_failed(&mut self, error: BookingError) -> (Notice, Option<Fetch>) {
        let message = error.describe(&self.messages);
        let notice = Notice::Error {
            code: error.code(),
            message: message.clone(),
            hint: match &error {
                BookingError::Failed(error) => error.hint(),
                _ => None,
            },
        };
        match error {
            BookingError::Conflict => {
                if let Some(confirm) = self.confirm.take() {
                    self.focus = Some(confirm.cell.start);
                    self.refocus = true;
                }
                self.booking_alert = Some(message);
                (notice, self.retry())
            }
            BookingError::Invalid(field_errors) => {
                if let Some(confirm) = &mut self.confirm {
                    confirm.form.submitting = false;
                    confirm.form.message = Some(message);
                    confirm.form.field_errors = field_errors;
                }
                (notice, None)
            }
            BookingError::Failed(_) => {
                if let Some(confirm) = &mut self.confirm {
                    confirm.form.submitting = false;
                    confirm.form.message = Some(message);
                    confirm.form.field_errors = Vec::new();
                }
                (notice, None)
            }
        }
    }

    // ------------------------------------------------------------------ internals

    fn today(&self) -> NaiveDate {
        local_time_at(self.zone.zone.as_ref(), self.now)
            .map_or_else(|| self.now.date_naive(), |local| local.date())
    }

    fn today_column(&self) -> Option<usize> {
        let today = self.today();
        let first = self.week_of(today);
        (first == self.week).then(|| (today - first).num_days().unsigned_abs() as usize)
    }

    fn week_of(&self, date: NaiveDate) -> NaiveDate {
        week_start(date, self.first_weekday).unwrap_or(date)
    }

    fn week_window(&self) -> Option<Window> {
        week_window(self.zone.zone.as_ref(), self.week).ok()
    }

    fn lay_out(&mut self) {
        let spec = WeekSpec {
            first_day: self.week,
            visible: self.options.visible,
            slot_minutes: self.options.slot_minutes,
        };
        self.layout = Week::layout(&spec, self.zone.zone.as_ref()).ok();
    }

    fn build_grid(&mut self) {
        let (Some(week), Load::Loaded { weeks, window }) = (&self.layout, &self.load) else {
            self.grid = None;
            return;
        };
        let availabilities: Vec<_> = weeks
            .iter()
            .map(|week| week.availability(*window))
            .collect();
        let group = GroupAvailability::combine(&availabilities);
        let offer = self.offer(&availabilities, *window);
        let nothing = Offer::default();
        self.grid = Some(Grid::build(&GridInput {
            week,
            zone: self.zone.zone.as_ref(),
            labels: self.zone.labels.as_ref(),
            messages: &self.messages,
            group: &group,
            attendees: &self.options.attendees,
            now: self.now,
            book_tentative: self.options.book_tentative,
            // Nothing is offered while the widget cannot be used (no attendee, no
            // backend): every free slot is then unavailable, as with rules that offer none.
            offer: if self.unusable() {
                Some(&nothing)
            } else {
                offer.as_ref()
            },
            explain: self.options.explain,
        }));
        self.apply_keep();
        // An open confirm step follows the new grid (another zone's words for its time).
        if let Some((slot, start, end)) = self
            .confirm
            .as_ref()
            .map(|confirm| (confirm.cell.start, confirm.start, confirm.end))
        {
            let times = self.times(start, end);
            let when = self.when(start, end);
            let cell = self.cell(slot).cloned();
            if let Some(confirm) = &mut self.confirm {
                if let Some(cell) = cell {
                    confirm.cell = cell;
                }
                confirm.when = when;
                confirm.times = times;
            }
        }
    }

    /// What the hosts' published rules offer in the week shown for the meeting length
    /// chosen: `None` without rules. Each host's availability is what was fetched, and
    /// unknown outside `fetched`, so that no meeting or buffer reaching past it is
    /// judged on time that was not read.
    fn offer(&self, availabilities: &[Availability], fetched: Window) -> Option<Offer> {
        let RulesKnown::Published(rules) = &self.rules else {
            return None;
        };
        let week = self.week_window()?;
        let unread = [
            Period::new(DateTime::<Utc>::MIN_UTC, fetched.start(), Status::Unknown),
            Period::new(fetched.end(), DateTime::<Utc>::MAX_UTC, Status::Unknown),
        ];
        let calendars: Vec<Availability> = availabilities
            .iter()
            .map(|availability| {
                let mut periods = availability.periods().to_vec();
                periods.extend(unread.iter().flatten().cloned());
                Availability::merge(periods)
            })
            .collect();
        let hosts: Vec<Host<'_>> = rules
            .iter()
            .zip(&calendars)
            .map(|(host, calendar)| Host::new(&host.rules, host.zone.zone.as_ref(), calendar))
            .collect();
        // No length in common: nothing is offered (the status says why).
        let minutes = self.duration_minutes().unwrap_or(0);
        Some(Offer {
            openings: rule::bookable(&hosts, minutes, self.now, week),
            unavailable: rule::unavailable(&hosts, self.now, week),
            minutes,
        })
    }

    /// Where a booking from `cell` starts: the first meeting its rules offer, else the
    /// slot's start.
    fn first_start(cell: &Cell) -> DateTime<Utc> {
        cell.starts.first().copied().unwrap_or(cell.start)
    }

    /// After PageUp/PageDown: focus the slot at the weekday and time focus was at, once
    /// the week's grid is there.
    fn apply_keep(&mut self) {
        let Some(grid) = &self.grid else { return };
        let Some((column, label)) = self.keep.take() else {
            return;
        };
        let row = grid
            .rows
            .iter()
            .position(|row| row.label == label)
            .unwrap_or(0);
        self.focus = grid
            .cell((row, column))
            .or_else(|| {
                grid.first_focus(column..column + 1)
                    .and_then(|at| grid.cell(at))
            })
            .map(|cell| cell.start);
        if self.compact {
            self.day = column;
        }
    }

    fn booking_end(&self, start: DateTime<Utc>, cell: &Cell) -> DateTime<Utc> {
        self.duration
            .and_then(|duration| start.checked_add_signed(duration))
            .unwrap_or(cell.end)
    }

    /// When `[start, end)` is, in the shown zone.
    fn when(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        grid::when(
            self.zone.zone.as_ref(),
            self.zone.labels.as_ref(),
            &self.messages,
            start,
            end,
        )
    }

    /// When `[start, end)` is, in the shown zone and then each other zone that matters
    /// that differs from those before it: the visitor's device zone, and each host's
    /// home zone (from their rules).
    fn times(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<String> {
        let mut zones = vec![&self.zone];
        let hosts = match &self.rules {
            RulesKnown::Published(hosts) => hosts.as_slice(),
            _ => &[],
        };
        for zone in [&self.device_zone]
            .into_iter()
            .chain(hosts.iter().map(|host| &host.zone))
        {
            if zones.iter().all(|known| known.name != zone.name) {
                zones.push(zone);
            }
        }
        let mut times = Vec::new();
        for zone in zones {
            let when = grid::when(
                zone.zone.as_ref(),
                zone.labels.as_ref(),
                &self.messages,
                start,
                end,
            );
            times.push(self.messages.fill(
                Text::FormOtherZone,
                &[("when", &when), ("zone", &zone.name)],
            ));
        }
        times
    }

    fn slot_detail(&self, cell: &Cell, start: DateTime<Utc>, end: DateTime<Utc>) -> SlotDetail {
        SlotDetail {
            start,
            end,
            time_zone: self.zone.name.clone(),
            attendees: self.options.attendees.clone(),
            status: cell.status.as_str(),
        }
    }

    fn loaded_notice(&self) -> Option<Notice> {
        let (grid, week, Load::Loaded { weeks, .. }) =
            (self.grid.as_ref()?, self.week_window()?, &self.load)
        else {
            return None;
        };
        Some(Notice::Loaded {
            week: self.week,
            start: week.start(),
            end: week.end(),
            time_zone: self.zone.name.clone(),
            attendees: self
                .options
                .attendees
                .iter()
                .zip(weeks)
                .map(|(email, week)| match week {
                    AttendeeWeek::Calendar { .. } => AttendeeDetail {
                        email: email.clone(),
                        status: "ok",
                        reason: None,
                    },
                    AttendeeWeek::Unknown(reason) => AttendeeDetail {
                        email: email.clone(),
                        status: "unknown",
                        reason: Some(reason.as_str().to_owned()),
                    },
                })
                .collect(),
            slots: grid
                .cells()
                .map(|cell| SlotSummary {
                    start: cell.start,
                    end: cell.end,
                    status: cell.status.as_str(),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests;
