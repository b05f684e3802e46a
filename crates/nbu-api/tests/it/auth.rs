//! Authentication: API key verbatim, login tokens, renewal and one re-login on 401.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use nbu_api::{ApiVersion, Client, Error};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, client, fast_retry, job, received};

const PASSWORD: &str = "pa55-W0RD-secret";

fn login_client(server: &MockServer) -> Client {
    Client::builder(&format!("{}/netbackup", server.uri()))
        .login("monitor", PASSWORD)
        .login_domain("nbu.example", "vx")
        .version(ApiVersion::V14_0)
        .retry(fast_retry())
        .without_rate_limit()
        .build()
        .unwrap()
}

async fn login_answers(server: &MockServer, tokens: &[(&str, u64)]) {
    for (index, (token, validity)) in tokens.iter().enumerate() {
        Mock::given(method("POST"))
            .and(path("/netbackup/login"))
            .and(header(
                "content-type",
                "application/vnd.netbackup+json;version=14.0",
            ))
            .and(body_json(json!({
                "userName": "monitor",
                "password": PASSWORD,
                "domainName": "nbu.example",
                "domainType": "vx"
            })))
            .respond_with(ResponseTemplate::new(201).set_body_json(
                json!({"token": token, "tokenType": "BEARER", "validity": validity}),
            ))
            .up_to_n_times(1)
            .with_priority(u8::try_from(index + 1).unwrap())
            .mount(server)
            .await;
    }
}

async fn job_for_token(server: &MockServer, token: &str, status: u16) {
    let template = if status == 200 {
        ResponseTemplate::new(200).set_body_json(json!({"data": job(5)}))
    } else {
        ResponseTemplate::new(status)
            .set_body_json(json!({"errorCode": 8000, "errorMessage": "token expired"}))
    };
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs/5"))
        .and(header("authorization", token))
        .respond_with(template)
        .mount(server)
        .await;
}

fn authorizations(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            r.headers
                .get_all("authorization")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[tokio::test]
async fn api_key_is_sent_verbatim_without_bearer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/admin/jobs/5"))
        .and(header(
            "accept",
            "application/vnd.netbackup+json;version=14.0",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": job(5)})))
        .mount(&server)
        .await;
    let job = client(&server).job(5).await.unwrap();
    assert_eq!(job.id, "5");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(authorizations(&requests), [KEY]);
}

#[tokio::test]
async fn login_token_is_used_and_reused_while_fresh() {
    let server = MockServer::start().await;
    login_answers(&server, &[("tok-1", 86_400)]).await;
    job_for_token(&server, "tok-1", 200).await;
    let client = login_client(&server);
    client.job(5).await.unwrap();
    client.clone().job(5).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/netbackup/login",
            "/netbackup/admin/jobs/5",
            "/netbackup/admin/jobs/5"
        ]
    );
    assert_eq!(authorizations(&requests), ["", "tok-1", "tok-1"]);
    assert_eq!(client.requests_sent(), 3);
}

#[tokio::test]
async fn a_token_at_the_end_of_its_validity_is_renewed_before_use() {
    let server = MockServer::start().await;
    login_answers(&server, &[("tok-1", 0), ("tok-2", 0)]).await;
    job_for_token(&server, "tok-1", 200).await;
    job_for_token(&server, "tok-2", 200).await;
    let client = login_client(&server);
    client.job(5).await.unwrap();
    client.job(5).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(authorizations(&requests), ["", "tok-1", "", "tok-2"]);
}

#[tokio::test]
async fn unauthorized_triggers_one_login_then_the_retry_succeeds() {
    let server = MockServer::start().await;
    login_answers(&server, &[("tok-1", 86_400), ("tok-2", 86_400)]).await;
    job_for_token(&server, "tok-1", 401).await;
    job_for_token(&server, "tok-2", 200).await;
    let client = login_client(&server);
    let job = client.job(5).await.unwrap();
    assert_eq!(job.id, "5");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(authorizations(&requests), ["", "tok-1", "", "tok-2"]);
    assert_eq!(client.requests_sent(), 4);
}

#[tokio::test]
async fn unauthorized_after_the_fresh_login_is_reported_not_looped() {
    let server = MockServer::start().await;
    login_answers(
        &server,
        &[("tok-1", 86_400), ("tok-2", 86_400), ("tok-3", 86_400)],
    )
    .await;
    job_for_token(&server, "tok-1", 401).await;
    job_for_token(&server, "tok-2", 401).await;
    let client = login_client(&server);
    let error = client.job(5).await.unwrap_err();
    assert!(error.is_unauthorized(), "{error:?}");
    assert_eq!(error.status(), Some(401));
    assert_eq!(received(&server).await, 4);
}

#[tokio::test]
async fn rejected_login_is_a_login_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/netbackup/login"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"errorCode": 8000, "errorMessage": "The user name, password or API Key is wrong."}),
        ))
        .mount(&server)
        .await;
    let client = login_client(&server);
    let error = client.job(5).await.unwrap_err();
    match &error {
        Error::Login { status, body, .. } => {
            assert_eq!(*status, Some(401));
            assert_eq!(body.as_ref().and_then(|b| b.error_code), Some(8000));
        }
        other => panic!("expected Login, got {other:?}"),
    }
    assert!(error.is_unauthorized());
    assert!(!error.to_string().contains(PASSWORD));
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn server_info_and_ping_need_no_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/ping"))
        .and(header("accept", "text/vnd.netbackup+plain;version=14.0"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-NetBackup-API-Version", "14.0")
                .set_body_string("1519397648169"),
        )
        .mount(&server)
        .await;
    let anonymous = Client::builder(&format!("{}/netbackup", server.uri()))
        .build()
        .unwrap();
    assert_eq!(anonymous.ping().await.unwrap().as_deref(), Some("14.0"));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(authorizations(&requests), [""]);
}
