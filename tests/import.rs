//! The importers on fixtures written from the format descriptions (XZuFi, PVOG) and on the real open-data
//! office directory: what they write passes `auskunft check` and is found by the search.

mod common;

use std::path::{Path, PathBuf};

use auskunft::import::{self, ImportOptions};
use auskunft::knowledge::{Knowledge, load_dir};
use auskunft::lang::Lang;
use chrono::NaiveDate;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// An empty knowledge directory with the shipped lexicons.
fn knowledge_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["services", "offices", "lexicon"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    for lang in ["de", "en"] {
        std::fs::copy(
            common::knowledge_dir().join(format!("lexicon/{lang}.toml")),
            dir.path().join(format!("lexicon/{lang}.toml")),
        )
        .unwrap();
    }
    dir
}

fn options(out: PathBuf) -> ImportOptions {
    ImportOptions {
        out,
        force: false,
        area: "Importiert".into(),
        source_url: Some("https://www.leipzig.de/".into()),
        as_of: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    }
}

#[test]
fn xzufi_descriptions_become_valid_searchable_entries() {
    let services = import::xzufi::parse(&fixture("xzufi-leistungen.xml")).unwrap();
    assert_eq!(services.len(), 2);
    let dir = knowledge_dir();
    let written = import::write_services(&services, &options(dir.path().join("services"))).unwrap();
    assert_eq!(
        written.len(),
        3,
        "two masters and one English translation: {written:?}"
    );

    let knowledge = load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let trade = knowledge
        .service("reisegewerbe-anzeigen")
        .expect("slug from the name");
    assert_eq!(trade.leika.as_deref(), Some("99050012104000"));
    assert_eq!(
        trade.source_url, "https://www.leipzig.de/reisegewerbe",
        "from text module 15"
    );
    assert_eq!(
        trade.as_of,
        NaiveDate::from_ymd_opt(2026, 10, 14).unwrap(),
        "from geaendertDatumZeit"
    );
    assert_eq!(trade.fees[0].amount_cents, 15000);
    let german = trade.german();
    assert!(
        german.answer.starts_with("Wer ohne feste Niederlassung"),
        "{}",
        german.answer
    );
    assert!(
        !german.answer.contains('<'),
        "HTML is removed: {}",
        german.answer
    );
    assert_eq!(
        german.documents,
        ["Personalausweis oder Reisepass", "ein aktuelles Lichtbild"]
    );
    assert_eq!(german.legal_basis, ["§ 55 Gewerbeordnung (GewO)"]);
    assert_eq!(german.synonyms, ["Wandergewerbe", "Haustürverkauf"]);
    assert_eq!(
        german.deadlines.as_deref(),
        Some("vor Beginn der Tätigkeit")
    );
    assert_eq!(german.processing_time.as_deref(), Some("etwa zwei Wochen"));
    let english = &trade.texts[&Lang::En];
    assert_eq!(english.name, "Notify an itinerant trade");
    assert_eq!(
        english.fee_labels["gebuehr-1"],
        "for the itinerant trade card"
    );

    let second = knowledge
        .service("hundesteuer-anmeldung-zweithund")
        .expect("name from module 02");
    assert_eq!(
        second.source_url, "https://www.leipzig.de/",
        "the --source-url default"
    );

    let knowledge = Knowledge::open(dir.path(), None).unwrap();
    let hits = knowledge
        .index
        .search("Haustürverkauf", Lang::De, 3)
        .unwrap();
    assert_eq!(hits.hits[0].slug, "reisegewerbe-anzeigen");
}

#[test]
fn pvog_descriptions_become_valid_entries_with_their_fee_table() {
    let services = import::pvog::parse(&fixture("pvog-leistungen.json")).unwrap();
    let dir = knowledge_dir();
    import::write_services(&services, &options(dir.path().join("services"))).unwrap();
    let knowledge = load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let licence = knowledge.service("fischereischein-beantragen").unwrap();
    assert_eq!(licence.leika.as_deref(), Some("99042001012000"));
    let fees: Vec<i64> = licence.fees.iter().map(|f| f.amount_cents).collect();
    assert_eq!(fees, [3000, 1250]);
    assert_eq!(
        licence.german().fee_labels["gebuehr-2"],
        "befristeter Fischereischein"
    );
    assert_eq!(
        licence.online_service.as_ref().unwrap().url,
        "https://amt24.sachsen.de/"
    );
    assert_eq!(licence.source_url, "https://www.leipzig.de/fischereischein");
    assert_eq!(
        licence.german().deadlines.as_deref(),
        Some("keine Es gibt keine Frist.")
    );
}

#[test]
fn importing_over_an_existing_entry_needs_force() {
    let services = import::pvog::parse(&fixture("pvog-leistungen.json")).unwrap();
    let dir = knowledge_dir();
    let mut options = options(dir.path().join("services"));
    import::write_services(&services, &options).unwrap();
    let error = import::write_services(&services, &options)
        .unwrap_err()
        .to_string();
    assert!(error.contains("--force"), "{error}");
    options.force = true;
    import::write_services(&services, &options).unwrap();
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    assert!(
        import::xzufi::parse("<nicht xml")
            .unwrap_err()
            .to_string()
            .contains("not well-formed XML")
    );
    assert!(
        import::xzufi::parse("<root/>")
            .unwrap_err()
            .to_string()
            .contains("no <leistung>")
    );
    assert!(
        import::pvog::parse("{\"foo\": 1}")
            .unwrap_err()
            .to_string()
            .contains("not PVOG JSON")
    );
}

#[test]
fn the_open_data_office_directory_imports_into_valid_office_records() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/leipzig-behoerdenwegweiser/Behoerdenwegweiser.ttl");
    let turtle =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let as_of = NaiveDate::from_ymd_opt(2018, 9, 1).unwrap();
    let sites = import::offices::parse(
        &turtle,
        false,
        "other",
        "https://opendata.leipzig.de/",
        as_of,
    )
    .unwrap();
    // 82 org:Site records, one of them empty (no name, no street): it is skipped.
    assert_eq!(sites.len(), 81);
    let gohlis = sites
        .iter()
        .find(|o| o.name == "Gohlis-Center")
        .expect("the labelled site");
    assert_eq!(gohlis.street.as_deref(), Some("Elsbethstraße 19 - 25"));
    assert_eq!(gohlis.postcode.as_deref(), Some("04155"));
    assert!(
        gohlis
            .transit
            .as_deref()
            .unwrap()
            .contains("Georg-Schumann-Straße")
    );

    let with_units = import::offices::parse(
        &turtle,
        true,
        "other",
        "https://opendata.leipzig.de/",
        as_of,
    )
    .unwrap();
    assert!(with_units.len() > 400, "{}", with_units.len());
    assert!(
        with_units
            .iter()
            .any(|o| o.email.as_deref() == Some("international@leipzig.de"))
    );

    let dir = knowledge_dir();
    let written =
        import::offices::write(&with_units, &options(dir.path().join("offices"))).unwrap();
    assert_eq!(written.len(), with_units.len());
    let knowledge = load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(knowledge.offices.len(), with_units.len());
}
