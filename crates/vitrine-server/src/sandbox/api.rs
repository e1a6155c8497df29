//! The JSON of Vitrine's own API under `/_vitrine/`: its own types, apart from core's domain
//! types, each with its OpenAPI schema (`/_vitrine/openapi.json`, kept in `docs/openapi.json` and
//! pinned by a test, so that a rename shows).
//!
//! Where an answer carries a record whose shape is the domain's (a chat, a catalog page, a
//! stored message, the content of a customer's message), its schema says `object` and the field
//! says so: those shapes are described in the README and follow Meta's where Meta has one.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use vitrine_core::webhook::{Attempt, StatusEvent, WebhookRecord};

/// Every error of `/_vitrine/`: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `invalid_request`, `not_found`, `conflict`, `unauthorized`, `forbidden`,
    /// `method_not_allowed`, `internal`, or a cart rule (`max_quantity`, `cart_empty`, …).
    #[schema(example = "invalid_request")]
    pub code: String,
    pub message: String,
}

/// A domain record (a chat, a catalog page, a conversation, a stored message, …), as the README
/// describes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Record(pub Value);

impl Record {
    pub fn of<T: Serialize>(value: &T) -> Self {
        Record(serde_json::to_value(value).unwrap_or(Value::Null))
    }
}

/// `{"data": [...]}`
#[derive(Debug, Serialize, ToSchema)]
pub struct Records {
    pub data: Vec<Record>,
}

/// GET /_vitrine/health
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    pub version: &'static str,
    /// Sandbox time, in milliseconds since the Unix epoch.
    pub time: i64,
}

/// GET /_vitrine/stats
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    pub node: String,
    pub live_nodes: usize,
    /// Sends this node answered: accepted, refused and failed at once, by error code.
    #[schema(value_type = Object)]
    pub sends: Value,
    /// Webhook deliveries of this node and their lag, bucketed by `lag_buckets_ms`.
    #[schema(value_type = Object)]
    pub webhooks: Value,
    /// Upper bounds of the lag buckets; `null` is the last, unbounded one.
    pub lag_buckets_ms: Vec<Option<i64>>,
}

/// The sandbox clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct Clock {
    /// Sandbox time, in milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// Sandbox time, in seconds since the Unix epoch.
    pub unix: i64,
    /// How far the sandbox clock is from the system clock.
    pub offset_ms: i64,
    pub frozen: bool,
}

/// POST /_vitrine/tokens
#[derive(Debug, Serialize, ToSchema)]
pub struct MintedToken {
    pub access_token: String,
    pub business_id: String,
    pub scopes: Vec<String>,
    /// Sandbox milliseconds; `null` never expires.
    pub expires_at: Option<i64>,
}

/// POST /_vitrine/phone_numbers/{id}/throughput
#[derive(Debug, Serialize, ToSchema)]
pub struct ThroughputSetting {
    pub phone_number_id: String,
    #[schema(example = "STANDARD")]
    pub level: String,
    /// Messages per second enforced; `null` when unlimited.
    pub mps: Option<u32>,
    pub unlimited: bool,
}

/// A message a simulated customer sent: its id, its time and what the business receives.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerMessage {
    pub wamid: String,
    /// Unix seconds, as a string (as in Meta's webhooks).
    pub timestamp: String,
    /// Sandbox milliseconds.
    pub at: i64,
    /// The message as the `messages` webhook carries it (`text`, `image`, `location`, …).
    #[schema(value_type = Object)]
    pub content: Value,
}

impl CustomerMessage {
    pub fn of(record: &vitrine_core::inbound::InboundRecord) -> Self {
        CustomerMessage {
            wamid: record.wamid.to_string(),
            timestamp: record.created_at.unix_seconds().to_string(),
            at: record.created_at.0,
            content: serde_json::to_value(&record.content).unwrap_or_default(),
        }
    }
}

/// POST /_vitrine/customers/{wa_id}/messages
#[derive(Debug, Serialize, ToSchema)]
pub struct TextSent {
    pub wamid: String,
    pub timestamp: String,
    pub at: i64,
    /// Sandbox milliseconds until which the business may send free-form messages.
    pub window_open_until: i64,
}

/// POST /_vitrine/customers/{wa_id}/cart/send
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSent {
    pub wamid: String,
    pub timestamp: String,
    pub at: i64,
    /// The `order` object of the webhook.
    #[schema(value_type = Object)]
    pub order: Value,
}

impl OrderSent {
    pub fn of(record: &vitrine_core::inbound::InboundRecord) -> Self {
        let CustomerMessage {
            wamid,
            timestamp,
            at,
            content,
        } = CustomerMessage::of(record);
        OrderSent {
            wamid,
            timestamp,
            at,
            order: content,
        }
    }
}

/// A message's status the sandbox just set.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusSet {
    #[schema(example = "read")]
    pub status: String,
    pub at: i64,
    /// Meta's error objects, for `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub errors: Option<Value>,
}

impl StatusSet {
    pub fn of(event: &StatusEvent, with_errors: bool) -> Self {
        StatusSet {
            status: event.status.as_str().to_owned(),
            at: event.at.0,
            errors: with_errors.then(|| serde_json::to_value(&event.errors).unwrap_or_default()),
        }
    }
}

/// `{"success": true}`
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub success: bool,
}

/// GET /_vitrine/messages
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    /// Stored messages, as sent (`GET /_vitrine/messages/{wamid}` adds their statuses).
    pub data: Vec<Record>,
    pub paging: MessagePaging,
}

/// Newest first with `before`; with `after`, the newer ones, oldest first (`cursors` and `more`
/// are then given).
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePaging {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Option<String>>,
    pub after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursors: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<bool>,
}

/// One status a message reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusReached {
    pub status: String,
    pub timestamp: String,
    pub at: i64,
    #[schema(value_type = Vec<Object>)]
    pub errors: Value,
}

/// GET /_vitrine/messages/{wamid}: the stored message with its statuses.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageWithStatuses {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub message: Value,
    /// The furthest status reached; `null` before `sent`.
    pub status: Option<String>,
    pub statuses: Vec<StatusReached>,
}

/// A webhook of the delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: String,
    /// `status`, `message` or `template_status`.
    pub event: String,
    pub wamid: Option<String>,
    pub message_status: Option<String>,
    pub app_id: String,
    pub waba_id: String,
    pub url: String,
    /// `pending`, `delivered` or `dead`.
    pub state: String,
    pub attempt_count: i64,
    pub due_at: i64,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub headers: WebhookHeaders,
    /// The exact bytes posted, as a string.
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookHeaders {
    #[serde(rename = "Content-Type")]
    pub content_type: &'static str,
    #[serde(rename = "X-Hub-Signature-256")]
    pub signature_256: String,
    #[serde(rename = "X-Hub-Signature")]
    pub signature_1: String,
}

impl Webhook {
    pub fn of(w: &WebhookRecord) -> Self {
        Webhook {
            id: w.id.to_string(),
            event: w.event_type.as_str().to_owned(),
            wamid: w.wamid.as_ref().map(ToString::to_string),
            message_status: w.status.map(|s| s.as_str().to_owned()),
            app_id: w.app_id.to_string(),
            waba_id: w.waba_id.to_string(),
            url: w.url.clone(),
            state: w.state.as_str().to_owned(),
            attempt_count: w.attempt_count,
            due_at: w.due_at.0,
            next_attempt_at: w.next_attempt_at.map(|m| m.0),
            delivered_at: w.delivered_at.map(|m| m.0),
            headers: WebhookHeaders {
                content_type: "application/json",
                signature_256: w.signature_256.clone(),
                signature_1: w.signature_1.clone(),
            },
            body: w.body.clone(),
        }
    }
}

/// One delivery attempt of a webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAttempt {
    pub number: i64,
    pub at: i64,
    /// `null` on a timeout or a connection error.
    pub http_status: Option<u16>,
    pub latency_ms: i64,
    /// The first bytes of the receiver's answer.
    pub response: Option<String>,
    /// The timeout or connection error.
    pub error: Option<String>,
}

impl WebhookAttempt {
    pub fn of(a: &Attempt) -> Self {
        WebhookAttempt {
            number: a.number,
            at: a.at.0,
            http_status: a.http_status,
            latency_ms: a.latency_ms,
            response: a.response.clone(),
            error: a.error.clone(),
        }
    }
}

/// GET /_vitrine/webhooks/{id}
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithAttempts {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub attempts: Vec<WebhookAttempt>,
}

/// GET /_vitrine/webhooks
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPage {
    pub data: Vec<Webhook>,
    pub paging: WebhookPaging,
}

/// `before` when paging back (newest first), `after` when following (oldest first); `null` at
/// the end.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPaging {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Option<String>>,
}

/// A simulated customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Customer {
    pub wa_id: String,
    /// The profile name businesses see in `contacts[].profile.name`.
    pub name: String,
    pub devices: Vec<Device>,
    /// Whether the customer sends read receipts (`read` statuses).
    pub read_receipts: bool,
}

/// One of a customer's devices: each has its own carts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Device {
    pub id: String,
    /// `android`, `ios` or `web`.
    pub platform: String,
    /// WhatsApp's version on it (product messages need 2.22.24).
    pub app_version: String,
}

impl From<&vitrine_core::model::Customer> for Customer {
    fn from(c: &vitrine_core::model::Customer) -> Self {
        Customer {
            wa_id: c.wa_id.to_string(),
            name: c.name.clone(),
            devices: c
                .devices
                .iter()
                .map(|d| Device {
                    id: d.id.clone(),
                    platform: d.platform.clone(),
                    app_version: d.app_version.clone(),
                })
                .collect(),
            read_receipts: c.read_receipts,
        }
    }
}

/// `{"data": [customers]}`
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    pub data: Vec<Customer>,
}

/// A cart as the customer's device shows it, brought up to date with the catalog.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cart {
    pub phone_number_id: String,
    pub device_id: String,
    pub catalog_id: Option<String>,
    pub items: Vec<CartLine>,
    /// "One or more items in your cart have been updated", once, after a product changed.
    pub notice: Option<&'static str>,
    /// Minor units, per currency of the items.
    pub total: i64,
    pub currency: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CartLine {
    pub product_retailer_id: String,
    /// 1 to 99.
    pub quantity: u32,
    pub name: String,
    /// The unit price the customer pays now (the sale price while active), minor units.
    pub price: i64,
    pub currency: String,
    pub image_url: String,
    /// `in stock`, `out of stock`, …
    pub availability: &'static str,
}

impl From<vitrine_core::usecase::carts::CartView> for Cart {
    fn from(v: vitrine_core::usecase::carts::CartView) -> Self {
        Cart {
            phone_number_id: v.phone_number_id.into(),
            device_id: v.device_id,
            catalog_id: v.catalog_id.map(Into::into),
            items: v
                .items
                .into_iter()
                .map(|l| CartLine {
                    product_retailer_id: l.product_retailer_id.into(),
                    quantity: l.quantity,
                    name: l.name,
                    price: l.price,
                    currency: l.currency,
                    image_url: l.image_url,
                    availability: l.availability,
                })
                .collect(),
            notice: v.notice,
            total: v.total,
            currency: v.currency,
        }
    }
}
