//! pg_agenttrace: the PostgreSQL face of agenttrace-core.
//!
//! One file per SQL capability (`ingest`, `logs`, `mast`, `judge`, `graph`, `replay`, `search`,
//! `redact`); each only adapts types and declares SQL. Ingest's write path is `store` (with
//! `locks`, `subxact`), and what several capabilities share is beside them: `body` (request
//! bodies, dead letters), `settings` (session settings), `columns` and `datums` (set-based
//! statements, their plans and array parameters). Decoding, normalization and analysis live in
//! the `agenttrace-core` crate; `docs/design.md` describes the whole.
use pgrx::prelude::*;

mod body;
mod columns;
mod datums;
mod graph;
mod ingest;
mod judge;
mod locks;
mod logs;
mod mast;
mod redact;
mod replay;
mod search;
mod settings;
mod shard_apply;
mod shard_writes;
mod store;
mod subxact;

::pgrx::pg_module_magic!(name, version);

/// The Rust side of ingest allocates and frees many small values per span (decoded records,
/// attribute maps, rows): mimalloc serves them in about half the CPU of glibc's malloc, whose
/// free-list work was ~10 % of a backend's ingest CPU. Only this library's Rust allocations use
/// it; PostgreSQL's memory (palloc) and every datum handed to it are untouched.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Tables, indexes, hypertable detection and small SQL helpers. Runs first.
extension_sql_file!("../../sql/schema.sql", name = "schema", bootstrap);

/// The extension's version.
#[pg_extern(immutable, parallel_safe)]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

extension_sql!(
    r#"COMMENT ON FUNCTION agenttrace.version() IS 'Version of the installed pg_agenttrace library. Example: SELECT agenttrace.version();';"#,
    name = "comment_version",
    requires = [version]
);

// Time-series functions and views for dashboards (time_bucket or date_bin, chosen at install).
extension_sql_file!("../../sql/analytics.sql", name = "analytics", requires = ["schema"]);

// Retention (set_retention, apply_retention) and the settings table.
extension_sql_file!("../../sql/retention.sql", name = "retention", requires = ["schema"]);

// Read-only role for Grafana: exactly what the shipped dashboards query.
extension_sql_file!("../../sql/grafana_role.sql", name = "grafana_role", requires = ["schema", "mast", "judge_sql", "comment_graph"]);

// Which tables pg_dump includes (configuration tables of the extension).
extension_sql_file!("../../sql/dump.sql", name = "dump", requires = ["schema", "retention", "mast", "judge_sql", "redaction_patterns"]);

// Citus: agenttrace.distribute() (needs every table).
extension_sql_file!(
    "../../sql/citus.sql",
    name = "citus",
    requires = ["schema", "retention", "mast", "judge_sql", "redaction_patterns", shard_apply::apply_shard_writes]
);

// Roles and grants: last, once every table and function exists.
extension_sql_file!("../../sql/roles.sql", name = "roles", finalize);
