//! The shared sandbox clock (operator API): every change is logged, so every node follows. Each
//! move is computed from the clock as it stands and committed only if no other move came first,
//! so two advances of an hour, at once or on two nodes, move it two hours.

use crate::clock::{ClockState, Millis};
use crate::directory::DirectoryChange;
use crate::error::ApiError;
use crate::sandbox::{Plan, Sandbox};

/// The latest sandbox time: the last millisecond of the year 9999. Sandbox time stays between
/// the Unix epoch and this, so that every deadline computed from it (windows, expiries, retries)
/// is a real date.
pub const LATEST_MS: i64 = 253_402_300_799_999;

impl Sandbox {
    /// Moves the clock to the state `next` computes from the current one; a move outside the
    /// epoch..=year 9999 is refused and leaves the clock where it was.
    async fn move_clock(
        &self,
        next: impl Fn(&Sandbox, ClockState) -> ClockState,
    ) -> Result<Millis, ApiError> {
        self.update(|_| {
            let state = next(self, self.clock.state());
            let now = state
                .frozen_at
                .unwrap_or(self.clock.wall_ms().saturating_add(state.offset_ms));
            if !(0..=LATEST_MS).contains(&now) {
                return Err(ApiError::invalid_param(
                    "Sandbox time stays between 1970-01-01 and 9999-12-31.",
                ));
            }
            Ok::<_, ApiError>((Plan::change(DirectoryChange::Clock(state)), ()))
        })
        .await?;
        Ok(self.clock.now())
    }

    /// Moves sandbox time by `ms` (negative moves it back).
    pub async fn advance_clock(&self, ms: i64) -> Result<Millis, ApiError> {
        self.move_clock(|_, mut state| {
            match state.frozen_at.as_mut() {
                Some(at) => *at = at.saturating_add(ms),
                None => state.offset_ms = state.offset_ms.saturating_add(ms),
            }
            state
        })
        .await
    }

    /// Sets sandbox time to `at`; it keeps running unless frozen.
    pub async fn set_clock_to(&self, at: Millis) -> Result<Millis, ApiError> {
        self.move_clock(|sandbox, mut state| {
            match state.frozen_at.as_mut() {
                Some(f) => *f = at.0,
                None => state.offset_ms = at.0.saturating_sub(sandbox.clock.wall_ms()),
            }
            state
        })
        .await
    }

    /// Stops sandbox time where it is.
    pub async fn freeze_clock(&self) -> Result<Millis, ApiError> {
        self.move_clock(|sandbox, state| ClockState {
            frozen_at: Some(state.frozen_at.unwrap_or(sandbox.clock.now().0)),
            ..state
        })
        .await
    }

    /// Lets sandbox time run again from where it stood.
    pub async fn unfreeze_clock(&self) -> Result<Millis, ApiError> {
        self.move_clock(|sandbox, state| {
            let now = state.frozen_at.unwrap_or(sandbox.clock.now().0);
            ClockState {
                frozen_at: None,
                offset_ms: now.saturating_sub(sandbox.clock.wall_ms()),
            }
        })
        .await
    }
}
