//! Training and cross-validating the answer ranker on the example questions (`auskunft train`,
//! `auskunft crossval --services`). Every example is scored as an unseen question: its own vector is
//! left out of the neighbours. Folds hold out whole questions; the model of each fold is trained on the
//! others, and the decision thresholds are chosen on the pooled held-out predictions.

use std::collections::BTreeMap;
use std::fmt;

use super::Knowledge;
use super::ranker::{Candidate, Choice, Decision, FEATURES, LanguageModel, Model, train};
use crate::lang::Lang;

/// The precision the direct answers must hold in cross-validation (wrong answers, out-of-scope
/// questions answered included).
pub const ANSWER_PRECISION: f64 = 0.98;
/// The precision from which a direct answer needs no alternatives.
pub const SURE_PRECISION: f64 = 0.995;
/// How much worse "did you mean" buttons for an out-of-scope question are than they are good for a
/// question whose service is among them (a useless suggestion for a question whose service is not among
/// them counts a quarter).
pub const OUT_OF_SCOPE_SUGGESTION_COST: f64 = 2.0;

/// One example question with its candidates.
pub struct Item {
    /// The question.
    pub text: String,
    /// The service asked about (position), none: out of scope.
    pub service: Option<usize>,
    /// The language it is written in.
    pub lang: Lang,
    /// The candidates with their features.
    pub candidates: Vec<Candidate>,
}

/// Every example of the knowledge base, scored without itself.
pub fn dataset(knowledge: &Knowledge) -> Vec<Item> {
    let base = &knowledge.base;
    let ranker = &knowledge.ranker;
    let offset = ranker.neighbours.example_offset(base);
    let mut items = Vec::new();
    // Names and synonyms are what many citizens type as they are ("Reisepass beantragen", "Perso"):
    // they are questions too, scored without their own vector, in the order the neighbours hold them.
    let mut vector = 0;
    for (position, service) in base.services.iter().enumerate() {
        for (lang, text) in &service.texts {
            for phrase in std::iter::once(&text.name).chain(&text.synonyms) {
                let exclude = Some(vector);
                vector += 1;
                let Ok(lexical) = knowledge.index.search(phrase, *lang, 10) else {
                    continue;
                };
                let known = knowledge.index.known_share(phrase, lexical.lang);
                let candidates = ranker.candidates(base, &lexical, known, phrase, exclude);
                items.push(Item {
                    text: phrase.clone(),
                    service: Some(position),
                    lang: *lang,
                    candidates,
                });
            }
        }
    }
    debug_assert_eq!(vector, offset);
    let mut vector = offset;
    for example in &base.examples.questions {
        let Some(service) = base.service_position(&example.slug) else {
            continue;
        };
        let exclude = Some(vector);
        vector += 1;
        let Ok(lexical) = knowledge.index.search(&example.text, example.lang, 10) else {
            continue;
        };
        let known = knowledge.index.known_share(&example.text, lexical.lang);
        let candidates = ranker.candidates(base, &lexical, known, &example.text, exclude);
        items.push(Item {
            text: example.text.clone(),
            service: Some(service),
            lang: example.lang,
            candidates,
        });
    }
    for (lang, text) in &base.examples.out_of_scope {
        let Ok(lexical) = knowledge.index.search(text, *lang, 10) else {
            continue;
        };
        let known = knowledge.index.known_share(text, lexical.lang);
        let candidates = ranker.candidates(base, &lexical, known, text, None);
        items.push(Item {
            text: text.clone(),
            service: None,
            lang: *lang,
            candidates,
        });
    }
    items
}

fn choices<'a>(items: impl Iterator<Item = &'a Item>) -> Vec<Choice> {
    items
        .map(|item| Choice {
            candidates: item.candidates.iter().map(|c| c.features).collect(),
            right: item
                .service
                .and_then(|s| item.candidates.iter().position(|c| c.service == s)),
        })
        .collect()
}

/// What the model said about one held-out question.
#[derive(Debug, Clone, Copy)]
pub struct Prediction {
    /// The best candidate's probability.
    pub top: f32,
    /// The three best candidates' probabilities together (that the service is among them).
    pub top3: f32,
    /// Whether the best candidate is the right service.
    pub right: bool,
    /// The rank of the right service among the candidates (0 = first), if it is one.
    pub rank: Option<usize>,
    /// An out-of-scope example.
    pub out_of_scope: bool,
    /// The language.
    pub lang: Lang,
    /// Whether the lexical search alone had the right service first.
    pub lexical_right: bool,
    /// The example's position in the data set.
    pub item: usize,
    /// Whether the neighbours alone had it first.
    pub neighbour_right: bool,
}

fn predict(model: &LanguageModel, item: &Item) -> Prediction {
    let features: Vec<[f32; FEATURES.len()]> = item.candidates.iter().map(|c| c.features).collect();
    let mut scored: Vec<(f32, usize)> = model
        .probabilities(&features)
        .into_iter()
        .zip(item.candidates.iter().map(|c| c.service))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let rank = item
        .service
        .and_then(|s| scored.iter().position(|(_, c)| *c == s));
    let right = item
        .service
        .and_then(|s| item.candidates.iter().find(|c| c.service == s));
    Prediction {
        top: scored.first().map_or(0.0, |(p, _)| *p),
        top3: scored.iter().take(3).map(|(p, _)| p).sum(),
        right: rank == Some(0),
        rank,
        out_of_scope: item.service.is_none(),
        lang: item.lang,
        lexical_right: right.is_some_and(|c| c.features[4] > 0.5),
        neighbour_right: right.is_some_and(|c| c.features[8] > 0.5),
        item: 0,
    }
}

/// Folds that hold out whole questions: round-robin within each service (and among the out-of-scope
/// examples), so that every fold has every service.
fn folds(items: &[&Item], k: usize) -> Vec<usize> {
    let mut seen: BTreeMap<Option<usize>, usize> = BTreeMap::new();
    items
        .iter()
        .map(|item| {
            let count = seen.entry(item.service).or_default();
            let fold = *count % k;
            *count += 1;
            fold
        })
        .collect()
}

/// Held-out predictions for every example; each search language's model is trained on its own.
pub fn cross_validate(items: &[Item], k: usize) -> Vec<Prediction> {
    let k = k.max(2);
    let mut predictions = Vec::with_capacity(items.len());
    for lang in Lang::SEARCHABLE {
        let positions: Vec<usize> = (0..items.len())
            .filter(|i| items[*i].lang.search_lang() == lang)
            .collect();
        let own: Vec<&Item> = positions.iter().map(|i| &items[*i]).collect();
        let fold_of = folds(&own, k);
        for fold in 0..k {
            let training = choices(
                own.iter()
                    .zip(&fold_of)
                    .filter(|(_, f)| **f != fold)
                    .map(|(i, _)| *i),
            );
            let model = LanguageModel {
                weights: train(&training),
                answer: 1.0,
                sure: 1.0,
                suggest: 1.0,
            };
            predictions.extend(
                own.iter()
                    .zip(&fold_of)
                    .zip(&positions)
                    .filter(|((_, f), _)| **f == fold)
                    .map(|((item, _), position)| Prediction {
                        item: *position,
                        ..predict(&model, item)
                    }),
            );
        }
    }
    predictions
}

/// The smallest threshold from which the direct answers (the best candidate, out-of-scope examples
/// counted as wrong) are right at least `precision` of the time.
fn threshold_for(predictions: &[Prediction], precision: f64) -> f32 {
    let mut sorted: Vec<&Prediction> = predictions.iter().collect();
    sorted.sort_by(|a, b| b.top.total_cmp(&a.top));
    let mut right = 0usize;
    let mut best = 1.0f32;
    for (i, p) in sorted.iter().enumerate() {
        if p.right {
            right += 1;
        }
        let answered = i + 1;
        // Only cut between distinct probabilities.
        let next_differs = sorted.get(i + 1).is_none_or(|n| n.top < p.top);
        if next_differs && right as f64 / answered as f64 >= precision {
            best = p.top;
        }
    }
    best
}

/// Thresholds from held-out predictions.
pub fn thresholds(predictions: &[Prediction]) -> Decision {
    let answer = threshold_for(predictions, ANSWER_PRECISION);
    let sure = threshold_for(predictions, SURE_PRECISION).max(answer);
    // "Did you mean" offers three candidates: what counts is how likely the service is among them. Of
    // the questions not answered directly, those from the threshold on are asked back: it is chosen
    // where helpful suggestions outweigh the suggestions to out-of-scope questions most.
    let mut asked: Vec<(f32, f64)> = predictions
        .iter()
        .filter(|p| p.top < answer)
        .map(|p| {
            let value = if p.out_of_scope {
                -OUT_OF_SCOPE_SUGGESTION_COST
            } else if p.rank.is_some_and(|r| r < 3) {
                1.0
            } else {
                -0.25
            };
            (p.top3, value)
        })
        .collect();
    asked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut best_value, mut suggest, mut total) = (0.0f64, 1.0f32, 0.0f64);
    for (i, (mass, value)) in asked.iter().enumerate() {
        total += value;
        let next_differs = asked.get(i + 1).is_none_or(|n| n.0 < *mass);
        if next_differs && total > best_value {
            best_value = total;
            suggest = *mass;
        }
    }
    Decision {
        answer,
        sure,
        suggest,
    }
}

/// Thresholds for each language, each from its own held-out predictions.
pub fn decisions(predictions: &[Prediction]) -> BTreeMap<String, Decision> {
    Lang::SEARCHABLE
        .into_iter()
        .map(|lang| {
            let own: Vec<Prediction> = predictions
                .iter()
                .filter(|p| p.lang.search_lang() == lang)
                .copied()
                .collect();
            (lang.tag().to_string(), thresholds(&own))
        })
        .collect()
}

/// Cross-validation figures of the ranker with a decision's thresholds.
#[derive(Debug, Clone, Default)]
pub struct CrossValidation {
    /// Per language (and "all"): the figures.
    pub by_lang: BTreeMap<String, Figures>,
    /// The thresholds chosen per language.
    pub decisions: BTreeMap<String, Decision>,
    /// The held-out questions whose service was not ranked first: language, service, rank, text.
    pub misses: Vec<String>,
}

/// The figures of one group of held-out questions.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Service questions.
    pub questions: usize,
    /// Answered directly with the right service.
    pub direct_right: usize,
    /// Answered directly with a wrong service.
    pub direct_wrong: usize,
    /// The right service first (whatever the decision).
    pub top1: usize,
    /// The right service among the first three.
    pub top3: usize,
    /// Sum of reciprocal ranks.
    pub reciprocal_ranks: f64,
    /// The lexical search alone right first.
    pub lexical_top1: usize,
    /// The neighbours alone right first.
    pub neighbour_top1: usize,
    /// Out-of-scope examples.
    pub out_of_scope: usize,
    /// Out-of-scope examples refused (no direct answer).
    pub refused: usize,
    /// Out-of-scope examples refused without suggestions.
    pub refused_plainly: usize,
}

/// Scores held-out predictions with thresholds.
pub fn figures(
    predictions: &[Prediction],
    decisions: BTreeMap<String, Decision>,
) -> CrossValidation {
    let mut by_lang: BTreeMap<String, Figures> = BTreeMap::new();
    for p in predictions {
        let Decision {
            answer, suggest, ..
        } = decisions
            .get(p.lang.search_lang().tag())
            .copied()
            .unwrap_or(Decision {
                answer: 1.0,
                sure: 1.0,
                suggest: 1.0,
            });
        for key in ["all".to_string(), p.lang.tag().to_string()] {
            let f = by_lang.entry(key).or_default();
            if p.out_of_scope {
                f.out_of_scope += 1;
                if p.top < answer {
                    f.refused += 1;
                    if p.top3 < suggest {
                        f.refused_plainly += 1;
                    }
                }
                continue;
            }
            f.questions += 1;
            if p.top >= answer {
                if p.right {
                    f.direct_right += 1;
                } else {
                    f.direct_wrong += 1;
                }
            }
            if p.right {
                f.top1 += 1;
            }
            f.lexical_top1 += usize::from(p.lexical_right);
            f.neighbour_top1 += usize::from(p.neighbour_right);
            if p.rank.is_some_and(|r| r < 3) {
                f.top3 += 1;
            }
            if let Some(rank) = p.rank {
                f.reciprocal_ranks += 1.0 / (rank + 1) as f64;
            }
        }
    }
    CrossValidation {
        by_lang,
        decisions,
        misses: Vec::new(),
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

impl fmt::Display for CrossValidation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (lang, d) in &self.decisions {
            writeln!(
                f,
                "thresholds {lang}: answer {:.3}, sure {:.3}, suggest {:.3}",
                d.answer, d.sure, d.suggest
            )?;
        }
        writeln!(
            f,
            "{:<5} {:>6} {:>8} {:>8} {:>7} {:>7} {:>6} {:>5} {:>8} {:>8} {:>8} {:>8}",
            "lang",
            "quest.",
            "direct",
            "wrong",
            "top-1",
            "top-3",
            "MRR",
            "oos",
            "refused",
            "no-sugg",
            "lexical",
            "neighb."
        )?;
        for (lang, g) in &self.by_lang {
            writeln!(
                f,
                "{:<5} {:>6} {:>7.1}% {:>7.1}% {:>6.1}% {:>6.1}% {:>6.3} {:>5} {:>7.1}% {:>7.1}% {:>7.1}% {:>7.1}%",
                lang,
                g.questions,
                percent(g.direct_right, g.questions),
                percent(g.direct_wrong, g.questions),
                percent(g.top1, g.questions),
                percent(g.top3, g.questions),
                if g.questions == 0 {
                    0.0
                } else {
                    g.reciprocal_ranks / g.questions as f64
                },
                g.out_of_scope,
                percent(g.refused, g.out_of_scope),
                percent(g.refused_plainly, g.out_of_scope),
                percent(g.lexical_top1, g.questions),
                percent(g.neighbour_top1, g.questions),
            )?;
        }
        Ok(())
    }
}

/// Trains the model on every example, with thresholds from `k`-fold cross-validation; the model and
/// the cross-validation figures.
pub fn fit(knowledge: &Knowledge, k: usize, trained: &str) -> (Model, CrossValidation) {
    let items = dataset(knowledge);
    let predictions = cross_validate(&items, k);
    let misses: Vec<String> = predictions
        .iter()
        .filter(|p| !p.right && !p.out_of_scope)
        .map(|p| {
            let item = &items[p.item];
            let expected = item
                .service
                .map(|s| knowledge.base.services[s].slug.as_str())
                .unwrap_or("-");
            format!(
                "{}\t{expected}\trank {}\t{:?}",
                item.lang.tag(),
                p.rank.map_or("-".to_string(), |r| (r + 1).to_string()),
                item.text
            )
        })
        .collect();
    let chosen = decisions(&predictions);
    let mut report = figures(&predictions, chosen.clone());
    report.misses = misses;
    let languages = Lang::SEARCHABLE
        .into_iter()
        .map(|lang| {
            let own = choices(items.iter().filter(|i| i.lang.search_lang() == lang));
            let decision = chosen[lang.tag()];
            (
                lang.tag().to_string(),
                LanguageModel {
                    weights: train(&own),
                    answer: decision.answer,
                    sure: decision.sure,
                    suggest: decision.suggest,
                },
            )
        })
        .collect();
    let model = Model {
        trained: trained.to_string(),
        features: FEATURES.iter().map(|s| s.to_string()).collect(),
        languages,
    };
    (model, report)
}
