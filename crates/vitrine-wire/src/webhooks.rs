//! Webhook payloads as Meta sends them (spec §5.3, §5.5). Field order is Meta's: in `changes[]`,
//! `value` comes before `field`.

use crate::error::WebhookError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification<V> {
    pub object: String,
    pub entry: Vec<Entry<V>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry<V> {
    pub id: String,
    /// Present on template status updates (a number), absent on `messages`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub time: Option<i64>,
    pub changes: Vec<Change<V>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change<V> {
    pub value: V,
    pub field: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub display_phone_number: String,
    pub phone_number_id: String,
}

/// `value` of a `messages` change carrying statuses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusesValue {
    pub messaging_product: String,
    pub metadata: Metadata,
    /// The recipient, by phone number and business-scoped user id (Meta sends it since the
    /// BSUID rollout of April 2026).
    pub contacts: Vec<StatusContact>,
    pub statuses: Vec<Status>,
}

/// `contacts[]` of a status notification: no profile, only the identifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusContact {
    pub wa_id: String,
    /// The business-scoped user id (BSUID), `US.13491208655302741918`.
    pub user_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub id: String,
    pub status: String,
    /// Unix seconds, as a string.
    pub timestamp: String,
    pub recipient_id: String,
    /// `payment` on payment statuses of an `order_details` message.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment: Option<PaymentBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub biz_opaque_callback_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub conversation: Option<Conversation>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pricing: Option<Pricing>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub errors: Option<Vec<WebhookError>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    /// Unix seconds, as a string; on the first status of a conversation.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expiration_timestamp: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pricing {
    pub billable: bool,
    pub pricing_model: String,
    pub category: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
}

/// `value` of a `messages` change carrying customers' messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesValue {
    pub messaging_product: String,
    pub metadata: Metadata,
    pub contacts: Vec<Contact>,
    pub messages: Vec<InboundMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub profile: Profile,
    pub wa_id: String,
    /// The business-scoped user id (BSUID).
    pub user_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
}

/// A customer's message, fields in Meta's order (`text` before `type`, as Meta's text samples
/// have it; the other payload objects after it, as their samples have them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub context: Option<MessageContext>,
    pub from: String,
    /// The sender's business-scoped user id (BSUID).
    pub from_user_id: String,
    pub id: String,
    /// Unix seconds, as a string.
    pub timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub text: Option<TextBody>,
    #[serde(rename = "type")]
    pub kind: String,
    /// `unsupported` messages, and media over 100 MB (131052).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub errors: Option<Vec<WebhookError>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub image: Option<MediaBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub video: Option<MediaBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub audio: Option<MediaBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub document: Option<MediaBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sticker: Option<MediaBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<LocationBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub contacts: Option<Vec<crate::lenient::Object<crate::messages::contacts::Contact>>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reaction: Option<ReactionBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unsupported: Option<UnsupportedBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub order: Option<OrderBody>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub interactive: Option<InteractiveReply>,
    /// A tap on a template's quick-reply button.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub button: Option<ButtonBody>,
}

/// `image`, `video`, `audio`, `document` or `sticker` of a customer's message (spec §4.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaBody {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub caption: Option<String>,
    /// `document` only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub filename: Option<String>,
    pub mime_type: String,
    /// Base64 of the SHA-256 digest.
    pub sha256: String,
    pub id: String,
    /// The download URL (webhook versions from v24).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub url: Option<String>,
    /// `audio` only: a voice note recorded in WhatsApp.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub voice: Option<bool>,
    /// `sticker` only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub animated: Option<bool>,
}

/// `location` of a customer's message: coordinates as JSON numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationBody {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub url: Option<String>,
}

/// `reaction`: no `emoji` key when the customer removed their reaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionBody {
    pub message_id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub emoji: Option<String>,
}

/// `unsupported`: what the customer sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsupportedBody {
    #[serde(rename = "type")]
    pub kind: String,
}

/// `button` of a template quick-reply tap: the payload the business set (or the text) and the
/// button's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ButtonBody {
    pub payload: String,
    pub text: String,
}

/// `interactive` of a reply to reply buttons or a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractiveReply {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub button_reply: Option<ReplyChoice>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub list_reply: Option<ReplyChoice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyChoice {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferredProduct {
    pub catalog_id: String,
    pub product_retailer_id: String,
}

/// `order` of an order message (spec §5.4): `item_price` is a JSON number in major units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderBody {
    pub catalog_id: String,
    pub text: String,
    pub product_items: Vec<OrderLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_retailer_id: String,
    pub quantity: u32,
    pub item_price: serde_json::Number,
    pub currency: String,
}

/// `context`: a quote (`from`, `id`), a product inquiry (`referred_product` too), or a forward
/// (`forwarded` or `frequently_forwarded`, without `from`/`id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageContext {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub forwarded: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub frequently_forwarded: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub referred_product: Option<ReferredProduct>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextBody {
    pub body: String,
}

/// `statuses[].payment`: a payment on a checkout order (India payments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentBody {
    pub reference_id: String,
    pub amount: Amount,
    pub currency: String,
    pub transaction: Transaction,
}

/// Money as the payments API writes it: `value / offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub value: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub id: String,
    /// The gateway (`razorpay`, …) or `upi`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `success` or `failed`.
    pub status: String,
    pub created_timestamp: i64,
    pub updated_timestamp: i64,
    pub amount: Amount,
    pub currency: String,
    pub method: PaymentMethod,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<TransactionError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentMethod {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionError {
    pub code: String,
    pub reason: String,
}
