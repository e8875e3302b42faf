//! The knowledge base as data: the shipped files are valid and cover the catalogue; broken files are
//! reported as `file:line: problem`.

mod common;

use std::collections::HashSet;
use std::path::Path;

use auskunft::knowledge::{LoadError, load_dir};
use auskunft::lang::Lang;

fn catalogue() -> Vec<(String, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/catalog/services.tsv");
    let content =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    content
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            (
                columns[0].to_string(),
                columns[1].to_string(),
                columns.get(4).copied().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn the_shipped_knowledge_base_is_valid() {
    if let Err(error) = load_dir(&common::knowledge_dir()) {
        panic!("{error}");
    }
}

#[test]
fn every_catalogue_service_is_written_under_its_slug_with_its_name_and_leika_key() {
    let knowledge = load_dir(&common::knowledge_dir()).unwrap();
    let mut missing = Vec::new();
    for (slug, name, leika) in catalogue() {
        let Some(service) = knowledge.service(&slug) else {
            missing.push(slug);
            continue;
        };
        assert_eq!(
            service.german().name,
            name,
            "{slug}: the name differs from the catalogue"
        );
        let expected_leika = (!leika.is_empty()).then_some(leika);
        assert_eq!(
            service.leika, expected_leika,
            "{slug}: the LeiKa key differs from the catalogue"
        );
    }
    assert!(
        missing.is_empty(),
        "catalogue services without a knowledge entry: {missing:?}"
    );
}

#[test]
fn every_service_is_written_in_english_and_the_most_asked_in_easy_german() {
    let knowledge = load_dir(&common::knowledge_dir()).unwrap();
    let without_english: Vec<&str> = knowledge
        .services
        .iter()
        .filter(|s| !s.texts.contains_key(&Lang::En))
        .map(|s| s.slug.as_str())
        .collect();
    assert!(
        without_english.is_empty(),
        "services without English: {without_english:?}"
    );
    let easy = knowledge
        .services
        .iter()
        .filter(|s| s.texts.contains_key(&Lang::DeLeicht))
        .count();
    assert!(easy >= 60, "only {easy} services in Leichte Sprache");
}

#[test]
fn fees_and_dates_come_from_the_data_not_from_guesses() {
    let knowledge = load_dir(&common::knowledge_dir()).unwrap();
    let id_card = knowledge.service("personalausweis-beantragen").unwrap();
    let amounts: HashSet<i64> = id_card.fees.iter().map(|f| f.amount_cents).collect();
    assert_eq!(
        amounts,
        HashSet::from([4600, 2760, 600]),
        "Personalausweis: 46 EUR from 24, 27.60 EUR under 24, 6 EUR for a photo taken at the office"
    );
    let passport = knowledge.service("reisepass-beantragen").unwrap();
    assert!(passport.fees.iter().any(|f| f.amount_cents == 7000));
    for service in &knowledge.services {
        assert!(
            service.source_url.starts_with("https://"),
            "{}: source_url",
            service.slug
        );
    }
}

/// Writes a small knowledge directory with the given service file and returns the problems.
fn problems_of(service_file: &str, extra: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["services", "offices", "lexicon"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    std::fs::write(
        dir.path().join("lexicon/de.toml"),
        "stopwords = [\"der\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lexicon/en.toml"),
        "stopwords = [\"the\"]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("services/ausweis.toml"), service_file).unwrap();
    for (path, content) in extra {
        std::fs::write(dir.path().join(path), content).unwrap();
    }
    match load_dir(dir.path()) {
        Ok(_) => Vec::new(),
        Err(LoadError::Invalid(problems)) => problems
            .iter()
            .map(|p| {
                format!(
                    "{}:{}: {}",
                    p.file.file_name().unwrap().to_string_lossy(),
                    p.line,
                    p.message
                )
            })
            .collect(),
        Err(error) => panic!("{error}"),
    }
}

const VALID: &str = r#"slug = "ausweis"
area = "Ausweise"
source_url = "https://www.leipzig.de/"
as_of = 2026-11-23
name = "Ausweis"
answer = "Kurz."
full_text = "Lang."
"#;

#[test]
fn a_valid_minimal_service_loads() {
    assert_eq!(problems_of(VALID, &[]), Vec::<String>::new());
}

#[test]
fn each_problem_names_the_file_and_line() {
    let broken = r#"slug = "ausweis"
leika = "123"
area = "Ausweise"
source_url = "leipzig.de"
as_of = 2026-11-23
related = ["gibt-es-nicht"]
offices = ["kein-amt"]
name = "Ausweis"
answer = "Kurz."
full_text = "Lang."

[[fees]]
id = "a"
amount = "46,00"
label = "ab 24"
"#;
    let problems = problems_of(broken, &[]);
    let expected = [
        "ausweis.toml:2: LeiKa key '123' must be 14 digits",
        "ausweis.toml:4: 'leipzig.de' is not an http(s) URL",
        "ausweis.toml:6: ausweis: related service 'gibt-es-nicht' does not exist in services/",
        "ausweis.toml:7: ausweis: office 'kein-amt' is neither an office id nor the kind of any office in offices/",
    ];
    for line in expected {
        assert!(
            problems.iter().any(|p| p == line),
            "missing {line:?} in {problems:#?}"
        );
    }
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("ausweis.toml:12: fee 'a': amount '46,00'")),
        "{problems:#?}"
    );
}

#[test]
fn unknown_keys_syntax_errors_and_missing_keys_are_reported() {
    let typo = VALID.replace("answer =", "anser =");
    let problems = problems_of(&typo, &[]);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with("ausweis.toml:6: unknown field `anser`"),
        "{problems:#?}"
    );

    let syntax = VALID.replace("name = \"Ausweis\"", "name = \"Ausweis");
    let problems = problems_of(&syntax, &[]);
    assert!(problems[0].starts_with("ausweis.toml:5:"), "{problems:#?}");

    let missing = VALID.replace("full_text = \"Lang.\"\n", "");
    let problems = problems_of(&missing, &[]);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("missing key `full_text`")),
        "{problems:#?}"
    );
}

#[test]
fn translations_must_belong_to_a_service_and_name_its_fees() {
    let problems = problems_of(
        VALID,
        &[
            (
                "services/reisepass.en.toml",
                "name = \"Passport\"\nanswer = \"a\"\nfull_text = \"b\"\n",
            ),
            (
                "services/ausweis.en.toml",
                "name = \"ID\"\nanswer = \"a\"\nfull_text = \"b\"\n[fee_labels]\nx = \"y\"\n",
            ),
            (
                "services/ausweis.fr.toml",
                "name = \"Carte\"\nanswer = \"a\"\nfull_text = \"b\"\n",
            ),
        ],
    );
    assert!(problems.iter().any(|p| p.contains("reisepass.en.toml:1: translation of 'reisepass', but there is no services/reisepass.toml")), "{problems:#?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("ausweis.en.toml:5: fee_labels names fee 'x'")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("ausweis.fr.toml:1: unknown language 'fr'")),
        "{problems:#?}"
    );
}

#[test]
fn an_over_long_chat_answer_is_refused() {
    let long = VALID.replace(
        "answer = \"Kurz.\"",
        &format!("answer = \"{}\"", "Satz. ".repeat(150)),
    );
    let problems = problems_of(&long, &[]);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("a chat answer has at most 700")),
        "{problems:#?}"
    );
}

#[test]
fn weak_sources_are_listed_as_warnings() {
    let knowledge = load_dir(&common::knowledge_dir()).unwrap();
    let weak = auskunft::knowledge::load::weak_sources(&knowledge);
    let slugs: Vec<&str> = weak.iter().map(|(slug, _, _)| slug.as_str()).collect();
    // A city page deep link is not weak; a bare home page is.
    let specific = knowledge
        .services
        .iter()
        .find(|s| s.source_url.starts_with("https://www.leipzig.de/") && s.source_url.len() > 30)
        .expect("some entry cites a specific city page");
    assert!(
        !slugs.contains(&specific.slug.as_str()),
        "{}",
        specific.slug
    );
    let bare: Vec<&str> = knowledge
        .services
        .iter()
        .filter(|s| s.source_url.trim_end_matches('/') == "https://www.leipzig.de")
        .map(|s| s.slug.as_str())
        .collect();
    assert!(
        !bare.is_empty() && bare.iter().all(|slug| slugs.contains(slug)),
        "{bare:?}"
    );
    let elsewhere = knowledge
        .services
        .iter()
        .find(|s| s.source_url.starts_with("https://amt24.sachsen.de/"))
        .expect("some entry cites the Land's portal");
    assert!(
        slugs.contains(&elsewhere.slug.as_str()),
        "{}",
        elsewhere.slug
    );
}
