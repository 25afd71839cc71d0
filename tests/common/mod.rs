//! What the browser test binaries share: a fake backend behind the widget's [`Http`]
//! trait, and the widget mounted on the test page, acted on as a user would.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use freebusy::Options;
use freebusy::Scheduler;
use freebusy::fetch::{Http, HttpError, HttpFuture, HttpRequest, HttpResponse};
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

pub type Answer = Result<HttpResponse, HttpError>;

/// A fake backend: answers by URL substring, in order, repeating the last answer.
#[derive(Default)]
pub struct FakeBackend {
    pub routes: RefCell<Vec<(String, VecDeque<Answer>)>>,
    pub requests: RefCell<Vec<HttpRequest>>,
    /// Answers to URLs containing the key wait this many milliseconds, like a slow
    /// server, and end as aborted when the widget aborts them meanwhile.
    pub delays: RefCell<Vec<(String, i32)>>,
    /// Every request's URL and abort signal, to see later which were aborted.
    pub signals: RefCell<Vec<(String, web_sys::AbortSignal)>>,
}

impl FakeBackend {
    pub fn answer(&self, url_part: &str, answers: Vec<Answer>) {
        self.routes
            .borrow_mut()
            .retain(|(part, _)| part != url_part);
        self.routes
            .borrow_mut()
            .push((url_part.to_owned(), answers.into()));
    }

    pub fn delay(&self, url_part: &str, millis: i32) {
        self.delays.borrow_mut().push((url_part.to_owned(), millis));
    }

    pub fn requests_to(&self, url_part: &str) -> Vec<HttpRequest> {
        self.requests
            .borrow()
            .iter()
            .filter(|request| request.url.contains(url_part))
            .cloned()
            .collect()
    }
}

/// The [`Http`] the widget gets: a handle on the shared fake (a local type, so the
/// foreign trait can be implemented for it).
pub struct Fake(pub Rc<FakeBackend>);

impl Http for Fake {
    fn send(&self, request: HttpRequest, signal: Option<web_sys::AbortSignal>) -> HttpFuture {
        self.0.requests.borrow_mut().push(request.clone());
        if let Some(signal) = &signal {
            self.0
                .signals
                .borrow_mut()
                .push((request.url.clone(), signal.clone()));
        }
        let mut routes = self.0.routes.borrow_mut();
        let answer = routes
            .iter_mut()
            .find(|(part, _)| request.url.contains(part.as_str()))
            .and_then(|(_, answers)| {
                if answers.len() > 1 {
                    answers.pop_front()
                } else {
                    answers.front().cloned()
                }
            })
            .unwrap_or_else(|| Ok(default_answer(&request.url)));
        let delay = self
            .0
            .delays
            .borrow()
            .iter()
            .find(|(part, _)| request.url.contains(part.as_str()))
            .map(|(_, millis)| *millis);
        Box::pin(async move {
            if let Some(millis) = delay {
                pause(millis).await;
                if signal.as_ref().is_some_and(web_sys::AbortSignal::aborted) {
                    return Err(HttpError::Aborted);
                }
            }
            answer
        })
    }
}

/// What the fake answers a URL no test chose an answer for: the message catalogues as
/// the real server serves them (`/v1/messages/{language}`), else a 404.
fn default_answer(url: &str) -> HttpResponse {
    url.split_once("/v1/messages/")
        .and_then(|(_, language)| freebusy_messages::catalogue_json(language))
        .map(|catalogue| json(200, &catalogue))
        .unwrap_or_else(|| {
            json(
                404,
                r#"{"error":{"code":"not_found","message":"no route"}}"#,
            )
        })
}

/// The widget's stylesheet in the test page, as a Rust app embedding the component
/// includes it (its rules are scoped under `.freebusy`); once per page.
pub fn add_stylesheet(document: &web_sys::Document) {
    if document.get_element_by_id("freebusy-styles").is_none() {
        let style = document.create_element("style").unwrap();
        style.set_id("freebusy-styles");
        style.set_text_content(Some(include_str!("../../www/freebusy.css")));
        document.head().unwrap().append_child(&style).unwrap();
    }
}

/// A backend where alice's and bob's Zonio-style answers are these JSON bodies.
pub fn alice_and_bob(alice: &str, bob: &str) -> Rc<FakeBackend> {
    let backend = Rc::new(FakeBackend::default());
    backend.answer("/alice%40example.com?", vec![ok(alice)]);
    backend.answer("/bob%40example.com?", vec![ok(bob)]);
    backend
}

pub fn json(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        retry_after: None,
        body: body.to_owned(),
    }
}

pub fn ok(body: &str) -> Answer {
    Ok(json(200, body))
}

/// An answer in the server's one error shape: `{"error": {"code", "message"}}`.
pub fn error(status: u16, code: &str) -> Answer {
    Ok(json(
        status,
        &format!(r#"{{"error":{{"code":"{code}","message":"x"}}}}"#),
    ))
}

/// A `keydown` of `key` on `target`, bubbling as a real one does.
pub async fn press_on(target: &web_sys::Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&event).unwrap();
    // Focus moves synchronously; a tick lets signal updates run.
    leptos::task::tick().await;
}

/// The widget mounted into its own element of the test page, unmounted on drop.
pub struct Widget {
    pub root: HtmlElement,
    pub backend: Rc<FakeBackend>,
    pub events: Rc<RefCell<Vec<(String, JsValue)>>>,
    _listeners: Vec<Closure<dyn Fn(web_sys::CustomEvent)>>,
    _mounted: Box<dyn std::any::Any>,
}

pub const EVENTS: [&str; 4] = [
    "freebusy:slotselect",
    "freebusy:booked",
    "freebusy:error",
    "freebusy:loaded",
];

impl Widget {
    /// Mounts the widget with `attributes` (as the custom element takes them), served
    /// by `backend`, 1,000 CSS pixels wide (the week layout).
    pub async fn open(attributes: &[(&str, &str)], backend: Rc<FakeBackend>) -> Widget {
        Widget::open_at(1000, attributes, backend).await
    }

    /// Mounts the widget in an element `width` CSS pixels wide.
    pub async fn open_at(
        width: u32,
        attributes: &[(&str, &str)],
        backend: Rc<FakeBackend>,
    ) -> Widget {
        let widget = Widget::mount_at(width, attributes, backend);
        widget.settle().await;
        widget
    }

    /// Mounts the widget in an element `width` CSS pixels wide, without waiting for it.
    pub fn mount_at(width: u32, attributes: &[(&str, &str)], backend: Rc<FakeBackend>) -> Widget {
        let document = web_sys::window().unwrap().document().unwrap();
        add_stylesheet(&document);
        let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        root.style()
            .set_property("width", &format!("{width}px"))
            .unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let events: Rc<RefCell<Vec<(String, JsValue)>>> = Rc::default();
        let mut listeners = Vec::new();
        for name in EVENTS {
            let events = events.clone();
            let listener =
                Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
                    events.borrow_mut().push((event.type_(), event.detail()));
                });
            root.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .unwrap();
            listeners.push(listener);
        }
        let (options, problems) = Options::from_attributes(|name| {
            attributes
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        });
        let http: Rc<dyn Http> = Rc::new(Fake(backend.clone()));
        let mounted = mount_to(root.clone(), move || {
            view! { <Scheduler options problems http /> }
        });
        Widget {
            root,
            backend,
            events,
            _listeners: listeners,
            _mounted: Box::new(mounted),
        }
    }

    /// Waits until the widget is no longer loading (at most 5 s).
    pub async fn settle(&self) {
        for _ in 0..250 {
            leptos::task::tick().await;
            if self.find(".freebusy").get_attribute("aria-busy").as_deref() == Some("false") {
                return;
            }
            pause(20).await;
        }
        panic!("the widget was still loading after 5 s");
    }

    /// Waits until `check` holds (at most 5 s).
    pub async fn until(&self, what: &str, check: impl Fn(&Widget) -> bool) {
        for _ in 0..250 {
            leptos::task::tick().await;
            if check(self) {
                return;
            }
            pause(20).await;
        }
        panic!("waited 5 s for {what}");
    }

    pub fn try_find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).unwrap()
    }

    pub fn find(&self, selector: &str) -> Element {
        self.try_find(selector)
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    pub fn text(&self, selector: &str) -> String {
        self.try_find(selector)
            .and_then(|element| element.text_content())
            .unwrap_or_default()
    }

    pub fn slot(&self, start: &str) -> Element {
        self.find(&format!("[data-start='{start}']"))
    }

    pub fn status_of(&self, start: &str) -> String {
        self.slot(start)
            .get_attribute("data-status")
            .unwrap_or_default()
    }

    /// The slot's accessible name: on its button when bookable, else on the cell.
    pub fn name_of(&self, start: &str) -> String {
        let slot = self.slot(start);
        let target = slot.query_selector("button").unwrap().unwrap_or(slot);
        target.get_attribute("aria-label").unwrap_or_default()
    }

    pub fn alert(&self) -> String {
        self.text("[role='alert']")
    }

    pub fn events_named(&self, name: &str) -> Vec<JsValue> {
        self.events
            .borrow()
            .iter()
            .filter(|(event, _)| event == name)
            .map(|(_, detail)| detail.clone())
            .collect()
    }

    pub async fn click(&self, selector: &str) {
        self.find(selector).unchecked_into::<HtmlElement>().click();
        leptos::task::tick().await;
    }

    pub async fn press(&self, key: &str) {
        let target = self
            .root
            .query_selector("[role='grid'] [tabindex='0']")
            .unwrap()
            .expect("a tab stop in the grid");
        press_on(&target, key).await;
    }

    /// How many slots in the grid can be chosen (their buttons).
    pub fn grid_buttons(&self) -> u32 {
        self.root
            .query_selector_all("[role='grid'] button")
            .unwrap()
            .length()
    }

    pub fn tab_stops(&self) -> u32 {
        self.root
            .query_selector_all("[role='grid'] [tabindex='0']")
            .unwrap()
            .length()
    }

    pub fn focused_name(&self) -> String {
        let document = web_sys::window().unwrap().document().unwrap();
        document
            .active_element()
            .and_then(|element| element.get_attribute("aria-label"))
            .unwrap_or_default()
    }

    /// The `data-start` of the slot focus is in.
    pub fn focused_start(&self) -> String {
        let document = web_sys::window().unwrap().document().unwrap();
        document
            .active_element()
            .and_then(|element| element.closest("[data-start]").ok().flatten())
            .and_then(|slot| slot.get_attribute("data-start"))
            .unwrap_or_default()
    }

    /// Focuses the grid's tab stop, as Tab into the grid would; its slot's start.
    pub fn focused_start_after_tab_stop(&self) -> String {
        self.find("[role='grid'] [tabindex='0']")
            .unchecked_into::<HtmlElement>()
            .focus()
            .unwrap();
        self.focused_start()
    }

    pub fn fill(&self, name: &str, value: &str) {
        let input: HtmlInputElement = self.find(&format!("form [name='{name}']")).unchecked_into();
        input.set_value(value);
    }

    pub async fn submit(&self) {
        self.click("form button[type='submit']").await;
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.root.remove();
    }
}

pub async fn pause(millis: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

pub fn detail(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &key.into()).unwrap()
}

/// `text` without the spaces ICU may put around a range's dash (plain or thin, by CLDR
/// version), so tests state the range, not the browser's typography.
pub fn squash_range(text: &str) -> String {
    text.replace(['\u{2009}', '\u{202f}'], " ")
        .replace(" – ", "–")
}
