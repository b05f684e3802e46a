//! The small collections: storage units, disk pools, tape drives, media and pools, device hosts,
//! alerts, malware scan results, SLOs (generated once), and media servers, hosts, server info
//! (rendered on demand from the tables). Shapes follow storage.yaml, manage.yaml, malware.yaml,
//! servicecatalog.yaml, config.yaml, config_hosts.yaml and security.yaml.

use serde_json::{Value, json};

use super::iso;
use crate::estate::{EstateConfig, Resources, StorageUnit, Tables};
use crate::jobs::{Job, JobRef, JobStore};
use crate::prng::SplitMix64;
use crate::release::ApiVersion;

/// Generates every static collection.
pub(crate) fn generate(
    config: &EstateConfig,
    tables: &Tables,
    jobs: &JobStore,
    rng: &mut SplitMix64,
) -> Resources {
    let mut resources = Resources {
        storage_units: tables
            .storage_units
            .iter()
            .map(|unit| storage_unit(tables, unit, rng))
            .collect(),
        disk_pools: tables
            .storage_units
            .iter()
            .filter_map(|unit| disk_pool(tables, unit, rng))
            .collect(),
        ..Resources::default()
    };
    let tape_servers = tape_servers(tables);
    resources.drives = (0..config.drives)
        .map(|i| drive(tables, &tape_servers, i, config.now, rng))
        .collect();
    let pools = [
        "NetBackup",
        "None",
        "DataStore",
        "CatalogBackup",
        "Scratch",
        "Offsite_Weekly",
        "LTO8_Monthly",
    ];
    resources.volume_pools = pools
        .iter()
        .enumerate()
        .map(|(i, name)| volume_pool(i, name, rng))
        .collect();
    resources.tape_media = (0..config.tape_media)
        .map(|i| tape_medium(config, tables, &tape_servers, &pools, i, rng))
        .collect();
    resources.device_hosts = tape_servers
        .iter()
        .map(|host| json!({"type": "deviceHost", "id": host}))
        .collect();
    resources.malware = (0..config.malware_scans)
        .map(|i| malware_result(config, tables, i, rng))
        .collect();
    resources.slos = (0..config.slos).map(|i| slo(tables, i)).collect();

    // Alerts for the most recent failures, newest first.
    let failed: Vec<&Job> = jobs
        .jobs()
        .iter()
        .rev()
        .filter(|job| job.is_finished() && job.status >= 2)
        .take(config.alerts)
        .collect();
    for job in failed.into_iter().rev() {
        resources.next_alert_id += 1;
        resources
            .alerts
            .push(alert(tables, job, resources.next_alert_id));
    }
    resources.alerts.reverse();

    // Licensed capacity: roughly the front-end size, i.e. the largest backup of each client.
    let mut largest = std::collections::HashMap::<u32, u64>::new();
    for job in jobs.jobs() {
        let entry = largest.entry(job.client).or_default();
        *entry = (*entry).max(job.kilobytes);
    }
    resources.capacity_mb = largest
        .values()
        .map(|kb| *kb as f64 / 1024.0)
        .sum::<f64>()
        .round();
    resources
}

fn tape_servers(tables: &Tables) -> Vec<String> {
    let mut hosts: Vec<String> = tables
        .storage_units
        .iter()
        .filter(|unit| unit.category == "TAPE")
        .filter_map(|unit| {
            tables
                .media_servers
                .get(usize::from(unit.media_server))
                .cloned()
        })
        .collect();
    hosts.dedup();
    if hosts.is_empty() {
        hosts.extend(tables.media_servers.first().cloned());
    }
    hosts
}

fn storage_unit(tables: &Tables, unit: &StorageUnit, rng: &mut SplitMix64) -> Value {
    let (storage_type, sub_type, server_type) = match unit.category {
        "MSDP" | "CLOUD" => ("DISK", "PureDisk", "PureDisk"),
        "ADVANCED_DISK" => ("DISK", "AdvancedDisk", "AdvancedDisk"),
        "OPEN_STORAGE" => ("DISK", "DataDomain", "DataDomain"),
        "BASIC_DISK" => ("DISK", "BasicDisk", "BasicDisk"),
        _ => ("TAPE", "TLD", "Media_Manager"),
    };
    let media_server = tables
        .media_servers
        .get(usize::from(unit.media_server))
        .map_or("", String::as_str);
    let tape = unit.category == "TAPE";
    let dedup = unit.deduplicates();
    let mut attributes = json!({
        "name": unit.name,
        "storageType": storage_type,
        "storageSubType": sub_type,
        "storageServerType": server_type,
        "storageCategory": unit.category,
        "useAnyAvailableMediaServer": true,
        "accelerator": dedup,
        "replicationCapable": dedup,
        "replicationSourceCapable": dedup,
        "replicationTargetCapable": dedup,
        "snapshot": false,
        "mirror": false,
        "independent": false,
        "primary": false,
        "instantAccessEnabled": unit.category == "MSDP",
        "scaleOutEnabled": false,
        "isCloudSTU": unit.category == "CLOUD",
        "mediaServerDetails": [{"name": media_server, "operatingSystem": "Linux", "netbackupVersion": tables.nbu_version}],
        "maxFragmentSizeMegabytes": match unit.category { "MSDP" | "CLOUD" => 51_200, "TAPE" => 1_048_576, _ => 524_288 },
        "onDemandOnly": false,
        "wormCapable": dedup,
        "useWorm": false,
        "transferThrottle": 0,
        "enableBlockSharing": false,
        "fileSystemExport": false,
    });
    if tape {
        attributes["maxConcurrentDrives"] = json!(rng.range(2, 8));
        attributes["robotType"] = json!("TLD");
        attributes["robotNumber"] = json!(0);
        attributes["density"] = json!("DHCART3");
        attributes["multiplexing"] = json!(4);
    } else {
        attributes["maxConcurrentJobs"] = json!(rng.range(2, 10) * 10);
    }
    if unit.category == "BASIC_DISK" {
        attributes["absolutePath"] = json!(format!("/backup/{}", unit.name));
        attributes["path"] = json!(format!("/backup/{}", unit.name));
        attributes["okOnRoot"] = json!(false);
        attributes["stageData"] = json!(false);
    }
    if let (Some(total), Some(used)) = (unit.total_bytes, unit.used_bytes) {
        attributes["totalCapacityBytes"] = json!(total);
        attributes["usedCapacityBytes"] = json!(used);
        attributes["freeCapacityBytes"] = json!(total - used);
    }
    let relationships = match &unit.disk_pool {
        Some(pool) => json!({"diskPool": {
            "links": {"related": {"href": format!("{}/storage/disk-pools/{}", tables.base_url, disk_pool_id(unit, pool))}},
            "data": {"type": "diskPool", "id": disk_pool_id(unit, pool)},
        }}),
        None => json!({}),
    };
    json!({
        "links": {"self": {"href": format!("{}/storage/storage-units/{}", tables.base_url, unit.name)}},
        "type": "storageUnit",
        "id": unit.name,
        "attributes": attributes,
        "relationships": relationships,
    })
}

fn disk_pool_server_type(unit: &StorageUnit) -> &'static str {
    match unit.category {
        "MSDP" | "CLOUD" => "PureDisk",
        "ADVANCED_DISK" => "AdvancedDisk",
        _ => "DataDomain",
    }
}

fn disk_pool_id(unit: &StorageUnit, pool: &str) -> String {
    format!("{}_{pool}", disk_pool_server_type(unit))
}

fn disk_pool(tables: &Tables, unit: &StorageUnit, rng: &mut SplitMix64) -> Option<Value> {
    let pool = unit.disk_pool.as_ref()?;
    let media_server = tables
        .media_servers
        .get(usize::from(unit.media_server))
        .map_or("", String::as_str);
    let s_type = disk_pool_server_type(unit);
    let volume_count = rng.range(1, 2);
    let volumes: Vec<Value> = (1..=volume_count)
        .map(|v| {
            let mut volume = json!({
                "name": format!("{pool}_vol{v}"),
                "id": format!("{pool}_vol{v}"),
                "diskMediaId": format!("@aaaa{}", rng.range(1, 999)),
                "state": "UP",
                "isReplicationSource": unit.deduplicates(),
                "isReplicationTarget": false,
                "wormIndelibleMinimumInterval": 0,
                "wormIndelibleMaximumInterval": 0,
            });
            if let (Some(total), Some(used)) = (unit.total_bytes, unit.used_bytes) {
                volume["rawSizeBytes"] = json!(total / volume_count);
                volume["freeSizeBytes"] = json!((total - used) / volume_count);
            }
            volume
        })
        .collect();
    let mut attributes = json!({
        "name": pool,
        "sType": s_type,
        "storageCategory": unit.category,
        "diskVolumes": volumes,
        "highWaterMark": 98,
        "lowWaterMark": 80,
        "maximumIoStreams": {"limitIoStreams": false},
        "diskPoolState": "UP",
        "wormCapable": unit.deduplicates(),
        "readOnly": false,
        "diskPoolCapabilities": ["PATCH_WORK", "VISIBLE", "OPEN_STORAGE", "SINGLE_STORAGE_SERVER", "LIFE_CYCLE"],
        "mediaServersCount": 1,
        "comment": "",
    });
    if let (Some(total), Some(used)) = (unit.total_bytes, unit.used_bytes) {
        attributes["rawSizeBytes"] = json!(total);
        attributes["usableSizeBytes"] = json!(total);
        attributes["availableSpaceBytes"] = json!(total - used);
        attributes["usedCapacityBytes"] = json!(used);
    }
    let id = disk_pool_id(unit, pool);
    Some(json!({
        "links": {"self": {"href": format!("{}/storage/disk-pools/{id}", tables.base_url)}},
        "type": "diskPool",
        "id": id,
        "attributes": attributes,
        "relationships": {"storageServers": {"data": [{"type": "storageServer", "id": format!("{s_type}:{media_server}")}]}},
    }))
}

fn drive(
    tables: &Tables,
    tape_servers: &[String],
    index: usize,
    now: u32,
    rng: &mut SplitMix64,
) -> Value {
    let host = tape_servers
        .get(index % tape_servers.len().max(1))
        .map_or(tables.primary.as_str(), String::as_str);
    let down = rng.chance(0.1);
    let in_use = !down && rng.chance(0.4);
    let mut attributes = json!({
        "controlHostname": host,
        "vendorDriveName": "HPE.ULTRIUM8-SCSI",
        "serialNumber": format!("HU{:08}", rng.below(100_000_000)),
        "driveIndex": index,
        "devicePaths": [{
            "pathIndex": 0,
            "deviceHost": host,
            "driveName": format!("HPE.ULTRIUM8-SCSI.{index:03}"),
            "devicePath": format!("/dev/nst{index}"),
            "isEnabled": !down,
            "pathStatus": if down { "PATH_STATUS_DOWN" } else { "PATH_STATUS_UP" },
            "robotControl": "TLD",
        }],
        "driveType": "DT_HCART3",
        "robotType": "TLD",
        "robotNumber": 0,
        "robotDriveNumber": index + 1,
        "driveComment": "",
        "inquiryString": "HPE     Ultrium 8-SCSI  Q3F9",
        "cleaningFrequency": 0,
        "tapeAlertEnabled": true,
        "sharedDrive": false,
        "driveControl": if down { "DRIVE_CONTROL_DOWN" } else { "DRIVE_CONTROL_AVR" },
        "driveStatus": if down { "DRIVE_STATUS_DOWN" } else { "DRIVE_STATUS_UP" },
        "enabled": !down,
        "localControl": true,
        "isControlUp": !down,
        "ready": in_use,
        "writeEnabled": in_use,
        "scanHost": host,
        // The first device path's host, address and state, repeated at the top level as
        // storage.yaml documents them (no draws from `rng`: the estate stays as it was).
        "deviceHost": host,
        "devicePath": format!("/dev/nst{index}"),
        "driveControlDisplayValue": if down { "DOWN" } else { "TLD" },
        "bus": "0",
        "target": (index % 16).to_string(),
        "lun": "0",
        "port": (index / 16).to_string(),
        "worldWideId": format!("500110a0{:08x}", index),
        "lastCleaningTime": super::iso(now.saturating_sub(7 * 86_400 + index as u32 * 3_600)),
    });
    if in_use {
        let media = format!("A{:05}", rng.range(1, 999));
        let mounted = now.saturating_sub(600 + index as u32 * 60);
        attributes["externalMediaId"] = json!(media);
        attributes["label"] = json!(media);
        attributes["recordedMediaId"] = json!(media);
        attributes["assignedHost"] = json!(host);
        attributes["user"] = json!("root");
        attributes["lastMountTime"] = json!(super::iso(mounted));
        attributes["mountTime"] = json!(super::iso(mounted));
    }
    json!({"id": format!("HPE.ULTRIUM8-SCSI.{index:03}"), "type": "drive", "attributes": attributes})
}

fn volume_pool(index: usize, name: &str, rng: &mut SplitMix64) -> Value {
    let pool_type = match name {
        "Scratch" => "SCRATCH_MEDIA_POOL",
        "CatalogBackup" => "CATALOG_MEDIA_POOL",
        _ => "REGULAR_MEDIA_POOL",
    };
    json!({
        "id": index.to_string(),
        "type": "volumePoolDetails",
        "attributes": {
            "volumePoolName": name,
            "description": if index == 0 { "the NetBackup pool".to_string() } else { format!("{name} pool") },
            "partiallyFullMedia": if pool_type == "REGULAR_MEDIA_POOL" { rng.range(0, 6) } else { 0 },
            "poolType": pool_type,
        },
    })
}

fn tape_medium(
    config: &EstateConfig,
    tables: &Tables,
    tape_servers: &[String],
    pools: &[&str],
    index: usize,
    rng: &mut SplitMix64,
) -> Value {
    let media_id = format!("A{:05}", index + 1);
    let host = tape_servers
        .first()
        .map_or(tables.primary.as_str(), String::as_str);
    let pool = pools
        .get(rng.weighted(&[50, 0, 5, 3, 20, 12, 10]))
        .copied()
        .unwrap_or("NetBackup");
    let created = config
        .now
        .saturating_sub(rng.range(30, 900) as u32 * 86_400);
    let mounts = rng.range(0, 400);
    let (status, images, kilobytes) = match (pool, rng.below(10)) {
        ("Scratch", _) => ("AVAILABLE", 0, 0),
        (_, 0) => ("FROZEN", rng.range(1, 40), rng.range(1, 12_000) * 1_048_576),
        (_, 1..=4) => ("FULL", rng.range(20, 400), 12_000 * 1_048_576),
        _ => (
            "ACTIVE",
            rng.range(1, 200),
            rng.range(1, 11_000) * 1_048_576,
        ),
    };
    // Drawn here, in the order the attributes used to draw it, so that estates stay as they were.
    let restores = rng.range(0, 5);
    let mut attributes = json!({
        "barcode": format!("{media_id}L8"),
        "dateExpiration": iso(created.saturating_add(10 * 365 * 86_400)),
        "mediaType": "HCART3",
        "robot": {"robotType": "TLD", "robotNumber": 0, "robotHost": host},
        "slot": index + 1,
        "volumeGroup": "000_00000_TLD",
        "volumePool": pool,
        "mounts": mounts,
        "application": "NETBACKUP",
        "maxMounts": 0,
        "created": iso(created),
        "description": "",
        "kiloBytes": kilobytes,
        "images": images,
        "validImages": images,
        "numberOfRestores": restores,
        "conflicts": 0,
        "originHost": tables.primary,
        "mediaStatus": status,
        "mediaOwner": tables.primary,
        "lastWriteHost": if images > 0 { host } else { "" },
    });
    if images > 0 {
        let last = config.now.saturating_sub(rng.range(1, 30 * 86_400) as u32);
        attributes["timeAssigned"] = json!(iso(created.max(last.saturating_sub(20 * 86_400))));
        attributes["firstMount"] = json!(iso(created.max(last.saturating_sub(20 * 86_400))));
        attributes["lastMount"] = json!(iso(last));
        attributes["lastWritten"] = json!(iso(last));
        attributes["volumeExpiration"] = json!(iso(last.saturating_add(365 * 86_400)));
        if restores > 0 {
            attributes["lastRead"] = json!(iso(last.saturating_sub(3 * 86_400).max(created)));
        }
    }
    json!({
        "id": media_id,
        "type": "volumeInfo",
        "attributes": attributes,
        "links": {"self": {"href": format!("{}/storage/tape-media/{media_id}", tables.base_url)}},
    })
}

/// An alert for a failed job (manage.yaml `alert`).
pub(crate) fn alert(tables: &Tables, job: &Job, id: u64) -> Value {
    let job_ref = JobRef { job, tables };
    let category = tables
        .policies
        .get(usize::from(job.policy))
        .map_or("STANDARD", |p| p.workload.alert_category);
    json!({
        "type": "alert",
        "id": id.to_string(),
        "links": {"self": {"href": format!("{}/manage/alerts/{id}", tables.base_url)}},
        "attributes": {
            "titleId": 1,
            "title": "Job failed",
            "descriptionId": 1,
            "description": format!(
                "{} job {} for client {} (policy {}) failed with status {}.",
                job_ref.job_type(), job.id, job_ref.client_name(), job_ref.policy_name(), job.status
            ),
            "category": "JOB",
            "subCategory": category,
            "severity": if job.status == 1 { "WARNING" } else { "ERROR" },
            "context": "JOB_STATE_FAILED",
            "createdDateTime": iso(job.end.max(job.last_update)),
            "tags": [],
            "systemDefined": true,
            "params": {
                "jobId": job.id.to_string(),
                "clientName": job_ref.client_name(),
                "policyName": job_ref.policy_name(),
                "status": job.status.to_string(),
            },
        },
    })
}

fn malware_result(
    config: &EstateConfig,
    tables: &Tables,
    index: usize,
    rng: &mut SplitMix64,
) -> Value {
    // Malware scanning covers file-system workloads (malware.yaml: policyType STANDARD or MS-WINDOWS).
    let candidates: Vec<(usize, &'static str)> = tables
        .clients
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(c, _)| {
            let policy = tables
                .policies
                .get(usize::from(crate::estate::policy_of(tables, c as u32)))?;
            match policy.workload.policy_type {
                "STANDARD" => Some((c, "STANDARD")),
                "WINDOWS_NT" => Some((c, "MS-WINDOWS")),
                _ => None,
            }
        })
        .collect();
    let (client, policy_type) = rng.pick(&candidates).copied().unwrap_or((0, "STANDARD"));
    let client_name = tables.clients.get(client).map_or("", String::as_str);
    let policy_name = tables
        .policies
        .get(usize::from(crate::estate::policy_of(tables, client as u32)))
        .map_or("", |p| p.name.as_str());
    let backup_time = config
        .now
        .saturating_sub(rng.range(3_600, u64::from(config.window_secs.max(7_200))) as u32);
    let scan_start = backup_time
        .saturating_add(rng.range(600, 3_600) as u32)
        .min(config.now);
    let (state, result) = match rng.below(100) {
        0..=2 => ("IN_PROGRESS", "NOT_SCANNED"),
        3..=4 => ("SCAN_FAILED", "NOT_SCANNED"),
        5 => ("PENDING", "NOT_SCANNED"),
        6..=8 => ("SCAN_COMPLETED", "IMPACTED"),
        _ => ("SCAN_COMPLETED", "CLEAN"),
    };
    let total_files = rng.range(20_000, 900_000);
    let impacted = if result == "IMPACTED" {
        rng.range(1, 250)
    } else {
        0
    };
    let scan_host = format!(
        "scanhost-01.{}",
        tables.primary.split_once('.').map_or("", |(_, d)| d)
    );
    let backup_type =
        ["FULL", "DIFFERENTIAL_INCREMENTAL", "CUMULATIVE_INCREMENTAL"][rng.below(3) as usize];
    let mut attributes = json!({
        "scanState": state,
        "displayName": client_name,
        "policyName": policy_name,
        "hierarchyLevel": 0,
        "scanResult": result,
        "policyType": policy_type,
        "backupType": backup_type,
        "signature": format!("{:016x}", rng.next_u64()),
        "malwareToolId": "1",
        "scanHostId": scan_host,
        "client": client_name,
        "backupTime": backup_time,
        "triggerMethod": if rng.chance(0.8) { "AUTOMATIC" } else { "MANUAL" },
        "malwareScannerVersion": "1.4.2",
        "mediaServerName": tables.media_servers.first().map_or("", String::as_str),
        "totalNumberOfFiles": total_files,
        "numberOfFilesImpacted": impacted,
        "startDateOfScan": iso(scan_start),
        "dateOfScan": iso(scan_start),
    });
    if state == "SCAN_COMPLETED" {
        attributes["endDateOfScan"] = json!(iso(scan_start
            .saturating_add(rng.range(60, 1_800) as u32)
            .min(config.now)));
        attributes["numberOfFilesScanned"] = json!(total_files);
    }
    json!({
        "type": "scanResult",
        "id": (index + 1).to_string(),
        "links": {},
        "attributes": attributes,
        "relationships": {
            "malwareTool": {"data": {"type": "malwareTool", "id": "1"}},
            "scanHost": {"data": {"type": "scanHost", "id": scan_host}},
        },
    })
}

/// A malware result as an API version shows it: API 10.0 named the impacted-files count differently.
pub(crate) fn malware_for_version(mut item: Value, version: ApiVersion) -> Value {
    if version < ApiVersion::V12_0
        && let Some(attributes) = item.get_mut("attributes").and_then(Value::as_object_mut)
        && let Some(count) = attributes.remove("numberOfFilesImpacted")
    {
        attributes.insert("noOfFilesImpacted".into(), count);
    }
    item
}

fn slo(tables: &Tables, index: usize) -> Value {
    const TIERS: &[(&str, &str, u64, u64)] = &[
        ("Gold", "VMWARE", 14, 4),
        ("Silver", "SQL_SERVER", 30, 12),
        ("Bronze", "VMWARE", 7, 24),
        ("Platinum", "KUBERNETES", 60, 1),
    ];
    let (tier, workload, days, every_hours) = TIERS[index % TIERS.len()];
    let name = if index < TIERS.len() {
        format!("{tier}-{workload}")
    } else {
        format!("{tier}-{workload}-{index}")
    };
    json!({
        "links": {"self": {"href": format!("{}/servicecatalog/slos/{}", tables.base_url, index + 1)}},
        "id": format!("{:08x}-0000-4000-8000-{:012x}", index + 1, index + 1),
        "type": "slov3",
        "attributes": {
            "name": name,
            "description": format!("{tier} protection for {workload} assets"),
            "policyNamePrefix": format!("{tier}_{workload}"),
            "workloadType": workload,
            "subscribeAllowed": true,
            "subscriptionCount": (index * 7 + 3) % 40,
            "schedules": [{
                "scheduleType": "FULL",
                "scheduleName": "Full",
                "frequencySeconds": every_hours * 3_600,
                "retention": {"value": days, "unit": "DAYS"},
                "backupWindows": (1..=7).map(|day| json!({"dayOfWeek": day, "startSeconds": 72_000, "durationSeconds": 28_800})).collect::<Vec<_>>(),
                "backupStorageUnit": tables.storage_units.first().map_or("", |u| u.name.as_str()),
            }],
            "capabilities": [],
        },
    })
}

/// `/config/media-servers` items.
pub(crate) fn media_servers(tables: &Tables) -> Vec<Value> {
    tables
        .media_servers
        .iter()
        .map(|host| {
            let categories: Vec<Value> = tables
                .storage_units
                .iter()
                .filter(|unit| tables.media_servers.get(usize::from(unit.media_server)) == Some(host))
                .map(|unit| json!({"storageProviderId": "NetBackup", "storageCategory": unit.category}))
                .collect();
            json!({
                "type": "mediaServer",
                "id": host,
                "links": {"self": {"href": format!("{}/config/media-servers/{host}", tables.base_url)}},
                "attributes": {
                    "hostName": host,
                    "osType": "Linux",
                    "nbuVersion": tables.nbu_version,
                    "status": "ACTIVE",
                    "supportedStoragesInfo": categories,
                    "dteMode": "OFF",
                    "fiberTransportEnabled": false,
                    "fiberTransportConnectionLimit": 0,
                },
            })
        })
        .collect()
}

/// `/config/hosts` entries (primary, media servers, clients), rendered on demand.
pub(crate) fn hosts(tables: &Tables, now: u32) -> Vec<Value> {
    let host = |index: usize, name: &str, host_type: &str| {
        let windows = name.starts_with("win")
            || name.starts_with("sql")
            || name.starts_with("exch")
            || name.starts_with("hv");
        let created = i64::from(now.saturating_sub(400 * 86_400)) * 1000;
        json!({
            "uuid": format!("{:08x}-0000-4000-8000-{:012x}", index + 1, (index as u64).wrapping_mul(0x9E37) & 0xFFFF_FFFF_FFFF),
            "osVersion": if windows { "Windows Server 2022" } else { "Red Hat Enterprise Linux 9.4" },
            "osReleaseVersion": if windows { "10.0" } else { "9.4" },
            "osType": if windows { "Windows" } else { "Linux" },
            "hostName": name,
            "cpuArchitecture": "x86_64",
            "masterServer": tables.primary,
            "installedEEBs": "",
            "installedPackages": "",
            "nbuVersion": tables.nbu_version,
            "hwDescription": "VMware Virtual Platform",
            "vxUpdatePlatform": if windows { "windows-x64" } else { "redhat-x64" },
            "isSecureEnabled": true,
            "autoReissue": false,
            "autoReissueDuration": 0,
            "externalCertificateSubject": "",
            "hasNetBackupCaHostCertificate": true,
            "servers": [tables.primary],
            "comment": "",
            "nbuReleaseVersion": tables.nbu_version,
            "nbuHostType": host_type,
            "hostMappings": [{
                "mappedHostName": name.split('.').next().unwrap_or(name),
                "isApproved": true,
                "isConflicting": false,
                "isAddedManually": false,
                "isShared": false,
                "createdOn": created,
                "updatedOn": created,
                "origin": "CERTIFICATE_DEPLOYMENT",
            }],
            "trustVersion": "1.0",
            "lastUpdatedDateTime": i64::from(now) * 1000,
            "createdDateTime": created,
            "machineType": "VIRTUAL",
            "hypervisorType": "NONE",
            "machineNbuType": "NOT_DEFINED",
            "dteClientMode": "AUTOMATIC",
            "fipsEnabled": "DISABLED",
            "serviceUser": if windows { "LocalSystem" } else { "root" },
        })
    };
    let mut out = vec![host(0, &tables.primary, "PRIMARY_SERVER")];
    out.extend(
        tables
            .media_servers
            .iter()
            .enumerate()
            .map(|(i, name)| host(1 + i, name, "MEDIA_SERVER")),
    );
    let offset = 1 + tables.media_servers.len();
    out.extend(
        tables
            .clients
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, name)| host(offset + i, name, "CLIENT")),
    );
    out
}

/// `/security/serverinfo`.
pub(crate) fn server_info(tables: &Tables) -> Value {
    json!({
        "serverName": tables.primary,
        "nbuVersion": tables.nbu_version,
        "masterHostId": tables.primary_host_id,
        "cacpivConnectorPort": 0,
        "cacpivEnabled": 0,
        "externalCaUsage": 0,
        "nbuKeySize": 2048,
        "ssoEnabled": false,
        "domainType": "vx",
        "freezeModeEnabled": false,
    })
}
