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
    // Each message's `seq`, for its statuses. The one writer inserts a chunk's rows in one
    // statement, and `AUTOINCREMENT` numbers each new row one past the largest ever: a chunk's
    // rows get consecutive numbers that end at the last row inserted.
    let mut seqs: Vec<i64> = Vec::with_capacity(messages.len());
    for (chunk, accepted) in messages
        .chunks(ROWS_PER_INSERT)
        .zip(accepted.chunks(ROWS_PER_INSERT))
    {
        let mut sql: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO messages (wamid, wamid_key, phone_number_id, wa_id, created_at, record, packed, accepted) ",
        );
        sql.push_values(chunk.iter().zip(accepted), |mut row, (m, accepted)| {
            row.push_bind(&m.wamid)
                .push_bind(packed::wamid_key(&m.wamid))
                .push_bind(&m.phone_number_id)
                .push_bind(&m.wa_id)
                .push_bind(m.created_at)
                .push("''")
                .push_bind(&m.packed.record)
                .push_bind(*accepted);
        });
        let done = sql.build().execute(&mut *conn).await.map_err(db_err)?;
        seqs.extend(inserted_numbers(chunk.len(), &done)?);
    }
    // A new message's statuses name it by that number, without looking it up; any other
    // status (none is expected) goes the usual way.
    let mut own: Vec<(i64, &StatusEvent)> = Vec::with_capacity(2 * messages.len());
    let mut others: Vec<&StatusEvent> = Vec::new();
    for (m, seq) in messages.iter().zip(&seqs) {
        for status in &m.outbox.statuses {
            if status.wamid == m.wamid {
                own.push((*seq, status));
            } else {
                others.push(status);
            }
        }
    }
    insert_statuses_by_seq(conn, &own).await?;
    insert_statuses(conn, &others).await?;
    // The webhooks' ids come the same way as the messages' numbers.
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

/// Statuses of messages whose `seq` is known: the message's number, and an empty `wamid`.
async fn insert_statuses_by_seq(
    conn: &mut Conn,
    statuses: &[(i64, &StatusEvent)],
) -> StoreResult<()> {
    for chunk in statuses.chunks(ROWS_PER_INSERT) {
        let errors = chunk
            .iter()
            .map(|(_, e)| status_errors(e))
            .collect::<StoreResult<Vec<Option<String>>>>()?;
        let mut sql: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO message_statuses (message_seq, wamid, status, at, errors) ",
        );
        sql.push_values(chunk.iter().zip(errors), |mut row, ((seq, e), errors)| {
            row.push_bind(*seq)
                .push("''")
                .push_bind(e.status.as_str())
                .push_bind(e.at.0)
                .push_bind(errors);
        });
        sql.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

include!("../../sql/rows.rs");
