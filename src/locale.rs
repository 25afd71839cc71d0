//! The visitor's locale as the widget uses it: which built-in catalogue, which writing
//! direction, and (where the browser cannot say) which first day of the week. Pure; the
//! browser's part (which locale, and formatting in it) is in [`crate::intl`].

use chrono::Weekday;

/// A language with a message catalogue (English built in, the others from the server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// English, also for every language without a catalogue of its own.
    English,
    /// German.
    German,
    /// French.
    French,
    /// Spanish.
    Spanish,
    /// Japanese.
    Japanese,
    /// Arabic.
    Arabic,
}

impl Language {
    /// Every language with a catalogue.
    pub const ALL: [Language; 6] = [
        Language::English,
        Language::German,
        Language::French,
        Language::Spanish,
        Language::Japanese,
        Language::Arabic,
    ];

    /// The primary subtag whose catalogue the server serves (`GET /v1/messages/de`);
    /// `None` for English, which is compiled in.
    pub fn catalogue(self) -> Option<&'static str> {
        match self {
            Language::English => None,
            Language::German => Some("de"),
            Language::French => Some("fr"),
            Language::Spanish => Some("es"),
            Language::Japanese => Some("ja"),
            Language::Arabic => Some("ar"),
        }
    }
}

/// A BCP 47 language tag (`de-DE`, `ar-EG`, `ja`), with what the widget derives from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locale {
    tag: String,
    language: Language,
    right_to_left: bool,
}

/// Languages written right to left (their primary subtags), after CLDR's
/// `characterOrder`; and scripts written so, for tags like `pa-Arab`.
const RIGHT_TO_LEFT_LANGUAGES: [&str; 12] = [
    "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ps", "sd", "ug", "ur", "yi",
];
const RIGHT_TO_LEFT_SCRIPTS: [&str; 6] = ["arab", "hebr", "thaa", "syrc", "nkoo", "adlm"];

impl Locale {
    /// The locale `tag` names (`de-DE`, `en_GB`, `AR`); an empty tag is English.
    pub fn new(tag: &str) -> Locale {
        let tag = tag.trim().replace('_', "-");
        let tag = if tag.is_empty() { "en".to_owned() } else { tag };
        let lower = tag.to_ascii_lowercase();
        let mut subtags = lower.split('-');
        let primary = subtags.next().unwrap_or_default();
        let language = match primary {
            "de" => Language::German,
            "fr" => Language::French,
            "es" => Language::Spanish,
            "ja" => Language::Japanese,
            "ar" => Language::Arabic,
            _ => Language::English,
        };
        let script = subtags.find(|subtag| subtag.len() == 4);
        let right_to_left = match script {
            Some(script) => RIGHT_TO_LEFT_SCRIPTS.contains(&script),
            None => RIGHT_TO_LEFT_LANGUAGES.contains(&primary),
        };
        Locale {
            tag,
            language,
            right_to_left,
        }
    }

    /// The tag, as given to `Intl` and the `lang` attribute.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The built-in catalogue for it (English when there is none).
    pub fn language(&self) -> Language {
        self.language
    }

    /// Whether its script runs right to left (the `dir` attribute).
    pub fn right_to_left(&self) -> bool {
        self.right_to_left
    }
}

/// Regions whose week starts on Sunday, after CLDR's `weekData` (`firstDay`).
const SUNDAY_REGIONS: [&str; 55] = [
    "AG", "AS", "BD", "BR", "BS", "BT", "BW", "BZ", "CA", "CO", "DM", "DO", "ET", "GT", "GU", "HK",
    "HN", "ID", "IL", "IN", "JM", "JP", "KE", "KH", "KR", "LA", "MH", "MM", "MO", "MT", "MX", "MZ",
    "NI", "NP", "PA", "PE", "PH", "PK", "PR", "PT", "PY", "SA", "SG", "SV", "TH", "TT", "TW", "UM",
    "US", "VE", "VI", "WS", "YE", "ZA", "ZW",
];
/// Regions whose week starts on Saturday, after CLDR's `weekData`.
const SATURDAY_REGIONS: [&str; 14] = [
    "AF", "BH", "DJ", "DZ", "EG", "IQ", "IR", "JO", "KW", "LY", "OM", "QA", "SD", "SY",
];

/// The first day of the week in `region` (an ISO 3166 code, any case), after CLDR:
/// Sunday in the United States, Israel or Japan, Saturday in Egypt, Friday in the
/// Maldives, Monday elsewhere. For browsers whose `Intl.Locale` has no week info
/// (Firefox); the others answer from their own CLDR data.
pub fn first_day_in_region(region: &str) -> Weekday {
    let region = region.to_ascii_uppercase();
    if SUNDAY_REGIONS.contains(&region.as_str()) {
        Weekday::Sun
    } else if SATURDAY_REGIONS.contains(&region.as_str()) {
        Weekday::Sat
    } else if region == "MV" {
        Weekday::Fri
    } else {
        Weekday::Mon
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Where the browser has no week info, the region decides as CLDR does.
    #[test]
    fn the_first_day_follows_the_region() {
        assert_eq!(first_day_in_region("US"), Weekday::Sun);
        assert_eq!(first_day_in_region("il"), Weekday::Sun);
        assert_eq!(first_day_in_region("EG"), Weekday::Sat);
        assert_eq!(first_day_in_region("DE"), Weekday::Mon);
        assert_eq!(first_day_in_region("GB"), Weekday::Mon);
        assert_eq!(first_day_in_region("MV"), Weekday::Fri);
        assert_eq!(first_day_in_region(""), Weekday::Mon);
    }

    // A locale picks its language's catalogue by the primary subtag, in any case.
    #[test]
    fn the_catalogue_follows_the_primary_subtag() {
        assert_eq!(Locale::new("de-DE").language(), Language::German);
        assert_eq!(Locale::new("de-CH").language(), Language::German);
        assert_eq!(Locale::new("FR_ca").language(), Language::French);
        assert_eq!(Locale::new("es-419").language(), Language::Spanish);
        assert_eq!(Locale::new("ja-JP").language(), Language::Japanese);
        assert_eq!(Locale::new("ar-EG").language(), Language::Arabic);
        assert_eq!(Locale::new("pt-BR").language(), Language::English);
        assert_eq!(Locale::new("").tag(), "en");
        assert_eq!(Locale::new("en_GB").tag(), "en-GB");
    }

    // Arabic, Hebrew and Persian run right to left; so does any tag in an Arabic script,
    // and a Latin-script tag of an RTL language does not.
    #[test]
    fn direction_follows_the_language_or_its_script() {
        for tag in [
            "ar",
            "ar-EG",
            "he-IL",
            "fa",
            "ur-PK",
            "pa-Arab",
            "uz-Arab-AF",
        ] {
            assert!(Locale::new(tag).right_to_left(), "{tag}");
        }
        for tag in ["en-US", "de", "ja", "az-Latn", "ku-Latn-TR"] {
            assert!(!Locale::new(tag).right_to_left(), "{tag}");
        }
    }
}
