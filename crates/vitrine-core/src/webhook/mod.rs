//! Webhooks: what happened to a message (status events), the outbox rows that carry events to a
//! business endpoint, their delivery attempts, and the rules that produce them.
//!
//! An event and its webhook rows are written in one transaction (outbox). Each row's body is
//! serialized once, at enqueue, and those exact bytes are signed and sent on every attempt.

pub mod handover;
pub mod payload;
pub mod plan;
pub mod schedule;
pub mod signature;

use crate::clock::Millis;
use crate::error::ApiError;
use serde::{Deserialize, Serialize};

/// Where a business message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
            MessageStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<MessageStatus> {
        match s {
            "sent" => Some(MessageStatus::Sent),
            "delivered" => Some(MessageStatus::Delivered),
            "read" => Some(MessageStatus::Read),
            "failed" => Some(MessageStatus::Failed),
            _ => None,
        }
    }
}

/// A status a message reaches at `at` (sandbox time; may be in the future when scheduled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub wamid: crate::id::Wamid,
    pub status: MessageStatus,
    pub at: Millis,
    /// Meta's webhook error objects, for `failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<vitrine_wire::error::WebhookError>,
}

impl StatusEvent {
    pub fn failed(wamid: &crate::id::Wamid, at: Millis, error: &ApiError) -> StatusEvent {
        StatusEvent {
            wamid: wamid.clone(),
            status: MessageStatus::Failed,
            at,
            errors: vec![error.to_webhook()],
        }
    }
}

/// The kind of change a webhook carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// `field: messages` with `statuses`.
    Status,
    /// `field: messages` with `messages` (customer to business).
    Message,
    /// `field: message_template_status_update`.
    TemplateStatus,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Status => "status",
            EventType::Message => "message",
            EventType::TemplateStatus => "template_status",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        match s {
            "status" => Some(EventType::Status),
            "message" => Some(EventType::Message),
            "template_status" => Some(EventType::TemplateStatus),
            _ => None,
        }
    }
}

/// An outbox row to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWebhook {
    pub app_id: crate::id::AppId,
    pub waba_id: crate::id::WabaId,
    pub url: String,
    pub event_type: EventType,
    pub wamid: Option<crate::id::Wamid>,
    /// For status events: which status.
    pub status: Option<MessageStatus>,
    /// The exact bytes to POST.
    pub body: Vec<u8>,
    /// `X-Hub-Signature-256` value.
    pub signature_256: String,
    /// `X-Hub-Signature` value.
    pub signature_1: String,
    /// Not sent before this sandbox instant.
    pub due_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        match s {
            "pending" => Some(DeliveryState::Pending),
            "delivered" => Some(DeliveryState::Delivered),
            "dead" => Some(DeliveryState::Dead),
            _ => None,
        }
    }
}

/// A stored webhook with its delivery state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookRecord {
    pub id: i64,
    pub app_id: crate::id::AppId,
    pub waba_id: crate::id::WabaId,
    pub url: String,
    pub event_type: EventType,
    pub wamid: Option<crate::id::Wamid>,
    pub status: Option<MessageStatus>,
    /// The body, as sent (ASCII: non-ASCII is escaped).
    pub body: String,
    pub signature_256: String,
    pub signature_1: String,
    pub state: DeliveryState,
    pub attempt_count: i64,
    pub due_at: Millis,
    pub next_attempt_at: Option<Millis>,
    pub delivered_at: Option<Millis>,
}

/// One try at delivering a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub number: i64,
    pub at: Millis,
    /// HTTP status of the answer; `None` on a timeout or connection error.
    pub http_status: Option<u16>,
    pub latency_ms: i64,
    /// The first bytes of the answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub response: Option<String>,
    /// A timeout or connection error.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.http_status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A due webhook handed to a dispatcher, leased so that no one else sends it meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub id: i64,
    pub url: String,
    pub body: Vec<u8>,
    pub signature_256: String,
    pub signature_1: String,
    /// Attempts made before this one.
    pub attempts_before: i64,
    /// When it was first due; retries stop some days after.
    pub due_at: Millis,
}

/// What happens to a webhook after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    RetryAt(Millis),
    Dead,
}

/// An attempt at a claimed webhook and what follows it, as the store records it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    /// The webhook's id.
    pub id: i64,
    pub attempt: Attempt,
    pub after: AfterAttempt,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookQuery {
    pub state: Option<DeliveryState>,
    pub wamid: Option<crate::id::Wamid>,
    pub event_type: Option<EventType>,
    /// Only webhooks with a smaller id (exclusive).
    pub before_id: Option<i64>,
    /// Only webhooks with a greater id (exclusive), oldest first.
    pub after_id: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookPage {
    pub items: Vec<WebhookRecord>,
    pub has_more: bool,
}

/// Status events and webhook rows written together with a change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outbox {
    pub statuses: Vec<StatusEvent>,
    pub webhooks: Vec<NewWebhook>,
}
