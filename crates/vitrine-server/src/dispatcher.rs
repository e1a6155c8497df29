//! The webhook dispatcher: claims due webhooks from the outbox, POSTs their stored bytes with their
//! stored signatures, records every attempt, and leaves retries to the schedule.
//!
//! At-least-once: a webhook is leased while it is being sent; if this process dies, the lease
//! runs out and the webhook is sent again (by this node after a restart, or by another).

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use vitrine_core::webhook::handover::Handed;
use vitrine_core::webhook::{AfterAttempt, Attempt, Claimed};
use vitrine_core::Sandbox;

use crate::webhook_client::{Target, WebhookClient};
use hyper::header::{HeaderName, HeaderValue};

/// How much of an answer the delivery log keeps.
const RESPONSE_SNIPPET: usize = 1024;
/// Most of a handshake's answer read (the challenge is a number).
const CHALLENGE_ANSWER: usize = 4096;
/// Longest sleep between looks at the outbox (sandbox time can jump when the clock is moved).
const MAX_IDLE: Duration = Duration::from_millis(200);

/// A running dispatcher; dropping the handle does not stop it, [`Dispatcher::stop`] does.
pub struct Dispatcher {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Dispatcher {
    pub fn spawn(sandbox: Arc<Sandbox>, client: WebhookClient) -> Dispatcher {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(sandbox, client, stopped));
        Dispatcher { stop, task }
    }

    /// Stops claiming new work and waits for attempts in flight.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Claimed webhooks not yet recorded, per permit of [`WebhookSettings::concurrency`]: one claim
/// takes up to this many (less those still unrecorded), so that a claim, which waits for a group
/// commit, brings enough work to keep the permits busy until the next one.
///
/// [`WebhookSettings::concurrency`]: vitrine_core::webhook::WebhookSettings::concurrency
const UNRECORDED_PER_PERMIT: usize = 4;
/// What a lease adds to the delivery timeout: a claimed webhook must start its attempt within
/// this much of being claimed, so that the attempt ends before the lease does.
const LEASE_SLACK: Duration = Duration::from_secs(5);
/// Most attempts recorded in one write.
const RECORD_BATCH: usize = 1024;
/// Most endpoint URLs kept parsed; past it the cache starts again (there is one endpoint per app).
const URLS_KEPT: usize = 1024;

/// An attempt made, waiting to be recorded; `_slot` bounds the claimed webhooks not recorded yet.
struct Done {
    claimed: Claimed,
    attempt: Attempt,
    elapsed: Duration,
    _slot: OwnedSemaphorePermit,
}

/// What every delivery needs: the client, the permits of attempts in flight, and where finished
/// attempts go to be recorded.
#[derive(Clone)]
struct Deliveries {
    sandbox: Arc<Sandbox>,
    client: WebhookClient,
    urls: Arc<Urls>,
    permits: Arc<Semaphore>,
    done: mpsc::UnboundedSender<Done>,
}

impl Deliveries {
    /// Sends a claimed webhook once, in a task of its own, once a permit is free, unless none is
    /// by `start_by`: then it is left to its lease, unsent, and claimed again when the lease
    /// runs out. Passes the attempt on to be recorded.
    fn spawn(&self, claimed: Claimed, slot: OwnedSemaphorePermit, start_by: Instant) {
        let this = self.clone();
        tokio::spawn(async move { this.deliver(claimed, slot, start_by).await });
    }

    async fn deliver(&self, mut claimed: Claimed, slot: OwnedSemaphorePermit, start_by: Instant) {
        // A free permit is taken at once; only a wait needs the deadline's timer.
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                let start_by = tokio::time::Instant::from_std(start_by);
                let Ok(Ok(p)) =
                    tokio::time::timeout_at(start_by, self.permits.clone().acquire_owned()).await
                else {
                    return;
                };
                p
            }
        };
        let url = self.urls.parsed(&claimed.url);
        let (attempt, elapsed) = attempt(&self.sandbox, &self.client, url, &mut claimed).await;
        drop(permit);
        // The recorder outlives every sender of this channel.
        let _ = self.done.send(Done {
            claimed,
            attempt,
            elapsed,
            _slot: slot,
        });
    }
}

/// Endpoint URLs, each parsed once: parsing the URL of every request was a fifth of what the
/// client spent on one.
#[derive(Default)]
struct Urls(std::sync::Mutex<std::collections::HashMap<String, Arc<Target>>>);

impl Urls {
    /// The URL parsed, or why it does not parse.
    fn parsed(&self, url: &str) -> Result<Arc<Target>, String> {
        let mut urls = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(u) = urls.get(url) {
            return Ok(u.clone());
        }
        let u = Arc::new(Target::parse(url)?);
        if urls.len() >= URLS_KEPT {
            urls.clear();
        }
        urls.insert(url.to_owned(), u.clone());
        Ok(u)
    }
}

/// Delivers the webhooks sends hand over in memory, until the handover is detached and what was
/// handed before is taken. A send's webhooks go one after the other, in its outbox's order
/// (`sent` reaches the endpoint before `delivered`); sends go side by side.
async fn handed(deliveries: Deliveries, mut from: mpsc::UnboundedReceiver<Vec<Handed>>) {
    while let Some(send) = from.recv().await {
        let deliveries = deliveries.clone();
        tokio::spawn(async move {
            for h in send {
                deliveries.deliver(h.claimed, h.slot, h.start_by).await;
            }
        });
    }
}

async fn run(sandbox: Arc<Sandbox>, client: WebhookClient, mut stopped: watch::Receiver<bool>) {
    let settings = sandbox.behaviour.webhooks.clone();
    let concurrency = settings.concurrency.max(1);
    // Claimed webhooks until their attempt is recorded. The attempts that ended are recorded
    // together, one write per round ([`record`]), not one write each: while a round is being
    // committed, the next deliveries go on.
    let unrecorded_max = concurrency.saturating_mul(UNRECORDED_PER_PERMIT);
    let unrecorded = Arc::new(Semaphore::new(unrecorded_max));
    let (done_tx, done_rx) = mpsc::unbounded_channel::<Done>();
    let recorder = tokio::spawn(record(sandbox.clone(), done_rx));
    let deliveries = Deliveries {
        sandbox: sandbox.clone(),
        client,
        urls: Arc::default(),
        // Attempts in flight (the setting's meaning): held while a request is under way.
        permits: Arc::new(Semaphore::new(concurrency)),
        done: done_tx,
    };
    // A claimed webhook waits for a permit at most LEASE_SLACK (else it is left to its lease),
    // and an attempt ends within the timeout: the lease only has to outlast both.
    let lease_ms = (settings.timeout_ms as i64).saturating_add(LEASE_SLACK.as_millis() as i64);
    // Webhooks due as their message is accepted come from the sends themselves, sharing the
    // slots of claimed ones.
    let from_sends = sandbox
        .webhook_handover
        .attach(unrecorded.clone(), lease_ms, LEASE_SLACK);
    let handed = tokio::spawn(handed(deliveries.clone(), from_sends));
    let claim_max = (unrecorded_max / 2).max(1);
    loop {
        if *stopped.borrow() {
            break;
        }
        let mut slots = tokio::select! {
            s = unrecorded.clone().acquire_owned() => match s { Ok(s) => vec![s], Err(_) => break },
            _ = stopped.changed() => continue,
        };
        // A claim takes at most half the slots, so that sends can still hand over theirs
        // while a backlog is being claimed.
        while slots.len() < claim_max {
            match unrecorded.clone().try_acquire_owned() {
                Ok(s) => slots.push(s),
                Err(_) => break,
            }
        }
        let wakeup = sandbox.webhook_wakeup.notified();
        tokio::pin!(wakeup);
        wakeup.as_mut().enable();

        let start_by = Instant::now() + LEASE_SLACK;
        let claimed = match sandbox
            .claim_due_webhooks(slots.len() as u32, lease_ms)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "claiming webhooks failed");
                drop(slots);
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if claimed.is_empty() {
            drop(slots);
            let idle = match sandbox.next_webhook_due().await {
                Ok(Some(due)) => {
                    let ms = (due.0 - sandbox.clock.now().0).clamp(1, MAX_IDLE.as_millis() as i64);
                    Duration::from_millis(ms as u64)
                }
                _ => MAX_IDLE,
            };
            tokio::select! {
                _ = &mut wakeup => {}
                _ = tokio::time::sleep(idle) => {}
                _ = stopped.changed() => {}
            }
            continue;
        }
        for (claimed, slot) in claimed.into_iter().zip(slots) {
            deliveries.spawn(claimed, slot, start_by);
        }
    }
    // Wait for what was handed over, the attempts in flight and their recording.
    sandbox.webhook_handover.detach();
    let _ = handed.await;
    let _ = unrecorded.acquire_many(unrecorded_max as u32).await;
    drop(deliveries);
    let _ = recorder.await;
}

/// Records the attempts that ended, all those waiting at once in one write, until every sender
/// is gone.
async fn record(sandbox: Arc<Sandbox>, mut done: mpsc::UnboundedReceiver<Done>) {
    let mut round: Vec<Done> = Vec::new();
    while done.recv_many(&mut round, RECORD_BATCH).await > 0 {
        let pairs: Vec<(&Claimed, &Attempt)> =
            round.iter().map(|d| (&d.claimed, &d.attempt)).collect();
        let answers = sandbox.record_webhook_attempts(&pairs).await;
        for (d, answer) in round.iter().zip(answers) {
            note_recorded(&sandbox, &d.claimed, d.elapsed, answer);
        }
        // Frees the slots: more webhooks can be claimed.
        round.clear();
    }
}

fn note_recorded(
    sandbox: &Sandbox,
    claimed: &Claimed,
    elapsed: Duration,
    answer: Result<AfterAttempt, vitrine_core::ApiError>,
) {
    match answer {
        Ok(after) => {
            if let Some(t) = sandbox.telemetry() {
                t.webhook_attempt(after.into(), elapsed);
            }
        }
        Err(e) => {
            tracing::warn!(webhook = claimed.id, error = %e, "recording a webhook attempt failed; it will be sent again")
        }
    }
}

/// POSTs a claimed webhook's stored bytes with its stored signatures to its endpoint (`target`,
/// the claimed URL parsed), once; the body is moved into the request (it is not needed to record
/// the attempt).
async fn attempt(
    sandbox: &Sandbox,
    client: &WebhookClient,
    target: Result<Arc<Target>, String>,
    c: &mut Claimed,
) -> (Attempt, Duration) {
    let at = sandbox.clock.now();
    let started = Instant::now();
    let result = match (
        target,
        signatures(
            std::mem::take(&mut c.signature_256),
            std::mem::take(&mut c.signature_1),
        ),
    ) {
        (Ok(target), Ok(headers)) => {
            let body = bytes::Bytes::from(std::mem::take(&mut c.body));
            client
                .send(
                    hyper::Method::POST,
                    &target,
                    &headers,
                    body,
                    RESPONSE_SNIPPET,
                )
                .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let (http_status, response, error) = match result {
        Ok(answer) => (
            Some(answer.status),
            Some(String::from_utf8_lossy(&answer.body).into_owned()),
            None,
        ),
        Err(e) => (None, None, Some(e)),
    };
    let elapsed = started.elapsed();
    let attempt = Attempt {
        number: c.attempts_before + 1,
        at,
        http_status,
        latency_ms: elapsed.as_millis() as i64,
        response,
        error,
    };
    (attempt, elapsed)
}

/// A webhook's headers: its type and its stored signatures (moved in: the attempt is recorded
/// without them).
fn signatures(
    signature_256: String,
    signature_1: String,
) -> Result<[(HeaderName, HeaderValue); 3], String> {
    let value = |s: String| {
        HeaderValue::from_maybe_shared(bytes::Bytes::from(s))
            .map_err(|e| format!("invalid signature: {e}"))
    };
    Ok([
        (
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (
            HeaderName::from_static("x-hub-signature-256"),
            value(signature_256)?,
        ),
        (
            HeaderName::from_static("x-hub-signature"),
            value(signature_1)?,
        ),
    ])
}

/// Meta's verification handshake, over the same client.
pub struct HttpVerifier {
    pub client: WebhookClient,
    pub ids: Arc<vitrine_core::ids::IdGen>,
}

#[async_trait::async_trait]
impl vitrine_core::usecase::webhooks::CallbackVerifier for HttpVerifier {
    async fn verify(&self, url: &str, verify_token: &str) -> Result<(), String> {
        let challenge = format!(
            "{}",
            u64::from_str_radix(&self.ids.hex(4), 16).unwrap_or(1_158_201_444)
        );
        let mut target = url::Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
        target
            .query_pairs_mut()
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.challenge", &challenge)
            .append_pair("hub.verify_token", verify_token);
        let answer = self
            .client
            .send(
                hyper::Method::GET,
                &Target::of(&target)?,
                &[],
                bytes::Bytes::new(),
                CHALLENGE_ANSWER,
            )
            .await?;
        let status = hyper::StatusCode::from_u16(answer.status)
            .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        let body = String::from_utf8_lossy(&answer.body);
        if status != hyper::StatusCode::OK {
            return Err(format!(
                "HTTP Status Code = {}; HTTP Message = {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            ));
        }
        if body.trim() != challenge {
            return Err(format!("The URL couldn't be validated. Response does not match challenge, expected '{challenge}' value but received '{}'", body.chars().take(64).collect::<String>()));
        }
        Ok(())
    }
}

/// One pass of the dispatcher, for callers that drive time themselves (the test harness): claims
/// every webhook due now (sandbox time), sends them all, records every attempt, and returns how
/// many were sent once all are done. The running dispatcher ([`Dispatcher::spawn`]) does the
/// same continuously.
pub async fn deliver_due(
    sandbox: &Sandbox,
    client: &WebhookClient,
) -> Result<usize, vitrine_core::ApiError> {
    let lease_ms = (sandbox.behaviour.webhooks.timeout_ms as i64).saturating_add(5_000);
    let mut sent = 0;
    loop {
        let mut claimed = sandbox.claim_due_webhooks(256, lease_ms).await?;
        if claimed.is_empty() {
            return Ok(sent);
        }
        sent += claimed.len();
        let attempts = futures_util::future::join_all(claimed.iter_mut().map(|c| {
            let target = Target::parse(&c.url).map(Arc::new);
            attempt(sandbox, client, target, c)
        }))
        .await;
        let pairs: Vec<(&Claimed, &Attempt)> = claimed
            .iter()
            .zip(&attempts)
            .map(|(c, (a, _))| (c, a))
            .collect();
        let answers = sandbox.record_webhook_attempts(&pairs).await;
        for ((c, (_, elapsed)), answer) in claimed.iter().zip(&attempts).zip(answers) {
            note_recorded(sandbox, c, *elapsed, answer);
        }
    }
}
