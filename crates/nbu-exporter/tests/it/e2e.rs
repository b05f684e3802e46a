//! The real binary against the simulator: families and values, promtool, and a real Prometheus.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{
    Exporter, Metrics, free_port, get_text, go_config, http, simulator, which, write,
};

/// Every job the simulator serves, read straight from its REST API (independently of nbu-api).
async fn all_jobs(sim: &nbu_sim::SimHandle) -> Vec<serde_json::Value> {
    let client = http();
    let mut jobs = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut params = vec![("page[limit]", "100".to_owned())];
        if let Some(cursor) = &after {
            params.push(("page[after]", cursor.clone()));
        }
        let url = url::Url::parse_with_params(&format!("{}/admin/jobs", sim.base_url()), &params)
            .unwrap();
        let request = client
            .get(url.as_str())
            .header("Authorization", sim.api_key())
            .header("Accept", "application/vnd.netbackup+json;version=14.0");
        let body = request.send().await.unwrap().text().await.unwrap();
        let page: serde_json::Value = serde_json::from_str(&body).unwrap();
        jobs.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["attributes"].clone()),
        );
        match page["meta"]["pagination"]["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return jobs,
        }
    }
}

fn text(value: &serde_json::Value) -> String {
    value.as_str().map(str::to_owned).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn job_and_storage_families_match_what_the_simulator_served() {
    // The simulated history (2 h) lies inside the exporter's window (24 h): every finished job counts.
    let sim = nbu_sim::Server::builder()
        .api_key(crate::harness::API_KEY)
        .jobs(1500)
        .window(Duration::from_secs(2 * 3600))
        .seed(11)
        .spawn()
        .await
        .unwrap();
    let config = go_config(&sim, "").replace("scrapingInterval: 1h", "scrapingInterval: 24h");
    let exporter = Exporter::start(&config, &[]);
    let metrics = exporter
        .wait_for_metrics("job families", |m| {
            !m.get("nbu_jobs_count").is_empty() && !m.get("nbu_disk_bytes").is_empty()
        })
        .await;

    let mut expected: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    for job in all_jobs(&sim)
        .await
        .iter()
        .filter(|j| j.get("endTime").is_some_and(|e| !e.is_null()))
    {
        let status = job["status"]
            .as_i64()
            .map(|s| s.to_string())
            .unwrap_or_default();
        *expected
            .entry((text(&job["jobType"]), text(&job["policyType"]), status))
            .or_default() += 1.0;
    }
    assert!(!expected.is_empty(), "the simulator served finished jobs");
    let mut served: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    for sample in metrics.get("nbu_jobs_count") {
        assert_eq!(
            sample.labels[0],
            ("site".to_owned(), "alpha".to_owned()),
            "site is the first label"
        );
        let key = (
            sample.label("action").unwrap().to_owned(),
            sample.label("policy_type").unwrap().to_owned(),
            sample.label("status").unwrap().to_owned(),
        );
        served.insert(key, sample.value);
    }
    assert_eq!(
        served, expected,
        "nbu_jobs_count equals the simulator's finished jobs by (action, policy_type, status)"
    );

    for name in [
        "nbu_jobs_bytes",
        "nbu_status_count",
        "nbu_jobs_state_count",
        "nbu_jobs_files_count",
        "nbu_job_duration_seconds_bucket",
        "nbu_disk_capacity_bytes",
        "nbu_storage_info",
        "nbu_api_version",
        "nbu_last_scrape_timestamp_seconds",
        "nbu_collector_success",
    ] {
        assert!(!metrics.get(name).is_empty(), "{name} is exported");
    }
    assert_eq!(metrics.value("nbu_up", &[("site", "alpha")]), Some(1.0));
    assert_eq!(
        metrics.value("nbu_api_version", &[("site", "alpha"), ("version", "14.0")]),
        Some(1.0)
    );
    let build = metrics.get("nbu_exporter_build_info");
    assert_eq!(build.len(), 1);
    assert!(
        build[0].label("site").is_none(),
        "build info carries no site"
    );

    let health = http().get(exporter.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let health: serde_json::Value = serde_json::from_str(&health.text().await.unwrap()).unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    let site = &health["sites"][0];
    assert_eq!(
        (&site["site"], &site["up"], &site["api_version"]),
        (&"alpha".into(), &true.into(), &"14.0".into()),
        "{health}"
    );
    assert_eq!(
        site["url"],
        format!("http://127.0.0.1:{}/netbackup", sim.addr().port())
    );
    assert_eq!(get_text(&exporter.url("/-/healthy")).await, "Healthy\n");
    assert_eq!(get_text(&exporter.url("/-/ready")).await, "Ready\n");
    for path in ["/-/healthy", "/-/ready"] {
        let refused = http().post(exporter.url(path)).send().await.unwrap();
        assert_eq!(refused.status(), 405, "POST {path}");
    }
    let landing = get_text(&exporter.url("/")).await;
    assert!(
        landing.contains("alpha") && landing.contains("14.0"),
        "landing page names the site and version"
    );

    let before = sim.stats().total;
    for _ in 0..20 {
        let response = http()
            .get(exporter.url("/metrics"))
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response
                .headers()
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap().starts_with("text/plain; version=0.0.4"))
        );
    }
    let caused = sim.stats().total.saturating_sub(before);
    // Background collection may run meanwhile (2 s interval); 20 scrapes must not add 20 requests.
    assert!(
        caused < 20,
        "scrapes must not call NetBackup ({caused} requests during 20 scrapes)"
    );

    assert!(
        exporter.terminate().success(),
        "SIGTERM ends the exporter cleanly"
    );
}

/// Families whose names we inherit from the Go exporter and keep for compatibility, although
/// they break the naming guide (`_count` gauges, `_ms`).
const INHERITED_NAMES: &[&str] = &[
    "nbu_jobs_count",
    "nbu_jobs_bytes",
    "nbu_status_count",
    "nbu_jobs_state_count",
    "nbu_jobs_queued_count",
    "nbu_jobs_files_count",
    "nbu_response_time_ms",
    "nbu_disk_bytes",
    "nbu_alerts_count",
    "nbu_malware_scan_count",
    "nbu_catalog_images_count",
    "nbu_slo_count",
    "nbu_tape_drives_count",
    "nbu_tape_media_count",
    "nbu_disk_pool_volume_count",
    "nbu_client_jobs_count",
];

/// What `promtool check metrics` reports about `exposition`, minus the inherited names.
fn promtool_complaints(exposition: &str) -> Vec<String> {
    let mut child = Command::new(which("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(exposition.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    report
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| {
            !INHERITED_NAMES
                .iter()
                .any(|name| line.starts_with(&format!("{name} ")))
        })
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn promtool_finds_nothing_beyond_the_inherited_names() {
    let sim = simulator(800).await;
    let exporter = Exporter::start(&go_config(&sim, ""), &[]);
    let metrics = exporter
        .wait_for_metrics("job and storage families", |m| {
            !m.get("nbu_jobs_count").is_empty() && !m.get("nbu_storage_info").is_empty()
        })
        .await;
    let unexpected = promtool_complaints(&metrics.text);
    assert!(
        unexpected.is_empty(),
        "promtool check metrics reported:\n{}",
        unexpected.join("\n")
    );
}

/// The families of the anchor's opt-in collectors (`collectors:` and `perClient`).
const OPT_IN_FAMILIES: &[&str] = &[
    "nbu_alerts_count",
    "nbu_malware_files_scanned",
    "nbu_malware_files_infected",
    "nbu_malware_scan_count",
    "nbu_catalog_images_count",
    "nbu_slo_count",
    "nbu_tape_drives_count",
    "nbu_tape_drive_info",
    "nbu_tape_media_count",
    "nbu_tape_robot_device_hosts",
    "nbu_tape_pool_partially_full",
    "nbu_disk_pool_volume_count",
    "nbu_client_last_successful_backup_timestamp_seconds",
    "nbu_client_jobs_count",
    "nbu_client_last_job_success_seconds",
];

#[tokio::test(flavor = "multi_thread")]
async fn every_opt_in_collector_switched_on_in_the_yaml_adds_its_families() {
    let sim = simulator(800).await;
    // Allowlist clients with a successful backup well inside the look-back window (1 h), so that
    // every per-client family has data.
    let recent = sim
        .now()
        .checked_sub(jiff::SignedDuration::from_mins(50))
        .unwrap();
    let mut clients: Vec<String> = sim
        .jobs()
        .into_iter()
        .filter(|j| j.job_type == "BACKUP" && j.state == "DONE" && j.status == 0)
        .filter(|j| j.end_time.is_some_and(|end| end > recent))
        .map(|j| j.client_name)
        .collect();
    clients.sort();
    clients.dedup();
    clients.truncate(2);
    assert!(
        !clients.is_empty(),
        "the simulator finished backups in the last 50 minutes"
    );
    let allowlist: Vec<String> = clients.iter().map(|c| format!("\"{c}\"")).collect();
    let collectors = format!(
        "collectors:\n  alerts: {{ enabled: true }}\n  malware: {{ enabled: true }}\n  catalog: {{ enabled: true }}\n  \
slo: {{ enabled: true }}\n  tape: {{ enabled: true }}\n  perClient:\n    enabled: true\n    allowlist: [{}]\n",
        allowlist.join(", ")
    );
    // The catalog's 36 count queries, with every other opt-in collector on the 2 s storage
    // interval, need about 45 requests a run: at the background share of the default rate limit
    // (5/s of 10/s) that is over 9 s, more than `check` allows. 40/s gives them 20/s, and a 10 s
    // jobs interval (an 8.3 s timeout) keeps the storage interval's runs from being cut short.
    let config = go_config(&sim, &collectors)
        .replace("jobsInterval: 2s", "jobsInterval: 10s")
        .replace("    apiKey:", "    rateLimit: 40\n    apiKey:");
    let exporter = Exporter::start(&config, &[]);
    let metrics = exporter
        .wait_for_metrics("every opt-in family", |m| {
            OPT_IN_FAMILIES.iter().all(|name| !m.get(name).is_empty())
        })
        .await;
    for name in OPT_IN_FAMILIES {
        for sample in metrics.get(name) {
            assert_eq!(
                sample.labels[0],
                ("site".to_owned(), "alpha".to_owned()),
                "{name}: site is the first label"
            );
        }
    }
    for collector in ["alerts", "malware", "catalog", "slo", "tape"] {
        let success = metrics.value(
            "nbu_collector_success",
            &[("site", "alpha"), ("collector", collector)],
        );
        assert_eq!(success, Some(1.0), "collector {collector} succeeded");
    }
    for sample in metrics.get("nbu_client_jobs_count") {
        assert!(
            clients
                .iter()
                .any(|c| sample.label("client") == Some(c.as_str())),
            "only allowlisted clients"
        );
    }
    let unexpected = promtool_complaints(&metrics.text);
    assert!(
        unexpected.is_empty(),
        "promtool check metrics reported:\n{}",
        unexpected.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_prometheus_scrapes_and_stores_the_series() {
    let prometheus = which("prometheus");
    let sim = simulator(500).await;
    let exporter = Exporter::start(&go_config(&sim, ""), &[]);
    exporter
        .wait_for_metrics("job families", |m| !m.get("nbu_jobs_count").is_empty())
        .await;

    let dir = tempfile::tempdir().unwrap();
    let web_port = free_port();
    let config = dir.path().join("prometheus.yml");
    write(
        &config,
        &format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: nbu\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
            exporter.port
        ),
    );
    let mut server = Command::new(prometheus)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{web_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let query = |expr: &'static str| {
        let url = url::Url::parse_with_params(
            &format!("http://127.0.0.1:{web_port}/api/v1/query"),
            &[("query", expr)],
        );
        async move {
            let response = http().get(url.ok()?.as_str()).send().await.ok()?;
            let body: serde_json::Value =
                serde_json::from_str(&response.text().await.ok()?).ok()?;
            body["data"]["result"].as_array().cloned()
        }
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut up, mut stored) = (false, false);
    while Instant::now() < deadline && !(up && stored) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        up = query("up{job=\"nbu\"} == 1")
            .await
            .is_some_and(|r| r.len() == 1);
        stored = query("nbu_jobs_count{site=\"alpha\"}")
            .await
            .is_some_and(|r| !r.is_empty());
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(up, "Prometheus sees the exporter as up");
    assert!(stored, "Prometheus stored nbu_jobs_count series");
}

#[test]
fn parser_reads_labels_with_escapes() {
    let metrics = Metrics::parse("# HELP x y\nx{site=\"a\\\"b\",k=\"v\"} 2\ny 1.5\n");
    assert_eq!(
        metrics.value("x", &[("site", "a\"b"), ("k", "v")]),
        Some(2.0)
    );
    assert_eq!(metrics.value("y", &[]), Some(1.5));
}
