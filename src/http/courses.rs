//! `GET /api/v1/courses` and `GET /api/v1/courses/{id}`: the Volkshochschule's course catalogue, searched
//! by topic, level, weekday, time of day and place.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ApiQuery, ErrorBody, ErrorCode};
use crate::knowledge::courses::{Course, CourseQuery, TimeOfDay, parse_weekday};

/// The most courses one search returns.
const MAX_LIMIT: usize = 100;

/// Course search parameters; all optional.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CourseParams {
    /// Topic words, e.g. "Spanisch" or "Töpfern".
    pub q: Option<String>,
    /// Level: A1 ... C2, Einsteiger, Fortgeschrittene, alle.
    pub level: Option<String>,
    /// Weekday: mo, di, mi, do, fr, sa, so (or English names).
    pub weekday: Option<String>,
    /// Part of the day: morning, afternoon, evening.
    pub time: Option<String>,
    /// Words of the place, e.g. "Grünau" or "online".
    pub place: Option<String>,
    /// Only courses with free seats.
    pub available: Option<bool>,
    /// How many courses at most (1 to 100, default 20).
    pub limit: Option<usize>,
}

/// Courses found.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CoursesResponse {
    /// Matching courses, best first.
    pub courses: Vec<CourseBody>,
    /// How many matched (before the limit).
    pub total: usize,
}

/// One course.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CourseBody {
    /// Course number.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Subject area.
    pub area: String,
    /// Level.
    pub level: String,
    /// First session (ISO date).
    pub start: String,
    /// Last session (ISO date).
    pub end: String,
    /// Number of sessions.
    pub sessions: u32,
    /// Weekdays (Mon ... Sun).
    pub weekdays: Vec<String>,
    /// Start time (HH:MM).
    pub time_from: String,
    /// End time (HH:MM).
    pub time_to: String,
    /// Place.
    pub place: String,
    /// Room.
    pub room: Option<String>,
    /// Normal fee in cents.
    pub fee_cents: i64,
    /// Reduced fee in cents.
    pub reduced_fee_cents: i64,
    /// Seats.
    pub seats: u32,
    /// Free seats.
    pub free_seats: u32,
    /// open, few (three or fewer free seats) or full.
    pub status: String,
}

impl CourseBody {
    /// The course with its seats still free: the export's free seats minus registrations made here.
    fn new(course: &Course, registered_here: u32) -> CourseBody {
        let free_seats = course.free_seats().saturating_sub(registered_here);
        let status = match free_seats {
            0 => "full",
            1..=3 => "few",
            _ => "open",
        };
        CourseBody {
            id: course.id.clone(),
            title: course.title.clone(),
            description: course.description.clone(),
            area: course.area.clone(),
            level: course.level.clone(),
            start: course.start.to_string(),
            end: course.end.to_string(),
            sessions: course.sessions,
            weekdays: course.weekdays.iter().map(|d| d.to_string()).collect(),
            time_from: course.time_from.format("%H:%M").to_string(),
            time_to: course.time_to.format("%H:%M").to_string(),
            place: course.place.clone(),
            room: course.room.clone(),
            fee_cents: course.fee_cents,
            reduced_fee_cents: course.reduced_fee_cents,
            seats: course.seats,
            free_seats,
            status: status.to_string(),
        }
    }
}

/// Searches the course catalogue; courses that have started are not listed.
#[utoipa::path(
    get,
    path = "/api/v1/courses",
    params(CourseParams),
    responses(
        (status = 200, description = "Courses, best first", body = CoursesResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 422, description = "A value is not acceptable", body = ErrorBody),
    ),
    tag = "courses"
)]
pub async fn courses(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<CourseParams>,
) -> Result<Json<CoursesResponse>, ApiError> {
    let limit = params.limit.unwrap_or(20);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let weekday = match params.weekday.as_deref() {
        None => None,
        Some(day) => Some(parse_weekday(day).ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown weekday '{day}': use mo, di, mi, do, fr, sa or so"
            ))
        })?),
    };
    let time_of_day = match params.time.as_deref() {
        None => None,
        Some(time) => Some(TimeOfDay::parse(time).ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown time '{time}': use morning, afternoon or evening"
            ))
        })?),
    };
    if params.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid("q is longer than 200 characters"));
    }
    let query = CourseQuery {
        text: params.q.filter(|q| !q.trim().is_empty()),
        levels: params
            .level
            .filter(|l| !l.trim().is_empty())
            .into_iter()
            .collect(),
        weekday,
        time_of_day,
        place: params.place.filter(|p| !p.trim().is_empty()),
        available_only: params.available.unwrap_or(false),
    };
    let today = chrono::Utc::now().date_naive();
    let registered = registered_here(&state).await?;
    let seats_taken = |id: &str| registered.get(id).copied().unwrap_or(0);
    let hits: Vec<_> = state
        .knowledge
        .courses
        .search(&query, today)
        .into_iter()
        .filter(|hit| {
            !query.available_only || hit.course.free_seats() > seats_taken(&hit.course.id)
        })
        .collect();
    let total = hits.len();
    let courses = hits
        .into_iter()
        .take(limit)
        .map(|hit| CourseBody::new(hit.course, seats_taken(&hit.course.id)))
        .collect();
    Ok(Json(CoursesResponse { courses, total }))
}

/// One course by its number.
#[utoipa::path(
    get,
    path = "/api/v1/courses/{id}",
    params(("id" = String, Path, description = "The course number")),
    responses(
        (status = 200, description = "The course", body = CourseBody),
        (status = 404, description = "No course with that number", body = ErrorBody),
    ),
    tag = "courses"
)]
pub async fn course(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CourseBody>, ApiError> {
    match state.knowledge.courses.course(&id) {
        Some(course) => {
            let registered = registered_here(&state).await?;
            Ok(Json(CourseBody::new(
                course,
                registered.get(&course.id).copied().unwrap_or(0),
            )))
        }
        None => Err(ApiError::new(
            ErrorCode::CourseNotFound,
            "no course with that number; search at /api/v1/courses",
        )),
    }
}

/// Registrations made through Auskunft per course (the export counts only the course system's).
async fn registered_here(
    state: &AppState,
) -> Result<std::collections::HashMap<String, u32>, ApiError> {
    state
        .booking
        .bookings
        .confirmed_counts()
        .await
        .map_err(|error| {
            let correlation_id = uuid::Uuid::new_v4().simple().to_string();
            tracing::error!(%correlation_id, %error, "cannot count course registrations");
            ApiError::new(
                ErrorCode::Unavailable,
                format!("the course list is unavailable; please try again (correlation id {correlation_id})"),
            )
        })
}
