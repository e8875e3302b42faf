//! Problem reports through the Open311 GeoReport v2 API, as a city's report client uses it: services,
//! posting (form-encoded, and multipart with a photo), reading back by id and by list filters, status
//! updates by the back office, and bad input answered in GeoReport's error format.

mod common;

use std::sync::Arc;

use common::{TestApp, spawn_with, test_settings};
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "back-office-token-0123456789";

async fn app() -> TestApp {
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    settings.admin.token = Some(ADMIN_TOKEN.into());
    spawn_with(settings, data_dir).await
}

async fn post_form(app: &TestApp, fields: &[(&str, &str)]) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/open311/v2/requests.json", app.address))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn assert_georeport_error(status: u16, body: &Value, expected: u16, reason: &str) {
    assert_eq!(status, expected, "{body}");
    let error = &body.as_array().expect("GeoReport errors are an array")[0];
    assert_eq!(error["code"], expected);
    assert!(
        error["description"].as_str().unwrap().contains(reason),
        "{body}"
    );
}

#[tokio::test]
async fn reports_are_posted_read_back_listed_and_worked_through_georeport_v2() {
    let app = app().await;
    let (status, services) = app.get("/open311/v2/services.json").await;
    assert_eq!(status, 200);
    let services = services.as_array().unwrap();
    let pothole = services
        .iter()
        .find(|s| s["service_code"] == "pothole")
        .expect("pothole");
    for field in [
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ] {
        assert!(pothole.get(field).is_some(), "services.json lacks {field}");
    }
    assert_eq!(pothole["type"], "realtime");

    let (status, created) = post_form(
        &app,
        &[
            ("service_code", "pothole"),
            ("lat", "51.3397"),
            ("long", "12.3731"),
            ("description", "Tiefes Schlagloch auf dem Radweg"),
            ("email", "erika@example.org"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(id, format!("{year}-00001"));
    let (_, second) = post_form(
        &app,
        &[
            ("service_code", "streetlight"),
            ("address_string", "Karl-Liebknecht-Straße 10, 04107 Leipzig"),
            ("description", "Laterne seit Tagen dunkel"),
        ],
    )
    .await;
    assert_eq!(second[0]["service_request_id"], format!("{year}-00002"));

    let (status, read) = app.get(&format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(status, 200);
    let request = &read[0];
    for field in [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ] {
        assert!(
            request.get(field).is_some(),
            "request lacks {field}: {request}"
        );
    }
    assert_eq!(request["status"], "open");
    assert_eq!(request["lat"], 51.3397);
    assert_eq!(request["long"], 12.3731);
    assert!(
        chrono::DateTime::parse_from_rfc3339(request["requested_datetime"].as_str().unwrap())
            .is_ok()
    );

    // The back office closes it with a note; the list filters by status and category.
    let closed: Value = app
        .client
        .post(format!("{}/api/v1/admin/reports/{id}/status", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"status": "closed", "status_notes": "Schlagloch ist verfüllt."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(closed["status"], "closed");
    let unauthorised = app
        .client
        .post(format!("{}/api/v1/admin/reports/{id}/status", app.address))
        .json(&json!({"status": "open"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorised.status(), 401);
    let (_, closed_list) = app.get("/open311/v2/requests.json?status=closed").await;
    assert_eq!(closed_list.as_array().unwrap().len(), 1);
    assert_eq!(closed_list[0]["status_notes"], "Schlagloch ist verfüllt.");
    let (_, lights) = app
        .get("/open311/v2/requests.json?service_code=streetlight")
        .await;
    assert_eq!(lights.as_array().unwrap().len(), 1);
    let (_, both) = app
        .get(&format!(
            "/open311/v2/requests.json?service_request_id={id},{year}-00002"
        ))
        .await;
    assert_eq!(both.as_array().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_photo_is_stored_without_metadata_and_bad_input_gets_georeport_errors() {
    let app = app().await;
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(24, 24, image::Rgb([10, 10, 10]))
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let mut photo = jpeg.into_inner();
    photo.splice(
        2..2,
        b"\xFF\xE1\x00\x16Exif\x00\x00GPS-Leipzig-51.34"
            .iter()
            .copied(),
    );
    let form = reqwest::multipart::Form::new()
        .text("service_code", "graffiti")
        .text("address_string", "Augustusplatz, 04109 Leipzig")
        .text("description", "Frische Schmiererei am Brunnen")
        .part(
            "media",
            reqwest::multipart::Part::bytes(photo)
                .file_name("foto.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let response = app
        .client
        .post(format!("{}/open311/v2/requests.json", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let id = created[0]["service_request_id"].as_str().unwrap();
    let (_, read) = app.get(&format!("/open311/v2/requests/{id}.json")).await;
    let media = read[0]["media_url"].as_str().unwrap().to_string();
    let stored = app
        .client
        .get(format!("{}{media}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(stored.headers()["content-type"], "image/jpeg");
    let bytes = stored.bytes().await.unwrap();
    assert!(image::load_from_memory(&bytes).is_ok());
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "metadata stripped");

    // Not an image, too large: refused with a reason.
    let fake = reqwest::multipart::Form::new()
        .text("service_code", "graffiti")
        .text("address_string", "Augustusplatz")
        .text("description", "Schmiererei")
        .part(
            "media",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 not a photo".to_vec()).file_name("x.pdf"),
        );
    let response = app
        .client
        .post(format!("{}/open311/v2/requests.json", app.address))
        .multipart(fake)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_georeport_error(status, &response.json().await.unwrap(), 400, "PNG and JPEG");
    let huge = reqwest::multipart::Form::new()
        .text("service_code", "graffiti")
        .text("address_string", "Augustusplatz")
        .text("description", "Schmiererei")
        .part(
            "media",
            reqwest::multipart::Part::bytes(vec![0u8; 4 * 1024 * 1024 + 10]).file_name("x.jpg"),
        );
    let response = app
        .client
        .post(format!("{}/open311/v2/requests.json", app.address))
        .multipart(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16() / 100,
        4,
        "oversized uploads get a 4xx"
    );

    for (fields, reason) in [
        (
            vec![
                ("service_code", "ufo"),
                ("address_string", "Markt 1"),
                ("description", "Ufo gelandet"),
            ],
            "unknown service_code",
        ),
        (
            vec![
                ("service_code", "pothole"),
                ("lat", "123"),
                ("long", "12.3"),
                ("description", "Loch"),
            ],
            "lat and long",
        ),
        (
            vec![
                ("service_code", "pothole"),
                ("lat", "51.3"),
                ("description", "Loch"),
            ],
            "lat and long go together",
        ),
        (
            vec![("service_code", "pothole"), ("description", "Loch")],
            "give the place",
        ),
        (
            vec![("address_string", "Markt 1"), ("description", "Loch")],
            "service_code is required",
        ),
        (
            vec![
                ("service_code", "pothole"),
                ("address_string", "Markt 1"),
                ("description", ""),
            ],
            "description",
        ),
    ] {
        let (status, body) = post_form(&app, &fields).await;
        assert_georeport_error(status, &body, 400, reason);
    }
    let (status, body) = app.get("/open311/v2/requests/2026-99999.json").await;
    assert_georeport_error(status, &body, 404, "no service request");
    let (status, body) = app.get("/open311/v2/requests.json?status=pending").await;
    assert_georeport_error(status, &body, 400, "status");
    app.stop().await;
}

#[tokio::test]
async fn the_reporter_is_mailed_when_the_back_office_changes_the_status() {
    let sink = common::smtp::SmtpSink::start().await;
    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    settings.admin.token = Some(ADMIN_TOKEN.into());
    settings.mail.smtp_host = Some("127.0.0.1".into());
    settings.mail.smtp_port = Some(sink.port);
    settings.mail.tls = auskunft::config::MailTls::None;
    settings.mail.from = "Stadt Leipzig <auskunft@example.org>".into();
    let app = spawn_with(settings, data_dir).await;
    let (_, created) = post_form(
        &app,
        &[
            ("service_code", "dumping"),
            ("address_string", "Karl-Heine-Straße 50, 04229 Leipzig"),
            ("description", "Sperrmüll auf dem Gehweg"),
            ("email", "max@example.org"),
        ],
    )
    .await;
    let id = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let response = app
        .client
        .post(format!("{}/api/v1/admin/reports/{id}/status", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"status": "closed", "status_notes": "Abgeholt am Dienstag."}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["max@example.org".to_string()]);
    let body = mailparse::parse_mail(&mails[0].data)
        .unwrap()
        .get_body()
        .unwrap();
    assert!(
        body.contains(&id) && body.contains("erledigt") && body.contains("Abgeholt am Dienstag."),
        "{body}"
    );
    app.stop().await;
}
