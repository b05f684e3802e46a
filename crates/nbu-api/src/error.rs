//! The one error type of this crate.
//!
//! Every variant that comes from a call says what was asked (endpoint, API version) and what
//! came back (HTTP status, NetBackup `errorCode`/`errorMessage`). None of them can hold the API
//! key, a password or a token: requests are described by their path, and base URLs with
//! credentials in them are refused before they are stored.

use crate::models::ErrorBody;
use crate::version::ApiVersion;

/// Everything that can go wrong building a [`Client`](crate::Client) or calling NetBackup.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The base URL given to [`Client::builder`](crate::Client::builder) is unusable.
    #[error("invalid NetBackup base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given, with any user-info part masked.
        url: String,
        /// Which part is wrong and what is expected instead.
        reason: String,
    },

    /// A builder setting other than the URL is unusable.
    #[error("invalid NetBackup client setting `{field}`: {reason}")]
    InvalidConfig {
        /// The builder setting at fault.
        field: &'static str,
        /// What is wrong and what to do.
        reason: String,
    },

    /// TLS could not be set up (unreadable CA bundle, no usable roots…).
    #[error("TLS setup failed: {reason}")]
    Tls {
        /// What failed, naming the file where there is one.
        reason: String,
        /// The underlying failure, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The request did not get an HTTP answer: connection refused or reset, DNS failure,
    /// TLS handshake failure, timeout, or a body cut short.
    #[error("{endpoint}{}: {}", ver(version), transport_summary(source))]
    Http {
        /// The API path called, e.g. `/admin/jobs`.
        endpoint: String,
        /// The API version requested, when one was.
        version: Option<ApiVersion>,
        /// The transport failure.
        #[source]
        source: reqwest::Error,
    },

    /// NetBackup answered with a status this call does not accept (401, 403, 404, 5xx…).
    #[error("{endpoint}{}: HTTP {status}{}", ver(version), body_suffix(body))]
    Status {
        /// The API path called.
        endpoint: String,
        /// The API version requested, when one was.
        version: Option<ApiVersion>,
        /// The HTTP status code.
        status: u16,
        /// NetBackup's error body, when the answer carried one that could be read.
        body: Option<Box<ErrorBody>>,
    },

    /// The server answered 406 for every API version this client knows.
    #[error(
        "{endpoint}: the server serves none of the API versions tried ({}); \
         this client needs NetBackup 10.0 or newer",
        list(tried)
    )]
    VersionNotSupported {
        /// The API path used to probe.
        endpoint: String,
        /// The versions tried, in order.
        tried: Vec<ApiVersion>,
    },

    /// The answer was not the JSON this call expects (malformed, truncated, wrong shape).
    #[error(
        "{endpoint}{}: cannot decode the response: {}",
        ver(version),
        decode_summary(source)
    )]
    Decode {
        /// The API path called.
        endpoint: String,
        /// The API version requested, when one was.
        version: Option<ApiVersion>,
        /// The JSON error, with line and column.
        #[source]
        source: serde_json::Error,
    },

    /// The answer decoded but lacks something this call needs (e.g. a count).
    #[error("{endpoint}{}: unexpected response: {reason}", ver(version))]
    Unexpected {
        /// The API path called.
        endpoint: String,
        /// The API version requested, when one was.
        version: Option<ApiVersion>,
        /// What was missing or wrong.
        reason: String,
    },

    /// A transient failure persisted through the whole retry budget.
    #[error("{endpoint}: gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// The API path called.
        endpoint: String,
        /// How many HTTP requests were made.
        attempts: u32,
        /// The failure of the last attempt.
        #[source]
        last: Box<Error>,
    },

    /// `POST /login` did not produce a token.
    #[error("login to NetBackup failed: {reason}{}", body_suffix(body))]
    Login {
        /// The HTTP status of the login answer, when there was one.
        status: Option<u16>,
        /// What went wrong.
        reason: String,
        /// NetBackup's error body, when the answer carried one.
        body: Option<Box<ErrorBody>>,
    },
}

impl Error {
    /// The HTTP status behind this error, looking through retries.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            Self::Login { status, .. } => *status,
            Self::Http { source, .. } => source.status().map(|s| s.as_u16()),
            Self::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Whether trying again later may succeed: connection failures, timeouts, 429, 500, 502,
    /// 503, 504 — also when they persisted through the retry budget. A server certificate that
    /// TLS verification refused is not transient: it needs a configuration change.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Http { source, .. } => !is_tls_rejection(source),
            Self::Status { status, .. } => is_transient_status(*status),
            Self::RetriesExhausted { last, .. } => last.is_transient(),
            _ => false,
        }
    }

    /// Whether NetBackup refused the credentials (HTTP 401, or a failed login).
    pub fn is_unauthorized(&self) -> bool {
        match self {
            Self::Login { .. } => true,
            Self::RetriesExhausted { last, .. } => last.is_unauthorized(),
            other => other.status() == Some(401),
        }
    }

    /// NetBackup's `errorCode`, when the server sent an error body.
    pub fn error_code(&self) -> Option<i64> {
        self.error_body()?.error_code
    }

    /// NetBackup's error body, when the server sent one.
    pub fn error_body(&self) -> Option<&ErrorBody> {
        match self {
            Self::Status { body, .. } | Self::Login { body, .. } => body.as_deref(),
            Self::RetriesExhausted { last, .. } => last.error_body(),
            _ => None,
        }
    }

    /// The API path this error is about, when it is about a call.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Self::Http { endpoint, .. }
            | Self::Status { endpoint, .. }
            | Self::VersionNotSupported { endpoint, .. }
            | Self::Decode { endpoint, .. }
            | Self::Unexpected { endpoint, .. }
            | Self::RetriesExhausted { endpoint, .. } => Some(endpoint),
            Self::Login { .. } => Some("/login"),
            _ => None,
        }
    }

    /// The API version the failed call requested, when it requested one.
    pub fn api_version(&self) -> Option<ApiVersion> {
        match self {
            Self::Http { version, .. }
            | Self::Status { version, .. }
            | Self::Decode { version, .. }
            | Self::Unexpected { version, .. } => *version,
            Self::RetriesExhausted { last, .. } => last.api_version(),
            _ => None,
        }
    }
}

/// Statuses worth another try: "slow down" (429), the gateway family that proxies and load
/// balancers answer while NetBackup restarts (502, 503, 504), and 500, which NetBackup's web
/// service returns for passing internal failures. No other 4xx is ever retried.
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

fn ver(version: &Option<ApiVersion>) -> String {
    version.map(|v| format!(" (API {v})")).unwrap_or_default()
}

fn body_suffix(body: &Option<Box<ErrorBody>>) -> String {
    body.as_deref()
        .map(|b| format!(": {b}"))
        .unwrap_or_default()
}

fn list(versions: &[ApiVersion]) -> String {
    let names: Vec<&str> = versions.iter().map(|v| v.as_str()).collect();
    names.join(", ")
}

/// A one-line account of a transport failure. reqwest's own text repeats the full URL, which the
/// endpoint already names; the source chain keeps the detail for whoever wants it.
fn transport_summary(source: &reqwest::Error) -> String {
    let what = if is_tls_rejection(source) {
        "TLS handshake failed (for a private CA, configure its PEM bundle, e.g. the \
         webRootCert of GET /security/cacert)"
    } else if source.is_timeout() {
        "request timed out"
    } else if source.is_connect() {
        "cannot connect"
    } else if source.is_body() || source.is_decode() {
        "the response body was cut short"
    } else {
        "request failed"
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(source);
    let mut innermost = None;
    while let Some(err) = cause {
        innermost = Some(err);
        cause = err.source();
    }
    match innermost {
        Some(root) => format!("{what}: {root}"),
        None => what.to_owned(),
    }
}

fn decode_summary(source: &serde_json::Error) -> String {
    let what = match source.classify() {
        serde_json::error::Category::Eof => "the JSON ends early (truncated body)",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Data => "JSON of an unexpected shape",
        serde_json::error::Category::Io => "I/O error while reading JSON",
    };
    format!(
        "{what} at line {} column {}",
        source.line(),
        source.column()
    )
}

/// Whether rustls refused the connection (untrusted or mismatched certificate, failed
/// handshake), looking through the I/O errors that carry it.
pub(crate) fn is_tls_rejection(error: &reqwest::Error) -> bool {
    holds_rustls_error(error)
}

fn holds_rustls_error(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    // `io::Error::source` skips the error it wraps, so the wrapped one is visited explicitly.
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        && holds_rustls_error(inner)
    {
        return true;
    }
    error.source().is_some_and(holds_rustls_error)
}
