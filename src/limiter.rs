//! Guessing limits for secrets citizens type (a notice's check code, a booking's key, an agent's
//! password): an attempt is counted *before* the secret is compared, in the database, so the limit holds
//! across instances and under races (fifty simultaneous guesses evaluate at most the allowed few). A right
//! guess gives its attempt back; a wrong one keeps it for the window.

use chrono::{DateTime, Utc};

use crate::store::Database;
use crate::store::sql::with_pool;

/// The window in which attempts are counted.
pub const WINDOW_SECS: i64 = 15 * 60;

/// One counter and its limit: `("client:1.2.3.4", 5)`.
pub type Limit<'a> = (&'a str, i64);

/// What an attempt may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Compare the secret; then call [`AttemptLimiter::succeeded`] if it was right.
    Allowed,
    /// Refused without comparing, for this many more seconds.
    Blocked(i64),
}

/// Attempt counters in the database (table `attempt_counters`).
#[derive(Clone)]
pub struct AttemptLimiter {
    database: Database,
}

impl AttemptLimiter {
    /// Counters in this database.
    pub fn new(database: Database) -> AttemptLimiter {
        AttemptLimiter { database }
    }

    /// Counts an attempt against every limit. Refused when any counter is past its limit (the attempt
    /// is then taken back from all of them). A counter's window starts with its first attempt.
    pub async fn attempt(
        &self,
        limits: &[Limit<'_>],
        now: DateTime<Utc>,
    ) -> Result<Attempt, sqlx::Error> {
        let now = now.timestamp();
        let mut counted: Vec<&str> = Vec::with_capacity(limits.len());
        let mut blocked_for = None;
        for (key, limit) in limits {
            // One statement: the row lock (PostgreSQL) or the write lock (SQLite) orders simultaneous
            // attempts, so each sees the count including every attempt before it.
            let (count, window_start): (i64, i64) = with_pool!(&self.database, |pool| {
                sqlx::query_as(
                    "INSERT INTO attempt_counters (key, window_start, count) VALUES ($1, $2, 1) \
                     ON CONFLICT (key) DO UPDATE SET \
                     count = CASE WHEN attempt_counters.window_start <= $3 THEN 1 ELSE attempt_counters.count + 1 END, \
                     window_start = CASE WHEN attempt_counters.window_start <= $3 THEN $2 ELSE attempt_counters.window_start END \
                     RETURNING count, window_start",
                )
                .bind(*key)
                .bind(now)
                .bind(now - WINDOW_SECS)
                .fetch_one(pool)
                .await?
            });
            counted.push(key);
            if count > *limit {
                blocked_for = Some((window_start + WINDOW_SECS - now).max(1));
                break;
            }
        }
        match blocked_for {
            None => Ok(Attempt::Allowed),
            Some(seconds) => {
                self.give_back(&counted).await?;
                Ok(Attempt::Blocked(seconds))
            }
        }
    }

    /// The attempt was right: it does not count against anyone.
    pub async fn succeeded(&self, limits: &[Limit<'_>]) -> Result<(), sqlx::Error> {
        let keys: Vec<&str> = limits.iter().map(|(key, _)| *key).collect();
        self.give_back(&keys).await
    }

    async fn give_back(&self, keys: &[&str]) -> Result<(), sqlx::Error> {
        for key in keys {
            with_pool!(&self.database, |pool| {
                sqlx::query(
                    "UPDATE attempt_counters SET count = count - 1 WHERE key = $1 AND count > 0",
                )
                .bind(*key)
                .execute(pool)
                .await?;
            });
        }
        Ok(())
    }

    /// Forgets counters whose window has passed; how many.
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
        with_pool!(&self.database, |pool| {
            Ok(
                sqlx::query("DELETE FROM attempt_counters WHERE window_start <= $1")
                    .bind(now.timestamp() - WINDOW_SECS)
                    .execute(pool)
                    .await?
                    .rows_affected(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn limiter() -> AttemptLimiter {
        let database = crate::store::sql::connect("sqlite::memory:", 1)
            .await
            .expect("an in-memory database");
        AttemptLimiter::new(database)
    }

    #[tokio::test]
    async fn the_sixth_attempt_is_refused_and_a_right_one_gives_its_attempt_back() {
        let limiter = limiter().await;
        let now = Utc::now();
        let limits = [("client:a", 5), ("kz:1", 20)];
        for _ in 0..4 {
            assert_eq!(
                limiter.attempt(&limits, now).await.unwrap(),
                Attempt::Allowed
            );
        }
        // A right guess does not count.
        assert_eq!(
            limiter.attempt(&limits, now).await.unwrap(),
            Attempt::Allowed
        );
        limiter.succeeded(&limits).await.unwrap();
        assert_eq!(
            limiter.attempt(&limits, now).await.unwrap(),
            Attempt::Allowed
        );
        assert!(matches!(
            limiter.attempt(&limits, now).await.unwrap(),
            Attempt::Blocked(seconds) if seconds > 0 && seconds <= WINDOW_SECS
        ));
        // Another client is not blocked, and the refused attempt did not count for the reference.
        assert_eq!(
            limiter
                .attempt(&[("client:b", 5), ("kz:1", 20)], now)
                .await
                .unwrap(),
            Attempt::Allowed
        );
        // After the window, the client may try again.
        let later = now + chrono::Duration::seconds(WINDOW_SECS + 1);
        assert_eq!(
            limiter.attempt(&limits, later).await.unwrap(),
            Attempt::Allowed
        );
        assert_eq!(
            limiter
                .sweep(later + chrono::Duration::seconds(WINDOW_SECS))
                .await
                .unwrap(),
            3
        );
    }
}
