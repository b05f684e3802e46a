//! The sliding job window: a compact store of the jobs that still contribute to some family.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::aggregate::{JobFamilies, Mean};
use super::histogram::{DurationHistogram, saturating_nanos};
use super::keys::{
    ClientJobKey, ClientPolicyKey, JobKey, PolicyKey, QueueKey, StateKey, StatusKey,
};
use super::observation::{JobObservation, JobState, instant_key, is_stale, window_start};
use crate::UNKNOWN;
use crate::exposition::FamilySet;
use crate::hash::FastMap;
use crate::intern::{Interner, Sym};
use crate::names;

const DONE: u16 = 1;
const QUEUED: u16 = 1 << 1;
/// The job was already counted in the completed-job counters.
const COUNTED: u16 = 1 << 2;
const HAS_END: u16 = 1 << 3;
const HAS_DURATION: u16 = 1 << 4;
const HAS_BYTES: u16 = 1 << 5;
const HAS_FILES: u16 = 1 << 6;
const HAS_DEDUP: u16 = 1 << 7;
const HAS_UPDATE: u16 = 1 << 8;

/// What the store keeps of one job: label values as interned ids, instants as nanoseconds since
/// the epoch (see [`instant_key`]), presence as bit flags.
#[derive(Debug, Clone, Copy)]
struct JobRecord {
    end: i64,
    /// `last_update`, which decides whether a later observation is older than this one.
    update: i64,
    duration: i64,
    bytes: u64,
    files: u64,
    dedup: f64,
    action: Sym,
    policy_type: Sym,
    status: Sym,
    state: Sym,
    reason: Sym,
    client: Sym,
    policy_name: Sym,
    flags: u16,
}

impl JobRecord {
    fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    fn update(&self) -> Option<i64> {
        self.has(HAS_UPDATE).then_some(self.update)
    }

    fn in_window(&self, window_start: i64) -> bool {
        self.has(HAS_END) && self.end > window_start
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Completed {
    jobs: u64,
    bytes: u64,
    has_bytes: bool,
}

#[derive(Debug, Default)]
struct PolicyAcc {
    files: Option<u64>,
    dedup: Mean,
    duration: Option<DurationHistogram>,
}

/// The completed-job counters since the exporter started.
///
/// A job is counted once, on the first observation [`JobWindow::upsert`] applies that shows it
/// `DONE`, with the status and bytes of that observation. Jobs already done when the window is first loaded count too: the
/// counters then start with the window's history instead of at zero, which a restart makes look
/// like a reset (Prometheus' `increase()` handles it) rather than silently dropping jobs that
/// finished while the exporter was down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobCounters {
    /// `nbu_jobs_completed_total`.
    pub completed: BTreeMap<JobKey, u64>,
    /// `nbu_jobs_completed_bytes_total` (saturating at `u64::MAX`); keys whose counted jobs
    /// reported no bytes have no entry.
    pub completed_bytes: BTreeMap<JobKey, u64>,
}

/// The per-client families (opt-in, allowlisted clients only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientFamilies {
    /// `nbu_client_jobs_count`: jobs in the window (same rule as `nbu_jobs_count`).
    pub jobs: BTreeMap<ClientJobKey, u64>,
    /// `nbu_client_last_job_success_seconds`: the latest end of a done job with status 0, kept
    /// after the job leaves the window.
    pub last_success: BTreeMap<ClientPolicyKey, Timestamp>,
}

/// The sliding window of jobs of one site, maintained incrementally.
///
/// Feed every job observation to [`JobWindow::upsert`] (a job seen again replaces its earlier
/// contribution unless the new observation's `last_update` is older, so pages may arrive in any
/// order), call [`JobWindow::evict`] once per collection, and read [`JobWindow::families`]. The
/// result always equals [`crate::aggregate_jobs`] over the observation kept for every job still
/// held, provided `now` never goes backwards between `evict` and `families`.
///
/// Eviction removes exactly the jobs that no longer contribute to any family: done jobs whose end
/// is not after `now − window` (or unknown). Unfinished jobs are never evicted by time: remove
/// those that NetBackup no longer reports with [`JobWindow::remove`].
///
/// Memory: one 80-byte record per job plus its id; label strings are interned once. The interned
/// strings and the per-client last-success table are never shrunk: both are bounded by the
/// NetBackup configuration (clients, policies, job types), not by the number of jobs.
///
/// Every call leaves the store consistent, so a collection cut off between two upserts keeps
/// what it has read: there is no need to work on a copy (the store is `Clone` all the same).
#[derive(Clone)]
pub struct JobWindow {
    window: SignedDuration,
    records: FastMap<i64, JobRecord>,
    symbols: Interner,
    code_symbols: FastMap<i64, Sym>,
    unknown: Sym,
    completed: FastMap<(Sym, Sym, Sym), Completed>,
    /// Counted jobs evicted recently, with the instant (nanoseconds) after which they are
    /// forgotten: a job re-delivered shortly after leaving the window is not counted twice.
    tombstones: FastMap<i64, i64>,
    last_success: FastMap<(Sym, Sym, Sym), Timestamp>,
    watermark: Option<Timestamp>,
}

impl std::fmt::Debug for JobWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobWindow")
            .field("window", &self.window)
            .field("jobs", &self.records.len())
            .field("tombstones", &self.tombstones.len())
            .field("watermark", &self.watermark)
            .finish_non_exhaustive()
    }
}

impl JobWindow {
    /// An empty window looking back `window` (a negative window is treated as zero).
    pub fn new(window: SignedDuration) -> Self {
        let mut symbols = Interner::default();
        let unknown = symbols.intern(UNKNOWN);
        Self {
            window: clamp_window(window),
            records: FastMap::default(),
            symbols,
            code_symbols: FastMap::default(),
            unknown,
            completed: FastMap::default(),
            tombstones: FastMap::default(),
            last_success: FastMap::default(),
            watermark: None,
        }
    }

    /// The look-back.
    pub fn window(&self) -> SignedDuration {
        self.window
    }

    /// Changes the look-back (configuration reload). A shorter window takes effect at once in
    /// [`JobWindow::families`]; a longer one cannot bring back jobs already evicted.
    pub fn set_window(&mut self, window: SignedDuration) {
        self.window = clamp_window(window);
    }

    /// Makes room for `jobs` records in all, when the caller knows roughly how many are coming:
    /// growing a large map step by step briefly holds the old and the new table at once.
    pub fn reserve_for(&mut self, jobs: usize) {
        self.records
            .reserve(jobs.saturating_sub(self.records.len()));
    }

    /// How many jobs the store holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the store holds no job.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The latest `last_update` of every job ever upserted: where an incremental fetch
    /// (`lastUpdateTime gt …`) resumes.
    pub fn watermark(&self) -> Option<Timestamp> {
        self.watermark
    }

    /// The ids of the jobs not done yet, e.g. to check that NetBackup still reports them.
    pub fn unfinished_job_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.records
            .iter()
            .filter(|(_, record)| !record.has(DONE))
            .map(|(&id, _)| id)
    }

    /// Inserts or replaces the job `job.job_id`, counting it in the completed-job counters if
    /// this is the first time it is seen done.
    ///
    /// An observation whose `last_update` is older than that of the job's stored record is
    /// ignored: during a parallel full load, a page read early (the job `ACTIVE`) can arrive after
    /// a page of another slice read later (the job `DONE`), and must not undo it. An equal
    /// `last_update` replaces, and so does any observation when either side has no
    /// `last_update`: nothing then shows it to be the older one. A job no longer stored (evicted
    /// or removed) is inserted again whatever its `last_update`.
    pub fn upsert(&mut self, job: &JobObservation) {
        let incoming = job.last_update.map(instant_key);
        if let Some(stored) = self.records.get(&job.job_id)
            && is_stale(incoming, stored.update())
        {
            return;
        }
        if let Some(update) = job.last_update {
            self.watermark = Some(self.watermark.map_or(update, |mark| mark.max(update)));
        }
        let already_counted = match self.records.get(&job.job_id) {
            Some(previous) => previous.has(COUNTED),
            None => self.tombstones.remove(&job.job_id).is_some(),
        };
        let mut record = self.record_of(job);
        if record.has(DONE) {
            if !already_counted {
                let completed = self
                    .completed
                    .entry((record.action, record.policy_type, record.status))
                    .or_default();
                completed.jobs += 1;
                if let Some(bytes) = job.bytes {
                    completed.bytes = completed.bytes.saturating_add(bytes);
                    completed.has_bytes = true;
                }
            }
            record.flags |= COUNTED;
            if let (Some(0), Some(end)) = (job.status, job.end_time) {
                let latest = self
                    .last_success
                    .entry((record.client, record.policy_name, record.action))
                    .or_insert(end);
                *latest = (*latest).max(end);
            }
        } else if already_counted {
            record.flags |= COUNTED;
        }
        self.records.insert(job.job_id, record);
    }

    /// Removes done jobs that ended at or before `now − window` (or whose end is unknown) and
    /// returns how many were removed. Unfinished jobs stay whatever their age.
    pub fn evict(&mut self, now: Timestamp) -> usize {
        let start = instant_key(window_start(now, self.window));
        let now_key = instant_key(now);
        let forget_after = self.forget_after(now);
        self.tombstones.retain(|_, expiry| *expiry > now_key);
        let before = self.records.len();
        let tombstones = &mut self.tombstones;
        self.records.retain(|&id, record| {
            let keep = !record.has(DONE) || record.in_window(start);
            if !keep && record.has(COUNTED) {
                tombstones.insert(id, forget_after);
            }
            keep
        });
        // After a burst (a long first window, an outage backlog) give the memory back.
        if self.records.capacity() > 4 * self.records.len() + 1024 {
            self.records.shrink_to(2 * self.records.len());
        }
        before - self.records.len()
    }

    /// Removes job `job_id` whatever its state (NetBackup no longer reports it); returns whether
    /// it was present. A counted job is remembered for one window so that it is not counted
    /// again if it reappears.
    pub fn remove(&mut self, job_id: i64, now: Timestamp) -> bool {
        match self.records.remove(&job_id) {
            Some(record) => {
                if record.has(COUNTED) {
                    let forget_after = self.forget_after(now);
                    self.tombstones.insert(job_id, forget_after);
                }
                true
            }
            None => false,
        }
    }

    /// The job families at `now` (see [`JobFamilies`] for which jobs each covers).
    pub fn families(&self, now: Timestamp) -> JobFamilies {
        let start = instant_key(window_start(now, self.window));
        let mut jobs: FastMap<(Sym, Sym, Sym), (u64, Option<u64>)> = FastMap::default();
        let mut status: FastMap<(Sym, Sym), u64> = FastMap::default();
        let mut state: FastMap<(Sym, Sym), u64> = FastMap::default();
        let mut queued: FastMap<(Sym, Sym), u64> = FastMap::default();
        let mut policy: FastMap<(Sym, Sym), PolicyAcc> = FastMap::default();
        for record in self.records.values() {
            let in_window = record.in_window(start);
            if in_window {
                let (count, bytes) = jobs
                    .entry((record.action, record.policy_type, record.status))
                    .or_default();
                *count += 1;
                if record.has(HAS_BYTES) {
                    *bytes = Some(bytes.unwrap_or(0).saturating_add(record.bytes));
                }
                *status.entry((record.action, record.status)).or_default() += 1;
                let acc = policy
                    .entry((record.action, record.policy_type))
                    .or_default();
                if record.has(HAS_FILES) {
                    acc.files = Some(acc.files.unwrap_or(0).saturating_add(record.files));
                }
                if record.has(HAS_DEDUP) {
                    acc.dedup.add(record.dedup);
                }
                if record.has(DONE) && record.has(HAS_DURATION) {
                    acc.duration
                        .get_or_insert_with(DurationHistogram::default)
                        .observe_nanos(record.duration);
                }
            }
            if in_window || !record.has(DONE) {
                *state.entry((record.action, record.state)).or_default() += 1;
            }
            if record.has(QUEUED) {
                *queued.entry((record.action, record.reason)).or_default() += 1;
            }
        }

        let name = |sym: Sym| self.symbols.resolve(sym).to_owned();
        let mut families = JobFamilies::default();
        for ((action, policy_type, status), (count, bytes)) in jobs {
            let key = JobKey {
                action: name(action),
                policy_type: name(policy_type),
                status: name(status),
            };
            if let Some(bytes) = bytes {
                families.bytes.insert(key.clone(), bytes);
            }
            families.count.insert(key, count);
        }
        for ((action, status), count) in status {
            let key = StatusKey {
                action: name(action),
                status: name(status),
            };
            families.status.insert(key, count);
        }
        for ((action, state), count) in state {
            let key = StateKey {
                action: name(action),
                state: name(state),
            };
            families.state.insert(key, count);
        }
        for ((action, reason), count) in queued {
            let key = QueueKey {
                action: name(action),
                reason: name(reason),
            };
            families.queued.insert(key, count);
        }
        for ((action, policy_type), acc) in policy {
            let key = PolicyKey {
                action: name(action),
                policy_type: name(policy_type),
            };
            if let Some(files) = acc.files {
                families.files.insert(key.clone(), files);
            }
            if acc.dedup.count() > 0 {
                families.dedup_ratio.insert(key.clone(), acc.dedup);
            }
            if let Some(duration) = acc.duration {
                families.duration.insert(key, duration);
            }
        }
        families
    }

    /// The completed-job counters (see [`JobCounters`] for the counting rule).
    pub fn counters(&self) -> JobCounters {
        let name = |sym: Sym| self.symbols.resolve(sym).to_owned();
        let mut counters = JobCounters::default();
        for (&(action, policy_type, status), completed) in &self.completed {
            let key = JobKey {
                action: name(action),
                policy_type: name(policy_type),
                status: name(status),
            };
            if completed.has_bytes {
                counters
                    .completed_bytes
                    .insert(key.clone(), completed.bytes);
            }
            counters.completed.insert(key, completed.jobs);
        }
        counters
    }

    /// The per-client families at `now`, for the clients in `allowlist` only (an empty allowlist
    /// selects no client).
    pub fn client_families(&self, now: Timestamp, allowlist: &[String]) -> ClientFamilies {
        let mut wanted: Vec<Sym> = allowlist
            .iter()
            .filter_map(|client| self.symbols.get(client))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut families = ClientFamilies::default();
        if wanted.is_empty() {
            return families;
        }
        let name = |sym: Sym| self.symbols.resolve(sym).to_owned();
        let start = instant_key(window_start(now, self.window));
        let mut jobs: FastMap<(Sym, Sym, Sym), u64> = FastMap::default();
        for record in self.records.values() {
            if record.in_window(start) && wanted.binary_search(&record.client).is_ok() {
                *jobs
                    .entry((record.client, record.action, record.status))
                    .or_default() += 1;
            }
        }
        for ((client, action, status), count) in jobs {
            let key = ClientJobKey {
                client: name(client),
                action: name(action),
                status: name(status),
            };
            families.jobs.insert(key, count);
        }
        for (&(client, policy, action), &end) in &self.last_success {
            if wanted.binary_search(&client).is_ok() {
                let key = ClientPolicyKey {
                    client: name(client),
                    policy: name(policy),
                    action: name(action),
                };
                families.last_success.insert(key, end);
            }
        }
        families
    }

    fn forget_after(&self, now: Timestamp) -> i64 {
        instant_key(now.saturating_add(self.window).unwrap_or(Timestamp::MAX))
    }

    /// The symbol of a status or queue-reason code: its decimal text, or `UNKNOWN` when absent.
    fn code_symbol(&mut self, code: Option<i64>) -> Sym {
        let Some(code) = code else {
            return self.unknown;
        };
        if let Some(&sym) = self.code_symbols.get(&code) {
            return sym;
        }
        let sym = self.symbols.intern(&code.to_string());
        self.code_symbols.insert(code, sym);
        sym
    }

    fn record_of(&mut self, job: &JobObservation) -> JobRecord {
        let mut flags = 0;
        let queued = job.state == JobState::Queued;
        if job.state.is_done() {
            flags |= DONE;
        }
        if queued {
            flags |= QUEUED;
        }
        let end = job.end_time.map(instant_key);
        let update = job.last_update.map(instant_key);
        let duration = job.duration().map(saturating_nanos);
        let dedup = job.finite_dedup_ratio();
        for (present, flag) in [
            (end.is_some(), HAS_END),
            (update.is_some(), HAS_UPDATE),
            (duration.is_some(), HAS_DURATION),
            (job.bytes.is_some(), HAS_BYTES),
            (job.files.is_some(), HAS_FILES),
            (dedup.is_some(), HAS_DEDUP),
        ] {
            if present {
                flags |= flag;
            }
        }
        let reason = if queued {
            self.code_symbol(job.queue_reason)
        } else {
            self.unknown
        };
        JobRecord {
            end: end.unwrap_or(0),
            update: update.unwrap_or(0),
            duration: duration.unwrap_or(0),
            bytes: job.bytes.unwrap_or(0),
            files: job.files.unwrap_or(0),
            dedup: dedup.unwrap_or(0.0),
            action: self.symbols.intern(&job.action),
            policy_type: self.symbols.intern(&job.policy_type),
            status: self.code_symbol(job.status),
            state: self.symbols.intern(job.state.label()),
            reason,
            client: self.symbols.intern(&job.client),
            policy_name: self.symbols.intern(&job.policy_name),
            flags,
        }
    }
}

fn clamp_window(window: SignedDuration) -> SignedDuration {
    if window.is_negative() {
        SignedDuration::ZERO
    } else {
        window
    }
}

const HELP_COMPLETED: &str = "Jobs seen done since the exporter started, each counted once, by job type, policy type and \
     status code.";
const HELP_COMPLETED_BYTES: &str =
    "Bytes transferred by jobs seen done since the exporter started, each job counted once.";

impl From<&JobCounters> for FamilySet {
    fn from(counters: &JobCounters) -> Self {
        let mut set = FamilySet::new();
        let completed = set.counter(names::JOBS_COMPLETED_TOTAL, HELP_COMPLETED);
        for (key, value) in &counters.completed {
            completed.push(key.labels(), *value as f64);
        }
        let bytes = set.counter(names::JOBS_COMPLETED_BYTES_TOTAL, HELP_COMPLETED_BYTES);
        for (key, value) in &counters.completed_bytes {
            bytes.push(key.labels(), *value as f64);
        }
        set
    }
}

const HELP_CLIENT_JOBS: &str =
    "Jobs of allowlisted clients that ended inside the look-back window, by job type and status.";
const HELP_CLIENT_SUCCESS: &str = "End of the latest job with status 0 per allowlisted client, \
     policy and job type, in Unix seconds; kept after the job leaves the window.";

impl From<&ClientFamilies> for FamilySet {
    fn from(families: &ClientFamilies) -> Self {
        let mut set = FamilySet::new();
        let jobs = set.gauge(names::CLIENT_JOBS_COUNT, HELP_CLIENT_JOBS);
        for (key, value) in &families.jobs {
            jobs.push(key.labels(), *value as f64);
        }
        let success = set.gauge(names::CLIENT_LAST_JOB_SUCCESS, HELP_CLIENT_SUCCESS);
        for (key, end) in &families.last_success {
            success.push(key.labels(), end.as_second() as f64);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: SignedDuration = SignedDuration::from_hours(1);

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    fn job(id: i64, state: JobState) -> JobObservation {
        JobObservation {
            action: "BACKUP".into(),
            policy_type: "STANDARD".into(),
            policy_name: "daily".into(),
            client: "db01".into(),
            ..JobObservation::new(id, state)
        }
    }

    fn done(id: i64, end: i64, bytes: u64) -> JobObservation {
        JobObservation {
            status: Some(0),
            start_time: Some(at(end - 120)),
            end_time: Some(at(end)),
            bytes: Some(bytes),
            ..job(id, JobState::Done)
        }
    }

    fn key(status: &str) -> JobKey {
        JobKey {
            action: "BACKUP".into(),
            policy_type: "STANDARD".into(),
            status: status.into(),
        }
    }

    #[test]
    fn record_stays_compact() {
        assert!(std::mem::size_of::<JobRecord>() <= 80);
    }

    fn updated(job: JobObservation, update: i64) -> JobObservation {
        JobObservation {
            last_update: Some(at(update)),
            ..job
        }
    }

    fn state_of(window: &JobWindow, now: Timestamp) -> Vec<String> {
        let families = window.families(now);
        families.state.keys().map(|k| k.state.clone()).collect()
    }

    #[test]
    fn an_older_observation_arriving_late_is_ignored() {
        let mut window = JobWindow::new(HOUR);
        window.upsert(&updated(done(1, 100, 2048), 100));
        let active = JobObservation {
            start_time: Some(at(0)),
            ..job(1, JobState::Active)
        };
        window.upsert(&updated(active.clone(), 50));
        assert_eq!(state_of(&window, at(110)), ["DONE"]);
        assert_eq!(window.families(at(110)).bytes[&key("0")], 2048);
        assert_eq!(window.unfinished_job_ids().count(), 0);
        assert_eq!(window.counters().completed[&key("0")], 1);
        assert_eq!(window.watermark(), Some(at(100)));

        // The same instant replaces: NetBackup re-delivers a job unchanged in the overlap.
        window.upsert(&updated(active.clone(), 100));
        assert_eq!(state_of(&window, at(110)), ["ACTIVE"]);
        // Without a last update on either side nothing shows the observation to be older.
        window.upsert(&done(1, 100, 2048));
        assert_eq!(state_of(&window, at(110)), ["DONE"]);
        window.upsert(&updated(active, 10));
        assert_eq!(state_of(&window, at(110)), ["ACTIVE"]);
        window.upsert(&done(1, 100, 2048));
        assert_eq!(state_of(&window, at(110)), ["DONE"]);
        assert_eq!(window.counters().completed[&key("0")], 1);
    }

    #[test]
    fn a_newer_observation_replaces_an_older_one() {
        let mut window = JobWindow::new(HOUR);
        window.upsert(&updated(job(1, JobState::Active), 50));
        window.upsert(&updated(done(1, 100, 1), 100));
        assert_eq!(state_of(&window, at(110)), ["DONE"]);
    }

    #[test]
    fn active_to_done_replaces_the_contribution() {
        let mut window = JobWindow::new(HOUR);
        let active = JobObservation {
            start_time: Some(at(0)),
            ..job(1, JobState::Active)
        };
        window.upsert(&active);
        let before = window.families(at(10));
        assert!(before.count.is_empty());
        assert_eq!(before.state.values().sum::<u64>(), 1);

        window.upsert(&done(1, 100, 2048));
        let after = window.families(at(110));
        assert_eq!(after.count[&key("0")], 1);
        assert_eq!(after.bytes[&key("0")], 2048);
        assert_eq!(after.state.len(), 1);
        assert_eq!(
            after.state.keys().next().map(|k| k.state.as_str()),
            Some("DONE")
        );
        assert_eq!(window.len(), 1);
        assert_eq!(window.counters().completed[&key("0")], 1);
    }

    #[test]
    fn old_done_jobs_are_evicted_and_active_ones_are_not() {
        let mut window = JobWindow::new(HOUR);
        window.upsert(&done(1, 0, 1));
        window.upsert(&JobObservation {
            start_time: Some(at(-100_000)),
            ..job(2, JobState::Active)
        });
        window.upsert(&JobObservation {
            end_time: None,
            ..done(3, 0, 1)
        });
        assert_eq!(
            window.evict(at(1800)),
            1,
            "the done job without end time goes"
        );
        assert_eq!(window.evict(at(3600)), 1, "the boundary is exclusive");
        assert_eq!(window.evict(at(1_000_000)), 0);
        assert_eq!(window.unfinished_job_ids().collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn a_job_is_counted_once_across_collections_and_re_deliveries() {
        let mut window = JobWindow::new(HOUR);
        window.upsert(&done(1, 0, 10));
        window.upsert(&done(1, 0, 10));
        // A stale unfinished observation followed by done again is still the same job.
        window.upsert(&job(1, JobState::Active));
        window.upsert(&done(1, 0, 10));
        assert_eq!(window.counters().completed[&key("0")], 1);
        assert_eq!(window.counters().completed_bytes[&key("0")], 10);

        // Evicted, then re-delivered within a window: remembered.
        assert_eq!(window.evict(at(3600)), 1);
        window.upsert(&done(1, 0, 10));
        assert_eq!(window.counters().completed[&key("0")], 1);

        // Evicted again; its tombstone expires one window after that eviction.
        assert_eq!(window.evict(at(3600)), 1);
        window.evict(at(3600 + 3601));
        window.upsert(&done(1, 0, 10));
        assert_eq!(window.counters().completed[&key("0")], 2);
    }

    #[test]
    fn removed_jobs_are_not_counted_again() {
        let mut window = JobWindow::new(HOUR);
        window.upsert(&done(7, 0, 1));
        assert!(window.remove(7, at(0)));
        assert!(!window.remove(7, at(0)));
        window.upsert(&done(7, 0, 1));
        assert_eq!(window.counters().completed[&key("0")], 1);
    }

    #[test]
    fn bytes_counter_absent_when_no_counted_job_reported_bytes() {
        let mut window = JobWindow::new(HOUR);
        window.upsert(&JobObservation {
            bytes: None,
            ..done(1, 0, 0)
        });
        let counters = window.counters();
        assert_eq!(counters.completed[&key("0")], 1);
        assert!(counters.completed_bytes.is_empty());
    }

    #[test]
    fn watermark_is_the_latest_update_seen() {
        let mut window = JobWindow::new(HOUR);
        assert_eq!(window.watermark(), None);
        for (id, update) in [(1, 50), (2, 70), (3, 60)] {
            window.upsert(&JobObservation {
                last_update: Some(at(update)),
                ..job(id, JobState::Active)
            });
        }
        assert_eq!(window.watermark(), Some(at(70)));
    }

    #[test]
    fn client_families_follow_the_allowlist_and_keep_last_success() {
        let mut window = JobWindow::new(HOUR);
        window.upsert(&done(1, 0, 1));
        window.upsert(&done(2, 500, 1));
        window.upsert(&JobObservation {
            status: Some(150),
            ..done(3, 900, 1)
        });
        window.upsert(&JobObservation {
            client: "other".into(),
            ..done(4, 900, 1)
        });
        let allow = vec!["db01".to_owned(), "never-seen".to_owned()];
        let families = window.client_families(at(1000), &allow);
        let count = |status: &str| {
            families.jobs[&ClientJobKey {
                client: "db01".into(),
                action: "BACKUP".into(),
                status: status.into(),
            }]
        };
        assert_eq!(count("0"), 2);
        assert_eq!(count("150"), 1);
        assert_eq!(families.jobs.len(), 2);
        let success_key = ClientPolicyKey {
            client: "db01".into(),
            policy: "daily".into(),
            action: "BACKUP".into(),
        };
        assert_eq!(families.last_success[&success_key], at(500));

        // Long after: the jobs left the window, the last success stays.
        window.evict(at(100_000));
        let later = window.client_families(at(100_000), &allow);
        assert!(later.jobs.is_empty());
        assert_eq!(later.last_success[&success_key], at(500));
        assert_eq!(
            window.client_families(at(0), &[]),
            ClientFamilies::default()
        );
    }

    #[test]
    fn shrinking_the_window_applies_at_once() {
        let mut window = JobWindow::new(HOUR);
        window.upsert(&done(1, 0, 1));
        assert_eq!(window.families(at(1000)).count.len(), 1);
        window.set_window(SignedDuration::from_secs(500));
        assert!(window.families(at(1000)).count.is_empty());
        window.set_window(SignedDuration::from_secs(-5));
        assert_eq!(window.window(), SignedDuration::ZERO);
    }
}
