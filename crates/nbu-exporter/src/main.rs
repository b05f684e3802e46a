//! nbu-exporter: the Prometheus exporter for Veritas NetBackup.
//!
//! A thin binary: it reads the configuration (the Go exporter's YAML, layered with environment
//! variables and flags), starts one poller per NetBackup site through `nbu-collector`, serves the
//! published snapshot over HTTP, reloads on SIGHUP / file change / `POST /-/reload`, and shuts down
//! gracefully. It holds no NetBackup or metrics logic of its own, and it builds no HTTP client to
//! NetBackup itself: `nbu-api` does.

mod budget;
mod cli;
mod config;
mod demo;
mod run;
mod serve;
mod sites;
mod telemetry;
mod watch;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("nbu-exporter: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(cli::dispatch(cli))
}
