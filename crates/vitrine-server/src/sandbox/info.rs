//! GET /_vitrine/sandbox and GET /_vitrine/health

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
