//! The simulated NetBackup estate: lookup tables (clients, policies, storage units, media servers),
//! the job store, and the small static collections (storage, tape, alerts, …) — all generated
//! deterministically from a seed.

use serde_json::Value;

use crate::jobs::{Job, JobStore, NONE_U16, NONE_U32};
use crate::prng::{SplitMix64, hash3};
use crate::render;
use crate::vocab::{self, Workload};

/// What to generate.
#[derive(Debug, Clone)]
pub(crate) struct EstateConfig {
    pub(crate) seed: u64,
    pub(crate) jobs: usize,
    pub(crate) clients: usize,
    pub(crate) storage_units: usize,
    pub(crate) media_servers: usize,
    pub(crate) drives: usize,
    pub(crate) tape_media: usize,
    pub(crate) alerts: usize,
    pub(crate) malware_scans: usize,
    pub(crate) slos: usize,
    /// Span of generated job history, in seconds, ending at `now`.
    pub(crate) window_secs: u32,
    /// Unix seconds the history ends at.
    pub(crate) now: u32,
    /// `https://host:port/netbackup`, for resource links.
    pub(crate) base_url: String,
    /// The release number servers report (`nbuVersion`).
    pub(crate) nbu_version: &'static str,
}

/// A backup policy.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub(crate) name: String,
    pub(crate) workload: Workload,
    /// The policy protects clients `first_client + k * client_stride` for `k < client_count`.
    pub(crate) first_client: u32,
    pub(crate) client_stride: u32,
    pub(crate) client_count: u32,
    pub(crate) storage_unit: u16,
    /// The storage lifecycle policy its backups go through, if any.
    pub(crate) slp: Option<String>,
}

/// A storage unit (and, for disk categories, its disk pool).
#[derive(Debug, Clone)]
pub(crate) struct StorageUnit {
    pub(crate) name: String,
    pub(crate) category: &'static str,
    pub(crate) media_server: u8,
    pub(crate) disk_pool: Option<String>,
    /// Capacity in bytes; `None` for cloud units, which report none.
    pub(crate) total_bytes: Option<u64>,
    pub(crate) used_bytes: Option<u64>,
}

impl StorageUnit {
    pub(crate) fn deduplicates(&self) -> bool {
        matches!(self.category, "MSDP" | "CLOUD")
    }
}

/// Interned names the compact job records point into.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub(crate) seed: u64,
    pub(crate) primary: String,
    pub(crate) primary_host_id: String,
    /// Client 0 is the primary server itself (it runs the catalog backup and housekeeping jobs).
    pub(crate) clients: Vec<String>,
    /// Policy 0 is the catalog backup policy.
    pub(crate) policies: Vec<Policy>,
    pub(crate) storage_units: Vec<StorageUnit>,
    pub(crate) media_servers: Vec<String>,
    pub(crate) nbu_version: &'static str,
    pub(crate) base_url: String,
}

/// The policy that protects client `client`: the primary (client 0) has the catalog policy, the others
/// are spread round-robin over the workload policies.
pub(crate) fn policy_of(tables: &Tables, client: u32) -> u16 {
    if client == 0 {
        return 0;
    }
    let workload_policies = tables.policies.len().saturating_sub(1).max(1) as u32;
    u16::try_from(1 + (client - 1) % workload_policies).unwrap_or(0)
}

/// The static collections, rendered once as JSON:API resources (they are small).
#[derive(Debug, Clone, Default)]
pub(crate) struct Resources {
    pub(crate) storage_units: Vec<Value>,
    pub(crate) disk_pools: Vec<Value>,
    pub(crate) drives: Vec<Value>,
    pub(crate) tape_media: Vec<Value>,
    pub(crate) volume_pools: Vec<Value>,
    pub(crate) device_hosts: Vec<Value>,
    pub(crate) alerts: Vec<Value>,
    pub(crate) malware: Vec<Value>,
    pub(crate) slos: Vec<Value>,
    pub(crate) next_alert_id: u64,
    /// `masterConsumptionMB` of `/licensing/capacity`.
    pub(crate) capacity_mb: f64,
}

/// Alerts kept at most (live mode adds one per failed job).
pub(crate) const MAX_ALERTS: usize = 5_000;

/// The whole simulated estate.
#[derive(Debug)]
pub(crate) struct Estate {
    pub(crate) tables: Tables,
    pub(crate) jobs: JobStore,
    pub(crate) resources: Resources,
    /// Randomness for live changes (separate from generation so changes are reproducible too).
    pub(crate) live_rng: SplitMix64,
    /// Fractional new jobs carried between live ticks.
    pub(crate) new_job_credit: f64,
}

/// What a job will turn out like, derived from a hash of its id so that generation and live mode agree
/// without storing it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub(crate) kilobytes: u64,
    pub(crate) files: u32,
    /// Seconds from leaving the queue to the end.
    pub(crate) duration: u32,
    pub(crate) status: u16,
    pub(crate) dedup_permille: u16,
    /// Seconds spent queued before running.
    pub(crate) queue_secs: u32,
    pub(crate) queue_reason: u8,
}

/// Salts for [`hash3`], so that each derived fact draws independent bits.
mod salt {
    pub(super) const SIZE: u64 = 1;
    pub(super) const RATE: u64 = 2;
    pub(super) const STATUS: u64 = 3;
    pub(super) const DEDUP: u64 = 4;
    pub(super) const QUEUE: u64 = 5;
    pub(super) const OVERHEAD: u64 = 6;
    pub(super) const INCOMPLETE: u64 = 7;
}

fn unit(seed: u64, salt: u64, id: u32) -> f64 {
    (hash3(seed, salt, u64::from(id)) >> 11) as f64 / (1u64 << 53) as f64
}

/// The outcome of job `id` given what it is.
pub(crate) fn outcome(tables: &Tables, job: &Job) -> Outcome {
    let Job {
        id,
        job_type,
        policy,
        schedule,
        storage_unit,
        ..
    } = *job;
    let seed = tables.seed;
    let workload = tables.policies.get(usize::from(policy)).map(|p| p.workload);
    let full_kb = workload.map_or(20.0, |w| f64::from(w.full_gib)) * 1024.0 * 1024.0;
    let size_pct = vocab::SCHEDULES
        .get(usize::from(schedule))
        .map_or(100, |s| s.size_pct);
    let jitter = 0.4 + 1.2 * unit(seed, salt::SIZE, id);
    let mut kilobytes = match job_type {
        vocab::JT_SNAPSHOT | vocab::JT_IMAGEDELETE | vocab::JT_INDEXING => 0.0,
        vocab::JT_RESTORE => full_kb * 0.05 * jitter,
        _ => full_kb * f64::from(size_pct) / 100.0 * jitter,
    };
    let rate_kb_s = 30_000.0 + 220_000.0 * unit(seed, salt::RATE, id);
    let overhead = 15.0 + 120.0 * unit(seed, salt::OVERHEAD, id);
    let duration = match job_type {
        vocab::JT_SNAPSHOT => 30.0 + 240.0 * jitter,
        vocab::JT_IMAGEDELETE => 5.0 + 50.0 * jitter,
        vocab::JT_INDEXING => 60.0 + 500.0 * jitter,
        _ => overhead + kilobytes / rate_kb_s,
    }
    .min(6.0 * 3600.0);
    let status_weights: Vec<u32> = vocab::STATUS_MIX.iter().map(|(_, w)| *w).collect();
    let pick =
        (unit(seed, salt::STATUS, id) * f64::from(status_weights.iter().sum::<u32>())) as u32;
    let mut acc = 0;
    let mut status = 0;
    for (code, weight) in vocab::STATUS_MIX {
        acc += weight;
        if pick < acc {
            status = *code;
            break;
        }
    }
    if job_type == vocab::JT_IMAGEDELETE && status > 1 {
        status = 0;
    }
    let files_per_gib = workload.map_or(1000, |w| w.files_per_gib);
    if status >= 2 {
        kilobytes *= unit(seed, salt::SIZE ^ 0xFF, id) * 0.3;
    }
    let files = match job_type {
        vocab::JT_INDEXING => (kilobytes.max(1.0) as u64 % 50_000) as u32 + 1_000,
        _ => {
            (kilobytes / 1024.0 / 1024.0 * f64::from(files_per_gib)) as u32
                + u32::from(kilobytes > 0.0)
        }
    };
    let dedups = tables
        .storage_units
        .get(usize::from(storage_unit))
        .is_some_and(StorageUnit::deduplicates);
    let dedup_permille =
        if dedups && matches!(job_type, vocab::JT_BACKUP | vocab::JT_DBBACKUP) && kilobytes > 0.0 {
            700 + (unit(seed, salt::DEDUP, id) * 295.0) as u16
        } else {
            0
        };
    let queue_draw = unit(seed, salt::QUEUE, id);
    let queue_secs = if queue_draw < 0.7 {
        0
    } else {
        (10.0 + 900.0 * (queue_draw - 0.7) / 0.3) as u32
    };
    let queue_reason = vocab::QUEUE_REASONS
        .get((queue_draw * 1000.0) as usize % vocab::QUEUE_REASONS.len())
        .map_or(0, |r| r.0);
    Outcome {
        kilobytes: kilobytes as u64,
        files,
        duration: duration as u32,
        status,
        dedup_permille,
        queue_secs,
        queue_reason,
    }
}

/// Whether a finished failed job is left INCOMPLETE (resumable) rather than DONE.
pub(crate) fn stays_incomplete(seed: u64, id: u32, status: u16) -> bool {
    status >= 2 && hash3(seed, salt::INCOMPLETE, u64::from(id)).is_multiple_of(25)
}

/// Ends `job` at `at` with the results of `outcome`: DONE, or INCOMPLETE for some failures. Both
/// the generated history and live mode finish jobs this way.
pub(crate) fn finish(seed: u64, job: &mut Job, outcome: &Outcome, at: u32) {
    job.state = if stays_incomplete(seed, job.id, outcome.status) {
        vocab::STATE_INCOMPLETE
    } else {
        vocab::STATE_DONE
    };
    job.end = at;
    job.last_update = at;
    job.status = outcome.status;
    job.kilobytes = outcome.kilobytes;
    job.files = outcome.files;
    job.dedup_permille = outcome.dedup_permille;
    job.percent = 100;
    job.queue_reason = 0;
}

/// Places job `job` on the timeline at `now`: queued, active (with partial progress) or finished.
pub(crate) fn settle(tables: &Tables, job: &mut Job, outcome: &Outcome, now: u32) {
    let run_start = job.start.saturating_add(outcome.queue_secs);
    let run_end = run_start.saturating_add(outcome.duration.max(1));
    job.dedup_permille = outcome.dedup_permille;
    if run_end <= now {
        finish(tables.seed, job, outcome, run_end);
    } else if run_start > now {
        job.state = vocab::STATE_QUEUED;
        job.end = 0;
        job.last_update = job.start;
        job.status = 0;
        job.kilobytes = 0;
        job.files = 0;
        job.percent = 0;
        job.queue_reason = outcome.queue_reason;
    } else {
        let elapsed = now - run_start;
        let fraction = (f64::from(elapsed) / f64::from(outcome.duration.max(1))).min(0.99);
        job.state = vocab::STATE_ACTIVE;
        job.end = 0;
        job.last_update = now.saturating_sub(elapsed.min(30) / 2).max(job.start);
        job.status = 0;
        job.kilobytes = (outcome.kilobytes as f64 * fraction) as u64;
        job.files = (f64::from(outcome.files) * fraction) as u32;
        job.percent = (fraction * 100.0) as u8;
        job.queue_reason = 0;
    }
}

/// A blank job; callers fill in what it is.
pub(crate) fn blank_job(id: u32, start: u32) -> Job {
    Job {
        kilobytes: 0,
        id,
        parent: 0,
        client: NONE_U32,
        start,
        end: 0,
        last_update: start,
        files: 0,
        policy: NONE_U16,
        storage_unit: NONE_U16,
        status: 0,
        dedup_permille: 0,
        job_type: vocab::JT_BACKUP,
        schedule: vocab::NO_SCHEDULE,
        state: vocab::STATE_QUEUED,
        percent: 0,
        attempt: 1,
        queue_reason: 0,
        media_server: 0,
        children: 0,
    }
}

impl Estate {
    /// Generates an estate. Same config, same estate.
    pub(crate) fn generate(config: &EstateConfig) -> Self {
        let mut rng = SplitMix64::new(config.seed);
        let tables = generate_tables(config, &mut rng);
        let mut jobs = JobStore::new(1_000 + (config.seed % 9_000) as u32 * 100);
        generate_jobs(config, &tables, &mut jobs, &mut rng);
        let resources = render::resources::generate(config, &tables, &jobs, &mut rng);
        Self {
            tables,
            jobs,
            resources,
            live_rng: SplitMix64::new(config.seed ^ 0x11FE_CAFE),
            new_job_credit: 0.0,
        }
    }
}

fn generate_tables(config: &EstateConfig, rng: &mut SplitMix64) -> Tables {
    let domain = "corp.example.com";
    let primary = format!("nbu-primary.{domain}");
    let media_count = config.media_servers.clamp(1, 255);
    let media_servers: Vec<String> = (1..=media_count)
        .map(|i| format!("nbu-media-{i:02}.{domain}"))
        .collect();

    let mut storage_units = Vec::new();
    let mut per_category = std::collections::HashMap::<&str, u32>::new();
    for i in 0..config.storage_units.clamp(1, usize::from(NONE_U16) - 1) {
        let category = vocab::STORAGE_CATEGORY_CYCLE[i % vocab::STORAGE_CATEGORY_CYCLE.len()];
        let n = per_category.entry(category).or_default();
        *n += 1;
        let stem = match category {
            "MSDP" => "msdp",
            "CLOUD" => "cloud-s3",
            "TAPE" => "tape-lto8",
            "ADVANCED_DISK" => "advdisk",
            "OPEN_STORAGE" => "ddboost",
            "BASIC_DISK" => "basic",
            _ => "stu",
        };
        let tib: u64 = 1 << 40;
        let (total, used) = match category {
            "CLOUD" | "TAPE" => (None, None),
            _ => {
                let total = rng.range(20, 800) * tib;
                let used = total / 100 * rng.range(25, 95);
                (Some(total), Some(used))
            }
        };
        let disk_pool = matches!(
            category,
            "MSDP" | "CLOUD" | "ADVANCED_DISK" | "OPEN_STORAGE"
        )
        .then(|| format!("dp-{stem}-{n:02}"));
        storage_units.push(StorageUnit {
            name: format!("stu-{stem}-{n:02}"),
            category,
            media_server: (i % media_servers.len()) as u8,
            disk_pool,
            total_bytes: total,
            used_bytes: used,
        });
    }

    let client_count = config.clients.clamp(1, (NONE_U32 - 1) as usize);
    let workload_policies = (client_count / 6 + 3).min(client_count).clamp(1, 4_000);
    let weights: Vec<u32> = vocab::WORKLOADS.iter().map(|w| w.weight).collect();
    let pick_unit = |rng: &mut SplitMix64, preferred: &[&str]| -> u16 {
        for category in preferred {
            let candidates: Vec<usize> = storage_units
                .iter()
                .enumerate()
                .filter(|(_, s)| s.category == *category)
                .map(|(i, _)| i)
                .collect();
            if let Some(i) = rng.pick(&candidates) {
                return *i as u16;
            }
        }
        rng.below(storage_units.len() as u64) as u16
    };
    let mut policies = vec![Policy {
        name: "NBU-Catalog".into(),
        workload: vocab::CATALOG_WORKLOAD,
        first_client: 0,
        client_stride: 1,
        client_count: 1,
        storage_unit: pick_unit(rng, &["MSDP", "ADVANCED_DISK"]),
        slp: None,
    }];
    let tiers = ["PROD", "PROD", "DEV", "TEST"];
    for p in 0..workload_policies {
        let workload = vocab::WORKLOADS[rng.weighted(&weights)];
        let tier = tiers[rng.below(tiers.len() as u64) as usize];
        let preferred: &[&str] = match rng.below(10) {
            0 => &["CLOUD", "MSDP"],
            1 => &["TAPE", "MSDP"],
            2 => &["ADVANCED_DISK", "MSDP"],
            3 => &["OPEN_STORAGE", "MSDP"],
            _ => &["MSDP"],
        };
        let storage_unit = pick_unit(rng, preferred);
        let on_msdp = storage_units
            .get(usize::from(storage_unit))
            .is_some_and(|s| s.category == "MSDP");
        let slp = (on_msdp && rng.chance(0.5))
            .then(|| format!("SLP_{tier}_{}_Dup", workload.policy_stem));
        let count = (client_count - 1 + workload_policies - 1 - p) / workload_policies;
        policies.push(Policy {
            name: format!("{tier}_{}_{:02}", workload.policy_stem, p + 1),
            workload,
            first_client: 1 + p as u32,
            client_stride: workload_policies as u32,
            client_count: count as u32,
            storage_unit,
            slp,
        });
    }
    let mut tables = Tables {
        seed: config.seed,
        primary: primary.clone(),
        primary_host_id: format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rng.next_u64() as u32,
            rng.below(0x10000),
            rng.below(0x1000),
            rng.below(0x1000),
            rng.below(1 << 48)
        ),
        clients: Vec::with_capacity(client_count),
        policies,
        storage_units,
        media_servers,
        nbu_version: config.nbu_version,
        base_url: config.base_url.clone(),
    };
    tables.clients.push(primary);
    for c in 1..client_count as u32 {
        let policy = policy_of(&tables, c);
        let prefix = tables
            .policies
            .get(usize::from(policy))
            .map_or("host", |p| p.workload.client_prefix);
        tables.clients.push(format!("{prefix}-{c:04}.{domain}"));
    }
    tables
}

/// Sorted start offsets: two thirds spread evenly, one third in nightly backup windows (20:00–04:00).
fn start_times(config: &EstateConfig, rng: &mut SplitMix64) -> Vec<u32> {
    let window = config.window_secs.max(60);
    let from = config.now.saturating_sub(window);
    let mut times: Vec<u32> = (0..config.jobs)
        .map(|_| {
            let mut t = from + rng.below(u64::from(window)) as u32;
            if rng.chance(0.35) {
                // Shift into the nearest preceding night window, if that stays inside the history.
                let secs_of_day = t % 86_400;
                let night_start = t - secs_of_day + 20 * 3600;
                let candidate = if secs_of_day >= 20 * 3600 {
                    t
                } else {
                    night_start.saturating_sub(86_400) + rng.below(8 * 3600) as u32
                };
                if candidate >= from && candidate <= config.now {
                    t = candidate;
                }
            }
            t
        })
        .collect();
    times.sort_unstable();
    times
}

fn generate_jobs(
    config: &EstateConfig,
    tables: &Tables,
    store: &mut JobStore,
    rng: &mut SplitMix64,
) {
    let times = start_times(config, rng);
    let now = config.now;
    let mut i = 0;
    let schedule_weights = |w: &Workload| -> Vec<u32> {
        w.schedules
            .iter()
            .map(|s| vocab::SCHEDULES[usize::from(*s)].weight)
            .collect()
    };
    while i < times.len() {
        let t = times[i];
        let remaining = times.len() - i;
        let kind = rng.below(1000);
        if kind < 860 {
            // A policy backup of one client.
            let client = 1 + rng.below(tables.clients.len().saturating_sub(1).max(1) as u64) as u32;
            let client = client.min(tables.clients.len() as u32 - 1);
            let policy_idx = policy_of(tables, client);
            let Some(policy) = tables.policies.get(usize::from(policy_idx)) else {
                break;
            };
            let schedule =
                policy.workload.schedules[rng.weighted(&schedule_weights(&policy.workload))];
            let streams = if policy.workload.parent_child {
                2
            } else if rng.chance(0.1) {
                rng.range(2, 3) as usize
            } else {
                0
            };
            let streams = if streams + 1 > remaining { 0 } else { streams };
            let make = |id: u32, start: u32, job_type: u8, parent: u32| {
                let mut job = blank_job(id, start);
                job.job_type = job_type;
                job.client = client;
                job.policy = policy_idx;
                job.schedule = schedule;
                job.storage_unit = policy.storage_unit;
                job.media_server = tables
                    .storage_units
                    .get(usize::from(policy.storage_unit))
                    .map_or(0, |s| s.media_server);
                job.parent = parent;
                job
            };
            let parent_id = store.next_id();
            if streams == 0 {
                let mut job = make(parent_id, t, vocab::JT_BACKUP, 0);
                let outcome = outcome(tables, &job);
                settle(tables, &mut job, &outcome, now);
                job.attempt = if job.status >= 2 && rng.chance(0.3) {
                    2
                } else {
                    1
                };
                store.push(job);
                i += 1;
                continue;
            }
            let mut children = Vec::with_capacity(streams);
            for k in 0..streams {
                let job_type = if policy.workload.parent_child && k == 0 {
                    vocab::JT_SNAPSHOT
                } else {
                    vocab::JT_BACKUP
                };
                let mut child = make(
                    parent_id + 1 + k as u32,
                    times[i + 1 + k],
                    job_type,
                    parent_id,
                );
                let mut outcome = outcome(tables, &child);
                outcome.queue_secs = 0;
                settle(tables, &mut child, &outcome, now);
                children.push(child);
            }
            let mut parent = make(parent_id, t, vocab::JT_BACKUP, 0);
            parent.children = streams as u8;
            parent.dedup_permille = 0;
            finish_parent_from(&mut parent, &children);
            store.push(parent);
            for child in children {
                store.push(child);
            }
            i += 1 + streams;
            continue;
        }
        let mut job = blank_job(store.next_id(), t);
        job.client = 0;
        match kind {
            860..=919 => {
                // SLP duplication or replication of some policy's images.
                let with_slp: Vec<u16> = tables
                    .policies
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.slp.is_some())
                    .map(|(i, _)| i as u16)
                    .collect();
                let policy = rng.pick(&with_slp).copied().unwrap_or(0);
                job.job_type = if rng.chance(0.6) {
                    vocab::JT_DUPLICATE
                } else {
                    vocab::JT_REPLICATE
                };
                job.policy = policy;
                if let Some(p) = tables.policies.get(usize::from(policy)) {
                    job.client = p.first_client
                        + p.client_stride * rng.below(u64::from(p.client_count.max(1))) as u32;
                    job.client = job.client.min(tables.clients.len() as u32 - 1);
                }
                job.storage_unit = rng.below(tables.storage_units.len() as u64) as u16;
            }
            920..=949 => job.job_type = vocab::JT_IMAGEDELETE,
            950..=964 => {
                job.job_type = vocab::JT_RESTORE;
                job.client =
                    rng.range(1, tables.clients.len().saturating_sub(1).max(1) as u64) as u32;
                job.client = job.client.min(tables.clients.len() as u32 - 1);
                job.policy = policy_of(tables, job.client);
            }
            965..=974 => {
                job.job_type = vocab::JT_VERIFY;
                job.policy = policy_of(tables, job.client);
            }
            975..=989 => job.job_type = vocab::JT_INDEXING,
            _ => {
                job.job_type = vocab::JT_DBBACKUP;
                job.policy = 0;
                job.schedule = u8::from(rng.chance(0.7));
                job.storage_unit = tables.policies.first().map_or(0, |p| p.storage_unit);
            }
        }
        if job.storage_unit == NONE_U16
            && matches!(job.job_type, vocab::JT_RESTORE | vocab::JT_VERIFY)
        {
            job.storage_unit = tables
                .policies
                .get(usize::from(job.policy))
                .map_or(0, |p| p.storage_unit);
        }
        job.media_server = tables
            .storage_units
            .get(usize::from(job.storage_unit))
            .map_or(0, |s| s.media_server);
        let outcome = outcome(tables, &job);
        settle(tables, &mut job, &outcome, now);
        store.push(job);
        i += 1;
    }
}

/// Derives a parent job's state from its children: active while any child runs, else finished with
/// the worst child status at the last child's end.
pub(crate) fn finish_parent_from(parent: &mut Job, children: &[Job]) {
    let running = children.iter().any(|c| !c.is_finished());
    let last_update = children
        .iter()
        .map(|c| c.last_update)
        .max()
        .unwrap_or(parent.start);
    parent.last_update = last_update.max(parent.start);
    parent.kilobytes = 0;
    parent.files = 0;
    parent.queue_reason = 0;
    if running {
        parent.state = vocab::STATE_ACTIVE;
        parent.end = 0;
        parent.status = 0;
        let done = children.iter().filter(|c| c.is_finished()).count();
        parent.percent = (done * 100 / children.len().max(1)).min(99) as u8;
    } else {
        parent.state = vocab::STATE_DONE;
        parent.end = children
            .iter()
            .map(|c| c.end)
            .max()
            .unwrap_or(parent.start)
            .max(parent.start);
        parent.status = children.iter().map(|c| c.status).max().unwrap_or(0);
        parent.percent = 100;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn config(jobs: usize) -> EstateConfig {
        EstateConfig {
            seed: 7,
            jobs,
            clients: 120,
            storage_units: 8,
            media_servers: 3,
            drives: 6,
            tape_media: 40,
            alerts: 30,
            malware_scans: 20,
            slos: 4,
            window_secs: 86_400,
            now: 1_760_000_000,
            base_url: "https://127.0.0.1:1556/netbackup".into(),
            nbu_version: "11.2",
        }
    }

    #[test]
    fn generation_is_deterministic_and_consistent() {
        let a = Estate::generate(&config(3_000));
        let b = Estate::generate(&config(3_000));
        assert_eq!(a.jobs.jobs(), b.jobs.jobs());
        assert_eq!(a.jobs.len(), 3_000);
        let now = config(0).now;
        let mut previous_start = 0;
        for job in a.jobs.jobs() {
            assert!(job.start >= previous_start, "ids follow start order");
            previous_start = job.start;
            assert!(job.start >= now - 86_400 && job.start <= now);
            assert!(job.last_update >= job.start && job.last_update <= now);
            if job.end != 0 {
                assert!(job.end >= job.start && job.end <= now);
            }
            assert_eq!(job.is_finished(), job.end != 0, "job {job:?}");
        }
        let states: std::collections::BTreeSet<u8> =
            a.jobs.jobs().iter().map(|j| j.state).collect();
        assert!(
            states.contains(&vocab::STATE_DONE) && states.contains(&vocab::STATE_ACTIVE),
            "{states:?}"
        );
        let ok = a
            .jobs
            .jobs()
            .iter()
            .filter(|j| j.is_finished() && j.status == 0)
            .count();
        let finished = a.jobs.jobs().iter().filter(|j| j.is_finished()).count();
        assert!(
            ok * 100 / finished > 70,
            "most jobs succeed: {ok}/{finished}"
        );
        assert!(a.jobs.jobs().iter().any(|j| j.parent != 0));
    }
}
