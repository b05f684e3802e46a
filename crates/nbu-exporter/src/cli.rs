//! The command line: flags compatible with the Go exporter, plus `check`, `once` and `demo`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, Overrides};

/// Prometheus exporter for Veritas NetBackup.
///
/// Without a command it runs the exporter, taking the Go exporter's flags.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(flatten)]
    config: ConfigFile,
    #[command(flatten)]
    logging: Logging,
    #[command(flatten)]
    listen: Listen,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The configuration file, for the commands that read one.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct ConfigFile {
    /// The configuration file, in the Go exporter's format [default: config.yaml].
    #[arg(short, long, env = "NBU_EXPORTER_CONFIG")]
    config: Option<PathBuf>,
}

/// How to log.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct Logging {
    /// Log at debug level.
    #[arg(short, long)]
    debug: bool,
    /// Log at trace level, including API request details (never secrets).
    #[arg(long)]
    trace: bool,
    /// A log filter such as `info` or `nbu_api=debug,info` (overrides --debug/--trace and the file).
    #[arg(long, env = "NBU_EXPORTER_LOG_LEVEL")]
    log_level: Option<String>,
    /// Log one JSON object a line.
    #[arg(long)]
    log_json: bool,
}

/// Where to listen, for the commands that serve HTTP.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct Listen {
    /// The address to listen on (overrides server.host).
    #[arg(long)]
    listen_host: Option<String>,
    /// The port to listen on (overrides server.port).
    #[arg(long)]
    port: Option<u16>,
}

/// The settings of one command: its own flags over those given before the command name.
#[derive(Debug, Clone)]
pub(crate) struct Common {
    /// The configuration file.
    pub(crate) config: PathBuf,
    /// Log at debug level.
    pub(crate) debug: bool,
    /// Log at trace level.
    pub(crate) trace: bool,
    /// A log filter.
    pub(crate) log_level: Option<String>,
    /// Log JSON lines.
    pub(crate) log_json: bool,
    /// The address to listen on.
    pub(crate) listen_host: Option<String>,
    /// The port to listen on.
    pub(crate) port: Option<u16>,
}

/// What to do; without a command the exporter runs.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the exporter (the default).
    Run {
        #[command(flatten)]
        config: ConfigFile,
        #[command(flatten)]
        logging: Logging,
        #[command(flatten)]
        listen: Listen,
    },
    /// Validate the configuration and list every problem; with --connect, reach every server.
    Check {
        #[command(flatten)]
        config: ConfigFile,
        #[command(flatten)]
        logging: Logging,
        /// Also connect to every NetBackup server: reachability, TLS, authentication, API version.
        #[arg(long)]
        connect: bool,
    },
    /// Collect once from every site and print the exposition to standard output.
    Once {
        #[command(flatten)]
        config: ConfigFile,
        #[command(flatten)]
        logging: Logging,
    },
    /// Run on an in-process NetBackup simulator with live data, and print the URLs to open.
    Demo {
        #[command(flatten)]
        logging: Logging,
        #[command(flatten)]
        listen: Listen,
        /// Jobs the simulated estate starts with.
        #[arg(long, default_value_t = 5000)]
        jobs: usize,
        /// New jobs a minute in the simulated estate.
        #[arg(long, default_value_t = 120.0)]
        jobs_per_minute: f64,
    },
}

impl Common {
    /// Flags given after the command name beat those given before it.
    fn merge(
        top: &Cli,
        config: Option<&ConfigFile>,
        logging: &Logging,
        listen: Option<&Listen>,
    ) -> Self {
        let listen = listen.cloned().unwrap_or_default();
        Self {
            config: config
                .and_then(|c| c.config.clone())
                .or_else(|| top.config.config.clone())
                .unwrap_or_else(|| PathBuf::from("config.yaml")),
            debug: logging.debug || top.logging.debug,
            trace: logging.trace || top.logging.trace,
            log_level: logging
                .log_level
                .clone()
                .or_else(|| top.logging.log_level.clone()),
            log_json: logging.log_json || top.logging.log_json,
            listen_host: listen
                .listen_host
                .or_else(|| top.listen.listen_host.clone()),
            port: listen.port.or(top.listen.port),
        }
    }

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
    match &cli.command {
        None => {
            let common = Common::merge(&cli, None, &cli.logging, None);
            crate::run::run(&common).await
        }
        Some(Command::Run {
            config,
            logging,
            listen,
        }) => crate::run::run(&Common::merge(&cli, Some(config), logging, Some(listen))).await,
        Some(Command::Check {
            config,
            logging,
            connect,
        }) => {
            if let Some(refused) = unused(&cli, "check", true, false) {
                return refused;
            }
            crate::run::check(&Common::merge(&cli, Some(config), logging, None), *connect).await
        }
        Some(Command::Once { config, logging }) => {
            if let Some(refused) = unused(&cli, "once", true, false) {
                return refused;
            }
            crate::run::once(&Common::merge(&cli, Some(config), logging, None)).await
        }
        Some(Command::Demo {
            logging,
            listen,
            jobs,
            jobs_per_minute,
        }) => {
            if let Some(refused) = unused(&cli, "demo", false, true) {
                return refused;
            }
            let common = Common::merge(&cli, None, logging, Some(listen));
            crate::demo::demo(&common, *jobs, *jobs_per_minute).await
        }
    }
}

/// Refuses flags given before a command that does not use them, rather than ignoring them.
fn unused(cli: &Cli, command: &str, reads_config: bool, listens: bool) -> Option<ExitCode> {
    let mut flags = Vec::new();
    if !reads_config
        && cli.config.config.is_some()
        && std::env::var_os("NBU_EXPORTER_CONFIG").is_none()
    {
        flags.push("--config");
    }
    if !listens && cli.listen.listen_host.is_some() {
        flags.push("--listen-host");
    }
    if !listens && cli.listen.port.is_some() {
        flags.push("--port");
    }
    if flags.is_empty() {
        return None;
    }
    eprintln!(
        "nbu-exporter: `{command}` does not use {}; see `nbu-exporter {command} --help`",
        flags.join(", ")
    );
    Some(ExitCode::from(2))
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
