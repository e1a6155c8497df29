//! The single writer: group commit over one connection.
//!
//! Callers send a [`WriteOp`] and wait for its result. The writer takes everything that is
//! pending (up to [`MAX_BATCH`]) and commits it as one transaction; if an op fails, the others
//! are retried one by one, so a bad op never takes the batch down.

use crate::{db_err, rows};
use sqlx::{Connection, Executor, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use vitrine_core::clock::Millis;
use vitrine_core::directory::DirectoryData;
use vitrine_core::model::{AppSubscription, Token, WabaSubscription};
use vitrine_core::store::{StoreError, StoreResult};
use vitrine_core::webhook::{AfterAttempt, Attempt, Claimed, Outbox};

const MAX_BATCH: usize = 512;
const QUEUE: usize = 8192;

pub(crate) enum WriteOp {
    /// Answered once everything queued before it is committed.
    Shutdown,
    Seed(Box<DirectoryData>),
    InsertToken(Token),
    SaveAppSubscription {
        app_id: String,
        sub: Option<AppSubscription>,
    },
    SaveWabaSubscriptions {
        waba_id: String,
        subs: Vec<WabaSubscription>,
    },
    InsertMessage {
        wamid: String,
        phone_number_id: String,
        wa_id: String,
        created_at: i64,
        json: String,
        outbox: Outbox,
    },
    AppendOutbox(Outbox),
    ClaimWebhooks {
        now: Millis,
        wall_now: i64,
        lease_until: i64,
        limit: u32,
    },
    RecordAttempt {
        id: i64,
        attempt: Attempt,
        after: AfterAttempt,
    },
    Redeliver {
        id: i64,
        now: Millis,
    },
}

/// What an op gives back.
pub(crate) enum WriteResult {
    Done,
    Claimed(Vec<Claimed>),
    Found(bool),
}

struct Job {
    op: WriteOp,
    done: oneshot::Sender<StoreResult<WriteResult>>,
}

pub(crate) struct Writer {
    tx: mpsc::Sender<Job>,
    task: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Writer {
    pub(crate) fn spawn(conn: SqliteConnection) -> Writer {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(run(conn, rx));
        Writer {
            tx,
            task: tokio::sync::Mutex::new(Some(task)),
        }
    }

    pub(crate) async fn submit(&self, op: WriteOp) -> StoreResult<WriteResult> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Job { op, done })
            .await
            .map_err(|_| StoreError::Closed)?;
        wait.await.map_err(|_| StoreError::Closed)?
    }

    /// Waits for everything queued so far to be committed, then stops the writer.
    pub(crate) async fn close(&self) {
        let _ = self.submit(WriteOp::Shutdown).await;
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
    }
}

async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let shutdown = batch.iter().any(|j| matches!(j.op, WriteOp::Shutdown));
        commit_batch(&mut conn, &mut batch).await;
        if shutdown {
            rx.close();
            break;
        }
    }
    let _ = conn.close().await;
}

/// Runs the batch as one transaction. Failures are rare (a duplicate key), so the batch is first
/// tried whole; if anything fails, it is rolled back and each op is retried in a transaction of
/// its own, so one bad op never takes the others down.
async fn commit_batch(conn: &mut SqliteConnection, batch: &mut Vec<Job>) {
    let results = match run_in_transaction(conn, batch.iter().map(|j| &j.op)).await {
        Ok(results) => results,
        Err(_) if batch.len() > 1 => {
            let mut results = Vec::with_capacity(batch.len());
            for job in batch.iter() {
                results.push(
                    match run_in_transaction(conn, std::iter::once(&job.op)).await {
                        Ok(mut one) => one.pop().unwrap_or(Ok(WriteResult::Done)),
                        Err(e) => Err(e),
                    },
                );
            }
            results
        }
        Err(e) => vec![Err(e)],
    };
    for (job, result) in batch.drain(..).zip(results) {
        let _ = job.done.send(result);
    }
}

/// All ops in one transaction: `Ok` with every result when everything succeeded and committed,
/// `Err` (rolled back) when any op or the commit failed.
async fn run_in_transaction<'a>(
    conn: &mut SqliteConnection,
    ops: impl Iterator<Item = &'a WriteOp>,
) -> StoreResult<Vec<StoreResult<WriteResult>>> {
    conn.execute("BEGIN IMMEDIATE").await.map_err(db_err)?;
    let mut results = Vec::new();
    for op in ops {
        match apply(conn, op).await {
            Ok(r) => results.push(Ok(r)),
            Err(e) => {
                let _ = conn.execute("ROLLBACK").await;
                return Err(e);
            }
        }
    }
    if let Err(e) = conn.execute("COMMIT").await {
        tracing::error!(error = %e, "commit failed");
        let _ = conn.execute("ROLLBACK").await;
        return Err(db_err(e));
    }
    Ok(results)
}

async fn apply(conn: &mut SqliteConnection, op: &WriteOp) -> StoreResult<WriteResult> {
    match op {
        WriteOp::Shutdown => {}
        WriteOp::Seed(data) => rows::write_seed(conn, data).await?,
        WriteOp::InsertToken(token) => rows::insert_token(conn, token).await?,
        WriteOp::SaveAppSubscription { app_id, sub } => {
            rows::save_app_subscription(conn, app_id, sub.as_ref()).await?
        }
        WriteOp::SaveWabaSubscriptions { waba_id, subs } => {
            rows::save_waba_subscriptions(conn, waba_id, subs).await?
        }
        WriteOp::InsertMessage {
            wamid,
            phone_number_id,
            wa_id,
            created_at,
            json,
            outbox,
        } => {
            sqlx::query(
                "INSERT INTO messages (wamid, phone_number_id, wa_id, created_at, record) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(wamid)
            .bind(phone_number_id)
            .bind(wa_id)
            .bind(created_at)
            .bind(json)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
            rows::write_outbox(conn, outbox).await?;
        }
        WriteOp::AppendOutbox(outbox) => rows::write_outbox(conn, outbox).await?,
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
        WriteOp::Redeliver { id, now } => {
            return Ok(WriteResult::Found(rows::redeliver(conn, *id, *now).await?))
        }
    }
    Ok(WriteResult::Done)
}
