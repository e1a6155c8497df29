//! `interactive` objects: `catalog_message`, `product`, `product_list`, `button`, `list`.

use crate::lenient::{self, Lenient, NumberOrText};
use serde::{Deserialize, Serialize};

use super::order::OrderDetails;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Interactive {
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: Option<String>,
    #[serde(default)]
    pub header: Option<Header>,
    #[serde(default)]
    pub body: Option<TextObject>,
    #[serde(default)]
    pub footer: Option<TextObject>,
    #[serde(default)]
    pub action: Option<Action>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub text: Option<String>,
    #[serde(default)]
    pub image: Option<Media>,
    #[serde(default)]
    pub video: Option<Media>,
    #[serde(default)]
    pub document: Option<Media>,
}

/// A media reference: an uploaded media `id` or a public `link`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Media {
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub link: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub caption: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub filename: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextObject {
    #[serde(default, deserialize_with = "lenient::string")]
    pub text: Option<String>,
}

/// The union of every commerce-relevant `action` shape; which fields matter depends on
/// `interactive.type`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// `catalog_message`: must be `"catalog_message"`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
    /// `catalog_message`, `cta_url`, `order_details` and `order_status`.
    #[serde(default, skip_serializing_if = "Lenient::is_absent")]
    pub parameters: Lenient<Parameters>,
    /// `product` and `product_list`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub catalog_id: Option<String>,
    /// `product`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub product_retailer_id: Option<String>,
    /// `product_list` (with `product_items`) and `list` (with `rows`).
    #[serde(default)]
    pub sections: Option<Vec<Section>>,
    /// `button`.
    #[serde(default)]
    pub buttons: Option<Vec<Button>>,
    /// `list`: the label of the button that opens the list.
    #[serde(default, deserialize_with = "lenient::string")]
    pub button: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Section {
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: Option<String>,
    #[serde(default)]
    pub product_items: Option<Vec<ProductItem>>,
    #[serde(default)]
    pub rows: Option<Vec<Row>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductItem {
    #[serde(default, deserialize_with = "lenient::string")]
    pub product_retailer_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Button {
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: Option<String>,
    #[serde(default)]
    pub reply: Option<Reply>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: Option<String>,
}

/// `action.parameters`, whose keys depend on `interactive.type`: `catalog_message` (the
/// thumbnail), `cta_url` (`display_text`, `url`), `order_details` (the order itself) and
/// `order_status` (`reference_id` and `order.status`/`description`). Lenient: the rules answer
/// each wrongly typed key with its own error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Parameters {
    /// A string, or a number taken as its text.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub thumbnail_product_retailer_id: Lenient<NumberOrText>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub display_text: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub url: Lenient<String>,
    /// `order_details` (the order itself) and `order_status` (its `reference_id` and `order`).
    #[serde(flatten)]
    pub order_details: OrderDetails,
}
