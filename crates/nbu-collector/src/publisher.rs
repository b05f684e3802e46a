//! The shared, immutable view of everything collected: what `/metrics` and `/health` read.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use bytes::Bytes;
use jiff::{SignedDuration, Timestamp};
use nbu_metrics::{Exposition, FamilySet};

use crate::{Collected, Contact, Progress, ProgressReport};

/// One published state of the exporter: the rendered exposition and the status behind `/health`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Snapshot {
    /// The Prometheus text exposition (format 0.0.4) of every site and the global families.
    pub exposition: Bytes,
    /// Per-site collection status, sorted by site name.
    pub sites: Vec<SiteStatus>,
    /// When this snapshot was published.
    pub published_at: Timestamp,
    encoded: OnceLock<Bytes>,
}

impl Snapshot {
    fn new(exposition: Bytes, sites: Vec<SiteStatus>, published_at: Timestamp) -> Self {
        Self {
            exposition,
            sites,
            published_at,
            encoded: OnceLock::new(),
        }
    }

    /// An alternative encoding of the exposition (e.g. gzip), computed by `encode` at most once per
    /// snapshot so that concurrent scrapes share the work.
    pub fn encoded_with(&self, encode: impl FnOnce(&[u8]) -> Bytes) -> Bytes {
        self.encoded
            .get_or_init(|| encode(&self.exposition))
            .clone()
    }
}

/// The state `/health` and the landing page give a site or a collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    /// Working: every run that finished succeeded or failed only briefly.
    Ok,
    /// Not finished its first run yet (a long first load of the jobs, say).
    Loading,
    /// Needs attention: unreachable, refusing us, or without a success for too long.
    Failing,
}

impl Health {
    /// `ok`, `loading` or `failing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Loading => "loading",
            Self::Failing => "failing",
        }
    }
}

/// How one site is doing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SiteStatus {
    /// The site label.
    pub site: String,
    /// The site's base URL (never with credentials), when the poller has said so.
    pub url: Option<String>,
    /// The negotiated NetBackup API version, once known.
    pub api_version: Option<String>,
    /// Why the site could not be set up (version negotiation failed), if it could not.
    pub setup_error: Option<String>,
    /// Whether the site's API answered our most recent authenticated contact; `None` before any
    /// contact that counts (see [`Contact`]).
    pub contact: Option<bool>,
    /// Why the most recent contact failed, while it has.
    pub contact_error: Option<String>,
    /// Whether setting the site up (negotiating its version) has failed at least once.
    pub setup_failed_once: bool,
    /// Whether the poller has declared the site's collectors (it got past setup).
    pub collectors_registered: bool,
    /// Each collector's latest outcome, sorted by name.
    pub collectors: Vec<CollectorStatus>,
}

impl SiteStatus {
    /// `nbu_up`: the site's API answered our most recent authenticated contact.
    pub fn up(&self) -> bool {
        self.contact == Some(true)
    }

    /// No collector has finished a run yet and nothing has failed: the site is starting.
    pub fn starting(&self) -> bool {
        self.setup_error.is_none() && self.collectors.iter().all(|c| c.last_attempt.is_none())
    }

    /// `failing` when setup failed, the latest contact failed, or a collector is stale at `now`;
    /// else `loading` until every collector has finished its first run; else `ok`.
    pub fn health(&self, now: Timestamp) -> Health {
        if self.setup_error.is_some()
            || self.contact == Some(false)
            || self.collectors.iter().any(|c| c.stale(now))
        {
            Health::Failing
        } else if !self.collectors_registered
            || self
                .collectors
                .iter()
                .any(|c| c.health() == Health::Loading)
        {
            Health::Loading
        } else {
            Health::Ok
        }
    }

    /// Ready for `/-/ready`: every collector has finished its first run (succeeded or failed),
    /// or setting the site up has failed at least once.
    pub fn ready(&self) -> bool {
        self.setup_failed_once
            || (self.collectors_registered
                && self.collectors.iter().all(|c| c.last_attempt.is_some()))
    }

    /// What is wrong with the site as a whole: the setup error, else the failed contact's.
    pub fn error(&self) -> Option<&str> {
        self.setup_error
            .as_deref()
            .or(if self.contact == Some(false) {
                self.contact_error.as_deref()
            } else {
                None
            })
    }
}

/// The latest outcome of one collector of one site.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CollectorStatus {
    /// The collector's name.
    pub name: &'static str,
    /// When its latest run started, if it ran.
    pub last_attempt: Option<Timestamp>,
    /// When its latest successful run started.
    pub last_success: Option<Timestamp>,
    /// Whether the latest run succeeded.
    pub last_run_succeeded: bool,
    /// The latest run's error, when it failed.
    pub last_error: Option<String>,
    /// How long the latest run took.
    pub last_duration: Option<Duration>,
    /// How often the collector runs, when the poller has said so.
    pub interval: Option<Duration>,
}

impl CollectorStatus {
    /// `loading` until its first run finished, then `ok` or `failing` by its latest run.
    pub fn health(&self) -> Health {
        match (self.last_attempt, self.last_run_succeeded) {
            (None, _) => Health::Loading,
            (Some(_), true) => Health::Ok,
            (Some(_), false) => Health::Failing,
        }
    }

    /// Whether the collector has had no successful run for three of its intervals (two missed
    /// runs and the one under way), judged at `now`. A collector that never ran is not stale.
    pub fn stale(&self, now: Timestamp) -> bool {
        if self.last_attempt.is_none() {
            return false;
        }
        let Some(success) = self.last_success else {
            return true;
        };
        let bound = self.interval.map_or(Duration::MAX, |i| i.saturating_mul(3));
        now.duration_since(success).unsigned_abs() > bound
    }
}

#[derive(Default)]
struct CollectorState {
    families: Option<FamilySet>,
    status: Option<CollectorStatus>,
    interval: Option<Duration>,
    api_requests_total: u64,
    items_total: u64,
    rate_limit_wait_total: Duration,
}

#[derive(Default)]
struct SiteState {
    url: Option<String>,
    api_version: Option<String>,
    setup_error: Option<String>,
    setup_failed_once: bool,
    collectors_registered: bool,
    contact: Option<bool>,
    contact_error: Option<String>,
    /// When the contact behind `contact` was made (see [`apply_contact`]).
    contact_at: Option<Timestamp>,
    response_time: Option<Duration>,
    collectors: BTreeMap<&'static str, CollectorState>,
}

#[derive(Default)]
struct State {
    sites: BTreeMap<String, SiteState>,
    global: FamilySet,
}

/// Collects every collector's outcome and republishes the [`Snapshot`] after each change.
///
/// Rendering happens here, once per change, so that serving a scrape is a pointer load.
pub struct Publisher {
    state: Mutex<State>,
    current: ArcSwap<Snapshot>,
    /// The runs in flight, by site and collector: read live, so that following a run costs no
    /// re-rendering.
    running: Mutex<BTreeMap<(String, &'static str), Progress>>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("published_at", &self.current.load().published_at)
            .finish_non_exhaustive()
    }
}

impl Default for Publisher {
    fn default() -> Self {
        Self {
            state: Mutex::new(State::default()),
            running: Mutex::new(BTreeMap::new()),
            current: ArcSwap::from_pointee(Snapshot::new(
                Bytes::new(),
                Vec::new(),
                Timestamp::now(),
            )),
        }
    }
}

impl Publisher {
    /// A publisher with nothing collected yet.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The current snapshot: cheap, never blocks on collection.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Replaces the families that belong to no site (build info, reload status, …).
    pub fn set_global(&self, families: FamilySet) {
        self.update(|state| state.global = families);
    }

    /// Makes `site` known, so that it shows `nbu_up 0` before its first collection.
    pub fn register_site(&self, site: &str) {
        self.update(|state| {
            state.sites.entry(site.to_owned()).or_default();
        });
    }

    /// Records the base URL shown for `site` (it must hold no credentials).
    pub fn set_site_url(&self, site: &str, url: &str) {
        self.update(|state| {
            state.sites.entry(site.to_owned()).or_default().url = Some(url.to_owned());
        });
    }

    /// Forgets `site` and all its series (it left the configuration).
    pub fn remove_site(&self, site: &str) {
        self.update(|state| {
            state.sites.remove(site);
        });
        self.running().retain(|(running, _), _| running != site);
    }

    /// Records what one contact with `site` outside a collector run (negotiation, ping) said
    /// about it; `error` is shown while the contact failed. `at` orders contacts: when the
    /// contact began if it failed, when it was answered if it succeeded (see [`Contact`]).
    pub fn site_contact(&self, site: &str, contact: Contact, error: Option<&str>, at: Timestamp) {
        if contact == Contact::Unchanged {
            return;
        }
        self.update(|state| {
            let entry = state.sites.entry(site.to_owned()).or_default();
            apply_contact(entry, contact, error, at);
        });
    }

    /// Declares that `collector` of `site` started a run reporting to `progress`.
    pub fn run_started(&self, site: &str, collector: &'static str, progress: &Progress) {
        self.running()
            .insert((site.to_owned(), collector), progress.clone());
    }

    /// How far the run in flight of `collector` of `site` has got, if one is in flight.
    pub fn progress(&self, site: &str, collector: &'static str) -> Option<ProgressReport> {
        self.running()
            .get(&(site.to_owned(), collector))
            .map(Progress::report)
    }

    fn running(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, &'static str), Progress>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Declares the collectors `site` runs now, with their intervals; the series of any other
    /// collector of the site (switched off by a reload) are dropped.
    pub fn register_collectors(&self, site: &str, collectors: &[(&'static str, Duration)]) {
        self.update(|state| {
            let entry = state.sites.entry(site.to_owned()).or_default();
            entry
                .collectors
                .retain(|name, _| collectors.iter().any(|(wanted, _)| wanted == name));
            for (name, interval) in collectors {
                entry.collectors.entry(name).or_default().interval = Some(*interval);
            }
            entry.collectors_registered = true;
        });
    }

    /// Records the API version negotiated for `site` and clears any earlier setup error.
    pub fn site_connected(&self, site: &str, api_version: &str) {
        self.update(|state| {
            let entry = state.sites.entry(site.to_owned()).or_default();
            entry.api_version = Some(api_version.to_owned());
            entry.setup_error = None;
        });
    }

    /// Records why `site` could not be set up (negotiation failed); its last data stays, stale.
    pub fn site_setup_failed(&self, site: &str, error: &str) {
        self.update(|state| {
            let entry = state.sites.entry(site.to_owned()).or_default();
            entry.setup_error = Some(error.to_owned());
            entry.setup_failed_once = true;
            for collector in entry.collectors.values_mut() {
                if let Some(status) = collector.status.as_mut() {
                    status.last_run_succeeded = false;
                }
            }
        });
    }

    /// Records the latency of the site's cheapest API call (`nbu_response_time_ms`).
    pub fn site_response_time(&self, site: &str, elapsed: Duration) {
        self.update(|state| {
            state
                .sites
                .entry(site.to_owned())
                .or_default()
                .response_time = Some(elapsed);
        });
    }

    /// Records one collector run. A successful run is an answered contact with the site (see
    /// [`Contact`]); a failed run keeps the families of the last successful one, moves `nbu_up`
    /// as its [`RunFailure::contact`] says, and still counts its requests and items.
    pub fn record(
        &self,
        site: &str,
        collector: &'static str,
        started: Timestamp,
        duration: Duration,
        outcome: Result<Collected, RunFailure>,
    ) {
        self.running().remove(&(site.to_owned(), collector));
        self.update(|state| {
            let site_state = state.sites.entry(site.to_owned()).or_default();
            let contact_error = outcome.as_ref().err().map(|f| f.error.clone());
            let contact = match &outcome {
                Ok(_) => Contact::Answered,
                Err(failure) => failure.contact,
            };
            // A successful run was last answered at its end; a failed one began its failing
            // request no earlier than the run itself.
            let at = match &outcome {
                Ok(_) => SignedDuration::try_from(duration)
                    .ok()
                    .and_then(|d| started.checked_add(d).ok())
                    .unwrap_or(started),
                Err(_) => started,
            };
            apply_contact(site_state, contact, contact_error.as_deref(), at);
            let entry = site_state.collectors.entry(collector).or_default();
            let previous_success = entry.status.as_ref().and_then(|s| s.last_success);
            let (succeeded, error) = match outcome {
                Ok(collected) => {
                    entry.families = Some(collected.families);
                    entry.api_requests_total += collected.api_requests;
                    entry.items_total += collected.items;
                    entry.rate_limit_wait_total += collected.rate_limit_wait;
                    (true, None)
                }
                Err(failure) => {
                    entry.api_requests_total += failure.api_requests;
                    entry.items_total += failure.items;
                    entry.rate_limit_wait_total += failure.rate_limit_wait;
                    (false, Some(failure.error))
                }
            };
            entry.status = Some(CollectorStatus {
                name: collector,
                last_attempt: Some(started),
                last_success: if succeeded {
                    Some(started)
                } else {
                    previous_success
                },
                last_run_succeeded: succeeded,
                last_error: error,
                last_duration: Some(duration),
                interval: entry.interval,
            });
        });
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        // A panic elsewhere while holding the lock leaves plain data behind; keep serving it.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut state);
        let snapshot = render(&state, Timestamp::now());
        // Storing under the lock keeps snapshots in the order of the changes that made them.
        self.current.store(Arc::new(snapshot));
    }
}

/// Applies a contact unless a later one is known already: a request that began before an answer
/// arrived (a ping stalled since before an outage ended) says nothing about the site now.
fn apply_contact(site: &mut SiteState, contact: Contact, error: Option<&str>, at: Timestamp) {
    if contact == Contact::Unchanged || site.contact_at.is_some_and(|latest| at < latest) {
        return;
    }
    site.contact_at = Some(at);
    match contact {
        Contact::Answered => {
            site.contact = Some(true);
            site.contact_error = None;
        }
        Contact::Failed => {
            site.contact = Some(false);
            site.contact_error = error.map(str::to_owned);
        }
        Contact::Unchanged => {}
    }
}

/// Why a collector run failed, and what it did before failing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunFailure {
    /// The error, as shown in `/health` and the landing page.
    pub error: String,
    /// What the failure says about the site as a whole (`nbu_up`).
    pub contact: Contact,
    /// Requests the run issued before it failed.
    pub api_requests: u64,
    /// Items it decoded before it failed.
    pub items: u64,
    /// Time its requests spent waiting for the client's rate limiters.
    pub rate_limit_wait: Duration,
}

impl RunFailure {
    /// A failure with `error` that leaves `nbu_up` unchanged and counts nothing.
    pub fn new(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            contact: Contact::Unchanged,
            api_requests: 0,
            items: 0,
            rate_limit_wait: Duration::ZERO,
        }
    }

    /// The same failure, saying `contact` about the site.
    #[must_use]
    pub fn with_contact(mut self, contact: Contact) -> Self {
        self.contact = contact;
        self
    }

    /// The same failure, having issued `api_requests` requests and decoded `items` items.
    #[must_use]
    pub fn with_counts(mut self, api_requests: u64, items: u64) -> Self {
        self.api_requests = api_requests;
        self.items = items;
        self
    }

    /// The same failure, its requests having waited `waited` for the rate limiters.
    #[must_use]
    pub fn with_rate_limit_wait(mut self, waited: Duration) -> Self {
        self.rate_limit_wait = waited;
        self
    }
}

fn render(state: &State, now: Timestamp) -> Snapshot {
    let mut exposition = Exposition::new();
    let mut statuses = Vec::with_capacity(state.sites.len());
    for (site, site_state) in &state.sites {
        let status = site_status(site, site_state);
        let self_metrics = self_metrics(&status, site_state);
        exposition.site(site, &self_metrics);
        for collector in site_state.collectors.values() {
            if let Some(families) = &collector.families {
                exposition.site(site, families);
            }
        }
        statuses.push(status);
    }
    exposition.global(&state.global);
    Snapshot::new(Bytes::from(exposition.render()), statuses, now)
}

fn site_status(site: &str, state: &SiteState) -> SiteStatus {
    SiteStatus {
        site: site.to_owned(),
        url: state.url.clone(),
        api_version: state.api_version.clone(),
        setup_error: state.setup_error.clone(),
        contact: state.contact,
        contact_error: state.contact_error.clone(),
        setup_failed_once: state.setup_failed_once,
        collectors_registered: state.collectors_registered,
        collectors: state
            .collectors
            .iter()
            .map(|(name, c)| {
                let mut status = c.status.clone().unwrap_or(CollectorStatus {
                    name,
                    last_attempt: None,
                    last_success: None,
                    last_run_succeeded: false,
                    last_error: None,
                    last_duration: None,
                    interval: None,
                });
                status.interval = c.interval;
                status
            })
            .collect(),
    }
}

fn seconds(ts: Timestamp) -> f64 {
    ts.as_millisecond() as f64 / 1000.0
}

/// The exporter's own view of a site: `nbu_up`, API version, and per-collector health.
fn self_metrics(status: &SiteStatus, state: &SiteState) -> FamilySet {
    let mut set = FamilySet::new();
    set.gauge(
        "nbu_up",
        "1 when this NetBackup site's API answered the exporter's most recent authenticated \
         request; 0 when that request found it unreachable or was refused, or before any.",
    )
    .push(vec![], if status.up() { 1.0 } else { 0.0 });
    if let Some(version) = &status.api_version {
        set.gauge(
            "nbu_api_version",
            "The NetBackup API version negotiated with this site (always 1).",
        )
        .push(vec![("version", version.clone())], 1.0);
    }
    if let Some(elapsed) = state.response_time {
        set.gauge(
            "nbu_response_time_ms",
            "Latency of the latest /ping to this site, in milliseconds.",
        )
        .push(vec![], elapsed.as_secs_f64() * 1000.0);
    }
    for c in &status.collectors {
        if let Some(success) = c.last_success {
            set.gauge(
                "nbu_last_scrape_timestamp_seconds",
                "When the latest successful collection of this source started (Unix seconds).",
            )
            .push(vec![("source", c.name.to_owned())], seconds(success));
        }
    }
    for (name, collector) in &state.collectors {
        let Some(run) = &collector.status else {
            continue;
        };
        let label = || vec![("collector", (*name).to_owned())];
        set.gauge(
            "nbu_collector_success",
            "1 when the collector's latest run succeeded.",
        )
        .push(label(), if run.last_run_succeeded { 1.0 } else { 0.0 });
        let stale = !run.last_run_succeeded && collector.families.is_some();
        set.gauge(
            "nbu_collector_stale",
            "1 when the collector's series come from an earlier run because the latest one failed.",
        )
        .push(label(), if stale { 1.0 } else { 0.0 });
        if let Some(duration) = run.last_duration {
            set.gauge(
                "nbu_collector_duration_seconds",
                "How long the collector's latest run took.",
            )
            .push(label(), duration.as_secs_f64());
        }
        if let Some(success) = run.last_success {
            set.gauge(
                "nbu_collector_last_success_timestamp_seconds",
                "When the collector's latest successful run started (Unix seconds).",
            )
            .push(label(), seconds(success));
        }
        set.counter(
            "nbu_collector_api_requests_total",
            "NetBackup API requests answered or failed in the collector's runs, failed and \
             timed-out runs included (retries inside the client excluded).",
        )
        .push(label(), collector.api_requests_total as f64);
        set.counter(
            "nbu_collector_items_total",
            "Items (jobs, storage units, …) decoded by the collector's runs, failed and timed-out \
             runs included.",
        )
        .push(label(), collector.items_total as f64);
        set.counter(
            "nbu_collector_rate_limit_wait_seconds_total",
            "Time the collector's requests spent waiting for the site's client-side rate limit \
             (and the background share of it), failed and timed-out runs included.",
        )
        .push(label(), collector.rate_limit_wait_total.as_secs_f64());
    }
    set
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jiff::Timestamp;
    use nbu_metrics::FamilySet;

    use super::{Publisher, RunFailure};
    use crate::Collected;

    #[test]
    fn exposition_of_a_site_with_self_metrics() {
        let publisher = Publisher::new();
        let mut global = FamilySet::new();
        global
            .gauge("nbu_exporter_build_info", "Build information.")
            .push(vec![("version", "0.0.0".to_owned())], 1.0);
        publisher.set_global(global);
        publisher.register_site("dc1");
        publisher.site_connected("dc1", "14.0");
        publisher.site_response_time("dc1", Duration::from_millis(12));
        let mut families = FamilySet::new();
        families
            .gauge("nbu_jobs_count", "Jobs.")
            .push(vec![("action", "BACKUP".to_owned())], 4.0);
        let started: Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let mut collected = Collected::new(families, 2, 4);
        collected.rate_limit_wait = Duration::from_millis(1250);
        publisher.record(
            "dc1",
            "jobs",
            started,
            Duration::from_millis(1500),
            Ok(collected),
        );
        publisher.record(
            "dc1",
            "storage",
            started,
            Duration::from_millis(250),
            Err(RunFailure::new("HTTP 503").with_rate_limit_wait(Duration::from_millis(100))),
        );
        let text = String::from_utf8_lossy(&publisher.snapshot().exposition).into_owned();
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_site_before_its_first_collection_is_down_and_starting() {
        let publisher = Publisher::new();
        publisher.register_site("dc1");
        let snapshot = publisher.snapshot();
        assert!(snapshot.sites[0].starting());
        assert!(!snapshot.sites[0].up());
        assert!(String::from_utf8_lossy(&snapshot.exposition).contains("nbu_up{site=\"dc1\"} 0"));
    }
}

#[cfg(test)]
mod staleness_tests {
    use std::time::Duration;

    use jiff::{SignedDuration, Timestamp};

    use super::{Publisher, RunFailure};
    use crate::Collected;

    #[test]
    fn a_contact_that_began_before_a_later_answer_does_not_take_the_site_down() {
        let publisher = Publisher::new();
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let at = |secs| t0 + SignedDuration::from_secs(secs);
        // A ping stalls from t0 (the outage), the outage ends, a jobs run is answered at t0+50,
        // and only then does the stalled ping time out.
        publisher.record(
            "s",
            "jobs",
            at(45),
            Duration::from_secs(5),
            Ok(Collected::default()),
        );
        publisher.site_contact("s", crate::Contact::Failed, Some("/ping: no answer"), at(0));
        assert!(
            publisher.snapshot().sites[0].up(),
            "the later answer stands"
        );

        // A contact that begins after the answer does count.
        publisher.site_contact(
            "s",
            crate::Contact::Failed,
            Some("/ping: no answer"),
            at(60),
        );
        assert!(!publisher.snapshot().sites[0].up());
        publisher.record(
            "s",
            "jobs",
            at(100),
            Duration::from_secs(1),
            Ok(Collected::default()),
        );
        assert!(publisher.snapshot().sites[0].up());
    }

    #[test]
    fn a_collector_is_stale_after_three_intervals_without_success() {
        let publisher = Publisher::new();
        publisher.register_collectors("s", &[("jobs", Duration::from_secs(60))]);
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let status = |publisher: &Publisher| publisher.snapshot().sites[0].collectors[0].clone();
        assert!(
            !status(&publisher).stale(start),
            "a collector that never ran is not stale"
        );

        publisher.record(
            "s",
            "jobs",
            start,
            Duration::from_secs(1),
            Ok(Collected::default()),
        );
        publisher.record(
            "s",
            "jobs",
            start + SignedDuration::from_secs(60),
            Duration::from_secs(1),
            Err(RunFailure::new("503")),
        );
        assert!(
            !status(&publisher).stale(start + SignedDuration::from_secs(179)),
            "one failed run is not stale"
        );
        assert!(status(&publisher).stale(start + SignedDuration::from_secs(181)));
    }

    #[test]
    fn collectors_switched_off_lose_their_series() {
        let publisher = Publisher::new();
        let mut families = nbu_metrics::FamilySet::new();
        families
            .gauge("nbu_tape_robot_device_hosts", "Hosts.")
            .push(vec![], 2.0);
        publisher.register_collectors(
            "s",
            &[
                ("jobs", Duration::from_secs(60)),
                ("tape", Duration::from_secs(300)),
            ],
        );
        publisher.record(
            "s",
            "tape",
            Timestamp::now(),
            Duration::from_secs(1),
            Ok(Collected::new(families, 1, 2)),
        );
        assert!(
            String::from_utf8_lossy(&publisher.snapshot().exposition)
                .contains("nbu_tape_robot_device_hosts")
        );

        publisher.register_collectors("s", &[("jobs", Duration::from_secs(60))]);
        let text = String::from_utf8_lossy(&publisher.snapshot().exposition).into_owned();
        assert!(!text.contains("tape"), "{text}");
    }
}
