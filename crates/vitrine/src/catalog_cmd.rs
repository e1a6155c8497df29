//! `vitrine catalog import FILE --catalog ID`: a CSV or TSV data feed into a catalog, streaming,
//! straight into the database (a running server picks the products up from the change log).

use crate::config;
use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vitrine_core::catalog::feed::{looks_like_tsv, FeedReader, FeedRow};
use vitrine_core::clock::SandboxClock;
use vitrine_core::ids::IdGen;
use vitrine_core::settings::Behaviour;
use vitrine_core::{Sandbox, SandboxOptions};

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Import a CSV or TSV data feed (feed-spec columns: id,title,description,availability,
    /// condition,price,link,image_link,brand,…; price as "12.99 USD"). Re-importing the same
    /// file is idempotent; bad rows are reported with their line; the exit status is 1 when any
    /// row failed.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The feed file (.csv, or .tsv / tab-separated)
    file: PathBuf,
    /// The catalog to import into
    #[arg(long)]
    catalog: String,
    /// Database URL
    #[arg(long, env = "VITRINE_DATABASE_URL", default_value = config::DEFAULT_DATABASE)]
    database: String,
}

pub fn run(cmd: CatalogCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cmd {
        CatalogCommand::Import(args) => runtime.block_on(import(args)),
    }
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let first_line = {
        let f = std::fs::File::open(&args.file)
            .with_context(|| format!("opening {}", args.file.display()))?;
        let mut line = String::new();
        std::io::BufReader::new(f).read_line(&mut line)?;
        line
    };
    let tab = looks_like_tsv(&args.file.to_string_lossy(), &first_line);
    let store = crate::node::open_store(&args.database).await?;
    let sandbox = Sandbox::open(
        store.clone(),
        Arc::new(SandboxClock::system()),
        Arc::new(IdGen::from_entropy()),
        SandboxOptions {
            behaviour: Behaviour::default(),
            public_url: format!("http://{}", config::DEFAULT_LISTEN),
            seed_demo: true,
        },
    )
    .await
    .context("loading the sandbox")?;

    // Parsing runs on a thread of its own and hands rows over a bounded channel: memory stays
    // bounded however large the file.
    let (tx, rx) = tokio::sync::mpsc::channel::<FeedRow>(4096);
    let path = args.file.clone();
    let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let file = std::fs::File::open(&path)?;
        let feed = FeedReader::new(std::io::BufReader::with_capacity(1 << 16, file), tab)
            .map_err(anyhow::Error::msg)?;
        for row in feed {
            if tx.blocking_send(row).is_err() {
                break;
            }
        }
        Ok(())
    });
    let rows =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|row| (row, rx)) },
        );

    let terminal = std::io::stderr().is_terminal();
    let bar = if terminal {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} rows imported ({per_sec}) {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(bar)
    } else {
        None
    };
    let started = Instant::now();
    let report = sandbox
        .import_feed(&args.catalog.as_str().into(), rows, |done| match &bar {
            Some(bar) => bar.set_position(done),
            None if done % 10_000 == 0 => eprintln!("{done} rows"),
            None => {}
        })
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.details.clone().unwrap_or_else(|| e.message())))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    reader.await??;
    vitrine_core::store::Lifecycle::close(store.as_ref()).await;

    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}: {} rows, {} imported, {} failed in {:.1} s ({:.0} rows/s)",
        args.file.display(),
        report.rows,
        report.imported,
        report.failed,
        secs,
        report.rows as f64 / secs.max(1e-9)
    );
    for e in report.errors.iter().take(20) {
        println!("  line {}: {}", e.line, e.reason);
    }
    if report.failed as usize > report.errors.len().min(20) {
        println!(
            "  … and {} more",
            report.failed as usize - report.errors.len().min(20)
        );
    }
    if report.failed > 0 {
        anyhow::bail!("{} of {} rows failed", report.failed, report.rows);
    }
    Ok(())
}
