//! The Matrix channel: room messages become channel-neutral [`Inbound`]s for the [`Conversation`] (one room
//! is one conversation), its [`Reply`]s become `m.notice` events with escaped HTML and a plain body,
//! buttons become numbered options, images and calendar files become uploads. The bot keeps its device and
//! keys in a SQLite store, so encrypted rooms keep working across restarts. Depends on the channel crate
//! and matrix-sdk only; files the answers link to are fetched through the caller's [`Fetch`].
#![recursion_limit = "256"]

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auskunft_channel::{
    BoxFuture, Button, Channel, Conversation, ConversationError, Inbound, InboundContent, Message,
    Reply,
};
use matrix_sdk::attachment::AttachmentConfig;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::events::room::member::StrippedRoomMemberEvent;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, RoomMessageEventContent,
};
use matrix_sdk::ruma::{MilliSecondsSinceUnixEpoch, OwnedRoomId, RoomId};
use matrix_sdk::{Client, Room, RoomState};

pub use matrix_sdk;

/// What the adapter needs to know.
#[derive(Clone)]
pub struct MatrixSettings {
    /// The homeserver's URL.
    pub homeserver: String,
    /// The bot's user name (localpart or full id).
    pub user: String,
    /// Its password (used at the first start; the session is kept in the store afterwards).
    pub password: String,
    /// Where the SQLite store (device, keys, sync position) and the session live.
    pub store_dir: PathBuf,
    /// The store's passphrase, if any.
    pub store_passphrase: Option<String>,
}

impl std::fmt::Debug for MatrixSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixSettings")
            .field("homeserver", &self.homeserver)
            .field("user", &self.user)
            .field("password", &"***")
            .field("store_dir", &self.store_dir)
            .finish()
    }
}

/// Fetches a file an answer links to (a GiroCode, a calendar file): its media type and bytes.
pub trait Fetch: Send + Sync {
    /// The file at this URL (a path on the server or a full URL).
    fn fetch<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<(String, Vec<u8>)>>;
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

/// The Matrix adapter.
pub struct MatrixAdapter {
    client: Client,
    conversation: Arc<dyn Conversation>,
    fetch: Arc<dyn Fetch>,
    /// The numbered options last offered in each room.
    options: Mutex<HashMap<OwnedRoomId, Vec<Button>>>,
    /// Languages chosen with !sprache, by room.
    languages: Mutex<HashMap<OwnedRoomId, String>>,
    /// When the bot joined a room (events before are history, not questions).
    joined: Mutex<HashMap<OwnedRoomId, MilliSecondsSinceUnixEpoch>>,
    /// Whether the store held a session (then events since the last sync are answered).
    restored: bool,
}

const SESSION_FILE: &str = "session.json";

impl MatrixAdapter {
    /// Opens the store, restores the bot's session or logs in with the password.
    pub async fn start(
        settings: MatrixSettings,
        conversation: Arc<dyn Conversation>,
        fetch: Arc<dyn Fetch>,
    ) -> Result<Arc<MatrixAdapter>, StartError> {
        std::fs::create_dir_all(&settings.store_dir).map_err(|e| {
            StartError(format!(
                "cannot create the Matrix store {}: {e}",
                settings.store_dir.display()
            ))
        })?;
        let client = Client::builder()
            .homeserver_url(&settings.homeserver)
            .sqlite_store(&settings.store_dir, settings.store_passphrase.as_deref())
            .build()
            .await
            .map_err(|e| StartError(format!("the Matrix client cannot start: {e}")))?;
        let session_path = settings.store_dir.join(SESSION_FILE);
        let stored: Option<MatrixSession> = std::fs::read_to_string(&session_path)
            .ok()
            .and_then(|text| serde_json_from_str(&text));
        let restored = stored.is_some();
        match stored {
            Some(session) => client
                .matrix_auth()
                .restore_session(session, Default::default())
                .await
                .map_err(|e| StartError(format!("the Matrix session cannot be restored: {e}")))?,
            None => {
                client
                    .matrix_auth()
                    .login_username(&settings.user, &settings.password)
                    .initial_device_display_name("Auskunft")
                    .send()
                    .await
                    .map_err(|e| {
                        StartError(format!(
                            "the homeserver refused the bot's login (matrix.user, matrix.password): {e}"
                        ))
                    })?;
                if let Some(session) = client.matrix_auth().session() {
                    let text = serde_json_to_string(&session);
                    std::fs::write(&session_path, text)
                        .map_err(|e| StartError(format!("cannot keep the Matrix session: {e}")))?;
                    restrict(&session_path);
                }
            }
        }
        Ok(Arc::new(MatrixAdapter {
            client,
            conversation,
            fetch,
            options: Mutex::new(HashMap::new()),
            languages: Mutex::new(HashMap::new()),
            joined: Mutex::new(HashMap::new()),
            restored,
        }))
    }

    /// The bot's user id.
    pub fn user_id(&self) -> Option<String> {
        self.client.user_id().map(ToString::to_string)
    }

    /// Syncs until `stop` completes: joins rooms it is invited to and answers messages. Sync errors are
    /// retried with backoff; a failing event is logged and skipped. The store keeps the sync position, so
    /// an event is handled once also across restarts.
    pub async fn run(self: Arc<Self>, stop: impl Future<Output = ()> + Send) {
        until_stopped(stop, async move {
            let on_invite = Arc::clone(&self);
            let on_message = Arc::clone(&self);
            let register = |client: &Client| {
                let on_invite = Arc::clone(&on_invite);
                client.add_event_handler(move |event: StrippedRoomMemberEvent, room: Room| {
                    let adapter = Arc::clone(&on_invite);
                    async move { adapter.on_invite(event, room).await }
                });
                let on_message = Arc::clone(&on_message);
                client.add_event_handler(move |event: OriginalSyncRoomMessageEvent, room: Room| {
                    let adapter = Arc::clone(&on_message);
                    async move { adapter.on_message(event, room).await }
                });
            };
            // A new bot does not answer what was said before it existed; a restarted one answers what
            // came while it was away.
            if self.restored {
                register(&self.client);
            }
            let mut backoff = Duration::from_millis(500);
            let token = loop {
                match self.client.sync_once(SyncSettings::default()).await {
                    Ok(response) => break response.next_batch,
                    Err(error) => {
                        tracing::warn!(%error, "matrix sync failed; retrying");
                        sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(30));
                    }
                }
            };
            if !self.restored {
                register(&self.client);
            }
            let mut settings = SyncSettings::default().token(token);
            loop {
                match self.client.sync(settings.clone()).await {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(%error, "matrix sync failed; retrying");
                        sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(30));
                        settings = SyncSettings::default();
                    }
                }
            }
        })
        .await;
    }

    async fn on_invite(&self, event: StrippedRoomMemberEvent, room: Room) {
        if Some(event.state_key.as_ref()) != self.client.user_id() {
            return;
        }
        let mut delay = Duration::from_millis(200);
        for _ in 0..8 {
            match room.join().await {
                Ok(()) => {
                    self.joined
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(room.room_id().to_owned(), MilliSecondsSinceUnixEpoch::now());
                    return;
                }
                Err(error) => {
                    tracing::warn!(%error, "joining a room failed; retrying");
                    sleep(delay).await;
                    delay *= 2;
                }
            }
        }
    }

    async fn on_message(&self, event: OriginalSyncRoomMessageEvent, room: Room) {
        if room.state() != RoomState::Joined || Some(event.sender.as_ref()) == self.client.user_id()
        {
            return;
        }
        let room_id = room.room_id().to_owned();
        let joined = self
            .joined
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&room_id)
            .copied();
        if joined.is_some_and(|at| event.origin_server_ts < at) {
            return;
        }
        if let Err(error) = self.answer(&room, event.content.msgtype).await {
            tracing::warn!(%error, "a matrix event failed");
        }
    }

    async fn answer(&self, room: &Room, message: MessageType) -> Result<(), String> {
        let room_id = room.room_id().to_owned();
        let content = match message {
            MessageType::Text(text) => self.text_content(&room_id, text.body.trim()),
            MessageType::Location(location) => match parse_geo(&location.geo_uri) {
                Some((latitude, longitude)) => InboundContent::Location {
                    latitude,
                    longitude,
                },
                None => return Ok(()),
            },
            MessageType::Image(image) => {
                let bytes = self
                    .client
                    .media()
                    .get_file(&image, false)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or("the image has no file")?;
                let mime = if bytes.starts_with(b"\x89PNG") {
                    "image/png"
                } else {
                    "image/jpeg"
                };
                InboundContent::Image {
                    mime: mime.into(),
                    bytes,
                }
            }
            _ => return Ok(()),
        };
        let hint = self
            .languages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&room_id)
            .cloned();
        let inbound = Inbound {
            channel: Channel::Matrix,
            conversation: Some(room_id.to_string()),
            content,
            lang_hint: hint,
        };
        match self.conversation.handle(inbound).await {
            Ok(reply) => self.send_reply(room, &reply).await,
            Err(ConversationError::BadInput(reason)) => {
                send_notice(room, &reason, &escape(&reason)).await
            }
            Err(ConversationError::Internal { correlation_id }) => {
                tracing::warn!(%correlation_id, "the conversation failed");
                let text = "Das hat gerade nicht geklappt. Bitte versuchen Sie es noch einmal oder rufen Sie 115 an.";
                send_notice(room, text, text).await
            }
        }
    }

    /// A text: a command, the number or label of an offered option, or what the citizen wrote.
    fn text_content(&self, room: &RoomId, text: &str) -> InboundContent {
        let mut words = text.split_whitespace();
        match words.next() {
            Some("!hilfe" | "!help") => return InboundContent::Text("Was kannst du?".into()),
            Some("!abbrechen" | "!cancel") => return InboundContent::Text("abbrechen".into()),
            Some("!sprache" | "!language") => {
                let lang = words.next().unwrap_or("de").to_lowercase();
                let tag = if lang == "leicht" {
                    "de-leicht".to_string()
                } else {
                    lang.clone()
                };
                self.languages
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(room.to_owned(), tag);
                return InboundContent::Text(format!("/sprache {lang}"));
            }
            _ => {}
        }
        let options = self.options.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(buttons) = options.get(room) {
            let chosen = text
                .trim_end_matches('.')
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| buttons.get(i))
                .or_else(|| buttons.iter().find(|b| b.label.eq_ignore_ascii_case(text)));
            if let Some(button) = chosen {
                return InboundContent::Action(button.action.clone());
            }
        }
        InboundContent::Text(text.to_string())
    }

    /// Sends a reply: each message as a notice (options numbered), images and calendar files as uploads.
    pub async fn send_reply(&self, room: &Room, reply: &Reply) -> Result<(), String> {
        let mut offered = Vec::new();
        for message in &reply.messages {
            let (plain, html) = render(message, offered.len());
            send_notice(room, &plain, &html).await?;
            offered.extend(message.buttons.iter().cloned());
            if let Some(image) = &message.image {
                self.upload(room, &image.url, "bild.png").await?;
            }
            if let Some(link) = message.card.as_ref().and_then(|c| c.link.as_ref())
                && link.url.contains("/ics")
            {
                self.upload(room, &link.url, "termin.ics").await?;
            }
        }
        let mut options = self.options.lock().unwrap_or_else(|e| e.into_inner());
        if offered.is_empty() {
            options.remove(room.room_id());
        } else {
            options.insert(room.room_id().to_owned(), offered);
        }
        Ok(())
    }

    async fn upload(&self, room: &Room, url: &str, name: &str) -> Result<(), String> {
        let Some((mime, bytes)) = self.fetch.fetch(url).await else {
            return Err(format!("cannot fetch {url}"));
        };
        let mime: mime::Mime = mime.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
        room.send_attachment(name, &mime, bytes, AttachmentConfig::new())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Sends what an agent wrote into a room (handed-off conversations).
    pub async fn send_agent_text(&self, room: &str, agent: &str, text: &str) -> Result<(), String> {
        let room_id = RoomId::parse(room).map_err(|e| e.to_string())?;
        let room = self
            .client
            .get_room(&room_id)
            .ok_or_else(|| format!("the bot is not in {room}"))?;
        let plain = format!("{agent}: {text}");
        let html = format!("<b>{}</b>: {}", escape(agent), escape(text));
        send_notice(&room, &plain, &html).await
    }
}

async fn send_notice(room: &Room, plain: &str, html: &str) -> Result<(), String> {
    room.send(RoomMessageEventContent::notice_html(plain, html))
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A message as plain text and escaped HTML; buttons numbered from `first + 1`.
fn render(message: &Message, first: usize) -> (String, String) {
    let text = message.text.trim();
    let mut plain = text.to_string();
    let mut html = match &message.card {
        Some(card) => {
            let rest = text
                .strip_prefix(card.title.as_str())
                .map_or(text, str::trim_start);
            format!(
                "<b>{}</b><br>{}",
                escape(&card.title),
                escape(rest).replace('\n', "<br>")
            )
        }
        None => escape(text).replace('\n', "<br>"),
    };
    if !message.buttons.is_empty() {
        html.push_str("<ol start=\"");
        html.push_str(&(first + 1).to_string());
        html.push_str("\">");
        for (index, button) in message.buttons.iter().enumerate() {
            plain.push_str(&format!("\n{}. {}", first + index + 1, button.label));
            html.push_str(&format!("<li>{}</li>", escape(&button.label)));
        }
        html.push_str("</ol>");
    }
    (plain, html)
}

/// Escapes text for `org.matrix.custom.html`.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `geo:51.3397,12.3731;u=10` → the coordinates.
fn parse_geo(uri: &str) -> Option<(f64, f64)> {
    let rest = uri.strip_prefix("geo:")?;
    let coordinates = rest.split(';').next()?;
    let mut parts = coordinates.split(',');
    let latitude: f64 = parts.next()?.trim().parse().ok()?;
    let longitude: f64 = parts.next()?.trim().parse().ok()?;
    ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude))
        .then_some((latitude, longitude))
}

fn serde_json_from_str(text: &str) -> Option<MatrixSession> {
    serde_json::from_str(text).ok()
}

fn serde_json_to_string(session: &MatrixSession) -> String {
    serde_json::to_string(session).unwrap_or_default()
}

/// Only the owner reads the session file (it holds the access token).
fn restrict(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Runs `work` until `stop` completes.
async fn until_stopped(stop: impl Future<Output = ()> + Send, work: impl Future<Output = ()>) {
    tokio::select! {
        _ = stop => {}
        _ = work => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_numbered_and_text_is_escaped() {
        let message = Message {
            text: "Wählen Sie <bitte>:".into(),
            buttons: vec![
                Button {
                    label: "Bürgerbüro Mitte".into(),
                    action: "slot:office:buergerbuero-mitte".into(),
                },
                Button {
                    label: "egal".into(),
                    action: "slot:office:any".into(),
                },
            ],
            ..Message::default()
        };
        let (plain, html) = render(&message, 0);
        assert_eq!(plain, "Wählen Sie <bitte>:\n1. Bürgerbüro Mitte\n2. egal");
        assert_eq!(
            html,
            "Wählen Sie &lt;bitte&gt;:<ol start=\"1\"><li>Bürgerbüro Mitte</li><li>egal</li></ol>"
        );
        assert_eq!(
            parse_geo("geo:51.3397,12.3731;u=10"),
            Some((51.3397, 12.3731))
        );
        assert_eq!(parse_geo("geo:91,12"), None);
    }
}
