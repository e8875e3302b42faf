//! The `auskunft` command: serve (the default), check the knowledge base, ask a question, score a
//! question file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use auskunft::config::{CONFIG_ENV, Settings};
use auskunft::engine::Engine;
use auskunft::knowledge::{Knowledge, LoadError, load_dir};
use auskunft::lang::Lang;
use auskunft::nlu::Nlu;
use auskunft::startup::{Application, load_knowledge, load_nlu, shutdown_signal};
use auskunft::store::{MemoryStore, SessionStore};
use auskunft::{eval, telemetry};
use auskunft_channel::{Channel, Conversation, Inbound, InboundContent};
use clap::{Parser, Subcommand};

/// Auskunft: the citizen-service assistant.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// A TOML settings file (see config/example.toml); also AUSKUNFT_CONFIG.
    #[arg(long, global = true, env = CONFIG_ENV)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the chat and search API (the default).
    Serve,
    /// Validate the knowledge base; prints every problem as file:line: message.
    Check {
        /// The knowledge directory (default: knowledge.dir from the settings).
        #[arg(long)]
        knowledge: Option<PathBuf>,
        /// A service catalogue (TSV with slug, name_de, name_en, area, leika) every slug of which must
        /// have an entry with the catalogue's name and LeiKa key.
        #[arg(long)]
        catalog: Option<PathBuf>,
    },
    /// Ask one question and print the answer and the top search hits (for knowledge editors).
    Ask {
        /// The question.
        question: String,
        /// The language to answer in (de, en, de-leicht, uk, ar).
        #[arg(long)]
        lang: Option<String>,
    },
    /// Cross-validate the intent classifier on the examples of intents/ (k folds) and print the accuracy;
    /// with --services, the answer ranker on the example questions of knowledge/questions/.
    Crossval {
        /// Number of folds.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Cross-validate the answer ranker instead (direct answers, wrong ones, top-3, refusals, MRR).
        #[arg(long)]
        services: bool,
        /// With --services: list the held-out questions whose service was not ranked first.
        #[arg(long)]
        misses: bool,
    },
    /// Train the answer ranker on the example questions and write knowledge/ranker.toml (weights and the
    /// decision thresholds chosen by cross-validation); prints the cross-validation figures.
    Train {
        /// Number of folds for choosing the thresholds.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Print the figures without writing the model.
        #[arg(long)]
        dry_run: bool,
        /// List the held-out questions whose service was not ranked first.
        #[arg(long)]
        misses: bool,
    },
    /// Import service descriptions (XZuFi XML, PVOG JSON) or the open-data office directory (Turtle)
    /// into knowledge files; run `auskunft check` afterwards.
    Import {
        #[command(subcommand)]
        format: ImportFormat,
    },
    /// Score a question file (format of shared/eval/dev-questions.tsv); exits 1 under the thresholds.
    Eval {
        /// The question file.
        file: PathBuf,
        /// The least share of service questions answered right.
        #[arg(long, default_value_t = 0.90)]
        min_top1: f64,
        /// The least share of service questions with the right service among the first three.
        #[arg(long, default_value_t = 0.97)]
        min_top3: f64,
        /// The least share of intent questions recognised right.
        #[arg(long, default_value_t = 0.0)]
        min_intent: f64,
        /// Skip service questions whose services are not in the knowledge base yet.
        #[arg(long)]
        skip_unwritten: bool,
    },
    /// Agent accounts of the console.
    Agent {
        #[command(subcommand)]
        action: AgentAction,
    },
}

#[derive(Subcommand)]
enum AgentAction {
    /// Adds an account to the database; the password is read from the first line of standard input
    /// (at least 12 characters).
    Add {
        /// The login name.
        name: String,
    },
    /// Prints the argon2 hash of the password on standard input, for `[[agents.accounts]]` in the
    /// settings.
    Hash,
}

#[derive(Subcommand)]
enum ImportFormat {
    /// Notices from a CSV export of a specialist procedure: registered in the database; prints each
    /// notice's check code and QR link (`kassenzeichen;check_code;qr_url`) for printing.
    Notices {
        /// The CSV file (header row; `;` or `,`).
        file: PathBuf,
        /// Where to write the check codes and links (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// XZuFi 2.2 XML service descriptions (leistung elements with FIM text modules).
    Xzufi(ServiceImport),
    /// PVOG JSON service descriptions (one or a list).
    Pvog(ServiceImport),
    /// The city's open-data office directory in RDF/Turtle (org:Site, org:OrganizationalUnit).
    Offices {
        /// The Turtle file.
        file: PathBuf,
        /// Where to write the office files.
        #[arg(long, default_value = "knowledge/offices")]
        out: PathBuf,
        /// Also import organisational units (they have no address in the directory).
        #[arg(long)]
        units: bool,
        /// The office kind to give the imported offices.
        #[arg(long, default_value = "other")]
        kind: String,
        /// The page the records come from.
        #[arg(long, default_value = "https://opendata.leipzig.de/")]
        source_url: String,
        /// The date the directory's content dates from.
        #[arg(long, default_value = "2018-09-01")]
        as_of: chrono::NaiveDate,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
}

#[derive(clap::Args)]
struct ServiceImport {
    /// The file to import.
    file: PathBuf,
    /// Where to write the service files.
    #[arg(long, default_value = "knowledge/services")]
    out: PathBuf,
    /// The catalogue area of the imported services.
    #[arg(long, default_value = "Importiert")]
    area: String,
    /// The official page, for descriptions that name none.
    #[arg(long)]
    source_url: Option<String>,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("auskunft: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("auskunft: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(&settings).await,
            Command::Check { knowledge, catalog } => check(
                knowledge.unwrap_or(settings.knowledge.dir.clone()),
                &settings.intents.dir,
                catalog,
            ),
            Command::Crossval {
                folds,
                services: false,
                ..
            } => crossval(&settings, folds).await,
            Command::Crossval {
                folds,
                services: true,
                misses,
            } => train(&settings, folds, true, misses).await,
            Command::Train {
                folds,
                dry_run,
                misses,
            } => train(&settings, folds, dry_run, misses).await,
            Command::Ask { question, lang } => ask(&settings, &question, lang).await,
            Command::Import {
                format: ImportFormat::Notices { file, out },
            } => import_notices(&settings, &file, out.as_deref()).await,
            Command::Import { format } => import(format),
            Command::Agent { action } => agent(&settings, action).await,
            Command::Eval {
                file,
                min_top1,
                min_top3,
                min_intent,
                skip_unwritten,
            } => {
                evaluate(
                    &settings,
                    &file,
                    min_top1,
                    min_top3,
                    min_intent,
                    skip_unwritten,
                )
                .await
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("auskunft: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: &Settings) -> anyhow::Result<ExitCode> {
    let application = Application::build(settings).await?;
    application.run_until(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

fn check(
    dir: PathBuf,
    intents: &std::path::Path,
    catalog: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let (knowledge, mut problems) = match load_dir(&dir) {
        Ok(knowledge) => (Some(knowledge), Vec::new()),
        Err(LoadError::Invalid(problems)) => (None, problems),
        Err(error) => return Err(error.into()),
    };
    let mut intent_examples = None;
    if let Some(knowledge) = &knowledge
        && let Err(mut found) = auskunft::booking::Schedule::load(&dir, knowledge)
    {
        problems.append(&mut found);
    }
    if let Err(mut found) = auskunft::reports::Categories::load(&dir) {
        problems.append(&mut found);
    }
    if let Err(mut found) = auskunft::certificates::Certificates::load(&dir) {
        problems.append(&mut found);
    }
    if let Some(knowledge) = &knowledge {
        match auskunft::nlu::Nlu::load(intents, knowledge) {
            Ok(nlu) => intent_examples = Some(nlu.examples.len()),
            Err(LoadError::Invalid(mut found)) => problems.append(&mut found),
            Err(error) => return Err(error.into()),
        }
    }
    if let (Some(catalog), Some(knowledge)) = (&catalog, &knowledge) {
        let content = std::fs::read_to_string(catalog)
            .with_context(|| format!("failed to read {}", catalog.display()))?;
        problems.extend(auskunft::knowledge::load::check_catalog(
            &content, catalog, knowledge,
        ));
    }
    if let Some(knowledge) = &knowledge {
        // Warnings, not errors: the city can ship while it finds better pages.
        let weak = auskunft::knowledge::load::weak_sources(knowledge);
        for (slug, url, why) in &weak {
            eprintln!("warning: services/{slug}.toml: source_url {url} {why}");
        }
        if !weak.is_empty() {
            eprintln!(
                "warning: {} of {} entries have a weak source (see above)",
                weak.len(),
                knowledge.services.len()
            );
        }
    }
    match knowledge {
        Some(knowledge) if problems.is_empty() => {
            let translations: usize = knowledge.services.iter().map(|s| s.texts.len() - 1).sum();
            println!(
                "{}: {} services ({} translations), {} offices, {} courses; {}: {} intent examples: no problems",
                dir.display(),
                knowledge.services.len(),
                translations,
                knowledge.offices.len(),
                knowledge.courses.len(),
                intents.display(),
                intent_examples.unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            for problem in &problems {
                println!("{problem}");
            }
            println!("{} problem(s)", problems.len());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// An engine over the configured knowledge and intents with a throw-away in-memory store.
async fn offline_engine(settings: &Settings) -> anyhow::Result<(Arc<Knowledge>, Arc<Nlu>, Engine)> {
    let knowledge = load_knowledge(settings).await?;
    let nlu = load_nlu(settings, &knowledge).await?;
    let memory = Arc::new(MemoryStore::new());
    let engine = auskunft::startup::engine(
        settings,
        &knowledge,
        Arc::clone(&nlu),
        memory.clone() as Arc<dyn SessionStore>,
        memory,
        auskunft::startup::scratch_transactions(settings, &knowledge).await?,
    );
    Ok((knowledge, nlu, engine))
}

async fn ask(
    settings: &Settings,
    question: &str,
    lang: Option<String>,
) -> anyhow::Result<ExitCode> {
    let (knowledge, nlu, engine) = offline_engine(settings).await?;
    let preferred = lang
        .as_deref()
        .map(str::parse::<Lang>)
        .transpose()?
        .unwrap_or(Lang::De);
    let inbound = Inbound {
        channel: Channel::Web,
        conversation: None,
        content: InboundContent::Text(question.to_string()),
        lang_hint: lang,
    };
    let reply = engine.handle(inbound).await.context("the engine failed")?;
    println!(
        "intent: {} ({:.2}); service: {}; lang: {}",
        reply.intent.name,
        reply.intent.confidence,
        reply.service.as_ref().map_or("-", |s| s.slug.as_str()),
        reply.lang
    );
    for message in &reply.messages {
        println!("\n{}", message.text);
        for button in &message.buttons {
            println!("  [{}] -> {}", button.label, button.action);
        }
    }
    let intents: Vec<String> = nlu
        .classifier
        .classify(question)
        .into_iter()
        .take(3)
        .map(|(intent, p)| format!("{intent} {p:.2}"))
        .collect();
    println!("\nintents: {}", intents.join(", "));
    let results = knowledge.search(question, preferred, 5)?;
    let analyzed = knowledge
        .index
        .analyzer(results.lang)
        .analyze_query(question);
    println!("\nwords ({} analysis):", results.lang);
    for word in &analyzed.words {
        let terms: Vec<String> = word
            .terms
            .iter()
            .map(|(term, weight)| format!("{term} {weight:.2}"))
            .collect();
        println!(
            "  {:<24} {} [{}]",
            word.surface,
            if word.known { "known  " } else { "unknown" },
            terms.join(", ")
        );
    }
    let (offices, _) = knowledge.offices.find(question, 0.3);
    if !offices.is_empty() {
        let named: Vec<String> = offices
            .iter()
            .take(3)
            .map(|hit| {
                format!(
                    "{} {:.2}",
                    knowledge.base.offices[hit.index].id, hit.confidence
                )
            })
            .collect();
        println!("\noffices named: {}", named.join(", "));
    }
    println!(
        "\ntop hits ({} texts, {} meaningful words):",
        results.lang, results.meaningful_words
    );
    for hit in results.hits {
        let words: Vec<String> = knowledge
            .index
            .explain(question, &hit.slug, results.lang)
            .into_iter()
            .map(|(word, importance, cover)| format!("{word} {cover:.2}x{importance:.1}"))
            .collect();
        println!(
            "  {:<32} probability {:.2}  score {:>7.3}  coverage {:.2}  phrase {:.2}  [{}]",
            hit.slug,
            hit.probability,
            hit.score,
            hit.confidence,
            hit.phrase,
            words.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn train(
    settings: &Settings,
    folds: usize,
    dry_run: bool,
    misses: bool,
) -> anyhow::Result<ExitCode> {
    // Without the current model: it is what is being made (and may be for other features).
    let dir = settings.knowledge.dir.clone();
    let knowledge = Arc::new(
        tokio::task::spawn_blocking(move || {
            auskunft::knowledge::Knowledge::open_with(&dir, None, false)
        })
        .await?
        .with_context(|| {
            format!(
                "failed to load the knowledge base from {}",
                settings.knowledge.dir.display()
            )
        })?,
    );
    let started = std::time::Instant::now();
    let examples = knowledge.base.examples.questions.len();
    let out_of_scope = knowledge.base.examples.out_of_scope.len();
    eprintln!(
        "scoring {examples} example questions and {out_of_scope} out-of-scope examples, {folds} folds ..."
    );
    let trained = format!(
        "auskunft train on {} with {examples} example questions and {out_of_scope} out-of-scope examples; thresholds by {folds}-fold cross-validation",
        chrono::Utc::now().date_naive()
    );
    let fitted = {
        let knowledge = Arc::clone(&knowledge);
        tokio::task::spawn_blocking(move || {
            auskunft::knowledge::training::fit(&knowledge, folds, &trained)
        })
        .await?
    };
    let (model, report) = fitted;
    if misses {
        for miss in &report.misses {
            println!("MISS\t{miss}");
        }
    }
    println!(
        "{folds}-fold cross-validation of the answer ranker ({:.1} s):\n{report}",
        started.elapsed().as_secs_f64()
    );
    if !dry_run {
        let path = settings
            .knowledge
            .dir
            .join(auskunft::knowledge::RANKER_FILE);
        let header = "# The answer ranker's learned model: feature weights and decision thresholds. Written by\n\
                      # `auskunft train` from knowledge/questions/ and out-of-scope.toml; do not edit by hand.\n";
        std::fs::write(&path, format!("{header}{}", toml::to_string(&model)?))
            .with_context(|| format!("failed to write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

async fn crossval(settings: &Settings, folds: usize) -> anyhow::Result<ExitCode> {
    let knowledge = load_knowledge(settings).await?;
    let nlu = load_nlu(settings, &knowledge).await?;
    let examples = nlu.examples.clone();
    let started = std::time::Instant::now();
    let accuracy = tokio::task::spawn_blocking(move || {
        auskunft::nlu::classifier::cross_validate(&examples, folds)
    })
    .await?;
    println!(
        "{folds}-fold cross-validation over {} examples ({} intents): accuracy {:.1} % ({:.1} s)",
        nlu.examples.len(),
        nlu.classifier.intents().len(),
        accuracy * 100.0,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Registers the notices of a CSV file; reports every bad line and exits 1 if there was one.
/// The first line of standard input (a password), without its line end.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("failed to read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn agent(settings: &Settings, action: AgentAction) -> anyhow::Result<ExitCode> {
    let password = read_password()?;
    match action {
        AgentAction::Hash => {
            if password.chars().count() < 12 {
                eprintln!("auskunft: the password must have at least 12 characters");
                return Ok(ExitCode::FAILURE);
            }
            println!("{}", auskunft::agents::hash_password(&password)?);
        }
        AgentAction::Add { name } => {
            let database = auskunft::store::connect(&settings.database.url, 2)
                .await
                .with_context(|| {
                    format!(
                        "failed to open the database ({})",
                        auskunft::startup::redact_url(&settings.database.url)
                    )
                })?;
            let agents = auskunft::agents::Agents::new(
                database,
                settings.agents.accounts.clone(),
                settings.agents.session_hours,
            );
            match agents.add(&name, &password, chrono::Utc::now()).await {
                Ok(()) => println!("agent '{}' added", name.trim()),
                Err(
                    error @ (auskunft::agents::AgentError::Exists(_)
                    | auskunft::agents::AgentError::Invalid(_)),
                ) => {
                    eprintln!("auskunft: {error}");
                    return Ok(ExitCode::FAILURE);
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn import_notices(
    settings: &Settings,
    file: &std::path::Path,
    out: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    use auskunft::import::notices::{Row, parse};
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("failed to read {}", file.display()))?;
    let rows = match parse(&text) {
        Ok(rows) => rows,
        Err(problem) => {
            println!("{}:{problem}", file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let database = auskunft::store::connect(&settings.database.url, 2)
        .await
        .with_context(|| {
            format!(
                "failed to open the database ({})",
                auskunft::startup::redact_url(&settings.database.url)
            )
        })?;
    let service = auskunft::notices::service::NoticeService::new(
        &database,
        &settings.notices,
        auskunft::booking::mail::Mailer::disabled(),
    )
    .await?;
    let mut printed = String::from("kassenzeichen;check_code;qr_url\n");
    let (mut registered, mut problems) = (0, 0);
    let total = rows.len();
    for (done, row) in rows.into_iter().enumerate() {
        match row {
            Row::Notice(line, notice) => {
                let check_code = auskunft::notices::new_check_code();
                match service
                    .notices
                    .register(&notice, &check_code, chrono::Utc::now())
                    .await
                {
                    Ok(()) => {
                        registered += 1;
                        printed.push_str(&format!(
                            "{};{check_code};{}\n",
                            notice.kassenzeichen,
                            service.link(&notice.kassenzeichen, &check_code)
                        ));
                    }
                    Err(auskunft::notices::store::NoticeError::Exists) => {
                        problems += 1;
                        println!(
                            "{}:{line}: kassenzeichen {} is registered already",
                            file.display(),
                            notice.kassenzeichen
                        );
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            Row::Problem(line, reason) => {
                problems += 1;
                println!("{}:{line}: {reason}", file.display());
            }
        }
        if (done + 1) % 1000 == 0 {
            eprintln!("{} of {total} lines", done + 1);
        }
    }
    database.close().await;
    match out {
        Some(path) => std::fs::write(path, &printed)
            .with_context(|| format!("failed to write {}", path.display()))?,
        None => print!("{printed}"),
    }
    eprintln!("{registered} notice(s) registered, {problems} line(s) with problems");
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn import(format: ImportFormat) -> anyhow::Result<ExitCode> {
    let today = chrono::Utc::now().date_naive();
    let read = |file: &PathBuf| {
        std::fs::read_to_string(file).with_context(|| format!("failed to read {}", file.display()))
    };
    let written = match format {
        ImportFormat::Xzufi(args) => {
            let services = auskunft::import::xzufi::parse(&read(&args.file)?)?;
            auskunft::import::write_services(&services, &service_options(args, today))?
        }
        ImportFormat::Pvog(args) => {
            let services = auskunft::import::pvog::parse(&read(&args.file)?)?;
            auskunft::import::write_services(&services, &service_options(args, today))?
        }
        ImportFormat::Offices {
            file,
            out,
            units,
            kind,
            source_url,
            as_of,
            force,
        } => {
            let offices =
                auskunft::import::offices::parse(&read(&file)?, units, &kind, &source_url, as_of)?;
            let options = auskunft::import::ImportOptions {
                out,
                force,
                area: String::new(),
                source_url: None,
                as_of,
            };
            auskunft::import::offices::write(&offices, &options)?
        }
        ImportFormat::Notices { .. } => anyhow::bail!("notices are imported with the database"),
    };
    for path in &written {
        println!("wrote {}", path.display());
    }
    println!(
        "{} file(s) written; run `auskunft check` to validate them",
        written.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn service_options(
    args: ServiceImport,
    today: chrono::NaiveDate,
) -> auskunft::import::ImportOptions {
    auskunft::import::ImportOptions {
        out: args.out,
        force: args.force,
        area: args.area,
        source_url: args.source_url,
        as_of: today,
    }
}

async fn evaluate(
    settings: &Settings,
    file: &PathBuf,
    min_top1: f64,
    min_top3: f64,
    min_intent: f64,
    skip_unwritten: bool,
) -> anyhow::Result<ExitCode> {
    let content = std::fs::read_to_string(file)
        .with_context(|| format!("failed to read {}", file.display()))?;
    let questions = eval::parse(&content).map_err(anyhow::Error::msg)?;
    let (knowledge, _, engine) = offline_engine(settings).await?;
    let report = eval::run(&engine, &knowledge, &questions, skip_unwritten)
        .await
        .map_err(anyhow::Error::msg)?;
    println!("{report}");
    let mut below = Vec::new();
    if report.top1() < min_top1 {
        below.push(format!(
            "top-1 {:.1} % < {:.1} %",
            report.top1() * 100.0,
            min_top1 * 100.0
        ));
    }
    if report.top3() < min_top3 {
        below.push(format!(
            "top-3 {:.1} % < {:.1} %",
            report.top3() * 100.0,
            min_top3 * 100.0
        ));
    }
    if report.intent_accuracy() < min_intent {
        below.push(format!(
            "intents {:.1} % < {:.1} %",
            report.intent_accuracy() * 100.0,
            min_intent * 100.0
        ));
    }
    if report.out_of_scope_answered() > 0 {
        below.push(format!(
            "{} out-of-scope question(s) answered",
            report.out_of_scope_answered()
        ));
    }
    if below.is_empty() {
        println!("eval: all bars met");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("eval: below the bar: {}", below.join("; "));
        Ok(ExitCode::FAILURE)
    }
}
