//! intents/ as data: the shipped files are valid, the classifier generalises (cross-validation), and
//! broken files are reported as `file:line: problem`.

mod common;

use std::path::Path;

use auskunft::knowledge::{LoadError, load_dir};
use auskunft::nlu::Nlu;
use auskunft::nlu::classifier::cross_validate;

fn intents_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("intents")
}

#[test]
fn the_shipped_intents_load_and_cover_every_intent_in_four_languages() {
    let knowledge = load_dir(&common::knowledge_dir()).unwrap();
    let nlu = Nlu::load(&intents_dir(), &knowledge).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        nlu.classifier.intents().len(),
        13,
        "{:?}",
        nlu.classifier.intents()
    );
    for lang in ["de", "en", "uk", "ar"] {
        let files = std::fs::read_dir(intents_dir().join(lang)).unwrap().count();
        assert_eq!(files, 13, "{lang}: one file per intent");
    }
    assert!(nlu.forms.contains_key("course.search"));
}

#[test]
fn the_classifier_generalises_to_held_out_examples() {
    let knowledge = load_dir(&common::knowledge_dir()).unwrap();
    let nlu = Nlu::load(&intents_dir(), &knowledge).unwrap();
    let accuracy = cross_validate(&nlu.examples, 5);
    assert!(
        accuracy >= 0.85,
        "5-fold cross-validated accuracy {accuracy:.3}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn broken_intent_files_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&intents_dir(), dir.path());
    std::fs::write(
        dir.path().join("de/smalltalk.weather.toml"),
        "intent = \"smalltalk.weather\"\nexamples = [\"Wetter\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("en/smalltalk.thanks.toml"),
        "intent = \"smalltalk.thanks\"\nexamples = [\"thanks\"]\nresponses = [\"You're welcome\"]\n",
    )
    .unwrap();
    let form = std::fs::read_to_string(dir.path().join("forms/course.search.toml")).unwrap();
    std::fs::write(
        dir.path().join("forms/course.search.toml"),
        form.replace("entity = \"weekday\"", "entity = \"wochentag\""),
    )
    .unwrap();
    let form = std::fs::read_to_string(dir.path().join("forms/certificate.order.toml")).unwrap();
    std::fs::write(
        dir.path().join("forms/certificate.order.toml"),
        form.replace("copies = \"Wie viele", "kopien = \"Wie viele"),
    )
    .unwrap();
    let knowledge = load_dir(&common::knowledge_dir()).unwrap();
    let Err(LoadError::Invalid(problems)) = Nlu::load(dir.path(), &knowledge) else {
        panic!("the broken files must be refused")
    };
    let lines: Vec<String> = problems
        .iter()
        .map(|p| {
            format!(
                "{}:{}: {}",
                p.file.strip_prefix(dir.path()).unwrap().display(),
                p.line,
                p.message
            )
        })
        .collect();
    let expect = |prefix: &str| {
        assert!(
            lines.iter().any(|l| l.starts_with(prefix)),
            "no {prefix:?} in {lines:#?}"
        )
    };
    expect("de/smalltalk.weather.toml:1: unknown intent 'smalltalk.weather'");
    expect("en/smalltalk.thanks.toml:2: 1 examples; give at least 8");
    expect("forms/course.search.toml:");
    // A question for a slot the form does not have (a misspelt slot name), with its line.
    let line = form
        .lines()
        .position(|l| l.starts_with("copies = \"Wie viele"))
        .unwrap()
        + 1;
    expect(&format!(
        "forms/certificate.order.toml:{line}: [questions.de]: 'kopien' is neither a slot nor 'confirm'"
    ));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("forms/certificate.order.toml:")
                && l.ends_with("slot 'copies' is required but has no question in [questions.de]")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("unknown entity type 'wochentag'")),
        "{lines:#?}"
    );
}
