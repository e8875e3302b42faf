//! API errors: `{code, message}` with the status from one table, and extractors that turn every
//! rejection (bad JSON, unknown fields, wrong content type, oversized body, bad query) into one.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// What went wrong, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The body is not valid JSON or does not fit the schema.
    InvalidJson,
    /// The body is not declared as JSON.
    UnsupportedMediaType,
    /// The body is larger than accepted.
    PayloadTooLarge,
    /// The request is well-formed but a value is not acceptable.
    InvalidRequest,
    /// The text is longer than accepted.
    TextTooLong,
    /// The query string is malformed.
    InvalidQuery,
    /// No such route.
    NotFound,
    /// No service with that slug.
    ServiceNotFound,
    /// No course with that number.
    CourseNotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// Every counter of the slot is taken.
    SlotFull,
    /// No booking with this code and key.
    BookingNotFound,
    /// The booking can no longer be changed (cancelled, expired, past).
    BookingClosed,
    /// The Idempotency-Key was used for a different request.
    IdempotencyKeyReused,
    /// A missing or wrong admin token (or payment signature).
    Unauthorized,
    /// A notice with this Kassenzeichen exists.
    NoticeExists,
    /// No notice with this Kassenzeichen and check code.
    NoticeNotFound,
    /// The notice is paid.
    AlreadyPaid,
    /// Too many failed lookups.
    TooManyAttempts,
    /// The request took too long.
    Timeout,
    /// Something failed inside; the log has the cause under the correlation id in the message.
    Internal,
    /// A dependency (the database) is not available.
    Unavailable,
    /// The client sends too fast.
    RateLimited,
    /// A console form came without its CSRF token.
    Csrf,
    /// Another agent has taken the conversation over, or it is not taken.
    Taken,
}

impl ErrorCode {
    /// The code's name and HTTP status: the one table that maps them.
    pub fn describe(self) -> (&'static str, StatusCode) {
        match self {
            ErrorCode::InvalidJson => ("invalid_json", StatusCode::BAD_REQUEST),
            ErrorCode::UnsupportedMediaType => {
                ("unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            ErrorCode::PayloadTooLarge => ("payload_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            ErrorCode::InvalidRequest => ("invalid_request", StatusCode::UNPROCESSABLE_ENTITY),
            ErrorCode::TextTooLong => ("text_too_long", StatusCode::UNPROCESSABLE_ENTITY),
            ErrorCode::InvalidQuery => ("invalid_query", StatusCode::BAD_REQUEST),
            ErrorCode::NotFound => ("not_found", StatusCode::NOT_FOUND),
            ErrorCode::ServiceNotFound => ("service_not_found", StatusCode::NOT_FOUND),
            ErrorCode::CourseNotFound => ("course_not_found", StatusCode::NOT_FOUND),
            ErrorCode::MethodNotAllowed => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            ErrorCode::SlotFull => ("slot_full", StatusCode::CONFLICT),
            ErrorCode::BookingNotFound => ("booking_not_found", StatusCode::NOT_FOUND),
            ErrorCode::BookingClosed => ("booking_closed", StatusCode::CONFLICT),
            ErrorCode::IdempotencyKeyReused => {
                ("idempotency_key_reused", StatusCode::UNPROCESSABLE_ENTITY)
            }
            ErrorCode::Unauthorized => ("unauthorized", StatusCode::UNAUTHORIZED),
            ErrorCode::NoticeExists => ("notice_exists", StatusCode::CONFLICT),
            ErrorCode::NoticeNotFound => ("notice_not_found", StatusCode::NOT_FOUND),
            ErrorCode::AlreadyPaid => ("already_paid", StatusCode::CONFLICT),
            ErrorCode::TooManyAttempts => ("too_many_attempts", StatusCode::TOO_MANY_REQUESTS),
            ErrorCode::Timeout => ("timeout", StatusCode::REQUEST_TIMEOUT),
            ErrorCode::Internal => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
            ErrorCode::Unavailable => ("unavailable", StatusCode::SERVICE_UNAVAILABLE),
            ErrorCode::RateLimited => ("rate_limited", StatusCode::TOO_MANY_REQUESTS),
            ErrorCode::Csrf => ("csrf", StatusCode::FORBIDDEN),
            ErrorCode::Taken => ("taken", StatusCode::CONFLICT),
        }
    }
}

impl ApiError {
    /// A failed dependency (the database): logged with a correlation id, answered 503 with that id.
    pub fn unavailable(what: &str, error: impl std::fmt::Display) -> ApiError {
        let correlation_id = uuid::Uuid::new_v4().simple().to_string();
        tracing::error!(%correlation_id, %error, "{what}");
        ApiError::new(
            ErrorCode::Unavailable,
            format!("please try again (correlation id {correlation_id})"),
        )
    }
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The code.
    pub code: ErrorCode,
    /// What went wrong and how to fix it, in English.
    pub message: String,
}

/// The JSON body of every error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_request`.
    pub code: String,
    /// What went wrong and how to fix it.
    pub message: String,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// A 422 for a value that is not acceptable.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidRequest, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status) = self.code.describe();
        (
            status,
            Json(ErrorBody {
                code: code.to_string(),
                message: self.message,
            }),
        )
            .into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let code = match &rejection {
            JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
            JsonRejection::JsonDataError(_) => ErrorCode::InvalidRequest,
            JsonRejection::BytesRejection(_)
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ErrorCode::PayloadTooLarge
            }
            _ => ErrorCode::InvalidJson,
        };
        ApiError::new(code, rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::new(ErrorCode::InvalidQuery, rejection.body_text())
    }
}

/// `Json<T>` whose rejections are [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<ApiJson<T>, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(ApiJson(value))
    }
}

/// `Query<T>` whose rejections are [`ApiError`]s.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiQuery<T>, ApiError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// The answer for unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such endpoint; see /openapi.json")
}

/// The answer for a known route called with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this endpoint does not accept that method; see /openapi.json",
    )
}
