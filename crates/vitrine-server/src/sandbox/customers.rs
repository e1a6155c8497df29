//! Simulated customers: POST /_vitrine/customers, GET /_vitrine/customers/{wa_id},
//! POST /_vitrine/customers/{wa_id}/messages

use super::{json_body, OpError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vitrine_core::seed;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCustomer {
    wa_id: String,
    name: Option<String>,
    read_receipts: Option<bool>,
}

/// POST /_vitrine/customers {"wa_id", "name"}
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, OpError> {
    let req: CreateCustomer = json_body(&body)?;
    let customer = state
        .sandbox
        .upsert_customer_with(&req.wa_id, req.name.as_deref(), req.read_receipts)
        .await?;
    Ok(Json(json!(customer)))
}

/// GET /_vitrine/customers/{wa_id}
pub async fn get(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
) -> Result<Json<Value>, OpError> {
    state
        .sandbox
        .customer(&wa_id)
        .map(|c| Json(json!(c)))
        .ok_or_else(|| OpError::not_found(format!("No customer {wa_id}.")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendText {
    text: String,
    /// The business number written to [default: the demo number].
    phone_number_id: Option<String>,
    /// A business message's wamid, to reply to it (a quoted reply: `context`).
    reply_to: Option<String>,
    /// From a product page: the product asked about and the message that showed it.
    about: Option<About>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct About {
    /// The business message that shows the product.
    wamid: Option<String>,
    /// Or a product message forwarded to this customer (its id in their chat with a friend).
    forwarded: Option<String>,
    product_retailer_id: String,
}

/// POST /_vitrine/customers/{wa_id}/messages {"text", "phone_number_id", "reply_to"}: the
/// customer writes to the business (a `messages` webhook; the 24-hour window opens).
pub async fn send_text(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: SendText = json_body(&body)?;
    let phone = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned());
    let record = match &req.about {
        Some(About {
            forwarded: Some(peer_id),
            product_retailer_id,
            ..
        }) => {
            state
                .sandbox
                .customer_asks_about_forwarded(&wa_id, peer_id, product_retailer_id, &req.text)
                .await?
        }
        Some(About {
            wamid: Some(wamid),
            product_retailer_id,
            ..
        }) => {
            state
                .sandbox
                .customer_asks_about(&wa_id, &phone, wamid, product_retailer_id, &req.text)
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
    Ok(Json(json!({
        "wamid": record.wamid,
        "timestamp": record.created_at.unix_seconds().to_string(),
        "at": record.created_at.0,
        "window_open_until": record.created_at.0 + vitrine_core::inbound::WINDOW_MS,
    })))
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
            CustomerError::Refused { code, message } => {
                OpError::new(axum::http::StatusCode::CONFLICT, code, message)
            }
            CustomerError::Api(api) => api.into(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDevice {
    id: String,
    #[serde(default = "default_platform")]
    platform: String,
    app_version: String,
}

fn default_platform() -> String {
    "android".to_owned()
}

/// POST /_vitrine/customers/{wa_id}/devices {"id", "platform", "app_version"}
pub async fn add_device(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: NewDevice = json_body(&body)?;
    let device = vitrine_core::model::Device {
        id: req.id,
        platform: req.platform,
        app_version: req.app_version,
    };
    let customer = state.sandbox.add_device(&wa_id, device).await?;
    Ok(Json(json!(customer)))
}

#[derive(Debug, Default, Deserialize)]
pub struct CartScope {
    phone_number_id: Option<String>,
    device: Option<String>,
}

impl CartScope {
    fn phone(&self) -> String {
        self.phone_number_id
            .clone()
            .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned())
    }
}

/// GET /_vitrine/customers/{wa_id}/cart?phone_number_id=&device=
pub async fn view_cart(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    axum::extract::Query(scope): axum::extract::Query<CartScope>,
) -> Result<Json<Value>, OpError> {
    let view = state
        .sandbox
        .view_cart(&wa_id, &scope.phone(), scope.device.as_deref())
        .await?;
    Ok(Json(json!(view)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddItem {
    product_retailer_id: String,
    quantity: Option<u32>,
    phone_number_id: Option<String>,
    device: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/cart/items {"product_retailer_id", "quantity", "device"}
pub async fn add_item(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: AddItem = json_body(&body)?;
    let scope = CartScope {
        phone_number_id: req.phone_number_id,
        device: req.device,
    };
    let cmd = vitrine_core::cart::CartCommand::Add {
        product_retailer_id: req.product_retailer_id,
        quantity: req.quantity.unwrap_or(1),
    };
    let view = state
        .sandbox
        .change_cart(&wa_id, &scope.phone(), scope.device.as_deref(), cmd)
        .await?;
    Ok(Json(json!(view)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetQuantity {
    quantity: u32,
    phone_number_id: Option<String>,
    device: Option<String>,
}

/// PUT /_vitrine/customers/{wa_id}/cart/items/{retailer_id} {"quantity"}
pub async fn set_quantity(
    State(state): State<AppState>,
    Path((wa_id, rid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
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
    Ok(Json(json!(view)))
}

/// DELETE /_vitrine/customers/{wa_id}/cart/items/{retailer_id}?device=&phone_number_id=
pub async fn remove_item(
    State(state): State<AppState>,
    Path((wa_id, rid)): Path<(String, String)>,
    axum::extract::Query(scope): axum::extract::Query<CartScope>,
) -> Result<Json<Value>, OpError> {
    let cmd = vitrine_core::cart::CartCommand::Remove {
        product_retailer_id: rid,
    };
    let view = state
        .sandbox
        .change_cart(&wa_id, &scope.phone(), scope.device.as_deref(), cmd)
        .await?;
    Ok(Json(json!(view)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendCart {
    text: Option<String>,
    phone_number_id: Option<String>,
    device: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/cart/send {"text"}: the cart becomes an `order` webhook.
pub async fn send_cart(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
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
    Ok(Json(
        json!({ "wamid": record.wamid, "timestamp": record.created_at.unix_seconds().to_string(), "at": record.created_at.0, "order": record.content }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reply {
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
pub async fn reply(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: Reply = json_body(&body)?;
    let phone = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned());
    let record = state
        .sandbox
        .customer_replies(&wa_id, &phone, &req.wamid, &req.choice, req.card)
        .await?;
    Ok(Json(
        json!({ "wamid": record.wamid, "timestamp": record.created_at.unix_seconds().to_string(), "at": record.created_at.0, "content": record.content }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pay {
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
pub async fn pay(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
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
    let phone = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned());
    let record = state
        .sandbox
        .customer_pays(
            &wa_id,
            &phone,
            &req.wamid,
            captured,
            req.method.as_deref().unwrap_or("upi"),
        )
        .await?;
    Ok(Json(
        json!({ "wamid": record.wamid, "timestamp": record.created_at.unix_seconds().to_string(), "at": record.created_at.0, "content": record.content }),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct Browse {
    phone_number_id: Option<String>,
    after: Option<String>,
    limit: Option<usize>,
}

/// GET /_vitrine/customers/{wa_id}/catalog?phone_number_id=&after=&limit=
pub async fn catalog(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Browse>,
) -> Result<Json<Value>, OpError> {
    let phone = q
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned());
    Ok(Json(state.sandbox.browse_catalog(
        &wa_id,
        &phone,
        q.after.as_deref(),
        q.limit.unwrap_or(20),
    )?))
}

/// GET /_vitrine/customers/{wa_id}/products/{retailer_id}?phone_number_id=
pub async fn product(
    State(state): State<AppState>,
    Path((_wa_id, rid)): Path<(String, String)>,
    axum::extract::Query(scope): axum::extract::Query<CartScope>,
) -> Result<Json<Value>, OpError> {
    Ok(Json(json!(state
        .sandbox
        .product_page(&scope.phone(), &rid)?)))
}

/// GET /_vitrine/customers/{wa_id}/chat?phone_number_id=&device=: the chat as that device
/// shows it; reading it sends `read` statuses when the customer has read receipts on.
pub async fn chat(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    axum::extract::Query(scope): axum::extract::Query<CartScope>,
) -> Result<Json<Value>, OpError> {
    Ok(Json(
        state
            .sandbox
            .chat(&wa_id, &scope.phone(), scope.device.as_deref())
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
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
pub async fn send_file(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    query: Result<axum::extract::Query<FileQuery>, axum::extract::rejection::QueryRejection>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Value>, OpError> {
    use futures_util::StreamExt;
    let axum::extract::Query(q) = query.map_err(|e| OpError::bad_request(e.body_text()))?;
    let mime = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| OpError::bad_request("Send the file with its type as Content-Type."))?
        .to_owned();
    let phone = q
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned());
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
    Ok(Json(
        json!({ "wamid": record.wamid, "timestamp": record.created_at.unix_seconds().to_string(), "at": record.created_at.0, "content": record.content }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendLocation {
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
pub async fn send_location(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: SendLocation = json_body(&body)?;
    let phone = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned());
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
    Ok(Json(
        json!({ "wamid": record.wamid, "timestamp": record.created_at.unix_seconds().to_string(), "at": record.created_at.0, "content": record.content }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendContacts {
    /// Contact cards as Meta writes them (`name.formatted_name`, `phones`, `emails`, …).
    contacts: Vec<Value>,
    reply_to: Option<String>,
    phone_number_id: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/contacts {"contacts": [...]}: the customer shares contacts.
pub async fn send_contacts(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: SendContacts = json_body(&body)?;
    let phone = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned());
    let record = state
        .sandbox
        .customer_sends_contacts(&wa_id, &phone, req.contacts, req.reply_to.as_deref())
        .await?;
    Ok(Json(
        json!({ "wamid": record.wamid, "timestamp": record.created_at.unix_seconds().to_string(), "at": record.created_at.0, "content": record.content }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct React {
    /// The business message reacted to.
    wamid: String,
    /// The emoji; empty or absent removes the customer's reaction.
    emoji: Option<String>,
    phone_number_id: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/reactions {"wamid", "emoji"}: the customer reacts to a
/// business message, or removes their reaction.
pub async fn react(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: React = json_body(&body)?;
    let phone = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned());
    let record = state
        .sandbox
        .customer_reacts(&wa_id, &phone, &req.wamid, req.emoji.as_deref())
        .await?;
    Ok(Json(
        json!({ "wamid": record.wamid, "timestamp": record.created_at.unix_seconds().to_string(), "at": record.created_at.0, "content": record.content }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendUnsupported {
    /// What was sent: poll, edit, … [default: poll]
    #[serde(rename = "type")]
    kind: Option<String>,
    phone_number_id: Option<String>,
}

/// POST /_vitrine/customers/{wa_id}/unsupported {"type": "poll"}: the customer sends something
/// the API cannot pass on (an `unsupported` webhook with error 131051).
pub async fn send_unsupported(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: SendUnsupported = json_body(&body)?;
    let phone = req
        .phone_number_id
        .unwrap_or_else(|| seed::PHONE_NUMBER_ID.to_owned());
    let record = state
        .sandbox
        .customer_sends_unsupported(&wa_id, &phone, req.kind.as_deref().unwrap_or("poll"))
        .await?;
    Ok(Json(
        json!({ "wamid": record.wamid, "timestamp": record.created_at.unix_seconds().to_string(), "at": record.created_at.0, "content": record.content }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Forward {
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
pub async fn forward(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: Forward = json_body(&body)?;
    let targets = vitrine_core::usecase::forwards::ForwardTargets {
        customers: req.to,
        businesses: req.to_business,
    };
    Ok(Json(
        state
            .sandbox
            .customer_forwards(&wa_id, &req.id, &targets)
            .await?,
    ))
}

/// GET /_vitrine/customers/{wa_id}/peers: the customers they exchanged forwards with.
pub async fn peers(
    State(state): State<AppState>,
    Path(wa_id): Path<String>,
) -> Result<Json<Value>, OpError> {
    Ok(Json(state.sandbox.peer_chats(&wa_id).await?))
}

/// GET /_vitrine/customers/{wa_id}/peers/{other}: their chat, forwarded messages marked as such
/// and products as they are now.
pub async fn peer_chat(
    State(state): State<AppState>,
    Path((wa_id, other)): Path<(String, String)>,
) -> Result<Json<Value>, OpError> {
    Ok(Json(state.sandbox.peer_chat(&wa_id, &other).await?))
}
