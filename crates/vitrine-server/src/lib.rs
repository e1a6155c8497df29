//! Vitrine's HTTP surface.
//!
//! - Graph paths (`/{version}/{node-id}/{edge}`, version optional) speak Meta's API exactly; they
//!   are dispatched by [`graph::dispatch`], the router's fallback, so every unknown path and method
//!   also answers in Meta's envelope.
//! - `/_vitrine/…` is Vitrine's own sandbox and operator API.
//! - `/assets/…` serves the demo catalog's product images.
//! - `/` and `/ui/…` serve the web UI (embedded; it calls `/_vitrine/` and the Graph API).
//! - Transparent mode ([`proxy`]): `CONNECT graph.facebook.com:443` on the same listener, and
//!   `--tls-listen`, serve this router over TLS with certificates from the local CA ([`tls`]).

mod assets;
pub mod cluster;
pub mod dispatcher;
pub mod graph;
pub mod metrics;
mod params;
pub mod proxy;
mod response;
pub mod sandbox;
pub mod tls;
mod ui;
pub mod webhook_client;

use axum::{Router, ServiceExt};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use vitrine_core::Sandbox;

/// The largest request body accepted (Graph answers code 1, "Please reduce the amount of data
/// you're asking for", above it; `/_vitrine/` a 413).
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;
/// Header fields accepted: at most this many ...
pub const MAX_HEADERS: usize = 64;
/// ... none longer than this (name and value) ...
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// ... and all of them together no longer than this. Above these Vitrine answers 431 in Meta's
/// envelope (or its own on `/_vitrine/`); the HTTP layer itself drops requests past 100 header
/// fields or about 400 KiB of them with a bare 431.
pub const MAX_HEADERS_TOTAL_BYTES: usize = 64 * 1024;

/// What every handler can reach: one `Arc`, since axum clones the state for every request (and
/// its layers again), and each field's own `Arc` was an atomic count up and down each time.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The fields of [`AppState`].
pub struct Shared {
    pub sandbox: Arc<Sandbox>,
    /// When set, `/_vitrine/` requires `Authorization: Bearer <admin token>`; otherwise it answers
    /// loopback clients only.
    pub admin_token: Option<Arc<str>>,
    /// Where this server is reachable, for the facts it reports.
    pub public_url: Arc<str>,
    /// Runs Meta's handshake when a webhook callback is saved.
    pub verifier: Arc<dispatcher::HttpVerifier>,
    /// The web UI's live event streams.
    pub events: Arc<sandbox::EventHub>,
    /// This server's metrics (`GET /_vitrine/metrics`).
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub fn new(
        sandbox: Arc<Sandbox>,
        admin_token: Option<&str>,
        public_url: &str,
        client: webhook_client::WebhookClient,
    ) -> AppState {
        let ids = sandbox.ids.clone();
        let metrics = Arc::new(metrics::Metrics::new(&sandbox.node_id));
        if !sandbox.attach_telemetry(metrics.clone()) {
            tracing::debug!("the sandbox reports to another server's metrics");
        }
        AppState(Arc::new(Shared {
            sandbox,
            admin_token: admin_token.map(Arc::from),
            public_url: Arc::from(public_url),
            verifier: Arc::new(dispatcher::HttpVerifier { client, ids }),
            events: Arc::default(),
            metrics,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/_vitrine", sandbox::router(state.clone()))
        .merge(assets::router())
        .route(
            vitrine_core::media::ATTACHMENTS_PATH,
            axum::routing::get(graph::media::download),
        )
        .merge(ui::router())
        .fallback(graph::dispatch)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            header_limits,
        ))
        .layer(CatchPanicLayer::custom(response::panic_response))
        // items_batch may carry up to about 28 MB; feeds for /_vitrine/catalogs/{id}/import more.
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// Refuses requests whose header fields are over [`MAX_HEADERS`], [`MAX_HEADER_BYTES`] or
/// [`MAX_HEADERS_TOTAL_BYTES`], in the error shape of the API they were meant for.
async fn header_limits(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = req.headers();
    let sizes = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len());
    let (count, total, longest) = sizes.fold((0, 0, 0), |(n, t, l), s| (n + 1, t + s, l.max(s)));
    if count <= MAX_HEADERS && longest <= MAX_HEADER_BYTES && total <= MAX_HEADERS_TOTAL_BYTES {
        return next.run(req).await;
    }
    let details = format!(
        "Vitrine reads at most {MAX_HEADERS} header fields, none over {MAX_HEADER_BYTES} bytes \
         and {MAX_HEADERS_TOTAL_BYTES} bytes in all; this request has {count} fields, the longest \
         {longest} bytes, {total} bytes in all."
    );
    if req.uri().path().starts_with("/_vitrine/") {
        use axum::response::IntoResponse;
        return sandbox::OpError::new(
            axum::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request_too_large",
            details,
        )
        .into_response();
    }
    let meta = response::GraphMeta {
        api_version: state.sandbox.behaviour.default_api_version.clone(),
        trace_id: state.sandbox.new_trace_id(),
    };
    response::graph_error(
        &meta,
        &vitrine_core::ApiError::new(vitrine_core::ErrorKind::HeadersTooLarge)
            .with_details(details),
    )
}

/// Serves until `shutdown` resolves, then finishes in-flight requests (event streams end at once).
///
/// `transparent` is transparent mode: `Ok` to serve CONNECT tunnels (and `--tls-listen`) with its
/// certificates, `Err(why)` when it is off, which refusals of CONNECT then explain. Either way
/// the main listener is never an open proxy.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    transparent: Result<proxy::Transparent, proxy::Off>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let events = state.events.clone();
    let own = own_authorities(listener.local_addr()?, &state.public_url);
    let app = router(state);
    let (tls, tls_listener) = match transparent {
        Ok(t) => (Ok(t.tls), t.tls_listener),
        Err(why) => (Err(why), None),
    };
    let https = Arc::new(proxy::Https::new(tls, app.clone(), own));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let direct_tls = tls_listener.map(|l| tokio::spawn(https.clone().accept_tls(l, stop_rx)));
    let main = axum::middleware::from_fn_with_state(https.clone(), proxy::intercept)
        .layer(app)
        .into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, main)
        .with_graceful_shutdown(async move {
            shutdown.await;
            events.close();
            let _ = stop_tx.send(true);
        })
        .await;
    if let Some(task) = direct_tls {
        let _ = task.await;
    }
    https.shutdown().await;
    served
}

/// The `host:port` spellings a request may use to name this server itself.
fn own_authorities(local: SocketAddr, public_url: &str) -> Vec<String> {
    let port = local.port();
    let mut own = vec![format!("localhost:{port}")];
    if local.ip().is_unspecified() || local.ip().is_loopback() {
        own.push(format!("127.0.0.1:{port}"));
        own.push(format!("[::1]:{port}"));
    }
    if !local.ip().is_unspecified() {
        own.push(local.to_string());
    }
    if let Ok(url) = url::Url::parse(public_url) {
        if let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) {
            own.push(format!("{host}:{port}").to_ascii_lowercase());
        }
    }
    own
}
