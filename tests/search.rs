//! Search relevance on questions written for this test (not the evaluation file): compounds, umlaut
//! spellings, typos, colloquial words, English; and out-of-scope questions that must not be answered.
//! The index is built in RAM from the shipped knowledge and asked through the engine, as the chat does.

mod common;

use std::sync::Arc;

use auskunft::engine::Engine;
use auskunft::knowledge::Knowledge;
use auskunft::lang::Lang;
use auskunft::nlu::Nlu;
use auskunft::store::MemoryStore;
use auskunft_channel::{Channel, Conversation, Inbound, InboundContent};

fn knowledge() -> Arc<Knowledge> {
    Arc::new(Knowledge::open(&common::knowledge_dir(), None).expect("knowledge loads"))
}

async fn answer(engine: &Engine, question: &str) -> (Option<String>, String) {
    let inbound = Inbound {
        channel: Channel::Web,
        conversation: None,
        content: InboundContent::Text(question.to_string()),
        lang_hint: None,
    };
    let reply = engine.handle(inbound).await.expect("engine answers");
    (reply.service.map(|s| s.slug), reply.lang)
}

/// The engine as shipped: knowledge, intents and form handlers, state in memory.
async fn engine(knowledge: &Arc<Knowledge>) -> Engine {
    let settings = common::test_settings_in(std::path::Path::new("/nonexistent"));
    let nlu = Arc::new(Nlu::load(&settings.intents.dir, &knowledge.base).expect("intents load"));
    let memory = Arc::new(MemoryStore::new());
    let booking = auskunft::startup::scratch_transactions(&settings, knowledge)
        .await
        .expect("in-memory transactions");
    auskunft::startup::engine(&settings, knowledge, nlu, memory.clone(), memory, booking)
}

#[tokio::test]
async fn citizens_wordings_find_the_right_service() {
    let knowledge = knowledge();
    let engine = engine(&knowledge).await;
    let cases: &[(&str, &[&str])] = &[
        // Compounds the knowledge base does not spell out.
        (
            "Personalausweisverlust melden",
            &["personalausweis-verlust"],
        ),
        ("Hundesteueranmeldung", &["hundesteuer-anmelden"]),
        ("Wohngeldantrag stellen", &["wohngeld"]),
        ("Elterngeldantrag", &["elterngeld"]),
        // Umlauts written out, or left out.
        ("Fuehrerschein umtauschen", &["fuehrerschein-umtausch"]),
        ("Fuhrerschein verloren", &["fuehrerschein-verlust"]),
        ("Eheschliessung anmelden", &["eheschliessung-anmelden"]),
        // Typos.
        ("Reisepas beantragen", &["reisepass-beantragen"]),
        ("Geburtsurkunde bestelen", &["geburtsurkunde"]),
        ("Sperrmüll anmelen", &["sperrmuell"]),
        // Colloquial words.
        ("Perso abgelaufen", &["personalausweis-beantragen"]),
        ("Knöllchen bekommen", &["verwarngeld"]),
        ("Anwohnerparken", &["bewohnerparkausweis"]),
        ("GEZ Befreiung", &["rundfunkbeitrag"]),
        ("Ummeldung innerhalb von Leipzig", &["wohnsitz-anmelden"]),
        // Everyday questions.
        ("Wie melde ich ein Gewerbe an?", &["gewerbe-anmelden"]),
        (
            "Welche Unterlagen brauche ich für die Eheschließung?",
            &["eheschliessung-anmelden"],
        ),
        ("Kennzeichen reservieren", &["wunschkennzeichen"]),
        ("Baum im Garten fällen", &["baumfaellung"]),
        ("Kind in der Schule anmelden", &["schulanmeldung"]),
        ("Was kostet ein Reisepass?", &["reisepass-beantragen"]),
        ("Mülltonne bestellen", &["abfallbehaelter"]),
        // English.
        ("I lost my ID card", &["personalausweis-verlust"]),
        ("dog tax", &["hundesteuer-anmelden"]),
        ("exchange my driving licence", &["fuehrerschein-umtausch"]),
        ("certificate of good conduct", &["fuehrungszeugnis"]),
        ("library card", &["bibliotheksausweis"]),
        ("apply for German citizenship", &["einbuergerung"]),
    ];
    let mut misses = Vec::new();
    for (question, expected) in cases {
        let (slug, _) = answer(&engine, question).await;
        if !slug.as_deref().is_some_and(|s| expected.contains(&s)) {
            let hits = knowledge.index.search(question, Lang::De, 3).unwrap();
            let top: Vec<String> = hits
                .hits
                .iter()
                .map(|h| format!("{} {:.2}", h.slug, h.confidence))
                .collect();
            misses.push(format!(
                "{question:?}: expected {expected:?}, answered {slug:?}; top {top:?}"
            ));
        }
    }
    assert!(
        misses.is_empty(),
        "{} of {} missed:\n{}",
        misses.len(),
        cases.len(),
        misses.join("\n")
    );
}

#[tokio::test]
async fn english_questions_are_answered_in_english() {
    let knowledge = knowledge();
    let engine = engine(&knowledge).await;
    for question in [
        "I lost my ID card",
        "How do I register my new flat?",
        "certificate of good conduct",
    ] {
        let (_, lang) = answer(&engine, question).await;
        assert_eq!(lang, "en", "{question}");
    }
    for question in ["Personalausweis verloren", "Wohnung anmelden"] {
        let (_, lang) = answer(&engine, question).await;
        assert_eq!(lang, "de", "{question}");
    }
}

#[tokio::test]
async fn questions_outside_the_city_services_are_not_answered() {
    let knowledge = knowledge();
    let engine = engine(&knowledge).await;
    let mut answered = Vec::new();
    for question in [
        "Wie wird das Wetter morgen?",
        "Wer ist der Bundeskanzler?",
        "Kannst du mir ein Gedicht schreiben?",
        "Wie sind die Lottozahlen?",
        "Bitcoin kaufen",
        "What is the capital of France?",
        "Ich liebe Pizza",
        "Wie funktioniert ein Verbrennungsmotor?",
        "xyzzy plugh",
        "Spielt RB Leipzig heute?",
        // Transaction words about things that are not the city's: no card for them.
        "Termin beim Friseur",
        "Ich will meine Stromrechnung bezahlen",
        "Ich möchte eine Pizza bestellen",
        "Wie melde ich mich bei Netflix an?",
    ] {
        let (slug, _) = answer(&engine, question).await;
        if let Some(slug) = slug {
            answered.push(format!("{question:?} -> {slug}"));
        }
    }
    assert!(
        answered.is_empty(),
        "out-of-scope questions answered:\n{}",
        answered.join("\n")
    );
}

async fn reply(engine: &Engine, question: &str) -> auskunft_channel::Reply {
    let inbound = Inbound {
        channel: Channel::Web,
        conversation: None,
        content: InboundContent::Text(question.to_string()),
        lang_hint: None,
    };
    engine.handle(inbound).await.expect("engine answers")
}

#[tokio::test]
async fn where_and_when_questions_about_one_office_get_that_offices_card() {
    use chrono::TimeZone;
    let knowledge = knowledge();
    // Saturday 28 November 2026, 11:00 in Leipzig.
    let saturday = chrono::Utc
        .with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
        .unwrap();
    let engine = engine(&knowledge)
        .await
        .with_clock(Arc::new(move || saturday));

    let grunau = reply(&engine, "Adresse Bürgerbüro Grünau").await;
    let card = grunau.messages[0].card.as_ref().expect("an office card");
    assert!(card.title.contains("Grünau"), "{}", card.title);
    assert!(
        card.passage.contains("Kiewer Straße 1-3"),
        "{}",
        card.passage
    );
    assert_eq!(grunau.service.unwrap().slug, "buergerbueros");

    let hotline = reply(&engine, "Ist das Bürgertelefon jetzt erreichbar?").await;
    let text = &hotline.messages[0].text;
    assert!(
        text.contains("Jetzt geschlossen; öffnet Montag 08:00 Uhr"),
        "{text}"
    );

    let registry = reply(&engine, "Where is the register office?").await;
    assert_eq!(registry.lang, "en");
    assert!(
        registry.messages[0].text.contains("Burgplatz 1"),
        "{}",
        registry.messages[0].text
    );

    // A question about all offices of a kind is answered by the service that lists them.
    let all = reply(&engine, "Bürgerbüro Öffnungszeiten").await;
    assert_eq!(all.service.unwrap().slug, "buergerbueros");
    assert!(
        all.messages[0]
            .card
            .as_ref()
            .unwrap()
            .title
            .contains("Standorte")
    );
}
