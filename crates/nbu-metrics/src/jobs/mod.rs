//! Jobs: observations in, job families, completed-job counters and per-client families out.

mod aggregate;
mod histogram;
mod keys;
mod observation;
mod window;

pub use aggregate::{JobFamilies, Mean, aggregate_jobs};
pub use histogram::{DURATION_BUCKETS, DurationHistogram};
pub use keys::{ClientJobKey, ClientPolicyKey, JobKey, PolicyKey, QueueKey, StateKey, StatusKey};
pub use observation::{JobObservation, JobState, kilobytes_to_bytes, status_label};
pub use window::{ClientFamilies, JobCounters, JobWindow};
