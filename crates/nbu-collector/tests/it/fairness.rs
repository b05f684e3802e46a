//! A site's request budget shared fairly: the catalog collector's count queries and every other
//! collector, run back to back under a low rate limit, leave the jobs collector enough of it to
//! keep succeeding. Without the shared limit (all on the site limit alone), the others crowd the
//! jobs collector out: it gets 10 to 12 requests a second instead of at least 20, and its 3 s
//! runs time out.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use nbu_api::{Client, RateLimit, SharedLimit, WaitMeter};
use nbu_collector::{
    AlertsCollector, CatalogCollector, Collector, JobsCollector, JobsSettings, MalwareCollector,
    Publisher, ScheduledCollector, SitePoller, SiteSpec, SloCollector, StorageCollector,
    TapeCollector,
};

/// The site's limit: 40 requests a second, no burst, so that only the rates count.
const SITE_RATE: u32 = 40;

/// Builds one collector for a client handle.
type Make = fn(Client) -> Arc<dyn Collector>;

/// `make` on `client` with a wait meter of its own, every `interval`.
fn metered(
    client: &Client,
    make: Make,
    interval: Duration,
    timeout: Duration,
) -> ScheduledCollector {
    let meter = WaitMeter::new();
    ScheduledCollector::new(make(client.with_wait_meter(&meter)), interval, timeout)
        .with_wait_meter(meter)
}

/// Every collector, wired the way nbu-exporter wires a site: jobs on the site limit alone, the
/// others also on a shared half of it, each with its own wait meter.
fn spec(sim: &nbu_sim::SimHandle) -> SiteSpec {
    let client = Client::builder(sim.base_url())
        .api_key(sim.api_key())
        .version("14.0".parse().unwrap())
        .rate_limit(RateLimit::new(SITE_RATE, 1))
        .build()
        .unwrap();
    let share = SharedLimit::new(RateLimit::new(SITE_RATE / 2, 1)).unwrap();
    // Every run is a full load of the 3,000-job window (30 pages and a count, one at a time): at
    // 20/s at least, about 1.6 s plus the answers, within its 3 s timeout.
    let mut jobs = JobsSettings::with_window(Duration::from_secs(3600));
    jobs.slices = 1;
    jobs.full_resync_every = SignedDuration::from_millis(1);
    SiteSpec {
        site: "s1".to_owned(),
        client,
        collectors: Arc::new(move |client: Client| {
            let jobs_meter = WaitMeter::new();
            let jobs = JobsCollector::new(client.with_wait_meter(&jobs_meter), jobs.clone());
            let mut collectors = vec![
                ScheduledCollector::new(
                    Arc::new(jobs),
                    Duration::from_millis(500),
                    Duration::from_secs(3),
                )
                .with_wait_meter(jobs_meter),
            ];
            // The catalog's 36 count queries alone take 1.8 s at 20/s; its runs follow each other.
            let background = client.with_extra_limit(&share);
            let others: [Make; 6] = [
                |c| Arc::new(CatalogCollector::new(c)),
                |c| Arc::new(StorageCollector::new(c)),
                |c| Arc::new(TapeCollector::new(c)),
                |c| Arc::new(AlertsCollector::new(c)),
                |c| Arc::new(MalwareCollector::new(c)),
                |c| Arc::new(SloCollector::new(c)),
            ];
            collectors.extend(others.into_iter().map(|make| {
                metered(
                    &background,
                    make,
                    Duration::from_millis(500),
                    Duration::from_secs(10),
                )
            }));
            collectors
        }),
        ping_interval: Duration::from_secs(60),
        ping_timeout: Duration::from_secs(60),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_and_jobs_on_short_intervals_both_keep_succeeding() {
    let sim = nbu_sim::Server::builder()
        .jobs(3000)
        .window(Duration::from_secs(3600))
        .spawn()
        .await
        .unwrap();
    let publisher = Publisher::new();
    let poller = SitePoller::spawn(spec(&sim), Arc::clone(&publisher));
    let mut successes: [BTreeSet<Timestamp>; 2] = Default::default();
    let mut failures = Vec::new();
    for _ in 0..1500 {
        let snapshot = publisher.snapshot();
        for status in snapshot.sites.iter().flat_map(|s| &s.collectors) {
            if let Some(success) = status.last_success
                && let Some(index) = ["jobs", "catalog"].iter().position(|n| *n == status.name)
            {
                successes[index].insert(success);
            }
            if status.last_attempt.is_some() && !status.last_run_succeeded {
                failures.push(format!("{}: {:?}", status.name, status.last_error));
            }
        }
        if !failures.is_empty() || successes.iter().all(|s| s.len() >= 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    poller.shutdown().await;
    assert_eq!(failures, Vec::<String>::new(), "no run may fail");
    assert!(
        successes.iter().all(|s| s.len() >= 2),
        "two successful runs each: jobs {}, catalog {}",
        successes[0].len(),
        successes[1].len()
    );
    let text = String::from_utf8_lossy(&publisher.snapshot().exposition).into_owned();
    let waited = text
        .lines()
        .find_map(|line| {
            line.strip_prefix(
                "nbu_collector_rate_limit_wait_seconds_total{site=\"s1\",collector=\"catalog\"} ",
            )
        })
        .and_then(|value| value.parse::<f64>().ok());
    assert!(
        waited.is_some_and(|seconds| seconds > 0.5),
        "the catalog's queries wait for their share, and the wait is exported: {waited:?}\n{text}"
    );
}
