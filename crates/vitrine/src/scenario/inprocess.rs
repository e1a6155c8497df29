//! A Vitrine started inside the runner when no `--server` is named: a fresh SQLite database in
//! a temporary directory, the demo sandbox, served on `--listen` until the run ends. The runner
//! still talks to it over HTTP, like to any other.

use super::client::Vitrine;
use super::Target;
use crate::config::ServeConfig;
use crate::node::Node;
use std::time::Duration;

pub struct InProcess {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl InProcess {
    pub async fn start(target: &Target) -> anyhow::Result<InProcess> {
        Self::start_on(target, None).await
    }

    /// On `database` instead of a fresh SQLite file.
    pub async fn start_on(target: &Target, database: Option<String>) -> anyhow::Result<InProcess> {
        let dir = tempfile::tempdir()?;
        let cfg = ServeConfig {
            listen: target.listen.clone(),
            database: database.unwrap_or_else(|| {
                format!("sqlite://{}", dir.path().join("scenario.db").display())
            }),
            admin_token: None,
            public_url: None,
            seed_demo: true,
            webhook_url: target.webhook_url.clone(),
            // The bot is pointed at this Vitrine by its Graph base URL (a bot that needs
            // transparent mode runs against `vitrine serve` with `--server`).
            ca_dir: dir.path().join("vitrine-ca"),
            tls_listen: None,
            transparent: false,
            // A scenario's database is thrown away afterwards.
            sqlite_synchronous: vitrine_store_sqlite::Synchronous::Normal,
            behaviour: Default::default(),
        };
        let (node, listener) = Node::open(&cfg).await?;
        let url = node.public_url.clone();
        if !cfg!(test) {
            eprintln!(
                "{}",
                crate::banner::render(&node.sandbox, &url, &cfg.database, &node.transparent)
            );
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(node.run(listener, async move {
            let _ = rx.await;
        }));
        Ok(InProcess {
            url,
            stop: Some(tx),
            task: Some(task),
            _dir: dir,
        })
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// Waits until a webhook endpoint is subscribed for the demo WABA's messages (the app's callback
/// or the WABA's override), as the bot does at its start.
pub async fn wait_for_bot(vitrine: &Vitrine, how_long: Duration) -> anyhow::Result<String> {
    let facts = vitrine.facts().await?;
    let app = facts.raw["app_id"].as_str().unwrap_or_default().to_owned();
    let secret = facts.raw["app_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let waba = facts.raw["waba_id"].as_str().unwrap_or_default().to_owned();
    let app_token = super::client::Facts {
        access_token: format!("{app}|{secret}"),
        ..facts.clone()
    };
    eprintln!("Waiting for the bot to subscribe its webhook (up to {how_long:?})…");
    let deadline = tokio::time::Instant::now() + how_long;
    loop {
        let overridden = vitrine
            .graph(
                &facts,
                reqwest::Method::GET,
                &format!("{waba}/subscribed_apps"),
                serde_json::json!({}),
            )
            .await
            .ok()
            .and_then(|v| {
                v["data"]
                    .as_array()?
                    .iter()
                    .find_map(|a| a["override_callback_uri"].as_str().map(str::to_owned))
            });
        let callback = vitrine
            .graph(
                &app_token,
                reqwest::Method::GET,
                &format!("{app}/subscriptions"),
                serde_json::json!({}),
            )
            .await
            .ok()
            .and_then(|v| {
                v["data"].as_array()?.iter().find_map(|s| {
                    s["callback_url"]
                        .as_str()
                        .filter(|u| !u.is_empty())
                        .map(str::to_owned)
                })
            });
        if let Some(url) = overridden.or(callback) {
            eprintln!("The bot is subscribed: {url}");
            return Ok(url);
        }
        if tokio::time::Instant::now() >= deadline {
            anyhow::bail!(
                "no webhook was subscribed within {how_long:?}: start the bot against {} (or pass --webhook-url)",
                vitrine.bases()[0]
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
