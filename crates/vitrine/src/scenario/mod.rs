//! `vitrine scenario …`: test and load-test a bot with scripted shoppers.
//!
//! - `schema` prints the JSON Schema of scenario files;
//! - `check FILES…` reads them and reports mistakes with file, line and column;
//! - `run FILES…` plays every scenario against a bot subscribed to a Vitrine (`--server`, or an
//!   in-process one on a fresh SQLite database), in parallel (`--jobs`), with JUnit output;
//! - `load FILE` plays one scenario as many concurrent shoppers and reports latency, throughput
//!   and the limits the bot hit.
//!
//! The engine talks to Vitrine through its HTTP API only (`client`), follows what the bot sends
//! with one poller (`feed`), and plays a scenario step by step (`engine`).

mod client;
mod echo;
mod engine;
mod feed;
mod inprocess;
mod load;
mod run;
#[cfg(test)]
mod tests;
mod view;

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Print the JSON Schema of scenario files (for editors: completion and checks)
    Schema,
    /// Read scenario files and report mistakes with their file, line and column
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Play scenarios against a bot; exit status 0 only when every scenario passed
    Run(run::RunArgs),
    /// Play one scenario as many concurrent shoppers and report latency and throughput
    Load(load::LoadArgs),
    /// A trivial bot that answers every text with "echo: <text>", to measure Vitrine itself
    EchoBot(echo::EchoArgs),
}

/// Where the bot's Vitrine is.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// A running Vitrine (repeat for several nodes: customer actions are spread over them).
    /// Without it, an in-process Vitrine starts on a fresh SQLite database.
    #[arg(long = "server", value_name = "URL", env = "VITRINE_URL")]
    pub servers: Vec<String>,
    /// Admin token of the server, when it has one
    #[arg(long, env = "VITRINE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// In-process Vitrine: the address to listen on (the bot's Graph API base)
    #[arg(long, default_value = "127.0.0.1:8484")]
    pub listen: String,
    /// In-process Vitrine: point the demo app's webhook here instead of waiting for the bot to
    /// subscribe
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
    /// In-process Vitrine: how long to wait for the bot to subscribe its webhook
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    pub wait_for_bot: std::time::Duration,
}

pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<vitrine_scenario::Duration>().map(|d| d.0)
}

/// Reads and checks every file before anything runs.
pub fn read_files(
    files: &[PathBuf],
) -> Result<Vec<(String, vitrine_scenario::ScenarioFile)>, Vec<String>> {
    let mut ok = vec![];
    let mut errors = vec![];
    for path in files {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Err(e) => errors.push(format!("{name}: {e}")),
            Ok(src) => match vitrine_scenario::parse(&name, &src) {
                Ok(f) => ok.push((name, f)),
                Err(e) => errors.push(e.to_string()),
            },
        }
    }
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(errors)
    }
}

pub fn main(cmd: ScenarioCommand) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    match cmd {
        ScenarioCommand::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&vitrine_scenario::schema())?
            );
            Ok(ExitCode::SUCCESS)
        }
        ScenarioCommand::Check { files } => match read_files(&files) {
            Ok(read) => {
                for (name, f) in read {
                    println!("{name}: {} scenario(s), ok", f.scenarios.len());
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("{e}");
                }
                Ok(ExitCode::from(2))
            }
        },
        ScenarioCommand::Run(args) => run::main(args),
        ScenarioCommand::Load(args) => load::main(args),
        ScenarioCommand::EchoBot(args) => echo::main(args),
    }
}
