//! The agent console's API: login with a session cookie, the queue of handed-off conversations, taking one
//! over, writing to the citizen, handing back to the assistant, and the editors' report. Every POST but
//! the login needs the session's CSRF token in `X-CSRF-Token`.

use std::net::SocketAddr;

use axum::Extension;
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiQuery, ErrorBody, ErrorCode};
use super::live::unavailable;
use crate::agents::{AgentError, AgentSession, COOKIE};
use crate::live::{Entry, RatedDown, Take, Unanswered};
use crate::store::{HandoffQueue, SessionKey};

/// The longest message an agent may write.
const MAX_AGENT_TEXT_CHARS: usize = 4000;

fn agents_error(error: AgentError) -> ApiError {
    match error {
        AgentError::Blocked(seconds) => ApiError::new(
            ErrorCode::TooManyAttempts,
            format!(
                "too many failed logins; try again in {} minutes",
                seconds / 60 + 1
            ),
        ),
        other => ApiError::unavailable("agents", other),
    }
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// The logged-in agent, or 401.
async fn session(state: &AppState, headers: &HeaderMap) -> Result<AgentSession, ApiError> {
    let unauthorized = || ApiError::new(ErrorCode::Unauthorized, "please log in");
    let token = cookie_token(headers).ok_or_else(unauthorized)?;
    state
        .agents
        .session(&token, Utc::now())
        .await
        .map_err(agents_error)?
        .ok_or_else(unauthorized)
}

/// The logged-in agent whose form carries the session's CSRF token, or 401/403.
async fn session_with_csrf(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<AgentSession, ApiError> {
    let session = session(state, headers).await?;
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if crate::secret::same(given, &session.csrf) {
        Ok(session)
    } else {
        Err(ApiError::new(
            ErrorCode::Csrf,
            "the X-CSRF-Token header is missing or wrong; reload the console",
        ))
    }
}

/// Login data.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The agent's name.
    pub name: String,
    /// The password.
    pub password: String,
}

/// The logged-in agent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeBody {
    /// The agent's name.
    pub name: String,
    /// Send it as `X-CSRF-Token` with every POST.
    pub csrf_token: String,
}

fn session_cookie(state: &AppState, token: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Logs an agent in: a session cookie and the CSRF token.
#[utoipa::path(
    post,
    path = "/api/v1/agent/login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the cookie is set", body = MeBody),
        (status = 401, description = "Wrong name or password", body = ErrorBody),
        (status = 429, description = "Too many failures", body = ErrorBody),
    ),
    tag = "agents"
)]
pub async fn login(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let client = state
        .client_addresses
        .client(&headers, connect.map(|c| (c.0).0))
        .map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    let Some((token, session)) = state
        .agents
        .login(&request.name, &request.password, &client, Utc::now())
        .await
        .map_err(agents_error)?
    else {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "wrong name or password",
        ));
    };
    tracing::info!(agent = %session.name, "agent logged in");
    let mut response = Json(MeBody {
        name: session.name,
        csrf_token: session.csrf,
    })
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&state, &token, state.agent_session_secs),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The logged-in agent and their CSRF token (after a reload of the console).
#[utoipa::path(
    get,
    path = "/api/v1/agent/me",
    responses(
        (status = 200, description = "Logged in", body = MeBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    tag = "agents"
)]
pub async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let session = session(&state, &headers).await?;
    let mut response = Json(MeBody {
        name: session.name,
        csrf_token: session.csrf,
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Ends the session.
#[utoipa::path(
    post,
    path = "/api/v1/agent/logout",
    responses((status = 204, description = "Logged out")),
    tag = "agents"
)]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    session_with_csrf(&state, &headers).await?;
    if let Some(token) = cookie_token(&headers) {
        state.agents.logout(&token).await.map_err(agents_error)?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

/// A conversation in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueEntry {
    /// `web`, `telegram`, `matrix`.
    pub channel: String,
    /// The conversation's id.
    pub conversation: String,
    /// `asked` or `failures`.
    pub reason: String,
    /// Its language.
    pub lang: String,
    /// Waiting since (RFC 3339).
    pub since: String,
    /// The agent who took it over.
    pub taken_by: Option<String>,
    /// The citizen's last message.
    pub last_text: Option<String>,
}

/// The queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueBody {
    /// Oldest first.
    pub conversations: Vec<QueueEntry>,
    /// Whether agents are on duty now: outside these hours the assistant hands nothing off.
    pub on_duty: bool,
    /// The duty hours (OpenStreetMap opening-hours syntax, Leipzig time).
    pub duty_hours: String,
    /// The agents logged in now (the console's "who is on duty").
    pub agents_online: Vec<String>,
}

/// The handed-off conversations, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/agent/queue",
    responses(
        (status = 200, description = "The queue", body = QueueBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    tag = "agents"
)]
pub async fn queue(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<QueueBody>, ApiError> {
    session(&state, &headers).await?;
    let open = state
        .database
        .open()
        .await
        .map_err(|error| ApiError::unavailable("handoff queue", error))?;
    let mut conversations = Vec::new();
    for handoff in open {
        let last_text = state
            .live
            .last_citizen_text(&handoff.key)
            .await
            .map_err(unavailable)?;
        conversations.push(QueueEntry {
            channel: handoff.key.channel.as_str().to_string(),
            conversation: handoff.key.conversation,
            reason: handoff.reason,
            lang: handoff.lang,
            since: handoff.created_at.to_rfc3339(),
            taken_by: handoff.taken_by,
            last_text,
        });
    }
    let duty = crate::knowledge::offices::parse_hours(&state.duty_hours).ok();
    let agents_online = state
        .agents
        .online(Utc::now())
        .await
        .map_err(|error| ApiError::unavailable("agents", error))?;
    Ok(Json(QueueBody {
        conversations,
        on_duty: crate::engine::on_duty(duty.as_ref(), Utc::now()),
        duty_hours: state.duty_hours.to_string(),
        agents_online,
    }))
}

fn path_key(channel: &str, conversation: &str) -> Result<SessionKey, ApiError> {
    crate::live::key(channel, conversation)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no channel '{channel}'")))
}

/// A conversation for the agent.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationBody {
    /// Its channel.
    pub channel: String,
    /// Its id.
    pub conversation: String,
    /// Its language.
    pub lang: String,
    /// The agent who has it.
    pub taken_by: Option<String>,
    /// Whether it is handed off (waiting or with an agent).
    pub open: bool,
    /// Its history, oldest first.
    pub entries: Vec<Entry>,
}

/// A conversation with its history.
#[utoipa::path(
    get,
    path = "/api/v1/agent/conversations/{channel}/{conversation}",
    params(
        ("channel" = String, Path, description = "web, telegram or matrix"),
        ("conversation" = String, Path, description = "The conversation's id"),
    ),
    responses(
        (status = 200, description = "The conversation", body = ConversationBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
    ),
    tag = "agents"
)]
pub async fn conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((channel, conversation)): Path<(String, String)>,
) -> Result<Json<ConversationBody>, ApiError> {
    session(&state, &headers).await?;
    let key = path_key(&channel, &conversation)?;
    let Some(lang) = state.live.lang(&key).await.map_err(unavailable)? else {
        return Err(ApiError::new(ErrorCode::NotFound, "no such conversation"));
    };
    let holder = state.live.holder(&key).await.map_err(unavailable)?;
    let entries = state.live.history(&key, 200).await.map_err(unavailable)?;
    Ok(Json(ConversationBody {
        channel: key.channel.as_str().to_string(),
        conversation: key.conversation,
        lang,
        taken_by: holder.clone().flatten(),
        open: holder.is_some(),
        entries,
    }))
}

/// Who has the conversation now.
#[derive(Debug, Serialize, ToSchema)]
pub struct TakenBody {
    /// The agent.
    pub taken_by: String,
}

/// Takes a handed-off conversation over.
#[utoipa::path(
    post,
    path = "/api/v1/agent/conversations/{channel}/{conversation}/take",
    params(("channel" = String, Path), ("conversation" = String, Path)),
    responses(
        (status = 200, description = "Taken over", body = TakenBody),
        (status = 404, description = "Not handed off", body = ErrorBody),
        (status = 409, description = "Another agent has it", body = ErrorBody),
    ),
    tag = "agents"
)]
pub async fn take(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((channel, conversation)): Path<(String, String)>,
) -> Result<Json<TakenBody>, ApiError> {
    let agent = session_with_csrf(&state, &headers).await?;
    let key = path_key(&channel, &conversation)?;
    match state
        .live
        .take(&key, &agent.name)
        .await
        .map_err(unavailable)?
    {
        Take::Taken => Ok(Json(TakenBody {
            taken_by: agent.name,
        })),
        Take::TakenBy(other) => Err(ApiError::new(
            ErrorCode::Taken,
            format!("{other} has taken this conversation over"),
        )),
        Take::NotOpen => Err(ApiError::new(
            ErrorCode::NotFound,
            "this conversation is not handed off",
        )),
    }
}

/// What an agent writes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentMessageRequest {
    /// The text for the citizen.
    pub text: String,
}

/// Writes to the citizen of a conversation this agent has taken over.
#[utoipa::path(
    post,
    path = "/api/v1/agent/conversations/{channel}/{conversation}/messages",
    params(("channel" = String, Path), ("conversation" = String, Path)),
    request_body = AgentMessageRequest,
    responses(
        (status = 201, description = "Sent", body = Entry),
        (status = 409, description = "Not taken over by this agent", body = ErrorBody),
        (status = 422, description = "Empty or too long", body = ErrorBody),
    ),
    tag = "agents"
)]
pub async fn write(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((channel, conversation)): Path<(String, String)>,
    ApiJson(request): ApiJson<AgentMessageRequest>,
) -> Result<(StatusCode, Json<Entry>), ApiError> {
    let agent = session_with_csrf(&state, &headers).await?;
    let key = path_key(&channel, &conversation)?;
    let text = request.text.trim();
    if text.is_empty() || text.chars().count() > MAX_AGENT_TEXT_CHARS {
        return Err(ApiError::invalid(format!(
            "text must have 1 to {MAX_AGENT_TEXT_CHARS} characters"
        )));
    }
    match state.live.holder(&key).await.map_err(unavailable)? {
        Some(Some(holder)) if holder == agent.name => {}
        Some(Some(other)) => {
            return Err(ApiError::new(
                ErrorCode::Taken,
                format!("{other} has taken this conversation over"),
            ));
        }
        _ => {
            return Err(ApiError::new(
                ErrorCode::Taken,
                "take the conversation over first",
            ));
        }
    }
    let entry = state
        .live
        .add_agent_message(&key, &agent.name, text, Utc::now())
        .await
        .map_err(unavailable)?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// Gives the conversation back to the assistant.
#[utoipa::path(
    post,
    path = "/api/v1/agent/conversations/{channel}/{conversation}/release",
    params(("channel" = String, Path), ("conversation" = String, Path)),
    responses(
        (status = 204, description = "The assistant answers again"),
        (status = 404, description = "Not handed off", body = ErrorBody),
    ),
    tag = "agents"
)]
pub async fn release(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((channel, conversation)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let agent = session_with_csrf(&state, &headers).await?;
    let key = path_key(&channel, &conversation)?;
    let closed = HandoffQueue::close(&state.database, &key, Utc::now())
        .await
        .map_err(|error| {
            tracing::error!(%error, "closing a handoff");
            ApiError::new(ErrorCode::Unavailable, "please try again")
        })?;
    if !closed {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "this conversation is not handed off",
        ));
    }
    state.live.announce(
        &key,
        crate::live::LiveEvent::Status {
            state: "handed_back",
            agent: agent.name,
        },
    );
    Ok(StatusCode::NO_CONTENT)
}

/// The editors' report's period.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedbackQuery {
    /// The last so many days (1 to 90, default 7).
    pub days: Option<i64>,
}

/// Unanswered and badly rated questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackBody {
    /// Questions the assistant could not answer, newest first.
    pub unanswered: Vec<Unanswered>,
    /// Answers rated thumbs-down, newest first.
    pub rated_down: Vec<RatedDown>,
}

/// The knowledge editors' report: what citizens asked that the assistant could not answer, and the
/// answers they rated thumbs-down.
#[utoipa::path(
    get,
    path = "/api/v1/agent/feedback",
    params(FeedbackQuery),
    responses(
        (status = 200, description = "The report", body = FeedbackBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "Days out of range", body = ErrorBody),
    ),
    tag = "agents"
)]
pub async fn editors_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<FeedbackQuery>,
) -> Result<Json<FeedbackBody>, ApiError> {
    session(&state, &headers).await?;
    let days = query.days.unwrap_or(7);
    if !(1..=90).contains(&days) {
        return Err(ApiError::invalid("days must be between 1 and 90"));
    }
    let since = Utc::now() - Duration::days(days);
    Ok(Json(FeedbackBody {
        unanswered: state
            .live
            .unanswered(since, 500)
            .await
            .map_err(unavailable)?,
        rated_down: state
            .live
            .rated_down(since, 500)
            .await
            .map_err(unavailable)?,
    }))
}
