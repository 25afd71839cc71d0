//! `freebusy_core::Availability::merge` for JavaScript, for the merge benchmark.
//!
//! Periods cross the boundary as typed arrays (start and end in milliseconds since the
//! epoch as `Float64Array`, statuses as `Uint8Array`: 0 free, 1 tentative, 2 unknown,
//! 3 busy) so that marshalling does not dominate. [`load`] copies them into engine
//! periods, [`merge_loaded`] merges those (the timed work "excluding marshalling", as
//! the native criterion benchmark times it: from a `Vec<Period>`), and [`merge`] does
//! both and returns the output as one flat `Float64Array` (start, end, status, ...).

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use freebusy_core::{Availability, Period, Status};
use wasm_bindgen::prelude::*;

thread_local! {
    static LOADED: RefCell<Vec<Period>> = const { RefCell::new(Vec::new()) };
    static MERGED: RefCell<Availability> = RefCell::new(Availability::default());
}

fn status(code: u8) -> Status {
    match code {
        1 => Status::Tentative,
        2 => Status::Unknown,
        3 => Status::Busy,
        _ => Status::Free,
    }
}

fn code(status: Status) -> f64 {
    match status {
        Status::Free => 0.0,
        Status::Tentative => 1.0,
        Status::Unknown => 2.0,
        Status::Busy => 3.0,
    }
}

fn periods(starts: &[f64], ends: &[f64], statuses: &[u8]) -> Vec<Period> {
    starts
        .iter()
        .zip(ends)
        .zip(statuses)
        .filter_map(|((&start, &end), &status_code)| {
            let start = DateTime::<Utc>::from_timestamp_millis(start as i64)?;
            let end = DateTime::<Utc>::from_timestamp_millis(end as i64)?;
            Period::new(start, end, status(status_code)).ok()
        })
        .collect()
}

fn flatten(merged: &Availability) -> Vec<f64> {
    let mut out = Vec::with_capacity(merged.periods().len() * 3);
    for period in merged.periods() {
        out.push(period.start().timestamp_millis() as f64);
        out.push(period.end().timestamp_millis() as f64);
        out.push(code(period.status()));
    }
    out
}

/// Everything: typed arrays in, merge, flat `Float64Array` out.
#[wasm_bindgen]
pub fn merge(starts: &[f64], ends: &[f64], statuses: &[u8]) -> Vec<f64> {
    flatten(&Availability::merge(periods(starts, ends, statuses)))
}

/// Copies the periods into the module (kept for [`merge_loaded`]); returns how many.
#[wasm_bindgen]
pub fn load(starts: &[f64], ends: &[f64], statuses: &[u8]) -> usize {
    let loaded = periods(starts, ends, statuses);
    let count = loaded.len();
    LOADED.with(|cell| *cell.borrow_mut() = loaded);
    count
}

/// Merges the loaded periods (copying them in, as a caller with a `Vec<Period>` would);
/// keeps the result for [`merged`] and returns its length.
#[wasm_bindgen]
pub fn merge_loaded() -> usize {
    let merged = LOADED.with(|cell| Availability::merge(cell.borrow().iter().copied()));
    let count = merged.periods().len();
    MERGED.with(|cell| *cell.borrow_mut() = merged);
    count
}

/// The last [`merge_loaded`] result, flat: start, end, status, ...
#[wasm_bindgen]
pub fn merged() -> Vec<f64> {
    MERGED.with(|cell| flatten(&cell.borrow()))
}
