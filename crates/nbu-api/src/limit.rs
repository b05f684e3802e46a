//! Client-side rate limiting: the client's own limit, shared extra limits that reserve part of
//! it for some callers, and the time requests spend waiting for them.
//!
//! The limiters run on Tokio's clock (not governor's real-time one) so that waiting is a Tokio
//! sleep: tests with paused time see the limiters advance exactly, and nothing here needs a
//! second timer thread.

use std::fmt;
use std::num::NonZeroU32;
use std::ops::Add;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::time::Instant;

use crate::client::RateLimit;
use crate::error::Error;

/// Tokio's clock, as governor reads time.
#[derive(Debug, Clone, Copy, Default)]
struct TokioClock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct TokioInstant(Instant);

impl Add<Nanos> for TokioInstant {
    type Output = Self;

    fn add(self, other: Nanos) -> Self {
        Self(self.0 + Duration::from(other))
    }
}

impl Reference for TokioInstant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        self.0.saturating_duration_since(earlier.0).into()
    }

    fn saturating_sub(&self, duration: Nanos) -> Self {
        self.0
            .checked_sub(Duration::from(duration))
            .map_or(*self, Self)
    }
}

impl Clock for TokioClock {
    type Instant = TokioInstant;

    fn now(&self) -> TokioInstant {
        TokioInstant(Instant::now())
    }
}

/// One GCRA rate limiter on Tokio's clock.
pub(crate) struct Limiter {
    gcra: RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<TokioInstant>>,
}

impl Limiter {
    /// A limiter for `limit`; `field` names the setting in the error a zero value gets.
    pub(crate) fn new(limit: RateLimit, field: &'static str) -> Result<Self, Error> {
        let bad = |what: &str| Error::InvalidConfig {
            field,
            reason: format!("{what} must be at least 1 (use without_rate_limit to disable it)"),
        };
        let per_second =
            NonZeroU32::new(limit.per_second).ok_or_else(|| bad("requests per second"))?;
        let burst = NonZeroU32::new(limit.burst).ok_or_else(|| bad("burst"))?;
        Ok(Self {
            gcra: RateLimiter::direct_with_clock(
                Quota::per_second(per_second).allow_burst(burst),
                TokioClock,
            ),
        })
    }

    /// Waits until one request may go out, and takes its place; the time spent asleep is
    /// added to `meter`.
    pub(crate) async fn until_ready(&self, meter: Option<&WaitMeter>) {
        loop {
            match self.gcra.check() {
                Ok(()) => return,
                Err(not_until) => {
                    // Every waiter wakes at the earliest instant a place frees up and tries
                    // again: a place is never left unused while someone waits for it.
                    let wait = not_until.wait_time_from(TokioClock.now());
                    let _timing = meter.map(|meter| Timing {
                        meter,
                        since: Instant::now(),
                    });
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// A rate limit that every client handle it is attached to (with
/// [`Client::with_extra_limit`](crate::Client::with_extra_limit)) passes on top of the
/// client's own, so that together those handles never send more than this limit allows.
///
/// Give it a part of the client's limit and attach it to every caller except one, and that one
/// keeps the rest of the client's limit whatever the others ask for: over any span of `t`
/// seconds the others send at most `per_second × t + burst` requests, and every place of the
/// client's limit they leave free goes to whoever waits for it.
///
/// Cheap to clone: clones are the same limit.
#[derive(Clone)]
pub struct SharedLimit {
    limiter: Arc<Limiter>,
    limit: RateLimit,
}

impl SharedLimit {
    /// A shared limit of `limit`. Zero values are refused with [`Error::InvalidConfig`].
    pub fn new(limit: RateLimit) -> Result<Self, Error> {
        Ok(Self {
            limiter: Arc::new(Limiter::new(limit, "extra_limit")?),
            limit,
        })
    }

    /// The limit this was made with.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    pub(crate) async fn until_ready(&self, meter: Option<&WaitMeter>) {
        self.limiter.until_ready(meter).await;
    }
}

impl fmt::Debug for SharedLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedLimit")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// Adds up the time requests spent waiting for rate limiters, for every client handle it is
/// attached to (with [`Client::with_wait_meter`](crate::Client::with_wait_meter)).
///
/// A wait counts when it ends, and also when the request waiting is dropped (a caller's
/// timeout), so a caller that is always cut off while it waits still shows its waits.
/// Cheap to clone: clones add to the same total.
#[derive(Clone, Default)]
pub struct WaitMeter {
    nanos: Arc<AtomicU64>,
}

impl WaitMeter {
    /// A meter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time waited so far by every handle this meter is attached to.
    pub fn total(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }

    fn add(&self, waited: Duration) {
        let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
        // Saturating: a meter that ran for 584 years stays at its maximum.
        let _ = self
            .nanos
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |total| {
                Some(total.saturating_add(nanos))
            });
    }
}

impl fmt::Debug for WaitMeter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WaitMeter").field(&self.total()).finish()
    }
}

/// Adds the time since it was made to a meter when dropped, whether the sleep finished or was
/// cancelled.
struct Timing<'a> {
    meter: &'a WaitMeter,
    since: Instant,
}

impl Drop for Timing<'_> {
    fn drop(&mut self) {
        self.meter.add(self.since.elapsed());
    }
}

/// Waits for the extra limit (when there is one), then for the client's own, and adds the time
/// spent asleep to `meter`: a request that finds a free place waits for nothing.
///
/// The extra limit comes first: a request holding a place of the client's limit while it waits
/// for its extra one would waste that place for everyone.
pub(crate) async fn wait_for(
    extra: Option<&SharedLimit>,
    own: Option<&Limiter>,
    meter: Option<&WaitMeter>,
) {
    if let Some(extra) = extra {
        extra.until_ready(meter).await;
    }
    if let Some(own) = own {
        own.until_ready(meter).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    fn limiter(per_second: u32, burst: u32) -> Arc<Limiter> {
        Arc::new(Limiter::new(RateLimit::new(per_second, burst), "rate_limit").unwrap())
    }

    /// Counts what `tasks` callers, each sending as fast as the limiters let it, get through.
    fn flood(
        tasks: usize,
        extra: Option<SharedLimit>,
        own: &Arc<Limiter>,
        meter: &WaitMeter,
        stop: &Arc<AtomicBool>,
    ) -> Arc<AtomicU64> {
        let sent = Arc::new(AtomicU64::new(0));
        for _ in 0..tasks {
            let (extra, own, meter, stop, sent) = (
                extra.clone(),
                Arc::clone(own),
                meter.clone(),
                Arc::clone(stop),
                Arc::clone(&sent),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    wait_for(extra.as_ref(), Some(&own), Some(&meter)).await;
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        sent
    }

    /// Runs one priority caller against `background` callers for `seconds` of paused time and
    /// returns what each side sent: (priority, background).
    async fn contend(background: usize, share: Option<RateLimit>, seconds: u64) -> (u64, u64) {
        let own = limiter(10, 10);
        let share = share.map(|limit| SharedLimit::new(limit).unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let (priority_wait, background_wait) = (WaitMeter::new(), WaitMeter::new());
        let background = flood(background, share, &own, &background_wait, &stop);
        let priority = flood(1, None, &own, &priority_wait, &stop);
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        assert!(
            background_wait.total() > Duration::ZERO,
            "callers that flood a limit wait for it"
        );
        (
            priority.load(Ordering::Relaxed),
            background.load(Ordering::Relaxed),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn the_shared_limit_bounds_its_callers_and_leaves_the_rest_to_the_priority_caller() {
        // Site limit 10/s (burst 10); the background share is half of it. Eight background
        // callers flood it for a minute while one priority caller floods the site limit.
        let (priority, background) = contend(8, Some(RateLimit::new(5, 5)), 60).await;
        assert!(
            background <= 5 * 60 + 5,
            "the background share is never exceeded: {background} requests in 60 s"
        );
        assert!(
            priority >= 5 * 60,
            "the priority caller keeps the other half: {priority} requests in 60 s"
        );
        assert!(
            priority + background <= 10 * 60 + 10,
            "the site limit holds: {priority} + {background}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_share_many_callers_crowd_out_one() {
        // What the share prevents: eight callers on the site limit alone leave one caller
        // about a ninth of it.
        let (priority, background) = contend(8, None, 60).await;
        assert!(
            priority < 5 * 60,
            "the priority caller is crowded out: {priority} of {}",
            priority + background
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_cut_off_by_a_timeout_is_still_counted() {
        let own = limiter(1, 1);
        let meter = WaitMeter::new();
        wait_for(None, Some(&own), Some(&meter)).await;
        assert_eq!(meter.total(), Duration::ZERO, "the first place is free");
        let cut = tokio::time::timeout(
            Duration::from_millis(300),
            wait_for(None, Some(&own), Some(&meter)),
        )
        .await;
        assert!(cut.is_err(), "the second place frees up only after 1 s");
        assert_eq!(meter.total(), Duration::from_millis(300));
    }

    #[test]
    fn zero_values_are_refused_naming_the_setting() {
        let error = SharedLimit::new(RateLimit::new(0, 5)).unwrap_err();
        assert!(error.to_string().contains("extra_limit"), "{error}");
        assert!(SharedLimit::new(RateLimit::new(5, 0)).is_err());
    }
}
