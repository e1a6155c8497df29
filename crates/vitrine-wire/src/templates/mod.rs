//! Message template management (spec §7): requests, responses, and the components of a
//! template ([`components`]). Template nodes are read with `fields=`
//! ([`crate::graph::Projected`]).

pub mod components;

use crate::lenient::{Lenient, Object};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use components::Component;

/// `POST /{waba-id}/message_templates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateCreated {
    pub id: String,
    pub status: String,
    pub category: String,
}

/// A template node as Graph reads answer it (`GET /{template-id}`, the `data` of
/// `GET /{waba-id}/message_templates`): every field, in Meta's order; `fields=` picks among them
/// ([`crate::graph::Projected`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateNode {
    pub name: String,
    /// `POSITIONAL` or `NAMED`.
    pub parameter_format: String,
    /// As created (see [`components`]).
    pub components: Vec<Object<Component>>,
    pub language: String,
    pub status: String,
    pub category: String,
    pub id: String,
    /// Why review rejected it (`INVALID_FORMAT`, ...): only on a rejected template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_reason: Option<String>,
}

use crate::params::Param;

/// `POST /{waba-id}/message_templates`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CreateTemplate {
    pub name: Param,
    pub language: Param,
    pub category: Param,
    /// `POSITIONAL` (default) or `NAMED`.
    pub parameter_format: Param,
    pub components: ComponentsParam,
}

/// `GET /{waba-id}/message_templates`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListTemplates {
    pub limit: Param,
    pub after: Param,
    pub name: Param,
    pub status: Param,
    pub category: Param,
    pub language: Param,
    pub fields: Param,
}

/// `POST /{template-id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EditTemplate {
    pub components: ComponentsParam,
    pub category: Param,
}

/// `DELETE /{waba-id}/message_templates`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeleteTemplates {
    pub name: Param,
    pub hsm_id: Param,
}

/// `components` of a creation or an edit: a JSON array, or its text (form and query encodings).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ComponentsParam {
    #[default]
    Absent,
    Given(Lenient<Vec<Lenient<Object<Component>>>>),
    /// Text that is not JSON, and why (serde_json's words).
    NotJson(String),
}

impl ComponentsParam {
    pub fn is_given(&self) -> bool {
        !matches!(self, ComponentsParam::Absent)
    }
}

impl<'de> Deserialize<'de> for ComponentsParam {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ComponentsParam, D::Error> {
        let value = match Value::deserialize(d)? {
            Value::String(text) => match serde_json::from_str::<Value>(&text) {
                Ok(v) => v,
                Err(e) => return Ok(ComponentsParam::NotJson(e.to_string())),
            },
            v => v,
        };
        Lenient::deserialize(value)
            .map(ComponentsParam::Given)
            .map_err(serde::de::Error::custom)
    }
}
