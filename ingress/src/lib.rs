//! agenttrace-ingress: an OTLP/HTTP and OTLP/gRPC trace receiver in front of the pg_agenttrace
//! extension.
//!
//! Request path: two front doors, [`routes`] (OTLP/HTTP) and [`grpc`] (OTLP/gRPC), both served by
//! [`listen`] (connection limit, TLS, header limits), turn a request into uncompressed OTLP bytes
//! within the limits and hand them to [`ingest`] (rate limit, auth, database up, queue room), the
//! one pipeline: it queues the body in [`queue`]; [`db`] writers cut the queue into batches, COPY them into
//! `agenttrace.ingest_staging`, call `agenttrace.ingest_staged` and COMMIT, and only then answer
//! each request from its result row ([`protocol`] encodes it). [`judge`] is the optional LLM
//! judge, a separate binary (`agenttrace-judge`) sharing the crate. [`forward`] optionally mirrors
//! accepted bodies to a second endpoint; [`metrics`] is the Prometheus side. With `--spool-dir`,
//! [`spool`] sits between [`ingest`] and the queue: a body is acknowledged once it is fsync'd to
//! a local segment, and the spool's drainer feeds the queue whenever the database can take it.
pub mod auth;
pub mod config;
pub mod db;
pub mod forward;
pub mod grpc;
pub mod ingest;
pub mod judge;
pub mod listen;
pub mod metrics;
pub mod protocol;
pub mod queue;
pub mod ratelimit;
pub mod routes;
pub mod server;
pub mod spool;

#[cfg(test)]
mod wire_tests;
