//! The HTTP side: `/metrics` from the current snapshot, `/health`, the landing page, `/-/reload`.

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use jiff::Timestamp;
use nbu_collector::{Publisher, SiteStatus, Snapshot};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// Prometheus text format 0.0.4.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A request to reload the configuration, answered with the outcome: the line to answer with
/// ("configuration reloaded" or "configuration unchanged"), or why the reload was rejected.
pub(crate) type ReloadRequest = oneshot::Sender<Result<&'static str, String>>;

/// What the HTTP handlers read.
pub(crate) struct HttpState {
    pub(crate) publisher: Arc<Publisher>,
    pub(crate) metrics_path: String,
    pub(crate) reload: mpsc::Sender<ReloadRequest>,
}

/// Serves until `shutdown` fires, then lets in-flight requests finish within `grace`.
pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<HttpState>,
    shutdown: CancellationToken,
    grace: Duration,
) {
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Running out of file descriptors is transient; back off instead of spinning.
                    warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let state = Arc::clone(&state);
        let service = service_fn(move |request| {
            let state = Arc::clone(&state);
            async move { Ok::<_, Infallible>(route(&state, request, peer).await) }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => info!("HTTP connections drained"),
        () = tokio::time::sleep(grace) => warn!(grace_s = grace.as_secs(), "HTTP connections still open after the shutdown timeout; closing them"),
    }
}

async fn route(
    state: &HttpState,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let path = request.uri().path();
    let method = request.method();
    debug!(%peer, %method, path, "request");
    match (method, path) {
        (&Method::GET | &Method::HEAD, p) if p == state.metrics_path => metrics(state, &request),
        (&Method::GET | &Method::HEAD, "/health") => health(state),
        (&Method::GET | &Method::HEAD, "/") => landing(state),
        (&Method::POST | &Method::PUT, "/-/reload") => reload(state).await,
        (_, p) if p == state.metrics_path || p == "/health" || p == "/" || p == "/-/reload" => {
            text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

fn gzip(body: &[u8]) -> Bytes {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(body);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn metrics(state: &HttpState, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let snapshot = state.publisher.snapshot();
    let mut response = if accepts_gzip(request.headers()) {
        let mut response = Response::new(Full::new(snapshot.encoded_with(gzip)));
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        Response::new(Full::new(snapshot.exposition.clone()))
    };
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(METRICS_CONTENT_TYPE),
    );
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// Why a site counts as failing for `/health`: nothing while every collector has succeeded within
/// its staleness bound (or has not run yet). One failed run alone does not make a site unhealthy.
fn site_problems(site: &SiteStatus, now: Timestamp) -> Vec<serde_json::Value> {
    if let Some(error) = &site.setup_error {
        return vec![serde_json::json!({"site": site.site, "collector": null, "error": error})];
    }
    site.collectors
        .iter()
        .filter(|c| c.stale(now))
        .map(|c| {
            serde_json::json!({
                "site": site.site,
                "collector": c.name,
                "error": c.last_error.clone().unwrap_or_else(|| "no successful collection within the staleness bound".to_owned()),
                "last_success": c.last_success.map(|t| t.to_string()),
            })
        })
        .collect()
}

fn health(state: &HttpState) -> Response<Full<Bytes>> {
    let snapshot = state.publisher.snapshot();
    let now = Timestamp::now();
    let problems: Vec<_> = snapshot
        .sites
        .iter()
        .flat_map(|site| site_problems(site, now))
        .collect();
    let (status, body) = if problems.is_empty() {
        let starting = snapshot.sites.iter().any(SiteStatus::starting);
        (
            StatusCode::OK,
            serde_json::json!({"status": if starting { "starting" } else { "ok" }}),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"status": "unhealthy", "failing": problems}),
        )
    };
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn reload(state: &HttpState) -> Response<Full<Bytes>> {
    let (answer, outcome) = oneshot::channel();
    if state.reload.send(answer).await.is_err() {
        return text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    match outcome.await {
        Ok(Ok(answer)) => text(StatusCode::OK, answer),
        Ok(Err(error)) => text(
            StatusCode::BAD_REQUEST,
            &format!("reload rejected; the previous configuration stays:\n{error}\n"),
        ),
        Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n"),
    }
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn landing(state: &HttpState) -> Response<Full<Bytes>> {
    let snapshot: Arc<Snapshot> = state.publisher.snapshot();
    let mut rows = String::new();
    for site in &snapshot.sites {
        let version = site.api_version.as_deref().unwrap_or("not negotiated yet");
        let setup = site
            .setup_error
            .as_deref()
            .map(|e| format!("<br><small>setup failed: {}</small>", escape_html(e)))
            .unwrap_or_default();
        let mut collectors = String::new();
        for c in &site.collectors {
            let last = c
                .last_success
                .map_or_else(|| "never".to_owned(), |t| t.to_string());
            let error = c
                .last_error
                .as_deref()
                .map(|e| format!(" — <em>{}</em>", escape_html(e)))
                .unwrap_or_default();
            collectors.push_str(&format!(
                "{}: {} (last success {last}){error}<br>",
                c.name,
                if c.last_run_succeeded {
                    "ok"
                } else {
                    "failing"
                }
            ));
        }
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{setup}</td></tr>\n",
            escape_html(&site.site),
            escape_html(version),
            if site.up() { "up" } else { "down" },
            collectors
        ));
    }
    let metrics = escape_html(&state.metrics_path);
    let body = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>NetBackup exporter</title>\
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.3em .8em;text-align:left;vertical-align:top}}</style></head>\
<body><h1>NetBackup exporter</h1><p>version {version}</p>\
<p><a href=\"{metrics}\">Metrics</a> · <a href=\"/health\">Health</a></p>\
<table><tr><th>site</th><th>API version</th><th>state</th><th>collectors</th></tr>\n{rows}</table>\
<p><small>snapshot published {published}</small></p></body></html>\n",
        version = env!("CARGO_PKG_VERSION"),
        published = snapshot.published_at,
    );
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use http::{HeaderMap, HeaderValue, header};

    use super::{accepts_gzip, escape_html, gzip};

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn gzip_is_chosen_only_when_offered_and_not_refused() {
        assert!(accepts_gzip(&headers(&["gzip"])));
        assert!(accepts_gzip(&headers(&["deflate, GZIP;q=0.5"])));
        assert!(accepts_gzip(&headers(&["br", "gzip"])));
        assert!(!accepts_gzip(&headers(&[])));
        assert!(!accepts_gzip(&headers(&["gzip;q=0"])));
        assert!(!accepts_gzip(&headers(&["x-gzip-like, identity"])));
    }

    #[test]
    fn gzip_round_trips() {
        let body = b"nbu_up{site=\"a\"} 1\n".repeat(100);
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzip(&body)[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, body);
    }

    #[test]
    fn landing_page_text_is_escaped() {
        assert_eq!(
            escape_html("<b>\"x\" & y</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;"
        );
    }
}
