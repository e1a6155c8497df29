//! The webhook delivery log: GET /_vitrine/webhooks, GET /_vitrine/webhooks/{id},
//! POST /_vitrine/webhooks/{id}/redeliver

use super::OpError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vitrine_core::webhook::{Attempt, DeliveryState, EventType, WebhookQuery, WebhookRecord};

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// pending | delivered | dead
    status: Option<String>,
    wamid: Option<String>,
    /// status | message | template_status
    event: Option<String>,
    limit: Option<String>,
    /// Older than this id (paging backwards, newest first).
    before: Option<String>,
    /// Newer than this id (following, oldest first).
    after: Option<String>,
}

fn parse_id(s: &str, what: &str) -> Result<i64, OpError> {
    s.parse::<i64>()
        .map_err(|_| OpError::bad_request(format!("{what} must be a webhook id")))
}

pub fn render(w: &WebhookRecord) -> Value {
    json!({
        "id": w.id.to_string(),
        "event": w.event_type.as_str(),
        "wamid": w.wamid,
        "message_status": w.status.map(|s| s.as_str()),
        "app_id": w.app_id,
        "waba_id": w.waba_id,
        "url": w.url,
        "state": w.state.as_str(),
        "attempt_count": w.attempt_count,
        "due_at": w.due_at.0,
        "next_attempt_at": w.next_attempt_at.map(|m| m.0),
        "delivered_at": w.delivered_at.map(|m| m.0),
        "headers": {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": w.signature_256,
            "X-Hub-Signature": w.signature_1,
        },
        "body": w.body,
    })
}

fn render_attempt(a: &Attempt) -> Value {
    json!({
        "number": a.number,
        "at": a.at.0,
        "http_status": a.http_status,
        "latency_ms": a.latency_ms,
        "response": a.response,
        "error": a.error,
    })
}

/// GET /_vitrine/webhooks?status=&wamid=&event=&limit=&before=&after=
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, OpError> {
    let Query(q) = query.map_err(|e| OpError::bad_request(e.body_text()))?;
    let state_filter = match q.status.as_deref() {
        None => None,
        Some(s) => Some(
            DeliveryState::parse(s)
                .ok_or_else(|| OpError::bad_request("status must be pending, delivered or dead"))?,
        ),
    };
    let event = match q.event.as_deref() {
        None => None,
        Some(e) => Some(EventType::parse(e).ok_or_else(|| {
            OpError::bad_request("event must be status, message or template_status")
        })?),
    };
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| OpError::bad_request("limit must be a number from 1 to 500"))?,
    };
    let query = WebhookQuery {
        state: state_filter,
        wamid: q.wamid,
        event_type: event,
        before_id: q
            .before
            .as_deref()
            .map(|b| parse_id(b, "before"))
            .transpose()?,
        after_id: q
            .after
            .as_deref()
            .map(|a| parse_id(a, "after"))
            .transpose()?,
        limit,
    };
    let page = state.sandbox.list_webhooks(&query).await?;
    let cursor = page
        .items
        .last()
        .map(|w| w.id.to_string())
        .filter(|_| page.has_more);
    let data: Vec<Value> = page.items.iter().map(render).collect();
    let paging = if query.after_id.is_some() {
        json!({ "after": cursor })
    } else {
        json!({ "before": cursor })
    };
    Ok(Json(json!({ "data": data, "paging": paging })))
}

/// GET /_vitrine/webhooks/{id}: the webhook with every attempt.
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, OpError> {
    let id = parse_id(&id, "id")?;
    let Some((record, attempts)) = state.sandbox.get_webhook(id).await? else {
        return Err(OpError::not_found(format!("No webhook {id}.")));
    };
    let mut v = render(&record);
    v["attempts"] = Value::Array(attempts.iter().map(render_attempt).collect());
    Ok(Json(v))
}

/// POST /_vitrine/webhooks/{id}/redeliver: send the same bytes again, now.
pub async fn redeliver(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, OpError> {
    let id = parse_id(&id, "id")?;
    if state.sandbox.redeliver_webhook(id).await? {
        Ok(Json(json!({ "success": true })))
    } else {
        Err(OpError::not_found(format!("No webhook {id}.")))
    }
}
