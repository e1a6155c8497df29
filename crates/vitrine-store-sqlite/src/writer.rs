//! The single writer: group commit over one connection.
//!
//! Callers send a [`WriteOp`] and wait for its result. The writer takes everything that is
//! pending (up to [`MAX_BATCH`]), runs each op inside its own savepoint in one transaction, and
//! commits once; a failing op is rolled back to its savepoint without affecting the others.

use crate::db_err;
use sqlx::{Connection, Executor, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use vitrine_core::directory::DirectoryData;
use vitrine_core::model::Token;
use vitrine_core::store::{StoreError, StoreResult};

const MAX_BATCH: usize = 512;
const QUEUE: usize = 8192;

pub(crate) enum WriteOp {
    /// Answered once everything queued before it is committed.
    Shutdown,
    Seed(Box<DirectoryData>),
    InsertToken(Token),
    InsertMessage {
        wamid: String,
        phone_number_id: String,
        wa_id: String,
        created_at: i64,
        json: String,
    },
}

struct Job {
    op: WriteOp,
    done: oneshot::Sender<StoreResult<()>>,
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

    pub(crate) async fn submit(&self, op: WriteOp) -> StoreResult<()> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Job { op, done })
            .await
            .map_err(|_| StoreError::Closed)?;
        wait.await.map_err(|_| StoreError::Closed)?
    }

    /// Stops accepting work once the queue is drained and waits for the last commit.
    pub(crate) async fn close(&self) {
        let (done, wait) = oneshot::channel();
        // A sentinel: when it is answered, everything queued before it has been committed.
        let _ = self
            .tx
            .send(Job {
                op: WriteOp::Shutdown,
                done,
            })
            .await;
        let _ = wait.await;
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
            break;
        }
    }
    let _ = conn.close().await;
}

async fn commit_batch(conn: &mut SqliteConnection, batch: &mut Vec<Job>) {
    let mut results: Vec<StoreResult<()>> = Vec::with_capacity(batch.len());
    let outcome: Result<(), StoreError> = async {
        conn.execute("BEGIN IMMEDIATE").await.map_err(db_err)?;
        for job in batch.iter() {
            conn.execute("SAVEPOINT op").await.map_err(db_err)?;
            let r = apply(conn, &job.op).await;
            if r.is_ok() {
                conn.execute("RELEASE op").await.map_err(db_err)?;
            } else {
                conn.execute("ROLLBACK TO op").await.map_err(db_err)?;
                conn.execute("RELEASE op").await.map_err(db_err)?;
            }
            results.push(r);
        }
        conn.execute("COMMIT").await.map_err(db_err)?;
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        tracing::error!(error = %e, "group commit failed");
        let _ = conn.execute("ROLLBACK").await;
        let msg = e.to_string();
        results = batch
            .iter()
            .map(|_| Err(StoreError::Database(msg.clone())))
            .collect();
    }
    for (job, result) in batch.drain(..).zip(results) {
        let _ = job.done.send(result);
    }
}

async fn apply(conn: &mut SqliteConnection, op: &WriteOp) -> StoreResult<()> {
    match op {
        WriteOp::Shutdown => Ok(()),
        WriteOp::Seed(data) => crate::rows::write_seed(conn, data).await,
        WriteOp::InsertToken(token) => crate::rows::insert_token(conn, token).await,
        WriteOp::InsertMessage {
            wamid,
            phone_number_id,
            wa_id,
            created_at,
            json,
        } => {
            sqlx::query(
                "INSERT INTO messages (wamid, phone_number_id, wa_id, created_at, record) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(wamid)
            .bind(phone_number_id)
            .bind(wa_id)
            .bind(created_at)
            .bind(json)
            .execute(conn)
            .await
            .map_err(db_err)?;
            Ok(())
        }
    }
}
