//! The other commands: `once`, `demo`, and `check --connect` over TLS.

use std::process::Command;

use crate::harness::{Exporter, Metrics, free_port, go_config, simulator};

/// Runs `nbu-exporter check --connect` on `config`.
pub(crate) fn check_connect(config: &std::path::Path) -> std::process::Output {
    exporter()
        .args(["check", "--connect", "--config"])
        .arg(config)
        .output()
        .expect("run nbu-exporter check")
}

fn exporter() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nbu-exporter"))
}

#[tokio::test(flavor = "multi_thread")]
async fn once_prints_one_collection_and_exits() {
    let sim = simulator(400).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, go_config(&sim, "").replace("{port}", "9440")).unwrap();
    let before = sim.stats().total;
    let output = exporter()
        .arg("once")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metrics = Metrics::parse(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(metrics.value("nbu_up", &[("site", "alpha")]), Some(1.0));
    assert!(!metrics.get("nbu_jobs_count").is_empty());
    assert!(!metrics.get("nbu_disk_bytes").is_empty());
    assert!(sim.stats().total > before, "it read the simulator");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("INFO"),
        "logs stay on standard error"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn once_fails_with_the_site_named_when_it_is_unreachable() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        format!(
            "nbuservers:\n  - site: gone\n    scheme: http\n    host: 127.0.0.1\n    port: \"{port}\"\n    apiKey: k\n    maxRetries: 0\n"
        ),
    )
    .unwrap();
    let output = exporter()
        .arg("once")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("gone"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_serves_live_simulated_data_with_every_collector() {
    let port = free_port();
    let child = exporter()
        .args(["demo", "--jobs", "800", "--port"])
        .arg(port.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let demo = Exporter::adopt(child, port);
    let metrics = demo
        .wait_for_metrics("demo families", |m| {
            !m.get("nbu_jobs_count").is_empty()
                && !m.get("nbu_alerts_count").is_empty()
                && !m.get("nbu_tape_drives_count").is_empty()
        })
        .await;
    assert_eq!(metrics.value("nbu_up", &[("site", "demo")]), Some(1.0));
    let output = demo.output();
    assert!(
        output.contains(&format!("http://127.0.0.1:{port}/metrics")),
        "the demo prints its URLs:\n{output}"
    );
    assert!(demo.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn check_connect_trusts_a_ca_file_and_refuses_an_unknown_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("sim-ca.pem");
    let sim = nbu_sim::Server::builder()
        .api_key(crate::harness::API_KEY)
        .jobs(20)
        .tls(nbu_sim::TlsConfig::SelfSigned {
            cert_out: Some(cert.clone()),
        })
        .spawn()
        .await
        .unwrap();
    let yaml = |ca: &str| {
        format!(
            "nbuservers:\n  - site: secure\n    scheme: https\n    host: 127.0.0.1\n    port: \"{}\"\n    apiKey: {}\n    maxRetries: 0\n{ca}",
            sim.addr().port(),
            sim.api_key()
        )
    };
    let config = dir.path().join("config.yaml");

    std::fs::write(&config, yaml("    caFile: sim-ca.pem\n")).unwrap();
    let trusted = check_connect(&config);
    let report = String::from_utf8_lossy(&trusted.stdout);
    assert!(
        trusted.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(
        report.contains("secure") && report.contains("ok"),
        "{report}"
    );

    std::fs::write(&config, yaml("")).unwrap();
    let refused = check_connect(&config);
    let report = String::from_utf8_lossy(&refused.stdout);
    assert_eq!(refused.status.code(), Some(1), "{report}");
    assert!(
        report.contains("FAILED") && report.to_lowercase().contains("certificate"),
        "{report}"
    );
}

/// Runs `nbu-exporter check` (no connection) on `yaml` and returns its report.
fn check_report(yaml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, yaml).unwrap();
    let output = exporter()
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

#[test]
fn check_warns_when_the_collectors_need_more_requests_than_the_rate_limit_allows() {
    let yaml = |rate: u32, catalog: bool| {
        format!(
            "nbuservers:\n  - site: alpha\n    host: primary.example.com\n    apiKey: check-key\n    \
             rateLimit: {rate}\ncollection:\n  jobsInterval: 20s\n  storageInterval: 30s\n\
             collectors:\n  catalog: {{ enabled: {catalog} }}\n"
        )
    };
    // Storage and the catalog's 36 counts share 1/s (half of 2/s): 37 s, over the 25 s (5/6 of
    // the storage interval) their runs may take.
    let report = check_report(&yaml(2, true));
    let warning = report
        .lines()
        .find(|line| line.contains("requests every `storageInterval`"))
        .unwrap_or_else(|| panic!("no budget warning:\n{report}"));
    assert!(
        warning.starts_with("warning: site `alpha`")
            && warning.contains("storage, catalog")
            && warning.contains("37 requests")
            && warning.contains("raise `rateLimit` to at least 4")
            && warning.contains("`storageInterval` to at least 45s"),
        "{warning}"
    );
    assert!(
        report.contains("is valid"),
        "a warning, not an error: {report}"
    );

    for fits in [yaml(4, true), yaml(2, false), yaml(10, true)] {
        let report = check_report(&fits);
        assert!(!report.contains("requests every"), "{fits}\n{report}");
    }
    let report = check_report(&yaml(1, false));
    assert!(
        report.contains("no share of its own") && report.contains("at least 2"),
        "{report}"
    );
}
