//! Backup jobs, collected incrementally into a sliding window.
//!
//! The first run (and a periodic full re-sync) loads every job updated within the window, split into
//! time slices walked in parallel. Later runs ask only for jobs updated since the watermark (the
//! newest `lastUpdateTime` seen) minus an overlap, and upsert them: API load follows the rate of
//! change, not the size of the window.
//!
//! With a client allowlist (`collectors.perClient`), the per-client families come from the same
//! window; only the latest successful backup of each listed client, which may lie far before the
//! window, costs one single-job query per client, and only on full loads: in between, the window
//! moves it forward.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt, stream};
use jiff::{SignedDuration, Timestamp};
use nbu_api::{Client, Filter, JobsQuery, Sort};
use nbu_metrics::optional::{ClientBackupRow, client_backup_families};
use nbu_metrics::{FamilySet, JobWindow};
use tokio::sync::Mutex;
use tracing::{debug, warn};

use crate::map::job_observation;
use crate::{CollectContext, CollectError, Collected, Collector};

/// How the jobs collector walks the API.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JobsSettings {
    /// The job look-back window (the Go exporter's `scrapingInterval`).
    pub window: SignedDuration,
    /// How far before the watermark an incremental run starts, to catch jobs whose update landed
    /// while the previous run was reading.
    pub overlap: SignedDuration,
    /// Time slices walked in parallel during a full load.
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
            overlap: SignedDuration::from_secs(60),
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

/// The job type of backups (`jobType`), the one the last-successful-backup family follows.
const BACKUP: &str = "BACKUP";

/// Per-client queries in flight at once.
const CLIENT_QUERIES_IN_FLIGHT: usize = 4;

struct State {
    window: JobWindow,
    watermark: Option<Timestamp>,
    last_full_load: Option<Timestamp>,
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

    /// The queries of a full load: `[from, now)` cut into equal slices, the last one open-ended so
    /// that a job stamped after our clock (server clock ahead) is not lost.
    fn full_load_queries(&self, now: Timestamp) -> Vec<JobsQuery> {
        let slices = self.settings.slices.max(1);
        let from = now
            .checked_sub(self.settings.window)
            .unwrap_or(Timestamp::MIN);
        let span = now.duration_since(from);
        let step = span / i32::try_from(slices).unwrap_or(i32::MAX);
        (0..slices)
            .map(|i| {
                let start = from + step * i32::try_from(i).unwrap_or(i32::MAX);
                let mut filter = Filter::ge("lastUpdateTime", start);
                if i + 1 < slices {
                    filter = filter.and(Filter::lt("lastUpdateTime", start + step));
                }
                Self::query(filter)
            })
            .collect()
    }

    /// Asks, for each of `clients`, for its latest successful backup, a few at a time; updates
    /// `backups` with every answer and returns the requests made. A failed query keeps the
    /// client's previous value: per-client data must not fail the job families.
    async fn refresh_client_backups(
        &self,
        clients: &[String],
        backups: &mut BTreeMap<String, Timestamp>,
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
                let mut pages = std::pin::pin!(self.client.jobs(&query));
                (client, pages.try_next().await)
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

    fn query(filter: Filter) -> JobsQuery {
        // Ascending by update time: a job that changes during the walk moves behind the cursor's
        // position and is read again, instead of being skipped.
        JobsQuery::new()
            .filter(filter)
            .sort(Sort::asc("lastUpdateTime"))
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
        let full = self.full_load_due(&state, now);
        let queries = if full {
            self.full_load_queries(now)
        } else {
            let since = state
                .watermark
                .and_then(|w| w.checked_sub(self.settings.overlap).ok())
                .unwrap_or(Timestamp::MIN);
            vec![Self::query(Filter::ge("lastUpdateTime", since))]
        };
        let parallel = queries.len();
        let mut pages = stream::iter(queries.into_iter().map(|q| Box::pin(self.client.jobs(&q))))
            .flatten_unordered(parallel);
        let (mut requests, mut items) = (0_u64, 0_u64);
        let mut watermark = state.watermark;
        while let Some(page) = pages.try_next().await? {
            requests += 1;
            for job in &page.items {
                items += 1;
                let Some(observation) = job_observation(job) else {
                    continue;
                };
                if observation.last_update > watermark {
                    watermark = observation.last_update;
                }
                state.window.upsert(&observation);
            }
        }
        if full && let Some(clients) = &self.settings.client_allowlist {
            requests += self
                .refresh_client_backups(clients, &mut state.client_backups)
                .await;
        }
        // Only a run that read everything may move the watermark: a cut-off run is redone.
        state.watermark = watermark.or(Some(now));
        if full {
            state.last_full_load = Some(now);
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
        if let Some(clients) = self.client_families(&state, now) {
            families.merge(clients);
        }
        Ok(Collected::new(families, requests, items))
    }
}
