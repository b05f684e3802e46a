//! Disk storage: `GET /storage/storage-units` and `GET /storage/disk-pools`.

use serde::{Deserialize, Serialize};

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

/// Attributes of a storage unit (`type: storageUnit`).
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
    /// `maxConcurrentJobs`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub max_concurrent_jobs: Option<i64>,
    /// `maxFragmentSizeMegabytes`, in MiB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub max_fragment_size_megabytes: Option<u64>,
}
