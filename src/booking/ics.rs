//! iCalendar (RFC 5545) files for appointments: one VEVENT with the office's address as location.

use icalendar::{Calendar, Component, EventLike, EventStatus};

use super::{Appointment, Status};

/// The calendar file of an appointment; a cancelled appointment gives a cancelled event, so that a
/// calendar that imported the first file can remove it.
pub fn appointment_ics(appointment: &Appointment, title: &str, location: &str) -> String {
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("{}@auskunft", appointment.code))
        .summary(title)
        .description(&format!(
            "Buchungscode / booking code: {}\nSchlüssel / key: {}",
            appointment.code, appointment.key
        ))
        .location(location)
        .starts(appointment.start)
        .ends(appointment.end)
        .status(if appointment.status == Status::Cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    let mut calendar = Calendar::new();
    calendar
        .name("Auskunft")
        .append_property(icalendar::Property::new("METHOD", "PUBLISH"))
        .push(event.done());
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_appointment_becomes_one_event_in_utc() {
        let appointment = Appointment {
            code: "T-KMXP-4821".into(),
            key: "123456".into(),
            service: "personalausweis-beantragen".into(),
            office: "buergerbuero-mitte".into(),
            start: chrono::Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap(),
            end: chrono::Utc
                .with_ymd_and_hms(2026, 11, 26, 8, 15, 0)
                .unwrap(),
            status: Status::Confirmed,
            name: Some("Erika Mustermann".into()),
            email: Some("erika@example.org".into()),
            lang: "de".into(),
            expires_at: None,
        };
        let ics = appointment_ics(
            &appointment,
            "Personalausweis",
            "Otto-Schill-Straße 2, Leipzig",
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
        assert!(ics.contains("BEGIN:VEVENT"));
        assert!(ics.contains("DTSTART:20261126T080000Z"), "{ics}");
        assert!(ics.contains("DTEND:20261126T081500Z"), "{ics}");
        assert!(ics.contains("UID:T-KMXP-4821@auskunft"));
        assert!(ics.contains("STATUS:CONFIRMED"));
        assert!(
            !ics.contains("Erika"),
            "the calendar file carries no personal data"
        );
    }
}
