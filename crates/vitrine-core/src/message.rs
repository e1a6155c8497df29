//! Messages as the domain knows them: what a business asked to send (validated), and the record
//! that is stored before the send is answered.

use crate::clock::Millis;
use crate::id::{CatalogId, PhoneNumberId, ProductId, RetailerId, TemplateId, WaId, WabaId, Wamid};
use crate::model::{Availability, Product};
use serde::{Deserialize, Serialize};
use vitrine_wire::lenient::Object;
use vitrine_wire::messages::contacts::Contact;

/// A validated outgoing message. Each variant holds exactly what its type needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outgoing {
    Text {
        body: String,
        preview_url: bool,
        /// Digits of the first `wa.me/c/<number>` catalog link in the body.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        catalog_link: Option<String>,
    },
    CatalogMessage {
        body: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
        /// As sent; `None` when the first catalog item provides the thumbnail.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        thumbnail_product_retailer_id: Option<RetailerId>,
    },
    Product {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        body: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
        catalog_id: CatalogId,
        product_retailer_id: RetailerId,
    },
    ProductList {
        header: String,
        body: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
        catalog_id: CatalogId,
        sections: Vec<ProductSection>,
    },
    Button {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        header: Option<Header>,
        body: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
        buttons: Vec<ReplyButton>,
    },
    /// A template send, hydrated: what the customer sees (texts with their values, media, buttons,
    /// carousel cards, checkout order), and the components as sent.
    Template {
        name: String,
        language: String,
        template_id: TemplateId,
        /// A TEXT header, hydrated.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        header: Option<String>,
        /// An IMAGE, VIDEO or DOCUMENT header's media.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        header_media: Option<Header>,
        body: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        buttons: Vec<TemplateButton>,
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        cards: Vec<TemplateCard>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        order_details: Option<Box<CheckoutOrder>>,
        /// As sent, written back alike.
        components: crate::template_send::SentComponents,
    },
    /// `interactive.order_details`: an order to review and pay (India payments, spec §3.7).
    OrderDetails {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        header: Option<Header>,
        body: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
        order: Box<CheckoutOrder>,
    },
    /// `interactive.order_status`: news of an order sent with `order_details`.
    OrderStatus {
        body: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
        reference_id: String,
        /// One of `checkout::ORDER_STATUSES`.
        status: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        description: Option<String>,
    },
    List {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        header: Option<Header>,
        body: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
        button: String,
        sections: Vec<ListSection>,
    },
    /// `image`, `video`, `audio`, `document` or `sticker`.
    Media(Box<MediaContent>),
    Location(Location),
    /// The contact cards as sent (each has `name.formatted_name`), written back alike.
    Contacts {
        contacts: Vec<Object<Contact>>,
    },
    /// An emoji on a customer's message; `""` removes the business's earlier reaction.
    Reaction {
        message_id: String,
        emoji: String,
    },
    /// `interactive.cta_url`: a button that opens a URL.
    CtaUrl {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        header: Option<Header>,
        body: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
        display_text: String,
        url: String,
    },
    /// `interactive.location_request_message`: asks the customer to share their location.
    LocationRequest {
        body: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        footer: Option<String>,
    },
}

/// A media message: the media by id or link, and what the kind allows besides. For an uploaded
/// id, the media's type and size as they were at sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaContent {
    pub kind: crate::media::MediaKind,
    pub media: MediaRef,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub caption: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub filename: Option<String>,
    /// `audio` sent as a voice note.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub voice: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mime_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file_size: Option<i64>,
}

/// A place: coordinates, and optionally its name and address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<String>,
}

impl Outgoing {
    /// `text`, `catalog_message`, `product`, `product_list`, `button`, `list`, `template`,
    /// `order_details` or `order_status`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outgoing::Text { .. } => "text",
            Outgoing::CatalogMessage { .. } => "catalog_message",
            Outgoing::Product { .. } => "product",
            Outgoing::ProductList { .. } => "product_list",
            Outgoing::Button { .. } => "button",
            Outgoing::List { .. } => "list",
            Outgoing::Template { .. } => "template",
            Outgoing::OrderDetails { .. } => "order_details",
            Outgoing::OrderStatus { .. } => "order_status",
            Outgoing::Media(m) => m.kind.as_str(),
            Outgoing::Location(_) => "location",
            Outgoing::Contacts { .. } => "contacts",
            Outgoing::Reaction { .. } => "reaction",
            Outgoing::CtaUrl { .. } => "cta_url",
            Outgoing::LocationRequest { .. } => "location_request_message",
        }
    }

    /// Every value [`Outgoing::kind`] takes (metrics start each at 0). A kind missing here is
    /// still counted once it is sent.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        const OWN: [&str; 14] = [
            "text",
            "catalog_message",
            "product",
            "product_list",
            "button",
            "list",
            "template",
            "order_details",
            "order_status",
            "location",
            "contacts",
            "reaction",
            "cta_url",
            "location_request_message",
        ];
        OWN.into_iter().chain(
            crate::media::MediaKind::ALL
                .into_iter()
                .map(crate::media::MediaKind::as_str),
        )
    }

    /// Whether the message carries a checkout order (`order_details`).
    pub fn has_checkout(&self) -> bool {
        matches!(
            self,
            Outgoing::OrderDetails { .. }
                | Outgoing::Template {
                    order_details: Some(_),
                    ..
                }
        )
    }

    /// Every media the message carries, with the kind it is shown as: its own media and its
    /// headers' (a template's and its carousel cards').
    pub fn media_refs(&self) -> Vec<(crate::media::MediaKind, &MediaRef)> {
        fn of_header(h: &Option<Header>) -> Option<(crate::media::MediaKind, &MediaRef)> {
            h.as_ref().and_then(|h| h.media())
        }
        match self {
            Outgoing::Media(m) => vec![(m.kind, &m.media)],
            Outgoing::Button { header, .. }
            | Outgoing::List { header, .. }
            | Outgoing::OrderDetails { header, .. }
            | Outgoing::CtaUrl { header, .. } => of_header(header).into_iter().collect(),
            Outgoing::Template {
                header_media,
                cards,
                ..
            } => of_header(header_media)
                .into_iter()
                .chain(cards.iter().filter_map(|c| of_header(&c.header_media)))
                .collect(),
            _ => vec![],
        }
    }

    /// The kind whose minimum app version a device needs: `kind()`, except that multi- and
    /// single-product templates have their own minimum (`mpm_template`, `spm_template`).
    pub fn client_kind(&self) -> &'static str {
        match self {
            Outgoing::Template { buttons, cards, .. } => {
                let has = |k: &str| {
                    buttons
                        .iter()
                        .chain(cards.iter().flat_map(|c| c.buttons.iter()))
                        .any(|b| b.kind == k)
                };
                if has("mpm") {
                    "mpm_template"
                } else if has("spm") {
                    "spm_template"
                } else {
                    "template"
                }
            }
            other => other.kind(),
        }
    }

    /// Whether the message needs the connected catalog.
    pub fn is_product_message(&self) -> bool {
        matches!(
            self,
            Outgoing::CatalogMessage { .. }
                | Outgoing::Product { .. }
                | Outgoing::ProductList { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductSection {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    pub product_retailer_ids: Vec<RetailerId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Header {
    Text { text: String },
    Image { media: MediaRef },
    Video { media: MediaRef },
    Document { media: MediaRef },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaRef {
    Id(String),
    Link(String),
}

impl MediaRef {
    pub fn id(&self) -> Option<&str> {
        match self {
            MediaRef::Id(id) => Some(id),
            MediaRef::Link(_) => None,
        }
    }

    pub fn link(&self) -> Option<&str> {
        match self {
            MediaRef::Id(_) => None,
            MediaRef::Link(l) => Some(l),
        }
    }
}

impl Header {
    /// The media of an image, video or document header.
    pub fn media(&self) -> Option<(crate::media::MediaKind, &MediaRef)> {
        use crate::media::MediaKind;
        match self {
            Header::Text { .. } => None,
            Header::Image { media } => Some((MediaKind::Image, media)),
            Header::Video { media } => Some((MediaKind::Video, media)),
            Header::Document { media } => Some((MediaKind::Document, media)),
        }
    }
}

/// A template button as the customer sees it (types in lower case, as on the send side).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateButton {
    /// `quick_reply`, `url`, `phone_number`, `copy_code`, `flow`, `catalog`, `mpm`, `spm` or
    /// `order_details`.
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    /// A quick-reply button's payload given at send time.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payload: Option<String>,
    /// A URL button's address, its variable filled.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub coupon_code: Option<String>,
}

/// One card of a carousel template: a product (product cards) or media with a body (media
/// cards), and its buttons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateCard {
    pub card_index: usize,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub product_retailer_id: Option<RetailerId>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub header_media: Option<Header>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub body: Option<String>,
    pub buttons: Vec<TemplateButton>,
}

/// An amount as the payments API writes it: `value / offset` (offset 100 for INR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub value: i64,
    pub offset: i64,
}

/// The order of a checkout button template (`order_details`, spec §3.7), as checked at send time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutOrder {
    pub reference_id: String,
    /// `digital-goods` or `physical-goods`.
    #[serde(rename = "type")]
    pub kind: String,
    pub currency: String,
    /// The payment gateway's `configuration_name`s.
    pub payment_configurations: Vec<String>,
    /// The first payment gateway's type (`razorpay`, …), or the `payment_type` of a named
    /// payment configuration (`upi`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_gateway: Option<String>,
    pub items: Vec<CheckoutItem>,
    pub subtotal: Money,
    pub tax: Money,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shipping: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub discount: Option<Money>,
    pub total_amount: Money,
    /// Unix seconds after which the order can no longer be paid.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutItem {
    pub retailer_id: RetailerId,
    pub name: String,
    pub amount: Money,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sale_amount: Option<Money>,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyButton {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListSection {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    pub rows: Vec<ListRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
}

/// A send that passed validation, before the catalog is consulted.
#[derive(Debug, Clone, PartialEq)]
pub struct SendRequest {
    /// `to` exactly as sent.
    pub to_input: String,
    /// `to` normalised to digits.
    pub wa_id: WaId,
    pub outgoing: Outgoing,
    pub context_message_id: Option<String>,
    pub biz_opaque_callback_data: Option<String>,
}

/// A product as the message showed it when it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProductSnapshot {
    pub product_id: ProductId,
    pub retailer_id: RetailerId,
    pub name: String,
    pub price: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sale_price: Option<i64>,
    pub currency: String,
    pub image_url: String,
    pub availability: Availability,
}

impl From<&Product> for ProductSnapshot {
    fn from(p: &Product) -> Self {
        ProductSnapshot {
            product_id: p.id.clone(),
            retailer_id: p.retailer_id.clone(),
            name: p.name.clone(),
            price: p.price,
            sale_price: p.sale_price,
            currency: p.currency.clone(),
            image_url: p.image_url.clone(),
            availability: p.availability,
        }
    }
}

/// What a message contains after the catalog was consulted: the products it shows (thumbnail
/// first for catalog messages) and the MPM items that were dropped because nothing matched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    pub products: Vec<ProductSnapshot>,
    pub dropped_retailer_ids: Vec<RetailerId>,
}

/// A stored business-to-customer message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub wamid: Wamid,
    pub phone_number_id: PhoneNumberId,
    pub waba_id: WabaId,
    /// The customer.
    pub wa_id: WaId,
    pub to_input: String,
    pub content: Outgoing,
    pub products: Vec<ProductSnapshot>,
    pub dropped_retailer_ids: Vec<RetailerId>,
    pub context_message_id: Option<String>,
    pub biz_opaque_callback_data: Option<String>,
    pub api_version: String,
    pub created_at: Millis,
    /// How the message is priced (per-message pricing); `None` on records from before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<Pricing>,
}

/// The `pricing` of a message's status webhooks (spec §4.11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pricing {
    /// `service`, `marketing`, `utility` or `authentication`.
    pub category: String,
    /// `regular` or `free_customer_service`.
    #[serde(rename = "type")]
    pub kind: String,
    pub billable: bool,
}

impl Pricing {
    /// A free-form reply inside the customer service window.
    pub fn service() -> Pricing {
        Pricing {
            category: "service".to_owned(),
            kind: "free_customer_service".to_owned(),
            billable: false,
        }
    }

    /// How a message is priced: a template by its category (a utility template inside the
    /// customer service window is free), anything else as a free service message.
    pub fn of(dir: &crate::directory::Directory, content: &Outgoing, in_window: bool) -> Pricing {
        let Outgoing::Template { template_id, .. } = content else {
            return Pricing::service();
        };
        let category = dir
            .template(template_id)
            .map(|t| t.category.to_ascii_lowercase())
            .unwrap_or_else(|| "marketing".to_owned());
        let free = category == "utility" && in_window;
        Pricing {
            kind: if free {
                "free_customer_service"
            } else {
                "regular"
            }
            .to_owned(),
            billable: !free,
            category,
        }
    }
}

/// A page of `GET /_vitrine/messages`, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageQuery {
    pub phone_number_id: Option<PhoneNumberId>,
    pub wa_id: Option<WaId>,
    /// Only messages older than this cursor (exclusive).
    pub before_cursor: Option<i64>,
    /// Only messages newer than this cursor (exclusive), oldest first (following the log).
    pub after_cursor: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessagePage {
    /// Each record with its cursor.
    pub items: Vec<(i64, MessageRecord)>,
    pub has_more: bool,
}
