//! The `appointments` handler (form appointment.book) and the `bookings` handler (form
//! appointment.cancel): booking a citizens' office appointment in the chat, and cancelling or
//! rescheduling an appointment or a course registration by code and key.
//!
//! Booking slots: `service`, `office` (an id or `any`), `day` and `time` (typed, optional), `start`
//! (`OFFICE@UNIX-SECONDS`, from a button or derived from day and time), `after` (the "later" button),
//! `name`, `email`, `replaces` (`CODE KEY` of a booking being moved). The handler keeps `held`
//! (`CODE KEY SERVICE START EXPIRES`): the reservation that holds the chosen slot while the citizen types name and
//! e-mail; it is released when the choice changes and confirmed at the end.

use std::sync::Arc;

use auskunft_channel::{BoxFuture, Button, Card, Link, Message};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::booking::mail::{Mail, Mailer};
use crate::booking::store::NewAppointment;
use crate::booking::{
    Appointment, BookingError, Bookings, Status, ics, normalise_code, normalise_email,
    normalise_key, normalise_name,
};
use crate::engine::{CommitContext, FormHandler, Slots, local_date, percent_encode};
use crate::knowledge::Knowledge;
use crate::knowledge::offices::TIME_ZONE;
use crate::lang::Lang;
use crate::transactions::registration::{cancel_registration_messages, registration_summary};
use crate::transactions::texts::{booking_texts, format_moment, format_slot, format_time};

/// How many slot buttons are offered at once.
const OFFERED_SLOTS: usize = 6;

/// The services offered as buttons when the citizen has not named one.
const COMMON_SERVICES: [&str; 6] = [
    "personalausweis-beantragen",
    "reisepass-beantragen",
    "wohnsitz-anmelden",
    "meldebescheinigung",
    "fuehrungszeugnis",
    "beglaubigung",
];

/// What both booking handlers share: knowledge, the bookings and the mailer.
#[derive(Clone)]
pub struct BookingContext {
    /// The knowledge base (services, offices, courses, the calendar).
    pub knowledge: Arc<Knowledge>,
    /// The bookings.
    pub bookings: Bookings,
    /// Confirmation e-mails.
    pub mailer: Mailer,
}

/// Books appointments (form appointment.book).
pub struct AppointmentBooking {
    context: BookingContext,
}

/// Parses a `start` value: `OFFICE@UNIX-SECONDS`.
fn parse_start(value: &str) -> Option<(String, DateTime<Utc>)> {
    let (office, seconds) = value.split_once('@')?;
    let at = Utc.timestamp_opt(seconds.parse().ok()?, 0).single()?;
    Some((office.to_string(), at))
}

fn start_value(office: &str, at: DateTime<Utc>) -> String {
    format!("{office}@{}", at.timestamp())
}

/// Whether a slot lies in a part of the day: morning before 12, afternoon 12 to 17, evening from 16.
fn in_part_of_day(start: DateTime<Utc>, part: Option<&str>) -> bool {
    use chrono::Timelike;
    let hour = start.with_timezone(&TIME_ZONE).hour();
    match part {
        Some("morning") => hour < 12,
        Some("afternoon") => (12..17).contains(&hour),
        Some("evening") => hour >= 16,
        _ => true,
    }
}

fn slot_button(
    office: Option<&str>,
    knowledge: &Knowledge,
    start: DateTime<Utc>,
    office_id: &str,
    lang: Lang,
) -> Button {
    let mut label = format_slot(start, lang);
    if office.is_none()
        && let Some(office) = knowledge.base.office(office_id)
    {
        label = format!("{label} – {}", office.name(lang));
    }
    Button {
        label,
        action: format!("slot:start:{}", start_value(office_id, start)),
    }
}

impl BookingContext {
    /// Whether the calendar is sample data (knowledge/appointments.toml says so).
    pub fn sample(&self) -> bool {
        self.knowledge.schedule.sample
    }

    /// The text with the sample-calendar caveat after it, while the calendar is sample data.
    pub fn with_sample_note(&self, text: String, lang: Lang) -> String {
        if self.sample() {
            format!("{text}\n\n{}", booking_texts(lang).sample_calendar)
        } else {
            text
        }
    }

    /// The office's name and address on one line.
    pub fn office_line(&self, office: &str, lang: Lang) -> String {
        match self.knowledge.base.office(office) {
            Some(o) => format!("{}, {}", o.name(lang), o.address()),
            None => office.to_string(),
        }
    }

    /// The service's name.
    pub fn service_name(&self, slug: &str, lang: Lang) -> String {
        self.knowledge
            .base
            .service(slug)
            .map_or_else(|| slug.to_string(), |s| s.text(lang).1.name.clone())
    }

    /// The calendar file of an appointment.
    pub fn ics(&self, appointment: &Appointment, lang: Lang) -> String {
        ics::appointment_ics(
            appointment,
            &self.service_name(&appointment.service, lang),
            &self.office_line(&appointment.office, lang),
        )
    }

    /// Where the calendar file can be fetched.
    pub fn ics_url(appointment: &Appointment) -> String {
        format!(
            "/api/v1/appointments/{}/ics?key={}",
            appointment.code, appointment.key
        )
    }

    /// Sends the confirmation of an appointment; the sentence that tells the citizen what happened.
    pub async fn mail_confirmation(&self, appointment: &Appointment, lang: Lang) -> &'static str {
        let t = booking_texts(lang);
        if !self.mailer.enabled() {
            return t.mail_disabled;
        }
        let Some(email) = &appointment.email else {
            return t.mail_failed;
        };
        let mut body = format!(
            "{} {},\n\n{}\n\n{}\n{}\n{}\n\n{}: {}\n{}: {}\n",
            t.mail_greeting,
            appointment.name.as_deref().unwrap_or_default(),
            t.booked,
            self.service_name(&appointment.service, lang),
            self.office_line(&appointment.office, lang),
            format_moment(appointment.start, lang),
            t.code,
            appointment.code,
            t.key,
            appointment.key,
        );
        let documents = self.documents(&appointment.service, lang);
        if !documents.is_empty() {
            body.push_str(&format!("\n{}\n", t.bring));
            for document in documents {
                body.push_str(&format!("- {document}\n"));
            }
        }
        body.push_str(&format!("\n{}\n", t.mail_cancel_hint));
        let mail = Mail {
            to: email.clone(),
            subject: format!(
                "{}: {} – {}",
                t.appointment_subject,
                self.service_name(&appointment.service, lang),
                format_moment(appointment.start, lang)
            ),
            body,
            calendar: Some(("termin.ics".to_string(), self.ics(appointment, lang))),
        };
        match self.mailer.send(&mail).await {
            Ok(()) => t.mail_sent,
            Err(error) => {
                tracing::warn!(%error, "confirmation e-mail not sent");
                t.mail_failed
            }
        }
    }

    fn documents(&self, service: &str, lang: Lang) -> Vec<String> {
        self.knowledge
            .base
            .service(service)
            .map(|s| s.text(lang).1.documents.clone())
            .unwrap_or_default()
    }

    /// The messages that confirm a booked appointment: code, key, what to bring, the calendar file.
    pub fn booked_messages(&self, appointment: &Appointment, lang: Lang) -> Message {
        let t = booking_texts(lang);
        let service = self.knowledge.base.service(&appointment.service);
        let text = format!(
            "{}\n{}\n{}\n{}\n\n{}: {}\n{}: {}\n{}",
            t.booked,
            self.service_name(&appointment.service, lang),
            self.office_line(&appointment.office, lang),
            format_moment(appointment.start, lang),
            t.code,
            appointment.code,
            t.key,
            appointment.key,
            t.keep_code,
        );
        let text = self.with_sample_note(text, lang);
        let card = service.map(|service| Card {
            title: self.service_name(&appointment.service, lang),
            passage: format!(
                "{}, {}",
                format_moment(appointment.start, lang),
                self.office_line(&appointment.office, lang)
            ),
            fees: Vec::new(),
            documents: self.documents(&appointment.service, lang),
            office: Some(self.office_line(&appointment.office, lang)),
            link: Some(Link {
                label: t.calendar_file.to_string(),
                url: Self::ics_url(appointment),
            }),
            source_url: service.source_url.clone(),
            as_of: service.as_of.to_string(),
            source_note: None,
        });
        let mut text = text;
        let documents = self.documents(&appointment.service, lang);
        if !documents.is_empty() {
            text.push_str(&format!("\n\n{} {}", t.bring, documents.join("; ")));
        }
        text.push_str(&format!(
            "\n{}: {}",
            t.calendar_file,
            Self::ics_url(appointment)
        ));
        Message {
            text,
            card,
            buttons: Vec::new(),
            image: None,
        }
    }
}

impl AppointmentBooking {
    /// The handler over these bookings.
    pub fn new(context: BookingContext) -> AppointmentBooking {
        AppointmentBooking { context }
    }

    fn knowledge(&self) -> &Knowledge {
        &self.context.knowledge
    }

    /// Releases the reservation in `held`, if any.
    async fn release(&self, slots: &mut Slots, now: DateTime<Utc>) {
        if let Some(held) = slots.remove("held") {
            let mut parts = held.split(' ');
            if let (Some(code), Some(key)) = (parts.next(), parts.next())
                && let Err(error) = self.context.bookings.cancel(code, key, now).await
                && !matches!(error, BookingError::Closed(_))
            {
                tracing::warn!(%error, "could not release a reservation");
            }
        }
    }

    /// The earliest moment slots are offered from: now, the "later" mark, or the chosen day's start.
    fn window(&self, slots: &Slots, now: DateTime<Utc>) -> (DateTime<Utc>, Option<NaiveDate>) {
        let day = slots.get("day").and_then(|d| d.parse::<NaiveDate>().ok());
        let mut after = now;
        if let Some(mark) = slots
            .get("after")
            .and_then(|a| a.parse::<i64>().ok())
            .and_then(|s| Utc.timestamp_opt(s, 0).single())
        {
            after = after.max(mark);
        }
        (after, day)
    }

    async fn free_slots(
        &self,
        slots: &Slots,
        now: DateTime<Utc>,
    ) -> Vec<crate::booking::store::Slot> {
        let Some(service) = slots.get("service") else {
            return Vec::new();
        };
        let office = slots
            .get("office")
            .filter(|o| *o != "any")
            .map(String::as_str);
        let (after, day) = self.window(slots, now);
        // A part of the day ("nachmittags") keeps the slots of that part; more are read to find them.
        let part = slots.get("time_of_day").map(String::as_str);
        let limit = if part.is_some() { 60 } else { OFFERED_SLOTS };
        match self
            .context
            .bookings
            .next_free(service, office, after, day, limit)
            .await
        {
            Ok(found) => found
                .into_iter()
                .filter(|s| in_part_of_day(s.start, part))
                .take(OFFERED_SLOTS)
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "could not read free slots");
                Vec::new()
            }
        }
    }

    /// The first day from `from` on with a free slot for the chosen service and office, if any.
    async fn first_free_day(
        &self,
        slots: &Slots,
        from: NaiveDate,
        now: DateTime<Utc>,
    ) -> Option<NaiveDate> {
        let midnight = TIME_ZONE
            .from_local_datetime(&from.and_hms_opt(0, 0, 0)?)
            .earliest()?
            .with_timezone(&Utc)
            .max(now);
        let mut probe = slots.clone();
        probe.remove("day");
        probe.insert("after".into(), midnight.timestamp().to_string());
        self.free_slots(&probe, now)
            .await
            .first()
            .map(|slot| slot.start.with_timezone(&TIME_ZONE).date_naive())
    }

    /// Fills service, office, name and e-mail from the booking being moved.
    async fn take_over_replaced(&self, slots: &mut Slots, now: DateTime<Utc>) {
        let Some(replaces) = slots.get("replaces").cloned() else {
            return;
        };
        let Some((code, key)) = replaces.split_once(' ') else {
            return;
        };
        let Ok(old) = self.context.bookings.appointment(code, key, now).await else {
            slots.remove("replaces");
            return;
        };
        for (slot, value) in [
            ("service", Some(old.service.clone())),
            ("office", Some(old.office.clone())),
            ("name", old.name.clone()),
            ("email", old.email.clone()),
        ] {
            if let Some(value) = value {
                slots.entry(slot.to_string()).or_insert(value);
            }
        }
    }
}

impl FormHandler for AppointmentBooking {
    fn validate(
        &self,
        slot: &str,
        value: &str,
        filled: &Slots,
        lang: Lang,
    ) -> Result<String, String> {
        let t = booking_texts(lang);
        let schedule = &self.knowledge().schedule;
        match slot {
            "service" => {
                if schedule.appointment_type(value).is_some() {
                    Ok(value.to_string())
                } else {
                    let names: Vec<String> = COMMON_SERVICES
                        .iter()
                        .map(|s| self.context.service_name(s, lang))
                        .collect();
                    Err(format!(
                        "{} {} {}",
                        t.not_bookable,
                        t.bookable_list,
                        names.join(", ")
                    ))
                }
            }
            "office" => {
                if value == "any" {
                    return Ok(value.to_string());
                }
                if self.knowledge().base.office(value).is_none() {
                    return Err(t.unknown_office.to_string());
                }
                match filled.get("service") {
                    Some(service) if !schedule.offers(service, value) => {
                        Err(t.office_not_offering.to_string())
                    }
                    None if !schedule.offices.contains_key(value) => {
                        Err(t.office_not_offering.to_string())
                    }
                    _ => Ok(value.to_string()),
                }
            }
            // "from:DATE" (the "another day" button): the first day from DATE on with a free slot.
            "day" => match value.strip_prefix("from:") {
                Some(from) => from
                    .parse::<NaiveDate>()
                    .map(|d| format!("from:{d}"))
                    .map_err(|_| t.invalid_date.to_string()),
                None => value
                    .parse::<NaiveDate>()
                    .map(|d| d.to_string())
                    .map_err(|_| t.invalid_date.to_string()),
            },
            "time_of_day" => match value {
                "morning" | "afternoon" | "evening" => Ok(value.to_string()),
                _ => Err(t.invalid_time.to_string()),
            },
            "time" => NaiveTime::parse_from_str(value, "%H:%M")
                .map(|time| time.format("%H:%M").to_string())
                .map_err(|_| t.invalid_time.to_string()),
            "start" => match parse_start(value) {
                Some((office, _)) if schedule.offices.contains_key(&office) => {
                    Ok(value.to_string())
                }
                _ => Err(t.invalid_time.to_string()),
            },
            "after" => value
                .parse::<i64>()
                .map(|s| s.to_string())
                .map_err(|_| t.invalid_time.to_string()),
            "name" => normalise_name(value).ok_or_else(|| t.invalid_name.to_string()),
            "email" => normalise_email(value).ok_or_else(|| t.invalid_email.to_string()),
            "replaces" => {
                let (code, key) = value
                    .trim()
                    .split_once(' ')
                    .ok_or_else(|| t.invalid_code.to_string())?;
                match (normalise_code(code), normalise_key(key)) {
                    (Some(code), Some(key)) if code.starts_with('T') => Ok(format!("{code} {key}")),
                    _ => Err(t.invalid_code.to_string()),
                }
            }
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
                "service" => COMMON_SERVICES
                    .iter()
                    .filter(|s| self.knowledge().schedule.appointment_type(s).is_some())
                    .map(|s| Button {
                        label: self.context.service_name(s, lang),
                        action: format!("slot:service:{s}"),
                    })
                    .collect(),
                "office" => {
                    let Some(kind) = filled
                        .get("service")
                        .and_then(|s| self.knowledge().schedule.appointment_type(s))
                    else {
                        return Vec::new();
                    };
                    let mut buttons = vec![Button {
                        label: t.any_office.to_string(),
                        action: "slot:office:any".to_string(),
                    }];
                    buttons.extend(kind.offices.iter().filter_map(|id| {
                        self.knowledge().base.office(id).map(|office| Button {
                            label: office.name(lang).to_string(),
                            action: format!("slot:office:{id}"),
                        })
                    }));
                    buttons
                }
                "start" => {
                    let found = self.free_slots(filled, context.now).await;
                    let office = filled
                        .get("office")
                        .filter(|o| *o != "any")
                        .map(String::as_str);
                    let mut buttons: Vec<Button> = found
                        .iter()
                        .map(|s| slot_button(office, self.knowledge(), s.start, &s.office, lang))
                        .collect();
                    if let Some(last) = found.last() {
                        buttons.push(Button {
                            label: t.later.to_string(),
                            action: format!("slot:after:{}", last.start.timestamp()),
                        });
                        let shown_day = last.start.with_timezone(&TIME_ZONE).date_naive();
                        // The next day with a free slot after the one shown: never back to it.
                        buttons.push(Button {
                            label: t.other_day.to_string(),
                            action: format!("slot:day:from:{}", shown_day + Duration::days(1)),
                        });
                    }
                    buttons
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
            let now = context.now;
            let mut messages = Vec::new();
            self.take_over_replaced(slots, now).await;
            let today = local_date(now);
            let last_day = self.context.bookings.last_day(now);
            if let Some(from) = slots
                .get("day")
                .and_then(|d| d.strip_prefix("from:"))
                .and_then(|d| d.parse::<NaiveDate>().ok())
            {
                slots.remove("after");
                match self.first_free_day(slots, from.max(today), now).await {
                    Some(day) => {
                        slots.insert("day".into(), day.to_string());
                    }
                    None => {
                        slots.remove("day");
                        messages.push(Message::plain(t.no_slots));
                    }
                }
            }
            if let Some(day) = slots.get("day").and_then(|d| d.parse::<NaiveDate>().ok())
                && (day < today || day > last_day)
            {
                slots.remove("day");
                messages.push(Message::plain(t.day_out_of_range));
            }
            let held_start = slots
                .get("held")
                .and_then(|h| h.split(' ').nth(3))
                .map(String::from);
            let held_service = slots
                .get("held")
                .and_then(|h| h.split(' ').nth(2))
                .map(String::from);
            // A start chosen earlier gives way to a day, time, office or service changed since; a start
            // chosen just now sets day and time.
            if let Some((office, at)) = slots.get("start").and_then(|s| parse_start(s)) {
                let chosen_before = held_start.as_deref() == slots.get("start").map(String::as_str);
                let local_day = at.with_timezone(&TIME_ZONE).date_naive().to_string();
                let local_time = format_time(at);
                let office_changed = slots
                    .get("office")
                    .is_some_and(|o| o != "any" && *o != office);
                let service_changed = chosen_before
                    && held_service.as_deref() != slots.get("service").map(String::as_str);
                let day_changed = slots.get("day").is_some_and(|d| *d != local_day);
                let time_changed = slots.get("time").is_some_and(|x| *x != local_time);
                if chosen_before
                    && (office_changed || day_changed || time_changed || service_changed)
                {
                    slots.remove("start");
                    if day_changed || office_changed {
                        slots.remove("after");
                        if !time_changed {
                            slots.remove("time");
                        }
                    }
                } else if !chosen_before {
                    slots.insert("day".into(), local_day);
                    slots.insert("time".into(), local_time);
                    if slots.get("office").is_none_or(|o| o != "any") {
                        slots.insert("office".into(), office);
                    }
                }
            }
            if let Some(after) = slots.get("after").and_then(|a| a.parse::<i64>().ok())
                && let Some(day) = slots.get("day")
                && Utc
                    .timestamp_opt(after, 0)
                    .single()
                    .is_some_and(|a| a.with_timezone(&TIME_ZONE).date_naive().to_string() != *day)
            {
                slots.remove("after");
            }
            let ready = slots.contains_key("service") && slots.contains_key("office");
            if ready && !slots.contains_key("start") {
                if let Some(time) = slots.get("time").cloned() {
                    // A typed time: the first free slot at that time, on the chosen day or the next ones.
                    let mut search = slots.clone();
                    search.remove("after");
                    let (after, day) = self.window(&search, now);
                    let office = search.get("office").filter(|o| *o != "any").cloned();
                    let service = search.get("service").cloned().unwrap_or_default();
                    let days: Vec<NaiveDate> = match day {
                        Some(day) => vec![day],
                        None => {
                            let first = local_date(after);
                            (0..=(last_day - first).num_days())
                                .map(|d| first + Duration::days(d))
                                .collect()
                        }
                    };
                    let mut found = None;
                    'days: for date in days {
                        let offices: Vec<String> = match &office {
                            Some(o) => vec![o.clone()],
                            None => self
                                .knowledge()
                                .schedule
                                .appointment_type(&service)
                                .map(|k| k.offices.clone())
                                .unwrap_or_default(),
                        };
                        for office in offices {
                            let free = self
                                .context
                                .bookings
                                .availability(&service, &office, date, after)
                                .await
                                .unwrap_or_default();
                            if let Some(slot) = free
                                .into_iter()
                                .find(|s| s.free > 0 && format_time(s.start) == time)
                            {
                                found = Some(slot);
                                break 'days;
                            }
                        }
                    }
                    match found {
                        Some(slot) => {
                            slots.insert("start".into(), start_value(&slot.office, slot.start));
                            slots.insert(
                                "day".into(),
                                slot.start
                                    .with_timezone(&TIME_ZONE)
                                    .date_naive()
                                    .to_string(),
                            );
                        }
                        None => {
                            // The free slots closest to the time asked for: on that day (or the first
                            // day with any), from a little before it.
                            slots.remove("time");
                            messages
                                .push(Message::plain(t.no_slots_at_time.replace("{time}", &time)));
                            let from = day.unwrap_or(local_date(after));
                            if let Some(free_day) = self.first_free_day(slots, from, now).await {
                                slots.insert("day".into(), free_day.to_string());
                                let wanted = NaiveTime::parse_from_str(&time, "%H:%M")
                                    .ok()
                                    .and_then(|t| {
                                        TIME_ZONE
                                            .from_local_datetime(&free_day.and_time(t))
                                            .earliest()
                                    })
                                    .map(|at| {
                                        (at.with_timezone(&Utc) - Duration::minutes(90)).max(now)
                                    });
                                if let Some(wanted) = wanted {
                                    let mut probe = slots.clone();
                                    probe.insert("after".into(), wanted.timestamp().to_string());
                                    if !self.free_slots(&probe, now).await.is_empty() {
                                        slots
                                            .insert("after".into(), wanted.timestamp().to_string());
                                    }
                                }
                            }
                        }
                    }
                } else if self.free_slots(slots, now).await.is_empty() {
                    if slots.remove("day").is_some() {
                        slots.remove("after");
                        messages.push(Message::plain(t.no_slots_day));
                    } else if slots.remove("after").is_none() {
                        messages.push(Message::plain(t.no_slots));
                    }
                }
            }
            // Hold the chosen slot; release one no longer chosen.
            let chosen = slots.get("start").cloned();
            if held_start.is_some()
                && (held_start != chosen
                    || held_service.as_deref() != slots.get("service").map(String::as_str))
            {
                self.release(slots, now).await;
            }
            if let (Some(start), None) = (chosen, slots.get("held")) {
                let service = slots.get("service").cloned().unwrap_or_default();
                let slot = parse_start(&start).and_then(|(office, at)| {
                    self.knowledge()
                        .schedule
                        .slot_at(&service, &office, at)
                        .filter(|s| s.start > now)
                });
                let Some(slot) = slot else {
                    slots.remove("start");
                    slots.remove("time");
                    messages.push(Message::plain(t.slot_taken));
                    return messages;
                };
                let new = NewAppointment {
                    service: service.clone(),
                    slot,
                    name: None,
                    email: None,
                    lang: lang.tag().to_string(),
                    reserve_only: true,
                    idempotency: Some((
                        format!("chat:{}:reserve", context.idempotency_key),
                        start.clone(),
                    )),
                };
                match self.context.bookings.book(&new, now).await {
                    Ok((held, _)) => {
                        slots.insert(
                            "held".into(),
                            format!(
                                "{} {} {service} {start} {}",
                                held.code,
                                held.key,
                                held.expires_at.map_or(0, |e| e.timestamp())
                            ),
                        );
                    }
                    Err(error) => {
                        if !matches!(error, BookingError::Full) {
                            tracing::warn!(%error, "could not reserve a slot");
                        }
                        slots.remove("start");
                        slots.remove("time");
                        messages.push(Message::plain(t.slot_taken));
                    }
                }
            }
            messages
        })
    }

    fn abandon<'a>(&'a self, filled: &'a Slots, context: &'a CommitContext) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut slots = filled.clone();
            self.release(&mut slots, context.now).await;
        })
    }

    fn summarise(&self, filled: &Slots, lang: Lang) -> String {
        let t = booking_texts(lang);
        let mut lines = vec![t.summary_title.to_string()];
        if let Some(service) = filled.get("service") {
            lines.push(self.context.service_name(service, lang));
        }
        if let Some((office, at)) = filled.get("start").and_then(|s| parse_start(s)) {
            lines.push(self.context.office_line(&office, lang));
            lines.push(format_moment(at, lang));
        }
        if let Some(name) = filled.get("name") {
            lines.push(format!("{}: {name}", t.name));
        }
        if let Some(email) = filled.get("email") {
            lines.push(format!("{}: {email}", t.email));
        }
        if let Some(until) = filled
            .get("held")
            .and_then(|h| h.split(' ').nth(4))
            .and_then(|e| e.parse::<i64>().ok())
            .and_then(|e| Utc.timestamp_opt(e, 0).single())
        {
            let suffix = if matches!(lang, Lang::De | Lang::DeLeicht) {
                " Uhr."
            } else {
                "."
            };
            lines.push(format!("{} {}{suffix}", t.held_until, format_time(until)));
        }
        self.context.with_sample_note(lines.join("\n"), lang)
    }

    fn question_note(&self, slot: &str, _filled: &Slots, lang: Lang) -> Option<String> {
        (slot == "start" && self.context.sample())
            .then(|| booking_texts(lang).sample_calendar.to_string())
    }

    fn commit<'a>(
        &'a self,
        filled: &'a Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Result<Vec<Message>, String>> {
        Box::pin(async move {
            let t = booking_texts(lang);
            let now = context.now;
            let name = filled.get("name").cloned().unwrap_or_default();
            let email = filled.get("email").cloned().unwrap_or_default();
            let Some(held) = filled.get("held") else {
                return Err(t.slot_taken.to_string());
            };
            let parts: Vec<&str> = held.split(' ').collect();
            let (code, key) = (parts[0], parts.get(1).copied().unwrap_or_default());
            let bookings = &self.context.bookings;
            let appointment = match bookings
                .confirm(code, key, &name, &email, lang.tag(), now)
                .await
            {
                Ok(appointment) => appointment,
                Err(BookingError::Closed("expired")) => {
                    // The hold ran out and the seat was freed: book the same time again if it is free.
                    let service = filled.get("service").cloned().unwrap_or_default();
                    let slot = filled
                        .get("start")
                        .and_then(|s| parse_start(s))
                        .and_then(|(office, at)| {
                            self.knowledge().schedule.slot_at(&service, &office, at)
                        })
                        .filter(|s| s.start > now)
                        .ok_or_else(|| t.expired_taken.to_string())?;
                    let new = NewAppointment {
                        service,
                        slot,
                        name: Some(name.clone()),
                        email: Some(email.clone()),
                        lang: lang.tag().to_string(),
                        reserve_only: false,
                        idempotency: Some((
                            format!("chat:{}:book", context.idempotency_key),
                            held.clone(),
                        )),
                    };
                    bookings
                        .book(&new, now)
                        .await
                        .map(|(booked, _)| booked)
                        .map_err(|error| match error {
                            BookingError::Full => t.expired_taken.to_string(),
                            other => {
                                tracing::warn!(error = %other, "booking failed");
                                t.booking_failed.to_string()
                            }
                        })?
                }
                // Cancelled meanwhile (in another tab): nothing to confirm.
                Err(BookingError::Closed(_)) => return Err(format!("{}.", t.already_closed)),
                Err(error) => {
                    tracing::warn!(%error, "confirming a reservation failed");
                    return Err(t.booking_failed.to_string());
                }
            };
            let mut messages = vec![self.context.booked_messages(&appointment, lang)];
            if let Some((old_code, old_key)) =
                filled.get("replaces").and_then(|r| r.split_once(' '))
                && old_code != appointment.code
            {
                match bookings.cancel(old_code, old_key, now).await {
                    Ok(_) | Err(BookingError::Closed(_)) => {
                        messages.push(Message::plain(t.replaced))
                    }
                    Err(error) => tracing::warn!(%error, "could not cancel the replaced booking"),
                }
            }
            messages.push(Message::plain(
                self.context.mail_confirmation(&appointment, lang).await,
            ));
            Ok(messages)
        })
    }
}

/// Cancels or reschedules a booking by code and key (form appointment.cancel): appointments (`T-`) and
/// course registrations (`K-`).
pub struct BookingChanges {
    context: BookingContext,
}

impl BookingChanges {
    /// The handler over these bookings.
    pub fn new(context: BookingContext) -> BookingChanges {
        BookingChanges { context }
    }
}

impl FormHandler for BookingChanges {
    fn validate(
        &self,
        slot: &str,
        value: &str,
        filled: &Slots,
        lang: Lang,
    ) -> Result<String, String> {
        let t = booking_texts(lang);
        match slot {
            "code" => normalise_code(value).ok_or_else(|| t.invalid_code.to_string()),
            "key" => normalise_key(value).ok_or_else(|| t.invalid_key.to_string()),
            "change" => match value {
                "cancel" => Ok(value.to_string()),
                "reschedule" if filled.get("code").is_some_and(|c| c.starts_with('K')) => {
                    Err(t.cannot_reschedule_course.to_string())
                }
                "reschedule" => Ok(value.to_string()),
                _ => Err(t.invalid_code.to_string()),
            },
            _ => Ok(value.to_string()),
        }
    }

    fn options<'a>(
        &'a self,
        slot: &'a str,
        filled: &'a Slots,
        _context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Vec<Button>> {
        Box::pin(async move {
            let t = booking_texts(lang);
            if slot != "change" {
                return Vec::new();
            }
            let mut buttons = vec![Button {
                label: t.action_cancel.to_string(),
                action: "slot:change:cancel".to_string(),
            }];
            if !filled.get("code").is_some_and(|c| c.starts_with('K')) {
                buttons.push(Button {
                    label: t.action_reschedule.to_string(),
                    action: "slot:change:reschedule".to_string(),
                });
            }
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
            let t = booking_texts(lang);
            let (Some(code), Some(key)) = (slots.get("code").cloned(), slots.get("key").cloned())
            else {
                return Vec::new();
            };
            let bookings = &self.context.bookings;
            // A guess at the key: counted before it is compared, so a key cannot be found by trying.
            let client = format!(
                "{}:{}",
                context.key.channel.as_str(),
                context.key.conversation
            );
            let guess = match bookings.key_guess(&code, &client, context.now).await {
                Ok(guess) => guess,
                Err(error) => {
                    slots.remove("code");
                    slots.remove("key");
                    let text = match error {
                        BookingError::TooManyAttempts(_) => t.too_many_keys,
                        _ => t.booking_failed,
                    };
                    return vec![Message::plain(text)];
                }
            };
            let found = if code.starts_with('K') {
                bookings.registration(&code, &key).await.map(|r| {
                    (
                        r.status != crate::booking::RegistrationStatus::Cancelled,
                        registration_summary(&self.context, &r),
                    )
                })
            } else {
                bookings
                    .appointment(&code, &key, context.now)
                    .await
                    .map(|a| {
                        let open = matches!(a.status, Status::Confirmed | Status::Reserved)
                            && a.start > context.now;
                        (
                            open,
                            format!(
                                "{} {}, {}, {}",
                                a.code,
                                self.context.service_name(&a.service, lang),
                                self.context.office_line(&a.office, lang),
                                format_moment(a.start, lang)
                            ),
                        )
                    })
            };
            if !matches!(found, Err(BookingError::NotFound)) {
                guess.right().await;
            }
            match found {
                Ok((true, description)) => {
                    slots.insert("booking".into(), description);
                    Vec::new()
                }
                Ok((false, _)) => {
                    slots.remove("code");
                    slots.remove("key");
                    slots.remove("change");
                    vec![Message::plain(format!("{}.", t.already_closed))]
                }
                Err(_) => {
                    slots.remove("code");
                    slots.remove("key");
                    vec![Message::plain(t.not_found)]
                }
            }
        })
    }

    fn summarise(&self, filled: &Slots, lang: Lang) -> String {
        let t = booking_texts(lang);
        let code = filled.get("code").cloned().unwrap_or_default();
        let question = if filled.get("change").map(String::as_str) == Some("reschedule") {
            t.will_reschedule
        } else {
            t.will_cancel
        };
        match filled.get("booking") {
            Some(booking) => format!("{booking}\n{question}"),
            None => format!("{}: {code}\n{question}", t.code),
        }
    }

    fn commit<'a>(
        &'a self,
        filled: &'a Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Result<Vec<Message>, String>> {
        Box::pin(async move {
            let t = booking_texts(lang);
            let code = filled.get("code").cloned().unwrap_or_default();
            let key = filled.get("key").cloned().unwrap_or_default();
            let bookings = &self.context.bookings;
            if code.starts_with('K') {
                return cancel_registration_messages(&self.context, &code, &key, lang).await;
            }
            let now = context.now;
            if filled.get("change").map(String::as_str) == Some("reschedule") {
                let old = bookings
                    .appointment(&code, &key, now)
                    .await
                    .map_err(|_| t.not_found.to_string())?;
                let free = bookings
                    .next_free(&old.service, Some(&old.office), now, None, OFFERED_SLOTS)
                    .await
                    .unwrap_or_default();
                let replaces = percent_encode(&format!("{code} {key}"));
                let mut buttons: Vec<Button> = free
                    .iter()
                    .filter(|s| s.start != old.start)
                    .map(|s| Button {
                        label: format_slot(s.start, lang),
                        action: format!(
                            "form:appointment.book?replaces={replaces}&start={}",
                            percent_encode(&start_value(&s.office, s.start))
                        ),
                    })
                    .collect();
                buttons.push(Button {
                    label: t.other_time.to_string(),
                    action: format!("form:appointment.book?replaces={replaces}"),
                });
                return Ok(vec![Message {
                    text: format!(
                        "{} ({} {}, {})",
                        t.choose_new_time,
                        self.context.service_name(&old.service, lang),
                        format_moment(old.start, lang),
                        self.context.office_line(&old.office, lang)
                    ),
                    card: None,
                    buttons,
                    image: None,
                }]);
            }
            match bookings.cancel(&code, &key, now).await {
                Ok(_) => Ok(vec![Message::plain(t.cancelled_booking)]),
                Err(BookingError::NotFound) => Err(t.not_found.to_string()),
                Err(BookingError::Closed(_)) => Err(format!("{}.", t.already_closed)),
                Err(error) => {
                    tracing::warn!(%error, "cancelling failed");
                    Err(t.booking_failed.to_string())
                }
            }
        })
    }
}
