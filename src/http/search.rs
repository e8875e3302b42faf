//! `GET /api/v1/search` and `GET /api/v1/services/{slug}`: the knowledge base for agents, the widget and
//! other programs.

use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ApiQuery, ErrorBody, ErrorCode};
use crate::knowledge::Service;
use crate::knowledge::card::{describe_office, format_fee};
use crate::knowledge::model::localized;
use crate::lang::Lang;

/// The most hits one search returns.
const MAX_LIMIT: usize = 50;

/// The longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 500;

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// The question or key words.
    pub q: Option<String>,
    /// The language of titles and summaries (de, en, de-leicht, uk, ar); default de.
    pub lang: Option<String>,
    /// How many hits at most (1 to 50, default 10).
    pub limit: Option<usize>,
}

/// Search results.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchResponse {
    /// Best first.
    pub hits: Vec<SearchHitBody>,
    /// How long the search took, in milliseconds.
    pub took_ms: f64,
}

/// One hit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchHitBody {
    /// The service slug.
    pub slug: String,
    /// The service name.
    pub title: String,
    /// The chat-sized answer.
    pub summary: String,
    /// Relevance; comparable within one search only.
    pub score: f32,
    /// The official page.
    pub url: String,
    /// The LeiKa key, where one exists.
    pub leika: Option<String>,
}

fn requested_lang(lang: Option<&str>) -> Result<Lang, ApiError> {
    match lang {
        None => Ok(Lang::De),
        Some(tag) => Lang::negotiate(tag).ok_or_else(|| {
            ApiError::invalid(format!(
                "unsupported lang '{tag}': use de, en, de-leicht, uk or ar"
            ))
        }),
    }
}

/// Searches the knowledge base.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    params(SearchParams),
    responses(
        (status = 200, description = "Hits, best first", body = SearchResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 422, description = "Missing q, or a value out of range", body = ErrorBody),
    ),
    tag = "knowledge"
)]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    let started = Instant::now();
    let lang = requested_lang(params.lang.as_deref())?;
    let q = params.q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(ApiError::invalid(
            "q is missing or empty: give the question or key words",
        ));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid(format!(
            "q is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let limit = params.limit.unwrap_or(10);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let results = state.knowledge.search(&q, lang, limit).map_err(|error| {
        tracing::error!(%error, "search failed");
        ApiError::new(ErrorCode::Internal, "the search failed; please try again")
    })?;
    let hits = results
        .hits
        .into_iter()
        .filter_map(|hit| {
            let service = state.knowledge.base.service(&hit.slug)?;
            let (_, text) = service.text(lang);
            Some(SearchHitBody {
                slug: hit.slug,
                title: text.name.clone(),
                summary: text.answer.clone(),
                score: hit.score,
                url: service.source_url.clone(),
                leika: service.leika.clone(),
            })
        })
        .collect();
    Ok(Json(SearchResponse {
        hits,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
    }))
}

/// Parameters of the service record.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ServiceParams {
    /// The language of the texts (de, en, de-leicht, uk, ar); default de.
    pub lang: Option<String>,
}

/// The full record of a service.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceRecord {
    /// Catalogue slug.
    pub slug: String,
    /// The language the texts are in (German or English where the requested one is not written).
    pub lang: String,
    /// Languages the entry is written in.
    pub languages: Vec<String>,
    /// LeiKa key.
    pub leika: Option<String>,
    /// Catalogue area.
    pub area: String,
    /// False for services that are not the city's job.
    pub city_service: bool,
    /// Whether an appointment can be booked.
    pub bookable: bool,
    /// Service name.
    pub name: String,
    /// How citizens say it.
    pub synonyms: Vec<String>,
    /// The chat-sized answer.
    pub answer: String,
    /// The full description.
    pub full_text: String,
    /// Required documents.
    pub documents: Vec<String>,
    /// Prerequisites.
    pub prerequisites: Vec<String>,
    /// Procedure steps.
    pub procedure: Vec<String>,
    /// Deadlines.
    pub deadlines: Option<String>,
    /// Processing time.
    pub processing_time: Option<String>,
    /// Legal basis.
    pub legal_basis: Vec<String>,
    /// Further notes.
    pub notes: Option<String>,
    /// The fee table.
    pub fees: Vec<FeeBody>,
    /// Fees in words where the table cannot say it.
    pub fee_note: Option<String>,
    /// Responsible offices.
    pub offices: Vec<OfficeBody>,
    /// Where to do it online.
    pub online_service: Option<super::chat::LinkBody>,
    /// Related services.
    pub related: Vec<RelatedBody>,
    /// The official page the facts were checked against.
    pub source_url: String,
    /// When they were checked (ISO date).
    pub as_of: String,
}

/// One fee.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeeBody {
    /// Stable id.
    pub id: String,
    /// The amount in euro cents.
    pub amount_cents: i64,
    /// The amount is a minimum.
    pub from: bool,
    /// Per unit (copy, half_hour, item), if so.
    pub unit: Option<String>,
    /// Who pays this, in the record's language.
    pub label: String,
    /// The fee in words.
    pub text: String,
}

/// A responsible office.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OfficeBody {
    /// Office id.
    pub id: String,
    /// Office kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Name and address on one line.
    pub address: String,
    /// Opening hours (OpenStreetMap syntax).
    pub opening_hours: Option<String>,
    /// Opening hours in words.
    pub opening_hours_note: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Web page.
    pub url: Option<String>,
    /// How to get there.
    pub transit: Option<String>,
}

/// A related service.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RelatedBody {
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub title: String,
}

/// The full record of one service.
#[utoipa::path(
    get,
    path = "/api/v1/services/{slug}",
    params(("slug" = String, Path, description = "The service slug"), ServiceParams),
    responses(
        (status = 200, description = "The full record", body = ServiceRecord),
        (status = 404, description = "No service with that slug", body = ErrorBody),
        (status = 422, description = "Unsupported language", body = ErrorBody),
    ),
    tag = "knowledge"
)]
pub async fn service(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(params): ApiQuery<ServiceParams>,
) -> Result<Json<ServiceRecord>, ApiError> {
    let lang = requested_lang(params.lang.as_deref())?;
    let knowledge = &state.knowledge.base;
    let Some(service) = knowledge.service(&slug) else {
        return Err(ApiError::new(
            ErrorCode::ServiceNotFound,
            "no service with that slug; search at /api/v1/search",
        ));
    };
    Ok(Json(service_record(&state, service, lang)))
}

fn service_record(state: &AppState, service: &Service, lang: Lang) -> ServiceRecord {
    let knowledge = &state.knowledge.base;
    let (text_lang, text) = service.text(lang);
    let fees = service
        .fees
        .iter()
        .map(|fee| FeeBody {
            id: fee.id.clone(),
            amount_cents: fee.amount_cents,
            from: fee.from,
            unit: fee.unit.map(|unit| unit.name().to_string()),
            label: text.fee_labels.get(&fee.id).cloned().unwrap_or_default(),
            text: format_fee(fee, text, text_lang),
        })
        .collect();
    let offices = service
        .offices
        .iter()
        .flat_map(|reference| knowledge.offices_for(reference))
        .map(|office| OfficeBody {
            id: office.id.clone(),
            kind: office.kind.clone(),
            name: office.name(text_lang).to_string(),
            address: describe_office(office, text_lang),
            opening_hours: office.opening_hours.clone(),
            opening_hours_note: localized(&office.opening_hours_note, text_lang).map(String::from),
            phone: office.phone.clone(),
            email: office.email.clone(),
            url: office.url.clone(),
            transit: localized(&office.transit, text_lang).map(String::from),
        })
        .collect();
    let related = service
        .related
        .iter()
        .filter_map(|slug| knowledge.service(slug))
        .map(|related| RelatedBody {
            slug: related.slug.clone(),
            title: related.text(text_lang).1.name.clone(),
        })
        .collect();
    ServiceRecord {
        slug: service.slug.clone(),
        lang: text_lang.tag().to_string(),
        languages: service.texts.keys().map(|l| l.tag().to_string()).collect(),
        leika: service.leika.clone(),
        area: service.area.clone(),
        city_service: service.city_service,
        bookable: service.bookable,
        name: text.name.clone(),
        synonyms: text.synonyms.clone(),
        answer: text.answer.clone(),
        full_text: text.full_text.clone(),
        documents: text.documents.clone(),
        prerequisites: text.prerequisites.clone(),
        procedure: text.procedure.clone(),
        deadlines: text.deadlines.clone(),
        processing_time: text.processing_time.clone(),
        legal_basis: text.legal_basis.clone(),
        notes: text.notes.clone(),
        fees,
        fee_note: text.fee_note.clone(),
        offices,
        online_service: service
            .online_service
            .as_ref()
            .map(|online| super::chat::LinkBody {
                label: text
                    .online_service_label
                    .clone()
                    .unwrap_or_else(|| online.label.clone()),
                url: online.url.clone(),
            }),
        related,
        source_url: service.source_url.clone(),
        as_of: service.as_of.to_string(),
    }
}
