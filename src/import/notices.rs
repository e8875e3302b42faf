//! Notices in bulk from CSV, as specialist procedures export them: a header row naming the columns
//! `kassenzeichen`, `subject`, `amount_cents` (or `amount` in euros, `46,50`), `due_date`, `issued_on`,
//! `delivered_on` (YYYY-MM-DD or DD.MM.YYYY), `office`, `iban_account`, optionally `legal_remedy`
//! (ja/nein, true/false); separated by `;` or `,`. Every line is checked on its own: good lines are
//! registered, bad ones reported with their line number.

use chrono::NaiveDate;

use crate::notices::{NewNotice, NoticeInput, check_notice};

/// One line's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A valid notice, with its line.
    Notice(usize, NewNotice),
    /// A line that cannot be a notice: its line and the reason.
    Problem(usize, String),
}

/// Reads the CSV; a missing required column is an error for the whole file.
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains(';') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let amount_column = column("amount_cents")
        .map(|i| (i, true))
        .or(column("amount").map(|i| (i, false)));
    let mut missing = Vec::new();
    for name in [
        "kassenzeichen",
        "subject",
        "due_date",
        "issued_on",
        "delivered_on",
        "office",
        "iban_account",
    ] {
        if column(name).is_none() {
            missing.push(name);
        }
    }
    if amount_column.is_none() {
        missing.push("amount_cents (or amount)");
    }
    if !missing.is_empty() {
        return Err(format!("line 1: missing column(s): {}", missing.join(", ")));
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                rows.push(Row::Problem(line, error.to_string()));
                continue;
            }
        };
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let field = |name: &str| {
            column(name)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_string()
        };
        let row = (|| -> Result<NewNotice, String> {
            let (amount_index, in_cents) = amount_column.expect("checked above");
            let amount_text = record.get(amount_index).unwrap_or_default();
            let amount_cents = if in_cents {
                amount_text.parse::<i64>().map_err(|_| {
                    format!("amount_cents '{amount_text}' is not a whole number of cents")
                })?
            } else {
                euros_to_cents(amount_text).ok_or_else(|| {
                    format!("amount '{amount_text}' is not an amount in euros like 46,50")
                })?
            };
            let date = |name: &str| {
                let text = field(name);
                parse_date(&text).ok_or_else(|| {
                    format!("{name} '{text}' is not a date (YYYY-MM-DD or DD.MM.YYYY)")
                })
            };
            let legal_remedy = match field("legal_remedy").to_lowercase().as_str() {
                "" => None,
                "ja" | "yes" | "true" | "1" => Some(true),
                "nein" | "no" | "false" | "0" => Some(false),
                other => return Err(format!("legal_remedy '{other}' must be ja or nein")),
            };
            check_notice(NoticeInput {
                kassenzeichen: field("kassenzeichen"),
                subject: field("subject"),
                amount_cents,
                due_date: date("due_date")?,
                issued_on: date("issued_on")?,
                delivered_on: date("delivered_on")?,
                office: field("office"),
                iban_account: field("iban_account"),
                legal_remedy,
            })
        })();
        rows.push(match row {
            Ok(notice) => Row::Notice(line, notice),
            Err(reason) => Row::Problem(line, reason),
        });
    }
    Ok(rows)
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
        .ok()
}

/// "46,50", "46.50", "1.234,56" or "46" euros in cents.
fn euros_to_cents(text: &str) -> Option<i64> {
    let text = text
        .trim()
        .trim_end_matches("EUR")
        .trim_end_matches('€')
        .trim();
    let (whole, cents) = match text.rsplit_once([',', '.']) {
        Some((whole, cents)) if cents.len() == 2 => {
            (whole.replace(['.', ','], ""), cents.to_string())
        }
        _ => (text.replace(['.', ','], ""), "00".to_string()),
    };
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = cents.parse().ok()?;
    (whole >= 0).then_some(whole * 100 + cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_lines_are_read_and_bad_ones_reported_with_their_line() {
        let csv = "kassenzeichen;subject;amount;due_date;issued_on;delivered_on;office;iban_account;legal_remedy\n\
                   1234.5678.9012;Hundesteuer 2027;46,50;31.01.2027;20.11.2026;23.11.2026;Steueramt;DE89 3704 0044 0532 0130 00;ja\n\
                   12;Hundesteuer 2027;46,50;31.01.2027;20.11.2026;23.11.2026;Steueramt;DE89370400440532013000;\n\
                   55501234;Gebühr;1.234,56;2027-02-01;2026-11-20;2026-11-21;Ordnungsamt;DE89370400440532013000;nein\n\
                   55501235;Gebühr;zehn;2027-02-01;2026-11-20;2026-11-21;Ordnungsamt;DE89370400440532013000;\n";
        let rows = parse(csv).unwrap();
        assert_eq!(rows.len(), 4);
        match &rows[0] {
            Row::Notice(2, notice) => {
                assert_eq!(notice.kassenzeichen, "123456789012");
                assert_eq!(notice.amount_cents, 4_650);
                assert!(notice.legal_remedy);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&rows[1], Row::Problem(3, reason) if reason.contains("kassenzeichen")));
        assert!(
            matches!(&rows[2], Row::Notice(4, n) if n.amount_cents == 123_456 && !n.legal_remedy)
        );
        assert!(matches!(&rows[3], Row::Problem(5, reason) if reason.contains("amount")));
        assert!(
            parse("kassenzeichen,subject\n1,2\n")
                .unwrap_err()
                .contains("missing column")
        );
    }
}
