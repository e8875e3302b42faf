//! The `certificates` handler (form certificate.order): a birth, marriage, death or civil-partnership
//! certificate from the register office: kind and version, who orders (entitlement), the entry, register
//! number and office (else a search fee), copies, delivery and address, name and e-mail; the fee computed
//! from knowledge/certificates.toml; an order number.

use std::sync::Arc;

use auskunft_channel::{BoxFuture, Button, Message};
use chrono::{NaiveDate, Utc};

use crate::booking::mail::{Mail, Mailer};
use crate::booking::normalise_email;
use crate::certificates::{
    CertificateOrders, Certificates, Invalid, NewOrder, Order, OrderRequest, Quote, Relation,
    check_event_date, check_register_number, is_unknown, parse_copies, sized,
};
use crate::engine::{CommitContext, FormHandler, Slots};
use crate::lang::Lang;

/// The texts of one language.
struct CertificateTexts {
    summary: &'static str,
    certificate: &'static str,
    multilingual: &'static str,
    entry: &'static str,
    on: &'static str,
    in_year: &'static str,
    register: &'static str,
    register_unknown: &'static str,
    relation: &'static str,
    interest: &'static str,
    proof: &'static str,
    copies: &'static str,
    delivery: &'static str,
    applicant: &'static str,
    email: &'static str,
    received: &'static str,
    number: &'static str,
    next: &'static str,
    mail_sent: &'static str,
    mail_not_sent: &'static str,
    german_version: &'static str,
    multilingual_version: &'static str,
    leipzig: &'static str,
    unknown: &'static str,
    invalid_name: &'static str,
    invalid_text: &'static str,
    invalid_address: &'static str,
    invalid_email: &'static str,
    no_multilingual: &'static str,
    failed: &'static str,
    choose: &'static str,
    subject: &'static str,
}

const GERMAN: CertificateTexts = CertificateTexts {
    summary: "Ihre Bestellung beim Standesamt Leipzig:",
    certificate: "Urkunde",
    multilingual: "mehrsprachig",
    entry: "Eintrag",
    on: "am",
    in_year: "im Jahr",
    register: "Registernummer",
    register_unknown: "nicht angegeben: das Standesamt sucht den Eintrag",
    relation: "Sie bestellen für",
    interest: "Rechtliches Interesse",
    proof: "Bitte weisen Sie das rechtliche Interesse nach; das Standesamt meldet sich dazu bei Ihnen.",
    copies: "Anzahl",
    delivery: "Zustellung",
    applicant: "Antragsteller/in",
    email: "E-Mail",
    received: "Danke! Ihre Bestellung ist beim Standesamt Leipzig eingegangen.",
    number: "Bestellnummer",
    next: "Das Standesamt prüft Ihre Angaben und Ihre Berechtigung und meldet sich per E-Mail, wenn es etwas braucht (zum Beispiel eine Kopie Ihres Ausweises). Bei Abholung zeigen Sie bitte Ihren Personalausweis oder Reisepass.",
    mail_sent: "Eine Bestätigung ist an Ihre E-Mail-Adresse unterwegs.",
    mail_not_sent: "Eine Bestätigung per E-Mail kann ich gerade nicht senden; bitte notieren Sie die Bestellnummer.",
    german_version: "Deutsche Urkunde",
    multilingual_version: "Mehrsprachige Urkunde (für das Ausland)",
    leipzig: "Standesamt Leipzig",
    unknown: "Weiß ich nicht",
    invalid_name: "Bitte nennen Sie den Namen mit Vor- und Familiennamen.",
    invalid_text: "Bitte beschreiben Sie das etwas genauer (mindestens 5 Zeichen).",
    invalid_address: "Bitte nennen Sie die vollständige Anschrift: Straße, Hausnummer, PLZ und Ort.",
    invalid_email: "Das ist keine gültige E-Mail-Adresse.",
    no_multilingual: "Diese Urkunde gibt es nicht mehrsprachig; ich nehme die deutsche.",
    failed: "Das hat gerade nicht geklappt. Bitte versuchen Sie es noch einmal.",
    choose: "Bitte wählen Sie eine der Möglichkeiten (Sie können auch tippen).",
    subject: "Ihre Urkundenbestellung",
};

const ENGLISH: CertificateTexts = CertificateTexts {
    summary: "Your order at the Leipzig register office:",
    certificate: "Certificate",
    multilingual: "multilingual",
    entry: "Entry",
    on: "on",
    in_year: "in",
    register: "Register number",
    register_unknown: "not given: the register office searches for the entry",
    relation: "You order for",
    interest: "Legal interest",
    proof: "Please prove the legal interest; the register office will contact you about it.",
    copies: "Copies",
    delivery: "Delivery",
    applicant: "Applicant",
    email: "E-mail",
    received: "Thank you! Your order has reached the Leipzig register office.",
    number: "Order number",
    next: "The register office checks your details and your entitlement and writes to you by e-mail if it needs anything (for example a copy of your ID). When you pick it up, please show your identity card or passport.",
    mail_sent: "A confirmation is on its way to your e-mail address.",
    mail_not_sent: "I cannot send a confirmation e-mail just now; please note the order number.",
    german_version: "German certificate",
    multilingual_version: "Multilingual certificate (for use abroad)",
    leipzig: "Standesamt Leipzig",
    unknown: "Don't know",
    invalid_name: "Please give the first name and surname.",
    invalid_text: "Please describe it a little more (at least 5 characters).",
    invalid_address: "Please give the full address: street, number, postcode and town.",
    invalid_email: "That is not a valid e-mail address.",
    no_multilingual: "This certificate has no multilingual version; I take the German one.",
    failed: "That did not work just now. Please try again.",
    choose: "Please choose one of the options (you may also type it).",
    subject: "Your certificate order",
};

fn texts(lang: Lang) -> &'static CertificateTexts {
    match lang {
        Lang::De | Lang::DeLeicht => &GERMAN,
        Lang::En | Lang::Uk | Lang::Ar => &ENGLISH,
    }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Certificate orders in the chat.
pub struct CertificateOrder {
    certificates: Arc<Certificates>,
    orders: CertificateOrders,
    mailer: Mailer,
}

impl CertificateOrder {
    /// The handler over this fee table and these orders.
    pub fn new(
        certificates: Arc<Certificates>,
        orders: CertificateOrders,
        mailer: Mailer,
    ) -> CertificateOrder {
        CertificateOrder {
            certificates,
            orders,
            mailer,
        }
    }

    /// The order the slots describe, in the shape the REST API takes.
    fn request(filled: &Slots) -> Option<OrderRequest> {
        let get = |name: &str| filled.get(name).cloned();
        Some(OrderRequest {
            kind: get("kind")?,
            multilingual: filled.get("multilingual").is_some_and(|v| v == "yes"),
            person_name: get("person")?,
            event_date: get("event_date")?,
            register_office: get("register_office"),
            register_number: get("register_number"),
            relation: Relation::from_code(filled.get("relation")?)?,
            legal_interest: get("interest"),
            copies: filled.get("copies")?.parse().ok()?,
            delivery: get("delivery")?,
            address: get("address"),
            applicant_name: get("applicant")?,
            email: get("email")?,
        })
    }
}

/// A date as the citizen reads it: "12.05.1990" or "1990".
fn event_date_text(value: &str, lang: Lang) -> String {
    let t = texts(lang);
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) => format!("{} {}", t.on, date.format("%d.%m.%Y")),
        Err(_) => format!("{} {value}", t.in_year),
    }
}

/// An order as the citizen reads it: one line per detail, then the fee.
pub fn describe_order(
    certificates: &Certificates,
    order: &NewOrder,
    quote: &Quote,
    lang: Lang,
) -> String {
    let t = texts(lang);
    let mut lines = Vec::new();
    if let Some(kind) = certificates.kind(&order.kind) {
        let mut name = kind.name.get(lang).to_string();
        if order.multilingual {
            name.push_str(&format!(" ({})", t.multilingual));
        }
        lines.push(format!("{}: {name}", t.certificate));
        lines.push(format!(
            "{}: {}, {} {}",
            t.entry,
            order.person_name,
            kind.event.get(lang),
            event_date_text(&order.event_date, lang)
        ));
    }
    match (&order.register_number, &order.register_office) {
        (Some(number), Some(office)) => lines.push(format!("{}: {number} ({office})", t.register)),
        _ => lines.push(format!("{}: {}", t.register, t.register_unknown)),
    }
    lines.push(format!("{}: {}", t.relation, order.relation.label(lang)));
    if let Some(interest) = &order.legal_interest {
        lines.push(format!("{}: {interest}", t.interest));
        lines.push(t.proof.to_string());
    }
    lines.push(format!("{}: {}", t.copies, order.copies));
    if let Some(delivery) = certificates.delivery(&order.delivery) {
        match &order.address {
            Some(address) => lines.push(format!(
                "{}: {}, {address}",
                t.delivery,
                delivery.name.get(lang)
            )),
            None => lines.push(format!("{}: {}", t.delivery, delivery.name.get(lang))),
        }
    }
    lines.push(format!("{}: {}", t.applicant, order.applicant_name));
    lines.push(format!("{}: {}", t.email, order.email));
    lines.push(quote.describe(lang));
    lines.join("\n")
}

/// Mails the confirmation of a stored order when mail is configured; whether it was sent.
pub async fn send_confirmation(
    mailer: &Mailer,
    certificates: &Certificates,
    stored: &Order,
    lang: Lang,
) -> bool {
    if !mailer.enabled() {
        return false;
    }
    let t = texts(lang);
    let quote = certificates.quote_order(&stored.order, lang);
    let mail = Mail {
        to: stored.order.email.clone(),
        subject: format!("{} {}", t.subject, stored.number),
        body: format!(
            "{}\n\n{}: {}\n\n{}\n\n{}\n",
            t.received,
            t.number,
            stored.number,
            describe_order(certificates, &stored.order, &quote, lang),
            t.next
        ),
        calendar: None,
    };
    match mailer.send(&mail).await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "order confirmation not sent");
            false
        }
    }
}

impl FormHandler for CertificateOrder {
    fn validate(
        &self,
        slot: &str,
        value: &str,
        filled: &Slots,
        lang: Lang,
    ) -> Result<String, String> {
        let t = texts(lang);
        let text = value.trim();
        let kind = filled
            .get("kind")
            .and_then(|code| self.certificates.kind(code));
        let words = |min: usize, max: usize| sized(text, min, max);
        match slot {
            "kind" => self
                .certificates
                .kind(text)
                .map(|k| k.code.clone())
                .ok_or_else(|| t.choose.to_string()),
            "multilingual" => match (text, kind) {
                ("yes", Some(kind)) if !kind.multilingual => Err(t.no_multilingual.to_string()),
                ("yes" | "no", _) => Ok(text.to_string()),
                _ => Err(t.choose.to_string()),
            },
            "relation" => Relation::from_code(text)
                .map(|r| r.code().to_string())
                .ok_or_else(|| t.choose.to_string()),
            "interest" => words(5, 2000).ok_or_else(|| t.invalid_text.to_string()),
            "person" | "applicant" => words(2, 200)
                .filter(|name| name.chars().any(char::is_alphabetic))
                .ok_or_else(|| t.invalid_name.to_string()),
            "event_date" => {
                check_event_date(text, kind, today()).map_err(|e: Invalid| e.reason(lang))
            }
            "register_number" if is_unknown(text) => Ok("unknown".to_string()),
            "register_number" => check_register_number(text).map_err(|e| e.reason(lang)),
            "register_office" if is_unknown(text) => Ok("unknown".to_string()),
            "register_office" => words(2, 100).ok_or_else(|| t.invalid_text.to_string()),
            "copies" => parse_copies(text)
                .map(|n| n.to_string())
                .map_err(|e| e.reason(lang)),
            "delivery" => self
                .certificates
                .delivery(text)
                .map(|d| d.code.clone())
                .ok_or_else(|| t.choose.to_string()),
            "address" => words(10, 300).ok_or_else(|| t.invalid_address.to_string()),
            "email" => normalise_email(text).ok_or_else(|| t.invalid_email.to_string()),
            _ => Ok(text.to_string()),
        }
    }

    fn needs(&self, slot: &str, filled: &Slots) -> bool {
        match slot {
            "multilingual" => filled
                .get("kind")
                .and_then(|code| self.certificates.kind(code))
                .is_some_and(|k| k.multilingual),
            "interest" => filled
                .get("relation")
                .and_then(|r| Relation::from_code(r))
                .is_some_and(|r| !r.entitled()),
            "register_office" => filled
                .get("register_number")
                .is_some_and(|v| v != "unknown"),
            "address" => filled
                .get("delivery")
                .and_then(|code| self.certificates.delivery(code))
                .is_some_and(|d| d.is_sent()),
            _ => false,
        }
    }

    fn prepare<'a>(
        &'a self,
        slots: &'a mut Slots,
        _context: &'a CommitContext,
        _lang: Lang,
    ) -> BoxFuture<'a, Vec<Message>> {
        Box::pin(async move {
            // Ordering one's own certificate: the applicant is the person in the entry.
            if slots.get("relation").map(String::as_str) == Some("self")
                && !slots.contains_key("applicant")
                && let Some(person) = slots.get("person").cloned()
            {
                slots.insert("applicant".into(), person);
            }
            // What no longer applies after a change is dropped.
            let entitled = slots
                .get("relation")
                .and_then(|r| Relation::from_code(r))
                .is_some_and(Relation::entitled);
            if entitled {
                slots.remove("interest");
            }
            if slots.get("register_number").map(String::as_str) == Some("unknown") {
                slots.remove("register_office");
            }
            let sent = slots
                .get("delivery")
                .and_then(|code| self.certificates.delivery(code))
                .is_some_and(|d| d.is_sent());
            if !sent {
                slots.remove("address");
            }
            Vec::new()
        })
    }

    fn options<'a>(
        &'a self,
        slot: &'a str,
        _filled: &'a Slots,
        _context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Vec<Button>> {
        Box::pin(async move {
            let t = texts(lang);
            let button = |label: &str, value: &str| Button {
                label: label.to_string(),
                action: format!("slot:{slot}:{value}"),
            };
            match slot {
                "kind" => self
                    .certificates
                    .kinds
                    .iter()
                    .map(|k| button(k.name.get(lang), &k.code))
                    .collect(),
                "multilingual" => vec![
                    button(t.german_version, "no"),
                    button(t.multilingual_version, "yes"),
                ],
                "relation" => Relation::ALL
                    .into_iter()
                    .map(|r| button(r.label(lang), r.code()))
                    .collect(),
                "register_number" => vec![button(t.unknown, "unknown")],
                "register_office" => {
                    vec![button(t.leipzig, t.leipzig), button(t.unknown, "unknown")]
                }
                "copies" => ["1", "2", "3"].into_iter().map(|n| button(n, n)).collect(),
                "delivery" => self
                    .certificates
                    .delivery
                    .iter()
                    .map(|d| button(d.name.get(lang), &d.code))
                    .collect(),
                _ => Vec::new(),
            }
        })
    }

    fn service(&self, filled: &Slots) -> Option<String> {
        filled
            .get("kind")
            .and_then(|code| self.certificates.kind(code))
            .map(|kind| kind.service.clone())
    }

    fn summarise(&self, filled: &Slots, lang: Lang) -> String {
        let checked = Self::request(filled)
            .ok_or_else(|| texts(lang).failed.to_string())
            .and_then(|request| self.certificates.check(&request, "chat", today(), lang));
        match checked {
            Ok((order, quote)) => format!(
                "{}\n{}",
                texts(lang).summary,
                describe_order(&self.certificates, &order, &quote, lang)
            ),
            Err(reason) => reason,
        }
    }

    fn commit<'a>(
        &'a self,
        filled: &'a Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Result<Vec<Message>, String>> {
        Box::pin(async move {
            let t = texts(lang);
            let request = Self::request(filled).ok_or_else(|| t.failed.to_string())?;
            let (order, quote) =
                self.certificates
                    .check(&request, "chat", context.now.date_naive(), lang)?;
            let stored = self
                .orders
                .create(&order, Some(&context.idempotency_key), context.now)
                .await
                .map_err(|error| {
                    tracing::warn!(%error, "storing a certificate order failed");
                    t.failed.to_string()
                })?;
            let mail_sent =
                send_confirmation(&self.mailer, &self.certificates, &stored, lang).await;
            let mail = if mail_sent {
                t.mail_sent
            } else {
                t.mail_not_sent
            };
            Ok(vec![Message::plain(format!(
                "{}\n{}: {}\n{}\n{}\n{mail}",
                t.received,
                t.number,
                stored.number,
                quote.describe(lang),
                t.next
            ))])
        })
    }
}
