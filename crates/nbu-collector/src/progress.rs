//! How far a collector run has got: requests answered, pages and items read, and what it is
//! waiting for now.
//!
//! Collectors report through the [`Progress`] of their [`CollectContext`](crate::CollectContext)
//! as they go, so that a run cut off by the timeout can still say what it was waiting for and have
//! its requests counted, and so that `/health` can show a long first load advancing.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use nbu_api::Page;
// Tokio's clock, so that tests with paused time see the waits they advanced.
use tokio::time::Instant;

/// A cheap, shared handle on the progress of one collector run; clones see the same counters.
#[derive(Clone, Default)]
pub struct Progress {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    requests: AtomicU64,
    pages: AtomicU64,
    items: AtomicU64,
    /// 0 while unknown.
    expected_pages: AtomicU64,
    /// Set by a run that may outlast its timeout while it keeps reading pages.
    long_load: AtomicBool,
    waits: Mutex<Waits>,
}

#[derive(Default)]
struct Waits {
    next_id: u64,
    /// Requests awaited now, by id.
    open: BTreeMap<u64, Wait>,
    /// Pages read per endpoint, so that a wait names the page number of its own listing.
    pages: BTreeMap<&'static str, u64>,
}

#[derive(Clone)]
struct Wait {
    what: &'static str,
    page: Option<u64>,
    since: Instant,
}

impl PartialEq for Progress {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.report(), f)
    }
}

/// What a run had done at one moment; its `Display` is the text shown in errors and `/health`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProgressReport {
    /// Requests answered or failed (retries inside the client excluded).
    pub requests: u64,
    /// Listing pages read.
    pub pages: u64,
    /// Items decoded.
    pub items: u64,
    /// The pages a complete run is expected to read, when the collector could estimate it.
    pub expected_pages: Option<u64>,
    /// The request the run has waited on longest among those it awaits now, e.g.
    /// `GET /admin/jobs (page 513)`.
    pub waiting_for: Option<String>,
}

impl Progress {
    /// A fresh handle with nothing done.
    pub fn new() -> Self {
        Self::default()
    }

    /// Awaits `next`, the next page of the listing at `endpoint` (a stream's `try_next()`), and
    /// counts it: a page is one request and its items, an error one request, the end of the
    /// listing nothing.
    pub async fn page<T, F>(
        &self,
        endpoint: &'static str,
        next: F,
    ) -> Result<Option<Page<T>>, nbu_api::Error>
    where
        F: Future<Output = Result<Option<Page<T>>, nbu_api::Error>>,
    {
        let result = self.wait(endpoint, true, next).await;
        match &result {
            Ok(Some(page)) => self.page_read(endpoint, page.items.len() as u64),
            Ok(None) => {}
            Err(_) => self.request_failed(),
        }
        result
    }

    /// Awaits `call`, one request that is not a listing page (a count, a probe), and counts it
    /// as one request, answered or not.
    pub async fn call<T, F>(&self, what: &'static str, call: F) -> Result<T, nbu_api::Error>
    where
        F: Future<Output = Result<T, nbu_api::Error>>,
    {
        let result = self.wait(what, false, call).await;
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        result
    }

    /// Awaits `future`, known meanwhile as waiting for `what` (an endpoint, e.g.
    /// `/admin/jobs`; with `paged`, the page number of that listing is added). Counting what
    /// comes back is the caller's business: see [`page_read`](Self::page_read) and
    /// [`request_failed`](Self::request_failed).
    pub async fn wait<F: Future>(&self, what: &'static str, paged: bool, future: F) -> F::Output {
        let id = {
            let mut waits = self.waits();
            let id = waits.next_id;
            waits.next_id += 1;
            let page = paged.then(|| waits.pages.get(what).copied().unwrap_or(0) + 1);
            waits.open.insert(
                id,
                Wait {
                    what,
                    page,
                    since: Instant::now(),
                },
            );
            id
        };
        // Removes the wait also when the run is cancelled at this await point.
        let _done = WaitGuard { progress: self, id };
        future.await
    }

    /// Counts one answered request that brought a page of `items` items of the listing at
    /// `endpoint`.
    pub fn page_read(&self, endpoint: &'static str, items: u64) {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        self.inner.pages.fetch_add(1, Ordering::Relaxed);
        self.inner.items.fetch_add(items, Ordering::Relaxed);
        *self.waits().pages.entry(endpoint).or_default() += 1;
    }

    /// Counts one request that failed.
    pub fn request_failed(&self) {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts items decoded outside any listing page (e.g. one count answer per item).
    pub fn items_read(&self, items: u64) {
        self.inner.items.fetch_add(items, Ordering::Relaxed);
    }

    /// Records an estimate of the pages a complete run reads, for "312 of ~1,000 pages".
    pub fn expect_pages(&self, pages: u64) {
        self.inner.expected_pages.store(pages, Ordering::Relaxed);
    }

    /// Marks the run as a long load (a full load of the jobs window): the poller lets it outlast
    /// its timeout for as long as every timeout period brings new pages, and cuts it off only
    /// when one passes without any.
    pub fn long_load(&self) {
        self.inner.long_load.store(true, Ordering::Relaxed);
    }

    /// Whether the run said it is a [long load](Self::long_load).
    pub fn is_long_load(&self) -> bool {
        self.inner.long_load.load(Ordering::Relaxed)
    }

    /// Listing pages read so far.
    pub fn pages(&self) -> u64 {
        self.inner.pages.load(Ordering::Relaxed)
    }

    /// Requests answered or failed so far.
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// Items decoded so far.
    pub fn items(&self) -> u64 {
        self.inner.items.load(Ordering::Relaxed)
    }

    /// What the run has done so far and what it waits for now.
    pub fn report(&self) -> ProgressReport {
        let waiting_for = self
            .waits()
            .open
            .values()
            .min_by_key(|wait| wait.since)
            .map(|wait| match wait.page {
                Some(page) => format!("GET {} (page {page})", wait.what),
                None => format!("GET {}", wait.what),
            });
        let expected = self.inner.expected_pages.load(Ordering::Relaxed);
        ProgressReport {
            requests: self.requests(),
            pages: self.inner.pages.load(Ordering::Relaxed),
            items: self.items(),
            expected_pages: (expected > 0).then_some(expected),
            waiting_for,
        }
    }

    fn waits(&self) -> std::sync::MutexGuard<'_, Waits> {
        // Plain bookkeeping: what a panicking holder left behind is still worth reporting.
        self.inner
            .waits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

struct WaitGuard<'a> {
    progress: &'a Progress,
    id: u64,
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.progress.waits().open.remove(&self.id);
    }
}

impl ProgressReport {
    /// "512 pages and 51,200 items read", or "312 of ~1,000 pages and 31,200 items read".
    pub fn done(&self) -> String {
        let pages = match self.expected_pages {
            Some(expected) => format!(
                "{} of ~{} pages",
                thousands(self.pages),
                thousands(expected)
            ),
            None => plural(self.pages, "page"),
        };
        format!("{pages} and {} read", plural(self.items, "item"))
    }
}

impl fmt::Display for ProgressReport {
    /// `waiting for GET /admin/jobs (page 513; 512 pages and 51,200 items read)`, or, with
    /// nothing awaited, `(512 pages and 51,200 items read)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.waiting_for {
            Some(what) => match what.strip_suffix(')') {
                // "GET /x (page 3)" becomes "GET /x (page 3; …)".
                Some(open) => write!(f, "waiting for {open}; {})", self.done()),
                None => write!(f, "waiting for {what} ({})", self.done()),
            },
            None => write!(f, "({})", self.done()),
        }
    }
}

fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(count))
    }
}

/// `51200` as `51,200`.
pub(crate) fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::future::pending;

    use futures_util::FutureExt as _;

    use super::{Progress, thousands};

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(51_200), "51,200");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_report_names_the_request_waited_for_and_what_was_read() {
        let progress = Progress::new();
        for _ in 0..512 {
            progress.page_read("/admin/jobs", 100);
        }
        let waiting = progress.wait("/admin/jobs", true, pending::<()>());
        let mut waiting = Box::pin(waiting);
        assert!(waiting.as_mut().now_or_never().is_none());
        assert_eq!(
            progress.report().to_string(),
            "waiting for GET /admin/jobs (page 513; 512 pages and 51,200 items read)"
        );
        drop(waiting);
        assert_eq!(
            progress.report().to_string(),
            "(512 pages and 51,200 items read)",
            "a wait cancelled with its run is no longer reported"
        );
        progress.expect_pages(1000);
        assert_eq!(
            progress.report().done(),
            "512 of ~1,000 pages and 51,200 items read"
        );
    }

    #[tokio::test]
    async fn failed_requests_count_and_the_end_of_a_listing_does_not() {
        let progress = Progress::new();
        let end = progress
            .page::<(), _>("/storage/storage-units", async { Ok(None) })
            .await;
        assert!(matches!(end, Ok(None)));
        assert_eq!(progress.requests(), 0);
        let failed = progress
            .call::<u64, _>("/admin/jobs", async {
                Err(nbu_api::Error::InvalidConfig {
                    field: "test",
                    reason: "test".to_owned(),
                })
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(progress.requests(), 1);
        assert_eq!(progress.report().to_string(), "(0 pages and 0 items read)");
    }
}
