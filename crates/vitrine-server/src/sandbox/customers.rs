//! Simulated customers: POST /_vitrine/customers, GET /_vitrine/customers/{wa_id},
//! POST /_vitrine/customers/{wa_id}/messages
//!
//! Its length: one thin handler per customer action, each with its request type.

use super::api::{Cart, Customer, CustomerMessage, OrderSent, Record, TextSent};
use super::{json_body, OpError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use vitrine_core::id::{PhoneNumberId, RetailerId, WaId};
use vitrine_core::seed;
use vitrine_wire::lenient::{Lenient, Object};
use vitrine_wire::messages::contacts::Contact;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    wa_id: String,
    name: Option<String>,
    read_receipts: Option<bool>,
}

/// POST /_vitrine/customers {"wa_id", "name"}
#[utoipa::path(post, path = "/customers", tag = "customers", request_body = CreateCustomer,
    responses((status = 200, description = "The customer", body = Customer)))]
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Json<Customer>, OpError> {
    let req: CreateCustomer = json_body(&body)?;
    let customer = state
        .sandbox
        .upsert_customer_with(
            &req.wa_id.as_str().into(),
            req.name.as_deref(),
            req.read_receipts,
        )
        .await?;
    Ok(Json(Customer::from(&customer)))
}

/// GET /_vitrine/customers/{wa_id}
#[utoipa::path(get, path = "/customers/{wa_id}", tag = "customers",
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The customer", body = Customer)))]
pub async fn get(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
) -> Result<Json<Customer>, OpError> {
    state
        .sandbox
        .customer(&wa_id)
        .map(|c| Json(Customer::from(&c)))
        .ok_or_else(|| OpError::not_found(format!("No customer {wa_id}.")))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendText {
    text: String,
    /// The business number written to [default: the demo number].
    phone_number_id: Option<String>,
    /// A business message's wamid, to reply to it (a quoted reply: `context`).
    reply_to: Option<String>,
    /// From a product page: the product asked about and the message that showed it.
    about: Option<About>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// The business message that shows the product.
    wamid: Option<String>,
    /// Or a product message forwarded to this customer (its id in their chat with a friend).
    forwarded: Option<String>,
    product_retailer_id: String,
}

/// POST /_vitrine/customers/{wa_id}/messages {"text", "phone_number_id", "reply_to"}: the
/// customer writes to the business (a `messages` webhook; the 24-hour window opens).
#[utoipa::path(post, path = "/customers/{wa_id}/messages", tag = "customers", request_body = SendText,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The message sent", body = TextSent)))]
pub async fn send_text(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<TextSent>, OpError> {
    let req: SendText = json_body(&body)?;
    let phone: PhoneNumberId = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
        .into();
    let record = match &req.about {
        Some(About {
            forwarded: Some(peer_id),
            product_retailer_id,
            ..
        }) => {
            state
                .sandbox
                .customer_asks_about_forwarded(
                    &wa_id,
                    peer_id,
                    &product_retailer_id.into(),
                    &req.text,
                )
                .await?
        }
        Some(About {
            wamid: Some(wamid),
            product_retailer_id,
            ..
        }) => {
            state
                .sandbox
                .customer_asks_about(
                    &wa_id,
                    &phone,
                    &wamid.as_str().into(),
                    &product_retailer_id.into(),
                    &req.text,
                )
                .await?
        }
        Some(_) => {
            return Err(OpError::bad_request(
                "about needs wamid (a business message) or forwarded (a forwarded one).",
            ))
        }
        None => {
            state
                .sandbox
                .customer_sends_text(&wa_id, &phone, &req.text, req.reply_to.as_deref())
                .await?
        }
    };
    Ok(Json(TextSent {
        timestamp: record.created_at.unix_seconds().to_string(),
        at: record.created_at.0,
        window_open_until: record.created_at.0 + vitrine_core::inbound::WINDOW_MS,
        wamid: record.wamid.into(),
    }))
}

impl From<vitrine_core::usecase::carts::CustomerError> for OpError {
    fn from(e: vitrine_core::usecase::carts::CustomerError) -> Self {
        use vitrine_core::usecase::carts::CustomerError;
        match e {
            CustomerError::Rule(rule) => OpError::new(
                axum::http::StatusCode::CONFLICT,
                rule.code(),
                rule.message(),
            ),
            CustomerError::NotFound(m) => OpError::not_found(m),
            CustomerError::Refused { refusal, message } => {
                OpError::new(axum::http::StatusCode::CONFLICT, refusal.code(), message)
            }
            CustomerError::Api(api) => api.into(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    id: String,
    #[serde(default = "default_platform")]
    platform: String,
    app_version: String,
}

fn default_platform() -> String {
    "android".to_owned()
}

/// POST /_vitrine/customers/{wa_id}/devices {"id", "platform", "app_version"}
#[utoipa::path(post, path = "/customers/{wa_id}/devices", tag = "customers", request_body = NewDevice,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The customer with the device", body = Customer)))]
pub async fn add_device(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<Customer>, OpError> {
    let req: NewDevice = json_body(&body)?;
    let device = vitrine_core::model::Device {
        id: req.id,
        platform: req.platform,
        app_version: req.app_version,
    };
    let customer = state.sandbox.add_device(&wa_id, device).await?;
    Ok(Json(Customer::from(&customer)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CartScope {
    /// The business number [default: the demo number].
    phone_number_id: Option<String>,
    /// The customer's device [default: their first].
    device: Option<String>,
}

impl CartScope {
    fn phone(&self) -> PhoneNumberId {
        self.phone_number_id
            .as_deref()
            .unwrap_or(seed::PHONE_NUMBER_ID)
            .into()
    }
}

/// GET /_vitrine/customers/{wa_id}/cart?phone_number_id=&device=
#[utoipa::path(get, path = "/customers/{wa_id}/cart", tag = "customers",
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id"), CartScope),
    responses((status = 200, description = "The cart", body = Cart)))]
pub async fn view_cart(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    axum::extract::Query(scope): axum::extract::Query<CartScope>,
) -> Result<Json<Cart>, OpError> {
    let view = state
        .sandbox
        .view_cart(&wa_id, &scope.phone(), scope.device.as_deref())
        .await?;
    Ok(Json(Cart::from(view)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItem {
    product_retailer_id: String,
    quantity: Option<u32>,
    phone_number_id: Option<String>,
    device: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/cart/items {"product_retailer_id", "quantity", "device"}
#[utoipa::path(post, path = "/customers/{wa_id}/cart/items", tag = "customers", request_body = AddItem,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The cart", body = Cart)))]
pub async fn add_item(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<Cart>, OpError> {
    let req: AddItem = json_body(&body)?;
    let scope = CartScope {
        phone_number_id: req.phone_number_id,
        device: req.device,
    };
    let cmd = vitrine_core::cart::CartCommand::Add {
        product_retailer_id: req.product_retailer_id.into(),
        quantity: req.quantity.unwrap_or(1),
    };
    let view = state
        .sandbox
        .change_cart(&wa_id, &scope.phone(), scope.device.as_deref(), cmd)
        .await?;
    Ok(Json(Cart::from(view)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetQuantity {
    quantity: u32,
    phone_number_id: Option<String>,
    device: Option<String>,
}

/// PUT /_vitrine/customers/{wa_id}/cart/items/{retailer_id} {"quantity"}
#[utoipa::path(put, path = "/customers/{wa_id}/cart/items/{retailer_id}", tag = "customers", request_body = SetQuantity,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id"), ("retailer_id" = String, Path, description = "The product's retailer id")),
    responses((status = 200, description = "The cart", body = Cart)))]
pub async fn set_quantity(
    State(state): State<AppState>,
    Path((wa_id, rid)): Path<(WaId, RetailerId)>,
    body: Bytes,
) -> Result<Json<Cart>, OpError> {
    let req: SetQuantity = json_body(&body)?;
    let scope = CartScope {
        phone_number_id: req.phone_number_id,
        device: req.device,
    };
    let cmd = vitrine_core::cart::CartCommand::SetQuantity {
        product_retailer_id: rid,
        quantity: req.quantity,
    };
    let view = state
        .sandbox
        .change_cart(&wa_id, &scope.phone(), scope.device.as_deref(), cmd)
        .await?;
    Ok(Json(Cart::from(view)))
}

/// DELETE /_vitrine/customers/{wa_id}/cart/items/{retailer_id}?device=&phone_number_id=
#[utoipa::path(delete, path = "/customers/{wa_id}/cart/items/{retailer_id}", tag = "customers",
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id"), ("retailer_id" = String, Path, description = "The product's retailer id"), CartScope),
    responses((status = 200, description = "The cart", body = Cart)))]
pub async fn remove_item(
    State(state): State<AppState>,
    Path((wa_id, rid)): Path<(WaId, RetailerId)>,
    axum::extract::Query(scope): axum::extract::Query<CartScope>,
) -> Result<Json<Cart>, OpError> {
    let cmd = vitrine_core::cart::CartCommand::Remove {
        product_retailer_id: rid,
    };
    let view = state
        .sandbox
        .change_cart(&wa_id, &scope.phone(), scope.device.as_deref(), cmd)
        .await?;
    Ok(Json(Cart::from(view)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendCart {
    text: Option<String>,
    phone_number_id: Option<String>,
    device: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/cart/send {"text"}: the cart becomes an `order` webhook.
#[utoipa::path(post, path = "/customers/{wa_id}/cart/send", tag = "customers", request_body = SendCart,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The order sent", body = OrderSent)))]
pub async fn send_cart(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<OrderSent>, OpError> {
    let req: SendCart = json_body(&body)?;
    let scope = CartScope {
        phone_number_id: req.phone_number_id,
        device: req.device,
    };
    let record = state
        .sandbox
        .send_cart(
            &wa_id,
            &scope.phone(),
            scope.device.as_deref(),
            req.text.as_deref(),
        )
        .await?;
    Ok(Json(OrderSent::of(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// The business message with the buttons or the list.
    wamid: String,
    /// The button's or the row's id; a template button's text or index.
    choice: String,
    /// The carousel card whose button is tapped (`card_index`).
    card: Option<usize>,
    phone_number_id: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/replies {"wamid", "choice"}: a tap on a reply button or a
/// list row (an `interactive` webhook), or on a template's quick-reply button, chosen by text or
/// index (a `button` webhook).
#[utoipa::path(post, path = "/customers/{wa_id}/replies", tag = "customers", request_body = Reply,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The reply sent", body = CustomerMessage)))]
pub async fn reply(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<CustomerMessage>, OpError> {
    let req: Reply = json_body(&body)?;
    let phone: PhoneNumberId = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
        .into();
    let record = state
        .sandbox
        .customer_replies(
            &wa_id,
            &phone,
            &req.wamid.as_str().into(),
            &req.choice,
            req.card,
        )
        .await?;
    Ok(Json(CustomerMessage::of(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pay {
    /// The business message with the order (a checkout template or `order_details`).
    wamid: String,
    /// `captured` (default) or `failed`.
    status: Option<String>,
    /// `upi` (default), `card`, `wallet` or `netbanking`.
    method: Option<String>,
    phone_number_id: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/payments {"wamid", "status", "method"}: the customer pays a
/// checkout order → a `payment` status webhook of that message.
#[utoipa::path(post, path = "/customers/{wa_id}/payments", tag = "customers", request_body = Pay,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The payment", body = CustomerMessage)))]
pub async fn pay(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<CustomerMessage>, OpError> {
    let req: Pay = json_body(&body)?;
    let captured = match req.status.as_deref() {
        None | Some("captured") => true,
        Some("failed") => false,
        Some(other) => {
            return Err(vitrine_core::ApiError::invalid_param(format!(
                "status must be captured or failed, not '{other}'."
            ))
            .into())
        }
    };
    let phone: PhoneNumberId = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
        .into();
    let record = state
        .sandbox
        .customer_pays(
            &wa_id,
            &phone,
            &req.wamid.as_str().into(),
            captured,
            req.method.as_deref().unwrap_or("upi"),
        )
        .await?;
    Ok(Json(CustomerMessage::of(&record)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Browse {
    phone_number_id: Option<String>,
    after: Option<String>,
    limit: Option<usize>,
}

/// GET /_vitrine/customers/{wa_id}/catalog?phone_number_id=&after=&limit=
#[utoipa::path(get, path = "/customers/{wa_id}/catalog", tag = "customers",
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id"), Browse),
    responses((status = 200, description = "A page of the catalog as the customer sees it", body = Record)))]
pub async fn catalog(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    axum::extract::Query(q): axum::extract::Query<Browse>,
) -> Result<Json<Record>, OpError> {
    let phone: PhoneNumberId = q
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
        .into();
    Ok(Json(Record(state.sandbox.browse_catalog(
        &wa_id,
        &phone,
        q.after.map(RetailerId::from).as_ref(),
        q.limit.unwrap_or(20),
    )?)))
}

/// GET /_vitrine/customers/{wa_id}/products/{retailer_id}?phone_number_id=
#[utoipa::path(get, path = "/customers/{wa_id}/products/{retailer_id}", tag = "customers",
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id"), ("retailer_id" = String, Path, description = "The product's retailer id"), CartScope),
    responses((status = 200, description = "The product page", body = Record)))]
pub async fn product(
    State(state): State<AppState>,
    Path((_wa_id, rid)): Path<(WaId, RetailerId)>,
    axum::extract::Query(scope): axum::extract::Query<CartScope>,
) -> Result<Json<Record>, OpError> {
    Ok(Json(Record::of(
        &state.sandbox.product_page(&scope.phone(), &rid)?,
    )))
}

/// GET /_vitrine/customers/{wa_id}/chat?phone_number_id=&device=: the chat as that device
/// shows it; reading it sends `read` statuses when the customer has read receipts on.
#[utoipa::path(get, path = "/customers/{wa_id}/chat", tag = "customers",
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id"), CartScope),
    responses((status = 200, description = "The chat", body = Record)))]
pub async fn chat(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    axum::extract::Query(scope): axum::extract::Query<CartScope>,
) -> Result<Json<Record>, OpError> {
    Ok(Json(Record(
        state
            .sandbox
            .chat(&wa_id, &scope.phone(), scope.device.as_deref())
            .await?,
    )))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    phone_number_id: Option<String>,
    /// image, video, audio, document or sticker [default: from the Content-Type].
    #[serde(rename = "type")]
    kind: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
    voice: Option<bool>,
    reply_to: Option<String>,
}

/// Past the 100 MB a customer can send, a file is still read (and dropped) up to this many bytes
/// so that the error webhook is sent and the client gets its answer.
const DRAIN_MAX: u64 = 256 * 1024 * 1024;

/// POST /_vitrine/customers/{wa_id}/media?type=&caption=&filename=&voice=&reply_to= with the
/// file as the body and its type as Content-Type: the customer sends a photo, video, voice note,
/// document or sticker (a media message webhook; the business downloads it with its id).
#[utoipa::path(post, path = "/customers/{wa_id}/media", tag = "customers",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file, with its type as Content-Type"),
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id"), FileQuery),
    responses((status = 200, description = "The message sent", body = CustomerMessage)))]
pub async fn send_file(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    query: Result<axum::extract::Query<FileQuery>, axum::extract::rejection::QueryRejection>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Json<CustomerMessage>, OpError> {
    use futures_util::StreamExt;
    let axum::extract::Query(q) = query.map_err(|e| OpError::bad_request(e.body_text()))?;
    let mime = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| OpError::bad_request("Send the file with its type as Content-Type."))?
        .to_owned();
    let phone: PhoneNumberId = q
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
        .into();
    let file = vitrine_core::usecase::customer_messages::CustomerFile {
        kind: q.kind,
        mime_type: mime,
        filename: q.filename,
        caption: q.caption,
        voice: q.voice.unwrap_or(false),
        reply_to: q.reply_to,
    };
    let sandbox = &state.sandbox;
    let mut upload = sandbox.begin_customer_file(&wa_id, &phone, &file).await?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                upload.abort().await;
                return Err(OpError::bad_request(format!(
                    "Reading the file failed: {e}"
                )));
            }
        };
        upload.push(&chunk).await?;
        if upload.over_limit() && upload.size() > DRAIN_MAX {
            break;
        }
    }
    let record = sandbox
        .customer_sends_file(&wa_id, &phone, upload, &file)
        .await?;
    Ok(Json(CustomerMessage::of(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendLocation {
    latitude: f64,
    longitude: f64,
    name: Option<String>,
    address: Option<String>,
    url: Option<String>,
    /// The business's location request this answers (or any business message to quote).
    reply_to: Option<String>,
    phone_number_id: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/locations {"latitude", "longitude", "name", "address",
/// "reply_to"}: the customer shares a location.
#[utoipa::path(post, path = "/customers/{wa_id}/locations", tag = "customers", request_body = SendLocation,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The message sent", body = CustomerMessage)))]
pub async fn send_location(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<CustomerMessage>, OpError> {
    let req: SendLocation = json_body(&body)?;
    let phone: PhoneNumberId = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
        .into();
    let record = state
        .sandbox
        .customer_sends_location(
            &wa_id,
            &phone,
            vitrine_core::inbound::InboundLocation {
                latitude: req.latitude,
                longitude: req.longitude,
                name: req.name.filter(|s| !s.is_empty()),
                address: req.address.filter(|s| !s.is_empty()),
                url: req.url.filter(|s| !s.is_empty()),
            },
            req.reply_to.as_deref(),
        )
        .await?;
    Ok(Json(CustomerMessage::of(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendContacts {
    /// Contact cards as Meta writes them (`name.formatted_name`, `phones`, `emails`, …).
    #[schema(value_type = Vec<Value>)]
    contacts: Vec<Lenient<Object<Contact>>>,
    reply_to: Option<String>,
    phone_number_id: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/contacts {"contacts": [...]}: the customer shares contacts.
#[utoipa::path(post, path = "/customers/{wa_id}/contacts", tag = "customers", request_body = SendContacts,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The message sent", body = CustomerMessage)))]
pub async fn send_contacts(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<CustomerMessage>, OpError> {
    let req: SendContacts = json_body(&body)?;
    let phone: PhoneNumberId = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
        .into();
    let record = state
        .sandbox
        .customer_sends_contacts(&wa_id, &phone, req.contacts, req.reply_to.as_deref())
        .await?;
    Ok(Json(CustomerMessage::of(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct React {
    /// The business message reacted to.
    wamid: String,
    /// The emoji; empty or absent removes the customer's reaction.
    emoji: Option<String>,
    phone_number_id: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/reactions {"wamid", "emoji"}: the customer reacts to a
/// business message, or removes their reaction.
#[utoipa::path(post, path = "/customers/{wa_id}/reactions", tag = "customers", request_body = React,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The reaction sent", body = CustomerMessage)))]
pub async fn react(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<CustomerMessage>, OpError> {
    let req: React = json_body(&body)?;
    let phone: PhoneNumberId = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
        .into();
    let record = state
        .sandbox
        .customer_reacts(
            &wa_id,
            &phone,
            &req.wamid.as_str().into(),
            req.emoji.as_deref(),
        )
        .await?;
    Ok(Json(CustomerMessage::of(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendUnsupported {
    /// What was sent: poll, edit, … [default: poll]
    #[serde(rename = "type")]
    kind: Option<String>,
    phone_number_id: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/unsupported {"type": "poll"}: the customer sends something
/// the API cannot pass on (an `unsupported` webhook with error 131051).
#[utoipa::path(post, path = "/customers/{wa_id}/unsupported", tag = "customers", request_body = SendUnsupported,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The message sent", body = CustomerMessage)))]
pub async fn send_unsupported(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<CustomerMessage>, OpError> {
    let req: SendUnsupported = json_body(&body)?;
    let phone: PhoneNumberId = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
        .into();
    let record = state
        .sandbox
        .customer_sends_unsupported(&wa_id, &phone, req.kind.as_deref().unwrap_or("poll"))
        .await?;
    Ok(Json(CustomerMessage::of(&record)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Forward {
    /// The message: a business message of the customer's chat, one they sent, or one
    /// forwarded to them.
    id: String,
    /// Customers to forward it to.
    #[serde(default)]
    to: Vec<String>,
    /// Business numbers (phone number ids) to forward it to.
    #[serde(default)]
    to_business: Vec<String>,
}

/// POST /_vitrine/customers/{wa_id}/forwards {"id", "to": [wa_id], "to_business": [phone id]}:
/// the customer forwards a message to other customers (no webhook) or to businesses (a
/// `messages` webhook with `context.forwarded`).
#[utoipa::path(post, path = "/customers/{wa_id}/forwards", tag = "customers", request_body = Forward,
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "Where it was forwarded", body = Record)))]
pub async fn forward(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
    body: Bytes,
) -> Result<Json<Record>, OpError> {
    let req: Forward = json_body(&body)?;
    let targets = vitrine_core::usecase::forwards::ForwardTargets {
        customers: req.to,
        businesses: req.to_business,
    };
    Ok(Json(Record(
        state
            .sandbox
            .customer_forwards(&wa_id, &req.id, &targets)
            .await?,
    )))
}

/// GET /_vitrine/customers/{wa_id}/peers: the customers they exchanged forwards with.
#[utoipa::path(get, path = "/customers/{wa_id}/peers", tag = "customers",
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id")),
    responses((status = 200, description = "The customers they exchanged forwards with", body = Record)))]
pub async fn peers(
    State(state): State<AppState>,
    Path(wa_id): Path<WaId>,
) -> Result<Json<Record>, OpError> {
    Ok(Json(Record(state.sandbox.peer_chats(&wa_id).await?)))
}

/// GET /_vitrine/customers/{wa_id}/peers/{other}: their chat, forwarded messages marked as such
/// and products as they are now.
#[utoipa::path(get, path = "/customers/{wa_id}/peers/{other}", tag = "customers",
    params(("wa_id" = String, Path, description = "The customer's WhatsApp id"), ("other" = String, Path, description = "The other customer")),
    responses((status = 200, description = "Their chat", body = Record)))]
pub async fn peer_chat(
    State(state): State<AppState>,
    Path((wa_id, other)): Path<(WaId, WaId)>,
) -> Result<Json<Record>, OpError> {
    Ok(Json(Record(state.sandbox.peer_chat(&wa_id, &other).await?)))
}
