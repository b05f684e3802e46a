//! Typed models of NetBackup REST API responses, one module per API area.
//!
//! Every attribute struct is lenient in the same ways: fields the server leaves out are `None`
//! (never zero), unknown fields are ignored, values outside a documented vocabulary are kept as
//! `Other(text)`, and numbers, flags, timestamps and durations that cannot be read are `None`
//! rather than a failure of the whole page (negative numbers in unsigned fields are NetBackup's
//! "unknown" sentinels and read as `None` too). Field docs give the JSON name.
//!
//! `Serialize` writes the JSON names back (absent fields as `null`), so the simulator and the
//! snapshot tests can reuse these types.

mod alerts;
mod catalog;
mod config;
mod document;
mod error_body;
mod jobs;
pub(crate) mod lenient;
mod licensing;
mod malware;
mod security;
mod slo;
mod storage;
mod tape;

pub use alerts::{Alert, AlertSeverity};
pub use catalog::{
    AnomalyStatus, CatalogImage, ImageFragment, MalwareStatus, SlpImage, SlpImageCopy,
    SlpImageFragment, SlpImageState,
};
pub use config::{
    Host, HostMapping, HostsDocument, MediaServer, NbuHostType, SupportedStorageInfo,
};
pub(crate) use document::Identified;
pub use document::{
    ListDocument, ListMeta, Listed, PaginationMeta, RawJson, Resource, SingleDocument,
};
pub use error_body::ErrorBody;
pub use jobs::{Job, JobState, JobSummary, JobsCount, JobsCountRequest, JobsCountResponse};
pub use lenient::{PageRef, parse_duration};
pub use licensing::{ClientConsumption, LicensingCapacity, PolicyConsumption};
pub use malware::{MalwareScanOutcome, MalwareScanResult, MalwareScanState};
pub use security::{LoginRequest, LoginResponse, ServerInfo};
pub use slo::{BackupWindow, Slo, SloRetention, SloSchedule};
pub use storage::{
    DiskPool, DiskPoolState, DiskVolume, DiskVolumeState, MaximumIoStreams, MediaServerDetail,
    RobotType, StorageCategory, StorageUnit,
};
pub use tape::{
    DevicePath, Drive, DriveStatus, RobotDeviceHost, TapeMedia, TapeRobot, TapeVolumePool,
    VolumePoolType,
};

/// Decodes a response body as this crate decodes every NetBackup answer.
///
/// The body is checked as UTF-8 once, up front: serde_json reading bytes would check each string
/// on its own, which costs a sixth of decoding a page of jobs. The check is simdutf8's, which picks
/// the CPU's vector instructions at run time and takes about 40% less time than std's. A body
/// that is not UTF-8 gets serde_json's own error, with its position.
///
/// # Errors
///
/// When the body is not JSON of the shape of `T`.
pub fn from_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match simdutf8::basic::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}
