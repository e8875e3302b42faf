//! Notices end to end, as the back office, the citizen and the payment provider use them: register a
//! notice, print and read its QR code, open the link, pay through the simulated provider, replay and
//! forge the confirmation, pay later with a GiroCode read back from its image, object in and out of time,
//! and the limit on guessing.

mod common;

use std::sync::Arc;

use auskunft::config::{MailTls, Settings};
use auskunft::notices::{hmac_hex, qr};
use common::smtp::SmtpSink;
use common::{TestApp, spawn_with, test_settings};
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "back-office-token-0123456789";
const PROVIDER_SECRET: &str = "provider-secret-for-the-tests-0123456789";
const IBAN: &str = "DE89370400440532013000";

async fn app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    settings.admin.token = Some(ADMIN_TOKEN.into());
    settings.notices.provider_secret = Some(PROVIDER_SECRET.into());
    configure(&mut settings);
    spawn_with(settings, data_dir).await
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive()
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
    token: Option<&str>,
) -> (u16, Value) {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    if let Some(body) = body {
        request = request.json(body);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    send(app, reqwest::Method::POST, path, Some(body), None).await
}

/// Registers a notice; (Kassenzeichen, check code, QR link).
async fn register(
    app: &TestApp,
    kassenzeichen: &str,
    amount_cents: i64,
    delivered_days_ago: i64,
) -> (String, String, String) {
    let delivered = today() - chrono::Duration::days(delivered_days_ago);
    let (status, body) = send(
        app,
        reqwest::Method::POST,
        "/api/v1/admin/notices",
        Some(&json!({
            "kassenzeichen": kassenzeichen,
            "subject": "Hundesteuer 2027",
            "amount_cents": amount_cents,
            "due_date": (today() + chrono::Duration::days(20)).to_string(),
            "issued_on": (delivered - chrono::Duration::days(2)).to_string(),
            "delivered_on": delivered.to_string(),
            "office": "Steueramt",
            "iban_account": "DE89 3704 0044 0532 0130 00",
        })),
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        body["kassenzeichen"].as_str().unwrap().to_string(),
        body["check_code"].as_str().unwrap().to_string(),
        body["qr_url"].as_str().unwrap().to_string(),
    )
}

/// The path and query of a URL made for the configured public address.
fn local(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme[after_scheme.find('/').unwrap()..].to_string()
}

#[tokio::test]
async fn a_notice_is_registered_scanned_opened_and_paid_exactly_once() {
    let app = app_with(|_| {}).await;
    let (kassenzeichen, check_code, link) = register(&app, "1234.5678.9012", 4_650, 3).await;
    assert_eq!(kassenzeichen, "123456789012");
    assert!(
        regex::Regex::new(r"^[A-Z]{4}-\d{4}$")
            .unwrap()
            .is_match(&check_code)
    );

    // The printable code: a PNG that reads back as the link, and an SVG.
    let png = app
        .client
        .get(format!(
            "{}/api/v1/admin/notices/{kassenzeichen}/qr.png",
            app.address
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    let scanned = qr::decode(&png.bytes().await.unwrap()).expect("the printed code reads back");
    assert_eq!(scanned, link);
    let svg = app
        .client
        .get(format!(
            "{}/api/v1/admin/notices/{kassenzeichen}/qr.svg",
            app.address
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert!(svg.text().await.unwrap().contains("<svg"));
    let (status, _) = send(
        &app,
        reqwest::Method::GET,
        &format!("/api/v1/admin/notices/{kassenzeichen}/qr.png"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401, "the back office needs its token");

    // Opening the link: the chat starts with the notice loaded and the three choices.
    let opened: Value = app
        .client
        .get(format!("{}{}", app.address, local(&scanned)))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(opened["intent"]["name"], "notice.pay", "{opened}");
    let text: String = opened["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("Hundesteuer 2027") && text.contains("46,50 EUR"),
        "{text}"
    );
    let actions: Vec<&str> = opened["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["buttons"].as_array().unwrap())
        .map(|b| b["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"slot:choice:now"), "{actions:?}");
    assert!(actions.contains(&"slot:choice:later"));
    assert!(
        actions
            .iter()
            .any(|a| a.starts_with("form:notice.objection?"))
    );
    // A tampered link opens nothing.
    let tampered = local(&scanned).replace("?s=", "?s=0");
    let page = app
        .client
        .get(format!("{}{}", app.address, tampered))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Hundesteuer"), "{page}");

    // Pay now: the provider's page, the decision, the signed confirmation, the receipt.
    let (status, payment) = post(
        &app,
        &format!("/api/v1/notices/{kassenzeichen}/payments"),
        &json!({"check_code": check_code}),
    )
    .await;
    assert_eq!(status, 201, "{payment}");
    assert_eq!(payment["amount_cents"], 4_650);
    let checkout = local(payment["checkout_url"].as_str().unwrap());
    let page = app
        .client
        .get(format!("{}{checkout}", app.address))
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("46,50 EUR"));
    let receipt = app
        .client
        .post(format!("{}{checkout}", app.address))
        .form(&[("decision", "pay")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(receipt.contains("data-status=\"paid\""), "{receipt}");
    let (_, looked_up) = post(
        &app,
        "/api/v1/notices/lookup",
        &json!({"kassenzeichen": kassenzeichen, "check_code": check_code}),
    )
    .await;
    assert_eq!(looked_up["status"], "paid", "{looked_up}");

    // The provider's confirmation replayed: nothing changes.
    let payment_id = payment["payment_id"].as_str().unwrap();
    let replay = json!({"payment_id": payment_id, "amount_cents": 4650, "status": "paid", "provider_ref": "sim-replay"}).to_string();
    let signed = |body: &str| {
        format!(
            "sha256={}",
            hmac_hex(PROVIDER_SECRET.as_bytes(), body.as_bytes())
        )
    };
    let answer: Value = app
        .client
        .post(format!("{}/api/v1/payments/callback", app.address))
        .header("content-type", "application/json")
        .header("x-payment-signature", signed(&replay))
        .body(replay.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["result"], "already");
    // A forged one (wrong key) is refused, and so is one without a signature.
    let forged = app
        .client
        .post(format!("{}/api/v1/payments/callback", app.address))
        .header("content-type", "application/json")
        .header(
            "x-payment-signature",
            format!("sha256={}", hmac_hex(b"guessed key", replay.as_bytes())),
        )
        .body(replay.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let unsigned = app
        .client
        .post(format!("{}/api/v1/payments/callback", app.address))
        .body(replay)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    // Paying twice is impossible.
    let (status, body) = post(
        &app,
        &format!("/api/v1/notices/{kassenzeichen}/payments"),
        &json!({"check_code": check_code}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("already_paid")));
    app.stop().await;
}

#[tokio::test]
async fn a_second_payment_confirmed_for_a_paid_notice_is_refused() {
    let app = app_with(|_| {}).await;
    let (kassenzeichen, check_code, _) = register(&app, "99887766", 1_000, 1).await;
    let path = format!("/api/v1/notices/{kassenzeichen}/payments");
    let proof = json!({"check_code": check_code});
    let (_, first) = post(&app, &path, &proof).await;
    let (_, second) = post(&app, &path, &proof).await;
    let confirm = |id: &str| {
        let body = json!({"payment_id": id, "amount_cents": 1000, "status": "paid", "provider_ref": format!("ref-{id}")}).to_string();
        let signature = format!(
            "sha256={}",
            hmac_hex(PROVIDER_SECRET.as_bytes(), body.as_bytes())
        );
        let request = app
            .client
            .post(format!("{}/api/v1/payments/callback", app.address))
            .header("x-payment-signature", signature)
            .body(body);
        async move { request.send().await.unwrap() }
    };
    let a = confirm(first["payment_id"].as_str().unwrap()).await;
    assert_eq!(a.status(), 200);
    let b = confirm(second["payment_id"].as_str().unwrap()).await;
    assert_eq!(b.status(), 409, "the notice was paid by the first payment");
    // A confirmation with another amount is refused.
    let third = json!({"payment_id": first["payment_id"], "amount_cents": 1, "status": "paid", "provider_ref": "x"});
    let body = third.to_string();
    let wrong_amount = app
        .client
        .post(format!("{}/api/v1/payments/callback", app.address))
        .header(
            "x-payment-signature",
            format!(
                "sha256={}",
                hmac_hex(PROVIDER_SECRET.as_bytes(), body.as_bytes())
            ),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_amount.status(), 422);
    app.stop().await;
}

#[tokio::test]
async fn pay_later_gives_a_girocode_in_the_epc069_12_layout_and_a_reminder_by_mail() {
    let sink = SmtpSink::start().await;
    let app = app_with(|s| {
        s.mail.smtp_host = Some("127.0.0.1".into());
        s.mail.smtp_port = Some(sink.port);
        s.mail.tls = MailTls::None;
        s.mail.from = "Stadt Leipzig <auskunft@example.org>".into();
    })
    .await;
    let (kassenzeichen, check_code, link) = register(&app, "5550001234", 12_345, 2).await;
    let signature = link.split("?s=").nth(1).unwrap().to_string();
    let png = app
        .client
        .get(format!(
            "{}/api/v1/notices/{kassenzeichen}/girocode.png?s={signature}",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), 200);
    let payload = qr::decode(&png.bytes().await.unwrap()).expect("the GiroCode reads back");
    assert_eq!(
        payload,
        format!("BCD\n002\n1\nSCT\n\nStadt Leipzig\n{IBAN}\nEUR123.45\n\n\n{kassenzeichen}"),
        "service tag, version, UTF-8, SCT, empty BIC, payee, IBAN, amount, no purpose, no structured reference, the Kassenzeichen as remittance, nothing after it"
    );
    // The same with the check code; a wrong proof gets nothing.
    let by_code = app
        .client
        .get(format!(
            "{}/api/v1/notices/{kassenzeichen}/girocode.png?check_code={check_code}",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(by_code.status(), 200);
    let wrong = app
        .client
        .get(format!(
            "{}/api/v1/notices/{kassenzeichen}/girocode.png?s=00000000000000000000000000000000",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);

    // A reminder a few days before the due date, mailed by the reminder sweep.
    let (status, reminder) = post(
        &app,
        &format!("/api/v1/notices/{kassenzeichen}/reminders"),
        &json!({"signature": signature, "email": "erika@example.org"}),
    )
    .await;
    assert_eq!(status, 201, "{reminder}");
    let remind_on: chrono::NaiveDate = reminder["remind_on"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        remind_on,
        today() + chrono::Duration::days(17),
        "three days before the due date"
    );
    let database = auskunft::store::connect(&app.settings.database.url, 2)
        .await
        .unwrap();
    let service = auskunft::notices::service::NoticeService::new(
        &database,
        &app.settings.notices,
        auskunft::booking::mail::Mailer::from_settings(&app.settings.mail).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        service.send_reminders(chrono::Utc::now()).await.unwrap(),
        0,
        "not due yet"
    );
    let on_the_day = chrono::Utc::now() + chrono::Duration::days(17);
    assert_eq!(service.send_reminders(on_the_day).await.unwrap(), 1);
    assert_eq!(service.send_reminders(on_the_day).await.unwrap(), 0, "once");
    let mails = sink.wait_for(1).await;
    let parsed = mailparse::parse_mail(&mails[0].data).unwrap();
    let body = parsed.get_body().unwrap();
    assert!(
        body.contains(&kassenzeichen) && body.contains("123,45 EUR") && body.contains(IBAN),
        "{body}"
    );
    database.close().await;
    app.stop().await;
}

#[tokio::test]
async fn objections_in_and_out_of_time_are_received_and_exported() {
    let app = app_with(|_| {}).await;
    let (recent, recent_code, _) = register(&app, "70000001", 2_000, 10).await;
    let (old, old_code, _) = register(&app, "70000002", 2_000, 70).await;
    let objection = |code: &str, attachment: Option<Value>| {
        let mut body = json!({
            "check_code": code,
            "name": "Erika Mustermann",
            "address": "Musterstraße 1, 04109 Leipzig",
            "reasons": "Der Hund wurde bereits im Oktober abgemeldet.",
        });
        if let Some(attachment) = attachment {
            body["attachment"] = attachment;
        }
        body
    };
    let (status, in_time) = post(
        &app,
        &format!("/api/v1/notices/{recent}/objections"),
        &objection(&recent_code, Some(json!({"filename": "abmeldung.pdf", "content_type": "application/pdf", "data": "JVBERi0xLjQK"}))),
    )
    .await;
    assert_eq!(status, 201, "{in_time}");
    assert_eq!(in_time["in_time"], true);
    let deadline: chrono::NaiveDate = in_time["deadline"].as_str().unwrap().parse().unwrap();
    assert!(
        deadline >= today() + chrono::Duration::days(18),
        "one month after delivery"
    );
    assert!(in_time["receipt"].as_str().unwrap().starts_with("W-"));
    assert!(
        in_time["confirmation"]
            .as_str()
            .unwrap()
            .contains("fristgerecht")
    );
    let (status, late) = post(
        &app,
        &format!("/api/v1/notices/{old}/objections"),
        &objection(&old_code, None),
    )
    .await;
    assert_eq!(status, 201, "{late}");
    assert_eq!(late["in_time"], false);
    assert!(
        late["confirmation"]
            .as_str()
            .unwrap()
            .contains("abgelaufen"),
        "{late}"
    );
    // Bad input gets reasons.
    let mut short = objection(&recent_code, None);
    short["reasons"] = json!("nein");
    let (status, body) = post(
        &app,
        &format!("/api/v1/notices/{recent}/objections"),
        &short,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let mut no_address = objection(&recent_code, None);
    no_address["address"] = json!("Leipzig");
    let (status, _) = post(
        &app,
        &format!("/api/v1/notices/{recent}/objections"),
        &no_address,
    )
    .await;
    assert_eq!(status, 422);
    // The office's export lists both, newest first, with the attachment.
    let (status, export) = send(
        &app,
        reqwest::Method::GET,
        "/api/v1/admin/objections",
        None,
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(status, 200);
    let list = export["objections"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let first = list.iter().find(|o| o["kassenzeichen"] == recent).unwrap();
    assert_eq!(first["attachment"]["filename"], "abmeldung.pdf");
    assert_eq!(
        first["reasons"],
        "Der Hund wurde bereits im Oktober abgemeldet."
    );
    let (status, _) = send(
        &app,
        reqwest::Method::GET,
        "/api/v1/admin/objections",
        None,
        Some("wrong-token-0123456789"),
    )
    .await;
    assert_eq!(status, 401);
    app.stop().await;
}

#[tokio::test]
async fn guessing_is_answered_like_a_typo_and_stopped_after_five_tries() {
    let app = app_with(|_| {}).await;
    let (kassenzeichen, check_code, _) = register(&app, "31415926", 500, 1).await;
    let (status_unknown, unknown) = post(
        &app,
        "/api/v1/notices/lookup",
        &json!({"kassenzeichen": "27182818", "check_code": "ABCD-1234"}),
    )
    .await;
    let (status_wrong, wrong) = post(
        &app,
        "/api/v1/notices/lookup",
        &json!({"kassenzeichen": kassenzeichen, "check_code": "ABCD-1234"}),
    )
    .await;
    assert_eq!(
        (status_unknown, &unknown),
        (status_wrong, &wrong),
        "no oracle"
    );
    assert_eq!(status_wrong, 404);
    for _ in 0..3 {
        post(
            &app,
            "/api/v1/notices/lookup",
            &json!({"kassenzeichen": kassenzeichen, "check_code": "ABCD-1234"}),
        )
        .await;
    }
    // Five failures: even the right code is refused for a while.
    let (status, body) = post(
        &app,
        "/api/v1/notices/lookup",
        &json!({"kassenzeichen": kassenzeichen, "check_code": check_code}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_attempts")),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_back_office_gets_reasons_for_bad_notices() {
    let app = app_with(|_| {}).await;
    let valid = json!({
        "kassenzeichen": "12345678", "subject": "Gebühr", "amount_cents": 100,
        "due_date": "2027-01-31", "issued_on": "2026-11-20", "delivered_on": "2026-11-21",
        "office": "Ordnungsamt", "iban_account": IBAN,
    });
    let with = |key: &str, value: Value| {
        let mut body = valid.clone();
        body[key] = value;
        body
    };
    for (body, reason) in [
        (with("kassenzeichen", json!("12")), "kassenzeichen"),
        (with("amount_cents", json!(0)), "amount_cents"),
        (with("iban_account", json!("DE00 1234")), "IBAN"),
        (with("delivered_on", json!("2026-11-01")), "delivered_on"),
        (with("due_date", json!("morgen")), "due_date"),
    ] {
        let (status, answer) = send(
            &app,
            reqwest::Method::POST,
            "/api/v1/admin/notices",
            Some(&body),
            Some(ADMIN_TOKEN),
        )
        .await;
        assert_eq!(status, 422, "{body} -> {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(reason),
            "{answer}"
        );
    }
    let (status, _) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/notices",
        Some(&valid),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/notices",
        Some(&valid),
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/notices",
        Some(&valid),
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("notice_exists"))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_photo_of_the_qr_code_sent_in_the_chat_opens_the_notice() {
    let app = app_with(|_| {}).await;
    let (kassenzeichen, _, _) = register(&app, "24681357", 990, 1).await;
    let png = app
        .client
        .get(format!(
            "{}/api/v1/admin/notices/{kassenzeichen}/qr.png",
            app.address
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    use base64::Engine as _;
    let (status, reply) = app
        .chat(json!({"session_id": null, "image": {"content_type": "image/png", "data": base64::engine::general_purpose::STANDARD.encode(&png)}}))
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["intent"]["name"], "notice.pay");
    assert!(reply.to_string().contains("9,90 EUR"), "{reply}");
    // A photo without a code is answered politely.
    let blank = {
        let image = image::GrayImage::from_pixel(64, 64, image::Luma([255u8]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        bytes.into_inner()
    };
    let (status, reply) = app
        .chat(json!({"session_id": null, "image": {"content_type": "image/png", "data": base64::engine::general_purpose::STANDARD.encode(&blank)}}))
        .await;
    assert_eq!(status, 200);
    assert!(
        reply["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("QR-Code"),
        "{reply}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_objection_in_the_chat_takes_a_photo_as_attachment_without_its_metadata() {
    let app = app_with(|_| {}).await;
    let (kassenzeichen, check_code, _) = register(&app, "86420000", 3_000, 5).await;
    let first = app
        .ask(None, "Ich möchte Widerspruch gegen einen Bescheid einlegen")
        .await;
    assert_eq!(first["intent"]["name"], "notice.objection", "{first}");
    let session = first["session_id"].as_str().unwrap().to_string();
    app.ask(Some(&session), &format!("{kassenzeichen} {check_code}"))
        .await;
    app.ask(Some(&session), "Erika Mustermann").await;
    app.ask(Some(&session), "Musterstraße 1, 04109 Leipzig")
        .await;
    // A JPEG with a location in its EXIF segment, sent while the form runs.
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(32, 32, image::Rgb([90, 90, 90]))
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let mut photo = jpeg.into_inner();
    photo.splice(
        2..2,
        b"\xFF\xE1\x00\x16Exif\x00\x00GPS-Leipzig-51.34"
            .iter()
            .copied(),
    );
    use base64::Engine as _;
    let (status, reply) = app
        .chat(json!({"session_id": session, "image": {"content_type": "image/jpeg", "data": base64::engine::general_purpose::STANDARD.encode(&photo)}}))
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["intent"]["name"], "notice.objection", "{reply}");
    // Not an image: refused with a reason, the form goes on.
    let (_, refused) = app
        .chat(json!({"session_id": session, "image": {"content_type": "image/png", "data": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4")}}))
        .await;
    assert!(refused.to_string().contains("PNG and JPEG"), "{refused}");
    let summary = app
        .ask(
            Some(&session),
            "Der Bescheid nennt einen falschen Zeitraum.",
        )
        .await;
    assert!(
        summary.to_string().contains("Anhang: ein Foto"),
        "{summary}"
    );
    let done = app.ask(Some(&session), "ja").await;
    assert!(done.to_string().contains("Eingangsnummer"), "{done}");
    let (_, export) = send(
        &app,
        reqwest::Method::GET,
        "/api/v1/admin/objections",
        None,
        Some(ADMIN_TOKEN),
    )
    .await;
    let attachment = &export["objections"][0]["attachment"];
    assert_eq!(attachment["content_type"], "image/jpeg", "{export}");
    let stored = base64::engine::general_purpose::STANDARD
        .decode(attachment["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(image::load_from_memory(&stored).unwrap().width(), 32);
    assert!(
        !stored.windows(4).any(|w| w == b"Exif"),
        "the location in the photo is gone"
    );
    app.stop().await;
}
