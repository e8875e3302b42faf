//! Auskunft: a citizen-service assistant for a city's 115 line and its Volkshochschule. It answers from a
//! curated knowledge base (tantivy) and reaches citizens through channel adapters. See ARCHITECTURE.md.
// matrix-sdk's futures need a deeper trait resolution.
#![recursion_limit = "256"]

pub mod agents;
pub mod booking;
pub mod certificates;
pub mod config;
pub mod engine;
pub mod eval;
pub mod http;
pub mod import;
pub mod knowledge;
pub mod lang;
pub mod limiter;
pub mod live;
#[cfg(feature = "matrix")]
pub mod matrix;
pub mod nlu;
pub mod notices;
pub mod reports;
pub mod secret;
pub mod startup;
pub mod store;
#[cfg(feature = "telegram")]
pub mod telegram;
pub mod telemetry;
pub mod transactions;
pub mod uploads;
