//! The `auskunft` command as an operator or editor uses it: check, ask, eval, settings errors, serve
//! and a graceful stop on SIGTERM.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn auskunft() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_auskunft"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    // The tests decide every setting; nothing leaks in from the caller's environment.
    for (name, _) in std::env::vars() {
        if name.starts_with("AUSKUNFT_") {
            command.env_remove(name);
        }
    }
    command.env("AUSKUNFT_LOG__LEVEL", "warn");
    command
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn broken_knowledge() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["services", "offices", "lexicon"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    std::fs::write(dir.path().join("lexicon/de.toml"), "stopwords = []\n").unwrap();
    std::fs::write(dir.path().join("lexicon/en.toml"), "stopwords = []\n").unwrap();
    std::fs::write(
        dir.path().join("services/ausweis.toml"),
        "slug = \"ausweis\"\narea = \"Ausweise\"\nsource_url = \"https://www.leipzig.de/\"\nas_of = 2026-11-23\nname = \"Ausweis\"\nanswer = \"Kurz.\"\nfull_text = \"Lang.\"\n\n[[fees]]\nid = \"a\"\namount = \"zehn\"\nlabel = \"alle\"\n",
    )
    .unwrap();
    dir
}

/// A copy of the shipped knowledge with another appointments.toml.
fn knowledge_with_calendar(calendar: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    for sub in ["services", "offices", "lexicon", "courses"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(shipped.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(dir.path().join("appointments.toml"), calendar).unwrap();
    dir
}

#[test]
fn check_reports_mistakes_in_the_appointment_calendar_with_their_line() {
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/appointments.toml"),
    )
    .unwrap();
    let broken = shipped
        .replace(
            "hours = \"Th 09:00-12:00,13:00-17:00; PH off\"",
            "hours = \"Donnerstags 9 bis 12\"",
        )
        .replace("beglaubigung = 15\n", "");
    assert_ne!(broken, shipped);
    let dir = knowledge_with_calendar(&broken);
    let output = auskunft()
        .arg("check")
        .arg("--knowledge")
        .arg(dir.path())
        .output()
        .unwrap();
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let file = dir.path().join("appointments.toml");
    let office_line = broken
        .lines()
        .position(|l| l.contains("[offices.buergerbuero-liebertwolkwitz]"))
        .unwrap()
        + 1;
    assert!(
        stdout.contains(&format!(
            "{}:{office_line}: [offices.buergerbuero-liebertwolkwitz]: hours `Donnerstags 9 bis 12` do not parse",
            file.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("the bookable service `beglaubigung` has no duration"),
        "{stdout}"
    );
}

#[test]
fn check_passes_on_the_shipped_knowledge() {
    let output = auskunft().arg("check").output().unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("no problems"), "{stdout}");
}

#[test]
fn check_reports_file_and_line_and_fails() {
    let dir = broken_knowledge();
    let output = auskunft()
        .arg("check")
        .arg("--knowledge")
        .arg(dir.path())
        .output()
        .unwrap();
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    let file = dir.path().join("services/ausweis.toml");
    let expected = format!(
        "{}:9: fee 'a': amount 'zehn' must be euros with two decimals",
        file.display()
    );
    assert!(stdout.contains(&expected), "{stdout}");
}

#[test]
fn the_server_refuses_to_start_on_invalid_knowledge_with_the_same_message() {
    let dir = broken_knowledge();
    let data = tempfile::tempdir().unwrap();
    let output = auskunft()
        .arg("serve")
        .env("AUSKUNFT_KNOWLEDGE__DIR", dir.path())
        .env("AUSKUNFT_SERVER__PORT", "0")
        .env(
            "AUSKUNFT_DATABASE__URL",
            format!("sqlite:{}", data.path().join("a.db").display()),
        )
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(
        stderr.contains("ausweis.toml:9: fee 'a': amount 'zehn'"),
        "{stderr}"
    );
}

#[test]
fn settings_errors_name_the_key_and_stop_before_starting() {
    let output = auskunft()
        .arg("check")
        .env("AUSKUNFT_SERVER__PORT", "achtzig")
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("server.port"), "{stderr}");

    let output = auskunft()
        .arg("check")
        .env("AUSKUNFT_SERVR__PORT", "80")
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("servr"), "{stderr}");

    let output = auskunft()
        .args(["--config", "does/not/exist.toml", "check"])
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("does/not/exist.toml"), "{stderr}");
}

#[test]
fn the_example_settings_file_is_accepted() {
    let output = auskunft()
        .args(["--config", "config/example.toml", "check"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{:?}", text(&output));
}

#[test]
fn ask_prints_the_answer_and_the_hits() {
    let output = auskunft()
        .args(["ask", "Was kostet ein Reisepass?"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("service: reisepass-beantragen"), "{stdout}");
    assert!(stdout.contains("70,00 EUR"), "{stdout}");
    assert!(stdout.contains("top hits"), "{stdout}");
}

#[test]
fn eval_scores_a_question_file_and_fails_under_the_bar() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.tsv");
    std::fs::write(&good, "# kind\texpect\ttext\ns\treisepass-beantragen\tReisepass beantragen\nf\t-\tWie backe ich Brot?\n").unwrap();
    let output = auskunft().arg("eval").arg(&good).output().unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("top-1 100.0 %"), "{stdout}");

    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "s\tgewerbe-anmelden\tReisepass beantragen\n").unwrap();
    let output = auskunft().arg("eval").arg(&bad).output().unwrap();
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("MISS line 1"), "{stdout}");
    assert!(stdout.contains("below the bar"), "{stdout}");
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigterm() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let data = tempfile::tempdir().unwrap();
    let mut child = auskunft()
        .arg("serve")
        .env("AUSKUNFT_SERVER__PORT", port.to_string())
        .env(
            "AUSKUNFT_DATABASE__URL",
            format!("sqlite:{}", data.path().join("a.db").display()),
        )
        .spawn()
        .unwrap();
    let started = Instant::now();
    let healthy = loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            break response.starts_with("HTTP/1.1 200");
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(healthy);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            break;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(10),
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(Path::new(&data.path().join("a.db")).exists());
}

#[test]
fn import_writes_knowledge_files_and_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("services");
    let run = |extra: &[&str]| {
        let mut command = auskunft();
        command
            .args([
                "import",
                "pvog",
                "tests/fixtures/pvog-leistungen.json",
                "--out",
            ])
            .arg(&out)
            .args(extra);
        command.output().unwrap()
    };
    let output = run(&[]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("fischereischein-beantragen.toml"),
        "{stdout}"
    );
    let again = run(&[]);
    assert!(!again.status.success());
    assert!(text(&again).1.contains("--force"), "{:?}", text(&again));
    assert!(run(&["--force"]).status.success());
}

#[test]
fn check_compares_the_knowledge_with_a_service_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("services.tsv");
    std::fs::write(
        &catalog,
        "slug\tname_de\tname_en\tarea\tleika\nreisepass-beantragen\tReisepass beantragen\tApply for a passport\tAusweise\t99085001012000\ngibt-es-nicht\tGibt es nicht\tNone\tX\t\n",
    )
    .unwrap();
    let output = auskunft()
        .args(["check", "--catalog"])
        .arg(&catalog)
        .output()
        .unwrap();
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(":3: catalogue service 'gibt-es-nicht' has no knowledge entry"),
        "{stdout}"
    );
    assert!(!stdout.contains("reisepass"), "{stdout}");
}

#[test]
fn notices_import_from_csv_registers_good_lines_and_reports_bad_ones() {
    let data = tempfile::tempdir().unwrap();
    let csv = data.path().join("bescheide.csv");
    std::fs::write(
        &csv,
        "kassenzeichen;subject;amount;due_date;issued_on;delivered_on;office;iban_account;legal_remedy\n\
         1234.5678.9012;Hundesteuer 2027;46,50;31.01.2027;20.11.2026;23.11.2026;Steueramt;DE89 3704 0044 0532 0130 00;ja\n\
         12;Hundesteuer 2027;46,50;31.01.2027;20.11.2026;23.11.2026;Steueramt;DE89370400440532013000;\n\
         55501234;Gebühr;12,00;2027-02-01;2026-11-20;2026-11-21;Ordnungsamt;DE89370400440532013001;\n",
    )
    .unwrap();
    let url = format!("sqlite:{}", data.path().join("a.db").display());
    let run = || {
        auskunft()
            .args(["import", "notices"])
            .arg(&csv)
            .env("AUSKUNFT_DATABASE__URL", &url)
            .output()
            .unwrap()
    };
    let output = run();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let file = csv.display().to_string();
    assert!(
        stdout.contains(&format!("{file}:3: kassenzeichen must have 8 to 14 digits")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{file}:4: iban_account is not a valid IBAN")),
        "{stdout}"
    );
    let printed = stdout
        .lines()
        .find(|l| l.starts_with("123456789012;"))
        .expect("the registered notice with its check code and link");
    let fields: Vec<&str> = printed.split(';').collect();
    assert_eq!(fields.len(), 3);
    assert!(fields[2].contains("/n/123456789012?s="), "{printed}");
    assert!(
        stderr.contains("1 notice(s) registered, 2 line(s) with problems"),
        "{stderr}"
    );
    // A second run finds the notice registered already.
    let (stdout, _) = text(&run());
    assert!(
        stdout.contains(&format!(
            "{file}:2: kassenzeichen 123456789012 is registered already"
        )),
        "{stdout}"
    );
}

/// Runs `auskunft` with a line on standard input.
fn with_stdin(mut command: Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn agent_accounts_are_added_with_hashed_passwords_and_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("auskunft.db").display());
    let mut add = auskunft();
    add.env("AUSKUNFT_DATABASE__URL", &url)
        .args(["agent", "add", "agent.neu"]);
    let output = with_stdin(add, "Sehr-geheimes-Passwort\n");
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("agent 'agent.neu' added"), "{stdout}");

    let mut again = auskunft();
    again
        .env("AUSKUNFT_DATABASE__URL", &url)
        .args(["agent", "add", "agent.neu"]);
    let output = with_stdin(again, "Noch-ein-Passwort-123\n");
    assert!(!output.status.success());
    assert!(text(&output).1.contains("exists"));

    let mut short = auskunft();
    short
        .env("AUSKUNFT_DATABASE__URL", &url)
        .args(["agent", "add", "agent.kurz"]);
    let output = with_stdin(short, "kurz\n");
    assert!(!output.status.success());
    assert!(text(&output).1.contains("at least 12 characters"));

    let mut hash = auskunft();
    hash.args(["agent", "hash"]);
    let output = with_stdin(hash, "Sehr-geheimes-Passwort\n");
    let (stdout, _) = text(&output);
    assert!(stdout.trim().starts_with("$argon2id$"), "{stdout}");
    assert!(auskunft::agents::verify_password(
        "Sehr-geheimes-Passwort",
        stdout.trim()
    ));

    // The account from the database logs in to the console.
    let data_dir = std::sync::Arc::new(dir);
    let mut settings = common::test_settings(&data_dir);
    settings.database.url = url;
    let app = common::spawn_with(settings, data_dir).await;
    let response = app
        .client
        .post(format!("{}/api/v1/agent/login", app.address))
        .json(&serde_json::json!({"name": "agent.neu", "password": "Sehr-geheimes-Passwort"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let stored: String = {
        let pool = sqlx::SqlitePool::connect(&app.settings.database.url)
            .await
            .unwrap();
        sqlx::query_scalar("SELECT password_hash FROM agents WHERE name = 'agent.neu'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert!(stored.starts_with("$argon2id$") && !stored.contains("Sehr-geheimes"));
}
