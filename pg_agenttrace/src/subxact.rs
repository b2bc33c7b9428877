//! One statement tried inside a subtransaction, as PL/pgSQL runs a `BEGIN ... EXCEPTION` block:
//! when it fails with the one expected error, only its own work is rolled back and the caller
//! takes another way; any other error still aborts the whole transaction.
//!
//! Ingest uses it for the spans INSERT: a plain INSERT costs less than one with
//! `ON CONFLICT DO NOTHING`, which probes the primary key of every row before inserting it and
//! takes a speculative-insertion lock per row (measured: ~6 % of an ingress writer's CPU). A
//! batch almost never carries a span already stored, so the plain INSERT is tried first and a
//! re-delivery (unique_violation) falls back to the guarded one — same rows either way.
use std::panic::AssertUnwindSafe;

use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::{PgSqlErrorCode, PgTryBuilder};

/// Runs `f` in a subtransaction. Returns `None` (and rolls the subtransaction back) when it
/// raised `expected`; re-raises every other error after rolling the subtransaction back.
pub fn unless<R>(expected: PgSqlErrorCode, f: impl FnOnce() -> R) -> Option<R> {
    // SAFETY: called inside a transaction on the backend's main thread, like every SPI call;
    // the memory context and resource owner are restored as PL/pgSQL's exec_stmt_block does.
    let (context, owner) = unsafe { (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner) };
    let restore = move || unsafe {
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
    };
    // Work inside runs in the caller's memory context (so its results outlive the
    // subtransaction) and under the subtransaction's resource owner (so what the statement holds
    // when it fails is released with it); both are back as they were once it ends.
    unsafe {
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
    }
    PgTryBuilder::new(AssertUnwindSafe(|| {
        let r = f();
        unsafe { pg_sys::ReleaseCurrentSubTransaction() };
        restore();
        Some(r)
    }))
    .catch_when(expected, |_| {
        unsafe { pg_sys::RollbackAndReleaseCurrentSubTransaction() };
        restore();
        None
    })
    .catch_others(|e: CaughtError| {
        unsafe { pg_sys::RollbackAndReleaseCurrentSubTransaction() };
        restore();
        e.rethrow()
    })
    .execute()
}
