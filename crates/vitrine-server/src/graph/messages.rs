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
    // Marking a customer's message read (and the typing indicator) shares the path.
    if params.get("status").is_some() && params.get("type").is_none() {
        return match state
            .sandbox
            .business_marks_read(&principal, &node_id, &params)
            .await
        {
            Ok(()) => graph_ok(&meta, &serde_json::json!({ "success": true })),
            Err(e) => graph_error(&meta, &e),
        };
    }
    match state
        .sandbox
        .send_message(&principal, &node_id, &meta.api_version, &params)
        .await
    {
        Ok(resp) => graph_ok(&meta, &resp),
        Err(e) => graph_error(&meta, &e),
    }
}
