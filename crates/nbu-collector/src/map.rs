//! From the API's models to the metrics model's observations: the one place that knows both.

use nbu_api::models::{self, Job, Resource, StorageUnit};
use nbu_metrics::{JobObservation, JobState, StorageObservation};

/// The observation of one job, or `None` for a job without an id (it could not be tracked).
pub(crate) fn job_observation(job: &Resource<Job>) -> Option<JobObservation> {
    let job_id = job.job_id.or_else(|| job.id.parse().ok())?;
    Some(JobObservation {
        job_id,
        action: job.job_type.clone().unwrap_or_default(),
        policy_type: job.policy_type.clone().unwrap_or_default(),
        policy_name: job.policy_name.clone().unwrap_or_default(),
        client: job.client_name.clone().unwrap_or_default(),
        state: job.state.as_ref().map_or(JobState::Other(String::new()), job_state),
        status: job.status,
        queue_reason: job.job_queue_reason.map(|code| code.to_string()),
        start_time: job.start_time,
        end_time: job.end_time,
        last_update: job.last_update_time,
        bytes: job.kilobytes_transferred.map(|kb| kb.saturating_mul(1024)),
        files: job.number_of_files,
        dedup_ratio: job.dedup_ratio,
    })
}

fn job_state(state: &models::JobState) -> JobState {
    match state {
        models::JobState::Queued => JobState::Queued,
        models::JobState::Active => JobState::Active,
        models::JobState::Requeued => JobState::Requeued,
        models::JobState::Done => JobState::Done,
        models::JobState::Suspended => JobState::Suspended,
        models::JobState::Incomplete => JobState::Incomplete,
        other => JobState::Other(other.as_str().to_owned()),
    }
}

/// The observation of one storage unit, or `None` for a unit without a name.
pub(crate) fn storage_observation(unit: &Resource<StorageUnit>) -> Option<StorageObservation> {
    let name = unit.name.clone().or_else(|| Some(unit.id.clone()).filter(|id| !id.is_empty()))?;
    Some(StorageObservation {
        name,
        storage_type: unit.storage_type.clone().unwrap_or_default(),
        sub_type: unit.storage_sub_type.clone().unwrap_or_default(),
        free_bytes: unit.free_capacity_bytes,
        used_bytes: unit.used_capacity_bytes,
        total_bytes: unit.total_capacity_bytes,
        max_concurrent_jobs: unit.max_concurrent_jobs,
        max_fragment_size_bytes: unit
            .max_fragment_size_megabytes
            .map(|mb| mb.saturating_mul(1024 * 1024)),
        is_cloud: unit.is_cloud_stu,
        worm_capable: unit.worm_capable,
        use_worm: unit.use_worm,
        replication_capable: unit.replication_capable,
        instant_access: unit.instant_access_enabled,
    })
}
