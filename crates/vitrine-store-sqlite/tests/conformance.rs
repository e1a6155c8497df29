//! The store conformance suite on SQLite.

use std::sync::Arc;
use vitrine_core::store::conformance::{run_all, Factory};
use vitrine_core::store::Store;
use vitrine_store_sqlite::SqliteStore;

#[tokio::test]
async fn sqlite_store_conforms() {
    let factory: Factory = Arc::new(|| {
        Box::pin(async {
            let store: Arc<dyn Store> =
                Arc::new(SqliteStore::open("sqlite::memory:").await.unwrap());
            store
        })
    });
    run_all(factory).await;
}
