//! The intent classifier: hashed character n-gram and word features with a multinomial logistic
//! regression, trained from the examples of intents/ at start-up in milliseconds (no download, no model
//! file). Deterministic: the same examples give the same model.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use crate::knowledge::analysis::{fold, words};

/// Features are hashed into this many buckets (2^16: small enough to keep the model a few MiB).
const BUCKETS: usize = 1 << 16;

/// Training passes over the examples.
const EPOCHS: usize = 30;

/// The learning rate at the start (it decays linearly to a tenth).
const LEARNING_RATE: f32 = 0.5;

/// L2 regularisation per update.
const L2: f32 = 1e-6;

/// One labelled example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The citizen's words.
    pub text: String,
    /// The intent name.
    pub intent: String,
}

/// A trained model.
#[derive(Clone)]
pub struct Classifier {
    intents: Vec<String>,
    /// `weights[class * BUCKETS + feature]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// Sparse, L2-normalised features of a text.
pub fn features(text: &str) -> Vec<(u32, f32)> {
    let mut hashed: Vec<u32> = Vec::with_capacity(text.len() * 4);
    let words: Vec<String> = words(text).map(|(_, _, word)| word).collect();
    let bucket = |kind: u8, value: &str| -> u32 {
        let mut hasher = FxHasher::default();
        kind.hash(&mut hasher);
        value.hash(&mut hasher);
        (hasher.finish() as usize % BUCKETS) as u32
    };
    for (i, word) in words.iter().enumerate() {
        hashed.push(bucket(b'w', word));
        if let Some(next) = words.get(i + 1) {
            hashed.push(bucket(b'b', &format!("{word} {next}")));
        }
        let padded: Vec<char> = format!("<{word}>").chars().collect();
        for n in 3..=5 {
            for gram in padded.windows(n) {
                hashed.push(bucket(b'c', &gram.iter().collect::<String>()));
            }
        }
    }
    if words.is_empty() {
        // Punctuation or symbols only: one feature for the folded text, so it is not empty.
        hashed.push(bucket(b'r', &fold(text)));
    }
    hashed.sort_unstable();
    let mut features: Vec<(u32, f32)> = Vec::with_capacity(hashed.len());
    for index in hashed {
        match features.last_mut() {
            Some((last, count)) if *last == index => *count += 1.0,
            _ => features.push((index, 1.0)),
        }
    }
    // Sub-linear term frequency, then unit length.
    for (_, value) in &mut features {
        *value = 1.0 + value.ln();
    }
    let norm = features
        .iter()
        .map(|(_, v)| v * v)
        .sum::<f32>()
        .sqrt()
        .max(f32::EPSILON);
    for (_, value) in &mut features {
        *value /= norm;
    }
    features
}

impl Classifier {
    /// Trains on the examples; intents are ordered by name.
    pub fn train(examples: &[Example]) -> Classifier {
        let mut intents: Vec<String> = examples.iter().map(|e| e.intent.clone()).collect();
        intents.sort();
        intents.dedup();
        let classes = intents.len();
        let mut model = Classifier {
            weights: vec![0.0; classes * BUCKETS],
            bias: vec![0.0; classes],
            intents,
        };
        if classes == 0 {
            return model;
        }
        let data: Vec<(Vec<(u32, f32)>, usize)> = examples
            .iter()
            .map(|e| {
                (
                    features(&e.text),
                    model
                        .intents
                        .binary_search(&e.intent)
                        .expect("intent collected above"),
                )
            })
            .collect();
        // Balance the classes: each example counts inversely to its class's size.
        let mut counts = vec![0usize; classes];
        for (_, class) in &data {
            counts[*class] += 1;
        }
        let mean = data.len() as f32 / classes as f32;
        let class_weight: Vec<f32> = counts
            .iter()
            .map(|&c| if c == 0 { 0.0 } else { mean / c as f32 })
            .collect();
        // A fixed shuffle order per epoch (deterministic).
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut probabilities = vec![0.0f32; classes];
        for epoch in 0..EPOCHS {
            for i in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                order.swap(i, (seed % (i as u64 + 1)) as usize);
            }
            let rate = LEARNING_RATE * (1.0 - 0.9 * epoch as f32 / EPOCHS as f32);
            for &index in &order {
                let (features, class) = &data[index];
                model.probabilities_into(features, &mut probabilities);
                for (k, probability) in probabilities.iter().enumerate() {
                    let target = if k == *class { 1.0 } else { 0.0 };
                    let gradient = (probability - target) * class_weight[*class];
                    let row = &mut model.weights[k * BUCKETS..(k + 1) * BUCKETS];
                    for (feature, value) in features {
                        let weight = &mut row[*feature as usize];
                        *weight -= rate * (gradient * value + L2 * *weight);
                    }
                    model.bias[k] -= rate * gradient;
                }
            }
        }
        model
    }

    /// The intents it knows.
    pub fn intents(&self) -> &[String] {
        &self.intents
    }

    fn probabilities_into(&self, features: &[(u32, f32)], out: &mut [f32]) {
        for (k, score) in out.iter_mut().enumerate() {
            let row = &self.weights[k * BUCKETS..(k + 1) * BUCKETS];
            *score = self.bias[k]
                + features
                    .iter()
                    .map(|(f, v)| row[*f as usize] * v)
                    .sum::<f32>();
        }
        let max = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for score in out.iter_mut() {
            *score = (*score - max).exp();
            sum += *score;
        }
        for score in out.iter_mut() {
            *score /= sum;
        }
    }

    /// The intents with their probabilities, most probable first.
    pub fn classify(&self, text: &str) -> Vec<(String, f32)> {
        if self.intents.is_empty() {
            return Vec::new();
        }
        let mut probabilities = vec![0.0; self.intents.len()];
        self.probabilities_into(&features(text), &mut probabilities);
        let mut ranked: Vec<(String, f32)> =
            self.intents.iter().cloned().zip(probabilities).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked
    }
}

/// k-fold cross-validation: the share of examples classified right by a model trained without them.
/// Examples are assigned to folds round-robin within each intent, so every fold has every intent.
pub fn cross_validate(examples: &[Example], folds: usize) -> f32 {
    let folds = folds.max(2);
    let mut fold_of = vec![0usize; examples.len()];
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, example) in examples.iter().enumerate() {
        let count = seen.entry(example.intent.as_str()).or_default();
        fold_of[i] = *count % folds;
        *count += 1;
    }
    let mut right = 0usize;
    for fold in 0..folds {
        let training: Vec<Example> = examples
            .iter()
            .zip(&fold_of)
            .filter(|(_, f)| **f != fold)
            .map(|(e, _)| e.clone())
            .collect();
        let model = Classifier::train(&training);
        right += examples
            .iter()
            .zip(&fold_of)
            .filter(|(_, f)| **f == fold)
            .filter(|(e, _)| {
                model
                    .classify(&e.text)
                    .first()
                    .is_some_and(|(intent, _)| *intent == e.intent)
            })
            .count();
    }
    right as f32 / examples.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> Vec<Example> {
        let data = [
            (
                "greet",
                &[
                    "Hallo",
                    "Guten Tag",
                    "Moin",
                    "Hi",
                    "Servus",
                    "Guten Morgen",
                    "Hallo zusammen",
                ][..],
            ),
            (
                "book",
                &[
                    "Termin buchen",
                    "Ich brauche einen Termin",
                    "Termin vereinbaren",
                    "einen Termin bitte",
                    "Terminbuchung",
                    "freier Termin",
                    "Termin im Bürgerbüro",
                ][..],
            ),
            (
                "thanks",
                &[
                    "Danke",
                    "Vielen Dank",
                    "Danke schön",
                    "Dankeschön",
                    "Merci",
                    "besten Dank",
                    "danke sehr",
                ][..],
            ),
        ];
        data.iter()
            .flat_map(|(intent, texts)| {
                texts.iter().map(|t| Example {
                    text: t.to_string(),
                    intent: intent.to_string(),
                })
            })
            .collect()
    }

    #[test]
    fn unseen_wordings_are_classified_by_shared_words_and_letters() {
        let model = Classifier::train(&examples());
        assert_eq!(model.classify("Ich möchte einen Termin")[0].0, "book");
        assert_eq!(model.classify("Hallöchen")[0].0, "greet");
        assert_eq!(model.classify("tausend Dank")[0].0, "thanks");
        let ranked = model.classify("Termin");
        let total: f32 = ranked.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-4, "probabilities sum to one");
    }

    #[test]
    fn training_is_deterministic() {
        let a = Classifier::train(&examples()).classify("Termin morgen");
        let b = Classifier::train(&examples()).classify("Termin morgen");
        assert_eq!(a, b);
    }

    #[test]
    fn cross_validation_reports_held_out_accuracy() {
        let accuracy = cross_validate(&examples(), 3);
        assert!(accuracy > 0.7, "{accuracy}");
    }
}
