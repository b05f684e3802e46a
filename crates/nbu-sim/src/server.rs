//! The HTTP(S) server: builder, handle, accept loop, live-mode ticker.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::estate::{Estate, EstateConfig};
use crate::faults::{ConnectionFault, FaultState, Faults};
use crate::jobs::JobRef;
use crate::prng::SplitMix64;
use crate::release::{ApiVersion, Release};
use crate::stats::Stats;
use crate::tls::{self, TlsConfig};
use crate::{JobInfo, SimError};

/// The simulator's clock: a start instant plus (tokio) time elapsed since, so tests with paused time
/// control it too. Job timestamps and the `Date` header both read it, as on a real primary server:
/// a client that takes its watermark from `Date` must find every later change stamped after it.
#[derive(Debug)]
pub(crate) struct SimClock {
    anchor: jiff::Timestamp,
    started: tokio::time::Instant,
}

impl SimClock {
    /// A clock showing `anchor` now.
    pub(crate) fn starting_at(anchor: jiff::Timestamp) -> Self {
        Self {
            anchor,
            started: tokio::time::Instant::now(),
        }
    }

    /// The current instant, sub-second precision included.
    pub(crate) fn timestamp(&self) -> jiff::Timestamp {
        let elapsed = jiff::SignedDuration::try_from(self.started.elapsed())
            .unwrap_or(jiff::SignedDuration::MAX);
        self.anchor
            .checked_add(elapsed)
            .unwrap_or(jiff::Timestamp::MAX)
    }

    /// Unix seconds now.
    pub(crate) fn now(&self) -> u32 {
        let secs = self.timestamp().as_second();
        u32::try_from(secs.clamp(0, i64::from(u32::MAX))).unwrap_or(u32::MAX)
    }
}

/// State shared by every connection.
pub(crate) struct Shared {
    pub(crate) estate: RwLock<Estate>,
    pub(crate) release: Release,
    pub(crate) api_key: String,
    pub(crate) credentials: Option<(String, String)>,
    pub(crate) tokens: Mutex<HashSet<String>>,
    pub(crate) token_rng: Mutex<SplitMix64>,
    pub(crate) stats: Mutex<Stats>,
    pub(crate) faults: Mutex<FaultState>,
    faults_changed: Notify,
    listening: watch::Sender<bool>,
    pub(crate) clock: SimClock,
    pub(crate) base_url: String,
    pub(crate) base_latency: Duration,
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("release", &self.release)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Replaces the faults; a change of the connection fault takes effect before this returns.
    pub(crate) async fn set_faults(
        &self,
        faults: Faults,
    ) -> Result<(), crate::faults::InvalidFaults> {
        faults.validate()?;
        let listen = faults.connection != Some(ConnectionFault::Refuse);
        lock(&self.faults).set(faults);
        self.faults_changed.notify_waiters();
        let mut listening = self.listening.subscribe();
        // The accept loop confirms by publishing its listening state; don't hang if it is gone.
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            listening.wait_for(|state| *state == listen),
        )
        .await;
        Ok(())
    }

    pub(crate) fn apply_changes(&self, count: usize) -> usize {
        let now = self.clock.now();
        self.estate
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .apply_changes(count, now)
    }
}

/// Entry point: `Server::builder()…spawn().await`.
#[derive(Debug, Clone, Copy)]
pub struct Server;

impl Server {
    /// A builder with the defaults (see [`ServerBuilder`]).
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }
}

/// Configures and starts a simulator.
///
/// Defaults: listen on `127.0.0.1:0` (a free port), API key `nbu-sim-api-key`, no login credentials,
/// NetBackup 11.2, 3,000 jobs over the last 24 h, 200 clients, 8 storage units, 4 media servers,
/// 8 drives, 120 tape media, 50 alerts, 40 malware scan results, 4 SLOs, seed 1, no live mode, no
/// latency, no faults, plain HTTP.
#[derive(Clone)]
pub struct ServerBuilder {
    listen: SocketAddr,
    api_key: String,
    credentials: Option<(String, String)>,
    release: Release,
    jobs: usize,
    clients: usize,
    storage_units: usize,
    media_servers: usize,
    drives: usize,
    tape_media: usize,
    alerts: usize,
    malware_scans: usize,
    slos: usize,
    seed: u64,
    window: Duration,
    jobs_per_minute: f64,
    latency: Duration,
    faults: Faults,
    tls: Option<TlsConfig>,
    now: Option<jiff::Timestamp>,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The API key and the password are secrets: never in Debug output.
        f.debug_struct("ServerBuilder")
            .field("listen", &self.listen)
            .field("api_key", &"<redacted>")
            .field(
                "credentials",
                &self
                    .credentials
                    .as_ref()
                    .map(|(user, _)| (user, "<redacted>")),
            )
            .field("release", &self.release)
            .field("jobs", &self.jobs)
            .field("clients", &self.clients)
            .field("seed", &self.seed)
            .field("window", &self.window)
            .field("jobs_per_minute", &self.jobs_per_minute)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl Default for ServerBuilder {
    fn default() -> Self {
        Self {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            api_key: "nbu-sim-api-key".into(),
            credentials: None,
            release: Release::default(),
            jobs: 3_000,
            clients: 200,
            storage_units: 8,
            media_servers: 4,
            drives: 8,
            tape_media: 120,
            alerts: 50,
            malware_scans: 40,
            slos: 4,
            seed: 1,
            window: Duration::from_secs(24 * 3600),
            jobs_per_minute: 0.0,
            latency: Duration::ZERO,
            faults: Faults::default(),
            tls: None,
            now: None,
        }
    }
}

impl ServerBuilder {
    /// Address to listen on (port 0 picks a free one).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The API key clients must send in `Authorization`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// User name and password `POST /login` accepts (any domain); without them every login fails.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((user.into(), password.into()));
        self
    }

    /// The NetBackup release to play.
    pub fn release(mut self, release: Release) -> Self {
        self.release = release;
        self
    }

    /// Number of jobs in the generated history (up to 50,000,000).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs;
        self
    }

    /// Number of clients (including the primary server, which runs housekeeping jobs).
    pub fn clients(mut self, clients: usize) -> Self {
        self.clients = clients;
        self
    }

    /// Number of storage units (categories cycle through MSDP, CLOUD, TAPE, ADVANCED_DISK, …).
    pub fn storage_units(mut self, storage_units: usize) -> Self {
        self.storage_units = storage_units;
        self
    }

    /// Number of media servers (1–255).
    pub fn media_servers(mut self, media_servers: usize) -> Self {
        self.media_servers = media_servers;
        self
    }

    /// Number of tape drives.
    pub fn drives(mut self, drives: usize) -> Self {
        self.drives = drives;
        self
    }

    /// Number of tape media.
    pub fn tape_media(mut self, tape_media: usize) -> Self {
        self.tape_media = tape_media;
        self
    }

    /// Number of alerts generated for past failures (live mode adds more).
    pub fn alerts(mut self, alerts: usize) -> Self {
        self.alerts = alerts;
        self
    }

    /// Number of malware scan results.
    pub fn malware_scans(mut self, malware_scans: usize) -> Self {
        self.malware_scans = malware_scans;
        self
    }

    /// Number of service-level objectives.
    pub fn slos(mut self, slos: usize) -> Self {
        self.slos = slos;
        self
    }

    /// Seed of every random choice: same seed, same estate (and same fault sequence).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Time span of the generated job history, ending now (default 24 h; at least one minute).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Live mode: new jobs per minute (0 turns live mode off). Running jobs progress and finish on
    /// their own schedule while live mode is on.
    pub fn jobs_per_minute(mut self, rate: f64) -> Self {
        self.jobs_per_minute = rate;
        self
    }

    /// Latency added to every `/netbackup` request (on top of fault latency).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Faults active from the start.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Serve HTTPS.
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The moment the generated history ends (default: the real time at spawn). With a fixed moment
    /// the estate is fully reproducible, timestamps included.
    pub fn now(mut self, now: jiff::Timestamp) -> Self {
        self.now = Some(now);
        self
    }

    fn validate(&self) -> Result<(), SimError> {
        if self.api_key.is_empty() {
            return Err(SimError::Config("the API key must not be empty".into()));
        }
        if self.jobs > 50_000_000 {
            return Err(SimError::Config(format!(
                "jobs = {}: at most 50,000,000 are supported",
                self.jobs
            )));
        }
        if self.window < Duration::from_secs(60)
            || self.window > Duration::from_secs(3_650 * 86_400)
        {
            return Err(SimError::Config(format!(
                "window = {:?}: use between one minute and ten years",
                self.window
            )));
        }
        if !(self.jobs_per_minute.is_finite() && self.jobs_per_minute >= 0.0) {
            return Err(SimError::Config(format!(
                "jobs_per_minute = {}: use a number >= 0",
                self.jobs_per_minute
            )));
        }
        if self.clients == 0
            || self.storage_units == 0
            || self.media_servers == 0
            || self.media_servers > 255
        {
            return Err(SimError::Config(
                "clients and storage units must be at least 1, media servers between 1 and 255"
                    .into(),
            ));
        }
        self.faults.validate()?;
        Ok(())
    }

    /// Binds, generates the estate and starts serving.
    pub async fn spawn(self) -> Result<SimHandle, SimError> {
        self.validate()?;
        let listener = TcpListener::bind(self.listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: self.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: self.listen,
            source,
        })?;
        let (tls_config, tls_cert_pem) = match &self.tls {
            Some(tls) => {
                let (config, pem) = tls::server_config(tls)?;
                (Some(TlsAcceptor::from(config)), pem)
            }
            None => (None, None),
        };
        let scheme = if tls_config.is_some() {
            "https"
        } else {
            "http"
        };
        let host = if addr.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            addr.ip()
        };
        let base_url = format!(
            "{scheme}://{}/netbackup",
            SocketAddr::new(host, addr.port())
        );
        // The clock starts with the history's end, not after generating it: otherwise the estate
        // would lag the wall clock (and `Date`) by the generation time.
        let clock = SimClock::starting_at(self.now.unwrap_or_else(jiff::Timestamp::now));
        let anchor = clock.timestamp().as_second();
        let config = EstateConfig {
            seed: self.seed,
            jobs: self.jobs,
            clients: self.clients,
            storage_units: self.storage_units,
            media_servers: self.media_servers,
            drives: self.drives,
            tape_media: self.tape_media,
            alerts: self.alerts,
            malware_scans: self.malware_scans,
            slos: self.slos,
            window_secs: u32::try_from(self.window.as_secs()).unwrap_or(u32::MAX),
            now: u32::try_from(anchor.clamp(0, i64::from(u32::MAX))).unwrap_or(0),
            base_url: base_url.clone(),
            nbu_version: self.release.as_str(),
        };
        let estate = tokio::task::spawn_blocking(move || Estate::generate(&config))
            .await
            .map_err(|err| SimError::Generation(err.to_string()))?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (listening, _) = watch::channel(true);
        let shared = Arc::new(Shared {
            estate: RwLock::new(estate),
            release: self.release,
            api_key: self.api_key,
            credentials: self.credentials,
            tokens: Mutex::new(HashSet::new()),
            token_rng: Mutex::new(SplitMix64::new(self.seed ^ 0x70CE_2000)),
            stats: Mutex::new(Stats::default()),
            faults: Mutex::new(FaultState::new(self.faults, self.seed)),
            faults_changed: Notify::new(),
            listening,
            clock,
            base_url: base_url.clone(),
            base_latency: self.latency,
            shutdown: shutdown_rx.clone(),
        });
        tracing::info!(%base_url, release = %self.release, jobs = self.jobs, seed = self.seed, "nbu-sim listening");
        let mut tasks = vec![tokio::spawn(accept_loop(
            Arc::clone(&shared),
            listener,
            addr,
            tls_config,
            shutdown_rx.clone(),
        ))];
        if self.jobs_per_minute > 0.0 {
            tasks.push(tokio::spawn(live_loop(
                Arc::clone(&shared),
                self.jobs_per_minute,
                shutdown_rx,
            )));
        }
        Ok(SimHandle {
            shared,
            addr,
            base_url,
            shutdown: shutdown_tx,
            tasks,
            tls_cert_pem,
        })
    }
}

async fn accept_loop(
    shared: Arc<Shared>,
    listener: TcpListener,
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let mut listener = Some(listener);
    loop {
        if *shutdown.borrow() {
            break;
        }
        let changed = shared.faults_changed.notified();
        let connection_fault = lock(&shared.faults).connection();
        if connection_fault == Some(ConnectionFault::Refuse) {
            // Closing the listening socket makes the kernel refuse new connections.
            listener = None;
            shared.listening.send_replace(false);
            tokio::select! {
                _ = shutdown.changed() => {}
                () = changed => {}
            }
            continue;
        }
        let Some(active) = &listener else {
            match TcpListener::bind(addr).await {
                Ok(bound) => {
                    listener = Some(bound);
                    shared.listening.send_replace(true);
                }
                Err(err) => {
                    tracing::warn!(%addr, error = %err, "cannot listen again after refusing connections; retrying");
                    tokio::select! {
                        _ = shutdown.changed() => {}
                        () = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                }
            }
            continue;
        };
        shared.listening.send_replace(true);
        tokio::select! {
            _ = shutdown.changed() => break,
            () = changed => {}
            accepted = active.accept() => match accepted {
                Ok((stream, _peer)) => {
                    if lock(&shared.faults).connection() == Some(ConnectionFault::Close) {
                        drop(stream);
                        continue;
                    }
                    spawn_connection(Arc::clone(&shared), stream, tls.clone(), &graceful);
                }
                Err(err) => {
                    tracing::debug!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(2), graceful.shutdown()).await;
}

fn spawn_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    graceful: &GracefulShutdown,
) {
    let watcher = graceful.watcher();
    tokio::spawn(async move {
        let service = service_fn(move |req| crate::routes::serve(Arc::clone(&shared), req));
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new()).keep_alive(true);
        let result = match tls {
            None => {
                watcher
                    .watch(builder.serve_connection(TokioIo::new(stream), service))
                    .await
            }
            Some(acceptor) => match acceptor.accept(stream).await {
                Ok(stream) => {
                    watcher
                        .watch(builder.serve_connection(TokioIo::new(stream), service))
                        .await
                }
                Err(err) => {
                    tracing::debug!(error = %err, "TLS handshake failed");
                    return;
                }
            },
        };
        if let Err(err) = result {
            tracing::debug!(error = %err, "connection ended with an error");
        }
    });
}

async fn live_loop(shared: Arc<Shared>, jobs_per_minute: f64, mut shutdown: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = interval.tick() => {
                let tick = tokio::time::Instant::now();
                let elapsed = tick.saturating_duration_since(last).as_secs_f64();
                last = tick;
                let now = shared.clock.now();
                let changed = shared.estate.write().unwrap_or_else(PoisonError::into_inner).tick(now, elapsed, jobs_per_minute);
                tracing::trace!(changed, "live tick");
            }
        }
    }
}

/// A running simulator. Dropping it stops the server (use [`SimHandle::shutdown`] to wait for that).
#[derive(Debug)]
pub struct SimHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    tls_cert_pem: Option<String>,
}

impl SimHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http(s)://127.0.0.1:PORT/netbackup`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API key the simulator accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// The release being played.
    pub fn release(&self) -> Release {
        self.shared.release
    }

    /// The API version the release produces by default.
    pub fn api_version(&self) -> ApiVersion {
        self.shared.release.api_version()
    }

    /// The self-signed certificate (PEM) when TLS uses one.
    pub fn tls_cert_pem(&self) -> Option<&str> {
        self.tls_cert_pem.as_deref()
    }

    /// The simulator's clock (the end of the generated history plus time since spawn).
    pub fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(i64::from(self.shared.clock.now()))
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Request counters so far.
    pub fn stats(&self) -> Stats {
        lock(&self.shared.stats).clone()
    }

    /// Zeroes the request counters.
    pub fn reset_stats(&self) {
        *lock(&self.shared.stats) = Stats::default();
    }

    /// Replaces the active faults (the fault random sequence restarts). Connection faults are in
    /// effect when this returns.
    pub async fn set_faults(&self, faults: Faults) -> Result<(), SimError> {
        Ok(self.shared.set_faults(faults).await?)
    }

    /// The active faults.
    pub fn faults(&self) -> Faults {
        lock(&self.shared.faults).faults().clone()
    }

    /// Removes every fault.
    pub async fn clear_faults(&self) {
        let _ = self.shared.set_faults(Faults::default()).await;
    }

    /// Applies `count` live changes now (start, advance or finish jobs) and returns how many distinct
    /// jobs changed; each of them has `lastUpdateTime` = [`SimHandle::now`].
    pub fn apply_changes(&self, count: usize) -> usize {
        self.shared.apply_changes(count)
    }

    /// The ground truth: every job as the simulator holds it, in job id order.
    pub fn jobs(&self) -> Vec<JobInfo> {
        let estate = self
            .shared
            .estate
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        estate
            .jobs
            .jobs()
            .iter()
            .map(|job| {
                JobInfo::from_ref(JobRef {
                    job,
                    tables: &estate.tables,
                })
            })
            .collect()
    }

    /// Stops accepting, releases stalled requests, and waits (up to a few seconds) for open
    /// connections to finish.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}
