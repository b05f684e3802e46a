//! The HTTP side: `/metrics` from the current snapshot, the status endpoints (`/-/healthy` for
//! liveness, `/-/ready` for readiness, `/health` for the detailed report), the landing page and
//! `/-/reload`.

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
use nbu_collector::{CollectorStatus, Health, ProgressReport, Publisher, SiteStatus, Snapshot};
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
        (&Method::GET | &Method::HEAD, "/-/healthy") => text(StatusCode::OK, "Healthy\n"),
        (&Method::GET | &Method::HEAD, "/-/ready") => {
            let (status, body) = readiness(&state.publisher.snapshot());
            text(status, &body)
        }
        (&Method::GET | &Method::HEAD, "/") => landing(state),
        (&Method::POST | &Method::PUT, "/-/reload") => reload(state).await,
        (_, p)
            if p == state.metrics_path
                || matches!(p, "/health" | "/-/healthy" | "/-/ready" | "/" | "/-/reload") =>
        {
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

/// `/-/ready`: ready once every site has finished the first run of each of its collectors
/// (succeeded or failed) or has failed its setup at least once; until then 503, naming the sites
/// still loading. It never waits for NetBackup to be healthy: a site that is down is "ready" as
/// soon as that is known.
fn readiness(snapshot: &Snapshot) -> (StatusCode, String) {
    let loading: Vec<&str> = snapshot
        .sites
        .iter()
        .filter(|site| !site.ready())
        .map(|site| site.site.as_str())
        .collect();
    if loading.is_empty() {
        (StatusCode::OK, "Ready\n".to_owned())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "Not ready: first collection still running for site(s) {}\n",
                loading.join(", ")
            ),
        )
    }
}

/// `2026-01-02T03:04:05Z`: RFC 3339 in UTC to the second.
fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A duration in seconds as JSON: an integer when whole (`60`, not `60.0`).
fn json_seconds(duration: Duration) -> serde_json::Value {
    if duration.subsec_nanos() == 0 {
        serde_json::json!(duration.as_secs())
    } else {
        serde_json::json!(duration.as_secs_f64())
    }
}

/// What a loading collector shows of its first run: how far it got and what it waits for.
fn progress_text(report: Option<&ProgressReport>) -> String {
    match report {
        None => "not started yet".to_owned(),
        Some(report) => match &report.waiting_for {
            Some(what) => format!("{}; waiting for {what}", report.done()),
            None => report.done(),
        },
    }
}

/// The progress of `collector`'s first run, while it is loading; `None` once it has finished a run.
fn loading_progress(
    publisher: &Publisher,
    site: &SiteStatus,
    collector: &CollectorStatus,
) -> Option<String> {
    (collector.health() == Health::Loading)
        .then(|| progress_text(publisher.progress(&site.site, collector.name).as_ref()))
}

/// The entries of the flat `failing` list for one site: its own error (setup failed, or the
/// latest contact failed), then each stale collector.
fn site_problems(site: &SiteStatus, now: Timestamp) -> Vec<serde_json::Value> {
    if let Some(error) = &site.setup_error {
        return vec![serde_json::json!({"site": site.site, "collector": null, "error": error})];
    }
    let mut problems = Vec::new();
    if !site.up() && site.contact.is_some() {
        let error = site
            .error()
            .unwrap_or("NetBackup did not answer the latest request");
        problems.push(serde_json::json!({"site": site.site, "collector": null, "error": error}));
    }
    problems.extend(site.collectors.iter().filter(|c| c.stale(now)).map(|c| {
        serde_json::json!({
            "site": site.site,
            "collector": c.name,
            "error": c.last_error.clone().unwrap_or_else(|| "no successful collection within the staleness bound".to_owned()),
            "last_success": c.last_success.map(rfc3339),
        })
    }));
    problems
}

/// The `/health` report and its status: 503 when some site is failing, else 200.
fn health_report(publisher: &Publisher, now: Timestamp) -> (StatusCode, serde_json::Value) {
    let snapshot = publisher.snapshot();
    let mut overall = Health::Ok;
    let mut failing = Vec::new();
    let mut sites = Vec::with_capacity(snapshot.sites.len());
    for site in &snapshot.sites {
        let health = site.health(now);
        overall = overall.max(health);
        failing.extend(site_problems(site, now));
        let collectors: Vec<_> = site
            .collectors
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": c.name,
                    "state": c.health().as_str(),
                    "stale": c.stale(now),
                    "last_success": c.last_success.map(rfc3339),
                    "last_error": c.last_error,
                    "interval_seconds": c.interval.map(json_seconds),
                    "progress": loading_progress(publisher, site, c),
                })
            })
            .collect();
        sites.push(serde_json::json!({
            "site": site.site,
            "url": site.url,
            "up": site.up(),
            "state": health.as_str(),
            "api_version": site.api_version,
            "error": site.error(),
            "collectors": collectors,
        }));
    }
    let status = if overall == Health::Failing {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (
        status,
        serde_json::json!({"status": overall.as_str(), "sites": sites, "failing": failing}),
    )
}

fn health(state: &HttpState) -> Response<Full<Bytes>> {
    let (status, body) = health_report(&state.publisher, Timestamp::now());
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

/// `2026-01-02 03:04:05 UTC (12 s ago)`.
fn readable_time(ts: Timestamp, now: Timestamp) -> String {
    let ago = now.duration_since(ts);
    let ago = if ago.is_negative() {
        "just now".to_owned()
    } else {
        format!("{} ago", readable_duration(ago.unsigned_abs()))
    };
    format!("{} ({ago})", ts.strftime("%Y-%m-%d %H:%M:%S UTC"))
}

/// `12 s`, `4 min 12 s`, `2 h 5 min`, `3 d 4 h`: two units at most, to the second.
fn readable_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (days, hours, mins, secs) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, _) if secs == 0 => format!("{mins} min"),
        (0, 0, _) => format!("{mins} min {secs} s"),
        (0, _, _) => format!("{hours} h {mins} min"),
        _ => format!("{days} d {hours} h"),
    }
}

fn landing(state: &HttpState) -> Response<Full<Bytes>> {
    let body = landing_page(&state.publisher, &state.metrics_path, Timestamp::now());
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The landing page: per site where it is, how it is doing, and each collector's latest news.
fn landing_page(publisher: &Publisher, metrics_path: &str, now: Timestamp) -> String {
    let snapshot: Arc<Snapshot> = publisher.snapshot();
    let mut rows = String::new();
    for site in &snapshot.sites {
        let version = site.api_version.as_deref().unwrap_or("not negotiated yet");
        let url = site.url.as_deref().unwrap_or("");
        let error = site
            .error()
            .map(|e| format!("<br><small>{}</small>", escape_html(e)))
            .unwrap_or_default();
        let mut collectors = String::new();
        for c in &site.collectors {
            let interval = c
                .interval
                .map(|i| format!(", every {}", readable_duration(i)))
                .unwrap_or_default();
            let last = c.last_success.map_or_else(
                || "never".to_owned(),
                |t| escape_html(&readable_time(t, now)),
            );
            let stale = if c.stale(now) { ", stale" } else { "" };
            let error = c
                .last_error
                .as_deref()
                .filter(|_| !c.last_run_succeeded)
                .map(|e| format!("<br><em>{}</em>", escape_html(e)))
                .unwrap_or_default();
            let progress = loading_progress(publisher, site, c)
                .map(|p| format!("<br><small>{}</small>", escape_html(&p)))
                .unwrap_or_default();
            collectors.push_str(&format!(
                "<b>{}</b>: {}{stale}{interval}; last success {last}{error}{progress}<br>\n",
                escape_html(c.name),
                c.health().as_str(),
            ));
        }
        rows.push_str(&format!(
            "<tr><td>{}<br><small>{}</small></td><td>{} ({}){error}</td><td>{}</td><td>{collectors}</td></tr>\n",
            escape_html(&site.site),
            escape_html(url),
            site.health(now).as_str(),
            if site.up() { "up" } else { "down" },
            escape_html(version),
        ));
    }
    let metrics = escape_html(metrics_path);
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>NetBackup exporter</title>\
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.3em .8em;text-align:left;vertical-align:top}}</style></head>\
<body><h1>NetBackup exporter</h1><p>version {version}</p>\
<p><a href=\"{metrics}\">Metrics</a> · <a href=\"/health\">Health</a> · \
<a href=\"/-/ready\">Ready</a> · <a href=\"/-/healthy\">Healthy</a></p>\
<table><tr><th>site</th><th>state</th><th>API version</th><th>collectors</th></tr>\n{rows}</table>\
<p><small>status as of {published}</small></p></body></html>\n",
        version = env!("CARGO_PKG_VERSION"),
        published = escape_html(&readable_time(snapshot.published_at, now)),
    )
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use http::{HeaderMap, HeaderValue, header};

    use std::time::Duration;

    use http::StatusCode;
    use jiff::{SignedDuration, Timestamp};
    use nbu_collector::{Collected, Contact, Progress, Publisher, RunFailure};

    use super::{
        accepts_gzip, escape_html, gzip, health_report, landing_page, readable_duration, readiness,
    };

    const MINUTE: Duration = Duration::from_secs(60);

    fn start() -> Timestamp {
        "2026-03-04T05:06:07Z".parse().unwrap()
    }

    /// A site set up with jobs and storage collectors, neither of which has finished a run.
    fn site(publisher: &Publisher, name: &str) {
        publisher.register_site(name);
        publisher.set_site_url(name, &format!("https://{name}.example:1556/netbackup"));
        publisher.site_connected(name, "14.0");
        publisher.site_contact(name, Contact::Answered, None, start());
        publisher.register_collectors(name, &[("jobs", MINUTE), ("storage", 5 * MINUTE)]);
    }

    fn ok(publisher: &Publisher, site: &str, collector: &'static str, at: Timestamp) {
        publisher.record(
            site,
            collector,
            at,
            Duration::from_secs(1),
            Ok(Collected::default()),
        );
    }

    #[test]
    fn a_long_first_load_is_loading_with_its_progress_and_not_ready() {
        let publisher = Publisher::new();
        site(&publisher, "dc1");
        let progress = Progress::new();
        progress.expect_pages(1000);
        for _ in 0..312 {
            progress.page_read("/admin/jobs", 100);
        }
        publisher.run_started("dc1", "jobs", &progress);
        ok(&publisher, "dc1", "storage", start());

        let now = start() + SignedDuration::from_secs(30);
        let (status, body) = health_report(&publisher, now);
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "loading");
        let site = &body["sites"][0];
        assert_eq!(site["state"], "loading");
        assert_eq!(site["up"], true);
        let jobs = &site["collectors"][0];
        assert_eq!(jobs["name"], "jobs");
        assert_eq!(jobs["state"], "loading");
        assert_eq!(
            jobs["progress"],
            "312 of ~1,000 pages and 31,200 items read"
        );
        assert_eq!(site["collectors"][1]["state"], "ok");
        assert_eq!(site["collectors"][1]["progress"], serde_json::Value::Null);
        let (ready, text) = readiness(&publisher.snapshot());
        assert_eq!(ready, StatusCode::SERVICE_UNAVAILABLE);
        assert!(text.contains("dc1"), "{text}");

        ok(&publisher, "dc1", "jobs", now);
        let (status, body) = health_report(&publisher, now);
        assert_eq!((status, &body["status"]), (StatusCode::OK, &"ok".into()));
        assert_eq!(
            body["sites"][0]["collectors"][0]["progress"],
            serde_json::Value::Null
        );
        assert_eq!(
            readiness(&publisher.snapshot()),
            (StatusCode::OK, "Ready\n".to_owned())
        );
    }

    #[test]
    fn the_report_has_the_documented_shape() {
        let publisher = Publisher::new();
        site(&publisher, "dc1");
        ok(&publisher, "dc1", "jobs", start());
        publisher.record(
            "dc1",
            "storage",
            start(),
            Duration::from_millis(1500),
            Err(RunFailure::new(
                "/storage/storage-units (API 14.0): HTTP 404",
            )),
        );
        let (status, body) = health_report(&publisher, start() + SignedDuration::from_secs(5));
        let expected = serde_json::json!({
            "status": "ok",
            "sites": [{
                "site": "dc1",
                "url": "https://dc1.example:1556/netbackup",
                "up": true,
                "state": "ok",
                "api_version": "14.0",
                "error": null,
                "collectors": [
                    {"name": "jobs", "state": "ok", "stale": false,
                     "last_success": "2026-03-04T05:06:07Z", "last_error": null,
                     "interval_seconds": 60, "progress": null},
                    {"name": "storage", "state": "failing", "stale": true,
                     "last_success": null,
                     "last_error": "/storage/storage-units (API 14.0): HTTP 404",
                     "interval_seconds": 300, "progress": null},
                ],
            }],
            "failing": [{"site": "dc1", "collector": "storage",
                         "error": "/storage/storage-units (API 14.0): HTTP 404",
                         "last_success": null}],
        });
        // A collector that never succeeded is stale at once, and so fails its site.
        assert_eq!(
            body["sites"][0]["collectors"],
            expected["sites"][0]["collectors"]
        );
        assert_eq!(body["sites"][0]["state"], "failing");
        assert_eq!(body["status"], "failing");
        assert_eq!(body["failing"], expected["failing"]);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn one_site_down_fails_health_but_not_readiness() {
        let publisher = Publisher::new();
        site(&publisher, "dc1");
        ok(&publisher, "dc1", "jobs", start());
        ok(&publisher, "dc1", "storage", start());
        publisher.register_site("dc2");
        publisher.site_setup_failed("dc2", "/admin/jobs (API 14.0): cannot connect");
        publisher.site_contact(
            "dc2",
            Contact::Failed,
            Some("/admin/jobs (API 14.0): cannot connect"),
            start(),
        );
        let now = start() + SignedDuration::from_secs(5);
        let (status, body) = health_report(&publisher, now);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["status"], "failing");
        assert_eq!(body["sites"][0]["state"], "ok");
        assert_eq!(body["sites"][1]["state"], "failing");
        assert_eq!(body["sites"][1]["up"], false);
        assert_eq!(body["sites"][1]["api_version"], serde_json::Value::Null);
        assert_eq!(
            body["failing"],
            serde_json::json!([{"site": "dc2", "collector": null,
                                "error": "/admin/jobs (API 14.0): cannot connect"}])
        );
        assert_eq!(readiness(&publisher.snapshot()).0, StatusCode::OK);
    }

    #[test]
    fn a_site_that_stopped_answering_is_failing_though_nothing_is_stale_yet() {
        let publisher = Publisher::new();
        site(&publisher, "dc1");
        ok(&publisher, "dc1", "jobs", start());
        ok(&publisher, "dc1", "storage", start());
        publisher.record(
            "dc1",
            "jobs",
            start() + SignedDuration::from_secs(60),
            Duration::from_secs(1),
            Err(RunFailure::new("/admin/jobs: cannot connect").with_contact(Contact::Failed)),
        );
        let (status, body) = health_report(&publisher, start() + SignedDuration::from_secs(61));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["sites"][0]["up"], false);
        assert_eq!(body["sites"][0]["state"], "failing");
        assert_eq!(body["sites"][0]["error"], "/admin/jobs: cannot connect");
        assert_eq!(body["sites"][0]["collectors"][0]["stale"], false);
    }

    #[test]
    fn before_setup_a_site_is_loading_and_not_ready() {
        let publisher = Publisher::new();
        publisher.register_site("dc1");
        let (status, body) = health_report(&publisher, start());
        assert_eq!(
            (status, &body["status"]),
            (StatusCode::OK, &"loading".into())
        );
        assert_eq!(body["sites"][0]["up"], false);
        assert_eq!(
            readiness(&publisher.snapshot()).0,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn the_landing_page_is_readable_and_escaped() {
        let publisher = Publisher::new();
        site(&publisher, "dc<1>");
        ok(&publisher, "dc<1>", "jobs", start());
        publisher.record(
            "dc<1>",
            "storage",
            start(),
            Duration::from_secs(1),
            Err(RunFailure::new("HTTP 404: <b>no</b>")),
        );
        let page = landing_page(
            &publisher,
            "/metrics",
            start() + SignedDuration::from_secs(12),
        );
        for wanted in [
            "dc&lt;1&gt;",
            "https://dc&lt;1&gt;.example:1556/netbackup",
            "failing (up)",
            "14.0",
            "<b>jobs</b>: ok, every 1 min; last success 2026-03-04 05:06:07 UTC (12 s ago)",
            "every 5 min",
            "HTTP 404: &lt;b&gt;no&lt;/b&gt;",
            "href=\"/-/ready\"",
            "href=\"/-/healthy\"",
            "href=\"/health\"",
            "href=\"/metrics\"",
        ] {
            assert!(page.contains(wanted), "{wanted} missing from:\n{page}");
        }
        assert!(!page.contains("<1>"), "unescaped site name:\n{page}");
    }

    #[test]
    fn durations_read_in_two_units_at_most() {
        assert_eq!(readable_duration(Duration::from_secs(12)), "12 s");
        assert_eq!(readable_duration(Duration::from_secs(300)), "5 min");
        assert_eq!(readable_duration(Duration::from_secs(252)), "4 min 12 s");
        assert_eq!(readable_duration(Duration::from_secs(7500)), "2 h 5 min");
        assert_eq!(readable_duration(Duration::from_secs(273_600)), "3 d 4 h");
    }

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
