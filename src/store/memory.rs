//! An in-memory store with the same semantics as the SQL stores, for engine tests and benchmarks.

use std::collections::HashMap;
use std::sync::Mutex;

use auskunft_channel::BoxFuture;
use chrono::{DateTime, Utc};

use super::{
    Handoff, HandoffQueue, Result, SessionKey, SessionRecord, SessionStore, StoreError, TurnRecord,
};

/// Conversations in a map behind a mutex.
#[derive(Default)]
pub struct MemoryStore {
    sessions: Mutex<HashMap<SessionKey, (SessionRecord, Vec<TurnRecord>)>>,
    handoffs: Mutex<Vec<(Handoff, bool)>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<SessionKey, (SessionRecord, Vec<TurnRecord>)>> {
        // A panic while holding the lock cannot leave a half-written entry (every write is one insert),
        // so a poisoned map is still consistent.
        self.sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SessionStore for MemoryStore {
    fn load<'a>(&'a self, key: &'a SessionKey) -> BoxFuture<'a, Result<Option<SessionRecord>>> {
        Box::pin(async move { Ok(self.lock().get(key).map(|(session, _)| session.clone())) })
    }

    fn save_turn<'a>(
        &'a self,
        session: &'a SessionRecord,
        turn: &'a TurnRecord,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut sessions = self.lock();
            let stored_version = sessions.get(&session.key).map_or(0, |(s, _)| s.version);
            if stored_version != session.version {
                return Err(StoreError::Conflict);
            }
            let mut saved = session.clone();
            saved.version += 1;
            let entry = sessions
                .entry(session.key.clone())
                .or_insert_with(|| (saved.clone(), Vec::new()));
            entry.0 = saved;
            entry.1.push(turn.clone());
            Ok(())
        })
    }

    fn turns<'a>(
        &'a self,
        key: &'a SessionKey,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<TurnRecord>>> {
        Box::pin(async move {
            let sessions = self.lock();
            let Some((_, turns)) = sessions.get(key) else {
                return Ok(Vec::new());
            };
            let skip = turns.len().saturating_sub(limit as usize);
            Ok(turns[skip..].to_vec())
        })
    }

    fn delete_idle_before(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            let mut sessions = self.lock();
            let count = sessions.len();
            sessions.retain(|_, (session, _)| session.updated_at >= before);
            Ok((count - sessions.len()) as u64)
        })
    }
}

impl HandoffQueue for MemoryStore {
    fn enqueue<'a>(&'a self, handoff: &'a Handoff) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut handoffs = self.handoffs.lock().unwrap_or_else(|p| p.into_inner());
            if !handoffs
                .iter()
                .any(|(h, closed)| !closed && h.key == handoff.key)
            {
                handoffs.push((handoff.clone(), false));
            }
            Ok(())
        })
    }

    fn open(&self) -> BoxFuture<'_, Result<Vec<Handoff>>> {
        Box::pin(async move {
            let handoffs = self.handoffs.lock().unwrap_or_else(|p| p.into_inner());
            let mut open: Vec<Handoff> = handoffs
                .iter()
                .filter(|(_, closed)| !closed)
                .map(|(h, _)| h.clone())
                .collect();
            open.sort_by_key(|h| h.created_at);
            Ok(open)
        })
    }

    fn close<'a>(&'a self, key: &'a SessionKey, _at: DateTime<Utc>) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            let mut handoffs = self.handoffs.lock().unwrap_or_else(|p| p.into_inner());
            let mut closed_any = false;
            for (handoff, closed) in handoffs.iter_mut() {
                if !*closed && handoff.key == *key {
                    *closed = true;
                    closed_any = true;
                }
            }
            Ok(closed_any)
        })
    }
}
