//! The dependency rules of ARCHITECTURE.md, checked: the engine does no I/O and knows no framework, and
//! the channel crate depends on nothing but serde.

use std::path::Path;

fn rust_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn the_engine_imports_no_framework_and_no_io() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine"),
        &mut files,
    );
    assert!(!files.is_empty());
    let forbidden = [
        "axum",
        "sqlx",
        "teloxide",
        "matrix_sdk",
        "tantivy",
        "reqwest",
        "std::fs",
        "tokio::net",
    ];
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for word in forbidden {
            assert!(!source.contains(word), "{} mentions {word}", file.display());
        }
    }
}

#[test]
fn the_channel_crate_depends_only_on_serde() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("adapters/channel/Cargo.toml"),
    )
    .unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    let dependencies: Vec<&String> = manifest["dependencies"]
        .as_table()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(dependencies, ["serde"]);
}

#[test]
fn the_adapters_never_depend_on_the_root_crate() {
    for adapter in ["web", "telegram", "matrix"] {
        let manifest = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("adapters/{adapter}/Cargo.toml")),
        )
        .unwrap();
        let manifest: toml::Table = manifest.parse().unwrap();
        let dependencies: Vec<&String> = manifest["dependencies"]
            .as_table()
            .unwrap()
            .keys()
            .collect();
        assert!(
            !dependencies.iter().any(|d| d.as_str() == "auskunft"),
            "adapters/{adapter} depends on the root crate"
        );
        if adapter == "matrix" {
            for dependency in &dependencies {
                assert!(
                    [
                        "auskunft-channel",
                        "matrix-sdk",
                        "tokio",
                        "serde_json",
                        "tracing",
                        "mime"
                    ]
                    .contains(&dependency.as_str()),
                    "adapters/matrix depends on {dependency}"
                );
            }
        }
        if adapter == "telegram" {
            // The channel types and teloxide; the rest are teloxide's own dependencies used directly.
            for dependency in dependencies {
                assert!(
                    [
                        "auskunft-channel",
                        "teloxide",
                        "tokio",
                        "serde_json",
                        "url",
                        "tracing"
                    ]
                    .contains(&dependency.as_str()),
                    "adapters/telegram depends on {dependency}"
                );
            }
        }
    }
}
