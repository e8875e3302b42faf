//! Importers for the formats a city already has: XZuFi 2.2 XML and PVOG JSON service descriptions (FIM
//! text modules) become knowledge entries; the open-data office directory in RDF/Turtle becomes office
//! records. Each writes the knowledge format (TOML), which `auskunft check` then validates like hand-written
//! files.

pub mod notices;
pub mod offices;
pub mod pvog;
pub mod xzufi;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::knowledge::analysis::fold;
use crate::knowledge::load::MAX_ANSWER_CHARS;

/// An import failed; the message says where and why.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input could not be read or parsed.
    #[error("{0}")]
    Input(String),
    /// An output file exists and overwriting was not asked for.
    #[error("{0} exists; pass --force to overwrite it")]
    Exists(PathBuf),
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// A service description read from an import format, in the terms of the FIM text modules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportedService {
    /// The source system's id.
    pub source_id: String,
    /// The LeiKa key.
    pub leika: Option<String>,
    /// Texts per language tag ("de", "en").
    pub texts: BTreeMap<String, ImportedText>,
    /// Fees in cents with their description per language.
    pub fees: Vec<(i64, BTreeMap<String, String>)>,
    /// The online service.
    pub online_service: Option<(String, String)>,
    /// The page the description comes from.
    pub source_url: Option<String>,
    /// When the description was last changed.
    pub changed: Option<NaiveDate>,
}

/// The texts of one language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportedText {
    /// [03] Leistungsname (or [02] Leistungsbezeichnung).
    pub name: String,
    /// [24] Teaser or [05] Kurztext.
    pub short: String,
    /// [06] Volltext.
    pub full: String,
    /// [08] Erforderliche Unterlagen.
    pub documents: Vec<String>,
    /// [09] Voraussetzungen.
    pub prerequisites: Vec<String>,
    /// [11] Verfahrensablauf.
    pub procedure: Vec<String>,
    /// [07] Rechtsgrundlage.
    pub legal_basis: Vec<String>,
    /// Deadlines ([97] or modulFrist).
    pub deadlines: Option<String>,
    /// Processing time (modulBearbeitungsdauer).
    pub processing_time: Option<String>,
    /// [16] Hinweise, [25] Rechtsbehelf, [22] Zuständige Stelle.
    pub notes: Vec<String>,
    /// Terms in context (synonyms).
    pub synonyms: Vec<String>,
}

/// Where imported entries go and what they get where the source says nothing.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The directory to write to (knowledge/services or knowledge/offices).
    pub out: PathBuf,
    /// Overwrite existing files.
    pub force: bool,
    /// The catalogue area of imported services.
    pub area: String,
    /// The source URL where the import has none.
    pub source_url: Option<String>,
    /// The as-of date where the import has none.
    pub as_of: NaiveDate,
}

/// A slug from a name: lower-case, umlauts spelled out, words joined by dashes.
pub fn slugify(name: &str) -> String {
    let folded = fold(name);
    let mut slug = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Plain text from the HTML of a text module (XZuFi allows a few tags): tags removed, list items and
/// paragraphs on lines of their own, entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            text.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or_default();
        if matches!(name, "p" | "br" | "li" | "ul" | "ol" | "div" | "br/") {
            text.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lines of a text module, for list-like modules (documents, prerequisites, steps).
pub fn html_to_list(html: &str) -> Vec<String> {
    html_to_text(html)
        .lines()
        .map(|line| line.trim_start_matches(['-', '•', '*', ' ']).to_string())
        .collect()
}

/// The longest beginning of a text that ends a sentence and fits a chat answer.
pub fn chat_sized(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX_ANSWER_CHARS {
        return flat;
    }
    let mut cut = String::new();
    for sentence in flat.split_inclusive(". ") {
        if cut.chars().count() + sentence.chars().count() > MAX_ANSWER_CHARS {
            break;
        }
        cut.push_str(sentence);
    }
    if cut.is_empty() {
        let shortened: String = flat.chars().take(MAX_ANSWER_CHARS - 1).collect();
        format!("{}…", shortened.trim_end())
    } else {
        cut.trim_end().to_string()
    }
}

#[derive(Serialize)]
struct ServiceFile<'a> {
    slug: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    leika: Option<&'a str>,
    area: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    online_service: Option<OnlineServiceFile<'a>>,
    source_url: &'a str,
    as_of: toml::value::Datetime,
    #[serde(flatten)]
    text: TextFile<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fees: Vec<FeeFile>,
}

#[derive(Serialize)]
struct OnlineServiceFile<'a> {
    url: &'a str,
    label: &'a str,
}

#[derive(Serialize)]
struct FeeFile {
    id: String,
    amount: String,
    label: String,
}

#[derive(Serialize)]
struct TextFile<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    synonyms: &'a [String],
    answer: String,
    full_text: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    documents: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    prerequisites: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    procedure: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    deadlines: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    processing_time: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    legal_basis: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    fee_labels: BTreeMap<String, String>,
}

fn text_file<'a>(text: &'a ImportedText) -> TextFile<'a> {
    let answer = if text.short.is_empty() {
        chat_sized(&text.full)
    } else {
        chat_sized(&text.short)
    };
    let full_text = if text.full.is_empty() {
        text.short.as_str()
    } else {
        text.full.as_str()
    };
    TextFile {
        name: &text.name,
        synonyms: &text.synonyms,
        answer,
        full_text,
        documents: &text.documents,
        prerequisites: &text.prerequisites,
        procedure: &text.procedure,
        deadlines: text.deadlines.as_deref(),
        processing_time: text.processing_time.as_deref(),
        legal_basis: &text.legal_basis,
        notes: (!text.notes.is_empty()).then(|| text.notes.join("\n")),
        fee_labels: BTreeMap::new(),
    }
}

fn toml_date(date: NaiveDate) -> toml::value::Datetime {
    toml::value::Datetime {
        date: Some(toml::value::Date {
            year: date.year_ce().1 as u16,
            month: date.month0() as u8 + 1,
            day: date.day0() as u8 + 1,
        }),
        time: None,
        offset: None,
    }
}

use chrono::Datelike;

/// Writes imported services as knowledge files (`<slug>.toml`, and `<slug>.en.toml` where English
/// texts exist). Returns the files written.
pub fn write_services(
    services: &[ImportedService],
    options: &ImportOptions,
) -> Result<Vec<PathBuf>, ImportError> {
    std::fs::create_dir_all(&options.out).map_err(|source| ImportError::Write {
        path: options.out.clone(),
        source,
    })?;
    let mut written = Vec::new();
    for service in services {
        let Some(german) = service.texts.get("de") else {
            return Err(ImportError::Input(format!(
                "service {} has no German texts",
                service.source_id
            )));
        };
        if german.name.is_empty() {
            return Err(ImportError::Input(format!(
                "service {} has no name (text module 03)",
                service.source_id
            )));
        }
        let slug = slugify(&german.name);
        let Some(source_url) = service
            .source_url
            .as_deref()
            .or(options.source_url.as_deref())
        else {
            return Err(ImportError::Input(format!(
                "service {} names no source page; pass --source-url URL",
                service.source_id
            )));
        };
        let fees: Vec<FeeFile> = service
            .fees
            .iter()
            .enumerate()
            .map(|(i, (cents, labels))| FeeFile {
                id: format!("gebuehr-{}", i + 1),
                amount: format!("{}.{:02}", cents / 100, cents % 100),
                label: labels
                    .get("de")
                    .cloned()
                    .unwrap_or_else(|| "Gebühr".to_string()),
            })
            .collect();
        let file = ServiceFile {
            slug: &slug,
            leika: service.leika.as_deref(),
            area: &options.area,
            online_service: service
                .online_service
                .as_ref()
                .map(|(url, label)| OnlineServiceFile { url, label }),
            source_url,
            as_of: toml_date(service.changed.unwrap_or(options.as_of)),
            text: text_file(german),
            fees,
        };
        let master = options.out.join(format!("{slug}.toml"));
        write_file(&master, &serialize(&file)?, options.force)?;
        written.push(master);
        if let Some(english) = service.texts.get("en").filter(|t| !t.name.is_empty()) {
            let mut text = text_file(english);
            text.fee_labels = service
                .fees
                .iter()
                .enumerate()
                .filter_map(|(i, (_, labels))| {
                    labels
                        .get("en")
                        .map(|label| (format!("gebuehr-{}", i + 1), label.clone()))
                })
                .collect();
            let translation = options.out.join(format!("{slug}.en.toml"));
            write_file(&translation, &serialize(&text)?, options.force)?;
            written.push(translation);
        }
    }
    Ok(written)
}

fn serialize(value: &impl Serialize) -> Result<String, ImportError> {
    toml::to_string_pretty(value).map_err(|e| ImportError::Input(format!("cannot write TOML: {e}")))
}

/// Writes a file, refusing to overwrite unless `force`.
pub fn write_file(path: &Path, content: &str, force: bool) -> Result<(), ImportError> {
    if path.exists() && !force {
        return Err(ImportError::Exists(path.to_path_buf()));
    }
    let header = "# Imported by `auskunft import`: check the texts before publishing.\n";
    std::fs::write(path, format!("{header}{content}")).map_err(|source| ImportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses an amount such as "46,00", "46.00", "Gebühr: 70,00 Euro" or "1.250,50 EUR" into cents.
pub fn parse_amount_text(text: &str) -> Option<i64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let number: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    let number = number.trim_end_matches(['.', ',']);
    let (euros, cents) = match number.rfind([',', '.']) {
        Some(i) if number.len() - i == 3 => (&number[..i], &number[i + 1..]),
        _ => (number, "00"),
    };
    let euros: String = euros.chars().filter(char::is_ascii_digit).collect();
    Some(euros.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_from_names() {
        assert_eq!(
            slugify("Personalausweis beantragen"),
            "personalausweis-beantragen"
        );
        assert_eq!(
            slugify("Führerschein – Umtausch (EU)"),
            "fuehrerschein-umtausch-eu"
        );
    }

    #[test]
    fn html_modules_become_plain_text_and_lists() {
        assert_eq!(
            html_to_text("<p>Ein <b>Ausweis</b> &amp; mehr</p><p>Zweitens</p>"),
            "Ein Ausweis & mehr\nZweitens"
        );
        assert_eq!(
            html_to_list("<ul><li>Passfoto</li><li>alter Ausweis</li></ul>"),
            ["Passfoto", "alter Ausweis"]
        );
    }

    #[test]
    fn amounts_in_words_are_read_in_cents() {
        assert_eq!(parse_amount_text("Gebühr: 70,00 Euro"), Some(7000));
        assert_eq!(parse_amount_text("46.00"), Some(4600));
        assert_eq!(parse_amount_text("1.250,50 EUR"), Some(125050));
        assert_eq!(parse_amount_text("22 Euro"), Some(2200));
        assert_eq!(parse_amount_text("kostenlos"), None);
    }

    #[test]
    fn long_texts_are_cut_at_a_sentence_for_the_chat() {
        let long = "Erster Satz. ".repeat(100);
        let short = chat_sized(&long);
        assert!(short.chars().count() <= MAX_ANSWER_CHARS);
        assert!(short.ends_with("Satz."));
    }
}
