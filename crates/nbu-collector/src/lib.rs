//! nbu-collector: collects NetBackup data through [`nbu_api`] into [`nbu_metrics`] families and
//! publishes them as immutable [`Snapshot`]s.
//!
//! Every area of NetBackup (jobs, storage, and the opt-in ones) is a [`Collector`]. A [`SitePoller`]
//! runs a site's collectors on their own intervals, in parallel, each under a timeout, and reports
//! every outcome to a shared [`Publisher`], which renders the exposition once per change and swaps it
//! in atomically. A scrape only reads the current snapshot: it never calls NetBackup.
//!
//! A collector that fails keeps its last good families, marked stale by the
//! `nbu_collector_success`/`nbu_collector_stale` self-metrics, and never cancels the others.
//!
//! This crate must not depend on HTTP serving, configuration formats or Prometheus client
//! libraries: it orchestrates `nbu-api` and `nbu-metrics` and nothing more.

mod alerts;
mod catalog;
mod collector;
mod contact;
mod jobs;
mod listing;
mod malware;
mod map;
mod poller;
mod progress;
mod publisher;
mod slo;
mod storage;
mod tape;

pub use alerts::AlertsCollector;
pub use catalog::CatalogCollector;
pub use collector::{CollectContext, CollectError, Collected, Collector};
pub use contact::Contact;
pub use jobs::{JobsCollector, JobsSettings, SLICES_PER_STREAM};
pub use malware::MalwareCollector;
pub use map::job_observation;
pub use poller::{CollectorFactory, ScheduledCollector, SitePoller, SiteSpec};
pub use progress::{Progress, ProgressReport};
pub use publisher::{CollectorStatus, Health, Publisher, RunFailure, SiteStatus, Snapshot};
pub use slo::SloCollector;
pub use storage::StorageCollector;
pub use tape::TapeCollector;

#[cfg(test)]
pub use collector::MockCollector;
