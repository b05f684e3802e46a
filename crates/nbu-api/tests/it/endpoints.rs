//! Each endpoint's path, paging style, page size and decoding, against spec-shaped answers.

use nbu_api::{ApiVersion, Client, Filter};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, item, pages, received};

fn data(kind: &str, ids: std::ops::Range<u64>) -> Vec<Value> {
    ids.map(|id| item(kind, id)).collect()
}

#[tokio::test]
async fn slos_stop_on_a_short_page_without_meta() {
    let server = MockServer::start().await;
    for (offset, ids) in [(0_u64, 0..100_u64), (100, 100..103)] {
        Mock::given(method("GET"))
            .and(path("/netbackup/servicecatalog/slos"))
            .and(query_param("page[offset]", offset.to_string()))
            .and(query_param("page[limit]", "100"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"data": data("slov3", ids)})),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let walked = pages(client.slos()).await.unwrap();
    let sizes: Vec<usize> = walked.iter().map(|p| p.len()).collect();
    assert_eq!(sizes, [100, 3]);
    assert!(walked.iter().all(|p| p.total.is_none()));
    assert_eq!(client.requests_sent(), 2);
    assert_eq!(received(&server).await, 2);
}

#[tokio::test]
async fn alerts_walk_by_page_and_pages_and_send_the_filter() {
    let server = MockServer::start().await;
    for (page, offset, ids) in [(0_u64, 0_u64, 0..100_u64), (1, 100, 100..200)] {
        Mock::given(method("GET"))
            .and(path("/netbackup/manage/alerts"))
            .and(query_param("filter", "severity eq 'ERROR'"))
            .and(query_param("page[offset]", offset.to_string()))
            .and(query_param("page[limit]", "100"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": data("alert", ids),
                "meta": {"pagination": {"page": page, "pages": 2, "offset": offset, "limit": 100}}
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let walked = pages(client.alerts(Some(Filter::eq("severity", "ERROR"))))
        .await
        .unwrap();
    assert_eq!(walked.len(), 2);
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn tape_media_follow_the_cursor_and_drives_use_offsets() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/tape-media"))
        .and(query_param_is_missing("page[after]"))
        .and(query_param("page[limit]", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": data("tapeMedia", 0..100),
            "meta": {"pagination": {"limit": 100}},
            "links": {"pagination": {"next": {"href": "https://primary:1556/netbackup/storage/tape-media?page%5Blimit%5D=100&page%5Bafter%5D=A0099"}}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/tape-media"))
        .and(query_param("page[after]", "A0099"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": data("tapeMedia", 100..101), "meta": {"pagination": {"limit": 100, "prev": "A0100"}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/drives"))
        .and(query_param("page[offset]", "0"))
        .and(query_param("page[limit]", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": data("tapeDrive", 0..3), "meta": {"pagination": {"count": 3, "offset": 0, "limit": 100}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(pages(client.tape_media()).await.unwrap().len(), 2);
    let drives = pages(client.drives()).await.unwrap();
    assert_eq!(drives.len(), 1);
    assert_eq!(drives[0].total, Some(3));
    assert_eq!(client.requests_sent(), 3);
}

#[tokio::test]
async fn every_list_endpoint_uses_its_documented_path_and_page_size() {
    let server = MockServer::start().await;
    let cases: [(&str, &str, Option<&str>); 9] = [
        ("/storage/disk-pools", "500", Some("0")),
        ("/storage/tape-volume-pools", "100", None),
        ("/malware/latest-scan-results", "100", Some("0")),
        ("/catalog/images", "100", Some("0")),
        ("/catalog/slp-images", "1000", None),
        ("/config/media-servers", "500", Some("0")),
        ("/storage/storage-units", "500", Some("0")),
        ("/admin/jobs", "100", None),
        ("/manage/alerts", "100", Some("0")),
    ];
    for (endpoint, limit, offset) in cases {
        let mut mock = Mock::given(method("GET"))
            .and(path(format!("/netbackup{endpoint}")))
            .and(query_param("page[limit]", limit));
        mock = match offset {
            Some(offset) => mock.and(query_param("page[offset]", offset)),
            None => mock.and(query_param_is_missing("page[offset]")),
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/robots-device-hosts"))
        .and(query_param_is_missing("page[limit]"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "hostname1.com", "type": "deviceHost"}, {"id": "hostname2.com", "type": "deviceHost"}]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    pages(client.disk_pools()).await.unwrap();
    pages(client.tape_volume_pools()).await.unwrap();
    pages(client.malware_scan_results(None)).await.unwrap();
    pages(client.catalog_images(None)).await.unwrap();
    pages(client.slp_images()).await.unwrap();
    pages(client.media_servers()).await.unwrap();
    pages(client.storage_units()).await.unwrap();
    pages(client.jobs(&nbu_api::JobsQuery::new()))
        .await
        .unwrap();
    pages(client.alerts(None)).await.unwrap();
    let hosts = pages(client.robots_device_hosts()).await.unwrap();
    let ids: Vec<&str> = hosts
        .iter()
        .flat_map(|p| p.items.iter().map(|h| h.id.as_str()))
        .collect();
    assert_eq!(ids, ["hostname1.com", "hostname2.com"]);
    assert_eq!(client.requests_sent(), 10);
}

#[tokio::test]
async fn jobs_count_posts_the_filter_with_the_versioned_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/netbackup/admin/jobs-count-requests"))
        .and(header("content-type", "application/vnd.netbackup+json;version=14.0"))
        .and(header("accept", "application/vnd.netbackup+json;version=14.0"))
        .and(body_json(json!({"data": {"type": "jobCount", "attributes": {"filter": "state eq 'ACTIVE'"}}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"type": "jobCount", "id": "1", "attributes": {"count": 42, "filter": "state eq 'ACTIVE'"}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/netbackup/admin/jobs-count-requests"))
        .and(body_json(
            json!({"data": {"type": "jobCount", "attributes": {}}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"attributes": {}}})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(
        client
            .jobs_count(Some(&Filter::eq("state", "ACTIVE")))
            .await
            .unwrap(),
        42
    );
    let missing = client.jobs_count(None).await.unwrap_err();
    assert!(
        matches!(missing, nbu_api::Error::Unexpected { .. }),
        "{missing:?}"
    );
    assert!(
        missing.to_string().contains("/admin/jobs-count-requests"),
        "{missing}"
    );
}

#[tokio::test]
async fn catalog_images_count_reads_meta_count_from_a_one_image_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/catalog/images"))
        .and(query_param("page[limit]", "1"))
        .and(query_param("filter", "backupTime ge 2024-01-01T00:00:00.000Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"type": "image", "id": "client_1700000000", "attributes": {"clientName": "c"}}],
            "meta": {"pagination": {"count": 1234, "offset": 0, "limit": 1, "next": 1, "last": 1233}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let since: jiff::Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
    let count = client(&server)
        .catalog_images_count(Some(&Filter::ge("backupTime", since)))
        .await
        .unwrap();
    assert_eq!(count, 1234);
}

#[tokio::test]
async fn hosts_licensing_and_server_info_decode() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/config/hosts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "hosts": [{"hostName": "primary.example.com", "uuid": "u-1"}, {"hostName": "media1"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/licensing/capacity"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"type": "capacityLicensing", "id": "1", "attributes": {"masterConsumptionMB": 2048.5}}],
            "meta": {"pagination": {"count": 1, "offset": 0, "limit": 10}}
        })))
        .mount(&server)
        .await;
    // Server info needs no credentials: a client without any must still read it.
    Mock::given(method("GET"))
        .and(path("/netbackup/security/serverinfo"))
        .and(header(
            "accept",
            "application/vnd.netbackup+json;version=13.0",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "serverName": "primary.example.com", "nbuVersion": "11.0", "masterHostId": "h-1"
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/security/serverinfo"))
        .respond_with(ResponseTemplate::new(406))
        .with_priority(2)
        .mount(&server)
        .await;

    let client = client(&server);
    let hosts = client.hosts().await.unwrap();
    assert_eq!(hosts.len(), 2);
    let capacity = client.licensing_capacity().await.unwrap();
    assert_eq!(capacity.master_consumption_mb, Some(2048.5));

    let anonymous = Client::builder(&format!("{}/netbackup", server.uri()))
        .build()
        .unwrap();
    let info = anonymous.server_info().await.unwrap();
    assert_eq!(info.nbu_version.as_deref(), Some("11.0"));
    assert_eq!(anonymous.requests_sent(), 2, "14.0 refused, then 13.0");
    // Reading server info does not count as negotiation.
    assert_eq!(anonymous.version(), None);
    let pinned = anonymous.with_version(ApiVersion::V13_0);
    pinned.server_info().await.unwrap();
    assert_eq!(pinned.requests_sent(), 3);
}
