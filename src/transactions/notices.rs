//! The `notices` handler (form notice.pay) and the `objections` handler (form notice.objection): a notice
//! found by Kassenzeichen and check code, or by the signed link of its QR code (typed, pressed, or read
//! from a photo), shown with its amount and due date; then pay now (the provider's pay page), pay later
//! (a GiroCode and an optional reminder), or an objection with the deadline checked.
//!
//! Slots of both: `kassenzeichen`, `check_code` (typed) or `signature` (from the QR link); the handlers
//! keep `verified`. notice.pay adds `choice` (now, later, remind) and `email` (asked for a reminder);
//! notice.objection adds `name`, `address`, `reasons`, and takes `email` when given.

use auskunft_channel::{BoxFuture, Button, Card, Image, Link, Message};

use crate::booking::normalise_email;
use crate::engine::{CommitContext, FormHandler, ImageReader, Slots, local_date, percent_encode};
use crate::lang::Lang;
use crate::notices::service::{NoticeService, Proof, Verified};
use crate::notices::store::{NewObjection, NoticeError};
use crate::notices::{
    Notice, NoticeStatus, euros, normalise_check_code, normalise_kassenzeichen, qr,
};
use crate::transactions::notice_texts::{format_date, notice_texts};

/// The notice in a few lines.
pub fn describe(notice: &Notice, today: chrono::NaiveDate, lang: Lang) -> String {
    let t = notice_texts(lang);
    let deadline = notice.objection_deadline();
    let status = match notice.status {
        NoticeStatus::Open => t.status_open,
        NoticeStatus::Paid => t.status_paid,
    };
    let objection = if today <= deadline {
        format!("{} {}.", t.objection_until, format_date(deadline, lang))
    } else {
        format!("{} {}.", t.objection_late, format_date(deadline, lang))
    };
    format!(
        "{} {}: {}\n{}: {}, {} {} ({status})\n{objection}",
        t.notice,
        notice.data.kassenzeichen,
        notice.data.subject,
        t.amount,
        euros(notice.data.amount_cents),
        t.due,
        format_date(notice.data.due_date, lang),
    )
}

/// Verifies the notice named in the slots (once per form); the messages say what happened.
async fn verify(
    service: &NoticeService,
    slots: &mut Slots,
    context: &CommitContext,
    lang: Lang,
) -> (Option<Notice>, Vec<Message>) {
    let t = notice_texts(lang);
    let Some(kassenzeichen) = slots.get("kassenzeichen").cloned() else {
        return (None, Vec::new());
    };
    let proof = match (slots.get("signature"), slots.get("check_code")) {
        (Some(signature), _) => Proof::Signature(signature.clone()),
        (None, Some(code)) => Proof::CheckCode(code.clone()),
        (None, None) => return (None, Vec::new()),
    };
    let client = format!(
        "{}:{}",
        context.key.channel.as_str(),
        context.key.conversation
    );
    let announced = slots.contains_key("verified");
    match service.verify(&kassenzeichen, &proof, &client).await {
        Ok(Verified::Notice(notice, check_code)) => {
            slots.insert("check_code".into(), check_code.clone());
            slots.insert(
                "signature".into(),
                service.signature(&kassenzeichen, &check_code),
            );
            slots.insert("verified".into(), "yes".into());
            let messages = if announced {
                Vec::new()
            } else {
                vec![Message::plain(describe(
                    &notice,
                    local_date(context.now),
                    lang,
                ))]
            };
            (Some(*notice), messages)
        }
        Ok(Verified::No) => {
            slots.remove("check_code");
            slots.remove("signature");
            slots.remove("verified");
            (None, vec![Message::plain(t.no_match)])
        }
        Ok(Verified::Blocked(_)) => {
            slots.remove("kassenzeichen");
            slots.remove("check_code");
            slots.remove("signature");
            slots.remove("verified");
            (None, vec![Message::plain(t.blocked)])
        }
        Err(error) => {
            tracing::warn!(%error, "notice lookup failed");
            (None, vec![Message::plain(t.failed)])
        }
    }
}

fn validate_common(slot: &str, value: &str, lang: Lang) -> Option<Result<String, String>> {
    let t = notice_texts(lang);
    Some(match slot {
        "kassenzeichen" => {
            normalise_kassenzeichen(value).ok_or_else(|| t.invalid_kassenzeichen.to_string())
        }
        "check_code" => normalise_check_code(value).ok_or_else(|| t.invalid_check_code.to_string()),
        "signature" => {
            let valid = value.len() == 32 && value.chars().all(|c| c.is_ascii_hexdigit());
            if valid {
                Ok(value.to_ascii_lowercase())
            } else {
                Err(t.no_match.to_string())
            }
        }
        "email" => normalise_email(value).ok_or_else(|| t.invalid_email.to_string()),
        _ => return None,
    })
}

/// Pay now, pay later, remind (form notice.pay).
pub struct NoticePayment {
    service: NoticeService,
}

impl NoticePayment {
    /// The handler over these notices.
    pub fn new(service: NoticeService) -> NoticePayment {
        NoticePayment { service }
    }
}

/// The button that starts the objection form for a verified notice.
fn objection_button(slots: &Slots, lang: Lang) -> Option<Button> {
    Some(Button {
        label: notice_texts(lang).object.to_string(),
        action: format!(
            "form:notice.objection?kassenzeichen={}&signature={}",
            slots.get("kassenzeichen")?,
            slots.get("signature")?
        ),
    })
}

impl FormHandler for NoticePayment {
    fn validate(
        &self,
        slot: &str,
        value: &str,
        _filled: &Slots,
        lang: Lang,
    ) -> Result<String, String> {
        if let Some(result) = validate_common(slot, value, lang) {
            return result;
        }
        match (slot, value) {
            ("choice", "now" | "later" | "remind") => Ok(value.to_string()),
            ("choice", _) => Err(notice_texts(lang).choice_unknown.to_string()),
            _ => Ok(value.to_string()),
        }
    }

    fn needs(&self, slot: &str, filled: &Slots) -> bool {
        slot == "email" && filled.get("choice").map(String::as_str) == Some("remind")
    }

    fn options<'a>(
        &'a self,
        slot: &'a str,
        filled: &'a Slots,
        _context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Vec<Button>> {
        Box::pin(async move {
            let t = notice_texts(lang);
            if slot != "choice" {
                return Vec::new();
            }
            let mut buttons = vec![
                Button {
                    label: t.pay_now.to_string(),
                    action: "slot:choice:now".into(),
                },
                Button {
                    label: t.pay_later.to_string(),
                    action: "slot:choice:later".into(),
                },
            ];
            buttons.extend(objection_button(filled, lang));
            buttons
        })
    }

    fn prepare<'a>(
        &'a self,
        slots: &'a mut Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Vec<Message>> {
        Box::pin(async move {
            let (notice, mut messages) = verify(&self.service, slots, context, lang).await;
            if slots.get("choice").map(String::as_str) == Some("remind")
                && !self.service.mailer.enabled()
            {
                slots.remove("choice");
                messages.push(Message::plain(notice_texts(lang).reminder_no_mail));
            }
            if let Some(notice) = notice
                && notice.status == NoticeStatus::Paid
                && slots.get("choice").map(String::as_str) != Some("remind")
            {
                // Nothing to pay: say so; an objection stays possible.
                slots.insert("choice".into(), "paid".into());
                messages.push(Message::plain(notice_texts(lang).already_paid));
            }
            messages
        })
    }

    fn summarise(&self, filled: &Slots, _lang: Lang) -> String {
        filled.get("kassenzeichen").cloned().unwrap_or_default()
    }

    fn commit<'a>(
        &'a self,
        filled: &'a Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Result<Vec<Message>, String>> {
        Box::pin(async move {
            let t = notice_texts(lang);
            let kassenzeichen = filled.get("kassenzeichen").cloned().unwrap_or_default();
            let Some((notice, _)) = self
                .service
                .notices
                .get(&kassenzeichen)
                .await
                .map_err(|_| t.failed.to_string())?
                .filter(|_| filled.contains_key("verified"))
            else {
                return Err(t.no_match.to_string());
            };
            let signature = filled.get("signature").cloned().unwrap_or_default();
            match filled.get("choice").map(String::as_str) {
                Some("now") => match self.service.pay(&kassenzeichen, context.now).await {
                    Ok((_, url)) => Ok(vec![Message {
                        text: format!("{} {url}", t.pay_here),
                        card: Some(Card {
                            title: format!("{} {}", t.notice, kassenzeichen),
                            passage: format!(
                                "{}: {}",
                                notice.data.subject,
                                euros(notice.data.amount_cents)
                            ),
                            link: Some(Link {
                                label: t.pay_page.to_string(),
                                url,
                            }),
                            ..Card::default()
                        }),
                        ..Message::default()
                    }]),
                    Err(NoticeError::AlreadyPaid) => Ok(vec![Message::plain(t.already_paid)]),
                    Err(error) => {
                        tracing::warn!(%error, "starting a payment failed");
                        Err(t.failed.to_string())
                    }
                },
                Some("later") => {
                    let (_, _png) = self.service.girocode(&notice).map_err(|error| {
                        tracing::warn!(%error, "GiroCode failed");
                        t.failed.to_string()
                    })?;
                    let url = format!("/api/v1/notices/{kassenzeichen}/girocode.png?s={signature}");
                    let text = format!(
                        "{}\n{}: {}\nIBAN: {}\n{}: {}\n{}: {}, {} {}",
                        t.transfer,
                        t.payee,
                        self.service.settings.payee,
                        notice.data.iban,
                        t.reference,
                        kassenzeichen,
                        t.amount,
                        euros(notice.data.amount_cents),
                        t.due,
                        format_date(notice.data.due_date, lang)
                    );
                    let mut buttons = vec![Button {
                        label: t.remind.to_string(),
                        action: format!(
                            "form:notice.pay?kassenzeichen={kassenzeichen}&signature={signature}&choice=remind"
                        ),
                    }];
                    buttons.extend(objection_button(filled, lang));
                    Ok(vec![
                        Message {
                            text,
                            image: Some(Image {
                                url,
                                alt: format!("{} ({kassenzeichen})", t.girocode_alt),
                            }),
                            ..Message::default()
                        },
                        Message {
                            text: t.remind_offer.to_string(),
                            buttons,
                            ..Message::default()
                        },
                    ])
                }
                Some("remind") => {
                    if !self.service.mailer.enabled() {
                        return Ok(vec![Message::plain(t.reminder_no_mail)]);
                    }
                    let email = filled.get("email").cloned().unwrap_or_default();
                    let day = self
                        .service
                        .remind(&notice, &email, lang.tag(), local_date(context.now))
                        .await
                        .map_err(|_| t.failed.to_string())?;
                    Ok(vec![Message::plain(format!(
                        "{} {} ({email}).",
                        t.reminder_set,
                        format_date(day, lang)
                    ))])
                }
                Some("paid") => Ok(vec![Message {
                    text: t.already_paid.to_string(),
                    buttons: objection_button(filled, lang).into_iter().collect(),
                    ..Message::default()
                }]),
                _ => Err(t.choice_unknown.to_string()),
            }
        })
    }
}

/// Objections (form notice.objection).
pub struct NoticeObjection {
    service: NoticeService,
}

impl NoticeObjection {
    /// The handler over these notices.
    pub fn new(service: NoticeService) -> NoticeObjection {
        NoticeObjection { service }
    }
}

impl FormHandler for NoticeObjection {
    fn validate(
        &self,
        slot: &str,
        value: &str,
        _filled: &Slots,
        lang: Lang,
    ) -> Result<String, String> {
        if let Some(result) = validate_common(slot, value, lang) {
            return result;
        }
        let t = notice_texts(lang);
        let text = value.trim();
        let chars = text.chars().count();
        match slot {
            "name" => crate::booking::normalise_name(text).ok_or_else(|| {
                crate::transactions::texts::booking_texts(lang)
                    .invalid_name
                    .to_string()
            }),
            "address" if (8..=300).contains(&chars) && text.chars().any(|c| c.is_ascii_digit()) => {
                Ok(text.to_string())
            }
            "address" => Err(t.invalid_address.to_string()),
            "reasons" if (10..=5000).contains(&chars) => Ok(text.to_string()),
            "reasons" => Err(t.invalid_reasons.to_string()),
            _ => Ok(text.to_string()),
        }
    }

    fn prepare<'a>(
        &'a self,
        slots: &'a mut Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Vec<Message>> {
        Box::pin(async move { verify(&self.service, slots, context, lang).await.1 })
    }

    fn accept_photo<'a>(
        &'a self,
        _slot: &'a str,
        _mime: &'a str,
        bytes: &'a [u8],
        lang: Lang,
    ) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move {
            self.service
                .uploads
                .accept(bytes, notice_texts(lang).failed)
                .await
        })
    }

    fn summarise(&self, filled: &Slots, lang: Lang) -> String {
        let t = notice_texts(lang);
        let mut lines = vec![format!(
            "{} {}:",
            t.objection_summary,
            filled.get("kassenzeichen").cloned().unwrap_or_default()
        )];
        for (slot, label) in [
            ("name", t.objector),
            ("address", t.address),
            ("reasons", t.reasons),
        ] {
            if let Some(value) = filled.get(slot) {
                lines.push(format!("{label}: {value}"));
            }
        }
        if filled.contains_key("attachment") {
            lines.push(t.attachment.to_string());
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
            let t = notice_texts(lang);
            let kassenzeichen = filled.get("kassenzeichen").cloned().unwrap_or_default();
            let Some((notice, _)) = self
                .service
                .notices
                .get(&kassenzeichen)
                .await
                .map_err(|_| t.failed.to_string())?
                .filter(|_| filled.contains_key("verified"))
            else {
                return Err(t.no_match.to_string());
            };
            let new = NewObjection {
                kassenzeichen: kassenzeichen.clone(),
                name: filled.get("name").cloned().unwrap_or_default(),
                address: filled.get("address").cloned().unwrap_or_default(),
                reasons: filled.get("reasons").cloned().unwrap_or_default(),
                email: filled.get("email").cloned(),
                attachment: match filled.get("attachment") {
                    Some(id) => self
                        .service
                        .uploads
                        .get(id)
                        .await
                        .map_err(|_| t.failed.to_string())?
                        .map(|(mime, data)| {
                            let extension = if mime == "image/png" { "png" } else { "jpg" };
                            (format!("foto.{extension}"), mime, data)
                        }),
                    None => None,
                },
            };
            let key = format!("chat:{}:objection", context.idempotency_key);
            let objection = self
                .service
                .object(&notice, &new, Some(&key), context.now)
                .await
                .map_err(|error| {
                    tracing::warn!(%error, "storing an objection failed");
                    t.failed.to_string()
                })?;
            Ok(vec![Message::plain(confirmation_text(
                &objection, &notice, lang,
            ))])
        })
    }
}

/// The confirmation of an objection, as the citizen keeps it.
pub fn confirmation_text(
    objection: &crate::notices::store::Objection,
    notice: &Notice,
    lang: Lang,
) -> String {
    let t = notice_texts(lang);
    let deadline = format_date(objection.deadline, lang);
    let timing = if objection.in_time {
        format!("{} {deadline}.", t.in_time)
    } else {
        t.late.replace("%s", &deadline)
    };
    format!(
        "{}\n{}: {}\n{} {}: {}\n{}: {}\n{}: {}\n{timing}\n{}",
        t.objection_received,
        t.receipt,
        objection.receipt,
        t.notice,
        notice.data.kassenzeichen,
        notice.data.subject,
        t.objector,
        objection.data.name,
        t.address,
        objection.data.address,
        t.office_will_contact
    )
}

/// Reads the QR code on a photo of a notice: the action that loads the notice.
pub struct NoticePhotoReader {
    service: NoticeService,
}

impl NoticePhotoReader {
    /// A reader for this server's notice links.
    pub fn new(service: NoticeService) -> NoticePhotoReader {
        NoticePhotoReader { service }
    }
}

impl ImageReader for NoticePhotoReader {
    fn read<'a>(&'a self, _mime: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            let bytes = bytes.to_vec();
            // Decoding a photo takes a few milliseconds of CPU: off the async threads.
            let text = crate::uploads::off_thread(move || qr::decode(&bytes).ok())
                .await
                .flatten()?;
            let (kassenzeichen, signature) = self.service.parse_link(&text)?;
            Some(format!(
                "form:notice.pay?kassenzeichen={}&signature={}",
                percent_encode(&kassenzeichen),
                percent_encode(&signature)
            ))
        })
    }
}
