//! Turns the merged key tree into a [`Config`], collecting every problem instead of stopping at the first.
//!
//! Every scalar is read leniently (a port may be `"9440"` or `9440`, a flag `true` or `"${VAR}"`),
//! expanded for `${VAR}` first, then checked. A problem names the key path, shows the bad value
//! (never for secrets) and says what to write instead.

use std::collections::HashMap;
use std::net::Ipv6Addr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::value::{Dict, Num, Value};
use secrecy::{ExposeSecret, SecretString};

use super::sources::{Origins, Vars};
use super::{
    API_VERSIONS, CollectionConfig, CollectorsConfig, Config, PerClientConfig, Problem,
    ServerConfig, SiteAuth, SiteConfig, TelemetryConfig, duration, interpolate,
};

const DEFAULT_LISTEN_HOST: &str = "0.0.0.0";
const DEFAULT_LISTEN_PORT: u16 = 9440;
const DEFAULT_METRICS_PATH: &str = "/metrics";
const HEALTH_PATH: &str = "/health";
const DEFAULT_LOG_LEVEL: &str = "info";
const DEFAULT_OTLP_ENDPOINT: &str = "localhost:4317";
const DEFAULT_JOB_WINDOW: Duration = Duration::from_secs(3600);
/// Used when neither `collection.jobsInterval` nor `server.collectionInterval` is set. The Go
/// exporter's 5 minutes would make fresh job data needlessly late now that polls are incremental.
const DEFAULT_JOBS_INTERVAL: Duration = Duration::from_secs(60);
const DEFAULT_STORAGE_INTERVAL: Duration = Duration::from_secs(300);
const MAX_DEFAULT_TIMEOUT: Duration = Duration::from_secs(50);
const DEFAULT_FULL_RESYNC_INTERVAL: Duration = Duration::from_secs(3600);
// The watermark is the server's own newest `lastUpdateTime`, so the overlap only covers updates that
// commit late; every second of it is re-read on every poll.
const DEFAULT_OVERLAP: Duration = Duration::from_secs(10);
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_NBU_PORT: u16 = 1556;
const DEFAULT_NBU_URI: &str = "/netbackup";
const DEFAULT_RATE_LIMIT: u32 = 10;
const DEFAULT_RATE_BURST: u32 = 20;
/// The Go exporter's one-minute request timeout.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The Go exporter's three retries.
const DEFAULT_MAX_RETRIES: u32 = 3;
const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(60);
const DEFAULT_JOB_SLICES: u32 = 8;
/// `maxResponseMiB`: nbu-api's `DEFAULT_MAX_BODY_BYTES`, in MiB (docs/configuration.md).
const DEFAULT_MAX_RESPONSE_MIB: u32 = 8;
const SECOND: Duration = Duration::from_secs(1);

/// Outcome of reading one key. `Invalid` means a problem was already recorded, so callers neither
/// report the key as missing nor run checks that would only repeat the problem.
enum Got<T> {
    Absent,
    Invalid,
    Value(T),
}

impl<T> Got<T> {
    fn value(self) -> Option<T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Invalid => None,
        }
    }

    /// The value, or `default` when absent; an invalid key also yields `default` because the load
    /// fails anyway and the remaining checks still deserve a plausible value.
    fn or(self, default: T) -> T {
        self.value().unwrap_or(default)
    }
}

/// A scalar after `${VAR}` expansion.
enum Scalar {
    Text(String),
    Bool(bool),
    Int(i128),
    Float(f64),
}

impl Scalar {
    /// The value as shown in a message; secrets show as `<redacted>`.
    fn shown(&self, secret: bool) -> String {
        if secret {
            return "<redacted>".to_owned();
        }
        match self {
            Self::Text(text) => shown(text),
            Self::Bool(flag) => flag.to_string(),
            Self::Int(number) => number.to_string(),
            Self::Float(number) => number.to_string(),
        }
    }
}

/// Why `secret` cannot travel in an HTTP header (as the API key does), without showing it.
fn header_problem(secret: &str) -> Option<&'static str> {
    if secret.chars().any(char::is_control) {
        Some(
            "contains a control character (often a line break from a multi-line YAML value, or \
             a file or variable read with its final newline); an HTTP header cannot carry it, so \
             remove it",
        )
    } else if !secret.is_ascii() {
        Some(
            "contains non-ASCII characters, which an HTTP header cannot carry; copy the key \
             again from the NetBackup web UI",
        )
    } else {
        None
    }
}

fn shown(text: &str) -> String {
    format!("{text:?}")
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Dict(..) => "a mapping",
        Value::Array(..) => "a list",
        Value::Bool(..) => "true/false",
        Value::Num(..) => "a number",
        Value::String(..) | Value::Char(..) => "text",
        Value::Empty(..) => "nothing",
    }
}

fn num_scalar(number: Num) -> Scalar {
    if let Some(unsigned) = number.to_u128() {
        Scalar::Int(i128::try_from(unsigned).unwrap_or(i128::MAX))
    } else if let Some(signed) = number.to_i128() {
        Scalar::Int(signed)
    } else {
        Scalar::Float(number.to_f64().unwrap_or(f64::NAN))
    }
}

/// A mapping being read, with the path its keys are reported under.
struct Section<'d> {
    path: String,
    dict: Option<&'d Dict>,
}

impl<'d> Section<'d> {
    fn key(&self, name: &str) -> String {
        super::schema::join(&self.path, name)
    }

    /// The value under `name`; YAML's `~`/empty counts as absent.
    fn get(&self, name: &str) -> Option<&'d Value> {
        self.dict
            .and_then(|dict| dict.get(name))
            .filter(|value| !matches!(value, Value::Empty(..)))
    }
}

/// Collects problems and warnings while building a [`Config`].
pub(super) struct Checker<'a> {
    vars: &'a Vars,
    origins: &'a Origins,
    base_dir: &'a Path,
    problems: Vec<Problem>,
    warnings: Vec<String>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(vars: &'a Vars, origins: &'a Origins, base_dir: &'a Path) -> Self {
        Self {
            vars,
            origins,
            base_dir,
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Problems and warnings found by [`Checker::build`].
    pub(super) fn finish(self) -> (Vec<Problem>, Vec<String>) {
        (self.problems, self.warnings)
    }

    /// Builds the configuration; it is only meaningful when [`Checker::finish`] reports no problem.
    pub(super) fn build(&mut self, root: &Dict) -> Config {
        let root = Section {
            path: String::new(),
            dict: Some(root),
        };
        let server_section = self.section(&root, "server");
        let server = self.server(&server_section);
        let collection_section = self.section(&root, "collection");
        let collection = self.collection(&server_section, &collection_section);
        let sites = self.sites(&root);
        let collectors = self.collectors(&root);
        let telemetry = self.telemetry(&root);
        Config {
            server,
            sites,
            collection,
            collectors,
            telemetry,
            warnings: Vec::new(),
        }
    }

    fn error(&mut self, key: &str, message: impl Into<String>) {
        let mut message = message.into();
        if let Some(origin) = self.origins.get(key) {
            message.push_str(&format!(" (set by {origin})"));
        }
        self.problems.push(Problem {
            key: key.to_owned(),
            message,
        });
    }

    fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    fn section<'d>(&mut self, parent: &Section<'d>, name: &str) -> Section<'d> {
        let path = parent.key(name);
        let dict = match parent.get(name) {
            None => None,
            Some(Value::Dict(_, dict)) => Some(dict),
            Some(other) => {
                self.error(
                    &path,
                    format!("must be a mapping of keys, not {}", kind_of(other)),
                );
                None
            }
        };
        Section { path, dict }
    }

    fn expand(&mut self, key: &str, raw: &str) -> Option<String> {
        let vars = self.vars;
        match interpolate::expand(raw, |name| vars.get(name).map(str::to_owned)) {
            Ok(text) => Some(text.into_owned()),
            Err(error) => {
                self.error(key, error.to_string());
                None
            }
        }
    }

    fn scalar(&mut self, section: &Section<'_>, name: &str) -> Got<Scalar> {
        let key = section.key(name);
        match section.get(name) {
            None => Got::Absent,
            Some(Value::String(_, raw)) => match self.expand(&key, raw) {
                Some(text) => Got::Value(Scalar::Text(text)),
                None => Got::Invalid,
            },
            Some(Value::Char(_, c)) => Got::Value(Scalar::Text(c.to_string())),
            Some(Value::Bool(_, flag)) => Got::Value(Scalar::Bool(*flag)),
            Some(Value::Num(_, number)) => Got::Value(num_scalar(*number)),
            Some(other) => {
                self.error(
                    &key,
                    format!("must be a single value, not {}", kind_of(other)),
                );
                Got::Invalid
            }
        }
    }

    /// Text; numbers are taken as their digits (a numeric `domain` is still a name).
    fn text(&mut self, section: &Section<'_>, name: &str) -> Got<String> {
        match self.scalar(section, name) {
            Got::Value(Scalar::Text(text)) => Got::Value(text),
            Got::Value(Scalar::Int(number)) => Got::Value(number.to_string()),
            Got::Value(Scalar::Float(number)) => Got::Value(number.to_string()),
            Got::Value(Scalar::Bool(flag)) => {
                self.error(
                    &section.key(name),
                    format!("{flag} is not text; quote it if you meant the word (\"{flag}\")"),
                );
                Got::Invalid
            }
            Got::Absent => Got::Absent,
            Got::Invalid => Got::Invalid,
        }
    }

    /// Text that is never shown back, not even when it is the wrong type.
    fn secret(&mut self, section: &Section<'_>, name: &str) -> Got<SecretString> {
        match self.scalar(section, name) {
            Got::Value(Scalar::Text(text)) => Got::Value(SecretString::from(text)),
            Got::Value(Scalar::Int(number)) => {
                // YAML already turned it into a number: `0123` arrives as 123.
                self.warn(format!(
                    "`{}` is written as a number; put it in quotes so it is read exactly as written",
                    section.key(name)
                ));
                Got::Value(SecretString::from(number.to_string()))
            }
            Got::Value(Scalar::Float(_) | Scalar::Bool(_)) => {
                self.error(
                    &section.key(name),
                    "<redacted> is not text; put the value in quotes",
                );
                Got::Invalid
            }
            Got::Absent => Got::Absent,
            Got::Invalid => Got::Invalid,
        }
    }

    /// `true`/`false`, also as text (`"${SKIP_TLS}"`); Go's spellings plus yes/no/on/off.
    fn flag(&mut self, section: &Section<'_>, name: &str) -> Got<bool> {
        let parsed = match self.scalar(section, name) {
            Got::Value(Scalar::Bool(flag)) => return Got::Value(flag),
            Got::Value(Scalar::Text(text)) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "t" | "1" | "yes" | "on" => return Got::Value(true),
                "false" | "f" | "0" | "no" | "off" => return Got::Value(false),
                _ => shown(&text),
            },
            Got::Value(Scalar::Int(number @ (0 | 1))) => return Got::Value(number == 1),
            Got::Value(other) => other.shown(false),
            Got::Absent => return Got::Absent,
            Got::Invalid => return Got::Invalid,
        };
        self.error(
            &section.key(name),
            format!("{parsed} is not true or false; write `true` or `false`"),
        );
        Got::Invalid
    }

    fn integer(&mut self, section: &Section<'_>, name: &str, expected: &str) -> Got<i128> {
        let shown_value = match self.scalar(section, name) {
            Got::Value(Scalar::Int(number)) => return Got::Value(number),
            Got::Value(Scalar::Text(text)) => match text.trim().parse::<i128>() {
                Ok(number) => return Got::Value(number),
                Err(_) => shown(&text),
            },
            Got::Value(other) => other.shown(false),
            Got::Absent => return Got::Absent,
            Got::Invalid => return Got::Invalid,
        };
        self.error(
            &section.key(name),
            format!("{shown_value} is not a whole number; {expected}"),
        );
        Got::Invalid
    }

    fn port(&mut self, section: &Section<'_>, name: &str) -> Got<u16> {
        const EXPECTED: &str = "use a port number from 1 to 65535";
        match self.integer(section, name, EXPECTED) {
            Got::Value(number) => match u16::try_from(number) {
                Ok(port) if port > 0 => Got::Value(port),
                _ => {
                    self.error(
                        &section.key(name),
                        format!("{number} is not a valid port; {EXPECTED}"),
                    );
                    Got::Invalid
                }
            },
            Got::Absent => Got::Absent,
            Got::Invalid => Got::Invalid,
        }
    }

    fn count(&mut self, section: &Section<'_>, name: &str, range: RangeInclusive<u32>) -> Got<u32> {
        let expected = format!(
            "use a whole number from {} to {}",
            range.start(),
            range.end()
        );
        match self.integer(section, name, &expected) {
            Got::Value(number) => match u32::try_from(number) {
                Ok(count) if range.contains(&count) => Got::Value(count),
                _ => {
                    self.error(
                        &section.key(name),
                        format!("{number} is out of range; {expected}"),
                    );
                    Got::Invalid
                }
            },
            Got::Absent => Got::Absent,
            Got::Invalid => Got::Invalid,
        }
    }

    fn duration(&mut self, section: &Section<'_>, name: &str, minimum: Duration) -> Got<Duration> {
        let key = section.key(name);
        let parsed = match self.scalar(section, name) {
            Got::Value(Scalar::Text(text)) => match duration::parse(&text) {
                Ok(parsed) => parsed,
                Err(error) => {
                    self.error(&key, format!("{} {error}", shown(&text)));
                    return Got::Invalid;
                }
            },
            Got::Value(Scalar::Int(0)) => Duration::ZERO,
            Got::Value(other) => {
                let value = other.shown(false);
                self.error(
                    &key,
                    format!("{value} is not a duration; write a number with a unit, e.g. `{value}s` or `1h30m`"),
                );
                return Got::Invalid;
            }
            Got::Absent => return Got::Absent,
            Got::Invalid => return Got::Invalid,
        };
        if parsed < minimum {
            let least = duration::format(minimum);
            self.error(
                &key,
                format!(
                    "{} is too short; use at least {least}",
                    duration::format(parsed)
                ),
            );
            return Got::Invalid;
        }
        Got::Value(parsed)
    }

    fn fraction(&mut self, section: &Section<'_>, name: &str, expected: &str) -> Got<f64> {
        let (number, shown_value) = match self.scalar(section, name) {
            Got::Value(Scalar::Float(number)) => (Some(number), number.to_string()),
            Got::Value(Scalar::Int(number)) => (
                i32::try_from(number).ok().map(f64::from),
                number.to_string(),
            ),
            Got::Value(Scalar::Text(text)) => (text.trim().parse::<f64>().ok(), shown(&text)),
            Got::Value(other) => (None, other.shown(false)),
            Got::Absent => return Got::Absent,
            Got::Invalid => return Got::Invalid,
        };
        match number {
            Some(number) if (0.0..=1.0).contains(&number) => Got::Value(number),
            _ => {
                self.error(
                    &section.key(name),
                    format!("{shown_value} is not a number from 0 to 1; {expected}"),
                );
                Got::Invalid
            }
        }
    }

    /// A list of names; from an environment variable, a comma-separated string.
    fn text_list(&mut self, section: &Section<'_>, name: &str) -> Got<Vec<String>> {
        let key = section.key(name);
        let Some(value) = section.get(name) else {
            return Got::Absent;
        };
        let mut names = Vec::new();
        let mut valid = true;
        match value {
            Value::Array(_, items) => {
                for (index, item) in items.iter().enumerate() {
                    let item_key = format!("{key}[{index}]");
                    match item {
                        Value::String(_, raw) => match self.expand(&item_key, raw) {
                            Some(text) => names.push(text),
                            None => valid = false,
                        },
                        Value::Num(_, number) => names.push(num_scalar(*number).shown(false)),
                        other => {
                            self.error(
                                &item_key,
                                format!("must be a name, not {}", kind_of(other)),
                            );
                            valid = false;
                        }
                    }
                }
            }
            Value::String(_, raw) => match self.expand(&key, raw) {
                Some(text) => names.extend(text.split(',').map(str::to_owned)),
                None => valid = false,
            },
            other => {
                self.error(
                    &key,
                    format!("must be a list of names (`[a, b]`), not {}", kind_of(other)),
                );
                valid = false;
            }
        }
        if !valid {
            return Got::Invalid;
        }
        Got::Value(
            names
                .into_iter()
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .collect(),
        )
    }

    fn server(&mut self, section: &Section<'_>) -> ServerConfig {
        let host = match self.text(section, "host") {
            Got::Value(host) if host.trim().is_empty() => DEFAULT_LISTEN_HOST.to_owned(),
            Got::Value(host) => match check_host(host.trim()) {
                Ok(_) => host
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
                Err(reason) => {
                    self.error(&section.key("host"), format!("{} {reason}", shown(&host)));
                    DEFAULT_LISTEN_HOST.to_owned()
                }
            },
            Got::Absent | Got::Invalid => DEFAULT_LISTEN_HOST.to_owned(),
        };
        let port = self.port(section, "port").or(DEFAULT_LISTEN_PORT);
        let uri = match self.text(section, "uri") {
            Got::Value(path) => {
                let path = path.trim().to_owned();
                if let Err(reason) = check_path(&path) {
                    self.error(&section.key("uri"), format!("{} {reason}", shown(&path)));
                } else if path.trim_end_matches('/') == HEALTH_PATH {
                    self.error(
                        &section.key("uri"),
                        format!(
                            "{} is the health endpoint's path; choose another, e.g. `/metrics`",
                            shown(&path)
                        ),
                    );
                }
                path
            }
            Got::Absent | Got::Invalid => DEFAULT_METRICS_PATH.to_owned(),
        };
        let scraping_interval = self.scraping_interval(section);
        let log_name = match self.text(section, "logName") {
            Got::Value(name) => name.trim().to_owned(),
            Got::Absent | Got::Invalid => "stdout".to_owned(),
        };
        let log_json = match self.text(section, "logFormat") {
            Got::Value(format) => match format.trim().to_ascii_lowercase().as_str() {
                "text" => false,
                "json" => true,
                _ => {
                    self.error(
                        &section.key("logFormat"),
                        format!(
                            "{} is not a log format; use `text` or `json`",
                            shown(&format)
                        ),
                    );
                    false
                }
            },
            Got::Absent | Got::Invalid => false,
        };
        let log_level = match self.text(section, "logLevel") {
            Got::Value(filter) => match check_log_filter(&filter) {
                Ok(filter) => filter,
                Err(reason) => {
                    self.error(
                        &section.key("logLevel"),
                        format!("{} {reason}", shown(&filter)),
                    );
                    DEFAULT_LOG_LEVEL.to_owned()
                }
            },
            Got::Absent | Got::Invalid => DEFAULT_LOG_LEVEL.to_owned(),
        };
        let shutdown_timeout = self
            .duration(section, "shutdownTimeout", SECOND)
            .or(DEFAULT_SHUTDOWN_TIMEOUT);
        ServerConfig {
            host,
            port,
            uri,
            scraping_interval,
            log_name,
            log_level,
            log_json,
            shutdown_timeout,
        }
    }

    /// `scrapingInterval`, or the misspelling early Go releases documented.
    fn scraping_interval(&mut self, server: &Section<'_>) -> Duration {
        match self.duration(server, "scrapingInterval", SECOND) {
            Got::Absent => match self.duration(server, "scrappingInterval", SECOND) {
                Got::Absent => DEFAULT_JOB_WINDOW,
                found => {
                    self.warn(format!(
                        "`{}` is an old misspelling; it is used, but rename it to `scrapingInterval`",
                        server.key("scrappingInterval")
                    ));
                    found.or(DEFAULT_JOB_WINDOW)
                }
            },
            found => found.or(DEFAULT_JOB_WINDOW),
        }
    }

    fn collection(&mut self, server: &Section<'_>, section: &Section<'_>) -> CollectionConfig {
        let go_interval = self.duration(server, "collectionInterval", SECOND);
        let jobs = match (self.duration(section, "jobsInterval", SECOND), go_interval) {
            (Got::Value(ours), Got::Value(go)) => {
                if ours != go {
                    self.warn(format!(
                        "`{}` ({}) is used instead of `{}` ({})",
                        section.key("jobsInterval"),
                        duration::format(ours),
                        server.key("collectionInterval"),
                        duration::format(go)
                    ));
                }
                Got::Value(ours)
            }
            (Got::Absent, go) => go,
            (ours, _) => ours,
        };
        let jobs_known = matches!(jobs, Got::Value(_) | Got::Absent);
        let jobs_interval = jobs.or(DEFAULT_JOBS_INTERVAL);
        let storage_interval = self
            .duration(section, "storageInterval", SECOND)
            .or(DEFAULT_STORAGE_INTERVAL);
        let timeout = match self.duration(section, "timeout", SECOND) {
            Got::Value(timeout) => {
                if jobs_known && timeout >= jobs_interval {
                    self.error(
                        &section.key("timeout"),
                        format!(
                            "{} must be shorter than the jobs interval ({}), or collections would overlap; \
                             lower it or raise `collection.jobsInterval`",
                            duration::format(timeout),
                            duration::format(jobs_interval)
                        ),
                    );
                }
                timeout
            }
            Got::Absent | Got::Invalid => MAX_DEFAULT_TIMEOUT.min(jobs_interval / 6 * 5),
        };
        let full_resync_interval = match self.duration(section, "fullResyncInterval", SECOND) {
            Got::Value(interval) => {
                if jobs_known && interval < jobs_interval {
                    self.error(
                        &section.key("fullResyncInterval"),
                        format!(
                            "{} is shorter than the jobs interval ({}); use at least that",
                            duration::format(interval),
                            duration::format(jobs_interval)
                        ),
                    );
                }
                interval
            }
            Got::Absent | Got::Invalid => DEFAULT_FULL_RESYNC_INTERVAL.max(jobs_interval),
        };
        let overlap = self
            .duration(section, "overlap", Duration::ZERO)
            .or(DEFAULT_OVERLAP);
        CollectionConfig {
            jobs_interval,
            storage_interval,
            timeout,
            full_resync_interval,
            overlap,
        }
    }

    fn sites(&mut self, root: &Section<'_>) -> Vec<SiteConfig> {
        let single = root.get("nbuserver");
        let list = root.get("nbuservers");
        let mut entries: Vec<Section<'_>> = Vec::new();
        match (single, list) {
            (Some(_), Some(_)) => self.error(
                "nbuserver",
                "is set together with `nbuservers`; keep one: move this server into the `nbuservers` \
                 list (with a `site` name) or delete the list",
            ),
            (None, None) => self.error(
                "nbuservers",
                "no NetBackup server is configured; add an `nbuservers:` list with one entry per \
                 primary server (`site`, `host`, `apiKey`, ...), or a single `nbuserver:` section",
            ),
            _ => {}
        }
        if let Some(value) = single {
            match value {
                Value::Dict(_, dict) => entries.push(Section {
                    path: "nbuserver".to_owned(),
                    dict: Some(dict),
                }),
                other => self.error(
                    "nbuserver",
                    format!(
                        "must be a mapping of keys (host, port, apiKey, ...), not {}",
                        kind_of(other)
                    ),
                ),
            }
        }
        if let Some(value) = list {
            match value {
                Value::Array(_, items) if items.is_empty() => self.error(
                    "nbuservers",
                    "is an empty list; add one entry per NetBackup primary server",
                ),
                Value::Array(_, items) => {
                    for (index, item) in items.iter().enumerate() {
                        let path = format!("nbuservers[{index}]");
                        match item {
                            Value::Dict(_, dict) => entries.push(Section {
                                path,
                                dict: Some(dict),
                            }),
                            other => self.error(
                                &path,
                                format!(
                                    "must be a mapping of keys (site, host, apiKey, ...), not {}",
                                    kind_of(other)
                                ),
                            ),
                        }
                    }
                }
                Value::Dict(..) => self.error(
                    "nbuservers",
                    "must be a list: start each server with `- site: <name>`, or rename the key to \
                     `nbuserver` for a single server",
                ),
                other => self.error(
                    "nbuservers",
                    format!("must be a list of servers, not {}", kind_of(other)),
                ),
            }
        }

        let mut sites = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for entry in &entries {
            let (name, site) = self.site(entry, entry.path == "nbuserver");
            let Some(name) = name else {
                continue;
            };
            if let Some(first) = seen.get(&name) {
                self.error(
                    &entry.key("site"),
                    format!(
                        "{} is already the site of `{first}`; every site needs its own name (it becomes the `site` label)",
                        shown(&name)
                    ),
                );
                continue;
            }
            seen.insert(name, entry.path.clone());
            sites.extend(site);
        }
        sites
    }

    /// The site's name (whenever it can be told, for the uniqueness check) and its configuration
    /// (when it has no problem).
    fn site(
        &mut self,
        section: &Section<'_>,
        single: bool,
    ) -> (Option<String>, Option<SiteConfig>) {
        let problems_before = self.problems.len();
        let host = match self.text(section, "host") {
            Got::Value(host) => match check_host(host.trim()) {
                Ok(url_host) => Some((host.trim().to_owned(), url_host)),
                Err(reason) => {
                    self.error(&section.key("host"), format!("{} {reason}", shown(&host)));
                    None
                }
            },
            Got::Absent => {
                self.error(
                    &section.key("host"),
                    "is missing; set the NetBackup primary server's host name, e.g. `nbu-primary.example.com`",
                );
                None
            }
            Got::Invalid => None,
        };
        let site: Option<String> = match self.text(section, "site") {
            Got::Value(site) if site.trim().is_empty() => {
                self.error(
                    &section.key("site"),
                    "is empty; give this server a short unique name, e.g. `paris`",
                );
                None
            }
            Got::Value(site) => Some(site.trim().to_owned()),
            Got::Absent if single => host.as_ref().map(|(host, _)| host.clone()),
            Got::Absent => {
                self.error(
                    &section.key("site"),
                    "is missing; every `nbuservers` entry needs a unique `site` name (it becomes the `site` label)",
                );
                None
            }
            Got::Invalid => None,
        };
        let scheme = match self.text(section, "scheme") {
            Got::Value(scheme) => {
                let lower = scheme.trim().to_ascii_lowercase();
                match lower.as_str() {
                    "https" => Some(lower),
                    "http" => {
                        self.warn(format!(
                            "`{}` is `http`: credentials and data travel unencrypted",
                            section.key("scheme")
                        ));
                        Some(lower)
                    }
                    _ => {
                        self.error(
                            &section.key("scheme"),
                            format!(
                                "{} is not supported; use `https` (or `http` for a test server)",
                                shown(&scheme)
                            ),
                        );
                        None
                    }
                }
            }
            Got::Absent => Some("https".to_owned()),
            Got::Invalid => None,
        };
        let port = self.port(section, "port").or(DEFAULT_NBU_PORT);
        let uri = match self.text(section, "uri") {
            Got::Value(uri) => {
                let uri = uri.trim().to_owned();
                if let Err(reason) = check_path(&uri) {
                    self.error(&section.key("uri"), format!("{} {reason}", shown(&uri)));
                }
                uri
            }
            Got::Absent | Got::Invalid => DEFAULT_NBU_URI.to_owned(),
        };
        let api_version = self.api_version(section);
        let auth = self.auth(section);
        let insecure_skip_verify = self.flag(section, "insecureSkipVerify").or(false);
        if section.get("contentType").is_some() {
            tracing::debug!(
                key = %section.key("contentType"),
                "legacy key ignored: the media type follows the negotiated API version"
            );
        }
        let ca_file = self.ca_file(section);
        if insecure_skip_verify {
            self.warn(format!(
                "`{}` is true: the server's certificate is not verified",
                section.key("insecureSkipVerify")
            ));
            if ca_file.is_some() {
                self.warn(format!(
                    "`{}` is ignored because `insecureSkipVerify` is true",
                    section.key("caFile")
                ));
            }
        }
        let rate_limit_per_second = self
            .count(section, "rateLimit", 1..=10_000)
            .or(DEFAULT_RATE_LIMIT);
        let rate_burst = self
            .count(section, "rateBurst", 1..=10_000)
            .or(DEFAULT_RATE_BURST);
        let request_timeout = self
            .duration(section, "requestTimeout", Duration::from_millis(100))
            .or(DEFAULT_REQUEST_TIMEOUT);
        let connect_timeout = self
            .duration(section, "connectTimeout", Duration::from_millis(100))
            .or(DEFAULT_CONNECT_TIMEOUT);
        let max_retries = self
            .count(section, "maxRetries", 0..=100)
            .or(DEFAULT_MAX_RETRIES);
        let retry_budget = self
            .duration(section, "retryBudget", Duration::ZERO)
            .or(DEFAULT_RETRY_BUDGET);
        let job_slices = self
            .count(section, "jobSlices", 1..=64)
            .or(DEFAULT_JOB_SLICES);
        let max_response_mib = self
            .count(section, "maxResponseMiB", 1..=1024)
            .or(DEFAULT_MAX_RESPONSE_MIB);

        let (Some((_, url_host)), Some(name), Some(scheme), Some(auth)) =
            (host, site.clone(), scheme, auth)
        else {
            return (site, None);
        };
        if self.problems.len() > problems_before {
            return (site, None);
        }
        let path = uri.trim_end_matches('/');
        let config = SiteConfig {
            site: name,
            base_url: format!("{scheme}://{url_host}:{port}{path}"),
            api_version,
            auth,
            insecure_skip_verify,
            ca_file,
            rate_limit_per_second,
            rate_burst,
            request_timeout,
            connect_timeout,
            max_retries,
            retry_budget,
            job_slices: usize::try_from(job_slices).unwrap_or(1),
            max_response_bytes: u64::from(max_response_mib) * 1024 * 1024,
        };
        (site, Some(config))
    }

    /// `apiVersion`, also when YAML read an unquoted `13.0` as a number; empty means negotiate.
    fn api_version(&mut self, section: &Section<'_>) -> Option<String> {
        let key = section.key("apiVersion");
        let version = match self.scalar(section, "apiVersion") {
            Got::Value(Scalar::Text(text)) if text.trim().is_empty() => return None,
            Got::Value(Scalar::Text(text)) => text.trim().to_owned(),
            Got::Value(Scalar::Float(number)) => format!("{number:.1}"),
            Got::Value(Scalar::Int(number)) => format!("{number}.0"),
            Got::Value(Scalar::Bool(flag)) => flag.to_string(),
            Got::Absent | Got::Invalid => return None,
        };
        if API_VERSIONS.contains(&version.as_str()) {
            return Some(version);
        }
        let hint = if version == "3.0" {
            " (`3.0` comes from old nbu_exporter examples and never existed; NetBackup 10.0-10.4 serves `10.0`)"
        } else {
            ""
        };
        self.error(
            &key,
            format!(
                "{} is not a supported NetBackup API version; use one of {}, or remove the key to \
                 detect the version automatically{hint}",
                shown(&version),
                API_VERSIONS.join(", ")
            ),
        );
        None
    }

    fn auth(&mut self, section: &Section<'_>) -> Option<SiteAuth> {
        let api_key = self.secret(section, "apiKey");
        let user = self.text(section, "username");
        let password = self.secret(section, "password");
        let domain = self
            .text(section, "domain")
            .value()
            .filter(|d| !d.trim().is_empty());
        let domain_type = self
            .text(section, "domainType")
            .value()
            .filter(|d| !d.trim().is_empty());
        match api_key {
            Got::Value(key) if key.expose_secret().trim().is_empty() => {
                self.error(
                    &section.key("apiKey"),
                    "is empty; create an API key in the NetBackup web UI and set it here, preferably \
                     as `${NBU_APIKEY}` with the key in the environment or `.env`",
                );
                None
            }
            Got::Value(key) => {
                if let Some(problem) = header_problem(key.expose_secret()) {
                    self.error(&section.key("apiKey"), problem);
                    return None;
                }
                if matches!(user, Got::Value(_)) || matches!(password, Got::Value(_)) {
                    self.warn(format!(
                        "`{}` has both `apiKey` and `username`/`password`; the API key is used",
                        section.path
                    ));
                }
                Some(SiteAuth::ApiKey(key))
            }
            Got::Invalid => None,
            Got::Absent => match (user, password) {
                (Got::Value(user), Got::Value(password)) => {
                    let mut complete = true;
                    if user.trim().is_empty() {
                        self.error(
                            &section.key("username"),
                            "is empty; set the NetBackup user name",
                        );
                        complete = false;
                    }
                    if password.expose_secret().is_empty() {
                        self.error(
                            &section.key("password"),
                            "is empty; set the user's password",
                        );
                        complete = false;
                    }
                    complete.then(|| SiteAuth::Login {
                        user: user.trim().to_owned(),
                        password,
                        domain,
                        domain_type,
                    })
                }
                (Got::Value(_), Got::Absent) => {
                    self.error(
                        &section.key("password"),
                        "is missing; `username` needs a `password` (or use `apiKey` instead)",
                    );
                    None
                }
                (Got::Absent, Got::Value(_)) => {
                    self.error(
                        &section.key("username"),
                        "is missing; `password` needs a `username` (or use `apiKey` instead)",
                    );
                    None
                }
                (Got::Absent, Got::Absent) => {
                    self.error(
                        &section.key("apiKey"),
                        "is missing; set `apiKey` (created in the NetBackup web UI), or `username` and \
                         `password` to log in",
                    );
                    None
                }
                _ => None,
            },
        }
    }

    fn ca_file(&mut self, section: &Section<'_>) -> Option<PathBuf> {
        let written = self.text(section, "caFile").value()?;
        let written = written.trim();
        if written.is_empty() {
            return None;
        }
        let path = self.base_dir.join(written);
        if !path.is_file() {
            self.error(
                &section.key("caFile"),
                format!(
                    "{} is not a readable file ({} was checked; relative paths start at the \
                     configuration file's directory); point it at a PEM bundle of CA certificates",
                    shown(written),
                    path.display()
                ),
            );
            return None;
        }
        Some(path)
    }

    fn collectors(&mut self, root: &Section<'_>) -> CollectorsConfig {
        let section = self.section(root, "collectors");
        let enabled = |checker: &mut Self, name: &str| {
            let collector = checker.section(&section, name);
            checker.flag(&collector, "enabled").or(false)
        };
        let alerts = enabled(self, "alerts");
        let malware = enabled(self, "malware");
        let catalog = enabled(self, "catalog");
        let slo = enabled(self, "slo");
        let tape = enabled(self, "tape");
        let per_client = self.section(&section, "perClient");
        let per_client_enabled = self.flag(&per_client, "enabled").or(false);
        let mut allowlist: Vec<String> = Vec::new();
        for name in self.text_list(&per_client, "allowlist").or(Vec::new()) {
            if allowlist.contains(&name) {
                self.warn(format!(
                    "`{}` lists {} more than once",
                    per_client.key("allowlist"),
                    shown(&name)
                ));
            } else {
                allowlist.push(name);
            }
        }
        if per_client_enabled && allowlist.is_empty() {
            self.warn(format!(
                "`{}` is true but `allowlist` is empty: no per-client series will be exported",
                per_client.key("enabled")
            ));
        }
        CollectorsConfig {
            alerts,
            malware,
            catalog,
            slo,
            tape,
            per_client: PerClientConfig {
                enabled: per_client_enabled,
                allowlist,
            },
        }
    }

    fn telemetry(&mut self, root: &Section<'_>) -> TelemetryConfig {
        let section = self.section(root, "opentelemetry");
        let enabled = self.flag(&section, "enabled").or(false);
        let insecure = self.flag(&section, "insecure").or(false);
        let sampling_rate = self
            .fraction(
                &section,
                "samplingRate",
                "use 1.0 to trace every collection, 0.1 for one in ten",
            )
            .or(1.0);
        let endpoint = match self.text(&section, "endpoint") {
            Got::Value(endpoint) if !endpoint.trim().is_empty() => endpoint.trim().to_owned(),
            Got::Value(_) | Got::Absent | Got::Invalid => DEFAULT_OTLP_ENDPOINT.to_owned(),
        };
        if let (true, Err(reason)) = (enabled, check_endpoint(&endpoint)) {
            self.error(
                &section.key("endpoint"),
                format!("{} {reason}", shown(&endpoint)),
            );
        }
        TelemetryConfig {
            enabled,
            endpoint,
            insecure,
            sampling_rate,
        }
    }
}

fn is_level(level: &str) -> bool {
    ["off", "error", "warn", "info", "debug", "trace"]
        .iter()
        .any(|known| level.trim().eq_ignore_ascii_case(known))
}

/// Checks a log filter. `EnvFilter` alone would take a misspelt level (`inof`) as a target name and
/// silently log nothing, so every directive must end in a level.
fn check_log_filter(filter: &str) -> Result<String, String> {
    const EXPECTED: &str = "use a level (error, warn, info, debug, trace or off), optionally with per-target levels such as `info,nbu_api=debug`";
    let filter = filter.trim();
    if filter.is_empty() {
        return Err(format!("is empty; {EXPECTED}"));
    }
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = directive
            .rsplit_once('=')
            .map_or(directive, |(_, level)| level);
        if !is_level(level) {
            return Err(if directive == filter {
                format!("is not a log level; {EXPECTED}")
            } else {
                format!("has `{directive}`, which does not end in a log level; {EXPECTED}")
            });
        }
    }
    tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|error| format!("is not a valid filter ({error}); {EXPECTED}"))?;
    Ok(filter.to_owned())
}

/// Checks a bare host name or IP address; returns it as it goes into a URL (IPv6 in brackets).
/// The error text completes a sentence that starts with the value.
fn check_host(host: &str) -> Result<String, String> {
    if host.is_empty() {
        return Err("is empty; set a host name such as `nbu-primary.example.com`".to_owned());
    }
    if host.contains("://") {
        return Err(
            "contains a URL scheme; write only the host name (e.g. `nbu-primary.example.com`) and put \
             the scheme in `scheme`"
                .to_owned(),
        );
    }
    if host.contains('/') {
        return Err(
            "contains a path; write only the host name and put the path in `uri`".to_owned(),
        );
    }
    if host.contains(char::is_whitespace) {
        return Err("contains spaces; write only the host name".to_owned());
    }
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(address) = unbracketed.parse::<Ipv6Addr>() {
        return Ok(format!("[{address}]"));
    }
    if host.contains(':') {
        return Err(
            "contains a port; write only the host name and put the port in `port`".to_owned(),
        );
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(format!(
            "contains `{bad}`, which a host name cannot contain; write a DNS name or an IP address"
        ));
    }
    if host.starts_with('.') || host.contains("..") {
        return Err(
            "has an empty label (`..` or a leading `.`); write a DNS name or an IP address"
                .to_owned(),
        );
    }
    Ok(host.to_owned())
}

/// Checks a URL path such as `/metrics` or `/netbackup`.
fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!(
            "must start with `/`, e.g. `/{}`",
            path.trim_start_matches('/')
        ));
    }
    if let Some(bad) = path
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '?' | '#'))
    {
        return Err(format!(
            "contains {bad:?}; write a plain path such as `/metrics`"
        ));
    }
    Ok(())
}

/// Checks an OTLP endpoint: `host:port`, or an `http(s)://host:port` URL.
fn check_endpoint(endpoint: &str) -> Result<(), String> {
    const EXPECTED: &str =
        "write `host:port`, e.g. `localhost:4317`, or a URL such as `https://collector:4317`";
    let authority = match endpoint.split_once("://") {
        Some(("http" | "https", rest)) => rest.split('/').next().unwrap_or_default(),
        Some(_) => return Err(format!("has a scheme other than http or https; {EXPECTED}")),
        None => endpoint,
    };
    let Some((host, port)) = authority.rsplit_once(':') else {
        return Err(format!("has no port; {EXPECTED}"));
    };
    if host.is_empty() {
        return Err(format!("has no host; {EXPECTED}"));
    }
    check_host(host).map_err(|reason| format!("has a host that {reason}"))?;
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok(()),
        _ => Err(format!("has an invalid port `{port}`; {EXPECTED}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            check_host("nbu.example.com").as_deref(),
            Ok("nbu.example.com")
        );
        assert_eq!(check_host("10.0.0.1").as_deref(), Ok("10.0.0.1"));
        assert_eq!(check_host("::1").as_deref(), Ok("[::1]"));
        assert_eq!(check_host("[fe80::1]").as_deref(), Ok("[fe80::1]"));
        assert!(check_host("https://nbu").unwrap_err().contains("`scheme`"));
        assert!(check_host("nbu:1556").unwrap_err().contains("`port`"));
        assert!(check_host("nbu/netbackup").unwrap_err().contains("`uri`"));
        assert!(check_host("nbu host").is_err());
        assert!(check_host("nbu@x").is_err());
        assert!(check_host("a..b").is_err());
        assert!(check_host("").is_err());
    }

    #[test]
    fn paths_and_endpoints() {
        assert!(check_path("/metrics").is_ok());
        assert!(check_path("metrics").unwrap_err().contains("`/metrics`"));
        assert!(check_path("/a?b").is_err());
        assert!(check_endpoint("localhost:4317").is_ok());
        assert!(check_endpoint("https://collector.example:4317").is_ok());
        assert!(check_endpoint("[::1]:4317").is_ok());
        assert!(check_endpoint("localhost").is_err());
        assert!(check_endpoint("grpc://x:4317").is_err());
        assert!(check_endpoint("x:0").is_err());
        assert!(check_endpoint(":4317").is_err());
    }

    #[test]
    fn log_filters() {
        assert_eq!(check_log_filter(" DEBUG ").as_deref(), Ok("DEBUG"));
        assert_eq!(
            check_log_filter("info,nbu_api=debug").as_deref(),
            Ok("info,nbu_api=debug")
        );
        assert!(
            check_log_filter("inof")
                .unwrap_err()
                .starts_with("is not a log level")
        );
        assert!(
            check_log_filter("info,x=inof")
                .unwrap_err()
                .contains("`x=inof`")
        );
        assert!(check_log_filter("nbu_api=loud").is_err());
        assert!(check_log_filter("").is_err());
    }
}
