//! One running Vitrine: store, sandbox, webhook dispatcher and HTTP server, opened from the
//! resolved configuration. `serve` and `bench` both start it this way.

use crate::config::ServeConfig;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use vitrine_core::clock::SandboxClock;
use vitrine_core::ids::IdGen;
use vitrine_core::store::Store;
use vitrine_core::{Sandbox, SandboxOptions};
use vitrine_server::dispatcher::Dispatcher;
use vitrine_server::proxy::{Off, Transparent};
use vitrine_server::tls::{LocalCa, Tls};
use vitrine_server::webhook_client::WebhookClient;
use vitrine_server::AppState;
use vitrine_store_postgres::PgStore;
use vitrine_store_sqlite::{SqliteStore, Synchronous};

/// Opens the store a database URL names: `sqlite:…` or `postgres://…`.
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    open_store_with(url, Synchronous::Full).await
}

/// [`open_store`], with SQLite's commits made durable as `synchronous` says (PostgreSQL's
/// durability is the server's to set).
pub async fn open_store_with(
    url: &str,
    synchronous: Synchronous,
) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(
            SqliteStore::open_with(url, synchronous)
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
    /// How a bot reaches this node unchanged, for the banner.
    pub transparent: TransparentFacts,
    store: Arc<dyn Store>,
    admin_token: Option<String>,
    https: Result<Transparent, Off>,
}

/// Transparent mode as the banner tells it.
pub struct TransparentFacts {
    /// `HTTPS_PROXY` for a bot: this node's own address.
    pub proxy_url: String,
    /// The CA certificate a bot trusts, when transparent mode is on.
    pub ca_cert: Result<PathBuf, String>,
    /// `--tls-listen`'s bound address.
    pub tls_listen: Option<std::net::SocketAddr>,
}

/// Loads (or creates) the local CA in `dir` and issues the intercepted hosts' certificates.
pub async fn open_ca(dir: &Path) -> anyhow::Result<(LocalCa, Arc<Tls>)> {
    // Absolute, so that the path printed for SSL_CERT_FILE works from any directory.
    let dir =
        std::path::absolute(dir).with_context(|| format!("the CA directory {}", dir.display()))?;
    tokio::task::spawn_blocking(move || {
        let (ca, created) = LocalCa::load_or_create(&dir)?;
        if created {
            tracing::info!(
                "created the local CA {} for transparent mode (`vitrine ca init` prints how to trust it)",
                ca.cert_path().display()
            );
        }
        let tls = ca.tls()?;
        Ok((ca, Arc::new(tls)))
    })
    .await?
}

impl Node {
    /// Binds the listener, opens (and if new, seeds) the database, applies `--webhook-url`.
    pub async fn open(cfg: &ServeConfig) -> anyhow::Result<(Node, tokio::net::TcpListener)> {
        let listener = tokio::net::TcpListener::bind(&cfg.listen)
            .await
            .with_context(|| format!("listening on {}", cfg.listen))?;
        let local = listener.local_addr()?;
        let public_url = cfg
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", local_loopback(local)));
        let store = open_store_with(&cfg.database, cfg.sqlite_synchronous).await?;
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
                .set_app_callback(&vitrine_core::seed::APP_ID.into(), url)
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
        let proxy_url = match url::Url::parse(&public_url) {
            Ok(u) if u.scheme() == "http" => u.origin().ascii_serialization(),
            _ => format!("http://{}", local_loopback(local)),
        };
        let (https, transparent) = open_transparent(cfg, proxy_url).await?;
        let node = Node {
            sandbox,
            public_url,
            transparent,
            store,
            admin_token: cfg.admin_token.clone(),
            https,
        };
        Ok((node, listener))
    }

    /// Serves until `shutdown`, then stops the dispatcher and commits pending writes.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let client = WebhookClient::new(Duration::from_millis(
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
        let served = vitrine_server::serve(listener, state, self.https, shutdown).await;
        dispatcher.stop().await;
        cluster.stop().await;
        self.store.close().await;
        served?;
        Ok(())
    }
}

/// `host:port` to reach a listener at `local` from this machine.
fn local_loopback(local: std::net::SocketAddr) -> String {
    if local.ip().is_unspecified() {
        format!("127.0.0.1:{}", local.port())
    } else {
        local.to_string()
    }
}

/// Transparent mode for `cfg`: the CA and certificates, and the `--tls-listen` listener. Without
/// a usable CA it is off (CONNECTs are refused saying why) unless `--tls-listen` asks for it.
async fn open_transparent(
    cfg: &ServeConfig,
    proxy_url: String,
) -> anyhow::Result<(Result<Transparent, Off>, TransparentFacts)> {
    let off = |why: String| {
        (
            Err(Off::from(why.as_str())),
            TransparentFacts {
                proxy_url: proxy_url.clone(),
                ca_cert: Err(why.clone()),
                tls_listen: None,
            },
        )
    };
    if !cfg.transparent {
        return Ok(off("turned off for this run".to_owned()));
    }
    let (ca, tls) = match open_ca(&cfg.ca_dir).await {
        Ok(opened) => opened,
        Err(e) if cfg.tls_listen.is_none() => {
            tracing::warn!("transparent mode is off: {e:#}");
            return Ok(off(format!("{e:#}")));
        }
        Err(e) => return Err(e.context("--tls-listen needs the local CA")),
    };
    let tls_listener = match &cfg.tls_listen {
        None => None,
        Some(addr) => Some(tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!(
                "listening on {addr} for --tls-listen (a port under 1024 needs root, or \
                 CAP_NET_BIND_SERVICE: sudo setcap cap_net_bind_service=+ep <path of vitrine>)"
            )
        })?),
    };
    let tls_listen = match &tls_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    Ok((
        Ok(Transparent { tls, tls_listener }),
        TransparentFacts {
            proxy_url,
            ca_cert: Ok(ca.cert_path()),
            tls_listen,
        },
    ))
}
