//! SQL capability: checkpoints, state at a point, and replay diffs.
//!
//! `agenttrace.checkpoints(run)` and `agenttrace.state_at(run, span, time)` are SQL over the
//! checkpoints extracted at ingest (sql/replay.sql); `agenttrace.run_diff(original, replay)`
//! aligns two runs step by step with `agenttrace_core::replay::diff_steps`.
use agenttrace_core::ids::{i64_to_span_id, to_hex};
use agenttrace_core::replay::{diff_steps, Step};
use pgrx::prelude::*;
use pgrx::spi::SpiClient;

extension_sql_file!("../../sql/replay.sql", name = "replay_sql", requires = ["schema", checkpoint_state]);

/// The state of a checkpoint that points at its span (agent turns, model calls), rebuilt from
/// the span's stored attributes with the same normalizers that ran at ingest.
#[pg_extern(stable, parallel_safe)]
fn checkpoint_state(
    trace_id: pgrx::Uuid,
    span_id: i64,
    kind: &str,
    agent_name: Option<&str>,
) -> Result<Option<pgrx::JsonB>, pgrx::spi::Error> {
    let span = Spi::connect(|client| crate::store::load_span(client, crate::columns::trace_id(&trace_id), span_id))?;
    Ok(span.map(|s| pgrx::JsonB(agenttrace_core::replay::span_state(kind, agent_name, &agenttrace_core::normalize::span_facts(&s)))))
}

extension_sql!(
    r#"COMMENT ON FUNCTION checkpoint_state(uuid, bigint, text, text) IS
'Rebuilds the state of an agent_turn or llm_input checkpoint (the agent''s input, the conversation sent to the model) from its span''s stored attributes; agenttrace.checkpoints() and agenttrace.state_at() call it.';"#,
    name = "comment_checkpoint_state",
    requires = [checkpoint_state]
);

/// Steps compared per run: enough for long runs, bounded so the O(n·m) alignment stays small.
const MAX_STEPS: i64 = 4000;

fn load_steps(client: &SpiClient<'_>, run: pgrx::Uuid) -> Result<Vec<Step>, pgrx::spi::Error> {
    let t = client.select(
        "SELECT span_id, agent_name, category, name, input_text, output_text, tool_name, is_error, error_message
           FROM agenttrace.spans
          WHERE run_id = $1 AND category IN ('agent', 'llm', 'tool', 'handoff', 'guardrail', 'chain')
          ORDER BY start_time, span_id LIMIT $2",
        None,
        &[run.into(), MAX_STEPS.into()],
    )?;
    let mut out = Vec::with_capacity(t.len());
    for row in t {
        out.push(Step {
            span_id: i64_to_span_id(row.get::<i64>(1)?.unwrap_or(0)),
            agent: row.get(2)?,
            category: row.get::<String>(3)?.unwrap_or_default(),
            name: row.get::<String>(4)?.unwrap_or_default(),
            input: row.get(5)?,
            output: row.get(6)?,
            tool_name: row.get(7)?,
            is_error: row.get::<bool>(8)?.unwrap_or(false),
            error: row.get(9)?,
        });
    }
    Ok(out)
}

fn outcome(client: &SpiClient<'_>, run: pgrx::Uuid) -> Result<pgrx::JsonB, pgrx::spi::Error> {
    let j = client
        .select(
            "SELECT jsonb_build_object('status', status, 'reason', status_reason, 'failing_agent', failing_agent)
               FROM agenttrace.run_summaries WHERE run_id = $1",
            None,
            &[run.into()],
        )?
        .first()
        .get_one::<pgrx::JsonB>()?;
    Ok(j.unwrap_or(pgrx::JsonB(serde_json::Value::Null)))
}

type DiffRow = (i64, String, Option<String>, String, String, Option<String>, Option<String>, pgrx::JsonB);

/// Aligns a replay with its original run step by step and reports what changed.
#[allow(clippy::type_complexity)] // pgrx wants the row tuple spelled out
#[pg_extern(stable, parallel_safe)]
fn run_diff(
    original: pgrx::Uuid,
    replay: pgrx::Uuid,
) -> Result<
    TableIterator<
        'static,
        (
            name!(step, i64),
            name!(change, String),
            name!(agent_name, Option<String>),
            name!(category, String),
            name!(name, String),
            name!(original_span_id, Option<String>),
            name!(replay_span_id, Option<String>),
            name!(details, pgrx::JsonB),
        ),
    >,
    pgrx::spi::Error,
> {
    Spi::connect(|client| {
        let (a, b) = (load_steps(client, original)?, load_steps(client, replay)?);
        let mut rows: Vec<DiffRow> = diff_steps(&a, &b)
            .into_iter()
            .map(|d| {
                (
                    d.step,
                    d.change.to_string(),
                    d.agent,
                    d.category,
                    d.name,
                    d.original.map(|s| to_hex(&s)),
                    d.replay.map(|s| to_hex(&s)),
                    pgrx::JsonB(d.details),
                )
            })
            .collect();
        let (oa, ob) = (outcome(client, original)?, outcome(client, replay)?);
        let change = if oa.0 == ob.0 { "same" } else { "changed" };
        rows.push((
            rows.len() as i64,
            change.to_string(),
            None,
            "run".into(),
            "outcome".into(),
            None,
            None,
            pgrx::JsonB(serde_json::json!({"original": oa.0, "replay": ob.0})),
        ));
        Ok(TableIterator::new(rows))
    })
}

extension_sql!(
    r#"COMMENT ON FUNCTION run_diff(uuid, uuid) IS
'Aligns a replay with its original run step by step (agent, kind of step, span name; longest common subsequence) and reports each step as same, changed (with the differing input, output, tool or error), added or removed, then the outcome of both runs. Example: SELECT step, change, agent_name, name, details FROM agenttrace.run_diff(''<original run>'', ''<replay run>'') WHERE change <> ''same'';';"#,
    name = "comment_run_diff",
    requires = [run_diff]
);
