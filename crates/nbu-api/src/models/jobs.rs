//! Jobs: `GET /admin/jobs`, `GET /admin/jobs/{jobId}` and `POST /admin/jobs-count-requests`.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::document::Resource;
use super::lenient::{self, open_enum};

open_enum! {
    /// `state` of a job.
    pub enum JobState {
        /// `QUEUED`: waiting for resources.
        Queued = "QUEUED",
        /// `ACTIVE`: running.
        Active = "ACTIVE",
        /// `REQUEUED`: put back in the queue after a failed try.
        Requeued = "REQUEUED",
        /// `DONE`: finished, successfully or not (see `status`).
        Done = "DONE",
        /// `SUSPENDED`: paused by an operator.
        Suspended = "SUSPENDED",
        /// `INCOMPLETE`: stopped and waiting to be resumed.
        Incomplete = "INCOMPLETE",
    }
}

/// Attributes of a job (`type: job`), identical in API versions 10.0 to 14.0.
///
/// The large vocabularies (`jobType`, `jobSubType`, `policyType`, `scheduleType`, …) are kept as
/// text: they grow with every release and servers send values outside the documented lists
/// (the specs' own example has `scheduleType: "FULL"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Job {
    /// `jobId`: the job number.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub job_id: Option<i64>,
    /// `parentJobId`: the parent job number; 0 for a top-level job.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub parent_job_id: Option<i64>,
    /// `jobType`, e.g. `BACKUP`, `RESTORE`, `DUPLICATE`.
    pub job_type: Option<String>,
    /// `jobSubType`, e.g. `SCHEDULED`, `IMMEDIATE`.
    pub job_sub_type: Option<String>,
    /// `policyType`, e.g. `STANDARD`, `VMWARE`.
    pub policy_type: Option<String>,
    /// `policyName`.
    pub policy_name: Option<String>,
    /// `scheduleType`, e.g. `FULL_BACKUP`.
    pub schedule_type: Option<String>,
    /// `scheduleName`.
    pub schedule_name: Option<String>,
    /// `clientName`: the protected client.
    pub client_name: Option<String>,
    /// `controlHost`: the host that started the job.
    pub control_host: Option<String>,
    /// `state`.
    pub state: Option<JobState>,
    /// `status`: the NetBackup status code once done (0 success, 1 partial success).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub status: Option<i64>,
    /// `done`: present in the specs' examples only, not in the schema.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub done: Option<i64>,
    /// `startTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub start_time: Option<Timestamp>,
    /// `endTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub end_time: Option<Timestamp>,
    /// `lastUpdateTime`: when the job record last changed.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub last_update_time: Option<Timestamp>,
    /// `activeTryStartTime`: when the current try started.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub active_try_start_time: Option<Timestamp>,
    /// `elapsedTime`: time since the job started (ISO 8601 duration on the wire).
    #[serde(deserialize_with = "lenient::opt_duration")]
    pub elapsed_time: Option<SignedDuration>,
    /// `activeElapsedTime`: time since the current try started (ISO 8601 duration on the wire).
    #[serde(deserialize_with = "lenient::opt_duration")]
    pub active_elapsed_time: Option<SignedDuration>,
    /// `kilobytesTransferred`: data written so far, in KiB (an estimate for some job types).
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub kilobytes_transferred: Option<u64>,
    /// `kilobytesDataTransferred`: data actually moved, in KiB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub kilobytes_data_transferred: Option<u64>,
    /// `kilobytesToTransfer`: data still to move, in KiB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub kilobytes_to_transfer: Option<u64>,
    /// `transferRate`: in KiB per second.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub transfer_rate: Option<u64>,
    /// `numberOfFiles`: files protected.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub number_of_files: Option<u64>,
    /// `estimatedFiles`: files expected.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub estimated_files: Option<u64>,
    /// `percentComplete`: estimated progress, 0 to 100.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub percent_complete: Option<u64>,
    /// `dedupRatio`: combined deduplication and compression savings, in percent.
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub dedup_ratio: Option<f64>,
    /// `dedupSpaceRatio`: deduplication savings, in percent.
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub dedup_space_ratio: Option<f64>,
    /// `compressionSpaceRatio`: compression savings, in percent.
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub compression_space_ratio: Option<f64>,
    /// `acceleratorOptimization`: savings from Accelerator, in percent.
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub accelerator_optimization: Option<f64>,
    /// `jobQueueReason`: why a queued job waits (-99: the server had no valid value).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub job_queue_reason: Option<i64>,
    /// `jobQueueResource`: the resource a queued job waits for.
    pub job_queue_resource: Option<String>,
    /// `currentOperation`: operation code in progress (-99: the server had no valid value).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub current_operation: Option<i64>,
    /// `currentFile`: the file being protected.
    pub current_file: Option<String>,
    /// `destinationStorageUnitName`.
    pub destination_storage_unit_name: Option<String>,
    /// `destinationMediaServerName`.
    pub destination_media_server_name: Option<String>,
    /// `destinationMediaId`.
    pub destination_media_id: Option<String>,
    /// `sourceStorageUnitName`.
    pub source_storage_unit_name: Option<String>,
    /// `sourceMediaServerName`.
    pub source_media_server_name: Option<String>,
    /// `sourceMediaId`.
    pub source_media_id: Option<String>,
    /// `backupId`: the image the job wrote or read.
    pub backup_id: Option<String>,
    /// `restoreBackupIDs`: images a restore needs.
    #[serde(rename = "restoreBackupIDs")]
    pub restore_backup_ids: Option<String>,
    /// `assetID`: GUID of the protected asset.
    #[serde(rename = "assetID")]
    pub asset_id: Option<String>,
    /// `assetDisplayableName`.
    pub asset_displayable_name: Option<String>,
    /// `workloadDisplayName`.
    pub workload_display_name: Option<String>,
    /// `applicationType`, e.g. `VMWARE`.
    pub application_type: Option<String>,
    /// `dataMovement`, e.g. `STANDARD`, `SYNTHETIC`.
    pub data_movement: Option<String>,
    /// `dteMode`: data-in-transit encryption, `ON`, `OFF` or `UNKNOWN`.
    pub dte_mode: Option<String>,
    /// `offHostType`, e.g. `STANDARD`, `NDMP`.
    pub off_host_type: Option<String>,
    /// `transportType`: `LAN`, `FAT` or `UNKNOWN_TYPE`.
    pub transport_type: Option<String>,
    /// `jobOwner`: the user that started the job.
    pub job_owner: Option<String>,
    /// `jobGroup`.
    pub job_group: Option<String>,
    /// `jobPath`: ancestor job ids joined by dots, ending with this job.
    pub job_path: Option<String>,
    /// `childCount`: direct child jobs.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub child_count: Option<u64>,
    /// `try`: the current try number.
    #[serde(rename = "try", deserialize_with = "lenient::opt_u64")]
    pub try_number: Option<u64>,
    /// `priority`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub priority: Option<i64>,
    /// `retentionLevel` of the image.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub retention_level: Option<i64>,
    /// `copyNumber` of the image.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub copy_number: Option<i64>,
    /// `streamNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub stream_number: Option<i64>,
    /// `compression`: 1 when the policy compresses.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub compression: Option<i64>,
    /// `frozenImage`: 1 for a snapshot job.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub frozen_image: Option<i64>,
    /// `cancellable` (schema name): 1 when the job can be stopped.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub cancellable: Option<i64>,
    /// `killable` (the examples' name for `cancellable`): 1 when the job can be stopped.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub killable: Option<i64>,
    /// `restartable`: 1 when the job can be restarted.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub restartable: Option<i64>,
    /// `suspendable`: 1 when the job can be suspended.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub suspendable: Option<i64>,
    /// `resumable`: 1 when the job can be resumed.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub resumable: Option<i64>,
    /// `activeProcessId`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub active_process_id: Option<i64>,
    /// `mainProcessId`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub main_process_id: Option<i64>,
    /// `submissionType`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub submission_type: Option<i64>,
    /// `dumpHost`: the recovery appliance host (Copilot).
    pub dump_host: Option<String>,
    /// `instanceDatabaseName`.
    pub instance_database_name: Option<String>,
    /// `robotName` (Vault jobs).
    pub robot_name: Option<String>,
    /// `vaultName` (Vault jobs).
    pub vault_name: Option<String>,
    /// `profileName` (Vault jobs).
    pub profile_name: Option<String>,
    /// `sessionId` (Vault jobs).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub session_id: Option<i64>,
    /// `numberOfTapeToEject` (Vault jobs).
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub number_of_tape_to_eject: Option<u64>,
    /// `auditUserName`.
    pub audit_user_name: Option<String>,
    /// `auditDomainName`.
    pub audit_domain_name: Option<String>,
    /// `auditDomainType`: 0 invalid, 1 Active Directory, 2 NIS+, … as the spec lists.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub audit_domain_type: Option<i64>,
}

impl Job {
    /// Whether the job can be stopped, from `cancellable` or, failing that, `killable`.
    pub fn is_cancellable(&self) -> Option<bool> {
        self.cancellable.or(self.killable).map(|flag| flag != 0)
    }
}

/// The attributes of a job that monitoring reads: identity, classification, state and outcome,
/// times and volume. Field for field as in [`Job`].
///
/// A job carries some eighty attributes; decoding only these skips the rest without allocating
/// for them, several times faster on a large listing. List them with
/// [`Client::job_summaries`](crate::Client::job_summaries).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct JobSummary {
    /// `jobId`: the job number.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub job_id: Option<i64>,
    /// `parentJobId`: the parent job number; 0 for a top-level job.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub parent_job_id: Option<i64>,
    /// `jobType`, e.g. `BACKUP`, `RESTORE`, `DUPLICATE`.
    pub job_type: Option<String>,
    /// `policyType`, e.g. `STANDARD`, `VMWARE`.
    pub policy_type: Option<String>,
    /// `policyName`.
    pub policy_name: Option<String>,
    /// `clientName`: the protected client.
    pub client_name: Option<String>,
    /// `state`.
    pub state: Option<JobState>,
    /// `status`: the NetBackup status code once done (0 success, 1 partial success).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub status: Option<i64>,
    /// `jobQueueReason`: why a queued job waits (-99: the server had no valid value).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub job_queue_reason: Option<i64>,
    /// `startTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub start_time: Option<Timestamp>,
    /// `endTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub end_time: Option<Timestamp>,
    /// `lastUpdateTime`: when the job record last changed.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub last_update_time: Option<Timestamp>,
    /// `elapsedTime`: time since the job started (ISO 8601 duration on the wire).
    #[serde(deserialize_with = "lenient::opt_duration")]
    pub elapsed_time: Option<SignedDuration>,
    /// `kilobytesTransferred`: data written so far, in KiB (an estimate for some job types).
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub kilobytes_transferred: Option<u64>,
    /// `numberOfFiles`: files protected.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub number_of_files: Option<u64>,
    /// `dedupRatio`: combined deduplication and compression savings, in percent.
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub dedup_ratio: Option<f64>,
}

impl From<Job> for JobSummary {
    fn from(job: Job) -> Self {
        Self {
            job_id: job.job_id,
            parent_job_id: job.parent_job_id,
            job_type: job.job_type,
            policy_type: job.policy_type,
            policy_name: job.policy_name,
            client_name: job.client_name,
            state: job.state,
            status: job.status,
            job_queue_reason: job.job_queue_reason,
            start_time: job.start_time,
            end_time: job.end_time,
            last_update_time: job.last_update_time,
            elapsed_time: job.elapsed_time,
            kilobytes_transferred: job.kilobytes_transferred,
            number_of_files: job.number_of_files,
            dedup_ratio: job.dedup_ratio,
        }
    }
}

/// `POST /admin/jobs-count-requests` body: `{"data": {"type": "jobCount", "attributes": {"filter": …}}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobsCountRequest {
    /// `data`.
    pub data: Resource<JobsCount>,
}

impl JobsCountRequest {
    /// A count request for the jobs matching `filter` (OData text), or all jobs.
    pub fn new(filter: Option<String>) -> Self {
        let attributes = JobsCount {
            count: None,
            filter,
        };
        Self {
            data: Resource::new(String::new(), JOB_COUNT_TYPE, attributes),
        }
    }
}

/// The JSON:API type of job-count requests and answers.
const JOB_COUNT_TYPE: &str = "jobCount";

/// `POST /admin/jobs-count-requests` answer: `{"data": {"type": "jobCount", "id": …,
/// "attributes": {"count": …, "filter": …}}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct JobsCountResponse {
    /// `data`; absent in a malformed answer.
    pub data: Option<Resource<JobsCount>>,
}

impl JobsCountResponse {
    /// The number of matching jobs, when the server sent one.
    pub fn count(&self) -> Option<u64> {
        self.data.as_ref()?.count
    }
}

/// Attributes of a job-count request or answer (`type: jobCount`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct JobsCount {
    /// `count`: matching jobs (answers only).
    #[serde(
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u64>,
    /// `filter`: the OData filter applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}
