//! The conformance suite every [`SessionStore`] must pass: the same assertions for SQLite, PostgreSQL and
//! the in-memory store (called from tests; it panics on the first violation).

use std::task::Poll;

use auskunft_channel::{BoxFuture, Channel};
use chrono::{Duration, TimeZone, Utc};

use super::{
    Handoff, HandoffQueue, SessionKey, SessionRecord, SessionStore, StoreError, TurnRecord,
};

fn turn(text: &str) -> TurnRecord {
    TurnRecord {
        at: Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
        user_text: Some(text.to_string()),
        action: None,
        intent: "service.info".to_string(),
        confidence: 0.75,
        service_slug: Some("personalausweis-beantragen".to_string()),
        reply_text: format!("answer to {text}"),
    }
}

fn session(key: &SessionKey, version: i64, state: &str) -> SessionRecord {
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
    SessionRecord {
        key: key.clone(),
        lang: "de".to_string(),
        state: state.to_string(),
        version,
        created_at: at,
        updated_at: at,
    }
}

/// Runs every check against `store`. Keys are made unique with `prefix`, so runs can share a database.
pub async fn run(store: &dyn SessionStore, prefix: &str) {
    a_missing_conversation_loads_as_none(store, prefix).await;
    a_saved_conversation_loads_back_with_its_turns(store, prefix).await;
    a_stale_version_is_rejected_and_changes_nothing(store, prefix).await;
    two_new_conversations_with_one_key_cannot_both_be_created(store, prefix).await;
    concurrent_saves_of_one_version_let_exactly_one_win(store, prefix).await;
    channels_keep_their_conversations_apart(store, prefix).await;
    idle_conversations_are_deleted_with_their_turns(store, prefix).await;
}

async fn a_missing_conversation_loads_as_none(store: &dyn SessionStore, prefix: &str) {
    let key = SessionKey {
        channel: Channel::Web,
        conversation: format!("{prefix}-missing"),
    };
    assert_eq!(store.load(&key).await.unwrap(), None);
    assert!(store.turns(&key, 10).await.unwrap().is_empty());
}

async fn a_saved_conversation_loads_back_with_its_turns(store: &dyn SessionStore, prefix: &str) {
    let key = SessionKey {
        channel: Channel::Web,
        conversation: format!("{prefix}-saved"),
    };
    store
        .save_turn(&session(&key, 0, r#"{"step":1}"#), &turn("eins"))
        .await
        .unwrap();
    let loaded = store
        .load(&key)
        .await
        .unwrap()
        .expect("saved conversation loads");
    assert_eq!(loaded.version, 1);
    assert_eq!(loaded.state, r#"{"step":1}"#);
    assert_eq!(loaded.lang, "de");

    let mut next = loaded.clone();
    next.state = r#"{"step":2}"#.to_string();
    next.lang = "en".to_string();
    next.updated_at = loaded.updated_at + Duration::seconds(5);
    store.save_turn(&next, &turn("zwei")).await.unwrap();
    let loaded = store.load(&key).await.unwrap().unwrap();
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.state, r#"{"step":2}"#);
    assert_eq!(loaded.lang, "en");
    assert_eq!(loaded.updated_at, next.updated_at);

    let turns = store.turns(&key, 10).await.unwrap();
    let texts: Vec<_> = turns.iter().map(|t| t.user_text.clone().unwrap()).collect();
    assert_eq!(texts, ["eins", "zwei"]);
    assert_eq!(turns[0], turn("eins"));
    let last = store.turns(&key, 1).await.unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].user_text.as_deref(), Some("zwei"));
}

async fn a_stale_version_is_rejected_and_changes_nothing(store: &dyn SessionStore, prefix: &str) {
    let key = SessionKey {
        channel: Channel::Web,
        conversation: format!("{prefix}-stale"),
    };
    store
        .save_turn(&session(&key, 0, "a"), &turn("eins"))
        .await
        .unwrap();
    let loaded = store.load(&key).await.unwrap().unwrap();
    let mut first = loaded.clone();
    first.state = "b".to_string();
    store.save_turn(&first, &turn("zwei")).await.unwrap();
    let mut second = loaded.clone();
    second.state = "c".to_string();
    let result = store.save_turn(&second, &turn("drei")).await;
    assert!(
        matches!(result, Err(StoreError::Conflict)),
        "stale save must conflict, got {result:?}"
    );
    assert_eq!(store.load(&key).await.unwrap().unwrap().state, "b");
    assert_eq!(store.turns(&key, 10).await.unwrap().len(), 2);
}

async fn two_new_conversations_with_one_key_cannot_both_be_created(
    store: &dyn SessionStore,
    prefix: &str,
) {
    let key = SessionKey {
        channel: Channel::Web,
        conversation: format!("{prefix}-twice"),
    };
    store
        .save_turn(&session(&key, 0, "first"), &turn("eins"))
        .await
        .unwrap();
    let result = store
        .save_turn(&session(&key, 0, "second"), &turn("zwei"))
        .await;
    assert!(
        matches!(result, Err(StoreError::Conflict)),
        "second creation must conflict, got {result:?}"
    );
    assert_eq!(store.load(&key).await.unwrap().unwrap().state, "first");
}

async fn concurrent_saves_of_one_version_let_exactly_one_win(
    store: &dyn SessionStore,
    prefix: &str,
) {
    let key = SessionKey {
        channel: Channel::Web,
        conversation: format!("{prefix}-race"),
    };
    store
        .save_turn(&session(&key, 0, "start"), &turn("eins"))
        .await
        .unwrap();
    let loaded = store.load(&key).await.unwrap().unwrap();
    let contenders: Vec<(SessionRecord, TurnRecord)> = (0..8)
        .map(|i| {
            let mut next = loaded.clone();
            next.state = format!("contender {i}");
            (next, turn(&format!("turn {i}")))
        })
        .collect();
    let saves = contenders
        .iter()
        .map(|(session, turn)| store.save_turn(session, turn))
        .collect();
    let results = join_all(saves).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let conflicted = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict)))
        .count();
    assert_eq!((won, conflicted), (1, 7), "{results:?}");
    let stored = store.load(&key).await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
    assert!(stored.state.starts_with("contender "));
    assert_eq!(
        store.turns(&key, 20).await.unwrap().len(),
        2,
        "only the winner's turn is stored"
    );
}

/// Polls futures concurrently in the current task until all are done.
async fn join_all<T>(mut futures: Vec<BoxFuture<'_, T>>) -> Vec<T> {
    let mut results: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|context| {
        let mut pending = false;
        for (future, result) in futures.iter_mut().zip(results.iter_mut()) {
            if result.is_none() {
                match future.as_mut().poll(context) {
                    Poll::Ready(value) => *result = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    results
        .into_iter()
        .map(|r| r.expect("every future completed"))
        .collect()
}

async fn channels_keep_their_conversations_apart(store: &dyn SessionStore, prefix: &str) {
    let web = SessionKey {
        channel: Channel::Web,
        conversation: format!("{prefix}-42"),
    };
    let telegram = SessionKey {
        channel: Channel::Telegram,
        conversation: format!("{prefix}-42"),
    };
    store
        .save_turn(&session(&web, 0, "web"), &turn("eins"))
        .await
        .unwrap();
    store
        .save_turn(&session(&telegram, 0, "telegram"), &turn("eins"))
        .await
        .unwrap();
    assert_eq!(store.load(&web).await.unwrap().unwrap().state, "web");
    assert_eq!(
        store.load(&telegram).await.unwrap().unwrap().state,
        "telegram"
    );
}

async fn idle_conversations_are_deleted_with_their_turns(store: &dyn SessionStore, prefix: &str) {
    let old = SessionKey {
        channel: Channel::Matrix,
        conversation: format!("{prefix}-old"),
    };
    let fresh = SessionKey {
        channel: Channel::Matrix,
        conversation: format!("{prefix}-fresh"),
    };
    let mut old_session = session(&old, 0, "old");
    old_session.updated_at = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    store.save_turn(&old_session, &turn("alt")).await.unwrap();
    let mut fresh_session = session(&fresh, 0, "fresh");
    fresh_session.updated_at = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
    store.save_turn(&fresh_session, &turn("neu")).await.unwrap();

    let deleted = store
        .delete_idle_before(Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap())
        .await
        .unwrap();
    assert!(deleted >= 1);
    assert_eq!(store.load(&old).await.unwrap(), None);
    assert!(store.turns(&old, 10).await.unwrap().is_empty());
    assert!(store.load(&fresh).await.unwrap().is_some());
    assert_eq!(store.turns(&fresh, 10).await.unwrap().len(), 1);
}

/// Runs the handoff-queue checks.
pub async fn run_handoffs(queue: &dyn HandoffQueue, prefix: &str) {
    let key = SessionKey {
        channel: Channel::Telegram,
        conversation: format!("{prefix}-handoff"),
    };
    let other = SessionKey {
        channel: Channel::Web,
        conversation: format!("{prefix}-handoff-2"),
    };
    let at = |minute| Utc.with_ymd_and_hms(2026, 11, 23, 10, minute, 0).unwrap();
    let handoff = |key: &SessionKey, minute| Handoff {
        key: key.clone(),
        reason: "asked".to_string(),
        lang: "de".to_string(),
        created_at: at(minute),
        taken_by: None,
    };
    queue.enqueue(&handoff(&key, 1)).await.unwrap();
    queue.enqueue(&handoff(&key, 2)).await.unwrap();
    queue.enqueue(&handoff(&other, 3)).await.unwrap();
    let open: Vec<Handoff> = queue
        .open()
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.key.conversation.starts_with(prefix))
        .collect();
    assert_eq!(
        open.len(),
        2,
        "a waiting conversation is queued once: {open:?}"
    );
    assert_eq!(open[0], handoff(&key, 1), "oldest first");
    assert!(queue.close(&key, at(5)).await.unwrap());
    assert!(
        !queue.close(&key, at(6)).await.unwrap(),
        "nothing left to close"
    );
    let open: Vec<Handoff> = queue
        .open()
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.key.conversation.starts_with(prefix))
        .collect();
    assert_eq!(open.len(), 1);
    queue.enqueue(&handoff(&key, 7)).await.unwrap();
    let again = queue
        .open()
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.key == key)
        .count();
    assert_eq!(again, 1, "a closed conversation can be handed off again");
}
