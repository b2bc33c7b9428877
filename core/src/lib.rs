//! agenttrace-core: everything pg_agenttrace knows about agent traces, without PostgreSQL.
//!
//! * [`otlp`] decodes OTLP trace and log export requests (protobuf or OTLP/JSON, gzip optional)
//!   into flat [`model::SpanRecord`]s and [`logs::LogRecord`]s, with bounded size and nesting;
//!   [`redact`] removes secrets before anything is stored.
//! * [`normalize`] reads framework vocabularies (GenAI semconv, OpenInference, Traceloop, ...) into
//!   per-span facts; [`run`] is the run model (span keys and order, the run's tree, agents,
//!   turns, the error forest, the state incremental ingest keeps); on top of it, [`analyze`]
//!   derives a run's agents, messages, tool calls and outcome from all of its spans and
//!   [`incremental`] extends them from a batch and the state; [`runs`] stitches traces into runs;
//!   [`rows`] shapes rows as the extension's tables; [`logs`] lays GenAI content from log events
//!   over their spans.
//! * [`mast`] (failure classification, attribution, verdicts, the LLM judge's prompt),
//!   [`graph`] (agent graphs, span trees) and [`replay`] (checkpoints, replay diffs) analyse
//!   stored runs on demand.
//!
//! `docs/design.md` describes the data flow and the reasons behind it.
pub mod analyze;
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
pub mod run;
pub mod runs;
