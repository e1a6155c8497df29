//! Message template management responses (spec §7). Template nodes are read with `fields=`
//! ([`crate::graph::Projected`]).

use serde::{Deserialize, Serialize};

/// `POST /{waba-id}/message_templates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateCreated {
    pub id: String,
    pub status: String,
    pub category: String,
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
    /// The components: a JSON array, or its text.
    pub components: Param,
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
    pub components: Param,
    pub category: Param,
}

/// `DELETE /{waba-id}/message_templates`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeleteTemplates {
    pub name: Param,
    pub hsm_id: Param,
}
