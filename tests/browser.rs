//! The widget for every visitor, in a real browser: languages and their direction, the
//! host page's wordings, the phone layout, the time-zone picker and blocks of blocked
//! time. Runs in headless Chromium and Firefox (`scripts/test.sh`).
//!
//! Weeks are in 2030 so that nothing is past.
#![cfg(target_arch = "wasm32")]

mod common;

use std::rc::Rc;

use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Alice and bob, the week of Monday 7 January 2030, in UTC, 24-hour clock.
fn attributes<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut attributes = vec![
        ("backend", "https://cal.test"),
        ("attendees", "alice@example.com,bob@example.com"),
        ("week", "2030-01-07"),
        ("first-day", "monday"),
        ("hour-cycle", "24"),
    ];
    for (key, value) in extra {
        attributes.retain(|(known, _)| known != key);
        attributes.push((key, value));
    }
    attributes
}

/// Alice busy Monday 09:00–10:30, bob tentative Tuesday 14:00–15:00.
fn backend() -> Rc<FakeBackend> {
    alice_and_bob(
        r#"[{"start":"2030-01-07T09:00:00Z","end":"2030-01-07T10:30:00Z","type":"busy"}]"#,
        r#"[{"start":"2030-01-08T14:00:00Z","end":"2030-01-08T15:00:00Z","type":"tentative"}]"#,
    )
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|index| list.item(index).unwrap().unchecked_into())
        .collect()
}

fn rect(element: &Element) -> web_sys::DomRect {
    element.get_bounding_client_rect()
}

// German: the buttons, the days and times from Intl, the statuses and the slots' names
// are German, and the root says so.
#[wasm_bindgen_test]
async fn a_german_visitor_reads_german() {
    let widget = Widget::open(
        &attributes(&[
            ("locale", "de-DE"),
            ("time-zone", "Europe/Berlin"),
            ("explain", "attendees"),
        ]),
        backend(),
    )
    .await;
    let root = widget.find(".freebusy");
    assert_eq!(root.get_attribute("lang").as_deref(), Some("de-DE"));
    assert_eq!(root.get_attribute("dir").as_deref(), Some("ltr"));
    assert_eq!(widget.text(".freebusy-prev"), "Vorherige Woche");
    assert_eq!(widget.text(".freebusy-next"), "Nächste Woche");
    assert_eq!(
        widget.text(".freebusy-zone"),
        "Zeiten in Europe/Berlin (UTC+01:00)"
    );
    assert_eq!(
        squash_range(&widget.text(".freebusy-week-label")),
        "7.–13. Januar 2030"
    );
    // 10:00 in Berlin is 09:00 UTC; the block's first slot names its span too.
    assert_eq!(
        squash_range(&widget.name_of("2030-01-07T09:00:00Z")),
        "Montag, 7. Januar, 10:00 bis 10:30, belegt 10:00–11:30 Uhr (alice@example.com belegt)"
    );
    assert_eq!(
        widget.name_of("2030-01-07T13:00:00Z"),
        "Montag, 7. Januar, 14:00 bis 14:30, frei"
    );
    assert!(
        widget
            .text("[data-start='2030-01-08T14:00:00Z']")
            .contains("vorläufig")
    );
    let heading = widget.find(".freebusy-day");
    assert_eq!(
        heading.get_attribute("aria-label").as_deref(),
        Some("Montag, 7. Januar")
    );
}

// The German catalogue comes from the backend, asked for at once beside the week (not
// after it), and the widget stays hidden until both are there: never English first.
#[wasm_bindgen_test]
async fn a_german_catalogue_is_read_beside_the_first_week_and_nothing_english_shows() {
    let backend = backend();
    backend.delay("/alice%40example.com?", 300);
    let widget = Widget::mount_at(
        1000,
        &attributes(&[
            ("backend", "https://parallel.test"),
            ("locale", "de-DE"),
            ("time-zone", "UTC"),
        ]),
        backend.clone(),
    );
    leptos::task::tick().await;
    // While the week is still on its way, the catalogue is asked for too.
    assert_eq!(
        widget
            .find(".freebusy")
            .get_attribute("aria-busy")
            .as_deref(),
        Some("true")
    );
    assert_eq!(backend.requests_to("/alice%40example.com?").len(), 1);
    assert_eq!(
        backend
            .requests_to("https://parallel.test/v1/messages/de")
            .len(),
        1
    );
    widget.settle().await;
    assert_eq!(widget.text(".freebusy-next"), "Nächste Woche");
    assert!(
        !widget
            .find(".freebusy")
            .class_list()
            .contains("freebusy-translating")
    );
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy");
    // The next week asks for the week only.
    widget.click(".freebusy-next").await;
    widget.settle().await;
    assert_eq!(backend.requests_to("/v1/messages/").len(), 1);
}

// Hidden while the catalogue is read: the frame is laid out, but not seen.
#[wasm_bindgen_test]
async fn the_widget_is_hidden_while_its_catalogue_is_read() {
    let backend = backend();
    backend.delay("/v1/messages/es", 400);
    let widget = Widget::mount_at(
        1000,
        &attributes(&[("backend", "https://hidden.test"), ("locale", "es-ES")]),
        backend,
    );
    leptos::task::tick().await;
    let root = widget.find(".freebusy");
    let visibility = |root: &Element| {
        web_sys::window()
            .unwrap()
            .get_computed_style(root)
            .unwrap()
            .unwrap()
            .get_property_value("visibility")
            .unwrap()
    };
    assert!(root.class_list().contains("freebusy-translating"));
    assert_eq!(visibility(&root), "hidden");
    widget.settle().await;
    assert_eq!(widget.text(".freebusy-next"), "Semana siguiente");
    assert_eq!(visibility(&widget.find(".freebusy")), "visible");
}

// A backend without the catalogue (404), or with garbage in its place, leaves the
// widget English, with a working grid that books.
#[wasm_bindgen_test]
async fn a_catalogue_that_cannot_be_read_leaves_a_working_english_widget() {
    for (server, answer) in [
        (
            "https://no-catalogue.test",
            json(
                404,
                r#"{"error":{"code":"not_found","message":"no route"}}"#,
            ),
        ),
        ("https://garbage.test", json(200, "<html>oops</html>")),
        ("https://not-strings.test", json(200, r#"{"week.next": 1}"#)),
        ("https://down.test", json(503, "")),
    ] {
        let backend = backend();
        backend.answer("/v1/messages/", vec![Ok(answer)]);
        backend.answer(
            "/v1/bookings",
            vec![Ok(json(201, r#"{"id":"bk_en","cancel_token":"c"}"#))],
        );
        let widget = Widget::open(
            &attributes(&[
                ("backend", server),
                ("locale", "de-DE"),
                ("time-zone", "UTC"),
            ]),
            backend.clone(),
        )
        .await;
        assert_eq!(backend.requests_to("/v1/messages/de").len(), 1, "{server}");
        assert_eq!(widget.text(".freebusy-next"), "Next week", "{server}");
        assert!(
            !widget
                .find(".freebusy")
                .class_list()
                .contains("freebusy-translating")
        );
        assert_eq!(widget.alert(), "", "{server}");
        assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy", "{server}");
        assert_eq!(
            widget.name_of("2030-01-07T13:00:00Z"),
            "Montag, 7. Januar, 13:00 to 13:30, free",
            "{server}"
        );
        widget
            .click("[data-start='2030-01-07T13:00:00Z'] button")
            .await;
        widget
            .until("the confirm step", |w| {
                w.try_find(".freebusy-confirm").is_some()
            })
            .await;
        assert_eq!(
            widget.text(".freebusy-confirm button[type='submit']"),
            "Book this slot"
        );
    }
}

// A catalogue that does not answer within the timeout leaves English too, and the
// week is still shown.
#[wasm_bindgen_test]
async fn a_catalogue_that_never_answers_times_out_to_english() {
    let backend = backend();
    backend.delay("/v1/messages/", 30_000);
    let widget = Widget::open(
        &attributes(&[
            ("backend", "https://slow-catalogue.test"),
            ("locale", "ja-JP"),
            ("time-zone", "UTC"),
            ("timeout", "1"),
        ]),
        backend.clone(),
    )
    .await;
    assert_eq!(widget.text(".freebusy-next"), "Next week");
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy");
}

// Japanese: Intl writes the dates the Japanese way; the catalogue gives the words.
#[wasm_bindgen_test]
async fn a_japanese_visitor_reads_japanese() {
    let widget = Widget::open(
        &attributes(&[("locale", "ja-JP"), ("time-zone", "Asia/Tokyo")]),
        backend(),
    )
    .await;
    assert_eq!(widget.text(".freebusy-prev"), "前の週");
    assert_eq!(widget.text(".freebusy-today"), "今日");
    let label = widget.text(".freebusy-week-label");
    assert!(
        label.contains("2030") && label.contains("13") && !label.contains("Jan"),
        "{label}"
    );
    // 09:00 in Tokyo is midnight UTC.
    let name = widget.name_of("2030-01-07T00:00:00Z");
    assert_eq!(name, "1月7日月曜日 09:00～09:30、空き");
    assert_eq!(
        widget.find(".freebusy").get_attribute("lang").as_deref(),
        Some("ja-JP")
    );
}

// Arabic: right to left, the first day drawn rightmost, and the left arrow moves to
// the next day, as the eye sees it.
#[wasm_bindgen_test]
async fn an_arabic_visitor_gets_a_right_to_left_grid() {
    let widget = Widget::open(
        &attributes(&[("locale", "ar-EG"), ("time-zone", "UTC")]),
        backend(),
    )
    .await;
    let root = widget.find(".freebusy");
    assert_eq!(root.get_attribute("dir").as_deref(), Some("rtl"));
    assert_eq!(widget.text(".freebusy-prev"), "الأسبوع السابق");
    let days = all(&widget.root, ".freebusy-day");
    assert!(
        rect(&days[0]).left() > rect(&days[1]).left(),
        "Monday is drawn right of Tuesday"
    );
    let monday = widget.slot("2030-01-07T08:00:00Z");
    let tuesday = widget.slot("2030-01-08T08:00:00Z");
    assert!(rect(&monday).left() > rect(&tuesday).left());
    assert!(
        widget.name_of("2030-01-07T08:00:00Z").ends_with("متاح"),
        "{}",
        widget.name_of("2030-01-07T08:00:00Z")
    );
    let first = widget.focused_start_after_tab_stop();
    assert_eq!(first, "2030-01-07T08:00:00Z");
    widget.press("ArrowLeft").await;
    assert_eq!(
        widget.focused_start(),
        "2030-01-08T08:00:00Z",
        "left is the next day"
    );
    widget.press("ArrowRight").await;
    assert_eq!(widget.focused_start(), "2030-01-07T08:00:00Z");
}

// The host page's wordings replace the built-in ones, in the attribute (JSON) and in
// the JS mount's options (an object); an unknown key is reported, the others still apply.
#[wasm_bindgen_test]
async fn the_host_pages_messages_override_the_catalogue() {
    let widget = Widget::open(
        &attributes(&[
            ("locale", "fr-FR"),
            ("time-zone", "UTC"),
            (
                "messages",
                r#"{"week.next": "Plus tard", "status.busy": "pris", "week.nxt": "x"}"#,
            ),
        ]),
        backend(),
    )
    .await;
    assert_eq!(widget.text(".freebusy-next"), "Plus tard");
    assert_eq!(widget.text(".freebusy-prev"), "Semaine précédente");
    assert!(widget.name_of("2030-01-07T09:00:00Z").contains("pris"));
    assert!(widget.alert().contains("week.nxt"), "{}", widget.alert());

    freebusy::embed::define_element();
    let window = web_sys::window().unwrap();
    let document = window.document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let mount: js_sys::Function = js_sys::Reflect::get(
        &js_sys::Reflect::get(&window, &"freebusy".into()).unwrap(),
        &"mount".into(),
    )
    .unwrap()
    .unchecked_into();
    let options = js_sys::JSON::parse(
        r#"{"backend":"http://127.0.0.1:9","attendees":["alice@example.com"],"week":"2030-01-07",
            "timeZone":"UTC","locale":"en-GB","messages":{"week.today":"Now","form.submit":"Go"}}"#,
    )
    .unwrap();
    let handle = mount.call2(&JsValue::NULL, &host, &options).unwrap();
    let shadow = host.shadow_root().unwrap();
    let today = shadow.query_selector(".freebusy-today").unwrap().unwrap();
    assert_eq!(today.text_content().unwrap(), "Now");
    let destroy: js_sys::Function = js_sys::Reflect::get(&handle, &"destroy".into())
        .unwrap()
        .unchecked_into();
    destroy.call0(&handle).unwrap();
    host.remove();
}

// At 360 CSS pixels the widget shows one day with a day strip: nothing scrolls
// sideways, every target is at least 44 by 44, and a slot is booked by touch.
#[wasm_bindgen_test]
async fn a_phone_shows_one_day_with_thumb_sized_targets_and_books_by_touch() {
    let backend = backend();
    backend.answer(
        "/v1/bookings",
        vec![Ok(json(201, r#"{"id":"bk_touch","cancel_token":"c"}"#))],
    );
    let widget = Widget::open_at(
        360,
        &attributes(&[("locale", "de-DE"), ("time-zone", "UTC")]),
        backend,
    )
    .await;
    widget
        .until("the phone layout", |w| {
            w.try_find(".freebusy-compact .freebusy-days button")
                .is_some()
        })
        .await;
    let root = widget.find(".freebusy");
    let no_overflow = |element: &Element| element.scroll_width() <= element.client_width();
    assert!(
        no_overflow(&root),
        "{} > {}",
        root.scroll_width(),
        root.client_width()
    );
    assert!(no_overflow(&widget.find(".freebusy-grid")));
    assert!(no_overflow(&widget.find(".freebusy-nav")));
    // One day: Monday's slots only, with the day named in full.
    assert_eq!(all(&widget.root, "[role='gridcell']").len(), 20);
    assert!(
        widget
            .try_find("[data-start='2030-01-08T08:00:00Z']")
            .is_none()
    );
    assert!(widget.text(".freebusy-day").contains("Montag, 7. Januar"));
    let mut targets = all(&widget.root, ".freebusy-days button");
    assert_eq!(targets.len(), 7);
    targets.extend(all(&widget.root, ".freebusy-nav button"));
    targets.extend(all(&widget.root, "[role='grid'] button"));
    for target in &targets {
        let r = rect(target);
        assert!(
            r.width() >= 44.0 && r.height() >= 44.0,
            "{:?} is {}×{}",
            target.text_content(),
            r.width(),
            r.height()
        );
    }
    // Tuesday, by touch.
    touch(&all(&widget.root, ".freebusy-days button")[1]).await;
    widget
        .until("Tuesday", |w| {
            w.try_find("[data-start='2030-01-08T08:00:00Z']").is_some()
        })
        .await;
    assert_eq!(
        all(&widget.root, ".freebusy-days button")[1]
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
    touch(&widget.find("[data-start='2030-01-08T11:00:00Z'] button")).await;
    widget
        .until("the form", |w| w.try_find("form").is_some())
        .await;
    for selector in [
        "form [name='name']",
        "form [name='email']",
        "form button[type='submit']",
    ] {
        let r = rect(&widget.find(selector));
        assert!(r.height() >= 44.0, "{selector} is {} high", r.height());
    }
    assert!(no_overflow(&root));
    widget.fill("name", "Dana");
    widget.fill("email", "dana@example.com");
    touch(&widget.find("form button[type='submit']")).await;
    widget
        .until("the confirmation", |w| {
            w.text(".freebusy-confirmation").contains("bk_touch")
        })
        .await;
    let posted = widget.backend.requests_to("/v1/bookings");
    let body = js_sys::JSON::parse(posted[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        detail(&body, "start").as_string().unwrap(),
        "2030-01-08T11:00:00Z"
    );
}

// In the phone layout the keyboard still works: down moves through the day, right
// moves to the next day (redrawn) and focus follows.
#[wasm_bindgen_test]
async fn the_phone_layout_keeps_the_keyboard() {
    let widget = Widget::open_at(
        360,
        &attributes(&[("locale", "en-GB"), ("time-zone", "UTC")]),
        backend(),
    )
    .await;
    widget
        .until("the phone layout", |w| {
            w.try_find(".freebusy-compact").is_some()
        })
        .await;
    assert_eq!(
        widget.focused_start_after_tab_stop(),
        "2030-01-07T08:00:00Z"
    );
    widget.press("ArrowDown").await;
    assert_eq!(widget.focused_start(), "2030-01-07T08:30:00Z");
    widget.press("ArrowRight").await;
    widget
        .until("Tuesday drawn and focused", |w| {
            w.focused_start() == "2030-01-08T08:30:00Z"
        })
        .await;
    assert_eq!(
        widget.focused_name(),
        "Tuesday 8 January, 08:30 to 09:00, free"
    );
    assert!(
        widget
            .try_find("[data-start='2030-01-07T08:30:00Z']")
            .is_none()
    );
}

// Consecutive blocked slots are one block with its span in the first cell; every cell
// of it is still focusable and named for itself.
#[wasm_bindgen_test]
async fn consecutive_blocked_slots_are_drawn_as_one_block() {
    let widget = Widget::open(
        &attributes(&[
            ("locale", "en-GB"),
            ("time-zone", "UTC"),
            ("explain", "attendees"),
        ]),
        backend(),
    )
    .await;
    let block = [
        "2030-01-07T09:00:00Z",
        "2030-01-07T09:30:00Z",
        "2030-01-07T10:00:00Z",
    ];
    let parts: Vec<String> = block
        .iter()
        .map(|start| {
            widget
                .slot(start)
                .get_attribute("data-block")
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(parts, ["start", "middle", "end"]);
    assert_eq!(
        widget.text(&format!("[data-start='{}'] .freebusy-range", block[0])),
        "09:00–10:30"
    );
    assert_eq!(widget.text(&format!("[data-start='{}']", block[1])), "");
    // Drawn as one: no line between the cells, the first one's label over the rest.
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&widget.slot(block[1]))
        .unwrap()
        .unwrap();
    assert_eq!(
        style.get_property_value("border-top-color").unwrap(),
        "rgba(0, 0, 0, 0)"
    );
    // Each cell takes focus with its own name.
    let _ = widget.focused_start_after_tab_stop();
    widget.press("ArrowDown").await;
    widget.press("ArrowDown").await;
    widget.press("ArrowDown").await;
    assert_eq!(widget.focused_start(), block[1]);
    assert_eq!(
        widget.focused_name(),
        "Monday 7 January, 09:30 to 10:00, busy (alice@example.com busy)"
    );
    assert!(
        widget
            .slot("2030-01-08T14:00:00Z")
            .get_attribute("data-block")
            .as_deref()
            == Some("start")
    );
}

// Without a time-zone option the visitor picks one: the list has every zone the
// browser knows with its offset, their own first; picking one redraws the grid in it
// without a new request, and the confirm step gives both zones.
#[wasm_bindgen_test]
async fn the_visitor_picks_a_time_zone() {
    let widget = Widget::open(&attributes(&[("locale", "en-GB")]), backend()).await;
    let input: HtmlInputElement = widget.find("[data-zone-input]").unchecked_into();
    let own = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    let own = js_sys::Reflect::get(&own, &"timeZone".into())
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(input.value(), own);
    input.focus().unwrap();
    // The focus event itself, in case the headless page has no system focus.
    let focusin = web_sys::FocusEventInit::new();
    focusin.set_bubbles(true);
    input
        .dispatch_event(
            &web_sys::FocusEvent::new_with_focus_event_init_dict("focusin", &focusin).unwrap(),
        )
        .unwrap();
    leptos::task::tick().await;
    let options = all(&widget.root, "datalist option");
    assert!(options.len() > 100, "{} zones", options.len());
    assert_eq!(
        options[0].get_attribute("value").as_deref(),
        Some(own.as_str())
    );
    let new_york = options
        .iter()
        .find(|option| option.get_attribute("value").as_deref() == Some("America/New_York"))
        .expect("New York is listed");
    let label = new_york.get_attribute("label").unwrap_or_default();
    assert!(
        label.starts_with("(UTC-0") && label.ends_with(") America/New York"),
        "its offset now and a searchable name: {label}"
    );
    let requests = widget.backend.requests_to("alice%40example.com").len();
    input.set_value("America/New_York");
    input.dispatch_event(&bubbling("input")).unwrap();
    widget
        .until("the grid in New York", |w| {
            w.try_find("[data-start='2030-01-07T22:30:00Z']").is_some()
        })
        .await;
    // 08:00 in New York is 13:00 UTC.
    assert_eq!(
        widget.name_of("2030-01-07T13:00:00Z"),
        "Monday 7 January, 08:00 to 08:30, free"
    );
    assert_eq!(
        widget.backend.requests_to("alice%40example.com").len(),
        requests
    );
    widget
        .click("[data-start='2030-01-07T13:00:00Z'] button")
        .await;
    widget
        .until("the form", |w| w.try_find("form").is_some())
        .await;
    let times: Vec<String> = all(&widget.root, "form .freebusy-when")
        .iter()
        .map(|line| line.text_content().unwrap_or_default())
        .collect();
    assert_eq!(
        times[0],
        "Monday 7 January, 08:00 to 08:30 in America/New_York"
    );
    if own != "America/New_York" {
        assert_eq!(times.len(), 2, "{times:?}");
        assert!(times[1].ends_with(&format!("in {own}")));
    }
    // A zone the browser does not know is refused, and said to be.
    input.set_value("Mars/Olympus");
    input.dispatch_event(&bubbling("change")).unwrap();
    leptos::task::tick().await;
    widget
        .until("the refusal", |w| {
            w.text(".freebusy-zone-error").contains("Mars/Olympus")
        })
        .await;
}

/// An event named `kind` that bubbles, as the browser's `input` and `change` do.
fn bubbling(kind: &str) -> web_sys::Event {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    web_sys::Event::new_with_event_init_dict(kind, &init).unwrap()
}

/// A touch on `target`: pointer events as a finger makes them, then the click.
async fn touch(target: &Element) {
    for kind in ["pointerdown", "pointerup"] {
        let init = web_sys::PointerEventInit::new();
        init.set_pointer_type("touch");
        init.set_bubbles(true);
        init.set_composed(true);
        let event = web_sys::PointerEvent::new_with_event_init_dict(kind, &init).unwrap();
        target.dispatch_event(&event).unwrap();
    }
    target.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
}
