//! Forwarding (messaging spec §5): a customer forwards a message of their chats (a business's,
//! their own, or one forwarded to them) to other customers or to a business. Customers see it
//! marked forwarded, with products as they are now, and can shop from it in their own chat with
//! the business; a business gets a `messages` webhook with `context.forwarded` (or
//! `frequently_forwarded` past five forwards).

use crate::error::ApiError;
use crate::forward::{Forwarded, PeerMessage, MAX_CHATS};
use crate::id::{PhoneNumberId, RetailerId, WaId};
use crate::ids::Direction;
use crate::inbound::{
    InboundContext, InboundLocation, InboundMedia, InboundRecord, Incoming, ReferredProduct,
    FREQUENTLY_FORWARDED_AFTER,
};
use crate::media::{MediaKind, MediaOrigin, MediaRecord};
use crate::message::{Header, MediaRef, Outgoing};
use crate::sandbox::Sandbox;
use crate::usecase::carts::{CustomerError, ProductView, Refusal};
use crate::validate::send_message::normalize_wa_id;
use serde_json::{json, Value};

/// Where a forward goes.
#[derive(Debug, Clone, Default)]
pub struct ForwardTargets {
    /// Customers, by wa_id.
    pub customers: Vec<String>,
    /// Business numbers, by phone number id (the forwarding customer's chats with them).
    pub businesses: Vec<String>,
}

fn refused(message: impl Into<String>) -> CustomerError {
    CustomerError::Refused {
        refusal: Refusal::CannotForward,
        message: message.into(),
    }
}

impl Sandbox {
    /// What customer `wa_id` may forward as `id`: a business message of their chat (shown on
    /// their phone), a message they sent, or one forwarded to them; with how often it was
    /// forwarded before.
    async fn forward_source(
        &self,
        wa_id: &WaId,
        id: &str,
    ) -> Result<(Forwarded, u32), CustomerError> {
        if let Some(m) = self
            .store
            .get_message(&id.into())
            .await
            .map_err(ApiError::from)?
        {
            if m.wa_id != wa_id {
                return Err(CustomerError::NotFound(format!(
                    "No message {id} in {wa_id}'s chats."
                )));
            }
            let statuses = self.message_statuses(&id.into()).await?;
            let shown = statuses
                .iter()
                .any(|s| s.status == crate::webhook::MessageStatus::Delivered)
                && !statuses
                    .iter()
                    .any(|s| s.status == crate::webhook::MessageStatus::Failed);
            if !shown {
                return Err(refused(format!("Message {id} has not reached the phone.")));
            }
            match &m.content {
                Outgoing::Reaction { .. } => {
                    return Err(refused("A reaction cannot be forwarded."))
                }
                Outgoing::Template {
                    buttons,
                    template_id,
                    ..
                } => {
                    // MPM and SPM templates and authentication messages cannot be forwarded.
                    let product = buttons.iter().any(|b| b.kind == "mpm" || b.kind == "spm");
                    let authentication = self.read(|dir| {
                        dir.template(template_id)
                            .is_some_and(|t| t.category.eq_ignore_ascii_case("AUTHENTICATION"))
                    });
                    if product || authentication {
                        return Err(refused("This message can't be forwarded."));
                    }
                }
                _ => {}
            }
            return Ok((
                Forwarded::Business {
                    phone_number_id: m.phone_number_id,
                    waba_id: m.waba_id,
                    wamid: m.wamid,
                    content: Box::new(m.content),
                    products: m.products,
                },
                0,
            ));
        }
        if let Some(r) = self
            .store
            .get_inbound(&id.into())
            .await
            .map_err(ApiError::from)?
        {
            if r.wa_id != wa_id {
                return Err(CustomerError::NotFound(format!(
                    "No message {id} in {wa_id}'s chats."
                )));
            }
            if matches!(
                r.content,
                Incoming::Reaction { .. } | Incoming::Payment(_) | Incoming::MediaTooLarge { .. }
            ) {
                return Err(refused("This message can't be forwarded."));
            }
            let before = r.context.as_ref().map_or(0, |c| c.forwards);
            return Ok((Forwarded::Customer { content: r.content }, before));
        }
        if let Some(p) = self
            .store
            .get_peer_message(id)
            .await
            .map_err(ApiError::from)?
        {
            if p.to != wa_id && p.from != wa_id {
                return Err(CustomerError::NotFound(format!(
                    "No message {id} in {wa_id}'s chats."
                )));
            }
            return Ok((p.content, p.forwards));
        }
        Err(CustomerError::NotFound(format!("No message {id}.")))
    }

    /// Customer `wa_id` forwards message `id` to other customers and/or businesses (at most five
    /// chats at once; one for a frequently forwarded message). Returns what was created.
    pub async fn customer_forwards(
        &self,
        wa_id: &WaId,
        id: &str,
        targets: &ForwardTargets,
    ) -> Result<Value, CustomerError> {
        let from = normalize_wa_id(wa_id.as_str())
            .ok_or_else(|| ApiError::invalid_param(format!("'{wa_id}' is not a phone number.")))?;
        if self.customer(&from).is_none() {
            return Err(CustomerError::NotFound(format!("No customer {from}.")));
        }
        let (content, before) = self.forward_source(&from, id).await?;
        let chats = targets.customers.len() + targets.businesses.len();
        let max = if before > FREQUENTLY_FORWARDED_AFTER {
            1
        } else {
            MAX_CHATS
        };
        if chats == 0 || chats > max {
            return Err(refused(format!(
                "Forward to 1 to {max} chat{} at a time.",
                if max == 1 { "" } else { "s" }
            )));
        }
        let forwards = before + 1;
        let now = self.clock.now();
        let mut peers = vec![];
        for to in &targets.customers {
            let to = normalize_wa_id(to)
                .ok_or_else(|| ApiError::invalid_param(format!("'{to}' is not a phone number.")))?;
            if to == from {
                return Err(refused("Forward to someone else."));
            }
            if self.customer(&to).is_none() {
                self.upsert_customer(&to, None).await?;
            }
            peers.push(PeerMessage {
                id: self.ids.wamid(&to, Direction::Inbound).into(),
                from: from.clone(),
                to,
                created_at: now,
                forwards,
                content: content.clone(),
            });
        }
        // Every business chat must exist before anything is sent.
        for phone in &targets.businesses {
            if self.read(|dir| dir.phone_number(&phone.into()).is_none()) {
                return Err(CustomerError::NotFound(format!(
                    "No business phone number {phone}."
                )));
            }
        }
        if !peers.is_empty() {
            self.store
                .insert_peer_messages(&peers)
                .await
                .map_err(ApiError::from)?;
        }
        let mut to_businesses = vec![];
        for phone in &targets.businesses {
            let record = self
                .forward_to_business(&from, &phone.into(), &content, forwards)
                .await?;
            to_businesses.push(json!({ "phone_number_id": phone, "wamid": record.wamid, "content": record.content, "context": record.context }));
        }
        Ok(json!({
            "forwards": forwards,
            "customers": peers.iter().map(|p| json!({ "to": p.to, "id": p.id })).collect::<Vec<_>>(),
            "businesses": to_businesses,
        }))
    }

    /// A forward to a business: the content as the API can represent it (media re-hosted
    /// under a new id of that number), with `context.forwarded`; product messages and other
    /// interactive content arrive as `unsupported` (spec §5, default of point 4).
    async fn forward_to_business(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        content: &Forwarded,
        forwards: u32,
    ) -> Result<InboundRecord, CustomerError> {
        let (incoming, media_from) = match content {
            Forwarded::Customer { content } => match content {
                Incoming::Media(m) => (None, Some((m.kind, m.id.clone(), m.caption.clone(), m.voice))),
                Incoming::Text { .. } | Incoming::Location(_) | Incoming::Contacts { .. } => {
                    (Some(content.clone()), None)
                }
                other => (
                    Some(Incoming::Unsupported {
                        kind: other.kind().to_owned(),
                    }),
                    None,
                ),
            },
            Forwarded::Business { content, .. } => match content.as_ref() {
                Outgoing::Text { body, .. } => (Some(Incoming::Text { body: body.clone() }), None),
                Outgoing::Location(l) => (
                    Some(Incoming::Location(InboundLocation {
                        latitude: l.latitude,
                        longitude: l.longitude,
                        name: l.name.clone(),
                        address: l.address.clone(),
                        url: None,
                    })),
                    None,
                ),
                Outgoing::Contacts { contacts } => (
                    Some(Incoming::Contacts {
                        contacts: contacts.clone(),
                    }),
                    None,
                ),
                Outgoing::Media(m) => match &m.media {
                    MediaRef::Id(id) => (None, Some((m.kind, id.clone(), m.caption.clone(), m.voice))),
                    MediaRef::Link(_) => {
                        return Err(refused(
                            "Vitrine never fetched this media (it was sent by link), so it cannot pass it on to a business.",
                        ))
                    }
                },
                // A forwarded reply-button message arrives as its image (spec §4.1).
                Outgoing::Button {
                    header: Some(Header::Image { media: MediaRef::Id(id) }),
                    ..
                } => (None, Some((MediaKind::Image, id.clone(), None, false))),
                other => (
                    Some(Incoming::Unsupported {
                        kind: other.kind().to_owned(),
                    }),
                    None,
                ),
            },
        };
        let context = Some(InboundContext {
            forwards,
            ..Default::default()
        });
        if let Some(content) = incoming {
            return Ok(self
                .customer_sends(wa_id, phone_number_id, content, context)
                .await?);
        }
        let Some((kind, source, caption, voice)) = media_from else {
            return Err(refused("Nothing to forward."));
        };
        let now = self.clock.now();
        let original = self
            .media_record(&source.into())
            .await?
            .ok_or_else(|| refused("The media is no longer available."))?;
        let copy = MediaRecord {
            id: self.ids.node_id().into(),
            phone_number_id: phone_number_id.to_owned(),
            origin: MediaOrigin::Inbound,
            created_at: now,
            expires_at: now.plus_ms(MediaOrigin::Inbound.lifetime_ms()),
            url_secret: self.ids.hex(16),
            ..original.clone()
        };
        if !self
            .store
            .copy_media(&original.id, &copy)
            .await
            .map_err(ApiError::from)?
        {
            return Err(refused("The media is no longer available."));
        }
        let url = self.media_url(&copy, copy.expires_at.unix_seconds(), true);
        let content = Incoming::Media(Box::new(InboundMedia {
            kind,
            id: copy.id.to_string(),
            mime_type: copy.mime_type.clone(),
            sha256: copy.sha256.clone(),
            file_size: copy.file_size,
            caption: caption.filter(|_| kind.has_caption()),
            filename: (kind == MediaKind::Document)
                .then(|| copy.filename.clone().unwrap_or_else(|| "file".to_owned())),
            voice,
            animated: copy.animated,
        }));
        Ok(self
            .customer_sends_with(wa_id, phone_number_id, content, context, Some(&url))
            .await?)
    }

    /// The customers `wa_id` exchanged forwards with, newest first.
    pub async fn peer_chats(&self, wa_id: &WaId) -> Result<Value, CustomerError> {
        let chats = self.store.peer_chats(wa_id).await.map_err(ApiError::from)?;
        let data: Vec<Value> = chats
            .into_iter()
            .map(|(other, at)| {
                json!({ "wa_id": other, "name": self.customer(&other).map(|c| c.name), "last_at": at })
            })
            .collect();
        Ok(json!({ "data": data }))
    }

    /// The chat of two customers as `wa_id` sees it: the forwarded messages, marked forwarded,
    /// product messages with their products as they are now.
    pub async fn peer_chat(&self, wa_id: &WaId, other: &WaId) -> Result<Value, CustomerError> {
        if self.customer(wa_id).is_none() {
            return Err(CustomerError::NotFound(format!("No customer {wa_id}.")));
        }
        let list = self
            .store
            .list_peer_messages(wa_id, other, 200)
            .await
            .map_err(ApiError::from)?;
        let messages: Vec<Value> = list
            .iter()
            .map(|p| self.peer_view(wa_id.as_str(), p))
            .collect();
        Ok(json!({
            "wa_id": other,
            "name": self.customer(other).map(|c| c.name),
            "now": self.clock.now().0,
            "messages": messages,
        }))
    }

    fn peer_view(&self, viewer: &str, p: &PeerMessage) -> Value {
        let mut v = json!({
            "id": p.id,
            "wamid": p.id,
            "from": if p.from == viewer { "me" } else { "friend" },
            "sender": p.from,
            "at": p.created_at.0,
            "forwards": p.forwards,
        });
        if p.forwarded() {
            v["forwarded"] = json!(true);
        } else {
            v["frequently_forwarded"] = json!(true);
        }
        match &p.content {
            Forwarded::Customer { content } => {
                v["type"] = json!(content.kind());
                v["content"] = json!(content);
            }
            Forwarded::Business {
                phone_number_id,
                content,
                products,
                ..
            } => {
                v["type"] = json!(content.kind());
                v["content"] = json!(content);
                v["origin"] = self.read(|dir| {
                    let phone = dir.phone_number(phone_number_id);
                    json!({
                        "phone_number_id": phone_number_id,
                        "business": phone.map(|p| p.verified_name.clone()),
                        "display_phone_number": phone.map(|p| p.display_phone_number.clone()),
                    })
                });
                let shown: Vec<Value> = self.read(|dir| {
                    let catalog = dir
                        .phone_number(phone_number_id)
                        .and_then(|p| dir.connected_catalog(&p.waba_id));
                    products
                        .iter()
                        .map(|snap| match catalog
                            .and_then(|c| c.product(&snap.retailer_id))
                            .filter(|p| p.is_sendable())
                        {
                            Some(now) => json!(ProductView::of(now)),
                            None => json!({ "product_retailer_id": snap.retailer_id, "name": snap.name, "unavailable": true }),
                        })
                        .collect()
                });
                if !shown.is_empty() {
                    v["products"] = json!(shown);
                }
                if let Outgoing::Text {
                    catalog_link: Some(number),
                    preview_url,
                    ..
                } = content.as_ref()
                {
                    v["catalog_link"] = self.catalog_link_view(number, *preview_url);
                }
            }
        }
        v
    }

    /// **Message business** on a product of a forwarded product message: a question from
    /// `wa_id`'s own chat with that business, `context.referred_product` filled and `context.id`
    /// a synthetic `product_inquiry` wamid (spec §5, point 3).
    pub async fn customer_asks_about_forwarded(
        &self,
        wa_id: &WaId,
        peer_id: &str,
        product_retailer_id: &RetailerId,
        body: &str,
    ) -> Result<InboundRecord, CustomerError> {
        if body.is_empty() {
            return Err(ApiError::invalid_param("The text must not be empty.").into());
        }
        let p = self
            .store
            .get_peer_message(peer_id)
            .await
            .map_err(ApiError::from)?
            .filter(|p| p.to == wa_id || p.from == wa_id)
            .ok_or_else(|| CustomerError::NotFound(format!("No forwarded message {peer_id}.")))?;
        let Forwarded::Business {
            phone_number_id,
            content,
            products,
            waba_id,
            ..
        } = &p.content
        else {
            return Err(refused("That message shows no products."));
        };
        let catalog_id = match content.as_ref() {
            Outgoing::Product { catalog_id, .. } | Outgoing::ProductList { catalog_id, .. } => {
                Some(catalog_id.clone())
            }
            _ => self.read(|dir| dir.waba(waba_id).and_then(|w| w.catalog_id.clone())),
        }
        .ok_or_else(|| refused("That message shows no catalog."))?;
        let shown = products
            .iter()
            .any(|s| s.retailer_id == product_retailer_id)
            || matches!(content.as_ref(), Outgoing::CatalogMessage { .. });
        if !shown {
            return Err(refused(format!(
                "That message does not show product {product_retailer_id}."
            )));
        }
        let display = self
            .read(|dir| {
                dir.phone_number(phone_number_id)
                    .map(|p| p.display_phone_number.clone())
            })
            .unwrap_or_default();
        let context = InboundContext {
            from: Some(display),
            id: Some(self.ids.product_inquiry_wamid(wa_id).into()),
            referred_product: Some(ReferredProduct {
                catalog_id,
                product_retailer_id: product_retailer_id.to_owned(),
            }),
            forwards: 0,
        };
        Ok(self
            .customer_sends(
                wa_id,
                phone_number_id,
                Incoming::Text {
                    body: body.to_owned(),
                },
                Some(context),
            )
            .await?)
    }
}
