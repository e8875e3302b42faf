//! Problem reports (Mängelmelder): the categories (`knowledge/reports.toml`, offered as Open311 services),
//! and the reports in the database with their tracking numbers (`2026-00042`) and status.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;

use crate::knowledge::Problem;
use crate::lang::Lang;
use crate::store::Database;
use crate::store::sql::{at, is_unique_violation, next_in_year, with_pool};

/// The file in the knowledge directory.
pub const FILE: &str = "reports.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoriesFile {
    categories: Vec<Category>,
}

/// A category (an Open311 service).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// The service code.
    pub code: String,
    /// The group.
    pub group: String,
    /// Who works the reports.
    pub agency: String,
    /// Names per language tag (de, en).
    pub name: BTreeMap<String, String>,
    /// Descriptions per language tag.
    pub description: BTreeMap<String, String>,
    /// Words for it (Open311 `keywords`; the chat's words are in intents/entities.toml).
    pub keywords: Vec<String>,
}

impl Category {
    /// The name in a language (German when missing).
    pub fn name(&self, lang: Lang) -> &str {
        let tag = if lang == Lang::En { "en" } else { "de" };
        self.name
            .get(tag)
            .or_else(|| self.name.get("de"))
            .map_or(self.code.as_str(), String::as_str)
    }

    /// The description in a language (German when missing).
    pub fn description(&self, lang: Lang) -> &str {
        let tag = if lang == Lang::En { "en" } else { "de" };
        self.description
            .get(tag)
            .or_else(|| self.description.get("de"))
            .map_or("", String::as_str)
    }
}

/// The categories.
#[derive(Debug, Clone, Default)]
pub struct Categories {
    /// In file order.
    pub list: Vec<Category>,
}

impl Categories {
    /// Reads `reports.toml` from the knowledge directory (none: no categories).
    pub fn load(dir: &Path) -> Result<Categories, Vec<Problem>> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Categories::default());
            }
            Err(error) => {
                return Err(vec![Problem {
                    file: path,
                    line: 1,
                    message: format!("cannot read: {error}"),
                }]);
            }
        };
        let file: CategoriesFile = toml::from_str(&text).map_err(|error| {
            vec![Problem {
                line: error
                    .span()
                    .map_or(1, |span| text[..span.start].matches('\n').count() + 1),
                file: path.clone(),
                message: error.message().to_string(),
            }]
        })?;
        let mut problems = Vec::new();
        let mut seen = Vec::new();
        for category in &file.categories {
            let line = text
                .lines()
                .position(|l| l.contains(&format!("\"{}\"", category.code)))
                .map_or(1, |i| i + 1);
            let valid_code = !category.code.is_empty()
                && category
                    .code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_');
            if !valid_code {
                problems.push(Problem {
                    file: path.clone(),
                    line,
                    message: format!("code '{}' must be lower-case letters and _", category.code),
                });
            }
            if seen.contains(&category.code) {
                problems.push(Problem {
                    file: path.clone(),
                    line,
                    message: format!("code '{}' appears twice", category.code),
                });
            }
            seen.push(category.code.clone());
            if !category.name.contains_key("de") || !category.name.contains_key("en") {
                problems.push(Problem {
                    file: path.clone(),
                    line,
                    message: format!("'{}' needs a German and an English name", category.code),
                });
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Categories {
            list: file.categories,
        })
    }

    /// The category with this code.
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.list.iter().find(|c| c.code == code)
    }
}

/// A report as it comes in.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    /// The category code.
    pub service_code: String,
    /// What is wrong.
    pub description: String,
    /// Where: coordinates (WGS 84) ...
    pub position: Option<(f64, f64)>,
    /// ... and/or an address.
    pub address: Option<String>,
    /// For status updates.
    pub email: Option<String>,
    /// A photo (content type, base64), re-encoded without metadata.
    pub photo: Option<(String, String)>,
    /// An external media URL (Open311 `media_url`).
    pub media_url: Option<String>,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The tracking number.
    pub id: String,
    /// What came in.
    pub data: NewReport,
    /// open or closed.
    pub status: String,
    /// What the office says about it.
    pub status_notes: Option<String>,
    /// Who works it.
    pub agency: String,
    /// When it came in.
    pub requested_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Why a report operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// No such report.
    #[error("no such report")]
    NotFound,
    /// The database failed (for the log only).
    #[error("database error: {0}")]
    Database(String),
}

fn db(error: sqlx::Error) -> ReportError {
    ReportError::Database(error.to_string())
}

type ReportRow = (
    String,
    String,
    String,
    Option<f64>,
    Option<f64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

const COLUMNS: &str = "id, service_code, description, lat, lon, address, email, photo_type, photo, media_url, status, status_notes, agency, requested_at, updated_at";

fn report(row: ReportRow) -> Report {
    let (
        id,
        code,
        description,
        lat,
        lon,
        address,
        email,
        photo_type,
        photo,
        media_url,
        status,
        notes,
        agency,
        requested,
        updated,
    ) = row;
    Report {
        id,
        data: NewReport {
            service_code: code,
            description,
            position: lat.zip(lon),
            address,
            email,
            photo: photo_type.zip(photo),
            media_url,
        },
        status,
        status_notes: notes,
        agency,
        requested_at: at(requested),
        updated_at: at(updated),
    }
}

/// Filters of a report list.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Only these ids.
    pub ids: Vec<String>,
    /// Only this category.
    pub service_code: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// From.
    pub start: Option<DateTime<Utc>>,
    /// Until.
    pub end: Option<DateTime<Utc>>,
}

/// The reports in the database.
#[derive(Clone)]
pub struct Reports {
    database: Database,
}

impl Reports {
    /// The reports in this database.
    pub fn new(database: Database) -> Reports {
        Reports { database }
    }

    /// Stores a report under the next tracking number of the year. With an idempotency key (a chat
    /// turn's), a second call with the same key returns the report the first one stored.
    pub async fn create(
        &self,
        new: &NewReport,
        agency: &str,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Report, ReportError> {
        if let Some(existing) = self.by_idempotency_key(idempotency_key).await? {
            return Ok(existing);
        }
        let year = i64::from(now.year());
        for _attempt in 0..50 {
            let next = next_in_year(&self.database, "reports", year)
                .await
                .map_err(db)?;
            let id = format!("{year}-{next:05}");
            let inserted = with_pool!(&self.database, |pool| {
                sqlx::query(
                    "INSERT INTO reports (id, year, seq, service_code, description, lat, lon, address, email, photo_type, photo, media_url, status, status_notes, agency, requested_at, updated_at, idempotency_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', NULL, $13, $14, $14, $15)",
                )
                .bind(&id)
                .bind(year)
                .bind(next)
                .bind(&new.service_code)
                .bind(&new.description)
                .bind(new.position.map(|p| p.0))
                .bind(new.position.map(|p| p.1))
                .bind(&new.address)
                .bind(&new.email)
                .bind(new.photo.as_ref().map(|p| &p.0))
                .bind(new.photo.as_ref().map(|p| &p.1))
                .bind(&new.media_url)
                .bind(agency)
                .bind(now.timestamp())
                .bind(idempotency_key)
                .execute(pool)
                .await
                .map(|_| ())
            });
            match inserted {
                Ok(()) => return self.get(&id).await?.ok_or(ReportError::NotFound),
                Err(error) if is_unique_violation(&error) => {
                    // The same confirmation stored it meanwhile; or another report took the number:
                    // take the next.
                    if let Some(existing) = self.by_idempotency_key(idempotency_key).await? {
                        return Ok(existing);
                    }
                    continue;
                }
                Err(error) => return Err(db(error)),
            }
        }
        Err(ReportError::Database("no free tracking number".into()))
    }

    /// The report stored under an idempotency key, if any.
    async fn by_idempotency_key(&self, key: Option<&str>) -> Result<Option<Report>, ReportError> {
        let Some(key) = key else {
            return Ok(None);
        };
        let sql = format!("SELECT {COLUMNS} FROM reports WHERE idempotency_key = $1");
        let row: Option<ReportRow> = with_pool!(&self.database, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .fetch_optional(pool)
                .await
                .map_err(db)?
        });
        Ok(row.map(report))
    }

    /// A report by tracking number.
    pub async fn get(&self, id: &str) -> Result<Option<Report>, ReportError> {
        let sql = format!("SELECT {COLUMNS} FROM reports WHERE id = $1");
        let row: Option<ReportRow> = with_pool!(&self.database, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(db)?
        });
        Ok(row.map(report))
    }

    /// Reports matching a filter, newest first, at most `limit`.
    pub async fn list(
        &self,
        filter: &ReportFilter,
        limit: i64,
    ) -> Result<Vec<Report>, ReportError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM reports WHERE ($1 IS NULL OR service_code = $1) AND ($2 IS NULL OR status = $2) \
             AND ($3 IS NULL OR requested_at >= $3) AND ($4 IS NULL OR requested_at <= $4) \
             ORDER BY requested_at DESC, id DESC LIMIT $5"
        );
        let rows: Vec<ReportRow> = with_pool!(&self.database, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&filter.service_code)
                .bind(&filter.status)
                .bind(filter.start.map(|t| t.timestamp()))
                .bind(filter.end.map(|t| t.timestamp()))
                .bind(limit)
                .fetch_all(pool)
                .await
                .map_err(db)?
        });
        Ok(rows
            .into_iter()
            .map(report)
            .filter(|r| filter.ids.is_empty() || filter.ids.contains(&r.id))
            .collect())
    }

    /// Sets the status (open or closed) with the office's notes.
    pub async fn set_status(
        &self,
        id: &str,
        status: &str,
        notes: Option<&str>,
        agency: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Report, ReportError> {
        let updated = with_pool!(&self.database, |pool| {
            sqlx::query(
                "UPDATE reports SET status = $2, status_notes = COALESCE($3, status_notes), agency = COALESCE($4, agency), updated_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(notes)
            .bind(agency)
            .bind(now.timestamp())
            .execute(pool)
            .await
            .map_err(db)?
            .rows_affected()
        });
        if updated == 0 {
            return Err(ReportError::NotFound);
        }
        self.get(id).await?.ok_or(ReportError::NotFound)
    }
}

/// A position as typed or shared ("51.3397,12.3731"), if both numbers are valid WGS 84 coordinates.
pub fn parse_position(text: &str) -> Option<(f64, f64)> {
    let (lat, lon) = text.split_once(',')?;
    let (lat, lon): (f64, f64) = (lat.trim().parse().ok()?, lon.trim().parse().ok()?);
    ((-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
        && lat.is_finite()
        && lon.is_finite())
    .then_some((lat, lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_categories_load_and_positions_are_checked() {
        let categories =
            Categories::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")).unwrap();
        assert!(categories.get("pothole").is_some());
        assert_eq!(
            categories.get("graffiti").unwrap().name(Lang::En),
            "Graffiti"
        );
        assert_eq!(parse_position("51.3397, 12.3731"), Some((51.3397, 12.3731)));
        assert_eq!(parse_position("91,12"), None);
        assert_eq!(parse_position("abc,12"), None);
        assert_eq!(parse_position("51.3"), None);
    }
}
