//! The answer ranker: which service a question is about, and how sure that is.
//!
//! Two views of a question meet here. The lexical one is the tantivy search over the entries' names,
//! synonyms and texts ([`SearchIndex`]: BM25, how much of the question an entry covers, phrase match).
//! The learned one is [`Neighbours`]: the example questions of `questions/` (how citizens ask about each
//! service, in every language), as hashed word and character n-gram vectors; a question is compared
//! with every example and with each service's centroid. For each candidate of either view a few
//! features are computed and combined by a logistic model whose weights `auskunft train` learns from
//! the example questions (each scored without itself, as an unseen question would be) and the
//! out-of-scope examples (which teach it to refuse), and writes to `ranker.toml` with the decision
//! thresholds chosen by cross-validation. The result is a calibrated probability per candidate: the
//! chat answers, answers with alternatives, asks back or refuses by it.

use std::hash::{Hash, Hasher};
use std::path::Path;

use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

use super::analysis::words;
use super::index::{IndexError, SearchHit, SearchIndex, SearchResults};
use super::model::KnowledgeBase;
use crate::lang::Lang;

/// Candidates taken from each view.
const CANDIDATES: usize = 10;

/// Features used by fewer examples than this share are kept at query time; commoner ones (a frequent
/// trigram) add little and cost much.
const MAX_DF_SHARE: f32 = 0.08;

/// The names of the features, in the order of the model's weights. `ranker.toml` must list the same.
pub const FEATURES: [&str; 24] = [
    "bias",
    "lexical_coverage",
    "lexical_phrase",
    "lexical_score",
    "lexical_first",
    "neighbour_best",
    "neighbour_top3",
    "neighbour_centroid",
    "neighbour_first",
    "neighbour_margin",
    "lexical_margin",
    "agreement",
    "known_words",
    "question_words",
    "bayes",
    "bayes_first",
    "centroid_margin",
    "bayes_margin",
    "lexical_rank",
    "neighbour_rank",
    "coverage_x_phrase",
    "centroid_x_coverage",
    "best_x_centroid",
    "bayes_first_x_lexical_first",
];

/// Hashes a feature of a kind (word, bigram, character n-gram) made of these pieces.
fn feature<T: Hash + ?Sized>(kind: u8, pieces: &[&T]) -> u32 {
    let mut hasher = FxHasher::default();
    kind.hash(&mut hasher);
    for piece in pieces {
        piece.hash(&mut hasher);
    }
    hasher.finish() as u32
}

/// The raw features of a text with sub-linear counts: folded words, word pairs, character 3- to 5-grams
/// of each word (which carry typos, inflections, compounds and scripts without a stemmer).
fn raw_features(text: &str) -> Vec<(u32, f32)> {
    let words: Vec<String> = words(text).map(|(_, _, word)| word).collect();
    let mut hashed: Vec<u32> = Vec::with_capacity(text.len() * 4);
    let mut padded: Vec<char> = Vec::with_capacity(32);
    for (i, word) in words.iter().enumerate() {
        hashed.push(feature(b'w', &[word.as_str()]));
        if let Some(next) = words.get(i + 1) {
            hashed.push(feature(b'b', &[word.as_str(), next.as_str()]));
        }
        padded.clear();
        padded.push('<');
        padded.extend(word.chars());
        padded.push('>');
        for n in 3..=5 {
            for gram in padded.windows(n) {
                hashed.push(feature(b'c', &[gram]));
            }
        }
    }
    hashed.sort_unstable();
    let mut features: Vec<(u32, f32)> = Vec::with_capacity(hashed.len());
    for index in hashed {
        match features.last_mut() {
            Some((last, count)) if *last == index => *count += 1.0,
            _ => features.push((index, 1.0)),
        }
    }
    for (_, value) in &mut features {
        *value = 1.0 + value.ln();
    }
    features
}

/// The example questions of every service as vectors: nearest neighbours and centroids.
pub struct Neighbours {
    /// Inverse document frequency of each feature the examples use.
    idf: FxHashMap<u32, f32>,
    /// Feature → (example, weight), for the features kept at query time.
    postings: FxHashMap<u32, Vec<(u32, f32)>>,
    /// Each example's service (position in the knowledge base's services).
    example_service: Vec<u16>,
    /// Squared length of each service's summed example vectors.
    centroid_norm2: Vec<f32>,
    /// Each example's dot product with its own service's sum (to leave it out exactly).
    self_dot: Vec<f32>,
    /// How many services there are.
    services: usize,
    /// Naive Bayes: feature → (service, summed counts of the service's examples).
    bayes_postings: FxHashMap<u32, Vec<(u16, f32)>>,
    /// Naive Bayes: each service's total count.
    bayes_totals: Vec<f32>,
    /// Naive Bayes: how many distinct features there are.
    vocabulary: f32,
}

/// Naive Bayes smoothing (additive, per feature).
const BAYES_ALPHA: f32 = 0.05;

/// What the neighbours say about one service.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NeighbourScore {
    /// The most similar example's cosine similarity.
    pub best: f32,
    /// The mean of the three most similar examples (missing ones count 0).
    pub top3: f32,
    /// The cosine similarity with the service's centroid.
    pub centroid: f32,
    /// The naive Bayes log-likelihood per feature, relative to the best service's (0 for the best).
    pub bayes: f32,
}

impl Neighbours {
    /// Vectors for the example questions, names and synonyms of the knowledge base's services.
    pub fn build(knowledge: &KnowledgeBase) -> Neighbours {
        let services = knowledge.services.len();
        let mut texts: Vec<(u16, String)> = Vec::new();
        for (number, service) in knowledge.services.iter().enumerate() {
            let number = u16::try_from(number).unwrap_or(u16::MAX);
            for text in service.texts.values() {
                texts.push((number, text.name.clone()));
                for synonym in &text.synonyms {
                    texts.push((number, synonym.clone()));
                }
            }
        }
        for example in &knowledge.examples.questions {
            if let Some(number) = knowledge.service_position(&example.slug) {
                texts.push((
                    u16::try_from(number).unwrap_or(u16::MAX),
                    example.text.clone(),
                ));
            }
        }
        let raw: Vec<Vec<(u32, f32)>> = texts.iter().map(|(_, t)| raw_features(t)).collect();
        let mut bayes: FxHashMap<u32, FxHashMap<u16, f32>> = FxHashMap::default();
        let mut bayes_totals = vec![0.0f32; services];
        for ((service, _), features) in texts.iter().zip(&raw) {
            for (f, count) in features {
                *bayes.entry(*f).or_default().entry(*service).or_default() += count;
                bayes_totals[*service as usize] += count;
            }
        }
        let vocabulary = bayes.len().max(1) as f32;
        let bayes_postings: FxHashMap<u32, Vec<(u16, f32)>> = bayes
            .into_iter()
            .map(|(f, by_service)| (f, by_service.into_iter().collect()))
            .collect();
        let mut df: FxHashMap<u32, u32> = FxHashMap::default();
        for features in &raw {
            for (f, _) in features {
                *df.entry(*f).or_default() += 1;
            }
        }
        let documents = raw.len().max(1) as f32;
        let idf: FxHashMap<u32, f32> = df
            .iter()
            .map(|(f, n)| (*f, (1.0 + documents / (*n as f32)).ln()))
            .collect();
        let max_df = (documents * MAX_DF_SHARE).max(50.0) as u32;
        // Features commoner than that are left out of the vectors altogether: the similarities, the
        // centroids (sums of a service's vectors, so a centroid's dot product is the sum of its
        // vectors' similarities) and their lengths all see the same features.
        let idf: FxHashMap<u32, f32> = idf.into_iter().filter(|(f, _)| df[f] <= max_df).collect();
        let mut postings: FxHashMap<u32, Vec<(u32, f32)>> = FxHashMap::default();
        let mut sums: Vec<FxHashMap<u32, f32>> = vec![FxHashMap::default(); services];
        let mut vectors: Vec<Vec<(u32, f32)>> = Vec::with_capacity(raw.len());
        for (number, features) in raw.into_iter().enumerate() {
            let vector = weigh(&features, &idf);
            let service = texts[number].0 as usize;
            for (f, w) in &vector {
                *sums[service].entry(*f).or_default() += w;
                postings.entry(*f).or_default().push((number as u32, *w));
            }
            vectors.push(vector);
        }
        let centroid_norm2: Vec<f32> = sums
            .iter()
            .map(|sum| sum.values().map(|w| w * w).sum())
            .collect();
        let self_dot: Vec<f32> = vectors
            .iter()
            .zip(&texts)
            .map(|(vector, (service, _))| {
                vector
                    .iter()
                    .map(|(f, w)| w * sums[*service as usize].get(f).copied().unwrap_or(0.0))
                    .sum()
            })
            .collect();
        postings.shrink_to_fit();
        Neighbours {
            idf,
            postings,
            example_service: texts.iter().map(|(s, _)| *s).collect(),
            centroid_norm2,
            self_dot,
            services,
            bayes_postings,
            bayes_totals,
            vocabulary,
        }
    }

    /// Naive Bayes log-likelihood of the question under each service, per feature; `exclude` takes a
    /// vector's own counts out of its service (the question is that vector's text).
    fn bayes(&self, raw: &[(u32, f32)], exclude: Option<usize>) -> Vec<f32> {
        let length: f32 = raw.iter().map(|(_, t)| t).sum::<f32>().max(1e-6);
        let excluded = exclude.map(|e| self.example_service[e] as usize);
        let mut totals = self.bayes_totals.clone();
        if let Some(service) = excluded {
            totals[service] = (totals[service] - length).max(0.0);
        }
        // Every feature at the smoothing floor, then the features a service has lift it.
        let mut scores: Vec<f32> = totals
            .iter()
            .map(|total| length * (BAYES_ALPHA / (total + BAYES_ALPHA * self.vocabulary)).ln())
            .collect();
        for (f, t) in raw {
            let Some(list) = self.bayes_postings.get(f) else {
                continue;
            };
            for (service, count) in list {
                let service = *service as usize;
                let count = if excluded == Some(service) {
                    count - t
                } else {
                    *count
                };
                if count > 1e-6 {
                    scores[service] += t * ((count + BAYES_ALPHA) / BAYES_ALPHA).ln();
                }
            }
        }
        scores.iter_mut().for_each(|s| *s /= length);
        scores
    }

    /// How many vectors (examples, names, synonyms) there are.
    pub fn len(&self) -> usize {
        self.example_service.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.example_service.is_empty()
    }

    /// The scores of every service similar to the question, leaving out vector `exclude` (an example
    /// scored as if it were unseen).
    pub fn score(&self, question: &str, exclude: Option<usize>) -> Vec<(usize, NeighbourScore)> {
        let raw = raw_features(question);
        let query = weigh(&raw, &self.idf);
        if query.is_empty() {
            return Vec::new();
        }
        let bayes = self.bayes(&raw, exclude);
        let best_bayes = bayes.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sims: FxHashMap<u32, f32> = FxHashMap::default();
        for (f, w) in &query {
            if let Some(list) = self.postings.get(f) {
                for (example, weight) in list {
                    *sims.entry(*example).or_default() += w * weight;
                }
            }
        }
        // A centroid is the sum of its service's vectors: its dot product, the sum of their similarities.
        let mut centroid_dot = vec![0.0f32; self.services];
        for (example, sim) in &sims {
            centroid_dot[self.example_service[*example as usize] as usize] += sim;
        }
        // Leave the excluded vector out of its service's centroid too.
        let mut norm2 = self.centroid_norm2.clone();
        if let Some(example) = exclude {
            let service = self.example_service[example] as usize;
            let own = sims.get(&(example as u32)).copied().unwrap_or(0.0);
            centroid_dot[service] -= own;
            norm2[service] = (norm2[service] - 2.0 * self.self_dot[example] + 1.0).max(0.0);
        }
        let mut top: Vec<[f32; 3]> = vec![[0.0; 3]; self.services];
        for (example, sim) in sims {
            if Some(example as usize) == exclude {
                continue;
            }
            let slot = &mut top[self.example_service[example as usize] as usize];
            if sim > slot[2] {
                slot[2] = sim;
                slot.sort_by(|a, b| b.total_cmp(a));
            }
        }
        (0..self.services)
            .filter_map(|service| {
                let [a, b, c] = top[service];
                let centroid = if norm2[service] > 0.0 {
                    (centroid_dot[service] / norm2[service].sqrt()).max(0.0)
                } else {
                    0.0
                };
                let bayes = bayes[service] - best_bayes;
                (a > 0.0 || centroid > 0.0 || bayes > -0.5).then_some((
                    service,
                    NeighbourScore {
                        best: a,
                        top3: (a + b + c) / 3.0,
                        centroid,
                        bayes,
                    },
                ))
            })
            .collect()
    }

    /// The vector number of each example question of the knowledge base, in its order (names and
    /// synonyms come first), for leaving one out.
    pub fn example_offset(&self, knowledge: &KnowledgeBase) -> usize {
        self.len()
            - knowledge
                .examples
                .questions
                .iter()
                .filter(|e| knowledge.service_position(&e.slug).is_some())
                .count()
    }
}

/// tf·idf, unit length.
fn weigh(features: &[(u32, f32)], idf: &FxHashMap<u32, f32>) -> Vec<(u32, f32)> {
    let mut vector: Vec<(u32, f32)> = features
        .iter()
        .filter_map(|(f, tf)| idf.get(f).map(|idf| (*f, tf * idf)))
        .collect();
    let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in &mut vector {
            *w /= norm;
        }
    }
    vector
}

/// One candidate with its features.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The service's position in the knowledge base.
    pub service: usize,
    /// The lexical hit, if the search found it.
    pub lexical: Option<SearchHit>,
    /// The features, in the order of [`FEATURES`].
    pub features: [f32; FEATURES.len()],
}

/// Where a language's probabilities turn into decisions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// From this probability the best candidate is answered directly.
    pub answer: f32,
    /// Below this one a direct answer also offers the runners-up.
    pub sure: f32,
    /// Below `answer`: from this probability that the service is among the three best, they are offered
    /// as "did you mean"; below it, the question is refused.
    pub suggest: f32,
}

/// The weights and thresholds of one search language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageModel {
    /// One weight per feature: what the two views are worth differs between languages (German and
    /// English have full texts, Ukrainian and Arabic mostly example questions).
    pub weights: Vec<f32>,
    /// From this probability the best candidate is answered directly.
    pub answer: f32,
    /// Below this one a direct answer also offers the runners-up.
    pub sure: f32,
    /// Below `answer`: from this probability that the service is among the three best, they are offered
    /// as "did you mean"; below it, the question is refused.
    pub suggest: f32,
}

impl LanguageModel {
    /// The thresholds.
    pub fn decision(&self) -> Decision {
        Decision {
            answer: self.answer,
            sure: self.sure,
            suggest: self.suggest,
        }
    }

    /// The probability that each candidate is the service asked about: a softmax over the candidates'
    /// scores and "none of them" (score 0), so the shares and the chance that the question is about
    /// none of the candidates sum to one.
    pub fn probabilities(&self, candidates: &[[f32; FEATURES.len()]]) -> Vec<f32> {
        softmax_with_none(
            candidates
                .iter()
                .map(|features| self.weights.iter().zip(features).map(|(w, f)| w * f).sum()),
        )
    }
}

/// The learned weights and the decision thresholds (`ranker.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// How the model was made (for people).
    pub trained: String,
    /// The feature names, as [`FEATURES`].
    pub features: Vec<String>,
    /// Per search language (de, en, uk, ar): weights and thresholds, chosen on its held-out questions.
    pub languages: std::collections::BTreeMap<String, LanguageModel>,
}

impl Model {
    /// The model of a language (its search language's; German's where it has none).
    pub fn language(&self, lang: Lang) -> Option<&LanguageModel> {
        self.languages
            .get(lang.search_lang().tag())
            .or_else(|| self.languages.get(Lang::De.tag()))
            .or_else(|| self.languages.values().next())
    }

    /// The thresholds for questions in a language (refusing everything if the model has none).
    pub fn decision(&self, lang: Lang) -> Decision {
        self.language(lang).map_or(
            Decision {
                answer: 1.0,
                sure: 1.0,
                suggest: 1.0,
            },
            LanguageModel::decision,
        )
    }

    /// Reads `ranker.toml`; the features must be the ones this code computes.
    pub fn load(path: &Path) -> Result<Model, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the ranker model: {e}", path.display()))?;
        let model: Model = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if model.features != FEATURES
            || model
                .languages
                .values()
                .any(|l| l.weights.len() != FEATURES.len())
        {
            return Err(format!(
                "{}: the model was trained for other features ({}); run `auskunft train` again",
                path.display(),
                model.features.join(", ")
            ));
        }
        if model.languages.is_empty() {
            return Err(format!("{}: the model has no languages", path.display()));
        }
        for (lang, l) in &model.languages {
            if Lang::negotiate(lang).is_none()
                || !(0.0..=1.0).contains(&l.suggest)
                || !(0.0..=1.0).contains(&l.answer)
                || l.answer > l.sure
                || l.sure > 1.0
            {
                return Err(format!(
                    "{}: languages.{lang}: thresholds must lie in 0..1 with answer <= sure",
                    path.display()
                ));
            }
        }
        Ok(model)
    }
}

/// Shares of `exp(score)` among the scores and a "none" option of score 0.
fn softmax_with_none(scores: impl Iterator<Item = f32>) -> Vec<f32> {
    let scores: Vec<f32> = scores.collect();
    let max = scores.iter().copied().fold(0.0f32, f32::max);
    let none = (-max).exp();
    let exps: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
    let total = none + exps.iter().sum::<f32>();
    exps.into_iter().map(|e| e / total).collect()
}

/// The ranker: the lexical index, the neighbours and the model.
pub struct Ranker {
    /// The example questions as vectors.
    pub neighbours: Neighbours,
    /// The model; none: the lexical order and coverage decide (as before there were examples).
    pub model: Option<Model>,
}

impl Ranker {
    /// The candidates of a question with their features, from both views. `exclude` leaves one vector
    /// of the neighbours out (training).
    pub fn candidates(
        &self,
        knowledge: &KnowledgeBase,
        lexical: &SearchResults,
        known_words: f32,
        question: &str,
        exclude: Option<usize>,
    ) -> Vec<Candidate> {
        let mut neighbours = self.neighbours.score(question, exclude);
        neighbours.sort_by(|a, b| b.1.best.total_cmp(&a.1.best).then(a.0.cmp(&b.0)));
        let mut pool: Vec<usize> = Vec::with_capacity(CANDIDATES * 2);
        for hit in lexical.hits.iter().take(CANDIDATES) {
            if let Some(position) = knowledge.service_position(&hit.slug)
                && !pool.contains(&position)
            {
                pool.push(position);
            }
        }
        for (service, _) in neighbours.iter().take(CANDIDATES) {
            if !pool.contains(service) {
                pool.push(*service);
            }
        }
        let mut by_bayes: Vec<&(usize, NeighbourScore)> = neighbours.iter().collect();
        by_bayes.sort_by(|a, b| b.1.bayes.total_cmp(&a.1.bayes).then(a.0.cmp(&b.0)));
        for (service, _) in by_bayes.into_iter().take(CANDIDATES / 2) {
            if !pool.contains(service) {
                pool.push(*service);
            }
        }
        let top_score = lexical.hits.first().map_or(0.0, |h| h.score).max(1e-6);
        // A service the neighbours do not name at all: no similarity, far below the best in Bayes.
        let nothing = NeighbourScore {
            bayes: -5.0,
            ..NeighbourScore::default()
        };
        let neighbour_of = |service: usize| {
            neighbours
                .iter()
                .find(|(s, _)| *s == service)
                .map_or(nothing, |(_, n)| *n)
        };
        let lexical_of = |service: usize| {
            lexical
                .hits
                .iter()
                .position(|h| knowledge.service_position(&h.slug) == Some(service))
                .map(|rank| (rank, lexical.hits[rank].clone()))
        };
        let question_words = (1.0 + lexical.meaningful_words as f32).ln();
        let mut candidates: Vec<Candidate> = pool
            .iter()
            .map(|&service| {
                let n = neighbour_of(service);
                let l = lexical_of(service);
                let best_other_neighbour = pool
                    .iter()
                    .filter(|s| **s != service)
                    .map(|s| neighbour_of(*s).best)
                    .fold(0.0f32, f32::max);
                let best_other_centroid = pool
                    .iter()
                    .filter(|s| **s != service)
                    .map(|s| neighbour_of(*s).centroid)
                    .fold(0.0f32, f32::max);
                let best_other_bayes = pool
                    .iter()
                    .filter(|s| **s != service)
                    .map(|s| neighbour_of(*s).bayes)
                    .fold(-5.0f32, f32::max);
                let neighbour_rank = neighbours
                    .iter()
                    .position(|(s, _)| *s == service)
                    .map_or(0.0, |r| 1.0 / (r as f32 + 1.0));
                let best_other_coverage = pool
                    .iter()
                    .filter(|s| **s != service)
                    .filter_map(|s| lexical_of(*s).map(|(_, h)| h.confidence))
                    .fold(0.0f32, f32::max);
                let lexical_rank = l.as_ref().map_or(0.0, |(r, _)| 1.0 / (*r as f32 + 1.0));
                let (coverage, phrase, score, first) = match &l {
                    Some((rank, hit)) => (
                        hit.confidence,
                        hit.phrase,
                        hit.score / top_score,
                        if *rank == 0 { 1.0 } else { 0.0 },
                    ),
                    None => (0.0, 0.0, 0.0, 0.0),
                };
                let neighbour_first = if neighbours.first().map(|(s, _)| *s) == Some(service) {
                    1.0
                } else {
                    0.0
                };
                Candidate {
                    service,
                    lexical: l.map(|(_, hit)| hit),
                    features: [
                        1.0,
                        coverage,
                        phrase,
                        score,
                        first,
                        n.best,
                        n.top3,
                        n.centroid,
                        neighbour_first,
                        n.best - best_other_neighbour,
                        coverage - best_other_coverage,
                        first * neighbour_first,
                        known_words,
                        question_words,
                        n.bayes,
                        if n.bayes >= 0.0 { 1.0 } else { 0.0 },
                        n.centroid - best_other_centroid,
                        (n.bayes - best_other_bayes).clamp(-5.0, 5.0),
                        lexical_rank,
                        neighbour_rank,
                        coverage * phrase,
                        n.centroid * coverage,
                        n.best * n.centroid,
                        if n.bayes >= 0.0 { first } else { 0.0 },
                    ],
                }
            })
            .collect();
        candidates.sort_by_key(|c| c.service);
        candidates
    }

    /// Ranks a question: lexical search, neighbours, the model. Hits carry the model's probability as
    /// their `probability`, best first; without a model, the lexical results as they are.
    pub fn rank(
        &self,
        knowledge: &KnowledgeBase,
        index: &SearchIndex,
        question: &str,
        preferred: Lang,
        limit: usize,
    ) -> Result<SearchResults, IndexError> {
        let lexical = index.search(question, preferred, CANDIDATES)?;
        let Some(model) = &self.model else {
            let mut lexical = lexical;
            lexical.hits.truncate(limit);
            for hit in &mut lexical.hits {
                hit.probability = hit.confidence;
            }
            return Ok(lexical);
        };
        let known = index.known_share(question, lexical.lang);
        let candidates = self.candidates(knowledge, &lexical, known, question, None);
        let features: Vec<[f32; FEATURES.len()]> = candidates.iter().map(|c| c.features).collect();
        let Some(language) = model.language(lexical.lang) else {
            return Ok(lexical);
        };
        let probabilities = language.probabilities(&features);
        let mut hits: Vec<SearchHit> = candidates
            .into_iter()
            .zip(probabilities)
            .map(|(candidate, probability)| {
                let mut hit = candidate.lexical.unwrap_or_else(|| SearchHit {
                    slug: knowledge.services[candidate.service].slug.clone(),
                    score: 0.0,
                    confidence: 0.0,
                    phrase: 0.0,
                    probability: 0.0,
                });
                hit.probability = probability;
                hit
            })
            .collect();
        hits.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.slug.cmp(&b.slug))
        });
        hits.truncate(limit);
        Ok(SearchResults {
            hits,
            lang: lexical.lang,
            meaningful_words: lexical.meaningful_words,
        })
    }
}

/// One question for training: its candidates' features and which of them is right (none: the question
/// is about none of them, out of scope or a miss of both views).
pub struct Choice {
    /// The candidates' features.
    pub candidates: Vec<[f32; FEATURES.len()]>,
    /// The right candidate.
    pub right: Option<usize>,
}

/// Trains the model: a conditional logit over each question's candidates and "none" (maximum
/// likelihood with a little L2, full-batch gradient descent with backtracking); deterministic.
pub fn train(choices: &[Choice]) -> Vec<f32> {
    let n = FEATURES.len();
    if choices.is_empty() {
        return vec![0.0; n];
    }
    // Standardise for the optimisation, then fold the scaling back into the weights.
    let count = choices
        .iter()
        .map(|c| c.candidates.len())
        .sum::<usize>()
        .max(1) as f64;
    let mut mean = vec![0.0f64; n];
    let mut scale = vec![1.0f64; n];
    for j in 1..n {
        let values = || {
            choices
                .iter()
                .flat_map(|c| c.candidates.iter().map(move |f| f64::from(f[j])))
        };
        mean[j] = values().sum::<f64>() / count;
        let variance = values().map(|v| (v - mean[j]).powi(2)).sum::<f64>() / count;
        scale[j] = variance.sqrt().max(1e-6);
    }
    let standardised: Vec<(Vec<Vec<f64>>, Option<usize>)> = choices
        .iter()
        .map(|choice| {
            let rows = choice
                .candidates
                .iter()
                .map(|f| {
                    let mut z = vec![1.0f64; n];
                    for j in 1..n {
                        z[j] = (f64::from(f[j]) - mean[j]) / scale[j];
                    }
                    z
                })
                .collect();
            (rows, choice.right)
        })
        .collect();
    let l2 = 1e-3f64;
    let evaluate = |w: &[f64], gradient: Option<&mut Vec<f64>>| -> f64 {
        let mut loss = 0.0;
        let mut g = vec![0.0f64; n];
        for (rows, right) in &standardised {
            let scores: Vec<f64> = rows
                .iter()
                .map(|z| w.iter().zip(z).map(|(a, b)| a * b).sum())
                .collect();
            let max = scores.iter().copied().fold(0.0f64, f64::max);
            let none = (-max).exp();
            let exps: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
            let total = none + exps.iter().sum::<f64>();
            let chosen = match right {
                Some(i) => exps[*i],
                None => none,
            };
            loss -= (chosen / total).ln();
            for (k, z) in rows.iter().enumerate() {
                let p = exps[k] / total;
                let target = if *right == Some(k) { 1.0 } else { 0.0 };
                for j in 0..n {
                    g[j] += (p - target) * z[j];
                }
            }
        }
        let items = standardised.len() as f64;
        loss /= items;
        for (j, value) in g.iter_mut().enumerate() {
            *value /= items;
            if j > 0 {
                *value += 2.0 * l2 * w[j];
            }
        }
        if let Some(out) = gradient {
            *out = g;
        }
        loss + l2 * w.iter().skip(1).map(|v| v * v).sum::<f64>()
    };
    let mut w = vec![0.0f64; n];
    let mut gradient = vec![0.0f64; n];
    let mut current = evaluate(&w, Some(&mut gradient));
    let mut rate = 1.0f64;
    for _ in 0..500 {
        let mut improved = None;
        while rate >= 1e-8 {
            let next: Vec<f64> = w.iter().zip(&gradient).map(|(a, g)| a - rate * g).collect();
            let mut next_gradient = vec![0.0f64; n];
            let value = evaluate(&next, Some(&mut next_gradient));
            if value <= current {
                improved = Some(current - value);
                w = next;
                gradient = next_gradient;
                current = value;
                rate *= 1.5;
                break;
            }
            rate *= 0.5;
        }
        if improved.is_none_or(|gain| gain < 1e-9) {
            break;
        }
    }
    // Undo the standardisation: w_j z_j = (w_j / s_j) x_j - w_j m_j / s_j.
    let mut weights = vec![0.0f32; n];
    let mut bias = w[0];
    for j in 1..n {
        weights[j] = (w[j] / scale[j]) as f32;
        bias -= w[j] * mean[j] / scale[j];
    }
    weights[0] = bias as f32;
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_learns_which_candidate_is_right_and_when_none_is() {
        // Three candidates per question; the right one has the highest feature 5, unless all are low.
        let mut choices = Vec::new();
        for i in 0..300 {
            let level = (i % 10) as f32 / 10.0;
            let candidates: Vec<[f32; FEATURES.len()]> = (0..3)
                .map(|k| {
                    let mut f = [0.0; FEATURES.len()];
                    f[0] = 1.0;
                    f[5] = level * if k == i % 3 { 1.0 } else { 0.3 };
                    f
                })
                .collect();
            choices.push(Choice {
                candidates,
                right: (level >= 0.5).then_some(i % 3),
            });
        }
        let model = LanguageModel {
            weights: train(&choices),
            answer: 0.5,
            sure: 0.9,
            suggest: 0.5,
        };
        let high = model.probabilities(&choices[9].candidates);
        assert!(high[0] > 0.7, "{high:?}");
        let low = model.probabilities(&choices[1].candidates);
        assert!(low.iter().all(|p| *p < 0.3), "{low:?}");
    }

    #[test]
    fn raw_features_cover_every_script() {
        for text in ["Personalausweis", "посвідчення особи", "بطاقة الهوية"]
        {
            assert!(raw_features(text).len() > 5, "{text}");
        }
    }
}
