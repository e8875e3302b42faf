//! Shared helpers for integration tests: start the real application on port 0 with a temporary SQLite
//! database and the shipped knowledge base.
#![allow(dead_code)]

pub mod smtp;
pub mod world;

use std::path::PathBuf;

use auskunft::config::Settings;
use auskunft::startup::Application;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// A client for it.
    pub client: reqwest::Client,
    /// The settings it runs with (for restarting it on the same database).
    pub settings: Settings,
    /// Keeps the database directory alive.
    pub data_dir: std::sync::Arc<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// The repository's knowledge directory.
pub fn knowledge_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

/// Settings for a test: port 0, a fresh SQLite file, the shipped knowledge and intents.
pub fn test_settings(data_dir: &tempfile::TempDir) -> Settings {
    test_settings_in(data_dir.path())
}

/// The same with the database in `dir`.
pub fn test_settings_in(dir: &std::path::Path) -> Settings {
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.database.url = format!("sqlite:{}", dir.join("auskunft.db").display());
    settings.knowledge.dir = knowledge_dir();
    settings.intents.dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("intents");
    // Tests on the real clock hand off at any hour; the duty schedule has transcripts of its own.
    settings.agents.duty_hours = "24/7".into();
    settings
}

/// Starts the application on a fresh database.
pub async fn spawn_app() -> TestApp {
    let data_dir = std::sync::Arc::new(tempfile::tempdir().expect("temporary directory"));
    let settings = test_settings(&data_dir);
    spawn_with(settings, data_dir).await
}

/// Starts the application with these settings.
pub async fn spawn_with(
    settings: Settings,
    data_dir: std::sync::Arc<tempfile::TempDir>,
) -> TestApp {
    let application = Application::build(&settings)
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        settings,
        data_dir,
        stop: Some(stop),
        server: Some(server),
    }
}

impl TestApp {
    /// Stops the server gracefully and waits until it has closed the database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stops cleanly");
        }
    }

    /// Starts a new application on the same database (a restart).
    pub async fn restart(self) -> TestApp {
        let settings = self.settings.clone();
        let data_dir = std::sync::Arc::clone(&self.data_dir);
        self.stop().await;
        spawn_with(settings, data_dir).await
    }

    /// POSTs a JSON body to /api/v1/chat and returns status and JSON.
    pub async fn chat(&self, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/api/v1/chat", self.address))
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// Asks a question in a new (or the given) session; panics unless the answer is 200.
    pub async fn ask(&self, session_id: Option<&str>, text: &str) -> Value {
        let (status, body) = self
            .chat(json!({"session_id": session_id, "text": text}))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// GETs a path and returns status and JSON.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }
}

/// A fresh PostgreSQL schema for one test: the URL to use and the name to drop.
pub async fn postgres_schema() -> (String, String, sqlx::PgPool) {
    let base = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("auskunft_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL must run for this test ({base}): {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    (
        format!("{base}{separator}options[search_path]={schema}"),
        schema,
        admin,
    )
}

pub async fn drop_schema(admin: sqlx::PgPool, schema: &str) {
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
}

/// The agent the console tests log in as.
pub const AGENT_NAME: &str = "agentin.mueller";
/// Her password.
pub const AGENT_PASSWORD: &str = "Leipzig-115-Testkonto";

/// Her account, for `settings.agents.accounts`.
pub fn agent_account() -> auskunft::config::AgentAccount {
    auskunft::config::AgentAccount {
        name: AGENT_NAME.into(),
        password_hash: auskunft::agents::hash_password(AGENT_PASSWORD).unwrap(),
    }
}

/// An agent logged in to the console API (session cookie and CSRF token).
pub struct Agent<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

impl<'a> Agent<'a> {
    /// Logs in as [`AGENT_NAME`].
    pub async fn login(app: &'a TestApp) -> Agent<'a> {
        let login = app
            .client
            .post(format!("{}/api/v1/agent/login", app.address))
            .json(&json!({"name": AGENT_NAME, "password": AGENT_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status().as_u16(), 200, "the agent's login");
        let cookie = login.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let csrf = login.json::<Value>().await.unwrap()["csrf_token"]
            .as_str()
            .unwrap()
            .to_string();
        Agent { app, cookie, csrf }
    }

    /// Takes the conversation `conversation` of `channel` and writes `text` into it, as the console does.
    pub async fn take_and_write(&self, channel: &str, conversation: &str, text: &str) {
        let id =
            percent_encoding::utf8_percent_encode(conversation, percent_encoding::NON_ALPHANUMERIC);
        let base = format!("/api/v1/agent/conversations/{channel}/{id}");
        assert_eq!(self.post(&format!("{base}/take"), json!({})).await, 200);
        assert_eq!(
            self.post(&format!("{base}/messages"), json!({ "text": text }))
                .await,
            201
        );
    }

    /// POSTs `body` to `path` of the console API; the status code.
    pub async fn post(&self, path: &str, body: Value) -> u16 {
        self.app
            .client
            .post(format!("{}{path}", self.app.address))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}
