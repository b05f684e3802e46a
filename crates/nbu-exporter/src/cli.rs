//! The command line: flags compatible with the Go exporter, plus `check`, `once` and `demo`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, Overrides};

/// Prometheus exporter for Veritas NetBackup.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) common: Common,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// Flags every command takes.
#[derive(Debug, Args, Clone)]
pub(crate) struct Common {
    /// The configuration file (the Go exporter's format).
    #[arg(
        short,
        long,
        global = true,
        default_value = "config.yaml",
        env = "NBU_EXPORTER_CONFIG"
    )]
    pub(crate) config: PathBuf,
    /// Log at debug level.
    #[arg(short, long, global = true)]
    pub(crate) debug: bool,
    /// Log at trace level, including API request details (never secrets).
    #[arg(long, global = true)]
    pub(crate) trace: bool,
    /// A log filter such as `info` or `nbu_api=debug,info` (overrides --debug/--trace and the file).
    #[arg(long, global = true, env = "NBU_EXPORTER_LOG_LEVEL")]
    pub(crate) log_level: Option<String>,
    /// Log one JSON object a line.
    #[arg(long, global = true)]
    pub(crate) log_json: bool,
    /// The address to listen on (overrides server.host).
    #[arg(long, global = true)]
    pub(crate) listen_host: Option<String>,
    /// The port to listen on (overrides server.port).
    #[arg(long, global = true)]
    pub(crate) port: Option<u16>,
}

/// What to do; without a command the exporter runs.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the exporter (the default).
    Run,
    /// Validate the configuration and list every problem; with --connect, reach every server.
    Check {
        /// Also connect to every NetBackup server: reachability, TLS, authentication, API version.
        #[arg(long)]
        connect: bool,
    },
    /// Collect once from every site and print the exposition to standard output.
    Once,
    /// Run on an in-process NetBackup simulator with live data, and print the URLs to open.
    Demo {
        /// Jobs the simulated estate starts with.
        #[arg(long, default_value_t = 5000)]
        jobs: usize,
        /// New jobs a minute in the simulated estate.
        #[arg(long, default_value_t = 120.0)]
        jobs_per_minute: f64,
    },
}

impl Common {
    pub(crate) fn overrides(&self) -> Overrides {
        Overrides {
            listen_host: self.listen_host.clone(),
            listen_port: self.port,
            log_level: self.log_level.clone().or_else(|| {
                if self.trace {
                    Some("trace".to_owned())
                } else if self.debug {
                    Some("debug".to_owned())
                } else {
                    None
                }
            }),
            log_json: self.log_json.then_some(true),
        }
    }
}

pub(crate) async fn dispatch(cli: Cli) -> ExitCode {
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => crate::run::run(&cli.common).await,
        Command::Check { connect } => crate::run::check(&cli.common, connect).await,
        Command::Once => crate::run::once(&cli.common).await,
        Command::Demo {
            jobs,
            jobs_per_minute,
        } => crate::demo::demo(&cli.common, jobs, jobs_per_minute).await,
    }
}

/// Loads the configuration and prints every problem when it cannot.
pub(crate) fn load_or_report(common: &Common) -> Option<config::Config> {
    match config::load(&common.config, &common.overrides()) {
        Ok(config) => Some(config),
        Err(error) => {
            eprintln!(
                "nbu-exporter: the configuration `{}` cannot be used:\n{error}",
                common.config.display()
            );
            None
        }
    }
}
