//! The `courses` handler: the course.search form (topic, level, weekday, time of day, place) runs a
//! search of the course catalogue and lists the courses found, each with a button to its details.

use std::sync::Arc;

use auskunft_channel::{BoxFuture, Button, Message};
use chrono::Weekday;

use crate::booking::Bookings;
use crate::engine::texts::texts;
use crate::engine::{CommitContext, FormHandler, Slots, course_line_with, local_date};
use crate::knowledge::Knowledge;
use crate::knowledge::courses::{CourseQuery, TimeOfDay};
use crate::lang::Lang;

/// How many courses one answer lists.
const LISTED: usize = 5;

/// Searches the course catalogue.
pub struct CourseSearch {
    knowledge: Arc<Knowledge>,
    bookings: Option<Bookings>,
}

impl CourseSearch {
    /// A search over this knowledge's catalogue.
    pub fn new(knowledge: Arc<Knowledge>) -> CourseSearch {
        CourseSearch {
            knowledge,
            bookings: None,
        }
    }

    /// The same search counting the registrations made here in the free seats shown.
    pub fn with_bookings(mut self, bookings: Bookings) -> CourseSearch {
        self.bookings = Some(bookings);
        self
    }

    fn query(slots: &Slots, knowledge: &Knowledge) -> CourseQuery {
        let place = slots
            .get("place")
            .and_then(|id| knowledge.base.office(id))
            .and_then(|office| office.district.clone());
        let level = slots.get("level").cloned();
        CourseQuery {
            text: slots.get("topic").cloned(),
            levels: match level.as_deref() {
                // Beginners' courses are A1 for languages and "Einsteiger" elsewhere.
                Some("A1") => vec!["A1".to_string(), "Einsteiger".to_string()],
                Some("C1") => vec!["C1".to_string(), "Fortgeschrittene".to_string()],
                Some(level) => vec![level.to_string()],
                None => Vec::new(),
            },
            weekday: slots.get("weekday").and_then(|d| d.parse::<Weekday>().ok()),
            time_of_day: slots.get("time_of_day").and_then(|t| TimeOfDay::parse(t)),
            place,
            available_only: false,
        }
    }
}

impl FormHandler for CourseSearch {
    fn summarise(&self, filled: &Slots, _lang: Lang) -> String {
        filled.values().cloned().collect::<Vec<_>>().join(", ")
    }

    fn commit<'a>(
        &'a self,
        filled: &'a Slots,
        context: &'a CommitContext,
        lang: Lang,
    ) -> BoxFuture<'a, Result<Vec<Message>, String>> {
        Box::pin(async move {
            let t = texts(lang);
            let query = Self::query(filled, &self.knowledge);
            let hits = self
                .knowledge
                .courses
                .search(&query, local_date(context.now));
            if hits.is_empty() {
                return Ok(vec![Message {
                    text: t.courses_none.to_string(),
                    ..Message::default()
                }]);
            }
            let listed: Vec<_> = hits.iter().take(LISTED).collect();
            let registered = match &self.bookings {
                Some(bookings) => bookings.confirmed_counts().await.unwrap_or_else(|error| {
                    tracing::warn!(%error, "cannot count course registrations");
                    Default::default()
                }),
                None => Default::default(),
            };
            let mut text = t.courses_found.to_string();
            for hit in &listed {
                let free = hit
                    .course
                    .free_seats()
                    .saturating_sub(registered.get(&hit.course.id).copied().unwrap_or(0));
                text.push_str("\n- ");
                text.push_str(&course_line_with(hit.course, free, lang));
            }
            if listed.iter().any(|hit| hit.course.sample) {
                text.push_str("\n\n");
                text.push_str(t.courses_sample);
            }
            let buttons = listed
                .iter()
                .map(|hit| Button {
                    label: hit.course.title.clone(),
                    action: format!("course:{}", hit.course.id),
                })
                .collect();
            Ok(vec![Message {
                text,
                buttons,
                ..Message::default()
            }])
        })
    }
}
