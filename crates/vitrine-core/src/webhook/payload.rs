//! Building webhook bodies: Meta's envelope, serialized once with non-ASCII escaped as `\uXXXX`
//! (lowercase hex), which is what Meta signs and sends.

use super::StatusEvent;
use crate::id::{BusinessId, WaId, WabaId};
use crate::inbound::{InboundRecord, Incoming};
use crate::media::MediaKind;
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io;
use vitrine_wire::webhooks::{Amount, PaymentBody, PaymentMethod, Transaction, TransactionError};
use vitrine_wire::webhooks::{
    ButtonBody, Change, Contact, Conversation, Entry, InboundMessage, InteractiveReply,
    LocationBody, MediaBody, MessageContext, MessagesValue, Metadata, Notification, OrderBody,
    OrderLine, Origin, Pricing, Profile, ReactionBody, ReferredProduct as WireReferredProduct,
    ReplyChoice, Status, StatusContact, StatusesValue, TextBody, UnsupportedBody,
};

/// ISO 3166 alpha-2 codes of the most common calling codes, longest prefix first.
const COUNTRY_BY_CALLING_CODE: &[(&str, &str)] = &[
    ("880", "BD"),
    ("971", "AE"),
    ("972", "IL"),
    ("966", "SA"),
    ("351", "PT"),
    ("234", "NG"),
    ("254", "KE"),
    ("62", "ID"),
    ("44", "GB"),
    ("49", "DE"),
    ("33", "FR"),
    ("34", "ES"),
    ("39", "IT"),
    ("31", "NL"),
    ("52", "MX"),
    ("54", "AR"),
    ("55", "BR"),
    ("57", "CO"),
    ("60", "MY"),
    ("61", "AU"),
    ("63", "PH"),
    ("65", "SG"),
    ("66", "TH"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("86", "CN"),
    ("90", "TR"),
    ("91", "IN"),
    ("92", "PK"),
    ("20", "EG"),
    ("27", "ZA"),
    ("1", "US"),
    ("7", "RU"),
];

/// The business-scoped user id (BSUID) Meta puts beside `wa_id` in webhooks since April 2026:
/// the user's ISO 3166 alpha-2 country, a dot, and digits that are stable for one business
/// portfolio and one user and differ between portfolios (`US.13491208655302741918`).
pub fn bsuid(business_id: &BusinessId, wa_id: &WaId) -> String {
    let country = COUNTRY_BY_CALLING_CODE
        .iter()
        .find(|(code, _)| wa_id.as_str().starts_with(code))
        .map_or("ZZ", |(_, iso)| iso);
    let digest = Sha256::digest(format!("bsuid|{business_id}|{wa_id}").as_bytes());
    let mut n = [0u8; 8];
    n.copy_from_slice(&digest[..8]);
    // Twenty digits, never a leading zero.
    let digits = u128::from(u64::from_be_bytes(n)) + 10_000_000_000_000_000_000;
    format!("{country}.{digits}")
}

/// serde_json formatter that escapes every non-ASCII character as `\uXXXX` (UTF-16 units).
struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        // Nearly every fragment is ASCII: checked a word at a time, not decoded char by char.
        if fragment.is_ascii() {
            return w.write_all(bytes);
        }
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            if !ch.is_ascii() {
                w.write_all(&bytes[start..i])?;
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
                start = i + ch.len_utf8();
            }
        }
        w.write_all(&bytes[start..])
    }
}

/// The bytes of `value` as Meta would send them.
pub fn to_meta_bytes(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    // Our payload types serialize infallibly (string keys, no custom errors).
    if value.serialize(&mut ser).is_err() {
        out.clear();
        out.extend_from_slice(b"{}");
    }
    out
}

/// What a status payload needs to know about the message and its sender.
pub struct StatusContext<'a> {
    pub waba_id: &'a WabaId,
    /// The business portfolio owning the WABA: scopes the recipient's BSUID.
    pub business_id: &'a BusinessId,
    pub phone_number_id: &'a crate::id::PhoneNumberId,
    pub display_phone_number: &'a str,
    pub recipient_id: &'a WaId,
    pub biz_opaque_callback_data: Option<&'a str>,
    /// `Some` for app webhook versions before v24, which still carry `conversation`.
    pub conversation: Option<ConversationInfo<'a>>,
    /// How the message is priced.
    pub pricing: &'a crate::message::Pricing,
}

pub struct ConversationInfo<'a> {
    pub id: &'a str,
    /// Unix seconds when the conversation window closes.
    pub expires_at_s: i64,
}

/// The major number of a version (`v23.0` → 23); unreadable versions count as the newest.
pub fn major_version(version: &str) -> u32 {
    version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(u32::MAX)
}

/// Whether a webhook version (`v23.0`) still has `conversation` in status webhooks.
pub fn has_conversation(version: &str) -> bool {
    major_version(version) < 24
}

fn status_object(ctx: &StatusContext<'_>, event: &StatusEvent) -> Status {
    // `pricing` (and, before v24, `conversation`) go on `sent` and on one of `delivered` or
    // `read`: `delivered`, which always comes first here. Never on `failed` (spec §4.11).
    let priced = matches!(
        event.status,
        super::MessageStatus::Sent | super::MessageStatus::Delivered
    );
    Status {
        id: event.wamid.to_string(),
        status: event.status.as_str().to_owned(),
        timestamp: event.at.unix_seconds().to_string(),
        recipient_id: ctx.recipient_id.to_string(),
        kind: None,
        payment: None,
        biz_opaque_callback_data: ctx.biz_opaque_callback_data.map(str::to_owned),
        conversation: match (&ctx.conversation, priced) {
            (Some(c), true) => Some(Conversation {
                id: c.id.to_owned(),
                expiration_timestamp: (event.status == super::MessageStatus::Sent)
                    .then(|| c.expires_at_s.to_string()),
                origin: Origin {
                    kind: ctx.pricing.category.clone(),
                },
            }),
            _ => None,
        },
        pricing: priced.then(|| Pricing {
            billable: ctx.pricing.billable,
            pricing_model: "PMP".to_owned(),
            category: ctx.pricing.category.clone(),
            kind: Some(ctx.pricing.kind.clone()),
        }),
        errors: (!event.errors.is_empty()).then(|| event.errors.clone()),
    }
}

/// A `messages` notification carrying `statuses` (one or several of one message).
pub fn statuses(ctx: &StatusContext<'_>, events: &[&StatusEvent]) -> Vec<u8> {
    let value = StatusesValue {
        messaging_product: "whatsapp".to_owned(),
        metadata: Metadata {
            display_phone_number: ctx.display_phone_number.to_owned(),
            phone_number_id: ctx.phone_number_id.to_string(),
        },
        contacts: vec![StatusContact {
            wa_id: ctx.recipient_id.to_string(),
            user_id: bsuid(ctx.business_id, ctx.recipient_id),
        }],
        statuses: events.iter().map(|e| status_object(ctx, e)).collect(),
    };
    messages_notification(ctx.waba_id, value)
}

/// A customer's payment on a checkout order: a `payment` status of the business's
/// `order_details` message.
fn payment(
    waba_id: &WabaId,
    business_id: &BusinessId,
    display_phone_number: &str,
    record: &InboundRecord,
    p: &crate::inbound::Payment,
) -> Vec<u8> {
    let amount = Amount {
        value: p.amount.value,
        offset: p.amount.offset,
    };
    let at = record.created_at.unix_seconds();
    let success = p.status == "captured";
    let value = StatusesValue {
        messaging_product: "whatsapp".to_owned(),
        metadata: Metadata {
            display_phone_number: display_phone_number.to_owned(),
            phone_number_id: record.phone_number_id.to_string(),
        },
        contacts: vec![StatusContact {
            wa_id: record.wa_id.to_string(),
            user_id: bsuid(business_id, &record.wa_id),
        }],
        statuses: vec![Status {
            id: p.order_wamid.clone(),
            status: p.status.clone(),
            timestamp: at.to_string(),
            recipient_id: record.wa_id.to_string(),
            kind: Some("payment".to_owned()),
            payment: Some(PaymentBody {
                reference_id: p.reference_id.clone(),
                amount,
                currency: p.currency.clone(),
                transaction: Transaction {
                    id: p.transaction_id.clone(),
                    kind: p.transaction_type.clone(),
                    status: if success { "success" } else { "failed" }.to_owned(),
                    created_timestamp: at,
                    updated_timestamp: at,
                    amount,
                    currency: p.currency.clone(),
                    method: PaymentMethod {
                        kind: p.method.clone(),
                    },
                    error: (!success).then(|| TransactionError {
                        code: "payment_failed".to_owned(),
                        reason: "The customer's payment did not go through.".to_owned(),
                    }),
                },
            }),
            biz_opaque_callback_data: None,
            conversation: None,
            pricing: None,
            errors: None,
        }],
    };
    messages_notification(waba_id, value)
}

/// A `messages` notification of one WABA carrying `value`.
fn messages_notification(waba_id: &WabaId, value: impl Serialize) -> Vec<u8> {
    to_meta_bytes(&Notification {
        object: "whatsapp_business_account".to_owned(),
        entry: vec![Entry {
            id: waba_id.to_string(),
            time: None,
            changes: vec![Change {
                value,
                field: "messages".to_owned(),
            }],
        }],
    })
}

/// A `message_template_status_update` notification (spec §5.9).
pub fn template_status(
    t: &crate::template::Template,
    event: crate::template::TemplateEvent,
    at: crate::clock::Millis,
) -> Vec<u8> {
    let id: serde_json::Value =
        t.id.as_str()
            .parse::<u64>()
            .map(serde_json::Value::from)
            .unwrap_or_else(|_| t.id.to_string().into());
    to_meta_bytes(&Notification {
        object: "whatsapp_business_account".to_owned(),
        entry: vec![Entry {
            id: t.waba_id.to_string(),
            time: Some(at.unix_seconds()),
            changes: vec![Change {
                value: serde_json::json!({
                    "event": event.as_str(),
                    "message_template_id": id,
                    "message_template_name": t.name,
                    "message_template_language": t.language,
                    "message_template_category": t.category,
                    "reason": t.reason,
                }),
                field: "message_template_status_update".to_owned(),
            }],
        }],
    })
}

/// Minor units as a JSON number in major units: `30` when whole, `12.99` otherwise.
fn major_units(minor: i64, currency: &str) -> serde_json::Number {
    let div = 10i64.pow(crate::model::currency_exponent(currency));
    if minor % div == 0 {
        serde_json::Number::from(minor / div)
    } else {
        let text = crate::model::format_major(minor, currency);
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .unwrap_or_else(|| serde_json::Number::from(minor / div))
    }
}

/// A `messages` notification carrying a customer's message, with their profile; for a payment,
/// the `payment` status of the order message. `media_url` is the download URL of the message's
/// media, for webhook versions that carry one.
pub fn inbound(
    waba_id: &WabaId,
    business_id: &BusinessId,
    display_phone_number: &str,
    profile_name: &str,
    record: &InboundRecord,
    media_url: Option<&str>,
) -> Vec<u8> {
    let mut msg = InboundMessage {
        context: record.context.as_ref().map(|c| MessageContext {
            forwarded: c.forwarded().then_some(true),
            frequently_forwarded: c.frequently_forwarded().then_some(true),
            from: c.from.clone(),
            id: c.id.clone(),
            referred_product: c.referred_product.as_ref().map(|r| WireReferredProduct {
                catalog_id: r.catalog_id.to_string(),
                product_retailer_id: r.product_retailer_id.to_string(),
            }),
        }),
        from: record.wa_id.to_string(),
        from_user_id: bsuid(business_id, &record.wa_id),
        id: record.wamid.to_string(),
        timestamp: record.created_at.unix_seconds().to_string(),
        kind: record.content.kind().to_owned(),
        ..Default::default()
    };
    match &record.content {
        Incoming::Text { body } => msg.text = Some(TextBody { body: body.clone() }),
        Incoming::Payment(p) => {
            return payment(waba_id, business_id, display_phone_number, record, p)
        }
        Incoming::ButtonReply { id, title } => {
            msg.kind = "interactive".to_owned();
            msg.interactive = Some(InteractiveReply {
                kind: "button_reply".to_owned(),
                button_reply: Some(ReplyChoice {
                    id: id.clone(),
                    title: title.clone(),
                    description: None,
                }),
                list_reply: None,
            });
        }
        Incoming::TemplateButton { payload, text } => {
            msg.button = Some(ButtonBody {
                payload: payload.clone(),
                text: text.clone(),
            });
        }
        Incoming::ListReply {
            id,
            title,
            description,
        } => {
            msg.kind = "interactive".to_owned();
            msg.interactive = Some(InteractiveReply {
                kind: "list_reply".to_owned(),
                button_reply: None,
                list_reply: Some(ReplyChoice {
                    id: id.clone(),
                    title: title.clone(),
                    description: description.clone(),
                }),
            });
        }
        Incoming::Order {
            catalog_id,
            text,
            product_items,
        } => {
            msg.order = Some(OrderBody {
                catalog_id: catalog_id.to_string(),
                text: text.clone(),
                product_items: product_items
                    .iter()
                    .map(|i| OrderLine {
                        product_retailer_id: i.product_retailer_id.to_string(),
                        quantity: i.quantity,
                        item_price: major_units(i.item_price, &i.currency),
                        currency: i.currency.clone(),
                    })
                    .collect(),
            });
        }
        Incoming::Media(m) => {
            let captioned = matches!(
                m.kind,
                MediaKind::Image | MediaKind::Video | MediaKind::Document
            );
            let body = MediaBody {
                caption: m.caption.clone().filter(|_| captioned),
                filename: (m.kind == MediaKind::Document)
                    .then(|| m.filename.clone().unwrap_or_else(|| "file".to_owned())),
                mime_type: m.mime_type.clone(),
                sha256: hex::decode(&m.sha256)
                    .map(|d| base64::engine::general_purpose::STANDARD.encode(d))
                    .unwrap_or_default(),
                id: m.id.clone(),
                url: media_url.map(str::to_owned),
                voice: (m.kind == MediaKind::Audio).then_some(m.voice),
                animated: (m.kind == MediaKind::Sticker).then_some(m.animated),
            };
            match m.kind {
                MediaKind::Image => msg.image = Some(body),
                MediaKind::Video => msg.video = Some(body),
                MediaKind::Audio => msg.audio = Some(body),
                MediaKind::Document => msg.document = Some(body),
                MediaKind::Sticker => msg.sticker = Some(body),
            }
        }
        Incoming::MediaTooLarge { .. } => {
            msg.errors = Some(vec![crate::ApiError::new(
                crate::ErrorKind::InboundMediaTooLarge,
            )
            .to_webhook()]);
        }
        Incoming::Location(l) => {
            msg.location = Some(LocationBody {
                latitude: l.latitude,
                longitude: l.longitude,
                name: l.name.clone(),
                address: l.address.clone(),
                url: l.url.clone(),
            });
        }
        Incoming::Contacts { contacts } => msg.contacts = Some(contacts.clone()),
        Incoming::Reaction { message_id, emoji } => {
            msg.reaction = Some(ReactionBody {
                message_id: message_id.clone(),
                emoji: emoji.clone(),
            });
        }
        Incoming::Unsupported { kind } => {
            msg.errors = Some(vec![crate::ApiError::new(
                crate::ErrorKind::MessageTypeUnknown,
            )
            .with_details("Message type is currently not supported.")
            .to_webhook()]);
            msg.unsupported = Some(UnsupportedBody { kind: kind.clone() });
        }
    }
    let value = MessagesValue {
        messaging_product: "whatsapp".to_owned(),
        metadata: Metadata {
            display_phone_number: display_phone_number.to_owned(),
            phone_number_id: record.phone_number_id.to_string(),
        },
        contacts: vec![Contact {
            profile: Profile {
                name: profile_name.to_owned(),
            },
            wa_id: record.wa_id.to_string(),
            user_id: bsuid(business_id, &record.wa_id),
        }],
        messages: vec![msg],
    };
    messages_notification(waba_id, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Millis;
    use crate::webhook::MessageStatus;

    #[test]
    fn non_ascii_is_escaped_lowercase_with_surrogates() {
        let bytes = to_meta_bytes(&serde_json::json!({ "t": "Café ☕ 😀 \"q\"" }));
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"t":"Caf\u00e9 \u2615 \ud83d\ude00 \"q\""}"#
        );
    }

    #[test]
    fn bsuids_are_stable_per_portfolio_and_start_with_the_country() {
        let a = bsuid(&"107215548836021".into(), &"16505550123".into());
        assert_eq!(a, bsuid(&"107215548836021".into(), &"16505550123".into()));
        assert!(a.starts_with("US."), "{a}");
        assert_eq!(a.len(), "US.".len() + 20);
        assert!(a[3..].bytes().all(|b| b.is_ascii_digit()), "{a}");
        assert_ne!(a, bsuid(&"108900412276653".into(), &"16505550123".into()));
        assert!(bsuid(&"1".into(), &"447700900123".into()).starts_with("GB."));
        assert!(bsuid(&"1".into(), &"919876543210".into()).starts_with("IN."));
        assert!(bsuid(&"1".into(), &"9725012345678".into()).starts_with("IL."));
        assert!(bsuid(&"1".into(), &"3801234567".into()).starts_with("ZZ."));
    }

    #[test]
    fn conversation_only_before_v24() {
        assert!(has_conversation("v23.0"));
        assert!(has_conversation("v17.0"));
        assert!(!has_conversation("v24.0"));
        assert!(!has_conversation("v26.0"));
    }

    fn ctx(conversation: bool) -> StatusContext<'static> {
        StatusContext {
            waba_id: Box::leak(Box::new("110457892231604".into())),
            business_id: Box::leak(Box::new("107215548836021".into())),
            phone_number_id: Box::leak(Box::new("113859604417350".into())),
            display_phone_number: "15550107788",
            recipient_id: Box::leak(Box::new("16505550123".into())),
            biz_opaque_callback_data: Some("cart-7781 ✓"),
            conversation: conversation.then_some(ConversationInfo {
                id: "4ce0b0aa0b4b0d8c2e1f5a0f4d9c1a77",
                expires_at_s: 1_750_350_173,
            }),
            pricing: &PRICING,
        }
    }

    static PRICING: std::sync::LazyLock<crate::message::Pricing> =
        std::sync::LazyLock::new(crate::message::Pricing::service);

    #[test]
    fn status_payloads() {
        let sent = StatusEvent {
            wamid: "wamid.X".into(),
            status: MessageStatus::Sent,
            at: Millis(1_750_263_773_000),
            errors: vec![],
        };
        let body = String::from_utf8(statuses(&ctx(true), &[&sent])).unwrap();
        insta::assert_snapshot!("status_sent_v23", body);
        let failed = StatusEvent::failed(
            &"wamid.X".into(),
            Millis(1_750_263_800_000),
            &crate::ApiError::new(crate::ErrorKind::ReEngagementMessage).with_details(
                "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            ),
        );
        let body = String::from_utf8(statuses(&ctx(false), &[&failed])).unwrap();
        insta::assert_snapshot!("status_failed_v24", body);
    }
}
