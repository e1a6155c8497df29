//! `vitrine scenario load FILE --customers N --rate R/s --duration D`: one scenario played by
//! many shoppers at once. Live: a progress bar. At the end: a table and a JSON report with the
//! conversations started, completed and failed (by step and reason), the bot's reply latency,
//! messages and webhooks per second, and the Meta limits the bot hit, each attributed to the
//! bot or to Vitrine.
//!
//! Its length: the run, the live bar and the report share one set of counters.

use super::client::Vitrine;
use super::engine::{self, Outcome};
use super::run::{connect, env};
use super::Target;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vitrine_scenario::Step;

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The scenario file
    pub file: PathBuf,
    /// The scenario to play [default: the file's first]
    #[arg(long)]
    pub scenario: Option<String>,
    #[command(flatten)]
    pub target: Target,
    /// At most this many shoppers in conversation at once
    #[arg(long, default_value_t = 100)]
    pub customers: usize,
    /// New conversations per second, e.g. 20/s
    #[arg(long, default_value = "10/s", value_parser = parse_rate)]
    pub rate: f64,
    /// How long to start new conversations (running ones then finish)
    #[arg(long, default_value = "30s", value_parser = super::parse_duration)]
    pub duration: Duration,
    /// Write the report as JSON here too
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// The longest any one wait may last, whatever the steps' limits
    #[arg(long, default_value = "60s", value_parser = super::parse_duration)]
    pub step_timeout: Duration,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let n = s.trim().trim_end_matches("/s").trim();
    n.parse::<f64>()
        .ok()
        .filter(|r| *r > 0.0 && r.is_finite())
        .ok_or_else(|| format!("'{s}' is not a rate: write for example 20/s"))
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50_ms: i64,
    pub p95_ms: i64,
    pub p99_ms: i64,
    pub max_ms: i64,
}

impl Latency {
    fn of(mut values: Vec<i64>) -> Latency {
        values.sort_unstable();
        Latency {
            count: values.len(),
            p50_ms: percentile(&values, 50.0),
            p95_ms: percentile(&values, 95.0),
            p99_ms: percentile(&values, 99.0),
            max_ms: values.last().copied().unwrap_or(0),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct LimitHit {
    pub code: u32,
    pub what: &'static str,
    pub count: u64,
    /// `bot`: Meta would refuse the same; `vitrine`: Vitrine's own capacity.
    pub fault: &'static str,
    pub why: String,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub servers: Vec<String>,
    pub customers: usize,
    pub rate_per_s: f64,
    pub duration_s: f64,
    pub elapsed_s: f64,
    pub started: u64,
    pub completed: u64,
    pub failed: u64,
    /// Conversations the rate asked for that could not start: every shopper was busy.
    pub not_started: u64,
    /// Shoppers in conversation at once: on average over the run, and at most.
    pub concurrent_mean: f64,
    pub concurrent_max: u64,
    /// "step N (keyword): reason" → count.
    pub failures: BTreeMap<String, u64>,
    pub reply_latency: Latency,
    pub bot_messages_per_s: f64,
    pub customer_actions_per_s: f64,
    pub webhooks_delivered_per_s: f64,
    pub webhook_dispatch_lag: Latency,
    pub webhook_failed_attempts: u64,
    pub sends_accepted: u64,
    pub sends_refused: BTreeMap<u32, u64>,
    pub limits: Vec<LimitHit>,
    /// Failures that came from Vitrine not answering or answering 5xx.
    pub vitrine_errors: u64,
    pub verdict: Vec<String>,
}

/// `/_vitrine/stats` added up over every node.
#[derive(Debug, Default, Clone)]
struct Stats {
    accepted: u64,
    refused: BTreeMap<u32, u64>,
    failed: BTreeMap<u32, u64>,
    delivered: u64,
    failed_attempts: u64,
    lag_buckets: Vec<u64>,
    bucket_bounds: Vec<Option<i64>>,
}

async fn stats(vitrine: &Vitrine) -> Stats {
    let mut s = Stats::default();
    for r in vitrine.call_each("/stats").await.into_iter().flatten() {
        let n = |v: &Value| v.as_u64().unwrap_or(0);
        s.accepted += n(&r["sends"]["accepted"]);
        for (key, into) in [("refused", &mut s.refused), ("failed", &mut s.failed)] {
            for (code, count) in r["sends"][key].as_object().into_iter().flatten() {
                if let Ok(code) = code.parse::<u32>() {
                    *into.entry(code).or_default() += n(count);
                }
            }
        }
        s.delivered += n(&r["webhooks"]["delivered"]);
        s.failed_attempts += n(&r["webhooks"]["failed_attempts"]);
        let buckets: Vec<u64> = r["webhooks"]["lag_buckets"]
            .as_array()
            .map(|a| a.iter().map(n).collect())
            .unwrap_or_default();
        if s.lag_buckets.len() < buckets.len() {
            s.lag_buckets.resize(buckets.len(), 0);
        }
        for (i, b) in buckets.into_iter().enumerate() {
            s.lag_buckets[i] += b;
        }
        s.bucket_bounds = r["lag_buckets_ms"]
            .as_array()
            .map(|a| a.iter().map(Value::as_i64).collect())
            .unwrap_or_default();
    }
    s
}

fn diff(after: &BTreeMap<u32, u64>, before: &BTreeMap<u32, u64>) -> BTreeMap<u32, u64> {
    after
        .iter()
        .map(|(k, v)| (*k, v - before.get(k).copied().unwrap_or(0).min(*v)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

/// Percentiles of a bucketed histogram: each value counts as its bucket's upper bound.
fn bucket_latency(counts: &[u64], bounds: &[Option<i64>]) -> Latency {
    let total: u64 = counts.iter().sum();
    let at = |p: f64| -> i64 {
        let rank = ((p / 100.0) * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return bounds.get(i).copied().flatten().unwrap_or(i64::MAX);
            }
        }
        0
    };
    let max = counts
        .iter()
        .rposition(|c| *c > 0)
        .map_or(0, |i| bounds.get(i).copied().flatten().unwrap_or(i64::MAX));
    if total == 0 {
        return Latency {
            count: 0,
            p50_ms: 0,
            p95_ms: 0,
            p99_ms: 0,
            max_ms: 0,
        };
    }
    Latency {
        count: usize::try_from(total).unwrap_or(usize::MAX),
        p50_ms: at(50.0),
        p95_ms: at(95.0),
        p99_ms: at(99.0),
        max_ms: max,
    }
}

pub fn main(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let files = match super::read_files(std::slice::from_ref(&args.file)) {
        Ok(f) => f,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    let Some((name, file)) = files.into_iter().next() else {
        return Ok(ExitCode::from(2));
    };
    let index = match &args.scenario {
        None => 0,
        Some(s) => match file.scenarios.iter().position(|x| &x.name == s) {
            Some(i) => i,
            None => {
                eprintln!("{name}: no scenario called '{s}'");
                return Ok(ExitCode::from(2));
            }
        },
    };
    if file.scenarios[index]
        .steps
        .iter()
        .any(|s| matches!(s, Step::Clock(_)))
    {
        eprintln!(
            "{name}: scenario '{}' moves the sandbox clock, which every shopper shares: it cannot be played by many at once",
            file.scenarios[index].name
        );
        return Ok(ExitCode::from(2));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (vitrine, local) = connect(&args.target).await?;
        let report = load(vitrine, &name, file, index, &args).await?;
        if let Some(local) = local {
            local.stop().await;
        }
        print_report(&report);
        if let Some(path) = &args.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        }
        Ok(if report.failed == 0 && report.started > 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

async fn load(
    vitrine: Arc<Vitrine>,
    name: &str,
    mut file: vitrine_scenario::ScenarioFile,
    index: usize,
    args: &LoadArgs,
) -> anyhow::Result<Report> {
    let env = env(vitrine.clone(), args.step_timeout, None).await?;
    // Fixtures once, for every shopper.
    engine::apply_fixtures(&env, &file, &file.scenarios[index])
        .await
        .map_err(|m| anyhow::anyhow!("{name}: {m}"))?;
    file.fixtures.clear();
    file.scenarios[index].fixtures.clear();
    let file = Arc::new(file);
    let before = stats(&vitrine).await;
    let planned = (args.rate * args.duration.as_secs_f64()).ceil() as u64;
    let bar = ProgressBar::new(planned);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} started · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let slots = Arc::new(tokio::sync::Semaphore::new(args.customers.max(1)));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let outcomes: Arc<Mutex<Vec<Outcome>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<i64>>> = Arc::default();
    let running = Arc::new(AtomicU64::new(0));
    let running_max = Arc::new(AtomicU64::new(0));
    // The live line, twice a second.
    let ticker = {
        let (bar, done, failed, latencies) =
            (bar.clone(), done.clone(), failed.clone(), latencies.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let mut lat = lock(&latencies).clone();
                lat.sort_unstable();
                let finished = done.load(Ordering::Relaxed);
                bar.set_message(format!(
                    "{finished} done, {} failed, {} running, reply p95 {} ms",
                    failed.load(Ordering::Relaxed),
                    bar.position().saturating_sub(finished),
                    percentile(&lat, 95.0)
                ));
            }
        })
    };
    let started_at = Instant::now();
    let mut started = 0u64;
    let mut not_started = 0u64;
    let mut tasks = vec![];
    let period = Duration::from_secs_f64(1.0 / args.rate);
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    while started_at.elapsed() < args.duration {
        tick.tick().await;
        if started_at.elapsed() >= args.duration {
            break;
        }
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            not_started += 1;
            continue;
        };
        started += 1;
        bar.inc(1);
        let (env, file, name) = (env.clone(), file.clone(), name.to_owned());
        let (done, failed, outcomes) = (done.clone(), failed.clone(), outcomes.clone());
        let (latencies, running, running_max) =
            (latencies.clone(), running.clone(), running_max.clone());
        tasks.push(tokio::spawn(async move {
            let now = running.fetch_add(1, Ordering::Relaxed) + 1;
            running_max.fetch_max(now, Ordering::Relaxed);
            let o = engine::run_scenario(&env, &name, &file, &file.scenarios[index]).await;
            running.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            done.fetch_add(1, Ordering::Relaxed);
            if o.failure.is_some() {
                failed.fetch_add(1, Ordering::Relaxed);
            }
            lock(&latencies).extend(o.latencies_ms.iter().copied());
            lock(&outcomes).push(o);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    ticker.abort();
    bar.finish();
    let elapsed = started_at.elapsed();
    env.feed.stop();
    let after = stats(&vitrine).await;
    let outcomes = std::mem::take(&mut *lock(&outcomes));
    let concurrency = (
        outcomes
            .iter()
            .map(|o| o.duration.as_secs_f64())
            .sum::<f64>()
            / elapsed.as_secs_f64().max(0.001),
        running_max.load(Ordering::Relaxed),
    );
    Ok(summarize(
        concurrency,
        name,
        &file.scenarios[index].name,
        args,
        &vitrine,
        outcomes,
        started,
        not_started,
        elapsed,
        &before,
        &after,
    ))
}

#[allow(clippy::too_many_arguments)]
fn summarize(
    (concurrent_mean, concurrent_max): (f64, u64),
    file: &str,
    scenario: &str,
    args: &LoadArgs,
    vitrine: &Vitrine,
    outcomes: Vec<Outcome>,
    started: u64,
    not_started: u64,
    elapsed: Duration,
    before: &Stats,
    after: &Stats,
) -> Report {
    let secs = elapsed.as_secs_f64().max(0.001);
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    let mask = regex::Regex::new(r"\d+(\.\d+)? ms|\d{5,}|wamid\.\S+").ok();
    let mut vitrine_errors = 0;
    for o in &outcomes {
        if let Some(f) = &o.failure {
            let reason = f.message.split(" (expected").next().unwrap_or(&f.message);
            // Times, numbers and ids differ per shopper: group by the reason's shape.
            let shape = match &mask {
                Some(re) => re.replace_all(reason, "…").into_owned(),
                None => reason.to_owned(),
            };
            *failures
                .entry(format!("step {} ({}): {shape}", f.step, f.keyword))
                .or_default() += 1;
            if f.message.contains("Vitrine did not answer") || f.message.contains("(HTTP 5") {
                vitrine_errors += 1;
            }
        }
    }
    let latencies: Vec<i64> = outcomes
        .iter()
        .flat_map(|o| o.latencies_ms.iter().copied())
        .collect();
    let received: usize = outcomes.iter().map(|o| o.received).sum();
    let actions: usize = outcomes.iter().map(|o| o.actions).sum();
    let refused = diff(&after.refused, &before.refused);
    let failed_at_send = diff(&after.failed, &before.failed);
    let lag: Vec<u64> = after
        .lag_buckets
        .iter()
        .enumerate()
        .map(|(i, a)| a - before.lag_buckets.get(i).copied().unwrap_or(0).min(*a))
        .collect();
    let lag = bucket_latency(&lag, &after.bucket_bounds);
    let webhook_failed_attempts =
        after.failed_attempts - before.failed_attempts.min(after.failed_attempts);
    let count = |m: &BTreeMap<u32, u64>, c: u32| m.get(&c).copied().unwrap_or(0);
    let mut limits = vec![];
    let throughput = count(&refused, 130_429);
    if throughput > 0 {
        limits.push(LimitHit {
            code: 130_429,
            what: "throughput (messages per second of the number)",
            count: throughput,
            fault: "bot",
            why: "the bot sent faster than the number's tier allows (80/s STANDARD, 1,000/s HIGH); Meta refuses the same. To load-test the bot beyond it, lift the limit: POST /_vitrine/phone_numbers/{id}/throughput {\"unlimited\": true}".to_owned(),
        });
    }
    let pair = count(&refused, 131_056) + count(&failed_at_send, 131_056);
    if pair > 0 {
        limits.push(LimitHit {
            code: 131_056,
            what: "pair rate limit (one number to one customer)",
            count: pair,
            fault: "bot",
            why: "the bot sent one shopper more than the burst allows (45, then one every 6 s); Meta refuses the same".to_owned(),
        });
    }
    let window = count(&failed_at_send, 131_047);
    if window > 0 {
        limits.push(LimitHit {
            code: 131_047,
            what: "customer service window closed",
            count: window,
            fault: "bot",
            why: "the bot sent a free-form message more than 24 hours after the shopper's last message; Meta fails it the same way".to_owned(),
        });
    }
    let internal = count(&refused, 1) + count(&refused, 2);
    if internal > 0 {
        limits.push(LimitHit {
            code: 1,
            what: "Vitrine could not take the bot's send (internal error or shutting down)",
            count: internal,
            fault: "vitrine",
            why: "Vitrine's own capacity or health: see its log".to_owned(),
        });
    }
    let reply = Latency::of(latencies);
    let mut verdict = vec![];
    if lag.count > 0 {
        if lag.p95_ms < reply.p95_ms {
            verdict.push(format!(
                "Of the bot's p95 reply time of {} ms, Vitrine's webhook dispatch took at most {} ms (p95); the rest, about {} ms, is the bot's and the network's.",
                reply.p95_ms,
                lag.p95_ms,
                reply.p95_ms - lag.p95_ms
            ));
        } else {
            verdict.push(format!(
                "The bot's p95 reply time of {} ms is mostly Vitrine's own webhook dispatch delay (p95 at most {} ms): the bot answers faster than Vitrine delivers; when this grows, Vitrine (or the machine) is the limit, not the bot.",
                reply.p95_ms, lag.p95_ms
            ));
        }
    }
    if vitrine_errors > 0 {
        verdict.push(format!(
            "{vitrine_errors} conversation(s) failed because Vitrine did not answer or answered 5xx: Vitrine's capacity, not the bot's."
        ));
    }
    if not_started > 0 {
        verdict.push(format!(
            "{not_started} conversation(s) could not start on time because all {} shoppers were busy: raise --customers or lower --rate (the load generator's limit, not the bot's).",
            args.customers
        ));
    }
    if limits.iter().any(|l| l.fault == "bot") {
        verdict.push(
            "Meta limits hit are the bot's: Meta would refuse or fail the same sends.".to_owned(),
        );
    }
    if webhook_failed_attempts > 0 {
        verdict.push(format!(
            "{webhook_failed_attempts} webhook attempt(s) failed at the bot's endpoint (non-2xx, timeout or refused connection): the bot's."
        ));
    }
    if verdict.is_empty() {
        verdict.push("No limits hit and no errors.".to_owned());
    }
    Report {
        scenario: format!("{file} › {scenario}"),
        servers: vitrine.bases().to_vec(),
        customers: args.customers,
        rate_per_s: args.rate,
        duration_s: args.duration.as_secs_f64(),
        elapsed_s: secs,
        started,
        completed: outcomes.iter().filter(|o| o.failure.is_none()).count() as u64,
        failed: outcomes.iter().filter(|o| o.failure.is_some()).count() as u64,
        not_started,
        concurrent_mean,
        concurrent_max,
        failures,
        reply_latency: reply,
        bot_messages_per_s: received as f64 / secs,
        customer_actions_per_s: actions as f64 / secs,
        webhooks_delivered_per_s: (after.delivered - before.delivered.min(after.delivered)) as f64
            / secs,
        webhook_dispatch_lag: lag,
        webhook_failed_attempts,
        sends_accepted: after.accepted - before.accepted.min(after.accepted),
        sends_refused: refused,
        limits,
        vitrine_errors,
        verdict,
    }
}

fn print_report(r: &Report) {
    println!("\nLoad report: {}", r.scenario);
    println!(
        "  {} shoppers at most, {}/s for {}s against {}",
        r.customers,
        r.rate_per_s,
        r.duration_s,
        r.servers.join(", ")
    );
    let rows: Vec<(String, String)> = vec![
        ("conversations started".into(), r.started.to_string()),
        ("  completed".into(), r.completed.to_string()),
        ("  failed".into(), r.failed.to_string()),
        (
            "  not started (shoppers busy)".into(),
            r.not_started.to_string(),
        ),
        (
            "shoppers in conversation, mean / max".into(),
            format!("{:.0} / {}", r.concurrent_mean, r.concurrent_max),
        ),
        (
            "bot reply latency p50 / p95 / p99 / max".into(),
            format!(
                "{} / {} / {} / {} ms ({} replies)",
                r.reply_latency.p50_ms,
                r.reply_latency.p95_ms,
                r.reply_latency.p99_ms,
                r.reply_latency.max_ms,
                r.reply_latency.count
            ),
        ),
        (
            "  of which Vitrine's webhook dispatch p50 / p95 / p99".into(),
            format!(
                "≤ {} / ≤ {} / ≤ {} ms",
                r.webhook_dispatch_lag.p50_ms,
                r.webhook_dispatch_lag.p95_ms,
                r.webhook_dispatch_lag.p99_ms
            ),
        ),
        (
            "bot messages / s".into(),
            format!("{:.1}", r.bot_messages_per_s),
        ),
        (
            "customer actions / s".into(),
            format!("{:.1}", r.customer_actions_per_s),
        ),
        (
            "webhooks delivered / s".into(),
            format!("{:.1}", r.webhooks_delivered_per_s),
        ),
        ("bot sends accepted".into(), r.sends_accepted.to_string()),
        ("bot sends refused".into(), format!("{:?}", r.sends_refused)),
        (
            "webhook attempts failed at the bot".into(),
            r.webhook_failed_attempts.to_string(),
        ),
    ];
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in rows {
        println!("  {k:<width$}  {v}");
    }
    if !r.failures.is_empty() {
        println!("  failures by step and reason:");
        for (reason, n) in &r.failures {
            println!("    {n:>6}  {reason}");
        }
    }
    if !r.limits.is_empty() {
        println!("  Meta limits hit:");
        for l in &r.limits {
            println!(
                "    {} {} × {} — {}'s fault: {}",
                l.code, l.what, l.count, l.fault, l.why
            );
        }
    }
    for v in &r.verdict {
        println!("  {v}");
    }
}
