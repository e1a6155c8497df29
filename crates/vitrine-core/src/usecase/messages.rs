//! Sending messages and reading them back.

use crate::auth::Principal;
use crate::clock::Millis;
use crate::commerce;
use crate::error::ApiError;
use crate::error::ErrorKind;
use crate::id::{PhoneNumberId, RetailerId, WaId, Wamid};
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
use crate::media::{MediaKind, MediaRecord};
use crate::message::{MediaRef, Outgoing, Pricing};
use vitrine_wire::lenient::Lenient;
use vitrine_wire::messages::{
    MarkRead, ResponseContact, ResponseMessage, SendBody, SendMessageResponse,
};

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

/// A business may react to messages of the last 30 days.
const REACTION_WINDOW_MS: i64 = 30 * 86_400_000;

/// Links on this host stand for links whose fetch fails with the status in their first path
/// segment: `https://vitrine.invalid/404/a.jpg` (the test hook of spec §1.8; `.invalid` never
/// resolves).
pub const FAILING_LINK_HOST: &str = "vitrine.invalid";

/// The HTTP status a link's fetch fails with, for links on [`FAILING_LINK_HOST`].
fn failing_link(link: &str) -> Option<u16> {
    let url = url::Url::parse(link).ok()?;
    if !url.host_str()?.eq_ignore_ascii_case(FAILING_LINK_HOST) {
        return None;
    }
    url.path_segments()?
        .next()?
        .parse::<u16>()
        .ok()
        .filter(|s| (100..=599).contains(s))
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

fn link_failed(status: u16) -> ApiError {
    ApiError::new(ErrorKind::MediaUploadError).with_details(format!(
        "Downloading media from weblink failed with http code {status}, status message {}",
        reason_phrase(status)
    ))
}

/// Checkout reaches WhatsApp users in India only ("with India country calling codes").
const INDIA_CALLING_CODE: &str = "91";

fn checkout_outside_india() -> ApiError {
    ApiError::new(ErrorKind::MessageUndeliverable).with_details(
        "Message failed to send because checkout (order_details) messages can only be delivered to WhatsApp users in India (+91).",
    )
}

/// The notice Meta's pages promise when MPM items were dropped (off by default).
fn dropped_items_notice(dropped: &[RetailerId]) -> vitrine_wire::error::WebhookError {
    ApiError::invalid_value(format!(
        "Some products could not be sent because they are not in the catalog or not available: {}. Please update your catalog.",
        dropped
            .iter()
            .map(RetailerId::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .to_webhook()
}

fn wrong_media_kind(kind: MediaKind, mime: &str) -> ApiError {
    ApiError::new(ErrorKind::MediaUploadError).with_details(if kind == MediaKind::Sticker {
        "Sticker file could not be processed. Please choose a different file.".to_owned()
    } else {
        format!(
            "Media of type {mime} cannot be sent as {}: it takes {}.",
            kind.as_str(),
            kind.mime_types().join(", ")
        )
    })
}

impl Sandbox {
    /// POST /{version}/{phone-number-id}/messages, after authentication and node resolution.
    /// The message is durable before this returns `Ok`.
    pub async fn send_message(
        &self,
        principal: &Principal,
        phone_number_id: &PhoneNumberId,
        api_version: &str,
        body: &SendBody,
    ) -> Result<SendMessageResponse, ApiError> {
        let result = self
            .send_counted(principal, phone_number_id, api_version, body)
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
        phone_number_id: &PhoneNumberId,
        api_version: &str,
        body: &SendBody,
    ) -> Result<SendMessageResponse, ApiError> {
        principal.require(Scope::WhatsappBusinessMessaging)?;
        let options = SendOptions {
            catalog_thumbnail_required: self.behaviour.catalog_thumbnail_required,
            now: self.clock.now(),
        };
        let now = options.now;
        let (mut record, pair_limited) = self.read(|dir| {
            let phone = dir
                .phone_number(phone_number_id)
                .ok_or_else(|| ApiError::unsupported("post", phone_number_id))?;
            let mut pair_limited = false;
            let mut throttle = |wa_id: &WaId| self.throttle(phone, wa_id, now, &mut pair_limited);
            let req =
                validate::send_message(body, &phone.display_phone_number, options, &mut throttle)?;
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
                pricing: None,
            };
            Ok::<_, ApiError>((record, pair_limited))
        })?;
        // Media ids must name this number's media (a synchronous error otherwise); media that
        // cannot be shown as the message's kind, or a link that cannot be fetched, fail later.
        let media_failure = self.check_media(&mut record).await?;
        let reaction_failure = self.check_reaction(&record).await?;
        // A customer's message and its webhook are committed before this node applies the window
        // it opens (and another node applies it later still): a bot answering that webhook at
        // once must not find the window closed. Look at the change log again first.
        let closed = self.read(|dir| {
            !matches!(record.content, crate::message::Outgoing::Template { .. })
                && !crate::inbound::window_open(
                    dir.last_inbound(&record.phone_number_id, &record.wa_id),
                    now,
                )
        });
        if closed {
            self.sync_directory().await?;
        }
        let mut outbox = self.read(|dir| {
            // Every type sent here is free-form: it needs an open customer service window.
            let is_template = matches!(record.content, crate::message::Outgoing::Template { .. });
            let in_window = crate::inbound::window_open(
                dir.last_inbound(&record.phone_number_id, &record.wa_id),
                now,
            );
            let window_open = is_template || in_window;
            record.pricing = Some(Pricing::of(dir, &record.content, in_window));
            let at_sent = now.plus_ms(self.behaviour.webhooks.sent_after_ms.max(0));
            let statuses = if pair_limited {
                vec![StatusEvent::failed(&record.wamid, now, &pair_limit_error())]
            } else if !window_open {
                vec![StatusEvent::failed(
                    &record.wamid,
                    at_sent,
                    &re_engagement_error(),
                )]
            } else if let Some(e) = media_failure.or(reaction_failure) {
                vec![StatusEvent::failed(&record.wamid, at_sent, &e)]
            } else if self.behaviour.checkout_india_only
                && record.content.has_checkout()
                && !record.wa_id.as_str().starts_with(INDIA_CALLING_CODE)
            {
                vec![StatusEvent::failed(
                    &record.wamid,
                    at_sent,
                    &checkout_outside_india(),
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
                    at_sent,
                    &outdated_client_error(self.behaviour.outdated_client_code),
                )]
            } else {
                let mut statuses = self.scheduled_statuses(&record);
                if self.behaviour.mpm_dropped_items_notice
                    && !record.dropped_retailer_ids.is_empty()
                {
                    if let Some(sent) = statuses.first_mut() {
                        sent.errors = vec![dropped_items_notice(&record.dropped_retailer_ids)];
                    }
                }
                statuses
            };
            let webhooks = self.status_webhooks(dir, &record, &statuses);
            Outbox { statuses, webhooks }
        });
        let leases = self
            .webhook_handover
            .lease(
                &outbox.webhooks,
                &self.clock,
                std::time::Duration::from_millis(self.behaviour.webhooks.dispatch_wait_ms),
            )
            .await;
        let ids = self
            .store
            .insert_message(&record, &outbox, leases.leased_until())
            .await?;
        let handed = leases.hand_over(&mut outbox.webhooks, &ids);
        let failed_code = outbox
            .statuses
            .iter()
            .find(|s| s.status == crate::webhook::MessageStatus::Failed)
            .and_then(|s| s.errors.first())
            .map(|e| e.code);
        if let Some(t) = self.telemetry() {
            t.message_accepted(record.content.kind());
            if handed > 0 {
                t.webhooks_handed_over(handed);
            }
        }
        self.sends.with(|c| {
            c.accepted += 1;
            if let Some(code) = failed_code {
                *c.failed.entry(code).or_default() += 1;
            }
        });
        if handed < outbox.webhooks.len() {
            self.webhook_wakeup.notify_waiters();
        }
        Ok(SendMessageResponse {
            messaging_product: "whatsapp".to_owned(),
            contacts: vec![ResponseContact {
                input: record.to_input,
                wa_id: record.wa_id.into(),
            }],
            messages: vec![ResponseMessage {
                message_status: matches!(record.content, crate::message::Outgoing::Template { .. })
                    .then(|| "accepted".to_owned()),
                id: record.wamid.into(),
            }],
        })
    }

    /// POST /{phone-number-id}/messages with `status: "read"` (spec §3): the business reads a
    /// customer's message (and the earlier ones of the thread), optionally showing the typing
    /// indicator. No webhook follows.
    pub async fn mark_message_read(
        &self,
        principal: &Principal,
        phone_number_id: &PhoneNumberId,
        req: &MarkRead,
    ) -> Result<vitrine_wire::graph::Success, ApiError> {
        principal.require(Scope::WhatsappBusinessMessaging)?;
        fn text(v: &Lenient<String>) -> Option<&str> {
            v.str().map(str::trim).filter(|s| !s.is_empty())
        }
        match text(&req.messaging_product) {
            None => return Err(ApiError::param_required("messaging_product")),
            Some("whatsapp") => {}
            Some(_) => {
                return Err(ApiError::invalid_param(
                    "The parameter messaging_product must be set to whatsapp.",
                ))
            }
        }
        if text(&req.status) != Some("read") {
            return Err(ApiError::invalid_param(
                "The parameter status must be read.",
            ));
        }
        let Some(message_id) = text(&req.message_id) else {
            return Err(ApiError::param_required("message_id"));
        };
        let typing = match &req.typing_indicator {
            Lenient::Absent | Lenient::Null => false,
            t => {
                if t.get().and_then(|t| t.kind.str()) != Some("text") {
                    return Err(ApiError::invalid_param(
                        "Param typing_indicator['type'] must be text.",
                    ));
                }
                true
            }
        };
        let message = self
            .store
            .get_inbound(&message_id.into())
            .await?
            .filter(|m| m.phone_number_id == phone_number_id)
            .ok_or_else(|| ApiError::invalid_value("Invalid message_id"))?;
        let now = self.clock.now();
        self.store
            .mark_thread_read(
                &message.phone_number_id,
                &message.wa_id,
                message.created_at.0,
                typing.then_some(now.0),
            )
            .await?;
        Ok(vitrine_wire::graph::Success::TRUE)
    }

    /// Step 3 of a send: the number's messages-per-second budget (130429), then the pair rate
    /// limit (131056, synchronous or, by setting, a failed status: `pair_limited`).
    fn throttle(
        &self,
        phone: &PhoneNumber,
        wa_id: &WaId,
        now: Millis,
        pair_limited: &mut bool,
    ) -> Result<(), ApiError> {
        let limits = &self.behaviour.limits;
        let nodes = self.live_nodes();
        if !self
            .limiter
            .take_number(&phone.id, limits.mps(&phone.throughput), nodes, now)
        {
            if let Some(t) = self.telemetry() {
                t.limit_hit(crate::telemetry::LimitHit::Throughput);
            }
            return Err(ApiError::new(ErrorKind::RateLimitHit)
                .with_details("Cloud API message throughput has been reached.")
                .with_usage_of(phone.waba_id.clone()));
        }
        if !self.limiter.take_pair(&phone.id, wa_id, limits, nodes, now) {
            if let Some(t) = self.telemetry() {
                t.limit_hit(crate::telemetry::LimitHit::Pair);
            }
            match limits.pair_limit_channel {
                PairLimitChannel::Sync => {
                    return Err(pair_limit_error().with_usage_of(phone.waba_id.clone()))
                }
                PairLimitChannel::Webhook => *pair_limited = true,
            }
        }
        Ok(())
    }

    /// The media a message carries: each uploaded id must be a live media of the sending number
    /// (131009 otherwise, synchronously); the message keeps its media's type and size. `Ok(Some)`
    /// with a 131053 when a media cannot be shown as the message's kind, or a link fails.
    async fn check_media(&self, record: &mut MessageRecord) -> Result<Option<ApiError>, ApiError> {
        let now = self.clock.now();
        let mut failure = None;
        let refs: Vec<(MediaKind, MediaRef)> = record
            .content
            .media_refs()
            .into_iter()
            .map(|(k, m)| (k, m.clone()))
            .collect();
        for (i, (kind, media)) in refs.iter().enumerate() {
            match media {
                MediaRef::Id(id) => {
                    let found = self.store.get_media(&id.into()).await?;
                    let m = self
                        .usable_media(found, &record.phone_number_id, now)
                        .ok_or_else(|| ApiError::invalid_value("Invalid media id"))?;
                    if !kind.accepts(&m.mime_type) && failure.is_none() {
                        failure = Some(wrong_media_kind(*kind, &m.mime_type));
                    }
                    if let (0, Outgoing::Media(content)) = (i, &mut record.content) {
                        content.mime_type = Some(m.mime_type.clone());
                        content.file_size = Some(m.file_size);
                    }
                }
                MediaRef::Link(link) => {
                    if let Some(status) = failing_link(link) {
                        failure = failure.or(Some(link_failed(status)));
                    }
                }
            }
        }
        Ok(failure)
    }

    /// A reaction must be on a message the customer sent in this chat in the last 30 days, and
    /// not on a reaction: otherwise it is not delivered and a failed status carries 131009.
    async fn check_reaction(&self, record: &MessageRecord) -> Result<Option<ApiError>, ApiError> {
        let Outgoing::Reaction { message_id, .. } = &record.content else {
            return Ok(None);
        };
        let target = self.store.get_inbound(&message_id.into()).await?;
        let ok = target.is_some_and(|t| {
            t.phone_number_id == record.phone_number_id
                && t.wa_id == record.wa_id
                && record.created_at.0 - t.created_at.0 < REACTION_WINDOW_MS
                && !matches!(t.content, crate::inbound::Incoming::Reaction { .. })
        });
        Ok((!ok).then(|| {
            ApiError::invalid_value(
                "Message failed to send because the reaction's message_id is not a message the customer sent in this chat in the last 30 days.",
            )
        }))
    }

    /// A media of `phone_number_id` (or, by setting, of another number of its business) that
    /// has not expired.
    pub(crate) fn usable_media(
        &self,
        record: Option<MediaRecord>,
        phone_number_id: &PhoneNumberId,
        now: Millis,
    ) -> Option<MediaRecord> {
        let record = record.filter(|m| !m.is_expired(now))?;
        if record.phone_number_id == phone_number_id {
            return Some(record);
        }
        if !self.behaviour.media.shared_across_numbers {
            return None;
        }
        let owner = |id: &PhoneNumberId| {
            self.read(|dir| {
                let phone = dir.phone_number(id)?;
                dir.owner_of(crate::directory::Node::PhoneNumber(phone))
                    .cloned()
            })
        };
        let mine = owner(phone_number_id);
        (mine.is_some() && owner(&record.phone_number_id) == mine).then_some(record)
    }

    /// Newest first.
    pub async fn list_messages(&self, query: &MessageQuery) -> Result<MessagePage, ApiError> {
        Ok(self.store.list_messages(query).await?)
    }

    pub async fn get_message(&self, wamid: &Wamid) -> Result<Option<MessageRecord>, ApiError> {
        Ok(self.store.get_message(wamid).await?)
    }
}
