//! SQL capability: agent communication graphs and span trees of a run.
//!
//! `agenttrace.agent_graph(run_id, include_tools)` (jsonb), `agenttrace.graph_nodes(...)` and
//! `agenttrace.graph_edges(...)` (Grafana Node Graph frames), `agenttrace.span_tree(id)`
//! (waterfall). Thin glue: load the stored normalized columns with SPI, let
//! `agenttrace_core::graph` do the work.
use agenttrace_core::graph::{self, grafana, AgentGraph, GraphOptions, GraphSpan};
use agenttrace_core::ids::{i64_to_span_id, to_hex, TraceId};
use agenttrace_core::normalize::AgentMessage;
use agenttrace_core::rows::pg_micros;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};

use crate::columns::{timestamptz, trace_id, uuid};

const SPAN_COLUMNS: &str = "SELECT trace_id, span_id, parent_span_id, name, start_time_unix_nano, end_time_unix_nano,
        agent_name, category, tool_name, coalesce(input_tokens, 0), coalesce(output_tokens, 0), is_error
   FROM agenttrace.spans";

fn nanos(v: Option<i64>) -> u64 {
    v.unwrap_or(0).max(0) as u64
}

fn load_spans(client: &SpiClient<'_>, filter: &str, id: TraceId) -> SpiResult<Vec<GraphSpan>> {
    let sql = format!("{SPAN_COLUMNS} WHERE {filter}");
    let t = client.select(sql.as_str(), None, &[uuid(&id).into()])?;
    let mut out = Vec::with_capacity(t.len());
    for row in t {
        let (Some(tr), Some(sid)) = (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?) else {
            continue;
        };
        out.push(GraphSpan {
            trace_id: trace_id(&tr),
            span_id: i64_to_span_id(sid),
            parent_span_id: row.get::<i64>(3)?.map(i64_to_span_id),
            name: row.get::<String>(4)?.unwrap_or_default(),
            start_ns: nanos(row.get::<i64>(5)?),
            end_ns: nanos(row.get::<i64>(6)?),
            agent_name: row.get::<String>(7)?,
            category: graph::parse_category(row.get::<String>(8)?.as_deref().unwrap_or("other")),
            tool_name: row.get::<String>(9)?,
            input_tokens: row.get::<i64>(10)?.unwrap_or(0),
            output_tokens: row.get::<i64>(11)?.unwrap_or(0),
            is_error: row.get::<bool>(12)?.unwrap_or(false),
        });
    }
    Ok(out)
}

fn load_messages(client: &SpiClient<'_>, run: TraceId) -> SpiResult<Vec<AgentMessage>> {
    let t = client.select(
        "SELECT seq, trace_id, span_id, (extract(epoch FROM time) * 1000000)::bigint, from_agent, to_agent, kind
           FROM agenttrace.agent_messages WHERE run_id = $1 ORDER BY seq",
        None,
        &[uuid(&run).into()],
    )?;
    let mut out = Vec::with_capacity(t.len());
    for row in t {
        let Some(to) = row.get::<String>(6)? else {
            continue;
        };
        out.push(AgentMessage {
            seq: row.get::<i32>(1)?.unwrap_or(0),
            trace_id: row.get::<pgrx::Uuid>(2)?.map(|u| trace_id(&u)).unwrap_or_default(),
            span_id: i64_to_span_id(row.get::<i64>(3)?.unwrap_or(0)),
            time_ns: (row.get::<i64>(4)?.unwrap_or(0).max(0) as u64).saturating_mul(1_000),
            from_agent: row.get::<String>(5)?,
            to_agent: to,
            kind: graph::parse_message_kind(row.get::<String>(7)?.as_deref().unwrap_or("message")),
            content: None,
        });
    }
    Ok(out)
}

/// The run a trace belongs to (a run id is also the id of its first trace); unknown ids pass through.
fn resolve_run(client: &SpiClient<'_>, id: TraceId) -> SpiResult<TraceId> {
    let t = client.select("SELECT run_id FROM agenttrace.traces WHERE trace_id = $1", Some(1), &[uuid(&id).into()])?;
    for row in t {
        if let Some(r) = row.get::<pgrx::Uuid>(1)? {
            return Ok(trace_id(&r));
        }
    }
    Ok(id)
}

fn build(run_id: pgrx::Uuid, include_tools: Option<bool>) -> Result<(TraceId, AgentGraph), pgrx::spi::Error> {
    let (run, spans, messages) = Spi::connect(|client| {
        let run = resolve_run(client, trace_id(&run_id))?;
        let spans = load_spans(client, "run_id = $1", run)?;
        let messages = load_messages(client, run)?;
        Ok::<_, pgrx::spi::Error>((run, spans, messages))
    })?;
    pgrx::check_for_interrupts!();
    let opts = GraphOptions { include_tools: include_tools.unwrap_or(false) };
    Ok((run, graph::agent_graph(&spans, &messages, &opts)))
}

fn ts(unix_ns: u64) -> TimestampWithTimeZone {
    timestamptz(pg_micros(unix_ns))
}

/// The agent communication graph of a run: nodes, edges and metrics as jsonb.
#[pg_extern(stable, strict)]
fn agent_graph(run_id: pgrx::Uuid, include_tools: default!(Option<bool>, "false")) -> Result<pgrx::JsonB, pgrx::spi::Error> {
    let (run, g) = build(run_id, include_tools)?;
    let mut v = g.to_json();
    if let Some(o) = v.as_object_mut() {
        o.insert("run_id".into(), serde_json::Value::String(to_hex(&run)));
    }
    Ok(pgrx::JsonB(v))
}

/// Nodes frame of Grafana's Node Graph panel for a run.
#[allow(clippy::type_complexity)] // pgrx wants the row tuple spelled out
#[pg_extern(stable, strict)]
fn graph_nodes(
    run_id: pgrx::Uuid,
    include_tools: default!(Option<bool>, "false"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(id, String),
            name!(title, String),
            name!(subtitle, String),
            name!(mainstat, String),
            name!(secondarystat, String),
            name!(arc__ok, f64),
            name!(arc__error, f64),
            name!(detail__kind, String),
            name!(detail__span_count, i64),
            name!(detail__llm_calls, i64),
            name!(detail__tool_calls, i64),
            name!(detail__input_tokens, i64),
            name!(detail__output_tokens, i64),
            name!(detail__errors, i64),
            name!(detail__total_time_ms, f64),
            name!(detail__self_time_ms, f64),
            name!(detail__critical_path_ms, f64),
            name!(detail__in_degree, i64),
            name!(detail__out_degree, i64),
            name!(detail__betweenness, f64),
            name!(detail__on_cycle, bool),
            name!(highlighted, bool),
        ),
    >,
    pgrx::spi::Error,
> {
    let (_, g) = build(run_id, include_tools)?;
    let rows: Vec<_> = grafana::node_rows(&g)
        .into_iter()
        .map(|r| {
            (
                r.id,
                r.title,
                r.subtitle,
                r.mainstat,
                r.secondarystat,
                r.arc_ok,
                r.arc_error,
                r.kind.to_string(),
                r.span_count,
                r.llm_calls,
                r.tool_calls,
                r.input_tokens,
                r.output_tokens,
                r.errors,
                r.total_time_ms,
                r.self_time_ms,
                r.critical_path_ms,
                r.in_degree,
                r.out_degree,
                r.betweenness,
                r.on_cycle,
                r.highlighted,
            )
        })
        .collect();
    Ok(TableIterator::new(rows))
}

/// Edges frame of Grafana's Node Graph panel for a run.
#[allow(clippy::type_complexity)] // pgrx wants the row tuple spelled out
#[pg_extern(stable, strict)]
fn graph_edges(
    run_id: pgrx::Uuid,
    include_tools: default!(Option<bool>, "false"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(id, String),
            name!(source, String),
            name!(target, String),
            name!(mainstat, String),
            name!(secondarystat, String),
            name!(detail__kind, String),
            name!(detail__count, i64),
            name!(detail__messages, i64),
            name!(detail__handoffs, i64),
            name!(detail__delegations, i64),
            name!(detail__tool_results, i64),
            name!(detail__broadcasts, i64),
            name!(detail__errors, i64),
            name!(detail__first_time, TimestampWithTimeZone),
            name!(detail__last_time, TimestampWithTimeZone),
            name!(detail__mean_latency_ms, Option<f64>),
            name!(highlighted, bool),
        ),
    >,
    pgrx::spi::Error,
> {
    let (_, g) = build(run_id, include_tools)?;
    let rows: Vec<_> = grafana::edge_rows(&g)
        .into_iter()
        .map(|r| {
            (
                r.id,
                r.source,
                r.target,
                r.mainstat,
                r.secondarystat,
                r.kind.to_string(),
                r.count,
                r.messages,
                r.handoffs,
                r.delegations,
                r.tool_results,
                r.broadcasts,
                r.errors,
                ts(r.first_ns),
                ts(r.last_ns),
                r.mean_latency_ms,
                r.highlighted,
            )
        })
        .collect();
    Ok(TableIterator::new(rows))
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// The span hierarchy of a trace, or of every trace of a run, in waterfall order.
#[allow(clippy::type_complexity)] // pgrx wants the row tuple spelled out
#[pg_extern(stable)]
fn span_tree(
    trace_or_run_id: pgrx::Uuid,
) -> Result<
    TableIterator<
        'static,
        (
            name!(trace_id, String),
            name!(span_id, String),
            name!(parent_span_id, Option<String>),
            name!(name, String),
            name!(agent_name, Option<String>),
            name!(category, String),
            name!(start_time, TimestampWithTimeZone),
            name!(end_time, TimestampWithTimeZone),
            name!(duration_ms, f64),
            name!(self_time_ms, f64),
            name!(depth, i32),
            name!(on_critical_path, bool),
            name!(critical_path_ms, f64),
            name!(is_error, bool),
        ),
    >,
    pgrx::spi::Error,
> {
    let id = trace_id(&trace_or_run_id);
    let spans = Spi::connect(|client| load_spans(client, "run_id = $1 OR trace_id = $1", id))?;
    pgrx::check_for_interrupts!();
    let rows: Vec<_> = graph::span_tree(&spans)
        .into_iter()
        .map(|r| {
            (
                to_hex(&r.trace_id),
                to_hex(&r.span_id),
                r.parent_span_id.map(|p| to_hex(&p)),
                r.name,
                r.agent_name,
                r.category.as_str().to_string(),
                ts(r.start_ns),
                ts(r.end_ns),
                ms(r.duration_ns),
                ms(r.self_time_ns),
                i32::try_from(r.depth).unwrap_or(i32::MAX),
                r.on_critical_path,
                ms(r.critical_ns),
                r.is_error,
            )
        })
        .collect();
    Ok(TableIterator::new(rows))
}

extension_sql!(
    r#"
COMMENT ON FUNCTION agent_graph(uuid, boolean) IS
'The agent communication graph of a run (all its linked traces; a trace id of the run works too) as jsonb: nodes (agents, the user entry point, and tools when include_tools) with span count, LLM calls, tool calls, tokens, errors, total/self/critical-path time, degrees, betweenness and loop membership; edges (who sent work to whom) with message/handoff/delegation counts, first/last time and the receiver''s mean reaction latency; metrics: cycles and the agents on them, the critical path and the agent dominating it, orchestrator fan-out, the longest handoff chain. Example: SELECT agenttrace.agent_graph(run_id) -> ''metrics'' -> ''cycles'' FROM agenttrace.run_summaries ORDER BY start_time DESC LIMIT 1;';
COMMENT ON FUNCTION graph_nodes(uuid, boolean) IS
'Nodes frame for Grafana''s Node Graph panel (id, title, subtitle, mainstat, secondarystat, arc__ok/arc__error summing to 1, detail__* tooltip fields, highlighted = on a loop or dominating the critical path). Pair with agenttrace.graph_edges() in a second query of the same panel. Example (Grafana, format Table): SELECT * FROM agenttrace.graph_nodes(''$run_id''::uuid);';
COMMENT ON FUNCTION graph_edges(uuid, boolean) IS
'Edges frame for Grafana''s Node Graph panel (id, source, target, mainstat = message count and kind, secondarystat = receiver reaction latency or tool call duration, detail__* tooltip fields, highlighted = edge on a loop). Example: SELECT * FROM agenttrace.graph_edges(''$run_id''::uuid, include_tools => true);';
COMMENT ON FUNCTION span_tree(uuid) IS
'The span hierarchy of a trace, or of all traces of a run, in waterfall order (depth-first, children by start time): ids as hex, owning agent, category, times, duration, self time (minus children), depth (0 = trace root), whether the span is on the run''s critical path (last-finishing-child walk) and its own time on it. Orphans and parent cycles become roots. Example: SELECT repeat(''  '', depth) || name AS span, agent_name, duration_ms, self_time_ms, on_critical_path FROM agenttrace.span_tree(''61348dcbc539e7c239bcdd3f2a0d4497'');';
"#,
    name = "comment_graph",
    requires = [agent_graph, graph_nodes, graph_edges, span_tree]
);
