//! Small, readable fixtures shared by the snapshot and anchor tests. Field values follow the
//! vendor spec examples (job types, policy types, storage server types, scan states).

use jiff::{SignedDuration, Timestamp};
use nbu_metrics::optional::{
    AlertRow, CatalogImageCount, ClientBackupRow, DiskPoolVolumeRow, MalwareScanRow, TapeDriveRow,
    TapeMediaRow, TapePoolRow,
};
use nbu_metrics::{FamilySet, JobObservation, JobState, JobWindow, StorageObservation, optional};

pub(crate) const WINDOW: SignedDuration = SignedDuration::from_hours(1);

/// 2024-01-01T00:00:00Z plus `seconds`.
pub(crate) fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_704_067_200 + seconds).unwrap()
}

pub(crate) fn now() -> Timestamp {
    at(3600)
}

fn job(id: i64, action: &str, policy_type: &str, state: JobState) -> JobObservation {
    JobObservation {
        action: action.into(),
        policy_type: policy_type.into(),
        policy_name: "daily-vm".into(),
        client: "db01.example.com".into(),
        ..JobObservation::new(id, state)
    }
}

fn done(
    id: i64,
    action: &str,
    policy_type: &str,
    status: i64,
    start: i64,
    end: i64,
) -> JobObservation {
    JobObservation {
        status: Some(status),
        start_time: Some(at(start)),
        end_time: Some(at(end)),
        last_update: Some(at(end)),
        ..job(id, action, policy_type, JobState::Done)
    }
}

/// A site's jobs: done ones inside and outside the window, unfinished ones, odd policy names.
pub(crate) fn jobs() -> Vec<JobObservation> {
    vec![
        JobObservation {
            bytes: Some(1024 * 1024),
            files: Some(120),
            dedup_ratio: Some(4.0),
            ..done(101, "BACKUP", "VMWARE", 0, 600, 1500)
        },
        JobObservation {
            bytes: Some(2048),
            files: Some(30),
            dedup_ratio: Some(2.0),
            ..done(102, "BACKUP", "VMWARE", 0, 1000, 1100)
        },
        JobObservation {
            // No byte count, files or ratio reported: counts, adds nothing elsewhere.
            ..done(103, "BACKUP", "VMWARE", 150, 1200, 1230)
        },
        JobObservation {
            policy_name: "quote\" back\\slash\nnewline".into(),
            bytes: Some(5_000_000),
            files: Some(7),
            ..done(104, "DUPLICATION", "STANDARD", 0, -16_000, 3_000)
        },
        JobObservation {
            // Ended before the window: only the counters and the last success remember it.
            bytes: Some(1),
            ..done(105, "BACKUP", "VMWARE", 0, -9000, -100)
        },
        JobObservation {
            start_time: Some(at(3000)),
            last_update: Some(at(3500)),
            ..job(106, "BACKUP", "STANDARD", JobState::Active)
        },
        JobObservation {
            queue_reason: Some(7),
            ..job(107, "BACKUP", "STANDARD", JobState::Queued)
        },
        job(108, "RESTORE", "STANDARD", JobState::Queued),
    ]
}

pub(crate) fn job_window() -> JobWindow {
    let mut window = JobWindow::new(WINDOW);
    for job in jobs() {
        window.upsert(&job);
    }
    window.evict(now());
    window
}

/// Everything the jobs collector of a site would publish.
pub(crate) fn job_set(allowlist: &[String]) -> FamilySet {
    let window = job_window();
    let mut set = FamilySet::from(&window.families(now()));
    set.merge(FamilySet::from(&window.counters()));
    set.merge(FamilySet::from(&window.client_families(now(), allowlist)));
    set
}

pub(crate) fn storage_units() -> Vec<StorageObservation> {
    vec![
        StorageObservation {
            name: "msdp-stu".into(),
            server_type: "PureDisk".into(),
            sub_type: "PureDisk".into(),
            storage_type: "DISK".into(),
            category: Some("MSDP".into()),
            free_bytes: Some(600_000_000_000),
            used_bytes: Some(400_000_000_000),
            total_bytes: Some(1_000_000_000_000),
            max_concurrent_jobs: Some(20),
            max_fragment_size_bytes: Some(nbu_metrics::megabytes_to_bytes(51_200)),
            is_cloud: Some(false),
            worm_capable: Some(true),
            use_worm: Some(false),
            replication_capable: Some(true),
            instant_access: Some(true),
        },
        StorageObservation {
            name: "cloud-stu".into(),
            server_type: "PureDisk".into(),
            sub_type: "aws".into(),
            storage_type: "DISK".into(),
            category: Some("CLOUD".into()),
            max_concurrent_jobs: Some(5),
            is_cloud: Some(true),
            ..StorageObservation::default()
        },
        StorageObservation {
            name: "tld0-hcart".into(),
            server_type: "hcart".into(),
            sub_type: "TLD".into(),
            storage_type: "Tape".into(),
            category: Some("TAPE".into()),
            max_fragment_size_bytes: Some(nbu_metrics::megabytes_to_bytes(1_048_576)),
            ..StorageObservation::default()
        },
    ]
}

pub(crate) fn storage_set() -> FamilySet {
    FamilySet::from(&nbu_metrics::aggregate_storage(&storage_units()))
}

/// Every opt-in family, one fixture row or two each.
pub(crate) fn optional_set() -> FamilySet {
    let mut set = optional::alert_families(&[
        AlertRow {
            severity: "ERROR".into(),
            category: "JOB".into(),
        },
        AlertRow {
            severity: "WARNING".into(),
            category: "STORAGE".into(),
        },
    ]);
    set.merge(optional::malware_families(&[MalwareScanRow {
        status: "SCAN_COMPLETED".into(),
        files_scanned: Some(1200),
        files_infected: Some(2),
    }]));
    set.merge(optional::catalog_families(&[CatalogImageCount {
        malware_status: "INFECTED".into(),
        anomaly_status: "ANOMALY_DETECTED".into(),
        images: Some(3),
    }]));
    set.merge(optional::slo_families(4));
    set.merge(optional::tape_drive_families(&[TapeDriveRow {
        drive_name: "IBM.ULT3580-HH7.000".into(),
        media_server: "media1.example.com".into(),
        drive_type: "HCART3".into(),
        robot_type: "TLD".into(),
        robot_number: Some(0),
        status: "DRIVE_STATUS_UP".into(),
    }]));
    set.merge(optional::tape_media_families(&[TapeMediaRow {
        pool: "NetBackup".into(),
        media_type: "HCART3".into(),
        robot_type: "TLD".into(),
    }]));
    set.merge(optional::robot_device_host_families(1));
    set.merge(optional::tape_pool_families(&[TapePoolRow {
        pool_name: "NetBackup".into(),
        pool_type: "STANDARD".into(),
        partially_full_media: Some(2),
    }]));
    set.merge(optional::disk_pool_volume_families(&[DiskPoolVolumeRow {
        pool_name: "dp-msdp".into(),
        storage_category: "MSDP".into(),
        state: "UP".into(),
    }]));
    set.merge(optional::client_backup_families(&[ClientBackupRow {
        client: "db01.example.com".into(),
        last_success_end: Some(at(1500)),
    }]));
    set
}
