//! Retry budget and delays for transient failures.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// How a call retries transient failures: connection errors, timeouts, 429, 500, 502, 503 and
/// 504. Other 4xx answers are never retried.
///
/// Delays grow exponentially with jitter between `min_delay` and `max_delay`; a `Retry-After`
/// header (seconds or HTTP date) replaces the computed delay, capped at `max_retry_after`.
/// A call gives up after `max_attempts` requests, or earlier when the next wait would push the
/// total time spent waiting beyond `max_total_delay`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Requests per call, first one included; 1 disables retries.
    pub max_attempts: u32,
    /// The first backoff delay.
    pub min_delay: Duration,
    /// The largest backoff delay.
    pub max_delay: Duration,
    /// The most time one call may spend waiting between attempts.
    pub max_total_delay: Duration,
    /// The longest `Retry-After` honoured; longer requests are shortened to this.
    pub max_retry_after: Duration,
    /// Whether backoff delays are randomised, so that many clients do not retry in lockstep.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// 4 attempts, 200 ms doubling up to 5 s with jitter, 30 s of waiting per call at most,
    /// `Retry-After` honoured up to 30 s.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_total_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets [`max_attempts`](Self::max_attempts) (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff range.
    #[must_use]
    pub fn delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }

    /// Sets [`max_total_delay`](Self::max_total_delay).
    #[must_use]
    pub fn max_total_delay(mut self, total: Duration) -> Self {
        self.max_total_delay = total;
        self
    }

    /// Sets [`max_retry_after`](Self::max_retry_after).
    #[must_use]
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// Sets [`jitter`](Self::jitter).
    #[must_use]
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + Send + use<> {
        let builder = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .without_max_times();
        let builder = if self.jitter {
            builder.with_jitter()
        } else {
            builder
        };
        builder.build()
    }
}

/// Tracks one call's retries against its [`RetryPolicy`].
pub(crate) struct Budget {
    policy: RetryPolicy,
    backoff: Box<dyn Iterator<Item = Duration> + Send>,
    waited: Duration,
}

impl Budget {
    pub(crate) fn new(policy: &RetryPolicy) -> Self {
        Self {
            backoff: Box::new(policy.backoff()),
            policy: policy.clone(),
            waited: Duration::ZERO,
        }
    }

    /// The wait before the next attempt, or `None` when the budget is spent. `attempts` is
    /// the number of requests made so far.
    pub(crate) fn next_delay(
        &mut self,
        attempts: u32,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempts >= self.policy.max_attempts {
            return None;
        }
        let computed = self.backoff.next().unwrap_or(self.policy.max_delay);
        let delay = match retry_after {
            Some(asked) => asked.min(self.policy.max_retry_after),
            None => computed,
        };
        let waited = self.waited.checked_add(delay)?;
        if waited > self.policy.max_total_delay {
            return None;
        }
        self.waited = waited;
        Some(delay)
    }
}

/// Reads a `Retry-After` value: delay-seconds, an HTTP date, or (as NetBackup's asynchronous
/// APIs send) an RFC 3339 instant. Dates in the past mean "now".
pub(crate) fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value)
        .map(|zoned| zoned.timestamp())
        .or_else(|_| value.parse::<jiff::Timestamp>())
        .ok()?;
    let ahead = at.duration_since(now);
    Some(Duration::try_from(ahead).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        "2015-10-21T07:28:00Z".parse().unwrap_or_default()
    }

    #[test]
    fn retry_after_reads_seconds_http_dates_and_rfc3339() {
        assert_eq!(parse_retry_after("1", now()), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now()),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("2015-10-21T07:28:02.500Z", now()),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-5", now()), None);
    }

    #[test]
    fn budget_stops_at_max_attempts() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .delays(Duration::from_millis(10), Duration::from_millis(10))
            .jitter(false);
        let mut budget = Budget::new(&policy);
        assert_eq!(budget.next_delay(1, None), Some(Duration::from_millis(10)));
        assert_eq!(budget.next_delay(2, None), Some(Duration::from_millis(10)));
        assert_eq!(budget.next_delay(3, None), None);
    }

    #[test]
    fn budget_stops_when_total_wait_would_exceed_cap() {
        let policy = RetryPolicy::default()
            .max_attempts(100)
            .max_total_delay(Duration::from_secs(3))
            .max_retry_after(Duration::from_secs(2));
        let mut budget = Budget::new(&policy);
        // A huge Retry-After is capped, and the cap still counts against the total.
        assert_eq!(
            budget.next_delay(1, Some(Duration::from_secs(3600))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(budget.next_delay(2, Some(Duration::from_secs(2))), None);
    }

    #[test]
    fn backoff_grows_and_respects_max() {
        let policy = RetryPolicy::default()
            .delays(Duration::from_millis(100), Duration::from_millis(400))
            .jitter(false);
        let delays: Vec<u128> = policy.backoff().take(5).map(|d| d.as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 400, 400]);
    }
}
