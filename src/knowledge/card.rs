//! Answer cards: the short grounded answer a chat shows (passage, fee, documents, office, link, as-of
//! date), the detail view, and the plain-text rendering every channel can show.

use auskunft_channel::{Card, Link};

use super::model::{Fee, FeeUnit, KnowledgeBase, Office, Service, ServiceText};
use crate::lang::Lang;

/// The words around a card, per language.
struct Labels {
    fees: &'static str,
    documents: &'static str,
    office: &'static str,
    online: &'static str,
    as_of: &'static str,
    source: &'static str,
    from: &'static str,
    per_copy: &'static str,
    per_half_hour: &'static str,
    per_item: &'static str,
    free: &'static str,
    any_office: &'static str,
    offices: &'static str,
    prerequisites: &'static str,
    procedure: &'static str,
    processing_time: &'static str,
    deadlines: &'static str,
    legal_basis: &'static str,
    not_city: &'static str,
}

const GERMAN: Labels = Labels {
    fees: "Gebühren",
    documents: "Mitbringen",
    office: "Zuständig",
    online: "Online",
    as_of: "Stand",
    source: "Quelle",
    from: "ab ",
    per_copy: " je Exemplar",
    per_half_hour: " je angefangene halbe Stunde",
    per_item: " je Stück",
    free: "gebührenfrei",
    any_office: "jedes",
    offices: "Standorte",
    prerequisites: "Voraussetzungen",
    procedure: "Ablauf",
    processing_time: "Bearbeitungsdauer",
    deadlines: "Fristen",
    legal_basis: "Rechtsgrundlage",
    not_city: "Hinweis: Das ist keine Leistung der Stadt Leipzig.",
};

const ENGLISH: Labels = Labels {
    fees: "Fees",
    documents: "Bring",
    office: "Where",
    online: "Online",
    as_of: "As of",
    source: "Source",
    from: "from ",
    per_copy: " per copy",
    per_half_hour: " per started half hour",
    per_item: " each",
    free: "free of charge",
    any_office: "any",
    offices: "locations",
    prerequisites: "Prerequisites",
    procedure: "Procedure",
    processing_time: "Processing time",
    deadlines: "Deadlines",
    legal_basis: "Legal basis",
    not_city: "Note: this is not a service of the City of Leipzig.",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang.content_fallback() {
        Lang::De => &GERMAN,
        _ => &ENGLISH,
    }
}

/// Formats cents as euros in the language's convention: "46,00 EUR" or "EUR 46.00".
pub fn format_euros(cents: i64, lang: Lang) -> String {
    let (euros, rest) = (cents / 100, (cents % 100).abs());
    match lang.content_fallback() {
        Lang::De => format!("{euros},{rest:02} EUR"),
        _ => format!("EUR {euros}.{rest:02}"),
    }
}

/// A fee in words: "46,00 EUR: ab 24 Jahren".
pub fn format_fee(fee: &Fee, text: &ServiceText, lang: Lang) -> String {
    let labels = labels(lang);
    if fee.amount_cents == 0 {
        let label = text
            .fee_labels
            .get(&fee.id)
            .map(String::as_str)
            .unwrap_or_default();
        return format!("{}: {label}", labels.free);
    }
    let unit = match fee.unit {
        None => "",
        Some(FeeUnit::Copy) => labels.per_copy,
        Some(FeeUnit::HalfHour) => labels.per_half_hour,
        Some(FeeUnit::Item) => labels.per_item,
    };
    let from = if fee.from { labels.from } else { "" };
    let label = text
        .fee_labels
        .get(&fee.id)
        .map(String::as_str)
        .unwrap_or_default();
    format!(
        "{from}{}{unit}: {label}",
        format_euros(fee.amount_cents, lang)
    )
}

/// Formats an ISO date for the language: 23.11.2026 or 2026-11-23.
fn format_date(date: chrono::NaiveDate, lang: Lang) -> String {
    match lang.content_fallback() {
        Lang::De => date.format("%d.%m.%Y").to_string(),
        _ => date.format("%Y-%m-%d").to_string(),
    }
}

/// The responsible offices in words: one office with its address, or "any Bürgerbüro (9 locations)".
pub fn describe_offices(
    knowledge: &KnowledgeBase,
    service: &Service,
    lang: Lang,
) -> Option<String> {
    let labels = labels(lang);
    let descriptions: Vec<String> = service
        .offices
        .iter()
        .filter_map(|reference| {
            let offices = knowledge.offices_for(reference);
            match offices.as_slice() {
                [] => None,
                [office] => Some(describe_office(office, lang)),
                [first, ..] => Some(format!(
                    "{} {} ({} {})",
                    labels.any_office,
                    kind_name(&first.kind, lang),
                    offices.len(),
                    labels.offices
                )),
            }
        })
        .collect();
    (!descriptions.is_empty()).then(|| descriptions.join("; "))
}

/// One office on one line: name and address (or name and phone when it has no street).
pub fn describe_office(office: &Office, lang: Lang) -> String {
    if office.street.is_empty() {
        match (&office.phone, &office.url) {
            (Some(phone), _) => format!("{}, {phone}", office.name(lang)),
            (None, Some(url)) => format!("{}, {url}", office.name(lang)),
            (None, None) => office.name(lang).to_string(),
        }
    } else {
        format!("{}, {}", office.name(lang), office.address())
    }
}

fn kind_name(kind: &str, lang: Lang) -> &'static str {
    let german = lang.content_fallback() == Lang::De;
    match (kind, german) {
        ("buergerbuero", true) => "Bürgerbüro",
        ("buergerbuero", false) => "citizens' office",
        ("vhs", true) => "Haus der Volkshochschule",
        ("vhs", false) => "adult-education centre site",
        (_, true) => "zuständige Amt",
        (_, false) => "responsible office",
    }
}

/// The answer card of a service in a language (texts fall back to German or English where missing).
pub fn answer_card(knowledge: &KnowledgeBase, service: &Service, lang: Lang) -> Card {
    let (text_lang, text) = service.text(lang);
    let mut fees: Vec<String> = service
        .fees
        .iter()
        .map(|fee| format_fee(fee, text, text_lang))
        .collect();
    if let Some(note) = &text.fee_note {
        fees.push(note.clone());
    }
    let link = service.online_service.as_ref().map(|online| Link {
        label: text
            .online_service_label
            .clone()
            .unwrap_or_else(|| online.label.clone()),
        url: online.url.clone(),
    });
    let mut passage = text.answer.clone();
    if !service.city_service {
        passage = format!("{passage}\n{}", labels(text_lang).not_city);
    }
    Card {
        title: text.name.clone(),
        passage,
        fees,
        documents: text.documents.clone(),
        office: describe_offices(knowledge, service, text_lang),
        link,
        source_url: service.source_url.clone(),
        as_of: service.as_of.to_string(),
        source_note: text.source_note.clone(),
    }
}

/// The plain-text rendering of a card, for channels without cards and for the `text` of a message.
pub fn card_text(card: &Card, lang: Lang) -> String {
    let labels = labels(lang);
    let mut lines = vec![card.title.clone(), String::new(), card.passage.clone()];
    if !card.fees.is_empty() {
        lines.push(format!("{}: {}", labels.fees, card.fees.join("; ")));
    }
    if !card.documents.is_empty() {
        lines.push(format!(
            "{}: {}",
            labels.documents,
            card.documents.join("; ")
        ));
    }
    if let Some(office) = &card.office {
        lines.push(format!("{}: {office}", labels.office));
    }
    if let Some(link) = &card.link {
        lines.push(format!("{}: {} ({})", labels.online, link.label, link.url));
    }
    let as_of = chrono::NaiveDate::parse_from_str(&card.as_of, "%Y-%m-%d")
        .map(|date| format_date(date, lang))
        .unwrap_or_else(|_| card.as_of.clone());
    let note = card
        .source_note
        .as_deref()
        .map(|note| format!(" · {note}"))
        .unwrap_or_default();
    lines.push(format!(
        "{}: {as_of}{note} · {}: {}",
        labels.as_of, labels.source, card.source_url
    ));
    lines.join("\n")
}

/// The detail view of a service: the full text and every module the card leaves out.
pub fn detail_text(knowledge: &KnowledgeBase, service: &Service, lang: Lang) -> String {
    let (text_lang, text) = service.text(lang);
    let labels = labels(text_lang);
    let mut lines = vec![text.name.clone(), String::new(), text.full_text.clone()];
    let mut list = |label: &str, entries: &[String]| {
        if !entries.is_empty() {
            lines.push(String::new());
            lines.push(format!("{label}:"));
            lines.extend(entries.iter().map(|entry| format!("- {entry}")));
        }
    };
    list(labels.prerequisites, &text.prerequisites);
    list(labels.documents, &text.documents);
    list(labels.procedure, &text.procedure);
    let fees: Vec<String> = service
        .fees
        .iter()
        .map(|fee| format_fee(fee, text, text_lang))
        .collect();
    list(labels.fees, &fees);
    list(labels.legal_basis, &text.legal_basis);
    for (label, value) in [
        (labels.processing_time, &text.processing_time),
        (labels.deadlines, &text.deadlines),
        (labels.fees, &text.fee_note),
    ] {
        if let Some(value) = value {
            lines.push(format!("{label}: {value}"));
        }
    }
    if let Some(notes) = &text.notes {
        lines.push(String::new());
        lines.push(notes.clone());
    }
    if let Some(offices) = describe_offices(knowledge, service, text_lang) {
        lines.push(format!("{}: {offices}", labels.office));
    }
    let note = text
        .source_note
        .as_deref()
        .map(|note| format!(" · {note}"))
        .unwrap_or_default();
    lines.push(format!(
        "{}: {}{note} · {}: {}",
        labels.as_of,
        format_date(service.as_of, text_lang),
        labels.source,
        service.source_url
    ));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_follow_the_language_convention() {
        assert_eq!(format_euros(4600, Lang::De), "46,00 EUR");
        assert_eq!(format_euros(2760, Lang::En), "EUR 27.60");
        assert_eq!(format_euros(5, Lang::De), "0,05 EUR");
    }

    #[test]
    fn fees_say_from_and_per_unit() {
        let text = ServiceText {
            fee_labels: [("a".to_string(), "Gewerbeanzeige".to_string())].into(),
            ..ServiceText::default()
        };
        let fee = Fee {
            id: "a".into(),
            amount_cents: 2200,
            from: true,
            unit: None,
        };
        assert_eq!(
            format_fee(&fee, &text, Lang::De),
            "ab 22,00 EUR: Gewerbeanzeige"
        );
        let fee = Fee {
            id: "a".into(),
            amount_cents: 700,
            from: false,
            unit: Some(FeeUnit::Copy),
        };
        assert_eq!(
            format_fee(&fee, &text, Lang::De),
            "7,00 EUR je Exemplar: Gewerbeanzeige"
        );
    }
}
