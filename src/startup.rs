//! Wiring: builds the knowledge index, the database, the engine and the router from [`Settings`], and
//! runs the server until it is told to stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::net::TcpListener;

use crate::booking::Bookings;
use crate::booking::mail::Mailer;
use crate::config::Settings;
use crate::engine::{Engine, Retriever};
use crate::http::{AppState, router};
use crate::knowledge::Knowledge;
use crate::nlu::Nlu;
use crate::notices::service::NoticeService;
use crate::store::{self, CachedStore, Database, HandoffQueue, SessionStore};
use crate::transactions::appointments::{AppointmentBooking, BookingChanges, BookingContext};
use crate::transactions::certificates::CertificateOrder;
use crate::transactions::courses::CourseSearch;
use crate::transactions::notices::{NoticeObjection, NoticePayment, NoticePhotoReader};
use crate::transactions::registration::CourseRegistration;
use crate::transactions::reports::ReportIssue;

/// How many conversations' states are kept in memory (a few MiB).
const SESSION_CACHE: std::num::NonZeroUsize = std::num::NonZeroUsize::new(10_000).unwrap();

/// How often idle conversations are looked for and deleted.
const RETENTION_SWEEP: Duration = Duration::from_secs(3600);

/// A built application: listening, not yet serving.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    database: Database,
    sessions: Arc<dyn SessionStore>,
    retention_days: u32,
    bookings: Bookings,
    notices: NoticeService,
    live: crate::live::Live,
    #[cfg(feature = "telegram")]
    telegram: Option<crate::telegram::TelegramChannel>,
    #[cfg(feature = "matrix")]
    matrix: Option<Arc<auskunft_matrix::MatrixAdapter>>,
}

/// How often reservations whose hold ran out are expired (they free their slots on their own when a
/// slot is booked; the sweep keeps the table honest for the day lists).
const RESERVATION_SWEEP: Duration = Duration::from_secs(60);

impl Application {
    /// Loads knowledge (refusing invalid files), connects and migrates the database, binds the port.
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let started = Instant::now();
        let knowledge = load_knowledge(settings).await?;
        tracing::info!(
            services = knowledge.base.services.len(),
            offices = knowledge.base.offices.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "knowledge base loaded and indexed"
        );
        let database = store::connect(&settings.database.url, settings.database.max_connections)
            .await
            .with_context(|| {
                format!(
                    "failed to open the database ({})",
                    redact_url(&settings.database.url)
                )
            })?;
        let nlu = load_nlu(settings, &knowledge).await?;
        let sessions: Arc<dyn SessionStore> =
            Arc::new(CachedStore::new(Arc::new(database.clone()), SESSION_CACHE));
        let transactions = transactions(settings, &knowledge, &database).await?;
        let booking = transactions.booking.clone();
        let notices = transactions.notices.clone();
        let transactions_reports = transactions.reports.clone();
        let certificate_orders = transactions.certificate_orders.clone();
        if knowledge.schedule.sample {
            tracing::warn!(
                "the appointment calendar (knowledge/appointments.toml) is sample data, not the city's"
            );
        }
        if !booking.mailer.enabled() {
            tracing::info!("no SMTP server configured: confirmation e-mails are not sent");
        }
        let engine = engine(
            settings,
            &knowledge,
            nlu,
            Arc::clone(&sessions),
            Arc::new(database.clone()),
            transactions,
        );
        let bookings = booking.bookings.clone();
        let address = SocketAddr::new(settings.server.host, settings.server.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("failed to listen on {address}"))?;
        let live = crate::live::Live::new(database.clone());
        let conversation: Arc<dyn auskunft_channel::Conversation> = Arc::new(engine);
        #[cfg(feature = "telegram")]
        let telegram =
            crate::telegram::start(settings, Arc::clone(&conversation), &database, &live).await?;
        #[cfg(feature = "matrix")]
        let matrix = crate::matrix::start(settings, Arc::clone(&conversation), &live).await?;
        #[cfg(not(feature = "matrix"))]
        if settings.matrix.homeserver.is_some() {
            anyhow::bail!(
                "matrix.homeserver is set, but this build has no Matrix channel: build with --features matrix"
            );
        }
        let state = AppState {
            conversation,
            knowledge,
            database: database.clone(),
            max_text_chars: settings.chat.max_text_chars,
            booking,
            notices: notices.clone(),
            reports: transactions_reports,
            certificate_orders,
            live: live.clone(),
            agents: crate::agents::Agents::new(
                database.clone(),
                settings.agents.accounts.clone(),
                settings.agents.session_hours,
            ),
            secure_cookies: settings.agents.secure_cookies,
            agent_session_secs: i64::from(settings.agents.session_hours) * 3600,
            duty_hours: Arc::from(settings.agents.duty_hours.as_str()),
            widget_origins: Arc::new(settings.server.widget_origins.clone()),
            #[cfg(feature = "telegram")]
            telegram: telegram.clone(),
            chat_limit: crate::http::web::ChatLimit::new(
                settings.chat.rate_per_minute,
                settings.chat.rate_burst,
            ),
            client_addresses: crate::http::client::ClientAddresses::new(
                settings.chat.client_ip_header.as_deref(),
                &settings.chat.trusted_proxies,
            )
            .map_err(|problem| anyhow::anyhow!("chat.trusted_proxies: {problem}"))?,
            admin_token: settings.admin.token.clone().map(Arc::from),
            local_address: listener.local_addr()?,
        };

        let router = router(
            state,
            Duration::from_secs(settings.server.request_timeout_secs),
        );
        tracing::info!(
            address = %listener.local_addr()?,
            database = database.backend(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "ready"
        );
        Ok(Application {
            listener,
            router,
            database,
            sessions,
            retention_days: settings.database.retention_days,
            bookings,
            notices,
            live,
            #[cfg(feature = "telegram")]
            telegram,
            #[cfg(feature = "matrix")]
            matrix,
        })
    }

    /// The port the server listens on (useful with port 0).
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// Serves until `shutdown` completes, then finishes running requests and closes the database.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let retention = tokio::spawn(sweep_idle_conversations(self.sessions, self.retention_days));
        let reservations = tokio::spawn(expire_reservations(self.bookings));
        let reminders = tokio::spawn(send_reminders(self.notices));
        #[cfg(feature = "matrix")]
        if let Some(adapter) = self.matrix {
            let mut closing = self.live.closing();
            tokio::spawn(adapter.run(async move {
                let _ = closing.wait_for(|closed| *closed).await;
            }));
        }
        #[cfg(feature = "telegram")]
        if let Some(channel) = self.telegram.filter(|c| c.polling) {
            let mut closing = self.live.closing();
            tokio::spawn(Arc::clone(&channel.adapter).poll(async move {
                let _ = closing.wait_for(|closed| *closed).await;
            }));
        }
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown({
            let live = self.live.clone();
            async move {
                shutdown.await;
                // Open event streams would keep the server from finishing.
                live.shut_down();
            }
        })
        .await;
        retention.abort();
        reservations.abort();
        reminders.abort();
        self.database.close().await;
        tracing::info!("stopped");
        served.context("the HTTP server failed")
    }
}

/// Loads and validates intents/ and trains the classifier, off the async threads.
pub async fn load_nlu(settings: &Settings, knowledge: &Arc<Knowledge>) -> anyhow::Result<Arc<Nlu>> {
    let dir = settings.intents.dir.clone();
    let knowledge = Arc::clone(knowledge);
    let nlu = tokio::task::spawn_blocking(move || Nlu::load(&dir, &knowledge.base))
        .await
        .context("the intents loader panicked")?
        .with_context(|| {
            format!(
                "failed to load the intents from {}",
                settings.intents.dir.display()
            )
        })?;
    Ok(Arc::new(nlu))
}

/// What the booking handlers and the booking API share: the bookings in `database` and the mailer.
pub fn booking_context(
    settings: &Settings,
    knowledge: &Arc<Knowledge>,
    database: &Database,
) -> anyhow::Result<BookingContext> {
    let mailer = Mailer::from_settings(&settings.mail).context("invalid [mail] settings")?;
    Ok(BookingContext {
        knowledge: Arc::clone(knowledge),
        bookings: Bookings::new(
            database.clone(),
            Arc::clone(&knowledge.schedule),
            chrono::Duration::seconds(i64::from(settings.booking.hold_secs)),
        ),
        mailer,
    })
}

/// What the transaction handlers work with: bookings and notices, on one database.
#[derive(Clone)]
pub struct Transactions {
    /// Appointments and course registrations.
    pub booking: BookingContext,
    /// Notices: payment, GiroCode, objections.
    pub notices: NoticeService,
    /// Problem reports.
    pub reports: crate::reports::Reports,
    /// Certificate orders.
    pub certificate_orders: crate::certificates::CertificateOrders,
}

/// The transactions on this database.
pub async fn transactions(
    settings: &Settings,
    knowledge: &Arc<Knowledge>,
    database: &Database,
) -> anyhow::Result<Transactions> {
    let booking = booking_context(settings, knowledge, database)?;
    let notices = NoticeService::new(database, &settings.notices, booking.mailer.clone())
        .await
        .context("failed to prepare the notices")?;
    Ok(Transactions {
        booking,
        notices,
        reports: crate::reports::Reports::new(database.clone()),
        certificate_orders: crate::certificates::CertificateOrders::new(database.clone()),
    })
}

/// Transactions on a throw-away in-memory database, for offline engines (ask, eval, tests).
pub async fn scratch_transactions(
    settings: &Settings,
    knowledge: &Arc<Knowledge>,
) -> anyhow::Result<Transactions> {
    let database = store::connect("sqlite::memory:", 1)
        .await
        .context("failed to open an in-memory database")?;
    transactions(settings, knowledge, &database).await
}

/// The engine with everything it needs: knowledge, intents, the form handlers, state and handoffs.
pub fn engine(
    settings: &Settings,
    knowledge: &Arc<Knowledge>,
    nlu: Arc<Nlu>,
    sessions: Arc<dyn SessionStore>,
    handoffs: Arc<dyn HandoffQueue>,
    transactions: Transactions,
) -> Engine {
    let Transactions {
        booking,
        notices,
        reports,
        certificate_orders,
    } = transactions;
    let mut engine = Engine::new(
        Arc::clone(knowledge) as Arc<dyn Retriever>,
        sessions,
        settings.engine(),
    )
    .with_nlu(nlu)
    .with_handler(
        "courses",
        Arc::new(CourseSearch::new(Arc::clone(knowledge)).with_bookings(booking.bookings.clone())),
    )
    .with_handler(
        "appointments",
        Arc::new(AppointmentBooking::new(booking.clone())),
    )
    .with_handler("bookings", Arc::new(BookingChanges::new(booking.clone())))
    .with_handler(
        "registration",
        Arc::new(CourseRegistration::new(booking.clone())),
    )
    .with_handler("notices", Arc::new(NoticePayment::new(notices.clone())))
    .with_handler(
        "objections",
        Arc::new(NoticeObjection::new(notices.clone())),
    )
    .with_handler(
        "reports",
        Arc::new(ReportIssue::new(
            reports,
            notices.uploads.clone(),
            Arc::clone(&knowledge.categories),
        )),
    )
    .with_image_reader(Arc::new(NoticePhotoReader::new(notices)))
    .with_handoffs(handoffs);
    // Certificate orders need the fee table (knowledge/certificates.toml).
    if let Some(certificates) = &knowledge.certificates {
        engine = engine.with_handler(
            "certificates",
            Arc::new(CertificateOrder::new(
                Arc::clone(certificates),
                certificate_orders,
                booking.mailer.clone(),
            )),
        );
    }
    engine
}

/// Loads and indexes knowledge off the async threads (tantivy's commit blocks).
pub async fn load_knowledge(settings: &Settings) -> anyhow::Result<Arc<Knowledge>> {
    let dir = settings.knowledge.dir.clone();
    let index_dir = settings.knowledge.index_dir.clone();
    let knowledge =
        tokio::task::spawn_blocking(move || Knowledge::open(&dir, index_dir.as_deref()))
            .await
            .context("the knowledge loader panicked")?
            .with_context(|| {
                format!(
                    "failed to load the knowledge base from {}",
                    settings.knowledge.dir.display()
                )
            })?;
    Ok(Arc::new(knowledge))
}

/// Deletes conversations idle for longer than the retention period, at start and then hourly.
async fn sweep_idle_conversations(sessions: Arc<dyn SessionStore>, retention_days: u32) {
    let mut interval = tokio::time::interval(RETENTION_SWEEP);
    loop {
        interval.tick().await;
        let before = chrono::Utc::now() - chrono::Duration::days(i64::from(retention_days));
        match sessions.delete_idle_before(before).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, retention_days, "deleted idle conversations"),
            Err(error) => tracing::warn!(%error, "retention sweep failed"),
        }
    }
}

/// Expires reservations whose hold ran out, every minute.
async fn expire_reservations(bookings: Bookings) {
    let mut interval = tokio::time::interval(RESERVATION_SWEEP);
    loop {
        interval.tick().await;
        match bookings.expire_reservations(chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(expired) => tracing::debug!(expired, "expired reservations"),
            Err(error) => tracing::warn!(%error, "reservation sweep failed"),
        }
    }
}

/// Mails the "pay later" reminders that are due, deletes stale uploads and old attempt counters, hourly.
async fn send_reminders(notices: NoticeService) {
    let mut interval = tokio::time::interval(RETENTION_SWEEP);
    loop {
        interval.tick().await;
        match notices.send_reminders(chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "payment reminders sent"),
            Err(error) => tracing::warn!(%error, "reminder sweep failed"),
        }
        // Photos are copied into the transaction that uses them; the uploads themselves go after a day.
        let stale = chrono::Utc::now() - chrono::Duration::days(1);
        if let Err(error) = notices.uploads.delete_before(stale).await {
            tracing::warn!(%error, "upload sweep failed");
        }
        if let Err(error) = notices.limiter.sweep(chrono::Utc::now()).await {
            tracing::warn!(%error, "attempt counter sweep failed");
        }
    }
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:secret@db/auskunft"),
            "postgres://app:***@db/auskunft"
        );
        assert_eq!(
            redact_url("postgres://app@db/auskunft"),
            "postgres://app@db/auskunft"
        );
        assert_eq!(
            redact_url("sqlite:data/auskunft.db"),
            "sqlite:data/auskunft.db"
        );
    }
}
