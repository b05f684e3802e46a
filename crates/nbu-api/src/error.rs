//! The one error type of this crate.
//!
//! Every variant that comes from a call says what was asked (endpoint, API version) and what
//! came back (HTTP status, NetBackup `errorCode`/`errorMessage`). None of them can hold the API
//! key, a password or a token: requests are described by their path, and base URLs with
//! credentials in them are refused before they are stored.

use std::time::Duration;

use crate::models::ErrorBody;
use crate::version::ApiVersion;

/// Everything that can go wrong building a [`Client`](crate::Client) or calling NetBackup.
///
/// Errors about a call name the method, the full URL without its query (e.g.
/// `GET https://primary:1556/netbackup/admin/jobs`), the API version and what came back. Text
/// that came from the server (error messages, details, the start of a body, header values) is
/// stored only after the client's own secrets are masked in it, and cut to 512 characters.
/// [`kind`](Self::kind) sorts errors into the few cases a caller branches on.
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
    #[error("{method} {url}{}: {cause}", ver(version))]
    Http {
        /// The HTTP method, e.g. `GET`.
        method: &'static str,
        /// The URL called, without its query.
        url: String,
        /// The API path called, e.g. `/admin/jobs`.
        endpoint: String,
        /// The API version requested, when one was.
        version: Option<ApiVersion>,
        /// The failure in a few words and what to do about it, e.g. `connection refused` or
        /// `timed out after 60s (timeout)`; the source chain keeps the detail.
        cause: String,
        /// The transport failure.
        #[source]
        source: reqwest::Error,
    },

    /// NetBackup answered with a status this call does not accept (401, 403, 404, 5xx…).
    #[error(
        "{method} {url}{}: HTTP {status}{}{}",
        ver(version),
        body_suffix(body),
        text_suffix(text)
    )]
    Status {
        /// The HTTP method, e.g. `GET`.
        method: &'static str,
        /// The URL called, without its query.
        url: String,
        /// The API path called.
        endpoint: String,
        /// The API version requested, when one was.
        version: Option<ApiVersion>,
        /// The HTTP status code.
        status: u16,
        /// NetBackup's error body, when the answer carried one that could be read; its texts
        /// are scrubbed of the client's secrets.
        body: Option<Box<ErrorBody>>,
        /// When the answer's body was not a NetBackup error body (a proxy's HTML page…): its
        /// content type, size and start, scrubbed of the client's secrets.
        text: Option<String>,
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

    /// The server refused (406) the API version the client was configured with
    /// ([`ClientBuilder::version`](crate::ClientBuilder::version), the exporter's `apiVersion`).
    #[error(
        "{endpoint}: the server does not support API version {version} (pinned by apiVersion); {}",
        offered_advice(offered)
    )]
    VersionRefused {
        /// The API path that answered 406.
        endpoint: String,
        /// The configured version.
        version: ApiVersion,
        /// The versions the server was found to serve, newest first; empty when it could not
        /// be told.
        offered: Vec<ApiVersion>,
    },

    /// The answer was not the JSON this call expects (malformed, truncated, wrong shape).
    #[error("{method} {url}{}: cannot decode the response: {source}", ver(version))]
    Decode {
        /// The HTTP method, e.g. `GET`.
        method: &'static str,
        /// The URL called, without its query.
        url: String,
        /// The API path called.
        endpoint: String,
        /// The API version requested, when one was.
        version: Option<ApiVersion>,
        /// What is wrong with the JSON, with line and column.
        #[source]
        source: DecodeError,
    },

    /// The answer's body did not parse and its `Content-Type` is not JSON: an HTML error page
    /// from a proxy or a login portal, or the wrong service on that port.
    #[error(
        "{method} {url}{}: expected JSON but the server sent {content_type} \
         (status {status}, {} bytes): {start}",
        ver(version),
        crate::redact::group_thousands(*bytes)
    )]
    NotJson {
        /// The HTTP method, e.g. `GET`.
        method: &'static str,
        /// The URL called, without its query.
        url: String,
        /// The API path called.
        endpoint: String,
        /// The API version requested, when one was.
        version: Option<ApiVersion>,
        /// The HTTP status of the answer.
        status: u16,
        /// The answer's `Content-Type`, scrubbed and shortened.
        content_type: String,
        /// The size of the body.
        bytes: u64,
        /// The first 200 characters of the body, scrubbed of the client's secrets.
        start: String,
    },

    /// The answer's body is larger than
    /// [`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes) allows. Not
    /// retried: the same request would get the same body.
    #[error(
        "{method} {url}{}: the response body{} exceeds the limit of {} bytes set by \
         max_body_bytes (the exporter's maxResponseMiB); raise it if an answer this large is \
         expected",
        ver(version),
        match declared {
            Some(n) => format!(" of {} bytes (Content-Length)", crate::redact::group_thousands(*n)),
            None => String::new(),
        },
        crate::redact::group_thousands(*limit)
    )]
    BodyTooLarge {
        /// The HTTP method, e.g. `GET`.
        method: &'static str,
        /// The URL called, without its query.
        url: String,
        /// The API path called.
        endpoint: String,
        /// The API version requested, when one was.
        version: Option<ApiVersion>,
        /// The limit in force.
        limit: u64,
        /// The size the server announced in `Content-Length`, when it was over the limit.
        declared: Option<u64>,
        /// The bytes read before giving up: 0 when `Content-Length` was over the limit, else
        /// at most the limit plus one chunk.
        received: u64,
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
    #[error("gave up after {attempts} attempts: {last}")]
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
        /// NetBackup's error body, when the answer carried one; its texts are scrubbed of the
        /// client's secrets.
        body: Option<Box<ErrorBody>>,
    },
}

/// The few cases a caller branches on, from [`Error::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The client's settings are unusable (base URL, a builder option, the CA bundle).
    Config,
    /// The credentials were refused (HTTP 401 or a failed login).
    Unauthorized,
    /// The credentials lack a permission (HTTP 403).
    Forbidden,
    /// The endpoint or object does not exist (HTTP 404).
    NotFound,
    /// No connection: refused, reset, DNS failure.
    Connect,
    /// The connection or the answer took longer than the timeout.
    Timeout,
    /// The server's certificate was refused, or the TLS handshake failed.
    Tls,
    /// The server asked to slow down (HTTP 429).
    RateLimited,
    /// The server failed (HTTP 5xx).
    Server,
    /// Another HTTP status this call does not accept.
    Status,
    /// The answer is not the JSON expected, or lacks what the call needs.
    Decode,
    /// The answer's body is larger than the configured limit.
    BodyTooLarge,
    /// The server serves no API version this client can use.
    UnsupportedVersion,
    /// Anything else.
    Other,
}

/// Why a body did not decode: the decoder's category, position and message, with the
/// client's secrets masked (a decoder message may quote a value of the body).
#[derive(Debug, Clone)]
pub struct DecodeError {
    what: &'static str,
    line: usize,
    column: usize,
    message: String,
}

impl DecodeError {
    pub(crate) fn new(source: &serde_json::Error, redactor: &crate::redact::Redactor) -> Self {
        let what = match source.classify() {
            serde_json::error::Category::Eof => "the JSON ends early (truncated body)",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "JSON of an unexpected shape",
            serde_json::error::Category::Io => "I/O error while reading JSON",
        };
        Self {
            what,
            line: source.line(),
            column: source.column(),
            message: redactor.relay(&source.to_string()),
        }
    }

    /// The line (from 1) where decoding stopped.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column (from 1) where decoding stopped.
    pub fn column(&self) -> usize {
        self.column
    }

    /// Whether the body ended early (a truncated answer).
    pub fn is_eof(&self) -> bool {
        self.what.starts_with("the JSON ends early")
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.message)
    }
}

impl std::error::Error for DecodeError {}

impl Error {
    /// Which of the few cases a caller branches on this error is, looking through retries.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidBaseUrl { .. } | Self::InvalidConfig { .. } | Self::Tls { .. } => {
                ErrorKind::Config
            }
            Self::Http { source, .. } => {
                if is_tls_rejection(source) {
                    ErrorKind::Tls
                } else if source.is_timeout() {
                    ErrorKind::Timeout
                } else if source.is_connect() {
                    ErrorKind::Connect
                } else {
                    ErrorKind::Other
                }
            }
            Self::Status { status, .. } => match status {
                401 => ErrorKind::Unauthorized,
                403 => ErrorKind::Forbidden,
                404 => ErrorKind::NotFound,
                406 => ErrorKind::UnsupportedVersion,
                429 => ErrorKind::RateLimited,
                500..=599 => ErrorKind::Server,
                _ => ErrorKind::Status,
            },
            Self::VersionNotSupported { .. } | Self::VersionRefused { .. } => {
                ErrorKind::UnsupportedVersion
            }
            Self::Decode { .. } | Self::NotJson { .. } | Self::Unexpected { .. } => {
                ErrorKind::Decode
            }
            Self::BodyTooLarge { .. } => ErrorKind::BodyTooLarge,
            Self::RetriesExhausted { last, .. } => last.kind(),
            Self::Login { .. } => ErrorKind::Unauthorized,
        }
    }

    /// The HTTP status behind this error, looking through retries.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } | Self::NotJson { status, .. } => Some(*status),
            Self::VersionRefused { .. } => Some(406),
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
            | Self::VersionRefused { endpoint, .. }
            | Self::Decode { endpoint, .. }
            | Self::NotJson { endpoint, .. }
            | Self::BodyTooLarge { endpoint, .. }
            | Self::Unexpected { endpoint, .. }
            | Self::RetriesExhausted { endpoint, .. } => Some(endpoint),
            Self::Login { .. } => Some("/login"),
            _ => None,
        }
    }

    /// The URL called, without its query, when this error is about one request.
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Http { url, .. }
            | Self::Status { url, .. }
            | Self::Decode { url, .. }
            | Self::NotJson { url, .. }
            | Self::BodyTooLarge { url, .. } => Some(url),
            Self::RetriesExhausted { last, .. } => last.url(),
            _ => None,
        }
    }

    /// The API version the failed call requested, when it requested one.
    pub fn api_version(&self) -> Option<ApiVersion> {
        match self {
            Self::Http { version, .. }
            | Self::Status { version, .. }
            | Self::Decode { version, .. }
            | Self::NotJson { version, .. }
            | Self::BodyTooLarge { version, .. }
            | Self::Unexpected { version, .. } => *version,
            Self::VersionRefused { version, .. } => Some(*version),
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

fn text_suffix(text: &Option<String>) -> String {
    text.as_deref()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default()
}

fn list(versions: &[ApiVersion]) -> String {
    let names: Vec<&str> = versions.iter().map(|v| v.as_str()).collect();
    names.join(", ")
}

fn offered_advice(offered: &[ApiVersion]) -> String {
    match offered.first() {
        Some(newest) => format!(
            "it offers {}: set apiVersion to {newest}, or remove apiVersion to negotiate",
            list(offered)
        ),
        None => "remove apiVersion to negotiate a version the server serves".to_owned(),
    }
}

/// What the client knows about a request that a transport failure needs to be explained.
pub(crate) struct TransportContext<'a> {
    /// The host asked for, as in the URL.
    pub(crate) host: &'a str,
    /// `ClientBuilder::timeout`.
    pub(crate) timeout: Duration,
    /// `ClientBuilder::connect_timeout`.
    pub(crate) connect_timeout: Duration,
    /// The configured CA bundle (a file path or "the inline PEM bundle"), when there is one.
    pub(crate) ca_bundle: Option<&'a str>,
}

/// A one-line account of a transport failure, with what to do when a setting can fix it.
/// reqwest's own text repeats the URL, which the error already names; the source chain keeps
/// the detail for whoever wants it.
pub(crate) fn transport_cause(source: &reqwest::Error, context: &TransportContext<'_>) -> String {
    if let Some(tls) = find_rustls_error(source) {
        return tls_advice(tls, context);
    }
    let root = innermost(source);
    if source.is_timeout() {
        return if source.is_connect() {
            format!(
                "connection timed out after {} (connect_timeout)",
                seconds(context.connect_timeout)
            )
        } else {
            format!("timed out after {} (timeout)", seconds(context.timeout))
        };
    }
    if let Some(kind) = io_error_kind(source) {
        match kind {
            std::io::ErrorKind::ConnectionRefused => return "connection refused".to_owned(),
            std::io::ErrorKind::ConnectionReset => {
                return "connection reset by the server".to_owned();
            }
            std::io::ErrorKind::ConnectionAborted => {
                return "connection aborted by the server".to_owned();
            }
            _ => {}
        }
    }
    let mentions = |needle: &str| chain(source).any(|e| e.to_string().contains(needle));
    if source.is_connect() && (mentions("dns error") || mentions("lookup address")) {
        return format!("dns error: cannot resolve {} ({root})", context.host);
    }
    if source.is_connect() {
        return format!("cannot connect: {root}");
    }
    if source.is_body() || source.is_decode() {
        return format!("the response body was cut short: {root}");
    }
    format!("request failed: {root}")
}

fn tls_advice(error: &rustls::Error, context: &TransportContext<'_>) -> String {
    use rustls::CertificateError as Cert;
    let rustls::Error::InvalidCertificate(cert) = error else {
        return format!("TLS handshake failed: {error}");
    };
    match cert {
        // A bad signature here means a CA of the right name but another key: typically a
        // NetBackup CA that was re-created, with the old one still in the bundle.
        Cert::UnknownIssuer | Cert::BadSignature => match context.ca_bundle {
            Some(ca) => format!(
                "TLS: the server's certificate is not signed by the CA in {ca}: set caFile \
                 (ca_bundle_file) to the CA certificate that signed it, for NetBackup's own CA \
                 the webRootCert of GET /security/cacert{}",
                if matches!(cert, Cert::BadSignature) {
                    " (a CA of the same name is there, but not the one that signed it: was the \
                     CA re-created?)"
                } else {
                    ""
                }
            ),
            None => "TLS: the server's certificate is signed by a CA this system does not \
                     trust: set caFile (ca_bundle_file) to the CA certificate that signed the \
                     server's certificate, for NetBackup's own CA the webRootCert of \
                     GET /security/cacert"
                .to_owned(),
        },
        Cert::Expired | Cert::ExpiredContext { .. } => {
            format!("TLS: the server's certificate has expired ({error}); renew it on the server")
        }
        Cert::NotValidYet | Cert::NotValidYetContext { .. } => format!(
            "TLS: the server's certificate is not valid yet ({error}); check the clocks of \
             both hosts"
        ),
        Cert::NotValidForName | Cert::NotValidForNameContext { .. } => {
            let presented = match cert {
                Cert::NotValidForNameContext { presented, .. } if !presented.is_empty() => {
                    // rustls writes each name as `DnsName("host")` or `IpAddress(…)`.
                    let names: Vec<&str> = presented
                        .iter()
                        .map(|name| match (name.find('"'), name.rfind('"')) {
                            (Some(a), Some(b)) if a < b => name.get(a + 1..b).unwrap_or(name),
                            _ => name.as_str(),
                        })
                        .collect();
                    format!(" (it names {})", names.join(", "))
                }
                _ => String::new(),
            };
            format!(
                "TLS: the server's certificate is not valid for the host {}{presented}; use a \
                 host name the certificate names in the base URL",
                context.host
            )
        }
        _ => format!("TLS: the server's certificate was refused: {error}"),
    }
}

fn seconds(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}s", duration.as_secs_f64())
    }
}

/// The errors of `error`'s source chain, `error` first, looking into `io::Error`s too (their
/// `source` skips the error they wrap).
fn chain<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |e| {
        e.downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .map(|inner| inner as &(dyn std::error::Error + 'static))
            .or_else(|| e.source())
    })
}

fn innermost(error: &reqwest::Error) -> String {
    chain(error)
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn io_error_kind(error: &reqwest::Error) -> Option<std::io::ErrorKind> {
    chain(error).find_map(|e| e.downcast_ref::<std::io::Error>().map(std::io::Error::kind))
}

fn find_rustls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    chain(error).find_map(|e| e.downcast_ref::<rustls::Error>())
}

/// Whether rustls refused the connection (untrusted or mismatched certificate, failed
/// handshake), looking through the I/O errors that carry it.
pub(crate) fn is_tls_rejection(error: &reqwest::Error) -> bool {
    find_rustls_error(error).is_some()
}
