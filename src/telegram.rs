//! Wiring of the Telegram adapter (`adapters/telegram`) into the server: its settings, the database log
//! that keeps updates from being handled twice, the webhook's entry, and agents' replies to Telegram chats.

use std::sync::Arc;

use anyhow::Context;
use auskunft_channel::{BoxFuture, Channel, Conversation};
use auskunft_telegram::{Mode, TelegramAdapter, TelegramSettings, UpdateLog};

use crate::config::{Settings, TelegramMode};
use crate::live::{Live, LiveEvent};
use crate::store::Database;
use crate::store::sql::with_pool;

/// The last update taken, per bot, in the database.
struct DatabaseLog {
    database: Database,
    bot: String,
}

impl UpdateLog for DatabaseLog {
    fn last(&self) -> BoxFuture<'_, Option<i64>> {
        Box::pin(async move {
            let last: Result<Option<i64>, sqlx::Error> = with_pool!(&self.database, |pool| {
                sqlx::query_scalar("SELECT last FROM telegram_updates WHERE bot = $1")
                    .bind(&self.bot)
                    .fetch_optional(pool)
                    .await
            });
            last.unwrap_or_else(|error| {
                tracing::warn!(%error, "reading the last Telegram update failed");
                None
            })
        })
    }

    fn take(&self, id: i64) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            // One statement: of two instances handing in the same update, one takes it.
            let taken = with_pool!(&self.database, |pool| {
                sqlx::query(
                    "INSERT INTO telegram_updates (bot, last) VALUES ($1, $2) \
                     ON CONFLICT (bot) DO UPDATE SET last = excluded.last \
                     WHERE telegram_updates.last < excluded.last",
                )
                .bind(&self.bot)
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            });
            match taken {
                Ok(rows) => rows > 0,
                Err(error) => {
                    // Better to skip one update than to answer it twice.
                    tracing::warn!(%error, "recording a Telegram update failed");
                    false
                }
            }
        })
    }
}

/// The running Telegram channel.
#[derive(Clone)]
pub struct TelegramChannel {
    /// The adapter.
    pub adapter: Arc<TelegramAdapter>,
    /// Whether updates are polled (else they come to the webhook).
    pub polling: bool,
    /// The webhook's secret token.
    pub webhook_secret: Option<Arc<str>>,
}

/// Starts the adapter when a token is configured: checks the token (a wrong one stops the start-up with a
/// message), registers the webhook in webhook mode, and relays agents' replies to Telegram chats.
pub async fn start(
    settings: &Settings,
    conversation: Arc<dyn Conversation>,
    database: &Database,
    live: &Live,
) -> anyhow::Result<Option<TelegramChannel>> {
    let Some(token) = settings.telegram.token.clone() else {
        return Ok(None);
    };
    let telegram = &settings.telegram;
    let mode = match telegram.mode {
        TelegramMode::Polling => Mode::Polling,
        TelegramMode::Webhook => Mode::Webhook {
            url: telegram.webhook_url.clone().unwrap_or_default(),
            secret: telegram.webhook_secret.clone().unwrap_or_default(),
        },
    };
    // The bot's id (the token's part before ':') names its log; the token itself is never stored.
    let bot = token.split(':').next().unwrap_or("bot").to_string();
    let log = Arc::new(DatabaseLog {
        database: database.clone(),
        bot,
    });
    let adapter = TelegramAdapter::start(
        TelegramSettings {
            token,
            api_url: telegram.api_url.clone(),
            public_url: settings.notices.public_url.clone(),
            mode,
        },
        conversation,
        log,
    )
    .await
    .context("the Telegram channel cannot start")?;
    // Agents' replies in handed-off Telegram conversations.
    let mut events = live.subscribe();
    let relay = Arc::clone(&adapter);
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok((key, LiveEvent::Agent { entry, .. })) if key.channel == Channel::Telegram => {
                    let agent = entry.agent.as_deref().unwrap_or("Agent");
                    if let Err(error) = relay
                        .send_agent_text(&key.conversation, agent, &entry.text)
                        .await
                    {
                        tracing::warn!(%error, "an agent's reply did not reach Telegram");
                    }
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "agents' replies to Telegram were missed");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    Ok(Some(TelegramChannel {
        adapter,
        polling: telegram.mode == TelegramMode::Polling,
        webhook_secret: telegram.webhook_secret.clone().map(Arc::from),
    }))
}
