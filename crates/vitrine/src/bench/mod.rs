//! `vitrine bench`: throughput of POST /messages and of webhook delivery, measured end to end on
//! this machine (a real server on loopback, a real SQLite file with fsync, a minimal receiver).
//! Benchmarks live here, never in timed tests: the machines are shared and noisy.
//!
//! `--json` prints the results as one JSON document ([`BenchReport`]) on standard output, and
//! the human summary on standard error, so that a run can be kept and compared with the next.

use crate::config::{self, FileConfig, Overrides};
use crate::node::Node;
use axum::routing::post;
use axum::Router;
use clap::Args;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vitrine_core::seed;

mod report;
mod soak;

pub use report::*;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Messages to send
    #[arg(long, default_value_t = 20_000)]
    messages: usize,
    /// Concurrent senders (keep-alive connections)
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Messages sent before the clock starts, with their webhooks delivered, and not counted:
    /// the measured messages go as in a load test that has been running for a while, with warm
    /// connections and statement caches, and past a fresh database's first pages (on
    /// PostgreSQL, 5,000 messages sent after 2,000 went at 14–16k/s, after 20,000 at 20k/s).
    /// Sent as fast as the server answers, also with --rate; 0 for none
    #[arg(long, default_value_t = 20_000)]
    warmup: usize,
    /// Database URL [default: a fresh SQLite file in a temporary directory]
    #[arg(long)]
    database: Option<String>,
    /// Measure sends alone: no webhook subscriber
    #[arg(long)]
    no_webhooks: bool,
    /// Nodes sharing the database (in this process; PostgreSQL for more than one)
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// Grow the demo catalog to this many products first (a generated feed, imported and
    /// timed); the messages then show products from its far end
    #[arg(long)]
    catalog_size: Option<usize>,
    /// Spread the messages over this many customers (the demo customer and generated ones, each
    /// of whom says "Hi" first so that its customer service window is open), as a load test's
    /// simulated shoppers would: each customer's messages have their own place in the
    /// database's per-customer indexes
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    customers: u64,
    /// What to send: a multi-product message, or a product card carousel template (approved
    /// first) with the same products
    #[arg(long, value_enum, default_value_t = Kind::Mpm)]
    kind: Kind,
    /// Print the results as JSON on standard output (the summary goes to standard error)
    #[arg(long)]
    json: bool,
    /// Send for this many seconds instead of sending `--messages`, sampling memory and the
    /// webhook backlog as it goes (a soak run)
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    duration: Option<u64>,
    /// Aim at this many messages per second, all senders together [default: as fast as the
    /// server answers]
    #[arg(long, value_name = "PER_SECOND")]
    rate: Option<f64>,
    /// With --duration: seconds between samples
    #[arg(long, value_name = "SECONDS", default_value_t = 10, requires = "duration",
          value_parser = clap::value_parser!(u64).range(1..))]
    sample_every: u64,
    /// Prune the logs as `vitrine serve --retain` does, while sending (an age or a count)
    #[arg(long, value_name = "AGE|COUNT")]
    retain: Option<vitrine_core::settings::Retention>,
    /// As `vitrine serve --sqlite-synchronous` [default: full]
    #[arg(long, value_name = "full|normal")]
    sqlite_synchronous: Option<vitrine_store_sqlite::Synchronous>,
    /// Run nothing: print the README's performance table made from these `--json` reports
    #[arg(long, num_args = 1.., value_name = "REPORT")]
    table: Vec<std::path::PathBuf>,
    /// With --table: write the table into this file between `<!-- bench-table:start -->` and
    /// `<!-- bench-table:end -->` instead of printing it
    #[arg(long, value_name = "FILE", requires = "table")]
    update: Option<std::path::PathBuf>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `interactive.product_list`
    Mpm,
    /// `template` with a two-card product carousel
    Carousel,
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    if !args.table.is_empty() {
        return write_table(&args.table, args.update.as_deref());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(bench(args))
}

/// The human summary: on standard output, or on standard error when standard output is JSON.
macro_rules! say {
    ($json:expr) => {
        if $json { eprintln!() } else { println!() }
    };
    ($json:expr, $($arg:tt)*) => {
        if $json { eprintln!($($arg)*) } else { println!($($arg)*) }
    };
}

async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let json = args.json;
    // A minimal business endpoint: count the status webhooks (not the demo customer's "Hi" of
    // the first start, nor anything else) and answer 200.
    let progress = Arc::new(soak::Progress::default());
    let counter = progress.clone();
    let rx = Router::new().route(
        "/hook",
        post(move |body: axum::body::Bytes| {
            let counter = counter.clone();
            async move {
                if body.windows(12).any(|w| w == b"\"statuses\":[") {
                    counter.webhooks.fetch_add(1, Ordering::Relaxed);
                }
                "ok"
            }
        }),
    );
    let rx_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook = format!("http://{}/hook", rx_listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(rx_listener, rx).await;
    });

    let scratch = tempfile::tempdir()?;
    let database = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", scratch.path().join("bench.db").display()));
    let mut cfg = config::resolve(
        FileConfig::default(),
        Overrides {
            listen: Some("127.0.0.1:0".into()),
            database: Some(database.clone()),
            webhook_url: (!args.no_webhooks).then_some(hook),
            retain: args.retain,
            sqlite_synchronous: args.sqlite_synchronous,
            ..Default::default()
        },
    );
    // No CA files beside the scratch database: nothing here goes through the proxy.
    cfg.transparent = false;
    cfg.behaviour.webhooks.sent_after_ms = 0;
    cfg.behaviour.webhooks.delivered_after_ms = 0;
    // Vitrine itself is measured here, not Meta's limits.
    cfg.behaviour.limits.pair_limit = false;
    let nodes = args.nodes.max(1);
    if nodes > 1 && database.starts_with("sqlite") {
        anyhow::bail!("several nodes need a shared PostgreSQL database: --database postgres://…");
    }
    let mut catalog_import = None;
    let mut bases = vec![];
    let mut first_sandbox = None;
    let mut stops = vec![];
    let mut servers = vec![];
    for _ in 0..nodes {
        let (node, listener) = Node::open(&cfg).await?;
        node.sandbox
            .set_throughput(
                &seed::PHONE_NUMBER_ID.into(),
                vitrine_core::model::Throughput {
                    unlimited: true,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        bases.push(node.public_url.clone());
        first_sandbox.get_or_insert_with(|| node.sandbox.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        stops.push(stop);
        servers.push(tokio::spawn(node.run(listener, async {
            let _ = stopped.await;
        })));
    }

    let mut items = vec![
        "beans-house-blend-250g".to_owned(),
        "mug-stoneware-350ml".to_owned(),
    ];
    if let Some(size) = args.catalog_size {
        let sandbox = first_sandbox
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no node"))?;
        let generated = size.saturating_sub(27);
        let rows = futures_util::stream::iter((0..generated).map(|i| {
            let mut m = serde_json::Map::new();
            for (k, v) in [
                ("id", format!("gen-{i}")),
                ("title", format!("Generated product {i}")),
                ("description", format!("Product number {i}")),
                ("availability", "in stock".to_owned()),
                ("condition", "new".to_owned()),
                ("price", format!("{}.{:02} USD", 1 + i % 500, i % 100)),
                ("link", format!("https://shop.example.com/p/{i}")),
                ("image_link", format!("https://cdn.example.com/{i}.jpg")),
            ] {
                m.insert(k.to_owned(), serde_json::Value::String(v));
            }
            ((i + 2) as u64, Ok(m))
        }));
        let t = Instant::now();
        let report = sandbox
            .import_feed(&seed::CATALOG_ID.into(), rows, |_| {})
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        let secs = t.elapsed().as_secs_f64();
        let import = CatalogImport {
            rows: report.rows,
            imported: report.imported,
            failed: report.failed,
            seconds: secs,
            rows_per_second: report.rows as f64 / secs.max(1e-9),
        };
        say!(
            json,
            "catalog import   {} generated products in {secs:.2} s: {:.0} rows/s ({} failed)",
            import.imported,
            import.rows_per_second,
            import.failed
        );
        catalog_import = Some(import);
        if generated > 0 {
            items = vec![
                format!("gen-{}", generated - 1),
                format!("gen-{}", generated / 2),
            ];
        }
        // Let the other nodes catch up with the change log.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let urls: Vec<String> = bases
        .iter()
        .map(|b| format!("{b}/v23.0/{}/messages", seed::PHONE_NUMBER_ID))
        .collect();
    if args.kind == Kind::Carousel {
        approve_carousel(&client, &bases[0]).await?;
    }
    let sandbox = first_sandbox.ok_or_else(|| anyhow::anyhow!("no node"))?;
    let customers = open_windows(&sandbox, args.customers).await?;
    if args.kind == Kind::Carousel || customers.len() > 1 {
        // Let the other nodes catch up with the change log.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let bodies = customers
        .iter()
        .map(|to| {
            let body = match args.kind {
                Kind::Mpm => mpm_body(&items, to),
                Kind::Carousel => carousel_body(&items, to),
            };
            Ok(bytes::Bytes::from(serde_json::to_vec(&body)?))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let bodies = Arc::new(bodies);
    let what = match args.kind {
        Kind::Mpm => "multi-product messages",
        Kind::Carousel => "product carousel templates",
    };
    say!(
        json,
        "vitrine bench: {} {what} to {} customer(s), {} concurrent senders, {nodes} node(s), {database}; {} more first, not counted",
        match args.duration {
            Some(secs) => format!("{secs} s of"),
            None => args.messages.to_string(),
        },
        customers.len(),
        args.concurrency,
        args.warmup
    );

    if let Some(rate) = args.rate {
        anyhow::ensure!(
            rate.is_finite() && rate > 0.0,
            "--rate must be a positive number"
        );
    }
    let senders = args.concurrency.max(1);
    let ready = warm_up(
        &urls,
        &bodies,
        senders,
        args.warmup,
        (!args.no_webhooks).then_some(&progress),
    )
    .await?;
    let (stop_sampling, sampling) = tokio::sync::oneshot::channel();
    let sampler = args.duration.map(|_| {
        tokio::spawn(soak::sample(
            sandbox.clone(),
            progress.clone(),
            Duration::from_secs(args.sample_every),
            sampling,
        ))
    });
    let started = Instant::now();
    let deadline = args.duration.map(|d| started + Duration::from_secs(d));
    let per_worker = args.messages.div_ceil(senders);
    // Latencies in µs up to 1 min, 3 significant digits: a fixed few hundred KiB however long
    // the run (a soak run samples this process's memory).
    let empty = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut workers = vec![];
    for (w, (target, mut connection)) in ready.into_iter().enumerate() {
        let count = per_worker.min(args.messages.saturating_sub(w * per_worker));
        let bodies = bodies.clone();
        let progress = progress.clone();
        let histogram = empty.clone();
        // Each sender takes its share of the rate.
        let mut pace = args.rate.map(|rate| {
            let mut i = tokio::time::interval(Duration::from_secs_f64(senders as f64 / rate));
            i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            i
        });
        workers.push(tokio::spawn(async move {
            let mut latencies = histogram;
            let mut errors = 0usize;
            let mut sent = 0usize;
            loop {
                match deadline {
                    Some(d) if Instant::now() >= d => break,
                    None if sent >= count => break,
                    _ => {}
                }
                if let Some(pace) = pace.as_mut() {
                    pace.tick().await;
                }
                let t = Instant::now();
                let body = body_for(&bodies, w, sent, senders);
                let ok = target.send(&mut connection, body).await;
                latencies.saturating_record(t.elapsed().as_micros() as u64);
                sent += 1;
                if ok {
                    progress.accepted.fetch_add(1, Ordering::Relaxed);
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = empty;
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await?;
        latencies.add(l)?;
        errors += e;
    }
    let send_elapsed = started.elapsed();
    let accepted = progress.accepted.load(Ordering::Relaxed) as usize;
    let sent = accepted + errors;

    let expected = if args.no_webhooks {
        0
    } else {
        2 * accepted as u64
    };
    wait_for_webhooks(&progress, expected, Duration::from_secs(300)).await;
    let all_elapsed = started.elapsed();
    let delivered = progress.webhooks.load(Ordering::Relaxed);
    let _ = stop_sampling.send(());
    let samples = match sampler {
        Some(task) => task.await?,
        None => vec![],
    };
    let latency = |q: f64| latencies.value_at_quantile(q) as f64 / 1e3;

    let report = BenchReport {
        format: REPORT_FORMAT,
        vitrine_version: env!("CARGO_PKG_VERSION").to_owned(),
        setup: BenchSetup {
            messages: sent,
            concurrency: args.concurrency,
            warmup: args.warmup,
            customers: customers.len(),
            nodes,
            kind: args.kind,
            webhooks: !args.no_webhooks,
            database: database
                .split_once(':')
                .map_or("sqlite", |(scheme, _)| scheme)
                .replace("postgresql", "postgres"),
            catalog_size: args.catalog_size,
            retain: args.retain.map(String::from),
            sqlite_synchronous: args
                .sqlite_synchronous
                .filter(|s| *s != vitrine_store_sqlite::Synchronous::Full)
                .map(|_| "normal".to_owned()),
            duration: args.duration,
            rate: args.rate,
        },
        catalog_import,
        sends: Sends {
            accepted,
            failed: errors,
            seconds: send_elapsed.as_secs_f64(),
            per_second: accepted as f64 / send_elapsed.as_secs_f64().max(1e-9),
            latency_ms: Latency {
                p50: latency(0.50),
                p99: latency(0.99),
                max: latencies.max() as f64 / 1e3,
            },
        },
        webhooks: Webhooks {
            expected,
            delivered,
            seconds: all_elapsed.as_secs_f64(),
            per_second: delivered as f64 / all_elapsed.as_secs_f64().max(1e-9),
        },
        samples,
    };

    say!(json);
    say!(
        json,
        "POST /messages   {accepted} accepted, {errors} failed in {:.2} s",
        report.sends.seconds
    );
    say!(
        json,
        "                 {:.0} messages/s (each durable before its 200)",
        report.sends.per_second
    );
    say!(
        json,
        "                 latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        report.sends.latency_ms.p50,
        report.sends.latency_ms.p99,
        report.sends.latency_ms.max
    );
    say!(
        json,
        "webhooks         {delivered} of {expected} status webhooks delivered in {:.2} s: {:.0} events/s",
        report.webhooks.seconds,
        report.webhooks.per_second
    );
    for line in soak::summary(&report.samples) {
        say!(json, "{line}");
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    for stop in stops {
        let _ = stop.send(());
    }
    for server in servers {
        server.await??;
    }
    if delivered < expected {
        anyhow::bail!("only {delivered} of {expected} webhooks were delivered");
    }
    Ok(())
}

/// Sends `messages` messages from `senders` senders, each on a connection of its own, before
/// the clock starts; waits for their status webhooks when `webhooks` counts them (and then sets
/// the count back to zero); returns each sender's target and connection, to go on with.
async fn warm_up(
    urls: &[String],
    bodies: &Arc<Vec<bytes::Bytes>>,
    senders: usize,
    messages: usize,
    webhooks: Option<&Arc<soak::Progress>>,
) -> anyhow::Result<Vec<(Target, Option<Connection>)>> {
    let per_sender = messages.div_ceil(senders);
    let mut tasks = Vec::with_capacity(senders);
    for w in 0..senders {
        let count = per_sender.min(messages.saturating_sub(w * per_sender));
        // Senders are spread over the nodes, as a load balancer would.
        let target = Target::new(&urls[w % urls.len()])?;
        let bodies = bodies.clone();
        tasks.push(tokio::spawn(async move {
            let mut connection = None;
            let mut accepted = 0u64;
            for i in 0..count {
                let body = body_for(&bodies, w, i, senders);
                if target.send(&mut connection, body).await {
                    accepted += 1;
                }
            }
            (target, connection, accepted)
        }));
    }
    let mut ready = Vec::with_capacity(senders);
    let mut accepted = 0;
    for task in tasks {
        let (target, connection, ok) = task.await?;
        ready.push((target, connection));
        accepted += ok;
    }
    if let Some(progress) = webhooks {
        anyhow::ensure!(
            wait_for_webhooks(progress, 2 * accepted, Duration::from_secs(60)).await,
            "the warm-up's webhooks did not all arrive within 60 s"
        );
        progress.webhooks.store(0, Ordering::Relaxed);
    }
    Ok(ready)
}

/// Waits until the receiver counted `expected` status webhooks, at most `within`: whether they
/// all arrived.
async fn wait_for_webhooks(progress: &soak::Progress, expected: u64, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if progress.webhooks.load(Ordering::Relaxed) >= expected {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The body sender `sender` (of `senders`) posts `nth`: the senders take the customers in turn.
fn body_for(bodies: &[bytes::Bytes], sender: usize, nth: usize, senders: usize) -> bytes::Bytes {
    bodies[(sender + nth * senders) % bodies.len()].clone()
}

/// Where a sender posts, over one keep-alive HTTP/1.1 connection of its own. The senders share
/// the machine's cores with the servers they measure, so they cost as little as they can, as
/// wrk does: a request is its prepared head, the body's length and the body, written at once;
/// an answer is read into the sender's buffer and its head parsed with `httparse` (a full HTTP
/// client also parses the URL, builds header maps, and drives each connection from a task of
/// its own, which wakes twice per request).
struct Target {
    addr: String,
    /// `POST {path} HTTP/1.1` and the headers, up to `Content-Length: `.
    head: Vec<u8>,
}

/// A sender's connection and the buffer it writes requests and reads answers in.
struct Connection {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

/// Headers an answer may have that a sender looks at.
const ANSWER_HEADERS: usize = 32;

impl Target {
    fn new(url: &str) -> anyhow::Result<Target> {
        let url = url::Url::parse(url)?;
        let host = url
            .host_str()
            .ok_or_else(|| anyhow::anyhow!("no host in {url}"))?;
        let port = url
            .port_or_known_default()
            .ok_or_else(|| anyhow::anyhow!("no port in {url}"))?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: ",
            &url[url::Position::BeforePath..url::Position::AfterQuery],
            seed::ACCESS_TOKEN
        );
        Ok(Target {
            addr: format!("{host}:{port}"),
            head: head.into_bytes(),
        })
    }

    async fn connect(&self) -> anyhow::Result<Connection> {
        let stream = tokio::net::TcpStream::connect(&self.addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Posts `body` and reads the answer: whether it was a success. A connection that failed,
    /// or that the server will close, is dropped, and the next send opens another.
    async fn send(&self, connection: &mut Option<Connection>, body: bytes::Bytes) -> bool {
        let sent = async {
            let c = match connection {
                Some(c) => c,
                None => connection.insert(self.connect().await?),
            };
            self.exchange(c, &body).await
        };
        match sent.await {
            Ok((ok, keep)) => {
                if !keep {
                    *connection = None;
                }
                ok
            }
            Err(_) => {
                *connection = None;
                false
            }
        }
    }

    /// One request and its answer on `c`: (the status was a success, the connection stays).
    async fn exchange(&self, c: &mut Connection, body: &[u8]) -> anyhow::Result<(bool, bool)> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        c.buf.clear();
        c.buf.extend_from_slice(&self.head);
        std::io::Write::write_fmt(&mut c.buf, format_args!("{}\r\n\r\n", body.len()))?;
        c.buf.extend_from_slice(body);
        c.stream.write_all(&c.buf).await?;
        c.buf.clear();
        loop {
            let mut headers = [httparse::EMPTY_HEADER; ANSWER_HEADERS];
            let mut answer = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(head) = answer.parse(&c.buf)? {
                let status = answer.code.unwrap_or(0);
                let mut length = None;
                let mut keep = answer.version == Some(1);
                for h in answer.headers.iter() {
                    if h.name.eq_ignore_ascii_case("content-length") {
                        length = Some(std::str::from_utf8(h.value)?.trim().parse::<usize>()?);
                    } else if h.name.eq_ignore_ascii_case("connection") {
                        keep = !h.value.eq_ignore_ascii_case(b"close");
                    }
                }
                // Vitrine's answers have a length (never chunked).
                let length =
                    length.ok_or_else(|| anyhow::anyhow!("an answer without Content-Length"))?;
                while c.buf.len() < head + length {
                    if c.stream.read_buf(&mut c.buf).await? == 0 {
                        anyhow::bail!("the connection closed inside an answer");
                    }
                }
                anyhow::ensure!(c.buf.len() == head + length, "more bytes than the answer");
                return Ok(((200..300).contains(&status), keep));
            }
            if c.stream.read_buf(&mut c.buf).await? == 0 {
                anyhow::bail!("the connection closed before an answer");
            }
        }
    }
}

fn mpm_body(items: &[String], to: &str) -> serde_json::Value {
    serde_json::json!({
        "messaging_product": "whatsapp",
        "to": to,
        "type": "interactive",
        "interactive": {
            "type": "product_list",
            "header": { "type": "text", "text": "Our picks" },
            "body": { "text": "Tap an item to see more" },
            "action": { "catalog_id": seed::CATALOG_ID, "sections": [
                { "title": "Picks", "product_items": [
                    { "product_retailer_id": items[0] },
                    { "product_retailer_id": items[1] } ] } ] }
        }
    })
}

const CAROUSEL_TEMPLATE: &str = "bench_carousel";

fn carousel_body(items: &[String], to: &str) -> serde_json::Value {
    let card = |i: usize| {
        serde_json::json!({ "card_index": i, "components": [ { "type": "header", "parameters": [
            { "type": "product", "product": { "product_retailer_id": items[i], "catalog_id": seed::CATALOG_ID } } ] } ] })
    };
    serde_json::json!({
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": { "name": CAROUSEL_TEMPLATE, "language": { "code": "en_US" }, "components": [
            { "type": "body", "parameters": [ { "type": "text", "text": "Alex" } ] },
            { "type": "carousel", "cards": [ card(0), card(1) ] } ] }
    })
}

/// The numbers of `count` customers whose customer service window with the demo number is open:
/// the demo customer (who said "Hi" when the sandbox was seeded), then generated ones, each
/// created and saying "Hi" now.
async fn open_windows(sandbox: &vitrine_core::Sandbox, count: u64) -> anyhow::Result<Vec<String>> {
    use futures_util::StreamExt;
    let generated: Vec<String> = (1..count)
        .map(|i| (GENERATED_CUSTOMERS + i).to_string())
        .collect();
    let phone = vitrine_core::id::PhoneNumberId::from(seed::PHONE_NUMBER_ID);
    let greeted = futures_util::stream::iter(generated.iter().map(|wa_id| {
        let phone = &phone;
        async move {
            let wa_id = vitrine_core::id::WaId::from(wa_id.as_str());
            sandbox.upsert_customer(&wa_id, None).await?;
            sandbox
                .customer_sends_text(&wa_id, phone, "Hi", None)
                .await
                .map(|_| ())
        }
    }))
    .buffer_unordered(64)
    .collect::<Vec<_>>()
    .await;
    for g in greeted {
        g.map_err(|e| {
            anyhow::anyhow!("opening a bench customer's window failed: {}", e.message())
        })?;
    }
    Ok(std::iter::once(seed::CUSTOMER_WA_ID.to_owned())
        .chain(generated)
        .collect())
}

/// The bench's generated customers are numbered from here (`--customers`).
const GENERATED_CUSTOMERS: u64 = 16_500_000_000;

/// Creates the bench's product carousel template through the Graph API and approves it through
/// the operator API, as a test would.
async fn approve_carousel(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let card = serde_json::json!({ "components": [
        { "type": "header", "format": "product" },
        { "type": "buttons", "buttons": [ { "type": "spm", "text": "View" } ] } ] });
    let created: serde_json::Value = client
        .post(format!("{base}/v23.0/{}/message_templates", seed::WABA_ID))
        .bearer_auth(seed::ACCESS_TOKEN)
        .json(&serde_json::json!({
            "name": CAROUSEL_TEMPLATE, "language": "en_US", "category": "MARKETING",
            "components": [
                { "type": "body", "text": "Picked for you, {{1}}.", "example": { "body_text": [["Alex"]] } },
                { "type": "carousel", "cards": [card.clone(), card] } ] }))
        .send()
        .await?
        .json()
        .await?;
    let id = created["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("creating the bench template failed: {created}"))?;
    let approved = client
        .post(format!("{base}/_vitrine/templates/{id}/status"))
        .json(&serde_json::json!({ "status": "APPROVED" }))
        .send()
        .await?;
    anyhow::ensure!(
        approved.status().is_success(),
        "approving the bench template failed: {}",
        approved.text().await?
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Reads one request of `body_len` body bytes from `s`, whatever pieces it comes in.
    async fn request(s: &mut tokio::net::TcpStream, body_len: usize) -> String {
        let mut got = Vec::new();
        loop {
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                if got.len() >= end + 4 + body_len {
                    return String::from_utf8(got).unwrap();
                }
            }
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed inside a request");
            got.extend_from_slice(&buf[..n]);
        }
    }

    /// A sender keeps its connection over an answer that came in pieces, reads a 4xx as a
    /// failure, and drops a connection the server closes.
    #[tokio::test]
    async fn a_sender_frames_requests_and_answers() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let first = request(&mut s, 7).await;
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Le").await.unwrap();
            s.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            s.write_all(b"ngth: 5\r\n\r\nhel").await.unwrap();
            s.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            s.write_all(b"lo").await.unwrap();
            let second = request(&mut s, 2).await;
            s.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )
            .await
            .unwrap();
            (first, second)
        });
        let target = Target::new(&format!("http://{addr}/v23.0/1/messages")).unwrap();
        let mut connection = None;
        assert!(target.send(&mut connection, "{\"a\":1}".into()).await);
        assert!(connection.is_some(), "kept after a whole answer");
        assert!(!target.send(&mut connection, "{}".into()).await);
        assert!(connection.is_none(), "dropped: the server closes it");
        let (first, second) = server.await.unwrap();
        assert_eq!(
            first,
            format!(
                "POST /v23.0/1/messages HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
                 Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{{\"a\":1}}",
                seed::ACCESS_TOKEN
            )
        );
        assert!(second.ends_with("Content-Length: 2\r\n\r\n{}"), "{second}");
        // Nothing listens any more: a failure, and no connection.
        assert!(!target.send(&mut connection, "{}".into()).await);
        assert!(connection.is_none());
    }
}
