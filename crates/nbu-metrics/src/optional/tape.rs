//! Tape families: drives (`/storage/drives`), media (`/storage/tape-media`), robot device hosts
//! (`/storage/robots-device-hosts`) and volume pools (`/storage/tape-volume-pools`).
//!
//! Each source has its own function so that a source missing on an older NetBackup (the
//! collector skips it) leaves only its own families out.

use std::collections::BTreeSet;

use super::count_rows;
use crate::UNKNOWN;
use crate::exposition::FamilySet;
use crate::names;

/// One tape drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapeDriveRow {
    /// The drive name (the item's `id`).
    pub drive_name: String,
    /// The media server (device host) the drive is attached to.
    pub media_server: String,
    /// The drive type (`HCART`, …).
    pub drive_type: String,
    /// The robot type (`TLD`, …).
    pub robot_type: String,
    /// The robot number; absent for a standalone drive (renders as [`UNKNOWN`]).
    pub robot_number: Option<i64>,
    /// The drive status as NetBackup spells it (`DRIVE_STATUS_UP`, …).
    pub status: String,
}

/// `nbu_tape_drives_count{drive_type, robot_type, status}` and
/// `nbu_tape_drive_info{drive_name, media_server, drive_type, robot_number, status}` = 1.
pub fn tape_drive_families(drives: &[TapeDriveRow]) -> FamilySet {
    let mut set = FamilySet::new();
    count_rows(
        &mut set,
        names::TAPE_DRIVES_COUNT,
        "Tape drives by drive type, robot type and status.",
        ["drive_type", "robot_type", "status"],
        drives
            .iter()
            .map(|d| [d.drive_type.clone(), d.robot_type.clone(), d.status.clone()]),
    );
    let info: BTreeSet<[String; 5]> = drives
        .iter()
        .map(|d| {
            [
                d.drive_name.clone(),
                d.media_server.clone(),
                d.drive_type.clone(),
                d.robot_number
                    .map_or_else(|| UNKNOWN.to_owned(), |n| n.to_string()),
                d.status.clone(),
            ]
        })
        .collect();
    let family = set.gauge(
        names::TAPE_DRIVE_INFO,
        "Tape drive attributes, carried as labels (always 1).",
    );
    let label_names = [
        "drive_name",
        "media_server",
        "drive_type",
        "robot_number",
        "status",
    ];
    for values in info {
        family.push(label_names.into_iter().zip(values).collect(), 1.0);
    }
    set
}

/// One tape volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapeMediaRow {
    /// The volume pool name.
    pub pool: String,
    /// The media type (`HCART`, …).
    pub media_type: String,
    /// The robot type (`robot.robotType`), or [`UNKNOWN`] for a standalone volume.
    pub robot_type: String,
}

/// `nbu_tape_media_count{pool, media_type, robot_type}`.
pub fn tape_media_families(media: &[TapeMediaRow]) -> FamilySet {
    let mut set = FamilySet::new();
    count_rows(
        &mut set,
        names::TAPE_MEDIA_COUNT,
        "Tape volumes by volume pool, media type and robot type.",
        ["pool", "media_type", "robot_type"],
        media
            .iter()
            .map(|m| [m.pool.clone(), m.media_type.clone(), m.robot_type.clone()]),
    );
    set
}

/// `nbu_tape_robot_device_hosts`: how many device hosts have robots configured.
pub fn robot_device_host_families(hosts: u64) -> FamilySet {
    let mut set = FamilySet::new();
    set.gauge(
        names::TAPE_ROBOT_DEVICE_HOSTS,
        "Device hosts with robots configured.",
    )
    .push(vec![], hosts as f64);
    set
}

/// One tape volume pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapePoolRow {
    /// `volumePoolName`.
    pub pool_name: String,
    /// `poolType`.
    pub pool_type: String,
    /// `partiallyFullMedia`.
    pub partially_full_media: Option<u64>,
}

/// `nbu_tape_pool_partially_full{pool_name, pool_type}`; pools that do not report the number have
/// no sample.
pub fn tape_pool_families(pools: &[TapePoolRow]) -> FamilySet {
    let mut set = FamilySet::new();
    let family = set.gauge(
        names::TAPE_POOL_PARTIALLY_FULL,
        "Partially full tapes per volume pool.",
    );
    for pool in pools {
        if let Some(count) = pool.partially_full_media {
            family.push(
                vec![
                    ("pool_name", pool.pool_name.clone()),
                    ("pool_type", pool.pool_type.clone()),
                ],
                count as f64,
            );
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optional::test_support::{samples, value};

    fn drive(name: &str, status: &str, robot_number: Option<i64>) -> TapeDriveRow {
        TapeDriveRow {
            drive_name: name.into(),
            media_server: "media1".into(),
            drive_type: "HCART".into(),
            robot_type: "TLD".into(),
            robot_number,
            status: status.into(),
        }
    }

    #[test]
    fn drives_are_counted_and_described() {
        let set = tape_drive_families(&[
            drive("d1", "DRIVE_STATUS_UP", Some(0)),
            drive("d2", "DRIVE_STATUS_UP", Some(0)),
            drive("d3", "DRIVE_STATUS_DOWN", None),
        ]);
        let count = |status| {
            value(
                &set,
                names::TAPE_DRIVES_COUNT,
                &[
                    ("drive_type", "HCART"),
                    ("robot_type", "TLD"),
                    ("status", status),
                ],
            )
        };
        assert_eq!(count("DRIVE_STATUS_UP"), Some(2.0));
        assert_eq!(count("DRIVE_STATUS_DOWN"), Some(1.0));
        assert_eq!(samples(&set, names::TAPE_DRIVE_INFO), 3);
        let standalone = [
            ("drive_name", "d3"),
            ("media_server", "media1"),
            ("drive_type", "HCART"),
            ("robot_number", UNKNOWN),
            ("status", "DRIVE_STATUS_DOWN"),
        ];
        assert_eq!(value(&set, names::TAPE_DRIVE_INFO, &standalone), Some(1.0));
    }

    #[test]
    fn media_pools_and_hosts() {
        let medium = TapeMediaRow {
            pool: "NetBackup".into(),
            media_type: "HCART".into(),
            robot_type: "TLD".into(),
        };
        let media = tape_media_families(&[medium.clone(), medium]);
        let labels = [
            ("pool", "NetBackup"),
            ("media_type", "HCART"),
            ("robot_type", "TLD"),
        ];
        assert_eq!(value(&media, names::TAPE_MEDIA_COUNT, &labels), Some(2.0));

        let pools = tape_pool_families(&[
            TapePoolRow {
                pool_name: "NetBackup".into(),
                pool_type: "STANDARD".into(),
                partially_full_media: Some(3),
            },
            TapePoolRow {
                pool_name: "None".into(),
                pool_type: "STANDARD".into(),
                partially_full_media: None,
            },
        ]);
        assert_eq!(samples(&pools, names::TAPE_POOL_PARTIALLY_FULL), 1);

        let hosts = robot_device_host_families(2);
        assert_eq!(
            value(&hosts, names::TAPE_ROBOT_DEVICE_HOSTS, &[]),
            Some(2.0)
        );
    }
}
