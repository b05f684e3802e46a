//! The CPU cost of one full job load, without the network: decoding spec-shaped `GET /admin/jobs`
//! pages of 100 jobs, mapping each job to an observation, upserting it into the window, and deriving
//! the families. Target: at least 300,000 jobs/s on one core (`cargo xtask bench` checks it).
//!
//! The page bodies are built once, before measuring, with every attribute the 14.0 jobs fixture
//! carries and values spread like a busy site's (a few job and policy types, hundreds of policies and
//! clients, a dozen status codes, a tenth of the jobs still running).

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use nbu_api::models::{Job, JobSummary, ListDocument, Listed, Resource};
use nbu_collector::job_observation;
use nbu_metrics::{FamilySet, JobWindow};

const PAGE_SIZE: usize = 100;
const PAGES: usize = 100;
const JOBS: usize = PAGE_SIZE * PAGES;
const WINDOW: SignedDuration = SignedDuration::from_hours(24);
/// 2026-01-01T00:00:00Z: the end of the synthetic window.
const WINDOW_END: i64 = 1_767_225_600;

/// What the jobs collector decodes.
type JobsPage = ListDocument<Listed<JobSummary>>;
/// The complete job model, for comparison.
type FullJobsPage = ListDocument<Resource<Job>>;

fn instant(seconds_before_end: i64) -> Timestamp {
    Timestamp::from_second(WINDOW_END - seconds_before_end).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// NetBackup's wire spelling of a date-time: UTC with milliseconds.
fn wire_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

/// One job resource as NetBackup 11.2 sends it.
fn job_json(out: &mut String, i: usize) {
    const JOB_TYPES: [&str; 5] = ["BACKUP", "BACKUP", "BACKUP", "DUPLICATION", "SNAPSHOT"];
    const POLICY_TYPES: [(&str, &str); 4] = [
        ("STANDARD", "LNX_FS"),
        ("WINDOWS_NT", "WIN_FS"),
        ("VMWARE", "VMW"),
        ("ORACLE", "ORA"),
    ];
    const STATUSES: [i64; 12] = [0, 0, 0, 0, 0, 0, 1, 1, 150, 156, 196, 2074];
    let n = i as i64;
    let id = 5_000_000 + n;
    let running = i.is_multiple_of(10);
    let (policy_type, policy_prefix) = POLICY_TYPES[i % POLICY_TYPES.len()];
    let end_before = (JOBS - i) as i64 * 8;
    let elapsed = 60 + n % 3_000;
    let start = instant(end_before + elapsed);
    let end = instant(end_before);
    let (state, status, end_time, percent) = if running {
        ("ACTIVE", 0, String::new(), 40)
    } else {
        ("DONE", STATUSES[i % STATUSES.len()], wire_time(end), 100)
    };
    let kilobytes = (n * 7_919) % 50_000_000;
    let files = n % 10_000;
    let _ = write!(
        out,
        r#"{{"type":"job","id":"{id}","links":{{"self":{{"href":"https://primary.example.com:1556/netbackup/admin/jobs/{id}"}},"file-lists":{{"href":"https://primary.example.com:1556/netbackup/admin/jobs/{id}/file-lists"}},"try-logs":{{"href":"https://primary.example.com:1556/netbackup/admin/jobs/{id}/try-logs"}}}},"meta":{{"page":{{"cursor":"{cursor:020x}"}}}},"attributes":{{"jobId":{id},"parentJobId":0,"jobType":"{job_type}","jobSubType":"SCHEDULED","policyType":"{policy_type}","policyName":"PROD_{policy_prefix}_{policy}","scheduleType":"FULL_BACKUP","scheduleName":"Full_Weekly","clientName":"host-{client:04}.corp.example.com","controlHost":"primary.example.com","jobOwner":"root","jobGroup":"root","backupId":"host-{client:04}_{backup_id}","sourceMediaId":"","sourceStorageUnitName":"","sourceMediaServerName":"","destinationMediaId":"","destinationStorageUnitName":"stu-msdp-0{stu}","destinationMediaServerName":"media-0{stu}.corp.example.com","dataMovement":"STANDARD","streamNumber":0,"copyNumber":1,"priority":0,"retentionLevel":2,"compression":0,"status":{status},"state":"{state}","numberOfFiles":{files},"estimatedFiles":{files},"kilobytesTransferred":{kilobytes},"kilobytesToTransfer":0,"kilobytesDataTransferred":{kilobytes},"transferRate":4180,"percentComplete":{percent},"restartable":0,"suspendable":1,"resumable":0,"cancellable":1,"frozenImage":0,"transportType":"LAN","currentOperation":3,"jobQueueReason":0,"jobQueueResource":"","robotName":"","vaultName":"","profileName":"","sessionId":0,"numberOfTapeToEject":0,"submissionType":0,"dumpHost":"","instanceDatabaseName":"","auditUserName":"","auditDomainName":"","auditDomainType":0,"restoreBackupIDs":"","startTime":"{start}","endTime":"{end_time}","activeTryStartTime":"{start}","lastUpdateTime":"{last_update}","try":1,"mainProcessId":0,"activeProcessId":{pid},"assetID":"","assetDisplayableName":"","workloadDisplayName":"","elapsedTime":"PT{elapsed}S","activeElapsedTime":"PT{elapsed}S","childCount":0,"jobPath":"{id}","dedupRatio":{dedup:.1}}}}}"#,
        cursor = id * 4_096,
        job_type = JOB_TYPES[i % JOB_TYPES.len()],
        policy = i % 300,
        client = i % 500,
        backup_id = WINDOW_END - end_before - elapsed,
        stu = i % 4 + 1,
        start = wire_time(start),
        last_update = wire_time(end),
        pid = 10_000 + i % 50_000,
        dedup = 50.0 + (i % 40) as f64,
    );
}

/// The bodies of a full load, oldest update first, each with its cursor to the next page.
fn page_bodies() -> Vec<Vec<u8>> {
    (0..PAGES)
        .map(|page| {
            let mut body = String::with_capacity(PAGE_SIZE * 2_300);
            body.push_str(r#"{"data":["#);
            for slot in 0..PAGE_SIZE {
                if slot > 0 {
                    body.push(',');
                }
                job_json(&mut body, page * PAGE_SIZE + slot);
            }
            let next = if page + 1 < PAGES {
                format!(r#""{:020x}""#, (5_000_000 + ((page + 1) * PAGE_SIZE) as i64) * 4_096)
            } else {
                "null".to_owned()
            };
            let _ = write!(
                body,
                r#"],"meta":{{"pagination":{{"limit":{PAGE_SIZE},"next":{next},"rangeTruncated":false}}}},"links":{{"self":{{"href":"https://primary.example.com:1556/netbackup/admin/jobs"}}}}}}"#
            );
            body.into_bytes()
        })
        .collect()
}

/// One full load: every page decoded, mapped and upserted, then the families the snapshot needs.
fn full_load(pages: &[Vec<u8>], now: Timestamp) -> FamilySet {
    let mut window = JobWindow::new(WINDOW);
    for body in pages {
        let Ok(page) = nbu_api::models::from_json::<JobsPage>(body) else {
            continue;
        };
        for job in page.data {
            if let Some(observation) = job_observation(job) {
                window.upsert(&observation);
            }
        }
    }
    window.evict(now);
    FamilySet::from(&window.families(now))
}

/// Fails loudly before measuring if the bodies stopped decoding (a model change), instead of timing
/// an empty loop.
fn check(pages: &[Vec<u8>]) {
    let mut jobs = 0;
    for (index, body) in pages.iter().enumerate() {
        match nbu_api::models::from_json::<JobsPage>(body) {
            Ok(page) => jobs += page.data.into_iter().filter_map(job_observation).count(),
            Err(error) => panic!("synthetic page {index} does not decode: {error}"),
        }
    }
    assert_eq!(
        jobs, JOBS,
        "every synthetic job must decode into an observation"
    );
}

fn decode_aggregate(c: &mut Criterion) {
    let pages = page_bodies();
    check(&pages);
    let now = instant(0);
    let mut group = c.benchmark_group("jobs_pages");
    group.throughput(Throughput::Elements(JOBS as u64));
    group.sample_size(20);
    group.bench_function("decode_map_aggregate_10k", |b| {
        b.iter(|| black_box(full_load(black_box(&pages), now)));
    });
    group.bench_function("decode_only_10k", |b| {
        b.iter(|| {
            pages
                .iter()
                .filter_map(|body| nbu_api::models::from_json::<JobsPage>(black_box(body)).ok())
                .map(|page| page.data.len())
                .sum::<usize>()
        });
    });
    // The floor of any serde_json decoder: reading the same bytes and building nothing.
    group.bench_function("json_scan_floor_10k", |b| {
        b.iter(|| {
            pages
                .iter()
                .filter_map(|body| {
                    nbu_api::models::from_json::<serde::de::IgnoredAny>(black_box(body)).ok()
                })
                .count()
        });
    });
    group.bench_function("decode_full_model_10k", |b| {
        b.iter(|| {
            pages
                .iter()
                .filter_map(|body| nbu_api::models::from_json::<FullJobsPage>(black_box(body)).ok())
                .map(|page| page.data.len())
                .sum::<usize>()
        });
    });
    group.finish();
}

criterion_group!(benches, decode_aggregate);
criterion_main!(benches);
