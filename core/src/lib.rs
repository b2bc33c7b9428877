//! agenttrace-core: everything pg_agenttrace knows about agent traces, without PostgreSQL.
//!
//! * [`otlp`] decodes OTLP `ExportTraceServiceRequest` bodies (protobuf or OTLP/JSON, gzip optional)
//!   into flat [`model::SpanRecord`]s, with bounded size and nesting.
//! * [`normalize`] reads framework vocabularies (GenAI semconv, OpenInference, Traceloop, ...) into
//!   per-span facts and per-run agents, messages, tool calls and outcome.
pub mod corpus;
pub mod graph;
pub mod ids;
pub mod incremental;
pub mod logs;
pub mod mast;
pub mod model;
pub mod normalize;
pub mod otlp;
pub mod redact;
pub mod replay;
pub mod rng;
pub mod rows;
pub mod runs;
