//! Every fixed text the widget shows or announces, in a message catalogue.
//!
//! Dates, times, day and month names come from the browser's `Intl` (see
//! [`crate::intl`]); everything else — buttons, statuses, the form, errors and
//! announcements — is a [`Text`] looked up in a [`Catalogue`]: English, German, French,
//! Spanish, Japanese or Arabic built in, chosen from the locale, with any string
//! overridden by the host page's `messages` option. Texts with parts that vary name them
//! in braces (`"Book {when}"`), filled by [`Catalogue::fill`].
//!
//! The catalogues are compiled in rather than loaded: all five beyond English cost about
//! 5 KB gzip, and loading one lazily would cost a request, a flash of English and a
//! `connect-src` entry for every embedder.

mod ar;
mod de;
mod es;
mod fr;
mod ja;

use crate::locale::Language;

macro_rules! texts {
    ($($(#[$doc:meta])* $variant:ident = $key:literal => $english:literal,)*) => {
        /// A fixed text of the widget; its key (for the `messages` option) and English
        /// wording are listed in [`KEYS`] and the README.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Text {
            $($(#[$doc])* $variant,)*
        }

        /// How many texts there are.
        pub const COUNT: usize = [$($key,)*].len();

        /// Every text's key, in [`Text`]'s order: what the `messages` option names.
        pub const KEYS: [&str; COUNT] = [$($key,)*];

        /// Every [`Text`], in order (so that a key's index finds its variant).
        const ALL: [Text; COUNT] = [$(Text::$variant,)*];

        /// The English catalogue, in [`Text`]'s order.
        const ENGLISH: [&str; COUNT] = [$($english,)*];
    };
}

texts! {
    /// The week navigation's accessible name.
    WeekNav = "week.nav" => "Week",
    /// The button to the previous week.
    WeekPrevious = "week.previous" => "Previous week",
    /// The button back to this week.
    WeekToday = "week.today" => "Today",
    /// The button to the next week.
    WeekNext = "week.next" => "Next week",
    /// The zone the grid is shown in, when it is fixed: `{zone}`.
    ZoneShown = "zone.shown" => "Times in {zone}",
    /// The time-zone picker's label.
    ZoneLabel = "zone.label" => "Time zone",
    /// The time-zone picker's placeholder.
    ZoneSearch = "zone.search" => "Type a city or region",
    /// A zone the browser does not know: `{zone}`, and the one shown instead, `{shown}`.
    ZoneUnknown = "zone.unknown" => "The browser does not know the time zone \"{zone}\"; times are shown in {shown}.",
    /// An option that could not be used: `{attribute}`, `{value}`, `{expected}`.
    ProblemOption = "problem.option" => "{attribute}=\"{value}\" is not {expected}; using the default",
    /// No attendees configured.
    ProblemNoAttendees = "problem.no_attendees" => "No attendees are configured, so there is no availability to show.",
    /// While the week loads.
    Loading = "status.loading" => "Loading availability…",
    /// While a 429 is waited out: `{seconds}`.
    Waiting = "status.waiting" => "The calendar server asked us to wait; retrying in {seconds} s…",
    /// An attendee whose calendar could not be read: `{email}`, `{reason}`.
    AttendeeUnknown = "attendee.unknown" => "{email}: {reason}; their time is shown as unknown.",
    /// The reason for a 404.
    AttendeeNotFound = "attendee.not_found" => "no calendar found",
    /// The reason for a 401 or 403.
    AttendeeRefused = "attendee.refused" => "their calendar token was refused",
    /// After a booking: `{when}`, `{id}`.
    Booked = "booking.done" => "Booked: {when}. Reference {id}.",
    /// Still 429 after the retries.
    ErrorRateLimited = "error.rate_limited" => "The calendar server is busy (too many requests). Please try again in a minute.",
    /// A 5xx: `{status}`.
    ErrorUnavailable = "error.unavailable" => "The calendar server is unavailable right now (HTTP {status}). Please try again.",
    /// No answer at all.
    ErrorNetwork = "error.network" => "The calendar server could not be reached. Check your connection and try again.",
    /// An answer that cannot be read: `{attendee}`, `{detail}`.
    ErrorMalformed = "error.malformed" => "The calendar server sent availability for {attendee} that cannot be read ({detail}).",
    /// Another status: `{status}`.
    ErrorUnexpected = "error.unexpected" => "The calendar server answered with HTTP {status}.",
    /// The retry button.
    Retry = "error.retry" => "Try again",
    /// A 409 on booking.
    BookingConflict = "booking.conflict" => "Sorry, that slot was just taken by someone else. The week has been refreshed: please pick another slot.",
    /// A 422 on booking.
    BookingInvalid = "booking.invalid" => "Please correct the fields marked below.",
    /// The booking as "who" in an unreadable answer.
    BookingSubject = "booking.subject" => "the booking",
    /// The grid's accessible name: `{week}`.
    GridLabel = "grid.label" => "Availability, {week}",
    /// The heading of the time column.
    GridTime = "grid.time" => "Time",
    /// A day without this local time (a spring-forward gap).
    GridNoTime = "grid.no_time" => "no such time on this day (clock change)",
    /// A row for a repeated local time (fall back): `{time}`.
    GridAgain = "grid.again" => "{time} again",
    /// The days of the phone layout, as a group.
    Days = "grid.days" => "Days",
    /// When a slot is: `{day}`, `{start}`, `{end}`.
    SlotWhen = "slot.when" => "{day}, {start} to {end}",
    /// A slot's accessible name: `{when}`, `{status}`.
    SlotName = "slot.name" => "{when}, {status}",
    /// A blocked slot's accessible name: `{when}`, `{status}`, `{blockers}`.
    SlotBlocked = "slot.blocked" => "{when}, {status} ({blockers})",
    /// One attendee blocking a slot: `{attendee}`, `{status}`.
    SlotBlocker = "slot.blocker" => "{attendee} {status}",
    /// Between the items of a list.
    ListSeparator = "list.separator" => ", ",
    /// The free status.
    StatusFree = "status.free" => "free",
    /// The tentative status.
    StatusTentative = "status.tentative" => "tentative",
    /// The busy status.
    StatusBusy = "status.busy" => "busy",
    /// The unknown status.
    StatusUnknown = "status.unknown" => "unknown",
    /// A slot that has begun or ended.
    StatusPast = "status.past" => "past",
    /// Outside the hosts' rules (working hours, notice, horizon): not busy, not bookable.
    StatusUnavailable = "status.unavailable" => "unavailable",
    /// The confirm step's accessible name.
    FormLabel = "form.label" => "Confirm booking",
    /// The confirm step's title: `{when}`.
    FormTitle = "form.title" => "Book {when}",
    /// The same time in another zone: `{zone}`, `{when}`.
    FormOtherZone = "form.other_zone" => "{when} in {zone}",
    /// The name field.
    FormName = "form.name" => "Name",
    /// The email field.
    FormEmail = "form.email" => "Email",
    /// The note field.
    FormNote = "form.note" => "Note (optional)",
    /// The submit button.
    FormSubmit = "form.submit" => "Book this slot",
    /// The cancel button.
    FormCancel = "form.cancel" => "Cancel",
    /// The meeting-length choice's accessible name.
    Durations = "duration.label" => "Meeting length",
    /// One meeting length: `{minutes}`.
    DurationMinutes = "duration.minutes" => "{minutes} min",
    /// The hosts' rules share no meeting length.
    NoCommonDuration = "duration.none" => "These people offer no meeting length in common, so nothing can be booked.",
    /// The confirm step's choice of start, when a slot offers several.
    FormStart = "form.start" => "Start time",
    /// The reason for an attendee whose address is not an email address.
    AttendeeMalformed = "attendee.malformed" => "not an email address",
    /// No answer within the timeout: `{seconds}`.
    ErrorTimeout = "error.timeout" => "The calendar server did not answer within {seconds} s. Please try again.",
    /// The backend refused the page's origin (CORS); the console says what to fix.
    ErrorCors = "error.cors" => "This page is not allowed to read the calendar server (it refused the page's address). The site's owner can fix this.",
    /// A 413 on booking.
    ErrorTooLarge = "error.too_large" => "The booking is too long for the calendar server; please shorten the note.",
    /// How many attendees block a slot (`explain="count"`): `{count}`, `{total}`.
    SlotCount = "slot.count" => "{count} of {total} people",
    /// The submit button while the booking is sent.
    FormSubmitting = "form.submitting" => "Booking…",
    /// A backend that is not a web address: `{value}`.
    ProblemBackend = "problem.backend" => "backend=\"{value}\" is not a web address like https://calendar.example.com, so no availability can be shown.",
    /// After a booking: the link to its invitation as a calendar file.
    ManageCalendar = "booking.add_to_calendar" => "Add to calendar",
    /// After a booking: the link to the page that moves it.
    ManageReschedule = "booking.reschedule" => "Reschedule",
    /// After a booking: the link to the page that cancels it.
    ManageCancel = "booking.cancel" => "Cancel booking",
}

impl Text {
    /// The text with `key`, as the `messages` option names it.
    pub fn from_key(key: &str) -> Option<Text> {
        let index = KEYS.iter().position(|known| *known == key)?;
        ALL.get(index).copied()
    }

    /// The key, as the `messages` option names it.
    pub fn key(self) -> &'static str {
        KEYS.get(self as usize).copied().unwrap_or_default()
    }
}

/// The texts for one language, with the host page's overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalogue {
    built_in: &'static [&'static str; COUNT],
    overrides: Overrides,
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue::new(Language::English, Vec::new())
    }
}

impl Catalogue {
    /// The built-in catalogue of `language`, with `overrides` taking precedence.
    pub fn new(language: Language, overrides: Overrides) -> Catalogue {
        let built_in = match language {
            Language::English => &ENGLISH,
            Language::German => &de::TEXTS,
            Language::French => &fr::TEXTS,
            Language::Spanish => &es::TEXTS,
            Language::Japanese => &ja::TEXTS,
            Language::Arabic => &ar::TEXTS,
        };
        Catalogue {
            built_in,
            overrides,
        }
    }

    /// The wording of `text`, as written (placeholders included).
    pub fn get(&self, text: Text) -> &str {
        self.overrides
            .iter()
            .rev()
            .find(|(overridden, _)| *overridden == text)
            .map(|(_, wording)| wording.as_str())
            .or_else(|| self.built_in.get(text as usize).copied())
            .unwrap_or_default()
    }

    /// `text` with each `{name}` replaced by its value in `parts`; a placeholder without
    /// a value stays as written, so an override with a typo shows, rather than vanishes.
    pub fn fill(&self, text: Text, parts: &[(&str, &str)]) -> String {
        fill(self.get(text), parts)
    }
}

/// `template` with each `{name}` replaced by its value in `parts`.
fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, from_brace) = rest.split_at(open);
        out.push_str(before);
        let value = from_brace.find('}').and_then(|close| {
            let name = from_brace.get(1..close)?;
            let value = parts.iter().find(|(part, _)| *part == name)?.1;
            Some((value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = from_brace.get(close + 1..).unwrap_or_default();
            }
            None => {
                out.push('{');
                rest = from_brace.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// Wordings that replace built-in ones.
pub type Overrides = Vec<(Text, String)>;

/// Reads the `messages` option: a JSON object of strings, keys from [`KEYS`]. The
/// overrides, and the keys that are not message keys (left out); `None` when the text is
/// not such an object.
///
/// A hand-written reader of that one shape (strings only, with JSON's escapes): a JSON
/// library would cost the bundle more than the whole catalogue.
pub fn parse_overrides(json: &str) -> Option<(Overrides, Vec<String>)> {
    let mut overrides = Vec::new();
    let mut unknown = Vec::new();
    for (key, wording) in json_strings::object(json)? {
        match Text::from_key(&key) {
            Some(text) => overrides.push((text, wording)),
            None => unknown.push(key),
        }
    }
    Some((overrides, unknown))
}

/// A reader of JSON objects whose values are all strings.
mod json_strings {
    /// `{"a": "b", ...}` as pairs; `None` for anything else.
    pub fn object(text: &str) -> Option<Vec<(String, String)>> {
        let mut chars = text.trim().chars().peekable();
        let mut pairs = Vec::new();
        expect(&mut chars, '{')?;
        skip_space(&mut chars);
        if chars.peek() == Some(&'}') {
            chars.next();
        } else {
            loop {
                skip_space(&mut chars);
                let key = string(&mut chars)?;
                skip_space(&mut chars);
                expect(&mut chars, ':')?;
                skip_space(&mut chars);
                let value = string(&mut chars)?;
                pairs.push((key, value));
                skip_space(&mut chars);
                match chars.next()? {
                    ',' => continue,
                    '}' => break,
                    _ => return None,
                }
            }
        }
        skip_space(&mut chars);
        chars.next().is_none().then_some(pairs)
    }

    type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

    fn skip_space(chars: &mut Chars<'_>) {
        while chars
            .next_if(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
            .is_some()
        {}
    }

    fn expect(chars: &mut Chars<'_>, wanted: char) -> Option<()> {
        (chars.next()? == wanted).then_some(())
    }

    fn string(chars: &mut Chars<'_>) -> Option<String> {
        expect(chars, '"')?;
        let mut out = String::new();
        loop {
            match chars.next()? {
                '"' => return Some(out),
                '\\' => match chars.next()? {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let high = hex4(chars)?;
                        let code = if (0xD800..0xDC00).contains(&high) {
                            expect(chars, '\\')?;
                            expect(chars, 'u')?;
                            let low = hex4(chars)?;
                            if !(0xDC00..0xE000).contains(&low) {
                                return None;
                            }
                            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            high
                        };
                        out.push(char::from_u32(code)?);
                    }
                    _ => return None,
                },
                c if u32::from(c) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    fn hex4(chars: &mut Chars<'_>) -> Option<u32> {
        let mut value = 0;
        for _ in 0..4 {
            value = value * 16 + chars.next()?.to_digit(16)?;
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every built-in catalogue has a wording for every text, with the same placeholders
    // as the English one, so no language can drop a time or a reference number.
    #[test]
    fn every_catalogue_has_every_text_with_the_same_placeholders() {
        let placeholders = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
                .collect();
            names.sort();
            names
        };
        for language in Language::ALL {
            let catalogue = Catalogue::new(language, Vec::new());
            for (index, key) in KEYS.iter().enumerate() {
                let text = ALL[index];
                let wording = catalogue.get(text);
                assert!(
                    !wording.trim().is_empty() || text == Text::ListSeparator,
                    "{language:?} {key}"
                );
                assert_eq!(
                    placeholders(wording),
                    placeholders(ENGLISH[index]),
                    "{language:?} {key}: {wording}"
                );
            }
        }
    }

    // Keys are unique and each finds its own text.
    #[test]
    fn keys_are_unique_and_round_trip() {
        for (index, key) in KEYS.iter().enumerate() {
            assert_eq!(Text::from_key(key), Some(ALL[index]), "{key}");
            assert_eq!(ALL[index].key(), *key);
        }
        assert_eq!(Text::from_key("week.nxt"), None);
    }

    // Placeholders are filled by name; unknown ones stay visible.
    #[test]
    fn fill_replaces_named_placeholders_and_keeps_unknown_ones() {
        let catalogue = Catalogue::default();
        assert_eq!(
            catalogue.fill(Text::Booked, &[("when", "Monday 14:00"), ("id", "bk_1")]),
            "Booked: Monday 14:00. Reference bk_1."
        );
        assert_eq!(fill("{a} and {b", &[("a", "x")]), "x and {b");
        assert_eq!(fill("{nope}!", &[]), "{nope}!");
        assert_eq!(fill("{}", &[]), "{}");
    }

    // The host page's wording wins over the built-in one, in any language.
    #[test]
    fn overrides_win_over_the_built_in_wording() {
        let (overrides, unknown) =
            parse_overrides(r#"{"week.next": "Later \u00e9\"", "form.submit":"Go"}"#).unwrap();
        assert!(unknown.is_empty());
        let catalogue = Catalogue::new(Language::German, overrides);
        assert_eq!(catalogue.get(Text::WeekNext), "Later é\"");
        assert_eq!(catalogue.get(Text::FormSubmit), "Go");
        assert_eq!(catalogue.get(Text::WeekPrevious), "Vorherige Woche");
    }

    // Anything but an object of strings is refused; unknown keys are left out and named.
    #[test]
    fn bad_overrides_are_refused_and_unknown_keys_named() {
        let (overrides, unknown) =
            parse_overrides(r#"{"week.nxt": "x", "week.today": "Now"}"#).unwrap();
        assert_eq!(unknown, ["week.nxt"]);
        assert_eq!(overrides, [(Text::WeekToday, "Now".to_owned())]);
        for bad in [
            "",
            "[]",
            "{\"week.next\": 1}",
            "{\"week.next\": \"x\",}",
            "{\"a\" \"b\"}",
            "{} x",
        ] {
            assert!(parse_overrides(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_overrides(" {} ").unwrap(), (Vec::new(), Vec::new()));
        assert_eq!(
            json_strings::object(r#"{"k":"\ud83d\ude00 \n"}"#).unwrap(),
            vec![("k".to_owned(), "😀 \n".to_owned())]
        );
    }
}
