//! Natural-language understanding: intents/ (examples, responses, forms, entities) loaded and validated,
//! the intent classifier trained from it, entity extraction and language detection.

pub mod classifier;
pub mod entities;
pub mod language;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::knowledge::KnowledgeBase;
use crate::knowledge::load::{LoadError, Problem};
use crate::lang::Lang;
use classifier::{Classifier, Example};
use entities::{Entities, EntitiesFile};
use language::LanguageDetection;

/// The intent names of the public contract.
pub const INTENTS: [&str; 14] = [
    "service.info",
    "course.search",
    "appointment.book",
    "appointment.cancel",
    "notice.pay",
    "notice.objection",
    "report.issue",
    "certificate.order",
    "course.register",
    "human.handoff",
    "smalltalk.greet",
    "smalltalk.thanks",
    "smalltalk.bye",
    "fallback",
];

/// Entity types computed from data rather than declared in entities.toml.
/// `button` slots are filled only by buttons (`slot:NAME:VALUE`) or by the handler; `photo` by an image
/// the citizen sends, `location` by a shared location (`LAT,LON`).
pub const BUILT_IN_ENTITIES: [&str; 8] = [
    "service",
    "office",
    "course_topic",
    "person_name",
    "text",
    "button",
    "photo",
    "location",
];

/// The languages intents are written in.
pub const INTENT_LANGS: [Lang; 4] = [Lang::De, Lang::En, Lang::Uk, Lang::Ar];

/// How many service names and synonyms per knowledge entry are added to the service.info examples.
const SERVICE_EXAMPLES_PER_ENTRY: usize = 4;

/// A form: what a transaction needs from the citizen.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// The intent that starts it.
    pub intent: String,
    /// The handler that validates, summarises and commits it.
    pub handler: String,
    /// Whether the citizen confirms a summary before the commit.
    pub confirm: bool,
    /// Whether the form stays open after its commit, so that a changed slot ("lieber abends") runs it
    /// again (for searches).
    pub refine: bool,
    /// The slots in the order they are asked.
    pub slots: Vec<SlotSpec>,
    /// Questions per language and slot; the key `confirm` is the question under the summary.
    pub questions: BTreeMap<Lang, BTreeMap<String, String>>,
}

/// One slot of a form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotSpec {
    /// The slot's name.
    pub name: String,
    /// The entity type that fills it.
    pub entity: String,
    /// Whether the form asks for it.
    #[serde(default)]
    pub required: bool,
}

impl Form {
    /// The question for a slot in a language (English, then German, when missing).
    pub fn question(&self, slot: &str, lang: Lang) -> Option<&str> {
        [lang, Lang::En, Lang::De]
            .iter()
            .find_map(|l| self.questions.get(l).and_then(|q| q.get(slot)))
            .map(String::as_str)
    }

    /// The form's own question under the summary ("Soll ich die Bestellung abschicken?"), if it has one
    /// in this language.
    pub fn confirmation(&self, lang: Lang) -> Option<&str> {
        self.questions
            .get(&lang)
            .and_then(|q| q.get(CONFIRM_KEY))
            .map(String::as_str)
    }
}

/// The key of `[questions.<lang>]` that holds the question under a form's summary.
const CONFIRM_KEY: &str = "confirm";

/// Everything the dialogue needs to understand a message.
pub struct Nlu {
    /// The trained classifier.
    pub classifier: Classifier,
    /// Entity extraction.
    pub entities: Entities,
    /// Language detection.
    pub language: LanguageDetection,
    /// Responses per intent and language.
    pub responses: BTreeMap<String, BTreeMap<Lang, Vec<String>>>,
    /// Forms by intent.
    pub forms: BTreeMap<String, Form>,
    /// The knowledge entries each intent relates to, the default first (shown when the intent has no
    /// handler yet, and grounding its answers).
    pub services: BTreeMap<String, Vec<String>>,
    /// The examples the classifier was trained on (for cross-validation).
    pub examples: Vec<Example>,
    /// The services an appointment can be booked for.
    pub bookable: Vec<String>,
    /// Per intent, the words of its examples (lower case), to tell its own words from a topic.
    vocabulary: BTreeMap<String, std::collections::BTreeSet<String>>,
}

/// The words of a text, lower case, split at everything that is not a letter or digit.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentFile {
    intent: Spanned<String>,
    examples: Spanned<Vec<String>>,
    #[serde(default)]
    responses: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormFile {
    form: Spanned<String>,
    handler: String,
    #[serde(default)]
    confirm: bool,
    #[serde(default)]
    refine: bool,
    slots: Vec<Spanned<SlotSpec>>,
    #[serde(default)]
    questions: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServicesFile {
    services: BTreeMap<String, OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

fn parse_toml<T: for<'de> Deserialize<'de>>(
    path: &Path,
    problems: &mut Vec<Problem>,
) -> Option<(String, T)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            problems.push(Problem {
                file: path.to_path_buf(),
                line: 1,
                message: format!("cannot read the file: {error}"),
            });
            return None;
        }
    };
    match toml::from_str::<T>(&text) {
        Ok(value) => Some((text, value)),
        Err(error) => {
            let line = error.span().map(|s| line_of(&text, s.start)).unwrap_or(1);
            problems.push(Problem {
                file: path.to_path_buf(),
                line,
                message: error.message().trim().replace('\n', " "),
            });
            None
        }
    }
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

impl Nlu {
    /// Loads and validates intents/ and trains the classifier; service names and synonyms of the
    /// knowledge base become service.info examples.
    pub fn load(dir: &Path, knowledge: &KnowledgeBase) -> Result<Nlu, LoadError> {
        let mut problems = Vec::new();
        if !dir.is_dir() {
            return Err(LoadError::Directory {
                path: dir.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
            });
        }
        let mut examples = Vec::new();
        let mut language_examples: Vec<(String, Lang)> = Vec::new();
        let mut responses: BTreeMap<String, BTreeMap<Lang, Vec<String>>> = BTreeMap::new();
        for lang in INTENT_LANGS {
            for path in toml_files(&dir.join(lang.tag())) {
                let Some((text, file)) = parse_toml::<IntentFile>(&path, &mut problems) else {
                    continue;
                };
                let intent = file.intent.get_ref();
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                if !INTENTS.contains(&intent.as_str()) || intent == "fallback" {
                    problems.push(Problem {
                        file: path.clone(),
                        line: line_of(&text, file.intent.span().start),
                        message: format!(
                            "unknown intent '{intent}': use one of {}",
                            INTENTS[..13].join(", ")
                        ),
                    });
                    continue;
                }
                if stem != intent {
                    problems.push(Problem {
                        file: path.clone(),
                        line: line_of(&text, file.intent.span().start),
                        message: format!("intent '{intent}' must be in a file named {intent}.toml"),
                    });
                }
                let minimum = if matches!(lang, Lang::De | Lang::En) {
                    8
                } else {
                    5
                };
                if file.examples.get_ref().len() < minimum {
                    problems.push(Problem {
                        file: path.clone(),
                        line: line_of(&text, file.examples.span().start),
                        message: format!(
                            "{} examples; give at least {minimum}",
                            file.examples.get_ref().len()
                        ),
                    });
                }
                examples.extend(file.examples.get_ref().iter().map(|e| Example {
                    text: e.clone(),
                    intent: intent.clone(),
                }));
                language_examples.extend(file.examples.get_ref().iter().map(|e| (e.clone(), lang)));
                if !file.responses.is_empty() {
                    responses
                        .entry(intent.clone())
                        .or_default()
                        .insert(lang, file.responses.clone());
                }
            }
        }
        for needed in [
            "smalltalk.greet",
            "smalltalk.thanks",
            "smalltalk.bye",
            "human.handoff",
        ] {
            for lang in INTENT_LANGS {
                if !responses.get(needed).is_some_and(|r| r.contains_key(&lang)) {
                    problems.push(Problem {
                        file: dir.join(lang.tag()).join(format!("{needed}.toml")),
                        line: 1,
                        message: format!("{needed} needs responses in {}", lang.tag()),
                    });
                }
            }
        }

        let entities_path = dir.join("entities.toml");
        let entities = match parse_toml::<EntitiesFile>(&entities_path, &mut problems) {
            Some((_, file)) => match Entities::new(file) {
                Ok(entities) => Some(entities),
                Err(message) => {
                    problems.push(Problem {
                        file: entities_path.clone(),
                        line: 1,
                        message,
                    });
                    None
                }
            },
            None => None,
        };

        let mut forms = BTreeMap::new();
        for path in toml_files(&dir.join("forms")) {
            let Some((text, file)) = parse_toml::<FormFile>(&path, &mut problems) else {
                continue;
            };
            let intent = file.form.get_ref().clone();
            if !INTENTS.contains(&intent.as_str()) {
                problems.push(Problem {
                    file: path.clone(),
                    line: line_of(&text, file.form.span().start),
                    message: format!("form '{intent}' is not an intent name"),
                });
            }
            let mut questions: BTreeMap<Lang, BTreeMap<String, String>> = BTreeMap::new();
            for (tag, texts) in file.questions {
                match Lang::negotiate(&tag).filter(|l| l.tag() == tag) {
                    Some(lang) => {
                        questions.insert(lang, texts);
                    }
                    None => problems.push(Problem {
                        file: path.clone(),
                        line: 1,
                        message: format!("[questions.{tag}]: unknown language"),
                    }),
                }
            }
            let slots: Vec<SlotSpec> = file.slots.iter().map(|s| s.get_ref().clone()).collect();
            for (lang, texts) in &questions {
                for key in texts.keys() {
                    if key != CONFIRM_KEY && !slots.iter().any(|s| &s.name == key) {
                        problems.push(Problem {
                            file: path.clone(),
                            line: text
                                .lines()
                                .position(|l| l.trim_start().starts_with(&format!("{key} =")))
                                .map_or(1, |i| i + 1),
                            message: format!(
                                "[questions.{}]: '{key}' is neither a slot nor 'confirm'",
                                lang.tag()
                            ),
                        });
                    }
                }
            }
            for slot in &file.slots {
                let spec = slot.get_ref();
                let known = BUILT_IN_ENTITIES.contains(&spec.entity.as_str())
                    || spec.entity == "date"
                    || entities.as_ref().is_none_or(|e| e.knows(&spec.entity));
                if !known {
                    problems.push(Problem {
                        file: path.clone(),
                        line: line_of(&text, slot.span().start),
                        message: format!(
                            "slot '{}': unknown entity type '{}'",
                            spec.name, spec.entity
                        ),
                    });
                }
                for lang in [Lang::De, Lang::En] {
                    if spec.required
                        && !questions
                            .get(&lang)
                            .is_some_and(|q| q.contains_key(&spec.name))
                    {
                        problems.push(Problem {
                            file: path.clone(),
                            line: line_of(&text, slot.span().start),
                            message: format!(
                                "slot '{}' is required but has no question in [questions.{}]",
                                spec.name,
                                lang.tag()
                            ),
                        });
                    }
                }
            }
            forms.insert(
                intent.clone(),
                Form {
                    intent,
                    handler: file.handler,
                    confirm: file.confirm,
                    refine: file.refine,
                    slots,
                    questions,
                },
            );
        }

        let services_path = dir.join("services.toml");
        let services: BTreeMap<String, Vec<String>> =
            parse_toml::<ServicesFile>(&services_path, &mut problems)
                .map(|(_, f)| f.services)
                .unwrap_or_default()
                .into_iter()
                .map(|(intent, slugs)| match slugs {
                    OneOrMany::One(slug) => (intent, vec![slug]),
                    OneOrMany::Many(slugs) => (intent, slugs),
                })
                .collect();
        for (intent, slugs) in &services {
            if !INTENTS.contains(&intent.as_str()) {
                problems.push(Problem {
                    file: services_path.clone(),
                    line: 1,
                    message: format!("unknown intent '{intent}'"),
                });
            }
            if slugs.is_empty() {
                problems.push(Problem {
                    file: services_path.clone(),
                    line: 1,
                    message: format!("{intent}: no service named"),
                });
            }
            for slug in slugs
                .iter()
                .filter(|slug| knowledge.service(slug).is_none())
            {
                problems.push(Problem {
                    file: services_path.clone(),
                    line: 1,
                    message: format!("{intent}: service '{slug}' does not exist"),
                });
            }
        }

        if !problems.is_empty() {
            problems.sort();
            return Err(LoadError::Invalid(problems));
        }
        // An appointment is about a bookable service: every one belongs to the booking intents.
        let bookable: Vec<String> = knowledge
            .services
            .iter()
            .filter(|s| s.bookable)
            .map(|s| s.slug.clone())
            .collect();
        let mut entities = entities.expect("no problems, so the entities loaded");
        entities.add_words(
            "office",
            knowledge.offices.iter().flat_map(|office| {
                let names = office
                    .names
                    .values()
                    .cloned()
                    .chain(office.synonyms.iter().cloned())
                    .chain(office.district.iter().cloned());
                names
                    .map(|name| (name, office.id.clone()))
                    .collect::<Vec<_>>()
            }),
        );
        // "Egal" for an office: the earliest appointment anywhere.
        entities.add_words(
            "office",
            [
                "egal",
                "egal wo",
                "irgendwo",
                "beliebig",
                "ist mir egal",
                "any",
                "anywhere",
                "no preference",
            ]
            .map(|word| (word.to_string(), "any".to_string())),
        );
        // The knowledge base's own words teach the classifier what a service question looks like.
        // (Entries that describe a transaction would teach the wrong intent: they are left out.)
        let transaction_entries: Vec<&String> = services.values().flatten().collect();
        for service in knowledge
            .services
            .iter()
            .filter(|s| !transaction_entries.contains(&&s.slug))
        {
            for lang in [Lang::De, Lang::En] {
                if let Some(text) = service.texts.get(&lang) {
                    let phrases = std::iter::once(&text.name)
                        .chain(text.synonyms.iter())
                        .take(SERVICE_EXAMPLES_PER_ENTRY);
                    examples.extend(phrases.map(|p| Example {
                        text: p.clone(),
                        intent: "service.info".to_string(),
                    }));
                }
            }
        }
        let classifier = Classifier::train(&examples);
        let language = LanguageDetection::new(&language_examples);
        let mut vocabulary: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for example in &examples {
            vocabulary
                .entry(example.intent.clone())
                .or_default()
                .extend(words(&crate::knowledge::analysis::fold(&example.text)));
        }
        Ok(Nlu {
            classifier,
            entities,
            language,
            responses,
            forms,
            services,
            examples,
            bookable,
            vocabulary,
        })
    }

    /// How many words of a text never occur in the intent's examples ("Friseur" in "Termin beim
    /// Friseur"): what the message is about beyond the intent itself.
    pub fn unfamiliar_words(&self, intent: &str, text: &str) -> usize {
        let Some(known) = self.vocabulary.get(intent) else {
            return words(text).count();
        };
        // Numbers (dates, times) and codes ("KMXP-4821", "T-ABCD-1234") are details, not a topic.
        let code_like = |w: &str| {
            w.chars().any(|c| c.is_ascii_digit())
                || w.len() <= 5 && w.chars().all(|c| c.is_ascii_uppercase())
        };
        // Compared folded (ü = ue), so the text may come folded or as typed.
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && !code_like(w))
            .filter(|w| !known.contains(&crate::knowledge::analysis::fold(w)))
            .count()
    }

    /// The default knowledge entry of an intent.
    pub fn default_service(&self, intent: &str) -> Option<&str> {
        self.services
            .get(intent)
            .and_then(|slugs| slugs.first())
            .map(String::as_str)
    }

    /// Whether a knowledge entry belongs to an intent.
    pub fn relates(&self, intent: &str, slug: &str) -> bool {
        let appointment =
            intent.starts_with("appointment.") && self.bookable.iter().any(|s| s == slug);
        appointment
            || self
                .services
                .get(intent)
                .is_some_and(|slugs| slugs.iter().any(|s| s == slug))
    }

    /// Whether a knowledge entry belongs to any intent (it describes a transaction).
    pub fn describes_transaction(&self, slug: &str) -> bool {
        self.services.values().flatten().any(|s| s == slug)
    }

    /// The first response of an intent in a language (English, then German, when missing).
    pub fn response(&self, intent: &str, lang: Lang) -> Option<&str> {
        let responses = self.responses.get(intent)?;
        [lang, Lang::En, Lang::De]
            .iter()
            .find_map(|l| responses.get(l))
            .and_then(|r| r.first())
            .map(String::as_str)
    }
}
