//! One running Vitrine: store, sandbox, webhook dispatcher and HTTP server, opened from the
//! resolved configuration. `serve` and `bench` both start it this way.

use crate::config::ServeConfig;
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;
use vitrine_core::clock::SandboxClock;
use vitrine_core::ids::IdGen;
use vitrine_core::store::Store;
use vitrine_core::{Sandbox, SandboxOptions};
use vitrine_server::dispatcher::{self, Dispatcher};
use vitrine_server::AppState;
use vitrine_store_postgres::PgStore;
use vitrine_store_sqlite::SqliteStore;

/// Opens the store a database URL names: `sqlite:…` or `postgres://…`.
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(
            SqliteStore::open(url)
                .await
                .with_context(|| format!("opening {url}"))?,
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            PgStore::open(url)
                .await
                .context("opening the PostgreSQL database")?,
        ))
    } else {
        anyhow::bail!(
            "unsupported database URL {url}: use sqlite://PATH, sqlite::memory: or postgres://…"
        )
    }
}

pub struct Node {
    pub sandbox: Arc<Sandbox>,
    pub public_url: String,
    store: Arc<dyn Store>,
    admin_token: Option<String>,
}

impl Node {
    /// Binds the listener, opens (and if new, seeds) the database, applies `--webhook-url`.
    pub async fn open(cfg: &ServeConfig) -> anyhow::Result<(Node, tokio::net::TcpListener)> {
        let listener = tokio::net::TcpListener::bind(&cfg.listen)
            .await
            .with_context(|| format!("listening on {}", cfg.listen))?;
        let local = listener.local_addr()?;
        let public_url = cfg.public_url.clone().unwrap_or_else(|| {
            let host = if local.ip().is_unspecified() {
                "127.0.0.1".to_owned()
            } else {
                local.ip().to_string()
            };
            let host = if local.is_ipv6() && !local.ip().is_unspecified() {
                format!("[{host}]")
            } else {
                host
            };
            format!("http://{host}:{}", local.port())
        });
        let store = open_store(&cfg.database).await?;
        let sandbox = Sandbox::open(
            store.clone(),
            Arc::new(SandboxClock::system()),
            Arc::new(IdGen::from_entropy()),
            SandboxOptions {
                behaviour: cfg.behaviour.clone(),
                public_url: public_url.clone(),
                seed_demo: cfg.seed_demo,
            },
        )
        .await
        .context("loading the sandbox")?;
        let sandbox = Arc::new(sandbox);
        if let Some(url) = &cfg.webhook_url {
            sandbox
                .set_app_callback(vitrine_core::seed::APP_ID, url)
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "--webhook-url: {}",
                        e.details.clone().unwrap_or_else(|| e.message())
                    )
                })?;
        }
        sandbox
            .greet_demo_customer()
            .await
            .map_err(|e| anyhow::anyhow!("greeting the demo customer: {}", e.message()))?;
        let node = Node {
            sandbox,
            public_url,
            store,
            admin_token: cfg.admin_token.clone(),
        };
        Ok((node, listener))
    }

    /// Serves until `shutdown`, then stops the dispatcher and commits pending writes.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let client = dispatcher::http_client(Duration::from_millis(
            self.sandbox.behaviour.webhooks.timeout_ms,
        ));
        let dispatcher = Dispatcher::spawn(self.sandbox.clone(), client.clone());
        let cluster = vitrine_server::cluster::Cluster::spawn(self.sandbox.clone());
        let state = AppState::new(
            self.sandbox.clone(),
            self.admin_token.as_deref(),
            &self.public_url,
            client,
        );
        let served = vitrine_server::serve(listener, state, shutdown).await;
        dispatcher.stop().await;
        cluster.stop().await;
        self.store.close().await;
        served?;
        Ok(())
    }
}
