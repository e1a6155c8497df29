//! Group commit, for every backend: one writer task per node owns one connection, takes every
//! write that is pending (up to [`MAX_BATCH`]) and commits them as one transaction. Each caller
//! still waits for its own commit, so a write is durable before it is acknowledged, but many
//! writes share one fsync. If any write of a batch fails, the batch is rolled back and each write
//! is retried in a transaction of its own, so one bad write never takes the others down.
//!
//! Backends describe how to run one [`WriteOp`] inside a transaction ([`Transactor`]); the
//! batching, ordering and failure handling live here once.

use super::{Commit, CommitOutcome, StoreError, StoreResult};
use crate::catalog::batch::{BatchJob, BatchResult};
use crate::clock::Millis;
use crate::directory::DirectoryData;
use crate::media::MediaRecord;
use crate::telemetry::Telemetry;
use crate::webhook::{AfterAttempt, Attempt, Claimed, Outbox};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

pub const MAX_BATCH: usize = 512;
const QUEUE: usize = 8192;

/// Every write a store performs.
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// Answered once everything queued before it is committed; stops the writer.
    Shutdown,
    Seed(Box<DirectoryData>),
    /// Directory changes with their change-log entry, webhooks and customer message, if what
    /// they were computed from is unchanged.
    Commit(Box<Commit>),
    Heartbeat {
        node_id: String,
        wall_now: i64,
        ttl_ms: i64,
    },
    /// A message with its statuses and webhooks. Consecutive ones in a batch are written
    /// together ([`Transactor::insert_messages`]).
    InsertMessage(Box<NewMessage>),
    AppendOutbox(Outbox),
    /// A final status of a message, unless it has one.
    AppendFinalStatus {
        wamid: String,
        outbox: Outbox,
    },
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
    InsertBatch(Box<BatchJob>),
    ClaimBatches {
        now: Millis,
        wall_now: i64,
        lease_until: i64,
        limit: u32,
    },
    FinishBatch {
        handle: String,
        result: BatchResult,
    },
    Redeliver {
        id: i64,
        now: Millis,
    },
    InsertPeerMessages(Vec<crate::forward::PeerMessage>),
    MarkThreadRead {
        phone_number_id: String,
        wa_id: String,
        read_up_to: i64,
        typing_at: Option<i64>,
    },
    MediaBegin {
        record: Box<MediaRecord>,
        wall_now: i64,
    },
    MediaChunk {
        id: String,
        seq: i64,
        data: Vec<u8>,
    },
    MediaFinish(Box<MediaRecord>),
    MediaDelete {
        id: String,
    },
    MediaCopy {
        from: String,
        record: Box<MediaRecord>,
    },
    MediaPurge {
        now: Millis,
        stale_before_wall: i64,
        limit: u32,
    },
    PruneLogs {
        retain: crate::settings::Retention,
        now: Millis,
        limit: u32,
    },
}

/// A message row to insert, its record already packed, with its outbox and each webhook's
/// packed form (in the outbox's order): the sender's task packs, not the writer.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub wamid: String,
    pub phone_number_id: String,
    pub wa_id: String,
    pub created_at: i64,
    pub packed: super::packed::PackedMessage,
    pub outbox: Outbox,
    pub packed_webhooks: Vec<Vec<u8>>,
}

/// What a write gives back.
#[derive(Debug)]
pub enum WriteResult {
    Done,
    /// A sequence number or a count.
    Number(i64),
    Claimed(Vec<Claimed>),
    Batches(Vec<BatchJob>),
    Found(bool),
    Committed(CommitOutcome),
}

/// One connection that can run writes in a transaction.
#[async_trait::async_trait]
pub trait Transactor: Send + 'static {
    async fn begin(&mut self) -> StoreResult<()>;
    async fn apply(&mut self, op: &WriteOp) -> StoreResult<WriteResult>;
    /// Inserts consecutive messages of one batch, in order, with as few statements as the
    /// backend can.
    async fn insert_messages(&mut self, messages: &[&NewMessage]) -> StoreResult<()>;
    async fn commit(&mut self) -> StoreResult<()>;
    async fn rollback(&mut self);
    async fn close(self);
}

struct Job {
    op: WriteOp,
    done: oneshot::Sender<StoreResult<WriteResult>>,
}

/// Where the writer reports its batches, once someone attached it.
type TelemetrySlot = Arc<OnceLock<Arc<dyn Telemetry>>>;

pub struct Writer {
    tx: mpsc::Sender<Job>,
    task: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    telemetry: TelemetrySlot,
}

impl Writer {
    pub fn spawn<T: Transactor>(conn: T) -> Writer {
        let (tx, rx) = mpsc::channel(QUEUE);
        let telemetry = TelemetrySlot::default();
        let task = tokio::spawn(run(conn, rx, telemetry.clone()));
        Writer {
            tx,
            task: tokio::sync::Mutex::new(Some(task)),
            telemetry,
        }
    }

    /// Reports every batch committed from now on (size, time from `BEGIN` to `COMMIT`) to
    /// `telemetry`. Only the first call takes effect.
    pub fn attach_telemetry(&self, telemetry: Arc<dyn Telemetry>) {
        let _ = self.telemetry.set(telemetry);
    }

    pub async fn submit(&self, op: WriteOp) -> StoreResult<WriteResult> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Job { op, done })
            .await
            .map_err(|_| StoreError::Closed)?;
        wait.await.map_err(|_| StoreError::Closed)?
    }

    /// Submits a write that returns nothing.
    pub async fn write(&self, op: WriteOp) -> StoreResult<()> {
        self.submit(op).await.map(|_| ())
    }

    /// Waits for everything queued so far to be committed, then stops the writer.
    pub async fn close(&self) {
        let _ = self.submit(WriteOp::Shutdown).await;
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
    }
}

async fn run<T: Transactor>(mut conn: T, mut rx: mpsc::Receiver<Job>, telemetry: TelemetrySlot) {
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
        commit_batch(&mut conn, &mut batch, telemetry.get()).await;
        if shutdown {
            rx.close();
            break;
        }
    }
    conn.close().await;
}

/// Commits a batch and answers its writers, after reporting it: whoever sees a write acknowledged
/// sees its batch counted.
async fn commit_batch<T: Transactor>(
    conn: &mut T,
    batch: &mut Vec<Job>,
    telemetry: Option<&Arc<dyn Telemetry>>,
) {
    let started = Instant::now();
    let ops: Vec<&WriteOp> = batch.iter().map(|j| &j.op).collect();
    let results = match run_in_transaction(conn, &ops).await {
        Ok(results) => results,
        Err(_) if batch.len() > 1 => {
            let mut results = Vec::with_capacity(batch.len());
            for job in batch.iter() {
                results.push(match run_in_transaction(conn, &[&job.op]).await {
                    Ok(mut one) => one.pop().unwrap_or(Ok(WriteResult::Done)),
                    Err(e) => Err(e),
                });
            }
            results
        }
        Err(e) => vec![Err(e)],
    };
    if let Some(t) = telemetry {
        t.write_batch(batch.len(), started.elapsed());
    }
    for (job, result) in batch.drain(..).zip(results) {
        let _ = job.done.send(result);
    }
}

/// All ops in one transaction: `Ok` with every result when everything succeeded and committed,
/// `Err` (rolled back) when any op or the commit failed.
async fn run_in_transaction<T: Transactor>(
    conn: &mut T,
    ops: &[&WriteOp],
) -> StoreResult<Vec<StoreResult<WriteResult>>> {
    conn.begin().await?;
    let mut results = Vec::new();
    let mut messages: Vec<&NewMessage> = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        let applied = if let WriteOp::InsertMessage(first) = ops[i] {
            // A run of message inserts goes to the backend at once.
            messages.clear();
            messages.push(first);
            i += 1;
            while let Some(WriteOp::InsertMessage(m)) = ops.get(i) {
                messages.push(m);
                i += 1;
            }
            conn.insert_messages(&messages).await.map(|()| {
                results.extend(messages.iter().map(|_| Ok(WriteResult::Done)));
            })
        } else {
            i += 1;
            conn.apply(ops[i - 1]).await.map(|r| results.push(Ok(r)))
        };
        if let Err(e) = applied {
            conn.rollback().await;
            return Err(e);
        }
    }
    if let Err(e) = conn.commit().await {
        tracing::error!(error = %e, "commit failed");
        conn.rollback().await;
        return Err(e);
    }
    Ok(results)
}
