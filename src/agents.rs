//! Call-centre agents: accounts (from the settings and the database, passwords hashed with argon2), login
//! sessions (a random token in an HttpOnly cookie, only its SHA-256 stored; a CSRF token per session),
//! and the guard against guessing passwords.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::config::AgentAccount;
use crate::limiter::{Attempt, AttemptLimiter};
use crate::store::Database;
use crate::store::sql::{is_unique_violation, with_pool};

/// The name of the session cookie.
pub const COOKIE: &str = "auskunft_agent";

/// Why an agent operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The name is taken.
    #[error("an agent named '{0}' exists")]
    Exists(String),
    /// The name or password is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// Too many wrong logins for this account or from this client: try again after so many seconds.
    #[error("too many failed logins")]
    Blocked(u64),
}

/// Wrong passwords allowed per account and client in the limiter's window.
const CLIENT_ATTEMPTS: i64 = 5;
/// Wrong passwords allowed per account from anywhere in the window (a guess spread over many addresses).
const ACCOUNT_ATTEMPTS: i64 = 20;

/// A logged-in agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSession {
    /// The agent's name.
    pub name: String,
    /// The token forms must send back in `X-CSRF-Token`.
    pub csrf: String,
}

/// Hashes a password with argon2id and a random salt (a PHC string).
pub fn hash_password(password: &str) -> Result<String, AgentError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AgentError::Hash(e.to_string()))
}

/// Whether a password matches a PHC hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A hash that no password matches, checked when the name is unknown so that unknown names take as long
/// as wrong passwords.
/// Password checks running at once across the server (each takes argon2's 19 MiB).
static PASSWORD_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2yfOB3n3kYbsbXCeZg9oDNJY4uUwzCGYLS7MRYn0Qxs";

/// The agents and their sessions.
#[derive(Clone)]
pub struct Agents {
    database: Database,
    configured: Arc<Vec<AgentAccount>>,
    session_hours: i64,
    limiter: AttemptLimiter,
}

impl Agents {
    /// The agents of the settings and this database.
    pub fn new(database: Database, configured: Vec<AgentAccount>, session_hours: u32) -> Agents {
        Agents {
            limiter: AttemptLimiter::new(database.clone()),
            database,
            configured: Arc::new(configured),
            session_hours: i64::from(session_hours),
        }
    }

    /// Adds an account to the database.
    pub async fn add(
        &self,
        name: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AgentError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(AgentError::Invalid(
                "the name must have 1 to 64 characters".into(),
            ));
        }
        if password.chars().count() < 12 {
            return Err(AgentError::Invalid(
                "the password must have at least 12 characters".into(),
            ));
        }
        if self.configured.iter().any(|a| a.name == name) {
            return Err(AgentError::Exists(name.to_string()));
        }
        let hash = hash_password(password)?;
        let inserted = with_pool!(&self.database, |pool| {
            sqlx::query("INSERT INTO agents (name, password_hash, created_at) VALUES ($1, $2, $3)")
                .bind(name)
                .bind(&hash)
                .bind(now.timestamp())
                .execute(pool)
                .await
                .map(|_| ())
        });
        match inserted {
            Ok(()) => Ok(()),
            Err(error) if is_unique_violation(&error) => Err(AgentError::Exists(name.to_string())),
            Err(error) => Err(error.into()),
        }
    }

    async fn stored_hash(&self, name: &str) -> Result<Option<String>, AgentError> {
        if let Some(account) = self.configured.iter().find(|a| a.name == name) {
            return Ok(Some(account.password_hash.clone()));
        }
        let hash: Option<String> = with_pool!(&self.database, |pool| {
            sqlx::query_scalar("SELECT password_hash FROM agents WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?
        });
        Ok(hash)
    }

    /// Logs in: the session's cookie token and the session, or `None` for a wrong name or password.
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, AgentSession)>, AgentError> {
        // Counted before the password is checked, so simultaneous guesses cannot outrun the limit.
        let client_key = format!("agent-client:{name}|{client}");
        let account_key = format!("agent:{name}");
        let limits = [
            (client_key.as_str(), CLIENT_ATTEMPTS),
            (account_key.as_str(), ACCOUNT_ATTEMPTS),
        ];
        if let Attempt::Blocked(seconds) = self.limiter.attempt(&limits, now).await? {
            return Err(AgentError::Blocked(seconds.unsigned_abs()));
        }
        let hash = self.stored_hash(name).await?;
        // argon2 is slow by design: off the async threads.
        let password = password.to_string();
        let checked = hash.clone().unwrap_or_else(|| DUMMY_HASH.to_string());
        // Each check allocates argon2's memory (19 MiB): at most two at a time across the server, so a
        // flood of logins waits instead of exhausting memory.
        let matches = match PASSWORD_CHECKS.acquire().await {
            Ok(permit) => tokio::task::spawn_blocking(move || {
                let _permit = permit;
                verify_password(&password, &checked)
            })
            .await
            .unwrap_or(false),
            Err(_) => false,
        };
        if hash.is_none() || !matches {
            return Ok(None);
        }
        self.limiter.succeeded(&limits).await?;
        let token = random_token();
        let session = AgentSession {
            name: name.to_string(),
            csrf: random_token(),
        };
        let expires = now + Duration::hours(self.session_hours);
        with_pool!(&self.database, |pool| {
            sqlx::query("DELETE FROM agent_sessions WHERE expires_at < $1")
                .bind(now.timestamp())
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO agent_sessions (token_hash, name, csrf, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash(&token))
            .bind(&session.name)
            .bind(&session.csrf)
            .bind(expires.timestamp())
            .execute(pool)
            .await?;
        });
        Ok(Some((token, session)))
    }

    /// The session of a cookie token, if it is valid.
    pub async fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<AgentSession>, AgentError> {
        let row: Option<(String, String)> = with_pool!(&self.database, |pool| {
            sqlx::query_as(
                "SELECT name, csrf FROM agent_sessions WHERE token_hash = $1 AND expires_at >= $2",
            )
            .bind(token_hash(token))
            .bind(now.timestamp())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(name, csrf)| AgentSession { name, csrf }))
    }

    /// The agents with a valid session now, by name (each once).
    pub async fn online(&self, now: DateTime<Utc>) -> Result<Vec<String>, AgentError> {
        let names: Vec<String> = with_pool!(&self.database, |pool| {
            sqlx::query_scalar(
                "SELECT DISTINCT name FROM agent_sessions WHERE expires_at >= $1 ORDER BY name",
            )
            .bind(now.timestamp())
            .fetch_all(pool)
            .await?
        });
        Ok(names)
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str) -> Result<(), AgentError> {
        with_pool!(&self.database, |pool| {
            sqlx::query("DELETE FROM agent_sessions WHERE token_hash = $1")
                .bind(token_hash(token))
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_salt_and_verified() {
        let one = hash_password("correct horse battery").unwrap();
        let two = hash_password("correct horse battery").unwrap();
        assert!(one.starts_with("$argon2id$"));
        assert_ne!(one, two, "a random salt each time");
        assert!(verify_password("correct horse battery", &one));
        assert!(!verify_password("correct horse battery!", &one));
        assert!(!verify_password("anything", "not a hash"));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert_eq!(token_hash("a").len(), 64);
        assert_ne!(random_token(), random_token());
    }
}
