//! The sandbox clock: GET /_vitrine/clock, POST /_vitrine/clock/advance, /set, /freeze,
//! /unfreeze. Shared by every node on the same database.

use super::{json_body, OpError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vitrine_core::clock::Millis;

fn render(state: &AppState) -> Json<Value> {
    let now = state.sandbox.clock.now();
    let s = state.sandbox.clock.state();
    Json(json!({
        "now_ms": now.0,
        "unix": now.unix_seconds(),
        "offset_ms": s.offset_ms,
        "frozen": s.frozen_at.is_some(),
    }))
}

/// GET /_vitrine/clock
pub async fn get(State(state): State<AppState>) -> Json<Value> {
    render(&state)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: Option<f64>,
    ms: Option<i64>,
}

/// POST /_vitrine/clock/advance {"seconds": N} or {"ms": N}
pub async fn advance(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, OpError> {
    let req: Advance = json_body(&body)?;
    let ms = match (req.seconds, req.ms) {
        (Some(s), None) if s.is_finite() => (s * 1000.0) as i64,
        (None, Some(ms)) => ms,
        _ => return Err(OpError::bad_request("give exactly one of seconds or ms")),
    };
    state.sandbox.advance_clock(ms).await?;
    Ok(render(&state))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetTo {
    unix: Option<i64>,
    ms: Option<i64>,
}

/// POST /_vitrine/clock/set {"unix": seconds} or {"ms": milliseconds}
pub async fn set(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, OpError> {
    let req: SetTo = json_body(&body)?;
    let at = match (req.unix, req.ms) {
        (Some(s), None) => Millis(s.saturating_mul(1000)),
        (None, Some(ms)) => Millis(ms),
        _ => return Err(OpError::bad_request("give exactly one of unix or ms")),
    };
    state.sandbox.set_clock_to(at).await?;
    Ok(render(&state))
}

/// POST /_vitrine/clock/freeze
pub async fn freeze(State(state): State<AppState>) -> Result<Json<Value>, OpError> {
    state.sandbox.freeze_clock().await?;
    Ok(render(&state))
}

/// POST /_vitrine/clock/unfreeze
pub async fn unfreeze(State(state): State<AppState>) -> Result<Json<Value>, OpError> {
    state.sandbox.unfreeze_clock().await?;
    Ok(render(&state))
}
