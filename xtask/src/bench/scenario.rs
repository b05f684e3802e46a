//! Scenarios against `nbu-sim` on loopback: the release binaries of the simulator and the exporter
//! run as child processes; the exporter's self-metrics say when a collection finished, the
//! simulator's counters say what it cost NetBackup, and `/proc` says what it cost the exporter.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::http::{self, Connection};
use super::process::{self, Guarded, Usage};
use super::prom;
use super::report::Scenario;

/// The API key the simulator accepts; it reaches the exporter through the environment, as an
/// operator's would.
const API_KEY: &str = "nbu-bench-api-key";
const API_KEY_VARIABLE: &str = "NBU_BENCH_API_KEY";
const SITE: &str = "bench";
/// The endpoint whose requests the targets count.
pub(crate) const JOBS_ENDPOINT: &str = "GET /admin/jobs";
/// How often `/metrics` is polled while waiting for a collection: the resolution of end-to-end times.
const POLL: Duration = Duration::from_millis(100);

/// What every scenario shares.
#[derive(Debug, Clone)]
pub(crate) struct Rig {
    pub(crate) bin_dir: PathBuf,
    pub(crate) work_dir: PathBuf,
    pub(crate) latency_ms: u64,
}

/// A running simulator.
pub(crate) struct Sim {
    process: Guarded,
    addr: SocketAddr,
}

impl Sim {
    /// A static estate of `jobs` jobs spread over 24 h.
    pub(crate) fn start(rig: &Rig, name: &str, jobs: u64) -> Result<Self, String> {
        Self::start_live(rig, name, jobs, "24h", 0)
    }

    /// `jobs` jobs spread over `window` (e.g. `1h`), with `jobs_per_minute` new jobs a minute
    /// (and the progress and ends of running ones) from then on; 0 keeps the estate static.
    pub(crate) fn start_live(
        rig: &Rig,
        name: &str,
        jobs: u64,
        window: &str,
        jobs_per_minute: u64,
    ) -> Result<Self, String> {
        let args: Vec<String> = [
            "--listen",
            "127.0.0.1:0",
            "--api-key",
            API_KEY,
            "--jobs",
            &jobs.to_string(),
            "--window",
            window,
            "--jobs-per-minute",
            &jobs_per_minute.to_string(),
            "--seed",
            "1",
            "--latency-ms",
            &rig.latency_ms.to_string(),
        ]
        .map(str::to_owned)
        .to_vec();
        let log = rig.work_dir.join(format!("{name}-sim.log"));
        let mut process = process::spawn(
            "nbu-sim",
            &rig.bin_dir.join("nbu-sim"),
            &args,
            &[("RUST_LOG", "warn")],
            &log,
            true,
        )?;
        let base_url = process::first_stdout_line(&mut process, Duration::from_secs(120))?;
        let addr = base_url
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .and_then(|authority| authority.parse().ok())
            .ok_or_else(|| {
                format!("nbu-sim printed {base_url:?}, not its http://host:port/netbackup URL")
            })?;
        Ok(Self { process, addr })
    }

    /// Requests received per endpoint since the last reset (`GET /_sim/stats`).
    pub(crate) fn stats(&self) -> Result<BTreeMap<String, u64>, String> {
        let response = http::get(self.addr, "/_sim/stats")
            .map_err(|e| format!("{e}; see {}", self.process.log().display()))?;
        let stats: Value = serde_json::from_slice(&response.body)
            .map_err(|e| format!("GET /_sim/stats: not JSON ({e}): {}", response.text()))?;
        let endpoints = stats
            .get("endpoints")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("GET /_sim/stats: no `endpoints` in {stats}"))?;
        Ok(endpoints
            .iter()
            .map(|(endpoint, counters)| {
                let requests = counters
                    .get("requests")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                (endpoint.clone(), requests)
            })
            .collect())
    }

    pub(crate) fn reset_stats(&self) -> Result<(), String> {
        expect_success(
            http::request(self.addr, "DELETE", "/_sim/stats", None)?,
            "DELETE /_sim/stats",
        )
    }

    /// Applies `count` job changes now; returns how many distinct jobs changed.
    pub(crate) fn apply_changes(&self, count: u64) -> Result<u64, String> {
        let response = http::request(
            self.addr,
            "POST",
            "/_sim/changes",
            Some(&json!({ "count": count }).to_string()),
        )?;
        let text = response.text();
        if response.status != 200 {
            return Err(format!(
                "POST /_sim/changes answered {}: {text}",
                response.status
            ));
        }
        serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("changed").and_then(Value::as_u64))
            .ok_or_else(|| format!("POST /_sim/changes: no `changed` count in {text}"))
    }
}

fn expect_success(response: http::Response, what: &str) -> Result<(), String> {
    if (200..300).contains(&response.status) {
        Ok(())
    } else {
        Err(format!(
            "{what} answered {}: {}",
            response.status,
            response.text()
        ))
    }
}

/// How the exporter under test is configured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExporterSettings {
    pub(crate) slices: usize,
    pub(crate) jobs_interval: Duration,
    pub(crate) timeout: Duration,
}

impl ExporterSettings {
    /// One collection only: the next one is an hour away.
    pub(crate) fn single_run(slices: usize) -> Self {
        Self {
            slices,
            jobs_interval: Duration::from_secs(3_600),
            timeout: Duration::from_secs(3_000),
        }
    }
}

/// A running exporter.
pub(crate) struct Exporter {
    process: Guarded,
    addr: SocketAddr,
}

/// The self-metrics of one collector.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CollectorState {
    pub(crate) succeeded: Option<bool>,
    pub(crate) last_success: Option<f64>,
    pub(crate) duration_seconds: Option<f64>,
    pub(crate) items_total: u64,
    pub(crate) requests_total: u64,
}

/// A finished run as seen in `/metrics`, and when it was seen.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    pub(crate) state: CollectorState,
    pub(crate) seen: Instant,
}

impl Exporter {
    pub(crate) fn start(
        rig: &Rig,
        name: &str,
        sim: &Sim,
        settings: ExporterSettings,
    ) -> Result<Self, String> {
        let port = process::free_port()?;
        Self::launch(rig, name, port, &config_yaml(port, sim.addr, settings))
    }

    /// Starts the exporter with `yaml`, whose server listens on `port`.
    fn launch(rig: &Rig, name: &str, port: u16, yaml: &str) -> Result<Self, String> {
        let config = rig.work_dir.join(format!("{name}-exporter.yaml"));
        std::fs::write(&config, yaml)
            .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
        let args = vec!["--config".to_owned(), config.display().to_string()];
        let log = rig.work_dir.join(format!("{name}-exporter.log"));
        let mut process = process::spawn(
            "nbu-exporter",
            &rig.bin_dir.join("nbu-exporter"),
            &args,
            &[(API_KEY_VARIABLE, API_KEY)],
            &log,
            false,
        )?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        process::wait_http_ready(&mut process, addr, "/metrics", Duration::from_secs(30))?;
        Ok(Self { process, addr })
    }

    pub(crate) fn usage(&self) -> Result<Usage, String> {
        self.process.usage()
    }

    pub(crate) fn metrics(&self) -> Result<String, String> {
        let response = http::get(self.addr, "/metrics")?;
        if response.status != 200 {
            return Err(format!("GET /metrics answered {}", response.status));
        }
        Ok(response.text())
    }

    pub(crate) fn collector(&self, collector: &str) -> Result<CollectorState, String> {
        let text = self.metrics()?;
        let labels = [("site", SITE), ("collector", collector)];
        let value = |name: &str| prom::sample(&text, name, &labels);
        Ok(CollectorState {
            succeeded: value("nbu_collector_success").map(|v| v > 0.5),
            last_success: value("nbu_collector_last_success_timestamp_seconds"),
            duration_seconds: value("nbu_collector_duration_seconds"),
            items_total: value("nbu_collector_items_total").map_or(0, |v| v as u64),
            requests_total: value("nbu_collector_api_requests_total").map_or(0, |v| v as u64),
        })
    }

    /// Waits for a successful run of `collector` newer than `after` (a previous run's start), and
    /// fails as soon as a run fails.
    pub(crate) fn wait_run(
        &mut self,
        collector: &str,
        after: Option<f64>,
        timeout: Duration,
    ) -> Result<Run, String> {
        let deadline = Instant::now() + timeout;
        loop {
            self.process.ensure_running()?;
            let state = self.collector(collector)?;
            let seen = Instant::now();
            if state.succeeded == Some(false) {
                return Err(format!(
                    "the {collector} collection failed; see {}",
                    self.process.log().display()
                ));
            }
            let newer = match (state.last_success, after) {
                (Some(last), Some(previous)) => last > previous,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if newer {
                return Ok(Run { state, seen });
            }
            if seen > deadline {
                return Err(format!(
                    "no {collector} collection finished within {timeout:?}; see {}",
                    self.process.log().display()
                ));
            }
            thread::sleep(POLL);
        }
    }

    /// Seconds from starting the exporter to `run` being visible.
    fn since_start(&self, run: &Run) -> f64 {
        run.seen.duration_since(self.process.started).as_secs_f64()
    }
}

fn config_yaml(port: u16, sim: SocketAddr, settings: ExporterSettings) -> String {
    let seconds = |d: Duration| format!("{}s", d.as_secs());
    [
        "# Written by `cargo xtask bench`.".to_owned(),
        "server:".to_owned(),
        "  host: \"127.0.0.1\"".to_owned(),
        format!("  port: \"{port}\""),
        "  uri: /metrics".to_owned(),
        "  scrapingInterval: 24h".to_owned(),
        "  logName: stdout".to_owned(),
        "  logLevel: warn".to_owned(),
        "nbuservers:".to_owned(),
        format!("  - site: {SITE}"),
        "    scheme: http".to_owned(),
        format!("    host: \"{}\"", sim.ip()),
        format!("    port: \"{}\"", sim.port()),
        "    uri: /netbackup".to_owned(),
        format!("    apiKey: ${{{API_KEY_VARIABLE}}}"),
        // The client's own rate limit would otherwise be what the benchmark measures.
        "    rateLimit: 10000".to_owned(),
        "    rateBurst: 10000".to_owned(),
        format!("    jobSlices: {}", settings.slices),
        "collection:".to_owned(),
        format!("  jobsInterval: {}", seconds(settings.jobs_interval)),
        "  storageInterval: 1h".to_owned(),
        format!("  timeout: {}", seconds(settings.timeout)),
        "  fullResyncInterval: 24h".to_owned(),
        String::new(),
    ]
    .join("\n")
}

/// The exporter as a new user configures it: where NetBackup is and the API key, nothing else.
/// `scheme: http` only because the simulator serves plain HTTP on loopback; the server section
/// says where the exporter listens.
fn defaults_yaml(port: u16, sim: SocketAddr) -> String {
    [
        "# Written by `cargo xtask bench` (defaults scenario): every other setting is the default."
            .to_owned(),
        "server:".to_owned(),
        "  host: \"127.0.0.1\"".to_owned(),
        format!("  port: \"{port}\""),
        "nbuservers:".to_owned(),
        format!("  - site: {SITE}"),
        "    scheme: http".to_owned(),
        format!("    host: \"{}\"", sim.ip()),
        format!("    port: \"{}\"", sim.port()),
        format!("    apiKey: ${{{API_KEY_VARIABLE}}}"),
        String::new(),
    ]
    .join("\n")
}

/// The `state` and `progress` `/health` gives `collector` of the bench site.
fn health_of(exporter: &Exporter, collector: &str) -> Result<(String, Option<String>), String> {
    let response = http::get(exporter.addr, "/health")?;
    let body: Value = serde_json::from_slice(&response.body)
        .map_err(|e| format!("GET /health: not JSON ({e}): {}", response.text()))?;
    let entry = body
        .get("sites")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|site| site.get("site").and_then(Value::as_str) == Some(SITE))
        .filter_map(|site| site.get("collectors").and_then(Value::as_array))
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(collector));
    let text = |key: &str| {
        entry
            .and_then(|c| c.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    // Before the site is set up, its collectors are not listed yet: it is loading.
    Ok((
        text("state").unwrap_or_else(|| "loading".to_owned()),
        text("progress"),
    ))
}

/// Large estates on default settings: a `jobs`-job window of one hour (the default look-back)
/// renewed at the rate that fills it (`jobs / 60` new jobs a minute, and the progress and ends of
/// running ones), and an exporter configured with the site, host, port and API key only.
///
/// Measures the time from starting the exporter to the first complete job families: the first
/// poll (every 100 ms) at which `/metrics` has an `nbu_jobs_count` sample for the site and
/// `/health` no longer shows the jobs collector `loading`. Job families are published only by a
/// run that read the whole window, so that is when the full load finished. Requests, CPU and peak
/// RSS are those up to that moment; the next run (which must be incremental) is reported apart.
pub(crate) fn defaults(rig: &Rig, jobs: u64, give_up: Duration) -> Result<Scenario, String> {
    let name = format!("defaults-{jobs}");
    let jobs_per_minute = jobs.div_ceil(60);
    let sim = Sim::start_live(rig, &name, jobs, "1h", jobs_per_minute)?;
    sim.reset_stats()?;
    let port = process::free_port()?;
    let mut exporter = Exporter::launch(rig, &name, port, &defaults_yaml(port, sim.addr))?;
    let deadline = Instant::now() + give_up;
    let mut last_progress = None;
    let mut failed_runs_seen = 0_u64;
    let mut last_failure: Option<f64> = None;
    let seen = loop {
        exporter.process.ensure_running()?;
        let text = exporter.metrics()?;
        let seen = Instant::now();
        let (state, progress) = health_of(&exporter, "jobs")?;
        if prom::sample(&text, "nbu_jobs_count", &[("site", SITE)]).is_some() && state != "loading"
        {
            break seen;
        }
        // A failed run before the first success: the load did not finish in one run.
        let labels = [("site", SITE), ("collector", "jobs")];
        if prom::sample(&text, "nbu_collector_success", &labels) == Some(0.0) {
            let duration = prom::sample(&text, "nbu_collector_duration_seconds", &labels);
            if duration != last_failure {
                failed_runs_seen += 1;
                last_failure = duration;
            }
        }
        if progress.is_some() {
            last_progress = progress;
        }
        if seen > deadline {
            return Err(format!(
                "no job families within {give_up:?} on default settings ({failed_runs_seen} failed runs seen; \
                 last progress: {}); see {}",
                last_progress.as_deref().unwrap_or("none"),
                exporter.process.log().display()
            ));
        }
        thread::sleep(POLL);
    };
    let first = Run {
        state: exporter.collector("jobs")?,
        seen,
    };
    let usage = exporter.usage()?;
    let requests = sim.stats()?;
    let mut scenario = Scenario {
        name: format!(
            "defaults {} (1 h window, {} new jobs/min)",
            short(jobs),
            super::report::number(jobs_per_minute as f64)
        ),
        kind: "defaults",
        jobs,
        slices: None,
        wall_seconds: first.state.duration_seconds,
        end_to_end_seconds: Some(exporter.since_start(&first)),
        cpu_seconds: usage.cpu_seconds,
        peak_rss_bytes: usage.peak_rss_bytes,
        items: first.state.items_total,
        requests,
        ..Scenario::default()
    };
    scenario
        .extra
        .insert("jobs_per_minute", json!(jobs_per_minute));
    scenario
        .extra
        .insert("failed_runs_before", json!(failed_runs_seen));
    scenario
        .extra
        .insert("collector_requests", json!(first.state.requests_total));
    if let Some(progress) = last_progress {
        scenario
            .extra
            .insert("last_progress_shown", json!(progress));
    }
    // Every later run is incremental: the next one, which the default interval (1 min) brings
    // at once when the load took longer, reads only what changed.
    // The collector's own counters: the next run may begin before the simulator's could be read.
    let next_wait = Duration::from_secs(60) + give_up / 4;
    match exporter.wait_run("jobs", first.state.last_success, next_wait) {
        Ok(next) => {
            scenario.extra.insert(
                "next_run_requests",
                json!(
                    next.state
                        .requests_total
                        .saturating_sub(first.state.requests_total)
                ),
            );
            scenario
                .extra
                .insert("next_run_seconds", json!(next.state.duration_seconds));
            scenario.extra.insert(
                "next_run_items",
                json!(
                    next.state
                        .items_total
                        .saturating_sub(first.state.items_total)
                ),
            );
        }
        Err(error) => {
            scenario.extra.insert("next_run", json!(error));
        }
    }
    Ok(scenario)
}

/// Full load of a `jobs`-job window with `slices` parallel time slices (1 = sequential cursor walk),
/// on a running simulator whose counters this resets.
pub(crate) fn full_load(
    rig: &Rig,
    sim: &Sim,
    jobs: u64,
    slices: usize,
) -> Result<Scenario, String> {
    let name = format!("full-load-{jobs}-{slices}");
    sim.reset_stats()?;
    let settings = ExporterSettings::single_run(slices);
    let mut exporter = Exporter::start(rig, &name, sim, settings)?;
    let run = exporter.wait_run("jobs", None, settings.timeout + Duration::from_secs(60))?;
    let usage = exporter.usage()?;
    let requests = sim.stats()?;
    let mut scenario = Scenario {
        name: format!(
            "full load {} ({})",
            short(jobs),
            if slices == 1 {
                "sequential".to_owned()
            } else {
                format!("{slices} slices")
            }
        ),
        kind: "full_load",
        jobs,
        slices: Some(slices),
        wall_seconds: run.state.duration_seconds,
        end_to_end_seconds: Some(exporter.since_start(&run)),
        cpu_seconds: usage.cpu_seconds,
        peak_rss_bytes: usage.peak_rss_bytes,
        items: run.state.items_total,
        ..Scenario::default()
    };
    scenario
        .extra
        .insert("collector_requests", json!(run.state.requests_total));
    scenario.requests = requests;
    Ok(scenario)
}

/// Steady state: a full load of a `jobs`-job window, then for each of `changes`, that many job
/// changes in the simulator and the next incremental run, measured alone. Runs are one jobs
/// interval apart, well inside the collector's overlap (2 m by default): each run also reads again
/// the jobs the previous batch changed, as it would at a sustained rate of change.
pub(crate) fn steady_state(
    rig: &Rig,
    jobs: u64,
    slices: usize,
    jobs_interval: Duration,
    changes: &[u64],
) -> Result<Vec<Scenario>, String> {
    let name = format!("steady-{jobs}");
    let sim = Sim::start(rig, &name, jobs)?;
    let settings = ExporterSettings {
        slices,
        jobs_interval,
        timeout: jobs_interval.saturating_sub(Duration::from_secs(1)),
    };
    let mut exporter = Exporter::start(rig, &name, &sim, settings)?;
    let wait = jobs_interval * 2 + Duration::from_secs(30);
    let mut previous = exporter.wait_run("jobs", None, wait)?;
    let mut scenarios = Vec::new();
    let mut before_this = "full load".to_owned();
    for &count in changes {
        let before = exporter.usage()?;
        // Reset then change right after a run finished: the next run is most of an interval away,
        // so every /admin/jobs request counted from here on belongs to it.
        sim.reset_stats()?;
        let (applied, changed) = change_jobs(&sim, count)?;
        let run = exporter.wait_run("jobs", previous.state.last_success, wait)?;
        let after = exporter.usage()?;
        let requests = sim.stats()?;
        let mut scenario = Scenario {
            name: format!(
                "incremental, {count} changed in {} (after {before_this})",
                short(jobs)
            ),
            kind: "incremental",
            jobs,
            slices: Some(slices),
            wall_seconds: run.state.duration_seconds,
            end_to_end_seconds: None,
            cpu_seconds: after.cpu_seconds - before.cpu_seconds,
            peak_rss_bytes: after.peak_rss_bytes,
            items: run
                .state
                .items_total
                .saturating_sub(previous.state.items_total),
            requests,
            ..Scenario::default()
        };
        scenario.extra.insert("jobs_to_change", json!(count));
        scenario.extra.insert("changes_applied", json!(applied));
        scenario.extra.insert("jobs_changed", json!(changed));
        scenario.extra.insert(
            "collector_requests",
            json!(
                run.state
                    .requests_total
                    .saturating_sub(previous.state.requests_total)
            ),
        );
        scenarios.push(scenario);
        previous = run;
        before_this = format!("{count} changed");
    }
    Ok(scenarios)
}

/// Changes about `jobs` distinct jobs: one simulator change may hit a job another already moved
/// (a job started, then advanced), so changes are applied until the distinct counts add up. Returns
/// the changes applied and the sum of distinct jobs changed per call (a job changed by two calls
/// counts twice, so the sum may slightly overstate the distinct jobs).
fn change_jobs(sim: &Sim, jobs: u64) -> Result<(u64, u64), String> {
    let (mut applied, mut changed) = (0, 0);
    for _ in 0..20 {
        if changed >= jobs {
            break;
        }
        let count = jobs - changed;
        changed += sim.apply_changes(count)?;
        applied += count;
    }
    Ok((applied, changed))
}

/// What a load of concurrent scrapes achieved.
#[derive(Debug, Clone, Default)]
pub(crate) struct Load {
    pub(crate) requests: u64,
    pub(crate) errors: u64,
    pub(crate) seconds: f64,
    pub(crate) body_bytes: u64,
    pub(crate) latencies_micros: Vec<u32>,
    pub(crate) first_error: Option<String>,
}

impl Load {
    pub(crate) fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds.max(f64::EPSILON)
    }

    fn percentile_ms(&self, share: f64) -> Option<f64> {
        let last = self.latencies_micros.len().checked_sub(1)?;
        let index = ((last as f64) * share).round() as usize;
        self.latencies_micros
            .get(index)
            .map(|&us| f64::from(us) / 1000.0)
    }
}

/// `connections` keep-alive connections, each sending `GET path` back to back for `duration`.
pub(crate) fn hammer(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    connections: usize,
    duration: Duration,
) -> Load {
    let barrier = Barrier::new(connections + 1);
    let loads: Vec<Load> = thread::scope(|scope| {
        let workers: Vec<_> = (0..connections)
            .map(|_| {
                let barrier = &barrier;
                scope.spawn(move || {
                    let mut load = Load::default();
                    let mut connection = Connection::open(addr);
                    barrier.wait();
                    let deadline = Instant::now() + duration;
                    while Instant::now() < deadline {
                        let started = Instant::now();
                        let outcome = match connection.as_mut() {
                            Ok(open) => open.get_discarding(path, headers),
                            Err(error) => Err(error.clone()),
                        };
                        match outcome {
                            Ok((200, length)) if length > 0 => {
                                load.requests += 1;
                                load.body_bytes += length as u64;
                                let micros = started.elapsed().as_micros();
                                load.latencies_micros
                                    .push(u32::try_from(micros).unwrap_or(u32::MAX));
                            }
                            other => {
                                load.errors += 1;
                                if load.first_error.is_none() {
                                    load.first_error = Some(match other {
                                        Ok((status, length)) => {
                                            format!("status {status}, {length} body bytes")
                                        }
                                        Err(error) => error,
                                    });
                                }
                                // A broken connection is replaced, as a scraper would, without
                                // spinning if the exporter is gone.
                                thread::sleep(Duration::from_millis(10));
                                connection = Connection::open(addr);
                            }
                        }
                    }
                    load
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let mut loads: Vec<Load> = workers.into_iter().filter_map(|w| w.join().ok()).collect();
        let seconds = started.elapsed().as_secs_f64();
        for load in &mut loads {
            load.seconds = seconds;
        }
        loads
    });
    let mut total = Load::default();
    for load in loads {
        total.requests += load.requests;
        total.errors += load.errors;
        total.body_bytes += load.body_bytes;
        total.seconds = total.seconds.max(load.seconds);
        total.latencies_micros.extend(load.latencies_micros);
        total.first_error = total.first_error.or(load.first_error);
    }
    total.latencies_micros.sort_unstable();
    total
}

/// `/metrics` throughput under `connections` concurrent keep-alive scrapers, once with an
/// uncompressed body and once with gzip (what Prometheus asks for), with no collection due: every
/// NetBackup request counted during the load would have been caused by a scrape.
pub(crate) fn scrape(
    rig: &Rig,
    jobs: u64,
    connections: usize,
    duration: Duration,
) -> Result<Vec<Scenario>, String> {
    let name = format!("scrape-{jobs}");
    let sim = Sim::start(rig, &name, jobs)?;
    let settings = ExporterSettings::single_run(8);
    let mut exporter = Exporter::start(rig, &name, &sim, settings)?;
    let wait = Duration::from_secs(300);
    exporter.wait_run("jobs", None, wait)?;
    exporter.wait_run("storage", None, wait)?;
    let body = exporter.metrics()?;
    let series = prom::series_count(&body);
    let mut scenarios = Vec::new();
    for (encoding, headers) in [
        ("identity", &[][..]),
        ("gzip", &[("Accept-Encoding", "gzip")][..]),
    ] {
        let before_requests = sim.stats()?;
        let before = exporter.usage()?;
        let load = hammer(exporter.addr, "/metrics", headers, connections, duration);
        let after = exporter.usage()?;
        let after_requests = sim.stats()?;
        if load.requests == 0 {
            return Err(format!(
                "no scrape of /metrics succeeded ({} errors, first: {})",
                load.errors,
                load.first_error.as_deref().unwrap_or("none")
            ));
        }
        let caused: BTreeMap<String, u64> = after_requests
            .iter()
            .map(|(endpoint, &n)| {
                (
                    endpoint.clone(),
                    n.saturating_sub(before_requests.get(endpoint).copied().unwrap_or(0)),
                )
            })
            .filter(|&(_, n)| n > 0)
            .collect();
        let mut scenario = Scenario {
            name: format!("/metrics, {connections} connections, {encoding}"),
            kind: "scrape",
            jobs,
            slices: None,
            wall_seconds: Some(load.seconds),
            end_to_end_seconds: None,
            cpu_seconds: after.cpu_seconds - before.cpu_seconds,
            peak_rss_bytes: after.peak_rss_bytes,
            requests: caused,
            items: load.requests,
            ..Scenario::default()
        };
        scenario.extra.insert("encoding", json!(encoding));
        scenario.extra.insert("series", json!(series));
        scenario
            .extra
            .insert("body_bytes", json!(load.body_bytes / load.requests.max(1)));
        scenario
            .extra
            .insert("requests_per_second", json!(load.per_second().round()));
        scenario.extra.insert("errors", json!(load.errors));
        scenario
            .extra
            .insert("p50_ms", json!(load.percentile_ms(0.5)));
        scenario
            .extra
            .insert("p99_ms", json!(load.percentile_ms(0.99)));
        scenario.extra.insert(
            "exporter_cpu_us_per_request",
            json!(((after.cpu_seconds - before.cpu_seconds) * 1e6 / load.requests as f64).round()),
        );
        scenarios.push(scenario);
    }
    Ok(scenarios)
}

/// `100k`, `1M`: job counts as people say them.
pub(crate) fn short(jobs: u64) -> String {
    match jobs {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// The directory of the release binaries (honours `CARGO_TARGET_DIR`).
pub(crate) fn release_dir(target_dir: &Path) -> PathBuf {
    target_dir.join("release")
}
