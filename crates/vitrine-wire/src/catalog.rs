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

use crate::params::Param;

/// `POST /{business-id}/owned_product_catalogs`, `POST /{catalog-id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CatalogWrite {
    pub name: Param,
    /// One of Meta's verticals (`commerce` by default).
    pub vertical: Param,
}

/// `POST /{catalog-id}/products`, `POST /{product-item-id}`. The product's fields are Meta's
/// open set of product attributes (custom labels among them): they stay a map here and are read,
/// each with its own rule, by `vitrine_core::catalog::fields::ProductPatch::from_api`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProductWrite {
    /// Create or update the product with the same retailer id.
    pub allow_upsert: Param,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// `GET /{catalog-id}/products`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListProducts {
    pub fields: Param,
    pub limit: Param,
    /// Meta's filter rules: a JSON object, or its text.
    pub filter: Param,
    pub summary: Param,
    pub after: Param,
    pub before: Param,
}

/// `POST /{catalog-id}/items_batch`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ItemsBatch {
    pub item_type: Param,
    /// A JSON array of `{method, data}` requests, or its text.
    pub requests: Param,
    pub allow_upsert: Param,
}

/// `GET /{catalog-id}/check_batch_request_status`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BatchStatusQuery {
    pub handle: Param,
}

/// `POST|DELETE /{waba-id}/product_catalogs`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CatalogConnection {
    pub catalog_id: Param,
}

/// `POST /{phone-number-id}/whatsapp_commerce_settings`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CommerceSettingsWrite {
    pub is_cart_enabled: Param,
    pub is_catalog_visible: Param,
}
