//! The adapter alone, with a fake `Conversation` that records what it gets and answers with buttons and a
//! card, against the Bot API emulator (tests/telegram/emulator.mjs): no root crate involved.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auskunft_channel::{
    BoxFuture, Button, Card, Conversation, ConversationError, Inbound, InboundContent, IntentMatch,
    Link, Message, Reply,
};
use auskunft_telegram::{MemoryLog, Mode, TelegramAdapter, TelegramSettings};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

const TOKEN: &str = "7000002:fake-conversation-token";
const LONG_ACTION: &str =
    "form:notice.pay?kassenzeichen=5550001234&signature=0123456789abcdef0123456789abcdef";

/// Records every inbound and answers with a card, a short and a long button.
#[derive(Default)]
struct Fake {
    seen: Mutex<Vec<Inbound>>,
}

impl Conversation for Fake {
    fn handle(&self, inbound: Inbound) -> BoxFuture<'_, Result<Reply, ConversationError>> {
        let conversation = inbound.conversation.clone().unwrap_or_default();
        let lang = inbound.lang_hint.clone().unwrap_or_else(|| "de".into());
        let broken = inbound.content == InboundContent::Text("kaputt".into());
        self.seen.lock().unwrap().push(inbound);
        Box::pin(async move {
            if broken {
                return Err(ConversationError::Internal {
                    correlation_id: "c0ffee".into(),
                });
            }
            Ok(Reply {
                conversation,
                lang,
                intent: IntentMatch {
                    name: "service.info".into(),
                    confidence: 1.0,
                },
                service: None,
                messages: vec![Message {
                    text: "Hundesteuer\nDie Steuer <für> Hunde & Katzen.".into(),
                    card: Some(Card {
                        title: "Hundesteuer".into(),
                        passage: "Die Steuer <für> Hunde & Katzen.".into(),
                        fees: Vec::new(),
                        documents: Vec::new(),
                        office: None,
                        link: Some(Link {
                            label: "Online anmelden".into(),
                            url: "https://amt24.sachsen.de/".into(),
                        }),
                        source_url: "https://www.leipzig.de/".into(),
                        as_of: "2026-11-23".into(),
                        source_note: None,
                    }),
                    buttons: vec![
                        Button {
                            label: "Kurz".into(),
                            action: "details:hundesteuer".into(),
                        },
                        Button {
                            label: "Lang".into(),
                            action: LONG_ACTION.into(),
                        },
                    ],
                    image: None,
                }],
                handoff: false,
                turn: 1,
            })
        })
    }
}

async fn emulator() -> (tokio::process::Child, String) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/telegram");
    let setup = std::process::Command::new("bash")
        .arg(dir.join("setup.sh"))
        .status()
        .unwrap();
    assert!(setup.success());
    let mut child = tokio::process::Command::new("node")
        .arg(dir.join("emulator.mjs"))
        .args(["0", TOKEN])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .await
        .unwrap();
    let port = line.trim().strip_prefix("listening ").unwrap().to_string();
    (child, format!("http://127.0.0.1:{port}"))
}

async fn call(url: &str, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{url}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn wait_for(fake: &Fake, count: usize) {
    for _ in 0..100 {
        if fake.seen.lock().unwrap().len() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the conversation got {} of {count} inbounds",
        fake.seen.lock().unwrap().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_become_inbounds_and_replies_become_telegram_messages() {
    let (_emulator, url) = emulator().await;
    let fake = Arc::new(Fake::default());
    let adapter = TelegramAdapter::start(
        TelegramSettings {
            token: TOKEN.into(),
            api_url: Some(url.clone()),
            public_url: "http://127.0.0.1:9".into(),
            mode: Mode::Polling,
        },
        fake.clone(),
        Arc::new(MemoryLog::default()),
    )
    .await
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let polling = tokio::spawn(adapter.poll(async move {
        let _ = stopped.await;
    }));

    let chat = 4301;
    call(
        &url,
        "/client/sendMessage",
        json!({"botToken": TOKEN, "chatId": chat, "text": "Hundesteuer?", "languageCode": "en-GB"}),
    )
    .await;
    wait_for(&fake, 1).await;
    // The reply: the card's title in bold, the text escaped, buttons and the online link as a keyboard.
    let mut messages = Vec::new();
    for _ in 0..50 {
        messages = call(
            &url,
            "/client/messages",
            json!({"botToken": TOKEN, "chatId": chat}),
        )
        .await["result"]
            .as_array()
            .unwrap()
            .clone();
        if !messages.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let reply = &messages[0];
    assert_eq!(
        reply["text"],
        "<b>Hundesteuer</b>\nDie Steuer &lt;für&gt; Hunde &amp; Katzen."
    );
    let rows = reply["reply_markup"]["inline_keyboard"].as_array().unwrap();
    assert_eq!(rows[0][0]["callback_data"], "details:hundesteuer");
    let long = rows[1][0]["callback_data"].as_str().unwrap();
    assert!(
        long.len() <= 64,
        "callback data fits Telegram's 64 bytes: {long}"
    );
    assert_eq!(rows[2][0]["url"], "https://amt24.sachsen.de/");

    // A long button's action comes back whole; a location and a /start deep link too.
    call(
        &url,
        "/client/sendCallback",
        json!({"botToken": TOKEN, "chatId": chat, "messageId": reply["message_id"], "data": long}),
    )
    .await;
    call(&url, "/client/sendMessage", json!({"botToken": TOKEN, "chatId": chat, "location": {"latitude": 51.34, "longitude": 12.37}})).await;
    call(
        &url,
        "/client/sendMessage",
        json!({"botToken": TOKEN, "chatId": chat, "text": "/start n_5550001234_abcDEF123"}),
    )
    .await;
    call(
        &url,
        "/client/sendMessage",
        json!({"botToken": TOKEN, "chatId": chat, "text": "/sprache uk"}),
    )
    .await;
    call(
        &url,
        "/client/sendMessage",
        json!({"botToken": TOKEN, "chatId": chat, "photoBase64": "iVBORw0KGgoAAAANSUhEUg=="}),
    )
    .await;
    // A failing turn gets a polite answer and does not stop the next updates.
    for text in ["kaputt", "/help", "/abbrechen"] {
        call(
            &url,
            "/client/sendMessage",
            json!({"botToken": TOKEN, "chatId": chat, "text": text}),
        )
        .await;
    }
    wait_for(&fake, 9).await;
    let mut polite = false;
    for _ in 0..50 {
        let answers = call(
            &url,
            "/client/messages",
            json!({"botToken": TOKEN, "chatId": chat}),
        )
        .await;
        polite = answers["result"].as_array().unwrap().iter().any(|m| {
            m["text"]
                .as_str()
                .is_some_and(|t| t.contains("nicht geklappt"))
        });
        if polite {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(polite, "a failed turn is answered politely");
    let _ = stop.send(());
    polling.await.unwrap();

    let seen = fake.seen.lock().unwrap();
    assert_eq!(seen[0].content, InboundContent::Text("Hundesteuer?".into()));
    assert_eq!(seen[0].conversation.as_deref(), Some("4301"));
    assert_eq!(
        seen[0].lang_hint.as_deref(),
        Some("en"),
        "the user's language"
    );
    assert_eq!(seen[1].content, InboundContent::Action(LONG_ACTION.into()));
    assert_eq!(
        seen[2].content,
        InboundContent::Location {
            latitude: 51.34,
            longitude: 12.37
        }
    );
    assert_eq!(
        seen[3].content,
        InboundContent::Action(
            "form:notice.pay?kassenzeichen=5550001234&signature=abcDEF123".into()
        )
    );
    assert_eq!(seen[4].content, InboundContent::Text("/sprache uk".into()));
    assert_eq!(
        seen[4].lang_hint.as_deref(),
        Some("uk"),
        "the chosen language"
    );
    match &seen[5].content {
        InboundContent::Image { mime, bytes } => {
            assert_eq!(mime, "image/png");
            assert!(bytes.starts_with(b"\x89PNG"));
        }
        other => panic!("expected the photo, got {other:?}"),
    }
    assert_eq!(seen[5].lang_hint.as_deref(), Some("uk"), "the choice holds");
    assert_eq!(
        seen[7].content,
        InboundContent::Text("Was kannst du?".into())
    );
    assert_eq!(seen[8].content, InboundContent::Text("abbrechen".into()));
}
