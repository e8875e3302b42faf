//! The public contract end to end: the real application on port 0 with a temporary database, spoken to
//! over HTTP as a client would.

mod common;

use common::spawn_app;
use serde_json::{Value, json};

fn slug(body: &Value) -> Option<&str> {
    body["service"]["slug"].as_str()
}

#[tokio::test]
async fn a_question_gets_a_grounded_answer_card_in_the_contract_shape() {
    let app = spawn_app().await;
    let body = app
        .ask(None, "Ich brauche einen neuen Personalausweis")
        .await;

    let session_id = body["session_id"].as_str().expect("session_id");
    assert!(!session_id.is_empty());
    assert_eq!(body["lang"], "de");
    assert_eq!(body["intent"]["name"], "service.info");
    let confidence = body["intent"]["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
    assert_eq!(slug(&body), Some("personalausweis-beantragen"));
    assert_eq!(body["service"]["leika"], "99008001012000");
    assert!(
        body["service"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(body["handoff"], false);

    let message = &body["messages"][0];
    let text = message["text"].as_str().unwrap();
    assert!(text.contains("46,00 EUR"), "the card names the fee: {text}");
    assert!(
        text.contains("Stand: "),
        "the card names the as-of date: {text}"
    );
    assert_eq!(message["card"]["as_of"], "2026-12-07");
    let actions: Vec<&str> = message["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"details:personalausweis-beantragen"),
        "{actions:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_button_continues_the_same_conversation() {
    let app = spawn_app().await;
    let first = app.ask(None, "Reisepass beantragen").await;
    let session_id = first["session_id"].as_str().unwrap();
    let (status, details) = app
        .chat(json!({"session_id": session_id, "action": "details:reisepass-beantragen"}))
        .await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["session_id"], session_id);
    assert_eq!(slug(&details), Some("reisepass-beantragen"));
    assert!(
        details["messages"][0]["text"].as_str().unwrap().len()
            > first["messages"][0]["card"]["passage"]
                .as_str()
                .unwrap()
                .len()
    );
    app.stop().await;
}

#[tokio::test]
async fn out_of_scope_questions_get_the_fallback_with_no_service() {
    let app = spawn_app().await;
    for question in [
        "Wie backe ich Brot?",
        "Wer gewinnt die Bundesliga?",
        "asdfghjkl",
        "Erzähl mir einen Witz",
    ] {
        let body = app.ask(None, question).await;
        assert_eq!(body["service"], Value::Null, "{question}: {body}");
        assert_eq!(body["intent"]["name"], "fallback", "{question}: {body}");
        assert!(
            body["messages"][0]["text"]
                .as_str()
                .unwrap()
                .contains("115")
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn english_questions_are_answered_in_english() {
    let app = spawn_app().await;
    let body = app.ask(None, "How do I register my car?").await;
    assert_eq!(body["lang"], "en", "{body}");
    assert_eq!(slug(&body), Some("kfz-zulassung"));
    assert_eq!(body["service"]["title"], "Register a vehicle");
    let body = app
        .chat(json!({"text": "Fahrzeug zulassen", "lang": "en"}))
        .await
        .1;
    assert_eq!(body["lang"], "en");
    assert_eq!(body["service"]["title"], "Register a vehicle");
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_survives_a_restart() {
    let app = spawn_app().await;
    let first = app.ask(None, "Führungszeugnis beantragen").await;
    let session_id = first["session_id"].as_str().unwrap().to_string();
    let app = app.restart().await;
    let (status, next) = app
        .chat(json!({"session_id": session_id, "text": "Hundesteuer anmelden"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        next["session_id"],
        session_id.as_str(),
        "the stored session is continued after the restart"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_chat_requests_get_4xx_with_a_reason() {
    let app = spawn_app().await;
    let long = "Personalausweis ".repeat(200);
    let cases = [
        (
            json!({"text": "Hallo", "mood": "happy"}),
            422,
            "invalid_request",
            "mood",
        ),
        (json!({}), 422, "invalid_request", "text"),
        (json!({"text": "   "}), 422, "invalid_request", "empty"),
        (
            json!({"text": "Perso", "action": "details:x"}),
            422,
            "invalid_request",
            "not both",
        ),
        (json!({"text": long}), 422, "text_too_long", "3200"),
        (
            json!({"text": "Perso", "session_id": "../../etc/passwd"}),
            422,
            "invalid_request",
            "session_id",
        ),
        (
            json!({"text": "Perso", "lang": "klingon"}),
            422,
            "invalid_request",
            "klingon",
        ),
        (json!({"text": 42}), 422, "invalid_request", "text"),
        (
            json!({"text": "a\u{0000}b"}),
            422,
            "invalid_request",
            "control",
        ),
    ];
    for (body, status, code, reason) in cases {
        let (got_status, got) = app.chat(body.clone()).await;
        assert_eq!(got_status, status, "{body} -> {got}");
        assert_eq!(got["code"], code, "{body} -> {got}");
        assert!(
            got["message"].as_str().unwrap().contains(reason),
            "{body} -> {got}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn malformed_bodies_get_4xx_not_500() {
    let app = spawn_app().await;
    let url = format!("{}/api/v1/chat", app.address);
    let send = |body: Vec<u8>, content_type: &'static str| {
        let request = app
            .client
            .post(&url)
            .header("content-type", content_type)
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, body)
        }
    };
    let (status, body) = send(b"{\"text\": ".to_vec(), "application/json").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_json")),
        "{body}"
    );
    let (status, body) = send(b"text=Perso".to_vec(), "application/x-www-form-urlencoded").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (415, Some("unsupported_media_type")),
        "{body}"
    );
    // A long text is refused with its reason; a body beyond the limit (photos make it a few MiB) with 413.
    let long = format!("{{\"text\": \"{}\"}}", "x".repeat(100_000)).into_bytes();
    let (status, body) = send(long, "application/json").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("text_too_long")),
        "{body}"
    );
    let huge = format!("{{\"text\": \"{}\"}}", "x".repeat(7_000_000)).into_bytes();
    let (status, body) = send(huge, "application/json").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    let (status, body) = send(vec![0xff, 0xfe, 0x00], "application/json").await;
    assert!((400..500).contains(&status), "{status} {body}");
    app.stop().await;
}

#[tokio::test]
async fn search_ranks_the_right_service_first_and_says_how_long_it_took() {
    let app = spawn_app().await;
    let (status, body) = app
        .get("/api/v1/search?q=Perso%20verloren&lang=de&limit=3")
        .await;
    assert_eq!(status, 200, "{body}");
    let hits = body["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    assert_eq!(hits[0]["slug"], "personalausweis-verlust");
    for field in ["slug", "title", "summary", "score", "url", "leika"] {
        assert!(
            hits[0].get(field).is_some(),
            "hit lacks {field}: {}",
            hits[0]
        );
    }
    assert!(body["took_ms"].as_f64().unwrap() >= 0.0);

    let (_, english) = app.get("/api/v1/search?q=passport&lang=en").await;
    assert_eq!(english["hits"][0]["title"], "Apply for a passport");
    app.stop().await;
}

#[tokio::test]
async fn bad_searches_get_4xx_with_a_reason() {
    let app = spawn_app().await;
    for (query, status, reason) in [
        ("/api/v1/search", 422, "q is missing"),
        ("/api/v1/search?q=%20%20", 422, "q is missing"),
        ("/api/v1/search?q=Perso&limit=0", 422, "limit"),
        ("/api/v1/search?q=Perso&limit=500", 422, "limit"),
        ("/api/v1/search?q=Perso&limit=zehn", 400, "limit"),
        ("/api/v1/search?q=Perso&lang=xx", 422, "xx"),
        ("/api/v1/search?q=Perso&sort=asc", 400, "sort"),
    ] {
        let (got_status, body) = app.get(query).await;
        assert_eq!(got_status, status, "{query} -> {body}");
        assert!(
            body["message"].as_str().unwrap().contains(reason),
            "{query} -> {body}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_service_record_has_every_module_and_unknown_slugs_are_404() {
    let app = spawn_app().await;
    let (status, record) = app.get("/api/v1/services/personalausweis-beantragen").await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["leika"], "99008001012000");
    assert_eq!(record["fees"][0]["amount_cents"], 4600);
    assert!(!record["documents"].as_array().unwrap().is_empty());
    assert!(
        record["offices"].as_array().unwrap().len() >= 9,
        "every Bürgerbüro is listed: {}",
        record["offices"]
    );
    assert_eq!(record["as_of"], "2026-12-07");
    assert!(
        record["languages"]
            .as_array()
            .unwrap()
            .contains(&json!("en"))
    );

    let (_, english) = app
        .get("/api/v1/services/personalausweis-beantragen?lang=en")
        .await;
    assert_eq!(english["name"], "Apply for an identity card");
    assert_eq!(english["lang"], "en");

    let (status, body) = app.get("/api/v1/services/gibt-es-nicht").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "service_not_found");
    app.stop().await;
}

#[tokio::test]
async fn health_openapi_and_unknown_routes_answer_json() {
    let app = spawn_app().await;
    let (status, health) = app.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "sqlite");
    assert!(health["services"].as_u64().unwrap() >= 130);

    let live = app
        .client
        .get(format!("{}/livez", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status().as_u16(), 200);

    let (status, openapi) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/api/v1/chat",
        "/api/v1/search",
        "/api/v1/services/{slug}",
        "/api/v1/appointments/slots",
        "/api/v1/appointments",
        "/api/v1/appointments/{code}",
        "/api/v1/courses/{id}/registrations",
        "/api/v1/admin/appointments",
        "/api/v1/admin/notices",
        "/api/v1/notices/lookup",
        "/api/v1/notices/{kassenzeichen}/payments",
        "/api/v1/payments/callback",
        "/api/v1/notices/{kassenzeichen}/girocode.png",
        "/api/v1/notices/{kassenzeichen}/objections",
        "/healthz",
    ] {
        assert!(openapi["paths"].get(path).is_some(), "openapi lacks {path}");
    }
    assert!(
        openapi["components"]["schemas"]
            .get("ChatRequest")
            .is_some()
    );

    let (status, body) = app.get("/api/v1/nothing-here").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let response = app
        .client
        .delete(format!("{}/api/v1/chat", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    app.stop().await;
}

#[tokio::test]
async fn concurrent_turns_in_one_session_are_all_answered_and_all_stored() {
    let app = spawn_app().await;
    let first = app.ask(None, "Wohnsitz anmelden").await;
    let session_id = first["session_id"].as_str().unwrap().to_string();
    let mut turns = Vec::new();
    for question in [
        "Perso",
        "Reisepass",
        "Hundesteuer",
        "Gewerbe anmelden",
        "Führerschein umtauschen",
        "Briefwahl",
    ] {
        let client = app.client.clone();
        let url = format!("{}/api/v1/chat", app.address);
        let body = json!({"session_id": session_id, "text": question});
        turns.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for turn in turns {
        assert_eq!(turn.await.unwrap(), 200);
    }
    let pool = sqlx::SqlitePool::connect(&app.settings.database.url)
        .await
        .unwrap();
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM turns WHERE conversation = $1")
        .bind(&session_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 7, "every turn is stored exactly once");
    pool.close().await;
    app.stop().await;
}

#[tokio::test]
async fn offices_are_listed_with_addresses_and_known_hours() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/offices").await;
    assert_eq!(status, 200, "{body}");
    let offices = body["offices"].as_array().unwrap();
    assert!(offices.len() >= 12);
    let mitte = offices
        .iter()
        .find(|o| o["id"] == "buergerbuero-mitte")
        .expect("Bürgerbüro Mitte");
    assert_eq!(mitte["address"], "Otto-Schill-Straße 2, Leipzig");
    assert_eq!(
        mitte["open_now"],
        Value::Null,
        "its hours are not among the checked facts"
    );
    let hotline = offices
        .iter()
        .find(|o| o["id"] == "buergertelefon-115")
        .unwrap();
    assert!(hotline["open_now"].is_boolean());
    assert!(hotline["open_state"].as_str().unwrap().starts_with("Jetzt"));

    let (_, citizens_offices) = app.get("/api/v1/offices?kind=buergerbuero&lang=en").await;
    let list = citizens_offices["offices"].as_array().unwrap();
    assert_eq!(list.len(), 9);
    assert!(
        list.iter()
            .all(|o| o["name"].as_str().unwrap().starts_with("Citizens' Office"))
    );
    let (status, _) = app.get("/api/v1/offices?kind=raumstation").await;
    assert_eq!(status, 422);
    app.stop().await;
}
