//! The sandbox clock: the only place that reads the wall clock.
//!
//! Sandbox time is wall time plus an offset the operator can move, or a frozen instant. The
//! 24-hour window, status delays, webhook retries, template review and batch jobs all read this
//! clock, so tests advance it instead of sleeping.

use std::sync::Mutex;

/// Milliseconds since the Unix epoch, in sandbox time.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Millis(pub i64);

impl Millis {
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    pub fn plus_ms(self, ms: i64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }
}

/// Where real time comes from; tests may substitute a manual source.
pub trait TimeSource: Send + Sync + 'static {
    fn wall_ms(&self) -> i64;
}

/// The operating system's clock.
pub struct SystemTime;

impl TimeSource for SystemTime {
    #[allow(clippy::disallowed_methods)]
    fn wall_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClockState {
    /// Added to wall time.
    pub offset_ms: i64,
    /// When set, sandbox time stands still at this instant.
    pub frozen_at: Option<i64>,
}

pub struct SandboxClock {
    source: Box<dyn TimeSource>,
    state: Mutex<ClockState>,
}

impl SandboxClock {
    pub fn new(source: impl TimeSource) -> Self {
        SandboxClock {
            source: Box::new(source),
            state: Mutex::new(ClockState {
                offset_ms: 0,
                frozen_at: None,
            }),
        }
    }

    pub fn system() -> Self {
        SandboxClock::new(SystemTime)
    }

    fn with_state<R>(&self, f: impl FnOnce(&mut ClockState) -> R) -> R {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    pub fn now(&self) -> Millis {
        let wall = self.source.wall_ms();
        self.with_state(|s| Millis(s.frozen_at.unwrap_or(wall.saturating_add(s.offset_ms))))
    }

    /// Moves sandbox time forward (or backward with a negative amount).
    pub fn advance_ms(&self, ms: i64) -> Millis {
        let wall = self.source.wall_ms();
        self.with_state(|s| match s.frozen_at.as_mut() {
            Some(at) => {
                *at = at.saturating_add(ms);
                Millis(*at)
            }
            None => {
                s.offset_ms = s.offset_ms.saturating_add(ms);
                Millis(wall.saturating_add(s.offset_ms))
            }
        })
    }

    pub fn freeze(&self) -> Millis {
        let now = self.now();
        self.with_state(|s| s.frozen_at = Some(now.0));
        now
    }

    pub fn unfreeze(&self) -> Millis {
        let wall = self.source.wall_ms();
        self.with_state(|s| {
            if let Some(at) = s.frozen_at.take() {
                s.offset_ms = at.saturating_sub(wall);
            }
            Millis(wall.saturating_add(s.offset_ms))
        })
    }

    /// Real time, for operational timeouts such as delivery leases (never for sandbox rules).
    pub fn wall_ms(&self) -> i64 {
        self.source.wall_ms()
    }

    pub fn state(&self) -> ClockState {
        self.with_state(|s| *s)
    }

    pub fn restore(&self, state: ClockState) {
        self.with_state(|s| *s = state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    struct Manual(Arc<AtomicI64>);
    impl TimeSource for Manual {
        fn wall_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn advance_freeze_unfreeze() {
        let wall = Arc::new(AtomicI64::new(1_000));
        let clock = SandboxClock::new(Manual(wall.clone()));
        assert_eq!(clock.now(), Millis(1_000));
        clock.advance_ms(500);
        assert_eq!(clock.now(), Millis(1_500));
        clock.freeze();
        wall.store(2_000, Ordering::SeqCst);
        assert_eq!(clock.now(), Millis(1_500));
        clock.advance_ms(100);
        assert_eq!(clock.now(), Millis(1_600));
        clock.unfreeze();
        assert_eq!(clock.now(), Millis(1_600));
        wall.store(2_100, Ordering::SeqCst);
        assert_eq!(clock.now(), Millis(1_700));
    }
}
