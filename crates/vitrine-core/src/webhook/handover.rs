//! Webhooks a send hands to this node's dispatcher in memory.
//!
//! A status webhook that is due the moment its message is accepted (`sent`, and `delivered`
//! when the settings schedule it at once) would otherwise be written, then claimed back from the
//! outbox (a write that leases it, and a read of its packed bytes), then sent. Instead the send
//! leases it for this node's dispatcher in the insert itself (`leased_until` set on the new
//! row) and, once the insert is durable, gives the dispatcher the webhook with its row's id. It
//! stays at-least-once: the row is in the outbox, leased, from the start; if this process dies
//! before the attempt is recorded, the lease runs out and any dispatcher claims it as usual.
//!
//! Only as many webhooks are handed over as the dispatcher has free slots for (the slots that
//! bound claimed webhooks not yet recorded); the others are written unleased and claimed. Nothing
//! is handed over while no dispatcher runs here (the test harness drives delivery itself).

use super::{Claimed, NewWebhook};
use crate::clock::SandboxClock;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

/// A webhook handed to the dispatcher, its row leased, with the slot it holds until its attempt
/// is recorded.
#[derive(Debug)]
pub struct Handed {
    pub claimed: Claimed,
    pub slot: OwnedSemaphorePermit,
    /// Its attempt must start by then, so that it ends before the lease does.
    pub start_by: Instant,
}

/// The running dispatcher's side: where handed webhooks go, and its slots.
struct Attached {
    to: mpsc::UnboundedSender<Vec<Handed>>,
    slots: Arc<Semaphore>,
    lease_ms: i64,
    start_within: Duration,
}

/// This node's handover: attached while a dispatcher runs here.
#[derive(Default)]
pub struct Handover {
    attached: Mutex<Option<Attached>>,
}

impl Handover {
    /// Called by a dispatcher that starts: webhooks are handed over from now on, each holding one
    /// of `slots`, leased for `lease_ms` from when it is leased, and to be started within
    /// `start_within` of that. Replaces an earlier dispatcher's attachment.
    pub fn attach(
        &self,
        slots: Arc<Semaphore>,
        lease_ms: i64,
        start_within: Duration,
    ) -> mpsc::UnboundedReceiver<Vec<Handed>> {
        let (to, from) = mpsc::unbounded_channel();
        *self.lock() = Some(Attached {
            to,
            slots,
            lease_ms,
            start_within,
        });
        from
    }

    /// Called by a dispatcher that stops: nothing more is handed over, and its receiver ends
    /// once it has taken what was handed before.
    pub fn detach(&self) {
        *self.lock() = None;
    }

    /// Leases for those of `webhooks` due now (sandbox time), as many as the dispatcher has slots
    /// for. When it has none free, waits up to `wait` for them (so that under a flood sends keep
    /// to the pace at which webhooks are delivered, and the backlog stays flat); after that the
    /// webhooks are left to the outbox.
    ///
    /// Only webhooks due at once (`sent_after_ms` and `delivered_after_ms` of 0): holding those
    /// due later (the default schedule's 100 and 400 ms) kept the slots busy while they waited,
    /// and sends waiting for slots fell to a quarter of their pace. They go through the outbox.
    pub async fn lease(
        &self,
        webhooks: &[NewWebhook],
        clock: &SandboxClock,
        wait: Duration,
    ) -> Leases {
        let mut leases = Leases::default();
        let now = clock.now();
        let due = webhooks.iter().filter(|w| w.due_at <= now).count();
        let Ok(held @ 1..) = u32::try_from(due) else {
            return leases;
        };
        let Some((semaphore, lease_ms, start_within, to)) = self
            .lock()
            .as_ref()
            .map(|a| (a.slots.clone(), a.lease_ms, a.start_within, a.to.clone()))
        else {
            return leases;
        };
        let mut slots = match semaphore.clone().try_acquire_many_owned(held) {
            Ok(s) => s,
            Err(_) if !wait.is_zero() => {
                match tokio::time::timeout(wait, semaphore.acquire_many_owned(held)).await {
                    Ok(Ok(s)) => s,
                    _ => return leases,
                }
            }
            Err(_) => return leases,
        };
        // The lease counts from when the slots were had, not from the send.
        let until = clock.wall_ms().saturating_add(lease_ms);
        let start_by = Instant::now() + start_within;
        for w in webhooks {
            let lease = (w.due_at <= now)
                .then(|| slots.split(1))
                .flatten()
                .map(|slot| Lease {
                    until,
                    start_by,
                    slot,
                });
            leases.until.push(lease.as_ref().map(|l| l.until));
            leases.leases.push(lease);
        }
        leases.to = Some(to);
        leases
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Attached>> {
        self.attached.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The leases of one send's webhooks, in its outbox's order; empty when none was leased.
#[derive(Debug, Default)]
pub struct Leases {
    until: Vec<Option<i64>>,
    leases: Vec<Option<Lease>>,
    to: Option<mpsc::UnboundedSender<Vec<Handed>>>,
}

#[derive(Debug)]
struct Lease {
    until: i64,
    start_by: Instant,
    slot: OwnedSemaphorePermit,
}

impl Leases {
    /// What each webhook's row is leased until (wall ms), in the outbox's order; empty when
    /// none is.
    pub fn leased_until(&self) -> &[Option<i64>] {
        &self.until
    }

    /// Once the insert is durable: hands the leased webhooks (their bodies moved out of
    /// `webhooks`) to the dispatcher with the ids their rows took (`ids`, in the same order),
    /// together, to be sent in that order.
    /// Returns how many were handed over (each of the others needs a dispatcher to claim it).
    pub fn hand_over(self, webhooks: &mut [NewWebhook], ids: &[i64]) -> usize {
        let Some(to) = self.to else {
            return 0;
        };
        let mut handed = Vec::new();
        for ((w, lease), id) in webhooks.iter_mut().zip(self.leases).zip(ids) {
            let Some(Lease { start_by, slot, .. }) = lease else {
                continue;
            };
            let claimed = Claimed {
                id: *id,
                url: w.url.clone(),
                body: std::mem::take(&mut w.body),
                signature_256: std::mem::take(&mut w.signature_256),
                signature_1: std::mem::take(&mut w.signature_1),
                attempts_before: 0,
                due_at: w.due_at,
            };
            handed.push(Handed {
                claimed,
                slot,
                start_by,
            });
        }
        let n = handed.len();
        if n > 0 {
            // A dispatcher that stopped meanwhile leaves the rows to their leases.
            let _ = to.send(handed);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Millis, TimeSource};
    use crate::webhook::{EventType, MessageStatus};

    struct Wall(i64);
    impl TimeSource for Wall {
        fn wall_ms(&self) -> i64 {
            self.0
        }
    }

    fn webhook(due: i64) -> NewWebhook {
        NewWebhook {
            app_id: "1".into(),
            waba_id: "2".into(),
            url: "http://127.0.0.1:1/".into(),
            event_type: EventType::Status,
            wamid: None,
            status: Some(MessageStatus::Sent),
            body: b"{}".to_vec(),
            signature_256: "sha256=a".into(),
            signature_1: "sha1=b".into(),
            due_at: Millis(due),
        }
    }

    const NO_WAIT: Duration = Duration::ZERO;

    #[tokio::test]
    async fn nothing_is_leased_without_a_dispatcher() {
        let handover = Handover::default();
        let clock = SandboxClock::new(Wall(1_000));
        let mut hooks = vec![webhook(1_000)];
        let leases = handover.lease(&hooks, &clock, NO_WAIT).await;
        assert!(leases.leased_until().is_empty());
        assert_eq!(leases.hand_over(&mut hooks, &[7]), 0);
        assert_eq!(hooks[0].body, b"{}");
    }

    #[tokio::test]
    async fn webhooks_due_soon_are_leased_and_handed_over_with_their_ids() {
        let handover = Handover::default();
        let clock = SandboxClock::new(Wall(1_000));
        let slots = Arc::new(Semaphore::new(8));
        let mut from = handover.attach(slots.clone(), 15_000, Duration::from_secs(5));
        // Due now, and later.
        let mut hooks = vec![webhook(1_000), webhook(1_000), webhook(1_001)];
        let leases = handover.lease(&hooks, &clock, NO_WAIT).await;
        assert_eq!(leases.leased_until(), &[Some(16_000), Some(16_000), None]);
        assert_eq!(slots.available_permits(), 6);
        assert_eq!(leases.hand_over(&mut hooks, &[4, 5, 6]), 2);
        let mut send = from.try_recv().unwrap();
        assert!(
            from.try_recv().is_err(),
            "one send's webhooks come together"
        );
        let second = send.pop().unwrap();
        let first = send.pop().unwrap();
        assert!(send.is_empty());
        assert_eq!(
            (first.claimed.id, first.claimed.body.as_slice()),
            (4, &b"{}"[..])
        );
        assert_eq!(second.claimed.id, 5);
        // The webhook due later keeps its body for the outbox's claim.
        assert_eq!(hooks[2].body, b"{}");
        // A slot is held until its webhook's attempt is recorded (the handed value dropped).
        drop(first);
        assert_eq!(slots.available_permits(), 7);
        drop(second);
        assert_eq!(slots.available_permits(), 8);
    }

    #[tokio::test]
    async fn only_with_free_slots_or_within_the_wait() {
        let handover = Handover::default();
        let clock = SandboxClock::new(Wall(0));
        let slots = Arc::new(Semaphore::new(2));
        let _from = handover.attach(slots.clone(), 15_000, Duration::from_secs(5));
        let hooks = vec![webhook(0), webhook(0)];
        let taken = slots.clone().acquire_many_owned(1).await.unwrap();
        // Both or none: one free slot is not enough, and the send does not wait.
        let leases = handover.lease(&hooks, &clock, NO_WAIT).await;
        assert!(leases.leased_until().is_empty());
        // Waiting, it gets them once the slot is freed.
        let freed = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(taken);
        });
        let leases = handover
            .lease(&hooks, &clock, Duration::from_secs(10))
            .await;
        assert_eq!(leases.leased_until(), &[Some(15_000), Some(15_000)]);
        freed.await.unwrap();
        drop(leases);
        handover.detach();
        assert!(handover
            .lease(&hooks, &clock, NO_WAIT)
            .await
            .leased_until()
            .is_empty());
    }
}
