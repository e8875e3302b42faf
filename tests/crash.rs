//! The server process is killed (SIGKILL) while bookings are in flight and a reservation is held. After
//! a restart on the same SQLite file: every booking answered with 201 is there and confirmed, no slot
//! unit holds more appointments than counters, no seat belongs to a cancelled or expired booking, and the
//! held reservation frees its slot by itself once its hold has run out.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

const OFFICE: &str = "buergerbuero-mitte";
const SERVICE: &str = "personalausweis-beantragen";
const HOLD_SECS: u64 = 8;

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(database: &std::path::Path) -> Server {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let mut command = Command::new(env!("CARGO_BIN_EXE_auskunft"));
        command.current_dir(env!("CARGO_MANIFEST_DIR"));
        for (name, _) in std::env::vars() {
            if name.starts_with("AUSKUNFT_") {
                command.env_remove(name);
            }
        }
        let child = command
            .arg("serve")
            .env("AUSKUNFT_LOG__LEVEL", "warn")
            .env("AUSKUNFT_SERVER__PORT", port.to_string())
            .env("AUSKUNFT_BOOKING__HOLD_SECS", HOLD_SECS.to_string())
            .env(
                "AUSKUNFT_DATABASE__URL",
                format!("sqlite:{}", database.display()),
            )
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            if let Ok(response) = reqwest::get(format!("{base}/healthz")).await
                && response.status() == 200
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server { child, base }
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL: no graceful shutdown, no flushing
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn get(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}{path}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn chat(client: &reqwest::Client, base: &str, body: Value) -> Value {
    client
        .post(format!("{base}/api/v1/chat"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The day's slots at the office: start to free counters.
async fn day(base: &str, date: chrono::NaiveDate) -> Vec<(DateTime<Utc>, u64)> {
    let body = get(
        base,
        &format!("/api/v1/appointments/slots?service={SERVICE}&office={OFFICE}&date={date}"),
    )
    .await;
    body["slots"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap().parse().unwrap(),
                s["free"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn free_at(base: &str, start: DateTime<Utc>) -> u64 {
    let date = start.with_timezone(&chrono_tz::Europe::Berlin).date_naive();
    day(base, date)
        .await
        .into_iter()
        .find(|(s, _)| *s == start)
        .map(|(_, free)| free)
        .expect("the slot is listed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_server_leaves_no_half_and_no_double_booking() {
    let data = tempfile::tempdir().unwrap();
    let database = data.path().join("auskunft.db");
    let server = Server::start(&database).await;
    let client = reqwest::Client::new();

    // A citizen in the chat picks a time: the slot is reserved while they type their name.
    let first = chat(
        &client,
        &server.base,
        json!({"text": "Ich brauche einen Termin für einen Personalausweis"}),
    )
    .await;
    let session = first["session_id"].as_str().unwrap().to_string();
    let times = chat(
        &client,
        &server.base,
        json!({"session_id": session, "action": format!("slot:office:{OFFICE}")}),
    )
    .await;
    let button = times["messages"].as_array().unwrap().last().unwrap()["buttons"][0]["action"]
        .as_str()
        .expect("a free time is offered")
        .to_string();
    let held: DateTime<Utc> = Utc
        .timestamp_opt(button.rsplit('@').next().unwrap().parse().unwrap(), 0)
        .unwrap();
    let before_hold = free_at(&server.base, held).await;
    chat(
        &client,
        &server.base,
        json!({"session_id": session, "action": button}),
    )
    .await;
    let reserved_at = Instant::now();
    assert_eq!(free_at(&server.base, held).await, before_hold - 1, "held");

    // Another slot with every counter free is stormed by 40 clients; the process dies meanwhile.
    let date = held.with_timezone(&chrono_tz::Europe::Berlin).date_naive();
    let (target, counters) = day(&server.base, date)
        .await
        .into_iter()
        .find(|(start, free)| *start != held && *free == 3)
        .expect("an empty slot that day");
    assert_eq!(counters, 3);
    let requests = (0..40).map(|n| {
        let client = client.clone();
        let base = server.base.clone();
        async move {
            let response = client
                .post(format!("{base}/api/v1/appointments"))
                .json(
                    &json!({"service": SERVICE, "office": OFFICE, "start": target,
                              "name": format!("Person {n}"), "email": format!("p{n}@example.org")}),
                )
                .send()
                .await;
            match response {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (
                        status,
                        response.json::<Value>().await.unwrap_or(Value::Null),
                    )
                }
                Err(_) => (0, Value::Null), // the process died under this request
            }
        }
    });
    let storm = tokio::spawn(futures::future::join_all(requests));
    tokio::time::sleep(Duration::from_millis(15)).await;
    server.kill();
    let answers = storm.await.unwrap();
    let confirmed_before: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == 201)
        .map(|(_, body)| body)
        .collect();
    assert!(confirmed_before.len() <= 3, "{answers:?}");
    let cut_off = answers.iter().filter(|(status, _)| *status == 0).count();
    eprintln!(
        "before the kill: {} booked, {} refused as full, {} cut off",
        confirmed_before.len(),
        answers.iter().filter(|(status, _)| *status == 409).count(),
        cut_off
    );
    assert!(
        cut_off > 0,
        "the process died while requests were in flight"
    );

    // Restart on the same file.
    let server = Server::start(&database).await;
    for body in &confirmed_before {
        let read = get(
            &server.base,
            &format!(
                "/api/v1/appointments/{}?key={}",
                body["code"].as_str().unwrap(),
                body["key"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(
            read["status"], "confirmed",
            "an answered booking survived: {read}"
        );
    }
    // The database itself: no unit over capacity, every confirmed booking holds its seat, and no seat
    // is held by a booking that is gone.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", database.display()))
        .await
        .unwrap();
    let over: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT office, unit_start, COUNT(*) FROM slot_claims GROUP BY office, unit_start HAVING COUNT(*) > 3",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(over.is_empty(), "units over capacity: {over:?}");
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM slot_claims c JOIN appointments a ON a.code = c.code \
         WHERE a.status NOT IN ('reserved', 'confirmed')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "seats held by cancelled or expired bookings");
    let unseated: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments a WHERE a.status IN ('reserved', 'confirmed') \
         AND NOT EXISTS (SELECT 1 FROM slot_claims c WHERE c.code = a.code)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(unseated, 0, "bookings without their seat");
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments WHERE status = 'confirmed' AND starts_at = $1",
    )
    .bind(target.timestamp())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(stored >= confirmed_before.len() as i64 && stored <= 3);
    assert_eq!(free_at(&server.base, target).await, 3 - stored as u64);

    // The reservation outlived the crash, and frees itself once the hold is over.
    if reserved_at.elapsed() < Duration::from_secs(HOLD_SECS - 1) {
        assert_eq!(
            free_at(&server.base, held).await,
            before_hold - 1,
            "still held"
        );
    }
    let hold_end = Duration::from_secs(HOLD_SECS + 1);
    if let Some(rest) = hold_end.checked_sub(reserved_at.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    assert_eq!(
        free_at(&server.base, held).await,
        before_hold,
        "the expired reservation freed its slot"
    );
    pool.close().await;
    server.kill();
}
