//! What the web UI inspects (operator API): the threads between business numbers and customers,
//! one thread as the business's messages and the customer's replies interleave, and a cheap
//! fingerprint of everything that can change, which the event stream polls.
//!
//! Reading a thread here never reads the business's messages on the customer's behalf (unlike
//! the customer's own chat view).

use crate::error::ApiError;
use crate::id::{PhoneNumberId, WaId, Wamid};
use crate::inbound::Incoming;
use crate::message::{MessageQuery, Outgoing};
use crate::model::Customer;
use crate::sandbox::Sandbox;
use crate::webhook::WebhookQuery;
use serde_json::{json, Value};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// How many recent business messages the thread list and the fingerprint look at.
const RECENT_MESSAGES: u32 = 500;
/// How many messages (each way) a thread shows.
const THREAD_MESSAGES: u32 = 200;
/// Recent business messages whose statuses the fingerprint follows.
const WATCHED_STATUSES: u32 = 20;
/// Recent webhooks whose delivery state the fingerprint follows.
const WATCHED_WEBHOOKS: u32 = 50;

/// One part per kind of data, so that watchers can say what changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    /// The directory and the clock: catalog, carts, customers, settings, templates, windows
    /// (so also every customer message).
    pub directory: u64,
    /// Business messages and their statuses.
    pub messages: u64,
    /// Webhook deliveries.
    pub webhooks: u64,
}

impl Activity {
    /// The kinds that differ from `before`.
    pub fn changed_since(&self, before: &Activity) -> Vec<&'static str> {
        let mut kinds = vec![];
        if self.directory != before.directory {
            kinds.push("directory");
        }
        if self.messages != before.messages {
            kinds.push("messages");
        }
        if self.webhooks != before.webhooks {
            kinds.push("webhooks");
        }
        kinds
    }
}

fn hash_of(v: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// Reactions are not bubbles of their own: each target message gets `reactions` (the latest
/// emoji of each side, an empty emoji removing it), and the reaction entries are dropped. A
/// business reaction that failed never reached the phone.
impl Sandbox {
    /// Puts a thread's entries (sandbox time, message with its `wamid`) in the order their
    /// messages were accepted, the business's and the customer's alike, not by time: with the
    /// sandbox clock standing still, a customer's order and the business's answer share one
    /// millisecond. Messages stored before that order was kept come first, by time.
    pub(crate) async fn in_accepted_order(
        &self,
        entries: &mut [(i64, Value)],
    ) -> Result<(), ApiError> {
        let wamids: Vec<Wamid> = entries
            .iter()
            .filter_map(|(_, e)| e["wamid"].as_str().map(Wamid::from))
            .collect();
        let order = self.store.message_order(&wamids).await?;
        entries.sort_by_key(|(at, e)| {
            let accepted = e["wamid"].as_str().and_then(|w| order.get(w).copied());
            (accepted, *at)
        });
        Ok(())
    }
}

pub(crate) fn fold_reactions(entries: &mut Vec<(i64, Value)>) {
    let mut latest: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    for (_, e) in entries.iter() {
        if e["content"]["type"] != "reaction" || e["status"] == "failed" {
            continue;
        }
        let Some(target) = e["content"]["message_id"].as_str() else {
            continue;
        };
        let emoji = e["content"]["emoji"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let slot = latest.entry(target.to_owned()).or_default();
        if e["from"] == "business" {
            slot.0 = emoji;
        } else {
            slot.1 = emoji;
        }
    }
    entries.retain(|(_, e)| e["content"]["type"] != "reaction");
    for (_, e) in entries.iter_mut() {
        let Some((business, customer)) = e["wamid"].as_str().and_then(|w| latest.get(w)) else {
            continue;
        };
        let mut list = vec![];
        if let Some(b) = business {
            list.push(json!({ "from": "business", "emoji": b }));
        }
        if let Some(c) = customer {
            list.push(json!({ "from": "customer", "emoji": c }));
        }
        if !list.is_empty() {
            e["reactions"] = json!(list);
        }
    }
}

impl Sandbox {
    /// An order's lines with the products' names (as the catalog has them now), its total and
    /// currency, for display.
    pub(crate) fn add_order_lines(
        &self,
        phone_number_id: &PhoneNumberId,
        content: &Incoming,
        v: &mut Value,
    ) {
        let Incoming::Order { product_items, .. } = content else {
            return;
        };
        let lines: Vec<Value> = self.read(|dir| {
            let catalog = dir
                .phone_number(phone_number_id)
                .and_then(|p| dir.connected_catalog(&p.waba_id));
            product_items
                .iter()
                .map(|i| {
                    let name = catalog
                        .and_then(|c| c.product(&i.product_retailer_id))
                        .map(|p| p.name.clone());
                    json!({
                        "product_retailer_id": i.product_retailer_id,
                        "name": name,
                        "quantity": i.quantity,
                        "item_price": i.item_price,
                        "currency": i.currency,
                    })
                })
                .collect()
        });
        let total: i64 = product_items
            .iter()
            .map(|i| i.item_price * i64::from(i.quantity))
            .sum();
        v["lines"] = json!(lines);
        v["total"] = json!(total);
        v["currency"] = json!(product_items.first().map(|i| i.currency.clone()));
    }

    /// A fingerprint of what the UI shows: a few indexed reads, whichever node made the change
    /// (directory changes arrive through the change log; messages and webhooks are read from
    /// the store).
    pub async fn activity(&self) -> Result<Activity, ApiError> {
        let clock = self.clock.state();
        let directory = hash_of((self.revision(), clock.offset_ms, clock.frozen_at));
        let recent = self
            .store
            .list_messages(&MessageQuery {
                limit: WATCHED_STATUSES,
                ..Default::default()
            })
            .await?;
        let mut messages = DefaultHasher::new();
        self.store.thread_reads_version().await?.hash(&mut messages);
        self.store
            .peer_messages_version()
            .await?
            .hash(&mut messages);
        for (cursor, m) in &recent.items {
            cursor.hash(&mut messages);
            for s in self.message_statuses(&m.wamid).await? {
                s.status.hash(&mut messages);
            }
        }
        let hooks = self
            .store
            .list_webhooks(&WebhookQuery {
                state: None,
                wamid: None,
                event_type: None,
                before_id: None,
                after_id: None,
                limit: WATCHED_WEBHOOKS,
            })
            .await?;
        let webhooks = hash_of(
            hooks
                .items
                .iter()
                .map(|w| (w.id, w.state.as_str(), w.attempt_count))
                .collect::<Vec<_>>(),
        );
        Ok(Activity {
            directory,
            messages: messages.finish(),
            webhooks,
        })
    }

    /// Every customer, by wa_id.
    pub fn list_customers(&self) -> Vec<Customer> {
        let mut all: Vec<Customer> = self.read(|dir| dir.customers().cloned().collect());
        all.sort_by(|a, b| a.wa_id.cmp(&b.wa_id));
        all
    }

    /// The threads (business number, customer) that have any message, most recent first.
    pub async fn conversations(&self) -> Result<Vec<Value>, ApiError> {
        // (phone, wa_id) → (last activity, last business message type)
        let mut threads: HashMap<(PhoneNumberId, WaId), i64> = HashMap::new();
        self.read(|dir| {
            for (phone, wa_id, at) in dir.windows() {
                threads.insert((phone.clone(), wa_id.clone()), at);
            }
        });
        let recent = self
            .store
            .list_messages(&MessageQuery {
                limit: RECENT_MESSAGES,
                ..Default::default()
            })
            .await?;
        for (_, m) in &recent.items {
            let at = threads
                .entry((m.phone_number_id.clone(), m.wa_id.clone()))
                .or_insert(0);
            *at = (*at).max(m.created_at.0);
        }
        let mut list: Vec<((PhoneNumberId, WaId), i64)> = threads.into_iter().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let now = self.clock.now();
        Ok(self.read(|dir| {
            list.into_iter()
                .map(|((phone, wa_id), at)| {
                    let number = dir.phone_number(&phone);
                    let last_inbound = dir.last_inbound(&phone, &wa_id);
                    json!({
                        "phone_number_id": phone,
                        "display_phone_number": number.map(|p| p.display_phone_number.clone()),
                        "business": number.map(|p| p.verified_name.clone()),
                        "wa_id": wa_id,
                        "name": dir.customer(&wa_id).map(|c| c.name.clone()),
                        "last_at": at,
                        "window_open": crate::inbound::window_open(last_inbound, now),
                    })
                })
                .collect()
        }))
    }

    /// One thread, oldest first: the business's messages with every status reached so far and
    /// their products as the customer sees them now (`as_sent`: as they were at the send); the customer's messages with orders priced per
    /// line. Templates carry their definition, for their buttons and carousel cards.
    pub async fn conversation(
        &self,
        phone_number_id: &PhoneNumberId,
        wa_id: &WaId,
    ) -> Result<Value, ApiError> {
        let outbound = self
            .store
            .list_messages(&MessageQuery {
                phone_number_id: Some(phone_number_id.to_owned()),
                wa_id: Some(wa_id.to_owned()),
                before_cursor: None,
                after_cursor: None,
                limit: THREAD_MESSAGES,
            })
            .await?;
        let inbound = self
            .store
            .list_inbound(phone_number_id, wa_id, THREAD_MESSAGES)
            .await?;
        let reads = self.store.thread_reads(phone_number_id, wa_id).await?;
        let mut entries: Vec<(i64, Value)> = vec![];
        for (_, m) in outbound.items.iter().rev() {
            let statuses = self.message_statuses(&m.wamid).await?;
            let status = statuses.iter().map(|s| s.status).max();
            let mut v = json!({
                "from": "business",
                "wamid": m.wamid,
                "at": m.created_at.0,
                "type": m.content.kind(),
                "content": m.content,
                "status": status.map(|s| s.as_str()),
                "statuses": statuses.iter().map(|s| json!({
                    "status": s.status.as_str(),
                    "at": s.at.0,
                    "errors": s.errors,
                })).collect::<Vec<_>>(),
                "dropped_retailer_ids": m.dropped_retailer_ids,
            });
            if let Some(id) = &m.context_message_id {
                v["context"] = json!({ "id": id });
            }
            if let Outgoing::Text {
                catalog_link: Some(number),
                preview_url,
                ..
            } = &m.content
            {
                v["catalog_link"] = self.catalog_link_view(number, *preview_url);
            }
            self.read(|dir| {
                let catalog = dir.connected_catalog(&m.waba_id);
                let products: Vec<Value> = m
                    .products
                    .iter()
                    .map(|snap| {
                        match catalog
                            .and_then(|c| c.product(&snap.retailer_id))
                            .filter(|p| p.is_sendable())
                        {
                            Some(now) => {
                                let mut p = json!(crate::usecase::carts::ProductView::of(now));
                                p["as_sent"] = json!(snap);
                                p
                            }
                            None => json!({
                                "product_retailer_id": snap.retailer_id,
                                "name": snap.name,
                                "image_url": snap.image_url,
                                "unavailable": true,
                                "as_sent": snap,
                            }),
                        }
                    })
                    .collect();
                v["products"] = json!(products);
                if let Outgoing::Template { template_id, .. } = &m.content {
                    if let Some(t) = dir.template(template_id) {
                        v["template"] = json!({ "id": t.id, "status": t.status.as_str(), "components": t.components });
                    }
                }
            });
            entries.push((m.created_at.0, v));
        }
        for r in inbound {
            let kind = r.content.kind();
            let mut v = json!({
                "from": "customer",
                "wamid": r.wamid,
                "at": r.created_at.0,
                "type": kind,
                "content": r.content,
                "context": r.context,
            });
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
        fold_reactions(&mut entries);
        let (name, window_open) = self.read(|dir| {
            (
                dir.customer(wa_id).map(|c| c.name.clone()),
                crate::inbound::window_open(
                    dir.last_inbound(phone_number_id, wa_id),
                    self.clock.now(),
                ),
            )
        });
        Ok(json!({
            "phone_number_id": phone_number_id,
            "wa_id": wa_id,
            "name": name,
            "window_open": window_open,
            "now": self.clock.now().0,
            "messages": entries.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        }))
    }
}
