//! Reading a paginated listing to its end, mapping items as they arrive.

use futures_util::{Stream, TryStreamExt};
use nbu_api::Page;

use crate::Progress;

/// What a complete walk of one listing produced.
#[derive(Debug)]
pub(crate) struct Listing<R> {
    /// The mapped rows (an item may yield none, one or several).
    pub(crate) rows: Vec<R>,
    /// Pages read, one request each.
    pub(crate) requests: u64,
    /// Items decoded.
    pub(crate) items: u64,
}

/// Reads every page of `pages`, the listing at `endpoint` — never only the first: the Go
/// exporter's silent truncation at 100 rows is what this avoids — and maps each item with `map`
/// without keeping the models. Each page is reported to `progress` as it arrives.
pub(crate) async fn read_all<T, R, I>(
    progress: &Progress,
    endpoint: &'static str,
    pages: impl Stream<Item = Result<Page<T>, nbu_api::Error>>,
    mut map: impl FnMut(&T) -> I,
) -> Result<Listing<R>, nbu_api::Error>
where
    I: IntoIterator<Item = R>,
{
    let mut pages = std::pin::pin!(pages);
    let mut listing = Listing {
        rows: Vec::new(),
        requests: 0,
        items: 0,
    };
    while let Some(page) = progress.page(endpoint, pages.try_next()).await? {
        listing.requests += 1;
        listing.items += page.items.len() as u64;
        for item in &page.items {
            listing.rows.extend(map(item));
        }
    }
    Ok(listing)
}
