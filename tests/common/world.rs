//! The real engine with the shipped knowledge and intents over SQLite in a directory, on a clock the
//! test moves: for transcripts, the forms' property test and the simulated citizens.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use auskunft::config::Settings;
use auskunft::engine::Engine;
use auskunft::knowledge::Knowledge;
use auskunft::nlu::Nlu;
use auskunft::store::{self, CachedStore, Database, SessionStore};
use chrono::TimeZone;

/// The shipped knowledge and intents, loaded once, and the database engines are made on.
pub struct World {
    /// The settings of the engines made.
    pub settings: Settings,
    knowledge: Arc<Knowledge>,
    nlu: Arc<Nlu>,
    url: String,
}

impl World {
    /// The world over a database in `dir`, with the 115 line's duty hours.
    pub async fn new(dir: &Path) -> World {
        let mut settings = super::test_settings_in(dir);
        settings.intents.dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("intents");
        // The shipped duty hours (the 115 line's): the clock decides whether agents take a handoff.
        settings.agents.duty_hours = auskunft::config::DEFAULT_DUTY_HOURS.into();
        let knowledge = Arc::new(Knowledge::open(&settings.knowledge.dir, None).unwrap());
        let nlu = Arc::new(Nlu::load(&settings.intents.dir, &knowledge.base).unwrap());
        let url = settings.database.url.clone();
        World {
            settings,
            knowledge,
            nlu,
            url,
        }
    }

    /// A new engine on the database (as after a restart), reading the time from `clock`.
    pub async fn engine(&self, clock: &Arc<AtomicI64>) -> (Engine, Database) {
        let database = store::connect(&self.url, 4).await.unwrap();
        let sessions: Arc<dyn SessionStore> = Arc::new(CachedStore::new(
            Arc::new(database.clone()),
            std::num::NonZeroUsize::new(100).unwrap(),
        ));
        let clock = Arc::clone(clock);
        let engine = auskunft::startup::engine(
            &self.settings,
            &self.knowledge,
            Arc::clone(&self.nlu),
            sessions,
            Arc::new(database.clone()),
            auskunft::startup::transactions(&self.settings, &self.knowledge, &database)
                .await
                .unwrap(),
        )
        .with_clock(Arc::new(move || {
            chrono::Utc
                .timestamp_opt(clock.load(Ordering::SeqCst), 0)
                .unwrap()
        }));
        (engine, database)
    }
}

/// The texts of a reply's messages, one per line.
pub fn reply_text(reply: &auskunft_channel::Reply) -> String {
    reply
        .messages
        .iter()
        .map(|m| m.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The dialogue state stored for a web conversation, if it was saved.
pub async fn stored_state(
    database: &Database,
    conversation: &str,
) -> Option<auskunft::engine::DialogueState> {
    let key = store::SessionKey {
        channel: auskunft_channel::Channel::Web,
        conversation: conversation.to_string(),
    };
    let record = database.load(&key).await.unwrap()?;
    Some(serde_json::from_str(&record.state).unwrap())
}

/// An appointment's status in the database (`reserved`, `confirmed`, `cancelled`, `expired`), if it exists.
pub async fn appointment_status(database: &Database, code: &str) -> Option<String> {
    let Database::Sqlite(pool) = database else {
        unreachable!("these tests run on SQLite")
    };
    sqlx::query_scalar("SELECT status FROM appointments WHERE code = $1")
        .bind(code)
        .fetch_optional(pool)
        .await
        .unwrap()
}
