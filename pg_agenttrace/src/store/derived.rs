//! Derived tables of a run: `agents`, `agent_messages`, `tool_calls`, `checkpoints`,
//! `run_summaries` and `run_search`, from the run's analysis.
use std::collections::{HashMap, HashSet};

use agenttrace_core::ids::{span_id_to_i64, TraceId};
use agenttrace_core::model::SpanRecord;
use agenttrace_core::normalize::RunAnalysis;
use agenttrace_core::replay::{extract_checkpoints, replay_origin};
use agenttrace_core::rows::{
    excerpt, nanos_i64, pg_micros, search_words, RunTotals, EXCERPT_BYTES,
};
use pgrx::spi::{SpiClient, SpiResult};

use super::uuids;
use crate::columns::{execute_cached, timestamptz, uuid, Columns, Writes};

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
        execute_cached(
            client,
            "WITH a AS (DELETE FROM agenttrace.agents WHERE run_id = ANY($1)),
              m AS (DELETE FROM agenttrace.agent_messages WHERE run_id = ANY($1)),
              t AS (DELETE FROM agenttrace.tool_calls WHERE run_id = ANY($1)),
              c AS (DELETE FROM agenttrace.checkpoints WHERE run_id = ANY($1)),
              s AS (DELETE FROM agenttrace.run_search WHERE run_id = ANY($1))
         DELETE FROM agenttrace.run_summaries WHERE run_id = ANY($1)",
            &[ids.clone().into()],
        )?;
    }

    // agents
    let (mut a_run, mut a_name, mut a_id, mut a_role, mut a_fw) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (
        mut a_spans,
        mut a_llm,
        mut a_tools,
        mut a_in,
        mut a_out,
        mut a_err,
        mut a_first,
        mut a_last,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    // messages
    let (
        mut m_run,
        mut m_seq,
        mut m_trace,
        mut m_span,
        mut m_time,
        mut m_from,
        mut m_to,
        mut m_kind,
        mut m_content,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    // tool calls
    let (
        mut t_trace,
        mut t_span,
        mut t_run,
        mut t_agent,
        mut t_name,
        mut t_call,
        mut t_args,
        mut t_res,
        mut t_err,
        mut t_emsg,
        mut t_start,
        mut t_dur,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    // checkpoints
    let (
        mut c_run,
        mut c_id,
        mut c_trace,
        mut c_span,
        mut c_time,
        mut c_agent,
        mut c_kind,
        mut c_step,
        mut c_state,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    // search documents
    let (mut d_doc, mut d_keys) = (vec![], vec![]);
    let (mut r_replay_run, mut r_replay_cp) = (vec![], vec![]);
    // run summaries
    let (
        mut r_run,
        mut r_fw,
        mut r_status,
        mut r_reason,
        mut r_fagent,
        mut r_ftrace,
        mut r_fspan,
        mut r_agents,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );

    let no_totals = RunTotals::default();
    let mut run_totals: Vec<&RunTotals> = Vec::with_capacity(runs.len());
    for (run, spans, an) in runs {
        let run_uuid = uuid(run);
        // Setup traces still waiting for their run are not a run of their own.
        let setup_only = spans
            .iter()
            .all(|s| setup_only_traces.get(&s.trace_id).copied().unwrap_or(false));
        for a in &an.agents {
            a_run.push(run_uuid);
            a_name.push(a.agent_name.clone());
            a_id.push(a.agent_id.clone());
            a_role.push(a.role.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)));
            a_fw.push(a.framework.clone());
            a_spans.push(a.span_count as i32);
            a_llm.push(a.llm_calls as i32);
            a_tools.push(a.tool_calls as i32);
            a_in.push(a.input_tokens);
            a_out.push(a.output_tokens);
            a_err.push(a.errors as i32);
            a_first.push(timestamptz(pg_micros(a.first_seen_ns)));
            a_last.push(timestamptz(pg_micros(a.last_seen_ns)));
        }
        for m in &an.messages {
            m_run.push(run_uuid);
            m_seq.push(m.seq);
            m_trace.push(uuid(&m.trace_id));
            m_span.push(span_id_to_i64(&m.span_id));
            m_time.push(timestamptz(pg_micros(m.time_ns)));
            m_from.push(m.from_agent.clone());
            m_to.push(m.to_agent.clone());
            m_kind.push(m.kind.as_str().to_string());
            m_content.push(m.content.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)));
        }
        for t in &an.tool_calls {
            t_trace.push(uuid(&t.trace_id));
            t_span.push(span_id_to_i64(&t.span_id));
            t_run.push(run_uuid);
            t_agent.push(t.agent_name.clone());
            t_name.push(t.tool_name.clone());
            t_call.push(t.call_id.clone());
            t_args.push(t.arguments.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)));
            t_res.push(t.result.as_deref().map(|s| excerpt(s, EXCERPT_BYTES)));
            t_err.push(t.is_error);
            t_emsg.push(
                t.error_message
                    .as_deref()
                    .map(|s| excerpt(s, EXCERPT_BYTES)),
            );
            t_start.push(timestamptz(pg_micros(t.start_ns)));
            t_dur.push(nanos_i64(t.duration_ns));
        }
        if setup_only {
            continue;
        }
        for c in extract_checkpoints(spans, &an.facts) {
            c_run.push(run_uuid);
            c_id.push(c.seq);
            c_trace.push(uuid(&c.trace_id));
            c_span.push(span_id_to_i64(&c.span_id));
            c_time.push(timestamptz(pg_micros(c.time_ns)));
            c_agent.push(c.agent_name);
            c_kind.push(c.kind.to_string());
            c_step.push(c.step.and_then(|s| i32::try_from(s).ok()));
            c_state.push((!c.state.is_null()).then(|| c.state.to_string()));
        }
        let (keywords, document) = search_document(spans, an);
        d_keys.push(keywords);
        d_doc.push(document);
        let origin = replay_origin(spans);
        r_replay_run.push(
            origin
                .as_ref()
                .and_then(|(run, _)| agenttrace_core::ids::from_hex::<16>(run))
                .map(|t| uuid(&t)),
        );
        r_replay_cp.push(origin.and_then(|(_, cp)| cp));
        r_run.push(run_uuid);
        run_totals.push(totals.get(run).unwrap_or(&no_totals));
        r_fw.push(an.framework.clone());
        r_status.push(an.outcome.status.as_str().to_string());
        r_reason.push(
            an.outcome
                .reason
                .as_deref()
                .map(|s| excerpt(s, EXCERPT_BYTES)),
        );
        r_fagent.push(an.outcome.failing_agent.clone());
        r_ftrace.push(an.outcome.failing_span.map(|(t, _)| uuid(&t)));
        r_fspan.push(an.outcome.failing_span.map(|(_, s)| span_id_to_i64(&s)));
        r_agents.push(an.agents.len() as i32);
    }
    // One statement for every table (they are independent; the deletes above ran first).
    let mut writes = Writes::new();
    {
        let n = a_run.len();
        let cols = Columns::new()
            .col("run_id", "uuid", a_run)
            .col("agent_name", "text", a_name)
            .col("agent_id", "text", a_id)
            .col("role", "text", a_role)
            .col("framework", "text", a_fw)
            .col("span_count", "int4", a_spans)
            .col("llm_calls", "int4", a_llm)
            .col("tool_calls", "int4", a_tools)
            .col("input_tokens", "int8", a_in)
            .col("output_tokens", "int8", a_out)
            .col("errors", "int4", a_err)
            .col("first_seen", "timestamptz", a_first)
            .col("last_seen", "timestamptz", a_last);
        writes.insert(cols, "agenttrace.agents", "", n);
    }
    {
        let n = m_run.len();
        let cols = Columns::new()
            .col("run_id", "uuid", m_run)
            .col("seq", "int4", m_seq)
            .col("trace_id", "uuid", m_trace)
            .col("span_id", "int8", m_span)
            .col("time", "timestamptz", m_time)
            .col("from_agent", "text", m_from)
            .col("to_agent", "text", m_to)
            .col("kind", "text", m_kind)
            .col("content", "text", m_content);
        writes.insert(cols, "agenttrace.agent_messages", "", n);
    }
    {
        let n = t_run.len();
        let cols = Columns::new()
            .col("trace_id", "uuid", t_trace)
            .col("span_id", "int8", t_span)
            .col("run_id", "uuid", t_run)
            .col("agent_name", "text", t_agent)
            .col("tool_name", "text", t_name)
            .col("call_id", "text", t_call)
            .col("arguments", "text", t_args)
            .col("result", "text", t_res)
            .col("is_error", "bool", t_err)
            .col("error_message", "text", t_emsg)
            .col("start_time", "timestamptz", t_start)
            .col("duration_ns", "int8", t_dur);
        writes.insert(cols, "agenttrace.tool_calls", "", n);
    }
    // run_search has one row per run_summaries row, same runs in the same order.
    let search_runs = r_run.clone();
    {
        let n = r_run.len();
        let time = |t: Option<i64>| t.map(timestamptz);
        let cols = Columns::new()
            .col("run_id", "uuid", r_run)
            .col("framework", "text", r_fw.clone())
            .map("service_name", "text", &run_totals, |t| {
                t.root_service.clone()
            })
            .map("root_name", "text", &run_totals, |t| t.root_name.clone())
            .map("start_time", "timestamptz", &run_totals, |t| {
                time(t.start_pg_micros)
            })
            .map("end_time", "timestamptz", &run_totals, |t| {
                time(t.end_pg_micros)
            })
            .map("trace_count", "int4", &run_totals, |t| t.trace_count)
            .map("span_count", "int4", &run_totals, |t| t.span_count)
            .col("agent_count", "int4", r_agents)
            .map("error_span_count", "int4", &run_totals, |t| t.error_spans)
            .map("llm_calls", "int4", &run_totals, |t| t.llm_calls)
            .map("tool_calls", "int4", &run_totals, |t| t.tool_calls)
            .map("input_tokens", "int8", &run_totals, |t| t.input_tokens)
            .map("output_tokens", "int8", &run_totals, |t| t.output_tokens)
            .col("status", "text", r_status)
            .col("status_reason", "text", r_reason)
            .col("failing_agent", "text", r_fagent)
            .col("failing_trace_id", "uuid", r_ftrace)
            .col("failing_span_id", "int8", r_fspan)
            .col("replay_of_run", "uuid", r_replay_run)
            .col("replay_of_checkpoint", "int8", r_replay_cp);
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
    }
    {
        let n = c_run.len();
        let cols = Columns::new()
            .col("run_id", "uuid", c_run)
            .col("checkpoint_id", "int8", c_id)
            .col("trace_id", "uuid", c_trace)
            .col("span_id", "int8", c_span)
            .col("time", "timestamptz", c_time)
            .col("agent_name", "text", c_agent)
            .col("kind", "text", c_kind)
            .col("step", "int4", c_step)
            .cast("state", "text", "jsonb", c_state);
        writes.insert(cols, "agenttrace.checkpoints", "ON CONFLICT DO NOTHING", n);
    }
    {
        let n = d_doc.len();
        let time = |t: Option<i64>| t.map(timestamptz);
        let cols = Columns::new()
            .col("run_id", "uuid", search_runs)
            .map("service_name", "text", &run_totals, |t| {
                t.root_service.clone()
            })
            .col("framework", "text", r_fw)
            .map("start_time", "timestamptz", &run_totals, |t| {
                time(t.start_pg_micros)
            })
            .map("words", "text", &d_doc, |d| search_words(d))
            .col("keywords", "text", d_keys)
            .col("document", "text", d_doc);
        writes.run(
                cols,
                "INSERT INTO agenttrace.run_search (run_id, service_name, framework, start_time, keywords, document, tsv)
                 SELECT u.run_id, u.service_name, u.framework, u.start_time, u.keywords, u.document,
                        to_tsvector('english'::regconfig, u.words)
                   FROM {unnest}
                 ON CONFLICT (run_id) DO UPDATE SET keywords = EXCLUDED.keywords, document = EXCLUDED.document,
                      tsv = EXCLUDED.tsv, service_name = EXCLUDED.service_name, framework = EXCLUDED.framework,
                      start_time = EXCLUDED.start_time",
                n,
            );
    }
    writes.execute(client)
}

/// What a person would search a run by. `keywords` (names of the framework, agents, tools and
/// spans, errors, the outcome) is short and trigram-indexed for typo-tolerant matching;
/// `document` adds the agents' messages and the final output for full-text search. Both bounded, so a
/// huge run cannot make its index entries enormous (they are rebuilt whenever the run grows).
fn search_document(spans: &[SpanRecord], an: &RunAnalysis) -> (String, String) {
    const KEYWORDS_MAX: usize = 2 * 1024;
    const DOCUMENT_MAX: usize = 4 * 1024;
    let mut seen = HashSet::new();
    let mut keywords = String::new();
    let mut add = |out: &mut String, s: &str, max: usize| {
        if out.len() < max && !s.is_empty() && seen.insert(s.to_string()) {
            out.push_str(&excerpt(s, 256));
            out.push('\n');
        }
    };
    for v in an.framework.iter().chain(an.outcome.reason.iter()) {
        add(&mut keywords, v, KEYWORDS_MAX);
    }
    for a in &an.agents {
        add(&mut keywords, &a.agent_name, KEYWORDS_MAX);
    }
    for (s, f) in spans.iter().zip(&an.facts) {
        for v in [&f.tool_name, &f.error_type, &f.error_message, &f.model]
            .into_iter()
            .flatten()
        {
            add(&mut keywords, v, KEYWORDS_MAX);
        }
        add(&mut keywords, &s.name, KEYWORDS_MAX);
    }
    let keywords = excerpt(&keywords, KEYWORDS_MAX);
    // The document adds what agents said to each other and the run's final output (the last
    // output of a root or agent span); every prompt of every model call would cost more to
    // index than the rest of ingest together.
    let mut document = keywords.clone();
    let final_output = spans
        .iter()
        .zip(&an.facts)
        .filter(|(s, f)| {
            s.parent_span_id.is_none()
                || f.category == agenttrace_core::normalize::SpanCategory::Agent
        })
        .filter_map(|(s, f)| f.output_text.as_ref().map(|o| (s.end_time_unix_nano, o)))
        .max_by_key(|(end, _)| *end)
        .map(|(_, o)| o);
    for t in an
        .messages
        .iter()
        .filter_map(|m| m.content.as_ref())
        .chain(final_output)
    {
        add(&mut document, t, DOCUMENT_MAX);
    }
    (keywords, excerpt(&document, DOCUMENT_MAX))
}
