//! Storage traits, implemented by each backend crate. Rows never leave those crates.

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod writer;

use crate::catalog::batch::{BatchJob, BatchResult};
use crate::clock::Millis;
use crate::directory::{DirectoryChange, DirectoryData, LoadedDirectory};
use crate::forward::PeerMessage;
use crate::inbound::{InboundRecord, ThreadReads};
use crate::media::MediaRecord;
use crate::message::{MessagePage, MessageQuery, MessageRecord};
use crate::webhook::{
    AfterAttempt, Attempt, Claimed, Outbox, StatusEvent, WebhookPage, WebhookQuery, WebhookRecord,
};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("duplicate key: {0}")]
    Conflict(String),
    #[error("the store is closed")]
    Closed,
    #[error("database error: {0}")]
    Database(String),
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl From<StoreError> for crate::error::ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Closed => {
                crate::error::ApiError::new(crate::error::ErrorKind::ServiceUnavailable)
            }
            other => crate::error::ApiError::internal(other),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The sandbox's nodes: businesses, apps, tokens, WABAs, numbers, catalogs, products, and the
/// clock. Every change after the seed goes through [`DirectoryStore::apply_change`], which writes
/// the entity and appends it to a change log in one transaction; other nodes follow the log.
#[async_trait::async_trait]
pub trait DirectoryStore: Send + Sync + 'static {
    /// `None` until the sandbox was seeded. The data, the clock and the last change it includes
    /// are read in one snapshot.
    async fn load_directory(&self) -> StoreResult<Option<LoadedDirectory>>;
    /// Writes the seed in one transaction and marks the sandbox seeded.
    async fn seed(&self, data: &DirectoryData) -> StoreResult<()>;
    /// Writes a change and appends it to the change log; returns its sequence number.
    async fn apply_change(&self, change: &DirectoryChange) -> StoreResult<i64>;
    /// Changes after `after`, oldest first, at most `limit`.
    async fn changes_since(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, DirectoryChange)>>;
    /// Woken when another node may have written a change (PostgreSQL LISTEN/NOTIFY); `None` when
    /// the backend has no such signal.
    fn change_signal(&self) -> Option<Arc<tokio::sync::Notify>> {
        None
    }
    /// Records that node `node_id` is alive at `wall_now` and returns how many nodes were alive
    /// within the last `ttl_ms` (this one included).
    async fn heartbeat(&self, node_id: &str, wall_now: i64, ttl_ms: i64) -> StoreResult<usize>;
}

/// Messages and their status events. Every write returns once it is durable, and writes the
/// outbox (status events and webhook rows) in the same transaction.
#[async_trait::async_trait]
pub trait MessageStore: Send + Sync + 'static {
    async fn insert_message(&self, record: &MessageRecord, outbox: &Outbox) -> StoreResult<()>;
    /// Status events and webhooks that follow a change made elsewhere (a read, a failure).
    async fn append_outbox(&self, outbox: &Outbox) -> StoreResult<()>;
    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<MessagePage>;
    async fn get_message(&self, wamid: &str) -> StoreResult<Option<MessageRecord>>;
    /// Every status event of a message, due or not, in time order.
    async fn message_statuses(&self, wamid: &str) -> StoreResult<Vec<StatusEvent>>;
    /// Moves a template out of status `from` with its webhooks, unless another node did first
    /// (`false` then).
    async fn transition_template(
        &self,
        from: &str,
        template: &crate::template::Template,
        outbox: &Outbox,
    ) -> StoreResult<bool>;
    /// The business read the customer's messages up to `read_up_to` (sandbox ms), and showed
    /// the typing indicator at `typing_at`. Read marks only move forward.
    async fn mark_thread_read(
        &self,
        phone_number_id: &str,
        wa_id: &str,
        read_up_to: i64,
        typing_at: Option<i64>,
    ) -> StoreResult<()>;
    async fn thread_reads(&self, phone_number_id: &str, wa_id: &str) -> StoreResult<ThreadReads>;
    /// Grows whenever any thread's read marks change (for watchers).
    async fn thread_reads_version(&self) -> StoreResult<i64>;
    /// Messages forwarded to customers, in one transaction.
    async fn insert_peer_messages(&self, messages: &[PeerMessage]) -> StoreResult<()>;
    async fn get_peer_message(&self, id: &str) -> StoreResult<Option<PeerMessage>>;
    /// The last `limit` messages between two customers, oldest first.
    async fn list_peer_messages(
        &self,
        a: &str,
        b: &str,
        limit: u32,
    ) -> StoreResult<Vec<PeerMessage>>;
    /// The customers `wa_id` exchanged forwards with, with the time of the last one, newest
    /// first.
    async fn peer_chats(&self, wa_id: &str) -> StoreResult<Vec<(String, i64)>>;
    /// Grows with every message forwarded between customers (for watchers).
    async fn peer_messages_version(&self) -> StoreResult<i64>;
    /// A customer's message by its wamid.
    async fn get_inbound(&self, wamid: &str) -> StoreResult<Option<InboundRecord>>;
    /// The last `limit` messages a customer sent to a business number, oldest first.
    async fn list_inbound(
        &self,
        phone_number_id: &str,
        wa_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<InboundRecord>>;
    /// A customer's message, its webhooks, and the directory changes it makes (the window it
    /// opens, the cart it empties), in one transaction.
    async fn insert_inbound(
        &self,
        record: &InboundRecord,
        outbox: &Outbox,
        changes: &[DirectoryChange],
    ) -> StoreResult<()>;
}

/// The webhook outbox and its delivery log.
#[async_trait::async_trait]
pub trait WebhookStore: Send + Sync + 'static {
    /// Leases up to `limit` pending webhooks due at `now` (sandbox time) whose lease, if any,
    /// ended before `wall_now`, until `lease_until` (wall time).
    async fn claim_due_webhooks(
        &self,
        now: Millis,
        wall_now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<Claimed>>;
    /// Records an attempt and what follows it; releases the lease.
    async fn record_attempt(
        &self,
        id: i64,
        attempt: &Attempt,
        after: AfterAttempt,
    ) -> StoreResult<()>;
    /// When the earliest pending webhook is due (sandbox time).
    async fn next_webhook_due(&self) -> StoreResult<Option<Millis>>;
    async fn list_webhooks(&self, query: &WebhookQuery) -> StoreResult<WebhookPage>;
    async fn get_webhook(&self, id: i64) -> StoreResult<Option<(WebhookRecord, Vec<Attempt>)>>;
    /// Makes a webhook pending again, due at `now`. `false` when there is no such webhook.
    async fn redeliver_webhook(&self, id: i64, now: Millis) -> StoreResult<bool>;
}

/// `items_batch` jobs.
#[async_trait::async_trait]
pub trait BatchStore: Send + Sync + 'static {
    async fn insert_batch(&self, job: &BatchJob) -> StoreResult<()>;
    async fn get_batch(&self, handle: &str) -> StoreResult<Option<BatchJob>>;
    /// Leases up to `limit` unfinished jobs due at `now` (sandbox) whose lease ended before
    /// `wall_now`, until `lease_until` (wall).
    async fn claim_batches(
        &self,
        now: Millis,
        wall_now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<BatchJob>>;
    async fn finish_batch(&self, handle: &str, result: &BatchResult) -> StoreResult<()>;
}

/// Media bytes and records (messaging spec §1). An upload writes its record first, invisible,
/// then its chunks, then makes it visible: a media is never seen half-written, and a record left
/// unfinished (the client went away) is purged later.
#[async_trait::async_trait]
pub trait MediaStore: Send + Sync + 'static {
    /// Starts a media: the record, not yet visible; `wall_now` dates it for the purge.
    async fn begin_media(&self, record: &MediaRecord, wall_now: i64) -> StoreResult<()>;
    /// Chunk `seq` (0, 1, …) of a media being written.
    async fn put_media_chunk(&self, id: &str, seq: i64, data: Vec<u8>) -> StoreResult<()>;
    /// Makes a media visible with its final size and hash.
    async fn finish_media(&self, record: &MediaRecord) -> StoreResult<()>;
    /// Removes a media and its bytes, finished or not; `false` when there was none.
    async fn delete_media(&self, id: &str) -> StoreResult<bool>;
    /// A visible media.
    async fn get_media(&self, id: &str) -> StoreResult<Option<MediaRecord>>;
    /// Chunk `seq` of a media's bytes; `None` past the last one.
    async fn media_chunk(&self, id: &str, seq: i64) -> StoreResult<Option<Vec<u8>>>;
    /// Stores the bytes of media `from` again under `record` (visible at once), copied inside
    /// the database; `false` when `from` is not there.
    async fn copy_media(&self, from: &str, record: &MediaRecord) -> StoreResult<bool>;
    /// Removes up to `limit` media that expired by `now` (sandbox) and unfinished uploads started
    /// before `stale_before_wall`; returns how many.
    async fn purge_media(
        &self,
        now: Millis,
        stale_before_wall: i64,
        limit: u32,
    ) -> StoreResult<i64>;
}

/// Opening and closing.
#[async_trait::async_trait]
pub trait Lifecycle: Send + Sync + 'static {
    /// Commits pending writes and closes every connection.
    async fn close(&self);
}

/// Everything a backend provides.
pub trait Store:
    DirectoryStore + MessageStore + WebhookStore + BatchStore + MediaStore + Lifecycle
{
}

impl<T: DirectoryStore + MessageStore + WebhookStore + BatchStore + MediaStore + Lifecycle> Store
    for T
{
}
