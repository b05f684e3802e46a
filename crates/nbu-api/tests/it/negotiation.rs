//! API version negotiation: newest first, 406 moves on, anything else stops.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use nbu_api::{ApiVersion, Client, Error, JobsQuery};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, accepts, fast_retry, jobs_page, media, pages, received};

fn unversioned(server: &MockServer) -> Client {
    Client::builder(&format!("{}/netbackup", server.uri()))
        .api_key(KEY)
        .retry(fast_retry())
        .without_rate_limit()
        .build()
        .unwrap()
}

/// Serves `/admin/jobs` for `version` only; every other version gets 406.
async fn serve_only(server: &MockServer, version: ApiVersion) {
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .and(header("accept", media(version).as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(jobs_page(0..1, None)))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(406).set_body_json(
            serde_json::json!({"errorCode": 9999, "errorMessage": "Not Acceptable"}),
        ))
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn lands_on_the_newest_served_version_after_the_documented_probes() {
    let server = MockServer::start().await;
    serve_only(&server, ApiVersion::V12_0).await;
    let client = unversioned(&server);
    assert_eq!(client.version(), None);

    assert_eq!(client.negotiate().await.unwrap(), ApiVersion::V12_0);
    assert_eq!(client.version(), Some(ApiVersion::V12_0));
    assert_eq!(client.requests_sent(), 3);
    assert_eq!(
        accepts(&server).await,
        [ApiVersion::V14_0, ApiVersion::V13_0, ApiVersion::V12_0].map(media)
    );
    let probes = server.received_requests().await.unwrap();
    assert!(
        probes
            .iter()
            .all(|r| r.url.query() == Some("page%5Blimit%5D=1"))
    );

    // Negotiated once for every clone: later calls go straight to 12.0.
    let clone = client.clone();
    assert_eq!(clone.negotiate().await.unwrap(), ApiVersion::V12_0);
    let walked = pages(clone.jobs(&JobsQuery::new())).await.unwrap();
    assert_eq!(walked.len(), 1);
    assert_eq!(client.requests_sent(), 4);
    assert_eq!(
        accepts(&server).await.last(),
        Some(&media(ApiVersion::V12_0))
    );
}

#[tokio::test]
async fn endpoints_negotiate_lazily_and_concurrent_callers_share_one_probe_run() {
    let server = MockServer::start().await;
    serve_only(&server, ApiVersion::V13_0).await;
    let client = unversioned(&server);
    let clone = client.clone();
    let (a, b) = tokio::join!(client.negotiate(), clone.negotiate());
    assert_eq!(
        (a.unwrap(), b.unwrap()),
        (ApiVersion::V13_0, ApiVersion::V13_0)
    );
    assert_eq!(received(&server).await, 2);
}

#[tokio::test]
async fn a_configured_version_needs_no_probe() {
    let server = MockServer::start().await;
    serve_only(&server, ApiVersion::V10_0).await;
    let client = unversioned(&server).with_version(ApiVersion::V10_0);
    assert_eq!(client.negotiate().await.unwrap(), ApiVersion::V10_0);
    assert_eq!(client.requests_sent(), 0);
    assert_eq!(received(&server).await, 0);

    let configured = Client::builder(&format!("{}/netbackup", server.uri()))
        .api_key(KEY)
        .version(ApiVersion::V10_0)
        .build()
        .unwrap();
    assert_eq!(configured.version(), Some(ApiVersion::V10_0));
    let walked = pages(configured.jobs(&JobsQuery::new())).await.unwrap();
    assert_eq!(walked.len(), 1);
    assert_eq!(accepts(&server).await, [media(ApiVersion::V10_0)]);
}

#[tokio::test]
async fn all_versions_refused_lists_what_was_tried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(406))
        .mount(&server)
        .await;
    let client = unversioned(&server);
    let error = client.negotiate().await.unwrap_err();
    match &error {
        Error::VersionNotSupported { endpoint, tried } => {
            assert_eq!(endpoint, "/admin/jobs");
            assert_eq!(tried, &ApiVersion::ALL.to_vec());
        }
        other => panic!("expected VersionNotSupported, got {other:?}"),
    }
    assert!(
        error.to_string().contains("14.0, 13.0, 12.0, 10.0"),
        "{error}"
    );
    assert_eq!(client.requests_sent(), 4);
    assert_eq!(client.version(), None);
}

#[tokio::test]
async fn unauthorized_during_probing_is_an_auth_error_not_unsupported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .and(query_param("page[limit]", "1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"errorCode": 8000, "errorMessage": "User authentication failed."}),
        ))
        .mount(&server)
        .await;
    let client = unversioned(&server);
    let error = client.negotiate().await.unwrap_err();
    assert!(error.is_unauthorized(), "{error:?}");
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.error_code(), Some(8000));
    assert_eq!(error.api_version(), Some(ApiVersion::V14_0));
    assert!(!matches!(error, Error::VersionNotSupported { .. }));
    assert_eq!(client.requests_sent(), 1);
    assert_eq!(client.version(), None);
}

/// A client negotiated to 13.0, then the server "upgraded" to serve 14.0 only.
async fn negotiated_then_upgraded(server: &MockServer) -> Client {
    serve_only(server, ApiVersion::V13_0).await;
    let client = unversioned(server);
    assert_eq!(client.negotiate().await.unwrap(), ApiVersion::V13_0);
    server.reset().await;
    serve_only(server, ApiVersion::V14_0).await;
    client
}

#[tokio::test]
async fn renegotiate_moves_to_the_newer_version_after_an_upgrade() {
    let server = MockServer::start().await;
    let client = negotiated_then_upgraded(&server).await;
    let clone = client.clone();

    // Negotiation is kept: no probe, still 13.0.
    assert_eq!(clone.negotiate().await.unwrap(), ApiVersion::V13_0);
    assert_eq!(received(&server).await, 0);

    assert_eq!(client.renegotiate().await.unwrap(), ApiVersion::V14_0);
    assert_eq!(accepts(&server).await, [media(ApiVersion::V14_0)]);
    // Shared by every clone, and used by the requests that follow.
    assert_eq!(clone.version(), Some(ApiVersion::V14_0));
    assert_eq!(clone.negotiate().await.unwrap(), ApiVersion::V14_0);
    let walked = pages(clone.jobs(&JobsQuery::new())).await.unwrap();
    assert_eq!(walked.len(), 1);
    assert_eq!(accepts(&server).await, [ApiVersion::V14_0; 2].map(media));
}

#[tokio::test]
async fn concurrent_renegotiations_share_one_probe_run() {
    let server = MockServer::start().await;
    let client = negotiated_then_upgraded(&server).await;
    let clone = client.clone();
    let (a, b, c) = tokio::join!(client.renegotiate(), clone.renegotiate(), clone.negotiate());
    assert_eq!(
        (a.unwrap(), b.unwrap(), c.unwrap()),
        (ApiVersion::V14_0, ApiVersion::V14_0, ApiVersion::V14_0)
    );
    assert_eq!(received(&server).await, 1);

    // A renegotiation asked for after that run probes again.
    assert_eq!(client.renegotiate().await.unwrap(), ApiVersion::V14_0);
    assert_eq!(received(&server).await, 2);
}

#[tokio::test]
async fn a_configured_version_is_never_reprobed() {
    let server = MockServer::start().await;
    serve_only(&server, ApiVersion::V14_0).await;
    let client = unversioned(&server).with_version(ApiVersion::V10_0);
    assert_eq!(client.renegotiate().await.unwrap(), ApiVersion::V10_0);
    assert_eq!(client.version(), Some(ApiVersion::V10_0));
    assert_eq!(received(&server).await, 0);
}

#[tokio::test]
async fn a_cancelled_renegotiation_leaves_the_version_to_be_probed_again() {
    use futures_util::FutureExt;
    let server = MockServer::start().await;
    let client = negotiated_then_upgraded(&server).await;
    server.reset().await;
    // An answer that cannot arrive within one poll: the probe is under way when it is dropped.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(600)))
        .mount(&server)
        .await;
    assert!(client.renegotiate().now_or_never().is_none());
    assert_eq!(client.version(), None, "the old version is forgotten");

    server.reset().await;
    serve_only(&server, ApiVersion::V14_0).await;
    assert_eq!(client.negotiate().await.unwrap(), ApiVersion::V14_0);
    assert_eq!(client.version(), Some(ApiVersion::V14_0));
}

#[tokio::test]
async fn a_failed_renegotiation_is_reported_and_retried_by_the_next_negotiate() {
    let server = MockServer::start().await;
    let client = negotiated_then_upgraded(&server).await;
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(406))
        .mount(&server)
        .await;
    let error = client.renegotiate().await.unwrap_err();
    assert!(
        matches!(error, Error::VersionNotSupported { .. }),
        "{error:?}"
    );
    assert_eq!(client.version(), None);

    server.reset().await;
    serve_only(&server, ApiVersion::V12_0).await;
    assert_eq!(client.negotiate().await.unwrap(), ApiVersion::V12_0);
}
