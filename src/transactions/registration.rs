//! The `registration` handler (form course.register): registering for a Volkshochschule course,
//! confirmed while seats are free, else on the waiting list; and the cancellation that moves the first on
//! the waiting list up and tells them by e-mail.
//!
//! Slots: `course` (the course number, from a button, the text, or chosen from the courses matching
//! `topic`), `name`, `email`, `reduced` (`yes` or `no`).

use auskunft_channel::{BoxFuture, Button, Message};

use crate::booking::mail::Mail;
use crate::booking::store::NewRegistration;
use crate::booking::{
    BookingError, Registration, RegistrationStatus, normalise_email, normalise_name,
};
use crate::engine::{CommitContext, FormHandler, Slots, course_line, local_date};
use crate::knowledge::card::format_euros;
use crate::knowledge::courses::{Course, CourseQuery};
use crate::lang::Lang;
use crate::transactions::appointments::BookingContext;
use crate::transactions::texts::booking_texts;

/// How many matching courses are offered as buttons.
const OFFERED_COURSES: usize = 5;

/// Registers for courses.
pub struct CourseRegistration {
    context: BookingContext,
}

impl CourseRegistration {
    /// The handler over these bookings.
    pub fn new(context: BookingContext) -> CourseRegistration {
        CourseRegistration { context }
    }

    fn course(&self, id: &str) -> Option<&Course> {
        self.context.knowledge.courses.course(id)
    }
}

/// A registration in one line: course, status, code.
pub fn registration_summary(context: &BookingContext, registration: &Registration) -> String {
    let title = context
        .knowledge
        .courses
        .course(&registration.course)
        .map_or_else(
            || registration.course.clone(),
            |c| format!("{} ({})", c.title, c.id),
        );
    format!("{} {title}", registration.code)
}

/// The mail to the participant who moved up from the waiting list.
async fn mail_promoted(context: &BookingContext, promoted: &Registration) {
    let lang = crate::lang::Lang::negotiate(&promoted.lang).unwrap_or(Lang::De);
    let t = booking_texts(lang);
    let title = context
        .knowledge
        .courses
        .course(&promoted.course)
        .map_or_else(|| promoted.course.clone(), |c| course_line(c, lang));
    let mail = Mail {
        to: promoted.email.clone(),
        subject: format!("{}: {}", t.promoted_subject, promoted.course),
        body: format!(
            "{} {},\n\n{}\n\n{title}\n\n{}: {}\n{}: {}\n",
            t.mail_greeting,
            promoted.name,
            t.promoted_body,
            t.code,
            promoted.code,
            t.key,
            promoted.key
        ),
        calendar: None,
    };
    if context.mailer.enabled()
        && let Err(error) = context.mailer.send(&mail).await
    {
        tracing::warn!(%error, "waiting-list mail not sent");
    }
}

/// Mails the registration's confirmation or waiting-list place; the sentence for the citizen.
async fn mail_registration(
    context: &BookingContext,
    registration: &Registration,
    lang: Lang,
) -> &'static str {
    let t = booking_texts(lang);
    if !context.mailer.enabled() {
        return t.mail_disabled;
    }
    let title = context
        .knowledge
        .courses
        .course(&registration.course)
        .map_or_else(|| registration.course.clone(), |c| course_line(c, lang));
    let status = match registration.position {
        Some(position) => format!("{} {position}.", t.waiting),
        None => t.registered.to_string(),
    };
    let mail = Mail {
        to: registration.email.clone(),
        subject: format!("{}: {}", t.registration_subject, registration.course),
        body: format!(
            "{} {},\n\n{status}\n\n{title}\n\n{}: {}\n{}: {}\n\n{}\n",
            t.mail_greeting,
            registration.name,
            t.code,
            registration.code,
            t.key,
            registration.key,
            t.mail_cancel_hint
        ),
        calendar: None,
    };
    match context.mailer.send(&mail).await {
        Ok(()) => t.mail_sent,
        Err(error) => {
            tracing::warn!(%error, "registration e-mail not sent");
            t.mail_failed
        }
    }
}

/// Cancels a registration and tells whoever moves up; the messages for the citizen.
pub async fn cancel_registration_messages(
    context: &BookingContext,
    code: &str,
    key: &str,
    lang: Lang,
) -> Result<Vec<Message>, String> {
    let t = booking_texts(lang);
    match cancel_registration(context, code, key).await {
        Ok(_) => Ok(vec![Message::plain(t.registration_cancelled)]),
        Err(BookingError::NotFound) => Err(t.not_found.to_string()),
        Err(error) => {
            tracing::warn!(%error, "cancelling a registration failed");
            Err(t.booking_failed.to_string())
        }
    }
}

/// Cancels a registration; the first on the waiting list moves up and is mailed.
pub async fn cancel_registration(
    context: &BookingContext,
    code: &str,
    key: &str,
) -> Result<(Registration, Option<Registration>), BookingError> {
    let (cancelled, promoted) = context.bookings.cancel_registration(code, key).await?;
    if let Some(promoted) = &promoted {
        mail_promoted(context, promoted).await;
    }
    Ok((cancelled, promoted))
}

/// Who registers.
#[derive(Debug, Clone, Copy)]
pub struct Applicant<'a> {
    /// The participant's name.
    pub name: &'a str,
    /// The participant's e-mail address.
    pub email: &'a str,
    /// Whether the reduced fee applies.
    pub reduced: bool,
    /// The language of the mails.
    pub lang: Lang,
}

/// Registers and mails; the registration and the sentence about the mail.
pub async fn register(
    context: &BookingContext,
    course: &Course,
    applicant: Applicant<'_>,
    idempotency: Option<(String, String)>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Registration, &'static str), BookingError> {
    let new = NewRegistration {
        course: course.id.clone(),
        capacity: course.free_seats(),
        name: applicant.name.to_string(),
        email: applicant.email.to_string(),
        reduced: applicant.reduced,
        lang: applicant.lang.tag().to_string(),
        idempotency,
    };
    let registration = context.bookings.register(&new, now).await?;
    let mailed = mail_registration(context, &registration, applicant.lang).await;
    Ok((registration, mailed))
}

impl FormHandler for CourseRegistration {
    fn validate(
        &self,
        slot: &str,
        value: &str,
        _filled: &Slots,
        lang: Lang,
    ) -> Result<String, String> {
        let t = booking_texts(lang);
        match slot {
            "course" => {
                let id = value.trim().to_ascii_uppercase();
                self.course(&id)
                    .map(|c| c.id.clone())
                    .ok_or_else(|| t.unknown_course.to_string())
            }
            "name" => normalise_name(value).ok_or_else(|| t.invalid_name.to_string()),
            "email" => normalise_email(value).ok_or_else(|| t.invalid_email.to_string()),
            "reduced" => match value {
                "yes" | "no" => Ok(value.to_string()),
                _ => Err(t.fee_reduced.to_string()),
            },
            _ => Ok(value.to_string()),
        }
    }

    fn options<'a>(
        &'a self,
        slot: &'a str,
        filled: &'a Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Vec<Button>> {
        Box::pin(async move {
            let t = booking_texts(lang);
            match slot {
                "course" => {
                    let Some(topic) = filled.get("topic") else {
                        return Vec::new();
                    };
                    let query = CourseQuery {
                        text: Some(topic.clone()),
                        ..CourseQuery::default()
                    };
                    self.context
                        .knowledge
                        .courses
                        .search(&query, local_date(context.now))
                        .into_iter()
                        .take(OFFERED_COURSES)
                        .map(|hit| Button {
                            label: format!("{} ({})", hit.course.title, hit.course.id),
                            action: format!("slot:course:{}", hit.course.id),
                        })
                        .collect()
                }
                "reduced" => {
                    let course = filled.get("course").and_then(|id| self.course(id));
                    let fee = |cents: Option<i64>| {
                        cents.map_or(String::new(), |c| format!(" ({})", format_euros(c, lang)))
                    };
                    vec![
                        Button {
                            label: format!("{}{}", t.fee_normal, fee(course.map(|c| c.fee_cents))),
                            action: "slot:reduced:no".to_string(),
                        },
                        Button {
                            label: format!(
                                "{}{}",
                                t.fee_reduced,
                                fee(course.map(|c| c.reduced_fee_cents))
                            ),
                            action: "slot:reduced:yes".to_string(),
                        },
                    ]
                }
                _ => Vec::new(),
            }
        })
    }

    fn prepare<'a>(
        &'a self,
        slots: &'a mut Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Vec<Message>> {
        Box::pin(async move {
            let t = booking_texts(lang);
            let today = local_date(context.now);
            if let Some(course) = slots.get("course").and_then(|id| self.course(id))
                && course.start <= today
            {
                slots.remove("course");
                return vec![Message::plain(t.course_started)];
            }
            // Before the summary: are seats still free, or does the registration go to the waiting list?
            let complete = ["course", "name", "email", "reduced"]
                .iter()
                .all(|s| slots.contains_key(*s));
            if let Some(course) = slots.get("course").and_then(|id| self.course(id))
                && complete
                && let Ok(confirmed) = self.context.bookings.confirmed_count(&course.id).await
            {
                let free = course.free_seats().saturating_sub(confirmed);
                return vec![Message::plain(if free == 0 {
                    t.goes_to_waiting_list.to_string()
                } else {
                    format!("{} {free}", t.seats_left)
                })];
            }
            Vec::new()
        })
    }

    fn summarise(&self, filled: &Slots, lang: Lang) -> String {
        let t = booking_texts(lang);
        let mut lines = Vec::new();
        if let Some(course) = filled.get("course").and_then(|id| self.course(id)) {
            lines.push(course_line(course, lang));
            let reduced = filled.get("reduced").map(String::as_str) == Some("yes");
            let cents = if reduced {
                course.reduced_fee_cents
            } else {
                course.fee_cents
            };
            lines.push(format!(
                "{}: {}",
                if reduced { t.fee_reduced } else { t.fee_normal },
                format_euros(cents, lang)
            ));
        }
        if let Some(name) = filled.get("name") {
            lines.push(format!("{}: {name}", t.name));
        }
        if let Some(email) = filled.get("email") {
            lines.push(format!("{}: {email}", t.email));
        }
        if filled
            .get("course")
            .and_then(|id| self.course(id))
            .is_some_and(|c| c.sample)
        {
            lines.push(String::new());
            lines.push(crate::engine::texts::texts(lang).courses_sample.to_string());
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
            let t = booking_texts(lang);
            let course = filled
                .get("course")
                .and_then(|id| self.course(id))
                .ok_or_else(|| t.unknown_course.to_string())?;
            let name = filled.get("name").cloned().unwrap_or_default();
            let email = filled.get("email").cloned().unwrap_or_default();
            let reduced = filled.get("reduced").map(String::as_str) == Some("yes");
            let idempotency = Some((
                format!("chat:{}:register", context.idempotency_key),
                format!("{}|{name}|{email}|{reduced}", course.id),
            ));
            let applicant = Applicant {
                name: &name,
                email: &email,
                reduced,
                lang,
            };
            let (registration, mailed) =
                register(&self.context, course, applicant, idempotency, context.now)
                    .await
                    .map_err(|error| {
                        tracing::warn!(%error, "course registration failed");
                        t.booking_failed.to_string()
                    })?;
            let status = match (registration.status, registration.position) {
                (RegistrationStatus::Waiting, Some(position)) => {
                    format!("{} {position}.", t.waiting)
                }
                _ => t.registered.to_string(),
            };
            Ok(vec![
                Message::plain(format!(
                    "{status}\n{}\n\n{}: {}\n{}: {}\n{}",
                    course_line(course, lang),
                    t.code,
                    registration.code,
                    t.key,
                    registration.key,
                    t.mail_cancel_hint
                )),
                Message::plain(if course.sample {
                    format!(
                        "{mailed}\n\n{}",
                        crate::engine::texts::texts(lang).courses_sample
                    )
                } else {
                    mailed.to_string()
                }),
            ])
        })
    }
}
