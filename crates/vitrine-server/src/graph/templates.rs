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
    let (who, params) = (&req.principal, &req.params);
    let meta = &req.meta;
    match endpoint {
        TemplateEndpoint::Create => match params.typed() {
            Ok(r) => graph_result(meta, sandbox.create_template(who, &req.id(), &r).await),
            Err(e) => graph_result::<()>(meta, Err(e)),
        },
        TemplateEndpoint::List => graph_result(
            meta,
            params
                .typed()
                .and_then(|r| sandbox.list_templates(who, &req.id(), &r)),
        ),
        TemplateEndpoint::Delete => match params.typed() {
            Ok(r) => graph_result(meta, sandbox.delete_templates(who, &req.id(), &r).await),
            Err(e) => graph_result::<()>(meta, Err(e)),
        },
        TemplateEndpoint::Get => graph_result(
            meta,
            sandbox.get_template(who, &req.id(), params.str("fields")),
        ),
        TemplateEndpoint::Edit => match params.typed() {
            Ok(r) => graph_result(meta, sandbox.edit_template(who, &req.id(), &r).await),
            Err(e) => graph_result::<()>(meta, Err(e)),
        },
    }
}
