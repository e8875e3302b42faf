//! The conversation core behind [`Conversation`]: loads the conversation's state, decides what the
//! citizen wants, answers from the knowledge base (an answer card, "did you mean" buttons, or a polite
//! fallback), and saves the new state with the turn. No I/O of its own and no framework: it reaches
//! knowledge and storage through [`Retriever`] and [`SessionStore`], so tests run it with in-memory fakes.

pub mod texts;

use std::sync::Arc;

use auskunft_channel::{
    BoxFuture, Button, Channel, Conversation, ConversationError, Inbound, InboundContent,
    IntentMatch, Message, Reply, ServiceRef,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::knowledge::card::{answer_card, card_text, detail_text};
use crate::knowledge::offices::{OfficeHit, office_card};
use crate::knowledge::{IndexError, Knowledge, KnowledgeBase, Office, SearchResults, Service};
use crate::lang::Lang;
use crate::store::{SessionKey, SessionRecord, SessionStore, StoreError, TurnRecord};
use texts::texts;

/// Intent names of the public contract that this engine produces.
pub mod intent {
    /// A knowledge question about a service.
    pub const SERVICE_INFO: &str = "service.info";
    /// Nothing the assistant can answer.
    pub const FALLBACK: &str = "fallback";
}

/// How many times a turn is retried when another turn of the same conversation was saved in between.
const SAVE_ATTEMPTS: usize = 10;

/// The service describing the 115 line, offered with every fallback.
const HOTLINE_SERVICE: &str = "behoerdennummer-115";

/// The confidence from which a question is taken to name an office ("Bürgerbüro Grünau").
const OFFICE_CONFIDENCE: f32 = 0.75;

/// How many "did you mean" candidates are offered.
const SUGGESTIONS: usize = 3;

/// What the engine needs from the knowledge base.
pub trait Retriever: Send + Sync {
    /// Searches a question; `preferred` wins ties between languages.
    fn search(
        &self,
        question: &str,
        preferred: Lang,
        limit: usize,
    ) -> Result<SearchResults, IndexError>;
    /// The entries, to build cards from.
    fn knowledge(&self) -> &KnowledgeBase;
    /// Offices the question names, best first (positions in `knowledge().offices`), and the language
    /// the question was understood in.
    fn find_offices(&self, _question: &str) -> (Vec<OfficeHit>, Lang) {
        (Vec::new(), Lang::De)
    }
}

impl Retriever for Knowledge {
    fn search(
        &self,
        question: &str,
        preferred: Lang,
        limit: usize,
    ) -> Result<SearchResults, IndexError> {
        self.index.search(question, preferred, limit)
    }

    fn knowledge(&self) -> &KnowledgeBase {
        &self.base
    }

    fn find_offices(&self, question: &str) -> (Vec<OfficeHit>, Lang) {
        self.offices.find(question, OFFICE_CONFIDENCE)
    }
}

/// The engine's tunables (from the `[chat]` settings).
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    /// The confidence from which the best match is answered directly.
    pub answer_threshold: f32,
    /// The confidence from which weak matches are offered as "did you mean" buttons.
    pub suggest_threshold: f32,
    /// The longest text accepted, in characters.
    pub max_text_chars: usize,
    /// The language of a conversation that gives no hint.
    pub default_lang: Lang,
}

impl Default for EngineSettings {
    fn default() -> EngineSettings {
        EngineSettings {
            answer_threshold: 0.5,
            suggest_threshold: 0.3,
            max_text_chars: 2000,
            default_lang: Lang::De,
        }
    }
}

/// The dialogue state kept per conversation between turns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DialogueState {
    /// The service the last answer was about (for follow-up questions).
    #[serde(default)]
    pub last_service: Option<String>,
    /// Consecutive turns the assistant could not answer.
    #[serde(default)]
    pub failures: u32,
    /// Whether the language was chosen explicitly (then the question's language does not switch it).
    #[serde(default)]
    pub lang_fixed: bool,
}

/// What the engine decided to do with a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Answer with this service's card.
    Answer {
        /// The service.
        slug: String,
        /// How sure the match is.
        confidence: f32,
    },
    /// Offer these services as "did you mean" buttons.
    Suggest {
        /// Candidates, best first.
        slugs: Vec<String>,
        /// The best candidate's confidence.
        confidence: f32,
    },
    /// Nothing relevant.
    Fallback,
}

/// Decides between answer, suggestion and fallback from search results: the best hit is answered when it
/// covers enough of the question and no other hit is nearly as good.
pub fn decide(results: &SearchResults, settings: &EngineSettings) -> Decision {
    let Some(best) = results.hits.first() else {
        return Decision::Fallback;
    };
    if best.confidence < settings.suggest_threshold {
        return Decision::Fallback;
    }
    let runner_up_close = results.hits.get(1).is_some_and(|second| {
        second.confidence >= best.confidence - 0.02 && second.score >= best.score * 0.97
    });
    if best.confidence >= settings.answer_threshold && !runner_up_close {
        return Decision::Answer {
            slug: best.slug.clone(),
            confidence: best.confidence,
        };
    }
    let slugs = results
        .hits
        .iter()
        .filter(|hit| hit.confidence >= settings.suggest_threshold)
        .take(SUGGESTIONS)
        .map(|hit| hit.slug.clone())
        .collect();
    Decision::Suggest {
        slugs,
        confidence: best.confidence,
    }
}

/// The office a question names, if one stands out: it answers clearly better than the best service, or
/// as well and the question names it ("Standesamt", "Bürgerbüro Grünau").
pub fn office_decision(offices: &[OfficeHit], results: &SearchResults) -> Option<usize> {
    let best = offices.first()?;
    if offices
        .get(1)
        .is_some_and(|second| second.confidence > best.confidence - 0.1)
    {
        return None;
    }
    let best_service = results.hits.first().map_or(0.0, |hit| hit.confidence);
    let clearly_better = best.confidence > best_service + 0.05;
    let named = best.confidence >= best_service - 0.05 && best.phrase >= 0.6;
    (clearly_better || named).then_some(best.index)
}

/// The conversation core.
pub struct Engine {
    retriever: Arc<dyn Retriever>,
    store: Arc<dyn SessionStore>,
    settings: EngineSettings,
    clock: Clock,
}

/// Where the engine reads the time (replaceable in tests).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The outcome of one turn before it is saved.
struct Outcome {
    lang: Lang,
    state: DialogueState,
    intent: &'static str,
    confidence: f32,
    service: Option<ServiceRef>,
    messages: Vec<Message>,
}

impl Engine {
    /// An engine over this knowledge and store.
    pub fn new(
        retriever: Arc<dyn Retriever>,
        store: Arc<dyn SessionStore>,
        settings: EngineSettings,
    ) -> Engine {
        Engine {
            retriever,
            store,
            settings,
            clock: Arc::new(Utc::now),
        }
    }

    /// The same engine reading the time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Engine {
        self.clock = clock;
        self
    }

    /// The settings in force.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    async fn handle_turn(&self, inbound: Inbound) -> Result<Reply, ConversationError> {
        if let InboundContent::Text(text) = &inbound.content {
            let chars = text.chars().count();
            if chars > self.settings.max_text_chars {
                return Err(ConversationError::BadInput(format!(
                    "the text has {chars} characters; at most {} are accepted",
                    self.settings.max_text_chars
                )));
            }
        }
        let hint = inbound.lang_hint.as_deref().and_then(Lang::negotiate);
        for _ in 0..SAVE_ATTEMPTS {
            let (key, stored) = self.session_for(&inbound).await?;
            let state: DialogueState = match &stored {
                Some(record) => serde_json::from_str(&record.state).unwrap_or_else(|error| {
                    tracing::warn!(%error, "unreadable dialogue state, starting afresh");
                    DialogueState::default()
                }),
                None => DialogueState::default(),
            };
            let session_lang = stored.as_ref().and_then(|r| Lang::negotiate(&r.lang));
            let outcome = self.respond(&inbound.content, state, hint, session_lang)?;
            let now = (self.clock)();
            let record = SessionRecord {
                key: key.clone(),
                lang: outcome.lang.tag().to_string(),
                state: serde_json::to_string(&outcome.state)
                    .map_err(|e| internal("serialise state", &e))?,
                version: stored.as_ref().map_or(0, |r| r.version),
                created_at: stored.as_ref().map_or(now, |r| r.created_at),
                updated_at: now,
            };
            let (user_text, action) = match &inbound.content {
                InboundContent::Text(text) => (Some(text.clone()), None),
                InboundContent::Action(action) => (None, Some(action.clone())),
                InboundContent::Location { .. } => (None, Some("location".to_string())),
                InboundContent::Image { .. } => (None, Some("image".to_string())),
            };
            let turn = TurnRecord {
                at: now,
                user_text,
                action,
                intent: outcome.intent.to_string(),
                confidence: f64::from(outcome.confidence),
                service_slug: outcome.service.as_ref().map(|s| s.slug.clone()),
                reply_text: outcome
                    .messages
                    .iter()
                    .map(|m| m.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n\n"),
            };
            match self.store.save_turn(&record, &turn).await {
                Ok(()) => {
                    tracing::debug!(
                        intent = outcome.intent,
                        confidence = outcome.confidence,
                        "turn answered"
                    );
                    return Ok(Reply {
                        conversation: key.conversation,
                        lang: outcome.lang.tag().to_string(),
                        intent: IntentMatch {
                            name: outcome.intent.to_string(),
                            confidence: outcome.confidence,
                        },
                        service: outcome.service,
                        messages: outcome.messages,
                        handoff: false,
                    });
                }
                Err(StoreError::Conflict) => continue,
                Err(error) => return Err(internal("save the turn", &error)),
            }
        }
        Err(internal("save the turn", &"conflicting concurrent turns"))
    }

    /// Finds the stored conversation, or picks the key for a new one. A web conversation id the store
    /// does not know is replaced by a fresh one (a client cannot choose another's id).
    async fn session_for(
        &self,
        inbound: &Inbound,
    ) -> Result<(SessionKey, Option<SessionRecord>), ConversationError> {
        if let Some(conversation) = &inbound.conversation {
            let key = SessionKey {
                channel: inbound.channel,
                conversation: conversation.clone(),
            };
            let stored = self
                .store
                .load(&key)
                .await
                .map_err(|e| internal("load the conversation", &e))?;
            if stored.is_some() || inbound.channel != Channel::Web {
                return Ok((key, stored));
            }
        }
        let conversation = uuid::Uuid::new_v4().simple().to_string();
        Ok((
            SessionKey {
                channel: inbound.channel,
                conversation,
            },
            None,
        ))
    }

    /// Decides the answer to one message. Pure apart from the knowledge search.
    fn respond(
        &self,
        content: &InboundContent,
        mut state: DialogueState,
        hint: Option<Lang>,
        session_lang: Option<Lang>,
    ) -> Result<Outcome, ConversationError> {
        if hint.is_some() {
            state.lang_fixed = true;
        }
        let mut lang = hint.or(session_lang).unwrap_or(self.settings.default_lang);
        let knowledge = self.retriever.knowledge();
        match content {
            InboundContent::Text(text) if text.trim().is_empty() => {
                Ok(self.plain(lang, state, intent::FALLBACK, texts(lang).empty))
            }
            InboundContent::Text(text) => {
                let results = self
                    .retriever
                    .search(text.trim(), lang, SUGGESTIONS + 2)
                    .map_err(|e| internal("search", &e))?;
                let (offices, office_lang) = self.retriever.find_offices(text.trim());
                if let Some(office) =
                    office_decision(&offices, &results).and_then(|i| knowledge.offices.get(i))
                {
                    if !state.lang_fixed {
                        lang = office_lang;
                    }
                    return Ok(self.office(office, lang, state));
                }
                let decision = decide(&results, &self.settings);
                if !state.lang_fixed
                    && decision != Decision::Fallback
                    && results.lang != lang.search_lang()
                {
                    // Answer in the language the question was asked in.
                    lang = results.lang;
                }
                Ok(match decision {
                    Decision::Answer { slug, confidence } => match knowledge.service(&slug) {
                        Some(service) => self.answer(service, lang, state, confidence),
                        None => self.fallback(lang, state),
                    },
                    Decision::Suggest { slugs, confidence } => {
                        self.suggest(&slugs, lang, state, confidence)
                    }
                    Decision::Fallback => self.fallback(lang, state),
                })
            }
            InboundContent::Action(action) => {
                let (verb, argument) = action.split_once(':').unwrap_or((action.as_str(), ""));
                let service = knowledge.service(argument);
                if let ("office", Some(office)) = (verb, knowledge.office(argument)) {
                    return Ok(self.office(office, lang, state));
                }
                Ok(match (verb, service) {
                    ("service", Some(service)) => self.answer(service, lang, state, 1.0),
                    ("details", Some(service)) => {
                        let text = detail_text(knowledge, service, lang);
                        let mut outcome = self.plain(lang, state, intent::SERVICE_INFO, "");
                        outcome.messages = vec![Message {
                            text,
                            ..Message::default()
                        }];
                        outcome.service = Some(service_ref(service, lang));
                        outcome.state.last_service = Some(service.slug.clone());
                        outcome.confidence = 1.0;
                        outcome
                    }
                    ("lang", _) => match Lang::negotiate(argument) {
                        Some(chosen) => {
                            lang = chosen;
                            state.lang_fixed = true;
                            self.plain(lang, state, intent::FALLBACK, texts(lang).empty)
                        }
                        None => {
                            self.plain(lang, state, intent::FALLBACK, texts(lang).unknown_action)
                        }
                    },
                    _ => self.plain(lang, state, intent::FALLBACK, texts(lang).unknown_action),
                })
            }
            InboundContent::Location { .. } | InboundContent::Image { .. } => Ok(self.plain(
                lang,
                state,
                intent::FALLBACK,
                texts(lang).unsupported_content,
            )),
        }
    }

    fn plain(&self, lang: Lang, state: DialogueState, intent: &'static str, text: &str) -> Outcome {
        Outcome {
            lang,
            state,
            intent,
            confidence: 1.0,
            service: None,
            messages: vec![Message {
                text: text.to_string(),
                ..Message::default()
            }],
        }
    }

    fn answer(
        &self,
        service: &Service,
        lang: Lang,
        mut state: DialogueState,
        confidence: f32,
    ) -> Outcome {
        let knowledge = self.retriever.knowledge();
        let card = answer_card(knowledge, service, lang);
        let mut buttons = vec![Button {
            label: texts(lang).details.to_string(),
            action: format!("details:{}", service.slug),
        }];
        for related in service
            .related
            .iter()
            .filter_map(|slug| knowledge.service(slug))
            .take(2)
        {
            buttons.push(Button {
                label: related.text(lang).1.name.clone(),
                action: format!("service:{}", related.slug),
            });
        }
        state.last_service = Some(service.slug.clone());
        state.failures = 0;
        Outcome {
            lang,
            state,
            intent: intent::SERVICE_INFO,
            confidence,
            service: Some(service_ref(service, lang)),
            messages: vec![Message {
                text: card_text(&card, lang),
                card: Some(card),
                buttons,
            }],
        }
    }

    fn office(&self, office: &Office, lang: Lang, state: DialogueState) -> Outcome {
        let knowledge = self.retriever.knowledge();
        let card = office_card(office, (self.clock)(), lang);
        let service = office
            .service
            .as_deref()
            .and_then(|slug| knowledge.service(slug));
        let mut outcome = self.plain(lang, state, intent::SERVICE_INFO, "");
        outcome.service = service.map(|service| service_ref(service, lang));
        outcome.messages = vec![Message {
            text: card_text(&card, lang),
            card: Some(card),
            buttons: Vec::new(),
        }];
        outcome
    }

    fn suggest(
        &self,
        slugs: &[String],
        lang: Lang,
        state: DialogueState,
        confidence: f32,
    ) -> Outcome {
        let knowledge = self.retriever.knowledge();
        let buttons = slugs
            .iter()
            .filter_map(|slug| knowledge.service(slug))
            .map(|service| Button {
                label: service.text(lang).1.name.clone(),
                action: format!("service:{}", service.slug),
            })
            .collect();
        let mut outcome = self.plain(lang, state, intent::SERVICE_INFO, texts(lang).did_you_mean);
        outcome.confidence = confidence;
        outcome.messages[0].buttons = buttons;
        outcome
    }

    fn fallback(&self, lang: Lang, mut state: DialogueState) -> Outcome {
        state.failures += 1;
        let mut outcome = self.plain(lang, state, intent::FALLBACK, texts(lang).fallback);
        if let Some(hotline) = self.retriever.knowledge().service(HOTLINE_SERVICE) {
            let action = format!("service:{}", hotline.slug);
            outcome.messages[0].buttons = vec![Button {
                label: texts(lang).call_115.to_string(),
                action,
            }];
        }
        outcome
    }
}

/// The contract's reference to a service, in a language.
pub fn service_ref(service: &Service, lang: Lang) -> ServiceRef {
    ServiceRef {
        slug: service.slug.clone(),
        title: service.text(lang).1.name.clone(),
        url: service.source_url.clone(),
        leika: service.leika.clone(),
    }
}

/// Logs an internal failure under a fresh correlation id and returns the error a citizen may see.
fn internal(what: &str, error: &dyn std::fmt::Display) -> ConversationError {
    let correlation_id = uuid::Uuid::new_v4().simple().to_string();
    tracing::error!(%correlation_id, "failed to {what}: {error}");
    ConversationError::Internal { correlation_id }
}

impl Conversation for Engine {
    fn handle(&self, inbound: Inbound) -> BoxFuture<'_, Result<Reply, ConversationError>> {
        Box::pin(self.handle_turn(inbound))
    }
}

#[cfg(test)]
mod tests;
