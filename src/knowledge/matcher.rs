//! Coverage matching: how much of a question a document covers. Each meaningful word of the question
//! counts with its rarity (idf) and is covered by the document's title (fully), the compound parts of its
//! title (partly) or its text (less); facet words ("kostet") count little. Used to judge search hits and,
//! alone, to search the small collections (offices, courses).

use rustc_hash::{FxHashMap, FxHashSet};

use super::analysis::{AnalyzedQuery, Analyzer};

/// How much of a question word a match in each field covers.
pub const TITLE_COVER: f32 = 1.0;
/// A compound part of a title word.
pub const PARTS_COVER: f32 = 0.7;
/// A word of the text.
pub const TEXT_COVER: f32 = 0.5;

/// How much a facet word ("kostet", "dauert") counts, relative to other words: it asks which part of an
/// entry is wanted, not which entry.
pub const FACET_IMPORTANCE: f32 = 0.25;

/// The analysed terms of one document.
#[derive(Debug, Default, Clone)]
pub struct DocTerms {
    title: FxHashSet<String>,
    parts: FxHashSet<String>,
    text: FxHashSet<String>,
    /// The whole-word terms of each title phrase (a name, a synonym), one set per phrase.
    phrases: Vec<FxHashSet<String>>,
}

impl DocTerms {
    /// Analyses a document: its title phrases (name and synonyms) and its text.
    pub fn new<'a>(
        analyzer: &Analyzer,
        title_phrases: impl IntoIterator<Item = &'a str>,
        text: &str,
    ) -> DocTerms {
        let mut terms = DocTerms::default();
        for phrase in title_phrases {
            let mut whole = FxHashSet::default();
            for term in analyzer.index_terms(phrase) {
                if term.part {
                    terms.parts.insert(term.term);
                } else {
                    terms.title.insert(term.term.clone());
                    whole.insert(term.term);
                }
            }
            if !whole.is_empty() {
                terms.phrases.push(whole);
            }
        }
        terms.text = analyzer
            .index_terms(text)
            .into_iter()
            .filter(|t| !t.part)
            .map(|t| t.term)
            .collect();
        terms
    }

    /// How much of a word with these terms the document covers (0 to 1).
    fn cover(&self, terms: &[(String, f32)]) -> f32 {
        let mut cover: f32 = 0.0;
        for (term, weight) in terms {
            let field_cover = if self.title.contains(term) {
                TITLE_COVER
            } else if self.parts.contains(term) {
                PARTS_COVER
            } else if self.text.contains(term) {
                TEXT_COVER
            } else {
                0.0
            };
            cover = cover.max(field_cover * weight);
        }
        cover
    }
}

/// Documents with their terms and the document frequency of every term.
#[derive(Debug, Default, Clone)]
pub struct Matcher {
    docs: Vec<DocTerms>,
    document_frequency: FxHashMap<String, u32>,
}

impl Matcher {
    /// A matcher over these documents (their order is their index).
    pub fn new(docs: Vec<DocTerms>) -> Matcher {
        let mut document_frequency: FxHashMap<String, u32> = FxHashMap::default();
        for doc in &docs {
            for term in doc.title.union(&doc.text) {
                *document_frequency.entry(term.clone()).or_default() += 1;
            }
        }
        Matcher {
            docs,
            document_frequency,
        }
    }

    /// The number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// How many documents use a term (in a title or the text).
    pub fn document_frequency(&self, term: &str) -> u32 {
        self.document_frequency.get(term).copied().unwrap_or(0)
    }

    /// Per meaningful word: its importance and how much of it document `doc` covers.
    pub fn explain(&self, query: &AnalyzedQuery, doc: usize) -> Vec<(f32, f32)> {
        let documents = self.docs.len().max(1) as f32;
        let idf = |df: u32| (1.0 + documents / (df as f32 + 0.5)).ln();
        let terms = &self.docs[doc];
        query
            .words
            .iter()
            .map(|word| {
                // A word the documents do not use, or only in a corrected spelling, is a guess: it counts
                // as much as the rarest word, so covering it has to be earned.
                let rarest = if word.corrected {
                    0
                } else {
                    word.terms
                        .iter()
                        .filter_map(|(term, _)| self.document_frequency.get(term))
                        .min()
                        .copied()
                        .unwrap_or(0)
                };
                let facet = if word.facet.is_some() {
                    FACET_IMPORTANCE
                } else {
                    1.0
                };
                (idf(rarest) * facet, terms.cover(&word.terms))
            })
            .collect()
    }

    /// How much of the question document `doc` covers, from 0 to 1.
    pub fn confidence(&self, query: &AnalyzedQuery, doc: usize) -> f32 {
        let explained = self.explain(query, doc);
        let total: f32 = explained.iter().map(|(importance, _)| importance).sum();
        let covered: f32 = explained
            .iter()
            .map(|(importance, cover)| importance * cover)
            .sum();
        if total == 0.0 { 0.0 } else { covered / total }
    }

    /// How closely the question matches one of the document's title phrases, from 0 to 1: the phrase's
    /// terms found among the question's words, against the phrase's length plus the question's words left
    /// over (facet words are not counted as left over). "Auto anmelden" matches the synonym "Auto
    /// anmelden" fully and "gebrauchtes Auto anmelden" by two thirds.
    pub fn phrase_match(&self, query: &AnalyzedQuery, doc: usize) -> f32 {
        let mut best: f32 = 0.0;
        for phrase in &self.docs[doc].phrases {
            let matched = phrase
                .iter()
                .filter(|term| {
                    query
                        .words
                        .iter()
                        .any(|word| word.terms.iter().any(|(t, _)| t == *term))
                })
                .count();
            let unmatched_words = query
                .words
                .iter()
                .filter(|word| {
                    word.facet.is_none() && !word.terms.iter().any(|(t, _)| phrase.contains(t))
                })
                .count();
            best = best.max(matched as f32 / (phrase.len() + unmatched_words) as f32);
        }
        best
    }

    /// Every document covering at least `min_confidence` of the question, best first, as (document,
    /// confidence, rank score).
    pub fn rank(&self, query: &AnalyzedQuery, min_confidence: f32) -> Vec<(usize, f32, f32)> {
        let mut ranked: Vec<(usize, f32, f32)> = (0..self.docs.len())
            .filter_map(|doc| {
                let confidence = self.confidence(query, doc);
                (confidence >= min_confidence && confidence > 0.0).then(|| {
                    (
                        doc,
                        confidence,
                        confidence * (0.5 + self.phrase_match(query, doc)),
                    )
                })
            })
            .collect();
        ranked.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::model::Lexicon;
    use crate::lang::Lang;

    fn setup() -> (Analyzer, Matcher) {
        let lexicon = Lexicon {
            stopwords: vec!["ich".into(), "ein".into()],
            facets: [("fees".to_string(), vec!["kostet".to_string()])].into(),
            ..Lexicon::default()
        };
        let texts = [
            "Auto anmelden Fahrzeug zulassen",
            "Auto ummelden Halterwechsel",
            "Hund anmelden Hundesteuer",
        ];
        let analyzer = Analyzer::new(Lang::De, &lexicon, texts);
        let docs = vec![
            DocTerms::new(
                &analyzer,
                ["Fahrzeug zulassen", "Auto anmelden"],
                "Zulassung bei der Behörde.",
            ),
            DocTerms::new(
                &analyzer,
                ["Halterwechsel", "gebrauchtes Auto anmelden"],
                "Umschreibung.",
            ),
            DocTerms::new(&analyzer, ["Hund anmelden"], "Hundesteuer zahlen."),
        ];
        (analyzer, Matcher::new(docs))
    }

    #[test]
    fn the_document_whose_title_covers_the_question_ranks_first() {
        let (analyzer, matcher) = setup();
        let query = analyzer.analyze_query("Auto anmelden");
        let ranked = matcher.rank(&query, 0.1);
        assert_eq!(ranked[0].0, 0, "{ranked:?}");
        assert!((ranked[0].1 - 1.0).abs() < 1e-6);
        assert!(matcher.phrase_match(&query, 0) > matcher.phrase_match(&query, 1));
    }

    #[test]
    fn facet_words_weigh_little_and_unknown_words_weigh_much() {
        let (analyzer, matcher) = setup();
        let with_facet = matcher.confidence(&analyzer.analyze_query("Hund anmelden kostet"), 2);
        let with_unknown = matcher.confidence(&analyzer.analyze_query("Hund anmelden Wetter"), 2);
        assert!(with_facet > 0.7, "{with_facet}");
        assert!(with_unknown < with_facet, "{with_unknown} {with_facet}");
    }
}
