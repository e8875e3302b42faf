//! Benchmarks of one chat turn (engine, search, card, state load from the cache and save to SQLite, as
//! the server runs) and one search,
//! in-process with the shipped knowledge. After criterion's estimates it prints p50 and p99 of single
//! turns, the figures of the product's speed bar (p50 < 1 ms, p99 < 5 ms).
//!
//! Run: `cargo bench --bench chat_turn`

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use auskunft::config::Settings;
use auskunft::knowledge::Knowledge;
use auskunft::lang::Lang;
use auskunft::nlu::Nlu;
use auskunft::store::{self, SessionKey, SessionStore, TurnRecord};
use auskunft_channel::{Channel, Conversation, Inbound, InboundContent};
use criterion::Criterion;

const QUESTIONS: [&str; 10] = [
    "Ich brauche einen neuen Personalausweis",
    "Was kostet ein Reisepass?",
    "Wohnsitz anmelden nach Umzug",
    "Hundesteueranmeldung",
    "fürerschein umtauschen",
    "Gewerbe anmelden Unterlagen",
    "Sperrmüll anmelden",
    "How do I register my car?",
    "Wie backe ich Brot?",
    "Knöllchen bezahlen",
];

fn inbound(session: &str, question: &str) -> Inbound {
    Inbound {
        channel: Channel::Web,
        conversation: Some(session.to_string()),
        content: InboundContent::Text(question.to_string()),
        lang_hint: None,
    }
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * share).round() as usize]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let knowledge_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let started = Instant::now();
    let knowledge = Arc::new(Knowledge::open(&knowledge_dir, None).expect("knowledge loads"));
    println!(
        "knowledge loaded and indexed in {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", data.path().join("bench.db").display());
    let database = runtime
        .block_on(store::connect(&url, 8))
        .expect("SQLite opens");
    // As the server runs it: intents, SQLite behind the write-through state cache, the handoff queue.
    let mut settings = Settings::default();
    settings.intents.dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("intents");
    let nlu = Arc::new(Nlu::load(&settings.intents.dir, &knowledge.base).expect("intents load"));
    let sessions = store::CachedStore::new(
        Arc::new(database.clone()),
        std::num::NonZeroUsize::new(10_000).unwrap(),
    );
    let engine = auskunft::startup::engine(
        &settings,
        &knowledge,
        Arc::clone(&nlu),
        Arc::new(sessions) as Arc<dyn SessionStore>,
        Arc::new(database.clone()),
        runtime
            .block_on(auskunft::startup::transactions(
                &settings, &knowledge, &database,
            ))
            .unwrap(),
    );
    // One stored conversation that every benchmarked turn continues (load + update + turn insert).
    let session = runtime
        .block_on(engine.handle(Inbound {
            conversation: None,
            ..inbound("", QUESTIONS[0])
        }))
        .unwrap()
        .conversation;

    let mut criterion = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(5));
    let mut turn = 0usize;
    criterion.bench_function("chat turn (state cached, written to SQLite)", |b| {
        b.iter(|| {
            turn += 1;
            let question = QUESTIONS[turn % QUESTIONS.len()];
            black_box(
                runtime
                    .block_on(engine.handle(inbound(&session, question)))
                    .unwrap(),
            )
        })
    });
    let mut search = 0usize;
    criterion.bench_function("search", |b| {
        b.iter(|| {
            search += 1;
            let question = QUESTIONS[search % QUESTIONS.len()];
            black_box(knowledge.index.search(question, Lang::De, 10).unwrap())
        })
    });
    criterion.final_summary();

    let mut samples = Vec::with_capacity(5000);
    for i in 0..5000 {
        let question = QUESTIONS[i % QUESTIONS.len()];
        let started = Instant::now();
        black_box(
            runtime
                .block_on(engine.handle(inbound(&session, question)))
                .unwrap(),
        );
        samples.push(started.elapsed());
    }
    report("chat turn (state cached, written to SQLite)", samples);

    // The engine alone: the same turns with the state in memory.
    let memory = Arc::new(store::MemoryStore::new());
    let in_memory = auskunft::startup::engine(
        &settings,
        &knowledge,
        Arc::clone(&nlu),
        memory.clone() as Arc<dyn SessionStore>,
        memory,
        runtime
            .block_on(auskunft::startup::transactions(
                &settings, &knowledge, &database,
            ))
            .unwrap(),
    );
    let memory_session = runtime
        .block_on(in_memory.handle(Inbound {
            conversation: None,
            ..inbound("", QUESTIONS[0])
        }))
        .unwrap()
        .conversation;
    let mut engine_only = Vec::with_capacity(5000);
    for i in 0..5000 {
        let started = Instant::now();
        black_box(
            runtime
                .block_on(
                    in_memory.handle(inbound(&memory_session, QUESTIONS[i % QUESTIONS.len()])),
                )
                .unwrap(),
        );
        engine_only.push(started.elapsed());
    }
    report("chat turn with the state in memory", engine_only);

    // Where the time goes: the search alone, and the store's load and save alone.
    let mut searches = Vec::with_capacity(5000);
    for i in 0..5000 {
        let started = Instant::now();
        black_box(
            knowledge
                .index
                .search(QUESTIONS[i % QUESTIONS.len()], Lang::De, 5)
                .unwrap(),
        );
        searches.push(started.elapsed());
    }
    report("search", searches);
    let key = SessionKey {
        channel: Channel::Web,
        conversation: session.clone(),
    };
    let (mut loads, mut saves) = (Vec::with_capacity(2000), Vec::with_capacity(2000));
    for _ in 0..2000 {
        let started = Instant::now();
        let mut record = runtime.block_on(database.load(&key)).unwrap().unwrap();
        loads.push(started.elapsed());
        record.updated_at = chrono::Utc::now();
        let turn = TurnRecord {
            at: record.updated_at,
            user_text: Some("Perso".to_string()),
            action: None,
            intent: "service.info".to_string(),
            confidence: 0.9,
            service_slug: None,
            reply_text: "Antwort".to_string(),
        };
        let started = Instant::now();
        runtime
            .block_on(database.save_turn(&record, &turn))
            .unwrap();
        saves.push(started.elapsed());
    }
    report("store load", loads);
    report("store save (state + turn, one transaction)", saves);
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{what} over {} runs: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1000.0,
        percentile(&samples, 0.99).as_secs_f64() * 1000.0,
        samples.last().unwrap().as_secs_f64() * 1000.0
    );
}
