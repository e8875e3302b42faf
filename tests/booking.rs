//! Appointments and course registrations through the REST API, as a client would use them: concurrency
//! on SQLite and PostgreSQL (the database, not a lock, keeps the counts), idempotent retries, the
//! confirmation mail with its calendar file (read from a local SMTP sink), errors with reasons, the
//! waiting list and the counter staff's day list.

mod common;

use std::str::FromStr;
use std::sync::Arc;

use auskunft::config::{MailTls, Settings};
use auskunft::knowledge::Knowledge;
use common::smtp::SmtpSink;
use common::{TestApp, drop_schema, postgres_schema, spawn_with, test_settings};
use serde_json::{Value, json};

const OFFICE: &str = "buergerbuero-mitte";
const SERVICE: &str = "personalausweis-beantragen";
const ADMIN_TOKEN: &str = "counter-staff-token-0123456789";

async fn app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    configure(&mut settings);
    spawn_with(settings, data_dir).await
}

fn mail_to(settings: &mut Settings, sink: &SmtpSink) {
    settings.mail.smtp_host = Some("127.0.0.1".into());
    settings.mail.smtp_port = Some(sink.port);
    settings.mail.tls = MailTls::None;
    settings.mail.from = "Auskunft Leipzig <auskunft@example.org>".into();
}

/// The first slot of the service at the office with every counter free: (start, counters).
async fn empty_slot(app: &TestApp, service: &str, office: &str) -> (String, u64) {
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive();
    for day in 0..14 {
        let date = today + chrono::Duration::days(day);
        let (status, body) = app
            .get(&format!(
                "/api/v1/appointments/slots?service={service}&office={office}&date={date}"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, offices) = app.get("/api/v1/offices").await;
        let counters = offices["offices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == office)
            .and_then(|o| o["booking"]["counters"].as_u64())
            .expect("the office takes appointments");
        if let Some(slot) = body["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["free"].as_u64() == Some(counters))
        {
            return (slot["start"].as_str().unwrap().to_string(), counters);
        }
    }
    panic!("no free slot for {service} at {office} in two weeks");
}

async fn slot_free(app: &TestApp, office: &str, start: &str) -> u64 {
    let date = chrono::DateTime::parse_from_rfc3339(start)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive();
    let (_, body) = app
        .get(&format!(
            "/api/v1/appointments/slots?service={SERVICE}&office={office}&date={date}"
        ))
        .await;
    body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["start"] == start && s["office"] == office)
        .and_then(|s| s["free"].as_u64())
        .expect("the slot is listed")
}

async fn post(app: &TestApp, path: &str, body: &Value, idempotency: Option<&str>) -> (u16, Value) {
    let mut request = app.client.post(format!("{}{path}", app.address)).json(body);
    if let Some(key) = idempotency {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn delete(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app
        .client
        .delete(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

fn booking(start: &str, n: usize) -> Value {
    json!({
        "service": SERVICE,
        "office": OFFICE,
        "start": start,
        "name": format!("Bürgerin Nummer {n}"),
        "email": format!("buergerin{n}@example.org"),
    })
}

/// 50 clients book the same slot at once: exactly as many succeed as the office has counters.
async fn fifty_bookings_for_one_slot(app: &TestApp) {
    let (start, counters) = empty_slot(app, SERVICE, OFFICE).await;
    assert_eq!(
        counters, 3,
        "the sample calendar gives Mitte three counters"
    );
    let requests = (0..50).map(|n| {
        let body = booking(&start, n);
        async move { post(app, "/api/v1/appointments", &body, None).await }
    });
    let answers = futures::future::join_all(requests).await;
    let created: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, b)| b)
        .collect();
    let conflicts = answers
        .iter()
        .filter(|(s, b)| *s == 409 && b["code"] == "slot_full")
        .count();
    assert_eq!(created.len(), 3, "{answers:?}");
    assert_eq!(
        conflicts, 47,
        "every other answer is a clean 409: {answers:?}"
    );
    let codes: std::collections::HashSet<&str> = created
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 3, "three different bookings");
    assert_eq!(slot_free(app, OFFICE, &start).await, 0);
    // Every confirmation is real: it can be read back with its key.
    for body in created {
        let (status, read) = app
            .get(&format!(
                "/api/v1/appointments/{}?key={}",
                body["code"].as_str().unwrap(),
                body["key"].as_str().unwrap()
            ))
            .await;
        assert_eq!(status, 200);
        assert_eq!(read["status"], "confirmed");
        assert_eq!(read["start"], start);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_bookings_of_a_three_counter_slot_confirm_three_on_sqlite() {
    let app = app_with(|_| {}).await;
    fifty_bookings_for_one_slot(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_bookings_of_a_three_counter_slot_confirm_three_on_postgres() {
    let (url, schema, admin) = postgres_schema().await;
    let app = app_with(|s| {
        s.database.url = url;
        s.database.max_connections = 16;
    })
    .await;
    fifty_bookings_for_one_slot(&app).await;
    app.stop().await;
    drop_schema(admin, &schema).await;
}

/// A course with exactly five free seats that has not begun.
fn five_seat_course() -> String {
    let knowledge = Knowledge::open(&common::knowledge_dir(), None).unwrap();
    let today = chrono::Utc::now().date_naive();
    knowledge
        .courses
        .courses()
        .iter()
        .find(|c| c.free_seats() == 5 && c.start > today + chrono::Duration::days(1))
        .map(|c| c.id.clone())
        .expect("the sample catalogue has a course with five free seats")
}

async fn fifty_registrations_for_five_seats(app: &TestApp, sink: &SmtpSink) {
    let course = five_seat_course();
    let path = format!("/api/v1/courses/{course}/registrations");
    let requests = (0..50).map(|n| {
        let body =
            json!({"name": format!("Teilnehmer {n}"), "email": format!("tn{n}@example.org")});
        let path = path.clone();
        async move { post(app, &path, &body, None).await }
    });
    let answers = futures::future::join_all(requests).await;
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let confirmed: Vec<&Value> = answers
        .iter()
        .map(|(_, b)| b)
        .filter(|b| b["status"] == "confirmed")
        .collect();
    let mut positions: Vec<u64> = answers
        .iter()
        .map(|(_, b)| b)
        .filter(|b| b["status"] == "waiting")
        .map(|b| {
            b["position"]
                .as_u64()
                .expect("a waiting registration has a position")
        })
        .collect();
    positions.sort_unstable();
    assert_eq!(confirmed.len(), 5, "never more confirmed than seats");
    assert_eq!(
        positions,
        (1..=45).collect::<Vec<u64>>(),
        "every waiting registration has its own place"
    );
    // The course lists show it full.
    let (_, listed) = app.get(&format!("/api/v1/courses/{course}")).await;
    assert_eq!(
        (listed["free_seats"].as_u64(), listed["status"].as_str()),
        (Some(0), Some("full"))
    );
    // Who is first now?
    let mut first = None;
    for (_, body) in &answers {
        if body["status"] != "waiting" {
            continue;
        }
        let (_, now) = app
            .get(&format!(
                "{path}/{}?key={}",
                body["code"].as_str().unwrap(),
                body["key"].as_str().unwrap()
            ))
            .await;
        if now["position"] == 1 {
            first = Some(now);
        }
    }
    let first = first.expect("someone is first on the waiting list");
    // A confirmed participant cancels: the first on the waiting list moves up and is mailed.
    let leaving = confirmed[0];
    let before = sink.mails().len();
    let (status, cancelled) = delete(
        app,
        &format!(
            "{path}/{}?key={}",
            leaving["code"].as_str().unwrap(),
            leaving["key"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let (_, promoted) = app
        .get(&format!(
            "{path}/{}?key={}",
            first["code"].as_str().unwrap(),
            first["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(promoted["status"], "confirmed", "{promoted}");
    assert_eq!(promoted["position"], Value::Null);
    let mails = sink.wait_for(before + 1).await;
    let promoted_email = format!(
        "tn{}@example.org",
        answers
            .iter()
            .position(|(_, b)| b["code"] == first["code"])
            .unwrap()
    );
    let mail = mails[before..]
        .iter()
        .find(|m| m.to == vec![promoted_email.clone()])
        .unwrap_or_else(|| panic!("a mail to {promoted_email}"));
    let parsed = mailparse::parse_mail(&mail.data).unwrap();
    let body = parsed.get_body().unwrap();
    assert!(body.contains(first["code"].as_str().unwrap()), "{body}");
    assert!(body.contains("bestätigt"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_registrations_for_five_seats_confirm_five_and_queue_the_rest_on_sqlite()
{
    let sink = SmtpSink::start().await;
    let app = app_with(|s| mail_to(s, &sink)).await;
    fifty_registrations_for_five_seats(&app, &sink).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_registrations_for_five_seats_confirm_five_and_queue_the_rest_on_postgres()
 {
    let sink = SmtpSink::start().await;
    let (url, schema, admin) = postgres_schema().await;
    let app = app_with(|s| {
        s.database.url = url;
        s.database.max_connections = 16;
        mail_to(s, &sink);
    })
    .await;
    fifty_registrations_for_five_seats(&app, &sink).await;
    app.stop().await;
    drop_schema(admin, &schema).await;
}

#[tokio::test]
async fn a_booking_is_confirmed_by_mail_with_its_calendar_file_and_can_be_cancelled() {
    let sink = SmtpSink::start().await;
    let app = app_with(|s| mail_to(s, &sink)).await;
    let (start, counters) = empty_slot(&app, SERVICE, OFFICE).await;
    let (status, booked) = post(
        &app,
        "/api/v1/appointments",
        &json!({"service": SERVICE, "office": OFFICE, "start": start,
                "name": "Erika Mustermann", "email": "erika@example.org"}),
        Some("first-try"),
    )
    .await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["status"], "confirmed");
    assert_eq!(booked["office"], OFFICE);
    assert_eq!(booked["start"], start);
    assert_eq!(booked["mail_sent"], true);
    let code = booked["code"].as_str().unwrap().to_string();
    let key = booked["key"].as_str().unwrap().to_string();
    assert!(
        regex::Regex::new(r"^T-[A-Z]{4}-\d{4}$")
            .unwrap()
            .is_match(&code),
        "{code}"
    );
    assert_eq!(key.len(), 6);
    assert_eq!(slot_free(&app, OFFICE, &start).await, counters - 1);

    // The mail: to the citizen, with code, key, what to bring and the calendar file attached.
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["erika@example.org".to_string()]);
    let parsed = mailparse::parse_mail(&mails[0].data).unwrap();
    let subject = parsed
        .headers
        .iter()
        .find(|h| h.get_key() == "Subject")
        .unwrap()
        .get_value();
    assert!(subject.contains("Ihr Termin"), "{subject}");
    let text = parsed.subparts[0].get_body().unwrap();
    assert!(text.contains(&code) && text.contains(&key), "{text}");
    assert!(text.contains("Bitte mitbringen"), "{text}");
    assert!(text.contains("Otto-Schill-Straße 2"), "{text}");
    let attachment = parsed
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype == "text/calendar")
        .expect("a text/calendar attachment");
    let ics = attachment.get_body().unwrap();
    let calendar = icalendar::Calendar::from_str(&ics).expect("the .ics parses");
    let event = calendar.events().next().expect("one event");
    use icalendar::Component;
    let expected_start = chrono::DateTime::parse_from_rfc3339(&start)
        .unwrap()
        .to_utc();
    assert_eq!(
        event.get_start(),
        Some(icalendar::DatePerhapsTime::DateTime(
            icalendar::CalendarDateTime::Utc(expected_start)
        ))
    );
    assert_eq!(event.get_uid(), Some(format!("{code}@auskunft").as_str()));
    assert!(
        !ics.contains("Erika"),
        "no personal data in the calendar file"
    );

    // The same file over HTTP.
    let response = app
        .client
        .get(format!(
            "{}{}",
            app.address,
            booked["ics_url"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(&format!("UID:{code}@auskunft"))
    );

    // A replay with the same key answers as the first time and sends no second mail.
    let (status, replay) = post(
        &app,
        "/api/v1/appointments",
        &json!({"service": SERVICE, "office": OFFICE, "start": start,
                "name": "Erika Mustermann", "email": "erika@example.org"}),
        Some("first-try"),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(replay["code"], booked["code"]);
    assert_eq!(replay["key"], booked["key"]);
    assert_eq!(
        slot_free(&app, OFFICE, &start).await,
        counters - 1,
        "not booked twice"
    );
    // The same key with another request is refused.
    let (status, reused) = post(
        &app,
        "/api/v1/appointments",
        &json!({"service": SERVICE, "office": OFFICE, "start": start,
                "name": "Max Mustermann", "email": "max@example.org"}),
        Some("first-try"),
    )
    .await;
    assert_eq!(
        (status, reused["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), 1, "one mail for one booking");

    // Reading needs the key; a wrong key looks like an unknown code.
    let (status, _) = app
        .get(&format!("/api/v1/appointments/{code}?key=000000"))
        .await;
    assert_eq!(status, 404);
    let (status, read) = app
        .get(&format!("/api/v1/appointments/{code}?key={key}"))
        .await;
    assert_eq!((status, read["status"].as_str()), (200, Some("confirmed")));

    // Cancelling frees the counter; cancelling again changes nothing.
    let (status, cancelled) = delete(&app, &format!("/api/v1/appointments/{code}?key={key}")).await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(slot_free(&app, OFFICE, &start).await, counters);
    let (status, again) = delete(&app, &format!("/api/v1/appointments/{code}?key={key}")).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("cancelled")));
    let (status, _) = delete(&app, &format!("/api/v1/appointments/{code}?key=999999")).await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[tokio::test]
async fn bad_booking_requests_are_refused_with_reasons() {
    let app = app_with(|_| {}).await;
    let (start, _) = empty_slot(&app, SERVICE, OFFICE).await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive();
    let valid = json!({"service": SERVICE, "office": OFFICE, "start": start,
                       "name": "Erika Mustermann", "email": "erika@example.org"});
    let with = |key: &str, value: Value| {
        let mut body = valid.clone();
        body[key] = value;
        body
    };
    let off_grid = (chrono::DateTime::parse_from_rfc3339(&start).unwrap()
        + chrono::Duration::minutes(7))
    .to_rfc3339();
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let far = (chrono::Utc::now() + chrono::Duration::days(60)).to_rfc3339();
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            with("service", json!("gibt-es-nicht")),
            404,
            "service_not_found",
            "gibt-es-nicht",
        ),
        (
            with("service", json!("hundesteuer-anmelden")),
            422,
            "invalid_request",
            "cannot be booked",
        ),
        (
            with("office", json!("nirgendwo")),
            422,
            "invalid_request",
            "no office",
        ),
        (
            with("office", json!("standesamt")),
            422,
            "invalid_request",
            "does not offer",
        ),
        (
            with("start", json!(off_grid)),
            422,
            "invalid_request",
            "no slot starts",
        ),
        (
            with("start", json!(past)),
            422,
            "invalid_request",
            "already begun",
        ),
        (
            with("start", json!(far)),
            422,
            "invalid_request",
            "offered up to",
        ),
        (
            with("start", json!("next tuesday")),
            422,
            "invalid_request",
            "start",
        ),
        (
            with("email", json!("erika.example.org")),
            422,
            "invalid_request",
            "e-mail",
        ),
        (with("name", json!(" ")), 422, "invalid_request", "name"),
        (
            json!({"service": SERVICE}),
            422,
            "invalid_request",
            "missing field",
        ),
    ];
    for (body, status, code, reason) in cases {
        let (got, answer) = post(&app, "/api/v1/appointments", &body, None).await;
        assert_eq!(got, status, "{body} -> {answer}");
        assert_eq!(answer["code"], code, "{body} -> {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(reason),
            "{body} -> {answer}"
        );
    }
    let long_key = "k".repeat(300);
    let (status, _) = post(&app, "/api/v1/appointments", &valid, Some(&long_key)).await;
    assert_eq!(status, 422);
    for (query, status, reason) in [
        (
            format!("service={SERVICE}&office={OFFICE}&date=2026-13-01"),
            422,
            "YYYY-MM-DD",
        ),
        (
            format!(
                "service={SERVICE}&office={OFFICE}&date={}",
                today - chrono::Duration::days(1)
            ),
            422,
            "past",
        ),
        (
            format!("service={SERVICE}&office=nirgendwo&date={today}"),
            422,
            "no office",
        ),
        (
            format!("service=gibt-es-nicht&date={today}"),
            404,
            "no service",
        ),
        (format!("service={SERVICE}"), 400, "date"),
    ] {
        let (got, answer) = app
            .get(&format!("/api/v1/appointments/slots?{query}"))
            .await;
        assert_eq!(got, status, "{query} -> {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(reason),
            "{query} -> {answer}"
        );
    }
    let (status, answer) = app.get("/api/v1/appointments/not-a-code?key=123456").await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (404, Some("booking_not_found"))
    );
    let (status, _) = app.get("/api/v1/appointments/T-ABCD-1234").await;
    assert_eq!(status, 400, "the key is required");
    let (status, answer) = post(
        &app,
        "/api/v1/courses/00X00000/registrations",
        &json!({"name": "Erika Mustermann", "email": "erika@example.org"}),
        None,
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (404, Some("course_not_found"))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_counter_staff_see_the_day_list_with_the_admin_token_only() {
    let app = app_with(|s| s.admin.token = Some(ADMIN_TOKEN.into())).await;
    let (start, _) = empty_slot(&app, SERVICE, OFFICE).await;
    let (status, booked) = post(&app, "/api/v1/appointments", &booking(&start, 7), None).await;
    assert_eq!(status, 201);
    let date = chrono::DateTime::parse_from_rfc3339(&start)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive();
    let path = format!("/api/v1/admin/appointments?office={OFFICE}&date={date}");
    let (status, _) = app.get(&path).await;
    assert_eq!(status, 401);
    let wrong = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth("counter-staff-token-0123456788")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right: Value = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = right["appointments"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{right}");
    assert_eq!(entries[0]["code"], booked["code"]);
    assert_eq!(entries[0]["name"], "Bürgerin Nummer 7");
    assert_eq!(entries[0]["service"], SERVICE);
    app.stop().await;

    // Without a configured token the admin API does not exist.
    let closed = app_with(|_| {}).await;
    let (status, body) = closed.get(&path).await;
    assert_eq!(status, 404, "{body}");
    closed.stop().await;
}

#[tokio::test]
async fn an_appointment_booked_in_the_chat_is_mailed_with_its_calendar_file() {
    let sink = SmtpSink::start().await;
    let app = app_with(|s| mail_to(s, &sink)).await;
    let first = app
        .ask(None, "Ich brauche einen Termin für einen Personalausweis")
        .await;
    assert_eq!(first["intent"]["name"], "appointment.book");
    assert_eq!(first["service"]["slug"], SERVICE);
    let session = first["session_id"].as_str().unwrap().to_string();
    let press = |action: String| {
        let session = session.clone();
        let app = &app;
        async move {
            let (status, body) = app
                .chat(json!({"session_id": session, "action": action}))
                .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let offices = press("slot:office:any".into()).await;
    let times = offices["messages"].as_array().unwrap().last().unwrap()["buttons"]
        .as_array()
        .unwrap()
        .clone();
    let slot = times
        .iter()
        .find(|b| b["action"].as_str().unwrap().starts_with("slot:start:"))
        .expect("free times are offered");
    press(slot["action"].as_str().unwrap().to_string()).await;
    app.ask(Some(&session), "Erika Mustermann").await;
    let summary = app.ask(Some(&session), "erika@example.org").await;
    let summary_text = summary["messages"].as_array().unwrap().last().unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(summary_text.contains("Erika Mustermann"), "{summary_text}");
    let done = app.ask(Some(&session), "ja").await;
    let texts: Vec<&str> = done["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    let all = texts.join("\n");
    assert!(all.contains("Ihr Termin ist gebucht"), "{all}");
    assert!(all.contains("Bestätigung mit Kalenderdatei"), "{all}");
    let code = regex::Regex::new(r"T-[A-Z]{4}-\d{4}")
        .unwrap()
        .find(&all)
        .expect("a booking code")
        .as_str()
        .to_string();
    let mails = sink.wait_for(1).await;
    let parsed = mailparse::parse_mail(&mails[0].data).unwrap();
    assert!(parsed.subparts[0].get_body().unwrap().contains(&code));
    assert!(parsed.subparts.iter().any(|p| {
        p.ctype.mimetype == "text/calendar"
            && p.get_body()
                .unwrap()
                .contains(&format!("UID:{code}@auskunft"))
    }));
    app.stop().await;
}

/// Books in the chat by buttons and returns every text the citizen read.
async fn book_in_chat(app: &TestApp, opening: &str, name: &str, email: &str) -> Vec<String> {
    let mut read = Vec::new();
    let texts = |reply: &Value| -> Vec<String> {
        reply["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_string())
            .collect()
    };
    let first = app.ask(None, opening).await;
    read.extend(texts(&first));
    let session = first["session_id"].as_str().unwrap().to_string();
    let press = |action: String| {
        let session = session.clone();
        async move {
            let (status, body) = app
                .chat(json!({"session_id": session, "action": action}))
                .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let offices = press(format!("slot:office:{OFFICE}")).await;
    read.extend(texts(&offices));
    let slot = offices["messages"].as_array().unwrap().last().unwrap()["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["action"].as_str().unwrap().to_string())
        .find(|a| a.starts_with("slot:start:"))
        .expect("free times are offered");
    read.extend(texts(&press(slot).await));
    read.extend(texts(&app.ask(Some(&session), name).await));
    read.extend(texts(&app.ask(Some(&session), email).await));
    read.extend(texts(&press("confirm:yes".into()).await));
    read
}

#[tokio::test]
async fn the_sample_calendar_says_in_every_offer_and_confirmation_that_it_is_a_demonstration() {
    let app = app_with(|_| {}).await;
    let german = book_in_chat(
        &app,
        "Ich brauche einen Termin für einen Personalausweis",
        "Erika Mustermann",
        "erika@example.org",
    )
    .await;
    let said = |texts: &[String], what: &str| texts.iter().filter(|t| t.contains(what)).count();
    // The slot offer, the summary and the confirmation each say it.
    assert!(
        said(&german, "Vorführ-Kalender") >= 3,
        "the calendar is said to be a demonstration: {german:#?}"
    );
    assert!(said(&german, "Ihr Termin ist gebucht") == 1, "{german:#?}");
    let english = book_in_chat(
        &app,
        "I need an appointment for an identity card",
        "John Smith",
        "john@example.org",
    )
    .await;
    assert!(
        said(&english, "demonstration calendar") >= 3,
        "the calendar is said to be a demonstration: {english:#?}"
    );
    // REST says it too.
    let (start, _) = empty_slot(&app, SERVICE, OFFICE).await;
    let (status, body) = post(&app, "/api/v1/appointments", &booking(&start, 1), None).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["sample"], true, "{body}");
    let date = chrono::DateTime::parse_from_rfc3339(&start)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive();
    let (_, slots) = app
        .get(&format!(
            "/api/v1/appointments/slots?service={SERVICE}&office={OFFICE}&date={date}"
        ))
        .await;
    assert_eq!(slots["sample"], true, "{slots}");
    app.stop().await;
}
