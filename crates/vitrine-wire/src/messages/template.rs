//! `template`: the template object of a send (commerce spec §3): which template, and the
//! components that fill its variables and commerce parameters.
//!
//! Every field is [`Lenient`]: Meta checks the components against the stored template and
//! answers a wrongly typed value with its own code and details (132000, 132012, 131008, 131009),
//! so no type here refuses one. The components are kept in the message as sent, unknown keys
//! included (`other`), and written back byte for byte ([`Object`]).

use crate::lenient::{Lenient, NumberOrText, Object};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use super::order::OrderDetails;

/// A list whose items may each be of any JSON type.
pub type List<T> = Lenient<Vec<Lenient<Object<T>>>>;

/// `{"name", "language": {"code", "policy"}, "components": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateMessage {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub name: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub language: Lenient<Object<Language>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub components: List<Component>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Language {
    /// `en_US`, `pt_BR`, ...
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub code: Lenient<String>,
    /// `deterministic`, the only value.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub policy: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One part of the template that takes values: `header`, `body`, `button` (one per button, by
/// `index`), `carousel` or `limited_time_offer`. `type` and `sub_type` in any case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Component {
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    /// A button's type: `quick_reply`, `url`, `catalog`, `mpm`, `spm`, `order_details`,
    /// `copy_code`, `flow`, ...
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub sub_type: Lenient<String>,
    /// A button's zero-based position in the template's BUTTONS: a number or its text.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub index: Lenient<NumberOrText>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub parameters: List<Parameter>,
    /// `carousel`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub cards: List<Card>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A carousel card: its position (`card_index`, a number or its text) and its components.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Card {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub card_index: Lenient<NumberOrText>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub components: List<Component>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A parameter: its `type` (any case) says which of the other fields holds the value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Parameter {
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    /// `text`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub text: Lenient<String>,
    /// Templates with named parameters: which `{{name}}` this fills.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub parameter_name: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub currency: Lenient<Object<Currency>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub date_time: Lenient<Object<DateTime>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub image: Lenient<Object<Media>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub video: Lenient<Object<Media>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub document: Lenient<Object<Media>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub location: Lenient<Object<Location>>,
    /// SPM header, product-card header.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub product: Lenient<Object<Product>>,
    /// Catalog, MPM and order_details buttons.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub action: Lenient<Object<Action>>,
    /// Quick-reply buttons: what the `button` webhook carries back.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub payload: Lenient<String>,
    /// Copy-code buttons.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub coupon_code: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub limited_time_offer: Lenient<Object<LimitedTimeOffer>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `{"fallback_value": "$100.99", "code": "USD", "amount_1000": 100990}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Currency {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub fallback_value: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub code: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub amount_1000: Lenient<i64>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `{"fallback_value": "February 25, 1977"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DateTime {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub fallback_value: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An image, video or document: an uploaded media `id` or a public `link`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Media {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub id: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub link: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub filename: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A LOCATION header's place: coordinates as numbers or decimal text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Location {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub latitude: Lenient<NumberOrText>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub longitude: Lenient<NumberOrText>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub name: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub address: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `{"product_retailer_id": "sku-1", "catalog_id": "<catalog id>"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Product {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub product_retailer_id: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub catalog_id: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A button's action: the thumbnail (catalog and MPM buttons), the sections (MPM), the order
/// (order_details). Flow buttons' `flow_token` and `flow_action_data` are kept in `other`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Action {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub thumbnail_product_retailer_id: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub sections: List<Section>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub order_details: Lenient<Object<OrderDetails>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An MPM button's section: a title and up to 30 products in all sections.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Section {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub title: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub product_items: List<ProductItem>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductItem {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub product_retailer_id: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A limited-time offer's end, in Unix milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitedTimeOffer {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub expiration_time_ms: Lenient<i64>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
