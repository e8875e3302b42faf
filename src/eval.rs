//! `auskunft eval`: scores a question file (the format of shared/eval/dev-questions.tsv) against the real
//! engine: top-1 and top-3 for service questions, intent accuracy, and that out-of-scope questions get no
//! answer. Each question is asked in a fresh conversation.

use std::fmt;

use auskunft_channel::{Channel, Conversation, Inbound, InboundContent};

use crate::knowledge::Knowledge;
use crate::lang::Lang;

/// What a question line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A knowledge question: the answer must be grounded in one of the expected services.
    Service,
    /// An intent question: the recognised intent (or the service) must be one of the expected.
    Intent,
    /// Out of scope: the assistant must not claim an answer.
    OutOfScope,
}

/// One acceptable outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// The answer is grounded in this service.
    Service(String),
    /// The recognised intent is this one.
    Intent(String),
}

/// One question of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// 1-based line number in the file.
    pub line: usize,
    /// What kind of question.
    pub kind: Kind,
    /// Acceptable outcomes (empty for out of scope).
    pub expected: Vec<Expected>,
    /// The citizen's words.
    pub text: String,
}

/// Parses a question file: `kind<TAB>expect<TAB>text`, `#` comments, blank lines ignored.
pub fn parse(content: &str) -> Result<Vec<Question>, String> {
    let mut questions = Vec::new();
    for (index, raw) in content.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let mut columns = raw.splitn(3, '\t');
        let (Some(kind), Some(expect), Some(text)) =
            (columns.next(), columns.next(), columns.next())
        else {
            return Err(format!(
                "line {line}: expected three tab-separated columns: kind, expect, text"
            ));
        };
        let kind = match kind.trim() {
            "s" => Kind::Service,
            "i" => Kind::Intent,
            "f" => Kind::OutOfScope,
            other => {
                return Err(format!(
                    "line {line}: unknown kind '{other}' (use s, i or f)"
                ));
            }
        };
        let expected = if kind == Kind::OutOfScope {
            Vec::new()
        } else {
            expect
                .split('|')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| match e.strip_prefix("i:") {
                    Some(intent) => Expected::Intent(intent.to_string()),
                    None => Expected::Service(e.to_string()),
                })
                .collect()
        };
        if kind != Kind::OutOfScope && expected.is_empty() {
            return Err(format!("line {line}: no expected service or intent"));
        }
        questions.push(Question {
            line,
            kind,
            expected,
            text: text.trim().to_string(),
        });
    }
    Ok(questions)
}

/// What happened to one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The question.
    pub question: Question,
    /// The recognised intent.
    pub intent: String,
    /// Its confidence.
    pub confidence: f32,
    /// The service the answer was grounded in.
    pub service: Option<String>,
    /// The first three candidates (the answer, the "did you mean" buttons, then search hits).
    pub top3: Vec<String>,
    /// The expected outcome was the answer.
    pub top1_ok: bool,
    /// The expected outcome was among the first three candidates.
    pub top3_ok: bool,
}

/// The score of a whole file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Every question's outcome, in file order.
    pub outcomes: Vec<Outcome>,
    /// Service lines skipped because the expected services are not in the knowledge base.
    pub skipped: usize,
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

impl Report {
    fn of(&self, kind: Kind) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(move |o| o.question.kind == kind)
    }

    /// Share of service lines answered with an expected service.
    pub fn top1(&self) -> f64 {
        ratio(
            self.of(Kind::Service).filter(|o| o.top1_ok).count(),
            self.of(Kind::Service).count(),
        )
    }

    /// Share of service lines with an expected service among the first three candidates.
    pub fn top3(&self) -> f64 {
        ratio(
            self.of(Kind::Service).filter(|o| o.top3_ok).count(),
            self.of(Kind::Service).count(),
        )
    }

    /// Share of intent lines recognised right.
    pub fn intent_accuracy(&self) -> f64 {
        ratio(
            self.of(Kind::Intent).filter(|o| o.top1_ok).count(),
            self.of(Kind::Intent).count(),
        )
    }

    /// Service lines whose first candidate (the answer, or the first "did you mean" button) is right.
    pub fn ranked_first(&self) -> usize {
        self.of(Kind::Service)
            .filter(|o| {
                o.top3.first().is_some_and(|slug| {
                    o.question
                        .expected
                        .contains(&Expected::Service(slug.clone()))
                })
            })
            .count()
    }

    /// Service lines answered directly with a service that is not the expected one.
    pub fn wrong_direct(&self) -> usize {
        self.of(Kind::Service)
            .filter(|o| !o.top1_ok && o.service.is_some())
            .count()
    }

    /// Service lines that got no direct answer ("did you mean" or the fallback).
    pub fn not_answered(&self) -> usize {
        self.of(Kind::Service)
            .filter(|o| o.service.is_none())
            .count()
    }

    /// Out-of-scope lines that were answered anyway (must be 0).
    pub fn out_of_scope_answered(&self) -> usize {
        self.of(Kind::OutOfScope).filter(|o| !o.top1_ok).count()
    }

    /// The failed outcomes.
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| !o.top1_ok)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for outcome in self.failures() {
            let kind = match outcome.question.kind {
                Kind::Service => "s",
                Kind::Intent => "i",
                Kind::OutOfScope => "f",
            };
            let expected: Vec<String> = outcome
                .question
                .expected
                .iter()
                .map(|e| match e {
                    Expected::Service(slug) => slug.clone(),
                    Expected::Intent(intent) => format!("i:{intent}"),
                })
                .collect();
            writeln!(
                f,
                "MISS line {} [{kind}] {:?}: expected {} got {} / {} ({:.2}); top3 [{}]{}",
                outcome.question.line,
                outcome.question.text,
                if expected.is_empty() {
                    "no answer".to_string()
                } else {
                    expected.join("|")
                },
                outcome.intent,
                outcome.service.as_deref().unwrap_or("-"),
                outcome.confidence,
                outcome.top3.join(", "),
                if outcome.top3_ok && outcome.question.kind == Kind::Service {
                    " (in top 3)"
                } else {
                    ""
                },
            )?;
        }
        let services = self.of(Kind::Service).count();
        let intents = self.of(Kind::Intent).count();
        let out_of_scope = self.of(Kind::OutOfScope).count();
        writeln!(
            f,
            "service questions: {services}; top-1 {:.1} % ({}), wrong direct answers {:.1} % ({}), not answered directly {}, ranked first {:.1} %, top-3 {:.1} % ({}){}",
            self.top1() * 100.0,
            self.of(Kind::Service).filter(|o| o.top1_ok).count(),
            ratio(self.wrong_direct(), services) * 100.0,
            self.wrong_direct(),
            self.not_answered(),
            ratio(self.ranked_first(), services) * 100.0,
            self.top3() * 100.0,
            self.of(Kind::Service).filter(|o| o.top3_ok).count(),
            if self.skipped > 0 {
                format!("; {} skipped (service not written)", self.skipped)
            } else {
                String::new()
            },
        )?;
        writeln!(
            f,
            "intent questions: {intents}; right {:.1} % ({})",
            self.intent_accuracy() * 100.0,
            self.of(Kind::Intent).filter(|o| o.top1_ok).count()
        )?;
        write!(
            f,
            "out-of-scope questions: {out_of_scope}; answered anyway: {}",
            self.out_of_scope_answered()
        )
    }
}

/// Asks every question in a fresh web conversation and scores the answers. With `skip_unwritten`,
/// service lines whose expected services are all missing from the knowledge base are skipped.
pub async fn run(
    conversation: &dyn Conversation,
    knowledge: &Knowledge,
    questions: &[Question],
    skip_unwritten: bool,
) -> Result<Report, String> {
    let mut report = Report::default();
    for question in questions {
        let written = question.expected.iter().any(|e| match e {
            Expected::Service(slug) => knowledge.base.service(slug).is_some(),
            Expected::Intent(_) => true,
        });
        if skip_unwritten && question.kind == Kind::Service && !written {
            report.skipped += 1;
            continue;
        }
        let inbound = Inbound {
            channel: Channel::Web,
            conversation: None,
            content: InboundContent::Text(question.text.clone()),
            lang_hint: None,
        };
        let reply = conversation
            .handle(inbound)
            .await
            .map_err(|error| format!("line {}: the engine failed: {error}", question.line))?;
        let service = reply.service.as_ref().map(|s| s.slug.clone());
        let mut top3: Vec<String> = Vec::new();
        let candidates = service.iter().cloned().chain(
            reply
                .messages
                .iter()
                .flat_map(|m| m.buttons.iter())
                .filter_map(|b| b.action.strip_prefix("service:").map(String::from)),
        );
        let hits = knowledge
            .search(&question.text, Lang::De, 3)
            .map_err(|e| e.to_string())?;
        for slug in candidates.chain(hits.hits.into_iter().map(|h| h.slug)) {
            if top3.len() < 3 && !top3.contains(&slug) {
                top3.push(slug);
            }
        }
        let expected_service = |slug: &str| {
            question
                .expected
                .contains(&Expected::Service(slug.to_string()))
        };
        let expected_intent = question
            .expected
            .contains(&Expected::Intent(reply.intent.name.clone()));
        let (top1_ok, top3_ok) = match question.kind {
            Kind::OutOfScope => (service.is_none(), service.is_none()),
            Kind::Service | Kind::Intent => {
                let top1 = service.as_deref().is_some_and(expected_service) || expected_intent;
                (top1, top1 || top3.iter().any(|slug| expected_service(slug)))
            }
        };
        report.outcomes.push(Outcome {
            question: question.clone(),
            intent: reply.intent.name,
            confidence: reply.intent.confidence,
            service,
            top3,
            top1_ok,
            top3_ok,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_files_parse_with_alternatives_and_comments() {
        let questions = parse(
            "# kind\texpect\ttext\n\ns\tpersonalausweis-beantragen\tPerso\ni\ti:appointment.book|terminvereinbarung\tTermin\nf\t-\tqwertz\n",
        )
        .unwrap();
        assert_eq!(questions.len(), 3);
        assert_eq!(questions[0].line, 3);
        assert_eq!(
            questions[1].expected,
            vec![
                Expected::Intent("appointment.book".into()),
                Expected::Service("terminvereinbarung".into())
            ]
        );
        assert_eq!(questions[2].kind, Kind::OutOfScope);
        assert!(questions[2].expected.is_empty());
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        assert_eq!(
            parse("s\tonly-two").unwrap_err(),
            "line 1: expected three tab-separated columns: kind, expect, text"
        );
        assert!(parse("x\ta\tb").unwrap_err().contains("unknown kind 'x'"));
    }
}
