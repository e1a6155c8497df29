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

/// One group commit's new messages, their statuses, webhooks and product snapshots, and their
/// places in the order of acceptance, as one statement: arrays bound once per column and
/// unnested, so that the statement's text (and the prepared statement sqlx keeps for it) is the
/// same for every batch, and the batch is one round trip (and, outside a transaction block, its
/// own transaction: see `SqlTransactor::insert_messages_committed`).
///
/// Rows go in in the order given: each `INSERT … SELECT` is ordered by the rows' places in
/// their arrays, and PostgreSQL evaluates volatile expressions (the identity defaults, the
/// `nextval` of the order of acceptance) after that sort, so both ascend in that order (a
/// sequence's numbers only grow, whichever node takes them). A message's own statuses are a
/// column of its row; a status of another message (none is expected) names it by the number
/// the messages' `INSERT` returned when it is in the batch (the statement's other parts do not
/// see its rows in the table), is looked up otherwise, and keeps its wamid when there is none,
/// as `insert_statuses` does.
const INSERT_MESSAGES: &str = "\
WITH snapshots AS (
    INSERT INTO product_snapshots (key, data)
    SELECT key, data FROM unnest($1::text[], $2::text[]) AS s(key, data)
    ON CONFLICT (key) DO NOTHING
), inserted AS (
    INSERT INTO messages (wamid, wamid_key, phone_number_id, wa_id, created_at, record, packed,
        accepted, statuses)
    SELECT m.wamid, m.wamid_key, m.phone_number_id, m.wa_id, m.created_at, '', m.packed,
        nextval('message_order'), m.statuses
    FROM unnest($3::text[], $21::int8[], $4::text[], $5::text[], $6::int8[], $7::bytea[],
        $23::text[])
        WITH ORDINALITY AS m(wamid, wamid_key, phone_number_id, wa_id, created_at, packed,
            statuses, n)
    ORDER BY m.n
    RETURNING seq, wamid
), statuses AS (
    INSERT INTO message_statuses (message_seq, wamid, status, at, errors)
    SELECT found.seq, CASE WHEN found.seq IS NULL THEN s.wamid ELSE '' END, s.status, s.at, s.errors
    FROM unnest($8::text[], $22::int8[], $9::text[], $10::int8[], $11::text[])
        WITH ORDINALITY AS s(wamid, wamid_key, status, at, errors, n)
    LEFT JOIN inserted ON inserted.wamid = s.wamid
    CROSS JOIN LATERAL (SELECT COALESCE(inserted.seq,
        (SELECT seq FROM messages WHERE (messages.wamid_key = s.wamid_key
            AND messages.wamid = s.wamid) OR (messages.wamid_key IS NULL
            AND messages.wamid = s.wamid))) AS seq) AS found
    ORDER BY s.n
)
INSERT INTO webhooks (app_id, waba_id, url, event_type, status, body, signature_256,
    signature_1, state, attempt_count, due_at, next_attempt_at, packed, wamid_key, leased_until)
SELECT w.app_id, w.waba_id, w.url, w.event_type, w.status, '\\x'::bytea, '', '', 'pending', 0,
    w.due_at, w.due_at, w.packed, w.wamid_key, w.leased_until
FROM unnest($12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::int8[],
    $18::bytea[], $19::int8[], $20::int8[])
    WITH ORDINALITY AS w(app_id, waba_id, url, event_type, status, due_at, packed, wamid_key,
        leased_until, n)
ORDER BY w.n
RETURNING id";

/// Consecutive messages of one group commit with their statuses and webhooks, in one statement
/// ([`INSERT_MESSAGES`]), rows in the order given; returns the webhooks' ids in that order (their
/// identity numbers ascend in it, as the statement's documentation says).
pub(crate) async fn insert_messages(
    conn: &mut Conn,
    messages: &[&NewMessage],
) -> StoreResult<Vec<i64>> {
    // Each snapshot once per batch; one already kept is left as it is (its key is its content).
    let snapshots = NewMessage::batch_snapshots(messages);
    // A message's own statuses are in its row; any other (none is expected) is a row.
    let statuses = messages.iter().flat_map(|m| m.other_statuses());
    let statuses_for_keys = statuses.clone();
    let status_errors = statuses
        .clone()
        .map(status_errors)
        .collect::<StoreResult<Vec<Option<String>>>>()?;
    let webhooks = NewMessage::batch_webhooks(messages);
    let ids = sqlx::query(INSERT_MESSAGES)
        .bind(snapshots.iter().map(|s| s.0.as_str()).collect::<Vec<_>>())
        .bind(snapshots.iter().map(|s| s.1.as_str()).collect::<Vec<_>>())
        .bind(
            messages
                .iter()
                .map(|m| m.wamid.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            messages
                .iter()
                .map(|m| m.phone_number_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            messages
                .iter()
                .map(|m| m.wa_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(messages.iter().map(|m| m.created_at).collect::<Vec<_>>())
        .bind(
            messages
                .iter()
                .map(|m| m.packed.record.as_slice())
                .collect::<Vec<_>>(),
        )
        .bind(
            statuses
                .clone()
                .map(|e| e.wamid.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            statuses
                .clone()
                .map(|e| e.status.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(statuses.map(|e| e.at.0).collect::<Vec<_>>())
        .bind(status_errors)
        .bind(
            webhooks
                .iter()
                .map(|(w, _)| w.app_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            webhooks
                .iter()
                .map(|(w, _)| w.waba_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            webhooks
                .iter()
                .map(|(w, _)| w.url.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            webhooks
                .iter()
                .map(|(w, _)| w.event_type.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            webhooks
                .iter()
                .map(|(w, _)| w.status.map(|s| s.as_str()))
                .collect::<Vec<_>>(),
        )
        .bind(webhooks.iter().map(|(w, _)| w.due_at.0).collect::<Vec<_>>())
        .bind(
            webhooks
                .iter()
                .map(|(_, r)| r.packed.as_slice())
                .collect::<Vec<_>>(),
        )
        .bind(
            webhooks
                .iter()
                .map(|(w, _)| w.wamid.as_ref().map(packed::wamid_key))
                .collect::<Vec<_>>(),
        )
        .bind(
            webhooks
                .iter()
                .map(|(_, r)| r.leased_until)
                .collect::<Vec<_>>(),
        )
        .bind(
            messages
                .iter()
                .map(|m| packed::wamid_key(&m.wamid))
                .collect::<Vec<_>>(),
        )
        .bind(
            statuses_for_keys
                .map(|e| packed::wamid_key(&e.wamid))
                .collect::<Vec<_>>(),
        )
        .bind(
            messages
                .iter()
                .map(|m| m.statuses.as_deref())
                .collect::<Vec<_>>(),
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    if ids.len() != webhooks.len() {
        return Err(corrupt(
            "a message insert took fewer webhooks than it was given",
        ));
    }
    let mut ids: Vec<i64> = ids.iter().map(|r| r.get(0)).collect();
    ids.sort_unstable();
    Ok(ids)
}

include!("../../sql/rows.rs");
