//! Which webhooks an event produces: one per subscribed destination, with the fidelity knobs
//! (duplicates, out-of-order delivery, batching) applied deterministically from a seeded RNG.

use super::payload::{self, ConversationInfo, StatusContext};
use super::schedule::WebhookSettings;
use super::{EventType, MessageStatus, NewWebhook, StatusEvent};
use crate::directory::Directory;
use crate::message::MessageRecord;
use crate::webhook::signature;
use rand::Rng;
use sha2::{Digest, Sha256};

/// The `conversation` of a message's statuses before v24: under per-message pricing its id is
/// unique per message (spec §4.11); it expires a day after the send.
fn conversation(msg: &MessageRecord) -> (String, i64) {
    let digest = Sha256::digest(format!("conversation|{}", msg.wamid).as_bytes());
    (
        hex::encode(&digest[..16]),
        msg.created_at.unix_seconds() + 86_400,
    )
}

/// Webhook rows for status events of one message.
pub fn status_webhooks(
    dir: &Directory,
    msg: &MessageRecord,
    events: &[StatusEvent],
    settings: &WebhookSettings,
    default_version: &str,
    rng: &mut impl Rng,
) -> Vec<NewWebhook> {
    let targets = dir.webhook_targets(&msg.waba_id, "messages");
    // Without a subscriber nothing below is needed (the conversation id is a SHA-256).
    if events.is_empty() || targets.is_empty() {
        return vec![];
    }
    let display = dir
        .phone_number(&msg.phone_number_id)
        .map(|p| p.display_phone_number.clone())
        .unwrap_or_default();
    let (conversation_id, expires_at_s) = conversation(msg);
    let business_id = dir
        .waba(&msg.waba_id)
        .map(|w| w.business_id.clone())
        .unwrap_or_default();
    let pricing = msg
        .pricing
        .clone()
        .unwrap_or_else(crate::message::Pricing::service);
    let mut out = vec![];
    for target in targets {
        let version = target.version.as_deref().unwrap_or(default_version);
        let ctx = StatusContext {
            waba_id: &msg.waba_id,
            business_id: &business_id,
            phone_number_id: &msg.phone_number_id,
            display_phone_number: &display,
            recipient_id: &msg.wa_id,
            biz_opaque_callback_data: msg.biz_opaque_callback_data.as_deref(),
            conversation: payload::has_conversation(version).then_some(ConversationInfo {
                id: &conversation_id,
                expires_at_s,
            }),
            pricing: &pricing,
        };
        let make = |group: &[&StatusEvent], due_at| {
            let body = payload::statuses(&ctx, group);
            NewWebhook {
                app_id: target.app_id.clone(),
                waba_id: msg.waba_id.clone(),
                url: target.url.clone(),
                event_type: EventType::Status,
                wamid: Some(msg.wamid.clone()),
                status: group.last().map(|e| e.status),
                signature_256: signature::sha256_header(&target.secret, &body),
                signature_1: signature::sha1_header(&target.secret, &body),
                body,
                due_at,
            }
        };
        let mut rows: Vec<NewWebhook> = if settings.batch_statuses && events.len() > 1 {
            let group: Vec<&StatusEvent> = events.iter().collect();
            let due = events.iter().map(|e| e.at).max().unwrap_or(events[0].at);
            vec![make(&group, due)]
        } else {
            events.iter().map(|e| make(&[e], e.at)).collect()
        };
        if settings.reorder_probability > 0.0
            && rng.gen_bool(settings.reorder_probability.clamp(0.0, 1.0))
        {
            // Deliver `delivered` before `sent`: swap their due times.
            let sent = rows
                .iter()
                .position(|r| r.status == Some(MessageStatus::Sent));
            let delivered = rows
                .iter()
                .position(|r| r.status == Some(MessageStatus::Delivered));
            if let (Some(s), Some(d)) = (sent, delivered) {
                let (a, b) = (rows[s].due_at, rows[d].due_at);
                rows[s].due_at = b.plus_ms(1);
                rows[d].due_at = a;
            }
        }
        if settings.duplicate_probability > 0.0 {
            let p = settings.duplicate_probability.clamp(0.0, 1.0);
            let mut dups = vec![];
            for r in &rows {
                if rng.gen_bool(p) {
                    let mut d = r.clone();
                    d.due_at = d.due_at.plus_ms(500);
                    dups.push(d);
                }
            }
            rows.extend(dups);
        }
        out.extend(rows);
    }
    out
}

/// Webhook rows for a customer's message: one per destination subscribed to `messages`. A
/// media message carries `media_url` for destinations whose webhook version is at least
/// `url_from_version` (v24 on Meta).
pub fn inbound_webhooks(
    dir: &Directory,
    record: &crate::inbound::InboundRecord,
    media: InboundMediaUrl<'_>,
) -> Vec<NewWebhook> {
    let display = dir
        .phone_number(&record.phone_number_id)
        .map(|p| p.display_phone_number.clone())
        .unwrap_or_default();
    let name = dir
        .customer(&record.wa_id)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let business_id = dir
        .waba(&record.waba_id)
        .map(|w| w.business_id.clone())
        .unwrap_or_default();
    let body_for = |url: Option<&str>| {
        payload::inbound(&record.waba_id, &business_id, &display, &name, record, url)
    };
    let without_url = body_for(None);
    let with_url = media.url.map(|u| body_for(Some(u)));
    dir.webhook_targets(&record.waba_id, "messages")
        .into_iter()
        .map(|target| {
            let version = target.version.as_deref().unwrap_or(media.default_version);
            let body = match &with_url {
                Some(b) if payload::major_version(version) >= media.url_from_version => b.clone(),
                _ => without_url.clone(),
            };
            NewWebhook {
                app_id: target.app_id.clone(),
                waba_id: record.waba_id.clone(),
                url: target.url.clone(),
                event_type: match record.content {
                    crate::inbound::Incoming::Payment(_) => EventType::Status,
                    _ => EventType::Message,
                },
                wamid: Some(record.wamid.clone()),
                status: None,
                signature_256: signature::sha256_header(&target.secret, &body),
                signature_1: signature::sha1_header(&target.secret, &body),
                body,
                due_at: record.created_at,
            }
        })
        .collect()
}

/// The download URL a media message's webhook may carry, and from which version on.
#[derive(Debug, Clone, Copy)]
pub struct InboundMediaUrl<'a> {
    pub url: Option<&'a str>,
    pub url_from_version: u32,
    /// The version of destinations without a subscription of their own.
    pub default_version: &'a str,
}

/// Webhook rows for a template status event: one per destination subscribed to
/// `message_template_status_update`.
pub fn template_webhooks(
    dir: &Directory,
    t: &crate::template::Template,
    event: crate::template::TemplateEvent,
    at: crate::clock::Millis,
) -> Vec<NewWebhook> {
    let body = payload::template_status(t, event, at);
    dir.webhook_targets(&t.waba_id, "message_template_status_update")
        .into_iter()
        .map(|target| NewWebhook {
            app_id: target.app_id.clone(),
            waba_id: t.waba_id.clone(),
            url: target.url.clone(),
            event_type: EventType::TemplateStatus,
            wamid: None,
            status: None,
            signature_256: signature::sha256_header(&target.secret, &body),
            signature_1: signature::sha1_header(&target.secret, &body),
            body: body.clone(),
            due_at: at,
        })
        .collect()
}
