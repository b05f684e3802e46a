//! Logs and traces. The OpenTelemetry tracer provider is built here and handed to the tracing
//! subscriber of this process only: no global provider, so libraries and tests stay unaffected.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanData, SpanExporter};
use tracing::{Level, Metadata};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer, fmt};

/// Where and how to log.
#[derive(Debug, Clone)]
pub(crate) struct LogSettings {
    /// `stdout`, `""` and `-` mean standard output; anything else is a file path (appended to).
    pub(crate) destination: String,
    /// A tracing filter directive such as `info` or `nbu_api=debug,info`.
    pub(crate) level: String,
    /// One JSON object a line instead of text.
    pub(crate) json: bool,
}

/// Where traces go, when they go anywhere.
#[derive(Debug, Clone)]
pub(crate) struct TraceSettings {
    /// The OTLP/gRPC endpoint, e.g. `localhost:4317` or `http://collector:4317`.
    pub(crate) endpoint: String,
    /// Plain-text gRPC; the only transport built in.
    pub(crate) insecure: bool,
    /// The fraction of traces kept, 0 to 1.
    pub(crate) sampling_rate: f64,
}

/// Keeps the tracer provider alive and flushes it at shutdown.
pub(crate) struct Telemetry {
    provider: Option<Traces>,
}

/// A tracer provider and whether its endpoint is known to be failing.
pub(crate) struct Traces {
    provider: SdkTracerProvider,
    health: Arc<EndpointHealth>,
}

impl Traces {
    fn tracer(&self) -> opentelemetry_sdk::trace::Tracer {
        self.provider.tracer("nbu-exporter")
    }

    /// Flushes what is queued: briefly when the endpoint is known not to answer, since waiting
    /// for it would only delay the exit (and the outage was reported when it began). was reported when the endpoint stopped answering; it is not repeated.
    fn shutdown(self) -> OTelSdkResult {
        if self.health.failing.load(Ordering::Relaxed) {
            let _ = self
                .provider
                .shutdown_with_timeout(Duration::from_millis(100));
            return Ok(());
        }
        self.provider.shutdown_with_timeout(FLUSH_TIMEOUT)
    }
}

/// The longest an exit waits for queued spans to reach a working endpoint.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the start-up check waits for the endpoint to accept a connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether the trace endpoint is failing, so that an outage is reported once, not per batch.
#[derive(Debug)]
struct EndpointHealth {
    endpoint: String,
    failing: AtomicBool,
}

impl EndpointHealth {
    fn failed(&self, error: &dyn std::fmt::Display) {
        if !self.failing.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                endpoint = %self.endpoint,
                "cannot send traces to the OpenTelemetry endpoint `{}`: {error}; traces are dropped until it answers",
                self.endpoint
            );
        }
    }

    fn succeeded(&self) {
        if self.failing.swap(false, Ordering::Relaxed) {
            tracing::info!(endpoint = %self.endpoint, "traces reach the OpenTelemetry endpoint again");
        }
    }
}

/// An exporter that reports the first failure of an outage (the SDK only counts them).
#[derive(Debug)]
struct Reported<E> {
    inner: E,
    health: Arc<EndpointHealth>,
}

impl<E: SpanExporter> SpanExporter for Reported<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => self.health.succeeded(),
            Err(error) => self.health.failed(error),
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource);
    }
}

/// Tells at start-up whether anything listens at the endpoint: the first export happens only
/// seconds later, and a silent endpoint is the usual mistake.
async fn probe(health: Arc<EndpointHealth>, address: String) {
    match tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect(&address)).await {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => health.failed(&error),
        Err(_) => health.failed(&format!(
            "no connection within {}s",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}

/// `host:port` of an endpoint written as `host:port` or `http://host:port[/path]`.
fn socket_address(endpoint: &str) -> String {
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// The file watcher's libraries log every file-system event at trace level (through the `log`
/// bridge); with the log file in a watched directory, each line would be a new event. Their
/// warnings and errors still show.
fn not_per_file_event(metadata: &Metadata<'_>) -> bool {
    !metadata.target().starts_with("notify") || *metadata.level() <= Level::WARN
}

/// Builds the tracer provider for `traces`, or explains why traces stay off. Tracing is an aid,
/// not a duty: a setting we cannot honour (the Go exporter accepted it) must not stop the exporter.
pub(crate) fn optional_provider(
    traces: Option<&TraceSettings>,
) -> (Option<Traces>, Option<String>) {
    match traces.map(tracer_provider) {
        None => (None, None),
        Some(Ok(provider)) => (Some(provider), None),
        Some(Err(reason)) => (None, Some(format!("traces are off: {reason}"))),
    }
}

impl Telemetry {
    /// Flushes and stops the tracer provider, if one runs.
    pub(crate) fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(%error, "flushing traces failed");
        }
    }
}

fn tracer_provider(settings: &TraceSettings) -> Result<Traces, String> {
    let endpoint = if settings.endpoint.contains("://") {
        settings.endpoint.clone()
    } else {
        format!("http://{}", settings.endpoint)
    };
    if endpoint.starts_with("https://") || !settings.insecure {
        return Err(format!(
            "opentelemetry.endpoint `{}`: only plain-text OTLP/gRPC is built in; set `opentelemetry.insecure: true` \
             and point it at a local collector (which can forward over TLS)",
            settings.endpoint
        ));
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .map_err(|e| format!("opentelemetry.endpoint `{}`: {e}", settings.endpoint))?;
    let health = Arc::new(EndpointHealth {
        endpoint: settings.endpoint.clone(),
        failing: AtomicBool::new(false),
    });
    let exporter = Reported {
        inner: exporter,
        health: Arc::clone(&health),
    };
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("nbu-exporter")
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            settings.sampling_rate.clamp(0.0, 1.0),
        ))))
        .with_resource(resource)
        .build();
    Ok(Traces { provider, health })
}

/// Installs the process's tracing subscriber. Call once, from `main`.
pub(crate) fn init(log: &LogSettings, traces: Option<&TraceSettings>) -> Result<Telemetry, String> {
    let filter = EnvFilter::try_new(&log.level)
        .map_err(|e| format!("log level `{}` is not a valid filter: {e}", log.level))?;
    let to_stdout = matches!(log.destination.as_str(), "" | "-" | "stdout");
    let to_stderr = log.destination == "stderr";
    let writer = if to_stderr {
        fmt::writer::BoxMakeWriter::new(std::io::stderr)
    } else if to_stdout {
        fmt::writer::BoxMakeWriter::new(std::io::stdout)
    } else {
        let path = Path::new(&log.destination);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                format!(
                    "server.logName `{}`: cannot open for appending: {e}",
                    path.display()
                )
            })?;
        fmt::writer::BoxMakeWriter::new(Mutex::new(file))
    };
    let fmt_layer = fmt::layer().with_writer(writer).with_ansi(false);
    let fmt_layer = if log.json {
        fmt_layer.json().boxed()
    } else {
        fmt_layer.boxed()
    };
    let (provider, trace_warning) = optional_provider(traces);
    let otel_layer = provider
        .as_ref()
        .map(|traces| tracing_opentelemetry::layer().with_tracer(traces.tracer()));
    tracing_subscriber::registry()
        .with(filter)
        .with(filter_fn(not_per_file_event))
        .with(fmt_layer)
        .with(otel_layer)
        .try_init()
        .map_err(|e| format!("cannot install the log subscriber: {e}"))?;
    if let Some(warning) = trace_warning {
        tracing::warn!("{warning}");
    }
    if let (Some(traces), Some(settings), Ok(runtime)) =
        (&provider, traces, tokio::runtime::Handle::try_current())
    {
        runtime.spawn(probe(
            Arc::clone(&traces.health),
            socket_address(&settings.endpoint),
        ));
    }
    Ok(Telemetry { provider })
}

#[cfg(test)]
mod tests {
    use super::{TraceSettings, optional_provider, tracer_provider};

    fn settings(endpoint: &str, insecure: bool) -> TraceSettings {
        TraceSettings {
            endpoint: endpoint.to_owned(),
            insecure,
            sampling_rate: 0.5,
        }
    }

    #[test]
    fn the_file_watchers_per_event_lines_are_dropped_but_not_its_warnings() {
        use tracing::callsite::Identifier;
        use tracing::metadata::Kind;
        use tracing::{Level, Metadata};
        struct Site;
        impl tracing::Callsite for Site {
            fn set_interest(&self, _: tracing::subscriber::Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                unreachable!("only the identifier is used")
            }
        }
        static SITE: Site = Site;
        let metadata = |target: &'static str, level: Level| {
            Metadata::new(
                "event",
                target,
                level,
                None,
                None,
                None,
                tracing::field::FieldSet::new(&[], Identifier(&SITE)),
                Kind::EVENT,
            )
        };
        assert!(!super::not_per_file_event(&metadata(
            "notify::inotify",
            Level::TRACE
        )));
        assert!(!super::not_per_file_event(&metadata(
            "notify_debouncer_full",
            Level::INFO
        )));
        assert!(super::not_per_file_event(&metadata(
            "notify::inotify",
            Level::WARN
        )));
        assert!(super::not_per_file_event(&metadata(
            "notify_debouncer_full",
            Level::ERROR
        )));
        assert!(super::not_per_file_event(&metadata(
            "nbu_api::client",
            Level::TRACE
        )));
    }

    #[test]
    fn the_probe_address_is_host_and_port() {
        assert_eq!(super::socket_address("127.0.0.1:4317"), "127.0.0.1:4317");
        assert_eq!(super::socket_address("http://otel:4317/v1"), "otel:4317");
    }

    #[tokio::test]
    async fn a_plain_text_endpoint_builds_a_provider_without_connecting() {
        // Port 9 (discard) on loopback: nothing listens, and building must not need it to.
        let provider = tracer_provider(&settings("127.0.0.1:9", true)).expect("provider");
        provider.shutdown().ok();
    }

    #[tokio::test]
    async fn an_unusable_trace_setting_turns_traces_off_with_a_reason() {
        let (provider, warning) = optional_provider(Some(&settings("otel.example:4317", false)));
        assert!(provider.is_none());
        assert!(warning.is_some_and(|w| w.contains("traces are off")));
        let (provider, warning) = optional_provider(None);
        assert!(
            provider.is_none() && warning.is_none(),
            "disabled means a no-op, silently"
        );
    }

    #[tokio::test]
    async fn tls_endpoints_are_refused_with_the_fix() {
        for (endpoint, insecure) in [
            ("https://otel.example:4317", true),
            ("otel.example:4317", false),
        ] {
            let Err(error) = tracer_provider(&settings(endpoint, insecure)) else {
                panic!("{endpoint} must be refused");
            };
            assert!(error.contains("opentelemetry.insecure: true"), "{error}");
            assert!(
                error.contains(endpoint),
                "the message names the endpoint: {error}"
            );
        }
    }
}
