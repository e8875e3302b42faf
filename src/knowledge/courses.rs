//! The Volkshochschule's course catalogue: imported from the KuferSQL XML export that VHS course systems
//! produce (`kurs` elements with knr, titellang, inhalt, beginndat, endedat, termine, ortname, gebnorm,
//! geberm, tnmax, tnanmeldungen ...), and searched by topic, level, weekday, time of day and place.

use std::path::Path;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::Serialize;

use super::analysis::Analyzer;
use super::load::Problem;
use super::matcher::{DocTerms, Matcher};
use super::model::Lexicon;
use crate::lang::Lang;

/// One course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Course {
    /// The course number (knr), unique.
    pub id: String,
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// The subject area (Sprachen, Gesundheit, Kultur ...).
    pub area: String,
    /// The level: a CEFR level (A1 ... C2) for languages, else Einsteiger, Fortgeschrittene or alle.
    pub level: String,
    /// First session.
    pub start: NaiveDate,
    /// Last session.
    pub end: NaiveDate,
    /// Number of sessions.
    pub sessions: u32,
    /// The weekdays of the sessions.
    pub weekdays: Vec<Weekday>,
    /// Start time of a session.
    pub time_from: NaiveTime,
    /// End time of a session.
    pub time_to: NaiveTime,
    /// Where: a VHS site, or "online".
    pub place: String,
    /// The room, if any.
    pub room: Option<String>,
    /// The normal fee in cents.
    pub fee_cents: i64,
    /// The reduced fee in cents.
    pub reduced_fee_cents: i64,
    /// Seats.
    pub seats: u32,
    /// Registrations in the export (the course system's count when it was exported).
    pub registered: u32,
    /// The export says it is invented sample data (`<kufer quelle="Beispieldaten">`): the course does
    /// not exist, and citizens are told so.
    pub sample: bool,
}

impl Course {
    /// Whether the course is held online.
    pub fn online(&self) -> bool {
        self.place.trim().eq_ignore_ascii_case("online")
    }

    /// Seats still free according to the export.
    pub fn free_seats(&self) -> u32 {
        self.seats.saturating_sub(self.registered)
    }
}

/// The part of the day a course takes place in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeOfDay {
    /// Starts before noon.
    Morning,
    /// Starts between noon and 5 pm.
    Afternoon,
    /// Starts at 5 pm or later.
    Evening,
}

impl TimeOfDay {
    /// The part of the day a start time falls in.
    pub fn of(time: NaiveTime) -> TimeOfDay {
        let hour = chrono::Timelike::hour(&time);
        match hour {
            0..=11 => TimeOfDay::Morning,
            12..=16 => TimeOfDay::Afternoon,
            _ => TimeOfDay::Evening,
        }
    }

    /// Parses morning/vormittag, afternoon/nachmittag, evening/abend.
    pub fn parse(text: &str) -> Option<TimeOfDay> {
        match text.trim().to_lowercase().as_str() {
            "morning" | "vormittag" | "vormittags" | "morgens" => Some(TimeOfDay::Morning),
            "afternoon" | "nachmittag" | "nachmittags" => Some(TimeOfDay::Afternoon),
            "evening" | "abend" | "abends" => Some(TimeOfDay::Evening),
            _ => None,
        }
    }
}

/// Parses a weekday: Mo Di Mi Do Fr Sa So, or English (mon, monday ...).
pub fn parse_weekday(text: &str) -> Option<Weekday> {
    let lower = text.trim().to_lowercase();
    let weekday = match lower.as_str() {
        "mo" | "montag" | "montags" | "mon" | "monday" => Weekday::Mon,
        "di" | "dienstag" | "dienstags" | "tue" | "tuesday" => Weekday::Tue,
        "mi" | "mittwoch" | "mittwochs" | "wed" | "wednesday" => Weekday::Wed,
        "do" | "donnerstag" | "donnerstags" | "thu" | "thursday" => Weekday::Thu,
        "fr" | "freitag" | "freitags" | "fri" | "friday" => Weekday::Fri,
        "sa" | "samstag" | "samstags" | "sonnabend" | "sat" | "saturday" => Weekday::Sat,
        "so" | "sonntag" | "sonntags" | "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    };
    Some(weekday)
}

/// Parses the weekday field of the export: "Mo", "Mo-Fr" or "Mo,Mi".
fn parse_weekdays(text: &str) -> Option<Vec<Weekday>> {
    if let Some((from, to)) = text.split_once('-') {
        let (from, to) = (parse_weekday(from)?, parse_weekday(to)?);
        let mut days = vec![from];
        let mut day = from;
        while day != to {
            day = day.succ();
            days.push(day);
        }
        return Some(days);
    }
    text.split(',').map(parse_weekday).collect()
}

/// Parses a German amount ("89,00", "1.250,50") into cents.
fn parse_german_amount(text: &str) -> Option<i64> {
    let (euros, cents) = text.trim().split_once(',').unwrap_or((text.trim(), "00"));
    let mut groups = euros.split('.');
    let first = groups.next()?;
    let first_ok =
        !first.is_empty() && first.len() <= 3 || !euros.contains('.') && !first.is_empty();
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !first_ok || !digits(first) || !groups.all(|g| g.len() == 3 && digits(g)) {
        return None;
    }
    if cents.len() != 2 || !digits(cents) {
        return None;
    }
    Some(euros.replace('.', "").parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
}

/// Imports every `kurs` of a KuferSQL XML export. Problems are reported with the line of the element.
pub fn import_kufer(xml: &str, file: &Path) -> Result<Vec<Course>, Vec<Problem>> {
    let document = match roxmltree::Document::parse(xml) {
        Ok(document) => document,
        Err(error) => {
            return Err(vec![Problem {
                file: file.to_path_buf(),
                line: error.pos().row as usize,
                message: format!("not well-formed XML: {error}"),
            }]);
        }
    };
    let mut courses = Vec::new();
    let mut problems = Vec::new();
    let root = document.root_element();
    let sample = root
        .attribute("quelle")
        .is_some_and(|q| q.trim().eq_ignore_ascii_case("beispieldaten"))
        || root.attribute("sample") == Some("true");
    let line_of = |node: roxmltree::Node| document.text_pos_at(node.range().start).row as usize;
    for kurs in document.descendants().filter(|n| n.has_tag_name("kurs")) {
        let line = line_of(kurs);
        let mut problem = |message: String| {
            problems.push(Problem {
                file: file.to_path_buf(),
                line,
                message,
            })
        };
        let field = |name: &str| -> Option<String> {
            kurs.children()
                .find(|n| n.has_tag_name(name))
                .map(|n| n.text().unwrap_or_default().trim().to_string())
        };
        let knr = field("knr").unwrap_or_default();
        let label = if knr.is_empty() {
            "a course".to_string()
        } else {
            format!("course {knr}")
        };
        let mut required = |name: &str| -> Option<String> {
            match field(name) {
                Some(value) if !value.is_empty() => Some(value),
                _ => {
                    problem(format!("{label}: missing <{name}>"));
                    None
                }
            }
        };
        let (Some(title), Some(description), Some(area), Some(level)) = (
            required("titellang"),
            required("inhalt"),
            required("fachbereich"),
            required("stufe"),
        ) else {
            continue;
        };
        let (Some(start), Some(end), Some(sessions), Some(weekdays)) = (
            required("beginndat"),
            required("endedat"),
            required("termine"),
            required("wochentag"),
        ) else {
            continue;
        };
        let (Some(time_from), Some(time_to), Some(place)) = (
            required("zeitvon"),
            required("zeitbis"),
            required("ortname"),
        ) else {
            continue;
        };
        let (Some(fee), Some(reduced), Some(seats), Some(registered)) = (
            required("gebnorm"),
            required("geberm"),
            required("tnmax"),
            required("tnanmeldungen"),
        ) else {
            continue;
        };
        let mut invalid = |name: &str, value: &str, expected: &str| {
            problems.push(Problem {
                file: file.to_path_buf(),
                line,
                message: format!("{label}: <{name}> '{value}' is not {expected}"),
            });
        };
        let date = |value: &str| NaiveDate::parse_from_str(value, "%d.%m.%Y").ok();
        let time = |value: &str| NaiveTime::parse_from_str(value, "%H:%M").ok();
        let parsed = (
            date(&start),
            date(&end),
            sessions.parse::<u32>().ok(),
            parse_weekdays(&weekdays),
            time(&time_from),
            time(&time_to),
            parse_german_amount(&fee),
            parse_german_amount(&reduced),
            seats.parse::<u32>().ok(),
            registered.parse::<u32>().ok(),
        );
        let (
            Some(start_date),
            Some(end_date),
            Some(sessions),
            Some(weekdays),
            Some(time_from),
            Some(time_to),
            Some(fee_cents),
            Some(reduced_fee_cents),
            Some(seats),
            Some(registered),
        ) = parsed
        else {
            let checks = [
                (
                    "beginndat",
                    start.as_str(),
                    parsed.0.is_some(),
                    "a date like 01.02.2027",
                ),
                (
                    "endedat",
                    end.as_str(),
                    parsed.1.is_some(),
                    "a date like 01.02.2027",
                ),
                ("termine", sessions.as_str(), parsed.2.is_some(), "a number"),
                (
                    "wochentag",
                    weekdays.as_str(),
                    parsed.3.is_some(),
                    "a weekday like Mo, Mo-Fr or Mo,Mi",
                ),
                (
                    "zeitvon",
                    time_from.as_str(),
                    parsed.4.is_some(),
                    "a time like 18:00",
                ),
                (
                    "zeitbis",
                    time_to.as_str(),
                    parsed.5.is_some(),
                    "a time like 19:30",
                ),
                (
                    "gebnorm",
                    fee.as_str(),
                    parsed.6.is_some(),
                    "an amount like 89,00",
                ),
                (
                    "geberm",
                    reduced.as_str(),
                    parsed.7.is_some(),
                    "an amount like 62,30",
                ),
                ("tnmax", seats.as_str(), parsed.8.is_some(), "a number"),
                (
                    "tnanmeldungen",
                    registered.as_str(),
                    parsed.9.is_some(),
                    "a number",
                ),
            ];
            for (name, value, ok, expected) in checks {
                if !ok {
                    invalid(name, value, expected);
                }
            }
            continue;
        };
        if end_date < start_date {
            invalid("endedat", &end, "on or after <beginndat>");
            continue;
        }
        if seats == 0 {
            invalid("tnmax", "0", "at least 1");
            continue;
        }
        if courses.iter().any(|c: &Course| c.id == knr) {
            invalid("knr", &knr, "unique (it is used twice)");
            continue;
        }
        courses.push(Course {
            id: knr,
            title,
            description,
            area,
            level,
            start: start_date,
            end: end_date,
            sessions,
            weekdays,
            time_from,
            time_to,
            place,
            room: field("ortraumname").filter(|r| !r.is_empty()),
            fee_cents,
            reduced_fee_cents,
            seats,
            registered,
            sample,
        });
    }
    if problems.is_empty() {
        Ok(courses)
    } else {
        Err(problems)
    }
}

/// What to look for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseQuery {
    /// Topic words ("Spanisch", "Töpfern").
    pub text: Option<String>,
    /// Levels, any of which fits (A1 ... C2, Einsteiger, Fortgeschrittene); empty for any level.
    pub levels: Vec<String>,
    /// A weekday.
    pub weekday: Option<Weekday>,
    /// A part of the day.
    pub time_of_day: Option<TimeOfDay>,
    /// Words of the place ("Grünau", "online").
    pub place: Option<String>,
    /// Only courses with free seats.
    pub available_only: bool,
}

/// A course that matches, with how well its topic matches (1 when no topic was asked for).
#[derive(Debug, Clone, PartialEq)]
pub struct CourseHit<'a> {
    /// The course.
    pub course: &'a Course,
    /// How much of the topic words the course covers.
    pub confidence: f32,
}

/// The courses with their search terms.
pub struct CourseCatalog {
    courses: Vec<Course>,
    analyzer: Analyzer,
    matcher: Matcher,
}

/// The least share of the topic words a course must cover to be found.
const MIN_TOPIC_CONFIDENCE: f32 = 0.45;

impl CourseCatalog {
    /// Indexes courses with the German lexicon (course texts are German).
    pub fn new(courses: Vec<Course>, lexicon: &Lexicon) -> CourseCatalog {
        let texts: Vec<String> = courses
            .iter()
            .map(|c| format!("{} {} {} {}", c.title, c.area, c.level, c.description))
            .collect();
        let analyzer = Analyzer::new(Lang::De, lexicon, texts.iter().map(String::as_str));
        let docs = courses
            .iter()
            .map(|course| {
                let text = format!("{} {} {}", course.description, course.place, course.level);
                DocTerms::new(
                    &analyzer,
                    [course.title.as_str(), course.area.as_str()],
                    &text,
                )
            })
            .collect();
        CourseCatalog {
            matcher: Matcher::new(docs),
            analyzer,
            courses,
        }
    }

    /// The topic words of a request ("Ich suche einen Spanischkurs" → "spanischkurs"): its meaningful words
    /// without course words ("Kurs", "lernen") and stop words. With `strict`, only words the catalogue
    /// knows and that tell courses apart count ("VHS" is on every course, "Volkshochschule" on none);
    /// `None` when nothing is left.
    pub fn topic_of(&self, text: &str, strict: bool) -> Option<String> {
        let analyzed = self.analyzer.analyze_query(text);
        let half = (self.courses.len() / 2).max(1) as u32;
        let words: Vec<String> = analyzed
            .words
            .into_iter()
            .filter(|w| w.facet.is_none())
            .filter(|w| {
                !strict
                    || w.known
                        && w.terms
                            .first()
                            .is_some_and(|(term, _)| self.matcher.document_frequency(term) <= half)
            })
            .map(|w| w.surface)
            .collect();
        (!words.is_empty()).then(|| words.join(" "))
    }

    /// Every course, in catalogue order.
    pub fn courses(&self) -> &[Course] {
        &self.courses
    }

    /// The course with this number.
    pub fn course(&self, id: &str) -> Option<&Course> {
        self.courses.iter().find(|c| c.id == id)
    }

    /// Courses starting on or after `today` that fit the query: best topic match first, then by start.
    pub fn search(&self, query: &CourseQuery, today: NaiveDate) -> Vec<CourseHit<'_>> {
        let topic = query
            .text
            .as_deref()
            .map(|text| self.analyzer.analyze_query(text));
        let topic = topic.filter(|analyzed| analyzed.words.iter().any(|w| w.facet.is_none()));
        let place = query.place.as_deref().map(super::analysis::fold);
        let levels: Vec<String> = query
            .levels
            .iter()
            .map(|l| l.trim().to_lowercase())
            .collect();
        let mut hits: Vec<CourseHit> = self
            .courses
            .iter()
            .enumerate()
            .filter(|(_, c)| c.start >= today)
            .filter(|(_, c)| levels.is_empty() || levels.contains(&c.level.to_lowercase()))
            .filter(|(_, c)| query.weekday.is_none_or(|d| c.weekdays.contains(&d)))
            .filter(|(_, c)| {
                query
                    .time_of_day
                    .is_none_or(|t| TimeOfDay::of(c.time_from) == t)
            })
            .filter(|(_, c)| {
                place
                    .as_deref()
                    .is_none_or(|p| super::analysis::fold(&c.place).contains(p))
            })
            .filter(|(_, c)| !query.available_only || c.free_seats() > 0)
            .filter_map(|(index, course)| {
                let confidence = match &topic {
                    None => 1.0,
                    Some(analyzed) => {
                        let confidence = self.matcher.confidence(analyzed, index);
                        if confidence < MIN_TOPIC_CONFIDENCE {
                            return None;
                        }
                        confidence * (0.5 + self.matcher.phrase_match(analyzed, index))
                    }
                };
                Some(CourseHit { course, confidence })
            })
            .collect();
        hits.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then(a.course.start.cmp(&b.course.start))
                .then(a.course.id.cmp(&b.course.id))
        });
        hits
    }
}

/// Loads every `*.xml` export in a directory; a missing directory means no courses.
pub fn load_courses(dir: &Path) -> Result<Vec<Course>, Vec<Problem>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect(),
        Err(error) => {
            return Err(vec![Problem {
                file: dir.to_path_buf(),
                line: 1,
                message: format!("cannot read: {error}"),
            }]);
        }
    };
    files.sort();
    let mut courses: Vec<Course> = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        match std::fs::read_to_string(&file) {
            Ok(xml) => match import_kufer(&xml, &file) {
                Ok(imported) => {
                    for course in imported {
                        if courses.iter().any(|c| c.id == course.id) {
                            problems.push(Problem {
                                file: file.clone(),
                                line: 1,
                                message: format!("course {} is also in another export", course.id),
                            });
                        } else {
                            courses.push(course);
                        }
                    }
                }
                Err(mut found) => problems.append(&mut found),
            },
            Err(error) => problems.push(Problem {
                file,
                line: 1,
                message: format!("cannot read the file: {error}"),
            }),
        }
    }
    if problems.is_empty() {
        Ok(courses)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<kufer export="kurse">
  <kurs>
    <knr>27F10101</knr>
    <titellang>Spanisch A1 – Einstieg</titellang>
    <inhalt>Für Anfängerinnen und Anfänger ohne Vorkenntnisse.</inhalt>
    <fachbereich>Sprachen</fachbereich>
    <stufe>A1</stufe>
    <beginndat>01.02.2027</beginndat>
    <endedat>12.04.2027</endedat>
    <termine>10</termine>
    <wochentag>Mo</wochentag>
    <zeitvon>18:00</zeitvon>
    <zeitbis>19:30</zeitbis>
    <ortname>VHS Leipzig, Löhrstraße 3-7</ortname>
    <ortraumname>Raum 2.14</ortraumname>
    <gebnorm>89,00</gebnorm>
    <geberm>62,30</geberm>
    <tnmax>14</tnmax>
    <tnanmeldungen>9</tnanmeldungen>
  </kurs>
  <kurs>
    <knr>27F30201</knr>
    <titellang>Töpfern an der Drehscheibe</titellang>
    <inhalt>Gefäße aus Ton formen.</inhalt>
    <fachbereich>Kultur</fachbereich>
    <stufe>Einsteiger</stufe>
    <beginndat>06.03.2027</beginndat>
    <endedat>06.03.2027</endedat>
    <termine>1</termine>
    <wochentag>Sa</wochentag>
    <zeitvon>10:00</zeitvon>
    <zeitbis>16:00</zeitbis>
    <ortname>VHS Leipzig, Außenstelle Grünau</ortname>
    <gebnorm>39,00</gebnorm>
    <geberm>27,30</geberm>
    <tnmax>8</tnmax>
    <tnanmeldungen>8</tnanmeldungen>
  </kurs>
</kufer>"#;

    fn catalog() -> CourseCatalog {
        let courses = import_kufer(EXPORT, Path::new("kurse.xml")).unwrap();
        let lexicon = Lexicon {
            stopwords: vec!["für".into(), "an".into(), "der".into()],
            facets: [("course".to_string(), vec!["kurs".to_string()])].into(),
            ..Lexicon::default()
        };
        CourseCatalog::new(courses, &lexicon)
    }

    #[test]
    fn an_export_imports_with_fees_in_cents_and_weekday_ranges() {
        let courses = import_kufer(EXPORT, Path::new("kurse.xml")).unwrap();
        assert_eq!(courses.len(), 2);
        assert_eq!(courses[0].fee_cents, 8900);
        assert_eq!(courses[0].reduced_fee_cents, 6230);
        assert_eq!(courses[0].weekdays, [Weekday::Mon]);
        assert_eq!(courses[1].free_seats(), 0);
        assert_eq!(parse_weekdays("Mo-Fr").unwrap().len(), 5);
        assert_eq!(
            parse_weekdays("Mo,Mi").unwrap(),
            [Weekday::Mon, Weekday::Wed]
        );
        assert_eq!(parse_german_amount("1.250,50"), Some(125050));
        assert_eq!(parse_german_amount("12.5"), None);
    }

    #[test]
    fn only_an_export_that_says_so_is_sample_data() {
        let real = import_kufer(EXPORT, Path::new("kurse.xml")).unwrap();
        assert!(real.iter().all(|c| !c.sample));
        let marked = EXPORT.replace(
            r#"<kufer export="kurse">"#,
            r#"<kufer export="kurse" quelle="Beispieldaten">"#,
        );
        let sample = import_kufer(&marked, Path::new("kurse.xml")).unwrap();
        assert!(sample.iter().all(|c| c.sample));
    }

    #[test]
    fn a_broken_course_is_reported_with_its_line() {
        let broken = EXPORT
            .replace("<gebnorm>89,00</gebnorm>", "<gebnorm>neunzig</gebnorm>")
            .replace("<titellang>Töpfern an der Drehscheibe</titellang>", "");
        let problems = import_kufer(&broken, Path::new("kurse.xml")).unwrap_err();
        let messages: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect();
        assert!(
            messages.contains(
                &"3: course 27F10101: <gebnorm> 'neunzig' is not an amount like 89,00".to_string()
            ),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"22: course 27F30201: missing <titellang>".to_string()),
            "{messages:?}"
        );
        let problems = import_kufer("<kufer><kurs>", Path::new("kurse.xml")).unwrap_err();
        assert!(problems[0].message.starts_with("not well-formed XML"));
    }

    #[test]
    fn courses_are_found_by_topic_level_weekday_time_and_place() {
        let catalog = catalog();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let ids = |query: CourseQuery| -> Vec<String> {
            catalog
                .search(&query, today)
                .iter()
                .map(|h| h.course.id.clone())
                .collect()
        };
        assert_eq!(
            ids(CourseQuery {
                text: Some("Spanischkurs".into()),
                ..CourseQuery::default()
            }),
            ["27F10101"]
        );
        assert_eq!(
            ids(CourseQuery {
                text: Some("töpfern".into()),
                ..CourseQuery::default()
            }),
            ["27F30201"]
        );
        assert_eq!(
            ids(CourseQuery {
                levels: vec!["a1".into()],
                ..CourseQuery::default()
            }),
            ["27F10101"]
        );
        assert_eq!(
            ids(CourseQuery {
                weekday: Some(Weekday::Sat),
                ..CourseQuery::default()
            }),
            ["27F30201"]
        );
        assert_eq!(
            ids(CourseQuery {
                time_of_day: Some(TimeOfDay::Evening),
                ..CourseQuery::default()
            }),
            ["27F10101"]
        );
        assert_eq!(
            ids(CourseQuery {
                place: Some("Grünau".into()),
                ..CourseQuery::default()
            }),
            ["27F30201"]
        );
        assert_eq!(
            ids(CourseQuery {
                available_only: true,
                ..CourseQuery::default()
            }),
            ["27F10101"]
        );
        assert!(
            ids(CourseQuery {
                text: Some("Klettern".into()),
                ..CourseQuery::default()
            })
            .is_empty()
        );
        let later = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        assert_eq!(
            catalog.search(&CourseQuery::default(), later).len(),
            1,
            "courses that started are not offered"
        );
    }
}
