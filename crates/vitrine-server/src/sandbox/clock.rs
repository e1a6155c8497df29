//! The sandbox clock: GET /_vitrine/clock, POST /_vitrine/clock/advance, /set, /freeze,
//! /unfreeze. Shared by every node on the same database.

use super::api::Clock;
use super::{json_body, OpError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use vitrine_core::clock::Millis;

fn render(state: &AppState) -> Json<Clock> {
    let now = state.sandbox.clock.now();
    let s = state.sandbox.clock.state();
    Json(Clock {
        now_ms: now.0,
        unix: now.unix_seconds(),
        offset_ms: s.offset_ms,
        frozen: s.frozen_at.is_some(),
    })
}

/// The sandbox time.
#[utoipa::path(get, path = "/clock", tag = "clock",
    responses((status = 200, description = "The sandbox clock", body = Clock)))]
pub async fn get(State(state): State<AppState>) -> Json<Clock> {
    render(&state)
}

/// Exactly one of `seconds` or `ms`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    seconds: Option<f64>,
    ms: Option<i64>,
}

/// Moves the sandbox clock forward (or back, with a negative amount); timers due by then fire.
#[utoipa::path(post, path = "/clock/advance", tag = "clock", request_body = Advance,
    responses((status = 200, description = "The sandbox clock", body = Clock)))]
pub async fn advance(State(state): State<AppState>, body: Bytes) -> Result<Json<Clock>, OpError> {
    let req: Advance = json_body(&body)?;
    let ms = match (req.seconds, req.ms) {
        (Some(s), None) if s.is_finite() => (s * 1000.0) as i64,
        (None, Some(ms)) => ms,
        _ => return Err(OpError::bad_request("give exactly one of seconds or ms")),
    };
    state.sandbox.advance_clock(ms).await?;
    Ok(render(&state))
}

/// Exactly one of `unix` (seconds) or `ms`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTo {
    unix: Option<i64>,
    ms: Option<i64>,
}

/// Sets the sandbox clock to a time.
#[utoipa::path(post, path = "/clock/set", tag = "clock", request_body = SetTo,
    responses((status = 200, description = "The sandbox clock", body = Clock)))]
pub async fn set(State(state): State<AppState>, body: Bytes) -> Result<Json<Clock>, OpError> {
    let req: SetTo = json_body(&body)?;
    let at = match (req.unix, req.ms) {
        (Some(s), None) => Millis(s.saturating_mul(1000)),
        (None, Some(ms)) => Millis(ms),
        _ => return Err(OpError::bad_request("give exactly one of unix or ms")),
    };
    state.sandbox.set_clock_to(at).await?;
    Ok(render(&state))
}

/// Stops the sandbox clock.
#[utoipa::path(post, path = "/clock/freeze", tag = "clock",
    responses((status = 200, description = "The sandbox clock", body = Clock)))]
pub async fn freeze(State(state): State<AppState>) -> Result<Json<Clock>, OpError> {
    state.sandbox.freeze_clock().await?;
    Ok(render(&state))
}

/// Lets the sandbox clock run again from where it stood.
#[utoipa::path(post, path = "/clock/unfreeze", tag = "clock",
    responses((status = 200, description = "The sandbox clock", body = Clock)))]
pub async fn unfreeze(State(state): State<AppState>) -> Result<Json<Clock>, OpError> {
    state.sandbox.unfreeze_clock().await?;
    Ok(render(&state))
}
