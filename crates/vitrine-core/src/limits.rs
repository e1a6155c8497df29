//! Meta's throughput limits (spec §8.1, §8.2), as token buckets on the sandbox clock.
//!
//! Several nodes share a database but not these buckets: each node enforces its share of a limit
//! (the limit divided by the nodes alive), so a load spread over the nodes, as a load balancer
//! spreads it, meets the limit as a whole. The tolerance: while nodes join or leave (up to three
//! seconds), and when one sender's load lands on one node only (sticky routing), the effective
//! limit can be lower than Meta's, never higher by more than one node's burst.

use crate::clock::Millis;
use crate::id::{PhoneNumberId, WaId};
use crate::model::{Throughput, ThroughputLevel};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// Where a pair-rate-limit violation is reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairLimitChannel {
    /// A synchronous 131056 error (every capture so far, spec §13 answer 16).
    #[default]
    Sync,
    /// Accepted with 200, then a `failed` status webhook carrying 131056.
    Webhook,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Messages per second of a `STANDARD` number.
    pub standard_mps: u32,
    /// Messages per second of a `HIGH` number.
    pub high_mps: u32,
    /// Enforce the pair rate limit.
    pub pair_limit: bool,
    /// Messages to one customer that may go out at once.
    pub pair_burst: u32,
    /// After the burst, one message to the same customer per this many milliseconds.
    pub pair_interval_ms: i64,
    pub pair_limit_channel: PairLimitChannel,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            standard_mps: 80,
            high_mps: 1_000,
            pair_limit: true,
            pair_burst: 45,
            pair_interval_ms: 6_000,
            pair_limit_channel: PairLimitChannel::Sync,
        }
    }
}

impl LimitSettings {
    /// The messages-per-second limit of a number; `None` when unlimited.
    pub fn mps(&self, t: &Throughput) -> Option<u32> {
        if t.unlimited {
            return None;
        }
        Some(t.custom_mps.unwrap_or(match t.level {
            ThroughputLevel::Standard => self.standard_mps,
            ThroughputLevel::High => self.high_mps,
        }))
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: i64,
}

impl Bucket {
    /// Refills at `per_ms` tokens per millisecond up to `capacity`, then takes one if it can.
    fn take(&mut self, now: Millis, capacity: f64, per_ms: f64) -> bool {
        let elapsed = (now.0 - self.at).max(0) as f64;
        self.tokens = (self.tokens + elapsed * per_ms).min(capacity);
        self.at = now.0.max(self.at);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn full(now: Millis, capacity: f64) -> Bucket {
        Bucket {
            tokens: capacity,
            at: now.0,
        }
    }
}

const PAIRS_PRUNE_AT: usize = 200_000;

#[derive(Default)]
pub struct Limiter {
    numbers: Mutex<HashMap<PhoneNumberId, Bucket>>,
    pairs: Mutex<HashMap<(PhoneNumberId, WaId), Bucket>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Limiter {
    /// Takes one message from a number's per-second budget; `false` when it is spent.
    pub fn take_number(
        &self,
        phone_number_id: &PhoneNumberId,
        mps: Option<u32>,
        nodes: usize,
        now: Millis,
    ) -> bool {
        let Some(mps) = mps else { return true };
        let share = f64::from(mps) / nodes.max(1) as f64;
        let capacity = share.max(1.0);
        let mut buckets = lock(&self.numbers);
        buckets
            .entry(phone_number_id.clone())
            .or_insert_with(|| Bucket::full(now, capacity))
            .take(now, capacity, share / 1000.0)
    }

    /// Takes one message from a (number, customer) pair's budget; `false` when it is spent.
    pub fn take_pair(
        &self,
        phone_number_id: &PhoneNumberId,
        wa_id: &WaId,
        s: &LimitSettings,
        nodes: usize,
        now: Millis,
    ) -> bool {
        if !s.pair_limit {
            return true;
        }
        let nodes = nodes.max(1) as f64;
        let capacity = (f64::from(s.pair_burst) / nodes).max(1.0);
        let per_ms = 1.0 / (s.pair_interval_ms.max(1) as f64 * nodes);
        let mut pairs = lock(&self.pairs);
        if pairs.len() >= PAIRS_PRUNE_AT {
            // Forget pairs whose budget is whole again: they behave as new.
            pairs.retain(|_, b| {
                let mut probe = *b;
                probe.tokens =
                    (probe.tokens + (now.0 - probe.at).max(0) as f64 * per_ms).min(capacity);
                probe.tokens < capacity
            });
        }
        pairs
            .entry((phone_number_id.clone(), wa_id.clone()))
            .or_insert_with(|| Bucket::full(now, capacity))
            .take(now, capacity, per_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn per_second_budget_refills() {
        let l = Limiter::default();
        let t = Millis(1_000_000);
        assert!((0..80).all(|_| l.take_number(&"p".into(), Some(80), 1, t)));
        assert!(!l.take_number(&"p".into(), Some(80), 1, t));
        assert!(
            l.take_number(&"p".into(), Some(80), 1, t.plus_ms(13)),
            "one token per 12.5 ms"
        );
        assert!(
            (0..1000).all(|_| l.take_number(&"u".into(), None, 1, t)),
            "unlimited"
        );
    }

    #[test]
    fn two_nodes_share_the_budget() {
        let l = Limiter::default();
        let t = Millis(0);
        assert_eq!(
            (0..100)
                .filter(|_| l.take_number(&"p".into(), Some(80), 2, t))
                .count(),
            40
        );
    }

    #[test]
    fn pair_burst_then_one_per_interval() {
        let l = Limiter::default();
        let s = LimitSettings::default();
        let t = Millis(0);
        assert_eq!(
            (0..60)
                .filter(|_| l.take_pair(&"p".into(), &"c".into(), &s, 1, t))
                .count(),
            45
        );
        assert!(!l.take_pair(&"p".into(), &"c".into(), &s, 1, t.plus_ms(5_999)));
        assert!(l.take_pair(&"p".into(), &"c".into(), &s, 1, t.plus_ms(6_000)));
        assert!(
            l.take_pair(&"p".into(), &"other".into(), &s, 1, t),
            "pairs are independent"
        );
    }

    proptest! {
        /// Over any schedule of attempts, a bucket never lets more through than its burst plus
        /// what it refilled.
        #[test]
        fn never_more_than_burst_plus_refill(gaps in prop::collection::vec(0i64..200, 1..400)) {
            let l = Limiter::default();
            let mut now = Millis(0);
            let mut passed = 0u32;
            for g in gaps {
                now = now.plus_ms(g);
                if l.take_number(&"p".into(), Some(80), 1, now) {
                    passed += 1;
                }
            }
            let allowed = 80.0 + now.0 as f64 * 80.0 / 1000.0;
            prop_assert!(f64::from(passed) <= allowed + 1e-9);
        }
    }
}
