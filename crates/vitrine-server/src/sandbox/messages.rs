//! GET /_vitrine/messages and GET /_vitrine/messages/{wamid}: what businesses sent.

use super::OpError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vitrine_core::message::MessageQuery;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    phone_number_id: Option<String>,
    /// The customer's wa_id.
    customer: Option<String>,
    limit: Option<String>,
    /// Cursor from `paging.before` of the previous page.
    before: Option<String>,
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
    let page = state
        .sandbox
        .list_messages(&MessageQuery {
            phone_number_id: q.phone_number_id,
            wa_id: q.customer,
            before_cursor,
            limit,
        })
        .await?;
    let next = page
        .items
        .last()
        .map(|(cursor, _)| cursor.to_string())
        .filter(|_| page.has_more);
    let data: Vec<_> = page.items.into_iter().map(|(_, record)| record).collect();
    Ok(Json(json!({ "data": data, "paging": { "before": next } })))
}

/// GET /_vitrine/messages/{wamid}
pub async fn get(
    State(state): State<AppState>,
    Path(wamid): Path<String>,
) -> Result<Json<Value>, OpError> {
    match state.sandbox.get_message(&wamid).await? {
        Some(record) => Ok(Json(json!(record))),
        None => Err(OpError::not_found(format!("No message {wamid}."))),
    }
}
