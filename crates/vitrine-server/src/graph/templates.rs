//! Message templates: POST|GET|DELETE /{version}/{waba-id}/message_templates and
//! GET|POST /{version}/{template-id}

use super::GraphRequest;
use crate::response::{graph_error, graph_ok};
use axum::response::Response;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateEndpoint {
    Create,
    List,
    Delete,
    Get,
    Edit,
}

pub async fn handle(endpoint: TemplateEndpoint, req: GraphRequest) -> Response {
    let sandbox = &req.state.sandbox;
    let (who, id, params) = (&req.principal, req.node_id.as_str(), &req.params.map);
    let result = match endpoint {
        TemplateEndpoint::Create => sandbox.create_template(who, id, params).await,
        TemplateEndpoint::List => sandbox.list_templates(who, id, params),
        TemplateEndpoint::Delete => sandbox.delete_templates(who, id, params).await,
        TemplateEndpoint::Get => sandbox.get_template(who, id, req.params.str("fields")),
        TemplateEndpoint::Edit => sandbox.edit_template(who, id, params).await,
    };
    match result {
        Ok(v) => graph_ok(&req.meta, &v),
        Err(e) => graph_error(&req.meta, &e),
    }
}
