//! Vitrine's HTTP surface.
//!
//! - Graph paths (`/{version}/{node-id}/{edge}`, version optional) speak Meta's API exactly; they
//!   are dispatched by [`graph::dispatch`], the router's fallback, so every unknown path and method
//!   also answers in Meta's envelope.
//! - `/_vitrine/…` is Vitrine's own sandbox and operator API.
//! - `/assets/…` serves the demo catalog's product images.
//! - `/` and `/ui/…` serve the web UI (embedded; it calls `/_vitrine/` and the Graph API).

mod assets;
pub mod cluster;
pub mod dispatcher;
pub mod graph;
mod params;
mod response;
pub mod sandbox;
mod ui;

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
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
        .route(
            vitrine_core::media::ATTACHMENTS_PATH,
            axum::routing::get(graph::media::download),
        )
        .merge(ui::router())
        .fallback(graph::dispatch)
        .layer(CatchPanicLayer::custom(response::panic_response))
        // items_batch may carry up to about 28 MB; feeds for /_vitrine/catalogs/{id}/import more.
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests (event streams end at once).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let events = state.events.clone();
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        events.close();
    })
    .await
}
