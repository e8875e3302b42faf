//! A property test of the forms: random interleavings of answers, button presses, side questions,
//! corrections ("Name: ..."), navigation words, dates and times in odd formats, language switches and
//! "abbrechen" played into the appointment booking, checking after every turn what no citizen may ever
//! see broken:
//! - every turn answers (no error, no empty message);
//! - no slot holds a question or a navigation word, and the name is the one given last;
//! - the service never changes (no move names another one);
//! - a summary shows the name given last;
//! - "abbrechen" ends the form and frees the reserved slot.

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::sync::{LazyLock, Mutex};

use auskunft::engine::{Dialogue, DialogueState, slots::question_like};
use auskunft::store::Database;
use auskunft_channel::{Channel, Conversation, Inbound, InboundContent, Reply};
use chrono::TimeZone;
use common::world::{World, appointment_status, reply_text, stored_state};
use proptest::prelude::*;

const SERVICE: &str = "reisepass-beantragen";
const OPENING: &str = "Ich brauche einen Termin für einen Reisepass";
const NAMES: [&str; 4] = [
    "Anna Schulz",
    "Jürgen Groß",
    "Олена Коваленко",
    "Mehmet Yılmaz",
];
const SIDE_QUESTIONS: [&str; 5] = [
    "welche unterlagen brauch ich eigentlich?",
    "wie lange dauert das?",
    "muss ich ein Foto mitbringen?",
    "what documents do I need?",
    "wann hat das Bürgerbüro offen?",
];
const NAVIGATION: [&str; 4] = ["zurück", "ändern", "go back", "change"];
const ODD_TIMES: [&str; 8] = [
    "halb 10",
    "übermorgen",
    "8.12. 9:30",
    "3 pm",
    "nächste Woche Dienstag",
    "viertel nach 11",
    "morgen um 10 Uhr",
    "Donnerstag vormittags",
];
const LANGUAGES: [&str; 2] = ["in English please", "auf Deutsch bitte"];
const NAVIGATION_WORDS: [&str; 6] = ["zurück", "zurueck", "ändern", "back", "change", "abbrechen"];

/// One thing the citizen does.
#[derive(Debug, Clone)]
enum Move {
    /// Answers the question asked (presses the first fitting button or types the value).
    Answer(usize),
    /// Presses the n-th button of the last answer, if there is one.
    Button(usize),
    SideQuestion(usize),
    Navigation(usize),
    OddTime(usize),
    NameCorrection(usize),
    Language(usize),
    Cancel,
}

fn moves() -> impl Strategy<Value = Move> {
    prop_oneof![
        4 => (0..NAMES.len()).prop_map(Move::Answer),
        2 => (0..6usize).prop_map(Move::Button),
        2 => (0..SIDE_QUESTIONS.len()).prop_map(Move::SideQuestion),
        1 => (0..NAVIGATION.len()).prop_map(Move::Navigation),
        2 => (0..ODD_TIMES.len()).prop_map(Move::OddTime),
        1 => (0..NAMES.len()).prop_map(Move::NameCorrection),
        1 => (0..LANGUAGES.len()).prop_map(Move::Language),
        1 => Just(Move::Cancel),
    ]
}

struct Setup {
    runtime: tokio::runtime::Runtime,
    engine: auskunft::engine::Engine,
    database: Database,
    _dir: tempfile::TempDir,
}

static SETUP: LazyLock<Mutex<Setup>> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (engine, database) = runtime.block_on(async {
        let mut world = World::new(dir.path()).await;
        world.settings.agents.duty_hours = "24/7".into();
        // Monday 23 November 2026, 10:00 in Leipzig.
        let monday = chrono::Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        world
            .engine(&Arc::new(AtomicI64::new(monday.timestamp())))
            .await
    });
    Mutex::new(Setup {
        runtime,
        engine,
        database,
        _dir: dir,
    })
});

async fn state_of(database: &Database, conversation: &str) -> DialogueState {
    stored_state(database, conversation)
        .await
        .expect("the conversation is stored")
}

/// Plays the moves; returns the first broken invariant.
async fn play(setup: &Setup, moves: &[Move]) -> Result<(), String> {
    let say = |conversation: Option<String>, content: InboundContent| Inbound {
        channel: Channel::Web,
        conversation,
        content,
        lang_hint: None,
    };
    let first = setup
        .engine
        .handle(say(None, InboundContent::Text(OPENING.into())))
        .await
        .map_err(|e| format!("the opening failed: {e}"))?;
    let conversation = first.conversation.clone();
    let mut last: Reply = first;
    let mut last_name: Option<String> = None;
    let mut log = vec![format!("> {OPENING}")];
    for step in moves {
        let state = state_of(&setup.database, &conversation).await;
        let asking = match &state.dialogue {
            Dialogue::Form { asking, .. } => asking.clone(),
            _ => None,
        };
        let held = match &state.dialogue {
            Dialogue::Form { slots, .. } | Dialogue::Confirming { slots, .. } => {
                slots.get("held").cloned()
            }
            _ => None,
        };
        let buttons: Vec<String> = last
            .messages
            .iter()
            .flat_map(|m| &m.buttons)
            .map(|b| b.action.clone())
            .collect();
        let content = match step {
            Move::Answer(n) => match asking.as_deref() {
                Some("name") => {
                    last_name = Some(NAMES[*n].to_string());
                    InboundContent::Text(NAMES[*n].to_string())
                }
                Some("email") => InboundContent::Text("anna.schulz@example.org".into()),
                Some("office") => InboundContent::Action("slot:office:buergerbuero-mitte".into()),
                _ => match buttons
                    .iter()
                    .find(|b| b.starts_with("slot:start:") || b.starts_with("confirm:yes"))
                {
                    Some(action) => InboundContent::Action(action.clone()),
                    None => InboundContent::Text("morgen um 10 Uhr".into()),
                },
            },
            Move::Button(n) => match buttons.get(*n) {
                // Leaving the form by a "service:" or "details:" button is fine but ends the play.
                Some(action)
                    if action.starts_with("slot:")
                        || action.starts_with("ask:")
                        || action.starts_with("confirm:") =>
                {
                    InboundContent::Action(action.clone())
                }
                _ => continue,
            },
            Move::SideQuestion(n) => InboundContent::Text(SIDE_QUESTIONS[*n].into()),
            Move::Navigation(n) => InboundContent::Text(NAVIGATION[*n].into()),
            Move::OddTime(n) => InboundContent::Text(ODD_TIMES[*n].into()),
            Move::NameCorrection(n) => {
                last_name = Some(NAMES[*n].to_string());
                InboundContent::Text(format!("Name: {}", NAMES[*n]))
            }
            Move::Language(n) => InboundContent::Text(LANGUAGES[*n].into()),
            Move::Cancel => InboundContent::Text("abbrechen".into()),
        };
        // A name given when no form runs any more is no name of this booking.
        if state.form().is_none() {
            break;
        }
        log.push(format!("> {content:?}"));
        let reply = setup
            .engine
            .handle(say(Some(conversation.clone()), content))
            .await
            .map_err(|e| format!("{}\nthe engine failed: {e}", log.join("\n")))?;
        let text = reply_text(&reply);
        log.push(format!("< {text}"));
        let fail = |what: String| Err(format!("{}\n=> {what}", log.join("\n")));
        if reply.messages.is_empty() || reply.messages.iter().any(|m| m.text.trim().is_empty()) {
            return fail("an empty answer".into());
        }
        let after = state_of(&setup.database, &conversation).await;
        if matches!(step, Move::Cancel) {
            if after.form().is_some() {
                return fail("\"abbrechen\" left the form running".into());
            }
            if let Some(held) = &held {
                let code = held.split(' ').next().unwrap_or_default();
                let status = appointment_status(&setup.database, code).await;
                if status.as_deref() == Some("reserved") {
                    return fail(format!("\"abbrechen\" kept the slot {code} reserved"));
                }
            }
            break;
        }
        let (Dialogue::Form { slots, .. } | Dialogue::Confirming { slots, .. }) = &after.dialogue
        else {
            // The booking was confirmed, or a side question became a request of its own.
            break;
        };
        if slots.get("service").is_some_and(|s| s != SERVICE) {
            return fail(format!("the service changed to {:?}", slots.get("service")));
        }
        if let Some(name) = slots.get("name") {
            let folded = name.to_lowercase();
            if question_like(name) || NAVIGATION_WORDS.contains(&folded.as_str()) {
                return fail(format!("the name slot holds {name:?}"));
            }
            if Some(name) != last_name.as_ref() {
                return fail(format!(
                    "the name is {name:?}, the last given {last_name:?}"
                ));
            }
        }
        if matches!(after.dialogue, Dialogue::Confirming { .. })
            && let Some(name) = &last_name
            && !text.contains(name.as_str())
        {
            return fail(format!(
                "the summary does not show the name given last ({name})"
            ));
        }
        last = reply;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES=500 for a longer search.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn forms_never_corrupt_what_the_citizen_said(moves in proptest::collection::vec(moves(), 1..14)) {
        let setup = SETUP.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let result = setup.runtime.block_on(play(&setup, &moves));
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}
