//! Appointments at citizens' offices and registrations for Volkshochschule courses: the calendar
//! ([`schedule`]), the database-enforced bookings ([`store`]), iCalendar files ([`ics`]) and the
//! confirmation e-mails ([`mail`]). The life cycle follows ZMS: reserved (held a few minutes while the
//! citizen types name and e-mail) -> confirmed -> cancelled; a reservation not confirmed in time expires
//! and frees its slot by itself.

pub mod ics;
pub mod mail;
pub mod schedule;
pub mod store;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use schedule::{Schedule, SlotTime};
pub use store::Bookings;

/// Where an appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Held while the citizen completes the booking.
    Reserved,
    /// Booked.
    Confirmed,
    /// Cancelled by the citizen.
    Cancelled,
    /// A reservation that was not confirmed in time.
    Expired,
}

impl Status {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reserved => "reserved",
            Status::Confirmed => "confirmed",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
        }
    }

    fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "reserved" => Status::Reserved,
            "confirmed" => Status::Confirmed,
            "cancelled" => Status::Cancelled,
            "expired" => Status::Expired,
            _ => return None,
        })
    }
}

/// An appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// The booking code the citizen quotes (`T-KMXP-4821`).
    pub code: String,
    /// The short check key that proves the citizen holds the booking.
    pub key: String,
    /// The service slug.
    pub service: String,
    /// The office id.
    pub office: String,
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// End (UTC).
    pub end: DateTime<Utc>,
    /// Where it stands (an expired reservation reads as expired even before the sweep).
    pub status: Status,
    /// The citizen's name, once given.
    pub name: Option<String>,
    /// The citizen's e-mail address, once given.
    pub email: Option<String>,
    /// The language of the confirmation.
    pub lang: String,
    /// Until when a reservation is held.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Whether a course registration holds a seat or waits for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Holds a seat.
    Confirmed,
    /// On the waiting list.
    Waiting,
    /// Cancelled.
    Cancelled,
}

impl RegistrationStatus {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Confirmed => "confirmed",
            RegistrationStatus::Waiting => "waiting",
            RegistrationStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<RegistrationStatus> {
        Some(match text {
            "confirmed" => RegistrationStatus::Confirmed,
            "waiting" => RegistrationStatus::Waiting,
            "cancelled" => RegistrationStatus::Cancelled,
            _ => return None,
        })
    }
}

/// A course registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The registration code (`K-KMXP-4821`).
    pub code: String,
    /// The check key.
    pub key: String,
    /// The course number.
    pub course: String,
    /// Confirmed, waiting or cancelled.
    pub status: RegistrationStatus,
    /// The place on the waiting list (1 = next), while waiting.
    pub position: Option<u32>,
    /// The participant's name.
    pub name: String,
    /// The participant's e-mail address.
    pub email: String,
    /// Whether the reduced fee applies.
    pub reduced: bool,
    /// The language of the mails.
    pub lang: String,
}

/// Why a booking or registration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    /// Every counter of the slot is taken.
    #[error("the slot is fully booked")]
    Full,
    /// No booking with this code, or the key does not match (the two are not told apart).
    #[error("no booking with this code and key")]
    NotFound,
    /// The booking cannot change any more (cancelled, expired, past).
    #[error("the booking is {0} and cannot be changed")]
    Closed(&'static str),
    /// The same idempotency key came with a different request.
    #[error("the Idempotency-Key was used for a different request")]
    KeyReused,
    /// Too many wrong keys: try again after so many seconds.
    #[error("too many wrong keys")]
    TooManyAttempts(u64),
    /// The database failed (for the log only).
    #[error("database error: {0}")]
    Database(String),
}

/// The alphabet of booking codes: no 0/O, 1/I/L, U (Crockford's choice), upper case.
const CODE_LETTERS: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh code with a prefix (`T` appointments, `K` courses): `T-KMXP-4821`, and a six-digit key.
pub fn new_code_and_key(prefix: char) -> (String, String) {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let letters: String = bytes[..4]
        .iter()
        .map(|b| CODE_LETTERS[usize::from(*b) % CODE_LETTERS.len()] as char)
        .collect();
    let digits = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) % 10_000;
    let key = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) % 1_000_000;
    (
        format!("{prefix}-{letters}-{digits:04}"),
        format!("{key:06}"),
    )
}

/// A code as typed ("t kmxp 4821", "TKMXP4821") in its canonical form, if it is one.
pub fn normalise_code(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let bytes = compact.as_bytes();
    let valid = bytes.len() == 9
        && matches!(bytes[0], b'T' | b'K')
        && bytes[1..5].iter().all(u8::is_ascii_alphabetic)
        && bytes[5..].iter().all(u8::is_ascii_digit);
    valid.then(|| format!("{}-{}-{}", &compact[..1], &compact[1..5], &compact[5..]))
}

/// A key as typed, if it is six digits.
pub fn normalise_key(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// Whether an e-mail address is valid enough to send to (RFC 5322 as lettre parses it).
pub fn valid_email(text: &str) -> bool {
    text.len() <= 254 && text.parse::<lettre::Address>().is_ok()
}

/// An e-mail address as typed, trimmed, if it is valid.
pub fn normalise_email(text: &str) -> Option<String> {
    let email = text.trim();
    valid_email(email).then(|| email.to_string())
}

/// A name as given: trimmed, 2 to 100 characters, with letters.
pub fn normalise_name(text: &str) -> Option<String> {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars = name.chars().count();
    ((2..=100).contains(&chars)
        && name.chars().any(char::is_alphabetic)
        && !name
            .chars()
            .any(|c| c.is_control() || matches!(c, '<' | '>' | '@')))
    .then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_recognised_however_they_are_typed() {
        let (code, key) = new_code_and_key('T');
        assert_eq!(normalise_code(&code).as_deref(), Some(code.as_str()));
        assert_eq!(
            normalise_code(&code.to_lowercase().replace('-', " ")).as_deref(),
            Some(code.as_str())
        );
        assert_eq!(normalise_key(&key).as_deref(), Some(key.as_str()));
        assert_eq!(normalise_code("Tagesart1"), None);
        assert_eq!(normalise_code("X-ABCD-1234"), None);
        assert_eq!(normalise_key("12345"), None);
    }

    #[test]
    fn names_and_addresses_are_checked() {
        assert_eq!(
            normalise_name("  Erika   Mustermann "),
            Some("Erika Mustermann".into())
        );
        assert_eq!(normalise_name("x"), None);
        assert_eq!(normalise_name("<script>"), None);
        assert!(valid_email("erika@example.org"));
        assert!(!valid_email("erika@"));
        assert!(!valid_email("erika example.org"));
    }
}
