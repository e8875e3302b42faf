//! The `reports` handler (form report.issue): a problem report with category, place (address or shared
//! location), description, optional photo and e-mail, stored with a tracking number; or, given a tracking
//! number, the report's status.

use std::sync::Arc;

use auskunft_channel::{BoxFuture, Button, Message};

use crate::booking::normalise_email;
use crate::engine::{CommitContext, FormHandler, Slots};
use crate::lang::Lang;
use crate::reports::{Categories, NewReport, Report, Reports, parse_position};
use crate::uploads::Uploads;

/// The report texts of one language.
struct ReportTexts {
    summary: &'static str,
    category: &'static str,
    place: &'static str,
    location: &'static str,
    description: &'static str,
    photo: &'static str,
    received: &'static str,
    tracking: &'static str,
    keep: &'static str,
    status: &'static str,
    open: &'static str,
    closed: &'static str,
    notes: &'static str,
    unknown: &'static str,
    invalid_place: &'static str,
    invalid_description: &'static str,
    invalid_email: &'static str,
    failed: &'static str,
    danger: &'static str,
}

const GERMAN: ReportTexts = ReportTexts {
    summary: "Ihre Meldung:",
    category: "Art",
    place: "Ort",
    location: "geteilter Standort",
    description: "Beschreibung",
    photo: "mit Foto",
    received: "Danke! Ihre Meldung ist eingegangen und geht an die zuständige Stelle.",
    tracking: "Vorgangsnummer",
    keep: "Mit der Vorgangsnummer können Sie hier jederzeit nach dem Stand fragen.",
    status: "Stand",
    open: "in Bearbeitung",
    closed: "erledigt",
    notes: "Hinweis der Stadt",
    unknown: "Eine Meldung mit dieser Vorgangsnummer finde ich nicht.",
    invalid_place: "Bitte nennen Sie den Ort genauer (Straße mit Hausnummer oder Kreuzung), oder teilen Sie Ihren Standort.",
    invalid_description: "Bitte beschreiben Sie das Problem in ein paar Worten (mindestens 3 Zeichen).",
    invalid_email: "Das ist keine gültige E-Mail-Adresse.",
    failed: "Das hat gerade nicht geklappt. Bitte versuchen Sie es noch einmal.",
    danger: "Bei akuter Gefahr rufen Sie bitte sofort 110 oder 112.",
};

const ENGLISH: ReportTexts = ReportTexts {
    summary: "Your report:",
    category: "Kind",
    place: "Place",
    location: "shared location",
    description: "Description",
    photo: "with photo",
    received: "Thank you! Your report has been received and goes to the responsible office.",
    tracking: "Tracking number",
    keep: "With the tracking number you can ask here for the status at any time.",
    status: "Status",
    open: "being worked on",
    closed: "done",
    notes: "Note from the city",
    unknown: "I cannot find a report with this tracking number.",
    invalid_place: "Please give the place more precisely (street and number, or a crossing), or share your location.",
    invalid_description: "Please describe the problem in a few words (at least 3 characters).",
    invalid_email: "That is not a valid e-mail address.",
    failed: "That did not work just now. Please try again.",
    danger: "In an emergency please call 110 or 112 at once.",
};

fn report_texts(lang: Lang) -> &'static ReportTexts {
    match lang {
        Lang::De | Lang::DeLeicht => &GERMAN,
        Lang::En | Lang::Uk | Lang::Ar => &ENGLISH,
    }
}

/// Problem reports in the chat.
pub struct ReportIssue {
    reports: Reports,
    uploads: Uploads,
    categories: Arc<Categories>,
}

impl ReportIssue {
    /// The handler over these reports.
    pub fn new(reports: Reports, uploads: Uploads, categories: Arc<Categories>) -> ReportIssue {
        ReportIssue {
            reports,
            uploads,
            categories,
        }
    }

    fn category_name(&self, code: &str, lang: Lang) -> String {
        self.categories
            .get(code)
            .map_or_else(|| code.to_string(), |c| c.name(lang).to_string())
    }

    fn status_text(&self, report: &Report, lang: Lang) -> String {
        let t = report_texts(lang);
        let status = if report.status == "closed" {
            t.closed
        } else {
            t.open
        };
        let mut text = format!(
            "{} {} ({}): {}: {status}.",
            t.tracking,
            report.id,
            self.category_name(&report.data.service_code, lang),
            t.status
        );
        if let Some(notes) = &report.status_notes {
            text.push_str(&format!("\n{}: {notes}", t.notes));
        }
        text
    }
}

impl FormHandler for ReportIssue {
    fn validate(
        &self,
        slot: &str,
        value: &str,
        _filled: &Slots,
        lang: Lang,
    ) -> Result<String, String> {
        let t = report_texts(lang);
        let text = value.trim();
        match slot {
            "category" if self.categories.get(text).is_some() => Ok(text.to_string()),
            "category" => Err(t.failed.to_string()),
            "location" => parse_position(text)
                .map(|(lat, lon)| format!("{lat:.6},{lon:.6}"))
                .ok_or_else(|| t.invalid_place.to_string()),
            "address" if (5..=300).contains(&text.chars().count()) => Ok(text.to_string()),
            "address" => Err(t.invalid_place.to_string()),
            "description" if (3..=4000).contains(&text.chars().count()) => Ok(text.to_string()),
            "description" => Err(t.invalid_description.to_string()),
            "email" => normalise_email(text).ok_or_else(|| t.invalid_email.to_string()),
            _ => Ok(text.to_string()),
        }
    }

    fn needs(&self, slot: &str, filled: &Slots) -> bool {
        if filled.contains_key("tracking") {
            return false;
        }
        match slot {
            "category" | "description" => true,
            "address" => !filled.contains_key("location"),
            _ => false,
        }
    }

    fn skip_confirmation(&self, filled: &Slots) -> bool {
        filled.contains_key("tracking")
    }

    fn options<'a>(
        &'a self,
        slot: &'a str,
        _filled: &'a Slots,
        _context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Vec<Button>> {
        Box::pin(async move {
            if slot != "category" {
                return Vec::new();
            }
            self.categories
                .list
                .iter()
                .map(|c| Button {
                    label: c.name(lang).to_string(),
                    action: format!("slot:category:{}", c.code),
                })
                .collect()
        })
    }

    fn accept_photo<'a>(
        &'a self,
        _slot: &'a str,
        _mime: &'a str,
        bytes: &'a [u8],
        lang: Lang,
    ) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move { self.uploads.accept(bytes, report_texts(lang).failed).await })
    }

    fn summarise(&self, filled: &Slots, lang: Lang) -> String {
        let t = report_texts(lang);
        let mut lines = vec![t.summary.to_string()];
        if let Some(code) = filled.get("category") {
            lines.push(format!(
                "{}: {}",
                t.category,
                self.category_name(code, lang)
            ));
        }
        match (filled.get("address"), filled.get("location")) {
            (Some(address), _) => lines.push(format!("{}: {address}", t.place)),
            (None, Some(position)) => {
                lines.push(format!("{}: {} ({position})", t.place, t.location))
            }
            (None, None) => {}
        }
        if let Some(description) = filled.get("description") {
            lines.push(format!("{}: {description}", t.description));
        }
        if filled.contains_key("photo") {
            lines.push(t.photo.to_string());
        }
        lines.join("\n")
    }

    fn commit<'a>(
        &'a self,
        filled: &'a Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Result<Vec<Message>, String>> {
        Box::pin(async move {
            let t = report_texts(lang);
            if let Some(tracking) = filled.get("tracking") {
                return match self.reports.get(tracking).await {
                    Ok(Some(report)) => Ok(vec![Message::plain(self.status_text(&report, lang))]),
                    Ok(None) => Ok(vec![Message::plain(t.unknown)]),
                    Err(error) => {
                        tracing::warn!(%error, "reading a report failed");
                        Err(t.failed.to_string())
                    }
                };
            }
            let code = filled.get("category").cloned().unwrap_or_default();
            let photo = match filled.get("photo") {
                Some(id) => self
                    .uploads
                    .get(id)
                    .await
                    .map_err(|_| t.failed.to_string())?,
                None => None,
            };
            let new = NewReport {
                service_code: code.clone(),
                description: filled.get("description").cloned().unwrap_or_default(),
                position: filled.get("location").and_then(|p| parse_position(p)),
                address: filled.get("address").cloned(),
                email: filled.get("email").cloned(),
                photo,
                media_url: None,
            };
            let agency = self
                .categories
                .get(&code)
                .map_or("Stadt Leipzig", |c| c.agency.as_str())
                .to_string();
            let report = self
                .reports
                .create(&new, &agency, Some(&context.idempotency_key), context.now)
                .await
                .map_err(|error| {
                    tracing::warn!(%error, "storing a report failed");
                    t.failed.to_string()
                })?;
            Ok(vec![Message::plain(format!(
                "{}\n{}: {}\n{}\n{}",
                t.received, t.tracking, report.id, t.keep, t.danger
            ))])
        })
    }
}
