//! A template's `components` as created (commerce spec §7.2–§7.3) and as Graph reads them back:
//! HEADER, BODY, FOOTER, BUTTONS (each button type), CAROUSEL (cards with their own
//! components), LIMITED_TIME_OFFER.
//!
//! Vitrine keeps a template's components as they were given, with `type`, `format` and button
//! types in upper case, and answers them back alike; so every field is [`Lenient`] (the creation
//! rules decide what a wrongly typed one means), unknown keys are kept in `other`, and each
//! object is an [`Object`], written back with its keys in the order they came.

use crate::lenient::{Lenient, NumberOrText, Object};
use crate::messages::template::List;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Component {
    /// `HEADER`, `BODY`, `FOOTER`, `BUTTONS`, `CAROUSEL`, `LIMITED_TIME_OFFER` (any case).
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    /// A header's: `TEXT`, `IMAGE`, `VIDEO`, `DOCUMENT`, `LOCATION` or `PRODUCT`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub format: Lenient<String>,
    /// A TEXT header's, a body's or a footer's text, with `{{1}}` or `{{name}}` variables.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub text: Lenient<String>,
    /// Sample values for the variables (or a media header's upload handle).
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub example: Lenient<Object<Example>>,
    /// BUTTONS.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub buttons: List<Button>,
    /// CAROUSEL.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub cards: List<Card>,
    /// LIMITED_TIME_OFFER.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub limited_time_offer: Lenient<Object<LimitedTimeOffer>>,
    /// An authentication template's BODY.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub add_security_recommendation: Lenient<bool>,
    /// An authentication template's FOOTER.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub code_expiration_minutes: Lenient<u64>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `example` of a header or a body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Example {
    /// A TEXT header's sample: `["Pablo"]`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub header_text: Lenient<Vec<String>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub header_text_named_params: List<NamedExample>,
    /// A media header's upload handle: `["4::aW1h..."]`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub header_handle: Lenient<Vec<String>>,
    /// Positional body samples: `[["10%", "$40"]]`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub body_text: Lenient<Vec<Vec<String>>>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub body_text_named_params: List<NamedExample>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `{"param_name": "first_name", "example": "Maria"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamedExample {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub param_name: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub example: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A button of BUTTONS; `type` says which fields it has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Button {
    /// `QUICK_REPLY`, `URL`, `PHONE_NUMBER`, `COPY_CODE`, `FLOW`, `CATALOG`, `MPM`, `SPM`,
    /// `ORDER_DETAILS`, `OTP` (any case).
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    /// The label, at most 25 characters.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub text: Lenient<String>,
    /// URL: at most one variable, at the end.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub url: Lenient<String>,
    /// PHONE_NUMBER.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub phone_number: Lenient<String>,
    /// URL: `["https://example.com/p/a"]`; COPY_CODE: the sample code.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub example: Lenient<ButtonExample>,
    /// FLOW.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub flow_id: Lenient<NumberOrText>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub flow_action: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub navigate_screen: Lenient<String>,
    /// OTP (authentication templates): `COPY_CODE`, `ONE_TAP` or `ZERO_TAP`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub otp_type: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A button's `example`: one sample or a list of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ButtonExample {
    One(String),
    Many(Vec<String>),
}

/// A carousel card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Card {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub components: List<Component>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// LIMITED_TIME_OFFER: the offer's text and whether it shows a countdown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitedTimeOffer {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub text: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub has_expiration: Lenient<bool>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
