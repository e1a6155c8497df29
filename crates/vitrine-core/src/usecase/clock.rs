//! The shared sandbox clock (operator API): every change is logged, so every node follows.

use crate::clock::{ClockState, Millis};
use crate::error::ApiError;
use crate::sandbox::Sandbox;

impl Sandbox {
    /// Moves sandbox time by `ms` (negative moves it back).
    pub async fn advance_clock(&self, ms: i64) -> Result<Millis, ApiError> {
        let mut state = self.clock.state();
        match state.frozen_at.as_mut() {
            Some(at) => *at = at.saturating_add(ms),
            None => state.offset_ms = state.offset_ms.saturating_add(ms),
        }
        self.set_clock(state).await?;
        Ok(self.clock.now())
    }

    /// Sets sandbox time to `at`; it keeps running unless frozen.
    pub async fn set_clock_to(&self, at: Millis) -> Result<Millis, ApiError> {
        let mut state = self.clock.state();
        match state.frozen_at.as_mut() {
            Some(f) => *f = at.0,
            None => state.offset_ms = at.0.saturating_sub(self.clock.wall_ms()),
        }
        self.set_clock(state).await?;
        Ok(self.clock.now())
    }

    /// Stops sandbox time where it is.
    pub async fn freeze_clock(&self) -> Result<Millis, ApiError> {
        let now = self.clock.now();
        let state = ClockState {
            frozen_at: Some(now.0),
            ..self.clock.state()
        };
        self.set_clock(state).await?;
        Ok(now)
    }

    /// Lets sandbox time run again from where it stood.
    pub async fn unfreeze_clock(&self) -> Result<Millis, ApiError> {
        let now = self.clock.now();
        let state = ClockState {
            frozen_at: None,
            offset_ms: now.0.saturating_sub(self.clock.wall_ms()),
        };
        self.set_clock(state).await?;
        Ok(self.clock.now())
    }
}
