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

use super::{
    Handoff, HandoffQueue, Result, SessionKey, SessionRecord, SessionStore, StoreError, TurnRecord,
};

/// A connected, migrated database.
#[derive(Clone, Debug)]
pub enum Database {
    /// An SQLite file (or in-memory database).
    Sqlite(SqlitePool),
    /// A PostgreSQL server.
    Postgres(PgPool),
}

/// Runs the same block with the pool of either backend (the block is compiled once per backend). The
/// second form also names the statement that begins a transaction: `BEGIN IMMEDIATE` on SQLite, which
/// takes the write lock at once (a deferred transaction that reads first could not upgrade when another
/// writer committed in between), plain `BEGIN` on PostgreSQL.
macro_rules! with_pool {
    ($database:expr, |$pool:ident| $body:expr) => {
        $crate::store::sql::with_pool!($database, |$pool, _begin| $body)
    };
    ($database:expr, |$pool:ident, $begin:ident| $body:expr) => {
        match $database {
            $crate::store::Database::Sqlite($pool) => {
                let $begin = "BEGIN IMMEDIATE";
                $body
            }
            $crate::store::Database::Postgres($pool) => {
                let $begin = "BEGIN";
                $body
            }
        }
    };
}
pub(crate) use with_pool;

/// Whether a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// The next sequence number of `year` in a table numbered YEAR-SEQ (columns `year`, `seq`, unique
/// together). The insert that uses it can still lose a race to another writer (a unique violation):
/// callers then ask again.
pub(crate) async fn next_in_year(
    database: &Database,
    table: &'static str,
    year: i64,
) -> std::result::Result<i64, sqlx::Error> {
    let sql = format!("SELECT COALESCE(MAX(seq), 0) + 1 FROM {table} WHERE year = $1");
    with_pool!(database, |pool| {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(year)
            .fetch_one(pool)
            .await
    })
}

/// A Unix time in seconds as a UTC time.
pub(crate) fn at(seconds: i64) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.timestamp_opt(seconds, 0).single().unwrap_or_default()
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

/// SQLite: the new conversation and its first turn in one transaction; the turn is written only when
/// the conversation did not exist (`changes()` counts the rows of the statement before). The final SELECT
/// says whether the turn was written: the driver's row counts are not reliable across statements (SQLite
/// reports the last data change even for BEGIN and COMMIT).
const SQLITE_CREATE_WITH_TURN: &str = "BEGIN IMMEDIATE; \
    INSERT INTO sessions (channel, conversation, lang, state, version, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (channel, conversation) DO NOTHING; \
    INSERT INTO turns (channel, conversation, seq, at, user_text, action, intent, confidence, service_slug, reply_text) \
    SELECT $1, $2, $7 + 1, $8, $9, $10, $11, $12, $13, $14 WHERE changes() = 1; \
    SELECT changes() AS saved; \
    COMMIT;";

/// SQLite: the state and the turn in one transaction, only if the stored version is the loaded one.
const SQLITE_UPDATE_WITH_TURN: &str = "BEGIN IMMEDIATE; \
    UPDATE sessions SET lang = $3, state = $4, version = version + 1, updated_at = $6 \
    WHERE channel = $1 AND conversation = $2 AND version = $7; \
    INSERT INTO turns (channel, conversation, seq, at, user_text, action, intent, confidence, service_slug, reply_text) \
    SELECT $1, $2, $7 + 1, $8, $9, $10, $11, $12, $13, $14 WHERE changes() = 1; \
    SELECT changes() AS saved; \
    COMMIT;";

/// PostgreSQL: the same as one statement (a data-modifying CTE is atomic).
const POSTGRES_CREATE_WITH_TURN: &str = "WITH saved AS ( \
    INSERT INTO sessions (channel, conversation, lang, state, version, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (channel, conversation) DO NOTHING RETURNING 1) \
    INSERT INTO turns (channel, conversation, seq, at, user_text, action, intent, confidence, service_slug, reply_text) \
    SELECT $1, $2, $7 + 1, $8, $9, $10, $11, $12, $13, $14 FROM saved";

/// PostgreSQL: the state and the turn as one statement, only if the stored version is the loaded one.
const POSTGRES_UPDATE_WITH_TURN: &str = "WITH saved AS ( \
    UPDATE sessions SET lang = $3, state = $4, version = version + 1, updated_at = $6 \
    WHERE channel = $1 AND conversation = $2 AND version = $7 RETURNING 1) \
    INSERT INTO turns (channel, conversation, seq, at, user_text, action, intent, confidence, service_slug, reply_text) \
    SELECT $1, $2, $7 + 1, $8, $9, $10, $11, $12, $13, $14 FROM saved";

/// Binds the parameters of the save statements above, for either backend.
fn bind_save<'q, DB>(
    query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    session: &'q SessionRecord,
    turn: &'q TurnRecord,
    new: bool,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    // $5 (created_at) only appears when the conversation is created; PostgreSQL must know every
    // parameter's type, so the update binds it as a typed NULL it never reads.
    let created_at = new.then_some(session.created_at);
    query
        .bind(session.key.channel.as_str())
        .bind(&session.key.conversation)
        .bind(&session.lang)
        .bind(&session.state)
        .bind(created_at)
        .bind(session.updated_at)
        .bind(session.version)
        .bind(turn.at)
        .bind(&turn.user_text)
        .bind(&turn.action)
        .bind(&turn.intent)
        .bind(turn.confidence)
        .bind(&turn.service_slug)
        .bind(&turn.reply_text)
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
        // One round trip per save: a chat turn's latency is mostly round trips to the database.
        // Parameters: $1 channel, $2 conversation, $3 lang, $4 state, $5 created_at, $6 updated_at,
        // $7 the loaded version, $8..$14 the turn.
        Box::pin(async move {
            let new = session.version == 0;
            let saved = match self {
                Database::Sqlite(pool) => {
                    let mut connection = pool.acquire().await.map_err(database_error)?;
                    let sql = if new {
                        SQLITE_CREATE_WITH_TURN
                    } else {
                        SQLITE_UPDATE_WITH_TURN
                    };
                    let result = bind_save(sqlx::query(sql), session, turn, new)
                        .fetch_all(&mut *connection)
                        .await;
                    if result.is_err() {
                        // A statement failed inside the transaction: end it before the connection is reused.
                        let _ = sqlx::query("ROLLBACK").execute(&mut *connection).await;
                    }
                    let rows = result.map_err(database_error)?;
                    let saved: i64 = match rows.first() {
                        Some(row) => row.try_get("saved").map_err(database_error)?,
                        None => {
                            return Err(StoreError::Database(
                                "the save reported nothing".to_string(),
                            ));
                        }
                    };
                    saved == 1
                }
                Database::Postgres(pool) => {
                    let sql = if new {
                        POSTGRES_CREATE_WITH_TURN
                    } else {
                        POSTGRES_UPDATE_WITH_TURN
                    };
                    bind_save(sqlx::query(sql), session, turn, new)
                        .execute(pool)
                        .await
                        .map_err(database_error)?
                        .rows_affected()
                        > 0
                }
            };
            if saved {
                Ok(())
            } else {
                Err(StoreError::Conflict)
            }
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
                sqlx::query("DELETE FROM handoffs WHERE created_at < $1")
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

impl HandoffQueue for Database {
    fn enqueue<'a>(&'a self, handoff: &'a Handoff) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            with_pool!(self, |pool| {
                sqlx::query(
                    "INSERT INTO handoffs (channel, conversation, reason, lang, created_at) \
                     SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM handoffs \
                     WHERE channel = $1 AND conversation = $2 AND closed_at IS NULL)",
                )
                .bind(handoff.key.channel.as_str())
                .bind(&handoff.key.conversation)
                .bind(&handoff.reason)
                .bind(&handoff.lang)
                .bind(handoff.created_at)
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(database_error)
            })
        })
    }

    fn open(&self) -> BoxFuture<'_, Result<Vec<Handoff>>> {
        Box::pin(async move {
            with_pool!(self, |pool| {
                let rows = sqlx::query(
                    "SELECT channel, conversation, reason, lang, created_at, taken_by FROM handoffs \
                     WHERE closed_at IS NULL ORDER BY created_at",
                )
                .fetch_all(pool)
                .await
                .map_err(database_error)?;
                rows.into_iter()
                    .map(|row| {
                        let channel: String = row.try_get("channel").map_err(database_error)?;
                        Ok(Handoff {
                            key: SessionKey {
                                channel: channel_of(&channel)?,
                                conversation: row
                                    .try_get("conversation")
                                    .map_err(database_error)?,
                            },
                            reason: row.try_get("reason").map_err(database_error)?,
                            lang: row.try_get("lang").map_err(database_error)?,
                            created_at: row.try_get("created_at").map_err(database_error)?,
                            taken_by: row.try_get("taken_by").map_err(database_error)?,
                        })
                    })
                    .collect()
            })
        })
    }

    fn close<'a>(&'a self, key: &'a SessionKey, at: DateTime<Utc>) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            with_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE handoffs SET closed_at = $1 WHERE channel = $2 AND conversation = $3 AND closed_at IS NULL",
                )
                .bind(at)
                .bind(key.channel.as_str())
                .bind(&key.conversation)
                .execute(pool)
                .await
                .map(|result| result.rows_affected() > 0)
                .map_err(database_error)
            })
        })
    }
}
