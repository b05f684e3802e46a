//! Injected faults: what a flaky network, an overloaded server or a proxy in front of NetBackup does
//! to a client. Every random decision comes from a seeded generator, so a test sees the same sequence
//! of faults on every run.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::prng::SplitMix64;

/// What to do to connections, independent of requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionFault {
    /// Accept connections and close them at once (requests on open keep-alive connections are cut too).
    Close,
    /// Stop listening: new connections are refused until the fault is cleared.
    Refuse,
}

/// Fault settings (`POST /_sim/faults` takes them as camelCase JSON, e.g.
/// `{"errorRate":0.2,"errorStatus":503,"pathPrefix":"/admin/jobs"}`). All rates are fractions of
/// requests in `0.0..=1.0`; the request-level rates are exclusive of one another and must sum to at
/// most 1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Faults {
    /// Added to every affected request before it is answered.
    pub latency_ms: u64,
    /// Fraction answered with `error_status` and a NetBackup error body.
    pub error_rate: f64,
    /// 500, 502, 503 or 504 (default 503). 503 answers carry `Retry-After`.
    pub error_status: Option<u16>,
    /// Fraction answered 429 with `Retry-After`, as a proxy or load balancer would.
    pub too_many_requests_rate: f64,
    /// `Retry-After` seconds on 429 and 503 answers (default 1).
    pub retry_after_secs: Option<u64>,
    /// A server-side rate limit in requests per second (token bucket, burst = one second's worth);
    /// requests over it get 429.
    pub rate_limit_per_sec: Option<f64>,
    /// Fraction of successful JSON answers whose body is cut and made syntactically invalid.
    pub malformed_json_rate: f64,
    /// Fraction of successful answers that announce the full `Content-Length` but send only half
    /// the body before closing the connection.
    pub truncated_body_rate: f64,
    /// Fraction of requests that are never answered (until the client gives up or the simulator stops).
    pub stall_rate: f64,
    /// Connection-level fault. New connections are closed or refused whatever `path_prefix` says
    /// (a connection has no path yet); requests on already open connections are cut only when their
    /// path matches.
    pub connection: Option<ConnectionFault>,
    /// Only requests whose path (after `/netbackup`) starts with this are affected, e.g. `/admin/jobs`.
    pub path_prefix: Option<String>,
    /// Seed of the fault decisions (default: the simulator's seed).
    pub seed: Option<u64>,
}

/// Faults that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid faults: {0}")]
pub struct InvalidFaults(pub String);

impl Faults {
    /// Checks ranges; the error names the offending setting.
    pub fn validate(&self) -> Result<(), InvalidFaults> {
        let rates = [
            ("errorRate", self.error_rate),
            ("tooManyRequestsRate", self.too_many_requests_rate),
            ("malformedJsonRate", self.malformed_json_rate),
            ("truncatedBodyRate", self.truncated_body_rate),
            ("stallRate", self.stall_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(InvalidFaults(format!(
                    "{name} = {rate} is not a fraction between 0 and 1"
                )));
            }
        }
        let sum: f64 = rates.iter().map(|(_, rate)| rate).sum();
        if sum > 1.0 + 1e-9 {
            return Err(InvalidFaults(format!(
                "the request fault rates add up to {sum}, more than 1"
            )));
        }
        if let Some(status) = self.error_status
            && !matches!(status, 500 | 502 | 503 | 504)
        {
            return Err(InvalidFaults(format!(
                "errorStatus = {status}: use 500, 502, 503 or 504"
            )));
        }
        if let Some(limit) = self.rate_limit_per_sec
            && !(limit.is_finite() && limit > 0.0)
        {
            return Err(InvalidFaults(format!(
                "rateLimitPerSec = {limit} must be a positive number"
            )));
        }
        if let Some(prefix) = &self.path_prefix
            && !prefix.starts_with('/')
        {
            return Err(InvalidFaults(format!(
                "pathPrefix {prefix:?} must start with '/' (e.g. \"/admin/jobs\")"
            )));
        }
        Ok(())
    }

    /// Whether requests to `path` (without `/netbackup`) are affected.
    pub(crate) fn applies_to(&self, path: &str) -> bool {
        self.path_prefix
            .as_deref()
            .is_none_or(|prefix| path.starts_with(prefix))
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Serve,
    Error {
        status: u16,
        retry_after: Option<u64>,
    },
    TooManyRequests {
        retry_after: u64,
    },
    Malformed,
    Truncated,
    Stall,
    Close,
}

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) latency: Duration,
    pub(crate) action: Action,
}

/// Current faults plus the state their decisions need.
#[derive(Debug)]
pub(crate) struct FaultState {
    faults: Faults,
    default_seed: u64,
    rng: SplitMix64,
    tokens: f64,
    refilled: Option<Instant>,
}

impl FaultState {
    pub(crate) fn new(faults: Faults, default_seed: u64) -> Self {
        let rng = SplitMix64::new(faults.seed.unwrap_or(default_seed) ^ 0xFA17_5EED);
        Self {
            faults,
            default_seed,
            rng,
            tokens: 0.0,
            refilled: None,
        }
    }

    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Replaces the faults and restarts their random sequence.
    pub(crate) fn set(&mut self, faults: Faults) {
        *self = Self::new(faults, self.default_seed);
    }

    /// The connection fault, if any.
    pub(crate) fn connection(&self) -> Option<ConnectionFault> {
        self.faults.connection
    }

    /// Decides what happens to a request for `path` arriving at `now`.
    pub(crate) fn decide(&mut self, path: &str, now: Instant) -> Plan {
        let serve = Plan {
            latency: Duration::ZERO,
            action: Action::Serve,
        };
        if !self.faults.applies_to(path) {
            return serve;
        }
        let latency = Duration::from_millis(self.faults.latency_ms);
        if self.faults.connection == Some(ConnectionFault::Close) {
            return Plan {
                latency,
                action: Action::Close,
            };
        }
        let retry_after = self.faults.retry_after_secs.unwrap_or(1);
        if let Some(limit) = self.faults.rate_limit_per_sec {
            let capacity = limit.max(1.0);
            let elapsed = self.refilled.map_or(capacity / limit, |at| {
                now.saturating_duration_since(at).as_secs_f64()
            });
            self.tokens = (self.tokens + elapsed * limit).min(capacity);
            self.refilled = Some(now);
            if self.tokens < 1.0 {
                return Plan {
                    latency,
                    action: Action::TooManyRequests { retry_after },
                };
            }
            self.tokens -= 1.0;
        }
        let draw = self.rng.unit();
        let f = &self.faults;
        let status = f.error_status.unwrap_or(503);
        let choices = [
            (f.stall_rate, Action::Stall),
            (
                f.error_rate,
                Action::Error {
                    status,
                    retry_after: (status == 503).then_some(retry_after),
                },
            ),
            (
                f.too_many_requests_rate,
                Action::TooManyRequests { retry_after },
            ),
            (f.malformed_json_rate, Action::Malformed),
            (f.truncated_body_rate, Action::Truncated),
        ];
        let mut edge = 0.0;
        for (rate, action) in choices {
            edge += rate;
            if draw < edge {
                return Plan { latency, action };
            }
        }
        Plan {
            latency,
            action: Action::Serve,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_bad_setting() {
        assert!(Faults::default().validate().is_ok());
        let bad = Faults {
            error_rate: 1.5,
            ..Faults::default()
        };
        assert!(bad.validate().expect_err("rate").0.contains("errorRate"));
        let bad = Faults {
            error_rate: 0.6,
            stall_rate: 0.6,
            ..Faults::default()
        };
        assert!(bad.validate().is_err());
        let bad = Faults {
            error_status: Some(404),
            ..Faults::default()
        };
        assert!(
            bad.validate()
                .expect_err("status")
                .0
                .contains("errorStatus")
        );
        let bad = Faults {
            path_prefix: Some("admin".into()),
            ..Faults::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn decisions_are_seeded_and_respect_rates_and_prefix() {
        let faults = Faults {
            error_rate: 0.3,
            path_prefix: Some("/admin/jobs".into()),
            seed: Some(5),
            ..Faults::default()
        };
        let now = Instant::now();
        let run = || {
            let mut state = FaultState::new(faults.clone(), 1);
            (0..1000)
                .map(|_| state.decide("/admin/jobs", now).action)
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let errors = first
            .iter()
            .filter(|a| {
                matches!(
                    a,
                    Action::Error {
                        status: 503,
                        retry_after: Some(1)
                    }
                )
            })
            .count();
        assert!((200..400).contains(&errors), "{errors}");
        let mut state = FaultState::new(faults, 1);
        assert!((0..100).all(|_| state.decide("/storage/disk-pools", now).action == Action::Serve));
    }

    #[test]
    fn rate_limit_refills_over_time() {
        let faults = Faults {
            rate_limit_per_sec: Some(2.0),
            ..Faults::default()
        };
        let mut state = FaultState::new(faults, 1);
        let t0 = Instant::now();
        let actions: Vec<Action> = (0..3).map(|_| state.decide("/x", t0).action).collect();
        assert_eq!(actions[..2], [Action::Serve, Action::Serve]);
        assert_eq!(actions[2], Action::TooManyRequests { retry_after: 1 });
        assert_eq!(
            state.decide("/x", t0 + Duration::from_millis(600)).action,
            Action::Serve
        );
    }
}
