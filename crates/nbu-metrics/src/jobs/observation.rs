//! The plain input of the job aggregation: one observation of one job.

use jiff::{SignedDuration, Timestamp};

use crate::UNKNOWN;

/// The state of a job (`state` in `/admin/jobs`). Our own type: the API models stay in `nbu-api`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for resources.
    Queued,
    /// Running.
    Active,
    /// Waiting again after a failed try.
    Requeued,
    /// Finished, successfully or not (see the status code).
    Done,
    /// Suspended by an operator.
    Suspended,
    /// Stopped and resumable.
    Incomplete,
    /// A state this crate does not know, kept verbatim (an empty one renders as [`UNKNOWN`]).
    Other(String),
}

impl JobState {
    /// Parses NetBackup's spelling (`QUEUED`, `ACTIVE`, …), ignoring ASCII case; anything else is
    /// kept as [`JobState::Other`].
    pub fn parse(state: &str) -> Self {
        const KNOWN: [(&str, JobState); 6] = [
            ("QUEUED", JobState::Queued),
            ("ACTIVE", JobState::Active),
            ("REQUEUED", JobState::Requeued),
            ("DONE", JobState::Done),
            ("SUSPENDED", JobState::Suspended),
            ("INCOMPLETE", JobState::Incomplete),
        ];
        KNOWN
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(state))
            .map_or_else(|| JobState::Other(state.to_owned()), |(_, known)| known)
    }

    /// The `state` label value.
    pub fn label(&self) -> &str {
        match self {
            JobState::Queued => "QUEUED",
            JobState::Active => "ACTIVE",
            JobState::Requeued => "REQUEUED",
            JobState::Done => "DONE",
            JobState::Suspended => "SUSPENDED",
            JobState::Incomplete => "INCOMPLETE",
            JobState::Other(other) if other.is_empty() => UNKNOWN,
            JobState::Other(other) => other,
        }
    }

    /// Whether the job has finished (`DONE`): only then can it leave the window.
    pub fn is_done(&self) -> bool {
        matches!(self, JobState::Done)
    }
}

impl From<&str> for JobState {
    fn from(state: &str) -> Self {
        JobState::parse(state)
    }
}

/// One observation of one job, in the units the metrics use.
///
/// The collector maps the API's job attributes into it: `action` ← `jobType`, `policy_type` ←
/// `policyType`, `status` ← `status`, `queue_reason` ← `jobQueueReason`, `bytes` ←
/// `kilobytesTransferred` × 1024 (see [`kilobytes_to_bytes`]), `files` ← `numberOfFiles`,
/// `elapsed` ← `elapsedTime`. Every value the API did not send is `None`: an absent value adds
/// nothing to its family, where a zero would drag sums and means down.
#[derive(Debug, Clone, PartialEq)]
pub struct JobObservation {
    /// `jobId`: the identity of the job across observations.
    pub job_id: i64,
    /// `jobType`, the `action` label.
    pub action: String,
    /// `policyType`, the `policy_type` label.
    pub policy_type: String,
    /// `policyName`, the `policy` label of the per-client families.
    pub policy_name: String,
    /// `clientName`, the `client` label of the per-client families.
    pub client: String,
    /// `state`.
    pub state: JobState,
    /// `status`, the job's exit code (rendered in decimal; absent renders as [`UNKNOWN`]).
    pub status: Option<i64>,
    /// `jobQueueReason`, the `reason` label of queued jobs (absent renders as [`UNKNOWN`]).
    pub queue_reason: Option<i64>,
    /// `startTime`.
    pub start_time: Option<Timestamp>,
    /// `endTime`: what places a job in the window.
    pub end_time: Option<Timestamp>,
    /// `lastUpdateTime`: feeds [`crate::JobWindow::watermark`], and decides which of two
    /// observations of a job is the newer (see [`crate::JobWindow::upsert`]).
    pub last_update: Option<Timestamp>,
    /// `elapsedTime`: the duration used when start or end time is missing.
    pub elapsed: Option<SignedDuration>,
    /// Bytes transferred.
    pub bytes: Option<u64>,
    /// Files processed.
    pub files: Option<u64>,
    /// `dedupRatio`. Non-finite values count as absent.
    pub dedup_ratio: Option<f64>,
}

impl JobObservation {
    /// An observation of job `job_id` in `state` with empty labels and no values; set the rest
    /// with struct update syntax or field assignment.
    pub fn new(job_id: i64, state: JobState) -> Self {
        Self {
            job_id,
            action: String::new(),
            policy_type: String::new(),
            policy_name: String::new(),
            client: String::new(),
            state,
            status: None,
            queue_reason: None,
            start_time: None,
            end_time: None,
            last_update: None,
            elapsed: None,
            bytes: None,
            files: None,
            dedup_ratio: None,
        }
    }

    /// How long the job ran: `end_time − start_time` when both are known and in order, otherwise
    /// `elapsed` when known and not negative. Only done jobs contribute it to the histogram.
    pub fn duration(&self) -> Option<SignedDuration> {
        let from_times = match (self.start_time, self.end_time) {
            (Some(start), Some(end)) if end >= start => Some(end.duration_since(start)),
            _ => None,
        };
        from_times.or_else(|| self.elapsed.filter(|e| !e.is_negative()))
    }

    /// The `status` label value.
    pub fn status_label(&self) -> String {
        status_label(self.status)
    }

    /// The `reason` label value.
    pub fn reason_label(&self) -> String {
        status_label(self.queue_reason)
    }

    /// The dedup ratio if present and finite.
    pub(crate) fn finite_dedup_ratio(&self) -> Option<f64> {
        self.dedup_ratio.filter(|r| r.is_finite())
    }
}

/// Converts NetBackup's `kilobytesTransferred` (KiB) to bytes, saturating at `u64::MAX`.
pub fn kilobytes_to_bytes(kilobytes: u64) -> u64 {
    kilobytes.saturating_mul(1024)
}

/// The `status` label value of an exit code (and the `reason` label value of a queue reason):
/// decimal, or [`UNKNOWN`] when absent.
pub fn status_label(status: Option<i64>) -> String {
    status.map_or_else(|| UNKNOWN.to_owned(), |code| code.to_string())
}

/// An instant as nanoseconds since the epoch: exact between the years 1677 and 2262, saturating
/// outside, which keeps every comparison with a present-day instant correct.
pub(crate) fn instant_key(instant: Timestamp) -> i64 {
    let nanos = instant.as_nanosecond();
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX })
}

/// Whether an observation last updated at `incoming` is older than the kept one of the same job,
/// last updated at `kept` (both as [`instant_key`]s), and must therefore be ignored.
///
/// Pages of one listing can arrive in any order (a full load reads time slices in parallel), so
/// the order of arrival says nothing about which observation is newer: `lastUpdateTime` does.
/// An equal time replaces (a re-delivery of the same state, or a server whose clock resolution
/// hides a change); a missing time on either side replaces too, because nothing then shows the
/// incoming observation to be the older one.
pub(crate) fn is_stale(incoming: Option<i64>, kept: Option<i64>) -> bool {
    matches!((incoming, kept), (Some(incoming), Some(kept)) if incoming < kept)
}

/// The instant a job must have ended after to be in a window of `window` ending at `now`.
pub(crate) fn window_start(now: Timestamp, window: SignedDuration) -> Timestamp {
    now.saturating_sub(window).unwrap_or(Timestamp::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn states_parse_case_insensitively_and_keep_unknown_ones() {
        assert_eq!(JobState::parse("DONE"), JobState::Done);
        assert_eq!(JobState::parse("queued"), JobState::Queued);
        assert_eq!(
            JobState::parse("WAITING"),
            JobState::Other("WAITING".into())
        );
        assert_eq!(JobState::parse("").label(), UNKNOWN);
        assert_eq!(JobState::from("Requeued").label(), "REQUEUED");
        assert!(JobState::Done.is_done());
        assert!(!JobState::Incomplete.is_done());
    }

    #[test]
    fn duration_prefers_times_then_elapsed() {
        let mut job = JobObservation::new(1, JobState::Done);
        assert_eq!(job.duration(), None);
        job.elapsed = Some(SignedDuration::from_secs(30));
        assert_eq!(job.duration(), Some(SignedDuration::from_secs(30)));
        job.start_time = Some(at(100));
        job.end_time = Some(at(700));
        assert_eq!(job.duration(), Some(SignedDuration::from_secs(600)));
        // End before start is bad data: fall back to elapsed.
        job.end_time = Some(at(50));
        assert_eq!(job.duration(), Some(SignedDuration::from_secs(30)));
        job.elapsed = Some(SignedDuration::from_secs(-1));
        assert_eq!(job.duration(), None);
    }

    #[test]
    fn labels_of_absent_values_are_unknown() {
        let mut job = JobObservation::new(1, JobState::Queued);
        assert_eq!(job.status_label(), UNKNOWN);
        assert_eq!(job.reason_label(), UNKNOWN);
        job.status = Some(150);
        job.queue_reason = Some(7);
        assert_eq!(job.status_label(), "150");
        assert_eq!(job.reason_label(), "7");
    }

    #[test]
    fn kilobytes_convert_with_saturation() {
        assert_eq!(kilobytes_to_bytes(2), 2048);
        assert_eq!(kilobytes_to_bytes(u64::MAX), u64::MAX);
    }

    #[test]
    fn only_a_strictly_older_update_is_stale() {
        assert!(is_stale(Some(1), Some(2)));
        assert!(!is_stale(Some(2), Some(2)));
        assert!(!is_stale(Some(3), Some(2)));
        assert!(!is_stale(None, Some(2)));
        assert!(!is_stale(Some(1), None));
        assert!(!is_stale(None, None));
    }

    #[test]
    fn instant_keys_saturate_outside_the_nanosecond_range() {
        assert_eq!(instant_key(at(1)), 1_000_000_000);
        assert_eq!(instant_key(Timestamp::MAX), i64::MAX);
        assert_eq!(instant_key(Timestamp::MIN), i64::MIN);
    }

    #[test]
    fn window_start_saturates() {
        assert_eq!(
            window_start(at(1000), SignedDuration::from_secs(100)),
            at(900)
        );
        assert_eq!(
            window_start(Timestamp::MIN, SignedDuration::from_secs(1)),
            Timestamp::MIN
        );
    }
}
