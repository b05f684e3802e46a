//! Page walks: one request per page, the right stop condition for each paging style.

use nbu_api::{Filter, JobsQuery, Sort};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, item, jobs_page, pages, received};

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
