// How the shared group-commit writer (`vitrine_core::store::writer`) runs each write, for both
// stores. Included by each store's `writer.rs` after it names `Conn` and `BEGIN`.

use crate::{db_err, rows};
use sqlx::{Connection, Executor};
use vitrine_core::store::writer::{NewMessage, Transactor, WriteOp, WriteResult};
use vitrine_core::store::StoreResult;

pub(crate) struct SqlTransactor(pub(crate) Conn);

#[async_trait::async_trait]
impl Transactor for SqlTransactor {
    async fn begin(&mut self) -> StoreResult<()> {
        self.0.execute(BEGIN).await.map_err(db_err)?;
        Ok(())
    }

    async fn apply(&mut self, op: &WriteOp) -> StoreResult<WriteResult> {
        apply(&mut self.0, op).await
    }

    async fn insert_messages(&mut self, messages: &[&NewMessage]) -> StoreResult<()> {
        rows::insert_messages(&mut self.0, messages).await
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

async fn apply(conn: &mut Conn, op: &WriteOp) -> StoreResult<WriteResult> {
    match op {
        WriteOp::Shutdown => {}
        WriteOp::Seed(data) => rows::write_seed(conn, data).await?,
        WriteOp::Commit(commit) => {
            return Ok(WriteResult::Committed(rows::commit(conn, commit).await?))
        }
        WriteOp::Heartbeat {
            node_id,
            wall_now,
            ttl_ms,
        } => {
            return Ok(WriteResult::Number(
                rows::heartbeat(conn, node_id, *wall_now, *ttl_ms).await?,
            ))
        }
        WriteOp::InsertMessage(m) => rows::insert_messages(conn, &[m]).await?,
        WriteOp::AppendOutbox(outbox) => rows::write_outbox(conn, outbox).await?,
        WriteOp::AppendFinalStatus { wamid, outbox } => {
            return Ok(WriteResult::Found(
                rows::append_final_status(conn, wamid, outbox).await?,
            ))
        }
        WriteOp::ClaimWebhooks {
            now,
            wall_now,
            lease_until,
            limit,
        } => {
            return Ok(WriteResult::Claimed(
                rows::claim_webhooks(conn, *now, *wall_now, *lease_until, *limit).await?,
            ))
        }
        WriteOp::RecordAttempt { id, attempt, after } => {
            rows::record_attempt(conn, *id, attempt, *after).await?
        }
        WriteOp::InsertBatch(job) => rows::insert_batch(conn, job).await?,
        WriteOp::ClaimBatches {
            now,
            wall_now,
            lease_until,
            limit,
        } => {
            return Ok(WriteResult::Batches(
                rows::claim_batches(conn, *now, *wall_now, *lease_until, *limit).await?,
            ))
        }
        WriteOp::FinishBatch { handle, result } => rows::finish_batch(conn, handle, result).await?,
        WriteOp::Redeliver { id, now } => {
            return Ok(WriteResult::Found(rows::redeliver(conn, *id, *now).await?))
        }
        WriteOp::InsertPeerMessages(messages) => {
            for m in messages {
                rows::insert_peer_message(conn, m).await?;
            }
        }
        WriteOp::MarkThreadRead {
            phone_number_id,
            wa_id,
            read_up_to,
            typing_at,
        } => rows::mark_thread_read(conn, phone_number_id, wa_id, *read_up_to, *typing_at).await?,
        WriteOp::MediaBegin { record, wall_now } => {
            rows::insert_media(conn, record, "uploading", *wall_now).await?
        }
        WriteOp::MediaChunk { id, seq, data } => {
            sqlx::query("INSERT INTO media_chunks (media_id, seq, data) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(seq)
                .bind(data.as_slice())
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        }
        WriteOp::MediaFinish(record) => rows::finish_media(conn, record).await?,
        WriteOp::MediaDelete { id } => {
            return Ok(WriteResult::Found(rows::delete_media(conn, id).await?))
        }
        WriteOp::MediaCopy { from, record } => {
            return Ok(WriteResult::Found(
                rows::copy_media(conn, from, record).await?,
            ))
        }
        WriteOp::PruneLogs { retain, now, limit } => {
            return Ok(WriteResult::Number(
                rows::prune_logs(conn, *retain, *now, *limit).await?,
            ))
        }
        WriteOp::MediaPurge {
            now,
            stale_before_wall,
            limit,
        } => {
            return Ok(WriteResult::Number(
                rows::purge_media(conn, *now, *stale_before_wall, *limit).await?,
            ))
        }
    }
    Ok(WriteResult::Done)
}
