//! Tape: `GET /storage/drives` (all versions), and from API version 12.0 on
//! `GET /storage/tape-media`, `GET /storage/tape-volume-pools` and
//! `GET /storage/robots-device-hosts` (storage.yaml).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::lenient::{self, open_enum};
use super::storage::RobotType;

open_enum! {
    /// `driveStatus` of a tape drive.
    pub enum DriveStatus {
        /// `DRIVE_STATUS_UP`.
        Up = "DRIVE_STATUS_UP",
        /// `DRIVE_STATUS_DOWN`.
        Down = "DRIVE_STATUS_DOWN",
        /// `DRIVE_STATUS_MIXED`: some paths up, some down.
        Mixed = "DRIVE_STATUS_MIXED",
        /// `DRIVE_STATUS_DISABLED`.
        Disabled = "DRIVE_STATUS_DISABLED",
    }
}

/// Attributes of a tape drive (`type: drive`). The drive name is the resource `id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Drive {
    /// `driveType`, e.g. `DT_HCART`.
    pub drive_type: Option<String>,
    /// `driveStatus`.
    pub drive_status: Option<DriveStatus>,
    /// `driveControl`: control mode, e.g. `DRIVE_CONTROL_AVR`.
    pub drive_control: Option<String>,
    /// `driveControlDisplayValue`: localized control mode.
    pub drive_control_display_value: Option<String>,
    /// `robotType`.
    pub robot_type: Option<RobotType>,
    /// `robotNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub robot_number: Option<i64>,
    /// `robotDriveNumber`: the drive's number inside its library.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub robot_drive_number: Option<i64>,
    /// `driveIndex`: index assigned at configuration.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub drive_index: Option<i64>,
    /// `controlHostname`.
    pub control_hostname: Option<String>,
    /// `assignedHost`: current device host.
    pub assigned_host: Option<String>,
    /// `deviceHost`, or `<multiple>`.
    pub device_host: Option<String>,
    /// `devicePath`, or `<multiple>`.
    pub device_path: Option<String>,
    /// `devicePaths`: one entry per path to the drive.
    pub device_paths: Option<Vec<DevicePath>>,
    /// `scanHost`.
    pub scan_host: Option<String>,
    /// `vmHost`.
    pub vm_host: Option<String>,
    /// `ndmpHost`.
    pub ndmp_host: Option<String>,
    /// `clusterServer`.
    pub cluster_server: Option<String>,
    /// `worldWideId`.
    pub world_wide_id: Option<String>,
    /// `vendorDriveName`.
    pub vendor_drive_name: Option<String>,
    /// `serialNumber`.
    pub serial_number: Option<String>,
    /// `inquiryString`: what the device reports about itself.
    pub inquiry_string: Option<String>,
    /// `driveComment`.
    pub drive_comment: Option<String>,
    /// `acs`: ACS library software index.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub acs: Option<i64>,
    /// `lsm`: ACS library storage module.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub lsm: Option<i64>,
    /// `panel`: ACS panel.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub panel: Option<i64>,
    /// `drive`: ACS physical drive number.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub drive: Option<i64>,
    /// `cleaningFrequency`, in hours.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub cleaning_frequency: Option<i64>,
    /// `cleaningComment`: `NEEDS CLEANING` when due.
    pub cleaning_comment: Option<String>,
    /// `lastCleaningTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub last_cleaning_time: Option<Timestamp>,
    /// `mountTime`: time needed to mount (ISO 8601 duration on the wire).
    #[serde(deserialize_with = "lenient::opt_duration")]
    pub mount_time: Option<SignedDuration>,
    /// `lastMountTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub last_mount_time: Option<Timestamp>,
    /// `tapeAlertEnabled`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub tape_alert_enabled: Option<bool>,
    /// `tapeAlert1`: first tape alert, if any.
    pub tape_alert1: Option<String>,
    /// `tapeAlert2`: second tape alert, if any.
    pub tape_alert2: Option<String>,
    /// `sharedDrive`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub shared_drive: Option<bool>,
    /// `enabled`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub enabled: Option<bool>,
    /// `localControl`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub local_control: Option<bool>,
    /// `isControlUp`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_control_up: Option<bool>,
    /// `writeEnabled`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub write_enabled: Option<bool>,
    /// `ready`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub ready: Option<bool>,
    /// `externalMediaId`.
    pub external_media_id: Option<String>,
    /// `recordedMediaId`: media currently in the drive.
    pub recorded_media_id: Option<String>,
    /// `requestId`.
    pub request_id: Option<String>,
    /// `label`.
    pub label: Option<String>,
    /// `volumeHeader`.
    pub volume_header: Option<String>,
    /// `user`.
    pub user: Option<String>,
    /// `port`, or `<multiple>`.
    #[serde(deserialize_with = "lenient::scalar_text")]
    pub port: Option<String>,
    /// `bus`, or `<multiple>`.
    #[serde(deserialize_with = "lenient::scalar_text")]
    pub bus: Option<String>,
    /// `target`, or `<multiple>`.
    #[serde(deserialize_with = "lenient::scalar_text")]
    pub target: Option<String>,
    /// `lun`, or `<multiple>`.
    #[serde(deserialize_with = "lenient::scalar_text")]
    pub lun: Option<String>,
}

/// One entry of a drive's `devicePaths`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct DevicePath {
    /// `pathIndex`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub path_index: Option<i64>,
    /// `deviceHost`.
    pub device_host: Option<String>,
    /// `driveName`.
    pub drive_name: Option<String>,
    /// `devicePath`.
    pub device_path: Option<String>,
    /// `port`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub port: Option<i64>,
    /// `bus`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub bus: Option<i64>,
    /// `target`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub target: Option<i64>,
    /// `lun`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub lun: Option<i64>,
    /// `driveControl`.
    pub drive_control: Option<String>,
    /// `isEnabled`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_enabled: Option<bool>,
    /// `pathStatus`: `PATH_STATUS_UP`, `PATH_STATUS_DOWN` or `PATH_STATUS_DISABLED`.
    pub path_status: Option<String>,
    /// `hostId`.
    pub host_id: Option<String>,
    /// `isNdmp`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_ndmp: Option<bool>,
    /// `ndmpHost`.
    pub ndmp_host: Option<String>,
    /// `robotControl`.
    pub robot_control: Option<RobotType>,
    /// `scsiProtection`, e.g. `SCSI_SPR`.
    pub scsi_protection: Option<String>,
}

/// Attributes of a tape volume (`type: volumeInfo`). The media id is the resource `id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct TapeMedia {
    /// `barcode`.
    pub barcode: Option<String>,
    /// `mediaType`, e.g. `HCART`, `HC_CLN`.
    pub media_type: Option<String>,
    /// `robot`: where the volume lives.
    pub robot: Option<TapeRobot>,
    /// `slot`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub slot: Option<i64>,
    /// `volumeGroup`.
    pub volume_group: Option<String>,
    /// `volumePool`.
    pub volume_pool: Option<String>,
    /// `mediaStatus`, free text such as `ACTIVE MULTIPLEXED`.
    pub media_status: Option<String>,
    /// `mediaOwner`: media server or group owning the volume.
    pub media_owner: Option<String>,
    /// `serverGroup`.
    pub server_group: Option<String>,
    /// `application`, e.g. `NETBACKUP`.
    pub application: Option<String>,
    /// `mounts`: times mounted.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub mounts: Option<u64>,
    /// `maxMounts`: mount limit; 0 is unlimited.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub max_mounts: Option<u64>,
    /// `cleaningsRemaining` (cleaning media).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub cleanings_remaining: Option<i64>,
    /// `kiloBytes`: space used on the tape, in KiB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub kilo_bytes: Option<u64>,
    /// `images`: images on the volume.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub images: Option<u64>,
    /// `validImages`: unexpired images on the volume.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub valid_images: Option<u64>,
    /// `retentionPeriod`: retention level.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub retention_period: Option<i64>,
    /// `numberOfRestores`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub number_of_restores: Option<u64>,
    /// `conflicts` found during a database merge.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub conflicts: Option<i64>,
    /// `originHost`.
    pub origin_host: Option<String>,
    /// `lastWriteHost`.
    pub last_write_host: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `created`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub created: Option<Timestamp>,
    /// `timeAssigned`: first allocation.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub time_assigned: Option<Timestamp>,
    /// `firstMount`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub first_mount: Option<Timestamp>,
    /// `lastMount`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub last_mount: Option<Timestamp>,
    /// `lastWritten`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub last_written: Option<Timestamp>,
    /// `lastRead`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub last_read: Option<Timestamp>,
    /// `volumeExpiration`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub volume_expiration: Option<Timestamp>,
    /// `dateExpiration`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub date_expiration: Option<Timestamp>,
    /// `vaultName`.
    pub vault_name: Option<String>,
    /// `dateVaulted`: sent off site.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub date_vaulted: Option<Timestamp>,
    /// `returnDate`: back from off site.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub return_date: Option<Timestamp>,
    /// `vaultSlot`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub vault_slot: Option<i64>,
    /// `sessionId` of the vault session.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub session_id: Option<i64>,
    /// `vaultContainerId`.
    pub vault_container_id: Option<String>,
}

/// `robot` of a tape volume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct TapeRobot {
    /// `robotType`.
    pub robot_type: Option<RobotType>,
    /// `robotNumber`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub robot_number: Option<i64>,
    /// `robotHost`: host controlling the robot.
    pub robot_host: Option<String>,
}

open_enum! {
    /// `poolType` of a tape volume pool.
    pub enum VolumePoolType {
        /// `REGULAR_MEDIA_POOL`.
        Regular = "REGULAR_MEDIA_POOL",
        /// `SCRATCH_MEDIA_POOL`.
        Scratch = "SCRATCH_MEDIA_POOL",
        /// `CATALOG_MEDIA_POOL`.
        Catalog = "CATALOG_MEDIA_POOL",
        /// `AVAILABLE_MEDIA_POOL`.
        Available = "AVAILABLE_MEDIA_POOL",
    }
}

/// Attributes of a tape volume pool (`type: volumePoolDetails`; the id is the pool number).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct TapeVolumePool {
    /// `volumePoolName`.
    pub volume_pool_name: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `partiallyFullMedia`: partially full tapes in the pool.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub partially_full_media: Option<u64>,
    /// `poolType`.
    pub pool_type: Option<VolumePoolType>,
}

/// Attributes of a robot device host (`type: deviceHost`): the spec gives none, the host name
/// is the resource `id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RobotDeviceHost {}
