//! What errors say: the request (method, full URL, API version), what came back, and what to
//! change when a setting can fix it.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use std::time::Duration;

use nbu_api::{ApiVersion, Client, Error, ErrorKind, JobsQuery, RetryPolicy};
use nbu_sim::{Release, Server};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, builder, pages};

#[tokio::test]
async fn an_html_page_with_status_200_is_named_as_html_not_malformed_json() {
    let server = MockServer::start().await;
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>Portal login</title></head><body>{}</body></html>",
        "lorem ipsum ".repeat(100)
    );
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page.clone(), "text/html"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let error = pages(client.jobs(&JobsQuery::new())).await.unwrap_err();
    assert!(matches!(error, Error::NotJson { .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Decode);
    let shown = error.to_string();
    let expected = format!(
        "GET {}/netbackup/admin/jobs (API 14.0): expected JSON but the server sent text/html \
         (status 200, 1,282 bytes): <!DOCTYPE html> <html><head><title>Portal login</title>",
        server.uri()
    );
    assert!(shown.starts_with(&expected), "{shown}");
    assert!(!shown.contains("malformed JSON"), "{shown}");
    // The quote is the start of the page, not the page.
    assert!(shown.len() < expected.len() + 250, "{shown}");
    assert!(shown.ends_with("bytes more)"), "{shown}");
    assert_eq!(page.len(), 1_282);
    // Not retried: the same request would get the same page.
    assert_eq!(client.requests_sent(), 1);
}

#[tokio::test]
async fn an_error_status_with_a_non_json_body_quotes_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/storage-units"))
        .respond_with(ResponseTemplate::new(404).set_body_raw("<h1>No such page</h1>", "text/html"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let error = pages(client.storage_units()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(
        error.to_string(),
        format!(
            "GET {}/netbackup/storage/storage-units (API 14.0): HTTP 404 \
             (text/html, 21 bytes: <h1>No such page</h1>)",
            server.uri()
        )
    );
}

#[tokio::test]
async fn a_timeout_names_the_url_and_the_setting() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(250))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = pages(client.jobs(&JobsQuery::new())).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(
        error.to_string(),
        format!(
            "GET {}/netbackup/admin/jobs (API 14.0): timed out after 0.25s (timeout)",
            server.uri()
        )
    );
    assert_eq!(
        error.url(),
        Some(format!("{}/netbackup/admin/jobs", server.uri()).as_str())
    );
}

/// `apiVersion: "14.0"` pinned against NetBackup 10.5, which serves 12.0 and 10.0.
#[tokio::test]
async fn a_pinned_version_the_server_refuses_says_so_and_what_it_offers() {
    let sim = Server::builder()
        .api_key(KEY)
        .release(Release::V10_5)
        .jobs(3)
        .spawn()
        .await
        .unwrap();
    let client = Client::builder(sim.base_url())
        .api_key(KEY)
        .version(ApiVersion::V14_0)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let expected = "the server does not support API version 14.0 (pinned by apiVersion); \
                    it offers 12.0, 10.0: set apiVersion to 12.0, or remove apiVersion to negotiate";

    // What `check --connect` calls first: an unauthenticated call that tries only the pin.
    let info = client.server_info().await.unwrap_err();
    assert!(matches!(info, Error::VersionRefused { .. }), "{info:?}");
    assert_eq!(
        info.to_string(),
        format!("/security/serverinfo: {expected}")
    );
    assert!(!info.to_string().contains("needs NetBackup"), "{info}");
    assert_eq!(info.kind(), ErrorKind::UnsupportedVersion);
    assert_eq!(info.status(), Some(406));
    assert_eq!(info.api_version(), Some(ApiVersion::V14_0));

    let jobs = pages(client.jobs(&JobsQuery::new())).await.unwrap_err();
    assert_eq!(jobs.to_string(), format!("/admin/jobs: {expected}"));

    // A version chosen by negotiation and then refused is not blamed on apiVersion.
    let negotiated = Client::builder(sim.base_url())
        .api_key(KEY)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let refused = pages(
        negotiated
            .with_version(ApiVersion::V14_0)
            .jobs(&JobsQuery::new()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, Error::Status { status: 406, .. }),
        "{refused:?}"
    );
    assert!(!refused.to_string().contains("apiVersion"), "{refused}");
}
