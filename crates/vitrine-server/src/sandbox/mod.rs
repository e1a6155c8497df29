//! Vitrine's own API under `/_vitrine/`: the sandbox's facts, what was sent, tokens, metrics,
//! health.
//!
//! Guarded: with an admin token configured, every call but `/health` needs
//! `Authorization: Bearer <admin token>`; without one, only loopback clients are answered.
//! Errors use Vitrine's own shape: `{"error": {"code": "...", "message": "..."}}`.

pub mod api;
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
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The guarded routes and their OpenAPI description, declared together so neither can miss one.
fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(info::sandbox))
        .routes(routes!(info::stats))
        .routes(routes!(crate::metrics::endpoint))
        .routes(routes!(messages::list))
        .routes(routes!(messages::get))
        .routes(routes!(messages::read))
        .routes(routes!(messages::fail))
        .routes(routes!(webhooks::list))
        .routes(routes!(webhooks::get))
        .routes(routes!(webhooks::redeliver))
        .routes(routes!(tokens::mint))
        .routes(routes!(inspector::events))
        .routes(routes!(inspector::list))
        .routes(routes!(inspector::get))
        .routes(routes!(inspector::scenario))
        .routes(routes!(customers::create, inspector::customers))
        .routes(routes!(customers::get))
        .routes(routes!(customers::send_text))
        .routes(routes!(customers::add_device))
        .routes(routes!(customers::reply))
        .routes(routes!(customers::send_file))
        .routes(routes!(customers::forward))
        .routes(routes!(customers::peers))
        .routes(routes!(customers::peer_chat))
        .routes(routes!(customers::send_location))
        .routes(routes!(customers::send_contacts))
        .routes(routes!(customers::react))
        .routes(routes!(customers::send_unsupported))
        .routes(routes!(customers::pay))
        .routes(routes!(customers::catalog))
        .routes(routes!(customers::product))
        .routes(routes!(customers::chat))
        .routes(routes!(customers::view_cart))
        .routes(routes!(customers::add_item))
        .routes(routes!(customers::set_quantity, customers::remove_item))
        .routes(routes!(customers::send_cart))
        .routes(routes!(catalogs::import))
        .routes(routes!(media::get))
        .routes(routes!(templates::set_status))
        .routes(routes!(phone_numbers::throughput))
        .routes(routes!(clock::get))
        .routes(routes!(clock::advance))
        .routes(routes!(clock::set))
        .routes(routes!(clock::freeze))
        .routes(routes!(clock::unfreeze))
}

/// The OpenAPI 3.1 document of `/_vitrine/`, as served at `/_vitrine/openapi.json` and kept in
/// `docs/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes_and_document().2
}

/// The guarded routes, the open ones (`/health`) and the document of both.
fn routes_and_document() -> (Router<AppState>, Router<AppState>, utoipa::openapi::OpenApi) {
    let (guarded, doc) = documented_routes().split_for_parts();
    let (open, open_doc) = OpenApiRouter::<AppState>::new()
        .routes(routes!(info::health))
        .split_for_parts();
    (guarded, open, finish(doc.merge_from(open_doc)))
}

/// Paths under `/_vitrine`, and every operation's errors in Vitrine's shape.
fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder, Schema};
    let error = ResponseBuilder::new()
        .description(
            "An error in Vitrine's shape: a bad request (400), no admin token (401), a refused \
             client (403), nothing there (404), a cart rule or a concurrent change (409), a body \
             or headers over the limits (413, 431).",
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build();
    // A JSON body of optional fields may be left out: an empty body reads as `{}`.
    let optional_bodies: Vec<String> = doc
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .filter_map(|(name, schema)| match schema {
            RefOr::T(Schema::Object(o)) if o.required.is_empty() => {
                Some(format!("#/components/schemas/{name}"))
            }
            _ => None,
        })
        .collect();
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(path, mut item)| {
            let words: Vec<&str> = path
                .split(['/', '{', '}'])
                .filter(|w| !w.is_empty())
                .collect();
            for (method, op) in [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ] {
                let Some(op) = op else { continue };
                // Handlers share names across modules (`get`); the id is made of the route.
                op.operation_id = Some(format!("{method}_{}", words.join("_")));
                op.responses
                    .responses
                    .insert("default".to_owned(), error.clone().into());
                if let Some(body) = op.request_body.as_mut() {
                    let optional = body
                        .content
                        .get("application/json")
                        .and_then(|c| c.schema.as_ref())
                        .is_some_and(|s| {
                            matches!(s, RefOr::Ref(r) if optional_bodies.contains(&r.ref_location))
                        });
                    if optional {
                        body.required = Some(Required::False);
                    }
                }
            }
            (format!("/_vitrine{path}"), item)
        })
        .collect();
    doc
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vitrine's own API",
        description = "The sandbox's facts, simulated customers, the clock, the message and \
            webhook logs, tokens and settings Meta's API has no endpoint for. With an admin token \
            configured every call but /_vitrine/health needs `Authorization: Bearer <token>`; \
            without one, only loopback clients are answered.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(api::ErrorBody)),
    modifiers(&AdminToken),
    security((), ("admin" = [])),
)]
struct ApiDoc;

struct AdminToken;

impl utoipa::Modify for AdminToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(components) = doc.components.as_mut() {
            components.add_security_scheme(
                "admin",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some("VITRINE_ADMIN_TOKEN (--admin-token)"))
                        .build(),
                ),
            );
        }
    }
}

pub fn router(state: AppState) -> Router<AppState> {
    let (guarded, open, doc) = routes_and_document();
    let doc = Arc::new(doc);
    guarded
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route_layer(middleware::from_fn_with_state(state, guard))
        .merge(open)
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
        let body = api::ErrorBody {
            error: api::ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// A JSON object body, with parse errors in Vitrine's shape. No body at all reads as `{}`; any
/// other JSON value (an array, which serde would otherwise read field by field), or blanks, is
/// refused.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, OpError> {
    let slice: &[u8] = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None if body.is_empty() => b"{}",
        Some(b'{') => body,
        _ => return Err(OpError::bad_request("The body must be a JSON object.")),
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
