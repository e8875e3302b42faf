//! Simulated citizens: the task goals of tests/heldout/tasks.toml (written by someone who saw neither
//! the engine nor its data) played through the chat. The citizen has a goal, not a script: it answers
//! whatever the assistant asks from its facts (in its language, typed like the task says), asks its side
//! question once, makes its correction once the fact was given, and confirms a summary; in the "buttons"
//! style it presses buttons wherever the assistant offers any. Which question is open it reads from the
//! conversation's state (the harness's shortcut for reading the question). Success is read back from the
//! database: the booking, report, order, registration, payment or objection with the goal's values.
//!
//! `cargo test --test simulated_citizens -- --nocapture` prints the success per transaction and style
//! and the turns taken; the test fails when a transaction that once worked for every task no longer
//! reaches the floor below.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use auskunft::engine::{Dialogue, DialogueState};
use auskunft::store::Database;
use auskunft_channel::{Channel, Conversation, Inbound, InboundContent, Reply};
use chrono::{Datelike, TimeZone};
use common::world::{World, appointment_status, reply_text, stored_state};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Tasks {
    task: Vec<Task>,
}

#[derive(Debug, Deserialize)]
struct Task {
    id: String,
    lang: String,
    style: String,
    kind: String,
    opening: String,
    #[serde(default)]
    side_question: Option<String>,
    #[serde(default)]
    correction: Option<Correction>,
    #[serde(default)]
    facts: BTreeMap<String, Fact>,
}

#[derive(Debug, Deserialize)]
struct Correction {
    fact: String,
    say: String,
    value: String,
}

#[derive(Debug, Deserialize)]
struct Fact {
    value: String,
    say: Vec<String>,
}

impl Task {
    /// What must be stored for a fact: the corrected value, if the task corrects it.
    fn wanted(&self, fact: &str) -> Option<&str> {
        match &self.correction {
            Some(c) if c.fact == fact => Some(c.value.as_str()),
            _ => self.facts.get(fact).map(|f| f.value.as_str()),
        }
    }

    fn say(&self, fact: &str) -> Option<String> {
        self.facts.get(fact).and_then(|f| f.say.first().cloned())
    }

    fn buttons(&self) -> bool {
        self.style == "buttons"
    }
}

/// Monday 23 November 2026, 10:00 in Leipzig.
fn monday() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

struct Citizen<'a> {
    engine: &'a auskunft::engine::Engine,
    database: &'a Database,
    conversation: Option<String>,
    last: Option<Reply>,
    turns: usize,
    /// The conversation so far, printed for the task named in SIM_TASK.
    log: Vec<String>,
}

impl Citizen<'_> {
    async fn send(&mut self, content: InboundContent) -> Result<(), String> {
        let reply = self
            .engine
            .handle(Inbound {
                channel: Channel::Web,
                conversation: self.conversation.clone(),
                content: content.clone(),
                lang_hint: None,
            })
            .await
            .map_err(|e| format!("the engine failed: {e}"))?;
        self.log.push(format!("> {content:?}"));
        for message in &reply.messages {
            let buttons: Vec<&str> = message.buttons.iter().map(|b| b.action.as_str()).collect();
            self.log.push(format!("< {} {buttons:?}", message.text));
        }
        self.conversation = Some(reply.conversation.clone());
        self.last = Some(reply);
        self.turns += 1;
        Ok(())
    }

    async fn say(&mut self, text: &str) -> Result<(), String> {
        self.send(InboundContent::Text(text.to_string())).await
    }

    async fn press(&mut self, action: &str) -> Result<(), String> {
        self.send(InboundContent::Action(action.to_string())).await
    }

    fn buttons(&self) -> Vec<(String, String)> {
        self.last
            .iter()
            .flat_map(|r| &r.messages)
            .flat_map(|m| &m.buttons)
            .map(|b| (b.action.clone(), b.label.clone()))
            .collect()
    }

    fn text(&self) -> String {
        self.last.as_ref().map(reply_text).unwrap_or_default()
    }

    async fn state(&self) -> DialogueState {
        match &self.conversation {
            Some(conversation) => stored_state(self.database, conversation)
                .await
                .unwrap_or_default(),
            None => DialogueState::default(),
        }
    }
}

fn yes(lang: &str) -> &'static str {
    match lang {
        "en" => "yes",
        "uk" => "так",
        "ar" => "نعم",
        _ => "ja",
    }
}

/// The weekday a fact names ("tuesday", "monday"), if any.
fn weekday(value: &str) -> Option<chrono::Weekday> {
    value.parse().ok()
}

/// A goal's value as the engine's codes write it ("street light" = `streetlight`, "litter" = `dumping`):
/// the task author wrote values in words.
fn code(value: &str) -> String {
    let value = value.to_lowercase().replace([' ', '_', '-'], "");
    match value.as_str() {
        "litter" | "rubbish" | "illegaldumping" | "waste" => "dumping".into(),
        "streetlamp" | "lamp" => "streetlight".into(),
        "sign" | "roadsign" => "trafficsign".into(),
        _ => value,
    }
}

/// Whether a slot button's label ("Di 24.11. 14:00") fits the wanted day and time.
fn label_fits(label: &str, day: Option<&str>, time: Option<&str>) -> bool {
    let short = |w: chrono::Weekday| match w {
        chrono::Weekday::Mon => "Mo",
        chrono::Weekday::Tue => "Di",
        chrono::Weekday::Wed => "Mi",
        chrono::Weekday::Thu => "Do",
        chrono::Weekday::Fri => "Fr",
        chrono::Weekday::Sat => "Sa",
        chrono::Weekday::Sun => "So",
    };
    let day_ok = day
        .and_then(weekday)
        .is_none_or(|w| label.starts_with(short(w)) || label.contains(&format!("{w:?}")));
    let time_ok = label
        .split_whitespace()
        .find(|w| w.contains(':'))
        .is_none_or(|hhmm| time_fits(hhmm, time));
    day_ok && time_ok
}

/// Whether a local time "HH:MM" fits the wanted time: a part of the day or a time.
fn time_fits(hhmm: &str, wanted: Option<&str>) -> bool {
    let hour: u32 = hhmm
        .split(':')
        .next()
        .and_then(|h| h.parse().ok())
        .unwrap_or(99);
    match wanted {
        Some("morning") => hour < 12,
        Some("afternoon") => (12..17).contains(&hour),
        Some("evening") => hour >= 16,
        Some(t) if t.contains(':') => hhmm == t,
        _ => true,
    }
}

/// Plays one task; returns whether the goal was reached and the turns taken.
async fn play(task: &Task, world: &World, database: &Database) -> Result<(bool, usize), String> {
    let clock = Arc::new(AtomicI64::new(monday().timestamp()));
    let (engine, _) = world.engine(&clock).await;
    // What the task needs beforehand: a booking to cancel or move, a notice to pay or object to.
    let mut prepared: Option<(String, String)> = None;
    if task.kind.starts_with("appointment.") && task.kind != "appointment.book" {
        let mut before = Citizen {
            engine: &engine,
            database,
            conversation: None,
            last: None,
            turns: 0,
            log: Vec::new(),
        };
        let service = task
            .wanted("service")
            .unwrap_or("personalausweis-beantragen");
        let office = task.wanted("office").unwrap_or("buergerbuero-mitte");
        before
            .press(&format!(
                "form:appointment.book?service={service}&office={office}"
            ))
            .await?;
        let first = before
            .buttons()
            .into_iter()
            .find(|(a, _)| a.starts_with("slot:start:"))
            .ok_or("no slot to book beforehand")?;
        before.press(&first.0).await?;
        before
            .say(task.wanted("name").unwrap_or("Erika Mustermann"))
            .await?;
        before
            .say(task.wanted("email").unwrap_or("erika@example.org"))
            .await?;
        before.press("confirm:yes").await?;
        let text = before.text();
        let code = regex::Regex::new(r"T-[A-Z]{4}-\d{4}")
            .unwrap()
            .find(&text)
            .map(|m| m.as_str().to_string())
            .ok_or_else(|| format!("no booking beforehand: {text}"))?;
        let key = regex::Regex::new(r"(\d{6})")
            .unwrap()
            .captures(&text[text.find(&code).unwrap_or(0)..])
            .map(|c| c[1].to_string())
            .ok_or("no key beforehand")?;
        prepared = Some((code, key));
    }
    let kassenzeichen = format!("{:010}", 4_711_000_000u64 + task.id.len() as u64 * 7919);
    let check_code = "KMXP-4821";
    if task.kind.starts_with("notice.") {
        let notice = auskunft::notices::NewNotice {
            kassenzeichen: kassenzeichen.clone(),
            subject: "Hundesteuer 2026".into(),
            amount_cents: 15_000,
            due_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            issued_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
            delivered_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(),
            office: "Steueramt".into(),
            iban: "DE89370400440532013000".into(),
            legal_remedy: true,
        };
        auskunft::notices::Notices::new(database.clone())
            .register(&notice, check_code, chrono::Utc::now())
            .await
            .map_err(|e| format!("the notice: {e}"))?;
    }

    let mut citizen = Citizen {
        engine: &engine,
        database,
        conversation: None,
        last: None,
        turns: 0,
        log: Vec::new(),
    };
    citizen.say(&task.opening).await?;
    let mut side_asked = task.side_question.is_none();
    let mut corrected = task.correction.is_none();
    let mut given: Vec<String> = Vec::new();
    let mut in_form = false;
    for _ in 0..30 {
        let state = citizen.state().await;
        let buttons = citizen.buttons();
        let offers_form = buttons.iter().any(|(a, _)| a.starts_with("form:"));
        if state.form().is_some() {
            in_form = true;
        } else if in_form && !offers_form {
            break;
        }
        if let Dialogue::HandedOff { .. } = state.dialogue {
            break;
        }
        // The side question, once the conversation is under way.
        if !side_asked && citizen.turns >= 2 {
            side_asked = true;
            citizen.say(task.side_question.as_deref().unwrap()).await?;
            continue;
        }
        // The correction, once the fact it corrects was given.
        if let Some(correction) = &task.correction
            && !corrected
            && given.contains(&correction.fact)
        {
            corrected = true;
            citizen.say(&correction.say).await?;
            continue;
        }
        match &state.dialogue {
            Dialogue::Confirming { .. } => {
                if task.buttons() && buttons.iter().any(|(a, _)| a == "confirm:yes") {
                    citizen.press("confirm:yes").await?;
                } else {
                    citizen.say(yes(&task.lang)).await?;
                }
                continue;
            }
            Dialogue::Form { asking, .. } => {
                let asking = asking.clone().unwrap_or_default();
                // The fact the question asks for (form slot names to goal facts).
                let fact = match (task.kind.as_str(), asking.as_str()) {
                    (_, "start") => "start",
                    (_, "kind") => "certificate",
                    (_, "relation") => "whose",
                    (_, "event_date") => "date",
                    (_, "register_office") => "place",
                    (_, "applicant") => "name",
                    (_, "reasons") => "reason",
                    (k, "location") | (k, "address") if k == "report.issue" => "place",
                    (_, "time_of_day") => "time",
                    (_, other) => other,
                }
                .to_string();
                given.push(fact.clone());
                if fact == "start" {
                    given.push("day".into());
                    given.push("time".into());
                }
                let wanted_button = |prefix: &str, value: &str| {
                    buttons
                        .iter()
                        .find(|(a, _)| {
                            a.strip_prefix(&format!("slot:{prefix}:"))
                                .is_some_and(|v| code(v) == code(value))
                        })
                        .map(|(a, _)| a.clone())
                };
                // Buttons first where the style says so (or where nothing else fits).
                let button = match fact.as_str() {
                    "start" => buttons
                        .iter()
                        .find(|(a, l)| {
                            a.starts_with("slot:start:")
                                && label_fits(l, task.wanted("day"), task.wanted("time"))
                        })
                        .or_else(|| buttons.iter().find(|(a, _)| a.starts_with("slot:day:")))
                        .map(|(a, _)| a.clone()),
                    "code" | "key" | "change" | "name" | "email" | "reason" | "description"
                    | "person" | "address" | "place" => None,
                    other => task
                        .wanted(other)
                        .and_then(|v| wanted_button(&asking, v))
                        .or_else(|| {
                            buttons
                                .iter()
                                .find(|(a, _)| a.starts_with(&format!("slot:{asking}:")))
                                .map(|(a, _)| a.clone())
                        }),
                };
                let typed: Option<String> = match fact.as_str() {
                    "code" => prepared.as_ref().map(|(c, _)| c.clone()),
                    "key" => prepared.as_ref().map(|(_, k)| k.clone()),
                    "change" => Some(
                        if task.kind == "appointment.reschedule" {
                            "verschieben"
                        } else {
                            "absagen"
                        }
                        .into(),
                    ),
                    "kassenzeichen" | "check_code" => Some(format!("{kassenzeichen} {check_code}")),
                    // The day and time wanted first; offered times then, typed as a time.
                    "start" if given.iter().filter(|f| *f == "start").count() > 1 => buttons
                        .iter()
                        .find(|(a, l)| {
                            a.starts_with("slot:start:")
                                && label_fits(l, task.wanted("day"), task.wanted("time"))
                        })
                        .and_then(|(_, label)| {
                            label
                                .split_whitespace()
                                .find(|w| w.contains(':'))
                                .map(String::from)
                        }),
                    "start" => match (task.say("day"), task.say("time")) {
                        (Some(d), Some(t)) => Some(format!("{d} {t}")),
                        (Some(d), None) => Some(d),
                        (None, Some(t)) => Some(t),
                        _ => None,
                    },
                    "name" => task.say("name").or_else(|| Some("Erika Mustermann".into())),
                    "email" => task
                        .say("email")
                        .or_else(|| Some("erika.mustermann@example.org".into())),
                    "address" if task.kind.starts_with("notice.") => {
                        Some("Musterstraße 1, 04109 Leipzig".into())
                    }
                    other => task.say(other),
                };
                if (task.buttons() || typed.is_none())
                    && let Some(action) = button
                {
                    citizen.press(&action).await?;
                    continue;
                }
                match typed {
                    Some(text) => citizen.say(&text).await?,
                    None => match buttons.first() {
                        Some((action, _)) => citizen.press(&action.clone()).await?,
                        None => citizen.say(yes(&task.lang)).await?,
                    },
                }
            }
            _ => {
                // Not in a form (yet): a button that starts the transaction or names the goal's
                // service ("Meinten Sie: Mängelmelder"), else the goal in words.
                let goal_service = task.wanted("service").or(match task.kind.as_str() {
                    "report.issue" => Some("maengelmelder"),
                    _ => None,
                });
                let pick = buttons
                    .iter()
                    .find(|(a, l)| {
                        a.starts_with("form:")
                            && label_fits(l, task.wanted("day"), task.wanted("time"))
                    })
                    .or_else(|| {
                        buttons.iter().find(|(a, _)| {
                            a.starts_with("form:")
                                || a.starts_with("slot:")
                                || a.starts_with("confirm:")
                        })
                    })
                    .or_else(|| {
                        buttons.iter().find(|(a, _)| {
                            goal_service.is_some_and(|s| *a == format!("service:{s}"))
                        })
                    });
                if let Some((action, _)) = pick {
                    citizen.press(&action.clone()).await?;
                } else if citizen.turns > 6 {
                    break;
                } else {
                    let goal = match task.kind.as_str() {
                        "appointment.book" => {
                            format!("Termin {}", task.say("service").unwrap_or_default())
                        }
                        "notice.pay" | "notice.later" | "notice.objection" => {
                            format!("Kassenzeichen {kassenzeichen} Prüfcode {check_code}")
                        }
                        _ => task.opening.clone(),
                    };
                    citizen.say(&goal).await?;
                }
            }
        }
    }
    let reached = reached(task, database, prepared.as_ref(), &citizen.text()).await;
    if std::env::var("SIM_TASK").is_ok_and(|id| id == task.id) {
        println!("{}", citizen.log.join("\n"));
    }
    Ok((reached, citizen.turns))
}

/// Whether the goal is in the database (or, for paying later, on the screen).
async fn reached(
    task: &Task,
    database: &Database,
    prepared: Option<&(String, String)>,
    last_text: &str,
) -> bool {
    let Database::Sqlite(pool) = database else {
        return false;
    };
    match task.kind.as_str() {
        "appointment.book" | "appointment.reschedule" => {
            let email = task.wanted("email").unwrap_or_default();
            let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
                "SELECT service, office, COALESCE(name, ''), starts_at FROM appointments \
                 WHERE status = 'confirmed' AND email = $1",
            )
            .bind(email)
            .fetch_all(pool)
            .await
            .unwrap_or_default();
            let moved_away = match prepared {
                Some((code, _)) => {
                    appointment_status(database, code).await.as_deref() == Some("cancelled")
                }
                None => true,
            };
            if std::env::var("SIM_TASK").is_ok_and(|id| id == task.id) {
                println!("stored: {rows:?}, moved away: {moved_away}");
            }
            moved_away
                && rows.iter().any(|(service, office, name, starts)| {
                    let at = chrono::Utc
                        .timestamp_opt(*starts, 0)
                        .unwrap()
                        .with_timezone(&chrono_tz::Europe::Berlin);
                    let day_ok = task
                        .wanted("day")
                        .and_then(weekday)
                        .is_none_or(|w| at.weekday() == w);
                    let time_ok = time_fits(&at.format("%H:%M").to_string(), task.wanted("time"));
                    Some(service.as_str()) == task.wanted("service")
                        && Some(office.as_str()) == task.wanted("office")
                        && (task.kind == "appointment.reschedule"
                            || Some(name.as_str()) == task.wanted("name"))
                        && day_ok
                        && time_ok
                })
        }
        "appointment.cancel" => {
            let Some((code, _)) = prepared else {
                return false;
            };
            appointment_status(database, code).await.as_deref() == Some("cancelled")
        }
        "report.issue" => {
            let email = task.wanted("email");
            let rows: Vec<(String, Option<String>)> =
                sqlx::query_as("SELECT service_code, email FROM reports")
                    .fetch_all(pool)
                    .await
                    .unwrap_or_default();
            let category = code(task.wanted("category").unwrap_or_default());
            rows.iter().any(|(service_code, mail)| {
                code(service_code) == category && (mail.is_none() || mail.as_deref() == email)
            })
        }
        "certificate.order" => {
            let copies: i64 = task
                .wanted("copies")
                .and_then(|c| c.parse().ok())
                .unwrap_or(1);
            let rows: Vec<(String, i64)> =
                sqlx::query_as("SELECT kind, copies FROM certificate_orders WHERE email = $1")
                    .bind(task.wanted("email").unwrap_or_default())
                    .fetch_all(pool)
                    .await
                    .unwrap_or_default();
            rows.iter().any(|(kind, n)| {
                task.wanted("certificate").is_none_or(|k| kind == k) && *n == copies
            })
        }
        "course.register" => {
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM course_registrations WHERE email = $1 AND status <> 'cancelled'",
            )
            .bind(task.wanted("email").unwrap_or_default())
            .fetch_one(pool)
            .await
            .unwrap_or(0);
            count > 0
        }
        "notice.pay" => {
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments")
                .fetch_one(pool)
                .await
                .unwrap_or(0);
            count > 0 || last_text.contains("/pay/")
        }
        "notice.later" => last_text.contains("IBAN") || last_text.contains("GiroCode"),
        "notice.objection" => {
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM objections")
                .fetch_one(pool)
                .await
                .unwrap_or(0);
            count > 0
        }
        _ => false,
    }
}

#[tokio::test]
async fn simulated_citizens_reach_their_goals() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/heldout/tasks.toml"
    ))
    .unwrap();
    let tasks: Tasks = toml::from_str(&text).unwrap();
    let mut results: BTreeMap<(String, String), (usize, usize, usize)> = BTreeMap::new();
    let mut lines = Vec::new();
    for task in &tasks.task {
        // Each task on a fresh database: a goal reached is this task's doing.
        let dir = tempfile::tempdir().unwrap();
        let mut world = World::new(dir.path()).await;
        world.settings.agents.duty_hours = "24/7".into();
        let (_, database) = world
            .engine(&Arc::new(AtomicI64::new(monday().timestamp())))
            .await;
        let (ok, turns) = match play(task, &world, &database).await {
            Ok(result) => result,
            Err(error) => {
                lines.push(format!("{}: {error}", task.id));
                (false, 0)
            }
        };
        database.close().await;
        let entry = results
            .entry((task.kind.clone(), task.style.clone()))
            .or_default();
        entry.0 += 1;
        entry.1 += usize::from(ok);
        entry.2 += turns;
        lines.push(format!(
            "{:<50} {:<8} {} in {turns} turns",
            task.id,
            task.style,
            if ok { "reached" } else { "MISSED" }
        ));
    }
    println!("{}", lines.join("\n"));
    println!(
        "\n{:<24} {:<8} {:>8} {:>12}",
        "transaction", "style", "success", "turns/task"
    );
    let (mut all, mut reached) = (0, 0);
    for ((kind, style), (n, ok, turns)) in &results {
        all += n;
        reached += ok;
        println!(
            "{kind:<24} {style:<8} {:>4}/{:<3} {:>12.1}",
            ok,
            n,
            *turns as f64 / *n as f64
        );
    }
    println!("all: {reached}/{all}");
    // The floor: the share reached when this test was written; a drop is a regression to look at.
    assert!(
        reached * 100 >= all * FLOOR_PERCENT,
        "simulated citizens reached {reached} of {all} goals, below the floor of {FLOOR_PERCENT} %"
    );
}

/// The share of goals the simulated citizens reach at least (percent): 17 of 40 (42 %) when written.
const FLOOR_PERCENT: usize = 40;
