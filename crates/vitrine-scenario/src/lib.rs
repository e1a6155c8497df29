//! The scenario file format: simulated shoppers (customers) acting against a business number,
//! and what the bot behind that number must send back. One YAML file holds one or more
//! scenarios; `vitrine scenario schema` prints the JSON Schema derived from these types.
//!
//! This crate only describes, parses, checks and writes scenario files (and turns a recorded
//! conversation into one, `record`); running them is the `vitrine` binary's job.
//!
//! Steps are single-key maps (`- say: Hi`, `- expect: {type: text}`). Customer actions are the
//! variants of [`Step`] before `Expect`; a new customer action (media, location, reaction,
//! forwarding) is one new variant there plus its call in the engine.
//!
//! Its length: the types are the file format; one file is one page of the format's reference.

mod duration;
pub mod expr;
mod parse;
pub mod record;

pub use duration::Duration;
pub use parse::{parse, ParseError};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A scenario file: variables and fixtures shared by its scenarios, and the scenarios.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Vitrine scenario file")]
pub struct ScenarioFile {
    /// Variables every scenario of the file can use as `${name}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    /// Defaults for every scenario of the file.
    #[serde(default, skip_serializing_if = "Defaults::is_empty")]
    pub defaults: Defaults,
    /// Set up before each scenario of the file runs (before the scenario's own fixtures).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixtures: Vec<Fixture>,
    /// At least one.
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// The business number the customers write to [default: the sandbox's demo number].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// How long the bot has for each expected message, when the step does not say [default:
    /// 10s of wall-clock time].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Within>,
    /// At the end of a scenario, how long to watch for messages no step expected [default:
    /// 300ms].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle: Option<Duration>,
}

impl Defaults {
    pub fn is_empty(&self) -> bool {
        self == &Defaults::default()
    }
}

/// One conversation (or several customers' conversations) with the bot, step by step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The shoppers. Each run gets fresh ones (new wa_ids) unless `wa_id` is fixed, so scenarios
    /// can run in parallel. [default: one customer, `customer`, with one current Android phone]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customers: Vec<CustomerSpec>,
    /// Variables of this scenario (over the file's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    /// Set up before the steps run. A scenario with fixtures that change shared state (the
    /// clock, the catalog, commerce settings, throughput) runs alone, never beside another.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixtures: Vec<Fixture>,
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Whether running it changes what other scenarios see (so it must not run beside them).
    pub fn is_exclusive(&self, file: &ScenarioFile) -> bool {
        !file.fixtures.is_empty()
            || !self.fixtures.is_empty()
            || self.steps.iter().any(|s| matches!(s, Step::Clock(_)))
    }
}

/// A simulated customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerSpec {
    /// How steps name this customer (`as: <id>`, `${customers.<id>.wa_id}`).
    pub id: String,
    /// Profile name, as the bot sees it in `contacts[].profile.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A fixed phone number instead of a fresh one per run (then the scenario cannot run twice
    /// at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wa_id: Option<String>,
    /// Whether the customer sends read receipts [default: true].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_receipts: Option<bool>,
    /// Devices; the first replaces the default phone (id `phone`). Carts are per device.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    /// [default: `phone` for the first device, `device-2`, `device-3`… after]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// WhatsApp version, e.g. `2.24.10.0`; old versions cannot show some product messages.
    pub app_version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Android,
    Ios,
    Web,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
            Platform::Web => "web",
        }
    }
}

/// What is set up before a scenario runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fixture {
    /// Move or stop the sandbox clock.
    Clock(ClockMove),
    /// Create or change a product of the connected catalog (or delete it).
    Product(Box<ProductFixture>),
    /// The business number's commerce settings.
    CommerceSettings(CommerceSettings),
    /// The business number's throughput level (`POST /_vitrine/phone_numbers/{id}/throughput`).
    Throughput(Throughput),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockMove {
    /// Move the sandbox clock forward, e.g. `24h` (closes the customer service window).
    Advance(Duration),
    /// Jump to an instant, in Unix seconds.
    SetUnix(i64),
    Freeze,
    Unfreeze,
}

/// A product, in the Graph API's field names (prices in minor units); applied with
/// `POST /{catalog-id}/products?allow_upsert=true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductFixture {
    pub retailer_id: String,
    /// [default: the catalog connected to the business number's WABA]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<String>,
    /// Delete the product instead.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minor units (cents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_price: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// `in stock`, `out of stock`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<String>,
    /// `published` or `staging`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommerceSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_cart_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_catalog_visible: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Throughput {
    /// `STANDARD` (80 messages/s) or `HIGH` (1,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlimited: Option<bool>,
}

/// One step: a customer action, an expectation about what the bot sends next, or a control
/// step. Every string value may use `${…}` (see the README: variables, `last`, `last_<type>`,
/// saved values, `customer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    // --- what the customer does ------------------------------------------------------------
    /// Write a text (optionally quoting a business message).
    Say(Say),
    /// Ask about a product from its page (a text with `context.referred_product`).
    Ask(Ask),
    /// Tap a reply button, a list row or a template quick reply, by its title.
    Tap(Tap),
    /// Open a product's page (fails when the customer cannot see it).
    Open(Open),
    /// Browse the business's catalog (fails when it is hidden: "Invalid catalog link").
    Browse(Option<View>),
    /// Look at the cart (the "items in your cart have been updated" notice shows once).
    ViewCart(Option<View>),
    /// Add a product to the cart.
    Add(CartAdd),
    /// Set a cart line's quantity.
    SetQuantity(CartQuantity),
    /// Remove a product from the cart.
    Remove(CartItem),
    /// Send the cart (an `order` webhook).
    SendCart(Option<SendCart>),
    /// Pay a checkout order (a `payment` status).
    Pay(Option<Pay>),
    /// Share a location (a `location` message; `reply_to` answers a location request).
    Location(ShareLocation),
    /// React to one of the bot's messages with an emoji (empty removes the reaction).
    React(React),
    /// Open the chat: every delivered message is read (read receipts, when on).
    Read(Option<Actor>),
    // --- what the bot must do next ------------------------------------------------------------
    /// The bot's next message to the customer, and what it must hold.
    Expect(Box<Expect>),
    /// The bot marks the customer's last message as read.
    ExpectRead(Option<ExpectRead>),
    /// The bot sends the customer nothing for this long.
    ExpectNothing(Quiet),
    // --- control ---------------------------------------------------------------------------
    /// Wait this long (wall clock).
    Wait(Duration),
    /// Move or stop the sandbox clock (the scenario then runs alone).
    Clock(ClockMove),
    /// Set variables.
    Set(BTreeMap<String, String>),
}

impl Step {
    /// The step's key in the file (`say`, `expect`, …).
    pub fn keyword(&self) -> &'static str {
        match self {
            Step::Say(_) => "say",
            Step::Ask(_) => "ask",
            Step::Tap(_) => "tap",
            Step::Open(_) => "open",
            Step::Browse(_) => "browse",
            Step::ViewCart(_) => "view_cart",
            Step::Add(_) => "add",
            Step::SetQuantity(_) => "set_quantity",
            Step::Remove(_) => "remove",
            Step::SendCart(_) => "send_cart",
            Step::Pay(_) => "pay",
            Step::Location(_) => "location",
            Step::React(_) => "react",
            Step::Read(_) => "read",
            Step::Expect(_) => "expect",
            Step::ExpectRead(_) => "expect_read",
            Step::ExpectNothing(_) => "expect_nothing",
            Step::Wait(_) => "wait",
            Step::Clock(_) => "clock",
            Step::Set(_) => "set",
        }
    }

    /// Whether the step is something the customer does (which the bot may answer).
    pub fn is_action(&self) -> bool {
        matches!(
            self,
            Step::Say(_)
                | Step::Ask(_)
                | Step::Tap(_)
                | Step::Open(_)
                | Step::Browse(_)
                | Step::ViewCart(_)
                | Step::Add(_)
                | Step::SetQuantity(_)
                | Step::Remove(_)
                | Step::SendCart(_)
                | Step::Pay(_)
                | Step::Location(_)
                | Step::React(_)
                | Step::Read(_)
        )
    }
}

/// Who acts: a customer of the scenario, and one of their devices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The customer's `id` [default: the first customer].
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The device's id [default: the customer's first].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "say takes a text, or {text, reply_to, as, save_as}"
)]
pub enum Say {
    Text(String),
    Full(SayFull),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SayFull {
    pub text: String,
    /// Quote this business message (a wamid, e.g. `${last.wamid}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Keep the sent message as `${<name>.wamid}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    /// The product's retailer id (e.g. `${last_product_list.products[0]}`).
    pub product: String,
    pub text: String,
    /// The business message showing the product [default: the bot's last message showing it].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "tap takes a title, or {title | id, message, card, as, save_as}"
)]
pub enum Tap {
    /// The title of the button, row or quick reply.
    Title(String),
    Full(TapFull),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TapFull {
    /// The title of a reply button or list row, or a template quick reply's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Or the button's or row's id (a template button's index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The business message [default: the bot's last message with buttons, rows or quick
    /// replies].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The carousel card whose button is tapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<usize>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "open takes a retailer id, or {product, as, save_as}"
)]
pub enum Open {
    Product(String),
    Full(OpenFull),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenFull {
    pub product: String,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Keep the product page as `${<name>.price}`, `${<name>.availability}`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_as: Option<String>,
}

/// A look at the catalog or the cart, kept with `save_as` (`${cart.items[0].quantity}`,
/// `${cart.total}`, `${catalog.products[0].product_retailer_id}`…).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct View {
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The device whose cart is looked at [default: the customer's first].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "add takes a retailer id, or {product, quantity, as, device}"
)]
pub enum CartAdd {
    Product(String),
    Full(CartQuantity),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CartQuantity {
    pub product: String,
    /// 1–99 [default: 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "remove takes a retailer id, or {product, as, device}"
)]
pub enum CartItem {
    Product(String),
    Full(CartItemFull),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CartItemFull {
    pub product: String,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendCart {
    /// The note sent with the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Keep the order as `${<name>.total}` (minor units), `${<name>.wamid}`, `${<name>.items}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_as: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pay {
    /// The message with the order [default: the bot's last checkout message].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `captured` [default] or `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PaymentOutcome>,
    /// `upi` [default], `card`, `wallet` or `netbanking`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareLocation {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The bot's location request it answers (or any bot message to quote), e.g. `${last.wamid}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct React {
    /// The emoji; empty removes the customer's reaction.
    pub emoji: String,
    /// The bot's message [default: the bot's last message].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PaymentOutcome {
    Captured,
    Failed,
}

/// What the bot's next message to the customer must be. Every field given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The message type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MessageType>,
    /// The text (a text's body; an interactive message's or template's body; a media caption;
    /// a reaction's emoji).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextMatch>,
    /// An interactive message's text header, or a template's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<TextMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<TextMatch>,
    /// The products the message shows, by retailer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<ProductMatch>,
    /// Reply buttons or template buttons, by title: each must be there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buttons: Option<Vec<String>>,
    /// List rows, by title: each must be there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<String>>,
    /// A template, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The message quotes this message (`context.message_id`), e.g. `${order.wamid}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// How long the bot has [default: `defaults.within`, else 10s wall clock].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Within>,
    /// The customer it goes to [default: the first customer].
    #[serde(rename = "to", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Keep the message as `${<name>.wamid}`, `${<name>.products[0]}`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_as: Option<String>,
}

/// The message types a bot can send (as `GET /_vitrine/messages` names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    Text,
    CatalogMessage,
    Product,
    ProductList,
    Button,
    List,
    Template,
    OrderDetails,
    OrderStatus,
    Image,
    Video,
    Audio,
    Document,
    Sticker,
    Location,
    Contacts,
    Reaction,
    CtaUrl,
    LocationRequestMessage,
}

impl MessageType {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Text => "text",
            MessageType::CatalogMessage => "catalog_message",
            MessageType::Product => "product",
            MessageType::ProductList => "product_list",
            MessageType::Button => "button",
            MessageType::List => "list",
            MessageType::Template => "template",
            MessageType::OrderDetails => "order_details",
            MessageType::OrderStatus => "order_status",
            MessageType::Image => "image",
            MessageType::Video => "video",
            MessageType::Audio => "audio",
            MessageType::Document => "document",
            MessageType::Sticker => "sticker",
            MessageType::Location => "location",
            MessageType::Contacts => "contacts",
            MessageType::Reaction => "reaction",
            MessageType::CtaUrl => "cta_url",
            MessageType::LocationRequestMessage => "location_request_message",
        }
    }

    pub const ALL: [MessageType; 19] = [
        MessageType::Text,
        MessageType::CatalogMessage,
        MessageType::Product,
        MessageType::ProductList,
        MessageType::Button,
        MessageType::List,
        MessageType::Template,
        MessageType::OrderDetails,
        MessageType::OrderStatus,
        MessageType::Image,
        MessageType::Video,
        MessageType::Audio,
        MessageType::Document,
        MessageType::Sticker,
        MessageType::Location,
        MessageType::Contacts,
        MessageType::Reaction,
        MessageType::CtaUrl,
        MessageType::LocationRequestMessage,
    ];
}

/// A text: exactly this string, or a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "text, header and footer take a text, or {equals, contains, starts_with, matches}"
)]
pub enum TextMatch {
    Exact(String),
    Rule(TextRule),
}

/// Every rule given must hold. Named groups of `matches` (`(?P<total>[0-9.]+)`) become
/// variables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<String>,
    /// A regular expression (Rust `regex` syntax) that must match somewhere in the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
}

/// Products by retailer id: a list (exactly these, in any order), or rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "products takes a list of retailer ids, or {all, any, none, count}"
)]
pub enum ProductMatch {
    Exactly(Vec<String>),
    Rule(ProductRule),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductRule {
    /// Every one of these is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<String>>,
    /// At least one of these is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<String>>,
    /// None of these is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<Vec<String>>,
    /// How many products are shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

/// A time limit: a duration on the wall clock (`2s`), or `{sandbox: 2s}`: the message's
/// timestamp on the sandbox clock at most that long after the customer's action.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "within takes a duration such as 2s (wall clock), or {sandbox: 2s} or {wall: 2s}"
)]
pub enum Within {
    Wall(Duration),
    Clock(ClockLimit),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockLimit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<Duration>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectRead {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Within>,
    /// Whose message [default: the first customer].
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "expect_nothing takes a duration such as 2s, or {for: 2s, to: customer}"
)]
pub enum Quiet {
    For(Duration),
    Full(QuietFull),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietFull {
    #[serde(rename = "for")]
    pub duration: Duration,
    #[serde(rename = "to", default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
}

/// The JSON Schema of scenario files.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ScenarioFile)).unwrap_or_default()
}

/// The file as YAML, steps as single-key maps (the form `parse` reads).
pub fn to_yaml(file: &ScenarioFile) -> Result<String, String> {
    let mut out = Vec::new();
    let mut ser = serde_norway::Serializer::new(&mut out);
    serde_norway::with::singleton_map_recursive::serialize(file, &mut ser)
        .map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}
