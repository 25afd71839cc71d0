//! The widget: week navigation, the availability grid and the booking form.
//!
//! The component wires signals to the engine ([`freebusy_core`]), the grid model
//! ([`crate::grid`]) and the I/O module ([`crate::fetch`]); it computes nothing itself.

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use freebusy_core::GroupAvailability;
use freebusy_core::week::{Week, WeekSpec, week_start, week_window};
use freebusy_core::zone::local_time_at;
use leptos::html;
use leptos::prelude::*;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortController;

use crate::browser_zone::{self, BrowserZone};
use crate::events::{self, SlotDetail};
use crate::fetch::{
    self, AttendeeWeek, BookingError, BookingRequest, FetchError, GlooHttp, Http, WeekQuery,
};
use crate::grid::{Cell, Grid, GridInput, Position, Step, markup, skeleton_markup};
use crate::options::{Bookings, Options, Problem};
use crate::week_nav::{WeekNav, shifted};

/// How far a week's availability has come.
#[derive(Clone, Debug, PartialEq)]
enum Load {
    /// Requests in flight; `waiting` is a 429's wait in seconds.
    Loading { waiting: Option<u32> },
    /// Every attendee answered (some perhaps as unknown).
    Loaded(Vec<AttendeeWeek>),
    /// The week cannot be shown.
    Failed(FetchError),
}

/// What the booking form says after a submit.
#[derive(Clone, Debug, PartialEq, Default)]
struct FormState {
    submitting: bool,
    message: Option<String>,
    field_errors: Vec<(String, String)>,
    /// What was typed, so redrawing the form (after a refused submit) keeps it.
    name: String,
    email: String,
    note: String,
}

impl FormState {
    /// The field errors for `field`, joined; `None` when it has none.
    fn error_for(&self, field: &str) -> Option<String> {
        let messages: Vec<&str> = self
            .field_errors
            .iter()
            .filter(|(name, _)| name == field)
            .map(|(_, message)| message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }

    /// Field errors about anything but the form's own fields (e.g. `start`).
    fn other_errors(&self) -> Vec<String> {
        self.field_errors
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "name" | "email" | "note"))
            .map(|(name, message)| format!("{name}: {message}"))
            .collect()
    }
}

#[derive(Serialize)]
struct ErrorDetail {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct AttendeeDetail {
    email: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Serialize)]
struct LoadedDetail {
    week: String,
    start: String,
    end: String,
    #[serde(rename = "timeZone")]
    time_zone: String,
    attendees: Vec<AttendeeDetail>,
    slots: Vec<SlotSummary>,
}

#[derive(Serialize)]
struct SlotSummary {
    start: String,
    end: String,
    status: &'static str,
}

#[derive(Serialize)]
struct BookedDetail {
    id: String,
    #[serde(flatten)]
    slot: SlotDetail,
    name: String,
    email: String,
}

/// The scheduling widget: a week of slots for the attendees, and booking a free one.
///
/// Renders the stable DOM contract documented in the README (root `.freebusy`,
/// `role="grid"`, slots with `data-start`/`data-end`/`data-status`, `aria-busy` while
/// loading, `role="alert"` errors, the confirm `<form>`).
#[component]
pub fn Scheduler(
    /// The configuration; see [`Options`] for the defaults.
    options: Options,
    /// Where HTTP goes; the browser's fetch (gloo-net) by default.
    #[prop(optional)]
    http: Option<Rc<dyn Http>>,
    /// Problems found while reading the options, shown as an alert.
    #[prop(optional)]
    problems: Vec<Problem>,
) -> impl IntoView {
    let http: Rc<dyn Http> = http.unwrap_or_else(|| Rc::new(GlooHttp));
    // The widget's owner, for tasks started from event handlers.
    let owner = StoredValue::new_local(Owner::current().unwrap_or_default());
    let mut notices: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let zone = match &options.time_zone {
        Some(name) => BrowserZone::new(name).unwrap_or_else(|message| {
            notices.push(format!("{message}; showing the browser's time zone"));
            BrowserZone::browser_default()
        }),
        None => BrowserZone::browser_default(),
    };
    let zone_name = zone.name().to_owned();
    let first_weekday = options
        .first_day
        .unwrap_or_else(browser_zone::locale_first_day);
    let hour_cycle = options
        .hour_cycle
        .unwrap_or_else(browser_zone::locale_hour_cycle);
    let backend = options.backend.clone().unwrap_or_else(|| {
        web_sys::window()
            .and_then(|window| window.location().origin().ok())
            .unwrap_or_default()
    });
    if options.attendees.is_empty() {
        notices.push("No attendees are configured, so there is no availability to show.".into());
    }

    let zone = StoredValue::new_local(Rc::new(zone));
    let http = StoredValue::new_local(http);
    let options = StoredValue::new(options);
    let backend = StoredValue::new(backend);
    let zone_name = StoredValue::new(zone_name);

    let now = RwSignal::new(browser_zone::now());
    let today = move || {
        let now = now.get_untracked();
        zone.with_value(|zone| local_time_at(zone.as_ref(), now))
            .map_or_else(|| now.date_naive(), |local| local.date())
    };
    let this_week = week_start(today(), first_weekday).unwrap_or_else(today);
    let shown = options
        .with_value(|options| options.week)
        .and_then(|date| week_start(date, first_weekday))
        .unwrap_or(this_week);
    let week_first = RwSignal::new(shown);
    let load = RwSignal::new(Load::Loading { waiting: None });
    let reload = RwSignal::new(0u32);
    let focused: RwSignal<Option<DateTime<Utc>>> = RwSignal::new(None);
    let refocus = RwSignal::new(false);
    let selected: RwSignal<Option<Cell>> = RwSignal::new(None);
    let idempotency_key = RwSignal::new(String::new());
    let form = RwSignal::new(FormState::default());
    let confirmation: RwSignal<Option<String>> = RwSignal::new(None);
    let booking_alert: RwSignal<Option<String>> = RwSignal::new(None);
    let root = NodeRef::<html::Div>::new();
    let form_ref = NodeRef::<html::Form>::new();
    let grid_ref = NodeRef::<html::Div>::new();
    let name_input = NodeRef::<html::Input>::new();
    let email_input = NodeRef::<html::Input>::new();
    let note_input = NodeRef::<html::Textarea>::new();

    // The clock moves on: past slots and the now line follow it.
    if let Ok(clock) = set_interval_with_handle(
        move || now.set(browser_zone::now()),
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || clock.clear());
    }

    let spec = move || {
        options.with_value(|options| WeekSpec {
            first_day: week_first.get(),
            visible: options.visible,
            slot_minutes: options.slot_minutes,
        })
    };
    let layout = Memo::new(move |_| {
        let spec = spec();
        zone.with_value(|zone| Week::layout(&spec, zone.as_ref()).ok())
    });
    let window = Memo::new(move |_| {
        let first = week_first.get();
        zone.with_value(|zone| week_window(zone.as_ref(), first).ok())
    });

    // `try_`: a task may finish after the widget was unmounted.
    let dispatch = move |name: &str, detail: JsValue, cancelable: bool| {
        root.try_get_untracked()
            .flatten()
            .is_none_or(|root| events::dispatch(&root, name, &detail, cancelable))
    };

    // Fetch whenever the week changes or a reload is asked for; a week the user left is
    // aborted, so a slow answer for it can never overwrite the week now shown.
    let in_flight: StoredValue<RefCell<Option<AbortController>>, LocalStorage> =
        StoredValue::new_local(RefCell::new(None));
    let abort_in_flight = move || {
        in_flight.with_value(|slot| {
            if let Some(controller) = slot.borrow_mut().take() {
                controller.abort();
            }
        })
    };
    Effect::new(move |_| {
        reload.track();
        let first = week_first.get();
        let Some(window) = window.get() else {
            load.set(Load::Failed(FetchError::Unexpected(0)));
            return;
        };
        abort_in_flight();
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        in_flight.with_value(|slot| *slot.borrow_mut() = controller);
        load.set(Load::Loading { waiting: None });
        let http = http.get_value();
        let zone = zone.get_value();
        let options = options.get_value();
        let backend = backend.get_value();
        let zone_name = zone_name.get_value();
        // Scoped and cancelled with the effect: a rerun (or unmounting) drops the task
        // before it can touch signals that no longer exist.
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            let query = WeekQuery {
                backend: &backend,
                options: &options,
                window,
                first_day: first,
                zone_name: &zone_name,
            };
            let on_wait = move |seconds| {
                load.set(Load::Loading {
                    waiting: Some(seconds),
                })
            };
            let result =
                fetch::fetch_week(http.as_ref(), &query, zone.as_ref(), signal, &on_wait).await;
            match result {
                Err(FetchError::Aborted) => {}
                Ok(weeks) => load.set(Load::Loaded(weeks)),
                Err(error) => {
                    dispatch(
                        events::ERROR,
                        events::detail(&ErrorDetail {
                            code: error.code(),
                            message: error.to_string(),
                        }),
                        false,
                    );
                    load.set(Load::Failed(error));
                }
            }
        });
    });
    on_cleanup(abort_in_flight);

    let grid = Memo::new(move |_| {
        let week = layout.get()?;
        let window = window.get()?;
        let attendees = options.with_value(|options| options.attendees.clone());
        let book_tentative = options.with_value(|options| options.book_tentative);
        load.with(|load| {
            let weeks = match load {
                Load::Loaded(weeks) => weeks,
                _ => return None,
            };
            let availabilities: Vec<_> =
                weeks.iter().map(|week| week.availability(window)).collect();
            let group = GroupAvailability::combine(&availabilities);
            zone.with_value(|zone| {
                Some(Grid::build(&GridInput {
                    week: &week,
                    zone: zone.as_ref(),
                    group: &group,
                    attendees: &attendees,
                    now: now.get(),
                    hour_cycle,
                    book_tentative,
                }))
            })
        })
    });

    // Tell the host page once per shown week's answer.
    Effect::new(move |_| {
        let Some(grid) = grid.get() else { return };
        let Some(window) = window.get_untracked() else {
            return;
        };
        let attendees = options.with_value(|options| options.attendees.clone());
        let statuses = load.with_untracked(|load| match load {
            Load::Loaded(weeks) => weeks.clone(),
            _ => Vec::new(),
        });
        let detail = LoadedDetail {
            week: week_first.get_untracked().to_string(),
            start: fetch::rfc3339(window.start()),
            end: fetch::rfc3339(window.end()),
            time_zone: zone_name.get_value(),
            attendees: attendees
                .iter()
                .zip(&statuses)
                .map(|(email, week)| match week {
                    AttendeeWeek::Calendar { .. } => AttendeeDetail {
                        email: email.clone(),
                        status: "ok",
                        reason: None,
                    },
                    AttendeeWeek::Unknown { reason } => AttendeeDetail {
                        email: email.clone(),
                        status: "unknown",
                        reason: Some(reason.clone()),
                    },
                })
                .collect(),
            slots: grid
                .positions()
                .filter_map(|position| grid.cell(position))
                .map(|cell| SlotSummary {
                    start: fetch::rfc3339(cell.start),
                    end: fetch::rfc3339(cell.end),
                    status: cell.status.as_str(),
                })
                .collect(),
        };
        dispatch(events::LOADED, events::detail(&detail), false);
    });

    // The one cell with tabindex 0: the focused slot if it is shown, else the first
    // bookable one. Read on demand: moving focus must not redraw the grid.
    let tab_stop = move || {
        grid.with_untracked(|grid| {
            let grid = grid.as_ref()?;
            focused
                .get_untracked()
                .and_then(|start| grid.find(start))
                .or_else(|| grid.first_focus())
        })
    };

    // The grid's rows are drawn as one piece of markup (see `grid::markup`) whenever the
    // week, its availability or the clock changes; focus inside the grid survives it.
    Effect::new(move |_| {
        let Some(element) = grid_ref.get() else {
            return;
        };
        let html = match grid.get() {
            Some(grid) => markup(&grid, tab_stop()),
            None => layout
                .with(|week| week.as_ref().map(|week| skeleton_markup(week, hour_cycle)))
                .unwrap_or_default(),
        };
        let had_focus = element.matches(":focus-within").unwrap_or(false);
        element.set_inner_html(&html);
        if had_focus || refocus.get_untracked() {
            // The loading skeleton has no tab stop: keep asking until a week is drawn.
            refocus.set(!focus_current(&element));
        }
    });

    let slot_detail = move |cell: &Cell| SlotDetail {
        start: fetch::rfc3339(cell.start),
        end: fetch::rfc3339(cell.end),
        time_zone: zone_name.get_value(),
        attendees: options.with_value(|options| options.attendees.clone()),
        status: cell.status.as_str(),
    };

    let choose = move |cell: Cell| {
        if !cell.bookable {
            return;
        }
        focused.set(Some(cell.start));
        if let Some(element) = grid_ref.get_untracked() {
            move_tab_stop(&element, cell.start);
        }
        let proceed = dispatch(
            events::SLOT_SELECT,
            events::detail(&slot_detail(&cell)),
            true,
        );
        if !proceed || options.with_value(|options| options.bookings) == Bookings::EventOnly {
            return;
        }
        confirmation.set(None);
        booking_alert.set(None);
        form.set(FormState::default());
        idempotency_key.set(fetch::idempotency_key());
        selected.set(Some(cell));
        request_animation_frame(move || {
            if let Some(input) = name_input.try_get_untracked().flatten() {
                let _ = input.focus();
            }
        });
    };

    let on_keydown = move |event: web_sys::KeyboardEvent| {
        let key = event.key();
        match key.as_str() {
            "PageUp" | "PageDown" => {
                event.prevent_default();
                week_first.update(|first| *first = shifted(*first, key == "PageDown"));
                focused.set(None);
                refocus.set(true);
                return;
            }
            "Enter" | " " => {
                // Buttons book themselves; a non-bookable cell only says what it is.
                return;
            }
            _ => {}
        }
        let Some(step) = Step::from_key(&key, event.ctrl_key() || event.meta_key()) else {
            return;
        };
        event.prevent_default();
        let target = grid.with_untracked(|grid| {
            let grid = grid.as_ref()?;
            let from: Position = tab_stop()?;
            let to = grid.step(from, step);
            grid.cell(to).map(|cell| cell.start)
        });
        if let (Some(start), Some(element)) = (target, grid_ref.get_untracked()) {
            focused.set(Some(start));
            move_tab_stop(&element, start);
        }
    };

    // Clicks are handled once for the whole grid: the slot is found by its data-start.
    let on_click = move |event: web_sys::MouseEvent| {
        let Some(target) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        if target.closest("button").ok().flatten().is_none() {
            return;
        }
        let Some(start) = target
            .closest("[data-start]")
            .ok()
            .flatten()
            .and_then(|slot| slot.get_attribute("data-start"))
        else {
            return;
        };
        let cell = grid.with_untracked(|grid| {
            let grid = grid.as_ref()?;
            grid.positions()
                .filter_map(|position| grid.cell(position))
                .find(|cell| fetch::rfc3339(cell.start) == start)
                .cloned()
        });
        if let Some(cell) = cell {
            choose(cell);
        }
    };

    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let Some(cell) = selected.get_untracked() else {
            return;
        };
        if form.with_untracked(|form| form.submitting) {
            return;
        }
        let value = |input: Option<web_sys::HtmlInputElement>| {
            input
                .map(|input| input.value().trim().to_owned())
                .unwrap_or_default()
        };
        let name = value(name_input.get_untracked());
        let email = value(email_input.get_untracked());
        let note = note_input
            .get_untracked()
            .map(|note| note.value().trim().to_owned())
            .filter(|note| !note.is_empty());
        let mut booking = BookingRequest::new(
            options.with_value(|options| options.attendees.clone()),
            cell.start,
            cell.end,
            idempotency_key.get_untracked(),
        );
        booking.name = name.clone();
        booking.email = email.clone();
        booking.note = note;
        let typed = (
            name.clone(),
            email.clone(),
            booking.note.clone().unwrap_or_default(),
        );
        form.set(FormState {
            submitting: true,
            name: name.clone(),
            email: email.clone(),
            note: booking.note.clone().unwrap_or_default(),
            ..FormState::default()
        });
        let http = http.get_value();
        let backend = backend.get_value();
        // Under the widget's owner: unmounting drops the task (the POST itself still
        // completes on the server; its idempotency key makes a resubmit safe).
        let owner = owner.get_value();
        owner.with(|| {
            leptos::task::spawn_local_scoped_with_cancellation(async move {
                match fetch::book(http.as_ref(), &backend, &booking).await {
                    Ok(id) => {
                        let detail = BookedDetail {
                            id: id.clone(),
                            slot: slot_detail(&cell),
                            name,
                            email,
                        };
                        dispatch(events::BOOKED, events::detail(&detail), false);
                        selected.set(None);
                        form.set(FormState::default());
                        confirmation.set(Some(format!("Booked: {}. Reference {id}.", cell.when)));
                        reload.update(|count| *count += 1);
                    }
                    Err(error) => {
                        dispatch(
                            events::ERROR,
                            events::detail(&ErrorDetail {
                                code: error.code(),
                                message: error.to_string(),
                            }),
                            false,
                        );
                        let message = error.to_string();
                        match error {
                            BookingError::Conflict => {
                                selected.set(None);
                                form.set(FormState::default());
                                booking_alert.set(Some(message));
                                reload.update(|count| *count += 1);
                            }
                            BookingError::Invalid(field_errors) => {
                                form.set(FormState {
                                    submitting: false,
                                    message: Some(message),
                                    field_errors,
                                    name: typed.0,
                                    email: typed.1,
                                    note: typed.2,
                                });
                                focus_first_problem(form_ref);
                            }
                            BookingError::Failed(_) => {
                                form.set(FormState {
                                    submitting: false,
                                    message: Some(message),
                                    field_errors: Vec::new(),
                                    name: typed.0,
                                    email: typed.1,
                                    note: typed.2,
                                });
                                focus_first_problem(form_ref);
                            }
                        }
                    }
                }
            })
        });
    };

    let loading = move || load.with(|load| matches!(load, Load::Loading { .. }));
    let retry = move |_| reload.update(|count| *count += 1);
    let unknown_notices = move || {
        load.with(|load| match load {
            Load::Loaded(weeks) => options.with_value(|options| {
                options
                    .attendees
                    .iter()
                    .zip(weeks)
                    .filter_map(|(email, week)| match week {
                        AttendeeWeek::Unknown { reason } => Some(format!(
                            "{email}: {reason}; their time is shown as unknown."
                        )),
                        AttendeeWeek::Calendar { .. } => None,
                    })
                    .collect::<Vec<_>>()
            }),
            _ => Vec::new(),
        })
    };

    view! {
        <div
            class="freebusy"
            node_ref=root
            aria-busy=move || if loading() { "true" } else { "false" }
        >
            <WeekNav week=week_first this_week />
            <p class="freebusy-zone">"Times in " {zone_name.get_value()}</p>
            {(!notices.is_empty()).then(|| view! {
                <div class="freebusy-problems" role="alert">
                    {notices.into_iter().map(|notice| view! { <p>{notice}</p> }).collect_view()}
                </div>
            })}
            <div class="freebusy-status" role="status">
                {move || load.with(|load| match load {
                    Load::Loading { waiting: Some(seconds) } => Some(format!(
                        "The calendar server asked us to wait; retrying in {seconds} s…"
                    )),
                    Load::Loading { waiting: None } => Some("Loading availability…".to_owned()),
                    _ => None,
                })}
                {move || unknown_notices().into_iter().map(|notice| view! {
                    <p class="freebusy-unknown-attendee">{notice}</p>
                }).collect_view()}
                {move || confirmation.get().map(|text| view! {
                    <p class="freebusy-confirmation">{text}</p>
                })}
            </div>
            {move || load.with(|load| match load {
                Load::Failed(error) => Some(view! {
                    <div class="freebusy-error" role="alert">
                        <p>{error.to_string()}</p>
                        {error.can_retry().then(|| view! {
                            <button type="button" class="freebusy-retry" on:click=retry>
                                "Try again"
                            </button>
                        })}
                    </div>
                }),
                _ => None,
            })}
            {move || booking_alert.get().map(|text| view! {
                <div class="freebusy-error freebusy-booking-error" role="alert"><p>{text}</p></div>
            })}
            <div
                class="freebusy-grid"
                role="grid"
                node_ref=grid_ref
                aria-label=move || format!("Availability, {}", crate::grid::week_label(week_first.get()))
                aria-readonly="true"
                on:keydown=on_keydown
                on:click=on_click
            ></div>
            {move || selected.get().map(|cell| form.with(|state| confirm_form(
                &cell,
                state,
                ConfirmRefs { form: form_ref, name: name_input, email: email_input, note: note_input },
                submit,
                move || selected.set(None),
            )))}
        </div>
    }
}

/// The confirm step's node refs.
#[derive(Clone, Copy)]
struct ConfirmRefs {
    form: NodeRef<html::Form>,
    name: NodeRef<html::Input>,
    email: NodeRef<html::Input>,
    note: NodeRef<html::Textarea>,
}

/// The confirm step for `cell`, drawn whole from `state` (one reactive piece, not one
/// per field: the bundle stays small, and a refused submit redraws it with the typed
/// values and the errors in place).
fn confirm_form(
    cell: &Cell,
    state: &FormState,
    refs: ConfirmRefs,
    submit: impl Fn(web_sys::SubmitEvent) + 'static,
    cancel: impl Fn() + 'static,
) -> AnyView {
    let field = |name: &'static str| {
        let error = state.error_for(name);
        let invalid = error.is_some().then_some("true");
        (error, invalid)
    };
    let (name_error, name_invalid) = field("name");
    let (email_error, email_invalid) = field("email");
    let (note_error, note_invalid) = field("note");
    let others = state.other_errors();
    let alert = state.message.clone().map(|message| {
        view! {
            <div class="freebusy-error" role="alert">
                <p>{message}</p>
                <ul>{others.into_iter().map(|text| view! { <li>{text}</li> }).collect_view()}</ul>
            </div>
        }
    });
    view! {
        <form class="freebusy-confirm" node_ref=refs.form on:submit=submit aria-label="Confirm booking">
            <h3>"Book " {cell.when.clone()}</h3>
            {alert}
            <label>
                "Name"
                <input name="name" type="text" autocomplete="name" required node_ref=refs.name
                    prop:value=state.name.clone() aria-invalid=name_invalid
                    aria-describedby="freebusy-name-error" />
            </label>
            <span class="freebusy-field-error" id="freebusy-name-error">{name_error}</span>
            <label>
                "Email"
                <input name="email" type="email" autocomplete="email" required node_ref=refs.email
                    prop:value=state.email.clone() aria-invalid=email_invalid
                    aria-describedby="freebusy-email-error" />
            </label>
            <span class="freebusy-field-error" id="freebusy-email-error">{email_error}</span>
            <label>
                "Note (optional)"
                <textarea name="note" node_ref=refs.note prop:value=state.note.clone()
                    aria-invalid=note_invalid aria-describedby="freebusy-note-error"></textarea>
            </label>
            <span class="freebusy-field-error" id="freebusy-note-error">{note_error}</span>
            <div class="freebusy-form-actions">
                <button type="submit" disabled=state.submitting>"Book this slot"</button>
                <button type="button" class="freebusy-cancel" on:click=move |_| cancel()>"Cancel"</button>
            </div>
        </form>
    }
    .into_any()
}

/// After a refused submit: focus the first invalid field, else the form's alert.
fn focus_first_problem(form: NodeRef<html::Form>) {
    request_animation_frame(move || {
        let Some(form) = form.try_get_untracked().flatten() else {
            return;
        };
        let target = form
            .query_selector("[aria-invalid='true']")
            .ok()
            .flatten()
            .or_else(|| form.query_selector("[name='name']").ok().flatten())
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(target) = target {
            let _ = target.focus();
        }
    });
}

/// Focuses the grid's tab stop (the button inside a bookable cell, else the cell);
/// `false` when there is none yet.
fn focus_current(grid: &web_sys::HtmlElement) -> bool {
    let target = grid
        .query_selector("[tabindex='0']")
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    target.is_some_and(|target| target.focus().is_ok())
}

/// Makes the slot starting at `start` the grid's one tab stop, and focuses it.
fn move_tab_stop(grid: &web_sys::HtmlElement, start: DateTime<Utc>) {
    let selector = format!("[data-start='{}']", fetch::rfc3339(start));
    let Some(slot) = grid.query_selector(&selector).ok().flatten() else {
        return;
    };
    let target = slot.query_selector("button").ok().flatten().unwrap_or(slot);
    if let Ok(previous) = grid.query_selector_all("[tabindex='0']") {
        for index in 0..previous.length() {
            if let Some(element) = previous
                .item(index)
                .and_then(|node| node.dyn_into::<web_sys::Element>().ok())
            {
                let _ = element.set_attribute("tabindex", "-1");
            }
        }
    }
    let _ = target.set_attribute("tabindex", "0");
    if let Ok(target) = target.dyn_into::<web_sys::HtmlElement>() {
        let _ = target.focus();
    }
}
