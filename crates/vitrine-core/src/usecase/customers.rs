//! Simulated customers (operator API): who they are, and what they send to businesses.
//! Every message a customer sends opens or refreshes the 24-hour window of that
//! (business number, customer) pair and reaches the business as a `messages` webhook.

use crate::directory::{DirectoryChange, WindowState};
use crate::error::ApiError;
use crate::ids::Direction;
use crate::inbound::{InboundContext, InboundRecord, Incoming};
use crate::model::Customer;
use crate::sandbox::Sandbox;
use crate::seed;
use crate::validate::send_message::normalize_wa_id;
use crate::webhook::{plan, Outbox};

impl Sandbox {
    /// Creates (or renames) a customer.
    pub async fn upsert_customer(
        &self,
        wa_id: &str,
        name: Option<&str>,
    ) -> Result<Customer, ApiError> {
        let wa_id = normalize_wa_id(wa_id)
            .ok_or_else(|| ApiError::invalid_param(format!("'{wa_id}' is not a phone number.")))?;
        let mut customer = self
            .read(|dir| dir.customer(&wa_id).cloned())
            .unwrap_or_else(|| Customer::new(&wa_id, name));
        if let Some(n) = name {
            customer.name = n.to_owned();
        }
        self.commit_change(DirectoryChange::Customer(customer.clone()))
            .await?;
        Ok(customer)
    }

    pub fn customer(&self, wa_id: &str) -> Option<Customer> {
        self.read(|dir| dir.customer(wa_id).cloned())
    }

    /// The customer writes `body` to a business number, optionally quoting a business message.
    pub async fn customer_sends_text(
        &self,
        wa_id: &str,
        phone_number_id: &str,
        body: &str,
        reply_to: Option<&str>,
    ) -> Result<InboundRecord, ApiError> {
        if body.is_empty() {
            return Err(ApiError::invalid_param("The text must not be empty."));
        }
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
                content: Incoming::Text {
                    body: body.to_owned(),
                },
                context: reply_to.map(|id| InboundContext {
                    from: phone.display_phone_number.clone(),
                    id: id.to_owned(),
                }),
                created_at: now,
            };
            let webhooks = plan::inbound_webhooks(dir, &record);
            Ok::<_, ApiError>((record, webhooks))
        })?;
        self.record_inbound(&record, webhooks, vec![]).await?;
        Ok(record)
    }

    /// Stores a customer's message with its webhooks, the window it opens and `changes`, in one
    /// transaction, and applies the changes here.
    pub(crate) async fn record_inbound(
        &self,
        record: &InboundRecord,
        webhooks: Vec<crate::webhook::NewWebhook>,
        mut changes: Vec<DirectoryChange>,
    ) -> Result<(), ApiError> {
        changes.push(DirectoryChange::Window(WindowState {
            phone_number_id: record.phone_number_id.clone(),
            wa_id: record.wa_id.clone(),
            last_inbound_at: record.created_at.0,
        }));
        let notify = !webhooks.is_empty();
        self.store
            .insert_inbound(
                record,
                &Outbox {
                    statuses: vec![],
                    webhooks,
                },
                &changes,
            )
            .await?;
        self.write(|dir| {
            for change in &changes {
                dir.apply(change);
            }
        });
        if notify {
            self.webhook_wakeup.notify_waiters();
        }
        Ok(())
    }

    /// The demo customer says "Hi" to the demo number, so that a first product message is
    /// delivered rather than failing on a closed window.
    pub async fn greet_demo_customer(&self) -> Result<(), ApiError> {
        let ready = self.read(|dir| {
            dir.customer(seed::CUSTOMER_WA_ID).is_some()
                && dir.phone_number(seed::PHONE_NUMBER_ID).is_some()
        });
        if ready {
            self.customer_sends_text(seed::CUSTOMER_WA_ID, seed::PHONE_NUMBER_ID, "Hi", None)
                .await?;
        }
        Ok(())
    }
}
