//! The tantivy index over the knowledge base: built at start-up (in RAM, or in a data directory when
//! configured) with the analyzer of [`super::analysis`], searched with weighted term queries, and
//! scored with BM25 plus a coverage-based confidence that says how much of the question an entry answers.

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::analysis::{AnalyzedQuery, Analyzer};
use super::model::{KnowledgeBase, Lexicon, ServiceText};
use crate::lang::Lang;

/// How strongly a match in each field counts, for BM25 boosts and for the confidence.
const NAME_BOOST: f32 = 3.0;
const SYNONYMS_BOOST: f32 = 2.5;
const PARTS_BOOST: f32 = 1.0;
const TEXT_BOOST: f32 = 0.6;

/// How much of a question word a match in each field covers.
const NAME_COVER: f32 = 1.0;
const PARTS_COVER: f32 = 0.7;
const TEXT_COVER: f32 = 0.5;

/// How much a facet word ("kostet", "dauert") counts towards the confidence, relative to other words:
/// it asks which part of an entry is wanted, not which entry.
const FACET_IMPORTANCE: f32 = 0.25;

/// A confidence from which a search in the preferred language is not compared with other languages.
const CONFIDENT: f32 = 0.9;

/// Candidates fetched from tantivy before confidence-aware re-ranking.
const CANDIDATES: usize = 20;

/// The index could not be built or searched.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed.
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index directory could not be prepared.
    #[error("cannot prepare the search index directory {path}")]
    Directory {
        /// The directory.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The service slug.
    pub slug: String,
    /// The ranking score (BM25 re-weighted by confidence); comparable within one search only.
    pub score: f32,
    /// How much of the question this entry covers, from 0 to 1.
    pub confidence: f32,
}

/// The results of one search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// The hits, best first.
    pub hits: Vec<SearchHit>,
    /// The language whose texts matched best (the question's likely language).
    pub lang: Lang,
    /// How many meaningful words the question had after stop words were removed.
    pub meaningful_words: usize,
}

/// The fields of one language.
#[derive(Clone, Copy)]
struct LangFields {
    name: Field,
    synonyms: Field,
    parts: Field,
    text: Field,
}

/// What the index knows of a document besides tantivy's postings: its slug and, per language, the terms
/// of each field (for the confidence).
struct DocInfo {
    slug: String,
    terms: HashMap<Lang, DocTerms>,
}

#[derive(Default)]
struct DocTerms {
    title: FxHashSet<String>,
    parts: FxHashSet<String>,
    text: FxHashSet<String>,
    /// The whole-word terms of the name and of each synonym, one set per phrase.
    phrases: Vec<FxHashSet<String>>,
}

/// The searchable knowledge base.
pub struct SearchIndex {
    reader: IndexReader,
    fields: HashMap<Lang, LangFields>,
    analyzers: HashMap<Lang, Arc<Analyzer>>,
    docs: Vec<DocInfo>,
    /// Per language: term -> number of documents whose title or text has it.
    document_frequency: HashMap<Lang, FxHashMap<String, u32>>,
}

impl SearchIndex {
    /// Builds the index for every service of the knowledge base, in RAM or in `dir`.
    pub fn build(knowledge: &KnowledgeBase, dir: Option<&Path>) -> Result<SearchIndex, IndexError> {
        let mut analyzers = HashMap::new();
        for lang in Lang::SEARCHABLE {
            let lexicon = knowledge
                .lexicons
                .get(&lang)
                .cloned()
                .unwrap_or_else(Lexicon::default);
            let documents: Vec<String> = knowledge
                .services
                .iter()
                .filter_map(|s| s.texts.get(&lang))
                .map(searchable_text)
                .collect();
            let analyzer = Analyzer::new(lang, &lexicon, documents.iter().map(String::as_str));
            analyzers.insert(lang, Arc::new(analyzer));
        }

        let mut schema = Schema::builder();
        let doc_field =
            schema.add_u64_field("doc", NumericOptions::default().set_indexed().set_fast());
        let mut fields = HashMap::new();
        for lang in Lang::SEARCHABLE {
            // Titles count a word once however many synonyms repeat it; the text counts frequencies.
            let title = text_options(&tokenizer_name(lang, false), IndexRecordOption::Basic);
            let parts = text_options(&tokenizer_name(lang, true), IndexRecordOption::Basic);
            let whole = text_options(&tokenizer_name(lang, false), IndexRecordOption::WithFreqs);
            let tag = lang.tag();
            fields.insert(
                lang,
                LangFields {
                    name: schema.add_text_field(&format!("{tag}_name"), title.clone()),
                    synonyms: schema.add_text_field(&format!("{tag}_synonyms"), title),
                    parts: schema.add_text_field(&format!("{tag}_parts"), parts),
                    text: schema.add_text_field(&format!("{tag}_text"), whole),
                },
            );
        }
        let schema = schema.build();
        let index = match dir {
            None => Index::create_in_ram(schema),
            Some(dir) => {
                prepare_dir(dir)?;
                Index::create_in_dir(dir, schema)?
            }
        };
        for (lang, analyzer) in &analyzers {
            for parts in [false, true] {
                let tokenizer = AnalyzerTokenizer {
                    analyzer: Arc::clone(analyzer),
                    parts,
                };
                index
                    .tokenizers()
                    .register(&tokenizer_name(*lang, parts), TextAnalyzer::from(tokenizer));
            }
        }

        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        let mut docs = Vec::with_capacity(knowledge.services.len());
        let mut document_frequency: HashMap<Lang, FxHashMap<String, u32>> = HashMap::new();
        for (number, service) in knowledge.services.iter().enumerate() {
            let mut document = TantivyDocument::default();
            document.add_u64(doc_field, number as u64);
            let mut terms = HashMap::new();
            for lang in Lang::SEARCHABLE {
                let Some(text) = service.texts.get(&lang) else {
                    continue;
                };
                let lang_fields = fields[&lang];
                let analyzer = &analyzers[&lang];
                document.add_text(lang_fields.name, &text.name);
                for synonym in &text.synonyms {
                    document.add_text(lang_fields.synonyms, synonym);
                }
                let title = title_text(&text.name, &text.synonyms);
                document.add_text(lang_fields.parts, &title);
                let body = body_text(text);
                document.add_text(lang_fields.text, &body);

                let mut doc_terms = DocTerms::default();
                for term in analyzer.index_terms(&title) {
                    if term.part {
                        doc_terms.parts.insert(term.term);
                    } else {
                        doc_terms.title.insert(term.term);
                    }
                }
                doc_terms.text = analyzer
                    .index_terms(&body)
                    .into_iter()
                    .filter(|t| !t.part)
                    .map(|t| t.term)
                    .collect();
                doc_terms.phrases = std::iter::once(&text.name)
                    .chain(&text.synonyms)
                    .map(|phrase| {
                        analyzer
                            .index_terms(phrase)
                            .into_iter()
                            .filter(|t| !t.part)
                            .map(|t| t.term)
                            .collect()
                    })
                    .filter(|terms: &FxHashSet<String>| !terms.is_empty())
                    .collect();
                let frequencies = document_frequency.entry(lang).or_default();
                for term in doc_terms.title.union(&doc_terms.text) {
                    *frequencies.entry(term.clone()).or_default() += 1;
                }
                terms.insert(lang, doc_terms);
            }
            writer.add_document(document)?;
            docs.push(DocInfo {
                slug: service.slug.clone(),
                terms,
            });
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            reader,
            fields,
            analyzers,
            docs,
            document_frequency,
        })
    }

    /// The number of indexed documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The analyzer of a search language.
    pub fn analyzer(&self, lang: Lang) -> &Analyzer {
        &self.analyzers[&lang.search_lang()]
    }

    /// Searches the question in every language's texts and returns the hits of the language that
    /// answers it best (ties go to `preferred`).
    pub fn search(
        &self,
        question: &str,
        preferred: Lang,
        limit: usize,
    ) -> Result<SearchResults, IndexError> {
        let preferred = preferred.search_lang();
        let mut best: Option<SearchResults> = None;
        for lang in std::iter::once(preferred)
            .chain(Lang::SEARCHABLE.into_iter().filter(|l| *l != preferred))
        {
            let top = |r: &SearchResults| r.hits.first().map_or(0.0, |h| h.confidence);
            if best
                .as_ref()
                .is_some_and(|current| top(current) >= CONFIDENT)
            {
                // The question is well answered in the preferred language: no need to try others.
                break;
            }
            let results = self.search_in(question, lang, limit)?;
            let better = match &best {
                None => true,
                Some(current) => top(&results) > top(current) + 0.05,
            };
            if better {
                best = Some(results);
            }
        }
        Ok(best.expect("at least one searchable language"))
    }

    /// Searches the question in one language's texts.
    pub fn search_in(
        &self,
        question: &str,
        lang: Lang,
        limit: usize,
    ) -> Result<SearchResults, IndexError> {
        let analyzer = &self.analyzers[&lang];
        let analyzed = analyzer.analyze_query(question);
        let meaningful_words = analyzed.words.len();
        let terms = analyzed.weighted_terms();
        if terms.is_empty() {
            return Ok(SearchResults {
                hits: Vec::new(),
                lang,
                meaningful_words,
            });
        }
        let fields = self.fields[&lang];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len() * 4);
        for (term, weight) in &terms {
            for (field, boost) in [
                (fields.name, NAME_BOOST),
                (fields.synonyms, SYNONYMS_BOOST),
                (fields.parts, PARTS_BOOST),
                (fields.text, TEXT_BOOST),
            ] {
                let query = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), weight * boost)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top_docs = searcher.search(
            &query,
            &TopDocs::with_limit(CANDIDATES.max(limit)).order_by_score(),
        )?;
        let mut hits = Vec::with_capacity(top_docs.len());
        for (score, address) in top_docs {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("doc")?;
            let Some(number) = column.first(address.doc_id) else {
                continue;
            };
            let doc = &self.docs[number as usize];
            let confidence = self.confidence(&analyzed, doc, lang);
            let phrase = phrase_match(&analyzed, doc, lang);
            hits.push(SearchHit {
                slug: doc.slug.clone(),
                score: score * (0.5 + confidence) * (0.5 + phrase),
                confidence,
            });
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.slug.cmp(&b.slug))
        });
        hits.truncate(limit);
        Ok(SearchResults {
            hits,
            lang,
            meaningful_words,
        })
    }

    /// How much of the question a document covers: each meaningful word counts with its rarity (idf),
    /// matched by its best term in the document's title (fully), title compound parts or text (partly).
    fn confidence(&self, query: &AnalyzedQuery, doc: &DocInfo, lang: Lang) -> f32 {
        let explained = self.explain_words(query, doc, lang);
        let total: f32 = explained.iter().map(|(importance, _)| importance).sum();
        let covered: f32 = explained
            .iter()
            .map(|(importance, cover)| importance * cover)
            .sum();
        if total == 0.0 { 0.0 } else { covered / total }
    }

    /// Per meaningful word of the question: its importance (idf) and how much of it the document covers.
    fn explain_words(&self, query: &AnalyzedQuery, doc: &DocInfo, lang: Lang) -> Vec<(f32, f32)> {
        let Some(terms) = doc.terms.get(&lang) else {
            return vec![(1.0, 0.0); query.words.len()];
        };
        let frequencies = &self.document_frequency[&lang];
        let documents = self.docs.len() as f32;
        let idf = |df: u32| (1.0 + documents / (df as f32 + 0.5)).ln();
        query
            .words
            .iter()
            .map(|word| {
                // A word the knowledge base does not use, or only in a corrected spelling, is a guess:
                // it counts as much as the rarest word, so covering it has to be earned.
                let rarest = if word.corrected {
                    0
                } else {
                    word.terms
                        .iter()
                        .filter_map(|(term, _)| frequencies.get(term))
                        .min()
                        .copied()
                        .unwrap_or(0)
                };
                let mut cover: f32 = 0.0;
                for (term, weight) in &word.terms {
                    let field_cover = if terms.title.contains(term) {
                        NAME_COVER
                    } else if terms.parts.contains(term) {
                        PARTS_COVER
                    } else if terms.text.contains(term) {
                        TEXT_COVER
                    } else {
                        0.0
                    };
                    cover = cover.max(field_cover * weight);
                }
                let importance = idf(rarest)
                    * if word.facet.is_some() {
                        FACET_IMPORTANCE
                    } else {
                        1.0
                    };
                (importance, cover)
            })
            .collect()
    }

    /// For editors: per meaningful word of the question, its importance and how much of it the service
    /// covers (1 title, 0.7 title compound part, 0.5 text, times the term's weight).
    pub fn explain(&self, question: &str, slug: &str, lang: Lang) -> Vec<(String, f32, f32)> {
        let analyzed = self.analyzers[&lang.search_lang()].analyze_query(question);
        let Some(doc) = self.docs.iter().find(|d| d.slug == slug) else {
            return Vec::new();
        };
        let explained = self.explain_words(&analyzed, doc, lang.search_lang());
        analyzed
            .words
            .iter()
            .zip(explained)
            .map(|(word, (importance, cover))| (word.surface.clone(), importance, cover))
            .collect()
    }
}

/// How closely the question matches one of the document's title phrases (its name or a synonym), from 0
/// to 1: the phrase's terms found among the question's words, against the phrase's length plus the
/// question's words left over (facet words such as "kostet" are not counted as left over). "Auto anmelden" matches the synonym "Auto anmelden" fully and
/// "gebrauchtes Auto anmelden" by two thirds.
fn phrase_match(query: &AnalyzedQuery, doc: &DocInfo, lang: Lang) -> f32 {
    let Some(terms) = doc.terms.get(&lang) else {
        return 0.0;
    };
    let mut best: f32 = 0.0;
    for phrase in &terms.phrases {
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
        let score = matched as f32 / (phrase.len() + unmatched_words) as f32;
        best = best.max(score);
    }
    best
}

/// The text of a service that feeds the dictionary (every field a citizen's word may come from).
fn searchable_text(text: &ServiceText) -> String {
    format!(
        "{}\n{}",
        title_text(&text.name, &text.synonyms),
        body_text(text)
    )
}

fn title_text(name: &str, synonyms: &[String]) -> String {
    let mut title = name.to_string();
    for synonym in synonyms {
        title.push('\n');
        title.push_str(synonym);
    }
    title
}

/// The body text indexed for a service in one language.
fn body_text(text: &ServiceText) -> String {
    let mut body = String::new();
    for part in [&text.answer, &text.full_text] {
        body.push_str(part);
        body.push('\n');
    }
    for list in [&text.documents, &text.prerequisites, &text.procedure] {
        for entry in list {
            body.push_str(entry);
            body.push('\n');
        }
    }
    for optional in [
        &text.notes,
        &text.deadlines,
        &text.processing_time,
        &text.fee_note,
    ]
    .into_iter()
    .flatten()
    {
        body.push_str(optional);
        body.push('\n');
    }
    body
}

fn text_options(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    )
}

fn tokenizer_name(lang: Lang, parts: bool) -> String {
    format!(
        "auskunft_{}_{}",
        lang.tag(),
        if parts { "parts" } else { "whole" }
    )
}

fn prepare_dir(dir: &Path) -> Result<(), IndexError> {
    let error = |source| IndexError::Directory {
        path: dir.to_path_buf(),
        source,
    };
    if dir.exists() {
        // The index is rebuilt from knowledge/ at every start: old segments are stale.
        for entry in std::fs::read_dir(dir).map_err(error)? {
            let path = entry.map_err(error)?.path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path).map_err(error)?;
            } else {
                std::fs::remove_file(&path).map_err(error)?;
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(error)
}

/// Adapts [`Analyzer`] to tantivy: whole-word terms, or only the compound parts.
#[derive(Clone)]
struct AnalyzerTokenizer {
    analyzer: Arc<Analyzer>,
    parts: bool,
}

struct VecTokenStream {
    tokens: Vec<Token>,
    current: usize,
}

impl Tokenizer for AnalyzerTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = self
            .analyzer
            .index_terms(text)
            .into_iter()
            .filter(|term| term.part == self.parts)
            .enumerate()
            .map(|(position, term)| Token {
                offset_from: term.from,
                offset_to: term.to,
                position,
                text: term.term,
                position_length: 1,
            })
            .collect();
        VecTokenStream {
            tokens,
            current: usize::MAX,
        }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.current = self.current.wrapping_add(1);
        self.current < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.current]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.current]
    }
}
