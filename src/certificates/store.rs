//! Certificate orders in the database, numbered `U-2026-00042`, listed for the register office.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use sqlx::Row;

use super::Relation;
use crate::store::Database;
use crate::store::sql::{at, is_unique_violation, next_in_year, with_pool};

/// An order as it comes in, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewOrder {
    /// The kind (`birth`, `marriage`, `death`, `partnership`).
    pub kind: String,
    /// The multilingual (international) version.
    pub multilingual: bool,
    /// The name(s) in the entry.
    pub person_name: String,
    /// The date of the event (`1990-05-12`) or its year (`1990`).
    pub event_date: String,
    /// The register office that recorded it, if known.
    pub register_office: Option<String>,
    /// The register number, if known.
    pub register_number: Option<String>,
    /// Who the person in the entry is to the one ordering.
    #[schema(value_type = String)]
    pub relation: Relation,
    /// The legal interest of someone not entitled by relation.
    pub legal_interest: Option<String>,
    /// How many copies.
    pub copies: u32,
    /// The delivery code.
    pub delivery: String,
    /// The postal address for delivery by post.
    pub address: Option<String>,
    /// Who orders.
    pub applicant_name: String,
    /// Where the register office answers.
    pub email: String,
    /// The fee computed when ordering, in cents.
    pub fee_cents: i64,
    /// Whether the fee is the least it costs.
    pub fee_minimum: bool,
    /// Where the order came from (`chat`, `api`).
    pub channel: String,
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Order {
    /// The order number.
    pub number: String,
    /// `received`, `in_progress`, `sent`, `ready`, `rejected`.
    pub status: String,
    /// When it came in (RFC 3339).
    #[schema(value_type = String)]
    pub created_at: DateTime<Utc>,
    /// What was ordered.
    #[serde(flatten)]
    pub order: NewOrder,
}

/// Why an order operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The database failed (for the log only).
    #[error("database error: {0}")]
    Database(String),
}

fn db(error: sqlx::Error) -> OrderError {
    OrderError::Database(error.to_string())
}

const COLUMNS: &str = "number, kind, multilingual, person_name, event_date, register_office, register_number, relation, legal_interest, copies, delivery, address, applicant_name, email, fee_cents, fee_minimum, channel, status, created_at";

/// Reads an order from a row of either backend (the macro is expanded once per backend).
macro_rules! read_order {
    ($row:expr) => {{
        let row = $row;
        let relation: String = row.try_get("relation")?;
        let copies: i64 = row.try_get("copies")?;
        let created_at: i64 = row.try_get("created_at")?;
        Ok::<Order, sqlx::Error>(Order {
            number: row.try_get("number")?,
            status: row.try_get("status")?,
            created_at: at(created_at),
            order: NewOrder {
                kind: row.try_get("kind")?,
                multilingual: row.try_get("multilingual")?,
                person_name: row.try_get("person_name")?,
                event_date: row.try_get("event_date")?,
                register_office: row.try_get("register_office")?,
                register_number: row.try_get("register_number")?,
                relation: Relation::from_code(&relation).unwrap_or(Relation::Other),
                legal_interest: row.try_get("legal_interest")?,
                copies: u32::try_from(copies).unwrap_or(1),
                delivery: row.try_get("delivery")?,
                address: row.try_get("address")?,
                applicant_name: row.try_get("applicant_name")?,
                email: row.try_get("email")?,
                fee_cents: row.try_get("fee_cents")?,
                fee_minimum: row.try_get("fee_minimum")?,
                channel: row.try_get("channel")?,
            },
        })
    }};
}

/// The certificate orders in the database.
#[derive(Clone)]
pub struct CertificateOrders {
    database: Database,
}

impl CertificateOrders {
    /// The orders in this database.
    pub fn new(database: Database) -> CertificateOrders {
        CertificateOrders { database }
    }

    /// Stores an order under the next order number of the year. With an idempotency key (a chat turn's
    /// or a REST client's), a second call with the same key returns the order the first one stored.
    pub async fn create(
        &self,
        new: &NewOrder,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Order, OrderError> {
        if let Some(existing) = self.by_idempotency_key(idempotency_key).await? {
            return Ok(existing);
        }
        let year = i64::from(now.year());
        for _attempt in 0..50 {
            let next = next_in_year(&self.database, "certificate_orders", year)
                .await
                .map_err(db)?;
            let number = format!("U-{year}-{next:05}");
            let inserted = with_pool!(&self.database, |pool| {
                sqlx::query(
                    "INSERT INTO certificate_orders (number, year, seq, kind, multilingual, person_name, event_date, register_office, register_number, relation, legal_interest, copies, delivery, address, applicant_name, email, fee_cents, fee_minimum, channel, status, created_at, idempotency_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 'received', $20, $21)",
                )
                .bind(&number)
                .bind(year)
                .bind(next)
                .bind(&new.kind)
                .bind(new.multilingual)
                .bind(&new.person_name)
                .bind(&new.event_date)
                .bind(&new.register_office)
                .bind(&new.register_number)
                .bind(new.relation.code())
                .bind(&new.legal_interest)
                .bind(i64::from(new.copies))
                .bind(&new.delivery)
                .bind(&new.address)
                .bind(&new.applicant_name)
                .bind(&new.email)
                .bind(new.fee_cents)
                .bind(new.fee_minimum)
                .bind(&new.channel)
                .bind(now.timestamp())
                .bind(idempotency_key)
                .execute(pool)
                .await
                .map(|_| ())
            });
            match inserted {
                Ok(()) => {
                    return Ok(Order {
                        number,
                        status: "received".into(),
                        created_at: at(now.timestamp()),
                        order: new.clone(),
                    });
                }
                Err(error) if is_unique_violation(&error) => {
                    // The same confirmation stored it meanwhile; or another order took the number:
                    // take the next.
                    if let Some(existing) = self.by_idempotency_key(idempotency_key).await? {
                        return Ok(existing);
                    }
                    continue;
                }
                Err(error) => return Err(db(error)),
            }
        }
        Err(OrderError::Database("no free order number".into()))
    }

    /// The order stored under an idempotency key, if any.
    async fn by_idempotency_key(&self, key: Option<&str>) -> Result<Option<Order>, OrderError> {
        let Some(key) = key else {
            return Ok(None);
        };
        let sql = format!("SELECT {COLUMNS} FROM certificate_orders WHERE idempotency_key = $1");
        with_pool!(&self.database, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .fetch_optional(pool)
                .await
                .and_then(|row| row.map(|row| read_order!(row)).transpose())
                .map_err(db)
        })
    }

    /// An order by number.
    pub async fn get(&self, number: &str) -> Result<Option<Order>, OrderError> {
        let sql = format!("SELECT {COLUMNS} FROM certificate_orders WHERE number = $1");
        with_pool!(&self.database, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(number)
                .fetch_optional(pool)
                .await
                .and_then(|row| row.map(|row| read_order!(row)).transpose())
                .map_err(db)
        })
    }

    /// Orders, oldest first (the register office works them in order), optionally of one status and
    /// from a time on, at most `limit`.
    pub async fn list(
        &self,
        status: Option<&str>,
        since: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<Order>, OrderError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM certificate_orders WHERE ($1 IS NULL OR status = $1) \
             AND ($2 IS NULL OR created_at >= $2) ORDER BY created_at, number LIMIT $3"
        );
        with_pool!(&self.database, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(status)
                .bind(since.map(|t| t.timestamp()))
                .bind(limit)
                .fetch_all(pool)
                .await
                .and_then(|rows| rows.into_iter().map(|row| read_order!(row)).collect())
                .map_err(db)
        })
    }
}
