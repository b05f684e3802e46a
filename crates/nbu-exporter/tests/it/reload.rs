//! Reloads that change nothing stay quiet, the watcher ignores reads and the exporter's own log,
//! a `caFile` rotated in place is read again, and the process stops promptly.

use std::time::{Duration, Instant};

use crate::harness::{Exporter, go_config, http, simulator};

/// Long enough for the watcher's debounce (0.5 s) to have fired several times over.
const QUIET: Duration = Duration::from_secs(3);

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

async fn site_up(exporter: &Exporter, site: &str) {
    exporter
        .wait_for_metrics("site up", |m| {
            m.value("nbu_up", &[("site", site)]) == Some(1.0)
        })
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_post_and_reading_the_file_reload_once_and_rebuild_nothing() {
    let sim = simulator(100).await;
    let exporter = Exporter::start(&go_config(&sim, ""), &[]);
    site_up(&exporter, "alpha").await;
    let negotiations = count(&exporter.output(), "negotiated NetBackup API version");

    exporter.signal("HUP");
    let response = http().post(exporter.url("/-/reload")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "configuration unchanged\n");
    let _ = std::fs::read_to_string(&exporter.config).unwrap();
    tokio::time::sleep(QUIET).await;

    let output = exporter.output();
    assert_eq!(
        count(&output, "configuration unchanged"),
        2,
        "one line per explicit reload:\n{output}"
    );
    assert_eq!(
        count(&output, "configuration file changed"),
        0,
        "reading the file is no change:\n{output}"
    );
    assert_eq!(count(&output, "configuration reloaded"), 0, "{output}");
    assert_eq!(
        count(&output, "starting site"),
        1,
        "no site restarted:\n{output}"
    );
    assert_eq!(
        count(&output, "negotiated NetBackup API version"),
        negotiations,
        "no client rebuilt:\n{output}"
    );
    assert_eq!(
        count(&output, "credentials and data travel unencrypted"),
        1,
        "a warning is logged once, not per reload:\n{output}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_reloads_once_and_an_identical_rewrite_not_at_all() {
    let sim = simulator(100).await;
    let exporter = Exporter::start(&go_config(&sim, ""), &[]);
    site_up(&exporter, "alpha").await;
    let good = std::fs::read_to_string(&exporter.config).unwrap();

    // Same bytes written again (an editor's save without change): nothing happens.
    std::fs::write(&exporter.config, &good).unwrap();
    tokio::time::sleep(QUIET).await;
    let output = exporter.output();
    assert_eq!(count(&output, "configuration file changed"), 0, "{output}");

    // A real change of a site's setting: one reload, one restart of that site.
    std::fs::write(
        &exporter.config,
        good.replace("apiKey:", "requestTimeout: 29s\n    apiKey:"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(&exporter.output(), "configuration reloaded") == 0 {
        assert!(
            Instant::now() < deadline,
            "no reload:\n{}",
            exporter.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(QUIET).await;
    let output = exporter.output();
    assert_eq!(count(&output, "configuration file changed"), 1, "{output}");
    assert_eq!(count(&output, "configuration reloaded"), 1, "{output}");
    assert_eq!(count(&output, "starting site"), 2, "{output}");
}

#[tokio::test(flavor = "multi_thread")]
async fn trace_logging_into_the_configuration_directory_does_not_feed_itself() {
    let sim = simulator(100).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("exporter.log");
    let yaml = go_config(&sim, "").replace(
        "logName: stdout",
        &format!("logName: {}\n  logLevel: trace", log.display()),
    );
    let port = crate::harness::free_port();
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, yaml.replace("{port}", &port.to_string())).unwrap();
    let exporter = Exporter::start_with(dir, config.clone(), port, &[]);
    site_up(&exporter, "alpha").await;
    let _ = std::fs::read_to_string(&config).unwrap();
    tokio::time::sleep(QUIET).await;

    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        count(&text, "reloading"),
        0,
        "no reload without a change:\n{}",
        tail(&text)
    );
    assert!(
        !text.lines().any(|line| line.contains(" notify")),
        "no line per file-system event:\n{}",
        tail(&text)
    );
    // Polling at trace level writes a few hundred kilobytes at most in this time; the loop
    // wrote tens of megabytes a second.
    assert!(text.len() < 8 << 20, "{} bytes of log", text.len());
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ca_file_rotated_in_place_rebuilds_the_sites_client() {
    let dir = tempfile::tempdir().unwrap();
    let right = dir.path().join("right.pem");
    let sim = nbu_sim::Server::builder()
        .api_key(crate::harness::API_KEY)
        .jobs(20)
        .tls(nbu_sim::TlsConfig::SelfSigned {
            cert_out: Some(right.clone()),
        })
        .spawn()
        .await
        .unwrap();
    // Another self-signed certificate for the same names: a CA that does not sign the server's.
    let other = nbu_sim::Server::builder()
        .tls(nbu_sim::TlsConfig::SelfSigned { cert_out: None })
        .spawn()
        .await
        .unwrap();
    let wrong = other.tls_cert_pem().unwrap().to_owned();
    // The bundle lives in another directory than the configuration: that one is watched too.
    std::fs::create_dir(dir.path().join("pki")).unwrap();
    let bundle = dir.path().join("pki").join("ca.pem");
    std::fs::write(&bundle, &wrong).unwrap();
    let yaml = format!(
        "server:\n  host: 127.0.0.1\n  port: \"{{port}}\"\n  logName: stdout\n\
nbuservers:\n  - site: secure\n    scheme: https\n    host: 127.0.0.1\n    port: \"{}\"\n    uri: /netbackup\n    apiKey: {}\n    caFile: pki/ca.pem\n    maxRetries: 0\n\
collection:\n  jobsInterval: 2s\n  storageInterval: 2s\n",
        sim.addr().port(),
        sim.api_key()
    );
    let port = crate::harness::free_port();
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, yaml.replace("{port}", &port.to_string())).unwrap();
    let exporter = Exporter::start_with(dir, config, port, &[]);
    exporter
        .wait_for_metrics("site registered", |m| {
            m.value("nbu_up", &[("site", "secure")]).is_some()
        })
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_ne!(
        crate::harness::Metrics::parse(&crate::harness::get_text(&exporter.url("/metrics")).await)
            .value("nbu_up", &[("site", "secure")]),
        Some(1.0),
        "the wrong CA is not trusted"
    );

    // Rotated in place: same path, new content, the configuration file untouched.
    std::fs::write(&bundle, std::fs::read(&right).unwrap()).unwrap();
    site_up(&exporter, "secure").await;
    let output = exporter.output();
    assert_eq!(count(&output, "configuration file changed"), 1, "{output}");
    other.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_exits_promptly_and_an_unreachable_trace_endpoint_is_reported_once() {
    let sim = simulator(100).await;
    // Nothing listens on the discard port of loopback.
    let exporter = Exporter::start(
        &go_config(
            &sim,
            "opentelemetry:\n  enabled: true\n  endpoint: 127.0.0.1:9\n  insecure: true\n",
        ),
        &[],
    );
    site_up(&exporter, "alpha").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(&exporter.output(), "127.0.0.1:9`") == 0 {
        assert!(
            Instant::now() < deadline,
            "no warning about the trace endpoint:\n{}",
            exporter.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    let (status, output) = exporter.terminate_with_output();
    // Generous: a prompt exit takes milliseconds; a flush towards a dead endpoint took seconds.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "SIGTERM took {:?}",
        started.elapsed()
    );
    assert!(status.success());
    assert_eq!(
        count(&output, "cannot send traces to the OpenTelemetry endpoint"),
        1,
        "reported once, not per batch:\n{output}"
    );
}
