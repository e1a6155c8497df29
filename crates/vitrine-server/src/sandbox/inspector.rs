//! What the web UI reads: GET /_vitrine/conversations, GET
//! /_vitrine/conversations/{phone_number_id}/{wa_id}, GET /_vitrine/customers and the live event
//! stream GET /_vitrine/events.

use super::api::{Customer, CustomerList, Record, Records};
use super::OpError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::Stream;
use serde_json::json;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use vitrine_core::id::{PhoneNumberId, WaId};
use vitrine_core::usecase::inspector::Activity;
use vitrine_core::Sandbox;

/// How often the event stream looks for changes.
const POLL: Duration = Duration::from_millis(400);

/// Every thread between a business number and a customer, most recent first.
#[utoipa::path(get, path = "/conversations", tag = "conversations",
    responses((status = 200, description = "The threads", body = Records)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Records>, OpError> {
    let data = state.sandbox.conversations().await?;
    Ok(Json(Records {
        data: data.into_iter().map(Record).collect(),
    }))
}

/// One thread, oldest first.
#[utoipa::path(get, path = "/conversations/{phone_number_id}/{wa_id}", tag = "conversations",
    params(("phone_number_id" = String, Path, description = "The business number"),
        ("wa_id" = String, Path, description = "The customer")),
    responses((status = 200, description = "The thread", body = Record)))]
pub async fn get(
    State(state): State<AppState>,
    Path((phone, wa_id)): Path<(PhoneNumberId, WaId)>,
) -> Result<Json<Record>, OpError> {
    let known = state.sandbox.read(|dir| dir.phone_number(&phone).is_some());
    if !known {
        return Err(OpError::not_found(format!(
            "No business phone number {phone}."
        )));
    }
    Ok(Json(Record(
        state.sandbox.conversation(&phone, &wa_id).await?,
    )))
}

/// The thread as a scenario file (YAML) that plays the customer's side again and expects what
/// the bot sent.
#[utoipa::path(get, path = "/conversations/{phone_number_id}/{wa_id}/scenario", tag = "conversations",
    params(("phone_number_id" = String, Path, description = "The business number"),
        ("wa_id" = String, Path, description = "The customer")),
    responses((status = 200, description = "A scenario file (docs/scenario.schema.json)",
        content_type = "application/yaml", body = Record)))]
pub async fn scenario(
    State(state): State<AppState>,
    Path((phone, wa_id)): Path<(PhoneNumberId, WaId)>,
) -> Result<axum::response::Response, OpError> {
    use axum::response::IntoResponse;
    let known = state.sandbox.read(|dir| dir.phone_number(&phone).is_some());
    if !known {
        return Err(OpError::not_found(format!(
            "No business phone number {phone}."
        )));
    }
    let thread = state.sandbox.conversation(&phone, &wa_id).await?;
    let customer = state.sandbox.customer(&wa_id).map(|c| json!(c));
    let file = vitrine_scenario::record::record(&thread, customer.as_ref());
    let yaml = vitrine_scenario::to_yaml(&file).map_err(|e| {
        OpError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("writing the scenario: {e}"),
        )
    })?;
    let name: String = wa_id
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/yaml; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"conversation-{name}.yaml\""),
            ),
        ],
        format!(
            "# Recorded by Vitrine. Run it with: vitrine scenario run conversation-{name}.yaml\n{yaml}"
        ),
    )
        .into_response())
}

/// Every simulated customer with their devices.
#[utoipa::path(get, path = "/customers", tag = "customers",
    responses((status = 200, description = "The customers", body = CustomerList)))]
pub async fn customers(State(state): State<AppState>) -> Json<CustomerList> {
    Json(CustomerList {
        data: state
            .sandbox
            .list_customers()
            .iter()
            .map(Customer::from)
            .collect(),
    })
}

/// What every event stream of this process shares: one poller of the sandbox's activity, however
/// many pages are open (it stops when the last one closes), and the signal that ends the streams
/// when the server shuts down (an open page must not hold up a graceful shutdown).
pub struct EventHub {
    feed: Mutex<Option<watch::Sender<Activity>>>,
    closing: watch::Sender<bool>,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            feed: Mutex::new(None),
            closing: watch::channel(false).0,
        }
    }
}

impl EventHub {
    /// Ends every stream, now and from now on.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    fn feed(&self) -> std::sync::MutexGuard<'_, Option<watch::Sender<Activity>>> {
        match self.feed.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    async fn subscribe(
        self: &Arc<Self>,
        sandbox: &Arc<Sandbox>,
    ) -> Result<watch::Receiver<Activity>, OpError> {
        if let Some(tx) = self.feed().as_ref() {
            return Ok(tx.subscribe());
        }
        let first = sandbox.activity().await?;
        let mut feed = self.feed();
        if let Some(tx) = feed.as_ref() {
            return Ok(tx.subscribe());
        }
        let (tx, rx) = watch::channel(first);
        *feed = Some(tx.clone());
        drop(feed);
        tokio::spawn(poll(self.clone(), sandbox.clone(), tx));
        Ok(rx)
    }
}

async fn poll(hub: Arc<EventHub>, sandbox: Arc<Sandbox>, tx: watch::Sender<Activity>) {
    let mut closing = hub.closing.subscribe();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = closing.wait_for(|c| *c) => break,
        }
        {
            let mut feed = hub.feed();
            if tx.receiver_count() == 0 {
                *feed = None;
                break;
            }
        }
        match sandbox.activity().await {
            Ok(now) => {
                tx.send_if_modified(|last| {
                    let changed = *last != now;
                    *last = now;
                    changed
                });
            }
            Err(e) => tracing::debug!(error = ?e, "reading activity for the event stream failed"),
        }
    }
}

/// GET /_vitrine/events: Server-Sent Events. `ready` first, then `change` with
/// `{"kinds": ["directory" | "messages" | "webhooks", ...]}` whenever what the UI shows changed,
/// on this node or another one sharing the database.
#[utoipa::path(get, path = "/events", tag = "conversations",
    responses((status = 200, description = "An endless stream of `ready` then `change` events",
        content_type = "text/event-stream", body = String)))]
pub async fn events(
    State(state): State<AppState>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, OpError> {
    let mut feed = state.events.subscribe(&state.sandbox).await?;
    let first = *feed.borrow_and_update();
    // The fingerprints as strings: they are 64-bit, more than a JavaScript number holds.
    let ready = Event::default().event("ready").data(
        json!({ "activity": {
            "directory": first.directory.to_string(),
            "messages": first.messages.to_string(),
            "webhooks": first.webhooks.to_string(),
        } })
        .to_string(),
    );
    let closing = state.events.closing.subscribe();
    let changes = futures_util::stream::unfold(
        (feed, closing, first),
        |(mut feed, mut closing, last)| async move {
            if *closing.borrow() {
                return None;
            }
            let changed = tokio::select! {
                changed = feed.changed() => changed.is_ok(),
                _ = closing.wait_for(|c| *c) => false,
            };
            if !changed {
                return None;
            }
            let now = *feed.borrow_and_update();
            let event = Event::default()
                .event("change")
                .data(json!({ "kinds": now.changed_since(&last) }).to_string());
            Some((Ok(event), (feed, closing, now)))
        },
    );
    let stream = futures_util::stream::StreamExt::chain(
        futures_util::stream::once(async move { Ok(ready) }),
        changes,
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
