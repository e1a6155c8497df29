//! POST /{version}/{phone-number-id}/messages

use super::GraphRequest;
use crate::response::{graph_error, graph_ok};
use axum::response::Response;

pub async fn send(req: GraphRequest) -> Response {
    let GraphRequest {
        state,
        meta,
        principal,
        node_id,
        params,
    } = req;
    let params = params.into_value();
    match state
        .sandbox
        .send_message(&principal, &node_id, &meta.api_version, &params)
        .await
    {
        Ok(resp) => graph_ok(&meta, &resp),
        Err(e) => graph_error(&meta, &e),
    }
}
