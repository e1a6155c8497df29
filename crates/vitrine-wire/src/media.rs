//! The Media API: `POST /{phone-number-id}/media` answers `{"id"}` (`graph::Created`);
//! `GET /{media-id}` answers [`MediaInfo`]; `DELETE /{media-id}` answers `{"success": true}`.

use serde::{Deserialize, Serialize};

/// `GET /{media-id}`, fields in Meta's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    pub messaging_product: String,
    pub url: String,
    pub mime_type: String,
    pub sha256: String,
    /// A JSON number by default; a string when the sandbox is set to (spec §1.3, UNCONFIRMED).
    pub file_size: serde_json::Value,
    pub id: String,
}
