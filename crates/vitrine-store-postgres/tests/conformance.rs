//! The store conformance suite on PostgreSQL, and the migration folders' parity. PostgreSQL must
//! be reachable (`VITRINE_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/test):
//! these tests fail, never skip, without it.

use std::sync::{Arc, Mutex};
use vitrine_core::store::conformance::{run_all, Factory};
use vitrine_core::store::Store;
use vitrine_store_postgres::{PgStore, ScratchDatabase};

fn admin_url() -> String {
    std::env::var("VITRINE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

#[tokio::test]
async fn postgres_store_conforms() {
    let scratch: Arc<Mutex<Vec<ScratchDatabase>>> = Arc::default();
    let made = scratch.clone();
    let factory: Factory = Arc::new(move || {
        let made = made.clone();
        Box::pin(async move {
            let db = ScratchDatabase::create(&admin_url()).await.expect(
                "PostgreSQL must be reachable for this test (see VITRINE_TEST_POSTGRES_URL)",
            );
            let store: Arc<dyn Store> = Arc::new(PgStore::open(&db.url).await.unwrap());
            made.lock().unwrap().push(db);
            store
        })
    });
    run_all(factory).await;
    let dbs: Vec<_> = scratch.lock().unwrap().drain(..).collect();
    for db in dbs {
        db.drop_now().await.unwrap();
    }
}

#[test]
fn migration_folders_have_the_same_file_names() {
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let pg = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"));
    let sqlite = names(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vitrine-store-sqlite/migrations/sqlite"
    ));
    assert!(!pg.is_empty());
    assert_eq!(pg, sqlite);
}

#[tokio::test]
async fn nodes_starting_together_migrate_once() {
    let db = ScratchDatabase::create(&admin_url()).await.unwrap();
    let mut tasks = vec![];
    for _ in 0..4 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(async move { PgStore::migrate(&url).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    db.drop_now().await.unwrap();
}
