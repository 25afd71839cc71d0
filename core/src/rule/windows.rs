//! Sets of time as sorted, disjoint, coalesced lists of windows, and the few operations
//! the rule needs on them.
//!
//! Hand-written rather than sorted: each `sort` instantiated is a kilobyte or two of the
//! widget's bundle, and these lists arrive (almost) in order anyway.

use chrono::{DateTime, Utc};

use crate::Window;

/// Adds `window` to `set` (sorted, disjoint, coalesced), keeping it so: appended when it
/// comes after the rest (the usual case), else inserted, joining whatever it overlaps or
/// touches.
pub(crate) fn add(set: &mut Vec<Window>, window: Window) {
    let from = set.partition_point(|w| w.end() < window.start());
    let to = set.partition_point(|w| w.start() <= window.end());
    let (mut start, mut end) = (window.start(), window.end());
    if let (Some(first), Some(last)) = (set.get(from), to.checked_sub(1).and_then(|i| set.get(i)))
        && from < to
    {
        start = start.min(first.start());
        end = end.max(last.end());
    }
    if let Ok(joined) = Window::new(start, end) {
        set.splice(from..to.max(from), [joined]);
    }
}

/// Inserts `window` into `list` (sorted by start) at its place: appended in the usual
/// case.
pub(crate) fn insert_by_start(list: &mut Vec<Window>, window: Window) {
    let at = list.partition_point(|w| w.start() <= window.start());
    list.insert(at, window);
}

/// The time in both `a` and `b`.
pub(crate) fn intersection(a: &[Window], b: &[Window]) -> Vec<Window> {
    let mut both = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        if let Ok(common) = Window::new(x.start().max(y.start()), x.end().min(y.end())) {
            both.push(common);
        }
        if x.end() <= y.end() {
            i += 1;
        } else {
            j += 1;
        }
    }
    both
}

/// The time in `set` outside `[from, to)`.
pub(crate) fn without(set: &[Window], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Window> {
    let mut rest = Vec::with_capacity(set.len() + 1);
    for window in set {
        rest.extend(Window::new(window.start(), window.end().min(from)).ok());
        rest.extend(Window::new(window.start().max(to), window.end()).ok());
    }
    rest
}

/// The time in `within` outside `set`.
pub(crate) fn complement(set: &[Window], within: Window) -> Vec<Window> {
    let mut gaps = Vec::with_capacity(set.len() + 1);
    let mut from = within.start();
    for window in set {
        gaps.extend(Window::new(from, window.start().min(within.end())).ok());
        from = from.max(window.end());
    }
    gaps.extend(Window::new(from, within.end()).ok());
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn w(from: u32, to: u32) -> Window {
        let at = |h| Utc.with_ymd_and_hms(2026, 4, 20, h, 0, 0).unwrap();
        Window::new(at(from), at(to)).unwrap()
    }

    // Adding keeps the set sorted and joins what overlaps or touches, in any order.
    #[test]
    fn adding_windows_in_any_order_keeps_them_sorted_and_joined() {
        let mut set = Vec::new();
        for window in [
            w(9, 10),
            w(12, 13),
            w(3, 4),
            w(10, 11),
            w(2, 3),
            w(5, 6),
            w(4, 12),
        ] {
            add(&mut set, window);
        }
        assert_eq!(set, [w(2, 13)]);
        let mut set = vec![w(1, 2), w(5, 6)];
        add(&mut set, w(3, 4));
        assert_eq!(set, [w(1, 2), w(3, 4), w(5, 6)]);
    }

    // Intersection, subtraction and complement of sorted sets.
    #[test]
    fn sets_intersect_subtract_and_complement() {
        assert_eq!(
            intersection(&[w(1, 5), w(7, 10)], &[w(2, 8), w(9, 12)]),
            [w(2, 5), w(7, 8), w(9, 10)]
        );
        let at = |h| Utc.with_ymd_and_hms(2026, 4, 20, h, 0, 0).unwrap();
        assert_eq!(
            without(&[w(1, 5), w(7, 10)], at(4), at(8)),
            [w(1, 4), w(8, 10)]
        );
        assert_eq!(
            complement(&[w(1, 5), w(7, 10)], w(0, 12)),
            [w(0, 1), w(5, 7), w(10, 12)]
        );
        assert_eq!(complement(&[], w(0, 12)), [w(0, 12)]);
    }
}
