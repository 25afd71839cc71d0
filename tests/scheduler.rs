//! The scheduler in a real browser, fed by a test double of the HTTP layer: statuses,
//! both API styles, the fault cases, the keyboard, DST weeks and booking.
//!
//! Weeks are in 2030 or later so that no slot is past, except in the DST test, which
//! only reads the grid's shape.
#![cfg(target_arch = "wasm32")]

mod common;

use std::rc::Rc;

use common::*;
use freebusy::Options;
use freebusy::Scheduler;
use freebusy::fetch::{Http, HttpError, HttpResponse};
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

const ALICE_AND_BOB: [(&str, &str); 7] = [
    ("backend", "https://cal.test"),
    ("locale", "en-GB"),
    ("hour-cycle", "24"),
    ("attendees", "alice@example.com,bob@example.com"),
    ("week", "2030-01-07"),
    ("time-zone", "UTC"),
    ("first-day", "monday"),
];

fn alice_busy_bob_tentative() -> Rc<FakeBackend> {
    alice_and_bob(
        r#"[{"start":"2030-01-07T09:00:00Z","end":"2030-01-07T10:00:00Z","type":"busy"}]"#,
        r#"[{"start":"2030-01-07T09:30:00Z","end":"2030-01-07T10:30:00Z","type":"tentative"}]"#,
    )
}

// Each slot's data-status is the merge of everyone's calendars, from the engine.
#[wasm_bindgen_test]
async fn slots_show_the_merged_status_of_all_attendees() {
    let widget = Widget::open(&ALICE_AND_BOB, alice_busy_bob_tentative()).await;
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy");
    assert_eq!(widget.status_of("2030-01-07T09:30:00Z"), "busy");
    assert_eq!(widget.status_of("2030-01-07T10:00:00Z"), "tentative");
    assert_eq!(widget.status_of("2030-01-07T10:30:00Z"), "free");
    assert_eq!(
        widget
            .slot("2030-01-07T10:30:00Z")
            .get_attribute("data-end")
            .unwrap(),
        "2030-01-07T11:00:00Z"
    );
    assert!(
        widget
            .find("[role='grid']")
            .query_selector("[data-status='free'] button")
            .unwrap()
            .is_some()
    );
    assert_eq!(widget.text(".freebusy-zone"), "Times in UTC (UTC+00:00)");
    // One request per attendee, for the week's window and a day either side (so another
    // zone needs no new request), in unix seconds.
    let alice = widget.backend.requests_to("/alice%40example.com?");
    assert_eq!(alice.len(), 1);
    assert!(
        alice[0]
            .url
            .starts_with("https://cal.test/alice%40example.com?start=1893888000&end=1894665600"),
        "{}",
        alice[0].url
    );
    assert_eq!(widget.events_named("freebusy:loaded").len(), 1);
}

// Accessible names say the day, the times and the status; with explain="attendees",
// who blocks the slot and how too.
#[wasm_bindgen_test]
async fn slots_have_accessible_names_with_blockers() {
    let mut attributes = ALICE_AND_BOB.to_vec();
    attributes.push(("explain", "attendees"));
    let widget = Widget::open(&attributes, alice_busy_bob_tentative()).await;
    assert_eq!(
        widget.name_of("2030-01-07T14:00:00Z"),
        "Monday 7 January, 14:00 to 14:30, free"
    );
    assert_eq!(
        widget.name_of("2030-01-07T09:30:00Z"),
        "Monday 7 January, 09:30 to 10:00, busy (alice@example.com busy, bob@example.com tentative)"
    );
}

// A 404 for one attendee marks them unknown; the other's calendar still renders.
#[wasm_bindgen_test]
async fn an_attendee_answering_404_is_shown_as_unknown() {
    let backend = alice_busy_bob_tentative();
    backend.answer("/alice%40example.com?", vec![error(404, "not_found")]);
    let mut attributes = ALICE_AND_BOB.to_vec();
    attributes.push(("explain", "attendees"));
    let widget = Widget::open(&attributes, backend).await;
    assert_eq!(widget.status_of("2030-01-07T14:00:00Z"), "unknown");
    assert_eq!(widget.status_of("2030-01-07T10:00:00Z"), "unknown");
    assert!(
        widget
            .name_of("2030-01-07T10:00:00Z")
            .contains("alice@example.com unknown, bob@example.com tentative")
    );
    assert!(
        widget
            .text(".freebusy-unknown-attendee")
            .contains("alice@example.com: no calendar found")
    );
    assert!(widget.try_find(".freebusy-error").is_none());
}

// A 429 waits for Retry-After with a message, then retries and shows the week.
#[wasm_bindgen_test]
async fn too_many_requests_waits_for_retry_after_then_loads() {
    let backend = alice_busy_bob_tentative();
    let limited = HttpResponse {
        status: 429,
        retry_after: Some("1".into()),
        body: r#"{"error":{"code":"too_many_requests","message":"slow down"}}"#.into(),
    };
    backend.answer(
        "/alice%40example.com?",
        vec![
            Ok(limited),
            ok(r#"[{"start":"2030-01-07T09:00:00Z","end":"2030-01-07T10:00:00Z","type":"busy"}]"#),
        ],
    );
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy");
    assert_eq!(widget.backend.requests_to("/alice%40example.com?").len(), 2);
}

// While waiting out a 429 the widget says so, instead of a silent spinner.
#[wasm_bindgen_test]
async fn waiting_out_a_429_is_announced() {
    let backend = alice_busy_bob_tentative();
    let limited = HttpResponse {
        status: 429,
        retry_after: Some("2".into()),
        body: String::new(),
    };
    backend.answer("/alice%40example.com?", vec![Ok(limited), ok("[]")]);
    let document = web_sys::window().unwrap().document().unwrap();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let (options, _) = Options::from_attributes(|name| {
        ALICE_AND_BOB
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, v)| (*v).to_owned())
    });
    let http: Rc<dyn Http> = Rc::new(Fake(backend));
    let _mounted = mount_to(root.clone(), move || view! { <Scheduler options http /> });
    let mut announced = false;
    for _ in 0..100 {
        leptos::task::tick().await;
        let status = root
            .query_selector("[role='status']")
            .unwrap()
            .and_then(|e| e.text_content())
            .unwrap_or_default();
        if status.contains("retrying in 2 s") {
            announced = true;
            break;
        }
        pause(10).await;
    }
    root.remove();
    assert!(announced, "no retry message while waiting");
}

// A 429 that never ends gives up after a bounded number of retries, with a retry button.
#[wasm_bindgen_test]
async fn endless_429s_give_up_with_a_message() {
    let backend = alice_busy_bob_tentative();
    let limited = HttpResponse {
        status: 429,
        retry_after: Some("0".into()),
        body: String::new(),
    };
    backend.answer("/alice%40example.com?", vec![Ok(limited)]);
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    assert!(
        widget.alert().contains("too many requests"),
        "{}",
        widget.alert()
    );
    assert_eq!(widget.backend.requests_to("/alice%40example.com?").len(), 4);
    assert!(widget.try_find(".freebusy-retry").is_some());
}

// A 503 shows an alert with a retry button; retrying after recovery shows the week.
#[wasm_bindgen_test]
async fn unavailable_offers_a_retry_that_works() {
    let backend = alice_busy_bob_tentative();
    backend.answer("/bob%40example.com?", vec![error(503, "unavailable")]);
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    assert!(widget.alert().contains("unavailable"), "{}", widget.alert());
    assert!(
        widget.try_find("[data-status]").is_none(),
        "no statuses without bob's calendar"
    );
    let errors = widget.events_named("freebusy:error");
    assert_eq!(
        detail(&errors[0], "code").as_string().unwrap(),
        "unavailable"
    );

    widget.backend.answer("/bob%40example.com?", vec![ok("[]")]);
    widget.click(".freebusy-retry").await;
    widget.settle().await;
    assert!(widget.try_find(".freebusy-error").is_none());
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy");
}

// A network failure is explained and can be retried.
#[wasm_bindgen_test]
async fn a_network_error_is_explained() {
    let backend = alice_busy_bob_tentative();
    backend.answer(
        "/bob%40example.com?",
        vec![Err(HttpError::Network("TypeError: Failed to fetch".into()))],
    );
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    assert!(
        widget.alert().contains("could not be reached"),
        "{}",
        widget.alert()
    );
    assert!(widget.try_find(".freebusy-retry").is_some());
}

// A response that is not the documented JSON gives a clear message, not a blank box.
#[wasm_bindgen_test]
async fn malformed_json_gives_a_clear_message() {
    let backend = alice_busy_bob_tentative();
    backend.answer("/bob%40example.com?", vec![ok("<html>oops</html>")]);
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    assert!(
        widget.alert().contains(
            "availability for bob@example.com that cannot be read (the response is not JSON)"
        ),
        "{}",
        widget.alert()
    );
    let backend = alice_busy_bob_tentative();
    backend.answer("/bob%40example.com?", vec![ok(r#"{"busy": true}"#)]);
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    assert!(
        widget.alert().contains("cannot be read"),
        "{}",
        widget.alert()
    );
}

// Cronofy style: one bearer token per attendee, and every page is followed.
#[wasm_bindgen_test]
async fn cronofy_style_follows_pages_with_each_attendees_token() {
    let backend = Rc::new(FakeBackend::default());
    backend.answer(
        "/v1/free_busy?",
        vec![ok(r#"{"pages":{"current":1,"total":2,"next_page":"https://cal.test/v1/free_busy/pages/2"},
            "free_busy":[{"calendar_id":"c1","start":"2030-01-08T09:00:00Z","end":"2030-01-08T10:00:00Z","free_busy_status":"busy"}]}"#)],
    );
    backend.answer(
        "/pages/2",
        vec![ok(r#"{"pages":{"current":2,"total":2},
            "free_busy":[{"calendar_id":"c1","start":"2030-01-09","end":"2030-01-10","free_busy_status":"tentative"}]}"#)],
    );
    let widget = Widget::open(
        &[
            ("backend", "https://cal.test"),
            ("locale", "en-GB"),
            ("api", "cronofy"),
            ("tokens", "token-a"),
            ("attendees", "alice@example.com"),
            ("week", "2030-01-07"),
            ("time-zone", "Europe/Paris"),
            ("first-day", "monday"),
        ],
        backend,
    )
    .await;
    // 09:00 UTC is 10:00 in Paris in winter.
    assert_eq!(widget.status_of("2030-01-08T09:00:00Z"), "busy");
    // The all-day period covers Wednesday in Paris.
    assert_eq!(widget.status_of("2030-01-09T07:00:00Z"), "tentative");
    assert_eq!(widget.status_of("2030-01-10T07:00:00Z"), "free");
    let first = &widget.backend.requests_to("/v1/free_busy?")[0];
    assert_eq!(first.bearer.as_deref(), Some("token-a"));
    assert!(
        first
            .url
            .contains("tzid=Europe%2FParis&from=2030-01-06&to=2030-01-15"),
        "{}",
        first.url
    );
    assert_eq!(
        widget.backend.requests_to("/pages/2")[0].bearer.as_deref(),
        Some("token-a")
    );
}

// The grid is one tab stop; arrows, Home/End and PageDown move as the ARIA grid pattern says.
#[wasm_bindgen_test]
async fn the_keyboard_moves_through_the_grid() {
    let widget = Widget::open(&ALICE_AND_BOB, alice_busy_bob_tentative()).await;
    assert_eq!(widget.tab_stops(), 1);
    assert_eq!(
        widget
            .find("[role='grid'] [tabindex='0']")
            .get_attribute("aria-label")
            .unwrap(),
        "Monday 7 January, 08:00 to 08:30, free"
    );
    for (key, focused) in [
        ("ArrowRight", "Tuesday 8 January, 08:00 to 08:30, free"),
        ("ArrowDown", "Tuesday 8 January, 08:30 to 09:00, free"),
        ("End", "Sunday 13 January, 08:30 to 09:00, free"),
        ("Home", "Monday 7 January, 08:30 to 09:00, free"),
    ] {
        widget.press(key).await;
        assert_eq!(widget.focused_name(), focused, "after {key}");
    }
    // Down onto busy slots: they take focus too, and say why they are not bookable.
    widget.press("ArrowDown").await;
    widget.press("ArrowDown").await;
    assert!(
        widget
            .focused_name()
            .starts_with("Monday 7 January, 09:30 to 10:00, busy"),
        "{}",
        widget.focused_name()
    );
    assert_eq!(widget.tab_stops(), 1);
    widget.press("PageDown").await;
    widget.settle().await;
    assert_eq!(
        squash_range(&widget.text(".freebusy-week-label")),
        "14–20 January 2030"
    );
    assert!(
        widget
            .try_find("[data-start='2030-01-14T08:00:00Z']")
            .is_some()
    );
}

// A DST week is drawn as the wall clock runs: New York's 01:00 happens twice on 1 November.
#[wasm_bindgen_test]
async fn a_fall_back_week_shows_the_repeated_hour() {
    let backend = Rc::new(FakeBackend::default());
    backend.answer("/alice%40example.com?", vec![ok("[]")]);
    let widget = Widget::open(
        &[
            ("backend", "https://cal.test"),
            ("locale", "en-GB"),
            ("attendees", "alice@example.com"),
            ("week", "2026-11-01"),
            ("time-zone", "America/New_York"),
            ("first-day", "sunday"),
            ("visible-hours", "00:00-03:00"),
            ("hour-cycle", "24"),
            ("slot-minutes", "60"),
        ],
        backend,
    )
    .await;
    // 01:00 EDT, then 01:00 EST an hour later; Monday has one 01:00.
    assert!(
        widget
            .try_find("[data-start='2026-11-01T05:00:00Z']")
            .is_some()
    );
    assert!(
        widget
            .try_find("[data-start='2026-11-01T06:00:00Z']")
            .is_some()
    );
    assert_eq!(
        widget
            .slot("2026-11-01T04:00:00Z")
            .get_attribute("data-end")
            .unwrap(),
        "2026-11-01T05:00:00Z"
    );
    let sunday = widget
        .root
        .query_selector_all("[data-start^='2026-11-01T']")
        .unwrap()
        .length();
    let monday = widget
        .root
        .query_selector_all("[data-start^='2026-11-02T0']")
        .unwrap()
        .length();
    assert_eq!((sunday, monday), (4, 3));
    let labels: Vec<String> = (0..widget
        .root
        .query_selector_all(".freebusy-time")
        .unwrap()
        .length())
        .map(|i| {
            widget
                .root
                .query_selector_all(".freebusy-time")
                .unwrap()
                .item(i)
                .unwrap()
                .text_content()
                .unwrap()
        })
        .collect();
    assert_eq!(labels, ["00:00", "01:00", "01:00 again", "02:00"]);
    assert!(
        widget
            .name_of("2026-11-01T06:00:00Z")
            .contains("01:00 (UTC-05:00) to 02:00")
    );
}

// Choosing a free slot fires slotselect, opens the form; submitting books with an
// idempotency key, fires booked, confirms and refetches.
#[wasm_bindgen_test]
async fn booking_a_free_slot_through_the_form() {
    let backend = alice_busy_bob_tentative();
    backend.answer(
        "/v1/bookings",
        vec![Ok(json(201, r#"{"id":"bk_1","cancel_token":"c"}"#))],
    );
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    widget
        .click("[data-start='2030-01-07T14:00:00Z'] button")
        .await;
    let selected = widget.events_named("freebusy:slotselect");
    assert_eq!(
        detail(&selected[0], "start").as_string().unwrap(),
        "2030-01-07T14:00:00Z"
    );
    assert_eq!(detail(&selected[0], "timeZone").as_string().unwrap(), "UTC");
    widget.fill("name", "Dana");
    widget.fill("email", "dana@example.com");
    assert!(widget.try_find("form textarea[name='note']").is_some());
    widget.submit().await;
    widget
        .until("the confirmation", |w| {
            w.text(".freebusy-confirmation").contains("Reference bk_1")
        })
        .await;
    widget.settle().await;
    assert!(widget.try_find("form").is_none());
    let posted = widget.backend.requests_to("/v1/bookings");
    let body = js_sys::JSON::parse(posted[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        detail(&body, "start").as_string().unwrap(),
        "2030-01-07T14:00:00Z"
    );
    assert_eq!(
        detail(&body, "end").as_string().unwrap(),
        "2030-01-07T14:30:00Z"
    );
    assert_eq!(detail(&body, "name").as_string().unwrap(), "Dana");
    assert_eq!(js_sys::Array::from(&detail(&body, "hosts")).length(), 2);
    assert!(detail(&body, "idempotency_key").as_string().unwrap().len() >= 16);
    let booked = widget.events_named("freebusy:booked");
    assert_eq!(detail(&booked[0], "id").as_string().unwrap(), "bk_1");
    assert_eq!(
        widget.backend.requests_to("/alice%40example.com?").len(),
        2,
        "refetched after booking"
    );
}

/// Books Monday 14:00 through the form, as Dana.
async fn book_monday_two_pm(widget: &Widget) {
    widget
        .click("[data-start='2030-01-07T14:00:00Z'] button")
        .await;
    widget.fill("name", "Dana");
    widget.fill("email", "dana@example.com");
    widget.submit().await;
}

// The 201's id and cancel token become the visitor's three links under the
// confirmation, on the widget's API base, in the visitor's language; they open in a new
// tab (the calendar file downloads).
#[wasm_bindgen_test]
async fn the_confirmation_links_to_the_calendar_file_and_the_reschedule_and_cancel_pages() {
    for (locale, texts) in [
        ("en-GB", ["Add to calendar", "Reschedule", "Cancel booking"]),
        (
            "de-DE",
            [
                "Zum Kalender hinzufügen",
                "Verschieben",
                "Buchung stornieren",
            ],
        ),
    ] {
        let backend = alice_busy_bob_tentative();
        backend.answer(
            "/v1/bookings",
            vec![Ok(json(
                201,
                r#"{"id":"0a1b2c","cancel_token":"c0ffee42"}"#,
            ))],
        );
        let mut attributes = ALICE_AND_BOB;
        attributes[1] = ("locale", locale);
        let widget = Widget::open(&attributes, backend).await;
        book_monday_two_pm(&widget).await;
        widget
            .until("the visitor's links", |w| {
                w.try_find(".freebusy-manage a").is_some()
            })
            .await;
        let links = widget
            .root
            .query_selector_all(".freebusy-manage a")
            .unwrap();
        assert_eq!(links.length(), 3, "{locale}");
        let hrefs = [
            "https://cal.test/v1/bookings/0a1b2c/invitation.ics?token=c0ffee42",
            "https://cal.test/bookings/0a1b2c/reschedule?token=c0ffee42",
            "https://cal.test/bookings/0a1b2c/cancel?token=c0ffee42",
        ];
        for (n, (href, text)) in hrefs.iter().zip(texts).enumerate() {
            let link: web_sys::Element = links.get(n as u32).unwrap().dyn_into().unwrap();
            assert_eq!(
                link.get_attribute("href").as_deref(),
                Some(*href),
                "{locale}"
            );
            assert_eq!(link.text_content().unwrap(), text, "{locale}");
            assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
            assert_eq!(link.get_attribute("rel").as_deref(), Some("noopener"));
            assert_eq!(link.has_attribute("download"), n == 0, "{locale} {href}");
        }
    }
}

// Without a cancel token in the answer (another backend), there are no links.
#[wasm_bindgen_test]
async fn a_booking_answer_without_a_token_offers_no_links() {
    let backend = alice_busy_bob_tentative();
    backend.answer("/v1/bookings", vec![Ok(json(201, r#"{"id":"bk_9"}"#))]);
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    book_monday_two_pm(&widget).await;
    widget
        .until("the confirmation", |w| {
            w.text(".freebusy-confirmation").contains("Reference bk_9")
        })
        .await;
    widget.settle().await;
    assert!(widget.try_find(".freebusy-manage").is_none());
}

// A 409 says the slot was just taken and refreshes the week; a 422 marks the fields.
#[wasm_bindgen_test]
async fn a_taken_slot_and_invalid_fields_are_explained() {
    let backend = alice_busy_bob_tentative();
    backend.answer(
        "/v1/bookings",
        vec![
            Ok(json(422, r#"{"errors":{"email":[{"key":"errors.invalid","description":"is not an email address"}]}}"#)),
            error(409, "conflict"),
        ],
    );
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    widget
        .click("[data-start='2030-01-07T14:00:00Z'] button")
        .await;
    widget.fill("name", "Dana");
    widget.fill("email", "dana@nowhere");
    widget.submit().await;
    widget
        .until("the field error", |w| {
            w.text("#freebusy-email-error")
                .contains("is not an email address")
        })
        .await;
    assert_eq!(
        widget
            .find("form [name='email']")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    let first_key = detail(
        &js_sys::JSON::parse(
            widget.backend.requests_to("/v1/bookings")[0]
                .body
                .as_deref()
                .unwrap(),
        )
        .unwrap(),
        "idempotency_key",
    );
    widget.fill("email", "dana@example.com");
    widget.submit().await;
    widget
        .until("the conflict message", |w| w.alert().contains("just taken"))
        .await;
    widget.settle().await;
    assert!(widget.try_find("form").is_none());
    assert_eq!(
        widget.backend.requests_to("/alice%40example.com?").len(),
        2,
        "refreshed after the conflict"
    );
    // The same confirm step keeps its key, so a retried submit cannot book twice.
    let second_key = detail(
        &js_sys::JSON::parse(
            widget.backend.requests_to("/v1/bookings")[1]
                .body
                .as_deref()
                .unwrap(),
        )
        .unwrap(),
        "idempotency_key",
    );
    assert_eq!(first_key, second_key);
}

// A host page that cancels slotselect keeps the confirm step closed.
#[wasm_bindgen_test]
async fn a_cancelled_slotselect_opens_no_form() {
    let widget = Widget::open(&ALICE_AND_BOB, alice_busy_bob_tentative()).await;
    let cancel =
        Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| event.prevent_default());
    widget
        .root
        .add_event_listener_with_callback("freebusy:slotselect", cancel.as_ref().unchecked_ref())
        .unwrap();
    widget
        .click("[data-start='2030-01-07T14:00:00Z'] button")
        .await;
    assert_eq!(widget.events_named("freebusy:slotselect").len(), 1);
    assert!(widget.try_find("form").is_none());
}

// The custom element mounts into its shadow root, remounts on attribute change, and
// cleans up on removal.
#[wasm_bindgen_test]
async fn the_custom_element_mounts_updates_and_cleans_up() {
    freebusy::embed::define_element();
    let document = web_sys::window().unwrap().document().unwrap();
    let element = document.create_element("freebusy-scheduler").unwrap();
    // Port 9 (discard) refuses connections: the widget must explain, not go blank.
    element
        .set_attribute("backend", "http://127.0.0.1:9")
        .unwrap();
    element
        .set_attribute("attendees", "alice@example.com")
        .unwrap();
    element.set_attribute("week", "2030-01-07").unwrap();
    element.set_attribute("locale", "en-GB").unwrap();
    document.body().unwrap().append_child(&element).unwrap();
    // It mounts a microtask after it is connected, once its attributes are read.
    leptos::task::tick().await;
    let shadow = element.shadow_root().expect("a shadow root");
    let alert = || {
        shadow
            .query_selector(".freebusy [role='alert']")
            .unwrap()
            .and_then(|alert| alert.text_content())
            .unwrap_or_default()
    };
    for _ in 0..250 {
        if alert().contains("could not be reached") {
            break;
        }
        pause(20).await;
    }
    assert!(alert().contains("could not be reached"), "{}", alert());
    // Styled by the one adopted stylesheet, not a <style> element (strict CSP).
    assert!(shadow.query_selector("style").unwrap().is_none());
    assert_eq!(shadow.adopted_style_sheets().length(), 1);

    element.set_attribute("week", "2030-02-04").unwrap();
    leptos::task::tick().await;
    pause(0).await;
    assert_eq!(shadow.query_selector_all(".freebusy").unwrap().length(), 1);
    let label = shadow
        .query_selector(".freebusy-week-label")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(squash_range(&label), "4–10 February 2030");

    element.remove();
    leptos::task::tick().await;
    pause(0).await;
    assert_eq!(shadow.query_selector_all(".freebusy").unwrap().length(), 0);
}

// The JS API mounts into a shadow root and `destroy()` removes the widget; the host
// page themes it through --freebusy-* properties that cross the shadow boundary.
#[wasm_bindgen_test]
async fn the_js_mount_api_mounts_themes_and_destroys() {
    freebusy::embed::define_element();
    let window = web_sys::window().unwrap();
    let document = window.document().unwrap();
    let host = document.create_element("div").unwrap();
    host.set_attribute("style", "--freebusy-accent: rgb(1, 2, 3)")
        .unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let namespace = js_sys::Reflect::get(&window, &"freebusy".into()).unwrap();
    let mount: js_sys::Function = js_sys::Reflect::get(&namespace, &"mount".into())
        .unwrap()
        .unchecked_into();
    let options = js_sys::JSON::parse(
        r#"{"backend":"http://127.0.0.1:9","attendees":["alice@example.com"],"week":"2030-01-07","timeZone":"UTC","slotMinutes":60}"#,
    )
    .unwrap();
    let handle = mount.call2(&JsValue::NULL, &host, &options).unwrap();
    let shadow = host.shadow_root().expect("a shadow root");
    let root = shadow
        .query_selector(".freebusy")
        .unwrap()
        .expect("the widget's root");
    let accent = window
        .get_computed_style(&root)
        .unwrap()
        .unwrap()
        .get_property_value("--fb-accent")
        .unwrap();
    assert_eq!(accent.trim(), "rgb(1, 2, 3)");
    let destroy: js_sys::Function = js_sys::Reflect::get(&handle, &"destroy".into())
        .unwrap()
        .unchecked_into();
    destroy.call0(&handle).unwrap();
    leptos::task::tick().await;
    assert_eq!(shadow.query_selector_all(".freebusy").unwrap().length(), 0);
    host.remove();
}

// Leaving a week aborts its requests: a slow answer for the week left can never paint
// over the week shown.
#[wasm_bindgen_test]
async fn leaving_a_week_aborts_its_requests() {
    let backend = Rc::new(FakeBackend::default());
    backend.answer(
        "start=1893888000",
        vec![ok(
            r#"[{"start":"2030-01-07T14:00:00Z","end":"2030-01-07T15:00:00Z","type":"busy"}]"#,
        )],
    );
    backend.answer("start=1894492800", vec![ok("[]")]);
    const SLOW_MILLIS: i32 = 300;
    backend.delay("start=1893888000", SLOW_MILLIS);
    let document = web_sys::window().unwrap().document().unwrap();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let (options, _) = Options::from_attributes(|name| {
        ALICE_AND_BOB
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, v)| (*v).to_owned())
    });
    let http: Rc<dyn Http> = Rc::new(Fake(backend.clone()));
    let _mounted = mount_to(root.clone(), move || view! { <Scheduler options http /> });
    leptos::task::tick().await;
    root.query_selector(".freebusy-next")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    let slot = |start: &str| {
        root.query_selector(&format!("[data-start='{start}']"))
            .unwrap()
    };
    for _ in 0..250 {
        leptos::task::tick().await;
        if slot("2030-01-14T14:00:00Z").is_some() {
            break;
        }
        pause(20).await;
    }
    assert!(
        slot("2030-01-14T14:00:00Z").is_some(),
        "the next week is shown"
    );
    // Past the moment the slow answer for the week left would have arrived: the point
    // is that nothing happens then, so there is no condition to wait for.
    pause(SLOW_MILLIS + 200).await;
    leptos::task::tick().await;
    assert!(
        slot("2030-01-07T14:00:00Z").is_none(),
        "the week left never painted"
    );
    let left: Vec<bool> = backend
        .signals
        .borrow()
        .iter()
        .filter(|(url, _)| url.contains("start=1893888000"))
        .map(|(_, signal)| signal.aborted())
        .collect();
    assert_eq!(
        left,
        [true, true],
        "both attendees' requests for the week left were aborted"
    );
    root.remove();
}

// With bookings="event-only" choosing a slot only tells the host page: no form opens
// and nothing is posted.
#[wasm_bindgen_test]
async fn event_only_bookings_fire_slotselect_and_post_nothing() {
    let mut attributes = ALICE_AND_BOB.to_vec();
    attributes.push(("bookings", "event-only"));
    let widget = Widget::open(&attributes, alice_busy_bob_tentative()).await;
    widget
        .click("[data-start='2030-01-07T14:00:00Z'] button")
        .await;
    let selected = widget.events_named("freebusy:slotselect");
    assert_eq!(selected.len(), 1);
    assert_eq!(
        detail(&selected[0], "end").as_string().unwrap(),
        "2030-01-07T14:30:00Z"
    );
    assert!(widget.try_find("form").is_none());
    assert!(widget.backend.requests_to("/v1/bookings").is_empty());
}

// A spring-forward week is drawn as the wall clock runs: New York's 02:00 does not
// exist on 8 March 2026, so that day has no slot there while the others do.
#[wasm_bindgen_test]
async fn a_spring_forward_week_has_no_slot_at_the_skipped_hour() {
    let backend = Rc::new(FakeBackend::default());
    backend.answer("/alice%40example.com?", vec![ok("[]")]);
    let widget = Widget::open(
        &[
            ("backend", "https://cal.test"),
            ("locale", "en-GB"),
            ("attendees", "alice@example.com"),
            ("week", "2026-03-08"),
            ("time-zone", "America/New_York"),
            ("first-day", "sunday"),
            ("visible-hours", "00:00-04:00"),
            ("slot-minutes", "60"),
            ("hour-cycle", "24"),
        ],
        backend,
    )
    .await;
    let count = |prefix: &str| {
        widget
            .root
            .query_selector_all(&format!("[data-start^='{prefix}']"))
            .unwrap()
            .length()
    };
    // Sunday 8 March: 00:00 EST (05:00Z), 01:00 EST (06:00Z), then 03:00 EDT (07:00Z).
    assert_eq!(count("2026-03-08T0"), 3);
    assert!(
        widget
            .try_find("[data-start='2026-03-08T07:00:00Z']")
            .is_some()
    );
    assert_eq!(
        widget
            .slot("2026-03-08T06:00:00Z")
            .get_attribute("data-end")
            .unwrap(),
        "2026-03-08T07:00:00Z"
    );
    assert_eq!(
        widget
            .root
            .query_selector_all(".freebusy-none")
            .unwrap()
            .length(),
        1
    );
    // Monday has all four hours.
    assert_eq!(count("2026-03-09T0"), 4);
}

// The reader of Cronofy answers is as lenient as the engine: localized `{time, tzid}`
// values are read, an unknown status or an unreadable time skips only that period, and
// free and deleted periods block nothing.
#[wasm_bindgen_test]
async fn odd_cronofy_periods_are_skipped_and_the_rest_shown() {
    let backend = Rc::new(FakeBackend::default());
    backend.answer(
        "/v1/free_busy?",
        vec![ok(r#"{"pages":{"current":1,"total":1},"free_busy":[
            {"calendar_id":"c1","start":{"time":"2030-01-08T10:00:00+01:00","tzid":"Europe/Paris"},"end":{"time":"2030-01-08T11:00:00+01:00","tzid":"Europe/Paris"},"free_busy_status":"busy"},
            {"calendar_id":"c1","start":"2030-01-08T12:00:00Z","end":"2030-01-08T13:00:00Z","free_busy_status":"out_of_office"},
            {"calendar_id":"c1","start":42,"end":"2030-01-08T15:00:00Z","free_busy_status":"busy"},
            {"calendar_id":"c1","start":"2030-01-08T15:00:00Z","end":"2030-01-08T16:00:00Z","free_busy_status":"busy","deleted":true},
            {"calendar_id":"c1","start":"2030-01-08T16:00:00Z","end":"2030-01-08T17:00:00Z","free_busy_status":"free"},
            {"calendar_id":"c1","start":"2030-01-08T17:00:00Z","end":"2030-01-08T17:30:00Z","free_busy_status":"tentative","event_uid":"u1"}
        ]}"#)],
    );
    let widget = Widget::open(
        &[
            ("backend", "https://cal.test"),
            ("locale", "en-GB"),
            ("api", "cronofy"),
            ("tokens", "token-a"),
            ("attendees", "alice@example.com"),
            ("week", "2030-01-07"),
            ("time-zone", "UTC"),
            ("hour-cycle", "24"),
        ],
        backend,
    )
    .await;
    assert_eq!(widget.alert(), "");
    assert_eq!(
        widget.status_of("2030-01-08T09:00:00Z"),
        "busy",
        "localized time"
    );
    assert_eq!(
        widget.status_of("2030-01-08T12:00:00Z"),
        "free",
        "unknown status skipped"
    );
    assert_eq!(
        widget.status_of("2030-01-08T14:30:00Z"),
        "free",
        "unreadable start skipped"
    );
    assert_eq!(widget.status_of("2030-01-08T15:00:00Z"), "free", "deleted");
    assert_eq!(widget.status_of("2030-01-08T16:00:00Z"), "free", "free");
    assert_eq!(widget.status_of("2030-01-08T17:00:00Z"), "tentative");
}

// A Cronofy answer without its pages object is malformed, and says so.
#[wasm_bindgen_test]
async fn a_cronofy_answer_without_pages_is_malformed() {
    let backend = Rc::new(FakeBackend::default());
    backend.answer("/v1/free_busy?", vec![ok(r#"{"free_busy":[]}"#)]);
    let widget = Widget::open(
        &[
            ("backend", "https://cal.test"),
            ("locale", "en-GB"),
            ("api", "cronofy"),
            ("tokens", "token-a"),
            ("attendees", "alice@example.com"),
            ("week", "2030-01-07"),
        ],
        backend,
    )
    .await;
    assert!(
        widget
            .alert()
            .contains("pages.current is not a whole number"),
        "{}",
        widget.alert()
    );
}

// A host page hearing freebusy:loaded finds the week already drawn, busy state cleared.
#[wasm_bindgen_test]
async fn the_loaded_event_comes_with_the_week_in_the_dom() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let seen = Rc::new(std::cell::RefCell::new(None));
    let listener = {
        let seen = seen.clone();
        let root = root.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |_| {
            let cells = root.query_selector_all("[data-status]").unwrap().length();
            let busy = root
                .query_selector(".freebusy")
                .unwrap()
                .and_then(|widget| widget.get_attribute("aria-busy"));
            *seen.borrow_mut() = Some((cells, busy));
        })
    };
    root.add_event_listener_with_callback("freebusy:loaded", listener.as_ref().unchecked_ref())
        .unwrap();
    let (options, _) = Options::from_attributes(|name| {
        ALICE_AND_BOB
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, v)| (*v).to_owned())
    });
    let http: Rc<dyn Http> = Rc::new(Fake(alice_busy_bob_tentative()));
    let _mounted = mount_to(root.clone(), move || view! { <Scheduler options http /> });
    for _ in 0..250 {
        leptos::task::tick().await;
        if seen.borrow().is_some() {
            break;
        }
        pause(20).await;
    }
    root.remove();
    assert_eq!(*seen.borrow(), Some((140, Some("false".to_owned()))));
}

// Two hosts' rules from the server, London and New York 09:00-17:00 in January: only
// the three hours both work are offered; the rest is unavailable, neither busy nor
// clickable, and its name says so without blaming anyone's calendar.
#[wasm_bindgen_test]
async fn two_hosts_rules_leave_only_the_hours_they_share() {
    let backend = alice_and_bob("[]", "[]");
    backend.answer(
        "/v1/rules/alice%40example.com",
        vec![ok(
            r#"{"time_zone":"Europe/London","horizon_days":3650,"notice_minutes":0}"#,
        )],
    );
    backend.answer(
        "/v1/rules/bob%40example.com",
        vec![ok(
            r#"{"time_zone":"America/New_York","horizon_days":3650,"notice_minutes":0}"#,
        )],
    );
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    assert_eq!(widget.backend.requests_to("/v1/rules/").len(), 2);
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "unavailable");
    assert_eq!(widget.status_of("2030-01-07T13:30:00Z"), "unavailable");
    assert_eq!(widget.status_of("2030-01-07T14:00:00Z"), "free");
    assert_eq!(widget.status_of("2030-01-07T16:30:00Z"), "free");
    assert_eq!(widget.status_of("2030-01-07T17:00:00Z"), "unavailable");
    assert_eq!(
        widget.status_of("2030-01-12T14:00:00Z"),
        "unavailable",
        "Saturday"
    );
    assert_eq!(
        widget.name_of("2030-01-07T13:30:00Z"),
        "Monday 7 January, 13:30 to 14:00, unavailable"
    );
    assert!(
        widget
            .find("[role='grid']")
            .query_selector("[data-status='unavailable'] button")
            .unwrap()
            .is_none()
    );
    // One meeting length offered: no choice to make.
    assert!(widget.try_find("[data-duration]").is_none());
}

// Lengths both hosts offer are the choice; a longer one keeps only the starts where it
// fits before the end of the working day.
#[wasm_bindgen_test]
async fn the_visitor_picks_a_meeting_length_the_hosts_share() {
    let backend = alice_and_bob("[]", "[]");
    let rules = |durations: &str| {
        ok(&format!(
            r#"{{"time_zone":"UTC","horizon_days":3650,"notice_minutes":0,"durations_minutes":{durations}}}"#
        ))
    };
    backend.answer("/v1/rules/alice%40example.com", vec![rules("[15, 30, 60]")]);
    backend.answer("/v1/rules/bob%40example.com", vec![rules("[30, 60, 90]")]);
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    let offered: Vec<String> = (0..4)
        .filter_map(|n| {
            widget
                .root
                .query_selector_all("[data-duration]")
                .unwrap()
                .item(n)
                .and_then(|button| button.text_content())
        })
        .collect();
    assert_eq!(offered, ["30 min", "60 min"]);
    assert_eq!(widget.status_of("2030-01-07T16:30:00Z"), "free");
    widget.click("[data-duration='60']").await;
    widget
        .until("the 60-minute grid", |w| {
            w.try_find("[data-start='2030-01-07T16:30:00Z']")
                .and_then(|slot| slot.get_attribute("data-status"))
                .as_deref()
                == Some("unavailable")
        })
        .await;
    assert_eq!(widget.status_of("2030-01-07T16:00:00Z"), "free");
    assert_eq!(
        widget
            .find("[data-duration='60']")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
}

/// The confirm step's time lines for `slot`, with alice and bob publishing rules in
/// `zones` (open all day, every day) and the grid shown in `shown`.
async fn confirm_times_with_hosts_in(zones: [&str; 2], shown: &str, slot: &str) -> Vec<String> {
    let backend = alice_and_bob("[]", "[]");
    for (attendee, zone) in ["alice", "bob"].into_iter().zip(zones) {
        backend.answer(
            &format!("/v1/rules/{attendee}%40example.com"),
            vec![ok(&format!(
                r#"{{"time_zone":"{zone}","horizon_days":3650,"notice_minutes":0}}"#
            ))],
        );
    }
    let mut attributes = ALICE_AND_BOB;
    attributes[5] = ("time-zone", shown);
    let widget = Widget::open(&attributes, backend).await;
    widget.click(&format!("[data-start='{slot}'] button")).await;
    widget
        .until("the form", |w| w.try_find("form").is_some())
        .await;
    let lines = widget
        .root
        .query_selector_all("form .freebusy-when")
        .unwrap();
    (0..lines.length())
        .filter_map(|n| lines.item(n).and_then(|line| line.text_content()))
        .collect()
}

/// How many of `times` are in `zone`.
fn lines_in(times: &[String], zone: &str) -> usize {
    times
        .iter()
        .filter(|time| time.ends_with(&format!(" in {zone}")))
        .count()
}

// The confirm step gives the time in the zone shown, then in each host's home zone that
// differs (from their published rules): London and New York, each once, after UTC.
#[wasm_bindgen_test]
async fn the_confirm_step_gives_the_time_in_each_hosts_zone() {
    let times = confirm_times_with_hosts_in(
        ["Europe/London", "America/New_York"],
        "UTC",
        "2030-01-07T14:00:00Z",
    )
    .await;
    assert_eq!(
        times.first().map(String::as_str),
        Some("Monday 7 January, 14:00 to 14:30 in UTC"),
        "{times:?}"
    );
    for (line, zone) in [
        (
            "Monday 7 January, 14:00 to 14:30 in Europe/London",
            "Europe/London",
        ),
        (
            "Monday 7 January, 09:00 to 09:30 in America/New_York",
            "America/New_York",
        ),
    ] {
        assert!(times.iter().any(|time| time == line), "{line}: {times:?}");
        assert_eq!(lines_in(&times, zone), 1, "{zone} once: {times:?}");
    }
}

// Two hosts in one zone get one line for it; hosts in the zone shown get none of their
// own. 10:00 in Tokyo is 01:00 UTC.
#[wasm_bindgen_test]
async fn hosts_sharing_a_zone_get_one_line_for_it() {
    let times = confirm_times_with_hosts_in(
        ["Asia/Tokyo", "Asia/Tokyo"],
        "Asia/Tokyo",
        "2030-01-07T01:00:00Z",
    )
    .await;
    assert_eq!(
        times.first().map(String::as_str),
        Some("Monday 7 January, 10:00 to 10:30 in Asia/Tokyo"),
        "{times:?}"
    );
    assert_eq!(lines_in(&times, "Asia/Tokyo"), 1, "{times:?}");
}

// A host's whole rules document is read: a week of its own (two ranges on Monday, the
// days it leaves out off), an override, the step and the lengths.
#[wasm_bindgen_test]
async fn a_hosts_week_overrides_and_step_are_read_from_the_document() {
    let backend = alice_and_bob("[]", "[]");
    let document = r#"{"time_zone":"UTC","horizon_days":3650,"notice_minutes":0,
        "weekly":{"monday":[{"start":"09:00","end":"12:00"},{"start":"13:00","end":"17:00"}],
                  "tuesday":[{"start":"10:00","end":"11:00"}]},
        "overrides":[{"date":"2030-01-08","hours":[{"start":"15:00","end":"16:00"}]}],
        "step_minutes":30,"durations_minutes":[60,30],"max_per_day":null,
        "book_over_tentative":false,"a_newer_setting":1}"#;
    backend.answer("/v1/rules/alice%40example.com", vec![ok(document)]);
    backend.answer("/v1/rules/bob%40example.com", vec![ok(document)]);
    let widget = Widget::open(&ALICE_AND_BOB, backend).await;
    assert_eq!(widget.alert(), "", "no error expected");
    assert_eq!(widget.status_of("2030-01-07T11:30:00Z"), "free");
    assert_eq!(
        widget.status_of("2030-01-07T12:00:00Z"),
        "unavailable",
        "lunch"
    );
    assert_eq!(widget.status_of("2030-01-07T13:00:00Z"), "free");
    assert_eq!(
        widget.status_of("2030-01-08T10:00:00Z"),
        "unavailable",
        "the override replaces Tuesday's hours"
    );
    assert_eq!(widget.status_of("2030-01-08T15:00:00Z"), "free");
    assert_eq!(
        widget.status_of("2030-01-09T10:00:00Z"),
        "unavailable",
        "Wednesday is left out: a day off"
    );
    assert!(widget.try_find("[data-duration='60']").is_some());
}

// A document the engine refuses fails the week with an alert naming the setting, never
// a grid that offers time the host does not.
#[wasm_bindgen_test]
async fn a_rules_document_the_engine_refuses_names_the_setting() {
    for (document, setting) in [
        (
            r#"{"weekly":{"monday":[{"start":"09:00","end":"12:00"},{"start":"11:00","end":"13:00"}]}}"#,
            "monday",
        ),
        (r#"{"step_minutes":0}"#, "step_minutes"),
        (r#"{"notice_minutes":"soon"}"#, "notice_minutes"),
        (r#"{"durations_minutes":[30,30]}"#, "durations_minutes"),
        (
            r#"{"overrides":[{"date":"2030-01-08"},{"date":"2030-01-08"}]}"#,
            "overrides",
        ),
        (r#"{"time_zone":"Europe/Not a zone"}"#, "time_zone"),
        (r#"[1,2]"#, "the answer"),
    ] {
        let backend = alice_and_bob("[]", "[]");
        backend.answer("/v1/rules/alice%40example.com", vec![ok(document)]);
        backend.answer("/v1/rules/bob%40example.com", vec![ok("{}")]);
        let widget = Widget::open(&ALICE_AND_BOB, backend).await;
        widget
            .until("the alert", |w| w.alert().contains("cannot be read"))
            .await;
        assert!(
            widget
                .alert()
                .contains(&format!("(rules: {setting} cannot be used)")),
            "{document}: {}",
            widget.alert()
        );
        assert!(
            widget
                .root
                .query_selector("[data-status='free'] button")
                .unwrap()
                .is_none(),
            "{document}: nothing offered"
        );
    }
}
