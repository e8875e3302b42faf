//! The HTTP API (axum): the public chat and search contract, health, and the OpenAPI document.

pub mod agent;
pub mod booking;
pub mod certificates;
pub mod chat;
pub mod client;
pub mod courses;
pub mod error;
pub mod live;
pub mod notices;
pub mod offices;
pub mod open311;
pub mod search;
#[cfg(feature = "telegram")]
pub mod telegram;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use auskunft_channel::Conversation;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::{OpenApi, ToSchema};

use crate::knowledge::Knowledge;
use crate::store::Database;
use error::{ApiError, ErrorCode};

/// The largest request body accepted (a chat message is at most a few KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The conversation core.
    pub conversation: Arc<dyn Conversation>,
    /// The knowledge base and its index.
    pub knowledge: Arc<Knowledge>,
    /// The database, for health checks.
    pub database: Database,
    /// The longest chat text accepted.
    pub max_text_chars: usize,
    /// Appointments, course registrations and their mails.
    pub booking: crate::transactions::appointments::BookingContext,
    /// Notices: lookup, payment, GiroCode, objections.
    pub notices: crate::notices::service::NoticeService,
    /// Problem reports.
    pub reports: crate::reports::Reports,
    /// Certificate orders.
    pub certificate_orders: crate::certificates::CertificateOrders,
    /// Conversation histories, agents' messages, ratings.
    pub live: crate::live::Live,
    /// Agents' accounts and sessions.
    pub agents: crate::agents::Agents,
    /// Whether the agent session cookie is `Secure`.
    pub secure_cookies: bool,
    /// How long an agent session lasts, in seconds.
    pub agent_session_secs: i64,
    /// When agents take handed-off chats (opening-hours syntax), shown in the console.
    pub duty_hours: Arc<str>,
    /// The chat's per-client rate limit.
    pub chat_limit: web::ChatLimit,
    /// How the client's address is found (also behind a proxy), for every limiter.
    pub client_addresses: client::ClientAddresses,
    /// Other sites whose pages embed the widget (CORS).
    pub widget_origins: Arc<Vec<String>>,
    /// The Telegram channel, when configured.
    #[cfg(feature = "telegram")]
    pub telegram: Option<crate::telegram::TelegramChannel>,
    /// The admin API's bearer token (the API is off without one).
    pub admin_token: Option<Arc<str>>,
    /// Where this server listens (the simulated payment provider confirms payments there).
    pub local_address: std::net::SocketAddr,
}

/// Checks the admin token: 404 when the admin API is off, 401 when the token is missing or wrong.
pub fn require_admin(state: &AppState, headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let Some(token) = state.admin_token.as_deref() else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "the admin API is switched off: set admin.token",
        ));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if crate::secret::same(given, token) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Unauthorized,
            "send the admin token as 'Authorization: Bearer TOKEN'",
        ))
    }
}

/// The OpenAPI document of the public API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Auskunft", description = "Citizen-service assistant: chat and knowledge search"),
    paths(
        chat::chat, search::search, search::service, offices::offices, courses::courses, courses::course,
        booking::slots, booking::book, booking::appointment, booking::cancel, booking::ics,
        booking::register, booking::registration, booking::cancel_registration, booking::day_list,
        notices::register, notices::qr_svg, notices::qr_png, notices::objections, notices::lookup,
        notices::pay, notices::callback, notices::girocode, notices::remind, notices::object,
        certificates::catalogue, certificates::fee, certificates::order, certificates::orders,
        live::history, live::events, live::feedback, agent::login, agent::me, agent::logout,
        agent::queue, agent::conversation, agent::take, agent::write, agent::release,
        agent::editors_report,
        health
    ),
    components(schemas(error::ErrorBody, HealthBody)),
    tags(
        (name = "chat", description = "The conversation"),
        (name = "knowledge", description = "The knowledge base"),
        (name = "courses", description = "The Volkshochschule's courses and registrations"),
        (name = "appointments", description = "Appointments at citizens' offices"),
        (name = "admin", description = "For counter staff (bearer token)"),
        (name = "notices", description = "Notices: QR code, payment, GiroCode, objection"),
        (name = "certificates", description = "Certificate orders for the register office"),
        (name = "agents", description = "The agent console: login, queue, take over, reply, report"),
        (name = "operations", description = "Health")
    )
)]
pub struct ApiDoc;

/// The router with every route and the middleware around it.
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    // The widget's API may be called from the city's pages that embed it (CORS).
    let origins: Vec<axum::http::HeaderValue> = state
        .widget_origins
        .iter()
        .filter_map(|o| axum::http::HeaderValue::from_str(o).ok())
        .collect();
    let widget_api = Router::new()
        .route(
            "/api/v1/chat",
            // Photos of letters are larger than messages.
            post(chat::chat)
                .layer(DefaultBodyLimit::max(chat::MAX_IMAGE_BYTES * 4 / 3 + 4096))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    web::limit_chat,
                ))
                .options(preflight),
        )
        .route(
            "/api/v1/chat/{session_id}/history",
            get(live::history).options(preflight),
        )
        .route(
            "/api/v1/chat/{session_id}/events",
            get(live::events).options(preflight),
        )
        .route("/api/v1/feedback", post(live::feedback).options(preflight))
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::AllowOrigin::list(origins))
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([axum::http::header::CONTENT_TYPE])
                .max_age(Duration::from_secs(3600)),
        );
    let router = Router::new().merge(widget_api);
    #[cfg(feature = "telegram")]
    let router = router.route("/telegram/webhook", post(telegram::webhook));
    router
        .route("/api/v1/search", get(search::search))
        .route("/api/v1/services/{slug}", get(search::service))
        .route("/api/v1/offices", get(offices::offices))
        .route("/api/v1/courses", get(courses::courses))
        .route("/api/v1/courses/{id}", get(courses::course))
        .route(
            "/api/v1/courses/{id}/registrations",
            post(booking::register),
        )
        .route(
            "/api/v1/courses/{id}/registrations/{code}",
            get(booking::registration).delete(booking::cancel_registration),
        )
        .route("/api/v1/appointments/slots", get(booking::slots))
        .route("/api/v1/appointments", post(booking::book))
        .route(
            "/api/v1/appointments/{code}",
            get(booking::appointment).delete(booking::cancel),
        )
        .route("/api/v1/appointments/{code}/ics", get(booking::ics))
        .route("/api/v1/admin/appointments", get(booking::day_list))
        .route("/api/v1/admin/notices", post(notices::register))
        .route(
            "/api/v1/admin/notices/{kassenzeichen}/qr.svg",
            get(notices::qr_svg),
        )
        .route(
            "/api/v1/admin/notices/{kassenzeichen}/qr.png",
            get(notices::qr_png),
        )
        .route("/api/v1/admin/objections", get(notices::objections))
        .route("/api/v1/notices/lookup", post(notices::lookup))
        .route(
            "/api/v1/notices/{kassenzeichen}/payments",
            post(notices::pay),
        )
        .route(
            "/api/v1/notices/{kassenzeichen}/girocode.png",
            get(notices::girocode),
        )
        .route(
            "/api/v1/notices/{kassenzeichen}/reminders",
            post(notices::remind),
        )
        .route(
            "/api/v1/notices/{kassenzeichen}/objections",
            post(notices::object).layer(DefaultBodyLimit::max(
                notices::MAX_ATTACHMENT_BYTES * 4 / 3 + 64 * 1024,
            )),
        )
        .route("/api/v1/payments/callback", post(notices::callback))
        .route("/n/{kassenzeichen}", get(notices::landing))
        .route(
            "/pay/{payment_id}",
            get(notices::pay_page).post(notices::pay_decision),
        )
        .route("/pay/{payment_id}/done", get(notices::receipt))
        .route("/open311/v2/services.json", get(open311::services))
        .route(
            "/open311/v2/requests.json",
            get(open311::requests)
                .post(open311::create)
                .layer(DefaultBodyLimit::max(crate::uploads::MAX_BYTES + 64 * 1024)),
        )
        .route("/open311/v2/requests/{file}", get(open311::request))
        .route("/open311/v2/media/{id}", get(open311::media))
        .route(
            "/api/v1/admin/reports/{id}/status",
            post(open311::set_status),
        )
        .route("/api/v1/agent/login", post(agent::login))
        .route("/api/v1/agent/logout", post(agent::logout))
        .route("/api/v1/agent/me", get(agent::me))
        .route("/api/v1/agent/queue", get(agent::queue))
        .route("/api/v1/agent/feedback", get(agent::editors_report))
        .route(
            "/api/v1/agent/conversations/{channel}/{conversation}",
            get(agent::conversation),
        )
        .route(
            "/api/v1/agent/conversations/{channel}/{conversation}/take",
            post(agent::take),
        )
        .route(
            "/api/v1/agent/conversations/{channel}/{conversation}/messages",
            post(agent::write),
        )
        .route(
            "/api/v1/agent/conversations/{channel}/{conversation}/release",
            post(agent::release),
        )
        .route("/", get(web::asset))
        .route("/widget.js", get(web::asset))
        .route("/widget.css", get(web::asset))
        .route("/agent", get(web::asset))
        .route("/agent.js", get(web::asset))
        .route("/agent.css", get(web::asset))
        .route("/api/v1/certificates", get(certificates::catalogue))
        .route("/api/v1/certificates/fee", get(certificates::fee))
        .route("/api/v1/certificates/orders", post(certificates::order))
        .route(
            "/api/v1/admin/certificates/orders",
            get(certificates::orders),
        )
        .route("/healthz", get(health))
        .route("/livez", get(live))
        .route("/openapi.json", get(openapi))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| -> Response {
                // A panic is a bug; the details were printed by the panic hook, the client gets JSON.
                ApiError::new(
                    ErrorCode::Internal,
                    "the request could not be completed; please try again",
                )
                .into_response()
            },
        ))
        .layer(
            // The span names the route pattern, never the URI: query strings carry citizens' words.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", |path| path.as_str())
                        .to_string();
                    tracing::info_span!("http", method = %request.method(), route)
                })
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
}

/// CORS preflights of the widget's API: the CORS layer answers them for the configured origins; the
/// rest get an empty answer without CORS headers.
async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The health report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthBody {
    /// `ok` or `unavailable`.
    pub status: String,
    /// The database backend (sqlite, postgres).
    pub database: String,
    /// Number of services in the knowledge base.
    pub services: usize,
}

/// Liveness and readiness: the database answers and the knowledge base is loaded.
#[utoipa::path(
    get,
    path = "/healthz",
    responses(
        (status = 200, description = "Ready", body = HealthBody),
        (status = 503, description = "The database does not answer", body = HealthBody),
    ),
    tag = "operations"
)]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthBody>) {
    let database_ok = state.database.ping().await.is_ok();
    let body = HealthBody {
        status: if database_ok { "ok" } else { "unavailable" }.to_string(),
        database: state.database.backend().to_string(),
        services: state.knowledge.base.services.len(),
    };
    let status = if database_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

/// Liveness: the process answers HTTP (no dependency is checked; `/healthz` is readiness).
async fn live() -> &'static str {
    "ok"
}

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
