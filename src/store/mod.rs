//! Storage: the traits the engine stores conversations through, and their implementations on SQLite
//! (the default, embedded), PostgreSQL (for several instances) and in memory (for tests). One conformance
//! suite ([`conformance`]) runs against each of them.

pub mod cached;
pub mod conformance;
pub mod memory;
pub mod sql;

use auskunft_channel::{BoxFuture, Channel};
use chrono::{DateTime, Utc};

pub use cached::CachedStore;
pub use memory::MemoryStore;
pub use sql::{Database, connect};

/// A storage error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else saved the conversation since it was loaded; reload and try again.
    #[error("the conversation was changed concurrently")]
    Conflict,
    /// The database failed; the message is for the log only.
    #[error("database error: {0}")]
    Database(String),
    /// A stored value could not be read back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

/// `Result` with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What identifies a conversation: the channel and the channel's own conversation id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionKey {
    /// The channel.
    pub channel: Channel,
    /// The conversation id on that channel.
    pub conversation: String,
}

/// A conversation's persisted state.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// Which conversation.
    pub key: SessionKey,
    /// The conversation's language tag.
    pub lang: String,
    /// The engine's dialogue state, serialised as JSON (opaque to the store).
    pub state: String,
    /// How many turns were saved; 0 for a conversation not yet stored. Saving checks it (optimistic
    /// concurrency), so two turns can never overwrite each other.
    pub version: i64,
    /// When the conversation started.
    pub created_at: DateTime<Utc>,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}

/// One turn of a conversation: what the citizen sent and what the assistant answered.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnRecord {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The text the citizen typed, if any.
    pub user_text: Option<String>,
    /// The button action the citizen pressed, if any.
    pub action: Option<String>,
    /// The recognised intent.
    pub intent: String,
    /// The intent's confidence.
    pub confidence: f64,
    /// The service the answer was grounded in.
    pub service_slug: Option<String>,
    /// The answer's text.
    pub reply_text: String,
}

/// Where conversations live.
pub trait SessionStore: Send + Sync {
    /// Loads a conversation, `None` when it does not exist.
    fn load<'a>(&'a self, key: &'a SessionKey) -> BoxFuture<'a, Result<Option<SessionRecord>>>;

    /// Saves a conversation's new state together with its turn, atomically. `session.version` must be
    /// the version that was loaded (0 for a new conversation); the stored version becomes one more.
    /// Fails with [`StoreError::Conflict`] when the stored version is another.
    fn save_turn<'a>(
        &'a self,
        session: &'a SessionRecord,
        turn: &'a TurnRecord,
    ) -> BoxFuture<'a, Result<()>>;

    /// The last `limit` turns of a conversation, oldest first.
    fn turns<'a>(
        &'a self,
        key: &'a SessionKey,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<TurnRecord>>>;

    /// Deletes conversations (with their turns) not updated since `before`; returns how many.
    fn delete_idle_before(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64>>;
}

/// A conversation waiting for (or with) a human agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Handoff {
    /// Which conversation.
    pub key: SessionKey,
    /// Why: `asked` (the citizen asked for a person) or `failures` (the assistant could not help).
    pub reason: String,
    /// The conversation's language.
    pub lang: String,
    /// When it was handed off.
    pub created_at: DateTime<Utc>,
    /// The agent who took it over, if any.
    pub taken_by: Option<String>,
}

/// The queue of conversations handed off to agents.
pub trait HandoffQueue: Send + Sync {
    /// Queues a conversation (once: a conversation already waiting is not queued again).
    fn enqueue<'a>(&'a self, handoff: &'a Handoff) -> BoxFuture<'a, Result<()>>;

    /// The open handoffs, oldest first.
    fn open(&self) -> BoxFuture<'_, Result<Vec<Handoff>>>;

    /// Closes a conversation's open handoff (the bot answers again); returns whether one was open.
    fn close<'a>(&'a self, key: &'a SessionKey, at: DateTime<Utc>) -> BoxFuture<'a, Result<bool>>;
}
