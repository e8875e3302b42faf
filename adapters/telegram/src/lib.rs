//! The Telegram channel: Bot API updates become channel-neutral [`Inbound`]s for the [`Conversation`],
//! its [`Reply`]s become Telegram messages (HTML with everything escaped, answer cards, inline keyboards,
//! photos, calendar files as documents). Long polling ([`TelegramAdapter::poll`]) or webhook updates handed
//! in by the server ([`TelegramAdapter::handle_update_json`]). Depends on the channel crate and teloxide
//! only; the settings come from the caller, never from the environment.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auskunft_channel::{
    BoxFuture, Button, Channel, Conversation, ConversationError, Inbound, InboundContent, Message,
    Reply,
};
use teloxide::net::Download;
use teloxide::payloads::{
    GetUpdatesSetters, SendDocumentSetters, SendMessageSetters, SendPhotoSetters, SetWebhookSetters,
};
use teloxide::prelude::*;
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ParseMode, Update, UpdateKind,
};
use teloxide::utils::html;
use teloxide::{ApiError, RequestError};

/// How the adapter gets updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `getUpdates` with long polling (the default).
    Polling,
    /// Telegram POSTs updates to `url`, with `secret` in `X-Telegram-Bot-Api-Secret-Token`.
    Webhook {
        /// The public URL of the server's webhook route.
        url: String,
        /// The secret token Telegram sends with every call.
        secret: String,
    },
}

/// What the adapter needs to know.
#[derive(Clone)]
pub struct TelegramSettings {
    /// The bot's token.
    pub token: String,
    /// Another Bot API server (tests: an emulator); none: Telegram's.
    pub api_url: Option<String>,
    /// Where Telegram (or the emulator) fetches images and calendar files the answers link to.
    pub public_url: String,
    /// Polling or webhook.
    pub mode: Mode,
}

impl std::fmt::Debug for TelegramSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramSettings")
            .field("token", &"***")
            .field("api_url", &self.api_url)
            .field("public_url", &self.public_url)
            .field("mode", &matches!(self.mode, Mode::Webhook { .. }))
            .finish()
    }
}

/// Remembers the last update handled, so that an update is handled at most once, also across a
/// restart (the server keeps it in its database).
pub trait UpdateLog: Send + Sync {
    /// The id of the last update taken, if any.
    fn last(&self) -> BoxFuture<'_, Option<i64>>;
    /// Records that an update is taken (before it is handled).
    fn take(&self, id: i64) -> BoxFuture<'_, bool>;
}

/// An update log in memory (tests, and servers that accept a repeat after a restart).
#[derive(Default)]
pub struct MemoryLog(Mutex<Option<i64>>);

impl UpdateLog for MemoryLog {
    fn last(&self) -> BoxFuture<'_, Option<i64>> {
        let last = *self.0.lock().unwrap_or_else(|e| e.into_inner());
        Box::pin(async move { last })
    }

    fn take(&self, id: i64) -> BoxFuture<'_, bool> {
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = last.is_none_or(|l| id > l);
        if fresh {
            *last = Some(id);
        }
        Box::pin(async move { fresh })
    }
}

/// Why the adapter could not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Callback data is at most 64 bytes; longer button actions travel as a short reference.
const MAX_CALLBACK_BYTES: usize = 64;
/// How many long actions are remembered (the oldest are forgotten first).
const REMEMBERED_ACTIONS: usize = 10_000;
/// How often a send is tried.
const SEND_ATTEMPTS: u32 = 5;
/// The longest an update may take before the next one is handled.
const UPDATE_TIMEOUT: Duration = Duration::from_secs(60);

/// The Telegram adapter.
pub struct TelegramAdapter {
    bot: Bot,
    conversation: Arc<dyn Conversation>,
    settings: TelegramSettings,
    log: Arc<dyn UpdateLog>,
    /// Long button actions by their reference.
    actions: Mutex<(HashMap<String, String>, VecDeque<String>)>,
    /// Languages chosen with /sprache, by chat.
    languages: Mutex<HashMap<i64, String>>,
}

impl TelegramAdapter {
    /// An adapter for this bot; checks the token with `getMe` (a missing or wrong token is an error
    /// that says so) and, in webhook mode, registers the webhook.
    pub async fn start(
        settings: TelegramSettings,
        conversation: Arc<dyn Conversation>,
        log: Arc<dyn UpdateLog>,
    ) -> Result<Arc<TelegramAdapter>, StartError> {
        if settings.token.trim().is_empty() {
            return Err(StartError("telegram.token is empty".into()));
        }
        let mut bot = Bot::new(settings.token.trim());
        if let Some(url) = &settings.api_url {
            let url = url
                .parse()
                .map_err(|e| StartError(format!("telegram.api_url is not a URL: {e}")))?;
            bot = bot.set_api_url(url);
        }
        match bot.get_me().await {
            Ok(me) => tracing::info!(bot = %me.username(), "telegram bot ready"),
            Err(RequestError::Api(ApiError::InvalidToken)) => {
                return Err(StartError(
                    "Telegram refused the bot token (telegram.token): check it with @BotFather"
                        .into(),
                ));
            }
            Err(error) => {
                return Err(StartError(format!(
                    "Telegram cannot be reached to check the bot token: {error}"
                )));
            }
        }
        if let Mode::Webhook { url, secret } = &settings.mode {
            let parsed = url
                .parse()
                .map_err(|e| StartError(format!("telegram.webhook_url is not a URL: {e}")))?;
            bot.set_webhook(parsed)
                .secret_token(secret.clone())
                .await
                .map_err(|e| StartError(format!("the webhook could not be registered: {e}")))?;
        }
        Ok(Arc::new(TelegramAdapter {
            bot,
            conversation,
            settings,
            log,
            actions: Mutex::new((HashMap::new(), VecDeque::new())),
            languages: Mutex::new(HashMap::new()),
        }))
    }

    /// Long polling until `stop` completes. Network errors and 429s are waited out with backoff; a
    /// failing update is logged and skipped.
    pub async fn poll(self: Arc<Self>, stop: impl Future<Output = ()> + Send) {
        let mut offset = self.log.last().await.map_or(0, |last| last + 1);
        let mut backoff = Duration::from_millis(500);
        tokio::pin!(stop);
        loop {
            let request = self
                .bot
                .get_updates()
                .offset(i32::try_from(offset).unwrap_or(i32::MAX))
                .timeout(10);
            let updates = tokio::select! {
                _ = &mut stop => return,
                updates = request.send() => updates,
            };
            match updates {
                Ok(updates) => {
                    backoff = Duration::from_millis(500);
                    for update in updates {
                        offset = offset.max(i64::from(update.id.0) + 1);
                        self.handle_update(update).await;
                    }
                }
                Err(RequestError::RetryAfter(wait)) => tokio::time::sleep(wait.duration()).await,
                Err(error) => {
                    tracing::warn!(%error, "telegram getUpdates failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// A webhook call's body (the server checked the secret token): handled like a polled update.
    pub async fn handle_update_json(&self, body: &[u8]) -> Result<(), String> {
        let update: Update =
            serde_json::from_slice(body).map_err(|e| format!("not a Telegram update: {e}"))?;
        self.handle_update(update).await;
        Ok(())
    }

    /// Handles one update at most once; errors are logged, never passed on.
    pub async fn handle_update(&self, update: Update) {
        let id = i64::from(update.id.0);
        if !self.log.take(id).await {
            tracing::debug!(id, "telegram update already handled");
            return;
        }
        match tokio::time::timeout(UPDATE_TIMEOUT, self.dispatch(update)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(id, %error, "telegram update failed"),
            Err(_) => tracing::warn!(id, "telegram update timed out"),
        }
    }

    async fn dispatch(&self, update: Update) -> Result<(), RequestError> {
        match update.kind {
            UpdateKind::Message(message) => self.on_message(message).await,
            UpdateKind::CallbackQuery(query) => {
                // Answered at once, so the button stops spinning.
                let _ = self.bot.answer_callback_query(query.id.clone()).await;
                let (Some(data), Some(message)) = (query.data, query.message) else {
                    return Ok(());
                };
                let chat = message.chat().id;
                let action = self.action_of(&data);
                let hint = self.hint(chat.0, query.from.language_code.as_deref());
                match action {
                    Some(action) => {
                        self.converse(chat, InboundContent::Action(action), hint)
                            .await
                    }
                    // A long action from before a restart: its reference is forgotten.
                    None => {
                        self.send_text(
                            chat,
                            "Diese Schaltfläche gilt nicht mehr. Bitte stellen Sie Ihre Frage noch einmal. / This button has expired; please ask again.",
                            None,
                        )
                        .await
                    }
                }
            }
            _ => Ok(()),
        }
    }

    async fn on_message(&self, message: teloxide::types::Message) -> Result<(), RequestError> {
        let chat = message.chat.id;
        let language = message.from.as_ref().and_then(|u| u.language_code.clone());
        let content = if let Some(text) = message.text() {
            match self.command(chat.0, text) {
                Some(content) => content,
                None => InboundContent::Text(text.to_string()),
            }
        } else if let Some(location) = message.location() {
            InboundContent::Location {
                latitude: location.latitude,
                longitude: location.longitude,
            }
        } else if let Some(photo) = message
            .photo()
            .and_then(|sizes| sizes.iter().max_by_key(|p| p.width * p.height))
        {
            let file = with_retry(|| self.bot.get_file(photo.file.id.clone()).send()).await?;
            let mut bytes = Vec::new();
            self.bot
                .download_file(&file.path, &mut bytes)
                .await
                .map_err(|e| RequestError::Io(Arc::new(std::io::Error::other(e.to_string()))))?;
            let mime = if bytes.starts_with(b"\x89PNG") {
                "image/png"
            } else {
                "image/jpeg"
            };
            InboundContent::Image {
                mime: mime.to_string(),
                bytes,
            }
        } else {
            return Ok(());
        };
        let hint = self.hint(chat.0, language.as_deref());
        self.converse(chat, content, hint).await
    }

    /// Commands: /start (with a deep-link parameter), /help, /sprache, /abbrechen.
    fn command(&self, chat: i64, text: &str) -> Option<InboundContent> {
        let mut words = text.split_whitespace();
        let command = words.next()?.strip_prefix('/')?;
        let command = command.split('@').next().unwrap_or(command);
        let argument = words.next();
        Some(match command {
            "start" => match argument.and_then(deep_link) {
                Some(action) => InboundContent::Action(action),
                None => InboundContent::Text("Hallo".into()),
            },
            "help" | "hilfe" => InboundContent::Text("Was kannst du?".into()),
            "abbrechen" | "cancel" => InboundContent::Text("abbrechen".into()),
            "sprache" | "language" => {
                let lang = argument.unwrap_or("de").to_lowercase();
                let lang = match lang.as_str() {
                    "leicht" | "de-leicht" => "de-leicht".to_string(),
                    other => other.to_string(),
                };
                self.languages
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(chat, lang.clone());
                let tag = if lang == "de-leicht" {
                    "leicht"
                } else {
                    lang.as_str()
                };
                InboundContent::Text(format!("/sprache {tag}"))
            }
            _ => return None,
        })
    }

    /// The language hint: a language chosen with /sprache, else the user's Telegram language.
    fn hint(&self, chat: i64, language_code: Option<&str>) -> Option<String> {
        self.languages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&chat)
            .cloned()
            .or_else(|| language_code.map(|c| c.split('-').next().unwrap_or(c).to_string()))
    }

    async fn converse(
        &self,
        chat: ChatId,
        content: InboundContent,
        lang_hint: Option<String>,
    ) -> Result<(), RequestError> {
        let inbound = Inbound {
            channel: Channel::Telegram,
            conversation: Some(chat.0.to_string()),
            content,
            lang_hint,
        };
        match self.conversation.handle(inbound).await {
            Ok(reply) => self.send_reply(chat, &reply).await,
            Err(ConversationError::BadInput(reason)) => {
                self.send_text(chat, &html::escape(&reason), None).await
            }
            Err(ConversationError::Internal { correlation_id }) => {
                tracing::warn!(%correlation_id, "the conversation failed");
                self.send_text(
                    chat,
                    "Das hat gerade nicht geklappt. Bitte versuchen Sie es noch einmal oder rufen Sie 115 an.",
                    None,
                )
                .await
            }
        }
    }

    /// Sends a reply's messages in order.
    pub async fn send_reply(&self, chat: ChatId, reply: &Reply) -> Result<(), RequestError> {
        for message in &reply.messages {
            self.send_message(chat, message).await?;
        }
        Ok(())
    }

    /// Sends text from an agent to a chat (handed-off conversations).
    pub async fn send_agent_text(&self, chat: &str, agent: &str, text: &str) -> Result<(), String> {
        let chat: i64 = chat
            .parse()
            .map_err(|_| format!("'{chat}' is no Telegram chat"))?;
        let body = format!("<b>{}</b>\n{}", html::escape(agent), html::escape(text));
        self.send_text(ChatId(chat), &body, None)
            .await
            .map_err(|e| e.to_string())
    }

    async fn send_message(&self, chat: ChatId, message: &Message) -> Result<(), RequestError> {
        let body = render(message);
        let keyboard = self.keyboard(message);
        if let Some(image) = &message.image {
            let url = self.absolute(&image.url);
            let parsed: Option<url::Url> = url.parse().ok();
            if let Some(parsed) = parsed {
                let caption = truncate(&body, 1000);
                return with_retry(|| {
                    let mut request = self
                        .bot
                        .send_photo(chat, InputFile::url(parsed.clone()))
                        .caption(caption.clone())
                        .parse_mode(ParseMode::Html);
                    if let Some(keyboard) = keyboard.clone() {
                        request = request.reply_markup(keyboard);
                    }
                    request.send()
                })
                .await
                .map(|_| ());
            }
        }
        self.send_text(chat, &body, keyboard.clone()).await?;
        // A calendar file the answer links to comes as a document.
        if let Some(link) = message
            .card
            .as_ref()
            .and_then(|c| c.link.as_ref())
            .filter(|l| l.url.contains("/ics"))
            && let Ok(url) = self.absolute(&link.url).parse::<url::Url>()
        {
            with_retry(|| {
                self.bot
                    .send_document(chat, InputFile::url(url.clone()).file_name("termin.ics"))
                    .caption(html::escape(&link.label))
                    .send()
            })
            .await?;
        }
        Ok(())
    }

    async fn send_text(
        &self,
        chat: ChatId,
        body: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<(), RequestError> {
        let body = if body.trim().is_empty() { "…" } else { body };
        with_retry(|| {
            let mut request = self
                .bot
                .send_message(chat, truncate(body, 4000))
                .parse_mode(ParseMode::Html);
            if let Some(keyboard) = keyboard.clone() {
                request = request.reply_markup(keyboard);
            }
            request.send()
        })
        .await
        .map(|_| ())
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http://") || url.starts_with("https://") {
            url.to_string()
        } else {
            format!("{}{url}", self.settings.public_url.trim_end_matches('/'))
        }
    }

    /// Buttons as an inline keyboard (one per row), the card's online service as a link button.
    fn keyboard(&self, message: &Message) -> Option<InlineKeyboardMarkup> {
        let mut rows: Vec<Vec<InlineKeyboardButton>> = message
            .buttons
            .iter()
            .map(|Button { label, action }| {
                vec![InlineKeyboardButton::callback(
                    truncate(label, 60),
                    self.callback_data(action),
                )]
            })
            .collect();
        if let Some(link) = message.card.as_ref().and_then(|c| c.link.as_ref())
            && link.url.starts_with("https://")
            && let Ok(url) = link.url.parse()
        {
            rows.push(vec![InlineKeyboardButton::url(
                truncate(&link.label, 60),
                url,
            )]);
        }
        (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows))
    }

    fn callback_data(&self, action: &str) -> String {
        if action.len() <= MAX_CALLBACK_BYTES && !action.starts_with("~") {
            return action.to_string();
        }
        let mut actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *actions;
        let key = format!("~{:x}", fnv(action));
        if !map.contains_key(&key) {
            map.insert(key.clone(), action.to_string());
            order.push_back(key.clone());
            if order.len() > REMEMBERED_ACTIONS
                && let Some(old) = order.pop_front()
            {
                map.remove(&old);
            }
        }
        key
    }

    fn action_of(&self, data: &str) -> Option<String> {
        if data.starts_with('~') {
            let actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
            actions.0.get(data).cloned()
        } else {
            Some(data.to_string())
        }
    }
}

/// A deep-link parameter of /start: `n_KASSENZEICHEN_SIGNATURE` opens a notice as its QR code does.
fn deep_link(parameter: &str) -> Option<String> {
    let rest = parameter.strip_prefix("n_")?;
    let (kassenzeichen, signature) = rest.split_once('_')?;
    let valid = kassenzeichen.chars().all(|c| c.is_ascii_digit())
        && signature
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then(|| format!("form:notice.pay?kassenzeichen={kassenzeichen}&signature={signature}"))
}

/// A message as Telegram HTML: the card's title in bold, everything escaped.
fn render(message: &Message) -> String {
    match &message.card {
        Some(card) => {
            let text = message.text.trim();
            let rest = text
                .strip_prefix(card.title.as_str())
                .map_or(text, str::trim_start);
            format!(
                "<b>{}</b>\n{}",
                html::escape(&card.title),
                html::escape(rest)
            )
        }
        None => html::escape(&message.text),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max_chars - 1).collect();
        cut.push('…');
        cut
    }
}

/// A 64-bit FNV-1a hash (stable across runs; references to long button actions).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Sends a request, waiting out Telegram's 429 (retry_after) and retrying network errors with backoff.
async fn with_retry<T, F, Fut>(mut send: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut backoff = Duration::from_millis(250);
    let mut attempt = 1;
    loop {
        match send().await {
            Ok(value) => return Ok(value),
            Err(RequestError::RetryAfter(wait)) if attempt < SEND_ATTEMPTS => {
                tracing::info!(seconds = wait.seconds(), "telegram asks to wait");
                tokio::time::sleep(wait.duration()).await;
            }
            Err(RequestError::Network(error)) if attempt < SEND_ATTEMPTS => {
                tracing::warn!(%error, "telegram network error; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            Err(error) => return Err(error),
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_citizens_and_knowledge_is_escaped() {
        let message = Message::plain("<b>1 < 2</b> & <script>");
        assert_eq!(
            render(&message),
            "&lt;b&gt;1 &lt; 2&lt;/b&gt; &amp; &lt;script&gt;"
        );
        assert_eq!(
            deep_link("n_5550001234_abc-DEF_1"),
            Some("form:notice.pay?kassenzeichen=5550001234&signature=abc-DEF_1".into())
        );
        assert_eq!(deep_link("n_55x_abc"), None);
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
