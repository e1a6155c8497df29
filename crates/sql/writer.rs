// The connection the shared group-commit writer (`vitrine_core::store::writer`) runs its
// transactions on, for both stores. Included by each store's `writer.rs` after it names `Conn`,
// `BEGIN` and `MESSAGES_IN_ONE_STATEMENT`. The writes themselves are declared where the store traits are implemented
// (`crates/sql/store.rs`).

use crate::{db_err, rows};
use sqlx::{Connection, Executor};
use vitrine_core::store::writer::{messages_in_transaction, NewMessage, Transactor};
use vitrine_core::store::StoreResult;

pub(crate) struct SqlTransactor(pub(crate) Conn);

#[async_trait::async_trait]
impl Transactor for SqlTransactor {
    type Conn = Conn;

    fn conn(&mut self) -> &mut Conn {
        &mut self.0
    }

    async fn begin(&mut self) -> StoreResult<()> {
        self.0.execute(BEGIN).await.map_err(db_err)?;
        Ok(())
    }

    async fn insert_messages(&mut self, messages: &[&NewMessage]) -> StoreResult<Vec<i64>> {
        rows::insert_messages(&mut self.0, messages).await
    }

    async fn insert_messages_committed(
        &mut self,
        messages: &[&NewMessage],
    ) -> StoreResult<Vec<i64>> {
        if MESSAGES_IN_ONE_STATEMENT {
            // Outside a transaction block the one statement is its own transaction.
            rows::insert_messages(&mut self.0, messages).await
        } else {
            messages_in_transaction(self, messages).await
        }
    }

    async fn commit(&mut self) -> StoreResult<()> {
        self.0.execute("COMMIT").await.map_err(db_err)?;
        Ok(())
    }

    async fn rollback(&mut self) {
        let _ = self.0.execute("ROLLBACK").await;
    }

    async fn close(self) {
        let _ = self.0.close().await;
    }
}
