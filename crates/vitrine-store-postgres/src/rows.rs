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

include!("../../sql/rows.rs");
