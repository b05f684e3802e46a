//! `cargo xtask bench`: release-mode benchmarks. Criterion micro benchmarks of decoding and
//! aggregating job pages, then scenarios against `nbu-sim` on loopback (full loads, steady-state
//! incremental collection, concurrent scrapes), each measured for wall time, exporter CPU and peak
//! RSS, and NetBackup API requests. Prints a table and writes `target/bench/report.{json,md}` with
//! every target of the benchmark issue marked pass or miss.

mod http;
mod micro;
mod process;
mod prom;
mod report;
mod scenario;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use report::{Machine, Micro, Report, Scenario, Target};
use scenario::{JOBS_ENDPOINT, Rig, Sim, short};

const USAGE: &str = "\
usage: cargo xtask bench [--quick] [--latency-ms N] [--slices K] [--only LIST] [--defaults-1m]
                         [--no-build]

  --quick          small estates and short loads, every scenario kind (under two minutes on
                   2 cores once the release binaries and benches are built)
  --latency-ms N   latency the simulator adds to every request (default 20, a loaded primary)
  --slices K       parallel time slices compared with the sequential walk (default 8)
  --only LIST      comma-separated subset of: micro, full-load, steady, scrape, defaults
  --defaults-1m    the defaults scenario at 1M jobs too (about 20 more minutes)
  --no-build       use the release binaries as they are (default: cargo build --release first)

writes target/bench/report.json and target/bench/report.md; logs and configs in target/bench/tmp";

/// What to run, from the command line.
#[derive(Debug, Clone)]
struct Options {
    quick: bool,
    latency_ms: u64,
    slices: usize,
    only: Option<Vec<String>>,
    build: bool,
    /// The defaults scenario at 1M jobs as well: its load alone takes about 1,000 s.
    defaults_1m: bool,
}

const PARTS: [&str; 5] = ["micro", "full-load", "steady", "scrape", "defaults"];

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Self {
            quick: false,
            latency_ms: 20,
            slices: 8,
            only: None,
            build: true,
            defaults_1m: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))
            };
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--no-build" => options.build = false,
                "--defaults-1m" => options.defaults_1m = true,
                "--latency-ms" => {
                    let text = value(arg)?;
                    options.latency_ms = text.parse().map_err(|_| {
                        format!("--latency-ms {text:?}: give milliseconds, e.g. 20")
                    })?;
                }
                "--slices" => {
                    let text = value(arg)?;
                    options.slices = text
                        .parse()
                        .ok()
                        .filter(|k| (2..=64).contains(k))
                        .ok_or_else(|| {
                            format!(
                                "--slices {text:?}: give 2 to 64 (the exporter's jobSlices range)"
                            )
                        })?;
                }
                "--only" => {
                    let parts: Vec<String> = value(arg)?
                        .split(',')
                        .map(|p| p.trim().to_owned())
                        .collect();
                    if let Some(unknown) = parts.iter().find(|p| !PARTS.contains(&p.as_str())) {
                        return Err(format!(
                            "--only: unknown part {unknown:?}; choose from {}",
                            PARTS.join(", ")
                        ));
                    }
                    options.only = Some(parts);
                }
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
            }
        }
        Ok(options)
    }

    fn runs(&self, part: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|p| p == part))
    }
}

/// The sizes of each scenario kind in one mode.
struct Plan {
    /// Window sizes of the full-load comparison.
    full_load_jobs: &'static [u64],
    steady_jobs: u64,
    /// Long enough for the first (full) load of the steady-state window to finish within it.
    steady_interval: Duration,
    steady_changes: &'static [u64],
    /// An estate whose exposition has about 1,000 series.
    scrape_jobs: u64,
    scrape_connections: usize,
    scrape_duration: Duration,
    /// Window sizes of the defaults scenario (`--defaults-1m` adds 1M).
    defaults_jobs: &'static [u64],
}

const FULL: Plan = Plan {
    full_load_jobs: &[10_000, 100_000, 1_000_000],
    steady_jobs: 100_000,
    steady_interval: Duration::from_secs(20),
    steady_changes: &[100, 1_000, 1_000],
    scrape_jobs: 5_000,
    scrape_connections: 64,
    scrape_duration: Duration::from_secs(10),
    defaults_jobs: &[100_000],
};

const QUICK: Plan = Plan {
    full_load_jobs: &[20_000],
    steady_jobs: 20_000,
    steady_interval: Duration::from_secs(6),
    steady_changes: &[100, 1_000, 1_000],
    scrape_jobs: 5_000,
    scrape_connections: 64,
    scrape_duration: Duration::from_secs(3),
    defaults_jobs: &[20_000],
};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let options = Options::parse(args)?;
    let started = Instant::now();
    let plan = if options.quick { &QUICK } else { &FULL };
    let target_dir = target_dir();
    let out_dir = target_dir.join("bench");
    let work_dir = out_dir.join("tmp");
    // Only this command writes there: logs and configs of the previous run go.
    let _ = std::fs::remove_dir_all(&work_dir);
    std::fs::create_dir_all(&work_dir)
        .map_err(|e| format!("cannot create {}: {e}", work_dir.display()))?;
    let mode = if options.quick { "quick" } else { "full" };

    let scenarios_run = ["full-load", "steady", "scrape", "defaults"]
        .iter()
        .any(|part| options.runs(part));
    if options.build && scenarios_run {
        crate::cargo(
            "release build",
            &["build", "--release", "-p", "nbu-sim", "-p", "nbu-exporter"],
            &[],
        )?;
    }
    if options.build && options.runs("micro") {
        crate::cargo("benchmark build", &micro::BUILD, &[])?;
    }
    // The two-minute budget of quick mode is for measuring; builds depend on what changed.
    let build_seconds = started.elapsed().as_secs_f64();
    let measuring = Instant::now();
    let mut machine = Machine::detect();
    let micro = if options.runs("micro") {
        micro::run(options.quick, &target_dir)?
    } else {
        Vec::new()
    };
    let rig = Rig {
        bin_dir: scenario::release_dir(&target_dir),
        work_dir,
        latency_ms: options.latency_ms,
    };
    let mut scenarios = Vec::new();
    if options.runs("full-load") {
        for &jobs in plan.full_load_jobs {
            step(&format!(
                "full load of {} jobs: sequential, then {} slices",
                short(jobs),
                options.slices
            ));
            let sim = Sim::start(&rig, &format!("full-load-{jobs}"), jobs)?;
            for slices in [1, options.slices] {
                let result = scenario::full_load(&rig, &sim, jobs, slices)?;
                done(&result);
                scenarios.push(result);
            }
        }
    }
    if options.runs("steady") {
        step(&format!(
            "steady state in a {}-job window: changes {:?}",
            short(plan.steady_jobs),
            plan.steady_changes
        ));
        for result in scenario::steady_state(
            &rig,
            plan.steady_jobs,
            options.slices,
            plan.steady_interval,
            plan.steady_changes,
        )? {
            done(&result);
            scenarios.push(result);
        }
    }
    if options.runs("scrape") {
        step(&format!(
            "/metrics under {} concurrent scrapers for {:?} per encoding",
            plan.scrape_connections, plan.scrape_duration
        ));
        for result in scenario::scrape(
            &rig,
            plan.scrape_jobs,
            plan.scrape_connections,
            plan.scrape_duration,
        )? {
            done(&result);
            scenarios.push(result);
        }
    }

    if options.runs("defaults") {
        let mut sizes = plan.defaults_jobs.to_vec();
        if options.defaults_1m {
            sizes.push(1_000_000);
        }
        for jobs in sizes {
            step(&format!(
                "defaults: {}-job window churning {}/min, only site, host, port and API key configured",
                short(jobs),
                jobs.div_ceil(60)
            ));
            // Ten times what the rate limit imposes: a miss is measured, not given up on.
            let give_up = Duration::from_secs_f64(rate_limited_seconds(jobs) * 10.0 + 120.0);
            let result = scenario::defaults(&rig, jobs, give_up)?;
            done(&result);
            scenarios.push(result);
        }
    }

    machine.load_after = report::load_average();
    let mut settings = BTreeMap::new();
    settings.insert("latency_ms", json!(options.latency_ms));
    settings.insert("slices", json!(options.slices));
    settings.insert("page_size", json!(100));
    settings.insert(
        "collector_overlap",
        json!("the exporter's default (docs/configuration.md)"),
    );
    settings.insert(
        "steady_jobs_interval_seconds",
        json!(plan.steady_interval.as_secs()),
    );
    settings.insert("scrape_connections", json!(plan.scrape_connections));
    settings.insert(
        "scrape_seconds_per_encoding",
        json!(plan.scrape_duration.as_secs()),
    );
    settings.insert(
        "clock_ticks_per_second",
        json!(process::clock_ticks_per_second()),
    );
    if let Some(only) = &options.only {
        settings.insert("only", json!(only));
    }
    let targets = targets(&options, &micro, &scenarios);
    let report = Report {
        mode,
        date: utc_now(),
        commit: commit(),
        machine,
        settings,
        micro,
        scenarios,
        targets,
        build_seconds,
        elapsed_seconds: measuring.elapsed().as_secs_f64(),
    };
    println!("\n{}", report.table());
    let json_path = out_dir.join("report.json");
    let md_path = out_dir.join("report.md");
    let json_text = serde_json::to_string_pretty(&report.to_json())
        .map_err(|e| format!("cannot encode the report: {e}"))?;
    write(&json_path, &json_text)?;
    write(&md_path, &report.markdown())?;
    println!("wrote {} and {}", json_path.display(), md_path.display());
    Ok(())
}

fn step(text: &str) {
    println!("\n==> bench: {text}");
}

fn done(scenario: &Scenario) {
    let requests: u64 = scenario.requests.values().sum();
    println!(
        "    {}: wall {}, exporter CPU {:.2} s, peak RSS {:.1} MiB, {} API requests ({} to /admin/jobs), {} items",
        scenario.name,
        scenario
            .wall_seconds
            .map_or_else(|| "-".to_owned(), |s| format!("{s:.2} s")),
        scenario.cpu_seconds,
        scenario.peak_rss_bytes as f64 / (1024.0 * 1024.0),
        requests,
        scenario.requests_to(JOBS_ENDPOINT),
        scenario.items,
    );
}

/// The default rate limit of a site (requests per second), which bounds a default full load.
const DEFAULT_RATE_LIMIT: f64 = 10.0;

/// What the default rate limit alone imposes on a full load of `jobs` jobs: its pages of 100 at
/// 10 requests/s (1,000 pages, 100 s, at 100k jobs).
fn rate_limited_seconds(jobs: u64) -> f64 {
    jobs.div_ceil(100) as f64 / DEFAULT_RATE_LIMIT
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The targets, each with this run's measurement and how the run's conditions differ.
fn targets(options: &Options, micro: &[Micro], scenarios: &[Scenario]) -> Vec<Target> {
    let quick_note = |measured_at: u64, wanted: u64| {
        (measured_at != wanted).then(|| {
            format!(
                "measured with {} jobs, not {}",
                short(measured_at),
                short(wanted)
            )
        })
    };
    let of_kind = |kind: &'static str| scenarios.iter().filter(move |s| s.kind == kind);

    // The last run with 1,000 changes: its predecessor changed 1,000 jobs too, inside the overlap,
    // as at a sustained rate of change. An earlier one, after a quieter run, is shown for contrast.
    let thousands: Vec<&Scenario> = of_kind("incremental")
        .filter(|s| s.extra.get("jobs_to_change") == Some(&json!(1_000)))
        .collect();
    let steady = thousands.last().copied();
    let mut steady_notes: Vec<String> = steady
        .and_then(|s| quick_note(s.jobs, 100_000))
        .into_iter()
        .collect();
    if let Some(s) = steady {
        steady_notes.push(format!(
            "{} jobs read (re-reads within the collector's overlap included)",
            s.items
        ));
    }
    if let (Some(first), true) = (thousands.first(), thousands.len() > 1) {
        steady_notes.push(format!(
            "{} requests when the run before changed only 100 jobs",
            first.requests_to(JOBS_ENDPOINT)
        ));
    }
    let steady_target = Target {
        id: "steady_requests",
        description: "Steady state, 100k-job window, 1,000 changed jobs: /admin/jobs requests",
        limit: 12.0,
        unit: "requests",
        at_least: false,
        measured: steady.map(|s| s.requests_to(JOBS_ENDPOINT) as f64),
        note: Some(steady_notes.join("; ")).filter(|n| !n.is_empty()),
    };

    // The speed-up at 100k jobs, or at the largest window this run loaded.
    let full_loads: Vec<&Scenario> = of_kind("full_load").collect();
    let compared = full_loads
        .iter()
        .map(|s| s.jobs)
        .filter(|&jobs| {
            let has = |k: usize| {
                full_loads
                    .iter()
                    .any(|s| s.jobs == jobs && s.slices == Some(k))
            };
            has(1) && has(options.slices)
        })
        .min_by_key(|&jobs| jobs.abs_diff(100_000));
    let wall = |jobs: u64, k: usize| {
        full_loads
            .iter()
            .find(|s| s.jobs == jobs && s.slices == Some(k))
            .and_then(|s| s.wall_seconds)
    };
    let ratio = compared.and_then(|jobs| Some(wall(jobs, options.slices)? / wall(jobs, 1)?));
    let mut slice_note = compared
        .and_then(|jobs| quick_note(jobs, 100_000))
        .unwrap_or_default();
    if options.slices != 8 || options.latency_ms != 20 {
        slice_note.push_str(&format!(
            " (with {} slices and {} ms latency)",
            options.slices, options.latency_ms
        ));
    }
    let slices_target = Target {
        id: "parallel_full_load",
        description: "Full load, 100k jobs, 20 ms/request: 8-slice wall time / sequential wall time",
        limit: 1.0 / 6.0,
        unit: "× sequential",
        at_least: false,
        measured: ratio,
        note: Some(slice_note.trim().to_owned()).filter(|n| !n.is_empty()),
    };

    let throughput = micro.iter().find(|m| m.id == micro::DECODE_AGGREGATE);
    // The machine's own ceiling: serde_json reading the pages and building nothing. A target
    // above it cannot be met by any serde_json decoder on this machine.
    let scan_note = micro
        .iter()
        .find(|m| m.id == report::SCAN_FLOOR)
        .map(|floor| {
            format!(
                "serde_json merely reading these pages: {} jobs/s on this machine",
                report::number(floor.jobs_per_second())
            )
        });
    let decode_target = Target {
        id: "decode_aggregate",
        description: "Decode + aggregate throughput on one core",
        limit: 300_000.0,
        unit: "jobs/s",
        at_least: true,
        measured: throughput.map(Micro::jobs_per_second),
        note: scan_note,
    };

    let peak_rss = |jobs: u64| {
        scenarios
            .iter()
            .filter(|s| s.jobs == jobs && s.kind != "scrape")
            .map(|s| s.peak_rss_bytes as f64 / (1024.0 * 1024.0))
            .reduce(f64::max)
    };
    let rss_100k = Target {
        id: "rss_100k",
        description: "Exporter peak RSS, 100k jobs in the window",
        limit: 64.0,
        unit: "MiB",
        at_least: false,
        measured: peak_rss(100_000),
        note: None,
    };
    let rss_1m = Target {
        id: "rss_1m",
        description: "Exporter peak RSS, 1M jobs in the window",
        limit: 256.0,
        unit: "MiB",
        at_least: false,
        measured: peak_rss(1_000_000),
        note: None,
    };

    let scrape_identity =
        of_kind("scrape").find(|s| s.extra.get("encoding") == Some(&json!("identity")));
    let scrape_note = scrape_identity.map(|s| {
        format!(
            "{} series, {} bytes uncompressed; the load generator shares the cores",
            s.extra
                .get("series")
                .map_or_else(|| "?".to_owned(), ToString::to_string),
            s.extra
                .get("body_bytes")
                .map_or_else(|| "?".to_owned(), ToString::to_string),
        )
    });
    let scrape_target = Target {
        id: "scrape_throughput",
        description: "/metrics from the snapshot, ~1,000 series, 64 connections (uncompressed)",
        limit: 10_000.0,
        unit: "requests/s",
        at_least: true,
        measured: scrape_identity
            .and_then(|s| s.extra.get("requests_per_second"))
            .and_then(|v| v.as_f64()),
        note: scrape_note,
    };
    let scrapes: Vec<&Scenario> = of_kind("scrape").collect();
    let caused = (!scrapes.is_empty()).then(|| {
        scrapes
            .iter()
            .map(|s| s.requests.values().sum::<u64>())
            .sum::<u64>()
    });
    let scrape_requests = Target {
        id: "scrape_api_requests",
        description: "NetBackup requests caused by scrapes",
        limit: 0.0,
        unit: "requests",
        at_least: false,
        measured: caused.map(|n| n as f64),
        note: None,
    };
    // Time to the first complete job families on default settings: within 2x of what the rate
    // limit itself imposes. Quick mode measures a smaller window against its own scaled limit.
    let defaults_target = |wanted: u64, id: &'static str, description: &'static str| {
        let measured =
            of_kind("defaults").rfind(|s| s.jobs == wanted || (options.quick && wanted == 100_000));
        let jobs = measured.map_or(wanted, |s| s.jobs);
        let mut notes = Vec::new();
        if let Some(note) = quick_note(jobs, wanted) {
            notes.push(format!(
                "{note}: limit {} s for that window",
                report::number(2.0 * rate_limited_seconds(jobs))
            ));
        }
        if let Some(s) = measured {
            notes.push(format!(
                "{} API requests, {} failed runs before",
                report::number(s.requests.values().sum::<u64>() as f64),
                s.extra
                    .get("failed_runs_before")
                    .map_or_else(|| "?".to_owned(), ToString::to_string)
            ));
            if let Some(next) = s.extra.get("next_run_requests") {
                notes.push(format!("next run incremental: {next} requests"));
            }
        }
        if wanted == 1_000_000 && measured.is_none() && !options.defaults_1m {
            notes.push("opt-in: --defaults-1m".to_owned());
        }
        Target {
            id,
            description,
            limit: 2.0 * rate_limited_seconds(jobs),
            unit: "s",
            at_least: false,
            measured: measured.and_then(|s| s.end_to_end_seconds),
            note: Some(notes.join("; ")).filter(|n| !n.is_empty()),
        }
    };
    let defaults_100k = defaults_target(
        100_000,
        "defaults_100k",
        "Defaults (site, host, port, key), 100k-job 1 h window, 1,667 new jobs/min, 20 ms: start to first job families",
    );
    let defaults_1m = defaults_target(
        1_000_000,
        "defaults_1m",
        "Defaults (site, host, port, key), 1M-job 1 h window, 16,667 new jobs/min, 20 ms: start to first job families",
    );
    // Each target with the parts of the run that measure it, to explain a missing measurement.
    let mut targets = vec![
        (steady_target, &["steady"][..]),
        (slices_target, &["full-load"][..]),
        (decode_target, &["micro"][..]),
        (rss_100k, &["full-load", "steady"][..]),
        (rss_1m, &["full-load"][..]),
        (scrape_target, &["scrape"][..]),
        (scrape_requests, &["scrape"][..]),
        (defaults_100k, &["defaults"][..]),
        (defaults_1m, &["defaults"][..]),
    ];
    for (target, parts) in &mut targets {
        if target.measured.is_none() && target.note.is_none() {
            target.note = Some(if !parts.iter().any(|p| options.runs(p)) {
                "not run (--only)".to_owned()
            } else if options.quick {
                "quick mode loads smaller windows".to_owned()
            } else {
                "no scenario produced it".to_owned()
            });
        }
    }
    targets.into_iter().map(|(target, _)| target).collect()
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` or the workspace's `target`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                crate::workspace_root().join(dir)
            }
        })
        .unwrap_or_else(|| crate::workspace_root().join("target"))
}

fn utc_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The commit measured, with `-dirty` when the tree has changes (read-only git commands).
fn commit() -> Option<String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(crate::workspace_root())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let head = git(&["rev-parse", "--short=12", "HEAD"])?;
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{head}-dirty") } else { head })
}
