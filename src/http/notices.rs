//! Notices as REST: the back office registers notices and prints their QR codes; citizens look a notice
//! up, pay it through the provider, get its GiroCode, ask for a reminder, or lodge an objection; the
//! provider confirms payments server to server. Plus the simulated provider's pay page and the landing
//! page the QR code links to.

use auskunft_channel::{Channel, Inbound, InboundContent};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};

use super::client::ClientAddr;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::chat::ChatResponse;
use super::error::{ApiError, ApiJson, ApiQuery, ErrorBody, ErrorCode};
use crate::engine::{local_date, percent_encode};
use crate::lang::Lang;
use crate::notices::payment::{Confirmation, PaymentProvider, SIGNATURE_HEADER};
use crate::notices::service::{Proof, Verified};
use crate::notices::store::{Confirmed, NewObjection, NoticeError, Objection};
use crate::notices::{
    Notice, NoticeInput, NoticeStatus, check_notice, euros, new_check_code, normalise_check_code,
    normalise_kassenzeichen, qr,
};

/// The largest attachment of an objection, decoded.
pub const MAX_ATTACHMENT_BYTES: usize = 2 * 1024 * 1024;

/// A notice to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    /// The payment reference: 8 to 14 digits (separators allowed).
    pub kassenzeichen: String,
    /// What the notice is about.
    pub subject: String,
    /// The amount due in cents.
    pub amount_cents: i64,
    /// Due date (YYYY-MM-DD).
    pub due_date: NaiveDate,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Delivery date (the objection deadline runs from here).
    pub delivered_on: NaiveDate,
    /// The issuing office.
    pub office: String,
    /// The city's account (IBAN) the amount goes to.
    pub iban_account: String,
    /// Whether the notice carries the legal-remedy instruction (default true).
    pub legal_remedy: Option<bool>,
}

/// A registered notice, for the back office.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RegisteredNotice {
    /// The payment reference.
    pub kassenzeichen: String,
    /// The check code to print next to the QR code.
    pub check_code: String,
    /// The link the QR code carries.
    pub qr_url: String,
    /// The printable code as SVG.
    pub qr_svg: String,
    /// The printable code as PNG.
    pub qr_png: String,
}

/// A notice as the citizen sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NoticeBody {
    /// The payment reference.
    pub kassenzeichen: String,
    /// What it is about.
    pub subject: String,
    /// The amount in cents.
    pub amount_cents: i64,
    /// Due date.
    pub due_date: NaiveDate,
    /// open or paid.
    pub status: String,
    /// The last day of the objection period.
    pub objection_deadline: NaiveDate,
    /// Whether an objection today is in time.
    pub objection_in_time: bool,
    /// The GiroCode for a bank transfer.
    pub girocode_url: String,
}

/// How the citizen proves they hold the letter: the check code, or the QR link's signature.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// The payment reference.
    pub kassenzeichen: String,
    /// The check code printed on the letter.
    pub check_code: Option<String>,
    /// Or the signature from the QR link.
    pub signature: Option<String>,
}

/// Proof for an action on a notice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofBody {
    /// The check code printed on the letter.
    pub check_code: Option<String>,
    /// Or the signature from the QR link.
    pub signature: Option<String>,
}

/// A started payment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PaymentBody {
    /// The payment id.
    pub payment_id: String,
    /// Where the citizen pays.
    pub checkout_url: String,
    /// The amount in cents.
    pub amount_cents: i64,
}

/// What a confirmation did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallbackBody {
    /// paid (now), already (before: nothing changed) or failed.
    pub result: String,
}

/// A reminder request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderRequest {
    /// The check code, or ...
    pub check_code: Option<String>,
    /// ... the QR link's signature.
    pub signature: Option<String>,
    /// Where the reminder goes.
    pub email: String,
    /// The reminder's language (de or en); default de.
    pub lang: Option<String>,
}

/// When the reminder goes out.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReminderBody {
    /// The day.
    pub remind_on: NaiveDate,
}

/// An attachment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentBody {
    /// The file name.
    pub filename: String,
    /// application/pdf, image/png or image/jpeg.
    pub content_type: String,
    /// The content, base64.
    pub data: String,
}

/// An objection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionRequest {
    /// The check code, or ...
    pub check_code: Option<String>,
    /// ... the QR link's signature.
    pub signature: Option<String>,
    /// The objector's name.
    pub name: String,
    /// Their postal address.
    pub address: String,
    /// The reasons.
    pub reasons: String,
    /// An e-mail address for the office's reply, if wished.
    pub email: Option<String>,
    /// An optional attachment (at most 2 MiB).
    pub attachment: Option<AttachmentBody>,
    /// The language of the confirmation (de or en); default de.
    pub lang: Option<String>,
}

/// A lodged objection.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ObjectionBody {
    /// The receipt number.
    pub receipt: String,
    /// The notice.
    pub kassenzeichen: String,
    /// The last day of the period.
    pub deadline: NaiveDate,
    /// Whether it came in time.
    pub in_time: bool,
    /// When it was lodged.
    pub submitted_at: chrono::DateTime<Utc>,
    /// The confirmation text to keep.
    pub confirmation: String,
}

/// An objection as the office exports it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ObjectionExport {
    /// The receipt number.
    pub receipt: String,
    /// The notice.
    pub kassenzeichen: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Reasons.
    pub reasons: String,
    /// E-mail.
    pub email: Option<String>,
    /// The attachment, if any.
    pub attachment: Option<AttachmentBody>,
    /// The last day of the period.
    pub deadline: NaiveDate,
    /// Whether it came in time.
    pub in_time: bool,
    /// When it was lodged.
    pub submitted_at: chrono::DateTime<Utc>,
}

/// The objections.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ObjectionsResponse {
    /// Newest first.
    pub objections: Vec<ObjectionExport>,
}

/// Filter of the objection export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ObjectionParams {
    /// Only objections to this notice.
    pub kassenzeichen: Option<String>,
}

/// The QR link's signature in a query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SignatureParams {
    /// The signature from the QR link.
    pub s: Option<String>,
    /// Or the check code.
    pub check_code: Option<String>,
}

fn notice_error(error: NoticeError) -> ApiError {
    match error {
        NoticeError::Exists => ApiError::new(
            ErrorCode::NoticeExists,
            "a notice with this Kassenzeichen is registered already",
        ),
        NoticeError::NotFound => not_found(),
        NoticeError::AlreadyPaid => {
            ApiError::new(ErrorCode::AlreadyPaid, "this notice is paid already")
        }
        NoticeError::AmountMismatch => {
            ApiError::invalid("the confirmed amount is not the payment's amount")
        }
        NoticeError::KeyReused => ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used for a different request; use a new key",
        ),
        NoticeError::Database(message) => {
            let correlation_id = uuid::Uuid::new_v4().simple().to_string();
            tracing::error!(%correlation_id, "notices: {message}");
            ApiError::new(
                ErrorCode::Unavailable,
                format!("please try again (correlation id {correlation_id})"),
            )
        }
    }
}

/// The one answer for an unknown Kassenzeichen and a wrong proof.
fn not_found() -> ApiError {
    ApiError::new(
        ErrorCode::NoticeNotFound,
        "no notice with this Kassenzeichen and check code",
    )
}

fn proof_of(check_code: Option<&str>, signature: Option<&str>) -> Result<Proof, ApiError> {
    match (check_code, signature) {
        (Some(code), None) => Ok(Proof::CheckCode(
            normalise_check_code(code).unwrap_or_else(|| code.to_string()),
        )),
        (None, Some(signature)) => Ok(Proof::Signature(signature.to_ascii_lowercase())),
        _ => Err(ApiError::invalid(
            "give either check_code (printed on the notice) or signature (from its QR code)",
        )),
    }
}

/// Looks the notice up with the proof, limited per client and per Kassenzeichen.
async fn verified(
    state: &AppState,
    kassenzeichen: &str,
    proof: &Proof,
    client: String,
) -> Result<Notice, ApiError> {
    let kassenzeichen =
        normalise_kassenzeichen(kassenzeichen).unwrap_or_else(|| kassenzeichen.to_string());
    match state
        .notices
        .verify(&kassenzeichen, proof, &client)
        .await
        .map_err(notice_error)?
    {
        Verified::Notice(notice, _) => Ok(*notice),
        Verified::No => Err(not_found()),
        Verified::Blocked(wait) => Err(ApiError::new(
            ErrorCode::TooManyAttempts,
            format!(
                "too many failed attempts; try again in {} minutes",
                wait.as_secs().div_ceil(60).max(1)
            ),
        )),
    }
}

fn notice_body(state: &AppState, notice: &Notice, check_code: Option<&str>) -> NoticeBody {
    let today = local_date(Utc::now());
    let deadline = notice.objection_deadline();
    let kassenzeichen = &notice.data.kassenzeichen;
    let signature = check_code.map(|c| state.notices.signature(kassenzeichen, c));
    NoticeBody {
        kassenzeichen: kassenzeichen.clone(),
        subject: notice.data.subject.clone(),
        amount_cents: notice.data.amount_cents,
        due_date: notice.data.due_date,
        status: notice.status.as_str().to_string(),
        objection_deadline: deadline,
        objection_in_time: today <= deadline,
        girocode_url: format!(
            "/api/v1/notices/{kassenzeichen}/girocode.png?s={}",
            signature.unwrap_or_default()
        ),
    }
}

/// Registers a notice (back office).
#[utoipa::path(
    post,
    path = "/api/v1/admin/notices",
    request_body = NoticeRequest,
    responses(
        (status = 201, description = "Registered: the check code and the QR code to print", body = RegisteredNotice),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 409, description = "The Kassenzeichen exists", body = ErrorBody),
        (status = 422, description = "An invalid field", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<NoticeRequest>,
) -> Result<(StatusCode, Json<RegisteredNotice>), ApiError> {
    super::require_admin(&state, &headers)?;
    let new = check_notice(NoticeInput {
        kassenzeichen: request.kassenzeichen,
        subject: request.subject,
        amount_cents: request.amount_cents,
        due_date: request.due_date,
        issued_on: request.issued_on,
        delivered_on: request.delivered_on,
        office: request.office,
        iban_account: request.iban_account,
        legal_remedy: request.legal_remedy,
    })
    .map_err(ApiError::invalid)?;
    let check_code = new_check_code();
    state
        .notices
        .notices
        .register(&new, &check_code, Utc::now())
        .await
        .map_err(notice_error)?;
    let kassenzeichen = new.kassenzeichen.clone();
    Ok((
        StatusCode::CREATED,
        Json(RegisteredNotice {
            qr_url: state.notices.link(&kassenzeichen, &check_code),
            qr_svg: format!("/api/v1/admin/notices/{kassenzeichen}/qr.svg"),
            qr_png: format!("/api/v1/admin/notices/{kassenzeichen}/qr.png"),
            kassenzeichen,
            check_code,
        }),
    ))
}

async fn admin_notice(state: &AppState, kassenzeichen: &str) -> Result<(Notice, String), ApiError> {
    state
        .notices
        .notices
        .get(kassenzeichen)
        .await
        .map_err(notice_error)?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NoticeNotFound,
                "no notice with this Kassenzeichen",
            )
        })
}

/// The printable QR code as SVG (back office).
#[utoipa::path(
    get,
    path = "/api/v1/admin/notices/{kassenzeichen}/qr.svg",
    params(("kassenzeichen" = String, Path, description = "The payment reference")),
    responses(
        (status = 200, description = "image/svg+xml", content_type = "image/svg+xml"),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 404, description = "No such notice", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn qr_svg(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(kassenzeichen): Path<String>,
) -> Result<Response, ApiError> {
    super::require_admin(&state, &headers)?;
    let (_, check) = admin_notice(&state, &kassenzeichen).await?;
    let svg = qr::svg(&state.notices.link_code(&kassenzeichen, &check));
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// The printable QR code as PNG (back office).
#[utoipa::path(
    get,
    path = "/api/v1/admin/notices/{kassenzeichen}/qr.png",
    params(("kassenzeichen" = String, Path, description = "The payment reference")),
    responses(
        (status = 200, description = "image/png", content_type = "image/png"),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 404, description = "No such notice", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn qr_png(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(kassenzeichen): Path<String>,
) -> Result<Response, ApiError> {
    super::require_admin(&state, &headers)?;
    let (_, check) = admin_notice(&state, &kassenzeichen).await?;
    let png = qr::png(&state.notices.link_code(&kassenzeichen, &check));
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// The objections, as JSON for the office (back office).
#[utoipa::path(
    get,
    path = "/api/v1/admin/objections",
    params(ObjectionParams),
    responses(
        (status = 200, description = "Objections, newest first", body = ObjectionsResponse),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn objections(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ObjectionParams>,
) -> Result<Json<ObjectionsResponse>, ApiError> {
    super::require_admin(&state, &headers)?;
    let list = state
        .notices
        .notices
        .objections(params.kassenzeichen.as_deref())
        .await
        .map_err(notice_error)?;
    Ok(Json(ObjectionsResponse {
        objections: list
            .into_iter()
            .map(|o| ObjectionExport {
                receipt: o.receipt,
                kassenzeichen: o.data.kassenzeichen,
                name: o.data.name,
                address: o.data.address,
                reasons: o.data.reasons,
                email: o.data.email,
                attachment: o.data.attachment.map(|(filename, content_type, data)| {
                    AttachmentBody {
                        filename,
                        content_type,
                        data,
                    }
                }),
                deadline: o.deadline,
                in_time: o.in_time,
                submitted_at: o.submitted_at,
            })
            .collect(),
    }))
}

/// Looks a notice up by Kassenzeichen and check code (or the QR link's signature).
#[utoipa::path(
    post,
    path = "/api/v1/notices/lookup",
    request_body = LookupRequest,
    responses(
        (status = 200, description = "The notice", body = NoticeBody),
        (status = 404, description = "No notice with this Kassenzeichen and check code", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn lookup(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(request): ApiJson<LookupRequest>,
) -> Result<Json<NoticeBody>, ApiError> {
    let proof = proof_of(request.check_code.as_deref(), request.signature.as_deref())?;
    let notice = verified(&state, &request.kassenzeichen, &proof, client).await?;
    let check = state
        .notices
        .notices
        .get(&notice.data.kassenzeichen)
        .await
        .map_err(notice_error)?
        .map(|(_, c)| c);
    Ok(Json(notice_body(&state, &notice, check.as_deref())))
}

/// Starts a payment: the provider's page where the citizen pays.
#[utoipa::path(
    post,
    path = "/api/v1/notices/{kassenzeichen}/payments",
    request_body = ProofBody,
    params(("kassenzeichen" = String, Path, description = "The payment reference")),
    responses(
        (status = 201, description = "Started", body = PaymentBody),
        (status = 404, description = "No notice with this Kassenzeichen and check code", body = ErrorBody),
        (status = 409, description = "Paid already", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn pay(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(kassenzeichen): Path<String>,
    ApiJson(request): ApiJson<ProofBody>,
) -> Result<(StatusCode, Json<PaymentBody>), ApiError> {
    let proof = proof_of(request.check_code.as_deref(), request.signature.as_deref())?;
    let notice = verified(&state, &kassenzeichen, &proof, client).await?;
    if notice.status == NoticeStatus::Paid {
        return Err(notice_error(NoticeError::AlreadyPaid));
    }
    let (payment, url) = state
        .notices
        .pay(&notice.data.kassenzeichen, Utc::now())
        .await
        .map_err(notice_error)?;
    Ok((
        StatusCode::CREATED,
        Json(PaymentBody {
            payment_id: payment.id,
            checkout_url: url,
            amount_cents: payment.amount_cents,
        }),
    ))
}

/// The payment provider's server-to-server confirmation, signed (`X-Payment-Signature: sha256=HEX`).
/// A repeated confirmation changes nothing; a forged one is refused.
#[utoipa::path(
    post,
    path = "/api/v1/payments/callback",
    request_body = Confirmation,
    responses(
        (status = 200, description = "Applied (or applied before)", body = CallbackBody),
        (status = 401, description = "Missing or wrong signature", body = ErrorBody),
        (status = 404, description = "Unknown payment", body = ErrorBody),
        (status = 409, description = "The notice was paid by another payment", body = ErrorBody),
        (status = 422, description = "Not a confirmation, or a different amount", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CallbackBody>, ApiError> {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let confirmation =
        state
            .notices
            .provider
            .verify(&body, signature)
            .map_err(|error| match error {
                crate::notices::payment::CallbackError::Signature => {
                    tracing::warn!("payment confirmation with a wrong signature refused");
                    ApiError::new(ErrorCode::Unauthorized, "the signature is missing or wrong")
                }
                crate::notices::payment::CallbackError::Malformed(reason) => {
                    ApiError::invalid(format!("not a payment confirmation: {reason}"))
                }
            })?;
    let paid = match confirmation.status.as_str() {
        "paid" => true,
        "failed" => false,
        other => return Err(ApiError::invalid(format!("unknown status '{other}'"))),
    };
    let outcome = state
        .notices
        .notices
        .confirm_payment(
            &confirmation.payment_id,
            confirmation.amount_cents,
            paid,
            &confirmation.provider_ref,
            Utc::now(),
        )
        .await
        .map_err(|error| match error {
            NoticeError::NotFound => ApiError::new(ErrorCode::NotFound, "no such payment"),
            other => notice_error(other),
        })?;
    let result = match outcome {
        Confirmed::Paid => "paid",
        Confirmed::Already => "already",
        Confirmed::Failed => "failed",
    };
    tracing::info!(result, "payment confirmation applied");
    Ok(Json(CallbackBody {
        result: result.into(),
    }))
}

async fn with_query_proof(
    state: &AppState,
    kassenzeichen: &str,
    params: &SignatureParams,
    client: String,
) -> Result<Notice, ApiError> {
    let proof = proof_of(params.check_code.as_deref(), params.s.as_deref())?;
    verified(state, kassenzeichen, &proof, client).await
}

/// The GiroCode (EPC069-12) for a bank transfer of the notice's amount, as PNG.
#[utoipa::path(
    get,
    path = "/api/v1/notices/{kassenzeichen}/girocode.png",
    params(("kassenzeichen" = String, Path, description = "The payment reference"), SignatureParams),
    responses(
        (status = 200, description = "image/png", content_type = "image/png"),
        (status = 404, description = "No notice with this Kassenzeichen and check code", body = ErrorBody),
        (status = 409, description = "Paid already", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn girocode(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(kassenzeichen): Path<String>,
    ApiQuery(params): ApiQuery<SignatureParams>,
) -> Result<Response, ApiError> {
    let notice = with_query_proof(&state, &kassenzeichen, &params, client).await?;
    if notice.status == NoticeStatus::Paid {
        return Err(notice_error(NoticeError::AlreadyPaid));
    }
    let (_, png) = state.notices.girocode(&notice).map_err(ApiError::invalid)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
        ],
        png,
    )
        .into_response())
}

/// Asks for an e-mail reminder before the due date.
#[utoipa::path(
    post,
    path = "/api/v1/notices/{kassenzeichen}/reminders",
    request_body = ReminderRequest,
    params(("kassenzeichen" = String, Path, description = "The payment reference")),
    responses(
        (status = 201, description = "The reminder's day", body = ReminderBody),
        (status = 404, description = "No notice with this Kassenzeichen and check code", body = ErrorBody),
        (status = 409, description = "Paid already", body = ErrorBody),
        (status = 422, description = "Invalid e-mail, or no e-mail configured", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn remind(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(kassenzeichen): Path<String>,
    ApiJson(request): ApiJson<ReminderRequest>,
) -> Result<(StatusCode, Json<ReminderBody>), ApiError> {
    let proof = proof_of(request.check_code.as_deref(), request.signature.as_deref())?;
    let notice = verified(&state, &kassenzeichen, &proof, client).await?;
    if notice.status == NoticeStatus::Paid {
        return Err(notice_error(NoticeError::AlreadyPaid));
    }
    if !crate::booking::valid_email(request.email.trim()) {
        return Err(ApiError::invalid("email is not a valid e-mail address"));
    }
    if !state.notices.mailer.enabled() {
        return Err(ApiError::invalid(
            "this server sends no e-mail (no SMTP server configured)",
        ));
    }
    let lang = request
        .lang
        .as_deref()
        .and_then(Lang::negotiate)
        .unwrap_or(Lang::De);
    let day = state
        .notices
        .remind(
            &notice,
            request.email.trim(),
            lang.tag(),
            local_date(Utc::now()),
        )
        .await
        .map_err(notice_error)?;
    Ok((StatusCode::CREATED, Json(ReminderBody { remind_on: day })))
}

/// Lodges an objection; the deadline is checked and said, a late one is stored for the office to judge.
#[utoipa::path(
    post,
    path = "/api/v1/notices/{kassenzeichen}/objections",
    request_body = ObjectionRequest,
    params(
        ("kassenzeichen" = String, Path, description = "The payment reference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe"),
    ),
    responses(
        (status = 201, description = "Lodged: receipt number and confirmation", body = ObjectionBody),
        (status = 404, description = "No notice with this Kassenzeichen and check code", body = ErrorBody),
        (status = 422, description = "A field is not acceptable", body = ErrorBody),
    ),
    tag = "notices"
)]
pub async fn object(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(kassenzeichen): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ObjectionRequest>,
) -> Result<(StatusCode, Json<ObjectionBody>), ApiError> {
    let proof = proof_of(request.check_code.as_deref(), request.signature.as_deref())?;
    let notice = verified(&state, &kassenzeichen, &proof, client).await?;
    let name = crate::booking::normalise_name(&request.name)
        .ok_or_else(|| ApiError::invalid("name must have 2 to 100 characters with letters"))?;
    let address = request.address.trim().to_string();
    if !(8..=300).contains(&address.chars().count()) || !address.chars().any(|c| c.is_ascii_digit())
    {
        return Err(ApiError::invalid(
            "address must give street, number, postcode and town (8 to 300 characters)",
        ));
    }
    let reasons = request.reasons.trim().to_string();
    if !(10..=5000).contains(&reasons.chars().count()) {
        return Err(ApiError::invalid("reasons must have 10 to 5000 characters"));
    }
    let email = request.email.as_deref().map(str::trim).map(String::from);
    if email
        .as_deref()
        .is_some_and(|e| !crate::booking::valid_email(e))
    {
        return Err(ApiError::invalid("email is not a valid e-mail address"));
    }
    let attachment = match request.attachment {
        None => None,
        Some(attachment) => {
            if !matches!(
                attachment.content_type.as_str(),
                "application/pdf" | "image/png" | "image/jpeg"
            ) {
                return Err(ApiError::invalid(
                    "attachment.content_type must be application/pdf, image/png or image/jpeg",
                ));
            }
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(attachment.data.trim())
                .map_err(|_| ApiError::invalid("attachment.data is not valid base64"))?;
            if bytes.is_empty() || bytes.len() > MAX_ATTACHMENT_BYTES {
                return Err(ApiError::invalid(
                    "the attachment must have 1 byte to 2 MiB",
                ));
            }
            let filename: String = attachment
                .filename
                .chars()
                .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
                .take(100)
                .collect();
            Some((
                filename,
                attachment.content_type,
                attachment.data.trim().to_string(),
            ))
        }
    };
    let lang = request
        .lang
        .as_deref()
        .and_then(Lang::negotiate)
        .unwrap_or(Lang::De);
    let idempotency = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| format!("api:{}", k.trim()));
    let new = NewObjection {
        kassenzeichen: notice.data.kassenzeichen.clone(),
        name,
        address,
        reasons,
        email,
        attachment,
    };
    let objection: Objection = state
        .notices
        .object(&notice, &new, idempotency.as_deref(), Utc::now())
        .await
        .map_err(notice_error)?;
    let confirmation = crate::transactions::notices::confirmation_text(&objection, &notice, lang);
    Ok((
        StatusCode::CREATED,
        Json(ObjectionBody {
            receipt: objection.receipt,
            kassenzeichen: notice.data.kassenzeichen,
            deadline: objection.deadline,
            in_time: objection.in_time,
            submitted_at: objection.submitted_at,
            confirmation,
        }),
    ))
}

/// The page the QR code links to: the chat opens with the notice loaded (JSON for API clients).
pub async fn landing(
    State(state): State<AppState>,
    Path(kassenzeichen): Path<String>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<SignatureParams>,
) -> Result<Response, ApiError> {
    let signature = params.s.unwrap_or_default();
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|tag| tag.split(';').next().unwrap_or(tag).trim().to_string());
    let inbound = Inbound {
        channel: Channel::Web,
        conversation: None,
        content: InboundContent::Action(format!(
            "form:notice.pay?kassenzeichen={}&signature={}",
            percent_encode(&kassenzeichen),
            percent_encode(&signature)
        )),
        lang_hint: lang.filter(|tag| Lang::negotiate(tag).is_some()),
    };
    let reply = state.conversation.handle(inbound).await.map_err(|_| {
        ApiError::new(
            ErrorCode::Internal,
            "the notice could not be opened; please try again",
        )
    })?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return Ok(Json(ChatResponse::from(reply)).into_response());
    }
    let html_lang = escape(&reply.lang);
    let messages: String = reply
        .messages
        .iter()
        .map(|m| format!("<p>{}</p>", escape(&m.text).replace('\n', "<br>")))
        .collect();
    let page = format!(
        "<!doctype html><html lang=\"{html_lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Auskunft – Bescheid</title></head><body><main>\
         <h1>Auskunft</h1><div role=\"log\" data-session=\"{}\">{messages}</div>\
         </main></body></html>",
        escape(&reply.conversation)
    );
    Ok(Html(page).into_response())
}

/// Text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The simulated provider's pay page.
pub async fn pay_page(
    State(state): State<AppState>,
    Path(payment_id): Path<String>,
) -> Result<Response, ApiError> {
    let payment = state
        .notices
        .notices
        .payment(&payment_id)
        .await
        .map_err(notice_error)?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such payment"))?;
    let id = escape(&payment.id);
    let body = if payment.status == "pending" {
        format!(
            "<p>Kassenzeichen {}: <strong>{}</strong></p>\
             <form method=\"post\" action=\"/pay/{id}\">\
             <button name=\"decision\" value=\"pay\">Bezahlen / Pay</button> \
             <button name=\"decision\" value=\"cancel\">Abbrechen / Cancel</button></form>",
            escape(&payment.kassenzeichen),
            euros(payment.amount_cents)
        )
    } else {
        format!(
            "<p>Kassenzeichen {}: {}</p><p><a href=\"/pay/{id}/done\">Quittung / Receipt</a></p>",
            escape(&payment.kassenzeichen),
            escape(&payment.status)
        )
    };
    Ok(Html(format!(
        "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Bezahlen – simulierter Zahlungsdienst</title></head>\
         <body><main><h1>Simulierter Zahlungsdienst</h1><p>Testumgebung: es fließt kein Geld.</p>{body}</main></body></html>"
    ))
    .into_response())
}

/// The citizen's decision on the pay page.
#[derive(Debug, Deserialize)]
pub struct Decision {
    /// pay or cancel.
    pub decision: String,
}

/// The simulated provider takes the payment and confirms it to the callback, server to server.
pub async fn pay_decision(
    State(state): State<AppState>,
    Path(payment_id): Path<String>,
    axum::Form(decision): axum::Form<Decision>,
) -> Result<Response, ApiError> {
    let payment = state
        .notices
        .notices
        .payment(&payment_id)
        .await
        .map_err(notice_error)?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such payment"))?;
    let status = match decision.decision.as_str() {
        "pay" => "paid",
        "cancel" => "failed",
        _ => return Err(ApiError::invalid("decision must be pay or cancel")),
    };
    let confirmation = Confirmation {
        payment_id: payment.id.clone(),
        amount_cents: payment.amount_cents,
        status: status.to_string(),
        provider_ref: format!("sim-{}", uuid::Uuid::new_v4().simple()),
    };
    let (body, signature) = state.notices.provider.sign(&confirmation);
    let callback = format!("http://{}/api/v1/payments/callback", state.local_address);
    let sent = reqwest::Client::new()
        .post(callback)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature)
        .body(body)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await;
    if let Err(error) = sent {
        tracing::warn!(%error, "the simulated provider could not deliver its confirmation");
    }
    Ok(Redirect::to(&format!("/pay/{}/done", percent_encode(&payment.id))).into_response())
}

/// The receipt after paying.
pub async fn receipt(
    State(state): State<AppState>,
    Path(payment_id): Path<String>,
) -> Result<Response, ApiError> {
    let payment = state
        .notices
        .notices
        .payment(&payment_id)
        .await
        .map_err(notice_error)?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such payment"))?;
    let text = match payment.status.as_str() {
        "paid" => format!(
            "Zahlung erhalten: {} für Kassenzeichen {} (Beleg {}). Vielen Dank! / Payment received.",
            euros(payment.amount_cents),
            escape(&payment.kassenzeichen),
            escape(payment.provider_ref.as_deref().unwrap_or_default())
        ),
        "failed" => "Die Zahlung wurde abgebrochen. / The payment was cancelled.".to_string(),
        _ => {
            "Die Zahlung ist noch nicht bestätigt. / The payment is not confirmed yet.".to_string()
        }
    };
    Ok(Html(format!(
        "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Quittung</title></head>\
         <body><main><h1>Quittung / Receipt</h1><p role=\"status\" data-status=\"{}\">{text}</p></main></body></html>",
        escape(&payment.status)
    ))
    .into_response())
}
