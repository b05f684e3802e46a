//! Disk storage: `GET /storage/storage-units` and `GET /storage/disk-pools` (storage.yaml, the
//! same fields in API versions 10.0, 12.0 and 13.0; 14.0 servers use the 13.0 shape).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient::{self, open_enum};

open_enum! {
    /// `storageCategory` of a storage unit or disk pool.
    pub enum StorageCategory {
        /// `ADVANCED_DISK`.
        AdvancedDisk = "ADVANCED_DISK",
        /// `BASIC_DISK`.
        BasicDisk = "BASIC_DISK",
        /// `CLOUD`.
        Cloud = "CLOUD",
        /// `CLOUD_CATALYST`.
        CloudCatalyst = "CLOUD_CATALYST",
        /// `MSDP`: Media Server Deduplication Pool.
        Msdp = "MSDP",
        /// `OPEN_STORAGE`: an OpenStorage appliance.
        OpenStorage = "OPEN_STORAGE",
        /// `TAPE`.
        Tape = "TAPE",
    }
}

open_enum! {
    /// Type of a tape robot (`robotType`, `robotControl`).
    pub enum RobotType {
        /// `NA`: not applicable.
        Na = "NA",
        /// `NOT_ROBOTIC`: a standalone drive.
        NotRobotic = "NOT_ROBOTIC",
        /// `ACS`: Automated Cartridge System.
        Acs = "ACS",
        /// `TLD`: Tape Library DLT.
        Tld = "TLD",
    }
}

/// Attributes of a storage unit (`type: storageUnit`; the id is the unit's name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct StorageUnit {
    /// `name`.
    pub name: Option<String>,
    /// `storageType`, e.g. `DISK`, `TAPE`.
    pub storage_type: Option<String>,
    /// `storageSubType`, e.g. `PureDisk`, `AdvancedDisk`.
    pub storage_sub_type: Option<String>,
    /// `storageServerType`: type of the storage server behind the unit.
    pub storage_server_type: Option<String>,
    /// `storageCategory`.
    pub storage_category: Option<StorageCategory>,
    /// `freeCapacityBytes`; absent for cloud units.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub free_capacity_bytes: Option<u64>,
    /// `totalCapacityBytes`; absent for cloud units.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub total_capacity_bytes: Option<u64>,
    /// `usedCapacityBytes`; absent for cloud units.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub used_capacity_bytes: Option<u64>,
    /// `maxConcurrentJobs`: job limit of a disk unit (tape units use `maxConcurrentDrives`).
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub max_concurrent_jobs: Option<u64>,
    /// `maxConcurrentDrives`: drive limit of a tape unit.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub max_concurrent_drives: Option<u64>,
    /// `maxFragmentSizeMegabytes`, in MB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub max_fragment_size_megabytes: Option<u64>,
    /// `isCloudSTU`: the unit writes to cloud storage.
    #[serde(rename = "isCloudSTU", deserialize_with = "lenient::opt_bool")]
    pub is_cloud_stu: Option<bool>,
    /// `wormCapable`: WORM storage is available.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub worm_capable: Option<bool>,
    /// `useWorm`: WORM storage is configured.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub use_worm: Option<bool>,
    /// `replicationCapable`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub replication_capable: Option<bool>,
    /// `replicationSourceCapable`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub replication_source_capable: Option<bool>,
    /// `replicationTargetCapable`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub replication_target_capable: Option<bool>,
    /// `instantAccessEnabled`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub instant_access_enabled: Option<bool>,
    /// `scaleOutEnabled`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub scale_out_enabled: Option<bool>,
    /// `accelerator`: supports NetBackup Accelerator.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub accelerator: Option<bool>,
    /// `onDemandOnly`: used only when a policy names it.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub on_demand_only: Option<bool>,
    /// `useAnyAvailableMediaServer`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub use_any_available_media_server: Option<bool>,
    /// `snapshot`: can hold snapshots.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub snapshot: Option<bool>,
    /// `mirror`: can use mirrored replication.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub mirror: Option<bool>,
    /// `independent`: can use non-mirrored replication.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub independent: Option<bool>,
    /// `primary`: can take snapshots of client-mounted sources.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub primary: Option<bool>,
    /// `absolutePath`: directory of a basic-disk unit.
    pub absolute_path: Option<String>,
    /// `okOnRoot`: the directory may live on the root file system.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub ok_on_root: Option<bool>,
    /// `stageData`: temporary staging is enabled.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub stage_data: Option<bool>,
    /// `mediaServerDetails`: media servers that can reach the unit.
    pub media_server_details: Option<Vec<MediaServerDetail>>,
    /// `capabilities`: capability names.
    #[serde(deserialize_with = "lenient::opt_text_list")]
    pub capabilities: Option<Vec<String>>,
    /// `robotType` of a tape unit.
    pub robot_type: Option<RobotType>,
    /// `robotNumber` of a tape unit.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub robot_number: Option<i64>,
    /// `density`: media density of a tape unit, e.g. `DHCART`.
    pub density: Option<String>,
    /// `multiplexing`: maximum multiplexing factor.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub multiplexing: Option<i64>,
    /// `path`: file-system path of the stored data.
    pub path: Option<String>,
    /// `ndmpHost`: NDMP host of a tape unit.
    pub ndmp_host: Option<String>,
    /// `enableBlockSharing`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub enable_block_sharing: Option<bool>,
    /// `transferThrottle`: SnapVault bandwidth limit; 0 is unlimited.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub transfer_throttle: Option<i64>,
    /// `fileSystemExport`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub file_system_export: Option<bool>,
    /// `diskStagingSchedule`, kept as raw JSON (a full schedule definition).
    pub disk_staging_schedule: Option<Value>,
}

/// One entry of `mediaServerDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct MediaServerDetail {
    /// `name` of the media server.
    pub name: Option<String>,
    /// `operatingSystem`.
    pub operating_system: Option<String>,
    /// `netbackupVersion`.
    pub netbackup_version: Option<String>,
}

open_enum! {
    /// `diskPoolState`.
    pub enum DiskPoolState {
        /// `UP`.
        Up = "UP",
        /// `DOWN`.
        Down = "DOWN",
        /// `TRANSIENT`: changing state.
        Transient = "TRANSIENT",
    }
}

open_enum! {
    /// `state` of a disk volume.
    pub enum DiskVolumeState {
        /// `UP`.
        Up = "UP",
        /// `DOWN`.
        Down = "DOWN",
        /// `UNKNOWN`.
        Unknown = "UNKNOWN",
    }
}

/// Attributes of a disk pool (`type: diskPool`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct DiskPool {
    /// `name`.
    pub name: Option<String>,
    /// `sType`: type of the storage server, e.g. `PureDisk`.
    #[serde(rename = "sType")]
    pub s_type: Option<String>,
    /// `storageCategory`.
    pub storage_category: Option<StorageCategory>,
    /// `diskPoolState`.
    pub disk_pool_state: Option<DiskPoolState>,
    /// `diskVolumes`.
    pub disk_volumes: Option<Vec<DiskVolume>>,
    /// `rawSizeBytes`: raw size of the pool's storage.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub raw_size_bytes: Option<u64>,
    /// `usableSizeBytes`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub usable_size_bytes: Option<u64>,
    /// `availableSpaceBytes`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub available_space_bytes: Option<u64>,
    /// `usedCapacityBytes`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub used_capacity_bytes: Option<u64>,
    /// `highWaterMark`: percent full at which volumes count as full.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub high_water_mark: Option<u64>,
    /// `lowWaterMark`: percent full at which image cleanup stops.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub low_water_mark: Option<u64>,
    /// `maximumIoStreams`.
    pub maximum_io_streams: Option<MaximumIoStreams>,
    /// `wormCapable`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub worm_capable: Option<bool>,
    /// `readOnly`: read-only for image sharing.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub read_only: Option<bool>,
    /// `comment`.
    pub comment: Option<String>,
    /// `diskPoolCapabilities`, e.g. `OPTIMIZED_IMAGE`.
    #[serde(deserialize_with = "lenient::opt_text_list")]
    pub disk_pool_capabilities: Option<Vec<String>>,
    /// `mediaServersCount`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub media_servers_count: Option<u64>,
}

/// One entry of a disk pool's `diskVolumes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct DiskVolume {
    /// `name`.
    pub name: Option<String>,
    /// `id`.
    #[serde(deserialize_with = "lenient::scalar_text")]
    pub id: Option<String>,
    /// `diskMediaId`: logical id of the volume.
    pub disk_media_id: Option<String>,
    /// `state`.
    pub state: Option<DiskVolumeState>,
    /// `rawSizeBytes`; absent for cloud volumes.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub raw_size_bytes: Option<u64>,
    /// `freeSizeBytes`; absent for cloud volumes.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub free_size_bytes: Option<u64>,
    /// `isReplicationSource`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_replication_source: Option<bool>,
    /// `isReplicationTarget`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_replication_target: Option<bool>,
    /// `wormIndelibleMinimumInterval`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub worm_indelible_minimum_interval: Option<i64>,
    /// `wormIndelibleMaximumInterval`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub worm_indelible_maximum_interval: Option<i64>,
    /// `diskVolumeCapabilities`, e.g. `WORM_INDELIBLE`.
    #[serde(deserialize_with = "lenient::opt_text_list")]
    pub disk_volume_capabilities: Option<Vec<String>>,
}

/// `maximumIoStreams` of a disk pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct MaximumIoStreams {
    /// `limitIoStreams`: `false` means unlimited.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub limit_io_streams: Option<bool>,
    /// `streamsPerVolume` when limited.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub streams_per_volume: Option<u64>,
}
