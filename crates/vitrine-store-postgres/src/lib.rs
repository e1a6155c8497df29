//! Vitrine's PostgreSQL store, for several nodes on one database.
//!
//! The same traits and the same group-commit writer as SQLite: each node has one writer
//! connection that commits whatever is pending as one transaction, and a pool of readers. Due
//! webhooks are claimed with `FOR UPDATE SKIP LOCKED`, so every node can dispatch and each
//! webhook is sent by one node at a time. Migrations run under PostgreSQL's advisory lock, so
//! nodes starting together migrate once.

mod rows;
mod writer;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use vitrine_core::catalog::batch::{BatchJob, BatchResult};
use vitrine_core::clock::Millis;
use vitrine_core::directory::{DirectoryChange, DirectoryData, LoadedDirectory};
use vitrine_core::message::{MessagePage, MessageQuery, MessageRecord};
use vitrine_core::store::writer::{WriteOp, WriteResult, Writer};
use vitrine_core::store::{
    BatchStore, DirectoryStore, Lifecycle, MessageStore, StoreError, StoreResult, WebhookStore,
};
use vitrine_core::webhook::{
    AfterAttempt, Attempt, Claimed, Outbox, StatusEvent, WebhookPage, WebhookQuery, WebhookRecord,
};
use writer::PgTransactor;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PgStore {
    readers: PgPool,
    writer: Writer,
    /// Woken by `NOTIFY vitrine_directory` from any node.
    changes: Arc<Notify>,
    listener: tokio::task::JoinHandle<()>,
}

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(d.message().to_owned())
        }
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => StoreError::Closed,
        _ => StoreError::Database(e.to_string()),
    }
}

fn options(url: &str) -> StoreResult<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Database(format!("bad PostgreSQL URL: {e}")))?
        .disable_statement_logging())
}

impl PgStore {
    /// Connects to `postgres://…` and applies the migrations (under an advisory lock).
    pub async fn open(url: &str) -> StoreResult<PgStore> {
        let options = options(url)?;
        migrate_with(&options).await?;
        let readers = PgPoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(db_err)?;
        let conn = options.connect().await.map_err(db_err)?;
        let changes = Arc::new(Notify::new());
        let listener = tokio::spawn(listen(readers.clone(), changes.clone()));
        Ok(PgStore {
            readers,
            writer: Writer::spawn(PgTransactor(conn)),
            changes,
            listener,
        })
    }

    /// Applies pending migrations and returns (for `vitrine migrate`).
    pub async fn migrate(url: &str) -> StoreResult<()> {
        migrate_with(&options(url)?).await
    }
}

/// Follows `NOTIFY vitrine_directory`; reconnects after a failure (nodes also poll, so a missed
/// notification only delays a change).
async fn listen(pool: PgPool, changes: Arc<Notify>) {
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if listener.listen("vitrine_directory").await.is_ok() {
                    while listener.recv().await.is_ok() {
                        changes.notify_one();
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "LISTEN vitrine_directory failed"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[async_trait]
impl Lifecycle for PgStore {
    async fn close(&self) {
        self.listener.abort();
        self.writer.close().await;
        self.readers.close().await;
    }
}

/// sqlx's migrator takes PostgreSQL's advisory lock for the whole run, so nodes starting
/// together apply each migration once. It runs on a thread of its own: its future is not `Send`
/// (an sqlx limitation), and callers may be spawned tasks.
async fn migrate_with(options: &PgConnectOptions) -> StoreResult<()> {
    let options = options.clone();
    let run = move || -> StoreResult<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database(e.to_string()))?;
        rt.block_on(async {
            let mut conn = options.connect().await.map_err(db_err)?;
            let result = MIGRATOR
                .run(&mut conn)
                .await
                .map_err(|e| StoreError::Database(e.to_string()));
            let _ = sqlx::Connection::close(conn).await;
            result
        })
    };
    tokio::task::spawn_blocking(run)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
}

#[async_trait]
impl DirectoryStore for PgStore {
    async fn load_directory(&self) -> StoreResult<Option<LoadedDirectory>> {
        let mut conn = self.readers.acquire().await.map_err(db_err)?;
        let mut tx = conn.begin().await.map_err(db_err)?;
        // One snapshot: the data and the last change it includes must agree.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        rows::load_directory(tx).await
    }

    fn change_signal(&self) -> Option<Arc<Notify>> {
        Some(self.changes.clone())
    }

    async fn seed(&self, data: &DirectoryData) -> StoreResult<()> {
        self.writer
            .write(WriteOp::Seed(Box::new(data.clone())))
            .await
    }

    async fn apply_change(&self, change: &DirectoryChange) -> StoreResult<i64> {
        match self
            .writer
            .submit(WriteOp::Change(Box::new(change.clone())))
            .await?
        {
            WriteResult::Number(seq) => Ok(seq),
            _ => Err(StoreError::Database("unexpected write result".into())),
        }
    }

    async fn changes_since(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, DirectoryChange)>> {
        rows::changes_since(&self.readers, after, limit).await
    }

    async fn heartbeat(&self, node_id: &str, wall_now: i64, ttl_ms: i64) -> StoreResult<usize> {
        match self
            .writer
            .submit(WriteOp::Heartbeat {
                node_id: node_id.to_owned(),
                wall_now,
                ttl_ms,
            })
            .await?
        {
            WriteResult::Number(n) => Ok(usize::try_from(n).unwrap_or(1)),
            _ => Err(StoreError::Database("unexpected write result".into())),
        }
    }
}

#[async_trait]
impl MessageStore for PgStore {
    async fn insert_message(&self, record: &MessageRecord, outbox: &Outbox) -> StoreResult<()> {
        let json = serde_json::to_string(record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.writer
            .write(WriteOp::InsertMessage {
                wamid: record.wamid.clone(),
                phone_number_id: record.phone_number_id.clone(),
                wa_id: record.wa_id.clone(),
                created_at: record.created_at.0,
                json,
                outbox: outbox.clone(),
            })
            .await
    }

    async fn append_outbox(&self, outbox: &Outbox) -> StoreResult<()> {
        self.writer
            .write(WriteOp::AppendOutbox(outbox.clone()))
            .await
    }

    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<MessagePage> {
        rows::list_messages(&self.readers, query).await
    }

    async fn get_message(&self, wamid: &str) -> StoreResult<Option<MessageRecord>> {
        rows::get_message(&self.readers, wamid).await
    }

    async fn message_statuses(&self, wamid: &str) -> StoreResult<Vec<StatusEvent>> {
        rows::message_statuses(&self.readers, wamid).await
    }
}

#[async_trait]
impl BatchStore for PgStore {
    async fn insert_batch(&self, job: &BatchJob) -> StoreResult<()> {
        self.writer
            .write(WriteOp::InsertBatch(Box::new(job.clone())))
            .await
    }

    async fn get_batch(&self, handle: &str) -> StoreResult<Option<BatchJob>> {
        rows::get_batch(&self.readers, handle).await
    }

    async fn claim_batches(
        &self,
        now: Millis,
        wall_now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<BatchJob>> {
        match self
            .writer
            .submit(WriteOp::ClaimBatches {
                now,
                wall_now,
                lease_until,
                limit,
            })
            .await?
        {
            WriteResult::Batches(b) => Ok(b),
            _ => Ok(vec![]),
        }
    }

    async fn finish_batch(&self, handle: &str, result: &BatchResult) -> StoreResult<()> {
        self.writer
            .write(WriteOp::FinishBatch {
                handle: handle.to_owned(),
                result: result.clone(),
            })
            .await
    }
}

#[async_trait]
impl WebhookStore for PgStore {
    async fn claim_due_webhooks(
        &self,
        now: Millis,
        wall_now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<Claimed>> {
        match self
            .writer
            .submit(WriteOp::ClaimWebhooks {
                now,
                wall_now,
                lease_until,
                limit,
            })
            .await?
        {
            WriteResult::Claimed(c) => Ok(c),
            _ => Ok(vec![]),
        }
    }

    async fn record_attempt(
        &self,
        id: i64,
        attempt: &Attempt,
        after: AfterAttempt,
    ) -> StoreResult<()> {
        self.writer
            .write(WriteOp::RecordAttempt {
                id,
                attempt: attempt.clone(),
                after,
            })
            .await
    }

    async fn next_webhook_due(&self) -> StoreResult<Option<Millis>> {
        rows::next_webhook_due(&self.readers).await
    }

    async fn list_webhooks(&self, query: &WebhookQuery) -> StoreResult<WebhookPage> {
        rows::list_webhooks(&self.readers, query).await
    }

    async fn get_webhook(&self, id: i64) -> StoreResult<Option<(WebhookRecord, Vec<Attempt>)>> {
        rows::get_webhook(&self.readers, id).await
    }

    async fn redeliver_webhook(&self, id: i64, now: Millis) -> StoreResult<bool> {
        match self.writer.submit(WriteOp::Redeliver { id, now }).await? {
            WriteResult::Found(found) => Ok(found),
            _ => Ok(false),
        }
    }
}

/// A database of its own for one test or benchmark run, dropped with [`ScratchDatabase::drop_now`]
/// (PostgreSQL's `DROP DATABASE … WITH (FORCE)`).
pub struct ScratchDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

impl ScratchDatabase {
    /// Creates `vitrine_scratch_<random>` on the server of `admin_url` (any database the user
    /// can connect to, for example `postgres://postgres@127.0.0.1:5432/test`).
    pub async fn create(admin_url: &str) -> StoreResult<ScratchDatabase> {
        let options = options(admin_url)?;
        let mut conn = options.connect().await.map_err(db_err)?;
        let name = format!(
            "vitrine_scratch_{}_{}",
            std::process::id(),
            NEXT_SCRATCH.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .map_err(db_err)?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .map_err(db_err)?;
        let _ = sqlx::Connection::close(conn).await;
        let url = match admin_url.rsplit_once('/') {
            Some((server, db)) => {
                let query = db
                    .split_once('?')
                    .map(|(_, q)| format!("?{q}"))
                    .unwrap_or_default();
                format!("{server}/{name}{query}")
            }
            None => {
                return Err(StoreError::Database(format!(
                    "no database in URL {admin_url}"
                )))
            }
        };
        Ok(ScratchDatabase {
            url,
            name,
            admin_url: admin_url.to_owned(),
        })
    }

    pub async fn drop_now(&self) -> StoreResult<()> {
        let mut conn = options(&self.admin_url)?.connect().await.map_err(db_err)?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}

static NEXT_SCRATCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
