//! Incremental job collection against the simulator in live mode.

use std::time::Duration;

use nbu_api::Client;
use nbu_collector::{CollectContext, Collector, JobsCollector, JobsSettings};
use nbu_metrics::Exposition;

async fn live_simulator(jobs: usize) -> nbu_sim::SimHandle {
    nbu_sim::Server::builder()
        .api_key("incremental-key")
        .jobs(jobs)
        .window(Duration::from_secs(2 * 3600))
        .seed(3)
        .spawn()
        .await
        .unwrap()
}

fn client(sim: &nbu_sim::SimHandle) -> Client {
    Client::builder(sim.base_url())
        .api_key(sim.api_key())
        .version("14.0".parse().unwrap())
        .build()
        .unwrap()
}

fn settings(slices: usize) -> JobsSettings {
    let mut settings = JobsSettings::with_window(Duration::from_secs(4 * 3600));
    settings.slices = slices;
    settings.overlap = jiff::SignedDuration::from_secs(1);
    settings
}

fn render(families: &nbu_metrics::FamilySet) -> String {
    let mut exposition = Exposition::new();
    exposition.site("s", families);
    exposition.render()
}

#[tokio::test(flavor = "multi_thread")]
async fn later_runs_fetch_only_what_changed_and_match_a_full_load() {
    let sim = live_simulator(3000).await;
    let incremental = JobsCollector::new(client(&sim), settings(4));

    let first = incremental
        .collect(&CollectContext::new(sim.now()))
        .await
        .unwrap();
    assert_eq!(first.items, 3000, "the first run loads the whole window");
    // 3000 jobs over 4 slices of ≤100 a page: at least 30 pages, and each slice ends with one short page.
    assert!(
        (30..=34).contains(&first.api_requests),
        "full load took {} requests",
        first.api_requests
    );

    for changes in [0_usize, 50, 250] {
        // Let the watermark and the changes land on different seconds.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let changed = sim.apply_changes(changes);
        sim.reset_stats();
        let now = sim.now();
        let run = incremental
            .collect(&CollectContext::new(now))
            .await
            .unwrap();
        let requests = sim.stats().requests("GET /admin/jobs");
        assert_eq!(
            requests, run.api_requests,
            "the collector counts the requests it makes"
        );
        let pages_for_changes = (changed as u64).div_ceil(100);
        assert!(
            requests <= pages_for_changes + 2,
            "{changed} changed jobs took {requests} requests (expected about {pages_for_changes})"
        );

        let from_scratch = JobsCollector::new(client(&sim), settings(1));
        let full = from_scratch
            .collect(&CollectContext::new(now))
            .await
            .unwrap();
        assert_eq!(
            render(&run.families),
            render(&full.families),
            "incremental window equals a full load after {changed} changes"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_slices_read_each_job_once() {
    let sim = live_simulator(1000).await;
    let now = sim.now();
    let sliced = JobsCollector::new(client(&sim), settings(8))
        .collect(&CollectContext::new(now))
        .await
        .unwrap();
    let single = JobsCollector::new(client(&sim), settings(1))
        .collect(&CollectContext::new(now))
        .await
        .unwrap();
    assert_eq!(sliced.items, 1000);
    assert_eq!(single.items, 1000);
    assert_eq!(render(&sliced.families), render(&single.families));
}
