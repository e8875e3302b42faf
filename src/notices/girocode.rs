//! The EPC069-12 QR code ("GiroCode") for a SEPA credit transfer: the payload, exactly as the standard
//! lays it out, and its image.

/// What a transfer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The beneficiary's name (at most 70 characters).
    pub name: String,
    /// The beneficiary's IBAN.
    pub iban: String,
    /// The BIC (optional in version 002).
    pub bic: Option<String>,
    /// The amount in cents (1 to 99 999 999 999).
    pub amount_cents: i64,
    /// The unstructured remittance information (at most 140 characters): the Kassenzeichen.
    pub remittance: String,
}

/// Why a payload cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GiroCodeError {
    /// A field is too long or out of range.
    #[error("{0}")]
    Invalid(String),
}

/// The payload: `BCD`, version `002`, character set `1` (UTF-8), `SCT`, BIC, name, IBAN, `EUR12.50`,
/// purpose (empty), structured reference (empty), remittance text; lines separated by LF; nothing after
/// the last element (the empty information line is left out).
pub fn payload(transfer: &Transfer) -> Result<String, GiroCodeError> {
    let invalid = |m: String| Err(GiroCodeError::Invalid(m));
    if transfer.name.is_empty() || transfer.name.chars().count() > 70 {
        return invalid("the beneficiary name must have 1 to 70 characters".into());
    }
    if transfer.remittance.chars().count() > 140 {
        return invalid("the remittance text must have at most 140 characters".into());
    }
    if !(1..=99_999_999_999).contains(&transfer.amount_cents) {
        return invalid("the amount must be between 0.01 and 999999999.99 EUR".into());
    }
    if transfer
        .bic
        .as_ref()
        .is_some_and(|b| !matches!(b.len(), 8 | 11))
    {
        return invalid("a BIC has 8 or 11 characters".into());
    }
    let amount = format!(
        "EUR{}.{:02}",
        transfer.amount_cents / 100,
        transfer.amount_cents % 100
    );
    let lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        transfer.bic.as_deref().unwrap_or(""),
        &transfer.name,
        &transfer.iban,
        &amount,
        "",
        "",
        &transfer.remittance,
    ];
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_follows_epc069_12_line_by_line() {
        let transfer = Transfer {
            name: "Stadt Leipzig".into(),
            iban: "DE89370400440532013000".into(),
            bic: None,
            amount_cents: 4_650,
            remittance: "123456789012".into(),
        };
        assert_eq!(
            payload(&transfer).unwrap(),
            "BCD\n002\n1\nSCT\n\nStadt Leipzig\nDE89370400440532013000\nEUR46.50\n\n\n123456789012"
        );
        let cent = Transfer {
            amount_cents: 1,
            ..transfer.clone()
        };
        assert!(payload(&cent).unwrap().contains("\nEUR0.01\n"));
        let too_long = Transfer {
            name: "x".repeat(71),
            ..transfer.clone()
        };
        assert!(payload(&too_long).is_err());
        let zero = Transfer {
            amount_cents: 0,
            ..transfer
        };
        assert!(payload(&zero).is_err());
    }
}
