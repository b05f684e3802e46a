//! Opt-in families (the Go exporter's `collectors:` section). Each module is a small pure
//! function from plain rows — mapped from the API by the collector — to a [`FamilySet`]; adding a
//! family means adding one such module.
//!
//! The job-derived per-client families (`nbu_client_jobs_count`,
//! `nbu_client_last_job_success_seconds`) come from [`crate::JobWindow::client_families`].

mod alerts;
mod catalog;
mod clients;
mod disk_pools;
mod malware;
mod slo;
mod tape;

use std::collections::BTreeMap;

pub use alerts::{AlertRow, alert_families};
pub use catalog::{CatalogImageCount, catalog_families};
pub use clients::{ClientBackupRow, client_backup_families};
pub use disk_pools::{DiskPoolVolumeRow, disk_pool_volume_families};
pub use malware::{MalwareScanRow, malware_families};
pub use slo::slo_families;
pub use tape::{
    TapeDriveRow, TapeMediaRow, TapePoolRow, robot_device_host_families, tape_drive_families,
    tape_media_families, tape_pool_families,
};

use crate::exposition::FamilySet;

/// Adds gauge `name` to `set` with one sample per distinct row of label values, valued by how
/// many rows had them.
fn count_rows<const N: usize>(
    set: &mut FamilySet,
    name: &str,
    help: &str,
    label_names: [&'static str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) {
    let mut counts: BTreeMap<[String; N], u64> = BTreeMap::new();
    for row in rows {
        *counts.entry(row).or_default() += 1;
    }
    let family = set.gauge(name, help);
    for (values, count) in counts {
        family.push(label_names.into_iter().zip(values).collect(), count as f64);
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::exposition::{FamilySet, Sample};

    /// The value of the sample of family `name` with exactly `labels`.
    pub(crate) fn value(set: &FamilySet, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        set.get(name)?.find(labels).and_then(Sample::number)
    }

    /// How many samples family `name` has.
    pub(crate) fn samples(set: &FamilySet, name: &str) -> usize {
        set.get(name).map_or(0, |f| f.samples().len())
    }
}
