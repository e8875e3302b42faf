//! Engine tests with in-memory fakes: a scripted retriever over a three-service knowledge base and the
//! in-memory store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use auskunft_channel::{BoxFuture, Channel, Conversation, Inbound, InboundContent};
use chrono::NaiveDate;

use super::*;
use crate::knowledge::model::{Fee, ServiceText};
use crate::knowledge::{SearchHit, SearchResults};
use crate::store::{MemoryStore, Result as StoreResult};

fn service(slug: &str, name_de: &str, name_en: &str) -> Service {
    let german = ServiceText {
        name: name_de.to_string(),
        answer: format!("So geht {name_de}."),
        full_text: format!("Alles über {name_de}."),
        documents: vec!["Ausweis".to_string()],
        fee_labels: [("standard".to_string(), "für alle".to_string())].into(),
        ..ServiceText::default()
    };
    let english = ServiceText {
        name: name_en.to_string(),
        answer: format!("This is how {name_en} works."),
        full_text: format!("All about {name_en}."),
        fee_labels: [("standard".to_string(), "for everyone".to_string())].into(),
        ..ServiceText::default()
    };
    Service {
        slug: slug.to_string(),
        leika: Some("99008001012000".to_string()),
        area: "Ausweise".to_string(),
        city_service: true,
        bookable: false,
        offices: Vec::new(),
        online_service: None,
        source_url: "https://www.leipzig.de/".to_string(),
        as_of: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        related: vec!["reisepass-beantragen".to_string()],
        fees: vec![Fee {
            id: "standard".to_string(),
            amount_cents: 4600,
            from: false,
            unit: None,
        }],
        texts: BTreeMap::from([(Lang::De, german), (Lang::En, english)]),
        file: "test".into(),
    }
}

/// Answers each question with scripted results.
struct ScriptedRetriever {
    knowledge: KnowledgeBase,
    answers: HashMap<String, SearchResults>,
}

fn hit(slug: &str, score: f32, confidence: f32) -> SearchHit {
    SearchHit {
        slug: slug.to_string(),
        score,
        confidence,
        phrase: 0.0,
        probability: confidence,
    }
}

fn results(lang: Lang, hits: Vec<SearchHit>) -> SearchResults {
    SearchResults {
        meaningful_words: 2,
        lang,
        hits,
    }
}

impl Retriever for ScriptedRetriever {
    fn search(
        &self,
        question: &str,
        _preferred: Lang,
        _limit: usize,
    ) -> Result<SearchResults, IndexError> {
        Ok(self
            .answers
            .get(question)
            .cloned()
            .unwrap_or_else(|| results(Lang::De, Vec::new())))
    }

    fn knowledge(&self) -> &KnowledgeBase {
        &self.knowledge
    }
}

fn retriever() -> ScriptedRetriever {
    let knowledge = KnowledgeBase::new(
        vec![
            service(
                "personalausweis-beantragen",
                "Personalausweis beantragen",
                "Apply for an identity card",
            ),
            service(
                "reisepass-beantragen",
                "Reisepass beantragen",
                "Apply for a passport",
            ),
            service(
                "behoerdennummer-115",
                "Behördennummer 115",
                "The 115 number",
            ),
        ],
        Vec::new(),
        HashMap::new(),
    );
    let answers = HashMap::from([
        (
            "Perso".to_string(),
            results(
                Lang::De,
                vec![
                    hit("personalausweis-beantragen", 10.0, 0.9),
                    hit("reisepass-beantragen", 2.0, 0.3),
                ],
            ),
        ),
        (
            "Ausweis".to_string(),
            results(
                Lang::De,
                vec![
                    hit("personalausweis-beantragen", 5.0, 0.45),
                    hit("reisepass-beantragen", 4.0, 0.4),
                ],
            ),
        ),
        (
            "ID card".to_string(),
            results(Lang::En, vec![hit("personalausweis-beantragen", 8.0, 0.8)]),
        ),
        (
            "Dokument".to_string(),
            results(
                Lang::De,
                vec![
                    hit("personalausweis-beantragen", 5.0, 0.7),
                    hit("reisepass-beantragen", 4.9, 0.7),
                ],
            ),
        ),
    ]);
    ScriptedRetriever { knowledge, answers }
}

fn engine() -> Engine {
    Engine::new(
        Arc::new(retriever()),
        Arc::new(MemoryStore::new()),
        EngineSettings::default(),
    )
}

fn text(conversation: Option<&str>, text: &str) -> Inbound {
    Inbound {
        channel: Channel::Web,
        conversation: conversation.map(String::from),
        content: InboundContent::Text(text.to_string()),
        lang_hint: None,
    }
}

fn action(conversation: &str, action: &str) -> Inbound {
    Inbound {
        channel: Channel::Web,
        conversation: Some(conversation.to_string()),
        content: InboundContent::Action(action.to_string()),
        lang_hint: None,
    }
}

#[tokio::test]
async fn a_clear_match_is_answered_with_the_card_of_the_service() {
    let reply = engine().handle(text(None, "Perso")).await.unwrap();
    assert_eq!(reply.intent.name, "service.info");
    assert_eq!(
        reply.service.as_ref().unwrap().slug,
        "personalausweis-beantragen"
    );
    let message = &reply.messages[0];
    let card = message.card.as_ref().expect("an answer card");
    assert_eq!(card.title, "Personalausweis beantragen");
    assert_eq!(card.fees, ["46,00 EUR: für alle"]);
    assert!(message.text.contains("So geht Personalausweis beantragen."));
    assert!(message.text.contains("Stand: 23.11.2026"));
    let actions: Vec<&str> = message.buttons.iter().map(|b| b.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "details:personalausweis-beantragen",
            "service:reisepass-beantragen"
        ]
    );
}

#[tokio::test]
async fn a_weak_match_offers_the_candidates_as_buttons_without_claiming_a_service() {
    let reply = engine().handle(text(None, "Ausweis")).await.unwrap();
    assert_eq!(reply.service, None);
    let actions: Vec<&str> = reply.messages[0]
        .buttons
        .iter()
        .map(|b| b.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "service:personalausweis-beantragen",
            "service:reisepass-beantragen"
        ]
    );
}

#[tokio::test]
async fn two_equally_good_matches_are_offered_rather_than_guessed() {
    let reply = engine().handle(text(None, "Dokument")).await.unwrap();
    assert_eq!(reply.service, None);
    assert_eq!(reply.messages[0].buttons.len(), 2);
}

#[tokio::test]
async fn nothing_relevant_gets_the_fallback_pointing_to_115_and_counts_the_failure() {
    let engine = engine();
    let reply = engine
        .handle(text(None, "Wie backe ich Brot?"))
        .await
        .unwrap();
    assert_eq!(reply.intent.name, "fallback");
    assert_eq!(reply.service, None);
    assert!(reply.messages[0].text.contains("115"));
    assert_eq!(
        reply.messages[0].buttons[0].action,
        "service:behoerdennummer-115"
    );

    let conversation = reply.conversation.clone();
    engine
        .handle(text(Some(&conversation), "Empfiehl mir einen Film"))
        .await
        .unwrap();
    let key = SessionKey {
        channel: Channel::Web,
        conversation,
    };
    let stored = engine.store.load(&key).await.unwrap().unwrap();
    let state: DialogueState = serde_json::from_str(&stored.state).unwrap();
    assert_eq!(state.failures, 2);
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn buttons_show_details_and_other_services() {
    let engine = engine();
    let first = engine.handle(text(None, "Perso")).await.unwrap();
    let details = engine
        .handle(action(
            &first.conversation,
            "details:personalausweis-beantragen",
        ))
        .await
        .unwrap();
    assert_eq!(details.conversation, first.conversation);
    assert!(
        details.messages[0]
            .text
            .contains("Alles über Personalausweis beantragen.")
    );
    let other = engine
        .handle(action(&first.conversation, "service:reisepass-beantragen"))
        .await
        .unwrap();
    assert_eq!(other.service.unwrap().slug, "reisepass-beantragen");
}

#[tokio::test]
async fn an_unknown_action_gets_a_polite_reply_not_an_error() {
    let engine = engine();
    let first = engine.handle(text(None, "Perso")).await.unwrap();
    for unknown in ["details:gibt-es-nicht", "explode", "service:"] {
        let reply = engine
            .handle(action(&first.conversation, unknown))
            .await
            .unwrap();
        assert_eq!(reply.intent.name, "fallback");
        assert_eq!(reply.service, None);
        assert!(reply.messages[0].text.contains("nicht mehr gültig"));
    }
}

#[tokio::test]
async fn an_english_question_is_answered_in_english_unless_a_language_was_chosen() {
    let engine = engine();
    let reply = engine.handle(text(None, "ID card")).await.unwrap();
    assert_eq!(reply.lang, "en");
    assert_eq!(reply.service.unwrap().title, "Apply for an identity card");
    assert!(reply.messages[0].text.contains("EUR 46.00: for everyone"));

    let mut german = text(None, "ID card");
    german.lang_hint = Some("de-DE".to_string());
    let reply = engine.handle(german).await.unwrap();
    assert_eq!(reply.lang, "de");
    assert_eq!(reply.service.unwrap().title, "Personalausweis beantragen");
}

#[tokio::test]
async fn an_unknown_web_session_id_starts_a_fresh_conversation_under_a_new_id() {
    let reply = engine()
        .handle(text(Some("made-up-by-the-client"), "Perso"))
        .await
        .unwrap();
    assert_ne!(reply.conversation, "made-up-by-the-client");
    assert_eq!(reply.conversation.len(), 32);
}

#[tokio::test]
async fn a_messenger_conversation_keeps_the_channels_own_id() {
    let mut inbound = text(Some("telegram-chat-4711"), "Perso");
    inbound.channel = Channel::Telegram;
    let reply = engine().handle(inbound).await.unwrap();
    assert_eq!(reply.conversation, "telegram-chat-4711");
}

#[tokio::test]
async fn over_long_text_is_rejected_as_bad_input() {
    let long = "a".repeat(2001);
    let error = engine().handle(text(None, &long)).await.unwrap_err();
    assert!(matches!(error, ConversationError::BadInput(reason) if reason.contains("2001")));
}

/// A store whose first save conflicts, as if another turn of the same conversation came in between.
struct ConflictOnce {
    inner: MemoryStore,
    conflicted: Mutex<bool>,
}

impl SessionStore for ConflictOnce {
    fn load<'a>(
        &'a self,
        key: &'a SessionKey,
    ) -> BoxFuture<'a, StoreResult<Option<SessionRecord>>> {
        self.inner.load(key)
    }

    fn save_turn<'a>(
        &'a self,
        session: &'a SessionRecord,
        turn: &'a TurnRecord,
    ) -> BoxFuture<'a, StoreResult<()>> {
        let mut conflicted = self.conflicted.lock().unwrap();
        if !*conflicted {
            *conflicted = true;
            return Box::pin(async { Err(StoreError::Conflict) });
        }
        self.inner.save_turn(session, turn)
    }

    fn turns<'a>(
        &'a self,
        key: &'a SessionKey,
        limit: u32,
    ) -> BoxFuture<'a, StoreResult<Vec<TurnRecord>>> {
        self.inner.turns(key, limit)
    }

    fn delete_idle_before(&self, before: chrono::DateTime<Utc>) -> BoxFuture<'_, StoreResult<u64>> {
        self.inner.delete_idle_before(before)
    }
}

#[tokio::test]
async fn a_turn_that_conflicts_with_a_concurrent_one_is_retried_and_saved_once() {
    let store = Arc::new(ConflictOnce {
        inner: MemoryStore::new(),
        conflicted: Mutex::new(false),
    });
    let engine = Engine::new(
        Arc::new(retriever()),
        Arc::clone(&store) as Arc<dyn SessionStore>,
        EngineSettings::default(),
    );
    let reply = engine.handle(text(None, "Perso")).await.unwrap();
    let key = SessionKey {
        channel: Channel::Web,
        conversation: reply.conversation,
    };
    assert_eq!(store.inner.turns(&key, 10).await.unwrap().len(), 1);
}

#[test]
fn decisions_follow_the_thresholds() {
    let settings = Thresholds::from_settings(&EngineSettings::default());
    assert_eq!(
        decide(&results(Lang::De, vec![]), &settings),
        Decision::Fallback
    );
    assert_eq!(
        decide(&results(Lang::De, vec![hit("a", 1.0, 0.29)]), &settings),
        Decision::Fallback
    );
    assert_eq!(
        decide(&results(Lang::De, vec![hit("a", 1.0, 0.4)]), &settings),
        Decision::Suggest {
            slugs: vec!["a".to_string()],
            confidence: 0.4
        }
    );
    assert_eq!(
        decide(
            &results(Lang::De, vec![hit("a", 1.0, 0.6), hit("b", 0.5, 0.6)]),
            &settings
        ),
        Decision::Answer {
            slug: "a".to_string(),
            confidence: 0.6,
            alternatives: Vec::new(),
        }
    );
}

#[test]
fn a_learned_probability_answers_likely_hits_with_their_runners_up_and_refuses_unlikely_ones() {
    let learned = Thresholds {
        answer: 0.6,
        sure: 0.9,
        suggest: 0.3,
        over_intent: 0.9,
        learned: true,
    };
    let ranked = |probabilities: &[(&str, f32)]| {
        results(
            Lang::De,
            probabilities
                .iter()
                .map(|(slug, p)| SearchHit {
                    probability: *p,
                    ..hit(slug, 1.0, 0.1)
                })
                .collect(),
        )
    };
    // Sure: the answer alone, however little of the question the entry's words cover.
    assert_eq!(
        decide(&ranked(&[("a", 0.95), ("b", 0.4)]), &learned),
        Decision::Answer {
            slug: "a".into(),
            confidence: 0.95,
            alternatives: Vec::new()
        }
    );
    // Likely: answered, the plausible runners-up offered beside it.
    assert_eq!(
        decide(&ranked(&[("a", 0.7), ("b", 0.2), ("c", 0.05)]), &learned),
        Decision::Answer {
            slug: "a".into(),
            confidence: 0.7,
            alternatives: vec!["b".into()]
        }
    );
    // Unsure which, but likely one of three: "did you mean".
    assert_eq!(
        decide(
            &ranked(&[("a", 0.3), ("b", 0.25), ("c", 0.2), ("d", 0.1)]),
            &learned
        ),
        Decision::Suggest {
            slugs: vec!["a".into(), "b".into(), "c".into()],
            confidence: 0.3
        }
    );
    // Likely none of them: refused.
    assert_eq!(
        decide(&ranked(&[("a", 0.15), ("b", 0.1)]), &learned),
        Decision::Fallback
    );
}

#[test]
fn slot_values_survive_a_button_round_trip() {
    use crate::engine::{percent_decode, percent_encode};
    for value in [
        "T-KMXP-4821 483920",
        "buergerbuero-mitte@1795676400",
        "Straße & Platz 100%",
        "a+b",
    ] {
        assert_eq!(percent_decode(&percent_encode(value)), value);
    }
    assert_eq!(percent_encode("T-KMXP-4821 483920"), "T-KMXP-4821%20483920");
    assert_eq!(percent_decode("a+b%2Bc"), "a b+c");
    assert_eq!(percent_decode("100%"), "100%", "an invalid escape stays");
}
