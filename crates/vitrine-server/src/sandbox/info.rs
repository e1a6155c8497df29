//! GET /_vitrine/sandbox, GET /_vitrine/health and GET /_vitrine/stats

use crate::AppState;
use axum::extract::State;
use axum::Json;
use vitrine_core::usecase::sandbox_info::SandboxFacts;

/// GET /_vitrine/sandbox: ids, token, secrets and sample retailer ids of the demo sandbox.
pub async fn sandbox(State(state): State<AppState>) -> Json<SandboxFacts> {
    Json(state.sandbox.facts(&state.public_url))
}

/// GET /_vitrine/health
pub async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "time": state.sandbox.clock.now().0,
    }))
}

/// GET /_vitrine/stats: what became of the sends this node answered since it started (accepted,
/// refused by error code, failed at once by error code), and the nodes alive. Load reports add
/// these up over every node.
pub async fn stats(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "node": state.sandbox.node_id,
        "live_nodes": state.sandbox.live_nodes(),
        "sends": state.sandbox.sends.snapshot(),
        "webhooks": state.sandbox.webhook_counters.snapshot(),
        "lag_buckets_ms": vitrine_core::usecase::webhooks::LAG_BUCKETS_MS
            .iter()
            .map(|b| if *b == i64::MAX { None } else { Some(*b) })
            .collect::<Vec<_>>(),
    }))
}
