//! Request counters per endpoint, so tests can assert how many API calls a collection made.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counters for one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointStats {
    /// Requests received (including those answered by an injected fault or an error).
    pub requests: u64,
    /// Responses sent, by HTTP status. Requests that never got an answer (stalled, connection closed)
    /// are in `requests` only.
    pub statuses: BTreeMap<u16, u64>,
}

/// Request counters of a simulator (`GET /_sim/stats`). `/_sim/*` calls are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// All counted requests.
    pub total: u64,
    /// Per endpoint, keyed `"METHOD /path-template"` without the `/netbackup` prefix, e.g.
    /// `"GET /admin/jobs"`, `"GET /admin/jobs/{jobId}"`, `"POST /login"`; unknown paths count under
    /// `"METHOD (unknown)"`.
    pub endpoints: BTreeMap<String, EndpointStats>,
}

impl Stats {
    /// Requests received by `endpoint` (e.g. `"GET /admin/jobs"`); 0 when never called.
    pub fn requests(&self, endpoint: &str) -> u64 {
        self.endpoints.get(endpoint).map_or(0, |e| e.requests)
    }

    /// Responses `endpoint` answered with `status`.
    pub fn responses(&self, endpoint: &str, status: u16) -> u64 {
        self.endpoints
            .get(endpoint)
            .and_then(|e| e.statuses.get(&status))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn record_request(&mut self, endpoint: &str) {
        self.total += 1;
        self.endpoints
            .entry(endpoint.to_owned())
            .or_default()
            .requests += 1;
    }

    pub(crate) fn record_status(&mut self, endpoint: &str, status: u16) {
        *self
            .endpoints
            .entry(endpoint.to_owned())
            .or_default()
            .statuses
            .entry(status)
            .or_default() += 1;
    }
}
