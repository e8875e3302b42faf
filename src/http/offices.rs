//! `GET /api/v1/offices`: every office with address, hours, and whether it is open now.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ApiQuery, ErrorBody};
use crate::knowledge::model::localized;
use crate::knowledge::offices::{OpenState, describe_state, open_state};
use crate::lang::Lang;

/// Office list parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OfficeParams {
    /// Only offices of this kind (buergerbuero, standesamt, vhs ...).
    pub kind: Option<String>,
    /// The language of names and notes (de, en, de-leicht, uk, ar); default de.
    pub lang: Option<String>,
}

/// The offices.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OfficesResponse {
    /// Offices sorted by id.
    pub offices: Vec<OfficeSummary>,
}

/// One office.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OfficeSummary {
    /// Office id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Street, postcode and city; null where the address is not among the checked facts.
    pub address: Option<String>,
    /// Opening hours (OpenStreetMap syntax), where known.
    pub opening_hours: Option<String>,
    /// Opening hours in words.
    pub opening_hours_note: Option<String>,
    /// Open now (null where the hours are not known).
    pub open_now: Option<bool>,
    /// "Jetzt geöffnet (bis heute 18:00 Uhr)" and the like.
    pub open_state: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Web page.
    pub url: Option<String>,
    /// Where to book appointments.
    pub appointments_url: Option<String>,
    /// How to get there.
    pub transit: Option<String>,
    /// Accessibility.
    pub accessibility: Option<String>,
    /// Appointments bookable here through Auskunft (null where the office takes none).
    pub booking: Option<OfficeBooking>,
}

/// How an office takes appointments.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OfficeBooking {
    /// Booking hours (OpenStreetMap syntax).
    pub hours: String,
    /// Counters serving appointments at once (the capacity of a slot).
    pub counters: u32,
    /// The slot grid in minutes.
    pub slot_minutes: u32,
    /// The services bookable here (slugs).
    pub services: Vec<String>,
}

/// Lists the offices.
#[utoipa::path(
    get,
    path = "/api/v1/offices",
    params(OfficeParams),
    responses(
        (status = 200, description = "The offices", body = OfficesResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 422, description = "Unknown kind or language", body = ErrorBody),
    ),
    tag = "knowledge"
)]
pub async fn offices(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<OfficeParams>,
) -> Result<Json<OfficesResponse>, ApiError> {
    let lang = match params.lang.as_deref() {
        None => Lang::De,
        Some(tag) => Lang::negotiate(tag).ok_or_else(|| {
            ApiError::invalid(format!(
                "unsupported lang '{tag}': use de, en, de-leicht, uk or ar"
            ))
        })?,
    };
    let knowledge = &state.knowledge.base;
    if let Some(kind) = &params.kind
        && !knowledge.offices.iter().any(|o| &o.kind == kind)
    {
        return Err(ApiError::invalid(format!("no office of kind '{kind}'")));
    }
    let now = chrono::Utc::now();
    let schedule = &state.knowledge.schedule;
    let offices = knowledge
        .offices
        .iter()
        .filter(|office| params.kind.as_ref().is_none_or(|kind| &office.kind == kind))
        .map(|office| {
            let state = open_state(office, now);
            OfficeSummary {
                id: office.id.clone(),
                kind: office.kind.clone(),
                name: office.name(lang).to_string(),
                address: (!office.street.is_empty()).then(|| office.address()),
                opening_hours: office.opening_hours.clone(),
                opening_hours_note: localized(&office.opening_hours_note, lang).map(String::from),
                open_now: state.as_ref().map(|s| matches!(s, OpenState::Open(_))),
                open_state: state.as_ref().map(|s| describe_state(s, now, lang)),
                phone: office.phone.clone(),
                email: office.email.clone(),
                url: office.url.clone(),
                appointments_url: office.appointments_url.clone(),
                transit: localized(&office.transit, lang).map(String::from),
                accessibility: localized(&office.accessibility, lang).map(String::from),
                booking: schedule
                    .offices
                    .get(&office.id)
                    .map(|calendar| OfficeBooking {
                        hours: calendar.hours_text.clone(),
                        counters: calendar.counters,
                        slot_minutes: calendar.slot_minutes,
                        services: schedule
                            .types
                            .values()
                            .filter(|t| t.offices.contains(&office.id))
                            .map(|t| t.service.clone())
                            .collect(),
                    }),
            }
        })
        .collect();
    Ok(Json(OfficesResponse { offices }))
}
