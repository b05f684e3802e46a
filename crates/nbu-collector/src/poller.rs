//! Runs one site's collectors on their intervals, in parallel, each under a timeout.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use nbu_api::{ApiVersion, Client, WaitMeter};
use tokio::task::JoinSet;
// Tokio's clock, so that tests with paused time see the durations they advanced.
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};

use crate::{CollectContext, CollectError, Collector, Contact, Publisher, RunFailure};

/// A collector, how often it runs, and how long one run may take.
#[derive(Clone)]
pub struct ScheduledCollector {
    /// The collector.
    pub collector: Arc<dyn Collector>,
    /// The time between the starts of two runs.
    pub interval: Duration,
    /// How long one run may take before it is cut off and counted as failed.
    pub timeout: Duration,
    /// The meter the collector's client handle adds its rate-limiter waits to (see
    /// [`Client::with_wait_meter`]); each run's share of it is published as
    /// `nbu_collector_rate_limit_wait_seconds_total`. `None`: nothing is measured.
    pub wait_meter: Option<WaitMeter>,
}

impl ScheduledCollector {
    /// `collector` every `interval`, each run cut off after `timeout`, with no wait meter.
    pub fn new(collector: Arc<dyn Collector>, interval: Duration, timeout: Duration) -> Self {
        Self {
            collector,
            interval,
            timeout,
            wait_meter: None,
        }
    }

    /// The same, publishing the rate-limiter waits `meter` adds up.
    #[must_use]
    pub fn with_wait_meter(mut self, meter: WaitMeter) -> Self {
        self.wait_meter = Some(meter);
        self
    }
}

impl std::fmt::Debug for ScheduledCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScheduledCollector")
            .field("collector", &self.collector.name())
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Builds a site's collectors once its API version is known.
pub type CollectorFactory = dyn Fn(Client) -> Vec<ScheduledCollector> + Send + Sync;

/// Everything needed to poll one NetBackup site.
#[derive(Clone)]
pub struct SiteSpec {
    /// The `site` label.
    pub site: String,
    /// The site's client; it need not have a version yet.
    pub client: Client,
    /// Builds the collectors from the client bound to the negotiated version.
    pub collectors: Arc<CollectorFactory>,
    /// How often the site's liveness and API version are re-checked with `GET /ping`.
    pub ping_interval: Duration,
    /// How long a ping may go unanswered before the site counts as unreachable (`nbu_up` 0):
    /// the request timeout, so that a server that hangs is noticed after one request timeout
    /// instead of after every retry of it.
    pub ping_timeout: Duration,
}

impl std::fmt::Debug for SiteSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteSpec")
            .field("site", &self.site)
            .field("client", &self.client)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .finish_non_exhaustive()
    }
}

/// The running pollers of one site; dropping it does not stop them, [`SitePoller::shutdown`] does.
#[derive(Debug)]
pub struct SitePoller {
    site: String,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

const MAX_SETUP_BACKOFF: Duration = Duration::from_secs(60);

impl SitePoller {
    /// Starts polling `spec.site` in the background, reporting to `publisher`.
    pub fn spawn(spec: SiteSpec, publisher: Arc<Publisher>) -> Self {
        publisher.register_site(&spec.site);
        publisher.set_site_url(&spec.site, spec.client.base_url().as_str());
        let cancel = CancellationToken::new();
        let site = spec.site.clone();
        let span = info_span!("site", site = %spec.site);
        let task = tokio::spawn(run_site(spec, publisher, cancel.clone()).instrument(span));
        Self { site, cancel, task }
    }

    /// The site this poller serves.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// Stops every collector of the site and waits for them; a run in flight is abandoned.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        if let Err(error) = self.task.await {
            warn!(site = %self.site, %error, "site poller ended abnormally");
        }
    }

    /// Runs every collector of the site once (after negotiating the version) and returns when all
    /// have reported; used by `nbu-exporter once`.
    pub async fn collect_once(
        spec: &SiteSpec,
        publisher: &Publisher,
    ) -> Result<(), nbu_api::Error> {
        publisher.register_site(&spec.site);
        publisher.set_site_url(&spec.site, spec.client.base_url().as_str());
        let pinned = spec.client.version().is_some();
        let began = Timestamp::now();
        let version = match spec.client.negotiate().await {
            Ok(version) => version,
            Err(error) => {
                setup_failed(&spec.site, &error, began, publisher);
                return Err(error);
            }
        };
        connected(&spec.site, &version.to_string(), pinned, publisher);
        let collectors = (spec.collectors)(spec.client.with_version(version));
        let schedule: Vec<_> = collectors
            .iter()
            .map(|c| (c.collector.name(), c.interval))
            .collect();
        publisher.register_collectors(&spec.site, &schedule);
        let runs = collectors
            .iter()
            .map(|scheduled| run_scheduled(&spec.site, scheduled, publisher));
        futures_util::future::join_all(runs).await;
        Ok(())
    }
}

/// Records a failed negotiation: a setup error, and a failed contact when the failure is the
/// site's (unreachable, 401, a proxy answering).
fn setup_failed(site: &str, error: &nbu_api::Error, began: Timestamp, publisher: &Publisher) {
    let text = error.to_string();
    publisher.site_setup_failed(site, &text);
    publisher.site_contact(site, Contact::of(error), Some(&text), began);
}

/// Records a successful negotiation. It probed an authenticated endpoint, an answered contact,
/// unless the version is configured: then it made no request at all.
fn connected(site: &str, version: &str, pinned: bool, publisher: &Publisher) {
    publisher.site_connected(site, version);
    if !pinned {
        publisher.site_contact(site, Contact::Answered, None, Timestamp::now());
    }
}

async fn run_site(spec: SiteSpec, publisher: Arc<Publisher>, cancel: CancellationToken) {
    let mut backoff = Duration::from_secs(1);
    let mut version_changed = false;
    // Known before any negotiation only when the operator configured it; then it is kept whatever
    // the server says.
    let pinned = spec.client.version().is_some();
    loop {
        let negotiation = async {
            if version_changed {
                spec.client.renegotiate().await
            } else {
                spec.client.negotiate().await
            }
        };
        let began = Timestamp::now();
        let negotiated = tokio::select! {
            () = cancel.cancelled() => return,
            result = negotiation => result,
        };
        let version = match negotiated {
            Ok(version) => version,
            Err(error) => {
                warn!(%error, retry_in_s = backoff.as_secs(), "cannot set up NetBackup site");
                setup_failed(&spec.site, &error, began, &publisher);
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_SETUP_BACKOFF);
                continue;
            }
        };
        backoff = Duration::from_secs(1);
        info!(api_version = %version, "NetBackup site ready");
        connected(&spec.site, &version.to_string(), pinned, &publisher);
        let client = spec.client.with_version(version);
        let generation = cancel.child_token();
        let mut tasks = JoinSet::new();
        let collectors = (spec.collectors)(client.clone());
        let schedule: Vec<_> = collectors
            .iter()
            .map(|c| (c.collector.name(), c.interval))
            .collect();
        publisher.register_collectors(&spec.site, &schedule);
        for scheduled in collectors {
            tasks.spawn(run_collector(
                spec.site.clone(),
                scheduled,
                Arc::clone(&publisher),
                generation.clone(),
            ));
        }
        version_changed = watch_site(&spec, &client, version, pinned, &publisher, &generation)
            .await
            == Watch::VersionChanged;
        generation.cancel();
        while tasks.join_next().await.is_some() {}
        if cancel.is_cancelled() {
            return;
        }
    }
}

/// Why [`watch_site`] returned.
#[derive(Debug, PartialEq, Eq)]
enum Watch {
    Cancelled,
    /// The server now serves another API version than the one in use (upgraded or downgraded).
    VersionChanged,
}

/// Pings the site on `ping_interval`; returns when cancelled or when the server's API version
/// changed (NetBackup was upgraded or downgraded), so that the caller negotiates again.
async fn watch_site(
    spec: &SiteSpec,
    client: &Client,
    version: ApiVersion,
    pinned: bool,
    publisher: &Publisher,
    cancel: &CancellationToken,
) -> Watch {
    // The first ping waits one period: the site was just reached by the negotiation.
    let mut ticker =
        tokio::time::interval_at(Instant::now() + spec.ping_interval, spec.ping_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return Watch::Cancelled,
            _ = ticker.tick() => {}
        }
        let started = Instant::now();
        let began = Timestamp::now();
        // The ping's own retries could keep a hung server looking alive for several request
        // timeouts; one unanswered request timeout is enough to call it unreachable.
        let pinged = tokio::select! {
            () = cancel.cancelled() => return Watch::Cancelled,
            pinged = tokio::time::timeout(spec.ping_timeout, client.ping()) => pinged,
        };
        let pinged = match pinged {
            Ok(pinged) => pinged,
            Err(_) => {
                let error = format!(
                    "/ping: no answer within {}s; NetBackup is unreachable or hangs",
                    spec.ping_timeout.as_secs_f64()
                );
                warn!(%error, "ping failed");
                publisher.site_contact(&spec.site, Contact::Failed, Some(&error), began);
                continue;
            }
        };
        match pinged {
            // An answered ping proves the server is there, not that it takes our key: it never
            // raises `nbu_up`.
            Ok(server_version) => {
                publisher.site_response_time(&spec.site, started.elapsed());
                // An upgrade offers a newer version; a downgrade (or a restore onto an older
                // release) answers 406 to the one in use until the version is negotiated again.
                // Only versions this client knows parse: a server newer than the client is not
                // renegotiated on every ping.
                let served = server_version
                    .as_deref()
                    .and_then(|v| v.parse::<ApiVersion>().ok());
                if !pinned && let Some(served) = served.filter(|served| *served != version) {
                    info!(from = %version, to = %served, "NetBackup serves another API version; negotiating again");
                    return Watch::VersionChanged;
                }
            }
            // The version in use is refused: NetBackup was downgraded (or restored onto an older
            // release) under us.
            Err(error) if !pinned && error.kind() == nbu_api::ErrorKind::UnsupportedVersion => {
                info!(from = %version, %error, "NetBackup refuses the API version in use; negotiating again");
                return Watch::VersionChanged;
            }
            Err(error) => {
                warn!(%error, "ping failed");
                publisher.site_contact(
                    &spec.site,
                    Contact::of(&error),
                    Some(&error.to_string()),
                    began,
                );
            }
        }
    }
}

async fn run_collector(
    site: String,
    scheduled: ScheduledCollector,
    publisher: Arc<Publisher>,
    cancel: CancellationToken,
) {
    let mut ticker = tokio::time::interval(scheduled.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = ticker.tick() => {}
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = run_scheduled(&site, &scheduled, &publisher) => {}
        }
    }
}

async fn run_scheduled(site: &str, scheduled: &ScheduledCollector, publisher: &Publisher) {
    run_metered(
        site,
        Arc::clone(&scheduled.collector),
        scheduled.timeout,
        scheduled.wait_meter.as_ref(),
        publisher,
    )
    .await;
}

#[cfg(test)]
async fn run_once(
    site: &str,
    collector: Arc<dyn Collector>,
    timeout: Duration,
    publisher: &Publisher,
) {
    run_metered(site, collector, timeout, None, publisher).await;
}

/// How often a running collector's answered pages are reported as contacts with the site.
const CONTACT_CHECK: Duration = Duration::from_secs(5);

/// Runs `collector` once under `timeout` and records the outcome, with the rate-limiter waits
/// `meter` gained meanwhile: runs of one collector never overlap, so that is this run's share.
async fn run_metered(
    site: &str,
    collector: Arc<dyn Collector>,
    timeout: Duration,
    meter: Option<&WaitMeter>,
    publisher: &Publisher,
) {
    let waited_before = meter.map(WaitMeter::total).unwrap_or_default();
    let name = collector.name();
    let started_at = Timestamp::now();
    let started = Instant::now();
    let ctx = CollectContext::new(started_at);
    let progress = ctx.progress.clone();
    publisher.run_started(site, name, &progress);
    let span = info_span!("collect", site, collector = name);
    // Not `tokio::time::timeout`: the run must still be alive when the timeout fires, so that
    // its progress names the request it was waiting for. The run ends with this block.
    let outcome = {
        let run = collector.collect(&ctx).instrument(span.clone());
        let mut run = std::pin::pin!(run);
        let mut deadline = started + timeout;
        let mut pages_at_deadline = 0;
        // A long run's pages are answered contacts too: a full load after an outage takes
        // `nbu_up` back up as soon as NetBackup answers, not only when the whole load is read.
        let mut heard = tokio::time::interval(CONTACT_CHECK);
        heard.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pages_heard = 0;
        loop {
            tokio::select! {
                result = &mut run => break result,
                _ = heard.tick() => {
                    let pages = progress.pages();
                    if pages > pages_heard {
                        pages_heard = pages;
                        publisher.site_contact(site, Contact::Answered, None, Timestamp::now());
                    }
                }
                () = tokio::time::sleep_until(deadline) => {
                    // A long load that is still reading carries on: cut off, it would resume
                    // only at the next tick, idle until then, and never finish when the rate
                    // limit lets one run read less than the whole window.
                    let pages = progress.pages();
                    if progress.is_long_load() && pages > pages_at_deadline {
                        pages_at_deadline = pages;
                        deadline += timeout;
                        continue;
                    }
                    break Err(CollectError::Timeout {
                        after: deadline.duration_since(started),
                        progress: progress.report(),
                    });
                }
            }
        }
    };
    let duration = started.elapsed();
    // The run's future is gone by now, so a wait it was cut off in is already on the meter.
    let waited = meter
        .map(WaitMeter::total)
        .unwrap_or_default()
        .saturating_sub(waited_before);
    let outcome = outcome.map(|mut collected| {
        collected.rate_limit_wait = waited;
        collected
    });
    let outcome = outcome.map_err(|error| {
        span.in_scope(|| warn!(%error, "collection failed"));
        let contact = match &error {
            CollectError::Api(api) => Contact::of(api),
            // The run's own business: a slow endpoint, or too much to read in one run.
            _ => Contact::Unchanged,
        };
        RunFailure::new(error.to_string())
            .with_contact(contact)
            .with_counts(progress.requests(), progress.items())
            .with_rate_limit_wait(waited)
    });
    publisher.record(site, name, started_at, duration, outcome);
}

#[cfg(test)]
mod tests {
    use std::future::pending;
    use std::sync::Arc;
    use std::time::Duration;

    use nbu_metrics::FamilySet;

    use super::run_once;
    use crate::{Collected, MockCollector, Publisher};

    fn families(value: f64) -> FamilySet {
        let mut set = FamilySet::new();
        set.gauge("nbu_test_value", "A test value.")
            .push(vec![("k", "v".to_owned())], value);
        set
    }

    fn mock(name: &'static str) -> MockCollector {
        let mut collector = MockCollector::new();
        collector.expect_name().return_const(name);
        collector
    }

    fn exposition(publisher: &Publisher) -> String {
        String::from_utf8_lossy(&publisher.snapshot().exposition).into_owned()
    }

    #[tokio::test]
    async fn a_failed_run_keeps_the_last_families_and_marks_them_stale() {
        let publisher = Publisher::new();
        let mut collector = mock("area");
        let mut calls = 0;
        collector.expect_collect().times(2).returning(move |_| {
            calls += 1;
            if calls == 1 {
                Ok(Collected::new(families(7.0), 3, 5))
            } else {
                Err(crate::CollectError::Timeout {
                    after: Duration::from_secs(1),
                    progress: crate::ProgressReport::default(),
                })
            }
        });
        let collector: Arc<dyn crate::Collector> = Arc::new(collector);

        run_once(
            "s",
            Arc::clone(&collector),
            Duration::from_secs(5),
            &publisher,
        )
        .await;
        let first = exposition(&publisher);
        assert!(
            first.contains("nbu_test_value{site=\"s\",k=\"v\"} 7"),
            "{first}"
        );
        assert!(first.contains("nbu_collector_success{site=\"s\",collector=\"area\"} 1"));
        assert!(first.contains("nbu_up{site=\"s\"} 1"));

        run_once("s", collector, Duration::from_secs(5), &publisher).await;
        let second = exposition(&publisher);
        assert!(
            second.contains("nbu_test_value{site=\"s\",k=\"v\"} 7"),
            "families survive a failure"
        );
        assert!(second.contains("nbu_collector_success{site=\"s\",collector=\"area\"} 0"));
        assert!(second.contains("nbu_collector_stale{site=\"s\",collector=\"area\"} 1"));
        assert!(
            second.contains("nbu_up{site=\"s\"} 1"),
            "a slow run says nothing about the site"
        );
        assert!(
            second.contains("nbu_collector_api_requests_total{site=\"s\",collector=\"area\"} 3")
        );
        let status = &publisher.snapshot().sites[0].collectors[0];
        assert!(!status.last_run_succeeded);
        assert!(status.last_success.is_some());
        assert!(
            status
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("timed out"))
        );
    }

    /// A collector whose run never finishes: the mock answers synchronously, so this one is by hand.
    struct Hung;

    #[async_trait::async_trait]
    impl crate::Collector for Hung {
        fn name(&self) -> &'static str {
            "hung"
        }

        fn enabled_by_default(&self) -> bool {
            true
        }

        async fn collect(
            &self,
            _ctx: &crate::CollectContext,
        ) -> Result<Collected, crate::CollectError> {
            pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_collector_is_cut_off_by_the_timeout() {
        let publisher = Publisher::new();
        run_once("s", Arc::new(Hung), Duration::from_secs(30), &publisher).await;
        let status = &publisher.snapshot().sites[0].collectors[0];
        assert_eq!(
            status.last_error.as_deref(),
            Some("collection timed out after 30s (0 pages and 0 items read)")
        );
        assert_eq!(status.last_duration, Some(Duration::from_secs(30)));
    }

    /// Reads two pages of 100 jobs, then waits for a third that never comes.
    struct Stalled;

    #[async_trait::async_trait]
    impl crate::Collector for Stalled {
        fn name(&self) -> &'static str {
            "jobs"
        }

        fn enabled_by_default(&self) -> bool {
            true
        }

        async fn collect(
            &self,
            ctx: &crate::CollectContext,
        ) -> Result<Collected, crate::CollectError> {
            ctx.progress.expect_pages(1000);
            for _ in 0..2 {
                ctx.progress.page_read("/admin/jobs", 100);
            }
            ctx.progress.wait("/admin/jobs", true, pending()).await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_timed_out_run_names_what_it_waited_for_and_counts_what_it_read() {
        let publisher = Publisher::new();
        run_once("s", Arc::new(Stalled), Duration::from_secs(50), &publisher).await;
        let status = &publisher.snapshot().sites[0].collectors[0];
        assert_eq!(
            status.last_error.as_deref(),
            Some(
                "collection timed out after 50s waiting for GET /admin/jobs \
                 (page 3; 2 of ~1,000 pages and 200 items read)"
            )
        );
        let text = exposition(&publisher);
        assert!(
            text.contains("nbu_collector_api_requests_total{site=\"s\",collector=\"jobs\"} 2"),
            "{text}"
        );
        assert!(text.contains("nbu_collector_items_total{site=\"s\",collector=\"jobs\"} 200"));
        assert_eq!(
            publisher.progress("s", "jobs"),
            None,
            "no run in flight any more"
        );
    }

    /// A load that reads a page every 20 s, and stops reading after `stall_after` pages if set.
    struct SlowLoad {
        pages: u64,
        long: bool,
        stall_after: Option<u64>,
    }

    #[async_trait::async_trait]
    impl crate::Collector for SlowLoad {
        fn name(&self) -> &'static str {
            "jobs"
        }

        fn enabled_by_default(&self) -> bool {
            true
        }

        async fn collect(
            &self,
            ctx: &crate::CollectContext,
        ) -> Result<Collected, crate::CollectError> {
            if self.long {
                ctx.progress.long_load();
            }
            for page in 0..self.pages {
                if self.stall_after == Some(page) {
                    pending::<()>().await;
                }
                tokio::time::sleep(Duration::from_secs(20)).await;
                ctx.progress.page_read("/admin/jobs", 100);
            }
            Ok(Collected::new(
                FamilySet::new(),
                self.pages,
                self.pages * 100,
            ))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_load_outlasts_the_timeout_while_it_reads_pages() {
        let publisher = Publisher::new();
        let load = SlowLoad {
            pages: 5,
            long: true,
            stall_after: None,
        };
        run_once("s", Arc::new(load), Duration::from_secs(30), &publisher).await;
        let status = &publisher.snapshot().sites[0].collectors[0];
        assert!(status.last_run_succeeded, "{:?}", status.last_error);
        assert_eq!(status.last_duration, Some(Duration::from_secs(100)));
    }

    #[tokio::test(start_paused = true)]
    async fn pages_of_a_long_run_raise_nbu_up_before_the_run_ends() {
        let publisher = Publisher::new();
        publisher.site_contact(
            "s",
            crate::Contact::Failed,
            Some("connection refused"),
            jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1),
        );
        assert!(!publisher.snapshot().sites[0].up());
        let load = SlowLoad {
            pages: 10,
            long: true,
            stall_after: None,
        };
        let running = {
            let publisher = Arc::clone(&publisher);
            tokio::spawn(async move {
                run_once("s", Arc::new(load), Duration::from_secs(30), &publisher).await;
            })
        };
        // The first page comes at 20 s; the run lasts 200 s.
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert!(
            publisher.snapshot().sites[0].up(),
            "an answered page is an answered contact"
        );
        running.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_load_that_stops_reading_is_cut_off_and_other_runs_keep_their_timeout() {
        let publisher = Publisher::new();
        let stalled = SlowLoad {
            pages: 5,
            long: true,
            stall_after: Some(2),
        };
        run_once("s", Arc::new(stalled), Duration::from_secs(30), &publisher).await;
        let status = &publisher.snapshot().sites[0].collectors[0];
        // Pages at 20 s and 40 s: the deadlines at 30 s and 60 s saw new pages, the one at
        // 90 s none.
        assert_eq!(
            status.last_error.as_deref(),
            Some("collection timed out after 90s (2 pages and 200 items read)")
        );

        let publisher = Publisher::new();
        let ordinary = SlowLoad {
            pages: 5,
            long: false,
            stall_after: None,
        };
        run_once("s", Arc::new(ordinary), Duration::from_secs(30), &publisher).await;
        let status = &publisher.snapshot().sites[0].collectors[0];
        assert_eq!(
            status.last_error.as_deref(),
            Some("collection timed out after 30s (1 page and 100 items read)")
        );
    }

    #[tokio::test]
    async fn sites_do_not_share_series() {
        let publisher = Publisher::new();
        for (site, value) in [("b", 2.0), ("a", 1.0)] {
            let mut collector = mock("area");
            collector
                .expect_collect()
                .returning(move |_| Ok(Collected::new(families(value), 1, 1)));
            run_once(
                site,
                Arc::new(collector),
                Duration::from_secs(5),
                &publisher,
            )
            .await;
        }
        publisher.remove_site("b");
        let text = exposition(&publisher);
        assert!(text.contains("nbu_test_value{site=\"a\",k=\"v\"} 1"));
        assert!(
            !text.contains("site=\"b\""),
            "a removed site leaves no series:\n{text}"
        );
    }
}

/// `nbu_up` against a real client: each class of failure, through the client's own error paths.
#[cfg(test)]
mod contact_tests {
    use std::sync::Arc;
    use std::time::Duration;

    use nbu_api::{Client, RetryPolicy};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::{SitePoller, SiteSpec, run_once};
    use crate::{Collector, Publisher, ScheduledCollector, StorageCollector};

    const STORAGE: &str = "/netbackup/storage/storage-units";

    fn client(base: &str, version: Option<&str>) -> Client {
        let builder = Client::builder(&format!("{base}/netbackup"))
            .api_key("unit-test-key")
            .retry(RetryPolicy::default().max_attempts(1))
            .without_rate_limit();
        match version {
            Some(version) => builder.version(version.parse().unwrap()),
            None => builder,
        }
        .build()
        .unwrap()
    }

    fn no_units() -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_raw(
            r#"{"data":[],"meta":{"pagination":{"count":0,"offset":0,"limit":100}}}"#,
            "application/json",
        )
    }

    fn up(publisher: &Publisher) -> bool {
        let text = String::from_utf8_lossy(&publisher.snapshot().exposition).into_owned();
        assert!(text.contains("nbu_up{site=\"s\"}"), "{text}");
        text.contains("nbu_up{site=\"s\"} 1")
    }

    async fn storage_run(publisher: &Publisher, client: &Client) {
        let collector: Arc<dyn Collector> = Arc::new(StorageCollector::new(client.clone()));
        run_once("s", collector, Duration::from_secs(30), publisher).await;
    }

    /// Runs the storage collector once against a good answer, then once against `answer`, and
    /// says whether `nbu_up` is still 1; a third, good run must raise it again.
    async fn up_after(answer: ResponseTemplate) -> bool {
        let server = MockServer::start().await;
        let client = client(&server.uri(), Some("14.0"));
        let publisher = Publisher::new();
        publisher.register_site("s");
        Mock::given(method("GET"))
            .and(path(STORAGE))
            .respond_with(no_units())
            .up_to_n_times(1)
            .mount(&server)
            .await;
        storage_run(&publisher, &client).await;
        assert!(up(&publisher), "a successful run is an answered contact");
        Mock::given(method("GET"))
            .and(path(STORAGE))
            .respond_with(answer)
            .up_to_n_times(1)
            .mount(&server)
            .await;
        storage_run(&publisher, &client).await;
        let after = up(&publisher);
        Mock::given(method("GET"))
            .and(path(STORAGE))
            .respond_with(no_units())
            .mount(&server)
            .await;
        storage_run(&publisher, &client).await;
        assert!(
            up(&publisher),
            "the first answered contact after recovery raises it"
        );
        after
    }

    #[tokio::test]
    async fn site_level_failures_take_nbu_up_down() {
        for status in [401, 502, 503, 504] {
            assert!(
                !up_after(ResponseTemplate::new(status)).await,
                "HTTP {status}"
            );
        }
        let html = ResponseTemplate::new(200)
            .set_body_raw("<html><body>Service unavailable</body></html>", "text/html");
        assert!(!up_after(html).await, "an HTML page instead of JSON");
    }

    #[tokio::test]
    async fn an_endpoints_own_failures_leave_nbu_up_alone() {
        for status in [400, 403, 404, 406, 429, 500] {
            assert!(
                up_after(ResponseTemplate::new(status)).await,
                "HTTP {status}"
            );
        }
        let truncated = ResponseTemplate::new(200)
            .set_body_raw(r#"{"data":[{"type":"storageUnit","#, "application/json");
        assert!(up_after(truncated).await, "a JSON body cut short");
    }

    #[tokio::test]
    async fn an_unreachable_site_is_down() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let publisher = Publisher::new();
        publisher.register_site("s");
        publisher.site_contact("s", crate::Contact::Answered, None, jiff::Timestamp::now());
        storage_run(&publisher, &client(&closed, Some("14.0"))).await;
        assert!(!up(&publisher), "connection refused");
        let site = &publisher.snapshot().sites[0];
        assert!(
            site.error().is_some_and(|e| e.contains("storage-units")),
            "{site:?}"
        );
    }

    #[tokio::test]
    async fn a_run_that_fails_midway_counts_its_requests_and_items() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(STORAGE))
            .and(wiremock::matchers::query_param("page[offset]", "0"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"data":[{"type":"storageUnit","id":"su1","attributes":{}}],
                    "meta":{"pagination":{"count":2,"offset":0,"limit":1}}}"#,
                "application/json",
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(STORAGE))
            .and(wiremock::matchers::query_param("page[offset]", "1"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        let publisher = Publisher::new();
        storage_run(&publisher, &client(&server.uri(), Some("14.0"))).await;
        let text = String::from_utf8_lossy(&publisher.snapshot().exposition).into_owned();
        assert!(
            text.contains("nbu_collector_success{site=\"s\",collector=\"storage\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("nbu_collector_api_requests_total{site=\"s\",collector=\"storage\"} 2"),
            "the answered page and the failed one:\n{text}"
        );
        assert!(text.contains("nbu_collector_items_total{site=\"s\",collector=\"storage\"} 1"));
    }

    fn spec(server: &MockServer, version: Option<&str>, ping_timeout: Duration) -> SiteSpec {
        SiteSpec {
            site: "s".to_owned(),
            client: client(&server.uri(), version),
            collectors: Arc::new(|client: Client| {
                vec![ScheduledCollector::new(
                    Arc::new(StorageCollector::new(client)),
                    Duration::from_secs(3600),
                    Duration::from_secs(30),
                )]
            }),
            ping_interval: Duration::from_millis(50),
            ping_timeout,
        }
    }

    async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
        for _ in 0..400 {
            if done().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("timed out waiting for {what}");
    }

    async fn pings(server: &MockServer) -> usize {
        let requests = server.received_requests().await.unwrap_or_default();
        requests
            .iter()
            .filter(|r| r.url.path() == "/netbackup/ping")
            .count()
    }

    #[tokio::test]
    async fn an_answered_ping_does_not_vouch_for_a_refused_key() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(STORAGE))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/netbackup/ping"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("pong", "text/plain"))
            .mount(&server)
            .await;
        let publisher = Publisher::new();
        let poller = SitePoller::spawn(
            spec(&server, Some("14.0"), Duration::from_secs(5)),
            Arc::clone(&publisher),
        );
        wait_for("three pings", async || pings(&server).await >= 3).await;
        assert!(!up(&publisher));
        assert_eq!(publisher.snapshot().sites[0].contact, Some(false));
        poller.shutdown().await;
    }

    #[tokio::test]
    async fn a_ping_left_unanswered_takes_nbu_up_down() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(STORAGE))
            .respond_with(no_units())
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/netbackup/ping"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
            .mount(&server)
            .await;
        let publisher = Publisher::new();
        let poller = SitePoller::spawn(
            spec(&server, Some("14.0"), Duration::from_millis(100)),
            Arc::clone(&publisher),
        );
        wait_for("the storage run", async || {
            let site = &publisher.snapshot().sites[0];
            site.collectors
                .first()
                .is_some_and(|c| c.last_attempt.is_some())
        })
        .await;
        wait_for("nbu_up 0", async || !up(&publisher)).await;
        let site = publisher.snapshot().sites[0].clone();
        assert!(
            site.error().is_some_and(|e| e.contains("/ping")),
            "{site:?}"
        );
        assert_eq!(
            site.url.as_deref(),
            Some(format!("{}/netbackup", server.uri()).as_str())
        );
        poller.shutdown().await;
    }

    #[tokio::test]
    async fn negotiation_is_a_contact_both_ways() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/netbackup/admin/jobs"))
            .respond_with(ResponseTemplate::new(401))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/netbackup/admin/jobs"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(r#"{"data":[]}"#, "application/json"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(STORAGE))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        let publisher = Publisher::new();
        let refused = spec(&server, None, Duration::from_secs(5));
        assert!(
            SitePoller::collect_once(&refused, &publisher)
                .await
                .is_err()
        );
        let site = publisher.snapshot().sites[0].clone();
        assert_eq!(site.contact, Some(false), "a 401 while negotiating");
        assert!(site.ready(), "a site whose setup failed is ready");

        let accepted = spec(&server, None, Duration::from_secs(5));
        SitePoller::collect_once(&accepted, &publisher)
            .await
            .unwrap();
        assert!(
            up(&publisher),
            "the probe answered; the storage 404 is not the site's"
        );
    }
}
