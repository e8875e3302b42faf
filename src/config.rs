//! Settings: defaults, overridden by an optional TOML file, overridden by `AUSKUNFT_*` environment
//! variables (`AUSKUNFT_SERVER__PORT=8080` sets `server.port`), validated at start-up with messages that
//! say what to fix. `config/example.toml` documents every key.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::engine::EngineSettings;
use crate::lang::Lang;

/// The environment variable prefix.
pub const ENV_PREFIX: &str = "AUSKUNFT_";

/// The environment variable that names the settings file (read by the CLI, not a setting itself).
pub const CONFIG_ENV: &str = "AUSKUNFT_CONFIG";

/// Every setting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The HTTP server.
    pub server: ServerSettings,
    /// The database.
    pub database: DatabaseSettings,
    /// The knowledge base.
    pub knowledge: KnowledgeSettings,
    /// Intents, forms and entities.
    pub intents: IntentsSettings,
    /// The chat engine.
    pub chat: ChatSettings,
    /// Logging.
    pub log: LogSettings,
    /// Appointments and course registrations.
    pub booking: BookingSettings,
    /// Outgoing e-mail (confirmations).
    pub mail: MailSettings,
    /// The counter staff's admin API.
    pub admin: AdminSettings,
    /// Notices: QR codes, payment, GiroCode, reminders.
    pub notices: NoticesSettings,
    /// The agent console: accounts and sessions.
    pub agents: AgentsSettings,
    /// The Telegram channel (off without a token).
    pub telegram: TelegramSettings,
    /// The Matrix channel (off without a homeserver; needs the `matrix` build feature).
    pub matrix: MatrixSettings,
}

/// The Matrix channel.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatrixSettings {
    /// The homeserver's URL; without one the channel is off.
    pub homeserver: Option<String>,
    /// The bot's user (localpart or @user:server).
    pub user: String,
    /// Its password (`AUSKUNFT_MATRIX__PASSWORD`), used at the first start; the session is kept in the
    /// store afterwards.
    pub password: Option<String>,
    /// Or an access token an operator created for the bot (`AUSKUNFT_MATRIX__ACCESS_TOKEN`): it names
    /// the user and the device. Used instead of the password, at the first start only.
    pub access_token: Option<String>,
    /// Where the bot keeps its device, encryption keys and sync position (SQLite).
    pub store_dir: PathBuf,
    /// The store's passphrase (`AUSKUNFT_MATRIX__STORE_PASSPHRASE`).
    pub store_passphrase: Option<String>,
}

impl Default for MatrixSettings {
    fn default() -> MatrixSettings {
        MatrixSettings {
            homeserver: None,
            user: "auskunft".into(),
            password: None,
            access_token: None,
            store_dir: PathBuf::from("data/matrix"),
            store_passphrase: None,
        }
    }
}

impl std::fmt::Debug for MatrixSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixSettings")
            .field("homeserver", &self.homeserver)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("access_token", &self.access_token.as_ref().map(|_| "***"))
            .field("store_dir", &self.store_dir)
            .field(
                "store_passphrase",
                &self.store_passphrase.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// The Telegram channel.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramSettings {
    /// The bot's token from @BotFather; without one the channel is off. Set it as
    /// `AUSKUNFT_TELEGRAM__TOKEN`.
    pub token: Option<String>,
    /// `polling` (long polling, the default) or `webhook`.
    pub mode: TelegramMode,
    /// The public HTTPS address of `/telegram/webhook` on this server (webhook mode).
    pub webhook_url: Option<String>,
    /// The secret Telegram sends with every webhook call (webhook mode; 16 to 256 of A-Z a-z 0-9 _ -).
    pub webhook_secret: Option<String>,
    /// Another Bot API server (tests use an emulator); none: Telegram's.
    pub api_url: Option<String>,
}

/// How Telegram updates arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TelegramMode {
    /// The server asks Telegram (getUpdates).
    Polling,
    /// Telegram calls the server.
    Webhook,
}

impl Default for TelegramSettings {
    fn default() -> TelegramSettings {
        TelegramSettings {
            token: None,
            mode: TelegramMode::Polling,
            webhook_url: None,
            webhook_secret: None,
            api_url: None,
        }
    }
}

impl std::fmt::Debug for TelegramSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramSettings")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("mode", &self.mode)
            .field("webhook_url", &self.webhook_url)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "***"),
            )
            .field("api_url", &self.api_url)
            .finish()
    }
}

/// The hours the Leipzig 115 line answers (../shared/docs/leipzig-facts.md): agents' default duty.
pub const DEFAULT_DUTY_HOURS: &str = "Mo-Fr 08:00-18:00; PH off";

/// The agent console: accounts (besides those in the database) and its login sessions.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentsSettings {
    /// Accounts with argon2 password hashes (PHC strings, as `auskunft agent hash` prints them).
    pub accounts: Vec<AgentAccount>,
    /// Whether the session cookie is `Secure` (only sent over HTTPS); switch off only for plain-HTTP tests.
    pub secure_cookies: bool,
    /// How long a login lasts, in hours.
    pub session_hours: u32,
    /// When agents answer handed-off chats, in OpenStreetMap opening-hours syntax, Leipzig time
    /// ("Mo-Fr 08:00-18:00; PH off", the 115 line's hours; "24/7" for around the clock). Outside these
    /// hours the assistant hands nothing off: it names the 115 line's hours and goes on helping.
    pub duty_hours: String,
}

/// An agent's account.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentAccount {
    /// The login name.
    pub name: String,
    /// The argon2 hash of the password (PHC string).
    pub password_hash: String,
}

impl Default for AgentsSettings {
    fn default() -> AgentsSettings {
        AgentsSettings {
            accounts: Vec::new(),
            secure_cookies: true,
            session_hours: 12,
            duty_hours: DEFAULT_DUTY_HOURS.to_string(),
        }
    }
}

impl std::fmt::Debug for AgentsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.accounts.iter().map(|a| a.name.as_str()).collect();
        f.debug_struct("AgentsSettings")
            .field("accounts", &names)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_hours", &self.session_hours)
            .field("duty_hours", &self.duty_hours)
            .finish()
    }
}

/// Notices: the links printed as QR codes, the payment provider, the GiroCode's payee, reminders.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoticesSettings {
    /// The address citizens reach this server at (the QR codes link there; the pay page lives there).
    pub public_url: String,
    /// The payee named in the GiroCode.
    pub payee: String,
    /// The payee's BIC for the GiroCode (optional since EPC069-12 version 002).
    pub bic: Option<String>,
    /// How many days before the due date a "pay later" reminder is mailed.
    pub reminder_days: u32,
    /// The key that signs QR codes; generated at first start and kept in the database when not set.
    pub qr_secret: Option<String>,
    /// The key the payment provider signs confirmations with; generated and kept when not set.
    pub provider_secret: Option<String>,
}

impl Default for NoticesSettings {
    fn default() -> NoticesSettings {
        NoticesSettings {
            public_url: "http://127.0.0.1:8115".to_string(),
            payee: "Stadt Leipzig".to_string(),
            bic: None,
            reminder_days: 3,
            qr_secret: None,
            provider_secret: None,
        }
    }
}

impl std::fmt::Debug for NoticesSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticesSettings")
            .field("public_url", &self.public_url)
            .field("payee", &self.payee)
            .field("bic", &self.bic)
            .field("reminder_days", &self.reminder_days)
            .field("qr_secret", &self.qr_secret.as_ref().map(|_| "***"))
            .field(
                "provider_secret",
                &self.provider_secret.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// Appointments and course registrations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BookingSettings {
    /// How long a slot is held for a citizen who is still typing name and e-mail, in seconds.
    pub hold_secs: u32,
}

impl Default for BookingSettings {
    fn default() -> BookingSettings {
        BookingSettings { hold_secs: 600 }
    }
}

/// How confirmation e-mails leave: an SMTP server. Without a host, no mail is sent (and the chat says so).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// The SMTP server's host name; none disables mail.
    pub smtp_host: Option<String>,
    /// Its port (587 for STARTTLS, 465 for TLS, 25 for none); the TLS mode's usual port when not set.
    pub smtp_port: Option<u16>,
    /// `starttls` (the default), `tls`, or `none` (only for a server on loopback).
    pub tls: MailTls,
    /// The SMTP user, if the server asks for a login.
    pub username: Option<String>,
    /// The SMTP password (never logged).
    pub password: Option<String>,
    /// The sender, e.g. `Stadt Leipzig – Auskunft <auskunft@leipzig.de>`.
    pub from: String,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

/// Transport security towards the SMTP server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Plain connection upgraded with STARTTLS (required).
    #[default]
    Starttls,
    /// TLS from the first byte.
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

/// The counter staff's admin API (`/api/v1/admin/...`).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSettings {
    /// The bearer token; without one the admin API is switched off.
    pub token: Option<String>,
}

impl std::fmt::Debug for AdminSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSettings")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The HTTP server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// The address to listen on.
    pub host: IpAddr,
    /// The port to listen on (0 picks a free one).
    pub port: u16,
    /// How long a request may take before it is answered with 408.
    pub request_timeout_secs: u64,
    /// Other sites that embed the widget (`https://www.leipzig.de`): they may call the widget's API
    /// (chat, history, events, feedback) from their pages. Empty: only pages of this server.
    pub widget_origins: Vec<String>,
}

/// The database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite:PATH` (embedded, the default) or `postgres://USER@HOST/DB`.
    pub url: String,
    /// The connection pool's size.
    pub max_connections: u32,
    /// Conversations idle for longer than this many days are deleted with their transcripts.
    pub retention_days: u32,
}

/// The knowledge base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeSettings {
    /// The directory with services/, offices/ and lexicon/.
    pub dir: PathBuf,
    /// Where to keep the search index; in memory when not set.
    pub index_dir: Option<PathBuf>,
}

/// Intents, forms and entities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntentsSettings {
    /// The directory with the intents of each language, forms/ and entities.toml.
    pub dir: PathBuf,
}

impl Default for IntentsSettings {
    fn default() -> IntentsSettings {
        IntentsSettings {
            dir: PathBuf::from("intents"),
        }
    }
}

/// The chat engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChatSettings {
    /// The confidence (0 to 1) from which the best match is answered directly.
    pub answer_threshold: f32,
    /// The confidence from which weak matches are offered as "did you mean" buttons.
    pub suggest_threshold: f32,
    /// The longest message accepted, in characters.
    pub max_text_chars: usize,
    /// The language of a conversation that gives no hint.
    pub default_lang: String,
    /// Chat requests a client may send per minute (a token bucket per client address).
    pub rate_per_minute: u32,
    /// How many requests a client may send at once before the rate applies.
    pub rate_burst: u32,
    /// The header that carries the client's address behind a reverse proxy (`x-forwarded-for`); none:
    /// the TCP peer. Every limiter counts per client with it (chat rate, notice lookups, agent logins).
    pub client_ip_header: Option<String>,
    /// The proxies whose `client_ip_header` is believed (addresses or CIDR ranges); empty: loopback. The
    /// header is read from the right, skipping these: what a client writes into it itself is ignored.
    pub trusted_proxies: Vec<String>,
}

/// Logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A tracing filter: `info`, `auskunft=debug,tower_http=info` ...
    pub level: String,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

impl Default for ServerSettings {
    fn default() -> ServerSettings {
        ServerSettings {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8115,
            request_timeout_secs: 10,
            widget_origins: Vec::new(),
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> DatabaseSettings {
        DatabaseSettings {
            url: "sqlite:data/auskunft.db".to_string(),
            max_connections: 8,
            retention_days: 30,
        }
    }
}

impl Default for KnowledgeSettings {
    fn default() -> KnowledgeSettings {
        KnowledgeSettings {
            dir: PathBuf::from("knowledge"),
            index_dir: None,
        }
    }
}

impl Default for ChatSettings {
    fn default() -> ChatSettings {
        let engine = EngineSettings::default();
        ChatSettings {
            answer_threshold: engine.answer_threshold,
            suggest_threshold: engine.suggest_threshold,
            max_text_chars: engine.max_text_chars,
            default_lang: engine.default_lang.tag().to_string(),
            rate_per_minute: 120,
            rate_burst: 30,
            client_ip_header: None,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for LogSettings {
    fn default() -> LogSettings {
        LogSettings {
            format: LogFormat::Pretty,
            level: "info".to_string(),
        }
    }
}

/// Settings that could not be loaded or are invalid; the message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The settings file does not exist.
    #[error("the settings file {0} does not exist")]
    MissingFile(PathBuf),
    /// A value has the wrong type or a key is unknown.
    #[error("invalid settings: {0}")]
    Parse(String),
    /// Values are out of range.
    #[error("invalid settings:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
}

impl Settings {
    /// Loads defaults < `file` (if given) < `AUSKUNFT_*` environment, and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.to_path_buf()));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__").ignore(&["CONFIG"]));
        let settings: Settings = figment.extract().map_err(|error| {
            let messages: Vec<String> = error.into_iter().map(describe_figment_error).collect();
            ConfigError::Parse(messages.join("; "))
        })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Parses settings from TOML text alone (no environment), validated; for tests and tools.
    pub fn from_toml(text: &str) -> Result<Settings, ConfigError> {
        let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(text))
            .extract()
            .map_err(|error| {
                ConfigError::Parse(
                    error
                        .into_iter()
                        .map(describe_figment_error)
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks ranges and combinations; every problem is listed.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let chat = &self.chat;
        for (key, value) in [
            ("chat.answer_threshold", chat.answer_threshold),
            ("chat.suggest_threshold", chat.suggest_threshold),
        ] {
            if !(0.0..=1.0).contains(&value) {
                problems.push(format!("{key} is {value}; it must be between 0 and 1"));
            }
        }
        if chat.suggest_threshold > chat.answer_threshold {
            problems.push(format!(
                "chat.suggest_threshold ({}) must not be above chat.answer_threshold ({})",
                chat.suggest_threshold, chat.answer_threshold
            ));
        }
        if !(1..=100_000).contains(&chat.max_text_chars) {
            problems.push(format!(
                "chat.max_text_chars is {}; use 1 to 100000",
                chat.max_text_chars
            ));
        }
        if let Err(problem) = crate::http::client::ClientAddresses::new(
            chat.client_ip_header.as_deref(),
            &chat.trusted_proxies,
        ) {
            problems.push(format!("chat.trusted_proxies: {problem}"));
        }
        if let Err(problem) = crate::knowledge::offices::parse_hours(&self.agents.duty_hours) {
            problems.push(format!(
                "agents.duty_hours: {problem} (use opening-hours syntax like \"Mo-Fr 08:00-18:00\")"
            ));
        }
        for origin in &self.server.widget_origins {
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.ends_with('/')
                && axum::http::HeaderValue::from_str(origin).is_ok();
            if !valid {
                problems.push(format!(
                    "server.widget_origins: '{origin}' is not an origin like https://www.leipzig.de"
                ));
            }
        }
        let telegram = &self.telegram;
        if telegram
            .token
            .as_deref()
            .is_some_and(|t| t.trim().is_empty())
        {
            problems
                .push("telegram.token is empty; leave it out to switch Telegram off".to_string());
        }
        if telegram.token.is_some() && telegram.mode == TelegramMode::Webhook {
            if !telegram
                .webhook_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://") || u.starts_with("http://127.0.0.1"))
            {
                problems.push(
                    "telegram.webhook_url must be the public https:// address of /telegram/webhook in webhook mode"
                        .to_string(),
                );
            }
            let secret_ok = telegram.webhook_secret.as_deref().is_some_and(|s| {
                (16..=256).contains(&s.len())
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
            if !secret_ok {
                problems.push(
                    "telegram.webhook_secret must have 16 to 256 characters of A-Z, a-z, 0-9, _ and - in webhook mode"
                        .to_string(),
                );
            }
        }
        if chat.rate_per_minute == 0 || chat.rate_burst == 0 {
            problems
                .push("chat.rate_per_minute and chat.rate_burst must be at least 1".to_string());
        }
        for account in &self.agents.accounts {
            if account.name.trim().is_empty() {
                problems.push("agents.accounts: a name is empty".to_string());
            }
            if argon2::PasswordHash::new(&account.password_hash).is_err() {
                problems.push(format!(
                    "agents.accounts '{}': password_hash is not an argon2 PHC string; make one with `auskunft agent hash`",
                    account.name
                ));
            }
        }
        if !(1..=168).contains(&self.agents.session_hours) {
            problems.push("agents.session_hours must be between 1 and 168".to_string());
        }
        if Lang::negotiate(&chat.default_lang).is_none() {
            problems.push(format!(
                "chat.default_lang '{}' is not one of de, en, de-leicht, uk, ar",
                chat.default_lang
            ));
        }
        let url = &self.database.url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            problems.push(
                "database.url must start with sqlite: (embedded) or postgres:// (server)"
                    .to_string(),
            );
        }
        if !(2..=86_400).contains(&self.booking.hold_secs) {
            problems.push(format!(
                "booking.hold_secs is {}; use 2 to 86400",
                self.booking.hold_secs
            ));
        }
        if self.mail.smtp_host.is_some() && !crate::booking::mail::valid_sender(&self.mail.from) {
            problems.push(format!(
                "mail.from '{}' is not a valid sender (e.g. \"Auskunft <auskunft@leipzig.de>\")",
                self.mail.from
            ));
        }
        if self.mail.username.is_some() != self.mail.password.is_some() {
            problems.push("mail.username and mail.password go together".to_string());
        }
        let public = &self.notices.public_url;
        if !(public.starts_with("http://") || public.starts_with("https://")) {
            problems.push(format!(
                "notices.public_url '{public}' must start with http:// or https://"
            ));
        }
        if self.notices.payee.is_empty() || self.notices.payee.chars().count() > 70 {
            problems.push("notices.payee must have 1 to 70 characters".to_string());
        }
        if self.notices.reminder_days > 60 {
            problems.push("notices.reminder_days must be at most 60".to_string());
        }
        for (key, secret) in [
            ("notices.qr_secret", &self.notices.qr_secret),
            ("notices.provider_secret", &self.notices.provider_secret),
        ] {
            if secret.as_ref().is_some_and(|s| s.len() < 32) {
                problems.push(format!("{key} must have at least 32 characters"));
            }
        }
        if self.admin.token.as_ref().is_some_and(|t| t.len() < 16) {
            problems.push("admin.token must have at least 16 characters".to_string());
        }
        if self.database.max_connections == 0 {
            problems.push("database.max_connections must be at least 1".to_string());
        }
        if self.database.retention_days == 0 {
            problems.push("database.retention_days must be at least 1".to_string());
        }
        if self.server.request_timeout_secs == 0 {
            problems.push("server.request_timeout_secs must be at least 1".to_string());
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            problems.push(format!(
                "log.level '{}' is not a valid filter (try info or auskunft=debug)",
                self.log.level
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// The engine's settings.
    pub fn engine(&self) -> EngineSettings {
        EngineSettings {
            answer_threshold: self.chat.answer_threshold,
            suggest_threshold: self.chat.suggest_threshold,
            max_text_chars: self.chat.max_text_chars,
            default_lang: Lang::negotiate(&self.chat.default_lang).unwrap_or(Lang::De),
            duty_hours: Some(self.agents.duty_hours.clone()),
        }
    }
}

/// One figment error as a sentence naming the key and where its value came from (file or variable).
fn describe_figment_error(error: figment::Error) -> String {
    let key = error.path.join(".");
    let source = error
        .metadata
        .as_ref()
        .map(|metadata| match &metadata.source {
            Some(source) => format!(" (from {source})"),
            None => format!(" (from {})", metadata.name),
        })
        .unwrap_or_default();
    if key.is_empty() {
        format!("{}{source}", error.kind)
    } else {
        format!("{key}: {}{source}", error.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_serve_on_port_8115_with_embedded_sqlite() {
        let settings = Settings::default();
        settings.validate().unwrap();
        assert_eq!(settings.server.port, 8115);
        assert_eq!(settings.server.host.to_string(), "127.0.0.1");
        assert!(settings.database.url.starts_with("sqlite:"));
    }

    #[test]
    fn the_example_file_parses_and_validates() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/example.toml"))
                .unwrap();
        let settings = Settings::from_toml(&text).unwrap();
        assert_eq!(settings.server.port, 8115);
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let error = Settings::from_toml("[server]\nprot = 80\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("prot"), "{error}");
    }

    #[test]
    fn out_of_range_values_are_each_reported() {
        let error = Settings::from_toml(
            "[chat]\nanswer_threshold = 0.2\nsuggest_threshold = 0.4\nmax_text_chars = 0\n[database]\nurl = \"mysql://x\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("suggest_threshold"), "{error}");
        assert!(error.contains("max_text_chars"), "{error}");
        assert!(error.contains("database.url"), "{error}");
    }

    #[test]
    fn a_wrong_type_names_the_key() {
        let error = Settings::from_toml("[server]\nport = \"achtzig\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("server.port"), "{error}");
    }
}
