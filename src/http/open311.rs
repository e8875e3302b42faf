//! Problem reports as Open311 GeoReport v2 (`/open311/v2/...`): the categories as services, requests
//! posted form-encoded (or multipart with a `media` photo), read back by id or listed with filters; errors
//! in GeoReport's format `[{"code": 400, "description": "..."}]`. The back office sets the status through
//! the admin API.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ApiJson, ErrorCode};
use crate::reports::{NewReport, Report, ReportError, ReportFilter, parse_position};

/// The longest description accepted.
const MAX_DESCRIPTION: usize = 4000;
/// The most requests one list returns (GeoReport's default limit).
const MAX_LIST: i64 = 1000;

/// A GeoReport error answer.
pub struct Open311Error {
    status: StatusCode,
    description: String,
}

impl Open311Error {
    fn bad(description: impl Into<String>) -> Open311Error {
        Open311Error {
            status: StatusCode::BAD_REQUEST,
            description: description.into(),
        }
    }

    fn not_found(description: impl Into<String>) -> Open311Error {
        Open311Error {
            status: StatusCode::NOT_FOUND,
            description: description.into(),
        }
    }

    fn internal(error: &ReportError) -> Open311Error {
        let correlation_id = uuid::Uuid::new_v4().simple().to_string();
        tracing::error!(%correlation_id, %error, "open311");
        Open311Error {
            status: StatusCode::SERVICE_UNAVAILABLE,
            description: format!("please try again (correlation id {correlation_id})"),
        }
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!([{ "code": self.status.as_u16(), "description": self.description }])),
        )
            .into_response()
    }
}

/// A service (report category).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceBody {
    /// The code to post with.
    pub service_code: String,
    /// Its name.
    pub service_name: String,
    /// What it covers.
    pub description: String,
    /// No extra attributes are defined.
    pub metadata: bool,
    /// realtime (reports are stored at once).
    #[serde(rename = "type")]
    pub kind: String,
    /// Words citizens use for it.
    pub keywords: String,
    /// Its group.
    pub group: String,
}

/// A stored service request, as GeoReport v2 describes it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RequestBody {
    /// The tracking number.
    pub service_request_id: String,
    /// open or closed.
    pub status: String,
    /// What the office says.
    pub status_notes: Option<String>,
    /// The category's name.
    pub service_name: String,
    /// The category's code.
    pub service_code: String,
    /// What the reporter wrote.
    pub description: String,
    /// Who works it.
    pub agency_responsible: String,
    /// A notice to the reporter.
    pub service_notice: Option<String>,
    /// When it came in (ISO 8601).
    pub requested_datetime: DateTime<Utc>,
    /// When it last changed.
    pub updated_datetime: DateTime<Utc>,
    /// Not given.
    pub expected_datetime: Option<DateTime<Utc>>,
    /// The address given.
    pub address: Option<String>,
    /// Not used.
    pub address_id: Option<String>,
    /// Not used.
    pub zipcode: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub long: Option<f64>,
    /// The photo.
    pub media_url: Option<String>,
}

/// The answer to a posted request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedBody {
    /// The tracking number.
    pub service_request_id: String,
    /// A notice to the reporter.
    pub service_notice: String,
    /// Not used.
    pub account_id: Option<String>,
}

fn request_body(state: &AppState, report: &Report) -> RequestBody {
    let name = state
        .knowledge
        .categories
        .get(&report.data.service_code)
        .map_or_else(
            || report.data.service_code.clone(),
            |c| c.name(crate::lang::Lang::De).to_string(),
        );
    RequestBody {
        service_request_id: report.id.clone(),
        status: report.status.clone(),
        status_notes: report.status_notes.clone(),
        service_name: name,
        service_code: report.data.service_code.clone(),
        description: report.data.description.clone(),
        agency_responsible: report.agency.clone(),
        service_notice: None,
        requested_datetime: report.requested_at,
        updated_datetime: report.updated_at,
        expected_datetime: None,
        address: report.data.address.clone(),
        address_id: None,
        zipcode: None,
        lat: report.data.position.map(|p| p.0),
        long: report.data.position.map(|p| p.1),
        media_url: if report.data.photo.is_some() {
            Some(format!("/open311/v2/media/{}", report.id))
        } else {
            report.data.media_url.clone()
        },
    }
}

/// The services (report categories).
pub async fn services(State(state): State<AppState>) -> Json<Vec<ServiceBody>> {
    Json(
        state
            .knowledge
            .categories
            .list
            .iter()
            .map(|c| ServiceBody {
                service_code: c.code.clone(),
                service_name: c.name(crate::lang::Lang::De).to_string(),
                description: c.description(crate::lang::Lang::De).to_string(),
                metadata: false,
                kind: "realtime".into(),
                keywords: c.keywords.join(", "),
                group: c.group.clone(),
            })
            .collect(),
    )
}

/// The fields of a posted request (GeoReport v2 names).
#[derive(Debug, Default, Deserialize)]
pub struct RequestFields {
    /// The category.
    pub service_code: Option<String>,
    /// Latitude.
    pub lat: Option<String>,
    /// Longitude.
    pub long: Option<String>,
    /// The address.
    pub address_string: Option<String>,
    /// What is wrong.
    pub description: Option<String>,
    /// For updates.
    pub email: Option<String>,
    /// A photo elsewhere.
    pub media_url: Option<String>,
    /// Ignored fields of the standard.
    #[serde(flatten)]
    pub other: std::collections::HashMap<String, String>,
}

/// Checks posted fields; the report or a reason.
pub fn checked_report(state: &AppState, fields: &RequestFields) -> Result<NewReport, String> {
    let code = fields.service_code.as_deref().unwrap_or_default().trim();
    if code.is_empty() {
        return Err("service_code is required; see /open311/v2/services.json".into());
    }
    if state.knowledge.categories.get(code).is_none() {
        return Err(format!(
            "unknown service_code '{code}'; see /open311/v2/services.json"
        ));
    }
    let position = match (fields.lat.as_deref(), fields.long.as_deref()) {
        (None, None) => None,
        (Some(lat), Some(long)) => Some(
            parse_position(&format!("{lat},{long}"))
                .ok_or("lat and long must be WGS 84 degrees (-90..90, -180..180)")?,
        ),
        _ => return Err("lat and long go together".into()),
    };
    let address = fields
        .address_string
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(String::from);
    if address.as_ref().is_some_and(|a| a.chars().count() > 300) {
        return Err("address_string is longer than 300 characters".into());
    }
    if position.is_none() && address.is_none() {
        return Err("give the place: lat and long, or address_string".into());
    }
    let description = fields
        .description
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_string();
    if description.chars().count() < 3 || description.chars().count() > MAX_DESCRIPTION {
        return Err(format!(
            "description must have 3 to {MAX_DESCRIPTION} characters"
        ));
    }
    let email = fields
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if email.is_some_and(|e| !crate::booking::valid_email(e)) {
        return Err("email is not a valid e-mail address".into());
    }
    let media_url = fields
        .media_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    if media_url.is_some_and(|u| !u.starts_with("https://") || u.len() > 500) {
        return Err("media_url must be an https address".into());
    }
    Ok(NewReport {
        service_code: code.to_string(),
        description,
        position,
        address,
        email: email.map(String::from),
        photo: None,
        media_url: media_url.map(String::from),
    })
}

/// Posts a service request (form-encoded, or multipart with a `media` photo).
pub async fn create(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, Open311Error> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (fields, media) = if multipart {
        let mut form = Multipart::from_request(request, &state)
            .await
            .map_err(|e| Open311Error::bad(e.body_text()))?;
        let mut fields = std::collections::HashMap::new();
        let mut media = None;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| Open311Error::bad(e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|e| {
                Open311Error::bad(format!("cannot read field {name}: {}", e.body_text()))
            })?;
            if name == "media" {
                media = Some(bytes.to_vec());
            } else {
                fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        let fields: RequestFields =
            serde_json::from_value(serde_json::to_value(fields).unwrap_or_default())
                .map_err(|e| Open311Error::bad(e.to_string()))?;
        (fields, media)
    } else {
        let axum::Form(fields) = axum::Form::<RequestFields>::from_request(request, &state)
            .await
            .map_err(|e| Open311Error::bad(e.body_text()))?;
        (fields, None)
    };
    let mut new = checked_report(&state, &fields).map_err(Open311Error::bad)?;
    if let Some(bytes) = media {
        let (mime, clean) = crate::uploads::off_thread(move || crate::uploads::sanitize(&bytes))
            .await
            .ok_or_else(|| Open311Error::bad("the photo cannot be read"))?
            .map_err(|e| Open311Error::bad(format!("media: {e}")))?;
        use base64::Engine as _;
        new.photo = Some((
            mime.to_string(),
            base64::engine::general_purpose::STANDARD.encode(clean),
        ));
    }
    let agency = state
        .knowledge
        .categories
        .get(&new.service_code)
        .map_or("Stadt Leipzig", |c| c.agency.as_str())
        .to_string();
    let report = state
        .reports
        .create(&new, &agency, None, Utc::now())
        .await
        .map_err(|e| Open311Error::internal(&e))?;
    Ok((
        StatusCode::CREATED,
        Json(vec![CreatedBody {
            service_notice: format!("Vorgangsnummer {}", report.id),
            service_request_id: report.id,
            account_id: None,
        }]),
    )
        .into_response())
}

/// One service request (`/open311/v2/requests/{id}.json`).
pub async fn request(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Json<Vec<RequestBody>>, Open311Error> {
    let id = file.strip_suffix(".json").unwrap_or(&file);
    let report = state
        .reports
        .get(id)
        .await
        .map_err(|e| Open311Error::internal(&e))?
        .ok_or_else(|| Open311Error::not_found(format!("no service request '{id}'")))?;
    Ok(Json(vec![request_body(&state, &report)]))
}

/// Filters of the request list (GeoReport v2).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Comma-separated tracking numbers.
    pub service_request_id: Option<String>,
    /// One category.
    pub service_code: Option<String>,
    /// From (ISO 8601).
    pub start_date: Option<String>,
    /// Until (ISO 8601).
    pub end_date: Option<String>,
    /// open or closed.
    pub status: Option<String>,
}

/// Service requests, newest first, filtered.
pub async fn requests(
    State(state): State<AppState>,
    query: axum::extract::RawQuery,
) -> Result<Json<Vec<RequestBody>>, Open311Error> {
    let params: ListParams = serde_urlencoded::from_str(query.0.as_deref().unwrap_or_default())
        .map_err(|e| Open311Error::bad(e.to_string()))?;
    let date = |text: &Option<String>, name: &str| -> Result<Option<DateTime<Utc>>, Open311Error> {
        text.as_deref()
            .map(|t| {
                DateTime::parse_from_rfc3339(t)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| {
                        Open311Error::bad(format!(
                            "{name} must be ISO 8601, e.g. 2026-11-23T00:00:00Z"
                        ))
                    })
            })
            .transpose()
    };
    if let Some(status) = &params.status
        && !matches!(status.as_str(), "open" | "closed")
    {
        return Err(Open311Error::bad("status must be open or closed"));
    }
    let filter = ReportFilter {
        ids: params
            .service_request_id
            .as_deref()
            .map(|ids| ids.split(',').map(|i| i.trim().to_string()).collect())
            .unwrap_or_default(),
        service_code: params.service_code.clone(),
        status: params.status.clone(),
        start: date(&params.start_date, "start_date")?,
        end: date(&params.end_date, "end_date")?,
    };
    let list = state
        .reports
        .list(&filter, MAX_LIST)
        .await
        .map_err(|e| Open311Error::internal(&e))?;
    Ok(Json(list.iter().map(|r| request_body(&state, r)).collect()))
}

/// A report's photo.
pub async fn media(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Open311Error> {
    let report = state
        .reports
        .get(&id)
        .await
        .map_err(|e| Open311Error::internal(&e))?
        .ok_or_else(|| Open311Error::not_found(format!("no service request '{id}'")))?;
    let (mime, data) = report
        .data
        .photo
        .ok_or_else(|| Open311Error::not_found("this request has no photo"))?;
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| Open311Error::not_found("the photo cannot be read"))?;
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}

/// A status update from the back office.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusUpdate {
    /// open or closed.
    pub status: String,
    /// What the office says (shown to the reporter).
    pub status_notes: Option<String>,
    /// Who works it now.
    pub agency_responsible: Option<String>,
}

/// Sets a report's status (back office).
pub async fn set_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<StatusUpdate>,
) -> Result<Json<RequestBody>, ApiError> {
    super::require_admin(&state, &headers)?;
    if !matches!(update.status.as_str(), "open" | "closed") {
        return Err(ApiError::invalid("status must be open or closed"));
    }
    if update
        .status_notes
        .as_ref()
        .is_some_and(|n| n.chars().count() > 2000)
    {
        return Err(ApiError::invalid(
            "status_notes must have at most 2000 characters",
        ));
    }
    let report = state
        .reports
        .set_status(
            &id,
            &update.status,
            update.status_notes.as_deref(),
            update.agency_responsible.as_deref(),
            Utc::now(),
        )
        .await
        .map_err(|error| match error {
            ReportError::NotFound => {
                ApiError::new(ErrorCode::NotFound, format!("no report '{id}'"))
            }
            other => {
                let correlation_id = uuid::Uuid::new_v4().simple().to_string();
                tracing::error!(%correlation_id, error = %other, "report status");
                ApiError::new(
                    ErrorCode::Unavailable,
                    format!("please try again (correlation id {correlation_id})"),
                )
            }
        })?;
    // The reporter hears of the change when they left an address.
    if let Some(email) = &report.data.email
        && state.booking.mailer.enabled()
    {
        let status = if report.status == "closed" {
            "erledigt"
        } else {
            "in Bearbeitung"
        };
        let mut body = format!(
            "Guten Tag,\n\nIhre Meldung {} hat einen neuen Stand: {status}.\n",
            report.id
        );
        if let Some(notes) = &report.status_notes {
            body.push_str(&format!("Hinweis der Stadt: {notes}\n"));
        }
        let mail = crate::booking::mail::Mail {
            to: email.clone(),
            subject: format!("Ihre Meldung {}: {status}", report.id),
            body,
            calendar: None,
        };
        if let Err(error) = state.booking.mailer.send(&mail).await {
            tracing::warn!(%error, "status mail not sent");
        }
    }
    Ok(Json(request_body(&state, &report)))
}
