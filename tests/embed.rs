//! The widget as a thing people embed, in a real browser: the custom element written in
//! the page's HTML mounts once with all its attributes, takes later changes in place,
//! survives a move, aborts its requests on removal; timeouts with a retry; the locale's
//! first day; Escape and focus return; PageUp/PageDown; the small things (no attendees,
//! a bad backend, a malformed email, `mount(null)`, the form's limits and its pending
//! state, privacy, the zone's offset, a host page's root font size). Runs in headless
//! Chromium and Firefox (`scripts/test.sh`).
//!
//! The custom element uses the browser's own fetch: `window.fetch` is wrapped here for
//! `https://embed.test/…`, which answers `[]` under `/ok/` and never under `/never/`.
#![cfg(target_arch = "wasm32")]

mod common;

use std::rc::Rc;

use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = "
export function fake_fetch() {
  if (window.__freebusyFake) return window.__freebusyFake;
  const real = window.fetch.bind(window);
  const fake = { requests: [], rules: [] };
  window.__freebusyFake = fake;
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    if (!url.startsWith('https://embed.test/')) return real(input, init);
    const signal = (init && init.signal) || (typeof input === 'string' ? null : input.signal);
    // A backend without the rules route: the week's requests are what these tests count.
    if (new URL(url).pathname.includes('/v1/rules/')) {
      fake.rules.push({ url, signal });
      return Promise.resolve(new Response(JSON.stringify({ error: { code: 'not_found', message: 'no route' } }), { status: 404, headers: { 'content-type': 'application/json' } }));
    }
    fake.requests.push({ url, signal });
    if (new URL(url).pathname.startsWith('/never/')) {
      return new Promise((_, reject) => {
        if (signal) signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    return Promise.resolve(new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } }));
  };
  return fake;
}
export function requests_to(part) {
  return fake_fetch().requests.filter((r) => r.url.includes(part)).length;
}
export function aborted_to(part) {
  return fake_fetch().requests.filter((r) => r.url.includes(part) && r.signal && r.signal.aborted).length;
}
export function call_mount(element, options) {
  try { window.freebusy.mount(element, options); return ''; } catch (error) { return String(error && error.message); }
}
")]
extern "C" {
    fn fake_fetch() -> JsValue;
    fn requests_to(part: &str) -> u32;
    fn aborted_to(part: &str) -> u32;
    fn call_mount(element: &JsValue, options: &JsValue) -> String;
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Waits until `check` holds (at most 10 s).
async fn until(what: &str, check: impl Fn() -> bool) {
    for _ in 0..500 {
        leptos::task::tick().await;
        if check() {
            return;
        }
        pause(20).await;
    }
    panic!("waited 10 s for {what}");
}

/// A `<freebusy-scheduler>` written as HTML (parsed, then upgraded), in a new container.
struct Written {
    container: Element,
}

impl Written {
    fn write(html: &str) -> Written {
        fake_fetch();
        freebusy::embed::define_element();
        let container = document().create_element("div").unwrap();
        container.set_inner_html(html);
        document().body().unwrap().append_child(&container).unwrap();
        Written { container }
    }

    fn host(&self) -> Element {
        self.container
            .query_selector("freebusy-scheduler")
            .unwrap()
            .expect("the element")
    }

    fn shadow(&self) -> Option<ShadowRoot> {
        self.host().shadow_root()
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.shadow()?.query_selector(selector).ok().flatten()
    }

    fn text(&self, selector: &str) -> String {
        self.find(selector)
            .and_then(|element| element.text_content())
            .unwrap_or_default()
    }

    fn loaded(&self) -> bool {
        self.find(".freebusy[aria-busy='false'] [role='grid'] [data-start]")
            .is_some()
    }

    async fn settle(&self) {
        until("the element to show a week", || self.loaded()).await;
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        self.container.remove();
    }
}

/// The element's HTML with many attributes, for three attendees under `backend`.
fn many_attributes(path: &str, extra: &str) -> String {
    format!(
        r#"<freebusy-scheduler backend="https://embed.test/{path}" attendees="a@example.com, b@example.com, c@example.com" week="2030-01-07" time-zone="UTC" locale="en-GB" hour-cycle="24" first-day="monday" visible-hours="09:00-12:00" slot-minutes="30" {extra}></freebusy-scheduler>"#
    )
}

// An element in the page's HTML with ten attributes sends one request per attendee for
// its week: it mounts once, after its attributes are read.
#[wasm_bindgen_test]
async fn an_element_in_the_html_sends_one_request_per_attendee() {
    let element = Written::write(&many_attributes("ok/once", ""));
    element.settle().await;
    assert_eq!(requests_to("/ok/once/"), 3);
    for attendee in ["a%40example.com", "b%40example.com", "c%40example.com"] {
        assert_eq!(
            requests_to(&format!("/ok/once/{attendee}?")),
            1,
            "{attendee}"
        );
    }
    // Styled by the adopted stylesheet: the grid is laid out, with no <style> element.
    let shadow = element.shadow().unwrap();
    assert!(shadow.query_selector("style").unwrap().is_none());
    assert_eq!(shadow.adopted_style_sheets().length(), 1);
    let grid = element.find(".freebusy-grid").unwrap();
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&grid)
        .unwrap()
        .unwrap();
    assert_eq!(style.get_property_value("display").unwrap(), "flex");
}

// Opens the form on the first free slot and types a name into it.
async fn open_form(element: &Written, name: &str) {
    element
        .find("[data-status='free'] button")
        .expect("a free slot")
        .unchecked_into::<HtmlElement>()
        .click();
    until("the form to open", || {
        element.find("form [name='name']").is_some()
    })
    .await;
    element
        .find("form [name='name']")
        .unwrap()
        .unchecked_into::<web_sys::HtmlInputElement>()
        .set_value(name);
}

fn typed(element: &Written) -> String {
    element
        .find("form [name='name']")
        .map(|field| field.unchecked_into::<web_sys::HtmlInputElement>().value())
        .unwrap_or_default()
}

// A later attribute change updates what it changes: new words redraw the texts with the
// open form and its typed text kept and nothing fetched; a new week fetches that week
// once per attendee.
#[wasm_bindgen_test]
async fn attribute_changes_update_in_place_and_keep_the_form() {
    let element = Written::write(&many_attributes("ok/change", ""));
    element.settle().await;
    open_form(&element, "Dana").await;
    let host = element.host();
    host.set_attribute(
        "messages",
        r#"{"form.submit": "Book it", "week.next": "Later"}"#,
    )
    .unwrap();
    host.set_attribute("explain", "count").unwrap();
    until("the new words", || {
        element.text(".freebusy-next") == "Later"
    })
    .await;
    assert_eq!(element.text("form button[type='submit']"), "Book it");
    assert_eq!(typed(&element), "Dana", "what was typed is kept");
    assert_eq!(requests_to("/ok/change/"), 3, "nothing fetched again");
    host.set_attribute("week", "2030-01-14").unwrap();
    until("the next week", || {
        element.loaded()
            && element
                .find("[data-start='2030-01-14T09:00:00Z']")
                .is_some()
    })
    .await;
    assert_eq!(
        requests_to("/ok/change/"),
        6,
        "one request per attendee for the week"
    );
    assert_eq!(
        element
            .shadow()
            .unwrap()
            .query_selector_all(".freebusy")
            .unwrap()
            .length(),
        1
    );
}

// Moving the element to another parent keeps the widget as it is: the open form and
// its typed text, and no new request.
#[wasm_bindgen_test]
async fn moving_the_element_keeps_the_open_form_and_its_text() {
    let element = Written::write(&many_attributes("ok/move", ""));
    element.settle().await;
    open_form(&element, "Moved Visitor").await;
    let other = document().create_element("section").unwrap();
    element.container.append_child(&other).unwrap();
    other.append_child(&element.host()).unwrap();
    leptos::task::tick().await;
    pause(0).await;
    assert!(
        element.find("form.freebusy-confirm").is_some(),
        "the form is still open"
    );
    assert_eq!(typed(&element), "Moved Visitor");
    assert_eq!(requests_to("/ok/move/"), 3);
}

// Removing the element aborts the requests it has in flight.
#[wasm_bindgen_test]
async fn removing_the_element_aborts_its_requests() {
    let element = Written::write(&many_attributes("never/removed", ""));
    until("three requests in flight", || {
        requests_to("/never/removed/") == 3
    })
    .await;
    assert_eq!(aborted_to("/never/removed/"), 0);
    element.host().remove();
    until("every request aborted", || {
        aborted_to("/never/removed/") == 3
    })
    .await;
}

// A backend that never answers: after the timeout the visitor is told so and offered a
// retry, which asks again; the requests that timed out were aborted.
#[wasm_bindgen_test]
async fn a_backend_that_never_answers_times_out_with_a_retry() {
    let element = Written::write(&many_attributes("never/timeout", r#"timeout="1""#));
    until("the timeout's alert", || {
        element
            .text("[role='alert']")
            .contains("did not answer within 1 s")
    })
    .await;
    assert_eq!(
        element
            .find(".freebusy")
            .unwrap()
            .get_attribute("aria-busy")
            .as_deref(),
        Some("false")
    );
    assert_eq!(aborted_to("/never/timeout/"), 3);
    element
        .find(".freebusy-retry")
        .expect("Try again")
        .unchecked_into::<HtmlElement>()
        .click();
    until("the retry's requests", || {
        requests_to("/never/timeout/") == 6
    })
    .await;
}

// mount(null) and mount("#id") throw an Error that says what is wrong.
#[wasm_bindgen_test]
async fn mount_without_an_element_says_what_is_wrong() {
    freebusy::embed::define_element();
    let message = call_mount(&JsValue::NULL, &js_sys::Object::new());
    assert!(message.contains("must be a DOM element"), "{message}");
    assert!(message.ends_with("not null"), "{message}");
    let message = call_mount(&"#booking".into(), &js_sys::Object::new());
    assert!(message.ends_with("not a string"), "{message}");
}

// A host page's root font size and letter spacing, and its styles on the element,
// change nothing in the widget's layout.
#[wasm_bindgen_test]
async fn the_host_pages_root_font_size_and_letter_spacing_change_nothing() {
    let measure = |element: &Written| {
        let slot = element.find("[data-start='2030-01-07T09:00:00Z']").unwrap();
        let rect = slot.get_bounding_client_rect();
        let label = element
            .find(".freebusy-week-label")
            .unwrap()
            .get_bounding_client_rect();
        (
            rect.width().round(),
            rect.height().round(),
            label.height().round(),
        )
    };
    let plain = Written::write(&many_attributes("ok/plain", r#"style="width: 900px""#));
    plain.settle().await;
    let before = measure(&plain);
    drop(plain);
    let root = document()
        .document_element()
        .unwrap()
        .unchecked_into::<HtmlElement>();
    root.style().set_property("font-size", "40px").unwrap();
    root.style().set_property("letter-spacing", "3px").unwrap();
    let styled = Written::write(&many_attributes(
        "ok/styled",
        r#"style="width: 900px; font-size: 30px; letter-spacing: 5px; word-spacing: 9px; line-height: 3""#,
    ));
    styled.settle().await;
    let after = measure(&styled);
    root.style().remove_property("font-size").unwrap();
    root.style().remove_property("letter-spacing").unwrap();
    assert_eq!(before, after);
}

/// Alice busy Monday 09:00–10:00 (UTC), bob free.
fn alice_busy() -> Rc<FakeBackend> {
    alice_and_bob(
        r#"[{"start":"2030-01-07T09:00:00Z","end":"2030-01-07T10:00:00Z","type":"busy"}]"#,
        "[]",
    )
}

/// The widget with `extra` attributes, over [`alice_busy`].
async fn open_with(extra: &[(&str, &str)]) -> Widget {
    Widget::open(&attributes(extra), alice_busy()).await
}

fn attributes<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut attributes = vec![
        ("backend", "https://cal.test"),
        ("attendees", "alice@example.com,bob@example.com"),
        ("week", "2030-01-07"),
        ("time-zone", "UTC"),
        ("locale", "en-GB"),
        ("hour-cycle", "24"),
        ("first-day", "monday"),
    ];
    for (key, value) in extra {
        attributes.retain(|(known, _)| known != key);
        attributes.push((key, value));
    }
    attributes
}

// The first day of the week follows the locale: Sunday in the US and Israel, Saturday
// in Egypt, Monday in Germany; and the fallback table for browsers without week info
// agrees with the browser's own data where it has some.
#[wasm_bindgen_test]
async fn the_first_day_of_the_week_follows_the_locale() {
    for (locale, first) in [
        ("en-US", "2030-01-06"),
        ("he-IL", "2030-01-06"),
        ("ar-EG", "2030-01-05"),
        ("de-DE", "2030-01-07"),
    ] {
        let mut attributes: Vec<(&str, &str)> =
            attributes(&[("locale", locale), ("week", "2030-01-09")]);
        attributes.retain(|(key, _)| *key != "first-day");
        let widget = Widget::open(&attributes, alice_busy()).await;
        let start = widget
            .find("[role='grid'] [data-start]")
            .get_attribute("data-start")
            .unwrap();
        assert!(
            start.starts_with(first),
            "{locale}: the week starts {start}"
        );
    }
    for tag in [
        "en-US", "en-GB", "he-IL", "ar-EG", "ar-SA", "de-DE", "fr-FR", "ja-JP", "pt-BR", "hi-IN",
        "fa-IR", "zh-CN", "en", "ar", "he",
    ] {
        let region = js_sys::Reflect::get(
            &js_sys::eval(&format!("new Intl.Locale('{tag}').maximize()")).unwrap(),
            &"region".into(),
        )
        .unwrap()
        .as_string()
        .unwrap_or_default();
        assert_eq!(
            freebusy::intl::first_day(tag),
            freebusy::locale::first_day_in_region(&region),
            "{tag} ({region})"
        );
    }
}

fn active_start() -> String {
    document()
        .active_element()
        .and_then(|element| element.closest("[data-start]").ok().flatten())
        .and_then(|slot| slot.get_attribute("data-start"))
        .unwrap_or_default()
}

const SLOT: &str = "2030-01-07T14:00:00Z";

// Escape closes the confirm step; after Escape, Cancel, a booking and "just taken",
// focus is back on the slot (not on the page's body).
#[wasm_bindgen_test]
async fn escape_closes_the_form_and_focus_returns_to_the_slot() {
    let backend = alice_busy();
    backend.answer(
        "/v1/bookings",
        vec![ok(r#"{"id":"bk_1"}"#), error(409, "conflict")],
    );
    let widget = Widget::open(&attributes(&[]), backend).await;
    let slot_button = format!("[data-start='{SLOT}'] button");
    let open = || async {
        widget.click(&slot_button).await;
        widget
            .until("the form", |w| w.try_find("form [name='name']").is_some())
            .await;
        widget
            .find("form [name='name']")
            .unchecked_into::<HtmlElement>()
            .focus()
            .unwrap();
    };
    open().await;
    press_on(&widget.find("form [name='name']"), "Escape").await;
    widget
        .until("the form to close", |w| w.try_find("form").is_none())
        .await;
    widget
        .until("focus on the slot", |_| active_start() == SLOT)
        .await;

    open().await;
    widget.click(".freebusy-cancel").await;
    widget
        .until("focus back after Cancel", |w| {
            w.try_find("form").is_none() && active_start() == SLOT
        })
        .await;

    for answer in ["booked", "taken"] {
        open().await;
        widget.fill("name", "Dana");
        widget.fill("email", "dana@example.com");
        widget.submit().await;
        widget
            .until(&format!("focus back after {answer}"), |w| {
                w.try_find("form").is_none()
                    && w.find(".freebusy").get_attribute("aria-busy").as_deref() == Some("false")
                    && active_start() == SLOT
            })
            .await;
    }
    assert!(widget.alert().contains("just taken"));
}

// PageDown and PageUp show the next and previous week with focus on the same weekday
// and time.
#[wasm_bindgen_test]
async fn page_keys_keep_the_weekday_and_the_time() {
    let widget = open_with(&[]).await;
    let _ = widget.focused_start_after_tab_stop();
    widget.press("ArrowDown").await;
    widget.press("ArrowRight").await;
    widget.press("ArrowRight").await;
    let before = widget.focused_start();
    assert!(before.starts_with("2030-01-09"), "{before}");
    let time = before[10..].to_owned();
    widget.press("PageDown").await;
    widget
        .until("the next week's slot focused", |w| {
            w.focused_start() == format!("2030-01-16{time}")
        })
        .await;
    widget.press("PageUp").await;
    widget
        .until("this week's slot focused", |w| w.focused_start() == before)
        .await;
}

// No attendees: nothing is fetched, nothing can be booked, and the visitor is told why.
#[wasm_bindgen_test]
async fn no_attendees_offer_no_slot_and_say_so() {
    let mut attributes = attributes(&[]);
    attributes.retain(|(key, _)| *key != "attendees");
    let widget = Widget::open(&attributes, alice_busy()).await;
    assert!(widget.alert().contains("No attendees are configured"));
    assert_eq!(widget.grid_buttons(), 0);
    assert!(widget.try_find("[data-status='unavailable']").is_some());
    assert!(widget.backend.requests.borrow().is_empty());
}

// A backend that is not a web address is an option error, not "no calendar found".
#[wasm_bindgen_test]
async fn a_backend_that_is_not_a_url_is_an_option_error() {
    let widget = open_with(&[("backend", "not a url")]).await;
    assert!(
        widget
            .alert()
            .contains(r#"backend="not a url" is not a web address"#),
        "{}",
        widget.alert()
    );
    assert!(widget.backend.requests.borrow().is_empty());
    assert_eq!(widget.grid_buttons(), 0);
}

// A malformed attendee address marks that attendee unknown; the others still show.
#[wasm_bindgen_test]
async fn a_malformed_attendee_is_unknown_and_the_week_still_shows() {
    let widget = open_with(&[("attendees", "alice@example.com,not an email")]).await;
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy");
    assert_eq!(widget.status_of(SLOT), "unknown");
    assert!(
        widget
            .text(".freebusy-status")
            .contains("not an email: not an email address; their time is shown as unknown."),
        "{}",
        widget.text(".freebusy-status")
    );
    assert_eq!(
        widget.backend.requests.borrow().len(),
        1,
        "only alice was asked"
    );
}

// The form's fields carry the server's limits; a pending booking says "Booking…" with
// aria-busy; a 413 is explained, not shown as a raw status.
#[wasm_bindgen_test]
async fn the_form_has_the_servers_limits_and_a_pending_state() {
    let backend = alice_busy();
    backend.answer("/v1/bookings", vec![error(413, "payload_too_large")]);
    backend.delay("/v1/bookings", 400);
    let widget = Widget::open(&attributes(&[]), backend).await;
    widget.click(&format!("[data-start='{SLOT}'] button")).await;
    widget
        .until("the form", |w| w.try_find("form").is_some())
        .await;
    for (name, most) in [("name", "200"), ("email", "254"), ("note", "2000")] {
        assert_eq!(
            widget
                .find(&format!("form [name='{name}']"))
                .get_attribute("maxlength")
                .as_deref(),
            Some(most),
            "{name}"
        );
    }
    widget.fill("name", "Dana");
    widget.fill("email", "dana@example.com");
    widget.submit().await;
    widget
        .until("Booking…", |w| {
            w.text("form button[type='submit']") == "Booking…"
        })
        .await;
    assert_eq!(
        widget.find("form").get_attribute("aria-busy").as_deref(),
        Some("true")
    );
    widget
        .until("the 413 explained", |w| {
            w.text("form [role='alert']").contains("too long")
        })
        .await;
    assert!(!widget.text("form").contains("413"));
    assert_eq!(widget.find("form").get_attribute("aria-busy"), None);
}

// By default a blocked slot says only its status; `explain` can say how many people or
// who, in the name and the tooltip.
#[wasm_bindgen_test]
async fn explain_chooses_what_a_visitor_learns() {
    let busy = "2030-01-07T09:00:00Z";
    let widget = open_with(&[]).await;
    assert_eq!(
        widget.name_of(busy),
        "Monday 7 January, 09:00 to 09:30, busy 09:00–10:00"
    );
    assert_eq!(widget.slot(busy).get_attribute("title"), None);
    let widget = open_with(&[("explain", "count")]).await;
    assert_eq!(
        widget.name_of(busy),
        "Monday 7 January, 09:00 to 09:30, busy 09:00–10:00 (1 of 2 people)"
    );
    let widget = open_with(&[("explain", "attendees")]).await;
    assert_eq!(
        widget.slot(busy).get_attribute("title").as_deref(),
        Some("alice@example.com busy")
    );
}

// The zone shown carries its offset that week.
#[wasm_bindgen_test]
async fn the_zone_label_shows_its_offset() {
    let widget = open_with(&[("time-zone", "America/New_York")]).await;
    assert_eq!(
        widget.text(".freebusy-zone"),
        "Times in America/New_York (UTC-05:00)"
    );
    let mut picker = attributes(&[]);
    picker.retain(|(key, _)| *key != "time-zone");
    let widget = Widget::open(&picker, alice_busy()).await;
    assert!(widget.text(".freebusy-zone-shown").starts_with("UTC"));
}
