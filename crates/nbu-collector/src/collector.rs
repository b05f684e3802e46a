//! The trait every area of NetBackup is collected through.

use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use nbu_metrics::FamilySet;

use crate::{Progress, ProgressReport};

/// What a collector is given for one run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CollectContext {
    /// The wall-clock time the run started; collectors use it instead of reading the clock so that
    /// one run sees one consistent "now".
    pub now: Timestamp,
    /// Where the run reports requests, pages and items as it goes, and what it is waiting for:
    /// what a run cut off by the timeout leaves behind, and what `/health` shows of a long load.
    pub progress: Progress,
}

impl CollectContext {
    /// A context for a run starting at `now`, with fresh progress.
    pub fn new(now: Timestamp) -> Self {
        Self {
            now,
            progress: Progress::new(),
        }
    }
}

/// The result of one successful collector run.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Collected {
    /// The metric families this collector contributes to its site.
    pub families: FamilySet,
    /// NetBackup API requests the run issued (one per page; retries inside the client excluded).
    pub api_requests: u64,
    /// Items (jobs, storage units, …) the run decoded.
    pub items: u64,
    /// Time the run's requests spent waiting for the client's rate limiters; filled in by the
    /// poller from the collector's [`WaitMeter`](nbu_api::WaitMeter), zero without one.
    pub rate_limit_wait: Duration,
}

impl Collected {
    /// A result carrying `families`, `api_requests` and `items`.
    pub fn new(families: FamilySet, api_requests: u64, items: u64) -> Self {
        Self {
            families,
            api_requests,
            items,
            rate_limit_wait: Duration::ZERO,
        }
    }
}

/// Why a collector run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// The NetBackup API answered with an error or could not be reached. Boxed: the client's
    /// error carries the URL and the answer, and every run's `Result` would pay for its size.
    #[error(transparent)]
    Api(Box<nbu_api::Error>),
    /// The run did not finish within the collection timeout and was cut off.
    #[error("collection timed out after {} {progress}", seconds(*.after))]
    Timeout {
        /// The timeout.
        after: Duration,
        /// How far the run got, and the request it was waiting for.
        progress: ProgressReport,
    },
}

impl From<nbu_api::Error> for CollectError {
    fn from(error: nbu_api::Error) -> Self {
        Self::Api(Box::new(error))
    }
}

/// `50s`, `8.333s`: whole seconds when the duration is whole, milliseconds otherwise.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{:.3}s", duration.as_secs_f64())
    }
}

/// One area of NetBackup (jobs, storage, alerts, …) turned into metric families.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Collector: Send + Sync {
    /// A short, stable name used in self-metrics labels and logs (`jobs`, `storage`, …).
    fn name(&self) -> &'static str;

    /// Whether the collector runs when the configuration does not mention it.
    fn enabled_by_default(&self) -> bool;

    /// Runs one collection. It may be cancelled at any await point (the poller's timeout), so it
    /// must leave its own state usable for the next run when that happens.
    async fn collect(&self, ctx: &CollectContext) -> Result<Collected, CollectError>;
}
