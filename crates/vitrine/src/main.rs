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

// A send allocates and frees many small buffers (request, record, webhook bodies, SQL
// arguments); glibc's malloc was about a sixth of a send's CPU under load.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
