//! What the week grid needs from the rules: time that is unavailable (shown apart from
//! busy time), and what each slot offers.

use chrono::{DateTime, Utc};

use super::host::HostView;
use super::{Host, Openings, windows};
use crate::zone::day_start;
use crate::{GroupAvailability, Slot, SlotAvailability, SlotStatus, Window};

/// Time within a window in which no meeting with the hosts can start or take place
/// because of their rules, whatever their calendars say: outside a host's working
/// hours, before a host's notice allows, past a host's horizon, on a host's full day.
///
/// Sorted, disjoint, coalesced windows. The grid shows it as "unavailable", apart from
/// busy time (which is about calendars, not rules) and not announced as busy.
///
/// No bookable meeting ever starts in unavailable time, and none overlaps a host's
/// time outside working hours.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use freebusy_core::rule::{Host, Rules, unavailable};
/// use freebusy_core::{Availability, Window};
///
/// let rules = Rules::default().with_notice_minutes(0)?;
/// let free = Availability::default();
/// let at = |d, h| Utc.with_ymd_and_hms(2026, 4, d, h, 0, 0).unwrap();
/// let monday = Window::new(at(20, 0), at(21, 0))?;
/// let closed = unavailable(&[Host::new(&rules, &Utc, &free)], at(19, 0), monday);
/// let spans: Vec<_> = closed.windows().iter().map(|w| (w.start(), w.end())).collect();
/// assert_eq!(spans, [(at(20, 0), at(20, 9)), (at(20, 17), at(21, 0))]);
/// assert!(closed.covers(Window::new(at(20, 7), at(20, 8))?));
/// assert!(!closed.contains(at(20, 12)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Unavailable {
    windows: Vec<Window>,
}

impl Unavailable {
    /// The unavailable windows: sorted, disjoint, coalesced.
    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    /// Whether `instant` is unavailable.
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.containing(instant)
            .is_some_and(|window| window.contains(instant))
    }

    /// Whether all of `window` is unavailable.
    pub fn covers(&self, window: Window) -> bool {
        self.containing(window.start())
            .is_some_and(|closed| closed.contains(window.start()) && window.end() <= closed.end())
    }

    /// The last window starting at or before `instant`.
    fn containing(&self, instant: DateTime<Utc>) -> Option<&Window> {
        let after = self
            .windows
            .partition_point(|window| window.start() <= instant);
        after
            .checked_sub(1)
            .and_then(|index| self.windows.get(index))
    }
}

/// The time within `window` that the rules of `hosts` make unavailable as of `now`
/// (see [`Unavailable`]). Without hosts, all of it.
pub fn unavailable(hosts: &[Host<'_>], now: DateTime<Utc>, window: Window) -> Unavailable {
    // The complement of the time every host's rules leave open.
    let mut open: Option<Vec<Window>> = None;
    for (index, host) in hosts.iter().enumerate() {
        let view = HostView::new(index, *host, now, window);
        let mut mine = windows::without(&view.working, window.start(), view.earliest);
        if let Some(end) = view.horizon_end {
            mine = windows::without(&mine, end, window.end());
        }
        for day in view.full_days() {
            let start = day_start(host.zone, day);
            let end = day.succ_opt().and_then(|next| day_start(host.zone, next));
            if let (Some(start), Some(end)) = (start, end) {
                mine = windows::without(&mine, start, end);
            }
        }
        open = Some(match open {
            None => mine,
            Some(others) => windows::intersection(&others, &mine),
        });
    }
    Unavailable {
        windows: windows::complement(&open.unwrap_or_default(), window),
    }
}

/// What one week-grid slot offers under the hosts' rules: the calendars' verdict, whether
/// the rules make all of it unavailable, and the bookable meetings starting in it.
///
/// How to show it: a past slot is past; else an unavailable slot is "unavailable" (not
/// busy, not clickable, whatever the calendars say); else the calendars' status. The
/// slot can be booked when `openings` is not empty — at one of those starts, which
/// [`check`](super::check) accepts.
///
/// # Example
///
/// ```
/// use chrono::{FixedOffset, TimeZone, Utc};
/// use freebusy_core::rule::{Host, Rules, SlotOffer, bookable, unavailable};
/// use freebusy_core::{Availability, GroupAvailability, Slot, SlotStatus, Window};
///
/// let rules = Rules::default().with_notice_minutes(0)?;
/// let free = Availability::default();
/// let hosts = [Host::new(&rules, &Utc, &free)];
/// let at = |h, m| Utc.with_ymd_and_hms(2026, 4, 20, h, m, 0).unwrap();
/// let now = at(0, 0);
/// let day = Window::new(at(0, 0), at(23, 0))?;
/// let openings = bookable(&hosts, 30, now, day);
/// let closed = unavailable(&hosts, now, day);
/// let group = GroupAvailability::from(&free);
/// let utc = FixedOffset::east_opt(0).unwrap();
/// let slot = |h| Slot::new(at(h, 0).naive_utc(), utc, at(h, 0), at(h, 30)).unwrap();
///
/// let early = SlotOffer::assess(&slot(7), &group, &openings, &closed, now);
/// assert!(early.unavailable && !early.is_bookable());
/// let nine = SlotOffer::assess(&slot(9), &group, &openings, &closed, now);
/// assert_eq!((nine.availability.status, nine.unavailable), (SlotStatus::Free, false));
/// assert_eq!(nine.openings, [Window::new(at(9, 0), at(9, 30))?]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotOffer<'a> {
    /// What the calendars say ([`Slot::assess`]), past included.
    pub availability: SlotAvailability,
    /// Whether the rules make all of the slot unavailable (never for a past slot).
    pub unavailable: bool,
    /// The bookable meetings starting within the slot (none for a past slot).
    pub openings: &'a [Window],
}

impl<'a> SlotOffer<'a> {
    /// Assesses `slot` from the group's availability, the hosts' openings and
    /// unavailable time (for the duration chosen), as of `now`.
    pub fn assess(
        slot: &Slot,
        group: &GroupAvailability,
        openings: &'a Openings,
        unavailable: &Unavailable,
        now: DateTime<Utc>,
    ) -> SlotOffer<'a> {
        let availability = slot.assess(group, now);
        let past = availability.status == SlotStatus::Past;
        let window = slot.window();
        SlotOffer {
            unavailable: !past && window.is_some_and(|window| unavailable.covers(window)),
            openings: match window {
                Some(window) if !past => openings.starting_within(window),
                _ => &[],
            },
            availability,
        }
    }

    /// Whether a meeting can be booked from this slot.
    pub fn is_bookable(&self) -> bool {
        !self.openings.is_empty()
    }
}
