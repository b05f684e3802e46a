//! Shared helpers of the HTTP-level tests: a wiremock server and a client pointed at it.

use std::time::Duration;

use futures_util::{Stream, TryStreamExt};
use nbu_api::{ApiVersion, Client, ClientBuilder, Error, Page, RetryPolicy};
use serde_json::{Value, json};
use wiremock::MockServer;

/// An API key shaped like the ones NetBackup issues; tests look for it in every output.
pub(crate) const KEY: &str = "A1uMjmj93mrpsW9qWroT-paNdMSDPdTESTKEY-Mc0mkFn6";

/// The media type of `version`, as sent in `Accept`.
pub(crate) fn media(version: ApiVersion) -> String {
    format!("application/vnd.netbackup+json;version={version}")
}

/// Retries in milliseconds so that failure paths stay fast.
pub(crate) fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .delays(Duration::from_millis(1), Duration::from_millis(5))
}

/// A client for `server` with the test key, API version 14.0 configured, fast retries and no
/// rate limit.
pub(crate) fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder(&format!("{}/netbackup", server.uri()))
        .api_key(KEY)
        .version(ApiVersion::V14_0)
        .retry(fast_retry())
        .without_rate_limit()
}

pub(crate) fn client(server: &MockServer) -> Client {
    match builder(server).build() {
        Ok(client) => client,
        Err(error) => panic!("test client does not build: {error}"),
    }
}

/// A job resource as `GET /admin/jobs` returns it.
pub(crate) fn job(id: i64) -> Value {
    json!({
        "type": "job",
        "id": id.to_string(),
        "attributes": {"jobId": id, "jobType": "BACKUP", "state": "DONE", "status": 0},
        "meta": {"page": {"cursor": format!("cursor-{id}")}}
    })
}

/// A generic resource with an id, for endpoints whose attributes do not matter to the test.
pub(crate) fn item(kind: &str, id: u64) -> Value {
    json!({"type": kind, "id": id.to_string(), "attributes": {}})
}

/// A cursor-paginated jobs page holding `ids`, pointing to `next` when given.
pub(crate) fn jobs_page(ids: std::ops::Range<i64>, next: Option<&str>) -> Value {
    let data: Vec<Value> = ids.map(job).collect();
    let mut pagination = json!({"limit": 100});
    if let Some(next) = next {
        pagination["next"] = json!(next);
    }
    json!({"data": data, "meta": {"pagination": pagination}})
}

/// Every page of `stream`, or the first error.
pub(crate) async fn pages<T>(
    stream: impl Stream<Item = Result<Page<T>, Error>>,
) -> Result<Vec<Page<T>>, Error> {
    stream.try_collect().await
}

/// The number of requests wiremock received.
pub(crate) async fn received(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .map(|requests| requests.len())
        .unwrap_or_default()
}

/// The `Accept` header of every request wiremock received, in order.
pub(crate) async fn accepts(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|request| {
            request
                .headers
                .get("accept")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}
