//! The assistant's own sentences (everything that is not a knowledge passage or an intent response), per
//! language: German, easy German, English, Ukrainian, Arabic.

use crate::lang::Lang;

/// The dialogue texts of one language.
pub struct Texts {
    /// Nothing relevant was found, or the question is out of scope.
    pub fallback: &'static str,
    /// The question matched several services weakly.
    pub did_you_mean: &'static str,
    /// Before a runner-up offered beside a direct answer ("Oder: Reisepass beantragen").
    pub or_perhaps: &'static str,
    /// The citizen sent nothing readable.
    pub empty: &'static str,
    /// A button action that is unknown or refers to something that no longer exists.
    pub unknown_action: &'static str,
    /// Content the assistant cannot read in this channel yet (images, locations).
    pub unsupported_content: &'static str,
    /// Label of the button that shows a service's details.
    pub details: &'static str,
    /// Label of the button that offers the 115 line.
    pub call_115: &'static str,
    /// Button under a bookable service's card: book an appointment for it.
    pub book_appointment: &'static str,
    /// Button under a card whose service can be done in the chat (report, order, pay, register).
    pub do_it_online: &'static str,
    /// A form was cancelled.
    pub cancelled: &'static str,
    /// "Cancel" was said with no form running.
    pub nothing_to_cancel: &'static str,
    /// Before the question a form asks again after an interruption.
    pub resume: &'static str,
    /// A slot value was not accepted; the reason follows.
    pub not_accepted: &'static str,
    /// After the summary of a form.
    pub confirm_question: &'static str,
    /// Button: confirm.
    pub yes: &'static str,
    /// Button: change something.
    pub change: &'static str,
    /// Button: cancel the form.
    pub cancel: &'static str,
    /// Asked when the citizen wants to change a confirmed summary.
    pub what_to_change: &'static str,
    /// Something typed after "change" that fits no slot: how to say which detail is meant.
    pub change_how: &'static str,
    /// A message that cannot be a person's name (a question, a date, a navigation word).
    pub not_a_name: &'static str,
    /// A free-text answer that is a question or another detail's value.
    pub not_free_text: &'static str,
    /// Handed off after repeated failures (the 115 line is named).
    pub handoff_after_failures: &'static str,
    /// A message arriving while a human agent has the conversation.
    pub handoff_waiting: &'static str,
    /// Button under the waiting message: back to the assistant (the handoff is withdrawn).
    pub back_to_assistant: &'static str,
    /// The citizen went back to the assistant while waiting for a person.
    pub handed_back: &'static str,
    /// Two answers in a row failed while nobody is on duty: the 115 hours, and the assistant goes on.
    pub off_duty_failures: &'static str,
    /// A person was asked for while nobody is on duty.
    pub off_duty_asked: &'static str,
    /// The language was switched; said in the new language.
    pub language_switched: &'static str,
    /// A follow-up that asks for something the last service's entry does not say.
    pub facet_unknown: &'static str,
    /// Courses were found.
    pub courses_found: &'static str,
    /// Said with courses that the catalogue marks as invented sample data.
    pub courses_sample: &'static str,
    /// No course fits.
    pub courses_none: &'static str,
    /// Label before a course's fee.
    pub fee: &'static str,
    /// Label for a reduced fee.
    pub reduced: &'static str,
    /// A course is full (waiting list).
    pub full: &'static str,
    /// Label before a course's free seats.
    pub free_seats: &'static str,
    /// Course sessions are held online.
    pub online: &'static str,
    /// Button: register for a course.
    pub register: &'static str,
    /// A photo in which no notice's QR code could be read.
    pub unreadable_image: &'static str,
}

const GERMAN: Texts = Texts {
    fallback: "Dazu habe ich leider keine gesicherte Auskunft. Bitte formulieren Sie Ihre Frage anders, \
               zum Beispiel mit dem Namen der Leistung („Personalausweis beantragen“). Persönlich hilft Ihnen \
               das Bürgertelefon unter 115 (Montag bis Freitag, 8 bis 18 Uhr).",
    did_you_mean: "Ich bin nicht sicher, was Sie meinen. Meinten Sie eines davon?",
    or_perhaps: "Oder:",
    empty: "Bitte schreiben Sie Ihre Frage, zum Beispiel „Personalausweis beantragen“.",
    unknown_action: "Diese Auswahl ist nicht mehr gültig. Bitte stellen Sie Ihre Frage noch einmal.",
    unsupported_content: "Das kann ich hier noch nicht verarbeiten. Bitte schreiben Sie Ihre Frage als Text.",
    details: "Details",
    call_115: "Bürgertelefon 115",
    book_appointment: "Termin buchen",
    do_it_online: "Gleich hier erledigen",
    cancelled: "In Ordnung, ich habe abgebrochen. Was kann ich sonst für Sie tun?",
    nothing_to_cancel: "Es läuft gerade nichts, das ich abbrechen könnte. Was kann ich für Sie tun?",
    resume: "Zurück zu Ihrer Anfrage:",
    not_accepted: "Das konnte ich leider nicht übernehmen:",
    confirm_question: "Stimmt das so?",
    yes: "Ja, stimmt",
    change: "Ändern",
    cancel: "Abbrechen",
    what_to_change: "Was möchten Sie ändern? Schreiben Sie einfach die neue Angabe.",
    change_how: "Schreiben Sie die Angabe mit ihrem Namen, zum Beispiel „Name: Anna Schulz“, oder wählen Sie aus, was Sie ändern möchten.",
    not_a_name: "Das sieht nicht wie ein Name aus. Bitte schreiben Sie Vor- und Nachnamen, zum Beispiel „Anna Schulz“.",
    not_free_text: "Das passt nicht als Antwort auf diese Frage. Bitte beschreiben Sie es in eigenen Worten.",
    handoff_after_failures: "Das konnte ich jetzt zweimal nicht beantworten. Ich gebe Ihr Anliegen an eine Mitarbeiterin \
                             oder einen Mitarbeiter des Bürgertelefons weiter, die Ihnen hier im Chat antworten \
                             (Montag bis Freitag, 8 bis 18 Uhr). Schneller geht es telefonisch unter 115.",
    handoff_waiting: "Ihre Nachricht ist angekommen. Eine Mitarbeiterin oder ein Mitarbeiter antwortet Ihnen hier \
                      (Montag bis Freitag, 8 bis 18 Uhr); dringende Fragen auch unter 115.",
    back_to_assistant: "Zurück zum Assistenten",
    handed_back: "In Ordnung, Sie sind wieder beim digitalen Assistenten.",
    off_duty_failures: "Das konnte ich jetzt zweimal nicht beantworten. Gerade ist niemand vom Bürgertelefon im Chat: \
                        Persönlich erreichen Sie es Montag bis Freitag von 8 bis 18 Uhr unter 115. Bis dahin helfe \
                        ich gern weiter, am besten mit dem Namen der Leistung („Personalausweis beantragen“).",
    off_duty_asked: "Gerade ist niemand vom Bürgertelefon im Chat. Persönlich erreichen Sie es Montag bis Freitag von \
                     8 bis 18 Uhr unter 115. Bis dahin helfe ich Ihnen gern: Schreiben Sie einfach Ihre Frage.",
    language_switched: "Gern, ich antworte jetzt auf Deutsch.",
    facet_unknown: "Dazu steht in meiner Auskunft nichts Genaues. Die Einzelheiten finden Sie hier:",
    courses_found: "Diese Kurse der Volkshochschule passen:",
    courses_sample: "Hinweis: Diese Kurse sind erfundene Beispieldaten, nicht das echte Programm der VHS Leipzig. Das echte Programm steht auf vhs-leipzig.de.",
    courses_none: "Dazu habe ich keinen passenden Kurs gefunden. Versuchen Sie ein anderes Thema oder sehen Sie \
                   ins Programm auf vhs-leipzig.de.",
    fee: "Entgelt",
    reduced: "ermäßigt",
    full: "ausgebucht, Warteliste",
    free_seats: "freie Plätze",
    online: "online",
    register: "Anmelden",
    unreadable_image: "Auf dem Bild konnte ich keinen QR-Code eines Bescheids lesen. Bitte fotografieren Sie den Code gerade und scharf, oder schreiben Sie das Kassenzeichen und den Prüfcode.",
};

const EASY_GERMAN: Texts = Texts {
    fallback: "Das weiß ich leider nicht. Bitte fragen Sie mit anderen Worten. Oder rufen Sie an: \
               Telefon 115. Montag bis Freitag. Von 8 Uhr bis 18 Uhr.",
    did_you_mean: "Ich bin nicht sicher. Meinen Sie eins davon?",
    or_perhaps: "Oder:",
    empty: "Bitte schreiben Sie Ihre Frage.",
    unknown_action: "Das geht nicht mehr. Bitte fragen Sie noch einmal.",
    unsupported_content: "Das kann ich nicht lesen. Bitte schreiben Sie Ihre Frage.",
    details: "Mehr dazu",
    call_115: "Telefon 115",
    book_appointment: "Termin machen",
    do_it_online: "Hier im Chat machen",
    cancelled: "Gut. Ich habe aufgehört. Was möchten Sie noch wissen?",
    nothing_to_cancel: "Es gibt nichts zum Abbrechen. Was möchten Sie wissen?",
    resume: "Weiter mit Ihrer Frage:",
    not_accepted: "Das passt leider nicht:",
    confirm_question: "Ist das richtig?",
    yes: "Ja, richtig",
    change: "Ändern",
    cancel: "Abbrechen",
    what_to_change: "Was möchten Sie ändern? Schreiben Sie es einfach.",
    change_how: "Schreiben Sie zum Beispiel: Name: Anna Schulz. Oder drücken Sie auf einen Knopf.",
    not_a_name: "Das ist kein Name. Bitte schreiben Sie Ihren Vor-Namen und Nach-Namen. Zum Beispiel: Anna Schulz.",
    not_free_text: "Das passt nicht zu der Frage. Bitte schreiben Sie es mit Ihren Worten.",
    handoff_after_failures: "Das weiß ich leider nicht. Ein Mensch hilft Ihnen weiter. \
                             Die Antwort kommt hier im Chat. Montag bis Freitag. Von 8 Uhr bis 18 Uhr. \
                             Oder rufen Sie an: Telefon 115.",
    handoff_waiting: "Ihre Nachricht ist da. Ein Mensch antwortet Ihnen hier. Oder rufen Sie an: Telefon 115.",
    back_to_assistant: "Zurück zum Chat-Programm",
    handed_back: "Gut. Sie schreiben wieder mit dem Chat-Programm.",
    off_duty_failures: "Das weiß ich leider nicht. Jetzt ist kein Mensch im Chat. \
                        Rufen Sie an: Telefon 115. Montag bis Freitag. Von 8 Uhr bis 18 Uhr. \
                        Oder fragen Sie mich mit anderen Worten.",
    off_duty_asked: "Jetzt ist kein Mensch im Chat. Rufen Sie an: Telefon 115. Montag bis Freitag. \
                     Von 8 Uhr bis 18 Uhr. Oder fragen Sie mich.",
    language_switched: "Gut. Ich schreibe jetzt in Leichter Sprache.",
    facet_unknown: "Das weiß ich nicht genau. Hier steht mehr:",
    courses_found: "Diese Kurse passen:",
    courses_sample: "Wichtig: Diese Kurse sind ausgedacht. Es gibt sie nicht wirklich. Die echten Kurse stehen im Internet: vhs-leipzig.de.",
    courses_none: "Ich habe keinen Kurs gefunden. Fragen Sie nach einem anderen Thema.",
    fee: "Preis",
    reduced: "billiger",
    full: "voll, Warteliste",
    free_seats: "freie Plätze",
    online: "im Internet",
    register: "Anmelden",
    unreadable_image: "Ich kann den QR-Code auf dem Bild nicht lesen. Bitte machen Sie noch ein Foto. Oder schreiben Sie das Kassen-Zeichen und den Prüf-Code.",
};

const ENGLISH: Texts = Texts {
    fallback: "I'm sorry, I have no reliable information on that. Please try other words, for example the name \
               of the service (\"apply for an identity card\"). For personal help, call the citizens' hotline \
               115 (Monday to Friday, 8 am to 6 pm).",
    did_you_mean: "I'm not sure what you mean. Did you mean one of these?",
    or_perhaps: "Or:",
    empty: "Please type your question, for example \"apply for an identity card\".",
    unknown_action: "This choice is no longer valid. Please ask your question again.",
    unsupported_content: "I cannot process that here yet. Please type your question.",
    details: "Details",
    call_115: "Hotline 115",
    book_appointment: "Book an appointment",
    do_it_online: "Do it here",
    cancelled: "All right, I have cancelled that. What else can I do for you?",
    nothing_to_cancel: "There is nothing to cancel right now. What can I do for you?",
    resume: "Back to your request:",
    not_accepted: "I could not take that:",
    confirm_question: "Is that right?",
    yes: "Yes, that's right",
    change: "Change",
    cancel: "Cancel",
    what_to_change: "What would you like to change? Just type the new detail.",
    change_how: "Type the detail with its name, for example \"Name: Anna Schulz\", or choose what you would like to change.",
    not_a_name: "That does not look like a name. Please type first and last name, for example \"Anna Schulz\".",
    not_free_text: "That does not answer this question. Please describe it in your own words.",
    handoff_after_failures: "I could not answer that twice now. I am passing your request to a member of staff of \
                             the citizens' hotline, who will reply here in the chat (Monday to Friday, 8 am to \
                             6 pm). It is quicker to call 115.",
    handoff_waiting: "Your message has arrived. A member of staff will reply here (Monday to Friday, 8 am to 6 pm); \
                      for urgent questions call 115.",
    back_to_assistant: "Back to the assistant",
    handed_back: "All right, you are back with the digital assistant.",
    off_duty_failures: "I could not answer that twice now. Nobody from the citizens' hotline is in the chat at the \
                        moment: you can reach them Monday to Friday, 8 am to 6 pm, at 115. Until then I am glad to \
                        help, best with the name of the service (\"apply for an identity card\").",
    off_duty_asked: "Nobody from the citizens' hotline is in the chat at the moment. You can reach them Monday to \
                     Friday, 8 am to 6 pm, at 115. Until then I am glad to help: just type your question.",
    language_switched: "Sure, I will answer in English from now on.",
    facet_unknown: "My information does not say exactly. You find the details here:",
    courses_found: "These adult-education courses fit:",
    courses_sample: "Note: these courses are invented sample data, not the real programme of the VHS Leipzig. The real programme is at vhs-leipzig.de.",
    courses_none: "I found no course on that. Try another topic or look at the programme on vhs-leipzig.de.",
    fee: "Fee",
    reduced: "reduced",
    full: "fully booked, waiting list",
    free_seats: "seats free",
    online: "online",
    register: "Register",
    unreadable_image: "I could not read a notice QR code in the picture. Please photograph the code straight and in focus, or type the Kassenzeichen and the check code.",
};

const UKRAINIAN: Texts = Texts {
    fallback: "На жаль, я не маю достовірної інформації з цього питання. Будь ласка, сформулюйте запитання \
               інакше, наприклад назвою послуги. Особисто вам допоможуть за телефоном 115 (з понеділка по \
               п'ятницю, з 8 до 18 години).",
    did_you_mean: "Я не впевнений, що ви маєте на увазі. Можливо, щось із цього?",
    or_perhaps: "Або:",
    empty: "Будь ласка, напишіть своє запитання.",
    unknown_action: "Цей вибір більше не дійсний. Будь ласка, поставте запитання ще раз.",
    unsupported_content: "Я поки що не можу це обробити. Будь ласка, напишіть запитання текстом.",
    details: "Детальніше",
    call_115: "Телефон 115",
    book_appointment: "Записатися на прийом",
    do_it_online: "Оформити тут",
    cancelled: "Гаразд, я скасував. Чим ще можу допомогти?",
    nothing_to_cancel: "Зараз немає нічого, що можна скасувати. Чим можу допомогти?",
    resume: "Повернімося до вашого запиту:",
    not_accepted: "На жаль, я не можу це прийняти:",
    confirm_question: "Усе правильно?",
    yes: "Так, правильно",
    change: "Змінити",
    cancel: "Скасувати",
    what_to_change: "Що ви хочете змінити? Просто напишіть нові дані.",
    change_how: "Напишіть дані з назвою, наприклад „Ім'я: Анна Шульц“, або виберіть, що саме змінити.",
    not_a_name: "Це не схоже на ім'я. Будь ласка, напишіть ім'я та прізвище, наприклад „Анна Шульц“.",
    not_free_text: "Це не відповідь на це запитання. Будь ласка, опишіть своїми словами.",
    handoff_after_failures: "Я двічі не зміг відповісти. Я передаю ваш запит співробітнику гарячої лінії, який \
                             відповість тут у чаті (з понеділка по п'ятницю, з 8 до 18 години). Швидше — за \
                             телефоном 115.",
    handoff_waiting: "Ваше повідомлення отримано. Співробітник відповість вам тут (з понеділка по п'ятницю, з 8 до \
                      18 години); термінові питання — за телефоном 115.",
    back_to_assistant: "Повернутися до асистента",
    handed_back: "Гаразд, ви знову спілкуєтеся з цифровим асистентом.",
    off_duty_failures: "Я двічі не зміг відповісти. Зараз у чаті немає співробітників гарячої лінії: їх можна \
                        застати з понеділка по п'ятницю, з 8 до 18 години, за телефоном 115. А поки я охоче \
                        допоможу, найкраще — якщо ви назвете послугу.",
    off_duty_asked: "Зараз у чаті немає співробітників гарячої лінії. Їх можна застати з понеділка по п'ятницю, з 8 \
                     до 18 години, за телефоном 115. А поки я охоче допоможу: просто напишіть своє запитання.",
    language_switched: "Добре, відтепер я відповідаю українською.",
    facet_unknown: "У моїй довідці про це нічого точного немає. Подробиці тут:",
    courses_found: "Ці курси народного університету підходять:",
    courses_sample: "Увага: ці курси вигадані для прикладу, це не справжня програма VHS Leipzig. Справжня програма: vhs-leipzig.de.",
    courses_none: "Я не знайшов відповідного курсу. Спробуйте іншу тему або перегляньте програму на vhs-leipzig.de.",
    fee: "Вартість",
    reduced: "пільгова",
    full: "місць немає, список очікування",
    free_seats: "вільних місць",
    online: "онлайн",
    register: "Зареєструватися",
    unreadable_image: "На зображенні не вдалося прочитати QR-код рішення. Сфотографуйте код рівно й чітко або напишіть Kassenzeichen і код перевірки.",
};

const ARABIC: Texts = Texts {
    fallback: "عذرًا، لا تتوفر لدي معلومات موثوقة حول ذلك. يُرجى صياغة سؤالك بطريقة أخرى، مثلًا باسم الخدمة. \
               للمساعدة الشخصية اتصل بالرقم 115 (من الاثنين إلى الجمعة، من 8 صباحًا حتى 6 مساءً).",
    did_you_mean: "لست متأكدًا مما تقصده. هل تقصد أحد هذه الخيارات؟",
    or_perhaps: "أو:",
    empty: "يُرجى كتابة سؤالك.",
    unknown_action: "هذا الاختيار لم يعد صالحًا. يُرجى طرح سؤالك مرة أخرى.",
    unsupported_content: "لا يمكنني معالجة ذلك هنا بعد. يُرجى كتابة سؤالك نصًا.",
    details: "التفاصيل",
    call_115: "الهاتف 115",
    book_appointment: "حجز موعد",
    do_it_online: "إنجازها هنا",
    cancelled: "حسنًا، تم الإلغاء. كيف يمكنني مساعدتك أيضًا؟",
    nothing_to_cancel: "لا يوجد شيء لإلغائه الآن. كيف يمكنني مساعدتك؟",
    resume: "لنعد إلى طلبك:",
    not_accepted: "للأسف لا يمكنني قبول ذلك:",
    confirm_question: "هل هذا صحيح؟",
    yes: "نعم، صحيح",
    change: "تعديل",
    cancel: "إلغاء",
    what_to_change: "ماذا تريد أن تغيّر؟ اكتب المعلومة الجديدة فقط.",
    change_how: "اكتب المعلومة مع اسمها، مثلًا «الاسم: آنا شولتس»، أو اختر ما تريد تغييره.",
    not_a_name: "هذا لا يبدو اسمًا. يرجى كتابة الاسم الأول واسم العائلة، مثلًا «آنا شولتس».",
    not_free_text: "هذا لا يجيب عن هذا السؤال. يرجى الوصف بكلماتك.",
    handoff_after_failures: "لم أتمكن من الإجابة مرتين. سأحوّل طلبك إلى أحد موظفي خط خدمة المواطنين، وسيرد عليك هنا \
                             في المحادثة (من الاثنين إلى الجمعة، من 8 صباحًا حتى 6 مساءً). الاتصال بالرقم 115 أسرع.",
    handoff_waiting: "وصلت رسالتك. سيرد عليك أحد الموظفين هنا (من الاثنين إلى الجمعة، من 8 صباحًا حتى 6 مساءً)؛ \
                      للأسئلة العاجلة اتصل بالرقم 115.",
    back_to_assistant: "العودة إلى المساعد",
    handed_back: "حسنًا، أنت الآن مع المساعد الرقمي مرة أخرى.",
    off_duty_failures: "لم أتمكن من الإجابة مرتين. لا يوجد حاليًا موظف من خط خدمة المواطنين في المحادثة: يمكنك \
                        الاتصال بالرقم 115 من الاثنين إلى الجمعة، من 8 صباحًا حتى 6 مساءً. وحتى ذلك الحين يسعدني \
                        مساعدتك، ويفضل أن تذكر اسم الخدمة.",
    off_duty_asked: "لا يوجد حاليًا موظف من خط خدمة المواطنين في المحادثة. يمكنك الاتصال بالرقم 115 من الاثنين إلى \
                     الجمعة، من 8 صباحًا حتى 6 مساءً. وحتى ذلك الحين يسعدني مساعدتك: اكتب سؤالك فقط.",
    language_switched: "حسنًا، سأجيب بالعربية من الآن.",
    facet_unknown: "لا تذكر معلوماتي ذلك بدقة. تجد التفاصيل هنا:",
    courses_found: "هذه الدورات في الجامعة الشعبية مناسبة:",
    courses_sample: "ملاحظة: هذه الدورات بيانات تجريبية مختلقة، وليست البرنامج الحقيقي لـ VHS Leipzig. البرنامج الحقيقي على vhs-leipzig.de.",
    courses_none: "لم أجد دورة مناسبة. جرّب موضوعًا آخر أو اطّلع على البرنامج في vhs-leipzig.de.",
    fee: "الرسوم",
    reduced: "مخفّضة",
    full: "مكتملة، قائمة انتظار",
    free_seats: "مقاعد شاغرة",
    online: "عبر الإنترنت",
    register: "التسجيل",
    unreadable_image: "لم أتمكن من قراءة رمز QR الخاص بالقرار في الصورة. يرجى تصوير الرمز بشكل مستقيم وواضح، أو كتابة رقم الدفع (Kassenzeichen) ورمز التحقق.",
};

/// The texts of a language.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::De => &GERMAN,
        Lang::DeLeicht => &EASY_GERMAN,
        Lang::En => &ENGLISH,
        Lang::Uk => &UKRAINIAN,
        Lang::Ar => &ARABIC,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_text() {
        for lang in Lang::ALL {
            let t = texts(lang);
            for text in [
                t.fallback,
                t.did_you_mean,
                t.empty,
                t.unknown_action,
                t.unsupported_content,
                t.details,
                t.call_115,
                t.book_appointment,
                t.do_it_online,
                t.cancelled,
                t.nothing_to_cancel,
                t.resume,
                t.not_accepted,
                t.confirm_question,
                t.yes,
                t.change,
                t.cancel,
                t.what_to_change,
                t.change_how,
                t.not_a_name,
                t.not_free_text,
                t.handoff_after_failures,
                t.handoff_waiting,
                t.back_to_assistant,
                t.handed_back,
                t.off_duty_failures,
                t.off_duty_asked,
                t.language_switched,
                t.facet_unknown,
                t.courses_found,
                t.courses_sample,
                t.courses_none,
                t.fee,
                t.reduced,
                t.full,
                t.free_seats,
                t.online,
            ] {
                assert!(!text.trim().is_empty(), "{lang}: empty dialogue text");
            }
            assert!(
                t.fallback.contains("115"),
                "{lang}: the fallback must point to the 115 line"
            );
            assert!(
                t.handoff_after_failures.contains("115"),
                "{lang}: the handoff names the 115 line"
            );
            for text in [t.off_duty_failures, t.off_duty_asked] {
                assert!(
                    text.contains("115") && text.contains('8'),
                    "{lang}: off duty, the 115 line and its hours are named: {text}"
                );
            }
        }
    }
}
