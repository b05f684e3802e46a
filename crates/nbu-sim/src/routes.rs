//! Request handling: routing, API version negotiation, authentication, ping, login and the `/_sim/*`
//! control endpoints; the read endpoints live in [`crate::handlers`]. Fault injection and request
//! counting wrap every `/netbackup/*` request; `/_sim/*` requests bypass both.

use std::sync::{Arc, PoisonError};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde_json::{Value, json};

use crate::body::SimBody;
use crate::faults::{Action, Faults};
use crate::handlers::{Ctx, Params};
use crate::release::{ApiVersion, Release};
use crate::render;
use crate::server::Shared;

/// Largest request body read (login and count requests are tiny).
const MAX_BODY: usize = 1 << 20;

/// The endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Jobs,
    Job,
    JobsCount,
    StorageUnits,
    DiskPools,
    Drives,
    TapeMedia,
    TapeVolumePools,
    RobotsDeviceHosts,
    Alerts,
    MalwareScans,
    CatalogImages,
    SlpImages,
    Slos,
    MediaServers,
    Hosts,
    LicensingCapacity,
    ServerInfo,
    Ping,
    Login,
}

struct RouteDef {
    method: Method,
    template: &'static str,
    endpoint: Endpoint,
}

fn routes() -> [RouteDef; 20] {
    let get = |template, endpoint| RouteDef {
        method: Method::GET,
        template,
        endpoint,
    };
    let post = |template, endpoint| RouteDef {
        method: Method::POST,
        template,
        endpoint,
    };
    [
        get("/admin/jobs", Endpoint::Jobs),
        get("/admin/jobs/{jobId}", Endpoint::Job),
        post("/admin/jobs-count-requests", Endpoint::JobsCount),
        get("/storage/storage-units", Endpoint::StorageUnits),
        get("/storage/disk-pools", Endpoint::DiskPools),
        get("/storage/drives", Endpoint::Drives),
        get("/storage/tape-media", Endpoint::TapeMedia),
        get("/storage/tape-volume-pools", Endpoint::TapeVolumePools),
        get("/storage/robots-device-hosts", Endpoint::RobotsDeviceHosts),
        get("/manage/alerts", Endpoint::Alerts),
        get("/malware/latest-scan-results", Endpoint::MalwareScans),
        get("/catalog/images", Endpoint::CatalogImages),
        get("/catalog/slp-images", Endpoint::SlpImages),
        get("/servicecatalog/slos", Endpoint::Slos),
        get("/config/media-servers", Endpoint::MediaServers),
        get("/config/hosts", Endpoint::Hosts),
        get("/licensing/capacity", Endpoint::LicensingCapacity),
        get("/security/serverinfo", Endpoint::ServerInfo),
        get("/ping", Endpoint::Ping),
        post("/login", Endpoint::Login),
    ]
}

fn template_matches(template: &str, path: &str) -> Option<Option<String>> {
    match template.strip_suffix("/{jobId}") {
        Some(prefix) => {
            let rest = path.strip_prefix(prefix)?.strip_prefix('/')?;
            (!rest.is_empty() && !rest.contains('/')).then(|| Some(rest.to_owned()))
        }
        None => (template == path).then_some(None),
    }
}

enum Routed {
    Found {
        endpoint: Endpoint,
        template: &'static str,
        param: Option<String>,
    },
    MethodNotAllowed {
        template: &'static str,
    },
    NotFound,
}

fn route(method: &Method, path: &str, release: Release) -> Routed {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let mut allowed_elsewhere = None;
    for def in routes() {
        let Some(param) = template_matches(def.template, path) else {
            continue;
        };
        let missing = !release.has_tape_inventory()
            && matches!(
                def.endpoint,
                Endpoint::TapeMedia | Endpoint::TapeVolumePools | Endpoint::RobotsDeviceHosts
            );
        if missing {
            return Routed::NotFound;
        }
        if def.method == *method {
            return Routed::Found {
                endpoint: def.endpoint,
                template: def.template,
                param,
            };
        }
        allowed_elsewhere = Some(def.template);
    }
    match allowed_elsewhere {
        Some(template) => Routed::MethodNotAllowed { template },
        None => Routed::NotFound,
    }
}

/// An error answer with a NetBackup error body. `errorCode` repeats the HTTP status: the specs do not
/// document NetBackup's own codes for these protocol-level errors.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

/// A successful answer.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) content_type: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) json: bool,
}

impl Reply {
    pub(crate) fn json(version: ApiVersion, value: &Value) -> Self {
        Self::json_text(version, serde_json::to_vec(value).unwrap_or_default())
    }

    pub(crate) fn json_text(version: ApiVersion, text: impl Into<Bytes>) -> Self {
        Self {
            status: StatusCode::OK,
            body: text.into(),
            content_type: media_type(version),
            headers: Vec::new(),
            json: true,
        }
    }
}

fn media_type(version: ApiVersion) -> String {
    format!("application/vnd.netbackup+json;version={version}")
}

fn error_response(error: &ApiError, version: ApiVersion) -> Response<SimBody> {
    let body = render::error_body(i64::from(error.status.as_u16()), &error.message, &[]);
    let mut response = Response::new(SimBody::full(serde_json::to_vec(&body).unwrap_or_default()));
    *response.status_mut() = error.status;
    insert(
        response.headers_mut(),
        header::CONTENT_TYPE,
        &media_type(version),
    );
    if let Some(secs) = error.retry_after {
        insert(
            response.headers_mut(),
            header::RETRY_AFTER,
            &secs.to_string(),
        );
    }
    response
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = value.parse() {
        headers.insert(name, value);
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a lock cannot leave these structures half-updated in a way that matters
    // to a simulator; keep serving rather than poisoning every later request.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serves one request.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<SimBody>, std::io::Error> {
    let path = req.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix("/_sim/") {
        return Ok(control(&shared, req, rest).await);
    }
    let method = req.method().clone();
    let api_path = path
        .strip_prefix("/netbackup")
        .filter(|p| p.starts_with('/'))
        .map(str::to_owned);
    let routed = match &api_path {
        Some(api_path) => route(&method, api_path, shared.release),
        None => Routed::NotFound,
    };
    let key = match &routed {
        Routed::Found { template, .. } | Routed::MethodNotAllowed { template } => {
            format!("{method} {template}")
        }
        Routed::NotFound => format!("{method} (unknown)"),
    };
    lock(&shared.stats).record_request(&key);
    let plan = lock(&shared.faults).decide(
        api_path.as_deref().unwrap_or(&path),
        tokio::time::Instant::now(),
    );
    let latency = shared.base_latency + plan.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    // Stamped before the estate is read, so that a change made while this request is served
    // carries a time no earlier than the page's `Date`.
    let date = http_date(shared.clock.timestamp());
    let current = shared.release.api_version();
    let early = match plan.action {
        Action::Close => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "connection closed by fault injection",
            ));
        }
        Action::Stall => {
            let mut shutdown = shared.shutdown.clone();
            let _ = shutdown.wait_for(|stopped| *stopped).await;
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "stalled request released at shutdown",
            ));
        }
        Action::Error {
            status,
            retry_after,
        } => Some(ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            message: "The service is temporarily unavailable (injected fault).".into(),
            retry_after,
        }),
        Action::TooManyRequests { retry_after } => Some(ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: "Too many requests (injected fault).".into(),
            retry_after: Some(retry_after),
        }),
        Action::Serve | Action::Malformed | Action::Truncated => None,
    };
    let mut response = match (early, routed) {
        (Some(error), _) => error_response(&error, current),
        (None, Routed::NotFound) => error_response(
            &ApiError::new(
                StatusCode::NOT_FOUND,
                format!("The requested resource {path} was not found."),
            ),
            current,
        ),
        (None, Routed::MethodNotAllowed { template }) => error_response(
            &ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("Method {method} is not allowed on {template}."),
            ),
            current,
        ),
        (
            None,
            Routed::Found {
                endpoint, param, ..
            },
        ) => handle(&shared, req, endpoint, param).await,
    };
    if response.status().is_success() {
        response = match plan.action {
            Action::Malformed => malformed(response),
            Action::Truncated => truncated(response),
            _ => response,
        };
    }
    if let Ok(date) = header::HeaderValue::from_str(&date) {
        response.headers_mut().insert(header::DATE, date);
    }
    lock(&shared.stats).record_status(&key, response.status().as_u16());
    tracing::debug!(%method, %path, status = response.status().as_u16(), "request");
    Ok(response)
}

/// `at` as an HTTP date (RFC 9110 IMF-fixdate), read from the simulator's clock rather than the
/// wall clock hyper would use: with a fixed `now` the two are years apart.
fn http_date(at: jiff::Timestamp) -> String {
    jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&at)
        .unwrap_or_default()
}

fn take_body(response: &mut Response<SimBody>) -> Bytes {
    match std::mem::replace(response.body_mut(), SimBody::empty()) {
        SimBody::Full(Some(bytes))
        | SimBody::Truncated {
            part: Some(bytes), ..
        } => bytes,
        _ => Bytes::new(),
    }
}

/// Cuts the body at two thirds and appends text that no JSON parser accepts.
fn malformed(mut response: Response<SimBody>) -> Response<SimBody> {
    let body = take_body(&mut response);
    let mut broken = body.slice(..body.len() * 2 / 3).to_vec();
    broken.extend_from_slice(b"<!-- upstream error -->");
    response.headers_mut().remove(header::CONTENT_LENGTH);
    *response.body_mut() = SimBody::full(broken);
    response
}

/// Announces the full length but sends half.
fn truncated(mut response: Response<SimBody>) -> Response<SimBody> {
    let body = take_body(&mut response);
    insert(
        response.headers_mut(),
        header::CONTENT_LENGTH,
        &body.len().to_string(),
    );
    *response.body_mut() = SimBody::truncated(body.slice(..body.len() / 2));
    response
}

/// The API versions a header offers (`Accept` may list several media ranges). Empty when the header
/// is absent or names no version (`*/*`); an error when it is present but asks only for other types.
fn offered_versions(
    headers: &HeaderMap,
    name: header::HeaderName,
    allow_plain: bool,
) -> Result<Vec<ApiVersion>, String> {
    let Some(value) = headers.get(&name) else {
        return Ok(Vec::new());
    };
    let text = value
        .to_str()
        .map_err(|_| format!("the {name} header is not valid text"))?;
    let mut recognised = false;
    let mut versions = Vec::new();
    for range in text.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let ours = media == "application/vnd.netbackup+json"
            || (allow_plain && media == "text/vnd.netbackup+plain");
        recognised |= ours || media == "*/*";
        if ours {
            let version = parts
                .filter_map(|param| param.split_once('='))
                .find(|(key, _)| key.trim().eq_ignore_ascii_case("version"))
                .and_then(|(_, v)| ApiVersion::parse(v));
            versions.extend(version);
        }
    }
    if recognised {
        Ok(versions)
    } else {
        Err(format!(
            "{name} {text:?} does not ask for application/vnd.netbackup+json;version=<version>"
        ))
    }
}

fn negotiate(
    headers: &HeaderMap,
    release: Release,
    endpoint: Endpoint,
) -> Result<ApiVersion, ApiError> {
    let current = release.api_version();
    let unacceptable = |what: String| {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "{what}; this server (NetBackup {release}) produces application/vnd.netbackup+json with versions {}",
                accepted(release)
            ),
        )
    };
    // 10.3's admin.yaml documents the jobs count endpoint with version 6.0 (it was never bumped), so a
    // client written from that spec sends 6.0: every release keeps accepting it there.
    let accepts = |version: ApiVersion| {
        release.accepts(version)
            || (endpoint == Endpoint::JobsCount && version == ApiVersion::new(6, 0))
    };
    // The newest offered version this release serves; `None` when nothing names a version.
    let pick = |offered: Vec<ApiVersion>, header: &str| -> Result<Option<ApiVersion>, ApiError> {
        if offered.is_empty() {
            return Ok(None);
        }
        match offered.iter().copied().filter(|v| accepts(*v)).max() {
            Some(version) => Ok(Some(version)),
            None => {
                let listed: Vec<String> = offered.iter().map(ToString::to_string).collect();
                Err(unacceptable(format!(
                    "API version {} requested in {header} is not supported",
                    listed.join(", ")
                )))
            }
        }
    };
    let accept = offered_versions(headers, header::ACCEPT, endpoint == Endpoint::Ping)
        .map_err(&unacceptable);
    match endpoint {
        // Ping works without any Accept header; a version it is asked for must still be one it speaks.
        Endpoint::Ping => Ok(pick(accept?, "Accept")?.unwrap_or(current)),
        Endpoint::Login | Endpoint::JobsCount => {
            let media_error =
                |reason: String| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, reason);
            let offered =
                offered_versions(headers, header::CONTENT_TYPE, false).map_err(media_error)?;
            let content = offered.into_iter().next().ok_or_else(|| {
                media_error(
                    "Content-Type must be application/vnd.netbackup+json;version=<version>".into(),
                )
            })?;
            if !accepts(content) {
                return Err(media_error(format!(
                    "API version {content} in Content-Type is not supported; use one of {}",
                    accepted(release)
                )));
            }
            // Without an Accept version the answer uses the version of the body.
            Ok(pick(accept?, "Accept")?.unwrap_or(content))
        }
        _ => match pick(accept?, "Accept")? {
            Some(version) => Ok(version),
            None if headers.get(header::ACCEPT).is_none() => {
                Err(unacceptable("the Accept header is missing".into()))
            }
            None => Err(unacceptable("Accept names no API version".into())),
        },
    }
}

fn accepted(release: Release) -> String {
    ApiVersion::KNOWN
        .iter()
        .filter(|v| release.accepts(**v))
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    value == shared.api_key || lock(&shared.tokens).contains(value)
}

async fn handle(
    shared: &Shared,
    req: Request<Incoming>,
    endpoint: Endpoint,
    param: Option<String>,
) -> Response<SimBody> {
    let current = shared.release.api_version();
    let version = match negotiate(req.headers(), shared.release, endpoint) {
        Ok(version) => version,
        Err(error) => return error_response(&error, current),
    };
    let public = matches!(
        endpoint,
        Endpoint::Ping | Endpoint::Login | Endpoint::ServerInfo
    );
    if !public && !authorized(shared, req.headers()) {
        let error = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Authentication failed: send a valid API key or a token from POST /login in the Authorization header.",
        );
        return error_response(&error, version);
    }
    let params = Params::parse(req.uri().query());
    let body = if req.method() == Method::POST {
        match Limited::new(req.into_body(), MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return error_response(
                    &ApiError::bad_request(
                        "The request body could not be read (too large or cut off).",
                    ),
                    version,
                );
            }
        }
    } else {
        Bytes::new()
    };
    let result = match endpoint {
        Endpoint::Ping => Ok(ping(shared, version)),
        Endpoint::Login => login(shared, &body, version),
        _ => {
            let now = shared.clock.now();
            let estate = shared.estate.read().unwrap_or_else(PoisonError::into_inner);
            let ctx = Ctx {
                estate: &estate,
                params: &params,
                version,
                release: shared.release,
                now,
                base_url: &shared.base_url,
            };
            ctx.dispatch(endpoint, param.as_deref(), &body)
        }
    };
    match result {
        Ok(reply) => {
            let mut response = Response::new(SimBody::full(reply.body));
            *response.status_mut() = reply.status;
            insert(
                response.headers_mut(),
                header::CONTENT_TYPE,
                &reply.content_type,
            );
            for (name, value) in reply.headers {
                if let (Ok(name), Ok(value)) = (
                    header::HeaderName::from_bytes(name.as_bytes()),
                    value.parse(),
                ) {
                    response.headers_mut().insert(name, value);
                }
            }
            if !reply.json {
                response.headers_mut().remove(header::CONTENT_LENGTH);
            }
            response
        }
        Err(error) => error_response(&error, version),
    }
}

fn ping(shared: &Shared, version: ApiVersion) -> Reply {
    let millis = u64::from(shared.clock.now()) * 1000;
    Reply {
        status: StatusCode::OK,
        body: Bytes::from(millis.to_string()),
        content_type: format!("text/vnd.netbackup+plain;version={version}"),
        headers: vec![(
            "x-netbackup-api-version",
            shared.release.api_version().to_string(),
        )],
        json: false,
    }
}

fn login(shared: &Shared, body: &[u8], version: ApiVersion) -> Result<Reply, ApiError> {
    let request: Value = serde_json::from_slice(body).map_err(|err| {
        ApiError::bad_request(format!("The login request body is not valid JSON: {err}"))
    })?;
    let field = |name: &str| request.get(name).and_then(Value::as_str);
    let (Some(user), Some(password)) = (field("userName"), field("password")) else {
        return Err(ApiError::bad_request(
            "The login request needs userName and password.",
        ));
    };
    let valid = shared
        .credentials
        .as_ref()
        .is_some_and(|(u, p)| u == user && p == password);
    if !valid {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Authentication failed: wrong user name or password.",
        ));
    }
    let token = {
        let mut rng = lock(&shared.token_rng);
        format!("nbusim{:016x}{:016x}", rng.next_u64(), rng.next_u64())
    };
    lock(&shared.tokens).insert(token.clone());
    let mut reply = Reply::json(
        version,
        &json!({"token": token, "tokenType": "BEARER", "validity": 86_400}),
    );
    reply.status = StatusCode::CREATED;
    Ok(reply)
}

/// `/_sim/*`: runtime control and introspection (no authentication, not counted).
async fn control(shared: &Shared, req: Request<Incoming>, rest: &str) -> Response<SimBody> {
    let method = req.method().clone();
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return control_reply(
                StatusCode::BAD_REQUEST,
                &json!({"error": "the request body could not be read"}),
            );
        }
    };
    match (method, rest.trim_end_matches('/')) {
        (Method::GET, "faults") => {
            control_reply(StatusCode::OK, &json!(lock(&shared.faults).faults()))
        }
        (Method::POST | Method::PUT, "faults") => match serde_json::from_slice::<Faults>(&body) {
            Ok(faults) => match shared.set_faults(faults).await {
                Ok(()) => control_reply(StatusCode::OK, &json!(lock(&shared.faults).faults())),
                Err(err) => {
                    control_reply(StatusCode::BAD_REQUEST, &json!({"error": err.to_string()}))
                }
            },
            Err(err) => control_reply(
                StatusCode::BAD_REQUEST,
                &json!({"error": format!("invalid faults JSON: {err}")}),
            ),
        },
        (Method::DELETE, "faults") => {
            let _ = shared.set_faults(Faults::default()).await;
            control_reply(StatusCode::NO_CONTENT, &Value::Null)
        }
        (Method::GET, "stats") => control_reply(StatusCode::OK, &json!(*lock(&shared.stats))),
        (Method::DELETE, "stats") => {
            *lock(&shared.stats) = crate::Stats::default();
            control_reply(StatusCode::NO_CONTENT, &Value::Null)
        }
        (Method::POST, "changes") => {
            let count = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("count").and_then(Value::as_u64));
            match count {
                Some(count) => {
                    let changed =
                        shared.apply_changes(usize::try_from(count).unwrap_or(usize::MAX));
                    control_reply(StatusCode::OK, &json!({"changed": changed}))
                }
                None => control_reply(
                    StatusCode::BAD_REQUEST,
                    &json!({"error": "send {\"count\": <number of changes>}"}),
                ),
            }
        }
        (method, path) => control_reply(
            StatusCode::NOT_FOUND,
            &json!({"error": format!("no control endpoint {method} /_sim/{path}; see GET|POST|DELETE /_sim/faults, GET|DELETE /_sim/stats, POST /_sim/changes")}),
        ),
    }
}

fn control_reply(status: StatusCode, value: &Value) -> Response<SimBody> {
    let mut response = if status == StatusCode::NO_CONTENT {
        Response::new(SimBody::empty())
    } else {
        let mut response =
            Response::new(SimBody::full(serde_json::to_vec(value).unwrap_or_default()));
        insert(
            response.headers_mut(),
            header::CONTENT_TYPE,
            "application/json",
        );
        response
    };
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_knows_templates_methods_and_release_gaps() {
        assert!(
            matches!(route(&Method::GET, "/admin/jobs/42", Release::V11_2), Routed::Found { endpoint: Endpoint::Job, param: Some(ref p), .. } if p == "42")
        );
        assert!(matches!(
            route(&Method::GET, "/admin/jobs/", Release::V11_2),
            Routed::Found {
                endpoint: Endpoint::Jobs,
                ..
            }
        ));
        assert!(matches!(
            route(&Method::DELETE, "/admin/jobs", Release::V11_2),
            Routed::MethodNotAllowed { .. }
        ));
        assert!(matches!(
            route(&Method::GET, "/storage/tape-media", Release::V10_3),
            Routed::NotFound
        ));
        assert!(matches!(
            route(&Method::GET, "/storage/tape-media", Release::V10_5),
            Routed::Found { .. }
        ));
        assert!(matches!(
            route(&Method::GET, "/nope", Release::V11_2),
            Routed::NotFound
        ));
    }
}
