//! When statuses happen and when failed deliveries are retried, in sandbox time.

use crate::clock::Millis;
use serde::{Deserialize, Serialize};

/// Webhook timing and fidelity settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// `sent` this long after the send was accepted.
    pub sent_after_ms: i64,
    /// `delivered` this long after `sent`.
    pub delivered_after_ms: i64,
    /// When set, the customer reads every message this long after `delivered`.
    pub auto_read_after_ms: Option<i64>,
    /// Delays between attempts, in seconds; the last one repeats.
    pub retry_schedule_s: Vec<i64>,
    /// A webhook still failing this long after it was first due is marked dead.
    pub give_up_after_s: i64,
    /// How long one attempt may take.
    pub timeout_ms: u64,
    /// Attempts in flight at once, per node.
    pub concurrency: usize,
    /// How long a send may wait for this node's dispatcher to have room for its webhooks that
    /// are due at once (`sent` and `delivered` with `sent_after_ms` and `delivered_after_ms` of
    /// 0), before it leaves them to the outbox (0: never waits). Under a flood of sends this keeps sends to the pace at which webhooks are
    /// delivered, so that the backlog stays flat.
    pub dispatch_wait_ms: u64,
    /// Fidelity: probability that a webhook is delivered twice.
    pub duplicate_probability: f64,
    /// Fidelity: probability that a message's `delivered` goes out before its `sent`.
    pub reorder_probability: f64,
    /// Fidelity: put a message's `sent` and `delivered` in one POST.
    pub batch_statuses: bool,
    /// Seed of the fidelity knobs' random choices.
    pub fidelity_seed: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            sent_after_ms: 100,
            delivered_after_ms: 300,
            auto_read_after_ms: None,
            retry_schedule_s: vec![10, 30, 120, 600, 3_600, 21_600, 86_400],
            give_up_after_s: 7 * 86_400,
            timeout_ms: 10_000,
            concurrency: 64,
            dispatch_wait_ms: 250,
            duplicate_probability: 0.0,
            reorder_probability: 0.0,
            batch_statuses: false,
            fidelity_seed: 0,
        }
    }
}

impl WebhookSettings {
    /// After `attempts` failed attempts of a webhook first due at `due_at`, when to try next, or
    /// `None` when it is time to give up.
    pub fn next_attempt(&self, attempts: i64, due_at: Millis, now: Millis) -> Option<Millis> {
        let idx = usize::try_from(attempts.saturating_sub(1)).unwrap_or(0);
        let delay_s = self
            .retry_schedule_s
            .get(idx)
            .or(self.retry_schedule_s.last())
            .copied()
            .unwrap_or(60)
            .max(1);
        let next = now.plus_ms(delay_s.saturating_mul(1000));
        (next.0 - due_at.0 <= self.give_up_after_s.saturating_mul(1000)).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_then_dead_after_seven_days() {
        let s = WebhookSettings::default();
        let due = Millis(0);
        let mut now = due;
        let mut attempts = 0;
        let mut delays = vec![];
        while let Some(next) = s.next_attempt(attempts + 1, due, now) {
            delays.push((next.0 - now.0) / 1000);
            now = next;
            attempts += 1;
        }
        assert_eq!(&delays[..7], &[10, 30, 120, 600, 3_600, 21_600, 86_400]);
        assert!(now.0 <= 7 * 86_400_000);
        assert!(
            now.0 > 6 * 86_400_000,
            "retries go on for about 7 days: {now:?}"
        );
    }
}
