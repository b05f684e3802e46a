//! From the API's models to the metrics model's observations: the one place that knows both.

use nbu_api::models::{self, Job, Resource, StorageUnit};
use nbu_metrics::{JobObservation, JobState, StorageObservation, kilobytes_to_bytes, megabytes_to_bytes};

/// The observation of one job, or `None` for a job without an id (it could not be tracked).
pub(crate) fn job_observation(job: &Resource<Job>) -> Option<JobObservation> {
    let job_id = job.job_id.or_else(|| job.id.parse().ok())?;
    let state = job.state.as_ref().map_or(JobState::Other(String::new()), job_state);
    let mut observation = JobObservation::new(job_id, state);
    observation.action = job.job_type.clone().unwrap_or_default();
    observation.policy_type = job.policy_type.clone().unwrap_or_default();
    observation.policy_name = job.policy_name.clone().unwrap_or_default();
    observation.client = job.client_name.clone().unwrap_or_default();
    observation.status = job.status;
    observation.queue_reason = job.job_queue_reason.map(|code| code.to_string());
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
        category: unit.storage_category.as_ref().map(|c| c.as_str().to_owned()),
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
