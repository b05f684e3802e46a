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

fn unfinished_jobs(sim: &nbu_sim::SimHandle) -> u64 {
    sim.jobs().iter().filter(|job| job.state != "DONE").count() as u64
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
    let unfinished = unfinished_jobs(&sim);
    assert_eq!(
        first.items,
        3000 + unfinished,
        "the first run loads the whole window, and the unfinished jobs once more"
    );
    // 3000 jobs in pages of ≤100: at least 30 pages; each of the 16 time slices (4 streams ×
    // SLICES_PER_STREAM) may end with a short page, and the unfinished jobs take a page or two.
    assert!(
        (31..=48).contains(&first.api_requests),
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
    let unfinished = unfinished_jobs(&sim);
    assert_eq!(sliced.items, 1000 + unfinished);
    assert_eq!(single.items, 1000 + unfinished);
    assert_eq!(render(&sliced.families), render(&single.families));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_load_cut_off_by_the_timeout_resumes_where_it_stopped() {
    let sim = nbu_sim::Server::builder()
        .api_key("incremental-key")
        .jobs(3000)
        .window(Duration::from_secs(2 * 3600))
        .latency(Duration::from_millis(40))
        .seed(5)
        .spawn()
        .await
        .unwrap();
    let collector = JobsCollector::new(client(&sim), settings(1));
    let now = sim.now();
    let cut = tokio::time::timeout(
        Duration::from_millis(500),
        collector.collect(&CollectContext::new(now)),
    )
    .await;
    assert!(cut.is_err(), "the first run is cut off");
    let before_resume = sim.stats().requests("GET /admin/jobs");
    assert!(
        before_resume >= 3,
        "the cut-off run read some pages ({before_resume})"
    );

    let resumed = collector.collect(&CollectContext::new(now)).await.unwrap();
    let total = sim.stats().requests("GET /admin/jobs");
    sim.reset_stats();
    let full = JobsCollector::new(client(&sim), settings(1))
        .collect(&CollectContext::new(now))
        .await
        .unwrap();
    let uninterrupted = sim.stats().requests("GET /admin/jobs");
    // Resuming re-reads at most one page per slice (4 time slices and the unfinished jobs).
    assert!(
        total <= uninterrupted + 5,
        "cut and resumed: {total} requests ({before_resume} before the cut); uninterrupted: {uninterrupted}"
    );
    assert_eq!(
        render(&resumed.families),
        render(&full.families),
        "the resumed load equals an uninterrupted one"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_load_cut_off_inside_a_crowded_instant_resumes_and_finishes() {
    // A bulk update stamps thousands of jobs with one `lastUpdateTime`: more than one run reads.
    let sim = nbu_sim::Server::builder()
        .api_key("incremental-key")
        .jobs(2000)
        .window(Duration::from_secs(2 * 3600))
        .latency(Duration::from_millis(40))
        .seed(11)
        .spawn()
        .await
        .unwrap();
    let crowded = sim.apply_changes(10_000);
    assert!(crowded > 2500, "{crowded} jobs share the newest instant");
    let now = sim.now();
    let collector = JobsCollector::new(client(&sim), settings(1));
    let mut cut_runs = 0;
    let resumed = loop {
        let run = tokio::time::timeout(
            Duration::from_millis(800),
            collector.collect(&CollectContext::new(now)),
        )
        .await;
        match run {
            Ok(result) => break result.unwrap(),
            Err(_) => cut_runs += 1,
        }
        // Each run reads about 20 pages; the crowded instant alone takes more than 25, twice
        // (its jobs are also unfinished). Starting that instant over on every run never finishes.
        assert!(
            cut_runs < 40,
            "the load never finished: {} requests so far",
            sim.stats().requests("GET /admin/jobs")
        );
    };
    assert!(
        cut_runs >= 2,
        "the load was cut off inside the instant ({cut_runs} runs)"
    );

    let full = JobsCollector::new(client(&sim), settings(1))
        .collect(&CollectContext::new(now))
        .await
        .unwrap();
    assert_eq!(
        render(&resumed.families),
        render(&full.families),
        "the resumed load, its exactly-once counters included, equals an uninterrupted one"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unfinished_jobs_count_whatever_their_age() {
    // 24 h of history, a 1 h window: queued or running jobs last updated long ago still count.
    let sim = nbu_sim::Server::builder()
        .api_key("incremental-key")
        .jobs(2000)
        .seed(9)
        .spawn()
        .await
        .unwrap();
    let mut settings = JobsSettings::with_window(Duration::from_secs(3600));
    settings.slices = 2;
    let run = JobsCollector::new(client(&sim), settings)
        .collect(&CollectContext::new(sim.now()))
        .await
        .unwrap();
    let text = render(&run.families);
    let counted: f64 = text
        .lines()
        .filter(|line| {
            line.starts_with("nbu_jobs_state_count{") && !line.contains("state=\"DONE\"")
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(unfinished_jobs(&sim) > 0);
    assert_eq!(counted, unfinished_jobs(&sim) as f64);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_load_reports_its_progress_as_the_run_counts_it() {
    let sim = live_simulator(3000).await;
    let collector = JobsCollector::new(client(&sim), settings(4));
    let ctx = CollectContext::new(sim.now());
    let collected = collector.collect(&ctx).await.unwrap();
    let report = ctx.progress.report();
    assert_eq!(
        report.expected_pages,
        Some(30),
        "the count request estimates 3,000 jobs in pages of 100"
    );
    assert_eq!(
        (report.requests, report.items),
        (collected.api_requests, collected.items),
        "progress counts what the run reports"
    );
    assert_eq!(
        report.pages + 1,
        report.requests,
        "every page, and the count"
    );
    assert_eq!(report.waiting_for, None, "nothing in flight after the run");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_run_of_a_resumed_full_load_reports_the_pages_left_of_the_count_estimate() {
    let sim = nbu_sim::Server::builder()
        .api_key("incremental-key")
        .jobs(3000)
        .window(Duration::from_secs(2 * 3600))
        .latency(Duration::from_millis(40))
        .seed(5)
        .spawn()
        .await
        .unwrap();
    let collector = JobsCollector::new(client(&sim), settings(1));
    let now = sim.now();
    let first = CollectContext::new(now);
    let cut = tokio::time::timeout(Duration::from_millis(500), collector.collect(&first)).await;
    assert!(cut.is_err(), "the first run is cut off");
    let first = first.progress.report();
    assert_eq!(first.expected_pages, Some(30), "3,000 jobs in pages of 100");
    assert!(
        (1..30).contains(&first.pages),
        "{} pages before the cut",
        first.pages
    );

    let second = CollectContext::new(now);
    let resumed =
        tokio::time::timeout(Duration::from_millis(100), collector.collect(&second)).await;
    assert!(resumed.is_err(), "the second run is cut off too");
    let report = second.progress.report();
    assert_eq!(
        report.expected_pages,
        Some(30 - first.pages),
        "the resumed run made no count request and still knows the estimate"
    );
    assert!(
        second.progress.is_long_load(),
        "a full load may outlast the timeout"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_load_finishes_while_running_jobs_keep_updating_faster_than_it_reads() {
    let sim = std::sync::Arc::new(
        nbu_sim::Server::builder()
            .api_key("incremental-key")
            .jobs(2000)
            .window(Duration::from_secs(2 * 3600))
            .latency(Duration::from_millis(20))
            .seed(13)
            .spawn()
            .await
            .unwrap(),
    );
    // Backups in progress report every few seconds: each update moves a job past the cursor
    // of the open-ended slices. Here updates come faster than one stream reads them.
    let churn = {
        let sim = std::sync::Arc::clone(&sim);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                sim.apply_changes(300);
            }
        })
    };
    let collector = JobsCollector::new(client(&sim), settings(1));
    let load = tokio::time::timeout(
        Duration::from_secs(60),
        collector.collect(&CollectContext::new(sim.now())),
    )
    .await;
    churn.abort();
    let requests = sim.stats().requests("GET /admin/jobs");
    let Ok(load) = load else {
        panic!("the load chased updates: {requests} requests");
    };
    assert!(load.is_ok(), "{load:?}");
    // The 2,000 jobs of the window and the jobs started meanwhile, not a chase after updates.
    assert!(requests < 200, "{requests} requests");
}
