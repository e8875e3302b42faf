//! The Telegram channel end to end: the real server with its adapter (teloxide) against npm's
//! telegram-test-api, fronted by tests/telegram/emulator.mjs (installed by tests/telegram/setup.sh).
//! A citizen asks and gets the card, presses inline buttons, books an appointment, reports a pothole
//! with a location, sends a photo of a notice's QR code, switches to English; agents' replies reach the
//! chat; Telegram's 429 is waited out; webhook updates need the secret and are handled once.
#![cfg(feature = "telegram")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use auskunft::config::{Settings, TelegramMode};
use common::{TestApp, spawn_with, test_settings};
use serde_json::{Value, json};

const TOKEN: &str = "7000001:AAH-test-token-for-auskunft";
const ADMIN_TOKEN: &str = "back-office-token-0123456789";
const SECRET: &str = "webhook-secret-0123456789";

/// The emulator, stopped when dropped.
struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulator() -> Emulator {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/telegram");
    let setup = Command::new("bash")
        .arg(dir.join("setup.sh"))
        .status()
        .expect("bash runs tests/telegram/setup.sh");
    assert!(setup.success(), "tests/telegram/setup.sh failed");
    let mut child = Command::new("node")
        .arg(dir.join("emulator.mjs"))
        .args(["0", TOKEN])
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs the emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("the emulator said {line:?}"));
    Emulator {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn app_for(emulator: &Emulator, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    // The emulator fetches images and calendar files from the public address, as Telegram would.
    let port = free_port();
    settings.server.port = port;
    settings.notices.public_url = format!("http://127.0.0.1:{port}");
    settings.admin.token = Some(ADMIN_TOKEN.into());
    settings.telegram.token = Some(TOKEN.into());
    settings.telegram.api_url = Some(emulator.url.clone());
    configure(&mut settings);
    spawn_with(settings, data_dir).await
}

/// A citizen's chat.
struct Chat<'a> {
    emulator: &'a Emulator,
    client: reqwest::Client,
    id: i64,
    seen: usize,
}

impl Chat<'_> {
    async fn call(&self, path: &str, body: Value) -> Value {
        self.client
            .post(format!("{}{path}", self.emulator.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn say(&self, text: &str) {
        self.call(
            "/client/sendMessage",
            json!({"botToken": TOKEN, "chatId": self.id, "text": text}),
        )
        .await;
    }

    async fn messages(&self) -> Vec<Value> {
        self.call(
            "/client/messages",
            json!({"botToken": TOKEN, "chatId": self.id}),
        )
        .await["result"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Waits for the bot's next message whose text or caption contains `needle`; returns it.
    async fn expect(&mut self, needle: &str) -> Value {
        for _ in 0..100 {
            let messages = self.messages().await;
            if let Some((index, found)) =
                messages.iter().enumerate().skip(self.seen).find(|(_, m)| {
                    m["text"]
                        .as_str()
                        .or(m["caption"].as_str())
                        .is_some_and(|t| t.contains(needle))
                })
            {
                self.seen = index + 1;
                return found.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let texts: Vec<String> = self
            .messages()
            .await
            .iter()
            .skip(self.seen)
            .map(|m| {
                m["text"]
                    .as_str()
                    .or(m["caption"].as_str())
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        panic!("no bot message with {needle:?}; new ones: {texts:#?}");
    }

    /// Waits for the bot's next message with a button whose callback data starts with `prefix`.
    async fn expect_button(&mut self, prefix: &str) -> Value {
        for _ in 0..100 {
            let messages = self.messages().await;
            if let Some((index, found)) =
                messages.iter().enumerate().skip(self.seen).find(|(_, m)| {
                    m["reply_markup"]["inline_keyboard"]
                        .as_array()
                        .is_some_and(|rows| {
                            rows.iter()
                                .flat_map(|row| row.as_array().into_iter().flatten())
                                .any(|b| {
                                    b["callback_data"]
                                        .as_str()
                                        .is_some_and(|d| d.starts_with(prefix))
                                })
                        })
                })
            {
                self.seen = index + 1;
                return found.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no bot message with a button {prefix:?}");
    }

    /// Presses the inline button whose callback data starts with `prefix` on a message.
    async fn press(&self, message: &Value, prefix: &str) {
        let button = message["reply_markup"]["inline_keyboard"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().into_iter().flatten())
            .find(|b| {
                b["callback_data"]
                    .as_str()
                    .is_some_and(|d| d.starts_with(prefix))
            })
            .unwrap_or_else(|| panic!("no button {prefix:?} in {message}"));
        self.call(
            "/client/sendCallback",
            json!({"botToken": TOKEN, "chatId": self.id, "messageId": message["message_id"], "data": button["callback_data"]}),
        )
        .await;
    }
}

fn chat(emulator: &Emulator, id: i64) -> Chat<'_> {
    Chat {
        emulator,
        client: reqwest::Client::new(),
        id,
        seen: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_asks_books_reports_and_switches_language_on_telegram() {
    let emulator = emulator();
    let _app = app_for(&emulator, |_| {}).await;
    let mut erika = chat(&emulator, 4201);

    // A question: the card, escaped, with its title in bold.
    erika.say("Was kostet ein Personalausweis?").await;
    let card = erika.expect("46,00").await;
    assert!(
        card["text"]
            .as_str()
            .unwrap()
            .starts_with("<b>Personalausweis beantragen</b>"),
        "{card}"
    );
    assert_eq!(card["parse_mode"], "HTML");

    // Booking by buttons: office, time, name, e-mail, confirm; the calendar file comes as a document.
    erika
        .say("Ich brauche einen Termin für einen Reisepass")
        .await;
    let offices = erika.expect("In welchem Bürgerbüro").await;
    erika
        .press(&offices, "slot:office:buergerbuero-mitte")
        .await;
    let times = erika.expect("Welche Zeit passt Ihnen").await;
    erika.press(&times, "slot:start:").await;
    erika.expect("Auf welchen Namen").await;
    erika.say("Erika Mustermann").await;
    erika.expect("E-Mail-Adresse").await;
    erika.say("erika.mustermann@example.org").await;
    let summary = erika.expect("Stimmt das so?").await;
    erika.press(&summary, "confirm:yes").await;
    erika.expect("Ihr Termin ist gebucht").await;
    let document = erika.expect("Kalenderdatei").await;
    assert!(
        document["document"]["file_name"]
            .as_str()
            .unwrap()
            .ends_with(".ics"),
        "{document}"
    );
    assert!(
        document["document"]["mime_type"]
            .as_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = reqwest::get(format!(
        "{}/client/file/{}",
        emulator.url,
        document["document"]["file_id"].as_str().unwrap()
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(ics.contains("BEGIN:VCALENDAR"), "{ics}");

    // A pothole with the phone's location.
    erika
        .say("In unserer Straße ist ein großes Schlagloch")
        .await;
    erika.expect("Wo genau ist das?").await;
    erika
        .call(
            "/client/sendMessage",
            json!({"botToken": TOKEN, "chatId": erika.id, "location": {"latitude": 51.3397, "longitude": 12.3731}}),
        )
        .await;
    erika.expect("Beschreiben Sie das Problem").await;
    erika.say("Tiefes Loch auf dem Radweg").await;
    let report = erika
        .expect("geteilter Standort (51.339700,12.373100)")
        .await;
    erika.press(&report, "confirm:yes").await;
    erika.expect("Vorgangsnummer").await;

    // /sprache en: English from now on.
    erika.say("/sprache en").await;
    erika.expect("identity card").await;
    erika.say("What does a passport cost?").await;
    erika.expect("EUR 70.00").await;

    // Text that looks like HTML stays text.
    erika.say("<b>hallo</b> & <i>tschüss</i>").await;
    let answer = erika.messages().await.pop().unwrap();
    assert!(
        !answer["text"].as_str().unwrap_or("").contains("<i>"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_of_a_notice_qr_code_opens_the_notice() {
    let emulator = emulator();
    let app = app_for(&emulator, |_| {}).await;
    let (status, notice) = {
        let response = app
            .client
            .post(format!("{}/api/v1/admin/notices", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({
                "kassenzeichen": "5550001234",
                "subject": "Hundesteuer 2027",
                "amount_cents": 4650,
                "due_date": "2027-01-15",
                "issued_on": "2026-11-18",
                "delivered_on": "2026-11-20",
                "office": "Steueramt",
                "iban_account": "DE89 3704 0044 0532 0130 00",
            }))
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap(),
        )
    };
    assert_eq!(status, 201, "{notice}");
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
        .unwrap();
    use base64::Engine as _;
    let mut max = chat(&emulator, 4202);
    max.call(
        "/client/sendMessage",
        json!({"botToken": TOKEN, "chatId": max.id, "photoBase64": base64::engine::general_purpose::STANDARD.encode(&png)}),
    )
    .await;
    let shown = max.expect("46,50").await;
    let text = shown["text"]
        .as_str()
        .or(shown["caption"].as_str())
        .unwrap();
    assert!(text.contains("Hundesteuer 2027"), "{text}");
    let choices = max.expect_button("slot:choice:later").await;
    let buttons = choices["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap();
    assert!(
        buttons.len() >= 3,
        "pay now, pay later, objection: {choices}"
    );
    // Pay later: the GiroCode arrives as a photo the emulator fetched from the server.
    max.press(&choices, "slot:choice:later").await;
    let girocode = max.expect("GiroCode").await;
    assert!(girocode["photo"].is_array(), "{girocode}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_replies_reach_the_chat_and_telegram_429_is_waited_out() {
    let emulator = emulator();
    let app = app_for(&emulator, |s| {
        s.agents.accounts = vec![common::agent_account()];
    })
    .await;
    let mut lena = chat(&emulator, 4203);
    // Telegram says "too many requests" once: the answer still arrives, after the wait.
    lena.call(
        "/client/failNext",
        json!({"method": "sendMessage", "count": 1, "retryAfter": 1}),
    )
    .await;
    lena.say("Ich möchte mit einem Mitarbeiter sprechen").await;
    lena.expect("115").await;

    common::Agent::login(&app)
        .await
        .take_and_write(
            "telegram",
            &lena.id.to_string(),
            "Guten Tag, hier ist das Bürgertelefon <115>.",
        )
        .await;
    let reply = lena.expect("Bürgertelefon").await;
    assert!(
        reply["text"].as_str().unwrap().contains("&lt;115&gt;"),
        "escaped: {reply}"
    );
    assert!(reply["text"].as_str().unwrap().contains("agentin.mueller"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_updates_need_the_secret_and_are_handled_once() {
    let emulator = emulator();
    let app = app_for(&emulator, |s| {
        s.telegram.mode = TelegramMode::Webhook;
        s.telegram.webhook_url = Some("https://auskunft.example.org/telegram/webhook".into());
        s.telegram.webhook_secret = Some(SECRET.into());
    })
    .await;
    let update = json!({
        "update_id": 900,
        "message": {
            "message_id": 1, "date": 1795420000,
            "chat": {"id": 4204, "type": "private", "first_name": "Erika"},
            "from": {"id": 4204, "is_bot": false, "first_name": "Erika", "language_code": "de"},
            "text": "Was kostet ein Personalausweis?"
        }
    });
    let send = |secret: Option<&'static str>| {
        let app = &app;
        let update = update.clone();
        async move {
            let mut request = app
                .client
                .post(format!("{}/telegram/webhook", app.address))
                .json(&update);
            if let Some(secret) = secret {
                request = request.header("x-telegram-bot-api-secret-token", secret);
            }
            request.send().await.unwrap().status().as_u16()
        }
    };
    assert_eq!(send(None).await, 401);
    assert_eq!(send(Some("wrong-secret-0123456789")).await, 401);
    assert_eq!(send(Some(SECRET)).await, 200);
    let mut erika = chat(&emulator, 4204);
    erika.expect("46,00").await;
    // Telegram delivers the same update again (it did not see our answer): it is not answered twice.
    assert_eq!(send(Some(SECRET)).await, 200);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let answers = erika.messages().await;
    assert_eq!(answers.len(), 1, "{answers:#?}");
    // Nor after a restart on the same database.
    let app = app.restart().await;
    let status = app
        .client
        .post(format!("{}/telegram/webhook", app.address))
        .header("x-telegram-bot-api-secret-token", SECRET)
        .json(&update)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(erika.messages().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_stops_the_start_with_a_clear_message() {
    let emulator = emulator();
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    settings.telegram.token = Some("7000001:wrong".into());
    settings.telegram.api_url = Some(emulator.url.clone());
    let error = match auskunft::startup::Application::build(&settings).await {
        Ok(_) => panic!("a wrong token must stop the start"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("refused the bot token"), "{error}");
}
