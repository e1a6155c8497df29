//! Storage traits, implemented by each backend crate. Rows never leave those crates.

use crate::directory::DirectoryData;
use crate::message::{MessagePage, MessageQuery, MessageRecord};
use crate::model::Token;

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
}

/// Messages. `insert_message` returns once the record is durable.
#[async_trait::async_trait]
pub trait MessageStore: Send + Sync + 'static {
    async fn insert_message(&self, record: &MessageRecord) -> StoreResult<()>;
    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<MessagePage>;
    async fn get_message(&self, wamid: &str) -> StoreResult<Option<MessageRecord>>;
}

/// Everything a backend provides.
pub trait Store: DirectoryStore + MessageStore {}

impl<T: DirectoryStore + MessageStore> Store for T {}
