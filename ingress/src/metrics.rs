//! Prometheus metrics (prometheus-client). Counter names are registered without `_total`; the
//! library appends it in the exposition, as OpenMetrics requires.
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabel {
    pub code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GrpcCodeLabel {
    pub code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProtocolLabel {
    pub protocol: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SignalLabel {
    pub signal: &'static str,
    pub protocol: &'static str,
}

pub struct Metrics {
    registry: Registry,
    /// OTLP trace export requests received, HTTP and gRPC together (the "traces" signal requests).
    pub traces_received: Counter,
    /// The same requests by front door (protocol=http|grpc).
    pub export_requests: Family<ProtocolLabel, Counter>,
    pub grpc_responses: Family<GrpcCodeLabel, Counter>,
    pub connections_open: Gauge,
    /// Accepts that had to wait because --max-connections were open.
    pub connection_limit_waits: Counter,
    /// Spans in committed requests, by result=accepted|rejected (counts come from the database).
    pub spans_received: Family<ResultLabel, Counter>,
    /// OTLP logs export requests received (HTTP and gRPC).
    pub logs_received: Counter,
    /// Export requests of every signal by signal (traces|logs) and protocol (http|grpc).
    pub signal_requests: Family<SignalLabel, Counter>,
    /// Log records in committed requests, by result=accepted|rejected.
    pub log_records_received: Family<ResultLabel, Counter>,
    pub bytes_received: Counter,
    pub ingestion_errors: Family<ReasonLabel, Counter>,
    pub ingestion_duration: Histogram,
    pub http_responses: Family<CodeLabel, Counter>,
    pub batch_bodies: Histogram,
    pub batch_bytes: Histogram,
    pub batches: Family<ResultLabel, Counter>,
    pub queue_requests: Gauge,
    pub queue_bytes: Gauge,
    pub db_roundtrip: Histogram,
    pub db_connections: Gauge,
    pub db_reconnects: Counter,
    pub forward: Family<ResultLabel, Counter>,
    /// Durable spool (--spool-dir): bodies appended and acknowledged.
    pub spool_appends: Counter,
    /// Group commits (one fdatasync each) of the spool.
    pub spool_fsyncs: Counter,
    /// Bodies the spool refused, by reason (full, io_error).
    pub spool_refused: Family<ReasonLabel, Counter>,
    /// Spooled bodies settled, by result (committed, invalid, quarantined).
    pub spool_drained: Family<ResultLabel, Counter>,
    /// Damaged or torn records found (and skipped or cut off) while draining.
    pub spool_damaged: Counter,
    pub spool_unsent_bytes: Gauge,
    pub spool_disk_bytes: Gauge,
    pub spool_segments: Gauge,
    pub spool_oldest_unsent_age: Gauge<f64, std::sync::atomic::AtomicU64>,
    pub spooling: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut r = Registry::default();
        let m = Metrics {
            traces_received: Counter::default(),
            export_requests: Family::default(),
            grpc_responses: Family::default(),
            connections_open: Gauge::default(),
            connection_limit_waits: Counter::default(),
            spans_received: Family::default(),
            logs_received: Counter::default(),
            signal_requests: Family::default(),
            log_records_received: Family::default(),
            bytes_received: Counter::default(),
            ingestion_errors: Family::default(),
            // 100 µs .. ~52 s
            ingestion_duration: Histogram::new(exponential_buckets(0.0001, 2.0, 20)),
            http_responses: Family::default(),
            batch_bodies: Histogram::new(exponential_buckets(1.0, 2.0, 12)),
            batch_bytes: Histogram::new(exponential_buckets(256.0, 4.0, 12)),
            batches: Family::default(),
            queue_requests: Gauge::default(),
            queue_bytes: Gauge::default(),
            db_roundtrip: Histogram::new(exponential_buckets(0.0001, 2.0, 20)),
            db_connections: Gauge::default(),
            db_reconnects: Counter::default(),
            forward: Family::default(),
            spool_appends: Counter::default(),
            spool_fsyncs: Counter::default(),
            spool_refused: Family::default(),
            spool_drained: Family::default(),
            spool_damaged: Counter::default(),
            spool_unsent_bytes: Gauge::default(),
            spool_disk_bytes: Gauge::default(),
            spool_segments: Gauge::default(),
            spool_oldest_unsent_age: Gauge::default(),
            spooling: Gauge::default(),
            registry: Registry::default(),
        };
        r.register(
            "agenttrace_traces_received",
            "OTLP trace export requests received (OTLP/HTTP and OTLP/gRPC)",
            m.traces_received.clone(),
        );
        r.register("agenttrace_export_requests", "OTLP trace export requests by protocol (http or grpc)", m.export_requests.clone());
        r.register("agenttrace_grpc_responses", "Answers of TraceService/Export by gRPC status code", m.grpc_responses.clone());
        r.register("agenttrace_connections_open", "Client connections open (HTTP and gRPC listeners)", m.connections_open.clone());
        r.register(
            "agenttrace_connection_limit_waits",
            "Times a new connection waited because --max-connections were open",
            m.connection_limit_waits.clone(),
        );
        r.register("agenttrace_spans_received", "Spans of committed requests, by result (accepted or rejected)", m.spans_received.clone());
        r.register("agenttrace_logs_received", "OTLP logs export requests received (OTLP/HTTP and OTLP/gRPC)", m.logs_received.clone());
        r.register(
            "agenttrace_signal_export_requests",
            "OTLP export requests by signal (traces or logs) and protocol (http or grpc)",
            m.signal_requests.clone(),
        );
        r.register(
            "agenttrace_log_records_received",
            "Log records of committed requests, by result (accepted or rejected)",
            m.log_records_received.clone(),
        );
        r.register_with_unit(
            "agenttrace_received",
            "Request body bytes received (as sent, before decompression)",
            Unit::Bytes,
            m.bytes_received.clone(),
        );
        r.register("agenttrace_ingestion_errors", "Requests not stored, by reason", m.ingestion_errors.clone());
        r.register_with_unit(
            "agenttrace_ingestion_duration",
            "Time from request receipt to response of an export request (HTTP or gRPC)",
            Unit::Seconds,
            m.ingestion_duration.clone(),
        );
        r.register("agenttrace_http_responses", "Responses on /v1/traces by HTTP status code", m.http_responses.clone());
        r.register("agenttrace_batch_bodies", "Request bodies per database batch", m.batch_bodies.clone());
        r.register_with_unit("agenttrace_batch", "Body bytes per database batch", Unit::Bytes, m.batch_bytes.clone());
        r.register("agenttrace_batches", "Database batches by result (committed or failed)", m.batches.clone());
        r.register("agenttrace_queue_depth", "Requests queued or being written (bounded by the queue limit)", m.queue_requests.clone());
        r.register_with_unit("agenttrace_queue", "Body bytes queued or being written", Unit::Bytes, m.queue_bytes.clone());
        r.register_with_unit(
            "agenttrace_db_roundtrip",
            "Database time of one batch: nextval + COPY + ingest_staged + COMMIT",
            Unit::Seconds,
            m.db_roundtrip.clone(),
        );
        r.register("agenttrace_db_connections", "Writer connections currently up", m.db_connections.clone());
        r.register("agenttrace_db_reconnects", "Writer (re)connection attempts that failed", m.db_reconnects.clone());
        r.register("agenttrace_forward", "Bodies for the dual-export endpoint, by result (sent, failed, dropped)", m.forward.clone());
        r.register("agenttrace_spool_appends", "Bodies appended to the durable spool and acknowledged", m.spool_appends.clone());
        r.register(
            "agenttrace_spool_fsyncs",
            "Group commits of the spool (one fdatasync for every body that arrived meanwhile)",
            m.spool_fsyncs.clone(),
        );
        r.register("agenttrace_spool_refused", "Bodies the spool refused (503), by reason (full, io_error)", m.spool_refused.clone());
        r.register(
            "agenttrace_spool_drained",
            "Spooled bodies settled, by result (committed, invalid: dead-lettered, quarantined); its rate is the drain rate",
            m.spool_drained.clone(),
        );
        r.register(
            "agenttrace_spool_damaged_records",
            "Damaged or torn spool records skipped or cut off while draining",
            m.spool_damaged.clone(),
        );
        r.register_with_unit(
            "agenttrace_spool_unsent",
            "Spooled body bytes not yet committed to the database (bounded by --spool-max-bytes)",
            Unit::Bytes,
            m.spool_unsent_bytes.clone(),
        );
        r.register_with_unit("agenttrace_spool_disk", "Bytes of all spool segment files", Unit::Bytes, m.spool_disk_bytes.clone());
        r.register("agenttrace_spool_segments", "Spool segment files", m.spool_segments.clone());
        r.register_with_unit(
            "agenttrace_spool_oldest_unsent_age",
            "Age of the oldest spooled body not yet committed (0 when none waits)",
            Unit::Seconds,
            m.spool_oldest_unsent_age.clone(),
        );
        r.register(
            "agenttrace_spooling",
            "1 while the database does not take spooled bodies (they wait on disk), else 0",
            m.spooling.clone(),
        );
        Metrics { registry: r, ..m }
    }

    pub fn error(&self, reason: &'static str) {
        self.ingestion_errors.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(8 << 10);
        prometheus_client::encoding::text::encode(&mut s, &self.registry).expect("formatting into a String cannot fail");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_series_are_exposed() {
        let m = Metrics::new();
        m.traces_received.inc();
        m.spans_received.get_or_create(&ResultLabel { result: "accepted" }).inc_by(5);
        m.error("bad_request");
        m.ingestion_duration.observe(0.01);
        m.batch_bodies.observe(3.0);
        m.queue_requests.set(2);
        m.db_roundtrip.observe(0.002);
        let text = m.render();
        for needle in [
            "agenttrace_traces_received_total 1",
            "agenttrace_spans_received_total{result=\"accepted\"} 5",
            "agenttrace_ingestion_errors_total{reason=\"bad_request\"} 1",
            "agenttrace_ingestion_duration_seconds_bucket",
            "agenttrace_ingestion_duration_seconds_count 1",
            "agenttrace_batch_bodies_bucket",
            "agenttrace_batch_bytes_bucket",
            "agenttrace_queue_depth 2",
            "agenttrace_queue_bytes",
            "agenttrace_db_roundtrip_seconds_bucket",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }
}
