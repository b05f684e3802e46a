//! Every family this crate renders carries exactly the labels of the Go exporter
//! (`shared/reference/anchor.md`), with `site` first, and every name in `names::ALL` is covered.

use std::collections::{BTreeMap, BTreeSet};

use nbu_metrics::{Exposition, FamilySet, names};

use crate::fixtures;

/// Family → its labels after `site`, per anchor.md (the counters are ours).
const EXPECTED: &[(&str, &[&str])] = &[
    ("nbu_jobs_count", &["action", "policy_type", "status"]),
    ("nbu_jobs_bytes", &["action", "policy_type", "status"]),
    ("nbu_status_count", &["action", "status"]),
    ("nbu_jobs_state_count", &["action", "state"]),
    ("nbu_jobs_queued_count", &["action", "reason"]),
    ("nbu_jobs_files_count", &["action", "policy_type"]),
    ("nbu_jobs_dedup_ratio", &["action", "policy_type"]),
    ("nbu_job_duration_seconds", &["action", "policy_type"]),
    (
        "nbu_jobs_completed_total",
        &["action", "policy_type", "status"],
    ),
    (
        "nbu_jobs_completed_bytes_total",
        &["action", "policy_type", "status"],
    ),
    ("nbu_disk_bytes", &["name", "type", "size"]),
    ("nbu_disk_capacity_bytes", &["name", "type"]),
    ("nbu_storage_max_concurrent_jobs", &["name", "type"]),
    ("nbu_storage_max_fragment_size_bytes", &["name", "type"]),
    (
        "nbu_storage_info",
        &[
            "name",
            "type",
            "subtype",
            "is_cloud",
            "worm_capable",
            "use_worm",
            "replication_capable",
            "instant_access",
        ],
    ),
    ("nbu_alerts_count", &["severity", "category"]),
    ("nbu_malware_files_scanned", &[]),
    ("nbu_malware_files_infected", &[]),
    ("nbu_malware_scan_count", &["status"]),
    (
        "nbu_catalog_images_count",
        &["malware_status", "anomaly_status"],
    ),
    ("nbu_slo_count", &[]),
    (
        "nbu_tape_drives_count",
        &["drive_type", "robot_type", "status"],
    ),
    (
        "nbu_tape_drive_info",
        &[
            "drive_name",
            "media_server",
            "drive_type",
            "robot_number",
            "status",
        ],
    ),
    (
        "nbu_tape_media_count",
        &["pool", "media_type", "robot_type"],
    ),
    ("nbu_tape_robot_device_hosts", &[]),
    ("nbu_tape_pool_partially_full", &["pool_name", "pool_type"]),
    (
        "nbu_disk_pool_volume_count",
        &["pool_name", "storage_category", "state"],
    ),
    (
        "nbu_client_last_successful_backup_timestamp_seconds",
        &["client"],
    ),
    ("nbu_client_jobs_count", &["client", "action", "status"]),
    (
        "nbu_client_last_job_success_seconds",
        &["client", "policy", "action"],
    ),
];

/// Splits a sample line into its name and label names (values may contain escaped quotes).
fn parse_sample(line: &str) -> (String, Vec<String>) {
    let Some(open) = line.find('{') else {
        let name = line.split(' ').next().unwrap_or_default();
        return (name.to_owned(), Vec::new());
    };
    let name = line[..open].to_owned();
    let mut labels = Vec::new();
    let mut rest = &line[open + 1..];
    loop {
        let eq = rest.find("=\"").expect("label without value");
        labels.push(rest[..eq].to_owned());
        let mut chars = rest[eq + 2..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    end = Some(eq + 2 + i + 1);
                    break;
                }
                _ => {}
            }
        }
        rest = &rest[end.expect("unterminated label value")..];
        match rest.chars().next() {
            Some(',') => rest = &rest[1..],
            Some('}') => break,
            other => panic!("unexpected {other:?} in {line}"),
        }
    }
    (name, labels)
}

fn render_everything() -> String {
    let allowlist = vec!["db01.example.com".to_owned()];
    let mut set = FamilySet::new();
    set.merge(fixtures::job_set(&allowlist));
    set.merge(fixtures::storage_set());
    set.merge(fixtures::optional_set());
    let mut exposition = Exposition::new();
    exposition.site("s", &set);
    exposition.render()
}

#[test]
fn rendered_families_have_the_anchor_labels_with_site_first() {
    let expected: BTreeMap<&str, &[&str]> = EXPECTED.iter().copied().collect();
    let text = render_everything();
    let mut seen = BTreeSet::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (name, labels) = parse_sample(line);
        let (family, extra): (&str, &[&str]) = if let Some(base) = name.strip_suffix("_bucket") {
            (base, &["le"])
        } else if let Some(base) = name
            .strip_suffix("_sum")
            .or_else(|| name.strip_suffix("_count"))
            .filter(|base| *base == names::JOB_DURATION_SECONDS)
        {
            (base, &[])
        } else {
            (name.as_str(), &[])
        };
        let want = expected
            .get(family)
            .unwrap_or_else(|| panic!("{family} is not an anchor family"));
        let mut want_labels = vec!["site"];
        want_labels.extend_from_slice(want);
        want_labels.extend_from_slice(extra);
        assert_eq!(labels, want_labels, "labels of {line}");
        seen.insert(family.to_owned());
    }
    let all: BTreeSet<String> = names::ALL.iter().map(|n| (*n).to_owned()).collect();
    assert_eq!(seen, all, "the fixtures must exercise every family");
    let table: BTreeSet<String> = expected.keys().map(|n| (*n).to_owned()).collect();
    assert_eq!(table, all);
}

#[test]
fn type_lines_match_the_metric_kinds() {
    let text = render_everything();
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let mut parts = line["# TYPE ".len()..].split(' ');
        let (name, kind) = (parts.next().unwrap(), parts.next().unwrap());
        let want = if name == names::JOB_DURATION_SECONDS {
            "histogram"
        } else if name.ends_with("_total") {
            "counter"
        } else {
            "gauge"
        };
        assert_eq!(kind, want, "{line}");
    }
}
