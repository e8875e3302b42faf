//! Offices as answers: opening hours in OpenStreetMap syntax evaluated with the `opening-hours` crate
//! ("open now", "next opening", German public holidays), office cards, and finding the office a question
//! names ("Bürgerbüro Grünau", "Wo ist das Standesamt?").

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use chrono_tz::Tz;
use opening_hours::OpeningHours;
use opening_hours::localization::Country;

use super::analysis::Analyzer;
use super::matcher::{DocTerms, Matcher};
use super::model::{Lexicon, Office, localized};
use crate::lang::Lang;
use auskunft_channel::{Card, Link};

/// The city's time zone: opening hours are local times.
pub const TIME_ZONE: Tz = chrono_tz::Europe::Berlin;

/// Parses opening hours in OpenStreetMap syntax, with German public holidays for `PH`.
pub fn parse_hours(hours: &str) -> Result<OpeningHours, String> {
    let parsed = hours
        .parse::<OpeningHours>()
        .map_err(|error| error.to_string())?;
    Ok(
        parsed
            .with_context(opening_hours::Context::default().with_holidays(Country::DE.holidays())),
    )
}

/// Whether an office is open at a moment, and when that changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenState {
    /// Open now, until the given local time (if it closes within a week).
    Open(Option<NaiveDateTime>),
    /// Closed now, opening at the given local time (if within a week).
    Closed(Option<NaiveDateTime>),
}

/// The office's state at `now`, or `None` when its hours are not known in machine-readable form.
pub fn open_state(office: &Office, now: DateTime<Utc>) -> Option<OpenState> {
    let hours = parse_hours(office.opening_hours.as_deref()?).ok()?;
    let local = now.with_timezone(&TIME_ZONE).naive_local();
    let change = hours
        .next_change(local)
        .filter(|at| *at - local <= chrono::Duration::days(7));
    Some(if hours.is_open(local) {
        OpenState::Open(change)
    } else {
        OpenState::Closed(change)
    })
}

fn weekday_name(at: NaiveDateTime, lang: Lang) -> &'static str {
    let german = [
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
    ];
    let english = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let index = at.weekday().num_days_from_monday() as usize;
    if lang.content_fallback() == Lang::De {
        german[index]
    } else {
        english[index]
    }
}

/// "Jetzt geöffnet (bis 18:00 Uhr)" / "Jetzt geschlossen; öffnet Montag 08:00 Uhr", or in English.
pub fn describe_state(state: &OpenState, now: DateTime<Utc>, lang: Lang) -> String {
    let german = lang.content_fallback() == Lang::De;
    let today = now.with_timezone(&TIME_ZONE).date_naive();
    let when = |at: &NaiveDateTime| {
        let time = at.format("%H:%M");
        match (at.date() == today, german) {
            (true, true) => format!("heute {time} Uhr"),
            (true, false) => format!("today {time}"),
            (false, true) => format!("{} {time} Uhr", weekday_name(*at, lang)),
            (false, false) => format!("{} {time}", weekday_name(*at, lang)),
        }
    };
    match (state, german) {
        (OpenState::Open(Some(until)), true) => format!("Jetzt geöffnet (bis {})", when(until)),
        (OpenState::Open(Some(until)), false) => format!("Open now (until {})", when(until)),
        (OpenState::Open(None), true) => "Jetzt geöffnet".to_string(),
        (OpenState::Open(None), false) => "Open now".to_string(),
        (OpenState::Closed(Some(opens)), true) => {
            format!("Jetzt geschlossen; öffnet {}", when(opens))
        }
        (OpenState::Closed(Some(opens)), false) => format!("Closed now; opens {}", when(opens)),
        (OpenState::Closed(None), true) => "Jetzt geschlossen".to_string(),
        (OpenState::Closed(None), false) => "Closed now".to_string(),
    }
}

/// The card of an office: address, hours (with "open now" where the hours are known), transit,
/// accessibility, contact and the booking link.
pub fn office_card(office: &Office, now: DateTime<Utc>, lang: Lang) -> Card {
    let german = lang.content_fallback() == Lang::De;
    let mut lines = Vec::new();
    if !office.street.is_empty() {
        lines.push(office.address());
    }
    if let Some(state) = open_state(office, now) {
        lines.push(describe_state(&state, now, lang));
    }
    if let Some(hours) = &office.opening_hours {
        lines.push(format!(
            "{}: {hours}",
            if german {
                "Öffnungszeiten"
            } else {
                "Opening hours"
            }
        ));
    }
    if let Some(note) = localized(&office.opening_hours_note, lang) {
        lines.push(note.to_string());
    }
    for (label_de, label_en, map) in [
        ("Anfahrt", "Getting there", &office.transit),
        ("Barrierefreiheit", "Accessibility", &office.accessibility),
    ] {
        if let Some(text) = localized(map, lang) {
            lines.push(format!(
                "{}: {text}",
                if german { label_de } else { label_en }
            ));
        }
    }
    let contact: Vec<&str> = [&office.phone, &office.email]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if !contact.is_empty() {
        lines.push(format!(
            "{}: {}",
            if german { "Kontakt" } else { "Contact" },
            contact.join(", ")
        ));
    }
    let link = office.appointments_url.as_ref().map(|url| Link {
        label: if german {
            "Termin buchen"
        } else {
            "Book an appointment"
        }
        .to_string(),
        url: url.clone(),
    });
    let link = link.or_else(|| {
        office.url.as_ref().map(|url| Link {
            label: "Web".to_string(),
            url: url.clone(),
        })
    });
    Card {
        title: office.name(lang).to_string(),
        passage: lines.join("\n"),
        fees: Vec::new(),
        documents: Vec::new(),
        office: None,
        link,
        source_url: office.source_url.clone(),
        as_of: office.as_of.to_string(),
        source_note: localized(&office.source_note, lang).map(str::to_string),
    }
}

/// Facets an office card answers for any office.
const ANSWERED_FACETS: [&str; 4] = ["place", "hours", "time", "presence"];

/// A found office.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeHit {
    /// The office's position in the knowledge base's office list.
    pub index: usize,
    /// How much of the question the office covers.
    pub confidence: f32,
    /// How closely the question matches one of the office's names (0 to 1).
    pub phrase: f32,
}

/// Finds offices by name, district, kind and street, in German and English questions.
pub struct OfficeDirectory {
    /// One analyzer and matcher per search language.
    languages: Vec<(Analyzer, Matcher)>,
}

impl OfficeDirectory {
    /// Indexes the offices with each language's lexicon (German names, and the English names).
    pub fn new(
        offices: &[Office],
        lexicons: &std::collections::HashMap<Lang, Lexicon>,
    ) -> OfficeDirectory {
        let texts: Vec<String> = offices.iter().map(office_title_text).collect();
        let languages = Lang::SEARCHABLE
            .into_iter()
            .map(|lang| {
                let lexicon = lexicons.get(&lang).cloned().unwrap_or_default();
                let analyzer = Analyzer::new(lang, &lexicon, texts.iter().map(String::as_str));
                let docs = offices
                    .iter()
                    .map(|office| {
                        let mut titles: Vec<String> = office.names.values().cloned().collect();
                        titles.extend(office.synonyms.iter().cloned());
                        titles.extend(office.district.iter().cloned());
                        titles.push(office.street.clone());
                        let text = localized(&office.transit, lang).unwrap_or_default();
                        DocTerms::new(&analyzer, titles.iter().map(String::as_str), text)
                    })
                    .collect();
                (analyzer, Matcher::new(docs))
            })
            .collect();
        OfficeDirectory { languages }
    }

    /// Offices the question names, best first (at least `min_confidence` of the question covered), in the
    /// language whose analysis covers the question best.
    pub fn find(&self, question: &str, min_confidence: f32) -> (Vec<OfficeHit>, Lang) {
        let mut best: (Vec<OfficeHit>, Lang) = (Vec::new(), Lang::De);
        for (analyzer, matcher) in &self.languages {
            let full = analyzer.analyze_query(question);
            // Where and when an office is open is what every office card answers: such words are covered.
            let mut analyzed = full.clone();
            analyzed.words.retain(|word| {
                !word
                    .facet
                    .as_deref()
                    .is_some_and(|facet| ANSWERED_FACETS.contains(&facet))
            });
            let hits: Vec<OfficeHit> = matcher
                .rank(&analyzed, min_confidence)
                .into_iter()
                .map(|(index, confidence, _)| OfficeHit {
                    index,
                    confidence,
                    phrase: matcher.phrase_match(&full, index),
                })
                .collect();
            let top = |hits: &[OfficeHit]| hits.first().map_or(0.0, |h| h.confidence);
            if top(&hits) > top(&best.0) {
                best = (hits, analyzer.lang());
            }
        }
        best
    }
}

fn office_title_text(office: &Office) -> String {
    let mut text: Vec<&str> = office.names.values().map(String::as_str).collect();
    text.extend(office.district.as_deref());
    text.push(&office.street);
    text.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    fn office(hours: Option<&str>) -> Office {
        Office {
            id: "buergertelefon-115".into(),
            kind: "other".into(),
            names: BTreeMap::from([(Lang::De, "Bürgertelefon 115".to_string())]),
            synonyms: Vec::new(),
            service: None,
            street: String::new(),
            postcode: None,
            city: "Leipzig".into(),
            district: None,
            opening_hours: hours.map(String::from),
            opening_hours_note: BTreeMap::new(),
            phone: Some("0341 115".into()),
            email: None,
            url: None,
            appointments_url: None,
            transit: BTreeMap::new(),
            accessibility: BTreeMap::new(),
            counters: None,
            source_url: "https://www.115.de".into(),
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            source_note: BTreeMap::new(),
        }
    }

    #[test]
    fn open_now_and_the_next_opening_follow_local_time() {
        let office = office(Some("Mo-Fr 08:00-18:00; PH off"));
        // Monday 23 November 2026, 10:00 in Leipzig (09:00 UTC in winter).
        let monday_morning = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let state = open_state(&office, monday_morning).unwrap();
        assert_eq!(
            describe_state(&state, monday_morning, Lang::De),
            "Jetzt geöffnet (bis heute 18:00 Uhr)"
        );
        // Saturday 28 November 2026, noon.
        let saturday = Utc.with_ymd_and_hms(2026, 11, 28, 11, 0, 0).unwrap();
        let state = open_state(&office, saturday).unwrap();
        assert_eq!(
            describe_state(&state, saturday, Lang::De),
            "Jetzt geschlossen; öffnet Montag 08:00 Uhr"
        );
        assert_eq!(
            describe_state(&state, saturday, Lang::En),
            "Closed now; opens Monday 08:00"
        );
        // 17:30 local time is 16:30 UTC in winter: still open.
        let late = Utc.with_ymd_and_hms(2026, 11, 23, 16, 30, 0).unwrap();
        assert!(matches!(
            open_state(&office, late),
            Some(OpenState::Open(_))
        ));
    }

    #[test]
    fn public_holidays_are_closed_days() {
        let office = office(Some("Mo-Fr 08:00-18:00; PH off"));
        // Friday 25 December 2026, Christmas Day.
        let christmas = Utc.with_ymd_and_hms(2026, 12, 25, 10, 0, 0).unwrap();
        assert!(matches!(
            open_state(&office, christmas),
            Some(OpenState::Closed(_))
        ));
    }

    #[test]
    fn offices_without_machine_readable_hours_have_no_state() {
        assert_eq!(open_state(&office(None), Utc::now()), None);
        assert!(parse_hours("Mo-Fr 8 bis 18").is_err());
    }
}
