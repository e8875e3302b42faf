//! The sentences of the booking and registration transactions, in German (also for easy German) and
//! English (also for Ukrainian and Arabic until those are written).

use chrono::{DateTime, Datelike, Utc};

use crate::knowledge::offices::TIME_ZONE;
use crate::lang::Lang;

/// The transaction texts of one language.
pub struct BookingTexts {
    pub not_bookable: &'static str,
    pub bookable_list: &'static str,
    pub office_not_offering: &'static str,
    pub unknown_office: &'static str,
    pub any_office: &'static str,
    pub later: &'static str,
    pub other_day: &'static str,
    pub no_slots_day: &'static str,
    pub no_slots_at_time: &'static str,
    pub no_slots: &'static str,
    pub day_out_of_range: &'static str,
    pub slot_taken: &'static str,
    pub held_until: &'static str,
    pub summary_title: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub invalid_name: &'static str,
    pub invalid_email: &'static str,
    pub invalid_date: &'static str,
    pub invalid_time: &'static str,
    pub booked: &'static str,
    pub code: &'static str,
    pub key: &'static str,
    pub keep_code: &'static str,
    pub bring: &'static str,
    pub calendar_file: &'static str,
    pub mail_sent: &'static str,
    pub mail_failed: &'static str,
    pub mail_disabled: &'static str,
    pub expired_taken: &'static str,
    pub booking_failed: &'static str,
    pub replaced: &'static str,
    pub not_found: &'static str,
    pub invalid_code: &'static str,
    pub invalid_key: &'static str,
    pub will_cancel: &'static str,
    pub will_reschedule: &'static str,
    pub action_cancel: &'static str,
    pub action_reschedule: &'static str,
    pub cancelled_booking: &'static str,
    pub already_closed: &'static str,
    pub choose_new_time: &'static str,
    pub other_time: &'static str,
    pub cannot_reschedule_course: &'static str,
    pub unknown_course: &'static str,
    pub course_started: &'static str,
    pub choose_course: &'static str,
    pub register: &'static str,
    pub fee_normal: &'static str,
    pub fee_reduced: &'static str,
    pub seats_left: &'static str,
    pub goes_to_waiting_list: &'static str,
    pub registered: &'static str,
    pub waiting: &'static str,
    pub registration_cancelled: &'static str,
    pub promoted_subject: &'static str,
    pub promoted_body: &'static str,
    pub appointment_subject: &'static str,
    pub registration_subject: &'static str,
    pub mail_greeting: &'static str,
    pub mail_cancel_hint: &'static str,
}

const GERMAN: BookingTexts = BookingTexts {
    not_bookable: "Für diese Leistung kann ich keinen Termin buchen.",
    bookable_list: "Termine buche ich zum Beispiel für:",
    office_not_offering: "Dieses Büro bietet den Termin nicht an. Bitte wählen Sie eines der genannten.",
    unknown_office: "Dieses Büro kenne ich nicht.",
    any_office: "Egal – frühester Termin",
    later: "Später",
    other_day: "Anderer Tag",
    no_slots_day: "An diesem Tag ist kein Termin mehr frei. Hier sind die nächsten freien Zeiten.",
    no_slots_at_time: "Zu dieser Uhrzeit ist kein Termin frei. Hier sind die nächsten freien Zeiten.",
    no_slots: "In den nächsten zwei Wochen ist dort leider kein Termin frei. Bitte wählen Sie ein anderes Bürgerbüro oder schauen Sie morgen wieder: neue Termine kommen täglich dazu.",
    day_out_of_range: "An diesem Tag kann ich nicht buchen: Termine gibt es ab morgen für die nächsten zwei Wochen.",
    slot_taken: "Diese Zeit wurde gerade vergeben. Bitte wählen Sie eine andere.",
    held_until: "Ich halte den Termin für Sie frei bis",
    summary_title: "Ihr Termin:",
    name: "Name",
    email: "E-Mail",
    invalid_name: "Bitte nennen Sie Vor- und Nachnamen (2 bis 100 Zeichen).",
    invalid_email: "Das ist keine gültige E-Mail-Adresse.",
    invalid_date: "Dieses Datum verstehe ich nicht.",
    invalid_time: "Diese Uhrzeit verstehe ich nicht.",
    booked: "Ihr Termin ist gebucht.",
    code: "Buchungscode",
    key: "Schlüssel",
    keep_code: "Mit Code und Schlüssel können Sie den Termin hier im Chat absagen oder verschieben.",
    bring: "Bitte mitbringen:",
    calendar_file: "Kalenderdatei (.ics)",
    mail_sent: "Eine Bestätigung mit Kalenderdatei ist an Ihre E-Mail-Adresse unterwegs.",
    mail_failed: "Die Bestätigungs-E-Mail konnte gerade nicht verschickt werden. Bitte notieren Sie Code und Schlüssel.",
    mail_disabled: "Dieses System verschickt keine E-Mails. Bitte notieren Sie Code und Schlüssel.",
    expired_taken: "Die Reservierung ist abgelaufen und die Zeit inzwischen vergeben. Bitte wählen Sie „Ändern“ und eine neue Zeit.",
    booking_failed: "Das hat gerade nicht geklappt. Bitte versuchen Sie es noch einmal.",
    replaced: "Ihr bisheriger Termin ist storniert.",
    not_found: "Zu diesem Code und Schlüssel finde ich keine Buchung. Bitte prüfen Sie beides.",
    invalid_code: "Ein Buchungscode sieht so aus: T-ABCD-1234 (Termine) oder K-ABCD-1234 (Kurse).",
    invalid_key: "Der Schlüssel hat sechs Ziffern.",
    will_cancel: "Soll ich das stornieren?",
    will_reschedule: "Soll ich einen neuen Termin dafür suchen? Der alte wird erst storniert, wenn der neue gebucht ist.",
    action_cancel: "Stornieren",
    action_reschedule: "Verschieben",
    cancelled_booking: "Ihr Termin ist storniert.",
    already_closed: "Diese Buchung kann nicht mehr geändert werden",
    choose_new_time: "Wählen Sie einen neuen Termin:",
    other_time: "Andere Zeit",
    cannot_reschedule_course: "Eine Kursanmeldung kann man nicht verschieben, nur stornieren.",
    unknown_course: "Einen Kurs mit dieser Nummer finde ich nicht.",
    course_started: "Dieser Kurs hat schon begonnen; eine Anmeldung ist hier nicht mehr möglich. Die VHS berät Sie unter 0341 123-6000.",
    choose_course: "Diese Kurse passen:",
    register: "Anmelden",
    fee_normal: "Normaler Preis",
    fee_reduced: "Ermäßigt",
    seats_left: "Freie Plätze:",
    goes_to_waiting_list: "Der Kurs ist ausgebucht: Sie kommen auf die Warteliste.",
    registered: "Sie sind angemeldet.",
    waiting: "Der Kurs ist ausgebucht. Sie stehen auf der Warteliste auf Platz",
    registration_cancelled: "Ihre Kursanmeldung ist storniert.",
    promoted_subject: "Sie haben einen Kursplatz",
    promoted_body: "ein Platz ist frei geworden: Ihre Anmeldung von der Warteliste ist jetzt bestätigt.",
    appointment_subject: "Ihr Termin",
    registration_subject: "Ihre Kursanmeldung",
    mail_greeting: "Guten Tag",
    mail_cancel_hint: "Absagen oder verschieben können Sie im Chat mit Code und Schlüssel.",
};

const ENGLISH: BookingTexts = BookingTexts {
    not_bookable: "I cannot book an appointment for this service.",
    bookable_list: "I can book appointments for, for example:",
    office_not_offering: "This office does not offer the appointment. Please choose one of those listed.",
    unknown_office: "I do not know this office.",
    any_office: "Any – earliest appointment",
    later: "Later",
    other_day: "Another day",
    no_slots_day: "There is nothing free on that day any more. Here are the next free times.",
    no_slots_at_time: "Nothing is free at that time. Here are the next free times.",
    no_slots: "There is no free appointment there in the next two weeks. Please choose another citizens' office or look again tomorrow: new slots are added every day.",
    day_out_of_range: "I cannot book on that day: appointments are available from tomorrow for the next two weeks.",
    slot_taken: "That time was just taken. Please choose another.",
    held_until: "I am holding the appointment for you until",
    summary_title: "Your appointment:",
    name: "Name",
    email: "E-mail",
    invalid_name: "Please give your first and last name (2 to 100 characters).",
    invalid_email: "That is not a valid e-mail address.",
    invalid_date: "I do not understand this date.",
    invalid_time: "I do not understand this time.",
    booked: "Your appointment is booked.",
    code: "Booking code",
    key: "Key",
    keep_code: "With code and key you can cancel or reschedule the appointment here in the chat.",
    bring: "Please bring:",
    calendar_file: "Calendar file (.ics)",
    mail_sent: "A confirmation with a calendar file is on its way to your e-mail address.",
    mail_failed: "The confirmation e-mail could not be sent just now. Please note the code and key.",
    mail_disabled: "This system does not send e-mails. Please note the code and key.",
    expired_taken: "The reservation ran out and the time has been taken meanwhile. Please choose “Change” and a new time.",
    booking_failed: "That did not work just now. Please try again.",
    replaced: "Your previous appointment is cancelled.",
    not_found: "I find no booking with this code and key. Please check both.",
    invalid_code: "A booking code looks like this: T-ABCD-1234 (appointments) or K-ABCD-1234 (courses).",
    invalid_key: "The key has six digits.",
    will_cancel: "Shall I cancel it?",
    will_reschedule: "Shall I look for a new time? The old appointment is only cancelled once the new one is booked.",
    action_cancel: "Cancel it",
    action_reschedule: "Reschedule",
    cancelled_booking: "Your appointment is cancelled.",
    already_closed: "This booking cannot be changed any more",
    choose_new_time: "Choose a new time:",
    other_time: "Another time",
    cannot_reschedule_course: "A course registration cannot be moved, only cancelled.",
    unknown_course: "I cannot find a course with this number.",
    course_started: "This course has already started; registration here is no longer possible. The VHS can advise you on 0341 123-6000.",
    choose_course: "These courses fit:",
    register: "Register",
    fee_normal: "Regular fee",
    fee_reduced: "Reduced",
    seats_left: "Seats left:",
    goes_to_waiting_list: "The course is full: you will go on the waiting list.",
    registered: "You are registered.",
    waiting: "The course is full. You are on the waiting list at position",
    registration_cancelled: "Your course registration is cancelled.",
    promoted_subject: "You have a course place",
    promoted_body: "a place has become free: your registration from the waiting list is now confirmed.",
    appointment_subject: "Your appointment",
    registration_subject: "Your course registration",
    mail_greeting: "Hello",
    mail_cancel_hint: "You can cancel or reschedule in the chat with the code and key.",
};

/// The texts for a language (easy German takes German; Ukrainian and Arabic take English for now).
pub fn booking_texts(lang: Lang) -> &'static BookingTexts {
    match lang {
        Lang::De | Lang::DeLeicht => &GERMAN,
        Lang::En | Lang::Uk | Lang::Ar => &ENGLISH,
    }
}

/// A moment in Leipzig time: "Do, 26.11.2026, 09:00 Uhr" or "Thu 26 Nov 2026, 09:00".
pub fn format_moment(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&TIME_ZONE);
    if booking_texts(lang).code == GERMAN.code {
        let day = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
            [local.weekday().num_days_from_monday() as usize];
        format!(
            "{day}, {}, {} Uhr",
            local.format("%d.%m.%Y"),
            local.format("%H:%M")
        )
    } else {
        local.format("%a %-d %b %Y, %H:%M").to_string()
    }
}

/// A short slot label for a button: "Do 26.11. 09:00" or "Thu 26 Nov 09:00".
pub fn format_slot(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&TIME_ZONE);
    if booking_texts(lang).code == GERMAN.code {
        let day = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
            [local.weekday().num_days_from_monday() as usize];
        format!("{day} {} {}", local.format("%d.%m."), local.format("%H:%M"))
    } else {
        local.format("%a %-d %b %H:%M").to_string()
    }
}

/// A local time of day: "09:00".
pub fn format_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&TIME_ZONE).format("%H:%M").to_string()
}
