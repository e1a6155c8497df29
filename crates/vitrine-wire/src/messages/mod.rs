//! POST /{version}/{phone-number-id}/messages: the request body and Meta's answer.

pub mod contacts;
pub mod interactive;
pub mod order;
pub mod template;

use crate::lenient::{self, Lenient, NumberOrText};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use interactive::Interactive;
pub use template::TemplateMessage;

/// The request body of a send. Unknown fields (for example `recipient_identity_key_hash`, sent by
/// some SDKs) are tolerated. (They are not collected: a `flatten` here would make serde buffer
/// the whole body before reading a field.)
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SendMessage {
    #[serde(default, deserialize_with = "lenient::string")]
    pub messaging_product: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub recipient_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub to: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: Option<String>,
    #[serde(default)]
    pub text: Option<Text>,
    #[serde(default)]
    pub interactive: Option<Interactive>,
    /// Checked against the stored template.
    #[serde(default, skip_serializing_if = "Lenient::is_absent")]
    pub template: Lenient<TemplateMessage>,
    #[serde(default)]
    pub image: Option<MediaObject>,
    #[serde(default)]
    pub video: Option<MediaObject>,
    #[serde(default)]
    pub audio: Option<MediaObject>,
    #[serde(default)]
    pub document: Option<MediaObject>,
    #[serde(default)]
    pub sticker: Option<MediaObject>,
    #[serde(default)]
    pub location: Option<Location>,
    /// Contact cards; checked field by field in validation.
    #[serde(default, skip_serializing_if = "Lenient::is_absent")]
    pub contacts: template::List<contacts::Contact>,
    #[serde(default)]
    pub reaction: Option<Reaction>,
    #[serde(default)]
    pub context: Option<Context>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub biz_opaque_callback_data: Option<String>,
}

/// A send body as the HTTP layer read it: the request, or why it is not one (reported after the
/// caller and the number are checked, in Meta's order).
pub type SendBody = Result<SendMessage, Unreadable>;

/// Why a send body does not load into [`SendMessage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    NotAnObject,
    /// A value of a JSON type no encoding could give the field: where (`interactive.action.sections`)
    /// and serde's reason.
    WrongType {
        path: String,
        reason: String,
    },
}

impl SendMessage {
    /// Reads the merged parameters of a send.
    pub fn read(params: &serde_json::Value) -> SendBody {
        if !params.is_object() {
            return Err(Unreadable::NotAnObject);
        }
        SendMessage::read_from(params)
    }

    /// Reads a send from a map of its parameters (the HTTP layer's, which reads each from its
    /// JSON text).
    pub fn read_from<'de, D: serde::Deserializer<'de> + Clone>(params: D) -> SendBody {
        // Tracking the path copies every key it passes: it is done only for a body that fails,
        // by reading it again (the same reading, so the same error, now with its path).
        SendMessage::deserialize(params.clone()).or_else(|_| {
            serde_path_to_error::deserialize(params).map_err(|e| Unreadable::WrongType {
                path: e.path().to_string(),
                reason: lenient::without_position(e.inner().to_string()),
            })
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Text {
    #[serde(default, deserialize_with = "lenient::string")]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub preview_url: Option<bool>,
}

/// `image`, `video`, `audio`, `document` or `sticker`: an uploaded media `id` or a public
/// `link`, and what the kind allows besides. Keys Meta does not know are kept in `other` (they
/// are refused).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaObject {
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub link: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub caption: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub filename: Option<String>,
    /// `audio`: a voice note.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub voice: Option<bool>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `location`: coordinates as JSON numbers or decimal strings (both are seen).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    #[serde(default, skip_serializing_if = "Lenient::is_absent")]
    pub latitude: Lenient<NumberOrText>,
    #[serde(default, skip_serializing_if = "Lenient::is_absent")]
    pub longitude: Lenient<NumberOrText>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub address: Option<String>,
}

/// `reaction`: an emoji on a message the customer sent; `""` removes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    #[serde(default, deserialize_with = "lenient::string")]
    pub message_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub emoji: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    #[serde(default, deserialize_with = "lenient::string")]
    pub message_id: Option<String>,
}

/// The same path with `status: "read"`: the business reads a customer's message, and may show
/// the typing indicator (`{"type": "text"}`). Lenient: the rules answer each field's problem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MarkRead {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub messaging_product: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub status: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub message_id: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub typing_indicator: Lenient<TypingIndicator>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TypingIndicator {
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl MarkRead {
    /// Reads the merged parameters. Every field is lenient, so only a body that is not an object
    /// could fail, and the merged parameters always are one: it then reads as empty.
    pub fn read(params: &serde_json::Value) -> MarkRead {
        MarkRead::deserialize(params).unwrap_or_default()
    }
}

/// Meta's answer to an accepted send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendMessageResponse {
    pub messaging_product: String,
    pub contacts: Vec<ResponseContact>,
    pub messages: Vec<ResponseMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseContact {
    pub input: String,
    pub wa_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseMessage {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_status: Option<String>,
}
