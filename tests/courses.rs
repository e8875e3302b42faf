//! The course catalogue over HTTP: the shipped sample export, searched as the widget and agents do.

mod common;

use common::spawn_app;
use serde_json::Value;

fn courses(body: &Value) -> &Vec<Value> {
    body["courses"].as_array().expect("courses array")
}

#[tokio::test]
async fn the_sample_catalogue_is_loaded_and_marked_as_sample_data() {
    let export =
        std::fs::read_to_string(common::knowledge_dir().join("courses/vhs-kurse.xml")).unwrap();
    assert!(
        export.contains("BEISPIELDATEN"),
        "the sample export must say it is sample data"
    );
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/courses?limit=100").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["total"].as_u64().unwrap() >= 140, "{}", body["total"]);
    // The chat says so wherever courses are shown, in plain words in easy German.
    for (lang, said) in [
        ("de", "erfundene Beispieldaten"),
        ("de-leicht", "Diese Kurse sind ausgedacht"),
        ("en", "invented sample data"),
    ] {
        let (status, reply) = app
            .chat(serde_json::json!({"session_id": null, "text": "Ich suche einen Spanischkurs", "lang": lang}))
            .await;
        assert_eq!(status, 200, "{reply}");
        let text = reply["messages"].to_string();
        assert!(text.contains(said), "{lang}: {text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn courses_are_found_by_topic_and_filtered_by_level_day_time_place_and_seats() {
    let app = spawn_app().await;
    let (_, spanish) = app.get("/api/v1/courses?q=Spanisch").await;
    assert!(!courses(&spanish).is_empty());
    for course in courses(&spanish) {
        assert!(
            course["title"].as_str().unwrap().contains("Spanisch"),
            "{course}"
        );
    }

    let (_, a1) = app.get("/api/v1/courses?q=Spanischkurs&level=A1").await;
    assert!(!courses(&a1).is_empty());
    assert!(courses(&a1).iter().all(|c| c["level"] == "A1"));

    let (_, saturday) = app.get("/api/v1/courses?weekday=sa&limit=100").await;
    assert!(!courses(&saturday).is_empty());
    assert!(courses(&saturday).iter().all(|c| {
        c["weekdays"]
            .as_array()
            .unwrap()
            .contains(&Value::from("Sat"))
    }));

    let (_, evening) = app.get("/api/v1/courses?time=evening&limit=100").await;
    assert!(
        courses(&evening)
            .iter()
            .all(|c| c["time_from"].as_str().unwrap() >= "17:00")
    );

    let (_, online) = app.get("/api/v1/courses?place=online&limit=100").await;
    assert!(!courses(&online).is_empty());
    assert!(courses(&online).iter().all(|c| c["place"] == "online"));

    let (_, all) = app.get("/api/v1/courses?limit=100").await;
    let (_, available) = app.get("/api/v1/courses?available=true&limit=100").await;
    assert!(
        courses(&all).iter().any(|c| c["status"] == "full"),
        "the sample has full courses"
    );
    assert!(
        courses(&available)
            .iter()
            .all(|c| c["free_seats"].as_u64().unwrap() > 0)
    );

    let (_, pottery) = app.get("/api/v1/courses?q=T%C3%B6pfern").await;
    assert!(!courses(&pottery).is_empty());
    let (_, nothing) = app.get("/api/v1/courses?q=Fallschirmspringen").await;
    assert!(courses(&nothing).is_empty(), "{nothing}");
    app.stop().await;
}

#[tokio::test]
async fn a_course_is_found_by_number_and_bad_parameters_get_4xx() {
    let app = spawn_app().await;
    let (_, first) = app.get("/api/v1/courses?limit=1").await;
    let id = courses(&first)[0]["id"].as_str().unwrap().to_string();
    let (status, course) = app.get(&format!("/api/v1/courses/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(course["id"], id.as_str());
    assert!(course["fee_cents"].as_i64().unwrap() >= 0);

    let (status, body) = app.get("/api/v1/courses/00X00000").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("course_not_found"))
    );
    for (query, status) in [
        ("/api/v1/courses?weekday=funday", 422),
        ("/api/v1/courses?time=midnight", 422),
        ("/api/v1/courses?limit=0", 422),
        ("/api/v1/courses?available=vielleicht", 400),
        ("/api/v1/courses?color=blue", 400),
    ] {
        let (got, body) = app.get(query).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body["message"].as_str().is_some());
    }
    app.stop().await;
}
