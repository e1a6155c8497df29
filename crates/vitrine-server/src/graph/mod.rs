//! Graph API dispatch: `/{version}/{node-id}[/{edge}]`, with the version optional.
//!
//! Order, as Meta's clients observe it (spec §11): authentication, then the node and whether the
//! token may see it (100/33), then the edge (2500 when unknown, 100/33 for a method the edge does
//! not support), then the body's syntax, then the endpoint's own rules.

mod catalog;
pub mod media;
mod messages;
mod subscriptions;
mod templates;

use crate::params::{self, Params};
use crate::response::{graph_error, GraphMeta};
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use vitrine_core::auth::{Credentials, NodeKind, Principal, Proof};
use vitrine_core::ApiError;

/// Everything a Graph endpoint handler gets.
pub struct GraphRequest {
    pub state: AppState,
    pub meta: GraphMeta,
    pub principal: Principal,
    /// A plain string: the path segment, resolved to a node of the kind the endpoint expects
    /// (see [`GraphRequest::id`]).
    pub node_id: String,
    pub params: Params,
}

impl GraphRequest {
    /// The node id as the kind of id the endpoint works on (`WabaId`, `CatalogId`, ...): the
    /// route was chosen by the kind the node resolved to.
    pub fn id<T: for<'a> From<&'a String>>(&self) -> T {
        T::from(&self.node_id)
    }
}

/// `v23.0`-style version segment.
fn is_version(segment: &str) -> bool {
    let Some(rest) = segment.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.splitn(2, '.');
    let major = parts.next().unwrap_or("");
    let minor = parts.next().unwrap_or("");
    !major.is_empty()
        && !minor.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && minor.bytes().all(|b| b.is_ascii_digit())
}

/// The router's fallback: every path that is not Vitrine's own is a Graph path. The response
/// carries the route template it answered ([`crate::metrics::GraphRoute`]) for the metrics.
pub async fn dispatch(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut template = crate::metrics::UNMATCHED;
    let mut resp = serve(state, method, uri, headers, body, &mut template).await;
    resp.extensions_mut()
        .insert(crate::metrics::GraphRoute(template));
    resp
}

/// [`dispatch`], naming in `template` the route template of the request as far as it is known
/// (the shape of the path first, then the kind of its node).
async fn serve(
    state: AppState,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
    template: &mut &'static str,
) -> Response {
    let mut segments: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    let api_version = match segments.first() {
        Some(first) if is_version(first) => {
            let v = first.to_string();
            segments.remove(0);
            v
        }
        _ => state.sandbox.behaviour.default_api_version.clone(),
    };
    *template = path_route(&segments);
    let meta = GraphMeta {
        api_version,
        trace_id: state.sandbox.new_trace_id(),
    };

    // A media upload is streamed to the store, never buffered whole.
    let streamed = method == Method::POST
        && segments.len() == 2
        && segments[1] == "media"
        && headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let (params, body_too_large, upload_body) = if streamed {
        (
            params::parse(uri.query(), &headers, &[]).await,
            false,
            Some(body),
        )
    } else {
        match axum::body::to_bytes(body, crate::BODY_LIMIT).await {
            Ok(bytes) => (
                params::parse(uri.query(), &headers, &bytes).await,
                false,
                None,
            ),
            Err(_) => (params::parse(uri.query(), &headers, &[]).await, true, None),
        }
    };
    // The app access token is asked for with the app's credentials, not with a token.
    if segments == ["oauth", "access_token"] && (method == Method::GET || method == Method::POST) {
        let result = state.sandbox.app_access_token(
            params.str("grant_type"),
            params.str("client_id"),
            params.str("client_secret"),
        );
        return match result {
            Ok(v) => crate::response::graph_ok(&meta, &v),
            Err(e) => graph_error(&meta, &e),
        };
    }
    let creds = Credentials {
        access_token: params::access_token(&headers, &params),
        appsecret_proof: match params.get("appsecret_proof") {
            None => Proof::Absent,
            Some(serde_json::Value::String(proof)) => Proof::Given(proof),
            Some(_) => Proof::NotAString,
        },
    };
    let principal = match state.sandbox.authenticate(creds) {
        Ok(p) => p,
        Err(e) => return graph_error(&meta, &e),
    };

    let Some((node_id, rest)) = segments.split_first() else {
        return graph_error(&meta, &ApiError::unknown_path("/"));
    };
    let node_id = node_id.to_string();
    let kind = match state
        .sandbox
        .resolve_node(&principal, method.as_str(), &node_id)
    {
        Ok(kind) => kind,
        Err(e) if rest.is_empty() && (method == Method::GET || method == Method::DELETE) => {
            // Not a directory node: perhaps a media id.
            let media = state
                .sandbox
                .media_node(
                    &principal,
                    method.as_str(),
                    // Not a directory node: the id can only name a media.
                    &node_id.as_str().into(),
                    params.str("phone_number_id").map(Into::into).as_ref(),
                )
                .await;
            let Ok(record) = media else {
                return graph_error(&meta, &e);
            };
            *template = "/{version}/{media_id}";
            if body_too_large {
                return graph_error(&meta, &too_large());
            }
            let req = GraphRequest {
                state,
                meta,
                principal,
                node_id,
                params,
            };
            return if method == Method::GET {
                media::get(req, &record)
            } else {
                Box::pin(media::delete(req, &record)).await
            };
        }
        Err(e) => return graph_error(&meta, &e),
    };
    if rest.is_empty() {
        *template = node_route(kind);
    }
    let edge = match rest {
        [] => None,
        [edge] => Some(*edge),
        [_, extra @ ..] => {
            return graph_error(
                &meta,
                &ApiError::unknown_path(&format!("/{}", extra.join("/"))),
            )
        }
    };
    let Some(endpoint) = route(kind, edge, &method) else {
        return match edge {
            Some(e) if !edge_exists(kind, e) => {
                graph_error(&meta, &ApiError::unknown_path(&format!("/{e}")))
            }
            _ => graph_error(&meta, &ApiError::unsupported(method.as_str(), &node_id)),
        };
    };

    if body_too_large {
        return graph_error(&meta, &too_large());
    }
    if let Some(err) = &params.body_error {
        return graph_error(&meta, &ApiError::invalid_param(err.clone()));
    }
    let req = GraphRequest {
        state,
        meta,
        principal,
        node_id,
        params,
    };
    // Each endpoint's future is boxed: inline, this future would be as large as the largest of
    // them, and it is moved (copied whole) into a box by every layer it passes.
    match endpoint {
        Endpoint::SendMessage => Box::pin(messages::send(req)).await,
        Endpoint::UploadMedia => Box::pin(media::upload(req, &headers, upload_body)).await,
        Endpoint::PhoneNumber => {
            let fields = req.params.str("fields");
            let result = req
                .state
                .sandbox
                .phone_number_node(&req.principal, &req.id(), fields);
            crate::response::graph_result(&req.meta, result)
        }
        Endpoint::SubscribeApp => Box::pin(subscriptions::subscribe_app(req)).await,
        Endpoint::AppSubscriptions => subscriptions::app_subscriptions(req),
        Endpoint::UnsubscribeApp => Box::pin(subscriptions::unsubscribe_app(req)).await,
        Endpoint::SubscribeWaba => Box::pin(subscriptions::subscribe_waba(req)).await,
        Endpoint::WabaSubscribedApps => subscriptions::waba_subscribed_apps(req),
        Endpoint::UnsubscribeWaba => Box::pin(subscriptions::unsubscribe_waba(req)).await,
        Endpoint::Catalog(e) => Box::pin(catalog::handle(e, req)).await,
        Endpoint::Templates(e) => Box::pin(templates::handle(e, req)).await,
    }
}

/// The route template of a Graph path from its shape alone: an edge names the kind of its node.
fn path_route(segments: &[&str]) -> &'static str {
    match segments {
        [] => "/{version}",
        ["oauth", "access_token"] => "/{version}/oauth/access_token",
        [_] => "/{version}/{node_id}",
        [_, edge] => edge_route(edge),
        _ => "/{version}/{node_id}/{edge}/{path}",
    }
}

fn edge_route(edge: &str) -> &'static str {
    match edge {
        "messages" => "/{version}/{phone_number_id}/messages",
        "media" => "/{version}/{phone_number_id}/media",
        "whatsapp_commerce_settings" => "/{version}/{phone_number_id}/whatsapp_commerce_settings",
        "register" => "/{version}/{phone_number_id}/register",
        "message_templates" => "/{version}/{waba_id}/message_templates",
        "product_catalogs" => "/{version}/{waba_id}/product_catalogs",
        "subscribed_apps" => "/{version}/{waba_id}/subscribed_apps",
        "phone_numbers" => "/{version}/{waba_id}/phone_numbers",
        "owned_product_catalogs" => "/{version}/{business_id}/owned_product_catalogs",
        "products" => "/{version}/{catalog_id}/products",
        "items_batch" => "/{version}/{catalog_id}/items_batch",
        "check_batch_request_status" => "/{version}/{catalog_id}/check_batch_request_status",
        "product_feeds" => "/{version}/{catalog_id}/product_feeds",
        "subscriptions" => "/{version}/{app_id}/subscriptions",
        _ => "/{version}/{node_id}/{edge}",
    }
}

/// The route template of a node itself, once its kind is known.
fn node_route(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::PhoneNumber => "/{version}/{phone_number_id}",
        NodeKind::Waba => "/{version}/{waba_id}",
        NodeKind::Business => "/{version}/{business_id}",
        NodeKind::Catalog => "/{version}/{catalog_id}",
        NodeKind::Product => "/{version}/{product_id}",
        NodeKind::Template => "/{version}/{template_id}",
        NodeKind::App => "/{version}/{app_id}",
    }
}

/// Meta's answer to a body over the limit.
fn too_large() -> ApiError {
    ApiError::new(vitrine_core::ErrorKind::Unknown)
        .with_text("Please reduce the amount of data you're asking for, then retry your request")
}

/// Every Graph endpoint Vitrine serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// POST /{phone-number-id}/messages
    SendMessage,
    /// POST /{phone-number-id}/media
    UploadMedia,
    /// GET /{phone-number-id}
    PhoneNumber,
    /// POST /{app-id}/subscriptions
    SubscribeApp,
    /// GET /{app-id}/subscriptions
    AppSubscriptions,
    /// DELETE /{app-id}/subscriptions
    UnsubscribeApp,
    /// POST /{waba-id}/subscribed_apps
    SubscribeWaba,
    /// GET /{waba-id}/subscribed_apps
    WabaSubscribedApps,
    /// DELETE /{waba-id}/subscribed_apps
    UnsubscribeWaba,
    /// Catalogs, products, batches, the WABA's catalog, commerce settings.
    Catalog(catalog::CatalogEndpoint),
    /// Message templates.
    Templates(templates::TemplateEndpoint),
}

fn route(kind: NodeKind, edge: Option<&str>, method: &Method) -> Option<Endpoint> {
    match (kind, edge, method) {
        (NodeKind::PhoneNumber, Some("messages"), &Method::POST) => Some(Endpoint::SendMessage),
        (NodeKind::PhoneNumber, Some("media"), &Method::POST) => Some(Endpoint::UploadMedia),
        (NodeKind::PhoneNumber, None, &Method::GET) => Some(Endpoint::PhoneNumber),
        (NodeKind::App, Some("subscriptions"), &Method::POST) => Some(Endpoint::SubscribeApp),
        (NodeKind::App, Some("subscriptions"), &Method::GET) => Some(Endpoint::AppSubscriptions),
        (NodeKind::App, Some("subscriptions"), &Method::DELETE) => Some(Endpoint::UnsubscribeApp),
        (NodeKind::Waba, Some("subscribed_apps"), &Method::POST) => Some(Endpoint::SubscribeWaba),
        (NodeKind::Waba, Some("subscribed_apps"), &Method::GET) => {
            Some(Endpoint::WabaSubscribedApps)
        }
        (NodeKind::Waba, Some("subscribed_apps"), &Method::DELETE) => {
            Some(Endpoint::UnsubscribeWaba)
        }
        (NodeKind::Waba, Some("message_templates"), &Method::POST) => {
            Some(Endpoint::Templates(templates::TemplateEndpoint::Create))
        }
        (NodeKind::Waba, Some("message_templates"), &Method::GET) => {
            Some(Endpoint::Templates(templates::TemplateEndpoint::List))
        }
        (NodeKind::Waba, Some("message_templates"), &Method::DELETE) => {
            Some(Endpoint::Templates(templates::TemplateEndpoint::Delete))
        }
        (NodeKind::Template, None, &Method::GET) => {
            Some(Endpoint::Templates(templates::TemplateEndpoint::Get))
        }
        (NodeKind::Template, None, &Method::POST) => {
            Some(Endpoint::Templates(templates::TemplateEndpoint::Edit))
        }
        _ => catalog_route(kind, edge, method).map(Endpoint::Catalog),
    }
}

fn catalog_route(
    kind: NodeKind,
    edge: Option<&str>,
    method: &Method,
) -> Option<catalog::CatalogEndpoint> {
    use catalog::CatalogEndpoint as C;
    Some(match (kind, edge, method) {
        (NodeKind::Business, Some("owned_product_catalogs"), &Method::POST) => C::CreateCatalog,
        (NodeKind::Business, Some("owned_product_catalogs"), &Method::GET) => C::ListCatalogs,
        (NodeKind::Catalog, None, &Method::GET) => C::GetCatalog,
        (NodeKind::Catalog, None, &Method::POST) => C::UpdateCatalog,
        (NodeKind::Catalog, None, &Method::DELETE) => C::DeleteCatalog,
        (NodeKind::Catalog, Some("products"), &Method::POST) => C::CreateProduct,
        (NodeKind::Catalog, Some("products"), &Method::GET) => C::ListProducts,
        (NodeKind::Catalog, Some("items_batch"), &Method::POST) => C::ItemsBatch,
        (NodeKind::Catalog, Some("check_batch_request_status"), &Method::GET) => C::BatchStatus,
        (NodeKind::Product, None, &Method::GET) => C::GetProduct,
        (NodeKind::Product, None, &Method::POST) => C::UpdateProduct,
        (NodeKind::Product, None, &Method::DELETE) => C::DeleteProduct,
        (NodeKind::Waba, Some("product_catalogs"), &Method::GET) => C::WabaCatalogs,
        (NodeKind::Waba, Some("product_catalogs"), &Method::POST) => C::ConnectCatalog,
        (NodeKind::Waba, Some("product_catalogs"), &Method::DELETE) => C::DisconnectCatalog,
        (NodeKind::PhoneNumber, Some("whatsapp_commerce_settings"), &Method::GET) => {
            C::GetCommerceSettings
        }
        (NodeKind::PhoneNumber, Some("whatsapp_commerce_settings"), &Method::POST) => {
            C::SetCommerceSettings
        }
        _ => return None,
    })
}

/// Edges a node kind has on Meta, whatever the method (so a wrong method is 100/33, not 2500).
fn edge_exists(kind: NodeKind, edge: &str) -> bool {
    match kind {
        NodeKind::PhoneNumber => {
            matches!(
                edge,
                "messages" | "whatsapp_commerce_settings" | "media" | "register"
            )
        }
        NodeKind::Waba => matches!(
            edge,
            "message_templates" | "product_catalogs" | "subscribed_apps" | "phone_numbers"
        ),
        NodeKind::Business => matches!(edge, "owned_product_catalogs"),
        NodeKind::Catalog => {
            matches!(
                edge,
                "products" | "items_batch" | "check_batch_request_status" | "product_feeds"
            )
        }
        NodeKind::App => matches!(edge, "subscriptions"),
        NodeKind::Product | NodeKind::Template => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_version;

    #[test]
    fn versions() {
        assert!(is_version("v23.0"));
        assert!(is_version("v13.1"));
        assert!(!is_version("v23"));
        assert!(!is_version("23.0"));
        assert!(!is_version("v.0"));
        assert!(!is_version("vx.0"));
    }
}
