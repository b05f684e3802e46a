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

/// A key with the characters that URL and JSON encodings change.
const ODD_KEY: &str = "Zq9+Tr/Lm=Xv\"Wp-ECHOED-KEY-7";

/// Every form of `secret` a server might echo: as sent, lower-cased, percent-encoded, JSON-escaped.
fn forms(secret: &str) -> Vec<String> {
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let json = serde_json::to_string(secret).unwrap();
    let json = json.trim_matches('"').to_owned();
    vec![
        secret.to_owned(),
        secret.to_ascii_lowercase(),
        encoded.replace('+', "%20"),
        encoded,
        json.replace('/', "\\/"),
        json,
    ]
}

/// The error's Display, alternate Display, Debug and every source's Display and Debug.
fn every_rendering(error: &nbu_api::Error) -> String {
    let mut text = format!("{error}\n{error:#}\n{error:?}\n{error:#?}\n");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!("{cause}\n{cause:?}\n"));
        source = cause.source();
    }
    text
}

fn assert_no_form_of(secrets: &[&str], text: &str) {
    for secret in secrets {
        for form in forms(secret) {
            assert!(
                !text.contains(&form),
                "secret form {form:?} leaked into:\n{text}"
            );
        }
    }
}

/// A body that echoes `secret` in every way a careless server or proxy does.
fn echoing_body(secret: &str) -> serde_json::Value {
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    json!({
        "errorCode": 8000,
        "errorMessage": format!(
            "User authentication failed. Authorization: {secret}; sent Bearer {secret}; \
             url ?key={encoded}; lower {}",
            secret.to_ascii_lowercase()
        ),
        "errorDetails": [{"header": format!("Authorization: Bearer {secret}"), secret: secret}],
        "attributeErrors": {"apiKey": secret, "echo": serde_json::to_string(secret).unwrap()},
        "fileUploadErrors": [secret]
    })
}

#[tokio::test]
async fn a_server_echoing_the_key_in_any_form_leaks_it_nowhere() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(401).set_body_json(echoing_body(ODD_KEY)))
        .mount(&server)
        .await;
    // A proxy's HTML error page, an HTML page with status 200 and a JSON page of the wrong
    // shape, each quoting the key.
    let html = format!(
        "<html><body>Bad request<pre>Authorization: {ODD_KEY}\n{ODD_KEY}</pre></body></html>"
    );
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/storage-units"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(html.clone(), "text/html"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/disk-pools"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(html, "text/html; charset=utf-8"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": ODD_KEY})))
        .mount(&server)
        .await;
    let client = Client::builder(&format!("{}/netbackup", server.uri()))
        .api_key(ODD_KEY)
        .version(ApiVersion::V14_0)
        .retry(RetryPolicy::none())
        .without_rate_limit()
        .build()
        .unwrap();

    let unauthorized = pages(client.jobs(&JobsQuery::new())).await.unwrap_err();
    assert!(unauthorized.is_unauthorized(), "{unauthorized:?}");
    assert_eq!(unauthorized.error_code(), Some(8000));
    let proxy = pages(client.storage_units()).await.unwrap_err();
    let html_ok = pages(client.disk_pools()).await.unwrap_err();
    let shape = client.job(1).await.unwrap_err();

    let mut shown = String::new();
    for error in [&unauthorized, &proxy, &html_ok, &shape] {
        shown.push_str(&every_rendering(error));
    }
    assert_no_form_of(&[ODD_KEY], &shown);
    // Not even a part of it: masking must not stop at the quote inside the key.
    assert!(!shown.contains("ECHOED"), "{shown}");
    // What was not secret survives, so the errors stay useful.
    assert!(shown.contains("User authentication failed."), "{shown}");
    assert!(shown.contains("Bad request"), "{shown}");
    assert!(shown.contains("***"), "{shown}");
    assert!(
        unauthorized
            .error_body()
            .and_then(|b| b.error_message.as_deref())
            .is_some_and(|m| m.contains("Authorization: ***")),
        "{unauthorized:?}"
    );
}

#[tokio::test]
async fn a_server_echoing_the_password_or_token_leaks_neither() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/netbackup/login"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"token": TOKEN, "tokenType": "BEARER", "validity": 3600})),
        )
        .mount(&server)
        .await;
    // The token is refused and echoed together with the password, also after a fresh login.
    let mut body = echoing_body(TOKEN);
    body["errorDetails"]
        .as_array_mut()
        .unwrap()
        .push(json!(format!("password was {PASSWORD}")));
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(401).set_body_json(body))
        .mount(&server)
        .await;
    let client = Client::builder(&format!("{}/netbackup", server.uri()))
        .login("monitor", PASSWORD)
        .version(ApiVersion::V14_0)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = pages(client.jobs(&JobsQuery::new())).await.unwrap_err();
    assert!(error.is_unauthorized(), "{error:?}");
    let shown = every_rendering(&error);
    assert_no_form_of(&[TOKEN, PASSWORD], &shown);
    assert!(!shown.contains("TEST-TOKEN"), "{shown}");
    assert!(shown.contains("password was ***"), "{shown}");
}

#[tokio::test]
async fn relayed_server_text_is_capped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "errorCode": 1,
            "errorMessage": "x".repeat(10_000),
            "errorDetails": ["y".repeat(10_000)]
        })))
        .mount(&server)
        .await;
    let client = builder(&server).retry(RetryPolicy::none()).build().unwrap();
    let error = pages(client.jobs(&JobsQuery::new())).await.unwrap_err();
    let shown = error.to_string();
    assert!(shown.len() < 1_000, "{} chars: {shown}", shown.len());
    assert!(shown.ends_with("x… (9,488 bytes more)"), "{shown}");
    let debug = format!("{error:?}");
    assert!(debug.len() < 2_500, "{} chars: {debug}", debug.len());
}
