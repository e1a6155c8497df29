//! Vitrine's embedded default store: SQLite in WAL mode.
//!
//! Writes go through one writer task that commits whatever is pending as one transaction (group
//! commit): each caller still waits for its own commit, so a message is durable before its 200,
//! but many sends share one fsync. Reads use a small pool of reader connections.

mod rows;
mod writer;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;
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
use writer::SqliteTransactor;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    readers: SqlitePool,
    writer: Writer,
    /// Keeps the directory of a `sqlite::memory:` database alive.
    _scratch: Option<tempfile::TempDir>,
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

impl SqliteStore {
    /// Opens (creating if missing) `sqlite://PATH`, or a scratch database for `sqlite::memory:`,
    /// and applies the migrations.
    pub async fn open(url: &str) -> StoreResult<SqliteStore> {
        let (options, scratch) = if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            // Several connections must see one database, so "memory" is a scratch file that is
            // removed when the store is dropped; nothing needs to survive, so no fsync.
            let dir = tempfile::tempdir().map_err(|e| StoreError::Database(e.to_string()))?;
            let options = SqliteConnectOptions::new()
                .filename(dir.path().join("vitrine.db"))
                .synchronous(SqliteSynchronous::Off);
            (options, Some(dir))
        } else {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Database(format!("bad SQLite URL {url}: {e}")))?
                .synchronous(SqliteSynchronous::Full);
            (options, None)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .disable_statement_logging();

        // The migrator runs on a pool (its future over a bare connection is not `Send`).
        let migrations = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(db_err)?;
        let migrated = MIGRATOR.run(&migrations).await;
        migrations.close().await;
        migrated.map_err(|e| StoreError::Database(e.to_string()))?;
        let conn = options.connect().await.map_err(db_err)?;
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .connect_with(options.clone().read_only(true))
            .await
            .map_err(db_err)?;
        let writer = Writer::spawn(SqliteTransactor(conn));
        Ok(SqliteStore {
            readers,
            writer,
            _scratch: scratch,
        })
    }
}

#[async_trait]
impl Lifecycle for SqliteStore {
    async fn close(&self) {
        self.writer.close().await;
        self.readers.close().await;
    }
}

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn load_directory(&self) -> StoreResult<Option<LoadedDirectory>> {
        let mut conn = self.readers.acquire().await.map_err(db_err)?;
        let tx = conn.begin().await.map_err(db_err)?;
        rows::load_directory(tx).await
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
impl MessageStore for SqliteStore {
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
impl BatchStore for SqliteStore {
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
impl WebhookStore for SqliteStore {
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
