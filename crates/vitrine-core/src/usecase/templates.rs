//! Message templates (Graph): create, list, read, edit, delete; the review life cycle on the
//! sandbox clock, with `message_template_status_update` webhooks; operator status changes.

use crate::auth::Principal;
use crate::directory::DirectoryChange;
use crate::error::{ApiError, ErrorKind};
use crate::id::{TemplateId, WabaId};
use crate::model::Scope;
use crate::sandbox::{Plan, Sandbox};
use crate::template::{self, Template, TemplateEvent, TemplateStatus};
use crate::webhook::{plan, Outbox};
use serde_json::{Map, Value};
use vitrine_wire::graph::{Cursors, List, Paging, Projected, Success};
use vitrine_wire::lenient::Object;
use vitrine_wire::templates::{
    Component, ComponentsParam, CreateTemplate, DeleteTemplates, EditTemplate, ListTemplates,
    TemplateCreated, TemplateNode,
};

fn bad(details: impl Into<String>) -> ApiError {
    ApiError::invalid_param(details).graph_scope()
}

fn components_param(components: &ComponentsParam) -> Result<Vec<Object<Component>>, ApiError> {
    match components {
        ComponentsParam::Absent => Err(ApiError::param_required("components").graph_scope()),
        ComponentsParam::NotJson(e) => Err(bad(format!("Param components must be JSON: {e}"))),
        ComponentsParam::Given(list) => template::check_components(list),
    }
}

/// The template object of Graph reads.
pub fn render(t: &Template, fields: Option<&str>) -> Projected {
    let node = TemplateNode {
        name: t.name.clone(),
        parameter_format: t.parameter_format.clone(),
        components: t.components.clone(),
        language: t.language.clone(),
        status: t.status.as_str().to_owned(),
        category: t.category.clone(),
        id: t.id.to_string(),
        rejected_reason: (t.status == TemplateStatus::Rejected).then(|| t.reason.clone()),
    };
    let Ok(Value::Object(full)) = serde_json::to_value(&node) else {
        return Projected::default();
    };
    match fields {
        None => Projected(full),
        Some(f) => {
            let mut out = Map::new();
            for name in f.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if let Some(v) = full.get(name) {
                    out.insert(name.to_owned(), v.clone());
                }
            }
            out.insert("id".into(), Value::String(node.id));
            Projected(out)
        }
    }
}

const DAY_MS: i64 = 86_400_000;

impl Sandbox {
    /// POST /{waba-id}/message_templates
    pub async fn create_template(
        &self,
        principal: &Principal,
        waba_id: &WabaId,
        req: &CreateTemplate,
    ) -> Result<TemplateCreated, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        let name = req
            .name
            .text()
            .ok_or_else(|| ApiError::param_required("name").graph_scope())?;
        template::check_name(name)?;
        let language = req
            .language
            .text()
            .ok_or_else(|| ApiError::param_required("language").graph_scope())?;
        let category = template::check_category(
            req.category
                .text()
                .ok_or_else(|| ApiError::param_required("category").graph_scope())?,
        )?;
        let parameter_format = match req
            .parameter_format
            .text()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("POSITIONAL") => "POSITIONAL",
            Some("NAMED") => "NAMED",
            Some(_) => return Err(bad("Param parameter_format must be positional or named.")),
        };
        let components = components_param(&req.components)?;
        let now = self.clock.now();
        let id = self.ids.node_id();
        // The name check and the insert are one step: two creations of one name and language
        // at once (on one node or two) make one template.
        self.update(|dir| {
            let mine = dir.templates_of(waba_id);
            if mine.iter().any(|t| t.name == name && t.language == language) {
                return Err(ApiError::template(
                    ErrorKind::TemplateLanguageExists,
                    format!("There is already {language} content for this template. You can create a new template and try again."),
                ));
            }
            if mine.len() >= template::PER_WABA_MAX {
                return Err(ApiError::template(
                    ErrorKind::TemplateLimitReached,
                    format!(
                        "This WhatsApp Business Account has reached its limit of {} message templates.",
                        template::PER_WABA_MAX
                    ),
                ));
            }
            let t = Template {
                id: id.clone().into(),
                waba_id: waba_id.to_owned(),
                name: name.to_owned(),
                language: language.to_owned(),
                category: category.clone(),
                parameter_format: parameter_format.to_owned(),
                components: components.clone(),
                status: TemplateStatus::Pending,
                reason: "NONE".to_owned(),
                review_due_at: Some(now.0 + self.behaviour.template_review_ms.max(0)),
                edits: vec![],
            };
            Ok((Plan::change(DirectoryChange::Template(t)), ()))
        })
        .await?;
        Ok(TemplateCreated {
            id,
            status: "PENDING".to_owned(),
            category,
        })
    }

    /// GET /{waba-id}/message_templates (`name`, `status`, `category`, `language`, `fields`,
    /// `limit`, `after`)
    pub fn list_templates(
        &self,
        principal: &Principal,
        waba_id: &WabaId,
        req: &ListTemplates,
    ) -> Result<List<Projected>, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        let limit = req.limit.count().unwrap_or(25).clamp(1, 1000) as usize;
        let after = req.after.text();
        let name = req.name.text();
        let status = req.status.text().map(str::to_ascii_uppercase);
        let category = req.category.text().map(str::to_ascii_uppercase);
        let language = req.language.text();
        let fields = req.fields.text();
        Ok(self.read(|dir| {
            let matching: Vec<&Template> = dir
                .templates_of(waba_id)
                .into_iter()
                .filter(|t| name.is_none_or(|n| t.name.contains(n)))
                .filter(|t| status.as_deref().is_none_or(|s| t.status.as_str() == s))
                .filter(|t| category.as_deref().is_none_or(|c| t.category == c))
                .filter(|t| language.is_none_or(|l| t.language == l))
                .filter(|t| after.is_none_or(|a| t.id.as_str() > a))
                .collect();
            let page: Vec<Projected> = matching
                .iter()
                .take(limit)
                .map(|t| render(t, fields))
                .collect();
            let mut out = List::of(page);
            if let (Some(first), Some(last)) = (
                matching.first(),
                matching.get(limit.min(matching.len()).saturating_sub(1)),
            ) {
                out.paging = Some(Paging {
                    cursors: Cursors {
                        before: first.id.to_string(),
                        after: last.id.to_string(),
                    },
                    next: (matching.len() > limit)
                        .then(|| format!("?limit={limit}&after={}", last.id)),
                    previous: None,
                });
            }
            out
        }))
    }

    /// GET /{template-id}
    pub fn get_template(
        &self,
        principal: &Principal,
        id: &TemplateId,
        fields: Option<&str>,
    ) -> Result<Projected, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        self.read(|dir| dir.template(id).map(|t| render(t, fields)))
            .ok_or_else(|| ApiError::unsupported("get", id.as_str()))
    }

    /// POST /{template-id}: new components (and, unless approved, category); back to review.
    /// Approved templates: at most one edit a day and ten in 30 days.
    pub async fn edit_template(
        &self,
        principal: &Principal,
        id: &TemplateId,
        req: &EditTemplate,
    ) -> Result<Success, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        let components = match req.components.is_given() {
            true => Some(components_param(&req.components)?),
            false => None,
        };
        let category = req
            .category
            .text()
            .map(template::check_category)
            .transpose()?;
        self.update(|dir| {
            let mut t = dir
                .template(id)
                .cloned()
                .ok_or_else(|| ApiError::unsupported("post", id.as_str()))?;
            let now = self.clock.now().0;
            if t.status == TemplateStatus::Approved {
                let last_day = t.edits.iter().filter(|e| now - **e < DAY_MS).count();
                let last_month = t.edits.iter().filter(|e| now - **e < 30 * DAY_MS).count();
                if last_day >= 1 || last_month >= 10 {
                    return Err(bad(
                        "An approved template can be edited once a day and 10 times in 30 days.",
                    ));
                }
                if req.category.is_given() {
                    return Err(bad(
                        "The category of an approved template cannot be changed.",
                    ));
                }
            }
            if let Some(c) = &components {
                t.components = c.clone();
            }
            if let Some(c) = &category {
                t.category = c.clone();
            }
            t.edits.push(now);
            t.status = TemplateStatus::Pending;
            t.reason = "NONE".to_owned();
            t.review_due_at = Some(now + self.behaviour.template_review_ms.max(0));
            Ok((Plan::change(DirectoryChange::Template(t)), ()))
        })
        .await?;
        Ok(Success::TRUE)
    }

    /// DELETE /{waba-id}/message_templates?name=…[&hsm_id=…]
    pub async fn delete_templates(
        &self,
        principal: &Principal,
        waba_id: &WabaId,
        req: &DeleteTemplates,
    ) -> Result<Success, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        let name = req
            .name
            .text()
            .ok_or_else(|| ApiError::param_required("name").graph_scope())?;
        let hsm_id = req.hsm_id.text();
        // Every template of that name goes in one commit: one transaction, one log entry.
        self.update(|dir| {
            let doomed: Vec<DirectoryChange> = dir
                .templates_of(waba_id)
                .into_iter()
                .filter(|t| t.name == name && hsm_id.is_none_or(|h| t.id == h))
                .map(|t| DirectoryChange::TemplateDeleted { id: t.id.clone() })
                .collect();
            if doomed.is_empty() {
                return Err(bad(format!("No message template named {name}.")));
            }
            Ok((Plan::changes(doomed), ()))
        })
        .await?;
        Ok(Success::TRUE)
    }

    /// Ends due reviews: APPROVED, or REJECTED by the configured rule; each with its webhook.
    pub async fn process_due_reviews(&self) -> Result<usize, ApiError> {
        let now = self.clock.now();
        let due = self.read(|dir| dir.templates_due(now.0));
        let mut n = 0;
        for t in due {
            let prefix = &self.behaviour.template_reject_prefix;
            let event = if !prefix.is_empty() && t.name.starts_with(prefix.as_str()) {
                TemplateEvent::Rejected
            } else {
                TemplateEvent::Approved
            };
            if self
                .move_template(
                    &t.id,
                    Some(TemplateStatus::Pending),
                    event.default_reason(),
                    event,
                )
                .await?
            {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Operator: force a status (`APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, `REINSTATED`).
    pub async fn set_template_status(
        &self,
        id: &TemplateId,
        event: TemplateEvent,
        reason: Option<&str>,
    ) -> Result<Option<Template>, ApiError> {
        if self.read(|dir| dir.template(id).is_none()) {
            return Ok(None);
        }
        let reason = reason.unwrap_or(event.default_reason()).to_owned();
        self.move_template(id, None, &reason, event).await?;
        Ok(self.read(|dir| dir.template(id).cloned()))
    }

    /// Moves template `id` from status `from` (any, when `None`) to `to`, with its webhook,
    /// unless it is no longer in `from` (another node or request moved it first): then nothing
    /// is written (`false`).
    async fn move_template(
        &self,
        id: &TemplateId,
        from: Option<TemplateStatus>,
        reason: &str,
        event: TemplateEvent,
    ) -> Result<bool, ApiError> {
        self.update(|dir| {
            let Some(mut t) = dir
                .template(id)
                .filter(|t| from.is_none_or(|f| t.status == f))
                .cloned()
            else {
                return Ok((Plan::none(), false));
            };
            let now = self.clock.now();
            t.status = event.status();
            t.reason = reason.to_owned();
            t.review_due_at = None;
            let webhooks = plan::template_webhooks(dir, &t, event, now);
            Ok((
                Plan {
                    changes: vec![DirectoryChange::Template(t)],
                    outbox: Outbox {
                        statuses: vec![],
                        webhooks,
                    },
                    inbound: None,
                },
                true,
            ))
        })
        .await
    }
}
