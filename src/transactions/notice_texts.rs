//! The sentences of the notice transactions (pay now, pay later, objection), in German (also for easy
//! German) and English (also for Ukrainian and Arabic until those are written).

use crate::lang::Lang;

/// The notice texts of one language.
pub struct NoticeTexts {
    pub invalid_kassenzeichen: &'static str,
    pub invalid_check_code: &'static str,
    pub no_match: &'static str,
    pub blocked: &'static str,
    pub notice: &'static str,
    pub amount: &'static str,
    pub due: &'static str,
    pub status_open: &'static str,
    pub status_paid: &'static str,
    pub objection_until: &'static str,
    pub objection_late: &'static str,
    pub pay_now: &'static str,
    pub pay_later: &'static str,
    pub object: &'static str,
    pub remind: &'static str,
    pub already_paid: &'static str,
    pub pay_here: &'static str,
    pub pay_page: &'static str,
    pub transfer: &'static str,
    pub payee: &'static str,
    pub reference: &'static str,
    pub girocode_alt: &'static str,
    pub remind_offer: &'static str,
    pub reminder_set: &'static str,
    pub reminder_no_mail: &'static str,
    pub invalid_email: &'static str,
    pub invalid_address: &'static str,
    pub invalid_reasons: &'static str,
    pub objection_summary: &'static str,
    pub objector: &'static str,
    pub address: &'static str,
    pub reasons: &'static str,
    pub objection_received: &'static str,
    pub receipt: &'static str,
    pub in_time: &'static str,
    pub late: &'static str,
    pub office_will_contact: &'static str,
    pub failed: &'static str,
    pub choice_unknown: &'static str,
}

const GERMAN: NoticeTexts = NoticeTexts {
    invalid_kassenzeichen: "Ein Kassenzeichen hat 8 bis 14 Ziffern; Sie finden es oben rechts auf dem Bescheid.",
    invalid_check_code: "Der Prüfcode steht unter dem QR-Code auf dem Bescheid, zum Beispiel KMXP-4821.",
    no_match: "Zu diesem Kassenzeichen und Prüfcode finde ich keinen Bescheid. Bitte prüfen Sie beides.",
    blocked: "Zu viele erfolglose Versuche. Bitte versuchen Sie es in einer Viertelstunde wieder oder rufen Sie die 115 an.",
    notice: "Bescheid",
    amount: "Betrag",
    due: "fällig am",
    status_open: "offen",
    status_paid: "bezahlt",
    objection_until: "Widerspruch ist möglich bis",
    objection_late: "Die Widerspruchsfrist ist abgelaufen am",
    pay_now: "Jetzt bezahlen",
    pay_later: "Später überweisen",
    object: "Widerspruch einlegen",
    remind: "Erinnerung per E-Mail",
    already_paid: "Dieser Bescheid ist bereits bezahlt. Vielen Dank!",
    pay_here: "Hier bezahlen Sie sicher beim Zahlungsdienst der Stadt:",
    pay_page: "Zur Bezahlseite",
    transfer: "Überweisen Sie bitte bis zum Fälligkeitstag. Mit dem GiroCode füllt Ihre Banking-App alles aus:",
    payee: "Empfänger",
    reference: "Verwendungszweck (Kassenzeichen)",
    girocode_alt: "GiroCode für die Überweisung",
    remind_offer: "Soll ich Sie vor dem Fälligkeitstag per E-Mail erinnern?",
    reminder_set: "Ich erinnere Sie per E-Mail am",
    reminder_no_mail: "Dieses System verschickt keine E-Mails; eine Erinnerung ist daher nicht möglich.",
    invalid_email: "Das ist keine gültige E-Mail-Adresse.",
    invalid_address: "Bitte nennen Sie Ihre Anschrift mit Straße, Hausnummer, Postleitzahl und Ort.",
    invalid_reasons: "Bitte begründen Sie den Widerspruch in ein paar Sätzen (mindestens 10 Zeichen).",
    objection_summary: "Ihr Widerspruch gegen den Bescheid",
    objector: "Name",
    address: "Anschrift",
    reasons: "Begründung",
    objection_received: "Ihr Widerspruch ist eingegangen und wurde an die zuständige Stelle weitergegeben.",
    receipt: "Eingangsnummer",
    in_time: "Er ist fristgerecht: die Frist endet am",
    late: "Achtung: Die Widerspruchsfrist ist am %s abgelaufen. Der Widerspruch ist trotzdem gespeichert; die Behörde prüft, ob er zulässig ist (zum Beispiel bei unverschuldeter Verspätung).",
    office_will_contact: "Die Behörde meldet sich schriftlich bei Ihnen. Die Zahlungspflicht bleibt bis zur Entscheidung bestehen.",
    failed: "Das hat gerade nicht geklappt. Bitte versuchen Sie es noch einmal.",
    choice_unknown: "Bitte wählen Sie: bezahlen, überweisen oder Widerspruch.",
};

const ENGLISH: NoticeTexts = NoticeTexts {
    invalid_kassenzeichen: "A Kassenzeichen has 8 to 14 digits; it is at the top right of the notice.",
    invalid_check_code: "The check code is printed below the QR code on the notice, for example KMXP-4821.",
    no_match: "I find no notice with this Kassenzeichen and check code. Please check both.",
    blocked: "Too many unsuccessful attempts. Please try again in a quarter of an hour or call 115.",
    notice: "Notice",
    amount: "Amount",
    due: "due on",
    status_open: "open",
    status_paid: "paid",
    objection_until: "An objection is possible until",
    objection_late: "The objection period ended on",
    pay_now: "Pay now",
    pay_later: "Pay later by transfer",
    object: "Lodge an objection",
    remind: "E-mail reminder",
    already_paid: "This notice is paid already. Thank you!",
    pay_here: "Pay securely with the city's payment service here:",
    pay_page: "To the payment page",
    transfer: "Please transfer the amount by the due date. With the GiroCode your banking app fills in everything:",
    payee: "Payee",
    reference: "Reference (Kassenzeichen)",
    girocode_alt: "GiroCode for the bank transfer",
    remind_offer: "Shall I remind you by e-mail before the due date?",
    reminder_set: "I will remind you by e-mail on",
    reminder_no_mail: "This system does not send e-mails, so a reminder is not possible.",
    invalid_email: "That is not a valid e-mail address.",
    invalid_address: "Please give your address with street, number, postcode and town.",
    invalid_reasons: "Please give the reasons for your objection in a few sentences (at least 10 characters).",
    objection_summary: "Your objection to the notice",
    objector: "Name",
    address: "Address",
    reasons: "Reasons",
    objection_received: "Your objection has been received and passed to the responsible office.",
    receipt: "Receipt number",
    in_time: "It is in time: the period ends on",
    late: "Please note: the objection period ended on %s. Your objection is stored all the same; the office checks whether it can still be admitted (for example if the delay was not your fault).",
    office_will_contact: "The office will reply in writing. The amount remains due until the decision.",
    failed: "That did not work just now. Please try again.",
    choice_unknown: "Please choose: pay now, pay later or objection.",
};

/// The texts for a language.
pub fn notice_texts(lang: Lang) -> &'static NoticeTexts {
    match lang {
        Lang::De | Lang::DeLeicht => &GERMAN,
        Lang::En | Lang::Uk | Lang::Ar => &ENGLISH,
    }
}

/// A date for people: "02.12.2026" in German, "2026-12-02" otherwise.
pub fn format_date(date: chrono::NaiveDate, lang: Lang) -> String {
    if matches!(lang, Lang::De | Lang::DeLeicht) {
        date.format("%d.%m.%Y").to_string()
    } else {
        date.format("%-d %b %Y").to_string()
    }
}
