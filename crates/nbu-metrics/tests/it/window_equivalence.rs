//! The incremental [`JobWindow`] against the from-scratch [`aggregate_jobs`]: random sequences
//! of upserts, removals, evictions and clock steps must never make them disagree.
//!
//! The model applies the store's replacement rule itself: an observation of a held job whose
//! `last_update` is older than the held one's is ignored; anything else replaces it.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use nbu_metrics::{
    ClientJobKey, ClientPolicyKey, JobFamilies, JobKey, JobObservation, JobState, JobWindow,
    aggregate_jobs,
};
use proptest::prelude::*;

const WINDOW_SECONDS: i64 = 3600;
const WINDOW: SignedDuration = SignedDuration::from_secs(WINDOW_SECONDS);
const BASE: i64 = 1_704_067_200;

fn instant(offset_millis: i64) -> Timestamp {
    Timestamp::from_millisecond(BASE * 1000 + offset_millis).unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    Upsert(Box<JobObservation>),
    Remove(i64),
    Evict,
    Advance(i64),
}

fn state() -> impl Strategy<Value = JobState> {
    prop_oneof![
        4 => Just(JobState::Done),
        2 => Just(JobState::Active),
        2 => Just(JobState::Queued),
        1 => Just(JobState::Requeued),
        1 => Just(JobState::Suspended),
        1 => Just(JobState::Incomplete),
        1 => Just(JobState::Other("WAITING".into())),
        1 => Just(JobState::Other(String::new())),
    ]
}

/// Instants from three windows before the start to one window after, to the millisecond.
fn offset() -> impl Strategy<Value = i64> {
    (-3 * WINDOW_SECONDS * 1000)..(WINDOW_SECONDS * 1000)
}

fn job() -> impl Strategy<Value = JobObservation> {
    let labels = (
        0i64..24,
        prop::sample::select(vec!["BACKUP", "DUPLICATION", "RESTORE"]),
        prop::sample::select(vec!["STANDARD", "VMWARE"]),
        prop::sample::select(vec!["daily", "weekly"]),
        prop::sample::select(vec!["db01", "app01", "web01"]),
        state(),
        prop::option::of(prop::sample::select(vec![0i64, 1, 150, 2074])),
        prop::option::of(prop::sample::select(vec![7i64, 12, -99])),
    );
    let values = (
        prop::option::of(offset()),
        prop::option::of(offset()),
        prop::option::of(offset()),
        prop::option::of((0i64..100_000).prop_map(SignedDuration::from_secs)),
        prop::option::of(prop_oneof![0u64..10_000_000, (u64::MAX - 10)..=u64::MAX]),
        prop::option::of(0u64..1000),
        prop::option::of(prop_oneof![
            8 => 0.0f64..50.0,
            // Absurd values from a broken server must still add up alike in any order.
            1 => -1e22f64..1e22,
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
        ]),
    );
    (labels, values).prop_map(
        |(
            (id, action, policy_type, policy_name, client, state, status, reason),
            (start, end, update, elapsed, bytes, files, dedup),
        )| JobObservation {
            action: action.into(),
            policy_type: policy_type.into(),
            policy_name: policy_name.into(),
            client: client.into(),
            status,
            queue_reason: reason,
            start_time: start.map(instant),
            end_time: end.map(instant),
            last_update: update.map(instant),
            elapsed,
            bytes,
            files,
            dedup_ratio: dedup,
            ..JobObservation::new(id, state)
        },
    )
}

fn ops(max_step_seconds: i64) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            8 => job().prop_map(|job| Op::Upsert(Box::new(job))),
            1 => (0i64..24).prop_map(Op::Remove),
            2 => Just(Op::Evict),
            2 => (0..=max_step_seconds * 1000).prop_map(Op::Advance),
        ],
        1..80,
    )
}

/// Equal in every family. Means compare exactly too: `Mean` sums in fixed point, so the order
/// the store and the reference add values in makes no difference.
fn assert_same(actual: &JobFamilies, expected: &JobFamilies) {
    assert_eq!(actual.count, expected.count, "count");
    assert_eq!(actual.bytes, expected.bytes, "bytes");
    assert_eq!(actual.status, expected.status, "status");
    assert_eq!(actual.state, expected.state, "state");
    assert_eq!(actual.queued, expected.queued, "queued");
    assert_eq!(actual.files, expected.files, "files");
    assert_eq!(actual.duration, expected.duration, "duration");
    assert_eq!(actual.dedup_ratio, expected.dedup_ratio, "dedup_ratio");
}

/// Whether `incoming` is older than `kept`, the observation held for the same job: both have a
/// last update and the incoming one is earlier. Such an observation must change nothing.
fn is_stale(incoming: &JobObservation, kept: Option<&JobObservation>) -> bool {
    match (incoming.last_update, kept.and_then(|kept| kept.last_update)) {
        (Some(incoming), Some(kept)) => incoming < kept,
        _ => false,
    }
}

fn in_window(job: &JobObservation, now: Timestamp) -> bool {
    let start = now.checked_sub(WINDOW).unwrap();
    job.end_time.is_some_and(|end| end > start)
}

/// The per-client job counts, from scratch.
fn expected_client_jobs(
    jobs: &HashMap<i64, JobObservation>,
    now: Timestamp,
    allowlist: &[String],
) -> BTreeMap<ClientJobKey, u64> {
    let mut out = BTreeMap::new();
    for job in jobs.values() {
        if in_window(job, now) && allowlist.contains(&job.client) {
            let key = ClientJobKey {
                client: job.client.clone(),
                action: job.action.clone(),
                status: job.status_label(),
            };
            *out.entry(key).or_default() += 1;
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn window_matches_from_scratch_aggregation(ops in ops(900)) {
        let mut window = JobWindow::new(WINDOW);
        let mut latest: HashMap<i64, JobObservation> = HashMap::new();
        // The ids the store must still hold: upserted, not removed, not evicted.
        let mut held: HashSet<i64> = HashSet::new();
        let mut last_success: BTreeMap<ClientPolicyKey, Timestamp> = BTreeMap::new();
        let allowlist = vec!["db01".to_owned(), "web01".to_owned()];
        let mut now = instant(0);
        for op in ops {
            match op {
                Op::Upsert(job) => {
                    window.upsert(&job);
                    let kept = held.contains(&job.job_id).then(|| &latest[&job.job_id]);
                    if is_stale(&job, kept) {
                        continue;
                    }
                    if let (JobState::Done, Some(0), Some(end)) = (&job.state, job.status, job.end_time) {
                        let key = ClientPolicyKey {
                            client: job.client.clone(),
                            policy: job.policy_name.clone(),
                            action: job.action.clone(),
                        };
                        let slot = last_success.entry(key).or_insert(end);
                        *slot = (*slot).max(end);
                    }
                    held.insert(job.job_id);
                    latest.insert(job.job_id, *job);
                }
                Op::Remove(id) => {
                    prop_assert_eq!(window.remove(id, now), held.remove(&id));
                    latest.remove(&id);
                }
                Op::Evict => {
                    let gone: Vec<i64> = held
                        .iter()
                        .copied()
                        .filter(|id| latest[id].state.is_done() && !in_window(&latest[id], now))
                        .collect();
                    prop_assert_eq!(window.evict(now), gone.len());
                    for id in gone {
                        held.remove(&id);
                    }
                }
                Op::Advance(millis) => now = now.checked_add(SignedDuration::from_millis(millis)).unwrap(),
            }
            prop_assert_eq!(window.len(), held.len());
            // Evicted jobs contribute nothing at `now` or later: the full history is the reference.
            for later in [now, now.checked_add(SignedDuration::from_secs(1800)).unwrap()] {
                assert_same(&window.families(later), &aggregate_jobs(latest.values(), later, WINDOW));
                let clients = window.client_families(later, &allowlist);
                prop_assert_eq!(&clients.jobs, &expected_client_jobs(&latest, later, &allowlist));
                let wanted: BTreeMap<_, _> = last_success
                    .iter()
                    .filter(|(k, _)| allowlist.contains(&k.client))
                    .map(|(k, v)| (k.clone(), *v))
                    .collect();
                prop_assert_eq!(&clients.last_success, &wanted);
            }
        }
    }

    /// With the whole sequence inside one window, no remembered job is forgotten: every job is
    /// counted exactly once, with the key and bytes of its first applied observation as done.
    #[test]
    fn each_job_is_counted_once(ops in ops(40)) {
        let mut window = JobWindow::new(WINDOW);
        // The observation the store holds for each job: stale ones are not applied.
        let mut held: HashMap<i64, JobObservation> = HashMap::new();
        let mut counted: HashSet<i64> = HashSet::new();
        let mut completed: BTreeMap<JobKey, u64> = BTreeMap::new();
        let mut completed_bytes: BTreeMap<JobKey, u64> = BTreeMap::new();
        let mut now = instant(0);
        for op in ops {
            match op {
                Op::Upsert(job) => {
                    window.upsert(&job);
                    if is_stale(&job, held.get(&job.job_id)) {
                        continue;
                    }
                    if job.state.is_done() && counted.insert(job.job_id) {
                        let key = JobKey {
                            action: job.action.clone(),
                            policy_type: job.policy_type.clone(),
                            status: job.status_label(),
                        };
                        if let Some(bytes) = job.bytes {
                            let sum = completed_bytes.entry(key.clone()).or_default();
                            *sum = sum.saturating_add(bytes);
                        }
                        *completed.entry(key).or_default() += 1;
                    }
                    held.insert(job.job_id, *job);
                }
                Op::Remove(id) => {
                    window.remove(id, now);
                    held.remove(&id);
                }
                Op::Evict => {
                    let evicted = window.evict(now);
                    let before = held.len();
                    held.retain(|_, job| !job.state.is_done() || in_window(job, now));
                    prop_assert_eq!(evicted, before - held.len());
                }
                Op::Advance(millis) => now = now.checked_add(SignedDuration::from_millis(millis)).unwrap(),
            }
        }
        let counters = window.counters();
        prop_assert_eq!(counters.completed, completed);
        prop_assert_eq!(counters.completed_bytes, completed_bytes);
    }
}
