//! Options of the jobs listing.

use crate::filter::{Filter, Sort};

/// What to ask `GET /admin/jobs` for: a filter, a sort order and a page size.
///
/// ```
/// use nbu_api::{Filter, JobsQuery, Sort};
/// let query = JobsQuery::new()
///     .filter(Filter::eq("state", "ACTIVE"))
///     .sort(Sort::desc("lastUpdateTime"))
///     .page_limit(50);
/// assert_eq!(query.page_limit, Some(50));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct JobsQuery {
    /// The OData filter; none lists every job the server keeps.
    pub filter: Option<Filter>,
    /// The sort order; none leaves the server's order (descending start time).
    pub sort: Option<Sort>,
    /// Jobs per page, 1 to 100; none uses the maximum, 100. Values outside the range are clamped.
    pub page_limit: Option<u32>,
}

impl JobsQuery {
    /// No filter, the server's order, pages of 100.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the filter.
    #[must_use]
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Sets the sort order.
    #[must_use]
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Sets the page size (clamped to 1..=100 when sent).
    #[must_use]
    pub fn page_limit(mut self, limit: u32) -> Self {
        self.page_limit = Some(limit);
        self
    }
}
