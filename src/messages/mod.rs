//! Every fixed text the widget shows or announces, in a message catalogue.
//!
//! Dates, times, day and month names come from the browser's `Intl` (see
//! [`crate::intl`]); everything else — buttons, statuses, the form, errors and
//! announcements — is a [`Text`] looked up in a [`Catalogue`]: English, German, French,
//! Spanish, Japanese or Arabic, chosen from the locale, with any string overridden by
//! the host page's `messages` option. Texts with parts that vary name them in braces
//! (`"Book {when}"`), filled by [`Catalogue::fill`].
//!
//! Only English is compiled in. The keys and texts live in the `freebusy-messages`
//! crate, which the server compiles with every catalogue and serves as
//! `GET {backend}/v1/messages/{language}` ([`crate::fetch::catalogue`]): the widget reads
//! the visitor's language from the server it already talks to (no new `connect-src`), in
//! parallel with the first week, and shows nothing until both are there (no flash of
//! English). A catalogue that cannot be read leaves English. That keeps the other five
//! (about 5 KB gzip) out of the bundle.

pub use freebusy_messages::{COUNT, ENGLISH, KEYS, TRANSLATED, Text};

use std::rc::Rc;

/// The texts for one language: the host page's overrides, over the language's
/// catalogue as the server sent it, over English.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalogue {
    translation: Rc<Overrides>,
    overrides: Overrides,
}

impl Catalogue {
    /// English, with `overrides` taking precedence.
    pub fn new(overrides: Overrides) -> Catalogue {
        Catalogue {
            translation: Rc::default(),
            overrides,
        }
    }

    /// The same overrides over `translation` (a language's catalogue as read from the
    /// server); a text it lacks stays English.
    pub fn translated(&self, translation: Rc<Overrides>) -> Catalogue {
        Catalogue {
            translation,
            overrides: self.overrides.clone(),
        }
    }

    /// The wording of `text`, as written (placeholders included).
    pub fn get(&self, text: Text) -> &str {
        find(&self.overrides, text)
            .or_else(|| find(&self.translation, text))
            .or_else(|| ENGLISH.get(text as usize).copied())
            .unwrap_or_default()
    }

    /// `text` with each `{name}` replaced by its value in `parts`; a placeholder without
    /// a value stays as written, so an override with a typo shows, rather than vanishes.
    pub fn fill(&self, text: Text, parts: &[(&str, &str)]) -> String {
        fill(self.get(text), parts)
    }
}

/// The last wording of `text` in `texts`.
fn find(texts: &[(Text, String)], text: Text) -> Option<&str> {
    texts
        .iter()
        .rev()
        .find(|(found, _)| *found == text)
        .map(|(_, wording)| wording.as_str())
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

/// The catalogue of `language` as the widget reads it from the server.
#[cfg(test)]
pub(crate) fn translation(language: &str) -> Rc<Overrides> {
    let served = freebusy_messages::catalogue_json(language).unwrap_or_default();
    Rc::new(parse_overrides(&served).unwrap_or_default().0)
}

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

    // A catalogue as the server serves it, read as the widget reads it.
    #[test]
    fn a_served_catalogue_reads_as_its_language_and_lacking_texts_stay_english() {
        let german = translation("de");
        assert_eq!(german.len(), COUNT);
        let mut partial = (*german).clone();
        partial.retain(|(text, _)| *text != Text::WeekToday);
        let catalogue = Catalogue::new(Vec::new()).translated(Rc::new(partial));
        assert_eq!(catalogue.get(Text::WeekNext), "Nächste Woche");
        assert_eq!(catalogue.get(Text::WeekToday), "Today");
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
        let catalogue = Catalogue::new(overrides).translated(translation("de"));
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
