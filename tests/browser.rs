//! The widget in a real browser: mounted into the page, acted on like a user would.
//!
//! Runs in headless Chromium and Firefox through `wasm-bindgen-test-runner`
//! (`scripts/test.sh` picks the browser with `CHROMEDRIVER` / `GECKODRIVER`).
#![cfg(target_arch = "wasm32")]

use chrono::NaiveDate;
use freebusy::WeekNav;
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

/// A component mounted into its own element of the test page, unmounted on drop.
struct Page {
    root: HtmlElement,
    // Dropping the handle unmounts the component; its type is not the test's business.
    _mounted: Box<dyn std::any::Any>,
}

impl Page {
    /// Mounts week navigation showing the week of `first`, with `first` as this week.
    fn open_week_nav(first: NaiveDate) -> Page {
        let document = web_sys::window().unwrap().document().unwrap();
        let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&root).unwrap();
        let week = RwSignal::new(first);
        let mounted = mount_to(root.clone(), move || {
            view! { <WeekNav week this_week=first /> }
        });
        Page {
            root,
            _mounted: Box::new(mounted),
        }
    }

    /// Clicks the element matching `selector`, then lets the reactive system settle.
    async fn click(&self, selector: &str) {
        self.find(selector).click();
        leptos::task::tick().await;
    }

    /// The text of the element matching `selector`.
    fn text(&self, selector: &str) -> String {
        self.find(selector).text_content().unwrap_or_default()
    }

    fn find(&self, selector: &str) -> HtmlElement {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no element matches {selector}"))
            .unchecked_into()
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.root.remove();
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

// The label names the week that the navigation was opened on.
#[wasm_bindgen_test]
async fn the_label_shows_the_week_it_was_opened_on() {
    let page = Page::open_week_nav(date(2026, 11, 23));
    assert_eq!(page.text(".freebusy-week-label"), "23–29 November 2026");
}

// Next and previous move by exactly seven days, across a month boundary.
#[wasm_bindgen_test]
async fn next_and_previous_move_the_week_by_seven_days() {
    let page = Page::open_week_nav(date(2026, 11, 23));
    page.click(".freebusy-next").await;
    assert_eq!(
        page.text(".freebusy-week-label"),
        "30 November – 6 December 2026"
    );
    page.click(".freebusy-prev").await;
    page.click(".freebusy-prev").await;
    assert_eq!(page.text(".freebusy-week-label"), "16–22 November 2026");
}

// Today returns to this week from wherever the user wandered.
#[wasm_bindgen_test]
async fn today_returns_to_this_week() {
    let page = Page::open_week_nav(date(2026, 11, 23));
    page.click(".freebusy-next").await;
    page.click(".freebusy-next").await;
    page.click(".freebusy-today").await;
    assert_eq!(page.text(".freebusy-week-label"), "23–29 November 2026");
}
