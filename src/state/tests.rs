//! The widget's transitions, natively: what each one shows, asks for and tells.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::events::Notice;
use crate::fetch::{AttendeeWeek, BookingError, FetchError, UnknownReason};
use crate::grid::CellStatus;
use crate::messages::Catalogue;
use crate::options::{Api, Bookings, Options};
use crate::testing::{loaded_state, setup, shown_zone, two_attendees, utc, weeks};

fn zone(name: &str) -> ShownZone {
    shown_zone(name)
}

fn options() -> Options {
    two_attendees()
}

fn open(setup: Setup) -> (SchedulerState, Fetch) {
    let (state, fetch) = SchedulerState::new(setup);
    (state, fetch.expect("a fetch for the first week"))
}

fn loaded(options: Options) -> SchedulerState {
    let (mut state, fetch) = open(setup(options));
    state.loaded(fetch.generation, fetch.window, weeks());
    state
}

fn status(state: &SchedulerState, start: DateTime<Utc>) -> CellStatus {
    state.cell(start).expect("a slot there").status
}

// A new widget shows the options' week loading, and asks for that week with a day's
// margin either side.
#[test]
fn a_new_widget_loads_its_week_with_a_margin() {
    let (state, fetch) = open(setup(options()));
    assert!(state.loading());
    assert_eq!(state.week(), NaiveDate::from_ymd_opt(2030, 1, 7).unwrap());
    assert_eq!(fetch.first_day, state.week());
    assert_eq!(fetch.window.start(), utc(2030, 1, 6, 0, 0));
    assert_eq!(fetch.window.end(), utc(2030, 1, 15, 0, 0));
    assert_eq!(state.status_lines(), ["Loading availability…"]);
    assert!(state.grid().is_none());
    assert!(state.grid_markup().contains("freebusy-placeholder"));
    assert_eq!(state.week_label(), "7–13 January 2030");
    assert_eq!(state.grid_label(), "Availability, 7–13 January 2030");
}

// Without a week option the widget shows this week, and without attendees it says so.
#[test]
fn this_week_by_default_and_a_notice_without_attendees() {
    let (state, _) = SchedulerState::new(setup(Options::default()));
    assert_eq!(state.week(), NaiveDate::from_ymd_opt(2029, 12, 31).unwrap());
    assert_eq!(
        state.problems(),
        ["No attendees are configured, so there is no availability to show."]
    );
}

// The answer builds the grid and the loaded notice; an answer for an older fetch is
// ignored.
#[test]
fn the_answer_builds_the_grid_and_a_stale_answer_is_ignored() {
    let (mut state, first) = open(setup(options()));
    let second = state.retry().unwrap();
    assert_eq!(state.loaded(first.generation, first.window, weeks()), None);
    assert!(state.loading(), "the stale answer changed nothing");
    let notice = state.loaded(second.generation, second.window, weeks());
    let Some(Notice::Loaded {
        week,
        start,
        slots,
        attendees,
        time_zone,
        ..
    }) = notice
    else {
        panic!("a loaded notice, not {notice:?}");
    };
    assert_eq!(week, state.week());
    assert_eq!(start, utc(2030, 1, 7, 0, 0));
    assert_eq!(time_zone, "UTC");
    assert_eq!(slots.len(), 7 * 20);
    assert_eq!(attendees[1].status, "ok");
    assert!(!state.loading());
    assert_eq!(status(&state, utc(2030, 1, 7, 9, 30)), CellStatus::Busy);
    assert_eq!(
        status(&state, utc(2030, 1, 7, 10, 0)),
        CellStatus::Tentative
    );
    assert_eq!(status(&state, utc(2030, 1, 7, 10, 30)), CellStatus::Free);
    assert!(state.status_lines().is_empty());
}

// An attendee without a calendar is unknown all week, and the status region says why.
#[test]
fn an_unknown_attendee_is_announced_in_the_visitors_language() {
    let mut setup = setup(options());
    setup.messages = Catalogue::default().translated(crate::messages::translation("de"));
    let (mut state, fetch) = open(setup);
    let notice = state.loaded(
        fetch.generation,
        fetch.window,
        vec![
            weeks().remove(0),
            AttendeeWeek::Unknown(UnknownReason::NotFound),
        ],
    );
    assert_eq!(status(&state, utc(2030, 1, 8, 14, 0)), CellStatus::Unknown);
    assert_eq!(
        state.status_lines(),
        ["bob@example.com: kein Kalender gefunden; diese Zeit wird als unbekannt angezeigt."]
    );
    let Some(Notice::Loaded { attendees, .. }) = notice else {
        panic!()
    };
    assert_eq!(attendees[1].reason.as_deref(), Some("no calendar found"));
}

// A failure is shown with a retry; an aborted fetch says nothing; retrying loads again.
#[test]
fn a_failure_offers_a_retry_and_an_abort_says_nothing() {
    let (mut state, fetch) = open(setup(options()));
    assert_eq!(state.failed(fetch.generation, FetchError::Aborted), None);
    assert!(state.loading());
    let notice = state.failed(fetch.generation, FetchError::Unavailable(503));
    assert_eq!(
        notice,
        Some(Notice::Error {
            code: "unavailable",
            message: "The calendar server is unavailable right now (HTTP 503). Please try again."
                .into(),
            hint: None,
        })
    );
    let (message, retry) = state.week_error().unwrap();
    assert!(message.contains("HTTP 503") && retry);
    let again = state.retry().unwrap();
    assert!(again.generation > fetch.generation);
    assert!(state.loading() && state.week_error().is_none());
}

// While a 429 is waited out the status says how long; the wait of an old fetch does not.
#[test]
fn waiting_out_a_429_is_announced() {
    let (mut state, fetch) = open(setup(options()));
    state.waiting(fetch.generation - 1, 9);
    assert_eq!(state.status_lines(), ["Loading availability…"]);
    state.waiting(fetch.generation, 2);
    assert_eq!(
        state.status_lines(),
        ["The calendar server asked us to wait; retrying in 2 s…"]
    );
}

// Another week is fetched anew; "Today" comes back to this week.
#[test]
fn weeks_change_by_seven_days_and_today_comes_back() {
    let mut state = loaded(options());
    let next = state.step_week(true).unwrap();
    assert_eq!(
        next.first_day,
        NaiveDate::from_ymd_opt(2030, 1, 14).unwrap()
    );
    assert!(state.loading() && state.grid().is_none());
    state.step_week(false);
    state.step_week(false);
    assert_eq!(state.week(), NaiveDate::from_ymd_opt(2029, 12, 31).unwrap());
    assert_eq!(state.show_this_week(), None, "already this week");
    assert_eq!(state.week_label(), "31 December – 6 January 2030");
}

// Another zone whose week lies inside what was fetched redraws without a request; the
// slots then start at that zone's local times.
#[test]
fn another_zone_redraws_without_refetching() {
    let mut state = loaded(options());
    assert_eq!(state.set_zone(zone("Europe/Berlin")), None);
    assert!(!state.loading());
    // 08:00 in Berlin is 07:00 UTC in winter.
    assert_eq!(status(&state, utc(2030, 1, 7, 9, 0)), CellStatus::Busy);
    assert!(state.cell(utc(2030, 1, 7, 7, 0)).is_some());
    assert!(state.cell(utc(2030, 1, 7, 17, 0)).is_none());
    assert_eq!(state.zone().name, "Europe/Berlin");
    // Fetched in the far east (UTC+14), a zone 25 hours behind ends its week after
    // what was fetched: asked for again.
    let mut far_east = setup(options());
    far_east.zone = zone("Pacific/Kiritimati");
    let (mut state, fetch) = open(far_east);
    state.loaded(fetch.generation, fetch.window, weeks());
    assert!(state.set_zone(zone("Europe/London")).is_none());
    assert!(state.set_zone(zone("Pacific/Pago_Pago")).is_some());
    assert!(state.loading());
}

// A zone the browser does not know is refused with a message; the grid stays.
#[test]
fn an_unknown_zone_is_refused_and_the_grid_stays() {
    let mut state = loaded(options());
    state.zone_refused("Mars/Olympus");
    assert_eq!(
        state.zone_alert(),
        Some("The browser does not know the time zone \"Mars/Olympus\"; times are shown in UTC.")
    );
    assert!(state.grid().is_some());
    state.set_zone(zone("Europe/Paris"));
    assert_eq!(state.zone_alert(), None);
}

// Cronofy-style requests name the shown zone (it places all-day events), so another
// zone is asked for again.
#[test]
fn a_cronofy_request_naming_the_zone_is_made_again() {
    let mut with_cronofy = options();
    with_cronofy.api = Api::Cronofy {
        tokens: vec![],
        tzid: None,
    };
    let mut state = loaded(with_cronofy);
    assert!(state.set_zone(zone("Europe/Berlin")).is_some());
    let mut fixed = options();
    fixed.api = Api::Cronofy {
        tokens: vec![],
        tzid: Some("UTC".into()),
    };
    let mut state = loaded(fixed);
    assert!(state.set_zone(zone("Europe/Berlin")).is_none());
}

// Choosing a free slot tells the page, opens the confirm step, and submitting asks for
// one booking with that step's key; a second submit in flight asks for nothing.
#[test]
fn choosing_and_submitting_books_once_per_confirm_step() {
    let mut state = loaded(options());
    let start = utc(2030, 1, 7, 14, 0);
    assert_eq!(
        state.choose(utc(2030, 1, 7, 9, 0)),
        None,
        "busy is not bookable"
    );
    let Some(Notice::SlotSelect(detail)) = state.choose(start) else {
        panic!("a slotselect notice")
    };
    assert_eq!((detail.start, detail.end), (start, utc(2030, 1, 7, 14, 30)));
    assert_eq!(detail.status, "free");
    assert!(state.open_confirm(start, "key-1".into()));
    let confirm = state.confirm().unwrap();
    assert_eq!(confirm.cell.when, "Monday 7 January, 14:00 to 14:30");
    assert_eq!(
        confirm.times,
        [
            "Monday 7 January, 14:00 to 14:30 in UTC",
            "Monday 7 January, 15:00 to 15:30 in Europe/Berlin"
        ]
    );
    let request = state.submit(" Dana ", "dana@example.com", "").unwrap();
    assert_eq!(request.name, "Dana");
    assert_eq!(request.note, None);
    assert_eq!(request.idempotency_key, "key-1");
    assert_eq!(request.hosts.len(), 2);
    assert_eq!(state.submit("Dana", "dana@example.com", ""), None);
}

// Booked: the form closes, the confirmation names the reference, the page hears of it,
// and the week is fetched again to show the slot taken.
#[test]
fn a_booking_confirms_and_refreshes_the_week() {
    let mut state = loaded(options());
    let start = utc(2030, 1, 7, 14, 0);
    state.choose(start);
    state.open_confirm(start, "k".into());
    state.submit("Dana", "dana@example.com", "hi");
    let (notice, fetch) = state.booked("bk_1", None);
    assert!(fetch.is_some() && state.loading());
    assert!(state.confirm().is_none());
    assert_eq!(
        state.confirmation(),
        Some("Booked: Monday 7 January, 14:00 to 14:30. Reference bk_1.")
    );
    let Some(Notice::Booked { id, name, slot, .. }) = notice else {
        panic!()
    };
    assert_eq!(
        (id.as_str(), name.as_str(), slot.start),
        ("bk_1", "Dana", start)
    );
    assert_eq!(state.focus(), Some(start));
}

// The server's cancel token opens the visitor's links under the confirmation, on the
// API's base; without one (another server) or with one that cannot stand in a link as
// it is, there are none.
#[test]
fn a_booking_with_a_cancel_token_offers_the_visitors_links() {
    let start = utc(2030, 1, 7, 14, 0);
    let booked = |token: Option<&str>| {
        let mut state = loaded(Options {
            backend: Some("https://cal.example.com/fb".into()),
            ..options()
        });
        state.choose(start);
        state.open_confirm(start, "k".into());
        state.submit("Dana", "dana@example.com", "");
        state.booked("0a1b", token);
        state
    };
    let state = booked(Some("c0ffee"));
    assert_eq!(state.manage(), Some(("0a1b", "c0ffee")));
    let html = crate::regions::status(&state);
    for link in [
        r#"<a href="https://cal.example.com/fb/v1/bookings/0a1b/invitation.ics?token=c0ffee" download target="_blank" rel="noopener">Add to calendar</a>"#,
        r#"<a href="https://cal.example.com/fb/bookings/0a1b/reschedule?token=c0ffee" target="_blank" rel="noopener">Reschedule</a>"#,
        r#"<a href="https://cal.example.com/fb/bookings/0a1b/cancel?token=c0ffee" target="_blank" rel="noopener">Cancel booking</a>"#,
    ] {
        assert!(html.contains(link), "{link} in {html}");
    }
    for token in [Some("\"><script>"), None] {
        let state = booked(token);
        assert_eq!(state.manage(), None);
        assert!(!crate::regions::status(&state).contains("<a "));
    }
}

// Just taken: the form closes with the alert and the week is refreshed; refused fields
// keep the form, what was typed and the errors; another failure keeps the form too.
#[test]
fn booking_failures_keep_or_close_the_form_as_they_should() {
    let mut state = loaded(options());
    let start = utc(2030, 1, 7, 14, 0);
    state.open_confirm(start, "k".into());
    state.submit("Dana", "dana@nowhere", "");
    let (notice, fetch) = state.booking_failed(BookingError::Invalid(vec![
        ("email".into(), "is not an email address".into()),
        ("start".into(), "is in the past".into()),
    ]));
    assert_eq!(notice.name(), "freebusy:error");
    assert_eq!(fetch, None);
    let form = &state.confirm().unwrap().form;
    assert!(!form.submitting);
    assert_eq!(form.email, "dana@nowhere");
    assert_eq!(
        form.error_for("email").as_deref(),
        Some("is not an email address")
    );
    assert_eq!(form.other_errors(), ["start: is in the past"]);
    assert_eq!(
        form.message.as_deref(),
        Some("Please correct the fields marked below.")
    );

    state.submit("Dana", "dana@example.com", "");
    state.booking_failed(BookingError::Failed(FetchError::Network("x".into())));
    assert!(
        state
            .confirm()
            .unwrap()
            .form
            .message
            .as_deref()
            .unwrap()
            .contains("could not be reached")
    );

    state.submit("Dana", "dana@example.com", "");
    let (notice, fetch) = state.booking_failed(BookingError::Conflict);
    assert!(fetch.is_some());
    assert!(state.confirm().is_none());
    assert!(state.booking_alert().unwrap().contains("just taken"));
    assert_eq!(
        notice,
        Notice::Error {
            code: "conflict",
            message: state.booking_alert().unwrap().to_owned(),
            hint: None,
        }
    );
}

// With bookings="event-only" choosing only tells the page: no form opens.
#[test]
fn event_only_bookings_open_no_form() {
    let mut event_only = options();
    event_only.bookings = Bookings::EventOnly;
    let mut state = loaded(event_only);
    let start = utc(2030, 1, 7, 14, 0);
    assert!(state.choose(start).is_some());
    assert!(!state.open_confirm(start, "k".into()));
    assert!(state.confirm().is_none());
}

// Arrows move focus by slot and day; in a right-to-left layout left is the next day;
// PageDown shows the next week and asks for focus once it is drawn.
#[test]
fn the_keyboard_moves_focus_and_follows_the_direction() {
    let mut state = loaded(options());
    let first = state.tab_stop().unwrap();
    assert_eq!(first, (0, 0));
    assert_eq!(state.key("ArrowRight", false), KeyOutcome::Moved);
    assert_eq!(state.focus(), Some(utc(2030, 1, 8, 8, 0)));
    state.key("ArrowDown", false);
    assert_eq!(state.focus(), Some(utc(2030, 1, 8, 8, 30)));
    assert_eq!(state.key("Enter", false), KeyOutcome::Unhandled);

    let mut arabic = setup(options());
    arabic.right_to_left = true;
    let (mut state, fetch) = open(arabic);
    state.loaded(fetch.generation, fetch.window, weeks());
    state.key("ArrowLeft", false);
    assert_eq!(
        state.focus(),
        Some(utc(2030, 1, 8, 8, 0)),
        "left is the next day"
    );
    state.key("ArrowRight", false);
    assert_eq!(state.focus(), Some(utc(2030, 1, 7, 8, 0)));

    let KeyOutcome::Week(Some(fetch)) = state.key("PageDown", false) else {
        panic!("a week change with a fetch")
    };
    assert_eq!(
        fetch.first_day,
        NaiveDate::from_ymd_opt(2030, 1, 14).unwrap()
    );
    assert!(state.wants_focus());
    state.focused();
    assert!(!state.wants_focus());
}

// The phone layout draws one day; up and down stay in it, left and right change the
// day (at the same time) and ask for focus; a day tab keeps the time focus was at.
#[test]
fn the_phone_layout_shows_one_day_and_moves_between_days() {
    let mut state = loaded(options());
    state.set_compact(true);
    assert_eq!(state.columns(), 0..1);
    assert_eq!(state.day_tabs().len(), 7);
    assert!(state.day_tabs()[0].selected);
    let markup = state.grid_markup();
    assert_eq!(markup.matches(r#"role="gridcell""#).count(), 20);
    state.key("ArrowDown", false);
    state.key("ArrowRight", false);
    assert_eq!(state.day(), 1);
    assert_eq!(state.focus(), Some(utc(2030, 1, 8, 8, 30)));
    assert!(state.wants_focus());
    assert_eq!(state.columns(), 1..2);
    state.key("End", true);
    assert_eq!(state.focus(), Some(utc(2030, 1, 8, 17, 30)));
    state.key("End", false);
    assert_eq!(state.day(), 1, "End stays in the day");
    state.show_day(4);
    assert_eq!(state.focus(), Some(utc(2030, 1, 11, 17, 30)));
    assert_eq!(state.tab_stop(), Some((19, 4)));
    state.show_day(9);
    assert_eq!(state.day(), 4, "no such day");
}

// A week shown in the phone layout opens on today's day when it is this week.
#[test]
fn the_phone_layout_opens_on_today() {
    let mut this_week = options();
    this_week.week = None;
    let mut setup = setup(this_week);
    setup.now = utc(2030, 1, 9, 12, 0);
    let (state, _) = open(setup);
    assert_eq!(state.day(), 2, "Wednesday");
}

// Outside what the hosts' rules offer, time is unavailable (not busy, not bookable);
// the visitor picks among the lengths both offer, and the chosen one sets where
// meetings fit and where bookings end.
#[test]
fn the_hosts_rules_shade_unavailable_time_and_offer_their_lengths() {
    let (mut state, fetch) = open(setup(options()));
    let afternoons = freebusy_core::rule::Rules::default()
        .with_hours(
            chrono::Weekday::Mon,
            &[freebusy_core::rule::TimeRange::new(12 * 60, 17 * 60).unwrap()],
        )
        .and_then(|rules| rules.with_notice_minutes(0))
        .and_then(|rules| rules.with_durations_minutes(&[30, 60]))
        .unwrap();
    let host = || HostRules {
        rules: afternoons.clone(),
        zone: zone("UTC"),
    };
    state.rules_loaded(fetch.generation, Some(vec![host(), host()]));
    state.loaded(fetch.generation, fetch.window, weeks());
    assert_eq!(
        status(&state, utc(2030, 1, 7, 11, 0)),
        CellStatus::Unavailable
    );
    assert_eq!(
        status(&state, utc(2030, 1, 7, 9, 30)),
        CellStatus::Unavailable,
        "busy, but outside working hours: the calendars' reasons are not told"
    );
    assert_eq!(status(&state, utc(2030, 1, 7, 12, 0)), CellStatus::Free);
    assert_eq!(
        status(&state, utc(2030, 1, 12, 12, 0)),
        CellStatus::Unavailable,
        "Saturday is a day off"
    );
    assert_eq!(state.choose(utc(2030, 1, 7, 11, 0)), None);
    assert_eq!(state.durations(), [30, 60]);
    assert_eq!(state.duration_minutes(), Some(30));
    assert_eq!(status(&state, utc(2030, 1, 7, 16, 30)), CellStatus::Free);

    state.choose_duration(60);
    assert_eq!(state.duration_minutes(), Some(60));
    assert_eq!(
        status(&state, utc(2030, 1, 7, 16, 30)),
        CellStatus::Unavailable,
        "an hour does not fit before 17:00"
    );
    assert_eq!(status(&state, utc(2030, 1, 7, 16, 0)), CellStatus::Free);
    let start = utc(2030, 1, 7, 14, 0);
    let Some(Notice::SlotSelect(detail)) = state.choose(start) else {
        panic!()
    };
    assert_eq!(detail.end, utc(2030, 1, 7, 15, 0));
    state.open_confirm(start, "k".into());
    assert_eq!(
        state.submit("D", "d@example.com", "").unwrap().end,
        utc(2030, 1, 7, 15, 0)
    );
    // A length nobody offers is ignored.
    state.choose_duration(45);
    assert_eq!(state.duration_minutes(), Some(60));
}

// The clock moving on turns slots past.
#[test]
fn the_clock_turns_slots_past() {
    let mut state = loaded(options());
    assert_eq!(status(&state, utc(2030, 1, 7, 8, 0)), CellStatus::Free);
    state.tick(utc(2030, 1, 7, 8, 10));
    assert_eq!(status(&state, utc(2030, 1, 7, 8, 0)), CellStatus::Past);
    assert_eq!(
        state.grid().unwrap().cell((0, 0)).unwrap().now_at,
        Some(333)
    );
}

// Cancel closes the confirm step and keeps focus on its slot.
#[test]
fn cancel_keeps_focus_on_the_slot() {
    let mut state = loaded(options());
    let start = utc(2030, 1, 9, 15, 0);
    state.open_confirm(start, "k".into());
    state.cancel_confirm();
    assert!(state.confirm().is_none());
    assert_eq!(state.focus(), Some(start));
    assert_eq!(state.tab_stop(), Some((14, 2)));
}

// With no attendees nothing is fetched and nothing can be booked: the week is drawn at
// once, every slot unavailable, and the visitor is told why.
#[test]
fn no_attendees_fetch_nothing_and_offer_nothing() {
    let (state, fetch) = SchedulerState::new(setup(Options {
        week: NaiveDate::from_ymd_opt(2030, 1, 9),
        ..Options::default()
    }));
    assert_eq!(fetch, None);
    assert!(!state.loading());
    let grid = state.grid().unwrap();
    assert!(grid.cells().all(|cell| !cell.bookable));
    assert!(
        grid.cells()
            .all(|cell| cell.status == crate::grid::CellStatus::Unavailable)
    );
    assert!(state.problems()[0].contains("No attendees"));
}

// A backend that cannot be asked fetches nothing either.
#[test]
fn an_unusable_backend_fetches_nothing() {
    let mut setup = setup(two_attendees());
    setup.can_fetch = false;
    let (state, fetch) = SchedulerState::new(setup);
    assert_eq!(fetch, None);
    assert!(state.grid().unwrap().cells().all(|cell| !cell.bookable));
}

// After Cancel, a booking or "just taken", focus goes back to the slot.
#[test]
fn closing_the_confirm_step_returns_focus_to_its_slot() {
    let start = utc(2030, 1, 7, 14, 0);
    let mut state = loaded_state();
    state.open_confirm(start, "k".into());
    state.cancel_confirm();
    assert!(state.wants_focus());
    assert_eq!(state.focus(), Some(start));
    state.focused();
    state.open_confirm(start, "k".into());
    state.submit("Dana", "dana@example.com", "");
    let (_, refetch) = state.booked("bk_1", None);
    assert!(refetch.is_some());
    assert!(state.wants_focus());
    assert_eq!(state.focus(), Some(start));
    let mut state = loaded_state();
    state.open_confirm(start, "k".into());
    state.submit("Dana", "dana@example.com", "");
    state.booking_failed(BookingError::Conflict);
    assert!(state.wants_focus());
    assert_eq!(state.focus(), Some(start));
}

// PageUp and PageDown keep the weekday and the time of day focus was at.
#[test]
fn page_keys_keep_the_weekday_and_the_time() {
    let mut state = loaded_state();
    state.key("ArrowDown", false);
    state.key("ArrowRight", false);
    state.key("ArrowRight", false);
    let before = state.focus().unwrap();
    let KeyOutcome::Week(Some(fetch)) = state.key("PageDown", false) else {
        panic!("PageDown shows the next week");
    };
    state.loaded(fetch.generation, fetch.window, weeks());
    assert_eq!(state.focus(), Some(before + chrono::TimeDelta::days(7)));
    let KeyOutcome::Week(Some(fetch)) = state.key("PageUp", false) else {
        panic!("PageUp shows the week before");
    };
    assert_eq!(state.focus(), None, "until the week is drawn");
    state.loaded(fetch.generation, fetch.window, weeks());
    assert_eq!(state.focus(), Some(before));
    assert!(state.wants_focus());
}

// New options keep the week shown and an open confirm step with what was typed; only
// a new source of availability is fetched again.
#[test]
fn new_options_keep_the_week_and_the_form() {
    let mut state = loaded_state();
    let start = utc(2030, 1, 7, 14, 0);
    state.open_confirm(start, "k".into());
    state.typed("Dana", "dana@exa", "hello");
    let mut options = two_attendees();
    options.book_tentative = true;
    assert_eq!(state.reconfigure(setup(options.clone())), None);
    let confirm = state.confirm().unwrap();
    assert_eq!(confirm.form.name, "Dana");
    assert_eq!(confirm.form.note, "hello");
    assert_eq!(state.week(), NaiveDate::from_ymd_opt(2030, 1, 7).unwrap());
    options.attendees.push("carol@example.com".into());
    assert!(state.reconfigure(setup(options)).is_some());
    assert!(state.confirm().is_some());
}

// A German visitor's catalogue is read with the first week: the widget waits (hidden)
// for it, then reads German; later weeks do not ask for it again.
#[test]
fn the_visitors_catalogue_comes_with_the_first_week() {
    let mut setup = setup(options());
    setup.catalogue = Some("de");
    let (mut state, fetch) = open(setup);
    assert_eq!(fetch.catalogue, Some("de"));
    assert!(state.translating());
    assert!(state.catalogue_loaded(
        fetch.generation,
        "de",
        Some(crate::messages::translation("de"))
    ));
    state.loaded(fetch.generation, fetch.window, weeks());
    assert!(!state.translating());
    assert_eq!(state.messages().get(Text::WeekNext), "Nächste Woche");
    let next = state.step_week(true).expect("the next week is fetched");
    assert_eq!(next.catalogue, None);
}

// A catalogue that could not be read leaves the widget English, and shown.
#[test]
fn a_catalogue_that_cannot_be_read_leaves_english() {
    let mut setup = setup(options());
    setup.catalogue = Some("ja");
    let (mut state, fetch) = open(setup);
    assert!(state.catalogue_loaded(fetch.generation, "ja", None));
    state.loaded(fetch.generation, fetch.window, weeks());
    assert!(!state.translating());
    assert_eq!(state.messages().get(Text::WeekNext), "Next week");
    assert!(state.grid().is_some());
}

// A week left before it loaded takes the catalogue's request with it: the next week's
// fetch asks again, and the first one's answer changes nothing.
#[test]
fn a_left_weeks_catalogue_is_asked_for_again_and_its_answer_ignored() {
    let mut setup = setup(options());
    setup.catalogue = Some("ar");
    let (mut state, first) = open(setup);
    let second = state.step_week(true).expect("the next week is fetched");
    assert_eq!(second.catalogue, Some("ar"));
    assert!(!state.catalogue_loaded(first.generation, "ar", None));
    assert!(state.translating());
    assert!(state.catalogue_loaded(
        second.generation,
        "ar",
        Some(crate::messages::translation("ar"))
    ));
    assert_eq!(state.messages().get(Text::WeekNext), "الأسبوع التالي");
}

// A new locale whose catalogue is not read yet fetches it, with the week, even when
// nothing else changed; one read already is used at once, asking nothing.
#[test]
fn a_new_locale_fetches_its_catalogue_unless_it_was_read() {
    let mut state = loaded(options());
    let mut french = setup(options());
    french.catalogue = Some("fr");
    let fetch = state.reconfigure(french).expect("the catalogue is fetched");
    assert_eq!(fetch.catalogue, Some("fr"));
    assert!(state.translating());
    state.catalogue_loaded(
        fetch.generation,
        "fr",
        Some(crate::messages::translation("fr")),
    );
    state.loaded(fetch.generation, fetch.window, weeks());
    let mut cached = setup(options());
    cached.messages = Catalogue::default().translated(crate::messages::translation("fr"));
    assert_eq!(state.reconfigure(cached), None);
    assert!(!state.translating());
    assert_eq!(state.messages().get(Text::WeekNext), "Semaine suivante");
}
