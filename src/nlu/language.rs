//! Which language a message is in: the script decides Arabic and Ukrainian (Cyrillic); lingua, restricted
//! to the languages offered, decides between German and English; a client's language tag is negotiated
//! with unic-langid against the languages offered.

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};
use unic_langid::LanguageIdentifier;

use super::classifier::{Classifier, Example};
use crate::lang::Lang;

/// The confidence lingua must reach before a message's language overrides the conversation's.
const DETECTION_CONFIDENCE: f64 = 0.9;

/// The probability the phrase model (trained on the intent examples) must reach for short messages.
const PHRASE_CONFIDENCE: f32 = 0.8;

/// Detects message languages.
pub struct LanguageDetection {
    detector: LanguageDetector,
    /// A phrase model of German and English trained on the intent examples: it knows the everyday
    /// phrases ("Hello", "Danke") that are too short for lingua.
    phrases: Option<Classifier>,
}

impl Default for LanguageDetection {
    fn default() -> Self {
        LanguageDetection::new(&[])
    }
}

impl LanguageDetection {
    /// A detector for German and English (lingua, models loaded now rather than on first use), with a
    /// phrase model trained on `(text, language tag)` examples; Arabic and Ukrainian go by script.
    pub fn new(examples: &[(String, Lang)]) -> LanguageDetection {
        let detector =
            LanguageDetectorBuilder::from_languages(&[Language::German, Language::English])
                .with_preloaded_language_models()
                .build();
        let training: Vec<Example> = examples
            .iter()
            .filter(|(_, lang)| matches!(lang, Lang::De | Lang::En))
            .map(|(text, lang)| Example {
                text: text.clone(),
                intent: lang.tag().to_string(),
            })
            .collect();
        let phrases = (!training.is_empty()).then(|| Classifier::train(&training));
        LanguageDetection { detector, phrases }
    }

    /// The phrase model's language, when it is sure.
    fn by_phrase(&self, text: &str) -> Option<Lang> {
        let ranked = self.phrases.as_ref()?.classify(text);
        let (tag, probability) = ranked.first()?;
        (*probability >= PHRASE_CONFIDENCE)
            .then(|| Lang::negotiate(tag))
            .flatten()
    }

    /// The language of a message, when it is clear: Arabic or Cyrillic script, or German/English with
    /// enough confidence and at least two words. `None` for short or mixed messages.
    pub fn detect(&self, text: &str) -> Option<Lang> {
        // Codes, keys, dates and numbers ("T-KMXP-4821 483920") say nothing about the language.
        let words: Vec<&str> = text
            .split_whitespace()
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .collect();
        let text = words.join(" ");
        let text = text.as_str();
        if text.chars().all(|c| !c.is_alphabetic()) {
            return None;
        }
        if let Some(lang) = Lang::by_script(text) {
            return Some(lang);
        }
        if text.split_whitespace().count() < 2 {
            return self.by_phrase(text);
        }
        let confidences = self.detector.compute_language_confidence_values(text);
        let (language, confidence) = confidences.first()?;
        if *confidence < DETECTION_CONFIDENCE {
            return self.by_phrase(text);
        }
        // Other languages exist when another crate enables more of lingua's language features.
        #[allow(unreachable_patterns)]
        match language {
            Language::German => Some(Lang::De),
            Language::English => Some(Lang::En),
            _ => None,
        }
    }
}

/// Negotiates a client's language tag (BCP 47, e.g. `de-AT`, `en-US`, `uk`, `ar-EG`, `de-leicht`) against
/// the languages offered, with unic-langid: the first offered language whose language subtag matches.
pub fn negotiate(requested: &str) -> Option<Lang> {
    let normalised = requested.trim().replace('_', "-");
    if let Some(lang) = Lang::negotiate(&normalised).filter(|l| *l == Lang::DeLeicht) {
        return Some(lang);
    }
    let identifier: LanguageIdentifier = normalised.parse().ok()?;
    Lang::ALL
        .into_iter()
        .filter(|lang| *lang != Lang::DeLeicht)
        .find(|lang| {
            let offered: LanguageIdentifier = lang.tag().parse().expect("offered tags are valid");
            identifier.matches(&offered, true, true)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection() -> LanguageDetection {
        let examples: Vec<(String, Lang)> = [
            ("Hallo", Lang::De),
            ("Guten Tag", Lang::De),
            ("Danke", Lang::De),
            ("Wie beantrage ich das?", Lang::De),
            ("Wo ist das Amt?", Lang::De),
            ("Was kostet das?", Lang::De),
            ("Hello", Lang::En),
            ("Good morning", Lang::En),
            ("Thank you", Lang::En),
            ("How do I apply?", Lang::En),
            ("Where is the office?", Lang::En),
            ("What does it cost?", Lang::En),
        ]
        .into_iter()
        .map(|(text, lang)| (text.to_string(), lang))
        .collect();
        LanguageDetection::new(&examples)
    }

    #[test]
    fn scripts_decide_arabic_and_ukrainian() {
        let detection = detection();
        assert_eq!(detection.detect("أريد تجديد جواز السفر"), Some(Lang::Ar));
        assert_eq!(
            detection.detect("Як отримати посвідку на проживання?"),
            Some(Lang::Uk)
        );
    }

    #[test]
    fn german_and_english_sentences_are_told_apart() {
        let detection = detection();
        assert_eq!(
            detection.detect("Wie beantrage ich einen neuen Personalausweis?"),
            Some(Lang::De)
        );
        assert_eq!(
            detection.detect("I would like to know how long the processing takes"),
            Some(Lang::En)
        );
        assert_eq!(
            detection.detect("Hello"),
            Some(Lang::En),
            "everyday phrases are known"
        );
        assert_eq!(
            detection.detect("Perso"),
            None,
            "one unknown word is too little to tell"
        );
    }

    #[test]
    fn codes_keys_and_numbers_tell_no_language() {
        let detection = detection();
        for text in [
            "T-PTKY-9540 217073",
            "K-WXYZ-0001 000000",
            "24.12.2026 10:15",
            "04109",
        ] {
            assert_eq!(detection.detect(text), None, "{text}");
        }
        assert_eq!(
            detection.detect("T-PTKY-9540 Wie beantrage ich einen neuen Personalausweis?"),
            Some(Lang::De)
        );
    }

    #[test]
    fn client_tags_are_negotiated_against_the_offered_languages() {
        assert_eq!(negotiate("de-AT"), Some(Lang::De));
        assert_eq!(negotiate("en_US"), Some(Lang::En));
        assert_eq!(negotiate("uk-UA"), Some(Lang::Uk));
        assert_eq!(negotiate("ar"), Some(Lang::Ar));
        assert_eq!(negotiate("de-leicht"), Some(Lang::DeLeicht));
        assert_eq!(negotiate("fr-FR"), None);
        assert_eq!(negotiate("!!"), None);
    }
}
