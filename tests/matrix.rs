//! The Matrix channel end to end against a real Synapse homeserver from PyPI (installed into a virtual
//! environment by tests/matrix/setup.sh, started on loopback with a generated configuration, users
//! registered by shared secret). A citizen account, driven through the client-server API, invites the
//! bot, asks, picks a numbered option, books an appointment, shares a location and a photo of a notice's
//! QR code; the bot is restarted in the middle and the conversation goes on.
#![cfg(feature = "matrix")]
#![recursion_limit = "256"]

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{TestApp, spawn_with, test_settings};
use serde_json::{Value, json};

const BOT_PASSWORD: &str = "bot-password-0123456789";
const CITIZEN_PASSWORD: &str = "citizen-password-0123456789";
const ADMIN_TOKEN: &str = "back-office-token-0123456789";

/// A Synapse homeserver, stopped when dropped.
struct Synapse {
    child: Child,
    url: String,
    venv: String,
    _dir: tempfile::TempDir,
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
    let mut child = Command::new(&python)
        .args(["-m", "synapse.app.homeserver", "-c"])
        .arg(&config)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(response) = client.get(format!("{url}/health")).send().await
            && response.status().is_success()
        {
            return Synapse {
                child,
                url,
                venv,
                _dir: dir,
            };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("Synapse did not come up");
}

impl Synapse {
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

/// The citizen, through the client-server API.
struct Citizen {
    client: reqwest::Client,
    url: String,
    token: String,
    room: String,
    txn: u32,
    seen: usize,
}

impl Citizen {
    async fn login(url: &str, user: &str) -> Citizen {
        let client = reqwest::Client::new();
        let login: Value = client
            .post(format!("{url}/_matrix/client/v3/login"))
            .json(&json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}, "password": CITIZEN_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Citizen {
            client,
            url: url.to_string(),
            token: login["access_token"].as_str().expect("login").to_string(),
            room: String::new(),
            txn: 0,
            seen: 0,
        }
    }

    async fn open_room(&mut self, bot: &str) {
        let room: Value = self
            .client
            .post(format!("{}/_matrix/client/v3/createRoom", self.url))
            .bearer_auth(&self.token)
            .json(&json!({"invite": [bot], "is_direct": true, "preset": "private_chat"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        self.room = room["room_id"].as_str().expect("room").to_string();
        // Wait until the bot has joined.
        for _ in 0..100 {
            let members: Value = self
                .client
                .get(format!(
                    "{}/_matrix/client/v3/rooms/{}/joined_members",
                    self.url,
                    urlencode(&self.room)
                ))
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if members["joined"].get(bot).is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the bot did not join");
    }

    async fn send(&mut self, content: Value) {
        self.txn += 1;
        let status = self
            .client
            .put(format!(
                "{}/_matrix/client/v3/rooms/{}/send/m.room.message/t{}",
                self.url,
                urlencode(&self.room),
                self.txn
            ))
            .bearer_auth(&self.token)
            .json(&content)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "{status}");
    }

    async fn say(&mut self, text: &str) {
        self.send(json!({"msgtype": "m.text", "body": text})).await;
    }

    /// The bot's messages in the room, oldest first.
    async fn bot_messages(&self, bot: &str) -> Vec<Value> {
        let page: Value = self
            .client
            .get(format!(
                "{}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=100",
                self.url,
                urlencode(&self.room)
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut messages: Vec<Value> = page["chunk"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "m.room.message" && e["sender"] == bot)
            .map(|e| e["content"].clone())
            .collect();
        messages.reverse();
        messages
    }

    /// Waits for the bot's next message whose body contains `needle`.
    async fn expect(&mut self, bot: &str, needle: &str) -> Value {
        for _ in 0..150 {
            let messages = self.bot_messages(bot).await;
            if let Some((index, found)) = messages
                .iter()
                .enumerate()
                .skip(self.seen)
                .find(|(_, m)| m["body"].as_str().is_some_and(|b| b.contains(needle)))
            {
                self.seen = index + 1;
                return found.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let bodies: Vec<String> = self
            .bot_messages(bot)
            .await
            .iter()
            .skip(self.seen)
            .map(|m| m["body"].as_str().unwrap_or("").to_string())
            .collect();
        panic!("no bot message with {needle:?}; new ones: {bodies:#?}");
    }

    async fn upload(&self, bytes: Vec<u8>) -> String {
        let uploaded: Value = self
            .client
            .post(format!(
                "{}/_matrix/media/v3/upload?filename=qr.png",
                self.url
            ))
            .bearer_auth(&self.token)
            .header("content-type", "image/png")
            .body(bytes)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        uploaded["content_uri"]
            .as_str()
            .expect("upload")
            .to_string()
    }
}

fn urlencode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn app_for(synapse: &Synapse, data_dir: Arc<tempfile::TempDir>) -> TestApp {
    let mut settings = test_settings(&data_dir);
    let port = free_port();
    settings.server.port = port;
    settings.notices.public_url = format!("http://127.0.0.1:{port}");
    settings.admin.token = Some(ADMIN_TOKEN.into());
    settings.matrix.homeserver = Some(synapse.url.clone());
    settings.matrix.user = "auskunft".into();
    settings.matrix.password = Some(BOT_PASSWORD.into());
    settings.matrix.store_dir = data_dir.path().join("matrix");
    spawn_with(settings, data_dir).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_talks_to_the_bot_in_a_matrix_room_across_a_restart() {
    let synapse = synapse().await;
    synapse.register("auskunft", BOT_PASSWORD);
    synapse.register("erika", CITIZEN_PASSWORD);
    let bot = "@auskunft:localhost";
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let app = app_for(&synapse, Arc::clone(&data_dir)).await;

    let mut erika = Citizen::login(&synapse.url, "erika").await;
    erika.open_room(bot).await;
    erika.say("Was kostet ein Personalausweis?").await;
    let card = erika.expect(bot, "46,00").await;
    assert_eq!(card["msgtype"], "m.notice");
    assert_eq!(card["format"], "org.matrix.custom.html");
    assert!(
        card["formatted_body"]
            .as_str()
            .unwrap()
            .starts_with("<b>Personalausweis beantragen</b>"),
        "{card}"
    );

    // Booking with numbered options: the office by its number, a time by its number.
    erika
        .say("Ich brauche einen Termin für einen Reisepass")
        .await;
    let offices = erika.expect(bot, "In welchem Bürgerbüro").await;
    let body = offices["body"].as_str().unwrap();
    let number = body
        .lines()
        .find(|l| l.contains("Bürgerbüro Mitte"))
        .and_then(|l| l.split('.').next())
        .expect("Bürgerbüro Mitte is offered")
        .to_string();
    erika.say(&number).await;
    erika.expect(bot, "Welche Zeit passt Ihnen").await;
    erika.say("1").await;
    erika.expect(bot, "Auf welchen Namen").await;

    // The bot restarts in the middle; the conversation goes on.
    let app = app.restart().await;
    erika.say("Erika Mustermann").await;
    erika.expect(bot, "E-Mail-Adresse").await;
    erika.say("erika.mustermann@example.org").await;
    erika.expect(bot, "Stimmt das so?").await;
    erika.say("1").await;
    erika.expect(bot, "Ihr Termin ist gebucht").await;
    let file = erika.expect(bot, ".ics").await;
    assert_eq!(file["msgtype"], "m.file", "{file}");

    // A pothole with a location.
    erika
        .say("In unserer Straße ist ein großes Schlagloch")
        .await;
    erika.expect(bot, "Wo genau ist das?").await;
    erika
        .send(
            json!({"msgtype": "m.location", "body": "Standort", "geo_uri": "geo:51.3397,12.3731"}),
        )
        .await;
    erika.expect(bot, "Beschreiben Sie das Problem").await;

    // A photo of a notice's QR code.
    erika.say("abbrechen").await;
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
    let uri = erika.upload(png).await;
    erika
        .send(json!({"msgtype": "m.image", "body": "qr.png", "url": uri, "info": {"mimetype": "image/png"}}))
        .await;
    erika.expect(bot, "Hundesteuer 2027").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_answers_in_an_encrypted_room() {
    use auskunft_matrix::matrix_sdk::Client;
    use auskunft_matrix::matrix_sdk::config::SyncSettings;
    use auskunft_matrix::matrix_sdk::ruma::OwnedUserId;
    use auskunft_matrix::matrix_sdk::ruma::api::client::room::Visibility;
    use auskunft_matrix::matrix_sdk::ruma::api::client::room::create_room::v3::{
        Request as CreateRoom, RoomPreset,
    };
    use auskunft_matrix::matrix_sdk::ruma::events::InitialStateEvent;
    use auskunft_matrix::matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
    use auskunft_matrix::matrix_sdk::ruma::events::room::message::{
        OriginalSyncRoomMessageEvent, RoomMessageEventContent,
    };

    let synapse = synapse().await;
    synapse.register("auskunft", BOT_PASSWORD);
    synapse.register("lena", CITIZEN_PASSWORD);
    let bot: OwnedUserId = "@auskunft:localhost".try_into().unwrap();
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let _app = app_for(&synapse, Arc::clone(&data_dir)).await;

    // The citizen: a second client with its own device and keys (curl cannot encrypt).
    let store = tempfile::tempdir().unwrap();
    let citizen = Client::builder()
        .homeserver_url(&synapse.url)
        .sqlite_store(store.path(), None)
        .build()
        .await
        .unwrap();
    citizen
        .matrix_auth()
        .login_username("lena", CITIZEN_PASSWORD)
        .send()
        .await
        .unwrap();
    let received = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&received);
    let from = bot.clone();
    citizen.add_event_handler(move |event: OriginalSyncRoomMessageEvent| {
        let sink = Arc::clone(&sink);
        let from = from.clone();
        async move {
            if event.sender == from {
                sink.lock().unwrap().push(event.content.body().to_string());
            }
        }
    });
    citizen.sync_once(SyncSettings::default()).await.unwrap();
    let syncing = citizen.clone();
    tokio::spawn(async move {
        let _ = syncing.sync(SyncSettings::default()).await;
    });

    let mut request = CreateRoom::new();
    request.invite = vec![bot.clone()];
    request.is_direct = true;
    request.preset = Some(RoomPreset::PrivateChat);
    request.visibility = Visibility::Private;
    request.initial_state = vec![
        InitialStateEvent::with_empty_state_key(
            RoomEncryptionEventContent::with_recommended_defaults(),
        )
        .to_raw_any(),
    ];
    let room = citizen.create_room(request).await.unwrap();
    assert!(room.latest_encryption_state().await.unwrap().is_encrypted());
    // Wait until the bot has joined.
    let token = citizen.access_token().unwrap();
    let mut joined = false;
    for _ in 0..150 {
        let members: Value = reqwest::Client::new()
            .get(format!(
                "{}/_matrix/client/v3/rooms/{}/joined_members",
                synapse.url,
                urlencode(room.room_id().as_str())
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if members["joined"].get(bot.as_str()).is_some() {
            joined = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(joined, "the bot did not join");
    // The citizen's client learns the bot's device before encrypting to it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    room.send(RoomMessageEventContent::text_plain(
        "Was kostet ein Personalausweis?",
    ))
    .await
    .unwrap();
    let mut answered = false;
    for _ in 0..150 {
        if received.lock().unwrap().iter().any(|b| b.contains("46,00")) {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        answered,
        "no decrypted answer: {:?}",
        received.lock().unwrap()
    );
}
