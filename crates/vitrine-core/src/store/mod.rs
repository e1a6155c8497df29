//! Storage traits, implemented by each backend crate. Rows never leave those crates.

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod packed;
#[cfg(test)]
mod stored;
pub mod writer;

use crate::catalog::batch::{BatchJob, BatchResult};
use crate::clock::Millis;
use crate::directory::{DirectoryChange, DirectoryData, LoadedDirectory};
use crate::forward::PeerMessage;
use crate::id::{MediaId, PhoneNumberId, WaId, Wamid};
use crate::inbound::{InboundRecord, ThreadReads};
use crate::media::MediaRecord;
use crate::message::{MessagePage, MessageQuery, MessageRecord};
use crate::webhook::{
    AfterAttempt, Attempt, AttemptRecord, Claimed, Outbox, StatusEvent, WebhookPage, WebhookQuery,
    WebhookRecord,
};
use std::sync::Arc;

#[derive(Debug, Clone, thiserror::Error)]
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
        use crate::error::{ApiError, ErrorKind};
        match e {
            StoreError::Closed => ApiError::new(ErrorKind::ServiceUnavailable),
            // A key taken by a write that committed first (two creations at once): the caller
            // may retry, as after any other collision.
            StoreError::Conflict(key) => {
                ApiError::new(ErrorKind::ConcurrentUpdate).with_details(format!(
                    "Another request created the same object first ({key}); retry the request."
                ))
            }
            StoreError::Database(_) | StoreError::Corrupt(_) => ApiError::internal(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A write to the directory computed from what was read: directory changes (one change-log
/// entry for all of them), the webhooks and status events they cause, and, for what a customer
/// did, their message. It is applied only if every entity it writes or depends on is still at
/// the version it was read at (`expect`); otherwise nothing is written and the caller reads
/// again. That is how two requests on one cart, template or catalog, on one node or several,
/// end as if they ran one after the other.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    pub changes: Vec<DirectoryChange>,
    /// (entity key, version read), for every key the changes write or read.
    pub expect: Vec<(String, i64)>,
    pub outbox: Outbox,
    pub inbound: Option<InboundRecord>,
}

impl Commit {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && self.inbound.is_none()
            && self.outbox.statuses.is_empty()
            && self.outbox.webhooks.is_empty()
    }

    /// The keys the changes write, each once, in order.
    pub fn written_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.changes.iter().flat_map(|c| c.writes()).collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

/// What became of a [`Commit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    /// Written; the change-log number of its changes, if it had any.
    Committed(Option<i64>),
    /// Something it read changed first: nothing was written.
    Stale,
}

/// The sandbox's nodes: businesses, apps, tokens, WABAs, numbers, catalogs, products, customers,
/// carts, templates and the clock. Every change after the seed goes through
/// [`DirectoryStore::commit`], which writes the entities and one change-log entry in one
/// transaction; other nodes follow the log.
#[async_trait::async_trait]
pub trait DirectoryStore: Send + Sync + 'static {
    /// `None` until the sandbox was seeded. The data, the clock, the versions and the last change
    /// they include are read in one snapshot.
    async fn load_directory(&self) -> StoreResult<Option<LoadedDirectory>>;
    /// Writes the seed in one transaction and marks the sandbox seeded.
    async fn seed(&self, data: &DirectoryData) -> StoreResult<()>;
    /// Writes a commit if what it read is unchanged (see [`Commit`]).
    async fn commit(&self, commit: &Commit) -> StoreResult<CommitOutcome>;
    /// Change-log entries after `after`, oldest first, at most `limit`; each entry holds the
    /// changes of one commit.
    async fn changes_since(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, Vec<DirectoryChange>)>>;
    /// The number of the newest change-log entry, 0 when there is none (for metrics: how far a
    /// node's directory is behind).
    async fn latest_change(&self) -> StoreResult<i64>;
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
    /// A new message with its outbox; `leased_until` leases its webhooks (in the outbox's order;
    /// empty for none) for this node's dispatcher ([`crate::webhook::handover`]). Returns the
    /// ids its webhooks took, in the outbox's order.
    async fn insert_message(
        &self,
        record: &MessageRecord,
        outbox: &Outbox,
        leased_until: &[Option<i64>],
    ) -> StoreResult<Vec<i64>>;
    /// Status events and webhooks that follow a change made elsewhere.
    async fn append_outbox(&self, outbox: &Outbox) -> StoreResult<()>;
    /// A final status of message `wamid` (`read` or `failed`) with its webhooks, unless the
    /// message already has one (`false` then, nothing written): two at once, on one node or two,
    /// write one.
    async fn append_final_status(&self, wamid: &Wamid, outbox: &Outbox) -> StoreResult<bool>;
    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<MessagePage>;
    /// Where each of these messages, the business's or a customer's (by wamid), stands in the
    /// order in which messages were accepted: one number for both directions, taken from the
    /// database when the message is written, so threads keep their order whatever the sandbox
    /// clock says and whichever node wrote them. Messages written before it was kept (migration
    /// 0005) are left out.
    async fn message_order(
        &self,
        wamids: &[Wamid],
    ) -> StoreResult<std::collections::HashMap<Wamid, i64>>;
    async fn get_message(&self, wamid: &Wamid) -> StoreResult<Option<MessageRecord>>;
    /// Every status event of a message, due or not, in time order.
    async fn message_statuses(&self, wamid: &Wamid) -> StoreResult<Vec<StatusEvent>>;
    /// The business read the customer's messages up to `read_up_to` (sandbox ms), and showed
    /// the typing indicator at `typing_at`. Read marks only move forward.
    async fn mark_thread_read(
        &self,
        phone_number_id: &PhoneNumberId,
        wa_id: &WaId,
        read_up_to: i64,
        typing_at: Option<i64>,
    ) -> StoreResult<()>;
    async fn thread_reads(
        &self,
        phone_number_id: &PhoneNumberId,
        wa_id: &WaId,
    ) -> StoreResult<ThreadReads>;
    /// Grows whenever any thread's read marks change (for watchers).
    async fn thread_reads_version(&self) -> StoreResult<i64>;
    /// Messages forwarded to customers, in one transaction.
    async fn insert_peer_messages(&self, messages: &[PeerMessage]) -> StoreResult<()>;
    async fn get_peer_message(&self, id: &str) -> StoreResult<Option<PeerMessage>>;
    /// The last `limit` messages between two customers, oldest first.
    async fn list_peer_messages(
        &self,
        a: &WaId,
        b: &WaId,
        limit: u32,
    ) -> StoreResult<Vec<PeerMessage>>;
    /// The customers `wa_id` exchanged forwards with, with the time of the last one, newest
    /// first.
    async fn peer_chats(&self, wa_id: &WaId) -> StoreResult<Vec<(WaId, i64)>>;
    /// Grows with every message forwarded between customers (for watchers).
    async fn peer_messages_version(&self) -> StoreResult<i64>;
    /// A customer's message by its wamid.
    async fn get_inbound(&self, wamid: &Wamid) -> StoreResult<Option<InboundRecord>>;
    /// The last `limit` messages a customer sent to a business number, oldest first.
    async fn list_inbound(
        &self,
        phone_number_id: &PhoneNumberId,
        wa_id: &WaId,
        limit: u32,
    ) -> StoreResult<Vec<InboundRecord>>;
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
    /// Records attempts and what follows each, in one write; releases their leases. All or
    /// none: on an error, nothing was recorded.
    async fn record_attempts(&self, attempts: &[AttemptRecord]) -> StoreResult<()>;
    /// Records one attempt and what follows it; releases the lease.
    async fn record_attempt(
        &self,
        id: i64,
        attempt: &Attempt,
        after: AfterAttempt,
    ) -> StoreResult<()> {
        self.record_attempts(&[AttemptRecord {
            id,
            attempt: attempt.clone(),
            after,
        }])
        .await
    }
    /// When the next pending webhook that no one holds a lease on at `wall_now` is due.
    async fn next_webhook_due(&self, wall_now: i64) -> StoreResult<Option<Millis>>;
    /// How many webhooks are pending (due or not, leased or not).
    async fn pending_webhooks(&self) -> StoreResult<i64>;
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
    async fn put_media_chunk(&self, id: &MediaId, seq: i64, data: Vec<u8>) -> StoreResult<()>;
    /// Makes a media visible with its final size and hash.
    async fn finish_media(&self, record: &MediaRecord) -> StoreResult<()>;
    /// Removes a media and its bytes, finished or not; `false` when there was none.
    async fn delete_media(&self, id: &MediaId) -> StoreResult<bool>;
    /// A visible media.
    async fn get_media(&self, id: &MediaId) -> StoreResult<Option<MediaRecord>>;
    /// Chunk `seq` of a media's bytes; `None` past the last one.
    async fn media_chunk(&self, id: &MediaId, seq: i64) -> StoreResult<Option<Vec<u8>>>;
    /// Stores the bytes of media `from` again under `record` (visible at once), copied inside
    /// the database; `false` when `from` is not there.
    async fn copy_media(&self, from: &MediaId, record: &MediaRecord) -> StoreResult<bool>;
    /// Removes up to `limit` media that expired by `now` (sandbox) and unfinished uploads started
    /// before `stale_before_wall`; returns how many.
    async fn purge_media(
        &self,
        now: Millis,
        stale_before_wall: i64,
        limit: u32,
    ) -> StoreResult<i64>;
    /// Removes up to `limit` of the oldest rows of each log (business messages with their
    /// statuses, customer messages, delivered or dead webhooks with their attempts) that
    /// `retain` no longer keeps, at `now` (sandbox); returns how many log rows went.
    async fn prune_logs(
        &self,
        retain: crate::settings::Retention,
        now: Millis,
        limit: u32,
    ) -> StoreResult<i64>;
}

/// Opening and closing.
#[async_trait::async_trait]
pub trait Lifecycle: Send + Sync + 'static {
    /// Commits pending writes and closes every connection.
    async fn close(&self);
    /// Reports every batch the store's writer commits to `telemetry` from now on (the first
    /// call only). A store without a group-commit writer ignores it.
    fn attach_telemetry(&self, telemetry: Arc<dyn crate::telemetry::Telemetry>) {
        let _ = telemetry;
    }
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
