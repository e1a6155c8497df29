//! What the web UI reads: GET /_vitrine/conversations, GET
//! /_vitrine/conversations/{phone_number_id}/{wa_id}, GET /_vitrine/customers and the live event
//! stream GET /_vitrine/events.

use super::OpError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::Stream;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::time::Duration;
use vitrine_core::usecase::inspector::Activity;

/// How often the event stream looks for changes.
const POLL: Duration = Duration::from_millis(400);

/// GET /_vitrine/conversations: every thread, most recent first.
pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, OpError> {
    let data = state.sandbox.conversations().await?;
    Ok(Json(json!({ "data": data })))
}

/// GET /_vitrine/conversations/{phone_number_id}/{wa_id}: one thread, oldest first.
pub async fn get(
    State(state): State<AppState>,
    Path((phone, wa_id)): Path<(String, String)>,
) -> Result<Json<Value>, OpError> {
    let known = state.sandbox.read(|dir| dir.phone_number(&phone).is_some());
    if !known {
        return Err(OpError::not_found(format!(
            "No business phone number {phone}."
        )));
    }
    Ok(Json(state.sandbox.conversation(&phone, &wa_id).await?))
}

/// GET /_vitrine/customers: every simulated customer with their devices.
pub async fn customers(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "data": state.sandbox.list_customers() }))
}

/// GET /_vitrine/events: Server-Sent Events. `ready` first, then `change` with
/// `{"kinds": ["directory" | "messages" | "webhooks", ...]}` whenever what the UI shows changed,
/// on this node or another one sharing the database.
pub async fn events(
    State(state): State<AppState>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, OpError> {
    let first = state.sandbox.activity().await?;
    let ready = Event::default()
        .event("ready")
        .data(json!({ "activity": first }).to_string());
    let sandbox = state.sandbox.clone();
    let changes = futures_util::stream::unfold(first, move |mut last: Activity| {
        let sandbox = sandbox.clone();
        async move {
            loop {
                tokio::time::sleep(POLL).await;
                let now = match sandbox.activity().await {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::debug!(error = ?e, "reading activity for the event stream failed");
                        continue;
                    }
                };
                let kinds = now.changed_since(&last);
                if kinds.is_empty() {
                    continue;
                }
                last = now;
                let event = Event::default()
                    .event("change")
                    .data(json!({ "kinds": kinds }).to_string());
                return Some((Ok(event), last));
            }
        }
    });
    let stream = futures_util::stream::StreamExt::chain(
        futures_util::stream::once(async move { Ok(ready) }),
        changes,
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
