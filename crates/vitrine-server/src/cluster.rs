//! What keeps nodes sharing one database alike: each node follows the store's directory change
//! log (woken by PostgreSQL NOTIFY, and polling in case a notification is missed), and
//! heartbeats so that limits can be shared among the nodes alive. The same tick processes due
//! catalog batches (claimed, so one node runs each), removes expired media and prunes the logs
//! past `--retain`.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use vitrine_core::Sandbox;

/// How often a node polls the change log when no notification came.
const POLL: Duration = Duration::from_millis(500);
/// How often a node says it is alive; it counts as gone after three missed beats.
const HEARTBEAT: Duration = Duration::from_secs(1);

pub struct Cluster {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Cluster {
    pub fn spawn(sandbox: Arc<Sandbox>) -> Cluster {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(sandbox, stopped));
        Cluster { stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn run(sandbox: Arc<Sandbox>, mut stopped: watch::Receiver<bool>) {
    let signal = sandbox.change_signal();
    let ttl = 3 * HEARTBEAT.as_millis() as i64;
    let mut beat = tokio::time::interval(HEARTBEAT);
    loop {
        let notified = async {
            match &signal {
                Some(s) => s.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = beat.tick() => {
                if let Err(e) = sandbox.heartbeat(ttl).await {
                    tracing::warn!(error = %e, "heartbeat failed");
                }
            }
            _ = stopped.changed() => break,
        }
        if let Err(e) = sandbox.sync_directory().await {
            tracing::warn!(error = %e, "following the directory change log failed");
        }
        if let Err(e) = sandbox.process_due_batches().await {
            tracing::warn!(error = %e, "processing catalog batches failed");
        }
        if let Err(e) = sandbox.process_due_reviews().await {
            tracing::warn!(error = %e, "reviewing templates failed");
        }
        if let Err(e) = sandbox.purge_media().await {
            tracing::warn!(error = %e, "removing expired media failed");
        }
        match sandbox.prune_logs().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(rows = n, "pruned the logs past --retain"),
            Err(e) => tracing::warn!(error = %e, "pruning the logs past --retain failed"),
        }
    }
}
