//! The catalog API's responses (spec §6, §10): items batches, their status, and a number's
//! commerce settings. Catalog and product nodes are read with `fields=` ([`crate::graph::Projected`]).

use serde::{Deserialize, Serialize};

/// `POST /{catalog-id}/items_batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchAccepted {
    pub handles: Vec<String>,
    /// Items refused at once, before the batch runs.
    pub validation_status: Vec<ValidationStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationStatus {
    pub retailer_id: String,
    pub errors: Vec<Message>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub message: String,
}

/// One entry of `GET /{catalog-id}/check_batch_request_status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchStatus {
    pub handle: String,
    /// `started` or `finished`.
    pub status: String,
    pub errors_total_count: usize,
    pub errors: Vec<BatchItemError>,
    pub warnings_total_count: usize,
    pub warnings: Vec<BatchItemError>,
    pub ids_of_invalid_requests: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchItemError {
    pub line: usize,
    pub id: String,
    pub message: String,
}

/// One entry of `GET /{phone-number-id}/whatsapp_commerce_settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommerceSettings {
    pub is_cart_enabled: bool,
    pub is_catalog_visible: bool,
    pub id: String,
}
