//! Notices, payments, reminders and objections in the database (SQLite or PostgreSQL, the same SQL).
//! A notice is paid at most once: a partial unique index allows one paid payment per notice, and the
//! confirmation changes payment and notice in one transaction.

use chrono::{DateTime, NaiveDate, Utc};

use super::{NewNotice, Notice, NoticeStatus};
use crate::store::Database;
use crate::store::sql::{at, is_unique_violation, with_pool};

/// Why a notice operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    /// A notice with this Kassenzeichen is registered already.
    #[error("a notice with this Kassenzeichen exists")]
    Exists,
    /// No such notice (or payment).
    #[error("not found")]
    NotFound,
    /// The notice is paid.
    #[error("the notice is paid already")]
    AlreadyPaid,
    /// The confirmed amount is not the payment's.
    #[error("the confirmed amount differs from the payment's")]
    AmountMismatch,
    /// The same idempotency key came with a different request.
    #[error("the Idempotency-Key was used for a different request")]
    KeyReused,
    /// The database failed (for the log only).
    #[error("database error: {0}")]
    Database(String),
}

type Result<T> = std::result::Result<T, NoticeError>;

fn db(error: sqlx::Error) -> NoticeError {
    NoticeError::Database(error.to_string())
}

/// A payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Its id (also the provider's order id).
    pub id: String,
    /// The notice.
    pub kassenzeichen: String,
    /// The amount in cents.
    pub amount_cents: i64,
    /// pending, paid or failed.
    pub status: String,
    /// The provider's transaction reference, once confirmed.
    pub provider_ref: Option<String>,
}

/// What a confirmation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// The payment and the notice are now paid.
    Paid,
    /// The payment was confirmed before: nothing changed.
    Already,
    /// The provider reported a failure; the notice stays open.
    Failed,
}

/// An objection as the citizen lodges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObjection {
    /// The notice.
    pub kassenzeichen: String,
    /// The objector's name.
    pub name: String,
    /// Their postal address.
    pub address: String,
    /// Their reasons.
    pub reasons: String,
    /// An e-mail address for the confirmation, if given.
    pub email: Option<String>,
    /// An attachment: file name, MIME type, base64 content.
    pub attachment: Option<(String, String, String)>,
}

/// A stored objection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    /// The receipt number.
    pub receipt: String,
    /// What was lodged.
    pub data: NewObjection,
    /// The last day it was in time.
    pub deadline: NaiveDate,
    /// Whether it came in time.
    pub in_time: bool,
    /// When it was lodged.
    pub submitted_at: DateTime<Utc>,
}

type NoticeRow = (
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    bool,
    String,
);

const NOTICE_COLUMNS: &str = "kassenzeichen, check_code, subject, amount_cents, due_date, issued_on, delivered_on, office, iban, legal_remedy, status";

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap_or_default()
}

fn notice(row: NoticeRow) -> (Notice, String) {
    let (kz, check, subject, amount, due, issued, delivered, office, iban, remedy, status) = row;
    (
        Notice {
            data: NewNotice {
                kassenzeichen: kz,
                subject,
                amount_cents: amount,
                due_date: date(&due),
                issued_on: date(&issued),
                delivered_on: date(&delivered),
                office,
                iban,
                legal_remedy: remedy,
            },
            status: if status == "paid" {
                NoticeStatus::Paid
            } else {
                NoticeStatus::Open
            },
        },
        check,
    )
}

type ObjectionRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    bool,
    i64,
);

const OBJECTION_COLUMNS: &str = "receipt, kassenzeichen, name, address, reasons, email, attachment_name, attachment_type, attachment, deadline, in_time, submitted_at";

fn objection(row: ObjectionRow) -> Objection {
    let (receipt, kz, name, address, reasons, email, file, mime, content, deadline, in_time, at_) =
        row;
    let attachment = match (file, mime, content) {
        (Some(file), Some(mime), Some(content)) => Some((file, mime, content)),
        _ => None,
    };
    Objection {
        receipt,
        data: NewObjection {
            kassenzeichen: kz,
            name,
            address,
            reasons,
            email,
            attachment,
        },
        deadline: date(&deadline),
        in_time,
        submitted_at: at(at_),
    }
}

/// Notices and what citizens do with them.
#[derive(Clone)]
pub struct Notices {
    database: Database,
}

impl Notices {
    /// The notices in this database.
    pub fn new(database: Database) -> Notices {
        Notices { database }
    }

    /// A server secret by name, generated (32 random bytes) and stored at first use; every instance on
    /// this database gets the same.
    pub async fn secret(&self, name: &str) -> Result<Vec<u8>> {
        let fresh: String = (0..2)
            .map(|_| uuid::Uuid::new_v4().simple().to_string())
            .collect();
        let value: String = with_pool!(&self.database, |pool| {
            sqlx::query(
                "INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&fresh)
            .bind(Utc::now().timestamp())
            .execute(pool)
            .await
            .map_err(db)?;
            sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await
                .map_err(db)?
        });
        Ok(value.into_bytes())
    }

    /// Registers a notice with its check code.
    pub async fn register(
        &self,
        new: &NewNotice,
        check_code: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let inserted = with_pool!(&self.database, |pool| {
            sqlx::query(
                "INSERT INTO notices (kassenzeichen, check_code, subject, amount_cents, due_date, issued_on, delivered_on, office, iban, legal_remedy, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11)",
            )
            .bind(&new.kassenzeichen)
            .bind(check_code)
            .bind(&new.subject)
            .bind(new.amount_cents)
            .bind(new.due_date.to_string())
            .bind(new.issued_on.to_string())
            .bind(new.delivered_on.to_string())
            .bind(&new.office)
            .bind(&new.iban)
            .bind(new.legal_remedy)
            .bind(now.timestamp())
            .execute(pool)
            .await
            .map(|_| ())
        });
        match inserted {
            Ok(_) => Ok(()),
            Err(error) if is_unique_violation(&error) => Err(NoticeError::Exists),
            Err(error) => Err(db(error)),
        }
    }

    /// The notice and its check code.
    pub async fn get(&self, kassenzeichen: &str) -> Result<Option<(Notice, String)>> {
        let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE kassenzeichen = $1");
        let row: Option<NoticeRow> = with_pool!(&self.database, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(kassenzeichen)
                .fetch_optional(pool)
                .await
                .map_err(db)?
        });
        Ok(row.map(notice))
    }

    /// Starts a payment of the whole amount; refused for a paid notice.
    pub async fn start_payment(&self, kassenzeichen: &str, now: DateTime<Utc>) -> Result<Payment> {
        let (notice, _) = self
            .get(kassenzeichen)
            .await?
            .ok_or(NoticeError::NotFound)?;
        if notice.status == NoticeStatus::Paid {
            return Err(NoticeError::AlreadyPaid);
        }
        let id = format!("pay_{}", uuid::Uuid::new_v4().simple());
        with_pool!(&self.database, |pool| {
            sqlx::query(
                "INSERT INTO payments (id, kassenzeichen, amount_cents, status, created_at) VALUES ($1, $2, $3, 'pending', $4)",
            )
            .bind(&id)
            .bind(kassenzeichen)
            .bind(notice.data.amount_cents)
            .bind(now.timestamp())
            .execute(pool)
            .await
            .map_err(db)?;
        });
        Ok(Payment {
            id,
            kassenzeichen: kassenzeichen.to_string(),
            amount_cents: notice.data.amount_cents,
            status: "pending".into(),
            provider_ref: None,
        })
    }

    /// A payment by id.
    pub async fn payment(&self, id: &str) -> Result<Option<Payment>> {
        let row: Option<(String, String, i64, String, Option<String>)> = with_pool!(
            &self.database,
            |pool| {
                sqlx::query_as(
                    "SELECT id, kassenzeichen, amount_cents, status, provider_ref FROM payments WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(db)?
            }
        );
        Ok(row.map(
            |(id, kassenzeichen, amount_cents, status, provider_ref)| Payment {
                id,
                kassenzeichen,
                amount_cents,
                status,
                provider_ref,
            },
        ))
    }

    /// Applies a provider's confirmation: payment and notice become paid together, once. A repeated
    /// confirmation changes nothing; a second payment of a paid notice is refused.
    pub async fn confirm_payment(
        &self,
        payment_id: &str,
        amount_cents: i64,
        paid: bool,
        provider_ref: &str,
        now: DateTime<Utc>,
    ) -> Result<Confirmed> {
        let payment = self
            .payment(payment_id)
            .await?
            .ok_or(NoticeError::NotFound)?;
        if payment.amount_cents != amount_cents {
            return Err(NoticeError::AmountMismatch);
        }
        match payment.status.as_str() {
            "paid" => return Ok(Confirmed::Already),
            "failed" => return Ok(Confirmed::Failed),
            _ => {}
        }
        if !paid {
            with_pool!(&self.database, |pool| {
                sqlx::query(
                    "UPDATE payments SET status = 'failed', provider_ref = $2, confirmed_at = $3 WHERE id = $1 AND status = 'pending'",
                )
                .bind(payment_id)
                .bind(provider_ref)
                .bind(now.timestamp())
                .execute(pool)
                .await
                .map_err(db)?;
            });
            return Ok(Confirmed::Failed);
        }
        let outcome: Result<Confirmed> = with_pool!(&self.database, |pool, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(db)?;
            let updated = sqlx::query(
                "UPDATE payments SET status = 'paid', provider_ref = $2, confirmed_at = $3 WHERE id = $1 AND status = 'pending'",
            )
            .bind(payment_id)
            .bind(provider_ref)
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await;
            let updated = match updated {
                Ok(done) => done.rows_affected(),
                // Another payment of this notice is paid already (the partial unique index).
                Err(error) if is_unique_violation(&error) => return Err(NoticeError::AlreadyPaid),
                Err(error) => return Err(db(error)),
            };
            if updated == 0 {
                // A concurrent duplicate confirmed it first.
                return Ok(Confirmed::Already);
            }
            let notice = sqlx::query(
                "UPDATE notices SET status = 'paid', paid_at = $2, payment_id = $3 WHERE kassenzeichen = $1 AND status = 'open'",
            )
            .bind(&payment.kassenzeichen)
            .bind(now.timestamp())
            .bind(payment_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if notice == 0 {
                return Err(NoticeError::AlreadyPaid);
            }
            tx.commit().await.map_err(db)?;
            Ok(Confirmed::Paid)
        });
        outcome
    }

    /// Asks for a reminder e-mail on a day (replacing an earlier one for the same address).
    pub async fn remind(
        &self,
        kassenzeichen: &str,
        email: &str,
        lang: &str,
        remind_on: NaiveDate,
    ) -> Result<()> {
        with_pool!(&self.database, |pool| {
            sqlx::query(
                "INSERT INTO reminders (kassenzeichen, email, lang, remind_on) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (kassenzeichen, email) DO UPDATE SET lang = $3, remind_on = $4, sent_at = NULL",
            )
            .bind(kassenzeichen)
            .bind(email)
            .bind(lang)
            .bind(remind_on.to_string())
            .execute(pool)
            .await
            .map_err(db)?;
        });
        Ok(())
    }

    /// Takes the reminders due on or before `today` for notices still open, marking them sent in the same
    /// statement, so that of several instances only one sends each: (kassenzeichen, e-mail, language).
    pub async fn claim_due_reminders(
        &self,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, String, String)>> {
        Ok(with_pool!(&self.database, |pool| {
            sqlx::query_as(
                "UPDATE reminders SET sent_at = $2 WHERE sent_at IS NULL AND remind_on <= $1 \
                 AND kassenzeichen IN (SELECT kassenzeichen FROM notices WHERE status = 'open') \
                 RETURNING kassenzeichen, email, lang",
            )
            .bind(today.to_string())
            .bind(now.timestamp())
            .fetch_all(pool)
            .await
            .map_err(db)?
        }))
    }

    /// Gives a claimed reminder back (its mail could not be sent), to be tried at the next sweep.
    pub async fn unclaim_reminder(&self, kassenzeichen: &str, email: &str) -> Result<()> {
        with_pool!(&self.database, |pool| {
            sqlx::query(
                "UPDATE reminders SET sent_at = NULL WHERE kassenzeichen = $1 AND email = $2",
            )
            .bind(kassenzeichen)
            .bind(email)
            .execute(pool)
            .await
            .map_err(db)?;
        });
        Ok(())
    }

    /// Stores an objection with its receipt number; a repeated idempotency key returns the first.
    pub async fn object(
        &self,
        new: &NewObjection,
        deadline: NaiveDate,
        in_time: bool,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Objection> {
        if let Some(key) = idempotency_key
            && let Some(existing) = self.objection_by_key(key).await?
        {
            return if existing.data == *new {
                Ok(existing)
            } else {
                Err(NoticeError::KeyReused)
            };
        }
        let (code, _) = crate::booking::new_code_and_key('W');
        let receipt = code;
        let (file, mime, content) = match &new.attachment {
            Some((f, m, c)) => (Some(f.clone()), Some(m.clone()), Some(c.clone())),
            None => (None, None, None),
        };
        let inserted = with_pool!(&self.database, |pool| {
            sqlx::query(
                "INSERT INTO objections (receipt, kassenzeichen, name, address, reasons, email, attachment_name, attachment_type, attachment, deadline, in_time, submitted_at, idempotency_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(&receipt)
            .bind(&new.kassenzeichen)
            .bind(&new.name)
            .bind(&new.address)
            .bind(&new.reasons)
            .bind(&new.email)
            .bind(file)
            .bind(mime)
            .bind(content)
            .bind(deadline.to_string())
            .bind(in_time)
            .bind(now.timestamp())
            .bind(idempotency_key)
            .execute(pool)
            .await
            .map(|_| ())
        });
        match inserted {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                if let Some(key) = idempotency_key
                    && let Some(existing) = self.objection_by_key(key).await?
                {
                    return Ok(existing);
                }
                return Err(db(error));
            }
            Err(error) => return Err(db(error)),
        }
        Ok(Objection {
            receipt,
            data: new.clone(),
            deadline,
            in_time,
            submitted_at: at(now.timestamp()),
        })
    }

    async fn objection_by_key(&self, key: &str) -> Result<Option<Objection>> {
        let sql = format!("SELECT {OBJECTION_COLUMNS} FROM objections WHERE idempotency_key = $1");
        let row: Option<ObjectionRow> = with_pool!(&self.database, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .fetch_optional(pool)
                .await
                .map_err(db)?
        });
        Ok(row.map(objection))
    }

    /// The objections, newest first, optionally of one notice.
    pub async fn objections(&self, kassenzeichen: Option<&str>) -> Result<Vec<Objection>> {
        let sql = format!(
            "SELECT {OBJECTION_COLUMNS} FROM objections WHERE ($1 IS NULL OR kassenzeichen = $1) ORDER BY submitted_at DESC, receipt"
        );
        let rows: Vec<ObjectionRow> = with_pool!(&self.database, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(kassenzeichen)
                .fetch_all(pool)
                .await
                .map_err(db)?
        });
        Ok(rows.into_iter().map(objection).collect())
    }
}
