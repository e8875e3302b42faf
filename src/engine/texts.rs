//! The assistant's own sentences (everything that is not a knowledge passage), per language.

use crate::lang::Lang;

/// The dialogue texts of one language.
pub struct Texts {
    /// Nothing relevant was found, or the question is out of scope.
    pub fallback: &'static str,
    /// The question matched several services weakly.
    pub did_you_mean: &'static str,
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
}

const GERMAN: Texts = Texts {
    fallback: "Dazu habe ich leider keine gesicherte Auskunft. Bitte formulieren Sie Ihre Frage anders, \
               zum Beispiel mit dem Namen der Leistung („Personalausweis beantragen“). Persönlich hilft Ihnen \
               das Bürgertelefon unter 115 (Montag bis Freitag, 8 bis 18 Uhr).",
    did_you_mean: "Ich bin nicht sicher, was Sie meinen. Meinten Sie eines davon?",
    empty: "Bitte schreiben Sie Ihre Frage, zum Beispiel „Personalausweis beantragen“.",
    unknown_action: "Diese Auswahl ist nicht mehr gültig. Bitte stellen Sie Ihre Frage noch einmal.",
    unsupported_content: "Das kann ich hier noch nicht verarbeiten. Bitte schreiben Sie Ihre Frage als Text.",
    details: "Details",
    call_115: "Bürgertelefon 115",
};

const EASY_GERMAN: Texts = Texts {
    fallback: "Das weiß ich leider nicht. Bitte fragen Sie mit anderen Worten. Oder rufen Sie an: \
               Telefon 115. Montag bis Freitag. Von 8 Uhr bis 18 Uhr.",
    did_you_mean: "Ich bin nicht sicher. Meinen Sie eins davon?",
    empty: "Bitte schreiben Sie Ihre Frage.",
    unknown_action: "Das geht nicht mehr. Bitte fragen Sie noch einmal.",
    unsupported_content: "Das kann ich nicht lesen. Bitte schreiben Sie Ihre Frage.",
    details: "Mehr dazu",
    call_115: "Telefon 115",
};

const ENGLISH: Texts = Texts {
    fallback: "I'm sorry, I have no reliable information on that. Please try other words, for example the name \
               of the service (\"apply for an identity card\"). For personal help, call the citizens' hotline \
               115 (Monday to Friday, 8 am to 6 pm).",
    did_you_mean: "I'm not sure what you mean. Did you mean one of these?",
    empty: "Please type your question, for example \"apply for an identity card\".",
    unknown_action: "This choice is no longer valid. Please ask your question again.",
    unsupported_content: "I cannot process that here yet. Please type your question.",
    details: "Details",
    call_115: "Hotline 115",
};

const UKRAINIAN: Texts = Texts {
    fallback: "На жаль, я не маю достовірної інформації з цього питання. Будь ласка, сформулюйте запитання \
               інакше, наприклад назвою послуги. Особисто вам допоможуть за телефоном 115 (з понеділка по \
               п'ятницю, з 8 до 18 години).",
    did_you_mean: "Я не впевнений, що ви маєте на увазі. Можливо, щось із цього?",
    empty: "Будь ласка, напишіть своє запитання.",
    unknown_action: "Цей вибір більше не дійсний. Будь ласка, поставте запитання ще раз.",
    unsupported_content: "Я поки що не можу це обробити. Будь ласка, напишіть запитання текстом.",
    details: "Детальніше",
    call_115: "Телефон 115",
};

const ARABIC: Texts = Texts {
    fallback: "عذرًا، لا تتوفر لدي معلومات موثوقة حول ذلك. يُرجى صياغة سؤالك بطريقة أخرى، مثلًا باسم الخدمة. \
               للمساعدة الشخصية اتصل بالرقم 115 (من الاثنين إلى الجمعة، من 8 صباحًا حتى 6 مساءً).",
    did_you_mean: "لست متأكدًا مما تقصده. هل تقصد أحد هذه الخيارات؟",
    empty: "يُرجى كتابة سؤالك.",
    unknown_action: "هذا الاختيار لم يعد صالحًا. يُرجى طرح سؤالك مرة أخرى.",
    unsupported_content: "لا يمكنني معالجة ذلك هنا بعد. يُرجى كتابة سؤالك نصًا.",
    details: "التفاصيل",
    call_115: "الهاتف 115",
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
            ] {
                assert!(!text.trim().is_empty(), "{lang}: empty dialogue text");
            }
            assert!(
                t.fallback.contains("115"),
                "{lang}: the fallback must point to the 115 line"
            );
        }
    }
}
