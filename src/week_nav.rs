//! Moving between weeks: previous, today and next.

use chrono::{Days, NaiveDate};
use leptos::prelude::*;

/// The week after (`forward`) or before `first`. Checked: a week at the end of chrono's
/// range stays put instead of panicking.
pub(crate) fn shifted(first: NaiveDate, forward: bool) -> NaiveDate {
    let moved = if forward {
        first.checked_add_days(Days::new(7))
    } else {
        first.checked_sub_days(Days::new(7))
    };
    moved.unwrap_or(first)
}

/// Week navigation: previous, today and next buttons around the shown week's label.
///
/// The component only moves the `week` signal by whole weeks; whoever owns the signal
/// decides what a week change means (fetching, aborting stale requests).
#[component]
pub fn WeekNav(
    /// The first local date of the week shown.
    week: RwSignal<NaiveDate>,
    /// The first local date of the week containing today, where "Today" returns to.
    this_week: NaiveDate,
) -> impl IntoView {
    let step = move |forward: bool| week.update(|first| *first = shifted(*first, forward));
    view! {
        <nav class="freebusy-nav" aria-label="Week">
            <button type="button" class="freebusy-prev" on:click=move |_| step(false)>
                "Previous week"
            </button>
            <button type="button" class="freebusy-today" on:click=move |_| week.set(this_week)>
                "Today"
            </button>
            <button type="button" class="freebusy-next" on:click=move |_| step(true)>
                "Next week"
            </button>
            <h2 class="freebusy-week-label" aria-live="polite">
                {move || crate::grid::week_label(week.get())}
            </h2>
        </nav>
    }
}
