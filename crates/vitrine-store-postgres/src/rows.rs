//! SQL and row mapping on PostgreSQL: the shared statements of `crates/sql/rows.rs`.

use sqlx::postgres::PgRow as DbRow;
use sqlx::{PgConnection as Conn, PgPool as Pool, Postgres as Db};

const GREATEST: &str = "GREATEST";
/// Claims skip rows another node has locked, so every node can dispatch.
const SKIP_LOCKED: &str = "FOR UPDATE SKIP LOCKED";
/// A version row is locked until commit: by the node writing the entity, or shared by those
/// whose change depends on it.
const FOR_UPDATE: &str = "FOR UPDATE";
const FOR_SHARE: &str = "FOR SHARE";

/// Wakes the other nodes (delivered when the transaction commits).
async fn notify_change(conn: &mut Conn, seq: i64) -> StoreResult<()> {
    sqlx::query("SELECT pg_notify('vitrine_directory', $1)")
        .bind(seq.to_string())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// `n` numbers of the order in which messages are accepted (migration 0005), ascending: one
/// database sequence for every node.
async fn take_message_order(conn: &mut Conn, n: usize) -> StoreResult<Vec<i64>> {
    let n = i64::try_from(n).map_err(|e| StoreError::Database(e.to_string()))?;
    sqlx::query_scalar(
        "SELECT nextval('message_order') AS accepted FROM generate_series(1, $1) ORDER BY accepted",
    )
    .bind(n)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)
}

include!("../../sql/rows.rs");
