//! The demo page: mounts the widget into `<body>`.

use chrono::{Datelike, Days, NaiveDate};
use freebusy::WeekNav;
use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    let this_week = this_week();
    let week = RwSignal::new(this_week);
    leptos::mount::mount_to_body(move || {
        view! {
            <div class="freebusy">
                <WeekNav week this_week />
            </div>
        }
    });
}

/// The Monday of the browser's current local week.
fn this_week() -> NaiveDate {
    let now = js_sys::Date::new_0();
    let today = NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default();
    today - Days::new(u64::from(today.weekday().num_days_from_monday()))
}
