//! Vitrine's PostgreSQL store, for several nodes on one database.
//!
//! The same traits and the same group-commit writer as SQLite: each node has one writer
//! connection that commits whatever is pending as one transaction, one more that commits new
//! messages alone, and a pool of readers. Due
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
use vitrine_core::forward::PeerMessage;
use vitrine_core::id::{MediaId, PhoneNumberId, WaId, Wamid};
use vitrine_core::inbound::{InboundRecord, ThreadReads};
use vitrine_core::media::MediaRecord;
use vitrine_core::message::{MessagePage, MessageQuery, MessageRecord};
use vitrine_core::store::writer::Writer;
use vitrine_core::store::{
    BatchStore, Commit, CommitOutcome, DirectoryStore, Lifecycle, MediaStore, MessageStore,
    StoreError, StoreResult, WebhookStore,
};
use vitrine_core::webhook::{
    Attempt, AttemptRecord, Claimed, Outbox, StatusEvent, WebhookPage, WebhookQuery, WebhookRecord,
};
use writer::SqlTransactor;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PgStore {
    readers: PgPool,
    /// Every write but new messages: the directory's commits are numbered in the change log in
    /// the order they commit, which one connection keeps.
    writer: Writer<SqlTransactor>,
    /// New messages, and nothing else: each batch is then one statement in a transaction of
    /// its own (`SqlTransactor::insert_messages_committed`), one round trip, and other writes
    /// never hold it back. A message is in no change log, and its later statuses are written
    /// through `writer` after its 200, so it needs no order with the other writes. One such
    /// writer beat two or more taking turns: the machine's cores, not the database's round
    /// trips, are then the limit, and fewer, larger batches cost less each.
    message_writer: Writer<SqlTransactor>,
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
        let message_conn = options.connect().await.map_err(db_err)?;
        let changes = Arc::new(Notify::new());
        let listener = tokio::spawn(listen(readers.clone(), changes.clone()));
        Ok(PgStore {
            readers,
            writer: Writer::spawn(SqlTransactor(conn)),
            message_writer: Writer::spawn(SqlTransactor(message_conn)),
            changes,
            listener,
        })
    }

    /// The writer of new messages.
    fn message_writer(&self) -> &Writer<SqlTransactor> {
        &self.message_writer
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
        self.message_writer.close().await;
        self.writer.close().await;
        self.readers.close().await;
    }

    fn attach_telemetry(&self, telemetry: Arc<dyn vitrine_core::telemetry::Telemetry>) {
        self.message_writer.attach_telemetry(telemetry.clone());
        self.writer.attach_telemetry(telemetry);
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

/// The data and the last change it includes must come from one snapshot.
async fn snapshot(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> StoreResult<()> {
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

impl PgStore {
    /// Woken by `NOTIFY vitrine_directory` from any node.
    fn signal(&self) -> Option<Arc<Notify>> {
        Some(self.changes.clone())
    }
}

type ThisStore = PgStore;

include!("../../sql/store.rs");

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
