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

/// Consecutive messages of one group commit with their statuses and webhooks: one multi-row
/// `INSERT` per table (per [`ROWS_PER_INSERT`] rows), rows in the order given.
pub(crate) async fn insert_messages(
    conn: &mut Conn,
    messages: &[&NewMessage],
) -> StoreResult<Vec<i64>> {
    // The snapshots first, each once per batch; one already kept is left as it is (its key is
    // its content).
    let snapshots = NewMessage::batch_snapshots(messages);
    for chunk in snapshots.chunks(ROWS_PER_INSERT) {
        let mut sql: QueryBuilder<Db> =
            QueryBuilder::new("INSERT INTO product_snapshots (key, data) ");
        sql.push_values(chunk, |mut row, (key, data)| {
            row.push_bind(key).push_bind(data);
        });
        sql.push(" ON CONFLICT (key) DO NOTHING");
        sql.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    // Their places in the order of acceptance, shared with customers' messages, in the order
    // given.
    let accepted = take_message_order(conn, messages.len()).await?;
    for (chunk, accepted) in messages
        .chunks(ROWS_PER_INSERT)
        .zip(accepted.chunks(ROWS_PER_INSERT))
    {
        let mut sql: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO messages (wamid, wamid_key, phone_number_id, wa_id, created_at, record, packed, accepted, statuses) ",
        );
        sql.push_values(chunk.iter().zip(accepted), |mut row, (m, accepted)| {
            row.push_bind(&m.wamid)
                .push_bind(packed::wamid_key(&m.wamid))
                .push_bind(&m.phone_number_id)
                .push_bind(&m.wa_id)
                .push_bind(m.created_at)
                .push("''")
                .push_bind(&m.packed.record)
                .push_bind(*accepted)
                .push_bind(&m.statuses);
        });
        let done = sql.build().execute(&mut *conn).await.map_err(db_err)?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(corrupt("an insert took fewer rows than it was given"));
        }
    }
    // A message's own statuses are in its row; any other (none is expected) is a row.
    let others: Vec<&StatusEvent> = messages.iter().flat_map(|m| m.other_statuses()).collect();
    insert_statuses(conn, &others).await?;
    // The webhooks' ids: each insert's rows are numbered consecutively.
    let webhooks = NewMessage::batch_webhooks(messages);
    let mut ids = Vec::with_capacity(webhooks.len());
    for (rows, done) in insert_webhooks(conn, &webhooks).await? {
        ids.extend(inserted_numbers(rows, &done)?);
    }
    Ok(ids)
}

/// The numbers an `AUTOINCREMENT` table gave the `rows` rows of one multi-row insert by the one
/// writer: consecutive, ending at the last row inserted.
fn inserted_numbers(
    rows: usize,
    done: &sqlx::sqlite::SqliteQueryResult,
) -> StoreResult<std::ops::RangeInclusive<i64>> {
    if done.rows_affected() != rows as u64 {
        return Err(corrupt("an insert took fewer rows than it was given"));
    }
    let last = done.last_insert_rowid();
    let rows = i64::try_from(rows).map_err(corrupt)?;
    Ok(last - rows + 1..=last)
}

include!("../../sql/rows.rs");
