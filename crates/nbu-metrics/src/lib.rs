//! nbu-metrics: the pure aggregation model of the NetBackup exporter.
//!
//! It turns plain observations of NetBackup objects (jobs, storage units, alerts, …), which the
//! collector maps from the API models, into metric families, and renders the families of every
//! site as Prometheus text:
//!
//! - jobs: [`JobWindow`] keeps the sliding window of jobs incrementally and derives the job
//!   families ([`JobFamilies`]), the completed-job counters ([`JobCounters`]) and the per-client
//!   families ([`ClientFamilies`]); [`aggregate_jobs`] is the from-scratch definition it matches;
//! - storage: [`aggregate_storage`] → [`StorageFamilies`];
//! - opt-in families: one small function per area in [`optional`];
//! - exposition: every producer yields a [`FamilySet`] (the collector builds its self-metrics the
//!   same way, `set.gauge(name, help).push(labels, value)`); an [`Exposition`] merges the sets of
//!   all sites, with `site` as the first label, plus global ones, and renders them
//!   deterministically.
//!
//! Metric names and labels match the established Go exporter (see [`names`]).
//!
//! This crate is pure: no I/O, no async, no clock (callers pass `now`). It must not depend on
//! `nbu-api`, `reqwest`, `tokio` or any other workspace crate; it defines its own input types.

mod exposition;
mod hash;
mod intern;
mod jobs;
pub mod names;
pub mod optional;
mod storage;

pub use exposition::{
    CONTENT_TYPE, Exposition, Family, FamilySet, HistogramValue, MetricKind, SITE_LABEL, Sample,
    SampleValue, is_valid_label_name, is_valid_metric_name,
};
pub use jobs::{
    ClientFamilies, ClientJobKey, ClientPolicyKey, DURATION_BUCKETS, DurationHistogram,
    JobCounters, JobFamilies, JobKey, JobObservation, JobState, JobWindow, Mean, PolicyKey,
    QueueKey, StateKey, StatusKey, aggregate_jobs, kilobytes_to_bytes, status_label,
};
pub use storage::{
    DiskBytesKey, DiskSize, StorageFamilies, StorageInfo, StorageKey, StorageObservation,
    aggregate_storage, megabytes_to_bytes,
};

/// The label value used when NetBackup did not report the value (a status code, a queue reason,
/// an empty state, an unknown boolean attribute).
pub const UNKNOWN: &str = "UNKNOWN";
