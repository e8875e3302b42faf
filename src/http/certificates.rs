//! Certificate orders over REST: the kinds, delivery options and fee table, a fee quote, an order, and the
//! register office's list of orders (admin token).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiQuery, ErrorBody, ErrorCode};
use crate::certificates::{Certificates, FeeRequest, MAX_COPIES, Order, OrderRequest, Quote};
use crate::lang::Lang;

fn certificates(state: &AppState) -> Result<&Certificates, ApiError> {
    state.knowledge.certificates.as_deref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "certificate orders are not offered: the knowledge base has no certificates.toml",
        )
    })
}

fn unavailable(error: impl std::fmt::Display) -> ApiError {
    ApiError::unavailable("certificate orders", error)
}

/// A kind of certificate.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KindBody {
    /// The code to order with.
    pub code: String,
    /// Its German name.
    pub name_de: String,
    /// Its English name.
    pub name_en: String,
    /// Whether a multilingual version exists.
    pub multilingual: bool,
    /// Entries older than this many years are kept by the city archive.
    pub archive_after_years: i32,
}

/// A delivery option.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryBody {
    /// The code to order with.
    pub code: String,
    /// Its German name.
    pub name_de: String,
    /// Its English name.
    pub name_en: String,
    /// The postage in cents; absent when the register office names it.
    pub postage_cents: Option<i64>,
    /// Whether the postage is the least it costs.
    pub postage_minimum: bool,
}

/// The fee table.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeesBody {
    /// The currency.
    pub currency: String,
    /// The first copy.
    pub first_copy_cents: i64,
    /// Each further copy.
    pub further_copy_cents: i64,
    /// The search fee per started half hour without register office and number.
    pub search_per_half_hour_cents: i64,
    /// Whether the register office has confirmed the figures.
    pub confirmed: bool,
    /// When they were last checked.
    pub as_of: String,
    /// Where they come from.
    pub source: String,
}

/// What can be ordered, and for how much.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CertificatesBody {
    /// The kinds.
    pub kinds: Vec<KindBody>,
    /// The delivery options.
    pub delivery: Vec<DeliveryBody>,
    /// The fee table.
    pub fees: FeesBody,
}

/// The kinds of certificate, the delivery options and the fee table.
#[utoipa::path(
    get,
    path = "/api/v1/certificates",
    responses(
        (status = 200, description = "What can be ordered", body = CertificatesBody),
        (status = 404, description = "Certificate orders are not offered", body = ErrorBody),
    ),
    tag = "certificates"
)]
pub async fn catalogue(State(state): State<AppState>) -> Result<Json<CertificatesBody>, ApiError> {
    let certificates = certificates(&state)?;
    let fees = &certificates.fees;
    Ok(Json(CertificatesBody {
        kinds: certificates
            .kinds
            .iter()
            .map(|k| KindBody {
                code: k.code.clone(),
                name_de: k.name.de.clone(),
                name_en: k.name.en.clone(),
                multilingual: k.multilingual,
                archive_after_years: k.archive_after_years,
            })
            .collect(),
        delivery: certificates
            .delivery
            .iter()
            .map(|d| DeliveryBody {
                code: d.code.clone(),
                name_de: d.name.de.clone(),
                name_en: d.name.en.clone(),
                postage_cents: d.postage_cents,
                postage_minimum: d.postage_minimum,
            })
            .collect(),
        fees: FeesBody {
            currency: fees.currency.clone(),
            first_copy_cents: fees.first_copy_cents,
            further_copy_cents: fees.further_copy_cents,
            search_per_half_hour_cents: fees.search_per_half_hour_cents,
            confirmed: fees.confirmed,
            as_of: fees.as_of.to_string(),
            source: fees.source.clone(),
        },
    }))
}

/// What a fee quote depends on.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeeQuery {
    /// The kind (`birth` ...).
    pub kind: String,
    /// How many copies (default 1).
    pub copies: Option<u32>,
    /// Whether register office and register number are known (default false: search fee).
    pub register_known: Option<bool>,
    /// How long the search took, in minutes (for the office; otherwise one half hour, "at least").
    pub search_minutes: Option<u32>,
    /// The delivery (default pickup).
    pub delivery: Option<String>,
    /// The language of the labels (default de).
    pub lang: Option<String>,
}

/// The fee for an order, computed from the fee table.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/fee",
    params(FeeQuery),
    responses(
        (status = 200, description = "The fee", body = Quote),
        (status = 422, description = "Unknown kind or delivery, copies out of range", body = ErrorBody),
    ),
    tag = "certificates"
)]
pub async fn fee(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<FeeQuery>,
) -> Result<Json<Quote>, ApiError> {
    let certificates = certificates(&state)?;
    let lang = super::booking::parse_lang(query.lang.as_deref())?;
    if certificates.kind(&query.kind).is_none() {
        return Err(ApiError::invalid(format!("unknown kind '{}'", query.kind)));
    }
    let copies = query.copies.unwrap_or(1);
    if !(1..=MAX_COPIES).contains(&copies) {
        return Err(ApiError::invalid(format!(
            "copies must be between 1 and {MAX_COPIES}"
        )));
    }
    let delivery = query.delivery.as_deref().unwrap_or("pickup");
    if certificates.delivery(delivery).is_none() {
        return Err(ApiError::invalid(format!("unknown delivery '{delivery}'")));
    }
    Ok(Json(certificates.quote(
        FeeRequest {
            copies,
            register_known: query.register_known.unwrap_or(false),
            search_minutes: query.search_minutes,
            delivery,
        },
        lang,
    )))
}

/// An accepted order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderBody {
    /// The order number (`U-2026-00042`).
    pub order_number: String,
    /// `received`.
    pub status: String,
    /// The fee.
    pub fee: Quote,
    /// Whether a confirmation e-mail was sent.
    pub mail_sent: bool,
}

/// Orders a certificate from the register office. Reasons for a refusal are in English.
#[utoipa::path(
    post,
    path = "/api/v1/certificates/orders",
    request_body = OrderRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and order give the same order number")),
    responses(
        (status = 201, description = "Ordered", body = OrderBody),
        (status = 422, description = "A detail is missing or not acceptable", body = ErrorBody),
    ),
    tag = "certificates"
)]
pub async fn order(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OrderRequest>,
) -> Result<(StatusCode, Json<OrderBody>), ApiError> {
    let certificates = certificates(&state)?;
    // A retry with the same key and the same order returns the first order; the same key with another
    // order is another order (the request's digest is part of the key).
    let idempotency = super::booking::idempotency_key(&headers)?.map(|key| {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("{request:?}").as_bytes());
        format!("api:{key}:{digest:x}")
    });
    let now = Utc::now();
    let (new, quote) = certificates
        .check(&request, "api", now.date_naive(), Lang::En)
        .map_err(ApiError::invalid)?;
    let stored = state
        .certificate_orders
        .create(&new, idempotency.as_deref(), now)
        .await
        .map_err(unavailable)?;
    let mail_sent = crate::transactions::certificates::send_confirmation(
        &state.booking.mailer,
        certificates,
        &stored,
        Lang::De,
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(OrderBody {
            order_number: stored.number,
            status: stored.status,
            fee: quote,
            mail_sent,
        }),
    ))
}

/// Which orders to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrdersQuery {
    /// Only this status (`received`, `in_progress`, `sent`, `ready`, `rejected`).
    pub status: Option<String>,
    /// Only from this time on (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// At most this many (default 200, at most 1000).
    pub limit: Option<i64>,
}

/// The register office's orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrdersBody {
    /// Oldest first.
    pub orders: Vec<Order>,
}

/// The orders for the register office, oldest first (admin token).
#[utoipa::path(
    get,
    path = "/api/v1/admin/certificates/orders",
    params(OrdersQuery),
    responses(
        (status = 200, description = "The orders", body = OrdersBody),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 422, description = "Unknown status", body = ErrorBody),
    ),
    tag = "certificates"
)]
pub async fn orders(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<OrdersQuery>,
) -> Result<Json<OrdersBody>, ApiError> {
    super::require_admin(&state, &headers)?;
    const STATUSES: [&str; 5] = ["received", "in_progress", "sent", "ready", "rejected"];
    if let Some(status) = &query.status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(ApiError::invalid(format!(
            "unknown status '{status}'; one of: {}",
            STATUSES.join(", ")
        )));
    }
    let limit = query.limit.unwrap_or(200).clamp(1, 1000);
    let orders = state
        .certificate_orders
        .list(query.status.as_deref(), query.since, limit)
        .await
        .map_err(unavailable)?;
    Ok(Json(OrdersBody { orders }))
}
