//! Appointments and course registrations as plain REST (the same bookings the chat makes):
//! free slots, booking with an `Idempotency-Key`, reading, cancelling, the calendar file, course
//! registrations with waiting list, and the counter staff's day list behind a bearer token.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::client::ClientAddr;
use super::error::{ApiError, ApiJson, ApiQuery, ErrorBody, ErrorCode};
use crate::booking::store::NewAppointment;
use crate::booking::{
    Appointment, BookingError, Registration, normalise_code, normalise_email, normalise_name,
};
use crate::engine::local_date;
use crate::lang::Lang;
use crate::transactions::appointments::BookingContext;
use crate::transactions::registration;

/// The longest Idempotency-Key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// Slot query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SlotParams {
    /// The service slug (a bookable service).
    pub service: String,
    /// The office id; all offices offering the service when left out.
    pub office: Option<String>,
    /// The local date, YYYY-MM-DD.
    pub date: String,
}

/// Free and taken slots.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlotsResponse {
    /// The slots of the day that have not begun, by start.
    pub slots: Vec<SlotBody>,
    /// True while the calendar is sample data: a demonstration, no real appointments.
    pub sample: bool,
}

/// One slot.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlotBody {
    /// The office id.
    pub office: String,
    /// Start (RFC 3339, UTC).
    pub start: DateTime<Utc>,
    /// End (RFC 3339, UTC).
    pub end: DateTime<Utc>,
    /// Counters still free (0 = fully booked).
    pub free: u32,
}

/// A booking request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    /// The service slug.
    pub service: String,
    /// The office id.
    pub office: String,
    /// The slot's start (RFC 3339), as listed by the slots endpoint.
    pub start: DateTime<Utc>,
    /// The citizen's name.
    pub name: String,
    /// The citizen's e-mail address (the confirmation goes there).
    pub email: String,
    /// The language of the confirmation (de, en ...); default de.
    pub lang: Option<String>,
}

/// A booked appointment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AppointmentBody {
    /// The booking code.
    pub code: String,
    /// The check key that goes with the code.
    pub key: String,
    /// reserved, confirmed, cancelled or expired.
    pub status: String,
    /// The service slug.
    pub service: String,
    /// The office id.
    pub office: String,
    /// Start (RFC 3339, UTC).
    pub start: DateTime<Utc>,
    /// End (RFC 3339, UTC).
    pub end: DateTime<Utc>,
    /// The calendar file.
    pub ics_url: String,
    /// Whether the confirmation e-mail was accepted by the SMTP server (null when not attempted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_sent: Option<bool>,
    /// True while the calendar is sample data: the appointment is a demonstration, not real.
    pub sample: bool,
}

fn appointment_body(appointment: &Appointment, sample: bool) -> AppointmentBody {
    AppointmentBody {
        code: appointment.code.clone(),
        key: appointment.key.clone(),
        status: appointment.status.as_str().to_string(),
        service: appointment.service.clone(),
        office: appointment.office.clone(),
        start: appointment.start,
        end: appointment.end,
        ics_url: BookingContext::ics_url(appointment),
        mail_sent: None,
        sample,
    }
}

/// The key that proves the caller holds a booking.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KeyParams {
    /// The six-digit check key from the confirmation.
    pub key: String,
}

/// A registration request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// The participant's name.
    pub name: String,
    /// The participant's e-mail address.
    pub email: String,
    /// Whether the reduced fee applies.
    #[serde(default)]
    pub reduced: bool,
    /// The language of the mails; default de.
    pub lang: Option<String>,
}

/// A registration.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RegistrationBody {
    /// The registration code.
    pub code: String,
    /// The check key.
    pub key: String,
    /// The course number.
    pub course: String,
    /// confirmed, waiting or cancelled.
    pub status: String,
    /// The place on the waiting list (1 = next), while waiting.
    pub position: Option<u32>,
    /// Whether the reduced fee applies.
    pub reduced: bool,
}

fn registration_body(registration: &Registration) -> RegistrationBody {
    RegistrationBody {
        code: registration.code.clone(),
        key: registration.key.clone(),
        course: registration.course.clone(),
        status: registration.status.as_str().to_string(),
        position: registration.position,
        reduced: registration.reduced,
    }
}

/// The day list query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DayParams {
    /// The office id.
    pub office: String,
    /// The local date, YYYY-MM-DD.
    pub date: String,
}

/// One office's appointments on one day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DayResponse {
    /// The office id.
    pub office: String,
    /// The date.
    pub date: NaiveDate,
    /// Confirmed appointments and held reservations, by start.
    pub appointments: Vec<DayEntry>,
}

/// One entry of the day list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DayEntry {
    /// The booking code.
    pub code: String,
    /// reserved or confirmed.
    pub status: String,
    /// The service slug.
    pub service: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// The citizen's name (null while reserved).
    pub name: Option<String>,
    /// The citizen's e-mail address.
    pub email: Option<String>,
}

fn booking_error(error: BookingError) -> ApiError {
    match error {
        BookingError::Full => ApiError::new(
            ErrorCode::SlotFull,
            "this slot is fully booked; choose another from /api/v1/appointments/slots",
        ),
        BookingError::NotFound => ApiError::new(
            ErrorCode::BookingNotFound,
            "no booking with this code and key",
        ),
        BookingError::Closed(state) => ApiError::new(
            ErrorCode::BookingClosed,
            format!("the booking is {state} and cannot be changed"),
        ),
        BookingError::KeyReused => ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used for a different request; use a new key",
        ),
        BookingError::TooManyAttempts(seconds) => ApiError::new(
            ErrorCode::TooManyAttempts,
            format!(
                "too many wrong keys; try again in {} minutes",
                seconds / 60 + 1
            ),
        ),
        BookingError::Database(message) => {
            let correlation_id = uuid::Uuid::new_v4().simple().to_string();
            tracing::error!(%correlation_id, "booking failed: {message}");
            ApiError::new(
                ErrorCode::Unavailable,
                format!(
                    "the booking could not be stored; please try again (correlation id {correlation_id})"
                ),
            )
        }
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(format!(
            "date '{text}' is not a date in the form YYYY-MM-DD"
        ))
    })
}

/// The `lang` of a request (German when absent), or 422 naming the languages offered.
pub(super) fn parse_lang(tag: Option<&str>) -> Result<Lang, ApiError> {
    match tag {
        None => Ok(Lang::De),
        Some(tag) => Lang::negotiate(tag).ok_or_else(|| {
            ApiError::invalid(format!(
                "unsupported lang '{tag}': use de, en, de-leicht, uk or ar"
            ))
        }),
    }
}

/// The `Idempotency-Key` header, checked: absent, or 1 to 200 visible characters.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidRequest,
                format!(
                    "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"
                ),
            )
        })?;
    Ok(Some(key.to_string()))
}

/// Checks the service and the office and that the office offers it.
fn check_service_office(
    state: &AppState,
    service: &str,
    office: Option<&str>,
) -> Result<(), ApiError> {
    let schedule = &state.knowledge.schedule;
    if state.knowledge.base.service(service).is_none() {
        return Err(ApiError::new(
            ErrorCode::ServiceNotFound,
            format!("no service '{service}'"),
        ));
    }
    if schedule.appointment_type(service).is_none() {
        return Err(ApiError::invalid(format!(
            "service '{service}' cannot be booked; bookable services are listed per office in /api/v1/offices"
        )));
    }
    if let Some(office) = office {
        if state.knowledge.base.office(office).is_none() {
            return Err(ApiError::invalid(format!("no office '{office}'")));
        }
        if !schedule.offers(service, office) {
            return Err(ApiError::invalid(format!(
                "office '{office}' does not offer appointments for '{service}'"
            )));
        }
    }
    Ok(())
}

/// Lists the slots of a day.
#[utoipa::path(
    get,
    path = "/api/v1/appointments/slots",
    params(SlotParams),
    responses(
        (status = 200, description = "The day's slots with free counters", body = SlotsResponse),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 404, description = "Unknown service", body = ErrorBody),
        (status = 422, description = "Not bookable, unknown office, bad or past date", body = ErrorBody),
    ),
    tag = "appointments"
)]
pub async fn slots(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SlotParams>,
) -> Result<Json<SlotsResponse>, ApiError> {
    check_service_office(&state, &params.service, params.office.as_deref())?;
    let date = parse_date(&params.date)?;
    let now = Utc::now();
    let bookings = &state.booking.bookings;
    if date < local_date(now) {
        return Err(ApiError::invalid(format!("date {date} is in the past")));
    }
    if date > bookings.last_day(now) {
        return Err(ApiError::invalid(format!(
            "slots are offered up to {}",
            bookings.last_day(now)
        )));
    }
    let offices: Vec<String> = match &params.office {
        Some(office) => vec![office.clone()],
        None => state
            .knowledge
            .schedule
            .appointment_type(&params.service)
            .map(|t| t.offices.clone())
            .unwrap_or_default(),
    };
    let mut slots = Vec::new();
    for office in offices {
        let found = bookings
            .availability(&params.service, &office, date, now)
            .await
            .map_err(booking_error)?;
        slots.extend(found.into_iter().map(|s| SlotBody {
            office: s.office,
            start: s.start,
            end: s.end,
            free: s.free,
        }));
    }
    slots.sort_by(|a, b| a.start.cmp(&b.start).then(a.office.cmp(&b.office)));
    Ok(Json(SlotsResponse {
        slots,
        sample: state.booking.sample(),
    }))
}

/// Books an appointment (confirmed at once). Send an `Idempotency-Key` header: a retry with the same key
/// returns the first answer instead of booking twice.
#[utoipa::path(
    post,
    path = "/api/v1/appointments",
    request_body = BookingRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Booked", body = AppointmentBody),
        (status = 404, description = "Unknown service", body = ErrorBody),
        (status = 409, description = "The slot is fully booked", body = ErrorBody),
        (status = 422, description = "Invalid office, time, name or e-mail; key reused", body = ErrorBody),
    ),
    tag = "appointments"
)]
pub async fn book(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<BookingRequest>,
) -> Result<(StatusCode, Json<AppointmentBody>), ApiError> {
    let idempotency = idempotency_key(&headers)?;
    check_service_office(&state, &request.service, Some(&request.office))?;
    let lang = parse_lang(request.lang.as_deref())?;
    let name = normalise_name(&request.name)
        .ok_or_else(|| ApiError::invalid("name must have 2 to 100 characters with letters"))?;
    let email = normalise_email(&request.email).ok_or_else(|| {
        ApiError::invalid(format!("'{}' is not a valid e-mail address", request.email))
    })?;
    let now = Utc::now();
    let bookings = &state.booking.bookings;
    if request.start <= now {
        return Err(ApiError::invalid("the slot has already begun"));
    }
    if local_date(request.start) > bookings.last_day(now) {
        return Err(ApiError::invalid(format!(
            "slots are offered up to {}",
            bookings.last_day(now)
        )));
    }
    let slot = state
        .knowledge
        .schedule
        .slot_at(&request.service, &request.office, request.start)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "no slot starts at {} at '{}'; see /api/v1/appointments/slots",
                request.start.to_rfc3339(),
                request.office
            ))
        })?;
    let fingerprint = serde_json::to_string(&request).unwrap_or_default();
    let new = NewAppointment {
        service: request.service.clone(),
        slot,
        name: Some(name),
        email: Some(email),
        lang: lang.tag().to_string(),
        reserve_only: false,
        idempotency: idempotency.map(|key| (format!("api:{key}"), fingerprint)),
    };
    let (appointment, fresh) = bookings.book(&new, now).await.map_err(booking_error)?;
    let mut body = appointment_body(&appointment, state.booking.sample());
    // A replay answers as the first time, without a second mail.
    if fresh && state.booking.mailer.enabled() {
        let sent = state.booking.mail_confirmation(&appointment, lang).await;
        body.mail_sent = Some(sent == crate::transactions::texts::booking_texts(lang).mail_sent);
    }
    Ok((StatusCode::CREATED, Json(body)))
}

fn checked_code(code: &str) -> Result<String, ApiError> {
    normalise_code(code).ok_or_else(|| {
        ApiError::new(
            ErrorCode::BookingNotFound,
            "no booking with this code and key",
        )
    })
}

/// Reads an appointment.
#[utoipa::path(
    get,
    path = "/api/v1/appointments/{code}",
    params(("code" = String, Path, description = "The booking code"), KeyParams),
    responses(
        (status = 200, description = "The appointment", body = AppointmentBody),
        (status = 404, description = "No booking with this code and key", body = ErrorBody),
    ),
    tag = "appointments"
)]
pub async fn appointment(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(code): Path<String>,
    ApiQuery(params): ApiQuery<KeyParams>,
) -> Result<Json<AppointmentBody>, ApiError> {
    let code = checked_code(&code)?;
    let bookings = &state.booking.bookings;
    let appointment = guarded(bookings, &code, &client, || {
        bookings.appointment(&code, &params.key, Utc::now())
    })
    .await?;
    Ok(Json(appointment_body(&appointment, state.booking.sample())))
}

/// Runs a look-up by code and key as a counted guess at the key: a wrong key (not found) keeps counting
/// against the client and the code, anything else gives the guess back.
async fn guarded<T, F>(
    bookings: &crate::booking::Bookings,
    code: &str,
    client: &str,
    work: impl FnOnce() -> F,
) -> Result<T, ApiError>
where
    F: std::future::Future<Output = Result<T, BookingError>>,
{
    let guess = bookings
        .key_guess(code, client, Utc::now())
        .await
        .map_err(booking_error)?;
    let result = work().await;
    if !matches!(result, Err(BookingError::NotFound)) {
        guess.right().await;
    }
    result.map_err(booking_error)
}

/// Cancels an appointment.
#[utoipa::path(
    delete,
    path = "/api/v1/appointments/{code}",
    params(("code" = String, Path, description = "The booking code"), KeyParams),
    responses(
        (status = 200, description = "Cancelled (also when it already was)", body = AppointmentBody),
        (status = 404, description = "No booking with this code and key", body = ErrorBody),
        (status = 409, description = "Begun or expired: cannot be cancelled", body = ErrorBody),
    ),
    tag = "appointments"
)]
pub async fn cancel(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(code): Path<String>,
    ApiQuery(params): ApiQuery<KeyParams>,
) -> Result<Json<AppointmentBody>, ApiError> {
    let code = checked_code(&code)?;
    let bookings = &state.booking.bookings;
    let appointment = guarded(bookings, &code, &client, || {
        bookings.cancel(&code, &params.key, Utc::now())
    })
    .await?;
    Ok(Json(appointment_body(&appointment, state.booking.sample())))
}

/// The appointment as an iCalendar file.
#[utoipa::path(
    get,
    path = "/api/v1/appointments/{code}/ics",
    params(("code" = String, Path, description = "The booking code"), KeyParams),
    responses(
        (status = 200, description = "text/calendar (RFC 5545)", content_type = "text/calendar"),
        (status = 404, description = "No booking with this code and key", body = ErrorBody),
    ),
    tag = "appointments"
)]
pub async fn ics(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(code): Path<String>,
    ApiQuery(params): ApiQuery<KeyParams>,
) -> Result<Response, ApiError> {
    let code = checked_code(&code)?;
    let bookings = &state.booking.bookings;
    let appointment = guarded(bookings, &code, &client, || {
        bookings.appointment(&code, &params.key, Utc::now())
    })
    .await?;
    let lang = Lang::negotiate(&appointment.lang).unwrap_or(Lang::De);
    let body = state.booking.ics(&appointment, lang);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.ics\"", appointment.code),
            ),
        ],
        body,
    )
        .into_response())
}

/// Registers for a course: confirmed while seats are free, else on the waiting list.
#[utoipa::path(
    post,
    path = "/api/v1/courses/{id}/registrations",
    request_body = RegistrationRequest,
    params(
        ("id" = String, Path, description = "The course number"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe"),
    ),
    responses(
        (status = 201, description = "Registered (confirmed or waiting)", body = RegistrationBody),
        (status = 404, description = "No such course", body = ErrorBody),
        (status = 422, description = "Invalid name or e-mail; course begun; key reused", body = ErrorBody),
    ),
    tag = "courses"
)]
pub async fn register(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<RegistrationRequest>,
) -> Result<(StatusCode, Json<RegistrationBody>), ApiError> {
    let idempotency = idempotency_key(&headers)?;
    let course = state
        .knowledge
        .courses
        .course(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::CourseNotFound, format!("no course '{id}'")))?;
    let lang = parse_lang(request.lang.as_deref())?;
    let name = normalise_name(&request.name)
        .ok_or_else(|| ApiError::invalid("name must have 2 to 100 characters with letters"))?;
    let email = normalise_email(&request.email).ok_or_else(|| {
        ApiError::invalid(format!("'{}' is not a valid e-mail address", request.email))
    })?;
    let now = Utc::now();
    if course.start <= local_date(now) {
        return Err(ApiError::invalid(format!(
            "course {} began on {}; registration is closed",
            course.id, course.start
        )));
    }
    let fingerprint = format!(
        "{}|{}",
        course.id,
        serde_json::to_string(&request).unwrap_or_default()
    );
    let applicant = registration::Applicant {
        name: &name,
        email: &email,
        reduced: request.reduced,
        lang,
    };
    let (registration, _) = registration::register(
        &state.booking,
        course,
        applicant,
        idempotency.map(|key| (format!("api:{key}"), fingerprint)),
        now,
    )
    .await
    .map_err(booking_error)?;
    Ok((StatusCode::CREATED, Json(registration_body(&registration))))
}

/// The registration with this code and key, if it is one of this course's.
async fn course_registration(
    state: &AppState,
    client: &str,
    course: &str,
    code: &str,
    key: &str,
) -> Result<(String, Registration), ApiError> {
    let code = checked_code(code)?;
    let bookings = &state.booking.bookings;
    let found = guarded(bookings, &code, client, || {
        bookings.registration(&code, key)
    })
    .await?;
    if found.course != course {
        return Err(booking_error(BookingError::NotFound));
    }
    Ok((code, found))
}

/// Reads a registration (with its waiting-list position).
#[utoipa::path(
    get,
    path = "/api/v1/courses/{id}/registrations/{code}",
    params(
        ("id" = String, Path, description = "The course number"),
        ("code" = String, Path, description = "The registration code"),
        KeyParams,
    ),
    responses(
        (status = 200, description = "The registration", body = RegistrationBody),
        (status = 404, description = "No registration with this code and key", body = ErrorBody),
    ),
    tag = "courses"
)]
pub async fn registration(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path((id, code)): Path<(String, String)>,
    ApiQuery(params): ApiQuery<KeyParams>,
) -> Result<Json<RegistrationBody>, ApiError> {
    let (_, found) = course_registration(&state, &client, &id, &code, &params.key).await?;
    Ok(Json(registration_body(&found)))
}

/// Cancels a registration; a freed seat goes to the first on the waiting list, who is mailed.
#[utoipa::path(
    delete,
    path = "/api/v1/courses/{id}/registrations/{code}",
    params(
        ("id" = String, Path, description = "The course number"),
        ("code" = String, Path, description = "The registration code"),
        KeyParams,
    ),
    responses(
        (status = 200, description = "Cancelled", body = RegistrationBody),
        (status = 404, description = "No registration with this code and key", body = ErrorBody),
    ),
    tag = "courses"
)]
pub async fn cancel_registration(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path((id, code)): Path<(String, String)>,
    ApiQuery(params): ApiQuery<KeyParams>,
) -> Result<Json<RegistrationBody>, ApiError> {
    let (code, _) = course_registration(&state, &client, &id, &code, &params.key).await?;
    let (cancelled, _) = registration::cancel_registration(&state.booking, &code, &params.key)
        .await
        .map_err(booking_error)?;
    Ok(Json(registration_body(&cancelled)))
}

/// The counter staff's list of one office's appointments on one day.
#[utoipa::path(
    get,
    path = "/api/v1/admin/appointments",
    params(DayParams),
    responses(
        (status = 200, description = "The day's appointments", body = DayResponse),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 404, description = "The admin API is switched off (no token configured)", body = ErrorBody),
        (status = 422, description = "Unknown office or bad date", body = ErrorBody),
    ),
    tag = "admin"
)]
pub async fn day_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<DayParams>,
) -> Result<Json<DayResponse>, ApiError> {
    super::require_admin(&state, &headers)?;
    if state.knowledge.base.office(&params.office).is_none() {
        return Err(ApiError::invalid(format!("no office '{}'", params.office)));
    }
    let date = parse_date(&params.date)?;
    let appointments = state
        .booking
        .bookings
        .day(&params.office, date, Utc::now())
        .await
        .map_err(booking_error)?
        .into_iter()
        .map(|a| DayEntry {
            code: a.code,
            status: a.status.as_str().to_string(),
            service: a.service,
            start: a.start,
            end: a.end,
            name: a.name,
            email: a.email,
        })
        .collect();
    Ok(Json(DayResponse {
        office: params.office,
        date,
        appointments,
    }))
}
