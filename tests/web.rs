//! The web channel's server side over HTTP: the embedded pages with their security headers, answers
//! numbered for ratings, the history after a reload, thumbs up/down and the editors' report, shared
//! locations, the chat's rate limit, and the agent console's API (login, CSRF, queue, take over, live
//! messages as server-sent events, hand back).

mod common;

use std::sync::Arc;
use std::time::Duration;

use auskunft::config::{AgentAccount, Settings};
use common::{TestApp, spawn_with, test_settings};
use serde_json::{Value, json};

const AGENT: &str = "agentin.mueller";
const OTHER: &str = "agent.schulze";
const PASSWORD: &str = "Leipzig-115-Testkonto";

async fn app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    configure(&mut settings);
    spawn_with(settings, data_dir).await
}

async fn agents_app() -> TestApp {
    app_with(|s| {
        s.agents.accounts = [AGENT, OTHER]
            .into_iter()
            .map(|name| AgentAccount {
                name: name.into(),
                password_hash: auskunft::agents::hash_password(PASSWORD).unwrap(),
            })
            .collect();
    })
    .await
}

#[tokio::test]
async fn the_pages_are_served_with_a_content_security_policy() {
    let app = common::spawn_app().await;
    for (path, kind) in [
        ("/", "text/html"),
        ("/widget.js", "text/javascript"),
        ("/widget.css", "text/css"),
        ("/agent", "text/html"),
        ("/agent.js", "text/javascript"),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let headers = response.headers();
        assert!(
            headers["content-type"].to_str().unwrap().starts_with(kind),
            "{path}"
        );
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("default-src 'self'"),
            "{csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
    let page = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("src=\"/widget.js\""),
        "the demo page embeds the widget"
    );
}

#[tokio::test]
async fn answers_are_numbered_the_history_survives_and_ratings_reach_the_editors() {
    let app = agents_app().await;
    let first = app.ask(None, "Was kostet ein Personalausweis?").await;
    assert_eq!(first["turn"], 1);
    let session = first["session_id"].as_str().unwrap().to_string();
    let second = app
        .ask(Some(&session), "Wie wird das Wetter morgen in Leipzig?")
        .await;
    assert_eq!(second["turn"], 2);
    assert_eq!(second["intent"]["name"], "fallback");

    let (status, history) = app.get(&format!("/api/v1/chat/{session}/history")).await;
    assert_eq!(status, 200, "{history}");
    let entries = history["entries"].as_array().unwrap();
    let roles: Vec<&str> = entries
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["citizen", "assistant", "citizen", "assistant"]);
    assert_eq!(entries[0]["text"], "Was kostet ein Personalausweis?");
    assert_eq!(entries[1]["turn"], 1);
    assert!(entries[1]["text"].as_str().unwrap().contains("46,00"));
    assert_eq!(history["handoff"], false);
    let (status, _) = app.get("/api/v1/chat/no-such-session/history").await;
    assert_eq!(status, 404);

    let rate = |turn: Value, rating: &str| {
        let body = json!({"session_id": session, "turn": turn, "rating": rating});
        let app = &app;
        async move {
            app.client
                .post(format!("{}/api/v1/feedback", app.address))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(rate(json!(1), "up").await, 204);
    // A second rating of the same answer replaces the first.
    assert_eq!(rate(json!(1), "down").await, 204);
    assert_eq!(rate(json!(9), "up").await, 404);
    assert_eq!(rate(json!(2), "meh").await, 422);

    let login = login(&app, AGENT).await;
    let report = login.get(&app, "/api/v1/agent/feedback?days=7").await;
    let down = report["rated_down"].as_array().unwrap();
    assert_eq!(down.len(), 1, "{report}");
    assert_eq!(down[0]["question"], "Was kostet ein Personalausweis?");
    assert_eq!(down[0]["service"], "personalausweis-beantragen");
    let unanswered = report["unanswered"].as_array().unwrap();
    assert!(
        unanswered
            .iter()
            .any(|u| u["text"] == "Wie wird das Wetter morgen in Leipzig?"),
        "{report}"
    );
    let (status, _) = app.get("/api/v1/agent/feedback?days=7").await;
    assert_eq!(status, 401, "the report needs a login");
}

#[tokio::test]
async fn a_location_shared_in_the_widget_fills_a_report() {
    let app = common::spawn_app().await;
    let first = app
        .ask(None, "In unserer Straße ist ein großes Schlagloch")
        .await;
    let session = first["session_id"].as_str().unwrap();
    let (status, answer) = app
        .chat(
            json!({"session_id": session, "location": {"latitude": 51.3397, "longitude": 12.3731}}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let text = answer["messages"][0]["text"].as_str().unwrap();
    assert!(text.contains("Beschreiben Sie das Problem"), "{answer}");
    for bad in [
        json!({"location": {"latitude": 91.0, "longitude": 12.0}}),
        json!({"text": "hier", "location": {"latitude": 51.0, "longitude": 12.0}}),
        json!({"location": {"latitude": 51.0}}),
    ] {
        let (status, body) = app.chat(bad.clone()).await;
        assert!(matches!(status, 400 | 422), "{bad}: {status} {body}");
    }
}

#[tokio::test]
async fn a_client_that_sends_too_fast_is_slowed_down() {
    let app = app_with(|s| {
        s.chat.rate_per_minute = 60;
        s.chat.rate_burst = 3;
        s.chat.client_ip_header = Some("X-Forwarded-For".into());
    })
    .await;
    let send = |client: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/api/v1/chat", app.address))
                .header("x-forwarded-for", client)
                .json(&json!({"text": "Hallo"}))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..3 {
        assert_eq!(send("203.0.113.7").await.status().as_u16(), 200);
    }
    let refused = send("203.0.113.7").await;
    assert_eq!(refused.status().as_u16(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // Another client is not affected.
    assert_eq!(send("198.51.100.4").await.status().as_u16(), 200);
}

/// A logged-in agent: the cookie and the CSRF token.
struct Login {
    cookie: String,
    csrf: String,
}

impl Login {
    async fn get(&self, app: &TestApp, path: &str) -> Value {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        response.json().await.unwrap()
    }

    async fn post(&self, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        let response = app
            .client
            .post(format!("{}{path}", app.address))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn try_login(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/agent/login", app.address))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn login(app: &TestApp, name: &str) -> Login {
    let response = try_login(app, name, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 200);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = response.json().await.unwrap();
    Login {
        cookie: set_cookie.split(';').next().unwrap().to_string(),
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
    }
}

#[tokio::test]
async fn agents_log_in_with_hashed_passwords_and_csrf_protected_forms() {
    let app = agents_app().await;
    let wrong = try_login(&app, AGENT, "falsch-falsch-falsch").await;
    assert_eq!(wrong.status().as_u16(), 401);
    let wrong_body: Value = wrong.json().await.unwrap();
    let unknown: Value = try_login(&app, "niemand", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        wrong_body, unknown,
        "unknown names and wrong passwords look the same"
    );

    let response = try_login(&app, AGENT, PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let body: Value = response.json().await.unwrap();
    let session = Login {
        cookie: cookie.split(';').next().unwrap().to_string(),
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
    };
    let me = session.get(&app, "/api/v1/agent/me").await;
    assert_eq!(me["name"], AGENT);

    // A form without the CSRF token (a cross-site request carrying the cookie) is refused.
    let forged = app
        .client
        .post(format!("{}/api/v1/agent/logout", app.address))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let (status, _) = session.post(&app, "/api/v1/agent/logout", json!({})).await;
    assert_eq!(status, 204);
    let after = app
        .client
        .get(format!("{}/api/v1/agent/me", app.address))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 401, "the session ended");

    // Guessing is stopped: after five failures even the right password waits.
    for _ in 0..5 {
        try_login(&app, OTHER, "nicht-das-passwort").await;
    }
    assert_eq!(
        try_login(&app, OTHER, PASSWORD).await.status().as_u16(),
        429
    );
}

/// Reads server-sent events until one contains `needle` (or the time is up).
async fn wait_for_event(response: &mut reqwest::Response, needle: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("no event with {needle:?}; got {seen:?}"))
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

#[tokio::test]
async fn an_agent_takes_over_answers_live_and_hands_back() {
    let app = agents_app().await;
    let first = app
        .ask(None, "Ich möchte mit einem Mitarbeiter sprechen")
        .await;
    assert_eq!(first["handoff"], true);
    let session = first["session_id"].as_str().unwrap().to_string();
    let mut events = app
        .client
        .get(format!("{}/api/v1/chat/{session}/events", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status().as_u16(), 200);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );

    let agent = login(&app, AGENT).await;
    let other = login(&app, OTHER).await;
    let queue = agent.get(&app, "/api/v1/agent/queue").await;
    let waiting = &queue["conversations"][0];
    assert_eq!(waiting["conversation"], session.as_str());
    assert_eq!(waiting["reason"], "asked");
    assert_eq!(
        waiting["last_text"],
        "Ich möchte mit einem Mitarbeiter sprechen"
    );
    let base = format!("/api/v1/agent/conversations/web/{session}");

    // Writing before taking over is refused; taking over is exclusive.
    let (status, _) = agent
        .post(&app, &format!("{base}/messages"), json!({"text": "Hallo"}))
        .await;
    assert_eq!(status, 409);
    let (status, taken) = agent.post(&app, &format!("{base}/take"), json!({})).await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["taken_by"], AGENT);
    wait_for_event(&mut events, "taken_over").await;
    let (status, refused) = other.post(&app, &format!("{base}/take"), json!({})).await;
    assert_eq!(status, 409, "{refused}");
    let (status, _) = other
        .post(
            &app,
            &format!("{base}/messages"),
            json!({"text": "Ich auch"}),
        )
        .await;
    assert_eq!(status, 409);

    // The agent's message reaches the citizen live.
    let (status, entry) = agent
        .post(
            &app,
            &format!("{base}/messages"),
            json!({"text": "Guten Tag, hier ist das Bürgertelefon."}),
        )
        .await;
    assert_eq!(status, 201, "{entry}");
    let stream = wait_for_event(&mut events, "Bürgertelefon").await;
    assert!(stream.contains("event: agent"), "{stream}");
    let (status, _) = agent
        .post(&app, &format!("{base}/messages"), json!({"text": "  "}))
        .await;
    assert_eq!(status, 422);

    // While the agent has it, the assistant stays quiet and the agent reads the citizen's message.
    let quiet = app
        .ask(Some(&session), "Ich brauche eine Meldebescheinigung")
        .await;
    assert_eq!(quiet["messages"].as_array().unwrap().len(), 0, "{quiet}");
    assert_eq!(quiet["handoff"], true);
    let conversation = agent.get(&app, &base).await;
    assert_eq!(conversation["taken_by"], AGENT);
    let texts: Vec<&str> = conversation["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"Guten Tag, hier ist das Bürgertelefon."),
        "{texts:?}"
    );
    assert_eq!(
        texts.last(),
        Some(&"Ich brauche eine Meldebescheinigung"),
        "{texts:?}"
    );

    // The citizen's history after a reload has the agent's message too.
    let (_, history) = app.get(&format!("/api/v1/chat/{session}/history")).await;
    assert!(
        history["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["role"] == "agent" && e["agent"] == AGENT)
    );

    // Handed back: the assistant answers again and the queue is empty.
    let (status, _) = agent
        .post(&app, &format!("{base}/release"), json!({}))
        .await;
    assert_eq!(status, 204);
    wait_for_event(&mut events, "handed_back").await;
    let queue = agent.get(&app, "/api/v1/agent/queue").await;
    assert_eq!(queue["conversations"].as_array().unwrap().len(), 0);
    let answered = app
        .ask(Some(&session), "Was kostet ein Personalausweis?")
        .await;
    assert_eq!(answered["handoff"], false);
    assert_eq!(answered["service"]["slug"], "personalausweis-beantragen");
    let (status, _) = agent
        .post(&app, &format!("{base}/release"), json!({}))
        .await;
    assert_eq!(status, 404);

    // An open event stream does not hold up a graceful shutdown.
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the server stops although a widget listens");
    drop(events);
}

#[tokio::test]
async fn pages_of_the_city_site_that_embed_the_widget_may_call_its_api() {
    let app = app_with(|s| s.server.widget_origins = vec!["https://www.leipzig.de".into()]).await;
    let preflight = |origin: &'static str| {
        let app = &app;
        async move {
            app.client
                .request(
                    reqwest::Method::OPTIONS,
                    format!("{}/api/v1/chat", app.address),
                )
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .send()
                .await
                .unwrap()
        }
    };
    let allowed = preflight("https://www.leipzig.de").await;
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://www.leipzig.de"
    );
    let other = preflight("https://evil.example").await;
    assert!(!other.headers().contains_key("access-control-allow-origin"));
    // The console's API is never open to other sites.
    let console = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/agent/login", app.address),
        )
        .header("origin", "https://www.leipzig.de")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        !console
            .headers()
            .contains_key("access-control-allow-origin")
    );
}
