//! Alerts: `GET /manage/alerts` (manage.yaml, API version 12.0 on; the same fields in 12.0 to 14.0).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::lenient::{self, open_enum};

open_enum! {
    /// `severity` of an alert.
    pub enum AlertSeverity {
        /// `INFO`.
        Info = "INFO",
        /// `WARNING`.
        Warning = "WARNING",
        /// `ERROR`.
        Error = "ERROR",
    }
}

/// Attributes of an alert (`type: alert`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Alert {
    /// `titleId`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub title_id: Option<i64>,
    /// `title`.
    pub title: Option<String>,
    /// `descriptionId`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub description_id: Option<i64>,
    /// `description`.
    pub description: Option<String>,
    /// `category`; the spec documents only `JOB`, so it is kept as text.
    pub category: Option<String>,
    /// `subCategory`, e.g. a policy type such as `MS-WINDOWS`.
    pub sub_category: Option<String>,
    /// `severity`.
    pub severity: Option<AlertSeverity>,
    /// `context`: why the alert was raised, e.g. `JOB_STATE_FAILED`.
    pub context: Option<String>,
    /// `createdDateTime`.
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub created_date_time: Option<Timestamp>,
    /// `tags`.
    #[serde(deserialize_with = "lenient::opt_text_list")]
    pub tags: Option<Vec<String>>,
    /// `systemDefined`: raised by the system rather than by a user rule.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub system_defined: Option<bool>,
    /// `params`: alert parameters (job id, client name, status, …) as text.
    #[serde(deserialize_with = "lenient::opt_text_map")]
    pub params: Option<BTreeMap<String, String>>,
}
