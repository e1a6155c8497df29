//! `vitrine bench --duration`: a long run that samples, every `--sample-every`, what the issue
//! of long load tests is about: the process's memory, and whether webhooks keep up (the backlog
//! of pending webhooks).

use super::report::Sample;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vitrine_core::Sandbox;

/// The counters the senders and the receiver move, read by the sampler.
#[derive(Default)]
pub struct Progress {
    pub accepted: AtomicU64,
    pub webhooks: AtomicU64,
}

/// Samples until `stop` fires, then returns every sample taken (one at the start, one per
/// `every`, one at the end).
pub async fn sample(
    sandbox: Arc<Sandbox>,
    progress: Arc<Progress>,
    every: Duration,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> Vec<Sample> {
    let started = Instant::now();
    let mut samples = vec![];
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let last = tokio::select! {
            _ = tick.tick() => false,
            _ = &mut stop => true,
        };
        samples.push(Sample {
            seconds: started.elapsed().as_secs_f64(),
            accepted: progress.accepted.load(Ordering::Relaxed),
            webhooks_delivered: progress.webhooks.load(Ordering::Relaxed),
            webhooks_pending: sandbox.pending_webhooks().await.unwrap_or(-1),
            rss_mib: rss_mib(),
        });
        if last {
            return samples;
        }
    }
}

/// This process's resident memory in MiB (Linux's `/proc/self/status`; 0 elsewhere).
pub fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// What the samples say, in one line each: memory from the first minute's end to the last
/// sample, and the backlog's trend over the second half.
pub fn summary(samples: &[Sample]) -> Vec<String> {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return vec![];
    };
    let warm = samples.iter().find(|s| s.seconds >= 60.0).unwrap_or(first);
    let peak = samples.iter().map(|s| s.rss_mib).fold(0.0, f64::max);
    let half = samples
        .iter()
        .find(|s| s.seconds >= last.seconds / 2.0)
        .unwrap_or(first);
    let span = (last.seconds - half.seconds).max(1e-9);
    vec![
        format!(
            "memory           RSS {:.0} MiB after warm-up, {:.0} MiB at the end, {peak:.0} MiB at most",
            warm.rss_mib, last.rss_mib
        ),
        format!(
            "webhook backlog  {} pending at {:.0} s, {} at {:.0} s ({:+.1}/s over the second half)",
            half.webhooks_pending,
            half.seconds,
            last.webhooks_pending,
            last.seconds,
            (last.webhooks_pending - half.webhooks_pending) as f64 / span
        ),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(seconds: f64, pending: i64, rss_mib: f64) -> Sample {
        Sample {
            seconds,
            accepted: 0,
            webhooks_delivered: 0,
            webhooks_pending: pending,
            rss_mib,
        }
    }

    #[test]
    fn the_summary_reads_memory_after_warm_up_and_the_backlog_over_the_second_half() {
        let samples = [
            at(0.0, 0, 20.0),
            at(60.0, 100, 80.0),
            at(150.0, 400, 95.0),
            at(300.0, 1_900, 90.0),
        ];
        assert_eq!(
            summary(&samples),
            [
                "memory           RSS 80 MiB after warm-up, 90 MiB at the end, 95 MiB at most",
                "webhook backlog  400 pending at 150 s, 1900 at 300 s (+10.0/s over the second half)",
            ]
        );
        assert!(summary(&[]).is_empty());
    }

    #[test]
    fn this_process_has_a_resident_size() {
        assert!(rss_mib() > 1.0);
    }
}
