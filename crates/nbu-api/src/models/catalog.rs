//! Catalog: `GET /catalog/images` and `GET /catalog/slp-images` (catalog.yaml, API version
//! 12.0 on). Image counts come from `meta.pagination.count` of the images list.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::lenient::{self, open_enum};
use super::malware::MalwareScanOutcome;

open_enum! {
    /// `malwareStatus` of an image (API version 13.0 on).
    pub enum MalwareStatus {
        /// `NOT_SCANNED`.
        NotScanned = "NOT_SCANNED",
        /// `INFECTION_DETECTED_BY_MALWARE_SCAN`.
        InfectionDetectedByMalwareScan = "INFECTION_DETECTED_BY_MALWARE_SCAN",
        /// `INFECTION_DETECTED_BY_FILE_HASH_SEARCH`.
        InfectionDetectedByFileHashSearch = "INFECTION_DETECTED_BY_FILE_HASH_SEARCH",
        /// `CLEAN`.
        Clean = "CLEAN",
        /// `NOT_SUPPORTED`.
        NotSupported = "NOT_SUPPORTED",
        /// `UNKNOWN_TYPE`.
        UnknownType = "UNKNOWN_TYPE",
    }
}

open_enum! {
    /// `anomalyStatus` of an image.
    pub enum AnomalyStatus {
        /// `UNDEFINED`.
        Undefined = "UNDEFINED",
        /// `NOT_PROCESSED`.
        NotProcessed = "NOT_PROCESSED",
        /// `ANOMALOUS`.
        Anomalous = "ANOMALOUS",
        /// `NOT_ANOMALOUS`.
        NotAnomalous = "NOT_ANOMALOUS",
        /// `NOT_REVIEWED`.
        NotReviewed = "NOT_REVIEWED",
        /// `FALSE_POSITIVE`.
        FalsePositive = "FALSE_POSITIVE",
        /// `IGNORED`.
        Ignored = "IGNORED",
    }
}

/// Attributes of a catalog image (`type: image`; the id is the backup id).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct CatalogImage {
    /// `clientName`.
    pub client_name: Option<String>,
    /// `policyName`.
    pub policy_name: Option<String>,
    /// `policyType`, as the agent names it, e.g. `Standard`, `MS-Windows`.
    pub policy_type: Option<String>,
    /// `scheduleName`.
    pub schedule_name: Option<String>,
    /// `scheduleType`, e.g. `FULL`.
    pub schedule_type: Option<String>,
    /// `appType`, e.g. `VMWARE`.
    pub app_type: Option<String>,
    /// `backupTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub backup_time: Option<Timestamp>,
    /// `backupStatus`: exit status of the backup job.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub backup_status: Option<i64>,
    /// `backupCopyType`, e.g. `DEFAULT`, `SNAPSHOT`.
    pub backup_copy_type: Option<String>,
    /// `jobId` of the backup.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub job_id: Option<i64>,
    /// `kbytes` backed up, in KiB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub kbytes: Option<u64>,
    /// `kbytesDataTransferred`, in KiB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub kbytes_data_transferred: Option<u64>,
    /// `numFiles` backed up.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub num_files: Option<u64>,
    /// `numCopies`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub num_copies: Option<u64>,
    /// `numberFragments` over all copies.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub number_fragments: Option<u64>,
    /// `primaryCopy`: copy used for restores.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub primary_copy: Option<i64>,
    /// `elapsedTimeSeconds` the backup took.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub elapsed_time_seconds: Option<u64>,
    /// `expiration`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub expiration: Option<Timestamp>,
    /// `remoteExpirationDate`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub remote_expiration_date: Option<Timestamp>,
    /// `tirExpirationDate`: True Image Restore data expiry.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub tir_expiration_date: Option<Timestamp>,
    /// `blockIncrementalFullTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub block_incremental_full_time: Option<Timestamp>,
    /// `snapshotTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub snapshot_time: Option<Timestamp>,
    /// `retentionLevel`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub retention_level: Option<i64>,
    /// `slpName`: the SLP managing the image.
    pub slp_name: Option<String>,
    /// `slpVersion`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub slp_version: Option<i64>,
    /// `slpCompleted`: non-zero once the SLP finished all its operations.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub slp_completed: Option<i64>,
    /// `clientCharset`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub client_charset: Option<i64>,
    /// `compression`: software compression used.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub compression: Option<bool>,
    /// `contentFile`: the `*.f` file name.
    pub content_file: Option<String>,
    /// `contentFileSize`, as text.
    #[serde(deserialize_with = "lenient::scalar_text")]
    pub content_file_size: Option<String>,
    /// `contentFileCompressed`, e.g. `ZLIB`.
    pub content_file_compressed: Option<String>,
    /// `creator`: who started the backup.
    pub creator: Option<String>,
    /// `dataClassification`.
    pub data_classification: Option<String>,
    /// `drMediaList`: tape media ids needed for disaster recovery.
    #[serde(deserialize_with = "lenient::opt_text_list")]
    pub dr_media_list: Option<Vec<String>>,
    /// `encryption`: `NONE`, `LEGACY` or `CIPHER`.
    pub encryption: Option<String>,
    /// `extendedSecurityInfo`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub extended_security_info: Option<bool>,
    /// `fileSystemOnly`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub file_system_only: Option<bool>,
    /// `imageDumpLevel`: NDMP dump level.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub image_dump_level: Option<i64>,
    /// `imageType`: `NORMAL`, `PRE_IMPORT` or `IMPORTED`.
    pub image_type: Option<String>,
    /// `keyword`.
    pub keyword: Option<String>,
    /// `mpx`: multiplexed on tape.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub mpx: Option<bool>,
    /// `originMasterServer`.
    pub origin_master_server: Option<String>,
    /// `pfiType`: snapshot association code.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub pfi_type: Option<i64>,
    /// `providerGeneratedId`.
    pub provider_generated_id: Option<String>,
    /// `proxyClient`.
    pub proxy_client: Option<String>,
    /// `version`: image format version.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub version: Option<i64>,
    /// `vmType`: `NONE`, `UNMAPPED` or `MAPPED`.
    pub vm_type: Option<String>,
    /// `imageDteMode`: `ON` or `OFF`.
    pub image_dte_mode: Option<String>,
    /// `intelligentCatalogArchiving`: `YES` or `NO`.
    pub intelligent_catalog_archiving: Option<String>,
    /// `isOptimized`: has Optimized Recovery data.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_optimized: Option<bool>,
    /// `streamNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub stream_number: Option<i64>,
    /// `streamAggregatedKbytes` over all streams (NAS data protection), in KiB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub stream_aggregated_kbytes: Option<u64>,
    /// `streamAggregatedFiles` over all streams (NAS data protection).
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub stream_aggregated_files: Option<u64>,
    /// `malwareScanResult`.
    pub malware_scan_result: Option<MalwareScanOutcome>,
    /// `malwareStatus` (API version 13.0 on).
    pub malware_status: Option<MalwareStatus>,
    /// `anomalyStatus`.
    pub anomaly_status: Option<AnomalyStatus>,
    /// `anomalySeverity`: `UNDEFINED`, `NOT_PROCESSED`, `LOW`, `MEDIUM` or `HIGH`.
    pub anomaly_severity: Option<String>,
    /// `anomalyScore`.
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub anomaly_score: Option<f64>,
    /// `fileScanResult`: ransomware extension scan result.
    pub file_scan_result: Option<String>,
    /// `fileHashSearchResult` (API version 13.0 on).
    pub file_hash_search_result: Option<String>,
    /// `onHold`: `YES` when on legal hold (API version 14.0).
    pub on_hold: Option<String>,
    /// `tirInfo`: True Image Restore state (API version 14.0).
    pub tir_info: Option<String>,
    /// `fileRestoreRaw`: `YES` or `NO` (API version 14.0).
    pub file_restore_raw: Option<String>,
    /// `objectDescriptor`: group id information (API version 14.0).
    pub object_descriptor: Option<String>,
    /// `fragments` of all copies; absent when the request narrowed the fields.
    pub fragments: Option<Vec<ImageFragment>>,
}

/// One entry of a catalog image's `fragments`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ImageFragment {
    /// `copyNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub copy_number: Option<i64>,
    /// `fragmentNumber` within the copy.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub fragment_number: Option<i64>,
    /// `mediaId` or path written to.
    pub media_id: Option<String>,
    /// `host` that wrote the copy.
    pub host: Option<String>,
    /// `kbytes64`: fragment size, in KiB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub kbytes64: Option<u64>,
    /// `copyDate`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub copy_date: Option<Timestamp>,
    /// `expiration` of the copy.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub expiration: Option<Timestamp>,
    /// `mediaDate`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub media_date: Option<Timestamp>,
    /// `slpTryToKeepDate`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub slp_try_to_keep_date: Option<Timestamp>,
    /// `wormUnlockTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub worm_unlock_time: Option<Timestamp>,
    /// `wormFlags`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub worm_flags: Option<i64>,
    /// `copyType`: `CLOUD_SNAPSHOT` or `CLOUD_SNAPSHOT_REPLICA`.
    pub copy_type: Option<String>,
    /// `copyDteMode`: `ON` or `OFF`.
    pub copy_dte_mode: Option<String>,
    /// `hierarchicalDteMode`: `ON` or `OFF`.
    pub hierarchical_dte_mode: Option<String>,
    /// `dataFormat`: `TAR`, `SNAPSHOT` or `NDMP_DUMP`.
    pub data_format: Option<String>,
    /// `destinationLocation` of a cloud snapshot or replica.
    pub destination_location: Option<String>,
    /// `heldForDependentCopy`: `YES` or `NO`.
    pub held_for_dependent_copy: Option<String>,
    /// `keyTag`: KMS key tag.
    pub key_tag: Option<String>,
    /// `stlTag`: SLP destination name.
    pub stl_tag: Option<String>,
    /// `mediaDesc`.
    pub media_desc: Option<String>,
    /// `blockSize`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub block_size: Option<i64>,
    /// `density`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub density: Option<i64>,
    /// `deviceWrittenOn`: tape drive index, -1 for disk.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub device_written_on: Option<i64>,
    /// `fileNumber` on the media.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub file_number: Option<i64>,
    /// `checkpoint`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub checkpoint: Option<i64>,
    /// `fragmentFlags`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub fragment_flags: Option<i64>,
    /// `firstBlock`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub first_block: Option<i64>,
    /// `lastBlock`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub last_block: Option<i64>,
    /// `mediaSequenceNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub media_sequence_number: Option<i64>,
    /// `mediaSubtype`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub media_subtype: Option<i64>,
    /// `mediaType`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub media_type: Option<i64>,
    /// `multiplex`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub multiplex: Option<i64>,
    /// `offset`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub offset: Option<i64>,
    /// `remainder`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub remainder: Option<i64>,
    /// `resumeNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub resume_number: Option<i64>,
    /// `retentionLevel`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub retention_level: Option<i64>,
}

open_enum! {
    /// `slpImageState`: where an image stands in its storage lifecycle.
    pub enum SlpImageState {
        /// `NOT_MANAGED`.
        NotManaged = "NOT_MANAGED",
        /// `NOT_STARTED`.
        NotStarted = "NOT_STARTED",
        /// `IN_PROCESS`.
        InProcess = "IN_PROCESS",
        /// `COMPLETE`.
        Complete = "COMPLETE",
        /// `DELETED`.
        Deleted = "DELETED",
        /// `NOT_STARTED|INACTIVE`: not started, lifecycle suspended.
        NotStartedInactive = "NOT_STARTED|INACTIVE",
        /// `IN_PROCESS|INACTIVE`: in process, lifecycle suspended.
        InProcessInactive = "IN_PROCESS|INACTIVE",
    }
}

/// Attributes of an SLP-managed image (`GET /catalog/slp-images`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SlpImage {
    /// `primaryServer`.
    pub primary_server: Option<String>,
    /// `backupId`.
    pub backup_id: Option<String>,
    /// `policyName`.
    pub policy_name: Option<String>,
    /// `clientName`.
    pub client_name: Option<String>,
    /// `backupTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub backup_time: Option<Timestamp>,
    /// `policyType`.
    pub policy_type: Option<String>,
    /// `scheduleType`, e.g. `FULL`.
    pub schedule_type: Option<String>,
    /// `slpName`.
    pub slp_name: Option<String>,
    /// `slpImageState`.
    pub slp_image_state: Option<SlpImageState>,
    /// `isStorageLifecycleInactive`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_storage_lifecycle_inactive: Option<bool>,
    /// `timeInProcess`: when processing started.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub time_in_process: Option<Timestamp>,
    /// `dataClassification`.
    pub data_classification: Option<String>,
    /// `slpVersion`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub slp_version: Option<i64>,
    /// `originPrimaryServer`.
    pub origin_primary_server: Option<String>,
    /// `originPrimaryServerId`.
    pub origin_primary_server_id: Option<String>,
    /// `expirationTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub expiration_time: Option<Timestamp>,
    /// `creationTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub creation_time: Option<Timestamp>,
    /// `importFromReplicaTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub import_from_replica_time: Option<Timestamp>,
    /// `copies`.
    pub copies: Option<Vec<SlpImageCopy>>,
}

/// One entry of an SLP image's `copies`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SlpImageCopy {
    /// `primaryServer`.
    pub primary_server: Option<String>,
    /// `backupId`.
    pub backup_id: Option<String>,
    /// `copyNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub copy_number: Option<i64>,
    /// `copyType`, e.g. `BACKUP`, `DUPLICATE`, `REPLICATION`.
    pub copy_type: Option<String>,
    /// `copyState`, e.g. `IN_PROCESS`, `COPYCOMPLETE`.
    pub copy_state: Option<String>,
    /// `expireTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub expire_time: Option<Timestamp>,
    /// `expireLCTime`.
    #[serde(rename = "expireLCTime", deserialize_with = "lenient::opt_timestamp")]
    pub expire_lc_time: Option<Timestamp>,
    /// `tryToKeepTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub try_to_keep_time: Option<Timestamp>,
    /// `retentionType`, e.g. `FIXED`.
    pub retention_type: Option<String>,
    /// `residence`: where the copy lives.
    pub residence: Option<String>,
    /// `jobId`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub job_id: Option<i64>,
    /// `mpx`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub mpx: Option<bool>,
    /// `retryCount`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub retry_count: Option<u64>,
    /// `lastRetryTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub last_retry_time: Option<Timestamp>,
    /// `dataFormat`.
    pub data_format: Option<String>,
    /// `replica`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub replica: Option<i64>,
    /// `slpIndex`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub slp_index: Option<i64>,
    /// `source`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub source: Option<i64>,
    /// `destinationId`.
    pub destination_id: Option<String>,
    /// `fragments` of this copy.
    pub fragments: Option<Vec<SlpImageFragment>>,
}

/// One entry of an SLP image copy's `fragments`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SlpImageFragment {
    /// `primaryServer`.
    pub primary_server: Option<String>,
    /// `backupId`.
    pub backup_id: Option<String>,
    /// `copyNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub copy_number: Option<i64>,
    /// `fragmentNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub fragment_number: Option<i64>,
    /// `resumeNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub resume_number: Option<i64>,
    /// `mediaId`.
    pub media_id: Option<String>,
    /// `mediaServer`.
    pub media_server: Option<String>,
    /// `storageServer`.
    pub storage_server: Option<String>,
    /// `mediaSubtype`, e.g. `PUREDISK`.
    pub media_subtype: Option<String>,
    /// `mediaType`, e.g. `DISK`, `RMEDIA`.
    pub media_type: Option<String>,
    /// `fragmentState`, e.g. `ACTIVE`.
    pub fragment_state: Option<String>,
    /// `fragmentSize`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub fragment_size: Option<u64>,
    /// `deleteHeader`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub delete_header: Option<i64>,
    /// `fragmentId`.
    pub fragment_id: Option<String>,
    /// `snapMountHost`.
    pub snap_mount_host: Option<String>,
    /// `mediaDesc`.
    pub media_desc: Option<String>,
}
