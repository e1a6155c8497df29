//! Vitrine's own API under `/_vitrine/`: the sandbox's facts, what was sent, tokens, metrics,
//! health.
//!
//! Guarded: with an admin token configured, every call but `/health` needs
//! `Authorization: Bearer <admin token>`; without one, only loopback clients are answered.
//! Errors use Vitrine's own shape: `{"error": {"code": "...", "message": "..."}}`.

mod catalogs;
mod clock;
mod customers;
mod info;
mod inspector;
mod media;
pub use inspector::EventHub;
mod messages;
mod phone_numbers;
mod templates;
mod tokens;
mod webhooks;

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/sandbox", get(info::sandbox))
        .route("/stats", get(info::stats))
        .route("/metrics", get(crate::metrics::endpoint))
        .route("/messages", get(messages::list))
        .route("/messages/{wamid}", get(messages::get))
        .route("/messages/{wamid}/read", post(messages::read))
        .route("/messages/{wamid}/fail", post(messages::fail))
        .route("/webhooks", get(webhooks::list))
        .route("/webhooks/{id}", get(webhooks::get))
        .route("/webhooks/{id}/redeliver", post(webhooks::redeliver))
        .route("/tokens", post(tokens::mint))
        .route("/events", get(inspector::events))
        .route("/conversations", get(inspector::list))
        .route(
            "/conversations/{phone_number_id}/{wa_id}",
            get(inspector::get),
        )
        .route(
            "/conversations/{phone_number_id}/{wa_id}/scenario",
            get(inspector::scenario),
        )
        .route(
            "/customers",
            post(customers::create).get(inspector::customers),
        )
        .route("/customers/{wa_id}", get(customers::get))
        .route("/customers/{wa_id}/messages", post(customers::send_text))
        .route("/customers/{wa_id}/devices", post(customers::add_device))
        .route("/customers/{wa_id}/replies", post(customers::reply))
        .route("/customers/{wa_id}/media", post(customers::send_file))
        .route("/customers/{wa_id}/forwards", post(customers::forward))
        .route("/customers/{wa_id}/peers", get(customers::peers))
        .route(
            "/customers/{wa_id}/peers/{other}",
            get(customers::peer_chat),
        )
        .route(
            "/customers/{wa_id}/locations",
            post(customers::send_location),
        )
        .route(
            "/customers/{wa_id}/contacts",
            post(customers::send_contacts),
        )
        .route("/customers/{wa_id}/reactions", post(customers::react))
        .route(
            "/customers/{wa_id}/unsupported",
            post(customers::send_unsupported),
        )
        .route("/customers/{wa_id}/payments", post(customers::pay))
        .route("/customers/{wa_id}/catalog", get(customers::catalog))
        .route(
            "/customers/{wa_id}/products/{retailer_id}",
            get(customers::product),
        )
        .route("/customers/{wa_id}/chat", get(customers::chat))
        .route("/customers/{wa_id}/cart", get(customers::view_cart))
        .route("/customers/{wa_id}/cart/items", post(customers::add_item))
        .route(
            "/customers/{wa_id}/cart/items/{retailer_id}",
            axum::routing::put(customers::set_quantity).delete(customers::remove_item),
        )
        .route("/customers/{wa_id}/cart/send", post(customers::send_cart))
        .route("/catalogs/{id}/import", post(catalogs::import))
        .route("/media/{id}", get(media::get))
        .route("/templates/{id}/status", post(templates::set_status))
        .route(
            "/phone_numbers/{id}/throughput",
            post(phone_numbers::throughput),
        )
        .route("/clock", get(clock::get))
        .route("/clock/advance", post(clock::advance))
        .route("/clock/set", post(clock::set))
        .route("/clock/freeze", post(clock::freeze))
        .route("/clock/unfreeze", post(clock::unfreeze))
        .route_layer(middleware::from_fn_with_state(state, guard))
        .route("/health", get(info::health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::map_response(json_errors))
}

/// Extractor rejections (a bad query string, a body over the limit) come back in Vitrine's error
/// shape too, never as plain text.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let message = String::from_utf8_lossy(&bytes).trim().to_owned();
    let code = if status.is_server_error() {
        "internal"
    } else {
        "invalid_request"
    };
    OpError::new(
        status,
        code,
        if message.is_empty() {
            status.to_string()
        } else {
            message
        },
    )
    .into_response()
}

/// An error of Vitrine's own API.
#[derive(Debug)]
pub struct OpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl OpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        OpError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        OpError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        OpError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl From<vitrine_core::ApiError> for OpError {
    fn from(e: vitrine_core::ApiError) -> Self {
        if e.kind == vitrine_core::ErrorKind::ConcurrentUpdate {
            return OpError::new(
                StatusCode::CONFLICT,
                "conflict",
                e.details.clone().unwrap_or_else(|| e.message()),
            );
        }
        let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        let code = if status.is_server_error() {
            "internal"
        } else {
            "invalid_request"
        };
        let message = match &e.details {
            Some(d) => format!("{} ({})", e.message(), d),
            None => e.message(),
        };
        OpError::new(status, code, message)
    }
}

impl IntoResponse for OpError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

/// A JSON body, with parse errors in Vitrine's shape. An empty body reads as `{}`.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, OpError> {
    let slice: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(slice)
        .map_err(|e| OpError::bad_request(format!("Invalid JSON body: {e}")))
}

async fn guard(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    match admit(state.admin_token.as_deref(), &peer, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// The access rule of `/_vitrine/`: with an admin token, `Authorization: Bearer <token>`
/// (the scheme in any case, compared in constant time); without one, loopback clients only, and
/// not through a proxy on this host (a `Forwarded` or `X-Forwarded-For` header), which would make
/// every remote client look local.
fn admit(admin_token: Option<&str>, peer: &SocketAddr, headers: &HeaderMap) -> Result<(), OpError> {
    match admin_token {
        Some(expected) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim());
            match given {
                Some(token)
                    if vitrine_core::auth::constant_time_eq(
                        token.as_bytes(),
                        expected.as_bytes(),
                    ) =>
                {
                    Ok(())
                }
                _ => Err(OpError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "This call needs Authorization: Bearer <VITRINE_ADMIN_TOKEN>.",
                )),
            }
        }
        None if headers.contains_key("forwarded") || headers.contains_key("x-forwarded-for") => {
            Err(OpError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "This request came through a proxy, so its client cannot be known to be local: set \
                 admin_token (VITRINE_ADMIN_TOKEN or --admin-token) and send Authorization: \
                 Bearer <token>.",
            ))
        }
        None if peer.ip().is_loopback() => Ok(()),
        None => Err(OpError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Without VITRINE_ADMIN_TOKEN set, /_vitrine/ answers loopback clients only.",
        )),
    }
}

async fn not_found() -> OpError {
    OpError::not_found("No such /_vitrine/ endpoint.")
}

async fn method_not_allowed() -> OpError {
    OpError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This /_vitrine/ endpoint does not support that method.",
    )
}
