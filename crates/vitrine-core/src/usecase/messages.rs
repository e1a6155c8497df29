//! Sending messages and reading them back.

use crate::auth::Principal;
use crate::clock::Millis;
use crate::commerce;
use crate::error::ApiError;
use crate::error::ErrorKind;
use crate::limits::PairLimitChannel;
use crate::message::{MessagePage, MessageQuery, MessageRecord};
use crate::model::PhoneNumber;
use crate::model::Scope;
use crate::sandbox::Sandbox;
use crate::validate::{self, SendOptions};
use crate::webhook::{Outbox, StatusEvent};

fn outdated_client_error(code: u32) -> ApiError {
    let kind = if code == 131_000 {
        ErrorKind::SomethingWentWrong
    } else {
        ErrorKind::MessageUndeliverable
    };
    ApiError::new(kind).with_details(
        "Message failed to send because the recipient's WhatsApp version cannot show this message type.",
    )
}

fn re_engagement_error() -> ApiError {
    ApiError::new(ErrorKind::ReEngagementMessage).with_details(
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    )
}

fn pair_limit_error() -> ApiError {
    ApiError::new(ErrorKind::PairRateLimitHit).with_details(
        "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
    )
}
use vitrine_wire::messages::{ResponseContact, ResponseMessage, SendMessageResponse};

/// Counts of what became of the sends one node answered since it started: accepted, refused
/// (by error code: 130429, 131056, 100…) and accepted but failed at once (by the code of the
/// `failed` status: 131047, 131056, 131026).
#[derive(Debug, Default)]
pub struct SendCounters(std::sync::Mutex<SendCounts>);

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SendCounts {
    pub accepted: u64,
    pub refused: std::collections::BTreeMap<u32, u64>,
    pub failed: std::collections::BTreeMap<u32, u64>,
}

impl SendCounters {
    fn with(&self, f: impl FnOnce(&mut SendCounts)) {
        let mut g = match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut g);
    }

    pub fn snapshot(&self) -> SendCounts {
        let mut out = SendCounts::default();
        self.with(|c| out = c.clone());
        out
    }
}

impl Sandbox {
    /// POST /{version}/{phone-number-id}/messages, after authentication and node resolution.
    /// The message is durable before this returns `Ok`.
    pub async fn send_message(
        &self,
        principal: &Principal,
        phone_number_id: &str,
        api_version: &str,
        params: &serde_json::Value,
    ) -> Result<SendMessageResponse, ApiError> {
        let result = self
            .send_counted(principal, phone_number_id, api_version, params)
            .await;
        if let Err(e) = &result {
            let code = e.code();
            self.sends
                .with(|c| *c.refused.entry(code).or_default() += 1);
        }
        result
    }

    async fn send_counted(
        &self,
        principal: &Principal,
        phone_number_id: &str,
        api_version: &str,
        params: &serde_json::Value,
    ) -> Result<SendMessageResponse, ApiError> {
        principal.require(Scope::WhatsappBusinessMessaging)?;
        let options = SendOptions {
            catalog_thumbnail_required: self.behaviour.catalog_thumbnail_required,
            now: self.clock.now(),
        };
        let now = options.now;
        let (record, mut outbox) = self.read(|dir| {
            let phone = dir
                .phone_number(phone_number_id)
                .ok_or_else(|| ApiError::unsupported("post", phone_number_id))?;
            let mut pair_limited = false;
            let mut throttle = |wa_id: &str| self.throttle(phone, wa_id, now, &mut pair_limited);
            let req = validate::send_message(
                params,
                &phone.display_phone_number,
                options,
                &mut throttle,
            )?;
            let (content, resolved) =
                if matches!(req.outgoing, crate::message::Outgoing::Template { .. }) {
                    crate::template_send::resolve(
                        dir,
                        phone,
                        req.outgoing,
                        crate::template_send::TemplateSendOptions {
                            mpm_no_match: self.behaviour.mpm_no_match_details,
                            product_carousel_exact_cards: self
                                .behaviour
                                .product_carousel_exact_cards,
                            now,
                        },
                    )?
                } else {
                    let resolved = commerce::resolve(
                        dir,
                        phone,
                        &req.outgoing,
                        self.behaviour.mpm_no_match_details,
                    )?;
                    (commerce::drop_unmatched(req.outgoing, &resolved), resolved)
                };
            let record = MessageRecord {
                wamid: self.ids.wamid(&req.wa_id, crate::ids::Direction::Outbound),
                phone_number_id: phone.id.clone(),
                waba_id: phone.waba_id.clone(),
                wa_id: req.wa_id,
                to_input: req.to_input,
                content,
                products: resolved.products,
                dropped_retailer_ids: resolved.dropped_retailer_ids,
                context_message_id: req.context_message_id,
                biz_opaque_callback_data: req.biz_opaque_callback_data,
                api_version: api_version.to_owned(),
                created_at: now,
            };
            let statuses = self.first_statuses(dir, &record, pair_limited, now);
            let webhooks = self.status_webhooks(dir, &record, &statuses);
            Ok::<_, ApiError>((record, Outbox { statuses, webhooks }))
        })?;
        // A customer's message and its webhook are committed before this node applies the window
        // it opens (and another node applies it later still): a bot answering that webhook at
        // once must not find the window closed. Look again at the change log before failing.
        let window_failed = outbox.statuses.iter().any(|s| {
            s.errors
                .first()
                .is_some_and(|e| e.code == ErrorKind::ReEngagementMessage.code())
        });
        if window_failed {
            self.sync_directory().await?;
            outbox = self.read(|dir| {
                let statuses = self.first_statuses(dir, &record, false, now);
                let webhooks = self.status_webhooks(dir, &record, &statuses);
                Outbox { statuses, webhooks }
            });
        }
        self.store.insert_message(&record, &outbox).await?;
        let failed_code = outbox
            .statuses
            .iter()
            .find(|s| s.status == crate::webhook::MessageStatus::Failed)
            .and_then(|s| s.errors.first())
            .map(|e| e.code);
        self.sends.with(|c| {
            c.accepted += 1;
            if let Some(code) = failed_code {
                *c.failed.entry(code).or_default() += 1;
            }
        });
        if !outbox.webhooks.is_empty() {
            self.webhook_wakeup.notify_waiters();
        }
        Ok(SendMessageResponse {
            messaging_product: "whatsapp".to_owned(),
            contacts: vec![ResponseContact {
                input: record.to_input,
                wa_id: record.wa_id,
            }],
            messages: vec![ResponseMessage {
                message_status: matches!(record.content, crate::message::Outgoing::Template { .. })
                    .then(|| "accepted".to_owned()),
                id: record.wamid,
            }],
        })
    }

    /// POST /{phone-number-id}/messages with `"status": "read"`: the business marks a customer's
    /// message (and so the ones before it) as read, optionally showing a typing indicator. Not
    /// a message: no wamid, no status webhook. Recorded as a `read` status of the customer's
    /// message, which the thread view shows.
    pub async fn business_marks_read(
        &self,
        principal: &Principal,
        phone_number_id: &str,
        params: &serde_json::Value,
    ) -> Result<(), ApiError> {
        principal.require(Scope::WhatsappBusinessMessaging)?;
        let known = self.read(|dir| dir.phone_number(phone_number_id).is_some());
        if !known {
            return Err(ApiError::unsupported("post", phone_number_id));
        }
        let text = |key: &str| params.get(key).and_then(serde_json::Value::as_str);
        match text("messaging_product") {
            None => return Err(ApiError::param_required("messaging_product")),
            Some("whatsapp") => {}
            Some(_) => {
                return Err(ApiError::invalid_param(
                    "The parameter messaging_product must be set to whatsapp.",
                ))
            }
        }
        if text("status") != Some("read") {
            return Err(ApiError::invalid_param(
                "The parameter status must be set to read.",
            ));
        }
        let Some(wamid) = text("message_id").filter(|w| !w.is_empty()) else {
            return Err(ApiError::param_required("message_id"));
        };
        if let Some(indicator) = params.get("typing_indicator") {
            if indicator.get("type").and_then(serde_json::Value::as_str) != Some("text") {
                return Err(ApiError::invalid_param(
                    "The parameter typing_indicator['type'] must be text.",
                ));
            }
        }
        let invalid =
            || ApiError::new(ErrorKind::ParameterValueInvalid).with_details("Invalid message_id");
        let peer = crate::ids::IdGen::peer_of(wamid).ok_or_else(invalid)?;
        let inbound = self.store.list_inbound(phone_number_id, &peer, 500).await?;
        if !inbound.iter().any(|r| r.wamid == wamid) {
            return Err(invalid());
        }
        let already = self
            .store
            .message_statuses(wamid)
            .await?
            .iter()
            .any(|s| s.status == crate::webhook::MessageStatus::Read);
        if !already {
            let event = StatusEvent {
                wamid: wamid.to_owned(),
                status: crate::webhook::MessageStatus::Read,
                at: self.clock.now(),
                errors: vec![],
            };
            self.store
                .append_outbox(&Outbox {
                    statuses: vec![event],
                    webhooks: vec![],
                })
                .await?;
        }
        Ok(())
    }

    /// What happens first to an accepted message: a `failed` status (pair limit by webhook, a
    /// closed customer service window, only outdated devices), or its life cycle.
    fn first_statuses(
        &self,
        dir: &crate::directory::Directory,
        record: &MessageRecord,
        pair_limited: bool,
        now: Millis,
    ) -> Vec<StatusEvent> {
        // Every type sent here is free-form: it needs an open customer service window.
        let is_template = matches!(record.content, crate::message::Outgoing::Template { .. });
        let window_open = is_template
            || crate::inbound::window_open(
                dir.last_inbound(&record.phone_number_id, &record.wa_id),
                now,
            );
        let failed_at = now.plus_ms(self.behaviour.webhooks.sent_after_ms.max(0));
        if pair_limited {
            vec![StatusEvent::failed(&record.wamid, now, &pair_limit_error())]
        } else if !window_open {
            vec![StatusEvent::failed(
                &record.wamid,
                failed_at,
                &re_engagement_error(),
            )]
        } else if dir.customer(&record.wa_id).is_some_and(|c| {
            !c.devices.is_empty()
                && !c
                    .devices
                    .iter()
                    .any(|d| d.supports(record.content.client_kind()))
        }) {
            // Every device of the customer is too old for this message type.
            vec![StatusEvent::failed(
                &record.wamid,
                failed_at,
                &outdated_client_error(self.behaviour.outdated_client_code),
            )]
        } else {
            self.scheduled_statuses(record)
        }
    }

    /// Step 3 of a send: the number's messages-per-second budget (130429), then the pair rate
    /// limit (131056, synchronous or, by setting, a failed status: `pair_limited`).
    fn throttle(
        &self,
        phone: &PhoneNumber,
        wa_id: &str,
        now: Millis,
        pair_limited: &mut bool,
    ) -> Result<(), ApiError> {
        let limits = &self.behaviour.limits;
        let nodes = self.live_nodes();
        if !self
            .limiter
            .take_number(&phone.id, limits.mps(&phone.throughput), nodes, now)
        {
            return Err(ApiError::new(ErrorKind::RateLimitHit)
                .with_details("Cloud API message throughput has been reached.")
                .with_usage_of(phone.waba_id.clone()));
        }
        if !self.limiter.take_pair(&phone.id, wa_id, limits, nodes, now) {
            match limits.pair_limit_channel {
                PairLimitChannel::Sync => {
                    return Err(pair_limit_error().with_usage_of(phone.waba_id.clone()))
                }
                PairLimitChannel::Webhook => *pair_limited = true,
            }
        }
        Ok(())
    }

    /// Newest first.
    pub async fn list_messages(&self, query: &MessageQuery) -> Result<MessagePage, ApiError> {
        Ok(self.store.list_messages(query).await?)
    }

    pub async fn get_message(&self, wamid: &str) -> Result<Option<MessageRecord>, ApiError> {
        Ok(self.store.get_message(wamid).await?)
    }
}
