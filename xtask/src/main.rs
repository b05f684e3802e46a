//! Repository chores for the nbu-exporter workspace, run as `cargo xtask <command>`.
//!
//! It only orchestrates `cargo` and system tools; it must not depend on the workspace crates, so that it
//! builds in seconds even when they do not compile.

// A command-line tool reports to its user on stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod prereq;
mod schemas;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test [--no-e2e-install]   fmt check, clippy -D warnings, prerequisites, all tests (incl. the
                            real-Prometheus end-to-end suite), rustdoc with warnings denied
  bench [--quick]           release-mode benchmarks against the simulator; writes target/bench/report.{json,md}
  schemas [--check]         regenerate crates/nbu-sim/schemas from the vendor OpenAPI specs in
                            $NBU_OPENAPI_DIR (else ../shared/reference/openapi); --check only compares
  deny [--offline]          cargo-deny check (licenses, bans, sources, advisories) when cargo-deny is installed;
                            --offline skips advisories, whose database is fetched from GitHub
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("deny") => deny(&args[1..]),
        Some("schemas") => schemas::run(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, so that `cargo xtask` works from any directory inside it.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs `cargo` with `args` in the workspace root and fails with the step's name when it fails.
pub(crate) fn cargo(step: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    println!("\n==> {step}: cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("{step}: could not start cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn test(args: &[String]) -> Result<(), String> {
    let allow_install = !args.iter().any(|a| a == "--no-e2e-install");
    cargo("format", &["fmt", "--all", "--", "--check"], &[])?;
    cargo(
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    prereq::ensure_prometheus(allow_install)?;
    cargo("tests", &["test", "--workspace"], &[])?;
    cargo(
        "rustdoc",
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    println!("\nxtask test: all checks passed");
    Ok(())
}

fn deny(args: &[String]) -> Result<(), String> {
    let installed = Command::new("cargo")
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        return Err(
            "cargo-deny is not installed; install it with `cargo install --locked cargo-deny` and run `cargo xtask deny` again"
                .to_owned(),
        );
    }
    if args.iter().any(|a| a == "--offline") {
        cargo(
            "deny",
            &["deny", "check", "licenses", "bans", "sources"],
            &[],
        )
    } else {
        cargo("deny", &["deny", "check"], &[])
    }
}
