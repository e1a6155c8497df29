//! `order_details` (India payments, commerce spec §3.7): the order a checkout button template or
//! an `interactive.order_details` message asks the customer to pay; `order_status` reuses its
//! `reference_id` and `order`.
//!
//! Every field is [`Lenient`]: the rules answer a wrongly typed amount or id with Meta's 131009
//! and the path, not a serde error. In a template send the order is kept with the components as
//! sent, so unknown keys (`shipping_info`, `importer_address`, ...) are kept in `other`.

use crate::lenient::{Lenient, NumberOrText, Object};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::template::List;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderDetails {
    /// 1 to 35 of `[A-Za-z0-9_.-]`, unique per order.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub reference_id: Lenient<String>,
    /// `digital-goods` or `physical-goods`.
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    /// `INR`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub currency: Lenient<String>,
    /// With `payment_configuration`: `upi`, ...
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub payment_type: Lenient<String>,
    /// One named configuration, instead of `payment_settings`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub payment_configuration: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub payment_settings: List<PaymentSetting>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub order: Lenient<Object<Order>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub total_amount: Lenient<Object<Amount>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `{"type": "payment_gateway", "payment_gateway": {"type": "razorpay", "configuration_name"}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentSetting {
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub payment_gateway: Lenient<Object<PaymentGateway>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentGateway {
    /// `razorpay`, `payu`, `zaakpay` or `billdesk`.
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub configuration_name: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The order: its lines and sums (`order_details`), or its news (`order_status`: `status` and
/// `description`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Order {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub status: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub description: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub items: List<OrderItem>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub subtotal: Lenient<Object<Amount>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub tax: Lenient<Object<Amount>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub shipping: Lenient<Object<Amount>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub discount: Lenient<Object<Amount>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub expiration: Lenient<Object<Expiration>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderItem {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub retailer_id: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub name: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub amount: Lenient<Object<Amount>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub sale_amount: Lenient<Object<Amount>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub quantity: Lenient<u64>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub country_of_origin: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub importer_name: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Money as the payments API writes it: `value / offset` (offset 100); tax, shipping and
/// discount may carry a `description`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Amount {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub value: Lenient<i64>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub offset: Lenient<i64>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub description: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// When the offer ends: Unix seconds, as a number or its text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Expiration {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub timestamp: Lenient<NumberOrText>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub description: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
