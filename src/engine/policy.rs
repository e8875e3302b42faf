//! The dialogue policy: what to answer to one message, given the conversation's state. Forms are filled
//! from entities (several slots at once; a new value of a filled slot's type corrects it), questions in
//! between are answered and the form resumes, "abbrechen" cancels; outside a form the classifier's intent
//! and the knowledge search decide between smalltalk, a transaction, a knowledge answer, a follow-up about
//! the last service, clarification, and the fallback (handed to a human after two failures).

use auskunft_channel::{Button, InboundContent, Message, ServiceRef};
use chrono::{DateTime, NaiveDate, Utc};

use super::dialogue::{Dialogue, DialogueState, Slots};
use super::slots;
use super::texts::texts;
use super::{
    CommitContext, Effect, Engine, FormHandler, HOTLINE_SERVICE, Outcome, SUGGESTIONS, intent,
    service_ref,
};
use crate::knowledge::card::{
    answer_card, card_text, describe_offices, detail_text, format_euros, format_fee,
};
use crate::knowledge::courses::Course;
use crate::knowledge::offices::{OfficeHit, TIME_ZONE, office_card};
use crate::knowledge::{Office, SearchHit, SearchResults, Service};
use crate::lang::Lang;
use crate::nlu::entities::{Entities, Entity};
use crate::nlu::{Form, Nlu};
use auskunft_channel::ConversationError;

/// The probability from which the classifier's intent (other than service.info) is acted upon.
const INTENT_THRESHOLD: f32 = 0.5;

/// An intent guess gives way to a knowledge answer this confident (about an entry that is not the
/// intent's own), unless the guess is surer still.
const SERVICE_OVER_INTENT: f32 = 0.7;
const SURE_INTENT: f32 = 0.85;

/// The classifier's probability from which a statement carrying a transaction's own value ("Schlagloch")
/// starts that transaction.
const TOLD_INTENT: f32 = 0.6;

/// Where a handed-off conversation stands.
enum HandoffState {
    /// Waiting for an agent.
    Waiting,
    /// An agent has taken it over.
    Taken,
    /// The agent gave it back (or it was never queued): the assistant answers again.
    Closed,
}

/// How much of a question one of the intent's own entries must cover to ground a sure intent
/// ("In unserer Straße ist ein großes Schlagloch" and the Mängelmelder entry).
const RELATED_GROUNDING: f32 = 0.35;

/// Consecutive failures after which the conversation is handed to a human.
const FAILURES_BEFORE_HANDOFF: u32 = 2;

/// What the engine decided to do with a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Answer with this service's card.
    Answer {
        /// The service.
        slug: String,
        /// How sure the match is.
        confidence: f32,
        /// Likely runners-up, offered as buttons beside the answer (the answer is likely, not sure).
        alternatives: Vec<String>,
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

/// The learned probability from which a candidate is plausible: offered beside a likely answer, and enough
/// to ground a sure intent.
const PLAUSIBLE: f32 = 0.1;

/// Where the probabilities of the search results turn into decisions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// From here the best hit is answered directly.
    pub answer: f32,
    /// From here it is answered without alternatives.
    pub sure: f32,
    /// From here (below `answer`) hits are offered as "did you mean"; below it, the question is refused.
    /// For a learned ranker: the probability that the service is among the three best.
    pub suggest: f32,
    /// From here a knowledge answer about an entry outside an unsure intent's own wins over the intent.
    pub over_intent: f32,
    /// Whether the probabilities are a learned ranker's (else: the coverage of the question).
    pub learned: bool,
}

impl Thresholds {
    /// The thresholds of the coverage-based decision, from the settings (no learned ranker).
    pub fn from_settings(settings: &super::EngineSettings) -> Thresholds {
        Thresholds {
            answer: settings.answer_threshold,
            sure: settings.answer_threshold,
            suggest: settings.suggest_threshold,
            over_intent: SERVICE_OVER_INTENT,
            learned: false,
        }
    }

    /// Whether a hit is likely enough to answer.
    pub fn answers(&self, hit: &SearchHit) -> bool {
        hit.probability >= self.answer
    }

    /// Whether a hit is a plausible candidate at all (a runner-up worth a button).
    pub fn plausible(&self, hit: &SearchHit) -> bool {
        if self.learned {
            hit.probability >= PLAUSIBLE
        } else {
            hit.probability >= self.suggest
        }
    }
}

/// Decides between answer, suggestion and fallback from search results. With a learned ranker the
/// calibrated probability decides: answered from `answer` (with the likely runners-up as buttons below
/// `sure`), suggested from `suggest`, else refused. Without one, the best hit is answered when it covers
/// enough of the question and no other hit is nearly as good.
pub fn decide(results: &SearchResults, thresholds: &Thresholds) -> Decision {
    let Some(best) = results.hits.first() else {
        return Decision::Fallback;
    };
    if thresholds.learned {
        let plausible: Vec<String> = results
            .hits
            .iter()
            .filter(|hit| thresholds.plausible(hit))
            .take(SUGGESTIONS)
            .map(|hit| hit.slug.clone())
            .collect();
        if thresholds.answers(best) {
            let alternatives = if best.probability < thresholds.sure {
                plausible.into_iter().skip(1).take(2).collect()
            } else {
                Vec::new()
            };
            return Decision::Answer {
                slug: best.slug.clone(),
                confidence: best.probability,
                alternatives,
            };
        }
        let among_three: f32 = results
            .hits
            .iter()
            .take(SUGGESTIONS)
            .map(|h| h.probability)
            .sum();
        if among_three >= thresholds.suggest {
            return Decision::Suggest {
                slugs: results
                    .hits
                    .iter()
                    .take(SUGGESTIONS)
                    .map(|hit| hit.slug.clone())
                    .collect(),
                confidence: best.probability,
            };
        }
        return Decision::Fallback;
    }
    if best.confidence < thresholds.suggest {
        return Decision::Fallback;
    }
    let runner_up_close = results.hits.get(1).is_some_and(|second| {
        second.confidence >= best.confidence - 0.02
            && second.phrase >= best.phrase - 0.1
            && second.score >= best.score * 0.85
    });
    if best.confidence >= thresholds.answer && !runner_up_close {
        return Decision::Answer {
            slug: best.slug.clone(),
            confidence: best.confidence,
            alternatives: Vec::new(),
        };
    }
    let slugs = results
        .hits
        .iter()
        .filter(|hit| hit.confidence >= thresholds.suggest)
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

/// Entity types whose values name a transaction's topic by themselves.
const TOPIC_ENTITIES: [&str; 5] = [
    "report_category",
    "certificate_kind",
    "change_kind",
    "notice_choice",
    "course_number",
];

/// Entity types that only transaction letters and confirmations carry, with their weight: a tracking
/// number (2026-00042) is unmistakable alone, the others in pairs (Kassenzeichen and check code, booking
/// code and key).
const IDENTIFYING_ENTITIES: [(&str, u32); 5] = [
    ("kassenzeichen", 1),
    ("check_code", 1),
    ("booking_code", 1),
    ("booking_key", 1),
    ("tracking_number", 2),
];

/// The form whose identifying slots the message fills (all required ones, weight two at least), the
/// classifier's likelier one first.
fn form_identified_by(nlu: &Nlu, entities: &[Entity], ranked: &[(String, f32)]) -> Option<String> {
    let found: Vec<&str> = entities.iter().map(|e| e.kind.as_str()).collect();
    let weight = |kind: &str| {
        IDENTIFYING_ENTITIES
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, w)| *w)
    };
    let fits = |form: &Form| {
        let mut total = 0;
        for slot in &form.slots {
            let Some(w) = weight(&slot.entity) else {
                continue;
            };
            if found.contains(&slot.entity.as_str()) {
                total += w;
            } else if slot.required {
                return false;
            }
        }
        total >= 2
    };
    ranked
        .iter()
        .map(|(intent, _)| intent)
        .find(|intent| nlu.forms.get(*intent).is_some_and(fits))
        .cloned()
}

impl Engine {
    fn today(&self) -> NaiveDate {
        (self.clock)().with_timezone(&TIME_ZONE).date_naive()
    }

    fn outcome(
        &self,
        lang: Lang,
        state: DialogueState,
        intent: &str,
        messages: Vec<Message>,
    ) -> Outcome {
        Outcome {
            lang,
            state,
            intent: intent.to_string(),
            confidence: 1.0,
            service: None,
            messages,
            handoff: false,
            effects: Vec::new(),
        }
    }

    fn plain(&self, lang: Lang, state: DialogueState, intent: &str, text: &str) -> Outcome {
        self.outcome(lang, state, intent, vec![Message::plain(text)])
    }

    /// Answers one message. Failures count in a row: any turn that is not a fallback resets them.
    pub(super) async fn respond(
        &self,
        content: &InboundContent,
        state: DialogueState,
        hint: Option<Lang>,
        session_lang: Option<Lang>,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let mut outcome = self
            .respond_inner(content, state, hint, session_lang, context)
            .await?;
        if outcome.intent != intent::FALLBACK {
            outcome.state.failures = 0;
        }
        Ok(outcome)
    }

    /// Whether a message to the assistant while waiting for a person takes the citizen back to it:
    /// "zurück", "abbrechen", or any of the assistant's buttons (the "Ja" still on screen).
    fn leaves_handoff(&self, content: &InboundContent) -> bool {
        match content {
            InboundContent::Action(_) => true,
            InboundContent::Text(text) => {
                let Some(nlu) = &self.nlu else {
                    return false;
                };
                text.split_whitespace().count() <= 4
                    && nlu
                        .entities
                        .extract(text, self.today())
                        .iter()
                        .any(|e| e.kind == "cancel" || e.kind == "navigation" && e.value == "back")
            }
            _ => false,
        }
    }

    /// Ends the form being filled: what it holds (a reserved slot) is let go.
    async fn cancel_form(
        &self,
        mut state: DialogueState,
        lang: Lang,
        context: &CommitContext,
    ) -> Outcome {
        let form = state.form().unwrap_or(intent::FALLBACK).to_string();
        if let Dialogue::Form { slots, .. } | Dialogue::Confirming { slots, .. } = &state.dialogue
            && let Some(handler) = self
                .nlu
                .as_ref()
                .and_then(|nlu| self.handler_for(nlu, &form))
        {
            handler.abandon(slots, context).await;
        }
        state.dialogue = Dialogue::Idle;
        self.plain(lang, state, &form, texts(lang).cancelled)
    }

    /// The navigation word a short message is ("zurück", "ändern", "von vorn"), if any.
    fn navigation<'e>(text: &str, entities: &'e [Entity]) -> Option<&'e str> {
        if text.split_whitespace().count() > 3 {
            return None;
        }
        entities
            .iter()
            .find(|e| e.kind == "navigation")
            .map(|e| e.value.as_str())
    }

    /// Navigation inside a form is never an answer, always a step: "von vorn" starts the form again
    /// (letting go of what it held), "zurück" and "ändern" ask what to change.
    async fn navigate(
        &self,
        navigation: &str,
        form: &Form,
        handler: &dyn FormHandler,
        state: &DialogueState,
        lang: Lang,
        context: &CommitContext,
    ) -> Outcome {
        let slots = match &state.dialogue {
            Dialogue::Form { slots, .. } | Dialogue::Confirming { slots, .. } => slots.clone(),
            _ => Slots::new(),
        };
        match (navigation, self.nlu.clone()) {
            ("restart", Some(nlu)) => {
                handler.abandon(&slots, context).await;
                self.advance(
                    &nlu,
                    form,
                    handler,
                    Slots::new(),
                    state.clone(),
                    lang,
                    context,
                    Vec::new(),
                )
                .await
            }
            _ => self.what_to_change(form, slots, state.clone(), lang, texts(lang).what_to_change),
        }
    }

    /// Why a free-text answer was not taken, and what would work.
    fn refusal(&self, entity: &str, lang: Lang) -> String {
        match entity {
            "person_name" => texts(lang).not_a_name.to_string(),
            _ => texts(lang).not_free_text.to_string(),
        }
    }

    /// "Was möchten Sie ändern?" with a button for each detail given so far.
    fn what_to_change(
        &self,
        form: &Form,
        slots: Slots,
        mut state: DialogueState,
        lang: Lang,
        lead: &str,
    ) -> Outcome {
        let buttons = form
            .slots
            .iter()
            .filter(|s| slots.contains_key(&s.name))
            .filter_map(|s| {
                slots::slot_label(&s.name, lang).map(|label| Button {
                    label: label.to_string(),
                    action: format!("ask:{}", s.name),
                })
            })
            .collect();
        state.dialogue = Dialogue::Form {
            form: form.intent.clone(),
            slots,
            asking: None,
        };
        let mut outcome = self.plain(lang, state, &form.intent, lead);
        outcome.messages[0].buttons = buttons;
        outcome
    }

    /// Says `lead`, then asks again what the step asks (the form's next question or its summary).
    async fn resume_step(
        &self,
        state: DialogueState,
        lang: Lang,
        context: &CommitContext,
        lead: &str,
    ) -> Outcome {
        let lead = vec![Message::plain(lead)];
        let (Some(nlu), Some(form_name)) = (self.nlu.clone(), state.form().map(String::from))
        else {
            let mut outcome = self.outcome(lang, state, intent::GREET, lead);
            outcome.confidence = 1.0;
            return outcome;
        };
        let (Some(form), Some(handler)) = (
            nlu.forms.get(&form_name).cloned(),
            self.handler_for(&nlu, &form_name),
        ) else {
            let mut state = state;
            state.dialogue = Dialogue::Idle;
            return self.outcome(lang, state, intent::GREET, lead);
        };
        let slots = match &state.dialogue {
            Dialogue::Form { slots, .. } | Dialogue::Confirming { slots, .. } => slots.clone(),
            _ => Slots::new(),
        };
        self.advance(
            &nlu,
            &form,
            handler.as_ref(),
            slots,
            state,
            lang,
            context,
            lead,
        )
        .await
    }

    async fn respond_inner(
        &self,
        content: &InboundContent,
        mut state: DialogueState,
        hint: Option<Lang>,
        session_lang: Option<Lang>,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        if hint.is_some() {
            state.lang_fixed = true;
        }
        let lang = hint.or(session_lang).unwrap_or(self.settings.default_lang);
        if let Dialogue::HandedOff { resume } = state.dialogue.clone() {
            let resumed = resume.map(|step| *step).unwrap_or_default();
            match self.handoff_state(context).await {
                HandoffState::Waiting if self.leaves_handoff(content) => {
                    // Back to the assistant: the handoff is withdrawn, what was going on resumes.
                    if let Some(queue) = &self.handoffs
                        && let Err(error) = queue.close(&context.key, context.now).await
                    {
                        tracing::warn!(%error, "could not withdraw a handoff");
                    }
                    state.dialogue = resumed;
                    state.failures = 0;
                    if let InboundContent::Action(action) = content {
                        return self.respond_action(action, state, lang, context).await;
                    }
                    return Ok(self
                        .resume_step(state, lang, context, texts(lang).handed_back)
                        .await);
                }
                HandoffState::Waiting => {
                    let mut outcome =
                        self.plain(lang, state, intent::HANDOFF, texts(lang).handoff_waiting);
                    outcome.messages[0].buttons = vec![Button {
                        label: texts(lang).back_to_assistant.to_string(),
                        action: "handoff:leave".to_string(),
                    }];
                    outcome.handoff = true;
                    return Ok(outcome);
                }
                HandoffState::Taken => {
                    // An agent answers now: the message is theirs to read, the assistant stays quiet.
                    let mut outcome = self.plain(lang, state, intent::HANDOFF, "");
                    outcome.messages.clear();
                    outcome.handoff = true;
                    return Ok(outcome);
                }
                HandoffState::Closed => {}
            }
            // Handed back: the form (or the summary) the citizen was in goes on.
            state.dialogue = resumed;
            state.failures = 0;
        }
        match content {
            InboundContent::Text(text) if text.trim().is_empty() => {
                Ok(self.plain(lang, state, intent::FALLBACK, texts(lang).empty))
            }
            InboundContent::Text(text) => {
                self.respond_text(text.trim(), state, lang, context).await
            }
            InboundContent::Action(action) => {
                self.respond_action(action, state, lang, context).await
            }
            InboundContent::Image { .. } | InboundContent::Location { .. }
                if self.form_takes(&state, content) =>
            {
                self.content_in_form(content, state, lang, context).await
            }
            InboundContent::Image { mime, bytes } if self.images.is_some() => {
                let action = match &self.images {
                    Some(reader) => reader.read(mime, bytes).await,
                    None => None,
                };
                match action {
                    Some(action) => self.respond_action(&action, state, lang, context).await,
                    None => {
                        Ok(self.plain(lang, state, intent::FALLBACK, texts(lang).unreadable_image))
                    }
                }
            }
            InboundContent::Location { .. } | InboundContent::Image { .. } => Ok(self.plain(
                lang,
                state,
                intent::FALLBACK,
                texts(lang).unsupported_content,
            )),
        }
    }

    /// The slot type a photo or a location fills.
    fn content_entity(content: &InboundContent) -> Option<&'static str> {
        match content {
            InboundContent::Image { .. } => Some("photo"),
            InboundContent::Location { .. } => Some("location"),
            _ => None,
        }
    }

    /// Whether the form running takes this photo or location.
    fn form_takes(&self, state: &DialogueState, content: &InboundContent) -> bool {
        let (Some(nlu), Some(form), Some(kind)) =
            (&self.nlu, state.form(), Self::content_entity(content))
        else {
            return false;
        };
        nlu.forms
            .get(form)
            .is_some_and(|f| f.slots.iter().any(|s| s.entity == kind))
    }

    /// A photo or a location inside a form fills the slot of its type, then the form goes on.
    async fn content_in_form(
        &self,
        content: &InboundContent,
        state: DialogueState,
        lang: Lang,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let Some(nlu) = self.nlu.clone() else {
            return Ok(self.plain(
                lang,
                state,
                intent::FALLBACK,
                texts(lang).unsupported_content,
            ));
        };
        let form_name = state.form().unwrap_or_default().to_string();
        let (Some(form), Some(handler)) = (
            nlu.forms.get(&form_name).cloned(),
            self.handler_for(&nlu, &form_name),
        ) else {
            return Ok(self.plain(
                lang,
                state,
                intent::FALLBACK,
                texts(lang).unsupported_content,
            ));
        };
        let kind = Self::content_entity(content).unwrap_or_default();
        let Some(slot) = form.slots.iter().find(|s| s.entity == kind) else {
            return Ok(self.plain(
                lang,
                state,
                intent::FALLBACK,
                texts(lang).unsupported_content,
            ));
        };
        let mut slots = match &state.dialogue {
            Dialogue::Form { slots, .. } | Dialogue::Confirming { slots, .. } => slots.clone(),
            _ => Slots::new(),
        };
        let value = match content {
            InboundContent::Image { mime, bytes } => {
                handler.accept_photo(&slot.name, mime, bytes, lang).await
            }
            InboundContent::Location {
                latitude,
                longitude,
            } => handler.validate(
                &slot.name,
                &format!("{latitude:.6},{longitude:.6}"),
                &slots,
                lang,
            ),
            _ => Err(String::new()),
        };
        match value {
            Ok(value) => {
                slots.insert(slot.name.clone(), value);
                Ok(self
                    .advance(
                        &nlu,
                        &form,
                        handler.as_ref(),
                        slots,
                        state,
                        lang,
                        context,
                        Vec::new(),
                    )
                    .await)
            }
            Err(reason) => {
                let text = format!("{} {reason}", texts(lang).not_accepted);
                Ok(self.plain(lang, state, &form_name, text.trim()))
            }
        }
    }

    /// Whether an agent still has the conversation (the queue is the authority; without one, yes).
    async fn handoff_state(&self, context: &CommitContext) -> HandoffState {
        let Some(queue) = &self.handoffs else {
            return HandoffState::Waiting;
        };
        match queue.open().await {
            Ok(open) => match open.iter().find(|handoff| handoff.key == context.key) {
                Some(handoff) if handoff.taken_by.is_some() => HandoffState::Taken,
                Some(_) => HandoffState::Waiting,
                None => HandoffState::Closed,
            },
            Err(error) => {
                tracing::warn!(%error, "cannot read the handoff queue");
                HandoffState::Waiting
            }
        }
    }

    async fn respond_text(
        &self,
        text: &str,
        mut state: DialogueState,
        mut lang: Lang,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let Some(nlu) = self.nlu.clone() else {
            return self.knowledge_answer(text, state, lang, false).await;
        };
        // A chosen language holds, except against a message plainly in another script (Arabic, Cyrillic).
        // A name, an address or a labelled value in a form is written as it is written ("Олена
        // Коваленко", "Name: Mehmet Yılmaz"): it tells nothing about the citizen's language.
        let free_answer = match &state.dialogue {
            Dialogue::Form {
                form,
                asking: Some(asking),
                ..
            } => nlu.forms.get(form).is_some_and(|form| {
                form.slots.iter().any(|s| {
                    s.name == *asking
                        && matches!(s.entity.as_str(), "person_name" | "text" | "email")
                })
            }),
            _ => false,
        } || state.form().is_some() && slots::labelled(text).is_some();
        let detected = nlu
            .language
            .detect(text)
            .filter(|_| !free_answer)
            .filter(|l| !state.lang_fixed || matches!(l, Lang::Uk | Lang::Ar));
        if detected.is_some() && state.lang_fixed {
            state.lang_fixed = false;
        }
        if let Some(detected) = detected {
            lang = detected;
        }
        let mut entities = nlu.entities.extract(text, self.today());
        let mut text = text.to_string();
        if let Some(requested) = entities.iter().find(|e| e.kind == "language") {
            if let Some(new_lang) = Lang::negotiate(&requested.value) {
                lang = new_lang;
                state.lang_fixed = true;
            }
            let rest = Entities::without(&text, &[requested]);
            let (_, others) = self.retriever.facets(&rest, lang);
            if rest.is_empty() || others == 0 {
                // In a form, the form goes on in the new language (its question or summary again).
                if state.form().is_some() {
                    return Ok(self
                        .resume_step(state, lang, context, texts(lang).language_switched)
                        .await);
                }
                return Ok(self.repeat_in(state, lang));
            }
            text = rest;
            // The spans must be the remaining text's.
            entities = nlu.entities.extract(&text, self.today());
        }
        let short = text.split_whitespace().count() <= 4;
        if short && entities.iter().any(|e| e.kind == "cancel") {
            return Ok(match state.form() {
                Some(_) => self.cancel_form(state, lang, context).await,
                None => self.plain(lang, state, intent::FALLBACK, texts(lang).nothing_to_cancel),
            });
        }
        match state.dialogue.clone() {
            Dialogue::Form {
                form,
                slots,
                asking,
            } => {
                self.continue_form(
                    &nlu, &text, &entities, &form, slots, asking, state, lang, context,
                )
                .await
            }
            Dialogue::Confirming { form, slots } => {
                self.continue_confirming(&nlu, &text, &entities, &form, slots, state, lang, context)
                    .await
            }
            Dialogue::Idle | Dialogue::HandedOff { .. } => {
                self.new_request(
                    &nlu,
                    &text,
                    &entities,
                    state,
                    lang,
                    detected.is_some(),
                    context,
                )
                .await
            }
        }
    }

    /// A message outside a form: an intent, a follow-up, or a knowledge question.
    #[allow(clippy::too_many_arguments)]
    async fn new_request(
        &self,
        nlu: &Nlu,
        text: &str,
        entities: &[Entity],
        mut state: DialogueState,
        lang: Lang,
        lang_detected: bool,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let ranked = nlu.classifier.classify(text);
        let (mut top_intent, mut probability) = ranked
            .first()
            .cloned()
            .unwrap_or_else(|| (intent::SERVICE_INFO.to_string(), 0.0));
        // References that only a transaction's letter carries ("Kassenzeichen 1234…, Prüfcode KMXP-4821",
        // a booking code with its key) say which transaction is meant, whatever words surround them.
        let mut identified = false;
        if let Some(form) = form_identified_by(nlu, entities, &ranked)
            && (probability < SURE_INTENT || form == top_intent)
        {
            top_intent = form;
            probability = probability.max(SURE_INTENT);
            identified = true;
        }
        let results = self.search(text, lang)?;
        // A confident knowledge answer outside the intent's own entries wins over an unsure intent
        // ("Jemand ist zu Hause verstorben" is a question about a death, not a report).
        let thresholds = self.thresholds(&results);
        let knowledge_wins = results.hits.first().is_some_and(|hit| {
            hit.probability >= thresholds.over_intent
                && !nlu.relates(&top_intent, &hit.slug)
                && probability < SURE_INTENT
        });
        // A transaction needs more than an unsure guess: the classifier is sure, or the knowledge base
        // knows what the question is about ("Wie sind die Lottozahlen?" is no notice to pay).
        let transaction = !top_intent.starts_with("smalltalk.") && top_intent != intent::HANDOFF;
        let known_topic = results
            .hits
            .first()
            .is_some_and(|hit| thresholds.answers(hit));
        // Without a handler the answer is a knowledge card, so the knowledge must know the topic.
        let has_handler = self.handler_for(nlu, &top_intent).is_some();
        let mut related_topic = results
            .hits
            .iter()
            .any(|hit| nlu.relates(&top_intent, &hit.slug) && self.grounds(&thresholds, hit));
        let takes_service = nlu
            .forms
            .get(&top_intent)
            .is_some_and(|form| form.slots.iter().any(|s| s.entity == "service"));
        if !related_topic && takes_service && probability >= SURE_INTENT && !entities.is_empty() {
            // Dates, offices and names dilute a message full of details ("Termin im Bürgerbüro Mitte
            // für einen neuen Personalausweis, am besten Dienstag nachmittag. Ich heiße Jonas
            // Weber."): the words that are not details may name the intent's topic clearly.
            let details: Vec<&Entity> = entities.iter().collect();
            let rest = Entities::without(text, &details);
            let rest = match slots::name_introduced(&rest) {
                Some((before, _)) => before,
                None => rest,
            };
            if rest.split_whitespace().count() > 0
                && let Ok(bare) = self.search(&rest, lang)
            {
                let bare_thresholds = self.thresholds(&bare);
                // A specific service ("Personalausweis"), not the entry describing the transaction
                // itself ("Terminvereinbarung" for "hairdresser appointment").
                related_topic = bare.hits.iter().take(1).any(|hit| {
                    nlu.relates(&top_intent, &hit.slug)
                        && !nlu.describes_transaction(&hit.slug)
                        && bare_thresholds.answers(hit)
                });
            }
        }
        // A transaction is about the city's business: a message with words neither the knowledge base
        // nor the intent's examples know ("Termin beim Friseur", "meine Stromrechnung bezahlen") is not.
        // Searches (refinable forms) take any topic: "Klettern" finds no course, and says so.
        let searches = nlu.forms.get(&top_intent).is_some_and(|form| form.refine);
        // Dates, times, offices and other details are no topic ("Termin für Reisepass am Donnerstag
        // vormittags in Grünau"); a value only this transaction takes ("Schlagloch", "Sterbeurkunde")
        // is its topic, whatever words surround it.
        let all: Vec<&Entity> = entities.iter().collect();
        let bare = Entities::without(text, &all);
        let own_value = nlu.forms.get(&top_intent).is_some_and(|form| {
            form.slots.iter().any(|slot| {
                TOPIC_ENTITIES.contains(&slot.entity.as_str())
                    && entities.iter().any(|e| e.kind == slot.entity)
            })
        });
        let handler_takes_it =
            has_handler && (searches || own_value || nlu.unfamiliar_words(&top_intent, &bare) == 0);
        // A statement with a value only this transaction takes ("in unsrer strasse is n riesen
        // schlagloch") starts it when the classifier leans to it; a question ("Was kostet eine
        // Sterbeurkunde?") stays a question.
        let told =
            has_handler && own_value && probability >= TOLD_INTENT && !slots::question_like(text);
        let grounded = identified
            || known_topic
            || told
            || probability >= SURE_INTENT && (handler_takes_it || related_topic);
        if top_intent != intent::SERVICE_INFO
            && probability >= INTENT_THRESHOLD
            && !knowledge_wins
            && (!transaction || grounded)
        {
            if top_intent.starts_with("smalltalk.") {
                state.failures = 0;
                let response = nlu
                    .response(&top_intent, lang)
                    .unwrap_or_default()
                    .to_string();
                let mut outcome = self.plain(lang, state, &top_intent, &response);
                outcome.confidence = probability;
                return Ok(outcome);
            } else if top_intent == intent::HANDOFF {
                let response = nlu
                    .response(intent::HANDOFF, lang)
                    .unwrap_or_default()
                    .to_string();
                return Ok(self.hand_off(state, lang, &response, "asked", probability));
            } else if let (Some(form), Some(handler)) = (
                nlu.forms.get(&top_intent),
                self.handler_for(nlu, &top_intent),
            ) {
                let form = form.clone();
                let mut slots = Slots::new();
                self.fill(
                    nlu,
                    &form,
                    handler.as_ref(),
                    &mut slots,
                    text,
                    entities,
                    None,
                    &results,
                    lang,
                );
                // The service talked about before ("Wie beantrage ich einen Reisepass?" - "Ich
                // brauche einen Termin") fills an open service slot, if the handler takes it.
                if let (Some(spec), Some(last)) = (
                    form.slots.iter().find(|s| s.entity == "service"),
                    state.last_service.as_deref(),
                ) && !slots.contains_key(&spec.name)
                    && let Ok(value) = handler.validate(&spec.name, last, &slots, lang)
                {
                    slots.insert(spec.name.clone(), value);
                }
                let mut outcome = self
                    .advance(
                        nlu,
                        &form,
                        handler.as_ref(),
                        slots,
                        state,
                        lang,
                        context,
                        Vec::new(),
                    )
                    .await;
                outcome.confidence = probability;
                return Ok(outcome);
            } else {
                // No transaction behind the intent yet: the entry that describes it answers, the one the
                // question names if it belongs to the intent ("Eheurkunde bestellen"), else the default.
                let knowledge = self.retriever.knowledge();
                // The most specific entry: a related one the question names that is not one of the
                // intent's general entries ("Termin für einen Personalausweis"), else the best related one.
                let related: Vec<&str> = results
                    .hits
                    .iter()
                    .filter(|hit| thresholds.plausible(hit) && nlu.relates(&top_intent, &hit.slug))
                    .map(|hit| hit.slug.as_str())
                    .collect();
                let named = related
                    .iter()
                    .find(|slug| !nlu.describes_transaction(slug))
                    .or(related.first())
                    .copied();
                if let Some(service) = named
                    .or(nlu.default_service(&top_intent))
                    .and_then(|slug| knowledge.service(slug))
                {
                    let mut outcome = self.answer(service, lang, state, probability);
                    outcome.intent = top_intent.clone();
                    outcome.state.last_intent = Some(top_intent);
                    return Ok(outcome);
                }
            }
        }
        let (facets, others) = self.retriever.facets(text, lang);
        if others == 0 && !facets.is_empty() {
            // "Und was kostet das?": about the last service; without one, the question has no subject.
            let last = state.last_service.clone();
            return Ok(
                match last
                    .as_deref()
                    .and_then(|slug| self.retriever.knowledge().service(slug))
                {
                    Some(service) => self.facet_answer(service, &facets, state, lang),
                    None => self.fallback(lang, state),
                },
            );
        }
        // Offices are looked for only when the message names one (a word of the office list).
        let office_named = entities.iter().any(|e| e.kind == "office");
        self.answer_from_results(text, results, state, lang, lang_detected, office_named)
            .await
    }

    /// The decision thresholds for these results (their language's): the learned ranker's, or the
    /// coverage thresholds of the settings.
    fn thresholds(&self, results: &SearchResults) -> Thresholds {
        self.retriever
            .thresholds(results.lang)
            .unwrap_or_else(|| Thresholds::from_settings(&self.settings))
    }

    /// Whether a hit grounds a sure intent: it covers enough of the question ("In unserer Straße ist ein
    /// großes Schlagloch" and the Mängelmelder), or the learned ranker would answer with it.
    fn grounds(&self, thresholds: &Thresholds, hit: &SearchHit) -> bool {
        hit.confidence >= RELATED_GROUNDING || thresholds.learned && thresholds.answers(hit)
    }

    /// Whether the results answer a question of its own for sure (a question asked inside a form).
    fn sure_answer(&self, results: &SearchResults) -> bool {
        let thresholds = self.thresholds(results);
        let sure = if thresholds.learned {
            thresholds.sure
        } else {
            0.8
        };
        matches!(decide(results, &thresholds), Decision::Answer { confidence, .. } if confidence >= sure)
    }

    /// Adds the likely runners-up of a direct answer as buttons ("Oder meinten Sie ...").
    fn offer_alternatives(&self, outcome: &mut Outcome, alternatives: &[String], lang: Lang) {
        let knowledge = self.retriever.knowledge();
        let Some(message) = outcome.messages.last_mut() else {
            return;
        };
        for slug in alternatives {
            let Some(service) = knowledge.service(slug) else {
                continue;
            };
            let action = format!("service:{}", service.slug);
            if message.buttons.iter().any(|b| b.action == action) {
                continue;
            }
            message.buttons.push(Button {
                label: format!("{} {}", texts(lang).or_perhaps, service.text(lang).1.name),
                action,
            });
        }
    }

    fn search(&self, text: &str, lang: Lang) -> Result<SearchResults, ConversationError> {
        self.retriever
            .search(text, lang, SUGGESTIONS + 2)
            .map_err(|e| super::internal("search", &e))
    }

    /// The knowledge answer alone (no intents): offices, services, suggestions or the fallback.
    async fn knowledge_answer(
        &self,
        text: &str,
        state: DialogueState,
        lang: Lang,
        lang_detected: bool,
    ) -> Result<Outcome, ConversationError> {
        let results = self.search(text, lang)?;
        self.answer_from_results(text, results, state, lang, lang_detected, true)
            .await
    }

    async fn answer_from_results(
        &self,
        text: &str,
        results: SearchResults,
        state: DialogueState,
        mut lang: Lang,
        lang_detected: bool,
        office_named: bool,
    ) -> Result<Outcome, ConversationError> {
        let knowledge = self.retriever.knowledge();
        let (offices, office_lang) = if office_named {
            self.retriever.find_offices(text)
        } else {
            (Vec::new(), lang)
        };
        if let Some(office) =
            office_decision(&offices, &results).and_then(|i| knowledge.offices.get(i))
        {
            if !state.lang_fixed && !lang_detected {
                lang = office_lang;
            }
            return Ok(self.office(office, lang, state));
        }
        let decision = decide(&results, &self.thresholds(&results));
        if !state.lang_fixed
            && !lang_detected
            && decision != Decision::Fallback
            && results.lang != lang.search_lang()
        {
            // Answer in the language the question was asked in.
            lang = results.lang;
        }
        Ok(match decision {
            Decision::Answer {
                slug,
                confidence,
                alternatives,
            } => match knowledge.service(&slug) {
                Some(service) => {
                    let mut outcome = self.answer(service, lang, state, confidence);
                    self.offer_alternatives(&mut outcome, &alternatives, lang);
                    outcome
                }
                None => self.fallback(lang, state),
            },
            Decision::Suggest { slugs, confidence } => {
                self.suggest(&slugs, lang, state, confidence)
            }
            Decision::Fallback => self.fallback(lang, state),
        })
    }

    /// Repeats the last answer in a newly chosen language, or confirms the switch.
    fn repeat_in(&self, state: DialogueState, lang: Lang) -> Outcome {
        let knowledge = self.retriever.knowledge();
        match state
            .last_service
            .as_deref()
            .and_then(|slug| knowledge.service(slug))
        {
            Some(service) => {
                let intent = state
                    .last_intent
                    .clone()
                    .unwrap_or_else(|| intent::SERVICE_INFO.to_string());
                let mut outcome = self.answer(service, lang, state, 1.0);
                outcome.intent = intent;
                outcome
            }
            None => self.plain(lang, state, intent::GREET, texts(lang).language_switched),
        }
    }

    fn handler_for(&self, nlu: &Nlu, form: &str) -> Option<std::sync::Arc<dyn FormHandler>> {
        nlu.forms
            .get(form)
            .and_then(|f| self.handlers.get(&f.handler))
            .cloned()
    }

    /// Fills slots from a message: each slot takes the entity of its type (a new value of a filled slot
    /// corrects it); the slot being asked for also takes free text when its type is text.
    #[allow(clippy::too_many_arguments)]
    fn fill(
        &self,
        nlu: &Nlu,
        form: &Form,
        handler: &dyn FormHandler,
        slots: &mut Slots,
        text: &str,
        entities: &[Entity],
        asking: Option<&str>,
        results: &SearchResults,
        lang: Lang,
    ) -> (usize, Vec<String>) {
        let mut filled = 0;
        let mut errors = Vec::new();
        // A value with its slot named ("Name: Anna Schulz", "Ort: Gießerstraße 20") goes to that slot.
        if let Some((candidates, value)) = slots::labelled(text)
            && let Some(slot) = candidates
                .iter()
                .find_map(|name| form.slots.iter().find(|s| s.name == *name))
        {
            let value_entities = nlu.entities.extract(&value, self.today());
            let plausible = match slot.entity.as_str() {
                "person_name" => slots::plausible_name(&value, &value_entities),
                "text" => slots::plausible_text(&value, &value_entities, &[]),
                _ => true,
            };
            let value = match slot.entity.as_str() {
                "person_name" | "text" => Some(value.clone()),
                kind => value_entities
                    .iter()
                    .find(|e| e.kind == kind)
                    .map(|e| e.value.clone()),
            };
            match value.filter(|_| plausible) {
                Some(value) => match handler.validate(&slot.name, &value, slots, lang) {
                    Ok(normalised) => {
                        slots.insert(slot.name.clone(), normalised);
                        return (1, Vec::new());
                    }
                    Err(reason) => return (0, vec![reason]),
                },
                None => return (0, vec![self.refusal(&slot.entity, lang)]),
            }
        }
        // The free-text slot asked for takes a plausible answer whole, and then nothing else changes
        // (a legal interest that mentions a mother is no order for a parent).
        if let Some(slot) = asking.and_then(|name| form.slots.iter().find(|s| s.name == name)) {
            let others: Vec<&str> = form
                .slots
                .iter()
                .filter(|s| s.name != slot.name)
                .map(|s| s.entity.as_str())
                .collect();
            let plausible = match slot.entity.as_str() {
                "person_name" => slots::plausible_name(text, entities),
                "text" => slots::plausible_text(text, entities, &others),
                _ => false,
            };
            if plausible {
                match handler.validate(&slot.name, text.trim(), slots, lang) {
                    Ok(normalised) => {
                        slots.insert(slot.name.clone(), normalised);
                        return (1, Vec::new());
                    }
                    Err(reason) => errors.push(reason),
                }
            } else if matches!(slot.entity.as_str(), "person_name" | "text") {
                errors.push(self.refusal(&slot.entity, lang));
            }
        }
        for slot in &form.slots {
            let value = match slot.entity.as_str() {
                "course_topic" => {
                    let typed: Vec<&Entity> =
                        entities.iter().filter(|e| e.kind != "cancel").collect();
                    let rest = Entities::without(text, &typed);
                    // Asked for the topic, any words are the topic ("Klettern": then no course fits);
                    // otherwise only words that tell courses apart.
                    let strict = asking != Some(slot.name.as_str());
                    self.retriever
                        .courses()
                        .and_then(|courses| courses.topic_of(&rest, strict))
                }
                "service" => {
                    let confident = |results: &SearchResults| {
                        results
                            .hits
                            .first()
                            .filter(|hit| self.thresholds(results).answers(hit))
                            .filter(|hit| !nlu.describes_transaction(&hit.slug))
                            .map(|hit| hit.slug.clone())
                    };
                    // The service comes from the words that are not dates, times or other details:
                    // "übermorgen" or "15:00" name no service, and a chosen service changes only when
                    // another is named ("Termin für eine Meldebescheinigung am 24.12.").
                    let details: Vec<&Entity> =
                        entities.iter().filter(|e| e.kind != "cancel").collect();
                    if details.is_empty() {
                        confident(results)
                    } else {
                        let rest = Entities::without(text, &details);
                        if rest.split_whitespace().count() == 0 {
                            None
                        } else {
                            self.search(&rest, lang).ok().and_then(|r| confident(&r))
                        }
                    }
                }
                "text" => None,
                "person_name" if asking.is_some() => None,
                // An office asked for may be named loosely ("mitte", "am Paunsdorf Center").
                "office" if asking == Some(slot.name.as_str()) => entities
                    .iter()
                    .find(|e| e.kind == "office")
                    .map(|e| e.value.clone())
                    .or_else(|| {
                        let (offices, _) = self.retriever.find_offices(text);
                        offices
                            .first()
                            .and_then(|hit| self.retriever.knowledge().offices.get(hit.index))
                            .map(|office| office.id.clone())
                    }),
                "person_name" if asking.is_none() && slot.name != "person" => {
                    slots::name_introduced(text)
                        .map(|(_, name)| name)
                        .filter(|name| slots::plausible_name(name, &[]))
                }
                kind => entities
                    .iter()
                    .find(|e| e.kind == kind)
                    .map(|e| e.value.clone()),
            };
            let Some(value) = value else { continue };
            if slots.get(&slot.name) == Some(&value) {
                continue;
            }
            match handler.validate(&slot.name, &value, slots, lang) {
                Ok(normalised) => {
                    slots.insert(slot.name.clone(), normalised);
                    filled += 1;
                }
                Err(reason) => errors.push(reason),
            }
        }
        (filled, errors)
    }

    /// Asks the next missing slot, or shows the summary to confirm, or commits.
    #[allow(clippy::too_many_arguments)]
    async fn advance(
        &self,
        nlu: &Nlu,
        form: &Form,
        handler: &dyn FormHandler,
        slots: Slots,
        mut state: DialogueState,
        lang: Lang,
        context: &CommitContext,
        mut messages: Vec<Message>,
    ) -> Outcome {
        let mut slots = slots;
        messages.extend(handler.prepare(&mut slots, context, lang).await);
        let service = self.form_service(nlu, form, handler, &slots, lang);
        if let Some(missing) = form.slots.iter().find(|s| {
            (s.required || handler.needs(&s.name, &slots)) && !slots.contains_key(&s.name)
        }) {
            let mut text = form
                .question(&missing.name, lang)
                .unwrap_or_default()
                .to_string();
            if let Some(note) = handler.question_note(&missing.name, &slots, lang) {
                text = format!("{text}\n{note}");
            }
            let mut question = Message::plain(text);
            question.buttons = handler.options(&missing.name, &slots, context, lang).await;
            messages.push(question);
            state.dialogue = Dialogue::Form {
                form: form.intent.clone(),
                slots,
                asking: Some(missing.name.clone()),
            };
            let mut outcome = self.outcome(lang, state, &form.intent, messages);
            outcome.service = service;
            return outcome;
        }
        if form.confirm && !handler.skip_confirmation(&slots) {
            let t = texts(lang);
            let mut summary = Message::plain(format!(
                "{}\n\n{}",
                handler.summarise(&slots, lang),
                form.confirmation(lang).unwrap_or(t.confirm_question)
            ));
            summary.buttons = vec![
                Button {
                    label: t.yes.to_string(),
                    action: "confirm:yes".to_string(),
                },
                Button {
                    label: t.change.to_string(),
                    action: "confirm:change".to_string(),
                },
                Button {
                    label: t.cancel.to_string(),
                    action: "confirm:cancel".to_string(),
                },
            ];
            messages.push(summary);
            state.dialogue = Dialogue::Confirming {
                form: form.intent.clone(),
                slots,
            };
            let mut outcome = self.outcome(lang, state, &form.intent, messages);
            outcome.service = service;
            return outcome;
        }
        self.commit(
            form, handler, slots, state, lang, context, messages, service,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn commit(
        &self,
        form: &Form,
        handler: &dyn FormHandler,
        slots: Slots,
        mut state: DialogueState,
        lang: Lang,
        context: &CommitContext,
        mut messages: Vec<Message>,
        service: Option<ServiceRef>,
    ) -> Outcome {
        match handler.commit(&slots, context, lang).await {
            Ok(mut done) => {
                messages.append(&mut done);
                state.dialogue = if form.refine {
                    Dialogue::Form {
                        form: form.intent.clone(),
                        slots,
                        asking: None,
                    }
                } else {
                    Dialogue::Idle
                };
                state.failures = 0;
                state.last_intent = Some(form.intent.clone());
            }
            Err(reason) => {
                messages.push(Message::plain(format!(
                    "{} {reason}",
                    texts(lang).not_accepted
                )));
                state.dialogue = Dialogue::Confirming {
                    form: form.intent.clone(),
                    slots,
                };
            }
        }
        let mut outcome = self.outcome(lang, state, &form.intent, messages);
        outcome.service = service;
        outcome
    }

    /// The knowledge entry a form's answers are grounded in: its service slot, or the intent's entry.
    fn form_service(
        &self,
        nlu: &Nlu,
        form: &Form,
        handler: &dyn FormHandler,
        slots: &Slots,
        lang: Lang,
    ) -> Option<ServiceRef> {
        let knowledge = self.retriever.knowledge();
        let from_slot = form
            .slots
            .iter()
            .filter(|s| s.entity == "service")
            .find_map(|s| slots.get(&s.name))
            .and_then(|slug| knowledge.service(slug));
        from_slot
            .or_else(|| {
                handler
                    .service(slots)
                    .and_then(|slug| knowledge.service(&slug))
            })
            .or_else(|| {
                nlu.default_service(&form.intent)
                    .and_then(|slug| knowledge.service(slug))
            })
            .map(|service| service_ref(service, lang))
    }

    #[allow(clippy::too_many_arguments)]
    async fn continue_form(
        &self,
        nlu: &Nlu,
        text: &str,
        entities: &[Entity],
        form_name: &str,
        mut slots: Slots,
        asking: Option<String>,
        state: DialogueState,
        lang: Lang,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let (Some(form), Some(handler)) = (
            nlu.forms.get(form_name).cloned(),
            self.handler_for(nlu, form_name),
        ) else {
            let mut state = state;
            state.dialogue = Dialogue::Idle;
            return self
                .new_request(nlu, text, entities, state, lang, false, context)
                .await;
        };
        if let Some(navigation) = Self::navigation(text, entities) {
            return Ok(self
                .navigate(navigation, &form, handler.as_ref(), &state, lang, context)
                .await);
        }
        let results = self.search(text, lang)?;
        let complete = form
            .slots
            .iter()
            .all(|s| !s.required || slots.contains_key(&s.name));
        if form.refine && asking.is_none() && complete {
            // The search was shown: a changed slot ("lieber abends") runs it again, anything else is a
            // new request.
            let before = slots.clone();
            self.fill(
                nlu,
                &form,
                handler.as_ref(),
                &mut slots,
                text,
                entities,
                None,
                &results,
                lang,
            );
            // A new topic that is a confident knowledge question ("Hundesteuer") is not a refinement.
            let new_free_text = form
                .slots
                .iter()
                .filter(|s| matches!(s.entity.as_str(), "course_topic" | "text"))
                .any(|s| before.get(&s.name) != slots.get(&s.name));
            let knowledge_answer = self.sure_answer(&results);
            let refinement = slots != before
                && !(new_free_text && knowledge_answer)
                && !self.is_interruption(nlu, text, &results, form_name, None, &form);
            if refinement {
                return Ok(self
                    .advance(
                        nlu,
                        &form,
                        handler.as_ref(),
                        slots,
                        state,
                        lang,
                        context,
                        Vec::new(),
                    )
                    .await);
            }
            let mut state = state;
            state.dialogue = Dialogue::Idle;
            return self
                .new_request(nlu, text, entities, state, lang, false, context)
                .await;
        }
        // A message that answers the question asked ("Ich hole sie ab" for the delivery) is the answer,
        // not a new question, unless it is one ('?') or another transaction is sure.
        let answers_question = asking
            .as_deref()
            .and_then(|name| form.slots.iter().find(|s| s.name == name))
            .is_some_and(|slot| {
                entities.iter().any(|e| e.kind == slot.entity)
                    // An office named loosely ("mitte") when an office is asked.
                    || slot.entity == "office"
                        && text.split_whitespace().count() <= 4
                        && !self.retriever.find_offices(text).0.is_empty()
            })
            && !text.trim_end().ends_with('?')
            && !nlu
                .classifier
                .classify(text)
                .first()
                .is_some_and(|(intent, p)| {
                    intent != form_name && intent != intent::SERVICE_INFO && *p >= SURE_INTENT
                });
        // A value with its slot named ("Name: Олена Коваленко") is an answer, whatever it resembles.
        let labelled = slots::labelled(text).is_some_and(|(candidates, _)| {
            candidates
                .iter()
                .any(|name| form.slots.iter().any(|s| s.name == *name))
        });
        // A question is answered, whatever is asked ("what documents do I need?" when the e-mail is
        // asked), then the form asks again.
        let side_question = slots::question_like(text) && text.split_whitespace().count() <= 12;
        if !answers_question
            && !labelled
            && (side_question
                || self.is_interruption(nlu, text, &results, form_name, asking.as_deref(), &form))
        {
            return self
                .interrupt(
                    nlu,
                    text,
                    entities,
                    &form,
                    handler.as_ref(),
                    slots,
                    asking,
                    state,
                    lang,
                    context,
                )
                .await;
        }
        let (filled, errors) = self.fill(
            nlu,
            &form,
            handler.as_ref(),
            &mut slots,
            text,
            entities,
            asking.as_deref(),
            &results,
            lang,
        );
        let mut messages = Vec::new();
        let mut filled = filled;
        if filled == 0 && asking.is_none() {
            // After "ändern", a plausible name with no other detail in it is the form's one name.
            let mut names = form.slots.iter().filter(|s| s.entity == "person_name");
            if let (Some(slot), None) = (names.next(), names.next())
                && entities.is_empty()
                && slots::plausible_name(text, entities)
                && let Ok(value) = handler.validate(&slot.name, text.trim(), &slots, lang)
            {
                slots.insert(slot.name.clone(), value);
                filled = 1;
            }
        }
        // A detail said again ("dienstag nachmittags" when Tuesday afternoon is already chosen) is no
        // error: the question comes again with its choices.
        let repeated = errors.is_empty()
            && form.slots.iter().any(|slot| {
                entities
                    .iter()
                    .any(|e| e.kind == slot.entity && slots.get(&slot.name) == Some(&e.value))
            });
        if filled == 0 && repeated {
            return Ok(self
                .advance(
                    nlu,
                    &form,
                    handler.as_ref(),
                    slots,
                    state,
                    lang,
                    context,
                    Vec::new(),
                )
                .await);
        }
        if filled == 0 && asking.is_none() && errors.is_empty() {
            // After "ändern": a value that fits no detail by itself; ask which one is meant.
            return Ok(self.what_to_change(&form, slots, state, lang, texts(lang).change_how));
        }
        if filled == 0
            && let Some(slot) = asking.as_deref().filter(|slot| slots.contains_key(*slot))
        {
            // A detail being changed ("ask:name"): the refusal, then the same question again.
            let reason = errors.first().cloned().unwrap_or_default();
            let mut question = Message::plain(
                format!(
                    "{} {reason}\n{}",
                    texts(lang).not_accepted,
                    form.question(slot, lang).unwrap_or_default()
                )
                .trim()
                .to_string(),
            );
            question.buttons = handler.options(slot, &slots, context, lang).await;
            let mut state = state;
            state.dialogue = Dialogue::Form {
                form: form.intent.clone(),
                slots,
                asking: asking.clone(),
            };
            return Ok(self.outcome(lang, state, &form.intent, vec![question]));
        }
        if filled == 0 {
            // Nothing usable: the handler says what is wrong with the answer to the question asked.
            let reason = errors.first().cloned().unwrap_or_else(|| {
                asking
                    .as_deref()
                    .and_then(|slot| handler.validate(slot, text, &slots, lang).err())
                    .unwrap_or_default()
            });
            messages.push(Message::plain(
                format!("{} {reason}", texts(lang).not_accepted)
                    .trim()
                    .to_string(),
            ));
        }
        Ok(self
            .advance(
                nlu,
                &form,
                handler.as_ref(),
                slots,
                state,
                lang,
                context,
                messages,
            )
            .await)
    }

    #[allow(clippy::too_many_arguments)]
    async fn continue_confirming(
        &self,
        nlu: &Nlu,
        text: &str,
        entities: &[Entity],
        form_name: &str,
        mut slots: Slots,
        mut state: DialogueState,
        lang: Lang,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let (Some(form), Some(handler)) = (
            nlu.forms.get(form_name).cloned(),
            self.handler_for(nlu, form_name),
        ) else {
            state.dialogue = Dialogue::Idle;
            return self
                .new_request(nlu, text, entities, state, lang, false, context)
                .await;
        };
        if let Some(navigation) = Self::navigation(text, entities) {
            return Ok(self
                .navigate(navigation, &form, handler.as_ref(), &state, lang, context)
                .await);
        }
        let short = text.split_whitespace().count() <= 4;
        if short
            && entities.iter().any(|e| e.kind == "yes")
            && !entities.iter().any(|e| e.kind == "no")
        {
            let service = self.form_service(nlu, &form, handler.as_ref(), &slots, lang);
            return Ok(self
                .commit(
                    &form,
                    handler.as_ref(),
                    slots,
                    state,
                    lang,
                    context,
                    Vec::new(),
                    service,
                )
                .await);
        }
        let results = self.search(text, lang)?;
        let (filled, _) = self.fill(
            nlu,
            &form,
            handler.as_ref(),
            &mut slots,
            text,
            entities,
            None,
            &results,
            lang,
        );
        if filled > 0 {
            return Ok(self
                .advance(
                    nlu,
                    &form,
                    handler.as_ref(),
                    slots,
                    state,
                    lang,
                    context,
                    Vec::new(),
                )
                .await);
        }
        if short && entities.iter().any(|e| e.kind == "no") {
            return Ok(self.what_to_change(&form, slots, state, lang, texts(lang).what_to_change));
        }
        self.interrupt(
            nlu,
            text,
            entities,
            &form,
            handler.as_ref(),
            slots,
            None,
            state,
            lang,
            context,
        )
        .await
    }

    /// Whether a message inside a form is a question of its own rather than an answer to the form.
    fn is_interruption(
        &self,
        nlu: &Nlu,
        text: &str,
        results: &SearchResults,
        form_name: &str,
        asking: Option<&str>,
        form: &Form,
    ) -> bool {
        let ranked = nlu.classifier.classify(text);
        let other_intent = ranked.first().is_some_and(|(intent, probability)| {
            intent != form_name
                && intent != intent::SERVICE_INFO
                && *probability >= INTENT_THRESHOLD
        });
        let knowledge_question = self.sure_answer(results)
            && (text.ends_with('?') || text.split_whitespace().count() >= 3);
        let asking_free_text = asking
            .and_then(|name| form.slots.iter().find(|s| s.name == name))
            .is_some_and(|s| matches!(s.entity.as_str(), "text" | "person_name" | "course_topic"));
        if asking_free_text && slots::question_like(text) && text.split_whitespace().count() <= 12 {
            // A question is never a name, an address or a reason: it is answered, then asked again.
            return true;
        }
        if asking_free_text {
            // Free text fills the slot unless it clearly is something else: a question. Long answers
            // (an address, the reasons of an objection) are the answer, whatever they mention.
            let long_answer = asking
                .and_then(|name| form.slots.iter().find(|s| s.name == name))
                .is_some_and(|s| s.entity == "text");
            if long_answer {
                // Another transaction the classifier is sure of ("Ich möchte eine Heiratsurkunde
                // bestellen") interrupts too.
                let sure_other = ranked.first().is_some_and(|(intent, probability)| {
                    intent != form_name
                        && intent != intent::SERVICE_INFO
                        && *probability >= SURE_INTENT
                });
                return text.ends_with('?') && (knowledge_question || other_intent) || sure_other;
            }
            return knowledge_question && text.ends_with('?')
                || other_intent && !text.contains('@');
        }
        // A slot of fixed values (a choice, a code, an office): a message that fits none of them but
        // that the knowledge answers for sure ("Personalausweis" while pay-or-object is asked) is a
        // question of its own, however short.
        other_intent || knowledge_question || self.sure_answer(results)
    }

    /// Answers a question asked in the middle of a form, then asks the form's question again.
    #[allow(clippy::too_many_arguments)]
    async fn interrupt(
        &self,
        nlu: &Nlu,
        text: &str,
        entities: &[Entity],
        form: &Form,
        handler: &dyn FormHandler,
        slots: Slots,
        asking: Option<String>,
        state: DialogueState,
        lang: Lang,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let mut idle = state.clone();
        idle.dialogue = Dialogue::Idle;
        let mut answered =
            Box::pin(self.new_request(nlu, text, entities, idle, lang, false, context)).await?;
        if answered.handoff
            && let Dialogue::HandedOff { resume } = &mut answered.state.dialogue
        {
            // The form waits for the citizen's return.
            *resume = Some(Box::new(state.dialogue.clone()));
        }
        if answered.handoff || answered.state.form().is_some() {
            // A new transaction or a handoff replaces the form.
            return Ok(answered);
        }
        let mut state = answered.state.clone();
        state.last_service = answered.state.last_service.clone();
        let mut messages = answered.messages.clone();
        let resume = match &asking {
            Some(slot) => form.question(slot, lang).unwrap_or_default().to_string(),
            None => handler.summarise(&slots, lang),
        };
        let mut again = Message::plain(format!("{} {resume}", texts(lang).resume));
        if let Some(slot) = &asking {
            again.buttons = handler.options(slot, &slots, context, lang).await;
        }
        messages.push(again);
        let all_filled = !form
            .slots
            .iter()
            .any(|s| s.required && !slots.contains_key(&s.name));
        state.dialogue = if asking.is_none() && form.confirm && all_filled {
            Dialogue::Confirming {
                form: form.intent.clone(),
                slots,
            }
        } else {
            Dialogue::Form {
                form: form.intent.clone(),
                slots,
                asking,
            }
        };
        let mut outcome = self.outcome(answered.lang, state, &answered.intent, messages);
        outcome.service = answered.service;
        outcome.confidence = answered.confidence;
        Ok(outcome)
    }

    /// Hands the conversation to a person, keeping the step it was in to resume later; outside the
    /// agents' duty hours nobody would answer, so the assistant says when the 115 line is reachable and
    /// goes on helping instead.
    fn hand_off(
        &self,
        mut state: DialogueState,
        lang: Lang,
        text: &str,
        reason: &'static str,
        confidence: f32,
    ) -> Outcome {
        if !self.on_duty() {
            let off_duty = if reason == "asked" {
                texts(lang).off_duty_asked
            } else {
                texts(lang).off_duty_failures
            };
            let mut outcome = self.plain(lang, state, intent::FALLBACK, off_duty);
            if reason == "asked" {
                outcome.intent = intent::HANDOFF.to_string();
            }
            outcome.confidence = confidence;
            if let Some(hotline) = self.retriever.knowledge().service(HOTLINE_SERVICE) {
                outcome.messages[0].buttons = vec![Button {
                    label: texts(lang).call_115.to_string(),
                    action: format!("service:{}", hotline.slug),
                }];
            }
            return outcome;
        }
        let resume = std::mem::take(&mut state.dialogue);
        state.dialogue = Dialogue::HandedOff {
            resume: (resume != Dialogue::Idle).then(|| Box::new(resume)),
        };
        state.failures = 0;
        let mut outcome = self.plain(lang, state, intent::HANDOFF, text);
        outcome.handoff = true;
        outcome.confidence = confidence;
        outcome.effects.push(Effect::Handoff(reason));
        let back = Button {
            label: texts(lang).back_to_assistant.to_string(),
            action: "handoff:leave".to_string(),
        };
        outcome.messages[0].buttons = vec![back];
        outcome
    }

    async fn respond_action(
        &self,
        action: &str,
        mut state: DialogueState,
        mut lang: Lang,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let knowledge = self.retriever.knowledge();
        let (verb, argument) = action.split_once(':').unwrap_or((action, ""));
        let unknown = |state| self.plain(lang, state, intent::FALLBACK, texts(lang).unknown_action);
        match verb {
            "service" => Ok(match knowledge.service(argument) {
                Some(service) => self.answer(service, lang, state, 1.0),
                None => unknown(state),
            }),
            "details" => Ok(match knowledge.service(argument) {
                Some(service) => {
                    let mut outcome = self.plain(
                        lang,
                        state,
                        intent::SERVICE_INFO,
                        &detail_text(knowledge, service, lang),
                    );
                    outcome.service = Some(service_ref(service, lang));
                    outcome.state.last_service = Some(service.slug.clone());
                    outcome
                }
                None => unknown(state),
            }),
            "office" => Ok(match knowledge.office(argument) {
                Some(office) => self.office(office, lang, state),
                None => unknown(state),
            }),
            "course" => Ok(
                match self.retriever.courses().and_then(|c| c.course(argument)) {
                    Some(course) => {
                        let mut outcome =
                            self.plain(lang, state, "course.search", &course_details(course, lang));
                        outcome.service = self.related_service("course.search", lang);
                        // Registration straight from the details, where a handler takes it.
                        if let Some(nlu) = &self.nlu
                            && self.handler_for(nlu, "course.register").is_some()
                            && let Some(message) = outcome.messages.last_mut()
                        {
                            message.buttons.push(Button {
                                label: texts(lang).register.to_string(),
                                action: format!("form:course.register?course={}", course.id),
                            });
                        }
                        outcome
                    }
                    None => unknown(state),
                },
            ),
            "lang" => match Lang::negotiate(argument) {
                Some(chosen) => {
                    lang = chosen;
                    state.lang_fixed = true;
                    Ok(self.repeat_in(state, lang))
                }
                None => Ok(unknown(state)),
            },
            "confirm" | "slot" | "ask" => {
                self.form_action(verb, argument, state, lang, context).await
            }
            // The "back to the assistant" button of a handoff already handed back.
            "handoff" if argument == "leave" => Ok(self
                .resume_step(state, lang, context, texts(lang).handed_back)
                .await),
            "form" => self.start_form(argument, state, lang, context).await,
            _ => Ok(unknown(state)),
        }
    }

    /// A button that starts a form with slots filled: `form:INTENT?slot=value&slot=value` (values
    /// percent-encoded). Each value goes through the handler's validation like a typed one.
    async fn start_form(
        &self,
        argument: &str,
        mut state: DialogueState,
        lang: Lang,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let unknown = |state| self.plain(lang, state, intent::FALLBACK, texts(lang).unknown_action);
        let Some(nlu) = self.nlu.clone() else {
            return Ok(unknown(state));
        };
        let (name, query) = argument.split_once('?').unwrap_or((argument, ""));
        let (Some(form), Some(handler)) =
            (nlu.forms.get(name).cloned(), self.handler_for(&nlu, name))
        else {
            return Ok(unknown(state));
        };
        let mut slots = Slots::new();
        let mut messages = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            if !form.slots.iter().any(|s| s.name == key) {
                return Ok(unknown(state));
            }
            match handler.validate(key, &value, &slots, lang) {
                Ok(normalised) => {
                    slots.insert(key.to_string(), normalised);
                }
                Err(reason) => messages.push(Message::plain(reason)),
            }
        }
        state.failures = 0;
        Ok(self
            .advance(
                &nlu,
                &form,
                handler.as_ref(),
                slots,
                state,
                lang,
                context,
                messages,
            )
            .await)
    }

    fn related_service(&self, intent: &str, lang: Lang) -> Option<ServiceRef> {
        let slug = self.nlu.as_ref()?.default_service(intent)?;
        self.retriever
            .knowledge()
            .service(slug)
            .map(|service| service_ref(service, lang))
    }

    /// Buttons inside a form: `confirm:yes|change|cancel`, `slot:NAME:VALUE`.
    async fn form_action(
        &self,
        verb: &str,
        argument: &str,
        mut state: DialogueState,
        lang: Lang,
        context: &CommitContext,
    ) -> Result<Outcome, ConversationError> {
        let unknown = |state| self.plain(lang, state, intent::FALLBACK, texts(lang).unknown_action);
        let Some(nlu) = self.nlu.clone() else {
            return Ok(unknown(state));
        };
        let Some(form_name) = state.form().map(String::from) else {
            return Ok(unknown(state));
        };
        let (Some(form), Some(handler)) = (
            nlu.forms.get(&form_name).cloned(),
            self.handler_for(&nlu, &form_name),
        ) else {
            return Ok(unknown(state));
        };
        let slots = match &state.dialogue {
            Dialogue::Form { slots, .. } | Dialogue::Confirming { slots, .. } => slots.clone(),
            _ => Slots::new(),
        };
        match (verb, argument) {
            ("confirm", "yes") if matches!(state.dialogue, Dialogue::Confirming { .. }) => {
                let service = self.form_service(&nlu, &form, handler.as_ref(), &slots, lang);
                Ok(self
                    .commit(
                        &form,
                        handler.as_ref(),
                        slots,
                        state,
                        lang,
                        context,
                        Vec::new(),
                        service,
                    )
                    .await)
            }
            ("confirm", "change") => {
                Ok(self.what_to_change(&form, slots, state, lang, texts(lang).what_to_change))
            }
            ("confirm", "cancel") => Ok(self.cancel_form(state, lang, context).await),
            ("ask", name) => {
                // "Change the name": the question of that detail again; the old value stays until a
                // new one is given.
                let Some(slot) = form.slots.iter().find(|s| s.name == name) else {
                    return Ok(unknown(state));
                };
                let mut text = form
                    .question(&slot.name, lang)
                    .or_else(|| slots::slot_label(&slot.name, lang))
                    .unwrap_or_default()
                    .to_string();
                if let Some(old) = slots
                    .get(&slot.name)
                    .filter(|_| !matches!(slot.entity.as_str(), "button" | "photo"))
                {
                    text = format!("{text} ({old})");
                }
                let mut message = Message::plain(text);
                message.buttons = handler.options(&slot.name, &slots, context, lang).await;
                state.dialogue = Dialogue::Form {
                    form: form_name.clone(),
                    slots,
                    asking: Some(slot.name.clone()),
                };
                Ok(self.outcome(lang, state, &form_name, vec![message]))
            }
            ("slot", choice) => {
                let Some((name, value)) = choice.split_once(':') else {
                    return Ok(unknown(state));
                };
                if !form.slots.iter().any(|s| s.name == name) {
                    return Ok(unknown(state));
                }
                let mut slots = slots;
                match handler.validate(name, value, &slots, lang) {
                    Ok(normalised) => {
                        slots.insert(name.to_string(), normalised);
                        Ok(self
                            .advance(
                                &nlu,
                                &form,
                                handler.as_ref(),
                                slots,
                                state,
                                lang,
                                context,
                                Vec::new(),
                            )
                            .await)
                    }
                    Err(reason) => {
                        let messages = vec![Message::plain(format!(
                            "{} {reason}",
                            texts(lang).not_accepted
                        ))];
                        Ok(self
                            .advance(
                                &nlu,
                                &form,
                                handler.as_ref(),
                                slots,
                                state,
                                lang,
                                context,
                                messages,
                            )
                            .await)
                    }
                }
            }
            _ => Ok(unknown(state)),
        }
    }

    pub(super) fn answer(
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
        // The transaction the entry describes, one press away ("Mangel melden", "Termin buchen").
        if let Some(nlu) = &self.nlu {
            let form = if service.bookable && self.handler_for(nlu, "appointment.book").is_some() {
                Some((
                    texts(lang).book_appointment,
                    format!("form:appointment.book?service={}", service.slug),
                ))
            } else {
                nlu.forms
                    .keys()
                    .filter(|intent| !intent.starts_with("appointment."))
                    .find(|intent| {
                        nlu.default_service(intent) == Some(service.slug.as_str())
                            && self.handler_for(nlu, intent).is_some()
                    })
                    .map(|intent| (texts(lang).do_it_online, format!("form:{intent}")))
            };
            if let Some((label, action)) = form {
                buttons.insert(
                    1,
                    Button {
                        label: label.to_string(),
                        action,
                    },
                );
            }
        }
        state.last_service = Some(service.slug.clone());
        state.last_intent = Some(intent::SERVICE_INFO.to_string());
        state.failures = 0;
        let mut outcome = self.outcome(
            lang,
            state,
            intent::SERVICE_INFO,
            vec![Message {
                text: card_text(&card, lang),
                card: Some(card),
                buttons,
                image: None,
            }],
        );
        outcome.confidence = confidence;
        outcome.service = Some(service_ref(service, lang));
        outcome
    }

    /// A follow-up about the last service: only the part asked for (fees, documents, place ...).
    fn facet_answer(
        &self,
        service: &Service,
        facets: &[String],
        mut state: DialogueState,
        lang: Lang,
    ) -> Outcome {
        let knowledge = self.retriever.knowledge();
        let (text_lang, text) = service.text(lang);
        let mut lines = vec![text.name.clone()];
        for facet in facets {
            let part: Option<String> = match facet.as_str() {
                "fees" => {
                    let mut fees: Vec<String> = service
                        .fees
                        .iter()
                        .map(|f| format_fee(f, text, text_lang))
                        .collect();
                    fees.extend(text.fee_note.clone());
                    (!fees.is_empty()).then(|| fees.join("\n"))
                }
                "documents" => (!text.documents.is_empty()).then(|| {
                    text.documents
                        .iter()
                        .map(|d| format!("- {d}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                }),
                "duration" => text
                    .processing_time
                    .clone()
                    .or_else(|| text.deadlines.clone()),
                "deadline" => text
                    .deadlines
                    .clone()
                    .or_else(|| text.processing_time.clone()),
                "place" | "hours" | "presence" => describe_offices(knowledge, service, text_lang),
                "online" => service.online_service.as_ref().map(|o| {
                    format!(
                        "{} ({})",
                        text.online_service_label
                            .clone()
                            .unwrap_or_else(|| o.label.clone()),
                        o.url
                    )
                }),
                _ => None,
            };
            if let Some(part) = part
                && !lines.contains(&part)
            {
                lines.push(part);
            }
        }
        if lines.len() == 1 {
            lines.push(format!(
                "{} {}",
                texts(lang).facet_unknown,
                service.source_url
            ));
        }
        state.last_service = Some(service.slug.clone());
        state.last_intent = Some(intent::SERVICE_INFO.to_string());
        state.failures = 0;
        let mut outcome = self.plain(lang, state, intent::SERVICE_INFO, &lines.join("\n"));
        outcome.messages[0].buttons = vec![Button {
            label: texts(lang).details.to_string(),
            action: format!("details:{}", service.slug),
        }];
        outcome.service = Some(service_ref(service, lang));
        outcome
    }

    fn office(&self, office: &Office, lang: Lang, mut state: DialogueState) -> Outcome {
        let knowledge = self.retriever.knowledge();
        let card = office_card(office, (self.clock)(), lang);
        let service = office
            .service
            .as_deref()
            .and_then(|slug| knowledge.service(slug));
        if let Some(service) = service {
            state.last_service = Some(service.slug.clone());
        }
        state.failures = 0;
        let mut outcome = self.outcome(
            lang,
            state,
            intent::SERVICE_INFO,
            vec![Message {
                text: card_text(&card, lang),
                card: Some(card),
                buttons: Vec::new(),
                image: None,
            }],
        );
        outcome.service = service.map(|service| service_ref(service, lang));
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
        if state.failures >= FAILURES_BEFORE_HANDOFF && self.handoffs.is_some() {
            return self.hand_off(
                state,
                lang,
                texts(lang).handoff_after_failures,
                "failures",
                1.0,
            );
        }
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

/// One course in words: title, when, where, fee, seats.
pub fn course_line(course: &Course, lang: Lang) -> String {
    course_line_with(course, course.free_seats(), lang)
}

/// A course on one line, with the seats that are really free (the export's minus registrations here).
pub fn course_line_with(course: &Course, free_seats: u32, lang: Lang) -> String {
    let t = texts(lang);
    let days: Vec<String> = course
        .weekdays
        .iter()
        .map(|d| weekday_short(*d, lang).to_string())
        .collect();
    let place = if course.online() {
        t.online.to_string()
    } else {
        course.place.clone()
    };
    let seats = match free_seats {
        0 => t.full.to_string(),
        free => format!("{free} {}", t.free_seats),
    };
    let start = if lang.content_fallback() == Lang::De {
        course.start.format("%d.%m.%Y").to_string()
    } else {
        course.start.format("%Y-%m-%d").to_string()
    };
    format!(
        "{} ({}, {}): {} {}–{}, {start}, {place}. {} {} ({} {}). {seats}.",
        course.title,
        course.id,
        course.level,
        days.join("/"),
        course.time_from.format("%H:%M"),
        course.time_to.format("%H:%M"),
        t.fee,
        format_euros(course.fee_cents, lang),
        t.reduced,
        format_euros(course.reduced_fee_cents, lang),
    )
}

/// A course with its description.
pub fn course_details(course: &Course, lang: Lang) -> String {
    format!("{}\n\n{}", course_line(course, lang), course.description)
}

fn weekday_short(day: chrono::Weekday, lang: Lang) -> &'static str {
    use chrono::Weekday::*;
    let german = lang.content_fallback() == Lang::De;
    match (day, german) {
        (Mon, true) => "Mo",
        (Tue, true) => "Di",
        (Wed, true) => "Mi",
        (Thu, true) => "Do",
        (Fri, true) => "Fr",
        (Sat, true) => "Sa",
        (Sun, true) => "So",
        (Mon, false) => "Mon",
        (Tue, false) => "Tue",
        (Wed, false) => "Wed",
        (Thu, false) => "Thu",
        (Fri, false) => "Fri",
        (Sat, false) => "Sat",
        (Sun, false) => "Sun",
    }
}

/// What a `form:` button's slot value keeps unescaped: letters, digits and `-_.:@`.
const SLOT_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b':')
    .remove(b'@');

/// Decodes `%XX` escapes and `+` (a space) in a button's slot value; invalid escapes stay as they are.
pub fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Encodes a slot value for a `form:` button.
pub fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, SLOT_VALUE).to_string()
}

/// The current time in the engine, for handlers that need "today".
pub fn local_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&TIME_ZONE).date_naive()
}
