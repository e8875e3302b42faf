//! The languages Auskunft speaks, and how a requested language tag is matched against them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language (or language variety) that content or dialogue texts can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Lang {
    /// German, the master language of all content.
    #[serde(rename = "de")]
    De,
    /// English.
    #[serde(rename = "en")]
    En,
    /// Leichte Sprache: easy German with short sentences and no jargon.
    #[serde(rename = "de-leicht")]
    DeLeicht,
    /// Ukrainian (dialogue texts).
    #[serde(rename = "uk")]
    Uk,
    /// Arabic (dialogue texts), written right to left.
    #[serde(rename = "ar")]
    Ar,
}

impl Lang {
    /// Every language, German first.
    pub const ALL: [Lang; 5] = [Lang::De, Lang::En, Lang::DeLeicht, Lang::Uk, Lang::Ar];

    /// The languages the search index covers: content and example questions are written in these
    /// (Leichte Sprache is searched as German).
    pub const SEARCHABLE: [Lang; 4] = [Lang::De, Lang::En, Lang::Uk, Lang::Ar];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
            Lang::DeLeicht => "de-leicht",
            Lang::Uk => "uk",
            Lang::Ar => "ar",
        }
    }

    /// The language knowledge content falls back to when it is not written in this one.
    pub fn content_fallback(self) -> Lang {
        match self {
            Lang::De | Lang::DeLeicht => Lang::De,
            Lang::En | Lang::Uk | Lang::Ar => Lang::En,
        }
    }

    /// The language whose search analysis (stop words, stemming) applies to this one.
    pub fn search_lang(self) -> Lang {
        match self {
            Lang::De | Lang::DeLeicht => Lang::De,
            other => other,
        }
    }

    /// The language a text's script names: Arabic or Ukrainian (Cyrillic) when most of its letters are
    /// in that script; none for Latin script (German or English, which only the words tell apart).
    pub fn by_script(text: &str) -> Option<Lang> {
        let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
        if letters.is_empty() {
            return None;
        }
        let share = |test: fn(char) -> bool| {
            letters.iter().filter(|c| test(**c)).count() as f32 / letters.len() as f32
        };
        if share(is_arabic) > 0.5 {
            Some(Lang::Ar)
        } else if share(is_cyrillic) > 0.5 {
            Some(Lang::Uk)
        } else {
            None
        }
    }

    /// Matches a requested tag (`de-DE`, `en_GB`, `EN`, `de-leicht`) to a language Auskunft speaks.
    /// Returns `None` for tags that name no language offered.
    pub fn negotiate(requested: &str) -> Option<Lang> {
        let normalised = requested.trim().replace('_', "-").to_ascii_lowercase();
        if normalised == "de-leicht" || normalised == "de-x-ls" || normalised == "de-ls" {
            return Some(Lang::DeLeicht);
        }
        let primary = normalised.split('-').next().unwrap_or_default();
        match primary {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            "uk" => Some(Lang::Uk),
            "ar" => Some(Lang::Ar),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// The error for a tag that names no language Auskunft speaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language '{0}': use one of de, en, de-leicht, uk, ar")]
pub struct UnsupportedLang(pub String);

impl FromStr for Lang {
    type Err = UnsupportedLang;

    fn from_str(tag: &str) -> Result<Lang, UnsupportedLang> {
        Lang::negotiate(tag).ok_or_else(|| UnsupportedLang(tag.to_string()))
    }
}

/// Letters of the Arabic script blocks.
pub fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Letters of the Cyrillic script blocks.
pub fn is_cyrillic(c: char) -> bool {
    matches!(c as u32, 0x0400..=0x052F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_and_case_variants_negotiate_to_the_offered_language() {
        assert_eq!(Lang::negotiate("de-DE"), Some(Lang::De));
        assert_eq!(Lang::negotiate("en_GB"), Some(Lang::En));
        assert_eq!(Lang::negotiate("EN"), Some(Lang::En));
        assert_eq!(Lang::negotiate("de-leicht"), Some(Lang::DeLeicht));
        assert_eq!(Lang::negotiate("fr"), None);
        assert_eq!(Lang::negotiate(""), None);
    }

    #[test]
    fn every_tag_parses_back_to_its_language() {
        for lang in Lang::ALL {
            assert_eq!(lang.tag().parse::<Lang>(), Ok(lang));
        }
    }
}
