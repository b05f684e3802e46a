//! Licensing: `GET /licensing/capacity` (licensing.yaml, API version 14.0).

use serde::{Deserialize, Serialize};

use super::lenient;

/// Attributes of the capacity-licensing report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct LicensingCapacity {
    /// `masterConsumptionMB`: capacity consumed on the primary server, in MB.
    #[serde(rename = "masterConsumptionMB", deserialize_with = "lenient::opt_f64")]
    pub master_consumption_mb: Option<f64>,
    /// `clientDetails`: consumption per client.
    pub client_details: Option<Vec<ClientConsumption>>,
}

/// One entry of `clientDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ClientConsumption {
    /// `clientName`.
    pub client_name: Option<String>,
    /// `clientConsumptionMB`, in MB.
    #[serde(rename = "clientConsumptionMB", deserialize_with = "lenient::opt_f64")]
    pub client_consumption_mb: Option<f64>,
    /// `policyDetails`: consumption per policy of this client.
    pub policy_details: Option<Vec<PolicyConsumption>>,
}

/// One entry of `policyDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct PolicyConsumption {
    /// `backupId`.
    pub backup_id: Option<String>,
    /// `policyName`.
    pub policy_name: Option<String>,
    /// `masterServer`.
    pub master_server: Option<String>,
    /// `policyType`.
    pub policy_type: Option<String>,
    /// `policyConsumptionMB`, in MB.
    #[serde(rename = "policyConsumptionMB", deserialize_with = "lenient::opt_f64")]
    pub policy_consumption_mb: Option<f64>,
}
