//! Message templates: POST|GET|DELETE /{version}/{waba-id}/message_templates and
//! GET|POST /{version}/{template-id}

use super::GraphRequest;
use crate::response::graph_result;
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
    let meta = &req.meta;
    match endpoint {
        TemplateEndpoint::Create => {
            graph_result(meta, sandbox.create_template(who, id, params).await)
        }
        TemplateEndpoint::List => graph_result(meta, sandbox.list_templates(who, id, params)),
        TemplateEndpoint::Delete => {
            graph_result(meta, sandbox.delete_templates(who, id, params).await)
        }
        TemplateEndpoint::Get => graph_result(
            meta,
            sandbox.get_template(who, id, req.params.str("fields")),
        ),
        TemplateEndpoint::Edit => graph_result(meta, sandbox.edit_template(who, id, params).await),
    }
}
