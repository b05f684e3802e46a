//! Live mode: the estate moves. New jobs start, queued jobs run, running jobs progress and finish,
//! and every change advances the job's `lastUpdateTime`, so incremental collection has something to
//! find. [`Estate::tick`] follows the clock; [`Estate::apply_changes`] applies a number of changes at
//! once for tests.

use std::collections::BTreeSet;

use crate::estate::{self, Estate, MAX_ALERTS, blank_job, finish_parent_from};
use crate::render::resources::alert;
use crate::vocab;

/// Seconds between progress updates of a running job in clock-driven mode.
const PROGRESS_EVERY: u32 = 15;

impl Estate {
    /// Applies `count` changes at `now` (Unix seconds) and returns how many distinct jobs changed.
    /// Each change starts a job, moves a queued job to active, advances a running job, or finishes it
    /// (a finishing child may finish its parent too). The choices come from the seeded live generator,
    /// so the same seed and call sequence give the same result.
    pub(crate) fn apply_changes(&mut self, count: usize, now: u32) -> usize {
        let mut changed = BTreeSet::new();
        for _ in 0..count {
            let candidate = if self.live_rng.chance(0.65) {
                self.live_rng.pick(self.jobs.in_progress()).copied()
            } else {
                None
            };
            let advanceable = candidate.filter(|id| {
                self.jobs
                    .get(u64::from(*id))
                    .is_some_and(|job| job.children == 0)
            });
            match advanceable {
                Some(id) => {
                    let finish = self.live_rng.chance(0.35);
                    self.advance(id, now, finish, &mut changed);
                }
                None => {
                    changed.insert(self.start_job(now));
                }
            }
        }
        changed.len()
    }

    /// Moves the estate to `now`: starts `jobs_per_minute × elapsed_secs / 60` new jobs (carrying
    /// fractions over) and lets queued and running jobs advance as their planned outcome says.
    /// Returns how many distinct jobs changed.
    pub(crate) fn tick(&mut self, now: u32, elapsed_secs: f64, jobs_per_minute: f64) -> usize {
        let mut changed = BTreeSet::new();
        self.new_job_credit += jobs_per_minute.max(0.0) * elapsed_secs.max(0.0) / 60.0;
        while self.new_job_credit >= 1.0 {
            self.new_job_credit -= 1.0;
            changed.insert(self.start_job(now));
        }
        let running: Vec<u32> = self.jobs.in_progress().to_vec();
        for id in running {
            let Some(job) = self.jobs.get(u64::from(id)).copied() else {
                continue;
            };
            if job.children > 0 || changed.contains(&id) {
                continue;
            }
            let plan = estate::outcome(&self.tables, &job);
            let run_start = job.start.saturating_add(plan.queue_secs);
            let due = match job.state {
                vocab::STATE_QUEUED => now >= run_start,
                _ => {
                    now >= run_start.saturating_add(plan.duration)
                        || now.saturating_sub(job.last_update) >= PROGRESS_EVERY
                }
            };
            if due {
                let finish = job.state == vocab::STATE_ACTIVE
                    && now >= run_start.saturating_add(plan.duration);
                self.advance(id, now, finish, &mut changed);
            }
        }
        changed.len()
    }

    /// Starts a new policy backup at `now` and returns its id.
    fn start_job(&mut self, now: u32) -> u32 {
        let id = self.jobs.next_id();
        let start = now.max(self.jobs.last_start());
        let mut job = blank_job(id, start);
        let clients = self.tables.clients.len() as u64;
        let client = if clients > 1 {
            self.live_rng.range(1, clients - 1) as u32
        } else {
            0
        };
        let policy = crate::estate::policy_of(&self.tables, client);
        job.client = client;
        job.policy = policy;
        if let Some(p) = self.tables.policies.get(usize::from(policy)) {
            job.schedule = self
                .live_rng
                .pick(p.workload.schedules)
                .copied()
                .unwrap_or(0);
            job.storage_unit = p.storage_unit;
            job.media_server = self
                .tables
                .storage_units
                .get(usize::from(p.storage_unit))
                .map_or(0, |s| s.media_server);
            if p.workload.policy_type == "NBU_CATALOG" {
                job.job_type = vocab::JT_DBBACKUP;
            }
        }
        let plan = estate::outcome(&self.tables, &job);
        if plan.queue_secs > 0 {
            job.state = vocab::STATE_QUEUED;
            job.queue_reason = plan.queue_reason;
        } else {
            job.state = vocab::STATE_ACTIVE;
        }
        job.last_update = start;
        self.jobs.push(job);
        id
    }

    /// Moves job `id` one step: queued → active, active → progress, or active → finished.
    fn advance(&mut self, id: u32, now: u32, finish: bool, changed: &mut BTreeSet<u32>) {
        let Some(job) = self.jobs.get(u64::from(id)).copied() else {
            return;
        };
        let plan = estate::outcome(&self.tables, &job);
        let seed = self.tables.seed;
        match job.state {
            vocab::STATE_QUEUED => {
                self.jobs.update(id, |job| {
                    job.state = vocab::STATE_ACTIVE;
                    job.queue_reason = 0;
                    job.last_update = now;
                });
            }
            vocab::STATE_ACTIVE if finish => {
                self.jobs
                    .update(id, |job| estate::finish(seed, job, &plan, now));
                if plan.status >= 2
                    && let Some(finished) = self.jobs.get(u64::from(id))
                {
                    self.resources.next_alert_id += 1;
                    let value = alert(&self.tables, finished, self.resources.next_alert_id);
                    self.resources.alerts.insert(0, value);
                    self.resources.alerts.truncate(MAX_ALERTS);
                }
                if job.parent != 0 {
                    self.settle_parent(job.parent, changed);
                }
            }
            vocab::STATE_ACTIVE => {
                let run_start = job.start.saturating_add(plan.queue_secs);
                let by_clock =
                    f64::from(now.saturating_sub(run_start)) / f64::from(plan.duration.max(1));
                let by_step = f64::from(job.percent) / 100.0 + 0.05 + 0.2 * self.live_rng.unit();
                let fraction = by_clock.max(by_step).min(0.99);
                self.jobs.update(id, |job| {
                    job.percent = (fraction * 100.0) as u8;
                    job.kilobytes = (plan.kilobytes as f64 * fraction) as u64;
                    job.files = (f64::from(plan.files) * fraction) as u32;
                    job.dedup_permille = plan.dedup_permille;
                    job.last_update = now;
                });
            }
            _ => return,
        }
        changed.insert(id);
    }

    /// Re-derives a parent from its children (ids `parent+1 ..= parent+childCount`) after one changed.
    fn settle_parent(&mut self, parent: u32, changed: &mut BTreeSet<u32>) {
        let Some(parent_job) = self.jobs.get(u64::from(parent)).copied() else {
            return;
        };
        let children: Vec<_> = (1..=u32::from(parent_job.children))
            .filter_map(|k| self.jobs.get(u64::from(parent + k)).copied())
            .collect();
        let mut updated = parent_job;
        finish_parent_from(&mut updated, &children);
        if updated != parent_job {
            self.jobs.update(parent, |job| *job = updated);
            changed.insert(parent);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::estate::{Estate, EstateConfig};

    fn config() -> EstateConfig {
        EstateConfig {
            seed: 11,
            jobs: 2_000,
            clients: 80,
            storage_units: 6,
            media_servers: 2,
            drives: 2,
            tape_media: 5,
            alerts: 5,
            malware_scans: 5,
            slos: 2,
            window_secs: 43_200,
            now: 1_760_000_000,
            base_url: "http://127.0.0.1:1/netbackup".into(),
            nbu_version: "11.2",
        }
    }

    #[test]
    fn changes_touch_jobs_and_advance_last_update() {
        let mut estate = Estate::generate(&config());
        let now = 1_760_000_100;
        let before = estate.jobs.len();
        let changed = estate.apply_changes(50, now);
        assert!(changed > 0 && changed <= 60, "{changed}");
        let touched = estate
            .jobs
            .jobs()
            .iter()
            .filter(|job| job.last_update == now)
            .count();
        assert_eq!(
            touched, changed,
            "every changed job carries the change time"
        );
        assert!(estate.jobs.len() > before, "some changes start new jobs");
        let mut again = Estate::generate(&config());
        assert_eq!(
            again.apply_changes(50, now),
            changed,
            "changes are deterministic"
        );
        assert_eq!(again.jobs.jobs(), estate.jobs.jobs());
    }

    #[test]
    fn ticks_start_jobs_at_the_configured_rate_and_finish_due_ones() {
        let mut estate = Estate::generate(&config());
        let before = estate.jobs.len();
        estate.tick(1_760_000_060, 60.0, 30.0);
        assert_eq!(estate.jobs.len(), before + 30);
        // Far in the future every job has run its course (queued jobs need one tick to start, one to end).
        estate.tick(1_760_100_000, 0.0, 30.0);
        estate.tick(1_760_100_001, 0.0, 30.0);
        let still_running = estate
            .jobs
            .in_progress()
            .iter()
            .filter_map(|id| estate.jobs.get(u64::from(*id)))
            .filter(|job| job.children == 0)
            .count();
        assert_eq!(still_running, 0);
        assert!(
            estate.jobs.in_progress().is_empty(),
            "parents finish with their children"
        );
    }
}
