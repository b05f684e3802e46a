//! Configuration: `GET /config/media-servers` (config.yaml) and `GET /config/hosts`
//! (config_hosts.yaml), both published for API version 14.0 only.

use serde::{Deserialize, Serialize};

use super::lenient::{self, open_enum};
use super::storage::StorageCategory;

/// Attributes of a media server (`type: mediaServer`; the id is the host name).
///
/// The response schema lives in a file the vendor did not publish; these fields are the ones
/// the endpoint's filter and sort parameters name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct MediaServer {
    /// `hostName`.
    pub host_name: Option<String>,
    /// `osType`.
    pub os_type: Option<String>,
    /// `nbuVersion`, e.g. `11.2`.
    pub nbu_version: Option<String>,
    /// `dteMode`: data-in-transit encryption setting.
    pub dte_mode: Option<String>,
    /// `status`: current host status.
    pub status: Option<String>,
    /// `clusterName`.
    pub cluster_name: Option<String>,
    /// `activeNode`: the active cluster node.
    pub active_node: Option<String>,
    /// `ndmpHosts`: NDMP control hosts.
    #[serde(deserialize_with = "lenient::opt_text_list")]
    pub ndmp_hosts: Option<Vec<String>>,
    /// `fiberTransportEnabled`: the FT service is on.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub fiber_transport_enabled: Option<bool>,
    /// `fiberTransportState`.
    pub fiber_transport_state: Option<String>,
    /// `fiberTransportConnectionLimit`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub fiber_transport_connection_limit: Option<u64>,
    /// `supportedStoragesInfo`: storage the server can reach.
    pub supported_storages_info: Option<Vec<SupportedStorageInfo>>,
}

/// One entry of a media server's `supportedStoragesInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SupportedStorageInfo {
    /// `storageProviderId`, e.g. `amazon`.
    pub storage_provider_id: Option<String>,
    /// `storageCategory`.
    pub storage_category: Option<StorageCategory>,
}

/// The `GET /config/hosts` response: not JSON:API, a top-level `hosts` array.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HostsDocument {
    /// `hosts`; an answer without the array has none.
    pub hosts: Vec<Host>,
}

open_enum! {
    /// `nbuHostType`: the role of a host.
    pub enum NbuHostType {
        /// `PRIMARY_SERVER`.
        PrimaryServer = "PRIMARY_SERVER",
        /// `MEDIA_SERVER`.
        MediaServer = "MEDIA_SERVER",
        /// `CLIENT`.
        Client = "CLIENT",
        /// `NOT_DEFINED`.
        NotDefined = "NOT_DEFINED",
    }
}

/// One host known to the primary server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Host {
    /// `uuid`: the host id.
    pub uuid: Option<String>,
    /// `hostName`.
    pub host_name: Option<String>,
    /// `nbuHostType`.
    pub nbu_host_type: Option<NbuHostType>,
    /// `nbuVersion`.
    pub nbu_version: Option<String>,
    /// `nbuReleaseVersion`.
    pub nbu_release_version: Option<String>,
    /// `osType`.
    pub os_type: Option<String>,
    /// `osVersion`.
    pub os_version: Option<String>,
    /// `osReleaseVersion`.
    pub os_release_version: Option<String>,
    /// `cpuArchitecture`.
    pub cpu_architecture: Option<String>,
    /// `hwDescription`.
    pub hw_description: Option<String>,
    /// `masterServer`: the primary server of the host.
    pub master_server: Option<String>,
    /// `installedEEBs`: emergency binaries installed.
    #[serde(rename = "installedEEBs")]
    pub installed_eebs: Option<String>,
    /// `installedPackages`.
    pub installed_packages: Option<String>,
    /// `vxUpdatePlatform`.
    pub vx_update_platform: Option<String>,
    /// `isSecureEnabled`: can communicate securely.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_secure_enabled: Option<bool>,
    /// `autoReissue`: may reissue its certificate without a token.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub auto_reissue: Option<bool>,
    /// `autoReissueDuration`, in milliseconds (a JSON number, possibly fractional).
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub auto_reissue_duration: Option<f64>,
    /// `externalCertificateSubject`.
    pub external_certificate_subject: Option<String>,
    /// `externalCertificateFingerprintSha1`.
    pub external_certificate_fingerprint_sha1: Option<String>,
    /// `externalCertificateFingerprintSha256`.
    pub external_certificate_fingerprint_sha256: Option<String>,
    /// `hasNetBackupCaHostCertificate`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub has_net_backup_ca_host_certificate: Option<bool>,
    /// `servers` associated with the host.
    #[serde(deserialize_with = "lenient::opt_text_list")]
    pub servers: Option<Vec<String>>,
    /// `comment`.
    pub comment: Option<String>,
    /// `hostMappings`.
    pub host_mappings: Option<Vec<HostMapping>>,
    /// `trustVersion`.
    pub trust_version: Option<String>,
    /// `lastUpdatedDateTime`, an integer UTC time as the server sends it.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub last_updated_date_time: Option<i64>,
    /// `createdDateTime`, an integer UTC time as the server sends it.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub created_date_time: Option<i64>,
    /// `decommissionedDateTime`, an integer UTC time as the server sends it.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub decommissioned_date_time: Option<i64>,
    /// `machineType`: `UNKNOWN`, `PHYSICAL` or `VIRTUAL`.
    pub machine_type: Option<String>,
    /// `hypervisorType`, e.g. `VMWARE`.
    pub hypervisor_type: Option<String>,
    /// `machineNbuType`, e.g. `MSDP_CONTAINER`.
    pub machine_nbu_type: Option<String>,
    /// `dteClientMode`: `UNDEFINED`, `OFF`, `ON` or `AUTOMATIC`.
    pub dte_client_mode: Option<String>,
    /// `serviceUser`: service account of non-privileged services.
    pub service_user: Option<String>,
    /// `fipsEnabled`: `DISABLED`, `ENABLED` or `UNKNOWN`.
    pub fips_enabled: Option<String>,
}

/// One entry of a host's `hostMappings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct HostMapping {
    /// `mappedHostName`.
    pub mapped_host_name: Option<String>,
    /// `isApproved`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_approved: Option<bool>,
    /// `isConflicting`: the name is mapped to another host id too.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_conflicting: Option<bool>,
    /// `isAddedManually`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_added_manually: Option<bool>,
    /// `isShared`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_shared: Option<bool>,
    /// `createdOn`, an integer UTC time as the server sends it.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub created_on: Option<i64>,
    /// `updatedOn`, an integer UTC time as the server sends it.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub updated_on: Option<i64>,
    /// `origin`: how the mapping was added, e.g. `USER_ADDED`.
    pub origin: Option<String>,
}
