//! The conversation core behind [`Conversation`]: loads the conversation's state, understands the message
//! (language, intent, entities), continues a form or answers from the knowledge base, and saves the new
//! state with the turn. No I/O of its own and no framework: it reaches knowledge, storage, the handoff
//! queue and transaction handlers through the ports below, so tests run it with in-memory fakes.

pub mod dialogue;
mod policy;
pub mod slots;
pub mod texts;

use std::collections::BTreeMap;
use std::sync::Arc;

use auskunft_channel::{
    BoxFuture, Button, Channel, Conversation, ConversationError, Inbound, InboundContent,
    IntentMatch, Message, Reply, ServiceRef,
};
use chrono::{DateTime, Utc};

use crate::knowledge::offices::OfficeHit;
use crate::knowledge::{
    CourseCatalog, IndexError, Knowledge, KnowledgeBase, SearchResults, Service,
};
use crate::lang::Lang;
use crate::nlu::Nlu;
use crate::store::{
    Handoff, HandoffQueue, SessionKey, SessionRecord, SessionStore, StoreError, TurnRecord,
};
pub use dialogue::{Dialogue, DialogueState, Slots};
pub use policy::{
    Decision, Thresholds, course_details, course_line, course_line_with, decide, local_date,
    office_decision, percent_decode, percent_encode,
};

/// Intent names of the public contract that the engine itself produces.
pub mod intent {
    /// A knowledge question about a service.
    pub const SERVICE_INFO: &str = "service.info";
    /// Nothing the assistant can answer.
    pub const FALLBACK: &str = "fallback";
    /// The conversation goes to a human.
    pub const HANDOFF: &str = "human.handoff";
    /// A greeting (also "who are you").
    pub const GREET: &str = "smalltalk.greet";
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
    /// The facets a question asks for ("fees", "place" ...) and how many of its words are not facet
    /// words: a question of facet words alone is a follow-up ("und was kostet das?").
    fn facets(&self, _question: &str, _lang: Lang) -> (Vec<String>, usize) {
        (Vec::new(), usize::MAX)
    }
    /// The course catalogue.
    fn courses(&self) -> Option<&CourseCatalog> {
        None
    }
    /// The learned ranker's decision thresholds for questions in a language; none: the results'
    /// coverage and the settings decide.
    fn thresholds(&self, _lang: Lang) -> Option<Thresholds> {
        None
    }
}

impl Retriever for Knowledge {
    fn search(
        &self,
        question: &str,
        preferred: Lang,
        limit: usize,
    ) -> Result<SearchResults, IndexError> {
        Knowledge::search(self, question, preferred, limit)
    }

    fn knowledge(&self) -> &KnowledgeBase {
        &self.base
    }

    fn find_offices(&self, question: &str) -> (Vec<OfficeHit>, Lang) {
        self.offices.find(question, OFFICE_CONFIDENCE)
    }

    fn facets(&self, question: &str, lang: Lang) -> (Vec<String>, usize) {
        let analyzed = self.index.analyzer(lang).analyze_query(question);
        let facets = analyzed
            .words
            .iter()
            .filter_map(|w| w.facet.clone())
            .collect();
        let others = analyzed.words.iter().filter(|w| w.facet.is_none()).count();
        (facets, others)
    }

    fn courses(&self) -> Option<&CourseCatalog> {
        Some(&self.courses)
    }

    fn thresholds(&self, lang: Lang) -> Option<Thresholds> {
        self.ranker.model.as_ref().map(|model| {
            let decision = model.decision(lang);
            Thresholds {
                answer: decision.answer,
                sure: decision.sure,
                suggest: decision.suggest,
                over_intent: decision.sure,
                learned: true,
            }
        })
    }
}

/// Where a form's commit runs: the conversation and a key that is the same for a retried turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitContext {
    /// The conversation.
    pub key: SessionKey,
    /// Unique per conversation turn: a transaction takes it as its idempotency key.
    pub idempotency_key: String,
    /// The time of the turn.
    pub now: DateTime<Utc>,
}

/// A transaction (or query) behind a form: validates slots, offers choices, summarises, commits.
pub trait FormHandler: Send + Sync {
    /// Checks and normalises a slot's value given the other slots; the error is a sentence for the
    /// citizen, in their language.
    fn validate(
        &self,
        _slot: &str,
        value: &str,
        _filled: &Slots,
        _lang: Lang,
    ) -> Result<String, String> {
        Ok(value.to_string())
    }
    /// A sentence said with the question for a slot (a caveat about what is offered).
    fn question_note(&self, _slot: &str, _filled: &Slots, _lang: Lang) -> Option<String> {
        None
    }
    /// Buttons to offer when asking for a slot.
    fn options<'a>(
        &'a self,
        _slot: &'a str,
        _filled: &'a Slots,
        _context: &'a CommitContext,
        _lang: Lang,
    ) -> BoxFuture<'a, Vec<Button>> {
        Box::pin(async { Vec::new() })
    }
    /// Acts on the slots before the next question: derives or drops dependent slots, holds resources
    /// (a reservation while the citizen types the rest); the messages say what happened.
    /// The form is abandoned ("abbrechen"): let go of whatever it holds (a reserved slot).
    fn abandon<'a>(&'a self, _filled: &'a Slots, _context: &'a CommitContext) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    fn prepare<'a>(
        &'a self,
        _slots: &'a mut Slots,
        _context: &'a CommitContext,
        _lang: Lang,
    ) -> BoxFuture<'a, Vec<Message>> {
        Box::pin(async { Vec::new() })
    }
    /// Takes a photo for a slot of entity type `photo`: the slot's value (an upload id), or a sentence
    /// for the citizen saying why not.
    fn accept_photo<'a>(
        &'a self,
        _slot: &'a str,
        _mime: &'a str,
        _bytes: &'a [u8],
        _lang: Lang,
    ) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async { Err(String::new()) })
    }
    /// Whether the form commits without a summary to confirm this time (a status inquiry changes
    /// nothing, so it needs no "Stimmt das so?").
    fn skip_confirmation(&self, _filled: &Slots) -> bool {
        false
    }
    /// Whether an optional slot must be asked for, given the others (an e-mail address for a reminder).
    fn needs(&self, _slot: &str, _filled: &Slots) -> bool {
        false
    }
    /// The knowledge entry the filled slots are about (the certificate's kind), shown as the answer's
    /// `service`; none: the form's default entry.
    fn service(&self, _filled: &Slots) -> Option<String> {
        None
    }
    /// The summary the citizen confirms.
    fn summarise(&self, filled: &Slots, lang: Lang) -> String;
    /// Does it; the messages to show. An `Err` is a sentence for the citizen (the form stays open).
    fn commit<'a>(
        &'a self,
        filled: &'a Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Result<Vec<Message>, String>>;
}

/// Reads what a photo shows (the QR code of a notice) and turns it into the action to run.
pub trait ImageReader: Send + Sync {
    /// The action the image stands for, if any (`form:notice.pay?...`).
    fn read<'a>(&'a self, mime: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, Option<String>>;
}

/// Whether agents are on duty at a moment under a schedule (none: always).
pub fn on_duty(duty: Option<&opening_hours::OpeningHours>, now: DateTime<Utc>) -> bool {
    duty.is_none_or(|hours| {
        hours.is_open(
            now.with_timezone(&crate::knowledge::offices::TIME_ZONE)
                .naive_local(),
        )
    })
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
    /// When agents take handed-off chats (opening-hours syntax, Leipzig time); none: always.
    pub duty_hours: Option<String>,
}

impl Default for EngineSettings {
    fn default() -> EngineSettings {
        EngineSettings {
            answer_threshold: 0.5,
            suggest_threshold: 0.3,
            max_text_chars: 2000,
            default_lang: Lang::De,
            duty_hours: None,
        }
    }
}

/// Where the engine reads the time (replaceable in tests).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The conversation core.
pub struct Engine {
    retriever: Arc<dyn Retriever>,
    store: Arc<dyn SessionStore>,
    settings: EngineSettings,
    clock: Clock,
    nlu: Option<Arc<Nlu>>,
    handlers: BTreeMap<String, Arc<dyn FormHandler>>,
    handoffs: Option<Arc<dyn HandoffQueue>>,
    images: Option<Arc<dyn ImageReader>>,
    /// When agents take handed-off chats; none: always.
    duty: Option<Arc<opening_hours::OpeningHours>>,
}

/// Something to do after the turn is saved.
#[derive(Debug, Clone, PartialEq)]
enum Effect {
    /// Queue the conversation for an agent, with the reason.
    Handoff(&'static str),
}

/// The outcome of one turn before it is saved.
struct Outcome {
    lang: Lang,
    state: DialogueState,
    intent: String,
    confidence: f32,
    service: Option<ServiceRef>,
    messages: Vec<Message>,
    handoff: bool,
    effects: Vec<Effect>,
}

impl Engine {
    /// An engine over this knowledge and store: knowledge answers only, until [`Engine::with_nlu`].
    pub fn new(
        retriever: Arc<dyn Retriever>,
        store: Arc<dyn SessionStore>,
        settings: EngineSettings,
    ) -> Engine {
        let duty = settings.duty_hours.as_deref().and_then(|hours| {
            crate::knowledge::offices::parse_hours(hours)
                .map_err(|error| tracing::warn!(%error, "agents.duty_hours cannot be read: always on duty"))
                .ok()
                .map(Arc::new)
        });
        Engine {
            duty,
            retriever,
            store,
            settings,
            clock: Arc::new(Utc::now),
            nlu: None,
            handlers: BTreeMap::new(),
            handoffs: None,
            images: None,
        }
    }

    /// The same engine reading photos with this reader.
    pub fn with_image_reader(mut self, reader: Arc<dyn ImageReader>) -> Engine {
        self.images = Some(reader);
        self
    }

    /// The same engine reading the time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Engine {
        self.clock = clock;
        self
    }

    /// The same engine understanding intents, entities and languages.
    pub fn with_nlu(mut self, nlu: Arc<Nlu>) -> Engine {
        self.nlu = Some(nlu);
        self
    }

    /// The same engine with a handler for the forms that name it.
    pub fn with_handler(mut self, name: &str, handler: Arc<dyn FormHandler>) -> Engine {
        self.handlers.insert(name.to_string(), handler);
        self
    }

    /// The same engine queueing handed-off conversations here.
    pub fn with_handoffs(mut self, queue: Arc<dyn HandoffQueue>) -> Engine {
        self.handoffs = Some(queue);
        self
    }

    /// Whether agents are on duty now (they take handed-off chats).
    pub fn on_duty(&self) -> bool {
        on_duty(self.duty.as_deref(), (self.clock)())
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
        let hint = inbound
            .lang_hint
            .as_deref()
            .and_then(crate::nlu::language::negotiate);
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
            let version = stored.as_ref().map_or(0, |r| r.version);
            let now = (self.clock)();
            let context = CommitContext {
                key: key.clone(),
                idempotency_key: format!("{}:{}:{}", key.channel, key.conversation, version + 1),
                now,
            };
            let outcome = self
                .respond(&inbound.content, state, hint, session_lang, &context)
                .await?;
            let record = SessionRecord {
                key: key.clone(),
                lang: outcome.lang.tag().to_string(),
                state: serde_json::to_string(&outcome.state)
                    .map_err(|e| internal("serialise state", &e))?,
                version,
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
                intent: outcome.intent.clone(),
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
                    self.apply_effects(&key, &outcome, now).await;
                    tracing::debug!(intent = %outcome.intent, confidence = outcome.confidence, "turn answered");
                    return Ok(Reply {
                        conversation: key.conversation,
                        lang: outcome.lang.tag().to_string(),
                        intent: IntentMatch {
                            name: outcome.intent,
                            confidence: outcome.confidence,
                        },
                        service: outcome.service,
                        messages: outcome.messages,
                        handoff: outcome.handoff,
                        turn: u64::try_from(version + 1).unwrap_or_default(),
                    });
                }
                Err(StoreError::Conflict) => continue,
                Err(error) => return Err(internal("save the turn", &error)),
            }
        }
        Err(internal("save the turn", &"conflicting concurrent turns"))
    }

    async fn apply_effects(&self, key: &SessionKey, outcome: &Outcome, now: DateTime<Utc>) {
        for effect in &outcome.effects {
            match effect {
                Effect::Handoff(reason) => {
                    let Some(queue) = &self.handoffs else {
                        continue;
                    };
                    let handoff = Handoff {
                        key: key.clone(),
                        reason: reason.to_string(),
                        lang: outcome.lang.tag().to_string(),
                        created_at: now,
                        taken_by: None,
                    };
                    if let Err(error) = queue.enqueue(&handoff).await {
                        // The state says "handed off" and the next message retries the queueing.
                        tracing::error!(%error, "failed to queue a handoff");
                    }
                }
            }
        }
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
