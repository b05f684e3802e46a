//! The exporter's configuration: the Go exporter's YAML file read unchanged, plus our own optional
//! keys, layered as file < `NBU_EXPORTER_*` environment variables < command-line flags.
//!
//! [`load`] is the only entry point. It reports every problem of a file at once (each with its key
//! path and the fix) and returns warnings for what it ignored, so a reload can refuse a bad file
//! while the exporter keeps running on the previous one. Secrets are held as [`SecretString`] and
//! never appear in errors or `Debug` output. `docs/configuration.md` lists every key.

mod duration;
mod interpolate;
mod schema;
mod sources;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::value::Dict;
use secrecy::{ExposeSecret, SecretString};

/// The NetBackup API versions a site may pin with `apiVersion`, newest first.
pub(crate) const API_VERSIONS: [&str; 4] = ["14.0", "13.0", "12.0", "10.0"];

/// Command-line values that beat both the file and the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Overrides {
    /// Replaces `server.host` (the listen address).
    pub listen_host: Option<String>,
    /// Replaces `server.port`.
    pub listen_port: Option<u16>,
    /// Replaces `server.logLevel` (a level or a filter such as `info,nbu_api=debug`).
    pub log_level: Option<String>,
    /// Replaces `server.logFormat`: `Some(true)` is `json`, `Some(false)` is `text`.
    pub log_json: Option<bool>,
}

/// A validated configuration. Compare two with `==` to see whether a reload changed anything;
/// secrets are compared too, without being exposed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Config {
    /// The exporter's own HTTP server and logging.
    pub server: ServerConfig,
    /// The NetBackup primary servers, in file order; `site` names are unique.
    pub sites: Vec<SiteConfig>,
    /// Collection cadence and windows.
    pub collection: CollectionConfig,
    /// Opt-in collectors.
    pub collectors: CollectorsConfig,
    /// OpenTelemetry tracing.
    pub telemetry: TelemetryConfig,
    /// Things the loader ignored or found doubtful (unknown keys, deprecated spellings); log them once
    /// the logger is up, since the log settings come from this very file.
    pub warnings: Vec<String>,
}

impl Config {
    /// The job look-back window: `server.scrapingInterval`, but never shorter than the jobs
    /// interval, so consecutive polls leave no gap (the Go exporter's rule).
    pub(crate) fn job_window(&self) -> Duration {
        self.server
            .scraping_interval
            .max(self.collection.jobs_interval)
    }
}

/// Where the exporter listens and how it logs (`server` section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerConfig {
    /// Listen host as written (`0.0.0.0`, `::`, `localhost`, ...); IPv6 without brackets.
    pub host: String,
    /// Listen port.
    pub port: u16,
    /// Path of the metrics endpoint; never `/health`.
    pub uri: String,
    /// The Go exporter's job look-back window; see [`Config::job_window`].
    pub scraping_interval: Duration,
    /// `stdout`, `-` or empty for standard output; anything else is a file path, relative to the
    /// working directory as in the Go exporter.
    pub log_name: String,
    /// A tracing filter: a level (`info`) or directives (`info,nbu_api=debug`), already checked.
    pub log_level: String,
    /// `logFormat: json`: one JSON object per line instead of text.
    pub log_json: bool,
    /// How long a graceful shutdown may take before in-flight work is dropped.
    pub shutdown_timeout: Duration,
}

impl ServerConfig {
    /// `host:port`, with brackets around an IPv6 host, ready for `TcpListener::bind`.
    pub(crate) fn listen_address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// One NetBackup primary server.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SiteConfig {
    /// The `site` label value.
    pub site: String,
    /// `scheme://host:port/uri`, without a trailing slash.
    pub base_url: String,
    /// A pinned API version from [`API_VERSIONS`]; `None` means negotiate.
    pub api_version: Option<String>,
    /// How to authenticate.
    pub auth: SiteAuth,
    /// Accept any server certificate (`insecureSkipVerify`).
    pub insecure_skip_verify: bool,
    /// Extra PEM trust anchors (`caFile`), resolved against the configuration file's directory.
    pub ca_file: Option<PathBuf>,
    /// Sustained request rate towards this server.
    pub rate_limit_per_second: u32,
    /// Requests allowed at once above the sustained rate.
    pub rate_burst: u32,
    /// Limit for one HTTP request, body included.
    pub request_timeout: Duration,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Retries of one request (network errors, 429, 5xx).
    pub max_retries: u32,
    /// The longest one request may spend waiting between its retries, all waits together.
    pub retry_budget: Duration,
    /// Parallel time slices for a full job load.
    pub job_slices: usize,
    /// The largest response body accepted from this server (`maxResponseMiB`).
    pub max_response_bytes: u64,
}

/// Credentials for one site. `Debug` never shows the secret parts.
#[derive(Debug, Clone)]
pub(crate) enum SiteAuth {
    /// `apiKey`: sent as the `Authorization` header.
    ApiKey(SecretString),
    /// `username`/`password`: exchanged for a session token at `POST /login`.
    Login {
        /// `username`.
        user: String,
        /// `password`.
        password: SecretString,
        /// `domain`, when set.
        domain: Option<String>,
        /// `domainType`, when set.
        domain_type: Option<String>,
    },
}

impl PartialEq for SiteAuth {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::ApiKey(a), Self::ApiKey(b)) => a.expose_secret() == b.expose_secret(),
            (
                Self::Login {
                    user,
                    password,
                    domain,
                    domain_type,
                },
                Self::Login {
                    user: other_user,
                    password: other_password,
                    domain: other_domain,
                    domain_type: other_domain_type,
                },
            ) => {
                user == other_user
                    && password.expose_secret() == other_password.expose_secret()
                    && domain == other_domain
                    && domain_type == other_domain_type
            }
            _ => false,
        }
    }
}

/// How often and how far back data is collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CollectionConfig {
    /// How often jobs are polled (`collection.jobsInterval`, else `server.collectionInterval`).
    pub jobs_interval: Duration,
    /// How long storage data stays fresh before it is fetched again.
    pub storage_interval: Duration,
    /// Limit for one collection of one site; always shorter than `jobs_interval`.
    pub timeout: Duration,
    /// How often the whole job window is fetched again instead of only what changed.
    pub full_resync_interval: Duration,
    /// How far an incremental poll reaches back before the previous one, to catch late updates.
    pub overlap: Duration,
}

/// Opt-in collectors; all off unless enabled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CollectorsConfig {
    /// `collectors.alerts.enabled`.
    pub alerts: bool,
    /// `collectors.malware.enabled`.
    pub malware: bool,
    /// `collectors.catalog.enabled`.
    pub catalog: bool,
    /// `collectors.slo.enabled`.
    pub slo: bool,
    /// `collectors.tape.enabled`.
    pub tape: bool,
    /// `collectors.perClient`.
    pub per_client: PerClientConfig,
}

/// Per-client series, limited to an allowlist to bound cardinality.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PerClientConfig {
    /// `collectors.perClient.enabled`.
    pub enabled: bool,
    /// Client names to export, without duplicates, in file order.
    pub allowlist: Vec<String>,
}

/// OpenTelemetry tracing (`opentelemetry` section).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TelemetryConfig {
    /// Export traces at all.
    pub enabled: bool,
    /// The OTLP gRPC endpoint as written: `host:port` or an `http(s)://` URL; checked when `enabled`.
    pub endpoint: String,
    /// Plain-text gRPC instead of TLS.
    pub insecure: bool,
    /// Share of traces sampled, 0 to 1; 1 when omitted (the Go exporter silently used 0).
    pub sampling_rate: f64,
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Where: a key path such as `nbuservers[1].port`, or a file.
    pub key: String,
    /// What is wrong and how to fix it; never contains a secret.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.key, self.message)
    }
}

/// Why [`load`] produced no configuration.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML, or not a mapping at the top.
    #[error("the configuration file {} is not valid YAML: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Parser message; names a position, never content.
        message: String,
    },
    /// The file parsed but has problems; all of them are listed, one per line.
    #[error("{}", render_invalid(path, problems, warnings))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
        /// Warnings found along the way; often they explain a problem (a misspelt `apiKey`).
        warnings: Vec<String>,
    },
}

fn render_invalid(path: &Path, problems: &[Problem], warnings: &[String]) -> String {
    let count = problems.len();
    let noun = if count == 1 { "problem" } else { "problems" };
    let mut text = format!(
        "the configuration file {} has {count} {noun}:",
        path.display()
    );
    for problem in problems {
        text.push_str(&format!("\n  - {problem}"));
    }
    for warning in warnings {
        text.push_str(&format!("\n  - warning: {warning}"));
    }
    text
}

/// Reads, layers and validates the configuration at `path`.
///
/// Variables for `${VAR}` and `NBU_EXPORTER_*` come from the process environment and from a `.env`
/// file beside `path` (which never replaces a variable already set, and is not written into the
/// process environment).
pub(crate) fn load(path: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
    load_with_vars(path, overrides, sources::Vars::from_process())
}

fn load_with_vars(
    path: &Path,
    overrides: &Overrides,
    mut vars: sources::Vars,
) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file = sources::parse_yaml(&text).map_err(|message| ConfigError::Syntax {
        path: path.to_path_buf(),
        message,
    })?;

    let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
    let mut early_problems = Vec::new();
    let dotenv_path = base_dir.join(".env");
    if let Err(message) = vars.add_dotenv(&dotenv_path) {
        early_problems.push(Problem {
            key: dotenv_path.display().to_string(),
            message,
        });
    }

    let env = sources::env_layer(&vars, &file);
    let (command_line, command_line_origins) = sources::overrides_layer(overrides);
    let mut origins = env.origins;
    origins.extend(command_line_origins);
    let merged: Dict = Figment::from(sources::Layer::file(path, file))
        .merge(sources::Layer::environment(env.dict))
        .merge(sources::Layer::command_line(command_line))
        .extract()
        .map_err(|error| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: format!("cannot combine the configuration layers: {error}"),
        })?;

    let mut warnings = env.warnings;
    schema::warn_unknown(&merged, schema::ROOT, "", &mut warnings);
    let mut checker = validate::Checker::new(&vars, &origins, base_dir);
    let config = checker.build(&merged);
    let (mut problems, more_warnings) = checker.finish();
    warnings.extend(more_warnings);
    early_problems.append(&mut problems);

    if early_problems.is_empty() {
        Ok(Config { warnings, ..config })
    } else {
        Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            problems: early_problems,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests;
