//! The long-running exporter, `check` and `once`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use jiff::Timestamp;
use nbu_api::JobsQuery;
use nbu_collector::{Publisher, SitePoller};
use nbu_metrics::FamilySet;
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::cli::{Common, load_or_report};
use crate::config::Config;
use crate::serve::{self, HttpState, ReloadRequest};
use crate::sites::{Sites, client_for};
use crate::telemetry::{self, LogSettings, Telemetry, TraceSettings};

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
            error!(%address, error = %e, "cannot listen; is another exporter running on that port?");
            eprintln!("nbu-exporter: cannot listen on {address}: {e}");
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
        error!("{message}");
        eprintln!("nbu-exporter: {message}");
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
    let _watcher = watch_config(&common.config, file_tx);
    let mut current = config;
    let mut terminate = std::pin::pin!(termination());
    let mut hangup = hangups();
    loop {
        let reply = tokio::select! {
            () = &mut terminate => break,
            Some(()) = hangup.recv() => { info!("SIGHUP: reloading the configuration"); None }
            Some(()) = file_rx.recv() => { info!("configuration file changed: reloading"); None }
            Some(reply) = reload_rx.recv() => { info!("reload requested over HTTP"); Some(reply) }
        };
        let outcome = reload(common, &current, &mut sites).await;
        match &outcome {
            Ok(config) => {
                reload_status = ReloadStatus {
                    last_successful: true,
                    last_success: Timestamp::now(),
                };
                current = config.clone();
                info!(sites = current.sites.len(), "configuration reloaded");
            }
            Err(message) => {
                reload_status.last_successful = false;
                error!("configuration reload rejected; keeping the previous one:\n{message}");
            }
        }
        publisher.set_global(global_families(reload_status));
        if let Some(reply) = reply {
            let _ = reply.send(outcome.map(|_| ()));
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

async fn reload(common: &Common, current: &Config, sites: &mut Sites) -> Result<Config, String> {
    let config =
        crate::config::load(&common.config, &common.overrides()).map_err(|e| e.to_string())?;
    for warning in &config.warnings {
        warn!("{warning}");
    }
    if config.server.host != current.server.host
        || config.server.port != current.server.port
        || config.server.uri != current.server.uri
    {
        warn!("server.host, server.port and server.uri take effect only after a restart");
    }
    sites.apply(&config).await?;
    Ok(config)
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

/// Watches the configuration's directory (editors replace files on save, which a watch on the
/// file itself would lose) and signals changes to the file or to the `.env` beside it. Events are
/// matched by file name in the directory as given, not through resolved symlinks: a Kubernetes
/// ConfigMap swaps a `..data` link on update, and the directory it used to point to disappears.
fn watch_config(path: &Path, changed: mpsc::Sender<()>) -> Option<impl Sized> {
    let path = std::path::absolute(path).ok()?;
    let directory = path.parent()?.to_path_buf();
    let names: Vec<std::ffi::OsString> = vec![path.file_name()?.to_owned(), ".env".into()];
    let mut debouncer = new_debouncer(
        Duration::from_millis(500),
        None,
        move |result: DebounceEventResult| {
            let Ok(events) = result else { return };
            let relevant = events
                .iter()
                .flat_map(|event| event.paths.iter())
                .filter_map(|p| p.file_name())
                .any(|name| names.iter().any(|wanted| wanted == name) || name == "..data");
            if relevant {
                let _ = changed.try_send(());
            }
        },
    )
    .map_err(|e| warn!(error = %e, "cannot watch the configuration file; reload with SIGHUP or POST /-/reload"))
    .ok()?;
    debouncer
        .watch(&directory, RecursiveMode::NonRecursive)
        .map_err(|e| warn!(error = %e, dir = %directory.display(), "cannot watch the configuration directory"))
        .ok()?;
    Some(debouncer)
}

pub(crate) async fn check(common: &Common, connect: bool) -> ExitCode {
    let Some(config) = load_or_report(common) else {
        return ExitCode::from(EXIT_CONFIG);
    };
    let mut out = String::new();
    for warning in &config.warnings {
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
    let info = client
        .server_info()
        .await
        .map_err(|e| format!("cannot reach {}: {e}", site.base_url))?;
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
