//! `contacts`: contact cards, as a business sends them (messaging spec §2.3) and as a customer
//! shares them (the `contacts` webhook, §4.4). Only `name.formatted_name` is required.
//!
//! Every field is [`Lenient`] (the rules answer a wrongly typed one with Meta's error), unknown
//! keys are kept in `other`, and each card is an [`Object`]: a card is stored, shown and passed on
//! in a webhook as it was given.

use crate::lenient::{Lenient, Object};
use crate::messages::template::List;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub name: Lenient<Object<Name>>,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub birthday: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub addresses: List<Address>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub emails: List<Email>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub phones: List<Phone>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub urls: List<Url>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub org: Lenient<Object<Org>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Name {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub formatted_name: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub first_name: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub last_name: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub middle_name: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub suffix: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub prefix: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub street: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub city: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub state: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub zip: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub country: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub country_code: Lenient<String>,
    /// `HOME` or `WORK`.
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Email {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub email: Lenient<String>,
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Phone {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub phone: Lenient<String>,
    /// The WhatsApp id, when the number has one.
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub wa_id: Lenient<String>,
    /// `CELL`, `MAIN`, `IPHONE`, `HOME` or `WORK`.
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Url {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub url: Lenient<String>,
    #[serde(rename = "type", skip_serializing_if = "Lenient::is_absent")]
    pub kind: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Org {
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub company: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub department: Lenient<String>,
    #[serde(skip_serializing_if = "Lenient::is_absent")]
    pub title: Lenient<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
