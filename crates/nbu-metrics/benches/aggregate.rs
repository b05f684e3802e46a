//! Throughput of the job window: upserting 100,000 synthetic jobs and deriving their families,
//! the work of one collection of a busy site. Target: at least 300,000 jobs/s on one core.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use nbu_metrics::{FamilySet, JobObservation, JobState, JobWindow};

const JOBS: usize = 100_000;
const WINDOW: SignedDuration = SignedDuration::from_hours(24);

fn instant(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_704_067_200 + seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Jobs spread over a day with realistic label cardinality: a few job and policy types, a few
/// hundred policies and clients, a dozen status codes, a tenth of them still running.
fn synthetic_jobs() -> Vec<JobObservation> {
    const ACTIONS: [&str; 5] = [
        "BACKUP",
        "DUPLICATION",
        "REPLICATION",
        "RESTORE",
        "IMAGEDELETE",
    ];
    const POLICY_TYPES: [&str; 4] = ["STANDARD", "VMWARE", "ORACLE", "MS_SQL_SERVER"];
    const STATUSES: [i64; 12] = [0, 0, 0, 0, 0, 0, 1, 1, 150, 156, 196, 2074];
    (0..JOBS)
        .map(|i| {
            let n = i as i64;
            let end = n % 86_000;
            let state = if i % 10 == 0 {
                JobState::Active
            } else {
                JobState::Done
            };
            let done = state.is_done();
            JobObservation {
                action: ACTIONS[i % ACTIONS.len()].to_owned(),
                policy_type: POLICY_TYPES[i % POLICY_TYPES.len()].to_owned(),
                policy_name: format!("policy-{}", i % 300),
                client: format!("client-{}.example.com", i % 500),
                status: done.then(|| STATUSES[i % STATUSES.len()]),
                start_time: Some(instant(end - 600 - n % 3000)),
                end_time: done.then(|| instant(end)),
                last_update: Some(instant(end)),
                bytes: Some((n * 7919) as u64 % 50_000_000_000),
                files: Some(n as u64 % 10_000),
                dedup_ratio: (i % 3 != 0).then(|| 1.0 + (i % 40) as f64 / 4.0),
                ..JobObservation::new(n, state)
            }
        })
        .collect()
}

fn aggregate(c: &mut Criterion) {
    let jobs = synthetic_jobs();
    let now = instant(86_400);
    let mut group = c.benchmark_group("job_window");
    group.throughput(Throughput::Elements(JOBS as u64));
    group.sample_size(20);
    group.bench_function("upsert_and_families_100k", |b| {
        b.iter(|| {
            let mut window = JobWindow::new(WINDOW);
            for job in &jobs {
                window.upsert(job);
            }
            window.evict(now);
            black_box(window.families(now))
        });
    });
    group.bench_function("reupsert_and_families_100k", |b| {
        b.iter_batched(
            || {
                let mut window = JobWindow::new(WINDOW);
                for job in &jobs {
                    window.upsert(job);
                }
                window
            },
            |mut window| {
                for job in &jobs {
                    window.upsert(job);
                }
                window.evict(now);
                black_box(FamilySet::from(&window.families(now)))
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, aggregate);
criterion_main!(benches);
