//! agenttrace-ingress: an OTLP/HTTP trace receiver in front of the pg_agenttrace extension.
//!
//! Request path: [`routes`] checks auth, content type, size (after decompression) and queue room,
//! then hands the body to [`queue`]; [`db`] writers cut the queue into batches, COPY them into
//! `agenttrace.ingest_staging`, call `agenttrace.ingest_staged` and COMMIT, and only then answer
//! each request from its result row ([`protocol`] encodes it). [`forward`] optionally mirrors
//! accepted bodies to a second endpoint; [`metrics`] is the Prometheus side.
pub mod auth;
pub mod config;
pub mod db;
pub mod forward;
pub mod metrics;
pub mod protocol;
pub mod queue;
pub mod routes;
pub mod server;
