//! Entities in citizens' messages: regular expressions (e-mail, postcode, Kassenzeichen, tracking number,
//! course number, time, date) and word lists (level, weekday, time of day, relative day, yes/no/cancel ...)
//! from intents/entities.toml, plus lookups built from the knowledge base (offices). Dates are resolved
//! against a reference day.

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::knowledge::analysis::fold;

/// One entity found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// The entity type (`email`, `level`, `date` ...).
    pub kind: String,
    /// The normalised value (`A1`, `Mon`, `2026-11-24`, the e-mail address ...).
    pub value: String,
    /// Byte range in the folded message.
    pub span: (usize, usize),
}

/// The entity types of intents/entities.toml.
#[derive(Debug)]
pub struct Entities {
    patterns: Vec<(String, Regex)>,
    /// Per kind: (folded phrase, value), longest phrases first.
    words: BTreeMap<String, Vec<(String, String)>>,
    /// Every phrase of every word list in one automaton, so a message is scanned once; pattern `i` is
    /// `phrases[i]` = (kind, value).
    automaton: AhoCorasick,
    phrases: Vec<(String, String)>,
}

/// The file's shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitiesFile {
    #[serde(default)]
    patterns: BTreeMap<String, String>,
    #[serde(default)]
    words: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Entities {
    /// Compiles the patterns; a pattern that does not compile is an error naming it.
    pub fn new(file: EntitiesFile) -> Result<Entities, String> {
        let mut patterns = Vec::new();
        for (kind, pattern) in file.patterns {
            let regex = RegexBuilder::new(&pattern)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("pattern `{kind}` does not compile: {e}"))?;
            patterns.push((kind, regex));
        }
        let mut words = BTreeMap::new();
        for (kind, values) in file.words {
            let mut phrases: Vec<(String, String)> = values
                .into_iter()
                .flat_map(|(value, phrases)| {
                    phrases.into_iter().map(move |p| (fold(&p), value.clone()))
                })
                .collect();
            phrases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
            words.insert(kind, phrases);
        }
        let mut entities = Entities {
            patterns,
            words,
            automaton: AhoCorasick::new(Vec::<String>::new()).expect("empty automaton"),
            phrases: Vec::new(),
        };
        entities.rebuild();
        Ok(entities)
    }

    /// Rebuilds the automaton after the word lists changed.
    fn rebuild(&mut self) {
        let mut patterns = Vec::new();
        self.phrases.clear();
        for (kind, list) in &self.words {
            for (phrase, value) in list {
                patterns.push(phrase.clone());
                self.phrases.push((kind.clone(), value.clone()));
            }
        }
        self.automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("word lists compile into an automaton");
    }

    /// Adds a word list built from data (e.g. office names), merged with any list of that kind.
    pub fn add_words(&mut self, kind: &str, phrases: impl IntoIterator<Item = (String, String)>) {
        let list = self.words.entry(kind.to_string()).or_default();
        list.extend(
            phrases
                .into_iter()
                .map(|(phrase, value)| (fold(&phrase), value))
                .filter(|(p, _)| !p.is_empty()),
        );
        list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        list.dedup();
        self.rebuild();
    }

    /// Whether an entity type exists (a pattern, a word list, or a computed type such as `date`).
    pub fn knows(&self, kind: &str) -> bool {
        self.patterns.iter().any(|(k, _)| k == kind) || self.words.contains_key(kind)
    }

    /// Every entity in a message. Dates ("morgen", "Montag", "3.12.") are resolved against `today`.
    pub fn extract(&self, text: &str, today: NaiveDate) -> Vec<Entity> {
        let folded = fold(text);
        let mut found = Vec::new();
        for (kind, regex) in &self.patterns {
            for m in regex.find_iter(&folded) {
                let value = match kind.as_str() {
                    "date" => match parse_date(m.as_str(), today) {
                        Some(date) => date.to_string(),
                        None => continue,
                    },
                    "time" => match parse_time(m.as_str()) {
                        Some(time) => time,
                        None => continue,
                    },
                    "kassenzeichen" => m.as_str().chars().filter(char::is_ascii_digit).collect(),
                    _ => m.as_str().trim().to_string(),
                };
                found.push(Entity {
                    kind: kind.clone(),
                    value,
                    span: (m.start(), m.end()),
                });
            }
        }
        // All phrases in one pass (overlapping matches), then per kind the longest non-overlapping ones
        // at word boundaries.
        let mut candidates: Vec<(usize, usize, usize)> = self
            .automaton
            .find_overlapping_iter(&folded)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .filter(|&(_, start, end)| {
                !folded[..start]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
                    && !folded[end..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric)
            })
            .collect();
        candidates.sort_by(|a, b| (b.2 - b.1).cmp(&(a.2 - a.1)).then(a.1.cmp(&b.1)));
        let mut taken: Vec<(&str, usize, usize)> = Vec::new();
        for (pattern, start, end) in candidates {
            let (kind, value) = &self.phrases[pattern];
            if taken
                .iter()
                .any(|(k, s, e)| *k == kind.as_str() && start < *e && end > *s)
            {
                continue;
            }
            taken.push((kind, start, end));
            found.push(Entity {
                kind: kind.clone(),
                value: value.clone(),
                span: (start, end),
            });
        }
        // Relative days and weekdays are dates too.
        let dates: Vec<Entity> = found
            .iter()
            .filter_map(|entity| {
                let date = match entity.kind.as_str() {
                    "relative_day" => today + Duration::days(entity.value.parse().ok()?),
                    "weekday" => next_weekday(today, entity.value.parse::<Weekday>().ok()?),
                    _ => return None,
                };
                Some(Entity {
                    kind: "date".to_string(),
                    value: date.to_string(),
                    span: entity.span,
                })
            })
            .collect();
        found.extend(dates);
        found.sort_by_key(|entity| entity.span);
        found
    }

    /// The folded message with the spans of the given entities removed (what is left is the topic).
    pub fn without(text: &str, entities: &[&Entity]) -> String {
        let folded = fold(text);
        let mut rest = String::new();
        let mut at = 0;
        let mut spans: Vec<(usize, usize)> = entities.iter().map(|e| e.span).collect();
        spans.sort();
        for (start, end) in spans {
            if start >= at {
                rest.push_str(&folded[at..start]);
                rest.push(' ');
                at = end;
            }
        }
        rest.push_str(&folded[at.min(folded.len())..]);
        rest.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// The next day (today counts) that falls on `weekday`.
fn next_weekday(today: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() as i64
        - today.weekday().num_days_from_monday() as i64)
        % 7;
    today + Duration::days(ahead)
}

/// "3.12.", "03.12.2026", "3.12.26": the date, in the coming twelve months when the year is left out.
fn parse_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let parts: Vec<&str> = text.split('.').collect();
    let day: u32 = parts.first()?.parse().ok()?;
    let month: u32 = parts.get(1)?.parse().ok()?;
    match parts.get(2).filter(|y| !y.is_empty()) {
        Some(year) => {
            let year: i32 = year.parse().ok()?;
            let year = if year < 100 { 2000 + year } else { year };
            NaiveDate::from_ymd_opt(year, month, day)
        }
        None => {
            let this_year = NaiveDate::from_ymd_opt(today.year(), month, day)?;
            if this_year >= today {
                Some(this_year)
            } else {
                NaiveDate::from_ymd_opt(today.year() + 1, month, day)
            }
        }
    }
}

/// "9:30", "14.00", "9 uhr": HH:MM.
fn parse_time(text: &str) -> Option<String> {
    let digits: Vec<&str> = text
        .trim_end_matches("uhr")
        .trim()
        .split([':', '.'])
        .collect();
    let hour: u32 = digits.first()?.trim().parse().ok()?;
    let minute: u32 = digits.get(1).map_or(Some(0), |m| m.trim().parse().ok())?;
    (hour < 24 && minute < 60).then(|| format!("{hour:02}:{minute:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entities() -> Entities {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/intents/entities.toml"
        ))
        .unwrap();
        Entities::new(toml::from_str(&text).unwrap()).unwrap()
    }

    fn kinds(found: &[Entity]) -> Vec<(String, String)> {
        found
            .iter()
            .map(|e| (e.kind.clone(), e.value.clone()))
            .collect()
    }

    #[test]
    fn patterns_and_word_lists_are_found_and_normalised() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(); // a Monday
        let found = entities().extract(
            "Spanisch für Anfänger, dienstags abends; Mail an anna@example.org",
            today,
        );
        let found = kinds(&found);
        assert!(found.contains(&("level".into(), "A1".into())), "{found:?}");
        assert!(
            found.contains(&("weekday".into(), "Tue".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("time_of_day".into(), "evening".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("email".into(), "anna@example.org".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("date".into(), "2026-11-24".into())),
            "Tuesday is a date too: {found:?}"
        );
    }

    #[test]
    fn dates_and_times_resolve_against_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let found = kinds(&entities().extract("morgen um 9:30 oder am 3.1. um 14 Uhr", today));
        assert!(
            found.contains(&("date".into(), "2026-11-24".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("date".into(), "2027-01-03".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("time".into(), "09:30".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("time".into(), "14:00".into())),
            "{found:?}"
        );
    }

    #[test]
    fn words_match_whole_words_only() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let found = kinds(&entities().extract("Kanada", today));
        assert!(!found.iter().any(|(k, _)| k == "no"), "{found:?}");
        let rest = Entities::without(
            "Spanisch für Anfänger abends",
            &entities()
                .extract("Spanisch für Anfänger abends", today)
                .iter()
                .collect::<Vec<_>>(),
        );
        assert_eq!(rest, "spanisch fuer");
    }
}
