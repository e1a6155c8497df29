//! `--retain`: the message and webhook logs of a long load test stay bounded. Pruning runs on
//! the background tick in transactions of at most [`PRUNE_BATCH`] rows per log, which queue
//! behind sends in the group-commit writer like any other write, so sends never wait for a
//! long delete.

use crate::error::ApiError;
use crate::sandbox::Sandbox;

/// Rows of each log removed per transaction.
pub const PRUNE_BATCH: u32 = 500;
/// Transactions per tick at most; the next tick goes on where this one stopped.
const PRUNE_ROUNDS: usize = 20;

impl Sandbox {
    /// Prunes what `--retain` no longer keeps; returns how many log rows went (0 when nothing
    /// is retained-limited).
    pub async fn prune_logs(&self) -> Result<i64, ApiError> {
        let Some(retain) = self.behaviour.retain else {
            return Ok(0);
        };
        let mut total = 0;
        for _ in 0..PRUNE_ROUNDS {
            let removed = self
                .store
                .prune_logs(retain, self.clock.now(), PRUNE_BATCH)
                .await?;
            total += removed;
            if removed == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        Ok(total)
    }
}
