//! What a benchmark run measured, checked against the targets, and written as a table, JSON and
//! Markdown.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

/// The machine the figures come from.
#[derive(Debug, Clone)]
pub(crate) struct Machine {
    pub(crate) cores: usize,
    pub(crate) memory_bytes: Option<u64>,
    pub(crate) cpu_model: Option<String>,
    pub(crate) kernel: Option<String>,
    /// `/proc/loadavg` before and after the run: other work on the machine skews every figure.
    pub(crate) load_before: Option<String>,
    pub(crate) load_after: Option<String>,
}

impl Machine {
    pub(crate) fn detect() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).ok();
        let memory_bytes = read("/proc/meminfo").and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("MemTotal:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
                .map(|kib| kib * 1024)
        });
        let cpu_model = read("/proc/cpuinfo").and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        });
        Self {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory_bytes,
            cpu_model,
            kernel: read("/proc/sys/kernel/osrelease").map(|k| k.trim().to_owned()),
            load_before: load_average(),
            load_after: None,
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} cores, {} memory, {}, Linux {}",
            self.cores,
            self.memory_bytes.map_or_else(
                || "unknown".to_owned(),
                |b| format!("{:.1} GiB", b as f64 / GIB)
            ),
            self.cpu_model.as_deref().unwrap_or("unknown CPU"),
            self.kernel.as_deref().unwrap_or("unknown"),
        )
    }
}

/// The 1, 5 and 15 minute load averages.
pub(crate) fn load_average() -> Option<String> {
    std::fs::read_to_string("/proc/loadavg").ok().map(|text| {
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    })
}

const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = MIB * 1024.0;

/// One criterion benchmark.
#[derive(Debug, Clone)]
pub(crate) struct Micro {
    pub(crate) id: String,
    pub(crate) jobs_per_iteration: u64,
    pub(crate) median_seconds: f64,
    pub(crate) mean_seconds: f64,
}

impl Micro {
    /// Jobs per second from the median iteration (robust against a busy neighbour's bursts).
    pub(crate) fn jobs_per_second(&self) -> f64 {
        self.jobs_per_iteration as f64 / self.median_seconds
    }

    /// This benchmark's median as a multiple of serde_json merely reading the same pages: a
    /// machine-independent measure of what decoding adds, where `floor` was measured.
    fn times_scan_floor(&self, floor: Option<&Micro>) -> String {
        match floor {
            Some(floor) if floor.median_seconds > 0.0 && self.id.starts_with("jobs_pages/") => {
                format!("{:.2}×", self.median_seconds / floor.median_seconds)
            }
            _ => "—".to_owned(),
        }
    }
}

/// The micro benchmark that reads the job pages without decoding them.
pub(crate) const SCAN_FLOOR: &str = "jobs_pages/json_scan_floor_10k";

/// One scenario against the simulator.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scenario {
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    /// Jobs in the simulator's window.
    pub(crate) jobs: u64,
    pub(crate) slices: Option<usize>,
    /// The collector's own duration of the measured run (`nbu_collector_duration_seconds`).
    pub(crate) wall_seconds: Option<f64>,
    /// From starting the exporter to seeing the run finished in `/metrics`.
    pub(crate) end_to_end_seconds: Option<f64>,
    /// Exporter CPU (user + system) spent in the measured span.
    pub(crate) cpu_seconds: f64,
    /// Exporter peak RSS (`VmHWM`) at the end of the scenario.
    pub(crate) peak_rss_bytes: u64,
    /// NetBackup API requests by endpoint in the measured span, from the simulator's counters.
    pub(crate) requests: BTreeMap<String, u64>,
    /// Jobs (or scrapes) processed in the measured span.
    pub(crate) items: u64,
    /// Scenario-specific figures.
    pub(crate) extra: BTreeMap<&'static str, Value>,
}

impl Scenario {
    pub(crate) fn requests_to(&self, endpoint: &str) -> u64 {
        self.requests.get(endpoint).copied().unwrap_or(0)
    }

    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "kind": self.kind,
            "jobs": self.jobs,
            "slices": self.slices,
            "wall_seconds": self.wall_seconds,
            "end_to_end_seconds": self.end_to_end_seconds,
            "exporter_cpu_seconds": self.cpu_seconds,
            "exporter_peak_rss_bytes": self.peak_rss_bytes,
            "api_requests": self.requests,
            "items": self.items,
            "extra": self.extra,
        })
    }
}

/// A target of the benchmark issue and what this run measured for it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) id: &'static str,
    pub(crate) description: &'static str,
    pub(crate) limit: f64,
    pub(crate) unit: &'static str,
    /// `true` for "at least", `false` for "at most".
    pub(crate) at_least: bool,
    pub(crate) measured: Option<f64>,
    /// How the measurement departs from the target's conditions, or why it is missing.
    pub(crate) note: Option<String>,
}

/// Whether a target was met.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    Pass,
    /// Missed by this much, in the target's unit and as a share of the limit.
    Miss {
        by: f64,
        share: f64,
    },
    NotMeasured,
}

impl Target {
    pub(crate) fn verdict(&self) -> Verdict {
        let Some(measured) = self.measured else {
            return Verdict::NotMeasured;
        };
        let met = if self.at_least {
            measured >= self.limit
        } else {
            measured <= self.limit
        };
        if met {
            return Verdict::Pass;
        }
        let by = (measured - self.limit).abs();
        let share = if self.limit == 0.0 {
            f64::INFINITY
        } else {
            by / self.limit.abs()
        };
        Verdict::Miss { by, share }
    }

    fn verdict_text(&self) -> String {
        match self.verdict() {
            Verdict::Pass => "pass".to_owned(),
            Verdict::NotMeasured => "not measured".to_owned(),
            Verdict::Miss { by, share } => {
                let direction = if self.at_least { "short" } else { "over" };
                if share.is_finite() {
                    format!(
                        "MISS: {} {} {direction} ({:.0}%)",
                        number(by),
                        self.unit,
                        share * 100.0
                    )
                } else {
                    format!("MISS: {} {} {direction}", number(by), self.unit)
                }
            }
        }
    }

    fn limit_text(&self) -> String {
        format!(
            "{} {} {}",
            if self.at_least { "≥" } else { "≤" },
            number(self.limit),
            self.unit
        )
    }
}

/// Everything one `cargo xtask bench` run produced.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) mode: &'static str,
    pub(crate) date: String,
    pub(crate) commit: Option<String>,
    pub(crate) machine: Machine,
    pub(crate) settings: BTreeMap<&'static str, Value>,
    pub(crate) micro: Vec<Micro>,
    pub(crate) scenarios: Vec<Scenario>,
    pub(crate) targets: Vec<Target>,
    /// Building the release binaries and benches (nothing when they were up to date).
    pub(crate) build_seconds: f64,
    /// Measuring, builds excluded.
    pub(crate) elapsed_seconds: f64,
}

impl Report {
    pub(crate) fn to_json(&self) -> Value {
        let machine = &self.machine;
        json!({
            "mode": self.mode,
            "date": self.date,
            "commit": self.commit,
            "build_seconds": self.build_seconds,
            "elapsed_seconds": self.elapsed_seconds,
            "machine": {
                "cores": machine.cores,
                "memory_bytes": machine.memory_bytes,
                "cpu_model": machine.cpu_model,
                "kernel": machine.kernel,
                "load_average_before": machine.load_before,
                "load_average_after": machine.load_after,
            },
            "settings": self.settings,
            "micro": self.micro.iter().map(|m| json!({
                "id": m.id,
                "jobs_per_iteration": m.jobs_per_iteration,
                "median_seconds": m.median_seconds,
                "mean_seconds": m.mean_seconds,
                "jobs_per_second": m.jobs_per_second(),
            })).collect::<Vec<_>>(),
            "scenarios": self.scenarios.iter().map(Scenario::to_json).collect::<Vec<_>>(),
            "targets": self.targets.iter().map(|t| {
                let (verdict, miss_by, miss_share) = match t.verdict() {
                    Verdict::Pass => ("pass", None, None),
                    Verdict::NotMeasured => ("not_measured", None, None),
                    Verdict::Miss { by, share } => ("miss", Some(by), share.is_finite().then_some(share)),
                };
                json!({
                    "id": t.id,
                    "description": t.description,
                    "limit": t.limit,
                    "at_least": t.at_least,
                    "unit": t.unit,
                    "measured": t.measured,
                    "verdict": verdict,
                    "miss_by": miss_by,
                    "miss_share": miss_share,
                    "note": t.note,
                })
            }).collect::<Vec<_>>(),
        })
    }

    /// The scenarios and targets as aligned plain-text tables, for the terminal.
    pub(crate) fn table(&self) -> String {
        let mut rows = vec![scenario_header()];
        rows.extend(self.scenarios.iter().map(scenario_row));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "cargo xtask bench ({} mode) on {}: {:.0} s measuring, {:.0} s building",
            self.mode,
            self.machine.describe(),
            self.elapsed_seconds,
            self.build_seconds
        );
        out.push_str(&align(&rows));
        if !self.micro.is_empty() {
            out.push('\n');
            let floor = self.micro.iter().find(|m| m.id == SCAN_FLOOR);
            let mut rows = vec![vec![
                "micro benchmark".to_owned(),
                "median".to_owned(),
                "jobs/s".to_owned(),
                "× JSON scan".to_owned(),
            ]];
            rows.extend(self.micro.iter().map(|m| {
                vec![
                    m.id.clone(),
                    seconds(m.median_seconds),
                    number(m.jobs_per_second()),
                    m.times_scan_floor(floor),
                ]
            }));
            out.push_str(&align(&rows));
        }
        out.push('\n');
        let mut rows = vec![vec![
            "target".to_owned(),
            "limit".to_owned(),
            "measured".to_owned(),
            "verdict".to_owned(),
        ]];
        rows.extend(self.targets.iter().map(|t| {
            vec![
                t.id.to_owned(),
                t.limit_text(),
                t.measured.map_or_else(|| "-".to_owned(), number),
                t.verdict_text(),
            ]
        }));
        out.push_str(&align(&rows));
        out
    }

    pub(crate) fn markdown(&self) -> String {
        let mut md = String::new();
        let machine = &self.machine;
        let _ = writeln!(md, "# Benchmark report ({} mode)\n", self.mode);
        let _ = writeln!(md, "- Date: {}", self.date);
        if let Some(commit) = &self.commit {
            let _ = writeln!(md, "- Commit: `{commit}`");
        }
        let _ = writeln!(md, "- Machine: {}", machine.describe());
        let _ = writeln!(
            md,
            "- Load average (1/5/15 min) before / after: {} / {}",
            machine.load_before.as_deref().unwrap_or("?"),
            machine.load_after.as_deref().unwrap_or("?")
        );
        let settings: Vec<String> = self
            .settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(md, "- Settings: {}", settings.join(", "));
        let _ = writeln!(
            md,
            "- Run time: {:.0} s measuring, after {:.0} s of builds\n",
            self.elapsed_seconds, self.build_seconds
        );

        md.push_str(
            "## Targets\n\n| Target | Limit | Measured | Verdict | Note |\n|---|---|---|---|---|\n",
        );
        for t in &self.targets {
            let _ = writeln!(
                md,
                "| {} ({}) | {} | {} | {} | {} |",
                t.description,
                t.id,
                t.limit_text(),
                t.measured
                    .map_or_else(|| "-".to_owned(), |m| format!("{} {}", number(m), t.unit)),
                t.verdict_text(),
                t.note.as_deref().unwrap_or("")
            );
        }

        md.push_str("\n## Scenarios\n\n");
        let rows: Vec<Vec<String>> = self.scenarios.iter().map(scenario_row).collect();
        md.push_str(&markdown_table(&scenario_header(), &rows));
        md.push_str("\nAPI requests by endpoint and scenario-specific figures:\n\n");
        for s in &self.scenarios {
            let requests: Vec<String> = s
                .requests
                .iter()
                .map(|(e, n)| format!("`{e}` {n}"))
                .collect();
            let extra: Vec<String> = s.extra.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(
                md,
                "- **{}**: {}{}{}",
                s.name,
                if requests.is_empty() {
                    "no API requests".to_owned()
                } else {
                    requests.join(", ")
                },
                if extra.is_empty() { "" } else { "; " },
                extra.join(", ")
            );
        }

        if !self.micro.is_empty() {
            md.push_str("\n## Micro benchmarks (criterion, one core)\n\n");
            let floor = self.micro.iter().find(|m| m.id == SCAN_FLOOR);
            let rows: Vec<Vec<String>> = self
                .micro
                .iter()
                .map(|m| {
                    vec![
                        format!("`{}`", m.id),
                        m.jobs_per_iteration.to_string(),
                        seconds(m.median_seconds),
                        seconds(m.mean_seconds),
                        number(m.jobs_per_second()),
                        m.times_scan_floor(floor),
                    ]
                })
                .collect();
            let header = [
                "benchmark",
                "jobs/iteration",
                "median",
                "mean",
                "jobs/s (median)",
                "× JSON scan (median)",
            ]
            .map(str::to_owned)
            .to_vec();
            md.push_str(&markdown_table(&header, &rows));
        }
        md
    }
}

fn scenario_header() -> Vec<String> {
    [
        "scenario",
        "jobs",
        "slices",
        "wall",
        "end-to-end",
        "exporter CPU",
        "peak RSS",
        "/admin/jobs req",
        "other req",
        "items",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn scenario_row(s: &Scenario) -> Vec<String> {
    let jobs_requests = s.requests_to(super::scenario::JOBS_ENDPOINT);
    let other: u64 = s.requests.values().sum::<u64>() - jobs_requests;
    vec![
        s.name.clone(),
        number(s.jobs as f64),
        s.slices.map_or_else(|| "-".to_owned(), |k| k.to_string()),
        s.wall_seconds.map_or_else(|| "-".to_owned(), seconds),
        s.end_to_end_seconds.map_or_else(|| "-".to_owned(), seconds),
        seconds(s.cpu_seconds),
        format!("{:.1} MiB", s.peak_rss_bytes as f64 / MIB),
        jobs_requests.to_string(),
        other.to_string(),
        s.items.to_string(),
    ]
}

fn seconds(value: f64) -> String {
    if value < 1.0 {
        format!("{:.1} ms", value * 1000.0)
    } else {
        format!("{value:.2} s")
    }
}

/// A figure with a precision that suits its size.
pub(crate) fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1000.0 {
        let whole = value.round() as i64;
        let digits = whole.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if whole < 0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else if magnitude >= 10.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

fn align(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (index, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        if index == 0 {
            let total = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
            let _ = writeln!(out, "{}", "-".repeat(total));
        }
    }
    out
}

fn markdown_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(limit: f64, at_least: bool, measured: Option<f64>) -> Target {
        Target {
            id: "t",
            description: "d",
            limit,
            unit: "u",
            at_least,
            measured,
            note: None,
        }
    }

    #[test]
    fn a_verdict_says_by_how_much_a_target_is_missed() {
        assert_eq!(target(12.0, false, Some(12.0)).verdict(), Verdict::Pass);
        assert_eq!(
            target(12.0, false, Some(15.0)).verdict(),
            Verdict::Miss {
                by: 3.0,
                share: 0.25
            }
        );
        assert_eq!(
            target(300.0, true, Some(150.0)).verdict(),
            Verdict::Miss {
                by: 150.0,
                share: 0.5
            }
        );
        assert_eq!(target(300.0, true, None).verdict(), Verdict::NotMeasured);
        assert_eq!(
            target(12.0, false, Some(15.0)).verdict_text(),
            "MISS: 3 u over (25%)"
        );
    }

    #[test]
    fn numbers_are_grouped_and_rounded_by_size() {
        assert_eq!(number(1_234_567.4), "1,234,567");
        assert_eq!(number(12.4), "12");
        assert_eq!(number(4.256), "4.26");
        assert_eq!(number(0.1667), "0.167");
        assert_eq!(number(0.0), "0");
    }
}
