//! The Go exporter's configuration files, unchanged, run against the simulator.

use crate::harness::{Exporter, simulator};

/// The single-server form, with every value the Go documentation puts in the environment.
const GO_SINGLE: &str = r#"
server:
  host: "127.0.0.1"
  port: "{port}"
  uri: "/metrics"
  scrapingInterval: "1h"
  logName: "stdout"
nbuserver:
  scheme: "http"
  uri: "/netbackup"
  domain: "mydomain"
  domainType: "NT"
  host: "${NBU1_HOSTNAME}"
  port: "${NBU1_PORT}"
  apiKey: "${NBU1_APIKEY}"
  contentType: "application/vnd.netbackup+json; version=3.0"
  insecureSkipVerify: ${NBU1_SKIP_CERTIFICATE}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_single_server_go_config_with_env_file_runs_unchanged() {
    let sim = simulator(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    let port = crate::harness::free_port();
    std::fs::write(&config, GO_SINGLE.replace("{port}", &port.to_string())).unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "NBU1_HOSTNAME=127.0.0.1\nNBU1_PORT={}\nNBU1_APIKEY={}\nNBU1_SKIP_CERTIFICATE=true\n",
            sim.addr().port(),
            sim.api_key()
        ),
    )
    .unwrap();

    let check = crate::commands::check_connect(&config);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "check --connect failed:\n{report}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        report.contains("14.0"),
        "check names the negotiated version:\n{report}"
    );
    assert!(
        !report.contains(sim.api_key()),
        "check never prints the key"
    );

    let exporter = Exporter::start_with(dir, config, port, &[]);
    // A single `nbuserver` is the site named after its host, as in the Go exporter.
    let metrics = exporter
        .wait_for_metrics("site up with job families", |m| {
            m.value("nbu_up", &[("site", "127.0.0.1")]) == Some(1.0)
                && !m.get("nbu_jobs_count").is_empty()
        })
        .await;
    assert!(!metrics.get("nbu_jobs_count").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multi_site_go_config_reports_each_site() {
    let (one, two) = (simulator(100).await, simulator(120).await);
    let yaml = format!(
        "server:\n  host: 127.0.0.1\n  port: \"{{port}}\"\n  scrapingInterval: 1h\n  collectionInterval: 2s\n\
nbuservers:\n  - site: paris\n    scheme: http\n    host: 127.0.0.1\n    port: \"{}\"\n    uri: /netbackup\n    apiKey: ${{PARIS_KEY}}\n    apiVersion: \"13.0\"\n\
\x20 - site: lyon\n    scheme: http\n    host: 127.0.0.1\n    port: \"{}\"\n    uri: /netbackup\n    apiKey: ${{LYON_KEY}}\n",
        one.addr().port(),
        two.addr().port()
    );
    let exporter = Exporter::start(
        &yaml,
        &[("PARIS_KEY", one.api_key()), ("LYON_KEY", two.api_key())],
    );
    let metrics = exporter
        .wait_for_metrics("both sites", |m| {
            m.value("nbu_up", &[("site", "paris")]) == Some(1.0)
                && m.value("nbu_up", &[("site", "lyon")]) == Some(1.0)
        })
        .await;
    assert_eq!(
        metrics.value("nbu_api_version", &[("site", "paris"), ("version", "13.0")]),
        Some(1.0),
        "a configured version is used as is"
    );
    assert_eq!(
        metrics.value("nbu_api_version", &[("site", "lyon"), ("version", "14.0")]),
        Some(1.0),
        "an omitted version is negotiated"
    );
}
