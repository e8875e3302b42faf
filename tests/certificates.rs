//! Certificate orders over REST, as a client of the city's site and the register office use them: what can
//! be ordered, the fee for documented cases, an order with its number and confirmation mail, bad input
//! refused with reasons, and the register office's list behind the admin token.

mod common;

use std::sync::Arc;

use common::{TestApp, spawn_with, test_settings};
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "standesamt-token-0123456789";

async fn app_with_mail() -> (TestApp, common::smtp::SmtpSink) {
    let sink = common::smtp::SmtpSink::start().await;
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    settings.admin.token = Some(ADMIN_TOKEN.into());
    settings.mail.smtp_host = Some("127.0.0.1".into());
    settings.mail.smtp_port = Some(sink.port);
    settings.mail.tls = auskunft::config::MailTls::None;
    settings.mail.from = "Stadt Leipzig <auskunft@example.org>".into();
    (spawn_with(settings, data_dir).await, sink)
}

async fn post_order(app: &TestApp, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/api/v1/certificates/orders", app.address))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn birth_order() -> Value {
    json!({
        "kind": "birth",
        "multilingual": true,
        "person_name": "Erika Musterfrau",
        "event_date": "12.05.1990",
        "register_office": "Standesamt Leipzig",
        "register_number": "G 1234/1990",
        "relation": "self",
        "copies": 3,
        "delivery": "cod",
        "address": "Erika Musterfrau, Burgstraße 5, 04109 Leipzig",
        "applicant_name": "Erika Musterfrau",
        "email": "erika@example.org"
    })
}

#[tokio::test]
async fn the_catalogue_and_the_fees_for_the_documented_cases() {
    let (app, _sink) = app_with_mail().await;
    let (status, catalogue) = app.get("/api/v1/certificates").await;
    assert_eq!(status, 200, "{catalogue}");
    let kinds: Vec<&str> = catalogue["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["code"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["birth", "marriage", "death", "partnership"]);
    assert_eq!(catalogue["fees"]["confirmed"], false);
    assert!(!catalogue["fees"]["source"].as_str().unwrap().is_empty());

    // (query, total in cents, "at least")
    let cases = [
        ("kind=birth&register_known=true", 1500, false),
        ("kind=birth&copies=3&register_known=true", 2900, false),
        ("kind=death", 2500, true),
        ("kind=death&search_minutes=45", 3500, false),
        (
            "kind=marriage&copies=2&register_known=true&delivery=cod",
            2710,
            true,
        ),
        (
            "kind=marriage&register_known=true&delivery=post",
            1500,
            false,
        ),
    ];
    for (query, total, minimum) in cases {
        let (status, quote) = app.get(&format!("/api/v1/certificates/fee?{query}")).await;
        assert_eq!(status, 200, "{query}: {quote}");
        assert_eq!(quote["total_cents"], total, "{query}: {quote}");
        assert_eq!(quote["minimum"], minimum, "{query}: {quote}");
        let sum: i64 = quote["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["amount_cents"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, total, "the items add up: {quote}");
    }
    let (_, post) = app
        .get("/api/v1/certificates/fee?kind=birth&delivery=post&lang=en")
        .await;
    assert_eq!(post["postage_extra"], true);
    assert!(post["note"].as_str().unwrap().contains("Provisional"));

    for (query, reason) in [
        ("kind=passport", "unknown kind"),
        ("kind=birth&copies=0", "copies must be"),
        ("kind=birth&copies=21", "copies must be"),
        ("kind=birth&delivery=drone", "unknown delivery"),
        ("kind=birth&lang=xx", "unsupported lang"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/certificates/fee?{query}")).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(reason),
            "{query}: {body}"
        );
    }
    let (status, _) = app
        .get("/api/v1/certificates/fee?kind=birth&copies=x")
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_order_gets_a_number_a_mail_and_reaches_the_register_office() {
    let (app, sink) = app_with_mail().await;
    let (status, body) = post_order(&app, &birth_order()).await;
    assert_eq!(status, 201, "{body}");
    let number = body["order_number"].as_str().unwrap().to_string();
    assert!(
        regex::Regex::new(r"^U-20\d\d-00001$")
            .unwrap()
            .is_match(&number),
        "{number}"
    );
    assert_eq!(body["status"], "received");
    // 15 + 2 × 7 + at least 5.10 cash on delivery; register known: no search fee.
    assert_eq!(body["fee"]["total_cents"], 1500 + 1400 + 510);
    assert_eq!(body["fee"]["minimum"], true);
    assert_eq!(body["mail_sent"], true);

    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["erika@example.org".to_string()]);
    let mail = mailparse::parse_mail(&mails[0].data).unwrap();
    let subject = mail
        .headers
        .iter()
        .find(|h| h.get_key() == "Subject")
        .unwrap()
        .get_value();
    assert!(subject.contains(&number), "{subject}");
    let text = mail.get_body().unwrap();
    for expected in [
        number.as_str(),
        "Geburtsurkunde (mehrsprachig)",
        "G 1234/1990",
        "Anzahl: 3",
        "Nachnahme",
        "mindestens 34,10 EUR",
        "noch nicht bestätigt",
    ] {
        assert!(text.contains(expected), "mail lacks {expected}: {text}");
    }

    // A second order, not entitled by relation, with a legal interest, unknown register: a search fee.
    let (status, second) = post_order(
        &app,
        &json!({
            "kind": "death",
            "person_name": "Hans Beispiel",
            "event_date": "2019",
            "relation": "sibling",
            "legal_interest": "Erbschein beim Nachlassgericht beantragt",
            "register_number": "weiß ich nicht",
            "delivery": "pickup",
            "applicant_name": "Greta Beispiel",
            "email": "greta@example.org"
        }),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    assert!(second["order_number"].as_str().unwrap().ends_with("-00002"));
    assert_eq!(second["fee"]["total_cents"], 1500 + 1000);
    assert_eq!(second["fee"]["items"][1]["item"], "search");

    // The register office's list: token required, oldest first, everything it needs.
    let (status, _) = app.get("/api/v1/admin/certificates/orders").await;
    assert_eq!(status, 401);
    let response = app
        .client
        .get(format!(
            "{}/api/v1/admin/certificates/orders?status=received",
            app.address
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let list: Value = response.json().await.unwrap();
    let orders = list["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2);
    let first = &orders[0];
    assert_eq!(first["number"], number.as_str());
    assert_eq!(first["kind"], "birth");
    assert_eq!(first["multilingual"], true);
    assert_eq!(first["event_date"], "1990-05-12");
    assert_eq!(first["register_number"], "G 1234/1990");
    assert_eq!(first["relation"], "self");
    assert_eq!(first["copies"], 3);
    assert_eq!(
        first["address"],
        "Erika Musterfrau, Burgstraße 5, 04109 Leipzig"
    );
    assert_eq!(first["fee_cents"], 3410);
    assert_eq!(first["channel"], "api");
    assert_eq!(
        orders[1]["legal_interest"],
        "Erbschein beim Nachlassgericht beantragt"
    );
    assert_eq!(orders[1]["register_number"], Value::Null);
    let response = app
        .client
        .get(format!(
            "{}/api/v1/admin/certificates/orders?status=lost",
            app.address
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
}

#[tokio::test]
async fn bad_orders_are_refused_with_a_reason() {
    let (app, sink) = app_with_mail().await;
    let with = |field: &str, value: Value| {
        let mut body = birth_order();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = birth_order();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let cases = [
        (with("kind", json!("passport")), "unknown kind"),
        (
            with("kind", json!("partnership")),
            "no multilingual version",
        ),
        (with("event_date", json!("2999")), "future"),
        (with("event_date", json!("1900")), "city archive"),
        (with("event_date", json!("yesterday-ish")), "date"),
        (
            with("register_number", json!("<b>12</b>")),
            "register number",
        ),
        (
            with("relation", json!("other")),
            "legal_interest is required",
        ),
        (with("copies", json!(0)), "number from 1 to 20"),
        (with("copies", json!(50)), "number from 1 to 20"),
        (with("delivery", json!("drone")), "unknown delivery"),
        (without("address"), "address"),
        (with("email", json!("erika-at-example")), "e-mail"),
        (with("person_name", json!(" ")), "person_name"),
        (with("applicant_name", json!("X")), "applicant_name"),
    ];
    for (body, reason) in cases {
        let (status, answer) = post_order(&app, &body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(reason),
            "{reason}: {answer}"
        );
    }
    // Missing fields and unknown relations are schema errors.
    let (status, answer) = post_order(&app, &without("relation")).await;
    assert!(matches!(status, 400 | 422), "{answer}");
    let (status, answer) = post_order(&app, &with("relation", json!("neighbour"))).await;
    assert!(matches!(status, 400 | 422), "{answer}");
    // Nothing was stored or mailed.
    let response = app
        .client
        .get(format!("{}/api/v1/admin/certificates/orders", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let list: Value = response.json().await.unwrap();
    assert_eq!(list["orders"].as_array().unwrap().len(), 0);
    assert!(sink.mails().is_empty());
}

/// Twenty orders at once: twenty different numbers 1..20 of the year, every one stored.
async fn simultaneous_orders_get_distinct_numbers(app: &TestApp) {
    let posts = (0..20).map(|i| {
        let mut body = birth_order();
        body["person_name"] = json!(format!("Person Nummer {i}"));
        let app = &*app;
        async move { post_order(app, &body).await }
    });
    let answers = futures::future::join_all(posts).await;
    let mut seqs: Vec<u32> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 201, "{body}");
            let number = body["order_number"].as_str().unwrap();
            number.rsplit('-').next().unwrap().parse().unwrap()
        })
        .collect();
    seqs.sort();
    assert_eq!(seqs, (1..=20).collect::<Vec<u32>>());
    let response = app
        .client
        .get(format!("{}/api/v1/admin/certificates/orders", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let list: Value = response.json().await.unwrap();
    assert_eq!(list["orders"].as_array().unwrap().len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_orders_are_numbered_once_each_on_sqlite() {
    let (app, _sink) = app_with_mail().await;
    simultaneous_orders_get_distinct_numbers(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_orders_are_numbered_once_each_on_postgres() {
    let (url, schema, admin) = common::postgres_schema().await;
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    settings.admin.token = Some(ADMIN_TOKEN.into());
    settings.database.url = url;
    settings.database.max_connections = 8;
    let app = spawn_with(settings, data_dir).await;
    simultaneous_orders_get_distinct_numbers(&app).await;
    app.stop().await;
    common::drop_schema(admin, &schema).await;
}
