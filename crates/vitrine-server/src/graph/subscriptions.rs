//! Webhook subscriptions:
//! POST|GET|DELETE /{version}/{app-id}/subscriptions and
//! POST|GET|DELETE /{version}/{waba-id}/subscribed_apps

use super::GraphRequest;
use crate::response::{graph_ok, graph_result};
use axum::response::Response;

/// POST /{app-id}/subscriptions (`object`, `callback_url`, `verify_token`, `fields`)
pub async fn subscribe_app(req: GraphRequest) -> Response {
    let params = match req.params.typed() {
        Ok(p) => p,
        Err(e) => return graph_result::<()>(&req.meta, Err(e)),
    };
    let result = req
        .state
        .sandbox
        .subscribe_app(
            &req.principal,
            &req.id(),
            &req.meta.api_version,
            &params,
            req.state.verifier.as_ref(),
        )
        .await;
    graph_result(&req.meta, result)
}

/// GET /{app-id}/subscriptions
pub fn app_subscriptions(req: GraphRequest) -> Response {
    let v = req.state.sandbox.app_subscriptions(&req.id());
    graph_ok(&req.meta, &v)
}

/// DELETE /{app-id}/subscriptions
pub async fn unsubscribe_app(req: GraphRequest) -> Response {
    let result = req.state.sandbox.unsubscribe_app(&req.id()).await;
    graph_result(&req.meta, result)
}

/// POST /{waba-id}/subscribed_apps (optionally `override_callback_uri` + `verify_token`)
pub async fn subscribe_waba(req: GraphRequest) -> Response {
    let params = match req.params.typed() {
        Ok(p) => p,
        Err(e) => return graph_result::<()>(&req.meta, Err(e)),
    };
    let result = req
        .state
        .sandbox
        .subscribe_waba(
            &req.principal,
            &req.id(),
            &params,
            req.state.verifier.as_ref(),
        )
        .await;
    graph_result(&req.meta, result)
}

/// GET /{waba-id}/subscribed_apps
pub fn waba_subscribed_apps(req: GraphRequest) -> Response {
    let result = req
        .state
        .sandbox
        .waba_subscribed_apps(&req.principal, &req.id());
    graph_result(&req.meta, result)
}

/// DELETE /{waba-id}/subscribed_apps
pub async fn unsubscribe_waba(req: GraphRequest) -> Response {
    let result = req
        .state
        .sandbox
        .unsubscribe_waba(&req.principal, &req.id())
        .await;
    graph_result(&req.meta, result)
}
