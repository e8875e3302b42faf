//! The web widget's side of live conversations: the history after a reload, agents' messages as
//! server-sent events, and thumbs up/down on answers.

use std::convert::Infallible;
use std::time::Duration;

use auskunft_channel::Channel;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::Utc;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ApiJson, ErrorCode};
use crate::live::{Entry, LiveError, LiveEvent};
use crate::store::SessionKey;

/// How many turns the history goes back.
const HISTORY_TURNS: i64 = 200;

/// How often an events stream looks into the database for messages written by another instance.
const POLL: Duration = Duration::from_secs(3);

pub(crate) fn unavailable(error: LiveError) -> ApiError {
    ApiError::unavailable("live conversations", error)
}

fn web_key(session_id: &str) -> SessionKey {
    SessionKey {
        channel: Channel::Web,
        conversation: session_id.to_string(),
    }
}

/// A conversation's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryBody {
    /// The session.
    pub session_id: String,
    /// Its language.
    pub lang: String,
    /// Whether it is with (or waiting for) an agent.
    pub handoff: bool,
    /// Oldest first.
    pub entries: Vec<Entry>,
}

/// The history of a web conversation, for the widget after a reload.
#[utoipa::path(
    get,
    path = "/api/v1/chat/{session_id}/history",
    params(("session_id" = String, Path, description = "The session")),
    responses(
        (status = 200, description = "The history", body = HistoryBody),
        (status = 404, description = "Unknown session", body = super::error::ErrorBody),
    ),
    tag = "chat"
)]
pub async fn history(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
) -> Result<Json<HistoryBody>, ApiError> {
    let key = web_key(&session_id);
    let Some(lang) = state.live.lang(&key).await.map_err(unavailable)? else {
        return Err(ApiError::new(ErrorCode::NotFound, "no such session"));
    };
    let entries = state
        .live
        .history(&key, HISTORY_TURNS)
        .await
        .map_err(unavailable)?;
    let handoff = state
        .live
        .holder(&key)
        .await
        .map_err(unavailable)?
        .is_some();
    Ok(Json(HistoryBody {
        session_id,
        lang,
        handoff,
        entries,
    }))
}

#[derive(Serialize)]
struct AgentEvent<'a> {
    text: &'a str,
    at: String,
    agent: Option<&'a str>,
}

fn agent_event(entry: &Entry) -> Event {
    Event::default()
        .event("agent")
        .json_data(AgentEvent {
            text: &entry.text,
            at: entry.at.to_rfc3339(),
            agent: entry.agent.as_deref(),
        })
        .unwrap_or_default()
}

/// Agents' messages and status changes of a web conversation, as server-sent events (`agent`,
/// `status`).
#[utoipa::path(
    get,
    path = "/api/v1/chat/{session_id}/events",
    params(("session_id" = String, Path, description = "The session")),
    responses(
        (status = 200, description = "An event stream (text/event-stream)"),
        (status = 404, description = "Unknown session", body = super::error::ErrorBody),
    ),
    tag = "chat"
)]
pub async fn events(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let key = web_key(&session_id);
    if state.live.lang(&key).await.map_err(unavailable)?.is_none() {
        return Err(ApiError::new(ErrorCode::NotFound, "no such session"));
    }
    // Messages already in the history are not sent again.
    let seen = state
        .live
        .agent_messages_after(&key, 0)
        .await
        .map_err(unavailable)?
        .last()
        .map_or(0, |(seq, _)| *seq);
    let receiver = state.live.subscribe();
    let closing = state.live.closing();
    let live = state.live.clone();
    let stream = futures_util::stream::unfold(
        (receiver, closing, seen, Vec::<Event>::new()),
        move |(mut receiver, mut closing, mut seen, mut pending)| {
            let live = live.clone();
            let key = key.clone();
            async move {
                loop {
                    if *closing.borrow() {
                        return None;
                    }
                    if let Some(event) = pending.pop() {
                        return Some((Ok(event), (receiver, closing, seen, pending)));
                    }
                    let wake = tokio::select! {
                        _ = closing.changed() => return None,
                        wake = tokio::time::timeout(POLL, receiver.recv()) => wake,
                    };
                    match wake {
                        Ok(Ok((event_key, LiveEvent::Status { state, agent })))
                            if event_key == key =>
                        {
                            let event = Event::default()
                                .event("status")
                                .json_data(serde_json::json!({"state": state, "agent": agent}))
                                .unwrap_or_default();
                            return Some((Ok(event), (receiver, closing, seen, pending)));
                        }
                        Ok(Ok((event_key, LiveEvent::Agent { seq, entry })))
                            if event_key == key && seq == seen + 1 =>
                        {
                            seen = seq;
                            return Some((
                                Ok(agent_event(&entry)),
                                (receiver, closing, seen, pending),
                            ));
                        }
                        // A gap in this conversation's numbers: read what is missing below.
                        Ok(Ok((event_key, LiveEvent::Agent { .. }))) if event_key == key => {}
                        Ok(Ok(_)) => continue,
                        Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return None,
                        // Lagged, another conversation's gap, or quiet: read what is new from the database.
                        _ => {}
                    }
                    if let Ok(new) = live.agent_messages_after(&key, seen).await {
                        for (seq, entry) in new {
                            seen = seen.max(seq);
                            pending.insert(0, agent_event(&entry));
                        }
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A rating of an answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The session.
    pub session_id: String,
    /// The answer's `turn` from the chat response.
    pub turn: i64,
    /// `up` or `down`.
    pub rating: String,
}

/// Thumbs up or down on an answer (a second rating of the same answer replaces the first).
#[utoipa::path(
    post,
    path = "/api/v1/feedback",
    request_body = FeedbackRequest,
    responses(
        (status = 204, description = "Stored"),
        (status = 404, description = "Unknown session or answer", body = super::error::ErrorBody),
        (status = 422, description = "Rating not up or down", body = super::error::ErrorBody),
    ),
    tag = "chat"
)]
pub async fn feedback(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<FeedbackRequest>,
) -> Result<StatusCode, ApiError> {
    let up = match request.rating.as_str() {
        "up" => true,
        "down" => false,
        other => {
            return Err(ApiError::invalid(format!(
                "rating must be up or down, not '{other}'"
            )));
        }
    };
    let stored = state
        .live
        .rate(&web_key(&request.session_id), request.turn, up, Utc::now())
        .await
        .map_err(unavailable)?;
    if stored {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            ErrorCode::NotFound,
            "no such answer in this session",
        ))
    }
}
