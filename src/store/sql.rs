//! The SQL stores: SQLite (embedded, the default) and PostgreSQL, chosen by the database URL's scheme.
//! Both run the same SQL (placeholders `$1` work in both); each backend has its own migrations.

use std::str::FromStr;
use std::time::Duration;

use auskunft_channel::{BoxFuture, Channel};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, postgres::PgConnectOptions};

use super::{Result, SessionKey, SessionRecord, SessionStore, StoreError, TurnRecord};

/// A connected, migrated database.
#[derive(Clone, Debug)]
pub enum Database {
    /// An SQLite file (or in-memory database).
    Sqlite(SqlitePool),
    /// A PostgreSQL server.
    Postgres(PgPool),
}

/// Runs the same block with the pool of either backend; the block is compiled once per backend.
macro_rules! with_pool {
    ($database:expr, |$pool:ident| $body:expr) => {
        match $database {
            Database::Sqlite($pool) => $body,
            Database::Postgres($pool) => $body,
        }
    };
}

/// Connects to the database the URL names (`sqlite:path`, `sqlite::memory:`, `postgres://...`) and runs
/// the migrations. An SQLite file and its directory are created when missing.
pub async fn connect(url: &str, max_connections: u32) -> Result<Database> {
    let database = if url.starts_with("sqlite:") {
        let mut options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Database(format!("invalid SQLite URL: {e}")))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .synchronous(SqliteSynchronous::Normal);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory {
            options = options.journal_mode(SqliteJournalMode::Wal);
            if let Some(parent) = options.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Database(format!(
                        "cannot create the directory {}: {e}",
                        parent.display()
                    ))
                })?;
            }
        }
        // Every connection to ":memory:" is a database of its own: keep exactly one, forever.
        let pool_options = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(max_connections)
        };
        let pool = pool_options
            .connect_with(options)
            .await
            .map_err(database_error)?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Database::Sqlite(pool)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Database(format!("invalid PostgreSQL URL: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(database_error)?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Database::Postgres(pool)
    } else {
        return Err(StoreError::Database(
            "unsupported database URL: use sqlite:PATH or postgres://USER@HOST/DB".to_string(),
        ));
    };
    Ok(database)
}

fn database_error(error: sqlx::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

impl Database {
    /// The backend's name, for logs and health checks.
    pub fn backend(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(database_error)
        })
    }

    /// Closes every connection, waiting for running queries.
    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }
}

fn channel_of(name: &str) -> Result<Channel> {
    Channel::parse(name).ok_or_else(|| StoreError::Corrupt(format!("unknown channel '{name}'")))
}

impl SessionStore for Database {
    fn load<'a>(&'a self, key: &'a SessionKey) -> BoxFuture<'a, Result<Option<SessionRecord>>> {
        Box::pin(async move {
            with_pool!(self, |pool| {
                let row = sqlx::query(
                    "SELECT channel, conversation, lang, state, version, created_at, updated_at \
                     FROM sessions WHERE channel = $1 AND conversation = $2",
                )
                .bind(key.channel.as_str())
                .bind(&key.conversation)
                .fetch_optional(pool)
                .await
                .map_err(database_error)?;
                let Some(row) = row else { return Ok(None) };
                let channel: String = row.try_get("channel").map_err(database_error)?;
                Ok(Some(SessionRecord {
                    key: SessionKey {
                        channel: channel_of(&channel)?,
                        conversation: row.try_get("conversation").map_err(database_error)?,
                    },
                    lang: row.try_get("lang").map_err(database_error)?,
                    state: row.try_get("state").map_err(database_error)?,
                    version: row.try_get("version").map_err(database_error)?,
                    created_at: row.try_get("created_at").map_err(database_error)?,
                    updated_at: row.try_get("updated_at").map_err(database_error)?,
                }))
            })
        })
    }

    fn save_turn<'a>(
        &'a self,
        session: &'a SessionRecord,
        turn: &'a TurnRecord,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            with_pool!(self, |pool| {
                let mut transaction = pool.begin().await.map_err(database_error)?;
                let changed = if session.version == 0 {
                    sqlx::query(
                        "INSERT INTO sessions (channel, conversation, lang, state, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (channel, conversation) DO NOTHING",
                    )
                    .bind(session.key.channel.as_str())
                    .bind(&session.key.conversation)
                    .bind(&session.lang)
                    .bind(&session.state)
                    .bind(session.created_at)
                    .bind(session.updated_at)
                    .execute(&mut *transaction)
                    .await
                    .map_err(database_error)?
                    .rows_affected()
                } else {
                    sqlx::query(
                        "UPDATE sessions SET lang = $1, state = $2, version = version + 1, updated_at = $3 \
                         WHERE channel = $4 AND conversation = $5 AND version = $6",
                    )
                    .bind(&session.lang)
                    .bind(&session.state)
                    .bind(session.updated_at)
                    .bind(session.key.channel.as_str())
                    .bind(&session.key.conversation)
                    .bind(session.version)
                    .execute(&mut *transaction)
                    .await
                    .map_err(database_error)?
                    .rows_affected()
                };
                if changed == 0 {
                    return Err(StoreError::Conflict);
                }
                sqlx::query(
                    "INSERT INTO turns (channel, conversation, seq, at, user_text, action, intent, confidence, \
                     service_slug, reply_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(session.key.channel.as_str())
                .bind(&session.key.conversation)
                .bind(session.version + 1)
                .bind(turn.at)
                .bind(&turn.user_text)
                .bind(&turn.action)
                .bind(&turn.intent)
                .bind(turn.confidence)
                .bind(&turn.service_slug)
                .bind(&turn.reply_text)
                .execute(&mut *transaction)
                .await
                .map_err(database_error)?;
                transaction.commit().await.map_err(database_error)
            })
        })
    }

    fn turns<'a>(
        &'a self,
        key: &'a SessionKey,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<TurnRecord>>> {
        Box::pin(async move {
            with_pool!(self, |pool| {
                let rows = sqlx::query(
                    "SELECT at, user_text, action, intent, confidence, service_slug, reply_text FROM turns \
                     WHERE channel = $1 AND conversation = $2 ORDER BY seq DESC LIMIT $3",
                )
                .bind(key.channel.as_str())
                .bind(&key.conversation)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(database_error)?;
                let mut turns = rows
                    .into_iter()
                    .map(|row| {
                        Ok(TurnRecord {
                            at: row.try_get("at").map_err(database_error)?,
                            user_text: row.try_get("user_text").map_err(database_error)?,
                            action: row.try_get("action").map_err(database_error)?,
                            intent: row.try_get("intent").map_err(database_error)?,
                            confidence: row.try_get("confidence").map_err(database_error)?,
                            service_slug: row.try_get("service_slug").map_err(database_error)?,
                            reply_text: row.try_get("reply_text").map_err(database_error)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                turns.reverse();
                Ok(turns)
            })
        })
    }

    fn delete_idle_before(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            with_pool!(self, |pool| {
                let mut transaction = pool.begin().await.map_err(database_error)?;
                // Turns first: not every SQLite connection is guaranteed to have foreign keys on.
                sqlx::query(
                    "DELETE FROM turns WHERE (channel, conversation) IN \
                     (SELECT channel, conversation FROM sessions WHERE updated_at < $1)",
                )
                .bind(before)
                .execute(&mut *transaction)
                .await
                .map_err(database_error)?;
                let deleted = sqlx::query("DELETE FROM sessions WHERE updated_at < $1")
                    .bind(before)
                    .execute(&mut *transaction)
                    .await
                    .map_err(database_error)?
                    .rows_affected();
                transaction.commit().await.map_err(database_error)?;
                Ok(deleted)
            })
        })
    }
}
