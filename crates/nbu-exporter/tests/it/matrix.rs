//! The fault matrix of issue 16: every way a NetBackup site fails that operators met, each against
//! the real binary with collectors on their default, different intervals (jobs every 60 s, storage
//! every 5 min, request timeout 60 s), checking what `/metrics`, `/health`, `/-/ready`,
//! `/-/healthy` and the log say during the fault and that everything recovers by itself.
//!
//! Default intervals make each case last one to four minutes, so all cases run concurrently in one
//! test and the report names every failing case with what was expected, what was last seen, and
//! the tail of that exporter's output. `NBU_MATRIX_CASES=html_200,key_echo_401` runs a subset.
//!
//! A case is a list of phases. In a phase the test polls every endpoint once a second and checks
//! expectations: *gates* (the phase lasts until each is met or its deadline passed), *soft* ones
//! (recorded, but never keep the phase going once the gates have settled) and *throughout* ones
//! (must hold at every poll of the phase). At every poll, whatever the phase: `/metrics` and
//! `/-/healthy` answer 200 and no secret appears in any body or in the log.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use nbu_sim::{Faults, Release, ServerBuilder, SimHandle, TlsConfig};

use crate::harness::{Exporter, Metrics, free_port, http};

/// The configured API key: it must never show anywhere.
const KEY: &str = "matrix-key-3be1f0c94d27a6e8";
/// The default jobs interval and request timeout (docs/configuration.md).
const JOBS_INTERVAL: u64 = 60;
const REQUEST_TIMEOUT: u64 = 60;
/// The default retry budget: the longest one request may spend between its retries.
const RETRY_BUDGET: u64 = 60;
/// Scheduling, retries with short waits and a loaded 2-core machine.
const SLACK: u64 = 30;
/// `nbu_up` falls within one jobs interval when the server refuses or rejects us.
const DOWN_WITHIN: u64 = JOBS_INTERVAL + SLACK;
/// … plus a request timeout when it does not answer.
const DOWN_WITHIN_SLOW: u64 = JOBS_INTERVAL + REQUEST_TIMEOUT + SLACK;
/// … plus the retry budget when it answers with retryable errors.
const DOWN_WITHIN_RETRIED: u64 = JOBS_INTERVAL + RETRY_BUDGET + SLACK;
/// `nbu_up` rises within one jobs interval of recovery.
const RECOVER_WITHIN: u64 = JOBS_INTERVAL + SLACK;
/// How much longer than the gates a soft expectation may take.
const SOFT_GRACE: u64 = 5;
/// The first collections of a small estate.
const FIRST_LOAD_WITHIN: u64 = 45;

// ---------------------------------------------------------------------------------------------
// Observation and expectations

/// What one poll saw.
struct Obs {
    metrics_status: u16,
    metrics: Metrics,
    health_status: u16,
    health: Option<serde_json::Value>,
    ready_status: u16,
    /// The exporter's output since the phase started.
    log: String,
}

impl Obs {
    fn health_site(&self, site: &str) -> Option<&serde_json::Value> {
        self.health.as_ref()?["sites"]
            .as_array()?
            .iter()
            .find(|s| s["site"] == site)
    }
}

type Check = Box<dyn Fn(&Obs) -> Result<(), String> + Send + Sync>;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Gate(Duration),
    Soft(Duration),
    Throughout,
}

struct Expect {
    what: String,
    kind: Kind,
    check: Check,
}

fn gate(
    secs: u64,
    what: impl Into<String>,
    check: impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static,
) -> Expect {
    Expect {
        what: what.into(),
        kind: Kind::Gate(Duration::from_secs(secs)),
        check: Box::new(check),
    }
}

fn soft(
    secs: u64,
    what: impl Into<String>,
    check: impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static,
) -> Expect {
    Expect {
        what: what.into(),
        kind: Kind::Soft(Duration::from_secs(secs)),
        check: Box::new(check),
    }
}

fn throughout(
    what: impl Into<String>,
    check: impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static,
) -> Expect {
    Expect {
        what: what.into(),
        kind: Kind::Throughout,
        check: Box::new(check),
    }
}

fn metric_is(
    name: &'static str,
    labels: Vec<(&'static str, String)>,
    want: f64,
) -> impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static {
    move |o| {
        let pairs: Vec<(&str, &str)> = labels.iter().map(|(n, v)| (*n, v.as_str())).collect();
        match o.metrics.value(name, &pairs) {
            Some(v) if v == want => Ok(()),
            other => Err(format!("{name}{labels:?} = {other:?}")),
        }
    }
}

fn up(site: &str, want: f64) -> impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static {
    metric_is("nbu_up", vec![("site", site.to_owned())], want)
}

fn success(
    site: &str,
    collector: &str,
    want: f64,
) -> impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static {
    metric_is(
        "nbu_collector_success",
        vec![
            ("site", site.to_owned()),
            ("collector", collector.to_owned()),
        ],
        want,
    )
}

fn stale(
    site: &str,
    collector: &str,
    want: f64,
) -> impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static {
    metric_is(
        "nbu_collector_stale",
        vec![
            ("site", site.to_owned()),
            ("collector", collector.to_owned()),
        ],
        want,
    )
}

fn ready(want: u16) -> impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static {
    move |o| {
        (o.ready_status == want)
            .then_some(())
            .ok_or_else(|| format!("GET /-/ready answered {}", o.ready_status))
    }
}

/// `/health` answers `code` with `"status": status`.
fn health(
    code: u16,
    status: &'static str,
) -> impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static {
    move |o| {
        let seen = o.health.as_ref().map(|h| h["status"].clone());
        if o.health_status == code && seen.as_ref().is_some_and(|s| s == status) {
            Ok(())
        } else {
            Err(format!(
                "GET /health answered {} with status {seen:?}",
                o.health_status
            ))
        }
    }
}

/// The site's entry in `/health` has `state`, and when failing a non-empty `error`.
fn site_state(
    site: &'static str,
    state: &'static str,
) -> impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static {
    move |o| {
        let entry = o.health_site(site);
        let seen = entry.map(|s| s["state"].clone());
        let named_error = state != "failing"
            || entry.is_some_and(|s| {
                s["error"].as_str().is_some_and(|e| !e.is_empty())
                    || s["collectors"].as_array().is_some_and(|cs| {
                        cs.iter()
                            .any(|c| c["last_error"].as_str().is_some_and(|e| !e.is_empty()))
                    })
            });
        if seen.as_ref().is_some_and(|s| s == state) && named_error {
            Ok(())
        } else {
            Err(format!(
                "/health sites[{site}] = {}",
                entry.map_or_else(|| "absent".to_owned(), ToString::to_string)
            ))
        }
    }
}

/// `/health` lists exactly `sites` under `failing`.
fn failing_sites(
    sites: &'static [&'static str],
) -> impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static {
    move |o| {
        let named: BTreeSet<String> = o
            .health
            .as_ref()
            .and_then(|h| h["failing"].as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|f| f["site"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let want: BTreeSet<String> = sites.iter().map(|s| (*s).to_owned()).collect();
        if named == want {
            Ok(())
        } else {
            Err(format!(
                "/health failing names {named:?}; body {}",
                o.health
                    .as_ref()
                    .map_or_else(|| "not JSON".to_owned(), ToString::to_string)
            ))
        }
    }
}

/// A warning line (since the phase started) naming the site, the host, one of `endpoints` and one
/// of `causes` (case-insensitive).
fn warned(
    site: &'static str,
    host: String,
    endpoints: &'static [&'static str],
    causes: &'static [&'static str],
) -> impl Fn(&Obs) -> Result<(), String> + Send + Sync + 'static {
    move |o| {
        let found = o.log.lines().any(|line| {
            let lower = line.to_lowercase();
            lower.contains("warn")
                && line.contains(site)
                && line.contains(&host)
                && endpoints.iter().any(|e| line.contains(e))
                && causes.iter().any(|c| lower.contains(&c.to_lowercase()))
        });
        if found {
            return Ok(());
        }
        let warnings: Vec<&str> = o
            .log
            .lines()
            .filter(|l| l.to_lowercase().contains("warn"))
            .collect();
        Err(format!(
            "no warning naming {site}, {host}, one of {endpoints:?} and one of {causes:?}; warnings seen: {:?}",
            &warnings[warnings.len().saturating_sub(3)..]
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// A running case

/// The outcome of one case.
struct Outcome {
    case: &'static str,
    failures: Vec<String>,
    notes: Vec<String>,
    output: String,
}

struct Run {
    case: &'static str,
    exporter: Exporter,
    /// Kept alive for the exporter's configuration and certificates.
    _dir: tempfile::TempDir,
    secrets: Vec<String>,
    /// A log file to check for secrets too.
    log_file: Option<PathBuf>,
    failures: Vec<String>,
    notes: Vec<String>,
    violated: BTreeSet<String>,
    secret_checked: usize,
    /// Whether the exporter has answered once (before that it may still be binding its port).
    serving: bool,
    started: Instant,
}

async fn get(url: String) -> (u16, String) {
    match http().get(url).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.text().await.unwrap_or_default())
        }
        Err(_) => (0, String::new()),
    }
}

impl Run {
    /// Writes `yaml` (`{port}` is the exporter's port) as `config.yaml` in `dir` and starts the
    /// binary there with `args`.
    fn start(case: &'static str, dir: tempfile::TempDir, yaml: &str, args: &[&str]) -> Self {
        let port = free_port();
        let config = dir.path().join("config.yaml");
        std::fs::write(&config, yaml.replace("{port}", &port.to_string())).expect("write config");
        let child = Command::new(env!("CARGO_BIN_EXE_nbu-exporter"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .current_dir(dir.path())
            .env_remove("NBU_EXPORTER_LOG_LEVEL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nbu-exporter");
        let mut exporter = Exporter::adopt(child, port);
        exporter.config = config;
        Self {
            case,
            exporter,
            _dir: dir,
            secrets: vec![KEY.to_owned()],
            log_file: None,
            failures: Vec::new(),
            notes: Vec::new(),
            violated: BTreeSet::new(),
            secret_checked: 0,
            serving: false,
            started: Instant::now(),
        }
    }

    fn fail(&mut self, message: String) {
        eprintln!("[matrix {}] FAIL {message}", self.case);
        self.failures.push(message);
    }

    fn note(&mut self, message: String) {
        eprintln!("[matrix {}] {message}", self.case);
        self.notes.push(message);
    }

    fn violation(&mut self, key: &str, message: String) {
        if self.violated.insert(key.to_owned()) {
            let at = self.started.elapsed().as_secs();
            self.fail(format!("at {at} s: {message}"));
        }
    }

    /// A plain assertion outside phases.
    fn check(&mut self, what: &str, ok: bool, seen: impl std::fmt::Display) {
        if !ok {
            self.fail(format!("{what}: {seen}"));
        }
    }

    async fn observe(&mut self, log_from: usize) -> Obs {
        let url = |p: &str| self.exporter.url(p);
        let (
            (metrics_status, metrics_text),
            (health_status, health_text),
            (ready_status, ready_text),
        ) = tokio::join!(
            get(url("/metrics")),
            get(url("/health")),
            get(url("/-/ready"))
        );
        let (healthy_status, _) = get(url("/-/healthy")).await;
        let (_, landing) = get(url("/")).await;
        let output = self.exporter.output();
        self.serving |= metrics_status != 0;
        if !self.serving && self.started.elapsed() < Duration::from_secs(20) {
            // Still starting: the status endpoints are checked from the first answer on.
        } else if metrics_status != 200 {
            self.violation("metrics", format!("GET /metrics answered {metrics_status}"));
        }
        if self.serving && healthy_status != 200 {
            self.violation(
                "healthy",
                format!("GET /-/healthy answered {healthy_status}"),
            );
        }
        let file_text = self
            .log_file
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        for secret in self.secrets.clone() {
            for (place, text) in [
                ("/metrics", metrics_text.as_str()),
                ("/health", health_text.as_str()),
                ("/-/ready", ready_text.as_str()),
                ("/", landing.as_str()),
                ("the log", output.get(self.secret_checked..).unwrap_or("")),
                ("the log file", file_text.as_str()),
            ] {
                if text.contains(&secret) {
                    self.violation(
                        &format!("secret in {place}"),
                        format!("the API key appeared in {place}"),
                    );
                }
            }
        }
        // Rescan a little of the old output: a secret may straddle two reads.
        self.secret_checked = output.len().saturating_sub(100);
        Obs {
            metrics_status,
            metrics: Metrics::parse(if metrics_status == 200 {
                &metrics_text
            } else {
                ""
            }),
            health_status,
            health: serde_json::from_str(&health_text).ok(),
            ready_status,
            log: output.get(log_from..).unwrap_or("").to_owned(),
        }
    }

    /// Runs one phase: polls until every gate has settled (and at least `hold`), recording unmet
    /// expectations; returns whether every gate was met.
    async fn phase(&mut self, name: &str, hold: Duration, expects: Vec<Expect>) -> bool {
        let started = Instant::now();
        let log_from = self.exporter.output().len();
        // None: open; Some(Ok(t)): met at t; Some(Err(e)): failed.
        let mut settled: Vec<Option<Result<Duration, String>>> = vec![None; expects.len()];
        let mut last: Vec<String> = vec![String::new(); expects.len()];
        let mut gates_settled_at: Option<Duration> = None;
        let hard_limit = expects
            .iter()
            .filter_map(|e| match e.kind {
                Kind::Gate(d) | Kind::Soft(d) => Some(d),
                Kind::Throughout => None,
            })
            .max()
            .unwrap_or_default()
            .max(hold)
            + Duration::from_secs(5);
        loop {
            let obs = self.observe(log_from).await;
            let at = started.elapsed();
            for (i, e) in expects.iter().enumerate() {
                if settled[i].is_some() {
                    continue;
                }
                let result = (e.check)(&obs);
                match (e.kind, result) {
                    (Kind::Gate(_) | Kind::Soft(_), Ok(())) => settled[i] = Some(Ok(at)),
                    (Kind::Gate(d) | Kind::Soft(d), Err(seen)) => {
                        if at > d {
                            settled[i] = Some(Err(format!(
                                "not within {} s; last seen: {seen}",
                                d.as_secs()
                            )));
                        } else {
                            last[i] = seen;
                        }
                    }
                    (Kind::Throughout, Ok(())) => {}
                    (Kind::Throughout, Err(seen)) => {
                        settled[i] = Some(Err(format!("broken at {} s: {seen}", at.as_secs())));
                    }
                }
            }
            let gates_settled = expects
                .iter()
                .zip(&settled)
                .all(|(e, s)| !matches!(e.kind, Kind::Gate(_)) || s.is_some());
            let softs_settled = expects
                .iter()
                .zip(&settled)
                .all(|(e, s)| !matches!(e.kind, Kind::Soft(_)) || s.is_some());
            if gates_settled {
                gates_settled_at.get_or_insert(at);
            }
            // Soft expectations get a few seconds more than the gates, never longer; without
            // gates, they decide how long the phase lasts.
            let has_gates = expects.iter().any(|e| matches!(e.kind, Kind::Gate(_)));
            let softs_done = softs_settled
                || (has_gates
                    && gates_settled_at.is_some_and(|t| at >= t + Duration::from_secs(SOFT_GRACE)));
            if (gates_settled && at >= hold && softs_done) || at > hard_limit {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let lasted = started.elapsed().as_secs();
        let mut gates_met = true;
        for (i, e) in expects.iter().enumerate() {
            match (&settled[i], e.kind) {
                (Some(Ok(at)), Kind::Gate(_) | Kind::Soft(_)) => {
                    self.note(format!("{name}: {} after {} s", e.what, at.as_secs()));
                }
                (None, Kind::Throughout) => {}
                (None, _) => {
                    let message = format!(
                        "{name}: {}: not seen in the {lasted} s the phase lasted; last seen: {}",
                        e.what, last[i]
                    );
                    self.fail(message);
                }
                (Some(Err(why)), kind) => {
                    gates_met &= !matches!(kind, Kind::Gate(_));
                    let message = format!("{name}: {}: {why}", e.what);
                    self.fail(message);
                }
                (Some(Ok(_)), Kind::Throughout) => {}
            }
        }
        gates_met
    }

    fn finish(self) -> Outcome {
        Outcome {
            case: self.case,
            failures: self.failures,
            notes: self.notes,
            output: self.exporter.output(),
        }
    }
}

/// The first collections of `site` succeed and every status endpoint says so.
fn healthy(site: &'static str, within: u64) -> Vec<Expect> {
    vec![
        gate(within, format!("nbu_up{{{site}}} = 1"), up(site, 1.0)),
        gate(
            within,
            "jobs collector succeeds",
            success(site, "jobs", 1.0),
        ),
        gate(
            within,
            "storage collector succeeds",
            success(site, "storage", 1.0),
        ),
        soft(within, "/-/ready 200", ready(200)),
        soft(within, "/health 200 ok", health(200, "ok")),
        soft(within, "/health site ok", site_state(site, "ok")),
    ]
}

/// Back to normal after the fault is cleared.
fn recovered(site: &'static str, within: u64) -> Vec<Expect> {
    vec![
        gate(within, format!("nbu_up{{{site}}} = 1 again"), up(site, 1.0)),
        gate(
            within,
            "jobs collector succeeds again",
            success(site, "jobs", 1.0),
        ),
        gate(within, "jobs series fresh again", stale(site, "jobs", 0.0)),
        gate(within, "/health 200 again", health(200, "ok")),
        soft(within, "/-/ready 200", ready(200)),
    ]
}

/// The site is reported down: `nbu_up` 0 within `within`, the cause in `/health` and in the log.
fn down(
    site: &'static str,
    host: String,
    within: u64,
    endpoints: &'static [&'static str],
    causes: &'static [&'static str],
) -> Vec<Expect> {
    vec![
        gate(within, format!("nbu_up{{{site}}} = 0"), up(site, 0.0)),
        gate(within, "/health 503 failing", health(503, "failing")),
        soft(
            within,
            "/health names the site failing",
            site_state(site, "failing"),
        ),
        soft(within, "/-/ready stays 200", ready(200)),
        gate(
            within,
            format!("a warning naming site, host, endpoint and one of {causes:?}"),
            warned(site, host, endpoints, causes),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Configurations, simulators, certificates

fn site_yaml(site: &str, scheme: &str, port: u16, extra: &str) -> String {
    format!(
        "  - site: {site}\n    scheme: {scheme}\n    host: 127.0.0.1\n    port: \"{port}\"\n    apiKey: {KEY}\n{extra}"
    )
}

/// A minimal configuration: the listen address and the sites, every other setting by default.
fn config(sites: &[String], server_extra: &str) -> String {
    format!(
        "server:\n  host: 127.0.0.1\n  port: \"{{port}}\"\n{server_extra}nbuservers:\n{}",
        sites.concat()
    )
}

fn sim_builder() -> ServerBuilder {
    nbu_sim::Server::builder().api_key(KEY).jobs(500).seed(16)
}

async fn spawn(builder: ServerBuilder) -> SimHandle {
    builder.spawn().await.expect("simulator starts")
}

/// Starts `builder` on `addr`, which a simulator just released.
async fn respawn(builder: ServerBuilder, addr: SocketAddr) -> SimHandle {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match builder.clone().listen(addr).spawn().await {
            Ok(sim) => return sim,
            Err(error) if Instant::now() < deadline => {
                eprintln!("simulator cannot take {addr} yet: {error}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("the simulator cannot come back on {addr}: {error}"),
        }
    }
}

fn host_of(addr: SocketAddr) -> String {
    format!("127.0.0.1:{}", addr.port())
}

/// A private CA and leaf certificates it signs, written as PEM files into a directory.
struct Pki {
    ca: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

impl Pki {
    fn new() -> Self {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "nbu-exporter matrix test CA");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let key = rcgen::KeyPair::generate().expect("CA key");
        let ca = rcgen::CertifiedIssuer::self_signed(params, key).expect("CA certificate");
        Self { ca }
    }

    fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// A leaf for `names`, valid from `not_before` to `not_after` (years), as (cert, key) files.
    fn leaf(&self, dir: &Path, stem: &str, names: &[&str], years: (i32, i32)) -> TlsConfig {
        let mut params = rcgen::CertificateParams::new(
            names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>(),
        )
        .expect("leaf params");
        params.not_before = rcgen::date_time_ymd(years.0, 1, 1);
        params.not_after = rcgen::date_time_ymd(years.1, 1, 1);
        let key = rcgen::KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &*self.ca).expect("leaf certificate");
        let cert_path = dir.join(format!("{stem}.crt"));
        let key_path = dir.join(format!("{stem}.key"));
        std::fs::write(&cert_path, cert.pem()).expect("write certificate");
        std::fs::write(&key_path, key.serialize_pem()).expect("write key");
        TlsConfig::PemFiles {
            cert: cert_path,
            key: key_path,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A purpose-built server for faults the simulator cannot produce

/// What the proxy does to requests below `/netbackup`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Pass everything to the simulator.
    Forward,
    /// 200 with an HTML page, as a load balancer's maintenance or login page.
    Html,
    /// 401 to every authenticated request; with `echo`, the body quotes the Authorization header.
    Unauthorized { echo: bool },
}

struct ProxyState {
    upstream: String,
    mode: Mutex<Mode>,
    seen: Mutex<Vec<String>>,
    client: reqwest::Client,
}

/// A reverse proxy on loopback in front of a simulator, whose answers a test can replace.
struct Proxy {
    addr: SocketAddr,
    state: Arc<ProxyState>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(ProxyState {
            upstream: format!("http://{upstream}"),
            mode: Mutex::new(Mode::Forward),
            seen: Mutex::new(Vec::new()),
            client: http(),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(proxy(&state, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, state, task }
    }

    fn set(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    /// `METHOD path?query` of every request so far.
    fn requests(&self) -> Vec<String> {
        self.state.seen.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn respond(status: u16, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    if let Ok(value) = http::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, value);
    }
    response
}

async fn proxy(state: &ProxyState, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    state
        .seen
        .lock()
        .unwrap()
        .push(format!("{} {target}", request.method()));
    let mode = *state.mode.lock().unwrap();
    let unauthenticated = request.uri().path().ends_with("/ping");
    match mode {
        Mode::Html => {
            return respond(
                200,
                "text/html; charset=utf-8",
                "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><h1>Service temporarily unavailable</h1><p>Please sign in to continue.</p></body></html>\n".to_owned(),
            );
        }
        Mode::Unauthorized { echo } if !unauthenticated => {
            let presented = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let message = if echo {
                format!("Invalid or revoked API key: Authorization: {presented}")
            } else {
                "Invalid or revoked API key".to_owned()
            };
            return respond(
                401,
                "application/vnd.netbackup+json;version=14.0",
                serde_json::json!({"errorCode": 401, "errorMessage": message}).to_string(),
            );
        }
        Mode::Forward | Mode::Unauthorized { .. } => {}
    }
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut forward = state
        .client
        .request(parts.method, format!("{}{target}", state.upstream))
        .body(body);
    for name in [
        http::header::AUTHORIZATION,
        http::header::ACCEPT,
        http::header::CONTENT_TYPE,
    ] {
        if let Some(value) = parts.headers.get(&name) {
            forward = forward.header(name, value.clone());
        }
    }
    let Ok(answer) = forward.send().await else {
        return respond(502, "text/plain", "upstream unreachable\n".to_owned());
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.unwrap_or_default();
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

/// Requests that probe the API version (`GET /admin/jobs?page[limit]=1`, no filter).
fn probes(requests: &[String]) -> usize {
    requests
        .iter()
        .filter(|r| {
            let Some((path, query)) = r.split_once('?') else {
                return false;
            };
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            path.starts_with("GET ")
                && path.ends_with("/admin/jobs")
                && pairs.iter().any(|(k, v)| k == "page[limit]" && v == "1")
                && !pairs.iter().any(|(k, _)| k == "filter")
        })
        .count()
}

// ---------------------------------------------------------------------------------------------
// The cases

const JOBS: &[&str] = &["/admin/jobs"];
const ANY_ENDPOINT: &[&str] = &["/admin/jobs", "/ping", "/storage/"];

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Nothing listens when the exporter starts; the simulator comes up later.
async fn down_at_start() -> Outcome {
    let port = free_port();
    let mut run = Run::start(
        "down_at_start",
        dir(),
        &config(&[site_yaml("alpha", "http", port, "")], ""),
        &[],
    );
    let host = format!("127.0.0.1:{port}");
    let mut expects = down("alpha", host, 30, ANY_ENDPOINT, &["connection refused"]);
    expects.push(gate(30, "/-/ready 200 once setup failed", ready(200)));
    run.phase("down from the start", Duration::ZERO, expects)
        .await;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _sim = respawn(sim_builder(), addr).await;
    let mut expects = recovered("alpha", RECOVER_WITHIN);
    expects.push(gate(
        RECOVER_WITHIN,
        "storage collector succeeds",
        success("alpha", "storage", 1.0),
    ));
    run.phase("simulator started", Duration::ZERO, expects)
        .await;
    run.finish()
}

/// The simulator dies while the first full load of a large estate runs, and comes back.
async fn killed_during_full_load() -> Outcome {
    let builder = sim_builder()
        .jobs(20_000)
        .latency(Duration::from_millis(100));
    let sim = spawn(builder.clone()).await;
    let addr = sim.addr();
    let mut run = Run::start(
        "killed_during_full_load",
        dir(),
        &config(&[site_yaml("alpha", "http", addr.port(), "")], ""),
        &[],
    );
    // Loading: not ready, /health says loading (200), not failing.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sim.stats().requests("GET /admin/jobs") < 10 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    run.phase(
        "full load under way",
        Duration::ZERO,
        vec![
            soft(5, "/-/ready 503 while loading", ready(503)),
            soft(5, "/health 200 loading", health(200, "loading")),
            soft(5, "/health site loading", site_state("alpha", "loading")),
        ],
    )
    .await;
    let loaded = sim.stats().requests("GET /admin/jobs");
    sim.shutdown().await;
    run.note(format!("simulator killed after {loaded} job requests"));
    let mut expects = down(
        "alpha",
        host_of(addr),
        DOWN_WITHIN,
        ANY_ENDPOINT,
        &[
            "connection refused",
            "connection closed",
            "connection reset",
        ],
    );
    expects.push(gate(
        DOWN_WITHIN,
        "jobs collector failed",
        success("alpha", "jobs", 0.0),
    ));
    run.phase("killed", Duration::ZERO, expects).await;
    let _back = respawn(builder, addr).await;
    let mut expects = recovered("alpha", RECOVER_WITHIN + 60);
    expects.push(gate(
        RECOVER_WITHIN + 60,
        "job families exported",
        |o: &Obs| {
            (!o.metrics.get("nbu_jobs_count").is_empty())
                .then_some(())
                .ok_or_else(|| "no nbu_jobs_count".to_owned())
        },
    ));
    run.phase("restarted", Duration::ZERO, expects).await;
    run.finish()
}

/// Starts a simulator and an exporter, and waits for the first collections.
async fn healthy_run(
    case: &'static str,
    builder: ServerBuilder,
    args: &[&str],
) -> (SimHandle, Run) {
    let sim = spawn(builder).await;
    let mut run = Run::start(
        case,
        dir(),
        &config(&[site_yaml("alpha", "http", sim.addr().port(), "")], ""),
        args,
    );
    run.phase(
        "first collections",
        Duration::ZERO,
        healthy("alpha", FIRST_LOAD_WITHIN),
    )
    .await;
    (sim, run)
}

/// A fault that takes the whole site down, then is cleared.
async fn site_fault(
    case: &'static str,
    faults: Faults,
    within: u64,
    causes: &'static [&'static str],
) -> Outcome {
    let (sim, mut run) = healthy_run(case, sim_builder(), &[]).await;
    sim.set_faults(faults).await.expect("faults apply");
    let mut expects = down("alpha", host_of(sim.addr()), within, ANY_ENDPOINT, causes);
    expects.push(gate(
        within,
        "jobs collector failed",
        success("alpha", "jobs", 0.0),
    ));
    expects.push(soft(
        within,
        "jobs series kept, marked stale",
        stale("alpha", "jobs", 1.0),
    ));
    run.phase("fault", Duration::ZERO, expects).await;
    sim.clear_faults().await;
    run.phase(
        "fault cleared",
        Duration::ZERO,
        recovered("alpha", RECOVER_WITHIN),
    )
    .await;
    run.finish()
}

/// Every request (the ping included) stalls past the request timeout.
async fn slower_than_timeout() -> Outcome {
    let faults = Faults {
        stall_rate: 1.0,
        ..Faults::default()
    };
    site_fault(
        "slower_than_timeout",
        faults,
        DOWN_WITHIN_SLOW,
        &["timed out", "timeout"],
    )
    .await
}

/// 503 with Retry-After on every request, longer than the retry budget.
async fn server_errors_persistent() -> Outcome {
    let faults = Faults {
        error_rate: 1.0,
        error_status: Some(503),
        ..Faults::default()
    };
    site_fault(
        "server_errors_persistent",
        faults,
        DOWN_WITHIN_RETRIED,
        &["503"],
    )
    .await
}

/// A fault on the jobs endpoint only: the collector fails, the site stays up.
async fn collector_fault(
    case: &'static str,
    faults: Faults,
    causes: &'static [&'static str],
    keeps_up: bool,
) -> Outcome {
    let (sim, mut run) = healthy_run(case, sim_builder(), &[]).await;
    sim.set_faults(faults).await.expect("faults apply");
    let within = JOBS_INTERVAL + RETRY_BUDGET + SLACK;
    let mut expects = vec![
        gate(
            within,
            "jobs collector failed",
            success("alpha", "jobs", 0.0),
        ),
        soft(
            within,
            "jobs series kept, marked stale",
            stale("alpha", "jobs", 1.0),
        ),
        gate(
            within,
            format!("a warning naming site, host, endpoint and one of {causes:?}"),
            warned("alpha", host_of(sim.addr()), JOBS, causes),
        ),
        soft(within, "/-/ready stays 200", ready(200)),
        soft(
            within,
            "storage collector still succeeds",
            success("alpha", "storage", 1.0),
        ),
    ];
    if keeps_up {
        expects.push(throughout("nbu_up stays 1", up("alpha", 1.0)));
    }
    run.phase("fault on /admin/jobs", Duration::ZERO, expects)
        .await;
    let counted = sim.stats();
    run.note(format!(
        "simulator answered GET /admin/jobs: {:?}",
        counted
            .endpoints
            .get("GET /admin/jobs")
            .map(|e| &e.statuses)
    ));
    sim.clear_faults().await;
    run.phase(
        "fault cleared",
        Duration::ZERO,
        recovered("alpha", RECOVER_WITHIN),
    )
    .await;
    run.finish()
}

async fn too_many_requests() -> Outcome {
    let faults = Faults {
        too_many_requests_rate: 1.0,
        retry_after_secs: Some(2),
        path_prefix: Some("/admin/jobs".into()),
        ..Faults::default()
    };
    collector_fault(
        "too_many_requests",
        faults,
        &["429", "too many requests"],
        true,
    )
    .await
}

async fn malformed_json() -> Outcome {
    let faults = Faults {
        malformed_json_rate: 1.0,
        path_prefix: Some("/admin/jobs".into()),
        ..Faults::default()
    };
    collector_fault(
        "malformed_json",
        faults,
        &["malformed", "invalid json", "json"],
        true,
    )
    .await
}

async fn truncated_json() -> Outcome {
    let faults = Faults {
        truncated_body_rate: 1.0,
        path_prefix: Some("/admin/jobs".into()),
        ..Faults::default()
    };
    collector_fault(
        "truncated_json",
        faults,
        &["truncated", "incomplete", "body", "closed"],
        false,
    )
    .await
}

/// Bursts of 502: about half of all requests for one jobs interval. Retries absorb them.
async fn server_error_bursts() -> Outcome {
    let (sim, mut run) = healthy_run("server_error_bursts", sim_builder(), &[]).await;
    sim.set_faults(Faults {
        error_rate: 0.5,
        error_status: Some(502),
        ..Faults::default()
    })
    .await
    .expect("faults apply");
    run.phase(
        "502 bursts",
        Duration::from_secs(JOBS_INTERVAL + 15),
        vec![
            throughout("nbu_up stays 1", up("alpha", 1.0)),
            throughout("/metrics keeps answering", |o: &Obs| {
                (o.metrics_status == 200)
                    .then_some(())
                    .ok_or_else(|| format!("{}", o.metrics_status))
            }),
        ],
    )
    .await;
    let answered = sim.stats();
    let errors: u64 = answered
        .endpoints
        .values()
        .map(|e| e.statuses.get(&502).copied().unwrap_or(0))
        .sum();
    run.check("the simulator answered 502s", errors > 0, errors);
    sim.clear_faults().await;
    run.phase(
        "bursts over",
        Duration::ZERO,
        recovered("alpha", RECOVER_WITHIN),
    )
    .await;
    run.finish()
}

/// A proxy answers every request with an HTML page and status 200.
async fn html_200() -> Outcome {
    let sim = spawn(sim_builder()).await;
    let proxy = Proxy::start(sim.addr()).await;
    let mut run = Run::start(
        "html_200",
        dir(),
        &config(&[site_yaml("alpha", "http", proxy.addr.port(), "")], ""),
        &[],
    );
    run.phase(
        "first collections",
        Duration::ZERO,
        healthy("alpha", FIRST_LOAD_WITHIN),
    )
    .await;
    proxy.set(Mode::Html);
    run.phase(
        "HTML answers",
        Duration::ZERO,
        down(
            "alpha",
            host_of(proxy.addr),
            DOWN_WITHIN,
            ANY_ENDPOINT,
            &["text/html"],
        ),
    )
    .await;
    proxy.set(Mode::Forward);
    run.phase(
        "proxy fixed",
        Duration::ZERO,
        recovered("alpha", RECOVER_WITHIN),
    )
    .await;
    run.finish()
}

/// The key is revoked while the exporter runs (the server comes back with another key), then
/// restored.
async fn key_revoked() -> Outcome {
    let (sim, mut run) = healthy_run("key_revoked", sim_builder(), &[]).await;
    let addr = sim.addr();
    sim.shutdown().await;
    let other = respawn(sim_builder().api_key("another-key-after-revocation"), addr).await;
    run.phase(
        "key revoked",
        Duration::ZERO,
        down("alpha", host_of(addr), DOWN_WITHIN, ANY_ENDPOINT, &["401"]),
    )
    .await;
    other.shutdown().await;
    let _restored = respawn(sim_builder(), addr).await;
    run.phase(
        "key valid again",
        Duration::ZERO,
        recovered("alpha", RECOVER_WITHIN),
    )
    .await;
    run.finish()
}

/// A 401 whose body quotes the Authorization header, at trace level: the key must never show.
async fn key_echo_401() -> Outcome {
    let sim = spawn(sim_builder()).await;
    let proxy = Proxy::start(sim.addr()).await;
    let mut run = Run::start(
        "key_echo_401",
        dir(),
        &config(&[site_yaml("alpha", "http", proxy.addr.port(), "")], ""),
        &["--trace"],
    );
    run.phase(
        "first collections",
        Duration::ZERO,
        healthy("alpha", FIRST_LOAD_WITHIN),
    )
    .await;
    proxy.set(Mode::Unauthorized { echo: true });
    run.phase(
        "401 echoing the key",
        Duration::ZERO,
        down(
            "alpha",
            host_of(proxy.addr),
            DOWN_WITHIN,
            ANY_ENDPOINT,
            &["401"],
        ),
    )
    .await;
    let echoed = proxy.requests().len();
    proxy.set(Mode::Forward);
    run.phase(
        "key accepted again",
        Duration::ZERO,
        recovered("alpha", RECOVER_WITHIN),
    )
    .await;
    run.note(format!("{echoed} requests reached the proxy"));
    run.finish()
}

/// NetBackup is downgraded under the exporter: 14.0 is answered 406 everywhere.
async fn downgrade_406() -> Outcome {
    let (sim, mut run) = healthy_run("downgrade_406", sim_builder(), &[]).await;
    let addr = sim.addr();
    sim.shutdown().await;
    let _old = respawn(sim_builder().release(Release::V10_3), addr).await;
    let within = RECOVER_WITHIN + JOBS_INTERVAL;
    run.phase(
        "downgraded to 10.3",
        Duration::ZERO,
        vec![
            // Renegotiating is the remedy, not a fault: an info line says what changed.
            soft(
                within,
                "a line saying the API version changed",
                |o: &Obs| {
                    o.log
                        .lines()
                        .any(|l| l.contains("alpha") && l.contains("negotiating again"))
                        .then_some(())
                        .ok_or_else(|| "no line saying the version is negotiated again".to_owned())
                },
            ),
            gate(
                within,
                "API version 10.0 negotiated",
                metric_is(
                    "nbu_api_version",
                    vec![("site", "alpha".to_owned()), ("version", "10.0".to_owned())],
                    1.0,
                ),
            ),
        ],
    )
    .await;
    run.phase(
        "working on 10.0",
        Duration::ZERO,
        recovered("alpha", within),
    )
    .await;
    run.finish()
}

enum TlsFault {
    UnknownCa,
    Expired,
    WrongHost,
}

async fn tls(case: &'static str, fault: TlsFault) -> Outcome {
    let dir = dir();
    let pki = Pki::new();
    let good = pki.leaf(
        dir.path(),
        "good",
        &["127.0.0.1", "localhost"],
        (2020, 2099),
    );
    let (bad, causes): (TlsConfig, &'static [&'static str]) = match fault {
        TlsFault::UnknownCa => (
            TlsConfig::SelfSigned { cert_out: None },
            &[
                "unknown issuer",
                "not signed by the ca in",
                "not trusted",
                "unknown certificate authority",
            ],
        ),
        TlsFault::Expired => (
            pki.leaf(
                dir.path(),
                "expired",
                &["127.0.0.1", "localhost"],
                (2020, 2021),
            ),
            &["expired"],
        ),
        TlsFault::WrongHost => (
            pki.leaf(
                dir.path(),
                "wrong-host",
                &["nbu-primary.example.invalid"],
                (2020, 2099),
            ),
            &[
                "not valid for name",
                "notvalidforname",
                "host name",
                "hostname",
            ],
        ),
    };
    std::fs::write(dir.path().join("ca.pem"), pki.ca_pem()).expect("write CA");
    let sim = spawn(sim_builder().tls(bad)).await;
    let addr = sim.addr();
    // The configured CA signs the simulator's certificate once it is fixed.
    let extra = "    caFile: ca.pem\n";
    let mut run = Run::start(
        case,
        dir,
        &config(&[site_yaml("alpha", "https", addr.port(), extra)], ""),
        &[],
    );
    let mut expects = down("alpha", host_of(addr), 30, ANY_ENDPOINT, causes);
    expects.push(gate(30, "/-/ready 200 once setup failed", ready(200)));
    if matches!(fault, TlsFault::UnknownCa) {
        expects.push(soft(30, "the warning names caFile", |o: &Obs| {
            o.log
                .lines()
                .any(|l| l.contains("caFile"))
                .then_some(())
                .ok_or_else(|| "no caFile in the log".to_owned())
        }));
    }
    run.phase("TLS refused", Duration::ZERO, expects).await;
    // The simulator gets a valid certificate from the test CA (the operator's fix).
    sim.shutdown().await;
    let _fixed = respawn(sim_builder().tls(good), addr).await;
    run.phase(
        "certificate fixed",
        Duration::ZERO,
        recovered("alpha", RECOVER_WITHIN),
    )
    .await;
    run.finish()
}

/// Two sites, one unreachable: the other stays up and `/health` names only the broken one.
async fn one_of_two_sites_broken() -> Outcome {
    let sim = spawn(sim_builder()).await;
    let broken = free_port();
    let mut run = Run::start(
        "one_of_two_sites_broken",
        dir(),
        &config(
            &[
                site_yaml("alpha", "http", sim.addr().port(), ""),
                site_yaml("beta", "http", broken, ""),
            ],
            "",
        ),
        &[],
    );
    run.phase(
        "beta down",
        Duration::from_secs(20),
        vec![
            gate(FIRST_LOAD_WITHIN, "nbu_up{alpha} = 1", up("alpha", 1.0)),
            gate(
                FIRST_LOAD_WITHIN,
                "alpha jobs succeed",
                success("alpha", "jobs", 1.0),
            ),
            gate(FIRST_LOAD_WITHIN, "nbu_up{beta} = 0", up("beta", 0.0)),
            soft(FIRST_LOAD_WITHIN, "/-/ready 200", ready(200)),
            gate(
                FIRST_LOAD_WITHIN,
                "/health 503 failing",
                health(503, "failing"),
            ),
            soft(
                FIRST_LOAD_WITHIN,
                "/health failing names only beta",
                failing_sites(&["beta"]),
            ),
            soft(
                FIRST_LOAD_WITHIN,
                "/health alpha ok",
                site_state("alpha", "ok"),
            ),
            soft(
                FIRST_LOAD_WITHIN,
                "/health beta failing",
                site_state("beta", "failing"),
            ),
            gate(
                FIRST_LOAD_WITHIN,
                "a warning naming beta, its host, endpoint and cause",
                warned(
                    "beta",
                    format!("127.0.0.1:{broken}"),
                    ANY_ENDPOINT,
                    &["connection refused"],
                ),
            ),
        ],
    )
    .await;
    run.phase(
        "alpha unaffected",
        Duration::from_secs(5),
        vec![throughout("nbu_up{alpha} stays 1", up("alpha", 1.0))],
    )
    .await;
    let _beta = respawn(sim_builder(), ([127, 0, 0, 1], broken).into()).await;
    let mut expects = recovered("beta", RECOVER_WITHIN);
    expects.push(throughout("nbu_up{alpha} stays 1", up("alpha", 1.0)));
    run.phase("beta back", Duration::ZERO, expects).await;
    run.finish()
}

/// Counts reload lines in `log`.
fn reload_lines(log: &str) -> usize {
    log.lines()
        .filter(|l| l.to_lowercase().contains("reload"))
        .count()
}

/// One SIGHUP, or one `cat` of the configuration file: no reload loop, no new negotiation.
async fn reload_once(case: &'static str, sighup: bool) -> Outcome {
    let sim = spawn(sim_builder()).await;
    let proxy = Proxy::start(sim.addr()).await;
    let mut run = Run::start(
        case,
        dir(),
        &config(&[site_yaml("alpha", "http", proxy.addr.port(), "")], ""),
        &[],
    );
    run.phase(
        "first collections",
        Duration::ZERO,
        healthy("alpha", FIRST_LOAD_WITHIN),
    )
    .await;
    let requests_before = proxy.requests().len();
    let log_before = run.exporter.output().len();
    let untriggered = reload_lines(&run.exporter.output());
    if sighup {
        run.exporter.signal("HUP");
    } else {
        let status = Command::new("cat")
            .arg(&run.exporter.config)
            .stdout(Stdio::null())
            .status()
            .expect("cat");
        assert!(status.success());
    }
    run.phase(
        "after the trigger",
        Duration::from_secs(12),
        vec![throughout("nbu_up stays 1", up("alpha", 1.0))],
    )
    .await;
    let log = run.exporter.output();
    let reloads = reload_lines(log.get(log_before..).unwrap_or(""));
    let allowed = if sighup { 3 } else { 1 };
    run.check(
        &format!("at most {allowed} reload log lines in 12 s"),
        reloads <= allowed,
        format!("{reloads} lines mention a reload"),
    );
    let after = proxy.requests();
    let new = &after[requests_before.min(after.len())..];
    let negotiations = probes(new);
    run.check(
        "no new version negotiation",
        negotiations == 0,
        format!(
            "{negotiations} probes among {} requests: {:?}",
            new.len(),
            &new[..new.len().min(5)]
        ),
    );
    run.check(
        "no reload before the trigger",
        untriggered == 0,
        format!("{untriggered} lines mention a reload before it"),
    );
    run.note(format!(
        "{reloads} reload lines, {} upstream requests after the trigger",
        new.len()
    ));
    run.finish()
}

/// Trace logging into a file in the configuration's directory: the file stays small.
async fn trace_log_in_config_dir() -> Outcome {
    let sim = spawn(sim_builder()).await;
    let dir = dir();
    let log_path = dir.path().join("nbu-exporter.log");
    let server = format!("  logName: {}\n  logLevel: trace\n", log_path.display());
    let mut run = Run::start(
        "trace_log_in_config_dir",
        dir,
        &config(
            &[site_yaml("alpha", "http", sim.addr().port(), "")],
            &server,
        ),
        &[],
    );
    run.log_file = Some(log_path.clone());
    run.phase(
        "first collections",
        Duration::ZERO,
        healthy("alpha", FIRST_LOAD_WITHIN),
    )
    .await;
    let size_before = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
    run.phase(
        "ten quiet seconds",
        Duration::from_secs(10),
        vec![throughout("nbu_up stays 1", up("alpha", 1.0))],
    )
    .await;
    let size_after = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
    let grown = size_after.saturating_sub(size_before);
    // Ten quiet seconds (no collection due) log a few lines; the feedback loop wrote 355 MB.
    run.check(
        "the log file grows less than 256 KB in 10 quiet seconds",
        grown < 256 * 1024,
        format!("grew {grown} bytes (from {size_before})"),
    );
    run.check(
        "the log file stays under 8 MB",
        size_after < 8 * 1024 * 1024,
        format!("{size_after} bytes"),
    );
    run.note(format!("log file {size_before} → {size_after} bytes"));
    run.finish()
}

// ---------------------------------------------------------------------------------------------
// The test

type CaseFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;
/// A case by name.
type Case = (&'static str, fn() -> CaseFuture);

fn cases() -> Vec<Case> {
    vec![
        ("down_at_start", || Box::pin(down_at_start())),
        ("killed_during_full_load", || {
            Box::pin(killed_during_full_load())
        }),
        ("slower_than_timeout", || Box::pin(slower_than_timeout())),
        ("too_many_requests", || Box::pin(too_many_requests())),
        ("server_errors_persistent", || {
            Box::pin(server_errors_persistent())
        }),
        ("server_error_bursts", || Box::pin(server_error_bursts())),
        ("malformed_json", || Box::pin(malformed_json())),
        ("truncated_json", || Box::pin(truncated_json())),
        ("html_200", || Box::pin(html_200())),
        ("key_revoked", || Box::pin(key_revoked())),
        ("key_echo_401", || Box::pin(key_echo_401())),
        ("downgrade_406", || Box::pin(downgrade_406())),
        ("tls_unknown_ca", || {
            Box::pin(tls("tls_unknown_ca", TlsFault::UnknownCa))
        }),
        ("tls_expired", || {
            Box::pin(tls("tls_expired", TlsFault::Expired))
        }),
        ("tls_wrong_host", || {
            Box::pin(tls("tls_wrong_host", TlsFault::WrongHost))
        }),
        ("one_of_two_sites_broken", || {
            Box::pin(one_of_two_sites_broken())
        }),
        ("reload_sighup", || {
            Box::pin(reload_once("reload_sighup", true))
        }),
        ("cat_config", || Box::pin(reload_once("cat_config", false))),
        ("trace_log_in_config_dir", || {
            Box::pin(trace_log_in_config_dir())
        }),
    ]
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|l| {
            let mut l = (*l).to_owned();
            if l.len() > 400 {
                let mut cut = 400;
                while !l.is_char_boundary(cut) {
                    cut -= 1;
                }
                l.truncate(cut);
                l.push('…');
            }
            l
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fault_matrix() {
    let only: Option<BTreeSet<String>> = std::env::var("NBU_MATRIX_CASES").ok().map(|v| {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let selected: Vec<_> = cases()
        .into_iter()
        .filter(|(name, _)| only.as_ref().is_none_or(|o| o.contains(*name)))
        .collect();
    assert!(
        !selected.is_empty(),
        "NBU_MATRIX_CASES selects no case: {only:?}"
    );
    let started = Instant::now();
    let handles: Vec<_> = selected
        .iter()
        .map(|(name, case)| (*name, tokio::spawn(case())))
        .collect();
    let mut failed = Vec::new();
    let mut report = String::new();
    for (name, handle) in handles {
        let outcome = match handle.await {
            Ok(outcome) => outcome,
            Err(error) => Outcome {
                case: name,
                failures: vec![format!("the case panicked: {error}")],
                notes: Vec::new(),
                output: String::new(),
            },
        };
        if outcome.failures.is_empty() {
            report.push_str(&format!("PASS {}\n", outcome.case));
        } else {
            failed.push(outcome.case);
            report.push_str(&format!("FAIL {}\n", outcome.case));
            for failure in &outcome.failures {
                report.push_str(&format!("  - {failure}\n"));
            }
            for note in &outcome.notes {
                report.push_str(&format!("  · {note}\n"));
            }
            report.push_str(&format!(
                "  exporter output (tail):\n{}\n",
                tail(&outcome.output, 25)
                    .lines()
                    .map(|l| format!("    | {l}\n"))
                    .collect::<String>()
            ));
        }
    }
    eprintln!(
        "fault matrix: {} of {} cases passed in {} s\n{report}",
        selected.len() - failed.len(),
        selected.len(),
        started.elapsed().as_secs()
    );
    // The report above has the details; the panic message stays short.
    assert!(
        failed.is_empty(),
        "fault-matrix cases failed (report above): {}",
        failed.join(", ")
    );
}
