//! Command line: `vitrine [serve] [flags]`.

use crate::banner;
use crate::config::{self, FileConfig, Overrides, ServeConfig};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use vitrine_core::commerce::MpmNoMatchDetails;
use vitrine_core::settings::Retention;

/// Vitrine: a self-hosted, wire-compatible sandbox of the commerce part of Meta's WhatsApp Cloud
/// API (catalog, product messages, carts, orders, templates, webhooks). Not affiliated with Meta.
///
/// With no command, `vitrine` runs `serve`.
#[derive(Debug, Parser)]
#[command(name = "vitrine", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the sandbox: the Graph API, Vitrine's /_vitrine/ API and the demo data.
    Serve(ServeArgs),
    /// Watch webhooks: follow the delivery log, or receive webhooks yourself.
    #[command(subcommand)]
    Webhooks(crate::webhooks_cmd::WebhooksCommand),
    /// Measure POST /messages and webhook delivery throughput on this machine.
    Bench(crate::bench::BenchArgs),
    /// Apply pending database migrations and exit (also done at every start, under a lock).
    Migrate(MigrateArgs),
    /// Manage catalogs from files.
    #[command(subcommand)]
    Catalog(crate::catalog_cmd::CatalogCommand),
    /// Play a simulated customer against a running Vitrine: write, browse, fill a cart, order.
    Customer(crate::customer_cmd::CustomerArgs),
    /// Test and load-test a bot: scripted shoppers and what the bot must answer (YAML files).
    #[command(subcommand)]
    Scenario(crate::scenario::ScenarioCommand),
    /// The local certificate authority of transparent mode (bots reach Vitrine through
    /// HTTPS_PROXY, or a hosts-file entry, and trust this CA).
    #[command(subcommand)]
    Ca(crate::ca_cmd::CaCommand),
}

#[derive(Debug, Args)]
struct MigrateArgs {
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, env = "VITRINE_DATABASE_URL", default_value = config::DEFAULT_DATABASE)]
    database: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MpmDetails {
    /// "Products not found in FB Catalog"
    ProductsNotFound,
    /// "None of the products provided could be sent. Please check your catalog."
    NoneCouldBeSent,
}

/// Settings of `vitrine serve`. Precedence: defaults < --config file < environment < flags.
#[derive(Debug, Clone, Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8484]
    #[arg(long, env = "VITRINE_LISTEN", value_name = "ADDR")]
    listen: Option<String>,

    /// Database URL: sqlite://PATH (created if missing), sqlite::memory: (a scratch database), or
    /// postgres://… (several nodes may share it) [default: sqlite://vitrine.db]
    #[arg(long, env = "VITRINE_DATABASE_URL", value_name = "URL")]
    database: Option<String>,

    /// TOML file with any of: listen, database, admin_token, public_url, seed_demo, webhook_url,
    /// ca_dir, tls_listen, and a [behaviour] table (default_api_version, catalog_thumbnail_required,
    /// mpm_no_match_details, batch_delay_ms, outdated_client_code, template_review_ms,
    /// template_reject_prefix, product_carousel_exact_cards, checkout_india_only,
    /// mpm_dropped_items_notice) with [behaviour.webhooks], [behaviour.limits] and
    /// [behaviour.media] (see the README)
    #[arg(long, env = "VITRINE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// Require `Authorization: Bearer <token>` on /_vitrine/ (otherwise loopback clients only)
    #[arg(
        long,
        env = "VITRINE_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    admin_token: Option<String>,

    /// Base URL clients reach this server at (used for demo image URLs and printed facts)
    /// [default: http://<listen>]
    #[arg(long, env = "VITRINE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,

    /// Directory of the local CA that transparent mode signs with (created at start when
    /// missing; see `vitrine ca init`) [default: `vitrine-ca` beside a SQLite database file, else
    /// in the current directory]
    #[arg(long, env = "VITRINE_CA_DIR", value_name = "DIR")]
    ca_dir: Option<PathBuf>,

    /// Also serve graph.facebook.com and lookaside.fbsbx.com over TLS on this address, for
    /// clients that ignore HTTPS_PROXY and reach Vitrine through a hosts-file entry
    /// (e.g. 127.0.0.1:443)
    #[arg(long, env = "VITRINE_TLS_LISTEN", value_name = "ADDR")]
    tls_listen: Option<String>,

    /// Do not seed the demo sandbox into an empty database
    #[arg(long, env = "VITRINE_NO_SEED")]
    no_seed: bool,

    /// Graph version that serves unversioned calls [default: v23.0]
    #[arg(long, env = "VITRINE_API_VERSION", value_name = "VERSION")]
    api_version: Option<String>,

    /// Refuse catalog messages without thumbnail_product_retailer_id (131009), as the API did
    /// until 2026 [default: false]
    #[arg(long, env = "VITRINE_CATALOG_THUMBNAIL_REQUIRED", value_name = "BOOL")]
    catalog_thumbnail_required: Option<bool>,

    /// error_data.details of the 131009 when no MPM item matches the catalog
    /// [default: products-not-found]
    #[arg(long, env = "VITRINE_MPM_NO_MATCH_DETAILS", value_enum)]
    mpm_no_match_details: Option<MpmDetails>,

    /// Point the demo app's webhook at this URL at start (no handshake; every field)
    #[arg(long, env = "VITRINE_WEBHOOK_URL", value_name = "URL")]
    webhook_url: Option<String>,

    /// The customer reads every message this many ms after it is delivered (a `read` status)
    #[arg(long, env = "VITRINE_AUTO_READ_MS", value_name = "MS")]
    auto_read_ms: Option<i64>,

    /// Fidelity: probability (0..1) that a webhook is delivered twice
    #[arg(long, env = "VITRINE_WEBHOOK_DUPLICATES", value_name = "P")]
    webhook_duplicates: Option<f64>,

    /// Fidelity: probability (0..1) that a message's `delivered` arrives before its `sent`
    #[arg(long, env = "VITRINE_WEBHOOK_REORDER", value_name = "P")]
    webhook_reorder: Option<f64>,

    /// Fidelity: send a message's `sent` and `delivered` together in one POST
    #[arg(long, env = "VITRINE_WEBHOOK_BATCH")]
    webhook_batch: bool,

    /// Seed of the fidelity knobs' random choices (same seed, same run)
    #[arg(long, env = "VITRINE_WEBHOOK_SEED", value_name = "N")]
    webhook_seed: Option<u64>,

    /// Keep the message and webhook logs bounded for long load tests: an age of sandbox time
    /// (30m, 2h, 7d) or a count of each log (100000); older rows are pruned in the background
    /// [default: keep everything]
    #[arg(long, env = "VITRINE_RETAIN", value_name = "AGE|COUNT")]
    retain: Option<Retention>,

    /// When a SQLite commit reaches the disk: `full` fsyncs every group commit (an accepted
    /// message survives a power loss); `normal` only at checkpoints (it survives the process
    /// being killed, not the machine going down; faster, for disposable load-test machines)
    /// [default: full]
    #[arg(long, env = "VITRINE_SQLITE_SYNCHRONOUS", value_name = "full|normal")]
    sqlite_synchronous: Option<vitrine_store_sqlite::Synchronous>,
}

impl ServeArgs {
    fn resolve(&self) -> anyhow::Result<ServeConfig> {
        let file = match &self.config {
            Some(path) => FileConfig::load(path)?,
            None => FileConfig::default(),
        };
        Ok(config::resolve(
            file,
            Overrides {
                listen: self.listen.clone(),
                database: self.database.clone(),
                admin_token: self.admin_token.clone(),
                public_url: self.public_url.clone(),
                no_seed: self.no_seed,
                default_api_version: self.api_version.clone(),
                catalog_thumbnail_required: self.catalog_thumbnail_required,
                mpm_no_match_details: self.mpm_no_match_details.map(|d| match d {
                    MpmDetails::ProductsNotFound => MpmNoMatchDetails::ProductsNotFound,
                    MpmDetails::NoneCouldBeSent => MpmNoMatchDetails::NoneCouldBeSent,
                }),
                webhook_url: self.webhook_url.clone(),
                ca_dir: self.ca_dir.clone(),
                tls_listen: self.tls_listen.clone(),
                auto_read_after_ms: self.auto_read_ms,
                duplicate_probability: self.webhook_duplicates,
                reorder_probability: self.webhook_reorder,
                batch_statuses: self.webhook_batch,
                fidelity_seed: self.webhook_seed,
                retain: self.retain,
                sqlite_synchronous: self.sqlite_synchronous,
            },
        ))
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Some(Command::Serve(args)) => run_serve(args),
        Some(Command::Webhooks(cmd)) => crate::webhooks_cmd::run(cmd),
        Some(Command::Bench(args)) => crate::bench::run(args),
        Some(Command::Migrate(args)) => run_migrate(args),
        Some(Command::Catalog(cmd)) => crate::catalog_cmd::run(cmd),
        Some(Command::Customer(args)) => crate::customer_cmd::run(args),
        Some(Command::Scenario(cmd)) => {
            return match crate::scenario::main(cmd) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("vitrine: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Ca(cmd)) => crate::ca_cmd::run(cmd),
        None => run_serve(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vitrine: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // Opening a store applies its migrations.
        let store = crate::node::open_store(&args.database).await?;
        vitrine_core::store::Lifecycle::close(store.as_ref()).await;
        println!("{}: migrations applied", args.database);
        Ok(())
    })
}

fn run_serve(args: ServeArgs) -> anyhow::Result<()> {
    let cfg = args.resolve()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(cfg))
}

async fn serve(cfg: ServeConfig) -> anyhow::Result<()> {
    let (node, listener) = crate::node::Node::open(&cfg).await?;
    println!(
        "{}",
        banner::render(
            &node.sandbox,
            &node.public_url,
            &cfg.database,
            &node.transparent
        )
    );
    node.run(listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
