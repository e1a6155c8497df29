//! Webhooks: subscribing (Graph), the status life cycle of sent messages, the delivery log and
//! redelivery (operator), and what a dispatcher needs (claim due rows, record attempts).
//!
//! Its length: subscriptions, the status life cycle and the delivery log share the outbox planning.

use crate::auth::Principal;
use crate::directory::{Directory, DirectoryChange};
use crate::error::{ApiError, ErrorKind};
use crate::id::{AppId, WabaId, Wamid};
use crate::message::MessageRecord;
use crate::model::{AppSubscription, Scope, WabaSubscription};
use crate::sandbox::{Plan, Sandbox};
use crate::webhook::{
    plan, AfterAttempt, Attempt, AttemptRecord, Claimed, MessageStatus, NewWebhook, Outbox,
    StatusEvent, WebhookPage, WebhookQuery, WebhookRecord,
};
use serde_json::Value;
use vitrine_wire::graph::{List, Success};
use vitrine_wire::params::Param;
use vitrine_wire::subscriptions::{self as wire, AccessToken, SubscribeApp, SubscribeWaba};

/// Performs Meta's verification handshake against a callback URL: `GET
/// <url>?hub.mode=subscribe&hub.challenge=<n>&hub.verify_token=<token>` must answer 200 with the
/// challenge. Implemented by the server (it owns the HTTP client).
#[async_trait::async_trait]
pub trait CallbackVerifier: Send + Sync {
    /// `Err` carries what went wrong, for the 2200 error's message.
    async fn verify(&self, url: &str, verify_token: &str) -> Result<(), String>;
}

pub const OBJECT: &str = "whatsapp_business_account";
const KNOWN_FIELDS: &[&str] = &[
    "messages",
    "message_template_status_update",
    "message_template_quality_update",
    "message_template_components_update",
    "template_category_update",
    "phone_number_quality_update",
    "phone_number_name_update",
    "account_update",
    "account_alerts",
    "business_capability_update",
    "security",
    // Accepted (clients such as pywa subscribe to them) though Vitrine sends none of them.
    "calls",
    "flows",
    "history",
    "message_echoes",
    "smb_app_state_sync",
    "smb_message_echoes",
    "user_preferences",
    "partner_solutions",
    "payment_configuration_update",
];

fn check_url(url: &str, param: &str) -> Result<(), ApiError> {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => Ok(()),
        _ => Err(
            ApiError::invalid_param(format!("The parameter {param} must be an http(s) URL."))
                .graph_scope(),
        ),
    }
}

fn verification_failed(reason: String) -> ApiError {
    ApiError::new(ErrorKind::CallbackVerificationFailed).with_text(format!(
        "Callback verification failed with the following errors: {reason}"
    ))
}

/// `fields` as a comma-separated string or a JSON array.
fn parse_fields(fields: &Param) -> Result<Vec<String>, ApiError> {
    let raw: Vec<String> = match fields.value() {
        None | Some(Value::Null) => vec!["messages".to_owned()],
        Some(Value::String(s)) => s
            .split(',')
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty())
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(_) => {
            return Err(ApiError::invalid_param(
                "The parameter fields must be a list of field names.",
            )
            .graph_scope())
        }
    };
    for f in &raw {
        if !KNOWN_FIELDS.contains(&f.as_str()) {
            return Err(ApiError::invalid_param(format!(
                "Unknown field '{f}' for object whatsapp_business_account."
            ))
            .graph_scope());
        }
    }
    Ok(raw)
}

/// Upper bounds (ms) of the histogram buckets of webhook dispatch lag; the last is open.
pub const LAG_BUCKETS: usize = 28;
pub const LAG_BUCKETS_MS: [i64; LAG_BUCKETS] = [
    1,
    2,
    3,
    5,
    7,
    10,
    15,
    20,
    30,
    50,
    70,
    100,
    150,
    200,
    300,
    500,
    700,
    1_000,
    1_500,
    2_000,
    3_000,
    5_000,
    7_000,
    10_000,
    20_000,
    30_000,
    60_000,
    i64::MAX,
];

/// Webhook attempts one node made since it started: delivered and failed, the endpoints'
/// answer times, and the dispatch lag of first attempts (sandbox time from when the webhook was
/// due to when the attempt started: Vitrine's own share of a bot's reply latency).
#[derive(Debug, Default)]
pub struct WebhookCounters(std::sync::Mutex<WebhookCounts>);

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WebhookCounts {
    pub attempts: u64,
    pub delivered: u64,
    pub failed_attempts: u64,
    /// Sum of the endpoints' answer times (ms), over every attempt.
    pub endpoint_ms_total: u64,
    /// First attempts counted per `LAG_BUCKETS_MS` bucket.
    pub lag_buckets: [u64; LAG_BUCKETS],
    pub lag_max_ms: i64,
}

impl WebhookCounters {
    pub fn snapshot(&self) -> WebhookCounts {
        match self.0.lock() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn count(&self, claimed: &Claimed, attempt: &Attempt) {
        let mut c = match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        c.attempts += 1;
        if attempt.succeeded() {
            c.delivered += 1;
        } else {
            c.failed_attempts += 1;
        }
        c.endpoint_ms_total += u64::try_from(attempt.latency_ms.max(0)).unwrap_or(0);
        if claimed.attempts_before == 0 {
            let lag = (attempt.at.0 - claimed.due_at.0).max(0);
            let bucket = LAG_BUCKETS_MS
                .iter()
                .position(|b| lag <= *b)
                .unwrap_or(LAG_BUCKETS - 1);
            c.lag_buckets[bucket] += 1;
            c.lag_max_ms = c.lag_max_ms.max(lag);
        }
    }
}

impl Sandbox {
    /// The statuses a just-accepted message will go through on its own: `sent`, `delivered`,
    /// and `read` when auto-read is on.
    pub(crate) fn scheduled_statuses(&self, record: &MessageRecord) -> Vec<StatusEvent> {
        let s = &self.behaviour.webhooks;
        let sent = record.created_at.plus_ms(s.sent_after_ms.max(0));
        let delivered = sent.plus_ms(s.delivered_after_ms.max(0));
        let sent_event = StatusEvent {
            wamid: record.wamid.clone(),
            status: MessageStatus::Sent,
            at: sent,
            errors: vec![],
        };
        // Reactions only ever get `sent` (spec §2.4).
        if matches!(record.content, crate::message::Outgoing::Reaction { .. }) {
            return vec![sent_event];
        }
        let mut out = vec![
            sent_event,
            StatusEvent {
                wamid: record.wamid.clone(),
                status: MessageStatus::Delivered,
                at: delivered,
                errors: vec![],
            },
        ];
        if let Some(after) = s.auto_read_after_ms {
            out.push(StatusEvent {
                wamid: record.wamid.clone(),
                status: MessageStatus::Read,
                at: delivered.plus_ms(after.max(0)),
                errors: vec![],
            });
        }
        out
    }

    /// Webhook rows for a customer's message; `media_url` is its media's download URL.
    pub(crate) fn inbound_webhooks(
        &self,
        dir: &Directory,
        record: &crate::inbound::InboundRecord,
        media_url: Option<&str>,
    ) -> Vec<NewWebhook> {
        plan::inbound_webhooks(
            dir,
            record,
            plan::InboundMediaUrl {
                url: media_url,
                url_from_version: self.behaviour.media.webhook_url_from_version,
                default_version: &self.behaviour.default_api_version,
            },
        )
    }

    pub(crate) fn status_webhooks(
        &self,
        dir: &Directory,
        record: &MessageRecord,
        events: &[StatusEvent],
    ) -> Vec<NewWebhook> {
        self.with_fidelity_rng(|rng| {
            plan::status_webhooks(
                dir,
                record,
                events,
                &self.behaviour.webhooks,
                &self.behaviour.default_api_version,
                rng,
            )
        })
    }

    // ---- Graph: POST|GET|DELETE /{app-id}/subscriptions ----

    /// POST /{app-id}/subscriptions: sets the app's callback after the handshake succeeds.
    pub async fn subscribe_app(
        &self,
        principal: &Principal,
        app_id: &AppId,
        api_version: &str,
        req: &SubscribeApp,
        verifier: &dyn CallbackVerifier,
    ) -> Result<Success, ApiError> {
        match req.object.text() {
            None => return Err(ApiError::param_required("object").graph_scope()),
            Some(OBJECT) => {}
            Some(other) => {
                return Err(ApiError::invalid_param(format!(
                    "Vitrine supports webhooks for object {OBJECT} only, not '{other}'."
                ))
                .graph_scope())
            }
        }
        let callback_url = req
            .callback_url
            .text()
            .ok_or_else(|| ApiError::param_required("callback_url").graph_scope())?;
        check_url(callback_url, "callback_url")?;
        let verify_token = req
            .verify_token
            .text()
            .ok_or_else(|| ApiError::param_required("verify_token").graph_scope())?;
        let fields = parse_fields(&req.fields)?;
        if principal.token.app_id != app_id {
            return Err(ApiError::unsupported("post", app_id.as_str()));
        }
        verifier
            .verify(callback_url, verify_token)
            .await
            .map_err(verification_failed)?;
        let sub = AppSubscription {
            callback_url: callback_url.to_owned(),
            verify_token: verify_token.to_owned(),
            fields,
            version: api_version.to_owned(),
        };
        self.set_app_subscription(app_id, Some(sub)).await?;
        Ok(Success::TRUE)
    }

    /// GET /oauth/access_token (client credentials): `{"access_token", "token_type"}`.
    pub fn app_access_token(
        &self,
        grant_type: Option<&str>,
        client_id: Option<&str>,
        client_secret: Option<&str>,
    ) -> Result<AccessToken, ApiError> {
        let token = self.read(|dir| {
            crate::auth::issue_app_access_token(dir, grant_type, client_id, client_secret)
        })?;
        Ok(AccessToken {
            access_token: token,
            token_type: "bearer".to_owned(),
        })
    }

    /// GET /{app-id}/subscriptions
    pub fn app_subscriptions(&self, app_id: &AppId) -> List<wire::AppSubscription> {
        self.read(|dir| {
            let data = dir
                .app(app_id)
                .and_then(|a| a.subscription.as_ref())
                .map(|s| wire::AppSubscription {
                    object: OBJECT.to_owned(),
                    callback_url: s.callback_url.clone(),
                    active: true,
                    fields: s
                        .fields
                        .iter()
                        .map(|f| wire::SubscribedField {
                            name: f.clone(),
                            version: s.version.clone(),
                        })
                        .collect(),
                })
                .into_iter()
                .collect();
            List::of(data)
        })
    }

    /// DELETE /{app-id}/subscriptions
    pub async fn unsubscribe_app(&self, app_id: &AppId) -> Result<Success, ApiError> {
        self.set_app_subscription(app_id, None).await?;
        Ok(Success::TRUE)
    }

    /// Operator shortcut (`--webhook-url`): points the demo app's webhook at `url` without a
    /// handshake, subscribed to every field.
    pub async fn set_app_callback(&self, app_id: &AppId, url: &str) -> Result<(), ApiError> {
        check_url(url, "webhook-url")?;
        let sub = self.read(|dir| {
            let app = dir
                .app(app_id)
                .ok_or_else(|| ApiError::invalid_param(format!("Unknown app {app_id}.")))?;
            Ok::<_, ApiError>(AppSubscription {
                callback_url: url.to_owned(),
                verify_token: app.verify_token.clone(),
                fields: vec![
                    "messages".to_owned(),
                    "message_template_status_update".to_owned(),
                ],
                version: self.behaviour.default_api_version.clone(),
            })
        })?;
        self.set_app_subscription(app_id, Some(sub)).await?;
        Ok(())
    }

    // ---- Graph: POST|GET|DELETE /{waba-id}/subscribed_apps ----

    /// POST /{waba-id}/subscribed_apps, optionally with `override_callback_uri` + `verify_token`.
    pub async fn subscribe_waba(
        &self,
        principal: &Principal,
        waba_id: &WabaId,
        req: &SubscribeWaba,
        verifier: &dyn CallbackVerifier,
    ) -> Result<Success, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        let override_uri = req.override_callback_uri.text();
        let verify_token = req.verify_token.text();
        if let Some(uri) = override_uri {
            check_url(uri, "override_callback_uri")?;
            let token = verify_token
                .ok_or_else(|| ApiError::param_required("verify_token").graph_scope())?;
            verifier
                .verify(uri, token)
                .await
                .map_err(verification_failed)?;
        }
        let app_id = principal.token.app_id.clone();
        self.change_waba_subscriptions(waba_id, |subs| {
            subs.retain(|s| s.app_id != app_id);
            subs.push(WabaSubscription {
                app_id: app_id.clone(),
                override_callback_uri: override_uri.map(str::to_owned),
                verify_token: override_uri.and(verify_token).map(str::to_owned),
            });
        })
        .await?;
        Ok(Success::TRUE)
    }

    /// GET /{waba-id}/subscribed_apps
    pub fn waba_subscribed_apps(
        &self,
        principal: &Principal,
        waba_id: &WabaId,
    ) -> Result<List<wire::SubscribedApp>, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        Ok(self.read(|dir| {
            let data = dir
                .waba(waba_id)
                .map(|w| w.subscribed_apps.clone())
                .unwrap_or_default()
                .iter()
                .map(|s| wire::SubscribedApp {
                    whatsapp_business_api_data: wire::AppData {
                        id: s.app_id.to_string(),
                        link: format!("https://www.facebook.com/games/?app_id={}", s.app_id),
                        name: dir
                            .app(&s.app_id)
                            .map(|a| a.name.clone())
                            .unwrap_or_default(),
                    },
                    override_callback_uri: s.override_callback_uri.clone(),
                })
                .collect();
            List::of(data)
        }))
    }

    /// DELETE /{waba-id}/subscribed_apps: unsubscribes the caller's app.
    pub async fn unsubscribe_waba(
        &self,
        principal: &Principal,
        waba_id: &WabaId,
    ) -> Result<Success, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        let app_id = principal.token.app_id.clone();
        self.change_waba_subscriptions(waba_id, |subs| subs.retain(|s| s.app_id != app_id))
            .await?;
        Ok(Success::TRUE)
    }

    /// Changes a WABA's subscribed apps as they stand when the change is committed.
    async fn change_waba_subscriptions(
        &self,
        waba_id: &WabaId,
        change: impl Fn(&mut Vec<WabaSubscription>),
    ) -> Result<(), ApiError> {
        self.update(|dir| {
            let mut waba = dir
                .waba(waba_id)
                .cloned()
                .ok_or_else(|| ApiError::unsupported("post", waba_id.as_str()))?;
            change(&mut waba.subscribed_apps);
            Ok((Plan::change(DirectoryChange::Waba(waba)), ()))
        })
        .await
    }

    async fn set_app_subscription(
        &self,
        app_id: &AppId,
        sub: Option<AppSubscription>,
    ) -> Result<(), ApiError> {
        self.update(|dir| {
            let mut app = dir
                .app(app_id)
                .cloned()
                .ok_or_else(|| ApiError::unsupported("post", app_id.as_str()))?;
            app.subscription = sub.clone();
            Ok((Plan::change(DirectoryChange::App(app)), ()))
        })
        .await
    }

    // ---- Status life cycle (operator) ----

    /// Statuses of a message that have happened by now (sandbox time).
    pub async fn message_statuses(&self, wamid: &Wamid) -> Result<Vec<StatusEvent>, ApiError> {
        let now = self.clock.now();
        let mut all = self.store.message_statuses(wamid).await?;
        all.retain(|e| e.at <= now);
        Ok(all)
    }

    /// The customer reads a message: a `read` status (after `delivered`, never twice).
    /// `Ok(None)` when there is no such message.
    pub async fn mark_read(&self, wamid: &Wamid) -> Result<Option<StatusEvent>, ApiError> {
        let Some(record) = self.store.get_message(wamid).await? else {
            return Ok(None);
        };
        let events = self.store.message_statuses(wamid).await?;
        if let Some(existing) = final_status(&events) {
            return Ok(Some(existing.clone()));
        }
        let delivered = events
            .iter()
            .filter(|e| e.status == MessageStatus::Delivered)
            .map(|e| e.at)
            .max();
        let now = self.clock.now();
        let at = delivered.map_or(now, |d| d.max(now));
        let event = StatusEvent {
            wamid: wamid.to_owned(),
            status: MessageStatus::Read,
            at,
            errors: vec![],
        };
        if self.append_final_status(&record, event.clone()).await? {
            return Ok(Some(event));
        }
        // Read or failed meanwhile, here or on another node: that one stands.
        let events = self.store.message_statuses(wamid).await?;
        Ok(final_status(&events).cloned())
    }

    /// The message fails to reach the customer now, with `error` (131026, 131047, 131000...).
    /// A message the customer has read, or that failed already, cannot fail.
    pub async fn mark_failed(
        &self,
        wamid: &Wamid,
        error: &ApiError,
    ) -> Result<Option<StatusEvent>, ApiError> {
        let Some(record) = self.store.get_message(wamid).await? else {
            return Ok(None);
        };
        let cannot_fail = |done: &StatusEvent| {
            ApiError::invalid_param(format!(
                "Message {wamid} is already {}: it cannot fail now.",
                done.status.as_str()
            ))
        };
        if let Some(done) = final_status(&self.message_statuses(wamid).await?) {
            return Err(cannot_fail(done));
        }
        let event = StatusEvent::failed(wamid, self.clock.now(), error);
        if self.append_final_status(&record, event.clone()).await? {
            return Ok(Some(event));
        }
        let events = self.store.message_statuses(wamid).await?;
        match final_status(&events) {
            Some(done) => Err(cannot_fail(done)),
            None => Err(ApiError::internal("a final status vanished")),
        }
    }

    /// Writes a final status with its webhooks unless the message got one meanwhile (`false`).
    async fn append_final_status(
        &self,
        record: &MessageRecord,
        event: StatusEvent,
    ) -> Result<bool, ApiError> {
        let events = vec![event];
        let webhooks = self.read(|dir| self.status_webhooks(dir, record, &events));
        let notify = !webhooks.is_empty();
        let written = self
            .store
            .append_final_status(
                &record.wamid,
                &Outbox {
                    statuses: events,
                    webhooks,
                },
            )
            .await?;
        if written && notify {
            self.webhook_wakeup.notify_waiters();
        }
        Ok(written)
    }

    // ---- Delivery log (operator) ----

    pub async fn list_webhooks(&self, query: &WebhookQuery) -> Result<WebhookPage, ApiError> {
        Ok(self.store.list_webhooks(query).await?)
    }

    pub async fn get_webhook(
        &self,
        id: i64,
    ) -> Result<Option<(WebhookRecord, Vec<Attempt>)>, ApiError> {
        Ok(self.store.get_webhook(id).await?)
    }

    /// Sends a webhook again (same bytes), now. `false` when there is no such webhook.
    pub async fn redeliver_webhook(&self, id: i64) -> Result<bool, ApiError> {
        let found = self.store.redeliver_webhook(id, self.clock.now()).await?;
        if found {
            self.webhook_wakeup.notify_waiters();
        }
        Ok(found)
    }

    // ---- Dispatcher ----

    /// Leases due webhooks for `lease_ms` of real time.
    pub async fn claim_due_webhooks(
        &self,
        limit: u32,
        lease_ms: i64,
    ) -> Result<Vec<Claimed>, ApiError> {
        let wall = self.clock.wall_ms();
        let claimed = self
            .store
            .claim_due_webhooks(self.clock.now(), wall, wall + lease_ms, limit)
            .await?;
        if !claimed.is_empty() {
            // A webhook may be claimed the moment its change is committed, before the task that
            // committed it (here or on another node) applied it to this node's directory: catch
            // up first, so that a bot answering the webhook at once finds what it reports (the
            // template approved, the product changed). On failure the deliveries go on; the
            // follower catches up on its next tick.
            if let Err(e) = self.sync_directory().await {
                tracing::warn!(error = %e, "catching up with the change log before delivering");
            }
        }
        Ok(claimed)
    }

    /// Records an attempt and schedules what follows (delivered, retry, or dead).
    pub async fn record_webhook_attempt(
        &self,
        claimed: &Claimed,
        attempt: &Attempt,
    ) -> Result<AfterAttempt, ApiError> {
        let mut answers = self.record_webhook_attempts(&[(claimed, attempt)]).await;
        answers
            .pop()
            .unwrap_or_else(|| Err(ApiError::internal("an attempt went unrecorded")))
    }

    /// Records attempts, in one write of the store when it can, and schedules what follows each
    /// (delivered, retry, or dead): one answer per attempt, in their order. If that write fails
    /// (one attempt was recorded meanwhile by another dispatcher, say), each is recorded alone,
    /// so that one attempt's failure never sends the others again.
    pub async fn record_webhook_attempts(
        &self,
        done: &[(&Claimed, &Attempt)],
    ) -> Vec<Result<AfterAttempt, ApiError>> {
        let records: Vec<AttemptRecord> = done
            .iter()
            .map(|(claimed, attempt)| {
                self.webhook_counters.count(claimed, attempt);
                AttemptRecord {
                    id: claimed.id,
                    attempt: (*attempt).clone(),
                    after: self.after_attempt(claimed, attempt),
                }
            })
            .collect();
        match self.store.record_attempts(&records).await {
            Ok(()) => records.iter().map(|r| Ok(r.after)).collect(),
            Err(e) if records.len() <= 1 => records.iter().map(|_| Err(e.clone().into())).collect(),
            Err(_) => {
                let mut answers = Vec::with_capacity(records.len());
                for r in &records {
                    answers.push(
                        self.store
                            .record_attempts(std::slice::from_ref(r))
                            .await
                            .map(|()| r.after)
                            .map_err(ApiError::from),
                    );
                }
                answers
            }
        }
    }

    /// What follows an attempt: delivered, a retry on the schedule, or dead.
    fn after_attempt(&self, claimed: &Claimed, attempt: &Attempt) -> AfterAttempt {
        if attempt.succeeded() {
            AfterAttempt::Delivered
        } else {
            match self
                .behaviour
                .webhooks
                .next_attempt(attempt.number, claimed.due_at, attempt.at)
            {
                Some(at) => AfterAttempt::RetryAt(at),
                None => AfterAttempt::Dead,
            }
        }
    }

    /// When the next pending webhook is due, in sandbox time, of those no dispatcher holds (a
    /// lease that runs out is noticed on the dispatcher's next look).
    pub async fn next_webhook_due(&self) -> Result<Option<crate::clock::Millis>, ApiError> {
        Ok(self.store.next_webhook_due(self.clock.wall_ms()).await?)
    }
}

/// The status that ends a message's life cycle, if it has one: `read` or `failed`.
fn final_status(events: &[StatusEvent]) -> Option<&StatusEvent> {
    events
        .iter()
        .find(|e| matches!(e.status, MessageStatus::Read | MessageStatus::Failed))
}
