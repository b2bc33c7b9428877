//! Derived tables of a run: `agents`, `agent_messages`, `tool_calls`, `checkpoints`,
//! `run_summaries` and `run_search`, from the run's analysis.
use std::collections::HashMap;

use agenttrace_core::analyze::RunAnalysis;
use agenttrace_core::ids::{span_id_to_i64, TraceId};
use agenttrace_core::model::SpanRecord;
use agenttrace_core::normalize::{AgentMessage, AgentSummary, ToolCall};
use agenttrace_core::replay::{extract_checkpoints, replay_origin, Checkpoint};
use agenttrace_core::rows::{excerpt, nanos_i64, pg_micros, search_words, RunTotals, EXCERPT_BYTES};
use agenttrace_core::run::RunState;
use pgrx::spi::{SpiClient, SpiResult};

use super::uuids;
use crate::columns::{timestamptz, uuid, Columns, Writes};

/// Agents, messages, tool calls and run summaries of the given runs, replaced as a whole.
pub(super) fn write_derived(
    client: &mut SpiClient<'_>,
    clear_runs: &[TraceId],
    runs: &[(TraceId, Vec<SpanRecord>, RunAnalysis)],
    totals: &HashMap<TraceId, RunTotals>,
    setup_only_traces: &HashMap<TraceId, bool>,
) -> SpiResult<()> {
    let ids: Vec<pgrx::Uuid> = uuids(clear_runs);
    // One statement (one parse and plan) clears every derived table of these runs. After it no
    // derived row of any run written below exists (brand-new runs never had any), and the
    // analysis gives one row per agent name, message seq and tool span: agents, messages and
    // tool calls are plain INSERTs, without the cost of ON CONFLICT checks.
    if !ids.is_empty() {
        crate::columns::execute_keyed(
            client,
            "WITH a AS (DELETE FROM agenttrace.agents WHERE run_id = ANY($1)),
              m AS (DELETE FROM agenttrace.agent_messages WHERE run_id = ANY($1)),
              t AS (DELETE FROM agenttrace.tool_calls WHERE run_id = ANY($1)),
              c AS (DELETE FROM agenttrace.checkpoints WHERE run_id = ANY($1)),
              s AS (DELETE FROM agenttrace.run_search WHERE run_id = ANY($1)),
              r AS (DELETE FROM agenttrace.run_state WHERE run_id = ANY($1))
         DELETE FROM agenttrace.run_summaries WHERE run_id = ANY($1)",
            ids,
        )?;
    }

    let mut agents: Vec<(pgrx::Uuid, &AgentSummary)> = Vec::new();
    let mut messages: Vec<(pgrx::Uuid, &AgentMessage)> = Vec::new();
    let mut tools: Vec<(pgrx::Uuid, &ToolCall)> = Vec::new();
    let mut checkpoints: Vec<(pgrx::Uuid, Checkpoint)> = Vec::new();
    let mut run_rows: Vec<RunRow> = Vec::with_capacity(runs.len());
    let state_min = crate::settings::state_min_spans(client)?;
    for (run, spans, an) in runs {
        let run_uuid = uuid(run);
        agents.extend(an.agents.iter().map(|a| (run_uuid, a)));
        messages.extend(an.messages.iter().map(|m| (run_uuid, m)));
        tools.extend(an.tool_calls.iter().map(|t| (run_uuid, t)));
        // Setup traces still waiting for their run are not a run of their own.
        let setup_only = spans.iter().all(|s| setup_only_traces.get(&s.trace_id).copied().unwrap_or(false));
        if setup_only {
            continue;
        }
        checkpoints.extend(extract_checkpoints(spans, &an.facts).into_iter().map(|c| (run_uuid, c)));
        let state = RunState::new(an.sketch.clone(), totals.get(run).cloned().unwrap_or_default());
        let keep_state = i64::from(state.totals.span_count) > state_min;
        run_rows.push(RunRow::new(*run, state, replay_origin(spans), keep_state));
    }
    // One statement for every table (they are independent; the deletes above ran first).
    let mut writes = Writes::new();
    writes.insert(agent_columns(&agents), "agenttrace.agents", crate::columns::new_rows_suffix(agents.len()), agents.len());
    writes.insert(message_columns(&messages), "agenttrace.agent_messages", crate::columns::new_rows_suffix(messages.len()), messages.len());
    writes.insert(tool_call_columns(&tools), "agenttrace.tool_calls", crate::columns::new_rows_suffix(tools.len()), tools.len());
    run_writes(&mut writes, &run_rows);
    writes.insert(checkpoint_columns(&checkpoints), "agenttrace.checkpoints", "ON CONFLICT DO NOTHING", checkpoints.len());
    writes.execute(client)
}

/// `agenttrace.checkpoints` columns.
pub(super) fn checkpoint_columns<'a>(rows: &[(pgrx::Uuid, Checkpoint)]) -> Columns<'a> {
    Columns::new()
        .map("run_id", "uuid", rows, |(r, _)| *r)
        .map("checkpoint_id", "int8", rows, |(_, c)| c.seq)
        .map("trace_id", "uuid", rows, |(_, c)| uuid(&c.trace_id))
        .map("span_id", "int8", rows, |(_, c)| span_id_to_i64(&c.span_id))
        .map("time", "timestamptz", rows, |(_, c)| timestamptz(pg_micros(c.time_ns)))
        .text("agent_name", rows, |(_, c)| c.agent_name.as_deref())
        .map("kind", "text", rows, |(_, c)| c.kind.to_string())
        .map("step", "int4", rows, |(_, c)| c.step.and_then(|s| i32::try_from(s).ok()))
        .cast("state", "text", "jsonb", rows.iter().map(|(_, c)| (!c.state.is_null()).then(|| c.state.to_string())).collect())
}

/// `agenttrace.agents` columns.
pub(super) fn agent_columns<'a>(rows: &[(pgrx::Uuid, &AgentSummary)]) -> Columns<'a> {
    Columns::new()
        .map("run_id", "uuid", rows, |(r, _)| *r)
        .text("agent_name", rows, |(_, a)| Some(a.agent_name.as_str()))
        .text("agent_id", rows, |(_, a)| a.agent_id.as_deref())
        .map("role", "text", rows, |(_, a)| a.role.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)))
        .text("framework", rows, |(_, a)| a.framework.as_deref())
        .map("span_count", "int4", rows, |(_, a)| a.span_count as i32)
        .map("llm_calls", "int4", rows, |(_, a)| a.llm_calls as i32)
        .map("tool_calls", "int4", rows, |(_, a)| a.tool_calls as i32)
        .map("input_tokens", "int8", rows, |(_, a)| a.input_tokens)
        .map("output_tokens", "int8", rows, |(_, a)| a.output_tokens)
        .map("errors", "int4", rows, |(_, a)| a.errors as i32)
        .map("first_seen", "timestamptz", rows, |(_, a)| timestamptz(pg_micros(a.first_seen_ns)))
        .map("last_seen", "timestamptz", rows, |(_, a)| timestamptz(pg_micros(a.last_seen_ns)))
}

/// `agenttrace.agent_messages` columns.
pub(super) fn message_columns<'a>(rows: &[(pgrx::Uuid, &AgentMessage)]) -> Columns<'a> {
    Columns::new()
        .map("run_id", "uuid", rows, |(r, _)| *r)
        .map("seq", "int4", rows, |(_, m)| m.seq)
        .map("trace_id", "uuid", rows, |(_, m)| uuid(&m.trace_id))
        .map("span_id", "int8", rows, |(_, m)| span_id_to_i64(&m.span_id))
        .map("time", "timestamptz", rows, |(_, m)| timestamptz(pg_micros(m.time_ns)))
        .text("from_agent", rows, |(_, m)| m.from_agent.as_deref())
        .text("to_agent", rows, |(_, m)| Some(m.to_agent.as_str()))
        .text("kind", rows, |(_, m)| Some(m.kind.as_str()))
        .map("content", "text", rows, |(_, m)| m.content.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)))
}

/// `agenttrace.tool_calls` columns.
pub(super) fn tool_call_columns<'a>(rows: &[(pgrx::Uuid, &ToolCall)]) -> Columns<'a> {
    let cut = |s: &Option<String>| s.as_deref().map(|s| excerpt(s, EXCERPT_BYTES));
    Columns::new()
        .map("trace_id", "uuid", rows, |(_, t)| uuid(&t.trace_id))
        .map("span_id", "int8", rows, |(_, t)| span_id_to_i64(&t.span_id))
        .map("run_id", "uuid", rows, |(r, _)| *r)
        .text("agent_name", rows, |(_, t)| t.agent_name.as_deref())
        .text("tool_name", rows, |(_, t)| Some(t.tool_name.as_str()))
        .text("call_id", rows, |(_, t)| t.call_id.as_deref())
        .map("arguments", "text", rows, |(_, t)| cut(&t.arguments))
        .map("result", "text", rows, |(_, t)| cut(&t.result))
        .map("is_error", "bool", rows, |(_, t)| t.is_error)
        .map("error_message", "text", rows, |(_, t)| cut(&t.error_message))
        .map("start_time", "timestamptz", rows, |(_, t)| timestamptz(pg_micros(t.start_ns)))
        .map("duration_ns", "int8", rows, |(_, t)| nanos_i64(t.duration_ns))
}

/// One run's `run_summaries`, `run_search` and `run_state` rows, from its state.
pub(super) struct RunRow {
    run: TraceId,
    state: RunState,
    replay: Option<(String, Option<i64>)>,
    /// Keywords and document; `None` when the stored `run_search` row already says this.
    search: Option<(String, String)>,
    /// Whether the run keeps a `run_state` row (see `ingest::state_min_spans`).
    keep_state: bool,
}

impl RunRow {
    pub(super) fn new(run: TraceId, state: RunState, replay: Option<(String, Option<i64>)>, keep_state: bool) -> Self {
        let search = Some(state.search_text());
        RunRow { run, state, replay, search, keep_state }
    }

    /// The row of a run extended from `before`: its `run_search` row is rewritten only when
    /// what it holds changed (most requests of a long run add nothing a search finds: the
    /// search accumulators keep the smallest distinct terms, and a rewrite costs a
    /// `to_tsvector` and two GIN index updates).
    pub(super) fn extended(run: TraceId, before: &RunState, state: RunState) -> Self {
        let key = |s: &RunState| (s.totals.root_service.clone(), s.framework(), s.totals.start_pg_micros);
        let text = state.search_text();
        let search = (key(before) != key(&state) || before.search_text() != text).then_some(text);
        // A run extended from its state keeps it current.
        RunRow { run, state, replay: None, search, keep_state: true }
    }
}

/// Adds the summary, search and state rows of `rows` to `writes`.
pub(super) fn run_writes<'a>(writes: &mut Writes<'a>, rows: &[RunRow]) {
    let n = rows.len();
    let time = |t: Option<i64>| t.map(timestamptz);
    let cols = Columns::new()
        .map("run_id", "uuid", rows, |r| uuid(&r.run))
        .map("framework", "text", rows, |r| r.state.framework())
        .map("service_name", "text", rows, |r| r.state.totals.root_service.clone())
        .map("root_name", "text", rows, |r| r.state.totals.root_name.clone())
        .map("start_time", "timestamptz", rows, |r| time(r.state.totals.start_pg_micros))
        .map("end_time", "timestamptz", rows, |r| time(r.state.totals.end_pg_micros))
        .map("trace_count", "int4", rows, |r| r.state.totals.trace_count)
        .map("span_count", "int4", rows, |r| r.state.totals.span_count)
        .map("agent_count", "int4", rows, |r| r.state.sketch.agents.len().min(i32::MAX as usize) as i32)
        .map("error_span_count", "int4", rows, |r| r.state.totals.error_spans)
        .map("llm_calls", "int4", rows, |r| r.state.totals.llm_calls)
        .map("tool_calls", "int4", rows, |r| r.state.totals.tool_calls)
        .map("input_tokens", "int8", rows, |r| r.state.totals.input_tokens)
        .map("output_tokens", "int8", rows, |r| r.state.totals.output_tokens)
        .text("status", rows, |r| Some(r.state.sketch.outcome.status.as_str()))
        .map("status_reason", "text", rows, |r| r.state.sketch.outcome.reason.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)))
        .text("failing_agent", rows, |r| r.state.sketch.outcome.failing_agent.as_deref())
        .map("failing_trace_id", "uuid", rows, |r| r.state.sketch.outcome.failing_span.map(|(t, _)| uuid(&t)))
        .map("failing_span_id", "int8", rows, |r| r.state.sketch.outcome.failing_span.map(|(_, s)| span_id_to_i64(&s)))
        .map("replay_of_run", "uuid", rows, |r| {
            r.replay.as_ref().and_then(|(run, _)| agenttrace_core::ids::from_hex::<16>(run)).map(|t| uuid(&t))
        })
        .map("replay_of_checkpoint", "int8", rows, |r| r.replay.as_ref().and_then(|(_, cp)| *cp));
    writes.insert(
        cols,
        "agenttrace.run_summaries",
        "ON CONFLICT (run_id) DO UPDATE SET framework = EXCLUDED.framework, service_name = EXCLUDED.service_name,
              root_name = EXCLUDED.root_name, start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
              trace_count = EXCLUDED.trace_count, span_count = EXCLUDED.span_count, agent_count = EXCLUDED.agent_count,
              error_span_count = EXCLUDED.error_span_count, llm_calls = EXCLUDED.llm_calls, tool_calls = EXCLUDED.tool_calls,
              input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens, status = EXCLUDED.status,
              status_reason = EXCLUDED.status_reason, failing_agent = EXCLUDED.failing_agent,
              failing_trace_id = EXCLUDED.failing_trace_id, failing_span_id = EXCLUDED.failing_span_id,
              replay_of_run = EXCLUDED.replay_of_run, replay_of_checkpoint = EXCLUDED.replay_of_checkpoint, updated_at = EXCLUDED.updated_at",
        n,
    );
    let searched: Vec<(&RunRow, &(String, String))> = rows.iter().filter_map(|r| Some((r, r.search.as_ref()?))).collect();
    let cols = Columns::new()
        .map("run_id", "uuid", &searched, |(r, _)| uuid(&r.run))
        .map("service_name", "text", &searched, |(r, _)| r.state.totals.root_service.clone())
        .map("framework", "text", &searched, |(r, _)| r.state.framework())
        .map("start_time", "timestamptz", &searched, |(r, _)| time(r.state.totals.start_pg_micros))
        .map("words", "text", &searched, |(_, s)| search_words(&s.1))
        .text("keywords", &searched, |(_, s)| Some(s.0.as_str()))
        .text("document", &searched, |(_, s)| Some(s.1.as_str()));
    writes.insert_exprs(
        cols,
        "agenttrace.run_search",
        &[
            ("run_id", "{run_id}"),
            ("service_name", "{service_name}"),
            ("framework", "{framework}"),
            ("start_time", "{start_time}"),
            ("keywords", "{keywords}"),
            ("document", "{document}"),
            ("tsv", "to_tsvector('english'::regconfig, {words})"),
        ],
        "ON CONFLICT (run_id) DO UPDATE SET keywords = EXCLUDED.keywords, document = EXCLUDED.document,
              tsv = EXCLUDED.tsv, service_name = EXCLUDED.service_name, framework = EXCLUDED.framework,
              start_time = EXCLUDED.start_time",
        searched.len(),
    );
    // The state as a JSON tree, built into jsonb directly (no JSON text to parse back).
    let kept: Vec<&RunRow> = rows.iter().filter(|r| r.keep_state).collect();
    let states: Vec<serde_json::Map<String, serde_json::Value>> = kept
        .iter()
        .map(|r| match serde_json::to_value(&r.state) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        })
        .collect();
    let cols = Columns::new().map("run_id", "uuid", &kept, |r| uuid(&r.run)).jsonb("state", &states, |m| Some(m));
    writes.insert_exprs(
        cols,
        "agenttrace.run_state",
        &[("run_id", "{run_id}"), ("state", "{state}"), ("updated_at", "now()")],
        "ON CONFLICT (run_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at",
        kept.len(),
    );
}
