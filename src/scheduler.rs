//! The widget's component: it keeps a [`SchedulerState`] in one signal, draws its
//! regions ([`crate::regions`]) and wires DOM events and requests to the state's
//! transitions. It decides nothing itself.
//!
//! The root element holds the [`frame`](crate::regions::frame); each region's markup is
//! a memo of the state, set into its container when it changes. Events are handled once,
//! on the root, by delegation (`data-action`, `data-start`, `data-day`, the zone input).
//! The phone layout switches on when the element itself is narrower than a week needs
//! ([`COMPACT_BELOW_PX`], measured with a `ResizeObserver`, not the window).

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use freebusy_core::wire::rfc3339;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement};

use crate::browser_zone::{self, BrowserZone};
use crate::fetch::{self, BrowserHttp, Http, Requests, Sending, WeekQuery};
use crate::intl::{self, IntlLabels};
use crate::locale::Locale;
use crate::messages::{Catalogue, Text};
use crate::options::{HourCycle, Options, Problem};
use crate::regions::{self, DURATION, ZONE_INPUT, action};
use crate::state::{Fetch, HostRules, KeyOutcome, SchedulerState, Setup, ShownZone};
use crate::zone_picker;

/// Below this width of the element (CSS pixels) the week does not fit: one day is shown
/// at a time, with touch-sized targets.
pub const COMPACT_BELOW_PX: f64 = 600.0;

/// The widget's state, in its signal.
type State = RwSignal<SchedulerState, LocalStorage>;

/// The zone `name` for the grid: its offsets and labels in `locale`.
fn shown_zone(name: &str, locale: &str, hour_cycle: Option<HourCycle>) -> Option<ShownZone> {
    let zone = BrowserZone::new(name).ok()?;
    let labels = IntlLabels::new(locale, zone.name(), hour_cycle)?;
    Some(ShownZone {
        name: zone.name().to_owned(),
        zone: Rc::new(zone),
        labels: Rc::new(labels),
    })
}

/// What the component learnt from the options and the browser: the state's setup and
/// what the component itself needs.
struct Prepared {
    setup: Setup,
    backend: String,
    tag: String,
    right_to_left: bool,
    fixed_zone: bool,
    hour_cycle: Option<HourCycle>,
    device_name: String,
}

/// Reads what the browser says about `options`: the locale, its language and
/// direction, the zones, the backend. `None` only where `Intl` knows no zone at all.
fn prepare(options: Options, problems: Vec<Problem>) -> Option<Prepared> {
    let tag = options
        .locale
        .clone()
        .filter(|tag| intl::accepts_locale(tag))
        .unwrap_or_else(intl::browser_locale);
    let locale = Locale::new(&tag);
    let messages = Catalogue::new(options.messages.clone());
    let mut notices: Vec<String> = problems.iter().map(|p| p.describe(&messages)).collect();
    if let Some(refused) = options.locale.as_ref().filter(|given| **given != tag) {
        notices.push(
            Problem {
                attribute: "locale",
                value: refused.clone(),
                expected: "a language tag like de-DE",
            }
            .describe(&messages),
        );
    }
    let hour_cycle = options.hour_cycle;
    let device_name = browser_zone::browser_zone_name();
    let device_zone =
        shown_zone(&device_name, &tag, hour_cycle).or_else(|| shown_zone("UTC", "en", None));
    let fixed_zone = options.time_zone.is_some();
    let zone = match &options.time_zone {
        Some(name) => shown_zone(name, &tag, hour_cycle).or_else(|| {
            notices.push(messages.fill(
                Text::ZoneUnknown,
                &[("zone", name), ("shown", &device_name)],
            ));
            device_zone.clone()
        }),
        None => device_zone.clone(),
    };
    let can_fetch = match &options.backend {
        Some(backend) if !Options::usable_backend(backend) => {
            notices.push(messages.fill(Text::ProblemBackend, &[("value", backend)]));
            false
        }
        _ => true,
    };
    let backend = options.backend.clone().unwrap_or_else(|| {
        web_sys::window()
            .and_then(|window| window.location().origin().ok())
            .unwrap_or_default()
    });
    let first_weekday = options.first_day.unwrap_or_else(|| intl::first_day(&tag));
    let (zone, device_zone) = (zone?, device_zone?);
    // A catalogue this page read already is used at once; another is read with the week.
    let mut messages = messages;
    let catalogue =
        locale.language().catalogue().filter(|language| {
            match fetch::catalogue::cached(&backend, language) {
                Some(texts) => {
                    messages = messages.translated(texts);
                    false
                }
                None => can_fetch,
            }
        });
    Some(Prepared {
        setup: Setup {
            options,
            messages,
            catalogue,
            right_to_left: locale.right_to_left(),
            first_weekday,
            zone,
            device_zone,
            now: browser_zone::now(),
            problems: notices,
            can_fetch,
        },
        backend,
        right_to_left: locale.right_to_left(),
        tag: locale.tag().to_owned(),
        fixed_zone,
        hour_cycle,
        device_name,
    })
}

/// The root's content for `state`: the frame with its empty regions.
fn frame_for(state: &SchedulerState, fixed_zone: bool) -> String {
    regions::frame(
        state.messages(),
        &state.zone().name,
        fixed_zone,
        state.problems(),
    )
}

/// A mounted widget's way to take new options (an attribute changed): each change
/// updates what it changes, keeping the week shown, focus and an open confirm step
/// with what was typed.
#[derive(Clone, Default)]
pub struct OptionChanges(Rc<RefCell<Option<Apply>>>);

/// What the mounted widget does with new options.
type Apply = Rc<dyn Fn(Options, Vec<Problem>)>;

impl OptionChanges {
    /// Gives the widget `options` (and the problems found reading them); nothing once
    /// it is unmounted.
    pub fn send(&self, options: Options, problems: Vec<Problem>) {
        let apply = self.0.borrow().clone();
        if let Some(apply) = apply {
            apply(options, problems);
        }
    }
}

/// The value of the field `name` in `form`, as typed.
fn field_value(form: &Element, name: &str) -> String {
    form.query_selector(&format!("[name='{name}']"))
        .ok()
        .flatten()
        .and_then(|field| {
            js_sys::Reflect::get(&field, &"value".into())
                .ok()?
                .as_string()
        })
        .unwrap_or_default()
}

/// A region's markup, drawn from the state.
type Draw = fn(&SchedulerState) -> String;

/// The regions drawn from the state: each container (by class) and its markup.
const REGIONS: [(&str, Draw); 8] = [
    (".freebusy-zone-shown", regions::zone),
    (".freebusy-week-label", regions::week_label),
    (".freebusy-durations", regions::durations),
    (".freebusy-status", regions::status),
    (".freebusy-alerts", regions::alerts),
    (".freebusy-days", regions::days),
    (".freebusy-grid", regions::grid),
    (".freebusy-form", regions::form),
];

/// The scheduling widget: a week of slots for the attendees, and booking a free one.
///
/// Renders the stable DOM contract documented in the README (root `.freebusy`,
/// `role="grid"`, slots with `data-start`/`data-end`/`data-status`, `aria-busy` while
/// loading, `role="alert"` errors, the confirm `<form>`).
#[component]
pub fn Scheduler(
    /// The configuration; see [`Options`] for the defaults.
    options: Options,
    /// Where HTTP goes; the browser's fetch by default.
    #[prop(optional)]
    http: Option<Rc<dyn Http>>,
    /// Problems found while reading the options, shown as an alert.
    #[prop(optional)]
    problems: Vec<Problem>,
    /// Where the host sends new options later (the custom element's attributes).
    #[prop(optional)]
    changes: Option<OptionChanges>,
) -> impl IntoView {
    let Some(prepared) = prepare(options, problems) else {
        // Only a browser whose `Intl` knows no time zone, not even UTC, gets here.
        return view! {
            <div class="freebusy" aria-busy="false" role="alert">
                "This browser cannot tell the time in a time zone (Intl.DateTimeFormat), so no availability can be shown."
            </div>
        }
        .into_any();
    };
    let Prepared {
        setup,
        backend,
        tag,
        right_to_left,
        fixed_zone,
        hour_cycle,
        device_name,
    } = prepared;
    let (initial, first_fetch) = SchedulerState::new(setup);
    let frame = frame_for(&initial, fixed_zone);
    let state: State = RwSignal::new_local(initial);

    let http: Rc<dyn Http> = http.unwrap_or_else(|| Rc::new(BrowserHttp));
    let http = StoredValue::new_local(http);
    let backend = StoredValue::new(backend);
    let picking = StoredValue::new((tag.clone(), hour_cycle, device_name));
    let fixed = StoredValue::new(fixed_zone);
    // Tasks are not tied to the widget's owner: a task holding the owner would keep it
    // alive, and unmounting would run no cleanup (no request aborted, the clock never
    // stopped). Unmounting aborts their requests instead, and they touch the widget's
    // state only through `try_` accessors, which do nothing once it is gone. Each is
    // boxed, so the bundle holds one copy of the spawning machinery.
    let spawn = |task: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>| {
        wasm_bindgen_futures::spawn_local(task);
    };
    let root = NodeRef::<html::Div>::new();
    let find = move |selector: &str| -> Option<Element> {
        root.try_get_untracked()??
            .query_selector(selector)
            .ok()
            .flatten()
    };

    // Each region is drawn when its markup changes, by one effect; and at once before a
    // notice is dispatched, so that a host page hearing `freebusy:loaded` finds the week
    // in the DOM. Focus inside a redrawn region stays where it was (the grid's tab stop,
    // the pressed day, the same form field), and follows the keyboard to a week or day
    // not drawn before.
    let regions: Vec<(&str, Memo<String>, StoredValue<String>)> = REGIONS
        .iter()
        .map(|&(selector, draw)| {
            (
                selector,
                Memo::new(move |_| state.with(draw)),
                StoredValue::new(String::new()),
            )
        })
        .collect();
    let regions = StoredValue::new(regions);
    let paint = move |tracked: bool| {
        let Some(element) = root.try_get_untracked().flatten() else {
            return;
        };
        let read = |s: &SchedulerState| (s.compact(), s.loading(), s.grid_label(), s.translating());
        let Some((compact, loading, label, translating)) = (if tracked {
            state.try_with(read)
        } else {
            state.try_with_untracked(read)
        }) else {
            return;
        };
        let _ = element.set_attribute("class", root_class(compact, translating));
        let _ = element.set_attribute("aria-busy", if loading { "true" } else { "false" });
        regions.try_with_value(|regions| {
            for (selector, markup, drawn) in regions {
                let html = if tracked {
                    markup.get()
                } else {
                    markup.get_untracked()
                };
                if drawn.with_value(|drawn| *drawn == html) {
                    continue;
                }
                if let Some(container) = find(selector) {
                    redraw(&container, &html, state);
                    drawn.set_value(html);
                }
            }
        });
        if let Some(grid) = find(".freebusy-grid") {
            let _ = grid.set_attribute("aria-label", &label);
            // Focus back on the slot (after Cancel, Escape or a booking), or on the
            // slot the keyboard went to in another week, once it is drawn.
            if state.try_with_untracked(SchedulerState::wants_focus) == Some(true)
                && focus_first(&grid, "[tabindex='0']")
            {
                state.try_update_untracked(SchedulerState::focused);
            }
        }
    };
    Effect::new(move |_| {
        if root.get().is_some() {
            paint(true);
        }
    });

    // `try_`: a task may finish after the widget was unmounted.
    let dispatch = move |notice: &crate::events::Notice| {
        paint(false);
        if let crate::events::Notice::Error {
            hint: Some(hint), ..
        } = notice
        {
            web_sys::console::error_1(&hint.into());
        }
        root.try_get_untracked()
            .flatten()
            .is_none_or(|root| notice.dispatch(&root))
    };

    // Every request belongs to a group: the week's (a new week aborts the one before,
    // and the state ignores answers to any but the last) or a booking's. Removing the
    // widget aborts them all; the cleanup holds the groups itself, since stored values
    // are gone by the time cleanups run.
    let groups: Rc<RefCell<(Requests, Vec<Requests>)>> = Rc::default();
    on_cleanup({
        let groups = send_wrapper::SendWrapper::new(groups.clone());
        move || {
            let groups = groups.borrow();
            groups.0.abort();
            groups.1.iter().for_each(Requests::abort);
        }
    });
    let groups = StoredValue::new_local(groups);
    let week_requests = move || {
        groups.try_with_value(|groups| {
            let mut groups = groups.borrow_mut();
            groups.0.abort();
            groups.0 = Requests::default();
            groups.0.clone()
        })
    };
    let booking_requests = move || {
        groups.try_with_value(|groups| {
            let mut groups = groups.borrow_mut();
            groups.1.retain(|requests| !requests.aborted());
            let requests = Requests::default();
            groups.1.push(requests.clone());
            requests
        })
    };
    // The whole widget drawn again from the state: new options, or a new language.
    let reframe = move || {
        let Some(element) = root.try_get_untracked().flatten() else {
            return;
        };
        let Some(frame) = state.try_with_untracked(|s| frame_for(s, fixed.get_value())) else {
            return;
        };
        element.set_inner_html(&frame);
        regions.with_value(|regions| {
            for (_, _, drawn) in regions {
                drawn.set_value(String::new());
            }
        });
        paint(false);
    };
    let run = move |fetch: Option<Fetch>| {
        let Some(fetch) = fetch else { return };
        let (Some(requests), Some((options, zone)), Some(http), Some(backend)) = (
            week_requests(),
            state.try_with_untracked(|s| (s.options().clone(), s.zone().clone())),
            http.try_get_value(),
            backend.try_get_value(),
        ) else {
            return;
        };
        spawn(Box::pin(async move {
            let query = WeekQuery {
                backend: &backend,
                options: &options,
                window: fetch.window,
                first_day: fetch.first_day,
                zone_name: &zone.name,
            };
            let on_wait = move |seconds| {
                state.try_update(|s| s.waiting(fetch.generation, seconds));
            };
            let sending = Sending {
                requests: &requests,
                timeout_seconds: options.timeout_seconds,
                on_wait: &on_wait,
            };
            // The hosts' rules, read once, with the first week.
            let rules = async {
                if !fetch.rules {
                    return Ok(None);
                }
                let read =
                    fetch::fetch_rules(http.as_ref(), &backend, &options.attendees, &sending)
                        .await?;
                picking
                    .try_with_value(|(tag, cycle, _)| {
                        host_zones(read, tag, *cycle, &options.attendees)
                    })
                    .unwrap_or(Ok(None))
            };
            // The visitor's catalogue, in parallel with the week: the first grid waits
            // for both.
            let catalogue = async {
                match fetch.catalogue {
                    Some(language) => {
                        fetch::fetch_catalogue(http.as_ref(), &backend, language, &sending).await
                    }
                    None => None,
                }
            };
            let week = fetch::fetch_week(http.as_ref(), &query, zone.zone.as_ref(), &sending);
            let ((result, rules), texts) =
                futures::future::join(futures::future::join(week, rules), catalogue).await;
            if let Some(language) = fetch.catalogue
                && state
                    .try_update_untracked(|s| s.catalogue_loaded(fetch.generation, language, texts))
                    == Some(true)
            {
                reframe();
            }
            let notice = state
                .try_update(|s| match (result, rules) {
                    (Ok(weeks), Ok(rules)) => {
                        if fetch.rules {
                            s.rules_loaded(fetch.generation, rules);
                        }
                        s.loaded(fetch.generation, fetch.window, weeks)
                    }
                    (Err(error), _) | (_, Err(error)) => s.failed(fetch.generation, error),
                })
                .flatten();
            if let Some(notice) = notice {
                dispatch(&notice);
            }
        }));
    };
    run(first_fetch);

    // The clock moves on: past slots and the now line follow it.
    if let Ok(clock) = set_interval_with_handle(
        move || state.update(|s| s.tick(browser_zone::now())),
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || clock.clear());
    }

    let open_confirm = move |start: DateTime<Utc>| {
        let Some(notice) = state.try_update_untracked(|s| s.choose(start)).flatten() else {
            return;
        };
        if let Some(grid) = find(".freebusy-grid") {
            move_tab_stop(&grid, start);
        }
        if !dispatch(&notice) {
            return;
        }
        let key = fetch::idempotency_key();
        if state.try_update(|s| s.open_confirm(start, key)) == Some(true) {
            request_animation_frame(move || {
                if let Some(form) = find(".freebusy-confirm") {
                    focus_first(&form, "[name='name']");
                }
            });
        }
    };

    let submit = move |form: Element| {
        let value = |name: &str| field_value(&form, name);
        let Some(booking) = state
            .try_update(|s| s.submit(&value("name"), &value("email"), &value("note")))
            .flatten()
        else {
            return;
        };
        let (Some(http), Some(backend), Some(requests)) = (
            http.try_get_value(),
            backend.try_get_value(),
            booking_requests(),
        ) else {
            return;
        };
        let timeout_seconds = state.with_untracked(|s| s.options().timeout_seconds);
        // In a group of its own: unmounting aborts the POST (the server may still have
        // booked it; its idempotency key makes a resubmit safe).
        spawn(Box::pin(async move {
            let sending = Sending {
                requests: &requests,
                timeout_seconds,
                on_wait: &|_| {},
            };
            let outcome = fetch::book(http.as_ref(), &backend, &booking, &sending).await;
            requests.abort();
            // Focus goes back to the slot only from inside the widget (or from
            // nowhere): a visitor who went on elsewhere on the page keeps it there.
            let ours = root
                .try_get_untracked()
                .flatten()
                .is_none_or(|root| focus_is_inside_or_nowhere(&root));
            let Some((notice, refetch, still_open)) = state.try_update(|s| {
                let (notice, refetch) = match outcome {
                    Ok((id, token)) => s.booked(&id, token.as_deref()),
                    Err(error) => {
                        let (notice, refetch) = s.booking_failed(error);
                        (Some(notice), refetch)
                    }
                };
                if !ours {
                    s.focused();
                }
                (notice, refetch, s.confirm().is_some())
            }) else {
                return;
            };
            if let Some(notice) = notice {
                dispatch(&notice);
            }
            run(refetch);
            if still_open && ours {
                request_animation_frame(move || {
                    if let Some(form) = find(".freebusy-confirm") {
                        let _ = focus_first(&form, "[aria-invalid='true']")
                            || focus_first(&form, "[name='name']");
                    }
                });
            }
        }));
    };

    // The zone input: `exact` while typing (only a name from the list is taken); on
    // Enter or leaving the field any name the browser knows is, and an unknown one is
    // said to be.
    let pick_zone = move |field: &web_sys::HtmlInputElement, exact: bool| {
        let name = field.value().trim().to_owned();
        let current = state.with_untracked(|s| s.zone().name.clone());
        if name.is_empty() || name == current {
            return;
        }
        if exact {
            let listed = field
                .parent_element()
                .and_then(|label| label.next_element_sibling())
                .and_then(|list| {
                    list.query_selector(&format!("option[value=\"{name}\"]"))
                        .ok()
                        .flatten()
                });
            if listed.is_none() {
                return;
            }
        }
        let zone = picking.with_value(|(tag, cycle, _)| shown_zone(&name, tag, *cycle));
        match zone {
            Some(zone) => {
                field.set_value(&zone.name);
                let _ = field.set_attribute("placeholder", &zone.name);
                run(state.try_update(|s| s.set_zone(zone)).flatten());
            }
            None => state.update(|s| s.zone_refused(&name)),
        }
    };

    // Every event the widget handles, delegated from the root.
    let on_event = move |event: web_sys::Event| {
        let Some(target) = event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
        else {
            return;
        };
        let closest = |selector: &str| target.closest(selector).ok().flatten();
        let zone_input = target
            .has_attribute(ZONE_INPUT)
            .then(|| target.clone().unchecked_into::<web_sys::HtmlInputElement>());
        match event.type_().as_str() {
            "click" => {
                if let Some(button) = closest("[data-action]") {
                    let fetch = state
                        .try_update(|s| match button.get_attribute("data-action").as_deref() {
                            Some(action::PREVIOUS) => s.step_week(false),
                            Some(action::NEXT) => s.step_week(true),
                            Some(action::TODAY) => s.show_this_week(),
                            Some(action::RETRY) => s.retry(),
                            Some(action::CANCEL) => {
                                s.cancel_confirm();
                                None
                            }
                            _ => None,
                        })
                        .flatten();
                    run(fetch);
                } else if let Some(minutes) = closest("[data-duration]")
                    .and_then(|button| button.get_attribute(DURATION))
                    .and_then(|minutes| minutes.parse::<u32>().ok())
                {
                    state.update(|s| s.choose_duration(minutes));
                } else if let Some(day) = closest("[data-day]")
                    .and_then(|button| button.get_attribute("data-day"))
                    .and_then(|day| day.parse::<usize>().ok())
                {
                    state.update(|s| s.show_day(day));
                } else if closest("[role='grid'] button").is_some()
                    && let Some(start) = closest("[data-start]")
                        .and_then(|slot| slot.get_attribute("data-start"))
                        .and_then(|text| rfc3339::parse(&text))
                {
                    open_confirm(start);
                }
            }
            "keydown"
                if event
                    .dyn_ref::<web_sys::KeyboardEvent>()
                    .is_some_and(|key| key.key() == "Escape")
                    && state.with_untracked(|s| s.confirm().is_some()) =>
            {
                event.prevent_default();
                state.update(SchedulerState::cancel_confirm);
            }
            "keydown" if closest("[role='grid']").is_some() => {
                let Some(key) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                let control = key.ctrl_key() || key.meta_key();
                // Moving within what is drawn redraws nothing: only the tab stop moves.
                let outcome = state.try_maybe_update(|s| {
                    let outcome = s.key(&key.key(), control);
                    (s.wants_focus(), outcome)
                });
                match outcome {
                    None | Some(KeyOutcome::Unhandled) => {}
                    Some(KeyOutcome::Moved) => {
                        event.prevent_default();
                        let focus = state.with_untracked(SchedulerState::focus);
                        if let (Some(start), Some(grid)) = (focus, find(".freebusy-grid")) {
                            move_tab_stop(&grid, start);
                        }
                    }
                    Some(KeyOutcome::Week(fetch)) => {
                        event.prevent_default();
                        run(fetch);
                    }
                }
            }
            "submit" => {
                event.prevent_default();
                if let Some(form) = closest(".freebusy-confirm") {
                    submit(form);
                }
            }
            "focusin" => {
                if let Some(field) = zone_input {
                    fill_zone_list(&field, picking.with_value(|(_, _, own)| own.clone()));
                    field.set_value("");
                }
            }
            "focusout" => {
                if let Some(field) = zone_input
                    && field.value().trim().is_empty()
                {
                    field.set_value(&state.with_untracked(|s| s.zone().name.clone()));
                }
            }
            "input" | "change" => {
                if let Some(field) = zone_input {
                    pick_zone(&field, event.type_() == "input");
                } else if target.get_attribute("name").as_deref() == Some("start")
                    && let Some(start) = js_sys::Reflect::get(&target, &"value".into())
                        .ok()
                        .and_then(|value| value.as_string())
                        .and_then(|text| rfc3339::parse(&text))
                {
                    state.update(|s| s.choose_start(start));
                }
            }
            _ => {}
        }
    };
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(on_event).into_js_value();
    // The phone layout follows the element's own width.
    let observer = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
        let width = entries
            .get(0)
            .dyn_into::<web_sys::ResizeObserverEntry>()
            .map(|entry| entry.content_rect().width())
            .unwrap_or(COMPACT_BELOW_PX);
        let compact = width > 0.0 && width < COMPACT_BELOW_PX;
        if state.try_with_untracked(|s| s.compact()) == Some(!compact) {
            state.update(|s| s.set_compact(compact));
        }
    })
    .into_js_value();
    let observer = web_sys::ResizeObserver::new(observer.unchecked_ref()).ok();
    Effect::new(move |_| {
        let Some(element) = root.get() else { return };
        for name in [
            "click", "keydown", "submit", "focusin", "focusout", "input", "change",
        ] {
            let _ = element.add_event_listener_with_callback(name, listener.unchecked_ref());
        }
        if let Some(observer) = &observer {
            observer.observe(&element);
            let observer = observer.clone();
            on_cleanup(move || observer.disconnect());
        }
    });

    // New options from the host: the state takes them, the frame is drawn again (its
    // texts and zone may have changed) with what was typed, and focus goes back where
    // it was.
    if let Some(changes) = changes {
        let apply = move |options: Options, problems: Vec<Problem>| {
            let Some(element) = root.try_get_untracked().flatten() else {
                return;
            };
            let Some(prepared) = prepare(options, problems) else {
                return;
            };
            let focused = active_element(&element)
                .filter(|active| element.contains(Some(active.unchecked_ref::<web_sys::Node>())));
            let field = focused
                .as_ref()
                .filter(|active| active.closest(".freebusy-confirm").ok().flatten().is_some())
                .and_then(|active| active.get_attribute("name"));
            let in_grid = focused
                .as_ref()
                .is_some_and(|active| active.closest("[role='grid']").ok().flatten().is_some());
            if let Some(form) = find(".freebusy-confirm") {
                let typed = ["name", "email", "note"].map(|name| field_value(&form, name));
                state.update_untracked(|s| s.typed(&typed[0], &typed[1], &typed[2]));
            }
            backend.set_value(prepared.backend);
            picking.set_value((
                prepared.tag.clone(),
                prepared.hour_cycle,
                prepared.device_name,
            ));
            fixed.set_value(prepared.fixed_zone);
            let fetch = state
                .try_update(|s| s.reconfigure(prepared.setup))
                .flatten();
            let _ = element.set_attribute("lang", &prepared.tag);
            let _ =
                element.set_attribute("dir", if prepared.right_to_left { "rtl" } else { "ltr" });
            reframe();
            if let Some(name) = field {
                if let Some(form) = find(".freebusy-confirm") {
                    focus_first(&form, &format!("[name='{name}']"));
                }
            } else if in_grid && let Some(grid) = find(".freebusy-grid") {
                focus_first(&grid, "[tabindex='0']");
            }
            run(fetch);
        };
        *changes.0.borrow_mut() = Some(Rc::new(apply));
        let changes = send_wrapper::SendWrapper::new(changes);
        on_cleanup(move || drop(changes.0.borrow_mut().take()));
    }

    let class = root_class(false, state.with_untracked(SchedulerState::translating));
    view! {
        <div
            class=class
            node_ref=root
            lang=tag
            dir=if right_to_left { "rtl" } else { "ltr" }
            aria-busy="true"
            inner_html=frame
        ></div>
    }
    .into_any()
}

/// The root's classes: the phone layout, and hidden while the catalogue is read.
fn root_class(compact: bool, translating: bool) -> &'static str {
    match (compact, translating) {
        (false, false) => "freebusy",
        (true, false) => "freebusy freebusy-compact",
        (false, true) => "freebusy freebusy-translating",
        (true, true) => "freebusy freebusy-compact freebusy-translating",
    }
}

/// The hosts' rules with their home zones as the browser answers them; a zone the
/// browser does not know makes the rules unreadable (never guessed as another zone).
fn host_zones(
    read: Option<Vec<freebusy_core::rule::Rules>>,
    tag: &str,
    hour_cycle: Option<HourCycle>,
    attendees: &[String],
) -> Result<Option<Vec<HostRules>>, fetch::FetchError> {
    let Some(read) = read else {
        return Ok(None);
    };
    let mut hosts = Vec::with_capacity(read.len());
    for (rules, attendee) in read.into_iter().zip(attendees) {
        let zone = shown_zone(rules.time_zone(), tag, hour_cycle).ok_or_else(|| {
            fetch::FetchError::Malformed {
                attendee: Some(attendee.clone()),
                detail: format!(
                    "rules: this browser does not know the time zone {}",
                    rules.time_zone()
                ),
            }
        })?;
        hosts.push(HostRules { rules, zone });
    }
    Ok(Some(hosts))
}

/// Sets `html` as the content of `container`, keeping focus where it was: on the grid's
/// tab stop, the pressed day, or the same field of the same confirm step (whose typed
/// text is carried over too). When the state asks for focus (the keyboard moved to a
/// week or day not drawn yet), the grid's tab stop takes it.
fn redraw(container: &Element, html: &str, state: State) {
    let had_focus = container.matches(":focus-within").unwrap_or(false);
    let old_form = container.query_selector("form").ok().flatten().map(|form| {
        let typed: Vec<(String, JsValue)> = ["name", "email", "note"]
            .iter()
            .filter_map(|name| {
                let field = form.query_selector(&format!("[name='{name}']")).ok()??;
                Some((
                    (*name).to_owned(),
                    js_sys::Reflect::get(&field, &"value".into()).ok()?,
                ))
            })
            .collect();
        (form.get_attribute("data-key"), typed)
    });
    let focused_field = had_focus
        .then(|| active_element(container))
        .flatten()
        .and_then(|active| active.get_attribute("name"));
    container.set_inner_html(html);
    if container.class_list().contains("freebusy-grid") {
        place_now_lines(container);
        if (had_focus || state.with_untracked(SchedulerState::wants_focus))
            && focus_first(container, "[tabindex='0']")
        {
            state.update_untracked(SchedulerState::focused);
        }
    } else if let Some((key, typed)) = old_form {
        let Some(form) = container.query_selector("form").ok().flatten() else {
            return;
        };
        if form.get_attribute("data-key") == key {
            for (name, value) in typed {
                if let Some(field) = form
                    .query_selector(&format!("[name='{name}']"))
                    .ok()
                    .flatten()
                {
                    let _ = js_sys::Reflect::set(&field, &"value".into(), &value);
                }
            }
            if let Some(name) = focused_field {
                focus_first(&form, &format!("[name='{name}']"));
            }
        }
    } else if had_focus {
        focus_first(container, "[aria-pressed='true']");
    }
}

/// Whether focus is inside `root`, or nowhere in particular (the page's body): only
/// then may the widget move it.
fn focus_is_inside_or_nowhere(root: &Element) -> bool {
    let document = web_sys::window().and_then(|window| window.document());
    let page = document
        .as_ref()
        .and_then(web_sys::Document::active_element);
    let nowhere = page.is_none()
        || document
            .as_ref()
            .and_then(web_sys::Document::body)
            .is_some_and(|body| page.as_ref() == Some(body.unchecked_ref()));
    nowhere
        || active_element(root)
            .is_some_and(|active| root.contains(Some(active.unchecked_ref::<web_sys::Node>())))
}

/// The focused element in `inside`'s tree: its shadow root's, else the document's.
fn active_element(inside: &Element) -> Option<Element> {
    match inside.get_root_node().dyn_into::<web_sys::ShadowRoot>() {
        Ok(shadow) => shadow.active_element(),
        Err(_) => web_sys::window()?.document()?.active_element(),
    }
}

/// Fills the zone picker's list the first time it is needed.
fn fill_zone_list(field: &web_sys::HtmlInputElement, own: String) {
    let Some(list) = field
        .parent_element()
        .and_then(|label| label.next_element_sibling())
    else {
        return;
    };
    if list.child_element_count() == 0 {
        let entries = zone_picker::entries(
            intl::zone_names(),
            &own,
            browser_zone::now(),
            zone_picker::browser_offset,
        );
        list.set_inner_html(&zone_picker::options_markup(&entries));
    }
}

/// Focuses the first element under `root` matching `selector`.
fn focus_first(root: &Element, selector: &str) -> bool {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<HtmlElement>().ok())
        .is_some_and(|element| element.focus().is_ok())
}

/// Puts each now line where now is in its slot, through the CSSOM (no inline `style`
/// attribute in the markup, for strict CSP).
fn place_now_lines(grid: &Element) {
    let Ok(lines) = grid.query_selector_all(".freebusy-now") else {
        return;
    };
    for index in 0..lines.length() {
        let Some(line) = lines
            .item(index)
            .and_then(|node| node.dyn_into::<HtmlElement>().ok())
        else {
            continue;
        };
        let at: u32 = line
            .get_attribute("data-at")
            .and_then(|at| at.parse().ok())
            .unwrap_or(0);
        let _ = line
            .style()
            .set_property("top", &format!("{}.{}%", at / 10, at % 10));
    }
}

/// Makes the slot starting at `start` the grid's one tab stop, and focuses it (when it
/// is drawn).
fn move_tab_stop(grid: &Element, start: DateTime<Utc>) {
    let selector = format!("[data-start='{}']", rfc3339::format(start));
    let Some(slot) = grid.query_selector(&selector).ok().flatten() else {
        return;
    };
    let target = slot.query_selector("button").ok().flatten().unwrap_or(slot);
    if let Ok(previous) = grid.query_selector_all("[tabindex='0']") {
        for index in 0..previous.length() {
            if let Some(element) = previous
                .item(index)
                .and_then(|node| node.dyn_into::<Element>().ok())
            {
                let _ = element.set_attribute("tabindex", "-1");
            }
        }
    }
    let _ = target.set_attribute("tabindex", "0");
    if let Ok(target) = target.dyn_into::<HtmlElement>() {
        let _ = target.focus();
    }
}
