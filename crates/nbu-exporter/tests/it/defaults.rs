//! A large estate on the default configuration: a new user sets where NetBackup is and the API
//! key, nothing else (issue 17).

use std::time::{Duration, Instant};

use crate::harness::{API_KEY, Exporter, Metrics, http};

/// The jobs collector's `state` and `progress` in `/health`.
async fn jobs_health(exporter: &Exporter) -> Option<(String, Option<String>)> {
    let text = http()
        .get(exporter.url("/health"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let body: serde_json::Value = serde_json::from_str(&text).ok()?;
    let jobs = body["sites"][0]["collectors"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == "jobs")?
        .clone();
    Some((
        jobs["state"].as_str()?.to_owned(),
        jobs["progress"].as_str().map(str::to_owned),
    ))
}

/// 100,000 jobs in the default one-hour window, renewed at the rate that fills it, 20 ms per
/// request: about 1,000 pages, 100 s at the default 10 requests/s. The first run must load it
/// whole although the default collection timeout is 50 s, showing its progress meanwhile.
#[tokio::test(flavor = "multi_thread")]
async fn a_100k_job_estate_loads_on_the_default_configuration() {
    let sim = nbu_sim::Server::builder()
        .api_key(API_KEY)
        .jobs(100_000)
        .window(Duration::from_secs(3600))
        .jobs_per_minute(1667.0)
        .latency(Duration::from_millis(20))
        .seed(7)
        .spawn()
        .await
        .expect("simulator starts");
    let yaml = format!(
        "server:\n  host: 127.0.0.1\n  port: \"{{port}}\"\n\
nbuservers:\n  - site: alpha\n    scheme: http\n    host: 127.0.0.1\n    port: \"{}\"\n    apiKey: {}\n",
        sim.addr().port(),
        sim.api_key(),
    );
    let exporter = Exporter::start(&yaml, &[]);
    // Twice the target (2x the 100 s the rate limit imposes), and as much again for a loaded
    // 2-core machine running debug builds of both sides.
    let deadline = Instant::now() + Duration::from_secs(400);
    let mut progress_seen = None;
    let metrics = loop {
        if let Ok(response) = http().get(exporter.url("/metrics")).send().await
            && let Ok(body) = response.text().await
        {
            let metrics = Metrics::parse(&body);
            if !metrics.get("nbu_jobs_count").is_empty() {
                break metrics;
            }
        }
        if let Some((state, progress)) = jobs_health(&exporter).await {
            assert_eq!(
                state,
                "loading",
                "the first load is neither cut off by the 50 s timeout nor failing; \
                 progress so far: {progress_seen:?}; exporter output:\n{}",
                exporter.output()
            );
            if let Some(text) = progress.filter(|p| p.contains(" of ~")) {
                progress_seen = Some(text);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no job families within 400 s on the default configuration; progress: {progress_seen:?}; \
             exporter output:\n{}",
            exporter.output()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let progress = progress_seen.expect("/health showed the load's pages of the count estimate");
    assert!(
        progress.contains("pages"),
        "progress names pages: {progress}"
    );
    let counted: f64 = metrics.get("nbu_jobs_count").iter().map(|s| s.value).sum();
    assert!(
        counted > 80_000.0,
        "the families come from the whole window, not part of it: {counted} jobs counted"
    );
    let (state, _) = jobs_health(&exporter).await.expect("/health answers");
    assert_eq!(state, "ok", "the jobs collector finished its first run");
}
