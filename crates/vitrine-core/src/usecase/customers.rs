//! Simulated customers (operator API): who they are, and what they send to businesses.
//! Every message a customer sends opens or refreshes the 24-hour window of that
//! (business number, customer) pair and reaches the business as a `messages` webhook.

use crate::directory::{DirectoryChange, WindowState};
use crate::error::ApiError;
use crate::id::{PhoneNumberId, RetailerId, WaId, Wamid};
use crate::ids::Direction;
use crate::inbound::{InboundContext, InboundRecord, Incoming};
use crate::model::Customer;
use crate::sandbox::{Plan, Sandbox};
use crate::seed;
use crate::validate::send_message::normalize_wa_id;
use crate::webhook::Outbox;

impl Sandbox {
    /// Creates (or renames) a customer.
    pub async fn upsert_customer(
        &self,
        wa_id: &WaId,
        name: Option<&str>,
    ) -> Result<Customer, ApiError> {
        self.upsert_customer_with(wa_id, name, None).await
    }

    /// Creates or updates a customer: name and read-receipt setting.
    pub async fn upsert_customer_with(
        &self,
        wa_id: &WaId,
        name: Option<&str>,
        read_receipts: Option<bool>,
    ) -> Result<Customer, ApiError> {
        let wa_id = normalize_wa_id(wa_id.as_str())
            .ok_or_else(|| ApiError::invalid_param(format!("'{wa_id}' is not a phone number.")))?;
        self.update(|dir| {
            let mut customer = dir
                .customer(&wa_id)
                .cloned()
                .unwrap_or_else(|| Customer::new(&wa_id, name));
            if let Some(n) = name {
                customer.name = n.to_owned();
            }
            if let Some(r) = read_receipts {
                customer.read_receipts = r;
            }
            Ok::<_, ApiError>((
                Plan::change(DirectoryChange::Customer(customer.clone())),
                customer,
            ))
        })
        .await
    }

    pub fn customer(&self, wa_id: &WaId) -> Option<Customer> {
        self.read(|dir| dir.customer(wa_id).cloned())
    }

    /// The customer writes `body` to a business number, optionally quoting a business message.
    pub async fn customer_sends_text(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        body: &str,
        reply_to: Option<&str>,
    ) -> Result<InboundRecord, ApiError> {
        if body.is_empty() {
            return Err(ApiError::invalid_param("The text must not be empty."));
        }
        let context = match reply_to {
            Some(id) => Some(self.quoted(wa_id, phone_number_id, &id.into()).await?.0),
            None => None,
        };
        self.customer_sends(
            wa_id,
            phone_number_id,
            Incoming::Text {
                body: body.to_owned(),
            },
            context,
        )
        .await
    }

    /// From a product page: the customer asks about a product shown in business message
    /// `wamid` → a text webhook whose `context` carries `referred_product`.
    pub async fn customer_asks_about(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        wamid: &Wamid,
        product_retailer_id: &RetailerId,
        body: &str,
    ) -> Result<InboundRecord, ApiError> {
        if body.is_empty() {
            return Err(ApiError::invalid_param("The text must not be empty."));
        }
        let (mut context, message) = self.quoted(wa_id, phone_number_id, wamid).await?;
        let catalog_id = match &message.content {
            crate::message::Outgoing::Product { catalog_id, .. }
            | crate::message::Outgoing::ProductList { catalog_id, .. } => Some(catalog_id.clone()),
            _ => self.read(|dir| {
                dir.waba(&message.waba_id)
                    .and_then(|w| w.catalog_id.clone())
            }),
        }
        .ok_or_else(|| ApiError::invalid_param("That message shows no catalog."))?;
        let shown = message
            .products
            .iter()
            .any(|p| p.retailer_id == product_retailer_id)
            || matches!(
                message.content,
                crate::message::Outgoing::CatalogMessage { .. }
            );
        if !shown {
            return Err(ApiError::invalid_param(format!(
                "Message {wamid} does not show product {product_retailer_id}."
            )));
        }
        context.referred_product = Some(crate::inbound::ReferredProduct {
            catalog_id,
            product_retailer_id: product_retailer_id.to_owned(),
        });
        self.customer_sends(
            wa_id,
            phone_number_id,
            Incoming::Text {
                body: body.to_owned(),
            },
            Some(context),
        )
        .await
    }

    /// The customer taps reply button `choice` of business message `wamid`, or picks list row
    /// `choice` → an `interactive` webhook (`button_reply` / `list_reply`).
    pub async fn customer_replies(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        wamid: &Wamid,
        choice: &str,
        card: Option<usize>,
    ) -> Result<InboundRecord, ApiError> {
        let (context, message) = self.quoted(wa_id, phone_number_id, wamid).await?;
        let content = match &message.content {
            crate::message::Outgoing::Button { buttons, .. } => buttons
                .iter()
                .find(|b| b.id == choice)
                .map(|b| Incoming::ButtonReply {
                    id: b.id.clone(),
                    title: b.title.clone(),
                }),
            crate::message::Outgoing::List { sections, .. } => sections
                .iter()
                .flat_map(|s| s.rows.iter())
                .find(|r| r.id == choice)
                .map(|r| Incoming::ListReply {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    description: r.description.clone(),
                }),
            crate::message::Outgoing::Template { .. } => {
                crate::template_send::quick_reply(&message.content, choice, card)
            }
            _ => {
                return Err(ApiError::invalid_param(format!(
                    "Message {wamid} has no buttons or list to reply to."
                )))
            }
        }
        .ok_or_else(|| {
            ApiError::invalid_param(format!("Message {wamid} has no choice '{choice}'."))
        })?;
        self.customer_sends(wa_id, phone_number_id, content, Some(context))
            .await
    }

    /// The customer pays the order of business message `wamid` (a checkout template or an
    /// `interactive.order_details`), or the payment fails (`captured` false): the business gets
    /// a `payment` status of that message. An order is paid once, and not after it expires.
    pub async fn customer_pays(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        wamid: &Wamid,
        captured: bool,
        method: &str,
    ) -> Result<InboundRecord, crate::usecase::carts::CustomerError> {
        use crate::usecase::carts::{CustomerError, Refusal};
        if !["upi", "card", "wallet", "netbanking"].contains(&method) {
            return Err(
                ApiError::invalid_param("method must be upi, card, wallet or netbanking.").into(),
            );
        }
        let (_, message) = self.quoted(wa_id, phone_number_id, wamid).await?;
        let order = match &message.content {
            crate::message::Outgoing::Template {
                order_details: Some(o),
                ..
            }
            | crate::message::Outgoing::OrderDetails { order: o, .. } => o.clone(),
            _ => {
                return Err(ApiError::invalid_param(format!(
                    "Message {wamid} has no order to pay."
                ))
                .into())
            }
        };
        // Only an order the phone shows can be paid: delivered, not failed.
        let statuses = self.message_statuses(wamid).await?;
        let shown = statuses
            .iter()
            .any(|s| s.status == crate::webhook::MessageStatus::Delivered)
            && !statuses
                .iter()
                .any(|s| s.status == crate::webhook::MessageStatus::Failed);
        if !shown {
            return Err(CustomerError::Refused {
                refusal: Refusal::NotDelivered,
                message: format!("Message {wamid} has not reached the customer's phone."),
            });
        }
        let now = self.clock.now();
        if order.expires_at.is_some_and(|t| t < now.unix_seconds()) {
            return Err(CustomerError::Refused {
                refusal: Refusal::OrderExpired,
                message: "This order has expired.".to_owned(),
            });
        }
        let earlier = self
            .store
            .list_inbound(phone_number_id, wa_id, 500)
            .await
            .map_err(ApiError::from)?;
        let paid = earlier.iter().any(|r| {
            matches!(&r.content, Incoming::Payment(p)
                if p.reference_id == order.reference_id && p.status == "captured")
        });
        if paid {
            return Err(CustomerError::Refused {
                refusal: Refusal::OrderPaid,
                message: "This order has already been paid.".to_owned(),
            });
        }
        let inbound_wamid = self.ids.wamid(wa_id, Direction::Inbound);
        let digest = <sha2::Sha256 as sha2::Digest>::digest(inbound_wamid.as_str().as_bytes());
        let payment = crate::inbound::Payment {
            order_wamid: wamid.to_string(),
            reference_id: order.reference_id.clone(),
            amount: order.total_amount,
            currency: order.currency.clone(),
            status: if captured { "captured" } else { "failed" }.to_owned(),
            transaction_id: format!("pay_{}", hex::encode(&digest[..7])),
            transaction_type: order
                .payment_gateway
                .clone()
                .unwrap_or_else(|| "upi".to_owned()),
            method: method.to_owned(),
        };
        let record = InboundRecord {
            wamid: inbound_wamid,
            phone_number_id: message.phone_number_id.clone(),
            waba_id: message.waba_id.clone(),
            wa_id: message.wa_id.clone(),
            content: Incoming::Payment(Box::new(payment)),
            context: None,
            created_at: now,
        };
        let webhooks = self.read(|dir| self.inbound_webhooks(dir, &record, None));
        self.record_inbound(&record, webhooks, vec![]).await?;
        Ok(record)
    }

    /// The business message `wamid`, which must have gone from `phone_number_id` to `wa_id`, as
    /// the `context` of a reply.
    pub(crate) async fn quoted(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        wamid: &Wamid,
    ) -> Result<(InboundContext, crate::message::MessageRecord), ApiError> {
        let message = self
            .store
            .get_message(wamid)
            .await?
            .filter(|m| m.wa_id == wa_id && m.phone_number_id == phone_number_id)
            .ok_or_else(|| {
                ApiError::invalid_param(format!(
                    "No message {wamid} from {phone_number_id} to {wa_id}."
                ))
            })?;
        let from = self
            .read(|dir| {
                dir.phone_number(phone_number_id)
                    .map(|p| p.display_phone_number.clone())
            })
            .unwrap_or_default();
        Ok((InboundContext::quote(&from, wamid.as_str()), message))
    }

    /// Records what a customer sends: their message, its webhooks, and the window it opens.
    pub(crate) async fn customer_sends(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        content: Incoming,
        context: Option<InboundContext>,
    ) -> Result<InboundRecord, ApiError> {
        self.customer_sends_with(wa_id, phone_number_id, content, context, None)
            .await
    }

    /// [`Sandbox::customer_sends`], with the download URL of the message's media.
    pub(crate) async fn customer_sends_with(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        content: Incoming,
        context: Option<InboundContext>,
        media_url: Option<&str>,
    ) -> Result<InboundRecord, ApiError> {
        let customer = match self.customer(wa_id) {
            Some(c) => c,
            None => self.upsert_customer(wa_id, None).await?,
        };
        let now = self.clock.now();
        let (record, webhooks) = self.read(|dir| {
            let phone = dir.phone_number(phone_number_id).ok_or_else(|| {
                ApiError::invalid_param(format!("Unknown business phone number {phone_number_id}."))
            })?;
            let record = InboundRecord {
                wamid: self.ids.wamid(&customer.wa_id, Direction::Inbound),
                phone_number_id: phone.id.clone(),
                waba_id: phone.waba_id.clone(),
                wa_id: customer.wa_id.clone(),
                content,
                context,
                created_at: now,
            };
            let webhooks = self.inbound_webhooks(dir, &record, media_url);
            Ok::<_, ApiError>((record, webhooks))
        })?;
        self.record_inbound(&record, webhooks, vec![]).await?;
        Ok(record)
    }

    /// The chat of a customer with a business number as one device sees it: every message in
    /// order, product messages with the products as they are now (unavailable when deleted or
    /// hidden), messages the device is too old to show replaced by the "outdated" notice.
    /// Looking at the chat reads the business's messages: `read` statuses follow when the
    /// customer sends read receipts.
    pub async fn chat(
        &self,
        wa_id: &WaId,
        phone_number_id: &PhoneNumberId,
        device: Option<&str>,
    ) -> Result<serde_json::Value, crate::usecase::carts::CustomerError> {
        use crate::usecase::carts::{CustomerError, ProductView};
        use serde_json::json;
        let customer = self
            .customer(wa_id)
            .ok_or_else(|| CustomerError::NotFound(format!("No customer {wa_id}.")))?;
        let dev = match device {
            Some(d) => customer.devices.iter().find(|x| x.id == d),
            None => customer.devices.first(),
        }
        .cloned()
        .ok_or_else(|| CustomerError::NotFound(format!("Customer {wa_id} has no such device.")))?;
        let now = self.clock.now();
        let outbound = self
            .store
            .list_messages(&crate::message::MessageQuery {
                phone_number_id: Some(phone_number_id.to_owned()),
                wa_id: Some(customer.wa_id.clone()),
                before_cursor: None,
                after_cursor: None,
                limit: 200,
            })
            .await
            .map_err(ApiError::from)?;
        let inbound = self
            .store
            .list_inbound(phone_number_id, &customer.wa_id, 200)
            .await
            .map_err(ApiError::from)?;
        let reads = self
            .store
            .thread_reads(phone_number_id, &customer.wa_id)
            .await
            .map_err(ApiError::from)?;
        let mut entries: Vec<(i64, serde_json::Value)> = vec![];
        let mut to_read = vec![];
        let mut last_business_at = None;
        for (_, m) in outbound.items.iter().rev() {
            let statuses = self.message_statuses(&m.wamid).await?;
            let status = statuses.iter().map(|s| s.status).max();
            let failed = status == Some(crate::webhook::MessageStatus::Failed);
            let delivered = statuses
                .iter()
                .any(|s| s.status == crate::webhook::MessageStatus::Delivered);
            let is_reaction = matches!(m.content, crate::message::Outgoing::Reaction { .. });
            let kind = m.content.kind();
            // A reaction is never delivered: it shows once sent.
            let visible = !failed && (delivered || (is_reaction && status.is_some()));
            let mut v = json!({
                "from": "business",
                "wamid": m.wamid,
                "at": m.created_at.0,
                "type": kind,
                "content": m.content,
                "status": status.map(|s| s.as_str()),
            });
            if let Some(id) = &m.context_message_id {
                v["context"] = json!({ "id": id });
            }
            if !dev.supports(m.content.client_kind()) {
                v["notice"] = json!(
                    "This message can't be displayed because your version of WhatsApp is outdated."
                );
            } else {
                let products: Vec<serde_json::Value> = self.read(|dir| {
                    let catalog = dir.connected_catalog(&m.waba_id);
                    m.products
                        .iter()
                        .map(|snap| match catalog.and_then(|c| c.product(&snap.retailer_id)).filter(|p| p.is_sendable()) {
                            Some(p) => json!(ProductView::of(p)),
                            None => json!({ "product_retailer_id": snap.retailer_id, "name": snap.name, "unavailable": true }),
                        })
                        .collect()
                });
                if !products.is_empty() {
                    v["products"] = json!(products);
                }
                if let crate::message::Outgoing::Text {
                    catalog_link: Some(number),
                    preview_url,
                    ..
                } = &m.content
                {
                    v["catalog_link"] = self.catalog_link_view(number, *preview_url);
                }
            }
            if visible && !is_reaction && status != Some(crate::webhook::MessageStatus::Read) {
                to_read.push(m.wamid.clone());
            }
            if visible || failed {
                if !is_reaction {
                    last_business_at = Some(m.created_at.0);
                }
                entries.push((m.created_at.0, v));
            }
        }
        for r in inbound {
            let mut v = json!({ "from": "customer", "wamid": r.wamid, "at": r.created_at.0, "content": r.content, "context": r.context });
            self.add_order_lines(phone_number_id, &r.content, &mut v);
            if reads
                .read_up_to
                .is_some_and(|up_to| r.created_at.0 <= up_to)
            {
                v["read"] = json!(true);
            }
            entries.push((r.created_at.0, v));
        }
        self.in_accepted_order(&mut entries).await?;
        crate::usecase::inspector::fold_reactions(&mut entries);
        // "typing…" shows for 25 s after the indicator, or until the business replies.
        let typing_until = reads
            .typing_at
            .filter(|t| last_business_at.is_none_or(|b| b < *t))
            .map(|t| t + crate::inbound::TYPING_MS)
            .filter(|until| *until > now.0);
        let (catalog_visible, business) = self.read(|dir| {
            dir.phone_number(phone_number_id)
                .map(|p| (p.commerce.is_catalog_visible, p.verified_name.clone()))
                .unwrap_or((false, String::new()))
        });
        if customer.read_receipts {
            for wamid in to_read {
                self.mark_read(&wamid).await?;
            }
        }
        Ok(json!({
            "phone_number_id": phone_number_id,
            "business": business,
            "device": dev.id,
            "now": now.0,
            "catalog_visible": catalog_visible,
            "typing_until": typing_until,
            "messages": entries.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        }))
    }

    /// What a `wa.me/c/<number>` link in a chat opens: the catalog of the business whose number
    /// it is, whichever chat it was sent in; shown as a catalog preview only with `preview_url`.
    pub fn catalog_link_view(&self, number: &str, preview_url: bool) -> serde_json::Value {
        use serde_json::json;
        self.read(|dir| {
            let phone = dir
                .phone_numbers()
                .find(|p| p.display_phone_number == number);
            let Some(phone) = phone else {
                return json!({ "number": number, "valid": false, "preview": false });
            };
            let catalog = dir
                .connected_catalog(&phone.waba_id)
                .filter(|_| phone.commerce.is_catalog_visible);
            let thumbnail = catalog
                .and_then(|c| c.first_sendable())
                .map(|p| p.image_url.clone());
            json!({
                "number": number,
                "phone_number_id": phone.id,
                "business": phone.verified_name,
                "valid": catalog.is_some(),
                "preview": preview_url && catalog.is_some(),
                "thumbnail": thumbnail,
                "products": catalog.map(|c| c.products().filter(|p| p.is_sendable()).count()),
            })
        })
    }

    /// Stores what a customer did with its webhooks, the window a message opens and `changes`,
    /// in one transaction, and applies the changes here. A payment is not a message: it leaves
    /// the customer service window as it is. Nothing here depends on what was read.
    pub(crate) async fn record_inbound(
        &self,
        record: &InboundRecord,
        webhooks: Vec<crate::webhook::NewWebhook>,
        changes: Vec<DirectoryChange>,
    ) -> Result<(), ApiError> {
        self.commit_plan(inbound_plan(record.clone(), webhooks, changes))
            .await
    }

    /// The demo customer says "Hi" to the demo number, so that a first product message is
    /// delivered rather than failing on a closed window.
    pub async fn greet_demo_customer(&self) -> Result<(), ApiError> {
        let ready = self.read(|dir| {
            dir.customer(&WaId::from(seed::CUSTOMER_WA_ID)).is_some()
                && dir
                    .phone_number(&PhoneNumberId::from(seed::PHONE_NUMBER_ID))
                    .is_some()
        });
        if ready {
            self.customer_sends_text(
                &WaId::from(seed::CUSTOMER_WA_ID),
                &PhoneNumberId::from(seed::PHONE_NUMBER_ID),
                "Hi",
                None,
            )
            .await?;
        }
        Ok(())
    }
}

/// What a customer did, as one commit: their message, its webhooks, the window a message opens
/// and `changes`. A payment is not a message: it leaves the customer service window as it is.
pub(crate) fn inbound_plan(
    record: InboundRecord,
    webhooks: Vec<crate::webhook::NewWebhook>,
    mut changes: Vec<DirectoryChange>,
) -> Plan {
    if !matches!(record.content, Incoming::Payment(_)) {
        changes.push(DirectoryChange::Window(WindowState {
            phone_number_id: record.phone_number_id.clone(),
            wa_id: record.wa_id.clone(),
            last_inbound_at: record.created_at.0,
        }));
    }
    Plan {
        changes,
        outbox: Outbox {
            statuses: vec![],
            webhooks,
        },
        inbound: Some(record),
    }
}
