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
mod params;
pub mod proxy;
mod response;
pub mod sandbox;
pub mod tls;
mod ui;

use axum::{Router, ServiceExt};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use vitrine_core::Sandbox;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
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
}

impl AppState {
    pub fn new(
        sandbox: Arc<Sandbox>,
        admin_token: Option<&str>,
        public_url: &str,
        client: reqwest::Client,
    ) -> AppState {
        let ids = sandbox.ids.clone();
        AppState {
            sandbox,
            admin_token: admin_token.map(Arc::from),
            public_url: Arc::from(public_url),
            verifier: Arc::new(dispatcher::HttpVerifier { client, ids }),
            events: Arc::default(),
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/_vitrine", sandbox::router(state.clone()))
        .merge(assets::router())
        .merge(ui::router())
        .fallback(graph::dispatch)
        .layer(CatchPanicLayer::custom(response::panic_response))
        // items_batch may carry up to about 28 MB; feeds for /_vitrine/catalogs/{id}/import more.
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
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
