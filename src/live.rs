//! Conversations as people see them: the history of a conversation (the citizen's turns, the assistant's
//! answers and what agents wrote), agents' messages delivered live, the citizens' ratings of answers, and
//! the editors' report of unanswered and badly rated questions.
//!
//! Agents' messages are stored first and then announced on an in-process channel; a listener that misses
//! an announcement (another instance wrote it) still finds the message at its next look into the database.

use auskunft_channel::Channel;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tokio::sync::broadcast;

use crate::store::sql::{is_unique_violation, with_pool};
use crate::store::{Database, SessionKey};

/// One line of a conversation's history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Entry {
    /// The answer's number in the conversation (for ratings); none for the citizen's lines and agents'.
    pub turn: Option<i64>,
    /// `citizen`, `assistant` or `agent`.
    pub role: String,
    /// What was written.
    pub text: String,
    /// When.
    #[schema(value_type = String)]
    pub at: DateTime<Utc>,
    /// The agent, for agents' lines.
    pub agent: Option<String>,
}

/// Something a listener of a conversation hears.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// An agent wrote (number `seq` of the conversation's agent messages).
    Agent {
        /// The message's number.
        seq: i64,
        /// The message.
        entry: Entry,
    },
    /// An agent took the conversation over (`taken_over`) or gave it back to the assistant
    /// (`handed_back`).
    Status {
        /// `taken_over` or `handed_back`.
        state: &'static str,
        /// Who.
        agent: String,
    },
}

/// What taking over a conversation gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    /// It is this agent's now.
    Taken,
    /// Another agent has it.
    TakenBy(String),
    /// No handoff of the conversation is open.
    NotOpen,
}

/// A question the assistant could not answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Unanswered {
    /// What the citizen asked.
    pub text: String,
    /// When.
    #[schema(value_type = String)]
    pub at: DateTime<Utc>,
    /// The conversation's language.
    pub lang: String,
}

/// An answer a citizen rated thumbs-down.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RatedDown {
    /// What the citizen asked (or the button they pressed).
    pub question: String,
    /// What the assistant answered.
    pub answer: String,
    /// The knowledge entry the answer came from.
    pub service: Option<String>,
    /// When it was asked.
    #[schema(value_type = String)]
    pub at: DateTime<Utc>,
}

/// Why a live operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The conversation log and its live announcements.
#[derive(Clone)]
pub struct Live {
    database: Database,
    events: broadcast::Sender<(SessionKey, LiveEvent)>,
    closing: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
}

/// What a citizen's turn shows when it was no text.
fn citizen_text(user_text: Option<String>, action: Option<String>) -> String {
    match (user_text, action.as_deref()) {
        (Some(text), _) => text,
        (None, Some("image")) => "[Foto]".to_string(),
        (None, Some("location")) => "[Standort]".to_string(),
        (None, Some(action)) => format!("[{action}]"),
        (None, None) => String::new(),
    }
}

impl Live {
    /// The log in this database.
    pub fn new(database: Database) -> Live {
        let (events, _) = broadcast::channel(256);
        let (closing, _) = tokio::sync::watch::channel(false);
        Live {
            database,
            events,
            closing: std::sync::Arc::new(closing),
        }
    }

    /// Ends every listener's stream (the server shuts down; open event streams would hold it).
    pub fn shut_down(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes true when the server shuts down.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Listens to every conversation's announcements (filter by key).
    pub fn subscribe(&self) -> broadcast::Receiver<(SessionKey, LiveEvent)> {
        self.events.subscribe()
    }

    /// Announces an event of a conversation to its listeners.
    pub fn announce(&self, key: &SessionKey, event: LiveEvent) {
        // No listener is fine: the widget may be closed.
        let _ = self.events.send((key.clone(), event));
    }

    /// The conversation's language, if it exists.
    pub async fn lang(&self, key: &SessionKey) -> Result<Option<String>, LiveError> {
        let lang: Option<String> = with_pool!(&self.database, |pool| {
            sqlx::query_scalar("SELECT lang FROM sessions WHERE channel = $1 AND conversation = $2")
                .bind(key.channel.as_str())
                .bind(&key.conversation)
                .fetch_optional(pool)
                .await?
        });
        Ok(lang)
    }

    /// The last `limit` turns and everything agents wrote, oldest first.
    pub async fn history(&self, key: &SessionKey, limit: i64) -> Result<Vec<Entry>, LiveError> {
        let mut entries = Vec::new();
        with_pool!(&self.database, |pool| {
            let rows = sqlx::query(
                "SELECT seq, at, user_text, action, reply_text FROM turns \
                 WHERE channel = $1 AND conversation = $2 ORDER BY seq DESC LIMIT $3",
            )
            .bind(key.channel.as_str())
            .bind(&key.conversation)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            for row in rows.into_iter().rev() {
                let at: DateTime<Utc> = row.try_get("at")?;
                let seq: i64 = row.try_get("seq")?;
                entries.push(Entry {
                    turn: None,
                    role: "citizen".into(),
                    text: citizen_text(row.try_get("user_text")?, row.try_get("action")?),
                    at,
                    agent: None,
                });
                let reply: String = row.try_get("reply_text")?;
                if !reply.is_empty() {
                    entries.push(Entry {
                        turn: Some(seq),
                        role: "assistant".into(),
                        text: reply,
                        at,
                        agent: None,
                    });
                }
            }
        });
        entries.extend(
            self.agent_messages_after(key, 0)
                .await?
                .into_iter()
                .map(|(_, entry)| entry),
        );
        // Stable: a turn's citizen line stays before its answer.
        entries.sort_by_key(|e| e.at);
        Ok(entries)
    }

    /// The agent messages numbered above `seq`, in order.
    pub async fn agent_messages_after(
        &self,
        key: &SessionKey,
        seq: i64,
    ) -> Result<Vec<(i64, Entry)>, LiveError> {
        let rows: Vec<(i64, i64, String, String)> = with_pool!(&self.database, |pool| {
            sqlx::query_as(
                "SELECT seq, at, agent, text FROM agent_messages \
                 WHERE channel = $1 AND conversation = $2 AND seq > $3 ORDER BY seq",
            )
            .bind(key.channel.as_str())
            .bind(&key.conversation)
            .bind(seq)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(seq, at, agent, text)| {
                (
                    seq,
                    Entry {
                        turn: None,
                        role: "agent".into(),
                        text,
                        at: crate::store::sql::at(at),
                        agent: Some(agent),
                    },
                )
            })
            .collect())
    }

    /// Stores what an agent wrote and announces it.
    pub async fn add_agent_message(
        &self,
        key: &SessionKey,
        agent: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Entry, LiveError> {
        for _attempt in 0..20 {
            let inserted = with_pool!(&self.database, |pool| {
                sqlx::query(
                    "INSERT INTO agent_messages (channel, conversation, seq, at, agent, text) \
                     SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5 FROM agent_messages \
                     WHERE channel = $1 AND conversation = $2 RETURNING seq",
                )
                .bind(key.channel.as_str())
                .bind(&key.conversation)
                .bind(now.timestamp())
                .bind(agent)
                .bind(text)
                .fetch_one(pool)
                .await
                .and_then(|row| row.try_get::<i64, _>("seq"))
            });
            match inserted {
                Ok(seq) => {
                    let entry = Entry {
                        turn: None,
                        role: "agent".into(),
                        text: text.to_string(),
                        at: crate::store::sql::at(now.timestamp()),
                        agent: Some(agent.to_string()),
                    };
                    self.announce(
                        key,
                        LiveEvent::Agent {
                            seq,
                            entry: entry.clone(),
                        },
                    );
                    return Ok(entry);
                }
                Err(error) if is_unique_violation(&error) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(LiveError::Database(sqlx::Error::Protocol(
            "no free message number".into(),
        )))
    }

    /// Takes over a conversation's open handoff: `Ok(None)` when it is this agent's now, `Ok(Some(other))`
    /// when another agent has it, an error `NotOpen` when nothing is open.
    pub async fn take(&self, key: &SessionKey, agent: &str) -> Result<Take, LiveError> {
        let taken = with_pool!(&self.database, |pool| {
            sqlx::query(
                "UPDATE handoffs SET taken_by = $3 WHERE channel = $1 AND conversation = $2 \
                 AND closed_at IS NULL AND (taken_by IS NULL OR taken_by = $3)",
            )
            .bind(key.channel.as_str())
            .bind(&key.conversation)
            .bind(agent)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if taken > 0 {
            self.announce(
                key,
                LiveEvent::Status {
                    state: "taken_over",
                    agent: agent.to_string(),
                },
            );
            return Ok(Take::Taken);
        }
        let holder: Option<Option<String>> = with_pool!(&self.database, |pool| {
            sqlx::query_scalar(
                "SELECT taken_by FROM handoffs WHERE channel = $1 AND conversation = $2 AND closed_at IS NULL",
            )
            .bind(key.channel.as_str())
            .bind(&key.conversation)
            .fetch_optional(pool)
            .await?
        });
        Ok(match holder {
            Some(Some(other)) => Take::TakenBy(other),
            _ => Take::NotOpen,
        })
    }

    /// Who has taken over the conversation's open handoff: `None` when none is open, `Some(None)` while
    /// it waits.
    pub async fn holder(&self, key: &SessionKey) -> Result<Option<Option<String>>, LiveError> {
        let holder: Option<Option<String>> = with_pool!(&self.database, |pool| {
            sqlx::query_scalar(
                "SELECT taken_by FROM handoffs WHERE channel = $1 AND conversation = $2 AND closed_at IS NULL",
            )
            .bind(key.channel.as_str())
            .bind(&key.conversation)
            .fetch_optional(pool)
            .await?
        });
        Ok(holder)
    }

    /// The last thing the citizen wrote in a conversation.
    pub async fn last_citizen_text(&self, key: &SessionKey) -> Result<Option<String>, LiveError> {
        let text: Option<Option<String>> = with_pool!(&self.database, |pool| {
            sqlx::query_scalar(
                "SELECT user_text FROM turns WHERE channel = $1 AND conversation = $2 \
                 AND user_text IS NOT NULL ORDER BY seq DESC LIMIT 1",
            )
            .bind(key.channel.as_str())
            .bind(&key.conversation)
            .fetch_optional(pool)
            .await?
        });
        Ok(text.flatten())
    }

    /// Stores a rating of an answer (a second rating replaces the first); false when the conversation
    /// has no such answer.
    pub async fn rate(
        &self,
        key: &SessionKey,
        turn: i64,
        up: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, LiveError> {
        let stored = with_pool!(&self.database, |pool| {
            sqlx::query(
                "INSERT INTO feedback (channel, conversation, turn, rating, at) \
                 SELECT channel, conversation, seq, $4, $5 FROM turns \
                 WHERE channel = $1 AND conversation = $2 AND seq = $3 \
                 ON CONFLICT (channel, conversation, turn) DO UPDATE SET rating = excluded.rating, at = excluded.at",
            )
            .bind(key.channel.as_str())
            .bind(&key.conversation)
            .bind(turn)
            .bind(if up { "up" } else { "down" })
            .bind(now.timestamp())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(stored > 0)
    }

    /// Questions the assistant could not answer (intent `fallback`) since a time, newest first.
    pub async fn unanswered(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Unanswered>, LiveError> {
        let mut found = Vec::new();
        with_pool!(&self.database, |pool| {
            let rows = sqlx::query(
                "SELECT t.user_text, t.at, s.lang FROM turns t JOIN sessions s \
                 ON s.channel = t.channel AND s.conversation = t.conversation \
                 WHERE t.intent = 'fallback' AND t.user_text IS NOT NULL AND t.at >= $1 \
                 ORDER BY t.at DESC LIMIT $2",
            )
            .bind(since)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            for row in rows {
                found.push(Unanswered {
                    text: row.try_get("user_text")?,
                    at: row.try_get("at")?,
                    lang: row.try_get("lang")?,
                });
            }
        });
        Ok(found)
    }

    /// Answers rated thumbs-down since a time, newest first.
    pub async fn rated_down(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<RatedDown>, LiveError> {
        let mut found = Vec::new();
        with_pool!(&self.database, |pool| {
            let rows = sqlx::query(
                "SELECT t.user_text, t.action, t.reply_text, t.service_slug, t.at FROM feedback f JOIN turns t \
                 ON t.channel = f.channel AND t.conversation = f.conversation AND t.seq = f.turn \
                 WHERE f.rating = 'down' AND f.at >= $1 ORDER BY f.at DESC LIMIT $2",
            )
            .bind(since.timestamp())
            .bind(limit)
            .fetch_all(pool)
            .await?;
            for row in rows {
                found.push(RatedDown {
                    question: citizen_text(row.try_get("user_text")?, row.try_get("action")?),
                    answer: row.try_get("reply_text")?,
                    service: row.try_get("service_slug")?,
                    at: row.try_get("at")?,
                });
            }
        });
        Ok(found)
    }
}

/// A conversation key from the path's channel name and id.
pub fn key(channel: &str, conversation: &str) -> Option<SessionKey> {
    Some(SessionKey {
        channel: Channel::parse(channel)?,
        conversation: conversation.to_string(),
    })
}
