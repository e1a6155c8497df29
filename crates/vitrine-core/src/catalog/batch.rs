//! `items_batch` jobs: accepted at once, applied item by item later on the sandbox clock.

use crate::clock::Millis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub struct BatchJob {
    pub handle: String,
    pub catalog_id: crate::id::CatalogId,
    /// The validated requests, as given (`[{method, data}, ...]`).
    pub requests: serde_json::Value,
    pub allow_upsert: bool,
    /// Processed once sandbox time reaches this.
    pub due_at: Millis,
    pub finished: bool,
    pub result: Option<BatchResult>,
}

/// Per-item outcome of a finished batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchResult {
    pub errors: Vec<ItemError>,
    pub warnings: Vec<ItemError>,
}

/// `{"line": 2, "id": "sku-7", "message": "..."}` (`line` counts requests from 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemError {
    pub line: usize,
    pub id: String,
    pub message: String,
}
