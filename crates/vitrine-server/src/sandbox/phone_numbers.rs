//! POST /_vitrine/phone_numbers/{id}/throughput {"level": "STANDARD"|"HIGH", "mps": N, "unlimited": bool}

use super::api::ThroughputSetting;
use super::{json_body, OpError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use vitrine_core::id::PhoneNumberId;
use vitrine_core::model::ThroughputLevel;

/// The highest custom limit; past it, `unlimited` says what is meant.
const MAX_MPS: u32 = 1_000_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Throughput {
    /// STANDARD (default) or HIGH.
    level: Option<String>,
    /// A custom messages-per-second limit; `null` returns to the level's.
    #[schema(minimum = 1, maximum = 1_000_000)]
    mps: Option<u32>,
    /// No limit at all (load tests of Vitrine itself).
    #[serde(default)]
    unlimited: bool,
}

/// Sets a number's throughput; every node enforces it.
#[utoipa::path(post, path = "/phone_numbers/{id}/throughput", tag = "phone numbers",
    request_body = Throughput,
    params(("id" = String, Path, description = "The phone number id")),
    responses((status = 200, description = "The limit now enforced", body = ThroughputSetting)))]
pub async fn throughput(
    State(state): State<AppState>,
    Path(id): Path<PhoneNumberId>,
    body: Bytes,
) -> Result<Json<ThroughputSetting>, OpError> {
    let req: Throughput = json_body(&body)?;
    let level = match req.level.as_deref() {
        None => ThroughputLevel::Standard,
        Some(l) => ThroughputLevel::parse(l)
            .ok_or_else(|| OpError::bad_request("level must be STANDARD or HIGH"))?,
    };
    if let Some(mps) = req.mps.filter(|m| !(1..=MAX_MPS).contains(m)) {
        return Err(OpError::bad_request(format!(
            "mps must be from 1 to {MAX_MPS} (or use unlimited), not {mps}"
        )));
    }
    let t = vitrine_core::model::Throughput {
        level,
        custom_mps: req.mps,
        unlimited: req.unlimited,
    };
    let Some(phone) = state.sandbox.set_throughput(&id, t).await? else {
        return Err(OpError::not_found(format!("No phone number {id}.")));
    };
    let limits = &state.sandbox.behaviour.limits;
    Ok(Json(ThroughputSetting {
        mps: limits.mps(&phone.throughput),
        level: phone.throughput.level.as_str().to_owned(),
        unlimited: phone.throughput.unlimited,
        phone_number_id: phone.id.into(),
    }))
}
