//! POST /{version}/{phone-number-id}/messages (sends, and with `status: "read"`, read receipts
//! and the typing indicator)

use super::GraphRequest;
use crate::response::{graph_error, graph_ok};
use axum::response::Response;
use vitrine_wire::messages::{MarkRead, SendMessage};

pub async fn send(req: GraphRequest) -> Response {
    let GraphRequest {
        state,
        meta,
        principal,
        node_id,
        params,
    } = req;
    // Marking a message read has no `to` and no `type`: the `status` key tells it apart.
    if params.contains("status") {
        let params = params.into_value();
        return match state
            .sandbox
            .mark_message_read(
                &principal,
                &node_id.as_str().into(),
                &MarkRead::read(&params),
            )
            .await
        {
            Ok(ok) => graph_ok(&meta, &ok),
            Err(e) => graph_error(&meta, &e),
        };
    }
    let body = SendMessage::read_from(params.deserializer());
    let started = std::time::Instant::now();
    let sent = state
        .sandbox
        .send_message(
            &principal,
            &node_id.as_str().into(),
            &meta.api_version,
            &body,
        )
        .await;
    state.metrics.send(sent.is_ok(), started.elapsed());
    match sent {
        Ok(resp) => graph_ok(&meta, &resp),
        Err(e) => graph_error(&meta, &e),
    }
}
