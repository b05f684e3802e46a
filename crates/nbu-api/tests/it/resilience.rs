//! Retries, backoff budget, Retry-After, and failures that must not be retried.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use std::time::{Duration, Instant};

use nbu_api::{Client, Error, JobsQuery, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, builder, client, jobs_page, pages, received};

/// Answers `status` `times` times, then a one-job page.
async fn fail_then_succeed(server: &MockServer, failures: &[ResponseTemplate]) {
    for (priority, failure) in failures.iter().enumerate() {
        Mock::given(method("GET"))
            .and(path("/netbackup/admin/jobs"))
            .respond_with(failure.clone())
            .up_to_n_times(1)
            .with_priority(u8::try_from(priority + 1).unwrap())
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jobs_page(0..1, None)))
        .with_priority(100)
        .mount(server)
        .await;
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let server = MockServer::start().await;
    fail_then_succeed(
        &server,
        &[ResponseTemplate::new(429).insert_header("Retry-After", "1")],
    )
    .await;
    let client = client(&server);
    let started = Instant::now();
    let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(walked.len(), 1);
    assert!(
        elapsed >= Duration::from_secs(1),
        "retried after only {elapsed:?}"
    );
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_shortened() {
    let server = MockServer::start().await;
    fail_then_succeed(
        &server,
        &[ResponseTemplate::new(503).insert_header("Retry-After", "3600")],
    )
    .await;
    let client = builder(&server)
        .retry(RetryPolicy::default().max_retry_after(Duration::from_millis(20)))
        .build()
        .unwrap();
    let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();
    assert_eq!(walked.len(), 1);
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn server_error_burst_then_success() {
    let server = MockServer::start().await;
    fail_then_succeed(
        &server,
        &[
            ResponseTemplate::new(500),
            ResponseTemplate::new(503),
            ResponseTemplate::new(502),
        ],
    )
    .await;
    let client = client(&server);
    let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();
    assert_eq!(walked[0].len(), 1);
    assert_eq!(client.requests_sent(), 4);
    assert_eq!(received(&server).await, 4);
}

#[tokio::test]
async fn exhausted_budget_reports_attempts_and_last_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"errorCode": 503, "errorMessage": "Service unavailable"})),
        )
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .delays(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    let error = pages(client.jobs(&JobsQuery::new())).await.unwrap_err();
    match &error {
        Error::RetriesExhausted {
            endpoint,
            attempts,
            last,
        } => {
            assert_eq!(endpoint, "/admin/jobs");
            assert_eq!(*attempts, 3);
            assert_eq!(last.status(), Some(503));
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    assert!(error.is_transient());
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.error_code(), Some(503));
    let text = error.to_string();
    assert!(
        text.contains("/admin/jobs") && text.contains("3 attempts") && text.contains("14.0"),
        "{text}"
    );
    assert_eq!(received(&server).await, 3);
}

#[tokio::test]
async fn total_delay_budget_ends_retries_early() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry(
            RetryPolicy::default()
                .max_attempts(10)
                .max_total_delay(Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let error = pages(client.jobs(&JobsQuery::new())).await.unwrap_err();
    // One second of Retry-After does not fit a 50 ms budget: no wait, no second request.
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(error.status(), Some(429));
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn not_found_is_not_retried_and_carries_the_error_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs/42"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"errorCode": 7210, "errorMessage": "The job 42 was not found.", "errorDetails": []}),
        ))
        .mount(&server)
        .await;
    let client = client(&server);
    let error = client.job(42).await.unwrap_err();
    match &error {
        Error::Status {
            method,
            url,
            endpoint,
            version,
            status,
            body,
            ..
        } => {
            assert_eq!(*method, "GET");
            assert_eq!(url, &format!("{}/netbackup/admin/jobs/42", server.uri()));
            assert_eq!(endpoint, "/admin/jobs/42");
            assert_eq!(*version, Some(nbu_api::ApiVersion::V14_0));
            assert_eq!(*status, 404);
            assert_eq!(body.as_ref().and_then(|b| b.error_code), Some(7210));
        }
        other => panic!("expected Status, got {other:?}"),
    }
    assert!(!error.is_transient());
    assert!(
        error.to_string().contains("The job 42 was not found."),
        "{error}"
    );
    assert_eq!(client.requests_sent(), 1);
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn malformed_and_truncated_bodies_are_decode_errors_naming_the_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs/1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"data\": nope}", "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "{\"data\": [{\"type\": \"job\", \"id\": \"1\", \"attr",
            "application/json",
        ))
        .mount(&server)
        .await;
    let client = client(&server);

    let malformed = client.job(1).await.unwrap_err();
    assert!(
        matches!(&malformed, Error::Decode { endpoint, .. } if endpoint == "/admin/jobs/1"),
        "{malformed:?}"
    );
    assert!(
        malformed.to_string().contains("malformed JSON"),
        "{malformed}"
    );

    let truncated = pages(client.jobs(&JobsQuery::new())).await.unwrap_err();
    assert!(
        matches!(&truncated, Error::Decode { endpoint, .. } if endpoint == "/admin/jobs"),
        "{truncated:?}"
    );
    assert!(truncated.to_string().contains("truncated"), "{truncated}");
    assert!(!truncated.is_transient());
    // Decoding failures are not retried.
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported_as_transport_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = Client::builder(&format!("http://127.0.0.1:{port}/netbackup"))
        .api_key(KEY)
        .version(nbu_api::ApiVersion::V14_0)
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .delays(Duration::from_millis(1), Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = pages(client.storage_units()).await.unwrap_err();
    match &error {
        Error::RetriesExhausted { attempts, last, .. } => {
            assert_eq!(*attempts, 2);
            assert!(matches!(**last, Error::Http { .. }), "{last:?}");
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    assert!(error.is_transient());
    assert_eq!(error.kind(), nbu_api::ErrorKind::Connect);
    let shown = error.to_string();
    assert!(
        shown.contains(&format!(
            "GET http://127.0.0.1:{port}/netbackup/storage/storage-units (API 14.0): connection refused"
        )),
        "{shown}"
    );
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn request_timeout_is_transient_and_retried() {
    let server = MockServer::start().await;
    fail_then_succeed(
        &server,
        &[ResponseTemplate::new(200)
            .set_body_json(jobs_page(0..1, None))
            .set_delay(Duration::from_secs(5))],
    )
    .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();
    assert_eq!(walked.len(), 1);
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn rate_limit_is_shared_by_clones() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs/7"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": crate::support::job(7)})),
        )
        .mount(&server)
        .await;
    let client = builder(&server)
        .rate_limit(nbu_api::RateLimit::new(20, 1))
        .build()
        .unwrap();
    let other = client.with_version(nbu_api::ApiVersion::V13_0);
    let started = Instant::now();
    for _ in 0..3 {
        client.job(7).await.unwrap();
        other.job(7).await.unwrap();
    }
    // Six requests at 20/s with no burst need at least five intervals of 50 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(client.requests_sent(), 6);
}

#[tokio::test]
async fn an_extra_limit_slows_only_its_handles_and_meters_count_each_handles_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs/7"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": crate::support::job(7)})),
        )
        .mount(&server)
        .await;
    let client = builder(&server)
        .rate_limit(nbu_api::RateLimit::new(1000, 1000))
        .build()
        .unwrap();
    let share = nbu_api::SharedLimit::new(nbu_api::RateLimit::new(20, 1)).unwrap();
    let (free_wait, shared_wait) = (nbu_api::WaitMeter::new(), nbu_api::WaitMeter::new());
    let free = client.with_wait_meter(&free_wait);
    let shared = client
        .with_extra_limit(&share)
        .with_wait_meter(&shared_wait)
        .with_version(nbu_api::ApiVersion::V13_0);
    let started = Instant::now();
    for _ in 0..4 {
        free.job(7).await.unwrap();
    }
    assert_eq!(
        free_wait.total(),
        Duration::ZERO,
        "the client's own limit is far"
    );
    for _ in 0..4 {
        shared.job(7).await.unwrap();
    }
    // Four requests at 20/s with no burst: three waits of about 50 ms, less the time each
    // request itself took.
    assert!(
        started.elapsed() >= Duration::from_millis(140),
        "{:?}",
        started.elapsed()
    );
    assert!(shared_wait.total() > Duration::ZERO);
    assert_eq!(free_wait.total(), Duration::ZERO, "meters are per handle");
    assert!(shared.extra_limit().is_some() && free.extra_limit().is_none());
    assert_eq!(client.requests_sent(), 8);
}
