//! Logs and traces. The OpenTelemetry tracer provider is built here and handed to the tracing
//! subscriber of this process only: no global provider, so libraries and tests stay unaffected.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
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
    provider: Option<SdkTracerProvider>,
}

/// Builds the tracer provider for `traces`, or explains why traces stay off. Tracing is an aid,
/// not a duty: a setting we cannot honour (the Go exporter accepted it) must not stop the exporter.
pub(crate) fn optional_provider(
    traces: Option<&TraceSettings>,
) -> (Option<SdkTracerProvider>, Option<String>) {
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

fn tracer_provider(settings: &TraceSettings) -> Result<SdkTracerProvider, String> {
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
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("nbu-exporter")
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            settings.sampling_rate.clamp(0.0, 1.0),
        ))))
        .with_resource(resource)
        .build())
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
    let otel_layer = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer().with_tracer(provider.tracer("nbu-exporter"))
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_layer)
        .with(otel_layer)
        .try_init()
        .map_err(|e| format!("cannot install the log subscriber: {e}"))?;
    if let Some(warning) = trace_warning {
        tracing::warn!("{warning}");
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
