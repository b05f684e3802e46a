//! From the API's models to the metrics model's observations: the one place that knows both.

use nbu_api::models::{
    self, Alert, DiskPool, Drive, JobSummary, Listed, MalwareScanResult, Resource, StorageUnit,
    TapeMedia, TapeVolumePool,
};
use nbu_metrics::optional::{
    AlertRow, DiskPoolVolumeRow, MalwareScanRow, TapeDriveRow, TapeMediaRow, TapePoolRow,
};
use nbu_metrics::{
    JobObservation, JobState, StorageObservation, UNKNOWN, kilobytes_to_bytes, megabytes_to_bytes,
};

/// The observation of one job, or `None` for a job without an id (it could not be tracked).
/// Takes the job by value: its texts move into the observation. Public so that benchmarks
/// measure exactly the mapping the collector performs.
pub fn job_observation(job: Listed<JobSummary>) -> Option<JobObservation> {
    let id = job.id;
    let job = job.attributes;
    let job_id = job.job_id.or_else(|| id.parse().ok())?;
    let state = job
        .state
        .as_ref()
        .map_or(JobState::Other(String::new()), job_state);
    let mut observation = JobObservation::new(job_id, state);
    observation.action = job.job_type.unwrap_or_default();
    observation.policy_type = job.policy_type.unwrap_or_default();
    observation.policy_name = job.policy_name.unwrap_or_default();
    observation.client = job.client_name.unwrap_or_default();
    observation.status = job.status;
    observation.queue_reason = job.job_queue_reason;
    observation.start_time = job.start_time;
    observation.end_time = job.end_time;
    observation.last_update = job.last_update_time;
    observation.elapsed = job.elapsed_time;
    observation.bytes = job.kilobytes_transferred.map(kilobytes_to_bytes);
    observation.files = job.number_of_files;
    observation.dedup_ratio = job.dedup_ratio;
    Some(observation)
}

fn job_state(state: &models::JobState) -> JobState {
    match state {
        models::JobState::Queued => JobState::Queued,
        models::JobState::Active => JobState::Active,
        models::JobState::Requeued => JobState::Requeued,
        models::JobState::Done => JobState::Done,
        models::JobState::Suspended => JobState::Suspended,
        models::JobState::Incomplete => JobState::Incomplete,
        other => JobState::parse(other.as_str()),
    }
}

/// The observation of one storage unit, or `None` for a unit without a name.
pub(crate) fn storage_observation(unit: &Resource<StorageUnit>) -> Option<StorageObservation> {
    let name = unit
        .name
        .clone()
        .or_else(|| Some(unit.id.clone()).filter(|id| !id.is_empty()))?;
    Some(StorageObservation {
        name,
        server_type: unit.storage_server_type.clone().unwrap_or_default(),
        sub_type: unit.storage_sub_type.clone().unwrap_or_default(),
        storage_type: unit.storage_type.clone().unwrap_or_default(),
        category: unit
            .storage_category
            .as_ref()
            .map(|c| c.as_str().to_owned()),
        free_bytes: unit.free_capacity_bytes,
        used_bytes: unit.used_capacity_bytes,
        total_bytes: unit.total_capacity_bytes,
        max_concurrent_jobs: unit.max_concurrent_jobs,
        max_fragment_size_bytes: unit.max_fragment_size_megabytes.map(megabytes_to_bytes),
        is_cloud: unit.is_cloud_stu,
        worm_capable: unit.worm_capable,
        use_worm: unit.use_worm,
        replication_capable: unit.replication_capable,
        instant_access: unit.instant_access_enabled,
    })
}

/// A label value: what NetBackup sent, or [`UNKNOWN`] when it sent nothing (an empty label would
/// make Prometheus treat the label as missing).
fn label(value: Option<&str>) -> String {
    value
        .filter(|v| !v.is_empty())
        .unwrap_or(UNKNOWN)
        .to_owned()
}

/// The label of a resource's name attribute, falling back to its id.
fn name_or_id<A>(name: Option<&str>, resource: &Resource<A>) -> String {
    label(
        name.filter(|n| !n.is_empty())
            .or(Some(resource.id.as_str())),
    )
}

/// The row of one alert.
pub(crate) fn alert_row(alert: &Resource<Alert>) -> AlertRow {
    AlertRow {
        severity: label(alert.severity.as_ref().map(|s| s.as_str())),
        category: label(alert.category.as_deref()),
    }
}

/// The row of one latest malware scan result.
pub(crate) fn malware_row(scan: &Resource<MalwareScanResult>) -> MalwareScanRow {
    MalwareScanRow {
        status: label(scan.scan_state.as_ref().map(|s| s.as_str())),
        files_scanned: scan.number_of_files_scanned,
        files_infected: scan.number_of_files_impacted,
    }
}

/// The row of one tape drive. Its media server is the host of its first device path (the host
/// that drives it), else its device host, else its control host.
pub(crate) fn tape_drive_row(drive: &Resource<Drive>) -> TapeDriveRow {
    let path_host = drive
        .device_paths
        .iter()
        .flatten()
        .find_map(|path| path.device_host.as_deref().filter(|h| !h.is_empty()));
    // The drive name is the item's id; a path's drive name is the same name seen from one host.
    let drive_name = Some(drive.id.as_str())
        .filter(|id| !id.is_empty())
        .or_else(|| {
            drive
                .device_paths
                .iter()
                .flatten()
                .find_map(|path| path.drive_name.as_deref())
        });
    let media_server = path_host
        .or(drive.device_host.as_deref().filter(|h| !h.is_empty()))
        .or(drive.control_hostname.as_deref());
    TapeDriveRow {
        drive_name: label(drive_name),
        media_server: label(media_server),
        drive_type: label(drive.drive_type.as_deref()),
        robot_type: label(drive.robot_type.as_ref().map(|r| r.as_str())),
        robot_number: drive.robot_number,
        status: label(drive.drive_status.as_ref().map(|s| s.as_str())),
    }
}

/// The row of one tape volume; a standalone volume (no robot) has robot type [`UNKNOWN`].
pub(crate) fn tape_media_row(medium: &Resource<TapeMedia>) -> TapeMediaRow {
    let robot_type = medium
        .robot
        .as_ref()
        .and_then(|robot| robot.robot_type.as_ref())
        .map(|r| r.as_str());
    TapeMediaRow {
        pool: label(medium.volume_pool.as_deref()),
        media_type: label(medium.media_type.as_deref()),
        robot_type: label(robot_type),
    }
}

/// The row of one tape volume pool.
pub(crate) fn tape_pool_row(pool: &Resource<TapeVolumePool>) -> TapePoolRow {
    TapePoolRow {
        pool_name: name_or_id(pool.volume_pool_name.as_deref(), pool),
        pool_type: label(pool.pool_type.as_ref().map(|t| t.as_str())),
        partially_full_media: pool.partially_full_media,
    }
}

/// One row per disk volume of a disk pool.
pub(crate) fn disk_pool_volume_rows(pool: &Resource<DiskPool>) -> Vec<DiskPoolVolumeRow> {
    let pool_name = name_or_id(pool.name.as_deref(), pool);
    let storage_category = label(pool.storage_category.as_ref().map(|c| c.as_str()));
    pool.disk_volumes
        .iter()
        .flatten()
        .map(|volume| DiskPoolVolumeRow {
            pool_name: pool_name.clone(),
            storage_category: storage_category.clone(),
            state: label(volume.state.as_ref().map(|s| s.as_str())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use nbu_api::models::{DevicePath, DiskVolume, DiskVolumeState, DriveStatus, TapeRobot};

    use super::*;

    #[test]
    fn absent_label_values_read_unknown_and_absent_numbers_stay_absent() {
        let alert = alert_row(&Resource::new("1", "alert", Alert::default()));
        assert_eq!(
            (alert.severity.as_str(), alert.category.as_str()),
            (UNKNOWN, UNKNOWN)
        );

        let scan = malware_row(&Resource::new(
            "1",
            "scanResult",
            MalwareScanResult::default(),
        ));
        assert_eq!(scan.status, UNKNOWN);
        assert_eq!((scan.files_scanned, scan.files_infected), (None, None));

        let mut attributes = TapeVolumePool::default();
        attributes.volume_pool_name = Some(String::new());
        let pool = tape_pool_row(&Resource::new("7", "volumePoolDetails", attributes));
        assert_eq!(
            (pool.pool_name.as_str(), pool.partially_full_media),
            ("7", None)
        );

        let mut medium = TapeMedia::default();
        medium.volume_pool = Some("Scratch".into());
        medium.robot = Some(TapeRobot::default());
        let row = tape_media_row(&Resource::new("A00001", "volumeInfo", medium));
        assert_eq!(
            (row.pool.as_str(), row.robot_type.as_str()),
            ("Scratch", UNKNOWN)
        );
    }

    #[test]
    fn a_drive_is_named_by_its_id_and_served_by_the_host_of_its_first_path() {
        let mut path = DevicePath::default();
        path.device_host = Some("media2".into());
        path.drive_name = Some("path-name".into());
        let mut drive = Drive::default();
        drive.device_paths = Some(vec![path]);
        drive.control_hostname = Some("control".into());
        drive.drive_status = Some(DriveStatus::Up);
        let row = tape_drive_row(&Resource::new("HP.000", "drive", drive.clone()));
        assert_eq!(
            (row.drive_name.as_str(), row.media_server.as_str()),
            ("HP.000", "media2")
        );
        assert_eq!(row.status, "DRIVE_STATUS_UP");

        drive.device_paths = None;
        let row = tape_drive_row(&Resource::new("", "drive", drive));
        assert_eq!(
            (row.drive_name.as_str(), row.media_server.as_str()),
            (UNKNOWN, "control")
        );
    }

    #[test]
    fn every_disk_volume_is_a_row_of_its_pool() {
        let volume = |state| {
            let mut volume = DiskVolume::default();
            volume.state = state;
            volume
        };
        let mut pool = DiskPool::default();
        pool.name = Some("dp1".into());
        pool.disk_volumes = Some(vec![volume(Some(DiskVolumeState::Up)), volume(None)]);
        let rows = disk_pool_volume_rows(&Resource::new("id", "diskPool", pool));
        let states: Vec<&str> = rows.iter().map(|r| r.state.as_str()).collect();
        assert_eq!(states, ["UP", UNKNOWN]);
        assert!(
            rows.iter()
                .all(|r| r.pool_name == "dp1" && r.storage_category == UNKNOWN)
        );
        assert!(
            disk_pool_volume_rows(&Resource::new("p", "diskPool", DiskPool::default())).is_empty()
        );
    }
}
