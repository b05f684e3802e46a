//! Page-at-a-time listing: one HTTP request per page, pages yielded as a stream.
//!
//! NetBackup pages three ways, and each list endpoint uses one:
//! - cursor (`page[after]`, next cursor in `meta.pagination.next`, or in the `next` link): jobs,
//!   tape media, tape volume pools, SLP images;
//! - offset (`page[offset]`, totals in `meta.pagination`): storage units, disk pools, drives,
//!   alerts, malware results, catalog images, media servers;
//! - offset without any `meta` (SLOs): the walk ends on a short page.
//!
//! A server that does not page as documented must not keep a walk going until the caller's
//! timeout, so every walk ends with [`Error::Unexpected`] when the server sends a cursor it sent
//! before (a cycle A→B→A included), when an offset page starts with the same item as the page
//! before (the server ignored `page[offset]`), or after [`ClientBuilder::max_pages`] pages
//! (fresh cursors without end). An error rather than a quiet stop: the listing is incomplete,
//! and stopping quietly would pass it off as complete.
//!
//! [`ClientBuilder::max_pages`]: crate::ClientBuilder::max_pages

use std::collections::HashSet;

use futures_util::Stream;
use http::header::{DATE, HeaderMap};
use serde::de::DeserializeOwned;

use crate::client::{Call, Client};
use crate::error::Error;
use crate::models::{Identified, ListDocument, PaginationMeta};
use crate::version::ApiVersion;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page, in server order.
    pub items: Vec<T>,
    /// The number of items across all pages (`meta.pagination.count`), where the endpoint
    /// reports it (offset-paginated endpoints); `None` otherwise, never a guess.
    pub total: Option<u64>,
    /// `meta.pagination.rangeTruncated`: the server cut the requested range short.
    pub range_truncated: bool,
    /// Position of this page in its stream, from 0.
    pub index: u32,
    /// `meta.pagination` as the server sent it.
    pub pagination: Option<PaginationMeta>,
    /// When the server answered with this page, from the response's `Date` header (RFC 9110
    /// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`); `None` when the header is absent or
    /// unreadable.
    ///
    /// It exists for incremental collection: the server's clock is the safe watermark for
    /// "everything updated before this instant has been seen". The newest timestamp in the data
    /// misses records updated between it and the request, and the local clock may be skewed
    /// from the server's, which would skip records or read them twice. The header has a
    /// resolution of one second, so a watermark taken from it should be used inclusively.
    pub server_time: Option<jiff::Timestamp>,
}

impl<T> Page<T> {
    /// Number of items on this page.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether this page has no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, dropping the page details.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// How an endpoint pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Paging {
    /// `page[limit]` + `page[after]`; stop when no next cursor comes back.
    Cursor,
    /// `page[limit]` + `page[offset]`; stop from `meta.pagination`.
    Offset,
    /// `page[limit]` + `page[offset]` but no `meta`: stop on a short page.
    OffsetNoMeta,
    /// One request returns everything.
    Unpaged,
}

/// Where the next request starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Position {
    First,
    After(String),
    Offset(u64),
}

/// A list endpoint and how to walk it.
#[derive(Debug, Clone)]
pub(crate) struct ListSpec {
    pub(crate) endpoint: &'static str,
    pub(crate) paging: Paging,
    /// Records per page sent in `page[limit]`.
    pub(crate) limit: u32,
    /// Query parameters sent with every page (filter, sort…).
    pub(crate) params: Vec<(&'static str, String)>,
}

impl ListSpec {
    pub(crate) fn new(endpoint: &'static str, paging: Paging, limit: u32) -> Self {
        Self {
            endpoint,
            paging,
            limit,
            params: Vec::new(),
        }
    }

    pub(crate) fn param(mut self, name: &'static str, value: Option<String>) -> Self {
        if let Some(value) = value {
            self.params.push((name, value));
        }
        self
    }

    /// The query of the request that fetches the page at `position`.
    pub(crate) fn query(&self, position: &Position) -> Vec<(&'static str, String)> {
        let mut query = self.params.clone();
        match self.paging {
            Paging::Unpaged => return query,
            Paging::Cursor => {
                query.push(("page[limit]", self.limit.to_string()));
                if let Position::After(cursor) = position {
                    query.push(("page[after]", cursor.clone()));
                }
            }
            Paging::Offset | Paging::OffsetNoMeta => {
                let offset = match position {
                    Position::Offset(offset) => *offset,
                    Position::First | Position::After(_) => 0,
                };
                query.push(("page[offset]", offset.to_string()));
                query.push(("page[limit]", self.limit.to_string()));
            }
        }
        query
    }

    /// Where the page after the one just read starts, or `None` when it was the last.
    pub(crate) fn next_position<T>(
        &self,
        current: &Position,
        doc: &ListDocument<T>,
    ) -> Option<Position> {
        let received = u64::try_from(doc.data.len()).unwrap_or(u64::MAX);
        // An empty page ends every walk, whatever the metadata claims: it can only repeat.
        if received == 0 {
            return None;
        }
        let full_page = received >= u64::from(self.limit);
        match self.paging {
            Paging::Unpaged => None,
            Paging::Cursor => {
                let next = doc
                    .pagination()
                    .and_then(|p| p.next.as_ref())
                    .and_then(|r| r.cursor().map(str::to_owned))
                    .or_else(|| doc.link_href("next").and_then(cursor_from_href))?;
                Some(Position::After(next))
            }
            Paging::Offset => {
                let offset = match current {
                    Position::Offset(offset) => *offset,
                    Position::First | Position::After(_) => 0,
                };
                let next_offset = offset.saturating_add(received);
                let more = match doc.pagination() {
                    Some(p) => offset_has_more(p, offset, next_offset, full_page),
                    None => full_page,
                };
                more.then_some(Position::Offset(next_offset))
            }
            Paging::OffsetNoMeta => {
                let offset = match current {
                    Position::Offset(offset) => *offset,
                    Position::First | Position::After(_) => 0,
                };
                full_page.then_some(Position::Offset(offset.saturating_add(received)))
            }
        }
    }
}

/// Whether an offset-paginated listing goes on after the records `offset..next_offset`.
/// The total `count` is the most direct signal, then `page`/`pages`, then the `next` and `last`
/// offsets; a server that sends none of them is read like one without `meta`.
fn offset_has_more(p: &PaginationMeta, offset: u64, next_offset: u64, full_page: bool) -> bool {
    if let Some(count) = p.count {
        return next_offset < count;
    }
    if let (Some(page), Some(pages)) = (p.page, p.pages) {
        // `page` counts from 0 in the specs' examples (`page: 0, pages: 1`).
        return page.saturating_add(1) < pages;
    }
    if let Some(next) = p.next.as_ref().and_then(|r| r.offset()) {
        return next > offset;
    }
    if let Some(last) = p.last.as_ref().and_then(|r| r.offset()) {
        return offset < last;
    }
    full_page
}

/// The instant in the `Date` header, if there is exactly one and it reads as an HTTP date.
/// Never an error: the page is good without it.
fn server_time(headers: &HeaderMap) -> Option<jiff::Timestamp> {
    let mut dates = headers.get_all(DATE).iter();
    let (Some(date), None) = (dates.next(), dates.next()) else {
        return None;
    };
    // RFC 9110's IMF-fixdate is a subset of RFC 2822's date-time; the parser also checks that
    // the weekday matches the date, so a garbled header is rejected rather than misread.
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(date.as_bytes())
        .ok()
}

/// The `page[after]` value of a `next` link.
fn cursor_from_href(href: &str) -> Option<String> {
    let url = url::Url::parse(href)
        .or_else(|_| url::Url::parse("http://relative.invalid/")?.join(href))
        .ok()?;
    url.query_pairs()
        .find(|(name, _)| name == "page[after]")
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty())
}

struct Walk {
    client: Client,
    spec: ListSpec,
    position: Option<Position>,
    index: u32,
    /// Every cursor requested so far: a server that sends one of them again would loop.
    cursors: HashSet<String>,
    /// The id of the first item of the previous page of an offset walk.
    previous_first_id: Option<String>,
    /// What went wrong reading the page just yielded, reported on the next poll: that page was
    /// good, only the way on is not.
    failure: Option<Error>,
}

impl Walk {
    fn unexpected(&self, version: Option<ApiVersion>, reason: String) -> Error {
        Error::Unexpected {
            endpoint: self.spec.endpoint.to_owned(),
            version,
            // The reason quotes ids and cursors the server sent.
            reason: self.client.relay(&reason),
        }
    }

    /// Checks the page just read at `position` against the previous one: an offset page that
    /// starts with the same item means the server ignored `page[offset]` and sent it again.
    fn check_offset_page<T: Identified>(
        &mut self,
        position: &Position,
        items: &[T],
        version: ApiVersion,
    ) -> Result<(), Error> {
        if !matches!(self.spec.paging, Paging::Offset | Paging::OffsetNoMeta) {
            return Ok(());
        }
        // Items without an id cannot be told apart: no evidence either way.
        let first_id = items
            .first()
            .map(|item| item.id().to_owned())
            .filter(|id| !id.is_empty());
        if let (Position::Offset(offset), Some(id)) = (position, &first_id)
            && self.previous_first_id.as_ref() == Some(id)
        {
            return Err(self.unexpected(
                Some(version),
                format!(
                    "server ignored page[offset]: the page at offset {offset} starts with the                      same item (id {id:?}) as the page before; stopping instead of reading the                      same records again"
                ),
            ));
        }
        self.previous_first_id = first_id;
        Ok(())
    }

    /// Sets where the walk goes after the page just read, or why it cannot go on.
    fn advance(&mut self, next: Option<Position>, version: ApiVersion) {
        if let Some(Position::After(cursor)) = &next
            && self.cursors.contains(cursor)
        {
            self.failure = Some(self.unexpected(
                Some(version),
                format!(
                    "cursor repeated: after page {} the server pointed back to page[after]={:?},                      which this walk already read; stopping instead of looping",
                    self.index,
                    shorten(cursor)
                ),
            ));
            return;
        }
        self.position = next;
    }
}

/// At most the first 64 characters of an opaque cursor, enough to recognise it in an error.
fn shorten(cursor: &str) -> String {
    match cursor.char_indices().nth(64) {
        Some((cut, _)) => format!("{}…", cursor.get(..cut).unwrap_or_default()),
        None => cursor.to_owned(),
    }
}

/// Streams the pages of `spec`, one HTTP request per page, lazily: nothing is sent until the
/// stream is polled, and dropping it stops the walk.
pub(crate) fn walk<T>(
    client: Client,
    spec: ListSpec,
) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static
where
    T: DeserializeOwned + Identified + Send + 'static,
{
    let start = Walk {
        client,
        spec,
        position: Some(Position::First),
        index: 0,
        cursors: HashSet::new(),
        previous_first_id: None,
        failure: None,
    };
    futures_util::stream::try_unfold(start, |mut walk| async move {
        if let Some(failure) = walk.failure.take() {
            return Err(failure);
        }
        let Some(position) = walk.position.take() else {
            return Ok(None);
        };
        let max_pages = walk.client.max_pages();
        if walk.index >= max_pages {
            return Err(walk.unexpected(
                walk.client.version(),
                format!(
                    "more than {max_pages} pages: the server keeps pointing to a next page;                      stopping (raise max_pages if a listing this long is real)"
                ),
            ));
        }
        let version = walk.client.negotiate().await?;
        if let Position::After(cursor) = &position {
            walk.cursors.insert(cursor.clone());
        }
        let call = Call::get(walk.spec.endpoint)
            .version(version)
            .query(walk.spec.query(&position))
            .page(walk.index);
        let answer = walk.client.send(call).await?;
        let server_time = server_time(&answer.headers);
        let doc: ListDocument<T> = walk.client.decode(&answer)?;
        walk.check_offset_page(&position, &doc.data, version)?;
        let next = walk.spec.next_position(&position, &doc);
        walk.advance(next, version);
        let pagination = doc.pagination().cloned();
        let page = Page {
            total: pagination.as_ref().and_then(|p| p.count),
            range_truncated: pagination
                .as_ref()
                .and_then(|p| p.range_truncated)
                .unwrap_or(false),
            index: walk.index,
            pagination,
            server_time,
            items: doc.data,
        };
        walk.index = walk.index.saturating_add(1);
        Ok(Some((page, walk)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(value: serde_json::Value) -> ListDocument<serde_json::Value> {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("bad test document: {e}"))
    }

    fn items(n: usize) -> Vec<serde_json::Value> {
        (0..n).map(|i| json!({"id": i.to_string()})).collect()
    }

    #[test]
    fn cursor_follows_meta_then_links_and_stops_without_next() {
        let spec = ListSpec::new("/admin/jobs", Paging::Cursor, 2);
        let with_meta = doc(json!({"data": items(2), "meta": {"pagination": {"next": "c2"}}}));
        assert_eq!(
            spec.next_position(&Position::First, &with_meta),
            Some(Position::After("c2".into()))
        );
        let with_link = doc(json!({"data": items(2), "links": {"pagination": {"next": {
            "href": "https://h:1556/netbackup/storage/tape-media?page%5Blimit%5D=2&page%5Bafter%5D=c%2F3"}}}}));
        assert_eq!(
            spec.next_position(&Position::First, &with_link),
            Some(Position::After("c/3".into()))
        );
        let last = doc(json!({"data": items(1), "meta": {"pagination": {"prev": "c1"}}}));
        assert_eq!(
            spec.next_position(&Position::After("c1".into()), &last),
            None
        );
        // Repeated cursors are the walk's business: it remembers every cursor it requested.
        let repeated = doc(json!({"data": items(2), "meta": {"pagination": {"next": "c1"}}}));
        assert_eq!(
            spec.next_position(&Position::After("c1".into()), &repeated),
            Some(Position::After("c1".into()))
        );
        let empty = doc(json!({"data": [], "meta": {"pagination": {"next": "c9"}}}));
        assert_eq!(spec.next_position(&Position::First, &empty), None);
    }

    fn date_headers(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(DATE, http::HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn server_time_reads_one_http_date_and_nothing_else() {
        let expected: jiff::Timestamp = "1994-11-06T08:49:37Z"
            .parse()
            .unwrap_or_else(|e| panic!("bad test instant: {e}"));
        assert_eq!(
            server_time(&date_headers(&["Sun, 06 Nov 1994 08:49:37 GMT"])),
            Some(expected)
        );
        assert_eq!(server_time(&date_headers(&[])), None);
        assert_eq!(server_time(&date_headers(&["yesterday"])), None);
        // Wrong weekday for the date: garbled, not trusted.
        assert_eq!(
            server_time(&date_headers(&["Mon, 06 Nov 1994 08:49:37 GMT"])),
            None
        );
        // Two different dates: no way to tell which is right.
        assert_eq!(
            server_time(&date_headers(&[
                "Sun, 06 Nov 1994 08:49:37 GMT",
                "Sun, 06 Nov 1994 08:49:38 GMT"
            ])),
            None
        );
    }

    #[test]
    fn long_cursors_are_shortened_in_errors() {
        assert_eq!(shorten("abc"), "abc");
        let long = "é".repeat(100);
        assert_eq!(shorten(&long), format!("{}…", "é".repeat(64)));
    }

    #[test]
    fn cursor_query_carries_limit_and_after() {
        let spec = ListSpec::new("/admin/jobs", Paging::Cursor, 100)
            .param("filter", Some("state eq 'DONE'".into()))
            .param("sort", None);
        assert_eq!(
            spec.query(&Position::After("abc".into())),
            vec![
                ("filter", "state eq 'DONE'".to_owned()),
                ("page[limit]", "100".to_owned()),
                ("page[after]", "abc".to_owned()),
            ]
        );
    }

    #[test]
    fn offset_uses_count_pages_next_last_then_short_page() {
        let spec = ListSpec::new("/storage/storage-units", Paging::Offset, 2);
        let at = |offset| Position::Offset(offset);
        let by_count = doc(json!({"data": items(2), "meta": {"pagination": {"count": 5}}}));
        assert_eq!(spec.next_position(&at(0), &by_count), Some(at(2)));
        assert_eq!(spec.next_position(&at(2), &by_count), Some(at(4)));
        let by_count_end = doc(json!({"data": items(1), "meta": {"pagination": {"count": 5}}}));
        assert_eq!(spec.next_position(&at(4), &by_count_end), None);

        let by_pages =
            doc(json!({"data": items(2), "meta": {"pagination": {"page": 0, "pages": 2}}}));
        assert_eq!(spec.next_position(&at(0), &by_pages), Some(at(2)));
        let by_pages_end =
            doc(json!({"data": items(2), "meta": {"pagination": {"page": 1, "pages": 2}}}));
        assert_eq!(spec.next_position(&at(2), &by_pages_end), None);

        let by_next =
            doc(json!({"data": items(2), "meta": {"pagination": {"offset": 0, "next": 2}}}));
        assert_eq!(spec.next_position(&at(0), &by_next), Some(at(2)));
        let by_last = doc(json!({"data": items(2), "meta": {"pagination": {"last": 2}}}));
        assert_eq!(spec.next_position(&at(2), &by_last), None);

        let no_meta_full = doc(json!({"data": items(2)}));
        assert_eq!(spec.next_position(&at(0), &no_meta_full), Some(at(2)));
    }

    #[test]
    fn offset_without_meta_stops_on_short_page() {
        let spec = ListSpec::new("/servicecatalog/slos", Paging::OffsetNoMeta, 3);
        assert_eq!(
            spec.next_position(&Position::First, &doc(json!({"data": items(3)}))),
            Some(Position::Offset(3))
        );
        assert_eq!(
            spec.next_position(&Position::Offset(3), &doc(json!({"data": items(2)}))),
            None
        );
        assert_eq!(
            spec.query(&Position::Offset(3)),
            vec![
                ("page[offset]", "3".to_owned()),
                ("page[limit]", "3".to_owned())
            ]
        );
    }
}
