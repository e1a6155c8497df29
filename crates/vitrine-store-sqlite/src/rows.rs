//! SQL and row mapping on SQLite: the shared statements of `crates/sql/rows.rs`.

use sqlx::sqlite::SqliteRow as DbRow;
use sqlx::{Sqlite as Db, SqliteConnection as Conn, SqlitePool as Pool};

/// SQLite's two-argument `max` is PostgreSQL's `GREATEST`.
const GREATEST: &str = "MAX";
/// One SQLite writer per database: nothing to skip.
const SKIP_LOCKED: &str = "";
/// Nor anything to lock: the one writer's transaction holds the whole database.
const FOR_UPDATE: &str = "";
const FOR_SHARE: &str = "";

/// SQLite has one node; other processes on the same file poll the change log.
async fn notify_change(_conn: &mut Conn, _seq: i64) -> StoreResult<()> {
    Ok(())
}

/// `n` numbers of the order in which messages are accepted (migration 0005), ascending: the
/// one writer moves the counter inside its transaction.
async fn take_message_order(conn: &mut Conn, n: usize) -> StoreResult<Vec<i64>> {
    let n = i64::try_from(n).map_err(|e| StoreError::Database(e.to_string()))?;
    let last: i64 =
        sqlx::query_scalar("UPDATE message_order SET value = value + $1 RETURNING value")
            .bind(n)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_err)?;
    Ok((last - n + 1..=last).collect())
}

include!("../../sql/rows.rs");
