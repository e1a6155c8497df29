//! POST /_vitrine/templates/{id}/status {"status": "APPROVED"|"REJECTED"|"PAUSED"|"DISABLED"|"REINSTATED", "reason"}

use super::api::Record;
use super::{json_body, OpError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use vitrine_core::id::TemplateId;
use vitrine_core::template::TemplateEvent;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    /// APPROVED, REJECTED, PAUSED, DISABLED or REINSTATED (any case).
    status: String,
    reason: Option<String>,
}

/// Forces a template's status; a `message_template_status_update` webhook follows.
#[utoipa::path(post, path = "/templates/{id}/status", tag = "templates", request_body = SetStatus,
    params(("id" = String, Path, description = "The template's id")),
    responses((status = 200, description = "The template as Graph shows it", body = Record)))]
pub async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<TemplateId>,
    body: Bytes,
) -> Result<Json<Record>, OpError> {
    let req: SetStatus = json_body(&body)?;
    let event = TemplateEvent::parse(&req.status).ok_or_else(|| {
        OpError::bad_request(format!(
            "status must be APPROVED, REJECTED, PAUSED, DISABLED or REINSTATED, not '{}'",
            req.status
        ))
    })?;
    match state
        .sandbox
        .set_template_status(&id, event, req.reason.as_deref())
        .await?
    {
        Some(t) => Ok(Json(Record(Value::Object(
            vitrine_core::usecase::templates::render(&t, None).0,
        )))),
        None => Err(OpError::not_found(format!("No template {id}."))),
    }
}
