//! Protection plans (SLOs): `GET /servicecatalog/slos` (servicecatalog.yaml, API version 13.0;
//! 14.0 servers use the same shape). The list carries no `meta` or `links`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient;

/// Attributes of a protection plan (`type: slov3`; the id is a GUID).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Slo {
    /// `name`.
    pub name: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `policyNamePrefix`: prefix of the policies generated for the plan.
    pub policy_name_prefix: Option<String>,
    /// `workloadType`, e.g. `VMWARE`, `KUBERNETES`.
    pub workload_type: Option<String>,
    /// `subscribeAllowed`: assets may be subscribed.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub subscribe_allowed: Option<bool>,
    /// `subscriptionCount`: assets subscribed.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub subscription_count: Option<u64>,
    /// `schedules`.
    pub schedules: Option<Vec<SloSchedule>>,
    /// `capabilities`.
    #[serde(deserialize_with = "lenient::opt_text_list")]
    pub capabilities: Option<Vec<String>>,
    /// `policyDefinition`, kept as raw JSON (one of many workload-specific policy shapes).
    pub policy_definition: Option<Value>,
    /// `policy`, kept as raw JSON (the policy template generated for the plan).
    pub policy: Option<Value>,
}

/// One entry of an SLO's `schedules`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SloSchedule {
    /// `scheduleType`, e.g. `FULL`, `TRANSACTION_LOG`.
    pub schedule_type: Option<String>,
    /// `scheduleName`.
    pub schedule_name: Option<String>,
    /// `frequencySeconds`: interval of a frequency schedule.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub frequency_seconds: Option<u64>,
    /// `retention` of the backup copy.
    pub retention: Option<SloRetention>,
    /// `retentionType`: `FIXED` or `EXPIRE_AFTER_COPY`.
    pub retention_type: Option<String>,
    /// `backupWindows`.
    pub backup_windows: Option<Vec<BackupWindow>>,
    /// `backupStorageUnit`.
    pub backup_storage_unit: Option<String>,
    /// `cloudSnapshotIndex`: cloud snapshot indexing is on.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub cloud_snapshot_index: Option<bool>,
    /// `includeDates`, kept as raw JSON.
    pub include_dates: Option<Value>,
    /// `excludeDates`, kept as raw JSON.
    pub exclude_dates: Option<Value>,
    /// `replication`, kept as raw JSON.
    pub replication: Option<Value>,
    /// `duplication`, kept as raw JSON.
    pub duplication: Option<Value>,
    /// `cloudSnapshotReplication`, kept as raw JSON.
    pub cloud_snapshot_replication: Option<Value>,
    /// `backupFromSnapshot`, kept as raw JSON.
    pub backup_from_snapshot: Option<Value>,
}

/// `retention` of an SLO schedule: a quantity and a unit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SloRetention {
    /// `value`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub value: Option<i64>,
    /// `unit`: `HOURS`, `DAYS`, `WEEKS`, `MONTHS` or `YEARS`.
    pub unit: Option<String>,
}

/// One entry of `backupWindows`: when backups may start on one day of the week.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct BackupWindow {
    /// `dayOfWeek`: 1 (Sunday) to 7 (Saturday).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub day_of_week: Option<i64>,
    /// `startSeconds`: window start, in seconds after midnight.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub start_seconds: Option<u64>,
    /// `durationSeconds`: window length, in seconds.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub duration_seconds: Option<u64>,
}
