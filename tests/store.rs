//! Store conformance: the same suite against the in-memory store, SQLite and PostgreSQL.
//! PostgreSQL is the local server (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test);
//! each run works in a schema of its own, dropped afterwards.

use auskunft::store::{self, Database, MemoryStore, conformance};

#[tokio::test]
async fn the_memory_store_conforms() {
    conformance::run(&MemoryStore::new(), "memory").await;
    conformance::run_handoffs(&MemoryStore::new(), "memory").await;
}

#[tokio::test]
async fn the_sqlite_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite:{}",
        dir.path().join("nested/dir/auskunft.db").display()
    );
    let database = store::connect(&url, 4)
        .await
        .expect("SQLite opens and migrates");
    assert!(matches!(database, Database::Sqlite(_)));
    conformance::run(&database, "sqlite").await;
    conformance::run_handoffs(&database, "sqlite").await;
    database.close().await;
}

#[tokio::test]
async fn the_in_memory_sqlite_database_conforms() {
    let database = store::connect("sqlite::memory:", 4)
        .await
        .expect("in-memory SQLite opens");
    conformance::run(&database, "sqlite-memory").await;
}

#[tokio::test]
async fn the_postgres_store_conforms() {
    let base = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("auskunft_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL must run for this test ({base}): {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options[search_path]={schema}");
    let database = store::connect(&url, 4)
        .await
        .expect("PostgreSQL connects and migrates");
    assert_eq!(database.backend(), "postgres");
    conformance::run(&database, "postgres").await;
    conformance::run_handoffs(&database, "postgres").await;
    database.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
}

#[tokio::test]
async fn an_unsupported_database_url_is_refused_with_a_hint() {
    let error = store::connect("mysql://localhost/auskunft", 1)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("sqlite:") && error.contains("postgres://"),
        "{error}"
    );
}
