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
use matrix_sdk::authentication::SessionTokens;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::events::reaction::{OriginalSyncReactionEvent, ReactionEventContent};
use matrix_sdk::ruma::events::relation::Annotation;
use matrix_sdk::ruma::events::room::member::StrippedRoomMemberEvent;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, RoomMessageEventContent,
};
use matrix_sdk::ruma::{MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, RoomId};
use matrix_sdk::{Client, LoopCtrl, Room, RoomState, SessionMeta};

pub use matrix_sdk;

/// What the adapter needs to know.
#[derive(Clone)]
pub struct MatrixSettings {
    /// The homeserver's URL.
    pub homeserver: String,
    /// The bot's user name (localpart or full id).
    pub user: String,
    /// How the bot signs in the first time (the session is kept in the store afterwards).
    pub login: Login,
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
            .field("login", &self.login)
            .field("store_dir", &self.store_dir)
            .finish()
    }
}

/// How the bot signs in when its store holds no session yet.
#[derive(Clone)]
pub enum Login {
    /// With its password: the homeserver gives it a new device.
    Password(String),
    /// With an access token an operator created (it names the user and the device).
    AccessToken(String),
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Login::Password(_) => f.write_str("Password(***)"),
            Login::AccessToken(_) => f.write_str("AccessToken(***)"),
        }
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
    /// The numbered options last offered in each room (kept in the store as well, for restarts).
    options: Mutex<HashMap<OwnedRoomId, Offer>>,
    /// Languages chosen with !sprache, by room (kept in the store as well).
    languages: Mutex<HashMap<OwnedRoomId, String>>,
    /// When the bot joined a room (events before are history, not questions).
    joined: Mutex<HashMap<OwnedRoomId, MilliSecondsSinceUnixEpoch>>,
    /// Whether the store held a session (then events since the last sync are answered).
    restored: bool,
}

const SESSION_FILE: &str = "session.json";

/// Options the bot offered in a room: the buttons in their numbered order and the events that showed
/// them (reactions to those events answer too).
#[derive(Clone, Debug, Default)]
struct Offer {
    buttons: Vec<Button>,
    events: Vec<OwnedEventId>,
}

/// The reaction a confirmation question invites (and the bot puts under it to be tapped).
const THUMBS_UP: &str = "\u{1f44d}";

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
                match &settings.login {
                    Login::Password(password) => {
                        client
                            .matrix_auth()
                            .login_username(&settings.user, password)
                            .initial_device_display_name("Auskunft")
                            .send()
                            .await
                            .map_err(|e| {
                                StartError(format!(
                                    "the homeserver refused the bot's login (matrix.user, matrix.password): {e}"
                                ))
                            })?;
                    }
                    Login::AccessToken(token) => {
                        let meta = whoami(&settings.homeserver, token).await?;
                        let session = MatrixSession {
                            meta,
                            tokens: SessionTokens {
                                access_token: token.clone(),
                                refresh_token: None,
                            },
                        };
                        client
                            .matrix_auth()
                            .restore_session(session, Default::default())
                            .await
                            .map_err(|e| {
                                StartError(format!("the Matrix access token cannot be used: {e}"))
                            })?;
                    }
                }
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
                let on_reaction = Arc::clone(&on_message);
                let on_message = Arc::clone(&on_message);
                client.add_event_handler(move |event: OriginalSyncRoomMessageEvent, room: Room| {
                    let adapter = Arc::clone(&on_message);
                    async move { adapter.on_message(event, room).await }
                });
                client.add_event_handler(move |event: OriginalSyncReactionEvent, room: Room| {
                    let adapter = Arc::clone(&on_reaction);
                    async move { adapter.on_reaction(event, room).await }
                });
            };
            // A new bot does not answer what was said before it existed; a restarted one answers what
            // came while it was away.
            if self.restored {
                register(&self.client);
            }
            let backoff = Mutex::new(Backoff::default());
            let token = loop {
                match self.client.sync_once(SyncSettings::default()).await {
                    Ok(response) => break response.next_batch,
                    Err(error) => backoff_after(&backoff, &error).await,
                }
            };
            if !self.restored {
                register(&self.client);
            }
            // `sync_with_result_callback` keeps the position between rounds; an error ends a round, not
            // the loop: the bot waits (0.5 s, doubling up to 30 s, reset by the next good sync) and
            // syncs again from where it was.
            let settings = SyncSettings::default().token(token);
            let result = self
                .client
                .sync_with_result_callback(settings, |result| {
                    let backoff = &backoff;
                    async move {
                        match result {
                            Ok(_) => backoff.lock().unwrap_or_else(|e| e.into_inner()).reset(),
                            Err(error) => backoff_after(backoff, &error).await,
                        }
                        Ok(LoopCtrl::Continue)
                    }
                })
                .await;
            // The callback never breaks or fails, so this is reached only if matrix-sdk ends the sync
            // stream itself: then the bot no longer answers, which the operator must learn.
            tracing::error!(?result, "the matrix sync loop ended");
        })
        .await;
    }

    async fn on_invite(&self, event: StrippedRoomMemberEvent, room: Room) {
        if Some(event.state_key.as_ref()) != self.client.user_id() {
            return;
        }
        // What was said before the bot set out to join is history; what comes while the join is under
        // way is already meant for it.
        let asked = MilliSecondsSinceUnixEpoch::now();
        let mut delay = Duration::from_millis(200);
        for _ in 0..8 {
            match room.join().await {
                Ok(()) => {
                    self.joined
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(room.room_id().to_owned(), asked);
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
        if !self.is_for_us(&room, &event.sender, event.origin_server_ts) {
            return;
        }
        let content = match self.content(&room, event.content.msgtype).await {
            Ok(Some(content)) => content,
            Ok(None) => return,
            Err(error) => {
                // The media could not be fetched or decrypted: say so, and go on with the next events.
                tracing::warn!(%error, "a matrix event could not be read");
                let text = "Das Bild konnte ich nicht laden. Bitte senden Sie es noch einmal. \
                            (The image could not be loaded, please send it again.)";
                if let Err(error) = send_notice(&room, text, text).await {
                    tracing::warn!(%error, "a matrix notice failed");
                }
                return;
            }
        };
        if let Err(error) = self.deliver(&room, content).await {
            tracing::warn!(%error, "a matrix event failed");
        }
    }

    /// A reaction to a message with options: a keycap digit picks that option, 👍 confirms.
    async fn on_reaction(&self, event: OriginalSyncReactionEvent, room: Room) {
        if !self.is_for_us(&room, &event.sender, event.origin_server_ts) {
            return;
        }
        let Some(offer) = self.offer(room.room_id()).await else {
            return;
        };
        let annotation = &event.content.relates_to;
        if !offer.events.contains(&annotation.event_id) {
            return;
        }
        let Some(button) = reacted(&offer.buttons, &annotation.key) else {
            return;
        };
        let content = InboundContent::Action(button.action.clone());
        if let Err(error) = self.deliver(&room, content).await {
            tracing::warn!(%error, "a matrix reaction failed");
        }
    }

    /// Whether an event is the citizen's (not the bot's own, not from before the bot joined).
    fn is_for_us(
        &self,
        room: &Room,
        sender: &matrix_sdk::ruma::UserId,
        at: MilliSecondsSinceUnixEpoch,
    ) -> bool {
        if room.state() != RoomState::Joined || Some(sender) == self.client.user_id() {
            return false;
        }
        let joined = self
            .joined
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(room.room_id())
            .copied();
        joined.is_none_or(|joined| at >= joined)
    }

    /// What a room message says, channel-neutral; `None` for messages the bot does not answer.
    async fn content(
        &self,
        room: &Room,
        message: MessageType,
    ) -> Result<Option<InboundContent>, String> {
        Ok(Some(match message {
            MessageType::Text(text) => self.text_content(room.room_id(), text.body.trim()).await,
            MessageType::Location(location) => match parse_geo(&location.geo_uri) {
                Some((latitude, longitude)) => InboundContent::Location {
                    latitude,
                    longitude,
                },
                None => return Ok(None),
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
            _ => return Ok(None),
        }))
    }

    /// Hands the citizen's input to the conversation and sends what it answers.
    async fn deliver(&self, room: &Room, content: InboundContent) -> Result<(), String> {
        let inbound = Inbound {
            channel: Channel::Matrix,
            conversation: Some(room.room_id().to_string()),
            content,
            lang_hint: self.language(room.room_id()).await,
        };
        match self.conversation.handle(inbound).await {
            Ok(reply) => self.send_reply(room, &reply).await,
            Err(ConversationError::BadInput(reason)) => {
                send_notice(room, &reason, &escape(&reason)).await.map(drop)
            }
            Err(ConversationError::Internal { correlation_id }) => {
                tracing::warn!(%correlation_id, "the conversation failed");
                let text = "Das hat gerade nicht geklappt. Bitte versuchen Sie es noch einmal oder rufen Sie 115 an.";
                send_notice(room, text, text).await.map(drop)
            }
        }
    }

    /// A text: a command, the number or label of an offered option, or what the citizen wrote.
    async fn text_content(&self, room: &RoomId, text: &str) -> InboundContent {
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
                self.set_language(room, tag).await;
                return InboundContent::Text(format!("/sprache {lang}"));
            }
            _ => {}
        }
        if let Some(offer) = self.offer(room).await {
            let chosen = text
                .trim_end_matches('.')
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| offer.buttons.get(i))
                .or_else(|| {
                    offer
                        .buttons
                        .iter()
                        .find(|b| b.label.to_lowercase() == text.to_lowercase())
                });
            if let Some(button) = chosen {
                return InboundContent::Action(button.action.clone());
            }
        }
        InboundContent::Text(text.to_string())
    }

    /// Sends a reply: each message as a notice (options numbered), images and calendar files as uploads.
    /// A confirmation question gets a 👍 to tap.
    pub async fn send_reply(&self, room: &Room, reply: &Reply) -> Result<(), String> {
        let mut offer = Offer::default();
        for message in &reply.messages {
            let (plain, html) = render(message, offer.buttons.len());
            let event = send_notice(room, &plain, &html).await?;
            if !message.buttons.is_empty() {
                offer.buttons.extend(message.buttons.iter().cloned());
                offer.events.push(event.clone());
            }
            if message.buttons.iter().any(|b| b.action == CONFIRM_YES) {
                let reaction = ReactionEventContent::new(Annotation::new(event, THUMBS_UP.into()));
                if let Err(error) = room.send(reaction).await {
                    tracing::warn!(%error, "the bot's reaction was not sent");
                }
            }
            if let Some(image) = &message.image {
                self.upload(room, &image.url, "bild.png").await?;
            }
            if let Some(link) = message.card.as_ref().and_then(|c| c.link.as_ref())
                && link.url.contains("/ics")
            {
                self.upload(room, &link.url, "termin.ics").await?;
            }
        }
        self.set_offer(room.room_id(), offer).await;
        Ok(())
    }

    /// The options last offered in a room, from memory or, after a restart, from the store.
    async fn offer(&self, room: &RoomId) -> Option<Offer> {
        if let Some(offer) = self
            .options
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(room)
        {
            return Some(offer.clone());
        }
        let bytes = self.stored(&format!("offer/{room}")).await?;
        let (buttons, events): (Vec<Button>, Vec<OwnedEventId>) =
            serde_json::from_slice(&bytes).ok()?;
        let offer = Offer { buttons, events };
        self.options
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(room.to_owned(), offer.clone());
        Some(offer)
    }

    async fn set_offer(&self, room: &RoomId, offer: Offer) {
        let bytes = {
            let mut options = self.options.lock().unwrap_or_else(|e| e.into_inner());
            if offer.buttons.is_empty() {
                options.remove(room);
                None
            } else {
                let bytes =
                    serde_json::to_vec(&(&offer.buttons, &offer.events)).unwrap_or_default();
                options.insert(room.to_owned(), offer);
                Some(bytes)
            }
        };
        self.store(&format!("offer/{room}"), bytes).await;
    }

    /// The language chosen with `!sprache` in a room (the hint for every message there).
    async fn language(&self, room: &RoomId) -> Option<String> {
        if let Some(lang) = self
            .languages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(room)
        {
            return Some(lang.clone());
        }
        let bytes = self.stored(&format!("language/{room}")).await?;
        let lang = String::from_utf8(bytes).ok()?;
        self.languages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(room.to_owned(), lang.clone());
        Some(lang)
    }

    async fn set_language(&self, room: &RoomId, lang: String) {
        self.languages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(room.to_owned(), lang.clone());
        self.store(&format!("language/{room}"), Some(lang.into_bytes()))
            .await;
    }

    /// A value the adapter keeps in the bot's store (options and languages survive restarts).
    async fn stored(&self, key: &str) -> Option<Vec<u8>> {
        let key = format!("auskunft/{key}");
        match self
            .client
            .state_store()
            .get_custom_value(key.as_bytes())
            .await
        {
            Ok(value) => value,
            Err(error) => {
                tracing::warn!(%error, "the Matrix store could not be read");
                None
            }
        }
    }

    async fn store(&self, key: &str, value: Option<Vec<u8>>) {
        let key = format!("auskunft/{key}");
        let store = self.client.state_store();
        let result = match value {
            Some(bytes) => store.set_custom_value_no_read(key.as_bytes(), bytes).await,
            None => store.remove_custom_value(key.as_bytes()).await.map(drop),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "the Matrix store could not be written");
        }
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
        send_notice(&room, &plain, &html).await.map(drop)
    }
}

/// Whose access token this is: asked with a throwaway client that keeps nothing (the real store must be
/// opened for the right user and device).
async fn whoami(homeserver: &str, token: &str) -> Result<SessionMeta, StartError> {
    let refused = |e: &dyn std::fmt::Display| {
        StartError(format!(
            "the homeserver refused the bot's access token (matrix.access_token): {e}"
        ))
    };
    let probe = Client::builder()
        .homeserver_url(homeserver)
        .build()
        .await
        .map_err(|e| StartError(format!("the Matrix client cannot start: {e}")))?;
    let placeholder = MatrixSession {
        meta: SessionMeta {
            user_id: "@probe:localhost".try_into().map_err(|e| refused(&e))?,
            device_id: "PROBE".into(),
        },
        tokens: SessionTokens {
            access_token: token.to_string(),
            refresh_token: None,
        },
    };
    probe
        .matrix_auth()
        .restore_session(placeholder, Default::default())
        .await
        .map_err(|e| refused(&e))?;
    let answer = probe.whoami().await.map_err(|e| refused(&e))?;
    let device_id = answer.device_id.ok_or_else(|| {
        StartError("the access token (matrix.access_token) belongs to no device".into())
    })?;
    Ok(SessionMeta {
        user_id: answer.user_id,
        device_id,
    })
}

/// Sends a notice; its event id.
async fn send_notice(room: &Room, plain: &str, html: &str) -> Result<OwnedEventId, String> {
    room.send(RoomMessageEventContent::notice_html(plain, html))
        .await
        .map(|sent| sent.response.event_id)
        .map_err(|e| e.to_string())
}

/// The confirmation button's action (see the engine's confirmation question).
const CONFIRM_YES: &str = "confirm:yes";

/// The option a reaction picks: a keycap digit (1️⃣ … 9️⃣, 🔟) its number, 👍 the confirmation.
fn reacted<'a>(buttons: &'a [Button], key: &str) -> Option<&'a Button> {
    if key.trim_end_matches('\u{fe0f}') == THUMBS_UP {
        return buttons.iter().find(|b| b.action == CONFIRM_YES);
    }
    let number = if key == "\u{1f51f}" {
        10
    } else {
        let digits = key
            .trim_end_matches('\u{20e3}')
            .trim_end_matches('\u{fe0f}');
        let mut chars = digits.chars();
        let digit = chars.next()?.to_digit(10)?;
        if chars.next().is_some() {
            return None;
        }
        digit as usize
    };
    buttons.get(number.checked_sub(1)?)
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

/// The wait between failed syncs: 0.5 s, doubling up to 30 s.
#[derive(Debug)]
struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(Duration::from_millis(500))
    }
}

impl Backoff {
    fn reset(&mut self) {
        *self = Backoff::default();
    }

    /// The wait to take now; the next one is twice as long (at most 30 s).
    fn next(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(Duration::from_secs(30));
        wait
    }
}

async fn backoff_after(backoff: &Mutex<Backoff>, error: &matrix_sdk::Error) {
    let wait = backoff.lock().unwrap_or_else(|e| e.into_inner()).next();
    tracing::warn!(%error, wait_ms = wait.as_millis() as u64, "matrix sync failed; retrying");
    sleep(wait).await;
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
    fn the_wait_between_failed_syncs_doubles_up_to_thirty_seconds_and_resets() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = (0..8).map(|_| backoff.next().as_millis() as u64).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        backoff.reset();
        assert_eq!(backoff.next(), Duration::from_millis(500));
    }

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

    #[test]
    fn reactions_pick_options() {
        let buttons: Vec<Button> = ["confirm:yes", "confirm:change", "confirm:cancel"]
            .iter()
            .map(|action| Button {
                label: action.to_string(),
                action: action.to_string(),
            })
            .collect();
        let picked = |key: &str| reacted(&buttons, key).map(|b| b.action.as_str());
        assert_eq!(picked("2\u{fe0f}\u{20e3}"), Some("confirm:change"));
        assert_eq!(picked("3\u{20e3}"), Some("confirm:cancel"));
        assert_eq!(picked("\u{1f44d}"), Some("confirm:yes"));
        assert_eq!(picked("\u{1f44d}\u{fe0f}"), Some("confirm:yes"));
        assert_eq!(picked("4\u{fe0f}\u{20e3}"), None);
        assert_eq!(picked("0\u{fe0f}\u{20e3}"), None);
        assert_eq!(picked("\u{1f51f}"), None);
        assert_eq!(picked("\u{2764}\u{fe0f}"), None);
        assert_eq!(reacted(&buttons[1..], "\u{1f44d}"), None);
    }
}
