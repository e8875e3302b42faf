//! Notices (Bescheide): what the back office registers, the signed QR code on the letter, the check code,
//! payment through a provider, the EPC069-12 GiroCode for a bank transfer, and objections with their
//! deadline. Amounts are integers in cents throughout.

pub mod girocode;
pub mod payment;
pub mod qr;
pub mod service;
pub mod store;

use chrono::{Datelike, Months, NaiveDate, Weekday};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

pub use store::Notices;

/// Whether a notice is still to be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Not paid yet.
    Open,
    /// Paid through Auskunft.
    Paid,
}

impl NoticeStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Open => "open",
            NoticeStatus::Paid => "paid",
        }
    }
}

/// A notice as the back office registers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    /// The payment reference (digits only).
    pub kassenzeichen: String,
    /// What the notice is about ("Hundesteuer 2027").
    pub subject: String,
    /// The amount due, in cents.
    pub amount_cents: i64,
    /// When it is due.
    pub due_date: NaiveDate,
    /// When the notice was issued.
    pub issued_on: NaiveDate,
    /// When it was delivered (the objection deadline runs from here).
    pub delivered_on: NaiveDate,
    /// The issuing office (an office id or a name).
    pub office: String,
    /// The city's account the amount goes to.
    pub iban: String,
    /// Whether the notice carried the legal-remedy instruction (Rechtsbehelfsbelehrung).
    pub legal_remedy: bool,
}

/// A notice registration as it comes in (from the API or a CSV file), before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeInput {
    /// The payment reference (separators allowed).
    pub kassenzeichen: String,
    /// What it is about.
    pub subject: String,
    /// The amount in cents.
    pub amount_cents: i64,
    /// Due date.
    pub due_date: NaiveDate,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Delivery date.
    pub delivered_on: NaiveDate,
    /// The issuing office.
    pub office: String,
    /// The city's IBAN.
    pub iban_account: String,
    /// Whether the legal-remedy instruction was given (default yes).
    pub legal_remedy: Option<bool>,
}

/// Checks a registration; the reason (naming the field) when it is not acceptable.
pub fn check_notice(input: NoticeInput) -> Result<NewNotice, String> {
    let kassenzeichen = normalise_kassenzeichen(&input.kassenzeichen)
        .ok_or("kassenzeichen must have 8 to 14 digits")?;
    let subject = input.subject.trim().to_string();
    if subject.is_empty() || subject.chars().count() > 200 {
        return Err("subject must have 1 to 200 characters".into());
    }
    if !(1..=99_999_999_999).contains(&input.amount_cents) {
        return Err("amount_cents must be between 1 and 99999999999".into());
    }
    if input.delivered_on < input.issued_on {
        return Err("delivered_on must not be before issued_on".into());
    }
    if input.due_date < input.issued_on {
        return Err("due_date must not be before issued_on".into());
    }
    let office = input.office.trim().to_string();
    if office.is_empty() || office.chars().count() > 200 {
        return Err("office must have 1 to 200 characters".into());
    }
    let iban = normalise_iban(&input.iban_account)
        .ok_or("iban_account is not a valid IBAN (check digits)")?;
    Ok(NewNotice {
        kassenzeichen,
        subject,
        amount_cents: input.amount_cents,
        due_date: input.due_date,
        issued_on: input.issued_on,
        delivered_on: input.delivered_on,
        office,
        iban,
        legal_remedy: input.legal_remedy.unwrap_or(true),
    })
}

/// A registered notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The registration.
    pub data: NewNotice,
    /// Open or paid.
    pub status: NoticeStatus,
}

impl Notice {
    /// The last day an objection is in time: one month after delivery (one year without the legal-remedy
    /// instruction, § 58 VwGO); a deadline ending on a Saturday or Sunday ends on the next Monday.
    pub fn objection_deadline(&self) -> NaiveDate {
        objection_deadline(self.data.delivered_on, self.data.legal_remedy)
    }
}

/// The objection deadline for a notice delivered on `delivered_on` (§ 70 VwGO, § 58 (2) VwGO without the
/// instruction; § 57 (2) VwGO with § 222 (2) ZPO for weekends).
pub fn objection_deadline(delivered_on: NaiveDate, legal_remedy: bool) -> NaiveDate {
    let months = if legal_remedy { 1 } else { 12 };
    let mut deadline = delivered_on
        .checked_add_months(Months::new(months))
        .unwrap_or(delivered_on);
    while matches!(deadline.weekday(), Weekday::Sat | Weekday::Sun) {
        deadline = deadline.succ_opt().unwrap_or(deadline);
    }
    deadline
}

/// A Kassenzeichen as typed ("1234.5678.9012"): its digits, if there are 8 to 14.
pub fn normalise_kassenzeichen(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let only_separators = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ' ' | '-' | '/'));
    (only_separators && (8..=14).contains(&digits.len())).then_some(digits)
}

/// A fresh check code for the letter: `KMXP-4821` (a booking code's letters and digits, no prefix).
pub fn new_check_code() -> String {
    let (code, _) = crate::booking::new_code_and_key('N');
    code.trim_start_matches("N-").to_string()
}

/// A check code as typed ("kmxp 4821"), in its canonical form.
pub fn normalise_check_code(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let bytes = compact.as_bytes();
    (bytes.len() == 8
        && bytes[..4].iter().all(u8::is_ascii_alphabetic)
        && bytes[4..].iter().all(u8::is_ascii_digit))
    .then(|| format!("{}-{}", &compact[..4], &compact[4..]))
}

/// HMAC-SHA256 of a message under a key, hex.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    hex(&mac.finalize().into_bytes())
}

/// Whether `signature` (hex) is the HMAC-SHA256 of the message, compared in constant time.
pub fn hmac_verify(key: &[u8], message: &[u8], signature: &str) -> bool {
    let Some(bytes) = unhex(signature) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.verify_truncated_left(&bytes).is_ok() && bytes.len() >= 16
}

/// The signature a QR code carries: it proves the code was made by this server for this notice and
/// check code (128 bits, hex).
pub fn qr_signature(key: &[u8], kassenzeichen: &str, check_code: &str) -> String {
    let full = hmac_hex(
        key,
        format!("notice:{kassenzeichen}:{check_code}").as_bytes(),
    );
    full[..32].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 128 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// An IBAN with valid structure and check digits (ISO 13616, mod 97), normalised without spaces.
pub fn normalise_iban(text: &str) -> Option<String> {
    let iban: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if !(15..=34).contains(&iban.len())
        || !iban[..2].chars().all(|c| c.is_ascii_uppercase())
        || !iban[2..4].chars().all(|c| c.is_ascii_digit())
        || !iban.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return None;
    }
    let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
    let mut remainder: u32 = 0;
    for c in rearranged.chars() {
        let value = c.to_digit(36)?;
        for digit in value.to_string().chars() {
            remainder = (remainder * 10 + digit.to_digit(10)?) % 97;
        }
    }
    (remainder == 1).then_some(iban)
}

/// Euros for people: "46,00 EUR".
pub fn euros(cents: i64) -> String {
    format!("{},{:02} EUR", cents / 100, (cents % 100).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_objection_deadline_is_a_month_or_a_year_and_never_a_weekend() {
        // Delivered Monday 2 November 2026: one month is Wednesday 2 December.
        assert_eq!(
            objection_deadline(date("2026-11-02"), true),
            date("2026-12-02")
        );
        // Delivered 29 January: 28 February 2027 is a Sunday, so Monday 1 March.
        assert_eq!(
            objection_deadline(date("2027-01-29"), true),
            date("2027-03-01")
        );
        // Delivered 5 December 2026: 5 January 2027 is a Tuesday.
        assert_eq!(
            objection_deadline(date("2026-12-05"), true),
            date("2027-01-05")
        );
        // Saturday 6 February 2027 moves to Monday 8 February.
        assert_eq!(
            objection_deadline(date("2027-01-06"), true),
            date("2027-02-08")
        );
        // Without the legal-remedy instruction: a year.
        assert_eq!(
            objection_deadline(date("2026-11-02"), false),
            date("2027-11-02")
        );
    }

    #[test]
    fn references_codes_and_ibans_are_checked() {
        assert_eq!(
            normalise_kassenzeichen("1234.5678.9012").as_deref(),
            Some("123456789012")
        );
        assert_eq!(normalise_kassenzeichen("1234"), None);
        assert_eq!(normalise_kassenzeichen("12345678x"), None);
        let code = new_check_code();
        assert_eq!(
            normalise_check_code(&code.to_lowercase()),
            Some(code.clone())
        );
        assert_eq!(
            normalise_check_code("KMXP4821").as_deref(),
            Some("KMXP-4821")
        );
        assert_eq!(normalise_check_code("KMX-48211"), None);
        assert_eq!(
            normalise_iban("DE89 3704 0044 0532 0130 00").as_deref(),
            Some("DE89370400440532013000")
        );
        assert_eq!(normalise_iban("DE89 3704 0044 0532 0130 01"), None);
    }

    #[test]
    fn signatures_verify_and_resist_tampering() {
        let key = b"a server key";
        let signature = qr_signature(key, "123456789012", "KMXP-4821");
        assert_eq!(signature.len(), 32);
        assert_ne!(signature, qr_signature(key, "123456789013", "KMXP-4821"));
        assert_ne!(
            signature,
            qr_signature(b"another key", "123456789012", "KMXP-4821")
        );
        let body = br#"{"payment_id":"p1"}"#;
        let full = hmac_hex(key, body);
        assert!(hmac_verify(key, body, &full));
        assert!(!hmac_verify(key, br#"{"payment_id":"p2"}"#, &full));
        assert!(!hmac_verify(key, body, "00"));
        assert!(!hmac_verify(key, body, "zz"));
    }
}
