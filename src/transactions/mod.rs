//! Transactions and queries behind forms: each module implements [`crate::engine::FormHandler`] for the
//! forms of intents/forms/ that name it. A new transaction is a form file plus one handler here, registered
//! in `startup.rs`.

pub mod appointments;
pub mod certificates;
pub mod courses;
pub mod notice_texts;
pub mod notices;
pub mod registration;
pub mod reports;
pub mod texts;
