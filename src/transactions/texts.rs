//! The sentences of the booking and registration transactions, in German (also for easy German),
//! English, Ukrainian and Arabic.

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
    /// Said with every slot offer, summary and confirmation while the calendar is sample data.
    pub sample_calendar: &'static str,
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
    /// Too many wrong keys for this code or from this conversation.
    pub too_many_keys: &'static str,
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
    no_slots_at_time: "Um {time} Uhr ist kein Termin frei. Hier sind die freien Zeiten, die am nächsten daran liegen.",
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
    sample_calendar: "Hinweis: Das ist ein Vorführ-Kalender mit Beispieldaten. Ein hier gebuchter Termin ist nicht echt; echte Termine gibt es unter terminvereinbarung.leipzig.de.",
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
    too_many_keys: "Zu viele falsche Schlüssel. Bitte versuchen Sie es in 15 Minuten wieder oder rufen Sie die 115 an.",
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
    no_slots_at_time: "Nothing is free at {time}. Here are the free times closest to it.",
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
    sample_calendar: "Note: this is a demonstration calendar with sample data. An appointment booked here is not real; book real appointments at terminvereinbarung.leipzig.de.",
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
    too_many_keys: "Too many wrong keys. Please try again in 15 minutes or call 115.",
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

const UKRAINIAN: BookingTexts = BookingTexts {
    not_bookable: "Для цієї послуги я не можу записати вас на прийом.",
    bookable_list: "Записати на прийом я можу, наприклад, для таких послуг:",
    office_not_offering: "У цьому бюро немає запису на цю послугу. Будь ласка, оберіть одне з названих бюро.",
    unknown_office: "Такого бюро я не знаю.",
    any_office: "Будь-яке – найраніший час",
    later: "Пізніше",
    other_day: "Інший день",
    no_slots_day: "На цей день вільного часу для запису вже немає. Ось найближчий вільний час.",
    no_slots_at_time: "На {time} вільного запису немає. Ось найближчий до нього вільний час.",
    no_slots: "На жаль, у найближчі два тижні там немає вільного часу для запису. Будь ласка, оберіть інше бюро обслуговування громадян (Bürgerbüro) або перевірте ще раз завтра: новий час для запису з'являється щодня.",
    day_out_of_range: "На цей день я не можу записати вас: запис можливий починаючи із завтрашнього дня на найближчі два тижні.",
    slot_taken: "Цей час щойно зайняли. Будь ласка, оберіть інший.",
    held_until: "Я зарезервував для вас цей час до",
    summary_title: "Ваш запис:",
    name: "Ім'я",
    email: "Електронна пошта",
    invalid_name: "Будь ласка, вкажіть ім'я та прізвище (від 2 до 100 символів).",
    invalid_email: "Це недійсна адреса електронної пошти.",
    invalid_date: "Я не розумію цієї дати.",
    invalid_time: "Я не розумію цього часу.",
    booked: "Вас записано на прийом.",
    sample_calendar: "Увага: це демонстраційний календар із прикладовими даними. Записаний тут прийом не є справжнім; справжні записи: terminvereinbarung.leipzig.de.",
    code: "Код бронювання",
    key: "Ключ",
    keep_code: "За допомогою коду та ключа ви можете скасувати або перенести запис тут, у чаті.",
    bring: "Будь ласка, візьміть із собою:",
    calendar_file: "Файл календаря (.ics)",
    mail_sent: "Підтвердження з файлом календаря надсилається на вашу адресу електронної пошти.",
    mail_failed: "Зараз не вдалося надіслати лист із підтвердженням. Будь ласка, запишіть код і ключ.",
    mail_disabled: "Ця система не надсилає електронних листів. Будь ласка, запишіть код і ключ.",
    expired_taken: "Час резервування минув, а цей час тим часом уже зайняли. Будь ласка, оберіть «Змінити» та новий час.",
    booking_failed: "Зараз це не вдалося. Будь ласка, спробуйте ще раз.",
    replaced: "Ваш попередній запис скасовано.",
    not_found: "За цим кодом і ключем я не знайшов жодного бронювання. Будь ласка, перевірте обидва значення.",
    too_many_keys: "Забагато неправильних ключів. Спробуйте ще раз за 15 хвилин або зателефонуйте за номером 115.",
    invalid_code: "Код бронювання має такий вигляд: T-ABCD-1234 (запис на прийом) або K-ABCD-1234 (курси).",
    invalid_key: "Ключ складається з шести цифр.",
    will_cancel: "Скасувати це бронювання?",
    will_reschedule: "Знайти для цього новий час? Попередній запис буде скасовано лише після того, як буде заброньовано новий.",
    action_cancel: "Скасувати бронювання",
    action_reschedule: "Перенести",
    cancelled_booking: "Ваш запис скасовано.",
    already_closed: "Це бронювання вже не можна змінити",
    choose_new_time: "Оберіть новий час:",
    other_time: "Інший час",
    cannot_reschedule_course: "Реєстрацію на курс не можна перенести, її можна лише скасувати.",
    unknown_course: "Курсу з таким номером я не знайшов.",
    course_started: "Цей курс уже розпочався; зареєструватися тут більше неможливо. Народний університет (VHS) проконсультує вас за телефоном 0341 123-6000.",
    choose_course: "Підходять такі курси:",
    register: "Зареєструватися",
    fee_normal: "Звичайна ціна",
    fee_reduced: "Пільгова ціна",
    seats_left: "Вільних місць:",
    goes_to_waiting_list: "Курс заповнений: вас буде внесено до списку очікування.",
    registered: "Вас зареєстровано.",
    waiting: "Курс заповнений. Ви в списку очікування під номером",
    registration_cancelled: "Вашу реєстрацію на курс скасовано.",
    promoted_subject: "Ви отримали місце на курсі",
    promoted_body: "Звільнилося місце: вашу реєстрацію зі списку очікування тепер підтверджено.",
    appointment_subject: "Ваш запис на прийом",
    registration_subject: "Ваша реєстрація на курс",
    mail_greeting: "Доброго дня,",
    mail_cancel_hint: "Скасувати або перенести запис можна в чаті за допомогою коду та ключа.",
};

const ARABIC: BookingTexts = BookingTexts {
    not_bookable: "لا يمكنني حجز موعد لهذه الخدمة.",
    bookable_list: "يمكنني حجز مواعيد مثلًا للخدمات التالية:",
    office_not_offering: "هذا المكتب لا يقدّم هذا الموعد. يُرجى اختيار أحد المكاتب المذكورة.",
    unknown_office: "لا أعرف هذا المكتب.",
    any_office: "أي مكتب – أقرب موعد",
    later: "لاحقًا",
    other_day: "يوم آخر",
    no_slots_day: "لم يعد هناك موعد متاح في هذا اليوم. إليك أقرب الأوقات المتاحة.",
    no_slots_at_time: "لا يوجد موعد متاح في الساعة {time}. إليك أقرب الأوقات المتاحة إليها.",
    no_slots: "للأسف لا يوجد موعد متاح هناك خلال الأسبوعين القادمين. يُرجى اختيار مكتب آخر لخدمة المواطنين (Bürgerbüro) أو المحاولة مرة أخرى غدًا: تُضاف مواعيد جديدة كل يوم.",
    day_out_of_range: "لا يمكنني الحجز في هذا اليوم: المواعيد متاحة ابتداءً من الغد ولمدة الأسبوعين القادمين.",
    slot_taken: "تم حجز هذا الوقت للتو. يُرجى اختيار وقت آخر.",
    held_until: "أحتفظ لك بهذا الموعد حتى الساعة",
    summary_title: "موعدك:",
    name: "الاسم",
    email: "البريد الإلكتروني",
    invalid_name: "يُرجى ذكر الاسم الأول واسم العائلة (من 2 إلى 100 حرف).",
    invalid_email: "هذا ليس عنوان بريد إلكتروني صالحًا.",
    invalid_date: "لم أفهم هذا التاريخ.",
    invalid_time: "لم أفهم هذا الوقت.",
    booked: "تم حجز موعدك.",
    sample_calendar: "ملاحظة: هذا تقويم تجريبي ببيانات نموذجية. الموعد المحجوز هنا ليس حقيقيًا؛ المواعيد الحقيقية عبر terminvereinbarung.leipzig.de.",
    code: "رمز الحجز",
    key: "المفتاح",
    keep_code: "باستخدام الرمز والمفتاح يمكنك إلغاء الموعد أو تغييره هنا في المحادثة.",
    bring: "يُرجى إحضار:",
    calendar_file: "ملف التقويم (.ics)",
    mail_sent: "يجري إرسال تأكيد مع ملف التقويم إلى عنوان بريدك الإلكتروني.",
    mail_failed: "تعذّر إرسال رسالة التأكيد الآن. يُرجى تدوين الرمز والمفتاح.",
    mail_disabled: "هذا النظام لا يرسل رسائل بريد إلكتروني. يُرجى تدوين الرمز والمفتاح.",
    expired_taken: "انتهت مدة الحجز المؤقت، وقد حُجز هذا الوقت في هذه الأثناء. يُرجى اختيار «تعديل» ثم وقت جديد.",
    booking_failed: "لم تنجح العملية الآن. يُرجى المحاولة مرة أخرى.",
    replaced: "تم إلغاء موعدك السابق.",
    not_found: "لم أجد أي حجز بهذا الرمز وهذا المفتاح. يُرجى التحقق من كليهما.",
    too_many_keys: "عدد كبير جدًا من المفاتيح الخاطئة. يُرجى المحاولة مرة أخرى بعد 15 دقيقة أو الاتصال بالرقم 115.",
    invalid_code: "يبدو رمز الحجز هكذا: T-ABCD-1234 (المواعيد) أو K-ABCD-1234 (الدورات).",
    invalid_key: "يتكوّن المفتاح من ستة أرقام.",
    will_cancel: "هل أُلغي هذا الحجز؟",
    will_reschedule: "هل أبحث عن موعد جديد؟ لن يُلغى الموعد القديم إلا بعد حجز الموعد الجديد.",
    action_cancel: "إلغاء الحجز",
    action_reschedule: "تغيير الموعد",
    cancelled_booking: "تم إلغاء موعدك.",
    already_closed: "لم يعد من الممكن تغيير هذا الحجز",
    choose_new_time: "يُرجى اختيار موعد جديد:",
    other_time: "وقت آخر",
    cannot_reschedule_course: "لا يمكن نقل التسجيل في دورة إلى موعد آخر، بل يمكن إلغاؤه فقط.",
    unknown_course: "لم أجد دورة بهذا الرقم.",
    course_started: "بدأت هذه الدورة بالفعل؛ لم يعد التسجيل هنا ممكنًا. تقدّم لك الجامعة الشعبية (VHS) المشورة على الرقم 0341 123-6000.",
    choose_course: "هذه الدورات مناسبة:",
    register: "التسجيل",
    fee_normal: "الرسوم العادية",
    fee_reduced: "الرسوم المخفّضة",
    seats_left: "المقاعد المتبقية:",
    goes_to_waiting_list: "الدورة مكتملة: ستُضاف إلى قائمة الانتظار.",
    registered: "تم تسجيلك.",
    waiting: "الدورة مكتملة. أنت على قائمة الانتظار في المرتبة",
    registration_cancelled: "تم إلغاء تسجيلك في الدورة.",
    promoted_subject: "حصلت على مقعد في الدورة",
    promoted_body: "أصبح أحد المقاعد شاغرًا: تم الآن تأكيد تسجيلك من قائمة الانتظار.",
    appointment_subject: "موعدك",
    registration_subject: "تسجيلك في الدورة",
    mail_greeting: "مرحبًا",
    mail_cancel_hint: "يمكنك إلغاء الحجز أو تغيير الموعد في المحادثة باستخدام الرمز والمفتاح.",
};

/// The texts for a language (easy German takes German).
pub fn booking_texts(lang: Lang) -> &'static BookingTexts {
    match lang {
        Lang::De | Lang::DeLeicht => &GERMAN,
        Lang::En => &ENGLISH,
        Lang::Uk => &UKRAINIAN,
        Lang::Ar => &ARABIC,
    }
}

/// Whether dates are written the German way ("Do, 26.11.2026, 09:00 Uhr"); every other language
/// takes the English style.
fn german_dates(lang: Lang) -> bool {
    matches!(lang, Lang::De | Lang::DeLeicht)
}

/// A moment in Leipzig time: "Do, 26.11.2026, 09:00 Uhr" (German, easy German) or "Thu 26 Nov 2026, 09:00"
/// (English, Ukrainian, Arabic).
pub fn format_moment(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&TIME_ZONE);
    if german_dates(lang) {
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

/// A short slot label for a button: "Do 26.11. 09:00" (German, easy German) or "Thu 26 Nov 09:00" (English,
/// Ukrainian, Arabic).
pub fn format_slot(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&TIME_ZONE);
    if german_dates(lang) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of a text set, in declaration order.
    fn fields(t: &'static BookingTexts) -> Vec<&'static str> {
        vec![
            t.not_bookable,
            t.bookable_list,
            t.office_not_offering,
            t.unknown_office,
            t.any_office,
            t.later,
            t.other_day,
            t.no_slots_day,
            t.no_slots_at_time,
            t.no_slots,
            t.day_out_of_range,
            t.slot_taken,
            t.held_until,
            t.summary_title,
            t.name,
            t.email,
            t.invalid_name,
            t.invalid_email,
            t.invalid_date,
            t.invalid_time,
            t.booked,
            t.code,
            t.key,
            t.keep_code,
            t.bring,
            t.calendar_file,
            t.mail_sent,
            t.mail_failed,
            t.mail_disabled,
            t.expired_taken,
            t.booking_failed,
            t.replaced,
            t.not_found,
            t.invalid_code,
            t.invalid_key,
            t.will_cancel,
            t.will_reschedule,
            t.action_cancel,
            t.action_reschedule,
            t.cancelled_booking,
            t.already_closed,
            t.choose_new_time,
            t.other_time,
            t.cannot_reschedule_course,
            t.unknown_course,
            t.course_started,
            t.choose_course,
            t.register,
            t.fee_normal,
            t.fee_reduced,
            t.seats_left,
            t.goes_to_waiting_list,
            t.registered,
            t.waiting,
            t.registration_cancelled,
            t.promoted_subject,
            t.promoted_body,
            t.appointment_subject,
            t.registration_subject,
            t.mail_greeting,
            t.mail_cancel_hint,
        ]
    }

    #[test]
    fn every_language_has_every_text() {
        for lang in [Lang::De, Lang::DeLeicht, Lang::En, Lang::Uk, Lang::Ar] {
            for (index, text) in fields(booking_texts(lang)).into_iter().enumerate() {
                assert!(!text.trim().is_empty(), "{lang:?}: field {index} is empty");
            }
        }
    }

    #[test]
    fn ukrainian_and_arabic_are_translated() {
        let english = booking_texts(Lang::En);
        for lang in [Lang::Uk, Lang::Ar] {
            let t = booking_texts(lang);
            assert_ne!(t.booked, english.booked, "{lang:?}");
            assert_ne!(t.not_found, english.not_found, "{lang:?}");
            assert_ne!(t.registered, english.registered, "{lang:?}");
            // appointments.rs tells German from other languages by this code label.
            assert_ne!(t.code, "Buchungscode", "{lang:?}");
        }
        assert_ne!(
            booking_texts(Lang::Uk).booked,
            booking_texts(Lang::Ar).booked
        );
    }

    #[test]
    fn placeholders_survive_translation() {
        for lang in [Lang::De, Lang::DeLeicht, Lang::En, Lang::Uk, Lang::Ar] {
            let t = booking_texts(lang);
            assert!(t.invalid_code.contains("T-ABCD-1234"), "{lang:?}");
            assert!(t.invalid_code.contains("K-ABCD-1234"), "{lang:?}");
            assert!(t.course_started.contains("0341 123-6000"), "{lang:?}");
            assert!(t.calendar_file.contains("(.ics)"), "{lang:?}");
        }
    }

    #[test]
    fn only_german_uses_german_dates() {
        let at = DateTime::parse_from_rfc3339("2026-11-26T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        for lang in [Lang::De, Lang::DeLeicht] {
            assert_eq!(format_moment(at, lang), "Do, 26.11.2026, 09:00 Uhr");
            assert_eq!(format_slot(at, lang), "Do 26.11. 09:00");
        }
        for lang in [Lang::En, Lang::Uk, Lang::Ar] {
            assert_eq!(format_moment(at, lang), "Thu 26 Nov 2026, 09:00");
            assert_eq!(format_slot(at, lang), "Thu 26 Nov 09:00");
        }
    }
}
