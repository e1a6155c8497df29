//! The webhook delivery log: GET /_vitrine/webhooks, GET /_vitrine/webhooks/{id},
//! POST /_vitrine/webhooks/{id}/redeliver

use super::api::{Done, Webhook, WebhookAttempt, WebhookPage, WebhookPaging, WebhookWithAttempts};
use super::OpError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use vitrine_core::webhook::{DeliveryState, EventType, WebhookQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// pending | delivered | dead
    #[param(pattern = "^(pending|delivered|dead)$")]
    status: Option<String>,
    wamid: Option<String>,
    /// status | message | template_status
    #[param(pattern = "^(status|message|template_status)$")]
    event: Option<String>,
    /// 1 to 500 [default: 50].
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// Older than this id (paging backwards, newest first).
    #[param(value_type = Option<i64>)]
    before: Option<String>,
    /// Newer than this id (following, oldest first).
    #[param(value_type = Option<i64>)]
    after: Option<String>,
}

fn parse_id(s: &str, what: &str) -> Result<i64, OpError> {
    s.parse::<i64>()
        .map_err(|_| OpError::bad_request(format!("{what} must be a webhook id")))
}

/// The webhook delivery log, newest first (or, with `after`, the newer ones oldest first).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", params(ListQuery),
    responses((status = 200, description = "A page of webhooks", body = WebhookPage)))]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<WebhookPage>, OpError> {
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
        wamid: q.wamid.map(Into::into),
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
    let data = page.items.iter().map(Webhook::of).collect();
    let paging = if query.after_id.is_some() {
        WebhookPaging {
            before: None,
            after: Some(cursor),
        }
    } else {
        WebhookPaging {
            before: Some(cursor),
            after: None,
        }
    };
    Ok(Json(WebhookPage { data, paging }))
}

/// A webhook with every delivery attempt.
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "The webhook id")),
    responses((status = 200, description = "The webhook and its attempts", body = WebhookWithAttempts)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<WebhookWithAttempts>, OpError> {
    let id = parse_id(&id, "id")?;
    let Some((record, attempts)) = state.sandbox.get_webhook(id).await? else {
        return Err(OpError::not_found(format!("No webhook {id}.")));
    };
    Ok(Json(WebhookWithAttempts {
        webhook: Webhook::of(&record),
        attempts: attempts.iter().map(WebhookAttempt::of).collect(),
    }))
}

/// Sends the same bytes again, now.
#[utoipa::path(post, path = "/webhooks/{id}/redeliver", tag = "webhooks",
    params(("id" = i64, Path, description = "The webhook id")),
    responses((status = 200, description = "Sent again", body = Done)))]
pub async fn redeliver(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Done>, OpError> {
    let id = parse_id(&id, "id")?;
    if state.sandbox.redeliver_webhook(id).await? {
        Ok(Json(Done { success: true }))
    } else {
        Err(OpError::not_found(format!("No webhook {id}.")))
    }
}
