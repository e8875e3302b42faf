//! The web front-end's files (widget, demo page, agent console) with their security headers, and the
//! per-client rate limit of the chat endpoint.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use super::error::{ApiError, ErrorCode};

/// Serves an embedded file with a content security policy, `nosniff` and no framing by other sites.
pub async fn asset(request: Request) -> Response {
    let Some(asset) = auskunft_web::asset(request.uri().path()) else {
        return super::error::not_found().await.into_response();
    };
    let mut response = (StatusCode::OK, asset.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(auskunft_web::CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The chat's rate limit: a token bucket per client address.
#[derive(Clone)]
pub struct ChatLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl ChatLimit {
    /// `per_minute` requests a minute after a burst of `burst`.
    pub fn new(per_minute: u32, burst: u32) -> ChatLimit {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        ChatLimit {
            limiter: Arc::new(RateLimiter::keyed(quota)),
        }
    }
}

/// Refuses chat requests beyond the client's rate with 429 and `Retry-After`.
pub async fn limit_chat(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = &state.chat_limit;
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if let Some(client) = state.client_addresses.client(request.headers(), peer)
        && let Err(not_until) = limit.limiter.check_key(&client)
    {
        let wait = not_until
            .wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ))
            .as_secs()
            .max(1);
        let mut response = ApiError::new(
            ErrorCode::RateLimited,
            format!("too many messages; please wait {wait} s"),
        )
        .into_response();
        if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    // Keep memory bounded: forget clients whose buckets are full again.
    if limit.limiter.len() > 100_000 {
        limit.limiter.retain_recent();
    }
    next.run(request).await
}
