//! GET /_vitrine/messages and GET /_vitrine/messages/{wamid}: what businesses sent.
//! `?after=<cursor>` follows the log oldest first (the scenario runner reads it this way).

use super::api::{
    MessagePage, MessagePaging, MessageWithStatuses, Record, StatusReached, StatusSet,
};
use super::OpError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use vitrine_core::id::Wamid;
use vitrine_core::message::MessageQuery;
use vitrine_core::{ApiError, ErrorKind};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    phone_number_id: Option<String>,
    /// The customer's wa_id.
    customer: Option<String>,
    /// 1 to 500 [default: 25].
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// Cursor from `paging.before` of the previous page.
    #[param(value_type = Option<i64>)]
    before: Option<String>,
    /// Cursor from `paging.after`: newer messages, oldest first (to follow what is sent).
    #[param(value_type = Option<i64>)]
    after: Option<String>,
}

/// What businesses sent, newest first (or, with `after`, the newer ones oldest first).
#[utoipa::path(get, path = "/messages", tag = "messages", params(ListQuery),
    responses((status = 200, description = "A page of stored messages", body = MessagePage)))]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MessagePage>, OpError> {
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
            phone_number_id: q.phone_number_id.map(Into::into),
            wa_id: q.customer.map(Into::into),
            before_cursor,
            after_cursor,
            limit,
        })
        .await?;
    let cursors: Vec<i64> = page.items.iter().map(|(c, _)| *c).collect();
    let data = page
        .items
        .iter()
        .map(|(_, record)| Record::of(record))
        .collect();
    let paging = match after_cursor {
        // Following: where to go on from, whether or not more are waiting.
        Some(after) => MessagePaging {
            before: None,
            after: Some(cursors.last().copied().unwrap_or(after).to_string()),
            cursors: Some(cursors.iter().map(i64::to_string).collect()),
            more: Some(page.has_more),
        },
        None => MessagePaging {
            before: Some(cursors.last().map(i64::to_string).filter(|_| page.has_more)),
            after: cursors.first().map(i64::to_string),
            cursors: None,
            more: None,
        },
    };
    Ok(Json(MessagePage { data, paging }))
}

/// A message and the statuses it has reached so far.
#[utoipa::path(get, path = "/messages/{wamid}", tag = "messages",
    params(("wamid" = String, Path, description = "The message id")),
    responses((status = 200, description = "The stored message with its statuses", body = MessageWithStatuses)))]
pub async fn get(
    State(state): State<AppState>,
    Path(wamid): Path<Wamid>,
) -> Result<Json<MessageWithStatuses>, OpError> {
    let Some(record) = state.sandbox.get_message(&wamid).await? else {
        return Err(OpError::not_found(format!("No message {wamid}.")));
    };
    let statuses = state.sandbox.message_statuses(&wamid).await?;
    Ok(Json(MessageWithStatuses {
        message: Record::of(&record).0,
        status: statuses
            .iter()
            .map(|s| s.status)
            .max()
            .map(|s| s.as_str().to_owned()),
        statuses: statuses
            .iter()
            .map(|s| StatusReached {
                status: s.status.as_str().to_owned(),
                timestamp: s.at.unix_seconds().to_string(),
                at: s.at.0,
                errors: serde_json::to_value(&s.errors).unwrap_or_default(),
            })
            .collect(),
    }))
}

/// The customer reads the message (a `read` status webhook follows, never before `delivered`).
#[utoipa::path(post, path = "/messages/{wamid}/read", tag = "messages",
    params(("wamid" = String, Path, description = "The message id")),
    responses((status = 200, description = "The status set", body = StatusSet)))]
pub async fn read(
    State(state): State<AppState>,
    Path(wamid): Path<Wamid>,
) -> Result<Json<StatusSet>, OpError> {
    match state.sandbox.mark_read(&wamid).await? {
        Some(event) => Ok(Json(StatusSet::of(&event, false))),
        None => Err(OpError::not_found(format!("No message {wamid}."))),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FailRequest {
    /// 131026 (undeliverable, default), 131047 (re-engagement) or 131000 (unknown).
    code: Option<u32>,
    details: Option<String>,
}

/// The message fails now; a `failed` status webhook with Meta's error object follows.
#[utoipa::path(post, path = "/messages/{wamid}/fail", tag = "messages", request_body = FailRequest,
    params(("wamid" = String, Path, description = "The message id")),
    responses((status = 200, description = "The status set", body = StatusSet)))]
pub async fn fail(
    State(state): State<AppState>,
    Path(wamid): Path<Wamid>,
    body: axum::body::Bytes,
) -> Result<Json<StatusSet>, OpError> {
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
        Some(event) => Ok(Json(StatusSet::of(&event, true))),
        None => Err(OpError::not_found(format!("No message {wamid}."))),
    }
}
