//! Text analysis for search: folding (ü = ue, ß = ss), stop words, stemming, dictionary-based
//! decompounding (Personalausweisverlust = Personalausweis + Verlust), typo correction and word-level
//! synonyms. The same analyzer turns documents into index terms and questions into query terms, so both
//! sides always agree.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rustc_hash::{FxHashMap, FxHashSet};

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

use super::model::Lexicon;
use crate::lang::Lang;

/// Compound parts shorter than this are not split off: it keeps prefixes like "ab", "an", "um" attached
/// (abmelden and anmelden are different services).
const MIN_PART_CHARS: usize = 4;

/// Linking elements (Fugenelemente) allowed between the parts of a compound.
const LINKING_ELEMENTS: [&str; 5] = ["s", "es", "n", "en", "e"];

/// Weights of the kinds of query term, relative to a word as typed.
pub const WEIGHT_WHOLE: f32 = 1.0;
/// A part of a compound the citizen typed.
pub const WEIGHT_PART: f32 = 0.7;
/// A word the lexicon lists as standing for the typed one.
pub const WEIGHT_SYNONYM: f32 = 0.8;
/// The dictionary word nearest to a misspelt one of seven letters or more.
pub const WEIGHT_CORRECTED: f32 = 0.8;
/// The same for shorter words, where a near neighbour is as likely another word as a typo ("hallo",
/// "halle"): such a match alone never makes a confident answer.
pub const WEIGHT_CORRECTED_SHORT: f32 = 0.45;

/// How words are reduced to their stem.
enum Stemming {
    /// A Snowball stemmer (German, English, Arabic).
    Snowball(Stemmer),
    /// The first letters of the word: no maintained Ukrainian stemmer exists, and for Slavic languages
    /// a prefix of six letters finds inflected forms about as well (the rest is left to character
    /// n-grams in the ranker).
    Prefix(usize),
}

impl Stemming {
    fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        match self {
            Stemming::Snowball(stemmer) => stemmer.stem(word),
            Stemming::Prefix(letters) => match word.char_indices().nth(*letters) {
                Some((end, _)) => Cow::Borrowed(&word[..end]),
                None => Cow::Borrowed(word),
            },
        }
    }
}

/// One analyzer per search language.
pub struct Analyzer {
    lang: Lang,
    stemmer: Stemming,
    stopwords: FxHashSet<String>,
    synonyms: HashMap<String, Vec<String>>,
    /// Folded facet words and the facet each asks for.
    facets: HashMap<String, String>,
    /// Particles of separable verbs (an, ab, um ...), folded.
    separable_particles: FxHashSet<String>,
    /// Folded surface words of the knowledge base with the number of documents they occur in.
    dictionary: FxHashMap<String, u32>,
    /// The stems of the dictionary's words: an inflected form of a known word is known too.
    known_stems: FxHashSet<String>,
    /// The same words grouped by length, for typo correction.
    by_length: Vec<Vec<(String, u32, u32)>>,
}

/// A term for the index, with its position in the source text (for highlighting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexTerm {
    /// The stemmed, folded term.
    pub term: String,
    /// Byte offset of the word in the text.
    pub from: usize,
    /// Byte offset after the word.
    pub to: usize,
    /// True for a part of a compound, false for the word itself.
    pub part: bool,
}

/// A question analysed into words and the weighted terms each stands for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnalyzedQuery {
    /// The meaningful words, in order (stop words removed).
    pub words: Vec<QueryWord>,
}

/// One meaningful word of a question.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryWord {
    /// The folded word as typed.
    pub surface: String,
    /// Whether the knowledge base uses the word.
    pub known: bool,
    /// Whether the word was replaced by the nearest known word (a presumed typo).
    pub corrected: bool,
    /// Terms to search for, with weights; the first is the word itself (or its correction).
    pub terms: Vec<(String, f32)>,
    /// The facet the word asks for (fees, duration ...), if it is a facet word.
    pub facet: Option<String>,
}

impl AnalyzedQuery {
    /// Every (term, weight) pair, a term appearing once with its highest weight.
    pub fn weighted_terms(&self) -> Vec<(String, f32)> {
        let mut best: HashMap<&str, f32> = HashMap::new();
        for (term, weight) in self.words.iter().flat_map(|w| w.terms.iter()) {
            let entry = best.entry(term.as_str()).or_insert(0.0);
            *entry = entry.max(*weight);
        }
        let mut terms: Vec<(String, f32)> =
            best.into_iter().map(|(t, w)| (t.to_string(), w)).collect();
        terms.sort_by(|a, b| a.0.cmp(&b.0));
        terms
    }
}

impl Analyzer {
    /// Builds the analyzer for a language from its lexicon and the texts of the knowledge base (one
    /// string per document), which make the dictionary for decompounding and typo correction.
    pub fn new<'a>(
        lang: Lang,
        lexicon: &Lexicon,
        documents: impl IntoIterator<Item = &'a str>,
    ) -> Analyzer {
        let stemmer = match lang.search_lang() {
            Lang::En => Stemming::Snowball(Stemmer::create(Algorithm::English)),
            Lang::Ar => Stemming::Snowball(Stemmer::create(Algorithm::Arabic)),
            Lang::Uk => Stemming::Prefix(6),
            _ => Stemming::Snowball(Stemmer::create(Algorithm::German)),
        };
        let stopwords: FxHashSet<String> = lexicon.stopwords.iter().map(|w| fold(w)).collect();
        let synonyms = lexicon
            .synonyms
            .iter()
            .map(|(word, stands_for)| (fold(word), stands_for.iter().map(|w| fold(w)).collect()))
            .collect();
        let separable_particles = lexicon
            .separable_particles
            .iter()
            .map(|p| fold(p))
            .collect();
        let facets = lexicon
            .facets
            .iter()
            .flat_map(|(facet, words)| words.iter().map(move |word| (fold(word), facet.clone())))
            .collect();
        let mut dictionary: FxHashMap<String, u32> = FxHashMap::default();
        for document in documents {
            let words: FxHashSet<String> = words(document)
                .map(|(_, _, word)| word)
                .filter(|word| !stopwords.contains(word))
                .collect();
            for word in words {
                *dictionary.entry(word).or_default() += 1;
            }
        }
        // The lexicon's own words belong to the language even where no document uses them ("kurs" in
        // "Spanischkurs").
        for word in lexicon
            .facets
            .values()
            .flatten()
            .chain(lexicon.synonyms.keys())
        {
            let word = fold(word);
            if !stopwords.contains(&word) && !word.contains(' ') {
                dictionary.entry(word).or_insert(1);
            }
        }
        let mut by_length: Vec<Vec<(String, u32, u32)>> = Vec::new();
        for (word, frequency) in &dictionary {
            let length = word.chars().count();
            if by_length.len() <= length {
                by_length.resize(length + 1, Vec::new());
            }
            by_length[length].push((word.clone(), letter_signature(word), *frequency));
        }
        for bucket in &mut by_length {
            bucket.sort();
        }
        let known_stems = dictionary
            .keys()
            .map(|word| stemmer.stem(word).into_owned())
            .collect();
        Analyzer {
            lang,
            stemmer,
            stopwords,
            synonyms,
            facets,
            separable_particles,
            dictionary,
            known_stems,
            by_length,
        }
    }

    /// The language this analyzer is for.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The stemmed form of a folded word.
    pub fn stem(&self, folded_word: &str) -> String {
        self.stemmer.stem(folded_word).into_owned()
    }

    /// Whether a folded word is a stop word.
    pub fn is_stopword(&self, folded_word: &str) -> bool {
        self.stopwords.contains(folded_word)
    }

    /// Index terms of a text: each meaningful word's stem, then the stems of its compound parts.
    pub fn index_terms(&self, text: &str) -> Vec<IndexTerm> {
        let mut terms = Vec::new();
        for (from, to, word) in words(text) {
            if self.is_stopword(&word) {
                continue;
            }
            terms.push(IndexTerm {
                term: self.stem(&word),
                from,
                to,
                part: false,
            });
            for part in self.split_compound(&word).unwrap_or_default() {
                terms.push(IndexTerm {
                    term: self.stem(&part),
                    from,
                    to,
                    part: true,
                });
            }
        }
        terms
    }

    /// Analyses a question: stop words out; each remaining word with its stem, its compound parts, its
    /// lexicon synonyms and, for words the knowledge base does not know, the nearest known word.
    pub fn analyze_query(&self, text: &str) -> AnalyzedQuery {
        let mut query = AnalyzedQuery::default();
        let all_words: Vec<(usize, usize, String)> = words(text).collect();
        let particles = self.separated_particles(text, &all_words);
        for (index, (_, _, word)) in all_words.iter().enumerate() {
            if self.is_stopword(word) || particles.iter().any(|(at, _)| *at == index) {
                continue;
            }
            let word = word.clone();
            let known =
                self.dictionary.contains_key(&word) || self.known_stems.contains(&self.stem(&word));
            let mut terms = Vec::new();
            let mut looked_up = word.clone();
            // "Wie melde ich ein Gewerbe an?": the particle at the end of the clause belongs to the verb.
            let rejoined = particles
                .iter()
                .filter(|(at, _)| *at > index)
                .map(|(_, particle)| format!("{particle}{word}"))
                .find(|joined| self.known_stems.contains(&self.stem(joined)));
            if let Some(joined) = rejoined {
                terms.push((self.stem(&joined), WEIGHT_WHOLE));
                terms.push((self.stem(&word), WEIGHT_PART));
            } else if !known {
                let compound = self.split_compound(&word).is_some();
                match (compound, if compound { None } else { self.correct(&word) }) {
                    (true, _) => terms.push((self.stem(&word), WEIGHT_WHOLE)),
                    (false, Some(corrected)) => {
                        let weight = if word.chars().count() >= 7 {
                            WEIGHT_CORRECTED
                        } else {
                            WEIGHT_CORRECTED_SHORT
                        };
                        terms.push((self.stem(&corrected), weight));
                        looked_up = corrected;
                    }
                    (false, None) => terms.push((self.stem(&word), WEIGHT_WHOLE)),
                }
            } else {
                terms.push((self.stem(&word), WEIGHT_WHOLE));
            }
            if let Some(parts) = self.split_compound(&looked_up) {
                terms.extend(parts.iter().map(|part| (self.stem(part), WEIGHT_PART)));
            }
            for synonym_word in [&word, &looked_up] {
                if let Some(synonyms) = self.synonyms.get(synonym_word.as_str()) {
                    terms.extend(synonyms.iter().map(|s| (self.stem(s), WEIGHT_SYNONYM)));
                }
            }
            let mut seen = HashSet::new();
            terms.retain(|(term, _)| seen.insert(term.clone()));
            let corrected = looked_up != word;
            let known = known || corrected || terms.len() > 1;
            let facet = self
                .facets
                .get(&word)
                .or_else(|| self.facets.get(&looked_up))
                .cloned();
            query.words.push(QueryWord {
                surface: word,
                known,
                corrected,
                terms,
                facet,
            });
        }
        query
    }

    /// Separable-verb particles standing at the end of a clause ("melde ... an", "ziehe ... um"), as
    /// (index in `words`, particle).
    fn separated_particles(
        &self,
        text: &str,
        words: &[(usize, usize, String)],
    ) -> Vec<(usize, String)> {
        words
            .iter()
            .enumerate()
            .filter(|(_, (_, _, word))| self.separable_particles.contains(word))
            .filter(|(_, (_, to, _))| {
                let rest = text[*to..].trim_start();
                rest.is_empty() || rest.starts_with(['.', '?', '!', ',', ';', ':'])
            })
            .map(|(index, (_, _, word))| (index, word.clone()))
            .collect()
    }

    /// Splits a folded compound into dictionary words (at least two parts, each of at least
    /// [`MIN_PART_CHARS`] characters, linking elements allowed between them), preferring the split with
    /// the fewest parts and then the longest first part. `None` when no such split exists.
    pub fn split_compound(&self, word: &str) -> Option<Vec<String>> {
        // Compounds written as one word are German (and a few English ones); Ukrainian and Arabic words
        // split into "known" pieces would be noise.
        if matches!(self.lang, Lang::Uk | Lang::Ar) {
            return None;
        }
        // Byte offsets of the characters, so parts are slices of the word (no allocation per try).
        let bounds: Vec<usize> = word
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(word.len()))
            .collect();
        let n = bounds.len() - 1;
        if n < 2 * MIN_PART_CHARS {
            return None;
        }
        // best[i]: the best split of the characters from i as (number of parts, end of the first part,
        // where the next part starts); a back-pointer chain instead of copied part lists.
        let mut best: Vec<Option<(usize, usize, usize)>> = vec![None; n + 1];
        best[n] = Some((0, n, n));
        for start in (0..n).rev() {
            let mut candidate: Option<(usize, usize, usize)> = None;
            for end in (start + MIN_PART_CHARS..=n).rev() {
                if end - start == n
                    || !self
                        .dictionary
                        .contains_key(&word[bounds[start]..bounds[end]])
                {
                    continue;
                }
                let linked = LINKING_ELEMENTS
                    .iter()
                    .filter(|link| end + link.len() < n && word[bounds[end]..].starts_with(*link))
                    .map(|link| end + link.len());
                for next in std::iter::once(end).chain(linked) {
                    if let Some((count, _, _)) = best[next]
                        && candidate.is_none_or(|(best_count, _, _)| count + 1 < best_count)
                    {
                        candidate = Some((count + 1, end, next));
                    }
                }
            }
            best[start] = candidate;
        }
        let (count, _, _) = best[0]?;
        if count < 2 {
            return None;
        }
        let mut parts = Vec::with_capacity(count);
        let mut start = 0;
        while start < n {
            let (_, end, next) = best[start]?;
            parts.push(word[bounds[start]..bounds[end]].to_string());
            start = next;
        }
        Some(parts)
    }

    /// The known word nearest to a misspelt one: at most one edit for words of 5 to 7 letters, two for
    /// longer ones; the most frequent among the nearest. Short words are not corrected (too many
    /// neighbours).
    pub fn correct(&self, word: &str) -> Option<String> {
        let length = word.chars().count();
        let max_distance = match length {
            0..=4 => return None,
            5..=7 => 1,
            _ => 2,
        };
        let signature = letter_signature(word);
        let mut best: Option<(usize, u32, &str)> = None;
        let lengths = length.saturating_sub(max_distance)..=length + max_distance;
        for candidate_length in lengths {
            let Some(bucket) = self.by_length.get(candidate_length) else {
                continue;
            };
            for (candidate, candidate_signature, frequency) in bucket {
                // Each edit changes at most two letters of the set of letters used.
                if (signature ^ candidate_signature).count_ones() as usize > 2 * max_distance {
                    continue;
                }
                let Some(distance) = bounded_distance(word, candidate, max_distance) else {
                    continue;
                };
                let better = match best {
                    None => true,
                    Some((d, f, _)) => distance < d || (distance == d && *frequency > f),
                };
                if better {
                    best = Some((distance, *frequency, candidate));
                }
            }
        }
        best.map(|(_, _, word)| word.to_string())
    }
}

/// Lower-case, NFC, German umlauts and ß spelled out (ü = ue), other diacritics removed.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len() + 4);
    for c in text.nfc().flat_map(char::to_lowercase) {
        match c {
            'ä' => folded.push_str("ae"),
            'ö' => folded.push_str("oe"),
            'ü' => folded.push_str("ue"),
            'ß' => folded.push_str("ss"),
            c if c.is_ascii() => folded.push(c),
            // Spellings people mix freely: Arabic tā' marbūṭa and alif maqṣūra, Eastern Arabic digits,
            // Ukrainian ґ and the Russian ё.
            'ة' => folded.push('ه'),
            'ى' => folded.push('ي'),
            '٠'..='٩' => folded.push(char::from(b'0' + (c as u32 - 0x0660) as u8)),
            '۰'..='۹' => folded.push(char::from(b'0' + (c as u32 - 0x06F0) as u8)),
            'ґ' => folded.push('г'),
            'ё' => folded.push('е'),
            c if is_combining_mark(c) => {}
            c => {
                // Strip combining marks from other accented letters (é = e); keep other scripts.
                let decomposed: Cow<str> = Cow::Owned(c.to_string().nfd().collect());
                let mut base = decomposed
                    .chars()
                    .filter(|d| !is_combining_mark(*d))
                    .peekable();
                if base.peek().is_none() {
                    folded.push(c);
                } else {
                    folded.extend(base);
                }
            }
        }
    }
    folded
}

/// Combining marks: Latin accents, and the Arabic vowel signs and tatweel (written or left out at will).
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x064B..=0x065F | 0x0670 | 0x0640)
}

/// The words of a text, folded, with their byte offsets: runs of letters and digits.
pub fn words(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    let mut start: Option<usize> = None;
    let mut chars = text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')));
    std::iter::from_fn(move || {
        for (offset, c) in chars.by_ref() {
            let is_word_char = c.is_alphanumeric() || is_combining_mark(c);
            match (start, is_word_char) {
                (None, true) => start = Some(offset),
                (Some(from), false) => {
                    start = None;
                    return Some((from, offset, fold(&text[from..offset])));
                }
                _ => {}
            }
        }
        None
    })
}

/// A bit per letter a-z used in the word.
fn letter_signature(word: &str) -> u32 {
    word.bytes()
        .filter(u8::is_ascii_lowercase)
        .fold(0, |signature, b| signature | 1 << (b - b'a'))
}

/// The optimal-string-alignment distance (edits: insert, delete, substitute, swap neighbours), or `None`
/// when it exceeds `max`. Works on bytes when both words are ASCII (folded words usually are).
fn bounded_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        return bounded_distance_of(a.as_bytes(), b.as_bytes(), max);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    bounded_distance_of(&a, &b, max)
}

fn bounded_distance_of<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // Three rows of the dynamic programme; words are short, so they live on the stack.
    const WIDTH: usize = 64;
    if b.len() + 1 > WIDTH {
        return None;
    }
    let mut rows = [[0usize; WIDTH]; 3];
    // Row i lives at index i % 3; row 0 is the distance from the empty prefix.
    for (j, cell) in rows[0].iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (current, previous, before) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[current][0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (rows[previous][j] + 1)
                .min(rows[current][j - 1] + 1)
                .min(rows[previous][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(rows[before][j - 2] + 1);
            }
            rows[current][j] = value;
            row_min = row_min.min(value);
        }
        if row_min > max {
            return None;
        }
    }
    let distance = rows[a.len() % 3][b.len()];
    (distance <= max).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn german(documents: &[&str]) -> Analyzer {
        let lexicon = Lexicon {
            stopwords: vec![
                "ich".into(),
                "der".into(),
                "für".into(),
                "wie".into(),
                "ein".into(),
                "das".into(),
            ],
            synonyms: [("perso".to_string(), vec!["Personalausweis".to_string()])].into(),
            facets: [("fees".to_string(), vec!["kostet".to_string()])].into(),
            separable_particles: vec!["an".into(), "ab".into()],
        };
        Analyzer::new(Lang::De, &lexicon, documents.iter().copied())
    }

    #[test]
    fn umlauts_and_their_spelled_out_forms_fold_to_the_same_word() {
        assert_eq!(fold("Führerschein"), "fuehrerschein");
        assert_eq!(fold("FUEHRERSCHEIN"), "fuehrerschein");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Café"), "cafe");
        // Decomposed input (u + combining diaeresis) folds like the composed letter.
        assert_eq!(fold("Fu\u{0308}hrerschein"), "fuehrerschein");
    }

    #[test]
    fn words_are_runs_of_letters_and_digits_with_their_offsets() {
        let found: Vec<_> = words("Kfz-Zulassung, 115!").collect();
        assert_eq!(
            found,
            vec![
                (0, 3, "kfz".into()),
                (4, 13, "zulassung".into()),
                (15, 18, "115".into())
            ]
        );
    }

    #[test]
    fn compounds_split_into_dictionary_words_with_linking_elements() {
        let analyzer = german(&[
            "Personalausweis beantragen",
            "Verlust melden",
            "Hund Steuer Anmeldung",
        ]);
        assert_eq!(
            analyzer.split_compound("personalausweisverlust"),
            Some(vec!["personalausweis".into(), "verlust".into()])
        );
        assert_eq!(
            analyzer.split_compound("hundesteueranmeldung"),
            Some(vec!["hund".into(), "steuer".into(), "anmeldung".into()])
        );
        assert_eq!(analyzer.split_compound("verlust"), None);
    }

    #[test]
    fn short_prefixes_are_not_split_off() {
        let analyzer = german(&["melden", "abmelden"]);
        assert_eq!(analyzer.split_compound("abmelden"), None);
        assert_eq!(analyzer.split_compound("ummelden"), None);
    }

    #[test]
    fn misspelt_words_are_corrected_to_the_nearest_known_word() {
        let analyzer = german(&[
            "Personalausweis",
            "Wohnsitz anmelden",
            "Führerschein umtauschen",
        ]);
        assert_eq!(
            analyzer.correct("personalausweiss").as_deref(),
            Some("personalausweis")
        );
        assert_eq!(analyzer.correct("wohnsiz").as_deref(), Some("wohnsitz"));
        assert_eq!(
            analyzer.correct("fuererschein").as_deref(),
            Some("fuehrerschein")
        );
        assert_eq!(analyzer.correct("qwertzuiop"), None);
        assert_eq!(
            analyzer.correct("brot"),
            None,
            "short words are not corrected"
        );
    }

    #[test]
    fn query_analysis_drops_stop_words_and_adds_parts_synonyms_and_corrections() {
        let analyzer = german(&["Personalausweis beantragen", "Verlust melden"]);
        let query = analyzer.analyze_query("Wie melde ich der Personalausweisverlust?");
        let surfaces: Vec<&str> = query.words.iter().map(|w| w.surface.as_str()).collect();
        assert_eq!(surfaces, ["melde", "personalausweisverlust"]);
        let compound = &query.words[1];
        assert!(compound.known);
        assert!(
            compound
                .terms
                .contains(&(analyzer.stem("verlust"), WEIGHT_PART))
        );

        let query = analyzer.analyze_query("Perso");
        assert!(
            query.words[0]
                .terms
                .contains(&(analyzer.stem("personalausweis"), WEIGHT_SYNONYM))
        );

        let query = analyzer.analyze_query("personalausweiss");
        assert_eq!(
            query.words[0].terms[0],
            (analyzer.stem("personalausweis"), WEIGHT_CORRECTED)
        );

        let query = analyzer.analyze_query("kostet der Perso?");
        assert_eq!(query.words[0].facet.as_deref(), Some("fees"));
        assert_eq!(query.words[1].facet, None);
    }

    #[test]
    fn a_separated_particle_rejoins_its_verb() {
        let analyzer = german(&["Gewerbe anmelden", "Gewerbe abmelden"]);
        let query = analyzer.analyze_query("Wie melde ich ein Gewerbe an?");
        let surfaces: Vec<&str> = query.words.iter().map(|w| w.surface.as_str()).collect();
        assert_eq!(surfaces, ["melde", "gewerbe"]);
        assert_eq!(
            query.words[0].terms[0],
            (analyzer.stem("anmelden"), WEIGHT_WHOLE)
        );
        let query = analyzer.analyze_query("Ich melde das Gewerbe ab.");
        assert_eq!(
            query.words[0].terms[0],
            (analyzer.stem("abmelden"), WEIGHT_WHOLE)
        );
        // A particle inside the clause is not separated from a verb.
        let query = analyzer.analyze_query("melde an Gewerbe");
        assert_ne!(
            query.words[0].terms[0],
            (analyzer.stem("anmelden"), WEIGHT_WHOLE)
        );
    }

    #[test]
    fn index_terms_mark_compound_parts() {
        let analyzer = german(&["Personalausweis", "Verlust"]);
        let terms = analyzer.index_terms("Personalausweisverlust");
        assert_eq!(terms.iter().filter(|t| !t.part).count(), 1);
        assert_eq!(terms.iter().filter(|t| t.part).count(), 2);
    }

    #[test]
    fn distance_counts_every_edit() {
        assert_eq!(bounded_distance("abc", "abc", 2), Some(0));
        assert_eq!(bounded_distance("abc", "xbc", 2), Some(1));
        assert_eq!(bounded_distance("abc", "xyc", 2), Some(2));
        assert_eq!(bounded_distance("abc", "xyz", 2), None);
        assert_eq!(bounded_distance("hallo", "halle", 1), Some(1));
        assert_eq!(bounded_distance("wetter", "weiter", 1), Some(1));
        assert_eq!(bounded_distance("brot", "boot", 0), None);
        assert_eq!(bounded_distance("grüße", "grüsse", 2), Some(2));
    }

    #[test]
    fn distance_counts_swapped_neighbours_as_one_edit() {
        assert_eq!(bounded_distance("ausweis", "auswies", 1), Some(1));
        assert_eq!(bounded_distance("kitten", "sitting", 2), None);
        assert_eq!(bounded_distance("kitten", "sitting", 3), Some(3));
    }
}
