//! Storage units: capacity, limits and attributes per unit.

use std::collections::BTreeMap;

use crate::UNKNOWN;
use crate::exposition::FamilySet;
use crate::names;

/// One storage unit (`/storage/storage-units`), in the units the metrics use.
///
/// The collector maps: `name` ← `name`, `server_type` ← `storageServerType` (the `type` label,
/// as in the Go exporter), `sub_type` ← `storageSubType`, `storage_type` ← `storageType`,
/// `category` ← `storageCategory`, the capacity fields ← `free/used/totalCapacityBytes` (absent
/// for cloud units), `max_fragment_size_bytes` ← `maxFragmentSizeMegabytes` converted with
/// [`megabytes_to_bytes`], the booleans ← `isCloudSTU`, `wormCapable`, `useWorm`,
/// `replicationCapable`, `instantAccessEnabled`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageObservation {
    /// The storage unit name.
    pub name: String,
    /// The storage server type, the `type` label.
    pub server_type: String,
    /// The storage sub type, the `subtype` label.
    pub sub_type: String,
    /// The storage type (`Disk`, `Tape`, …).
    pub storage_type: String,
    /// The storage category (`MSDP`, `TAPE`, …), when reported.
    pub category: Option<String>,
    /// Free bytes.
    pub free_bytes: Option<u64>,
    /// Used bytes.
    pub used_bytes: Option<u64>,
    /// Total capacity in bytes.
    pub total_bytes: Option<u64>,
    /// Maximum concurrent jobs.
    pub max_concurrent_jobs: Option<u64>,
    /// Maximum fragment size in bytes.
    pub max_fragment_size_bytes: Option<u64>,
    /// Whether the unit is a cloud storage unit.
    pub is_cloud: Option<bool>,
    /// Whether the unit supports WORM.
    pub worm_capable: Option<bool>,
    /// Whether WORM is in use.
    pub use_worm: Option<bool>,
    /// Whether the unit supports replication.
    pub replication_capable: Option<bool>,
    /// Whether instant access is enabled.
    pub instant_access: Option<bool>,
}

impl StorageObservation {
    /// Whether this is a tape unit (`storageType` `Tape` or category `TAPE`): tape units report no
    /// meaningful capacity and are left out of the disk families, as in the Go exporter.
    pub fn is_tape(&self) -> bool {
        self.storage_type.eq_ignore_ascii_case("tape")
            || self
                .category
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case("tape"))
    }
}

/// Converts NetBackup's megabytes (MiB, 1024 × 1024 bytes) to bytes, saturating at `u64::MAX`.
pub fn megabytes_to_bytes(megabytes: u64) -> u64 {
    megabytes.saturating_mul(1024 * 1024)
}

/// Which half of a disk the `size` label of `nbu_disk_bytes` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiskSize {
    /// `size="free"`.
    Free,
    /// `size="used"`.
    Used,
}

impl DiskSize {
    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            DiskSize::Free => "free",
            DiskSize::Used => "used",
        }
    }
}

/// `{name, type}`: the key of the per-unit storage families.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorageKey {
    /// The storage unit name.
    pub name: String,
    /// The storage server type.
    pub server_type: String,
}

impl StorageKey {
    /// The labels in exposition order.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("type", self.server_type.clone()),
        ]
    }
}

/// `{name, type, size}`: the key of `nbu_disk_bytes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DiskBytesKey {
    /// The unit.
    pub unit: StorageKey,
    /// Free or used.
    pub size: DiskSize,
}

impl DiskBytesKey {
    /// The labels in exposition order.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        let mut labels = self.unit.labels();
        labels.push(("size", self.size.label().to_owned()));
        labels
    }
}

/// The attributes `nbu_storage_info` carries as labels, besides the unit's name and type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorageInfo {
    /// The storage sub type.
    pub sub_type: String,
    /// `is_cloud`.
    pub is_cloud: Option<bool>,
    /// `worm_capable`.
    pub worm_capable: Option<bool>,
    /// `use_worm`.
    pub use_worm: Option<bool>,
    /// `replication_capable`.
    pub replication_capable: Option<bool>,
    /// `instant_access`.
    pub instant_access: Option<bool>,
}

impl StorageInfo {
    /// The labels of `unit` in exposition order; an unknown boolean renders as [`UNKNOWN`].
    pub fn labels(&self, unit: &StorageKey) -> Vec<(&'static str, String)> {
        let flag = |value: Option<bool>| {
            match value {
                Some(true) => "true",
                Some(false) => "false",
                None => UNKNOWN,
            }
            .to_owned()
        };
        let mut labels = unit.labels();
        labels.extend([
            ("subtype", self.sub_type.clone()),
            ("is_cloud", flag(self.is_cloud)),
            ("worm_capable", flag(self.worm_capable)),
            ("use_worm", flag(self.use_worm)),
            ("replication_capable", flag(self.replication_capable)),
            ("instant_access", flag(self.instant_access)),
        ]);
        labels
    }
}

/// The storage families of one site.
///
/// Tape units appear in the limit and info families but not in `disk_bytes`/`capacity_bytes`. An
/// absent value has no entry. When two units share name and type, the later one wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageFamilies {
    /// `nbu_disk_bytes`.
    pub disk_bytes: BTreeMap<DiskBytesKey, u64>,
    /// `nbu_disk_capacity_bytes`.
    pub capacity_bytes: BTreeMap<StorageKey, u64>,
    /// `nbu_storage_max_concurrent_jobs`.
    pub max_concurrent_jobs: BTreeMap<StorageKey, u64>,
    /// `nbu_storage_max_fragment_size_bytes`.
    pub max_fragment_size_bytes: BTreeMap<StorageKey, u64>,
    /// `nbu_storage_info` (value 1).
    pub info: BTreeMap<StorageKey, StorageInfo>,
}

/// Aggregates storage units into their families.
pub fn aggregate_storage(units: &[StorageObservation]) -> StorageFamilies {
    let mut families = StorageFamilies::default();
    for unit in units {
        let key = StorageKey {
            name: unit.name.clone(),
            server_type: unit.server_type.clone(),
        };
        if !unit.is_tape() {
            for (size, value) in [
                (DiskSize::Free, unit.free_bytes),
                (DiskSize::Used, unit.used_bytes),
            ] {
                if let Some(value) = value {
                    let disk = DiskBytesKey {
                        unit: key.clone(),
                        size,
                    };
                    families.disk_bytes.insert(disk, value);
                }
            }
            if let Some(total) = unit.total_bytes {
                families.capacity_bytes.insert(key.clone(), total);
            }
        }
        if let Some(jobs) = unit.max_concurrent_jobs {
            families.max_concurrent_jobs.insert(key.clone(), jobs);
        }
        if let Some(size) = unit.max_fragment_size_bytes {
            families.max_fragment_size_bytes.insert(key.clone(), size);
        }
        families.info.insert(
            key,
            StorageInfo {
                sub_type: unit.sub_type.clone(),
                is_cloud: unit.is_cloud,
                worm_capable: unit.worm_capable,
                use_worm: unit.use_worm,
                replication_capable: unit.replication_capable,
                instant_access: unit.instant_access,
            },
        );
    }
    families
}

const HELP_DISK_BYTES: &str = "Free and used bytes of each disk storage unit.";
const HELP_CAPACITY: &str = "Total capacity of each disk storage unit, in bytes.";
const HELP_MAX_JOBS: &str = "Maximum number of concurrent jobs each storage unit accepts.";
const HELP_MAX_FRAGMENT: &str = "Maximum fragment size of each storage unit, in bytes.";
const HELP_INFO: &str = "Storage unit attributes, carried as labels (always 1).";

impl From<&StorageFamilies> for FamilySet {
    fn from(families: &StorageFamilies) -> Self {
        let mut set = FamilySet::new();
        let disk = set.gauge(names::DISK_BYTES, HELP_DISK_BYTES);
        for (key, value) in &families.disk_bytes {
            disk.push(key.labels(), *value as f64);
        }
        for (name, help, values) in [
            (
                names::DISK_CAPACITY_BYTES,
                HELP_CAPACITY,
                &families.capacity_bytes,
            ),
            (
                names::STORAGE_MAX_CONCURRENT_JOBS,
                HELP_MAX_JOBS,
                &families.max_concurrent_jobs,
            ),
            (
                names::STORAGE_MAX_FRAGMENT_SIZE_BYTES,
                HELP_MAX_FRAGMENT,
                &families.max_fragment_size_bytes,
            ),
        ] {
            let family = set.gauge(name, help);
            for (key, value) in values {
                family.push(key.labels(), *value as f64);
            }
        }
        let info = set.gauge(names::STORAGE_INFO, HELP_INFO);
        for (unit, attributes) in &families.info {
            info.push(attributes.labels(unit), 1.0);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(name: &str) -> StorageObservation {
        StorageObservation {
            name: name.into(),
            server_type: "PureDisk".into(),
            sub_type: "PureDisk".into(),
            storage_type: "DISK".into(),
            category: Some("MSDP".into()),
            free_bytes: Some(10),
            used_bytes: Some(20),
            total_bytes: Some(30),
            max_concurrent_jobs: Some(4),
            max_fragment_size_bytes: Some(megabytes_to_bytes(51200)),
            ..StorageObservation::default()
        }
    }

    fn key(name: &str, server_type: &str) -> StorageKey {
        StorageKey {
            name: name.into(),
            server_type: server_type.into(),
        }
    }

    #[test]
    fn tape_units_are_left_out_of_disk_families_only() {
        let tape = StorageObservation {
            storage_type: "Tape".into(),
            server_type: "hcart".into(),
            category: Some("TAPE".into()),
            max_concurrent_jobs: None,
            ..disk("tape1")
        };
        let families = aggregate_storage(&[tape, disk("msdp1")]);
        assert_eq!(families.disk_bytes.len(), 2);
        assert!(!families.capacity_bytes.contains_key(&key("tape1", "hcart")));
        assert_eq!(families.max_fragment_size_bytes.len(), 2);
        assert_eq!(families.info.len(), 2);
    }

    #[test]
    fn absent_capacity_has_no_sample() {
        let cloud = StorageObservation {
            free_bytes: None,
            used_bytes: None,
            total_bytes: None,
            is_cloud: Some(true),
            ..disk("cloud1")
        };
        let families = aggregate_storage(&[cloud]);
        assert!(families.disk_bytes.is_empty());
        assert!(families.capacity_bytes.is_empty());
        assert_eq!(families.max_concurrent_jobs[&key("cloud1", "PureDisk")], 4);
    }

    #[test]
    fn megabytes_are_mebibytes() {
        assert_eq!(megabytes_to_bytes(1), 1_048_576);
        assert_eq!(megabytes_to_bytes(u64::MAX), u64::MAX);
    }

    #[test]
    fn the_later_of_two_units_with_the_same_key_wins() {
        let later = StorageObservation {
            free_bytes: Some(99),
            use_worm: Some(true),
            ..disk("a")
        };
        let families = aggregate_storage(&[disk("a"), later]);
        let free = DiskBytesKey {
            unit: key("a", "PureDisk"),
            size: DiskSize::Free,
        };
        assert_eq!(families.disk_bytes[&free], 99);
        assert_eq!(families.info.len(), 1);
        assert!(families.info.values().all(|i| i.use_worm == Some(true)));
    }
}
