//! The Matrix channel end to end against a real Synapse homeserver from PyPI (installed into a virtual
//! environment by tests/matrix/setup.sh, started on loopback with a generated configuration, users
//! registered by shared secret). A citizen account, driven by a second matrix-sdk client with its own
//! device and keys, invites the bot, asks, picks numbered options (by number, by label, by reaction),
//! books an appointment, gets the calendar file, shares a location and a photo of a notice's QR code, and
//! is answered by an agent from the console; the bot is restarted in the middle (and is away while the
//! citizen writes), the homeserver is restarted too, and the conversation goes on. All of it in an
//! unencrypted and in an encrypted room.
#![cfg(feature = "matrix")]
#![recursion_limit = "256"]

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use auskunft_matrix::matrix_sdk::attachment::AttachmentConfig;
use auskunft_matrix::matrix_sdk::config::SyncSettings;
use auskunft_matrix::matrix_sdk::ruma::api::client::room::Visibility;
use auskunft_matrix::matrix_sdk::ruma::api::client::room::create_room::v3::{
    Request as CreateRoom, RoomPreset,
};
use auskunft_matrix::matrix_sdk::ruma::events::InitialStateEvent;
use auskunft_matrix::matrix_sdk::ruma::events::reaction::ReactionEventContent;
use auskunft_matrix::matrix_sdk::ruma::events::relation::Annotation;
use auskunft_matrix::matrix_sdk::ruma::events::room::MediaSource;
use auskunft_matrix::matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
use auskunft_matrix::matrix_sdk::ruma::events::room::message::{
    ImageMessageEventContent, LocationMessageEventContent, MessageType,
    OriginalSyncRoomMessageEvent, RoomMessageEventContent,
};
use auskunft_matrix::matrix_sdk::ruma::{OwnedEventId, OwnedMxcUri, OwnedUserId};
use auskunft_matrix::matrix_sdk::{Client, LoopCtrl, Room, RoomMemberships};
use common::{Agent, TestApp, agent_account, spawn_with, test_settings};
use serde_json::{Value, json};

const BOT_PASSWORD: &str = "bot-password-0123456789";
const CITIZEN_PASSWORD: &str = "citizen-password-0123456789";
const ADMIN_TOKEN: &str = "back-office-token-0123456789";

/// A Synapse homeserver, stopped when dropped.
struct Synapse {
    child: std::sync::Mutex<Child>,
    url: String,
    venv: String,
    dir: tempfile::TempDir,
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn synapse() -> Synapse {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/matrix");
    let setup = Command::new("bash")
        .arg(here.join("setup.sh"))
        .output()
        .expect("bash runs tests/matrix/setup.sh");
    assert!(
        setup.status.success(),
        "setup.sh: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let venv = String::from_utf8_lossy(&setup.stdout).trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    for name in ["homeserver.yaml", "log.yaml"] {
        let template = std::fs::read_to_string(here.join(format!("{name}.in"))).unwrap();
        let text = template
            .replace("@DIR@", &dir.path().display().to_string())
            .replace("@PORT@", &port.to_string());
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let config = dir.path().join("homeserver.yaml");
    let python = format!("{venv}/bin/python");
    let keys = Command::new(&python)
        .args(["-m", "synapse.app.homeserver", "-c"])
        .arg(&config)
        .arg("--generate-keys")
        .output()
        .unwrap();
    assert!(
        keys.status.success(),
        "{}",
        String::from_utf8_lossy(&keys.stderr)
    );
    let synapse = Synapse {
        child: std::sync::Mutex::new(start_synapse(&venv, dir.path())),
        url: format!("http://127.0.0.1:{port}"),
        venv,
        dir,
    };
    synapse.wait_until_up().await;
    synapse
}

fn start_synapse(venv: &str, dir: &std::path::Path) -> Child {
    Command::new(format!("{venv}/bin/python"))
        .args(["-m", "synapse.app.homeserver", "-c"])
        .arg(dir.join("homeserver.yaml"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

impl Synapse {
    async fn wait_until_up(&self) {
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(response) = client.get(format!("{}/health", self.url)).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("Synapse did not come up");
    }

    /// Stops the homeserver (SIGTERM), keeps it away for `away`, and starts it again on the same port
    /// with the same database: the clients' syncs fail meanwhile.
    async fn restart(&self, away: Duration) {
        {
            let mut child = self.child.lock().unwrap();
            let stopped = Command::new("kill")
                .arg(child.id().to_string())
                .status()
                .unwrap();
            assert!(stopped.success());
            child.wait().unwrap();
        }
        tokio::time::sleep(away).await;
        *self.child.lock().unwrap() = start_synapse(&self.venv, self.dir.path());
        self.wait_until_up().await;
    }

    fn register(&self, user: &str, password: &str) {
        let output = Command::new(format!("{}/bin/register_new_matrix_user", self.venv))
            .args([
                "-u",
                user,
                "-p",
                password,
                "--no-admin",
                "-k",
                "test-registration-secret",
            ])
            .arg(&self.url)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "register {user}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The citizen: a matrix-sdk client with its own device, keys and store (it can encrypt), syncing in
/// the background and collecting what the bot sends.
struct Citizen {
    client: Client,
    bot: OwnedUserId,
    room: Option<Room>,
    received: Arc<std::sync::Mutex<Vec<(OwnedEventId, RoomMessageEventContent)>>>,
    seen: usize,
    _store: tempfile::TempDir,
}

/// A message from the bot: its event id and content.
struct FromBot {
    event_id: OwnedEventId,
    content: RoomMessageEventContent,
}

impl FromBot {
    fn body(&self) -> &str {
        self.content.body()
    }

    fn html(&self) -> String {
        match &self.content.msgtype {
            MessageType::Notice(notice) => notice
                .formatted
                .as_ref()
                .map(|f| f.body.clone())
                .unwrap_or_default(),
            _ => String::new(),
        }
    }
}

impl Citizen {
    async fn login(synapse: &Synapse, user: &str, bot: &str) -> Citizen {
        let store = tempfile::tempdir().unwrap();
        let client = Client::builder()
            .homeserver_url(&synapse.url)
            .sqlite_store(store.path(), None)
            .build()
            .await
            .unwrap();
        client
            .matrix_auth()
            .login_username(user, CITIZEN_PASSWORD)
            .send()
            .await
            .unwrap();
        let bot: OwnedUserId = bot.try_into().unwrap();
        let received = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        let from = bot.clone();
        client.add_event_handler(move |event: OriginalSyncRoomMessageEvent| {
            let sink = Arc::clone(&sink);
            let from = from.clone();
            async move {
                if event.sender == from {
                    sink.lock().unwrap().push((event.event_id, event.content));
                }
            }
        });
        client.sync_once(SyncSettings::default()).await.unwrap();
        let syncing = client.clone();
        // Like a real client, the citizen's keeps syncing when the homeserver is briefly away.
        tokio::spawn(async move {
            let _ = syncing
                .sync_with_result_callback(SyncSettings::default(), |result| async move {
                    if result.is_err() {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Ok(LoopCtrl::Continue)
                })
                .await;
        });
        Citizen {
            client,
            bot,
            room: None,
            received,
            seen: 0,
            _store: store,
        }
    }

    /// Creates a direct room (encrypted or not), says `before` there if given, invites the bot and
    /// waits until it has joined.
    async fn open_room(&mut self, encrypted: bool, before: Option<&str>) {
        let mut request = CreateRoom::new();
        request.is_direct = true;
        request.preset = Some(RoomPreset::PrivateChat);
        request.visibility = Visibility::Private;
        if encrypted {
            request.initial_state = vec![
                InitialStateEvent::with_empty_state_key(
                    RoomEncryptionEventContent::with_recommended_defaults(),
                )
                .to_raw_any(),
            ];
        }
        let room = self.client.create_room(request).await.unwrap();
        assert_eq!(
            room.latest_encryption_state().await.unwrap().is_encrypted(),
            encrypted
        );
        self.room = Some(room.clone());
        if let Some(text) = before {
            self.say(text).await;
        }
        room.invite_user_by_id(&self.bot).await.unwrap();
        for _ in 0..150 {
            let members = room.members_no_sync(RoomMemberships::JOIN).await.unwrap();
            if members
                .iter()
                .any(|m| m.user_id().as_str() == self.bot.as_str())
            {
                // The citizen's client fetches the bot's device keys on the first encrypted send.
                tokio::time::sleep(Duration::from_millis(500)).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the bot did not join");
    }

    fn room(&self) -> &Room {
        self.room.as_ref().expect("a room is open")
    }

    async fn send(&self, content: RoomMessageEventContent) {
        self.room().send(content).await.unwrap();
    }

    async fn say(&self, text: &str) {
        self.send(RoomMessageEventContent::text_plain(text)).await;
    }

    async fn share_location(&self, geo_uri: &str) {
        let location = LocationMessageEventContent::new("Standort".into(), geo_uri.into());
        self.send(RoomMessageEventContent::new(MessageType::Location(
            location,
        )))
        .await;
    }

    async fn send_image(&self, png: Vec<u8>) {
        let png_type: mime::Mime = "image/png".parse().unwrap();
        self.room()
            .send_attachment("qr.png", &png_type, png, AttachmentConfig::new())
            .await
            .unwrap();
    }

    async fn react(&self, event_id: &OwnedEventId, key: &str) {
        let reaction = ReactionEventContent::new(Annotation::new(event_id.clone(), key.into()));
        self.room().send(reaction).await.unwrap();
    }

    /// Waits for the bot's next message whose body contains `needle`.
    async fn expect(&mut self, needle: &str) -> FromBot {
        for _ in 0..200 {
            {
                let received = self.received.lock().unwrap();
                if let Some((index, (event_id, content))) = received
                    .iter()
                    .enumerate()
                    .skip(self.seen)
                    .find(|(_, (_, c))| c.body().contains(needle))
                {
                    self.seen = index + 1;
                    return FromBot {
                        event_id: event_id.clone(),
                        content: content.clone(),
                    };
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no bot message with {needle:?}; new ones: {:#?}",
            self.bodies()[self.seen..].to_vec()
        );
    }

    /// Everything the bot said in this room so far.
    fn bodies(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|(_, c)| c.body().to_string())
            .collect()
    }

    async fn download(&self, content: &RoomMessageEventContent) -> (bool, Vec<u8>) {
        let MessageType::File(file) = &content.msgtype else {
            panic!("not a file: {content:?}");
        };
        let encrypted = matches!(file.source, MediaSource::Encrypted(_));
        let bytes = self
            .client
            .media()
            .get_file(file, false)
            .await
            .unwrap()
            .expect("the file has content");
        (encrypted, bytes)
    }
}

/// How the bot signs in.
enum BotLogin {
    Password,
    /// An access token made for it beforehand (its own device).
    AccessToken(String),
}

async fn app_for(synapse: &Synapse, login: &BotLogin, data_dir: Arc<tempfile::TempDir>) -> TestApp {
    let mut settings = test_settings(&data_dir);
    let port = free_port();
    settings.server.port = port;
    settings.notices.public_url = format!("http://127.0.0.1:{port}");
    settings.admin.token = Some(ADMIN_TOKEN.into());
    settings.agents.accounts = vec![agent_account()];
    settings.matrix.homeserver = Some(synapse.url.clone());
    settings.matrix.user = "auskunft".into();
    match login {
        BotLogin::Password => settings.matrix.password = Some(BOT_PASSWORD.into()),
        BotLogin::AccessToken(token) => settings.matrix.access_token = Some(token.clone()),
    }
    settings.matrix.store_dir = data_dir.path().join("matrix");
    spawn_with(settings, data_dir).await
}

/// An access token for the bot's account, as an operator would create one (a login of its own).
async fn bot_access_token(synapse: &Synapse) -> String {
    let login: Value = reqwest::Client::new()
        .post(format!("{}/_matrix/client/v3/login", synapse.url))
        .json(&json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "auskunft"},
            "password": BOT_PASSWORD, "initial_device_display_name": "Auskunft (token)"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"].as_str().expect("login").to_string()
}

/// How the citizen picks options in a scenario.
#[derive(Clone, Copy, PartialEq)]
enum Picking {
    /// Typing the option's number.
    Numbers,
    /// Typing the label, reacting with a keycap digit, confirming with 👍.
    LabelsAndReactions,
}

/// The whole conversation: question, booking across a restart (with a message while the bot is away),
/// calendar file, a homeserver restart, location, QR photo, `!sprache` across a second restart, an
/// agent's reply. Returns nothing; panics with what was missing.
async fn converse(
    synapse: &Synapse,
    login: BotLogin,
    citizen: &str,
    encrypted: bool,
    picking: Picking,
) {
    synapse.register(citizen, CITIZEN_PASSWORD);
    let bot = "@auskunft:localhost";
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let app = app_for(synapse, &login, Arc::clone(&data_dir)).await;
    let mut erika = Citizen::login(synapse, citizen, bot).await;
    // What was said before the bot joined is history, not a question (only readable unencrypted).
    let before = (!encrypted).then_some("Was kostet ein Reisepass?");
    erika.open_room(encrypted, before).await;

    erika.say("Was kostet ein Personalausweis?").await;
    let card = erika.expect("46,00").await;
    assert_eq!(card.content.msgtype(), "m.notice");
    assert!(
        card.html().starts_with("<b>Personalausweis beantragen</b>"),
        "{}",
        card.html()
    );
    assert!(
        !erika.bodies().iter().any(|b| b.contains("70,00")),
        "the question from before the bot joined was answered: {:?}",
        erika.bodies()
    );
    // Booking: the office, then a time.
    erika
        .say("Ich brauche einen Termin für einen Reisepass")
        .await;
    let offices = erika.expect("In welchem Bürgerbüro").await;
    let line = offices
        .body()
        .lines()
        .find(|l| l.contains("Bürgerbüro Mitte"))
        .expect("Bürgerbüro Mitte is offered")
        .to_string();
    assert!(
        offices.html().contains("<ol start=\"1\">"),
        "{}",
        offices.html()
    );
    match picking {
        Picking::Numbers => erika.say(line.split('.').next().unwrap()).await,
        Picking::LabelsAndReactions => erika.say("bürgerbüro mitte").await,
    }
    let times = erika.expect("Welche Zeit passt Ihnen").await;

    // The bot is away while the citizen picks a time (the offered options and, in the encrypted room,
    // the keys are in its store); after the restart it answers that once.
    let settings = app.settings.clone();
    app.stop().await;
    match picking {
        Picking::Numbers => erika.say("1").await,
        Picking::LabelsAndReactions => erika.react(&times.event_id, "1\u{fe0f}\u{20e3}").await,
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let app = spawn_with(settings, Arc::clone(&data_dir)).await;
    erika.expect("Auf welchen Namen").await;
    erika.say("Erika Mustermann").await;
    erika.expect("E-Mail-Adresse").await;
    erika.say("erika.mustermann@example.org").await;
    let summary = erika.expect("Stimmt das so?").await;
    match picking {
        Picking::Numbers => erika.say("1").await,
        Picking::LabelsAndReactions => erika.react(&summary.event_id, "\u{1f44d}").await,
    }
    erika.expect("Ihr Termin ist gebucht").await;
    let file = erika.expect(".ics").await;
    assert_eq!(file.content.msgtype(), "m.file");
    let (file_encrypted, ics) = erika.download(&file.content).await;
    assert_eq!(file_encrypted, encrypted, "the calendar file's encryption");
    assert!(String::from_utf8_lossy(&ics).contains("BEGIN:VCALENDAR"));
    let asked_name = erika
        .bodies()
        .iter()
        .filter(|b| b.contains("Auf welchen Namen"))
        .count();
    assert_eq!(
        asked_name,
        1,
        "the time was answered once: {:?}",
        erika.bodies()
    );

    // The homeserver goes away for a while (its syncs fail) and comes back: the bot retries and the
    // conversation goes on.
    synapse.restart(Duration::from_secs(3)).await;

    // A pothole with a location.
    erika
        .say("In unserer Straße ist ein großes Schlagloch")
        .await;
    erika.expect("Wo genau ist das?").await;
    erika.share_location("geo:51.3397,12.3731;u=10").await;
    erika.expect("Beschreiben Sie das Problem").await;

    // A photo of a notice's QR code.
    erika.say("!abbrechen").await;
    let created = app
        .client
        .post(format!("{}/api/v1/admin/notices", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({
            "kassenzeichen": "5550001234", "subject": "Hundesteuer 2027", "amount_cents": 4650,
            "due_date": "2027-01-15", "issued_on": "2026-11-18", "delivered_on": "2026-11-20",
            "office": "Steueramt", "iban_account": "DE89 3704 0044 0532 0130 00",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let png = app
        .client
        .get(format!(
            "{}/api/v1/admin/notices/5550001234/qr.png",
            app.address
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    // An image the homeserver does not have: a polite answer, and the next events are still handled.
    let missing = ImageMessageEventContent::plain(
        "qr.png".into(),
        OwnedMxcUri::from("mxc://localhost/nichtvorhanden"),
    );
    erika
        .send(RoomMessageEventContent::new(MessageType::Image(missing)))
        .await;
    erika.expect("Das Bild konnte ich nicht laden").await;
    erika.send_image(png).await;
    erika.expect("Hundesteuer 2027").await;

    // `!sprache en` holds across a restart of the bot: a German word is answered in English.
    erika.say("!sprache en").await;
    erika.expect("").await;
    let settings = app.settings.clone();
    app.stop().await;
    let app = spawn_with(settings, Arc::clone(&data_dir)).await;
    erika.say("Personalausweis").await;
    erika.expect("Apply for an identity card").await;
    erika.say("!sprache de").await;
    erika.expect("").await;

    // A person takes over from the console; the agent's reply reaches the room.
    erika.say("Ich möchte mit einem Mitarbeiter sprechen").await;
    erika.expect("115").await;
    let room_id = erika.room().room_id().to_string();
    Agent::login(&app)
        .await
        .take_and_write(
            "matrix",
            &room_id,
            "Guten Tag, hier ist das Bürgertelefon <115>.",
        )
        .await;
    let reply = erika.expect("Bürgertelefon").await;
    assert!(
        reply.body().starts_with("agentin.mueller: "),
        "{}",
        reply.body()
    );
    // Text is escaped in the HTML body, never markup.
    assert!(reply.html().contains("&lt;115&gt;"), "{}", reply.html());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_talks_to_the_bot_in_an_unencrypted_room_across_a_restart() {
    let synapse = synapse().await;
    synapse.register("auskunft", BOT_PASSWORD);
    converse(
        &synapse,
        BotLogin::Password,
        "erika",
        false,
        Picking::Numbers,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_talks_to_the_bot_in_an_encrypted_room_across_a_restart() {
    let synapse = synapse().await;
    synapse.register("auskunft", BOT_PASSWORD);
    let token = bot_access_token(&synapse).await;
    converse(
        &synapse,
        BotLogin::AccessToken(token),
        "lena",
        true,
        Picking::LabelsAndReactions,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_access_token_stops_the_start_with_a_reason() {
    let synapse = synapse().await;
    synapse.register("auskunft", BOT_PASSWORD);
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    settings.matrix.homeserver = Some(synapse.url.clone());
    settings.matrix.access_token = Some("syt_not_a_token".into());
    settings.matrix.store_dir = data_dir.path().join("matrix");
    let error = match auskunft::startup::Application::build(&settings).await {
        Ok(_) => panic!("the application started with a wrong token"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("matrix.access_token"), "{error}");
    assert!(
        !error.contains("syt_not_a_token"),
        "the token is in the error: {error}"
    );
}
