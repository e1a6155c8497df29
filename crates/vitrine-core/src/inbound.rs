//! Messages customers send to businesses, and the 24-hour customer service window they open.

use crate::clock::Millis;
use crate::id::RetailerId;
use serde::{Deserialize, Serialize};
use vitrine_wire::lenient::Object;
use vitrine_wire::messages::contacts::Contact;

/// The window lasts this long after the customer's last message (spec §9.4).
pub const WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// Whether a business may send free-form messages at `now`, given the customer's last message.
pub fn window_open(last_inbound: Option<i64>, now: Millis) -> bool {
    last_inbound.is_some_and(|at| now.0 - at < WINDOW_MS)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Incoming {
    Text {
        body: String,
    },
    /// A sent cart (spec §5.4).
    Order {
        catalog_id: crate::id::CatalogId,
        text: String,
        product_items: Vec<OrderItem>,
    },
    /// A tap on a reply button.
    ButtonReply {
        id: String,
        title: String,
    },
    /// A tap on a template's quick-reply button (`type: "button"` on the wire).
    TemplateButton {
        payload: String,
        text: String,
    },
    /// A choice from a list.
    ListReply {
        id: String,
        title: String,
        description: Option<String>,
    },
    /// The customer paid (or tried to pay) an order the business sent with `order_details`. It
    /// reaches the business as a `payment` status of that message, not as a message.
    Payment(Box<Payment>),
    /// An image, video, audio, document or sticker, stored as media `id`.
    Media(Box<InboundMedia>),
    /// A file over 100 MB: the business gets its type and error 131052, not the file.
    MediaTooLarge {
        kind: crate::media::MediaKind,
    },
    Location(InboundLocation),
    /// Contact cards, as the customer shared them (each has `name.formatted_name`).
    Contacts {
        contacts: Vec<Object<Contact>>,
    },
    /// An emoji on a business message; `None` removes the customer's reaction.
    Reaction {
        message_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        emoji: Option<String>,
    },
    /// A type the API cannot pass on (a poll, an edit, …): `unsupported` with error 131051.
    Unsupported {
        kind: String,
    },
}

impl Incoming {
    /// The message's kind as the inspector and the phone name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Incoming::Text { .. } => "text",
            Incoming::Order { .. } => "order",
            Incoming::ButtonReply { .. } => "button_reply",
            Incoming::TemplateButton { .. } => "button",
            Incoming::ListReply { .. } => "list_reply",
            Incoming::Payment(_) => "payment",
            Incoming::Media(m) => m.kind.as_str(),
            Incoming::MediaTooLarge { kind } => kind.as_str(),
            Incoming::Location(_) => "location",
            Incoming::Contacts { .. } => "contacts",
            Incoming::Reaction { .. } => "reaction",
            Incoming::Unsupported { .. } => "unsupported",
        }
    }
}

/// A file a customer sent, as the webhook describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMedia {
    pub kind: crate::media::MediaKind,
    /// The media id the business downloads it with.
    pub id: String,
    pub mime_type: String,
    /// Lowercase hex (webhooks carry base64).
    pub sha256: String,
    pub file_size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// A voice note recorded in WhatsApp.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub voice: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub animated: bool,
}

/// A location a customer shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundLocation {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One payment attempt on a checkout order (India payments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// The business's `order_details` message.
    pub order_wamid: String,
    pub reference_id: String,
    pub amount: crate::message::Money,
    pub currency: String,
    /// `captured` or `failed`.
    pub status: String,
    pub transaction_id: String,
    /// The payment gateway (`razorpay`, …) or `upi` for a named payment configuration.
    pub transaction_type: String,
    /// `upi`, `card`, `wallet` or `netbanking`.
    pub method: String,
}

/// One line of an order, priced as the customer saw it (minor units, kept exact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub product_retailer_id: RetailerId,
    pub quantity: u32,
    pub item_price: i64,
    pub currency: String,
}

/// The `context` of a customer's message: a quoted business message (`from` is the business's
/// display number), a product asked about, or a forward (no `from`/`id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InboundContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The product the customer asked about (from a product page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_product: Option<ReferredProduct>,
    /// How many times the content was forwarded on its way here (0: not forwarded).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub forwards: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Forwarded more than this many times, content is "frequently forwarded" (spec §4.9).
pub const FREQUENTLY_FORWARDED_AFTER: u32 = 5;

impl InboundContext {
    /// A quote of business message `id` sent from display number `from`.
    pub fn quote(from: &str, id: &str) -> InboundContext {
        InboundContext {
            from: Some(from.to_owned()),
            id: Some(id.to_owned()),
            ..Default::default()
        }
    }

    pub fn forwarded(&self) -> bool {
        self.forwards > 0 && self.forwards <= FREQUENTLY_FORWARDED_AFTER
    }

    pub fn frequently_forwarded(&self) -> bool {
        self.forwards > FREQUENTLY_FORWARDED_AFTER
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferredProduct {
    pub catalog_id: crate::id::CatalogId,
    pub product_retailer_id: RetailerId,
}

/// A stored customer-to-business message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundRecord {
    pub wamid: crate::id::Wamid,
    pub phone_number_id: crate::id::PhoneNumberId,
    pub waba_id: crate::id::WabaId,
    pub wa_id: crate::id::WaId,
    pub content: Incoming,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<InboundContext>,
    pub created_at: Millis,
}

/// What the business did with a customer's messages in one thread (spec §3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadReads {
    /// The customer's messages sent up to this instant (sandbox ms) are read.
    pub read_up_to: Option<i64>,
    /// When the business last showed the typing indicator (sandbox ms).
    pub typing_at: Option<i64>,
}

/// The typing indicator shows this long, or until the business replies (spec §3).
pub const TYPING_MS: i64 = 25_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_24_hours() {
        let at = 1_000_000;
        assert!(window_open(Some(at), Millis(at + WINDOW_MS - 1)));
        assert!(!window_open(Some(at), Millis(at + WINDOW_MS)));
        assert!(!window_open(None, Millis(at)));
    }
}
