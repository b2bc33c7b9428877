//! The extension's session settings (GUCs read with `current_setting(..., true)`, so an unset
//! one takes its default), read by trace ingest, log ingest and the store.
use pgrx::spi::{SpiClient, SpiResult};

/// `agenttrace.normalize` (default on; `off` stores raw and leaves derivation to renormalize()).
pub(crate) fn normalize_enabled(client: &SpiClient<'_>) -> SpiResult<bool> {
    Ok(crate::columns::select_cached(client, "SELECT current_setting('agenttrace.normalize', true)", &[])?
        .first()
        .get_one::<String>()?
        .is_none_or(|v| !matches!(v.to_ascii_lowercase().as_str(), "off" | "false" | "0" | "no")))
}

/// Runs of at most this many spans keep no `run_state` (`agenttrace.state_min_spans`).
pub(crate) const STATE_MIN_SPANS: i64 = 64;

/// `agenttrace.state_min_spans` (default [`STATE_MIN_SPANS`]): a run keeps a `run_state` row,
/// and its later requests are extended from it, once it has more spans than this. A shorter run
/// is cheaper to read back whole on its next request (at most this many spans) than to keep a
/// state on every write: most runs are short, and their state was ~8 % of their ingest CPU.
pub(crate) fn state_min_spans(client: &SpiClient<'_>) -> SpiResult<i64> {
    Ok(crate::columns::select_cached(client, "SELECT current_setting('agenttrace.state_min_spans', true)", &[])?
        .first()
        .get_one::<String>()?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map_or(STATE_MIN_SPANS, |n| n.max(0)))
}
