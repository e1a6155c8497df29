//! Forwarding (messaging spec §5, commerce §9.3): a customer passes a message on to another
//! customer, or to a business. Between customers nothing reaches any business: the message is
//! kept in their own chat, with what it showed (product messages show their products as they are
//! now when opened).

use crate::clock::Millis;
use crate::inbound::Incoming;
use crate::message::{Outgoing, ProductSnapshot};
use serde::{Deserialize, Serialize};

/// One forward sends to at most this many chats (a frequently forwarded message: one).
pub const MAX_CHATS: usize = 5;

/// A message one customer forwarded to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerMessage {
    pub id: String,
    /// The customer who forwarded it.
    pub from: crate::id::WaId,
    /// The customer it was forwarded to.
    pub to: crate::id::WaId,
    pub created_at: Millis,
    /// How many times the content was forwarded, this forward included.
    pub forwards: u32,
    pub content: Forwarded,
}

/// What was forwarded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Forwarded {
    /// A business's message, from the business number that sent it.
    Business {
        phone_number_id: crate::id::PhoneNumberId,
        waba_id: crate::id::WabaId,
        /// The message the chain started from.
        wamid: crate::id::Wamid,
        content: Box<Outgoing>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        products: Vec<ProductSnapshot>,
    },
    /// A customer's own message.
    Customer { content: Incoming },
}

impl PeerMessage {
    pub fn forwarded(&self) -> bool {
        self.forwards <= crate::inbound::FREQUENTLY_FORWARDED_AFTER
    }
}
