//! Collectors fail independently: one failing keeps its last families, marked stale.

use std::sync::Arc;
use std::time::Duration;

use nbu_api::Client;
use nbu_collector::{
    JobsCollector, JobsSettings, Publisher, ScheduledCollector, SitePoller, SiteSpec,
    StorageCollector,
};

fn spec(sim: &nbu_sim::SimHandle, timeout: Duration) -> SiteSpec {
    let client = Client::builder(sim.base_url())
        .api_key(sim.api_key())
        // Configured: negotiation would otherwise probe the endpoint a test stalls.
        .version("14.0".parse().unwrap())
        .build()
        .unwrap();
    SiteSpec {
        site: "s1".to_owned(),
        client,
        collectors: Arc::new(move |client: Client| {
            vec![
                ScheduledCollector::new(
                    Arc::new(JobsCollector::new(client.clone(), JobsSettings::default())),
                    Duration::from_millis(300),
                    timeout,
                ),
                ScheduledCollector::new(
                    Arc::new(StorageCollector::new(client)),
                    Duration::from_millis(300),
                    timeout,
                ),
            ]
        }),
        ping_interval: Duration::from_secs(60),
        ping_timeout: Duration::from_secs(60),
    }
}

fn text(publisher: &Publisher) -> String {
    String::from_utf8_lossy(&publisher.snapshot().exposition).into_owned()
}

async fn wait_until(publisher: &Publisher, what: &str, predicate: impl Fn(&str) -> bool) -> String {
    for _ in 0..200 {
        let current = text(publisher);
        if predicate(&current) {
            return current;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}:\n{}", text(publisher));
}

fn line(metric: &str, collector: &str, value: &str) -> String {
    format!("{metric}{{site=\"s1\",collector=\"{collector}\"}} {value}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_storage_endpoint_leaves_jobs_fresh_and_storage_stale() {
    let sim = nbu_sim::Server::builder().jobs(200).spawn().await.unwrap();
    let publisher = Publisher::new();
    let poller = SitePoller::spawn(spec(&sim, Duration::from_secs(5)), Arc::clone(&publisher));
    wait_until(&publisher, "both collectors", |t| {
        t.contains(&line("nbu_collector_success", "jobs", "1"))
            && t.contains(&line("nbu_collector_success", "storage", "1"))
    })
    .await;

    sim.set_faults(nbu_sim::Faults {
        error_rate: 1.0,
        error_status: Some(500),
        path_prefix: Some("/storage".to_owned()),
        ..nbu_sim::Faults::default()
    })
    .await
    .unwrap();
    let degraded = wait_until(&publisher, "storage failing", |t| {
        t.contains(&line("nbu_collector_success", "storage", "0"))
    })
    .await;
    assert!(degraded.contains(&line("nbu_collector_stale", "storage", "1")));
    assert!(
        degraded.contains("nbu_disk_capacity_bytes{site=\"s1\""),
        "storage families stay, stale"
    );
    assert!(
        degraded.contains(&line("nbu_collector_success", "jobs", "1")),
        "jobs keep succeeding"
    );
    assert!(degraded.contains("nbu_up{site=\"s1\"} 1"));
    poller.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_endpoint_is_cut_off_by_the_timeout() {
    let sim = nbu_sim::Server::builder().jobs(50).spawn().await.unwrap();
    sim.set_faults(nbu_sim::Faults {
        stall_rate: 1.0,
        path_prefix: Some("/admin/jobs".to_owned()),
        ..nbu_sim::Faults::default()
    })
    .await
    .unwrap();
    let publisher = Publisher::new();
    let poller = SitePoller::spawn(
        spec(&sim, Duration::from_millis(700)),
        Arc::clone(&publisher),
    );
    let text = wait_until(&publisher, "jobs timing out", |t| {
        t.contains(&line("nbu_collector_success", "jobs", "0"))
    })
    .await;
    assert!(
        text.contains(&line("nbu_collector_success", "storage", "1")),
        "storage is unaffected:\n{text}"
    );
    let status = publisher.snapshot().sites[0].clone();
    let jobs = status.collectors.iter().find(|c| c.name == "jobs").unwrap();
    assert!(
        jobs.last_error
            .as_deref()
            .is_some_and(|e| e.contains("timed out")),
        "{jobs:?}"
    );
    poller.shutdown().await;
}
