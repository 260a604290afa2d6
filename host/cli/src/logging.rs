//! Logging set-up: tracing to stderr, JSON or human-readable, and — when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set — the same spans exported as OpenTelemetry traces over
//! OTLP/HTTP (protobuf). The standard `OTEL_*` variables apply (`OTEL_SERVICE_NAME`,
//! `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_SCHEDULE_DELAY`, ...).

use crate::config::LogConfig;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// The registry behind the global filter: what the output layers see.
type Filtered = tracing_subscriber::layer::Layered<EnvFilter, Registry>;

/// Flushes the trace exporter when dropped (at the end of `main`).
pub struct LogGuard {
    traces: Option<SdkTracerProvider>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.traces.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("warning: exporting the last traces failed: {e}");
        }
    }
}

/// Installs the global subscriber (once). Must run outside the async runtime: the OTLP
/// exporter sends from its own thread with a blocking client.
pub fn init(config: &LogConfig) -> LogGuard {
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let mut layers: Vec<Box<dyn Layer<Filtered> + Send + Sync>> = vec![if config.json {
        fmt.json().flatten_event(true).boxed()
    } else {
        fmt.compact().boxed()
    }];
    let traces = match otlp_endpoint() {
        Some(endpoint) => match tracer_provider(&endpoint) {
            Ok(provider) => Some(provider),
            Err(e) => {
                eprintln!("warning: OpenTelemetry traces are off: {e}");
                None
            }
        },
        None => None,
    };
    if let Some(provider) = &traces {
        layers.push(
            tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("dailyx"))
                .boxed(),
        );
    }
    // One global filter in front of both: what is not logged is not traced either. (As a
    // per-layer `with_filter` it silently dropped most events once a directive such as
    // `sqlx=warn` had filtered one out on a thread.)
    let result = tracing_subscriber::registry()
        .with(filter)
        .with(layers)
        .try_init();
    if let Err(e) = result {
        eprintln!("warning: logging already initialised: {e}");
    }
    LogGuard { traces }
}

fn otlp_endpoint() -> Option<String> {
    [
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ]
    .iter()
    .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
}

/// A provider exporting in batches to the collector (the exporter reads the endpoint, headers
/// and timeout from the `OTEL_EXPORTER_OTLP_*` variables itself).
fn tracer_provider(endpoint: &str) -> Result<SdkTracerProvider, String> {
    dailyx_runtime::install_crypto_provider();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .build()
        .map_err(|e| format!("cannot export to {endpoint}: {e}"))?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(
            std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "dailyx".to_owned()),
        )
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}
