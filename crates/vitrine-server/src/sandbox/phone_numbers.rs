//! POST /_vitrine/phone_numbers/{id}/throughput {"level": "STANDARD"|"HIGH", "mps": N, "unlimited": bool}

use super::{json_body, OpError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vitrine_core::model::{Throughput, ThroughputLevel};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    level: Option<String>,
    /// A custom messages-per-second limit; `null` returns to the level's.
    mps: Option<u32>,
    /// No limit at all (load tests of Vitrine itself).
    #[serde(default)]
    unlimited: bool,
}

/// Sets a number's throughput; every node enforces it.
pub async fn throughput(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: Request = json_body(&body)?;
    let level = match req.level.as_deref() {
        None => ThroughputLevel::Standard,
        Some(l) => ThroughputLevel::parse(l)
            .ok_or_else(|| OpError::bad_request("level must be STANDARD or HIGH"))?,
    };
    if req.mps == Some(0) {
        return Err(OpError::bad_request(
            "mps must be at least 1 (or use unlimited)",
        ));
    }
    let t = Throughput {
        level,
        custom_mps: req.mps,
        unlimited: req.unlimited,
    };
    let Some(phone) = state.sandbox.set_throughput(&id, t).await? else {
        return Err(OpError::not_found(format!("No phone number {id}.")));
    };
    let limits = &state.sandbox.behaviour.limits;
    Ok(Json(json!({
        "phone_number_id": phone.id,
        "level": phone.throughput.level.as_str(),
        "mps": limits.mps(&phone.throughput),
        "unlimited": phone.throughput.unlimited,
    })))
}
