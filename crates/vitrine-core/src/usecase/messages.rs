//! Sending messages and reading them back.

use crate::auth::Principal;
use crate::commerce;
use crate::error::ApiError;
use crate::message::{MessagePage, MessageQuery, MessageRecord};
use crate::model::Scope;
use crate::sandbox::Sandbox;
use crate::validate::{self, SendOptions};
use crate::webhook::Outbox;
use vitrine_wire::messages::{ResponseContact, ResponseMessage, SendMessageResponse};

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
        principal.require(Scope::WhatsappBusinessMessaging)?;
        let options = SendOptions {
            catalog_thumbnail_required: self.behaviour.catalog_thumbnail_required,
        };
        let now = self.clock.now();
        let (record, outbox) = self.read(|dir| {
            let phone = dir
                .phone_number(phone_number_id)
                .ok_or_else(|| ApiError::unsupported("post", phone_number_id))?;
            let req = validate::send_message(params, &phone.display_phone_number, options)?;
            let resolved = commerce::resolve(
                dir,
                phone,
                &req.outgoing,
                self.behaviour.mpm_no_match_details,
            )?;
            let content = commerce::drop_unmatched(req.outgoing, &resolved);
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
            let statuses = self.scheduled_statuses(&record);
            let webhooks = self.status_webhooks(dir, &record, &statuses);
            Ok::<_, ApiError>((record, Outbox { statuses, webhooks }))
        })?;
        self.store.insert_message(&record, &outbox).await?;
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
                id: record.wamid,
                message_status: None,
            }],
        })
    }

    /// Newest first.
    pub async fn list_messages(&self, query: &MessageQuery) -> Result<MessagePage, ApiError> {
        Ok(self.store.list_messages(query).await?)
    }

    pub async fn get_message(&self, wamid: &str) -> Result<Option<MessageRecord>, ApiError> {
        Ok(self.store.get_message(wamid).await?)
    }
}
