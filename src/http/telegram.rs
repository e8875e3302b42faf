//! The Telegram webhook: Telegram POSTs updates here (webhook mode) with the configured secret in
//! `X-Telegram-Bot-Api-Secret-Token`; they are handed to the adapter and answered at once with 200.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::AppState;
use super::error::{ApiError, ErrorCode};

/// Takes one update from Telegram.
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let Some(channel) = state.telegram.as_ref().filter(|c| !c.polling) else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "the Telegram webhook is not configured",
        ));
    };
    let given = headers
        .get("x-telegram-bot-api-secret-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let expected = channel.webhook_secret.as_deref().unwrap_or_default();
    if expected.is_empty() || !crate::secret::same(given, expected) {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "wrong or missing X-Telegram-Bot-Api-Secret-Token",
        ));
    }
    if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return Err(ApiError::invalid("the body is not JSON"));
    }
    // Telegram waits for the answer before the next update: answer now, work on.
    let adapter = std::sync::Arc::clone(&channel.adapter);
    tokio::spawn(async move {
        if let Err(error) = adapter.handle_update_json(&body).await {
            tracing::warn!(%error, "a webhook update was not understood");
        }
    });
    Ok(StatusCode::OK)
}
