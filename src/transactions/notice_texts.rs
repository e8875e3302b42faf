//! The sentences of the notice transactions (pay now, pay later, objection), in German (also for easy
//! German), English, Ukrainian and Arabic. The German legal words the citizen finds on the letter
//! ("Kassenzeichen", "Bescheid", "Widerspruch") stay visible in the translations.

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
    pub attachment: &'static str,
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
    attachment: "Anhang: ein Foto",
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
    attachment: "Attachment: a photo",
};

const UKRAINIAN: NoticeTexts = NoticeTexts {
    invalid_kassenzeichen: "Kassenzeichen (платіжний номер) складається з 8–14 цифр; його вказано вгорі праворуч у рішенні (Bescheid).",
    invalid_check_code: "Код перевірки (Prüfcode) надруковано під QR-кодом у рішенні, наприклад KMXP-4821.",
    no_match: "Я не знайшов рішення з таким Kassenzeichen (платіжним номером) і кодом перевірки. Будь ласка, перевірте обидва значення.",
    blocked: "Забагато невдалих спроб. Будь ласка, спробуйте ще раз через чверть години або зателефонуйте за номером 115.",
    notice: "Рішення",
    amount: "Сума",
    due: "сплатити до",
    status_open: "не сплачено",
    status_paid: "сплачено",
    objection_until: "Подати заперечення (Widerspruch) можна до",
    objection_late: "Строк для подання заперечення закінчився",
    pay_now: "Сплатити зараз",
    pay_later: "Сплатити пізніше переказом",
    object: "Подати заперечення",
    remind: "Нагадування електронною поштою",
    already_paid: "Суму за цим рішенням уже сплачено. Дякуємо!",
    pay_here: "Тут ви можете безпечно сплатити через платіжний сервіс міста:",
    pay_page: "До сторінки оплати",
    transfer: "Будь ласка, перекажіть суму не пізніше кінцевої дати сплати. Завдяки GiroCode ваш банківський застосунок заповнить усі дані сам:",
    payee: "Отримувач",
    reference: "Призначення платежу (Kassenzeichen)",
    girocode_alt: "GiroCode для банківського переказу",
    remind_offer: "Нагадати вам електронною поштою перед кінцевою датою сплати?",
    reminder_set: "Я надішлю вам нагадування електронною поштою",
    reminder_no_mail: "Ця система не надсилає електронних листів, тому нагадування неможливе.",
    invalid_email: "Це недійсна адреса електронної пошти.",
    invalid_address: "Будь ласка, вкажіть свою адресу: вулицю, номер будинку, поштовий індекс і місто.",
    invalid_reasons: "Будь ласка, обґрунтуйте заперечення кількома реченнями (щонайменше 10 символів).",
    objection_summary: "Ваше заперечення проти рішення",
    objector: "Ім'я",
    address: "Адреса",
    reasons: "Обґрунтування",
    objection_received: "Ваше заперечення (Widerspruch) отримано й передано до відповідального відділу.",
    receipt: "Вхідний номер",
    in_time: "Його подано вчасно: строк закінчується",
    late: "Зверніть увагу: строк для подання заперечення закінчився %s. Проте ваше заперечення збережено; відомство перевірить, чи його ще можна прийняти (наприклад, якщо строк пропущено не з вашої вини).",
    office_will_contact: "Відомство відповість вам письмово. Обов'язок сплатити суму зберігається до ухвалення рішення щодо заперечення.",
    failed: "Зараз це не вдалося. Будь ласка, спробуйте ще раз.",
    choice_unknown: "Будь ласка, оберіть: сплатити зараз, сплатити пізніше або подати заперечення.",
    attachment: "Додаток: фото",
};

const ARABIC: NoticeTexts = NoticeTexts {
    invalid_kassenzeichen: "يتكوّن رقم الدفع (Kassenzeichen) من 8 إلى 14 رقمًا، وتجده في أعلى يمين القرار (Bescheid).",
    invalid_check_code: "رمز التحقق (Prüfcode) مطبوع أسفل رمز QR في القرار، مثلًا KMXP-4821.",
    no_match: "لم أجد أي قرار يطابق رقم الدفع (Kassenzeichen) ورمز التحقق اللذين أدخلتهما. يُرجى التحقق من كليهما.",
    blocked: "محاولات غير ناجحة كثيرة جدًا. يُرجى المحاولة مرة أخرى بعد ربع ساعة أو الاتصال بالرقم 115.",
    notice: "القرار",
    amount: "المبلغ",
    due: "مستحق الدفع في",
    status_open: "غير مدفوع",
    status_paid: "مدفوع",
    objection_until: "يمكن تقديم اعتراض (Widerspruch) حتى",
    objection_late: "انتهت مهلة الاعتراض في",
    pay_now: "الدفع الآن",
    pay_later: "الدفع لاحقًا بالتحويل",
    object: "تقديم اعتراض",
    remind: "تذكير بالبريد الإلكتروني",
    already_paid: "تم دفع مبلغ هذا القرار بالفعل. شكرًا لك!",
    pay_here: "يمكنك الدفع بأمان هنا عبر خدمة الدفع التابعة للمدينة:",
    pay_page: "إلى صفحة الدفع",
    transfer: "يُرجى تحويل المبلغ في موعد أقصاه تاريخ الاستحقاق. باستخدام GiroCode يملأ تطبيق البنك لديك جميع البيانات تلقائيًا:",
    payee: "المستفيد",
    reference: "غرض التحويل (Kassenzeichen)",
    girocode_alt: "رمز GiroCode للتحويل المصرفي",
    remind_offer: "هل تريد أن أذكّرك بالبريد الإلكتروني قبل تاريخ الاستحقاق؟",
    reminder_set: "سأذكّرك بالبريد الإلكتروني في",
    reminder_no_mail: "هذا النظام لا يرسل رسائل بريد إلكتروني، لذلك لا يمكن إرسال تذكير.",
    invalid_email: "هذا ليس عنوان بريد إلكتروني صالحًا.",
    invalid_address: "يُرجى ذكر عنوانك مع اسم الشارع ورقم المنزل والرمز البريدي والمدينة.",
    invalid_reasons: "يُرجى ذكر أسباب اعتراضك في بضع جمل (10 أحرف على الأقل).",
    objection_summary: "اعتراضك على القرار",
    objector: "الاسم",
    address: "العنوان",
    reasons: "الأسباب",
    objection_received: "تم استلام اعتراضك (Widerspruch) وإحالته إلى الجهة المختصة.",
    receipt: "رقم الاستلام",
    in_time: "قُدِّم الاعتراض في الموعد المحدد: تنتهي المهلة في",
    late: "تنبيه: انتهت مهلة الاعتراض في %s. ومع ذلك تم حفظ اعتراضك، وستتحقق الجهة المختصة مما إذا كان لا يزال من الممكن قبوله (مثلًا إذا لم يكن التأخير بسببك).",
    office_will_contact: "سترد عليك الجهة المختصة كتابيًا. يبقى المبلغ مستحق الدفع إلى حين البت في الاعتراض.",
    failed: "لم تنجح العملية الآن. يُرجى المحاولة مرة أخرى.",
    choice_unknown: "يُرجى الاختيار: الدفع الآن، أو الدفع لاحقًا، أو تقديم اعتراض.",
    attachment: "مرفق: صورة",
};

/// The texts for a language.
pub fn notice_texts(lang: Lang) -> &'static NoticeTexts {
    match lang {
        Lang::De | Lang::DeLeicht => &GERMAN,
        Lang::En => &ENGLISH,
        Lang::Uk => &UKRAINIAN,
        Lang::Ar => &ARABIC,
    }
}

/// A date for people: "02.12.2026" in German, Ukrainian and Arabic, "2 Dec 2026" in English.
pub fn format_date(date: chrono::NaiveDate, lang: Lang) -> String {
    if lang == Lang::En {
        date.format("%-d %b %Y").to_string()
    } else {
        date.format("%d.%m.%Y").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANGS: [Lang; 5] = [Lang::De, Lang::DeLeicht, Lang::En, Lang::Uk, Lang::Ar];

    /// Every field of the texts; the pattern names them all, so a new field must be added here.
    fn fields(texts: &'static NoticeTexts) -> Vec<&'static str> {
        let NoticeTexts {
            invalid_kassenzeichen,
            invalid_check_code,
            no_match,
            blocked,
            notice,
            amount,
            due,
            status_open,
            status_paid,
            objection_until,
            objection_late,
            pay_now,
            pay_later,
            object,
            remind,
            already_paid,
            pay_here,
            pay_page,
            transfer,
            payee,
            reference,
            girocode_alt,
            remind_offer,
            reminder_set,
            reminder_no_mail,
            invalid_email,
            invalid_address,
            invalid_reasons,
            objection_summary,
            objector,
            address,
            reasons,
            objection_received,
            receipt,
            in_time,
            late,
            office_will_contact,
            failed,
            choice_unknown,
            attachment,
        } = texts;
        vec![
            invalid_kassenzeichen,
            invalid_check_code,
            no_match,
            blocked,
            notice,
            amount,
            due,
            status_open,
            status_paid,
            objection_until,
            objection_late,
            pay_now,
            pay_later,
            object,
            remind,
            already_paid,
            pay_here,
            pay_page,
            transfer,
            payee,
            reference,
            girocode_alt,
            remind_offer,
            reminder_set,
            reminder_no_mail,
            invalid_email,
            invalid_address,
            invalid_reasons,
            objection_summary,
            objector,
            address,
            reasons,
            objection_received,
            receipt,
            in_time,
            late,
            office_will_contact,
            failed,
            choice_unknown,
            attachment,
        ]
    }

    #[test]
    fn no_field_is_empty() {
        for lang in LANGS {
            for (index, text) in fields(notice_texts(lang)).into_iter().enumerate() {
                assert!(!text.trim().is_empty(), "{lang:?}: field {index} is empty");
            }
        }
    }

    #[test]
    fn ukrainian_and_arabic_are_translated() {
        let english = notice_texts(Lang::En);
        for lang in [Lang::Uk, Lang::Ar] {
            let texts = notice_texts(lang);
            assert_ne!(texts.no_match, english.no_match, "{lang:?}");
            assert_ne!(texts.already_paid, english.already_paid, "{lang:?}");
            assert_ne!(
                texts.objection_received, english.objection_received,
                "{lang:?}"
            );
        }
    }

    #[test]
    fn late_has_one_date_placeholder() {
        for lang in LANGS {
            assert_eq!(notice_texts(lang).late.matches("%s").count(), 1, "{lang:?}");
        }
    }

    #[test]
    fn blocked_names_115() {
        for lang in LANGS {
            assert!(notice_texts(lang).blocked.contains("115"), "{lang:?}");
        }
    }
}
