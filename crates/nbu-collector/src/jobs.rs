//! Backup jobs, collected incrementally into a sliding window.
//!
//! The first run (and a periodic full re-sync) loads every job updated within the window, split into
//! time slices walked in parallel, plus every job not yet done, however old its last update. Later
//! runs ask only for jobs updated since the watermark minus an overlap, and upsert them: API load
//! follows the rate of change, not the size of the window. The watermark is the server's clock
//! (the HTTP `Date`) when the previous walk began, or, from a server that sends no `Date`, the
//! newest `lastUpdateTime` read; never the exporter's clock.
//!
//! A full load may outlast the collection timeout while it keeps reading pages (the poller lets a
//! [long load](crate::Progress::long_load) run on). It remembers how far each slice has been read,
//! so one cut off all the same (an error, a stall) continues where it stopped on the next run
//! instead of starting over. Its open-ended slices end at the jobs updated after it began, which
//! the first incremental run reads. When it completes, unfinished jobs it no longer found are
//! dropped: they finished or vanished while unobserved, or moved past its start, and then the next
//! run reads them again.
//!
//! With a client allowlist (`collectors.perClient`), the per-client families come from the same
//! window; only the latest successful backup of each listed client, which may lie far before the
//! window, costs one single-job query per client, and only on full loads: in between, the window
//! moves it forward.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt, stream};
use jiff::{SignedDuration, Timestamp};
use nbu_api::models::{JobSummary, Listed};
use nbu_api::{Client, Filter, JobsQuery, Page, Sort};
use nbu_metrics::optional::{ClientBackupRow, client_backup_families};
use nbu_metrics::{FamilySet, JobWindow};
use tokio::sync::Mutex;
use tracing::{debug, warn};

use crate::map::job_observation;
use crate::{CollectContext, CollectError, Collected, Collector, Progress};

/// The endpoint every request of this collector goes to, as progress names it.
const JOBS: &str = "/admin/jobs";

/// How the jobs collector walks the API.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JobsSettings {
    /// The job look-back window (the Go exporter's `scrapingInterval`).
    pub window: SignedDuration,
    /// How far before the watermark an incremental run starts, to catch jobs whose update landed
    /// while the previous run was reading.
    pub overlap: SignedDuration,
    /// Requests in flight during a full load. The window is cut into
    /// `slices × SLICES_PER_STREAM` time slices, walked `slices` at a time.
    pub slices: usize,
    /// How often a full load replaces incremental runs, to heal anything missed.
    pub full_resync_every: SignedDuration,
    /// The clients whose per-client families are exported (`collectors.perClient.allowlist`);
    /// `None` leaves those families out altogether.
    pub client_allowlist: Option<Vec<String>>,
}

impl Default for JobsSettings {
    fn default() -> Self {
        Self {
            window: SignedDuration::from_hours(1),
            overlap: SignedDuration::from_secs(10),
            slices: 8,
            full_resync_every: SignedDuration::from_hours(1),
            client_allowlist: None,
        }
    }
}

impl JobsSettings {
    /// Settings for a look-back `window`, other values at their defaults.
    pub fn with_window(window: Duration) -> Self {
        Self {
            window: SignedDuration::try_from(window).unwrap_or(SignedDuration::MAX),
            ..Self::default()
        }
    }
}

/// Time slices per concurrent request of a full load. Jobs bunch up in backup windows: with as
/// many slices as requests in flight, the busiest slice (a fifth of the jobs in a nightly window)
/// would bound the whole load; smaller slices let the other streams take over the rest.
pub const SLICES_PER_STREAM: usize = 4;

/// Jobs in one page of `GET /admin/jobs` (the documented maximum, which the client asks for).
const JOBS_PAGE: u64 = 100;

/// The job type of backups (`jobType`), the one the last-successful-backup family follows.
const BACKUP: &str = "BACKUP";

/// Per-client queries in flight at once.
const CLIENT_QUERIES_IN_FLIGHT: usize = 4;

/// How far one slice of a full load has been read: every job before the position has been.
///
/// NetBackup orders jobs by one sort key only, and many jobs can share one `lastUpdateTime` (a bulk
/// update after a backup window stamps thousands at once). Resuming at "the newest update read"
/// would re-read such an instant from its start on every run and never get past it when it holds
/// more jobs than one run can read; so the instant is finished in job-id order, which is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Nothing read yet: jobs updated at or after this time (any time when `None`).
    From(Option<Timestamp>),
    /// The jobs updated at exactly `at` are read in job-id order; those up to `after` have been
    /// (none yet when `None`). Everything updated later follows.
    Within { at: Timestamp, after: Option<i64> },
    /// Everything updated up to and including this instant has been read.
    After(Timestamp),
}

impl Position {
    /// The earliest update time the slice still reads, if bounded.
    fn floor(self) -> Option<Timestamp> {
        match self {
            Self::From(from) => from,
            Self::Within { at, .. } | Self::After(at) => Some(at),
        }
    }
}

/// One query of a full load and how far it has been read.
#[derive(Debug, Clone)]
struct Slice {
    position: Position,
    /// Exclusive upper bound of `lastUpdateTime`; the last time slice has none.
    to: Option<Timestamp>,
    /// Jobs not yet done, whatever their age.
    unfinished_only: bool,
    /// Read to its end: a resumed load skips it.
    done: bool,
}

impl Slice {
    fn filter(&self, bounds: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        let state = self.unfinished_only.then(|| Filter::ne("state", "DONE"));
        state.into_iter().chain(bounds).reduce(Filter::and)
    }

    /// The rest of the instant the slice stopped inside, in job-id order; `None` when the slice
    /// did not stop inside one.
    fn within_query(&self) -> Option<JobsQuery> {
        let Position::Within { at, after } = self.position else {
            return None;
        };
        let bounds = [
            Some(Filter::eq("lastUpdateTime", at)),
            after.map(|id| Filter::gt("jobId", id)),
        ];
        let query = JobsQuery::new().sort(Sort::asc("jobId"));
        Some(match self.filter(bounds.into_iter().flatten()) {
            Some(filter) => query.filter(filter),
            None => query,
        })
    }

    /// Everything after the position, up to the slice's end, in update order.
    fn main_query(&self) -> JobsQuery {
        let lower = match self.position {
            Position::From(from) => from.map(|from| Filter::ge("lastUpdateTime", from)),
            Position::Within { at, .. } | Position::After(at) => {
                Some(Filter::gt("lastUpdateTime", at))
            }
        };
        let upper = self.to.map(|to| Filter::lt("lastUpdateTime", to));
        JobsCollector::query(self.filter([lower, upper].into_iter().flatten()))
    }
}

/// What a full load's merged page stream yields for one slice.
enum SliceEvent {
    /// A page of the instant the slice had stopped inside (job-id order).
    WithinPage(Page<Listed<JobSummary>>),
    /// That instant has been read to its end.
    WithinDone,
    /// A page of the rest of the slice (update order).
    MainPage(Page<Listed<JobSummary>>),
    /// The slice has been read to its end.
    Done,
}

/// A full load in progress, possibly across several runs.
#[derive(Debug)]
struct FullLoad {
    started: Timestamp,
    slices: Vec<Slice>,
    /// The server's clock when the load began (the earliest `Date` of its pages).
    server_start: Option<Timestamp>,
    /// The newest plausible `lastUpdateTime` read so far: the watermark when the server sends no
    /// `Date`.
    newest: Option<Timestamp>,
    /// Unfinished jobs of the window when the load began that it has not read yet.
    unconfirmed: BTreeSet<i64>,
    /// The pages the whole load reads, estimated from the count request, if it answered.
    expected_pages: Option<u64>,
    /// The pages read so far, over every run of the load.
    pages_read: u64,
}

struct State {
    window: JobWindow,
    watermark: Option<Timestamp>,
    last_full_load: Option<Timestamp>,
    full_load: Option<FullLoad>,
    /// End of the latest successful backup of each allowlisted client, as last queried; a client
    /// without one on record has no entry.
    client_backups: BTreeMap<String, Timestamp>,
}

/// Collects `GET /admin/jobs` into the job families.
pub struct JobsCollector {
    client: Client,
    settings: JobsSettings,
    state: Mutex<State>,
}

impl std::fmt::Debug for JobsCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobsCollector")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl JobsCollector {
    /// A jobs collector reading through `client`.
    pub fn new(client: Client, settings: JobsSettings) -> Self {
        let window = JobWindow::new(settings.window);
        Self {
            client,
            settings,
            state: Mutex::new(State {
                window,
                watermark: None,
                last_full_load: None,
                full_load: None,
                client_backups: BTreeMap::new(),
            }),
        }
    }

    fn full_load_due(&self, state: &State, now: Timestamp) -> bool {
        match (state.watermark, state.last_full_load) {
            (Some(_), Some(last)) => now.duration_since(last) >= self.settings.full_resync_every,
            _ => true,
        }
    }

    /// A full load: `[now − window, now)` cut into equal slices, the last one open-ended so that a
    /// job stamped after our clock (server clock ahead) is not lost, plus the unfinished jobs.
    fn plan_full_load(
        &self,
        state: &State,
        now: Timestamp,
        expected_jobs: Option<u64>,
    ) -> FullLoad {
        // Never more slices than pages: each slice costs at least one request of its own.
        let pages = expected_jobs.map_or(usize::MAX, |jobs| {
            usize::try_from(jobs.div_ceil(JOBS_PAGE)).unwrap_or(usize::MAX)
        });
        let count = self
            .settings
            .slices
            .max(1)
            .saturating_mul(SLICES_PER_STREAM)
            .min(pages.max(1));
        let from = now
            .checked_sub(self.settings.window)
            .unwrap_or(Timestamp::MIN);
        let step = now.duration_since(from) / i32::try_from(count).unwrap_or(i32::MAX);
        let mut slices: Vec<Slice> = (0..count)
            .map(|i| {
                let start = from + step * i32::try_from(i).unwrap_or(i32::MAX);
                Slice {
                    position: Position::From(Some(start)),
                    to: (i + 1 < count).then(|| start + step),
                    unfinished_only: false,
                    done: false,
                }
            })
            .collect();
        slices.push(Slice {
            position: Position::From(None),
            to: None,
            unfinished_only: true,
            done: false,
        });
        FullLoad {
            started: now,
            slices,
            server_start: None,
            newest: None,
            unconfirmed: state.window.unfinished_job_ids().collect(),
            expected_pages: expected_jobs.map(|jobs| jobs.div_ceil(JOBS_PAGE)),
            pages_read: 0,
        }
    }

    /// A `lastUpdateTime` that may move the watermark: one far in the future (a broken server
    /// clock or record) would blind every later incremental run.
    fn plausible(&self, update: Timestamp, now: Timestamp) -> bool {
        now.checked_add(self.settings.window)
            .is_ok_and(|limit| update <= limit)
    }

    /// Reads the remaining part of the full load in progress. Progress is saved page by page, so a
    /// run cut off by the timeout leaves a load that the next run continues.
    async fn continue_full_load(
        &self,
        state: &mut State,
        now: Timestamp,
        progress: &Progress,
    ) -> Result<(u64, u64), CollectError> {
        let State {
            window, full_load, ..
        } = state;
        let Some(load) = full_load.as_mut() else {
            return Ok((0, 0));
        };
        progress.long_load();
        // What this run still has to read, in every run of a load, not only the one that
        // counted: "loading: 312 of ~480 pages" after a first run that read 520 of 1,000.
        if let Some(expected) = load.expected_pages {
            progress.expect_pages(expected.saturating_sub(load.pages_read).max(1));
        }
        let mut requests = 0_u64;
        // Set when an open-ended slice has caught up with the load's start: see below.
        let caught_up: Vec<Arc<AtomicBool>> = load
            .slices
            .iter()
            .map(|_| Arc::new(AtomicBool::new(false)))
            .collect();
        let streams: Vec<_> = load
            .slices
            .iter()
            .enumerate()
            .filter(|(_, slice)| !slice.done)
            .map(|(index, slice)| {
                let stop = caught_up.get(index).cloned().unwrap_or_default();
                let within = match slice.within_query() {
                    Some(query) => self
                        .client
                        .job_summaries(&query)
                        .map_ok(SliceEvent::WithinPage)
                        .chain(stream::once(async { Ok(SliceEvent::WithinDone) }))
                        .left_stream(),
                    None => stream::empty().right_stream(),
                };
                let main = self
                    .client
                    .job_summaries(&slice.main_query())
                    .map_ok(SliceEvent::MainPage);
                // `Done` marks the end of a slice, so that a resumed load skips it.
                let end = stream::once(async { Ok(SliceEvent::Done) });
                Box::pin(
                    within
                        .chain(main)
                        .chain(end)
                        .take_while(move |_| std::future::ready(!stop.load(Ordering::Relaxed)))
                        .map_ok(move |event| (index, event)),
                )
            })
            .collect();
        // Streams start lazily: at most `slices` of them have a request in flight.
        let mut events = stream::iter(streams).flatten_unordered(self.settings.slices.max(1));
        let mut items = 0_u64;
        loop {
            let next = progress.wait(JOBS, true, events.try_next()).await;
            let (index, event) = match next {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(error) => {
                    progress.request_failed();
                    return Err(error.into());
                }
            };
            let Some(slice) = load.slices.get_mut(index) else {
                continue;
            };
            let (page, within) = match event {
                SliceEvent::WithinPage(page) => (page, true),
                SliceEvent::MainPage(page) => (page, false),
                SliceEvent::WithinDone => {
                    if let Position::Within { at, .. } = slice.position {
                        slice.position = Position::After(at);
                    }
                    continue;
                }
                SliceEvent::Done => {
                    slice.done = true;
                    continue;
                }
            };
            requests += 1;
            load.pages_read += 1;
            progress.page_read(JOBS, page.items.len() as u64);
            load.server_start = match (load.server_start, page.server_time) {
                (Some(known), Some(time)) => Some(known.min(time)),
                (known, time) => known.or(time),
            };
            let mut newest_in_page = None;
            let mut oldest_in_page: Option<Timestamp> = None;
            let mut last_id = None;
            for job in page.items {
                items += 1;
                let Some(observation) = job_observation(job) else {
                    continue;
                };
                load.unconfirmed.remove(&observation.job_id);
                last_id = last_id.max(Some(observation.job_id));
                if let Some(update) = observation.last_update {
                    newest_in_page = newest_in_page.max(Some(update));
                    oldest_in_page = Some(oldest_in_page.map_or(update, |o| o.min(update)));
                    if self.plausible(update, now) {
                        load.newest = load.newest.max(Some(update));
                    }
                }
                window.upsert(&observation);
            }
            // Saved page by page, so that a run cut off here resumes exactly here.
            slice.position = match (slice.position, within) {
                (Position::Within { at, after }, true) => Position::Within {
                    at,
                    after: after.max(last_id),
                },
                // Every job updated before the newest instant of an update-ordered page has been
                // read; of that instant, only some may have been.
                (position, _) => newest_in_page
                    .filter(|newest| position.floor().is_none_or(|floor| *newest >= floor))
                    .map_or(position, |at| Position::Within { at, after: None }),
            };
            // An open-ended slice (the newest time slice, the unfinished jobs) that reaches jobs
            // updated after the load began is done: the first incremental run reads from the
            // server's clock at that start. Read on, it would chase the jobs that running backups
            // update every few seconds, and never end while they outpace the rate limit. The
            // `Date` has whole seconds: only a later second is surely after the start.
            let past_start = load
                .server_start
                .zip(oldest_in_page)
                .is_some_and(|(start, oldest)| oldest > start);
            if slice.to.is_none() && !within && past_start {
                slice.done = true;
                if let Some(stop) = caught_up.get(index) {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        if let Some(load) = full_load.take() {
            for job_id in load.unconfirmed {
                window.remove(job_id, now);
            }
            state.watermark = load
                .server_start
                .or(load.newest)
                .or(load.slices.first().and_then(|s| s.position.floor()));
            state.last_full_load = Some(load.started);
        }
        Ok((requests, items))
    }

    /// Reads the jobs updated since the watermark (less the overlap).
    async fn incremental(
        &self,
        state: &mut State,
        now: Timestamp,
        progress: &Progress,
    ) -> Result<(u64, u64), CollectError> {
        let since = state
            .watermark
            .and_then(|w| w.checked_sub(self.settings.overlap).ok())
            .unwrap_or(Timestamp::MIN);
        let mut pages = std::pin::pin!(
            self.client
                .job_summaries(&Self::query(Some(Filter::ge("lastUpdateTime", since))))
        );
        let (mut requests, mut items) = (0_u64, 0_u64);
        let mut newest = state.watermark;
        let mut server_start = None;
        while let Some(page) = progress.page(JOBS, pages.try_next()).await? {
            requests += 1;
            server_start = server_start.or(page.server_time);
            for job in page.items {
                items += 1;
                let Some(observation) = job_observation(job) else {
                    continue;
                };
                if let Some(update) = observation.last_update.filter(|u| self.plausible(*u, now)) {
                    newest = newest.max(Some(update));
                }
                state.window.upsert(&observation);
            }
        }
        // Only a run that read everything may move the watermark: a cut-off run is redone. The
        // server's clock when the walk began is the safe watermark: everything updated before it
        // has been read, and a change already read is not read again by the next run.
        state.watermark = server_start.or(newest);
        Ok((requests, items))
    }

    /// Asks, for each of `clients`, for its latest successful backup, a few at a time; updates
    /// `backups` with every answer and returns the requests made. A failed query keeps the
    /// client's previous value: per-client data must not fail the job families.
    async fn refresh_client_backups(
        &self,
        clients: &[String],
        backups: &mut BTreeMap<String, Timestamp>,
        progress: &Progress,
    ) -> u64 {
        // Owned names: a closure over borrowed ones trips the `Send` check of the boxed future.
        let answers: Vec<_> = stream::iter(clients.iter().cloned())
            .map(|client: String| async move {
                let filter = Filter::eq("clientName", client.as_str())
                    .and(Filter::eq("jobType", BACKUP))
                    .and(Filter::eq("state", "DONE"))
                    .and(Filter::eq("status", 0));
                let query = JobsQuery::new()
                    .filter(filter)
                    .sort(Sort::desc("lastUpdateTime"))
                    .page_limit(1);
                let mut pages = std::pin::pin!(self.client.job_summaries(&query));
                (client, progress.page(JOBS, pages.try_next()).await)
            })
            .buffer_unordered(CLIENT_QUERIES_IN_FLIGHT)
            .collect()
            .await;
        let mut requests = 0;
        for (client, answer) in answers {
            match answer {
                Ok(page) => {
                    requests += 1;
                    let end = page
                        .and_then(|p| p.items.into_iter().next())
                        .and_then(|job| job.end_time);
                    match end {
                        Some(end) => backups.insert(client, end),
                        None => backups.remove(&client),
                    };
                }
                Err(error) => {
                    warn!(client = %client, %error, "latest successful backup not read; keeping the previous value")
                }
            }
        }
        requests
    }

    /// The per-client families, when an allowlist is configured.
    fn client_families(&self, state: &State, now: Timestamp) -> Option<FamilySet> {
        let allowlist = self.settings.client_allowlist.as_deref()?;
        let families = state.window.client_families(now, allowlist);
        // Jobs that ended since the latest query move the last successful backup forward.
        let mut backups = state.client_backups.clone();
        for (key, end) in &families.last_success {
            if key.action == BACKUP {
                let latest = backups.entry(key.client.clone()).or_insert(*end);
                *latest = (*latest).max(*end);
            }
        }
        let rows: Vec<ClientBackupRow> = allowlist
            .iter()
            .map(|client| ClientBackupRow {
                client: client.clone(),
                last_success_end: backups.get(client).copied(),
            })
            .collect();
        let mut set = FamilySet::from(&families);
        set.merge(client_backup_families(&rows));
        Some(set)
    }

    fn query(filter: Option<Filter>) -> JobsQuery {
        // Ascending by update time: a job that changes during the walk moves behind the cursor's
        // position and is read again, instead of being skipped.
        let query = JobsQuery::new().sort(Sort::asc("lastUpdateTime"));
        match filter {
            Some(filter) => query.filter(filter),
            None => query,
        }
    }
}

#[async_trait]
impl Collector for JobsCollector {
    fn name(&self) -> &'static str {
        "jobs"
    }

    fn enabled_by_default(&self) -> bool {
        true
    }

    async fn collect(&self, ctx: &CollectContext) -> Result<Collected, CollectError> {
        // Runs of one collector never overlap; holding the lock across awaits is the point.
        let mut state = self.state.lock().await;
        let now = ctx.now;
        let mut requests = 0;
        if state.full_load.is_none() && self.full_load_due(&state, now) {
            // One count request sizes the window (no rehashing peak on a large estate) and the
            // slices (never more than pages).
            let since = now
                .checked_sub(self.settings.window)
                .unwrap_or(Timestamp::MIN);
            let recent = Filter::ge("lastUpdateTime", since);
            let count = self.client.jobs_count(Some(&recent));
            let expected = match ctx.progress.call("/admin/jobs (count)", count).await {
                Ok(count) => Some(count),
                Err(error) => {
                    debug!(%error, "job count unavailable; slicing the window blind");
                    None
                }
            };
            requests += 1;
            if let Some(count) = expected {
                state
                    .window
                    .reserve_for(usize::try_from(count).unwrap_or(usize::MAX));
            }
            let load = self.plan_full_load(&state, now, expected);
            state.full_load = Some(load);
        }
        let full = state.full_load.is_some();
        let (read_requests, items) = if full {
            self.continue_full_load(&mut state, now, &ctx.progress)
                .await?
        } else {
            self.incremental(&mut state, now, &ctx.progress).await?
        };
        requests += read_requests;
        if full && let Some(clients) = &self.settings.client_allowlist {
            requests += self
                .refresh_client_backups(clients, &mut state.client_backups, &ctx.progress)
                .await;
        }
        let evicted = state.window.evict(now);
        debug!(
            full,
            requests,
            items,
            evicted,
            window_len = state.window.len(),
            "jobs collected"
        );
        let mut families = FamilySet::from(&state.window.families(now));
        families.merge(FamilySet::from(&state.window.counters()));
        if let Some(clients) = self.client_families(&state, now) {
            families.merge(clients);
        }
        Ok(Collected::new(families, requests, items))
    }
}
