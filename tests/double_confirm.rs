//! A confirmation sent twice at once (a double tap on "Ja", a retried slow request, two tabs), also through
//! two instances on one database: one appointment, one report, one certificate order, never two.

mod common;

use std::sync::Arc;

use auskunft::config::Settings;
use common::{TestApp, drop_schema, postgres_schema, spawn_with, test_settings};
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "counter-staff-token-0123456789";

/// How many "Ja" are sent at once.
const CONFIRMATIONS: usize = 6;

fn settings_for(url: Option<&str>, dir: &tempfile::TempDir) -> Settings {
    let mut settings = test_settings(dir);
    if let Some(url) = url {
        settings.database.url = url.to_string();
    }
    settings.admin.token = Some(ADMIN_TOKEN.to_string());
    settings
}

/// Two instances on one database (SQLite file or PostgreSQL schema).
async fn two_instances(url: Option<&str>) -> (TestApp, TestApp) {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let first = spawn_with(settings_for(url, &dir), Arc::clone(&dir)).await;
    let second = spawn_with(settings_for(url, &dir), dir).await;
    (first, second)
}

async fn say(app: &TestApp, session: &str, body: Value) -> Value {
    let mut body = body;
    body["session_id"] = json!(session);
    let (status, reply) = app.chat(body).await;
    assert_eq!(status, 200, "{reply}");
    reply
}

fn last_text(reply: &Value) -> String {
    reply["messages"].as_array().unwrap().last().unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Sends "Ja" `CONFIRMATIONS` times at once, alternating between the instances; every answer is a
/// polite 200.
async fn confirm_at_once(first: &TestApp, second: &TestApp, session: &str) -> Vec<Value> {
    let replies = futures::future::join_all((0..CONFIRMATIONS).map(|i| {
        let app = if i % 2 == 0 { first } else { second };
        let body = if i % 3 == 0 {
            json!({"text": "ja"})
        } else {
            json!({"action": "confirm:yes"})
        };
        say(app, session, body)
    }))
    .await;
    for reply in &replies {
        assert!(
            !reply["messages"].as_array().unwrap().is_empty(),
            "every turn answers: {reply}"
        );
    }
    replies
}

async fn admin_get(app: &TestApp, path: &str) -> Value {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn one_appointment(first: &TestApp, second: &TestApp) {
    let opening = first
        .ask(None, "Ich brauche einen Termin für einen Personalausweis")
        .await;
    let session = opening["session_id"].as_str().unwrap().to_string();
    let times = say(
        first,
        &session,
        json!({"action": "slot:office:buergerbuero-mitte"}),
    )
    .await;
    let action = times["messages"].as_array().unwrap().last().unwrap()["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["action"].as_str().unwrap().to_string())
        .find(|a| a.starts_with("slot:start:"))
        .expect("free times at Bürgerbüro Mitte are offered");
    say(first, &session, json!({"action": action})).await;
    say(first, &session, json!({"text": "Doppelt Tipper"})).await;
    let summary = say(first, &session, json!({"text": "tipper@example.org"})).await;
    assert!(
        last_text(&summary).contains("Doppelt Tipper"),
        "{}",
        last_text(&summary)
    );
    let date = regex::Regex::new(r"(\d{2})\.(\d{2})\.(\d{4})")
        .unwrap()
        .captures(&last_text(&summary))
        .map(|c| format!("{}-{}-{}", &c[3], &c[2], &c[1]))
        .expect("the summary names the day");
    let replies = confirm_at_once(first, second, &session).await;
    let list = admin_get(
        first,
        &format!("/api/v1/admin/appointments?office=buergerbuero-mitte&date={date}"),
    )
    .await;
    let said: Vec<String> = replies.iter().map(last_text).collect();
    let mine: Vec<&Value> = list["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == "Doppelt Tipper")
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "one appointment, not several: {list}\nsummary: {}\nreplies: {said:#?}",
        last_text(&summary)
    );
    assert_eq!(mine[0]["status"], "confirmed", "{list}");
}

async fn one_report(first: &TestApp, second: &TestApp) {
    let opening = first.ask(None, "Ich möchte ein Schlagloch melden").await;
    let session = opening["session_id"].as_str().unwrap().to_string();
    let mut reply = opening;
    if last_text(&reply).contains("Was möchten Sie melden") {
        reply = say(first, &session, json!({"action": "slot:category:pothole"})).await;
    }
    assert!(last_text(&reply).contains("Wo genau"), "{reply}");
    say(first, &session, json!({"text": "Gießerstraße 20"})).await;
    let summary = say(
        first,
        &session,
        json!({"text": "Tiefes Loch vor der Einfahrt, doppelt bestätigt"}),
    )
    .await;
    assert!(last_text(&summary).contains("Stimmt das so?"), "{summary}");
    confirm_at_once(first, second, &session).await;
    let (status, list) = first.get("/open311/v2/requests.json").await;
    assert_eq!(status, 200, "{list}");
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["description"] == "Tiefes Loch vor der Einfahrt, doppelt bestätigt")
        .count();
    assert_eq!(mine, 1, "one report, not several: {list}");
}

async fn one_certificate_order(first: &TestApp, second: &TestApp) {
    let opening = first.ask(None, "Ich brauche meine Geburtsurkunde").await;
    let session = opening["session_id"].as_str().unwrap().to_string();
    // Answers whatever the form asks: a button where one fits, else the value for the question.
    let mut reply = opening;
    for _ in 0..12 {
        let text = last_text(&reply);
        if text.contains("Soll ich die Bestellung") {
            break;
        }
        let buttons: Vec<String> = reply["messages"].as_array().unwrap().last().unwrap()["buttons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["action"].as_str().unwrap().to_string())
            .collect();
        let press = [
            "slot:relation:self",
            "slot:multilingual:no",
            "slot:register_number:unknown",
            "slot:delivery:pickup",
            "slot:copies:1",
        ]
        .into_iter()
        .find(|a| buttons.iter().any(|b| b == a));
        let step = match press {
            Some(action) => json!({"action": action}),
            None if text.contains("Wann") => json!({"text": "14.03.1990"}),
            None if text.contains("E-Mail") => json!({"text": "greta@example.org"}),
            None => json!({"text": "Greta Doppelklick"}),
        };
        reply = say(first, &session, step).await;
    }
    assert!(
        last_text(&reply).contains("Soll ich die Bestellung"),
        "{reply}"
    );
    confirm_at_once(first, second, &session).await;
    let list = admin_get(first, "/api/v1/admin/certificates/orders").await;
    let mine = list["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["person_name"] == "Greta Doppelklick")
        .count();
    assert_eq!(mine, 1, "one order, not several: {list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_confirmation_sent_six_times_at_once_books_reports_and_orders_once_on_sqlite() {
    let (first, second) = two_instances(None).await;
    one_appointment(&first, &second).await;
    one_report(&first, &second).await;
    one_certificate_order(&first, &second).await;
    second.stop().await;
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_confirmation_sent_six_times_at_once_books_reports_and_orders_once_on_postgres() {
    let (url, schema, admin) = postgres_schema().await;
    let (first, second) = two_instances(Some(&url)).await;
    one_appointment(&first, &second).await;
    one_report(&first, &second).await;
    one_certificate_order(&first, &second).await;
    second.stop().await;
    first.stop().await;
    drop_schema(admin, &schema).await;
}
