//! The names of every family this crate builds.
//!
//! They match the established Go exporter (`nbu_exporter` 4.x) so dashboards and alert rules keep
//! working; the counters are ours. Several names end in `_count` although they are gauges: a
//! compatibility inheritance, not a choice.

/// Jobs in the window by `action`, `policy_type`, `status` (gauge).
pub const JOBS_COUNT: &str = "nbu_jobs_count";
/// Bytes transferred by jobs in the window by `action`, `policy_type`, `status` (gauge).
pub const JOBS_BYTES: &str = "nbu_jobs_bytes";
/// Jobs in the window by `action`, `status` (gauge).
pub const STATUS_COUNT: &str = "nbu_status_count";
/// Jobs by `action`, `state` (gauge).
pub const JOBS_STATE_COUNT: &str = "nbu_jobs_state_count";
/// Queued jobs by `action`, `reason` (gauge).
pub const JOBS_QUEUED_COUNT: &str = "nbu_jobs_queued_count";
/// Files processed by jobs in the window by `action`, `policy_type` (gauge).
pub const JOBS_FILES_COUNT: &str = "nbu_jobs_files_count";
/// Mean deduplication ratio of jobs in the window by `action`, `policy_type` (gauge).
pub const JOBS_DEDUP_RATIO: &str = "nbu_jobs_dedup_ratio";
/// Durations of done jobs in the window by `action`, `policy_type` (histogram).
pub const JOB_DURATION_SECONDS: &str = "nbu_job_duration_seconds";
/// Jobs seen done since the exporter started by `action`, `policy_type`, `status` (counter).
pub const JOBS_COMPLETED_TOTAL: &str = "nbu_jobs_completed_total";
/// Bytes of jobs seen done since the exporter started by `action`, `policy_type`, `status`
/// (counter).
pub const JOBS_COMPLETED_BYTES_TOTAL: &str = "nbu_jobs_completed_bytes_total";

/// Free and used bytes per disk storage unit by `name`, `type`, `size` (gauge).
pub const DISK_BYTES: &str = "nbu_disk_bytes";
/// Total capacity per disk storage unit by `name`, `type` (gauge).
pub const DISK_CAPACITY_BYTES: &str = "nbu_disk_capacity_bytes";
/// Maximum concurrent jobs per storage unit by `name`, `type` (gauge).
pub const STORAGE_MAX_CONCURRENT_JOBS: &str = "nbu_storage_max_concurrent_jobs";
/// Maximum fragment size per storage unit by `name`, `type` (gauge).
pub const STORAGE_MAX_FRAGMENT_SIZE_BYTES: &str = "nbu_storage_max_fragment_size_bytes";
/// Storage unit attributes as labels, value 1 (gauge).
pub const STORAGE_INFO: &str = "nbu_storage_info";

/// Alerts by `severity`, `category` (gauge).
pub const ALERTS_COUNT: &str = "nbu_alerts_count";
/// Files scanned by the latest malware scans (gauge).
pub const MALWARE_FILES_SCANNED: &str = "nbu_malware_files_scanned";
/// Infected files found by the latest malware scans (gauge).
pub const MALWARE_FILES_INFECTED: &str = "nbu_malware_files_infected";
/// Latest malware scan results by `status` (gauge).
pub const MALWARE_SCAN_COUNT: &str = "nbu_malware_scan_count";
/// Catalog images by `malware_status`, `anomaly_status` (gauge).
pub const CATALOG_IMAGES_COUNT: &str = "nbu_catalog_images_count";
/// Service level objectives defined (gauge).
pub const SLO_COUNT: &str = "nbu_slo_count";
/// Tape drives by `drive_type`, `robot_type`, `status` (gauge).
pub const TAPE_DRIVES_COUNT: &str = "nbu_tape_drives_count";
/// Tape drive attributes as labels, value 1 (gauge).
pub const TAPE_DRIVE_INFO: &str = "nbu_tape_drive_info";
/// Tape media by `pool`, `media_type`, `robot_type` (gauge).
pub const TAPE_MEDIA_COUNT: &str = "nbu_tape_media_count";
/// Device hosts with robots (gauge).
pub const TAPE_ROBOT_DEVICE_HOSTS: &str = "nbu_tape_robot_device_hosts";
/// Partially full tapes per volume pool by `pool_name`, `pool_type` (gauge).
pub const TAPE_POOL_PARTIALLY_FULL: &str = "nbu_tape_pool_partially_full";
/// Disk pool volumes by `pool_name`, `storage_category`, `state` (gauge).
pub const DISK_POOL_VOLUME_COUNT: &str = "nbu_disk_pool_volume_count";
/// End of the latest successful backup per allowlisted `client`, Unix seconds (gauge).
pub const CLIENT_LAST_SUCCESSFUL_BACKUP: &str =
    "nbu_client_last_successful_backup_timestamp_seconds";
/// Jobs in the window per allowlisted `client` by `action`, `status` (gauge).
pub const CLIENT_JOBS_COUNT: &str = "nbu_client_jobs_count";
/// End of the latest successful job per allowlisted `client`, `policy`, `action`, Unix seconds
/// (gauge).
pub const CLIENT_LAST_JOB_SUCCESS: &str = "nbu_client_last_job_success_seconds";

/// Every family name this crate can build, for documentation and tidy checks.
pub const ALL: &[&str] = &[
    JOBS_COUNT,
    JOBS_BYTES,
    STATUS_COUNT,
    JOBS_STATE_COUNT,
    JOBS_QUEUED_COUNT,
    JOBS_FILES_COUNT,
    JOBS_DEDUP_RATIO,
    JOB_DURATION_SECONDS,
    JOBS_COMPLETED_TOTAL,
    JOBS_COMPLETED_BYTES_TOTAL,
    DISK_BYTES,
    DISK_CAPACITY_BYTES,
    STORAGE_MAX_CONCURRENT_JOBS,
    STORAGE_MAX_FRAGMENT_SIZE_BYTES,
    STORAGE_INFO,
    ALERTS_COUNT,
    MALWARE_FILES_SCANNED,
    MALWARE_FILES_INFECTED,
    MALWARE_SCAN_COUNT,
    CATALOG_IMAGES_COUNT,
    SLO_COUNT,
    TAPE_DRIVES_COUNT,
    TAPE_DRIVE_INFO,
    TAPE_MEDIA_COUNT,
    TAPE_ROBOT_DEVICE_HOSTS,
    TAPE_POOL_PARTIALLY_FULL,
    DISK_POOL_VOLUME_COUNT,
    CLIENT_LAST_SUCCESSFUL_BACKUP,
    CLIENT_JOBS_COUNT,
    CLIENT_LAST_JOB_SUCCESS,
];
