//! Catalog images (`/catalog/images`) and SLP-managed images (`/catalog/slp-images`), derived on
//! demand from successful backup jobs so that a million-job estate needs no second copy of them.

use serde_json::{Value, json};

use super::iso;
use crate::estate::Tables;
use crate::filter::{FieldSpec, FieldValue, Fields, Kind, Op, ops};
use crate::jobs::{Job, JobRef};
use crate::prng::hash3;
use crate::release::{ApiVersion, Release};
use crate::spec;
use crate::vocab;

/// Whether a job left a catalog image: a finished, (partially) successful backup that is not a parent.
pub(crate) fn is_image(job: &Job) -> bool {
    matches!(job.job_type, vocab::JT_BACKUP | vocab::JT_DBBACKUP)
        && job.state == vocab::STATE_DONE
        && job.status <= 1
        && job.children == 0
        && job.client != crate::jobs::NONE_U32
}

/// Whether an image is managed by a storage lifecycle policy.
pub(crate) fn is_slp_image(job: &Job, tables: &Tables) -> bool {
    is_image(job)
        && tables
            .policies
            .get(usize::from(job.policy))
            .is_some_and(|p| p.slp.is_some())
}

/// An image: its job plus the tables, the clock and the API version being served.
#[derive(Clone, Copy)]
pub(crate) struct ImageRef<'a> {
    pub(crate) job: JobRef<'a>,
    pub(crate) now: u32,
}

const MALWARE: &[(&str, &str, u32)] = &[
    ("NOT_SCANNED", "NOT_SCANNED", 70),
    ("CLEAN", "CLEAN", 26),
    ("IMPACTED", "INFECTION_DETECTED_BY_MALWARE_SCAN", 1),
    ("NOT_SUPPORTED", "NOT_SUPPORTED", 3),
];
const ANOMALY: &[(&str, &str, u32)] = &[
    ("NOT_PROCESSED", "NOT_PROCESSED", 20),
    ("NOT_ANOMALOUS", "NOT_PROCESSED", 74),
    ("ANOMALOUS", "HIGH", 3),
    ("FALSE_POSITIVE", "LOW", 2),
    ("IGNORED", "MEDIUM", 1),
];

fn pick3(
    table: &'static [(&'static str, &'static str, u32)],
    draw: u64,
) -> (&'static str, &'static str) {
    let total: u64 = table.iter().map(|e| u64::from(e.2)).sum();
    let mut pick = draw % total.max(1);
    for (a, b, weight) in table {
        if pick < u64::from(*weight) {
            return (a, b);
        }
        pick -= u64::from(*weight);
    }
    (table[0].0, table[0].1)
}

impl<'a> ImageRef<'a> {
    fn record(&self) -> &'a Job {
        self.job.job
    }

    pub(crate) fn backup_id(&self) -> String {
        format!("{}_{}", self.job.client_name(), self.record().start)
    }

    /// (`malwareScanResult`, `malwareStatus`).
    fn malware(&self) -> (&'static str, &'static str) {
        pick3(
            MALWARE,
            hash3(self.job.tables.seed, 101, u64::from(self.record().id)),
        )
    }

    /// (`anomalyStatus`, `anomalySeverity`).
    fn anomaly(&self) -> (&'static str, &'static str) {
        pick3(
            ANOMALY,
            hash3(self.job.tables.seed, 102, u64::from(self.record().id)),
        )
    }

    /// The ransomware-extension scan: only images of anomaly-processed backups were scanned.
    fn file_scan_result(&self) -> &'static str {
        match self.anomaly().0 {
            "NOT_PROCESSED" => "NOT_PROCESSED",
            "ANOMALOUS" => "RANSOMWARE_EXTENSION_FOUND",
            _ => "RANSOMWARE_EXTENSION_NOT_FOUND",
        }
    }

    /// An anomaly score for processed images, higher for anomalous ones (one decimal place).
    fn anomaly_score(&self) -> f64 {
        let draw = hash3(self.job.tables.seed, 104, u64::from(self.record().id)) % 100;
        let base = if self.anomaly().0 == "NOT_ANOMALOUS" {
            0
        } else {
            60
        };
        f64::from(u32::try_from(base + draw % 40).unwrap_or(0)) / 10.0
    }

    fn catalog_schedule_type(&self) -> &'static str {
        self.job.schedule().map_or("FULL", |s| s.catalog_type)
    }

    /// SLP processing state: recent images are still being copied; a few old ones are backlog.
    pub(crate) fn slp_state(&self) -> &'static str {
        let age = self.now.saturating_sub(self.record().end);
        let draw = hash3(self.job.tables.seed, 103, u64::from(self.record().id)) % 100;
        match age {
            0..=3_599 if draw < 40 => "NOT_STARTED",
            0..=3_599 => "IN_PROCESS",
            3_600..=21_599 if draw < 35 => "IN_PROCESS",
            _ if draw < 3 => "IN_PROCESS",
            _ => "COMPLETE",
        }
    }

    fn slp_name(&self) -> &'a str {
        self.job
            .tables
            .policies
            .get(usize::from(self.record().policy))
            .and_then(|p| p.slp.as_deref())
            .unwrap_or("")
    }
}

/// Catalog image filter fields (catalog.yaml; `malwareStatus` needs API 13.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageField {
    BackupTime,
    BackupId,
    ClientName,
    PolicyType,
    PolicyName,
    ScheduleType,
    MalwareScanResult,
    MalwareStatus,
    AnomalyStatus,
    SlpName,
    SlpImageState,
    /// Any other field the spec lists, read from the served resource (`a.b` looks into arrays).
    Attr(&'static str),
}

const SCHEDULE_TYPES: &[&str] = &[
    "FULL",
    "DIFFERENTIAL_INCREMENTAL",
    "USER_BACKUP",
    "USER_ARCHIVE",
    "CUMULATIVE_INCREMENTAL",
    "NOT_ARCHIVE",
];

const IMAGE_FIELDS_V12: &[FieldSpec<ImageField>] = &[
    FieldSpec {
        name: "backupTime",
        field: ImageField::BackupTime,
        kind: Kind::Time,
        ops: ops::GE_LE,
    },
    FieldSpec {
        name: "backupId",
        field: ImageField::BackupId,
        kind: Kind::Str,
        ops: ops::EQ,
    },
    FieldSpec {
        name: "clientName",
        field: ImageField::ClientName,
        kind: Kind::Str,
        ops: ops::EQ,
    },
    FieldSpec {
        name: "policyType",
        field: ImageField::PolicyType,
        kind: Kind::Str,
        ops: ops::EQ,
    },
    FieldSpec {
        name: "policyName",
        field: ImageField::PolicyName,
        kind: Kind::Str,
        ops: ops::EQ_CONTAINS,
    },
    FieldSpec {
        name: "scheduleType",
        field: ImageField::ScheduleType,
        kind: Kind::Enum(SCHEDULE_TYPES),
        ops: ops::EQ,
    },
    FieldSpec {
        name: "malwareScanResult",
        field: ImageField::MalwareScanResult,
        kind: Kind::Enum(&["NOT_SCANNED", "IMPACTED", "CLEAN", "NOT_SUPPORTED"]),
        ops: ops::EQ,
    },
    FieldSpec {
        name: "anomalyStatus",
        field: ImageField::AnomalyStatus,
        kind: Kind::Enum(&[
            "NOT_PROCESSED",
            "ANOMALOUS",
            "NOT_ANOMALOUS",
            "NOT_REVIEWED",
            "FALSE_POSITIVE",
            "IGNORED",
        ]),
        ops: ops::EQ,
    },
];

const MALWARE_STATUS_FIELD: FieldSpec<ImageField> = FieldSpec {
    name: "malwareStatus",
    field: ImageField::MalwareStatus,
    kind: Kind::Enum(&[
        "NOT_SCANNED",
        "INFECTION_DETECTED_BY_MALWARE_SCAN",
        "CLEAN",
        "NOT_SUPPORTED",
        "UNKNOWN_TYPE",
        "INFECTION_DETECTED_BY_FILE_HASH_SEARCH",
    ]),
    ops: ops::EQ,
};

/// Fields served from API 13.0 on: older versions neither serve nor filter them.
const SINCE_13: &[&str] = &["malwareStatus", "fileHashSearchResult"];

/// The image filter table for a release and API version: every field the release's spec lists
/// (typed where the simulator has an accessor), and the simulator's own table where the release
/// publishes no catalog spec.
pub(crate) fn image_fields(release: Release, version: ApiVersion) -> Vec<FieldSpec<ImageField>> {
    let mut typed = IMAGE_FIELDS_V12.to_vec();
    typed.push(MALWARE_STATUS_FIELD);
    let mut fields = from_spec(release, "GET /catalog/images", &typed);
    if fields.is_empty() {
        fields = typed;
    }
    if version < ApiVersion::V13_0 {
        fields.retain(|f| !SINCE_13.contains(&f.name));
    }
    fields
}

/// The SLP image filter table for a release.
pub(crate) fn slp_image_fields(release: Release) -> Vec<FieldSpec<ImageField>> {
    let fields = from_spec(release, "GET /catalog/slp-images", SLP_IMAGE_FIELDS);
    if fields.is_empty() {
        SLP_IMAGE_FIELDS.to_vec()
    } else {
        fields
    }
}

fn from_spec(
    release: Release,
    key: &str,
    typed: &[FieldSpec<ImageField>],
) -> Vec<FieldSpec<ImageField>> {
    spec::filterable(release, "catalog", key)
        .into_iter()
        .map(|listed| {
            // Tables are rebuilt per request from the compiled-in lists; the operator lists are
            // small and copied into a static set rather than leaked.
            let ops = static_ops(&listed.ops);
            match typed.iter().find(|t| t.name == listed.name) {
                Some(found) => FieldSpec {
                    ops: ops.unwrap_or(found.ops),
                    ..*found
                },
                None => FieldSpec {
                    name: listed.name,
                    field: ImageField::Attr(listed.name),
                    kind: match listed.kind {
                        "integer" | "big integer" => Kind::Int,
                        "float" => Kind::Float,
                        "date-time" => Kind::Time,
                        "boolean" => Kind::Bool,
                        _ => Kind::Str,
                    },
                    ops: ops.unwrap_or(ops::EQ),
                },
            }
        })
        .collect()
}

/// The static operator set equal to `listed` (the catalog specs use these three).
fn static_ops(listed: &[Op]) -> Option<&'static [Op]> {
    [ops::EQ, ops::EQ_CONTAINS, ops::GE_LE]
        .into_iter()
        .find(|set| set.len() == listed.len() && listed.iter().all(|op| set.contains(op)))
}

/// The SLP image filter table (catalog.yaml, `/catalog/slp-images`).
pub(crate) const SLP_IMAGE_FIELDS: &[FieldSpec<ImageField>] = &[
    FieldSpec {
        name: "backupTime",
        field: ImageField::BackupTime,
        kind: Kind::Time,
        ops: ops::GE_LE,
    },
    FieldSpec {
        name: "backupId",
        field: ImageField::BackupId,
        kind: Kind::Str,
        ops: ops::EQ,
    },
    FieldSpec {
        name: "slpName",
        field: ImageField::SlpName,
        kind: Kind::Str,
        ops: ops::EQ,
    },
    FieldSpec {
        name: "policyName",
        field: ImageField::PolicyName,
        kind: Kind::Str,
        ops: ops::EQ,
    },
    FieldSpec {
        name: "clientName",
        field: ImageField::ClientName,
        kind: Kind::Str,
        ops: ops::EQ,
    },
    FieldSpec {
        name: "slpImageState",
        field: ImageField::SlpImageState,
        kind: Kind::Enum(&[
            "NOT_MANAGED",
            "NOT_STARTED",
            "IN_PROCESS",
            "COMPLETE",
            "DELETED",
        ]),
        ops: ops::EQ,
    },
];

impl Fields<ImageField> for ImageRef<'_> {
    fn field(&self, field: &ImageField) -> Option<FieldValue<'_>> {
        Some(match field {
            ImageField::BackupTime => FieldValue::Time(i64::from(self.record().start) * 1000),
            // Compared by its parts below; see `matches_backup_id`.
            ImageField::BackupId => return None,
            ImageField::ClientName => FieldValue::Str(self.job.client_name()),
            ImageField::PolicyType => FieldValue::Str(self.job.policy_type()),
            ImageField::PolicyName => FieldValue::Str(self.job.policy_name()),
            ImageField::ScheduleType => FieldValue::Str(self.catalog_schedule_type()),
            ImageField::MalwareScanResult => FieldValue::Str(self.malware().0),
            ImageField::MalwareStatus => FieldValue::Str(self.malware().1),
            ImageField::AnomalyStatus => FieldValue::Str(self.anomaly().0),
            ImageField::SlpName => FieldValue::Str(self.slp_name()),
            ImageField::SlpImageState => FieldValue::Str(self.slp_state()),
            ImageField::Attr(_) => return None,
        })
    }

    fn with_field(
        &self,
        field: &ImageField,
        test: &mut dyn FnMut(Option<FieldValue<'_>>) -> bool,
    ) -> bool {
        let ImageField::Attr(name) = field else {
            return test(self.field(field));
        };
        // Rendered on demand: only filters on the rarely used fields pay for it.
        let resource = if name.starts_with("copies.") {
            slp_image_value(self)
        } else {
            image_value(self, "", ApiVersion::V14_0)
        };
        let mut found = Vec::new();
        collect(&resource["attributes"], name, &mut found);
        if found.is_empty() {
            // Per-fragment fields of `/catalog/images` (11.2 lists them without the prefix).
            collect(&resource["attributes"]["fragments"], name, &mut found);
        }
        if found.is_empty() {
            return test(None);
        }
        found.iter().any(|value| match value {
            Value::String(text) => test(Some(FieldValue::Str(text))),
            Value::Bool(b) => test(Some(FieldValue::Bool(*b))),
            Value::Number(n) => test(
                n.as_i64()
                    .map(FieldValue::Int)
                    .or_else(|| n.as_f64().map(FieldValue::Float)),
            ),
            _ => test(None),
        })
    }
}

/// The values at a dotted path, looking into every element of the arrays on the way.
fn collect(value: &Value, path: &str, out: &mut Vec<Value>) {
    if let Value::Array(items) = value {
        for item in items {
            collect(item, path, out);
        }
        return;
    }
    let (head, rest) = path
        .split_once('.')
        .map_or((path, None), |(h, r)| (h, Some(r)));
    match (value.get(head), rest) {
        (Some(Value::Array(items)), None) => out.extend(items.iter().cloned()),
        (Some(found), None) => out.push(found.clone()),
        (Some(found), Some(rest)) => collect(found, rest, out),
        (None, _) => {}
    }
}

/// Evaluates an image filter, including `backupId` comparisons.
pub(crate) fn image_matches(expr: &crate::filter::Expr<ImageField>, image: &ImageRef<'_>) -> bool {
    use crate::filter::{CmpOp, Expr, Literal};
    match expr {
        Expr::And(a, b) => image_matches(a, image) && image_matches(b, image),
        Expr::Or(a, b) => image_matches(a, image) || image_matches(b, image),
        Expr::Not(a) => !image_matches(a, image),
        Expr::Cmp {
            field: ImageField::BackupId,
            op,
            value: Literal::Str(id),
        } => {
            let equal = image.backup_id() == *id;
            if *op == CmpOp::Ne {
                !equal
            } else {
                equal && *op == CmpOp::Eq
            }
        }
        other => other.matches(image),
    }
}

/// A catalog image resource (catalog.yaml `imageList` item) for the API version served.
pub(crate) fn image_value(image: &ImageRef<'_>, base_url: &str, version: ApiVersion) -> Value {
    let job = image.record();
    let tables = image.job.tables;
    let backup_id = image.backup_id();
    let backup_time = iso(job.start);
    let expiration = iso(job.start.saturating_add(14 * 86_400));
    let (malware_scan, malware_status) = image.malware();
    let (anomaly, severity) = image.anomaly();
    let media_server = image.job.media_server_name();
    let retention = i64::from(job.id % 3);
    let mut attributes = json!({
        "policyType": image.job.policy_type(),
        "clientName": image.job.client_name(),
        "policyName": image.job.policy_name(),
        "appType": if matches!(image.job.policy_type(), "VMWARE") { "VMWARE" } else { "NONE" },
        "backupCopyType": "DEFAULT",
        "backupTime": backup_time,
        "backupStatus": job.status,
        "blockIncrementalFullTime": "1970-01-01T00:00:00.000Z",
        "clientCharset": 0,
        "compression": false,
        "contentFile": "",
        "contentFileSize": "0",
        "contentFileCompressed": "NOT",
        "creator": "root",
        "dataClassification": "",
        "drMediaList": [],
        "elapsedTimeSeconds": job.end.saturating_sub(job.start),
        "encryption": "NONE",
        "expiration": expiration,
        "extendedSecurityInfo": false,
        "fileSystemOnly": false,
        "fragments": [{
            "copyNumber": 1,
            "fragmentNumber": 1,
            "kbytes64": job.kilobytes,
            "host": media_server,
            "mediaId": format!("@aaaa{}", job.storage_unit),
            "blockSize": 262_144,
            "copyDate": iso(job.end),
            "expiration": iso(job.start.saturating_add(14 * 86_400)),
            "retentionLevel": retention,
            "multiplex": 0,
            "resumeNumber": 0,
            "copyDteMode": "OFF",
            "hierarchicalDteMode": "OFF",
            "heldForDependentCopy": "NO",
        }],
        "imageDumpLevel": 0,
        "imageType": "NORMAL",
        "jobId": job.id,
        "kbytes": job.kilobytes,
        "keyword": "",
        "kbytesDataTransferred": job.kilobytes,
        "mpx": false,
        "numCopies": if image.slp_name().is_empty() { 1 } else { 2 },
        "numFiles": job.files,
        "numberFragments": 1,
        "originMasterServer": tables.primary,
        "pfiType": 0,
        "primaryCopy": 1,
        "providerGeneratedId": "",
        "proxyClient": "",
        "remoteExpirationDate": "1970-01-01T00:00:00.000Z",
        "retentionLevel": retention,
        "scheduleName": image.job.schedule().map_or("", |s| s.name),
        "scheduleType": image.catalog_schedule_type(),
        "slpVersion": 0,
        "slpCompleted": i64::from(image.slp_name().is_empty() || image.slp_state() == "COMPLETE"),
        "slpName": image.slp_name(),
        "tirExpirationDate": "1970-01-01T00:00:00.000Z",
        "version": 11,
        "vmType": if matches!(image.job.policy_type(), "VMWARE" | "HYPERV") { "MAPPED" } else { "NONE" },
        "malwareScanResult": malware_scan,
        "isOptimized": false,
        "streamNumber": 0,
        "streamAggregatedKbytes": job.kilobytes,
        "streamAggregatedFiles": job.files,
        "anomalyStatus": anomaly,
        "anomalySeverity": severity,
        "fileScanResult": image.file_scan_result(),
        "imageDteMode": "OFF",
        "intelligentCatalogArchiving": "NO",
    });
    if anomaly != "NOT_PROCESSED" {
        attributes["anomalyScore"] = json!(image.anomaly_score());
    }
    if version >= ApiVersion::V13_0 {
        attributes["malwareStatus"] = json!(malware_status);
        attributes["fileHashSearchResult"] = json!("NO_FILE_HASH_FOUND");
    }
    if version >= ApiVersion::V14_0 {
        attributes["onHold"] = json!("NO");
        attributes["tirInfo"] = json!("NO");
        attributes["fileRestoreRaw"] = json!("NO");
        attributes["objectDescriptor"] = json!("");
    }
    json!({
        "links": {"self": {"href": format!("{base_url}/catalog/images/{backup_id}")}},
        "type": "image",
        "id": backup_id,
        "attributes": attributes,
        "relationships": {"mediaServers": {"data": [{"type": "mediaServer", "id": media_server}]}},
    })
}

/// An SLP image resource (catalog.yaml `slpImageList` item).
pub(crate) fn slp_image_value(image: &ImageRef<'_>) -> Value {
    let job = image.record();
    let tables = image.job.tables;
    let backup_id = image.backup_id();
    let state = image.slp_state();
    let copy_state = match state {
        "COMPLETE" => "COPYCOMPLETE",
        "IN_PROCESS" => "IN_PROCESS",
        _ => "NOT_STARTED",
    };
    let media_server = image.job.media_server_name();
    let fragment = |copy: u32| {
        json!({
            "backupId": backup_id,
            "copyNumber": copy,
            "fragmentNumber": 1,
            "mediaId": format!("@aaaa{}", job.storage_unit),
            "mediaServer": media_server,
            "mediaType": "DISK",
            "fragmentState": "ACTIVE",
            "fragmentSize": job.kilobytes.saturating_mul(1024),
            "storageServer": media_server,
        })
    };
    let mut duplicate = json!({
        "backupId": backup_id,
        "copyNumber": 2,
        "copyType": "DUPLICATE",
        "copyState": copy_state,
        "retentionType": "FIXED",
        "expireTime": iso(job.start.saturating_add(90 * 86_400)),
    });
    if state == "COMPLETE" {
        duplicate["fragments"] = json!([fragment(2)]);
    }
    let mut value = json!({
        "type": "slpImage",
        "id": backup_id,
        "attributes": {
            "primaryServer": tables.primary,
            "backupId": backup_id,
            "policyName": image.job.policy_name(),
            "clientName": image.job.client_name(),
            "backupTime": iso(job.start),
            "policyType": image.job.policy_type(),
            "scheduleType": image.catalog_schedule_type(),
            "slpName": image.slp_name(),
            "slpImageState": state,
            "isStorageLifecycleInactive": false,
            "slpVersion": 0,
            "originPrimaryServer": tables.primary,
            "expirationTime": iso(job.start.saturating_add(90 * 86_400)),
            "creationTime": iso(job.end),
            "dataClassification": "",
            "originPrimaryServerId": tables.primary_host_id,
            "copies": [
                {
                    "backupId": backup_id,
                    "copyNumber": 1,
                    "copyType": "BACKUP",
                    "copyState": "COPYCOMPLETE",
                    "retentionType": "FIXED",
                    "expireTime": iso(job.start.saturating_add(14 * 86_400)),
                    "fragments": [fragment(1)],
                },
                duplicate,
            ],
        },
    });
    if state == "IN_PROCESS" {
        // Processing starts when the backup ends (the simulator does not model a queue before it).
        value["attributes"]["timeInProcess"] = json!(iso(job.end));
    }
    value
}
