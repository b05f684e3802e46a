//! The job families and the from-scratch aggregation that defines them.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::histogram::DurationHistogram;
use super::keys::{JobKey, PolicyKey, QueueKey, StateKey, StatusKey};
use super::observation::{JobObservation, JobState, instant_key, is_stale, window_start};
use crate::exposition::FamilySet;
use crate::names;

/// A running mean: the sum and the number of values behind it.
///
/// The sum is kept in fixed point, in units of 2⁻⁵⁶ in an `i128`, so that it does not depend on
/// the order the values came in: a window built up over many incremental collections renders the
/// same mean as one loaded from scratch, where `f64` addition would differ in the last digit.
/// Every value from 1/16 up is held exactly, smaller ones to within 10⁻¹⁷, and a value beyond
/// about ±2×10²¹ counts as that bound (a dedup ratio is a percentage). The sum itself cannot
/// overflow: it carries into a count of 2¹²⁸ wraps, so even absurd values add up the same in any
/// order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mean {
    /// The sum modulo 2¹²⁸, in units of `1 / MEAN_UNIT`.
    sum_units: i128,
    /// How many times `sum_units` wrapped: the exact sum is `wraps × 2¹²⁸ + sum_units`.
    wraps: i64,
    count: u64,
}

/// Fixed-point units per 1.0 (2⁵⁶): an `f64` of exponent −4 or more has no bits below this unit.
const MEAN_UNIT: f64 = 72_057_594_037_927_936.0;

impl Mean {
    /// Adds one value. A value that is not finite is no measurement and is ignored.
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        // `as` saturates at the i128 bounds: a total conversion, no panic path.
        let units = (value * MEAN_UNIT).round() as i128;
        let (sum, wrapped) = self.sum_units.overflowing_add(units);
        self.sum_units = sum;
        if wrapped {
            self.wraps = self.wraps.wrapping_add(if units < 0 { -1 } else { 1 });
        }
        self.count += 1;
    }

    /// The sum of the values added.
    pub fn sum(&self) -> f64 {
        (self.wraps as f64 * 2_f64.powi(128) + self.sum_units as f64) / MEAN_UNIT
    }

    /// How many values were added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean, or `None` when no value was added.
    pub fn value(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum() / self.count as f64)
    }
}

/// The job families of one site at one instant.
///
/// Which jobs each family covers (`window` is the look-back, a job is *in the window* when its
/// `end_time` is after `now − window`, the Go exporter's `endTime gt …` filter):
/// - `count`, `bytes`, `status`, `files`, `dedup_ratio`: jobs in the window, whatever their state;
/// - `duration`: done jobs in the window that have a [`JobObservation::duration`];
/// - `state`: every job not done (queued, active, …, which the Go exporter never saw) plus the
///   done jobs in the window;
/// - `queued`: every job in state `QUEUED`, by queue reason.
///
/// A job without a value (bytes, files, dedup ratio, duration) adds nothing to that family but
/// still counts in `count`; a key whose jobs all lack the value has no entry at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFamilies {
    /// `nbu_jobs_count`.
    pub count: BTreeMap<JobKey, u64>,
    /// `nbu_jobs_bytes` (saturating at `u64::MAX`).
    pub bytes: BTreeMap<JobKey, u64>,
    /// `nbu_status_count`.
    pub status: BTreeMap<StatusKey, u64>,
    /// `nbu_jobs_state_count`.
    pub state: BTreeMap<StateKey, u64>,
    /// `nbu_jobs_queued_count`.
    pub queued: BTreeMap<QueueKey, u64>,
    /// `nbu_jobs_files_count` (saturating at `u64::MAX`).
    pub files: BTreeMap<PolicyKey, u64>,
    /// `nbu_jobs_dedup_ratio`: the mean of the ratios reported.
    pub dedup_ratio: BTreeMap<PolicyKey, Mean>,
    /// `nbu_job_duration_seconds`.
    pub duration: BTreeMap<PolicyKey, DurationHistogram>,
}

/// Aggregates `jobs` from scratch: the reference the incremental [`crate::JobWindow`] must match.
///
/// When several observations share a `job_id`, one is kept by the rule of
/// [`crate::JobWindow::upsert`]: taken in order, each replaces the kept one unless its
/// `last_update` is older. Use it for one-shot aggregations; a collector that polls repeatedly
/// should keep a [`crate::JobWindow`].
pub fn aggregate_jobs<'a>(
    jobs: impl IntoIterator<Item = &'a JobObservation>,
    now: Timestamp,
    window: SignedDuration,
) -> JobFamilies {
    // One observation per job id: the newest.
    let mut latest: BTreeMap<i64, &JobObservation> = BTreeMap::new();
    let update = |job: &JobObservation| job.last_update.map(instant_key);
    for job in jobs {
        let stale = latest
            .get(&job.job_id)
            .is_some_and(|kept| is_stale(update(job), update(kept)));
        if !stale {
            latest.insert(job.job_id, job);
        }
    }
    let start = window_start(now, window);
    let mut families = JobFamilies::default();
    for job in latest.values() {
        families.add(job, start);
    }
    families
}

impl JobFamilies {
    fn add(&mut self, job: &JobObservation, window_start: Timestamp) {
        let in_window = job.end_time.is_some_and(|end| end > window_start);
        if in_window {
            let status = job.status_label();
            let key = JobKey {
                action: job.action.clone(),
                policy_type: job.policy_type.clone(),
                status: status.clone(),
            };
            if let Some(bytes) = job.bytes {
                let sum = self.bytes.entry(key.clone()).or_default();
                *sum = sum.saturating_add(bytes);
            }
            *self.count.entry(key).or_default() += 1;
            *self
                .status
                .entry(StatusKey {
                    action: job.action.clone(),
                    status,
                })
                .or_default() += 1;
            let policy = PolicyKey {
                action: job.action.clone(),
                policy_type: job.policy_type.clone(),
            };
            if let Some(files) = job.files {
                let sum = self.files.entry(policy.clone()).or_default();
                *sum = sum.saturating_add(files);
            }
            if let Some(ratio) = job.finite_dedup_ratio() {
                self.dedup_ratio
                    .entry(policy.clone())
                    .or_default()
                    .add(ratio);
            }
            if let Some(duration) = job.duration().filter(|_| job.state.is_done()) {
                self.duration.entry(policy).or_default().observe(duration);
            }
        }
        if in_window || !job.state.is_done() {
            *self
                .state
                .entry(StateKey {
                    action: job.action.clone(),
                    state: job.state.label().to_owned(),
                })
                .or_default() += 1;
        }
        if job.state == JobState::Queued {
            *self
                .queued
                .entry(QueueKey {
                    action: job.action.clone(),
                    reason: job.reason_label(),
                })
                .or_default() += 1;
        }
    }
}

const HELP_COUNT: &str =
    "Jobs that ended inside the look-back window, by job type, policy type and status code.";
const HELP_BYTES: &str = "Bytes transferred by jobs that ended inside the look-back window.";
const HELP_STATUS: &str =
    "Jobs that ended inside the look-back window, by job type and status code.";
const HELP_STATE: &str =
    "Jobs by state: every job not done yet, plus done jobs that ended inside the look-back window.";
const HELP_QUEUED: &str = "Queued jobs by job type and queue reason.";
const HELP_FILES: &str = "Files processed by jobs that ended inside the look-back window.";
const HELP_DEDUP: &str = "Mean deduplication ratio of the jobs that ended inside the look-back \
     window and reported one.";
const HELP_DURATION: &str =
    "Run time of done jobs that ended inside the look-back window, in seconds.";

impl From<&JobFamilies> for FamilySet {
    fn from(families: &JobFamilies) -> Self {
        let mut set = FamilySet::new();
        let count = set.gauge(names::JOBS_COUNT, HELP_COUNT);
        for (key, value) in &families.count {
            count.push(key.labels(), *value as f64);
        }
        let bytes = set.gauge(names::JOBS_BYTES, HELP_BYTES);
        for (key, value) in &families.bytes {
            bytes.push(key.labels(), *value as f64);
        }
        let status = set.gauge(names::STATUS_COUNT, HELP_STATUS);
        for (key, value) in &families.status {
            status.push(key.labels(), *value as f64);
        }
        let state = set.gauge(names::JOBS_STATE_COUNT, HELP_STATE);
        for (key, value) in &families.state {
            state.push(key.labels(), *value as f64);
        }
        let queued = set.gauge(names::JOBS_QUEUED_COUNT, HELP_QUEUED);
        for (key, value) in &families.queued {
            queued.push(key.labels(), *value as f64);
        }
        let files = set.gauge(names::JOBS_FILES_COUNT, HELP_FILES);
        for (key, value) in &families.files {
            files.push(key.labels(), *value as f64);
        }
        let dedup = set.gauge(names::JOBS_DEDUP_RATIO, HELP_DEDUP);
        for (key, mean) in &families.dedup_ratio {
            if let Some(value) = mean.value() {
                dedup.push(key.labels(), value);
            }
        }
        let duration = set.histogram(names::JOB_DURATION_SECONDS, HELP_DURATION);
        for (key, histogram) in &families.duration {
            duration.push_histogram(key.labels(), histogram.to_value());
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UNKNOWN;

    const HOUR: SignedDuration = SignedDuration::from_hours(1);

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    fn done(id: i64, end: i64) -> JobObservation {
        JobObservation {
            action: "BACKUP".into(),
            policy_type: "STANDARD".into(),
            status: Some(0),
            start_time: Some(at(end - 600)),
            end_time: Some(at(end)),
            ..JobObservation::new(id, JobState::Done)
        }
    }

    fn key(status: &str) -> JobKey {
        JobKey {
            action: "BACKUP".into(),
            policy_type: "STANDARD".into(),
            status: status.into(),
        }
    }

    fn policy() -> PolicyKey {
        PolicyKey {
            action: "BACKUP".into(),
            policy_type: "STANDARD".into(),
        }
    }

    #[test]
    fn absent_values_add_nothing_but_the_job_still_counts() {
        let with = JobObservation {
            bytes: Some(1024),
            files: Some(10),
            dedup_ratio: Some(2.0),
            ..done(1, 0)
        };
        let without = done(2, 0);
        let families = aggregate_jobs([&with, &without], at(10), HOUR);
        assert_eq!(families.count[&key("0")], 2);
        assert_eq!(families.bytes[&key("0")], 1024);
        assert_eq!(families.files[&policy()], 10);
        assert_eq!(families.dedup_ratio[&policy()].value(), Some(2.0));
    }

    #[test]
    fn a_mean_does_not_depend_on_the_order_of_its_values() {
        let values = [84.7, 0.1, 0.2, 1e-3, 99.99, 3.3, 1e12, 7.000_000_1];
        let mut forward = Mean::default();
        values.iter().for_each(|&v| forward.add(v));
        let mut backward = Mean::default();
        values.iter().rev().for_each(|&v| backward.add(v));
        // The same values summed as f64 in these two orders differ in the last digit.
        assert_ne!(
            values.iter().sum::<f64>().to_bits(),
            values.iter().rev().sum::<f64>().to_bits()
        );
        assert_eq!(forward, backward);
        assert_eq!(forward.count(), 8);
        let exact = values.iter().sum::<f64>() / 8.0;
        let mean = forward.value().unwrap();
        assert!((mean - exact).abs() < 1e-12, "{mean} vs {exact}");
    }

    #[test]
    fn a_mean_of_two_ratios_sums_as_one_correctly_rounded_addition() {
        // One f64 addition rounds the exact sum once; so does `Mean`, whose sum is exact for
        // values from 1/16 up. A coarser fixed point would show in the rendered digits.
        for (a, b) in [(0.1, 0.2), (84.7, 83.3), (81.1, 1e9 + 0.3), (0.0625, 99.99)] {
            let mut mean = Mean::default();
            mean.add(a);
            mean.add(b);
            assert_eq!(mean.sum().to_bits(), (a + b).to_bits(), "{a} + {b}");
        }
    }

    #[test]
    fn a_mean_ignores_values_that_are_not_finite_and_bounds_huge_ones() {
        let mut mean = Mean::default();
        mean.add(f64::NAN);
        mean.add(f64::INFINITY);
        assert_eq!(mean.value(), None);
        mean.add(f64::MAX);
        mean.add(f64::MAX);
        assert_eq!(mean.count(), 2);
        let bound = 2_f64.powi(71);
        assert_eq!(mean.value(), Some(bound));
    }

    #[test]
    fn huge_values_of_both_signs_add_up_the_same_in_any_order() {
        let orders = [
            [2e21, 2e21, -2e21],
            [2e21, -2e21, 2e21],
            [-2e21, 2e21, 2e21],
        ];
        let means: Vec<Mean> = orders
            .iter()
            .map(|values| {
                let mut mean = Mean::default();
                values.iter().for_each(|&v| mean.add(v));
                mean
            })
            .collect();
        assert!(means.iter().all(|mean| *mean == means[0]), "{means:?}");
        let value = means[0].value().unwrap();
        assert!((value - 2e21 / 3.0).abs() < 1e6, "{value}");
    }

    #[test]
    fn dedup_mean_is_absent_when_no_job_reports_a_ratio() {
        let nan = JobObservation {
            dedup_ratio: Some(f64::NAN),
            ..done(2, 0)
        };
        let families = aggregate_jobs([&done(1, 0), &nan], at(10), HOUR);
        assert!(families.dedup_ratio.is_empty());
        assert!(families.bytes.is_empty());
        assert!(families.files.is_empty());
        let set = FamilySet::from(&families);
        assert!(
            set.get(names::JOBS_DEDUP_RATIO)
                .is_some_and(|f| f.is_empty())
        );
    }

    #[test]
    fn window_boundary_is_exclusive() {
        let families = aggregate_jobs([&done(1, 0), &done(2, 1)], at(3600), HOUR);
        assert_eq!(families.count[&key("0")], 1);
        assert_eq!(families.state.values().sum::<u64>(), 1);
    }

    #[test]
    fn unfinished_jobs_count_in_state_and_queue_but_not_in_job_families() {
        let active = JobObservation {
            action: "BACKUP".into(),
            start_time: Some(at(-100_000)),
            ..JobObservation::new(1, JobState::Active)
        };
        let queued = JobObservation {
            action: "BACKUP".into(),
            queue_reason: Some(7),
            ..JobObservation::new(2, JobState::Queued)
        };
        let queued_no_reason = JobObservation {
            action: "BACKUP".into(),
            ..JobObservation::new(3, JobState::Queued)
        };
        let families = aggregate_jobs([&active, &queued, &queued_no_reason], at(0), HOUR);
        assert!(families.count.is_empty());
        assert!(families.duration.is_empty());
        let state = |s: &str| {
            families.state[&StateKey {
                action: "BACKUP".into(),
                state: s.into(),
            }]
        };
        assert_eq!(state("ACTIVE"), 1);
        assert_eq!(state("QUEUED"), 2);
        let reason = |r: &str| {
            families.queued[&QueueKey {
                action: "BACKUP".into(),
                reason: r.into(),
            }]
        };
        assert_eq!(reason("7"), 1);
        assert_eq!(reason(UNKNOWN), 1);
    }

    #[test]
    fn job_without_end_time_is_outside_the_window() {
        let job = JobObservation {
            end_time: None,
            ..done(1, 0)
        };
        let families = aggregate_jobs([&job], at(0), HOUR);
        assert_eq!(families, JobFamilies::default());
    }

    #[test]
    fn duration_only_for_done_jobs() {
        let incomplete = JobObservation {
            state: JobState::Incomplete,
            ..done(2, 0)
        };
        let families = aggregate_jobs([&done(1, 0), &incomplete], at(10), HOUR);
        assert_eq!(families.count[&key("0")], 2);
        assert_eq!(families.duration[&policy()].count(), 1);
        assert_eq!(families.duration[&policy()].sum_seconds(), 600.0);
    }

    #[test]
    fn last_observation_of_a_job_wins() {
        let first = JobObservation {
            status: Some(1),
            ..done(1, 0)
        };
        let families = aggregate_jobs([&first, &done(1, 0)], at(10), HOUR);
        assert_eq!(families.count.len(), 1);
        assert_eq!(families.count[&key("0")], 1);
    }

    #[test]
    fn an_older_observation_does_not_replace_a_newer_one() {
        let newer = JobObservation {
            last_update: Some(at(100)),
            ..done(1, 100)
        };
        let older = JobObservation {
            last_update: Some(at(50)),
            ..JobObservation::new(1, JobState::Active)
        };
        let families = aggregate_jobs([&newer, &older], at(110), HOUR);
        assert_eq!(families.count[&key("0")], 1);
        assert_eq!(families.state.len(), 1);
        assert_eq!(
            families.state.keys().next().map(|k| k.state.as_str()),
            Some("DONE")
        );
    }

    #[test]
    fn missing_status_is_unknown() {
        let job = JobObservation {
            status: None,
            ..done(1, 0)
        };
        let families = aggregate_jobs([&job], at(10), HOUR);
        assert_eq!(families.count[&key(UNKNOWN)], 1);
    }
}
