//! The criterion micro benchmarks: run through `cargo bench`, read back from criterion's own
//! `target/criterion/<group>/<function>/new/*.json`.

use std::path::Path;
use std::time::SystemTime;

use serde_json::Value;

use super::report::Micro;

/// A criterion benchmark the report reads: its package, bench target, group and function.
struct Bench {
    package: &'static str,
    target: &'static str,
    id: &'static str,
}

/// Decoding + mapping + aggregation of spec-shaped pages: the one the throughput target is about.
pub(crate) const DECODE_AGGREGATE: &str = "jobs_pages/decode_map_aggregate_10k";

const BENCHES: [Bench; 5] = [
    Bench {
        package: "nbu-collector",
        target: "decode_aggregate",
        id: DECODE_AGGREGATE,
    },
    Bench {
        package: "nbu-collector",
        target: "decode_aggregate",
        id: "jobs_pages/decode_only_10k",
    },
    Bench {
        package: "nbu-collector",
        target: "decode_aggregate",
        id: "jobs_pages/decode_full_model_10k",
    },
    Bench {
        package: "nbu-collector",
        target: "decode_aggregate",
        id: super::report::SCAN_FLOOR,
    },
    Bench {
        package: "nbu-metrics",
        target: "aggregate",
        id: "job_window/upsert_and_families_100k",
    },
];

/// Builds every bench target the report reads, without running them.
pub(crate) const BUILD: [&str; 10] = [
    "bench",
    "--no-run",
    "-p",
    "nbu-collector",
    "-p",
    "nbu-metrics",
    "--bench",
    "decode_aggregate",
    "--bench",
    "aggregate",
];

/// Runs the benches (criterion's `--quick` in quick mode) and reads their results.
pub(crate) fn run(quick: bool, target_dir: &Path) -> Result<Vec<Micro>, String> {
    let started = SystemTime::now();
    for bench in &BENCHES {
        // `--exact`: criterion filters by substring otherwise, and one id can contain another.
        let mut args = vec![
            "bench",
            "-p",
            bench.package,
            "--bench",
            bench.target,
            "--",
            "--noplot",
            "--exact",
            bench.id,
        ];
        if quick {
            args.push("--quick");
        } else {
            args.extend(["--warm-up-time", "2", "--measurement-time", "8"]);
        }
        crate::cargo(&format!("micro benchmark {}", bench.id), &args, &[])?;
    }
    BENCHES
        .iter()
        .map(|bench| {
            read(
                &target_dir.join("criterion").join(bench.id).join("new"),
                bench.id,
                started,
            )
        })
        .collect()
}

/// Reads one benchmark's results, refusing figures older than this run.
fn read(dir: &Path, id: &str, not_before: SystemTime) -> Result<Micro, String> {
    let load = |name: &str| -> Result<Value, String> {
        let path = dir.join(name);
        let fresh = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified >= not_before);
        if !fresh {
            return Err(format!(
                "{} was not written by this run: did the benchmark `{id}` get renamed?",
                path.display()
            ));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
    };
    let benchmark = load("benchmark.json")?;
    let estimates = load("estimates.json")?;
    let jobs_per_iteration = benchmark
        .pointer("/throughput/Elements")
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("`{id}` declares no Throughput::Elements"))?;
    let nanoseconds = |statistic: &str| {
        estimates
            .pointer(&format!("/{statistic}/point_estimate"))
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("`{id}`: no {statistic} in estimates.json"))
    };
    Ok(Micro {
        id: id.to_owned(),
        jobs_per_iteration,
        median_seconds: nanoseconds("median")? / 1e9,
        mean_seconds: nanoseconds("mean")? / 1e9,
    })
}
