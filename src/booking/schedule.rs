//! The appointment calendar: which services can be booked where, for how long, and the slots each
//! office offers, generated from its booking hours (OpenStreetMap syntax, German public holidays closed).
//! Read from `knowledge/appointments.toml`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use opening_hours::OpeningHours;
use serde::Deserialize;

use crate::knowledge::offices::{TIME_ZONE, parse_hours};
use crate::knowledge::{KnowledgeBase, Problem};

/// The file in the knowledge directory.
pub const FILE: &str = "appointments.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    /// Whether the hours and counters are sample values (say so to operators).
    #[serde(default)]
    sample: bool,
    /// How many days ahead slots are offered.
    horizon_days: u32,
    /// Appointment length per service slug, in minutes.
    durations: BTreeMap<String, u32>,
    /// Booking hours and counters per office id.
    offices: BTreeMap<String, OfficeFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeFile {
    hours: String,
    slot_minutes: u32,
    counters: u32,
}

/// One office's booking calendar.
#[derive(Debug, Clone)]
pub struct OfficeCalendar {
    /// The office id.
    pub office: String,
    /// The booking hours as written.
    pub hours_text: String,
    hours: OpeningHours,
    /// The length of one slot unit.
    pub slot_minutes: u32,
    /// Appointments served at once.
    pub counters: u32,
}

/// A bookable appointment type: a service at the offices that offer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentType {
    /// The service slug.
    pub service: String,
    /// The length in minutes.
    pub duration_minutes: u32,
    /// The offices offering it.
    pub offices: Vec<String>,
}

/// A time an appointment can start: its office, start, end and the units it occupies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotTime {
    /// The office id.
    pub office: String,
    /// The start (UTC).
    pub start: DateTime<Utc>,
    /// The end (UTC).
    pub end: DateTime<Utc>,
    /// The starts of the slot units it occupies.
    pub units: Vec<DateTime<Utc>>,
}

/// The whole appointment calendar.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// Whether the calendar is sample data.
    pub sample: bool,
    /// How many days ahead slots are offered.
    pub horizon_days: u32,
    /// Per office id.
    pub offices: BTreeMap<String, OfficeCalendar>,
    /// Per service slug.
    pub types: BTreeMap<String, AppointmentType>,
}

impl Schedule {
    /// Reads the calendar from the knowledge directory, checked against the knowledge base: every
    /// bookable service needs a duration, every office must exist, hours must parse. A missing file is
    /// an empty calendar (nothing bookable).
    pub fn load(dir: &Path, base: &KnowledgeBase) -> Result<Schedule, Vec<Problem>> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Schedule::default());
            }
            Err(error) => {
                return Err(vec![Problem {
                    file: path.clone(),
                    line: 1,
                    message: format!("cannot read: {error}"),
                }]);
            }
        };
        let file: ScheduleFile = toml::from_str(&text).map_err(|error| {
            let line = error
                .span()
                .map_or(1, |span| text[..span.start].matches('\n').count() + 1);
            vec![Problem {
                file: path.clone(),
                line,
                message: error.message().to_string(),
            }]
        })?;
        let mut problems = Vec::new();
        // The line of the first occurrence of a key or section, for the editor.
        let problem = |needle: &str, message: String| Problem {
            file: path.clone(),
            line: text
                .lines()
                .position(|l| l.contains(needle))
                .map_or(1, |i| i + 1),
            message,
        };
        if file.horizon_days == 0 || file.horizon_days > 180 {
            problems.push(problem(
                "horizon_days",
                "horizon_days must be between 1 and 180".to_string(),
            ));
        }
        let mut offices = BTreeMap::new();
        for (id, office) in file.offices {
            if base.office(&id).is_none() {
                problems.push(problem(
                    &format!("[offices.{id}]"),
                    format!("[offices.{id}]: no office with this id in offices/"),
                ));
            }
            if office.counters == 0 || office.counters > 100 {
                problems.push(problem(
                    &format!("[offices.{id}]"),
                    format!("[offices.{id}]: counters must be between 1 and 100"),
                ));
            }
            if office.slot_minutes < 5
                || office.slot_minutes > 240
                || 60 % office.slot_minutes != 0 && office.slot_minutes % 60 != 0
            {
                problems.push(problem(
                    &format!("[offices.{id}]"),
                    format!(
                        "[offices.{id}]: slot_minutes must divide an hour (5, 10, 15, 20, 30, 60)"
                    ),
                ));
            }
            match parse_hours(&office.hours) {
                Ok(hours) => {
                    offices.insert(
                        id.clone(),
                        OfficeCalendar {
                            office: id,
                            hours_text: office.hours,
                            hours,
                            slot_minutes: office.slot_minutes.max(1),
                            counters: office.counters,
                        },
                    );
                }
                Err(error) => problems.push(problem(
                    &format!("[offices.{id}]"),
                    format!(
                        "[offices.{id}]: hours `{}` do not parse: {error}",
                        office.hours
                    ),
                )),
            }
        }
        let mut types = BTreeMap::new();
        for (slug, minutes) in &file.durations {
            match base.service(slug) {
                None => problems.push(problem(
                    &format!("{slug} ="),
                    format!("durations: no service `{slug}`"),
                )),
                Some(service) if !service.bookable => problems.push(problem(
                    &format!("{slug} ="),
                    format!("durations: `{slug}` is not marked bookable in its knowledge entry"),
                )),
                Some(service) => {
                    if *minutes == 0 || *minutes > 240 {
                        problems.push(problem(
                            &format!("{slug} ="),
                            format!("durations: `{slug}` must last 1 to 240 minutes"),
                        ));
                    }
                    let offering: Vec<String> = offices
                        .keys()
                        .filter(|id| {
                            base.office(id).is_some_and(|office| {
                                service
                                    .offices
                                    .iter()
                                    .any(|o| o == &office.id || o == &office.kind)
                            })
                        })
                        .cloned()
                        .collect();
                    if offering.is_empty() {
                        problems.push(problem(
                            &format!("{slug} ="),
                            format!("durations: no office in [offices] offers `{slug}`"),
                        ));
                    }
                    types.insert(
                        slug.clone(),
                        AppointmentType {
                            service: slug.clone(),
                            duration_minutes: *minutes,
                            offices: offering,
                        },
                    );
                }
            }
        }
        for service in base.services.iter().filter(|s| s.bookable) {
            if !types.contains_key(&service.slug) {
                problems.push(problem(
                    "[durations]",
                    format!(
                        "durations: the bookable service `{}` has no duration",
                        service.slug
                    ),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Schedule {
            sample: file.sample,
            horizon_days: file.horizon_days,
            offices,
            types,
        })
    }

    /// The appointment type of a service, if it can be booked.
    pub fn appointment_type(&self, service: &str) -> Option<&AppointmentType> {
        self.types.get(service)
    }

    /// Whether the office offers appointments for the service.
    pub fn offers(&self, service: &str, office: &str) -> bool {
        self.types
            .get(service)
            .is_some_and(|t| t.offices.iter().any(|o| o == office))
    }

    /// The start times of the service at the office on a local date, in order (past ones included).
    pub fn slot_times(&self, service: &str, office: &str, date: NaiveDate) -> Vec<SlotTime> {
        let (Some(kind), Some(calendar)) = (self.types.get(service), self.offices.get(office))
        else {
            return Vec::new();
        };
        if !self.offers(service, office) {
            return Vec::new();
        }
        let unit = i64::from(calendar.slot_minutes);
        let units_needed = ((i64::from(kind.duration_minutes) + unit - 1) / unit).max(1);
        let from = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        let to = from + Duration::days(1);
        let mut slots = Vec::new();
        for range in calendar.hours.iter_range(from, to) {
            if range.kind != opening_hours::RuleKind::Open {
                continue;
            }
            let mut start = range.range.start;
            // Slots start on the unit grid.
            let minute_of_day = start.and_utc().timestamp().rem_euclid(86_400) / 60;
            let offset = minute_of_day.rem_euclid(unit);
            if offset != 0 {
                start += Duration::minutes(unit - offset);
            }
            while start + Duration::minutes(unit * units_needed) <= range.range.end {
                let units: Vec<DateTime<Utc>> = (0..units_needed)
                    .filter_map(|i| local_to_utc(start + Duration::minutes(unit * i)))
                    .collect();
                if let (Some(first), Some(end)) = (
                    local_to_utc(start),
                    local_to_utc(start + Duration::minutes(i64::from(kind.duration_minutes))),
                ) && units.len() == units_needed as usize
                {
                    slots.push(SlotTime {
                        office: office.to_string(),
                        start: first,
                        end,
                        units,
                    });
                }
                start += Duration::minutes(unit);
            }
        }
        slots
    }

    /// The slot of the service at the office starting exactly then, if the calendar has one.
    pub fn slot_at(&self, service: &str, office: &str, start: DateTime<Utc>) -> Option<SlotTime> {
        let date = start.with_timezone(&TIME_ZONE).date_naive();
        self.slot_times(service, office, date)
            .into_iter()
            .find(|slot| slot.start == start)
    }

    /// The counters of an office.
    pub fn counters(&self, office: &str) -> u32 {
        self.offices.get(office).map_or(0, |c| c.counters)
    }
}

/// A local (Leipzig) time in UTC; `None` for a time skipped by the change to summer time.
pub fn local_to_utc(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    TIME_ZONE
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}
