//! The dialogue state kept per conversation between turns (persisted as JSON in the store).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The slots of a form filled so far: slot name to normalised value.
pub type Slots = BTreeMap<String, String>;

/// Where the conversation stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Dialogue {
    /// Waiting for the next question.
    #[default]
    Idle,
    /// Filling a form: the slots so far and the slot asked for.
    Form {
        /// The form (its intent name).
        form: String,
        /// The slots filled so far.
        slots: Slots,
        /// The slot the last question asked for.
        asking: Option<String>,
    },
    /// A form is complete and its summary is waiting for the citizen's yes.
    Confirming {
        /// The form.
        form: String,
        /// Every slot.
        slots: Slots,
    },
    /// Handed to a human agent; the assistant stays silent apart from acknowledging messages. What was
    /// going on before (a form half filled, a summary to confirm) is kept and resumed when the agent
    /// hands the conversation back or the citizen returns to the assistant.
    HandedOff {
        /// The step before the handoff.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Box<Dialogue>>,
    },
}

/// Everything kept about a conversation between turns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DialogueState {
    /// The current step.
    #[serde(default)]
    pub dialogue: Dialogue,
    /// The service the last answer was about, for follow-ups ("und was kostet das?").
    #[serde(default)]
    pub last_service: Option<String>,
    /// The last answer's intent, to repeat it in another language ("and in English?").
    #[serde(default)]
    pub last_intent: Option<String>,
    /// Consecutive turns the assistant could not answer.
    #[serde(default)]
    pub failures: u32,
    /// Whether the language was chosen explicitly (then a message's language does not switch it).
    #[serde(default)]
    pub lang_fixed: bool,
}

impl DialogueState {
    /// The form being filled or confirmed, if any.
    pub fn form(&self) -> Option<&str> {
        match &self.dialogue {
            Dialogue::Form { form, .. } | Dialogue::Confirming { form, .. } => Some(form),
            Dialogue::Idle | Dialogue::HandedOff { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_json_and_old_states_still_load() {
        let state = DialogueState {
            dialogue: Dialogue::Form {
                form: "course.search".into(),
                slots: [("level".to_string(), "A1".to_string())].into(),
                asking: Some("topic".into()),
            },
            last_service: Some("personalausweis-beantragen".into()),
            ..DialogueState::default()
        };
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<DialogueState>(&json).unwrap(), state);
        // The state written by the first version (no dialogue step) still loads.
        let old: DialogueState =
            serde_json::from_str(r#"{"last_service":null,"failures":1,"lang_fixed":false}"#)
                .unwrap();
        assert_eq!(old.dialogue, Dialogue::Idle);
        assert_eq!(old.failures, 1);
        // A handoff saved before the step to resume was kept still loads, with nothing to resume.
        let old: DialogueState =
            serde_json::from_str(r#"{"dialogue":{"step":"handed_off"}}"#).unwrap();
        assert_eq!(old.dialogue, Dialogue::HandedOff { resume: None });
        let waiting = DialogueState {
            dialogue: Dialogue::HandedOff {
                resume: Some(Box::new(state.dialogue.clone())),
            },
            ..DialogueState::default()
        };
        let json = serde_json::to_string(&waiting).unwrap();
        assert_eq!(
            serde_json::from_str::<DialogueState>(&json).unwrap(),
            waiting
        );
    }
}
