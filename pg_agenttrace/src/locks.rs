//! The transaction-level advisory locks that serialise concurrent writers of the same trace or
//! run (several ingress writers, span and log ingest). One key per trace or run id, taken in
//! ascending key order by every writer, so two transactions that share a trace or a run wait
//! for each other and never deadlock.
use agenttrace_core::ids::TraceId;
use pgrx::spi::{SpiClient, SpiResult};

use crate::columns::execute_cached;

/// Advisory lock key of a trace or run id (a run id is the id of one of its traces).
pub(crate) fn lock_key(r: &TraceId) -> i64 {
    i64::from_be_bytes([r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]])
        ^ i64::from_be_bytes([r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]])
}

/// Locks every trace or run id of `ids` until the end of the transaction, in key order.
pub(crate) fn lock_traces<'a>(client: &mut SpiClient<'_>, ids: impl IntoIterator<Item = &'a TraceId>) -> SpiResult<()> {
    let mut keys: Vec<i64> = ids.into_iter().map(lock_key).collect();
    if keys.is_empty() {
        return Ok(());
    }
    keys.sort_unstable();
    keys.dedup();
    execute_cached(
        client,
        "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT k FROM unnest($1::int8[]) AS k ORDER BY k) AS locks",
        &[keys.into()],
    )?;
    Ok(())
}
