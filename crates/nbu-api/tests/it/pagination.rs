//! Page walks: one request per page, the right stop condition for each paging style.

use nbu_api::{Client, Filter, JobsQuery, Sort};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{builder, client, item, jobs_page, pages, received};

#[tokio::test]
async fn cursor_walk_follows_next_until_absent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .and(query_param("page[limit]", "100"))
        .and(query_param_is_missing("page[after]"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jobs_page(0..100, Some("c1"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .and(query_param("page[after]", "c1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jobs_page(100..200, Some("c2"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .and(query_param("page[after]", "c2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jobs_page(200..230, None)))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();

    let sizes: Vec<usize> = walked.iter().map(|p| p.len()).collect();
    assert_eq!(sizes, [100, 100, 30]);
    let indexes: Vec<u32> = walked.iter().map(|p| p.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
    assert!(
        walked
            .iter()
            .all(|p| p.total.is_none() && !p.range_truncated)
    );
    let last_id = walked
        .last()
        .and_then(|p| p.items.last())
        .map(|job| job.id.clone());
    assert_eq!(last_id.as_deref(), Some("229"));
    assert_eq!(client.requests_sent(), 3);
    assert_eq!(received(&server).await, 3);
}

#[tokio::test]
async fn cursor_walk_sends_filter_sort_and_clamped_limit() {
    let server = MockServer::start().await;
    let since: jiff::Timestamp = "2024-05-06T11:41:45Z".parse().unwrap();
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .and(query_param(
            "filter",
            "lastUpdateTime ge 2024-05-06T11:41:45.000Z and state eq 'DONE'",
        ))
        .and(query_param("sort", "-lastUpdateTime"))
        .and(query_param("page[limit]", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jobs_page(0..1, None)))
        .expect(1)
        .mount(&server)
        .await;
    let query = JobsQuery::new()
        .filter(Filter::ge("lastUpdateTime", since).and(Filter::eq("state", "DONE")))
        .sort(Sort::desc("lastUpdateTime"))
        .page_limit(5000);
    let walked = pages(client(&server).jobs(&query)).await.unwrap();
    assert_eq!(walked.len(), 1);

    // The filter travels percent-encoded with %20 for spaces, as the NetBackup guide asks.
    let requests = server.received_requests().await.unwrap();
    let raw_query = requests[0].url.query().unwrap_or_default().to_owned();
    assert!(raw_query.contains("filter=lastUpdateTime%20ge%202024-05-06T11%3A41%3A45.000Z%20and%20state%20eq%20%27DONE%27"), "{raw_query}");
    assert!(raw_query.contains("page%5Blimit%5D=100"), "{raw_query}");
}

#[tokio::test]
async fn empty_first_page_ends_after_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [], "meta": {"pagination": {"limit": 100}}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();
    assert_eq!(walked.len(), 1);
    assert!(walked[0].is_empty());
    assert_eq!(client.requests_sent(), 1);
}

#[tokio::test]
async fn range_truncated_is_surfaced() {
    let server = MockServer::start().await;
    let mut body = jobs_page(0..3, None);
    body["meta"]["pagination"]["rangeTruncated"] = json!(true);
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let walked = pages(client(&server).jobs(&JobsQuery::new()))
        .await
        .unwrap();
    assert_eq!(walked.len(), 1);
    assert!(walked[0].range_truncated);
}

#[tokio::test]
async fn dropping_the_stream_stops_the_walk() {
    use futures_util::StreamExt;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jobs_page(0..100, Some("again"))))
        .mount(&server)
        .await;
    let client = client(&server);
    let first = Box::pin(client.jobs(&JobsQuery::new())).next().await;
    assert!(first.is_some_and(|page| page.is_ok()));
    assert_eq!(received(&server).await, 1);
}

fn offset_page(kind: &str, ids: std::ops::Range<u64>, meta: Value) -> Value {
    let data: Vec<Value> = ids.map(|id| item(kind, id)).collect();
    json!({"data": data, "meta": {"pagination": meta}})
}

#[tokio::test]
async fn offset_walk_stops_at_count_even_when_the_server_caps_the_page() {
    let server = MockServer::start().await;
    // The server hands out two units a page whatever limit it is asked for.
    for (offset, ids) in [(0_u64, 0..2_u64), (2, 2..4), (4, 4..5)] {
        let meta =
            json!({"count": 5, "offset": offset, "limit": 2, "pages": 3, "page": offset / 2});
        Mock::given(method("GET"))
            .and(path("/netbackup/storage/storage-units"))
            .and(query_param("page[offset]", offset.to_string()))
            .and(query_param("page[limit]", "500"))
            .respond_with(ResponseTemplate::new(200).set_body_json(offset_page(
                "storageUnit",
                ids,
                meta,
            )))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let walked = pages(client.storage_units()).await.unwrap();
    let sizes: Vec<usize> = walked.iter().map(|p| p.len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    assert!(walked.iter().all(|p| p.total == Some(5)));
    assert_eq!(client.requests_sent(), 3);
    assert_eq!(received(&server).await, 3);
}

/// Every item of `stream` until it ends: the pages read, then the error that ended it, if any.
async fn until_error<T>(
    stream: impl futures_util::Stream<Item = Result<nbu_api::Page<T>, nbu_api::Error>>,
) -> (usize, Option<nbu_api::Error>) {
    use futures_util::StreamExt;
    let mut stream = std::pin::pin!(stream);
    let mut read = 0;
    while let Some(page) = stream.next().await {
        match page {
            Ok(_) => read += 1,
            Err(error) => {
                // Nothing may follow the error.
                assert!(
                    stream.next().await.is_none(),
                    "the stream went on after {error}"
                );
                return (read, Some(error));
            }
        }
    }
    (read, None)
}

/// The reason of an `Error::Unexpected` about `endpoint`, or a panic naming what came instead.
fn unexpected_reason(error: Option<nbu_api::Error>, endpoint: &str) -> String {
    match error {
        Some(nbu_api::Error::Unexpected {
            endpoint: actual,
            reason,
            ..
        }) if actual == endpoint => reason,
        other => panic!("expected Unexpected about {endpoint}, got {other:?}"),
    }
}

async fn mount_jobs_page(server: &MockServer, after: Option<&str>, body: Value) {
    let mock = Mock::given(method("GET")).and(path("/netbackup/admin/jobs"));
    let mock = match after {
        Some(cursor) => mock.and(query_param("page[after]", cursor)),
        None => mock.and(query_param_is_missing("page[after]")),
    };
    // Served once: a walk that came back for it would get 404 and fail, rather than loop.
    mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_cursor_cycle_ends_the_walk_with_an_error() {
    let server = MockServer::start().await;
    mount_jobs_page(&server, None, jobs_page(0..100, Some("A"))).await;
    mount_jobs_page(&server, Some("A"), jobs_page(100..200, Some("B"))).await;
    // B points back to A: following it would read A, B, A, B… until the caller gives up.
    mount_jobs_page(&server, Some("B"), jobs_page(200..300, Some("A"))).await;

    let client = client(&server);
    let (read, error) = until_error(client.jobs(&JobsQuery::new())).await;
    assert_eq!(read, 3, "the pages before the cycle are good and yielded");
    let reason = unexpected_reason(error, "/admin/jobs");
    assert!(reason.contains("cursor repeated"), "{reason}");
    assert!(reason.contains("\"A\""), "{reason}");
    assert_eq!(client.requests_sent(), 3);
}

#[tokio::test]
async fn a_cursor_pointing_to_itself_ends_the_walk_with_an_error() {
    let server = MockServer::start().await;
    mount_jobs_page(&server, None, jobs_page(0..100, Some("same"))).await;
    mount_jobs_page(&server, Some("same"), jobs_page(100..200, Some("same"))).await;
    let client = client(&server);
    let (read, error) = until_error(client.jobs(&JobsQuery::new())).await;
    assert_eq!(read, 2);
    assert!(unexpected_reason(error, "/admin/jobs").contains("cursor repeated"));
    assert_eq!(client.requests_sent(), 2);
}

/// A server that answers every page with two new jobs and a cursor it never used before (up to
/// a point: past it, 404 ends a walk that is not bounded, instead of hanging the test).
struct EndlessCursors(std::sync::atomic::AtomicI64);

impl wiremock::Respond for EndlessCursors {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n >= 50 {
            return ResponseTemplate::new(404);
        }
        let next = format!("fresh-{n}");
        ResponseTemplate::new(200).set_body_json(jobs_page(2 * n..2 * n + 2, Some(&next)))
    }
}

#[tokio::test]
async fn fresh_cursors_without_end_stop_at_max_pages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(EndlessCursors(std::sync::atomic::AtomicI64::new(0)))
        .mount(&server)
        .await;
    let client = builder(&server).max_pages(5).build().unwrap();
    let (read, error) = until_error(client.jobs(&JobsQuery::new())).await;
    assert_eq!(read, 5);
    let reason = unexpected_reason(error, "/admin/jobs");
    assert!(reason.contains("more than 5 pages"), "{reason}");
    assert!(reason.contains("max_pages"), "{reason}");
    assert_eq!(client.requests_sent(), 5);
}

#[tokio::test]
async fn max_pages_allows_a_listing_of_exactly_that_many_pages() {
    let server = MockServer::start().await;
    mount_jobs_page(&server, None, jobs_page(0..100, Some("c1"))).await;
    mount_jobs_page(&server, Some("c1"), jobs_page(100..110, None)).await;
    let client = builder(&server).max_pages(2).build().unwrap();
    assert_eq!(
        pages(client.jobs(&JobsQuery::new())).await.unwrap().len(),
        2
    );
}

#[test]
fn zero_max_pages_is_refused() {
    let error = Client::builder("https://primary:1556/netbackup")
        .max_pages(0)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            nbu_api::Error::InvalidConfig {
                field: "max_pages",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn slos_whose_server_ignores_the_offset_end_with_an_error() {
    let server = MockServer::start().await;
    // No `meta` (as the 11.0 spec has it) and a full page every time, whatever the offset.
    let data: Vec<Value> = (0..100).map(|id| item("slo", id)).collect();
    Mock::given(method("GET"))
        .and(path("/netbackup/servicecatalog/slos"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": data})))
        .up_to_n_times(3)
        .mount(&server)
        .await;
    let client = client(&server);
    let (read, error) = until_error(client.slos()).await;
    assert_eq!(read, 1, "the repeated page is not yielded");
    let reason = unexpected_reason(error, "/servicecatalog/slos");
    assert!(reason.contains("server ignored page[offset]"), "{reason}");
    assert!(reason.contains("offset 100"), "{reason}");
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn an_offset_listing_without_count_whose_server_ignores_the_offset_ends_with_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/drives"))
        .respond_with(ResponseTemplate::new(200).set_body_json(offset_page(
            "drive",
            0..100,
            json!({"limit": 100}),
        )))
        .up_to_n_times(3)
        .mount(&server)
        .await;
    let client = client(&server);
    let (read, error) = until_error(client.drives()).await;
    assert_eq!(read, 1);
    let reason = unexpected_reason(error, "/storage/drives");
    assert!(reason.contains("server ignored page[offset]"), "{reason}");
    assert_eq!(client.requests_sent(), 2);
}

/// The only page of a one-page job listing.
async fn one_jobs_page(
    client: &Client,
) -> nbu_api::Page<nbu_api::models::Resource<nbu_api::models::Job>> {
    let mut walked = pages(client.jobs(&JobsQuery::new()))
        .await
        .unwrap_or_else(|error| panic!("listing failed: {error}"));
    assert_eq!(walked.len(), 1);
    walked.remove(0)
}

#[tokio::test]
async fn server_time_comes_from_the_date_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Date", "Sun, 06 Nov 1994 08:49:37 GMT")
                .set_body_json(jobs_page(0..3, None)),
        )
        .mount(&server)
        .await;
    let page = one_jobs_page(&client(&server)).await;
    let expected: jiff::Timestamp = "1994-11-06T08:49:37Z".parse().unwrap();
    assert_eq!(page.server_time, Some(expected));
    assert_eq!(page.len(), 3);
}

#[tokio::test]
async fn unreadable_date_header_gives_no_server_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Date", "not a date")
                .set_body_json(jobs_page(0..3, None)),
        )
        .mount(&server)
        .await;
    let page = one_jobs_page(&client(&server)).await;
    assert_eq!(page.server_time, None);
    assert_eq!(page.len(), 3);
}

/// wiremock (hyper) adds a `Date` header to every response that lacks one, so a server that
/// sends none has to be written by hand: it answers one request on loopback, then closes.
#[tokio::test]
async fn missing_date_header_gives_no_server_time() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let answer = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buffer = [0_u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = socket.read(&mut buffer).await.unwrap();
            assert_ne!(read, 0, "client closed before ending its request");
            request.extend_from_slice(&buffer[..read]);
        }
        let body = jobs_page(0..3, None).to_string();
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/vnd.netbackup+json;version=14.0\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        socket.shutdown().await.unwrap();
    });
    let client = Client::builder(&format!("http://{address}/netbackup"))
        .api_key(crate::support::KEY)
        .version(nbu_api::ApiVersion::V14_0)
        .without_rate_limit()
        .build()
        .unwrap();
    let page = one_jobs_page(&client).await;
    answer.await.unwrap();
    assert_eq!(page.server_time, None);
    assert_eq!(page.len(), 3);
}
