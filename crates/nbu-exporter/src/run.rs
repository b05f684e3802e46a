//! The long-running exporter, `check` and `once`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use jiff::Timestamp;
use nbu_api::JobsQuery;
use nbu_collector::{Publisher, SitePoller};
use nbu_metrics::FamilySet;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::cli::{Common, load_or_report};
use crate::config::Config;
use crate::serve::{self, HttpState, ReloadRequest};
use crate::sites::{Sites, client_for};
use crate::telemetry::{self, LogSettings, Telemetry, TraceSettings};
use crate::watch::{self, ConfigWatcher, Fingerprint, Interest};

/// Exit code for a configuration that cannot be used.
const EXIT_CONFIG: u8 = 2;
/// Exit code for a failure at run time (port in use, NetBackup unreachable in `check --connect`).
const EXIT_RUNTIME: u8 = 1;

fn trace_settings(config: &Config) -> Option<TraceSettings> {
    config.telemetry.enabled.then(|| TraceSettings {
        endpoint: config.telemetry.endpoint.clone(),
        insecure: config.telemetry.insecure,
        sampling_rate: config.telemetry.sampling_rate,
    })
}

pub(crate) fn start_telemetry(
    config: &Config,
    destination_override: Option<&str>,
) -> Result<Telemetry, String> {
    let log = LogSettings {
        destination: destination_override
            .map_or_else(|| config.server.log_name.clone(), str::to_owned),
        level: config.server.log_level.clone(),
        json: config.server.log_json,
    };
    telemetry::init(&log, trace_settings(config).as_ref())
}

/// Families that belong to the process, not to a site.
#[derive(Debug, Clone, Copy)]
struct ReloadStatus {
    last_successful: bool,
    last_success: Timestamp,
}

fn global_families(reload: ReloadStatus) -> FamilySet {
    let mut set = FamilySet::new();
    set.gauge(
        "nbu_exporter_build_info",
        "Build information of the exporter (always 1).",
    )
    .push(vec![("version", env!("CARGO_PKG_VERSION").to_owned())], 1.0);
    set.gauge(
        "nbu_exporter_config_last_reload_successful",
        "1 when the latest configuration (re)load succeeded.",
    )
    .push(vec![], if reload.last_successful { 1.0 } else { 0.0 });
    set.gauge(
        "nbu_exporter_config_last_reload_success_timestamp_seconds",
        "When the configuration was last loaded successfully (Unix seconds).",
    )
    .push(vec![], reload.last_success.as_millisecond() as f64 / 1000.0);
    set
}

pub(crate) async fn run(common: &Common) -> ExitCode {
    let Some(config) = load_or_report(common) else {
        return ExitCode::from(EXIT_CONFIG);
    };
    serve_config(common, config, |_| {}).await
}

/// Runs the exporter with a loaded `config` until SIGTERM/SIGINT; `ready` is told the bound address.
pub(crate) async fn serve_config(
    common: &Common,
    config: Config,
    ready: impl FnOnce(std::net::SocketAddr),
) -> ExitCode {
    let telemetry = match start_telemetry(&config, None) {
        Ok(telemetry) => telemetry,
        Err(message) => {
            eprintln!("nbu-exporter: {message}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    for warning in &config.warnings {
        warn!("{warning}");
    }
    let address = config.server.listen_address();
    let listener = match TcpListener::bind(&address).await {
        Ok(listener) => listener,
        Err(e) => {
            fatal(
                &config,
                &format!(
                    "cannot listen on {address}: {e}; is another exporter running on that port? \
                     Stop it, or choose another port with `--port <other>`"
                ),
            );
            telemetry.shutdown();
            return ExitCode::from(EXIT_RUNTIME);
        }
    };
    let bound = listener.local_addr().ok();
    let publisher = Publisher::new();
    let mut reload_status = ReloadStatus {
        last_successful: true,
        last_success: Timestamp::now(),
    };
    publisher.set_global(global_families(reload_status));
    let mut sites = Sites::new(Arc::clone(&publisher));
    if let Err(message) = sites.apply(&config).await {
        fatal(&config, &message);
        telemetry.shutdown();
        return ExitCode::from(EXIT_CONFIG);
    }

    let (reload_tx, mut reload_rx) = mpsc::channel::<ReloadRequest>(4);
    let state = Arc::new(HttpState {
        publisher: Arc::clone(&publisher),
        metrics_path: config.server.uri.clone(),
        reload: reload_tx,
    });
    let shutdown = CancellationToken::new();
    let grace = config.server.shutdown_timeout;
    let server = tokio::spawn(serve::serve(listener, state, shutdown.clone(), grace));
    if let Some(bound) = bound {
        info!(%bound, metrics = %config.server.uri, sites = config.sites.len(), "nbu-exporter listening");
        ready(bound);
    }

    let (file_tx, mut file_rx) = mpsc::channel::<()>(1);
    let mut inputs = watch::input_files(&common.config, Some(&config));
    // What the running configuration was read from; a file event reloads only when this changes.
    let mut seen = Fingerprint::of(&inputs);
    let mut watcher =
        ConfigWatcher::start(Interest::new(&inputs, watch::log_file(&config)), file_tx);
    let mut current = config;
    let mut terminate = std::pin::pin!(termination());
    let mut hangup = hangups();
    loop {
        let reply = tokio::select! {
            () = &mut terminate => break,
            Some(()) = hangup.recv() => { info!("SIGHUP: reloading the configuration"); None }
            Some(()) = file_rx.recv() => {
                if Fingerprint::of(&inputs) == seen {
                    // Touched, read or rewritten identically: nothing to say or do.
                    continue;
                }
                info!("configuration file changed: reloading");
                None
            }
            Some(reply) = reload_rx.recv() => { info!("reload requested over HTTP"); Some(reply) }
        };
        let before = Fingerprint::of(&inputs);
        let outcome = reload(common, &current, &mut sites).await;
        seen = before;
        let answer = match outcome {
            Ok(Reloaded::Unchanged) => {
                reload_status = ReloadStatus {
                    last_successful: true,
                    last_success: Timestamp::now(),
                };
                info!("configuration unchanged");
                Ok(UNCHANGED)
            }
            Ok(Reloaded::Changed(config)) => {
                reload_status = ReloadStatus {
                    last_successful: true,
                    last_success: Timestamp::now(),
                };
                let now_inputs = watch::input_files(&common.config, Some(&config));
                if now_inputs != inputs {
                    inputs = now_inputs;
                    seen = Fingerprint::of(&inputs);
                    if let Some(watcher) = &mut watcher {
                        watcher.update(Interest::new(&inputs, watch::log_file(&config)));
                    }
                }
                current = *config;
                info!(sites = current.sites.len(), "configuration reloaded");
                Ok(RELOADED)
            }
            Err(message) => {
                reload_status.last_successful = false;
                error!("configuration reload rejected; keeping the previous one:\n{message}");
                Err(message)
            }
        };
        publisher.set_global(global_families(reload_status));
        if let Some(reply) = reply {
            let _ = reply.send(answer);
        }
    }

    info!("shutting down");
    shutdown.cancel();
    let stop_all = async {
        let _ = server.await;
        sites.shutdown().await;
    };
    if tokio::time::timeout(grace + Duration::from_secs(1), stop_all)
        .await
        .is_err()
    {
        warn!("shutdown timeout reached; exiting with work in flight");
    }
    telemetry.shutdown();
    ExitCode::SUCCESS
}

/// Reports why the exporter cannot start, once: in the log, and on standard error as well only
/// when the log goes to a file (where the person starting it would not look).
fn fatal(config: &Config, message: &str) {
    error!("{message}");
    if watch::log_file(config).is_some() {
        eprintln!("nbu-exporter: {message}");
    }
}

/// What a reload did.
enum Reloaded {
    /// The configuration and every file it references read as before; nothing was touched.
    Unchanged,
    /// Something changed; sites whose settings changed were restarted, the others kept.
    Changed(Box<Config>),
}

/// The answers of `POST /-/reload`.
const RELOADED: &str = "configuration reloaded\n";
const UNCHANGED: &str = "configuration unchanged\n";

async fn reload(common: &Common, current: &Config, sites: &mut Sites) -> Result<Reloaded, String> {
    let config =
        crate::config::load(&common.config, &common.overrides()).map_err(|e| e.to_string())?;
    // Warnings were logged when they first appeared; repeat only what is new.
    for warning in config
        .warnings
        .iter()
        .filter(|warning| !current.warnings.contains(warning))
    {
        warn!("{warning}");
    }
    let restart_only = [
        ("server.host", config.server.host != current.server.host),
        ("server.port", config.server.port != current.server.port),
        ("server.uri", config.server.uri != current.server.uri),
        (
            "server.logName",
            config.server.log_name != current.server.log_name,
        ),
        (
            "server.logLevel",
            config.server.log_level != current.server.log_level,
        ),
        (
            "server.logFormat",
            config.server.log_json != current.server.log_json,
        ),
        ("opentelemetry", config.telemetry != current.telemetry),
    ];
    let changed: Vec<&str> = restart_only
        .iter()
        .filter(|(_, changed)| *changed)
        .map(|(key, _)| *key)
        .collect();
    if !changed.is_empty() {
        warn!(
            "{} changed: this takes effect only after a restart",
            changed.join(", ")
        );
    }
    let restarted = sites.apply(&config).await?;
    if restarted == 0 && config == *current {
        Ok(Reloaded::Unchanged)
    } else {
        Ok(Reloaded::Changed(Box::new(config)))
    }
}

/// Resolves on SIGTERM or SIGINT.
async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                tokio::select! {
                    _ = sigterm.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A channel that receives one message per SIGHUP (never, where there are no signals).
fn hangups() -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel(1);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut sighup) = signal(SignalKind::hangup()) {
            tokio::spawn(async move {
                while sighup.recv().await.is_some() {
                    let _ = tx.try_send(());
                }
            });
        }
    }
    #[cfg(not(unix))]
    drop(tx);
    rx
}

pub(crate) async fn check(common: &Common, connect: bool) -> ExitCode {
    let Some(config) = load_or_report(common) else {
        return ExitCode::from(EXIT_CONFIG);
    };
    let mut out = String::new();
    for warning in config
        .warnings
        .iter()
        .chain(&crate::budget::warnings(&config))
    {
        out.push_str(&format!("warning: {warning}\n"));
    }
    if let (provider, Some(warning)) =
        telemetry::optional_provider(trace_settings(&config).as_ref())
    {
        drop(provider);
        out.push_str(&format!("warning: {warning}\n"));
    }
    out.push_str(&format!(
        "configuration `{}` is valid: {} site(s)\n",
        common.config.display(),
        config.sites.len()
    ));
    print_out(&out);
    if !connect {
        return ExitCode::SUCCESS;
    }
    let mut failures = 0;
    for site in &config.sites {
        let report = match probe_site(site).await {
            Ok(summary) => format!("site `{}`: ok — {summary}\n", site.site),
            Err(problem) => {
                failures += 1;
                format!("site `{}`: FAILED — {problem}\n", site.site)
            }
        };
        print_out(&report);
    }
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_RUNTIME)
    }
}

/// Reachability and TLS (`/security/serverinfo` needs no auth), then authentication and the
/// API version (negotiation, then one authenticated page of jobs).
async fn probe_site(site: &crate::config::SiteConfig) -> Result<String, String> {
    let client = client_for(site)?;
    let info = client.server_info().await.map_err(|e| match e.kind() {
        // The error names the URL already; say what kind of failure it was only where the
        // words add something.
        nbu_api::ErrorKind::Connect | nbu_api::ErrorKind::Timeout => {
            format!("cannot reach the server: {e}")
        }
        _ => e.to_string(),
    })?;
    let version = client
        .negotiate()
        .await
        .map_err(|e| format!("API version negotiation failed: {e}"))?;
    let client = client.with_version(version);
    let mut pages = std::pin::pin!(client.jobs(&JobsQuery::new().page_limit(1)));
    if let Some(Err(e)) = pages.next().await {
        return Err(format!("authenticated request failed: {e}"));
    }
    Ok(format!(
        "NetBackup {}, API version {version}",
        info.nbu_version
            .as_deref()
            .unwrap_or("(version not reported)")
    ))
}

pub(crate) async fn once(common: &Common) -> ExitCode {
    let Some(config) = load_or_report(common) else {
        return ExitCode::from(EXIT_CONFIG);
    };
    // Standard output carries the exposition; logs go to standard error.
    let telemetry = match start_telemetry(&config, Some("stderr")) {
        Ok(telemetry) => telemetry,
        Err(message) => {
            eprintln!("nbu-exporter: {message}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let publisher = Publisher::new();
    publisher.set_global(global_families(ReloadStatus {
        last_successful: true,
        last_success: Timestamp::now(),
    }));
    let mut failed = false;
    for site in &config.sites {
        let spec = match crate::sites::site_spec(site, &config) {
            Ok(spec) => spec,
            Err(message) => {
                eprintln!("nbu-exporter: {message}");
                failed = true;
                continue;
            }
        };
        if let Err(e) = SitePoller::collect_once(&spec, &publisher).await {
            eprintln!("nbu-exporter: site `{}`: {e}", site.site);
            failed = true;
        }
    }
    print_out(&String::from_utf8_lossy(&publisher.snapshot().exposition));
    telemetry.shutdown();
    if failed {
        ExitCode::from(EXIT_RUNTIME)
    } else {
        ExitCode::SUCCESS
    }
}

#[allow(
    clippy::print_stdout,
    reason = "`check` and `once` report to their user on standard output"
)]
fn print_out(text: &str) {
    print!("{text}");
}
