//! What a node tells whoever keeps its metrics (the server's `GET /_vitrine/metrics`) as it
//! works. Core keeps no metrics of its own here and knows no metrics library: it calls these
//! hooks, each of which does nothing unless a server attached its [`Telemetry`] to the sandbox
//! ([`crate::Sandbox::attach_telemetry`]), which also hands it to the store's group-commit writer.
//!
//! The hooks are called on hot paths (every send, every batch the writer commits): an
//! implementation only bumps counters.

use std::time::Duration;

/// A limit that refused a send, or failed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitHit {
    /// The number's messages-per-second budget (130429, synchronous).
    Throughput,
    /// The business–customer pair rate limit (131056; synchronous or a `failed` status, by
    /// setting).
    Pair,
}

impl LimitHit {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitHit::Throughput => "throughput",
            LimitHit::Pair => "pair",
        }
    }

    /// Meta's error code for it.
    pub fn code(self) -> u32 {
        match self {
            LimitHit::Throughput => 130429,
            LimitHit::Pair => 131056,
        }
    }
}

/// What became of one webhook attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptOutcome {
    /// The endpoint answered 200.
    Delivered,
    /// It did not; the webhook will be tried again.
    Failed,
    /// It did not, and that was the last attempt the schedule allows.
    GaveUp,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::GaveUp => "gave_up",
        }
    }
}

impl From<crate::webhook::AfterAttempt> for AttemptOutcome {
    fn from(after: crate::webhook::AfterAttempt) -> Self {
        match after {
            crate::webhook::AfterAttempt::Delivered => AttemptOutcome::Delivered,
            crate::webhook::AfterAttempt::RetryAt(_) => AttemptOutcome::Failed,
            crate::webhook::AfterAttempt::Dead => AttemptOutcome::GaveUp,
        }
    }
}

/// Hooks for a node's metrics; every method does nothing by default.
pub trait Telemetry: Send + Sync + 'static {
    /// The group-commit writer committed a batch of `writes` (one transaction, or one each after
    /// a failure), in `elapsed` from its `BEGIN` to its last `COMMIT`.
    fn write_batch(&self, writes: usize, elapsed: Duration) {
        let _ = (writes, elapsed);
    }

    /// A message of type `kind` (`text`, `product_list`, `template`… as in
    /// [`crate::message::Outgoing::kind`]) was accepted.
    fn message_accepted(&self, kind: &'static str) {
        let _ = kind;
    }

    /// A limit refused a send (or, for the pair limit by setting, failed it).
    fn limit_hit(&self, limit: LimitHit) {
        let _ = limit;
    }

    /// A webhook attempt ended, `elapsed` after its request started.
    fn webhook_attempt(&self, outcome: AttemptOutcome, elapsed: Duration) {
        let _ = (outcome, elapsed);
    }

    /// A send handed `n` webhooks to this node's dispatcher in memory
    /// ([`crate::webhook::handover`]) instead of leaving them to be claimed.
    fn webhooks_handed_over(&self, n: usize) {
        let _ = n;
    }
}
