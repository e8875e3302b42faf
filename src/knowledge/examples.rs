//! Example questions: how citizens ask about each service (`questions/<slug>.toml`, `<slug>.en.toml`,
//! `<slug>.uk.toml`, ...) and questions the assistant has no answer for (`out-of-scope.toml`). They are what
//! the answer ranker learns from: the services' example questions are its nearest neighbours, the
//! out-of-scope ones teach it to refuse. Never copied from a test file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::load::{Problem, Source};
use crate::lang::Lang;

/// One example question of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleQuestion {
    /// The service it asks about.
    pub slug: String,
    /// Its language.
    pub lang: Lang,
    /// The citizen's words.
    pub text: String,
}

/// The example questions of the knowledge base.
#[derive(Debug, Clone, Default)]
pub struct Examples {
    /// Questions about services.
    pub questions: Vec<ExampleQuestion>,
    /// Questions no service answers, with their language.
    pub out_of_scope: Vec<(Lang, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionsFile {
    questions: Vec<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutOfScopeFile {
    questions: BTreeMap<String, Vec<toml::Spanned<String>>>,
}

/// A question folded for comparison: lower case, umlauts spelled out, punctuation and spacing ignored.
pub fn comparable(text: &str) -> String {
    super::analysis::words(text)
        .map(|(_, _, word)| word)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Loads `questions/` and `out-of-scope.toml`; every problem is reported with its line. A question
/// listed under two services (or also as out of scope) is an error: it cannot teach either.
pub fn load(dir: &Path, slugs: &[&str], problems: &mut Vec<Problem>) -> Examples {
    let mut examples = Examples::default();
    // Where each comparable question was first seen: (slug or "out of scope", file, line).
    let mut seen: HashMap<String, (String, std::path::PathBuf, usize)> = HashMap::new();
    let mut note = |key: String,
                    owner: &str,
                    source: &Source,
                    span: std::ops::Range<usize>,
                    problems: &mut Vec<Problem>|
     -> bool {
        match seen.get(&key) {
            Some((first, _, _)) if first == owner => {
                problems.push(
                    source.problem(span, format!("the question is listed twice for {owner}")),
                );
                false
            }
            Some((first, file, line)) => {
                problems.push(source.problem(
                    span,
                    format!(
                        "the question is also listed for {first} ({}:{line}): a question belongs to one service",
                        file.display()
                    ),
                ));
                false
            }
            None => {
                seen.insert(
                    key,
                    (
                        owner.to_string(),
                        source.path().to_path_buf(),
                        source.line(span),
                    ),
                );
                true
            }
        }
    };
    let questions_dir = dir.join("questions");
    let files = match super::load::toml_files(&questions_dir) {
        Ok(files) => files,
        Err(error) => {
            problems.push(Problem {
                file: questions_dir.clone(),
                line: 1,
                message: error.to_string(),
            });
            Vec::new()
        }
    };
    for file in files {
        let Some(source) = Source::read(&file, problems) else {
            continue;
        };
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let (slug, lang) = match stem.split_once('.') {
            None => (stem.clone(), Lang::De),
            Some((slug, tag)) => match Lang::negotiate(tag).filter(|l| l.tag() == tag) {
                Some(lang) => (slug.to_string(), lang),
                None => {
                    problems.push(source.problem(
                        0..0,
                        format!(
                            "unknown language '{tag}' in the file name: questions/<slug>.toml (German), <slug>.en.toml, <slug>.de-leicht.toml, <slug>.uk.toml or <slug>.ar.toml"
                        ),
                    ));
                    continue;
                }
            },
        };
        if !slugs.contains(&slug.as_str()) {
            problems.push(source.problem(
                0..0,
                format!("questions for '{slug}', but there is no services/{slug}.toml"),
            ));
            continue;
        }
        let Some(parsed) = source.parse::<QuestionsFile>(problems) else {
            continue;
        };
        for question in parsed.questions {
            let span = question.span();
            let text = question.into_inner().trim().to_string();
            let key = comparable(&text);
            if key.is_empty() {
                problems.push(source.problem(span, "the question is empty"));
                continue;
            }
            if note(key, &slug, &source, span, problems) {
                examples.questions.push(ExampleQuestion {
                    slug: slug.clone(),
                    lang,
                    text,
                });
            }
        }
    }
    let out_of_scope = dir.join("out-of-scope.toml");
    if out_of_scope.exists()
        && let Some(source) = Source::read(&out_of_scope, problems)
        && let Some(parsed) = source.parse::<OutOfScopeFile>(problems)
    {
        for (tag, questions) in parsed.questions {
            let Some(lang) = Lang::negotiate(&tag).filter(|l| l.tag() == tag) else {
                problems.push(source.problem(
                    0..0,
                    format!("unknown language '{tag}': use de, en, de-leicht, uk or ar"),
                ));
                continue;
            };
            for question in questions {
                let span = question.span();
                let text = question.into_inner().trim().to_string();
                let key = comparable(&text);
                if key.is_empty() {
                    // Emoji and punctuation alone are fine out of scope: keep them, compare as typed.
                    if text.is_empty() {
                        problems.push(source.problem(span, "the question is empty"));
                        continue;
                    }
                }
                let key = if key.is_empty() { text.clone() } else { key };
                if note(key, "out of scope", &source, span, problems) {
                    examples.out_of_scope.push((lang, text));
                }
            }
        }
    }
    examples
}
