//! GET /_vitrine/sandbox, GET /_vitrine/health and GET /_vitrine/stats

use super::api::{Health, Record, Stats};
use crate::AppState;
use axum::extract::State;
use axum::Json;

/// The ids, token, secrets and sample retailer ids of the demo sandbox.
#[utoipa::path(get, path = "/sandbox", tag = "sandbox",
    responses((status = 200, description = "What a first message needs", body = Record)))]
pub async fn sandbox(State(state): State<AppState>) -> Json<Record> {
    Json(Record::of(&state.sandbox.facts(&state.public_url)))
}

/// Liveness: answers without the admin token.
#[utoipa::path(get, path = "/health", tag = "sandbox", security(()),
    responses((status = 200, description = "Vitrine is up", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        time: state.sandbox.clock.now().0,
    })
}

/// What became of the sends this node answered since it started (accepted, refused by error
/// code, failed at once by error code), and the nodes alive. Load reports add these up over
/// every node.
#[utoipa::path(get, path = "/stats", tag = "sandbox",
    responses((status = 200, description = "This node's counters", body = Stats)))]
pub async fn stats(State(state): State<AppState>) -> Json<Stats> {
    Json(Stats {
        node: state.sandbox.node_id.clone(),
        live_nodes: state.sandbox.live_nodes(),
        sends: serde_json::to_value(state.sandbox.sends.snapshot()).unwrap_or_default(),
        webhooks: serde_json::to_value(state.sandbox.webhook_counters.snapshot())
            .unwrap_or_default(),
        lag_buckets_ms: vitrine_core::usecase::webhooks::LAG_BUCKETS_MS
            .iter()
            .map(|b| if *b == i64::MAX { None } else { Some(*b) })
            .collect(),
    })
}
