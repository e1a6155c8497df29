//! Storage traits, implemented by each backend crate. Rows never leave those crates.

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod writer;

use crate::clock::Millis;
use crate::directory::DirectoryData;
use crate::message::{MessagePage, MessageQuery, MessageRecord};
use crate::model::{AppSubscription, Token, WabaSubscription};
use crate::webhook::{
    AfterAttempt, Attempt, Claimed, Outbox, StatusEvent, WebhookPage, WebhookQuery, WebhookRecord,
};

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

/// The sandbox's nodes: businesses, apps, tokens, WABAs, numbers, catalogs, products.
#[async_trait::async_trait]
pub trait DirectoryStore: Send + Sync + 'static {
    /// `None` until the sandbox was seeded.
    async fn load_directory(&self) -> StoreResult<Option<DirectoryData>>;
    /// Writes the seed in one transaction and marks the sandbox seeded.
    async fn seed(&self, data: &DirectoryData) -> StoreResult<()>;
    async fn insert_token(&self, token: &Token) -> StoreResult<()>;
    /// Sets (or with `None`, removes) an app's webhook subscription.
    async fn save_app_subscription(
        &self,
        app_id: &str,
        sub: Option<&AppSubscription>,
    ) -> StoreResult<()>;
    /// Replaces the apps subscribed to a WABA.
    async fn save_waba_subscriptions(
        &self,
        waba_id: &str,
        subs: &[WabaSubscription],
    ) -> StoreResult<()>;
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

/// Opening and closing.
#[async_trait::async_trait]
pub trait Lifecycle: Send + Sync + 'static {
    /// Commits pending writes and closes every connection.
    async fn close(&self);
}

/// Everything a backend provides.
pub trait Store: DirectoryStore + MessageStore + WebhookStore + Lifecycle {}

impl<T: DirectoryStore + MessageStore + WebhookStore + Lifecycle> Store for T {}
