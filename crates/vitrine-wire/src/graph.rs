//! Generic Graph response shapes: `{"success": true}`, `{"id": ...}` and the list envelope.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Success {
    pub success: bool,
}

impl Success {
    pub const TRUE: Success = Success { success: true };
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Created {
    pub id: String,
}

/// `{"data": [...], "paging": {...}}`; `paging.next`/`previous` only when such a page exists,
/// `summary` only when asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
}

impl<T> List<T> {
    /// One page with no paging.
    pub fn of(data: Vec<T>) -> List<T> {
        List {
            data,
            paging: None,
            summary: None,
        }
    }
}

/// `summary=true` on a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub total_count: usize,
}

/// A Graph node read with `fields=`: the caller chooses which fields come back, in which order
/// (and `id` always comes). This is the one free-form response shape: a map of the requested
/// field names to their values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Projected(pub serde_json::Map<String, serde_json::Value>);

/// `{"id": …}`: a node another node points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRef {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paging {
    pub cursors: Cursors,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursors {
    pub before: String,
    pub after: String,
}
