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
}

/// POST /_vitrine/customers {"wa_id", "name"}
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, OpError> {
    let req: CreateCustomer = json_body(&body)?;
    let customer = state
        .sandbox
        .upsert_customer(&req.wa_id, req.name.as_deref())
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
    let record = state
        .sandbox
        .customer_sends_text(&wa_id, &phone, &req.text, req.reply_to.as_deref())
        .await?;
    Ok(Json(json!({
        "wamid": record.wamid,
        "timestamp": record.created_at.unix_seconds().to_string(),
        "window_open_until": record.created_at.0 + vitrine_core::inbound::WINDOW_MS,
    })))
}
