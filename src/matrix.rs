//! Wiring of the Matrix adapter (`adapters/matrix`, feature `matrix`) into the server: its settings, the
//! files answers link to (fetched from this server), and agents' replies to Matrix rooms.

use std::sync::Arc;

use anyhow::Context;
use auskunft_channel::{BoxFuture, Channel, Conversation};
use auskunft_matrix::{Fetch, Login, MatrixAdapter, MatrixSettings};

use crate::config::Settings;
use crate::live::{Live, LiveEvent};

/// Fetches GiroCodes and calendar files from this server's public address.
struct FromServer {
    base: String,
    client: reqwest::Client,
}

impl Fetch for FromServer {
    fn fetch<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<(String, Vec<u8>)>> {
        Box::pin(async move {
            let url = if url.starts_with("http://") || url.starts_with("https://") {
                url.to_string()
            } else {
                format!("{}{url}", self.base.trim_end_matches('/'))
            };
            let response = self.client.get(&url).send().await.ok()?;
            if !response.status().is_success() {
                return None;
            }
            let mime = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .split(';')
                .next()
                .unwrap_or("application/octet-stream")
                .to_string();
            let bytes = response.bytes().await.ok()?;
            Some((mime, bytes.to_vec()))
        })
    }
}

/// Starts the adapter when a homeserver is configured (a refused login stops the start-up with a
/// message) and relays agents' replies to Matrix rooms.
pub async fn start(
    settings: &Settings,
    conversation: Arc<dyn Conversation>,
    live: &Live,
) -> anyhow::Result<Option<Arc<MatrixAdapter>>> {
    let matrix = &settings.matrix;
    let Some(homeserver) = matrix.homeserver.clone() else {
        return Ok(None);
    };
    let login = match (&matrix.access_token, &matrix.password) {
        (Some(token), _) => Login::AccessToken(token.clone()),
        (None, Some(password)) => Login::Password(password.clone()),
        (None, None) => anyhow::bail!(
            "the Matrix channel needs matrix.password or matrix.access_token (matrix.homeserver is set)"
        ),
    };
    let adapter = MatrixAdapter::start(
        MatrixSettings {
            homeserver,
            user: matrix.user.clone(),
            login,
            store_dir: matrix.store_dir.clone(),
            store_passphrase: matrix.store_passphrase.clone(),
        },
        conversation,
        Arc::new(FromServer {
            base: settings.notices.public_url.clone(),
            client: reqwest::Client::new(),
        }),
    )
    .await
    .context("the Matrix channel cannot start")?;
    let mut events = live.subscribe();
    let relay = Arc::clone(&adapter);
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok((key, LiveEvent::Agent { entry, .. })) if key.channel == Channel::Matrix => {
                    let agent = entry.agent.as_deref().unwrap_or("Agent");
                    if let Err(error) = relay
                        .send_agent_text(&key.conversation, agent, &entry.text)
                        .await
                    {
                        tracing::warn!(%error, "an agent's reply did not reach Matrix");
                    }
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    Ok(Some(adapter))
}
