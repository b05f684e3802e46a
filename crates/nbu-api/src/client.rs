//! The HTTP client: connection, authentication, version negotiation, rate limiting and retries.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use http::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::auth::{Credentials, LoginAnswer, LoginBody, LoginCredentials, Token};
use crate::error::{
    DecodeError, Error, TransportContext, is_tls_rejection, is_transient_status, transport_cause,
};
use crate::limit::{self, Limiter, SharedLimit, WaitMeter};
use crate::models::ErrorBody;
use crate::redact::{self, Redactor};
use crate::retry::{Budget, RetryPolicy, parse_retry_after};
use crate::tls::{self, Trust};
use crate::version::ApiVersion;

/// The endpoint negotiation probes: cheap, authenticated, and present in every version.
const PROBE_ENDPOINT: &str = "/admin/jobs";

/// Default of [`ClientBuilder::max_pages`]: ten million jobs at 100 a page, far beyond any real
/// listing, yet a bound on a server that keeps pointing to a next page.
const DEFAULT_MAX_PAGES: u32 = 100_000;

/// Default of [`ClientBuilder::max_body_bytes`]: 8 MiB. The largest pages this crate asks for
/// are 100 full jobs (196 KB from the simulator, which fills every documented field, so about
/// 2 KB a job) and 1,000 SLP images (1.4 MB from the simulator); 8 MiB leaves several times that
/// for verbose real servers, while a runaway or endless body costs at most that much memory for
/// the moment it takes to refuse it (the exporter measured 13.5 MB steady, 29 MB at the peak of
/// an endless body with a 16 MiB cap: the cap is what an endless body adds).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;

/// How much of a non-JSON body an error quotes.
const QUOTED_BODY_CHARS: usize = 200;

/// A client-side limit on the request rate, shared by every clone of one [`Client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Sustained requests per second (at least 1).
    pub per_second: u32,
    /// Requests that may go out at once after a quiet spell (at least 1).
    pub burst: u32,
}

impl RateLimit {
    /// `per_second` sustained, bursts of `burst`. Zero values are refused by
    /// [`ClientBuilder::build`].
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self { per_second, burst }
    }
}

impl Default for RateLimit {
    /// 20 requests per second, bursts of 20: far above what a monitoring poll needs, low
    /// enough that a bug cannot flood the primary server.
    fn default() -> Self {
        Self::new(20, 20)
    }
}

#[derive(Clone)]
enum CaSource {
    File(PathBuf),
    Pem(Vec<u8>),
}

impl fmt::Debug for CaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "File({})", path.display()),
            Self::Pem(pem) => write!(f, "Pem({} bytes)", pem.len()),
        }
    }
}

/// Configures and builds a [`Client`]. Start from [`Client::builder`].
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    version: Option<ApiVersion>,
    ca_bundle: Option<CaSource>,
    insecure_skip_verify: bool,
    connect_timeout: Duration,
    timeout: Duration,
    pool_idle_timeout: Duration,
    retry: RetryPolicy,
    rate_limit: Option<RateLimit>,
    user_agent: String,
    max_pages: u32,
    max_body_bytes: u64,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &mask_userinfo(&self.base_url))
            .field("credentials", &self.credentials)
            .field("version", &self.version)
            .field("ca_bundle", &self.ca_bundle)
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("max_pages", &self.max_pages)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.to_owned(),
            credentials: Credentials::None,
            version: None,
            ca_bundle: None,
            insecure_skip_verify: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            pool_idle_timeout: Duration::from_secs(90),
            retry: RetryPolicy::default(),
            rate_limit: Some(RateLimit::default()),
            user_agent: concat!("nbu-api/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_pages: DEFAULT_MAX_PAGES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Authenticates with an API key, sent verbatim in `Authorization` (no `Bearer`).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.credentials = Credentials::ApiKey(key.into());
        self
    }

    /// Authenticates with a user name and password exchanged at `POST /login` for a token,
    /// which is renewed before it expires and once more if the server answers 401.
    pub fn login(
        mut self,
        user_name: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        self.credentials = Credentials::Login(LoginCredentials {
            user_name: user_name.into(),
            password: password.into(),
            domain_name: None,
            domain_type: None,
        });
        self
    }

    /// Sets `domainName` and `domainType` (`vx`, `unixpwd`, `NT`, `ldap`) of the login set by
    /// [`login`](Self::login); without a login this does nothing.
    pub fn login_domain(
        mut self,
        domain_name: impl Into<String>,
        domain_type: impl Into<String>,
    ) -> Self {
        if let Credentials::Login(login) = &mut self.credentials {
            login.domain_name = Some(domain_name.into());
            login.domain_type = Some(domain_type.into());
        }
        self
    }

    /// Uses this API version without negotiating (no probe requests are made).
    pub fn version(mut self, version: ApiVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// Trusts only the CAs in this PEM file (for example NetBackup's own CA from
    /// `GET /security/cacert`) instead of the system trust store. Read by [`build`](Self::build).
    pub fn ca_bundle_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(CaSource::File(path.into()));
        self
    }

    /// Like [`ca_bundle_file`](Self::ca_bundle_file) with the PEM text itself.
    pub fn ca_bundle_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_bundle = Some(CaSource::Pem(pem.into()));
        self
    }

    /// Accepts any server certificate. Dangerous: anyone on the path can read the API key.
    /// Off by default; [`build`](Self::build) logs a warning when it is on.
    pub fn insecure_skip_verify(mut self, skip: bool) -> Self {
        self.insecure_skip_verify = skip;
        self
    }

    /// Time allowed to open a connection (TCP and TLS). Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one request, from sending to the end of the body. Default 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long an idle pooled connection is kept. Default 90 s.
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Retry budget for transient failures. Default [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Client-side rate limit. Default [`RateLimit::default`] (20/s, burst 20).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Removes the client-side rate limit.
    pub fn without_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Replaces the `User-Agent` header (default `nbu-api/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The most pages one listing may take before its stream ends with
    /// [`Error::Unexpected`]: the last guard against a server that keeps pointing to a next
    /// page (repeated cursors and repeated offset pages are caught long before). Default
    /// 100 000; at least 1.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages;
        self
    }

    /// The largest response body accepted, in bytes; a larger one fails the request with
    /// [`Error::BodyTooLarge`], without retries. It is checked against `Content-Length` before
    /// the body is read and again as the body arrives, so a server that streams without end
    /// costs no more memory than this. Default [`DEFAULT_MAX_BODY_BYTES`] (8 MiB); at least
    /// 1 KiB.
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Checks the settings and builds the client. No request is sent.
    pub fn build(self) -> Result<Client, Error> {
        let base = validate_base_url(&self.base_url)?;
        if let Credentials::ApiKey(key) = &self.credentials {
            authorization_value(key).map_err(|reason| Error::InvalidConfig {
                field: "api_key",
                reason,
            })?;
        }
        if let Credentials::Login(login) = &self.credentials
            && login.user_name.trim().is_empty()
        {
            return Err(Error::InvalidConfig {
                field: "login",
                reason: "the user name is empty".into(),
            });
        }
        if self.max_body_bytes < 1024 {
            return Err(Error::InvalidConfig {
                field: "max_body_bytes",
                reason: format!(
                    "{} bytes is too small for any NetBackup answer: give at least 1024",
                    self.max_body_bytes
                ),
            });
        }
        if self.max_pages == 0 {
            return Err(Error::InvalidConfig {
                field: "max_pages",
                reason: "must be at least 1: a listing needs at least one page".into(),
            });
        }
        let limiter = match self.rate_limit {
            Some(limit) => Some(Limiter::new(limit, "rate_limit")?),
            None => None,
        };
        let trust = self.trust(&base)?;
        if matches!(trust, Trust::InsecureSkipVerify) {
            tracing::warn!(
                base_url = %base,
                "TLS certificate verification is disabled (insecure_skip_verify): \
                 the NetBackup server's identity is not checked"
            );
        }
        let tls_config = tls::client_config(&trust)?;
        let user_agent =
            HeaderValue::from_str(&self.user_agent).map_err(|_| Error::InvalidConfig {
                field: "user_agent",
                reason: "contains characters not allowed in an HTTP header".into(),
            })?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(8)
            // NetBackup does not redirect API calls; following one could hand the key elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(base.scheme() == "https")
            .user_agent(user_agent)
            .build()
            .map_err(|e| Error::Tls {
                reason: "cannot build the HTTP client".into(),
                source: Some(Box::new(e)),
            })?;
        let redactor = Redactor::new(match &self.credentials {
            Credentials::None => None,
            Credentials::ApiKey(key) => Some(key.clone()),
            Credentials::Login(login) => Some(login.password.clone()),
        });
        let ca_bundle = match &self.ca_bundle {
            Some(CaSource::File(path)) => Some(path.display().to_string()),
            Some(CaSource::Pem(_)) => Some("the CA bundle given as PEM".to_owned()),
            None => None,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                redactor,
                configured_version: self.version,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                ca_bundle,
                max_body_bytes: self.max_body_bytes,
                credentials: self.credentials,
                token: Mutex::new(None),
                logins: AtomicU64::new(0),
                negotiated: std::sync::Mutex::new(None),
                probing: Mutex::new(()),
                probes: AtomicU64::new(0),
                limiter,
                rate_limit: self.rate_limit,
                retry: self.retry,
                requests: AtomicU64::new(0),
                max_pages: self.max_pages,
            }),
            version: self.version,
            extra_limit: None,
            wait_meter: None,
        })
    }

    fn trust(&self, base: &Url) -> Result<Trust, Error> {
        if self.insecure_skip_verify && self.ca_bundle.is_some() {
            return Err(Error::InvalidConfig {
                field: "insecure_skip_verify",
                reason: "cannot be combined with a CA bundle: trust the bundle (recommended) or \
                         skip verification, not both"
                    .into(),
            });
        }
        if base.scheme() == "http" {
            return Ok(Trust::Unused);
        }
        if self.insecure_skip_verify {
            return Ok(Trust::InsecureSkipVerify);
        }
        Ok(match &self.ca_bundle {
            None => Trust::System,
            Some(CaSource::File(path)) => Trust::Bundle(tls::read_ca_bundle(path)?),
            Some(CaSource::Pem(pem)) => Trust::Bundle(tls::parse_ca_bundle(pem, "(inline PEM)")?),
        })
    }
}

/// The `Authorization` value for an API key or token: the text as is, marked sensitive so that
/// HTTP libraries print it as `Sensitive`.
fn authorization_value(secret: &SecretString) -> Result<HeaderValue, String> {
    let text = secret.expose_secret();
    if text.trim().is_empty() {
        return Err("is empty".into());
    }
    let mut value = HeaderValue::from_str(text).map_err(|_| {
        "contains characters not allowed in an HTTP header (control characters or non-ASCII)"
            .to_owned()
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Replaces the user-info part of a URL-like text with `***`, so errors and Debug output never
/// repeat a password written into a URL.
fn mask_userinfo(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://") else {
        return raw.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = raw.get(authority_start..).unwrap_or_default();
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_len).unwrap_or_default();
    match authority.rfind('@') {
        Some(at) => format!(
            "{}***{}",
            raw.get(..authority_start).unwrap_or_default(),
            rest.get(at..).unwrap_or_default()
        ),
        None => raw.to_owned(),
    }
}

fn validate_base_url(raw: &str) -> Result<Url, Error> {
    let shown = mask_userinfo(raw);
    let invalid = |reason: String| Error::InvalidBaseUrl {
        url: shown.clone(),
        reason,
    };
    let mut url = Url::parse(raw.trim()).map_err(|e| {
        invalid(format!(
            "{e}; expected an absolute URL like https://<primary-server>:1556/netbackup"
        ))
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid(format!(
            "scheme `{}` is not supported: use https (http only for local testing)",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials in the URL are not allowed: configure an API key or a login instead"
                .into(),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(
            "the host is missing: expected https://<primary-server>:1556/netbackup".into(),
        ));
    }
    if url.port() == Some(0) {
        return Err(invalid(
            "port 0 is not usable: NetBackup's API listens on 1556".into(),
        ));
    }
    if url.path().trim_end_matches('/') != "/netbackup" {
        return Err(invalid(format!(
            "the path must be /netbackup, not `{}`",
            url.path()
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "a query string or fragment is not allowed: give only scheme, host, port and /netbackup"
                .into(),
        ));
    }
    url.set_path("/netbackup");
    Ok(url)
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    /// Masks this client's secrets in every text of an answer that an error keeps.
    redactor: Redactor,
    /// The version given to the builder, so that a 406 can be blamed on that setting.
    configured_version: Option<ApiVersion>,
    timeout: Duration,
    connect_timeout: Duration,
    /// The CA bundle configured, as errors name it.
    ca_bundle: Option<String>,
    max_body_bytes: u64,
    credentials: Credentials,
    token: Mutex<Option<Token>>,
    logins: AtomicU64,
    /// The negotiated version, read without waiting by every request. Written only while
    /// `probing` is held.
    negotiated: std::sync::Mutex<Option<ApiVersion>>,
    /// Held across a probe run, so that concurrent callers wait for one run instead of each
    /// starting their own; dropping a waiting or probing future releases it.
    probing: Mutex<()>,
    /// Probe runs that ended with a version, counted so that a renegotiation requested while
    /// another one was under way can take that one's fresh result.
    probes: AtomicU64,
    limiter: Option<Limiter>,
    rate_limit: Option<RateLimit>,
    retry: RetryPolicy,
    requests: AtomicU64,
    max_pages: u32,
}

/// A NetBackup REST API client.
///
/// Cheap to clone: clones share the connection pool, the rate limiter, the login token, the
/// negotiated version and the request counter. A handle may also pass a [`SharedLimit`] on top
/// of the client's rate limit ([`with_extra_limit`](Self::with_extra_limit)) and count its
/// waits for the limiters on a [`WaitMeter`] ([`with_wait_meter`](Self::with_wait_meter));
/// clones of that handle keep both.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    version: Option<ApiVersion>,
    extra_limit: Option<SharedLimit>,
    wait_meter: Option<WaitMeter>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("credentials", &self.inner.credentials)
            .field("version", &self.version())
            .field("rate_limit", &self.inner.rate_limit)
            .field("extra_limit", &self.extra_limit)
            .field("retry", &self.inner.retry)
            .field("requests_sent", &self.requests_sent())
            .finish_non_exhaustive()
    }
}

/// A request as the retry loop sees it.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    endpoint: String,
    version: Option<ApiVersion>,
    query: Vec<(&'static str, String)>,
    body: Option<Bytes>,
    authenticated: bool,
    plain_text: bool,
    page: Option<u32>,
}

impl Call {
    pub(crate) fn get(endpoint: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            endpoint: endpoint.into(),
            version: None,
            query: Vec::new(),
            body: None,
            authenticated: true,
            plain_text: false,
            page: None,
        }
    }

    pub(crate) fn post(endpoint: impl Into<String>, body: Vec<u8>) -> Self {
        Self {
            method: Method::POST,
            body: Some(Bytes::from(body)),
            ..Self::get(endpoint)
        }
    }

    pub(crate) fn version(mut self, version: ApiVersion) -> Self {
        self.version = Some(version);
        self
    }

    pub(crate) fn query(mut self, query: Vec<(&'static str, String)>) -> Self {
        self.query = query;
        self
    }

    pub(crate) fn page(mut self, index: u32) -> Self {
        self.page = Some(index);
        self
    }

    pub(crate) fn unauthenticated(mut self) -> Self {
        self.authenticated = false;
        self
    }

    pub(crate) fn plain_text(mut self) -> Self {
        self.plain_text = true;
        self
    }
}

/// A successful (2xx) answer, body read in full, with what errors about it must name.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) status: u16,
    pub(crate) target: Target,
}

/// One request as errors describe it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) method: &'static str,
    /// The URL without its query.
    pub(crate) url: String,
    pub(crate) endpoint: String,
    pub(crate) version: Option<ApiVersion>,
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        _ => "HTTP",
    }
}

/// Why one attempt failed, and what the retry loop may do about it.
enum Failure {
    /// Retry after a backoff (or after `Retry-After`).
    Transient {
        error: Error,
        retry_after: Option<Duration>,
    },
    /// 401: a fresh login may help, once.
    Unauthorized { error: Error, login: Option<u64> },
    /// Give up now.
    Fatal(Error),
}

impl Client {
    /// Starts configuring a client for `base_url`, e.g. `https://primary:1556/netbackup`.
    /// The URL is checked by [`ClientBuilder::build`].
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    /// The API version in use: the configured one, or the negotiated one once negotiation
    /// has succeeded; `None` before that.
    pub fn version(&self) -> Option<ApiVersion> {
        self.version.or_else(|| self.negotiated())
    }

    fn negotiated(&self) -> Option<ApiVersion> {
        // The value is a plain `Option` written in one assignment: a panic elsewhere while the
        // lock was held cannot have left it half-written.
        *self
            .inner
            .negotiated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn set_negotiated(&self, version: Option<ApiVersion>) {
        *self
            .inner
            .negotiated
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = version;
    }

    /// A client that uses `version` without negotiating. It shares the pool, rate limiter,
    /// token and counters with `self`, and keeps its extra limit and wait meter.
    pub fn with_version(&self, version: ApiVersion) -> Client {
        Client {
            version: Some(version),
            ..self.clone()
        }
    }

    /// A handle whose requests pass `limit` before the client's own rate limit; everything
    /// else is shared with `self`. Every handle given the same `limit` (or a clone of it) draws
    /// on it together, so it caps what they send as a group, and leaves the rest of the
    /// client's limit to handles without it: give the background callers a part of the
    /// client's limit and the remaining caller can never be starved by them. It replaces any
    /// extra limit of `self`, and has no effect on a client built without a rate limit other
    /// than capping these handles.
    pub fn with_extra_limit(&self, limit: &SharedLimit) -> Client {
        Client {
            extra_limit: Some(limit.clone()),
            ..self.clone()
        }
    }

    /// A handle that adds the time its requests spend waiting for the rate limiters (its extra
    /// limit and the client's own) to `meter`; everything else is shared with `self`. It
    /// replaces any meter of `self`. Give each caller its own meter to see who waits.
    pub fn with_wait_meter(&self, meter: &WaitMeter) -> Client {
        Client {
            wait_meter: Some(meter.clone()),
            ..self.clone()
        }
    }

    /// The extra limit of this handle, if any: see [`with_extra_limit`](Self::with_extra_limit).
    pub fn extra_limit(&self) -> Option<&SharedLimit> {
        self.extra_limit.as_ref()
    }

    /// `text` from the server as an error may keep it: this client's secrets masked, cut to
    /// 512 characters.
    pub(crate) fn relay(&self, text: &str) -> String {
        self.inner.redactor.relay(text)
    }

    /// See [`ClientBuilder::max_pages`].
    pub(crate) fn max_pages(&self) -> u32 {
        self.inner.max_pages
    }

    /// HTTP requests actually sent by this client and its clones, retries and logins included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The base URL, normalised to end in `/netbackup`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The API version to use: the configured one without any I/O; otherwise the newest
    /// version the server serves, found once by probing `GET /admin/jobs?page[limit]=1` with
    /// 14.0, 13.0, 12.0 then 10.0, moving on only when the server answers 406. Any other
    /// failure (401 included) ends negotiation with that error. The result is kept for every
    /// clone, and later calls return it without I/O until [`renegotiate`](Self::renegotiate);
    /// concurrent callers share one probe run; a cancelled negotiation leaves nothing behind
    /// and the next call starts over.
    pub async fn negotiate(&self) -> Result<ApiVersion, Error> {
        if let Some(version) = self.version() {
            return Ok(version);
        }
        let _probing = self.inner.probing.lock().await;
        // Another caller may have finished a probe run while this one waited.
        if let Some(version) = self.negotiated() {
            return Ok(version);
        }
        let version = self.probe_versions().await?;
        self.set_negotiated(Some(version));
        self.inner.probes.fetch_add(1, Ordering::SeqCst);
        Ok(version)
    }

    /// Forgets the negotiated version, for this client and every clone, and probes again as
    /// [`negotiate`](Self::negotiate) does: after a NetBackup upgrade the server serves a newer
    /// version than the one negotiated at start, and after a downgrade it may refuse that one.
    /// A configured version is returned as is, without I/O.
    ///
    /// Callers of `negotiate` wait for the new probe run, and requests that start meanwhile see
    /// [`version`](Self::version) as `None`. A renegotiation asked for while another probe run
    /// was under way takes that run's result instead of probing twice. If the probe run fails or
    /// is cancelled, the client stays without a version, and the next `negotiate` probes again.
    pub async fn renegotiate(&self) -> Result<ApiVersion, Error> {
        if let Some(version) = self.version {
            return Ok(version);
        }
        let probes_before = self.inner.probes.load(Ordering::SeqCst);
        let _probing = self.inner.probing.lock().await;
        if self.inner.probes.load(Ordering::SeqCst) != probes_before
            && let Some(version) = self.negotiated()
        {
            return Ok(version);
        }
        let previous = self.negotiated();
        self.set_negotiated(None);
        let version = self.probe_versions().await?;
        self.set_negotiated(Some(version));
        self.inner.probes.fetch_add(1, Ordering::SeqCst);
        if previous != Some(version) {
            tracing::info!(
                previous = previous.map(ApiVersion::as_str),
                version = %version,
                "NetBackup API version changed"
            );
        }
        Ok(version)
    }

    async fn probe_versions(&self) -> Result<ApiVersion, Error> {
        let mut tried = Vec::with_capacity(ApiVersion::ALL.len());
        for version in ApiVersion::ALL {
            tried.push(version);
            let probe = Call::get(PROBE_ENDPOINT)
                .version(version)
                .query(vec![("page[limit]", "1".to_owned())]);
            match self.send(probe).await {
                Ok(_) => {
                    tracing::info!(version = %version, "negotiated NetBackup API version");
                    return Ok(version);
                }
                Err(error) if error.status() == Some(406) => {
                    tracing::debug!(version = %version, "API version not served (406)");
                }
                Err(error) => return Err(error),
            }
        }
        Err(Error::VersionNotSupported {
            endpoint: PROBE_ENDPOINT.to_owned(),
            tried,
        })
    }

    /// Sends an unauthenticated call with the known version, or, before negotiation, with each
    /// version from the newest until the server accepts one.
    pub(crate) async fn send_any_version(
        &self,
        make: impl Fn(ApiVersion) -> Call,
    ) -> Result<(ApiVersion, Answer), Error> {
        let candidates = match self.version() {
            Some(version) => vec![version],
            None => ApiVersion::ALL.to_vec(),
        };
        let mut tried = Vec::with_capacity(candidates.len());
        let mut endpoint = String::new();
        for version in candidates {
            tried.push(version);
            let call = make(version);
            endpoint.clone_from(&call.endpoint);
            match self.send(call).await {
                Err(error)
                    if error.status() == Some(406)
                        && !matches!(error, Error::VersionRefused { .. }) =>
                {
                    continue;
                }
                other => return other.map(|answer| (version, answer)),
            }
        }
        Err(Error::VersionNotSupported { endpoint, tried })
    }

    /// Sends `call` and decodes its JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let answer = self.send(call).await?;
        self.decode(&answer)
    }

    /// Decodes a JSON answer. When it does not parse and the server did not say it was JSON,
    /// the error says what it was instead ([`Error::NotJson`]), quoting its start.
    pub(crate) fn decode<T: DeserializeOwned>(&self, answer: &Answer) -> Result<T, Error> {
        crate::models::from_json(&answer.body).map_err(|source| {
            let target = answer.target.clone();
            if let Some(content_type) = non_json_content_type(&answer.headers) {
                return Error::NotJson {
                    method: target.method,
                    url: target.url,
                    endpoint: target.endpoint,
                    version: target.version,
                    status: answer.status,
                    content_type: self.inner.redactor.relay(&content_type),
                    bytes: answer.body.len() as u64,
                    start: self.quote_body(&answer.body),
                };
            }
            Error::Decode {
                method: target.method,
                url: target.url,
                endpoint: target.endpoint,
                version: target.version,
                source: DecodeError::new(&source, &self.inner.redactor),
            }
        })
    }

    /// The start of a body as an error may quote it: lossy UTF-8, secrets masked, cut.
    fn quote_body(&self, body: &[u8]) -> String {
        // Scrubbing more than is quoted would be wasted on a large page, but a secret that
        // straddles the cut must still be masked whole: scrub a margin beyond it.
        let head = body.get(..body.len().min(8 * 1024)).unwrap_or_default();
        // One line, so that a log line stays one line: runs of whitespace become one space.
        let text = String::from_utf8_lossy(head)
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let scrubbed = self.inner.redactor.scrub(&text);
        let cut = redact::cap(&scrubbed, QUOTED_BODY_CHARS);
        if body.len() > head.len() && !cut.ends_with("more)") {
            format!("{cut}… ({} bytes more)", body.len() - head.len())
        } else {
            cut
        }
    }

    /// Sends `call` through the rate limiter with retries; `Ok` only for a 2xx answer. A 406
    /// for the version the builder pinned becomes [`Error::VersionRefused`], naming the
    /// versions the server serves.
    pub(crate) async fn send(&self, call: Call) -> Result<Answer, Error> {
        let pinned = call
            .version
            .filter(|v| Some(*v) == self.inner.configured_version);
        match self.send_with_retries(&call).await {
            Err(error) if error.status() == Some(406) && pinned.is_some() => {
                let version = pinned.unwrap_or(ApiVersion::LATEST);
                // Boxed: finding the offered versions sends requests through this function.
                let offered = Box::pin(self.offered_versions(version)).await;
                Err(Error::VersionRefused {
                    endpoint: call.endpoint,
                    version,
                    offered,
                })
            }
            other => other,
        }
    }

    /// The versions the server serves, newest first, found by `GET /ping` (no authentication)
    /// with each version other than `refused` until one is accepted: the server's
    /// `X-NetBackup-API-Version` header names its newest, and servers keep serving older ones.
    /// Empty when the server cannot be asked.
    async fn offered_versions(&self, refused: ApiVersion) -> Vec<ApiVersion> {
        for version in ApiVersion::ALL.into_iter().filter(|v| *v != refused) {
            let ping = Call::get("/ping")
                .version(version)
                .unauthenticated()
                .plain_text();
            match self.send_with_retries(&ping).await {
                Ok(answer) => {
                    let newest = answer
                        .headers
                        .get("x-netbackup-api-version")
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.parse::<ApiVersion>().ok())
                        .unwrap_or(version);
                    return ApiVersion::ALL
                        .into_iter()
                        .filter(|v| *v <= newest)
                        .collect();
                }
                Err(error) if error.status() == Some(406) => {}
                Err(_) => break,
            }
        }
        Vec::new()
    }

    async fn send_with_retries(&self, call: &Call) -> Result<Answer, Error> {
        let mut budget = Budget::new(&self.inner.retry);
        let mut attempts: u32 = 0;
        let mut relogged = false;
        loop {
            attempts = attempts.saturating_add(1);
            let failure = match self.attempt(call, attempts).await {
                Ok(answer) => return Ok(answer),
                Err(failure) => failure,
            };
            match failure {
                Failure::Unauthorized {
                    login: Some(generation),
                    ..
                } if !relogged => {
                    relogged = true;
                    tracing::info!(endpoint = %call.endpoint, "token refused (401); logging in again");
                    self.forget_token(generation).await;
                }
                Failure::Unauthorized { error, .. } | Failure::Fatal(error) => return Err(error),
                Failure::Transient { error, retry_after } => {
                    let Some(delay) = budget.next_delay(attempts, retry_after) else {
                        return Err(if attempts > 1 {
                            Error::RetriesExhausted {
                                endpoint: call.endpoint.clone(),
                                attempts,
                                last: Box::new(error),
                            }
                        } else {
                            error
                        });
                    };
                    tracing::warn!(
                        endpoint = %call.endpoint,
                        attempt = attempts,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "transient NetBackup failure; retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(&self, call: &Call, attempt: u32) -> Result<Answer, Failure> {
        let authorization = if call.authenticated {
            self.authorization().await.map_err(Failure::Fatal)?
        } else {
            None
        };
        limit::wait_for(
            self.extra_limit.as_ref(),
            self.inner.limiter.as_ref(),
            self.wait_meter.as_ref(),
        )
        .await;
        let span = tracing::debug_span!(
            "nbu_request",
            method = %call.method,
            endpoint = %call.endpoint,
            version = call.version.map(ApiVersion::as_str),
            page = call.page,
            attempt,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        self.attempt_in_span(call, authorization)
            .instrument(span)
            .await
    }

    async fn attempt_in_span(
        &self,
        call: &Call,
        authorization: Option<(HeaderValue, Option<u64>)>,
    ) -> Result<Answer, Failure> {
        let accept = match (call.version, call.plain_text) {
            (Some(version), false) => version.media_type(),
            (Some(version), true) => version.plain_media_type(),
            (None, _) => "*/*",
        };
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), self.url(call))
            .header(ACCEPT, accept);
        let login = match authorization {
            Some((value, login)) => {
                request = request.header(AUTHORIZATION, value);
                login
            }
            None => None,
        };
        if let Some(body) = &call.body {
            let content_type = call.version.unwrap_or(ApiVersion::OLDEST).media_type();
            request = request
                .header(CONTENT_TYPE, content_type)
                .body(body.clone());
        }
        let target = self.target(call);
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let span = tracing::Span::current();
        let response = match request.send().await {
            Ok(response) => response,
            Err(source) => {
                record_duration(&span, started);
                let error = self.transport_error(&target, source);
                tracing::debug!(error = %error, "no answer");
                return Err(classify_transport(error));
            }
        };
        let status = response.status();
        span.record("status", status.as_u16());
        let headers = response.headers().clone();
        let body = self.read_body(response, &target).await;
        record_duration(&span, started);
        let body = body?;
        tracing::debug!(status = status.as_u16(), bytes = body.len(), "answered");
        if status.is_success() {
            return Ok(Answer {
                headers,
                body,
                status: status.as_u16(),
                target,
            });
        }
        let parsed = self.error_body(&body);
        let text = match parsed {
            Some(_) => None,
            None => self.describe_body(&headers, &body),
        };
        let error = Error::Status {
            method: target.method,
            url: target.url,
            endpoint: target.endpoint,
            version: target.version,
            status: status.as_u16(),
            body: parsed,
            text,
        };
        if status == StatusCode::UNAUTHORIZED {
            return Err(Failure::Unauthorized { error, login });
        }
        if is_transient_status(status.as_u16()) {
            let retry_after = headers
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| parse_retry_after(value, jiff::Timestamp::now()));
            return Err(Failure::Transient { error, retry_after });
        }
        Err(Failure::Fatal(error))
    }

    /// Reads the whole body, failing as soon as it is known to exceed `max_body_bytes`: from
    /// `Content-Length` before reading, then as each chunk arrives, so memory stays bounded
    /// whatever the server sends.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        target: &Target,
    ) -> Result<Bytes, Failure> {
        let limit = self.inner.max_body_bytes;
        let too_large = |declared: Option<u64>, received: u64| {
            tracing::debug!(
                limit,
                received,
                declared,
                "response body over max_body_bytes"
            );
            Failure::Fatal(Error::BodyTooLarge {
                method: target.method,
                url: target.url.clone(),
                endpoint: target.endpoint.clone(),
                version: target.version,
                limit,
                declared,
                received,
            })
        };
        let declared = response.content_length();
        if let Some(length) = declared.filter(|length| *length > limit) {
            return Err(too_large(Some(length), 0));
        }
        let transport = |source| classify_transport(self.transport_error(target, source));
        // Most bodies arrive in one chunk, which is kept as is; only a second one costs a copy.
        let mut first: Option<Bytes> = None;
        let mut joined: Option<BytesMut> = None;
        let mut received: u64 = 0;
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            received = received.saturating_add(chunk.len() as u64);
            if received > limit {
                return Err(too_large(None, received));
            }
            match (&mut joined, first.take()) {
                (Some(buffer), _) => buffer.extend_from_slice(&chunk),
                (None, None) => first = Some(chunk),
                (None, Some(previous)) => {
                    let expected = declared.unwrap_or(0).clamp(received, limit);
                    let mut buffer =
                        BytesMut::with_capacity(usize::try_from(expected).unwrap_or(0));
                    buffer.extend_from_slice(&previous);
                    buffer.extend_from_slice(&chunk);
                    joined = Some(buffer);
                }
            }
        }
        Ok(match (joined, first) {
            (Some(buffer), _) => buffer.freeze(),
            (None, Some(only)) => only,
            (None, None) => Bytes::new(),
        })
    }

    fn target(&self, call: &Call) -> Target {
        let mut url = self.inner.base.clone();
        url.set_path(&format!("/netbackup{}", call.endpoint));
        Target {
            method: method_name(&call.method),
            url: url.to_string(),
            endpoint: call.endpoint.clone(),
            version: call.version,
        }
    }

    fn transport_error(&self, target: &Target, source: reqwest::Error) -> Error {
        let context = TransportContext {
            host: self.inner.base.host_str().unwrap_or_default(),
            timeout: self.inner.timeout,
            connect_timeout: self.inner.connect_timeout,
            ca_bundle: self.inner.ca_bundle.as_deref(),
        };
        let cause = self
            .inner
            .redactor
            .relay(&transport_cause(&source, &context));
        Error::Http {
            method: target.method,
            url: target.url.clone(),
            endpoint: target.endpoint.clone(),
            version: target.version,
            cause,
            // The error names the URL already, without the query reqwest would repeat.
            source: source.without_url(),
        }
    }

    /// NetBackup's error body, if the answer has one that reads as such, with its texts
    /// scrubbed of this client's secrets and capped.
    fn error_body(&self, body: &[u8]) -> Option<Box<ErrorBody>> {
        let parsed: ErrorBody = serde_json::from_slice(body).ok()?;
        let empty = parsed.error_code.is_none()
            && parsed.error_message.is_none()
            && parsed.attribute_errors.is_none()
            && parsed.error_details.is_none();
        if empty {
            return None;
        }
        let redactor = &self.inner.redactor;
        let relay_list = |list: Option<Vec<serde_json::Value>>| {
            list.map(
                |items| match redactor.relay_json(serde_json::Value::Array(items)) {
                    serde_json::Value::Array(items) => items,
                    capped => vec![capped],
                },
            )
        };
        let mut scrubbed = parsed;
        scrubbed.error_message = scrubbed.error_message.map(|m| redactor.relay(&m));
        scrubbed.attribute_errors = scrubbed.attribute_errors.map(|v| redactor.relay_json(v));
        scrubbed.error_details = relay_list(scrubbed.error_details);
        scrubbed.file_upload_errors = relay_list(scrubbed.file_upload_errors);
        Some(Box::new(scrubbed))
    }

    /// An account of a body that is not a NetBackup error body: its content type, size and
    /// start; `None` for an empty body.
    fn describe_body(&self, headers: &HeaderMap, body: &[u8]) -> Option<String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        let content_type = headers
            .get(CONTENT_TYPE)
            .map(|value| {
                self.inner
                    .redactor
                    .relay(&String::from_utf8_lossy(value.as_bytes()))
            })
            .unwrap_or_else(|| "no content type".to_owned());
        Some(format!(
            "{content_type}, {} bytes: {}",
            redact::group_thousands(body.len() as u64),
            self.quote_body(body)
        ))
    }

    fn url(&self, call: &Call) -> Url {
        let mut url = self.inner.base.clone();
        url.set_path(&format!("/netbackup{}", call.endpoint));
        if !call.query.is_empty() {
            url.set_query(Some(&encode_query(&call.query)));
        }
        url
    }

    /// The `Authorization` header for the next request, logging in first when the token is
    /// missing or about to expire. The second value is the login generation of a token.
    async fn authorization(&self) -> Result<Option<(HeaderValue, Option<u64>)>, Error> {
        match &self.inner.credentials {
            Credentials::None => Ok(None),
            Credentials::ApiKey(key) => authorization_value(key)
                .map(|value| Some((value, None)))
                .map_err(|reason| Error::InvalidConfig {
                    field: "api_key",
                    reason,
                }),
            Credentials::Login(login) => {
                // Held across the login so that concurrent callers wait for one login instead
                // of each starting their own; dropping the future releases it.
                let mut token = self.inner.token.lock().await;
                let now = Instant::now();
                if let Some(current) = token.as_ref().filter(|t| t.is_fresh(now)) {
                    return Ok(Some((token_value(current)?, Some(current.generation))));
                }
                let answer = self.log_in(login).await?;
                self.inner
                    .redactor
                    .add_token(&SecretString::from(answer.token.clone()));
                let generation = self.inner.logins.fetch_add(1, Ordering::Relaxed) + 1;
                let fresh = token.insert(Token::new(answer, Instant::now(), generation));
                Ok(Some((token_value(fresh)?, Some(generation))))
            }
        }
    }

    async fn forget_token(&self, generation: u64) {
        let mut token = self.inner.token.lock().await;
        if token.as_ref().is_some_and(|t| t.generation == generation) {
            *token = None;
        }
    }

    async fn log_in(&self, login: &LoginCredentials) -> Result<LoginAnswer, Error> {
        let body = serde_json::to_vec(&LoginBody::new(login)).map_err(|e| Error::Login {
            status: None,
            reason: format!("cannot encode the login request: {e}"),
            body: None,
        })?;
        // Before negotiation the version is unknown; every server still accepts the oldest.
        let version = self.version().unwrap_or(ApiVersion::OLDEST);
        let call = Call::post("/login", body)
            .version(version)
            .unauthenticated();
        // Boxed: `send` may call back into this function, and async recursion needs a box.
        let answer = match Box::pin(self.send(call)).await {
            Ok(answer) => answer,
            Err(Error::Status { status, body, .. }) => {
                let reason = match status {
                    401 => "NetBackup rejected the user name or password (HTTP 401)".to_owned(),
                    400 => "NetBackup refused the login request (HTTP 400); check the domain name and type".to_owned(),
                    other => format!("unexpected HTTP {other}"),
                };
                return Err(Error::Login {
                    status: Some(status),
                    reason,
                    body,
                });
            }
            Err(other) => return Err(other),
        };
        let parsed: LoginAnswer =
            serde_json::from_slice(&answer.body).map_err(|e| Error::Login {
                status: None,
                // The decoder may quote the answer, which may hold the token or the password.
                reason: format!(
                    "the login answer holds no token ({})",
                    self.inner.redactor.relay(&e.to_string())
                ),
                body: None,
            })?;
        tracing::debug!(validity_s = parsed.validity, "logged in to NetBackup");
        Ok(parsed)
    }
}

fn token_value(token: &Token) -> Result<HeaderValue, Error> {
    authorization_value(&token.value).map_err(|reason| Error::Login {
        status: None,
        reason: format!("the token NetBackup returned {reason}"),
        body: None,
    })
}

fn record_duration(span: &tracing::Span, started: Instant) {
    let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.record("duration_ms", millis);
}

fn classify_transport(error: Error) -> Failure {
    match &error {
        Error::Http { source, .. } if source.is_builder() || is_tls_rejection(source) => {
            Failure::Fatal(error)
        }
        _ => Failure::Transient {
            error,
            retry_after: None,
        },
    }
}

/// The answer's content type when it is present and not JSON.
fn non_json_content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?;
    let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
    let essence = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    (!essence.ends_with("json")).then_some(text)
}

/// Percent-encodes query pairs per RFC 3986, as the NetBackup guide asks: names and values
/// both, spaces as `%20`.
pub(crate) fn encode_query(pairs: &[(&str, String)]) -> String {
    fn encode(text: &str) -> String {
        // form-urlencoding writes a space as `+` and escapes a literal `+`, so every `+` left
        // in its output stands for a space.
        url::form_urlencoded::byte_serialize(text.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    }
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(raw: &str) -> String {
        match validate_base_url(raw) {
            Err(Error::InvalidBaseUrl { reason, url }) => {
                assert!(!url.contains("hunter2"), "{url}");
                reason
            }
            other => panic!("{raw}: expected InvalidBaseUrl, got {other:?}"),
        }
    }

    #[test]
    fn base_url_accepts_netbackup_paths_and_normalises() {
        for ok in [
            "https://primary:1556/netbackup",
            "https://primary:1556/netbackup/",
            "http://127.0.0.1:8080/netbackup",
            " https://[::1]:1556/netbackup ",
            "https://primary.example.com/netbackup",
        ] {
            let url = validate_base_url(ok);
            assert!(url.is_ok(), "{ok}: {url:?}");
            assert_eq!(
                url.map(|u| u.path().to_owned()).ok().as_deref(),
                Some("/netbackup")
            );
        }
    }

    #[test]
    fn base_url_errors_name_the_bad_part() {
        assert!(reason("ftp://primary:1556/netbackup").contains("scheme `ftp`"));
        assert!(reason("primary:1556/netbackup").contains("scheme"));
        assert!(reason("https://primary:1556/").contains("path must be /netbackup"));
        assert!(reason("https://primary:1556/api").contains("`/api`"));
        assert!(reason("https://primary:99999/netbackup").contains("port"));
        assert!(reason("https://primary:0/netbackup").contains("port 0"));
        assert!(reason("https://:1556/netbackup").contains("host"));
        assert!(reason("https://admin:hunter2@primary:1556/netbackup").contains("credentials"));
        assert!(reason("https://primary:1556/netbackup?x=1").contains("query"));
        assert!(reason("not a url").contains("absolute URL"));
    }

    #[test]
    fn userinfo_is_masked() {
        assert_eq!(
            mask_userinfo("https://u:hunter2@h:1/netbackup"),
            "https://***@h:1/netbackup"
        );
        assert_eq!(mask_userinfo("https://h:1/a@b"), "https://h:1/a@b");
        assert_eq!(mask_userinfo("no scheme"), "no scheme");
    }

    #[test]
    fn query_is_rfc3986_encoded() {
        let query = encode_query(&[
            ("page[limit]", "100".to_owned()),
            (
                "filter",
                "startswith(extendedAttributes/cluster,'Name-à !@#$%^&*+')".to_owned(),
            ),
        ]);
        assert_eq!(
            query,
            "page%5Blimit%5D=100&filter=startswith%28extendedAttributes%2Fcluster%2C%27Name-%C3%A0%20%21%40%23%24%25%5E%26*%2B%27%29"
        );
        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            decoded[1].1,
            "startswith(extendedAttributes/cluster,'Name-à !@#$%^&*+')"
        );
    }

    #[test]
    fn api_key_header_is_sensitive_and_validated() {
        let value = authorization_value(&SecretString::from("abc-123"));
        assert!(value.as_ref().is_ok_and(HeaderValue::is_sensitive));
        assert!(authorization_value(&SecretString::from("")).is_err());
        assert!(authorization_value(&SecretString::from("a\nb")).is_err());
    }
}
