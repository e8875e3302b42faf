//! The knowledge base as the rest of the program sees it: validated services, offices and lexicons.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use crate::lang::Lang;

/// Everything loaded from knowledge/, validated and cross-referenced.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    /// Services sorted by slug.
    pub services: Vec<Service>,
    /// Offices sorted by id.
    pub offices: Vec<Office>,
    /// Stop words and synonyms per search language.
    pub lexicons: HashMap<Lang, Lexicon>,
    /// The Volkshochschule's courses.
    pub courses: Vec<super::courses::Course>,
    /// Example questions per service and out of scope: what the answer ranker learns from.
    pub examples: super::examples::Examples,
    service_index: HashMap<String, usize>,
    office_index: HashMap<String, usize>,
}

impl KnowledgeBase {
    /// Builds the lookup tables; services and offices are sorted by their ids.
    pub fn new(
        mut services: Vec<Service>,
        mut offices: Vec<Office>,
        lexicons: HashMap<Lang, Lexicon>,
    ) -> KnowledgeBase {
        services.sort_by(|a, b| a.slug.cmp(&b.slug));
        offices.sort_by(|a, b| a.id.cmp(&b.id));
        let service_index = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.slug.clone(), i))
            .collect();
        let office_index = offices
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.clone(), i))
            .collect();
        KnowledgeBase {
            services,
            offices,
            lexicons,
            courses: Vec::new(),
            examples: Default::default(),
            service_index,
            office_index,
        }
    }

    /// The position of the service with this slug in `services`.
    pub fn service_position(&self, slug: &str) -> Option<usize> {
        self.service_index.get(slug).copied()
    }

    /// The service with this slug.
    pub fn service(&self, slug: &str) -> Option<&Service> {
        self.service_index.get(slug).map(|&i| &self.services[i])
    }

    /// The office with this id.
    pub fn office(&self, id: &str) -> Option<&Office> {
        self.office_index.get(id).map(|&i| &self.offices[i])
    }

    /// The offices a reference names: the office with that id, or every office of that kind.
    pub fn offices_for(&self, reference: &str) -> Vec<&Office> {
        match self.office(reference) {
            Some(office) => vec![office],
            None => self
                .offices
                .iter()
                .filter(|o| o.kind == reference)
                .collect(),
        }
    }
}

/// One administrative service, with its texts per language.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// The catalogue id, lower-case with dashes.
    pub slug: String,
    /// The 14-digit LeiKa key (Leistungsschlüssel).
    pub leika: Option<String>,
    /// The catalogue area (Meldewesen, Ausweise ...).
    pub area: String,
    /// False for services that are not the city's job; the answer names who is responsible.
    pub city_service: bool,
    /// Whether an appointment for it can be booked.
    pub bookable: bool,
    /// Office ids or office kinds responsible for it.
    pub offices: Vec<String>,
    /// Where to do it online.
    pub online_service: Option<OnlineService>,
    /// The official page the facts were checked against.
    pub source_url: String,
    /// When the facts were checked.
    pub as_of: NaiveDate,
    /// Related services' slugs.
    pub related: Vec<String>,
    /// The fee table.
    pub fees: Vec<Fee>,
    /// Texts per language; German is always present.
    pub texts: BTreeMap<Lang, ServiceText>,
    /// The master file it was loaded from.
    #[serde(skip)]
    pub file: PathBuf,
}

impl Service {
    /// The texts in this language, or in the language content falls back to, or German.
    pub fn text(&self, lang: Lang) -> (Lang, &ServiceText) {
        for candidate in [lang, lang.content_fallback(), Lang::De] {
            if let Some(text) = self.texts.get(&candidate) {
                return (candidate, text);
            }
        }
        unreachable!("the loader guarantees German texts for every service")
    }

    /// The German texts.
    pub fn german(&self) -> &ServiceText {
        self.text(Lang::De).1
    }
}

/// An online service link.
#[derive(Debug, Clone, Serialize)]
pub struct OnlineService {
    /// The address.
    pub url: String,
    /// The German label.
    pub label: String,
}

/// The texts of a service in one language (FIM/XZuFi text modules).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceText {
    /// The service name [03].
    pub name: String,
    /// How citizens say it.
    pub synonyms: Vec<String>,
    /// The chat-sized answer [24].
    pub answer: String,
    /// The full description [06].
    pub full_text: String,
    /// Required documents [08].
    pub documents: Vec<String>,
    /// Prerequisites [09].
    pub prerequisites: Vec<String>,
    /// Procedure steps [11].
    pub procedure: Vec<String>,
    /// Deadlines in words.
    pub deadlines: Option<String>,
    /// Processing time in words.
    pub processing_time: Option<String>,
    /// Legal basis [07].
    pub legal_basis: Vec<String>,
    /// Further notes [16].
    pub notes: Option<String>,
    /// A sentence about fees where the table cannot say it.
    pub fee_note: Option<String>,
    /// A caveat about how old or how checked the sources are, shown beside the as-of date.
    pub source_note: Option<String>,
    /// false for a translation nobody at the city has reviewed yet.
    pub reviewed: bool,
    /// The label of the online service in this language.
    pub online_service_label: Option<String>,
    /// Fee labels by fee id, in this language.
    pub fee_labels: BTreeMap<String, String>,
}

/// One line of a fee table, in whole cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fee {
    /// Stable id, referenced by translations and transactions.
    pub id: String,
    /// The amount in euro cents.
    pub amount_cents: i64,
    /// The amount is a minimum ("ab").
    pub from: bool,
    /// The amount is per unit.
    pub unit: Option<FeeUnit>,
}

/// What a per-unit fee is charged for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeUnit {
    /// Per copy of a document.
    Copy,
    /// Per started half hour of work.
    HalfHour,
    /// Per item.
    Item,
}

impl FeeUnit {
    /// The name used in knowledge files and the API.
    pub fn name(self) -> &'static str {
        match self {
            FeeUnit::Copy => "copy",
            FeeUnit::HalfHour => "half_hour",
            FeeUnit::Item => "item",
        }
    }

    /// Parses the name used in knowledge files.
    pub fn parse(name: &str) -> Option<FeeUnit> {
        match name {
            "copy" => Some(FeeUnit::Copy),
            "half_hour" => Some(FeeUnit::HalfHour),
            "item" => Some(FeeUnit::Item),
            _ => None,
        }
    }
}

/// An office: where citizens go or call.
#[derive(Debug, Clone, Serialize)]
pub struct Office {
    /// The id, equal to the file name.
    pub id: String,
    /// The kind (buergerbuero, standesamt ...), used by services to name all offices of a kind.
    pub kind: String,
    /// Names per language (German always).
    pub names: BTreeMap<Lang, String>,
    /// Other names citizens use for it ("Bürgertelefon", "Zulassungsstelle"), in any language.
    pub synonyms: Vec<String>,
    /// Street and number.
    pub street: String,
    /// Postal code, where checked.
    pub postcode: Option<String>,
    /// City.
    pub city: String,
    /// City district.
    pub district: Option<String>,
    /// Opening hours in OpenStreetMap syntax.
    pub opening_hours: Option<String>,
    /// Opening hours in words, per language.
    pub opening_hours_note: BTreeMap<Lang, String>,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Web page.
    pub url: Option<String>,
    /// Where to book appointments.
    pub appointments_url: Option<String>,
    /// How to get there, per language.
    pub transit: BTreeMap<Lang, String>,
    /// Accessibility, per language.
    pub accessibility: BTreeMap<Lang, String>,
    /// Counters serving appointments at once.
    pub counters: Option<u32>,
    /// The service that describes this office (or its kind), e.g. `buergerbueros`.
    pub service: Option<String>,
    /// The official page the facts were checked against.
    pub source_url: String,
    /// When the facts were checked.
    pub as_of: NaiveDate,
    /// A caveat about how old or how checked the sources are, per language.
    pub source_note: BTreeMap<Lang, String>,
}

impl Office {
    /// The name in this language, or German.
    pub fn name(&self, lang: Lang) -> &str {
        localized(&self.names, lang).unwrap_or_default()
    }

    /// The address on one line.
    pub fn address(&self) -> String {
        match &self.postcode {
            Some(postcode) => format!("{}, {} {}", self.street, postcode, self.city),
            None => format!("{}, {}", self.street, self.city),
        }
    }
}

/// Picks the text for a language from a per-language map, falling back as content does.
pub fn localized(map: &BTreeMap<Lang, String>, lang: Lang) -> Option<&str> {
    [lang, lang.content_fallback(), Lang::De]
        .into_iter()
        .find_map(|candidate| map.get(&candidate))
        .map(String::as_str)
}

/// Stop words and word-level synonyms of one language.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Words that carry no meaning for search.
    pub stopwords: Vec<String>,
    /// A colloquial word and the words it stands for.
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// Facets (fees, duration, documents ...) and the words that ask for them. Such words say which
    /// part of an entry is wanted, not which entry, so they weigh little when judging a match.
    pub facets: BTreeMap<String, Vec<String>>,
    /// Particles of separable verbs ("an" in "melde ... an"), rejoined with their verb in questions.
    pub separable_particles: Vec<String>,
}
