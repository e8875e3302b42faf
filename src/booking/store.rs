//! Bookings in the database (SQLite or PostgreSQL, the same SQL). Capacity is enforced by primary keys:
//! an appointment holds one seat (0 .. counters-1) of every slot unit it covers in `slot_claims`, a
//! confirmed course registration one seat (0 .. capacity-1) in `course_seats`; two holders of one seat
//! cannot both commit, whatever the number of processes. Every change is one transaction, so a process
//! killed half-way leaves either nothing or a complete reservation (which expires) or booking.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::Row;

use super::schedule::{Schedule, SlotTime, local_to_utc};
use super::{
    Appointment, BookingError, Registration, RegistrationStatus, Status, new_code_and_key,
};
use crate::store::Database;
use crate::store::sql::{at, is_unique_violation, with_pool};

type Result<T> = std::result::Result<T, BookingError>;

/// A slot with its free counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The office id.
    pub office: String,
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// End (UTC).
    pub end: DateTime<Utc>,
    /// Counters still free.
    pub free: u32,
}

/// What a new appointment needs.
#[derive(Debug, Clone)]
pub struct NewAppointment {
    /// The service slug.
    pub service: String,
    /// The slot.
    pub slot: SlotTime,
    /// The citizen's name (for a direct confirmation).
    pub name: Option<String>,
    /// The citizen's e-mail address.
    pub email: Option<String>,
    /// The language of the confirmation.
    pub lang: String,
    /// Reserve only (held for the hold time) instead of confirming at once.
    pub reserve_only: bool,
    /// The client's idempotency key and a hash of its request.
    pub idempotency: Option<(String, String)>,
}

/// What a new course registration needs.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    /// The course number.
    pub course: String,
    /// Seats this system may fill.
    pub capacity: u32,
    /// The participant's name.
    pub name: String,
    /// The participant's e-mail address.
    pub email: String,
    /// Whether the reduced fee applies.
    pub reduced: bool,
    /// The language of the mails.
    pub lang: String,
    /// The client's idempotency key and a hash of its request.
    pub idempotency: Option<(String, String)>,
}

/// The bookings of appointments and course registrations.
#[derive(Clone)]
pub struct Bookings {
    database: Database,
    schedule: Arc<Schedule>,
    hold: Duration,
    guesses: crate::limiter::AttemptLimiter,
}

/// Wrong keys one client may try in the limiter's window.
const CLIENT_KEY_GUESSES: i64 = 10;
/// Wrong keys for one booking code in the window, from whoever.
const CODE_KEY_GUESSES: i64 = 10;

/// A guess at a booking's key, counted before the key is compared: [`KeyGuess::right`] gives it back.
pub struct KeyGuess {
    limiter: crate::limiter::AttemptLimiter,
    keys: [String; 2],
}

impl KeyGuess {
    /// The key was right (the booking was found): the guess does not count.
    pub async fn right(self) {
        let limits = [
            (self.keys[0].as_str(), CLIENT_KEY_GUESSES),
            (self.keys[1].as_str(), CODE_KEY_GUESSES),
        ];
        if let Err(error) = self.limiter.succeeded(&limits).await {
            tracing::warn!(%error, "could not give back a key guess");
        }
    }
}

fn db(error: sqlx::Error) -> BookingError {
    BookingError::Database(error.to_string())
}

type AppointmentRow = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
);

const APPOINTMENT_COLUMNS: &str =
    "code, auth_key, service, office, starts_at, ends_at, status, name, email, lang, expires_at";

fn appointment(row: AppointmentRow, now: DateTime<Utc>) -> Appointment {
    let (code, key, service, office, start, end, status, name, email, lang, expires) = row;
    let mut status = Status::parse(&status).unwrap_or(Status::Expired);
    let expires_at = expires.map(at);
    if status == Status::Reserved && expires_at.is_some_and(|e| e <= now) {
        status = Status::Expired;
    }
    Appointment {
        code,
        key,
        service,
        office,
        start: at(start),
        end: at(end),
        status,
        name,
        email,
        lang,
        expires_at,
    }
}

type RegistrationRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    bool,
    String,
    i64,
);

const REGISTRATION_COLUMNS: &str =
    "code, auth_key, course, status, name, email, reduced, lang, seq";

fn registration(row: RegistrationRow, position: Option<u32>) -> Registration {
    let (code, key, course, status, name, email, reduced, lang, _) = row;
    Registration {
        code,
        key,
        course,
        status: RegistrationStatus::parse(&status).unwrap_or(RegistrationStatus::Cancelled),
        position,
        name,
        email,
        reduced,
        lang,
    }
}

impl Bookings {
    /// Bookings in this database, over this calendar, holding reservations for `hold`.
    pub fn new(database: Database, schedule: Arc<Schedule>, hold: Duration) -> Bookings {
        Bookings {
            guesses: crate::limiter::AttemptLimiter::new(database.clone()),
            database,
            schedule,
            hold,
        }
    }

    /// Counts a guess at the key of booking `code` by `client` (an address, or a conversation); refused
    /// with `TooManyAttempts` past ten wrong keys per client or per code in fifteen minutes, so a key
    /// cannot be found by trying.
    pub async fn key_guess(
        &self,
        code: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyGuess> {
        let keys = [
            format!("booking-client:{client}"),
            format!("booking:{code}"),
        ];
        let limits = [
            (keys[0].as_str(), CLIENT_KEY_GUESSES),
            (keys[1].as_str(), CODE_KEY_GUESSES),
        ];
        match self.guesses.attempt(&limits, now).await.map_err(db)? {
            crate::limiter::Attempt::Allowed => Ok(KeyGuess {
                limiter: self.guesses.clone(),
                keys,
            }),
            crate::limiter::Attempt::Blocked(seconds) => {
                Err(BookingError::TooManyAttempts(seconds.unsigned_abs()))
            }
        }
    }

    /// The calendar.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// How long a reservation is held.
    pub fn hold(&self) -> Duration {
        self.hold
    }

    /// The slots of a service at an office on a local date that start after `now`, with free counters.
    pub async fn availability(
        &self,
        service: &str,
        office: &str,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<Slot>> {
        let times: Vec<SlotTime> = self
            .schedule
            .slot_times(service, office, date)
            .into_iter()
            .filter(|slot| slot.start > now)
            .collect();
        if times.is_empty() {
            return Ok(Vec::new());
        }
        let from = times.first().map_or(0, |s| s.start.timestamp());
        let to = times.last().map_or(0, |s| s.end.timestamp());
        let taken: Vec<(i64, i64)> = with_pool!(&self.database, |pool| {
            sqlx::query_as(
                "SELECT c.unit_start, COUNT(*) FROM slot_claims c JOIN appointments a ON a.code = c.code \
                 WHERE c.office = $1 AND c.unit_start >= $2 AND c.unit_start < $3 \
                 AND (a.status = 'confirmed' OR (a.status = 'reserved' AND a.expires_at > $4)) \
                 GROUP BY c.unit_start",
            )
            .bind(office)
            .bind(from)
            .bind(to)
            .bind(now.timestamp())
            .fetch_all(pool)
            .await
            .map_err(db)?
        });
        let counters = i64::from(self.schedule.counters(office));
        Ok(times
            .into_iter()
            .map(|slot| {
                let busiest = slot
                    .units
                    .iter()
                    .map(|unit| {
                        taken
                            .iter()
                            .find(|(start, _)| *start == unit.timestamp())
                            .map_or(0, |(_, count)| *count)
                    })
                    .max()
                    .unwrap_or(0);
                Slot {
                    office: slot.office,
                    start: slot.start,
                    end: slot.end,
                    free: u32::try_from((counters - busiest).max(0)).unwrap_or(0),
                }
            })
            .collect())
    }

    /// The next free slots of a service, at one office or any that offers it, from `after` on, at most
    /// `limit`, on `day` only when given.
    pub async fn next_free(
        &self,
        service: &str,
        office: Option<&str>,
        after: DateTime<Utc>,
        day: Option<NaiveDate>,
        limit: usize,
    ) -> Result<Vec<Slot>> {
        let Some(kind) = self.schedule.appointment_type(service) else {
            return Ok(Vec::new());
        };
        let offices: Vec<&str> = match office {
            Some(office) => vec![office],
            None => kind.offices.iter().map(String::as_str).collect(),
        };
        let first = after
            .with_timezone(&crate::knowledge::offices::TIME_ZONE)
            .date_naive();
        let days: Vec<NaiveDate> = match day {
            Some(day) => vec![day],
            None => (0..i64::from(self.schedule.horizon_days))
                .map(|d| first + Duration::days(d))
                .collect(),
        };
        let mut found = Vec::new();
        for date in days {
            if date > self.last_day(after) {
                break;
            }
            for office in &offices {
                let slots = self.availability(service, office, date, after).await?;
                found.extend(slots.into_iter().filter(|s| s.free > 0));
            }
            if found.len() >= limit {
                break;
            }
        }
        found.sort_by(|a, b| a.start.cmp(&b.start).then(a.office.cmp(&b.office)));
        found.truncate(limit);
        Ok(found)
    }

    /// The last local date slots are offered on.
    pub fn last_day(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&crate::knowledge::offices::TIME_ZONE)
            .date_naive()
            + Duration::days(i64::from(self.schedule.horizon_days.saturating_sub(1)))
    }

    /// Books a slot: reserved (held) or confirmed at once. `Full` when every counter is taken. A repeated
    /// idempotency key returns the first booking.
    /// The flag is false when the answer is the first booking of a repeated idempotency key.
    pub async fn book(
        &self,
        new: &NewAppointment,
        now: DateTime<Utc>,
    ) -> Result<(Appointment, bool)> {
        if let Some((key, hash)) = &new.idempotency
            && let Some(existing) = self.by_idempotency_key(key, hash, now).await?
        {
            return Ok((existing, false));
        }
        let counters = i32::try_from(self.schedule.counters(&new.slot.office)).unwrap_or(0);
        let (code, key) = new_code_and_key('T');
        let (status, expires_at) = if new.reserve_only {
            (Status::Reserved, Some((now + self.hold).timestamp()))
        } else {
            (Status::Confirmed, None)
        };
        let slot = &new.slot;
        let unit_from = slot.units.first().map_or(0, DateTime::timestamp);
        let unit_to = slot.units.last().map_or(0, DateTime::timestamp) + 1;
        let outcome: Result<()> = with_pool!(&self.database, |pool, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(db)?;
            // Reservations that ran out free their seats first.
            let expired: Vec<(String,)> = sqlx::query_as(
                "UPDATE appointments SET status = 'expired' WHERE status = 'reserved' AND expires_at <= $1 \
                 AND code IN (SELECT code FROM slot_claims WHERE office = $2 AND unit_start >= $3 AND unit_start < $4) \
                 RETURNING code",
            )
            .bind(now.timestamp())
            .bind(&slot.office)
            .bind(unit_from)
            .bind(unit_to)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            for (code,) in &expired {
                sqlx::query("DELETE FROM slot_claims WHERE code = $1")
                    .bind(code)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            let inserted = sqlx::query(
                "INSERT INTO appointments (code, auth_key, service, office, starts_at, ends_at, status, name, email, lang, created_at, expires_at, idempotency_key, request_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(&code)
            .bind(&key)
            .bind(&new.service)
            .bind(&slot.office)
            .bind(slot.start.timestamp())
            .bind(slot.end.timestamp())
            .bind(status.as_str())
            .bind(&new.name)
            .bind(&new.email)
            .bind(&new.lang)
            .bind(now.timestamp())
            .bind(expires_at)
            .bind(new.idempotency.as_ref().map(|(k, _)| k))
            .bind(new.idempotency.as_ref().map(|(_, h)| h))
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {}
                Err(error) if is_unique_violation(&error) => {
                    // The same idempotency key raced us; its booking is the answer.
                    drop(tx);
                    return match &new.idempotency {
                        Some((k, h)) => self
                            .by_idempotency_key(k, h, now)
                            .await?
                            .map(|existing| (existing, false))
                            .ok_or_else(|| {
                                BookingError::Database("idempotent booking vanished".into())
                            }),
                        None => Err(db(error)),
                    };
                }
                Err(error) => return Err(db(error)),
            }
            'units: for unit in &slot.units {
                for _attempt in 0..=counters {
                    let taken: Vec<(i32,)> = sqlx::query_as(
                        "SELECT seat FROM slot_claims WHERE office = $1 AND unit_start = $2 ORDER BY seat",
                    )
                    .bind(&slot.office)
                    .bind(unit.timestamp())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db)?;
                    let Some(seat) = (0..counters).find(|s| !taken.iter().any(|(t,)| t == s))
                    else {
                        return Err(BookingError::Full);
                    };
                    let claimed = sqlx::query(
                        "INSERT INTO slot_claims (office, unit_start, seat, code) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(&slot.office)
                    .bind(unit.timestamp())
                    .bind(seat)
                    .bind(&code)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                    if claimed.rows_affected() == 1 {
                        continue 'units;
                    }
                }
                return Err(BookingError::Full);
            }
            tx.commit().await.map_err(db)?;
            Ok(())
        });
        outcome?;
        let booked = Appointment {
            code,
            key,
            service: new.service.clone(),
            office: slot.office.clone(),
            start: slot.start,
            end: slot.end,
            status,
            name: new.name.clone(),
            email: new.email.clone(),
            lang: new.lang.clone(),
            expires_at: expires_at.map(at),
        };
        Ok((booked, true))
    }

    async fn by_idempotency_key(
        &self,
        key: &str,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Appointment>> {
        let sql = format!(
            "SELECT {APPOINTMENT_COLUMNS}, request_hash FROM appointments WHERE idempotency_key = $1"
        );
        let row = with_pool!(&self.database, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .fetch_optional(pool)
                .await
                .map_err(db)?
                .map(|row| -> Result<(AppointmentRow, Option<String>)> {
                    Ok((
                        (
                            row.try_get(0).map_err(db)?,
                            row.try_get(1).map_err(db)?,
                            row.try_get(2).map_err(db)?,
                            row.try_get(3).map_err(db)?,
                            row.try_get(4).map_err(db)?,
                            row.try_get(5).map_err(db)?,
                            row.try_get(6).map_err(db)?,
                            row.try_get(7).map_err(db)?,
                            row.try_get(8).map_err(db)?,
                            row.try_get(9).map_err(db)?,
                            row.try_get(10).map_err(db)?,
                        ),
                        row.try_get(11).map_err(db)?,
                    ))
                })
                .transpose()?
        });
        match row {
            None => Ok(None),
            Some((row, stored_hash)) if stored_hash.as_deref() == Some(hash) => {
                Ok(Some(appointment(row, now)))
            }
            Some(_) => Err(BookingError::KeyReused),
        }
    }

    /// The appointment with this code, if the key matches.
    pub async fn appointment(
        &self,
        code: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Appointment> {
        let sql = format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE code = $1");
        let row: Option<AppointmentRow> = with_pool!(&self.database, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_optional(pool)
                .await
                .map_err(db)?
        });
        match row {
            Some(row) if crate::secret::same(&row.1, key) => Ok(appointment(row, now)),
            _ => Err(BookingError::NotFound),
        }
    }

    /// Confirms a reservation with the citizen's name and e-mail. A reservation whose hold ran out is
    /// still confirmed while nobody took its seat; otherwise `Closed("expired")`.
    pub async fn confirm(
        &self,
        code: &str,
        key: &str,
        name: &str,
        email: &str,
        lang: &str,
        now: DateTime<Utc>,
    ) -> Result<Appointment> {
        let current = self.appointment(code, key, now).await?;
        if current.status == Status::Confirmed {
            return Ok(current);
        }
        let updated = with_pool!(&self.database, |pool| {
            sqlx::query(
                "UPDATE appointments SET status = 'confirmed', name = $2, email = $3, lang = $4, expires_at = NULL \
                 WHERE code = $1 AND status = 'reserved'",
            )
            .bind(code)
            .bind(name)
            .bind(email)
            .bind(lang)
            .execute(pool)
            .await
            .map_err(db)?
            .rows_affected()
        });
        let after = self.appointment(code, key, now).await?;
        // A simultaneous confirmation of the same reservation (a double tap, two tabs) confirmed it
        // first: that is this booking, not a reason to book again.
        if updated == 0 && after.status != Status::Confirmed {
            return Err(BookingError::Closed(after.status.as_str()));
        }
        Ok(after)
    }

    /// Cancels an appointment (reserved or confirmed, not yet begun) and frees its seats.
    pub async fn cancel(&self, code: &str, key: &str, now: DateTime<Utc>) -> Result<Appointment> {
        let current = self.appointment(code, key, now).await?;
        match current.status {
            Status::Cancelled => return Ok(current),
            Status::Expired => return Err(BookingError::Closed("expired")),
            _ if current.start <= now => return Err(BookingError::Closed("past")),
            _ => {}
        }
        let updated = with_pool!(&self.database, |pool, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(db)?;
            let updated = sqlx::query(
                "UPDATE appointments SET status = 'cancelled', expires_at = NULL \
                 WHERE code = $1 AND status IN ('reserved', 'confirmed')",
            )
            .bind(code)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            sqlx::query("DELETE FROM slot_claims WHERE code = $1")
                .bind(code)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            tx.commit().await.map_err(db)?;
            updated
        });
        let after = self.appointment(code, key, now).await?;
        if updated == 0 && after.status != Status::Cancelled {
            return Err(BookingError::Closed(after.status.as_str()));
        }
        Ok(after)
    }

    /// Marks reservations whose hold ran out as expired and frees their seats; returns how many.
    pub async fn expire_reservations(&self, now: DateTime<Utc>) -> Result<u64> {
        with_pool!(&self.database, |pool, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(db)?;
            let expired: Vec<(String,)> = sqlx::query_as(
                "UPDATE appointments SET status = 'expired' WHERE status = 'reserved' AND expires_at <= $1 RETURNING code",
            )
            .bind(now.timestamp())
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            for (code,) in &expired {
                sqlx::query("DELETE FROM slot_claims WHERE code = $1")
                    .bind(code)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            Ok(expired.len() as u64)
        })
    }

    /// The confirmed appointments (and held reservations) of an office on a local date, by start.
    pub async fn day(
        &self,
        office: &str,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        let from = date
            .and_hms_opt(0, 0, 0)
            .and_then(local_to_utc)
            .map_or(0, |t| t.timestamp());
        let to = (date + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .and_then(local_to_utc)
            .map_or(0, |t| t.timestamp());
        let sql = format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE office = $1 AND starts_at >= $2 AND starts_at < $3 \
             AND status IN ('confirmed', 'reserved') ORDER BY starts_at, code"
        );
        let rows: Vec<AppointmentRow> = with_pool!(&self.database, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await
                .map_err(db)?
        });
        Ok(rows
            .into_iter()
            .map(|row| appointment(row, now))
            .filter(|a| a.status != Status::Expired)
            .collect())
    }

    /// Registers for a course: confirmed while one of `capacity` seats is free and nobody waits, else on
    /// the waiting list. A repeated idempotency key returns the first registration.
    pub async fn register(
        &self,
        new: &NewRegistration,
        now: DateTime<Utc>,
    ) -> Result<Registration> {
        if let Some((key, hash)) = &new.idempotency
            && let Some(existing) = self.registration_by_idempotency_key(key, hash).await?
        {
            return Ok(existing);
        }
        let (code, key) = new_code_and_key('K');
        let capacity = i32::try_from(new.capacity).unwrap_or(i32::MAX);
        // The registration's place in the course's order is the next number, taken inside the
        // transaction; two concurrent ones that took the same number collide on UNIQUE (course, seq) and
        // the loser tries again.
        let mut done = false;
        for _attempt in 0..50 {
            let result: Result<bool> = with_pool!(&self.database, |pool, begin| {
                let mut tx = pool.begin_with(begin).await.map_err(db)?;
                let inserted = sqlx::query(
                "INSERT INTO course_registrations (code, auth_key, course, status, name, email, reduced, lang, queued_at, seq, idempotency_key, request_hash) \
                 VALUES ($1, $2, $3, 'waiting', $4, $5, $6, $7, $8, \
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM course_registrations WHERE course = $3), $9, $10)",
            )
            .bind(&code)
            .bind(&key)
            .bind(&new.course)
            .bind(&new.name)
            .bind(&new.email)
            .bind(new.reduced)
            .bind(&new.lang)
            .bind(now.timestamp())
            .bind(new.idempotency.as_ref().map(|(k, _)| k))
            .bind(new.idempotency.as_ref().map(|(_, h)| h))
            .execute(&mut *tx)
            .await;
                match inserted {
                    Ok(_) => {}
                    Err(error) if is_unique_violation(&error) => {
                        drop(tx);
                        if let Some((k, h)) = &new.idempotency
                            && let Some(existing) =
                                self.registration_by_idempotency_key(k, h).await?
                        {
                            return Ok(existing);
                        }
                        // Another registration took the same number: try again.
                        continue;
                    }
                    Err(error) => return Err(db(error)),
                }
                // Nobody jumps the waiting list.
                let waiting: i64 = sqlx::query(
                "SELECT COUNT(*) FROM course_registrations WHERE course = $1 AND status = 'waiting' AND code <> $2",
            )
            .bind(&new.course)
            .bind(&code)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .try_get(0)
            .map_err(db)?;
                if waiting == 0 {
                    for _attempt in 0..=capacity.min(1000) {
                        let taken: Vec<(i32,)> = sqlx::query_as(
                            "SELECT seat FROM course_seats WHERE course = $1 ORDER BY seat",
                        )
                        .bind(&new.course)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(db)?;
                        let Some(seat) = (0..capacity).find(|s| !taken.iter().any(|(t,)| t == s))
                        else {
                            break;
                        };
                        let claimed = sqlx::query(
                        "INSERT INTO course_seats (course, seat, code) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(&new.course)
                    .bind(seat)
                    .bind(&code)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                        if claimed.rows_affected() == 1 {
                            sqlx::query(
                            "UPDATE course_registrations SET status = 'confirmed' WHERE code = $1",
                        )
                        .bind(&code)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                            break;
                        }
                    }
                }
                tx.commit().await.map_err(db)?;
                Ok(true)
            });
            if result? {
                done = true;
                break;
            }
        }
        if !done {
            return Err(BookingError::Database(
                "could not take a place in the registration order".into(),
            ));
        }
        self.registration(&code, &key).await
    }

    async fn registration_by_idempotency_key(
        &self,
        key: &str,
        hash: &str,
    ) -> Result<Option<Registration>> {
        let found: Option<(String, String, Option<String>)> = with_pool!(&self.database, |pool| {
            sqlx::query_as(
                    "SELECT code, auth_key, request_hash FROM course_registrations WHERE idempotency_key = $1",
                )
                .bind(key)
                .fetch_optional(pool)
                .await
                .map_err(db)?
        });
        match found {
            None => Ok(None),
            Some((code, auth_key, stored)) if stored.as_deref() == Some(hash) => {
                self.registration(&code, &auth_key).await.map(Some)
            }
            Some(_) => Err(BookingError::KeyReused),
        }
    }

    /// The registration with this code, if the key matches, with its waiting-list position.
    pub async fn registration(&self, code: &str, key: &str) -> Result<Registration> {
        let sql =
            format!("SELECT {REGISTRATION_COLUMNS} FROM course_registrations WHERE code = $1");
        let row: Option<RegistrationRow> = with_pool!(&self.database, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_optional(pool)
                .await
                .map_err(db)?
        });
        let Some(row) = row.filter(|row| crate::secret::same(&row.1, key)) else {
            return Err(BookingError::NotFound);
        };
        let position = if row.3 == "waiting" {
            let ahead: i64 = with_pool!(&self.database, |pool| {
                sqlx::query(
                    "SELECT COUNT(*) FROM course_registrations WHERE course = $1 AND status = 'waiting' \
                     AND (seq < $2 OR (seq = $2 AND code < $3))",
                )
                .bind(&row.2)
                .bind(row.8)
                .bind(&row.0)
                .fetch_one(pool)
                .await
                .map_err(db)?
                .try_get(0)
                .map_err(db)?
            });
            Some(u32::try_from(ahead + 1).unwrap_or(u32::MAX))
        } else {
            None
        };
        Ok(registration(row, position))
    }

    /// Cancels a registration. A freed seat goes to the first on the waiting list, who is returned
    /// (to be told).
    pub async fn cancel_registration(
        &self,
        code: &str,
        key: &str,
    ) -> Result<(Registration, Option<Registration>)> {
        let current = self.registration(code, key).await?;
        if current.status == RegistrationStatus::Cancelled {
            return Ok((current, None));
        }
        let promoted: Option<(String, String)> = with_pool!(&self.database, |pool, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(db)?;
            let freed: Vec<(i32,)> =
                sqlx::query_as("DELETE FROM course_seats WHERE code = $1 RETURNING seat")
                    .bind(code)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db)?;
            sqlx::query("UPDATE course_registrations SET status = 'cancelled' WHERE code = $1")
                .bind(code)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let mut promoted = None;
            if let Some((seat,)) = freed.first() {
                // The first waiting registration takes the seat; one taken meanwhile by a concurrent
                // cancellation is skipped.
                for _attempt in 0..10 {
                    let next: Option<(String, String)> = sqlx::query_as(
                        "SELECT code, auth_key FROM course_registrations WHERE course = $1 AND status = 'waiting' \
                         ORDER BY seq, code LIMIT 1",
                    )
                    .bind(&current.course)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                    let Some((next_code, next_key)) = next else {
                        break;
                    };
                    let moved = sqlx::query(
                        "UPDATE course_registrations SET status = 'confirmed' WHERE code = $1 AND status = 'waiting'",
                    )
                    .bind(&next_code)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                    .rows_affected();
                    if moved == 1 {
                        sqlx::query(
                            "INSERT INTO course_seats (course, seat, code) VALUES ($1, $2, $3)",
                        )
                        .bind(&current.course)
                        .bind(*seat)
                        .bind(&next_code)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                        promoted = Some((next_code, next_key));
                        break;
                    }
                }
            }
            tx.commit().await.map_err(db)?;
            promoted
        });
        let cancelled = self.registration(code, key).await?;
        let promoted = match promoted {
            Some((code, key)) => Some(self.registration(&code, &key).await?),
            None => None,
        };
        Ok((cancelled, promoted))
    }

    /// Confirmed registrations made here, per course number (courses without any are left out).
    pub async fn confirmed_counts(&self) -> Result<std::collections::HashMap<String, u32>> {
        let rows: Vec<(String, i64)> = with_pool!(&self.database, |pool| {
            sqlx::query_as("SELECT course, COUNT(*) FROM course_seats GROUP BY course")
                .fetch_all(pool)
                .await
                .map_err(db)?
        });
        Ok(rows
            .into_iter()
            .map(|(course, count)| (course, u32::try_from(count).unwrap_or(0)))
            .collect())
    }

    /// How many confirmed registrations a course has here.
    pub async fn confirmed_count(&self, course: &str) -> Result<u32> {
        let count: i64 = with_pool!(&self.database, |pool| {
            sqlx::query("SELECT COUNT(*) FROM course_seats WHERE course = $1")
                .bind(course)
                .fetch_one(pool)
                .await
                .map_err(db)?
                .try_get(0)
                .map_err(db)?
        });
        Ok(u32::try_from(count).unwrap_or(0))
    }
}
