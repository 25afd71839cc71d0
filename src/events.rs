//! The DOM events the widget tells its host page about.
//!
//! Every event bubbles and is `composed`, so it crosses the custom element's shadow root
//! and a host page can listen on the element or anywhere above it.

use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::fetch::to_js;

/// Fired when a bookable slot is chosen, before the confirm step; cancelable.
pub const SLOT_SELECT: &str = "freebusy:slotselect";
/// Fired when the server accepted a booking.
pub const BOOKED: &str = "freebusy:booked";
/// Fired for every error the user is shown.
pub const ERROR: &str = "freebusy:error";
/// Fired when a week's availability is shown.
pub const LOADED: &str = "freebusy:loaded";

/// A slot, as events describe it.
#[derive(Clone, Debug, Serialize)]
pub struct SlotDetail {
    /// RFC 3339 UTC.
    pub start: String,
    /// RFC 3339 UTC.
    pub end: String,
    /// The IANA zone the grid is shown in.
    #[serde(rename = "timeZone")]
    pub time_zone: String,
    /// The attendees' emails.
    pub attendees: Vec<String>,
    /// The slot's status (`free`, or `tentative` when that is bookable).
    pub status: &'static str,
}

/// An event's `detail` as a plain JS object (`null` if it cannot be one).
pub fn detail(value: &impl Serialize) -> JsValue {
    to_js(value).unwrap_or(JsValue::NULL)
}

/// Dispatches `name` with `detail` on `target`; `false` if a listener cancelled it.
pub fn dispatch(target: &web_sys::Element, name: &str, detail: &JsValue, cancelable: bool) -> bool {
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_cancelable(cancelable);
    init.set_detail(detail);
    match web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        Ok(event) => target.dispatch_event(event.unchecked_ref()).unwrap_or(true),
        Err(_) => true,
    }
}
