//! Loads knowledge/ from disk and validates it. Every problem is reported as `file:line: what is wrong`,
//! all at once, so an editor can fix a whole batch in one go.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::model::{
    Fee, FeeUnit, KnowledgeBase, Lexicon, Office, OnlineService, Service, ServiceText,
};
use crate::lang::Lang;

/// The office kinds a service may name.
pub const OFFICE_KINDS: [&str; 8] = [
    "buergerbuero",
    "standesamt",
    "auslaenderbehoerde",
    "kfz-zulassung",
    "fahrerlaubnisbehoerde",
    "stadtreinigung",
    "vhs",
    "other",
];

/// The longest chat answer accepted, in characters: a card has to fit a phone screen.
pub const MAX_ANSWER_CHARS: usize = 700;

/// One problem found in a knowledge file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The file, as given to the loader (relative to the knowledge directory's parent when loaded from
    /// a relative path).
    pub file: PathBuf,
    /// The 1-based line the problem is on (1 when it concerns the whole file).
    pub line: usize,
    /// What is wrong, in words that say what to fix.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// The knowledge directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The directory itself is missing or unreadable.
    #[error(
        "cannot read the knowledge directory {path} (set knowledge.dir in the settings file or AUSKUNFT_KNOWLEDGE__DIR)"
    )]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// One or more files are invalid; each problem says where and what.
    #[error("{} problem(s) in the knowledge base:\n{}", .0.len(), display_problems(.0))]
    Invalid(Vec<Problem>),
}

fn display_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads and validates the knowledge directory: services, translations, offices, lexicons.
pub fn load_dir(dir: &Path) -> Result<KnowledgeBase, LoadError> {
    let mut loader = Loader::default();
    let services_dir = dir.join("services");
    let offices_dir = dir.join("offices");
    let lexicon_dir = dir.join("lexicon");
    if !dir.is_dir() {
        return Err(LoadError::Directory {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        });
    }
    for file in toml_files(&lexicon_dir)? {
        loader.lexicon(&file);
    }
    for file in toml_files(&offices_dir)? {
        loader.office(&file);
    }
    let mut translations = Vec::new();
    for file in toml_files(&services_dir)? {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        match stem.split_once('.') {
            None => loader.service(&file, &stem),
            Some((slug, lang)) => {
                translations.push((file.clone(), slug.to_string(), lang.to_string()))
            }
        }
    }
    for (file, slug, lang) in translations {
        loader.translation(&file, &slug, &lang);
    }
    loader.cross_check();
    let slugs: Vec<String> = loader.services.iter().map(|s| s.slug.clone()).collect();
    let slugs: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let examples = super::examples::load(dir, &slugs, &mut loader.problems);
    let courses = match super::courses::load_courses(&dir.join("courses")) {
        Ok(courses) => courses,
        Err(mut problems) => {
            loader.problems.append(&mut problems);
            Vec::new()
        }
    };
    let mut knowledge = loader.finish()?;
    knowledge.courses = courses;
    knowledge.examples = examples;
    Ok(knowledge)
}

pub(super) fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Directory {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| LoadError::Directory {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Collects what loads and every problem found on the way.
#[derive(Default)]
struct Loader {
    problems: Vec<Problem>,
    services: Vec<Service>,
    /// Where each service's references were written, for cross-checks: (slug, field, value, line).
    references: Vec<(String, &'static str, String, PathBuf, usize)>,
    offices: Vec<Office>,
    lexicons: HashMap<Lang, Lexicon>,
}

/// A file's text with a way to turn byte offsets into line numbers.
pub(super) struct Source {
    path: PathBuf,
    text: String,
}

impl Source {
    /// The file.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn read(path: &Path, problems: &mut Vec<Problem>) -> Option<Source> {
        match std::fs::read_to_string(path) {
            Ok(text) => Some(Source {
                path: path.to_path_buf(),
                text,
            }),
            Err(error) => {
                problems.push(Problem {
                    file: path.to_path_buf(),
                    line: 1,
                    message: format!("cannot read the file: {error}"),
                });
                None
            }
        }
    }

    pub(super) fn line(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text[..end].bytes().filter(|&b| b == b'\n').count() + 1
    }

    pub(super) fn problem(&self, span: Range<usize>, message: impl Into<String>) -> Problem {
        Problem {
            file: self.path.clone(),
            line: self.line(span),
            message: message.into(),
        }
    }

    pub(super) fn parse<T: for<'de> Deserialize<'de>>(
        &self,
        problems: &mut Vec<Problem>,
    ) -> Option<T> {
        match toml::from_str::<T>(&self.text) {
            Ok(value) => Some(value),
            Err(error) => {
                let line = error.span().map(|span| self.line(span)).unwrap_or(1);
                let message = error.message().trim().replace('\n', " ");
                problems.push(Problem {
                    file: self.path.clone(),
                    line,
                    message,
                });
                None
            }
        }
    }
}

/// Declares a file struct that has the text keys of a service besides its own fields. (serde's
/// `flatten` would lose the spans that give line numbers, so the keys are spelled out by this macro.)
macro_rules! with_text_fields {
    ($(#[$meta:meta])* struct $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        struct $name {
            $($(#[$field_meta])* $field: $ty,)*
            name: Option<Spanned<String>>,
            #[serde(default)]
            synonyms: Vec<String>,
            answer: Option<Spanned<String>>,
            full_text: Option<Spanned<String>>,
            #[serde(default)]
            documents: Vec<String>,
            #[serde(default)]
            prerequisites: Vec<String>,
            #[serde(default)]
            procedure: Vec<String>,
            deadlines: Option<String>,
            processing_time: Option<String>,
            #[serde(default)]
            legal_basis: Vec<String>,
            notes: Option<String>,
            fee_note: Option<String>,
            source_note: Option<String>,
        }

        impl $name {
            /// Moves the text keys out.
            fn take_text(&mut self) -> TextFields {
                TextFields {
                    name: self.name.take(),
                    synonyms: std::mem::take(&mut self.synonyms),
                    answer: self.answer.take(),
                    full_text: self.full_text.take(),
                    documents: std::mem::take(&mut self.documents),
                    prerequisites: std::mem::take(&mut self.prerequisites),
                    procedure: std::mem::take(&mut self.procedure),
                    deadlines: self.deadlines.take(),
                    processing_time: self.processing_time.take(),
                    legal_basis: std::mem::take(&mut self.legal_basis),
                    notes: self.notes.take(),
                    fee_note: self.fee_note.take(),
                    source_note: self.source_note.take(),
                }
            }
        }
    };
}

with_text_fields! {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ServiceFile {
        slug: Spanned<String>,
        leika: Option<Spanned<String>>,
        area: Spanned<String>,
        #[serde(default = "yes")]
        city_service: bool,
        #[serde(default)]
        bookable: bool,
        #[serde(default)]
        offices: Vec<Spanned<String>>,
        online_service: Option<Spanned<OnlineServiceFile>>,
        source_url: Spanned<String>,
        as_of: Spanned<toml::value::Datetime>,
        #[serde(default)]
        related: Vec<Spanned<String>>,
        #[serde(default)]
        fees: Vec<Spanned<FeeFile>>,
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OnlineServiceFile {
    url: String,
    label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeeFile {
    id: String,
    amount: String,
    label: String,
    #[serde(default)]
    from: bool,
    unit: Option<String>,
}

/// The text keys shared by the master file and translations.
struct TextFields {
    name: Option<Spanned<String>>,
    synonyms: Vec<String>,
    answer: Option<Spanned<String>>,
    full_text: Option<Spanned<String>>,
    documents: Vec<String>,
    prerequisites: Vec<String>,
    procedure: Vec<String>,
    deadlines: Option<String>,
    processing_time: Option<String>,
    legal_basis: Vec<String>,
    notes: Option<String>,
    fee_note: Option<String>,
    source_note: Option<String>,
}

with_text_fields! {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct TranslationFile {
        /// false: the translation has not been reviewed by a native speaker at the city yet.
        #[serde(default = "yes")]
        reviewed: bool,
        online_service_label: Option<String>,
        #[serde(default)]
        fee_labels: BTreeMap<String, Spanned<String>>,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeFile {
    id: Spanned<String>,
    kind: Spanned<String>,
    name: String,
    #[serde(default)]
    synonyms: Vec<String>,
    street: Option<String>,
    postcode: Option<Spanned<String>>,
    city: String,
    district: Option<String>,
    opening_hours: Option<Spanned<String>>,
    opening_hours_note: Option<String>,
    phone: Option<String>,
    email: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    appointments_url: Option<Spanned<String>>,
    transit: Option<String>,
    accessibility: Option<String>,
    counters: Option<Spanned<u32>>,
    service: Option<Spanned<String>>,
    source_url: Spanned<String>,
    as_of: Spanned<toml::value::Datetime>,
    source_note: Option<String>,
    en: Option<OfficeTranslationFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeTranslationFile {
    name: Option<String>,
    #[serde(default)]
    synonyms: Vec<String>,
    transit: Option<String>,
    accessibility: Option<String>,
    opening_hours_note: Option<String>,
    source_note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    synonyms: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    facets: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    separable_particles: Vec<String>,
}

impl Loader {
    fn lexicon(&mut self, path: &Path) {
        let Some(source) = Source::read(path, &mut self.problems) else {
            return;
        };
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let Some(lang) = Lang::negotiate(stem).filter(|l| l.tag() == stem) else {
            self.problems.push(source.problem(0..0, format!(
                "a lexicon is named after its language: '{stem}' is not one of de, en, de-leicht, uk, ar"
            )));
            return;
        };
        let Some(file) = source.parse::<LexiconFile>(&mut self.problems) else {
            return;
        };
        self.lexicons.insert(
            lang,
            Lexicon {
                stopwords: file.stopwords,
                synonyms: file.synonyms,
                facets: file.facets,
                separable_particles: file.separable_particles,
            },
        );
    }

    fn office(&mut self, path: &Path) {
        let Some(source) = Source::read(path, &mut self.problems) else {
            return;
        };
        let Some(file) = source.parse::<OfficeFile>(&mut self.problems) else {
            return;
        };
        let problems_before = self.problems.len();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if file.id.get_ref() != stem {
            self.problems.push(source.problem(
                file.id.span(),
                format!(
                    "id '{}' must equal the file name '{stem}'",
                    file.id.get_ref()
                ),
            ));
        }
        if !OFFICE_KINDS.contains(&file.kind.get_ref().as_str()) {
            self.problems.push(source.problem(
                file.kind.span(),
                format!(
                    "unknown office kind '{}': use one of {}",
                    file.kind.get_ref(),
                    OFFICE_KINDS.join(", ")
                ),
            ));
        }
        if let Some(postcode) = &file.postcode
            && !(postcode.get_ref().len() == 5
                && postcode.get_ref().bytes().all(|b| b.is_ascii_digit()))
        {
            self.problems.push(source.problem(
                postcode.span(),
                format!("postcode '{}' must be five digits", postcode.get_ref()),
            ));
        }
        if let Some(hours) = &file.opening_hours {
            if hours.get_ref().trim().is_empty() {
                self.problems.push(
                    source.problem(hours.span(), "opening_hours is empty: leave the key out"),
                );
            } else if let Err(error) = super::offices::parse_hours(hours.get_ref()) {
                self.problems.push(source.problem(
                    hours.span(),
                    format!(
                        "opening_hours '{}' is not OpenStreetMap syntax: {}",
                        hours.get_ref(),
                        error.lines().next().unwrap_or_default()
                    ),
                ));
            }
        }
        for url in [&file.url, &file.appointments_url].into_iter().flatten() {
            check_url(&source, url, &mut self.problems);
        }
        check_url(&source, &file.source_url, &mut self.problems);
        if let Some(email) = &file.email
            && !looks_like_email(email.get_ref())
        {
            self.problems.push(source.problem(
                email.span(),
                format!("'{}' is not an e-mail address", email.get_ref()),
            ));
        }
        if let Some(counters) = &file.counters
            && *counters.get_ref() == 0
        {
            self.problems
                .push(source.problem(counters.span(), "counters must be at least 1"));
        }
        let as_of = parse_date(&source, &file.as_of, &mut self.problems);
        if let Some(service) = &file.service {
            self.references.push((
                file.id.get_ref().clone(),
                "service",
                service.get_ref().clone(),
                path.to_path_buf(),
                source.line(service.span()),
            ));
        }
        if self.problems.len() > problems_before {
            return;
        }
        let mut names = BTreeMap::from([(Lang::De, file.name)]);
        let mut transit = BTreeMap::new();
        let mut accessibility = BTreeMap::new();
        let mut opening_hours_note = BTreeMap::new();
        let mut source_note = BTreeMap::new();
        let german = [
            (&mut transit, file.transit),
            (&mut accessibility, file.accessibility),
            (&mut opening_hours_note, file.opening_hours_note),
            (&mut source_note, file.source_note),
        ];
        for (map, value) in german {
            if let Some(value) = value {
                map.insert(Lang::De, value);
            }
        }
        let mut synonyms = file.synonyms;
        if let Some(en) = &file.en {
            synonyms.extend(en.synonyms.iter().cloned());
        }
        if let Some(en) = file.en {
            let english = [
                (&mut names, en.name),
                (&mut transit, en.transit),
                (&mut accessibility, en.accessibility),
                (&mut opening_hours_note, en.opening_hours_note),
                (&mut source_note, en.source_note),
            ];
            for (map, value) in english {
                if let Some(value) = value {
                    map.insert(Lang::En, value);
                }
            }
        }
        self.offices.push(Office {
            id: file.id.into_inner(),
            kind: file.kind.into_inner(),
            names,
            synonyms,
            street: file.street.unwrap_or_default(),
            postcode: file.postcode.map(Spanned::into_inner),
            city: file.city,
            district: file.district,
            opening_hours: file.opening_hours.map(Spanned::into_inner),
            opening_hours_note,
            phone: file.phone,
            email: file.email.map(Spanned::into_inner),
            url: file.url.map(Spanned::into_inner),
            appointments_url: file.appointments_url.map(Spanned::into_inner),
            transit,
            accessibility,
            counters: file.counters.map(Spanned::into_inner),
            service: file.service.as_ref().map(|s| s.get_ref().clone()),
            source_url: file.source_url.into_inner(),
            as_of: as_of.unwrap_or_default(),
            source_note,
        });
    }

    fn service(&mut self, path: &Path, stem: &str) {
        let Some(source) = Source::read(path, &mut self.problems) else {
            return;
        };
        let Some(mut file) = source.parse::<ServiceFile>(&mut self.problems) else {
            return;
        };
        let problems_before = self.problems.len();
        let slug = file.slug.get_ref().clone();
        if slug != stem {
            self.problems.push(source.problem(
                file.slug.span(),
                format!("slug '{slug}' must equal the file name '{stem}'"),
            ));
        }
        if !is_slug(&slug) {
            self.problems.push(source.problem(
                file.slug.span(),
                format!(
                    "slug '{slug}' must be lower-case letters and digits separated by single dashes"
                ),
            ));
        }
        if let Some(leika) = &file.leika
            && !(leika.get_ref().len() == 14 && leika.get_ref().bytes().all(|b| b.is_ascii_digit()))
        {
            self.problems.push(source.problem(
                leika.span(),
                format!("LeiKa key '{}' must be 14 digits", leika.get_ref()),
            ));
        }
        if file.area.get_ref().trim().is_empty() {
            self.problems
                .push(source.problem(file.area.span(), "area is empty"));
        }
        check_url(&source, &file.source_url, &mut self.problems);
        let online_service = file.online_service.take().map(|online| {
            let span = online.span();
            let online = online.into_inner();
            if !is_url(&online.url) {
                self.problems.push(source.problem(
                    span.clone(),
                    format!("online_service.url '{}' is not an http(s) URL", online.url),
                ));
            }
            if online.label.trim().is_empty() {
                self.problems
                    .push(source.problem(span, "online_service.label is empty"));
            }
            OnlineService {
                url: online.url,
                label: online.label,
            }
        });
        let as_of = parse_date(&source, &file.as_of, &mut self.problems);
        let mut fees = Vec::new();
        let mut fee_labels = BTreeMap::new();
        for fee in &file.fees {
            let span = fee.span();
            let fee = fee.get_ref();
            if fees.iter().any(|f: &Fee| f.id == fee.id) {
                self.problems.push(
                    source.problem(span.clone(), format!("fee id '{}' is used twice", fee.id)),
                );
            }
            if fee.label.trim().is_empty() {
                self.problems.push(
                    source.problem(span.clone(), format!("fee '{}' has an empty label", fee.id)),
                );
            }
            let unit = match fee.unit.as_deref().map(|u| (u, FeeUnit::parse(u))) {
                None => None,
                Some((_, Some(unit))) => Some(unit),
                Some((name, None)) => {
                    self.problems.push(source.problem(
                        span.clone(),
                        format!(
                            "fee '{}': unknown unit '{name}': use copy, half_hour or item",
                            fee.id
                        ),
                    ));
                    None
                }
            };
            match parse_amount(&fee.amount) {
                Some(amount_cents) => {
                    fees.push(Fee {
                        id: fee.id.clone(),
                        amount_cents,
                        from: fee.from,
                        unit,
                    });
                    fee_labels.insert(fee.id.clone(), fee.label.clone());
                }
                None => self.problems.push(source.problem(
                    span,
                    format!(
                        "fee '{}': amount '{}' must be euros with two decimals, like \"46.00\"",
                        fee.id, fee.amount
                    ),
                )),
            }
        }
        let text_fields = file.take_text();
        let text = self.text_fields(&source, text_fields, true);
        for office in &file.offices {
            self.references.push((
                slug.clone(),
                "offices",
                office.get_ref().clone(),
                path.to_path_buf(),
                source.line(office.span()),
            ));
        }
        for related in &file.related {
            self.references.push((
                slug.clone(),
                "related",
                related.get_ref().clone(),
                path.to_path_buf(),
                source.line(related.span()),
            ));
        }
        if self.problems.len() > problems_before {
            return;
        }
        let (Some(mut text), Some(as_of)) = (text, as_of) else {
            return;
        };
        text.fee_labels = fee_labels;
        text.online_service_label = online_service.as_ref().map(|o| o.label.clone());
        self.services.push(Service {
            slug,
            leika: file.leika.map(Spanned::into_inner),
            area: file.area.into_inner(),
            city_service: file.city_service,
            bookable: file.bookable,
            offices: file.offices.into_iter().map(Spanned::into_inner).collect(),
            online_service,
            source_url: file.source_url.into_inner(),
            as_of,
            related: file.related.into_iter().map(Spanned::into_inner).collect(),
            fees,
            texts: BTreeMap::from([(Lang::De, text)]),
            file: path.to_path_buf(),
        });
    }

    /// Validates the text keys; `None` when a required one is missing or empty.
    fn text_fields(
        &mut self,
        source: &Source,
        fields: TextFields,
        master: bool,
    ) -> Option<ServiceText> {
        let mut missing = false;
        let mut required = |value: Option<Spanned<String>>,
                            key: &str,
                            problems: &mut Vec<Problem>| match value {
            Some(value) if !value.get_ref().trim().is_empty() => Some(value),
            Some(value) => {
                problems.push(source.problem(value.span(), format!("{key} is empty")));
                missing = true;
                None
            }
            None => {
                let whom = if master { "a service" } else { "a translation" };
                problems
                    .push(source.problem(0..0, format!("missing key `{key}`: {whom} needs it")));
                missing = true;
                None
            }
        };
        let name = required(fields.name, "name", &mut self.problems);
        let answer = required(fields.answer, "answer", &mut self.problems);
        let full_text = required(fields.full_text, "full_text", &mut self.problems);
        if let Some(answer) = &answer {
            let chars = answer.get_ref().trim().chars().count();
            if chars > MAX_ANSWER_CHARS {
                self.problems.push(source.problem(
                    answer.span(),
                    format!(
                        "answer has {chars} characters; a chat answer has at most {MAX_ANSWER_CHARS}: move details to full_text"
                    ),
                ));
                missing = true;
            }
        }
        if missing {
            return None;
        }
        let clean = |text: String| text.trim().to_string();
        Some(ServiceText {
            name: clean(name?.into_inner()),
            synonyms: fields
                .synonyms
                .into_iter()
                .map(clean)
                .filter(|s| !s.is_empty())
                .collect(),
            answer: clean(answer?.into_inner()),
            full_text: clean(full_text?.into_inner()),
            documents: fields.documents,
            prerequisites: fields.prerequisites,
            procedure: fields.procedure,
            deadlines: fields.deadlines,
            processing_time: fields.processing_time,
            legal_basis: fields.legal_basis,
            notes: fields.notes,
            fee_note: fields.fee_note,
            source_note: fields.source_note,
            reviewed: true,
            online_service_label: None,
            fee_labels: BTreeMap::new(),
        })
    }

    fn translation(&mut self, path: &Path, slug: &str, lang_tag: &str) {
        let Some(source) = Source::read(path, &mut self.problems) else {
            return;
        };
        let Some(lang) =
            Lang::negotiate(lang_tag).filter(|l| l.tag() == lang_tag && *l != Lang::De)
        else {
            self.problems.push(source.problem(0..0, format!(
                "unknown language '{lang_tag}' in the file name: translations are <slug>.en.toml, <slug>.de-leicht.toml, <slug>.uk.toml or <slug>.ar.toml"
            )));
            return;
        };
        let Some(mut file) = source.parse::<TranslationFile>(&mut self.problems) else {
            return;
        };
        let Some(index) = self.services.iter().position(|s| s.slug == slug) else {
            if !self
                .problems
                .iter()
                .any(|p| p.file.file_stem().is_some_and(|s| s == slug))
            {
                self.problems.push(source.problem(
                    0..0,
                    format!("translation of '{slug}', but there is no services/{slug}.toml"),
                ));
            }
            return;
        };
        let problems_before = self.problems.len();
        let master_fees: BTreeSet<String> = self.services[index]
            .fees
            .iter()
            .map(|f| f.id.clone())
            .collect();
        for (id, label) in &file.fee_labels {
            if !master_fees.contains(id) {
                self.problems.push(source.problem(
                    label.span(),
                    format!(
                        "fee_labels names fee '{id}', which services/{slug}.toml does not have"
                    ),
                ));
            }
        }
        let text_fields = file.take_text();
        let Some(mut text) = self.text_fields(&source, text_fields, false) else {
            return;
        };
        if self.problems.len() > problems_before {
            return;
        }
        let master = &self.services[index];
        text.fee_labels = master
            .fees
            .iter()
            .map(|fee| {
                let label = file.fee_labels.get(&fee.id).map(|l| l.get_ref().clone());
                (
                    fee.id.clone(),
                    label.unwrap_or_else(|| master.german().fee_labels[&fee.id].clone()),
                )
            })
            .collect();
        text.reviewed = file.reviewed;
        // A caveat about the master's sources holds for its translations too, until they say their own.
        if text.source_note.is_none() && lang != Lang::En {
            text.source_note = self.services[index].german().source_note.clone();
        }
        text.online_service_label = file
            .online_service_label
            .or_else(|| master.online_service.as_ref().map(|o| o.label.clone()));
        self.services[index].texts.insert(lang, text);
    }

    /// Checks the references between files: offices and related services must exist.
    fn cross_check(&mut self) {
        let slugs: BTreeSet<&str> = self.services.iter().map(|s| s.slug.as_str()).collect();
        let office_ids: BTreeSet<&str> = self.offices.iter().map(|o| o.id.as_str()).collect();
        let office_kinds: BTreeSet<&str> = self.offices.iter().map(|o| o.kind.as_str()).collect();
        for (slug, field, value, file, line) in &self.references {
            if *field == "offices" && value == "other" {
                self.problems.push(Problem {
                    file: file.clone(),
                    line: *line,
                    message: format!("{slug}: 'other' is not a responsible office: name an office id, or leave it out"),
                });
                continue;
            }
            let known = match *field {
                "offices" => {
                    office_ids.contains(value.as_str()) || office_kinds.contains(value.as_str())
                }
                _ => slugs.contains(value.as_str()),
            };
            if known {
                continue;
            }
            let message = match *field {
                "offices" => format!(
                    "{slug}: office '{value}' is neither an office id nor the kind of any office in offices/"
                ),
                "service" => format!("{slug}: service '{value}' does not exist in services/"),
                _ => format!("{slug}: related service '{value}' does not exist in services/"),
            };
            self.problems.push(Problem {
                file: file.clone(),
                line: *line,
                message,
            });
        }
        // German and English are the content's languages; Ukrainian and Arabic lexicons are optional.
        for lang in [Lang::De, Lang::En] {
            let reported = self
                .problems
                .iter()
                .any(|p| p.file.ends_with(format!("{}.toml", lang.tag())));
            if !self.lexicons.contains_key(&lang) && !reported {
                self.problems.push(Problem {
                    file: PathBuf::from("lexicon"),
                    line: 1,
                    message: format!(
                        "missing lexicon/{}.toml (stop words and synonyms)",
                        lang.tag()
                    ),
                });
            }
        }
    }

    fn finish(mut self) -> Result<KnowledgeBase, LoadError> {
        if self.problems.is_empty() {
            Ok(KnowledgeBase::new(
                self.services,
                self.offices,
                self.lexicons,
            ))
        } else {
            self.problems.sort();
            self.problems.dedup();
            Err(LoadError::Invalid(self.problems))
        }
    }
}

/// Entries whose source cannot back their facts well: a bare home page, or another authority's site
/// than the city's (leipzig.de); (slug, source URL, why).
pub fn weak_sources(knowledge: &KnowledgeBase) -> Vec<(String, String, &'static str)> {
    knowledge
        .services
        .iter()
        .filter_map(|service| {
            let url = service.source_url.as_str();
            let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = host.to_ascii_lowercase();
            let why = if path.trim_matches('/').is_empty() {
                "is a bare home page: point it to the page that backs the entry"
            } else if !(host == "leipzig.de" || host.ends_with(".leipzig.de")) {
                "is another authority's or a third party's site: prefer the city's own page"
            } else {
                return None;
            };
            Some((service.slug.clone(), url.to_string(), why))
        })
        .collect()
}

/// Checks a service catalogue (TSV: slug, name_de, name_en, area, leika, ...; a header line first) against
/// the knowledge base: every slug has an entry, with the catalogue's German name and LeiKa key.
pub fn check_catalog(content: &str, file: &Path, knowledge: &KnowledgeBase) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, line) in content.lines().enumerate().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let Some(slug) = columns.first().map(|s| s.trim()).filter(|s| !s.is_empty()) else {
            continue;
        };
        let problem = |message: String| Problem {
            file: file.to_path_buf(),
            line: index + 1,
            message,
        };
        let Some(service) = knowledge.service(slug) else {
            problems.push(problem(format!(
                "catalogue service '{slug}' has no knowledge entry (services/{slug}.toml)"
            )));
            continue;
        };
        if let Some(name) = columns.get(1).map(|s| s.trim()).filter(|s| !s.is_empty())
            && service.german().name != name
        {
            problems.push(problem(format!(
                "{slug}: the entry is named '{}', the catalogue says '{name}'",
                service.german().name
            )));
        }
        let leika = columns.get(4).map(|s| s.trim()).filter(|s| !s.is_empty());
        if service.leika.as_deref() != leika {
            problems.push(problem(format!(
                "{slug}: LeiKa key {} in the entry, {} in the catalogue",
                service.leika.as_deref().unwrap_or("none"),
                leika.unwrap_or("none")
            )));
        }
    }
    problems
}

fn parse_date(
    source: &Source,
    value: &Spanned<toml::value::Datetime>,
    problems: &mut Vec<Problem>,
) -> Option<NaiveDate> {
    let datetime = value.get_ref();
    let date = match (datetime.date, datetime.time) {
        (Some(date), None) => {
            NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
        }
        _ => None,
    };
    if date.is_none() {
        problems.push(source.problem(
            value.span(),
            format!("as_of must be a date without time, like 2026-11-23 (found {datetime})"),
        ));
    }
    date
}

fn check_url(source: &Source, url: &Spanned<String>, problems: &mut Vec<Problem>) {
    if !is_url(url.get_ref()) {
        problems.push(source.problem(
            url.span(),
            format!("'{}' is not an http(s) URL", url.get_ref()),
        ));
    }
}

/// A well-formed absolute http(s) URL with a host.
pub fn is_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty()
        && host.contains('.')
        && !text.chars().any(char::is_whitespace)
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':')
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Parses euros with exactly two decimals ("46.00") into cents.
pub fn parse_amount(text: &str) -> Option<i64> {
    let (euros, cents) = text.split_once('.')?;
    if euros.is_empty() || cents.len() != 2 {
        return None;
    }
    if !euros.bytes().all(|b| b.is_ascii_digit()) || !cents.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let euros: i64 = euros.parse().ok()?;
    let cents: i64 = cents.parse().ok()?;
    euros.checked_mul(100)?.checked_add(cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_cents_with_exactly_two_decimals() {
        assert_eq!(parse_amount("46.00"), Some(4600));
        assert_eq!(parse_amount("27.60"), Some(2760));
        assert_eq!(parse_amount("0.00"), Some(0));
        assert_eq!(parse_amount("46"), None);
        assert_eq!(parse_amount("46,00"), None);
        assert_eq!(parse_amount("46.5"), None);
        assert_eq!(parse_amount("-1.00"), None);
        assert_eq!(parse_amount(".50"), None);
    }

    #[test]
    fn urls_must_be_absolute_http_with_a_host() {
        assert!(is_url("https://www.leipzig.de/buergerbuero"));
        assert!(is_url("http://example.org"));
        assert!(!is_url("www.leipzig.de"));
        assert!(!is_url("https://"));
        assert!(!is_url("https://leipzig de"));
        assert!(!is_url("ftp://leipzig.de"));
    }

    #[test]
    fn slugs_are_lower_case_words_joined_by_single_dashes() {
        assert!(is_slug("personalausweis-beantragen"));
        assert!(is_slug("behoerdennummer-115"));
        assert!(!is_slug("Personalausweis"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug(""));
    }
}
