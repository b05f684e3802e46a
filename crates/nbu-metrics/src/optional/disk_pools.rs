//! `nbu_disk_pool_volume_count{pool_name, storage_category, state}` from `/storage/disk-pools`.

use super::count_rows;
use crate::exposition::FamilySet;
use crate::names;

/// One disk volume of a disk pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskPoolVolumeRow {
    /// The disk pool name.
    pub pool_name: String,
    /// The pool's storage category (`MSDP`, `ADVANCED_DISK`, …).
    pub storage_category: String,
    /// The volume state (`UP`, `DOWN`, …).
    pub state: String,
}

/// Counts disk pool volumes by pool, category and state.
pub fn disk_pool_volume_families(volumes: &[DiskPoolVolumeRow]) -> FamilySet {
    let mut set = FamilySet::new();
    count_rows(
        &mut set,
        names::DISK_POOL_VOLUME_COUNT,
        "Disk pool volumes by pool, storage category and state.",
        ["pool_name", "storage_category", "state"],
        volumes.iter().map(|v| {
            [
                v.pool_name.clone(),
                v.storage_category.clone(),
                v.state.clone(),
            ]
        }),
    );
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optional::test_support::value;

    #[test]
    fn volumes_are_counted_per_pool_and_state() {
        let volume = |state: &str| DiskPoolVolumeRow {
            pool_name: "dp1".into(),
            storage_category: "MSDP".into(),
            state: state.into(),
        };
        let set = disk_pool_volume_families(&[volume("UP"), volume("UP"), volume("DOWN")]);
        let labels = |state| {
            [
                ("pool_name", "dp1"),
                ("storage_category", "MSDP"),
                ("state", state),
            ]
        };
        assert_eq!(
            value(&set, names::DISK_POOL_VOLUME_COUNT, &labels("UP")),
            Some(2.0)
        );
        assert_eq!(
            value(&set, names::DISK_POOL_VOLUME_COUNT, &labels("DOWN")),
            Some(1.0)
        );
    }
}
