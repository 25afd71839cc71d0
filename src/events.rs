//! The DOM events the widget tells its host page about.
//!
//! Every event bubbles and is `composed`, so it crosses the custom element's shadow root
//! and a host page can listen on the element or anywhere above it. The details are
//! plain Rust data (the widget's state produces them, tested natively) turned into plain
//! JS objects here.

use chrono::{DateTime, NaiveDate, Utc};
use freebusy_core::wire::rfc3339;
use wasm_bindgen::{JsCast, JsValue};

use crate::js::{JsObject, array};

/// Fired when a bookable slot is chosen, before the confirm step; cancelable.
pub const SLOT_SELECT: &str = "freebusy:slotselect";
/// Fired when the server accepted a booking.
pub const BOOKED: &str = "freebusy:booked";
/// Fired for every error the user is shown.
pub const ERROR: &str = "freebusy:error";
/// Fired when a week's availability is shown.
pub const LOADED: &str = "freebusy:loaded";

/// A slot, as events describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotDetail {
    /// The slot's start.
    pub start: DateTime<Utc>,
    /// The booking's end (the slot's, unless a duration was chosen).
    pub end: DateTime<Utc>,
    /// The IANA zone the grid is shown in.
    pub time_zone: String,
    /// The attendees' emails.
    pub attendees: Vec<String>,
    /// The slot's status (`free`, or `tentative` when that is bookable).
    pub status: &'static str,
}

/// One attendee in a `freebusy:loaded` detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttendeeDetail {
    /// Their email.
    pub email: String,
    /// `ok`, or `unknown` when their calendar could not be read.
    pub status: &'static str,
    /// Why it is unknown.
    pub reason: Option<String>,
}

/// One slot in a `freebusy:loaded` detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotSummary {
    /// Its start.
    pub start: DateTime<Utc>,
    /// Its end.
    pub end: DateTime<Utc>,
    /// Its `data-status`.
    pub status: &'static str,
}

/// What an event tells the host page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// `freebusy:loaded`: the week shown, its span and what each slot shows.
    Loaded {
        /// The week's first local date.
        week: NaiveDate,
        /// The week's first instant.
        start: DateTime<Utc>,
        /// The instant after the week.
        end: DateTime<Utc>,
        /// The zone it is shown in.
        time_zone: String,
        /// Each attendee, and whether their calendar was read.
        attendees: Vec<AttendeeDetail>,
        /// Every slot.
        slots: Vec<SlotSummary>,
    },
    /// `freebusy:slotselect` (cancelable).
    SlotSelect(SlotDetail),
    /// `freebusy:booked`.
    Booked {
        /// The booking's id.
        id: String,
        /// The slot.
        slot: SlotDetail,
        /// Who booked.
        name: String,
        /// Their email.
        email: String,
    },
    /// `freebusy:error`: a code (see the README), the message the user was shown and,
    /// when the embedder can fix it (a CORS refusal), what to do, in English.
    Error {
        /// Machine-readable.
        code: &'static str,
        /// As shown.
        message: String,
        /// What the embedder can fix (also logged to the console).
        hint: Option<String>,
    },
}

impl Notice {
    /// The event's name.
    pub fn name(&self) -> &'static str {
        match self {
            Notice::Loaded { .. } => LOADED,
            Notice::SlotSelect(_) => SLOT_SELECT,
            Notice::Booked { .. } => BOOKED,
            Notice::Error { .. } => ERROR,
        }
    }

    /// The event's `detail`, a plain JS object.
    pub fn detail(&self) -> JsValue {
        let time = |instant: &DateTime<Utc>| JsValue::from(rfc3339::format(*instant));
        let slot = |slot: &SlotDetail| {
            JsObject::new()
                .set("start", time(&slot.start))
                .set("end", time(&slot.end))
                .set("timeZone", slot.time_zone.as_str())
                .set("attendees", array(&slot.attendees, |a| a.as_str().into()))
                .set("status", slot.status)
        };
        match self {
            Notice::Loaded {
                week,
                start,
                end,
                time_zone,
                attendees,
                slots,
            } => JsObject::new()
                .set("week", week.to_string())
                .set("start", time(start))
                .set("end", time(end))
                .set("timeZone", time_zone.as_str())
                .set(
                    "attendees",
                    array(attendees, |attendee| {
                        JsObject::new()
                            .set("email", attendee.email.as_str())
                            .set("status", attendee.status)
                            .set_some("reason", attendee.reason.as_deref())
                            .into_value()
                    }),
                )
                .set(
                    "slots",
                    array(slots, |summary| {
                        JsObject::new()
                            .set("start", time(&summary.start))
                            .set("end", time(&summary.end))
                            .set("status", summary.status)
                            .into_value()
                    }),
                ),
            Notice::SlotSelect(detail) => slot(detail),
            Notice::Booked {
                id,
                slot: detail,
                name,
                email,
            } => slot(detail)
                .set("id", id.as_str())
                .set("name", name.as_str())
                .set("email", email.as_str()),
            Notice::Error {
                code,
                message,
                hint,
            } => JsObject::new()
                .set("code", *code)
                .set("message", message.as_str())
                .set_some("hint", hint.as_deref()),
        }
        .into_value()
    }

    /// Dispatches the event on `target`; `false` if a listener cancelled it.
    pub fn dispatch(&self, target: &web_sys::Element) -> bool {
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_cancelable(matches!(self, Notice::SlotSelect(_)));
        init.set_detail(&self.detail());
        match web_sys::CustomEvent::new_with_event_init_dict(self.name(), &init) {
            Ok(event) => target.dispatch_event(event.unchecked_ref()).unwrap_or(true),
            Err(_) => true,
        }
    }
}
