//! GET /_vitrine/messages and GET /_vitrine/messages/{wamid}: what businesses sent.
//! `?after=<cursor>` follows the log oldest first (the scenario runner reads it this way).

use super::OpError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vitrine_core::message::MessageQuery;
use vitrine_core::{ApiError, ErrorKind};

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    phone_number_id: Option<String>,
    /// The customer's wa_id.
    customer: Option<String>,
    limit: Option<String>,
    /// Cursor from `paging.before` of the previous page.
    before: Option<String>,
    /// Cursor from `paging.after`: newer messages, oldest first (to follow what is sent).
    after: Option<String>,
}

/// GET /_vitrine/messages?phone_number_id=&customer=&limit=&before= (newest first)
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, OpError> {
    let Query(q) = query.map_err(|e| OpError::bad_request(e.body_text()))?;
    let limit = match q.limit.as_deref() {
        None => 25,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| OpError::bad_request("limit must be a number from 1 to 500"))?,
    };
    let before_cursor = match q.before.as_deref() {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| OpError::bad_request("before must be a cursor from paging.before"))?,
        ),
    };
    let after_cursor = match q.after.as_deref() {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| OpError::bad_request("after must be a cursor from paging.after"))?,
        ),
    };
    if before_cursor.is_some() && after_cursor.is_some() {
        return Err(OpError::bad_request("give before or after, not both"));
    }
    let page = state
        .sandbox
        .list_messages(&MessageQuery {
            phone_number_id: q.phone_number_id,
            wa_id: q.customer,
            before_cursor,
            after_cursor,
            limit,
        })
        .await?;
    let cursors: Vec<i64> = page.items.iter().map(|(c, _)| *c).collect();
    let data: Vec<_> = page.items.into_iter().map(|(_, record)| record).collect();
    let paging = match after_cursor {
        // Following: where to go on from, whether or not more are waiting.
        Some(after) => json!({
            "after": cursors.last().copied().unwrap_or(after).to_string(),
            "cursors": cursors.iter().map(i64::to_string).collect::<Vec<_>>(),
            "more": page.has_more,
        }),
        None => json!({
            "before": cursors.last().map(i64::to_string).filter(|_| page.has_more),
            "after": cursors.first().map(i64::to_string),
        }),
    };
    Ok(Json(json!({ "data": data, "paging": paging })))
}

/// GET /_vitrine/messages/{wamid}: the message and the statuses it has reached so far.
pub async fn get(
    State(state): State<AppState>,
    Path(wamid): Path<String>,
) -> Result<Json<Value>, OpError> {
    let Some(record) = state.sandbox.get_message(&wamid).await? else {
        return Err(OpError::not_found(format!("No message {wamid}.")));
    };
    let statuses = state.sandbox.message_statuses(&wamid).await?;
    let mut v = json!(record);
    v["status"] = json!(statuses.iter().map(|s| s.status).max().map(|s| s.as_str()));
    v["statuses"] = json!(statuses
        .iter()
        .map(|s| json!({ "status": s.status.as_str(), "timestamp": s.at.unix_seconds().to_string(), "at": s.at.0, "errors": s.errors }))
        .collect::<Vec<_>>());
    Ok(Json(v))
}

/// POST /_vitrine/messages/{wamid}/read: the customer reads the message (a `read` status
/// webhook follows, never before `delivered`).
pub async fn read(
    State(state): State<AppState>,
    Path(wamid): Path<String>,
) -> Result<Json<Value>, OpError> {
    match state.sandbox.mark_read(&wamid).await? {
        Some(event) => Ok(Json(
            json!({ "status": event.status.as_str(), "at": event.at.0 }),
        )),
        None => Err(OpError::not_found(format!("No message {wamid}."))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailRequest {
    /// 131026 (undeliverable, default), 131047 (re-engagement) or 131000 (unknown).
    code: Option<u32>,
    details: Option<String>,
}

/// POST /_vitrine/messages/{wamid}/fail {"code": 131026, "details": "..."}: the message fails
/// now; a `failed` status webhook with Meta's error object follows.
pub async fn fail(
    State(state): State<AppState>,
    Path(wamid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, OpError> {
    let req: FailRequest = super::json_body(&body)?;
    let (kind, default_details) = match req.code.unwrap_or(131026) {
        131026 => (ErrorKind::MessageUndeliverable, "Message Undeliverable."),
        131047 => (
            ErrorKind::ReEngagementMessage,
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        ),
        131000 => (ErrorKind::SomethingWentWrong, "Message failed to send due to an unknown error."),
        other => {
            return Err(OpError::bad_request(format!(
                "code {other} is not a failure Vitrine can simulate; use 131026, 131047 or 131000"
            )))
        }
    };
    let error =
        ApiError::new(kind).with_details(req.details.unwrap_or_else(|| default_details.to_owned()));
    match state.sandbox.mark_failed(&wamid, &error).await? {
        Some(event) => Ok(Json(
            json!({ "status": event.status.as_str(), "at": event.at.0, "errors": event.errors }),
        )),
        None => Err(OpError::not_found(format!("No message {wamid}."))),
    }
}
