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
