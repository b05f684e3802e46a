//! A NetBackup upgrade while the exporter runs: the site moves to the newer API version.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use nbu_api::Client;
use nbu_collector::{
    CollectContext, CollectError, Collected, Collector, Publisher, ScheduledCollector, SitePoller,
    SiteSpec,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A collector that succeeds at once: the test is about the site, not about any data.
struct Idle;

#[async_trait]
impl Collector for Idle {
    fn name(&self) -> &'static str {
        "idle"
    }

    fn enabled_by_default(&self) -> bool {
        true
    }

    async fn collect(&self, _ctx: &CollectContext) -> Result<Collected, CollectError> {
        Ok(Collected::default())
    }
}

const EMPTY_JOBS: &str = r#"{"data":[],"meta":{"pagination":{"limit":1}}}"#;

/// Serves API `current` (and refuses newer versions), with `/ping` announcing it.
async fn serve(server: &MockServer, current: &str, newer: &[&str]) {
    server.reset().await;
    for version in newer {
        Mock::given(method("GET"))
            .and(path("/netbackup/admin/jobs"))
            .and(header(
                "accept",
                format!("application/vnd.netbackup+json;version={version}").as_str(),
            ))
            .respond_with(ResponseTemplate::new(406))
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .and(header(
            "accept",
            format!("application/vnd.netbackup+json;version={current}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(EMPTY_JOBS, "application/json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/ping"))
        .respond_with(ResponseTemplate::new(200).insert_header("X-NetBackup-API-Version", current))
        .mount(server)
        .await;
}

fn spec(server: &MockServer, configured: Option<&str>) -> SiteSpec {
    let mut builder =
        Client::builder(&format!("{}/netbackup", server.uri())).api_key("upgrade-test-key");
    if let Some(version) = configured {
        builder = builder.version(version.parse().unwrap());
    }
    SiteSpec {
        site: "s".to_owned(),
        client: builder.build().unwrap(),
        collectors: Arc::new(|_client: Client| {
            vec![ScheduledCollector::new(
                Arc::new(Idle),
                Duration::from_secs(60),
                Duration::from_secs(5),
            )]
        }),
        ping_interval: Duration::from_millis(150),
        ping_timeout: Duration::from_secs(60),
    }
}

async fn version_becomes(publisher: &Publisher, expected: &str) -> bool {
    for _ in 0..100 {
        if publisher
            .snapshot()
            .sites
            .first()
            .and_then(|s| s.api_version.as_deref())
            == Some(expected)
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn a_negotiated_site_moves_to_the_newer_version_after_an_upgrade() {
    let server = MockServer::start().await;
    serve(&server, "13.0", &["14.0"]).await;
    let publisher = Publisher::new();
    let poller = SitePoller::spawn(spec(&server, None), Arc::clone(&publisher));
    assert!(
        version_becomes(&publisher, "13.0").await,
        "negotiated 13.0 first"
    );

    serve(&server, "14.0", &[]).await;
    assert!(
        version_becomes(&publisher, "14.0").await,
        "moved to 14.0 after the upgrade"
    );
    // Settled: no endless re-negotiation once the versions agree.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let probes = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/netbackup/admin/jobs")
        .count();
    assert!(probes <= 2, "{probes} probes after the upgrade");
    poller.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configured_version_is_kept_after_an_upgrade() {
    let server = MockServer::start().await;
    serve(&server, "13.0", &["14.0"]).await;
    let publisher = Publisher::new();
    let poller = SitePoller::spawn(spec(&server, Some("13.0")), Arc::clone(&publisher));
    assert!(version_becomes(&publisher, "13.0").await);
    serve(&server, "14.0", &[]).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        publisher.snapshot().sites[0].api_version.as_deref(),
        Some("13.0"),
        "the operator's choice stands"
    );
    poller.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_negotiated_site_moves_to_the_older_version_after_a_downgrade() {
    let server = MockServer::start().await;
    serve(&server, "14.0", &[]).await;
    let publisher = Publisher::new();
    let poller = SitePoller::spawn(spec(&server, None), Arc::clone(&publisher));
    assert!(
        version_becomes(&publisher, "14.0").await,
        "negotiated 14.0 first"
    );

    // A restore onto an older release: 14.0 is refused from now on, by `/ping` too.
    serve(&server, "12.0", &["14.0", "13.0"]).await;
    Mock::given(method("GET"))
        .and(path("/netbackup/ping"))
        .and(header("accept", "text/vnd.netbackup+plain;version=14.0"))
        .respond_with(ResponseTemplate::new(406))
        .with_priority(1)
        .mount(&server)
        .await;
    assert!(
        version_becomes(&publisher, "12.0").await,
        "moved to 12.0 after the downgrade"
    );
    poller.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_newer_than_the_client_is_not_renegotiated_on_every_ping() {
    let server = MockServer::start().await;
    serve(&server, "14.0", &[]).await;
    // The ping announces a version this client does not know yet.
    server.reset().await;
    serve(&server, "14.0", &[]).await;
    Mock::given(method("GET"))
        .and(path("/netbackup/ping"))
        .respond_with(ResponseTemplate::new(200).insert_header("X-NetBackup-API-Version", "15.0"))
        .with_priority(1)
        .mount(&server)
        .await;
    let publisher = Publisher::new();
    let poller = SitePoller::spawn(spec(&server, None), Arc::clone(&publisher));
    assert!(version_becomes(&publisher, "14.0").await);
    tokio::time::sleep(Duration::from_millis(900)).await;
    let probes = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/netbackup/admin/jobs")
        .count();
    assert!(probes <= 1, "{probes} negotiations against a newer server");
    poller.shutdown().await;
}
