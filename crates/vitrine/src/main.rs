//! The `vitrine` binary. Everything lives in the library crates; this file only starts it.

mod banner;
mod bench;
mod ca_cmd;
mod catalog_cmd;
mod cli;
mod config;
mod customer_cmd;
mod node;
mod scenario;
mod webhooks_cmd;

fn main() -> std::process::ExitCode {
    cli::main()
}
