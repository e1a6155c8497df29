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

include!("../../sql/rows.rs");
