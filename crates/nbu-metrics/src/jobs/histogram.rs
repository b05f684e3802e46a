//! The job duration histogram, kept in exact integer nanoseconds.

use jiff::SignedDuration;

use crate::exposition::HistogramValue;

/// Upper bounds, in seconds, of `nbu_job_duration_seconds` (the Go exporter's buckets: one
/// minute to one day).
pub const DURATION_BUCKETS: [f64; 9] = [
    60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0,
];

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const BUCKET_NANOS: [i64; 9] = [
    60 * NANOS_PER_SECOND,
    300 * NANOS_PER_SECOND,
    900 * NANOS_PER_SECOND,
    1800 * NANOS_PER_SECOND,
    3600 * NANOS_PER_SECOND,
    7200 * NANOS_PER_SECOND,
    14400 * NANOS_PER_SECOND,
    28800 * NANOS_PER_SECOND,
    86400 * NANOS_PER_SECOND,
];

/// Durations of done jobs counted into [`DURATION_BUCKETS`].
///
/// Integer nanoseconds make the sum independent of the order jobs are added in, so an
/// incrementally maintained store and a from-scratch aggregation agree exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DurationHistogram {
    /// Observations per bucket (not cumulative); index 9 holds those above the last bound.
    per_bucket: [u64; 10],
    count: u64,
    sum_nanos: i128,
}

impl DurationHistogram {
    /// Records one duration. Negative durations are not observations of anything and are ignored.
    pub fn observe(&mut self, duration: SignedDuration) {
        self.observe_nanos(saturating_nanos(duration));
    }

    pub(crate) fn observe_nanos(&mut self, nanos: i64) {
        if nanos < 0 {
            return;
        }
        let bucket = BUCKET_NANOS
            .iter()
            .position(|&bound| nanos <= bound)
            .unwrap_or(BUCKET_NANOS.len());
        if let Some(slot) = self.per_bucket.get_mut(bucket) {
            *slot += 1;
        }
        self.count += 1;
        self.sum_nanos += i128::from(nanos);
    }

    /// How many durations were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The sum of the recorded durations, in seconds.
    pub fn sum_seconds(&self) -> f64 {
        self.sum_nanos as f64 / NANOS_PER_SECOND as f64
    }

    /// Cumulative counts for each of [`DURATION_BUCKETS`] (durations ≤ the bound).
    pub fn cumulative(&self) -> [u64; 9] {
        let mut out = [0u64; 9];
        let mut running = 0;
        for (slot, count) in out.iter_mut().zip(self.per_bucket) {
            running += count;
            *slot = running;
        }
        out
    }

    /// The exposition value of this histogram.
    pub fn to_value(&self) -> HistogramValue {
        HistogramValue::new(
            DURATION_BUCKETS
                .iter()
                .copied()
                .zip(self.cumulative())
                .collect(),
            self.count,
            self.sum_seconds(),
        )
    }
}

/// `duration` in nanoseconds, saturated to `i64` (±292 years: far beyond any job).
pub(crate) fn saturating_nanos(duration: SignedDuration) -> i64 {
    let nanos = duration.as_nanos();
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_cumulative() {
        let mut h = DurationHistogram::default();
        h.observe(SignedDuration::from_secs(60));
        h.observe(SignedDuration::from_secs(61));
        h.observe(SignedDuration::from_secs(100_000));
        h.observe(SignedDuration::from_secs(-5));
        assert_eq!(h.count(), 3);
        assert_eq!(h.cumulative(), [1, 2, 2, 2, 2, 2, 2, 2, 2]);
        assert_eq!(h.sum_seconds(), 100_121.0);
    }

    #[test]
    fn zero_duration_falls_in_the_first_bucket() {
        let mut h = DurationHistogram::default();
        h.observe(SignedDuration::ZERO);
        assert_eq!(h.cumulative()[0], 1);
    }

    #[test]
    fn sub_second_precision_is_kept_in_the_sum() {
        let mut h = DurationHistogram::default();
        h.observe(SignedDuration::from_millis(1500));
        assert_eq!(h.sum_seconds(), 1.5);
    }
}
