//! A write-through cache of conversation state in front of any [`SessionStore`]: a chat turn reads the
//! state from memory and writes it through to the database. Saves still check the version in the
//! database, so with several instances a stale cached state only costs a retry: the conflicting save
//! evicts the entry and the retry reads the database.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use auskunft_channel::BoxFuture;
use chrono::{DateTime, Utc};
use lru::LruCache;

use super::{Result, SessionKey, SessionRecord, SessionStore, TurnRecord};

/// A store with the most recently used conversations kept in memory.
pub struct CachedStore {
    inner: Arc<dyn SessionStore>,
    cache: Mutex<LruCache<SessionKey, SessionRecord>>,
}

impl CachedStore {
    /// Caches up to `capacity` conversations of `inner`.
    pub fn new(inner: Arc<dyn SessionStore>, capacity: NonZeroUsize) -> CachedStore {
        CachedStore {
            inner,
            cache: Mutex::new(LruCache::new(capacity)),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, LruCache<SessionKey, SessionRecord>> {
        // Entries are replaced whole, so a panic elsewhere cannot leave one half-written.
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SessionStore for CachedStore {
    fn load<'a>(&'a self, key: &'a SessionKey) -> BoxFuture<'a, Result<Option<SessionRecord>>> {
        Box::pin(async move {
            if let Some(record) = self.cache().get(key) {
                return Ok(Some(record.clone()));
            }
            let loaded = self.inner.load(key).await?;
            if let Some(record) = &loaded {
                self.cache().put(key.clone(), record.clone());
            }
            Ok(loaded)
        })
    }

    fn save_turn<'a>(
        &'a self,
        session: &'a SessionRecord,
        turn: &'a TurnRecord,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match self.inner.save_turn(session, turn).await {
                Ok(()) => {
                    let mut saved = session.clone();
                    saved.version += 1;
                    self.cache().put(session.key.clone(), saved);
                    Ok(())
                }
                Err(error) => {
                    // Someone else saved (or the outcome is unknown): the next load reads the database.
                    self.cache().pop(&session.key);
                    Err(error)
                }
            }
        })
    }

    fn turns<'a>(
        &'a self,
        key: &'a SessionKey,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<TurnRecord>>> {
        self.inner.turns(key, limit)
    }

    fn delete_idle_before(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            let deleted = self.inner.delete_idle_before(before).await?;
            let mut cache = self.cache();
            let idle: Vec<SessionKey> = cache
                .iter()
                .filter(|(_, record)| record.updated_at < before)
                .map(|(key, _)| key.clone())
                .collect();
            for key in idle {
                cache.pop(&key);
            }
            Ok(deleted)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MemoryStore, StoreError};
    use auskunft_channel::Channel;

    fn record(key: &SessionKey, version: i64, state: &str) -> SessionRecord {
        SessionRecord {
            key: key.clone(),
            lang: "de".into(),
            state: state.into(),
            version,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn turn() -> TurnRecord {
        TurnRecord {
            at: Utc::now(),
            user_text: None,
            action: None,
            intent: "fallback".into(),
            confidence: 1.0,
            service_slug: None,
            reply_text: String::new(),
        }
    }

    #[tokio::test]
    async fn a_stale_cached_state_conflicts_once_and_is_then_read_from_the_database() {
        let database = Arc::new(MemoryStore::new());
        let key = SessionKey {
            channel: Channel::Web,
            conversation: "c".into(),
        };
        let this_instance = CachedStore::new(database.clone(), NonZeroUsize::new(10).unwrap());
        this_instance
            .save_turn(&record(&key, 0, "a"), &turn())
            .await
            .unwrap();
        assert_eq!(this_instance.load(&key).await.unwrap().unwrap().version, 1);

        // Another instance saves a newer state directly in the database.
        database
            .save_turn(&record(&key, 1, "from the other instance"), &turn())
            .await
            .unwrap();

        let stale = this_instance.load(&key).await.unwrap().unwrap();
        assert_eq!(stale.version, 1, "served from the cache");
        let result = this_instance
            .save_turn(&record(&key, stale.version, "lost?"), &turn())
            .await;
        assert!(matches!(result, Err(StoreError::Conflict)));
        let fresh = this_instance.load(&key).await.unwrap().unwrap();
        assert_eq!(
            (fresh.version, fresh.state.as_str()),
            (2, "from the other instance")
        );
    }

    #[tokio::test]
    async fn the_cached_store_conforms() {
        let store = CachedStore::new(Arc::new(MemoryStore::new()), NonZeroUsize::new(4).unwrap());
        crate::store::conformance::run(&store, "cached").await;
    }
}
