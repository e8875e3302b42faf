//! What may fill a slot of a form. A value fills a slot only when it is a plausible answer of that slot's
//! type: a person's name is not a question, a date, a navigation word or a yes; a free text that is
//! only another slot's value ("per Post" asked for the register office) belongs to that slot. Citizens
//! may also name the slot they mean ("Name: Anna Schulz", "Ort: Gießerstraße 20", "mein Name ist ...").

use crate::knowledge::analysis::fold;
use crate::lang::Lang;
use crate::nlu::entities::Entity;

/// Entity kinds that never occur in a person's name: a message carrying one is something else.
const NOT_IN_NAMES: &[&str] = &[
    "date",
    "time",
    "weekday",
    "relative_day",
    "time_of_day",
    "navigation",
    "cancel",
    "yes",
    "no",
    "email",
    "change_kind",
    "report_category",
    "certificate_kind",
    "certificate_delivery",
    "certificate_copies",
    "notice_choice",
    "language",
    "any",
    "postcode",
    "kassenzeichen",
    "booking_code",
    "booking_key",
    "check_code",
    "tracking_number",
    "course_number",
];

/// First words of questions and of sentences about oneself (folded): never the start of a name.
const NOT_NAME_WORDS: &[&str] = &[
    // German
    "wer",
    "was",
    "wie",
    "wo",
    "wann",
    "welche",
    "welcher",
    "welches",
    "warum",
    "wieso",
    "weshalb",
    "woher",
    "wohin",
    "muss",
    "kann",
    "koennen",
    "brauche",
    "brauch",
    "gibt",
    "ich",
    "mir",
    "mich",
    "mein",
    "meine",
    "du",
    "bitte",
    "hallo",
    "danke",
    "nein",
    "doch",
    "nicht",
    "keine",
    "kein",
    "weiss",
    "moechte",
    "will",
    "habe",
    "hab",
    "ist",
    "sind",
    "oder",
    "aber",
    "noch",
    "naechste",
    "naechsten",
    "woche",
    "uhr",
    "termin",
    "heute",
    "morgen",
    "zurueck",
    "aendern",
    "abbrechen",
    "weiter",
    "stopp",
    "back",
    "cancel",
    "stop",
    "назад",
    "رجوع",
    // English
    "what",
    "how",
    "where",
    "when",
    "which",
    "who",
    "why",
    "do",
    "does",
    "can",
    "could",
    "is",
    "are",
    "i",
    "i'm",
    "im",
    "me",
    "my",
    "you",
    "please",
    "hello",
    "hi",
    "thanks",
    "no",
    "not",
    "next",
    "week",
    "tomorrow",
    "today",
    // Ukrainian
    "що",
    "як",
    "де",
    "коли",
    "чи",
    "хто",
    "чому",
    "який",
    "яка",
    "які",
    "я",
    "мені",
    "мій",
    "моя",
    "будь",
    "дякую",
    "ні",
    "так",
    // Arabic
    "ماذا",
    "ما",
    "كيف",
    "اين",
    "أين",
    "متى",
    "هل",
    "من",
    "لماذا",
    "انا",
    "أنا",
    "شكرا",
    "لا",
];

/// Phrases that introduce one's name (folded): "mein Name ist Anna Schulz".
const NAME_INTRODUCTIONS: &[&str] = &[
    "mein name ist",
    "mein name lautet",
    "ich heisse",
    "name ist",
    "auf den namen",
    "my name is",
    "my name's",
    "the name is",
    "name is",
    "мене звати",
    "моє ім'я",
    "اسمي",
];

/// Labels citizens put before a value (folded), and the slots they may mean, most likely first.
const LABELS: &[(&[&str], &[&str])] = &[
    (
        &[
            "name",
            "namen",
            "vorname",
            "nachname",
            "vor- und nachname",
            "voller name",
            "full name",
            "ім'я",
            "імя",
            "прізвище",
            "الاسم",
            "اسم",
        ],
        &["name", "applicant", "person"],
    ),
    (
        &[
            "e-mail",
            "email",
            "mail",
            "e-mail-adresse",
            "emailadresse",
            "mailadresse",
            "e-mail adresse",
            "email address",
            "e-mail address",
            "пошта",
            "електронна пошта",
            "البريد",
            "البريد الالكتروني",
        ],
        &["email"],
    ),
    (
        &[
            "ort",
            "adresse",
            "anschrift",
            "strasse",
            "wo",
            "stelle",
            "address",
            "location",
            "place",
            "street",
            "адреса",
            "місце",
            "вулиця",
            "العنوان",
            "المكان",
            "الشارع",
        ],
        &["address", "location"],
    ),
    (
        &["beschreibung", "description", "опис", "الوصف"],
        &["description"],
    ),
    (
        &[
            "gruende",
            "grund",
            "begruendung",
            "reasons",
            "reason",
            "причини",
            "причина",
            "الاسباب",
            "السبب",
        ],
        &["reasons"],
    ),
    (
        &[
            "interesse",
            "rechtliches interesse",
            "zweck",
            "legal interest",
            "purpose",
            "інтерес",
            "мета",
            "المصلحة",
            "الغرض",
        ],
        &["interest"],
    ),
    (
        &["datum", "date", "дата", "التاريخ"],
        &["event_date", "day"],
    ),
    (&["tag", "day", "день", "اليوم"], &["day", "event_date"]),
    (&["uhrzeit", "zeit", "time", "час", "الوقت"], &["time"]),
    (
        &[
            "registernummer",
            "register number",
            "номер запису",
            "رقم السجل",
        ],
        &["register_number"],
    ),
    (
        &["standesamt", "register office", "рацс", "مكتب السجل"],
        &["register_office"],
    ),
    (
        &["anzahl", "exemplare", "copies", "кількість", "العدد"],
        &["copies"],
    ),
];

/// Whether a message is a question rather than an answer: it ends with "?" or starts with a question
/// word ("welche Unterlagen brauch ich eigentlich").
pub fn question_like(text: &str) -> bool {
    let text = text.trim();
    if text.ends_with('?') || text.ends_with('؟') {
        return true;
    }
    let folded = fold(text);
    let first = folded.split_whitespace().next().unwrap_or_default();
    const QUESTION_WORDS: &[&str] = &[
        "wer",
        "was",
        "wie",
        "wo",
        "wann",
        "welche",
        "welcher",
        "welches",
        "warum",
        "wieso",
        "weshalb",
        "woher",
        "wohin",
        "muss",
        "kann",
        "brauche",
        "brauch",
        "gibt",
        "what",
        "how",
        "where",
        "when",
        "which",
        "who",
        "why",
        "do",
        "does",
        "can",
        "could",
        "що",
        "як",
        "де",
        "коли",
        "чи",
        "хто",
        "чому",
        "ماذا",
        "كيف",
        "اين",
        "أين",
        "متى",
        "هل",
        "لماذا",
    ];
    QUESTION_WORDS.contains(&first)
}

/// Whether a message may be a person's name, given the entities found in it.
pub fn plausible_name(text: &str, entities: &[Entity]) -> bool {
    let text = text.trim();
    let words: Vec<String> = fold(text)
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| !w.is_empty())
        .collect();
    !words.is_empty()
        && words.len() <= 6
        && !question_like(text)
        && !text
            .chars()
            .any(|c| c.is_ascii_digit() || matches!(c, '@' | '?' | '!' | ':'))
        && !words.iter().any(|w| NOT_NAME_WORDS.contains(&w.as_str()))
        && !entities
            .iter()
            .any(|e| NOT_IN_NAMES.contains(&e.kind.as_str()))
}

/// Whether a free-text answer is one: not a short question, and not just another slot's value
/// (`others`: the entity kinds of the form's other slots).
pub fn plausible_text(text: &str, entities: &[Entity], others: &[&str]) -> bool {
    let words = text.split_whitespace().count();
    if words == 0 || question_like(text) && words <= 12 {
        return false;
    }
    let foreign: Vec<&Entity> = entities
        .iter()
        .filter(|e| {
            others.contains(&e.kind.as_str()) || matches!(e.kind.as_str(), "navigation" | "cancel")
        })
        .collect();
    if foreign.is_empty() {
        return true;
    }
    // What the other slots' values leave over: a word or two ("per Post", "ja bitte") is no answer.
    crate::nlu::entities::Entities::without(text, &foreign)
        .split_whitespace()
        .count()
        > 2
}

/// "Name: Anna Schulz", "mein Name ist Anna Schulz", "E-Mail = a@b.de": the slots the label may mean
/// (most likely first) and the value as typed.
pub fn labelled(text: &str) -> Option<(&'static [&'static str], String)> {
    let text = text.trim();
    let words: Vec<&str> = text.split_whitespace().collect();
    let folded: Vec<String> = words
        .iter()
        .map(|w| fold(w).trim_end_matches(':').to_string())
        .collect();
    for intro in NAME_INTRODUCTIONS {
        let n = intro.split_whitespace().count();
        if folded.len() > n && folded[..n].join(" ") == *intro {
            let value = words[n..].join(" ");
            let value = value.trim_start_matches(':').trim();
            return (!value.is_empty()).then(|| (LABELS[0].1, value.to_string()));
        }
    }
    let at = text.find([':', '='])?;
    let label = fold(&text[..at]).trim().to_string();
    let slots = LABELS
        .iter()
        .find(|(words, _)| words.contains(&label.as_str()))?
        .1;
    let value = text[at + 1..].trim();
    (!value.is_empty()).then(|| (slots, value.to_string()))
}

/// A name introduced inside a longer message ("... Ich heiße Jonas Weber."): the text before the
/// introduction and the name (up to the end of its sentence).
pub fn name_introduced(text: &str) -> Option<(String, String)> {
    let folded = fold(text);
    let words: Vec<&str> = text.split_whitespace().collect();
    let folded_words: Vec<String> = folded
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_string()
        })
        .collect();
    if folded_words.len() != words.len() {
        return None;
    }
    for intro in NAME_INTRODUCTIONS {
        let intro_words: Vec<&str> = intro.split_whitespace().collect();
        let n = intro_words.len();
        for start in 0..words.len().saturating_sub(n) {
            if folded_words[start..start + n] != intro_words[..] {
                continue;
            }
            let mut name = Vec::new();
            for word in &words[start + n..] {
                let end = word.ends_with(['.', '!', '?', ';', ',']);
                name.push(word.trim_end_matches(['.', '!', '?', ';', ',']));
                if end {
                    break;
                }
            }
            let name = name.join(" ").trim_start_matches(':').trim().to_string();
            if name.is_empty() {
                return None;
            }
            return Some((words[..start].join(" "), name));
        }
    }
    None
}

/// The name of a slot as a citizen reads it, for the "what would you like to change" buttons.
pub fn slot_label(slot: &str, lang: Lang) -> Option<&'static str> {
    let labels: [&str; 4] = match slot {
        "service" => ["Anliegen", "Service", "Послуга", "الخدمة"],
        "office" | "place" => ["Ort", "Place", "Місце", "المكان"],
        "start" => ["Termin", "Appointment time", "Час прийому", "الموعد"],
        "name" | "applicant" => ["Name", "Name", "Ім'я", "الاسم"],
        "person" => [
            "Person in der Urkunde",
            "Person on the certificate",
            "Особа в документі",
            "الشخص في الوثيقة",
        ],
        "email" => ["E-Mail", "E-mail", "Ел. пошта", "البريد الإلكتروني"],
        "address" => ["Adresse", "Address", "Адреса", "العنوان"],
        "location" => ["Ort", "Location", "Місце", "المكان"],
        "description" => ["Beschreibung", "Description", "Опис", "الوصف"],
        "reasons" => ["Begründung", "Reasons", "Обґрунтування", "الأسباب"],
        "interest" => [
            "Rechtliches Interesse",
            "Legal interest",
            "Юридичний інтерес",
            "المصلحة القانونية",
        ],
        "relation" => ["Für wen", "For whom", "Для кого", "لمن"],
        "kind" => ["Urkunde", "Certificate", "Документ", "الوثيقة"],
        "event_date" => ["Datum", "Date", "Дата", "التاريخ"],
        "register_number" => [
            "Registernummer",
            "Register number",
            "Номер запису",
            "رقم السجل",
        ],
        "register_office" => ["Standesamt", "Register office", "РАЦС", "مكتب السجل"],
        "copies" => ["Anzahl", "Copies", "Кількість", "العدد"],
        "delivery" => ["Zustellung", "Delivery", "Доставка", "التسليم"],
        "category" => [
            "Art des Mangels",
            "Kind of problem",
            "Вид проблеми",
            "نوع المشكلة",
        ],
        "course" => ["Kurs", "Course", "Курс", "الدورة"],
        "reduced" => ["Ermäßigung", "Reduced fee", "Пільга", "التخفيض"],
        "choice" => ["Zahlungsweg", "Payment", "Оплата", "الدفع"],
        "multilingual" => [
            "Mehrsprachig",
            "Multilingual",
            "Багатомовний",
            "متعدد اللغات",
        ],
        _ => return None,
    };
    Some(match lang {
        Lang::De | Lang::DeLeicht => labels[0],
        Lang::En => labels[1],
        Lang::Uk => labels[2],
        Lang::Ar => labels[3],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_recognised_with_or_without_a_question_mark() {
        assert!(question_like("welche unterlagen brauch ich eigentlich"));
        assert!(question_like("What counts as legal interest?"));
        assert!(question_like("що потрібно?"));
        assert!(!question_like("Anna Schulz"));
        assert!(!question_like(
            "Ich brauche sie für die Rente meiner Mutter"
        ));
    }

    #[test]
    fn names_are_names_and_nothing_else_is() {
        assert!(plausible_name("Anna Schulz", &[]));
        assert!(plausible_name("Jürgen Müller-Lüdenscheidt", &[]));
        assert!(plausible_name("Anna Muster und Paul Muster", &[]));
        assert!(plausible_name("Олена Коваленко", &[]));
        assert!(plausible_name("محمد العلي", &[]));
        for not_a_name in [
            "welche unterlagen brauch ich eigentlich?",
            "nächste Woche Dienstag",
            "zurück",
            "ich weiß nicht",
            "what do I need?",
            "15:00",
            "anna@example.org",
            "Name: Anna Schulz",
        ] {
            assert!(!plausible_name(not_a_name, &[]), "{not_a_name}");
        }
        let weekday = Entity {
            kind: "weekday".into(),
            value: "Tue".into(),
            span: (0, 8),
        };
        assert!(!plausible_name("Dienstag", &[weekday]));
    }

    #[test]
    fn labelled_values_name_their_slot() {
        let (slots, value) = labelled("Name: Anna Schulz").unwrap();
        assert_eq!((slots[0], value.as_str()), ("name", "Anna Schulz"));
        let (slots, value) = labelled("Ort: Gießerstraße 20").unwrap();
        assert_eq!((slots[0], value.as_str()), ("address", "Gießerstraße 20"));
        let (slots, value) = labelled("Mein Name ist Jürgen Groß").unwrap();
        assert_eq!((slots[0], value.as_str()), ("name", "Jürgen Groß"));
        let (slots, value) = labelled("E-Mail = anna@example.org").unwrap();
        assert_eq!((slots[0], value.as_str()), ("email", "anna@example.org"));
        assert!(labelled("Hinweis: das Loch ist tief").is_none());
        assert!(labelled("Ich bin Erbin, das Nachlassgericht verlangt die Urkunde").is_none());
        assert!(labelled("Name:").is_none());
    }

    #[test]
    fn names_introduced_in_a_longer_message_are_found() {
        let (before, name) = name_introduced(
            "Hallo, ich bräuchte einen Termin für einen Personalausweis. Ich heiße Jonas Weber.",
        )
        .unwrap();
        assert_eq!(name, "Jonas Weber");
        assert!(before.ends_with("Personalausweis."), "{before}");
        assert_eq!(
            name_introduced("my name is John Smith, I need a passport").map(|(_, n)| n),
            Some("John Smith".to_string())
        );
        assert!(name_introduced("Ich brauche einen Termin").is_none());
    }

    #[test]
    fn free_text_that_is_another_slots_value_is_not_taken() {
        let post = Entity {
            kind: "certificate_delivery".into(),
            value: "post".into(),
            span: (0, 8),
        };
        assert!(!plausible_text(
            "per Post",
            std::slice::from_ref(&post),
            &["certificate_delivery"]
        ));
        assert!(plausible_text(
            "Standesamt Leipzig",
            &[],
            &["certificate_delivery"]
        ));
        assert!(!plausible_text("what counts as legal interest?", &[], &[]));
        assert!(plausible_text(
            "Ich brauche die Urkunde für die Rente meiner Mutter",
            &[],
            &["certificate_relation"]
        ));
    }
}
