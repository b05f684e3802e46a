//! Secrets stay out of Debug output, error text and traces.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use nbu_api::{ApiVersion, Client, JobsQuery, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, builder, fast_retry, jobs_page, pages};

const PASSWORD: &str = "Sup3r-Secret-PassW0rd";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.TEST-TOKEN";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn assert_clean(text: &str) {
    for secret in [KEY, PASSWORD, TOKEN] {
        assert!(
            !text.contains(secret),
            "secret {secret:?} leaked into:\n{text}"
        );
    }
}

#[tokio::test]
async fn debug_and_error_text_never_show_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let key_builder = builder(&server);
    let key_client = key_builder.clone().build().unwrap();
    let login_builder =
        Client::builder(&format!("{}/netbackup", server.uri())).login("monitor", PASSWORD);
    let login_client = login_builder.clone().build().unwrap();
    let error = pages(key_client.jobs(&JobsQuery::new())).await.unwrap_err();
    let url_error = Client::builder("https://monitor:Sup3r-Secret-PassW0rd@primary:1556/netbackup")
        .api_key(KEY)
        .build()
        .unwrap_err();

    let shown = format!(
        "{key_builder:?}\n{key_client:?}\n{login_builder:?}\n{login_client:?}\n{error:?}\n{error}\n{url_error:?}\n{url_error}\n{key_builder:#?}"
    );
    assert_clean(&shown);
    assert!(shown.contains("***"), "{shown}");
    assert!(shown.contains("/admin/jobs"), "{shown}");
}

#[tokio::test]
async fn traces_at_trace_level_hold_no_secret() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    // The test runtime is single-threaded, so a thread default covers every task it spawns.
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/netbackup/login"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"token": TOKEN, "tokenType": "BEARER", "validity": 3600})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jobs_page(0..2, None)))
        .with_priority(2)
        .mount(&server)
        .await;

    let key_client = builder(&server).build().unwrap();
    pages(key_client.jobs(&JobsQuery::new())).await.unwrap();
    let login_client = Client::builder(&format!("{}/netbackup", server.uri()))
        .login("monitor", PASSWORD)
        .version(ApiVersion::V13_0)
        .retry(fast_retry())
        .build()
        .unwrap();
    pages(login_client.jobs(&JobsQuery::new())).await.unwrap();
    let insecure = Client::builder("https://primary.invalid:1556/netbackup")
        .api_key(KEY)
        .insecure_skip_verify(true)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    drop(insecure);

    let text = captured.text();
    assert_clean(&text);
    // The capture did see the requests, with their fields.
    assert!(text.contains("nbu_request"), "{text}");
    assert!(text.contains("endpoint=/admin/jobs"), "{text}");
    assert!(text.contains("status=500"), "{text}");
    assert!(text.contains("retrying"), "{text}");
    assert!(text.contains("insecure_skip_verify"), "{text}");
}
