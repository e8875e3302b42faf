//! Conversation tests from transcript files (tests/transcripts/*.txt): the real engine with the shipped
//! knowledge and intents, SQLite in a temporary directory, and a fixed clock (Monday 23 November 2026,
//! 10:00 in Leipzig).
//!
//! Format, one line each:
//! - `> text`: the citizen types; `>> action`: the citizen presses a button with that action;
//! - `< intent: NAME`, `< service: SLUG` (or `-` for none), `< lang: TAG`, `< handoff: true|false`,
//!   `< contains: TEXT`, `< not: TEXT`, `< button: ACTION-PREFIX`, `< label: TEXT` (a button's label
//!   contains it), `< no-label: TEXT`: checks on the last answer;
//! - `>>#N`: the citizen presses the Nth button of the last answer; `>>~ PREFIX`: the first button
//!   whose action starts with PREFIX;
//! - `< remember: NAME REGEX`: keeps the first capture group (or the match) of the last answer's text;
//!   `${NAME}` in later lines stands for it (booking codes and keys are random);
//! - `>@ LAT,LON`: the citizen shares a location; `>photo`: the citizen sends a photo;
//! - `@lang TAG` sends that language hint with the following messages (`@lang -` stops);
//! - `@restart`: the server restarts (a new engine on the same database, empty caches);
//! - `@at RFC3339`: the clock moves to that moment; `@release`: an agent hands the conversation back;
//! - `@notice KZ CHECK-CODE CENTS DELIVERED-ON DUE-DATE SUBJECT`: the back office registers a notice;
//! - `#` comments and blank lines are ignored.

mod common;

use common::world::World;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use auskunft_channel::{Channel, Conversation, Inbound, InboundContent, Reply};
use chrono::TimeZone;

/// Runs one transcript; returns the failed checks as `file:line: message`.
async fn run(path: &Path, world: &World) -> Vec<String> {
    let content = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let monday = chrono::Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let clock = Arc::new(AtomicI64::new(monday.timestamp()));
    let (mut engine, mut database) = world.engine(&clock).await;
    let mut conversation: Option<String> = None;
    let mut lang: Option<String> = None;
    let mut last: Option<Reply> = None;
    let mut failures = Vec::new();
    let mut remembered: Vec<(String, String)> = Vec::new();
    for (index, raw) in content.lines().enumerate() {
        let mut substituted = raw.trim().to_string();
        for (name, value) in &remembered {
            substituted = substituted.replace(&format!("${{{name}}}"), value);
        }
        let line = substituted.as_str();
        let at = format!("{name}:{}", index + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(tag) = line.strip_prefix("@lang ") {
            lang = (tag.trim() != "-").then(|| tag.trim().to_string());
            continue;
        }
        if let Some(spec) = line.strip_prefix("@notice ") {
            // @notice KASSENZEICHEN CHECK-CODE AMOUNT-CENTS DELIVERED-ON DUE-DATE SUBJECT...
            let parts: Vec<&str> = spec.split_whitespace().collect();
            let date = |text: &str| text.parse::<chrono::NaiveDate>().unwrap();
            let notice = auskunft::notices::NewNotice {
                kassenzeichen: parts[0].to_string(),
                subject: parts[5..].join(" "),
                amount_cents: parts[2].parse().unwrap(),
                due_date: date(parts[4]),
                issued_on: date(parts[3]) - chrono::Duration::days(2),
                delivered_on: date(parts[3]),
                office: "Steueramt".into(),
                iban: "DE89370400440532013000".into(),
                legal_remedy: true,
            };
            auskunft::notices::Notices::new(database.clone())
                .register(&notice, parts[1], chrono::Utc::now())
                .await
                .unwrap();
            continue;
        }
        if line == "@restart" {
            database.close().await;
            (engine, database) = world.engine(&clock).await;
            continue;
        }
        if let Some(at) = line.strip_prefix("@at ") {
            // The clock moves to this moment (RFC 3339).
            let moment = chrono::DateTime::parse_from_rfc3339(at.trim()).unwrap();
            clock.store(moment.timestamp(), Ordering::SeqCst);
            continue;
        }
        if line == "@release" {
            // An agent hands the conversation back to the assistant.
            let key = auskunft::store::SessionKey {
                channel: Channel::Web,
                conversation: conversation.clone().unwrap_or_default(),
            };
            let closed = auskunft::store::HandoffQueue::close(&database, &key, chrono::Utc::now())
                .await
                .unwrap();
            if !closed {
                failures.push(format!("{at}: nothing was handed off"));
            }
            continue;
        }
        let buttons: Vec<String> = last
            .iter()
            .flat_map(|reply| &reply.messages)
            .flat_map(|m| &m.buttons)
            .map(|b| b.action.clone())
            .collect();
        let pressed = if let Some(number) = line.strip_prefix(">>#") {
            match number
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|n| buttons.get(n.wrapping_sub(1)))
            {
                Some(action) => Some(action.clone()),
                None => {
                    failures.push(format!("{at}: no button {number} in {buttons:?}"));
                    continue;
                }
            }
        } else if let Some(prefix) = line.strip_prefix(">>~ ") {
            match buttons.iter().find(|a| a.starts_with(prefix.trim())) {
                Some(action) => Some(action.clone()),
                None => {
                    failures.push(format!("{at}: no button {prefix} in {buttons:?}"));
                    continue;
                }
            }
        } else {
            line.strip_prefix(">> ").map(String::from)
        };
        let content = if let Some(action) = pressed {
            Some(InboundContent::Action(action))
        } else if let Some(position) = line.strip_prefix(">@ ") {
            let (latitude, longitude) = position.split_once(',').unwrap();
            Some(InboundContent::Location {
                latitude: latitude.trim().parse().unwrap(),
                longitude: longitude.trim().parse().unwrap(),
            })
        } else if line == ">photo" {
            let mut png = std::io::Cursor::new(Vec::new());
            image::RgbImage::from_pixel(20, 20, image::Rgb([120, 60, 30]))
                .write_to(&mut png, image::ImageFormat::Png)
                .unwrap();
            Some(InboundContent::Image {
                mime: "image/png".into(),
                bytes: png.into_inner(),
            })
        } else {
            line.strip_prefix("> ")
                .map(|text| InboundContent::Text(text.to_string()))
        };
        if let Some(content) = content {
            let inbound = Inbound {
                channel: Channel::Web,
                conversation: conversation.clone(),
                content,
                lang_hint: lang.clone(),
            };
            match engine.handle(inbound).await {
                Ok(reply) => {
                    conversation = Some(reply.conversation.clone());
                    last = Some(reply);
                }
                Err(error) => {
                    failures.push(format!("{at}: the engine failed: {error}"));
                    last = None;
                }
            }
            continue;
        }
        let Some(check) = line.strip_prefix("< ") else {
            failures.push(format!("{at}: cannot read this line"));
            continue;
        };
        let Some(reply) = &last else {
            failures.push(format!("{at}: no answer to check"));
            continue;
        };
        let text = common::world::reply_text(reply);
        let (key, expected) = check
            .split_once(':')
            .map(|(k, v)| (k.trim(), v.trim()))
            .unwrap_or((check, ""));
        let ok = match key {
            "remember" => {
                let (name, pattern) = expected.split_once(' ').unwrap_or((expected, ""));
                let found = regex::Regex::new(pattern).ok().and_then(|re| {
                    re.captures(&text).map(|c| {
                        c.get(1)
                            .or_else(|| c.get(0))
                            .map_or(String::new(), |m| m.as_str().to_string())
                    })
                });
                if let Some(value) = &found {
                    remembered.push((name.to_string(), value.clone()));
                }
                found.is_some()
            }
            "intent" => reply.intent.name == expected,
            "service" => reply.service.as_ref().map_or("-", |s| s.slug.as_str()) == expected,
            "lang" => reply.lang == expected,
            "handoff" => reply.handoff.to_string() == expected,
            "contains" => text.contains(expected),
            "not" => !text.contains(expected),
            "button" => reply
                .messages
                .iter()
                .flat_map(|m| &m.buttons)
                .any(|b| b.action.starts_with(expected)),
            "label" => reply
                .messages
                .iter()
                .flat_map(|m| &m.buttons)
                .any(|b| b.label.contains(expected)),
            "no-label" => !reply
                .messages
                .iter()
                .flat_map(|m| &m.buttons)
                .any(|b| b.label.contains(expected)),
            _ => {
                failures.push(format!("{at}: unknown check '{key}'"));
                continue;
            }
        };
        if !ok {
            let buttons: Vec<&str> = reply
                .messages
                .iter()
                .flat_map(|m| &m.buttons)
                .map(|b| b.action.as_str())
                .collect();
            failures.push(format!(
                "{at}: expected {key}: {expected}; got intent {} ({:.2}), service {}, lang {}, handoff {}, buttons {buttons:?}, text:\n{text}\n",
                reply.intent.name,
                reply.intent.confidence,
                reply.service.as_ref().map_or("-", |s| s.slug.as_str()),
                reply.lang,
                reply.handoff
            ));
        }
    }
    database.close().await;
    failures
}

#[tokio::test]
async fn every_transcript_goes_as_written() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "transcripts missing in {}", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let data = tempfile::tempdir().unwrap();
        let world = World::new(data.path()).await;
        failures.extend(run(file, &world).await);
    }
    assert!(
        failures.is_empty(),
        "{} failed check(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
