//! The widget against a real freebusy server, cross-origin: `tests/live/with-server.sh`
//! (run by `scripts/test.sh`) starts the server with `tests/live/seed.json` on one
//! port and the test page on another, so the requests go through CORS for real.
//!
//! The week is 2030-01-07 in UTC (nothing is past); the expected statuses below are
//! read off the seed.
#![cfg(target_arch = "wasm32")]

mod common;

use common::pause;

use freebusy::{Options, Scheduler};
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// The server's URL, fixed when the tests are compiled.
fn backend() -> &'static str {
    match option_env!("FREEBUSY_LIVE_BACKEND") {
        Some(url) => url,
        None => panic!(
            "FREEBUSY_LIVE_BACKEND is not set: run these tests through tests/live/with-server.sh \
             (scripts/test.sh does), which starts the server they talk to"
        ),
    }
}

/// A widget mounted on the test page, talking to the live server.
struct Widget {
    root: HtmlElement,
    _mounted: Box<dyn std::any::Any>,
}

impl Widget {
    async fn open(attributes: &[(&str, &str)]) -> Widget {
        let document = web_sys::window().unwrap().document().unwrap();
        let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&root).unwrap();
        let mut attributes = attributes.to_vec();
        attributes.extend([
            ("backend", backend()),
            ("week", "2030-01-07"),
            ("time-zone", "UTC"),
            ("hour-cycle", "24"),
        ]);
        let (options, problems) = Options::from_attributes(|name| {
            attributes
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        });
        assert!(problems.is_empty(), "{problems:?}");
        let mounted = mount_to(root.clone(), move || view! { <Scheduler options /> });
        let widget = Widget {
            root,
            _mounted: Box::new(mounted),
        };
        widget.until("the week to load", Widget::loaded).await;
        widget
    }

    fn loaded(&self) -> bool {
        self.try_find(".freebusy[aria-busy='false'] [data-status]")
            .is_some()
            || !self.alert().is_empty()
    }

    /// Waits until `check` holds (at most 10 s: the server is real).
    async fn until(&self, what: &str, check: impl Fn(&Widget) -> bool) {
        for _ in 0..500 {
            leptos::task::tick().await;
            if check(self) {
                return;
            }
            pause(20).await;
        }
        panic!("waited 10 s for {what}; alert: {:?}", self.alert());
    }

    fn try_find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).unwrap()
    }

    fn text(&self, selector: &str) -> String {
        self.try_find(selector)
            .and_then(|element| element.text_content())
            .unwrap_or_default()
    }

    fn alert(&self) -> String {
        self.text("[role='alert']")
    }

    /// The slot's status; `None` while the week is being redrawn.
    fn try_status(&self, start: &str) -> Option<String> {
        self.try_find(&format!("[data-start='{start}']"))
            .and_then(|slot| slot.get_attribute("data-status"))
    }

    fn status_of(&self, start: &str) -> String {
        self.try_status(start)
            .unwrap_or_else(|| panic!("no slot starts at {start}"))
    }

    fn click(&self, selector: &str) {
        let element = self
            .try_find(selector)
            .unwrap_or_else(|| panic!("no element matches {selector}"));
        element.unchecked_into::<HtmlElement>().click();
    }

    /// Chooses the slot, fills the confirm step and submits it.
    async fn book(&self, start: &str, name: &str, email: &str) {
        self.click(&format!("[data-start='{start}'] button"));
        self.until("the confirm step", |w| w.try_find("form").is_some())
            .await;
        for (field, value) in [("name", name), ("email", email)] {
            let input: HtmlInputElement = self
                .try_find(&format!("form [name='{field}']"))
                .unwrap()
                .unchecked_into();
            input.set_value(value);
        }
        self.click("form button[type='submit']");
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.root.remove();
    }
}

const ALICE_AND_BOB: [(&str, &str); 1] = [("attendees", "alice@example.com,bob@example.com")];

// The grid shows the seed as the server merges it: busy wins over tentative, deleted and
// free events block nothing, an all-day event covers its day.
#[wasm_bindgen_test]
async fn the_grid_shows_what_the_server_seed_says() {
    let widget = Widget::open(&ALICE_AND_BOB).await;
    assert_eq!(widget.alert(), "", "no error expected");
    assert_eq!(widget.status_of("2030-01-07T08:30:00Z"), "free");
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy");
    assert_eq!(widget.status_of("2030-01-07T09:30:00Z"), "busy");
    assert_eq!(widget.status_of("2030-01-07T10:00:00Z"), "tentative");
    assert_eq!(widget.status_of("2030-01-07T10:30:00Z"), "free");
    assert_eq!(widget.status_of("2030-01-08T13:30:00Z"), "tentative");
    assert_eq!(widget.status_of("2030-01-09T11:00:00Z"), "free", "deleted");
    assert_eq!(widget.status_of("2030-01-10T08:00:00Z"), "busy", "all day");
    assert_eq!(widget.status_of("2030-01-10T17:30:00Z"), "busy", "all day");
    assert_eq!(
        widget.status_of("2030-01-11T15:00:00Z"),
        "free",
        "free event"
    );
}

// Booking through the form turns the slot busy; a second session that still shows it
// free is told it was just taken, and its week is refreshed.
// German and Arabic visitors get their texts from the server itself, cross-origin
// (`GET /v1/messages/{language}`), with the week.
#[wasm_bindgen_test]
async fn the_visitors_catalogue_comes_from_the_server() {
    let mut german = ALICE_AND_BOB.to_vec();
    german.push(("locale", "de-DE"));
    let widget = Widget::open(&german).await;
    assert_eq!(widget.alert(), "", "no error expected");
    assert_eq!(widget.text(".freebusy-prev"), "Vorherige Woche");
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy");
    let mut arabic = ALICE_AND_BOB.to_vec();
    arabic.push(("locale", "ar-EG"));
    let widget = Widget::open(&arabic).await;
    assert_eq!(widget.text(".freebusy-prev"), "الأسبوع السابق");
}

#[wasm_bindgen_test]
async fn a_booked_slot_turns_busy_and_a_stale_session_is_refused() {
    let stale = Widget::open(&ALICE_AND_BOB).await;
    let widget = Widget::open(&ALICE_AND_BOB).await;
    let slot = "2030-01-07T14:00:00Z";
    assert_eq!(widget.status_of(slot), "free");

    widget.book(slot, "Dana Live", "dana@example.com").await;
    widget
        .until("the confirmation", |w| {
            w.text(".freebusy-confirmation").contains("Booked")
        })
        .await;
    widget
        .until("the slot to turn busy", |w| {
            w.try_status(slot).as_deref() == Some("busy")
        })
        .await;

    assert_eq!(
        stale.status_of(slot),
        "free",
        "the stale session has not refetched"
    );
    stale.book(slot, "Eve Late", "eve@example.com").await;
    stale
        .until("the conflict message", |w| w.alert().contains("just taken"))
        .await;
    stale
        .until("the stale week to refresh", |w| {
            w.try_status(slot).as_deref() == Some("busy")
        })
        .await;
    assert!(stale.try_find("form").is_none());
}

// The server's 422 field errors land next to the fields.
#[wasm_bindgen_test]
async fn the_server_field_errors_are_shown_on_the_form() {
    let widget = Widget::open(&ALICE_AND_BOB).await;
    // The browser's own checks are bypassed by `click()` on submit only when the
    // values pass them; an address the server refuses but the browser accepts:
    widget
        .book("2030-01-08T15:00:00Z", "Dana", "dana@localhost")
        .await;
    widget
        .until("a field error", |w| {
            w.try_find("form [aria-invalid='true']").is_some()
        })
        .await;
    assert!(!widget.text("form [role='alert']").is_empty());
    assert_eq!(widget.status_of("2030-01-08T15:00:00Z"), "free");
}

// Cronofy style against the same server: a bearer token, the week's pages, and the
// same statuses for alice.
#[wasm_bindgen_test]
async fn the_cronofy_style_api_shows_the_same_calendar() {
    let widget = Widget::open(&[
        ("attendees", "alice@example.com"),
        ("api", "cronofy"),
        ("tokens", "live-alice"),
    ])
    .await;
    assert_eq!(widget.alert(), "", "no error expected");
    assert_eq!(widget.status_of("2030-01-07T09:00:00Z"), "busy");
    assert_eq!(widget.status_of("2030-01-07T10:00:00Z"), "free");
    assert_eq!(widget.status_of("2030-01-08T13:00:00Z"), "tentative");
    assert_eq!(widget.status_of("2030-01-09T11:00:00Z"), "free");
}

// A host in New York seen from UTC: the server's rules (09:00-17:00 in New York, 30 or
// 60 minutes) shade the rest of the day unavailable, not busy; choosing 60 minutes
// keeps only the starts where an hour fits; a 60-minute meeting is booked and the
// server, judging it by the same rules, takes it.
#[wasm_bindgen_test]
async fn a_host_in_another_zone_is_bookable_in_their_hours_for_the_chosen_length() {
    let widget = Widget::open(&[
        ("attendees", "ned@example.com"),
        ("visible-hours", "08:00-24:00"),
    ])
    .await;
    assert_eq!(widget.alert(), "", "no error expected");
    // 09:00 in New York is 14:00 UTC in January.
    assert_eq!(widget.status_of("2030-01-07T13:30:00Z"), "unavailable");
    assert_eq!(widget.status_of("2030-01-07T14:00:00Z"), "free");
    assert_eq!(widget.status_of("2030-01-07T21:30:00Z"), "free");
    assert_eq!(widget.status_of("2030-01-07T22:00:00Z"), "unavailable");
    assert!(
        widget
            .try_find("[data-start='2030-01-07T13:30:00Z'] button")
            .is_none(),
        "unavailable time cannot be chosen"
    );
    // Saturday is not a working day.
    assert_eq!(widget.status_of("2030-01-12T15:00:00Z"), "unavailable");

    widget.click("[data-duration='60']");
    widget
        .until("the 60-minute grid", |w| {
            w.try_status("2030-01-07T21:30:00Z").as_deref() == Some("unavailable")
        })
        .await;
    assert_eq!(widget.status_of("2030-01-07T21:00:00Z"), "free");

    widget
        .book("2030-01-08T15:00:00Z", "Dana Live", "dana@example.com")
        .await;
    widget
        .until("the confirmation", |w| {
            w.text(".freebusy-confirmation").contains("Booked")
        })
        .await;
    widget
        .until("the hour to turn busy", |w| {
            w.try_status("2030-01-08T15:30:00Z").as_deref() == Some("busy")
        })
        .await;
    assert_eq!(widget.status_of("2030-01-08T15:00:00Z"), "busy");
}
