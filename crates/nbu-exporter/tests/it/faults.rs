//! Failure handling end to end: NetBackup down and back, a wrong key, a broken reload.

use std::time::{Duration, Instant};

use crate::harness::{API_KEY, Exporter, get_text, go_config, http, simulator};

async fn health_status(exporter: &Exporter) -> u16 {
    http()
        .get(exporter.url("/health"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn wait_for_health(exporter: &Exporter, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(40);
    while health_status(exporter).await != status {
        assert!(
            Instant::now() < deadline,
            "/health never answered {status}:\n{}",
            exporter.output()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_that_goes_down_is_reported_and_recovers_by_itself() {
    let sim = simulator(300).await;
    let address = sim.addr();
    let exporter = Exporter::start(&go_config(&sim, ""), &[]);
    // Job families too: `nbu_up` is 1 as soon as any collector (storage) has succeeded.
    exporter
        .wait_for_metrics("site up with job families", |m| {
            m.value("nbu_up", &[("site", "alpha")]) == Some(1.0)
                && !m.get("nbu_jobs_count").is_empty()
        })
        .await;

    sim.shutdown().await;
    let down = exporter
        .wait_for_metrics("site down", |m| {
            m.value("nbu_up", &[("site", "alpha")]) == Some(0.0)
        })
        .await;
    assert!(
        !down.get("nbu_jobs_count").is_empty(),
        "the last good job families stay while the site is down"
    );
    assert_eq!(
        down.value(
            "nbu_collector_stale",
            &[("site", "alpha"), ("collector", "jobs")]
        ),
        Some(1.0)
    );
    wait_for_health(&exporter, 503).await;
    let body: serde_json::Value =
        serde_json::from_str(&get_text(&exporter.url("/health")).await).unwrap();
    assert_eq!(body["status"], "failing", "{body}");
    assert_eq!(body["sites"][0]["up"], false, "{body}");
    assert_eq!(
        body["failing"][0]["site"], "alpha",
        "the health body names the failing site: {body}"
    );
    assert_eq!(
        get_text(&exporter.url("/-/ready")).await,
        "Ready\n",
        "a site known to be down is no reason to be unready"
    );
    assert_eq!(get_text(&exporter.url("/-/healthy")).await, "Healthy\n");

    let _back = nbu_sim::Server::builder()
        .listen(address)
        .api_key(API_KEY)
        .jobs(300)
        .seed(7)
        .spawn()
        .await
        .expect("the simulator comes back on the same port");
    exporter
        .wait_for_metrics("site back up", |m| {
            m.value("nbu_up", &[("site", "alpha")]) == Some(1.0)
        })
        .await;
    wait_for_health(&exporter, 200).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_api_key_is_logged_with_the_site_and_401_but_never_the_key() {
    let sim = simulator(50).await;
    let wrong_key = "wrong-key-which-must-never-be-logged-91c2";
    let config = go_config(&sim, "").replace(
        &format!("apiKey: {}", sim.api_key()),
        &format!("apiKey: {wrong_key}"),
    );
    // At TRACE level every request is logged: the key must still never appear.
    let exporter = Exporter::start(&config, &[("NBU_EXPORTER_LOG_LEVEL", "trace")]);
    exporter
        .wait_for_metrics("site down", |m| {
            m.value("nbu_up", &[("site", "alpha")]) == Some(0.0)
        })
        .await;
    wait_for_health(&exporter, 503).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !exporter.output().contains("401") {
        assert!(
            Instant::now() < deadline,
            "no 401 in the log:\n{}",
            exporter.output()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let output = exporter.output();
    assert!(
        output.contains("alpha"),
        "the log names the site:\n{output}"
    );
    assert!(
        !output.contains(wrong_key),
        "the API key leaked into the log"
    );
    let metrics = get_text(&exporter.url("/metrics")).await;
    assert!(
        !metrics.contains(wrong_key),
        "the API key leaked into the metrics"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_rejects_an_invalid_file_and_applies_a_valid_one_without_restart() {
    let sim = simulator(100).await;
    let exporter = Exporter::start(&go_config(&sim, ""), &[]);
    exporter
        .wait_for_metrics("site up", |m| {
            m.value("nbu_up", &[("site", "alpha")]) == Some(1.0)
        })
        .await;
    let good = std::fs::read_to_string(&exporter.config).unwrap();

    std::fs::write(
        &exporter.config,
        good.replace("port: \"", "port: \"not-a-port"),
    )
    .unwrap();
    exporter.signal("HUP");
    let rejected = exporter
        .wait_for_metrics("reload rejected", |m| {
            m.value("nbu_exporter_config_last_reload_successful", &[]) == Some(0.0)
        })
        .await;
    assert_eq!(
        rejected.value("nbu_up", &[("site", "alpha")]),
        Some(1.0),
        "the old configuration keeps running"
    );

    let second_site = good.replace("nbuservers:\n", "nbuservers:\n  - site: beta\n    scheme: http\n    host: 127.0.0.1\n    port: \"PORT\"\n    uri: /netbackup\n    apiKey: KEY\n")
        .replace("PORT", &sim.addr().port().to_string())
        .replace("KEY", sim.api_key());
    std::fs::write(&exporter.config, second_site).unwrap();
    // No signal: the file watcher picks the change up.
    let applied = exporter
        .wait_for_metrics("second site", |m| {
            m.value("nbu_up", &[("site", "beta")]) == Some(1.0)
        })
        .await;
    assert_eq!(
        applied.value("nbu_exporter_config_last_reload_successful", &[]),
        Some(1.0)
    );
    assert_eq!(applied.value("nbu_up", &[("site", "alpha")]), Some(1.0));

    let response = http().post(exporter.url("/-/reload")).send().await.unwrap();
    assert_eq!(
        response.status(),
        200,
        "POST /-/reload applies the (unchanged) file"
    );
}
