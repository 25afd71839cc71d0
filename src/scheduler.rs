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
use web_sys::{AbortController, Element, HtmlElement};

use crate::browser_zone::{self, BrowserZone};
use crate::fetch::{self, GlooHttp, Http, WeekQuery};
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

/// A region's markup, drawn from the state.
type Draw = fn(&SchedulerState) -> String;

/// The regions drawn from the state: each container (by class) and its markup.
const REGIONS: [(&str, Draw); 7] = [
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
    /// Where HTTP goes; the browser's fetch (gloo-net) by default.
    #[prop(optional)]
    http: Option<Rc<dyn Http>>,
    /// Problems found while reading the options, shown as an alert.
    #[prop(optional)]
    problems: Vec<Problem>,
) -> impl IntoView {
    // What the browser says: the locale, its language and direction, the zones.
    let tag = options
        .locale
        .clone()
        .filter(|tag| intl::accepts_locale(tag))
        .unwrap_or_else(intl::browser_locale);
    let locale = Locale::new(&tag);
    let messages = Catalogue::new(locale.language(), options.messages.clone());
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
    let backend = options.backend.clone().unwrap_or_else(|| {
        web_sys::window()
            .and_then(|window| window.location().origin().ok())
            .unwrap_or_default()
    });
    let first_weekday = options.first_day.unwrap_or_else(|| intl::first_day(&tag));
    let frame_for = |state: &SchedulerState| {
        regions::frame(
            state.messages(),
            &state.zone().name,
            fixed_zone,
            state.problems(),
        )
    };
    let (Some(zone), Some(device_zone)) = (zone, device_zone) else {
        // Only a browser whose `Intl` knows no time zone, not even UTC, gets here.
        return view! {
            <div class="freebusy" aria-busy="false" role="alert">
                "This browser cannot tell the time in a time zone (Intl.DateTimeFormat), so no availability can be shown."
            </div>
        }
        .into_any();
    };
    let (initial, first_fetch) = SchedulerState::new(Setup {
        options,
        messages,
        right_to_left: locale.right_to_left(),
        first_weekday,
        zone,
        device_zone,
        now: browser_zone::now(),
        problems: notices,
    });
    let frame = frame_for(&initial);
    let state: State = RwSignal::new_local(initial);

    let http: Rc<dyn Http> = http.unwrap_or_else(|| Rc::new(GlooHttp));
    let http = StoredValue::new_local(http);
    let backend = StoredValue::new(backend);
    let picking = StoredValue::new((tag.clone(), hour_cycle, device_name));
    // The widget's owner, for tasks started from event handlers.
    let owner = StoredValue::new_local(Owner::current().unwrap_or_default());
    let root = NodeRef::<html::Div>::new();
    let find = move |selector: &str| -> Option<Element> {
        root.get_untracked()?
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
        let Some(element) = root.get_untracked() else {
            return;
        };
        let read = |s: &SchedulerState| (s.compact(), s.loading(), s.grid_label());
        let Some((compact, loading, label)) = (if tracked {
            state.try_with(read)
        } else {
            state.try_with_untracked(read)
        }) else {
            return;
        };
        let class = if compact {
            "freebusy freebusy-compact"
        } else {
            "freebusy"
        };
        let _ = element.set_attribute("class", class);
        let _ = element.set_attribute("aria-busy", if loading { "true" } else { "false" });
        regions.with_value(|regions| {
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
        root.try_get_untracked()
            .flatten()
            .is_none_or(|root| notice.dispatch(&root))
    };

    // Fetches run under the widget's owner (unmounting drops them); a new one aborts the
    // one before, and the state ignores answers to any but the last.
    let in_flight: StoredValue<RefCell<Option<AbortController>>, LocalStorage> =
        StoredValue::new_local(RefCell::new(None));
    let abort_in_flight = move || {
        in_flight.with_value(|slot| {
            if let Some(controller) = slot.borrow_mut().take() {
                controller.abort();
            }
        })
    };
    let run = move |fetch: Option<Fetch>| {
        let Some(fetch) = fetch else { return };
        abort_in_flight();
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        in_flight.with_value(|slot| *slot.borrow_mut() = controller);
        let Some((options, zone)) =
            state.try_with_untracked(|s| (s.options().clone(), s.zone().clone()))
        else {
            return;
        };
        let http = http.get_value();
        let backend = backend.get_value();
        owner.get_value().with(|| {
            leptos::task::spawn_local_scoped_with_cancellation(async move {
                let query = WeekQuery {
                    backend: &backend,
                    options: &options,
                    window: fetch.window,
                    first_day: fetch.first_day,
                    zone_name: &zone.name,
                };
                let on_wait = move |seconds| state.update(|s| s.waiting(fetch.generation, seconds));
                // The hosts' rules, read once, with the first week.
                let rules = async {
                    if !fetch.rules {
                        return Ok(None);
                    }
                    let read = fetch::fetch_rules(
                        http.as_ref(),
                        &backend,
                        &options.attendees,
                        signal.clone(),
                        &on_wait,
                    )
                    .await?;
                    picking.with_value(|(tag, cycle, _)| {
                        host_zones(read, tag, *cycle, &options.attendees)
                    })
                };
                let week = fetch::fetch_week(
                    http.as_ref(),
                    &query,
                    zone.zone.as_ref(),
                    signal.clone(),
                    &on_wait,
                );
                let (result, rules) = futures::future::join(week, rules).await;
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
            })
        });
    };
    run(first_fetch);
    on_cleanup(abort_in_flight);

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
        let value = |name: &str| {
            form.query_selector(&format!("[name='{name}']"))
                .ok()
                .flatten()
                .and_then(|field| {
                    js_sys::Reflect::get(&field, &"value".into())
                        .ok()?
                        .as_string()
                })
                .unwrap_or_default()
        };
        let Some(booking) = state
            .try_update(|s| s.submit(&value("name"), &value("email"), &value("note")))
            .flatten()
        else {
            return;
        };
        let http = http.get_value();
        let backend = backend.get_value();
        // Under the widget's owner: unmounting drops the task (the POST itself still
        // completes on the server; its idempotency key makes a resubmit safe).
        owner.get_value().with(|| {
            leptos::task::spawn_local_scoped_with_cancellation(async move {
                let outcome = fetch::book(http.as_ref(), &backend, &booking).await;
                let Some((notice, refetch, still_open)) = state.try_update(|s| {
                    let (notice, refetch) = match outcome {
                        Ok(id) => s.booked(&id),
                        Err(error) => {
                            let (notice, refetch) = s.booking_failed(error);
                            (Some(notice), refetch)
                        }
                    };
                    (notice, refetch, s.confirm().is_some())
                }) else {
                    return;
                };
                if let Some(notice) = notice {
                    dispatch(&notice);
                }
                run(refetch);
                if still_open {
                    request_animation_frame(move || {
                        if let Some(form) = find(".freebusy-confirm") {
                            let _ = focus_first(&form, "[aria-invalid='true']")
                                || focus_first(&form, "[name='name']");
                        }
                    });
                }
            })
        });
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

    view! {
        <div
            class="freebusy"
            node_ref=root
            lang=locale.tag().to_owned()
            dir=if locale.right_to_left() { "rtl" } else { "ltr" }
            aria-busy="true"
            inner_html=frame
        ></div>
    }
    .into_any()
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
