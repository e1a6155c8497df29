//! The Media API: `POST /{phone-number-id}/media` answers `{"id"}` (`graph::Created`);
//! `GET /{media-id}` answers [`MediaInfo`]; `DELETE /{media-id}` answers `{"success": true}`.

use crate::params::Param;
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

/// The text fields of `POST /{phone-number-id}/media` (the file is streamed apart).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UploadMedia {
    /// `whatsapp`.
    pub messaging_product: Param,
    /// The MIME type, when the file part carries none (or by setting, instead of it).
    #[serde(rename = "type")]
    pub mime_type: Param,
    /// 60 to 43,200 minutes, a number or a numeric string.
    pub ttl_minutes: Param,
}
