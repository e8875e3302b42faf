//! The tantivy index over the knowledge base: built at start-up (in RAM, or in a data directory when
//! configured) with the analyzer of [`super::analysis`], searched with weighted term queries, and
//! scored with BM25 plus a coverage-based confidence that says how much of the question an entry answers.

use std::collections::HashMap;

use std::path::Path;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::analysis::Analyzer;
use super::matcher::{DocTerms, Matcher};
use super::model::{KnowledgeBase, Lexicon, ServiceText};
use crate::lang::Lang;

/// How strongly a match in each field counts, for BM25 boosts and for the confidence.
const NAME_BOOST: f32 = 3.0;
const SYNONYMS_BOOST: f32 = 2.5;
const PARTS_BOOST: f32 = 1.0;
const TEXT_BOOST: f32 = 0.6;

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
    /// How closely the question matches the entry's name or one of its synonyms, from 0 to 1.
    pub phrase: f32,
    /// The ranker's calibrated probability that this is the service asked about, from 0 to 1.
    pub probability: f32,
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

/// The searchable knowledge base.
pub struct SearchIndex {
    reader: IndexReader,
    fields: HashMap<Lang, LangFields>,
    analyzers: HashMap<Lang, Arc<Analyzer>>,
    /// The slug of each document, by the number stored in the index.
    slugs: Vec<String>,
    /// Per language: the documents' terms for the confidence (documents without texts in the language
    /// have empty terms).
    matchers: HashMap<Lang, Matcher>,
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
        let mut slugs = Vec::with_capacity(knowledge.services.len());
        let mut doc_terms: HashMap<Lang, Vec<DocTerms>> = HashMap::new();
        for (number, service) in knowledge.services.iter().enumerate() {
            let mut document = TantivyDocument::default();
            document.add_u64(doc_field, number as u64);
            for lang in Lang::SEARCHABLE {
                let terms = doc_terms.entry(lang).or_default();
                let Some(text) = service.texts.get(&lang) else {
                    terms.push(DocTerms::default());
                    continue;
                };
                let lang_fields = fields[&lang];
                document.add_text(lang_fields.name, &text.name);
                for synonym in &text.synonyms {
                    document.add_text(lang_fields.synonyms, synonym);
                }
                document.add_text(lang_fields.parts, title_text(&text.name, &text.synonyms));
                let body = body_text(text);
                document.add_text(lang_fields.text, &body);
                let phrases = std::iter::once(text.name.as_str())
                    .chain(text.synonyms.iter().map(String::as_str));
                terms.push(DocTerms::new(&analyzers[&lang], phrases, &body));
            }
            writer.add_document(document)?;
            slugs.push(service.slug.clone());
        }
        let matchers = doc_terms
            .into_iter()
            .map(|(lang, docs)| (lang, Matcher::new(docs)))
            .collect();
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
            slugs,
            matchers,
        })
    }

    /// The number of indexed documents.
    pub fn len(&self) -> usize {
        self.slugs.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.slugs.is_empty()
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
        // Arabic and Cyrillic questions are searched in their language's texts; the rest in German and
        // English (a Latin-script word can be known to the Arabic texts too, in brackets).
        let languages: Vec<Lang> = match Lang::by_script(question) {
            Some(lang) => vec![lang],
            None => {
                let preferred = match preferred.search_lang() {
                    Lang::En => Lang::En,
                    _ => Lang::De,
                };
                vec![
                    preferred,
                    if preferred == Lang::De {
                        Lang::En
                    } else {
                        Lang::De
                    },
                ]
            }
        };
        let mut best: Option<SearchResults> = None;
        for lang in languages {
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
            let doc = number as usize;
            let matcher = &self.matchers[&lang];
            let confidence = matcher.confidence(&analyzed, doc);
            let phrase = matcher.phrase_match(&analyzed, doc);
            hits.push(SearchHit {
                slug: self.slugs[doc].clone(),
                score: score * (0.5 + confidence) * (0.5 + phrase),
                confidence,
                phrase,
                probability: confidence,
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

    /// The share of the question's meaningful words that the knowledge base of a language knows (a
    /// question of unknown words is likely about something else).
    pub fn known_share(&self, question: &str, lang: Lang) -> f32 {
        let analyzed = self.analyzers[&lang.search_lang()].analyze_query(question);
        if analyzed.words.is_empty() {
            return 0.0;
        }
        let known = analyzed.words.iter().filter(|w| w.known).count();
        known as f32 / analyzed.words.len() as f32
    }

    /// For editors: per meaningful word of the question, its importance and how much of it the service
    /// covers (1 title, 0.7 title compound part, 0.5 text, times the term's weight).
    pub fn explain(&self, question: &str, slug: &str, lang: Lang) -> Vec<(String, f32, f32)> {
        let lang = lang.search_lang();
        let analyzed = self.analyzers[&lang].analyze_query(question);
        let Some(doc) = self.slugs.iter().position(|s| s == slug) else {
            return Vec::new();
        };
        let explained = self.matchers[&lang].explain(&analyzed, doc);
        analyzed
            .words
            .iter()
            .zip(explained)
            .map(|(word, (importance, cover))| (word.surface.clone(), importance, cover))
            .collect()
    }
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
