//! Every fixed text of the freebusy widget: its key (what the widget's `messages`
//! option names), its English wording, and the catalogues beyond English.
//!
//! Both sides compile this one crate. The widget compiles it without features: the
//! keys and English, which it shows until (and unless) another language's catalogue
//! arrives. The server compiles it with `translations` and serves each catalogue
//! beyond English as `GET /v1/messages/{language}`, so a widget on an English page
//! never downloads them (about 5 KB gzip of the bundle). Texts with parts that vary
//! name them in braces (`"Book {when}"`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "translations")]
mod ar;
#[cfg(feature = "translations")]
mod de;
#[cfg(feature = "translations")]
mod es;
#[cfg(feature = "translations")]
mod fr;
#[cfg(feature = "translations")]
mod ja;

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
        pub const ALL: [Text; COUNT] = [$(Text::$variant,)*];

        /// The English catalogue, in [`Text`]'s order.
        pub const ENGLISH: [&str; COUNT] = [$($english,)*];
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

/// The languages with a catalogue beyond English, by primary language subtag.
pub const TRANSLATED: [&str; 5] = ["de", "fr", "es", "ja", "ar"];

/// The catalogue of `language` (a primary language subtag, lower case: `de`, `ja`), in
/// [`Text`]'s order; English for `en`; `None` for a language without one.
#[cfg(feature = "translations")]
pub fn catalogue(language: &str) -> Option<&'static [&'static str; COUNT]> {
    match language {
        "en" => Some(&ENGLISH),
        "de" => Some(&de::TEXTS),
        "fr" => Some(&fr::TEXTS),
        "es" => Some(&es::TEXTS),
        "ja" => Some(&ja::TEXTS),
        "ar" => Some(&ar::TEXTS),
        _ => None,
    }
}

/// The catalogue of `language` as a JSON object of key and text, in [`KEYS`]' order:
/// what the server answers to `GET /v1/messages/{language}`. `None` for a language
/// without one.
#[cfg(feature = "translations")]
pub fn catalogue_json(language: &str) -> Option<String> {
    let texts = catalogue(language)?;
    let mut json = String::with_capacity(4096);
    json.push('{');
    for (index, (key, text)) in KEYS.iter().zip(texts).enumerate() {
        if index > 0 {
            json.push(',');
        }
        json_string(&mut json, key);
        json.push(':');
        json_string(&mut json, text);
    }
    json.push('}');
    Some(json)
}

/// `text` as a JSON string, onto `json`.
#[cfg(feature = "translations")]
fn json_string(json: &mut String, text: &str) {
    json.push('"');
    for c in text.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            c if u32::from(c) < 0x20 => json.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => json.push(c),
        }
    }
    json.push('"');
}

#[cfg(all(test, feature = "translations"))]
mod tests {
    use super::*;

    // Every catalogue has a wording for every text, with the same placeholders as the
    // English one, so no language can drop a time or a reference number.
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
        for language in TRANSLATED {
            let texts = catalogue(language).unwrap();
            for (index, key) in KEYS.iter().enumerate() {
                let wording = texts[index];
                assert!(
                    !wording.trim().is_empty() || ALL[index] == Text::ListSeparator,
                    "{language} {key}"
                );
                assert_eq!(
                    placeholders(wording),
                    placeholders(ENGLISH[index]),
                    "{language} {key}: {wording}"
                );
            }
        }
        assert_eq!(catalogue("en"), Some(&ENGLISH));
        assert_eq!(catalogue("xx"), None);
    }

    // The served document is a JSON object with every key, its texts escaped.
    #[test]
    fn the_served_document_escapes_quotes_and_lists_every_key() {
        let json = catalogue_json("de").unwrap();
        assert!(json.starts_with("{\"week.nav\":\"Woche\","), "{json}");
        assert!(json.contains(r#""problem.option":"{attribute}=\"{value}\" ist nicht"#));
        assert_eq!(json.matches("\":\"").count(), COUNT);
        let mut out = String::new();
        json_string(&mut out, "a\\b\n");
        assert_eq!(out, r#""a\\b\u000a""#);
        assert_eq!(catalogue_json("xx"), None);
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
}
