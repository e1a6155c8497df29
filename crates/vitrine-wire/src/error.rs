//! Meta's error envelope (synchronous Graph errors) and the error object carried in webhooks.

use serde::{Deserialize, Serialize};

/// `{"error": {...}}`, the body of every failed Graph call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: GraphError,
}

/// Field order is the order Meta sends them in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphError {
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub code: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_subcode: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_transient: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_user_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_user_msg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_data: Option<ErrorData>,
    pub fbtrace_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messaging_product: Option<String>,
    pub details: String,
}

/// The error object of webhook payloads (`statuses[].errors[]`, `messages[].errors[]`, `value.errors[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookError {
    pub code: u32,
    pub title: String,
    pub message: String,
    pub error_data: WebhookErrorData,
    /// Left out of the errors of unsupported inbound messages.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub href: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookErrorData {
    pub details: String,
}
