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
        // Times and dates as people say them ("halb 10", "viertel nach 3", "3 pm", "um 10", "3. Dezember",
        // "in drei Tagen").
        for (span, value) in spoken_times(&folded) {
            found.push(Entity {
                kind: "time".to_string(),
                value,
                span,
            });
        }
        for (span, date) in spoken_dates(&folded, today) {
            found.push(Entity {
                kind: "date".to_string(),
                value: date.to_string(),
                span,
            });
        }
        // "8.12. 9:30": the "8.12" inside a date is no time; a time inside a longer time ("halb 10"
        // holds "10") is the longer one's.
        let spans = |kind: &str, found: &[Entity]| -> Vec<(usize, usize)> {
            found
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.span)
                .collect()
        };
        let dates = spans("date", &found);
        let times = spans("time", &found);
        found.retain(|e| {
            e.kind != "time"
                || (!dates.iter().any(|d| overlaps(*d, e.span))
                    && !times
                        .iter()
                        .any(|t| *t != e.span && t.0 <= e.span.0 && e.span.1 <= t.1))
        });
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
        // Relative days and weekdays are dates too ("nächste Woche Dienstag": the Tuesday of next week).
        let next_week = NEXT_WEEK.iter().any(|phrase| folded.contains(phrase));
        let dates: Vec<Entity> = found
            .iter()
            .filter_map(|entity| {
                let date = match entity.kind.as_str() {
                    "relative_day" => today + Duration::days(entity.value.parse().ok()?),
                    "weekday" if next_week => {
                        let weekday = entity.value.parse::<Weekday>().ok()?;
                        let monday = today
                            + Duration::days(7 - today.weekday().num_days_from_monday() as i64);
                        monday + Duration::days(weekday.num_days_from_monday() as i64)
                    }
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
            // Spans of another text (a message before a part was taken off) are skipped, never a panic.
            if end > folded.len()
                || !folded.is_char_boundary(start)
                || !folded.is_char_boundary(end)
            {
                continue;
            }
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

/// Phrases (folded) that move a weekday to next week.
const NEXT_WEEK: &[&str] = &[
    "naechste woche",
    "naechsten woche",
    "kommende woche",
    "kommenden woche",
    "next week",
    "наступного тижня",
    "наступному тижні",
    "الاسبوع القادم",
    "الاسبوع المقبل",
];

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Number words up to twelve (folded; German, English, Ukrainian) as numbers.
fn number_word(word: &str) -> Option<u32> {
    let n = match word {
        "eins" | "ein" | "eine" | "one" | "один" | "одна" => 1,
        "zwei" | "two" | "два" | "дві" => 2,
        "drei" | "three" | "три" => 3,
        "vier" | "four" | "чотири" => 4,
        "fuenf" | "five" | "пять" | "п'ять" => 5,
        "sechs" | "six" | "шість" => 6,
        "sieben" | "seven" | "сім" => 7,
        "acht" | "eight" | "вісім" => 8,
        "neun" | "nine" | "девять" | "дев'ять" => 9,
        "zehn" | "ten" | "десять" => 10,
        "elf" | "eleven" | "одинадцять" => 11,
        "zwoelf" | "twelve" | "дванадцять" => 12,
        _ => word.parse().ok()?,
    };
    Some(n)
}

/// An hour said without am/pm, as office hours mean it: "um 3" and "halb 4" are in the afternoon.
fn office_hour(hour: u32) -> u32 {
    if (1..=6).contains(&hour) {
        hour + 12
    } else {
        hour
    }
}

fn hhmm(hour: u32, minute: u32) -> Option<String> {
    (hour < 24 && minute < 60).then(|| format!("{hour:02}:{minute:02}"))
}

/// Spoken and 12-hour times in a folded message: "halb 10" (9:30), "viertel nach 10", "viertel vor
/// 10", "viertel 11" and "dreiviertel 11" (East German: 10:15, 10:45), "3 pm", "10am", "10:30 a.m.",
/// "um 10", "at 10", "о 10", "الساعة 10".
fn spoken_times(folded: &str) -> Vec<((usize, usize), String)> {
    static PATTERN: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        let number = r"(\d{1,2}|eins|ein|zwei|drei|vier|fuenf|sechs|sieben|acht|neun|zehn|elf|zwoelf|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)";
        Regex::new(&format!(
            r"\b(?:(?P<half>halb)\s+{number}|viertel\s+(?P<rel>nach|vor)\s+{number}|(?P<three>drei ?viertel)\s+{number}|(?P<quarter>viertel)\s+{number}|(?P<h12>\d{{1,2}})(?::(?P<m12>[0-5]\d))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)|(?P<at>um|at|gegen|о|об|الساعه)\s+(?P<hat>\d{{1,2}})(?:[:.](?P<mat>[0-5]\d))?)(?:\s*uhr)?(?P<end>\b|$)"
        ))
        .expect("the spoken time pattern compiles")
    });
    let mut times = Vec::new();
    for caps in PATTERN.captures_iter(folded) {
        let whole = caps.get(0).expect("a match");
        // The number after the marker word: the first numbered group that matched.
        let number = (1..caps.len())
            .filter_map(|i| caps.get(i))
            .filter(|m| !m.as_str().is_empty())
            .find_map(|m| {
                number_word(m.as_str()).filter(|_| {
                    ![
                        "halb",
                        "nach",
                        "vor",
                        "viertel",
                        "dreiviertel",
                        "drei viertel",
                    ]
                    .contains(&m.as_str())
                })
            });
        let value = if caps.name("half").is_some() {
            number
                .map(office_hour)
                .and_then(|h| hhmm((h + 23) % 24, 30))
        } else if let Some(rel) = caps.name("rel") {
            number.map(office_hour).and_then(|h| match rel.as_str() {
                "nach" => hhmm(h, 15),
                _ => hhmm((h + 23) % 24, 45),
            })
        } else if caps.name("three").is_some() {
            number
                .map(office_hour)
                .and_then(|h| hhmm((h + 23) % 24, 45))
        } else if caps.name("quarter").is_some() {
            number
                .map(office_hour)
                .and_then(|h| hhmm((h + 23) % 24, 15))
        } else if let Some(ampm) = caps.name("ampm") {
            let hour: u32 = caps["h12"].parse().unwrap_or(99);
            let minute: u32 = caps
                .name("m12")
                .map_or(0, |m| m.as_str().parse().unwrap_or(99));
            let pm = ampm.as_str().starts_with('p');
            match hour {
                1..=11 if pm => hhmm(hour + 12, minute),
                12 if !pm => hhmm(0, minute),
                1..=12 => hhmm(hour, minute),
                _ => None,
            }
        } else if let Some(hour) = caps.name("hat") {
            let hour: u32 = hour.as_str().parse().unwrap_or(99);
            let minute: u32 = caps
                .name("mat")
                .map_or(0, |m| m.as_str().parse().unwrap_or(99));
            hhmm(office_hour(hour), minute)
        } else {
            None
        };
        if let Some(value) = value {
            times.push(((whole.start(), whole.end()), value));
        }
    }
    times
}

/// Month names (folded prefixes of at least three letters; German, English, Ukrainian genitive).
fn month(word: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &["jan", "січ"],
        &["feb", "лют"],
        &["maer", "mar", "бер"],
        &["apr", "кві"],
        &["mai", "may", "тра"],
        &["jun", "чер"],
        &["jul", "лип"],
        &["aug", "сер"],
        &["sep", "вер"],
        &["okt", "oct", "жов"],
        &["nov", "лис"],
        &["dez", "dec", "гру"],
    ];
    let prefix: String = word.chars().take(3).collect();
    let prefix4: String = word.chars().take(4).collect();
    MONTHS
        .iter()
        .position(|names| names.contains(&prefix.as_str()) || names.contains(&prefix4.as_str()))
        .map(|i| i as u32 + 1)
}

/// Dates with month names ("3. Dezember", "December 3rd", "3 грудня") and relative ones ("in drei
/// Tagen", "in 2 days"), resolved against `today`.
fn spoken_dates(folded: &str, today: NaiveDate) -> Vec<((usize, usize), NaiveDate)> {
    static PATTERN: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(
            r"\b(?:(?P<d1>\d{1,2})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(?P<m1>[a-z\p{Cyrillic}]{3,})(?:\s+(?P<y1>\d{4}))?|(?P<m2>[a-z]{3,})\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{4}))?|in\s+(?P<n>\d{1,2}|zwei|drei|vier|fuenf|sechs|sieben|two|three|four|five|six|seven)\s+(?:tagen|days))\b",
        )
        .expect("the spoken date pattern compiles")
    });
    let mut dates = Vec::new();
    for caps in PATTERN.captures_iter(folded) {
        let whole = caps.get(0).expect("a match");
        let date = if let Some(n) = caps.name("n") {
            number_word(n.as_str()).map(|n| today + Duration::days(n as i64))
        } else {
            let (day, name, year) = match (caps.name("d1"), caps.name("m1")) {
                (Some(d), Some(m)) => (d, m, caps.name("y1")),
                _ => match (caps.name("d2"), caps.name("m2")) {
                    (Some(d), Some(m)) => (d, m, caps.name("y2")),
                    _ => continue,
                },
            };
            let (Some(month), Ok(day)) = (month(name.as_str()), day.as_str().parse::<u32>()) else {
                continue;
            };
            // "3 mal" or "10 tage" is no date: only real month names count.
            if !is_month_name(name.as_str()) {
                continue;
            }
            match year.and_then(|y| y.as_str().parse::<i32>().ok()) {
                Some(year) => NaiveDate::from_ymd_opt(year, month, day),
                None => NaiveDate::from_ymd_opt(today.year(), month, day)
                    .filter(|d| *d >= today)
                    .or_else(|| NaiveDate::from_ymd_opt(today.year() + 1, month, day)),
            }
        };
        if let Some(date) = date {
            dates.push(((whole.start(), whole.end()), date));
        }
    }
    dates
}

/// Whether a folded word is a month's name or its usual abbreviation.
fn is_month_name(word: &str) -> bool {
    const NAMES: &[&str] = &[
        "januar",
        "jan",
        "january",
        "februar",
        "feb",
        "february",
        "maerz",
        "mar",
        "march",
        "april",
        "apr",
        "mai",
        "may",
        "juni",
        "jun",
        "june",
        "juli",
        "jul",
        "july",
        "august",
        "aug",
        "september",
        "sep",
        "sept",
        "oktober",
        "okt",
        "oct",
        "october",
        "november",
        "nov",
        "dezember",
        "dez",
        "dec",
        "december",
        "січня",
        "лютого",
        "березня",
        "квітня",
        "травня",
        "червня",
        "липня",
        "серпня",
        "вересня",
        "жовтня",
        "листопада",
        "грудня",
    ];
    NAMES.contains(&word)
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
            // Two digits: this century unless that lies more than a year ahead ("3.4.85" is 1985, a
            // birth date; "24.12.26" is 2026).
            let year = match year {
                0..=99 if 2000 + year > today.year() + 1 => 1900 + year,
                0..=99 => 2000 + year,
                _ => year,
            };
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
    fn times_and_dates_as_people_type_them() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(); // a Monday
        let all = entities();
        let values = |text: &str, kind: &str| -> Vec<String> {
            all.extract(text, today)
                .into_iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.value)
                .collect()
        };
        for (text, time) in [
            ("halb 10", "09:30"),
            ("um halb drei", "14:30"),
            ("viertel nach 10", "10:15"),
            ("viertel vor 12", "11:45"),
            ("viertel elf", "10:15"),
            ("dreiviertel elf", "10:45"),
            ("3 pm", "15:00"),
            ("10am", "10:00"),
            ("10:30 a.m.", "10:30"),
            ("12 pm", "12:00"),
            ("um 3", "15:00"),
            ("um 10 Uhr", "10:00"),
            ("at 9", "09:00"),
            ("о 10:30", "10:30"),
            ("الساعة ١٠", "10:00"),
        ] {
            assert_eq!(values(text, "time"), vec![time.to_string()], "{text}");
        }
        // "8.12. 9:30": the date holds no time "08:12".
        assert_eq!(values("8.12. 9:30", "time"), vec!["09:30".to_string()]);
        assert_eq!(values("8.12. 9:30", "date"), vec!["2026-12-08".to_string()]);
        for (text, date) in [
            ("3.4.85", "1985-04-03"),
            ("24.12.26", "2026-12-24"),
            ("3. Dezember", "2026-12-03"),
            ("December 3rd", "2026-12-03"),
            ("3 грудня", "2026-12-03"),
            ("in drei Tagen", "2026-11-26"),
            ("nächste Woche Dienstag", "2026-12-01"),
            ("next week Friday", "2026-12-04"),
            ("у вівторок", "2026-11-24"),
            ("в п'ятницю", "2026-11-27"),
            ("завтра", "2026-11-24"),
            ("الخميس", "2026-11-26"),
            ("بعد غد", "2026-11-25"),
        ] {
            assert!(
                values(text, "date").contains(&date.to_string()),
                "{text}: {:?}",
                values(text, "date")
            );
        }
        // Counts, prices and codes are no times or dates.
        for text in [
            "3 Ausfertigungen",
            "kostet 10 Euro",
            "Kassenzeichen 1234567890",
            "3 mal",
        ] {
            assert!(values(text, "time").is_empty(), "{text}");
            assert!(values(text, "date").is_empty(), "{text}");
        }
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
        // Spans that do not fit the text (found in a longer one) are left out, not a panic.
        let stray = Entity {
            kind: "language".into(),
            value: "uk".into(),
            span: (40, 66),
        };
        assert_eq!(
            Entities::without("порадьте стоматолога", &[&stray]),
            "порадьте стоматолога"
        );
    }
}
