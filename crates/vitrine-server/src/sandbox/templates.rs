//! POST /_vitrine/templates/{id}/status {"status": "APPROVED"|"REJECTED"|"PAUSED"|"DISABLED"|"REINSTATED", "reason"}

use super::{json_body, OpError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetStatus {
    status: String,
    reason: Option<String>,
}

/// Forces a template's status; a `message_template_status_update` webhook follows.
pub async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, OpError> {
    let req: SetStatus = json_body(&body)?;
    let status = req.status.to_ascii_uppercase();
    match state
        .sandbox
        .set_template_status(&id, &status, req.reason.as_deref())
        .await?
    {
        Some(t) => Ok(Json(Value::Object(
            vitrine_core::usecase::templates::render(&t, None).0,
        ))),
        None => Err(OpError::not_found(format!("No template {id}."))),
    }
}
