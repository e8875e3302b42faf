//! The web widget and the agent console in a real browser: Debian's chromium driven by playwright-core
//! (tests/browser/*.mjs), WCAG 2.1 A/AA checks by axe-core, screenshots of the widget on a phone and a
//! desktop. The set-up installs chromium and the npm packages on a fresh machine (tests/browser/setup.sh).

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use auskunft::config::AgentAccount;
use common::{spawn_with, test_settings};

const AGENT: &str = "agentin.mueller";
const PASSWORD: &str = "Leipzig-115-Testkonto";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_and_the_agent_console_work_in_chromium() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let setup = Command::new("bash")
        .arg(dir.join("setup.sh"))
        .status()
        .expect("bash runs tests/browser/setup.sh");
    assert!(setup.success(), "tests/browser/setup.sh failed");

    let data_dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(&data_dir);
    settings.agents.accounts = vec![AgentAccount {
        name: AGENT.into(),
        password_hash: auskunft::agents::hash_password(PASSWORD).unwrap(),
    }];
    // Plain HTTP on loopback: a Secure cookie would not be sent back.
    settings.agents.secure_cookies = false;
    let app = spawn_with(settings, data_dir).await;

    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    let screenshots = target.join("browser-screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let base = app.address.clone();
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(dir.join("run.mjs"))
            .env("BASE", &base)
            .env("SCREENSHOTS", &screenshots)
            .env("AGENT_NAME", AGENT)
            .env("AGENT_PASSWORD", PASSWORD)
            .output()
            .expect("node runs tests/browser/run.mjs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        run.status.success(),
        "the browser tests failed:\n{stdout}\n{stderr}"
    );
    for shot in [
        "widget-phone.png",
        "widget-desktop.png",
        "agent-console.png",
    ] {
        let path = target.join("browser-screenshots").join(shot);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 1000, "no screenshot {}", path.display());
        println!("screenshot: {}", path.display());
    }
}
