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

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How often the background connection checkpoints the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// WAL pages after which the writer checkpoints itself (SQLite's default is 1,000).
const WRITER_AUTOCHECKPOINT_PAGES: &str = "2000";

pub struct SqliteStore {
    readers: SqlitePool,
    writer: Writer<SqlTransactor>,
    /// Checkpoints the WAL off the writer's commit path; stopped by `close`.
    checkpointer: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
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

/// The file a `sqlite://PATH` URL names; `None` for `sqlite::memory:` and URLs that are not
/// SQLite's.
pub fn database_file(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") || url == "sqlite::memory:" || url == "sqlite://:memory:" {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let file = options.get_filename();
    (file.as_os_str() != ":memory:").then(|| file.to_path_buf())
}

/// When a commit reaches the disk: SQLite's `synchronous` setting, in WAL mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// The WAL is fsynced at every commit: an accepted message survives a power loss.
    #[default]
    Full,
    /// The WAL is fsynced at checkpoints only: an accepted message survives the process being
    /// killed, not the machine losing power. Faster; for load tests on disposable machines.
    Normal,
}

impl std::str::FromStr for Synchronous {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Ok(Synchronous::Full),
            "normal" => Ok(Synchronous::Normal),
            _ => Err(format!(
                "{s:?} is not a SQLite synchronous mode: full or normal"
            )),
        }
    }
}

impl SqliteStore {
    /// Opens (creating if missing) `sqlite://PATH`, or a scratch database for `sqlite::memory:`,
    /// and applies the migrations; every commit is fsynced ([`Synchronous::Full`]).
    pub async fn open(url: &str) -> StoreResult<SqliteStore> {
        Self::open_with(url, Synchronous::Full).await
    }

    /// [`SqliteStore::open`], with commits made durable as `synchronous` says.
    pub async fn open_with(url: &str, synchronous: Synchronous) -> StoreResult<SqliteStore> {
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
                .synchronous(match synchronous {
                    Synchronous::Full => SqliteSynchronous::Full,
                    Synchronous::Normal => SqliteSynchronous::Normal,
                });
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
        // A second connection checkpoints in the background (a checkpoint on the commit path
        // holds up every send of its batch). A passive checkpoint beside a busy writer never
        // completes, and the WAL only starts over after a complete one; so the writer still
        // checkpoints, rarely, and then has little left to copy.
        let conn = options
            .clone()
            .pragma("wal_autocheckpoint", WRITER_AUTOCHECKPOINT_PAGES)
            // The writer's multi-row inserts take one statement per batch size.
            .statement_cache_capacity(512)
            .connect()
            .await
            .map_err(db_err)?;
        let checkpoints = options.connect().await.map_err(db_err)?;
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .connect_with(options.clone().read_only(true))
            .await
            .map_err(db_err)?;
        let writer = Writer::spawn(SqlTransactor(conn));
        Ok(SqliteStore {
            readers,
            writer,
            checkpointer: std::sync::Mutex::new(Some(tokio::spawn(checkpoint(checkpoints)))),
            _scratch: scratch,
        })
    }
}

/// Copies committed WAL frames into the database file every [`CHECKPOINT_EVERY`], never waiting
/// for readers or the writer (`PASSIVE`), so the WAL stays small without a commit paying for it.
async fn checkpoint(mut conn: sqlx::SqliteConnection) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&mut conn)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

impl SqliteStore {
    fn stop_checkpoints(&self) {
        if let Some(task) = self
            .checkpointer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }
}

impl SqliteStore {
    /// The writer of new messages: SQLite has one writer, so the one for everything.
    fn message_writer(&self) -> &Writer<SqlTransactor> {
        &self.writer
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.stop_checkpoints();
    }
}

#[async_trait]
impl Lifecycle for SqliteStore {
    async fn close(&self) {
        self.stop_checkpoints();
        self.writer.close().await;
        self.readers.close().await;
    }

    fn attach_telemetry(&self, telemetry: Arc<dyn vitrine_core::telemetry::Telemetry>) {
        self.writer.attach_telemetry(telemetry);
    }
}

/// A read of the directory is one snapshot by itself in WAL mode.
async fn snapshot(_tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>) -> StoreResult<()> {
    Ok(())
}

impl SqliteStore {
    /// One process per SQLite file: the change log is polled, nothing signals.
    fn signal(&self) -> Option<Arc<Notify>> {
        None
    }
}

type ThisStore = SqliteStore;

include!("../../sql/store.rs");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    async fn synchronous_of(store: &SqliteStore) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.readers)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn commits_are_fsynced_unless_normal_is_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("v.db").display());
        let full = SqliteStore::open(&url).await.unwrap();
        // SQLite's numbers: 1 is NORMAL, 2 is FULL.
        assert_eq!(synchronous_of(&full).await, 2);
        full.close().await;
        let normal = SqliteStore::open_with(&url, Synchronous::Normal)
            .await
            .unwrap();
        assert_eq!(synchronous_of(&normal).await, 1);
        normal.close().await;
        assert_eq!("NORMAL".parse(), Ok(Synchronous::Normal));
        assert!("off".parse::<Synchronous>().is_err());
    }
}
