//! The widget's regions as HTML, drawn from its state.
//!
//! The component builds one root element whose content is [`frame`]: the static parts
//! (the week buttons, the zone, the problems) and an empty container per region. Each
//! region is then a pure function of the [`SchedulerState`] — the week's label, the
//! status, the alerts, the day strip, the grid ([`crate::grid::markup()`]) and the confirm
//! step — whose markup the component sets whenever it changes, with events handled by
//! delegation on the root. This keeps the view a few kilobytes of the bundle instead of
//! a tree of reactive elements, and every region is tested natively. Every text and
//! attribute is escaped; no markup has an inline `style` or script.

use freebusy_core::wire::booking::{MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use freebusy_core::wire::rfc3339;

use crate::grid::markup::{day_tabs_markup, escape_into};
use crate::messages::{Catalogue, Text};
use crate::state::SchedulerState;

/// The `data-action` of the buttons the root's click handler knows.
pub mod action {
    /// The week before.
    pub const PREVIOUS: &str = "previous";
    /// This week.
    pub const TODAY: &str = "today";
    /// The week after.
    pub const NEXT: &str = "next";
    /// Fetch the week again.
    pub const RETRY: &str = "retry";
    /// Close the confirm step.
    pub const CANCEL: &str = "cancel";
}

/// The attribute of a meeting-length button: its minutes.
pub const DURATION: &str = "data-duration";

/// The attribute marking the time-zone picker's input.
pub const ZONE_INPUT: &str = "data-zone-input";

/// The widget's frame: the week navigation, the zone (a region of text when fixed, or
/// the picker showing `zone` and a region for its offset), the option `problems`, and
/// the empty region containers.
pub fn frame(messages: &Catalogue, zone: &str, fixed_zone: bool, problems: &[String]) -> String {
    let mut html = String::with_capacity(2048);
    html.push_str(r#"<nav class="freebusy-nav" aria-label=""#);
    escape_into(&mut html, messages.get(Text::WeekNav));
    html.push_str(r#"">"#);
    for (class, action, text) in [
        ("freebusy-prev", action::PREVIOUS, Text::WeekPrevious),
        ("freebusy-today", action::TODAY, Text::WeekToday),
        ("freebusy-next", action::NEXT, Text::WeekNext),
    ] {
        button(&mut html, class, action, messages.get(text));
    }
    html.push_str(r#"<h2 class="freebusy-week-label" aria-live="polite"></h2></nav>"#);
    if fixed_zone {
        html.push_str(r#"<p class="freebusy-zone freebusy-zone-shown"></p>"#);
    } else {
        html.push_str(r#"<div class="freebusy-zone"><label><span class="freebusy-zone-label">"#);
        escape_into(&mut html, messages.get(Text::ZoneLabel));
        html.push_str(r#"</span><input type="text" list="freebusy-zones" autocomplete="off" spellcheck="false" "#);
        html.push_str(ZONE_INPUT);
        html.push_str(r#" value=""#);
        escape_into(&mut html, zone);
        html.push_str(r#"" placeholder=""#);
        escape_into(&mut html, zone);
        html.push_str(r#"" aria-description=""#);
        escape_into(&mut html, messages.get(Text::ZoneSearch));
        html.push_str(r#""><span class="freebusy-zone-shown"></span></label><datalist id="freebusy-zones"></datalist></div>"#);
    }
    if !problems.is_empty() {
        html.push_str(r#"<div class="freebusy-problems" role="alert">"#);
        for problem in problems {
            paragraph(&mut html, "", problem);
        }
        html.push_str("</div>");
    }
    html.push_str(r#"<div class="freebusy-durations"></div><div class="freebusy-status" role="status"></div><div class="freebusy-alerts"></div><div class="freebusy-days" role="group" aria-label=""#);
    escape_into(&mut html, messages.get(Text::Days));
    html.push_str(r#""></div><div class="freebusy-grid" role="grid" aria-readonly="true"></div><div class="freebusy-form"></div>"#);
    html
}

fn button(html: &mut String, class: &str, action: &str, text: &str) {
    html.push_str(r#"<button type="button" class=""#);
    html.push_str(class);
    html.push_str(r#"" data-action=""#);
    html.push_str(action);
    html.push_str(r#"">"#);
    escape_into(html, text);
    html.push_str("</button>");
}

fn paragraph(html: &mut String, class: &str, text: &str) {
    if class.is_empty() {
        html.push_str("<p>");
    } else {
        html.push_str(r#"<p class=""#);
        html.push_str(class);
        html.push_str(r#"">"#);
    }
    escape_into(html, text);
    html.push_str("</p>");
}

/// The zone shown, with its offset that week: "Times in Asia/Kolkata (UTC+05:30)" when
/// the zone is fixed, "UTC+05:30" beside the picker.
pub fn zone(state: &SchedulerState) -> String {
    let label = state.zone_label();
    let text = if state.options().time_zone.is_some() {
        state.messages().fill(Text::ZoneShown, &[("zone", &label)])
    } else {
        label
            .rsplit_once(" (")
            .map(|(_, offset)| offset.trim_end_matches(')').to_owned())
            .unwrap_or_default()
    };
    let mut html = String::new();
    escape_into(&mut html, &text);
    html
}

/// The week's label (the `<h2>`'s text).
pub fn week_label(state: &SchedulerState) -> String {
    let mut html = String::new();
    escape_into(&mut html, &state.week_label());
    html
}

/// The status region: loading or waiting, attendees shown as unknown, the last
/// booking's confirmation.
pub fn status(state: &SchedulerState) -> String {
    let mut html = String::new();
    let class = if state.loading() {
        "freebusy-status-line"
    } else {
        "freebusy-unknown-attendee"
    };
    for line in state.status_lines() {
        paragraph(&mut html, class, &line);
    }
    if let Some(line) = state.confirmation() {
        paragraph(&mut html, "freebusy-confirmation", line);
    }
    if let Some((id, token)) = state.manage() {
        manage_links(&mut html, state, id, token);
    }
    html
}

/// The visitor's links to the booking just made, on the API's base (the server's own
/// paths, `booking::links` there): its invitation, and the pages that move and cancel it.
fn manage_links(html: &mut String, state: &SchedulerState, id: &str, token: &str) {
    let base = state.options().backend.as_deref().unwrap_or_default();
    let messages = state.messages();
    html.push_str(r#"<p class="freebusy-manage">"#);
    for (before, after, text) in [
        ("/v1/bookings/", "/invitation.ics", Text::ManageCalendar),
        ("/bookings/", "/reschedule", Text::ManageReschedule),
        ("/bookings/", "/cancel", Text::ManageCancel),
    ] {
        html.push_str(r#"<a href=""#);
        escape_into(html, base);
        html.push_str(before);
        html.push_str(id);
        html.push_str(after);
        html.push_str("?token=");
        html.push_str(token);
        html.push_str(if text == Text::ManageCalendar {
            r#"" download target="_blank" rel="noopener">"#
        } else {
            r#"" target="_blank" rel="noopener">"#
        });
        escape_into(html, messages.get(text));
        html.push_str("</a> ");
    }
    html.push_str("</p>");
}

/// The alerts: why the week cannot be shown (with "Try again" when that may help), a
/// zone that was refused, and a booking that was refused with the form closed.
pub fn alerts(state: &SchedulerState) -> String {
    let mut html = String::new();
    if let Some((message, can_retry)) = state.week_error() {
        html.push_str(r#"<div class="freebusy-error" role="alert">"#);
        paragraph(&mut html, "", &message);
        if can_retry {
            button(
                &mut html,
                "freebusy-retry",
                action::RETRY,
                state.messages().get(Text::Retry),
            );
        }
        html.push_str("</div>");
    }
    for (class, line) in [
        ("freebusy-error freebusy-zone-error", state.zone_alert()),
        (
            "freebusy-error freebusy-booking-error",
            state.booking_alert(),
        ),
    ] {
        if let Some(line) = line {
            html.push_str(r#"<div class=""#);
            html.push_str(class);
            html.push_str(r#"" role="alert">"#);
            paragraph(&mut html, "", line);
            html.push_str("</div>");
        }
    }
    html
}

/// The phone layout's day strip (empty in the week layout).
pub fn days(state: &SchedulerState) -> String {
    if state.compact() {
        day_tabs_markup(&state.day_tabs())
    } else {
        String::new()
    }
}

/// The grid's rows.
pub fn grid(state: &SchedulerState) -> String {
    state.grid_markup()
}

/// The choice of meeting length, when the hosts offer more than one: a group of toggle
/// buttons (`aria-pressed` on the one chosen), empty otherwise.
pub fn durations(state: &SchedulerState) -> String {
    let offered = state.durations();
    if offered.len() < 2 {
        return String::new();
    }
    let messages = state.messages();
    let chosen = state.duration_minutes();
    let mut html = String::from(r#"<div role="group" aria-label=""#);
    escape_into(&mut html, messages.get(Text::Durations));
    html.push_str(r#"">"#);
    for minutes in offered {
        let number = minutes.to_string();
        html.push_str(r#"<button type="button" "#);
        html.push_str(DURATION);
        html.push_str(r#"=""#);
        html.push_str(&number);
        html.push_str(r#"" aria-pressed=""#);
        html.push_str(if chosen == Some(minutes) {
            "true"
        } else {
            "false"
        });
        html.push_str(r#"">"#);
        escape_into(
            &mut html,
            &messages.fill(Text::DurationMinutes, &[("minutes", &number)]),
        );
        html.push_str("</button>");
    }
    html.push_str("</div>");
    html
}

/// The confirm step (empty when closed): the slot's time in the shown zone and, if it
/// differs, the visitor's device zone; the form's alert and field errors; the fields
/// with what was typed (`data-key` tells one step from the next, so that a redraw of the
/// same step keeps what is being typed).
pub fn form(state: &SchedulerState) -> String {
    let Some(confirm) = state.confirm() else {
        return String::new();
    };
    let messages = state.messages();
    let form = &confirm.form;
    let mut html = String::with_capacity(2048);
    html.push_str(r#"<form class="freebusy-confirm" data-key=""#);
    escape_into(&mut html, &confirm.key);
    html.push_str(if form.submitting {
        r#"" aria-busy="true" aria-label=""#
    } else {
        r#"" aria-label=""#
    });
    escape_into(&mut html, messages.get(Text::FormLabel));
    html.push_str(r#""><h3>"#);
    escape_into(
        &mut html,
        &messages.fill(Text::FormTitle, &[("when", &confirm.when)]),
    );
    html.push_str("</h3>");
    for line in &confirm.times {
        paragraph(&mut html, "freebusy-when", line);
    }
    if confirm.cell.starts.len() > 1 {
        // The slot offers several meeting starts: the visitor picks one.
        html.push_str("<label>");
        escape_into(&mut html, messages.get(Text::FormStart));
        html.push_str(r#"<select name="start">"#);
        for &start in &confirm.cell.starts {
            html.push_str(r#"<option value=""#);
            html.push_str(&rfc3339::format(start));
            html.push('"');
            if start == confirm.start {
                html.push_str(" selected");
            }
            html.push('>');
            escape_into(&mut html, &state.zone().labels.time(start));
            html.push_str("</option>");
        }
        html.push_str("</select></label>");
    }
    if let Some(message) = &form.message {
        html.push_str(r#"<div class="freebusy-error" role="alert">"#);
        paragraph(&mut html, "", message);
        html.push_str("<ul>");
        for other in form.other_errors() {
            html.push_str("<li>");
            escape_into(&mut html, &other);
            html.push_str("</li>");
        }
        html.push_str("</ul></div>");
    }
    // `maxlength` is the server's limit, so nothing typed can be refused for its size.
    for (name, label, kind, autocomplete, value, most) in [
        (
            "name",
            Text::FormName,
            "text",
            "name",
            &form.name,
            MAX_NAME_CHARS,
        ),
        (
            "email",
            Text::FormEmail,
            "email",
            "email",
            &form.email,
            MAX_EMAIL_CHARS,
        ),
        ("note", Text::FormNote, "", "", &form.note, MAX_NOTE_CHARS),
    ] {
        html.push_str("<label>");
        escape_into(&mut html, messages.get(label));
        let error = form.error_for(name);
        if kind.is_empty() {
            html.push_str(r#"<textarea name="note" maxlength=""#);
            html.push_str(&most.to_string());
            html.push('"');
        } else {
            html.push_str(r#"<input name=""#);
            html.push_str(name);
            html.push_str(r#"" type=""#);
            html.push_str(kind);
            html.push_str(r#"" autocomplete=""#);
            html.push_str(autocomplete);
            html.push_str(r#"" maxlength=""#);
            html.push_str(&most.to_string());
            html.push_str(r#"" required value=""#);
            escape_into(&mut html, value);
            html.push('"');
        }
        if error.is_some() {
            html.push_str(r#" aria-invalid="true""#);
        }
        html.push_str(r#" aria-describedby="freebusy-"#);
        html.push_str(name);
        html.push_str(r#"-error">"#);
        if kind.is_empty() {
            escape_into(&mut html, value);
            html.push_str("</textarea>");
        }
        html.push_str(r#"</label><span class="freebusy-field-error" id="freebusy-"#);
        html.push_str(name);
        html.push_str(r#"-error">"#);
        if let Some(error) = error {
            escape_into(&mut html, &error);
        }
        html.push_str("</span>");
    }
    // While the booking is sent the button says so and refuses a second submit, but
    // stays enabled (`aria-disabled`), so that focus stays on it.
    html.push_str(r#"<div class="freebusy-form-actions"><button type="submit""#);
    if form.submitting {
        html.push_str(r#" aria-disabled="true""#);
    }
    html.push('>');
    escape_into(
        &mut html,
        messages.get(if form.submitting {
            Text::FormSubmitting
        } else {
            Text::FormSubmit
        }),
    );
    html.push_str("</button>");
    button(
        &mut html,
        "freebusy-cancel",
        action::CANCEL,
        messages.get(Text::FormCancel),
    );
    html.push_str("</div></form>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::{BookingError, FetchError};
    use crate::testing::{loaded_state, state_in, utc};

    // The frame has the week buttons, the zone and a container per region; a fixed zone
    // is text, otherwise a picker showing it; problems are an alert.
    #[test]
    fn the_frame_has_the_buttons_the_zone_and_the_regions() {
        let messages = Catalogue::default();
        let html = frame(&messages, "Europe/Berlin", true, &[]);
        assert!(html.contains(
            r#"<button type="button" class="freebusy-next" data-action="next">Next week</button>"#
        ));
        assert!(html.contains(r#"<p class="freebusy-zone freebusy-zone-shown"></p>"#));
        for region in [
            "freebusy-status",
            "freebusy-alerts",
            "freebusy-days",
            "freebusy-grid",
            "freebusy-form",
        ] {
            assert!(html.contains(&format!(r#"class="{region}""#)), "{region}");
        }
        assert!(!html.contains("role=\"alert\""));
        let html = frame(&messages, "Europe/Berlin", false, &["<b>bad</b>".into()]);
        assert!(
            html.contains(r#"data-zone-input value="Europe/Berlin""#),
            "{html}"
        );
        assert!(html.contains(
            r#"<div class="freebusy-problems" role="alert"><p>&lt;b&gt;bad&lt;/b&gt;</p></div>"#
        ));
    }

    // Loading, then the unknown attendees and the confirmation, in the status region.
    #[test]
    fn the_status_says_loading_then_who_is_unknown() {
        let (state, _) = state_in("UTC", Catalogue::default());
        assert_eq!(
            status(&state),
            r#"<p class="freebusy-status-line">Loading availability…</p>"#
        );
        assert_eq!(status(&loaded_state()), "");
    }

    // A failed week offers "Try again"; a conflict leaves an alert with the form closed.
    #[test]
    fn alerts_offer_a_retry_and_say_a_slot_was_taken() {
        let (mut state, fetch) = state_in("UTC", Catalogue::default());
        state.failed(fetch.unwrap().generation, FetchError::Network("x".into()));
        let html = alerts(&state);
        assert!(html.contains("could not be reached"));
        assert!(html.contains(r#"data-action="retry">Try again</button>"#));
        let mut state = loaded_state();
        let start = utc(2030, 1, 7, 14, 0);
        state.open_confirm(start, "k".into());
        state.submit("Dana", "dana@example.com", "");
        state.booking_failed(BookingError::Conflict);
        assert!(alerts(&state).contains(r#"<div class="freebusy-error freebusy-booking-error" role="alert"><p>Sorry, that slot was just taken"#));
        assert_eq!(form(&state), "");
    }

    // The confirm step names the slot, keeps what was typed and marks refused fields.
    #[test]
    fn the_form_keeps_what_was_typed_and_marks_refused_fields() {
        let mut state = loaded_state();
        let start = utc(2030, 1, 7, 14, 0);
        state.open_confirm(start, "key-1".into());
        let html = form(&state);
        assert!(html.contains(r#"<form class="freebusy-confirm" data-key="key-1" aria-label="Confirm booking"><h3>Book Monday 7 January, 14:00 to 14:30</h3>"#), "{html}");
        assert!(html.contains(
            r#"<p class="freebusy-when">Monday 7 January, 15:00 to 15:30 in Europe/Berlin</p>"#
        ));
        assert!(html.contains(r#"<input name="email" type="email" autocomplete="email" maxlength="254" required value="" aria-describedby="freebusy-email-error">"#), "{html}");
        assert!(
            html.contains(r#"<textarea name="note" maxlength="2000""#),
            "{html}"
        );
        assert!(html.contains(r#"name="name" type="text" autocomplete="name" maxlength="200""#));
        state.submit("Dana \"D\"", "dana@nowhere", "<hi>");
        let sending = form(&state);
        assert!(
            sending.contains(r#"<button type="submit" aria-disabled="true">Booking…</button>"#),
            "{sending}"
        );
        assert!(sending.contains(r#"data-key="key-1" aria-busy="true""#));
        state.booking_failed(BookingError::Invalid(vec![(
            "email".into(),
            "is not an email address".into(),
        )]));
        let html = form(&state);
        assert!(html.contains(r#"value="Dana &quot;D&quot;""#));
        assert!(html.contains(r#"required value="dana@nowhere" aria-invalid="true" aria-describedby="freebusy-email-error">"#), "{html}");
        assert!(html.contains(r#"<span class="freebusy-field-error" id="freebusy-email-error">is not an email address</span>"#));
        assert!(html.contains(">&lt;hi&gt;</textarea>"));
        assert!(
            html.contains(
                r#"role="alert"><p>Please correct the fields marked below.</p><ul></ul>"#
            )
        );
        assert!(!html.contains("disabled"));
        assert!(!html.contains("aria-busy"));
    }

    // The zone shown carries its offset that week: in the text of a fixed zone, beside
    // the picker otherwise.
    #[test]
    fn the_zone_says_its_offset() {
        let (state, _) = state_in("Asia/Kolkata", Catalogue::default());
        assert_eq!(zone(&state), "UTC+05:30");
        let mut setup = crate::testing::setup(crate::testing::two_attendees());
        setup.options.time_zone = Some("Asia/Kolkata".into());
        setup.zone = crate::testing::shown_zone("Asia/Kolkata");
        let (state, _) = SchedulerState::new(setup);
        assert_eq!(zone(&state), "Times in Asia/Kolkata (UTC+05:30)");
    }

    // The day strip exists only in the phone layout.
    #[test]
    fn the_day_strip_only_in_the_phone_layout() {
        let mut state = loaded_state();
        assert_eq!(days(&state), "");
        state.set_compact(true);
        assert_eq!(days(&state).matches("<button").count(), 7);
        assert_eq!(week_label(&state), "7–13 January 2030");
    }
}
