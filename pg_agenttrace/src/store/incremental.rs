//! The fast path of normalized ingest, so that a request's cost does not grow with the length of
//! its run: a run whose state row is current is extended
//! from the batch and keyed reads ([`agenttrace_core::incremental`]) instead of being read back
//! and analysed whole. Runs it does not take (new runs, merges, set-up traces, GenAI content from
//! log events, anything `incremental::extend` declines) go the whole-run way in `store.rs`.
use std::collections::{HashMap, HashSet};

use agenttrace_core::ids::{i64_to_span_id, span_id_to_i64, TraceId};
use agenttrace_core::incremental::{extend, Delta, RunStore};
use agenttrace_core::model::SpanRecord;
use agenttrace_core::normalize::SpanCategory;
use agenttrace_core::rows::{FactsView, SpanRow};
use agenttrace_core::run::{OrderKey, RunState, SpanKey, StoredSpan};
use pgrx::spi::{SpiClient, SpiError, SpiHeapTupleData, SpiResult};

use super::derived::{agent_columns, checkpoint_columns, message_columns, run_writes, tool_call_columns, RunRow};
use super::runs::{upsert_traces_incremental, StoredTrace, TraceAdd};
use super::spans::{insert_events_links, insert_resources, insert_span_rows};
use super::uuids;
use crate::columns::{select_cached, trace_id, uuid, Columns, Writes};

// Every look-up below is per key: a LATERAL sub-select fenced with OFFSET 0 is planned as an
// index probe per key, never as a join over the whole table (plans are cached for the backend's
// lifetime, see IngestPlanning; one made while a table was small must stay right as it grows).
// Citus plans a lateral sub-select over unnest() only without OFFSET or LIMIT: there the fence is
// left out (each shard plans its own probe) and `turns_before` asks key by key.
fn fence() -> &'static str {
    if crate::columns::citus_present() {
        ""
    } else {
        "OFFSET 0"
    }
}
const STORED_COLUMNS: &str = "s.trace_id, s.span_id, s.parent_span_id, s.start_time_unix_nano, s.end_time_unix_nano, s.category,
       s.agent_name, s.tool_name, s.framework, s.is_error, s.input_tokens, s.output_tokens, s.error_type, s.error_message";

fn stored_span(row: &SpiHeapTupleData) -> SpiResult<Option<StoredSpan>> {
    let (Some(t), Some(s)) = (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?) else {
        return Ok(None);
    };
    let nanos = |v: Option<i64>| v.map_or(0, |v| v.max(0) as u64);
    Ok(Some(StoredSpan {
        trace_id: trace_id(&t),
        span_id: i64_to_span_id(s),
        parent: row.get::<i64>(3)?.map(i64_to_span_id),
        start: nanos(row.get::<i64>(4)?),
        end: nanos(row.get::<i64>(5)?),
        category: SpanCategory::parse(row.get::<String>(6)?.as_deref().unwrap_or("")),
        owner: row.get::<String>(7)?,
        tool_name: row.get::<String>(8)?,
        framework: row.get::<String>(9)?,
        is_error: row.get::<bool>(10)?.unwrap_or(false),
        input_tokens: row.get::<i64>(11)?,
        output_tokens: row.get::<i64>(12)?,
        error_type: row.get::<String>(13)?,
        error_message: row.get::<String>(14)?,
    }))
}

/// Keyed reads of one run's stored spans.
struct SpiStore<'s, 'c> {
    client: &'s SpiClient<'c>,
    run: TraceId,
    /// The run's traces: on Citus, reads by run also name them, so that they go to those
    /// traces' shards only (spans are distributed by trace).
    traces: Vec<pgrx::Uuid>,
}

/// `AND {col} = ANY($n)` on Citus (see [`SpiStore::traces`]), nothing on one server, where the
/// reads by run use their own indexes.
fn on_shards(col: &str, n: usize) -> String {
    if crate::columns::citus_present() {
        format!("AND {col} = ANY(${n}::uuid[])")
    } else {
        String::new()
    }
}

impl SpiStore<'_, '_> {
    fn select(&self, sql: &str, args: Vec<pgrx::datum::DatumWithOid<'_>>) -> SpiResult<Vec<StoredSpan>> {
        let mut out = Vec::new();
        for row in select_cached(self.client, sql, &args)? {
            out.extend(stored_span(&row)?);
        }
        Ok(out)
    }
}

fn key_arrays(keys: &[SpanKey]) -> (Vec<pgrx::Uuid>, Vec<i64>) {
    (keys.iter().map(|(t, _)| uuid(t)).collect(), keys.iter().map(|(_, s)| span_id_to_i64(s)).collect())
}

impl RunStore for SpiStore<'_, '_> {
    type Error = SpiError;

    fn spans(&mut self, keys: &[SpanKey]) -> SpiResult<Vec<StoredSpan>> {
        let (t, s) = key_arrays(keys);
        self.select(
            &format!(
                "SELECT {STORED_COLUMNS} FROM unnest($1::uuid[], $2::int8[]) AS k(trace_id, span_id)
                  CROSS JOIN LATERAL (SELECT * FROM agenttrace.spans x
                                       WHERE x.trace_id = k.trace_id AND x.span_id = k.span_id {} {}) s",
                on_shards("x.trace_id", 1),
                fence()
            ),
            vec![t.into(), s.into()],
        )
    }

    fn children(&mut self, parents: &[SpanKey]) -> SpiResult<Vec<StoredSpan>> {
        let (t, s) = key_arrays(parents);
        self.select(
            &format!(
                "SELECT {STORED_COLUMNS} FROM unnest($1::uuid[], $2::int8[]) AS k(trace_id, span_id)
                  CROSS JOIN LATERAL (SELECT * FROM agenttrace.spans x
                                       WHERE x.trace_id = k.trace_id AND x.parent_span_id = k.span_id {} {}) s",
                on_shards("x.trace_id", 1),
                fence()
            ),
            vec![t.into(), s.into()],
        )
    }

    fn errors(&mut self) -> SpiResult<Vec<StoredSpan>> {
        self.select(
            &format!("SELECT {STORED_COLUMNS} FROM agenttrace.spans s WHERE s.run_id = $1 AND s.is_error {}", on_shards("s.trace_id", 2)),
            vec![uuid(&self.run).into(), self.traces.clone().into()],
        )
    }

    fn turns(&mut self) -> SpiResult<Vec<(StoredSpan, Option<String>, Option<String>)>> {
        let mut out = Vec::new();
        for row in select_cached(
            self.client,
            &format!(
                "SELECT {STORED_COLUMNS}, s.input_text, s.output_text FROM agenttrace.spans s
                  WHERE s.run_id = $1 AND s.category = 'agent' AND s.agent_name IS NOT NULL {}",
                on_shards("s.trace_id", 2)
            ),
            &[uuid(&self.run).into(), self.traces.clone().into()],
        )? {
            if let Some(span) = stored_span(&row)? {
                out.push((span, row.get::<String>(15)?, row.get::<String>(16)?));
            }
        }
        Ok(out)
    }

    fn turns_before(&mut self, keys: &[OrderKey]) -> SpiResult<Vec<Option<(OrderKey, String)>>> {
        let mut out: Vec<Option<(OrderKey, String)>> = vec![None; keys.len()];
        let nanos = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        if crate::columns::citus_present() {
            let sql = format!("SELECT 1::int8, t.* FROM ({}) t", turn_before("$2", "$3", "$4", "$5", &on_shards("s.trace_id", 6)));
            for (slot, k) in out.iter_mut().zip(keys) {
                let args = [
                    uuid(&self.run).into(),
                    nanos(k.start).into(),
                    nanos(u64::MAX - k.end_rev).into(),
                    uuid(&k.trace).into(),
                    k.span.into(),
                    self.traces.clone().into(),
                ];
                for row in select_cached(self.client, &sql, &args)? {
                    *slot = turn_row(&row)?;
                }
            }
            return Ok(out);
        }
        let sql = format!(
            "SELECT k.i, t.* FROM unnest($2::int8[], $3::int8[], $4::uuid[], $5::int8[]) WITH ORDINALITY AS k(st, en, tr, sp, i)
              CROSS JOIN LATERAL ({} OFFSET 0) t",
            turn_before("k.st", "k.en", "k.tr", "k.sp", "")
        );
        for row in select_cached(
            self.client,
            &sql,
            &[
                uuid(&self.run).into(),
                keys.iter().map(|k| nanos(k.start)).collect::<Vec<i64>>().into(),
                keys.iter().map(|k| nanos(u64::MAX - k.end_rev)).collect::<Vec<i64>>().into(),
                keys.iter().map(|k| uuid(&k.trace)).collect::<Vec<pgrx::Uuid>>().into(),
                keys.iter().map(|k| k.span).collect::<Vec<i64>>().into(),
            ],
        )? {
            let i = row.get::<i64>(1)?;
            if let Some(slot) = i.and_then(|i| usize::try_from(i).ok()).and_then(|i| out.get_mut(i.wrapping_sub(1))) {
                *slot = turn_row(&row)?;
            }
        }
        Ok(out)
    }
}

/// The latest stored agent turn of run `$1` strictly before the time-order key
/// (`st`, `en`, `tr`, `sp`), on `spans_run_turn_idx` (`start <= st` as an index condition: the OR
/// below implies it).
fn turn_before(st: &str, en: &str, tr: &str, sp: &str, route: &str) -> String {
    format!(
        "SELECT s.trace_id, s.span_id, s.start_time_unix_nano, s.end_time_unix_nano, s.agent_name
           FROM agenttrace.spans s
          WHERE s.run_id = $1 AND s.category = 'agent' AND s.agent_name IS NOT NULL {route}
            AND s.start_time_unix_nano <= {st}
            AND (s.start_time_unix_nano < {st}
                 OR (s.start_time_unix_nano = {st} AND (s.end_time_unix_nano > {en}
                     OR (s.end_time_unix_nano = {en} AND (s.trace_id, s.span_id) < ({tr}, {sp})))))
          ORDER BY s.start_time_unix_nano DESC, s.end_time_unix_nano, s.trace_id DESC, s.span_id DESC
          LIMIT 1"
    )
}

/// Columns 2-6 of a `turn_before` row: its key and agent.
fn turn_row(row: &SpiHeapTupleData) -> SpiResult<Option<(OrderKey, String)>> {
    let (Some(t), Some(sp), Some(st), Some(en), Some(agent)) =
        (row.get::<pgrx::Uuid>(2)?, row.get::<i64>(3)?, row.get::<i64>(4)?, row.get::<i64>(5)?, row.get::<String>(6)?)
    else {
        return Ok(None);
    };
    Ok(Some((OrderKey::new(trace_id(&t), i64_to_span_id(sp), st.max(0) as u64, en.max(0) as u64), agent)))
}

/// The batch's runs that may be extended, with their traces in the batch: runs already stored,
/// none merged and none joined by a set-up trace. A trace not stored yet may join a stored run
/// through its links (AutoGen starts a trace per message): its spans are new spans of that run,
/// unless they are all set-up spans (whole-run analysis decides those traces' set-up flag).
fn extendable_runs(
    new_spans: &[SpanRecord],
    stored: &[(TraceId, TraceId)],
    run_of: &dyn Fn(&TraceId) -> TraceId,
    setup_pairs: &[(TraceId, TraceId)],
) -> HashMap<TraceId, Vec<TraceId>> {
    let stored_run: HashMap<TraceId, TraceId> = stored.iter().copied().collect();
    let stored_runs: HashSet<TraceId> = stored.iter().map(|(_, r)| *r).collect();
    let mut setup_only_new: HashMap<TraceId, bool> = HashMap::new();
    for s in new_spans.iter().filter(|s| !stored_run.contains_key(&s.trace_id)) {
        let only = setup_only_new.entry(s.trace_id).or_insert(true);
        *only = *only && agenttrace_core::runs::is_setup_span(s);
    }
    // Runs that go whole-run, with why (named at DEBUG1 when they were stored before).
    let mut excluded: HashMap<TraceId, &'static str> = HashMap::new();
    for (t, r) in stored {
        if run_of(t) != *r {
            excluded.insert(run_of(t), "runs merged by a link");
            excluded.insert(*r, "runs merged by a link");
        }
    }
    for (a, b) in setup_pairs {
        excluded.insert(run_of(a), "a set-up trace joins it");
        excluded.insert(run_of(b), "a set-up trace joins it");
    }
    let mut traces_of: HashMap<TraceId, Vec<TraceId>> = HashMap::new();
    for s in new_spans.iter() {
        let r = run_of(&s.trace_id);
        let why = match stored_run.get(&s.trace_id) {
            Some(stored) if *stored == r => None,
            Some(_) => Some("runs merged by a link"),
            None if !stored_runs.contains(&r) => Some("new run"),
            None if setup_only_new[&s.trace_id] => Some("a trace of set-up spans only joins it"),
            None => None,
        };
        if let Some(why) = why {
            excluded.entry(r).or_insert(why);
        }
        traces_of.entry(r).or_default().push(s.trace_id);
    }
    for (r, why) in &excluded {
        if stored_runs.contains(r) && traces_of.contains_key(r) {
            pgrx::debug1!("pg_agenttrace: run {} analysed whole: {why}", agenttrace_core::ids::to_hex(r));
        }
    }
    traces_of.retain(|r, _| !excluded.contains_key(r));
    traces_of
}

/// The stored states of these runs; runs without one leave `traces_of`.
fn read_states(client: &mut SpiClient<'_>, traces_of: &mut HashMap<TraceId, Vec<TraceId>>) -> SpiResult<HashMap<TraceId, RunState>> {
    let runs: Vec<TraceId> = traces_of.keys().copied().collect();
    let mut states: HashMap<TraceId, RunState> = HashMap::new();
    for row in select_cached(client, "SELECT run_id, state::text FROM agenttrace.run_state WHERE run_id = ANY($1)", &[uuids(&runs).into()])?
    {
        if let (Some(r), Some(text)) = (row.get::<pgrx::Uuid>(1)?, row.get::<String>(2)?) {
            if let Ok(st) = serde_json::from_str::<RunState>(&text) {
                states.insert(trace_id(&r), st);
            }
        }
    }
    // A stored run without a state: a short one (see ingest::state_min_spans), one ingested raw,
    // or one whose state was dropped by a merge.
    traces_of.retain(|r, _| {
        let has = states.contains_key(r);
        if !has {
            pgrx::debug1!(
                "pg_agenttrace: run {} analysed whole: no state (runs of up to agenttrace.state_min_spans spans keep none)",
                agenttrace_core::ids::to_hex(r)
            );
        }
        has
    });
    Ok(states)
}

/// Runs with set-up traces, or with new spans whose GenAI content came as log events, leave
/// `traces_of`: whole-run analysis derives those.
fn drop_content_elsewhere(
    client: &mut SpiClient<'_>,
    new_spans: &[SpanRecord],
    traces_of: &mut HashMap<TraceId, Vec<TraceId>>,
    run_of: &dyn Fn(&TraceId) -> TraceId,
) -> SpiResult<()> {
    let mut traces: Vec<TraceId> = traces_of.values().flatten().copied().collect();
    traces.sort_unstable();
    traces.dedup();
    // Set-up traces and spans with GenAI content from log events: whole-run analysis.
    for row in
        select_cached(client, "SELECT trace_id FROM agenttrace.traces WHERE trace_id = ANY($1) AND is_setup", &[uuids(&traces).into()])?
    {
        if let Some(t) = row.get::<pgrx::Uuid>(1)? {
            traces_of.remove(&run_of(&trace_id(&t)));
        }
    }
    let candidates: Vec<SpanKey> =
        new_spans.iter().filter(|s| traces_of.contains_key(&run_of(&s.trace_id))).map(|s| (s.trace_id, s.span_id)).collect();
    let citus = crate::columns::citus_present();
    let mut probed: Vec<SpanKey> = candidates;
    if citus {
        // Only spans of traces noted with GenAI events (on the coordinator) are asked for on the shards.
        let noted: HashSet<TraceId> = super::overlay::genai_event_traces(client, uuids(&traces))?.iter().map(trace_id).collect();
        probed.retain(|(t, _)| noted.contains(t));
    }
    let (pt, ps) = key_arrays(&probed);
    if !(citus && probed.is_empty()) {
        for row in select_cached(
            client,
            if citus {
                // Distributed by route_id (a record's trace id): an IN list keyed by it, on the
                // candidates' shards only.
                "SELECT DISTINCT l.trace_id FROM agenttrace.log_records l
                  WHERE (l.trace_id, l.span_id) IN (SELECT * FROM unnest($1::uuid[], $2::int8[]))
                    AND l.route_id = ANY($1) AND l.genai IS NOT NULL"
            } else {
                "SELECT DISTINCT k.trace_id FROM unnest($1::uuid[], $2::int8[]) AS k(trace_id, span_id)
                  WHERE EXISTS (SELECT 1 FROM agenttrace.log_records l
                                 WHERE l.route_id = k.trace_id AND l.trace_id = k.trace_id AND l.span_id = k.span_id
                                   AND l.genai IS NOT NULL OFFSET 0)"
            },
            &[pt.into(), ps.into()],
        )? {
            if let Some(t) = row.get::<pgrx::Uuid>(1)? {
                traces_of.remove(&run_of(&trace_id(&t)));
            }
        }
    }
    Ok(())
}

/// The keys among `candidates` already stored (re-delivered spans are not new).
fn stored_keys(client: &mut SpiClient<'_>, candidates: &[SpanKey]) -> SpiResult<HashSet<SpanKey>> {
    let (kt, ks) = key_arrays(candidates);
    let mut existing: HashSet<SpanKey> = HashSet::new();
    for row in select_cached(
        client,
        if crate::columns::citus_present() {
            // Citus plans no correlated sub-select over unnest(); an IN list it does.
            "SELECT x.trace_id, x.span_id FROM agenttrace.spans x
              WHERE (x.trace_id, x.span_id) IN (SELECT * FROM unnest($1::uuid[], $2::int8[])) AND x.trace_id = ANY($1)"
        } else {
            "SELECT k.trace_id, k.span_id FROM unnest($1::uuid[], $2::int8[]) AS k(trace_id, span_id)
              WHERE EXISTS (SELECT 1 FROM agenttrace.spans x WHERE x.trace_id = k.trace_id AND x.span_id = k.span_id OFFSET 0)"
        },
        &[kt.into(), ks.into()],
    )? {
        if let (Some(t), Some(s)) = (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?) {
            existing.insert((trace_id(&t), i64_to_span_id(s)));
        }
    }
    Ok(existing)
}

/// Extends the runs of `new_spans` that can be (see the module documentation) and takes their
/// spans out of `new_spans`. `stored` is every (trace, run) already stored that the batch
/// touches, `run_of` the batch's stitching. Returns the runs extended.
pub(super) fn extend_runs(
    client: &mut SpiClient<'_>,
    new_spans: &mut Vec<SpanRecord>,
    stored: &[(TraceId, TraceId)],
    run_of: &dyn Fn(&TraceId) -> TraceId,
    setup_pairs: &[(TraceId, TraceId)],
    stored_traces: Option<&HashMap<TraceId, StoredTrace>>,
) -> SpiResult<Vec<TraceId>> {
    let mut traces_of = extendable_runs(new_spans, stored, run_of, setup_pairs);
    if traces_of.is_empty() {
        return Ok(Vec::new());
    }
    let states = read_states(client, &mut traces_of)?;
    if traces_of.is_empty() {
        return Ok(Vec::new());
    }
    drop_content_elsewhere(client, new_spans, &mut traces_of, run_of)?;
    if traces_of.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<SpanKey> =
        new_spans.iter().filter(|s| traces_of.contains_key(&run_of(&s.trace_id))).map(|s| (s.trace_id, s.span_id)).collect();
    let existing = stored_keys(client, &candidates)?;
    let mut by_run: HashMap<TraceId, Vec<SpanRecord>> = HashMap::new();
    let mut rest: Vec<SpanRecord> = Vec::with_capacity(new_spans.len());
    let mut seen: HashSet<SpanKey> = HashSet::new();
    let mut fast_runs: Vec<TraceId> = Vec::new();
    for s in new_spans.drain(..) {
        let r = run_of(&s.trace_id);
        if !traces_of.contains_key(&r) {
            rest.push(s);
            continue;
        }
        let key = (s.trace_id, s.span_id);
        let list = by_run.entry(r).or_default();
        if !existing.contains(&key) && seen.insert(key) {
            list.push(s);
        }
    }
    // Each run's traces, stored and new (the shards of its spans, for SpiStore on Citus).
    let mut members: HashMap<TraceId, HashSet<TraceId>> = HashMap::new();
    for t in stored.iter().map(|(t, _)| t).chain(by_run.values().flatten().map(|s| &s.trace_id)) {
        members.entry(run_of(t)).or_default().insert(*t);
    }
    let run_traces: HashMap<TraceId, Vec<pgrx::Uuid>> = members.into_iter().map(|(r, ts)| (r, ts.iter().map(uuid).collect())).collect();
    let mut deltas: Vec<(TraceId, Vec<SpanRecord>, Delta)> = Vec::new();
    for (run, spans) in by_run {
        pgrx::check_for_interrupts!();
        if spans.is_empty() {
            // Everything re-delivered: nothing changes.
            fast_runs.push(run);
            continue;
        }
        let delta = {
            let mut store = SpiStore { client, run, traces: run_traces.get(&run).cloned().unwrap_or_default() };
            extend(&states[&run], run, &spans, &mut store)?
        };
        match delta {
            Ok(d) => {
                fast_runs.push(run);
                deltas.push((run, spans, d));
            }
            Err(why) => {
                pgrx::debug1!("pg_agenttrace: run {} analysed whole: {why}", agenttrace_core::ids::to_hex(&run));
                rest.extend(spans)
            }
        }
    }
    *new_spans = rest;
    if !deltas.is_empty() {
        write_deltas(client, &deltas, &states, run_of, stored_traces)?;
    }
    Ok(fast_runs)
}

fn write_deltas(
    client: &mut SpiClient<'_>,
    deltas: &[(TraceId, Vec<SpanRecord>, Delta)],
    states: &HashMap<TraceId, RunState>,
    run_of: &dyn Fn(&TraceId) -> TraceId,
    stored_traces: Option<&HashMap<TraceId, StoredTrace>>,
) -> SpiResult<()> {
    let mut rows: Vec<(SpanRow, &SpanRecord)> = Vec::new();
    for (run, spans, d) in deltas {
        for (s, f) in spans.iter().zip(&d.facts) {
            rows.push((SpanRow::without_attributes(s, f, *run), s));
        }
    }
    insert_resources(client, rows.iter().map(|(_, s)| &s.resource))?;
    let inserted: HashSet<(TraceId, i64)> =
        insert_span_rows(client, rows.iter().map(|(r, s)| (r, &s.attributes)), true)?.into_iter().collect();
    let mut added: HashMap<TraceId, TraceAdd> = HashMap::new();
    for (r, _) in &rows {
        if inserted.contains(&(r.trace_id, r.span_id)) {
            TraceAdd::add(&mut added, r);
        }
    }
    insert_events_links(client, rows.iter().map(|(_, s)| *s))?;
    let mut traces: Vec<TraceId> = rows.iter().map(|(r, _)| r.trace_id).collect();
    traces.sort_unstable();
    traces.dedup();
    drop(rows);
    upsert_traces_incremental(client, &traces, run_of, &HashMap::new(), false, &added, &HashSet::new(), stored_traces)?;

    let mut owners: Vec<(pgrx::Uuid, SpanKey, &str, bool, Option<i64>)> = Vec::new();
    let mut dropped: Vec<(pgrx::Uuid, SpanKey)> = Vec::new();
    let mut tools = Vec::new();
    let mut messages = Vec::new();
    let mut agents = Vec::new();
    let mut checkpoints = Vec::new();
    let mut run_rows = Vec::with_capacity(deltas.len());
    for (run, _, d) in deltas {
        let r = uuid(run);
        let gone: HashSet<&SpanKey> = d.dropped_tool_calls.iter().collect();
        owners.extend(d.owners.iter().map(|(k, a)| (r, *k, a.as_str(), !gone.contains(k), None)));
        dropped.extend(d.dropped_tool_calls.iter().map(|k| (r, *k)));
        tools.extend(d.tool_calls.iter().map(|t| (r, t)));
        messages.extend(d.messages.iter().map(|m| (r, m)));
        agents.extend(d.agents.iter().map(|a| (r, a)));
        checkpoints.extend(d.checkpoints.iter().map(|c| (r, c.clone())));
        run_rows.push(RunRow::extended(*run, &states[run], d.state.clone()));
    }
    rehash_owned(client, &mut owners)?;
    // Runs whose messages were rebuilt from their turns lose the stored ones first.
    let rebuilt: Vec<TraceId> = deltas.iter().filter(|(_, _, d)| d.replace_messages).map(|(r, _, _)| *r).collect();
    if !rebuilt.is_empty() {
        crate::columns::execute_keyed(client, "DELETE FROM agenttrace.agent_messages WHERE run_id = ANY($1)", uuids(&rebuilt))?;
    }
    // One statement: every write below touches different rows.
    let mut writes = Writes::new();
    let owner_cols = |only_tools: bool| {
        let rows: Vec<&(pgrx::Uuid, SpanKey, &str, bool, Option<i64>)> = owners.iter().filter(|o| !only_tools || o.3).collect();
        let n = rows.len();
        (
            Columns::new()
                .map("run_id", "uuid", &rows, |o| o.0)
                .map("trace_id", "uuid", &rows, |o| uuid(&o.1 .0))
                .map("span_id", "int8", &rows, |o| span_id_to_i64(&o.1 .1))
                .map("agent_name", "text", &rows, |o| o.2.to_string())
                .map("facts_hash", "int8", &rows, |o| o.4),
            n,
        )
    };
    // A stored span that now works for an agent, with the fingerprint of its new facts.
    let (cols, n) = owner_cols(false);
    writes.run(
        cols,
        "UPDATE agenttrace.spans s SET agent_name = u.agent_name, facts_hash = u.facts_hash FROM {unnest}
          WHERE s.trace_id = u.trace_id AND s.span_id = u.span_id {route:s.trace_id}",
        n,
    );
    let (cols, n) = owner_cols(true);
    writes.run(
        cols,
        "UPDATE agenttrace.tool_calls t SET agent_name = u.agent_name FROM {unnest}
          WHERE t.run_id = u.run_id AND t.trace_id = u.trace_id AND t.span_id = u.span_id {route:t.run_id}",
        n,
    );
    let (cols, n) = owner_cols(false);
    writes.run(
        cols,
        "UPDATE agenttrace.checkpoints c SET agent_name = u.agent_name FROM {unnest}
          WHERE c.run_id = u.run_id AND c.trace_id = u.trace_id AND c.span_id = u.span_id {route:c.run_id}",
        n,
    );
    writes.insert(checkpoint_columns(&checkpoints), "agenttrace.checkpoints", "ON CONFLICT DO NOTHING", checkpoints.len());
    let n = dropped.len();
    let cols = Columns::new().map("run_id", "uuid", &dropped, |d| d.0).map("trace_id", "uuid", &dropped, |d| uuid(&d.1 .0)).map(
        "span_id",
        "int8",
        &dropped,
        |d| span_id_to_i64(&d.1 .1),
    );
    writes.run(
        cols,
        "DELETE FROM agenttrace.tool_calls t USING {unnest}
          WHERE t.run_id = u.run_id AND t.trace_id = u.trace_id AND t.span_id = u.span_id {route:t.run_id}",
        n,
    );
    writes.insert(tool_call_columns(&tools), "agenttrace.tool_calls", crate::columns::new_rows_suffix(tools.len()), tools.len());
    writes.insert(message_columns(&messages), "agenttrace.agent_messages", crate::columns::new_rows_suffix(messages.len()), messages.len());
    writes.insert(
        agent_columns(&agents),
        "agenttrace.agents",
        "ON CONFLICT (run_id, agent_name) DO UPDATE SET agent_id = EXCLUDED.agent_id, role = EXCLUDED.role,
              framework = EXCLUDED.framework, span_count = EXCLUDED.span_count, llm_calls = EXCLUDED.llm_calls,
              tool_calls = EXCLUDED.tool_calls, input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
              errors = EXCLUDED.errors, first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen",
        agents.len(),
    );
    run_writes(&mut writes, &run_rows);
    writes.execute(client)
}

/// The facts fingerprint each stored span of `owners` has with its new agent (its other fact
/// columns read back by key).
fn rehash_owned(client: &SpiClient<'_>, owners: &mut [(pgrx::Uuid, SpanKey, &str, bool, Option<i64>)]) -> SpiResult<()> {
    if owners.is_empty() {
        return Ok(());
    }
    let keys: Vec<SpanKey> = owners.iter().map(|o| o.1).collect();
    let (t, s) = key_arrays(&keys);
    let mut hashes: HashMap<SpanKey, i64> = HashMap::new();
    for row in select_cached(
        client,
        &format!(
            "SELECT s.trace_id, s.span_id, s.run_id, s.framework, s.instrumentation, s.agent_id, s.agent_role, s.model, s.provider,
                s.category, s.input_tokens, s.output_tokens, s.cached_tokens, s.reasoning_tokens, s.total_tokens,
                s.tool_name, s.tool_call_id, s.error_type, s.error_message, s.input_text, s.output_text, s.is_error
           FROM unnest($1::uuid[], $2::int8[]) AS k(trace_id, span_id)
          CROSS JOIN LATERAL (SELECT * FROM agenttrace.spans x WHERE x.trace_id = k.trace_id AND x.span_id = k.span_id {}) s",
            fence()
        ),
        &[t.into(), s.into()],
    )? {
        let (Some(tr), Some(sid), Some(run)) = (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?, row.get::<pgrx::Uuid>(3)?) else {
            continue;
        };
        let key = (trace_id(&tr), i64_to_span_id(sid));
        let Some(o) = owners.iter().find(|o| o.1 == key) else { continue };
        let text = |i: usize| row.get::<String>(i);
        let names = [text(4)?, text(5)?, Some(o.2.to_string()), text(6)?, text(7)?, text(8)?, text(9)?];
        let category = text(10)?.unwrap_or_default();
        let mut tokens = [None; 5];
        for (j, t) in tokens.iter_mut().enumerate() {
            *t = row.get::<i64>(11 + j)?;
        }
        let texts = [text(16)?, text(17)?, text(18)?, text(19)?, text(20)?, text(21)?];
        let run = trace_id(&run);
        let view = FactsView {
            run_id: &run,
            names: names.each_ref().map(|s| s.as_deref()),
            category: &category,
            tokens,
            texts: texts.each_ref().map(|s| s.as_deref()),
            is_error: row.get::<bool>(22)?.unwrap_or(false),
        };
        hashes.insert(key, view.hash());
    }
    for o in owners.iter_mut() {
        o.4 = hashes.get(&o.1).copied();
    }
    Ok(())
}
