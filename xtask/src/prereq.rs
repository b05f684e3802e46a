//! System prerequisites of the test suite, installed when we may, named exactly when we may not.

use std::process::Command;

/// The end-to-end suite runs a real Prometheus and `promtool`; Debian's `prometheus` package brings both.
pub(crate) fn ensure_prometheus(allow_install: bool) -> Result<(), String> {
    let missing: Vec<&str> = ["prometheus", "promtool"]
        .into_iter()
        .filter(|tool| !on_path(tool))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let command = "apt-get update && apt-get install -y prometheus";
    if !allow_install || !is_root() {
        return Err(format!(
            "the end-to-end suite needs {} (Debian package `prometheus`); run as root: {command}",
            missing.join(" and ")
        ));
    }
    println!(
        "\n==> prerequisites: {} missing, running `{command}`",
        missing.join(", ")
    );
    for args in [
        &["update", "-qq"][..],
        &[
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "prometheus",
        ][..],
    ] {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("could not run apt-get: {e}; run as root: {command}"))?;
        if !status.success() {
            return Err(format!(
                "`apt-get {}` failed ({status}); run: {command}",
                args.join(" ")
            ));
        }
    }
    match ["prometheus", "promtool"]
        .into_iter()
        .find(|tool| !on_path(tool))
    {
        Some(tool) => Err(format!(
            "`{tool}` is still not on PATH after installing the `prometheus` package"
        )),
        None => Ok(()),
    }
}

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
