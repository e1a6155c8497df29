//! Messages customers send to businesses, and the 24-hour customer service window they open.

use crate::clock::Millis;
use serde::{Deserialize, Serialize};

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
        catalog_id: String,
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
    pub product_retailer_id: String,
    pub quantity: u32,
    pub item_price: i64,
    pub currency: String,
}

/// A quoted business message: `context.from` is the business's display number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundContext {
    pub from: String,
    pub id: String,
    /// The product the customer asked about (from a product page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_product: Option<ReferredProduct>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferredProduct {
    pub catalog_id: String,
    pub product_retailer_id: String,
}

/// A stored customer-to-business message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundRecord {
    pub wamid: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub wa_id: String,
    pub content: Incoming,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<InboundContext>,
    pub created_at: Millis,
}

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
