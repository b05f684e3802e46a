//! Shared helpers: starting simulators and talking to them like a client would.

use std::time::Duration;

use nbu_sim::{Release, Server, ServerBuilder, SimHandle};
use serde_json::Value;

/// A fixed end of history, so that estates are identical across runs.
pub(crate) fn fixed_now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_760_000_000).expect("valid timestamp")
}

/// A builder for a small, reproducible estate.
pub(crate) fn small(release: Release) -> ServerBuilder {
    Server::builder()
        .release(release)
        .jobs(600)
        .clients(60)
        .seed(42)
        .now(fixed_now())
}

pub(crate) fn client() -> reqwest::Client {
    // reqwest is built without a crypto provider (ring only, per the workspace's TLS decision).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client builds")
}

/// The `Accept` value for an API version.
pub(crate) fn accept(version: &str) -> String {
    format!("application/vnd.netbackup+json;version={version}")
}

/// A response, read completely.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) text: String,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|err| {
            panic!(
                "status {} body is not JSON ({err}): {}",
                self.status, self.text
            )
        })
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a NetBackup error body and returns its message.
    pub(crate) fn error_message(&self, status: u16) -> String {
        assert_eq!(self.status, status, "body: {}", self.text);
        let body = self.json();
        assert!(body["errorCode"].is_i64(), "errorCode missing: {body}");
        body["errorMessage"]
            .as_str()
            .expect("errorMessage")
            .to_owned()
    }
}

/// A client bound to one simulator, sending the release's version and the API key.
pub(crate) struct Api<'a> {
    pub(crate) sim: &'a SimHandle,
    pub(crate) http: reqwest::Client,
    pub(crate) version: String,
}

impl<'a> Api<'a> {
    pub(crate) fn new(sim: &'a SimHandle) -> Self {
        Self {
            sim,
            http: client(),
            version: sim.api_version().to_string(),
        }
    }

    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.sim.base_url())
    }

    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request completes");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body reads");
        Answer {
            status,
            headers,
            text,
        }
    }

    /// GET with the API key and the default version.
    pub(crate) async fn get(&self, path_and_query: &str) -> Answer {
        let request = self
            .http
            .get(self.url(path_and_query))
            .header("Authorization", self.sim.api_key())
            .header("Accept", accept(&self.version));
        self.send(request).await
    }

    /// GET with a query given as pairs (encoded here).
    pub(crate) async fn get_query(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        let mut url = reqwest::Url::parse(&self.url(path)).expect("valid url");
        url.query_pairs_mut().extend_pairs(query);
        let request = self
            .http
            .get(url)
            .header("Authorization", self.sim.api_key())
            .header("Accept", accept(&self.version));
        self.send(request).await
    }

    /// POST a JSON body with the version in Content-Type and Accept.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Answer {
        let request = self
            .http
            .post(self.url(path))
            .header("Authorization", self.sim.api_key())
            .header("Accept", accept(&self.version))
            .header("Content-Type", accept(&self.version))
            .body(body.to_string());
        self.send(request).await
    }

    /// Follows `meta.pagination.next` from the first page and returns every page body.
    pub(crate) async fn walk_jobs(&self, query: &[(&str, &str)]) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut pairs: Vec<(&str, &str)> = query.to_vec();
            if let Some(cursor) = &after {
                pairs.push(("page[after]", cursor));
            }
            let answer = self.get_query("/admin/jobs", &pairs).await;
            assert_eq!(answer.status, 200, "{}", answer.text);
            let body = answer.json();
            after = body["meta"]["pagination"]["next"]
                .as_str()
                .map(str::to_owned);
            pages.push(body);
            if after.is_none() {
                return pages;
            }
            assert!(pages.len() < 20_000, "pagination does not end");
        }
    }
}

/// Job ids of every page, in order.
pub(crate) fn job_ids(pages: &[Value]) -> Vec<u64> {
    pages
        .iter()
        .flat_map(|page| page["data"].as_array().cloned().unwrap_or_default())
        .map(|job| job["attributes"]["jobId"].as_u64().expect("jobId"))
        .collect()
}
